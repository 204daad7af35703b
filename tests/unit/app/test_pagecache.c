/*
 * test_pagecache.c: the data of the subscriber's pages kept in memory
 * (app/pagecache.h), on the dashboard's (app/space.h). With RB_TEST_DB
 * (tests/pg/cluster.sh): the triggers of migration 0027 name the
 * contract or account a write changed, or "*" for a bulk change; an
 * account's data read once is served again with no round trip, never
 * to another account; a write through another connection (another
 * server, a tool, psql: no hook here) to any table the dashboard reads,
 * through the store's functions or plain SQL, evicts it through the
 * listener and the next read shows the change; a lost listener empties
 * and turns off both caches; a new Paris day is a new key; data read
 * before an eviction is not kept. The bills' list (app/bills.h) is
 * kept too, until a card payment's hold on one of its bills or the end
 * of that hold. On SQLite: never kept.
 *
 * Notices travel through the server: the tests step the listener until
 * what they wait for arrives, at most 10 s (never a fixed sleep).
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "notice_test.h"
#include <sodium.h>

#include "app/auth.h"
#include "app/bills.h"
#include "app/consumption.h"
#include "app/contact.h"
#include "app/coords.h"
#include "app/leaks.h"
#include "app/paymeans.h"
#include "app/readings.h"
#include "app/pagecache.h"
#include "app/sesscache.h"
#include "app/space.h"
#include "demo/demo.h"
#include "store/db.h"
#include "store/payments.h"
#include "store/readings.h"
#include "store/sepa.h"
#include "store/sessions.h"

#define NOW	((time_t)1795946400)	/* 2026-11-29 10:00 UTC */
#define DAY	((time_t)86400)
#define STEPS	50			/* of 200 ms at most */

struct fixture {
	char	 dir[256];
	char	 url[4096];
	int	 server;		/* RB_TEST_DB */
	rb_db	*db;
	rb_db	*db2;			/* "another server" */
	int64_t	 account;		/* demo@robinet.test */
	int64_t	 other;			/* another account with contracts */
	struct rb_sesscache_listener *l;
};

static int64_t
q_int(rb_db *db, const char *sql, int64_t param)
{
	int64_t v = -1;

	assert_int_equal(rb_db_fetch_one(db, sql, RB_BINDS(rb_int(param)),
	    rb_row_int, &v), 0);
	return v;
}

static void
run(rb_db *db, const char *sql, int64_t param)
{
	assert_int_equal(rb_db_run(db, sql, RB_BINDS(rb_int(param)), NULL),
	    0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	/* More contracts than a notice names one by one (100). */
	struct rb_demo_opts o = { 120, 1, "2026-11-29" };
	char err[256];

	*state = f;
	if (f == NULL || sodium_init() < 0)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "pages.db", &f->db) != 0 ||
	    rb_demo_generate(f->db, &o) != 0)
		return -1;
	f->server = test_db_server_url(f->url, sizeof(f->url));
	if (!f->server)
		test_db_url(f->url, sizeof(f->url), f->dir, "pages.db");
	if (rb_db_open(f->url, &f->db2, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->account = q_int(f->db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test' AND id > $1", 0);
	f->other = q_int(f->db, "SELECT MIN(account_id) FROM"
	    " account_contracts WHERE account_id <> $1", f->account);
	if (f->server) {
		if ((f->l = rb_sesscache_listener_new(f->url)) == NULL ||
		    rb_sesscache_step(f->l, 0) != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	rb_sesscache_listener_free(f->l);
	rb_db_notice_hook(NULL, NULL);
	rb_db_close(f->db2);
	rb_db_close(f->db);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* The dashboard's data of account at now, through the cache. */
static struct rb_pagecache_val *
read_kept(struct fixture *f, int64_t account, time_t now)
{
	struct rb_pagecache_val *v;

	assert_non_null(v = rb_space_read_kept(f->db, account, now));
	return v;
}

static const struct rb_space_data *
data(struct rb_pagecache_val *v)
{
	return rb_pagecache_data(v);
}

/* Steps the listener until the cache holds n values, at most STEPS. */
static void
step_until_count(struct fixture *f, int n)
{
	int i;

	for (i = 0; i < STEPS && rb_pagecache_count() != n; i++)
		(void)rb_sesscache_step(f->l, 200);
	assert_int_equal(rb_pagecache_count(), n);
}

/* Reads account's data into the cache (a miss), and checks the next
   read is served from memory. */
static void
cache_it(struct fixture *f, int64_t account)
{
	struct rb_pagecache_val *a, *b;
	uint64_t trips;

	a = read_kept(f, account, NOW);
	trips = rb_db_round_trips(f->db);
	b = read_kept(f, account, NOW);
	assert_int_equal(rb_db_round_trips(f->db), trips);
	assert_ptr_equal(a, b);
	rb_pagecache_release(a);
	rb_pagecache_release(b);
}

/* The first contract of the demo account, with its row in the data. */
static const struct rb_space_contract *
first(struct rb_pagecache_val *v)
{
	assert_true(data(v)->sd_n > 0);
	return &data(v)->sd_rows[0];
}

static void
never_kept_on_sqlite(void **state)
{
	struct fixture *f = *state;
	struct rb_pagecache_val *a, *b;

	assert_null(rb_sesscache_listener_new(f->url));
	assert_int_equal(rb_pagecache_on(), 0);
	a = read_kept(f, f->account, NOW);
	b = read_kept(f, f->account, NOW);
	assert_ptr_not_equal(a, b);
	assert_true(data(a)->sd_n > 0);
	assert_int_equal(data(a)->sd_n, data(b)->sd_n);
	assert_int_equal(rb_pagecache_count(), 0);
	rb_pagecache_release(a);
	rb_pagecache_release(b);
}

/* --- the triggers' notices --- */

static void
triggers_name_what_changed(void **state)
{
	struct fixture *f = *state;
	struct heard h;
	char want[64];
	int64_t contract, n;
	rb_db *l;
	char err[256];

	memset(&h, 0, sizeof(h));
	assert_int_equal(rb_db_open(f->url, &l, err, sizeof(err)), 0);
	assert_int_equal(rb_db_listen(l, RB_DATA_CHANNEL), 0);
	contract = q_int(f->db2, "SELECT MIN(contract_id) FROM"
	    " account_contracts WHERE account_id = $1", f->account);

	/* One row of a table keyed by contract; then by a join (a
	   payment: its bill's contract); then a link: the account. */
	run(f->db2, "UPDATE contracts SET paperless = paperless"
	    " WHERE id = $1", contract);
	run(f->db2, "UPDATE payments SET amount_cents = amount_cents"
	    " WHERE id = (SELECT MIN(p.id) FROM payments p JOIN invoices i"
	    " ON i.id = p.invoice_id WHERE i.contract_id = $1)",
	    q_int(f->db2, "SELECT MIN(i.contract_id) FROM payments p"
	    " JOIN invoices i ON i.id = p.invoice_id WHERE p.id > $1", 0));
	run(f->db2, "UPDATE account_contracts SET added_at = added_at"
	    " WHERE account_id = $1", f->account);
	/* A statement changing no row says nothing; one of more than 100
	   contracts says "*". */
	run(f->db2, "DELETE FROM leak_alerts WHERE contract_id = $1", -1);
	n = q_int(f->db2, "SELECT count(*) FROM contracts WHERE id > $1", 0);
	assert_true(n > 100);
	run(f->db2, "UPDATE contracts SET paperless = paperless"
	    " WHERE id > $1", 0);
	hear_until(l, &h, 4);
	assert_int_equal(h.h_n, 4);
	snprintf(want, sizeof(want), RB_DATA_CHANNEL " contract:%lld",
	    (long long)contract);
	assert_string_equal(h.h_text[0], want);
	assert_memory_equal(h.h_text[1], RB_DATA_CHANNEL " contract:",
	    sizeof(RB_DATA_CHANNEL " contract:") - 1);
	snprintf(want, sizeof(want), RB_DATA_CHANNEL " account:%lld",
	    (long long)f->account);
	assert_string_equal(h.h_text[2], want);
	assert_string_equal(h.h_text[3], RB_DATA_CHANNEL " *");
	rb_db_close(l);
}

/* --- the cache --- */

static void
kept_per_account(void **state)
{
	struct fixture *f = *state;
	struct rb_pagecache_val *a, *b;
	uint64_t epoch;
	char today[16];

	assert_int_equal(rb_pagecache_on(), 1);
	assert_int_equal(rb_pagecache_count(), 0);
	cache_it(f, f->account);
	assert_int_equal(rb_pagecache_count(), 1);

	/* Another account never gets it: a miss, its own contracts. */
	rb_clock_today_iso(NOW, today, sizeof(today));
	assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, f->other, today,
	    (int64_t)NOW, &epoch));
	a = read_kept(f, f->account, NOW);
	b = read_kept(f, f->other, NOW);
	assert_ptr_not_equal(a, b);
	assert_true(first(b)->sp_id != first(a)->sp_id);
	assert_int_equal(rb_pagecache_count(), 2);
	rb_pagecache_release(a);
	rb_pagecache_release(b);

	/* A new day is a new key: read again (bills fall due), then
	   kept. */
	{
		uint64_t trips = rb_db_round_trips(f->db);

		a = read_kept(f, f->account, NOW + DAY);
		assert_true(rb_db_round_trips(f->db) > trips);
		assert_string_equal(data(a)->sd_today, "2026-11-30");
		rb_pagecache_release(a);
		trips = rb_db_round_trips(f->db);
		a = read_kept(f, f->account, NOW + DAY);
		assert_int_equal(rb_db_round_trips(f->db), trips);
		rb_pagecache_release(a);
	}
}

/* A write on db2 (no hook: another server) evicts through the
   listener; the next read is the database's. */
struct write {
	const char	*w_name;
	void		(*w_fn)(struct fixture *f, int64_t contract);
	/* Checks the new data shows the write (NULL: eviction only). */
	void		(*w_check)(struct fixture *f, int64_t contract,
			    const struct rb_space_contract *c);
};

static void
w_reading(struct fixture *f, int64_t contract)
{
	int64_t meter, id;

	meter = q_int(f->db2, "SELECT MAX(id) FROM meters WHERE"
	    " contract_id = $1 AND removed_on IS NULL", contract);
	/* A day after any the demo read. */
	assert_int_equal(rb_rd_store_add(f->db2, meter, "2026-11-30",
	    987654321, "portal", &id), 0);
}

static void
c_reading(struct fixture *f, int64_t contract,
    const struct rb_space_contract *c)
{
	(void)f;
	(void)contract;
	assert_string_equal(c->sp_read_on, "2026-11-30");
	assert_int_equal(c->sp_read_litres, 987654321);
}

static void
w_direct_debit(struct fixture *f, int64_t contract)
{
	assert_int_equal(rb_sepa_store_contract_dd(f->db2, contract,
	    !q_int(f->db2, "SELECT direct_debit FROM contracts WHERE id = $1",
	    contract)), 0);
}

static void
w_mandate(struct fixture *f, int64_t contract)
{
	int64_t id, changed;

	id = q_int(f->db2, "SELECT COALESCE(MAX(id), 0) FROM sepa_mandates"
	    " WHERE status = 'active' AND contract_id = $1", contract);
	if (id > 0)
		assert_int_equal(rb_sepa_store_mandate_revoke(f->db2, id,
		    "2026-11-29", &changed), 0);
	assert_int_equal(rb_sepa_store_mandate_add(f->db2, contract,
	    "RUM-TEST-PAGECACHE", "M. Test", "enc", "4242", "BNPAFRPP",
	    "2026-11-29", f->account, &id), 0);
}

static void
c_mandate(struct fixture *f, int64_t contract,
    const struct rb_space_contract *c)
{
	(void)f;
	(void)contract;
	assert_non_null(c->sp_mandate_last4);
	assert_string_equal(c->sp_mandate_last4, "4242");
}

/* What the account owes on the contract once the new bill is in. */
static int64_t owed_with_new_bill;

/* A new bill, as the import writes it. */
static void
w_invoice(struct fixture *f, int64_t contract)
{
	run(f->db2, "INSERT INTO invoices (number, contract_id,"
	    " contract_number, period_start, period_end,"
	    " amount_excl_tax_cents, vat_cents, total_cents, issued_on,"
	    " due_on, status)"
	    " SELECT 'FA-PAGECACHE-1', id, number, '2026-10-01', '2026-11-27',"
	    " 10000, 550, 10550, '2026-11-28', '2026-12-20', 'to_pay'"
	    " FROM contracts WHERE id = $1", contract);
}

static void
c_invoice(struct fixture *f, int64_t contract,
    const struct rb_space_contract *c)
{
	(void)f;
	(void)contract;
	assert_string_equal(c->sp_last_number, "FA-PAGECACHE-1");
	assert_int_equal(c->sp_last_total_cents, 10550);
	assert_true(c->sp_unpaid_cents >= 10550);
	owed_with_new_bill = c->sp_unpaid_cents;
}

/* Paying it (a payment row, then the bill marked paid). */
static void
w_payment(struct fixture *f, int64_t contract)
{
	(void)contract;
	run(f->db2, "INSERT INTO payments (invoice_id, amount_cents, method,"
	    " status, created_at) SELECT id, total_cents, 'card', 'succeeded',"
	    " $1 FROM invoices WHERE number = 'FA-PAGECACHE-1'", NOW);
}

static void
c_payment(struct fixture *f, int64_t contract,
    const struct rb_space_contract *c)
{
	(void)f;
	(void)contract;
	/* What was owed on the new bill is gone from the sum. */
	assert_int_equal(c->sp_unpaid_cents, owed_with_new_bill - 10550);
}

static void
w_agent_unlink(struct fixture *f, int64_t contract)
{
	/* The back office's psql, the way an agent's action writes. */
	run(f->db2, "UPDATE sepa_debits SET status = status"
	    " WHERE contract_id = $1", contract);
	run(f->db2, "DELETE FROM consumption_alerts WHERE contract_id = $1",
	    contract);
	run(f->db2, "UPDATE meters SET serial = serial WHERE contract_id = $1",
	    contract);
}

static const struct write writes[] = {
	{ "reading submitted", w_reading, c_reading },
	{ "direct debit", w_direct_debit, NULL },
	{ "mandate", w_mandate, c_mandate },
	{ "new bill", w_invoice, c_invoice },
	{ "bill paid", w_payment, c_payment },
	{ "agent's writes", w_agent_unlink, NULL },
};

static void
writes_elsewhere_evict(void **state)
{
	struct fixture *f = *state;
	struct rb_pagecache_val *v;
	int64_t contract, dd;
	size_t i;

	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		fprintf(stderr, "# %s\n", writes[i].w_name);
		cache_it(f, f->account);
		cache_it(f, f->other);
		assert_int_equal(rb_pagecache_count(), 2);
		v = read_kept(f, f->account, NOW);
		contract = first(v)->sp_id;
		dd = first(v)->sp_direct_debit;
		rb_pagecache_release(v);
		writes[i].w_fn(f, contract);
		/* The account's value leaves, the other's stays. */
		step_until_count(f, 1);
		v = read_kept(f, f->account, NOW);
		assert_int_equal(first(v)->sp_id, contract);
		if (writes[i].w_check != NULL)
			writes[i].w_check(f, contract, first(v));
		if (writes[i].w_fn == w_direct_debit)
			assert_int_equal(first(v)->sp_direct_debit, !dd);
		rb_pagecache_release(v);
		assert_int_equal(rb_pagecache_count(), 2);
		/* The other's is still served from memory. */
		{
			uint64_t trips = rb_db_round_trips(f->db);

			v = read_kept(f, f->other, NOW);
			assert_int_equal(rb_db_round_trips(f->db), trips);
			rb_pagecache_release(v);
		}
	}

	/* A link removed (an agent unlinks a contract): the account. */
	cache_it(f, f->other);
	run(f->db2, "DELETE FROM account_contracts WHERE account_id = $1"
	    " AND contract_id = (SELECT MAX(contract_id) FROM"
	    " account_contracts WHERE account_id = $1)", f->account);
	step_until_count(f, 1);

	/* A bulk change: everything. */
	cache_it(f, f->account);
	assert_int_equal(rb_pagecache_count(), 2);
	run(f->db2, "UPDATE invoices SET status = status WHERE id > $1", 0);
	step_until_count(f, 0);
}

/* --- the bills' list (/mes-factures) --- */

/* The list of the demo account at now: how many bills shown pending (a
   card payment in progress holds them) and, in *trips, the round trips
   it took. */
static int
pending_bills(struct fixture *f, time_t now, uint64_t *trips)
{
	struct rb_bills_ctx ctx;
	struct rb_bills_filter bf;
	struct rb_bills_rows rows;
	struct rb_scope sc = { f->account, 0 };
	uint64_t before = rb_db_round_trips(f->db);
	json_t *out;
	size_t i;
	int n = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.bc_db = f->db;
	ctx.bc_now = now;
	ctx.bc_card = 1;
	memset(&bf, 0, sizeof(bf));
	assert_int_equal(rb_bills_list(&ctx, &sc, &bf, &out, &rows), RB_OK);
	for (i = 0; i < rows.bs_nbills; i++)
		n += rows.bs_bills[i].br_pay != NULL &&
		    rows.bs_bills[i].br_pay->bp_pending;
	json_decref(out);
	rb_bills_rows_free(&rows);
	*trips = rb_db_round_trips(f->db) - before;
	return n;
}

static void
bills_kept_until_a_hold_or_its_end(void **state)
{
	struct fixture *f = *state;
	struct rb_pay_order o;
	uint64_t trips;
	int64_t invoice, owed;

	/* A bill of the account to pay, with something owed. */
	invoice = q_int(f->db, "SELECT MIN(i.id) FROM invoices i"
	    " JOIN account_contracts ac ON ac.contract_id = i.contract_id"
	    " WHERE ac.account_id = $1 AND i.status IN ('to_pay', 'overdue')",
	    f->account);
	assert_true(invoice > 0);
	owed = q_int(f->db, "SELECT total_cents FROM invoices WHERE id = $1",
	    invoice);
	assert_int_equal(pending_bills(f, NOW, &trips), 0);
	if (!f->server) {
		/* Never kept (no round trips to count on SQLite). */
		assert_int_equal(pending_bills(f, NOW, &trips), 0);
		assert_int_equal(rb_pagecache_count(), 0);
		return;
	}
	assert_true(trips > 0);
	assert_int_equal(pending_bills(f, NOW, &trips), 0);
	assert_int_equal(trips, 0);
	assert_int_equal(rb_pagecache_count(), 1);

	/* A card payment started through another server holds the bill
	   until NOW + 600. */
	memset(&o, 0, sizeof(o));
	snprintf(o.po_ref, sizeof(o.po_ref), "PAGECACHE-1");
	snprintf(o.po_provider, sizeof(o.po_provider), "lyra");
	o.po_account_id = f->account;
	o.po_contract_id = q_int(f->db, "SELECT contract_id FROM invoices"
	    " WHERE id = $1", invoice);
	o.po_amount_cents = owed;
	snprintf(o.po_currency, sizeof(o.po_currency), "978");
	o.po_created_at = NOW;
	o.po_expires_at = NOW + 600;
	assert_int_equal(rb_db_begin(f->db2), 0);
	assert_int_equal(rb_pay_order_insert(f->db2, &o), 0);
	assert_int_equal(rb_pay_item_insert(f->db2, o.po_id, invoice, owed), 0);
	assert_int_equal(rb_db_commit(f->db2), 0);
	step_until_count(f, 0);
	assert_int_equal(pending_bills(f, NOW, &trips), 1);
	assert_true(trips > 0);
	assert_int_equal(pending_bills(f, NOW + 600, &trips), 1);
	assert_int_equal(trips, 0);
	/* The hold ends with no write: the kept list stands no longer. */
	assert_int_equal(pending_bills(f, NOW + 601, &trips), 0);
	assert_true(trips > 0);
}

static void
lost_listener_flushes_both(void **state)
{
	struct fixture *f = *state;
	int64_t n = 0;
	int i;

	cache_it(f, f->account);
	assert_int_equal(rb_pagecache_count(), 1);
	assert_int_equal(rb_db_fetch_one(f->db2, "SELECT count(*) FROM"
	    " (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE query LIKE 'LISTEN %') t",
	    NULL, 0, rb_row_int, &n), 0);
	assert_true(n >= 1);
	for (i = 0; i < STEPS && rb_pagecache_on(); i++)
		(void)rb_sesscache_step(f->l, 200);
	assert_int_equal(rb_pagecache_on(), 0);
	assert_int_equal(rb_sesscache_on(), 0);
	assert_int_equal(rb_pagecache_count(), 0);
	/* Off: read, not kept. */
	rb_pagecache_release(read_kept(f, f->account, NOW));
	assert_int_equal(rb_pagecache_count(), 0);
	/* Linked again: on, empty. */
	assert_int_equal(rb_sesscache_step(f->l, 0), 0);
	assert_int_equal(rb_pagecache_on(), 1);
	cache_it(f, f->account);
	assert_int_equal(rb_pagecache_count(), 1);

	/* The setting data_cache off: the pages' cache stays off. */
	rb_pagecache_allow(0);
	assert_int_equal(rb_pagecache_on(), 0);
	assert_int_equal(rb_pagecache_count(), 0);
	rb_pagecache_release(read_kept(f, f->account, NOW));
	assert_int_equal(rb_pagecache_count(), 0);
	rb_pagecache_allow(1);
}

static void
read_before_eviction_not_kept(void **state)
{
	struct rb_pagecache_val *v;
	uint64_t epoch;

	(void)state;
	assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29",
	    (int64_t)NOW, &epoch));
	v = rb_pagecache_val_new(NULL, NULL, (const int64_t[]){ 7 }, 1);
	rb_pagecache_evict("contract:9");
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	assert_int_equal(rb_pagecache_count(), 0);
	/* Taken again after it: kept; evicted by its contract, by its
	   account, by anything unknown. */
	assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29",
	    (int64_t)NOW, &epoch));
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	assert_int_equal(rb_pagecache_count(), 1);
	rb_pagecache_evict("contract:8");
	rb_pagecache_evict("account:41");
	assert_int_equal(rb_pagecache_count(), 1);
	rb_pagecache_evict("contract:7");
	assert_int_equal(rb_pagecache_count(), 0);
	(void)rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29", NOW,
	    &epoch);
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	rb_pagecache_evict_account(42);
	assert_int_equal(rb_pagecache_count(), 0);
	(void)rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29", NOW,
	    &epoch);
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	rb_pagecache_evict("contract:7x");
	assert_int_equal(rb_pagecache_count(), 0);
	rb_pagecache_release(v);
}

/* Whatever slot another account, or another kind, shares with a value
   kept, it never gets that value. */
static void
never_another_accounts_value(void **state)
{
	struct rb_pagecache_val *v;
	uint64_t epoch;
	int64_t a;

	(void)state;
	assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29",
	    NOW, &epoch));
	v = rb_pagecache_val_new(NULL, NULL, NULL, 0);
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	assert_int_equal(rb_pagecache_count(), 1);
	/* Far more accounts than slots: many share 42's. */
	for (a = 0; a < 20 * RB_PAGECACHE_SLOTS; a++)
		if (a != 42)
			assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, a,
			    "2026-11-29", NOW, &epoch));
	assert_null(rb_pagecache_get(RB_PAGECACHE_BILLS, 42, "2026-11-29",
	    NOW, &epoch));
	assert_int_equal(rb_pagecache_count(), 1);
	rb_pagecache_release(v);
}

/*
 * Each engine runs the tests of what it has: SQLite, which carries no
 * notices, those that show nothing is kept; PostgreSQL, those of the
 * cache at work. The suite runs on both (scripts/check).
 */
/* --- the other pages kept (migration 0028) --- */

/* A page's data read through its use case, as text to compare (JSON,
   or a summary of the consumption's rows). */
static void
sig_json(json_t *j, char *sig, size_t size)
{
	char *s;

	assert_non_null(j);
	assert_non_null(s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT |
	    JSON_ENCODE_ANY));
	snprintf(sig, size, "%s", s);
	free(s);
	json_decref(j);
}

static void
p_consumption(struct fixture *f, char *sig, size_t size)
{
	struct rb_scope sc = { f->account, 0 };
	struct rb_cons_page p;
	size_t at = 0;
	int i;

	assert_int_equal(rb_cons_view(f->db, &sc, NULL, 0, "2023-11-29",
	    "2026-11-29", &p), RB_OK);
	assert_non_null(p.cv_contract);
	at += (size_t)snprintf(sig, size, "%s %d:", p.cv_contract->cc_number,
	    p.cv_nrows);
	for (i = 0; i < p.cv_nrows && at < size; i++)
		at += (size_t)snprintf(sig + at, size - at, " %s/%lld",
		    p.cv_rows[i].cr_end, (long long)p.cv_rows[i].cr_litres);
	rb_cons_view_free(&p);
}

static void
p_readings(struct fixture *f, char *sig, size_t size)
{
	json_t *j;

	assert_int_equal(rb_reading_meters(f->db, f->account, &j), RB_OK);
	assert_true(json_array_size(j) > 0);
	sig_json(j, sig, size);
}

static void
p_coords(struct fixture *f, char *sig, size_t size)
{
	json_t *j;

	assert_int_equal(rb_co_view(f->db, f->account, NULL, &j), RB_OK);
	sig_json(j, sig, size);
}

static void
p_paymeans(struct fixture *f, char *sig, size_t size)
{
	struct rb_pm_cfg c = { NULL, "FR00ZZZ000000", "Robinet", 14 };
	struct rb_auth_req r;
	json_t *j;

	memset(&r, 0, sizeof(r));
	r.ar_db = f->db;
	r.ar_now = NOW;
	assert_int_equal(rb_pm_view(&r, &c, f->account, NULL, &j), RB_OK);
	sig_json(j, sig, size);
}

static void
p_requests(struct fixture *f, char *sig, size_t size)
{
	json_t *j;

	assert_int_equal(rb_contact_list(f->db, f->account, &j), 0);
	sig_json(j, sig, size);
}

/* The leak alert's setting of the account's first contract. */
static void
p_leak_setting(struct fixture *f, char *sig, size_t size)
{
	struct rb_cons_contract c;
	json_t *j;

	memset(&c, 0, sizeof(c));
	c.cc_id = q_int(f->db2, "SELECT MIN(contract_id) FROM"
	    " account_contracts WHERE account_id = $1", f->account);
	c.cc_remote = 1;
	assert_int_equal(rb_leak_setting_of(f->db, f->account, &c, &j),
	    RB_OK);
	sig_json(j, sig, size);
}

static int64_t
first_contract(struct fixture *f)
{
	return q_int(f->db2, "SELECT MIN(contract_id) FROM"
	    " account_contracts WHERE account_id = $1", f->account);
}

/* The holder of the contract /mes-coordonnees shows first. */
static int64_t
coords_customer(struct fixture *f)
{
	return q_int(f->db2, "SELECT c.customer_id FROM contracts c"
	    " WHERE c.number = (SELECT MIN(c2.number) FROM contracts c2"
	    " JOIN account_contracts ac ON ac.contract_id = c2.id"
	    " WHERE ac.account_id = $1)", f->account);
}

/* Writes on db2, in plain SQL (psql, another server), one table each. */
static void
x_invoices(struct fixture *f)
{
	run(f->db2, "UPDATE invoices SET volume_litres = volume_litres + 1"
	    " WHERE contract_id = $1", first_contract(f));
}

static void
x_meter_readings(struct fixture *f)
{
	int64_t meter, id;

	meter = q_int(f->db2, "SELECT MIN(m.id) FROM meters m"
	    " JOIN account_contracts ac ON ac.contract_id = m.contract_id"
	    " WHERE ac.account_id = $1 AND m.removed_on IS NULL", f->account);
	assert_int_equal(rb_rd_store_add(f->db2, meter, "2026-11-30",
	    987654321, "portal", &id), 0);
}

static void
x_customers(struct fixture *f)
{
	run(f->db2, "UPDATE customers SET mobile = '+33699887766'"
	    " WHERE id = $1", coords_customer(f));
}

static void
x_contact_history(struct fixture *f)
{
	run(f->db2, "INSERT INTO customer_contact_history (customer_id,"
	    " changed_at, actor_kind, actor_id, field, old_value, new_value)"
	    " VALUES ($1, 1795946000, 'agent', NULL, 'mobile', NULL,"
	    " '+33600000001')", coords_customer(f));
}

static void
x_sepa_plans(struct fixture *f)
{
	run(f->db2, "INSERT INTO sepa_plans (contract_id, mandate_id,"
	    " plan_year, day_of_month, basis_cents, instalment_cents, status,"
	    " created_on, first_on, last_on, created_at)"
	    " SELECT $1, MIN(m.id), 2026, 5, 100000, 10000, 'stopped',"
	    " '2026-01-01', '2026-02-05', '2026-11-05', 1 FROM sepa_mandates m",
	    first_contract(f));
}

/* A request sent without signing in, from the account's address: the
   account's all the same. */
static void
x_contact_requests(struct fixture *f)
{
	run(f->db2, "INSERT INTO contact_requests (account_id, name, email,"
	    " email_norm, subject, message, created_at, updated_at, status,"
	    " reference) SELECT NULL, 'Démo', a.email, a.email_norm, 'other',"
	    " 'Bonjour', 1795946000, 1795946000, 'new', 'DC2-TEST-1'"
	    " FROM web_accounts a WHERE a.id = $1", f->account);
}

static void
x_web_accounts(struct fixture *f)
{
	run(f->db2, "UPDATE web_accounts SET email_norm = 'autre@robinet.test'"
	    " WHERE id = $1", f->account);
}

static void
x_leak_settings(struct fixture *f)
{
	run(f->db2, "INSERT INTO leak_alert_settings (account_id, contract_id,"
	    " enabled, factor, updated_at) SELECT account_id, contract_id, 0,"
	    " 7, 1 FROM account_contracts WHERE account_id = $1"
	    " ON CONFLICT (account_id, contract_id) DO UPDATE SET factor = 7,"
	    " enabled = 0", f->account);
}

struct more {
	const char	*m_name;
	void		(*m_page)(struct fixture *, char *, size_t);
	void		(*m_write)(struct fixture *);
	int		 m_shows;	/* the page shows the write */
};

static const struct more mores[] = {
	{ "consumption/invoices", p_consumption, x_invoices, 1 },
	{ "index/meter_readings", p_readings, x_meter_readings, 1 },
	{ "coords/customers", p_coords, x_customers, 1 },
	{ "coords/customer_contact_history", p_coords, x_contact_history, 1 },
	{ "paymeans/sepa_plans", p_paymeans, x_sepa_plans, 0 },
	{ "requests/contact_requests", p_requests, x_contact_requests, 1 },
	{ "requests/web_accounts", p_requests, x_web_accounts, 1 },
	{ "consumption/leak_alert_settings", p_leak_setting, x_leak_settings,
	    1 },
};

#define SIG	65536

/*
 * Each page's data read once is served again with no round trip, the
 * same; a write through the second connection to a table it reads
 * evicts it (the listener hears the trigger's notice), and the next
 * read is the database's, showing the write.
 */
static void
more_pages_kept_then_evicted(void **state)
{
	struct fixture *f = *state;
	const struct more *m;
	char *a = malloc(SIG), *b = malloc(SIG), *c = malloc(SIG);
	uint64_t trips;
	size_t i;

	assert_int_equal(rb_pagecache_on(), 1);
	for (i = 0; i < sizeof(mores) / sizeof(mores[0]); i++) {
		m = &mores[i];
		print_message("%s\n", m->m_name);
		rb_pagecache_evict("*");
		assert_int_equal(rb_pagecache_count(), 0);
		trips = rb_db_round_trips(f->db);
		m->m_page(f, a, SIG);
		assert_true(rb_db_round_trips(f->db) > trips);
		assert_int_equal(rb_pagecache_count(), 1);
		trips = rb_db_round_trips(f->db);
		m->m_page(f, b, SIG);
		assert_int_equal(rb_db_round_trips(f->db), trips);
		assert_string_equal(a, b);
		m->m_write(f);
		step_until_count(f, 0);
		m->m_page(f, c, SIG);
		assert_true(rb_db_round_trips(f->db) > trips);
		if (m->m_shows)
			assert_string_not_equal(a, c);
	}
	/* Another account never gets a kept page: its own. */
	rb_pagecache_evict("*");
	p_coords(f, a, SIG);
	f->account = f->other;
	trips = rb_db_round_trips(f->db);
	p_coords(f, b, SIG);
	assert_true(rb_db_round_trips(f->db) > trips);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	free(c);
}

/* On SQLite nothing is kept: every page is read each time, a write
   through the second connection shows at once. */
static void
more_pages_never_kept_on_sqlite(void **state)
{
	struct fixture *f = *state;
	char *a = malloc(SIG), *b = malloc(SIG);
	size_t i;

	assert_int_equal(rb_pagecache_on(), 0);
	for (i = 0; i < sizeof(mores) / sizeof(mores[0]); i++) {
		print_message("%s\n", mores[i].m_name);
		mores[i].m_page(f, a, SIG);
		assert_int_equal(rb_pagecache_count(), 0);
		mores[i].m_write(f);
		mores[i].m_page(f, b, SIG);
		if (mores[i].m_shows)
			assert_string_not_equal(a, b);
		assert_int_equal(rb_pagecache_count(), 0);
	}
	free(a);
	free(b);
}

/* A kept answer serves only the query it answers: another contract of
   the same account is read and shown, never the kept one. */
static void
kept_answer_serves_its_query_only(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = { f->account, 0 };
	struct rb_pm_cfg pc = { NULL, "FR00ZZZ000000", "Robinet", 14 };
	struct rb_auth_req r;
	struct rb_cons_page p;
	json_t *j;
	char first[32], second[32];
	int k;

	assert_int_equal(rb_co_view(f->db, f->account, NULL, &j), RB_OK);
	assert_true(json_array_size(json_object_get(j, "contracts")) >= 2);
	snprintf(first, sizeof(first), "%s", json_string_value(
	    json_object_get(j, "contract")));
	snprintf(second, sizeof(second), "%s", json_string_value(
	    json_object_get(json_array_get(json_object_get(j, "contracts"),
	    1), "number")));
	json_decref(j);
	assert_string_not_equal(first, second);
	memset(&r, 0, sizeof(r));
	r.ar_db = f->db;
	r.ar_now = NOW;
	for (k = 0; k < 2; k++) {
		assert_int_equal(rb_co_view(f->db, f->account, second, &j),
		    RB_OK);
		assert_string_equal(json_string_value(json_object_get(j,
		    "contract")), second);
		json_decref(j);
		assert_int_equal(rb_co_view(f->db, f->account, NULL, &j),
		    RB_OK);
		assert_string_equal(json_string_value(json_object_get(j,
		    "contract")), first);
		json_decref(j);
		assert_int_equal(rb_pm_view(&r, &pc, f->account, second, &j),
		    RB_OK);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(j, "contract"), "number")), second);
		json_decref(j);
		assert_int_equal(rb_pm_view(&r, &pc, f->account, NULL, &j),
		    RB_OK);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(j, "contract"), "number")), first);
		json_decref(j);
		assert_int_equal(rb_cons_view(f->db, &sc, second, 0,
		    "2023-11-29", "2026-11-29", &p), RB_OK);
		assert_string_equal(p.cv_contract->cc_number, second);
		rb_cons_view_free(&p);
		assert_int_equal(rb_cons_view(f->db, &sc, NULL, 0,
		    "2023-11-29", "2026-11-29", &p), RB_OK);
		assert_string_equal(p.cv_contract->cc_number, first);
		rb_cons_view_free(&p);
	}
}

/* --- /mon-compte (app/auth.h, rb_auth_account_page()) --- */

static void
account_page(struct fixture *f, int64_t session, time_t now,
    struct rb_auth_account_page *p)
{
	struct rb_auth_req r;

	memset(&r, 0, sizeof(r));
	r.ar_db = f->db;
	r.ar_now = now;
	assert_int_equal(rb_auth_account_page(&r, f->account, session, p),
	    RB_OK);
}

/* Sizes of the page's sessions, codes and viewers, read at now. */
static void
account_sizes(struct fixture *f, int64_t session, time_t now, size_t *ns,
    size_t *nt, char *viewers, size_t size)
{
	struct rb_auth_account_page p;
	char *v;

	account_page(f, session, now, &p);
	*ns = json_array_size(p.ap_sessions);
	*nt = json_array_size(p.ap_tokens);
	v = json_dumps(p.ap_viewers, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(viewers, size, "%s", v);
	free(v);
	rb_auth_account_page_free(&p);
}

static int64_t
session_add(struct fixture *f, const char *hash)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO sessions (id_hash, account_id,"
	    " csrf_secret, created_at, last_seen_at) VALUES ('%s', $1, 'x',"
	    " %lld, %lld) RETURNING id", hash, (long long)NOW - 10,
	    (long long)NOW - 10);
	return q_int(f->db2, sql, f->account);
}

/* Steps the listener for about a second: nothing is to come. */
static void
step_a_while(struct fixture *f)
{
	int i;

	for (i = 0; i < 5; i++)
		(void)rb_sesscache_step(f->l, 200);
}

static void
account_page_kept_until_a_change_or_a_touch(void **state)
{
	struct fixture *f = *state;
	size_t ns, nt, ns2, nt2;
	char v[4096], v2[4096];
	uint64_t trips;
	int64_t s0, tok;

	s0 = session_add(f, "h0");
	rb_pagecache_evict("*");
	account_sizes(f, s0, NOW, &ns, &nt, v, sizeof(v));
	assert_int_equal(ns, 1);
	assert_int_equal(rb_pagecache_count(), 1);
	trips = rb_db_round_trips(f->db);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(rb_db_round_trips(f->db), trips);
	/* Last uses are written every RB_SESSION_TOUCH_S without a notice:
	   it stands no longer. */
	account_sizes(f, s0, NOW + RB_SESSION_TOUCH_S, &ns2, &nt2, v2,
	    sizeof(v2));
	assert_int_equal(rb_db_round_trips(f->db), trips);
	account_sizes(f, s0, NOW + RB_SESSION_TOUCH_S + 1, &ns2, &nt2, v2,
	    sizeof(v2));
	assert_true(rb_db_round_trips(f->db) > trips);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	/* Another session of the account (a sign-in elsewhere). */
	assert_int_equal(rb_pagecache_count(), 1);
	session_add(f, "h1");
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(ns2, 2);
	/* A new API code, its uses, its revocation. */
	tok = q_int(f->db2, "INSERT INTO api_tokens (account_id, name, hash,"
	    " prefix, created_at) VALUES ($1, 'cache', repeat('a', 64), 'rb_a',"
	    " 1) RETURNING id", f->account);
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(nt2, nt + 1);
	/* Its first use says so ("jamais" no more); a later touch not. */
	run(f->db2, "UPDATE api_tokens SET last_used_at = 3 WHERE id = $1",
	    tok);
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	run(f->db2, "UPDATE api_tokens SET last_used_at = 5 WHERE id = $1",
	    tok);
	run(f->db2, "UPDATE sessions SET last_seen_at = last_seen_at + 1"
	    " WHERE account_id = $1", f->account);
	step_a_while(f);
	assert_int_equal(rb_pagecache_count(), 1);
	run(f->db2, "UPDATE api_tokens SET revoked_at = 6 WHERE id = $1", tok);
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(nt2, nt);
	/* Its contract's address (shown with who sees it). */
	run(f->db2, "UPDATE contracts SET service_address = 'Rue du Cache'"
	    " WHERE id = (SELECT MIN(contract_id) FROM account_contracts"
	    " WHERE account_id = $1)", f->account);
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_string_not_equal(v, v2);
	assert_non_null(strstr(v2, "Rue du Cache"));
	/* A sign-out elsewhere. */
	run(f->db2, "DELETE FROM sessions WHERE id_hash = 'h1' AND"
	    " account_id = $1", f->account);
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(ns2, 1);
}

/* The values of every kind of an account are kept side by side: a page
   reading several use cases (/ma-consommation) never evicts its own. */
static void
every_kind_of_an_account_kept_at_once(void **state)
{
	struct rb_pagecache_val *v;
	uint64_t epoch;
	int64_t account;
	int kind, n = 0;

	(void)state;
	rb_pagecache_set(1);
	assert_int_equal(rb_pagecache_on(), 1);
	for (account = 1; account <= 8; account++)
		for (kind = 0; kind < RB_PAGECACHE__MAX; kind++) {
			assert_null(rb_pagecache_get(kind, account, "", 1,
			    &epoch));
			v = rb_pagecache_val_new(NULL, NULL, NULL, 0);
			rb_pagecache_put(kind, account, "", v, epoch);
			rb_pagecache_release(v);
			n++;
		}
	assert_int_equal(rb_pagecache_count(), n);
	for (account = 1; account <= 8; account++)
		for (kind = 0; kind < RB_PAGECACHE__MAX; kind++) {
			assert_non_null(v = rb_pagecache_get(kind, account, "",
			    1, &epoch));
			rb_pagecache_release(v);
		}
	rb_pagecache_set(0);
}

int
main(void)
{
	const struct CMUnitTest without[] = {
		cmocka_unit_test_setup_teardown(never_kept_on_sqlite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    bills_kept_until_a_hold_or_its_end, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    more_pages_never_kept_on_sqlite, setup, teardown),
		cmocka_unit_test(every_kind_of_an_account_kept_at_once),
		cmocka_unit_test_setup_teardown(
		    kept_answer_serves_its_query_only, setup, teardown),
	};
	const struct CMUnitTest with[] = {
		cmocka_unit_test_setup_teardown(triggers_name_what_changed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(kept_per_account, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(writes_elsewhere_evict, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    bills_kept_until_a_hold_or_its_end, setup, teardown),
		cmocka_unit_test_setup_teardown(lost_listener_flushes_both,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(read_before_eviction_not_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(never_another_accounts_value,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(more_pages_kept_then_evicted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    kept_answer_serves_its_query_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    account_page_kept_until_a_change_or_a_touch, setup,
		    teardown),
		cmocka_unit_test(every_kind_of_an_account_kept_at_once),
	};
	char url[4096];

	if (test_db_server_url(url, sizeof(url)))
		return cmocka_run_group_tests_name("with notices", with, NULL,
		    NULL);
	return cmocka_run_group_tests_name("without notices", without, NULL,
	    NULL);
}
