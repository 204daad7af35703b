/*
 * test_tokens.c: single-use tokens (store/tokens.h): use once, expiry,
 * purpose, voiding by a newer token, payload, purge.
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
#include "store/tokens.h"

#define NOW	((time_t)1795000000)
#define H(c)	c c c c c c c c c c c c c c c c	/* 64 hex digits */

struct fixture {
	char	 dir[256];
	rb_db	*db;
	int64_t	 a1, a2;	/* two accounts */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "tok.db", &f->db) != 0)
		return -1;
	if (rb_account_create_pending(f->db, "a@x.test", "a@x.test", "A", NULL,
	    "h", NOW, &f->a1) != 0 ||
	    rb_account_create_pending(f->db, "b@x.test", "b@x.test", "B", NULL,
	    "h", NOW, &f->a2) != 0)
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

static void
create(struct fixture *f, enum rb_token_purpose p, const char *hash,
    int64_t account, const char *payload, time_t now, int ttl)
{
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_tokens_create(f->db, p, hash, account, payload,
	    now, ttl), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
}

static void
used_once(void **state)
{
	struct fixture *f = *state;
	int64_t account;

	create(f, RB_TOKEN_ACTIVATION, H("aaaa"), f->a1, NULL, NOW, 86400);
	assert_int_equal(rb_tokens_peek(f->db, RB_TOKEN_ACTIVATION, H("aaaa"),
	    NOW + 1, &account, NULL, 0), 0);
	assert_int_equal(account, f->a1);
	/* Peeking does not use it. */
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_ACTIVATION,
	    H("aaaa"), NOW + 2, &account, NULL, 0), 0);
	assert_int_equal(account, f->a1);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_ACTIVATION,
	    H("aaaa"), NOW + 3, &account, NULL, 0), 1);
	assert_int_equal(account, 0);
	assert_int_equal(rb_tokens_peek(f->db, RB_TOKEN_ACTIVATION, H("aaaa"),
	    NOW + 4, &account, NULL, 0), 1);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_ACTIVATION,
	    H("ffff"), NOW + 4, &account, NULL, 0), 1);
}

static void
expiry_and_purpose(void **state)
{
	struct fixture *f = *state;
	int64_t account;

	create(f, RB_TOKEN_RESET, H("bbbb"), f->a1, NULL, NOW, 3600);
	/* A reset token activates nothing. */
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_ACTIVATION,
	    H("bbbb"), NOW + 1, &account, NULL, 0), 1);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_EMAIL_CHANGE,
	    H("bbbb"), NOW + 1, &account, NULL, 0), 1);
	/* Valid up to created + ttl, excluded. */
	assert_int_equal(rb_tokens_peek(f->db, RB_TOKEN_RESET, H("bbbb"),
	    NOW + 3599, &account, NULL, 0), 0);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_RESET, H("bbbb"),
	    NOW + 3600, &account, NULL, 0), 1);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_RESET, H("bbbb"),
	    NOW + 3599, &account, NULL, 0), 0);
}

static void
newer_voids_older_of_same_purpose_and_account(void **state)
{
	struct fixture *f = *state;
	int64_t account;

	create(f, RB_TOKEN_ACTIVATION, H("1111"), f->a1, NULL, NOW, 86400);
	create(f, RB_TOKEN_RESET, H("2222"), f->a1, NULL, NOW, 3600);
	create(f, RB_TOKEN_ACTIVATION, H("3333"), f->a2, NULL, NOW, 86400);
	create(f, RB_TOKEN_ACTIVATION, H("4444"), f->a1, NULL, NOW + 60,
	    86400);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_ACTIVATION,
	    H("1111"), NOW + 61, &account, NULL, 0), 1);
	/* Other purposes and other accounts keep theirs. */
	assert_int_equal(rb_tokens_peek(f->db, RB_TOKEN_RESET, H("2222"),
	    NOW + 61, &account, NULL, 0), 0);
	assert_int_equal(rb_tokens_peek(f->db, RB_TOKEN_ACTIVATION, H("3333"),
	    NOW + 61, &account, NULL, 0), 0);
	assert_int_equal(account, f->a2);
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_ACTIVATION,
	    H("4444"), NOW + 61, &account, NULL, 0), 0);
	assert_int_equal(account, f->a1);
}

static void
payload_and_purge(void **state)
{
	struct fixture *f = *state;
	char payload[64], small[8];
	int64_t account;
	rb_stmt *st;

	create(f, RB_TOKEN_EMAIL_CHANGE, H("5555"), f->a1, "Nouvelle@X.test",
	    NOW, 86400);
	assert_int_equal(rb_tokens_peek(f->db, RB_TOKEN_EMAIL_CHANGE,
	    H("5555"), NOW, &account, small, sizeof(small)), 0);
	assert_string_equal(small, "Nouvell");
	assert_int_equal(rb_tokens_consume(f->db, RB_TOKEN_EMAIL_CHANGE,
	    H("5555"), NOW, &account, payload, sizeof(payload)), 0);
	assert_string_equal(payload, "Nouvelle@X.test");

	create(f, RB_TOKEN_RESET, H("6666"), f->a2, NULL, NOW, 3600);
	assert_int_equal(rb_tokens_purge(f->db, NOW + 3601), 0);
	st = rb_db_prepare(f->db, "SELECT count(*) FROM tokens");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 1);	/* the email one */
	rb_stmt_reset(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(used_once, setup, teardown),
		cmocka_unit_test_setup_teardown(expiry_and_purpose,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    newer_voids_older_of_same_purpose_and_account,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(payload_and_purge,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
