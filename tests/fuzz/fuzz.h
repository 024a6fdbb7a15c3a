/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the libFuzzer targets share: each input gets a context of its own,
 * goes the whole way a user's file goes, and teardown must leave no live
 * reference and no live byte; anything else aborts, which is a finding.
 */
#ifndef IODA_FUZZ_H
#define IODA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <ioda/ctx.h>
#include <ioda/ioda.h>
#include <ioda/load.h>

struct fuzz {
	struct ioda_ctx *ctx;
	char *text; /* the input, NUL-terminated as the parsers want it */
	size_t len;
};

void fuzz_begin(struct fuzz *f, const uint8_t *data, size_t size);
/* Aborts unless the context is back to nothing live. */
void fuzz_end(struct fuzz *f);

/* Boots @m under @opts, formatting every event, and tears both down. */
void fuzz_boot(struct ioda_machine *m, const struct ioda_boot_opts *opts);

#endif
