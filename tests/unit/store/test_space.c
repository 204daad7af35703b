/*
 * test_space.c: the dashboard's rows (store/space.h) on the demo
 * dataset, on either engine: the figures of the open bills, added up in
 * C from one row per bill (several bills, partial and failed payments,
 * a cent left by thirds, overpaid and fully paid bills, late or not on
 * the day, debits scheduled, finished or absent), each contract's own,
 * in contract-number order, with its id; the meter in place when two
 * are; the latest possible leak since the day given, with its meter's
 * serial; nothing of another account; both reads in one round trip
 * to PostgreSQL.
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
#include "store/db.h"
#include "store/migrate.h"
#include "store/space.h"

#include "demo_fixture.h"

#define TODAY	"2026-11-29"

static int
setup(void **state)
{
	return demo_fixture_setup(state, "space.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

static int64_t
demo_account(rb_db *db)
{
	return q_int(db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test'", NULL);
}

static int64_t
contract_id(rb_db *db, const char *number)
{
	return q_int(db, "SELECT id FROM contracts WHERE number = $1", number);
}

/* A bill of contract (its number printed), returns its id. */
static int64_t
bill(rb_db *db, int64_t contract, const char *number, int64_t total,
    const char *due, const char *status)
{
	assert_int_equal(rb_db_run(db, "INSERT INTO invoices (number,"
	    " contract_id, contract_number, archived, period_start, period_end,"
	    " amount_excl_tax_cents, vat_cents, total_cents, issued_on, due_on,"
	    " status) SELECT $1, id, number, 0, '2020-01-01', '2020-02-01', $2,"
	    " 0, $2, '2020-02-01', $3, $4 FROM contracts WHERE id = $5",
	    RB_BINDS(rb_text(number), rb_int(total), rb_text(due),
	    rb_text(status), rb_int(contract)), NULL), 0);
	return q_int(db, "SELECT id FROM invoices WHERE number = $1", number);
}

static void
pay(rb_db *db, int64_t invoice, int64_t cents, const char *status)
{
	assert_int_equal(rb_db_run(db, "INSERT INTO payments (invoice_id,"
	    " amount_cents, method, status, created_at)"
	    " VALUES ($1, $2, 'transfer', $3, 1700000000)",
	    RB_BINDS(rb_int(invoice), rb_int(cents), rb_text(status)), NULL), 0);
}

static void
debit(rb_db *db, int64_t contract, int64_t invoice, int64_t cents,
    const char *on, const char *status, const char *ref)
{
	assert_int_equal(rb_db_run(db, "INSERT INTO sepa_debits (contract_id,"
	    " mandate_id, invoice_id, amount_cents, collection_date, seq_type,"
	    " status, end_to_end_id, created_at, updated_at)"
	    " SELECT $1, MIN(id), $2, $3, $4, 'RCUR', $5, $6, 1700000000,"
	    " 1700000000 FROM sepa_mandates",
	    RB_BINDS(rb_int(contract), rb_int(invoice), rb_int(cents),
	    rb_text(on), rb_text(status), rb_text(ref)), NULL), 0);
}

/* The dashboard's contracts of account, into rows (n of them). */
struct rows {
	struct rb_space_contract	*v;
	size_t				 n;
};

static void
rows_read(rb_db *db, int64_t account, struct rows *r)
{
	assert_int_equal(rb_space_contracts(db, account, TODAY, "2025-11-29",
	    "2026-10-30", &r->v, &r->n), 0);
}

/* The row of contract number in r. */
static struct rb_space_contract *
row_of(struct rows *r, const char *number)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].sp_number, number) == 0)
			return &r->v[i];
	fail_msg("no row for contract %s", number);
	return NULL;
}

static void
test_sums_of_open_bills(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	int64_t acc = demo_account(db), c1 = contract_id(db, "1000000001");
	int64_t inv;
	struct rows rows;
	struct rb_space_contract *r;

	/* Contract 1000000001 starts with no open bill. */
	assert_int_equal(rb_db_run(db, "UPDATE invoices SET status = 'paid'"
	    " WHERE contract_id = $1", RB_BINDS(rb_int(c1)), NULL), 0);
	/* Paid in three thirds, one failed: 1001 - 2 * 333 = 335 owed. */
	inv = bill(db, c1, "T-THIRDS", 1001, "2026-12-20", "to_pay");
	pay(db, inv, 333, "succeeded");
	pay(db, inv, 333, "succeeded");
	pay(db, inv, 333, "failed");
	pay(db, inv, 333, "pending");
	/* Paid in full by two payments, and overpaid: nothing owed. */
	inv = bill(db, c1, "T-PAID", 2000, "2026-01-01", "to_pay");
	pay(db, inv, 1500, "succeeded");
	pay(db, inv, 500, "succeeded");
	inv = bill(db, c1, "T-OVERPAID", 1000, "2026-01-01", "overdue");
	pay(db, inv, 1200, "succeeded");
	/* Due today (not late), yesterday (late), overdue due tomorrow
	   (late by its status). */
	bill(db, c1, "T-TODAY", 777, TODAY, "to_pay");
	bill(db, c1, "T-YESTERDAY", 5, "2026-11-28", "to_pay");
	bill(db, c1, "T-OVERDUE", 10, "2026-11-30", "overdue");
	/* Not open: paid and cancelled bills count for nothing. */
	bill(db, c1, "T-CANCELLED", 9999, "2020-01-01", "cancelled");
	/* Under direct debit: a scheduled debit (its amount and date), none
	   (what is owed, the due date), a finished one (likewise), partly
	   paid with an exported debit; fully paid: nothing. */
	inv = bill(db, c1, "T-DD-SCHED", 4321, "2027-01-10", "direct_debit");
	debit(db, c1, inv, 4000, "2026-12-02", "scheduled", "T-E2E-1");
	bill(db, c1, "T-DD-NONE", 999, "2026-12-09", "direct_debit");
	inv = bill(db, c1, "T-DD-DONE", 500, "2026-12-05", "direct_debit");
	debit(db, c1, inv, 500, "2026-11-01", "rejected", "T-E2E-2");
	inv = bill(db, c1, "T-DD-PART", 301, "2027-02-01", "direct_debit");
	pay(db, inv, 100, "succeeded");
	debit(db, c1, inv, 201, "2026-12-01", "exported", "T-E2E-3");
	inv = bill(db, c1, "T-DD-PAID", 800, "2026-11-01", "direct_debit");
	pay(db, inv, 800, "succeeded");

	rows_read(db, acc, &rows);
	r = row_of(&rows, "1000000001");
	assert_int_equal(r->sp_id, c1);
	assert_int_equal(r->sp_unpaid_cents, 335 + 777 + 5 + 10);
	assert_int_equal(r->sp_unpaid_count, 4);
	assert_string_equal(r->sp_next_due_on, "2026-11-28");
	assert_int_equal(r->sp_late_count, 2);
	assert_int_equal(r->sp_debit_cents, 4000 + 999 + 500 + 201);
	assert_int_equal(r->sp_debit_count, 4);
	assert_string_equal(r->sp_next_debit_on, "2026-12-01");
	rb_space_contracts_free(rows.v, rows.n);

	/* Nothing open: zeros and nulls. */
	assert_int_equal(rb_db_run(db, "UPDATE invoices SET status = 'paid'"
	    " WHERE contract_id = $1", RB_BINDS(rb_int(c1)), NULL), 0);
	rows_read(db, acc, &rows);
	r = row_of(&rows, "1000000001");
	assert_int_equal(r->sp_unpaid_cents, 0);
	assert_int_equal(r->sp_unpaid_count, 0);
	assert_int_equal(r->sp_late_count, 0);
	assert_int_equal(r->sp_debit_cents, 0);
	assert_int_equal(r->sp_debit_count, 0);
	assert_string_equal(r->sp_next_due_on, "");
	assert_string_equal(r->sp_next_debit_on, "");
	rb_space_contracts_free(rows.v, rows.n);
}

static void
test_each_contract_its_own_in_number_order(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	int64_t acc = demo_account(db), c1 = contract_id(db, "1000000001");
	int64_t c2 = contract_id(db, "1000000002");
	int64_t c9 = contract_id(db, "1000000009"), other;
	struct rows rows;
	struct rb_space_contract *r;
	size_t i;

	assert_int_equal(rb_db_run(db, "UPDATE invoices SET status = 'paid'"
	    " WHERE contract_id IN ($1, $2, $3)", RB_BINDS(rb_int(c1),
	    rb_int(c2), rb_int(c9)), NULL), 0);
	bill(db, c1, "O-1", 100, "2026-12-01", "to_pay");
	bill(db, c2, "O-2", 20, "2026-12-02", "to_pay");
	bill(db, c2, "O-3", 3, "2026-12-03", "direct_debit");
	/* Another account's contract, open bills included. */
	other = q_int(db, "SELECT MIN(account_id) FROM account_contracts"
	    " WHERE account_id <> (SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test')", NULL);
	assert_true(other > 0);
	/* Linked second, in the order of ids: the rows still come by
	   number. */
	assert_int_equal(rb_db_run(db, "DELETE FROM account_contracts"
	    " WHERE contract_id = $1", RB_BINDS(rb_int(c9)), NULL), 0);
	assert_int_equal(rb_db_run(db, "INSERT INTO account_contracts"
	    " (account_id, contract_id, added_at) VALUES ($1, $2, 1)",
	    RB_BINDS(rb_int(other), rb_int(c9)), NULL), 0);
	bill(db, c9, "O-9", 5000, "2026-01-01", "overdue");
	rows_read(db, acc, &rows);
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.v[0].sp_number, "1000000001");
	assert_string_equal(rows.v[1].sp_number, "1000000002");
	r = row_of(&rows, "1000000001");
	assert_int_equal(r->sp_unpaid_cents, 100);
	assert_int_equal(r->sp_debit_count, 0);
	r = row_of(&rows, "1000000002");
	assert_int_equal(r->sp_id, c2);
	assert_int_equal(r->sp_unpaid_cents, 20);
	assert_int_equal(r->sp_debit_cents, 3);
	assert_string_equal(r->sp_next_debit_on, "2026-12-03");
	rb_space_contracts_free(rows.v, rows.n);
	/* The other account sees its contract with its bill, not ours. */
	rows_read(db, other, &rows);
	for (i = 0; i < rows.n; i++) {
		assert_string_not_equal(rows.v[i].sp_number, "1000000001");
		assert_string_not_equal(rows.v[i].sp_number, "1000000002");
	}
	assert_int_equal(row_of(&rows, "1000000009")->sp_unpaid_cents, 5000);
	rb_space_contracts_free(rows.v, rows.n);
	/* An account with no contract: no row. */
	rows_read(db, 999999, &rows);
	assert_int_equal(rows.n, 0);
	assert_null(rows.v);
	rb_space_contracts_free(rows.v, rows.n);
}

static void
test_meter_in_place_is_the_latest_installed(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	int64_t acc = demo_account(db), c2 = contract_id(db, "1000000002");
	struct rows rows;
	char installed[16];

	q_text(db, "SELECT MAX(installed_on) FROM meters WHERE contract_id ="
	    " (SELECT id FROM contracts WHERE number = $1)", "1000000002",
	    installed, sizeof(installed));
	/* Installed the same day as the one in place: the later id. */
	assert_int_equal(rb_db_run(db, "INSERT INTO meters (serial,"
	    " contract_id, installed_on) VALUES ('T-SAME-DAY', $1, $2)",
	    RB_BINDS(rb_int(c2), rb_text(installed)), NULL), 0);
	rows_read(db, acc, &rows);
	assert_string_equal(row_of(&rows, "1000000002")->sp_meter_serial,
	    "T-SAME-DAY");
	rb_space_contracts_free(rows.v, rows.n);
	/* Installed later, and one removed after: the later installed in
	   place. */
	assert_int_equal(rb_db_run(db, "INSERT INTO meters (serial,"
	    " contract_id, installed_on) VALUES ('T-LATER', $1, '2099-01-01')",
	    RB_BINDS(rb_int(c2)), NULL), 0);
	assert_int_equal(rb_db_run(db, "INSERT INTO meters (serial,"
	    " contract_id, installed_on, removed_on) VALUES ('T-REMOVED', $1,"
	    " '2099-06-01', '2099-07-01')", RB_BINDS(rb_int(c2)), NULL), 0);
	rows_read(db, acc, &rows);
	assert_string_equal(row_of(&rows, "1000000002")->sp_meter_serial,
	    "T-LATER");
	assert_null(row_of(&rows, "1000000002")->sp_read_on);
	rb_space_contracts_free(rows.v, rows.n);
}

/* A possible leak of contract on meter, over first..last. */
static void
leak(rb_db *db, int64_t contract, const char *serial, const char *first,
    const char *last, int64_t usual, int factor)
{
	assert_int_equal(rb_db_run(db, "INSERT INTO leak_alerts (contract_id,"
	    " meter_id, first_day, last_day, litres, usual_litres, factor,"
	    " detected_at) SELECT $1, id, $2, $3, 9000, $4, $5, 1700000000"
	    " FROM meters WHERE serial = $6", RB_BINDS(rb_int(contract),
	    rb_text(first), rb_text(last), rb_int(usual), rb_int(factor),
	    rb_text(serial)), NULL), 0);
}

static void
test_latest_leak_since_the_day(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	int64_t acc = demo_account(db), c1 = contract_id(db, "1000000001");
	struct rb_space_contract *r;
	struct rows rows;
	char serial[64];

	q_text(db, "SELECT serial FROM meters WHERE contract_id = (SELECT id"
	    " FROM contracts WHERE number = $1) AND removed_on IS NULL",
	    "1000000001", serial, sizeof(serial));
	assert_int_equal(rb_db_run(db, "DELETE FROM leak_alerts", NULL, 0,
	    NULL), 0);
	/* Ended the day before leaks_since: not shown. */
	leak(db, c1, serial, "2026-10-20", "2026-10-29", 150, 5);
	rows_read(db, acc, &rows);
	r = row_of(&rows, "1000000001");
	assert_null(r->sp_leak_serial);
	assert_null(r->sp_leak_first);
	assert_int_equal(r->sp_leak_factor, 0);
	rb_space_contracts_free(rows.v, rows.n);
	/* Two since that day: the one that ended last, on the other
	   contract nothing. */
	leak(db, c1, serial, "2026-10-25", "2026-10-30", 160, 6);
	leak(db, c1, serial, "2026-11-10", "2026-11-20", 170, 7);
	rows_read(db, acc, &rows);
	r = row_of(&rows, "1000000001");
	assert_string_equal(r->sp_leak_serial, serial);
	assert_string_equal(r->sp_leak_first, "2026-11-10");
	assert_string_equal(r->sp_leak_last, "2026-11-20");
	assert_int_equal(r->sp_leak_usual_litres, 170);
	assert_int_equal(r->sp_leak_factor, 7);
	assert_null(row_of(&rows, "1000000002")->sp_leak_serial);
	rb_space_contracts_free(rows.v, rows.n);
}

/*
 * The dashboard's two reads go to the server together: one round trip
 * on PostgreSQL once the connection has prepared them (none on SQLite),
 * and the same rows as one read after the other.
 */
static void
test_one_round_trip(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	int64_t acc = demo_account(db);
	struct rows rows;
	uint64_t before;

	rows_read(db, acc, &rows);	/* prepares both texts */
	rb_space_contracts_free(rows.v, rows.n);
	before = rb_db_round_trips(db);
	rows_read(db, acc, &rows);
	assert_int_equal(rb_db_round_trips(db) - before,
	    strcmp(rb_db_engine(db), "postgresql") == 0 ? 1 : 0);
	assert_int_equal(rows.n, 2);
	assert_true(row_of(&rows, "1000000001")->sp_unpaid_count +
	    row_of(&rows, "1000000001")->sp_debit_count +
	    row_of(&rows, "1000000002")->sp_unpaid_count +
	    row_of(&rows, "1000000002")->sp_debit_count > 0);
	rb_space_contracts_free(rows.v, rows.n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sums_of_open_bills, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_each_contract_its_own_in_number_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_meter_in_place_is_the_latest_installed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_latest_leak_since_the_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_round_trip, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
