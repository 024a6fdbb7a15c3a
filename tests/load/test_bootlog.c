/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The boot log loader: what each corpus log turns into, that the PE lines
 * are never input (a log without them gives the same description), that the
 * PE lines extracted are replay_score.py's, the exact message of every
 * malformed input, and no leak whichever allocation fails.
 */
#include "testutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "load/bootlog.h"
#include <ioda/pci.h>
#include <ioda/ioda.h>
#include <ioda/load.h>

#define CORPUS IODA_SRCDIR "/tests/conformance/corpus/"

/* The file's contents, from malloc, NUL-terminated. */
static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
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

static char *read_corpus(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), CORPUS "%s.log", name);
	return read_text(path, len);
}

static void read_ok(struct ioda_ctx *ctx, const char *name, const char *buf, size_t len,
		    struct ioda_topo **topo, struct ioda_bootlog **log)
{
	struct ioda_error err = { "" };
	int rc = ioda_bootlog_read(ctx, name, buf, len, topo, log, &err);

	if (rc)
		fail_msg("%s: load failed (%d): %s", name, rc, err.msg);
}

static void free_both(struct ioda_ctx *ctx, struct ioda_topo *topo, struct ioda_bootlog *log)
{
	ioda_topo_free(ctx, topo);
	ioda_bootlog_free(ctx, log);
}

/* ---- a canonical dump: everything but line numbers and the PE lines --------- */

struct dump {
	char *buf;
	size_t len;
	FILE *f;
};

static void dump_res(FILE *f, const char *name, const struct pci_resource *r)
{
	if (r->size || r->flags)
		fprintf(f, " %s=%#llx+%#llx/%#x", name, (unsigned long long)r->start,
			(unsigned long long)r->size, r->flags);
}

static void dump_nodes(FILE *f, const struct ioda_topo_node *n, int depth)
{
	for (; n; n = n->next) {
		fprintf(f, "%*s%02x.%x [%04x:%04x] hdr %u class %06x type %d mf %d bus %d-%d",
			2 * depth, "", PCI_SLOT(n->devfn), PCI_FUNC(n->devfn), n->vendor, n->device,
			n->hdr_type, n->class, n->pcie_type, n->multifunction, n->secondary,
			n->subordinate);
		for (unsigned int i = 0; i < PCI_NUM_RESOURCES; i++) {
			char name[16];

			snprintf(name, sizeof(name), "r%u", i);
			dump_res(f, name, &n->resource[i]);
		}
		if (n->sriov.total_vfs) {
			fprintf(f, " sriov %u %u %u %04x", n->sriov.total_vfs, n->sriov.vf_offset,
				n->sriov.vf_stride, n->sriov.vf_device);
			for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
				char name[16];

				snprintf(name, sizeof(name), "vf%u", i);
				dump_res(f, name, &n->sriov.vf_bar[i]);
			}
		}
		fprintf(f, " '%s'\n", n->label);
		dump_nodes(f, n->children, depth + 1);
	}
}

static char *dump(const struct ioda_topo *topo, const struct ioda_bootlog *log)
{
	struct dump d = { NULL, 0, NULL };

	d.f = open_memstream(&d.buf, &d.len);
	assert_non_null(d.f);
	fprintf(d.f, "topo memory %llu model '%s'\n", (unsigned long long)topo->memory_bytes,
		topo->model);
	for (const struct ioda_topo_phb *p = topo->phbs; p; p = p->next) {
		const struct ioda_topo_fw *fw = &p->fw;

		fprintf(d.f, "phb %04x gen %d type %d chip %u index %u pes %u id %llu", p->domain,
			p->gen, p->type, p->chip, p->index, p->num_pes,
			(unsigned long long)p->opal_id);
		dump_res(d.f, "m32", &p->m32);
		dump_res(d.f, "m64", &p->m64);
		fprintf(d.f, " fw %d %u %u %u %llx %u %u %u %u %u %llx %llx '%s'\n", fw->valid,
			fw->reserved_pe, fw->m64_bar_first, fw->m64_bar_count,
			(unsigned long long)fw->tce_page_shifts, fw->msi_base, fw->msi_count,
			fw->diag_data_size, fw->bus_first, fw->bus_last,
			(unsigned long long)fw->m32_pci_addr, (unsigned long long)fw->m64_pci_addr,
			fw->path);
		dump_nodes(d.f, p->devices, 1);
	}
	fprintf(d.f, "kernel '%s' %d.%d.%d '%s'\ncmdline '%s'\n", log->kernel_version,
		log->kver_major, log->kver_minor, log->kver_patch, log->banner ? log->banner : "",
		log->cmdline ? log->cmdline : "");
	fprintf(d.f, "memory %llu from %d page %u model '%s' cpu '%s' %d\n",
		(unsigned long long)log->memory_bytes, log->memory_src, log->page_size, log->model,
		log->cpu, log->cpu_gen);
	for (unsigned int i = 0; i < log->nphbs; i++) {
		const struct ioda_bootlog_phb *h = &log->phbs[i];

		fprintf(d.f, "header %s %s %d %u %u %llx %llx %llx %llx %llx %llx", h->type,
			h->path, h->domain, h->num_pes, h->reserved_pe,
			(unsigned long long)h->m32_size, (unsigned long long)h->m32_segsize,
			(unsigned long long)h->m64_size, (unsigned long long)h->m64_segsize,
			(unsigned long long)h->io_size, (unsigned long long)h->io_segsize);
		dump_res(d.f, "m32", &h->m32_cpu);
		dump_res(d.f, "m64", &h->m64_cpu);
		fprintf(d.f, " %llx %llx %d %d %d %u %x\n", (unsigned long long)h->m32_pci,
			(unsigned long long)h->m64_pci, h->m64_bar_first, h->m64_bar_last,
			h->m64_default_bar, h->msi_count, h->msi_base);
	}
	fclose(d.f);
	return d.buf;
}

/* ---- the corpus ----------------------------------------------------------------- */

/*
 * pe_lines: what replay_score.py counts, computed once with its own code:
 *   Counter(extract(PE, text)) summed, text = the .log file as stored here.
 */
static const struct corpus_log {
	const char *name;
	const char *phbs; /* "domain/PEs" of each host bridge, in log order */
	unsigned int devices, pe_lines;
	uint64_t memory;
	unsigned int page_size;
	const char *kernel;
	int major, minor, patch;
	int cpu_gen;
	const char *model;
} corpus[] = {
	{ "ac922-witherspoon-5.2-npu-sriov",
	  "0000/512 0001/256 0002/256 0003/512 0004/256 0005/256 "
	  "0030/512 0033/512 0034/256 0035/256 0006/16 0007/16",
	  52, 111, 512ull << 30, 65536, "5.2.0-rc6+", 5, 2, 0, IODA_PHB4, "" },
	{ "p8-ltc-ci3-5.19-next",
	  "0000/256 0001/256 0004/256 0005/256",
	  20, 57, 64ull << 30, 65536, "5.19.0-rc4-next-20220629", 5, 19, 0, IODA_PHB3, "" },
	{ "p8-suse-5.3.8-sriov",
	  "0000/256 0001/256 0002/256 0003/256 0004/256 0005/256 0006/256",
	  27, 45, 128ull << 30, 65536, "5.3.8-11.gea9b07d-default", 5, 3, 8, IODA_PHB3, "" },
	{ "talos2-t1000-6.2",
	  "0000/512 0001/256 0002/256 0003/512 0004/256 0005/256 "
	  "0030/512 0031/256 0032/256 0033/512",
	  18, 72, 64ull << 30, 4096, "6.2.0-rc6-P9", 6, 2, 0, IODA_PHB4, "T2P9D01 REV 1.01" },
	{ "qemu-p8-two-eps",
	  "0000/256 0001/256 0002/256",
	  6, 30, 4ull << 30, 65536, "6.1.0-50-powerpc64le", 6, 1, 0, IODA_PHB3, "IBM PowerNV (emulated by qemu)" },
	{ "qemu-p9-pcie-pci-bridge",
	  "0000/512 0001/256 0002/256 0003/512 0004/256 0005/256",
	  12, 41, 4ull << 30, 65536, "6.1.0-50-powerpc64le", 6, 1, 0, IODA_PHB4, "IBM PowerNV (emulated by qemu)" },
	{ "qemu-p9-switch",
	  "0000/512 0001/256 0002/256 0003/512 0004/256 0005/256",
	  14, 49, 4ull << 30, 65536, "6.1.0-50-powerpc64le", 6, 1, 0, IODA_PHB4, "IBM PowerNV (emulated by qemu)" },
	{ "guest-p8-switch",
	  "0000/256 0001/256 0002/256",
	  10, 39, 4ull << 30, 65536, "6.1.0-50-powerpc64le", 6, 1, 0, IODA_PHB3, "IBM PowerNV (emulated by qemu)" },
	{ "guest-p9-switch",
	  "0000/512 0001/256 0002/256 0003/512 0004/256 0005/256",
	  14, 49, 4ull << 30, 65536, "6.1.0-50-powerpc64le", 6, 1, 0, IODA_PHB4, "IBM PowerNV (emulated by qemu)" },
};

static unsigned int count_nodes(const struct ioda_topo_node *n)
{
	unsigned int c = 0;

	for (; n; n = n->next)
		c += 1 + count_nodes(n->children);
	return c;
}

static const struct ioda_topo_phb *find_phb(const struct ioda_topo *topo, int domain)
{
	for (const struct ioda_topo_phb *p = topo->phbs; p; p = p->next)
		if (p->domain == domain)
			return p;
	fail_msg("no PHB %04x", domain);
	return NULL;
}

/* The node at "DDDD:BB:SS.F", found by walking the bridges' bus ranges. */
static const struct ioda_topo_node *find_node(const struct ioda_topo *topo, const char *bdf)
{
	unsigned int domain, bus, slot, fn, cur = 0;
	const struct ioda_topo_node *n;

	assert_int_equal(sscanf(bdf, "%x:%x:%x.%u", &domain, &bus, &slot, &fn), 4);
	n = find_phb(topo, (int)domain)->devices;
	while (n) {
		if (cur == bus && n->devfn == PCI_DEVFN(slot, fn))
			return n;
		if (n->hdr_type == 1 && n->secondary >= 0 && bus >= (unsigned int)n->secondary &&
		    bus <= (unsigned int)n->subordinate) {
			cur = (unsigned int)n->secondary;
			n = n->children;
		} else {
			n = n->next;
		}
	}
	fail_msg("no device %s", bdf);
	return NULL;
}

static void assert_res(const struct pci_resource *r, uint64_t start, uint64_t size,
		       unsigned int flags)
{
	assert_int_equal(r->start, start);
	assert_int_equal(r->size, size);
	assert_int_equal(r->flags, flags);
}

#define MEM32 (PCI_RES_MEM | PCI_RES_ASSIGNED)
#define MEM64 (PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_ASSIGNED)
#define PREF64 (MEM64 | PCI_RES_PREFETCH)

static void test_corpus_facts(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct corpus_log *c = &corpus[i];
		struct ioda_topo *topo;
		struct ioda_bootlog *log;
		unsigned int nphbs = 0, ndevs = 0;
		char phbs[256];
		size_t len, o = 0;
		char *buf = read_corpus(c->name, &len);

		read_ok(ctx, c->name, buf, len, &topo, &log);
		for (const struct ioda_topo_phb *p = topo->phbs; p; p = p->next, nphbs++) {
			const struct ioda_bootlog_phb *h = &log->phbs[nphbs];

			o += (size_t)snprintf(phbs + o, sizeof(phbs) - o, "%s%04x/%u",
					      o ? " " : "", p->domain, p->num_pes);
			ndevs += count_nodes(p->devices);
			assert_int_equal(p->gen, c->cpu_gen);
			/* The Nth header is the Nth host bridge's, by order and by M32 window. */
			assert_true(nphbs < log->nphbs);
			assert_int_equal(h->domain, p->domain);
			assert_int_equal(h->m32_cpu.start, p->m32.start);
			assert_int_equal(h->num_pes, p->num_pes);
		}
		assert_string_equal(phbs, c->phbs);
		assert_int_equal(log->nphbs, nphbs);
		assert_int_equal(ndevs, c->devices);
		assert_int_equal(log->npe_lines, c->pe_lines);
		assert_int_equal(log->memory_bytes, c->memory);
		assert_int_equal(topo->memory_bytes, c->memory);
		assert_int_equal(log->page_size, c->page_size);
		assert_string_equal(log->kernel_version, c->kernel);
		assert_int_equal(log->kver_major, c->major);
		assert_int_equal(log->kver_minor, c->minor);
		assert_int_equal(log->kver_patch, c->patch);
		assert_int_equal(log->cpu_gen, c->cpu_gen);
		assert_string_equal(log->model, c->model);
		assert_string_equal(topo->model, c->model);
		assert_non_null(log->cmdline);
		free_both(ctx, topo, log);
		free(buf);
	}
	test_ctx_end_clean(ctx);
}

static void test_talos_details(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	const struct ioda_topo_phb *p;
	const struct ioda_topo_node *n;
	size_t len;
	char *buf = read_corpus("talos2-t1000-6.2", &len);

	read_ok(ctx, "talos", buf, len, &topo, &log);
	assert_string_equal(log->cpu, "POWER9");
	assert_int_equal(log->memory_src, IODA_MEM_PHYS_SIZE);
	assert_non_null(strstr(log->cmdline, "slub_debug=FZP"));
	assert_true(strncmp(log->banner, "6.2.0-rc6-P9 (root@T1000)", 25) == 0);

	/* Headers: 4 x 512 PEs (M64 #1..31), 6 x 256 (M64 #1..15). */
	assert_string_equal(log->phbs[0].type, "IODA2");
	assert_string_equal(log->phbs[0].path, "/pciex@600c3c0000000");
	assert_int_equal(log->phbs[0].num_pes, 512);
	assert_int_equal(log->phbs[0].reserved_pe, 511);
	assert_int_equal(log->phbs[0].m32_size, 0x80000000);
	assert_int_equal(log->phbs[0].m32_segsize, 0x400000);
	assert_int_equal(log->phbs[0].m64_size, 0x4000000000);
	assert_int_equal(log->phbs[0].m64_segsize, 0x20000000);
	assert_int_equal(log->phbs[0].m64_bar_first, 1);
	assert_int_equal(log->phbs[0].m64_bar_last, 31);
	assert_int_equal(log->phbs[0].m64_default_bar, 31);
	assert_int_equal(log->phbs[0].msi_count, 4088);
	assert_int_equal(log->phbs[0].msi_base, 0xfe000);
	assert_int_equal(log->phbs[1].num_pes, 256);
	assert_int_equal(log->phbs[1].m64_bar_last, 15);
	assert_int_equal(log->phbs[6].domain, 0x30);
	assert_string_equal(log->phbs[6].path, "/pciex@620c3c0000000");

	p = find_phb(topo, 0);
	assert_int_equal(p->num_pes, 512);
	assert_int_equal(p->type, IODA_PHB_PCIE);
	assert_res(&p->m32, 0x600c000000000, 0x7fff0000, MEM32);
	assert_res(&p->m64, 0x6000000000000, 0x4000000000, PREF64);
	assert_true(p->fw.valid);
	assert_int_equal(p->fw.reserved_pe, 511);
	assert_int_equal(p->fw.m64_bar_first, 1);
	assert_int_equal(p->fw.m64_bar_count, 31);
	assert_int_equal(p->fw.m32_pci_addr, 0x80000000);
	assert_string_equal(p->fw.path, "/pciex@600c3c0000000");

	/* The NVMe drive: BAR0 64-bit, final assignment. */
	n = find_node(topo, "0001:01:00.0");
	assert_int_equal(n->vendor, 0x1987);
	assert_int_equal(n->device, 0x5008);
	assert_int_equal(n->class, 0x010802);
	assert_int_equal(n->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_res(&n->resource[0], 0x600c080000000, 0x4000, MEM64);
	/* Its root port: bus 01, and the window the final "PCI bridge to" lists. */
	n = find_node(topo, "0001:00:00.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_ROOT_PORT);
	assert_int_equal(n->secondary, 1);
	assert_int_equal(n->subordinate, 1);
	assert_res(&n->resource[PCI_BRIDGE_MEM_WINDOW], 0x600c080000000, 0x7ff00000, MEM32);
	/* The io window of the scan is gone: the final list has none. */
	assert_int_equal(n->resource[PCI_BRIDGE_IO_WINDOW].flags, 0);

	/* The ASPEED BMC: PCIe-to-PCI bridge, conventional VGA below, io BAR not assigned. */
	n = find_node(topo, "0005:01:00.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_PCI_BRIDGE);
	assert_int_equal(n->secondary, 2);
	n = find_node(topo, "0005:02:00.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_NONE);
	assert_int_equal(n->class, 0x030000);
	assert_res(&n->resource[0], 0x600c280000000, 0x1000000, MEM32);
	assert_res(&n->resource[2], 0, 0x80, PCI_RES_IO);

	/* The Broadcom NIC: two functions, 64-bit prefetchable BARs in M64. */
	n = find_node(topo, "0004:01:00.1");
	assert_true(n->multifunction);
	assert_res(&n->resource[4], 0x6024000050000, 0x10000, PREF64);
	/* The AMD GPU: ROM from "BAR 6: assigned". */
	n = find_node(topo, "0030:01:00.0");
	assert_res(&n->resource[PCI_ROM_RESOURCE], 0x620c000000000, 0x20000,
		   PCI_RES_MEM | PCI_RES_PREFETCH | PCI_RES_ASSIGNED);
	assert_res(&n->resource[0], 0x6200000000000, 0x8000000, PREF64);

	assert_string_equal(log->pe_lines[0].text, "pci_bus 0000:00: Configuring PE for bus");
	assert_int_equal(log->pe_lines[0].line, 432);
	assert_int_equal(log->pe_lines[0].len, strlen(log->pe_lines[0].text));
	assert_string_equal(log->pe_lines[1].text,
			    "pci 0000:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe");
	assert_int_equal(log->pe_lines[0].domain, 0);
	free_both(ctx, topo, log);
	free(buf);
	test_ctx_end_clean(ctx);
}

static void test_ac922_npu_and_sriov(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	const struct ioda_topo_phb *p;
	const struct ioda_topo_node *n;
	size_t len;
	char *buf = read_corpus("ac922-witherspoon-5.2-npu-sriov", &len);

	read_ok(ctx, "ac922", buf, len, &topo, &log);
	assert_int_equal(log->memory_src, IODA_MEM_PHYS_SIZE);
	assert_string_equal(log->cpu, "POWER9");
	/* The NVLink PHBs: 16 PEs, no M64, paired with domains 0006 and 0007. */
	assert_string_equal(log->phbs[10].type, "NPU_NVLINK");
	assert_int_equal(log->phbs[10].domain, 6);
	assert_int_equal(log->phbs[10].num_pes, 16);
	assert_int_equal(log->phbs[10].reserved_pe, 15);
	assert_int_equal(log->phbs[10].m32_size, 0x130000);
	assert_int_equal(log->phbs[10].m64_size, 0);
	assert_int_equal(log->phbs[11].domain, 7);
	p = find_phb(topo, 7);
	assert_int_equal(p->type, IODA_PHB_NPU_NVLINK);
	assert_int_equal(p->num_pes, 16);
	assert_res(&p->m32, 0x6230201600000, 0x120000, MEM32);
	assert_int_equal(p->m64.size, 0);
	assert_int_equal(count_nodes(p->devices), 6);
	n = find_node(topo, "0007:00:01.2");
	assert_int_equal(n->class, 0x068001);
	assert_int_equal(n->pcie_type, PCIE_TYPE_ENDPOINT);
	assert_res(&n->resource[2], 0x6230201710000, 0x10000, MEM64);

	/* mlx5: 8 VFs of 32M (VF(n) BAR0 space 256M / 8), placed by "BAR 7: assigned". */
	n = find_node(topo, "0003:01:00.1");
	assert_int_equal(n->sriov.total_vfs, 8);
	assert_int_equal(n->sriov.vf_device, 0x1019);
	assert_res(&n->sriov.vf_bar[0], 0x6020400000000, 0x2000000, PREF64);
	assert_res(&n->resource[0], 0x6020820000000, 0x20000000, PREF64);

	/* The PLX switch: upstream port and its DMA functions, downstream ports. */
	assert_int_equal(find_node(topo, "0004:01:00.0")->pcie_type, PCIE_TYPE_UPSTREAM);
	assert_true(find_node(topo, "0004:01:00.0")->multifunction);
	assert_int_equal(find_node(topo, "0004:01:00.3")->pcie_type, PCIE_TYPE_ENDPOINT);
	n = find_node(topo, "0004:02:0c.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(n->secondary, 6);
	assert_int_equal(n->subordinate, 0x0a);
	n = find_node(topo, "0004:04:00.0"); /* a GV100 */
	assert_res(&n->resource[1], 0x6024000000000, 0x400000000, PREF64);
	free_both(ctx, topo, log);
	free(buf);
	test_ctx_end_clean(ctx);
}

static void test_p8_suse_sriov_and_windows(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	const struct ioda_topo_phb *p;
	const struct ioda_topo_node *n;
	size_t len;
	char *buf = read_corpus("p8-suse-5.3.8-sriov", &len);

	read_ok(ctx, "suse", buf, len, &topo, &log);
	assert_int_equal(log->memory_src, IODA_MEM_PHYS_SIZE);
	p = find_phb(topo, 3);
	assert_int_equal(p->gen, IODA_PHB3);
	assert_int_equal(p->num_pes, 256);
	assert_int_equal(p->fw.m64_bar_first, 0);
	assert_int_equal(p->fw.m64_bar_count, 16);
	assert_res(&p->m64, 0x3b5000000000, 0x1000000000, PREF64);
	/* IPR: 32 VFs, 64K non-prefetchable VF BARs 0 and 2 (so no M64 for them). */
	n = find_node(topo, "0003:04:00.0");
	assert_int_equal(n->sriov.total_vfs, 32);
	assert_res(&n->sriov.vf_bar[0], 0x3fe280800000, 0x10000, MEM64);
	assert_res(&n->sriov.vf_bar[2], 0x3fe280a00000, 0x10000, MEM64);
	assert_int_equal(n->sriov.vf_bar[1].size, 0);
	/* 5.x numbers bridge windows 13..15: BAR 15 of a switch port is its pref window. */
	n = find_node(topo, "0003:02:11.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(n->secondary, 0x0b);
	assert_int_equal(n->subordinate, 0x0f);
	assert_res(&n->resource[PCI_BRIDGE_PREF_WINDOW], 0x3b5030000000, 0x10000000, PREF64);
	assert_res(&n->resource[PCI_BRIDGE_MEM_WINDOW], 0x3fe282000000, 0x800000, MEM32);
	free_both(ctx, topo, log);
	free(buf);
	test_ctx_end_clean(ctx);
}

static void test_qemu_pcie_pci_bridge(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	const struct ioda_topo_node *n;
	size_t len;
	char *buf = read_corpus("qemu-p9-pcie-pci-bridge", &len);

	read_ok(ctx, "bridge", buf, len, &topo, &log);
	assert_string_equal(log->cmdline, "console=hvc0 loglevel=8 ignore_loglevel panic=-1");
	n = find_node(topo, "0000:01:00.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_PCI_BRIDGE);
	assert_int_equal(n->secondary, 2);
	assert_int_equal(n->subordinate, 3);
	/* 6.x spellings: "BAR 0 [mem ...]: assigned", "bridge window [...]: assigned". */
	assert_res(&n->resource[0], 0x600c000800000, 0x100, MEM64);
	n = find_node(topo, "0000:02:03.0"); /* a PCI-PCI bridge behind it */
	assert_int_equal(n->pcie_type, PCIE_TYPE_NONE);
	assert_int_equal(n->secondary, 3);
	n = find_node(topo, "0000:03:01.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_NONE);
	assert_res(&n->resource[2], 0x600c000010000, 0x2000, MEM32);
	assert_res(&n->resource[0], 0, 0x100, PCI_RES_IO); /* "can't assign; no space" */
	n = find_node(topo, "0001:01:00.0");
	assert_res(&n->resource[4], 0x6004000000000, 0x4000,
		   PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH | PCI_RES_ASSIGNED);
	free_both(ctx, topo, log);
	free(buf);
	test_ctx_end_clean(ctx);
}

static void test_switches(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	const struct ioda_topo_node *n;
	size_t len;
	char *buf = read_corpus("qemu-p9-switch", &len);

	read_ok(ctx, "switch", buf, len, &topo, NULL);
	n = find_node(topo, "0000:02:02.0");
	assert_int_equal(n->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_res(&n->resource[PCI_BRIDGE_PREF_WINDOW], 0x6000040000000, 0x20000000, PREF64);
	/* virtio-rng: BAR4 in M64 segment 2 (topology.md), a multifunction slot. */
	n = find_node(topo, "0000:05:00.0");
	assert_true(n->multifunction);
	assert_res(&n->resource[4], 0x6000040000000, 0x4000, PREF64);
	assert_res(&n->resource[1], 0x600c000840000, 0x1000, MEM32);
	ioda_topo_free(ctx, topo);
	free(buf);

	buf = read_corpus("p8-ltc-ci3-5.19-next", &len);
	read_ok(ctx, "ltc", buf, len, &topo, NULL);
	assert_int_equal(find_phb(topo, 5)->gen, IODA_PHB3);
	assert_res(&find_phb(topo, 5)->m64, 0x250000000000, 0x10000000000, PREF64);
	n = find_node(topo, "0001:02:09.0"); /* an empty PEX8732 downstream port */
	assert_int_equal(n->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_int_equal(n->secondary, 9);
	assert_int_equal(n->subordinate, 0x0d);
	assert_null(n->children);
	assert_res(&n->resource[PCI_BRIDGE_PREF_WINDOW], 0x210200000000, 0x100000000, PREF64);
	n = find_node(topo, "0001:08:00.0"); /* IPR: ROM at 0 in the scan, then assigned */
	assert_res(&n->resource[PCI_ROM_RESOURCE], 0x3fe080800000, 0x20000,
		   PCI_RES_MEM | PCI_RES_PREFETCH | PCI_RES_ASSIGNED);
	assert_int_equal(count_nodes(find_phb(topo, 5)->devices), 12);
	ioda_topo_free(ctx, topo);
	free(buf);
	test_ctx_end_clean(ctx);
}

/*
 * The QEMU logs start with skiboot's "PCI Summary", which names each
 * function's PCIe type: the rules derive the same types from the kernel's
 * lines alone.
 */
static void test_port_types_match_firmware(void **state)
{
	static const struct {
		const char *tag;
		enum pcie_port_type type;
	} tags[] = {
		{ "[ROOT]", PCIE_TYPE_ROOT_PORT }, { "[SWUP]", PCIE_TYPE_UPSTREAM },
		{ "[SWDN]", PCIE_TYPE_DOWNSTREAM }, { "[EP  ]", PCIE_TYPE_ENDPOINT },
		{ "[ETOX]", PCIE_TYPE_PCI_BRIDGE }, { "[PCID]", PCIE_TYPE_NONE },
		{ "[PCIB]", PCIE_TYPE_NONE },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	unsigned int checked = 0;

	for (size_t i = 4; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		struct ioda_topo *topo;
		struct ioda_bootlog *log;
		size_t len;
		char *buf = read_corpus(corpus[i].name, &len);

		read_ok(ctx, corpus[i].name, buf, len, &topo, &log);
		for (const char *s = strstr(buf, "] PHB#"); s; s = strstr(s + 1, "] PHB#")) {
			char bdf[16];
			size_t t;

			snprintf(bdf, sizeof(bdf), "%.12s", s + 6);
			for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
				if (strncmp(s + 19, tags[t].tag, 6) == 0)
					break;
			if (t == sizeof(tags) / sizeof(tags[0]))
				fail_msg("%s: unknown tag in %.40s", corpus[i].name, s);
			if (find_node(topo, bdf)->pcie_type != tags[t].type)
				fail_msg("%s: %s is %d, firmware says %s", corpus[i].name, bdf,
					 find_node(topo, bdf)->pcie_type, tags[t].tag);
			checked++;
		}
		free_both(ctx, topo, log);
		free(buf);
	}
	assert_int_equal(checked, 6 + 12 + 14 + 10 + 14);
	test_ctx_end_clean(ctx);
}

/* ---- PE lines ---------------------------------------------------------------------- */

/* @buf without the lines replay_score.py's PE pattern matches, joined with \n as it does. */
static char *delete_pe_lines(const char *buf, size_t len, size_t *out_len, unsigned int *deleted)
{
	char *out = malloc(len + 2);
	const char *s = buf, *end = buf + len;
	size_t o = 0;

	assert_non_null(out);
	*deleted = 0;
	while (s < end) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		size_t n = e ? (size_t)(e - s) : (size_t)(end - s), m = n;
		const char *t;

		while (m && (s[m - 1] == '\r' || s[m - 1] == ' '))
			m--;
		t = ioda_bootlog_strip_stamp(s, &m);
		if (ioda_bootlog_find_pe(t, m)) {
			(*deleted)++;
		} else {
			memcpy(out + o, s, n);
			o += n;
			out[o++] = '\n';
		}
		s += n + 1;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static void test_pe_lines_are_not_input(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		struct ioda_topo *t1, *t2;
		struct ioda_bootlog *l1, *l2;
		unsigned int deleted;
		size_t len, len2;
		char *buf = read_corpus(corpus[i].name, &len);
		char *stripped = delete_pe_lines(buf, len, &len2, &deleted);
		char *d1, *d2;

		assert_int_equal(deleted, corpus[i].pe_lines);
		read_ok(ctx, corpus[i].name, buf, len, &t1, &l1);
		read_ok(ctx, corpus[i].name, stripped, len2, &t2, &l2);
		assert_int_equal(l2->npe_lines, 0);
		d1 = dump(t1, l1);
		d2 = dump(t2, l2);
		assert_string_equal(d1, d2);
		free(d1);
		free(d2);
		free_both(ctx, t1, l1);
		free_both(ctx, t2, l2);
		free(stripped);
		free(buf);
	}
	test_ctx_end_clean(ctx);
}

static void test_pe_pattern(void **state)
{
	static const struct {
		const char *line;
		int at; /* where the match starts; -1: no match */
	} cases[] = {
		{ "pci 0000:00     : [PE# 1fe] Secondary bus 0x0 associated with PE#1fe", 0 },
		{ "pci 0000:01: 0.3: [PE# 05] VF 0000:01:00.3 associated with PE#5", 0 },
		{ "pci_bus 0000:01: Configuring PE for bus", 0 },
		{ "pci_bus 0000:01: Configuring PE for bus now", -1 },
		{ "pci 0000:01:00.0: Configured PE#fd", 0 },
		{ "pci 0000:01:00.1: Added to existing PE#fd", 0 },
		{ "pci 0004:01:00.0: Adding to iommu group 2", 0 },
		{ "pci 0007:00:01.2: Associating to existing PE 4", 0 },
		{ "nvme 0000:01:00.0: Adding to iommu group 0", -1 },
		{ "pci 0000:01     : [PE# FD] upper case", -1 },
		{ "pci 0000:01     : [PE# fd]", -1 },
		{ "pci 0000:01: 0.3: Configured PE#5", -1 },
		{ "xx pci 0000:01:00.0: Configured PE#fd", 3 },
		{ "pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400", -1 },
		{ "", -1 },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].line;
		const char *m = ioda_bootlog_find_pe(s, strlen(s));

		if (cases[i].at < 0 ? m != NULL : m != s + cases[i].at)
			fail_msg("'%s': matched at %td", s, m ? m - s : -1);
	}
	test_ctx_end_clean(ctx); /* pure functions: nothing allocated */
}

static void test_stamps(void **state)
{
	static const struct {
		const char *line, *rest;
	} cases[] = {
		{ "[    0.123456] pci 0000:00", "pci 0000:00" },
		{ "[12345.000001]   MEM 0x0", "MEM 0x0" },
		{ "Feb 03 00:24:02 T1000 kernel: pci 0000:00", "pci 0000:00" },
		{ "Feb  3 00:24:02 T1000 kernel:   512 (511)", "  512 (511)" },
		{ "[  139.314078852,5] OPAL: Switch", "[  139.314078852,5] OPAL: Switch" },
		{ "Feb 03 00:24:02 T1000 systemd: x", "Feb 03 00:24:02 T1000 systemd: x" },
		{ "[ 1.5]", "" },
		{ "pci 0000:00", "pci 0000:00" },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].line);
		const char *s = ioda_bootlog_strip_stamp(cases[i].line, &len);

		assert_int_equal(len, strlen(cases[i].rest));
		assert_memory_equal(s, cases[i].rest, len);
	}
	test_ctx_end_clean(ctx);
}

/* ---- small logs -------------------------------------------------------------------- */

static const char small_log[] =
	"Linux version 5.9.0 (x@y) #1 SMP\n"
	"Initializing IODA2 PHB (/pciex@3fffe40000000)\n"
	"  256 (255) PE's M32: 0x80000000 [segment=0x800000]\n"
	"PCI host bridge to bus 0000:00\n"
	"pci_bus 0000:00: root bus resource [mem 0x3fe000000000-0x3fe07ffeffff] (bus address [0x80000000-0xfffeffff])\n"
	"pci_bus 0000:00: root bus resource [bus 00-ff]\n"
	"pci 0000:00:00.0: [1014:03dc] type 01 class 0x060400\n"
	"pci 0000:01:00.0: [8086:10d3] type 00 class 0x020000\n"
	"pci 0000:01:00.0: reg 0x10: [mem 0x3fe000000000-0x3fe00001ffff]\n"
	"pci 0000:00:00.0: PCI bridge to [bus 01]\n"
	"pci 0000:01     : [PE# fd] Secondary bus 0x0000000000000001 associated with PE#fd\n";

static char *dump_of(struct ioda_ctx *ctx, const char *text, size_t len)
{
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	char *d;

	read_ok(ctx, "small", text, len, &topo, &log);
	d = dump(topo, log);
	free_both(ctx, topo, log);
	return d;
}

/* Prefixes each line of small_log with @prefix and ends lines with @eol. */
static char *restyle(const char *prefix, const char *eol, bool last_eol)
{
	size_t cap = 4 * sizeof(small_log), o = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (const char *s = small_log; *s;) {
		const char *e = strchr(s, '\n');

		o += (size_t)snprintf(out + o, cap - o, "%s%.*s%s", prefix, (int)(e - s), s,
				      e[1] || last_eol ? eol : "");
		s = e + 1;
	}
	return out;
}

static void test_prefixes_and_line_ends(void **state)
{
	static const struct {
		const char *prefix, *eol;
		bool last_eol;
	} styles[] = {
		{ "[    0.123456] ", "\n", true },
		{ "Feb 03 00:24:02 host kernel: ", "\n", true },
		{ "", "\r\n", true },
		{ "[    1.000000] ", "\r\n", false },
		{ "", "\n", false },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	char *want = dump_of(ctx, small_log, strlen(small_log));

	for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
		char *text = restyle(styles[i].prefix, styles[i].eol, styles[i].last_eol);
		char *got = dump_of(ctx, text, strlen(text));

		assert_string_equal(got, want);
		free(got);
		free(text);
	}
	free(want);
	test_ctx_end_clean(ctx);
}

/* A console log's experiments after "=====BEGIN" are not part of the boot. */
static void test_boot_part_ends_at_marker(void **state)
{
	static const char tail[] = "=====BEGIN hotplug=====\n"
				   "pci 0000:01:00.0: [8086:10d3] type 00 class 0x020000\n"
				   "pci 0000:01:00.0: Adding to iommu group 1\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	char text[sizeof(small_log) + sizeof(tail)];
	char *want = dump_of(ctx, small_log, strlen(small_log)), *got;

	snprintf(text, sizeof(text), "%s%s", small_log, tail);
	got = dump_of(ctx, text, strlen(text));
	assert_string_equal(got, want);
	free(got);
	free(want);
	test_ctx_end_clean(ctx);
}

static void test_small_log(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	const struct ioda_topo_node *n;

	read_ok(ctx, "small", small_log, strlen(small_log), &topo, &log);
	assert_string_equal(topo->file, "small");
	assert_int_equal(topo->phbs->gen, IODA_PHB3); /* no CPU line, 256 PEs */
	assert_int_equal(topo->phbs->pos.line, 4);
	n = find_node(topo, "0000:01:00.0");
	assert_int_equal(n->pos.line, 8);
	assert_int_equal(n->pos.col, 1);
	assert_res(&n->resource[0], 0x3fe000000000, 0x20000, MEM32);
	assert_int_equal(log->npe_lines, 1);
	assert_int_equal(log->pe_lines[0].line, 11);
	assert_int_equal(log->pe_lines[0].domain, 0);
	assert_int_equal(log->memory_bytes, 0);
	assert_int_equal(log->page_size, 0);
	assert_int_equal(log->cpu_gen, IODA_CPU_UNKNOWN);
	assert_null(log->cmdline);
	free_both(ctx, topo, log);
	test_ctx_end_clean(ctx);
}

/*
 * The resource line form (6.8's, or Debian 6.1's backport of it, or the old
 * one) is told by any resource line: a scan's, else an assignment's, so a
 * machine of bridges alone (nothing to scan) still tells it.
 */
static void test_resource_form_from_any_line(void **state)
{
	static const struct {
		const char *line;
		unsigned int style;
	} cases[] = {
		{ "pci 0000:00:00.0: bridge window [mem 0x3fe000000000-0x3fe0007fffff]: assigned\n",
		  IODA_RES_NEW_NAMES },
		{ "pci 0000:00:00.0: BAR 14: assigned [mem 0x3fe000000000-0x3fe0007fffff]\n",
		  IODA_RES_OLD_NAMES },
		{ "pci 0000:00:00.0: BAR 0 [mem size 0x00001000]: can't assign; no space\n",
		  IODA_RES_NEW_NAMES },
		{ "pci 0000:00:00.0:   bridge window [mem 0x3fe000000000-0x3fe0007fffff]\n", 0 },
	};
	static const char head[] = "Initializing IODA2 PHB (/pciex@3fffe40000000)\n"
				   "PCI host bridge to bus 0000:00\n"
				   "pci 0000:00:00.0: [1014:03dc] type 01 class 0x060400\n"
				   "pci 0000:00:00.0: PCI bridge to [bus 01]\n";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (unsigned int flags = 0; flags <= IODA_BOOTLOG_SIZES_ONLY;
		     flags += IODA_BOOTLOG_SIZES_ONLY) {
			struct test_reports r;
			struct ioda_ctx *ctx = test_ctx_new(&r);
			struct ioda_topo *topo;
			struct ioda_bootlog *log;
			struct ioda_error err;
			char text[512];

			snprintf(text, sizeof(text), "%s%s", head, cases[i].line);
			assert_int_equal(ioda_bootlog_read_opts(ctx, "t", text, strlen(text), flags,
								&topo, &log, &err), 0);
			if (log->res_style != cases[i].style)
				fail_msg("%s: style %u, want %u", cases[i].line, log->res_style,
					 cases[i].style);
			free_both(ctx, topo, log);
			test_ctx_end_clean(ctx);
		}
	}
}

/* Byte-exact RAM lines beat the KiB one, which beats crashkernel's MiB, in any order. */
static void test_memory_and_page_size(void **state)
{
	static const struct {
		const char *lines;
		uint64_t bytes;
		enum ioda_bootlog_mem_src src;
		unsigned int page_size;
	} cases[] = {
		{ "Reserving 512MB of memory at 128MB for crashkernel (System RAM: 65536MB)\n",
		  64ull << 30, IODA_MEM_CRASHKERNEL, 0 },
		{ "Memory: 0K/4194304K available (14144K kernel code, 0K cma-reserved)\n"
		  "Reserving 512MB of memory at 128MB for crashkernel (System RAM: 65536MB)\n",
		  4ull << 30, IODA_MEM_MEMORY_LINE, 0 },
		{ "Memory: 0K/4194304K available (14144K kernel code)\n"
		  "Top of RAM: 0x200800000000, Total RAM: 0x100000000\n",
		  4ull << 30, IODA_MEM_TOTAL_RAM, 0 },
		{ "Top of RAM: 0x200800000000, Total RAM: 0x100000000\n"
		  "phys_mem_size     = 0x100010000\n"
		  "Memory: 0K/4194304K available (14144K kernel code)\n",
		  0x100010000ull, IODA_MEM_PHYS_SIZE, 0 },
		/* PAGE_SIZE: B >> order of the Dentry line; the Dquot line only without it. */
		{ "Dentry cache hash table entries: 8388608 (order: 14, 67108864 bytes, vmalloc)\n",
		  0, IODA_MEM_UNKNOWN, 4096 },
		{ "VFS: Dquot-cache hash table entries: 8192 (order 0, 65536 bytes)\n"
		  "Dentry cache hash table entries: 524288 (order: 6, 4194304 bytes, linear)\n",
		  0, IODA_MEM_UNKNOWN, 65536 },
		{ "VFS: Dquot-cache hash table entries: 512 (order 0, 4096 bytes)\n",
		  0, IODA_MEM_UNKNOWN, 4096 },
		{ "futex hash table entries: 256 (order: 0, 32768 bytes, linear)\n",
		  0, IODA_MEM_UNKNOWN, 0 },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ioda_bootlog *log;
		char text[1024];

		snprintf(text, sizeof(text), "%sPCI host bridge to bus 0000:00\n", cases[i].lines);
		read_ok(ctx, "m.log", text, strlen(text), NULL, &log);
		assert_int_equal(log->memory_bytes, cases[i].bytes);
		assert_int_equal(log->memory_src, cases[i].src);
		assert_int_equal(log->page_size, cases[i].page_size);
		ioda_bootlog_free(ctx, log);
	}
	test_ctx_end_clean(ctx);
}

/* Which line names the CPU, and what the PHB generation falls back to. */
static void test_cpu_and_generation(void **state)
{
	static const struct {
		const char *lines;
		const char *cpu, *model;
		int gen;
		enum ioda_phb_gen phb_gen;
	} cases[] = {
		{ "dt-cpu-ftrs: setup for ISA 3100\n", "POWER10", "", IODA_PHB5, IODA_PHB5 },
		{ "dt-cpu-ftrs: setup for ISA 3000\n"
		  "POWER8 performance monitor hardware support registered\n",
		  "POWER8", "", IODA_PHB3, IODA_PHB3 },
		{ "POWER8 performance monitor hardware support registered\n"
		  "Hardware name: IBM POWER9 Box POWER9 (raw) 0x4e1202 opal:v7 PowerNV\n",
		  "POWER9", "IBM POWER9 Box", IODA_PHB4, IODA_PHB4 },
		{ "Hardware name: 8335-GTH POWER8E (raw) 0x4b0201 opal:v6 PowerNV\n", "POWER8",
		  "8335-GTH", IODA_PHB3, IODA_PHB3 },
		/* No CPU line: skiboot's PHB4 keeps M64 BAR 0 for M32. */
		{ "Initializing IODA2 PHB (/pciex@600c3c0000000)\n"
		  " MEM 0x0006000000000000..0x0006003fffffffff -> 0x0006000000000000 (M64 #1..15)\n",
		  "", "", IODA_CPU_UNKNOWN, IODA_PHB4 },
		{ "Initializing IODA2 PHB (/pciex@3fffe40000000)\n"
		  " MEM 0x0000200000000000..0x000020ffffffffff -> 0x0000200000000000 (M64 #0..15)\n",
		  "", "", IODA_CPU_UNKNOWN, IODA_PHB3 },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ioda_topo *topo;
		struct ioda_bootlog *log;
		char text[1024];

		snprintf(text, sizeof(text), "%sPCI host bridge to bus 0000:00\n", cases[i].lines);
		read_ok(ctx, "c.log", text, strlen(text), &topo, &log);
		assert_string_equal(log->cpu, cases[i].cpu);
		assert_string_equal(log->model, cases[i].model);
		assert_int_equal(log->cpu_gen, cases[i].gen);
		assert_int_equal(topo->phbs->gen, cases[i].phb_gen);
		free_both(ctx, topo, log);
	}
	test_ctx_end_clean(ctx);
}

/*
 * Headers go to the host bridge with their M32 window, whatever the order;
 * one without a ranges line takes the next host bridge left.
 */
static void test_header_pairing(void **state)
{
	static const char text[] =
		"Initializing IODA2 PHB (/pciex@a)\n"
		" MEM 0x000600c080000000..0x000600c0fffeffff -> 0x0000000080000000\n"
		"  256 (255) PE's M32: 0x80000000 [segment=0x800000]\n"
		"Initializing NPU_NVLINK PHB (/pciex@b)\n"
		"  016 (015) PE's M32: 0x130000 [segment=0x13000]\n"
		"Initializing IODA2 PHB (/pciex@c)\n"
		" MEM 0x000600c000000000..0x000600c07ffeffff -> 0x0000000080000000\n"
		"  512 (511) PE's M32: 0x80000000 [segment=0x400000]\n"
		"PCI host bridge to bus 0000:00\n"
		"pci_bus 0000:00: root bus resource [mem 0x600c000000000-0x600c07ffeffff] (bus address [0x80000000-0xfffeffff])\n"
		"PCI host bridge to bus 0001:00\n"
		"pci_bus 0001:00: root bus resource [mem 0x600c080000000-0x600c0fffeffff] (bus address [0x80000000-0xfffeffff])\n"
		"PCI host bridge to bus 0006:00\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;

	read_ok(ctx, "h.log", text, sizeof(text) - 1, &topo, &log);
	assert_int_equal(log->phbs[0].domain, 1);
	assert_int_equal(log->phbs[1].domain, 6);
	assert_int_equal(log->phbs[2].domain, 0);
	assert_int_equal(find_phb(topo, 0)->num_pes, 512);
	assert_int_equal(find_phb(topo, 1)->num_pes, 256);
	assert_int_equal(find_phb(topo, 6)->type, IODA_PHB_NPU_NVLINK);
	assert_int_equal(find_phb(topo, 6)->num_pes, 16);
	free_both(ctx, topo, log);
	test_ctx_end_clean(ctx);
}

static void test_malformed(void **state)
{
	static const char garbage[] = "\x7f" "ELF\x02\x01\x01\x00\x00\x00\xff\xfe\n\x00\x01 pci";
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		const char *msg;
	} cases[] = {
		{ "", 0, "e.log: no PCI host bridge found (is this a kernel boot log?)" },
		{ garbage, sizeof(garbage) - 1,
		  "e.log: no PCI host bridge found (is this a kernel boot log?)" },
		{ "[    0.012669751,5] OPAL v7.0 starting...\n"
		  "[    6.240703308,5] PHB#0000:00:00.0 [ROOT] 1014 04c1 R:00 C:060400 B:01..05\n",
		  0, "e.log: no PCI host bridge found (is this a kernel boot log?)" },
		{ "Linux version 6.1.0\npci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n", 0,
		  "e.log:2: device 0000:00:00.0 is in domain 0000, which no PCI host bridge line introduced" },
		{ "PCI host bridge to bus 0000:00\nPCI host bridge to bus 0001:00\n"
		  "PCI host bridge to bus 0000:00\n",
		  0, "e.log:3: duplicate PCI host bridge for domain 0000 (first at line 1)" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n"
		  "pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n",
		  0, "e.log:3: duplicate device 0000:00:00.0 (first at line 2)" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n"
		  "pci 0000:00:00.0: PCI bridge to [bus 01]\n"
		  "pci 0000:02:00.0: [8086:10d3] type 00 class 0x020000\n",
		  0, "e.log:4: device 0000:02:00.0 is on bus 02, which no \"PCI bridge to\" line leads to" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:01:00.0: reg 0x10: [mem 0x3fe000000000-0x3fe00001ffff]\n",
		  0, "e.log:2: resource line for 0000:01:00.0, which the log has not enumerated" },
		/* A line cut short is no device line: its BAR line then has no device. */
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:01.0: [8086:10d3] type 0\n"
		  "pci 0000:00:01.0: BAR 0: assigned [mem 0x3fe000000000-0x3fe00001ffff]\n",
		  0, "e.log:3: resource line for 0000:00:01.0, which the log has not enumerated" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:01.0: [8086:10d3] type 00 class 0x020000\n"
		  "pci 0000:00:01.0: PCI bridge to [bus 01]\n",
		  0, "e.log:3: PCI bridge line for 0000:00:01.0, which is not a bridge (type 00 at line 2)" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:05.0: PCI bridge to [bus 01]\n",
		  0, "e.log:2: PCI bridge line for 0000:00:05.0, which the log has not enumerated" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n"
		  "pci 0000:00:00.0: PCI bridge to [bus 00-01]\n",
		  0, "e.log:3: bridge 0000:00:00.0 on bus 00 cannot lead to [bus 00-01]" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n"
		  "pci 0000:00:01.0: [1014:04c1] type 01 class 0x060400\n"
		  "pci 0000:00:00.0: PCI bridge to [bus 01]\n"
		  "pci 0000:00:01.0: PCI bridge to [bus 01]\n",
		  0, "e.log:3: bridges 0000:00:01.0 and 0000:00:00.0 (line 2) both lead to bus 01" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:01.0: [104c:ac55] type 02 class 0x060700\n",
		  0, "e.log:2: device 0000:00:01.0 has header type 02, which is not modelled" },
		{ "Initializing IODA1 PHB (/pci@3c0000)\n"
		  "PCI host bridge to bus 0000:00\n",
		  0, "e.log:1: IODA1 PHB /pci@3c0000 is not modelled (only IODA2, NPU_NVLINK, NPU_OCAPI)" },
		{ "PCI host bridge to bus 0000:00\n"
		  "pci 0000:00:00.0: VF(n) BAR0 space: [mem 0x0-0xffff] (contains BAR0 for 1 VFs)\n",
		  0, "e.log:2: VF BAR line for 0000:00:00.0, which the log has not enumerated" },
	};
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ioda_error err = { "" };
		struct ioda_topo *topo = (struct ioda_topo *)&err;
		struct ioda_bootlog *log = (struct ioda_bootlog *)&err;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int rc = ioda_bootlog_read(ctx, "e.log", cases[i].text, len, &topo, &log, &err);

		if (rc != -EINVAL || strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("case %zu: rc %d, got\n  %s\nwant\n  %s", i, rc, err.msg,
				 cases[i].msg);
		assert_null(topo);
		assert_null(log);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	}
	test_ctx_end_clean(ctx);
}

/* Lines a loader must shrug off: unknown, cut short, or about other things. */
static void test_tolerated(void **state)
{
	static const char text[] =
		"garbage \x01\x02\n"
		"PCI host bridge to bus 0000:00\n"
		"pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400\n"
		"pci 0000:00:00.0: PME# supported from D0 D3hot D3cold\n"
		"pci 0000:00:00.0: BAR 0 [mem size 0x00000100 64bit]: requesting alignment to 0x10000\n"
		"pci 0000:00:00.0: bridge window [io  0x1000-0x0fff] to [bus 01] add_size 1000\n"
		"pci 0000:00:00.0: BAR 42: assigned [mem 0x1000-0x1fff]\n"
		"pci 0000:00:00.0: reg 0x1a4: [mem 0x00000000-0x01ffffff 64bit pref]\n"
		"pci 0000:00:00.0: PCI bridge to [bus 01-ff]\n"
		"pci 0000:0g:00.0: [1014:04c1] type 01 class 0x060400\n"
		"pci 0000:00:00.0: BAR 0: assigned [mem 0x20000-0x1ffff]\n"
		"pci_bus 0009:00: root bus resource [bus 00-ff]\n"
		"  MEM 0x0..0xfff -> 0x0\n"
		"Using M64 #15 as default window\n"
		"pci 0000:00:00.0: [1014:04c1] type 01 cl";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	const struct ioda_topo_node *n;

	read_ok(ctx, "t.log", text, sizeof(text) - 1, &topo, &log);
	n = topo->phbs->devices;
	assert_non_null(n);
	assert_null(n->next);
	for (int i = 0; i < PCI_NUM_RESOURCES; i++)
		assert_int_equal(n->resource[i].flags, 0);
	assert_int_equal(n->subordinate, 0xff);
	assert_int_equal(log->nphbs, 0);
	assert_false(topo->phbs->fw.valid);
	free_both(ctx, topo, log);
	test_ctx_end_clean(ctx);
}

/* The 6.8+ device line names the port type, which then wins over the rules. */
static void test_type_suffix(void **state)
{
	static const char text[] =
		"PCI host bridge to bus 0000:00\n"
		"pci 0000:00:00.0: [1014:04c1] type 01 class 0x060400 PCIe Root Port\n"
		"pci 0000:00:00.0: PCI bridge to [bus 01-02]\n"
		"pci 0000:01:00.0: [1b36:000e] type 01 class 0x060400 PCIe to PCI/PCI-X bridge\n"
		"pci 0000:01:00.0: PCI bridge to [bus 02]\n"
		"pci 0000:02:01.0: [8086:100e] type 00 class 0x020000 conventional PCI endpoint\n"
		"pci 0000:00:01.0: [1014:04c1] type 00 class 0x088000 PCIe Root Complex Integrated Endpoint\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_topo *topo;

	read_ok(ctx, "t.log", text, sizeof(text) - 1, &topo, NULL);
	assert_int_equal(find_node(topo, "0000:01:00.0")->pcie_type, PCIE_TYPE_PCI_BRIDGE);
	assert_int_equal(find_node(topo, "0000:02:01.0")->pcie_type, PCIE_TYPE_NONE);
	assert_int_equal(find_node(topo, "0000:00:01.0")->pcie_type, PCIE_TYPE_RC_END);
	ioda_topo_free(ctx, topo);
	test_ctx_end_clean(ctx);
}

/* The loader registered for IODA_INPUT_LOG builds a machine from every corpus log. */
static void test_loader_builds_machines(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);

	assert_ptr_equal(ioda_loader_for(IODA_INPUT_LOG)->parse, ioda_bootlog_parse);
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		struct ioda_error err = { "" };
		struct ioda_machine *m;
		size_t len;
		char *buf = read_corpus(corpus[i].name, &len);
		int rc = ioda_load_machine_buf(ctx, corpus[i].name, buf, len, IODA_INPUT_AUTO, &m,
					       &err);

		if (rc)
			fail_msg("%s: %s", corpus[i].name, err.msg);
		assert_int_equal(m->memory_bytes, corpus[i].memory);
		assert_int_equal(ioda_machine_free(m), 0);
		free(buf);
	}
	test_ctx_end_clean(ctx);
}

static void test_alloc_failures(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	size_t len;
	char *buf = read_corpus("talos2-t1000-6.2", &len);
	unsigned long n;

	for (n = 1;; n++) {
		struct ioda_error err = { "" };
		struct ioda_topo *topo;
		struct ioda_bootlog *log;
		int rc;

		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, n);
		rc = ioda_bootlog_read(ctx, "talos", buf, len, &topo, &log, &err);
		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, 0);
		if (rc == 0) {
			free_both(ctx, topo, log);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(err.msg, "talos: out of memory");
		assert_null(topo);
		assert_null(log);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	}
	assert_true(n > 30); /* topo, PHBs, devices, arrays, strings all failed once */
	free(buf);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_facts),
		cmocka_unit_test(test_talos_details),
		cmocka_unit_test(test_ac922_npu_and_sriov),
		cmocka_unit_test(test_p8_suse_sriov_and_windows),
		cmocka_unit_test(test_qemu_pcie_pci_bridge),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_port_types_match_firmware),
		cmocka_unit_test(test_pe_lines_are_not_input),
		cmocka_unit_test(test_pe_pattern),
		cmocka_unit_test(test_stamps),
		cmocka_unit_test(test_small_log),
		cmocka_unit_test(test_resource_form_from_any_line),
		cmocka_unit_test(test_prefixes_and_line_ends),
		cmocka_unit_test(test_boot_part_ends_at_marker),
		cmocka_unit_test(test_memory_and_page_size),
		cmocka_unit_test(test_cpu_and_generation),
		cmocka_unit_test(test_header_pairing),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tolerated),
		cmocka_unit_test(test_type_suffix),
		cmocka_unit_test(test_loader_builds_machines),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
