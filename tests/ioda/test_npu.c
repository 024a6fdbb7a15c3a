/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVLink on the AC922 (corpus log, Linux 5.2): links share their GPU's
 * device PE, the GPU<->link getters, and the references each rule pins
 * (spec §1.3): v5.5 pins a link for a new PE and again for a join, v5.6
 * pins every link once, the counted rule pins nothing and its PE lets go
 * when the device leaves its bus.
 */
#include "fixture.h"

#include <ioda/eeh.h>

#define AC922 IODA_SRCDIR "/tests/conformance/corpus/ac922-witherspoon-5.2-npu-sriov.log"

static void boot_ac922(struct booted *b, enum ioda_refcount_rule rule)
{
	struct ioda_boot_opts opts = { .kernel = "5.2", .refcount = rule };
	struct ioda_error err;

	b->ctx = test_ctx_new(&b->r);
	if (ioda_load_machine(b->ctx, AC922, IODA_INPUT_LOG, &b->m, &err))
		fail_msg("load: %s", err.msg);
	b->lines.n = 0;
	if (ioda_kernel_boot(b->m, &opts, collect, &b->lines, &b->k, &err))
		fail_msg("boot: %s", err.msg);
}

static struct pci_dev *dev_at(struct booted *b, int domain, unsigned int bus, unsigned int devfn)
{
	struct pci_dev *d = pci_get_domain_bus_and_slot(b->m, domain, bus, devfn, "test");

	assert_non_null(d);
	pci_dev_put(d, "test"); /* the bus list keeps it */
	return d;
}

/* The getters follow the platform's wiring and hand out counted references. */
static void getters_return_counted_references(void **state)
{
	struct booted b;
	struct pci_dev *link, *gpu, *back;

	boot_ac922(&b, IODA_REFS_COUNTED);
	link = dev_at(&b, 6, 0, PCI_DEVFN(0, 1));
	gpu = ioda_npu_get_gpu(b.k, link, "consumer");
	assert_string_equal(pci_dev_peek_name(gpu), "0004:04:00.0");
	assert_int_equal(ioda_ref_holder_count(&gpu->ref, "consumer"), 1);
	back = ioda_gpu_get_npu(b.k, gpu, 2, "consumer");
	assert_string_equal(pci_dev_peek_name(back), "0006:00:00.2");
	assert_string_equal(pci_dev_peek_name(ioda_npu_peek_gpu(b.k, dev_at(&b, 7, 0, PCI_DEVFN(1, 0)))),
			    "0035:04:00.0");
	pci_dev_put(back, "consumer");
	pci_dev_put(gpu, "consumer");
	/* Both links of a GPU in one PE; the second GPU's in another. */
	assert_int_equal(link->pe_number, 0xd);
	assert_int_equal(dev_at(&b, 6, 0, PCI_DEVFN(1, 2))->pe_number, 0xc);
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

static unsigned int holders(struct booted *b, int domain, unsigned int devfn, const char *h)
{
	return ioda_ref_holder_count(&dev_at(b, domain, 0, devfn)->ref, h);
}

/* What each rule pins on the links, and what teardown then reports. */
static void pins_per_rule(void **state)
{
	struct booted b;

	boot_ac922(&b, IODA_REFS_V5_5);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 0), "npu pe (v5.5, never put)"), 1);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 1), "npu join (v5.5, never put)"), 1);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 1), "npu pe (v5.5, never put)"), 0);
	ioda_kernel_free(b.k);
	/* 4 link PEs and 8 joins: 12 pinned links, each with its bus and domain. */
	assert_true(ioda_machine_free(b.m) >= 12);
	assert_int_equal(ioda_ctx_reports(b.ctx, IODA_REPORT_LEAK) >= 12, true);
	ioda_ctx_free(b.ctx);

	boot_ac922(&b, IODA_REFS_V5_6);
	for (unsigned int fn = 0; fn < 3; fn++)
		assert_int_equal(holders(&b, 7, PCI_DEVFN(1, fn), "nvlink pin (v5.6, never put)"), 1);
	assert_int_equal(holders(&b, 7, PCI_DEVFN(1, 0), "pe"), 0);
	ioda_kernel_free(b.k);
	assert_true(ioda_machine_free(b.m) >= 12);
	ioda_ctx_free(b.ctx);

	boot_ac922(&b, IODA_REFS_COUNTED);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 0), "pe"), 1);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 1), "pe"), 0);
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

/*
 * Unplug under the counted rule: the links leave their PE when removed
 * (the PE's own reference never holds them back), and a consumer's GPU
 * reference keeps the GPU valid, released exactly at its put.
 */
static void unplug_under_a_held_reference(void **state)
{
	struct booted b;
	struct pci_dev *gpu;

	boot_ac922(&b, IODA_REFS_COUNTED);
	gpu = ioda_npu_get_gpu(b.k, dev_at(&b, 6, 0, 0), "consumer");
	for (unsigned int fn = 0; fn < 3; fn++)
		assert_int_equal(ioda_hot_remove(b.k, dev_at(&b, 6, 0, PCI_DEVFN(0, fn))), 0);
	assert_false(ioda_kernel_peek_phb(b.k, 6)->pe_array[0xd].flags & IODA_PE_DEV);
	assert_int_equal(ioda_hot_remove(b.k, gpu), 0);
	assert_null(pci_get_domain_bus_and_slot(b.m, 4, 4, 0, "test"));
	assert_false(ioda_ref_released(&gpu->ref));
	assert_true(ioda_ref_use(&gpu->ref, "consumer"));
	pci_dev_put(gpu, "consumer");
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(getters_return_counted_references),
		cmocka_unit_test(pins_per_rule),
		cmocka_unit_test(unplug_under_a_held_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
