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

#include <libioda.h>

void ioda_error_set(struct ioda_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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

#endif
