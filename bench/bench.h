/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench: figures held against their goals.  Each group of figures
 * measures its baseline in the same run (these machines are noisy), takes
 * the median of several rounds, and adds rows to one table.
 */
#ifndef IODA_BENCH_H
#define IODA_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioda/ctx.h>

/* Which way a goal points; BENCH_INFO rows are informational. */
enum bench_goal {
	BENCH_INFO,
	BENCH_AT_MOST,
	BENCH_AT_LEAST,
};

struct bench_row {
	char name[40];
	double value;
	char unit[12];
	enum bench_goal goal_kind;
	double goal;
	double ratio; /* to the row's baseline; < 0: none */
	char note[64];
};

struct bench {
	bool quick;          /* tiny counts and sizes: the smoke run of make check */
	const char *srcdir;  /* the source tree, for the corpus and the examples */
	unsigned int phbs;   /* boot scale: PHBs of the 1x machine (0: 16; for profiles) */
	unsigned int nrows;
	struct bench_row rows[64];
};

void bench_add(struct bench *b, const char *name, double value, const char *unit,
	       enum bench_goal goal_kind, double goal, double ratio, const char *note);

double bench_now_ns(void);

/*
 * Runs @fn (which does @n operations and returns its elapsed ns) @rounds
 * times and returns the median ns per operation.
 */
double bench_median_ns(double (*fn)(void *arg, long n), void *arg, long n, int rounds);

/*
 * The same for a baseline and a subject, their rounds interleaved so that
 * drift in the machine's speed hits both alike.
 */
void bench_compare_ns(double (*base)(void *arg, long n), void *base_arg,
		      double (*subj)(void *arg, long n), void *subj_arg, long n, int rounds,
		      double *base_ns, double *subj_ns);

/* The median of @n values (sorted in place). */
double bench_median(double *v, int n);

/* Keeps a value alive past the optimiser. */
static inline void bench_keep(uint64_t v)
{
	__asm__ volatile("" : : "r"(v));
}

/* The figure groups. */
void bench_refs(struct bench *b);
void bench_boot(struct bench *b);
void bench_hw(struct bench *b);
void bench_replay(struct bench *b);
void bench_churn(struct bench *b);
void bench_peer(struct bench *b);

/* Fails loudly: a bench that cannot set up its machine has nothing to say. */
void bench_die(const char *what, const char *why) __attribute__((noreturn));

#endif
