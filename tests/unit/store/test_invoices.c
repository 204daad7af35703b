/*
 * test_invoices.c: the bills of a space (store/invoices.h) on the demo
 * dataset: scope (another subscriber's bill is not found, like an
 * unknown one), list order and filters, lines per heading from the data,
 * and the French formatting of app/bills.h done with integers.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/bills.h"
#include "demo/demo.h"
#include "store/db.h"
#include "store/invoices.h"
#include "store/migrate.h"
#include "store/payments.h"

#include "demo_fixture.h"

static int
setup(void **state)
{
	return demo_fixture_setup(state, "inv.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* The demo subscriber's account id. */
static int64_t
demo_account(rb_db *db)
{
	rb_stmt *st = rb_db_prepare(db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test'");
	int64_t id;

	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	id = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return id;
}

static int64_t
contract_id(rb_db *db, const char *number)
{
	rb_stmt *st = rb_db_prepare(db, "SELECT id FROM contracts"
	    " WHERE number = $1");
	int64_t id;

	assert_non_null(st);
	rb_stmt_bind_text(st, 1, number, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	id = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return id;
}

static int64_t
q_count(rb_db *db, const char *sql)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int64_t v;

	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	v = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return v;
}

static void
bill_in_scope_has_lines_per_heading(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = { demo_account(f->db), 0 };
	struct rb_invoice_full b;
	int64_t sum = 0, vat = 0;
	int seen[RB_HEADING__MAX] = { 0 };
	size_t i;

	assert_int_equal(rb_invoice_get(f->db, &sc, "FA2025-000001", &b), 0);
	assert_string_equal(b.if_inv.inv_contract, "1000000001");
	assert_string_equal(b.if_old_contract, "1234560A");
	assert_int_equal(b.if_inv.inv_archived, 0);
	assert_true(b.if_old.rd_known && b.if_new.rd_known);
	assert_int_equal(b.if_new.rd_index_litres - b.if_old.rd_index_litres,
	    b.if_inv.inv_volume_litres);
	assert_true(b.if_nlines >= 7);
	for (i = 0; i < b.if_nlines; i++) {
		seen[b.if_lines[i].il_heading]++;
		sum += b.if_lines[i].il_excl_tax_cents;
		vat += b.if_lines[i].il_vat_cents;
	}
	for (i = 0; i < RB_HEADING__MAX; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(sum, b.if_inv.inv_excl_tax_cents);
	assert_int_equal(vat, b.if_inv.inv_vat_cents);
	assert_string_equal(b.if_lines[0].il_code, "DIST_ABO");
	assert_true(b.if_lines[0].il_per_day);
	rb_invoice_full_free(&b);
}

static void
other_scopes_do_not_see_the_bill(void **state)
{
	struct fixture *f = *state;
	struct rb_scope demo = { demo_account(f->db), 0 };
	struct rb_scope nobody = { 0, 0 };
	struct rb_scope archive = { 0, contract_id(f->db, "1000000001") };
	struct rb_invoice_full b;
	char old[32];
	rb_stmt *st;

	st = rb_db_prepare(f->db, "SELECT i.number FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id"
	    " WHERE c.number = '1000000001' AND i.archived = 1 LIMIT 1");
	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	snprintf(old, sizeof(old), "%s", rb_stmt_text(st, 0));
	rb_stmt_reset(st);

	/* FA2024-000042 exists (contract 1000000004) but is not demo's. */
	assert_int_equal(rb_invoice_get(f->db, &demo, "FA2024-000042", &b), 1);
	assert_int_equal(rb_invoice_get(f->db, &demo, "FA2099-000001", &b), 1);
	assert_int_equal(rb_invoice_get(f->db, &nobody, "FA2025-000001", &b),
	    1);
	/* The archive visitor sees the archived bills of its contract only. */
	assert_int_equal(rb_invoice_get(f->db, &archive, "FA2025-000001", &b),
	    1);
	assert_int_equal(rb_invoice_get(f->db, &archive, old, &b), 0);
	assert_int_equal(b.if_inv.inv_archived, 1);
	assert_string_equal(b.if_inv.inv_printed, "1234560A");
	rb_invoice_full_free(&b);
}

/*
 * The list of scope sc with filter flt, as the list page takes it from
 * rb_invoices_set(): the set's bills that pass rb_invoice_filter_match(),
 * in the set's order, into a new array (NULL when none). Returns 0.
 */
static int
invoices_list(rb_db *db, const struct rb_scope *sc,
    const struct rb_invoice_filter *flt, struct rb_invoice **rows,
    size_t *n)
{
	struct rb_invoice_set set;
	size_t i;

	*rows = NULL;
	*n = 0;
	assert_int_equal(rb_invoices_set(db, sc, 1795953600, &set), 0);
	for (i = 0; i < set.is_nitems; i++) {
		if (!rb_invoice_filter_match(&set.is_items[i].it_inv, flt))
			continue;
		*rows = realloc(*rows, (*n + 1) * sizeof(**rows));
		assert_non_null(*rows);
		(*rows)[(*n)++] = set.is_items[i].it_inv;
	}
	rb_invoice_set_free(&set);
	return 0;
}

/* The distinct years of issue of the set's bills archived or not, newest
 * first, into years[max]: the years the list page offers. Returns 0. */
static int
invoices_years(rb_db *db, const struct rb_scope *sc, int archived,
    int *years, size_t max, size_t *n)
{
	struct rb_invoice_set set;
	size_t i, k;
	int y;

	*n = 0;
	assert_int_equal(rb_invoices_set(db, sc, 1795953600, &set), 0);
	for (i = 0; i < set.is_nitems; i++) {
		if (set.is_items[i].it_inv.inv_archived != archived)
			continue;
		y = atoi(set.is_items[i].it_inv.inv_issued_on);
		for (k = 0; k < *n && years[k] != y; k++)
			;
		if (k == *n && *n < max)
			years[(*n)++] = y;
	}
	/* Newest first. */
	for (i = 1; i < *n; i++)
		for (k = i; k > 0 && years[k - 1] < years[k]; k--) {
			y = years[k];
			years[k] = years[k - 1];
			years[k - 1] = y;
		}
	rb_invoice_set_free(&set);
	return 0;
}

static void
list_is_per_contract_newest_first_and_filtered(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = { demo_account(f->db), 0 };
	struct rb_invoice_filter flt = { NULL, 0, RB_INVF_ANY, 0,
	    "2026-11-29" };
	struct rb_invoice *rows;
	size_t n, i;
	int years[16];

	assert_int_equal(invoices_list(f->db, &sc, &flt, &rows, &n), 0);
	assert_true(n >= 8);
	for (i = 1; i < n; i++) {
		int c = strcmp(rows[i - 1].inv_contract, rows[i].inv_contract);

		assert_true(c < 0 || (c == 0 && strcmp(rows[i - 1].inv_issued_on,
		    rows[i].inv_issued_on) >= 0));
		assert_int_equal(rows[i].inv_archived, 0);
		assert_string_not_equal(rows[i].inv_contract, "1000000004");
	}
	free(rows);

	flt.if_contract = "1000000002";
	flt.if_year = 2025;
	flt.if_status = RB_INVF_PAID;
	assert_int_equal(invoices_list(f->db, &sc, &flt, &rows, &n), 0);
	assert_int_equal((int64_t)n, q_count(f->db, "SELECT count(*) FROM"
	    " invoices i JOIN contracts c ON c.id = i.contract_id"
	    " WHERE c.number = '1000000002' AND i.archived = 0"
	    " AND i.status = 'paid' AND i.issued_on LIKE '2025%'"));
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_string_equal(rows[i].inv_contract, "1000000002");
		assert_memory_equal(rows[i].inv_issued_on, "2025", 4);
		assert_string_equal(rows[i].inv_status, "paid");
	}
	free(rows);

	/* Overdue: overdue, or to pay with the due date past. */
	flt.if_contract = NULL;
	flt.if_year = 0;
	flt.if_status = RB_INVF_OVERDUE;
	assert_int_equal(invoices_list(f->db, &sc, &flt, &rows, &n), 0);
	for (i = 0; i < n; i++)
		assert_true(strcmp(rows[i].inv_status, "overdue") == 0 ||
		    (strcmp(rows[i].inv_status, "to_pay") == 0 &&
		    strcmp(rows[i].inv_due_on, "2026-11-29") < 0));
	free(rows);

	/* A contract outside the scope lists nothing. */
	flt.if_contract = "1000000004";
	flt.if_year = 0;
	flt.if_status = RB_INVF_ANY;
	assert_int_equal(invoices_list(f->db, &sc, &flt, &rows, &n), 0);
	assert_int_equal(n, 0);
	assert_null(rows);

	/* The archive: old numbers, before 2024. */
	flt.if_contract = NULL;
	flt.if_archived = 1;
	assert_int_equal(invoices_list(f->db, &sc, &flt, &rows, &n), 0);
	assert_true(n >= 4);
	for (i = 0; i < n; i++) {
		assert_string_equal(rows[i].inv_printed, "1234560A");
		assert_true(strcmp(rows[i].inv_issued_on, "2024-01-01") < 0);
	}
	free(rows);
	assert_int_equal(invoices_years(f->db, &sc, 1, years, 16, &n), 0);
	assert_true(n >= 2);
	assert_true(years[0] <= 2023 && years[n - 1] >= 2020);
}

/* The contract numbers of the rows of scope sc's full list (archived or
 * not) as "n1 n2 …", each once, in the list's order, into out. */
static void
list_contracts(rb_db *db, const struct rb_scope *sc, int archived,
    const char *contract, char *out, size_t outlen, size_t *count)
{
	struct rb_invoice_filter flt = { contract, 0, RB_INVF_ANY, archived,
	    "2026-11-29" };
	struct rb_invoice *rows;
	size_t n, i, len = 0;

	out[0] = '\0';
	assert_int_equal(invoices_list(db, sc, &flt, &rows, &n), 0);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(rows[i].inv_contract,
		    rows[i - 1].inv_contract) != 0)
			len += (size_t)snprintf(out + len, outlen - len, "%s%s",
			    len > 0 ? " " : "", rows[i].inv_contract);
	*count = n;
	free(rows);
}

/*
 * The lists (bills, their years, the contracts, the bills to pay) hold
 * the scope's contracts only: an account its own, an archive visitor
 * the archived bills of its one contract, nobody nothing; a filter
 * naming another subscriber's contract gives nothing.
 */
static void
lists_hold_only_the_scope_contracts(void **state)
{
	struct fixture *f = *state;
	struct rb_scope demo = { demo_account(f->db), 0 };
	struct rb_scope nobody = { 0, 0 };
	struct rb_scope archive = { 0, contract_id(f->db, "1000000003") };
	struct rb_invoice_contract *cs;
	struct rb_payable *ps;
	char seen[128];
	size_t n, i;
	int years[16];

	assert_int_equal(rb_invoices_contracts(f->db, &demo, &cs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(cs[0].ic_number, "1000000001");
	assert_string_equal(cs[1].ic_number, "1000000002");
	free(cs);
	list_contracts(f->db, &demo, 0, NULL, seen, sizeof(seen), &n);
	assert_string_equal(seen, "1000000001 1000000002");
	list_contracts(f->db, &demo, 0, "1000000004", seen, sizeof(seen), &n);
	assert_int_equal(n, 0);
	list_contracts(f->db, &demo, 1, "1000000003", seen, sizeof(seen), &n);
	assert_int_equal(n, 0);
	assert_int_equal(rb_payables(f->db, &demo, "", "1000000004",
	    1795953600, &ps, &n), 0);
	assert_int_equal(n, 0);
	free(ps);
	assert_int_equal(rb_payables(f->db, &demo, "", "", 1795953600, &ps,
	    &n), 0);
	for (i = 0; i < n; i++)
		assert_true(strcmp(ps[i].pb_contract, "1000000001") == 0 ||
		    strcmp(ps[i].pb_contract, "1000000002") == 0);
	free(ps);

	/* The archive visitor of 1000000003: its archived bills only. */
	assert_int_equal(rb_invoices_contracts(f->db, &archive, &cs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cs[0].ic_number, "1000000003");
	free(cs);
	list_contracts(f->db, &archive, 1, NULL, seen, sizeof(seen), &n);
	assert_string_equal(seen, "1000000003");
	assert_int_equal((int64_t)n, q_count(f->db, "SELECT count(*) FROM"
	    " invoices i JOIN contracts c ON c.id = i.contract_id"
	    " WHERE c.number = '1000000003' AND i.archived = 1"));
	list_contracts(f->db, &archive, 0, NULL, seen, sizeof(seen), &n);
	assert_int_equal(n, 0);
	list_contracts(f->db, &archive, 1, "1000000001", seen, sizeof(seen),
	    &n);
	assert_int_equal(n, 0);
	assert_int_equal(invoices_years(f->db, &archive, 0, years, 16, &n),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(rb_payables(f->db, &archive, "", "", 1795953600, &ps,
	    &n), 0);
	for (i = 0; i < n; i++)
		assert_string_equal(ps[i].pb_contract, "1000000003");
	free(ps);

	/* Nobody. */
	assert_int_equal(rb_invoices_contracts(f->db, &nobody, &cs, &n), 0);
	assert_int_equal(n, 0);
	free(cs);
	list_contracts(f->db, &nobody, 0, NULL, seen, sizeof(seen), &n);
	assert_int_equal(n, 0);
	list_contracts(f->db, &nobody, 1, NULL, seen, sizeof(seen), &n);
	assert_int_equal(n, 0);
	assert_int_equal(invoices_years(f->db, &nobody, 1, years, 16, &n),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(rb_payables(f->db, &nobody, "", "", 1795953600, &ps,
	    &n), 0);
	assert_int_equal(n, 0);
	free(ps);
}

/*
 * The set's bills to pay (what is owed, the hold of a card payment) are
 * exactly rb_payables()'s, the rule of the payment pages, for the demo
 * account and for an archive visitor, with a card payment under way on
 * one bill and a partial payment on another.
 */
static void
set_payables_are_the_payment_rule(void **state)
{
	struct fixture *f = *state;
	struct rb_scope scopes[2] = { { demo_account(f->db), 0 },
	    { 0, contract_id(f->db, "1000000001") } };
	struct rb_invoice_set set;
	struct rb_payable *ps;
	size_t n, i, k, payable;
	int s;

	assert_int_equal(rb_db_exec(f->db, "INSERT INTO payments (invoice_id,"
	    " amount_cents, method, status, created_at) SELECT id, 100,"
	    " 'transfer', 'succeeded', 1700000000 FROM invoices"
	    " WHERE status IN ('to_pay', 'overdue') AND contract_id IN"
	    " (SELECT id FROM contracts WHERE number LIKE '100000000%')"), 0);
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO payment_orders"
	    " (reference, provider, account_id, contract_id, amount_cents,"
	    " currency, status, created_at, expires_at) SELECT 'T-HOLD',"
	    " 'lyra', a.id, c.id, 1, '978', 'pending', 1700000000, 4102444800"
	    " FROM web_accounts a, contracts c WHERE a.email_norm ="
	    " 'demo@robinet.test' AND c.number = '1000000001'"), 0);
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO payment_order_items"
	    " (order_id, invoice_id, amount_cents) SELECT o.id, (SELECT"
	    " MIN(i.id) FROM invoices i JOIN contracts c ON c.id ="
	    " i.contract_id WHERE c.number = '1000000001' AND i.status IN"
	    " ('to_pay', 'overdue')), 1 FROM payment_orders o"
	    " WHERE o.reference = 'T-HOLD'"), 0);
	for (s = 0; s < 2; s++) {
		assert_int_equal(rb_invoices_set(f->db, &scopes[s], 1795953600,
		    &set), 0);
		assert_int_equal(rb_payables(f->db, &scopes[s], "", "",
		    1795953600, &ps, &n), 0);
		for (i = 0, payable = 0; i < set.is_nitems; i++) {
			const struct rb_invoice_item *it = &set.is_items[i];

			for (k = 0; k < n && ps[k].pb_invoice_id !=
			    it->it_inv.inv_id; k++)
				;
			assert_int_equal(it->it_payable, k < n);
			if (k == n)
				continue;
			payable++;
			assert_int_equal(it->it_owed_cents, ps[k].pb_owed_cents);
			assert_int_equal(it->it_held, ps[k].pb_held);
			assert_string_equal(it->it_inv.inv_contract,
			    ps[k].pb_contract);
		}
		assert_int_equal(payable, n);
		if (s == 0)
			assert_true(n > 0);
		free(ps);
		rb_invoice_set_free(&set);
	}
}

static void
french_formatting_uses_integers(void **state)
{
	char s[RB_BILLS_FMT_MAX];

	(void)state;
	rb_bills_fmt_c100(13500, s, sizeof(s));
	assert_string_equal(s, "1,35\xc2\xa0€");
	rb_bills_fmt_c100(3650, s, sizeof(s));
	assert_string_equal(s, "0,3650\xc2\xa0€");
	rb_bills_fmt_rate(550, s, sizeof(s));
	assert_string_equal(s, "5,5\xc2\xa0%");
	rb_bills_fmt_rate(2000, s, sizeof(s));
	assert_string_equal(s, "20\xc2\xa0%");
	rb_bills_fmt_litre_price(33297, 79452, s, sizeof(s));
	assert_string_equal(s, "0,004\xc2\xa0" "19\xc2\xa0€");
	rb_bills_fmt_litre_price(100, 0, s, sizeof(s));
	assert_string_equal(s, "");
}

static void
filters_and_numbers_are_validated(void **state)
{
	struct rb_bills_filter f;
	const char *msg;
	char n[32];
	time_t now = 1795000000;	/* 2026-11-18 */

	(void)state;
	assert_int_equal(rb_bills_parse_filter(" 1000000001", "2026", "payee",
	    "1", now, &f, &msg), RB_OK);
	assert_string_equal(f.bf_contract, "1000000001");
	assert_int_equal(f.bf_year, 2026);
	assert_int_equal(f.bf_status, RB_INVF_PAID);
	assert_int_equal(f.bf_archive, 1);
	assert_int_equal(rb_bills_parse_filter(NULL, "", "", NULL, now, &f,
	    &msg), RB_OK);
	assert_int_equal(f.bf_status, RB_INVF_ANY);
	assert_int_equal(rb_bills_parse_filter(NULL, "2027", NULL, NULL, now,
	    &f, &msg), RB_INVALID);
	assert_non_null(strstr(msg, "année"));
	assert_int_equal(rb_bills_parse_filter(NULL, "1999", NULL, NULL, now,
	    &f, &msg), RB_INVALID);
	assert_int_equal(rb_bills_parse_filter(NULL, "20x5", NULL, NULL, now,
	    &f, &msg), RB_INVALID);
	assert_int_equal(rb_bills_parse_filter(NULL, NULL, "unpaid", NULL, now,
	    &f, &msg), RB_INVALID);
	assert_int_equal(rb_bills_parse_filter("10000000011", NULL, NULL, NULL,
	    now, &f, &msg), RB_INVALID);
	assert_int_equal(rb_bills_parse_filter(NULL, NULL, NULL, "oui", now,
	    &f, &msg), RB_INVALID);
	assert_int_equal(rb_bills_norm_number(" fa2024-000042 ", n, sizeof(n)),
	    0);
	assert_string_equal(n, "FA2024-000042");
	assert_int_equal(rb_bills_norm_number("../etc", n, sizeof(n)), -1);
	assert_int_equal(rb_bills_norm_number("", n, sizeof(n)), -1);
	assert_int_equal(rb_bills_norm_number("FA 1", n, sizeof(n)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bill_in_scope_has_lines_per_heading),
		cmocka_unit_test(other_scopes_do_not_see_the_bill),
		cmocka_unit_test(list_is_per_contract_newest_first_and_filtered),
		cmocka_unit_test(lists_hold_only_the_scope_contracts),
		cmocka_unit_test(set_payables_are_the_payment_rule),
		cmocka_unit_test(french_formatting_uses_integers),
		cmocka_unit_test(filters_and_numbers_are_validated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
