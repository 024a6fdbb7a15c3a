/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The context: fault hooks, allocation accounting and the reference tracker.
 *
 * Everything the library allocates goes through ioda_zalloc()/ioda_free() on
 * a context, so that a test can make the Nth allocation fail and can check
 * that nothing is left live afterwards.  A context exists before any machine
 * (the loaders take one) and is owned by the caller; a machine borrows it.
 * There is no global state: two contexts never see each other.
 */
#ifndef IODA_CTX_H
#define IODA_CTX_H

#include <stdbool.h>
#include <stddef.h>

struct ioda_ctx;

/* A message "file:line:col: what is wrong" (or "file: what is wrong"). */
struct ioda_error {
	char msg[512];
};

void ioda_error_set(struct ioda_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Kinds of fault point: each call of one kind advances its counter. */
enum ioda_fault_kind {
	IODA_FAULT_ALLOC = 1u << 0,
	IODA_FAULT_OPAL = 1u << 1,
};
#define IODA_FAULT_ANY (IODA_FAULT_ALLOC | IODA_FAULT_OPAL)

/* Tracker report kinds, also the counters of ioda_ctx_reports(). */
enum ioda_report_kind {
	IODA_REPORT_LEAK,
	IODA_REPORT_USE_AFTER_RELEASE,
	IODA_REPORT_PUT_BY_NON_HOLDER,
	IODA_REPORT_SATURATED,
	IODA_REPORT_NR,
};

/* Receives each report line (no trailing newline). */
typedef void (*ioda_report_fn)(void *arg, enum ioda_report_kind kind, const char *line);

/*
 * A new context; reports go to stderr until ioda_ctx_set_report().
 * The context's own memory is not accounted and never fails by injection.
 * Returns NULL only when the C library is out of memory.
 */
struct ioda_ctx *ioda_ctx_new(void);

/*
 * Frees the context: quarantined objects are freed.  Objects still live are
 * reported as leaks by ioda_ctx_check_leaks(), which callers run first.
 */
void ioda_ctx_free(struct ioda_ctx *ctx);

void ioda_ctx_set_report(struct ioda_ctx *ctx, ioda_report_fn fn, void *arg);

/* Number of reports of @kind made so far. */
unsigned long ioda_ctx_reports(const struct ioda_ctx *ctx, enum ioda_report_kind kind);

/*
 * Makes the @n-th fault point (counted from now, among the @kinds) fail;
 * n == 0 disarms.  Fault points of other kinds are counted but never fail.
 */
void ioda_fault_fail_nth(struct ioda_ctx *ctx, unsigned int kinds, unsigned long n);

/* Fault points of @kinds passed since the context was made. */
unsigned long ioda_fault_calls(const struct ioda_ctx *ctx, unsigned int kinds);

/* Injected failures so far. */
unsigned long ioda_fault_injected(const struct ioda_ctx *ctx);

/*
 * One fault point of @kind: returns true when this call must fail.
 * The allocation wrappers call it; so do the firmware calls.
 */
bool ioda_fault_point(struct ioda_ctx *ctx, enum ioda_fault_kind kind);

/* Zeroed memory from the hooked allocator; NULL on (injected) failure. */
void *ioda_zalloc(struct ioda_ctx *ctx, size_t size);
/*
 * The same, not zeroed: for large scratch arrays written before they are
 * read, where zeroing them was a boot's cost.
 */
void *ioda_alloc(struct ioda_ctx *ctx, size_t size);
/* Array of @n elements of @size, overflow-checked. */
void *ioda_calloc(struct ioda_ctx *ctx, size_t n, size_t size);
/* Resizes; on failure the old block is untouched and NULL is returned. */
void *ioda_realloc(struct ioda_ctx *ctx, void *ptr, size_t size);
char *ioda_strdup(struct ioda_ctx *ctx, const char *s);
char *ioda_strndup(struct ioda_ctx *ctx, const char *s, size_t n);
void ioda_free(struct ioda_ctx *ctx, void *ptr);

/* Bytes in live blocks, and in released objects held in quarantine. */
size_t ioda_mem_live_bytes(const struct ioda_ctx *ctx);
size_t ioda_mem_quarantined_bytes(const struct ioda_ctx *ctx);
/* Live blocks (allocations not yet freed, quarantine excluded). */
size_t ioda_mem_live_blocks(const struct ioda_ctx *ctx);

/* Quarantine bound in objects (default 1024); 0 frees at release. */
void ioda_ctx_set_quarantine(struct ioda_ctx *ctx, size_t max_objects);

/* Live tracked references (sum over objects of their holders' counts). */
unsigned long ioda_ctx_live_refs(struct ioda_ctx *ctx);

/*
 * Reports every live reference as a leak ("ref-tracker: leak: ..."), one line
 * per holder, and returns the number of references reported.
 */
unsigned long ioda_ctx_check_leaks(struct ioda_ctx *ctx);

#endif
