/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside src/opal only. */
#ifndef IODA_OPAL_PRIV_H
#define IODA_OPAL_PRIV_H

#include <ioda/opal.h>

/*
 * skiboot's wrapper (core/pci-opal.c) plus the fault hook: OPAL_PARAMETER
 * for an unknown PHB, OPAL_UNSUPPORTED when the generation lacks the call
 * @token, OPAL_HARDWARE when the IODA_FAULT_OPAL fault point fires.  On
 * OPAL_SUCCESS the PHB is locked and in *phb; opal_exit() unlocks.
 */
int64_t opal_enter(struct ioda_opal *opal, uint64_t phb_id, unsigned int token,
		   struct ioda_phb_hw **phb);
void opal_exit(struct ioda_phb_hw *phb);

static inline bool opal_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif
