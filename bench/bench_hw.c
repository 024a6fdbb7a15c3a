/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hardware paths: RID -> PE lookups through the RTT against a plain array
 * load of the same pattern, and a DMA translate (RID -> PE -> TVE -> a
 * 2-level TCE table) on the example machine, against the same baseline:
 * over 64 pages, which the PHB's TCE cache keeps (hits), and over more
 * pages than it holds, in turn (every translation a miss and a walk).
 */
#include <stdio.h>
#include <stdlib.h>

#include <ioda/load.h>
#include <ioda/hw.h>
#include <ioda/ioda.h>

#include "bench.h"

/* An odd step visits every RID once per 64K, scattered over the table. */
#define RID_STEP 0x9e37u

struct rtt_arg {
	const struct ioda_phb_hw *phb;
	const uint16_t *plain;
};

static double run_plain(void *arg, long n)
{
	const struct rtt_arg *a = arg;
	double t0 = bench_now_ns();
	uint16_t rid = 0;

	for (long i = 0; i < n; i++, rid += RID_STEP)
		bench_keep(a->plain[rid]);
	return bench_now_ns() - t0;
}

static double run_rtt(void *arg, long n)
{
	const struct rtt_arg *a = arg;
	double t0 = bench_now_ns();
	uint16_t rid = 0;

	for (long i = 0; i < n; i++, rid += RID_STEP)
		bench_keep(ioda_hw_rtt_lookup(a->phb, rid));
	return bench_now_ns() - t0;
}

/* Pages the misses cycle over: 8x the largest TCE cache. */
#define MISS_PAGES 8192u

struct dma_arg {
	struct ioda_phb_hw *phb;
	uint16_t rid;
	unsigned int pages; /* 64 (hits) or MISS_PAGES */
	uint64_t addr[MISS_PAGES];
};

static double run_dma(void *arg, long n)
{
	struct dma_arg *a = arg;
	struct ioda_dma_result res;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		if (ioda_hw_dma(a->phb, a->rid, a->addr[i % a->pages], false, &res))
			bench_die("hw", "a mapped DMA failed to translate");
		bench_keep(res.sys_addr);
	}
	return bench_now_ns() - t0;
}

/* The example machine booted, and MISS_PAGES pages mapped for its first NVMe drive. */
static void dma_setup(struct ioda_ctx *ctx, struct ioda_machine **m, struct ioda_kernel **k,
		      struct dma_arg *a)
{
	struct ioda_error err;
	struct pci_dev *nvme;
	struct ioda_pe *pe;

	if (ioda_load_example(ctx, m, &err) || ioda_kernel_boot(*m, NULL, NULL, NULL, k, &err))
		bench_die("hw", err.msg);
	nvme = pci_get_device(*m, 0x144d, 0xa822, NULL, "bench");
	if (!nvme || !(pe = ioda_dev_peek_pe(*k, nvme)))
		bench_die("hw", "the example machine has no NVMe drive with a PE");
	a->phb = ioda_opal_phb((*k)->opal, pe->phb->opal_id);
	a->rid = pci_dev_rid(nvme);
	for (unsigned int i = 0; i < MISS_PAGES; i++)
		if (ioda_dma_map(*k, nvme, 0x40000000ull + i * 0x10000ull,
				 IODA_DMA_BIDIRECTIONAL, &a->addr[i]))
			bench_die("hw", "cannot map a DMA page");
	if (pe->tbl->levels != 2)
		bench_die("hw", "the default window is not a 2-level TCE table");
	pci_dev_put(nvme, "bench");
}

void bench_hw(struct bench *b)
{
	long n = b->quick ? 1000 : 50000000;
	int rounds = b->quick ? 3 : 7;
	struct ioda_ctx *ctx = ioda_ctx_new();
	uint16_t *plain = calloc(IODA_RTT_ENTRIES, sizeof(*plain));
	struct dma_arg *dma = calloc(1, sizeof(*dma));
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct rtt_arg rtt;
	double load, lookup, load2, translate, load3, miss;
	char note[64];

	if (!ctx || !plain || !dma)
		bench_die("hw", "out of memory");
	dma_setup(ctx, &m, &k, dma);
	/* The booted PHB's RTT; the plain array holds the same numbers. */
	rtt.phb = dma->phb;
	rtt.plain = plain;
	for (unsigned int rid = 0; rid < IODA_RTT_ENTRIES; rid++)
		plain[rid] = (uint16_t)ioda_hw_rtt_lookup(dma->phb, (uint16_t)rid);
	bench_compare_ns(run_plain, &rtt, run_rtt, &rtt, n, rounds, &load, &lookup);
	bench_add(b, "hw.array_load", load, "ns", BENCH_INFO, 0, 1, "baseline: plain u16 array load");
	snprintf(note, sizeof(note), "%.2f ns per lookup", lookup);
	bench_add(b, "hw.rid_to_pe", 1 / lookup, "G/s", BENCH_AT_LEAST, 0.5, lookup / load, note);
	dma->pages = 64;
	bench_compare_ns(run_plain, &rtt, run_dma, dma, b->quick ? n : n / 20, rounds, &load2,
			 &translate);
	snprintf(note, sizeof(note), "TCE cache hit, PHB lock and all; %.0f%% hits",
		 100.0 * (double)dma->phb->tce_cache.hits /
			 (double)(dma->phb->tce_cache.hits + dma->phb->tce_cache.misses));
	bench_add(b, "hw.dma_translate", translate, "ns", BENCH_AT_MOST, 15, translate / load2,
		  note);
	dma->pages = MISS_PAGES;
	dma->phb->tce_cache.hits = dma->phb->tce_cache.misses = 0;
	bench_compare_ns(run_plain, &rtt, run_dma, dma, b->quick ? n : n / 100, rounds, &load3,
			 &miss);
	snprintf(note, sizeof(note), "a miss: the 2-level walk in memory; %.0f%% misses",
		 100.0 * (double)dma->phb->tce_cache.misses /
			 (double)(dma->phb->tce_cache.hits + dma->phb->tce_cache.misses));
	bench_add(b, "hw.dma_translate_miss", miss, "ns", BENCH_INFO, 0, miss / load3, note);
	ioda_kernel_free(k);
	ioda_machine_free(m);
	ioda_ctx_free(ctx);
	free(plain);
	free(dma);
}
