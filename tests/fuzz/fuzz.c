/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* A tracker report (use after release, put by non-holder...) is a bug. */
static void on_report(void *arg, enum ioda_report_kind kind, const char *line)
{
	fprintf(stderr, "fuzz: %s\n", line);
	abort();
}

void fuzz_begin(struct fuzz *f, const uint8_t *data, size_t size)
{
	f->ctx = ioda_ctx_new();
	f->text = malloc(size + 1);
	if (!f->ctx || !f->text)
		abort();
	memcpy(f->text, data, size);
	f->text[size] = '\0';
	f->len = size;
	ioda_ctx_set_report(f->ctx, on_report, NULL);
}

void fuzz_end(struct fuzz *f)
{
	unsigned long refs = ioda_ctx_live_refs(f->ctx);
	size_t bytes = ioda_mem_live_bytes(f->ctx);

	if (refs || bytes) {
		fprintf(stderr, "fuzz: teardown left %lu references and %zu bytes live\n", refs,
			bytes);
		ioda_ctx_check_leaks(f->ctx);
		abort();
	}
	ioda_ctx_free(f->ctx);
	free(f->text);
}

/* The events are formatted as the CLI would print them, then dropped. */
static void on_event(void *arg, const struct ioda_event *ev)
{
	char line[256];

	ioda_event_format(ev, line, sizeof(line));
}

void fuzz_boot(struct ioda_machine *m, const struct ioda_boot_opts *opts)
{
	struct ioda_error err;
	struct ioda_kernel *k;

	if (!ioda_kernel_boot(m, opts, on_event, NULL, &k, &err))
		ioda_kernel_free(k);
	if (ioda_machine_free(m))
		abort();
}
