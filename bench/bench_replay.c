/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay: the largest boot log in tests/conformance rebuilt, booted and
 * held against its PE lines, as make check does, the file already read.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <ioda/replay.h>

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
	}
	return bench_now_ns() - t0;
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
}
