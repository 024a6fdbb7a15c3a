/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PHB's IODA tables: allocation, reset, and the table operations the
 * OPAL layer performs with the PHB lock held.
 */
#include <errno.h>
#include <string.h>

#include <ioda/hw.h>

#include "hw_priv.h"

void ioda_phb_params_init(struct ioda_phb_params *p, enum ioda_phb_gen gen)
{
	memset(p, 0, sizeof(*p));
	p->gen = gen;
	p->num_pes = ioda_hw_gen_of(gen)->default_pes;
	p->num_irqs = IODA_NUM_IRQS_DEFAULT;
}

int ioda_hw_new(struct ioda_ctx *ctx, struct ioda_sysmem *mem, const struct ioda_phb_params *params,
		struct ioda_phb_hw **out)
{
	const struct ioda_hw_gen *g = ioda_hw_gen_of(params->gen);
	struct ioda_phb_hw *phb;
	unsigned int n = params->num_pes ? params->num_pes : g->default_pes;
	unsigned int irqs = params->num_irqs ? params->num_irqs : IODA_NUM_IRQS_DEFAULT;

	if (!g->num_pes_valid(n) || irqs <= 8 || irqs > 0x10000)
		return -EINVAL;
	phb = ioda_zalloc(ctx, sizeof(*phb));
	if (!phb)
		return -ENOMEM;
	phb->ctx = ctx;
	phb->mem = mem;
	phb->gen = params->gen;
	phb->num_pes = n;
	phb->reserved_pe = n - 1;
	phb->num_irqs = irqs;
	phb->opencapi = params->opencapi;
	phb->m64_count = g->m64_count(n);
	phb->m32_base = params->m32_base;
	phb->m32_segsize = IODA_M32_PCI_SIZE / n;
	phb->m64_base = params->m64_base;
	phb->m64_size = params->m64_size;

	phb->rtt = ioda_calloc(ctx, IODA_RTT_ENTRIES, sizeof(*phb->rtt));
	phb->peltv = ioda_calloc(ctx, (size_t)n * n / 8, 1);
	phb->tvt = ioda_calloc(ctx, 2 * (size_t)n, sizeof(*phb->tvt));
	phb->m32_pe = ioda_calloc(ctx, n, sizeof(*phb->m32_pe));
	phb->m64 = ioda_calloc(ctx, phb->m64_count, sizeof(*phb->m64));
	phb->mist = ioda_calloc(ctx, irqs, sizeof(*phb->mist));
	phb->pest = ioda_calloc(ctx, n, sizeof(*phb->pest));
	phb->peev = ioda_calloc(ctx, n / 64, sizeof(*phb->peev));
	if (!phb->rtt || !phb->peltv || !phb->tvt || !phb->m32_pe || !phb->m64 || !phb->mist ||
	    !phb->pest || !phb->peev ||
	    ioda_hw_tce_cache_init(phb, params->npu ? 0 : g->tce_cache_entries(n))) {
		ioda_hw_destroy(phb);
		return -ENOMEM;
	}
	ioda_hw_reset_tables(phb);
	*out = phb;
	return 0;
}

void ioda_hw_destroy(struct ioda_phb_hw *phb)
{
	struct ioda_ctx *ctx;

	if (!phb)
		return;
	ctx = phb->ctx;
	ioda_free(ctx, phb->rtt);
	ioda_free(ctx, phb->peltv);
	ioda_free(ctx, phb->tvt);
	ioda_free(ctx, phb->m32_pe);
	ioda_free(ctx, phb->m64);
	ioda_free(ctx, phb->mist);
	ioda_free(ctx, phb->pest);
	ioda_free(ctx, phb->peev);
	ioda_hw_tce_cache_fini(phb);
	ioda_free(ctx, phb);
}

void ioda_hw_lock(struct ioda_phb_hw *phb)
{
	ioda_spin_lock(&phb->lock);
}

void ioda_hw_unlock(struct ioda_phb_hw *phb)
{
	ioda_spin_unlock(&phb->lock);
}

static void hw_clear_pest(struct ioda_phb_hw *phb)
{
	memset(phb->pest, 0, phb->num_pes * sizeof(*phb->pest));
	memset(phb->peev, 0, phb->num_pes / 64 * sizeof(*phb->peev));
}

/*
 * skiboot phb3_init_ioda_cache / phb4_init_ioda_cache: RTT to the reserved
 * PE (not 0xff "invalid", so early config cycles have a PE), PELT-V, TVT,
 * MIST and M32 to 0, M64 BARs disabled and segmented, PEST/PEEV cleared.
 */
void ioda_hw_reset_tables(struct ioda_phb_hw *phb)
{
	ioda_hw_rtt_set(phb, 0, 0, (uint16_t)phb->reserved_pe);
	memset(phb->peltv, 0, (size_t)phb->num_pes * phb->num_pes / 8);
	memset(phb->tvt, 0, 2 * (size_t)phb->num_pes * sizeof(*phb->tvt));
	memset(phb->m32_pe, 0, phb->num_pes * sizeof(*phb->m32_pe));
	memset(phb->m64, 0, phb->m64_count * sizeof(*phb->m64));
	memset(phb->mist, 0, phb->num_irqs * sizeof(*phb->mist));
	hw_clear_pest(phb);
	ioda_hw_tce_cache_flush(phb);
	phb->err_pending = false;
}

/* The PHB's reset takes its caches with it: the TCE cache starts empty. */
void ioda_hw_complete_reset(struct ioda_phb_hw *phb)
{
	phb->fenced = false;
	hw_clear_pest(phb);
	ioda_hw_tce_cache_flush(phb);
	ioda_hw_clear_errors(phb);
	phb->err_pending = false;
	memset(&phb->inject, 0, sizeof(phb->inject));
}

void ioda_hw_fence(struct ioda_phb_hw *phb)
{
	phb->fenced = true;
	phb->err_pending = true;
}

void ioda_hw_rtt_set(struct ioda_phb_hw *phb, uint16_t rid, uint16_t mask, uint16_t pe)
{
	uint16_t free_bits = (uint16_t)~mask, s = 0;

	if (!mask) {
		/* The whole table (a reset): a plain run of stores. */
		for (uint32_t i = 0; i < IODA_RTT_ENTRIES; i++)
			__atomic_store_n(&phb->rtt[i], pe, __ATOMIC_RELAXED);
		return;
	}
	/* Only the matching entries: every subset of the unmasked bits. */
	do {
		__atomic_store_n(&phb->rtt[(rid & mask) | s], pe, __ATOMIC_RELAXED);
		s = (uint16_t)((s - free_bits) & free_bits);
	} while (s);
}

/* skiboot phb4_set_peltv: row stride is num_pes / 8 bytes, MSB first. */
static uint8_t *hw_peltv_byte(const struct ioda_phb_hw *phb, unsigned int parent,
			      unsigned int child, uint8_t *bit)
{
	*bit = 0x80 >> (child % 8);
	return &phb->peltv[parent * (phb->num_pes / 8) + child / 8];
}

void ioda_hw_peltv_set(struct ioda_phb_hw *phb, unsigned int parent, unsigned int child, bool on)
{
	uint8_t bit, *b = hw_peltv_byte(phb, parent, child, &bit);

	if (on)
		*b |= bit;
	else
		*b &= (uint8_t)~bit;
}

bool ioda_hw_peltv_test(const struct ioda_phb_hw *phb, unsigned int parent, unsigned int child)
{
	uint8_t bit, *b = hw_peltv_byte(phb, parent, child, &bit);

	return *b & bit;
}

/* PEEV bit of a PE: PPC_BIT(pe & 63) in word pe / 64, as skiboot reads it. */
static uint64_t hw_peev_bit(unsigned int pe)
{
	return 1ull << (63 - pe % 64);
}

void ioda_hw_pe_freeze(struct ioda_phb_hw *phb, unsigned int pe, unsigned int state,
		       const struct ioda_hw_error *cause)
{
	struct ioda_pest *p = &phb->pest[pe];

	if (cause && !p->cause.valid)
		p->cause = *cause;
	p->state |= state & IODA_PEST_FROZEN;
	if (p->state)
		phb->peev[pe / 64] |= hw_peev_bit(pe);
}

void ioda_hw_pe_unfreeze(struct ioda_phb_hw *phb, unsigned int pe, unsigned int state)
{
	struct ioda_pest *p = &phb->pest[pe];

	p->state &= ~state;
	if (!p->state) {
		phb->peev[pe / 64] &= ~hw_peev_bit(pe);
		memset(&p->cause, 0, sizeof(p->cause));
	}
}

unsigned int ioda_hw_pe_state(const struct ioda_phb_hw *phb, unsigned int pe)
{
	return phb->pest[pe].state;
}

unsigned int ioda_hw_pe_state_read(struct ioda_phb_hw *phb, unsigned int pe)
{
	unsigned int state;

	ioda_hw_lock(phb);
	state = ioda_hw_pe_state(phb, pe);
	ioda_hw_unlock(phb);
	return state;
}

int ioda_hw_first_frozen_pe(const struct ioda_phb_hw *phb)
{
	for (int i = (int)(phb->num_pes / 64) - 1; i >= 0; i--) {
		uint64_t w = phb->peev[i];

		if (w)
			return i * 64 + __builtin_clzll(w);
	}
	return -1;
}

bool ioda_hw_any_frozen(const struct ioda_phb_hw *phb)
{
	return ioda_hw_first_frozen_pe(phb) >= 0;
}

void ioda_hw_clear_errors(struct ioda_phb_hw *phb)
{
	memset(&phb->first_error, 0, sizeof(phb->first_error));
	phb->nr_errors = 0;
}

uint64_t ioda_tve_window_size(const struct ioda_tve *tve)
{
	unsigned int tbl_shift = (unsigned int)__builtin_ctzll(tve->level_size) - 3;
	unsigned int shift = tve->page_shift + tbl_shift * tve->levels;

	/* Bits 59 and up select the TVE or the MSI space: a window ends there. */
	return shift >= 59 ? IODA_TVE_SELECT_BIT : 1ull << shift;
}

/* Records an error and freezes its PE and the PEs in its PELT-V. */
void ioda_hw_raise(struct ioda_phb_hw *phb, const struct ioda_hw_error *err)
{
	unsigned int pe = err->pe;

	if (!phb->first_error.valid)
		phb->first_error = *err;
	phb->nr_errors++;
	phb->err_pending = true;
	ioda_hw_pe_freeze(phb, pe, IODA_PEST_FROZEN, err);
	for (unsigned int child = 0; child < phb->num_pes; child++)
		if (child != pe && ioda_hw_peltv_test(phb, pe, child))
			ioda_hw_pe_freeze(phb, child, IODA_PEST_FROZEN, err);
}

const char *ioda_hw_op_name(enum ioda_hw_op op)
{
	static const char *const names[] = {
		[IODA_OP_DMA_READ] = "dma-read",
		[IODA_OP_DMA_WRITE] = "dma-write",
		[IODA_OP_MSI] = "msi",
		[IODA_OP_MMIO_LOAD] = "mmio-load",
		[IODA_OP_MMIO_STORE] = "mmio-store",
		[IODA_OP_CFG_READ] = "cfg-read",
		[IODA_OP_CFG_WRITE] = "cfg-write",
	};

	return (unsigned int)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

const char *ioda_hw_reason_name(enum ioda_hw_reason reason)
{
	static const char *const names[] = {
		[IODA_ERR_NONE] = "none",
		[IODA_ERR_NO_WINDOW] = "no-window",
		[IODA_ERR_OUT_OF_WINDOW] = "out-of-window",
		[IODA_ERR_BAD_ADDRESS] = "bad-address",
		[IODA_ERR_TCE_INVALID] = "tce-invalid",
		[IODA_ERR_TCE_MEMORY] = "tce-memory",
		[IODA_ERR_TCE_ACCESS] = "tce-access",
		[IODA_ERR_MSI_PE] = "msi-pe-mismatch",
		[IODA_ERR_MSI_RANGE] = "msi-range",
		[IODA_ERR_INJECTED] = "injected",
	};

	return (unsigned int)reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}
