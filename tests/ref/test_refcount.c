/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda_refcount_t holds the kernel's refcount_t contract (lib/refcount.c):
 * saturate instead of wrapping, refuse to resurrect a zero count, report the
 * last put, and stay exact under concurrent get/put.
 */
#include "testutil.h"

#include <pthread.h>

#include <ioda/ref.h>

/* refcount_inc() on INT_MAX saturates instead of wrapping to INT_MIN. */
static void inc_at_int_max_saturates(void **state)
{
	ioda_refcount_t r;

	ioda_refcount_set(&r, INT_MAX);
	assert_int_equal(ioda_refcount_inc(&r), IODA_REFCOUNT_ADD_OVERFLOW);
	assert_int_equal(ioda_refcount_read(&r), IODA_REFCOUNT_SATURATED);
	/* Saturated stays saturated, and says so only once. */
	assert_int_equal(ioda_refcount_inc(&r), IODA_REFCOUNT_OK);
	assert_int_equal(ioda_refcount_read(&r), IODA_REFCOUNT_SATURATED);
}

/* refcount_dec_and_test() on 0 saturates: an underflow never frees twice. */
static void dec_at_zero_saturates(void **state)
{
	ioda_refcount_t r;
	enum ioda_refcount_event ev;

	ioda_refcount_set(&r, 0);
	assert_false(ioda_refcount_dec_and_test(&r, &ev));
	assert_int_equal(ev, IODA_REFCOUNT_SUB_UNDERFLOW);
	assert_int_equal(ioda_refcount_read(&r), IODA_REFCOUNT_SATURATED);
	assert_false(ioda_refcount_dec_and_test(&r, &ev));
	assert_int_equal(ev, IODA_REFCOUNT_OK);
	assert_int_equal(ioda_refcount_read(&r), IODA_REFCOUNT_SATURATED);
}

/* refcount_inc() on 0 is a use after free: saturate, report. */
static void inc_on_zero_is_use_after_free(void **state)
{
	ioda_refcount_t r;

	ioda_refcount_set(&r, 0);
	assert_int_equal(ioda_refcount_inc(&r), IODA_REFCOUNT_ADD_ON_ZERO);
	assert_int_equal(ioda_refcount_read(&r), IODA_REFCOUNT_SATURATED);
	assert_string_equal(ioda_refcount_event_name(IODA_REFCOUNT_ADD_ON_ZERO),
			    "addition on 0; use after free");
}

/* refcount_inc_not_zero() refuses a zero count and leaves it at zero. */
static void inc_not_zero_on_zero_fails(void **state)
{
	ioda_refcount_t r;
	enum ioda_refcount_event ev;

	ioda_refcount_set(&r, 0);
	assert_false(ioda_refcount_inc_not_zero(&r, &ev));
	assert_int_equal(ioda_refcount_read(&r), 0);
	ioda_refcount_set(&r, 3);
	assert_true(ioda_refcount_inc_not_zero(&r, &ev));
	assert_int_equal(ev, IODA_REFCOUNT_OK);
	assert_int_equal(ioda_refcount_read(&r), 4);
	ioda_refcount_set(&r, INT_MAX);
	assert_true(ioda_refcount_inc_not_zero(&r, &ev));
	assert_int_equal(ev, IODA_REFCOUNT_ADD_OVERFLOW);
	assert_int_equal(ioda_refcount_read(&r), IODA_REFCOUNT_SATURATED);
}

/* refcount_dec_and_test() is true exactly for the put that reaches 0. */
static void dec_and_test_true_only_at_one(void **state)
{
	ioda_refcount_t r;
	enum ioda_refcount_event ev;

	ioda_refcount_set(&r, 2);
	assert_false(ioda_refcount_dec_and_test(&r, &ev));
	assert_int_equal(ioda_refcount_read(&r), 1);
	assert_true(ioda_refcount_dec_and_test(&r, &ev));
	assert_int_equal(ev, IODA_REFCOUNT_OK);
	assert_int_equal(ioda_refcount_read(&r), 0);
}

/* refcount_dec_and_mutex_lock(): the lock is held only on the way to 0. */
static void dec_and_mutex_lock_locks_only_at_zero(void **state)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	ioda_refcount_t r;
	enum ioda_refcount_event ev;

	ioda_refcount_set(&r, 2);
	assert_false(ioda_refcount_dec_and_mutex_lock(&r, &lock, &ev));
	/* Not held: trylock succeeds. */
	assert_int_equal(pthread_mutex_trylock(&lock), 0);
	pthread_mutex_unlock(&lock);
	assert_true(ioda_refcount_dec_and_mutex_lock(&r, &lock, &ev));
	assert_int_not_equal(pthread_mutex_trylock(&lock), 0); /* held by us */
	pthread_mutex_unlock(&lock);
	assert_int_equal(ioda_refcount_read(&r), 0);
}

#define PAIRS 200000

static void *get_put_loop(void *arg)
{
	ioda_refcount_t *r = arg;
	enum ioda_refcount_event ev;

	for (int i = 0; i < PAIRS; i++) {
		ioda_refcount_inc(r);
		ioda_refcount_dec_and_test(r, &ev);
	}
	for (int i = 0; i < PAIRS / 2; i++)
		ioda_refcount_inc(r);
	return NULL;
}

/* Get/put from two threads at once loses no count. */
static void concurrent_get_put_is_exact(void **state)
{
	ioda_refcount_t r;
	pthread_t t[2];

	ioda_refcount_set(&r, 1);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, get_put_loop, &r), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(ioda_refcount_read(&r), 1 + PAIRS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inc_at_int_max_saturates),
		cmocka_unit_test(dec_at_zero_saturates),
		cmocka_unit_test(inc_on_zero_is_use_after_free),
		cmocka_unit_test(inc_not_zero_on_zero_fails),
		cmocka_unit_test(dec_and_test_true_only_at_one),
		cmocka_unit_test(dec_and_mutex_lock_locks_only_at_zero),
		cmocka_unit_test(concurrent_get_put_is_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
