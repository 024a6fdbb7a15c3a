/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where POWER8's PHB3 firmware (skiboot hw/phb3.c) answers its own way. */
#include <ioda/opal.h>

#include "opal_priv.h"

/* phb3_set_phb_mem_window, phb3_phb_mmio_enable: BARs 0..15 are all M64. */
static bool phb3_m64_window_valid(const struct ioda_phb_hw *phb, uint16_t window_num)
{
	return window_num < IODA_PHB3_M64_BARS;
}

/* phb3_set_phb_mem_window: 1 MB alignment split, 32 MB single-PE; an enabled BAR moves too. */
static int64_t phb3_set_m64_window(struct ioda_phb_hw *phb, struct ioda_m64_bar *bar,
				   uint64_t addr, uint64_t size)
{
	uint64_t align = bar->mode == IODA_M64_SINGLE_PE ? 0x1ffffffull : 0xfffffull;

	if (!opal_m64_range_valid(addr, size, align))
		return OPAL_PARAMETER;
	bar->base = addr;
	bar->size = size;
	return OPAL_SUCCESS;
}

/* phb3_phb_mmio_enable: a disabled BAR keeps its base and size, back to split mode. */
static void phb3_disable_m64(struct ioda_m64_bar *bar)
{
	bar->enabled = false;
	bar->mode = IODA_M64_SPLIT;
}

const struct opal_phb_ops opal_phb3_ops = {
	.tce_kill = false, /* phb3_ops has none: its kernel writes the kill register */
	.m64_window_valid = phb3_m64_window_valid,
	.set_m64_window = phb3_set_m64_window,
	.disable_m64 = phb3_disable_m64,
	.tce_page_shifts = { 12, 16, 24, 28 }, /* phb3_map_pe_dma_window: 4K 64K 16M 256M */
	.inject_mmio_dma = true,                 /* phb3_err_inject */
	.diag_io_type = OPAL_PHB_ERROR_DATA_TYPE_PHB3, /* phb3_get_diag_data */
};
