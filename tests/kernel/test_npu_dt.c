/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVLink from the device tree (npu-dma.c, up to 5.12): a link's ibm,gpu and
 * a GPU's ibm,npu name each other by phandle.  pnv_pci_get_gpu_dev() and
 * pnv_pci_get_npu_dev() follow them; here they hand out counted references.
 * A phandle that names no node is refused at load (file: node: property);
 * a link without ibm,gpu leads to no GPU, as of_parse_phandle() gives NULL.
 */
#include "fixture.h"

#define POWER9_DTS IODA_SRCDIR "/examples/power9.dts"

/* The NPU PHB's PE lines, and how many warnings the boot printed. */
struct npu_lines {
	const char *domain; /* "0006:" */
	unsigned int n, warnings;
	char line[16][160];
};

static void collect_npu(void *arg, const struct ioda_event *ev)
{
	struct npu_lines *l = arg;
	char buf[160];

	ioda_event_format(ev, buf, sizeof(buf));
	if (ev->level <= IODA_LOG_WARNING)
		l->warnings++;
	if (strstr(buf, l->domain) && strstr(buf, " PE") && l->n < 16)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s", buf);
}

static void assert_npu_lines(const struct npu_lines *got, const char *const *want, unsigned int n)
{
	for (unsigned int i = 0; i < n && i < got->n; i++)
		if (strcmp(got->line[i], want[i])) {
			print_error("line %u:\n  got  %s\n  want %s\n", i, got->line[i], want[i]);
			fail();
		}
	assert_int_equal(got->n, n);
}

static struct pci_dev *dev_at(struct ioda_machine *m, int domain, unsigned int bus,
			      unsigned int devfn)
{
	struct pci_dev *d = pci_get_domain_bus_and_slot(m, domain, bus, devfn, "test");

	assert_non_null(d);
	pci_dev_put(d, "test"); /* the bus list keeps it */
	return d;
}

/*
 * pnv_pci_get_gpu_dev()/pnv_pci_get_npu_dev() on the example AC922: each of
 * the six links leads to its GPU by ibm,gpu, each GPU to its three links by
 * ibm,npu, in order; past the last, NULL.  The links of a GPU share one PE
 * (pnv_ioda_setup_npu_PE()) and the GPU's iommu group.
 */
static void gpu_and_links_name_each_other_by_phandle(void **state)
{
	static const char *const want[] = {
		"pci 0006:00:00.0: [PE# 0d] Associated device to PE",
		"pci 0006:00:00.1: Associating to existing PE d",
		"pci 0006:00:00.2: Associating to existing PE d",
		"pci 0006:00:01.0: [PE# 0c] Associated device to PE",
		"pci 0006:00:01.1: Associating to existing PE c",
		"pci 0006:00:01.2: Associating to existing PE c",
	};
	struct ioda_boot_opts opts = { .refcount = IODA_REFS_COUNTED };
	struct npu_lines lines = { .domain = "0006:" };
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct ioda_error err;
	struct pci_dev *gpus[2];

	if (ioda_load_machine(ctx, POWER9_DTS, IODA_INPUT_AUTO, &m, &err))
		fail_msg("load: %s", err.msg);
	if (ioda_kernel_boot(m, &opts, collect_npu, &lines, &k, &err))
		fail_msg("boot: %s", err.msg);
	assert_int_equal(lines.warnings, 0);
	assert_npu_lines(&lines, want, 6);
	gpus[0] = dev_at(m, 3, 1, 0);
	gpus[1] = dev_at(m, 5, 1, 0);
	for (unsigned int g = 0; g < 2; g++) {
		struct pci_dev *gpu = gpus[g];

		assert_int_equal(gpu->num_npus, 3);
		for (unsigned int i = 0; i < 3; i++) {
			struct pci_dev *link = dev_at(m, 6, 0, PCI_DEVFN(g, i));
			struct pci_dev *got = ioda_npu_get_gpu(k, link, "consumer");
			struct pci_dev *back;

			assert_ptr_equal(got, gpu);
			assert_int_equal(ioda_ref_holder_count(&gpu->ref, "consumer"), 1);
			back = ioda_gpu_get_npu(k, gpu, i, "consumer");
			assert_ptr_equal(back, link);
			assert_int_equal(ioda_ref_holder_count(&link->ref, "consumer"), 1);
			/* The links in their GPU's PE and compound iommu group. */
			assert_int_equal(link->iommu_group, gpu->iommu_group);
			assert_int_equal(link->pe_number, g ? 0xc : 0xd);
			pci_dev_put(back, "consumer");
			pci_dev_put(got, "consumer");
			assert_int_equal(ioda_ref_holder_count(&gpu->ref, "consumer"), 0);
			assert_int_equal(ioda_ref_holder_count(&link->ref, "consumer"), 0);
		}
		assert_true(gpu->iommu_group >= 0);
		assert_null(ioda_gpu_get_npu(k, gpu, 3, "consumer"));
		assert_int_equal(ioda_ref_holder_count(&gpu->ref, "consumer"), 0);
	}
	ioda_kernel_free(k);
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

/*
 * A small machine: one PHB4 with a GPU (ibm,npu = GPU_NPU) and the NPU2
 * with two links, 00.0 (LINK0's properties) and 01.0 (LINK1's).
 */
#define TREE(GPU_NPU, LINK0, LINK1) \
	"/dts-v1/;\n" \
	"/ {\n" \
	"	compatible = \"ibm,powernv\";\n" \
	"	#address-cells = <2>;\n" \
	"	#size-cells = <2>;\n" \
	"	pciex@600c3c0000000 {\n" \
	"		compatible = \"ibm,power9-pciex\", \"ibm,ioda3-phb\";\n" \
	"		ibm,opal-phbid = <0x0 0x0>;\n" \
	"		#address-cells = <3>;\n" \
	"		#size-cells = <2>;\n" \
	"		ranges = <0x2000000 0x0 0x80000000 0x600c0 0x0 0x0 0x7fff0000>;\n" \
	"		ibm,opal-m64-window = <0x60000 0x0 0x60000 0x0 0x40 0x0>;\n" \
	"		ibm,opal-num-pes = <512>;\n" \
	"		pci@0 {\n" \
	"			class-code = <0x60400>;\n" \
	"			vendor-id = <0x1014>;\n" \
	"			device-id = <0x4c1>;\n" \
	"			reg = <0x0 0x0 0x0 0x0 0x0>;\n" \
	"			#address-cells = <3>;\n" \
	"			#size-cells = <2>;\n" \
	"			gpu0: 3d-controller@0 {\n" \
	"				class-code = <0x30200>;\n" \
	"				vendor-id = <0x10de>;\n" \
	"				device-id = <0x1db1>;\n" \
	"				reg = <0x10000 0x0 0x0 0x0 0x0>;\n" \
	"				" GPU_NPU "\n" \
	"			};\n" \
	"		};\n" \
	"	};\n" \
	"	pciex@6030200000000 {\n" \
	"		compatible = \"ibm,power9-npu-pciex\", \"ibm,ioda2-npu2-phb\";\n" \
	"		ibm,opal-phbid = <0x0 0x6>;\n" \
	"		#address-cells = <3>;\n" \
	"		#size-cells = <2>;\n" \
	"		ranges = <0x2000000 0x60302 0x1600000 0x60302 0x1600000 0x0 0x120000>;\n" \
	"		ibm,opal-num-pes = <16>;\n" \
	"		ibm,opal-reserved-pe = <15>;\n" \
	"		link0: unknown-bridge@0 {\n" \
	"			class-code = <0x68001>;\n" \
	"			vendor-id = <0x1014>;\n" \
	"			device-id = <0x4ea>;\n" \
	"			reg = <0x0 0x0 0x0 0x0 0x0>;\n" \
	"			" LINK0 "\n" \
	"		};\n" \
	"		link1: unknown-bridge@1 {\n" \
	"			class-code = <0x68001>;\n" \
	"			vendor-id = <0x1014>;\n" \
	"			device-id = <0x4ea>;\n" \
	"			reg = <0x800 0x0 0x0 0x0 0x0>;\n" \
	"			" LINK1 "\n" \
	"		};\n" \
	"	};\n" \
	"};\n"

static void expect_load_error(const char *text, const char *want)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = NULL;
	struct ioda_error err = { "" };

	assert_int_equal(ioda_load_machine_buf(ctx, "npu.dts", text, strlen(text),
					       IODA_INPUT_AUTO, &m, &err), -EINVAL);
	assert_string_equal(err.msg, want);
	assert_null(m);
	test_ctx_end_clean(ctx);
}

/*
 * of_parse_phandle() on a phandle no node has: the tree is refused when it
 * is read, naming the file, the node and the property; nothing boots.
 */
static void dangling_phandle_is_refused_at_load(void **state)
{
	expect_load_error(TREE("ibm,npu = <&link0>;", "ibm,gpu = <&gpu0>;", "ibm,gpu = <0x99>;"),
			  "npu.dts: /pciex@6030200000000/unknown-bridge@1: "
			  "ibm,gpu: no node has phandle 0x99");
	expect_load_error(TREE("ibm,npu = <&link0 0x77>;", "ibm,gpu = <&gpu0>;", ""),
			  "npu.dts: /pciex@600c3c0000000/pci@0/3d-controller@0: "
			  "ibm,npu: no node has phandle 0x77");
}

/*
 * A link without ibm,gpu: pnv_pci_get_gpu_dev() returns NULL, silently, and
 * pnv_ioda_setup_npu_PE() gives the link a device PE of its own, as it does
 * the first link of a GPU.  No warning; the other link's pair still works.
 */
static void link_without_ibm_gpu_leads_to_no_gpu(void **state)
{
	static const char text[] = TREE("ibm,npu = <&link0>;", "ibm,gpu = <&gpu0>;", "");
	static const char *const want[] = {
		"pci 0006:00:00.0: [PE# 0d] Associated device to PE",
		"pci 0006:00:01.0: [PE# 0c] Associated device to PE",
	};
	struct ioda_boot_opts opts = { .refcount = IODA_REFS_COUNTED };
	struct npu_lines lines = { .domain = "0006:" };
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct ioda_error err = { "" };
	struct pci_dev *gpu, *link0, *link1, *got;

	if (ioda_load_machine_buf(ctx, "npu.dts", text, strlen(text), IODA_INPUT_AUTO, &m, &err))
		fail_msg("load: %s", err.msg);
	if (ioda_kernel_boot(m, &opts, collect_npu, &lines, &k, &err))
		fail_msg("boot: %s", err.msg);
	assert_int_equal(lines.warnings, 0);
	assert_npu_lines(&lines, want, 2);
	gpu = dev_at(m, 0, 1, 0);
	link0 = dev_at(m, 6, 0, PCI_DEVFN(0, 0));
	link1 = dev_at(m, 6, 0, PCI_DEVFN(1, 0));
	assert_int_equal(link1->gpu_phandle, 0);
	assert_null(ioda_npu_get_gpu(k, link1, "consumer"));
	assert_null(ioda_npu_peek_gpu(k, link1));
	got = ioda_npu_get_gpu(k, link0, "consumer");
	assert_ptr_equal(got, gpu);
	pci_dev_put(got, "consumer");
	got = ioda_gpu_get_npu(k, gpu, 0, "consumer");
	assert_ptr_equal(got, link0);
	pci_dev_put(got, "consumer");
	assert_null(ioda_gpu_get_npu(k, gpu, 1, "consumer"));
	assert_int_equal(ioda_ref_holder_count(&gpu->ref, "consumer"), 0);
	assert_int_equal(ioda_ref_holder_count(&link0->ref, "consumer"), 0);
	assert_int_equal(ioda_ref_holder_count(&link1->ref, "consumer"), 0);
	ioda_kernel_free(k);
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpu_and_links_name_each_other_by_phandle),
		cmocka_unit_test(dangling_phandle_is_refused_at_load),
		cmocka_unit_test(link_without_ibm_gpu_leads_to_no_gpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
