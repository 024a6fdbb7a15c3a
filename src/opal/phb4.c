/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where POWER9's PHB4 firmware (skiboot hw/phb4.c, which drives POWER10's
 * PHB5 too) answers its own way.
 */
#include <string.h>

#include <ioda/opal.h>

#include "opal_priv.h"

static bool phb4_has_call(unsigned int token)
{
	return true;
}

/* MBT0 is the M32 BAR. */
static bool phb4_m64_window_valid(const struct ioda_phb_hw *phb, uint16_t window_num)
{
	return window_num != 0 && window_num < phb->m64_count;
}

/* 4 KB alignment; an enabled BAR is left alone (OPAL_PARTIAL). */
static int64_t phb4_set_m64_window(struct ioda_phb_hw *phb, struct ioda_m64_bar *bar,
				   uint64_t addr, uint64_t size)
{
	if (!opal_m64_range_valid(addr, size, 0xfffull))
		return OPAL_PARAMETER;
	if (bar->enabled)
		return OPAL_PARTIAL;
	bar->base = addr;
	bar->size = size;
	return OPAL_SUCCESS;
}

/* A disable returns the BAR to its default segmented mode and forgets base and size. */
static void phb4_disable_m64(struct ioda_m64_bar *bar)
{
	memset(bar, 0, sizeof(*bar));
}

/* The TVT's IO page sizes: 4K, 64K, 2M, 1G. */
static unsigned int phb4_tce_page_shift(uint64_t size)
{
	switch (size) {
	case 0x1000:
		return 12;
	case 0x10000:
		return 16;
	case 0x200000:
		return 21;
	case 0x40000000:
		return 30;
	}
	return 0;
}

const struct opal_phb_ops opal_phb4_ops = {
	.has_call = phb4_has_call,
	.m64_window_valid = phb4_m64_window_valid,
	.set_m64_window = phb4_set_m64_window,
	.disable_m64 = phb4_disable_m64,
	.tce_page_shift = phb4_tce_page_shift,
	.inject_mmio_dma = false, /* skiboot's PHB4 injects config errors only */
	.diag_io_type = OPAL_PHB_ERROR_DATA_TYPE_PHB4,
};
