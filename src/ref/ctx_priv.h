/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The context's insides, shared by the allocator and the tracker. */
#ifndef IODA_CTX_PRIV_H
#define IODA_CTX_PRIV_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include <ioda/ctx.h>
#include <ioda/list.h>

struct ioda_ctx {
	/* Fault hooks and allocation accounting. */
	pthread_mutex_t lock;
	unsigned int fail_kinds;
	/* Atomic: a fault point off while disarmed costs one add, not the lock. */
	atomic_ulong fail_nth; /* 0: disarmed */
	unsigned long fail_seen;
	atomic_ulong calls_alloc, calls_opal;
	unsigned long injected;
	size_t live_bytes, live_blocks, quarantined_bytes;

	/* Reports. */
	ioda_report_fn report;
	void *report_arg;
	unsigned long reports[IODA_REPORT_NR];

	/* Freed big blocks kept for the next allocation of their size (ctx.c). */
	struct block_hdr *spare;
	size_t spare_bytes;
	unsigned int nspare;

	/* Tracker: live objects and the released ones kept for diagnosis. */
	pthread_mutex_t track_lock;
	struct ioda_list live;
	struct ioda_list quarantine;
	size_t quarantine_len, quarantine_max;
};

/* Moves a block's bytes from the live count to the quarantined count. */
void ioda_mem_quarantine(struct ioda_ctx *ctx, void *ptr);
/* Frees a block counted as quarantined. */
void ioda_mem_free_quarantined(struct ioda_ctx *ctx, void *ptr);

/* One report line "ref-tracker: <kind>: ..." to the context's sink. */
void ioda_report(struct ioda_ctx *ctx, enum ioda_report_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Tracker hooks for the context's life. */
void ioda_tracker_init(struct ioda_ctx *ctx);
void ioda_tracker_fini(struct ioda_ctx *ctx);

/* Drops the directories of a call site, for stable report lines. */
const char *ioda_site_file(const char *file);

#endif
