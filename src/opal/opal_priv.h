/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside src/opal only. */
#ifndef IODA_OPAL_PRIV_H
#define IODA_OPAL_PRIV_H

#include <stdatomic.h>

#include <ioda/list.h>
#include <ioda/opal.h>

struct opal_phb {
	struct ioda_list node;
	uint64_t id;
	struct ioda_phb_hw *hw;
};

struct ioda_opal {
	struct ioda_ctx *ctx;
	struct ioda_sysmem *mem;
	pthread_mutex_t lock; /* the PHB list, the slots, the messages */
	struct ioda_list phbs;
	struct opal_phb *last; /* the latest found; PHBs leave only with the OPAL */
	/* ioda_opal_fail_calls(): under @lock. */
	unsigned int fail_token;
	atomic_uint fail_left; /* read unlocked first: the calls' path when none is asked */
	struct ioda_list slots; /* struct opal_slot (slot.c) */
	struct ioda_list msgs;	/* queued OPAL_MSG_ASYNC_COMP messages */
	uint64_t next_token;	/* opal_async_get_token() */
};

/* The fault hook and ioda_opal_fail_calls(): true when this call of @token fails. */
bool opal_call_fails(struct ioda_opal *opal, unsigned int token);

/*
 * opal_pci_reset() on a bridge's slot: hot and fundamental resets (the
 * link only: the model's tables do not see it), else OPAL_UNSUPPORTED.
 */
int64_t opal_slot_reset(struct ioda_opal *opal, uint64_t id, uint8_t scope, uint8_t assert_state);

/* Frees the slots, their cards and the messages nobody took (slot.c). */
void opal_slots_free(struct ioda_opal *opal);

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

/* Size a power of two, address aligned to @align_mask and to the size. */
static inline bool opal_m64_range_valid(uint64_t addr, uint64_t size, uint64_t align_mask)
{
	return !(addr & align_mask) && !(size & align_mask) && opal_is_pow2(size) &&
	       !(addr & (size - 1));
}

/*
 * What each PHB generation's firmware does its own way, as skiboot's
 * struct phb_ops (one table per driver: phb3.c, phb4.c); the calls in
 * pci.c, inject.c and opal.c do the common part and ask the table.
 */
struct opal_phb_ops {
	bool tce_kill; /* has the tce_kill call; else OPAL_UNSUPPORTED, before all else */
	bool (*m64_window_valid)(const struct ioda_phb_hw *phb, uint16_t window_num);
	/* set_phb_mem_window on an M64 BAR: the alignment and enabled-BAR rules. */
	int64_t (*set_m64_window)(struct ioda_phb_hw *phb, struct ioda_m64_bar *bar, uint64_t addr,
				  uint64_t size);
	void (*disable_m64)(struct ioda_m64_bar *bar);
	uint8_t tce_page_shifts[4]; /* the TVT's four IO page sizes */
	bool inject_mmio_dma; /* err_inject takes MMIO and DMA errors, not only config */
	uint32_t diag_io_type;
};

extern const struct opal_phb_ops opal_phb3_ops, opal_phb4_ops;

/* The table of @phb's generation (PHB5 is PHB4's, as in skiboot). */
static inline const struct opal_phb_ops *opal_phb_ops(const struct ioda_phb_hw *phb)
{
	return phb->gen == IODA_PHB3 ? &opal_phb3_ops : &opal_phb4_ops;
}

#endif
