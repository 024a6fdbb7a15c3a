/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot scale: a generated machine of PHB4s with every PE in use.  Each PHB
 * (512 PEs) has a root port, a switch whose 252 downstream ports each hold
 * one device, two of them SR-IOV PFs with 128 VFs each: 254 bus PEs (the
 * switch's two buses, the ports' 252), the root PE, the reserved PE and 256
 * VF PEs.  Sixteen of them make the 1x machine (4096 VF PEs); 2x and 4x
 * have 32 and 64 PHBs.  Booting is building the PCI tree from its
 * description, the kernel's boot and the VFs' enabling; parsing the text is
 * the loader's and not counted.
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <ioda/load.h>
#include <ioda/eeh.h>

#include "bench.h"

#define PHBS_1X 16u
#define PORTS 252u /* 512 PEs: + root, reserved, the switch's two buses, 256 VFs */
#define PFS 2u
#define VFS_PER_PF 128u

static void gen_phb(FILE *f, unsigned int i)
{
	fprintf(f,
		"phb %04x gen=phb4 chip=%u index=%u pes=512 m32=0x%llx+0x7fff0000 "
		"m64=0x%llx+0x4000000000 {\n"
		"\tbridge 00.0 1014:04c1 type=root-port {\n"
		"\t\tbridge 00.0 10b5:8725 type=upstream {\n",
		i, i / 6, i % 6, 0x600c000000000ull + i * 0x80000000ull,
		0x4000000000000ull + i * 0x4000000000ull);
	for (unsigned int p = 0; p < PORTS; p++) {
		fprintf(f, "\t\t\tbridge %02x.%u 10b5:8725 type=downstream {\n", p / 8, p % 8);
		if (p < PFS)
			fprintf(f, "\t\t\t\tdevice 00.0 15b3:1017 class=0x020000 {\n"
				   "\t\t\t\t\tbar 0 1M mem64\n"
				   "\t\t\t\t\tsriov vfs=%u vf-device=1018\n"
				   "\t\t\t\t\tvf-bar 0 1M mem64 pref\n",
				VFS_PER_PF);
		else
			fprintf(f, "\t\t\t\tdevice 00.0 144d:a822 class=0x010802 {\n"
				   "\t\t\t\t\tbar 0 16K mem64\n");
		fprintf(f, "\t\t\t\t}\n\t\t\t}\n");
	}
	fprintf(f, "\t\t}\n\t}\n}\n");
}

/* The description of a machine of @phbs PHBs, parsed. */
static struct ioda_topo *gen_machine(struct ioda_ctx *ctx, unsigned int phbs)
{
	struct ioda_topo *topo;
	struct ioda_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		bench_die("boot", "out of memory");
	fprintf(f, "machine memory=256G model=\"generated: %u PHB4s\"\n", phbs);
	for (unsigned int i = 0; i < phbs; i++)
		gen_phb(f, i);
	fclose(f);
	if (ioda_topo_parse(ctx, "generated.topo", text, len, &topo, &err))
		bench_die("boot", err.msg);
	free(text);
	return topo;
}

struct booted {
	struct ioda_machine *m;
	struct ioda_kernel *k;
	size_t tree_bytes; /* the PCI tree alone, before the kernel */
};

static void enable_vfs(struct ioda_kernel *k)
{
	struct pci_dev *pf = NULL;

	/* The iterator puts the device it starts from. */
	while ((pf = pci_get_device(k->m, 0x15b3, 0x1017, pf, "bench")))
		if (ioda_sriov_enable(k, pf, VFS_PER_PF))
			bench_die("boot", "cannot enable the VFs");
}

static void boot(struct ioda_ctx *ctx, const struct ioda_topo *topo, struct booted *bt)
{
	struct ioda_boot_opts opts = { .kernel = "6.1" };
	size_t base = ioda_mem_live_bytes(ctx);
	struct ioda_error err;

	bt->m = ioda_machine_new(ctx);
	if (!bt->m || ioda_machine_populate(bt->m, topo, &err))
		bench_die("boot", bt->m ? err.msg : "out of memory");
	bt->tree_bytes = ioda_mem_live_bytes(ctx) - base;
	if (ioda_kernel_boot(bt->m, &opts, NULL, NULL, &bt->k, &err))
		bench_die("boot", err.msg);
	enable_vfs(bt->k);
}

static void boot_free(struct booted *bt)
{
	ioda_kernel_free(bt->k);
	ioda_machine_free(bt->m);
}

struct boot_arg {
	struct ioda_ctx *ctx;
	const struct ioda_topo *topo;
};

static double run_boot(void *arg, long n)
{
	struct boot_arg *a = arg;
	double t = 0;

	for (long i = 0; i < n; i++) {
		struct booted bt;
		double t0 = bench_now_ns();

		boot(a->ctx, a->topo, &bt);
		t += bench_now_ns() - t0;
		boot_free(&bt);
	}
	return t;
}

static int count_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	(*(unsigned long *)arg)++;
	return 0;
}

/* PEs in use and VF PEs over every PHB. */
static void count_pes(const struct ioda_kernel *k, unsigned long *used, unsigned long *vf,
		      unsigned long *total)
{
	*used = *vf = *total = 0;
	for (unsigned int i = 0; i < k->nphbs; i++) {
		const struct ioda_phb *phb = k->phbs[i];

		*total += phb->total_pe_num;
		for (unsigned int pe = 0; pe < phb->total_pe_num; pe++) {
			if (!ioda_pe_allocated(phb, pe))
				continue;
			(*used)++;
			*vf += !!(phb->pe_array[pe].flags & IODA_PE_VF);
		}
	}
}

/* Median ms to boot a machine of @phbs PHBs. */
static double boot_ms(struct ioda_ctx *ctx, unsigned int phbs, int rounds)
{
	struct ioda_topo *topo = gen_machine(ctx, phbs);
	struct boot_arg a = { ctx, topo };
	double ns = bench_median_ns(run_boot, &a, 1, rounds);

	ioda_topo_free(ctx, topo);
	return ns / 1e6;
}

void bench_boot(struct bench *b)
{
	/* Quick: the same shape on 1, 2 and 4 PHBs. */
	unsigned int phbs = b->phbs ? b->phbs : b->quick ? 1 : PHBS_1X;
	int rounds = b->quick ? 1 : 7;
	struct ioda_ctx *ctx = ioda_ctx_new();
	unsigned long used, vf, total, devs = 0, tree_devs;
	struct ioda_topo *topo;
	struct booted bt;
	struct rusage ru;
	double cold, t1, t2, t4;
	char name[40], note[64];
	size_t bytes;

	if (!ctx)
		bench_die("boot", "out of memory");
	/* One boot to count and weigh, the first in a fresh heap. */
	topo = gen_machine(ctx, phbs);
	bytes = ioda_mem_live_bytes(ctx);
	cold = bench_now_ns();
	boot(ctx, topo, &bt);
	cold = bench_now_ns() - cold;
	pci_walk_machine(bt.m, count_dev, &devs);
	count_pes(bt.k, &used, &vf, &total);
	if (used != total || vf != phbs * PFS * VFS_PER_PF)
		fprintf(stderr, "ioda-bench: boot: %lu of %lu PEs in use, %lu VF PEs\n", used,
			total, vf);
	bytes = ioda_mem_live_bytes(ctx) - bytes - bt.tree_bytes; /* what the boot added */
	tree_devs = devs - vf;
	getrusage(RUSAGE_SELF, &ru);
	boot_free(&bt);
	ioda_topo_free(ctx, topo);

	t1 = boot_ms(ctx, phbs, rounds);
	snprintf(name, sizeof(name), "boot.%uphb", phbs);
	snprintf(note, sizeof(note), "%lu/%lu PEs in use, %lu VF PEs, %lu devices", used, total,
		 vf, devs);
	bench_add(b, name, t1, "ms", BENCH_AT_MOST, 20, -1, note);
	snprintf(name, sizeof(name), "boot.%uphb_cold", phbs);
	bench_add(b, name, cold / 1e6, "ms", BENCH_INFO, 0, cold / 1e6 / t1,
		  "the first boot: a fresh heap, page faults and all");
	t2 = boot_ms(ctx, 2 * phbs, rounds);
	t4 = boot_ms(ctx, 4 * phbs, rounds);
	snprintf(note, sizeof(note), "%u PHBs: %.1f ms vs %.1f ms", 2 * phbs, t2, t1);
	bench_add(b, "boot.scale_2x", t2 / t1, "x", BENCH_AT_MOST, 2 * 1.1, t2 / t1, note);
	snprintf(note, sizeof(note), "%u PHBs: %.1f ms vs %.1f ms", 4 * phbs, t4, t1);
	bench_add(b, "boot.scale_4x", t4 / t1, "x", BENCH_AT_MOST, 4 * 1.1, t4 / t1, note);
	bench_add(b, "boot.bytes_per_device", (double)bt.tree_bytes / (double)tree_devs, "B",
		  BENCH_INFO, 0, -1, "the PCI tree before boot");
	bench_add(b, "boot.bytes_per_pe", (double)bytes / (double)used, "B",
		  BENCH_INFO, 0, -1, "kernel, OPAL, PHB tables, TCEs, VF devices");
	bench_add(b, "boot.peak_rss", (double)ru.ru_maxrss / 1024, "MiB", BENCH_INFO, 0, -1,
		  "after the first boot");
	ioda_ctx_free(ctx);
}
