/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refcount_t semantics: saturate, never wrap.
 *
 * A count that would overflow, underflow or rise from zero is parked at
 * IODA_REFCOUNT_SATURATED, half-way into the negative range, so that racing
 * increments and decrements cannot bring it back to a valid value: the
 * object leaks instead of being freed under a user.
 */
#include <ioda/ref.h>

const char *ioda_refcount_event_name(enum ioda_refcount_event ev)
{
	switch (ev) {
	case IODA_REFCOUNT_ADD_OVERFLOW:
		return "addition overflow; leaking memory";
	case IODA_REFCOUNT_ADD_ON_ZERO:
		return "addition on 0; use after free";
	case IODA_REFCOUNT_SUB_UNDERFLOW:
		return "underflow; use after free";
	case IODA_REFCOUNT_OK:
		break;
	}
	return "ok";
}

enum ioda_refcount_event ioda_refcount_inc_slow(ioda_refcount_t *r, int old)
{
	/* Already saturated (old < 0) reports nothing: warn once. */
	atomic_store_explicit(&r->refs, IODA_REFCOUNT_SATURATED, memory_order_relaxed);
	if (old == 0)
		return IODA_REFCOUNT_ADD_ON_ZERO;
	return old == INT_MAX ? IODA_REFCOUNT_ADD_OVERFLOW : IODA_REFCOUNT_OK;
}

bool ioda_refcount_inc_not_zero(ioda_refcount_t *r, enum ioda_refcount_event *ev)
{
	int old = atomic_load_explicit(&r->refs, memory_order_relaxed);

	*ev = IODA_REFCOUNT_OK;
	do {
		if (old == 0)
			return false;
		if (old < 0) /* saturated: stays there, still a valid get */
			return true;
		if (old == INT_MAX) {
			atomic_store_explicit(&r->refs, IODA_REFCOUNT_SATURATED,
					      memory_order_relaxed);
			*ev = IODA_REFCOUNT_ADD_OVERFLOW;
			return true;
		}
	} while (!atomic_compare_exchange_weak_explicit(&r->refs, &old, old + 1,
							memory_order_relaxed,
							memory_order_relaxed));
	return true;
}

bool ioda_refcount_dec_slow(ioda_refcount_t *r, int old, enum ioda_refcount_event *ev)
{
	if (old == 1) {
		atomic_thread_fence(memory_order_acquire);
		return true;
	}
	/* A saturated count (old < 0) is left alone without a report. */
	atomic_store_explicit(&r->refs, IODA_REFCOUNT_SATURATED, memory_order_relaxed);
	if (old == 0)
		*ev = IODA_REFCOUNT_SUB_UNDERFLOW;
	return false;
}

bool ioda_refcount_dec_and_mutex_lock(ioda_refcount_t *r, pthread_mutex_t *lock,
				      enum ioda_refcount_event *ev)
{
	int old = atomic_load_explicit(&r->refs, memory_order_relaxed);

	/* Not the last reference: drop it without the lock. */
	*ev = IODA_REFCOUNT_OK;
	while (old > 1) {
		if (atomic_compare_exchange_weak_explicit(&r->refs, &old, old - 1,
							  memory_order_release,
							  memory_order_relaxed))
			return false;
	}
	if (old < 0)
		return false;
	pthread_mutex_lock(lock);
	if (!ioda_refcount_dec_and_test(r, ev)) {
		pthread_mutex_unlock(lock);
		return false;
	}
	return true;
}
