/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replay of a kernel boot log against ioda's own derivation. */
#ifndef IODA_REPLAY_H
#define IODA_REPLAY_H

#include <stdbool.h>
#include <stdio.h>

#include <ioda/load.h>

struct ioda_replay_opts {
	const char *kernel; /* NULL: the log's own version */
	bool derived_only;  /* print ioda's PE lines, compare nothing */
	/*
	 * The resource lines instead: the machine rebuilt from sizes only
	 * (no assignment line, no address), the kernel's assignment derived
	 * and held against the log's; last "resources: M/T assignments match".
	 */
	bool resources;
};

struct ioda_replay_result {
	unsigned int matched, total, extra, derived;
	/*
	 * When the log has no "Linux version" line and --kernel gave none: the
	 * kernel inferred and the clue that decided it; "" otherwise.
	 */
	char kernel_inferred[320];
	/*
	 * With --resources: what the log lacks that assignment needs, a line
	 * each ("" when nothing): a BAR it assigns but never sized, a port on a
	 * PHB without resource lines whose slot no line describes.
	 */
	char missing[1024];
};

/*
 * Rebuilds the machine a boot log describes (nothing from its PE lines),
 * boots it under the log's kernel and writes to @out, per PHB and in total,
 * "matched/total PE lines match, E extra" with a unified diff where they
 * differ; last "replay: M/T PE lines match, E extra".  Negative errno with
 * @err when the log cannot be used.
 */
int ioda_replay(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		const struct ioda_replay_opts *opts, FILE *out, struct ioda_replay_result *res,
		struct ioda_error *err);

/*
 * The result as one JSON document: the file, the counts and the report's
 * lines (what ioda_replay() wrote, in @report).  -ENOMEM, -EIO.
 */
int ioda_replay_json(const char *file, const struct ioda_replay_opts *opts,
		     const struct ioda_replay_result *res, const char *report, FILE *out);

#endif
