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

#endif
