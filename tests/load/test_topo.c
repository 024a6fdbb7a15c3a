/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology text parser, as a specification: what a valid file turns
 * into, the defaults, every malformed input with its exact message, the
 * example machines, and no leak whichever allocation fails.
 */
#include "testutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <ioda/load.h>

#define POWER9_TOPO IODA_SRCDIR "/examples/power9.topo"
#define POWER8_TOPO IODA_SRCDIR "/examples/power8.topo"

static int parse(struct ioda_ctx *ctx, const char *text, struct ioda_topo **out,
		 struct ioda_error *err)
{
	return ioda_topo_parse(ctx, "t.topo", text, strlen(text), out, err);
}

/* Parses text that must be valid. */
static struct ioda_topo *parse_ok(struct ioda_ctx *ctx, const char *text)
{
	struct ioda_error err = {""};
	struct ioda_topo *topo;
	int rc = parse(ctx, text, &topo, &err);

	if (rc)
		fail_msg("parse failed (%d): %s", rc, err.msg);
	assert_non_null(topo);
	return topo;
}

/* The file's contents, from malloc, NUL-terminated. */
static char *read_text(const char *path, size_t *len)
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

static struct ioda_topo *parse_file(struct ioda_ctx *ctx, const char *path)
{
	struct ioda_error err = {""};
	struct ioda_topo *topo;
	size_t len;
	char *buf = read_text(path, &len);
	int rc = ioda_topo_parse(ctx, path, buf, len, &topo, &err);

	free(buf);
	if (rc)
		fail_msg("%s: parse failed (%d): %s", path, rc, err.msg);
	return topo;
}

static struct ioda_topo_phb *nth_phb(const struct ioda_topo *topo, unsigned int i)
{
	struct ioda_topo_phb *phb = topo->phbs;

	while (phb && i--)
		phb = phb->next;
	assert_non_null(phb);
	return phb;
}

static struct ioda_topo_node *nth(struct ioda_topo_node *node, unsigned int i)
{
	while (node && i--)
		node = node->next;
	assert_non_null(node);
	return node;
}

static unsigned int count_nodes(const struct ioda_topo_node *node)
{
	unsigned int n = 0;

	for (; node; node = node->next)
		n += 1 + count_nodes(node->children);
	return n;
}

static void assert_res(const struct pci_resource *res, uint64_t start, uint64_t size,
		       unsigned int flags)
{
	assert_int_equal(res->start, start);
	assert_int_equal(res->size, size);
	assert_int_equal(res->flags, flags);
}

#define MEM PCI_RES_MEM
#define MEM64 (PCI_RES_MEM | PCI_RES_MEM64)
#define PREF64 (PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH)
#define SET PCI_RES_ASSIGNED

/* ---- a complete file ------------------------------------------------------ */

static const char full_text[] =
	"# A comment line, then a blank one.\n"
	"\n"
	"machine memory=64G model=\"IBM \\\"Test\\\" box # 1 \\\\ 2\"   # trailing comment\n"
	"phb 0000 gen=phb4 chip=0 index=0 pes=512 id=0x10"
	" m32=0x600c000000000+0x7fff0000 m64=0x6000000000000+0x4000000000 {\n"
	"    bridge 00.0 1014:04c1 type=root-port bus=01-05 label=rp0 {\n"
	"        window mem 0x600c000000000-0x600c0000fffff\n"
	"        window pref 0x6000000000000-0x60000ffffffff\n"
	"        window io 0-0xfff\n"
	"        bridge 00.0 10b5:8725 type=upstream bus=2 class=0x060401 {\n"
	"            bar 0 256K @0x600c000040000\n"
	"            bridge 1f.0 10b5:8725 type=downstream hotplug=yes {\n"
	"                device 00.0 144d:a808 class=0x010802 label=nvme0 {\n"
	"                    bar 0 16K mem64 @0x600c000000000\n"
	"                    bar rom 64K\n"
	"                }\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"}\n"
	"phb 1f gen=phb3 chip=1 {\n"
	"\tbridge 0.0 1014:03dc {\n"
	"\t\tdevice 0.0 8086:10fb class=0x020000 type=legacy {\n"
	"\t\t\tbar 0 512K mem64 pref\n"
	"\t\t\tbar 2 32 io\n"
	"\t\t\tbar 3 1M mem32 pref\n"
	"\t\t\tsriov vfs=63 offset=128 stride=2 vf-device=10ed\n"
	"\t\t\tvf-bar 0 16K mem64 pref\n"
	"\t\t\tvf-bar 3 16K mem64 pref\n"
	"\t\t}\n"
	"\t\tdevice 0.1 8086:10fb class=0x020000\n"
	"\t\tdevice 1.0 1234:0001 class=0x088000 mf type=rc-endpoint\n"
	"\t}\n"
	"}\n";

static void test_full_file(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_ok(ctx, full_text);
	struct ioda_topo_phb *phb0 = nth_phb(topo, 0), *phb1 = nth_phb(topo, 1);
	struct ioda_topo_node *rp, *usp, *dsp, *nvme, *nic0, *nic1, *other;

	assert_string_equal(topo->file, "t.topo");
	assert_int_equal(topo->memory_bytes, 64ull << 30);
	assert_string_equal(topo->model, "IBM \"Test\" box # 1 \\ 2");
	assert_null(phb1->next);

	assert_ptr_equal(phb0->pos.file, topo->file);
	assert_int_equal(phb0->pos.line, 4);
	assert_int_equal(phb0->pos.col, 1);
	assert_int_equal(phb0->domain, 0);
	assert_int_equal(phb0->gen, IODA_PHB4);
	assert_int_equal(phb0->chip, 0);
	assert_int_equal(phb0->index, 0);
	assert_int_equal(phb0->num_pes, 512);
	assert_int_equal(phb0->opal_id, 0x10);
	assert_res(&phb0->m32, 0x600c000000000, 0x7fff0000, MEM | SET);
	assert_res(&phb0->m64, 0x6000000000000, 0x4000000000, PREF64 | SET);

	rp = phb0->devices;
	assert_null(rp->next);
	assert_ptr_equal(rp->pos.file, topo->file);
	assert_int_equal(rp->pos.line, 5);
	assert_int_equal(rp->pos.col, 5);
	assert_int_equal(rp->devfn, PCI_DEVFN(0, 0));
	assert_int_equal(rp->hdr_type, 1);
	assert_int_equal(rp->vendor, 0x1014);
	assert_int_equal(rp->device, 0x04c1);
	assert_int_equal(rp->class, 0x060400);
	assert_int_equal(rp->pcie_type, PCIE_TYPE_ROOT_PORT);
	assert_int_equal(rp->secondary, 1);
	assert_int_equal(rp->subordinate, 5);
	assert_string_equal(rp->label, "rp0");
	assert_false(rp->multifunction);
	assert_res(&rp->resource[PCI_BRIDGE_MEM_WINDOW], 0x600c000000000, 0x100000, MEM | SET);
	assert_res(&rp->resource[PCI_BRIDGE_PREF_WINDOW], 0x6000000000000, 0x100000000,
		   PREF64 | SET);
	assert_res(&rp->resource[PCI_BRIDGE_IO_WINDOW], 0, 0x1000, PCI_RES_IO | SET);
	for (int i = 0; i <= PCI_ROM_RESOURCE; i++)
		assert_int_equal(rp->resource[i].size, 0);

	usp = rp->children;
	assert_null(usp->next);
	assert_int_equal(usp->pcie_type, PCIE_TYPE_UPSTREAM);
	assert_int_equal(usp->class, 0x060401);
	assert_int_equal(usp->secondary, 2);
	assert_int_equal(usp->subordinate, -1);
	assert_res(&usp->resource[0], 0x600c000040000, 256 << 10, MEM | SET);
	assert_int_equal(usp->resource[1].size, 0);

	dsp = usp->children;
	assert_int_equal(dsp->devfn, PCI_DEVFN(0x1f, 0));
	assert_int_equal(dsp->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(dsp->secondary, -1);
	assert_int_equal(dsp->subordinate, -1);

	nvme = dsp->children;
	assert_null(nvme->next);
	assert_null(nvme->children);
	assert_int_equal(nvme->hdr_type, 0);
	assert_int_equal(nvme->vendor, 0x144d);
	assert_int_equal(nvme->device, 0xa808);
	assert_int_equal(nvme->class, 0x010802);
	assert_int_equal(nvme->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_string_equal(nvme->label, "nvme0");
	assert_res(&nvme->resource[0], 0x600c000000000, 16 << 10, MEM64 | SET);
	assert_res(&nvme->resource[PCI_ROM_RESOURCE], 0, 64 << 10, MEM);
	assert_int_equal(nvme->sriov.total_vfs, 0);

	assert_int_equal(phb1->domain, 0x1f);
	assert_int_equal(phb1->gen, IODA_PHB3);
	assert_int_equal(phb1->chip, 1);
	assert_int_equal(phb1->index, 0);
	assert_int_equal(phb1->num_pes, 0);
	assert_int_equal(phb1->opal_id, 0x1f);
	assert_int_equal(phb1->m32.size, 0);
	assert_int_equal(phb1->m64.size, 0);
	assert_int_equal(phb1->devices->pos.col, 2);

	nic0 = nth(phb1->devices->children, 0);
	nic1 = nth(phb1->devices->children, 1);
	other = nth(phb1->devices->children, 2);
	assert_null(other->next);
	assert_int_equal(nic0->pos.line, 22);
	assert_int_equal(nic0->pos.col, 3);
	assert_int_equal(nic0->devfn, PCI_DEVFN(0, 0));
	assert_int_equal(nic0->pcie_type, PCIE_TYPE_LEG_END);
	assert_true(nic0->multifunction);
	assert_res(&nic0->resource[0], 0, 512 << 10, PREF64);
	assert_int_equal(nic0->resource[1].size, 0);
	assert_res(&nic0->resource[2], 0, 32, PCI_RES_IO);
	assert_res(&nic0->resource[3], 0, 1 << 20, MEM | PCI_RES_PREFETCH);
	assert_int_equal(nic0->sriov.total_vfs, 63);
	assert_int_equal(nic0->sriov.vf_offset, 128);
	assert_int_equal(nic0->sriov.vf_stride, 2);
	assert_int_equal(nic0->sriov.vf_device, 0x10ed);
	assert_res(&nic0->sriov.vf_bar[0], 0, 16 << 10, PREF64);
	assert_int_equal(nic0->sriov.vf_bar[1].size, 0);
	assert_res(&nic0->sriov.vf_bar[3], 0, 16 << 10, PREF64);

	assert_int_equal(nic1->devfn, PCI_DEVFN(0, 1));
	assert_true(nic1->multifunction);
	assert_int_equal(nic1->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_int_equal(nic1->resource[0].size, 0);

	/* mf marks a lone function too. */
	assert_int_equal(other->devfn, PCI_DEVFN(1, 0));
	assert_true(other->multifunction);
	assert_int_equal(other->pcie_type, PCIE_TYPE_RC_END);
	assert_int_equal(other->class, 0x088000);

	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* ---- defaults ---------------------------------------------------------------- */

static void test_defaults(void **state)
{
	static const char text[] =
		"phb 2a gen=phb5 {\n"
		"  bridge 00.0 1014:0000 {\n"	      /* root-port on a phb */
		"    bridge 00.0 1234:0001 bus=7 {\n" /* upstream below it */
		"      bridge 00.0 1234:0001 {\n"     /* downstream below upstream */
		"        device 00.0 1234:0002 class=0x010802 {\n"
		"          bar 0 16\n" /* mem32 */
		"          sriov vfs=4\n"
		"        }\n"
		"        bridge 01.0 1234:0001\n" /* upstream again */
		"      }\n"
		"    }\n"
		"  }\n"
		"  device 01.0 1234:0003 class=0x088000\n" /* endpoint on a phb */
		"  bridge 02.0 1234:0004 type=pcie-pci {\n"
		"    device 00.0 1234:0005 class=0x030000\n" /* pci below pcie-pci */
		"    bridge 01.0 1234:0006 {\n"		     /* pci-pci below it */
		"      device 00.0 1234:0007 class=0x020000\n"
		"    }\n"
		"  }\n"
		"}\n"
		"phb 3 gen=phb4 chip=1 {\n"
		"}\n"
		"phb 4 gen=phb4 {\n"
		"}\n"
		"phb 5 gen=phb4 chip=1 index=7 {\n"
		"}\n"
		"phb 6 gen=phb4 chip=1 {\n"
		"}\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_ok(ctx, text);
	struct ioda_topo_phb *phb = nth_phb(topo, 0);
	struct ioda_topo_node *rp = phb->devices, *usp = rp->children, *dsp = usp->children;
	struct ioda_topo_node *ep = dsp->children, *usp2 = nth(dsp->children, 1);
	struct ioda_topo_node *rcep = nth(phb->devices, 1), *p2p = nth(phb->devices, 2);

	/* No machine line: nothing known. */
	assert_int_equal(topo->memory_bytes, 0);
	assert_string_equal(topo->model, "");

	assert_int_equal(phb->domain, 0x2a);
	assert_int_equal(phb->gen, IODA_PHB5);
	assert_int_equal(phb->chip, 0);
	assert_int_equal(phb->index, 0);
	assert_int_equal(phb->num_pes, 0);
	assert_int_equal(phb->opal_id, 0x2a);
	assert_int_equal(phb->m32.flags, 0);
	assert_int_equal(phb->m64.flags, 0);

	assert_int_equal(rp->pcie_type, PCIE_TYPE_ROOT_PORT);
	assert_int_equal(rp->class, 0x060400);
	assert_int_equal(rp->hdr_type, 1);
	assert_int_equal(rp->secondary, -1);
	assert_int_equal(rp->subordinate, -1);
	assert_string_equal(rp->label, "");
	assert_int_equal(usp->pcie_type, PCIE_TYPE_UPSTREAM);
	assert_int_equal(usp->secondary, 7);
	assert_int_equal(usp->subordinate, -1);
	assert_int_equal(dsp->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(ep->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_int_equal(ep->hdr_type, 0);
	assert_false(ep->multifunction);
	assert_res(&ep->resource[0], 0, 16, MEM);
	assert_int_equal(ep->sriov.total_vfs, 4);
	assert_int_equal(ep->sriov.vf_offset, 1);
	assert_int_equal(ep->sriov.vf_stride, 1);
	assert_int_equal(ep->sriov.vf_device, 0x0002);
	assert_int_equal(usp2->pcie_type, PCIE_TYPE_UPSTREAM);
	assert_null(usp2->children);
	assert_int_equal(rcep->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_int_equal(p2p->pcie_type, PCIE_TYPE_PCI_BRIDGE);
	assert_int_equal(p2p->children->pcie_type, PCIE_TYPE_NONE);
	assert_int_equal(nth(p2p->children, 1)->pcie_type, PCIE_TYPE_NONE);
	assert_int_equal(nth(p2p->children, 1)->children->pcie_type, PCIE_TYPE_NONE);

	/* index: the count of earlier phbs on the same chip, unless given. */
	assert_int_equal(nth_phb(topo, 1)->chip, 1);
	assert_int_equal(nth_phb(topo, 1)->index, 0);
	assert_int_equal(nth_phb(topo, 2)->chip, 0);
	assert_int_equal(nth_phb(topo, 2)->index, 1);
	assert_int_equal(nth_phb(topo, 3)->index, 7);
	assert_int_equal(nth_phb(topo, 4)->index, 2);

	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* Line ends may be CRLF; a file may end without a newline; tabs are one column. */
static void test_layout(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo =
		parse_ok(ctx, "phb 0 gen=phb4 {\r\n\t\tbridge 00.0 1014:04c1\r\n}");

	assert_int_equal(topo->phbs->devices->pos.line, 2);
	assert_int_equal(topo->phbs->devices->pos.col, 3);
	ioda_topo_free(ctx, topo);

	topo = parse_ok(ctx, "");
	assert_null(topo->phbs);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* Words per line and nesting depth are bounded; the messages say so. */
static void test_limits(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_error err = {""};
	struct ioda_topo *topo;
	char text[2048] = "machine";

	/* 32 words fit; the 33rd, at column 9 + 2 * 31, does not. */
	for (int i = 0; i < 31; i++)
		strcat(text, " x");
	assert_int_equal(parse(ctx, text, &topo, &err), -EINVAL);
	assert_string_equal(err.msg, "t.topo:1:9: unknown attribute 'x'");
	strcat(text, " x");
	assert_int_equal(parse(ctx, text, &topo, &err), -EINVAL);
	assert_string_equal(err.msg, "t.topo:1:71: too many words on one line (max 32)");

	/* The phb and 63 bridges fill the 64 levels. */
	strcpy(text, "phb 0 gen=phb4 {\n");
	for (int i = 0; i < 63; i++)
		strcat(text, "bridge 00.0 1234:5678 {\n");
	strcat(text, "bridge 00.0 1234:5678 {\n");
	assert_int_equal(parse(ctx, text, &topo, &err), -EINVAL);
	assert_string_equal(err.msg, "t.topo:65:23: blocks nested too deeply (max 64)");
	assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	test_ctx_end_clean(ctx);
}

/* ioda_topo_node_free() frees a node's subtree and leaves its siblings. */
static void test_node_free(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_ok(ctx, "phb 0 gen=phb4 {\n"
					       "  bridge 00.0 1014:04c1 {\n"
					       "    bridge 00.0 10b5:8725 {\n"
					       "      device 00.0 144d:a808 class=0x010802\n"
					       "    }\n"
					       "  }\n"
					       "  bridge 01.0 1014:04c1\n"
					       "}\n");
	struct ioda_topo_node *first = topo->phbs->devices;

	topo->phbs->devices = first->next;
	ioda_topo_node_free(ctx, first);
	assert_int_equal(topo->phbs->devices->devfn, PCI_DEVFN(1, 0));
	ioda_topo_node_free(ctx, NULL);
	ioda_topo_free(ctx, topo);
	ioda_topo_free(ctx, NULL);
	test_ctx_end_clean(ctx);
}

/* ---- the examples ------------------------------------------------------------ */

static void test_power9_example(void **state)
{
	static const unsigned int pes[] = {512, 256, 256, 512, 256, 256};
	static const uint64_t m64[] = {0x6000000000000, 0x6004000000000, 0x6008000000000,
				       0x6020000000000, 0x6024000000000, 0x6028000000000};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_file(ctx, POWER9_TOPO);
	struct ioda_topo_node *gpu, *sw, *nic;
	unsigned int i = 0;

	assert_string_equal(topo->file, POWER9_TOPO);
	assert_string_equal(topo->model, "IBM Power System AC922 (8335-GTH)");
	for (struct ioda_topo_phb *phb = topo->phbs; phb; phb = phb->next, i++) {
		assert_true(i < 6);
		assert_int_equal(phb->domain, i);
		assert_int_equal(phb->gen, IODA_PHB4);
		assert_int_equal(phb->chip, 0);
		assert_int_equal(phb->index, i);
		assert_int_equal(phb->num_pes, pes[i]);
		assert_res(&phb->m32, 0x600c000000000 + i * 0x80000000ull, 0x7fff0000, MEM | SET);
		assert_res(&phb->m64, m64[i], 0x4000000000, PREF64 | SET);
		assert_int_equal(phb->devices->pcie_type, PCIE_TYPE_ROOT_PORT);
		assert_int_equal(phb->devices->vendor, 0x1014);
		assert_int_equal(phb->devices->device, 0x04c1);
	}
	assert_int_equal(i, 6);

	/* A switch with three downstream ports, one of them empty. */
	sw = nth_phb(topo, 0)->devices->children;
	assert_int_equal(sw->pcie_type, PCIE_TYPE_UPSTREAM);
	assert_null(nth(sw->children, 2)->children);
	assert_null(nth(sw->children, 2)->next);
	assert_int_equal(nth(sw->children, 0)->children->class, 0x010802);
	assert_int_equal(nth(sw->children, 0)->children->resource[0].flags, MEM64);

	/* A two-function NIC. */
	nic = nth_phb(topo, 1)->devices->children;
	assert_true(nic->multifunction);
	assert_true(nic->next->multifunction);
	assert_int_equal(nic->next->devfn, PCI_DEVFN(0, 1));

	gpu = nth_phb(topo, 3)->devices->children;
	assert_int_equal(gpu->vendor, 0x10de);
	assert_int_equal(gpu->device, 0x1db1);
	assert_int_equal(gpu->class, 0x030200);
	assert_res(&gpu->resource[0], 0, 16 << 20, MEM);
	assert_res(&gpu->resource[1], 0, 32ull << 30, PREF64);
	assert_res(&gpu->resource[3], 0, 32 << 20, PREF64);

	/* An empty root port. */
	assert_null(nth_phb(topo, 5)->devices->children);

	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

static void test_power8_example(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_file(ctx, POWER8_TOPO);
	struct ioda_topo_node *nvme, *nic;

	for (struct ioda_topo_phb *phb = topo->phbs; phb; phb = phb->next) {
		assert_int_equal(phb->gen, IODA_PHB3);
		assert_int_equal(phb->num_pes, 256);
		assert_int_equal(phb->devices->pcie_type, PCIE_TYPE_ROOT_PORT);
	}
	assert_null(nth_phb(topo, 1)->next);
	nvme = nth_phb(topo, 0)->devices->children;
	assert_int_equal(nvme->class, 0x010802);
	assert_int_equal(nvme->resource[0].flags, MEM64);
	nic = nth_phb(topo, 1)->devices->children;
	assert_true(nic->multifunction);
	assert_int_equal(nic->next->devfn, PCI_DEVFN(0, 1));
	assert_int_equal(nic->sriov.total_vfs, 64);

	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* ---- malformed input ------------------------------------------------------------ */

#define PHB "phb 0 gen=phb4 {\n"
#define RP PHB "  bridge 00.0 1014:04c1 {\n"
#define DEV RP "    device 00.0 1234:5678 class=0x020000 {\n"

static const struct {
	const char *text, *msg;
} bad[] = {
	/* Statements and blocks. */
	{"foo 1\n", "t.topo:1:1: unknown statement 'foo'"},
	{"machine\n  machine memory=1G\n", "t.topo:2:3: duplicate machine (first at 1:1)"},
	{PHB "}\nphb 0000 gen=phb3 {\n}\n", "t.topo:3:5: duplicate phb 0000 (first at 1:1)"},
	{"phb\n", "t.topo:1:1: phb needs a domain"},
	{"phb 0 gen=phb4\n", "t.topo:1:1: phb needs '{' at the end of its line"},
	{"phb 0 { gen=phb4\n", "t.topo:1:7: '{' must be the last word on the line"},
	{"{\n", "t.topo:1:1: '{' must follow a statement on its line"},
	{"}\n", "t.topo:1:1: unexpected '}' with no open block"},
	{PHB "} x\n", "t.topo:2:3: unexpected text after '}'"},
	{PHB "  bridge 00.0 1014:04c1 {\n", "t.topo:3:1: missing '}' for bridge opened at 2:3"},
	{"phb 0 gen=phb4 {", "t.topo:1:17: missing '}' for phb opened at 1:1"},
	{PHB "  phb 1 gen=phb4 {\n", "t.topo:2:3: phb must be at top level"},
	{RP "    machine\n", "t.topo:3:5: machine must be at top level"},
	{"device 00.0 1234:5678 class=0x020000\n",
	 "t.topo:1:1: device must be inside a phb or bridge block"},
	{"bridge 00.0 1234:5678\n", "t.topo:1:1: bridge must be inside a phb or bridge block"},
	{DEV "      device 01.0 1234:5678 class=0x020000\n",
	 "t.topo:4:7: device must be inside a phb or bridge block"},
	{PHB "  window mem 0-0xfffff\n", "t.topo:2:3: window must be inside a bridge block"},
	{RP "    sriov vfs=4\n", "t.topo:3:5: sriov must be inside a device block"},
	{RP "    vf-bar 0 16K\n", "t.topo:3:5: vf-bar must be inside a device block"},
	{PHB "  bar 0 16K\n", "t.topo:2:3: bar must be inside a device or bridge block"},
	{DEV "      bar 0 16K {\n", "t.topo:4:17: bar does not open a block"},
	{"x\x01y\n", "t.topo:1:2: unexpected control character 0x01"},

	/* Attributes. */
	{"phb 0 {\n}\n", "t.topo:1:1: phb needs gen="},
	{"phb 0 gen=phb9 {\n}\n", "t.topo:1:11: unknown gen 'phb9' (expected phb3, phb4 or phb5)"},
	{"phb 0 gen=phb4 colour=red {\n}\n", "t.topo:1:16: unknown attribute 'colour'"},
	{"phb 0 gen=phb4 gen=phb3 {\n}\n", "t.topo:1:16: duplicate attribute 'gen' (first at 1:7)"},
	{"phb 0 gen {\n}\n", "t.topo:1:7: attribute 'gen' needs a value"},
	{"phb 0 gen= {\n}\n", "t.topo:1:7: attribute 'gen' needs a value"},
	{RP "    bridge 00.0 1234:5678 mf=1\n", "t.topo:3:27: 'mf' takes no value"},
	{"phb 0 gen=phb4 pes=0 {\n}\n", "t.topo:1:20: pes 0 out of range (1..65536)"},
	/* The PCIe slot capability is a root or downstream port's. */
	{"phb 0 gen=phb4 {\n bridge 00.0 1014:04c1 hotplug=maybe\n}\n",
	 "t.topo:2:32: unknown hotplug 'maybe' (expected yes or no)"},
	{"phb 0 gen=phb4 {\n bridge 00.0 1014:04c1 {\n  bridge 00.0 10b5:8725 hotplug=yes\n }\n}\n",
	 "t.topo:3:33: hotplug= is a root or downstream port's slot"},
	{"phb 0 gen=phb4 {\n device 00.0 1234:5678 class=0x020000 hotplug=no\n}\n",
	 "t.topo:2:39: unknown attribute 'hotplug'"},
	/* A PowerNV slot's flags describe a slot: slot=NAME first. */
	{"phb 0 gen=phb4 {\n bridge 00.0 1014:04c1 surprise=yes\n}\n",
	 "t.topo:2:33: surprise= and power-ctl= describe a slot: give slot=NAME"},
	{"phb 0 gen=phb4 {\n bridge 00.0 1014:04c1 slot=a/b\n}\n",
	 "t.topo:2:29: bad label 'a/b' (allowed: letters, digits, '_', '.', '-')"},
	{"phb 0 gen=phb4 {\n device 00.0 1234:5678 class=0x020000 slot=s0\n}\n",
	 "t.topo:2:39: unknown attribute 'slot'"},
	{"phb 0 gen=phb4 chip=256 {\n}\n", "t.topo:1:21: chip 256 out of range (0..255)"},
	{"phb 0 gen=phb4 id=0x1g {\n}\n", "t.topo:1:19: bad number '0x1g'"},
	{"phb 0 gen=phb4 id=18446744073709551616 {\n}\n",
	 "t.topo:1:19: number '18446744073709551616' does not fit in 64 bits"},
	{"phb 12345 gen=phb4 {\n}\n",
	 "t.topo:1:5: bad domain '12345' (expected 1 to 4 hex digits)"},
	{PHB "}\nphb 1 gen=phb4 index=0 {\n}\n",
	 "t.topo:3:22: duplicate phb index 0 on chip 0 (first at 1:1)"},
	{"phb 0 gen=phb4 m32=0x1000 {\n}\n",
	 "t.topo:1:20: bad window '0x1000' (expected ADDR+SIZE)"},
	{"phb 0 gen=phb4 m64=0x1000+0 {\n}\n", "t.topo:1:27: window size must not be 0"},
	{"phb 0 gen=phb4 m64=0xffffffffffff0000+128K {\n}\n",
	 "t.topo:1:20: window '0xffffffffffff0000+128K' runs past the end of the address space"},
	{"machine memory=16777216T\n", "t.topo:1:16: size '16777216T' does not fit in 64 bits"},
	{"machine memory=16Q\n", "t.topo:1:16: bad size '16Q'"},
	{"machine model=\"abc\n", "t.topo:1:15: unterminated string"},
	{"machine model=abc\n", "t.topo:1:15: model must be a double-quoted string"},
	{"machine model=\"a\\nb\"\n", "t.topo:1:17: unknown escape '\\n' in string"},
	{"machine model=\"a\"b\n", "t.topo:1:18: unexpected text after the closing quote"},
	{"machine model=\"0123456789012345678901234567890123456789012345678901234567890123\"\n",
	 "t.topo:1:15: model is longer than 63 characters"},

	/* Devices and bridges. */
	{PHB "  device 00.0 1234:5678\n", "t.topo:2:3: device needs class="},
	{PHB "  device 00.0\n", "t.topo:2:3: device needs a vendor:device id"},
	{PHB "  device 20.0 1234:5678 class=0x020000\n",
	 "t.topo:2:10: bad devfn '20.0' (expected SLOT.FN, slot 00..1f, fn 0..7)"},
	{PHB "  device 00.8 1234:5678 class=0x020000\n",
	 "t.topo:2:10: bad devfn '00.8' (expected SLOT.FN, slot 00..1f, fn 0..7)"},
	{PHB "  device 00.0 10de-1db1 class=0x020000\n",
	 "t.topo:2:15: bad id '10de-1db1' (expected vvvv:dddd, hex)"},
	{PHB "  device 00.0 10de:1db class=0x020000\n",
	 "t.topo:2:15: bad id '10de:1db' (expected vvvv:dddd, hex)"},
	{PHB "  device 00.0 1234:5678 class=0x1000000\n",
	 "t.topo:2:31: class 0x1000000 out of range (0..0xffffff)"},
	{PHB "  device 00.0 1234:5678 class=0x020000 type=upstream\n",
	 "t.topo:2:45: unknown type 'upstream' (expected endpoint, legacy, rc-endpoint or pci)"},
	{PHB "  device 00.0 1234:5678 class=0x020000 label=a/b\n",
	 "t.topo:2:46: bad label 'a/b' (allowed: letters, digits, '_', '.', '-')"},
	{PHB "  device 00.0 1234:5678 class=0x020000 label=abcdefghijklmnopqrstuvwxyz0123456\n",
	 "t.topo:2:46: label 'abcdefghijklmnopqrstuvwxyz0123456' is longer than 31 characters"},
	{PHB "  bridge 00.0 1234:5678 label=x\n  device 01.0 1234:5678 class=0x020000 label=x\n",
	 "t.topo:3:46: duplicate label 'x' (first at 2:3)"},
	{PHB "  device 00.0 1234:5678 class=0x020000\n  bridge 0.0 1234:5678\n",
	 "t.topo:3:10: duplicate device 00.0 on this bus (first at 2:3)"},
	{PHB "  device 00.0 1234:5678 class=0x020000\n  device 00.2 1234:5678 class=0x020000\n"
	     "  device 01.1 1234:5678 class=0x020000\n}\n",
	 "t.topo:4:3: device 01.1 has no function 0 (01.0) on this bus"},
	{PHB "  bridge 00.0 1234:5678 bus=05-03\n",
	 "t.topo:2:29: bus range '05-03' ends before it starts"},
	{PHB "  bridge 00.0 1234:5678 bus=100\n",
	 "t.topo:2:29: bad bus number '100' (expected hex 01..ff)"},
	{PHB "  bridge 00.0 1234:5678 bus=01-0\n",
	 "t.topo:2:32: bad bus number '0' (expected hex 01..ff)"},

	/* BARs. */
	{DEV "      bar\n", "t.topo:4:7: bar needs an index"},
	{DEV "      bar 0\n", "t.topo:4:7: bar needs a size"},
	{DEV "      bar 6 16K\n", "t.topo:4:11: bad bar index '6' (expected 0..5 or rom)"},
	{RP "    bar 2 16K\n", "t.topo:3:9: bad bar index '2' (expected 0..1 or rom)"},
	{DEV "      bar 0 16K\n      bar 0 32K\n", "t.topo:5:11: duplicate bar 0 (first at 4:7)"},
	{DEV "      bar 0 16K mem64\n      bar 1 16K\n",
	 "t.topo:5:11: bar 1 is the upper half of 64-bit bar 0"},
	{DEV "      bar 1 16K\n      bar 0 16K mem64\n",
	 "t.topo:5:11: 64-bit bar 0 overlaps bar 1 (at 4:7)"},
	{DEV "      bar 5 16K mem64\n", "t.topo:4:11: 64-bit bar 5 has no room for its upper half"},
	{DEV "      bar 0 24K\n", "t.topo:4:13: size '24K' is not a power of two"},
	{DEV "      bar 0 8\n", "t.topo:4:13: size '8' is too small (a memory bar is at least 16)"},
	{DEV "      bar 0 2 io\n", "t.topo:4:13: size '2' is too small (an io bar is at least 4)"},
	{DEV "      bar 0 4G\n", "t.topo:4:13: size '4G' is too large for a 32-bit bar (max 2G)"},
	{DEV "      bar rom 1K\n", "t.topo:4:15: size '1K' is too small (a rom is at least 2K)"},
	{DEV "      bar rom 64K pref\n", "t.topo:4:19: a rom takes no flags"},
	{DEV "      bar rom 64K\n      bar rom 64K\n", "t.topo:5:11: duplicate rom (first at 4:7)"},
	{DEV "      bar 0 16K @0x1000\n",
	 "t.topo:4:18: address 0x1000 is not aligned to the size 0x4000"},
	{DEV "      bar 0 16K @0xzz\n", "t.topo:4:18: bad number '0xzz'"},
	{DEV "      bar 0 16K io pref\n", "t.topo:4:20: 'pref' cannot be combined with 'io'"},
	{DEV "      bar 0 16K mem64 mem32\n",
	 "t.topo:4:23: 'mem32' cannot be combined with 'mem64'"},
	{DEV "      bar 0 16K mem64 mem64\n",
	 "t.topo:4:23: duplicate attribute 'mem64' (first at 4:17)"},
	{DEV "      bar 0 16K huge\n", "t.topo:4:17: unknown attribute 'huge'"},

	/* Windows. */
	{RP "    window mem 0x1000-0xfff\n",
	 "t.topo:3:16: window range '0x1000-0xfff' ends before it starts"},
	{RP "    window mem 0-0xffffffffffffffff\n",
	 "t.topo:3:16: window range '0-0xffffffffffffffff' covers the whole address space"},
	{RP "    window mem 0-0x1g\n", "t.topo:3:18: bad number '0x1g'"},
	{RP "    window mem 0x1000\n",
	 "t.topo:3:16: bad window range '0x1000' (expected START-END)"},
	{RP "    window huge 0-0xfff\n",
	 "t.topo:3:12: unknown window kind 'huge' (expected io, mem or pref)"},
	{RP "    window io 0-0xfff\n    window io 0x1000-0x1fff\n",
	 "t.topo:4:12: duplicate window io (first at 3:5)"},
	{RP "    window io 0-0xfff extra\n", "t.topo:3:23: unknown attribute 'extra'"},

	/* SR-IOV. */
	{DEV "      sriov\n", "t.topo:4:7: sriov needs vfs="},
	{DEV "      sriov vfs=0\n", "t.topo:4:17: vfs 0 out of range (1..65535)"},
	{DEV "      sriov vfs=4 vf-device=10e\n",
	 "t.topo:4:29: bad vf-device '10e' (expected 4 hex digits)"},
	{DEV "      sriov vfs=4\n      sriov vfs=8\n",
	 "t.topo:5:7: duplicate sriov (first at 4:7)"},
	{DEV "      vf-bar 0 16K\n", "t.topo:4:7: vf-bar needs an sriov line before it"},
	{DEV "      sriov vfs=4\n      vf-bar rom 16K\n",
	 "t.topo:5:14: bad vf-bar index 'rom' (expected 0..5)"},
	{DEV "      sriov vfs=4\n      vf-bar 0 16K @0x4000\n",
	 "t.topo:5:20: unknown attribute '@0x4000'"},
	{DEV "      sriov vfs=4\n      vf-bar 0 16K mem64\n      vf-bar 1 16K\n",
	 "t.topo:6:14: vf-bar 1 is the upper half of 64-bit vf-bar 0"},
};

static void test_malformed(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ioda_error err = {""};
		struct ioda_topo *topo = (struct ioda_topo *)&err;
		int rc = parse(ctx, bad[i].text, &topo, &err);

		if (rc != -EINVAL || strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu: rc %d, message\n  got  \"%s\"\n  want \"%s\"", i, rc,
				 err.msg, bad[i].msg);
		assert_null(topo);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	}
	test_ctx_end_clean(ctx);
}

/* ---- allocation failures ------------------------------------------------------- */

/* Whichever allocation fails, the parse reports it and leaves nothing behind. */
static void test_alloc_failures(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = NULL;
	unsigned long n, allocs = 0;
	size_t len;
	char *buf = read_text(POWER9_TOPO, &len);

	for (n = 1;; n++) {
		struct ioda_error err = {""};
		int rc;

		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, n);
		rc = ioda_topo_parse(ctx, POWER9_TOPO, buf, len, &topo, &err);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(err.msg, POWER9_TOPO ": out of memory");
		assert_null(topo);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
		assert_int_equal(ioda_mem_live_blocks(ctx), 0);
	}
	ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, 0);
	free(buf);

	/* Every allocation was failed once: the topo, its file name, each phb and node. */
	for (struct ioda_topo_phb *phb = topo->phbs; phb; phb = phb->next)
		allocs += 1 + count_nodes(phb->devices);
	assert_int_equal(n - 1, 2 + allocs);
	assert_int_equal(ioda_fault_injected(ctx), n - 1);

	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* The writer's text of @topo, from malloc. */
static char *write_text(const struct ioda_topo *topo)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(ioda_topo_write(f, topo), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

/*
 * What the writer prints parses back to the same description: writing that
 * again gives the same text.  Returns the first text.
 */
static char *assert_round_trip(struct ioda_ctx *ctx, const struct ioda_topo *topo)
{
	char *first = write_text(topo), *second;
	struct ioda_topo *again = parse_ok(ctx, first);

	second = write_text(again);
	assert_string_equal(first, second);
	free(second);
	ioda_topo_free(ctx, again);
	return first;
}

/* ioda tree --topo: every field the text can hold survives the round trip. */
static void test_write_round_trip(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo = parse_ok(ctx, full_text);
	char *text = assert_round_trip(ctx, topo);

	/* Escapes, sizes by their largest exact suffix, SR-IOV, explicit types. */
	assert_non_null(strstr(text, "model=\"IBM \\\"Test\\\" box # 1 \\\\ 2\""));
	assert_non_null(strstr(text, "memory=64G"));
	assert_non_null(strstr(text, "\t\t\tsriov vfs=63 offset=128 stride=2 vf-device=10ed\n"
				     "\t\t\tvf-bar 0 16K mem64 pref\n"));
	assert_non_null(strstr(text, "device 01.0 1234:0001 type=rc-endpoint class=0x088000 mf\n"));
	assert_non_null(strstr(text, "bridge 1f.0 10b5:8725 type=downstream hotplug=yes"));
	free(text);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* The machine's description as topology text (bus numbers now assigned). */
static char *machine_text(struct ioda_ctx *ctx, const char *file, const char *buf)
{
	struct ioda_error err = {""};
	struct ioda_topo *described;
	struct ioda_machine *m;
	char *text;

	if (ioda_load_machine_buf(ctx, file, buf, strlen(buf), IODA_INPUT_TOPO, &m, &err))
		fail_msg("%s: %s", file, err.msg);
	assert_int_equal(pci_describe_machine(m, &described), 0);
	text = write_text(described);
	ioda_topo_free(ctx, described);
	assert_int_equal(ioda_machine_free(m), 0);
	return text;
}

/*
 * Both example machines round-trip; so does the machine built from one: its
 * description, written, loads into a machine that describes the same.
 */
static void test_write_examples(void **state)
{
	static const char *const paths[] = {POWER9_TOPO, POWER8_TOPO};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct test_reports r;
		struct ioda_ctx *ctx = test_ctx_new(&r);
		struct ioda_topo *topo = parse_file(ctx, paths[i]);
		char *text = assert_round_trip(ctx, topo), *first, *second;

		first = machine_text(ctx, paths[i], text);
		second = machine_text(ctx, "written.topo", first);
		assert_string_equal(first, second);
		free(second);
		free(first);
		free(text);
		ioda_topo_free(ctx, topo);
		test_ctx_end_clean(ctx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),      cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_layout),	       cmocka_unit_test(test_limits),
		cmocka_unit_test(test_node_free),      cmocka_unit_test(test_power9_example),
		cmocka_unit_test(test_power8_example),
		cmocka_unit_test(test_malformed),      cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_write_round_trip), cmocka_unit_test(test_write_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
