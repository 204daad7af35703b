/*
 * test_accounts.c: web accounts and their contracts (store/accounts.h)
 * and the audit log (store/audit.h), on the demo dataset.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "demo/demo.h"
#include "store/accounts.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/migrate.h"

#include "demo_fixture.h"

#define NOW	((time_t)1795000000)

static int
setup(void **state)
{
	return demo_fixture_setup(state, "acc.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

static void
find_by_email_and_id(void **state)
{
	struct fixture *f = *state;
	struct rb_account a, b;

	assert_int_equal(rb_account_by_email(f->db, "demo@robinet.test", &a),
	    0);
	assert_int_equal(a.acc_status, RB_ACCOUNT_ACTIVE);
	assert_string_equal(a.acc_last_name, "Lefebvre");
	assert_string_equal(a.acc_first_name, "Martine");
	assert_memory_equal(a.acc_password_hash, "$argon2id$", 10);
	assert_true(a.acc_activated_at > 0);
	assert_int_equal(rb_account_by_id(f->db, a.acc_id, &b), 0);
	assert_string_equal(b.acc_email, "demo@robinet.test");
	/* The normalised form is what is looked up. */
	assert_int_equal(rb_account_by_email(f->db, "DEMO@robinet.test", &b),
	    1);
	assert_int_equal(b.acc_id, 0);
	assert_int_equal(rb_account_by_id(f->db, 999999, &b), 1);
}

static void
pending_account_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct rb_account a;
	int64_t id, id2;

	assert_int_equal(rb_account_create_pending(f->db, "Karim@Robinet.test",
	    "karim@robinet.test", "Benali", "", "$argon2id$x", NOW, &id), 0);
	assert_true(id > 0);
	assert_int_equal(rb_account_by_email(f->db, "karim@robinet.test", &a),
	    0);
	assert_int_equal(a.acc_id, id);
	assert_int_equal(a.acc_status, RB_ACCOUNT_PENDING);
	assert_string_equal(a.acc_email, "Karim@Robinet.test");
	assert_string_equal(a.acc_first_name, "");
	assert_int_equal(a.acc_created_at, NOW);
	assert_int_equal(a.acc_activated_at, 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts"
	    " WHERE email_norm = $1 AND first_name IS NULL",
	    "karim@robinet.test"), 1);

	/* One account per normalised email. */
	assert_int_equal(rb_account_create_pending(f->db, "karim@robinet.test",
	    "karim@robinet.test", "X", "Y", "h", NOW, &id2), 1);
	assert_int_equal(id2, 0);

	assert_int_equal(rb_account_update_pending(f->db, id, "Benali",
	    "Karim", "$argon2id$y"), 0);
	assert_int_equal(rb_account_by_id(f->db, id, &a), 0);
	assert_string_equal(a.acc_first_name, "Karim");
	assert_string_equal(a.acc_password_hash, "$argon2id$y");

	assert_int_equal(rb_account_activate(f->db, id, NOW + 10), 0);
	assert_int_equal(rb_account_activate(f->db, id, NOW + 20), 1);
	assert_int_equal(rb_account_by_id(f->db, id, &a), 0);
	assert_int_equal(a.acc_status, RB_ACCOUNT_ACTIVE);
	assert_int_equal(a.acc_activated_at, NOW + 10);
	/* Only pending accounts are updated that way. */
	assert_int_equal(rb_account_update_pending(f->db, id, "A", "B", "h"),
	    1);

	assert_int_equal(rb_account_set_password(f->db, id, "$argon2id$z"), 0);
	assert_int_equal(rb_account_by_id(f->db, id, &a), 0);
	assert_string_equal(a.acc_password_hash, "$argon2id$z");
	assert_int_equal(rb_account_set_password(f->db, 999999, "h"), 1);
}

static void
email_change_keeps_uniqueness(void **state)
{
	struct fixture *f = *state;
	struct rb_account a;
	int64_t id;

	assert_int_equal(rb_account_create_pending(f->db, "a@robinet.test",
	    "a@robinet.test", "A", NULL, "h", NOW, &id), 0);
	assert_int_equal(rb_account_set_email(f->db, id, "demo@robinet.test",
	    "demo@robinet.test"), 1);
	assert_int_equal(rb_account_set_email(f->db, id, "B@robinet.test",
	    "b@robinet.test"), 0);
	assert_int_equal(rb_account_by_email(f->db, "b@robinet.test", &a), 0);
	assert_int_equal(a.acc_id, id);
	assert_string_equal(a.acc_email, "B@robinet.test");
	assert_int_equal(rb_account_by_email(f->db, "a@robinet.test", &a), 1);
}

static void
contracts_linked_once_and_listed(void **state)
{
	struct fixture *f = *state;
	struct rb_account a;
	json_t *list;
	int64_t other;

	assert_int_equal(rb_account_by_email(f->db, "demo@robinet.test", &a),
	    0);
	assert_int_equal(rb_account_may_see(f->db, a.acc_id, "1000000001"), 1);
	assert_int_equal(rb_account_may_see(f->db, a.acc_id, "1000000002"), 1);
	assert_int_equal(rb_account_may_see(f->db, a.acc_id, "1000000004"), 0);

	assert_int_equal(rb_account_link_contract(f->db, a.acc_id, 4, NOW,
	    &other), 0);
	assert_int_equal(other, 0);
	assert_int_equal(rb_account_link_contract(f->db, a.acc_id, 4, NOW + 1,
	    &other), 0);
	assert_int_equal(other, 0);
	assert_int_equal(rb_account_may_see(f->db, a.acc_id, "1000000004"), 1);

	assert_int_equal(rb_account_contracts(f->db, a.acc_id, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "number")), "1000000001");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "old_number")), "1234560A");
	assert_true(json_is_null(json_object_get(json_array_get(list, 1),
	    "old_number")));
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 2), "number")), "1000000004");
	assert_non_null(json_string_value(json_object_get(
	    json_array_get(list, 2), "commune")));
	json_decref(list);

	assert_int_equal(rb_account_contracts(f->db, 999999, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}


/* The number of accounts that see contract id. */
static int64_t
viewers_of(rb_db *db, int64_t contract)
{
	rb_stmt *st = rb_db_prepare(db, "SELECT count(*) FROM"
	    " account_contracts WHERE contract_id = $1");
	int64_t n;

	assert_non_null(st);
	rb_stmt_bind_int(st, 1, contract);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return n;
}

/*
 * A contract is seen by one account at most: an active account keeps
 * it; a pending or disabled one gives way to the newer link; the
 * database refuses a second row whatever the path.
 */
static void
one_account_per_contract(void **state)
{
	struct fixture *f = *state;
	struct rb_account demo;
	int64_t other, b, c;

	assert_int_equal(rb_account_by_email(f->db, "demo@robinet.test",
	    &demo), 0);
	assert_int_equal(rb_account_create_pending(f->db, "b@robinet.test",
	    "b@robinet.test", "B", NULL, "x", NOW, &b), 0);
	assert_int_equal(rb_account_create_pending(f->db, "c@robinet.test",
	    "c@robinet.test", "C", NULL, "x", NOW, &c), 0);

	/* The demo account's contract 1 stays its own. */
	assert_int_equal(rb_account_link_contract(f->db, b, 1, NOW, &other),
	    1);
	assert_int_equal(other, demo.acc_id);
	assert_int_equal(rb_account_may_see(f->db, b, "1000000001"), 0);
	assert_int_equal(viewers_of(f->db, 1), 1);

	/* A pending account gives way. */
	assert_int_equal(rb_account_link_contract(f->db, b, 4, NOW, &other),
	    0);
	assert_int_equal(other, 0);
	assert_int_equal(rb_account_link_contract(f->db, c, 4, NOW + 1,
	    &other), 0);
	assert_int_equal(other, b);
	assert_int_equal(rb_account_may_see(f->db, b, "1000000004"), 0);
	assert_int_equal(rb_account_may_see(f->db, c, "1000000004"), 1);
	assert_int_equal(viewers_of(f->db, 4), 1);

	/* Once active, it keeps the contract. */
	assert_int_equal(rb_account_activate(f->db, c, NOW + 2), 0);
	assert_int_equal(rb_account_link_contract(f->db, b, 4, NOW + 3,
	    &other), 1);
	assert_int_equal(other, c);
	assert_int_equal(rb_account_link_contract(f->db, demo.acc_id, 4,
	    NOW + 3, &other), 1);
	assert_int_equal(other, c);
	assert_int_equal(rb_account_may_see(f->db, c, "1000000004"), 1);

	/* Disabled by customer service: no longer a space, gives way. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'disabled' WHERE email_norm = 'c@robinet.test'"), 0);
	assert_int_equal(rb_account_link_contract(f->db, demo.acc_id, 4,
	    NOW + 4, &other), 0);
	assert_int_equal(other, c);
	assert_int_equal(rb_account_may_see(f->db, c, "1000000004"), 0);
	assert_int_equal(viewers_of(f->db, 4), 1);

	/* The database refuses a second account, even without the check. */
	assert_int_not_equal(rb_db_exec(f->db, "INSERT INTO account_contracts"
	    " (account_id, contract_id, added_at) VALUES (1, 6, 1), (2, 6, 1)"),
	    0);
	assert_int_equal(viewers_of(f->db, 6), 0);
}

/* "Qui voit mes contrats": each contract with the accounts that see it. */
static void
contract_viewers_listed(void **state)
{
	struct fixture *f = *state;
	struct rb_account demo;
	json_t *list, *v;
	int64_t other;

	assert_int_equal(rb_account_by_email(f->db, "demo@robinet.test",
	    &demo), 0);
	assert_int_equal(rb_account_link_contract(f->db, demo.acc_id, 4, NOW,
	    &other), 0);
	assert_int_equal(rb_account_contract_viewers(f->db, demo.acc_id,
	    &list), 0);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "number")), "1000000001");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 2), "number")), "1000000004");
	assert_non_null(json_string_value(json_object_get(
	    json_array_get(list, 2), "address")));
	v = json_object_get(json_array_get(list, 2), "viewers");
	assert_int_equal(json_array_size(v), 1);
	v = json_array_get(v, 0);
	assert_int_equal(json_integer_value(json_object_get(v, "account")),
	    demo.acc_id);
	assert_string_equal(json_string_value(json_object_get(v, "email")),
	    "demo@robinet.test");
	assert_string_equal(json_string_value(json_object_get(v, "status")),
	    "active");
	assert_int_equal(json_integer_value(json_object_get(v, "added_at")),
	    NOW);
	json_decref(list);

	/* By number, whatever the order of the contracts' ids (the store
	   sorts the rows itself, its statement has no ORDER BY). */
	assert_int_equal(rb_db_exec(f->db, "UPDATE contracts SET number ="
	    " '1000000000' WHERE id = 4"), 0);
	assert_int_equal(rb_account_contract_viewers(f->db, demo.acc_id,
	    &list), 0);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "number")), "1000000000");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 1), "number")), "1000000001");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 2), "number")), "1000000002");
	json_decref(list);

	assert_int_equal(rb_account_contract_viewers(f->db, 999999, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

static void
audit_rows(void **state)
{
	struct fixture *f = *state;
	json_t *detail = json_pack("{s:s}", "reason", "password");
	rb_stmt *st;

	assert_int_equal(rb_audit(f->db, NOW, RB_ACTOR_ANONYMOUS, 0,
	    "signin.failed", "email:demo@robinet.test", "192.0.2.7", detail),
	    0);
	assert_int_equal(rb_audit(f->db, NOW + 1, RB_ACTOR_SUBSCRIBER, 42,
	    "signin.ok", "account:42", NULL, NULL), 0);
	json_decref(detail);
	assert_int_equal(rb_audit(f->db, NOW, RB_ACTOR__MAX, 0, "x", NULL,
	    NULL, NULL), -1);

	st = rb_db_prepare(f->db, "SELECT at, actor_kind, actor_id, action,"
	    " target, ip, detail FROM audit_log ORDER BY id");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), NOW);
	assert_string_equal(rb_stmt_text(st, 1), "anonymous");
	assert_true(rb_stmt_is_null(st, 2));
	assert_string_equal(rb_stmt_text(st, 3), "signin.failed");
	assert_string_equal(rb_stmt_text(st, 4), "email:demo@robinet.test");
	assert_string_equal(rb_stmt_text(st, 5), "192.0.2.7");
	assert_string_equal(rb_stmt_text(st, 6), "{\"reason\":\"password\"}");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_string_equal(rb_stmt_text(st, 1), "subscriber");
	assert_int_equal(rb_stmt_int(st, 2), 42);
	assert_true(rb_stmt_is_null(st, 5));
	assert_true(rb_stmt_is_null(st, 6));
	assert_int_equal(rb_stmt_step(st), RB_DONE);
	rb_stmt_reset(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(find_by_email_and_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(pending_account_lifecycle,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(email_change_keeps_uniqueness,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    contracts_linked_once_and_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(one_account_per_contract,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(contract_viewers_listed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(audit_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
