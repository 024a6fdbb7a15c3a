/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PHB hardware layer alone: system memory, table sizes and reset
 * state per generation, the PELT-V byte layout, the TCE window size, the
 * freeze summary and the dump.
 */
#include <errno.h>
#include <stdlib.h>

#include "testutil.h"

#include <ioda/hw.h>

struct hfx {
	struct test_reports rep;
	struct ioda_ctx *ctx;
	struct ioda_sysmem *mem;
};

static int hfx_setup(void **state)
{
	struct hfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = test_ctx_new(&f->rep);
	f->mem = ioda_sysmem_new(f->ctx);
	assert_non_null(f->mem);
	*state = f;
	return 0;
}

static int hfx_teardown(void **state)
{
	struct hfx *f = *state;

	ioda_sysmem_free(f->mem);
	test_ctx_end_clean(f->ctx);
	free(f);
	return 0;
}

static struct ioda_phb_hw *phb_new(struct hfx *f, enum ioda_phb_gen gen, unsigned int num_pes)
{
	struct ioda_phb_params p;
	struct ioda_phb_hw *phb = NULL;

	ioda_phb_params_init(&p, gen);
	p.num_pes = num_pes;
	p.m32_base = 0x3fe080000000ull;
	assert_int_equal(ioda_hw_new(f->ctx, f->mem, &p, &phb), 0);
	return phb;
}

/* ---- system memory ---------------------------------------------------------- */

static void sysmem_regions_are_naturally_aligned_first_fit(void **state)
{
	struct hfx *f = *state;
	uint64_t a, b, c, d;

	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x1000, &a), 0);
	assert_int_equal(a, IODA_SYSMEM_BASE);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x10000, &b), 0);
	assert_int_equal(b, IODA_SYSMEM_BASE + 0x10000);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x1000, &c), 0);
	assert_int_equal(c, IODA_SYSMEM_BASE + 0x1000);
	assert_int_equal(ioda_sysmem_release(f->mem, a), 0);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x1000, &d), 0);
	assert_int_equal(d, a);
	assert_int_equal(ioda_sysmem_regions(f->mem), 3);
	assert_int_equal(ioda_sysmem_bytes(f->mem), 0x12000);
	assert_int_equal(ioda_sysmem_release(f->mem, b + 0x1000), -ENOENT);
	/* the rest is freed with the sysmem */
}

static void sysmem_rejects_sizes_that_are_not_pages_of_a_power_of_two(void **state)
{
	struct hfx *f = *state;
	uint64_t pa;

	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x800, &pa), -EINVAL);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x3000, &pa), -EINVAL);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0, &pa), -EINVAL);
	assert_int_equal(ioda_sysmem_regions(f->mem), 0);
}

static void sysmem_words_read_back_and_outside_is_a_fault(void **state)
{
	struct hfx *f = *state;
	uint64_t pa, v = 1;

	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x1000, &pa), 0);
	assert_int_equal(ioda_sysmem_read64(f->mem, pa + 0xff8, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ioda_sysmem_write64(f->mem, pa + 8, 0x1234), 0);
	assert_int_equal(ioda_sysmem_read64(f->mem, pa + 8, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(ioda_sysmem_read64(f->mem, pa + 0x1000, &v), -EFAULT);
	assert_int_equal(ioda_sysmem_read64(f->mem, pa - 8, &v), -EFAULT);
	assert_int_equal(ioda_sysmem_write64(f->mem, pa + 4, 0), -EFAULT);
	assert_int_equal(ioda_sysmem_release(f->mem, pa), 0);
	assert_int_equal(ioda_sysmem_read64(f->mem, pa + 8, &v), -EFAULT);
}

static void sysmem_alloc_fails_cleanly(void **state)
{
	struct hfx *f = *state;
	uint64_t pa;

	ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, 1);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x1000, &pa), -ENOMEM);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, 2);
	assert_int_equal(ioda_sysmem_alloc(f->mem, 0x1000, &pa), -ENOMEM);
	ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, 0);
	assert_int_equal(ioda_sysmem_regions(f->mem), 0);
}

/* ---- tables --------------------------------------------------------------------- */

static void phb_tables_are_sized_as_the_generation(void **state)
{
	static const struct {
		enum ioda_phb_gen gen;
		unsigned int pes, reserved, bars, msis;
	} cases[] = {
		{IODA_PHB3, 256, 255, 16, 2048}, {IODA_PHB4, 512, 511, 32, 2040},
		{IODA_PHB4, 256, 255, 16, 2040}, {IODA_PHB5, 512, 511, 32, 2040},
		{IODA_PHB5, 256, 255, 16, 2040},
	};
	struct hfx *f = *state;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ioda_phb_hw *phb = phb_new(f, cases[i].gen, cases[i].pes);

		assert_int_equal(phb->num_pes, cases[i].pes);
		assert_int_equal(phb->reserved_pe, cases[i].reserved);
		assert_int_equal(phb->m64_count, cases[i].bars);
		assert_int_equal(ioda_hw_msi_count(phb), cases[i].msis);
		assert_int_equal(phb->m32_segsize, IODA_M32_PCI_SIZE / cases[i].pes);
		/* every RID starts in the reserved PE */
		for (unsigned int rid = 0; rid < IODA_RTT_ENTRIES; rid++)
			assert_int_equal(ioda_hw_rtt_lookup(phb, (uint16_t)rid), cases[i].reserved);
		ioda_hw_destroy(phb);
	}
}

static void phb_rejects_pe_counts_the_generation_lacks(void **state)
{
	struct hfx *f = *state;
	struct ioda_phb_params p;
	struct ioda_phb_hw *phb = NULL;

	ioda_phb_params_init(&p, IODA_PHB3);
	p.num_pes = 512;
	assert_int_equal(ioda_hw_new(f->ctx, f->mem, &p, &phb), -EINVAL);
	ioda_phb_params_init(&p, IODA_PHB4);
	p.num_pes = 128;
	assert_int_equal(ioda_hw_new(f->ctx, f->mem, &p, &phb), -EINVAL);
	assert_null(phb);
}

static void phb_new_fails_cleanly_at_every_allocation(void **state)
{
	struct hfx *f = *state;
	struct ioda_phb_params p;
	struct ioda_phb_hw *phb = NULL;
	int rc;

	ioda_phb_params_init(&p, IODA_PHB4);
	for (unsigned long n = 1;; n++) {
		ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, n);
		rc = ioda_hw_new(f->ctx, f->mem, &p, &phb);
		ioda_fault_fail_nth(f->ctx, IODA_FAULT_ALLOC, 0);
		if (!rc)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(ioda_mem_live_blocks(f->ctx), 1); /* the sysmem */
	}
	ioda_hw_destroy(phb);
}

static void peltv_uses_skiboot_byte_layout(void **state)
{
	struct hfx *f = *state;
	struct ioda_phb_hw *phb = phb_new(f, IODA_PHB4, 512);

	ioda_hw_peltv_set(phb, 2, 9, true);
	/* 512 PEs: 64 bytes per parent; child 9 is byte 1, bit 0x40 */
	assert_int_equal(phb->peltv[2 * 64 + 1], 0x40);
	assert_true(ioda_hw_peltv_test(phb, 2, 9));
	assert_false(ioda_hw_peltv_test(phb, 9, 2));
	ioda_hw_peltv_set(phb, 2, 9, false);
	assert_int_equal(phb->peltv[2 * 64 + 1], 0);
	ioda_hw_destroy(phb);
}

static void peev_summarises_pest_and_scans_like_skiboot(void **state)
{
	struct hfx *f = *state;
	struct ioda_phb_hw *phb = phb_new(f, IODA_PHB4, 512);

	assert_int_equal(ioda_hw_first_frozen_pe(phb), -1);
	ioda_hw_pe_freeze(phb, 3, IODA_PEST_MMIO_FROZEN, NULL);
	ioda_hw_pe_freeze(phb, 200, IODA_PEST_DMA_STOPPED, NULL);
	ioda_hw_pe_freeze(phb, 199, IODA_PEST_DMA_STOPPED, NULL);
	/* PPC bit numbering: PE 3 is bit 60 of word 0 */
	assert_int_equal(phb->peev[0], 1ull << 60);
	/* highest word first, lowest PE in it */
	assert_int_equal(ioda_hw_first_frozen_pe(phb), 199);
	ioda_hw_pe_unfreeze(phb, 199, IODA_PEST_FROZEN);
	ioda_hw_pe_unfreeze(phb, 200, IODA_PEST_MMIO_FROZEN);
	assert_int_equal(ioda_hw_first_frozen_pe(phb), 200);
	ioda_hw_pe_unfreeze(phb, 200, IODA_PEST_DMA_STOPPED);
	assert_int_equal(ioda_hw_first_frozen_pe(phb), 3);
	ioda_hw_destroy(phb);
}

static void tce_window_is_page_times_entries_to_the_levels(void **state)
{
	struct ioda_tve t = {.kind = IODA_TVE_TCE, .page_shift = 16, .level_size = 0x10000};

	(void)state;
	t.levels = 1;
	assert_int_equal(ioda_tve_window_size(&t), 1ull << (16 + 13));
	t.levels = 2;
	assert_int_equal(ioda_tve_window_size(&t), 1ull << (16 + 26));
	/* capped at the TVE select bit */
	t.levels = 5;
	assert_int_equal(ioda_tve_window_size(&t), IODA_TVE_SELECT_BIT);
}

/* ---- dump ------------------------------------------------------------------------ */

static void dump_prints_only_what_differs_from_reset(void **state)
{
	struct hfx *f = *state;
	struct ioda_phb_hw *phb = phb_new(f, IODA_PHB4, 256);
	const struct ioda_hw_error err = {
		.valid = true,
		.op = IODA_OP_DMA_WRITE,
		.reason = IODA_ERR_TCE_ACCESS,
		.pe = 0xfd,
		.rid = 0x0108,
		.addr = 0x1000,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	static const char want[] =
		"PHB4 256 PEs, reserved PE#ff, 16 M64 BARs, 2040 MSIs\n"
		"RTT:\n"
		"  0100-01ff -> PE#fd\n"
		"  0200-03ff -> PE#fc\n"
		"PELT-V:\n"
		"  PE#fd: fc fd\n"
		"TVT:\n"
		"  TVE#1fa PE#fd: tce table 0x100000000 levels 1 level-size 0x1000 page 0x1000 "
		"window 0..1fffff\n"
		"  TVE#1fb PE#fd: bypass 800000000000000..8000000ffffffff\n"
		"M32 (0x00003fe080000000, segment 0x800000):\n"
		"  seg 004-005 -> PE#fd\n"
		"M64:\n"
		"  BAR#15 0x0006000000000000 size 0x4000000000 enabled split segment 0x40000000\n"
		"MSI:\n"
		"  xive 0000-0003 -> PE#fd\n"
		"PEST:\n"
		"  PE#fc: mmio dma (dma-write tce-access PE#fd rid 0108 addr 0x1000)\n"
		"  PE#fd: mmio dma (dma-write tce-access PE#fd rid 0108 addr 0x1000)\n"
		"Errors: 1 (pending)\n"
		"  first: dma-write tce-access PE#fd rid 0108 addr 0x1000\n";

	assert_non_null(out);
	ioda_hw_lock(phb);
	ioda_hw_rtt_set(phb, 0x0100, 0xff00, 0xfd);
	ioda_hw_rtt_set(phb, 0x0200, 0xfe00, 0xfc);
	ioda_hw_peltv_set(phb, 0xfd, 0xfd, true);
	ioda_hw_peltv_set(phb, 0xfd, 0xfc, true);
	phb->tvt[0x1fa] = (struct ioda_tve){.kind = IODA_TVE_TCE,
					    .levels = 1,
					    .page_shift = 12,
					    .table_pa = 0x100000000ull,
					    .level_size = 0x1000};
	phb->tvt[0x1fb] = (struct ioda_tve){.kind = IODA_TVE_BYPASS, .end = 0x100000000ull};
	phb->m32_pe[4] = phb->m32_pe[5] = 0xfd;
	phb->m64[15] = (struct ioda_m64_bar){
		.base = 0x6000000000000ull, .size = 0x4000000000ull, .enabled = true};
	for (unsigned int i = 0; i < 4; i++)
		phb->mist[i] = 0xfd;
	ioda_hw_unlock(phb);
	/* a DMA fault of PE#fd, which has PE#fc in its PELT-V */
	ioda_hw_lock(phb);
	phb->first_error = err;
	phb->nr_errors = 1;
	phb->err_pending = true;
	ioda_hw_pe_freeze(phb, 0xfd, IODA_PEST_FROZEN, &err);
	ioda_hw_pe_freeze(phb, 0xfc, IODA_PEST_FROZEN, &err);
	ioda_hw_unlock(phb);

	ioda_hw_dump(phb, out);
	fclose(out);
	assert_string_equal(buf, want);
	free(buf);
	ioda_hw_destroy(phb);
}

static void dump_of_a_reset_phb_is_headers_only(void **state)
{
	struct hfx *f = *state;
	struct ioda_phb_hw *phb = phb_new(f, IODA_PHB3, 256);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	ioda_hw_dump(phb, out);
	fclose(out);
	assert_string_equal(buf, "PHB3 256 PEs, reserved PE#ff, 16 M64 BARs, 2048 MSIs\n"
				 "RTT:\nPELT-V:\nTVT:\n"
				 "M32 (0x00003fe080000000, segment 0x800000):\n"
				 "M64:\nMSI:\nPEST:\nErrors: 0\n");
	free(buf);
	ioda_hw_destroy(phb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sysmem_regions_are_naturally_aligned_first_fit,
						hfx_setup, hfx_teardown),
		cmocka_unit_test_setup_teardown(
			sysmem_rejects_sizes_that_are_not_pages_of_a_power_of_two, hfx_setup,
			hfx_teardown),
		cmocka_unit_test_setup_teardown(sysmem_words_read_back_and_outside_is_a_fault,
						hfx_setup, hfx_teardown),
		cmocka_unit_test_setup_teardown(sysmem_alloc_fails_cleanly, hfx_setup,
						hfx_teardown),
		cmocka_unit_test_setup_teardown(phb_tables_are_sized_as_the_generation, hfx_setup,
						hfx_teardown),
		cmocka_unit_test_setup_teardown(phb_rejects_pe_counts_the_generation_lacks,
						hfx_setup, hfx_teardown),
		cmocka_unit_test_setup_teardown(phb_new_fails_cleanly_at_every_allocation,
						hfx_setup, hfx_teardown),
		cmocka_unit_test_setup_teardown(peltv_uses_skiboot_byte_layout, hfx_setup,
						hfx_teardown),
		cmocka_unit_test_setup_teardown(peev_summarises_pest_and_scans_like_skiboot,
						hfx_setup, hfx_teardown),
		cmocka_unit_test(tce_window_is_page_times_entries_to_the_levels),
		cmocka_unit_test_setup_teardown(dump_prints_only_what_differs_from_reset, hfx_setup,
						hfx_teardown),
		cmocka_unit_test_setup_teardown(dump_of_a_reset_phb_is_headers_only, hfx_setup,
						hfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
