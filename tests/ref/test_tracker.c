/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reference tracker: every reference has a named holder, and the three
 * lifetime bugs of the seed thread are reported, not suffered: a reference
 * nobody drops (leak), a pointer used after its object went (use after
 * release), and a put by someone who holds nothing.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>

#include <ioda/ref.h>

struct thing {
	char payload[40];
	struct ioda_ref ref;
	int *released; /* counts releases, outside the object */
	struct ioda_list node;
};

static void thing_release(struct ioda_ref *ref)
{
	struct thing *t = ioda_ref_object(ref);

	(*t->released)++;
}

static const struct ioda_ref_type thing_type = {
	.name = "thing",
	.size = sizeof(struct thing),
	.ref_offset = offsetof(struct thing, ref),
	.release = thing_release,
};

static struct thing *thing_new(struct ioda_ctx *ctx, const char *name, int *released)
{
	struct thing *t = ioda_obj_new(ctx, &thing_type, "creator");

	assert_non_null(t);
	ioda_ref_set_name(&t->ref, "%s", name);
	t->released = released;
	memset(t->payload, 'x', sizeof(t->payload));
	return t;
}

struct holder_list {
	unsigned int n;
	char text[8][96];
};

static void collect_holder(void *arg, const char *holder, unsigned int count, const char *file,
			   int line)
{
	struct holder_list *l = arg;

	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s x%u at %s:%d", holder, count, file,
		 line);
}

/* The tracker names each live holder with its count and call site. */
static void names_each_live_holder(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0, line;
	struct thing *t = thing_new(ctx, "a", &released);
	struct holder_list l = { 0 };
	char want[96];

	line = __LINE__ + 1;
	ioda_ref_get(&t->ref, "reader");
	ioda_ref_get(&t->ref, "reader");
	assert_int_equal(ioda_ref_count(&t->ref), 3);
	assert_int_equal(ioda_ref_for_each_holder(&t->ref, collect_holder, &l), 2);
	assert_int_equal(ioda_ref_holder_count(&t->ref, "reader"), 2);
	assert_int_equal(ioda_ref_holder_count(&t->ref, "creator"), 1);
	snprintf(want, sizeof(want), "reader x2 at tests/ref/test_tracker.c:%d", line + 1);
	assert_string_equal(l.text[1], want);
	assert_int_equal(ioda_ctx_live_refs(ctx), 3);
	ioda_ref_put(&t->ref, "reader");
	ioda_ref_put(&t->ref, "reader");
	assert_false(released);
	assert_true(ioda_ref_put(&t->ref, "creator"));
	assert_int_equal(released, 1);
	assert_int_equal(r.n, 0);
	test_ctx_end_clean(ctx);
}

/* A put by a holder that holds nothing is reported and changes nothing. */
static void put_by_non_holder_is_reported(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0, line;
	struct thing *t = thing_new(ctx, "0004:04:00.0", &released);
	char want[256];

	line = __LINE__ + 1;
	assert_false(ioda_ref_put(&t->ref, "stranger"));
	snprintf(want, sizeof(want),
		 "ref-tracker: put by non-holder: thing 0004:04:00.0 by stranger at "
		 "tests/ref/test_tracker.c:%d; holders: creator", line);
	assert_report(&r, want);
	assert_int_equal(ioda_ref_count(&t->ref), 1);
	assert_int_equal(ioda_ctx_reports(ctx, IODA_REPORT_PUT_BY_NON_HOLDER), 1);
	ioda_ref_put(&t->ref, "creator");
	assert_int_equal(released, 1);
	test_ctx_end_clean(ctx);
}

/*
 * After the last put the object is poisoned and quarantined: a later use,
 * get or put is reported with who released it, and its bytes are counted as
 * quarantined, not live.
 */
static void use_after_release_is_reported(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0, put_line, use_line;
	struct thing *t = thing_new(ctx, "gpu", &released);
	char want[256];

	put_line = __LINE__ + 1;
	ioda_ref_put(&t->ref, "creator");
	assert_int_equal(released, 1);
	assert_true(ioda_ref_released(&t->ref));
	assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	assert_int_equal(ioda_mem_quarantined_bytes(ctx), sizeof(struct thing));
	assert_int_equal((unsigned char)t->payload[0], 0x6b); /* poisoned */

	use_line = __LINE__ + 1;
	assert_false(ioda_ref_use(&t->ref, "consumer"));
	snprintf(want, sizeof(want),
		 "ref-tracker: use after release: thing gpu by consumer at "
		 "tests/ref/test_tracker.c:%d; released by creator at tests/ref/test_tracker.c:%d",
		 use_line, put_line);
	assert_report(&r, want);
	ioda_ref_get(&t->ref, "late");
	ioda_ref_put(&t->ref, "late");
	assert_int_equal(ioda_ctx_reports(ctx, IODA_REPORT_USE_AFTER_RELEASE), 3);
	assert_int_equal(released, 1); /* never released twice */
	test_ctx_end_clean(ctx);
}

/* The quarantine is a bounded FIFO: the oldest released object goes first. */
static void quarantine_is_bounded_fifo(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0;
	struct thing *t[3];

	ioda_ctx_set_quarantine(ctx, 2);
	for (int i = 0; i < 3; i++)
		t[i] = thing_new(ctx, "q", &released);
	for (int i = 0; i < 3; i++)
		ioda_ref_put(&t[i]->ref, "creator");
	assert_int_equal(released, 3);
	assert_int_equal(ioda_mem_quarantined_bytes(ctx), 2 * sizeof(struct thing));
	/* t[1] and t[2] are still diagnosable; t[0] was freed for real. */
	assert_true(ioda_ref_released(&t[2]->ref));
	ioda_ctx_set_quarantine(ctx, 0);
	assert_int_equal(ioda_mem_quarantined_bytes(ctx), 0);
	test_ctx_end_clean(ctx);
}

/* Teardown reports every live reference, one line per holder. */
static void leak_reported_at_teardown(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0, line;
	struct thing *t = thing_new(ctx, "0007:00:01.0", &released);
	char want[256];

	line = __LINE__ + 1;
	ioda_ref_get(&t->ref, "npu pin");
	ioda_ref_put(&t->ref, "creator");
	assert_int_equal(ioda_ctx_check_leaks(ctx), 1);
	snprintf(want, sizeof(want),
		 "ref-tracker: leak: thing 0007:00:01.0 held by npu pin at "
		 "tests/ref/test_tracker.c:%d", line);
	assert_report(&r, want);
	assert_int_equal(r.n, 1);
	assert_false(released);
	/* The context frees leaked objects' memory after reporting them. */
	ioda_ctx_free(ctx);
}

/* A count driven past INT_MAX is reported once as saturated. */
static void saturation_is_reported(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0, line;
	struct thing *t = thing_new(ctx, "s", &released);
	char want[256];

	ioda_refcount_set(&t->ref.count, INT_MAX);
	line = __LINE__ + 1;
	ioda_ref_get(&t->ref, "greedy");
	snprintf(want, sizeof(want),
		 "ref-tracker: saturated: thing s by greedy at tests/ref/test_tracker.c:%d: "
		 "addition overflow; leaking memory", line);
	assert_report(&r, want);
	ioda_ref_get(&t->ref, "greedy");
	assert_int_equal(ioda_ctx_reports(ctx, IODA_REPORT_SATURATED), 1);
	/* A saturated object is never released: it leaks by design. */
	ioda_ref_put(&t->ref, "greedy");
	ioda_ref_put(&t->ref, "greedy");
	ioda_ref_put(&t->ref, "creator");
	assert_false(released);
	ioda_ctx_free(ctx);
}

static int scoped_user(struct thing *t)
{
	ioda_ref_get(&t->ref, "scope");
	struct thing *p = t;
	IODA_AUTO_PUT(p, "scope");

	if (p->payload[0] == 'x')
		return 1; /* early return: the scope still puts */
	return 0;
}

/* Scoped auto-put drops the reference on every way out of the scope. */
static void auto_put_on_scope_exit(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0;
	struct thing *t = thing_new(ctx, "scoped", &released);

	assert_int_equal(scoped_user(t), 1);
	assert_int_equal(ioda_ref_count(&t->ref), 1);
	assert_int_equal(ioda_ref_holder_count(&t->ref, "scope"), 0);
	{
		struct thing *keep = t;
		IODA_AUTO_PUT(keep, "creator");
	}
	assert_int_equal(released, 1);
	test_ctx_end_clean(ctx);
}

/* Moving a reference between holders keeps the count. */
static void move_between_holders(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0;
	struct thing *t = thing_new(ctx, "m", &released);

	ioda_ref_move(&t->ref, "creator", "list");
	assert_int_equal(ioda_ref_holder_count(&t->ref, "list"), 1);
	assert_int_equal(ioda_ref_holder_count(&t->ref, "creator"), 0);
	assert_int_equal(ioda_ref_count(&t->ref), 1);
	ioda_ref_put(&t->ref, "list");
	assert_int_equal(r.n, 0);
	test_ctx_end_clean(ctx);
}

/*
 * The dec-and-lock pattern: a list that holds no reference finds objects
 * with get_unless_zero under its lock; the last put unlinks under the lock,
 * so a lookup never returns an object on its way out.
 */
struct locked_list {
	pthread_mutex_t lock;
	struct ioda_list head;
};

static void unlink_thing(struct ioda_ref *ref)
{
	struct thing *t = ioda_ref_object(ref);

	ioda_list_del(&t->node);
}

static struct thing *lookup(struct locked_list *l, const char *holder)
{
	struct thing *t, *found = NULL;

	pthread_mutex_lock(&l->lock);
	ioda_list_for_each_entry(t, &l->head, node)
		if (ioda_ref_get_unless_zero(&t->ref, holder)) {
			found = t;
			break;
		}
	pthread_mutex_unlock(&l->lock);
	return found;
}

static void put_mutex_unlinks_at_zero(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct locked_list l = { PTHREAD_MUTEX_INITIALIZER, IODA_LIST_INIT(l.head) };
	int released = 0;
	struct thing *t = thing_new(ctx, "cached", &released), *f;

	ioda_list_add_tail(&t->node, &l.head);
	f = lookup(&l, "finder");
	assert_ptr_equal(f, t);
	assert_false(ioda_ref_put_mutex(&f->ref, "finder", &l.lock, unlink_thing));
	assert_false(ioda_list_empty(&l.head));
	assert_true(ioda_ref_put_mutex(&t->ref, "creator", &l.lock, unlink_thing));
	assert_true(ioda_list_empty(&l.head));
	assert_null(lookup(&l, "finder"));
	assert_int_equal(released, 1);
	test_ctx_end_clean(ctx);
}

/* Allocations fail on demand, at the Nth call, and are counted. */
static void fault_hook_fails_nth_allocation(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	void *a, *b, *c;
	unsigned long before = ioda_fault_calls(ctx, IODA_FAULT_ALLOC);

	ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, 2);
	a = ioda_zalloc(ctx, 10);
	b = ioda_zalloc(ctx, 20);
	c = ioda_zalloc(ctx, 30);
	assert_non_null(a);
	assert_null(b);
	assert_non_null(c); /* one shot */
	assert_int_equal(ioda_fault_calls(ctx, IODA_FAULT_ALLOC) - before, 3);
	assert_int_equal(ioda_fault_injected(ctx), 1);
	assert_int_equal(ioda_mem_live_bytes(ctx), 40);
	/* Firmware fault points do not fail when only allocations are armed. */
	ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, 1);
	assert_false(ioda_fault_point(ctx, IODA_FAULT_OPAL));
	assert_null(ioda_zalloc(ctx, 1));
	ioda_free(ctx, a);
	ioda_free(ctx, c);
	test_ctx_end_clean(ctx);
}

/* A get cannot fail: the tracker's records bypass the fault hook. */
static void get_never_fails_under_injection(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0;
	struct thing *t = thing_new(ctx, "g", &released);

	ioda_fault_fail_nth(ctx, IODA_FAULT_ANY, 1);
	for (int i = 0; i < 10; i++)
		ioda_ref_get(&t->ref, i % 2 ? "odd" : "even");
	assert_int_equal(ioda_fault_injected(ctx), 0);
	assert_int_equal(ioda_ref_count(&t->ref), 11);
	for (int i = 0; i < 10; i++)
		ioda_ref_put(&t->ref, i % 2 ? "odd" : "even");
	ioda_ref_put(&t->ref, "creator");
	ioda_fault_fail_nth(ctx, 0, 0);
	test_ctx_end_clean(ctx);
}

/*
 * A big block freed is kept for the next allocation of its size: handed
 * out again zeroed by ioda_zalloc, counted live only while allocated.
 */
static void big_blocks_come_back_zeroed(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	size_t big = 256u << 10;
	unsigned char *a = ioda_zalloc(ctx, big), *b;

	assert_non_null(a);
	memset(a, 0xa5, big);
	ioda_free(ctx, a);
	assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	b = ioda_zalloc(ctx, big);
	assert_non_null(b);
	for (size_t i = 0; i < big; i += 4096)
		assert_int_equal(b[i], 0);
	assert_int_equal(ioda_mem_live_bytes(ctx), big);
	ioda_free(ctx, b);
	test_ctx_end_clean(ctx);
}

/*
 * A holder whose references are all dropped is no holder: not listed, not
 * counted, its put reported, though its entry waits (idle) for its next
 * get; a new holder takes the idle entry.
 */
static void dropped_holders_are_gone(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0;
	struct thing *t = thing_new(ctx, "d", &released);
	struct holder_list l = { 0 };

	ioda_ref_get(&t->ref, "lookup");
	ioda_ref_put(&t->ref, "lookup");
	assert_int_equal(ioda_ref_for_each_holder(&t->ref, collect_holder, &l), 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(ioda_ref_holder_count(&t->ref, "lookup"), 0);
	assert_int_equal(ioda_ctx_live_refs(ctx), 1);
	assert_false(ioda_ref_put(&t->ref, "lookup"));
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.line[0], "put by non-holder: thing d by lookup"));
	assert_non_null(strstr(r.line[0], "holders: creator"));
	r.n = 0;
	ioda_ref_get(&t->ref, "other");
	ioda_ref_get(&t->ref, "lookup");
	l.n = 0;
	assert_int_equal(ioda_ref_for_each_holder(&t->ref, collect_holder, &l), 3);
	assert_int_equal(ioda_ctx_live_refs(ctx), 3);
	ioda_ref_put(&t->ref, "other");
	ioda_ref_put(&t->ref, "lookup");
	ioda_ref_put(&t->ref, "creator");
	assert_int_equal(released, 1);
	test_ctx_end_clean(ctx);
}

/*
 * Threads on one object and on objects of their own, each holder its own
 * name: every get and put is counted by holder, nothing is lost between
 * threads (each object has its own lock), and all ends released.
 */
#define T_THREADS 4
#define T_ROUNDS 20000

struct racer {
	struct thing *shared, *own;
	char name[32];
};

static void *race(void *arg)
{
	struct racer *rc = arg;

	for (int i = 0; i < T_ROUNDS; i++) {
		ioda_ref_get(&rc->shared->ref, rc->name);
		ioda_ref_get(&rc->own->ref, rc->name);
		if (i % 3 == 0)
			ioda_ref_get(&rc->shared->ref, "common");
		ioda_ref_put(&rc->own->ref, rc->name);
		ioda_ref_put(&rc->shared->ref, rc->name);
		if (i % 3 == 0)
			ioda_ref_put(&rc->shared->ref, "common");
	}
	ioda_ref_get(&rc->shared->ref, rc->name); /* one kept, to count */
	return NULL;
}

static void threads_count_by_holder(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	int released = 0;
	struct thing *shared = thing_new(ctx, "shared", &released);
	struct racer rc[T_THREADS];
	pthread_t th[T_THREADS];

	for (int i = 0; i < T_THREADS; i++) {
		rc[i].shared = shared;
		rc[i].own = thing_new(ctx, "own", &released);
		snprintf(rc[i].name, sizeof(rc[i].name), "thread %d", i);
		assert_int_equal(pthread_create(&th[i], NULL, race, &rc[i]), 0);
	}
	for (int i = 0; i < T_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(r.n, 0);
	assert_int_equal(ioda_ref_count(&shared->ref), 1 + T_THREADS);
	assert_int_equal(ioda_ref_holder_count(&shared->ref, "common"), 0);
	for (int i = 0; i < T_THREADS; i++) {
		assert_int_equal(ioda_ref_holder_count(&shared->ref, rc[i].name), 1);
		assert_int_equal(ioda_ref_count(&rc[i].own->ref), 1);
		ioda_ref_put(&shared->ref, rc[i].name);
		assert_true(ioda_ref_put(&rc[i].own->ref, "creator"));
	}
	assert_true(ioda_ref_put(&shared->ref, "creator"));
	assert_int_equal(released, 1 + T_THREADS);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_each_live_holder),
		cmocka_unit_test(put_by_non_holder_is_reported),
		cmocka_unit_test(use_after_release_is_reported),
		cmocka_unit_test(quarantine_is_bounded_fifo),
		cmocka_unit_test(leak_reported_at_teardown),
		cmocka_unit_test(saturation_is_reported),
		cmocka_unit_test(auto_put_on_scope_exit),
		cmocka_unit_test(move_between_holders),
		cmocka_unit_test(put_mutex_unlinks_at_zero),
		cmocka_unit_test(fault_hook_fails_nth_allocation),
		cmocka_unit_test(get_never_fails_under_injection),
		cmocka_unit_test(dropped_holders_are_gone),
		cmocka_unit_test(big_blocks_come_back_zeroed),
		cmocka_unit_test(threads_count_by_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
