/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda-bench: runs the figure groups, prints the table and writes the TSV.
 * It never fails on a time: a figure short of its goal is reported "no".
 *
 *   ioda-bench [--quick] [--only=GROUP] [--tsv=FILE] [--peer=BIN] [--rows]
 *              [--srcdir=DIR] [--phbs=N]
 *
 * --peer runs another build's ioda-bench (the tracker-on one) for its
 * reference rows and puts them in this table; --rows prints the rows in the
 * form --peer reads.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static const struct {
	const char *name;
	void (*run)(struct bench *b);
} groups[] = {
	/*
	 * The boot first: its cold figure stands for a CLI call's first boot,
	 * in a fresh process with no thread started yet (the ref group starts
	 * threads, after which glibc's mutexes and heap take their slower,
	 * multi-threaded paths).
	 */
	{ "boot", bench_boot },
	{ "ref", bench_refs },
	{ "hw", bench_hw },
	{ "replay", bench_replay },
	{ "churn", bench_churn },
	{ "peer", bench_peer },
};

void bench_die(const char *what, const char *why)
{
	fprintf(stderr, "ioda-bench: %s: %s\n", what, why);
	exit(2);
}

void bench_add(struct bench *b, const char *name, double value, const char *unit,
	       enum bench_goal goal_kind, double goal, double ratio, const char *note)
{
	struct bench_row *r;

	if (b->nrows == sizeof(b->rows) / sizeof(b->rows[0]))
		bench_die(name, "too many rows");
	r = &b->rows[b->nrows++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
	r->value = value;
	r->goal_kind = goal_kind;
	r->goal = goal;
	r->ratio = ratio;
}

/*
 * The thread's CPU time, not the wall clock: on a shared 2-core machine the
 * wall clock also counts the time other jobs held the CPU.
 */
double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_median_ns(double (*fn)(void *arg, long n), void *arg, long n, int rounds)
{
	double t[32];

	if (rounds > 32)
		rounds = 32;
	fn(arg, n / 10 + 1); /* warm the caches and the branch predictor */
	for (int i = 0; i < rounds; i++)
		t[i] = fn(arg, n) / (double)n;
	return bench_median(t, rounds);
}

void bench_compare_ns(double (*base)(void *arg, long n), void *base_arg,
		      double (*subj)(void *arg, long n), void *subj_arg, long n, int rounds,
		      double *base_ns, double *subj_ns)
{
	double tb[32], ts[32];

	if (rounds > 32)
		rounds = 32;
	base(base_arg, n / 10 + 1);
	subj(subj_arg, n / 10 + 1);
	for (int i = 0; i < rounds; i++) {
		tb[i] = base(base_arg, n) / (double)n;
		ts[i] = subj(subj_arg, n) / (double)n;
	}
	*base_ns = bench_median(tb, rounds);
	*subj_ns = bench_median(ts, rounds);
}

static const char *met(const struct bench_row *r)
{
	if (r->goal_kind == BENCH_INFO)
		return "-";
	if (r->goal_kind == BENCH_AT_MOST)
		return r->value <= r->goal ? "yes" : "no";
	return r->value >= r->goal ? "yes" : "no";
}

static void goal_str(const struct bench_row *r, char *buf, size_t len)
{
	if (r->goal_kind == BENCH_INFO)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s%g", r->goal_kind == BENCH_AT_MOST ? "<=" : ">=", r->goal);
}

static void print_table(const struct bench *b)
{
	printf("%-26s %14s %-12s %4s %7s  %s\n", "figure", "value", "goal", "met", "ratio",
	       "baseline / note");
	for (unsigned int i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];
		char goal[24], ratio[16] = "-";

		goal_str(r, goal, sizeof(goal));
		if (r->ratio >= 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", r->ratio);
		printf("%-26s %10.4g %-3s %-12s %4s %7s  %s\n", r->name, r->value, r->unit, goal,
		       met(r), ratio, r->note);
	}
}

static int write_tsv(const struct bench *b, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (unsigned int i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];
		char goal[24];

		goal_str(r, goal, sizeof(goal));
		fprintf(f, "%s\t%.6g\t%s\t%s\t%s\n", r->name, r->value, r->unit, goal, met(r));
	}
	return fclose(f) ? -errno : 0;
}

/* The rows as --peer reads them: every field, tab-separated. */
static void print_rows(const struct bench *b)
{
	for (unsigned int i = 0; i < b->nrows; i++) {
		const struct bench_row *r = &b->rows[i];

		printf("%s\t%.9g\t%s\t%d\t%.9g\t%.9g\t%s\n", r->name, r->value, r->unit,
		       (int)r->goal_kind, r->goal, r->ratio, r->note);
	}
}

static void run_peer(struct bench *b, const char *bin)
{
	char cmd[4096], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' --only=ref --rows%s", bin, b->quick ? " --quick" : "");
	p = popen(cmd, "r");
	if (!p)
		bench_die(bin, strerror(errno));
	while (fgets(line, sizeof(line), p)) {
		char *f[7], *save = NULL, *s = line;
		unsigned int n = 0;

		line[strcspn(line, "\n")] = '\0';
		while (n < 7 && (f[n] = strtok_r(s, "\t", &save)))
			n++, s = NULL;
		if (n < 6)
			bench_die(bin, "unreadable row");
		bench_add(b, f[0], strtod(f[1], NULL), f[2], (enum bench_goal)atoi(f[3]),
			  strtod(f[4], NULL), strtod(f[5], NULL), n == 7 ? f[6] : NULL);
	}
	if (pclose(p))
		bench_die(bin, "failed");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },  { "only", required_argument, NULL, 'o' },
		{ "tsv", required_argument, NULL, 't' }, { "peer", required_argument, NULL, 'p' },
		{ "rows", no_argument, NULL, 'r' },   { "srcdir", required_argument, NULL, 's' },
		{ "phbs", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .srcdir = IODA_SRCDIR };
	const char *only = NULL, *tsv = NULL, *peer = NULL;
	bool rows = false;
	int c;

	/*
	 * The heap is kept between rounds, as in a process that lives on: left
	 * to trim, glibc hands a freed machine back to the kernel and the next
	 * boot pays a page fault per page again (boot.16phb_cold has that).
	 */
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's largest: INT_MAX is refused */
	mallopt(M_TOP_PAD, 256 << 20);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b.quick = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 't':
			tsv = optarg;
			break;
		case 'p':
			peer = optarg;
			break;
		case 'r':
			rows = true;
			break;
		case 's':
			b.srcdir = optarg;
			break;
		case 'n':
			b.phbs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: ioda-bench [--quick] [--only=GROUP] [--tsv=FILE] "
					"[--peer=BIN] [--rows] [--srcdir=DIR] [--phbs=N]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (only && strcmp(only, groups[i].name))
			continue;
		groups[i].run(&b);
		/* The tracker-on figures go right after this build's own. */
		if (peer && !strcmp(groups[i].name, "ref"))
			run_peer(&b, peer);
	}
	if (rows) {
		print_rows(&b);
		return 0;
	}
	print_table(&b);
	if (tsv && write_tsv(&b, tsv)) {
		fprintf(stderr, "ioda-bench: %s: %s\n", tsv, strerror(errno));
		return 2;
	}
	return 0;
}
