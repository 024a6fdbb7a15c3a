/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DMA set-up of a PE on IODA2/IODA3 (pnv_pci_ioda2_setup_dma_pe): the
 * default TCE window on TVE#0, the 64-bit bypass on TVE#1, the iommu group.
 */
#include <errno.h>
#include <stdio.h>

#include <ioda/hw.h>

#include "kernel_priv.h"

#define TCE32_SIZE_PHB 0x80000000ull /* m32_pci_base: the 32-bit MMIO hole starts there */
#define BYPASS_BASE (1ull << 59)     /* TVE#1 is selected by address bit 59 */

static unsigned int ilog2_u64(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

static uint64_t rounddown_pow2(uint64_t v)
{
	return v ? 1ull << ilog2_u64(v) : 0;
}

static uint64_t roundup_pow2(uint64_t v)
{
	return v <= 1 ? 1 : 1ull << (ilog2_u64(v - 1) + 1);
}

/*
 * The default window: before 5.4, min(2 GB, RAM) with 4K TCEs; since, as
 * big as the kernel's largest allocation (MAX_ORDER) lets the TCE table
 * be, capped by RAM rounded down to a power of two, with PAGE_SIZE TCEs.
 * maxblock is 16 MB with 64K pages (MAX_ORDER 9) and with 4K pages (13).
 */
static void default_window(const struct ioda_kernel *k, uint64_t *size, unsigned int *page_shift,
			   unsigned int *levels)
{
	const struct ioda_profile *p = &k->profile;
	uint64_t max_memory = rounddown_pow2(k->dram_end);
	uint64_t maxblock = 1ull << 24;
	unsigned int tces_order, level_order;

	if (!p->big_default_window) {
		*size = max_memory < TCE32_SIZE_PHB ? max_memory : TCE32_SIZE_PHB;
		*page_shift = 12;
		*levels = p->default_levels;
		return;
	}
	*size = (maxblock * 8) << p->page_shift;
	if (max_memory < *size)
		*size = max_memory;
	*page_shift = p->page_shift;
	tces_order = ilog2_u64(*size >> p->page_shift);
	level_order = ilog2_u64(maxblock >> 3);
	*levels = tces_order / level_order + (tces_order % level_order ? 1 : 0);
	if (*levels < p->default_levels)
		*levels = p->default_levels;
}

/*
 * pnv_pci_ioda2_create_table() and pnv_pci_ioda2_table_alloc_pages()
 * (pci-ioda.c / pci-ioda-tce.c, 4.2 to 6.x): levels 1..5 and a power-of-two
 * window or -EINVAL; entries split evenly over the levels, a level at least
 * a kernel page; only the top level is allocated, lower ones come on demand
 * (a 1-level table is all top level).  bus_offset = num ? tce_bypass_base :
 * tce32_start (0 on IODA2).  ioda's own guards: a window number other than
 * 0 or 1 (no TVE for it) and a window smaller than one page.
 */
static int ioda2_create_table(struct ioda_pe *pe, int num, unsigned int page_shift,
			      uint64_t window, unsigned int levels, struct ioda_tce_table **out)
{
	struct ioda_kernel *k = pe->phb->kernel;
	struct ioda_tce_table *tbl;
	unsigned int entries_shift, level_shift;
	int rc;

	if (num < 0 || num > 1 || !levels || levels > IODA_TCE_MAX_LEVELS ||
	    window >> page_shift == 0 || window & (window - 1))
		return -EINVAL;
	entries_shift = ilog2_u64(window) - page_shift;
	entries_shift = (entries_shift + levels - 1) / levels;
	level_shift = entries_shift + 3;
	if (level_shift < k->profile.page_shift)
		level_shift = k->profile.page_shift;
	if ((level_shift - 3) * levels + page_shift >= 55)
		return -EINVAL;
	tbl = ioda_zalloc(k->ctx, sizeof(*tbl));
	if (!tbl)
		return -ENOMEM;
	rc = ioda_sysmem_alloc(ioda_opal_sysmem(k->opal), 1ull << level_shift, &tbl->pa);
	if (rc) {
		ioda_free(k->ctx, tbl);
		return rc;
	}
	tbl->bus_offset = num ? pe->tce_bypass_base : 0;
	tbl->window_size = window;
	tbl->page_shift = page_shift;
	tbl->levels = levels;
	tbl->level_size = 1ull << level_shift;
	/* The top of the 32-bit space is MMIO: iommu_init_table() keeps it out. */
	if (window > TCE32_SIZE_PHB) {
		tbl->hole_start = TCE32_SIZE_PHB >> page_shift;
		tbl->hole_end = (window < (1ull << 32) ? window : 1ull << 32) >> page_shift;
	}
	*out = tbl;
	return 0;
}

/* The pa of a level's entry @i for entry @idx's walk: (idx >> shift) masked. */
static uint64_t level_entry(const struct ioda_tce_table *tbl, uint64_t base, uint64_t idx,
			    unsigned int lev)
{
	unsigned int bits = (unsigned int)__builtin_ctzll(tbl->level_size) - 3;

	return base + ((idx >> (bits * (lev - 1))) & ((1ull << bits) - 1)) * 8;
}

/*
 * Where TCE @idx lives; lower levels are allocated on demand when @alloc
 * (pnv_tce() with alloc), else -ENOENT for a level not there yet.
 */
static int tce_slot(struct ioda_kernel *k, const struct ioda_tce_table *tbl, uint64_t idx,
		    bool alloc, uint64_t *slot)
{
	struct ioda_sysmem *mem = ioda_opal_sysmem(k->opal);
	uint64_t base = tbl->pa, tce, next;
	int rc;

	for (unsigned int lev = tbl->levels; lev > 1; lev--) {
		uint64_t e = level_entry(tbl, base, idx, lev);

		rc = ioda_sysmem_read64(mem, e, &tce);
		if (rc)
			return rc;
		if (!tce) {
			if (!alloc)
				return -ENOENT;
			rc = ioda_sysmem_alloc(mem, tbl->level_size, &next);
			if (rc)
				return rc;
			tce = next | IODA_TCE_READ | IODA_TCE_WRITE;
			ioda_sysmem_write64(mem, e, tce);
		}
		base = tce & IODA_TCE_RPN_MASK;
	}
	*slot = level_entry(tbl, base, idx, 1);
	return 0;
}

/* Frees the indirect levels below @base (level @lev), then @base itself. */
static void free_levels(struct ioda_sysmem *mem, const struct ioda_tce_table *tbl, uint64_t base,
			unsigned int lev)
{
	uint64_t pa = base, tce;

	while (lev > 1 && !ioda_sysmem_next_nonzero(mem, pa, base + tbl->level_size, &pa, &tce)) {
		free_levels(mem, tbl, tce & IODA_TCE_RPN_MASK, lev - 1);
		pa += 8;
	}
	ioda_sysmem_release(mem, base);
}

static void free_table(struct ioda_kernel *k, struct ioda_tce_table *tbl)
{
	if (!tbl)
		return;
	free_levels(ioda_opal_sysmem(k->opal), tbl, tbl->pa, tbl->levels);
	ioda_free(k->ctx, tbl);
}

/* The PE's default table, if the device's PE has one. */
static struct ioda_pe *dma_pe(struct ioda_kernel *k, const struct pci_dev *dev)
{
	struct ioda_pe *pe = ioda_dev_peek_pe(k, dev);

	return pe && pe->tbl ? pe : NULL;
}

/*
 * pnv_pci_ioda2_tce_invalidate() and _invalidate_pe(): a PHB3's kernel
 * writes the PHB's TCE kill register itself (pnv_pci_phb3_tce_invalidate,
 * one write per page); later PHBs ask OPAL, whose return code is ignored.
 */
static void tce_invalidate(struct ioda_pe *pe, enum ioda_tce_kill kind, uint64_t bus_addr,
			   unsigned int page_shift, uint64_t npages)
{
	struct ioda_phb *phb = pe->phb;
	struct ioda_opal *opal = phb->kernel->opal;
	bool pages = kind == IODA_TCE_KILL_PAGES;

	if (phb->domain->gen == IODA_PHB3) {
		ioda_hw_tce_kill_reg(ioda_opal_phb(opal, phb->opal_id), kind, pe->pe_number, bus_addr,
				     page_shift, npages);
		return;
	}
	/* A PE kill's callers pass no address and no pages. */
	opal_pci_tce_kill(opal, phb->opal_id, pages ? OPAL_PCI_TCE_KILL_PAGES : OPAL_PCI_TCE_KILL_PE,
			  pe->pe_number, pages ? 1u << page_shift : 0, bus_addr, (uint32_t)npages);
}

static int dma_map_locked(struct ioda_kernel *k, struct pci_dev *dev, uint64_t phys,
			  enum ioda_dma_dir dir, uint64_t *bus_addr)
{
	static const uint64_t perm[] = {
		[IODA_DMA_TO_DEVICE] = IODA_TCE_READ,
		[IODA_DMA_FROM_DEVICE] = IODA_TCE_WRITE,
		[IODA_DMA_BIDIRECTIONAL] = IODA_TCE_READ | IODA_TCE_WRITE,
	};
	struct ioda_pe *pe = dma_pe(k, dev);
	struct ioda_tce_table *tbl;
	struct ioda_sysmem *mem = ioda_opal_sysmem(k->opal);
	uint64_t entries, page_mask;

	if (!pe)
		return -ENODEV;
	tbl = pe->tbl;
	entries = tbl->window_size >> tbl->page_shift;
	page_mask = (1ull << tbl->page_shift) - 1;
	/* First fit from the last allocation, as the iommu pool allocator. */
	for (uint64_t n = 0; n < entries; n++) {
		uint64_t idx = (tbl->hint + n) % entries, slot, tce;
		int rc;

		if (idx >= tbl->hole_start && idx < tbl->hole_end)
			continue;
		rc = tce_slot(k, tbl, idx, true, &slot);
		if (rc)
			return rc;
		if (ioda_sysmem_read64(mem, slot, &tce) || tce)
			continue;
		ioda_sysmem_write64(mem, slot, (phys & ~page_mask & IODA_TCE_RPN_MASK) | perm[dir]);
		tbl->hint = idx + 1;
		*bus_addr = (idx << tbl->page_shift) | (phys & page_mask);
		/* pnv_ioda2_tce_build(): the page killed after it is written. */
		tce_invalidate(pe, IODA_TCE_KILL_PAGES, tbl->bus_offset + (idx << tbl->page_shift),
			       tbl->page_shift, 1);
		return 0;
	}
	return -ENOSPC;
}

static int dma_unmap_locked(struct ioda_kernel *k, struct pci_dev *dev, uint64_t bus_addr)
{
	struct ioda_pe *pe = dma_pe(k, dev);
	struct ioda_sysmem *mem = ioda_opal_sysmem(k->opal);
	uint64_t idx, slot, tce;

	if (!pe)
		return -ENODEV;
	idx = bus_addr >> pe->tbl->page_shift;
	if (bus_addr >= pe->tbl->window_size || tce_slot(k, pe->tbl, idx, false, &slot) ||
	    ioda_sysmem_read64(mem, slot, &tce) || !tce)
		return -EINVAL;
	ioda_sysmem_write64(mem, slot, 0);
	tce_invalidate(pe, IODA_TCE_KILL_PAGES, pe->tbl->bus_offset + (idx << pe->tbl->page_shift),
		       pe->tbl->page_shift, 1);
	return 0;
}

/* Under the kernel lock: a PE released meanwhile takes its table with it. */
int ioda_dma_map(struct ioda_kernel *k, struct pci_dev *dev, uint64_t phys,
		 enum ioda_dma_dir dir, uint64_t *bus_addr)
{
	int rc;

	pthread_mutex_lock(&k->lock);
	rc = dma_map_locked(k, dev, phys, dir, bus_addr);
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int ioda_dma_unmap(struct ioda_kernel *k, struct pci_dev *dev, uint64_t bus_addr)
{
	int rc;

	pthread_mutex_lock(&k->lock);
	rc = dma_unmap_locked(k, dev, bus_addr);
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* TVE 2*PE+@num onto @tbl, silently: OPAL's code. */
static int64_t map_tve(struct ioda_pe *pe, int num, const struct ioda_tce_table *tbl)
{
	struct ioda_phb *phb = pe->phb;
	uint64_t size = tbl->levels > 1 ? tbl->level_size : tbl->window_size >> tbl->page_shift << 3;

	return opal_pci_map_pe_dma_window(phb->kernel->opal, phb->opal_id, pe->pe_number,
					  (uint16_t)((pe->pe_number << 1) + num),
					  (uint16_t)tbl->levels, tbl->pa, size, 1ull << tbl->page_shift);
}

int64_t ioda_map_window(struct ioda_pe *pe, const struct ioda_tce_table *tbl)
{
	return map_tve(pe, 0, tbl);
}

/* pnv_pci_ioda2_set_window(): TVE 2*PE+num points at the table; the OPAL code. */
static int64_t ioda2_set_window(struct ioda_pe *pe, int num, struct ioda_tce_table *tbl)
{
	struct ioda_event ev = { .kind = IODA_EV_PE_WINDOW, .level = IODA_LOG_INFO };
	int64_t rc;

	ev.n = num;
	ev.a = tbl->bus_offset;
	ev.b = tbl->bus_offset + tbl->window_size - 1;
	ev.c = 1ull << tbl->page_shift;
	ioda_emit_pe(pe, &ev);
	rc = map_tve(pe, num, tbl);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_ERR, "Failed to configure TCE table, err %lld", (long long)rc);
		return rc;
	}
	tce_invalidate(pe, IODA_TCE_KILL_PE, 0, 0, 0);
	return 0;
}

/* pnv_pci_ioda2_set_bypass(): TVE 2*PE+1 maps bus 1<<59 + x to memory x. */
static void set_bypass(struct ioda_pe *pe, bool enable)
{
	struct ioda_phb *phb = pe->phb;
	struct ioda_event ev = { .kind = IODA_EV_PE_BYPASS, .level = IODA_LOG_INFO, .n = enable };
	uint64_t size = enable ? roundup_pow2(phb->kernel->dram_end) : 0;
	int64_t rc;

	ioda_emit_pe(pe, &ev);
	rc = opal_pci_map_pe_dma_window_real(phb->kernel->opal, phb->opal_id, pe->pe_number,
					     (uint16_t)((pe->pe_number << 1) + 1), BYPASS_BASE,
					     size);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_ERR, "OPAL error %lld configuring bypass window", (long long)rc);
		pe->hw_stale |= !enable;
	} else {
		pe->tce_bypass_enabled = enable;
	}
}

int ioda_group_register(struct ioda_kernel *k, struct ioda_pe *pe)
{
	unsigned int w = k->group_free, bit;

	/* The iommu core hands out the lowest free group id (an IDA), without a bound. */
	while (w < k->group_words && k->group_ids[w] == UINT64_MAX)
		w++;
	if (w == k->group_words) {
		unsigned int n = k->group_words ? 2 * k->group_words : 4;
		uint64_t *ids = ioda_realloc(k->ctx, k->group_ids, n * sizeof(*ids));

		if (!ids)
			return -1;
		k->group_ids = ids;
		k->group_words = n;
	}
	k->group_free = w;
	bit = (unsigned int)__builtin_ctzll(~k->group_ids[w]);
	k->group_ids[w] |= 1ull << bit;
	pe->group = (int)(w * 64 + bit);
	return pe->group;
}

void ioda_group_add_dev(struct ioda_kernel *k, struct ioda_pe *pe, struct pci_dev *dev)
{
	/* iommu_add_device(): a device already in a group stays there. */
	if (pe->group < 0 || dev->iommu_group >= 0)
		return;
	dev->iommu_group = pe->group;
	ioda_emit_dev(k, dev, IODA_EV_DEV_GROUP_ADD, pe->pe_number, pe->group);
}

void ioda_setup_dma_pe(struct ioda_phb *phb, struct ioda_pe *pe)
{
	struct ioda_kernel *k = phb->kernel;
	struct ioda_event ev = { .kind = IODA_EV_PE_TCE32, .level = IODA_LOG_INFO };
	struct ioda_tce_table *tbl = NULL;
	unsigned int page_shift, levels;
	uint64_t window;
	int64_t rc64;
	int rc;

	pe->tce_bypass_base = BYPASS_BASE;
	ev.a = phb->m32_pci_base;
	ioda_emit_pe(pe, &ev);
	pe->table_ops = &ioda2_table_ops;
	default_window(k, &window, &page_shift, &levels);
	rc = pe->table_ops->create_table(pe, 0, page_shift, window, levels, &tbl);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_ERR, "Failed to create 32-bit TCE table, err %d", rc);
		return;
	}
	rc64 = pe->table_ops->set_window(pe, 0, tbl);
	if (rc64) {
		ioda_pe_printf(pe, IODA_LOG_ERR, "Failed to configure 32-bit TCE table, err %lld",
			       (long long)rc64);
		free_table(k, tbl);
		tbl = NULL;
	}
	pe->tbl = tbl;
	if (!k->nobypass)
		set_bypass(pe, true);
	/* >= 5.8 registers the group here; older kernels in the fixup pass. */
	if (k->profile.pe_at_device_add)
		ioda_group_register(k, pe);
	pe->dma_setup_done = true;
}

void ioda_pe_dma_free(struct ioda_pe *pe)
{
	if (!pe->tbl)
		return;
	free_table(pe->phb->kernel, pe->tbl);
	pe->tbl = NULL;
}

/* pnv_pci_ioda2_unset_window() */
static void ioda2_unset_window(struct ioda_pe *pe, int num)
{
	struct ioda_phb *phb = pe->phb;
	struct ioda_event ev = { .kind = IODA_EV_PE_WINDOW_REMOVE, .level = IODA_LOG_INFO, .n = num };
	int64_t rc;

	ioda_emit_pe(pe, &ev);
	rc = opal_pci_map_pe_dma_window(phb->kernel->opal, phb->opal_id, pe->pe_number,
					(uint16_t)((pe->pe_number << 1) + num), 0, 0, 0, 0);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_WARNING, "Unmapping failed, ret = %lld", (long long)rc);
		ioda_pe_printf(pe, IODA_LOG_WARNING, "OPAL error %lld release DMA window",
			       (long long)rc);
		pe->hw_stale = true;
	} else {
		tce_invalidate(pe, IODA_TCE_KILL_PE, 0, 0, 0);
	}
}

/* pnv_pci_ioda2_ops: every IODA2/IODA3 PE's (PHB3, PHB4, PHB5). */
const struct ioda_table_group_ops ioda2_table_ops = {
	.create_table = ioda2_create_table,
	.set_window = ioda2_set_window,
	.unset_window = ioda2_unset_window,
};

void ioda_release_pe_dma(struct ioda_pe *pe)
{
	struct ioda_kernel *k = pe->phb->kernel;

	if (!pe->dma_setup_done)
		return;
	pe->table_ops->unset_window(pe, 0);
	set_bypass(pe, false);
	/* The group's id is free again once the PE lets go of it. */
	if (pe->group >= 0) {
		k->group_ids[pe->group / 64] &= ~(1ull << (pe->group % 64));
		if ((unsigned int)pe->group / 64 < k->group_free)
			k->group_free = (unsigned int)pe->group / 64;
	}
	pe->group = -1;
	if (pe->tbl)
		ioda_npu_unshare_table(k, pe->tbl->pa);
	ioda_pe_dma_free(pe);
	pe->dma_setup_done = false;
}
