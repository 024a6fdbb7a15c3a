/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench, references: a get/put pair of a counted object against a raw
 * C11 atomic_fetch_add/atomic_fetch_sub pair measured in the same run, since
 * the machines we run on are noisy: the ratio is the figure.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include <ioda/ref.h>

#define PAIRS 20000000L
#define ROUNDS 5

struct obj {
	struct ioda_ref ref;
};

static const struct ioda_ref_type obj_type = {
	.name = "bench",
	.size = sizeof(struct obj),
	.ref_offset = 0,
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double best_of(double (*run)(void *), void *arg)
{
	double best = 1e30;

	for (int i = 0; i < ROUNDS; i++) {
		double t = run(arg);

		if (t < best)
			best = t;
	}
	return best;
}

static double run_atomic(void *arg)
{
	atomic_int *a = arg;
	double t0 = now_ns();

	for (long i = 0; i < PAIRS; i++) {
		atomic_fetch_add(a, 1);
		atomic_fetch_sub(a, 1);
	}
	return (now_ns() - t0) / PAIRS;
}

static double run_ref(void *arg)
{
	struct obj *o = arg;
	double t0 = now_ns();

	for (long i = 0; i < PAIRS; i++) {
		ioda_ref_get(&o->ref, "bench");
		ioda_ref_put(&o->ref, "bench");
	}
	return (now_ns() - t0) / PAIRS;
}

int main(void)
{
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct obj *o = ioda_obj_new(ctx, &obj_type, "owner");
	atomic_int a = 1;
	double raw, ref;

	if (!o)
		return 1;
	raw = best_of(run_atomic, &a);
	ref = best_of(run_ref, o);
	printf("%-34s %8s %8s %8s\n", "figure", "value", "goal", "ratio");
	printf("%-34s %6.2fns %8s %8s\n", "raw atomic add/sub pair", raw, "-", "1.00");
	printf("%-34s %6.2fns %8s %7.2fx\n", IODA_TRACKER ? "get/put pair (tracker on)"
							 : "get/put pair (tracker off)",
	       ref, IODA_TRACKER ? "60ns" : "1.10x", ref / raw);
	ioda_ref_put(&o->ref, "owner");
	ioda_ctx_free(ctx);
	return 0;
}
