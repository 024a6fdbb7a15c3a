/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A readable, deterministic dump of a PHB's tables: only what differs from
 * the reset state, runs grouped.
 */
#include <inttypes.h>

#include <ioda/hw.h>

/* Prints "  <label> lo-hi -> PE#n" for each run of equal entries != @dflt. */
static void dump_runs(FILE *out, const char *label, const uint16_t *v, unsigned int n,
		      unsigned int dflt, int width)
{
	unsigned int i = 0;

	while (i < n) {
		unsigned int j = i;

		while (j + 1 < n && v[j + 1] == v[i])
			j++;
		if (v[i] != dflt)
			fprintf(out, "  %s%0*x-%0*x -> PE#%02x\n", label, width, i, width, j, v[i]);
		i = j + 1;
	}
}

static void dump_peltv(FILE *out, const struct ioda_phb_hw *phb)
{
	fprintf(out, "PELT-V:\n");
	for (unsigned int p = 0; p < phb->num_pes; p++) {
		bool any = false;

		for (unsigned int c = 0; c < phb->num_pes; c++) {
			if (!ioda_hw_peltv_test(phb, p, c))
				continue;
			fprintf(out, any ? " %02x" : "  PE#%02x: %02x", any ? c : p, c);
			any = true;
		}
		if (any)
			fprintf(out, "\n");
	}
}

static void dump_tvt(FILE *out, const struct ioda_phb_hw *phb)
{
	fprintf(out, "TVT:\n");
	for (unsigned int i = 0; i < 2 * phb->num_pes; i++) {
		const struct ioda_tve *t = &phb->tvt[i];
		uint64_t bus = i & 1 ? IODA_TVE_SELECT_BIT : 0;

		if (t->kind == IODA_TVE_TCE)
			fprintf(out,
				"  TVE#%03x PE#%02x: tce table 0x%" PRIx64
				" levels %u level-size 0x%" PRIx64 " page 0x%llx window %" PRIx64
				"..%" PRIx64 "\n",
				i, i / 2, t->table_pa, t->levels, t->level_size,
				1ull << t->page_shift, bus, bus + ioda_tve_window_size(t) - 1);
		else if (t->kind == IODA_TVE_BYPASS)
			fprintf(out, "  TVE#%03x PE#%02x: bypass %" PRIx64 "..%" PRIx64 "\n", i,
				i / 2, bus | t->start, (bus | t->end) - 1);
	}
}

static void dump_m64(FILE *out, const struct ioda_phb_hw *phb)
{
	fprintf(out, "M64:\n");
	for (unsigned int i = 0; i < phb->m64_count; i++) {
		const struct ioda_m64_bar *b = &phb->m64[i];

		if (!b->size && !b->enabled && b->mode == IODA_M64_SPLIT)
			continue;
		fprintf(out, "  BAR#%02u 0x%016" PRIx64 " size 0x%" PRIx64 " %s", i, b->base,
			b->size, b->enabled ? "enabled" : "disabled");
		if (b->mode == IODA_M64_SINGLE_PE)
			fprintf(out, " single PE#%02x\n", b->pe);
		else
			fprintf(out, " split segment 0x%" PRIx64 "\n", b->size / phb->num_pes);
	}
}

static void dump_error(FILE *out, const struct ioda_hw_error *e)
{
	fprintf(out, "%s %s PE#%02x rid %04x addr 0x%" PRIx64, ioda_hw_op_name(e->op),
		ioda_hw_reason_name(e->reason), e->pe, e->rid, e->addr);
}

static void dump_pest(FILE *out, const struct ioda_phb_hw *phb)
{
	fprintf(out, "PEST:\n");
	for (unsigned int pe = 0; pe < phb->num_pes; pe++) {
		const struct ioda_pest *p = &phb->pest[pe];

		if (!p->state)
			continue;
		fprintf(out, "  PE#%02x:%s%s", pe, p->state & IODA_PEST_MMIO_FROZEN ? " mmio" : "",
			p->state & IODA_PEST_DMA_STOPPED ? " dma" : "");
		if (p->cause.valid) {
			fprintf(out, " (");
			dump_error(out, &p->cause);
			fprintf(out, ")");
		}
		fprintf(out, "\n");
	}
}

static void dump_diag(FILE *out, const struct ioda_phb_hw *phb)
{
	static const char *const kinds[] = {
		[IODA_INJECT_NONE] = "none",
		[IODA_INJECT_MMIO] = "mmio",
		[IODA_INJECT_CFG] = "cfg",
		[IODA_INJECT_DMA] = "dma",
	};

	fprintf(out, "Errors: %lu%s\n", phb->nr_errors, phb->err_pending ? " (pending)" : "");
	if (phb->first_error.valid) {
		fprintf(out, "  first: ");
		dump_error(out, &phb->first_error);
		fprintf(out, "\n");
	}
	if (phb->inject.kind != IODA_INJECT_NONE)
		fprintf(out, "Injection: %s %s addr 0x%" PRIx64 " mask 0x%" PRIx64 "\n",
			kinds[phb->inject.kind], phb->inject.is_write ? "store" : "load",
			phb->inject.addr, phb->inject.mask);
}

void ioda_hw_dump(struct ioda_phb_hw *phb, FILE *out)
{
	ioda_hw_lock(phb);
	fprintf(out, "%s %u PEs, reserved PE#%02x, %u M64 BARs, %u MSIs%s\n",
		ioda_phb_gen_name(phb->gen), phb->num_pes, phb->reserved_pe, phb->m64_count,
		ioda_hw_msi_count(phb), phb->fenced ? ", FENCED" : "");
	fprintf(out, "RTT:\n");
	dump_runs(out, "", phb->rtt, IODA_RTT_ENTRIES, phb->reserved_pe, 4);
	dump_peltv(out, phb);
	dump_tvt(out, phb);
	fprintf(out, "M32 (0x%016" PRIx64 ", segment 0x%" PRIx64 "):\n", phb->m32_base,
		phb->m32_segsize);
	dump_runs(out, "seg ", phb->m32_pe, phb->num_pes, 0, 3);
	dump_m64(out, phb);
	fprintf(out, "MSI:\n");
	dump_runs(out, "xive ", phb->mist, phb->num_irqs, 0, 4);
	dump_pest(out, phb);
	dump_diag(out, phb);
	ioda_hw_unlock(phb);
}
