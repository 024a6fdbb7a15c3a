/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared test fixture: a context whose tracker reports are captured, so a
 * test can assert on the exact report lines, and that must end clean (no
 * live reference, no live byte) unless the test says otherwise.
 */
#ifndef IODA_TESTUTIL_H
#define IODA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <ioda/ctx.h>
#include <ioda/load.h>

#define TEST_MAX_REPORTS 64

struct test_reports {
	unsigned int n;
	char line[TEST_MAX_REPORTS][512];
};

static inline void test_capture(void *arg, enum ioda_report_kind kind, const char *line)
{
	struct test_reports *r = arg;

	if (r->n < TEST_MAX_REPORTS)
		snprintf(r->line[r->n++], sizeof(r->line[0]), "%s", line);
}

static inline struct ioda_ctx *test_ctx_new(struct test_reports *r)
{
	struct ioda_ctx *ctx = ioda_ctx_new();

	assert_non_null(ctx);
	memset(r, 0, sizeof(*r));
	ioda_ctx_set_report(ctx, test_capture, r);
	return ctx;
}

/* Every test ends here: zero live references, zero live bytes. */
static inline void test_ctx_end_clean(struct ioda_ctx *ctx)
{
	assert_int_equal(ioda_ctx_live_refs(ctx), 0);
	assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	assert_int_equal(ioda_mem_live_blocks(ctx), 0);
	ioda_ctx_free(ctx);
}

/* Asserts that some captured line equals @want exactly. */
static inline void assert_report(const struct test_reports *r, const char *want)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (strcmp(r->line[i], want) == 0)
			return;
	for (unsigned int i = 0; i < r->n; i++)
		print_error("  report[%u]: %s\n", i, r->line[i]);
	fail_msg("no report line \"%s\"", want);
}


/* A machine from topology text, which must load. */
static inline struct ioda_machine *test_machine(struct ioda_ctx *ctx, const char *text)
{
	struct ioda_machine *m;
	struct ioda_error err = { "" };
	int rc = ioda_load_machine_buf(ctx, "test.topo", text, strlen(text), IODA_INPUT_TOPO, &m,
				       &err);

	if (rc)
		fail_msg("load failed: %s", err.msg);
	return m;
}

/* The first device node of the first PHB of a topology text. */
static inline struct ioda_topo *test_topo(struct ioda_ctx *ctx, const char *text)
{
	struct ioda_topo *topo;
	struct ioda_error err = { "" };

	if (ioda_topo_parse(ctx, "frag.topo", text, strlen(text), &topo, &err))
		fail_msg("parse failed: %s", err.msg);
	return topo;
}

#endif
