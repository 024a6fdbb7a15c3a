/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay: the largest boot log in tests/conformance rebuilt, booted and
 * held against its PE lines, as make check does, the file already read;
 * then every log of the corpus in turn, as MB/s of log.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <ioda/load.h>

#include "bench.h"

static void largest_log(const char *dir, char *best, size_t len, off_t *best_size)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[4096];
		struct stat st;

		if (n < 4 || strcmp(e->d_name + n - 4, ".log"))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (!stat(path, &st) && st.st_size > *best_size) {
			*best_size = st.st_size;
			snprintf(best, len, "%s", path);
		}
	}
	closedir(d);
}

struct replay_arg {
	struct ioda_ctx *ctx;
	const char *file;
	const char *buf;
	size_t len;
	FILE *out;
};

static double run_replay(void *arg, long n)
{
	struct replay_arg *a = arg;
	struct ioda_replay_opts opts = { 0 };
	struct ioda_replay_result res;
	struct ioda_error err;
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		if (ioda_replay(a->ctx, a->file, a->buf, a->len, &opts, a->out, &res, &err))
			bench_die(a->file, err.msg);
		if (res.matched != res.total || res.extra)
			bench_die(a->file, "the replay no longer matches");
		ioda_replay_result_free(&res);
	}
	return bench_now_ns() - t0;
}

/* Every log of @dir, read into @c. */
struct corpus {
	struct ioda_ctx *ctx;
	char *buf[256], *name[256];
	size_t len[256], bytes;
	unsigned int n;
};

static void read_corpus(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && c->n < 256) {
		size_t n = strlen(e->d_name);
		struct ioda_error err;
		char path[4096];

		if (n < 4 || strcmp(e->d_name + n - 4, ".log") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (ioda_read_file(c->ctx, path, &c->buf[c->n], &c->len[c->n], &err))
			bench_die("replay", err.msg);
		c->name[c->n] = ioda_strdup(c->ctx, e->d_name);
		c->bytes += c->len[c->n++];
	}
	closedir(d);
}

static double run_corpus(void *arg, long n)
{
	struct corpus *c = arg;
	struct ioda_replay_opts opts = { 0 };
	struct ioda_replay_result res;
	struct ioda_error err;
	FILE *out = fopen("/dev/null", "w");
	double t0 = bench_now_ns();

	if (!out)
		bench_die("replay", "cannot open /dev/null");
	for (long i = 0; i < n; i++)
		for (unsigned int j = 0; j < c->n; j++)
			if (ioda_replay(c->ctx, c->name[j], c->buf[j], c->len[j], &opts, out, &res,
					&err))
				bench_die(c->name[j], err.msg);
			else
				ioda_replay_result_free(&res);
	t0 = bench_now_ns() - t0;
	fclose(out);
	return t0;
}

static void bench_corpus(struct bench *b, const char *const *dirs, size_t ndirs)
{
	struct corpus c = { .ctx = ioda_ctx_new() };
	char dir[4096], note[64];
	double ns;

	if (!c.ctx)
		bench_die("replay", "out of memory");
	for (size_t i = 0; i < ndirs; i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s", b->srcdir, dirs[i]) >= (int)sizeof(dir))
			bench_die("replay", "source path too long");
		read_corpus(&c, dir);
	}
	ns = bench_median_ns(run_corpus, &c, 1, b->quick ? 1 : 5);
	snprintf(note, sizeof(note), "%u logs, %zu KB, each replayed once", c.n, c.bytes / 1024);
	bench_add(b, "replay.corpus", (double)c.bytes / (ns / 1e9) / 1e6, "MB/s", BENCH_INFO, 0, -1,
		  note);
	for (unsigned int i = 0; i < c.n; i++) {
		ioda_free(c.ctx, c.buf[i]);
		ioda_free(c.ctx, c.name[i]);
	}
	ioda_ctx_free(c.ctx);
}

void bench_replay(struct bench *b)
{
	static const char *const dirs[] = { "tests/conformance/corpus", "tests/conformance/qemu" };
	struct replay_arg a = { .ctx = ioda_ctx_new(), .out = fopen("/dev/null", "w") };
	char path[4096] = "", dir[4096], *buf, note[64];
	off_t size = 0;
	struct ioda_error err;
	double ns;

	if (!a.ctx || !a.out)
		bench_die("replay", "cannot set up");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s", b->srcdir, dirs[i]) >= (int)sizeof(dir))
			bench_die("replay", "source path too long");
		largest_log(dir, path, sizeof(path), &size);
	}
	if (!size)
		bench_die("replay", "no log in tests/conformance");
	if (ioda_read_file(a.ctx, path, &buf, &a.len, &err))
		bench_die("replay", err.msg);
	a.buf = buf;
	a.file = strrchr(path, '/') + 1;
	ns = bench_median_ns(run_replay, &a, b->quick ? 1 : 10, b->quick ? 1 : 5);
	snprintf(note, sizeof(note), "%s, %lld KB", a.file, (long long)size / 1024);
	bench_add(b, "replay.largest_log", ns / 1e6, "ms", BENCH_AT_MOST, 5, -1, note);
	ioda_free(a.ctx, buf);
	ioda_ctx_free(a.ctx);
	fclose(a.out);
	bench_corpus(b, dirs, sizeof(dirs) / sizeof(dirs[0]));
}
