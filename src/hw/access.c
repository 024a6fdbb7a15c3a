/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The access paths: DMA, MMIO, config and MSI, each through the tables as
 * the PHB decodes them, freezing PEs on errors.
 *
 * The RID -> PE lookup runs before the lock (see hw.h); the rest of each
 * access runs with the PHB lock held, so a fault and its freeze are one
 * step as seen by the OPAL calls.
 */
#include <errno.h>
#include <string.h>

#include <ioda/hw.h>

#include "hw_priv.h"

unsigned int ioda_hw_msi_count(const struct ioda_phb_hw *phb)
{
	/* PHB3 checks against the IVT size; PHB4 keeps the last 8 for LSIs. */
	return phb->num_irqs - ioda_hw_gen_of(phb->gen)->lsi_irqs;
}

static bool hw_inject_match(const struct ioda_phb_hw *phb, enum ioda_inject_kind kind,
			    bool is_write, uint64_t addr)
{
	const struct ioda_inject *inj = &phb->inject;

	return inj->kind == kind && inj->is_write == is_write &&
	       (addr & inj->mask) == (inj->addr & inj->mask);
}

enum ioda_hw_reason ioda_hw_tce_leaf(struct ioda_phb_hw *phb, const struct ioda_tve *tve,
				     uint64_t off, uint64_t *leaf)
{
	unsigned int tbl_shift = (unsigned int)__builtin_ctzll(tve->level_size) - 3;
	unsigned int sh = tve->page_shift + tbl_shift * (tve->levels - 1);
	uint64_t base = tve->table_pa, tce = 0;

	if (off >= ioda_tve_window_size(tve))
		return IODA_ERR_OUT_OF_WINDOW;
	for (unsigned int lev = tve->levels; lev > 0; lev--) {
		uint64_t idx = (off >> sh) & ((1ull << tbl_shift) - 1);

		if (ioda_sysmem_read64(phb->mem, base + idx * 8, &tce))
			return IODA_ERR_TCE_MEMORY;
		/* A level the kernel has not allocated yet reads as 0. */
		if (!(tce & (IODA_TCE_READ | IODA_TCE_WRITE)))
			return IODA_ERR_TCE_INVALID;
		base = tce & IODA_TCE_RPN_MASK;
		sh -= tbl_shift;
	}
	*leaf = tce;
	return IODA_ERR_NONE;
}

/*
 * A TCE window's translation: through the TCE cache, or walked in system
 * memory and kept there; IODA_ERR_NONE with *sys set.
 */
static enum ioda_hw_reason hw_tce_walk(struct ioda_phb_hw *phb, unsigned int tve_index,
				       const struct ioda_tve *tve, uint64_t off, bool is_write,
				       uint64_t *sys)
{
	uint64_t page_mask = (1ull << tve->page_shift) - 1, page = off >> tve->page_shift, tce;
	enum ioda_hw_reason reason;

	if (off >= ioda_tve_window_size(tve))
		return IODA_ERR_OUT_OF_WINDOW;
	if (!ioda_hw_tce_cache_lookup(phb, tve_index, page, &tce)) {
		reason = ioda_hw_tce_leaf(phb, tve, off, &tce);
		if (reason != IODA_ERR_NONE)
			return reason;
		ioda_hw_tce_cache_insert(phb, tve_index, tve->page_shift, page, tce);
	}
	if (!(tce & (is_write ? IODA_TCE_WRITE : IODA_TCE_READ)))
		return IODA_ERR_TCE_ACCESS;
	*sys = (tce & IODA_TCE_RPN_MASK & ~page_mask) | (off & page_mask);
	return IODA_ERR_NONE;
}

static enum ioda_hw_reason hw_dma_translate(struct ioda_phb_hw *phb, unsigned int tve_index,
					    uint64_t addr, bool is_write, uint64_t *sys)
{
	const struct ioda_tve *tve = &phb->tvt[tve_index];
	uint64_t off = addr & (IODA_TVE_SELECT_BIT - 1);

	/* Bits 60..63: the MSI space or nothing, never a DMA window. */
	if (addr >> 60)
		return IODA_ERR_BAD_ADDRESS;
	switch (tve->kind) {
	case IODA_TVE_TCE:
		return hw_tce_walk(phb, tve_index, tve, off, is_write, sys);
	case IODA_TVE_BYPASS:
		if (off < tve->start || off >= tve->end)
			return IODA_ERR_OUT_OF_WINDOW;
		*sys = off;
		return IODA_ERR_NONE;
	case IODA_TVE_OFF:
		break;
	}
	return IODA_ERR_NO_WINDOW;
}

int ioda_hw_dma(struct ioda_phb_hw *phb, uint16_t rid, uint64_t addr, bool is_write,
		struct ioda_dma_result *res)
{
	unsigned int pe = ioda_hw_rtt_lookup(phb, rid);
	struct ioda_hw_error err = {
		.valid = true,
		.op = is_write ? IODA_OP_DMA_WRITE : IODA_OP_DMA_READ,
		.pe = pe,
		.rid = rid,
		.addr = addr,
	};
	int rc = 0;

	memset(res, 0, sizeof(*res));
	res->pe = pe;
	res->tve = 2 * pe + (unsigned int)((addr & IODA_TVE_SELECT_BIT) != 0);
	ioda_hw_lock(phb);
	if (phb->fenced || (phb->pest[pe].state & IODA_PEST_DMA_STOPPED)) {
		rc = -EIO;
		goto out;
	}
	if (hw_inject_match(phb, IODA_INJECT_DMA, is_write, addr))
		err.reason = IODA_ERR_INJECTED;
	else
		err.reason =
			hw_dma_translate(phb, res->tve, addr, is_write, &res->sys_addr);
	if (err.reason != IODA_ERR_NONE) {
		res->reason = err.reason;
		ioda_hw_raise(phb, &err);
		rc = -EFAULT;
	}
out:
	ioda_hw_unlock(phb);
	return rc;
}

/* CPU address -> window, segment and PE; lock held. */
static int hw_mmio_decode(const struct ioda_phb_hw *phb, uint64_t addr,
			  struct ioda_mmio_result *res)
{
	if (addr >= phb->m32_base && addr - phb->m32_base < IODA_M32_PCI_SIZE) {
		res->window = IODA_MMIO_M32;
		res->segment = (unsigned int)((addr - phb->m32_base) / phb->m32_segsize);
		res->pe = phb->m32_pe[res->segment];
		return 0;
	}
	/* Ascending BAR order wins, as on PHB3: SR-IOV BARs sit below the default one. */
	for (unsigned int i = 0; i < phb->m64_count; i++) {
		const struct ioda_m64_bar *bar = &phb->m64[i];

		if (!bar->enabled || addr < bar->base || addr - bar->base >= bar->size)
			continue;
		res->window = IODA_MMIO_M64;
		res->bar = i;
		if (bar->mode == IODA_M64_SINGLE_PE) {
			res->pe = bar->pe;
		} else {
			res->segment =
				(unsigned int)((addr - bar->base) / (bar->size / phb->num_pes));
			res->pe = res->segment;
		}
		return 0;
	}
	return -ENXIO;
}

int ioda_hw_mmio(struct ioda_phb_hw *phb, uint64_t addr, unsigned int size, bool is_write,
		 uint64_t *data, struct ioda_mmio_result *res)
{
	struct ioda_hw_error err = {
		.valid = true,
		.op = is_write ? IODA_OP_MMIO_STORE : IODA_OP_MMIO_LOAD,
		.reason = IODA_ERR_INJECTED,
		.addr = addr,
	};
	int rc;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	ioda_hw_lock(phb);
	rc = hw_mmio_decode(phb, addr, res);
	if (rc)
		goto out;
	if (phb->fenced || (phb->pest[res->pe].state & IODA_PEST_MMIO_FROZEN)) {
		rc = -EIO;
	} else if (hw_inject_match(phb, IODA_INJECT_MMIO, is_write, addr & IODA_INJECT_MMIO_MASK)) {
		err.pe = res->pe;
		ioda_hw_raise(phb, &err);
		rc = -EIO;
	}
out:
	ioda_hw_unlock(phb);
	if (rc && !is_write)
		*data = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
	return rc;
}

int ioda_hw_cfg(struct ioda_phb_hw *phb, uint16_t rid, bool is_write, uint32_t *pe)
{
	struct ioda_hw_error err = {
		.valid = true,
		.op = is_write ? IODA_OP_CFG_WRITE : IODA_OP_CFG_READ,
		.reason = IODA_ERR_INJECTED,
		.rid = rid,
	};
	int rc = 0;

	*pe = ioda_hw_rtt_lookup(phb, rid);
	err.pe = *pe;
	ioda_hw_lock(phb);
	if (phb->fenced || (phb->pest[*pe].state & IODA_PEST_MMIO_FROZEN)) {
		rc = -EIO;
	} else if (hw_inject_match(phb, IODA_INJECT_CFG, is_write,
				   (uint64_t)rid << IODA_INJECT_CFG_SHIFT)) {
		ioda_hw_raise(phb, &err);
		rc = -EIO;
	}
	ioda_hw_unlock(phb);
	return rc;
}

int ioda_hw_msi(struct ioda_phb_hw *phb, uint16_t rid, uint32_t xive, uint32_t *pe)
{
	struct ioda_hw_error err = {
		.valid = true,
		.op = IODA_OP_MSI,
		.rid = rid,
		.addr = xive,
	};
	int rc = 0;

	*pe = ioda_hw_rtt_lookup(phb, rid);
	err.pe = *pe;
	ioda_hw_lock(phb);
	if (phb->fenced || (phb->pest[*pe].state & IODA_PEST_DMA_STOPPED)) {
		rc = -EIO;
		goto out;
	}
	if (xive >= ioda_hw_msi_count(phb))
		err.reason = IODA_ERR_MSI_RANGE;
	else if (phb->mist[xive] != *pe)
		err.reason = IODA_ERR_MSI_PE;
	if (err.reason != IODA_ERR_NONE) {
		ioda_hw_raise(phb, &err);
		rc = -EFAULT;
	}
out:
	ioda_hw_unlock(phb);
	return rc;
}
