/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OPAL calls that program the tables: each valid call changes exactly
 * the entries it should (the whole PHB is compared before and after), and
 * each argument skiboot rejects gets skiboot's code and changes nothing.
 */
#include <errno.h>

#include "fixture.h"

/* ---- a copy of every table, to compare a PHB before and after ---------- */

struct snap {
	uint16_t rtt[IODA_RTT_ENTRIES];
	uint8_t peltv[IODA_PHB4_MAX_PES * IODA_PHB4_MAX_PES / 8];
	struct ioda_tve tvt[2 * IODA_PHB4_MAX_PES];
	uint16_t m32[IODA_PHB4_MAX_PES];
	struct ioda_m64_bar m64[32];
	uint16_t mist[IODA_NUM_IRQS_DEFAULT];
	unsigned int pest[IODA_PHB4_MAX_PES];
	uint64_t peev[IODA_PHB4_MAX_PES / 64];
	bool fenced;
	struct ioda_inject inject;
	unsigned long nr_errors;
};

static struct snap *snap_take(const struct ioda_phb_hw *phb)
{
	struct snap *s = calloc(1, sizeof(*s));
	unsigned int n = phb->num_pes;

	assert_non_null(s);
	memcpy(s->rtt, phb->rtt, sizeof(s->rtt));
	memcpy(s->peltv, phb->peltv, (size_t)n * n / 8);
	for (unsigned int i = 0; i < 2 * n; i++)
		s->tvt[i] = phb->tvt[i];
	memcpy(s->m32, phb->m32_pe, n * sizeof(s->m32[0]));
	for (unsigned int i = 0; i < phb->m64_count; i++)
		s->m64[i] = phb->m64[i];
	memcpy(s->mist, phb->mist, sizeof(s->mist));
	for (unsigned int i = 0; i < n; i++)
		s->pest[i] = phb->pest[i].state;
	memcpy(s->peev, phb->peev, n / 64 * sizeof(s->peev[0]));
	s->fenced = phb->fenced;
	s->inject = phb->inject;
	s->nr_errors = phb->nr_errors;
	return s;
}

static void tve_assert_equal(const struct ioda_tve *a, const struct ioda_tve *b, unsigned int i)
{
	if (a->kind != b->kind || a->levels != b->levels || a->page_shift != b->page_shift ||
	    a->table_pa != b->table_pa || a->level_size != b->level_size || a->start != b->start ||
	    a->end != b->end)
		fail_msg("TVE#%x differs", i);
}

static void m64_assert_equal(const struct ioda_m64_bar *a, const struct ioda_m64_bar *b,
			     unsigned int i)
{
	if (a->base != b->base || a->size != b->size || a->mode != b->mode || a->pe != b->pe ||
	    a->enabled != b->enabled)
		fail_msg("M64 BAR#%u differs", i);
}

/* @want is the "before" snapshot with the intended changes applied. */
static void snap_assert_phb(const struct snap *want, const struct ioda_phb_hw *phb)
{
	struct snap *now = snap_take(phb);
	unsigned int n = phb->num_pes;

	for (unsigned int i = 0; i < IODA_RTT_ENTRIES; i++)
		if (want->rtt[i] != now->rtt[i])
			fail_msg("RTT[%04x] = %x, want %x", i, now->rtt[i], want->rtt[i]);
	assert_memory_equal(want->peltv, now->peltv, (size_t)n * n / 8);
	for (unsigned int i = 0; i < 2 * n; i++)
		tve_assert_equal(&want->tvt[i], &now->tvt[i], i);
	assert_memory_equal(want->m32, now->m32, n * sizeof(now->m32[0]));
	for (unsigned int i = 0; i < phb->m64_count; i++)
		m64_assert_equal(&want->m64[i], &now->m64[i], i);
	assert_memory_equal(want->mist, now->mist, sizeof(now->mist));
	assert_memory_equal(want->pest, now->pest, n * sizeof(now->pest[0]));
	assert_memory_equal(want->peev, now->peev, n / 64 * sizeof(now->peev[0]));
	assert_int_equal(want->fenced, now->fenced);
	assert_int_equal(want->inject.kind, now->inject.kind);
	assert_int_equal(want->nr_errors, now->nr_errors);
	free(now);
}

/* Runs @call, expects @code and an unchanged PHB. */
#define assert_no_change(f, code, call)                      \
	do {                                                 \
		struct snap *before__ = snap_take((f)->phb); \
		assert_int_equal((call), (code));            \
		snap_assert_phb(before__, (f)->phb);         \
		free(before__);                              \
	} while (0)

/* ---- RTT ------------------------------------------------------------------ */

/* Bits of the bus number a compare mode matches (skiboot's mask formula). */
static unsigned int bus_bits(uint8_t bcomp)
{
	return bcomp == OpalPciBusAny ? 0 : bcomp + 1u;
}

static void set_pe_bus_compare_modes_map_exactly_their_rids(void **state)
{
	static const uint8_t modes[] = {
		OpalPciBusAny,	 OpalPciBus3Bits, OpalPciBus4Bits, OpalPciBus5Bits,
		OpalPciBus6Bits, OpalPciBus7Bits, OpalPciBusAll,
	};
	struct fx *f = *state;
	const uint16_t rid = 0x4a00;

	for (unsigned int m = 0; m < sizeof(modes); m++) {
		unsigned int bits = bus_bits(modes[m]);
		unsigned int bus_mask = (0xff00u << (8 - bits)) & 0xff00u;
		unsigned int pe = 10 + m, mapped = 0;
		struct snap *want = snap_take(f->phb);

		for (unsigned int i = 0; i < IODA_RTT_ENTRIES; i++) {
			if ((i & bus_mask) == (rid & bus_mask)) {
				want->rtt[i] = (uint16_t)pe;
				mapped++;
			}
		}
		assert_int_equal(opal_pci_set_pe(f->opal, PHB_ID, pe, rid, modes[m],
						 OPAL_IGNORE_RID_DEVICE_NUMBER,
						 OPAL_IGNORE_RID_FUNCTION_NUMBER, OPAL_MAP_PE),
				 OPAL_SUCCESS);
		/* 2^(8 - bits) buses of 256 RIDs each */
		assert_int_equal(mapped, 256u << (8 - bits));
		snap_assert_phb(want, f->phb);
		free(want);
		assert_int_equal(opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PCI_IODA_TABLE,
						OPAL_ASSERT_RESET),
				 OPAL_SUCCESS);
	}
}

static void set_pe_bus_compare_7bits_maps_two_buses(void **state)
{
	struct fx *f = *state;

	/* A BUS_ALL PE over buses 0x04..0x05: the kernel passes 7Bits. */
	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, 0xfc, 0x0500, OpalPciBus7Bits, 0, 0, OPAL_MAP_PE),
		OPAL_SUCCESS);
	assert_int_equal(ioda_hw_rtt_lookup(f->phb, 0x0400), 0xfc);
	assert_int_equal(ioda_hw_rtt_lookup(f->phb, 0x05ff), 0xfc);
	assert_int_equal(ioda_hw_rtt_lookup(f->phb, 0x03ff), f->phb->reserved_pe);
	assert_int_equal(ioda_hw_rtt_lookup(f->phb, 0x0600), f->phb->reserved_pe);
}

static void set_pe_dev_and_func_compares_map_their_rids(void **state)
{
	static const struct {
		uint8_t dcomp, fcomp;
		uint16_t mask;
	} cases[] = {
		{0, 0, 0xff00}, /* the whole bus */
		{1, 0, 0xfff8}, /* the 8 functions of the device */
		{0, 1, 0xff07}, /* that function of every device */
		{1, 1, 0xffff}, /* one RID */
	};
	struct fx *f = *state;
	const uint16_t rid = 0x2313; /* 23:02.3 */

	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct snap *want = snap_take(f->phb);

		for (unsigned int i = 0; i < IODA_RTT_ENTRIES; i++)
			if ((i & cases[c].mask) == (rid & cases[c].mask))
				want->rtt[i] = 7;
		assert_int_equal(opal_pci_set_pe(f->opal, PHB_ID, 7, rid, OpalPciBusAll,
						 cases[c].dcomp, cases[c].fcomp, OPAL_MAP_PE),
				 OPAL_SUCCESS);
		snap_assert_phb(want, f->phb);
		free(want);
		opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PCI_IODA_TABLE, OPAL_ASSERT_RESET);
	}
}

static void set_pe_unmap_returns_rids_to_reserved_pe(void **state)
{
	struct fx *f = *state;
	struct snap *want;

	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, 5, 0x0100, OpalPciBusAll, 0, 0, OPAL_MAP_PE),
		OPAL_SUCCESS);
	want = snap_take(f->phb);
	for (unsigned int i = 0x0100; i <= 0x01ff; i++)
		want->rtt[i] = (uint16_t)f->phb->reserved_pe;
	/* The PE number of an unmap is checked but not used. */
	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, 9, 0x0100, OpalPciBusAll, 0, 0, OPAL_UNMAP_PE),
		OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
}

static void set_pe_accepts_the_reserved_pe(void **state)
{
	struct fx *f = *state;

	assert_int_equal(opal_pci_set_pe(f->opal, PHB_ID, f->phb->reserved_pe, 0x0100,
					 OpalPciBusAll, 1, 1, OPAL_MAP_PE),
			 OPAL_SUCCESS);
	assert_int_equal(ioda_hw_rtt_lookup(f->phb, 0x0100), f->phb->reserved_pe);
}

static void set_pe_rejects_what_skiboot_rejects(void **state)
{
	struct fx *f = *state;
	uint64_t n = f->phb->num_pes;

	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_pe(f->opal, PHB_ID, n, 0x100, OpalPciBusAll, 0, 0, 1));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_pe(f->opal, PHB_ID, 1, 0x10000, OpalPciBusAll, 0, 0, 1));
	assert_no_change(f, OPAL_PARAMETER, opal_pci_set_pe(f->opal, PHB_ID, 1, 0x100, 8, 0, 0, 1));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_pe(f->opal, PHB_ID, 1, 0x100, OpalPciBusAll, 2, 0, 1));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_pe(f->opal, PHB_ID, 1, 0x100, OpalPciBusAll, 0, 2, 1));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_pe(f->opal, PHB_ID, 1, 0x100, OpalPciBusAll, 0, 0, 2));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_pe(f->opal, PHB_ID + 1, 1, 0x100, OpalPciBusAll, 0, 0, 1));
}

/* ---- PELT-V ------------------------------------------------------------------ */

static void set_peltv_sets_one_bit_in_skiboot_layout(void **state)
{
	struct fx *f = *state;
	struct snap *want = snap_take(f->phb);

	/* byte parent * num_pes / 8 + child / 8, bit 0x80 >> child % 8 */
	want->peltv[3 * f->phb->num_pes / 8 + 10 / 8] |= 0x80 >> (10 % 8);
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, 3, 10, OPAL_ADD_PE_TO_DOMAIN),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	want->peltv[3 * f->phb->num_pes / 8 + 10 / 8] = 0;
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, 3, 10, OPAL_REMOVE_PE_FROM_DOMAIN),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
}

static void set_peltv_rejects_pe_out_of_range(void **state)
{
	struct fx *f = *state;
	uint32_t n = f->phb->num_pes;

	assert_no_change(f, OPAL_PARAMETER, opal_pci_set_peltv(f->opal, PHB_ID, n, 1, 1));
	assert_no_change(f, OPAL_PARAMETER, opal_pci_set_peltv(f->opal, PHB_ID, 1, n, 1));
}

/* ---- M32 / M64 ----------------------------------------------------------------- */

static void map_pe_mmio_window_m32_sets_one_segment(void **state)
{
	struct fx *f = *state;
	struct snap *want = snap_take(f->phb);

	want->m32[17] = 0xfd;
	assert_int_equal(
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 0xfd, OPAL_M32_WINDOW_TYPE, 0, 17),
		OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
}

static void map_pe_mmio_window_rejects_what_skiboot_rejects(void **state)
{
	struct fx *f = *state;
	uint16_t n = (uint16_t)f->phb->num_pes;
	uint16_t bars = (uint16_t)f->phb->m64_count;

	assert_no_change(
		f, OPAL_PARAMETER,
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, n, OPAL_M32_WINDOW_TYPE, 0, 1));
	assert_no_change(
		f, OPAL_PARAMETER,
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, OPAL_M32_WINDOW_TYPE, 1, 1));
	assert_no_change(
		f, OPAL_PARAMETER,
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, OPAL_M32_WINDOW_TYPE, 0, n));
	assert_no_change(
		f, OPAL_UNSUPPORTED,
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, OPAL_IO_WINDOW_TYPE, 0, 0));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, 4, 0, 0));
	assert_no_change(
		f, OPAL_PARAMETER,
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, OPAL_M64_WINDOW_TYPE, bars, 0));
}

/* PHB4 keeps MBT0 for M32, PHB3 has 16 plain M64 BARs. */
static void m64_window_zero_is_m32_on_phb4_only(void **state)
{
	struct fx *f = *state;
	int64_t want = f->phb->gen == IODA_PHB3 ? OPAL_SUCCESS : OPAL_PARAMETER;

	if (want == OPAL_PARAMETER) {
		assert_no_change(f, OPAL_PARAMETER,
				 opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1,
							     OPAL_M64_WINDOW_TYPE, 0, 0));
		assert_no_change(f, OPAL_PARAMETER,
				 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE,
							     0, M64_BASE, 0, M64_SIZE));
		assert_no_change(f, OPAL_PARAMETER,
				 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 0,
							  OPAL_ENABLE_M64_SPLIT));
	} else {
		assert_int_equal(opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE,
							     0, M64_BASE, 0, M64_SIZE),
				 OPAL_SUCCESS);
		assert_int_equal(f->phb->m64[0].base, M64_BASE);
	}
}

static void m64_split_bar_maps_segment_n_to_pe_n(void **state)
{
	struct fx *f = *state;
	uint16_t bar = (uint16_t)(f->phb->m64_count - 1);
	uint64_t seg = M64_SIZE / f->phb->num_pes;
	struct snap *want = snap_take(f->phb);
	struct ioda_mmio_result res;
	uint64_t data = 0;

	want->m64[bar].base = M64_BASE;
	want->m64[bar].size = M64_SIZE;
	want->m64[bar].enabled = true;
	assert_int_equal(opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, bar,
						     M64_BASE, 0, M64_SIZE),
			 OPAL_SUCCESS);
	assert_int_equal(opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, bar,
						  OPAL_ENABLE_M64_SPLIT),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
	assert_int_equal(ioda_hw_mmio(f->phb, M64_BASE + 5 * seg + 8, 4, false, &data, &res), 0);
	assert_int_equal(res.window, IODA_MMIO_M64);
	assert_int_equal(res.bar, bar);
	assert_int_equal(res.pe, 5);
}

static void m64_single_pe_bar_belongs_to_one_pe(void **state)
{
	struct fx *f = *state;
	uint64_t base = M64_BASE + 0x100000000ull, size = 0x4000000ull;
	struct ioda_mmio_result res;
	uint64_t data = 0;

	assert_int_equal(opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 2, base,
						     0, size),
			 OPAL_SUCCESS);
	assert_int_equal(
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 0x42, OPAL_M64_WINDOW_TYPE, 2, 0),
		OPAL_SUCCESS);
	/* A single-PE BAR cannot be enabled split, and vice versa. */
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 2,
						  OPAL_ENABLE_M64_SPLIT));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 3,
						  OPAL_ENABLE_M64_NON_SPLIT));
	assert_int_equal(opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 2,
						  OPAL_ENABLE_M64_NON_SPLIT),
			 OPAL_SUCCESS);
	assert_int_equal(ioda_hw_mmio(f->phb, base + size - 8, 8, true, &data, &res), 0);
	assert_int_equal(res.pe, 0x42);
	/* An enabled BAR is not remapped. */
	assert_no_change(
		f, OPAL_PARTIAL,
		opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, OPAL_M64_WINDOW_TYPE, 2, 0));
}

static void set_phb_mem_window_rejects_what_skiboot_rejects(void **state)
{
	struct fx *f = *state;
	uint64_t align = f->phb->gen == IODA_PHB3 ? 0x100000 : 0x1000;

	assert_no_change(f, OPAL_UNSUPPORTED,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M32_WINDOW_TYPE, 0,
						     M32_BASE, 0, 0x80000000));
	assert_no_change(f, OPAL_UNSUPPORTED,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_IO_WINDOW_TYPE, 0, 0, 0,
						     0x10000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, 0, 1, M64_BASE, 0, M64_SIZE));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE,
						     (uint16_t)f->phb->m64_count, M64_BASE, 0,
						     M64_SIZE));
	/* below the generation's alignment */
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE + align / 2, 0, M64_SIZE));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE, 0, 3 * align));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE, 0, 0));
	/* not aligned to its size */
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE + 0x2000000, 0, 0x4000000));
}

static void phb_mmio_enable_needs_a_base_in_the_m64_window(void **state)
{
	struct fx *f = *state;

	/* Never set: no size. */
	assert_no_change(f, OPAL_PARTIAL,
			 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						  OPAL_ENABLE_M64_SPLIT));
	assert_int_equal(opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     0x40000000, 0, 0x40000000),
			 OPAL_SUCCESS);
	assert_no_change(f, OPAL_PARTIAL,
			 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						  OPAL_ENABLE_M64_SPLIT));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1, 3));
	assert_no_change(f, OPAL_UNSUPPORTED,
			 opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M32_WINDOW_TYPE, 0, 1));
}

static void phb_mmio_disable_forgets_the_bar_on_phb4_not_on_phb3(void **state)
{
	struct fx *f = *state;
	struct snap *want;

	assert_int_equal(opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE, 0, M64_SIZE),
			 OPAL_SUCCESS);
	assert_int_equal(opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						  OPAL_ENABLE_M64_SPLIT),
			 OPAL_SUCCESS);
	want = snap_take(f->phb);
	want->m64[1].enabled = false;
	if (f->phb->gen != IODA_PHB3)
		memset(&want->m64[1], 0, sizeof(want->m64[1]));
	assert_int_equal(opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						  OPAL_DISABLE_M64),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
}

static void set_phb_mem_window_on_enabled_bar_is_partial_on_phb4(void **state)
{
	struct fx *f = *state;

	assert_int_equal(opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE, 0, M64_SIZE),
			 OPAL_SUCCESS);
	assert_int_equal(opal_pci_phb_mmio_enable(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						  OPAL_ENABLE_M64_SPLIT),
			 OPAL_SUCCESS);
	assert_no_change(f, OPAL_PARTIAL,
			 opal_pci_set_phb_mem_window(f->opal, PHB_ID, OPAL_M64_WINDOW_TYPE, 1,
						     M64_BASE, 0, M64_SIZE / 2));
}

/* ---- DMA windows ----------------------------------------------------------------- */

static void map_pe_dma_window_programs_one_tve(void **state)
{
	struct fx *f = *state;
	struct snap *want = snap_take(f->phb);
	struct ioda_tve *t = &want->tvt[2 * 0x1d];

	t->kind = IODA_TVE_TCE;
	t->levels = 2;
	t->page_shift = 16;
	t->table_pa = 0x100010000ull;
	t->level_size = 0x10000;
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, PHB_ID, 0x1d, 2 * 0x1d, 2,
						    0x100010000ull, 0x10000, 0x10000),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	/* size 0 disables, whatever the rest */
	memset(t, 0, sizeof(*t));
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, PHB_ID, 0x1d, 2 * 0x1d, 9, 0, 0, 0),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
}

static void map_pe_dma_window_rejects_what_skiboot_rejects(void **state)
{
	struct fx *f = *state;
	uint64_t n = f->phb->num_pes;
	/* 2M is PHB4's, 16M PHB3's: each is the other's unsupported size. */
	uint64_t foreign = f->phb->gen == IODA_PHB3 ? 0x200000 : 0x1000000;

	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 4, 1, 0x100000000ull,
						    0x1000, 0x1000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, n, (uint16_t)(2 * n), 1,
						    0x100000000ull, 0x1000, 0x1000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 0, 0x100000000ull,
						    0x1000, 0x1000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 6, 0x100000000ull,
						    0x1000, 0x1000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 1, 0x100000000ull,
						    0x3000, 0x1000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 1, 0x100000000ull, 0x800,
						    0x1000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 1, 0x100000000ull,
						    0x1000, foreign));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 1, 0x100000000ull,
						    0x1000, 0x2000));
}

static void map_pe_dma_window_real_programs_bypass(void **state)
{
	struct fx *f = *state;
	struct snap *want = snap_take(f->phb);
	struct ioda_tve *t = &want->tvt[2 * 3 + 1];

	t->kind = IODA_TVE_BYPASS;
	t->start = 0;
	t->end = 0x400000000ull;
	assert_int_equal(opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, IODA_TVE_SELECT_BIT,
							 0x400000000ull),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	memset(t, 0, sizeof(*t));
	assert_int_equal(opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, 0, 0),
			 OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
}

static void map_pe_dma_window_real_rejects_what_skiboot_rejects(void **state)
{
	struct fx *f = *state;
	const uint64_t b59 = IODA_TVE_SELECT_BIT;

	/* start without bit 59 for TVE 2PE+1, and with it for 2PE+0 */
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, 0, 0x1000000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 6, b59, 0x1000000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 5, b59, 0x1000000));
	assert_no_change(
		f, OPAL_PARAMETER,
		opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, b59 | 0x800000, 0x1000000));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, b59, 0x1800000));
	/* end past 0x0003ffffffffffff */
	assert_no_change(
		f, OPAL_PARAMETER,
		opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, b59, 0x4000000000000ull));
	assert_int_equal(
		opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, b59, 0x3ffffff000000ull),
		OPAL_SUCCESS);
}

static void tce_kill_is_phb4_only_and_checks_the_kind(void **state)
{
	struct fx *f = *state;

	if (f->phb->gen == IODA_PHB3) {
		assert_no_change(
			f, OPAL_UNSUPPORTED,
			opal_pci_tce_kill(f->opal, PHB_ID, OPAL_PCI_TCE_KILL_ALL, 0, 0, 0, 0));
		return;
	}
	/* Page kills become PE kills: a bad page size is not even looked at. */
	assert_no_change(
		f, OPAL_SUCCESS,
		opal_pci_tce_kill(f->opal, PHB_ID, OPAL_PCI_TCE_KILL_PAGES, 1, 0x1234, 0x123, 1));
	assert_no_change(f, OPAL_SUCCESS,
			 opal_pci_tce_kill(f->opal, PHB_ID, OPAL_PCI_TCE_KILL_PE, 1, 0, 0, 0));
	assert_no_change(f, OPAL_PARAMETER, opal_pci_tce_kill(f->opal, PHB_ID, 3, 1, 0, 0, 0));
}

/* ---- MSI ------------------------------------------------------------------------ */

static void set_xive_pe_and_get_msi_follow_skiboot(void **state)
{
	struct fx *f = *state;
	unsigned int count = ioda_hw_msi_count(f->phb);
	struct snap *want = snap_take(f->phb);
	uint32_t a32 = 0, data = 0;
	uint64_t a64 = 0;

	want->mist[0x35] = 0xfe;
	assert_int_equal(opal_pci_set_xive_pe(f->opal, PHB_ID, 0xfe, 0x35), OPAL_SUCCESS);
	snap_assert_phb(want, f->phb);
	free(want);
	assert_no_change(f, OPAL_PARAMETER, opal_pci_set_xive_pe(f->opal, PHB_ID, 0xfe, count));
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_set_xive_pe(f->opal, PHB_ID, f->phb->num_pes, 1));

	assert_int_equal(opal_get_msi_32(f->opal, PHB_ID, 0, 0x35, 1, &a32, &data), OPAL_SUCCESS);
	assert_int_equal(a32, 0xffff0000u | (0x35u << 4 & 0xfffffe0fu));
	assert_int_equal(data, 0x35 & 0x1f);
	assert_int_equal(opal_get_msi_64(f->opal, PHB_ID, 0, 0x35, 1, &a64, &data), OPAL_SUCCESS);
	assert_int_equal(a64, (1ull << 60) | (0x35u << 4 & 0xfffffe0fu));
	assert_int_equal(opal_get_msi_32(f->opal, PHB_ID, 0, 0x35, 2, &a32, &data), OPAL_PARAMETER);
	assert_int_equal(opal_get_msi_64(f->opal, PHB_ID, 0, count, 1, &a64, &data),
			 OPAL_PARAMETER);
	assert_int_equal(opal_get_msi_64(f->opal, PHB_ID, f->phb->num_pes, 1, 1, &a64, &data),
			 OPAL_PARAMETER);
	assert_int_equal(opal_get_msi_64(f->opal, PHB_ID, 0, 1, 1, NULL, &data), OPAL_PARAMETER);
}

/* ---- wrapper, fault hook, reset -------------------------------------------------- */

static void unknown_phb_is_a_parameter_error_for_every_call(void **state)
{
	struct fx *f = *state;
	const uint64_t bad = PHB_ID + 1;
	uint8_t fs;
	uint16_t t16, s16;
	uint32_t a32, d32;
	uint64_t a64;
	struct ioda_opal_diag diag;

	assert_int_equal(opal_pci_set_pe(f->opal, bad, 1, 0, 7, 0, 0, 1), OPAL_PARAMETER);
	assert_int_equal(opal_pci_set_peltv(f->opal, bad, 1, 1, 1), OPAL_PARAMETER);
	assert_int_equal(opal_pci_map_pe_mmio_window(f->opal, bad, 1, 1, 0, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_set_phb_mem_window(f->opal, bad, 2, 1, 0, 0, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_phb_mmio_enable(f->opal, bad, 2, 1, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_map_pe_dma_window(f->opal, bad, 1, 2, 1, 0, 0, 0),
			 OPAL_PARAMETER);
	assert_int_equal(opal_pci_map_pe_dma_window_real(f->opal, bad, 1, 2, 0, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_tce_kill(f->opal, bad, 2, 0, 0, 0, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_eeh_freeze_status(f->opal, bad, 1, &fs, &t16, NULL),
			 OPAL_PARAMETER);
	assert_int_equal(opal_pci_eeh_freeze_clear(f->opal, bad, 1, 3), OPAL_PARAMETER);
	assert_int_equal(opal_pci_eeh_freeze_set(f->opal, bad, 1, 3), OPAL_PARAMETER);
	assert_int_equal(opal_pci_err_inject(f->opal, bad, 1, 0, 4, 0, 0), OPAL_PARAMETER);
	assert_int_equal(opal_pci_reset(f->opal, bad, OPAL_RESET_PCI_IODA_TABLE, 1),
			 OPAL_PARAMETER);
	assert_int_equal(opal_pci_get_phb_diag_data2(f->opal, bad, &diag, sizeof(diag)),
			 OPAL_PARAMETER);
	assert_int_equal(opal_pci_next_error(f->opal, bad, &a64, &t16, &s16), OPAL_PARAMETER);
	assert_int_equal(opal_pci_set_xive_pe(f->opal, bad, 1, 1), OPAL_PARAMETER);
	assert_int_equal(opal_get_msi_32(f->opal, bad, 1, 1, 1, &a32, &d32), OPAL_PARAMETER);
	assert_int_equal(opal_get_msi_64(f->opal, bad, 1, 1, 1, &a64, &d32), OPAL_PARAMETER);
	/* none of them passed the fault point */
	assert_int_equal(ioda_fault_calls(f->ctx, IODA_FAULT_OPAL), 0);
}

static void nth_opal_call_fails_with_hardware_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct snap *before;

	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 2);
	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, 4, 0x0200, OpalPciBusAll, 0, 0, OPAL_MAP_PE),
		OPAL_SUCCESS);
	before = snap_take(f->phb);
	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, 4, 0x0300, OpalPciBusAll, 0, 0, OPAL_MAP_PE),
		OPAL_HARDWARE);
	snap_assert_phb(before, f->phb);
	free(before);
	assert_int_equal(ioda_fault_injected(f->ctx), 1);
	/* one-shot: the next call goes through */
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, 4, 4, 1), OPAL_SUCCESS);
}

static void every_call_passes_the_fault_point(void **state)
{
	struct fx *f = *state;
	uint8_t fs;
	uint16_t t16, s16;
	uint32_t a32, d32;
	uint64_t a64;
	struct ioda_opal_diag diag;
	int64_t rc[18];
	unsigned int n = 0;

	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_set_pe(f->opal, PHB_ID, 1, 0, 7, 0, 0, 1);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_set_peltv(f->opal, PHB_ID, 1, 1, 1);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 1, 1, 0, 0);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_set_phb_mem_window(f->opal, PHB_ID, 2, 1, M64_BASE, 0, M64_SIZE);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_phb_mmio_enable(f->opal, PHB_ID, 2, 1, 0);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_map_pe_dma_window(f->opal, PHB_ID, 1, 2, 1, 0, 0, 0);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 1, 2, 0, 0);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_eeh_freeze_status(f->opal, PHB_ID, 1, &fs, &t16, NULL);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_eeh_freeze_clear(f->opal, PHB_ID, 1, 3);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_eeh_freeze_set(f->opal, PHB_ID, 1, 3);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_err_inject(f->opal, PHB_ID, 1, 0, 4, 0, 0);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PCI_IODA_TABLE, 1);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_get_phb_diag_data2(f->opal, PHB_ID, &diag, sizeof(diag));
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_next_error(f->opal, PHB_ID, &a64, &t16, &s16);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_set_xive_pe(f->opal, PHB_ID, 1, 1);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_get_msi_32(f->opal, PHB_ID, 1, 1, 1, &a32, &d32);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_get_msi_64(f->opal, PHB_ID, 1, 1, 1, &a64, &d32);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 1);
	rc[n++] = opal_pci_tce_kill(f->opal, PHB_ID, 2, 0, 0, 0, 0);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_OPAL, 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(rc[i], OPAL_HARDWARE);
	assert_int_equal(ioda_fault_injected(f->ctx), n);
}

/*
 * A firmware that fails one call by name (ioda_opal_fail_calls): exactly
 * the next N calls of that token return OPAL_HARDWARE with the tables
 * untouched, other calls pass, and 0 disarms.
 */
static void named_calls_fail_as_asked(void **state)
{
	struct fx *f = *state;
	struct snap *clean = snap_take(f->phb);

	assert_int_equal(ioda_opal_token_of("set_pe"), OPAL_PCI_SET_PE);
	assert_int_equal(ioda_opal_token_of("get_msi_64"), OPAL_GET_MSI_64);
	assert_int_equal(ioda_opal_token_of("opal_pci_set_pe"), 0);
	ioda_opal_fail_calls(f->opal, OPAL_PCI_SET_PE, 2);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(opal_pci_set_pe(f->opal, PHB_ID, 3, 0x0100, OpalPciBusAll, 0, 0,
						 OPAL_MAP_PE),
				 OPAL_HARDWARE);
	snap_assert_phb(clean, f->phb);
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, 3, 3, 1), OPAL_SUCCESS);
	assert_int_equal(opal_pci_set_pe(f->opal, PHB_ID, 3, 0x0100, OpalPciBusAll, 0, 0,
					 OPAL_MAP_PE),
			 OPAL_SUCCESS);
	ioda_opal_fail_calls(f->opal, OPAL_PCI_SET_PELTV, 5);
	ioda_opal_fail_calls(f->opal, OPAL_PCI_SET_PELTV, 0);
	assert_int_equal(opal_pci_set_peltv(f->opal, PHB_ID, 3, 3, 0), OPAL_SUCCESS);
	assert_int_equal(ioda_fault_injected(f->ctx), 0); /* not the fault hook's */
	free(clean);
}

static void reset_ioda_table_restores_every_table(void **state)
{
	struct fx *f = *state;
	struct snap *clean = snap_take(f->phb);

	opal_pci_set_pe(f->opal, PHB_ID, 3, 0x0100, OpalPciBusAll, 0, 0, OPAL_MAP_PE);
	opal_pci_set_peltv(f->opal, PHB_ID, 3, 3, 1);
	opal_pci_map_pe_mmio_window(f->opal, PHB_ID, 3, OPAL_M32_WINDOW_TYPE, 0, 3);
	opal_pci_map_pe_dma_window_real(f->opal, PHB_ID, 3, 7, IODA_TVE_SELECT_BIT, 0x1000000);
	opal_pci_set_xive_pe(f->opal, PHB_ID, 3, 3);
	opal_pci_eeh_freeze_set(f->opal, PHB_ID, 3, 3);
	assert_int_equal(
		opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PCI_IODA_TABLE, OPAL_ASSERT_RESET),
		OPAL_SUCCESS);
	snap_assert_phb(clean, f->phb);
	free(clean);
	assert_no_change(f, OPAL_PARAMETER,
			 opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PCI_IODA_TABLE, 2));
	assert_no_change(f, OPAL_UNSUPPORTED,
			 opal_pci_reset(f->opal, PHB_ID, OPAL_RESET_PCI_LINK, OPAL_ASSERT_RESET));
	assert_no_change(f, OPAL_UNSUPPORTED,
			 opal_pci_reset(f->opal, PHB_ID, 7, OPAL_ASSERT_RESET));
}

static void add_phb_rejects_duplicate_ids_and_bad_pe_counts(void **state)
{
	struct fx *f = *state;
	struct ioda_phb_params p;

	ioda_phb_params_init(&p, IODA_PHB4);
	assert_int_equal(ioda_opal_add_phb(f->opal, PHB_ID, &p), -EEXIST);
	p.num_pes = 128;
	assert_int_equal(ioda_opal_add_phb(f->opal, PHB_ID + 1, &p), -EINVAL);
	ioda_phb_params_init(&p, IODA_PHB3);
	p.num_pes = 512;
	assert_int_equal(ioda_opal_add_phb(f->opal, PHB_ID + 1, &p), -EINVAL);
	assert_null(ioda_opal_phb(f->opal, PHB_ID + 1));
}

static void add_phb_fails_cleanly_at_every_allocation(void **state)
{
	struct fx *f = *state;
	struct ioda_phb_params p;
	int rc;

	ioda_phb_params_init(&p, IODA_PHB4);
	for (unsigned long n = 1;; n++) {
		ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, n);
		rc = ioda_opal_add_phb(f->opal, 0x100 + n, &p);
		ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, 0);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(ioda_opal_phb(f->opal, 0x100 + n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PER_GEN(set_pe_bus_compare_modes_map_exactly_their_rids),
		PER_GEN(set_pe_bus_compare_7bits_maps_two_buses),
		PER_GEN(set_pe_dev_and_func_compares_map_their_rids),
		PER_GEN(set_pe_unmap_returns_rids_to_reserved_pe),
		PER_GEN(set_pe_accepts_the_reserved_pe),
		PER_GEN(set_pe_rejects_what_skiboot_rejects),
		PER_GEN(set_peltv_sets_one_bit_in_skiboot_layout),
		PER_GEN(set_peltv_rejects_pe_out_of_range),
		PER_GEN(map_pe_mmio_window_m32_sets_one_segment),
		PER_GEN(map_pe_mmio_window_rejects_what_skiboot_rejects),
		PER_GEN(m64_window_zero_is_m32_on_phb4_only),
		PER_GEN(m64_split_bar_maps_segment_n_to_pe_n),
		PER_GEN(m64_single_pe_bar_belongs_to_one_pe),
		PER_GEN(set_phb_mem_window_rejects_what_skiboot_rejects),
		PER_GEN(phb_mmio_enable_needs_a_base_in_the_m64_window),
		PER_GEN(phb_mmio_disable_forgets_the_bar_on_phb4_not_on_phb3),
		cmocka_unit_test_setup_teardown(
			set_phb_mem_window_on_enabled_bar_is_partial_on_phb4, setup_phb4,
			fx_teardown),
		PER_GEN(map_pe_dma_window_programs_one_tve),
		PER_GEN(map_pe_dma_window_rejects_what_skiboot_rejects),
		PER_GEN(map_pe_dma_window_real_programs_bypass),
		PER_GEN(map_pe_dma_window_real_rejects_what_skiboot_rejects),
		PER_GEN(tce_kill_is_phb4_only_and_checks_the_kind),
		PER_GEN(set_xive_pe_and_get_msi_follow_skiboot),
		PER_GEN(unknown_phb_is_a_parameter_error_for_every_call),
		cmocka_unit_test_setup_teardown(
			nth_opal_call_fails_with_hardware_and_changes_nothing, setup_phb4,
			fx_teardown),
		cmocka_unit_test_setup_teardown(every_call_passes_the_fault_point, setup_phb4,
						fx_teardown),
		cmocka_unit_test_setup_teardown(named_calls_fail_as_asked, setup_phb4, fx_teardown),
		PER_GEN(reset_ioda_table_restores_every_table),
		cmocka_unit_test_setup_teardown(add_phb_rejects_duplicate_ids_and_bad_pe_counts,
						setup_phb4, fx_teardown),
		cmocka_unit_test_setup_teardown(add_phb_fails_cleanly_at_every_allocation,
						setup_phb4, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
