/*
 * test_sesscache.c: notices between connections (store/db.h) and the
 * sessions kept in memory (app/sesscache.h). With RB_TEST_DB
 * (tests/pg/cluster.sh): a notice of a committed transaction arrives at
 * a listener and at the process's hook, none of a rolled-back one; a
 * session found once is found again with no round trip; another
 * connection's sign-out, or its ending of an account's sessions, evicts
 * it through the listener; a lost listener turns the cache off, empty,
 * until it listens again; a row read before an eviction is not kept.
 * Both engines (SQLite's notices are rows its listener polls, migration
 * 0031); the lost link only on PostgreSQL.
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

#include "app/auth.h"
#include "app/sesscache.h"
#include "base/crypto.h"
#include "demo/demo.h"
#include "store/db.h"
#include "store/sessions.h"

#define NOW		((time_t)1795946400)	/* 2026-11-29 10:00 UTC */
#define DEMO_EMAIL	"demo@robinet.test"
#define DEMO_PW		"eau-potable-2024"
#define STEPS		50			/* of 200 ms at most */

struct fixture {
	char			 dir[256];
	char			 url[4096];
	int			 server;	/* RB_TEST_DB */
	rb_db			*db;
	rb_db			*db2;		/* "another server" */
	struct rb_auth_cfg	 cfg;
};

static int
group_setup(void **state)
{
	struct rb_pwhash_params pp = { 2, (size_t)19 * 1024 * 1024, 2 };
	char err[300];

	(void)state;
	if (rb_crypto_init(&pp, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rb_demo_opts o = { 10, 1, "2026-11-29" };
	char err[256];

	*state = f;
	if (f == NULL)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "cache.db", &f->db) != 0 ||
	    rb_demo_generate(f->db, &o) != 0)
		return -1;
	f->server = test_db_server_url(f->url, sizeof(f->url));
	if (!f->server)
		test_db_url(f->url, sizeof(f->url), f->dir, "cache.db");
	if (rb_db_open(f->url, &f->db2, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->cfg = rb_auth_cfg_default;
	f->cfg.ac_public_url = "https://eau.test";
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	rb_db_notice_hook(NULL, NULL);
	rb_db_close(f->db2);
	rb_db_close(f->db);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

static struct rb_auth_req
req(struct fixture *f, rb_db *db)
{
	struct rb_auth_req r;

	memset(&r, 0, sizeof(r));
	r.ar_db = db;
	r.ar_cfg = &f->cfg;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.10";
	return r;
}

static void
signin_ok(struct fixture *f, struct rb_session *s)
{
	struct rb_auth_req r = req(f, f->db);
	int retry;

	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, s, &retry),
	    RB_OK);
}

static enum rb_rc
lookup(struct fixture *f, const char *cookie)
{
	struct rb_auth_req r = req(f, f->db);
	struct rb_session got;

	return rb_auth_session(&r, cookie, &got);
}

/* --- notices --- */

static void
notices_only_of_commits(void **state)
{
	struct fixture *f = *state;
	struct heard local, far;
	rb_db *l;
	char err[256];

	memset(&local, 0, sizeof(local));
	memset(&far, 0, sizeof(far));
	assert_int_equal(rb_db_notices(f->db), 1);
	assert_int_equal(rb_db_open(f->url, &l, err, sizeof(err)), 0);
	assert_int_equal(rb_db_listen(l, "rb_test"), 0);
	rb_db_notice_hook(hear, &local);

	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_notify(f->db, "rb_test", "a"), 0);
	assert_int_equal(local.h_n, 0);		/* not before the commit */
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(local.h_n, 1);

	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_notify(f->db, "rb_test", "b"), 0);
	assert_int_equal(rb_db_rollback(f->db), 0);
	assert_int_equal(local.h_n, 1);

	/* Outside a transaction: at once. */
	assert_int_equal(rb_db_notify(f->db, "rb_test", "c"), 0);
	assert_int_equal(local.h_n, 2);
	assert_string_equal(local.h_text[0], "rb_test a");
	assert_string_equal(local.h_text[1], "rb_test c");

	/* The listener: a then c, in commit order; b never. */
	hear_until(l, &far, 2);
	assert_int_equal(far.h_n, 2);
	assert_string_equal(far.h_text[0], "rb_test a");
	assert_string_equal(far.h_text[1], "rb_test c");

	/* Bad names are refused before the engine. */
	assert_int_equal(rb_db_notify(f->db, "rb test; --", "x"), -1);
	rb_db_close(l);
}

/* --- the cache --- */

/* Steps l until the cache holds n entries, at most STEPS turns. */
static void
step_until_count(struct rb_sesscache_listener *l, int n)
{
	int i;

	for (i = 0; i < STEPS && rb_sesscache_count() != n; i++)
		(void)rb_sesscache_step(l, 200);
	assert_int_equal(rb_sesscache_count(), n);
}

/* Lookups that read the database: its round trips on a server; on
   SQLite, which has none, the cache's misses. */
static uint64_t
reads(struct fixture *f)
{
	struct rb_sesscache_stats st;

	if (f->server)
		return rb_db_round_trips(f->db);
	rb_sesscache_stats(&st);
	return st.ss_misses;
}

static void
cache_serves_without_round_trip(void **state)
{
	struct fixture *f = *state;
	struct rb_sesscache_listener *l;
	struct rb_session s;
	uint64_t trips;

	assert_non_null(l = rb_sesscache_listener_new(f->url));
	assert_int_equal(rb_sesscache_step(l, 0), 0);
	assert_int_equal(rb_sesscache_on(), 1);
	signin_ok(f, &s);
	trips = reads(f);
	assert_int_equal(lookup(f, s.s_cookie), RB_OK);
	assert_true(reads(f) > trips);
	assert_int_equal(rb_sesscache_count(), 1);
	trips = reads(f);
	assert_int_equal(lookup(f, s.s_cookie), RB_OK);
	assert_int_equal(reads(f), trips);

	/* This process's sign-out evicts at its commit, no listener
	   needed. */
	{
		struct rb_auth_req r = req(f, f->db);

		assert_int_equal(rb_auth_signout(&r, s.s_cookie), RB_OK);
	}
	assert_int_equal(rb_sesscache_count(), 0);
	assert_int_equal(lookup(f, s.s_cookie), RB_DENIED);
	rb_sesscache_listener_free(l);
	assert_int_equal(rb_sesscache_on(), 0);
}

static void
cache_evicts_on_notice(void **state)
{
	struct fixture *f = *state;
	struct rb_sesscache_listener *l;
	struct rb_session s1, s2, s3;
	struct rb_auth_req r = req(f, f->db2);

	assert_non_null(l = rb_sesscache_listener_new(f->url));
	assert_int_equal(rb_sesscache_step(l, 0), 0);
	/* Writes of "another server": only its notice, through the
	   listener, tells this one. */
	rb_db_notice_hook(NULL, NULL);
	signin_ok(f, &s1);
	signin_ok(f, &s2);
	signin_ok(f, &s3);
	assert_int_equal(lookup(f, s1.s_cookie), RB_OK);
	assert_int_equal(lookup(f, s2.s_cookie), RB_OK);
	assert_int_equal(lookup(f, s3.s_cookie), RB_OK);
	assert_int_equal(rb_sesscache_count(), 3);

	/* A sign-out elsewhere: that one session. */
	assert_int_equal(rb_auth_signout(&r, s1.s_cookie), RB_OK);
	step_until_count(l, 2);
	assert_int_equal(lookup(f, s1.s_cookie), RB_DENIED);

	/* A password change elsewhere ends the account's other sessions:
	   all of the account's leave the cache, the kept one is read
	   again. */
	assert_int_equal(rb_db_begin(f->db2), 0);
	assert_int_equal(rb_sessions_delete_account(f->db2,
	    s2.s_account_id, s3.s_id, NULL), 0);
	assert_int_equal(rb_db_commit(f->db2), 0);
	step_until_count(l, 0);
	assert_int_equal(lookup(f, s2.s_cookie), RB_DENIED);
	assert_int_equal(lookup(f, s3.s_cookie), RB_OK);

	/* A rolled-back ending tells nothing: the entry stays. */
	assert_int_equal(rb_db_begin(f->db2), 0);
	assert_int_equal(rb_sessions_delete_account(f->db2, s3.s_account_id,
	    0, NULL), 0);
	assert_int_equal(rb_db_rollback(f->db2), 0);
	/* A notice sent after it, committed, is what the listener sees
	   first: the rolled-back one came before it or never. */
	assert_int_equal(rb_db_notify(f->db2, RB_SESSIONS_CHANNEL,
	    "session:0"), 0);
	{
		int i;

		for (i = 0; i < 5; i++)
			(void)rb_sesscache_step(l, 200);
	}
	assert_int_equal(rb_sesscache_count(), 1);
	assert_int_equal(lookup(f, s3.s_cookie), RB_OK);
	rb_sesscache_listener_free(l);
}

static void
cache_flushed_when_listener_lost(void **state)
{
	struct fixture *f = *state;
	struct rb_sesscache_listener *l;
	struct rb_session s;
	int64_t n = 0;
	int i;

	assert_non_null(l = rb_sesscache_listener_new(f->url));
	assert_int_equal(rb_sesscache_step(l, 0), 0);
	signin_ok(f, &s);
	assert_int_equal(lookup(f, s.s_cookie), RB_OK);
	assert_int_equal(rb_sesscache_count(), 1);

	assert_int_equal(rb_db_fetch_one(f->db2, "SELECT count(*) FROM"
	    " (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE query LIKE 'LISTEN %') t",
	    NULL, 0, rb_row_int, &n), 0);
	assert_true(n >= 1);
	for (i = 0; i < STEPS && rb_sesscache_on(); i++)
		(void)rb_sesscache_step(l, 200);
	assert_int_equal(rb_sesscache_on(), 0);
	assert_int_equal(rb_sesscache_count(), 0);
	/* Off: found in the database, not kept. */
	assert_int_equal(lookup(f, s.s_cookie), RB_OK);
	assert_int_equal(rb_sesscache_count(), 0);

	/* The next turn listens again, then turns it on. */
	assert_int_equal(rb_sesscache_step(l, 0), 0);
	assert_int_equal(rb_sesscache_on(), 1);
	assert_int_equal(lookup(f, s.s_cookie), RB_OK);
	assert_int_equal(rb_sesscache_count(), 1);
	rb_sesscache_listener_free(l);
}

static void
row_read_before_eviction_not_kept(void **state)
{
	struct fixture *f = *state;
	struct rb_sesscache_listener *l;
	struct rb_session_row row, got;
	uint64_t epoch;
	char hash[RB_TOKEN_HASH_LEN + 1];

	assert_non_null(l = rb_sesscache_listener_new(f->url));
	assert_int_equal(rb_sesscache_step(l, 0), 0);
	memset(&row, 0, sizeof(row));
	row.sr_id = 7;
	row.sr_account_id = 3;
	row.sr_created_at = NOW - 60;
	row.sr_last_seen_at = NOW - 5;
	rb_token_hash("cookie-of-the-test", hash);

	assert_int_equal(rb_sesscache_get(hash, NOW, 3600, 86400, &got,
	    &epoch), 1);
	rb_sesscache_evict("account:99");	/* any notice meanwhile */
	rb_sesscache_put(hash, &row, epoch);
	assert_int_equal(rb_sesscache_count(), 0);

	assert_int_equal(rb_sesscache_get(hash, NOW, 3600, 86400, &got,
	    &epoch), 1);
	rb_sesscache_put(hash, &row, epoch);
	assert_int_equal(rb_sesscache_get(hash, NOW, 3600, 86400, &got,
	    &epoch), 0);
	assert_int_equal(got.sr_id, 7);
	/* Its touch due: through the database. Idle past: no more. */
	assert_int_equal(rb_sesscache_get(hash, NOW - 5 + RB_SESSION_TOUCH_S,
	    3600, 86400, &got, &epoch), 1);
	assert_int_equal(rb_sesscache_get(hash, NOW, 5, 86400, &got,
	    &epoch), 1);
	/* By session id, then anything unknown empties it all. */
	rb_sesscache_evict("session:7");
	assert_int_equal(rb_sesscache_count(), 0);
	rb_sesscache_put(hash, &row, epoch + 2);
	assert_int_equal(rb_sesscache_get(hash, NOW, 3600, 86400, &got,
	    &epoch), 1);
	rb_sesscache_put(hash, &row, epoch);
	assert_int_equal(rb_sesscache_count(), 1);
	rb_sesscache_evict("what?");
	assert_int_equal(rb_sesscache_count(), 0);
	/* Read in a shared transaction that began before an eviction
	   (the get comes after it): not kept; after it ends, kept. */
	rb_sesscache_snapshot();
	rb_sesscache_evict("account:99");
	assert_int_equal(rb_sesscache_get(hash, NOW, 3600, 86400, &got,
	    &epoch), 1);
	rb_sesscache_put(hash, &row, epoch);
	assert_int_equal(rb_sesscache_count(), 0);
	rb_sesscache_snapshot_end();
	assert_int_equal(rb_sesscache_get(hash, NOW, 3600, 86400, &got,
	    &epoch), 1);
	rb_sesscache_put(hash, &row, epoch);
	assert_int_equal(rb_sesscache_count(), 1);
	rb_sesscache_listener_free(l);
}

/*
 * Both engines carry notices (SQLite: rows of rb_notices, migration
 * 0031); a lost link to a database server only happens on PostgreSQL.
 * The suite runs on both (scripts/check).
 */
int
main(void)
{
	const struct CMUnitTest both[] = {
		cmocka_unit_test_setup_teardown(notices_only_of_commits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    cache_serves_without_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(cache_evicts_on_notice,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    row_read_before_eviction_not_kept, setup, teardown),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test_setup_teardown(
		    cache_flushed_when_listener_lost, setup, teardown),
	};
	char url[4096];
	int failed;

	failed = cmocka_run_group_tests_name("both engines", both,
	    group_setup, NULL);
	if (test_db_server_url(url, sizeof(url)))
		failed += cmocka_run_group_tests_name("a server's link",
		    server, group_setup, NULL);
	return failed;
}
