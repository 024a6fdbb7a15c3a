/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Concurrency: DMAs look their RID up in the RTT without the PHB lock
 * while OPAL calls remap it; they must see the old or the new PE, never
 * another one, and the tables must stay consistent.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "fixture.h"

#define RID 0x0100
#define PE_OLD 5
#define PE_NEW 6
#define REMAPS 200
#define READERS 4

struct shared {
	struct fx *f;
	atomic_bool done;
	atomic_ulong bad;
};

static void *dma_reader(void *arg)
{
	struct shared *s = arg;
	struct ioda_dma_result res;

	while (!atomic_load(&s->done)) {
		int rc = ioda_hw_dma(s->f->phb, RID, IODA_TVE_SELECT_BIT | 0x1000, false, &res);

		if (rc || (res.pe != PE_OLD && res.pe != PE_NEW))
			atomic_fetch_add(&s->bad, 1);
	}
	return NULL;
}

static void *status_reader(void *arg)
{
	struct shared *s = arg;
	uint8_t state;
	uint16_t type;

	while (!atomic_load(&s->done))
		if (opal_pci_eeh_freeze_status(s->f->opal, PHB_ID, PE_OLD, &state, &type, NULL) ||
		    state != OPAL_EEH_STOPPED_NOT_FROZEN)
			atomic_fetch_add(&s->bad, 1);
	return NULL;
}

static void map(struct fx *f, uint64_t pe)
{
	assert_int_equal(
		opal_pci_set_pe(f->opal, PHB_ID, pe, RID, OpalPciBusAll, 0, 0, OPAL_MAP_PE),
		OPAL_SUCCESS);
}

static void dma_sees_old_or_new_pe_while_set_pe_remaps_its_rid(void **state)
{
	struct shared s = {.f = *state};
	pthread_t t[READERS + 1];

	for (uint64_t pe = PE_OLD; pe <= PE_NEW; pe++)
		assert_int_equal(opal_pci_map_pe_dma_window_real(s.f->opal, PHB_ID, pe, 2 * pe + 1,
								 IODA_TVE_SELECT_BIT,
								 0x100000000ull),
				 OPAL_SUCCESS);
	map(s.f, PE_OLD);
	for (unsigned int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, dma_reader, &s), 0);
	assert_int_equal(pthread_create(&t[READERS], NULL, status_reader, &s), 0);
	for (unsigned int i = 0; i < REMAPS; i++) {
		map(s.f, PE_NEW);
		map(s.f, PE_OLD);
	}
	atomic_store(&s.done, true);
	for (unsigned int i = 0; i <= READERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_int_equal(s.f->phb->nr_errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PER_GEN(dma_sees_old_or_new_pe_while_set_pe_remaps_its_rid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
