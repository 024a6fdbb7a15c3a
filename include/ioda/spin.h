/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A spinning lock for short critical sections: an exchange to take, a
 * store to drop.  Uncontended it costs one locked instruction where a
 * mutex costs two (glibc's single-thread shortcut for mutexes ends with
 * the process's first thread); contended, it spins on a plain load and
 * yields every 128 spins, for more threads than cores.
 */
#ifndef IODA_SPIN_H
#define IODA_SPIN_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
	atomic_bool held;
} ioda_spinlock_t;

static inline void ioda_spin_lock(ioda_spinlock_t *l)
{
	unsigned int spins = 0;

	while (atomic_exchange_explicit(&l->held, true, memory_order_acquire))
		while (atomic_load_explicit(&l->held, memory_order_relaxed))
			if (++spins % 128 == 0)
				sched_yield();
}

static inline void ioda_spin_unlock(ioda_spinlock_t *l)
{
	atomic_store_explicit(&l->held, false, memory_order_release);
}

#endif
