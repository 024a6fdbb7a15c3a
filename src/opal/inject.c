/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opal_pci_err_inject (96): arms the PHB's PAPR error injection registers
 * so that the PE's next matching access fails and freezes it.
 *
 * As skiboot: PHB3 injects on MMIO (M32, M64), config and DMA (TVE 2*PE
 * or 2*PE+1); phb4.c (PHB4 and PHB5) only on config and answers
 * OPAL_UNSUPPORTED for MMIO and DMA.  When the given address is not one of
 * the PE's, the first of the PE's ranges is used with a mask covering it.
 * The injection stays armed until OPAL_RESET_PHB_ERROR.
 */
#include <ioda/opal.h>

#include "opal_priv.h"

/* skiboot: "len & ~(len - 1)" then "~(len - 1)": the range's lowest power of two. */
static uint64_t opal_inject_mask(uint64_t len)
{
	return ~((len & ~(len - 1)) - 1);
}

static int64_t opal_arm(struct ioda_phb_hw *phb, enum ioda_inject_kind kind, bool is_write,
			uint64_t addr, uint64_t mask)
{
	phb->inject.kind = kind;
	phb->inject.is_write = is_write;
	phb->inject.addr = addr;
	phb->inject.mask = mask;
	return OPAL_SUCCESS;
}

/* phb3_err_inject_mem32: the first contiguous run of the PE's M32 segments. */
static int64_t opal_inject_m32(struct ioda_phb_hw *phb, uint64_t pe, uint64_t addr, uint64_t mask,
			       bool is_write)
{
	uint64_t base = 0, len = 0, a = 0;

	for (unsigned int i = 0; i < phb->num_pes; i++) {
		uint64_t start = phb->m32_base + phb->m32_segsize * i;

		if (phb->m32_pe[i] != pe)
			continue;
		if (!len) {
			base = start;
			len = phb->m32_segsize;
		} else if (base + len == start) {
			len += phb->m32_segsize;
		}
		if (addr >= start && addr < start + phb->m32_segsize) {
			a = addr;
			break;
		}
	}
	if (!len)
		return OPAL_PARAMETER;
	if (!a) {
		a = base;
		mask = opal_inject_mask(len);
	}
	return opal_arm(phb, IODA_INJECT_MMIO, is_write, a & IODA_INJECT_MMIO_MASK,
			mask & IODA_INJECT_MMIO_MASK);
}

/*
 * phb3_err_inject_mem64: a bus PE (its RID + 8 maps to it too) uses the
 * last BAR, the default segmented one; a device PE the others, the first
 * enabled one that is the PE's winning.
 */
static int64_t opal_inject_m64(struct ioda_phb_hw *phb, uint64_t pe, uint64_t addr, uint64_t mask,
			       bool is_write)
{
	unsigned int first = 0, last = phb->m64_count - 2;
	uint64_t base = 0, len = 0, a = 0;

	for (uint32_t rid = 0; rid + 8 < IODA_RTT_ENTRIES; rid++) {
		if (ioda_hw_rtt_lookup(phb, (uint16_t)rid) != pe)
			continue;
		if (ioda_hw_rtt_lookup(phb, (uint16_t)(rid + 8)) == pe)
			first = last = phb->m64_count - 1;
		break;
	}
	for (unsigned int i = first; !len && i <= last; i++) {
		const struct ioda_m64_bar *bar = &phb->m64[i];
		uint64_t start, size;

		if (!bar->enabled)
			continue;
		if (bar->mode == IODA_M64_SINGLE_PE) {
			if (bar->pe != pe)
				continue;
			start = bar->base;
			size = bar->size;
		} else {
			size = bar->size / phb->num_pes;
			start = bar->base + size * pe;
		}
		base = start;
		len = size;
		if (addr >= start && addr < start + size)
			a = addr;
	}
	if (!len)
		return OPAL_PARAMETER;
	if (!a) {
		a = base;
		mask = opal_inject_mask(len);
	}
	return opal_arm(phb, IODA_INJECT_MMIO, is_write, a & IODA_INJECT_MMIO_MASK,
			mask & IODA_INJECT_MMIO_MASK);
}

/*
 * phb3/phb4_err_inject_cfg: the PE's first RID decides; a bus PE matches
 * on the bus number, a device PE on the whole bdfn.
 */
static int64_t opal_inject_cfg(struct ioda_phb_hw *phb, uint64_t pe, uint64_t addr, uint64_t mask,
			       bool is_write)
{
	uint64_t a = 0xffff, prefer = 0xffff, m = IODA_INJECT_CFG_ALL_MASK;

	for (uint32_t rid = 0; rid < IODA_RTT_ENTRIES; rid++) {
		uint64_t rid_mask, field;

		if (ioda_hw_rtt_lookup(phb, (uint16_t)rid) != pe)
			continue;
		if (rid + 8 < IODA_RTT_ENTRIES &&
		    ioda_hw_rtt_lookup(phb, (uint16_t)(rid + 8)) == pe)
			rid_mask = IODA_INJECT_CFG_BUS_MASK;
		else
			rid_mask = IODA_INJECT_CFG_ALL_MASK;
		field = ((uint64_t)rid << IODA_INJECT_CFG_SHIFT) & rid_mask;
		if (prefer == 0xffff) {
			m = rid_mask;
			prefer = field;
		}
		if ((addr & rid_mask) == field) {
			a = addr;
			break;
		}
	}
	if (prefer == 0xffff)
		return OPAL_PARAMETER;
	if (a == 0xffff)
		a = prefer;
	else
		m = mask;
	return opal_arm(phb, IODA_INJECT_CFG, is_write, a, m);
}

/*
 * phb3_err_inject_dma: the window of TVE 2*PE (32-bit) or 2*PE+1 (64-bit,
 * based at bit 59).  skiboot sizes a TCE window from one level only.
 */
static int64_t opal_inject_dma(struct ioda_phb_hw *phb, uint64_t pe, uint64_t addr, uint64_t mask,
			       bool is_write, bool is_64)
{
	const struct ioda_tve *tve = &phb->tvt[2 * pe + is_64];
	uint64_t base = is_64 ? IODA_TVE_SELECT_BIT : 0, len;

	if (tve->kind == IODA_TVE_OFF)
		return OPAL_UNSUPPORTED;
	if (tve->kind == IODA_TVE_BYPASS)
		len = tve->end - tve->start;
	else
		len = (tve->level_size / 8) << tve->page_shift;
	if (!addr || addr < base || addr >= base + len) {
		addr = base;
		mask = opal_inject_mask(len);
	}
	return opal_arm(phb, IODA_INJECT_DMA, is_write, addr, mask);
}

enum opal_inject_target { INJ_MEM, INJ_CFG, INJ_DMA, INJ_BAD };

/* The func's target and direction (skiboot's switch). */
static enum opal_inject_target opal_inject_decode(uint32_t func, bool *is_write)
{
	*is_write = false;
	switch (func) {
	case OPAL_ERR_INJECT_FUNC_IOA_ST_MEM_ADDR:
	case OPAL_ERR_INJECT_FUNC_IOA_ST_MEM_DATA:
		*is_write = true;
		/* fall through */
	case OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_ADDR:
	case OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_DATA:
		return INJ_MEM;
	case OPAL_ERR_INJECT_FUNC_IOA_ST_CFG_ADDR:
	case OPAL_ERR_INJECT_FUNC_IOA_ST_CFG_DATA:
		*is_write = true;
		/* fall through */
	case OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_ADDR:
	case OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_DATA:
		return INJ_CFG;
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_ADDR:
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_DATA:
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_MASTER:
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_TARGET:
		*is_write = true;
		/* fall through */
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_ADDR:
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_DATA:
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_MASTER:
	case OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_TARGET:
		return INJ_DMA;
	}
	return INJ_BAD;
}

int64_t opal_pci_err_inject(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
			    uint32_t type, uint32_t func, uint64_t addr, uint64_t mask)
{
	bool is_64 = type == OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR64, is_write;
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_ERR_INJECT, &phb);
	if (rc)
		return rc;
	if ((type != OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR && !is_64) || pe_number == phb->reserved_pe ||
	    pe_number >= phb->num_pes) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	/* skiboot clears the last injection before it looks at func. */
	phb->inject.kind = IODA_INJECT_NONE;
	switch (opal_inject_decode(func, &is_write)) {
	case INJ_MEM:
		if (!opal_phb_ops(phb)->inject_mmio_dma)
			rc = OPAL_UNSUPPORTED;
		else if (is_64)
			rc = opal_inject_m64(phb, pe_number, addr, mask, is_write);
		else
			rc = opal_inject_m32(phb, pe_number, addr, mask, is_write);
		break;
	case INJ_CFG:
		rc = opal_inject_cfg(phb, pe_number, addr, mask, is_write);
		break;
	case INJ_DMA:
		if (!opal_phb_ops(phb)->inject_mmio_dma)
			rc = OPAL_UNSUPPORTED;
		else
			rc = opal_inject_dma(phb, pe_number, addr, mask, is_write, is_64);
		break;
	case INJ_BAD:
		rc = OPAL_PARAMETER;
	}
out:
	opal_exit(phb);
	return rc;
}
