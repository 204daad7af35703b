/*
 * test_mail_outbox.c: the outbox SQL (store/outbox.h) on SQLite (or the
 * database RB_TEST_DB names, see store_test.h): only
 * due messages are claimed, a claim is a lease no one else gets, sent
 * messages are done, failures back off 1 min, 2, 4 … capped at 6 h and
 * are given up after the last attempt, released messages are due at
 * once, and the recent list reads back what was queued; attached files
 * come back with every claim byte for byte, in order, and leave with the
 * bodies.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mail_test.h"

#include "base/log.h"
#include "base/mem.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/outbox.h"

#define T0	1732874700	/* 2024-11-29 10:05:00 UTC */

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

static int
setup(void **state)
{
	struct fixture *f = rb_xcalloc(1, sizeof(*f));

	/* Migrated; RB_TEST_DB's database when set (store_test.h). */
	if (test_db_open(f->dir, sizeof(f->dir), "outbox.db", &f->db) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rb_db_close(f->db);
	t_rmtree(f->dir);
	free(f);
	return 0;
}

static int64_t
enqueue(rb_db *db, const char *to, int64_t now)
{
	int64_t id = -1;

	assert_int_equal(rb_outbox_enqueue(db, to, "Sujet é", "Texte é",
	    "<p>HTML é</p>", now, &id), 0);
	assert_true(id > 0);
	return id;
}

/* Claims up to limit messages at now with a lease of 600 s. */
static size_t
claim(rb_db *db, int64_t now, int limit, struct rb_outbox_msg **msgs)
{
	size_t n;

	assert_int_equal(rb_outbox_claim(db, now, now + 600,
	    RB_OUTBOX_MAX_ATTEMPTS, limit, msgs, &n), 0);
	return n;
}

/* Reads one column of message id. */
static int64_t
col_int(rb_db *db, int64_t id, const char *sql)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int64_t v;

	assert_non_null(st);
	rb_stmt_bind_int(st, 1, id);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	v = rb_stmt_is_null(st, 0) ? -1 : rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return v;
}

static const char sql_attempts[] =
	"SELECT attempts FROM mail_outbox WHERE id = $1";
static const char sql_next[] =
	"SELECT next_attempt_at FROM mail_outbox WHERE id = $1";
static const char sql_sent[] =
	"SELECT sent_at FROM mail_outbox WHERE id = $1";

static void
test_retry_delay(void **state)
{
	static const int64_t expect[] = { 0, 60, 120, 240, 480, 960, 1920,
	    3840, 7680, 15360, 21600, 21600 };
	int i;

	(void)state;
	for (i = 1; i < (int)RB_NELEM(expect); i++)
		assert_int_equal(rb_outbox_retry_delay(i), expect[i]);
	assert_int_equal(rb_outbox_retry_delay(1000), RB_OUTBOX_RETRY_MAX);
	assert_int_equal(rb_outbox_retry_delay(0), RB_OUTBOX_RETRY_FIRST);
}

static void
test_claim_due_only(void **state)
{
	struct fixture *f = *state;
	struct rb_outbox_msg *m;
	int64_t a, b, c;
	size_t n;

	a = enqueue(f->db, "a@example.org", T0);
	b = enqueue(f->db, "b@example.org", T0 + 10);
	c = enqueue(f->db, "c@example.org", T0 + 20);
	/* Before anything is due. */
	assert_int_equal(claim(f->db, T0 - 1, 10, &m), 0);
	assert_null(m);
	/* Due: the two first, in order, whole. */
	n = claim(f->db, T0 + 10, 10, &m);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].om_id, a);
	assert_int_equal(m[1].om_id, b);
	assert_string_equal(m[0].om_to, "a@example.org");
	assert_string_equal(m[0].om_subject, "Sujet é");
	assert_string_equal(m[0].om_text, "Texte é");
	assert_string_equal(m[0].om_html, "<p>HTML é</p>");
	assert_int_equal(m[0].om_created_at, T0);
	assert_int_equal(m[0].om_attempts, 0);
	rb_outbox_msgs_free(m, n);
	/* Claimed rows are leased: not claimed again, even later... */
	n = claim(f->db, T0 + 100, 10, &m);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].om_id, c);
	rb_outbox_msgs_free(m, n);
	assert_int_equal(claim(f->db, T0 + 200, 10, &m), 0);
	/* ...until the lease ends (the sender died). */
	n = claim(f->db, T0 + 10 + 600, 10, &m);
	assert_int_equal(n, 2);
	rb_outbox_msgs_free(m, n);
	/* The limit is honoured. */
	enqueue(f->db, "d@example.org", T0);
	enqueue(f->db, "e@example.org", T0);
	n = claim(f->db, T0 + 5000, 1, &m);
	assert_int_equal(n, 1);
	rb_outbox_msgs_free(m, n);
	assert_int_equal(rb_outbox_claim(f->db, T0, T0, 10, 0, &m, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_sent_and_released(void **state)
{
	struct fixture *f = *state;
	struct rb_outbox_msg *m;
	int64_t a, b;
	size_t n;

	a = enqueue(f->db, "a@example.org", T0);
	b = enqueue(f->db, "b@example.org", T0);
	n = claim(f->db, T0, 10, &m);
	assert_int_equal(n, 2);
	assert_int_equal(rb_outbox_mark_sent(f->db, a, T0 + 1), 0);
	assert_int_equal(col_int(f->db, a, sql_sent), T0 + 1);
	/* Released: due at once, attempts unchanged. */
	assert_int_equal(rb_outbox_release(f->db, b, T0 + 2), 0);
	assert_int_equal(col_int(f->db, b, sql_attempts), 0);
	rb_outbox_msgs_free(m, n);
	n = claim(f->db, T0 + 2, 10, &m);
	assert_int_equal(n, 1);		/* b; a is sent, never again */
	assert_int_equal(m[0].om_id, b);
	rb_outbox_msgs_free(m, n);
	assert_int_equal(claim(f->db, T0 + 1000000, 10, &m), 1);
	rb_outbox_msgs_free(m, 1);
	/* Marking a sent message failed changes nothing. */
	m = rb_xcalloc(1, sizeof(*m));
	m->om_id = a;
	assert_int_equal(rb_outbox_mark_failed(f->db, m, "late", T0, 10,
	    NULL), 0);
	assert_int_equal(col_int(f->db, a, sql_attempts), 0);
	free(m);
}

static void
test_backoff_and_give_up(void **state)
{
	struct fixture *f = *state;
	struct rb_outbox_msg *m;
	int64_t id, now = T0, expect_next;
	int attempt, gave_up;
	const char *err;
	rb_stmt *st;
	size_t n;

	id = enqueue(f->db, "a@example.org", now);
	for (attempt = 1; attempt <= RB_OUTBOX_MAX_ATTEMPTS; attempt++) {
		n = claim(f->db, now, 10, &m);
		assert_int_equal(n, 1);
		assert_int_equal(m[0].om_attempts, attempt - 1);
		gave_up = -1;
		assert_int_equal(rb_outbox_mark_failed(f->db, &m[0],
		    "Failed to connect to 127.0.0.1 port 1", now,
		    RB_OUTBOX_MAX_ATTEMPTS, &gave_up), 0);
		rb_outbox_msgs_free(m, n);
		assert_int_equal(gave_up, attempt == RB_OUTBOX_MAX_ATTEMPTS);
		assert_int_equal(col_int(f->db, id, sql_attempts), attempt);
		expect_next = now + rb_outbox_retry_delay(attempt);
		if (attempt == RB_OUTBOX_MAX_ATTEMPTS)
			assert_true(col_int(f->db, id, sql_next) ==
			    RB_OUTBOX_NEVER);
		else
			assert_int_equal(col_int(f->db, id, sql_next),
			    expect_next);
		/* Not due a second before the back-off ends. */
		assert_int_equal(claim(f->db, expect_next - 1, 10, &m), 0);
		now = expect_next;
	}
	/* Given up: never claimed again, even with more attempts allowed,
	 * and it says so. */
	assert_int_equal(claim(f->db, now + 10 * 86400, 10, &m), 0);
	assert_int_equal(rb_outbox_claim(f->db, INT64_MAX - 1, INT64_MAX - 1,
	    100, 10, &m, &n), 0);
	assert_int_equal(n, 0);
	st = rb_db_prepare(f->db, "SELECT last_error, sent_at FROM "
	    "mail_outbox WHERE id = $1");
	rb_stmt_bind_int(st, 1, id);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	err = rb_stmt_text(st, 0);
	assert_string_equal(err, "gave up after 10 attempts: Failed to "
	    "connect to 127.0.0.1 port 1");
	assert_true(rb_stmt_is_null(st, 1));
	rb_stmt_reset(st);
}

static void
test_files_round_trip(void **state)
{
	struct fixture *f = *state;
	unsigned char big[70000];
	struct rb_outbox_msg *m;
	int64_t a, b;
	size_t n, k;
	int round;

	randombytes_buf(big, sizeof(big));
	big[0] = 0;		/* a NUL byte, not a C string */
	a = enqueue(f->db, "a@example.org", T0);
	assert_int_equal(rb_outbox_attach(f->db, a, 1, "relevé été.png",
	    "image/png", "\x89PNG\r\n\x1a\n", 8), 0);
	assert_int_equal(rb_outbox_attach(f->db, a, 0,
	    "mandat-SEPA-RBN-1-01.pdf", "application/pdf", big, sizeof(big)),
	    0);
	assert_int_equal(rb_outbox_attach(f->db, a, 2, "vide.txt",
	    "text/plain", "", 0), 0);
	b = enqueue(f->db, "b@example.org", T0);
	/* Stored as base64 text, portable to both engines. */
	assert_int_equal(col_int(f->db, a, "SELECT count(*) FROM"
	    " mail_attachments WHERE outbox_id = $1 AND data LIKE 'A%'"), 1);
	/* Claimed twice (a retry): the same bytes both times. */
	for (round = 0; round < 2; round++) {
		n = claim(f->db, T0 + round * 1000, 10, &m);
		assert_int_equal(n, 2);
		assert_int_equal(m[0].om_id, a);
		assert_int_equal(m[0].om_nfiles, 3);
		assert_int_equal(m[0].om_bad_files, 0);
		assert_string_equal(m[0].om_files[0].of_name,
		    "mandat-SEPA-RBN-1-01.pdf");
		assert_string_equal(m[0].om_files[0].of_type,
		    "application/pdf");
		assert_int_equal(m[0].om_files[0].of_len, sizeof(big));
		assert_memory_equal(m[0].om_files[0].of_data, big,
		    sizeof(big));
		assert_string_equal(m[0].om_files[1].of_name,
		    "relevé été.png");
		assert_int_equal(m[0].om_files[1].of_len, 8);
		assert_memory_equal(m[0].om_files[1].of_data,
		    "\x89PNG\r\n\x1a\n", 8);
		assert_int_equal(m[0].om_files[2].of_len, 0);
		assert_int_equal(m[1].om_id, b);
		assert_int_equal(m[1].om_nfiles, 0);
		assert_null(m[1].om_files);
		for (k = 0; k < n; k++)
			assert_int_equal(rb_outbox_mark_failed(f->db, &m[k],
			    "x", T0 + round * 1000, 10, NULL), 0);
		rb_outbox_msgs_free(m, n);
	}
	/* A stored file that no longer decodes: flagged, not sent. */
	assert_int_equal(col_int(f->db, a, "UPDATE mail_attachments SET"
	    " data = '*' WHERE outbox_id = $1 AND part_no = 1"
	    " RETURNING 1"), 1);
	n = claim(f->db, T0 + 10000, 10, &m);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].om_bad_files, 1);
	rb_outbox_msgs_free(m, n);
	/* Sent: the files leave with the bodies; a waiting one keeps them. */
	assert_int_equal(rb_outbox_mark_sent(f->db, a, T0), 0);
	assert_int_equal(rb_outbox_forget_bodies(f->db, a), 0);
	assert_int_equal(col_int(f->db, a, "SELECT count(*) FROM"
	    " mail_attachments WHERE outbox_id = $1"), 0);
	/* Rolled back with the transaction that queued them. */
	assert_int_equal(rb_db_begin(f->db), 0);
	b = enqueue(f->db, "c@example.org", T0);
	assert_int_equal(rb_outbox_attach(f->db, b, 0, "a.pdf",
	    "application/pdf", "%PDF", 4), 0);
	assert_int_equal(rb_db_rollback(f->db), 0);
	assert_int_equal(col_int(f->db, b, "SELECT count(*) FROM"
	    " mail_attachments WHERE outbox_id = $1"), 0);
}

static void
test_forget_bodies(void **state)
{
	struct fixture *f = *state;
	struct rb_outbox_msg *m;
	int64_t a, b, c;
	size_t n;

	a = enqueue(f->db, "a@example.org", T0);
	b = enqueue(f->db, "b@example.org", T0);
	c = enqueue(f->db, "c@example.org", T0);
	n = claim(f->db, T0, 10, &m);
	assert_int_equal(n, 3);
	assert_int_equal(rb_outbox_mark_sent(f->db, a, T0), 0);
	assert_int_equal(rb_outbox_mark_failed(f->db, &m[1], "x", T0, 1,
	    NULL), 0);		/* b given up */
	assert_int_equal(rb_outbox_release(f->db, c, T0), 0);
	rb_outbox_msgs_free(m, n);
	assert_int_equal(rb_outbox_forget_bodies(f->db, a), 0);
	assert_int_equal(rb_outbox_forget_bodies(f->db, b), 0);
	assert_int_equal(rb_outbox_forget_bodies(f->db, c), 0);
	assert_int_equal(col_int(f->db, a, "SELECT count(*) FROM mail_outbox"
	    " WHERE id = $1 AND body_text = '' AND body_html IS NULL"), 1);
	assert_int_equal(col_int(f->db, b, "SELECT count(*) FROM mail_outbox"
	    " WHERE id = $1 AND body_text = '' AND body_html IS NULL"), 1);
	/* c still waits: its bodies stay. */
	n = claim(f->db, T0, 10, &m);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].om_text, "Texte é");
	assert_string_equal(m[0].om_html, "<p>HTML é</p>");
	rb_outbox_msgs_free(m, n);
}

static void
test_failure_text(void **state)
{
	struct fixture *f = *state;
	struct rb_outbox_msg *m;
	char big[3000];
	rb_stmt *st;
	size_t n;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	enqueue(f->db, "a@example.org", T0);
	n = claim(f->db, T0, 10, &m);
	assert_int_equal(rb_outbox_mark_failed(f->db, &m[0], big, T0, 10,
	    NULL), 0);
	rb_outbox_msgs_free(m, n);
	st = rb_db_prepare(f->db, "SELECT length(last_error) FROM "
	    "mail_outbox");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 1000);
	rb_stmt_reset(st);
	n = claim(f->db, T0 + 60, 10, &m);
	assert_int_equal(rb_outbox_mark_failed(f->db, &m[0], NULL, T0 + 60,
	    10, NULL), 0);
	rb_outbox_msgs_free(m, n);
	st = rb_db_prepare(f->db, "SELECT last_error FROM mail_outbox");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_string_equal(rb_stmt_text(st, 0), "unknown error");
	rb_stmt_reset(st);
}

static void
test_list_and_counts(void **state)
{
	struct fixture *f = *state;
	struct rb_outbox_msg *m;
	int64_t a, b, c, pending, given_up;
	json_t *list, *o;
	size_t n;

	a = enqueue(f->db, "a@example.org", T0);
	b = enqueue(f->db, "b@example.org", T0 + 1);
	assert_int_equal(rb_outbox_enqueue(f->db, "c@example.org", "S", "T",
	    NULL, T0 + 2, &c), 0);
	n = claim(f->db, T0 + 5, 10, &m);
	assert_int_equal(n, 3);
	assert_int_equal(rb_outbox_mark_sent(f->db, a, T0 + 6), 0);
	assert_int_equal(rb_outbox_mark_failed(f->db, &m[1], "boom", T0 + 6,
	    1, NULL), 0);		/* b given up at once */
	rb_outbox_msgs_free(m, n);

	assert_int_equal(rb_outbox_list_recent(f->db, 2, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	o = json_array_get(list, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), c);
	assert_true(json_is_null(json_object_get(o, "html")));
	assert_true(json_is_null(json_object_get(o, "sent_at")));
	assert_true(json_is_null(json_object_get(o, "last_error")));
	o = json_array_get(list, 1);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), b);
	assert_string_equal(json_string_value(json_object_get(o, "to")),
	    "b@example.org");
	assert_string_equal(json_string_value(json_object_get(o, "subject")),
	    "Sujet é");
	assert_string_equal(json_string_value(json_object_get(o, "text")),
	    "Texte é");
	assert_string_equal(json_string_value(json_object_get(o, "html")),
	    "<p>HTML é</p>");
	assert_int_equal(json_integer_value(json_object_get(o, "created_at")),
	    T0 + 1);
	assert_int_equal(json_integer_value(json_object_get(o, "attempts")),
	    1);
	assert_true(json_is_true(json_object_get(o, "given_up")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "last_error")), "gave up after 1 attempt: boom");
	json_decref(list);
	assert_int_equal(rb_outbox_list_recent(f->db, 10, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	o = json_array_get(list, 2);
	assert_int_equal(json_integer_value(json_object_get(o, "sent_at")),
	    T0 + 6);
	assert_true(json_is_false(json_object_get(o, "given_up")));
	json_decref(list);

	assert_int_equal(rb_outbox_counts(f->db, &pending, &given_up), 0);
	assert_int_equal(pending, 1);	/* c */
	assert_int_equal(given_up, 1);	/* b */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_delay),
		cmocka_unit_test_setup_teardown(test_claim_due_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sent_and_released, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backoff_and_give_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forget_bodies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failure_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_and_counts, setup,
		    teardown),
	};

	rb_log_set_level(RB_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
