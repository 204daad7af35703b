/*
 * test_braille_purge.c: the retention of the letters kept in braille
 * (`robinet purge`, rb_braille_purge()) at fixed instants, never the
 * wall clock: a letter kept more than 3 calendar years before goes,
 * whoever it belongs to and whatever the account's choice is now; one
 * kept at the limit or later stays; 29 February counts as 1 March.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app/braille.h"
#include "store/db.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define DAY	86400
/* 2023-11-29 12:00 UTC: NOW three calendar years earlier. */
#define BEFORE	((time_t)1701259200)
/* 2028-02-29 12:00 UTC, and three years earlier: 2025-03-01 12:00 UTC. */
#define LEAP_NOW	((time_t)1835438400)
#define LEAP_BEFORE	((time_t)1740830400)

struct fx {
	char	 dir[256];
	rb_db	*db;
	int64_t	 braille, sighted;	/* two accounts */
};

static int64_t
account(rb_db *db, const char *email, const char *braille)
{
	int64_t id = 0;

	assert_int_equal(rb_db_fetch_one(db, "INSERT INTO web_accounts"
	    " (email, email_norm, last_name, status, created_at, braille)"
	    " VALUES ($1, $1, 'A', 'active', 1, $2) RETURNING id",
	    RB_BINDS(rb_text(email), rb_text(braille)), rb_row_int, &id), 0);
	return id;
}

static int
setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	if (test_db_open(f.dir, sizeof(f.dir), "purge.db", &f.db) != 0)
		return -1;
	f.braille = account(f.db, "b@exemple.test", "grade1");
	f.sighted = account(f.db, "s@exemple.test", "none");
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	test_db_close(f->dir, f->db);
	return 0;
}

static void
letter(rb_db *db, int64_t acc, const char *title, time_t at)
{
	assert_int_equal(rb_db_run(db, "INSERT INTO braille_letters"
	    " (account_id, kind, title, body, created_at) VALUES"
	    " ($1, 'paperless_off', $2, 'Bonjour', $3)", RB_BINDS(rb_int(acc),
	    rb_text(title), rb_int(at)), NULL), 0);
}

static int64_t
count(rb_db *db, const char *title)
{
	int64_t n = -1;

	assert_int_equal(rb_db_fetch_one(db, "SELECT count(*) FROM"
	    " braille_letters WHERE title = $1 OR $1 = '*'",
	    RB_BINDS(rb_text(title)), rb_row_int, &n), 0);
	return n;
}

static void
test_purge_letters_after_three_years(void **state)
{
	struct fx *f = *state;
	int64_t n = -1;

	letter(f->db, f->braille, "old", BEFORE - 1);
	letter(f->db, f->braille, "limit", BEFORE);
	letter(f->db, f->braille, "recent", BEFORE + 1);
	letter(f->db, f->braille, "today", NOW);
	/* The account chose braille then gave it up: its old letter goes
	 * too, its recent one stays. */
	letter(f->db, f->sighted, "other old", BEFORE - 400 * DAY);
	letter(f->db, f->sighted, "other recent", NOW - DAY);

	assert_int_equal(rb_braille_purge(f->db, NOW, &n), RB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count(f->db, "old"), 0);
	assert_int_equal(count(f->db, "other old"), 0);
	assert_int_equal(count(f->db, "*"), 4);
	/* Again: nothing more. One second later, the one at the limit. */
	assert_int_equal(rb_braille_purge(f->db, NOW, &n), RB_OK);
	assert_int_equal(n, 0);
	assert_int_equal(rb_braille_purge(f->db, NOW + 1, &n), RB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(count(f->db, "limit"), 0);
	assert_int_equal(count(f->db, "recent"), 1);
	assert_int_equal(count(f->db, "today"), 1);
	assert_int_equal(count(f->db, "other recent"), 1);
}

static void
test_purge_on_29_february(void **state)
{
	struct fx *f = *state;
	int64_t n = -1;

	letter(f->db, f->braille, "28 Feb", LEAP_BEFORE - DAY);
	letter(f->db, f->braille, "1 Mar before noon", LEAP_BEFORE - 1);
	letter(f->db, f->braille, "1 Mar noon", LEAP_BEFORE);
	assert_int_equal(rb_braille_purge(f->db, LEAP_NOW, &n), RB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count(f->db, "1 Mar noon"), 1);
	assert_int_equal(count(f->db, "*"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_purge_letters_after_three_years, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_on_29_february,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
