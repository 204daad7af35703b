/*
 * test_page_reads.c: what the signed-in pages read, through the use
 * cases that gather each page's reads into batches (store/db.h
 * rb_db_fetch_batch()), on the demo dataset: the data is the one the
 * reads one by one give, and on a database server (PostgreSQL,
 * tests/pg/cluster.sh) each page waits for the server as many times as
 * it has batches, counted by rb_db_round_trips() inside a read
 * transaction as the route opens it (its BEGIN goes with the first
 * batch). Going back to one read per round trip fails these counts.
 * Each page runs once before it is counted, so that its statements are
 * prepared on the connection (preparing is one round trip per text,
 * once per connection).
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/api.h"
#include "app/auth.h"
#include "app/bills.h"
#include "app/braille.h"
#include "app/contact.h"
#include "app/coords.h"
#include "app/paymeans.h"
#include "app/readings.h"
#include "demo/demo.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/readings.h"
#include "store/sessions.h"

#include "../store/demo_fixture.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */

static int
setup(void **state)
{
	return demo_fixture_setup(state, "pages.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* 1 when the tests run on a database server (RB_TEST_DB). */
static int
on_server(void)
{
	char url[4096];

	return test_db_server_url(url, sizeof(url));
}

/* The round trips a page with batches batches must cost: one each on a
 * server, none in process. */
static uint64_t
trips(int batches)
{
	return on_server() ? (uint64_t)batches : 0;
}

static int64_t
demo_account(rb_db *db)
{
	return q_int(db, "SELECT id FROM web_accounts WHERE email_norm = $1",
	    "demo@robinet.test");
}

static void
auth_req(rb_db *db, struct rb_auth_req *r)
{
	memset(r, 0, sizeof(*r));
	r->ar_db = db;
	r->ar_now = NOW;
	r->ar_ip = "192.0.2.1";
}

/* "Mon compte": the tokens, viewers, sessions and braille choices of
 * the account in one batch, each as its own use case gives it. */
static void
account_page(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_account_page p;
	struct rb_auth_req r;
	json_t *want;
	const char *msg;
	char token[128];
	int64_t acc = demo_account(f->db), sid = 0;
	uint64_t t0;

	auth_req(f->db, &r);
	/* A session and a token, so that no list is empty. */
	assert_int_equal(rb_sessions_create(f->db, "00000000000000000000000"
	    "000000000000000000000000000000000000000000", acc, "csrf", NOW,
	    "192.0.2.1", "test", &sid), 0);
	assert_int_equal(rb_api_token_create(&r, acc, "Domotique", 5, token,
	    &msg), RB_OK);

	assert_int_equal(rb_auth_account_page(&r, acc, sid, &p), RB_OK);
	rb_auth_account_page_free(&p);
	assert_int_equal(rb_db_begin_read(f->db), 0);
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_auth_account_page(&r, acc, sid, &p), RB_OK);
	assert_int_equal(rb_db_round_trips(f->db) - t0, trips(1));
	assert_int_equal(rb_db_commit(f->db), 0);

	assert_int_equal(json_array_size(p.ap_tokens), 1);
	assert_int_equal(rb_api_token_list(&r, acc, &want), RB_OK);
	assert_true(json_equal(p.ap_tokens, want));
	json_decref(want);
	assert_true(json_array_size(p.ap_viewers) >= 1);
	assert_int_equal(rb_auth_contract_viewers(&r, acc, &want), RB_OK);
	assert_true(json_equal(p.ap_viewers, want));
	json_decref(want);
	assert_int_equal(json_array_size(p.ap_sessions), 1);
	assert_int_equal(rb_auth_sessions(&r, acc, sid, &want), RB_OK);
	assert_true(json_equal(p.ap_sessions, want));
	json_decref(want);
	assert_int_equal(json_array_size(p.ap_braille), 3);
	assert_int_equal(rb_braille_choices(f->db, acc, &want), RB_OK);
	assert_true(json_equal(p.ap_braille, want));
	json_decref(want);
	rb_auth_account_page_free(&p);

	/* No such account: an error, nothing to free. */
	assert_int_equal(rb_auth_account_page(&r, acc + 100000, 0, &p),
	    RB_ERROR);
	assert_null(p.ap_tokens);
	assert_null(p.ap_viewers);
	assert_null(p.ap_sessions);
	assert_null(p.ap_braille);
}

/* "Mes moyens de paiement" of contract number: its contracts first,
 * then its mandate, debits and plan in one batch (they need its id):
 * batches round trips on a server. */
static void
paymeans_of(struct fixture *f, const char *number, int batches)
{
	struct rb_pm_cfg c = { NULL, "FR12ZZZ123456", "Robinet", 14 };
	struct rb_auth_req r;
	json_t *page;
	int64_t acc = demo_account(f->db), n;
	uint64_t t0;

	auth_req(f->db, &r);
	assert_int_equal(rb_pm_view(&r, &c, acc, number, &page), RB_OK);
	json_decref(page);
	assert_int_equal(rb_db_begin_read(f->db), 0);
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_pm_view(&r, &c, acc, number, &page), RB_OK);
	assert_int_equal(rb_db_round_trips(f->db) - t0, trips(batches));
	assert_int_equal(rb_db_commit(f->db), 0);

	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    page, "contract"), "number")), number);
	n = q_int(f->db, "SELECT count(*) FROM sepa_mandates m JOIN contracts"
	    " c ON c.id = m.contract_id WHERE c.number = $1"
	    " AND m.status = 'active'", number);
	assert_int_equal(json_is_object(json_object_get(page, "mandate")),
	    n > 0);
	n = q_int(f->db, "SELECT count(*) FROM sepa_debits d JOIN contracts"
	    " c ON c.id = d.contract_id WHERE c.number = $1", number);
	assert_int_equal(json_array_size(json_object_get(page, "debits")), n);
	assert_true(json_array_size(json_object_get(page, "contracts")) >= 2);
	json_decref(page);
}

static void
paymeans_page(void **state)
{
	struct fixture *f = *state;
	char with[32], without[32];

	/* A contract of the account with an active mandate, one without. */
	q_text(f->db, "SELECT min(c.number) FROM contracts c"
	    " JOIN account_contracts ac ON ac.contract_id = c.id"
	    " JOIN web_accounts w ON w.id = ac.account_id"
	    " WHERE w.email_norm = $1 AND EXISTS (SELECT 1 FROM sepa_mandates"
	    " m WHERE m.contract_id = c.id AND m.status = 'active')",
	    "demo@robinet.test", with, sizeof(with));
	q_text(f->db, "SELECT min(c.number) FROM contracts c"
	    " JOIN account_contracts ac ON ac.contract_id = c.id"
	    " JOIN web_accounts w ON w.id = ac.account_id"
	    " WHERE w.email_norm = $1 AND NOT EXISTS (SELECT 1 FROM"
	    " sepa_mandates m WHERE m.contract_id = c.id"
	    " AND m.status = 'active')",
	    "demo@robinet.test", without, sizeof(without));
	assert_true(with[0] != '\0' && without[0] != '\0');
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans p"
	    " JOIN contracts c ON c.id = p.contract_id WHERE c.number = $1"
	    " AND p.status = 'active'", with), 0);
	paymeans_of(f, without, 2);
	/* With a mandate and no plan, the plan's offer is read after the
	   batch (it is offered only then): a third round trip. */
	paymeans_of(f, with, 3);
}

/* "Mon index": the meters, then the latest reading of each in one
 * batch (they need the meters' ids), as rb_rd_store_last() gives it. */
static void
index_page(void **state)
{
	struct fixture *f = *state;
	struct rb_rd_reading last;
	json_t *meters, *m, *l;
	int64_t acc = demo_account(f->db);
	uint64_t t0;
	size_t i;
	int rc;

	assert_int_equal(rb_reading_meters(f->db, acc, &meters), RB_OK);
	json_decref(meters);
	assert_int_equal(rb_db_begin_read(f->db), 0);
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_reading_meters(f->db, acc, &meters), RB_OK);
	assert_int_equal(rb_db_round_trips(f->db) - t0, trips(2));
	assert_int_equal(rb_db_commit(f->db), 0);

	assert_true(json_array_size(meters) >= 2);
	json_array_foreach(meters, i, m) {
		rc = rb_rd_store_last(f->db, json_integer_value(
		    json_object_get(m, "id")), &last);
		assert_true(rc == 0 || rc == 1);
		l = json_object_get(m, "last");
		if (rc == 1) {
			assert_true(json_is_null(l));
			continue;
		}
		assert_string_equal(json_string_value(json_object_get(l,
		    "day")), last.rr_day);
		assert_int_equal(json_integer_value(json_object_get(l,
		    "litres")), last.rr_litres);
		assert_string_equal(json_string_value(json_object_get(l,
		    "source")), last.rr_source);
	}
	json_decref(meters);

	/* An account without meters: one round trip, nothing more. */
	assert_int_equal(rb_db_begin_read(f->db), 0);
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_reading_meters(f->db, acc + 100000, &meters),
	    RB_OK);
	assert_int_equal(rb_db_round_trips(f->db) - t0, trips(1));
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(json_array_size(meters), 0);
	json_decref(meters);
}

/* "Mes coordonnées": the contracts, then the holder and its history in
 * one batch (they need a number and its customer). */
static void
coords_page(void **state)
{
	struct fixture *f = *state;
	json_t *page;
	int64_t acc = demo_account(f->db);
	uint64_t t0;
	char first[32];

	q_text(f->db, "SELECT min(c.number) FROM contracts c"
	    " JOIN account_contracts ac ON ac.contract_id = c.id"
	    " WHERE ac.account_id = (SELECT id FROM web_accounts"
	    " WHERE email_norm = $1)", "demo@robinet.test", first,
	    sizeof(first));
	assert_int_equal(rb_co_view(f->db, acc, NULL, &page), RB_OK);
	json_decref(page);
	assert_int_equal(rb_db_begin_read(f->db), 0);
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_co_view(f->db, acc, NULL, &page), RB_OK);
	assert_int_equal(rb_db_round_trips(f->db) - t0, trips(2));
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_string_equal(json_string_value(json_object_get(page,
	    "contract")), first);
	assert_true(json_is_array(json_object_get(page, "history")));
	assert_true(json_array_size(json_object_get(page, "contracts")) >= 2);
	json_decref(page);

	/* Another's contract, an unknown one: not found, one round trip. */
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_co_view(f->db, acc, "9999999999", &page),
	    RB_NOT_FOUND);
	assert_int_equal(rb_db_round_trips(f->db) - t0, trips(1));
	assert_null(page);
}

/* "Mes factures" and "Mes demandes": one read each, whose round trip
 * carries the read transaction's BEGIN. */
static void
bills_and_requests_pages(void **state)
{
	struct fixture *f = *state;
	struct rb_bills_ctx ctx = { f->db, NOW, "09 69 32 22 12",
	    "09 69 32 22 13", f->dir, 0, "Ancien", "" };
	struct rb_scope sc = { demo_account(f->db), 0 };
	struct rb_bills_filter flt;
	struct rb_bills_rows rows;
	const char *msg;
	json_t *data;
	uint64_t t0;
	int i;

	assert_int_equal(rb_bills_parse_filter(NULL, NULL, NULL, NULL, NOW,
	    &flt, &msg), RB_OK);
	for (i = 0; i < 2; i++) {
		assert_int_equal(rb_db_begin_read(f->db), 0);
		t0 = rb_db_round_trips(f->db);
		assert_int_equal(rb_bills_list(&ctx, &sc, &flt, &data, &rows),
		    RB_OK);
		if (i == 1)
			assert_int_equal(rb_db_round_trips(f->db) - t0,
			    trips(1));
		assert_int_equal(rb_db_commit(f->db), 0);
		assert_true(rows.bs_ncontracts >= 2);
		assert_true(rows.bs_nbills > 0);
		json_decref(data);
		rb_bills_rows_free(&rows);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(rb_db_begin_read(f->db), 0);
		t0 = rb_db_round_trips(f->db);
		assert_int_equal(rb_contact_list(f->db, sc.sc_account, &data),
		    0);
		if (i == 1)
			assert_int_equal(rb_db_round_trips(f->db) - t0,
			    trips(1));
		assert_int_equal(rb_db_commit(f->db), 0);
		assert_true(json_is_array(data));
		json_decref(data);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(account_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(paymeans_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(index_page, setup, teardown),
		cmocka_unit_test_setup_teardown(coords_page, setup, teardown),
		cmocka_unit_test_setup_teardown(bills_and_requests_pages, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
