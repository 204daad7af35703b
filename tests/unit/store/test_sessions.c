/*
 * test_sessions.c: server-side sessions (store/sessions.h): lookup by
 * hash, idle and absolute limits, touching, accounts no longer active,
 * deletion one by one or per account, the list, purge.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/accounts.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/sessions.h"

#define NOW	((time_t)1795000000)
#define IDLE	1800
#define ABS	43200
#define H(c)	c c c c c c c c c c c c c c c c	/* 64 hex digits */

struct fixture {
	char	 dir[256];
	rb_db	*db;
	int64_t	 a1, a2;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "ses.db", &f->db) != 0)
		return -1;
	if (rb_account_create_pending(f->db, "A@x.test", "a@x.test", "Aa",
	    "Bb", "h", NOW, &f->a1) != 0 ||
	    rb_account_activate(f->db, f->a1, NOW) != 0 ||
	    rb_account_create_pending(f->db, "b@x.test", "b@x.test", "B", NULL,
	    "h", NOW, &f->a2) != 0 ||
	    rb_account_activate(f->db, f->a2, NOW) != 0)
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

static int64_t
create(struct fixture *f, const char *hash, int64_t account, time_t now)
{
	int64_t id;

	assert_int_equal(rb_sessions_create(f->db, hash, account, "csrf-secret",
	    now, "192.0.2.1", "Lynx/2.9", &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t
count(struct fixture *f)
{
	rb_stmt *st = rb_db_prepare(f->db, "SELECT count(*) FROM sessions");
	int64_t n;

	assert_int_equal(rb_stmt_step(st), RB_ROW);
	n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return n;
}

static void
found_by_hash_and_touched(void **state)
{
	struct fixture *f = *state;
	struct rb_session_row row;
	int64_t id = create(f, H("aaaa"), f->a1, NOW);

	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + 10, IDLE,
	    ABS, &row), 0);
	assert_int_equal(row.sr_id, id);
	assert_int_equal(row.sr_account_id, f->a1);
	assert_string_equal(row.sr_csrf, "csrf-secret");
	assert_string_equal(row.sr_email, "A@x.test");
	assert_string_equal(row.sr_last_name, "Aa");
	assert_string_equal(row.sr_first_name, "Bb");
	/* Within the touch granularity nothing is written. */
	assert_int_equal(row.sr_last_seen_at, NOW);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + 1000, IDLE,
	    ABS, &row), 0);
	assert_int_equal(row.sr_last_seen_at, NOW + 1000);
	/* Used at +1000, so still valid at +1000 + IDLE - 1. */
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"),
	    NOW + 1000 + IDLE - 1, IDLE, ABS, &row), 0);
	assert_int_equal(rb_sessions_find(f->db, H("bbbb"), NOW, IDLE, ABS,
	    &row), 1);
	assert_int_equal(row.sr_id, 0);
}

static void
idle_limit_ends_it(void **state)
{
	struct fixture *f = *state;
	struct rb_session_row row;

	create(f, H("aaaa"), f->a1, NOW);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + IDLE, IDLE,
	    ABS, &row), 1);
	/* And it is gone for good. */
	assert_int_equal(count(f), 0);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + 1, IDLE,
	    ABS, &row), 1);
}

static void
absolute_limit_ends_it_even_when_used(void **state)
{
	struct fixture *f = *state;
	struct rb_session_row row;
	time_t t;

	create(f, H("aaaa"), f->a1, NOW);
	for (t = NOW + 1200; t < NOW + ABS; t += 1200)
		assert_int_equal(rb_sessions_find(f->db, H("aaaa"), t, IDLE,
		    ABS, &row), 0);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + ABS, IDLE,
	    ABS, &row), 1);
}

static void
account_no_longer_active(void **state)
{
	struct fixture *f = *state;
	struct rb_session_row row;

	create(f, H("aaaa"), f->a1, NOW);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'disabled'"), 0);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + 1, IDLE,
	    ABS, &row), 1);
	assert_int_equal(count(f), 0);
}

/* rb_sessions_peek(): reads only; what would be written says so. */
static void
peek_reads_and_leaves_writes_to_find(void **state)
{
	struct fixture *f = *state;
	struct rb_session_row row;
	int64_t id = create(f, H("aaaa"), f->a1, NOW);

	assert_int_equal(rb_sessions_peek(f->db, H("aaaa"), NOW + 10, IDLE,
	    ABS, &row), 0);
	assert_int_equal(row.sr_id, id);
	assert_int_equal(row.sr_account_id, f->a1);
	assert_string_equal(row.sr_csrf, "csrf-secret");
	assert_string_equal(row.sr_email, "A@x.test");
	assert_string_equal(row.sr_first_name, "Bb");
	assert_int_equal(rb_sessions_peek(f->db, H("bbbb"), NOW, IDLE, ABS,
	    &row), 1);
	assert_int_equal(row.sr_id, 0);
	/* The touch is due: not written, the caller finds it instead. */
	assert_int_equal(rb_sessions_peek(f->db, H("aaaa"),
	    NOW + RB_SESSION_TOUCH_S, IDLE, ABS, &row), 2);
	assert_int_equal(row.sr_id, 0);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + 10, IDLE,
	    ABS, &row), 0);
	assert_int_equal(row.sr_last_seen_at, NOW);
	/* Expired: still there until rb_sessions_find() deletes it. */
	assert_int_equal(rb_sessions_peek(f->db, H("aaaa"), NOW + IDLE, IDLE,
	    ABS, &row), 2);
	assert_int_equal(count(f), 1);
	/* An account no longer active: the same. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'disabled'"), 0);
	assert_int_equal(rb_sessions_peek(f->db, H("aaaa"), NOW + 1, IDLE,
	    ABS, &row), 2);
	assert_int_equal(count(f), 1);
	assert_int_equal(rb_sessions_find(f->db, H("aaaa"), NOW + 1, IDLE,
	    ABS, &row), 1);
	assert_int_equal(count(f), 0);
}

static void
deletions(void **state)
{
	struct fixture *f = *state;
	int64_t s1, s2, s3, s4, account;
	int n;

	s1 = create(f, H("1111"), f->a1, NOW);
	s2 = create(f, H("2222"), f->a1, NOW);
	s3 = create(f, H("3333"), f->a1, NOW);
	s4 = create(f, H("4444"), f->a2, NOW);

	assert_int_equal(rb_sessions_delete(f->db, H("1111"), &account), 0);
	assert_int_equal(account, f->a1);
	assert_int_equal(rb_sessions_delete(f->db, H("1111"), &account), 0);
	assert_int_equal(account, 0);
	(void)s1;

	/* Only one's own sessions. */
	assert_int_equal(rb_sessions_delete_id(f->db, f->a1, s4), 1);
	assert_int_equal(rb_sessions_delete_id(f->db, f->a1, s2), 0);
	assert_int_equal(rb_sessions_delete_id(f->db, f->a1, s2), 1);

	s2 = create(f, H("5555"), f->a1, NOW);
	assert_int_equal(rb_sessions_delete_account(f->db, f->a1, s3, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count(f), 2);	/* s3 kept, s4 of a2 untouched */
	assert_int_equal(rb_sessions_delete_account(f->db, f->a1, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count(f), 1);
}

static void
list_and_purge(void **state)
{
	struct fixture *f = *state;
	struct rb_session_row row;
	int64_t s1, s2;
	json_t *list, *e;

	s1 = create(f, H("1111"), f->a1, NOW);
	s2 = create(f, H("2222"), f->a1, NOW + 100);
	create(f, H("3333"), f->a2, NOW);
	assert_int_equal(rb_sessions_find(f->db, H("1111"), NOW + 200, IDLE,
	    ABS, &row), 0);
	assert_int_equal(rb_sessions_list(f->db, f->a1, s2, NOW + 300, IDLE,
	    ABS, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	e = json_array_get(list, 0);	/* most recently used first */
	assert_int_equal(json_integer_value(json_object_get(e, "id")), s1);
	assert_false(json_is_true(json_object_get(e, "current")));
	assert_int_equal(json_integer_value(json_object_get(e,
	    "last_seen_at")), NOW + 200);
	assert_string_equal(json_string_value(json_object_get(e, "ip")),
	    "192.0.2.1");
	assert_string_equal(json_string_value(json_object_get(e,
	    "user_agent")), "Lynx/2.9");
	e = json_array_get(list, 1);
	assert_int_equal(json_integer_value(json_object_get(e, "id")), s2);
	assert_true(json_is_true(json_object_get(e, "current")));
	assert_int_equal(json_integer_value(json_object_get(e, "created_at")),
	    NOW + 100);
	json_decref(list);

	/* Expired ones are not listed (s2, idle since +100), then
	   purged. */
	assert_int_equal(rb_sessions_list(f->db, f->a1, s2,
	    NOW + 100 + IDLE, IDLE, ABS, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(list, 0), "id")), s1);
	json_decref(list);
	assert_int_equal(rb_sessions_purge(f->db, NOW + 150 + IDLE, IDLE, ABS),
	    0);
	assert_int_equal(count(f), 1);	/* s1, used at +200 */
}

static void
long_user_agent_is_cut(void **state)
{
	struct fixture *f = *state;
	char ua[1000];
	int64_t id;
	rb_stmt *st;

	memset(ua, 'x', sizeof(ua) - 1);
	ua[sizeof(ua) - 1] = '\0';
	memcpy(ua + 254, "é", 2);	/* a character across the cut */
	assert_int_equal(rb_sessions_create(f->db, H("aaaa"), f->a1, "c", NOW,
	    NULL, ua, &id), 0);
	st = rb_db_prepare(f->db, "SELECT length(user_agent), ip IS NULL"
	    " FROM sessions");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 254);
	assert_int_equal(rb_stmt_int(st, 1), 1);
	rb_stmt_reset(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(found_by_hash_and_touched,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(idle_limit_ends_it,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    absolute_limit_ends_it_even_when_used, setup, teardown),
		cmocka_unit_test_setup_teardown(account_no_longer_active,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    peek_reads_and_leaves_writes_to_find, setup, teardown),
		cmocka_unit_test_setup_teardown(deletions, setup, teardown),
		cmocka_unit_test_setup_teardown(list_and_purge,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(long_user_agent_is_cut,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
