/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counted references.
 *
 * ioda_refcount_t follows the kernel's refcount_t: an atomic int that
 * saturates at IODA_REFCOUNT_SATURATED instead of wrapping, on overflow, on
 * underflow and on an increment from zero.  A saturated count never moves
 * again, so the object leaks instead of being freed while in use; the event
 * is reported once, by the operation that saturated it.
 *
 * struct ioda_ref is the kref-like object embedded in every counted object:
 * a refcount plus the object's type (name, size, release callback) and the
 * context whose tracker names every holder.  Every get names its holder and
 * call site; the put must name the same holder.  When the last reference
 * goes, the type's release callback drops what the object holds, then the
 * object is retired: poisoned and kept in the context's quarantine, so a
 * later get, put or use is reported with who released it.
 */
#ifndef IODA_REF_H
#define IODA_REF_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <ioda/config.h>
#include <ioda/spin.h>
#include <ioda/ctx.h>

/* ---- refcount_t ---------------------------------------------------------- */

typedef struct {
	atomic_int refs;
} ioda_refcount_t;

/* As the kernel: the middle of the negative range, far from both edges. */
#define IODA_REFCOUNT_SATURATED (INT_MIN / 2)

/* What an operation did besides counting; the caller reports it. */
enum ioda_refcount_event {
	IODA_REFCOUNT_OK,
	IODA_REFCOUNT_ADD_OVERFLOW,  /* went past INT_MAX: saturated */
	IODA_REFCOUNT_ADD_ON_ZERO,   /* increment from 0: use after free */
	IODA_REFCOUNT_SUB_UNDERFLOW, /* went below 0: saturated */
};

const char *ioda_refcount_event_name(enum ioda_refcount_event ev);

static inline void ioda_refcount_set(ioda_refcount_t *r, int n)
{
	atomic_store_explicit(&r->refs, n, memory_order_relaxed);
}

static inline int ioda_refcount_read(const ioda_refcount_t *r)
{
	return atomic_load_explicit(&((ioda_refcount_t *)r)->refs, memory_order_relaxed);
}

/* ioda_refcount_inc() off its fast path: @old was 0, negative or INT_MAX. */
enum ioda_refcount_event ioda_refcount_inc_slow(ioda_refcount_t *r, int old)
	__attribute__((cold));

/*
 * Increment.  From 0 (the object is gone) or past INT_MAX the count
 * saturates.  Returns the event, IODA_REFCOUNT_OK normally.  Inline with
 * one unsigned compare (1 <= old < INT_MAX) on the way: a get costs the
 * atomic and little more.
 */
static inline enum ioda_refcount_event ioda_refcount_inc(ioda_refcount_t *r)
{
	int old = atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);

	if (__builtin_expect((unsigned int)old - 1u < (unsigned int)INT_MAX - 1u, 1))
		return IODA_REFCOUNT_OK;
	return ioda_refcount_inc_slow(r, old);
}

/*
 * Increment unless zero (the lookup rule for objects whose list holds no
 * reference).  Returns false, without touching the count, at zero.
 * *ev tells whether the increment saturated.
 */
bool ioda_refcount_inc_not_zero(ioda_refcount_t *r, enum ioda_refcount_event *ev);

/* ioda_refcount_dec_and_test() off its fast path: @old was 1 or less. */
bool ioda_refcount_dec_slow(ioda_refcount_t *r, int old, enum ioda_refcount_event *ev)
	__attribute__((cold));

/*
 * Decrement; true when the count reached zero (the caller releases).
 * Release ordering on the decrement, acquire before returning true, as the
 * kernel does, so the releaser sees every earlier holder's writes.
 * An underflow saturates and returns false with *ev set.
 */
static inline bool ioda_refcount_dec_and_test(ioda_refcount_t *r, enum ioda_refcount_event *ev)
{
	int old = atomic_fetch_sub_explicit(&r->refs, 1, memory_order_release);

	*ev = IODA_REFCOUNT_OK;
	if (__builtin_expect(old > 1, 1))
		return false;
	return ioda_refcount_dec_slow(r, old, ev);
}

/*
 * Decrement; if it reaches zero, return true with @lock held (the caller
 * unlinks the object from the list @lock protects, unlocks, releases).
 * The lock is only taken on the way to zero, as refcount_dec_and_mutex_lock.
 */
bool ioda_refcount_dec_and_mutex_lock(ioda_refcount_t *r, pthread_mutex_t *lock,
				      enum ioda_refcount_event *ev);

/* ---- counted objects --------------------------------------------------- */

struct ioda_ref;
struct ioda_track_obj;

struct ioda_ref_type {
	const char *name;   /* "pci_dev", printed in reports */
	size_t size;        /* whole object, for allocation and poisoning */
	size_t ref_offset;  /* offsetof(object, ref) */
	/* Drops what the object holds; the memory is retired by the caller. */
	void (*release)(struct ioda_ref *ref);
};

#define IODA_REF_NAME_MAX 32
#define IODA_HOLDER_MAX 48

struct ioda_ref {
	ioda_refcount_t count;
	/*
	 * The tracker's lock of this object's record, beside the count (in
	 * what was padding): a get or a put under threads moves the object's
	 * line and the holder's, not a third.
	 */
	ioda_spinlock_t lock;
	const struct ioda_ref_type *type;
	struct ioda_ctx *ctx;
	char name[IODA_REF_NAME_MAX];
	struct ioda_track_obj *track; /* NULL when the tracker is compiled out */
};

/* The object that embeds @ref. */
static inline void *ioda_ref_object(const struct ioda_ref *ref)
{
	return (char *)ref - ref->type->ref_offset;
}

/*
 * Allocates a zeroed object of @type through the context's hook, with one
 * reference held by @holder.  NULL when the allocation fails.
 */
void *ioda_obj_new_at(struct ioda_ctx *ctx, const struct ioda_ref_type *type,
		      const char *holder, const char *file, int line);
#define ioda_obj_new(ctx, type, holder) ioda_obj_new_at(ctx, type, holder, __FILE__, __LINE__)

/* Sets the object's printed name ("0004:04:00.0"); truncates. */
void ioda_ref_set_name(struct ioda_ref *ref, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The "saturated:" report of a get or put whose count saturated. */
void ioda_ref_report_saturated(struct ioda_ref *ref, enum ioda_refcount_event ev,
			       const char *holder, const char *file, int line);

#if IODA_TRACKER
void ioda_ref_get_at(struct ioda_ref *ref, const char *holder, const char *file, int line);
/* Returns true when this put released the object. */
bool ioda_ref_put_at(struct ioda_ref *ref, const char *holder, const char *file, int line);
#else
/*
 * Without the tracker a get and a put are the bare count, inline: no call
 * on the fast path (make bench holds them within 10% of a raw atomic pair).
 */
/* A put that took the count to 1 or less: @old is what it was. */
bool ioda_ref_put_slow(struct ioda_ref *ref, int old, const char *holder, const char *file,
		       int line) __attribute__((cold));

static inline void ioda_ref_get_at(struct ioda_ref *ref, const char *holder, const char *file,
				   int line)
{
	enum ioda_refcount_event ev = ioda_refcount_inc(&ref->count);

	if (__builtin_expect(ev != IODA_REFCOUNT_OK, 0))
		ioda_ref_report_saturated(ref, ev, holder, file, line);
}

static inline bool ioda_ref_put_at(struct ioda_ref *ref, const char *holder, const char *file,
				   int line)
{
	int old = atomic_fetch_sub_explicit(&ref->count.refs, 1, memory_order_release);

	if (__builtin_expect(old > 1, 1))
		return false;
	return ioda_ref_put_slow(ref, old, holder, file, line);
}
#endif
bool ioda_ref_get_unless_zero_at(struct ioda_ref *ref, const char *holder, const char *file,
				 int line);
/*
 * As ioda_ref_put_at(), for objects in a list under @lock whose list holds
 * no reference: at zero, @unlink runs with @lock held (it removes the object
 * from the list), then the lock is dropped and the object released.
 */
bool ioda_ref_put_mutex_at(struct ioda_ref *ref, const char *holder, pthread_mutex_t *lock,
			   void (*unlink)(struct ioda_ref *ref), const char *file, int line);
/*
 * Moves a reference from one holder to another (e.g. a lookup's reference
 * handed to a list), without touching the count.
 */
void ioda_ref_move_at(struct ioda_ref *ref, const char *from, const char *to, const char *file,
		      int line);
/*
 * Declares a use of the object through a pointer @holder kept; reports
 * "use after release" if the object was already released.  Returns false then.
 */
bool ioda_ref_use_at(struct ioda_ref *ref, const char *holder, const char *file, int line);

#define ioda_ref_get(ref, holder) ioda_ref_get_at(ref, holder, __FILE__, __LINE__)
#define ioda_ref_get_unless_zero(ref, holder)                                                  \
	ioda_ref_get_unless_zero_at(ref, holder, __FILE__, __LINE__)
#define ioda_ref_put(ref, holder) ioda_ref_put_at(ref, holder, __FILE__, __LINE__)
#define ioda_ref_put_mutex(ref, holder, lock, unlink)                                          \
	ioda_ref_put_mutex_at(ref, holder, lock, unlink, __FILE__, __LINE__)
#define ioda_ref_move(ref, from, to) ioda_ref_move_at(ref, from, to, __FILE__, __LINE__)
#define ioda_ref_use(ref, holder) ioda_ref_use_at(ref, holder, __FILE__, __LINE__)

static inline int ioda_ref_count(const struct ioda_ref *ref)
{
	return ioda_refcount_read(&ref->count);
}

/* True once the object has been released (quarantined). */
bool ioda_ref_released(const struct ioda_ref *ref);

/*
 * Live holders of an object: calls @fn once per holder with its reference
 * count and the call site of its latest get.  Returns the number of holders.
 * Without the tracker, returns 0 and calls nothing.
 */
typedef void (*ioda_holder_fn)(void *arg, const char *holder, unsigned int count,
			       const char *file, int line);
unsigned int ioda_ref_for_each_holder(struct ioda_ref *ref, ioda_holder_fn fn, void *arg);
/* References @holder holds on the object (0 without the tracker). */
unsigned int ioda_ref_holder_count(struct ioda_ref *ref, const char *holder);

/* ---- scoped auto-put ----------------------------------------------------- */

struct ioda_scoped_ref {
	void **objp;
	size_t ref_offset;
	const char *holder;
	const char *file;
	int line;
};

void ioda_scoped_put(struct ioda_scoped_ref *s);

/*
 * Puts @var (a pointer to a counted object with a member named ref) as
 * @holder when the scope ends, whatever the path out.  Set var to NULL to
 * keep the reference past the scope.
 *
 *	struct pci_dev *dev = pci_get_domain_bus_and_slot(m, 0, 1, 0, "probe");
 *	IODA_AUTO_PUT(dev, "probe");
 */
#define IODA_AUTO_PUT(var, holder)                                                             \
	struct ioda_scoped_ref __attribute__((cleanup(ioda_scoped_put))) __ioda_scope_##var = { \
		(void **)&(var), __builtin_offsetof(__typeof__(*(var)), ref), (holder), __FILE__, \
		__LINE__ }

#endif
