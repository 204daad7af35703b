/*
 * test_auth.c: the ways into the secure space (app/auth.h) walked on the
 * demo dataset (60 contracts, today 2026-11-29): sign-in and sessions,
 * the 2023 migration, account creation with each proof, step 2 and
 * activation, rate limits, password reset, and the account settings.
 * Emails are checked in the outbox table; the audit log is read back.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "app/auth.h"
#include "app/auth_priv.h"
#include "demo/demo.h"
#include "app/password.h"
#include "base/crypto.h"
#include "mail/mail.h"
#include "store/accounts.h"
#include "store/db.h"
#include "store/migrate.h"
#include "mail_start.h"

#define NOW		((time_t)1795946400)	/* 2026-11-29 10:00 UTC */
#define URL		"https://eau.test"
#define DEMO_EMAIL	"demo@robinet.test"
#define DEMO_PW		"eau-potable-2024"
#define GOOD_PW		"Rivière claire sous le pont 7"
#define HOUR		3600

struct fixture {
	char			 dir[256];
	rb_db			*db;
	struct rb_auth_cfg	 cfg;
};

static char mail_dir[256];

static int
group_setup(void **state)
{
	struct rb_pwhash_params pp = { 2, (size_t)19 * 1024 * 1024, 2 };
	char err[300];

	(void)state;
	test_mkdtemp(mail_dir, sizeof(mail_dir));
	if (rb_crypto_init(&pp, err, sizeof(err)) != 0 ||
	    rb_password_load_list(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (test_mail_start(mail_dir, URL) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rb_mail_shutdown();
	test_rmtree(mail_dir);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rb_demo_opts o = { 60, 1, "2026-11-29" };

	*state = f;
	if (f == NULL)
		return -1;
	/* Migrated; RB_TEST_DB's database when set (store_test.h). */
	if (test_db_open(f->dir, sizeof(f->dir), "auth.db", &f->db) != 0 ||
	    rb_demo_generate(f->db, &o) != 0)
		return -1;
	f->cfg = rb_auth_cfg_default;
	f->cfg.ac_public_url = URL;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	rb_db_close(f->db);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* A request at now from ip. */
static struct rb_auth_req
req_ip(struct fixture *f, time_t now, const char *ip)
{
	struct rb_auth_req r;

	memset(&r, 0, sizeof(r));
	r.ar_db = f->db;
	r.ar_cfg = &f->cfg;
	r.ar_now = now;
	r.ar_ip = ip;
	r.ar_user_agent = "Lynx/2.9.0";
	return r;
}

static struct rb_auth_req
req(struct fixture *f, time_t now)
{
	return req_ip(f, now, "192.0.2.10");
}

/* The first integer of sql, with up to one text parameter. */
static int64_t
q_int(rb_db *db, const char *sql, const char *param)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int64_t v;

	assert_non_null(st);
	if (param != NULL)
		rb_stmt_bind_text(st, 1, param, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	v = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return v;
}

static int64_t
outbox_count(struct fixture *f, const char *to)
{
	return q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1", to);
}

static int64_t
audit_count(struct fixture *f, const char *action)
{
	return q_int(f->db, "SELECT count(*) FROM audit_log WHERE action = $1",
	    action);
}

/*
 * Finds, in the newest message to `to` holding URL + path, the token
 * that follows; copies it into token (RB_TOKEN_LEN + 1). Returns 0, or
 * -1 when there is no such message.
 */
static int
outbox_token(struct fixture *f, const char *to, const char *path,
    char *token)
{
	char prefix[256];
	const char *body, *p;
	rb_stmt *st;
	int rc = -1;

	snprintf(prefix, sizeof(prefix), "%s%s", URL, path);
	st = rb_db_prepare(f->db, "SELECT body_text FROM mail_outbox"
	    " WHERE to_addr = $1 ORDER BY id DESC");
	rb_stmt_bind_text(st, 1, to, -1);
	while (rb_stmt_step(st) == RB_ROW) {
		body = rb_stmt_text(st, 0);
		if (body == NULL || (p = strstr(body, prefix)) == NULL)
			continue;
		p += strlen(prefix);
		if (strlen(p) < RB_TOKEN_LEN)
			continue;
		memcpy(token, p, RB_TOKEN_LEN);
		token[RB_TOKEN_LEN] = '\0';
		rc = 0;
		break;
	}
	rb_stmt_reset(st);
	return rc;
}

/* 1 when some message to `to` holds s. */
static int
outbox_holds(struct fixture *f, const char *to, const char *s)
{
	rb_stmt *st;
	const char *body;
	int found = 0;

	st = rb_db_prepare(f->db, "SELECT body_text FROM mail_outbox"
	    " WHERE to_addr = $1");
	rb_stmt_bind_text(st, 1, to, -1);
	while (rb_stmt_step(st) == RB_ROW)
		if ((body = rb_stmt_text(st, 0)) != NULL &&
		    strstr(body, s) != NULL)
			found = 1;
	rb_stmt_reset(st);
	return found;
}

/* No audit row holds s (a password or a token). */
static void
audit_never_holds(struct fixture *f, const char *s)
{
	char like[300];

	snprintf(like, sizeof(like), "%%%s%%", s);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE coalesce(target, '') LIKE $1"
	    " OR coalesce(detail, '') LIKE $1", like), 0);
}

static void
signin_ok(struct fixture *f, time_t now, const char *email, const char *pw,
    struct rb_session *s)
{
	struct rb_auth_req r = req(f, now);
	int retry = -1;

	assert_int_equal(rb_auth_signin(&r, email, pw, s, &retry), RB_OK);
	assert_int_equal(retry, 0);
}

static enum rb_rc
signin(struct fixture *f, time_t now, const char *email, const char *pw)
{
	struct rb_auth_req r = req(f, now);
	struct rb_session s;
	int retry;

	return rb_auth_signin(&r, email, pw, &s, &retry);
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* --- sign-in and sessions --- */

static void
signin_right_wrong_unknown(void **state)
{
	struct fixture *f = *state;
	struct rb_session s1, s2;
	struct timespec t0, t1, t2;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s1);
	assert_int_equal(strlen(s1.s_cookie), RB_TOKEN_LEN);
	assert_int_equal(strlen(s1.s_csrf), RB_TOKEN_LEN);
	assert_string_equal(s1.s_email, DEMO_EMAIL);
	assert_string_equal(s1.s_first_name, "Martine");
	assert_string_equal(s1.s_last_name, "Lefebvre");
	assert_true(s1.s_id > 0 && s1.s_account_id > 0);
	/* Email typed differently: same account; a new session each time. */
	signin_ok(f, NOW, "  Demo@Robinet.TEST ", DEMO_PW, &s2);
	assert_int_equal(s2.s_account_id, s1.s_account_id);
	assert_true(s2.s_id != s1.s_id);
	assert_string_not_equal(s2.s_cookie, s1.s_cookie);
	/* The cookie is never stored, only its hash. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sessions"
	    " WHERE id_hash = $1", s1.s_cookie), 0);

	/* Every failure is the same answer, after the same work. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(signin(f, NOW, DEMO_EMAIL, "mauvais-mot-de-passe"),
	    RB_DENIED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(signin(f, NOW, "personne@robinet.test",
	    "mauvais-mot-de-passe"), RB_DENIED);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	/* The unknown email burned a hash too (dummy): no shortcut. */
	assert_true(elapsed(&t1, &t2) > elapsed(&t0, &t1) / 3);
	assert_int_equal(signin(f, NOW, "pas une adresse", DEMO_PW),
	    RB_DENIED);
	assert_int_equal(signin(f, NOW, NULL, NULL), RB_DENIED);
	assert_int_equal(signin(f, NOW, DEMO_EMAIL, ""), RB_DENIED);

	assert_int_equal(audit_count(f, "signin.ok"), 2);
	assert_int_equal(audit_count(f, "signin.failed"), 5);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'signin.failed' AND target = $1"
	    " AND ip = '192.0.2.10' AND at = 1795946400",
	    "email:" DEMO_EMAIL), 2);
	audit_never_holds(f, DEMO_PW);
	audit_never_holds(f, "mauvais-mot-de-passe");
	audit_never_holds(f, s1.s_cookie);
}

static void
signin_refuses_pending_and_disabled(void **state)
{
	struct fixture *f = *state;

	/* Karim registers (creation step 1 and 2), not activated yet. */
	{
		struct rb_auth_req r = req(f, NOW);
		struct rb_profile p = { "Benali", "Karim",
		    "arrivant@robinet.test" };
		struct rb_auth_errors e;
		struct rb_claim c;
		int retry;

		assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
		    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
		assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW,
		    GOOD_PW, &e), RB_OK);
	}
	/* The right password learns that the space waits for activation
	   (still a failure for the audit and the limits); a wrong one
	   learns nothing. */
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test", GOOD_PW),
	    RB_PENDING);
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test",
	    "pas-le-bon-mot-de-passe"), RB_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'signin.failed'"
	    " AND detail LIKE '%\"pending\"%'", NULL), 1);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'active' WHERE email_norm = 'arrivant@robinet.test'"), 0);
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test", GOOD_PW),
	    RB_OK);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'disabled' WHERE email_norm = 'arrivant@robinet.test'"), 0);
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test", GOOD_PW),
	    RB_DENIED);
}

static void
session_idle_and_absolute_expiry(void **state)
{
	struct fixture *f = *state;
	struct rb_session s, got;
	struct rb_auth_req r;
	time_t t;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	r = req(f, NOW + 60);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got), RB_OK);
	assert_int_equal(got.s_id, s.s_id);
	assert_int_equal(got.s_account_id, s.s_account_id);
	assert_string_equal(got.s_csrf, s.s_csrf);
	assert_string_equal(got.s_email, DEMO_EMAIL);
	assert_string_equal(got.s_cookie, "");
	/* Idle: 30 min without use ends it. */
	r = req(f, NOW + 60 + 30 * 60);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_DENIED);
	assert_int_equal(got.s_id, 0);
	r = req(f, NOW + 61);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_DENIED);

	/* Absolute: 12 h after sign-in, however busy. */
	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	for (t = NOW + 20 * 60; t < NOW + 12 * HOUR; t += 20 * 60) {
		r = req(f, t);
		assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
		    RB_OK);
	}
	r = req(f, NOW + 12 * HOUR);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_DENIED);

	/* Not a token at all. */
	r = req(f, NOW);
	assert_int_equal(rb_auth_session(&r, NULL, &got), RB_DENIED);
	assert_int_equal(rb_auth_session(&r, "abc", &got), RB_DENIED);
}

static void
signout_ends_the_session(void **state)
{
	struct fixture *f = *state;
	struct rb_session s, other, got;
	struct rb_auth_req r = req(f, NOW + 10);

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &other);
	assert_int_equal(rb_auth_signout(&r, s.s_cookie), RB_OK);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_DENIED);
	assert_int_equal(rb_auth_session(&r, other.s_cookie, &got),
	    RB_OK);
	assert_int_equal(audit_count(f, "signout"), 1);
	/* Again, or without a cookie: nothing to do, still OK. */
	assert_int_equal(rb_auth_signout(&r, s.s_cookie), RB_OK);
	assert_int_equal(rb_auth_signout(&r, NULL), RB_OK);
	assert_int_equal(audit_count(f, "signout"), 1);
}

static void
sessions_listed_and_ended(void **state)
{
	struct fixture *f = *state;
	struct rb_session s1, s2, karim, got;
	struct rb_auth_req r = req(f, NOW + 100);
	json_t *list;
	size_t i;
	int current = 0;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s1);
	signin_ok(f, NOW + 50, DEMO_EMAIL, DEMO_PW, &s2);
	assert_int_equal(rb_auth_sessions(&r, s1.s_account_id, s2.s_id,
	    &list), RB_OK);
	assert_int_equal(json_array_size(list), 2);
	for (i = 0; i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);

		assert_string_equal(json_string_value(json_object_get(e,
		    "ip")), "192.0.2.10");
		assert_string_equal(json_string_value(json_object_get(e,
		    "user_agent")), "Lynx/2.9.0");
		if (json_is_true(json_object_get(e, "current"))) {
			current++;
			assert_int_equal(json_integer_value(
			    json_object_get(e, "id")), s2.s_id);
		}
	}
	assert_int_equal(current, 1);
	json_decref(list);

	/* Somebody else's session cannot be ended from here. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'active' WHERE id = 2"), 0);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET"
	    " password_hash = (SELECT password_hash FROM web_accounts"
	    " WHERE id = 1) WHERE id = 2"), 0);
	{
		char email[256];
		rb_stmt *st = rb_db_prepare(f->db, "SELECT email FROM"
		    " web_accounts WHERE id = 2");

		assert_int_equal(rb_stmt_step(st), RB_ROW);
		snprintf(email, sizeof(email), "%s", rb_stmt_text(st, 0));
		rb_stmt_reset(st);
		signin_ok(f, NOW, email, DEMO_PW, &karim);
	}
	assert_int_equal(rb_auth_session_end(&r, s1.s_account_id,
	    karim.s_id), RB_DENIED);
	assert_int_equal(rb_auth_session(&r, karim.s_cookie, &got),
	    RB_OK);

	assert_int_equal(rb_auth_session_end(&r, s1.s_account_id, s1.s_id),
	    RB_OK);
	assert_int_equal(rb_auth_session(&r, s1.s_cookie, &got),
	    RB_DENIED);
	assert_int_equal(rb_auth_session(&r, s2.s_cookie, &got), RB_OK);
	assert_int_equal(audit_count(f, "session.end"), 1);
}

/* --- 2023 migration --- */

static void
legacy_claim(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_claim c, again;
	int retry = -1;

	assert_int_equal(rb_auth_claim_legacy(&r, "1234567a",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	assert_int_equal(retry, 0);
	assert_int_equal(strlen(c.cl_token), RB_TOKEN_LEN);
	assert_string_equal(c.cl_contract, "1000000003");
	assert_string_equal(c.cl_last_name, "Vandenbussche");
	assert_string_equal(c.cl_first_name, "Gérard");
	assert_string_equal(c.cl_email, "legacy@robinet.test");
	assert_int_equal(rb_auth_claim_get(&r, c.cl_token, &again),
	    RB_OK);
	assert_string_equal(again.cl_token, c.cl_token);
	assert_string_equal(again.cl_contract, "1000000003");
	assert_string_equal(again.cl_email, "legacy@robinet.test");

	assert_int_equal(rb_auth_claim_legacy(&r, " 1234 567A ",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A", "ancien-mdp-2024",
	    &c, &retry), RB_DENIED);
	assert_string_equal(c.cl_token, "");
	assert_int_equal(rb_auth_claim_legacy(&r, "7654321B",
	    "ancien-mdp-2023", &c, &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_legacy(&r, "12#4567A",
	    "ancien-mdp-2023", &c, &retry), RB_DENIED);
	/* Already moved (the demo subscriber in 2024). */
	assert_int_equal(rb_auth_claim_legacy(&r, "1234560A", "!", &c,
	    &retry), RB_DENIED);

	assert_int_equal(audit_count(f, "migration.claim"), 2);
	assert_int_equal(audit_count(f, "migration.failed"), 4);
	audit_never_holds(f, "ancien-mdp");

	/* A claim expires (30 min). */
	r = req(f, NOW + 30 * 60);
	assert_int_equal(rb_auth_claim_get(&r, again.cl_token, &c),
	    RB_DENIED);
	assert_int_equal(rb_auth_claim_get(&r, "pas-un-jeton", &c),
	    RB_DENIED);
}

static void
register_checks_fields(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Vandenbussche", "Gérard",
	    "legacy@robinet.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	int retry, i;

	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_OK);

	p.pr_email = "legacy@robinet";
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_EMAIL], "Adresse e-mail invalide.");
	for (i = 0; i < RB_F__MAX; i++)
		if (i != RB_F_EMAIL)
			assert_null(e.ae_msg[i]);
	p.pr_email = "gé rard@robinet.test";
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_EMAIL], "Adresse e-mail invalide.");
	p.pr_email = "legacy@robinet.test";

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW,
	    GOOD_PW "!", &e), RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_PASSWORD2],
	    "Les deux mots de passe ne correspondent pas.");
	assert_null(e.ae_msg[RB_F_PASSWORD]);

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, "password1234",
	    "password1234", &e), RB_INVALID);
	assert_non_null(e.ae_msg[RB_F_PASSWORD]);
	assert_non_null(strstr(e.ae_msg[RB_F_PASSWORD], "courant"));
	assert_null(e.ae_msg[RB_F_PASSWORD2]);

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p,
	    "vandenbussche et ses 3 chats", "vandenbussche et ses 3 chats", &e),
	    RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_PASSWORD],
	    "Le mot de passe ne doit pas contenir votre nom.");

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, "court",
	    "court", &e), RB_INVALID);
	assert_non_null(strstr(e.ae_msg[RB_F_PASSWORD], "12 caractères"));

	p.pr_last_name = "  ";
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_LAST_NAME], "Indiquez votre nom.");
	p.pr_last_name = "Vandenbussche";

	/* Nothing was created, nothing sent; the claim still holds. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts"
	    " WHERE email_norm = 'legacy@robinet.test'", NULL), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox",
	    NULL), 0);
	{
		struct rb_claim again;

		assert_int_equal(rb_auth_claim_get(&r, c.cl_token, &again),
		    RB_OK);
	}
	/* An unknown claim is refused before anything else. */
	assert_int_equal(rb_auth_register(&r, "x", &p, GOOD_PW, GOOD_PW, &e),
	    RB_DENIED);
}

static void
legacy_register_and_activate(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Vandenbussche", "Gérard",
	    "Legacy@Robinet.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	char token[RB_TOKEN_LEN + 1], link[200];
	int retry;

	assert_int_equal(rb_auth_claim_legacy(&r, "1234567a",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	/* The old password may serve again: it meets the policy. */
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p,
	    "ancien-mdp-2023", "ancien-mdp-2023", &e), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts a"
	    " JOIN account_contracts ac ON ac.account_id = a.id"
	    " WHERE a.email_norm = 'legacy@robinet.test'"
	    " AND a.status = 'pending' AND ac.contract_id = 3", NULL), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts"
	    " WHERE email = 'Legacy@Robinet.test'", NULL), 1);

	/* The activation email, with the absolute link and its token. */
	assert_int_equal(outbox_count(f, "Legacy@Robinet.test"), 1);
	assert_int_equal(outbox_token(f, "Legacy@Robinet.test",
	    "/activer?jeton=", token), 0);
	snprintf(link, sizeof(link), URL "/activer?jeton=%s", token);
	assert_true(outbox_holds(f, "Legacy@Robinet.test", link));
	/* Same address as on file: no other notice. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox",
	    NULL), 1);

	/* The old id no longer opens the new space, and says that it
	   waits for activation (to the old password only); the claim is
	   spent. */
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_PENDING);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "pas-le-bon-mot-de-passe", &c, &retry), RB_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
	    " legacy_credentials WHERE old_customer_id = '1234567A'"
	    " AND migrated_at = 1795946400 AND hash LIKE '$argon2id$%'",
	    NULL), 1);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p,
	    "ancien-mdp-2023", "ancien-mdp-2023", &e), RB_DENIED);

	/* Pending until activated, then in; the link serves once. */
	assert_int_equal(signin(f, NOW + 60, "legacy@robinet.test",
	    "ancien-mdp-2023"), RB_PENDING);
	r = req(f, NOW + 120);
	assert_int_equal(rb_auth_activate(&r, token), RB_OK);
	assert_int_equal(rb_auth_activate(&r, token), RB_DENIED);
	assert_int_equal(signin(f, NOW + 180, "legacy@robinet.test",
	    "ancien-mdp-2023"), RB_OK);

	assert_int_equal(audit_count(f, "migration.register"), 1);
	assert_int_equal(audit_count(f, "account.activate"), 1);
	audit_never_holds(f, token);
	audit_never_holds(f, "ancien-mdp");
}

static void
register_with_another_email_tells_the_one_on_file(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Vandenbussche", "Gérard",
	    "gerard.v@exemple.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	char token[RB_TOKEN_LEN + 1];
	int retry;

	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	assert_int_equal(outbox_token(f, "gerard.v@exemple.test",
	    "/activer?jeton=", token), 0);
	assert_int_equal(outbox_count(f, "legacy@robinet.test"), 1);
	assert_false(outbox_holds(f, "legacy@robinet.test", "/activer"));
}

static void
activation_expires_and_newer_voids_older(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Benali", "Karim", "arrivant@robinet.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	char t1[RB_TOKEN_LEN + 1], t2[RB_TOKEN_LEN + 1], t3[RB_TOKEN_LEN + 1];
	int retry;

	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_EMAIL, "arrivant@robinet.test", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	assert_int_equal(outbox_token(f, "arrivant@robinet.test",
	    "/activer?jeton=", t1), 0);

	/* "Renvoyer le courriel": a new token voids the first. */
	r = req(f, NOW + 60);
	assert_int_equal(rb_auth_resend(&r, "Arrivant@robinet.test", &retry),
	    RB_OK);
	assert_int_equal(outbox_token(f, "arrivant@robinet.test",
	    "/activer?jeton=", t2), 0);
	assert_string_not_equal(t1, t2);
	assert_int_equal(rb_auth_activate(&r, t1), RB_DENIED);

	/* 24 hours later the second has expired too. */
	r = req(f, NOW + 60 + 24 * HOUR);
	assert_int_equal(rb_auth_activate(&r, t2), RB_DENIED);
	assert_int_equal(rb_auth_resend(&r, "arrivant@robinet.test", &retry),
	    RB_OK);
	assert_int_equal(outbox_token(f, "arrivant@robinet.test",
	    "/activer?jeton=", t3), 0);
	r = req(f, NOW + 120 + 24 * HOUR);
	assert_int_equal(rb_auth_activate(&r, t3), RB_OK);
	assert_int_equal(signin(f, NOW + 180 + 24 * HOUR,
	    "arrivant@robinet.test", GOOD_PW), RB_OK);

	/* Resending for an unknown or active address: same answer,
	   nothing sent. */
	assert_int_equal(rb_auth_resend(&r, "arrivant@robinet.test", &retry),
	    RB_OK);
	assert_int_equal(rb_auth_resend(&r, "inconnu@robinet.test", &retry),
	    RB_OK);
	assert_int_equal(outbox_count(f, "arrivant@robinet.test"), 3);
	assert_int_equal(outbox_count(f, "inconnu@robinet.test"), 0);
	assert_int_equal(rb_auth_activate(&r, NULL), RB_DENIED);
}

/* --- account creation --- */

static void
creation_with_each_proof(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_claim c;
	int retry = -1;

	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_EMAIL, " ARRIVANT@robinet.test", &c, &retry), RB_OK);
	assert_int_equal(retry, 0);
	assert_string_equal(c.cl_contract, "1000000004");
	assert_string_equal(c.cl_last_name, "Benali");
	assert_string_equal(c.cl_email, "ARRIVANT@robinet.test");

	assert_int_equal(rb_auth_claim_contract(&r, "1000 000 004",
	    RB_PROOF_INVOICE, "fa2024 000042", &c, &retry), RB_OK);
	assert_string_equal(c.cl_contract, "1000000004");
	assert_string_equal(c.cl_first_name, "Karim");
	assert_string_equal(c.cl_email, "");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000042", &c, &retry), RB_OK);

	/* A meter can be seen by neighbours: nothing pre-filled. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "i21ba012345", &c, &retry), RB_OK);
	assert_string_equal(c.cl_contract, "1000000004");
	assert_string_equal(c.cl_last_name, "");
	assert_string_equal(c.cl_email, "");
	assert_int_equal(audit_count(f, "creation.claim"), 4);
}

static void
creation_denied_and_no_bill(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_claim c;
	int retry;

	/* 1000000005: no bill yet, no letter either. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000005",
	    RB_PROOF_METER, "I22BA054321", &c, &retry), RB_NO_BILL);
	assert_string_equal(c.cl_token, "");
	/* A wrong proof there is DENIED, not NO_BILL. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000005",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_DENIED);
	/* Once customer service has sent the letter, it may. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE contracts SET"
	    " can_create_account = 1 WHERE number = '1000000005'"), 0);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000005",
	    RB_PROOF_METER, "I22BA054321", &c, &retry), RB_OK);

	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I22BA054321", &c, &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_EMAIL, "autre@robinet.test", &c, &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000043", &c, &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000099",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "abc", RB_PROOF_EMAIL,
	    "arrivant@robinet.test", &c, &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, NULL, RB_PROOF_EMAIL, NULL,
	    &c, &retry), RB_DENIED);
	/* An email on file elsewhere proves nothing here. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_EMAIL, DEMO_EMAIL, &c, &retry), RB_DENIED);
	assert_int_equal(audit_count(f, "creation.failed"), 8);
	assert_int_equal(audit_count(f, "creation.no_bill"), 1);
}

static void
already_active_space_answers_ok_and_tells(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Lefebvre", "Martine", "martine@exemple.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	int64_t accounts;
	int retry;

	accounts = q_int(f->db, "SELECT count(*) FROM web_accounts", NULL);
	/* Step 1 succeeds as for any contract. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000001",
	    RB_PROOF_EMAIL, DEMO_EMAIL, &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts",
	    NULL), accounts);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 1);
	assert_int_equal(outbox_count(f, "martine@exemple.test"), 0);
	assert_false(outbox_holds(f, DEMO_EMAIL, "/activer"));
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'creation.register'"
	    " AND detail LIKE '%space_exists%'", NULL), 1);

	/* An active account already uses the email given: same answer,
	   that address is told, nothing created nor linked. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000042", &c, &retry), RB_OK);
	p.pr_email = DEMO_EMAIL;
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts",
	    NULL), accounts);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM account_contracts"
	    " WHERE contract_id = 4", NULL), 0);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 2);
	assert_false(outbox_holds(f, DEMO_EMAIL, "/activer"));
	/* And the holder of 1000000004 learns someone asked. */
	assert_int_equal(outbox_count(f, "arrivant@robinet.test"), 1);
	assert_int_equal(signin(f, NOW, DEMO_EMAIL, DEMO_PW), RB_OK);
}

/* --- rate limits --- */

static void
delay_grows_past_the_ceiling_up_to_the_maximum(void **state)
{
	(void)state;
	assert_int_equal(rb_limit_delay_ms(0, 1000, 5), 0);
	assert_int_equal(rb_limit_delay_ms(999, 1000, 5), 0);
	assert_int_equal(rb_limit_delay_ms(1000, 1000, 5), 1000);
	assert_int_equal(rb_limit_delay_ms(1099, 1000, 5), 1000);
	assert_int_equal(rb_limit_delay_ms(1100, 1000, 5), 2000);
	assert_int_equal(rb_limit_delay_ms(1350, 1000, 5), 4000);
	assert_int_equal(rb_limit_delay_ms(1400, 1000, 5), 5000);
	assert_int_equal(rb_limit_delay_ms(100000000, 1000, 5), 5000);
	/* Small ceilings: one more second per failure. */
	assert_int_equal(rb_limit_delay_ms(3, 4, 10), 0);
	assert_int_equal(rb_limit_delay_ms(4, 4, 10), 1000);
	assert_int_equal(rb_limit_delay_ms(6, 4, 10), 3000);
	assert_int_equal(rb_limit_delay_ms(5, 0, 10), 0);
	assert_int_equal(rb_limit_delay_ms(5, 1, 0), 0);
}

static void
rate_limit_per_contract_and_address_trips_and_releases(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r;
	struct rb_claim c;
	int i, retry, first;

	/* Ten wrong proofs within the hour, from one address. */
	for (i = 0; i < 10; i++) {
		r = req_ip(f, NOW + i * 60, "198.51.100.1");
		assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
		    RB_PROOF_METER, "I00AA000000", &c, &retry),
		    RB_DENIED);
		assert_int_equal(retry, 0);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'ratelimit.trip'"
	    " AND target = 'proof:pair:1000000004|198.51.100.1'", NULL), 1);
	/* Then even the right proof from there waits, with the delay
	   given... */
	r = req_ip(f, NOW + 10 * 60, "198.51.100.1");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_LIMITED);
	assert_true(retry > 0 && retry <= HOUR);
	first = retry;
	/* ...which shrinks as time passes... */
	r = req_ip(f, NOW + 30 * 60, "198.51.100.1");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_LIMITED);
	assert_int_equal(retry, first - 20 * 60);
	/* ...but the holder, at another address, is not held back. */
	r = req_ip(f, NOW + 30 * 60, "203.0.113.5");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
	assert_int_equal(retry, 0);
	/* Once the oldest failure has left the window, one more attempt is
	   let in from the first address too, and a success forgets that
	   address's failures. */
	r = req_ip(f, NOW + 10 * 60 + first, "198.51.100.1");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
}

/* Seconds since t0. */
static double
since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return elapsed(t0, &t1);
}

static void
failures_from_everywhere_delay_but_never_refuse(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r;
	struct rb_session s;
	struct rb_claim c;
	struct timespec t0;
	int i, retry;

	/* 100 failures on the demo email from two addresses (the default
	   allowances): the owner, from a third one, signs in at once. */
	for (i = 0; i < 100; i++) {
		r = req_ip(f, NOW + i, i % 2 ? "198.51.100.7" : "198.51.100.8");
		assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, "faux", &s,
		    &retry), RB_DENIED);
	}
	/* Each address spent its own allowance (rl_per_ip, 50). */
	r = req_ip(f, NOW + 100, "198.51.100.7");
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_LIMITED);
	assert_true(retry > 0 && retry <= HOUR);
	r = req_ip(f, NOW + 100, "203.0.113.9");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_OK);
	assert_int_equal(retry, 0);

	/* Past the ceiling of the identifier (rl_id_factor times the
	   allowance), every attempt waits, then goes through. */
	f->cfg.ac_rl_per_account = 2;
	f->cfg.ac_rl_id_factor = 2;
	f->cfg.ac_rl_delay_max = 1;
	for (i = 0; i < 4; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "192.0.2.%d", 100 + i);
		r = req_ip(f, NOW + 2 * HOUR, ip);
		assert_int_equal(rb_auth_claim_legacy(&r, "1234567A", "faux",
		    &c, &retry), RB_DENIED);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'ratelimit.trip' AND target = 'legacy:id:1234567A'"
	    " AND detail LIKE '%\"delay\"%'", NULL), 1);
	r = req_ip(f, NOW + 2 * HOUR, "203.0.113.10");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	assert_true(since(&t0) >= 0.95);

	/* Overall: past rl_global, attempts wait too, never refused. */
	f->cfg.ac_rl_global = 2;
	for (i = 0; i < 2; i++) {
		r = req_ip(f, NOW + 4 * HOUR, "198.51.100.200");
		assert_int_equal(rb_auth_claim_contract(&r, "1000000010",
		    RB_PROOF_METER, "I00AA000000", &c, &retry),
		    RB_DENIED);
	}
	r = req_ip(f, NOW + 4 * HOUR, "198.51.100.201");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
	assert_true(since(&t0) >= 0.95);
}

static void
rate_limit_per_ip_and_per_account(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r;
	struct rb_session s;
	struct rb_claim c;
	int i, retry;

	f->cfg.ac_rl_per_ip = 3;
	r = req_ip(f, NOW, "192.0.2.66");
	for (i = 0; i < 3; i++) {
		char cn[16];

		snprintf(cn, sizeof(cn), "10000000%02d", 10 + i);
		assert_int_equal(rb_auth_claim_contract(&r, cn,
		    RB_PROOF_METER, "I00AA000000", &c, &retry),
		    RB_DENIED);
	}
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_LIMITED);
	assert_int_equal(retry, HOUR);
	r = req_ip(f, NOW, "192.0.2.67");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
	/* Every address of an IPv6 /64 is one address. */
	for (i = 0; i < 3; i++) {
		char ip[64];

		snprintf(ip, sizeof(ip), "2001:db8:5:6::%x", 0x100 + i);
		r = req_ip(f, NOW, ip);
		assert_int_equal(rb_auth_claim_legacy(&r, "7654321B", "x", &c,
		    &retry), RB_DENIED);
	}
	r = req_ip(f, NOW, "2001:db8:5:6:ffff::1");
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_LIMITED);

	/* Sign-in: per account and address. */
	f->cfg.ac_rl_per_ip = 0;	/* back to the default */
	f->cfg.ac_rl_per_account = 3;
	for (i = 0; i < 3; i++) {
		r = req_ip(f, NOW + i, "198.51.100.50");
		assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, "faux",
		    &s, &retry), RB_DENIED);
	}
	r = req_ip(f, NOW + 10, "198.51.100.50");
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_LIMITED);
	assert_true(retry > 0 && retry <= HOUR);
	assert_string_equal(s.s_cookie, "");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'ratelimit.trip'"
	    " AND target = 'signin:pair:" DEMO_EMAIL "|198.51.100.50'", NULL),
	    1);
	/* Other addresses are not held back by those failures. */
	r = req_ip(f, NOW + 10, "198.51.100.99");
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_OK);
	/* Never for good: an hour later the right password works. */
	r = req_ip(f, NOW + HOUR, "198.51.100.50");
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_OK);
}

/* Signs in from ip with the device cookie dev (may be NULL); the device
 * cookie to send is written to out (may be NULL). */
static enum rb_rc
signin_dev(struct fixture *f, time_t now, const char *ip, const char *dev,
    const char *pw, char *out, int *retry)
{
	struct rb_auth_req r = req_ip(f, now, ip);
	struct rb_session s;

	r.ar_device = dev;
	r.ar_device_out = out;
	return rb_auth_signin(&r, DEMO_EMAIL, pw, &s, retry);
}

static void
device_cookie_spares_the_owner_and_locks_itself(void **state)
{
	struct fixture *f = *state;
	char dev[RB_TOKEN_LEN + 1], again[RB_TOKEN_LEN + 1];
	char forged[RB_TOKEN_LEN + 1], hash[RB_TOKEN_HASH_LEN + 1];
	struct timespec t0;
	int i, retry;

	f->cfg.ac_rl_per_account = 2;
	f->cfg.ac_rl_id_factor = 1;
	f->cfg.ac_rl_delay_max = 3;
	f->cfg.ac_rl_per_device = 3;
	/* A success in this browser gives it a device cookie: only hashes
	   are kept. */
	memset(dev, 'x', sizeof(dev));
	assert_int_equal(signin_dev(f, NOW, "192.0.2.1", NULL, DEMO_PW, dev,
	    &retry), RB_OK);
	assert_int_equal(strlen(dev), RB_TOKEN_LEN);
	rb_token_hash(dev, hash);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM devices"
	    " WHERE token_hash = $1", hash), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM devices"
	    " WHERE token_hash = $1 OR login_hash LIKE '%robinet%'", dev), 0);
	/* No device cookie when the caller does not ask for one. */
	assert_int_equal(signin(f, NOW, DEMO_EMAIL, DEMO_PW), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM devices", NULL),
	    1);

	/* Strangers fail from everywhere: the pair of the owner's own
	   address is spent, the identifier is past its ceiling. */
	for (i = 0; i < 6; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.51.100.%d", 60 + i % 3);
		assert_int_equal(signin_dev(f, NOW + 10, ip, NULL, "faux",
		    NULL, &retry), RB_DENIED);
	}
	assert_int_equal(signin_dev(f, NOW + 10, "198.51.100.60", NULL,
	    DEMO_PW, NULL, &retry), RB_LIMITED);
	/* The owner's browser, even from that address, is in at once and
	   keeps its cookie. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(again, 'x', sizeof(again));
	assert_int_equal(signin_dev(f, NOW + 20, "198.51.100.60", dev,
	    DEMO_PW, again, &retry), RB_OK);
	assert_true(since(&t0) < 2.5);
	assert_string_equal(again, dev);
	/* A browser without it waits (delay), then is in all the same. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(signin_dev(f, NOW + 20, "203.0.113.1", NULL,
	    DEMO_PW, NULL, &retry), RB_OK);
	assert_true(since(&t0) >= 2.9);
	/* A forged cookie, or this one for another email, is no one's. */
	rb_token_new(forged);
	assert_int_equal(signin_dev(f, NOW + 30, "198.51.100.60", forged,
	    DEMO_PW, NULL, &retry), RB_LIMITED);
	{
		struct rb_auth_req r = req_ip(f, NOW + 30, "198.51.100.61");
		struct rb_session s;

		for (i = 0; i < 2; i++)
			assert_int_equal(rb_auth_signin(&r, "x@robinet.test",
			    "faux", &s, &retry), RB_DENIED);
		r.ar_device = dev;
		assert_int_equal(rb_auth_signin(&r, "x@robinet.test", "faux",
		    &s, &retry), RB_LIMITED);
	}

	/* A stolen cookie used for guessing locks itself out, with the
	   wait given, and only itself. */
	for (i = 0; i < 3; i++)
		assert_int_equal(signin_dev(f, NOW + 40, "192.0.2.200", dev,
		    "devine", NULL, &retry), RB_DENIED);
	assert_int_equal(signin_dev(f, NOW + 40, "192.0.2.201", dev, DEMO_PW,
	    NULL, &retry), RB_LIMITED);
	assert_true(retry > 0 && retry <= HOUR);
	{
		char target[128];

		snprintf(target, sizeof(target), "signin:dev:%s", hash);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
		    " WHERE action = 'ratelimit.trip' AND target = $1",
		    target), 1);
	}
	assert_int_equal(signin_dev(f, NOW + 40, "192.0.2.202", NULL, DEMO_PW,
	    NULL, &retry), RB_OK);
	/* The window over, the cookie works again. */
	assert_int_equal(signin_dev(f, NOW + 40 + HOUR, "192.0.2.1", dev,
	    DEMO_PW, NULL, &retry), RB_OK);
	/* Unused for device_ttl, it is forgotten, and purged. */
	f->cfg.ac_device_ttl = 2 * HOUR;
	assert_int_equal(signin_dev(f, NOW + 40 + 4 * HOUR, "198.51.100.60",
	    dev, "faux", NULL, &retry), RB_DENIED);
	{
		struct rb_auth_req r = req(f, NOW + 40 + 4 * HOUR);

		assert_int_equal(rb_auth_purge(&r), RB_OK);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM devices",
		    NULL), 0);
	}
}

static void
rate_limit_on_mail_requests(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	int i, retry;

	/* Each reset request may send a mail: every one counts. */
	for (i = 0; i < 5; i++)
		assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
		    RB_OK);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_LIMITED);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 5);
	r = req(f, NOW + HOUR);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_OK);
}

/* --- the archive after the move to a space --- */

static enum rb_rc
archive(struct fixture *f, time_t now, const char *pw)
{
	struct rb_auth_req r = req(f, now);
	struct rb_archive_visit v;
	int retry;

	return rb_auth_archive_open(&r, "1234567A", pw, &v, &retry);
}

static void
archive_takes_the_active_space_password(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Vandenbussche", "Gérard",
	    "legacy@robinet.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	struct rb_session s;
	char token[RB_TOKEN_LEN + 1];
	int retry;

	assert_int_equal(archive(f, NOW, "ancien-mdp-2023"), RB_OK);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW,
	    GOOD_PW, &e), RB_OK);
	/* Not active yet: the former password still opens the archive. */
	assert_int_equal(archive(f, NOW + 10, "ancien-mdp-2023"), RB_OK);
	assert_int_equal(archive(f, NOW + 10, GOOD_PW), RB_DENIED);
	assert_int_equal(outbox_token(f, "legacy@robinet.test",
	    "/activer?jeton=", token), 0);
	r = req(f, NOW + 20);
	assert_int_equal(rb_auth_activate(&r, token), RB_OK);
	/* Active: the space's password only, and the former hash is gone
	   once it has served its last purpose. */
	assert_int_equal(archive(f, NOW + 30, "ancien-mdp-2023"),
	    RB_DENIED);
	assert_int_equal(archive(f, NOW + 30, GOOD_PW), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
	    " legacy_credentials WHERE old_customer_id = '1234567A'"
	    " AND hash = '!'", NULL), 1);
	assert_int_equal(archive(f, NOW + 30, "ancien-mdp-2023"),
	    RB_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'archive.failed' AND target = 'old_id:1234567A'"
	    " AND ip = '192.0.2.10'", NULL), 3);

	/* A reset applies to the archive too. */
	r = req(f, NOW + 40);
	assert_int_equal(rb_auth_reset_request(&r, "legacy@robinet.test",
	    &retry), RB_OK);
	assert_int_equal(outbox_token(f, "legacy@robinet.test",
	    "/mot-de-passe/nouveau?jeton=", token), 0);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW " bis",
	    GOOD_PW " bis", &e), RB_OK);
	assert_int_equal(archive(f, NOW + 50, GOOD_PW), RB_DENIED);
	assert_int_equal(archive(f, NOW + 50, GOOD_PW " bis"), RB_OK);
	/* So does a change in the settings. */
	signin_ok(f, NOW + 60, "legacy@robinet.test", GOOD_PW " bis", &s);
	r = req(f, NOW + 60);
	assert_int_equal(rb_auth_change_password(&r, s.s_account_id,
	    GOOD_PW " bis", "Le canal de Roubaix 1895", "Le canal de Roubaix 1895",
	    &e), RB_OK);
	assert_int_equal(archive(f, NOW + 70, GOOD_PW " bis"), RB_DENIED);
	assert_int_equal(archive(f, NOW + 70, "Le canal de Roubaix 1895"),
	    RB_OK);
	audit_never_holds(f, "Roubaix");
}

/* --- password reset --- */

static void
reset_flow_ends_sessions(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_session s1, s2, got;
	struct rb_auth_errors e;
	char token[RB_TOKEN_LEN + 1];
	int retry;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s1);
	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s2);

	/* Same answer whether the address exists. */
	assert_int_equal(rb_auth_reset_request(&r, "inconnu@robinet.test",
	    &retry), RB_OK);
	assert_int_equal(outbox_count(f, "inconnu@robinet.test"), 0);
	assert_int_equal(rb_auth_reset_request(&r, "Demo@robinet.test",
	    &retry), RB_OK);
	assert_int_equal(outbox_token(f, DEMO_EMAIL,
	    "/mot-de-passe/nouveau?jeton=", token), 0);

	r = req(f, NOW + 300);
	assert_int_equal(rb_auth_reset_check(&r, token), RB_OK);
	assert_int_equal(rb_auth_reset_check(&r, "x"), RB_DENIED);
	assert_int_equal(rb_auth_reset(&r, token, "password1234",
	    "password1234", &e), RB_INVALID);
	assert_non_null(e.ae_msg[RB_F_PASSWORD]);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW, "autre", &e),
	    RB_INVALID);
	assert_non_null(e.ae_msg[RB_F_PASSWORD2]);
	/* Still usable after a refused form. */
	assert_int_equal(rb_auth_reset_check(&r, token), RB_OK);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW, GOOD_PW, &e),
	    RB_OK);

	/* Every session ended; not signed in; once only. */
	assert_int_equal(rb_auth_session(&r, s1.s_cookie, &got),
	    RB_DENIED);
	assert_int_equal(rb_auth_session(&r, s2.s_cookie, &got),
	    RB_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sessions", NULL),
	    0);
	assert_int_equal(rb_auth_reset_check(&r, token), RB_DENIED);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW, GOOD_PW, &e),
	    RB_DENIED);
	assert_int_equal(signin(f, NOW + 400, DEMO_EMAIL, DEMO_PW),
	    RB_DENIED);
	assert_int_equal(signin(f, NOW + 400, DEMO_EMAIL, GOOD_PW),
	    RB_OK);
	/* The account is told (reset link, then the change notice). */
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 2);

	/* A reset link lives one hour. */
	r = req(f, NOW + 500);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_OK);
	assert_int_equal(outbox_token(f, DEMO_EMAIL,
	    "/mot-de-passe/nouveau?jeton=", token), 0);
	r = req(f, NOW + 500 + HOUR);
	assert_int_equal(rb_auth_reset_check(&r, token), RB_DENIED);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW "x", GOOD_PW "x",
	    &e), RB_DENIED);
	assert_int_equal(audit_count(f, "reset.request"), 3);
	assert_int_equal(audit_count(f, "reset.done"), 1);
	audit_never_holds(f, token);
	audit_never_holds(f, GOOD_PW);
}

/* --- account settings --- */

static void
change_password_keeps_this_session_only(void **state)
{
	struct fixture *f = *state;
	struct rb_session s1, s2, got;
	struct rb_auth_errors e;
	struct rb_auth_req r;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s1);
	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s2);
	r = req(f, NOW + 10);
	r.ar_session = s1.s_id;
	assert_int_equal(rb_auth_change_password(&r, s1.s_account_id,
	    "faux", GOOD_PW, GOOD_PW, &e), RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_CURRENT_PASSWORD],
	    "Le mot de passe actuel est incorrect.");
	assert_null(e.ae_msg[RB_F_PASSWORD]);
	assert_int_equal(rb_auth_change_password(&r, s1.s_account_id,
	    DEMO_PW, "court", "court", &e), RB_INVALID);
	assert_null(e.ae_msg[RB_F_CURRENT_PASSWORD]);
	assert_non_null(e.ae_msg[RB_F_PASSWORD]);
	assert_int_equal(signin(f, NOW + 20, DEMO_EMAIL, DEMO_PW), RB_OK);

	assert_int_equal(rb_auth_change_password(&r, s1.s_account_id,
	    DEMO_PW, GOOD_PW, GOOD_PW, &e), RB_OK);
	assert_int_equal(rb_auth_session(&r, s1.s_cookie, &got), RB_OK);
	assert_int_equal(rb_auth_session(&r, s2.s_cookie, &got),
	    RB_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sessions", NULL),
	    1);
	assert_int_equal(signin(f, NOW + 30, DEMO_EMAIL, DEMO_PW),
	    RB_DENIED);
	assert_int_equal(signin(f, NOW + 30, DEMO_EMAIL, GOOD_PW), RB_OK);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 1);
	assert_int_equal(audit_count(f, "password.change"), 1);
	assert_int_equal(audit_count(f, "reauth.failed"), 1);
}

static void
change_email_waits_for_confirmation(void **state)
{
	struct fixture *f = *state;
	struct rb_session s;
	struct rb_auth_errors e;
	struct rb_auth_req r;
	char token[RB_TOKEN_LEN + 1];

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	r = req(f, NOW + 10);
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, "faux",
	    "martine@exemple.test", &e), RB_INVALID);
	assert_non_null(e.ae_msg[RB_F_CURRENT_PASSWORD]);
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    "martine@", &e), RB_INVALID);
	assert_string_equal(e.ae_msg[RB_F_EMAIL], "Adresse e-mail invalide.");
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    "DEMO@robinet.test", &e), RB_INVALID);
	assert_non_null(e.ae_msg[RB_F_EMAIL]);
	assert_int_equal(outbox_count(f, "martine@exemple.test"), 0);

	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    " Martine@Exemple.test ", &e), RB_OK);
	assert_int_equal(outbox_token(f, "Martine@Exemple.test",
	    "/mon-compte/confirmer-email?jeton=", token), 0);
	/* Nothing changes before the new address confirms. */
	assert_int_equal(signin(f, NOW + 20, DEMO_EMAIL, DEMO_PW), RB_OK);
	assert_int_equal(signin(f, NOW + 20, "martine@exemple.test", DEMO_PW),
	    RB_DENIED);

	r = req(f, NOW + 60);
	assert_int_equal(rb_auth_confirm_email(&r, token), RB_OK);
	assert_int_equal(rb_auth_confirm_email(&r, token), RB_DENIED);
	assert_int_equal(signin(f, NOW + 70, "martine@exemple.test", DEMO_PW),
	    RB_OK);
	assert_int_equal(signin(f, NOW + 70, DEMO_EMAIL, DEMO_PW),
	    RB_DENIED);
	/* The old address is told. */
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 1);
	assert_true(outbox_holds(f, DEMO_EMAIL, "Martine@Exemple.test"));
	assert_int_equal(audit_count(f, "email.change_request"), 1);
	assert_int_equal(audit_count(f, "email.change"), 1);

	/* An address taken meanwhile by another account: refused. */
	r = req(f, NOW + 100);
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    "autre@exemple.test", &e), RB_OK);
	assert_int_equal(outbox_token(f, "autre@exemple.test",
	    "/mon-compte/confirmer-email?jeton=", token), 0);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET email ="
	    " 'autre@exemple.test', email_norm = 'autre@exemple.test'"
	    " WHERE id = 2"), 0);
	assert_int_equal(rb_auth_confirm_email(&r, token), RB_DENIED);
	assert_int_equal(signin(f, NOW + 110, "martine@exemple.test", DEMO_PW),
	    RB_OK);
}

static void
add_contract_with_a_proof(void **state)
{
	struct fixture *f = *state;
	struct rb_session s;
	struct rb_auth_req r;
	json_t *list;
	int retry;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	r = req(f, NOW + 10);
	assert_int_equal(rb_auth_contracts(&r, s.s_account_id, &list),
	    RB_OK);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);

	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000041", &retry), RB_DENIED);
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000099",
	    RB_PROOF_METER, "I21BA012345", &retry), RB_DENIED);
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000005",
	    RB_PROOF_METER, "I22BA054321", &retry), RB_NO_BILL);
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id,
	    "1000 000 004", RB_PROOF_INVOICE, "FA2024-000042", &retry),
	    RB_OK);
	/* Twice is harmless. */
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &retry), RB_OK);

	assert_int_equal(rb_auth_contracts(&r, s.s_account_id, &list),
	    RB_OK);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 2), "number")), "1000000004");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "old_number")), "1234560A");
	json_decref(list);
	assert_int_equal(audit_count(f, "contract.add"), 2);
	assert_int_equal(audit_count(f, "contract.add_failed"), 2);
}


/* Copies the first text of sql (one text parameter) into out. */
static void
q_text(rb_db *db, const char *sql, const char *param, char *out, size_t size)
{
	rb_stmt *st = rb_db_prepare(db, sql);

	assert_non_null(st);
	rb_stmt_bind_text(st, 1, param, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	snprintf(out, size, "%s", rb_stmt_text(st, 0));
	rb_stmt_reset(st);
}

/* Failures counted in every rate-limit bucket so far. */
static int64_t
limit_failures(struct fixture *f)
{
	return q_int(f->db, "SELECT coalesce(sum(count), 0) FROM rate_limits",
	    NULL);
}

/* A second active account, with no contract; returns its id. */
static int64_t
other_account(struct fixture *f, const char *email)
{
	int64_t id;

	assert_int_equal(rb_account_create_pending(f->db, email, email,
	    "Autre", "Alex", "x", NOW, &id), 0);
	assert_int_equal(rb_account_activate(f->db, id, NOW), 0);
	return id;
}

/*
 * Another account proves contract 1000000001 of the demo space with each
 * proof: never linked, the same answer and the same rate-limit count as
 * a wrong proof, an audit row, and the demo space told by email.
 */
static void
add_contract_of_another_space_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW + 10);
	char invoice[64], meter[64];
	struct {
		enum rb_proof	 proof;
		const char	*right;
		const char	*wrong;
	} k[3];
	int64_t b, before, mails;
	json_t *list;
	int i, retry;

	q_text(f->db, "SELECT i.number FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1 ORDER BY i.number",
	    "1000000001", invoice, sizeof(invoice));
	q_text(f->db, "SELECT m.serial FROM meters m JOIN contracts c"
	    " ON c.id = m.contract_id WHERE c.number = $1", "1000000001",
	    meter, sizeof(meter));
	k[0].proof = RB_PROOF_EMAIL;
	k[0].right = DEMO_EMAIL;
	k[0].wrong = "autre@robinet.test";
	k[1].proof = RB_PROOF_INVOICE;
	k[1].right = invoice;
	k[1].wrong = "FA2020-999999";
	k[2].proof = RB_PROOF_METER;
	k[2].right = meter;
	k[2].wrong = "Z99ZZ999999";
	b = other_account(f, "intrus@exemple.test");
	for (i = 0; i < 3; i++) {
		before = limit_failures(f);
		mails = outbox_count(f, DEMO_EMAIL);
		assert_int_equal(rb_auth_add_contract(&r, b, "1000000001",
		    k[i].proof, k[i].wrong, &retry), RB_DENIED);
		assert_int_equal(outbox_count(f, DEMO_EMAIL), mails);
		before = limit_failures(f) - before;
		assert_true(before > 0);
		mails = limit_failures(f);
		assert_int_equal(rb_auth_add_contract(&r, b, "1000000001",
		    k[i].proof, k[i].right, &retry), RB_DENIED);
		/* Counted as a wrong proof is. */
		assert_int_equal(limit_failures(f) - mails, before);
		assert_int_equal(rb_account_may_see(f->db, b, "1000000001"), 0);
		/* Told at the first attempt; not flooded by the next. */
		assert_int_equal(outbox_count(f, DEMO_EMAIL), 1);
	}
	assert_true(outbox_holds(f, DEMO_EMAIL, "1000000001"));
	assert_true(outbox_holds(f, DEMO_EMAIL, URL "/mon-compte"));
	assert_int_equal(outbox_count(f, "intrus@exemple.test"), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM account_contracts"
	    " WHERE contract_id = 1", NULL), 1);
	assert_int_equal(audit_count(f, "contract.add_refused"), 3);
	assert_int_equal(audit_count(f, "contract.add_failed"), 3);
	assert_int_equal(audit_count(f, "contract.add"), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'contract.add_refused'"
	    " AND target = 'contract:1000000001' AND actor_kind = 'subscriber'"
	    " AND detail LIKE '%\"holder\":1%'", NULL), 3);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'contract.add_refused' AND detail LIKE"
	    " '%\"proof\":\"meter\"%'", NULL), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'contract.add_refused' AND detail LIKE"
	    " '%\"notified\":true%'", NULL), 1);
	/* An hour later, a new attempt is told again. */
	r = req(f, NOW + 10 + HOUR);
	assert_int_equal(rb_auth_add_contract(&r, b, "1000000001",
	    RB_PROOF_METER, meter, &retry), RB_DENIED);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 2);

	/* The holder sees one account, itself, on each contract. */
	assert_int_equal(rb_auth_contract_viewers(&r, 1, &list), RB_OK);
	assert_int_equal(json_array_size(list), 2);
	for (i = 0; i < 2; i++) {
		json_t *v = json_object_get(json_array_get(list, (size_t)i),
		    "viewers");

		assert_int_equal(json_array_size(v), 1);
		assert_true(json_is_true(json_object_get(json_array_get(v, 0),
		    "you")));
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(v, 0), "email")), "d•••@robinet.test");
		assert_null(json_object_get(json_array_get(v, 0), "account"));
	}
	json_decref(list);
	assert_int_equal(rb_auth_contract_viewers(&r, b, &list), RB_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

/* A pending account (never activated) is no space: a newer right proof
 * takes the contract, from creation as from "Ajouter un contrat". */
static void
pending_account_gives_way(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r = req(f, NOW);
	struct rb_profile p = { "Martin", "Paul", "paul@exemple.test" };
	struct rb_auth_errors e;
	struct rb_claim c;
	int64_t pending, q;
	int retry;

	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000042", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	pending = q_int(f->db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = $1", "paul@exemple.test");
	/* A second creation for the same contract: one link, the newer. */
	p.pr_email = "camille@exemple.test";
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	q = q_int(f->db, "SELECT id FROM web_accounts WHERE email_norm = $1",
	    "camille@exemple.test");
	assert_int_equal(q_int(f->db, "SELECT account_id FROM"
	    " account_contracts WHERE contract_id = 4", NULL), q);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'creation.register' AND detail LIKE"
	    " '%\"replaced\"%'", NULL), 1);
	assert_int_equal(rb_account_may_see(f->db, pending, "1000000004"), 0);
	/* A signed-in account with the right proof takes it from there. */
	assert_int_equal(rb_auth_add_contract(&r, 1, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &retry), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT account_id FROM"
	    " account_contracts WHERE contract_id = 4", NULL), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'contract.add' AND detail LIKE"
	    " '%\"replaced\"%'", NULL), 1);
	/* Now active, it keeps it against a later creation. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT account_id FROM"
	    " account_contracts WHERE contract_id = 4", NULL), 1);
}

static void
email_masked(void **state)
{
	char out[64];

	(void)state;
	rb_auth_mask_email("demo@robinet.test", out, sizeof(out));
	assert_string_equal(out, "d•••@robinet.test");
	rb_auth_mask_email("élodie@exemple.test", out, sizeof(out));
	assert_string_equal(out, "é•••@exemple.test");
	rb_auth_mask_email("a@b.test", out, sizeof(out));
	assert_string_equal(out, "a•••@b.test");
	rb_auth_mask_email("@b.test", out, sizeof(out));
	assert_string_equal(out, "•••");
	rb_auth_mask_email(NULL, out, sizeof(out));
	assert_string_equal(out, "•••");
	rb_auth_mask_email("demo@robinet.test", out, 8);
	assert_int_equal(strlen(out), 7);
}

static void
purge_removes_what_expired(void **state)
{
	struct fixture *f = *state;
	struct rb_session s;
	struct rb_auth_req r;
	struct rb_claim c;
	int retry;

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	r = req(f, NOW);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A", "faux", &c,
	    &retry), RB_DENIED);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_OK);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_OK);
	r = req(f, NOW + 13 * HOUR);
	assert_int_equal(rb_auth_purge(&r), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT (SELECT count(*) FROM sessions)"
	    " + (SELECT count(*) FROM claims) + (SELECT count(*) FROM tokens)"
	    " + (SELECT count(*) FROM rate_limits)", NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(signin_right_wrong_unknown),
		T(signin_refuses_pending_and_disabled),
		T(session_idle_and_absolute_expiry),
		T(signout_ends_the_session),
		T(sessions_listed_and_ended),
		T(legacy_claim),
		T(register_checks_fields),
		T(legacy_register_and_activate),
		T(register_with_another_email_tells_the_one_on_file),
		T(activation_expires_and_newer_voids_older),
		T(creation_with_each_proof),
		T(creation_denied_and_no_bill),
		T(already_active_space_answers_ok_and_tells),
		T(delay_grows_past_the_ceiling_up_to_the_maximum),
		T(rate_limit_per_contract_and_address_trips_and_releases),
		T(failures_from_everywhere_delay_but_never_refuse),
		T(rate_limit_per_ip_and_per_account),
		T(device_cookie_spares_the_owner_and_locks_itself),
		T(rate_limit_on_mail_requests),
		T(archive_takes_the_active_space_password),
		T(reset_flow_ends_sessions),
		T(change_password_keeps_this_session_only),
		T(change_email_waits_for_confirmation),
		T(add_contract_with_a_proof),
		T(add_contract_of_another_space_is_refused),
		T(pending_account_gives_way),
		cmocka_unit_test(email_masked),
		T(purge_removes_what_expired),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
