/*
 * test_api_data.c: the JSON API's reads (store/api_data.h) on the demo
 * dataset: an account sees exactly its linked contracts and their bills
 * (archived ones too), an archive visitor only the archived bills of its
 * contract, and a contract out of scope answers like an unknown one.
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
#include "store/api_data.h"
#include "store/db.h"
#include "store/migrate.h"

#include "demo_fixture.h"

static int
setup(void **state)
{
	return demo_fixture_setup(state, "apidata.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

static int64_t
demo_account(rb_db *db)
{
	struct rb_account acc;

	assert_int_equal(rb_account_by_email(db, "demo@robinet.test", &acc), 0);
	return acc.acc_id;
}

static int64_t
contract_id(rb_db *db, const char *number)
{
	rb_stmt *st = rb_db_prepare(db, "SELECT id FROM contracts "
	    "WHERE number = $1");
	int64_t id;

	rb_stmt_bind_text(st, 1, number, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	id = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return id;
}

/* count(*) of invoices of contract number, archived ones only if set. */
static int64_t
invoice_count(rb_db *db, const char *number, int archived_only)
{
	rb_stmt *st = rb_db_prepare(db, "SELECT count(*) FROM invoices i "
	    "JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1 "
	    "AND (i.archived = 1 OR $2 = 0)");
	int64_t n;

	rb_stmt_bind_text(st, 1, number, -1);
	rb_stmt_bind_int(st, 2, archived_only);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return n;
}

static void
account_sees_its_contracts_only(void **state)
{
	struct fixture *f = *state;
	json_t *list, *c;

	assert_int_equal(rb_api_data_contracts(f->db, demo_account(f->db), 0,
	    &list), 0);
	assert_int_equal(json_array_size(list), 2);
	c = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(c, "number")),
	    "1000000001");
	assert_string_equal(json_string_value(json_object_get(c,
	    "old_number")), "1234560A");
	assert_true(json_is_string(json_object_get(json_object_get(c,
	    "service_address"), "street")));
	assert_true(json_is_boolean(json_object_get(c, "direct_debit")));
	assert_true(json_is_boolean(json_object_get(c, "paperless")));
	assert_true(json_is_string(json_object_get(json_object_get(c,
	    "meter"), "serial")));
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 1), "number")), "1000000002");
	json_decref(list);
	/* Nobody: nothing. */
	assert_int_equal(rb_api_data_contracts(f->db, 0, 0, &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

static void
invoices_scoped(void **state)
{
	struct fixture *f = *state;
	int64_t acc = demo_account(f->db);
	json_t *list, *inv;
	size_t i;
	int archived = 0;

	assert_int_equal(rb_api_data_invoices(f->db, acc, 0, "1000000001", 0,
	    &list), 0);
	assert_int_equal(json_array_size(list),
	    invoice_count(f->db, "1000000001", 0));
	json_array_foreach(list, i, inv)
		archived += json_is_true(json_object_get(inv, "archived"));
	assert_true(archived > 0);
	assert_true(archived < (int)json_array_size(list));
	assert_true(json_is_integer(json_object_get(json_array_get(list, 0),
	    "total_cents")));
	json_decref(list);
	/* Year filter. */
	assert_int_equal(rb_api_data_invoices(f->db, acc, 0, "1000000001",
	    2024, &list), 0);
	assert_true(json_array_size(list) > 0);
	json_array_foreach(list, i, inv)
		assert_memory_equal(json_string_value(json_object_get(inv,
		    "issued_on")), "2024-", 5);
	json_decref(list);
	/* Another subscriber's contract and an unknown one: the same. */
	inv = json_array();
	list = inv;		/* must be reset */
	assert_int_equal(rb_api_data_invoices(f->db, acc, 0, "1000000004", 0,
	    &list), 1);
	assert_null(list);
	json_decref(inv);
	assert_int_equal(rb_api_data_invoices(f->db, acc, 0, "9999999999", 0,
	    &list), 1);
	assert_null(list);
}

static void
archive_visitor_sees_archived_bills_only(void **state)
{
	struct fixture *f = *state;
	int64_t cid = contract_id(f->db, "1000000001");
	json_t *list, *inv;
	size_t i;

	assert_int_equal(rb_api_data_invoices(f->db, 0, cid, "1000000001", 0,
	    &list), 0);
	assert_int_equal(json_array_size(list),
	    invoice_count(f->db, "1000000001", 1));
	json_array_foreach(list, i, inv)
		assert_true(json_is_true(json_object_get(inv, "archived")));
	json_decref(list);
	assert_int_equal(rb_api_data_invoices(f->db, 0, cid, "1000000002", 0,
	    &list), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(account_sees_its_contracts_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(invoices_scoped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    archive_visitor_sees_archived_bills_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
