/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where POWER9's PHB4 firmware (skiboot hw/phb4.c, which drives POWER10's
 * PHB5 too) answers its own way.
 */
#include <string.h>

#include <ioda/opal.h>

#include "opal_priv.h"

/* phb4_set_phb_mem_window, phb4_phb_mmio_enable: MBT0 is the M32 BAR. */
static bool phb4_m64_window_valid(const struct ioda_phb_hw *phb, uint16_t window_num)
{
	return window_num != 0 && window_num < phb->m64_count;
}

/* phb4_set_phb_mem_window: 4 KB alignment; an enabled BAR is left alone (OPAL_PARTIAL). */
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

/* phb4_phb_mmio_enable: a disable returns the BAR to segmented mode, base and size gone. */
static void phb4_disable_m64(struct ioda_m64_bar *bar)
{
	memset(bar, 0, sizeof(*bar));
}

const struct opal_phb_ops opal_phb4_ops = {
	.tce_kill = true, /* phb4_tce_kill */
	.m64_window_valid = phb4_m64_window_valid,
	.set_m64_window = phb4_set_m64_window,
	.disable_m64 = phb4_disable_m64,
	.tce_page_shifts = { 12, 16, 21, 30 }, /* phb4_map_pe_dma_window: 4K 64K 2M 1G */
	.inject_mmio_dma = false, /* phb4_err_inject: the cfg kind only (mem, dma unsupported) */
	.diag_io_type = OPAL_PHB_ERROR_DATA_TYPE_PHB4, /* phb4_get_diag_data */
};
