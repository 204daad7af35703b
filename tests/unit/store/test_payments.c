/*
 * test_payments.c: card payment orders in storage (store/payments.h) on
 * the demo dataset: what may be paid within a scope and how much is
 * owed, the hold of a pending order (one order at a time per bill, until
 * settled or past its end), settling once, and a bill paid once per
 * order whatever is replayed.
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
#include "store/payments.h"

#include "demo_fixture.h"

#define NOW	1790000000

static int
setup(void **state)
{
	return demo_fixture_setup(state, "pay.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* The demo account's newest bill, made due with nothing paid. */
static void
due_bill(rb_db *db, char number[32], int64_t *id, int64_t *total)
{
	rb_stmt *st = rb_db_prepare(db, "SELECT i.id, i.number, i.total_cents"
	    " FROM invoices i JOIN account_contracts ac"
	    " ON ac.contract_id = i.contract_id JOIN web_accounts a"
	    " ON a.id = ac.account_id WHERE a.email_norm = 'demo@robinet.test'"
	    " AND i.archived = 0 AND i.total_cents > 0"
	    " ORDER BY i.issued_on DESC LIMIT 1");

	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	*id = rb_stmt_int(st, 0);
	snprintf(number, 32, "%s", rb_stmt_text(st, 1));
	*total = rb_stmt_int(st, 2);
	rb_stmt_reset(st);
	assert_int_equal(rb_db_run(db, "UPDATE invoices SET status = 'to_pay'"
	    " WHERE id = $1", RB_BINDS(rb_int(*id)), NULL), 0);
	assert_int_equal(rb_db_run(db, "DELETE FROM payments"
	    " WHERE invoice_id = $1", RB_BINDS(rb_int(*id)), NULL), 0);
}

static void
order_new(rb_db *db, struct rb_pay_order *o, const char *ref,
    int64_t account, int64_t contract, int64_t amount)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->po_ref, sizeof(o->po_ref), "%s", ref);
	snprintf(o->po_provider, sizeof(o->po_provider), "lyra");
	snprintf(o->po_currency, sizeof(o->po_currency), "978");
	o->po_account_id = account;
	o->po_contract_id = contract;
	o->po_amount_cents = amount;
	o->po_created_at = NOW;
	o->po_expires_at = NOW + 1200;
	assert_int_equal(rb_pay_order_insert(db, o), 0);
	assert_true(o->po_id > 0);
}

static void
test_orders_hold_settle_and_pay_once(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	struct rb_scope sc = { 0, 0 }, other = { 0, 0 };
	struct rb_payable *ps = NULL;
	struct rb_pay_order a, b, got;
	int64_t inv, total, paid_before;
	char number[32];
	size_t n = 0;
	int changed;

	due_bill(db, number, &inv, &total);
	sc.sc_account = q_int(db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test'", NULL);
	other.sc_account = sc.sc_account + 100000;
	/* Payable in its scope only, for its whole total. */
	assert_int_equal(rb_payables(db, &sc, number, "", NOW, &ps, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ps[0].pb_owed_cents, total);
	assert_int_equal(ps[0].pb_held, 0);
	free(ps);
	assert_int_equal(rb_payables(db, &other, number, "", NOW, &ps, &n), 0);
	assert_int_equal(n, 0);
	free(ps);
	/* A pending order holds the bill; a second cannot take it. */
	order_new(db, &a, "CB00000000000000A1", sc.sc_account,
	    q_int(db, "SELECT contract_id FROM invoices WHERE number = $1",
	    number), total);
	assert_int_equal(rb_pay_item_insert(db, a.po_id, inv, total), 0);
	assert_int_equal(rb_payables(db, &sc, number, "", NOW, &ps, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ps[0].pb_held, 1);
	free(ps);
	order_new(db, &b, "CB00000000000000B2", sc.sc_account, a.po_contract_id,
	    total);
	assert_int_equal(rb_pay_item_insert(db, b.po_id, inv, total),
	    RB_CONSTRAINT);
	/* Past its end, the hold no longer counts, and expiry frees it. */
	assert_int_equal(rb_payables(db, &sc, number, "", NOW + 1201, &ps,
	    &n), 0);
	assert_int_equal(ps[0].pb_held, 0);
	free(ps);
	assert_int_equal(rb_pay_expire(db, NOW + 1201), 0);
	assert_int_equal(rb_pay_order_by_ref(db, a.po_ref, &got), 0);
	assert_string_equal(got.po_status, "abandoned");
	assert_int_equal(rb_pay_item_insert(db, b.po_id, inv, total), 0);
	/* The order is seen in its scope only. */
	assert_int_equal(rb_pay_order_in_scope(db, &sc, b.po_ref, &got), 0);
	assert_int_equal(rb_pay_order_in_scope(db, &other, b.po_ref, &got), 1);
	assert_int_equal(rb_pay_order_by_ref(db, "CB0000000000000000", &got),
	    1);
	/* Settled once; a second success changes nothing. */
	assert_int_equal(rb_pay_order_settle(db, b.po_id, "succeeded",
	    "uuid-1", NOW, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(rb_pay_order_settle(db, b.po_id, "succeeded",
	    "uuid-1", NOW, &changed), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(rb_pay_order_settle(db, b.po_id, "refused", NULL, NOW,
	    &changed), 0);
	assert_int_equal(changed, 0);
	/* Another order cannot claim the same provider transaction. */
	assert_int_equal(rb_pay_order_settle(db, a.po_id, "succeeded",
	    "uuid-1", NOW, &changed), RB_CONSTRAINT);
	/* Paid once: the bill is paid; the same order cannot pay it again. */
	paid_before = q_int(db, "SELECT count(*) FROM payments WHERE"
	    " invoice_id = (SELECT id FROM invoices WHERE number = $1)",
	    number);
	assert_int_equal(rb_pay_record(db, b.po_id, inv, total, "lyra",
	    "uuid-1", NOW), 0);
	assert_int_equal(rb_pay_record(db, b.po_id, inv, total, "lyra",
	    "uuid-1", NOW), RB_CONSTRAINT);
	assert_int_equal(q_int(db, "SELECT count(*) FROM payments WHERE"
	    " invoice_id = (SELECT id FROM invoices WHERE number = $1)",
	    number), paid_before + 1);
	assert_int_equal(q_int(db, "SELECT status = 'paid' FROM invoices"
	    " WHERE number = $1", number), 1);
	assert_int_equal(rb_payables(db, &sc, number, "", NOW, &ps, &n), 0);
	assert_int_equal(n, 0);
	free(ps);
}

/* A part paid: the bill stays due for what is left. */
static void
test_partial_payment_leaves_the_rest_owed(void **state)
{
	struct fixture *f = *state;
	rb_db *db = f->db;
	struct rb_scope sc = { 0, 0 };
	struct rb_payable *ps = NULL;
	struct rb_pay_order o;
	struct rb_payment_row *rows = NULL;
	int64_t inv, total;
	char number[32];
	size_t n = 0;
	int pending;

	due_bill(db, number, &inv, &total);
	sc.sc_account = q_int(db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test'", NULL);
	order_new(db, &o, "CB00000000000000C3", sc.sc_account,
	    q_int(db, "SELECT contract_id FROM invoices WHERE number = $1",
	    number), 100);
	assert_int_equal(rb_pay_item_insert(db, o.po_id, inv, 100), 0);
	assert_int_equal(rb_pay_of_invoice(db, inv, NOW, &rows, &n, &pending),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(pending, 1);
	free(rows);
	assert_int_equal(rb_pay_record(db, o.po_id, inv, 100, "lyra", "u2",
	    NOW), 0);
	assert_int_equal(q_int(db, "SELECT status = 'to_pay' FROM invoices"
	    " WHERE number = $1", number), 1);
	assert_int_equal(rb_payables(db, &sc, number, "", NOW, &ps, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ps[0].pb_owed_cents, total - 100);
	free(ps);
	assert_int_equal(rb_pay_of_invoice(db, inv, NOW, &rows, &n, &pending),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].pr_amount_cents, 100);
	assert_string_equal(rows[0].pr_method, "card");
	free(rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_orders_hold_settle_and_pay_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_partial_payment_leaves_the_rest_owed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
