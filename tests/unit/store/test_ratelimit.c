/*
 * test_ratelimit.c: the shared attempt counters (store/ratelimit.h):
 * counting, the sliding window, the wait until one more attempt fits,
 * reset and purge; device cookie bindings.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/migrate.h"
#include "store/ratelimit.h"

#define W	3600		/* window */
#define SLOT	(W / RB_RATELIMIT_SLOTS)
#define T0	((time_t)1795000800)	/* a multiple of SLOT */

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "rl.db", &f->db) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	test_db_close(f->dir, f->db);
	free(f);
	return 0;
}

static int
hit(struct fixture *f, const char *bucket, time_t now)
{
	int n = -1;

	assert_int_equal(rb_ratelimit_hit(f->db, bucket, now, W, &n), 0);
	return n;
}

static int
count(struct fixture *f, const char *bucket, time_t now)
{
	int n = -1;

	assert_int_equal(rb_ratelimit_count(f->db, bucket, now, W, &n), 0);
	return n;
}

static int
wait_for(struct fixture *f, const char *bucket, time_t now, int allowance)
{
	int s = -1;

	assert_int_equal(rb_ratelimit_retry_after(f->db, bucket, now, W,
	    allowance, &s), 0);
	return s;
}

static void
counts_per_bucket(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hit(f, "signin:ip:192.0.2.1", T0), 1);
	assert_int_equal(hit(f, "signin:ip:192.0.2.1", T0 + 1), 2);
	assert_int_equal(hit(f, "signin:ip:192.0.2.2", T0 + 2), 1);
	assert_int_equal(hit(f, "signin:ip:192.0.2.1", T0 + SLOT), 3);
	assert_int_equal(count(f, "signin:ip:192.0.2.1", T0 + SLOT), 3);
	assert_int_equal(count(f, "signin:ip:192.0.2.3", T0), 0);
	/* NULL count is allowed. */
	assert_int_equal(rb_ratelimit_hit(f->db, "x", T0, W, NULL), 0);
	assert_int_equal(rb_ratelimit_hit(f->db, "x", T0, 0, NULL), -1);
}

static void
window_slides(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 3; i++)
		hit(f, "b", T0);
	for (i = 0; i < 2; i++)
		hit(f, "b", T0 + 10 * 60);
	assert_int_equal(count(f, "b", T0 + W - 1), 5);
	/* The first three leave the window one hour after their slot. */
	assert_int_equal(count(f, "b", T0 + W), 2);
	assert_int_equal(count(f, "b", T0 + 10 * 60 + W - 1), 2);
	assert_int_equal(count(f, "b", T0 + 10 * 60 + W), 0);
}

static void
retry_after_until_one_more_fits(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 3; i++)
		hit(f, "b", T0 + 5);
	for (i = 0; i < 2; i++)
		hit(f, "b", T0 + 10 * 60 + 5);
	assert_int_equal(wait_for(f, "b", T0 + 20 * 60, 6), 0);
	/* Allowance 5: 5 counted, the oldest slot must leave. */
	assert_int_equal(wait_for(f, "b", T0 + 20 * 60, 5), W - 20 * 60);
	/* Allowance 2: both slots must leave, the newer one is later. */
	assert_int_equal(wait_for(f, "b", T0 + 20 * 60, 2),
	    10 * 60 + W - 20 * 60);
	/* And then it does fit. */
	assert_int_equal(wait_for(f, "b", T0 + W, 5), 0);
	assert_int_equal(wait_for(f, "b", T0 + W, 2), 10 * 60);
	assert_int_equal(wait_for(f, "b", T0 + 10 * 60 + W, 1), 0);
	/* Nothing allowed: a whole window. */
	assert_int_equal(wait_for(f, "b", T0, 0), W);
	assert_int_equal(wait_for(f, "none", T0, 1), 0);
}

static void
reset_and_purge(void **state)
{
	struct fixture *f = *state;
	rb_stmt *st;

	hit(f, "a", T0);
	hit(f, "a", T0 + SLOT);
	hit(f, "b", T0);
	hit(f, "c", T0 + W);
	assert_int_equal(rb_ratelimit_reset(f->db, "a"), 0);
	assert_int_equal(count(f, "a", T0 + SLOT), 0);
	assert_int_equal(count(f, "b", T0 + SLOT), 1);
	assert_int_equal(rb_ratelimit_purge(f->db, T0 + 1), 0);
	st = rb_db_prepare(f->db, "SELECT count(*) FROM rate_limits");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 1);
	rb_stmt_reset(st);
	/* A bucket's own old slots go when it is hit. */
	hit(f, "d", T0);
	hit(f, "d", T0 + 2 * W);
	st = rb_db_prepare(f->db, "SELECT count(*) FROM rate_limits"
	    " WHERE bucket = 'd'");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 1);
	rb_stmt_reset(st);
}

static void
device_bindings(void **state)
{
	struct fixture *f = *state;
	const char *tok = "aaaa", *other = "bbbb", *me = "login-1",
	    *you = "login-2";

	assert_int_equal(rb_device_bound(f->db, tok, me, T0 - W), 0);
	assert_int_equal(rb_device_known(f->db, tok, T0 - W), 0);
	assert_int_equal(rb_device_bind(f->db, tok, me, T0), 0);
	assert_int_equal(rb_device_bound(f->db, tok, me, T0 - W), 1);
	assert_int_equal(rb_device_known(f->db, tok, T0 - W), 1);
	/* Bound to one identifier only, and to one token only. */
	assert_int_equal(rb_device_bound(f->db, tok, you, T0 - W), 0);
	assert_int_equal(rb_device_bound(f->db, other, me, T0 - W), 0);
	assert_int_equal(rb_device_known(f->db, other, T0 - W), 0);
	/* Binding again refreshes the last use; a second identifier adds a
	   row. */
	assert_int_equal(rb_device_bind(f->db, tok, me, T0 + 5 * W), 0);
	assert_int_equal(rb_device_bind(f->db, tok, you, T0 + 5 * W), 0);
	assert_int_equal(rb_device_bound(f->db, tok, me, T0 + 4 * W), 1);
	assert_int_equal(rb_device_bound(f->db, tok, you, T0 + 4 * W), 1);
	/* Not used since: not bound any more, then purged. */
	assert_int_equal(rb_device_bound(f->db, tok, me, T0 + 5 * W), 0);
	assert_int_equal(rb_device_purge(f->db, T0 + 5 * W), 0);
	assert_int_equal(rb_device_known(f->db, tok, 0), 1);
	assert_int_equal(rb_device_purge(f->db, T0 + 5 * W + 1), 0);
	assert_int_equal(rb_device_known(f->db, tok, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(counts_per_bucket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(window_slides,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    retry_after_until_one_more_fits, setup, teardown),
		cmocka_unit_test_setup_teardown(device_bindings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(reset_and_purge,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
