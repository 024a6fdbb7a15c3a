/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * References: a get/put pair of a counted object against a raw C11
 * atomic_fetch_add/atomic_fetch_sub pair in the same run, one thread and
 * two threads on one object.  Without the tracker the figure is the ratio
 * (goal 1.10x); with it, ns per pair (goal 60 ns).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <ioda/ref.h>

#include "bench.h"

struct obj {
	struct ioda_ref ref;
};

static const struct ioda_ref_type obj_type = {
	.name = "bench",
	.size = sizeof(struct obj),
	.ref_offset = 0,
};

struct target {
	atomic_int raw;
	struct obj *o;
};

static double run_atomic(void *arg, long n)
{
	struct target *t = arg;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		atomic_fetch_add(&t->raw, 1);
		atomic_fetch_sub(&t->raw, 1);
	}
	return bench_now_ns() - t0;
}

static double run_ref(void *arg, long n)
{
	struct target *t = arg;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		ioda_ref_get(&t->o->ref, "bench");
		ioda_ref_put(&t->o->ref, "bench");
	}
	return bench_now_ns() - t0;
}

/* Two threads on one object: each does the pairs, the wall time counts. */
struct duo {
	double (*fn)(void *arg, long n);
	struct target *t;
	long n;
	atomic_int ready;
};

static void *duo_thread(void *arg)
{
	struct duo *d = arg;

	atomic_fetch_add(&d->ready, 1);
	while (atomic_load(&d->ready) < 2)
		;
	d->fn(d->t, d->n);
	return NULL;
}

static double run_duo(struct duo *d, long n)
{
	pthread_t th;
	double t0;

	d->n = n;
	atomic_store(&d->ready, 0);
	t0 = bench_now_ns();
	if (pthread_create(&th, NULL, duo_thread, d))
		bench_die("ref", "cannot start a thread");
	duo_thread(d);
	pthread_join(th, NULL);
	return bench_now_ns() - t0;
}

static double run_atomic_2t(void *arg, long n)
{
	struct duo d = { .fn = run_atomic, .t = arg };

	return run_duo(&d, n);
}

static double run_ref_2t(void *arg, long n)
{
	struct duo d = { .fn = run_ref, .t = arg };

	return run_duo(&d, n);
}

void bench_refs(struct bench *b)
{
	/* The tracker takes a lock and looks the holder up: fewer pairs. */
	long n = b->quick ? 1000 : IODA_TRACKER ? 1000000 : 5000000;
	int rounds = b->quick ? 3 : 7;
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct target t = { .raw = 1 };
	double raw, ref, raw2, ref2;
	char note[64];

	if (!ctx || !(t.o = ioda_obj_new(ctx, &obj_type, "owner")))
		bench_die("ref", "out of memory");
	bench_compare_ns(run_atomic, &t, run_ref, &t, n, rounds, &raw, &ref);
	bench_compare_ns(run_atomic_2t, &t, run_ref_2t, &t, n / 4, rounds, &raw2, &ref2);
	if (IODA_TRACKER) {
		snprintf(note, sizeof(note), "tracker on; raw atomic pair %.1f ns", raw);
		bench_add(b, "ref.tracker_pair", ref, "ns", BENCH_AT_MOST, 60, ref / raw, note);
		snprintf(note, sizeof(note), "tracker on, 2 threads; raw %.1f ns", raw2);
		bench_add(b, "ref.tracker_pair_2t", ref2, "ns", BENCH_INFO, 0, ref2 / raw2, note);
	} else {
		bench_add(b, "ref.atomic_pair", raw, "ns", BENCH_INFO, 0, 1, "baseline");
		snprintf(note, sizeof(note), "get/put pair %.2f ns, tracker off", ref);
		bench_add(b, "ref.pair_vs_atomic", ref / raw, "x", BENCH_AT_MOST, 1.10, ref / raw,
			  note);
		bench_add(b, "ref.atomic_pair_2t", raw2, "ns", BENCH_INFO, 0, 1,
			  "baseline, 2 threads on one word");
		bench_add(b, "ref.pair_2t", ref2, "ns", BENCH_INFO, 0, ref2 / raw2,
			  "tracker off, 2 threads on one object");
	}
	ioda_ref_put(&t.o->ref, "owner");
	ioda_ctx_free(ctx);
}
