/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device-tree loader: the example trees and the real trees skiboot gave
 * Linux under QEMU load into the machine they describe; the firmware
 * properties come out with the kernel's defaults; every malformed tree gets
 * its exact message; no allocation failure leaks; no input crashes.
 */
#include "testutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include <ioda/pci.h>
#include <ioda/load.h>

#define POWER9_DTS IODA_SRCDIR "/examples/power9.dts"
#define POWER8_DTS IODA_SRCDIR "/examples/power8.dts"
#define P9_SWITCH_DTB IODA_SRCDIR "/tests/load/data/p9-switch.dtb"
#define P8_SWITCH_DTB IODA_SRCDIR "/tests/load/data/p8-switch.dtb"

#define SZ_16K 0x4000ull
#define SZ_64K 0x10000ull
#define SZ_256K 0x40000ull
#define SZ_16M 0x1000000ull
#define SZ_32M 0x2000000ull
#define SZ_32G 0x800000000ull
#define SZ_64G 0x1000000000ull

#define MEM64 (PCI_RES_MEM | PCI_RES_MEM64)
#define MEM64_PREF (MEM64 | PCI_RES_PREFETCH)

/* The file's contents, from malloc, NUL-terminated. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct ioda_topo *parse_ok(struct ioda_ctx *ctx, const char *file, const char *buf,
				  size_t len)
{
	struct ioda_error err = { "" };
	struct ioda_topo *topo;
	int rc = ioda_dt_parse(ctx, file, buf, len, &topo, &err);

	if (rc)
		fail_msg("parse failed (%d): %s", rc, err.msg);
	assert_non_null(topo);
	return topo;
}

static struct ioda_topo *parse_dts(struct ioda_ctx *ctx, const char *text)
{
	return parse_ok(ctx, "t.dts", text, strlen(text));
}

static struct ioda_machine *load_ok(struct ioda_ctx *ctx, const char *path)
{
	struct ioda_error err = { "" };
	struct ioda_machine *m;
	int rc = ioda_load_machine(ctx, path, IODA_INPUT_AUTO, &m, &err);

	if (rc)
		fail_msg("load failed (%d): %s", rc, err.msg);
	return m;
}

/* Parsing @len bytes named @file fails with @want_rc and exactly @want, leaving nothing. */
static void expect_error(const char *file, const char *buf, size_t len, int want_rc,
			 const char *want)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_error err = { "" };
	struct ioda_topo *topo = (struct ioda_topo *)1;
	int rc = ioda_dt_parse(ctx, file, buf, len, &topo, &err);

	if (rc != want_rc || strcmp(err.msg, want) != 0)
		fail_msg("got %d \"%s\"\n  want %d \"%s\"", rc, err.msg, want_rc, want);
	assert_null(topo);
	test_ctx_end_clean(ctx);
}

/* ---- what a machine from a tree holds --------------------------------------------- */

struct want_dev {
	int domain;
	unsigned int bus, devfn;
	uint16_t vendor, device;
	uint32_t class;
	enum pcie_port_type type;
	int busn_end; /* bridges: the subordinate bus; -1 for endpoints */
	bool multifunction;
};

static void check_devs(struct ioda_machine *m, const struct want_dev *want, size_t n)
{
	unsigned int count = 0;
	struct pci_dev *dev = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct want_dev *w = &want[i];

		dev = pci_get_domain_bus_and_slot(m, w->domain, w->bus, w->devfn, "test");
		if (!dev)
			fail_msg("no device %04x:%02x:%02x.%x", w->domain, w->bus,
				 PCI_SLOT(w->devfn), PCI_FUNC(w->devfn));
		assert_int_equal(dev->vendor, w->vendor);
		assert_int_equal(dev->device, w->device);
		assert_int_equal(dev->class, w->class);
		assert_int_equal(dev->pcie_type, w->type);
		assert_int_equal(dev->multifunction, w->multifunction);
		assert_int_equal(dev->hdr_type, w->busn_end >= 0);
		if (w->busn_end >= 0)
			assert_int_equal(dev->subordinate->busn_end, w->busn_end);
		pci_dev_put(dev, "test");
	}
	/* And nothing else. */
	dev = NULL;
	while ((dev = pci_get_device(m, PCI_ANY_ID, PCI_ANY_ID, dev, "test")))
		count++;
	assert_int_equal(count, n);
}

static void check_res(const struct pci_resource *res, uint64_t start, uint64_t size,
		      unsigned int flags)
{
	assert_int_equal(res->start, start);
	assert_int_equal(res->size, size);
	assert_int_equal(res->flags, flags);
}

/* Device @bdf's resource @idx. */
static void check_bar(struct ioda_machine *m, int domain, unsigned int bus, unsigned int devfn,
		      unsigned int idx, uint64_t size, unsigned int flags)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(m, domain, bus, devfn, "test");

	assert_non_null(dev);
	check_res(&dev->resource[idx], 0, size, flags);
	pci_dev_put(dev, "test");
}

static void check_domain(struct ioda_machine *m, int nr, enum ioda_phb_gen gen,
			 unsigned int num_pes, uint64_t m32, uint64_t m64, uint64_t m64_size)
{
	struct pci_domain *d = pci_find_domain(m, nr, "test");

	assert_non_null(d);
	assert_int_equal(d->gen, gen);
	assert_int_equal(d->num_pes, num_pes);
	assert_int_equal(d->index, nr);
	assert_int_equal(d->chip, 0);
	assert_int_equal(d->opal_id, nr);
	check_res(&d->m32, m32, 0x7fff0000, PCI_RES_MEM | PCI_RES_ASSIGNED);
	check_res(&d->m64, m64, m64_size, MEM64_PREF | PCI_RES_ASSIGNED);
	pci_domain_put(d, "test");
}

#define DEV(d, b, slot, fn, v, dv, cl, t, end, mf) \
	{ d, b, PCI_DEVFN(slot, fn), v, dv, cl, PCIE_TYPE_##t, end, mf }

static void test_power9_example_builds_its_machine(void **state)
{
	static const struct want_dev want[] = {
		DEV(0, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 5, false),
		DEV(0, 1, 0, 0, 0x10b5, 0x8725, 0x060400, UPSTREAM, 5, false),
		DEV(0, 2, 1, 0, 0x10b5, 0x8725, 0x060400, DOWNSTREAM, 3, false),
		DEV(0, 2, 2, 0, 0x10b5, 0x8725, 0x060400, DOWNSTREAM, 4, false),
		/* The empty slot gets the next bus, as a scan gives it. */
		DEV(0, 2, 3, 0, 0x10b5, 0x8725, 0x060400, DOWNSTREAM, 5, false),
		DEV(0, 3, 0, 0, 0x144d, 0xa822, 0x010802, ENDPOINT, -1, false),
		DEV(0, 4, 0, 0, 0x144d, 0xa822, 0x010802, ENDPOINT, -1, false),
		DEV(1, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(1, 1, 0, 0, 0x14e4, 0x1657, 0x020000, ENDPOINT, -1, true),
		DEV(1, 1, 0, 1, 0x14e4, 0x1657, 0x020000, ENDPOINT, -1, true),
		DEV(2, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 2, false),
		/* PCIe above, conventional PCI below: a PCIe-to-PCI bridge. */
		DEV(2, 1, 0, 0, 0x1a03, 0x1150, 0x060400, PCI_BRIDGE, 2, false),
		DEV(2, 2, 0, 0, 0x1a03, 0x2000, 0x030000, NONE, -1, false),
		DEV(3, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(3, 1, 0, 0, 0x10de, 0x1db1, 0x030200, ENDPOINT, -1, false),
		DEV(4, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(4, 1, 0, 0, 0x15b3, 0x1017, 0x020000, ENDPOINT, -1, false),
		DEV(5, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(5, 1, 0, 0, 0x10de, 0x1db1, 0x030200, ENDPOINT, -1, false),
		/* The NPU's links: a device per GPU, a function per link. */
		DEV(6, 0, 0, 0, 0x1014, 0x04ea, 0x068001, ENDPOINT, -1, true),
		DEV(6, 0, 0, 1, 0x1014, 0x04ea, 0x068001, ENDPOINT, -1, true),
		DEV(6, 0, 0, 2, 0x1014, 0x04ea, 0x068001, ENDPOINT, -1, true),
		DEV(6, 0, 1, 0, 0x1014, 0x04ea, 0x068001, ENDPOINT, -1, true),
		DEV(6, 0, 1, 1, 0x1014, 0x04ea, 0x068001, ENDPOINT, -1, true),
		DEV(6, 0, 1, 2, 0x1014, 0x04ea, 0x068001, ENDPOINT, -1, true),
		/* The OpenCAPI link's accelerator. */
		DEV(7, 0, 0, 0, 0x1014, 0x062b, 0x120000, ENDPOINT, -1, false),
	};
	static const struct {
		unsigned int pes;
		uint64_t m32, m64;
	} phbs[] = {
		{ 512, 0x600c000000000, 0x6000000000000 },
		{ 256, 0x600c080000000, 0x6004000000000 },
		{ 256, 0x600c100000000, 0x6008000000000 },
		{ 512, 0x600c180000000, 0x6020000000000 },
		{ 256, 0x600c200000000, 0x6024000000000 },
		{ 256, 0x600c280000000, 0x6028000000000 },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = load_ok(ctx, POWER9_DTS);

	assert_string_equal(m->model, "IBM Power System AC922 (8335-GTH)");
	assert_int_equal(m->memory_bytes, SZ_64G);
	for (int i = 0; i < 6; i++)
		check_domain(m, i, IODA_PHB4, phbs[i].pes, phbs[i].m32, phbs[i].m64,
			     0x4000000000);
	check_devs(m, want, sizeof(want) / sizeof(want[0]));
	check_bar(m, 0, 1, PCI_DEVFN(0, 0), 0, SZ_256K, PCI_RES_MEM);
	check_bar(m, 0, 3, PCI_DEVFN(0, 0), 0, SZ_16K, MEM64);
	check_bar(m, 1, 1, PCI_DEVFN(0, 1), 4, SZ_64K, MEM64_PREF);
	check_bar(m, 1, 1, PCI_DEVFN(0, 1), PCI_ROM_RESOURCE, SZ_256K, PCI_RES_MEM);
	/* The V100: BAR0 16M, BAR1 32G and BAR3 32M 64-bit prefetchable. */
	check_bar(m, 3, 1, PCI_DEVFN(0, 0), 0, SZ_16M, PCI_RES_MEM);
	check_bar(m, 3, 1, PCI_DEVFN(0, 0), 1, SZ_32G, MEM64_PREF);
	check_bar(m, 3, 1, PCI_DEVFN(0, 0), 2, 0, 0);
	check_bar(m, 3, 1, PCI_DEVFN(0, 0), 3, SZ_32M, MEM64_PREF);
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

static void test_power8_example_builds_its_machine(void **state)
{
	static const struct want_dev want[] = {
		DEV(0, 0, 0, 0, 0x1014, 0x03dc, 0x060400, ROOT_PORT, 1, false),
		DEV(0, 1, 0, 0, 0x8086, 0x0953, 0x010802, ENDPOINT, -1, false),
		DEV(1, 0, 0, 0, 0x1014, 0x03dc, 0x060400, ROOT_PORT, 1, false),
		DEV(1, 1, 0, 0, 0x8086, 0x10fb, 0x020000, ENDPOINT, -1, true),
		DEV(1, 1, 0, 1, 0x8086, 0x10fb, 0x020000, ENDPOINT, -1, true),
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = load_ok(ctx, POWER8_DTS);

	assert_string_equal(m->model, "IBM Power System S822L (8247-22L)");
	assert_int_equal(m->memory_bytes, SZ_64G);
	check_domain(m, 0, IODA_PHB3, 256, 0x3ff8000000000, 0x3d00000000000, SZ_64G);
	check_domain(m, 1, IODA_PHB3, 256, 0x3ff8080000000, 0x3d01000000000, SZ_64G);
	check_devs(m, want, sizeof(want) / sizeof(want[0]));
	check_bar(m, 1, 1, PCI_DEVFN(0, 1), 0, 0x80000, MEM64);
	check_bar(m, 1, 1, PCI_DEVFN(0, 1), 4, SZ_16K, MEM64);
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

/* The tree skiboot gave Linux 6.1 under QEMU powernv9: the devices of its pci-sysfs.txt. */
static void test_real_p9_switch_tree_shows_the_kernels_devices(void **state)
{
	static const struct want_dev want[] = {
		DEV(0, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 5, false),
		DEV(0, 1, 0, 0, 0x104c, 0x8232, 0x060400, UPSTREAM, 5, false),
		DEV(0, 2, 0, 0, 0x104c, 0x8233, 0x060400, DOWNSTREAM, 3, false),
		DEV(0, 2, 1, 0, 0x104c, 0x8233, 0x060400, DOWNSTREAM, 4, false),
		DEV(0, 2, 2, 0, 0x104c, 0x8233, 0x060400, DOWNSTREAM, 5, false),
		DEV(0, 3, 0, 0, 0x8086, 0x10d3, 0x020000, ENDPOINT, -1, false),
		DEV(0, 4, 0, 0, 0x1b36, 0x0010, 0x010802, ENDPOINT, -1, false),
		DEV(0, 5, 0, 0, 0x1af4, 0x1044, 0x00ff00, ENDPOINT, -1, true),
		DEV(0, 5, 0, 1, 0x8086, 0x10d3, 0x020000, ENDPOINT, -1, true),
		DEV(1, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(2, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(3, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(4, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
		DEV(5, 0, 0, 0, 0x1014, 0x04c1, 0x060400, ROOT_PORT, 1, false),
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = load_ok(ctx, P9_SWITCH_DTB);

	assert_string_equal(m->model, "IBM PowerNV (emulated by qemu)");
	assert_int_equal(m->memory_bytes, 4ull << 30);
	check_domain(m, 0, IODA_PHB4, 512, 0x600c000000000, 0x6000000000000, 0x4000000000);
	check_domain(m, 3, IODA_PHB4, 512, 0x600c180000000, 0x6020000000000, 0x4000000000);
	check_domain(m, 5, IODA_PHB4, 256, 0x600c280000000, 0x6028000000000, 0x4000000000);
	check_devs(m, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

static void test_real_p8_switch_tree_shows_the_kernels_devices(void **state)
{
	static const struct want_dev want[] = {
		DEV(0, 0, 0, 0, 0x1014, 0x03dc, 0x060400, ROOT_PORT, 4, false),
		DEV(0, 1, 0, 0, 0x104c, 0x8232, 0x060400, UPSTREAM, 4, false),
		DEV(0, 2, 0, 0, 0x104c, 0x8233, 0x060400, DOWNSTREAM, 3, false),
		DEV(0, 2, 1, 0, 0x104c, 0x8233, 0x060400, DOWNSTREAM, 4, false),
		DEV(0, 3, 0, 0, 0x1b36, 0x0010, 0x010802, ENDPOINT, -1, false),
		DEV(0, 4, 0, 0, 0x1af4, 0x1044, 0x00ff00, ENDPOINT, -1, true),
		DEV(0, 4, 0, 1, 0x8086, 0x10d3, 0x020000, ENDPOINT, -1, true),
		DEV(1, 0, 0, 0, 0x1014, 0x03dc, 0x060400, ROOT_PORT, 1, false),
		DEV(1, 1, 0, 0, 0x1af4, 0x1044, 0x00ff00, ENDPOINT, -1, false),
		DEV(2, 0, 0, 0, 0x1014, 0x03dc, 0x060400, ROOT_PORT, 1, false),
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = load_ok(ctx, P8_SWITCH_DTB);

	check_domain(m, 0, IODA_PHB3, 256, 0x3ff8000000000, 0x3d00000000000, SZ_64G);
	check_domain(m, 2, IODA_PHB3, 256, 0x3ff8100000000, 0x3d02000000000, SZ_64G);
	check_devs(m, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

/* What the kernel reads from a real PHB4 node, and the node paths. */
static void test_real_tree_firmware_properties(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	size_t len;
	char *buf = read_file(P9_SWITCH_DTB, &len);
	struct ioda_topo *topo = parse_ok(ctx, "p9.dtb", buf, len);
	const struct ioda_topo_phb *phb0 = topo->phbs, *phb1 = phb0->next;
	const struct ioda_topo_node *eth;

	assert_int_equal(phb0->type, IODA_PHB_PCIE);
	assert_true(phb0->fw.valid);
	assert_string_equal(phb0->fw.path, "/pciex@600c3c0000000");
	assert_int_equal(phb0->fw.reserved_pe, 511);
	assert_int_equal(phb1->fw.reserved_pe, 255);
	assert_int_equal(phb0->fw.m64_bar_first, 1);
	assert_int_equal(phb0->fw.m64_bar_count, 31);
	assert_int_equal(phb1->fw.m64_bar_count, 15);
	/* 4K 64K 2M 1G */
	assert_int_equal(phb0->fw.tce_page_shifts,
			 1ull << 12 | 1ull << 16 | 1ull << 21 | 1ull << 30);
	assert_int_equal(phb0->fw.msi_base, 0xfe000);
	assert_int_equal(phb0->fw.msi_count, 0xff8);
	assert_int_equal(phb0->fw.diag_data_size, 0x2180);
	assert_int_equal(phb0->fw.bus_first, 0);
	assert_int_equal(phb0->fw.bus_last, 0xff);
	assert_int_equal(phb0->fw.m32_pci_addr, 0x80000000);
	assert_int_equal(phb0->fw.m64_pci_addr, 0x6000000000000);
	/* Root port, upstream, downstream 02:02.0, then 05:00.1. */
	eth = phb0->devices->children->children->next->next->children->next;
	assert_string_equal(eth->dt_path, "/pciex@600c3c0000000/pci@0/pci@0/pci@2/ethernet@0,1");
	assert_int_equal(eth->phandle, 0x8069);
	assert_int_equal(eth->devfn, PCI_DEVFN(0, 1));
	assert_int_equal(eth->pos.line, 0);
	assert_string_equal(eth->pos.file, "p9.dtb");
	ioda_topo_free(ctx, topo);
	free(buf);
	test_ctx_end_clean(ctx);
}

/* ---- small trees --------------------------------------------------------------------- */

/* A root with one PHB node "pciex@0" holding @props and @body. */
#define TREE(props, body)                                                        \
	"/dts-v1/;\n"                                                            \
	"/ {\n"                                                                  \
	"	model = \"test\";\n"                                             \
	"	#address-cells = <2>;\n"                                         \
	"	#size-cells = <2>;\n"                                            \
	"	pciex@0 {\n"                                                     \
	"		compatible = \"ibm,power9-pciex\", \"ibm,ioda3-phb\";\n" \
	"		" props "\n" body "	};\n"                            \
	"};\n"

#define CELLS "#address-cells = <3>; #size-cells = <2>;"
#define WINDOWS                                                  \
	"ranges = <0x2000000 0 0x80000000 0x600c0 0 0 0x7fff0000>;" \
	" ibm,opal-m64-window = <0x60000 0 0x60000 0 0x40 0>;"
#define ID0 "ibm,opal-phbid = <0 0>;"
/* A PHB with what the tests below do not vary. */
#define STD CELLS " " WINDOWS " " ID0

/* reg's config entry for phys.hi @hi (0x00bbdd00: bus, devfn). */
#define CFG(hi) hi " 0 0 0 0"
/* A PCI function node: @name, @reg, ids, @class and more. */
#define FN(name, reg, class, more)                                                       \
	name " { reg = <" reg ">; vendor-id = <0x1014>; device-id = <0x4c1>; class-code = <" \
	class ">; " more " };\n"
#define RP(more) FN("pci@0", CFG("0"), "0x60400", more)

static void test_firmware_defaults_are_the_kernels(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_dts(ctx, TREE(STD, ""));
	const struct ioda_topo_phb *phb = topo->phbs;

	assert_int_equal(phb->num_pes, 1);
	assert_int_equal(phb->fw.reserved_pe, 0);
	assert_int_equal(phb->fw.m64_bar_first, 0);
	assert_int_equal(phb->fw.m64_bar_count, 16);
	assert_int_equal(phb->fw.diag_data_size, 8192);
	assert_int_equal(phb->fw.tce_page_shifts, 0);
	assert_int_equal(phb->fw.msi_count, 0);
	assert_int_equal(phb->fw.bus_last, 0xff);
	assert_null(phb->devices);
	assert_int_equal(topo->memory_bytes, 0);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* The PHB type and generation come from the compatible list. */
static void test_phb_kinds_from_compatible(void **state)
{
	static const char text[] =
		"/dts-v1/;\n"
		"/ {\n"
		"	#address-cells = <2>;\n"
		"	#size-cells = <2>;\n"
		"	pciex@1 { compatible = \"ibm,power8-pciex\", \"ibm,ioda2-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 1>; };\n"
		"	pciex@2 { compatible = \"ibm,power10-pciex\", \"ibm,ioda3-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 2>; };\n"
		"	pciex@3 { compatible = \"ibm,power9-npu-pciex\", \"ibm,ioda2-npu2-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 3>;\n"
		"		ibm,phb-diag-data-size = <0>; };\n"
		"	pciex@4 { compatible = \"ibm,power9-npu-opencapi-pciex\",\n"
		"			\"ibm,ioda2-npu2-opencapi-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 4>; };\n"
		"	pciex@5 { compatible = \"ibm,power8-npu-pciex\", \"ibm,ioda2-npu-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 5>; };\n"
		/* Not probed by the kernel: P7IOC, and anything else. */
		"	pciex@6 { compatible = \"ibm,p7ioc-pciex\", \"ibm,ioda-phb\"; };\n"
		"	pciex@7 { compatible = \"ibm,power9-pciex\", \"ibm,ioda3-phb\";\n"
		"		status = \"disabled\"; };\n"
		"	memory@0 { device_type = \"memory\"; reg = <0 0 1 0>, <0x10 0 1 0>; };\n"
		"	memory@20 { device_type = \"memory\"; reg = <0 0 1 0>;\n"
		"		status = \"disabled\"; };\n"
		"};\n";
	static const struct {
		enum ioda_phb_type type;
		enum ioda_phb_gen gen;
	} want[] = {
		{ IODA_PHB_PCIE, IODA_PHB3 },       { IODA_PHB_PCIE, IODA_PHB5 },
		{ IODA_PHB_NPU_NVLINK, IODA_PHB4 }, { IODA_PHB_NPU_OCAPI, IODA_PHB4 },
		{ IODA_PHB_NPU_NVLINK, IODA_PHB3 },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_dts(ctx, text);
	const struct ioda_topo_phb *phb = topo->phbs;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++, phb = phb->next) {
		assert_non_null(phb);
		assert_int_equal(phb->type, want[i].type);
		assert_int_equal(phb->gen, want[i].gen);
		assert_int_equal(phb->domain, (int)i + 1);
	}
	assert_null(phb);
	assert_int_equal(topo->phbs->next->next->fw.diag_data_size, 0);
	assert_int_equal(topo->memory_bytes, 8ull << 30);
	assert_string_equal(topo->model, "");
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* get_phb_number(): the OPAL id when below 0x10000 and free, else the lowest free. */
static void test_domain_is_opal_id_or_lowest_free(void **state)
{
	static const char text[] =
		"/dts-v1/;\n"
		"/ {\n"
		"	#address-cells = <2>;\n"
		"	#size-cells = <2>;\n"
		"	pciex@1 { compatible = \"ibm,ioda3-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 1>; };\n"
		"	pciex@2 { compatible = \"ibm,ioda3-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <1 0>; };\n"
		"	pciex@3 { compatible = \"ibm,ioda3-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 0x10000>; };\n"
		"	pciex@4 { compatible = \"ibm,ioda3-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 0>; };\n"
		"};\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_dts(ctx, text);
	const struct ioda_topo_phb *phb = topo->phbs;

	assert_int_equal(phb->domain, 1);
	assert_int_equal(phb->next->domain, 0);
	assert_int_equal(phb->next->opal_id, 0x100000000ull);
	assert_int_equal(phb->next->next->domain, 2);
	/* Its own id was taken by a fallback: it falls back too. */
	assert_int_equal(phb->next->next->next->domain, 3);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* assigned-addresses are PCI addresses: the PHB's windows give the CPU's. */
static void test_assigned_addresses_land_in_the_phb_windows(void **state)
{
	static const char text[] = TREE(STD, RP(
		"pci@0 { reg = <0x10000 0 0 0 0>; vendor-id = <0x10de>; device-id = <0x1db1>;"
		" class-code = <0x30200>;"
		" assigned-addresses = <0x82010010 0 0x81000000 0 0x1000000"
		"	0xc3010014 0x60008 0 8 0"
		"	0x82010030 0 0x80000000 0 0x80000>; };"));
	static const char both[] = TREE(STD,
		FN("pci@0", CFG("0") " 0x3000010 0 0 0 0x4000", "0x20000",
		   "assigned-addresses = <0x83000010 0x60000 0x4000 0 0x4000>;"));
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_dts(ctx, text);
	const struct ioda_topo_node *gpu = topo->phbs->devices->children;

	check_res(&gpu->resource[0], 0x600c001000000, SZ_16M, PCI_RES_MEM | PCI_RES_ASSIGNED);
	check_res(&gpu->resource[1], 0x6000800000000, SZ_32G, MEM64_PREF | PCI_RES_ASSIGNED);
	check_res(&gpu->resource[PCI_ROM_RESOURCE], 0x600c000000000, 0x80000,
		  PCI_RES_MEM | PCI_RES_ASSIGNED);
	ioda_topo_free(ctx, topo);

	/* reg gives the size, assigned-addresses the place. */
	topo = parse_dts(ctx, both);
	check_res(&topo->phbs->devices->resource[0], 0x6000000004000, SZ_16K,
		  MEM64 | PCI_RES_ASSIGNED);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* The NVLink association: ibm,gpu on each NPU link, ibm,npu on the GPU. */
static void test_nvlink_phandles(void **state)
{
	static const char text[] =
		"/dts-v1/;\n"
		"/ {\n"
		"	#address-cells = <2>;\n"
		"	#size-cells = <2>;\n"
		"	pciex@0 { compatible = \"ibm,power9-pciex\", \"ibm,ioda3-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 0>;\n"
		"		pci@0 { reg = <0 0 0 0 0>; vendor-id = <0x1014>;\n"
		"			device-id = <0x4c1>; class-code = <0x60400>;\n"
		"			gpu: 3d-controller@0 { reg = <0x10000 0 0 0 0>;\n"
		"				vendor-id = <0x10de>; device-id = <0x1db1>;\n"
		"				class-code = <0x30200>;\n"
		"				ibm,npu = <&link0 &link1>; };\n"
		"		};\n"
		"	};\n"
		"	pciex@1 { compatible = \"ibm,power9-npu-pciex\", \"ibm,ioda2-npu2-phb\";\n"
		"		" CELLS " ibm,opal-phbid = <0 7>;\n"
		"		ibm,opal-num-pes = <8>; ibm,opal-reserved-pe = <7>;\n"
		"		link0: bridge@0 { reg = <0 0 0 0 0>; vendor-id = <0x1014>;\n"
		"			device-id = <0x4ec>; class-code = <0x68000>;\n"
		"			ibm,gpu = <&gpu>; };\n"
		"		link1: bridge@0,1 { reg = <0x100 0 0 0 0>; vendor-id = <0x1014>;\n"
		"			device-id = <0x4ec>; class-code = <0x68000>;\n"
		"			ibm,gpu = <&gpu>; };\n"
		"	};\n"
		"};\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_dts(ctx, text);
	const struct ioda_topo_node *gpu = topo->phbs->devices->children;
	const struct ioda_topo_phb *npu = topo->phbs->next;
	const struct ioda_topo_node *l0 = npu->devices, *l1 = l0->next;

	assert_int_equal(npu->type, IODA_PHB_NPU_NVLINK);
	assert_int_equal(npu->domain, 7);
	assert_int_equal(npu->num_pes, 8);
	assert_int_equal(gpu->num_npus, 2);
	assert_int_equal(gpu->npu_phandle[0], l0->phandle);
	assert_int_equal(gpu->npu_phandle[1], l1->phandle);
	assert_int_equal(l0->gpu_phandle, gpu->phandle);
	assert_int_equal(l1->gpu_phandle, gpu->phandle);
	assert_true(l0->multifunction);
	assert_int_equal(l0->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_int_not_equal(gpu->phandle, 0);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* A bridge's bus-range, when given, numbers its buses. */
static void test_bridge_bus_range(void **state)
{
	static const char text[] = TREE(STD " bus-range = <0 0x1f>;", RP(
		"bus-range = <0x10 0x18>;"
		" pci@0 { reg = <0x100000 0 0 0 0>; vendor-id = <0x10b5>; device-id = <0x8725>;"
		"	class-code = <0x60400>; };"));
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_dts(ctx, text);
	const struct ioda_topo_node *rp = topo->phbs->devices;

	assert_int_equal(topo->phbs->fw.bus_last, 0x1f);
	assert_int_equal(rp->secondary, 0x10);
	assert_int_equal(rp->subordinate, 0x18);
	/* An empty bridge without bus-range: the machine numbers it. */
	assert_int_equal(rp->children->secondary, -1);
	assert_int_equal(rp->children->subordinate, -1);
	assert_int_equal(rp->children->pcie_type, PCIE_TYPE_UPSTREAM);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* ---- malformed trees ------------------------------------------------------------------ */

struct bad_tree {
	const char *dts;
	const char *msg;
};

static const struct bad_tree bad_trees[] = {
	{ TREE(CELLS, ""), "bad.dts: /pciex@0: no ibm,opal-phbid" },
	{ TREE(CELLS " ibm,opal-phbid = <0>;", ""),
	  "bad.dts: /pciex@0: ibm,opal-phbid has 4 bytes, want 8" },
	{ TREE(STD " ibm,opal-num-pes = <0>;", ""),
	  "bad.dts: /pciex@0: ibm,opal-num-pes 0 out of range (1..65536)" },
	{ TREE(STD " ibm,opal-num-pes = <256>; ibm,opal-reserved-pe = <256>;", ""),
	  "bad.dts: /pciex@0: ibm,opal-reserved-pe 256 is not below ibm,opal-num-pes 256" },
	{ TREE(STD " ibm,opal-num-pes = [00 01];", ""),
	  "bad.dts: /pciex@0: ibm,opal-num-pes has 2 bytes, want 4" },
	{ TREE(STD " ibm,opal-available-m64-ranges = <1 0>;", ""),
	  "bad.dts: /pciex@0: ibm,opal-available-m64-ranges <1 0> names no BAR in 0..63" },
	{ TREE(STD " ibm,supported-tce-sizes = <12 64>;", ""),
	  "bad.dts: /pciex@0: ibm,supported-tce-sizes: page shift 64 is over 63" },
	{ TREE(STD " bus-range = <1 0xff>;", ""),
	  "bad.dts: /pciex@0: bus-range <0x1 0xff> must start at bus 00 and end by ff" },
	{ TREE(CELLS ID0 " ranges = <0x2000000 0 0x80000000 0 0>;", ""),
	  "bad.dts: /pciex@0: ranges has 20 bytes, not a multiple of 28" },
	{ TREE(CELLS ID0 " ranges = <0x2000000 0 0x80000000 0x600c0 0 0 0>;", ""),
	  "bad.dts: /pciex@0: ranges entry 0: bad size 0" },
	{ TREE(CELLS ID0 " ibm,opal-m64-window = <0 0 0 0 0 0>;", ""),
	  "bad.dts: /pciex@0: ibm,opal-m64-window: bad size 0" },
	{ TREE("#address-cells = <2>; #size-cells = <2>;" ID0, ""),
	  "bad.dts: /pciex@0: #address-cells and #size-cells are 2 and 2, want 3 and 2 "
	  "(a PCI bus)" },
	/* Values libfdt refuses (over 4) are named as written, not as its error code. */
	{ TREE("#address-cells = <5>; #size-cells = <2>;" ID0, ""),
	  "bad.dts: /pciex@0: #address-cells and #size-cells are 5 and 2, want 3 and 2 "
	  "(a PCI bus)" },
	{ TREE("#address-cells = <3>; #size-cells = [00 02];" ID0, ""),
	  "bad.dts: /pciex@0: #address-cells and #size-cells are 3 and malformed, want 3 and 2 "
	  "(a PCI bus)" },
	{ TREE(STD, FN("pci@0", "0 0 0 0", "0x60400", "")),
	  "bad.dts: /pciex@0/pci@0: reg has 16 bytes, not a multiple of 20" },
	{ TREE(STD, "pci@0 { vendor-id = <0x1014>; device-id = <0x4c1>;"
		    " class-code = <0x60400>; };"),
	  "bad.dts: /pciex@0/pci@0: no reg" },
	{ TREE(STD, FN("pci@0", CFG("0x10"), "0x60400", "")),
	  "bad.dts: /pciex@0/pci@0: reg does not start with a config space address" },
	{ TREE(STD, "pci@0 { reg = <0 0 0 0 0>; vendor-id = <0x1014>; device-id = <0x4c1>; };"),
	  "bad.dts: /pciex@0/pci@0: no class-code" },
	{ TREE(STD, FN("pci@0", CFG("0"), "0x1060400", "")),
	  "bad.dts: /pciex@0/pci@0: vendor-id 0x1014, device-id 0x4c1 or class-code 0x1060400 "
	  "out of range" },
	{ TREE(STD, FN("pci@0", CFG("0"), "0x20000", "ibm,pci-config-space-type = [01];")),
	  "bad.dts: /pciex@0/pci@0: ibm,pci-config-space-type has 1 bytes, want 4" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000", "") FN("b@0", CFG("0"), "0x20000", "")),
	  "bad.dts: /pciex@0/b@0: duplicate device 00:00.0 (also /pciex@0/a@0)" },
	{ TREE(STD, FN("a@0,1", CFG("0x100"), "0x20000", "")),
	  "bad.dts: /pciex@0/a@0,1: function 00:00.1 has no function 0" },
	{ TREE(STD, FN("a@0", CFG("0x10000"), "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg puts it on bus 01, not on the root bus 00" },
	{ TREE(STD, RP(FN("a@0", CFG("0"), "0x20000", ""))),
	  "bad.dts: /pciex@0/pci@0/a@0: reg puts it on bus 00, not after its bridge's bus 00" },
	{ TREE(STD " bus-range = <0 0x1f>;", RP(FN("a@0", CFG("0x300000"), "0x20000", ""))),
	  "bad.dts: /pciex@0/pci@0/a@0: reg puts it on bus 30, outside bus-range 00-1f of "
	  "/pciex@0" },
	{ TREE(STD, RP(FN("a@0", CFG("0x10000"), "0x20000", "")
			FN("b@1", CFG("0x20800"), "0x20000", ""))),
	  "bad.dts: /pciex@0/pci@0/b@1: reg puts it on bus 02, not on its siblings' bus 01" },
	{ TREE(STD, RP("bus-range = <3 4>;" FN("a@0", CFG("0x10000"), "0x20000", ""))),
	  "bad.dts: /pciex@0/pci@0/a@0: reg puts it on bus 01, not on its bridge's secondary "
	  "bus 03" },
	{ TREE(STD, RP("bus-range = <3 2>;")),
	  "bad.dts: /pciex@0/pci@0: bus-range <0x3 0x2> ends before it starts" },
	{ TREE(STD, RP("bus-range = <0 2>;")),
	  "bad.dts: /pciex@0/pci@0: bus-range starts at bus 00, not after the bridge's own "
	  "bus 00" },
	{ TREE(STD " bus-range = <0 0x1f>;", RP("bus-range = <1 0x20>;")),
	  "bad.dts: /pciex@0/pci@0: bus-range 01-20 is outside bus-range 00-1f of /pciex@0" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x60400", "bus-range = <1 4>;")
			FN("b@1", CFG("0x800"), "0x60400", "bus-range = <4 5>;")),
	  "bad.dts: /pciex@0/b@1: buses 04-05 overlap buses 01-04 of /pciex@0/a@0" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000", "assigned-addresses = <0x82000010 0 0>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses has 12 bytes, not a multiple of 20" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000",
		       "assigned-addresses = <0x82010010 0 0x80000000 0 0x1000>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses entry 0 is for 01:00.0, not 00:00.0" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000",
		       "assigned-addresses = <0x82000010 0 0x10000000 0 0x1000>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses entry 0: 0x10000000+0x1000 is outside "
	  "the PHB's windows" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000",
		       "assigned-addresses = <0x81000010 0 0x80000000 0 0x1000>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses entry 0: 0x80000000+0x1000 is outside "
	  "the PHB's windows" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000",
		       "assigned-addresses = <0x82000010 0 0x80000800 0 0x1000>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses entry 0: address 0x80000800 is not "
	  "aligned to its size 0x1000" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x3000010 0 0 0 0x4000", "0x20000",
		       "assigned-addresses = <0x83000010 0x60000 0 0 0x8000>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses entry 0: BAR 0x10 differs from reg" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000",
		       "assigned-addresses = <0x80000010 0 0 0 0x1000>;")),
	  "bad.dts: /pciex@0/a@0: assigned-addresses entry 0 is a config space address, "
	  "not a BAR" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x2000010 0 0 0 0x3000", "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 1: size 0x3000 is not a power of two" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x2000040 0 0 0 0x1000", "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 1: register 0x40 is not a BAR" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x3000030 0 0 0 0x1000", "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 1: register 0x30 is not a BAR (a ROM is 32-bit "
	  "memory)" },
	{ TREE(STD, FN("pci@0", CFG("0") " 0x2000018 0 0 0 0x1000", "0x60400", "")),
	  "bad.dts: /pciex@0/pci@0: reg entry 1: register 0x18 is not a BAR" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x3000024 0 0 0 0x1000", "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 1: 64-bit BAR 0x24 has no room for its upper half" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x3000010 0 0 0 0x1000 0x2000014 0 0 0 0x1000",
		       "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 2: BAR 0x14 is the upper half of 64-bit BAR 0x10" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x2000010 0 0 1 0", "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 1: size 0x100000000 is too large for a 32-bit BAR" },
	{ TREE(STD, FN("a@0", CFG("0") " 0x2000010 0 0 0 0x1000 0x2000010 0 0 0 0x1000",
		       "0x20000", "")),
	  "bad.dts: /pciex@0/a@0: reg entry 2: BAR 0x10 is given twice" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000", "ibm,gpu = <0x99>;")),
	  "bad.dts: /pciex@0/a@0: ibm,gpu: no node has phandle 0x99" },
	{ TREE(STD, FN("a@0", CFG("0"), "0x20000", "ibm,npu = <1 1 1 1 1 1 1 1 1>;")),
	  "bad.dts: /pciex@0/a@0: ibm,npu lists 9 links, at most 8" },
	{ TREE(STD " status = <1>;", ""), "bad.dts: /pciex@0: status is not a string" },
	{ "/dts-v1/;\n/ { model = <1>; };\n", "bad.dts: /: model is not a string" },
	{ "/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>;\n"
	  "  a@0 { compatible = \"ibm,ioda3-phb\"; " CELLS " ibm,opal-phbid = <0 5>; };\n"
	  "  b@0 { compatible = \"ibm,ioda3-phb\"; " CELLS " ibm,opal-phbid = <0 5>; };\n};\n",
	  "bad.dts: /b@0: ibm,opal-phbid 0x5 is already /a@0's" },
	{ "/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>;\n"
	  "  memory@0 { device_type = \"memory\"; reg = <0 0 1>; };\n};\n",
	  "bad.dts: /memory@0: reg has 12 bytes, not a multiple of 16" },
	{ "/dts-v1/;\n/ { #address-cells = <7>; #size-cells = <2>;\n"
	  "  memory@0 { device_type = \"memory\"; reg = <0 0 1>; };\n};\n",
	  "bad.dts: /memory@0: the root's #address-cells and #size-cells are 7 and 2, "
	  "want 1 or 2" },
	{ "/dts-v1/;\n/ {\n  a = <1 2>\n  b;\n};\n", "bad.dts:4:3: syntax error" },
	{ "/dts-v1/;\n/ {\n a { }; a { };\n};\n",
	  "bad.dts:3:11: ERROR (duplicate_node_names): /a: Duplicate node name" },
	/* One file: dtc is never asked to read another (/dev/zero, or anything readable). */
	{ "/dts-v1/;\n/ {\n\tx = /incbin/(\"/dev/zero\", 0, 1000000000);\n};\n",
	  "bad.dts:3:6: /incbin/ reads another file: give the whole tree in this one" },
	{ "/dts-v1/;\n// /incbin/\n/ { s = \"/include/ \\\" x\"; /* /incbin/\n */ };\n"
	  "/include/ \"x.dtsi\"\n",
	  "bad.dts:5:1: /include/ reads another file: give the whole tree in this one" },
	{ "", "bad.dts: syntax error" },
};

static void test_malformed_trees_give_exact_messages(void **state)
{
	for (size_t i = 0; i < sizeof(bad_trees) / sizeof(bad_trees[0]); i++) {
		const struct bad_tree *t = &bad_trees[i];

		print_message("  %s\n", t->msg);
		expect_error("bad.dts", t->dts, strlen(t->dts), -EINVAL, t->msg);
	}
}

/* Nesting is bounded by the path length: 60 bridges deep is too deep. */
static void test_deep_nesting_is_refused(void **state)
{
	char dts[8192], want[256];
	size_t n = 0;
	int levels = 70, i;

	n += (size_t)snprintf(dts + n, sizeof(dts) - n, "%s", TREE(STD, ""));
	n -= strlen("\t};\n};\n"); /* reopen the PHB node */
	for (i = 0; i < levels; i++)
		n += (size_t)snprintf(dts + n, sizeof(dts) - n, "p { reg = <%#x 0 0 0 0>; "
				      "vendor-id = <0x1014>; device-id = <0x4c1>; "
				      "class-code = <0x60400>;\n", i << 16);
	for (i = 0; i < levels; i++)
		n += (size_t)snprintf(dts + n, sizeof(dts) - n, "};\n");
	n += (size_t)snprintf(dts + n, sizeof(dts) - n, "};\n};\n");
	assert_true(n < sizeof(dts));
	n = (size_t)snprintf(want, sizeof(want), "deep.dts: /pciex@0");
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "/p");
	snprintf(want + n, sizeof(want) - n, ": path is longer than 127 characters");
	expect_error("deep.dts", dts, strlen(dts), -EINVAL, want);
}

/* A blob is checked whole before anything is read from it. */
static void test_malformed_blobs_give_exact_messages(void **state)
{
	size_t len;
	char *dtb = read_file(P9_SWITCH_DTB, &len);
	char *bad = malloc(len);
	static const char text[] = "/dts-v1/;\n/ { };\n";

	assert_non_null(bad);
	expect_error("bad.dtb", dtb, 100, -EINVAL,
		     "bad.dtb: truncated device tree blob (100 bytes, the header says 33416)");
	expect_error("bad.dtb", dtb, 10, -EINVAL, "bad.dtb: truncated device tree blob (10 bytes)");
	expect_error("bad.dtb", dtb, 3, -EINVAL, "bad.dtb: truncated device tree blob (3 bytes)");
	expect_error("bad.dtb", text, strlen(text), -EINVAL,
		     "bad.dtb: not a device tree blob (magic 2f647473, want d00dfeed)");

	/* The header's version. */
	memcpy(bad, dtb, len);
	memcpy(bad + 20, "\0\0\0\1", 4);
	expect_error("bad.dtb", bad, len, -EINVAL,
		     "bad.dtb: bad device tree blob header: FDT_ERR_BADVERSION");
	/* Old formats (libfdt 1.6.1's full check crashed on this one). */
	memcpy(bad + 20, "\0\0\0\4", 4);
	expect_error("bad.dtb", bad, len, -EINVAL,
		     "bad.dtb: device tree blob version 4 is too old (want 17)");
	/* Garbage after the magic. */
	memset(bad + 4, 0xff, 60);
	expect_error("bad.dtb", bad, 64, -EINVAL,
		     "bad.dtb: bad device tree blob header: FDT_ERR_BADVERSION");
	/* A header claiming 4G. */
	memcpy(bad, dtb, 64);
	memset(bad + 4, 0xff, 4);
	expect_error("bad.dtb", bad, 64, -EINVAL,
		     "bad.dtb: bad device tree blob header: FDT_ERR_TRUNCATED");
	/* A tag in the structure block (at 0xb0) that is none. */
	memcpy(bad, dtb, len);
	memcpy(bad + 0xb0 + 8, "\0\0\0\x09", 4);
	expect_error("bad.dtb", bad, len, -EINVAL,
		     "bad.dtb: corrupt device tree blob: FDT_ERR_BADSTRUCTURE");
	free(bad);
	free(dtb);
}

/* Without dtc, source cannot be read: say what to install. */
static void test_dts_without_dtc(void **state)
{
	static const char text[] = TREE(STD, "");
	const char *path = getenv("PATH");
	char *saved = strdup(path ? path : "/usr/bin:/bin");
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_error err = { "" };
	struct ioda_topo *topo;
	int rc;

	assert_non_null(saved);
	assert_int_equal(setenv("PATH", "/nonexistent", 1), 0);
	rc = ioda_dt_parse(ctx, "x.dts", text, strlen(text), &topo, &err);
	/* PATH back before any assertion can end the test. */
	assert_int_equal(setenv("PATH", saved, 1), 0);
	free(saved);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err.msg, "x.dts: cannot compile device tree source: dtc not found "
				     "(install device-tree-compiler)");
	assert_null(topo);
	test_ctx_end_clean(ctx);
}

/* A tree through the loader's entry, by its kind. */
static void test_load_machine_buf_as_dt(void **state)
{
	static const char text[] = TREE(STD, RP(""));
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_error err = { "" };
	struct ioda_machine *m;

	assert_int_equal(ioda_input_kind_of("x.dtb"), IODA_INPUT_DT);
	assert_non_null(ioda_loader_for(IODA_INPUT_DT));
	assert_string_equal(ioda_loader_for(IODA_INPUT_DT)->name, "dt");
	assert_int_equal(ioda_load_machine_buf(ctx, "mem", text, strlen(text), IODA_INPUT_DT, &m,
					       &err), 0);
	assert_non_null(m);
	assert_int_equal(ioda_machine_free(m), 0);
	/* Every PHB disabled: no machine. */
	assert_int_equal(ioda_load_machine_buf(ctx, "none.dts", "/dts-v1/;\n/ { };\n", 17,
					       IODA_INPUT_AUTO, &m, &err), -EINVAL);
	assert_string_equal(err.msg, "none.dts: describes no PHB");
	test_ctx_end_clean(ctx);
}

/* ---- robustness --------------------------------------------------------------------- */

/*
 * Fails the 1st, 2nd, ... allocation of loading @path into a machine: each
 * time a clean -ENOMEM and nothing left, until the load succeeds.
 */
static void fault_loop(const char *path, const char *name)
{
	size_t len;
	char *buf = read_file(path, &len);
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	char want[128];
	unsigned long n;

	snprintf(want, sizeof(want), "%s: out of memory", name);
	for (n = 1;; n++) {
		struct ioda_error err = { "" };
		struct ioda_machine *m;
		int rc;

		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, n);
		rc = ioda_load_machine_buf(ctx, name, buf, len, IODA_INPUT_AUTO, &m, &err);
		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, 0);
		if (rc == 0) {
			assert_int_equal(ioda_machine_free(m), 0);
			break;
		}
		if (rc != -ENOMEM || strcmp(err.msg, want) != 0)
			fail_msg("allocation %lu: %d \"%s\"", n, rc, err.msg);
		assert_null(m);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
		assert_int_equal(ioda_ctx_live_refs(ctx), 0);
	}
	assert_true(n > 20);
	free(buf);
	test_ctx_end_clean(ctx);
}

static void test_fault_loop_over_dtb(void **state)
{
	fault_loop(P9_SWITCH_DTB, "p9.dtb");
}

static void test_fault_loop_over_dts(void **state)
{
	fault_loop(POWER9_DTS, "power9.dts");
}

/*
 * Mutated and truncated copies of a real blob: whatever they hold, the
 * loader answers, and what it answers leaves nothing behind.
 */
static void test_mutated_blobs_never_crash(void **state)
{
	size_t len;
	char *dtb = read_file(P9_SWITCH_DTB, &len);
	char *bad = malloc(len);
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	uint32_t seed = 12345;
	unsigned int ok = 0;

	assert_non_null(bad);
	for (unsigned int i = 0; i < 3000; i++) {
		struct ioda_error err = { "" };
		struct ioda_topo *topo;
		size_t n = len;

		memcpy(bad, dtb, len);
		for (int k = 0; k < 1 + (int)(i % 4); k++) {
			seed = seed * 1103515245 + 12345;
			bad[(seed >> 8) % len] = (char)(seed >> 3);
		}
		if (i % 10 == 0)
			n = (seed >> 4) % len;
		if (ioda_dt_parse(ctx, "fuzz.dtb", bad, n, &topo, &err) == 0) {
			ok++;
			ioda_topo_free(ctx, topo);
		} else {
			assert_true(strncmp(err.msg, "fuzz.dtb: ", 10) == 0);
		}
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	}
	/* Most flips land in property values the loader does not read. */
	assert_true(ok > 0);
	free(bad);
	free(dtb);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power9_example_builds_its_machine),
		cmocka_unit_test(test_power8_example_builds_its_machine),
		cmocka_unit_test(test_real_p9_switch_tree_shows_the_kernels_devices),
		cmocka_unit_test(test_real_p8_switch_tree_shows_the_kernels_devices),
		cmocka_unit_test(test_real_tree_firmware_properties),
		cmocka_unit_test(test_firmware_defaults_are_the_kernels),
		cmocka_unit_test(test_phb_kinds_from_compatible),
		cmocka_unit_test(test_domain_is_opal_id_or_lowest_free),
		cmocka_unit_test(test_assigned_addresses_land_in_the_phb_windows),
		cmocka_unit_test(test_nvlink_phandles),
		cmocka_unit_test(test_bridge_bus_range),
		cmocka_unit_test(test_malformed_trees_give_exact_messages),
		cmocka_unit_test(test_deep_nesting_is_refused),
		cmocka_unit_test(test_malformed_blobs_give_exact_messages),
		cmocka_unit_test(test_dts_without_dtc),
		cmocka_unit_test(test_load_machine_buf_as_dt),
		cmocka_unit_test(test_fault_loop_over_dtb),
		cmocka_unit_test(test_fault_loop_over_dts),
		cmocka_unit_test(test_mutated_blobs_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
