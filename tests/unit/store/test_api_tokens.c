/*
 * test_api_tokens.c: personal API tokens (store/api_tokens.h): creation
 * up to the per-account maximum, listing without the revoked ones,
 * revocation by the owner only and at once, lookup refused for revoked
 * tokens and inactive accounts, last use recorded at most once a
 * granularity.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/accounts.h"
#include "store/api_tokens.h"
#include "store/db.h"
#include "store/migrate.h"

#define NOW	((time_t)1795000000)
#define H(c)	c c c c c c c c c c c c c c c c	/* 64 hex digits */

struct fixture {
	char	 dir[256];
	rb_db	*db;
	int64_t	 a1, a2;	/* two active accounts */
	int64_t	 p;		/* a pending one */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "apitok.db", &f->db) != 0)
		return -1;
	if (rb_account_create_pending(f->db, "a@x.test", "a@x.test", "A", NULL,
	    "h", NOW, &f->a1) != 0 ||
	    rb_account_create_pending(f->db, "b@x.test", "b@x.test", "B", NULL,
	    "h", NOW, &f->a2) != 0 ||
	    rb_account_create_pending(f->db, "p@x.test", "p@x.test", "P", NULL,
	    "h", NOW, &f->p) != 0 ||
	    rb_account_activate(f->db, f->a1, NOW) != 0 ||
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

/* Creates a token in a transaction; returns what the store returned. */
static int
create(struct fixture *f, int64_t account, const char *name,
    const char *hash, time_t now, int max, int64_t *id)
{
	int rc;

	assert_int_equal(rb_db_begin(f->db), 0);
	rc = rb_api_tokens_create(f->db, account, name, hash, "rbt_abcdef",
	    now, max, id);
	assert_int_equal(rb_db_commit(f->db), 0);
	return rc;
}

static void
create_find_and_maximum(void **state)
{
	struct fixture *f = *state;
	int64_t id1, id2, id3, account, id;

	assert_int_equal(create(f, f->a1, "Domotique", H("aaaa"), NOW, 2,
	    &id1), 0);
	assert_true(id1 > 0);
	assert_int_equal(create(f, f->a1, "Tableur", H("bbbb"), NOW + 1, 2,
	    &id2), 0);
	assert_true(id2 > id1);
	/* The third is refused: the maximum counts live tokens. */
	assert_int_equal(create(f, f->a1, "Trop", H("cccc"), NOW + 2, 2,
	    &id3), 1);
	assert_int_equal(id3, 0);
	assert_int_equal(rb_api_tokens_find(f->db, H("cccc"), &account, &id),
	    1);
	/* Another account has its own count. */
	assert_int_equal(create(f, f->a2, "Autre", H("dddd"), NOW, 2, &id3),
	    0);
	assert_int_equal(rb_api_tokens_find(f->db, H("aaaa"), &account, &id),
	    0);
	assert_int_equal(account, f->a1);
	assert_int_equal(id, id1);
	assert_int_equal(rb_api_tokens_find(f->db, H("dddd"), &account, &id),
	    0);
	assert_int_equal(account, f->a2);
	assert_int_equal(rb_api_tokens_find(f->db, H("eeee"), &account, &id),
	    1);
	assert_int_equal(account, 0);
	/* A revoked one frees a place. */
	assert_int_equal(rb_api_tokens_revoke(f->db, f->a1, id1, NOW + 3,
	    NULL, 0), 0);
	assert_int_equal(create(f, f->a1, "Encore", H("cccc"), NOW + 4, 2,
	    &id3), 0);
}

static void
revoke_by_owner_only(void **state)
{
	struct fixture *f = *state;
	int64_t id1, account, id;
	char name[64];

	assert_int_equal(create(f, f->a1, "Domotique", H("1111"), NOW, 5,
	    &id1), 0);
	/* Another account cannot revoke it, nor see it revoked. */
	assert_int_equal(rb_api_tokens_revoke(f->db, f->a2, id1, NOW + 1,
	    name, sizeof(name)), 1);
	assert_string_equal(name, "");
	assert_int_equal(rb_api_tokens_find(f->db, H("1111"), &account, &id),
	    0);
	assert_int_equal(rb_api_tokens_revoke(f->db, f->a1, id1, NOW + 2,
	    name, sizeof(name)), 0);
	assert_string_equal(name, "Domotique");
	/* Immediately refused; a second revocation finds nothing. */
	assert_int_equal(rb_api_tokens_find(f->db, H("1111"), &account, &id),
	    1);
	assert_int_equal(rb_api_tokens_revoke(f->db, f->a1, id1, NOW + 3,
	    NULL, 0), 1);
}

static void
inactive_account_token_refused(void **state)
{
	struct fixture *f = *state;
	int64_t id1, account, id;

	assert_int_equal(create(f, f->p, "Pendant", H("9999"), NOW, 5, &id1),
	    0);
	assert_int_equal(rb_api_tokens_find(f->db, H("9999"), &account, &id),
	    1);
	assert_int_equal(rb_account_activate(f->db, f->p, NOW + 1), 0);
	assert_int_equal(rb_api_tokens_find(f->db, H("9999"), &account, &id),
	    0);
	assert_int_equal(account, f->p);
}

static void
list_and_touch(void **state)
{
	struct fixture *f = *state;
	int64_t id1, id2, id3;
	json_t *list, *t;

	assert_int_equal(create(f, f->a1, "Premier", H("aaaa"), NOW, 5, &id1),
	    0);
	assert_int_equal(create(f, f->a1, "Second", H("bbbb"), NOW + 5, 5,
	    &id2), 0);
	assert_int_equal(create(f, f->a2, "Autre", H("cccc"), NOW, 5, &id3),
	    0);
	assert_int_equal(rb_api_tokens_revoke(f->db, f->a1, id2, NOW + 6,
	    NULL, 0), 0);
	assert_int_equal(rb_api_tokens_touch(f->db, id1, NOW + 100, 60), 0);
	/* Within the granularity: not moved. */
	assert_int_equal(rb_api_tokens_touch(f->db, id1, NOW + 130, 60), 0);
	assert_int_equal(rb_api_tokens_list(f->db, f->a1, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	t = json_array_get(list, 0);
	assert_int_equal(json_integer_value(json_object_get(t, "id")), id1);
	assert_string_equal(json_string_value(json_object_get(t, "name")),
	    "Premier");
	assert_string_equal(json_string_value(json_object_get(t, "prefix")),
	    "rbt_abcdef");
	assert_int_equal(json_integer_value(json_object_get(t, "created_at")),
	    NOW);
	assert_int_equal(json_integer_value(json_object_get(t,
	    "last_used_at")), NOW + 100);
	assert_null(json_object_get(t, "hash"));
	json_decref(list);
	/* Past it: moved. */
	assert_int_equal(rb_api_tokens_touch(f->db, id1, NOW + 160, 60), 0);
	assert_int_equal(rb_api_tokens_list(f->db, f->a2, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_true(json_is_null(json_object_get(json_array_get(list, 0),
	    "last_used_at")));
	json_decref(list);
	assert_int_equal(rb_api_tokens_list(f->db, f->a1, &list), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    list, 0), "last_used_at")), NOW + 160);
	json_decref(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_find_and_maximum,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(revoke_by_owner_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(inactive_account_token_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(list_and_touch,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
