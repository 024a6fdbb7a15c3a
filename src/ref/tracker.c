/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counted objects and the reference tracker.
 *
 * With the tracker (the default build), each object has a record listing its
 * holders; every get adds to its holder's count and every put must name a
 * holder that has one.  A released object is poisoned and parked in the
 * context's quarantine (bounded, oldest out first) with the name of who
 * released it, so a later get, put or use is reported instead of being
 * undefined.  The records are the tracker's own and come from plain malloc,
 * outside the fault hook: a get cannot fail.
 *
 * Each record has its own lock, so threads on different objects share no
 * line and threads on one object contend on that object alone; the
 * context's lock guards only the lists of live and quarantined records
 * (taken at birth, at release, and by whole-context walks, which then take
 * each record's lock after it).
 *
 * Without the tracker, an object is a bare counter and is freed at release.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_priv.h"
#include <ioda/ref.h>
#include <ioda/spin.h>

#define POISON_FREE 0x6b /* as the kernel's slab poison */
#define QUARANTINE_DEFAULT 1024

static void obj_free(struct ioda_ctx *ctx, struct ioda_ref *ref, bool quarantined)
{
	if (quarantined)
		ioda_mem_free_quarantined(ctx, ioda_ref_object(ref));
	else
		ioda_free(ctx, ioda_ref_object(ref));
}

void ioda_ref_report_saturated(struct ioda_ref *ref, enum ioda_refcount_event ev,
			       const char *holder, const char *file, int line)
{
	if (ev != IODA_REFCOUNT_OK)
		ioda_report(ref->ctx, IODA_REPORT_SATURATED, "%s %s by %s at %s:%d: %s",
			    ref->type->name, ref->name, holder, ioda_site_file(file), line,
			    ioda_refcount_event_name(ev));
}

void ioda_ref_set_name(struct ioda_ref *ref, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ref->name, sizeof(ref->name), fmt, ap);
	va_end(ap);
}

/* A zeroed object with its ref initialised to one reference; no tracking yet. */
static struct ioda_ref *obj_alloc(struct ioda_ctx *ctx, const struct ioda_ref_type *type)
{
	char *obj = ioda_zalloc(ctx, type->size);
	struct ioda_ref *ref;

	if (!obj)
		return NULL;
	ref = (struct ioda_ref *)(obj + type->ref_offset);
	ioda_refcount_set(&ref->count, 1);
	ref->type = type;
	ref->ctx = ctx;
	return ref;
}

void ioda_scoped_put(struct ioda_scoped_ref *s)
{
	void *obj = *s->objp;

	if (obj)
		ioda_ref_put_at((struct ioda_ref *)((char *)obj + s->ref_offset), s->holder,
				s->file, s->line);
}

#if IODA_TRACKER

struct holder {
	char name[IODA_HOLDER_MAX];
	const char *file;
	int line;
	unsigned int count;
};

struct ioda_track_obj {
	struct ioda_list node; /* ctx->live or ctx->quarantine: under ctx->track_lock */
	struct ioda_ref *ref;
	struct holder *holders;
	unsigned int nholders, cap;
	bool released;
	char released_by[IODA_HOLDER_MAX];
	const char *released_file;
	int released_line;
};

/* Held for a few dozen instructions: a spinning lock (ioda/spin.h), in the object's ref. */
static void obj_lock(struct ioda_track_obj *t)
{
	ioda_spin_lock(&t->ref->lock);
}

static void obj_unlock(struct ioda_track_obj *t)
{
	ioda_spin_unlock(&t->ref->lock);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fputs("ref-tracker: out of memory for tracker records\n", stderr);
		abort();
	}
	return q;
}

void ioda_tracker_init(struct ioda_ctx *ctx)
{
	pthread_mutex_init(&ctx->track_lock, NULL);
	ioda_list_init(&ctx->live);
	ioda_list_init(&ctx->quarantine);
	ctx->quarantine_max = QUARANTINE_DEFAULT;
}

/* A record on cache lines of its own: threads on two objects share none. */
static struct ioda_track_obj *record_new(void)
{
	size_t size = (sizeof(struct ioda_track_obj) + 63) / 64 * 64;
	struct ioda_track_obj *t = aligned_alloc(64, size);

	if (!t) {
		fputs("ref-tracker: out of memory for tracker records\n", stderr);
		abort();
	}
	memset(t, 0, size);
	return t;
}

static void track_free(struct ioda_track_obj *t)
{
	free(t->holders);
	free(t);
}

static void quarantine_trim(struct ioda_ctx *ctx, size_t max)
{
	while (ctx->quarantine_len > max) {
		struct ioda_track_obj *t =
			ioda_list_entry(ctx->quarantine.next, struct ioda_track_obj, node);

		ioda_list_del(&t->node);
		ctx->quarantine_len--;
		obj_free(ctx, t->ref, true);
		track_free(t);
	}
}

/* Leaked objects were reported by ioda_ctx_check_leaks(); free their memory. */
void ioda_tracker_fini(struct ioda_ctx *ctx)
{
	struct ioda_track_obj *t, *n;

	pthread_mutex_lock(&ctx->track_lock);
	quarantine_trim(ctx, 0);
	ioda_list_for_each_entry_safe(t, n, &ctx->live, node) {
		ioda_list_del(&t->node);
		obj_free(ctx, t->ref, false);
		track_free(t);
	}
	pthread_mutex_unlock(&ctx->track_lock);
	pthread_mutex_destroy(&ctx->track_lock);
}

void ioda_ctx_set_quarantine(struct ioda_ctx *ctx, size_t max_objects)
{
	pthread_mutex_lock(&ctx->track_lock);
	ctx->quarantine_max = max_objects;
	quarantine_trim(ctx, max_objects);
	pthread_mutex_unlock(&ctx->track_lock);
}

/*
 * A holder's entry stays, idle at count 0, when its last reference goes: a
 * holder that takes and drops again and again (a lookup) finds its entry
 * instead of copying its name each time.  A new holder takes an idle entry
 * before the array grows.  Readers skip idle entries.
 */
static struct holder *holder_find(struct ioda_track_obj *t, const char *name)
{
	for (unsigned int i = 0; i < t->nholders; i++)
		if (t->holders[i].count && strcmp(t->holders[i].name, name) == 0)
			return &t->holders[i];
	return NULL;
}

/* snprintf's "%s" truncation without printf: a get of a new holder copies its name. */
static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void holder_add(struct ioda_track_obj *t, const char *name, const char *file, int line)
{
	struct holder *h = NULL, *idle = NULL;

	for (unsigned int i = 0; i < t->nholders; i++) {
		struct holder *e = &t->holders[i];

		if (strcmp(e->name, name) == 0) {
			h = e;
			break;
		}
		if (!e->count && !idle)
			idle = e;
	}
	if (!h && idle) {
		h = idle;
		copy_name(h->name, sizeof(h->name), name);
	}
	if (!h) {
		if (t->nholders == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 4;
			t->holders = xrealloc(t->holders, t->cap * sizeof(*t->holders));
		}
		h = &t->holders[t->nholders++];
		copy_name(h->name, sizeof(h->name), name);
		h->count = 0;
	}
	h->file = file;
	h->line = line;
	h->count++;
}

static void holder_drop(struct holder *h)
{
	h->count--;
}

/* Holders with references. */
static unsigned int holders_live(const struct ioda_track_obj *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->nholders; i++)
		n += t->holders[i].count != 0;
	return n;
}

/* Lists the holders as "a, b (x2)" for a report. */
static void holders_str(const struct ioda_track_obj *t, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < t->nholders && off < len; i++) {
		const struct holder *h = &t->holders[i];

		if (!h->count)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", h->name);
		if (h->count > 1 && off < len)
			off += (size_t)snprintf(buf + off, len - off, " (x%u)", h->count);
	}
	if (!off)
		snprintf(buf, len, "none");
}

/*
 * The count's operations under the record's lock: every writer of a tracked
 * count holds it, so a load and a store do what the atomics would, with the
 * same saturation rules (refcount.c's slow paths) and no locked instruction.
 * The lock's release and acquire order each holder's writes before the
 * releaser's.
 */
static enum ioda_refcount_event count_inc_locked(ioda_refcount_t *r)
{
	int old = ioda_refcount_read(r);

	if ((unsigned int)old - 1u < (unsigned int)INT_MAX - 1u) {
		ioda_refcount_set(r, old + 1);
		return IODA_REFCOUNT_OK;
	}
	return ioda_refcount_inc_slow(r, old);
}

static bool count_dec_and_test_locked(ioda_refcount_t *r, enum ioda_refcount_event *ev)
{
	int old = ioda_refcount_read(r);

	*ev = IODA_REFCOUNT_OK;
	if (old > 1) {
		ioda_refcount_set(r, old - 1);
		return false;
	}
	if (old == 1)
		ioda_refcount_set(r, 0);
	return ioda_refcount_dec_slow(r, old, ev);
}

static void report_released(struct ioda_ref *ref, const char *holder, const char *file, int line)
{
	struct ioda_track_obj *t = ref->track;

	ioda_report(ref->ctx, IODA_REPORT_USE_AFTER_RELEASE, "%s %s by %s at %s:%d; released by %s at %s:%d",
		    ref->type->name, ref->name, holder, ioda_site_file(file), line, t->released_by,
		    ioda_site_file(t->released_file), t->released_line);
}

void *ioda_obj_new_at(struct ioda_ctx *ctx, const struct ioda_ref_type *type, const char *holder,
		      const char *file, int line)
{
	struct ioda_ref *ref = obj_alloc(ctx, type);
	struct ioda_track_obj *t;

	if (!ref)
		return NULL;
	t = record_new();
	t->ref = ref;
	holder_add(t, holder, file, line);
	ref->track = t;
	pthread_mutex_lock(&ctx->track_lock);
	ioda_list_add_tail(&t->node, &ctx->live);
	pthread_mutex_unlock(&ctx->track_lock);
	return ioda_ref_object(ref);
}

void ioda_ref_get_at(struct ioda_ref *ref, const char *holder, const char *file, int line)
{
	struct ioda_track_obj *t = ref->track;
	enum ioda_refcount_event ev;

	obj_lock(t);
	if (t->released) {
		report_released(ref, holder, file, line);
	} else {
		ev = count_inc_locked(&ref->count);
		holder_add(t, holder, file, line);
		ioda_ref_report_saturated(ref, ev, holder, file, line);
	}
	obj_unlock(t);
}

bool ioda_ref_get_unless_zero_at(struct ioda_ref *ref, const char *holder, const char *file,
				 int line)
{
	struct ioda_track_obj *t = ref->track;
	enum ioda_refcount_event ev;
	bool ok = false;

	obj_lock(t);
	if (!t->released && ioda_refcount_inc_not_zero(&ref->count, &ev)) {
		holder_add(t, holder, file, line);
		ioda_ref_report_saturated(ref, ev, holder, file, line);
		ok = true;
	}
	obj_unlock(t);
	return ok;
}

/* Poisons all but the embedded ref and parks the object in quarantine. */
static void retire(struct ioda_ref *ref)
{
	struct ioda_ctx *ctx = ref->ctx;
	const struct ioda_ref_type *type = ref->type;
	char *obj = ioda_ref_object(ref);
	size_t off = type->ref_offset, end = off + sizeof(*ref);

	memset(obj, POISON_FREE, off);
	memset(obj + end, POISON_FREE, type->size - end);
	ioda_mem_quarantine(ctx, obj);
	pthread_mutex_lock(&ctx->track_lock);
	ioda_list_del(&ref->track->node);
	ioda_list_add_tail(&ref->track->node, &ctx->quarantine);
	ctx->quarantine_len++;
	quarantine_trim(ctx, ctx->quarantine_max);
	pthread_mutex_unlock(&ctx->track_lock);
}

/*
 * Drops @holder's reference with the record's lock held.  Returns true when it
 * was the last: the object is then marked released and must be released.
 */
static bool put_locked(struct ioda_ref *ref, const char *holder, const char *file, int line)
{
	struct ioda_track_obj *t = ref->track;
	struct holder *h;
	enum ioda_refcount_event ev;
	char list[256];

	if (t->released) {
		report_released(ref, holder, file, line);
		return false;
	}
	h = holder_find(t, holder);
	if (!h) {
		/* The count is left alone: it still equals the holders' sum. */
		holders_str(t, list, sizeof(list));
		ioda_report(ref->ctx, IODA_REPORT_PUT_BY_NON_HOLDER, "%s %s by %s at %s:%d; holders: %s",
			    ref->type->name, ref->name, holder, ioda_site_file(file), line, list);
		return false;
	}
	holder_drop(h);
	if (!count_dec_and_test_locked(&ref->count, &ev)) {
		ioda_ref_report_saturated(ref, ev, holder, file, line);
		return false;
	}
	t->released = true;
	copy_name(t->released_by, sizeof(t->released_by), holder);
	t->released_file = file;
	t->released_line = line;
	return true;
}

static void release(struct ioda_ref *ref)
{
	if (ref->type->release)
		ref->type->release(ref);
	retire(ref);
}

bool ioda_ref_put_at(struct ioda_ref *ref, const char *holder, const char *file, int line)
{
	bool last;

	obj_lock(ref->track);
	last = put_locked(ref, holder, file, line);
	obj_unlock(ref->track);
	if (last)
		release(ref);
	return last;
}

bool ioda_ref_put_mutex_at(struct ioda_ref *ref, const char *holder, pthread_mutex_t *lock,
			   void (*unlink)(struct ioda_ref *ref), const char *file, int line)
{
	bool last;

	/* Lock order: the list's lock, then the record's. */
	pthread_mutex_lock(lock);
	obj_lock(ref->track);
	last = put_locked(ref, holder, file, line);
	obj_unlock(ref->track);
	if (last)
		unlink(ref);
	pthread_mutex_unlock(lock);
	if (last)
		release(ref);
	return last;
}

void ioda_ref_move_at(struct ioda_ref *ref, const char *from, const char *to, const char *file,
		      int line)
{
	struct ioda_track_obj *t = ref->track;
	struct holder *h;

	obj_lock(t);
	h = holder_find(t, from);
	if (t->released) {
		report_released(ref, from, file, line);
	} else if (!h) {
		ioda_report(ref->ctx, IODA_REPORT_PUT_BY_NON_HOLDER, "%s %s by %s at %s:%d; moving to %s",
			    ref->type->name, ref->name, from, ioda_site_file(file), line, to);
	} else {
		holder_drop(h);
		holder_add(t, to, file, line);
	}
	obj_unlock(t);
}

bool ioda_ref_use_at(struct ioda_ref *ref, const char *holder, const char *file, int line)
{
	bool ok = true;

	obj_lock(ref->track);
	if (ref->track->released) {
		report_released(ref, holder, file, line);
		ok = false;
	}
	obj_unlock(ref->track);
	return ok;
}

bool ioda_ref_released(const struct ioda_ref *ref)
{
	bool r;

	obj_lock(ref->track);
	r = ref->track->released;
	obj_unlock(ref->track);
	return r;
}

unsigned int ioda_ref_for_each_holder(struct ioda_ref *ref, ioda_holder_fn fn, void *arg)
{
	struct ioda_track_obj *t = ref->track;
	unsigned int n;

	obj_lock(t);
	n = t->released ? 0 : holders_live(t);
	for (unsigned int i = 0; n && i < t->nholders; i++)
		if (t->holders[i].count)
			fn(arg, t->holders[i].name, t->holders[i].count,
			   ioda_site_file(t->holders[i].file), t->holders[i].line);
	obj_unlock(t);
	return n;
}

unsigned int ioda_ref_holder_count(struct ioda_ref *ref, const char *holder)
{
	struct holder *h;
	unsigned int n;

	obj_lock(ref->track);
	h = ref->track->released ? NULL : holder_find(ref->track, holder);
	n = h ? h->count : 0;
	obj_unlock(ref->track);
	return n;
}

unsigned long ioda_ctx_live_refs(struct ioda_ctx *ctx)
{
	struct ioda_track_obj *t;
	unsigned long n = 0;

	pthread_mutex_lock(&ctx->track_lock);
	ioda_list_for_each_entry(t, &ctx->live, node) {
		obj_lock(t);
		for (unsigned int i = 0; i < t->nholders; i++)
			n += t->holders[i].count;
		obj_unlock(t);
	}
	pthread_mutex_unlock(&ctx->track_lock);
	return n;
}

unsigned long ioda_ctx_check_leaks(struct ioda_ctx *ctx)
{
	struct ioda_track_obj *t;
	unsigned long n = 0;

	pthread_mutex_lock(&ctx->track_lock);
	ioda_list_for_each_entry(t, &ctx->live, node) {
		obj_lock(t);
		for (unsigned int i = 0; i < t->nholders; i++) {
			const struct holder *h = &t->holders[i];
			char times[24] = "";

			if (!h->count)
				continue;
			if (h->count > 1)
				snprintf(times, sizeof(times), " (%u refs)", h->count);
			ioda_report(ctx, IODA_REPORT_LEAK, "%s %s held by %s at %s:%d%s",
				    t->ref->type->name, t->ref->name, h->name,
				    ioda_site_file(h->file), h->line, times);
			n += h->count;
		}
		obj_unlock(t);
	}
	pthread_mutex_unlock(&ctx->track_lock);
	return n;
}

#else /* !IODA_TRACKER: a bare counter */

void ioda_tracker_init(struct ioda_ctx *ctx)
{
	pthread_mutex_init(&ctx->track_lock, NULL);
	ioda_list_init(&ctx->live);
	ioda_list_init(&ctx->quarantine);
}

void ioda_tracker_fini(struct ioda_ctx *ctx)
{
	pthread_mutex_destroy(&ctx->track_lock);
}

void ioda_ctx_set_quarantine(struct ioda_ctx *ctx, size_t max_objects)
{
	ctx->quarantine_max = max_objects;
}

void *ioda_obj_new_at(struct ioda_ctx *ctx, const struct ioda_ref_type *type, const char *holder,
		      const char *file, int line)
{
	struct ioda_ref *ref = obj_alloc(ctx, type);

	return ref ? ioda_ref_object(ref) : NULL;
}

bool ioda_ref_get_unless_zero_at(struct ioda_ref *ref, const char *holder, const char *file,
				 int line)
{
	enum ioda_refcount_event ev;
	bool ok = ioda_refcount_inc_not_zero(&ref->count, &ev);

	ioda_ref_report_saturated(ref, ev, holder, file, line);
	return ok;
}

static void release(struct ioda_ref *ref)
{
	if (ref->type->release)
		ref->type->release(ref);
	obj_free(ref->ctx, ref, false);
}

bool ioda_ref_put_slow(struct ioda_ref *ref, int old, const char *holder, const char *file,
		       int line)
{
	enum ioda_refcount_event ev = IODA_REFCOUNT_OK;

	if (!ioda_refcount_dec_slow(&ref->count, old, &ev)) {
		ioda_ref_report_saturated(ref, ev, holder, file, line);
		return false;
	}
	release(ref);
	return true;
}

bool ioda_ref_put_mutex_at(struct ioda_ref *ref, const char *holder, pthread_mutex_t *lock,
			   void (*unlink)(struct ioda_ref *ref), const char *file, int line)
{
	enum ioda_refcount_event ev;

	if (!ioda_refcount_dec_and_mutex_lock(&ref->count, lock, &ev)) {
		ioda_ref_report_saturated(ref, ev, holder, file, line);
		return false;
	}
	unlink(ref);
	pthread_mutex_unlock(lock);
	release(ref);
	return true;
}

void ioda_ref_move_at(struct ioda_ref *ref, const char *from, const char *to, const char *file,
		      int line)
{
}

bool ioda_ref_use_at(struct ioda_ref *ref, const char *holder, const char *file, int line)
{
	return true;
}

bool ioda_ref_released(const struct ioda_ref *ref)
{
	return false;
}

unsigned int ioda_ref_for_each_holder(struct ioda_ref *ref, ioda_holder_fn fn, void *arg)
{
	return 0;
}

unsigned int ioda_ref_holder_count(struct ioda_ref *ref, const char *holder)
{
	return 0;
}

unsigned long ioda_ctx_live_refs(struct ioda_ctx *ctx)
{
	return 0;
}

unsigned long ioda_ctx_check_leaks(struct ioda_ctx *ctx)
{
	return 0;
}

#endif
