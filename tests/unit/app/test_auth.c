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
#include "demo/demo.h"
#include "app/password.h"
#include "base/crypto.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"

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
	struct rb_mail_cfg mc;
	char err[300];

	(void)state;
	test_mkdtemp(mail_dir, sizeof(mail_dir));
	if (rb_crypto_init(&pp, err, sizeof(err)) != 0 ||
	    rb_password_load_list(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	memset(&mc, 0, sizeof(mc));
	mc.mc_public_url = URL;
	mc.mc_from = "Robinet <ne-pas-repondre@eau.test>";
	mc.mc_demo = 1;
	mc.mc_mail_dir = mail_dir;
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
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
	char url[400], err[256];

	*state = f;
	if (f == NULL)
		return -1;
	test_mkdtemp(f->dir, sizeof(f->dir));
	test_db_url(url, sizeof(url), f->dir, "auth.db");
	if (rb_db_open(url, &f->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (rb_migrate(f->db, NULL) != 0 || rb_demo_generate(f->db, &o) != 0)
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

	assert_int_equal(rb_auth_signin(&r, email, pw, s, &retry), RB_AUTH_OK);
	assert_int_equal(retry, 0);
}

static enum rb_auth_rc
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
	    RB_AUTH_DENIED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(signin(f, NOW, "personne@robinet.test",
	    "mauvais-mot-de-passe"), RB_AUTH_DENIED);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	/* The unknown email burned a hash too (dummy): no shortcut. */
	assert_true(elapsed(&t1, &t2) > elapsed(&t0, &t1) / 3);
	assert_int_equal(signin(f, NOW, "pas une adresse", DEMO_PW),
	    RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW, NULL, NULL), RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW, DEMO_EMAIL, ""), RB_AUTH_DENIED);

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
		    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_OK);
		assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW,
		    GOOD_PW, &e), RB_AUTH_OK);
	}
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test", GOOD_PW),
	    RB_AUTH_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'signin.failed'"
	    " AND detail LIKE '%\"pending\"%'", NULL), 1);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'active' WHERE email_norm = 'arrivant@robinet.test'"), 0);
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test", GOOD_PW),
	    RB_AUTH_OK);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET status ="
	    " 'disabled' WHERE email_norm = 'arrivant@robinet.test'"), 0);
	assert_int_equal(signin(f, NOW + 60, "arrivant@robinet.test", GOOD_PW),
	    RB_AUTH_DENIED);
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
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got), RB_AUTH_OK);
	assert_int_equal(got.s_id, s.s_id);
	assert_int_equal(got.s_account_id, s.s_account_id);
	assert_string_equal(got.s_csrf, s.s_csrf);
	assert_string_equal(got.s_email, DEMO_EMAIL);
	assert_string_equal(got.s_cookie, "");
	/* Idle: 30 min without use ends it. */
	r = req(f, NOW + 60 + 30 * 60);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_AUTH_DENIED);
	assert_int_equal(got.s_id, 0);
	r = req(f, NOW + 61);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_AUTH_DENIED);

	/* Absolute: 12 h after sign-in, however busy. */
	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	for (t = NOW + 20 * 60; t < NOW + 12 * HOUR; t += 20 * 60) {
		r = req(f, t);
		assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
		    RB_AUTH_OK);
	}
	r = req(f, NOW + 12 * HOUR);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_AUTH_DENIED);

	/* Not a token at all. */
	r = req(f, NOW);
	assert_int_equal(rb_auth_session(&r, NULL, &got), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_session(&r, "abc", &got), RB_AUTH_DENIED);
}

static void
signout_ends_the_session(void **state)
{
	struct fixture *f = *state;
	struct rb_session s, other, got;
	struct rb_auth_req r = req(f, NOW + 10);

	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &s);
	signin_ok(f, NOW, DEMO_EMAIL, DEMO_PW, &other);
	assert_int_equal(rb_auth_signout(&r, s.s_cookie), RB_AUTH_OK);
	assert_int_equal(rb_auth_session(&r, s.s_cookie, &got),
	    RB_AUTH_DENIED);
	assert_int_equal(rb_auth_session(&r, other.s_cookie, &got),
	    RB_AUTH_OK);
	assert_int_equal(audit_count(f, "signout"), 1);
	/* Again, or without a cookie: nothing to do, still OK. */
	assert_int_equal(rb_auth_signout(&r, s.s_cookie), RB_AUTH_OK);
	assert_int_equal(rb_auth_signout(&r, NULL), RB_AUTH_OK);
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
	    &list), RB_AUTH_OK);
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
	    karim.s_id), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_session(&r, karim.s_cookie, &got),
	    RB_AUTH_OK);

	assert_int_equal(rb_auth_session_end(&r, s1.s_account_id, s1.s_id),
	    RB_AUTH_OK);
	assert_int_equal(rb_auth_session(&r, s1.s_cookie, &got),
	    RB_AUTH_DENIED);
	assert_int_equal(rb_auth_session(&r, s2.s_cookie, &got), RB_AUTH_OK);
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
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_OK);
	assert_int_equal(retry, 0);
	assert_int_equal(strlen(c.cl_token), RB_TOKEN_LEN);
	assert_string_equal(c.cl_contract, "1000000003");
	assert_string_equal(c.cl_last_name, "Vandenbussche");
	assert_string_equal(c.cl_first_name, "Gérard");
	assert_string_equal(c.cl_email, "legacy@robinet.test");
	assert_int_equal(rb_auth_claim_get(&r, c.cl_token, &again),
	    RB_AUTH_OK);
	assert_string_equal(again.cl_token, c.cl_token);
	assert_string_equal(again.cl_contract, "1000000003");
	assert_string_equal(again.cl_email, "legacy@robinet.test");

	assert_int_equal(rb_auth_claim_legacy(&r, " 1234 567A ",
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_OK);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A", "ancien-mdp-2024",
	    &c, &retry), RB_AUTH_DENIED);
	assert_string_equal(c.cl_token, "");
	assert_int_equal(rb_auth_claim_legacy(&r, "7654321B",
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_legacy(&r, "12#4567A",
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_DENIED);
	/* Already moved (the demo subscriber in 2024). */
	assert_int_equal(rb_auth_claim_legacy(&r, "1234560A", "!", &c,
	    &retry), RB_AUTH_DENIED);

	assert_int_equal(audit_count(f, "migration.claim"), 2);
	assert_int_equal(audit_count(f, "migration.failed"), 4);
	audit_never_holds(f, "ancien-mdp");

	/* A claim expires (30 min). */
	r = req(f, NOW + 30 * 60);
	assert_int_equal(rb_auth_claim_get(&r, again.cl_token, &c),
	    RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_get(&r, "pas-un-jeton", &c),
	    RB_AUTH_DENIED);
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
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_OK);

	p.pr_email = "legacy@robinet";
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_INVALID);
	assert_string_equal(e.ae_msg[RB_F_EMAIL], "Adresse e-mail invalide.");
	for (i = 0; i < RB_F__MAX; i++)
		if (i != RB_F_EMAIL)
			assert_null(e.ae_msg[i]);
	p.pr_email = "gé rard@robinet.test";
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_INVALID);
	assert_string_equal(e.ae_msg[RB_F_EMAIL], "Adresse e-mail invalide.");
	p.pr_email = "legacy@robinet.test";

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW,
	    GOOD_PW "!", &e), RB_AUTH_INVALID);
	assert_string_equal(e.ae_msg[RB_F_PASSWORD2],
	    "Les deux mots de passe ne correspondent pas.");
	assert_null(e.ae_msg[RB_F_PASSWORD]);

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, "password1234",
	    "password1234", &e), RB_AUTH_INVALID);
	assert_non_null(e.ae_msg[RB_F_PASSWORD]);
	assert_non_null(strstr(e.ae_msg[RB_F_PASSWORD], "courant"));
	assert_null(e.ae_msg[RB_F_PASSWORD2]);

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p,
	    "vandenbussche et ses 3 chats", "vandenbussche et ses 3 chats", &e),
	    RB_AUTH_INVALID);
	assert_string_equal(e.ae_msg[RB_F_PASSWORD],
	    "Le mot de passe ne doit pas contenir votre nom.");

	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, "court",
	    "court", &e), RB_AUTH_INVALID);
	assert_non_null(strstr(e.ae_msg[RB_F_PASSWORD], "12 caractères"));

	p.pr_last_name = "  ";
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_INVALID);
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
		    RB_AUTH_OK);
	}
	/* An unknown claim is refused before anything else. */
	assert_int_equal(rb_auth_register(&r, "x", &p, GOOD_PW, GOOD_PW, &e),
	    RB_AUTH_DENIED);
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
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_OK);
	/* The old password may serve again: it meets the policy. */
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p,
	    "ancien-mdp-2023", "ancien-mdp-2023", &e), RB_AUTH_OK);
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

	/* The old id no longer opens the new space; the claim is spent. */
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
	    " legacy_credentials WHERE old_customer_id = '1234567A'"
	    " AND migrated_at = 1795946400 AND hash LIKE '$argon2id$%'",
	    NULL), 1);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p,
	    "ancien-mdp-2023", "ancien-mdp-2023", &e), RB_AUTH_DENIED);

	/* Pending until activated, then in; the link serves once. */
	assert_int_equal(signin(f, NOW + 60, "legacy@robinet.test",
	    "ancien-mdp-2023"), RB_AUTH_DENIED);
	r = req(f, NOW + 120);
	assert_int_equal(rb_auth_activate(&r, token), RB_AUTH_OK);
	assert_int_equal(rb_auth_activate(&r, token), RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW + 180, "legacy@robinet.test",
	    "ancien-mdp-2023"), RB_AUTH_OK);

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
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_OK);
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
	    RB_PROOF_EMAIL, "arrivant@robinet.test", &c, &retry), RB_AUTH_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_OK);
	assert_int_equal(outbox_token(f, "arrivant@robinet.test",
	    "/activer?jeton=", t1), 0);

	/* "Renvoyer le courriel": a new token voids the first. */
	r = req(f, NOW + 60);
	assert_int_equal(rb_auth_resend(&r, "Arrivant@robinet.test", &retry),
	    RB_AUTH_OK);
	assert_int_equal(outbox_token(f, "arrivant@robinet.test",
	    "/activer?jeton=", t2), 0);
	assert_string_not_equal(t1, t2);
	assert_int_equal(rb_auth_activate(&r, t1), RB_AUTH_DENIED);

	/* 24 hours later the second has expired too. */
	r = req(f, NOW + 60 + 24 * HOUR);
	assert_int_equal(rb_auth_activate(&r, t2), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_resend(&r, "arrivant@robinet.test", &retry),
	    RB_AUTH_OK);
	assert_int_equal(outbox_token(f, "arrivant@robinet.test",
	    "/activer?jeton=", t3), 0);
	r = req(f, NOW + 120 + 24 * HOUR);
	assert_int_equal(rb_auth_activate(&r, t3), RB_AUTH_OK);
	assert_int_equal(signin(f, NOW + 180 + 24 * HOUR,
	    "arrivant@robinet.test", GOOD_PW), RB_AUTH_OK);

	/* Resending for an unknown or active address: same answer,
	   nothing sent. */
	assert_int_equal(rb_auth_resend(&r, "arrivant@robinet.test", &retry),
	    RB_AUTH_OK);
	assert_int_equal(rb_auth_resend(&r, "inconnu@robinet.test", &retry),
	    RB_AUTH_OK);
	assert_int_equal(outbox_count(f, "arrivant@robinet.test"), 3);
	assert_int_equal(outbox_count(f, "inconnu@robinet.test"), 0);
	assert_int_equal(rb_auth_activate(&r, NULL), RB_AUTH_DENIED);
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
	    RB_PROOF_EMAIL, " ARRIVANT@robinet.test", &c, &retry), RB_AUTH_OK);
	assert_int_equal(retry, 0);
	assert_string_equal(c.cl_contract, "1000000004");
	assert_string_equal(c.cl_last_name, "Benali");
	assert_string_equal(c.cl_email, "ARRIVANT@robinet.test");

	assert_int_equal(rb_auth_claim_contract(&r, "1000 000 004",
	    RB_PROOF_INVOICE, "fa2024 000042", &c, &retry), RB_AUTH_OK);
	assert_string_equal(c.cl_contract, "1000000004");
	assert_string_equal(c.cl_first_name, "Karim");
	assert_string_equal(c.cl_email, "");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000042", &c, &retry), RB_AUTH_OK);

	/* A meter can be seen by neighbours: nothing pre-filled. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "i21ba012345", &c, &retry), RB_AUTH_OK);
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
	    RB_PROOF_METER, "I22BA054321", &c, &retry), RB_AUTH_NO_BILL);
	assert_string_equal(c.cl_token, "");
	/* A wrong proof there is DENIED, not NO_BILL. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000005",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_DENIED);
	/* Once customer service has sent the letter, it may. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE contracts SET"
	    " can_create_account = 1 WHERE number = '1000000005'"), 0);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000005",
	    RB_PROOF_METER, "I22BA054321", &c, &retry), RB_AUTH_OK);

	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I22BA054321", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_EMAIL, "autre@robinet.test", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000043", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "1000000099",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, "abc", RB_PROOF_EMAIL,
	    "arrivant@robinet.test", &c, &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_contract(&r, NULL, RB_PROOF_EMAIL, NULL,
	    &c, &retry), RB_AUTH_DENIED);
	/* An email on file elsewhere proves nothing here. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_EMAIL, DEMO_EMAIL, &c, &retry), RB_AUTH_DENIED);
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
	    RB_PROOF_EMAIL, DEMO_EMAIL, &c, &retry), RB_AUTH_OK);
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_OK);
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
	    RB_PROOF_INVOICE, "FA2024-000042", &c, &retry), RB_AUTH_OK);
	p.pr_email = DEMO_EMAIL;
	assert_int_equal(rb_auth_register(&r, c.cl_token, &p, GOOD_PW, GOOD_PW,
	    &e), RB_AUTH_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM web_accounts",
	    NULL), accounts);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM account_contracts"
	    " WHERE contract_id = 4", NULL), 0);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 2);
	assert_false(outbox_holds(f, DEMO_EMAIL, "/activer"));
	/* And the holder of 1000000004 learns someone asked. */
	assert_int_equal(outbox_count(f, "arrivant@robinet.test"), 1);
	assert_int_equal(signin(f, NOW, DEMO_EMAIL, DEMO_PW), RB_AUTH_OK);
}

/* --- rate limits --- */

static void
rate_limit_per_contract_trips_and_releases(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r;
	struct rb_claim c;
	int i, retry, first;

	/* Ten wrong proofs within the hour, from ten addresses. */
	for (i = 0; i < 10; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		r = req_ip(f, NOW + i * 60, ip);
		assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
		    RB_PROOF_METER, "I00AA000000", &c, &retry),
		    RB_AUTH_DENIED);
		assert_int_equal(retry, 0);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'ratelimit.trip'"
	    " AND target = 'proof:id:1000000004'", NULL), 1);
	/* Then even the right proof waits, with the delay given. */
	r = req_ip(f, NOW + 10 * 60, "203.0.113.5");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_LIMITED);
	assert_true(retry > 0 && retry <= HOUR);
	first = retry;
	/* The wait shrinks as time passes... */
	r = req_ip(f, NOW + 30 * 60, "203.0.113.5");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_LIMITED);
	assert_int_equal(retry, first - 20 * 60);
	/* ...other contracts are not held back... */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000001",
	    RB_PROOF_EMAIL, DEMO_EMAIL, &c, &retry), RB_AUTH_OK);
	/* ...and once the oldest failure has left the window, one more
	   attempt is let in. */
	r = req_ip(f, NOW + 10 * 60 + first, "203.0.113.5");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_OK);
	/* A success forgets the contract's failures. */
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_OK);
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
		    RB_AUTH_DENIED);
	}
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_LIMITED);
	assert_int_equal(retry, HOUR);
	r = req_ip(f, NOW, "192.0.2.67");
	assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &c, &retry), RB_AUTH_OK);

	/* Sign-in: per account (the email), whatever the address. */
	f->cfg.ac_rl_per_ip = 0;	/* back to the default */
	f->cfg.ac_rl_per_account = 3;
	for (i = 0; i < 3; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.51.100.%d", 50 + i);
		r = req_ip(f, NOW + i, ip);
		assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, "faux",
		    &s, &retry), RB_AUTH_DENIED);
	}
	r = req_ip(f, NOW + 10, "198.51.100.99");
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_AUTH_LIMITED);
	assert_true(retry > 0 && retry <= HOUR);
	assert_string_equal(s.s_cookie, "");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'ratelimit.trip'"
	    " AND target = 'signin:id:" DEMO_EMAIL "'", NULL), 1);
	/* Never for good: an hour later the right password works. */
	r = req_ip(f, NOW + HOUR, "198.51.100.99");
	assert_int_equal(rb_auth_signin(&r, DEMO_EMAIL, DEMO_PW, &s, &retry),
	    RB_AUTH_OK);

	/* Overall. */
	f->cfg.ac_rl_global = 2;
	for (i = 0; i < 2; i++) {
		r = req_ip(f, NOW + 2 * HOUR, "198.51.100.200");
		assert_int_equal(rb_auth_claim_legacy(&r, "7654321B", "x", &c,
		    &retry), RB_AUTH_DENIED);
	}
	r = req_ip(f, NOW + 2 * HOUR, "198.51.100.201");
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_LIMITED);
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
		    RB_AUTH_OK);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_AUTH_LIMITED);
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 5);
	r = req(f, NOW + HOUR);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_AUTH_OK);
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
	    &retry), RB_AUTH_OK);
	assert_int_equal(outbox_count(f, "inconnu@robinet.test"), 0);
	assert_int_equal(rb_auth_reset_request(&r, "Demo@robinet.test",
	    &retry), RB_AUTH_OK);
	assert_int_equal(outbox_token(f, DEMO_EMAIL,
	    "/mot-de-passe/nouveau?jeton=", token), 0);

	r = req(f, NOW + 300);
	assert_int_equal(rb_auth_reset_check(&r, token), RB_AUTH_OK);
	assert_int_equal(rb_auth_reset_check(&r, "x"), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_reset(&r, token, "password1234",
	    "password1234", &e), RB_AUTH_INVALID);
	assert_non_null(e.ae_msg[RB_F_PASSWORD]);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW, "autre", &e),
	    RB_AUTH_INVALID);
	assert_non_null(e.ae_msg[RB_F_PASSWORD2]);
	/* Still usable after a refused form. */
	assert_int_equal(rb_auth_reset_check(&r, token), RB_AUTH_OK);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW, GOOD_PW, &e),
	    RB_AUTH_OK);

	/* Every session ended; not signed in; once only. */
	assert_int_equal(rb_auth_session(&r, s1.s_cookie, &got),
	    RB_AUTH_DENIED);
	assert_int_equal(rb_auth_session(&r, s2.s_cookie, &got),
	    RB_AUTH_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sessions", NULL),
	    0);
	assert_int_equal(rb_auth_reset_check(&r, token), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW, GOOD_PW, &e),
	    RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW + 400, DEMO_EMAIL, DEMO_PW),
	    RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW + 400, DEMO_EMAIL, GOOD_PW),
	    RB_AUTH_OK);
	/* The account is told (reset link, then the change notice). */
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 2);

	/* A reset link lives one hour. */
	r = req(f, NOW + 500);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_AUTH_OK);
	assert_int_equal(outbox_token(f, DEMO_EMAIL,
	    "/mot-de-passe/nouveau?jeton=", token), 0);
	r = req(f, NOW + 500 + HOUR);
	assert_int_equal(rb_auth_reset_check(&r, token), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_reset(&r, token, GOOD_PW "x", GOOD_PW "x",
	    &e), RB_AUTH_DENIED);
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
	    "faux", GOOD_PW, GOOD_PW, &e), RB_AUTH_INVALID);
	assert_string_equal(e.ae_msg[RB_F_CURRENT_PASSWORD],
	    "Le mot de passe actuel est incorrect.");
	assert_null(e.ae_msg[RB_F_PASSWORD]);
	assert_int_equal(rb_auth_change_password(&r, s1.s_account_id,
	    DEMO_PW, "court", "court", &e), RB_AUTH_INVALID);
	assert_null(e.ae_msg[RB_F_CURRENT_PASSWORD]);
	assert_non_null(e.ae_msg[RB_F_PASSWORD]);
	assert_int_equal(signin(f, NOW + 20, DEMO_EMAIL, DEMO_PW), RB_AUTH_OK);

	assert_int_equal(rb_auth_change_password(&r, s1.s_account_id,
	    DEMO_PW, GOOD_PW, GOOD_PW, &e), RB_AUTH_OK);
	assert_int_equal(rb_auth_session(&r, s1.s_cookie, &got), RB_AUTH_OK);
	assert_int_equal(rb_auth_session(&r, s2.s_cookie, &got),
	    RB_AUTH_DENIED);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sessions", NULL),
	    1);
	assert_int_equal(signin(f, NOW + 30, DEMO_EMAIL, DEMO_PW),
	    RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW + 30, DEMO_EMAIL, GOOD_PW), RB_AUTH_OK);
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
	    "martine@exemple.test", &e), RB_AUTH_INVALID);
	assert_non_null(e.ae_msg[RB_F_CURRENT_PASSWORD]);
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    "martine@", &e), RB_AUTH_INVALID);
	assert_string_equal(e.ae_msg[RB_F_EMAIL], "Adresse e-mail invalide.");
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    "DEMO@robinet.test", &e), RB_AUTH_INVALID);
	assert_non_null(e.ae_msg[RB_F_EMAIL]);
	assert_int_equal(outbox_count(f, "martine@exemple.test"), 0);

	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    " Martine@Exemple.test ", &e), RB_AUTH_OK);
	assert_int_equal(outbox_token(f, "Martine@Exemple.test",
	    "/mon-compte/confirmer-email?jeton=", token), 0);
	/* Nothing changes before the new address confirms. */
	assert_int_equal(signin(f, NOW + 20, DEMO_EMAIL, DEMO_PW), RB_AUTH_OK);
	assert_int_equal(signin(f, NOW + 20, "martine@exemple.test", DEMO_PW),
	    RB_AUTH_DENIED);

	r = req(f, NOW + 60);
	assert_int_equal(rb_auth_confirm_email(&r, token), RB_AUTH_OK);
	assert_int_equal(rb_auth_confirm_email(&r, token), RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW + 70, "martine@exemple.test", DEMO_PW),
	    RB_AUTH_OK);
	assert_int_equal(signin(f, NOW + 70, DEMO_EMAIL, DEMO_PW),
	    RB_AUTH_DENIED);
	/* The old address is told. */
	assert_int_equal(outbox_count(f, DEMO_EMAIL), 1);
	assert_true(outbox_holds(f, DEMO_EMAIL, "Martine@Exemple.test"));
	assert_int_equal(audit_count(f, "email.change_request"), 1);
	assert_int_equal(audit_count(f, "email.change"), 1);

	/* An address taken meanwhile by another account: refused. */
	r = req(f, NOW + 100);
	assert_int_equal(rb_auth_change_email(&r, s.s_account_id, DEMO_PW,
	    "autre@exemple.test", &e), RB_AUTH_OK);
	assert_int_equal(outbox_token(f, "autre@exemple.test",
	    "/mon-compte/confirmer-email?jeton=", token), 0);
	assert_int_equal(rb_db_exec(f->db, "UPDATE web_accounts SET email ="
	    " 'autre@exemple.test', email_norm = 'autre@exemple.test'"
	    " WHERE id = 2"), 0);
	assert_int_equal(rb_auth_confirm_email(&r, token), RB_AUTH_DENIED);
	assert_int_equal(signin(f, NOW + 110, "martine@exemple.test", DEMO_PW),
	    RB_AUTH_OK);
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
	    RB_AUTH_OK);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);

	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000004",
	    RB_PROOF_INVOICE, "FA2024-000041", &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000099",
	    RB_PROOF_METER, "I21BA012345", &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000005",
	    RB_PROOF_METER, "I22BA054321", &retry), RB_AUTH_NO_BILL);
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id,
	    "1000 000 004", RB_PROOF_INVOICE, "FA2024-000042", &retry),
	    RB_AUTH_OK);
	/* Twice is harmless. */
	assert_int_equal(rb_auth_add_contract(&r, s.s_account_id, "1000000004",
	    RB_PROOF_METER, "I21BA012345", &retry), RB_AUTH_OK);

	assert_int_equal(rb_auth_contracts(&r, s.s_account_id, &list),
	    RB_AUTH_OK);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 2), "number")), "1000000004");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "old_number")), "1234560A");
	json_decref(list);
	assert_int_equal(audit_count(f, "contract.add"), 2);
	assert_int_equal(audit_count(f, "contract.add_failed"), 2);
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
	    &retry), RB_AUTH_DENIED);
	assert_int_equal(rb_auth_claim_legacy(&r, "1234567A",
	    "ancien-mdp-2023", &c, &retry), RB_AUTH_OK);
	assert_int_equal(rb_auth_reset_request(&r, DEMO_EMAIL, &retry),
	    RB_AUTH_OK);
	r = req(f, NOW + 13 * HOUR);
	assert_int_equal(rb_auth_purge(&r), RB_AUTH_OK);
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
		T(rate_limit_per_contract_trips_and_releases),
		T(rate_limit_per_ip_and_per_account),
		T(rate_limit_on_mail_requests),
		T(reset_flow_ends_sessions),
		T(change_password_keeps_this_session_only),
		T(change_email_waits_for_confirmation),
		T(add_contract_with_a_proof),
		T(purge_removes_what_expired),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
