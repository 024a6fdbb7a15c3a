/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OPAL tests' fixture: a context, a firmware instance and one PHB of a
 * given generation with its M32 and M64 windows, torn down clean.
 */
#ifndef IODA_TEST_OPAL_FIXTURE_H
#define IODA_TEST_OPAL_FIXTURE_H

#include <stdlib.h>

#include "testutil.h"

#include <ioda/hw.h>
#include <ioda/opal.h>

#define PHB_ID 0x10
#define M32_BASE 0x3fe080000000ull
#define M64_BASE 0x6000000000000ull
#define M64_SIZE 0x4000000000ull

struct fx {
	struct test_reports rep;
	struct ioda_ctx *ctx;
	struct ioda_opal *opal;
	struct ioda_phb_hw *phb;
};

static inline int fx_setup(void **state, enum ioda_phb_gen gen, unsigned int num_pes)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ioda_phb_params p;

	assert_non_null(f);
	f->ctx = test_ctx_new(&f->rep);
	f->opal = ioda_opal_new(f->ctx);
	assert_non_null(f->opal);
	ioda_phb_params_init(&p, gen);
	p.num_pes = num_pes;
	p.m32_base = M32_BASE;
	p.m64_base = M64_BASE;
	p.m64_size = M64_SIZE;
	assert_int_equal(ioda_opal_add_phb(f->opal, PHB_ID, &p), 0);
	f->phb = ioda_opal_phb(f->opal, PHB_ID);
	assert_non_null(f->phb);
	*state = f;
	return 0;
}

static inline int setup_phb3(void **state)
{
	return fx_setup(state, IODA_PHB3, 256);
}

static inline int setup_phb4(void **state)
{
	return fx_setup(state, IODA_PHB4, 512);
}

static inline int setup_phb4_256(void **state)
{
	return fx_setup(state, IODA_PHB4, 256);
}

static inline int setup_phb5(void **state)
{
	return fx_setup(state, IODA_PHB5, 512);
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	ioda_opal_free(f->opal);
	test_ctx_end_clean(f->ctx);
	free(f);
	return 0;
}

#define PER_GEN(t)                                                               \
	cmocka_unit_test_setup_teardown(t, setup_phb3, fx_teardown),             \
		cmocka_unit_test_setup_teardown(t, setup_phb4, fx_teardown),     \
		cmocka_unit_test_setup_teardown(t, setup_phb4_256, fx_teardown), \
		cmocka_unit_test_setup_teardown(t, setup_phb5, fx_teardown)

#endif
