/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The access paths through tables programmed by OPAL calls, and the EEH
 * calls that report and clear what they froze: DMA through TCE tables and
 * bypass, MMIO to frozen PEs, MSI validation, PELT-V, error injection,
 * freeze status, next error, diag data, fence.
 */
#include <errno.h>

#include "fixture.h"

#define RID_A 0x0100 /* bus 1, mapped to PE_A */
#define RID_B 0x0200 /* bus 2, mapped to PE_B */
#define PE_A 5
#define PE_B 70 /* another PEEV word than PE_A */

static void map_bus(struct fx *f, uint16_t rid, uint64_t pe)
{
	assert_int_equal(opal_pci_set_pe(f->opal, PHB_ID, pe, rid, OpalPciBusAll,
					 OPAL_IGNORE_RID_DEVICE_NUMBER,
					 OPAL_IGNORE_RID_FUNCTION_NUMBER, OPAL_MAP_PE),
			 OPAL_SUCCESS);
}

static uint64_t table_new(struct fx *f, uint64_t size)
{
	uint64_t pa;

	assert_int_equal(ioda_sysmem_alloc(ioda_opal_sysmem(f->opal), size, &pa), 0);
	return pa;
}

static void tce_set(struct fx *f, uint64_t table, uint64_t idx, uint64_t tce)
{
	assert_int_equal(ioda_sysmem_write64(ioda_opal_sysmem(f->opal), table + idx * 8, tce), 0);
}

static unsigned int pe_state(struct fx *f, uint64_t pe)
{
	uint8_t state = 0xff;
	uint16_t type = 0xffff;

	assert_int_equal(opal_pci_eeh_freeze_status(f->opal, PHB_ID, pe, &state, &type, NULL),
			 OPAL_SUCCESS);
	return state;
}

static void thaw(struct fx *f, uint64_t pe)
{
	assert_int_equal(
		opal_pci_eeh_freeze_clear(f->opal, PHB_ID, pe, OPAL_EEH_ACTION_CLEAR_FREEZE_ALL),
		OPAL_SUCCESS);
}

static int dma(struct fx *f, uint16_t rid, uint64_t addr, bool is_write,
	       struct ioda_dma_result *res)
{
	return ioda_hw_dma(f->phb, rid, addr, is_write, res);
}

/* A 1-level table of 512 4K TCEs at TVE 2*PE_A: a 2 MB window at 0. */
static uint64_t setup_one_level(struct fx *f)
{
	uint64_t table = table_new(f, 0x1000);

	map_bus(f, RID_A, PE_A);
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, PHB_ID, PE_A, 2 * PE_A, 1, table,
						    0x1000, 0x1000),
			 OPAL_SUCCESS);
	return table;
}

static void dma_one_level_tce_translates_with_the_page_offset(void **state)
{
	struct fx *f = *state;
	uint64_t table = setup_one_level(f);
	struct ioda_dma_result res;

	tce_set(f, table, 3, 0x20000000 | IODA_TCE_READ | IODA_TCE_WRITE);
	assert_int_equal(dma(f, RID_A, 0x3123, false, &res), 0);
	assert_int_equal(res.pe, PE_A);
	assert_int_equal(res.tve, 2 * PE_A);
	assert_int_equal(res.sys_addr, 0x20000123);
	assert_int_equal(dma(f, RID_A | 0x17, 0x3ff8, true, &res), 0);
	assert_int_equal(res.sys_addr, 0x20000ff8);
	/* entry 4 was never set */
	assert_int_equal(dma(f, RID_A, 0x4000, false, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_TCE_INVALID);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
}

/* Two levels of 512 entries, 64K pages: indirect TCEs point at level 2. */
static void dma_two_level_table_allocates_levels_on_demand(void **state)
{
	struct fx *f = *state;
	struct ioda_sysmem *mem = ioda_opal_sysmem(f->opal);
	uint64_t top = table_new(f, 0x1000), leaf;
	uint64_t addr = (7ull << 25) | (3ull << 16) | 0x42; /* top 7, leaf 3 */
	struct ioda_dma_result res;

	map_bus(f, RID_A, PE_A);
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, PHB_ID, PE_A, 2 * PE_A, 2, top, 0x1000,
						    0x10000),
			 OPAL_SUCCESS);
	assert_int_equal(ioda_tve_window_size(&f->phb->tvt[2 * PE_A]), 1ull << 34);
	/* The kernel has not allocated level 2 for this range yet. */
	assert_int_equal(dma(f, RID_A, addr, false, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_TCE_INVALID);
	thaw(f, PE_A);

	leaf = table_new(f, 0x1000);
	tce_set(f, top, 7, leaf | IODA_TCE_READ | IODA_TCE_WRITE);
	tce_set(f, leaf, 3, 0x7770000 | IODA_TCE_READ);
	assert_int_equal(dma(f, RID_A, addr, false, &res), 0);
	assert_int_equal(res.sys_addr, 0x7770042);
	assert_int_equal(ioda_sysmem_regions(mem), 2);
	/*
	 * Level 2 freed under the TVE with no kill: the PHB's TCE cache still
	 * translates the page, and the check sees it stale; once killed, the
	 * walk reads no memory there.
	 */
	assert_int_equal(ioda_sysmem_release(mem, leaf), 0);
	assert_int_equal(dma(f, RID_A, addr, false, &res), 0);
	assert_int_equal(res.sys_addr, 0x7770042);
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, NULL, NULL), 1);
	assert_int_equal(opal_pci_tce_kill(f->opal, PHB_ID, OPAL_PCI_TCE_KILL_PE, PE_A, 0, 0, 0),
			 f->phb->gen == IODA_PHB3 ? OPAL_UNSUPPORTED : OPAL_SUCCESS);
	if (f->phb->gen == IODA_PHB3) /* its kernel writes the kill register */
		ioda_hw_tce_kill_reg(f->phb, IODA_TCE_KILL_PE, PE_A, 0, 0, 0);
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, NULL, NULL), 0);
	assert_int_equal(dma(f, RID_A, addr, false, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_TCE_MEMORY);
}

struct stale {
	unsigned int n, pe;
	uint64_t addr, cached, table;
};

static void note_stale(void *arg, unsigned int pe, unsigned int tve, uint64_t addr,
		       uint64_t cached, uint64_t table)
{
	struct stale *st = arg;

	st->n++;
	st->pe = pe;
	st->addr = addr;
	st->cached = cached;
	st->table = table;
}

/*
 * The TCE cache keeps what a DMA read until a kill of its kind: a page
 * kill drops that page of that PE's window only (PHB3's register; OPAL's
 * page kill is a PE kill since skiboot 7.0, HW560152), a PE kill all the
 * PE's pages, a kill of all everything; a TCE rewritten unkilled is the
 * stale entry the check names.
 */
static void tce_cache_keeps_translations_until_killed(void **state)
{
	struct fx *f = *state;
	uint64_t top = table_new(f, 0x1000), a0 = 0x10042, a1 = 0x20042;
	struct ioda_dma_result res;
	struct stale st = { 0 };
	bool phb3 = f->phb->gen == IODA_PHB3;

	map_bus(f, RID_A, PE_A);
	map_bus(f, RID_B, PE_B);
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, PHB_ID, PE_A, 2 * PE_A, 1, top,
						    0x1000, 0x10000),
			 OPAL_SUCCESS);
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, PHB_ID, PE_B, 2 * PE_B, 1, top,
						    0x1000, 0x10000),
			 OPAL_SUCCESS);
	tce_set(f, top, 1, 0x1110000 | IODA_TCE_READ | IODA_TCE_WRITE);
	tce_set(f, top, 2, 0x2220000 | IODA_TCE_READ);
	assert_int_equal(dma(f, RID_A, a0, true, &res), 0);
	assert_int_equal(dma(f, RID_A, a1, false, &res), 0);
	assert_int_equal(dma(f, RID_B, a0, false, &res), 0);
	/* Page 1 moves; unkilled, both PEs still reach the old page. */
	tce_set(f, top, 1, 0x3330000 | IODA_TCE_READ | IODA_TCE_WRITE);
	assert_int_equal(dma(f, RID_A, a0, true, &res), 0);
	assert_int_equal(res.sys_addr, 0x1110042);
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, note_stale, &st), 2);
	assert_int_equal(st.addr, 0x10000);
	assert_int_equal(st.cached, 0x1110000 | IODA_TCE_READ | IODA_TCE_WRITE);
	assert_int_equal(st.table, 0x3330000 | IODA_TCE_READ | IODA_TCE_WRITE);
	/* A page kill for PE A: PE B's copy stays (on PHB4 the kill is the PE's). */
	if (phb3)
		ioda_hw_tce_kill_reg(f->phb, IODA_TCE_KILL_PAGES, PE_A, 0x10000, 16, 1);
	else
		assert_int_equal(opal_pci_tce_kill(f->opal, PHB_ID, OPAL_PCI_TCE_KILL_PAGES, PE_A,
						   0x10000, 0x10000, 1),
				 OPAL_SUCCESS);
	assert_int_equal(dma(f, RID_A, a0, true, &res), 0);
	assert_int_equal(res.sys_addr, 0x3330042);
	st.n = 0;
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, note_stale, &st), 1);
	assert_int_equal(st.pe, PE_B);
	/* Kill all: nothing stale, and PE B reads the new page. */
	if (phb3)
		ioda_hw_tce_kill_reg(f->phb, IODA_TCE_KILL_ALL, 0, 0, 0, 0);
	else
		assert_int_equal(opal_pci_tce_kill(f->opal, PHB_ID, OPAL_PCI_TCE_KILL_ALL, 0, 0, 0,
						   0),
				 OPAL_SUCCESS);
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, NULL, NULL), 0);
	assert_int_equal(dma(f, RID_B, a0, false, &res), 0);
	assert_int_equal(res.sys_addr, 0x3330042);
	/* A complete reset empties the cache too. */
	assert_int_equal(dma(f, RID_A, a1, false, &res), 0);
	tce_set(f, top, 2, 0);
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, NULL, NULL), 1);
	opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PHB_COMPLETE, OPAL_ASSERT_RESET);
	assert_int_equal(ioda_hw_tce_cache_check(f->phb, NULL, NULL), 0);
}

static void dma_bypass_maps_bus_address_to_system_address(void **state)
{
	struct fx *f = *state;
	const uint64_t b59 = IODA_TVE_SELECT_BIT;
	struct ioda_dma_result res;

	map_bus(f, RID_A, PE_A);
	assert_int_equal(opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, PE_A, 2 * PE_A + 1, b59,
							 0x100000000ull),
			 OPAL_SUCCESS);
	assert_int_equal(dma(f, RID_A, b59 | 0x12345678, true, &res), 0);
	assert_int_equal(res.tve, 2 * PE_A + 1);
	assert_int_equal(res.sys_addr, 0x12345678);
	assert_int_equal(dma(f, RID_A, b59 | 0x100000000ull, true, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_OUT_OF_WINDOW);
}

static void dma_write_to_read_only_tce_freezes_pe_mmio_and_dma(void **state)
{
	struct fx *f = *state;
	uint64_t table = setup_one_level(f);
	struct ioda_dma_result res;

	tce_set(f, table, 0, 0x30000000 | IODA_TCE_READ);
	assert_int_equal(dma(f, RID_A, 0x10, false, &res), 0);
	assert_int_equal(dma(f, RID_A, 0x10, true, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_TCE_ACCESS);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	/* DMA stopped: dropped, not a second error */
	assert_int_equal(dma(f, RID_A, 0x10, false, &res), -EIO);
	assert_int_equal(f->phb->nr_errors, 1);
	thaw(f, PE_A);
	assert_int_equal(dma(f, RID_A, 0x10, false, &res), 0);
}

static void dma_without_window_or_past_it_freezes_pe(void **state)
{
	struct fx *f = *state;
	struct ioda_dma_result res;

	setup_one_level(f);
	assert_int_equal(dma(f, RID_A, 0x200000, false, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_OUT_OF_WINDOW);
	thaw(f, PE_A);
	/* TVE 2*PE+1 was never set */
	assert_int_equal(dma(f, RID_A, IODA_TVE_SELECT_BIT, false, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_NO_WINDOW);
	thaw(f, PE_A);
	assert_int_equal(dma(f, RID_A, 1ull << 60, true, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_BAD_ADDRESS);
	/* An unmapped RID is in the reserved PE, which has no window. */
	assert_int_equal(dma(f, 0x0900, 0, false, &res), -EFAULT);
	assert_int_equal(res.pe, f->phb->reserved_pe);
	assert_int_equal(pe_state(f, f->phb->reserved_pe), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
}

static void peltv_spreads_a_freeze_to_child_pes_not_to_parents(void **state)
{
	struct fx *f = *state;
	struct ioda_dma_result res;

	map_bus(f, RID_A, PE_A);
	map_bus(f, RID_B, PE_B);
	/* as the kernel: each PE in its own set, the child in the parent's */
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, PE_A, PE_A, 1), OPAL_SUCCESS);
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, PE_B, PE_B, 1), OPAL_SUCCESS);
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, PE_A, PE_B, 1), OPAL_SUCCESS);

	assert_int_equal(dma(f, RID_A, 0, false, &res), -EFAULT);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	assert_int_equal(pe_state(f, PE_B), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	assert_int_equal(pe_state(f, 0), OPAL_EEH_STOPPED_NOT_FROZEN);
	thaw(f, PE_A);
	thaw(f, PE_B);

	assert_int_equal(dma(f, RID_B, 0, false, &res), -EFAULT);
	assert_int_equal(pe_state(f, PE_B), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_NOT_FROZEN);
}

static void freeze_set_and_clear_act_on_mmio_and_dma_separately(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_NOT_FROZEN);
	assert_int_equal(
		opal_pci_eeh_freeze_set(f->opal, PHB_ID, PE_A, OPAL_EEH_ACTION_SET_FREEZE_MMIO),
		OPAL_SUCCESS);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_FREEZE);
	assert_int_equal(
		opal_pci_eeh_freeze_set(f->opal, PHB_ID, PE_A, OPAL_EEH_ACTION_SET_FREEZE_DMA),
		OPAL_SUCCESS);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	assert_int_equal(
		opal_pci_eeh_freeze_clear(f->opal, PHB_ID, PE_A, OPAL_EEH_ACTION_CLEAR_FREEZE_MMIO),
		OPAL_SUCCESS);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_DMA_FREEZE);
	thaw(f, PE_A);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_NOT_FROZEN);

	assert_int_equal(opal_pci_eeh_freeze_set(f->opal, PHB_ID, PE_A, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_eeh_freeze_set(f->opal, PHB_ID, PE_A, 4), OPAL_PARAMETER);
	assert_int_equal(opal_pci_eeh_freeze_set(f->opal, PHB_ID, f->phb->num_pes, 3),
			 OPAL_PARAMETER);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_NOT_FROZEN);
	/* skiboot checks neither the PE nor the token of a clear */
	assert_int_equal(opal_pci_eeh_freeze_clear(f->opal, PHB_ID, f->phb->num_pes, 0x10),
			 OPAL_SUCCESS);
	assert_int_equal(opal_pci_eeh_freeze_status(f->opal, PHB_ID, PE_A, NULL, NULL, NULL),
			 OPAL_PARAMETER);
}

static void mmio_to_frozen_pe_reads_all_ones_and_drops_stores(void **state)
{
	struct fx *f = *state;
	uint64_t seg = f->phb->m32_segsize, addr = M32_BASE + 4 * seg + 0x10, data = 0x1234;
	struct ioda_mmio_result res;

	assert_int_equal(
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, PE_A, OPAL_M32_WINDOW_TYPE, 0, 4),
		OPAL_SUCCESS);
	assert_int_equal(ioda_hw_mmio(f->phb, addr, 4, false, &data, &res), 0);
	assert_int_equal(res.window, IODA_MMIO_M32);
	assert_int_equal(res.segment, 4);
	assert_int_equal(res.pe, PE_A);
	assert_int_equal(data, 0x1234);

	assert_int_equal(
		opal_pci_eeh_freeze_set(f->opal, PHB_ID, PE_A, OPAL_EEH_ACTION_SET_FREEZE_MMIO),
		OPAL_SUCCESS);
	assert_int_equal(ioda_hw_mmio(f->phb, addr, 4, false, &data, &res), -EIO);
	assert_int_equal(data, 0xffffffffull);
	assert_int_equal(ioda_hw_mmio(f->phb, addr, 8, false, &data, &res), -EIO);
	assert_int_equal(data, ~0ull);
	assert_int_equal(ioda_hw_mmio(f->phb, addr, 2, true, &data, &res), -EIO);
	/* The next segment is PE#0's: not frozen. */
	assert_int_equal(ioda_hw_mmio(f->phb, addr + seg, 1, false, &data, &res), 0);
	/* Outside every window. */
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE - 8, 4, false, &data, &res), -ENXIO);
	assert_int_equal(data, 0xffffffffull);
	assert_int_equal(ioda_hw_mmio(f->phb, addr, 3, false, &data, &res), -EINVAL);
	/* A DMA-only freeze lets MMIO through. */
	thaw(f, PE_A);
	opal_pci_eeh_freeze_set(f->opal, PHB_ID, PE_A, OPAL_EEH_ACTION_SET_FREEZE_DMA);
	assert_int_equal(ioda_hw_mmio(f->phb, addr, 4, false, &data, &res), 0);
}

static void next_error_reports_the_frozen_pes_in_skiboot_order(void **state)
{
	struct fx *f = *state;
	struct ioda_dma_result res;
	uint64_t pe;
	uint16_t type, sev;

	assert_int_equal(opal_pci_next_error(f->opal, PHB_ID, &pe, &type, &sev), OPAL_SUCCESS);
	assert_int_equal(type, OPAL_EEH_NO_ERROR);
	assert_int_equal(sev, OPAL_EEH_SEV_NO_ERROR);
	assert_int_equal(pe, (uint64_t)-1);

	map_bus(f, RID_A, PE_A);
	map_bus(f, RID_B, PE_B);
	dma(f, RID_A, 0, false, &res);
	dma(f, RID_B, 0, false, &res);
	/* the highest PEEV word first */
	assert_int_equal(opal_pci_next_error(f->opal, PHB_ID, &pe, &type, &sev), OPAL_SUCCESS);
	assert_int_equal(type, OPAL_EEH_PE_ERROR);
	assert_int_equal(sev, OPAL_EEH_SEV_PE_ER);
	assert_int_equal(pe, PE_B);
	thaw(f, PE_B);
	assert_int_equal(opal_pci_next_error(f->opal, PHB_ID, &pe, &type, &sev), OPAL_SUCCESS);
	assert_int_equal(pe, PE_A);
	thaw(f, PE_A);
	assert_int_equal(opal_pci_next_error(f->opal, PHB_ID, &pe, &type, &sev), OPAL_SUCCESS);
	assert_int_equal(type, OPAL_EEH_NO_ERROR);
	assert_int_equal(f->phb->err_pending, false);
	assert_int_equal(opal_pci_next_error(f->opal, PHB_ID, NULL, &type, &sev), OPAL_PARAMETER);
}

static void diag_data_records_what_froze_until_cleared(void **state)
{
	struct fx *f = *state;
	uint64_t table = setup_one_level(f);
	struct ioda_opal_diag *d = calloc(1, 8192);
	struct ioda_dma_result res;

	assert_non_null(d);
	tce_set(f, table, 1, 0x40000000 | IODA_TCE_READ);
	assert_int_equal(dma(f, RID_A | 0x08, 0x1008, true, &res), -EFAULT);
	assert_int_equal(opal_pci_get_phb_diag_data2(f->opal, PHB_ID, d, 8192), OPAL_SUCCESS);
	assert_int_equal(d->version, OPAL_PHB_ERROR_DATA_VERSION_1);
	assert_int_equal(d->io_type, f->phb->gen == IODA_PHB3 ? OPAL_PHB_ERROR_DATA_TYPE_PHB3
							      : OPAL_PHB_ERROR_DATA_TYPE_PHB4);
	assert_int_equal(d->len, sizeof(*d));
	assert_int_equal(d->num_pes, f->phb->num_pes);
	assert_int_equal(d->nr_errors, 1);
	assert_true(d->first.valid);
	assert_int_equal(d->first.op, IODA_OP_DMA_WRITE);
	assert_int_equal(d->first.reason, IODA_ERR_TCE_ACCESS);
	assert_int_equal(d->first.pe, PE_A);
	assert_int_equal(d->first.rid, RID_A | 0x08);
	assert_int_equal(d->first.addr, 0x1008);
	assert_int_equal(d->pest[PE_A], IODA_PEST_FROZEN);
	assert_int_equal(f->phb->pest[PE_A].cause.reason, IODA_ERR_TCE_ACCESS);
	assert_int_equal(opal_pci_get_phb_diag_data2(f->opal, PHB_ID, d, sizeof(*d) - 1),
			 OPAL_PARAMETER);
	thaw(f, PE_A);
	assert_int_equal(opal_pci_get_phb_diag_data2(f->opal, PHB_ID, d, 8192), OPAL_SUCCESS);
	assert_int_equal(d->nr_errors, 0);
	assert_false(d->first.valid);
	assert_int_equal(d->pest[PE_A], 0);
	free(d);
}

static void msi_to_another_pes_interrupt_freezes_the_sender(void **state)
{
	struct fx *f = *state;
	unsigned int count = ioda_hw_msi_count(f->phb);
	uint32_t pe;

	map_bus(f, RID_A, PE_A);
	map_bus(f, RID_B, PE_B);
	assert_int_equal(opal_pci_set_xive_pe(f->opal, PHB_ID, PE_A, 10), OPAL_SUCCESS);
	assert_int_equal(ioda_hw_msi(f->phb, RID_A, 10, &pe), 0);
	assert_int_equal(pe, PE_A);
	assert_int_equal(ioda_hw_msi(f->phb, RID_B, 10, &pe), -EFAULT);
	assert_int_equal(pe, PE_B);
	assert_int_equal(pe_state(f, PE_B), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	assert_int_equal(f->phb->pest[PE_B].cause.op, IODA_OP_MSI);
	assert_int_equal(f->phb->pest[PE_B].cause.reason, IODA_ERR_MSI_PE);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_NOT_FROZEN);
	/* MSIs are DMA writes: dropped while DMA is stopped */
	assert_int_equal(ioda_hw_msi(f->phb, RID_B, 10, &pe), -EIO);
	assert_int_equal(ioda_hw_msi(f->phb, RID_A, count, &pe), -EFAULT);
	assert_int_equal(f->phb->pest[PE_A].cause.reason, IODA_ERR_MSI_RANGE);
}

static void err_inject_mmio_load_freezes_pe_on_its_next_load(void **state)
{
	struct fx *f = *state;
	uint64_t seg = f->phb->m32_segsize, data;
	struct ioda_mmio_result res;

	opal_pci_map_pe_mmio_window(f->opal, PHB_ID, PE_A, OPAL_M32_WINDOW_TYPE, 0, 4);
	opal_pci_map_pe_mmio_window(f->opal, PHB_ID, PE_A, OPAL_M32_WINDOW_TYPE, 0, 5);
	/* No address of the PE's: the first run of its segments. */
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A,
					     OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_ADDR, 0, 0),
			 OPAL_SUCCESS);
	assert_int_equal(f->phb->inject.addr, M32_BASE + 4 * seg);
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE + 5 * seg, 4, true, &data, &res), 0);
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE + 5 * seg, 4, false, &data, &res), -EIO);
	assert_int_equal(data, 0xffffffffull);
	assert_int_equal(f->phb->pest[PE_A].cause.reason, IODA_ERR_INJECTED);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	/* sticky until the PHB_ERROR reset */
	thaw(f, PE_A);
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE + 4 * seg, 4, false, &data, &res), -EIO);
	thaw(f, PE_A);
	assert_int_equal(opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PHB_ERROR, OPAL_ASSERT_RESET),
			 OPAL_SUCCESS);
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE + 4 * seg, 4, false, &data, &res), 0);
	/* a PE with no M32 segment */
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_B,
					     OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_ADDR, 0, 0),
			 OPAL_PARAMETER);
}

static void err_inject_dma_write_freezes_pe_on_its_next_write(void **state)
{
	struct fx *f = *state;
	const uint64_t b59 = IODA_TVE_SELECT_BIT;
	struct ioda_dma_result res;

	map_bus(f, RID_A, PE_A);
	opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, PE_A, 2 * PE_A + 1, b59, 0x100000000ull);
	assert_int_equal(
		opal_pci_err_inject(f->opal, PHB_ID, PE_A, OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR64,
				    OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_ADDR, b59 | 0x1000, ~0xfffull),
		OPAL_SUCCESS);
	assert_int_equal(dma(f, RID_A, b59 | 0x1008, false, &res), 0);
	assert_int_equal(dma(f, RID_A, b59 | 0x2008, true, &res), 0);
	assert_int_equal(dma(f, RID_A, b59 | 0x1008, true, &res), -EFAULT);
	assert_int_equal(res.reason, IODA_ERR_INJECTED);
	/* the 32-bit window was never set */
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A,
					     OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR,
					     OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_ADDR, 0, 0),
			 OPAL_UNSUPPORTED);
}

static void err_inject_cfg_freezes_the_device_pe_on_its_next_config_read(void **state)
{
	struct fx *f = *state;
	uint32_t pe;

	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, PE_A, 0x0108, OpalPciBusAll, 1, 1, OPAL_MAP_PE),
		OPAL_SUCCESS);
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A,
					     OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_ADDR, 0, 0),
			 OPAL_SUCCESS);
	assert_int_equal(ioda_hw_cfg(f->phb, 0x0108, true, &pe), 0);
	assert_int_equal(ioda_hw_cfg(f->phb, 0x0110, false, &pe), 0);
	assert_int_equal(ioda_hw_cfg(f->phb, 0x0108, false, &pe), -EIO);
	assert_int_equal(pe, PE_A);
	assert_int_equal(pe_state(f, PE_A), OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	/* config reads to a frozen PE keep failing */
	assert_int_equal(ioda_hw_cfg(f->phb, 0x0108, true, &pe), -EIO);
}

static void err_inject_mmio_and_dma_are_unsupported_on_phb4(void **state)
{
	struct fx *f = *state;

	map_bus(f, RID_A, PE_A);
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A,
					     OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_ADDR, 0, 0),
			 OPAL_UNSUPPORTED);
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A,
					     OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR64,
					     OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_DATA, 0, 0),
			 OPAL_UNSUPPORTED);
	assert_int_equal(f->phb->inject.kind, IODA_INJECT_NONE);
}

static void err_inject_rejects_reserved_pe_bad_type_and_func(void **state)
{
	struct fx *f = *state;

	map_bus(f, RID_A, PE_A);
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, f->phb->reserved_pe, 0,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_ADDR, 0, 0),
			 OPAL_PARAMETER);
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, f->phb->num_pes, 0,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_ADDR, 0, 0),
			 OPAL_PARAMETER);
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A, 2,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_ADDR, 0, 0),
			 OPAL_PARAMETER);
	/* IO functions: no IO space */
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_A, 0,
					     OPAL_ERR_INJECT_FUNC_IOA_LD_IO_ADDR, 0, 0),
			 OPAL_PARAMETER);
	/* a PE no RID maps to has no config address */
	assert_int_equal(opal_pci_err_inject(f->opal, PHB_ID, PE_B, 0,
					     OPAL_ERR_INJECT_FUNC_IOA_ST_CFG_ADDR, 0, 0),
			 OPAL_PARAMETER);
	assert_int_equal(f->phb->inject.kind, IODA_INJECT_NONE);
}

static void fence_fails_every_access_until_complete_reset(void **state)
{
	struct fx *f = *state;
	struct ioda_dma_result res;
	struct ioda_mmio_result mres;
	uint64_t data = 0, pe;
	uint8_t fs;
	uint16_t type, sev;
	uint32_t xpe;

	map_bus(f, RID_A, PE_A);
	opal_pci_map_pe_mmio_window(f->opal, PHB_ID, PE_A, OPAL_M32_WINDOW_TYPE, 0, 0);
	ioda_hw_lock(f->phb);
	ioda_hw_fence(f->phb);
	ioda_hw_unlock(f->phb);
	assert_int_equal(dma(f, RID_A, 0, false, &res), -EIO);
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE, 4, false, &data, &mres), -EIO);
	assert_int_equal(data, 0xffffffffull);
	assert_int_equal(ioda_hw_cfg(f->phb, RID_A, false, &xpe), -EIO);
	assert_int_equal(opal_pci_eeh_freeze_status(f->opal, PHB_ID, 0, &fs, &type, NULL),
			 OPAL_SUCCESS);
	assert_int_equal(fs, OPAL_EEH_STOPPED_MMIO_DMA_FREEZE);
	assert_int_equal(type, OPAL_EEH_PHB_ERROR);
	assert_int_equal(opal_pci_next_error(f->opal, PHB_ID, &pe, &type, &sev), OPAL_SUCCESS);
	assert_int_equal(type, OPAL_EEH_PHB_ERROR);
	assert_int_equal(sev, OPAL_EEH_SEV_PHB_FENCED);
	assert_int_equal(opal_pci_eeh_freeze_clear(f->opal, PHB_ID, PE_A, 3), OPAL_HARDWARE);

	assert_int_equal(
		opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PHB_COMPLETE, OPAL_ASSERT_RESET),
		OPAL_SUCCESS);
	assert_int_equal(pe_state(f, 0), OPAL_EEH_STOPPED_NOT_FROZEN);
	assert_int_equal(ioda_hw_mmio(f->phb, M32_BASE, 4, false, &data, &mres), 0);
	/* the programmed tables survive a complete reset */
	assert_int_equal(mres.pe, PE_A);
	assert_int_equal(ioda_hw_rtt_lookup(f->phb, RID_A), PE_A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PER_GEN(dma_one_level_tce_translates_with_the_page_offset),
		PER_GEN(dma_two_level_table_allocates_levels_on_demand),
		PER_GEN(tce_cache_keeps_translations_until_killed),
		PER_GEN(dma_bypass_maps_bus_address_to_system_address),
		PER_GEN(dma_write_to_read_only_tce_freezes_pe_mmio_and_dma),
		PER_GEN(dma_without_window_or_past_it_freezes_pe),
		PER_GEN(peltv_spreads_a_freeze_to_child_pes_not_to_parents),
		PER_GEN(freeze_set_and_clear_act_on_mmio_and_dma_separately),
		PER_GEN(mmio_to_frozen_pe_reads_all_ones_and_drops_stores),
		PER_GEN(next_error_reports_the_frozen_pes_in_skiboot_order),
		PER_GEN(diag_data_records_what_froze_until_cleared),
		PER_GEN(msi_to_another_pes_interrupt_freezes_the_sender),
		cmocka_unit_test_setup_teardown(err_inject_mmio_load_freezes_pe_on_its_next_load,
						setup_phb3, fx_teardown),
		cmocka_unit_test_setup_teardown(err_inject_dma_write_freezes_pe_on_its_next_write,
						setup_phb3, fx_teardown),
		PER_GEN(err_inject_cfg_freezes_the_device_pe_on_its_next_config_read),
		cmocka_unit_test_setup_teardown(err_inject_mmio_and_dma_are_unsupported_on_phb4,
						setup_phb4, fx_teardown),
		cmocka_unit_test_setup_teardown(err_inject_mmio_and_dma_are_unsupported_on_phb4,
						setup_phb5, fx_teardown),
		PER_GEN(err_inject_rejects_reserved_pe_bad_type_and_func),
		PER_GEN(fence_fails_every_access_until_complete_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
