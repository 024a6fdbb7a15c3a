/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OPAL calls that program the tables: RTT, PELT-V, M32/M64, TVT, MSI.
 * Each check is one skiboot makes (hw/phb3.c, hw/phb4.c); where the two
 * differ, the generation's table (phb3.c, phb4.c) decides.
 */
#include <string.h>

#include <ioda/opal.h>

#include "opal_priv.h"

int64_t opal_pci_set_pe(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
			uint64_t bus_dev_func, uint8_t bus_compare, uint8_t dev_compare,
			uint8_t func_compare, uint8_t pe_action)
{
	struct ioda_phb_hw *phb;
	uint16_t mask = 0;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_SET_PE, &phb);
	if (rc)
		return rc;
	if ((pe_action != OPAL_MAP_PE && pe_action != OPAL_UNMAP_PE) || pe_number >= phb->num_pes ||
	    bus_dev_func > 0xffff || bus_compare > OpalPciBusAll ||
	    dev_compare > OPAL_COMPARE_RID_DEVICE_NUMBER ||
	    func_compare > OPAL_COMPARE_RID_FUNCTION_NUMBER) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	/* The top bus_compare + 1 bits of the bus number; Any compares none. */
	if (bus_compare != OpalPciBusAny)
		mask = (uint16_t)(((1u << (bus_compare + 1)) - 1) << (15 - bus_compare));
	if (dev_compare)
		mask |= 0x00f8;
	if (func_compare)
		mask |= 0x0007;
	/* Unmapped RIDs go back to the reserved PE, never to "invalid". */
	ioda_hw_rtt_set(phb, (uint16_t)bus_dev_func, mask,
			(uint16_t)(pe_action == OPAL_MAP_PE ? pe_number : phb->reserved_pe));
out:
	opal_exit(phb);
	return rc;
}

int64_t opal_pci_set_peltv(struct ioda_opal *opal, uint64_t phb_id, uint32_t parent_pe,
			   uint32_t child_pe, uint8_t state)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_SET_PELTV, &phb);
	if (rc)
		return rc;
	if (parent_pe >= phb->num_pes || child_pe >= phb->num_pes)
		rc = OPAL_PARAMETER;
	else
		ioda_hw_peltv_set(phb, parent_pe, child_pe, state != 0);
	opal_exit(phb);
	return rc;
}

int64_t opal_pci_map_pe_mmio_window(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				    uint16_t window_type, uint16_t window_num, uint16_t segment_num)
{
	struct ioda_phb_hw *phb;
	struct ioda_m64_bar *bar;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_MAP_PE_MMIO_WINDOW, &phb);
	if (rc)
		return rc;
	if (pe_number >= phb->num_pes) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	switch (window_type) {
	case OPAL_IO_WINDOW_TYPE:
		rc = OPAL_UNSUPPORTED;
		break;
	case OPAL_M32_WINDOW_TYPE:
		if (window_num != 0 || segment_num >= phb->num_pes)
			rc = OPAL_PARAMETER;
		else
			phb->m32_pe[segment_num] = (uint16_t)pe_number;
		break;
	case OPAL_M64_WINDOW_TYPE:
		if (!opal_phb_ops(phb)->m64_window_valid(phb, window_num)) {
			rc = OPAL_PARAMETER;
			break;
		}
		bar = &phb->m64[window_num];
		/* The API's only remap: the whole BAR to one PE, while disabled. */
		if (bar->enabled) {
			rc = OPAL_PARTIAL;
			break;
		}
		bar->mode = IODA_M64_SINGLE_PE;
		bar->pe = (uint32_t)pe_number;
		break;
	default:
		rc = OPAL_PARAMETER;
	}
out:
	opal_exit(phb);
	return rc;
}

/* The BAR's checks first; where it may go is the generation's rule. */
static int64_t opal_set_m64_window(struct ioda_phb_hw *phb, uint16_t window_num, uint64_t addr,
				   uint64_t size)
{
	const struct opal_phb_ops *ops = opal_phb_ops(phb);

	if (!ops->m64_window_valid(phb, window_num))
		return OPAL_PARAMETER;
	return ops->set_m64_window(phb, &phb->m64[window_num], addr, size);
}

int64_t opal_pci_set_phb_mem_window(struct ioda_opal *opal, uint64_t phb_id, uint16_t window_type,
				    uint16_t window_num, uint64_t addr, uint64_t pci_addr,
				    uint64_t size)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_SET_PHB_MEM_WINDOW, &phb);
	if (rc)
		return rc;
	switch (window_type) {
	case OPAL_IO_WINDOW_TYPE:
	case OPAL_M32_WINDOW_TYPE:
		rc = OPAL_UNSUPPORTED;
		break;
	case OPAL_M64_WINDOW_TYPE:
		rc = opal_set_m64_window(phb, window_num, addr, size);
		break;
	default:
		rc = OPAL_PARAMETER;
	}
	opal_exit(phb);
	return rc;
}

/*
 * Enabling needs the mode the request names and a base inside the M64
 * window; what a disable keeps is the generation's rule.
 */
static int64_t opal_enable_m64(struct ioda_phb_hw *phb, uint16_t window_num, uint16_t enable)
{
	struct ioda_m64_bar *bar = &phb->m64[window_num];
	enum ioda_m64_mode want;

	if (enable == OPAL_DISABLE_M64) {
		opal_phb_ops(phb)->disable_m64(bar);
		return OPAL_SUCCESS;
	}
	want = enable == OPAL_ENABLE_M64_SPLIT ? IODA_M64_SPLIT : IODA_M64_SINGLE_PE;
	if (bar->mode != want)
		return OPAL_PARAMETER;
	if (bar->base < phb->m64_base || !bar->size)
		return OPAL_PARTIAL;
	bar->enabled = true;
	return OPAL_SUCCESS;
}

int64_t opal_pci_phb_mmio_enable(struct ioda_opal *opal, uint64_t phb_id, uint16_t window_type,
				 uint16_t window_num, uint16_t enable)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_PHB_MMIO_ENABLE, &phb);
	if (rc)
		return rc;
	switch (window_type) {
	case OPAL_IO_WINDOW_TYPE:
	case OPAL_M32_WINDOW_TYPE:
		rc = OPAL_UNSUPPORTED;
		break;
	case OPAL_M64_WINDOW_TYPE:
		if (!opal_phb_ops(phb)->m64_window_valid(phb, window_num) ||
		    enable > OPAL_ENABLE_M64_NON_SPLIT)
			rc = OPAL_PARAMETER;
		else
			rc = opal_enable_m64(phb, window_num, enable);
		break;
	default:
		rc = OPAL_PARAMETER;
	}
	opal_exit(phb);
	return rc;
}

/* The TVT's IO page size field: one of the generation's four sizes, else 0. */
static unsigned int opal_tce_page_shift(const struct ioda_phb_hw *phb, uint64_t size)
{
	const uint8_t *shifts = opal_phb_ops(phb)->tce_page_shifts;

	for (unsigned int i = 0; i < 4; i++)
		if (size == 1ull << shifts[i])
			return shifts[i];
	return 0;
}

/* Both DMA calls: only "2 TVEs per PE" mode, so window_id / 2 is the PE. */
static bool opal_tve_id_valid(const struct ioda_phb_hw *phb, uint64_t pe_number, uint16_t window_id)
{
	return pe_number < phb->num_pes && (uint64_t)(window_id >> 1) == pe_number;
}

int64_t opal_pci_map_pe_dma_window(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				   uint16_t window_id, uint16_t tce_levels, uint64_t tce_table_addr,
				   uint64_t tce_table_size, uint64_t tce_page_size)
{
	struct ioda_phb_hw *phb;
	struct ioda_tve tve = {.kind = IODA_TVE_TCE};
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_MAP_PE_DMA_WINDOW, &phb);
	if (rc)
		return rc;
	if (!opal_tve_id_valid(phb, pe_number, window_id)) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	/* Size 0 disables; the other arguments are ignored. */
	if (!tce_table_size) {
		memset(&phb->tvt[window_id], 0, sizeof(tve));
		goto out;
	}
	/* The size field holds ilog2(size) - 11 in 5 bits. */
	if (tce_levels < 1 || tce_levels > IODA_TCE_MAX_LEVELS || !opal_is_pow2(tce_table_size) ||
	    tce_table_size < 0x1000 || __builtin_ctzll(tce_table_size) - 11 > 31) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	tve.page_shift = opal_tce_page_shift(phb, tce_page_size);
	if (!tve.page_shift) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	tve.levels = tce_levels;
	/* The TVE keeps address bits 12 and up. */
	tve.table_pa = tce_table_addr & ~0xfffull;
	tve.level_size = tce_table_size;
	phb->tvt[window_id] = tve;
out:
	opal_exit(phb);
	return rc;
}

int64_t opal_pci_map_pe_dma_window_real(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
					uint16_t window_id, uint64_t pci_start_addr,
					uint64_t pci_mem_size)
{
	struct ioda_phb_hw *phb;
	struct ioda_tve tve = {.kind = IODA_TVE_BYPASS};
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_MAP_PE_DMA_WINDOW_REAL, &phb);
	if (rc)
		return rc;
	if (!opal_tve_id_valid(phb, pe_number, window_id)) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	if (!pci_mem_size) {
		memset(&phb->tvt[window_id], 0, sizeof(tve));
		goto out;
	}
	/* Bit 59 of the start must select this very TVE. */
	if ((pci_start_addr >> 59) != (window_id & 1u)) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	tve.start = pci_start_addr & (IODA_TVE_SELECT_BIT - 1);
	tve.end = tve.start + pci_mem_size;
	if ((tve.start & 0xffffffull) || (pci_mem_size & 0xffffffull) ||
	    tve.end > IODA_BYPASS_END_MAX) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	phb->tvt[window_id] = tve;
out:
	opal_exit(phb);
	return rc;
}

/*
 * phb4_tce_kill: since skiboot 7.0 a page kill is turned into a PE kill
 * up front (HW560152: a page kill can be dropped when the queue backs up),
 * so only the kill type is checked; the PE kill writes the PE number into
 * PHB_TCE_KILL's 9-bit PENUM field, unchecked.
 */
int64_t opal_pci_tce_kill(struct ioda_opal *opal, uint64_t phb_id, uint32_t kill_type,
			  uint64_t pe_number, uint32_t tce_size, uint64_t dma_addr, uint32_t npages)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_TCE_KILL, &phb);
	if (rc)
		return rc;
	if (kill_type > OPAL_PCI_TCE_KILL_ALL)
		rc = OPAL_PARAMETER;
	else
		ioda_hw_tce_cache_kill(phb,
				       kill_type == OPAL_PCI_TCE_KILL_ALL ? IODA_TCE_KILL_ALL
									  : IODA_TCE_KILL_PE,
				       (unsigned int)(pe_number & 0x1ff), 0, 0, 0);
	opal_exit(phb);
	return rc;
}

int64_t opal_pci_set_xive_pe(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
			     uint32_t xive_num)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_SET_XIVE_PE, &phb);
	if (rc)
		return rc;
	if (pe_number >= phb->num_pes || xive_num >= ioda_hw_msi_count(phb))
		rc = OPAL_PARAMETER;
	else
		phb->mist[xive_num] = (uint16_t)pe_number;
	opal_exit(phb);
	return rc;
}

/*
 * Both get_msi calls: the IVE index is carried by the address (bits 4 and
 * up) and the data (bits 0..4).  The PE (mve_number) is only range-checked.
 */
static int64_t opal_get_msi(struct ioda_opal *opal, uint64_t phb_id, unsigned int token,
			    uint32_t mve_number, uint32_t xive_num, uint8_t msi_range,
			    uint64_t *addr, uint32_t *message_data)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, token, &phb);
	if (rc)
		return rc;
	if (mve_number >= phb->num_pes || xive_num >= ioda_hw_msi_count(phb) || msi_range != 1 ||
	    !message_data) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	*addr = ((uint64_t)xive_num << 4) & 0xfffffffffffffe0full;
	*message_data = xive_num & 0x1f;
out:
	opal_exit(phb);
	return rc;
}

int64_t opal_get_msi_32(struct ioda_opal *opal, uint64_t phb_id, uint32_t mve_number,
			uint32_t xive_num, uint8_t msi_range, uint32_t *msi_address,
			uint32_t *message_data)
{
	uint64_t addr;
	int64_t rc;

	if (!msi_address)
		return OPAL_PARAMETER;
	rc = opal_get_msi(opal, phb_id, OPAL_GET_MSI_32, mve_number, xive_num, msi_range, &addr,
			  message_data);
	if (rc == OPAL_SUCCESS)
		*msi_address = 0xffff0000u | (uint32_t)addr;
	return rc;
}

int64_t opal_get_msi_64(struct ioda_opal *opal, uint64_t phb_id, uint32_t mve_number,
			uint32_t xive_num, uint8_t msi_range, uint64_t *msi_address,
			uint32_t *message_data)
{
	uint64_t addr;
	int64_t rc;

	if (!msi_address)
		return OPAL_PARAMETER;
	rc = opal_get_msi(opal, phb_id, OPAL_GET_MSI_64, mve_number, xive_num, msi_range, &addr,
			  message_data);
	if (rc == OPAL_SUCCESS)
		*msi_address = (1ull << 60) | addr;
	return rc;
}

/* skiboot: one SPA per OpenCAPI link, PE mask of 4 bits, 15-bit PE handles. */
int64_t opal_npu_spa_setup(struct ioda_opal *opal, uint64_t phb_id, uint32_t bdfn, uint64_t addr,
			   uint64_t pe_mask)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_NPU_SPA_SETUP, &phb);
	if (rc)
		return rc;
	if (!phb->opencapi || (addr & 0xfff) || pe_mask > 15 || bdfn > 0xffff)
		rc = OPAL_PARAMETER;
	else if (!addr == !phb->spa_addr)
		rc = OPAL_BUSY;
	else {
		phb->spa_addr = addr;
		phb->spa_pe_mask = addr ? (uint8_t)pe_mask : 0;
	}
	opal_exit(phb);
	return rc;
}

int64_t opal_npu_spa_clear_cache(struct ioda_opal *opal, uint64_t phb_id, uint32_t bdfn,
				 uint64_t pe_handle)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_NPU_SPA_CLEAR_CACHE, &phb);
	if (rc)
		return rc;
	if (!phb->opencapi || !phb->spa_addr || pe_handle >= (1u << 15) || bdfn > 0xffff)
		rc = OPAL_PARAMETER;
	else
		phb->spa_cache_clears++;
	opal_exit(phb);
	return rc;
}
