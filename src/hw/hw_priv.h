/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside src/hw only. */
#ifndef IODA_HW_PRIV_H
#define IODA_HW_PRIV_H

#include <ioda/hw.h>

/*
 * Records @err (the first one since the last clear is kept for the diag
 * data), marks an error pending, and freezes err->pe (MMIO and DMA) and
 * every PE in its PELT-V row.  Lock held.
 */
void ioda_hw_raise(struct ioda_phb_hw *phb, const struct ioda_hw_error *err);

/*
 * The leaf TCE for offset @off of a TCE window, walked in system memory,
 * no cache: IODA_ERR_NONE with *tce valid (read or write allowed).
 */
enum ioda_hw_reason ioda_hw_tce_leaf(struct ioda_phb_hw *phb, const struct ioda_tve *tve,
				     uint64_t off, uint64_t *tce);

/* tce_cache.c: the cache of leaf TCEs, lock held but for init and fini. */
int ioda_hw_tce_cache_init(struct ioda_phb_hw *phb, unsigned int entries);
void ioda_hw_tce_cache_fini(struct ioda_phb_hw *phb);
bool ioda_hw_tce_cache_lookup(struct ioda_phb_hw *phb, unsigned int tve, uint64_t page,
			      uint64_t *tce);
void ioda_hw_tce_cache_insert(struct ioda_phb_hw *phb, unsigned int tve, unsigned int page_shift,
			      uint64_t page, uint64_t tce);
void ioda_hw_tce_cache_flush(struct ioda_phb_hw *phb);

#endif
