/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The context: fault points and the accounted allocator.
 *
 * Each block carries a small header with its size, so the context can count
 * live bytes without a table, and a test can assert that a failed operation
 * left nothing behind.
 *
 * Big blocks (the PHB tables, a boot's large arrays) are kept when freed,
 * up to a bound, for the next allocation of the same size: a process that
 * boots again and again (the matrix, the torture, the fault sweep, a
 * bench) reuses pages it already has instead of handing them back to the
 * system and faulting them in again, which made boots of big machines
 * slower than linear.  Under ASan a kept block is poisoned.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/config.h>

#include "ctx_priv.h"

/* Keeps the payload aligned as malloc's own. */
struct block_hdr {
	size_t size;
	size_t magic;
	struct block_hdr *next; /* kept: the next spare */
} __attribute__((aligned(16)));

#define BLOCK_MAGIC ((size_t)0x10da10da10da10daULL)
#define SPARE_MIN (64u << 10)   /* blocks this big are kept when freed */
#define SPARE_BYTES (256u << 20) /* at most this much kept */
#define SPARE_COUNT 1024u

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define spare_poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define spare_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define spare_poison(p, n) ((void)(p), (void)(n))
#define spare_unpoison(p, n) ((void)(p), (void)(n))
#endif

static void default_report(void *arg, enum ioda_report_kind kind, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

const char *ioda_version(void)
{
	return IODA_VERSION;
}

struct ioda_ctx *ioda_ctx_new(void)
{
	struct ioda_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->report = default_report;
	ioda_tracker_init(ctx);
	return ctx;
}

void ioda_ctx_free(struct ioda_ctx *ctx)
{
	if (!ctx)
		return;
	ioda_tracker_fini(ctx);
	while (ctx->spare) {
		struct block_hdr *h = ctx->spare;

		ctx->spare = h->next;
		spare_unpoison(h + 1, h->size);
		free(h);
	}
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

void ioda_ctx_set_report(struct ioda_ctx *ctx, ioda_report_fn fn, void *arg)
{
	ctx->report = fn ? fn : default_report;
	ctx->report_arg = arg;
}

unsigned long ioda_ctx_reports(const struct ioda_ctx *ctx, enum ioda_report_kind kind)
{
	return kind < IODA_REPORT_NR ? ctx->reports[kind] : 0;
}

void ioda_fault_fail_nth(struct ioda_ctx *ctx, unsigned int kinds, unsigned long n)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->fail_kinds = kinds;
	ctx->fail_seen = 0;
	atomic_store(&ctx->fail_nth, n);
	pthread_mutex_unlock(&ctx->lock);
}

unsigned long ioda_fault_calls(const struct ioda_ctx *ctx, unsigned int kinds)
{
	unsigned long n = 0;

	if (kinds & IODA_FAULT_ALLOC)
		n += atomic_load(&((struct ioda_ctx *)ctx)->calls_alloc);
	if (kinds & IODA_FAULT_OPAL)
		n += atomic_load(&((struct ioda_ctx *)ctx)->calls_opal);
	return n;
}

unsigned long ioda_fault_injected(const struct ioda_ctx *ctx)
{
	return ctx->injected;
}

bool ioda_fault_point(struct ioda_ctx *ctx, enum ioda_fault_kind kind)
{
	bool fail = false;

	atomic_fetch_add_explicit(kind == IODA_FAULT_ALLOC ? &ctx->calls_alloc : &ctx->calls_opal,
				  1, memory_order_relaxed);
	if (!atomic_load_explicit(&ctx->fail_nth, memory_order_relaxed))
		return false;
	pthread_mutex_lock(&ctx->lock);
	/* One shot: the Nth point fails, the ones after it succeed again. */
	if (ctx->fail_nth && (ctx->fail_kinds & kind) && ++ctx->fail_seen == ctx->fail_nth) {
		atomic_store(&ctx->fail_nth, 0);
		ctx->injected++;
		fail = true;
	}
	pthread_mutex_unlock(&ctx->lock);
	return fail;
}

static struct block_hdr *hdr_of(void *ptr)
{
	struct block_hdr *h = (struct block_hdr *)ptr - 1;

	if (h->magic != BLOCK_MAGIC) {
		fprintf(stderr, "ioda: free of a block not from ioda_zalloc (%p)\n", ptr);
		abort();
	}
	return h;
}

/* A kept block of exactly @size, taken off the list; NULL when none. */
static struct block_hdr *spare_take(struct ioda_ctx *ctx, size_t size)
{
	struct block_hdr **p, *h = NULL;

	if (size < SPARE_MIN)
		return NULL;
	pthread_mutex_lock(&ctx->lock);
	for (p = &ctx->spare; *p; p = &(*p)->next)
		if ((*p)->size == size) {
			h = *p;
			*p = h->next;
			ctx->spare_bytes -= size;
			ctx->nspare--;
			break;
		}
	pthread_mutex_unlock(&ctx->lock);
	if (h)
		spare_unpoison(h + 1, size);
	return h;
}

/* Keeps a freed big block for later; false when it is not kept. */
static bool spare_keep(struct ioda_ctx *ctx, struct block_hdr *h)
{
	bool kept = false;

	if (h->size < SPARE_MIN)
		return false;
	pthread_mutex_lock(&ctx->lock);
	if (ctx->nspare < SPARE_COUNT && ctx->spare_bytes + h->size <= SPARE_BYTES) {
		h->next = ctx->spare;
		ctx->spare = h;
		ctx->spare_bytes += h->size;
		ctx->nspare++;
		kept = true;
	}
	pthread_mutex_unlock(&ctx->lock);
	if (kept)
		spare_poison(h + 1, h->size);
	return kept;
}

static void *block_alloc(struct ioda_ctx *ctx, size_t size, bool zero)
{
	struct block_hdr *h;

	if (ioda_fault_point(ctx, IODA_FAULT_ALLOC))
		return NULL;
	if (size > SIZE_MAX - sizeof(*h))
		return NULL;
	h = spare_take(ctx, size);
	if (h && zero)
		memset(h + 1, 0, size);
	else if (!h)
		h = zero ? calloc(1, sizeof(*h) + size) : malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	h->magic = BLOCK_MAGIC;
	pthread_mutex_lock(&ctx->lock);
	ctx->live_bytes += size;
	ctx->live_blocks++;
	pthread_mutex_unlock(&ctx->lock);
	return h + 1;
}

void *ioda_zalloc(struct ioda_ctx *ctx, size_t size)
{
	return block_alloc(ctx, size, true);
}

void *ioda_alloc(struct ioda_ctx *ctx, size_t size)
{
	return block_alloc(ctx, size, false);
}

void *ioda_calloc(struct ioda_ctx *ctx, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return ioda_zalloc(ctx, n * size);
}

void *ioda_realloc(struct ioda_ctx *ctx, void *ptr, size_t size)
{
	struct block_hdr *h;
	void *p;

	if (!ptr)
		return ioda_zalloc(ctx, size);
	h = hdr_of(ptr);
	p = ioda_zalloc(ctx, size);
	if (!p)
		return NULL;
	memcpy(p, ptr, h->size < size ? h->size : size);
	ioda_free(ctx, ptr);
	return p;
}

char *ioda_strndup(struct ioda_ctx *ctx, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = ioda_zalloc(ctx, len + 1);

	if (d)
		memcpy(d, s, len);
	return d;
}

char *ioda_strdup(struct ioda_ctx *ctx, const char *s)
{
	return ioda_strndup(ctx, s, SIZE_MAX);
}

static void release_block(struct ioda_ctx *ctx, void *ptr, bool quarantined)
{
	struct block_hdr *h = hdr_of(ptr);

	pthread_mutex_lock(&ctx->lock);
	if (quarantined)
		ctx->quarantined_bytes -= h->size;
	else {
		ctx->live_bytes -= h->size;
		ctx->live_blocks--;
	}
	pthread_mutex_unlock(&ctx->lock);
	h->magic = 0;
	if (!spare_keep(ctx, h))
		free(h);
}

void ioda_free(struct ioda_ctx *ctx, void *ptr)
{
	if (ptr)
		release_block(ctx, ptr, false);
}

void ioda_mem_free_quarantined(struct ioda_ctx *ctx, void *ptr)
{
	release_block(ctx, ptr, true);
}

void ioda_mem_quarantine(struct ioda_ctx *ctx, void *ptr)
{
	struct block_hdr *h = hdr_of(ptr);

	pthread_mutex_lock(&ctx->lock);
	ctx->live_bytes -= h->size;
	ctx->live_blocks--;
	ctx->quarantined_bytes += h->size;
	pthread_mutex_unlock(&ctx->lock);
}

/* Reads one accounting field under the lock. */
static size_t read_count(const struct ioda_ctx *ctx, const size_t *field)
{
	size_t n;

	pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
	n = *field;
	pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
	return n;
}

size_t ioda_mem_live_bytes(const struct ioda_ctx *ctx)
{
	return read_count(ctx, &ctx->live_bytes);
}

size_t ioda_mem_live_blocks(const struct ioda_ctx *ctx)
{
	return read_count(ctx, &ctx->live_blocks);
}

size_t ioda_mem_quarantined_bytes(const struct ioda_ctx *ctx)
{
	return read_count(ctx, &ctx->quarantined_bytes);
}

void ioda_report(struct ioda_ctx *ctx, enum ioda_report_kind kind, const char *fmt, ...)
{
	static const char *const kinds[IODA_REPORT_NR] = {
		[IODA_REPORT_LEAK] = "leak",
		[IODA_REPORT_USE_AFTER_RELEASE] = "use after release",
		[IODA_REPORT_PUT_BY_NON_HOLDER] = "put by non-holder",
		[IODA_REPORT_SATURATED] = "saturated",
	};
	char line[512];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "ref-tracker: %s: ", kinds[kind]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&ctx->lock);
	ctx->reports[kind]++;
	pthread_mutex_unlock(&ctx->lock);
	ctx->report(ctx->report_arg, kind, line);
}

const char *ioda_site_file(const char *file)
{
	while (strncmp(file, "../", 3) == 0)
		file += 3;
	return file;
}
