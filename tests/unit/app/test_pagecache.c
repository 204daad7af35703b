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
 * of that hold. A mark (sesscache.h) is heard and evicts nothing.
 * Both engines (SQLite: the row triggers of migration 0031, polled);
 * the lost listener only on PostgreSQL.
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
#include "app/braille.h"
#include "app/consumption.h"
#include "app/contact.h"
#include "app/coords.h"
#include "app/gdpr.h"
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

/*
 * Reads that went to the database through f->db: its round trips on a
 * server; on SQLite, which has none, the cache's misses (each a read
 * of the database by a use case while the cache is on).
 */
static uint64_t
reads(struct fixture *f)
{
	struct rb_pagecache_stats st;

	if (f->server)
		return rb_db_round_trips(f->db);
	rb_pagecache_stats(&st);
	return st.ps_misses;
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
	if ((f->l = rb_sesscache_listener_new(f->url)) == NULL ||
	    rb_sesscache_step(f->l, 0) != 0)
		return -1;
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
	trips = reads(f);
	b = read_kept(f, account, NOW);
	assert_int_equal(reads(f), trips);
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
	hear_until(l, &h, 1);
	run(f->db2, "UPDATE payments SET amount_cents = amount_cents"
	    " WHERE id = (SELECT MIN(p.id) FROM payments p JOIN invoices i"
	    " ON i.id = p.invoice_id WHERE i.contract_id = $1)",
	    q_int(f->db2, "SELECT MIN(i.contract_id) FROM payments p"
	    " JOIN invoices i ON i.id = p.invoice_id WHERE p.id > $1", 0));
	/* (Read apart: SQLite's listener says a contract once a read.) */
	hear_until(l, &h, 2);
	run(f->db2, "UPDATE account_contracts SET added_at = added_at"
	    " WHERE account_id = $1", f->account);
	/* A statement changing no row says nothing. */
	run(f->db2, "DELETE FROM leak_alerts WHERE contract_id = $1", -1);
	hear_until(l, &h, 3);
	assert_int_equal(h.h_n, 3);
	snprintf(want, sizeof(want), RB_DATA_CHANNEL " contract:%lld",
	    (long long)contract);
	assert_string_equal(h.h_text[0], want);
	assert_memory_equal(h.h_text[1], RB_DATA_CHANNEL " contract:",
	    sizeof(RB_DATA_CHANNEL " contract:") - 1);
	snprintf(want, sizeof(want), RB_DATA_CHANNEL " account:%lld",
	    (long long)f->account);
	assert_string_equal(h.h_text[2], want);
	/* PostgreSQL: one statement over more than 100 contracts says
	   "*" (SQLite's row triggers name each). */
	if (f->server) {
		n = q_int(f->db2, "SELECT count(*) FROM contracts"
		    " WHERE id > $1", 0);
		assert_true(n > 100);
		run(f->db2, "UPDATE contracts SET paperless = paperless"
		    " WHERE id > $1", 0);
		hear_until(l, &h, 4);
		assert_int_equal(h.h_n, 4);
		assert_string_equal(h.h_text[3], RB_DATA_CHANNEL " *");
	}
	/* Both: more than 1000 rows at once say "*" (SQLite: the
	   listener reads more than 1000 notices at once), once. */
	n = h.h_n;
	assert_true(q_int(f->db2, "SELECT count(*) FROM meter_readings"
	    " WHERE id > $1", 0) > 1000);
	run(f->db2, "UPDATE meter_readings SET read_on = read_on"
	    " WHERE id > $1", 0);
	hear_until(l, &h, (int)n + 1);
	hear_until(l, &h, (int)n + 2);		/* nothing more comes */
	assert_int_equal(h.h_n, n + 1);
	assert_string_equal(h.h_text[n], RB_DATA_CHANNEL " *");
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
		uint64_t trips = reads(f);

		a = read_kept(f, f->account, NOW + DAY);
		assert_true(reads(f) > trips);
		assert_string_equal(data(a)->sd_today, "2026-11-30");
		rb_pagecache_release(a);
		trips = reads(f);
		a = read_kept(f, f->account, NOW + DAY);
		assert_int_equal(reads(f), trips);
		rb_pagecache_release(a);
	}
}

/* The highest mark the listener has heard. */
static int64_t
mark_heard(void)
{
	struct rb_sesscache_stats st;

	rb_sesscache_stats(&st);
	return st.ss_mark;
}

/* Sends payload on the data channel through db2, at once. */
static void
send_data(struct fixture *f, const char *payload)
{
	assert_int_equal(rb_db_notify(f->db2, RB_DATA_CHANNEL, payload), 0);
}

/* A mark ("mark:N") is heard through the listener and evicts nothing;
   the highest is kept; a payload that only looks like one is not a
   mark and empties the cache (never keep what may be stale). */
static void
marks_heard_evict_nothing(void **state)
{
	struct fixture *f = *state;
	int64_t base = mark_heard(), want;
	char payload[64];
	int i;

	cache_it(f, f->account);
	cache_it(f, f->other);
	assert_int_equal(rb_pagecache_count(), 2);
	/* Not this process's hook: the listener's own way, as a mark
	   from another process travels. */
	rb_db_notice_hook(NULL, NULL);
	want = base + 1000;
	snprintf(payload, sizeof(payload), "mark:%lld", (long long)want);
	send_data(f, payload);
	for (i = 0; i < STEPS && mark_heard() != want; i++)
		(void)rb_sesscache_step(f->l, 200);
	assert_int_equal(mark_heard(), want);
	assert_int_equal(rb_pagecache_count(), 2);

	/* A lower mark, then a write on the other account's data: once
	   that is heard, the lower mark was too, and did not lower. */
	snprintf(payload, sizeof(payload), "mark:%lld", (long long)base + 1);
	send_data(f, payload);
	snprintf(payload, sizeof(payload), "account:%lld",
	    (long long)f->other);
	send_data(f, payload);
	step_until_count(f, 1);
	assert_int_equal(mark_heard(), want);

	/* Not marks: each empties the cache, the mark stands. */
	{
		static const char *const not_marks[] = {
			"mark:", "mark:0", "mark:-4", "mark:12x",
			"mark:99999999999999999999", "mark 5", "Mark:5",
		};
		size_t k;

		for (k = 0; k < sizeof(not_marks) / sizeof(not_marks[0]);
		    k++) {
			cache_it(f, f->account);
			assert_int_equal(rb_pagecache_count(), 1);
			send_data(f, not_marks[k]);
			step_until_count(f, 0);
			assert_int_equal(mark_heard(), want);
		}
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
			uint64_t trips = reads(f);

			v = read_kept(f, f->other, NOW);
			assert_int_equal(reads(f), trips);
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
	uint64_t before = reads(f);
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
	*trips = reads(f) - before;
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
	/* Read in a transaction that began before an eviction (the get
	   comes after it): not kept; after the transaction, kept. */
	rb_pagecache_snapshot();
	rb_pagecache_evict("contract:9");
	assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29",
	    (int64_t)NOW, &epoch));
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	assert_int_equal(rb_pagecache_count(), 0);
	rb_pagecache_snapshot_end();
	assert_null(rb_pagecache_get(RB_PAGECACHE_SPACE, 42, "2026-11-29",
	    (int64_t)NOW, &epoch));
	rb_pagecache_put(RB_PAGECACHE_SPACE, 42, "2026-11-29", v, epoch);
	assert_int_equal(rb_pagecache_count(), 1);
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

/* --- the bill's page, /mes-donnees, /mes-courriers-braille --- */

/* A text of one row into out (test-sized). */
struct text_out {
	char	t_v[64];
};

static void
text_row(rb_stmt *st, void *arg)
{
	struct text_out *t = arg;
	const char *v = rb_stmt_text(st, 0);

	snprintf(t->t_v, sizeof(t->t_v), "%s", v != NULL ? v : "");
}

static void
q_text(rb_db *db, const char *sql, int64_t param, char *out, size_t len)
{
	struct text_out t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(rb_db_fetch_one(db, sql, RB_BINDS(rb_int(param)),
	    text_row, &t), 0);
	assert_true(t.t_v[0] != '\0');
	assert_true(strlen(t.t_v) < len);
	memcpy(out, t.t_v, strlen(t.t_v) + 1);
}

/* A bill of account in status set `in` ("'to_pay', 'overdue'"). */
static void
bill_of(struct fixture *f, int64_t account, const char *in, char *out,
    size_t len)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT MIN(i.number) FROM invoices i"
	    " JOIN account_contracts ac ON ac.contract_id = i.contract_id"
	    " WHERE ac.account_id = $1 AND i.archived = 0 AND i.status IN"
	    " (%s) AND EXISTS (SELECT 1 FROM invoice_lines l"
	    " WHERE l.invoice_id = i.id)", in);
	q_text(f->db, sql, account, out, len);
}

/* The bill's page data (rb_bills_get()) of number for account at now:
   its rc, the view in *out (NULL unless RB_OK), the round trips it
   took in *trips. */
static enum rb_rc
bill_get(struct fixture *f, int64_t account, const char *number,
    json_t **out, uint64_t *trips)
{
	struct rb_bills_ctx ctx;
	struct rb_scope sc = { account, 0 };
	uint64_t before = reads(f);
	enum rb_rc rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.bc_db = f->db;
	ctx.bc_now = NOW;
	ctx.bc_card = 1;
	ctx.bc_service_phone = "09 00 00 00 00";
	ctx.bc_emergency_phone = "09 00 00 00 01";
	rc = rb_bills_get(&ctx, &sc, number, out);
	*trips = reads(f) - before;
	return rc;
}

/* The bill's view of account's number, asserted found, with its
   number; trips as bill_get(). */
static json_t *
bill_ok(struct fixture *f, int64_t account, const char *number,
    uint64_t *trips)
{
	json_t *v = NULL;

	assert_int_equal(bill_get(f, account, number, &v, trips), RB_OK);
	assert_string_equal(json_string_value(json_object_get(v, "number")),
	    number);
	return v;
}

/* Whether the JSON text of v holds s. */
static int
json_has(const json_t *v, const char *s)
{
	char *text = json_dumps(v, JSON_COMPACT);
	int k = text != NULL && strstr(text, s) != NULL;

	free(text);
	return k;
}

static void
bill_kept_per_account_and_number(void **state)
{
	struct fixture *f = *state;
	struct rb_pagecache_val *v;
	char a[32], b[32], o[32], sub[40];
	json_t *x, *y;
	uint64_t trips, epoch;
	long i;

	bill_of(f, f->account, "'to_pay', 'overdue'", a, sizeof(a));
	bill_of(f, f->account, "'paid'", b, sizeof(b));
	bill_of(f, f->other, "'paid', 'to_pay', 'overdue'", o, sizeof(o));
	x = bill_ok(f, f->account, a, &trips);
	assert_true(trips > 0);
	y = bill_ok(f, f->account, a, &trips);
	assert_int_equal(trips, 0);
	assert_true(json_equal(x, y));
	json_decref(x);
	json_decref(y);
	/* Another bill of the same account: its own value. */
	x = bill_ok(f, f->account, b, &trips);
	assert_true(trips > 0);
	json_decref(x);
	x = bill_ok(f, f->account, b, &trips);
	assert_int_equal(trips, 0);
	json_decref(x);
	x = bill_ok(f, f->account, a, &trips);
	assert_int_equal(trips, 0);
	json_decref(x);
	assert_int_equal(rb_pagecache_count(), 2);
	/* Another account asking for a kept bill's number: not its bill,
	   whatever is kept; and the other way round. */
	x = NULL;
	assert_int_equal(bill_get(f, f->other, a, &x, &trips), RB_NOT_FOUND);
	assert_null(x);
	assert_true(trips > 0);
	x = bill_ok(f, f->other, o, &trips);
	assert_true(trips > 0);
	json_decref(x);
	assert_int_equal(bill_get(f, f->account, o, &x, &trips),
	    RB_NOT_FOUND);
	assert_true(trips > 0);
	assert_int_equal(rb_pagecache_count(), 3);

	/* The key itself: a sub-key never serves another, nor another
	   account, nor the kind without sub-key, however many share its
	   slot. */
	assert_null(rb_pagecache_get_sub(RB_PAGECACHE_BILL, 42, "F-1", "",
	    NOW, &epoch));
	v = rb_pagecache_val_new(NULL, NULL, NULL, 0);
	rb_pagecache_put_sub(RB_PAGECACHE_BILL, 42, "F-1", "", v, epoch);
	assert_int_equal(rb_pagecache_count(), 4);
	for (i = 0; i < 20 * RB_PAGECACHE_SLOTS; i++) {
		snprintf(sub, sizeof(sub), "F-%ld", i);
		if (i != 1)
			assert_null(rb_pagecache_get_sub(RB_PAGECACHE_BILL, 42,
			    sub, "", NOW, &epoch));
		assert_null(rb_pagecache_get_sub(RB_PAGECACHE_BILL, i == 42 ?
		    43 : i, "F-1", "", NOW, &epoch));
	}
	assert_null(rb_pagecache_get(RB_PAGECACHE_BILL, 42, "", NOW, &epoch));
	assert_null(rb_pagecache_get_sub(RB_PAGECACHE_BILLS, 42, "F-1", "",
	    NOW, &epoch));
	rb_pagecache_release(v);
	v = rb_pagecache_get_sub(RB_PAGECACHE_BILL, 42, "F-1", "", NOW,
	    &epoch);
	assert_non_null(v);
	rb_pagecache_release(v);
	/* A sub-key too long is neither kept nor found. */
	memset(sub, 'F', sizeof(sub) - 1);
	sub[sizeof(sub) - 1] = '\0';
	v = rb_pagecache_val_new(NULL, NULL, NULL, 0);
	assert_null(rb_pagecache_get_sub(RB_PAGECACHE_BILL, 42, sub, "", NOW,
	    &epoch));
	rb_pagecache_put_sub(RB_PAGECACHE_BILL, 42, sub, "", v, epoch);
	assert_int_equal(rb_pagecache_count(), 4);
	rb_pagecache_release(v);
	/* Its account evicts it. */
	rb_pagecache_evict_account(42);
	assert_int_equal(rb_pagecache_count(), 3);
}

static void
bill_evicted_by_writes_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct rb_pay_order po;
	char a[32], o[32];
	json_t *x;
	uint64_t trips;
	int64_t invoice, owed;

	bill_of(f, f->account, "'to_pay', 'overdue'", a, sizeof(a));
	bill_of(f, f->other, "'paid', 'to_pay', 'overdue'", o, sizeof(o));
	invoice = q_int(f->db, "SELECT id FROM invoices WHERE number ="
	    " (SELECT MIN(i.number) FROM invoices i JOIN account_contracts ac"
	    " ON ac.contract_id = i.contract_id WHERE ac.account_id = $1"
	    " AND i.archived = 0 AND i.status IN ('to_pay', 'overdue')"
	    " AND EXISTS (SELECT 1 FROM invoice_lines l"
	    " WHERE l.invoice_id = i.id))", f->account);
	json_decref(bill_ok(f, f->account, a, &trips));
	json_decref(bill_ok(f, f->other, o, &trips));
	assert_int_equal(rb_pagecache_count(), 2);

	/* A line of the bill changed (invoice_lines: migration 0030). */
	fprintf(stderr, "# invoice_lines\n");
	run(f->db2, "UPDATE invoice_lines SET label = 'Ligne corrigée'"
	    " WHERE invoice_id = $1 AND position = (SELECT MIN(position)"
	    " FROM invoice_lines WHERE invoice_id = $1)", invoice);
	step_until_count(f, 1);
	x = bill_ok(f, f->account, a, &trips);
	assert_true(trips > 0);
	assert_true(json_has(x, "Ligne corrigée"));
	json_decref(x);
	json_decref(bill_ok(f, f->account, a, &trips));
	assert_int_equal(trips, 0);
	/* The other account's bill stayed. */
	json_decref(bill_ok(f, f->other, o, &trips));
	assert_int_equal(trips, 0);

	/* A payment received (payments: 0027). */
	fprintf(stderr, "# payments\n");
	run(f->db2, "INSERT INTO payments (invoice_id, amount_cents, method,"
	    " status, created_at) VALUES ($1, 100, 'cheque', 'succeeded',"
	    " 1795900000)", invoice);
	step_until_count(f, 1);
	x = bill_ok(f, f->account, a, &trips);
	assert_true(trips > 0);
	assert_true(json_is_true(json_object_get(x, "has_payments")));
	json_decref(x);

	/* A card payment in progress holds it: shown, never kept. */
	fprintf(stderr, "# payment_orders\n");
	owed = q_int(f->db, "SELECT total_cents FROM invoices WHERE id = $1",
	    invoice) - 100;
	memset(&po, 0, sizeof(po));
	snprintf(po.po_ref, sizeof(po.po_ref), "PAGECACHE-BILL-1");
	snprintf(po.po_provider, sizeof(po.po_provider), "lyra");
	po.po_account_id = f->account;
	po.po_contract_id = q_int(f->db, "SELECT contract_id FROM invoices"
	    " WHERE id = $1", invoice);
	po.po_amount_cents = owed;
	snprintf(po.po_currency, sizeof(po.po_currency), "978");
	po.po_created_at = NOW;
	po.po_expires_at = NOW + 600;
	assert_int_equal(rb_db_begin(f->db2), 0);
	assert_int_equal(rb_pay_order_insert(f->db2, &po), 0);
	assert_int_equal(rb_pay_item_insert(f->db2, po.po_id, invoice, owed),
	    0);
	assert_int_equal(rb_db_commit(f->db2), 0);
	step_until_count(f, 1);
	x = bill_ok(f, f->account, a, &trips);
	assert_true(trips > 0);
	assert_true(json_is_true(json_object_get(x, "pay_pending")));
	json_decref(x);
	x = bill_ok(f, f->account, a, &trips);
	assert_true(trips > 0);
	json_decref(x);
	assert_int_equal(rb_pagecache_count(), 1);
}

/* The count of category key in /mes-donnees' data v. */
static int64_t
cat_count(const json_t *v, const char *key)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(v, "categories"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "key")),
		    key) == 0)
			return json_integer_value(json_object_get(c,
			    "count"));
	fail_msg("no category %s", key);
	return -1;
}

/* /mes-donnees' data of account, and the round trips it took. */
static json_t *
gdpr_get(struct fixture *f, int64_t account, uint64_t *trips)
{
	uint64_t before = reads(f);
	json_t *v = NULL;

	assert_int_equal(rb_gdpr_view(f->db, account, &v), RB_OK);
	*trips = reads(f) - before;
	return v;
}

/* A write on db2 to a table of migration 0030, for the demo account's
   contract; the category whose count it moves and by how much. */
struct gdpr_write {
	const char	*gw_name;
	const char	*gw_sql;	/* $1: the contract, or the account */
	int		 gw_by_account;
	const char	*gw_key;
	int		 gw_more;
};

static const struct gdpr_write gdpr_writes[] = {
	{ "invoice_lines", "INSERT INTO invoice_lines (invoice_id,"
	  " position, heading, label, quantity, quantity_unit,"
	  " unit_price_c100, amount_excl_tax_cents, vat_rate_bp, vat_cents)"
	  " SELECT MIN(id), 99, 'distribution', 'Test', 1, 'day', 1, 1, 0, 0"
	  " FROM invoices WHERE contract_id = $1", 0, "invoice_lines", 1 },
	{ "legacy_credentials", "INSERT INTO legacy_credentials"
	  " (old_customer_id, contract_id, hash)"
	  " VALUES ('PAGECACHE1', $1, 'x')", 0, "legacy_credentials", 1 },
	{ "sessions", "INSERT INTO sessions (id_hash, account_id,"
	  " csrf_secret, created_at, last_seen_at)"
	  " VALUES ('pagecache-session', $1, 'x', 1, 1)", 1, "sessions", 1 },
	{ "sessions deleted", "DELETE FROM sessions"
	  " WHERE id_hash = 'pagecache-session' AND account_id = $1", 1,
	  "sessions", -1 },
	{ "api_tokens", "INSERT INTO api_tokens (account_id, name, hash,"
	  " prefix, created_at) VALUES ($1, 'test', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'rbt_',"
	  " 1)", 1, "api_tokens", 1 },
	{ "contact_messages", "INSERT INTO contact_messages (request_id,"
	  " author_kind, body, created_at) SELECT MAX(id), 'agent', 'Réponse',"
	  " 1 FROM contact_requests WHERE account_id = $1", 1,
	  "contact_messages", 1 },
	/* Without an account of its own: the request's. */
	{ "attachments", "INSERT INTO attachments (token, purpose, ref_id,"
	  " content_type, size, created_at) SELECT 'pagecache-file',"
	  " 'contact', MAX(id), 'application/pdf', 10, 1"
	  " FROM contact_requests WHERE account_id = $1", 1, "attachments",
	  1 },
	{ "audit_log (subscriber)", "INSERT INTO audit_log (at, actor_kind,"
	  " actor_id, action) VALUES (1, 'subscriber', $1, 'login')", 1,
	  "audit_log", 1 },
	{ "audit_log (agent, account)", "INSERT INTO audit_log (at,"
	  " actor_kind, actor_id, action, target) VALUES (1, 'agent', 7,"
	  " 'account.resend', 'account:' || $1)", 1, "audit_log", 1 },
	{ "audit_log (agent, customer file)", "INSERT INTO audit_log (at,"
	  " actor_kind, actor_id, action, target, detail) SELECT 1, 'agent',"
	  " 7, 'customer.view', 'customer:' || customer_id, '{}'"
	  " FROM contracts WHERE id = $1", 0, "file_views", 1 },
	{ "braille_letters", "INSERT INTO braille_letters (account_id, kind,"
	  " title, body, created_at) VALUES ($1, 'test', 'Courrier', 'Texte',"
	  " 1)", 1, "braille_letters", 1 },
};

static void
gdpr_kept_and_evicted_per_table(void **state)
{
	struct fixture *f = *state;
	int64_t contract, before;
	json_t *x, *y;
	uint64_t trips, epoch;
	size_t i;

	contract = q_int(f->db, "SELECT MIN(contract_id) FROM"
	    " account_contracts WHERE account_id = $1", f->account);
	/* A request of the account before anything is kept (its table's
	   notices are 0028's). */
	run(f->db, "INSERT INTO contact_requests (account_id, name, email,"
	    " subject, message, created_at) VALUES ($1, 'Test',"
	    " 'demo@robinet.test', 'autre', 'Bonjour', 1)", f->account);

	/* The first read prepares its statements on the connection. */
	x = gdpr_get(f, f->account, &trips);
	assert_true(trips > 0);
	y = gdpr_get(f, f->account, &trips);
	assert_int_equal(trips, 0);
	assert_true(json_equal(x, y));
	json_decref(y);
	/* Another account: never this one's. */
	assert_null(rb_pagecache_get(RB_PAGECACHE_GDPR, f->other, "", 0,
	    &epoch));
	y = gdpr_get(f, f->other, &trips);
	assert_int_equal(trips, 1);		/* one batch */
	assert_false(json_equal(x, y));
	json_decref(y);
	json_decref(x);
	assert_int_equal(rb_pagecache_count(), 2);

	for (i = 0; i < sizeof(gdpr_writes) / sizeof(gdpr_writes[0]); i++) {
		fprintf(stderr, "# %s\n", gdpr_writes[i].gw_name);
		x = gdpr_get(f, f->account, &trips);
		assert_int_equal(trips, 0);
		before = cat_count(x, gdpr_writes[i].gw_key);
		json_decref(x);
		run(f->db2, gdpr_writes[i].gw_sql,
		    gdpr_writes[i].gw_by_account ? f->account : contract);
		step_until_count(f, 1);
		x = gdpr_get(f, f->account, &trips);
		assert_int_equal(trips, 1);
		assert_int_equal(cat_count(x, gdpr_writes[i].gw_key),
		    before + gdpr_writes[i].gw_more);
		json_decref(x);
		/* The other account's stayed. */
		json_decref(gdpr_get(f, f->other, &trips));
		assert_int_equal(trips, 0);
	}

	/* A meter photo sent to customer service (no account): the
	   accounts of its reading's contract. */
	fprintf(stderr, "# attachments (reading)\n");
	run(f->db2, "INSERT INTO attachments (token, purpose, ref_id,"
	    " content_type, size, created_at) SELECT 'pagecache-photo',"
	    " 'reading', MAX(x.id), 'image/jpeg', 10, 1 FROM meter_readings x"
	    " JOIN meters m ON m.id = x.meter_id WHERE m.contract_id = $1",
	    contract);
	step_until_count(f, 1);
	/* A target of another shape is not cast: the write goes through,
	   and names no account. */
	json_decref(gdpr_get(f, f->account, &trips));
	run(f->db2, "INSERT INTO audit_log (at, actor_kind, action, target)"
	    " VALUES ($1, 'system', 'x', 'account:x')", 1);
	run(f->db2, "INSERT INTO audit_log (at, actor_kind, action, target)"
	    " VALUES ($1, 'system', 'x', 'customer:99999999999999999999')", 1);
	/* A session seen again (UPDATE) moves no count: no notice. The
	   other account's letter after it is the mark that notices went
	   by (in commit order). */
	run(f->db2, "INSERT INTO sessions (id_hash, account_id, csrf_secret,"
	    " created_at, last_seen_at) VALUES ('pagecache-2', $1, 'x', 1, 1)",
	    f->account);
	step_until_count(f, 1);
	json_decref(gdpr_get(f, f->account, &trips));
	assert_int_equal(rb_pagecache_count(), 2);
	run(f->db2, "UPDATE sessions SET last_seen_at = last_seen_at + 1"
	    " WHERE account_id = $1", f->account);
	run(f->db2, "INSERT INTO braille_letters (account_id, kind, title,"
	    " body, created_at) VALUES ($1, 'test', 'Marque', 'Texte', 1)",
	    f->other);
	step_until_count(f, 1);
	json_decref(gdpr_get(f, f->account, &trips));
	assert_int_equal(trips, 0);
}

/* /mes-courriers-braille's data of account, and its round trips. */
static json_t *
letters_get(struct fixture *f, int64_t account, enum rb_braille_grade *g,
    uint64_t *trips)
{
	uint64_t before = reads(f);
	json_t *v = NULL;

	assert_int_equal(rb_braille_letters_page(f->db, account, g, &v),
	    RB_OK);
	*trips = reads(f) - before;
	return v;
}

static void
braille_letters_kept_and_evicted(void **state)
{
	struct fixture *f = *state;
	enum rb_braille_grade g;
	json_t *x;
	uint64_t trips, epoch;

	x = letters_get(f, f->account, &g, &trips);
	assert_true(trips > 0);
	assert_int_equal(json_array_size(x), 0);
	json_decref(x);
	x = letters_get(f, f->account, &g, &trips);
	assert_int_equal(trips, 0);
	json_decref(x);
	assert_null(rb_pagecache_get(RB_PAGECACHE_BRAILLE_LETTERS, f->other,
	    "", 0, &epoch));
	x = letters_get(f, f->other, &g, &trips);
	assert_true(trips > 0);
	json_decref(x);
	assert_int_equal(rb_pagecache_count(), 2);

	/* A letter kept by a batch (another connection). */
	run(f->db2, "INSERT INTO braille_letters (account_id, kind, title,"
	    " body, created_at) VALUES ($1, 'test', 'Votre <facture>',"
	    " 'Texte', 1795900000)", f->account);
	step_until_count(f, 1);
	x = letters_get(f, f->account, &g, &trips);
	assert_true(trips > 0);
	assert_int_equal(json_array_size(x), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(x, 0), "title")), "Votre <facture>");
	json_decref(x);
	x = letters_get(f, f->other, &g, &trips);
	assert_int_equal(trips, 0);
	assert_int_equal(json_array_size(x), 0);
	json_decref(x);
	/* Deleted (the retention). */
	run(f->db2, "DELETE FROM braille_letters WHERE account_id = $1",
	    f->account);
	step_until_count(f, 1);
	x = letters_get(f, f->account, &g, &trips);
	assert_int_equal(json_array_size(x), 0);
	json_decref(x);
}

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
		trips = reads(f);
		m->m_page(f, a, SIG);
		assert_true(reads(f) > trips);
		assert_int_equal(rb_pagecache_count(), 1);
		trips = reads(f);
		m->m_page(f, b, SIG);
		assert_int_equal(reads(f), trips);
		assert_string_equal(a, b);
		m->m_write(f);
		step_until_count(f, 0);
		m->m_page(f, c, SIG);
		assert_true(reads(f) > trips);
		if (m->m_shows)
			assert_string_not_equal(a, c);
	}
	/* Another account never gets a kept page: its own. */
	rb_pagecache_evict("*");
	p_coords(f, a, SIG);
	f->account = f->other;
	trips = reads(f);
	p_coords(f, b, SIG);
	assert_true(reads(f) > trips);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	free(c);
}

/* On SQLite nothing is kept: every page is read each time, a write
   through the second connection shows at once. */
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
	/* The sign-in's own notice, heard before anything else is: the
	   listener steps only here, and a notice left behind would evict
	   what a later step expects kept. */
	account_sizes(f, s0, NOW, &ns, &nt, v, sizeof(v));
	step_until_count(f, 0);
	rb_pagecache_evict("*");
	account_sizes(f, s0, NOW, &ns, &nt, v, sizeof(v));
	assert_int_equal(ns, 1);
	assert_int_equal(rb_pagecache_count(), 1);
	trips = reads(f);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(reads(f), trips);
	/* Last uses are written every RB_SESSION_TOUCH_S without a notice:
	   it stands no longer. */
	account_sizes(f, s0, NOW + RB_SESSION_TOUCH_S, &ns2, &nt2, v2,
	    sizeof(v2));
	assert_int_equal(reads(f), trips);
	account_sizes(f, s0, NOW + RB_SESSION_TOUCH_S + 1, &ns2, &nt2, v2,
	    sizeof(v2));
	assert_true(reads(f) > trips);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	/* Another session of the account (a sign-in elsewhere). */
	assert_int_equal(rb_pagecache_count(), 1);
	session_add(f, "h1");
	step_until_count(f, 0);
	account_sizes(f, s0, NOW, &ns2, &nt2, v2, sizeof(v2));
	assert_int_equal(ns2, 2);
	/* A new API code, its uses, its revocation. */
	tok = q_int(f->db2, "INSERT INTO api_tokens (account_id, name, hash,"
	    " prefix, created_at) VALUES ($1, 'cache', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'rb_a',"
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

/*
 * Both engines carry notices (SQLite: rows of rb_notices, migration
 * 0031), so the cache works on both; a lost link to a database server
 * only happens on PostgreSQL. The suite runs on both (scripts/check).
 */
int
main(void)
{
	const struct CMUnitTest both[] = {
		cmocka_unit_test_setup_teardown(triggers_name_what_changed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(kept_per_account, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(writes_elsewhere_evict, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    bills_kept_until_a_hold_or_its_end, setup, teardown),
		cmocka_unit_test_setup_teardown(read_before_eviction_not_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(never_another_accounts_value,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    bill_kept_per_account_and_number, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    bill_evicted_by_writes_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    gdpr_kept_and_evicted_per_table, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    braille_letters_kept_and_evicted, setup, teardown),
		cmocka_unit_test_setup_teardown(more_pages_kept_then_evicted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    kept_answer_serves_its_query_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    account_page_kept_until_a_change_or_a_touch, setup,
		    teardown),
		cmocka_unit_test(every_kind_of_an_account_kept_at_once),
		cmocka_unit_test_setup_teardown(marks_heard_evict_nothing,
		    setup, teardown),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test_setup_teardown(lost_listener_flushes_both,
		    setup, teardown),
	};
	char url[4096];
	int failed;

	failed = cmocka_run_group_tests_name("both engines", both, NULL,
	    NULL);
	if (test_db_server_url(url, sizeof(url)))
		failed += cmocka_run_group_tests_name("a server's link",
		    server, NULL, NULL);
	return failed;
}
