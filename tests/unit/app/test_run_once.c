/*
 * test_run_once.c: work that must happen once, done by two connections
 * at once, as two app servers on one database do: two senders claiming
 * the mail outbox never take the same message; two API token creations
 * with one place left give one token; two meter readings of the same
 * day for one meter give one reading; two password changes of one
 * account both go through; two agents correcting one customer's details
 * to the same values make one change; two clicks on one activation link
 * activate once; one card payment notified twice at once is recorded
 * once, neither an error. Each race is run several rounds,
 * the two sides released together by a barrier. On PostgreSQL
 * (RB_TEST_DB, tests/pg/cluster.sh) the engine lets both sides run and
 * refuses one (RB_RETRY), which rb_db_transact() must run again; on
 * SQLite the write lock at BEGIN lets one side in at a time.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/agentdesk.h"
#include "app/api.h"
#include "app/pay.h"
#include "app/psp_lyra.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/form.h"
#include "app/auth.h"
#include "app/auth_priv.h"
#include "app/password.h"
#include "app/readings.h"
#include "base/crypto.h"
#include "base/log.h"
#include "demo/demo.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/outbox.h"
#include "store/payments.h"
#include "store/tokens.h"
#include "mail/mail.h"

#include "../store/demo_fixture.h"
#include "race_test.h"
#include "mail_start.h"

#define NOW		((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define DB_NAME		"runonce.db"
#define ROUNDS		8
#define MAILS		120
#define TOKENS_MAX	3
#define URL		"https://eau.test"
#define GOOD_PW		"Rivière claire sous le pont 7"
#define PW_A		"Le canal du midi coule vers Sète 42"
#define PW_B		"Une source fraîche au fond du bois 9"

static char mail_dir[256];
static struct rb_auth_cfg auth_cfg;

/* What registration needs: password hashing, the mail module. */
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
	auth_cfg = rb_auth_cfg_default;
	auth_cfg.ac_public_url = URL;
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

/* One side of a race: its connection, what it runs, what it got. */
struct side {
	rb_db			*sd_db;
	void			(*sd_run)(struct side *);
	const void		*sd_in;
	int			 sd_rc;
	int			 sd_verdict;
	int64_t			*sd_ids;	/* outbox: ids claimed */
	size_t			 sd_n;
};

static void
side_run(void *arg)
{
	struct side *s = arg;

	s->sd_run(s);
}

/* Runs a and b at once, each in its own thread. */
static void
race(struct side *a, struct side *b)
{
	race_run(side_run, a, b);
}

/* Runs fn on a and b at once, each on a new connection of its own (as
 * two servers), a with input ina and b with inb; closes both
 * connections. The sides' other fields are the caller's. */
static void
race_twins(const struct fixture *f, struct side *a, struct side *b,
    void (*fn)(struct side *), const void *ina, const void *inb)
{
	a->sd_db = race_twin(f, DB_NAME);
	b->sd_db = race_twin(f, DB_NAME);
	a->sd_run = b->sd_run = fn;
	a->sd_in = ina;
	b->sd_in = inb;
	race(a, b);
	rb_db_close(a->sd_db);
	rb_db_close(b->sd_db);
}

/* Fails round unless one side got one and the other other (either way
 * round; one == other: both got it). */
static void
one_and_other(int round, const struct side *a, const struct side *b,
    int one, int other)
{
	if (!((a->sd_rc == one && b->sd_rc == other) ||
	    (a->sd_rc == other && b->sd_rc == one)))
		fail_msg("round %d: results %d and %d", round, a->sd_rc,
		    b->sd_rc);
}

static int
setup(void **state)
{
	return demo_fixture_setup(state, DB_NAME);
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* The outbox. */

static void
claim_all(struct side *s)
{
	struct rb_outbox_msg *m;
	size_t n, i, cap = MAILS;

	s->sd_ids = calloc(cap, sizeof(*s->sd_ids));
	for (;;) {
		/* Small batches, so that the two senders interleave. */
		if (rb_outbox_claim(s->sd_db, NOW, NOW + 3600, 5, 3, &m,
		    &n) != 0) {
			s->sd_rc = -1;
			return;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (s->sd_n == cap) {
				cap *= 2;
				s->sd_ids = realloc(s->sd_ids,
				    cap * sizeof(*s->sd_ids));
			}
			s->sd_ids[s->sd_n++] = m[i].om_id;
		}
		rb_outbox_msgs_free(m, n);
	}
}

static void
test_outbox_claimed_once(void **state)
{
	struct fixture *f = *state;
	unsigned char *seen;
	struct side a, b;
	int64_t id, first = 0, last = 0, due;
	size_t i;
	int k, round;

	for (round = 0; round < ROUNDS; round++) {
		/* Nothing else due: only this round's messages. */
		exec_sql(f->db, "UPDATE mail_outbox SET sent_at = 1"
		    " WHERE sent_at IS NULL", NULL);
		for (k = 0; k < MAILS; k++) {
			assert_int_equal(rb_outbox_enqueue(f->db,
			    "abonne@example.org", "Objet", "Texte", NULL,
			    NOW - 60, &id), 0);
			if (k == 0)
				first = id;
			last = id;
		}
		due = q_int(f->db, "SELECT count(*) FROM mail_outbox"
		    " WHERE sent_at IS NULL", NULL);
		assert_int_equal(due, MAILS);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_db = race_twin(f, DB_NAME);
		b.sd_db = race_twin(f, DB_NAME);
		a.sd_run = b.sd_run = claim_all;
		race(&a, &b);
		assert_int_equal(a.sd_rc, 0);
		assert_int_equal(b.sd_rc, 0);
		/* Every message taken, each by one sender only. */
		seen = calloc((size_t)(last - first + 1), 1);
		for (i = 0; i < a.sd_n + b.sd_n; i++) {
			id = i < a.sd_n ? a.sd_ids[i] : b.sd_ids[i - a.sd_n];
			assert_in_range(id, first, last);
			if (seen[id - first]++)
				fail_msg("round %d: message %lld claimed twice",
				    round, (long long)id);
		}
		assert_int_equal(a.sd_n + b.sd_n, MAILS);
		free(seen);
		free(a.sd_ids);
		free(b.sd_ids);
		rb_db_close(a.sd_db);
		rb_db_close(b.sd_db);
	}
}

/* Account creation. */

struct register_in {
	const char	*rg_token;
	const char	*rg_email;
};

static void
register_side(struct side *s)
{
	const struct register_in *in = s->sd_in;
	struct rb_profile p = { "Benali", "Karim", in->rg_email };
	struct rb_auth_errors e;
	struct rb_auth_req r;

	memset(&r, 0, sizeof(r));
	r.ar_db = s->sd_db;
	r.ar_cfg = &auth_cfg;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.20";
	s->sd_rc = rb_auth_register(&r, in->rg_token, &p, GOOD_PW, GOOD_PW,
	    &e);
}

static void
test_one_account_per_contract(void **state)
{
	struct fixture *f = *state;
	struct register_in ina, inb;
	struct rb_auth_req r;
	struct rb_claim ca, cb;
	struct side a, b;
	char email[64], ip[32];
	int round, retry;

	for (round = 0; round < ROUNDS; round++) {
		/* The same person sends the form twice, reaching two
		   servers, each with a claim of its own. */
		memset(&r, 0, sizeof(r));
		r.ar_db = f->db;
		r.ar_cfg = &auth_cfg;
		r.ar_now = NOW;
		snprintf(ip, sizeof(ip), "192.0.2.%d", 100 + round);
		r.ar_ip = ip;
		assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
		    RB_PROOF_METER, "I21BA012345", &ca, &retry), RB_OK);
		assert_int_equal(rb_auth_claim_contract(&r, "1000000004",
		    RB_PROOF_METER, "I21BA012345", &cb, &retry), RB_OK);
		snprintf(email, sizeof(email), "karim%d@robinet.test", round);
		ina.rg_token = ca.cl_token;
		inb.rg_token = cb.cl_token;
		ina.rg_email = inb.rg_email = email;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		race_twins(f, &a, &b, register_side, &ina, &inb);
		/* Both answered as a sequential run would, no error. */
		one_and_other(round, &a, &b, RB_OK, RB_OK);
		/* One account for the email, the contract's one space. */
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " web_accounts WHERE email_norm = $1", email), 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " account_contracts ac JOIN web_accounts a ON"
		    " a.id = ac.account_id JOIN contracts c ON"
		    " c.id = ac.contract_id WHERE c.number = '1000000004'"
		    " AND a.email_norm = $1", email), 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " account_contracts ac JOIN contracts c ON"
		    " c.id = ac.contract_id WHERE c.number = '1000000004'",
		    NULL), 1);
	}
}

/* API tokens. */

struct token_in {
	int64_t	ti_account;
};

static void
token_create(struct side *s)
{
	const struct token_in *in = s->sd_in;
	struct rb_auth_req r;
	char token[RB_API_TOKEN_LEN + 1];
	const char *msg = NULL;

	memset(&r, 0, sizeof(r));
	r.ar_db = s->sd_db;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.1";
	s->sd_rc = rb_api_token_create(&r, in->ti_account, "Domotique",
	    TOKENS_MAX, token, &msg);
}

static void
test_token_limit_held(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r;
	struct token_in in;
	struct side a, b;
	char token[RB_API_TOKEN_LEN + 1], acc[24];
	const char *msg;
	int k, round;

	q_text(f->db, "SELECT min(id) FROM web_accounts WHERE status ="
	    " 'active'", NULL, acc, sizeof(acc));
	in.ti_account = strtoll(acc, NULL, 10);
	assert_true(in.ti_account > 0);
	memset(&r, 0, sizeof(r));
	r.ar_db = f->db;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.1";
	for (round = 0; round < ROUNDS; round++) {
		exec_sql(f->db, "UPDATE api_tokens SET revoked_at = 1"
		    " WHERE account_id = CAST($1 AS BIGINT)"
		    " AND revoked_at IS NULL", acc);
		/* One place left. */
		for (k = 0; k < TOKENS_MAX - 1; k++)
			assert_int_equal(rb_api_token_create(&r,
			    in.ti_account, "Avant", TOKENS_MAX, token, &msg),
			    RB_OK);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		race_twins(f, &a, &b, token_create, &in, &in);
		/* One made, the other told the limit, neither an error. */
		one_and_other(round, &a, &b, RB_OK, RB_TOO_MANY);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " api_tokens WHERE account_id = CAST($1 AS BIGINT)"
		    " AND revoked_at IS NULL", acc), TOKENS_MAX);
	}
}

/* Meter readings. */

struct reading_in {
	int64_t	ri_meter;
	int64_t	ri_m3;
};

static void
reading_submit(struct side *s)
{
	const struct reading_in *in = s->sd_in;
	struct rb_reading_req rq;
	struct rb_reading_result rs;

	memset(&rq, 0, sizeof(rq));
	rq.rq_by = RB_READING_BY_AGENT;
	rq.rq_actor = 9;
	rq.rq_meter = in->ri_meter;
	rq.rq_m3 = in->ri_m3;
	rq.rq_confirmed = 1;
	rq.rq_factor = 3;
	rq.rq_now = NOW;
	s->sd_rc = rb_reading_submit(s->sd_db, &rq, &rs);
	s->sd_verdict = rs.rs_verdict;
}

static void
test_one_reading_a_day(void **state)
{
	struct fixture *f = *state;
	struct reading_in in;
	struct side a, b;
	char meter[24];
	int round;

	q_text(f->db, "SELECT m.id FROM meters m JOIN contracts c ON"
	    " c.id = m.contract_id WHERE c.number = '1000000002'", NULL,
	    meter, sizeof(meter));
	in.ri_meter = strtoll(meter, NULL, 10);
	for (round = 0; round < ROUNDS; round++) {
		exec_sql(f->db, "DELETE FROM meter_readings WHERE meter_id ="
		    " CAST($1 AS BIGINT) AND read_on >= '2026-11-29'", meter);
		in.ri_m3 = q_int(f->db, "SELECT max(index_litres) FROM"
		    " meter_readings WHERE meter_id = CAST($1 AS BIGINT)",
		    meter) / 1000 + 1 + round;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		race_twins(f, &a, &b, reading_submit, &in, &in);
		/* One recorded, the other told of today's, no error. */
		one_and_other(round, &a, &b, RB_OK, RB_OK);
		if (!((a.sd_verdict == RB_READING_RECORDED &&
		    b.sd_verdict == RB_READING_TODAY) ||
		    (a.sd_verdict == RB_READING_TODAY &&
		    b.sd_verdict == RB_READING_RECORDED)))
			fail_msg("round %d: verdicts %d and %d", round,
			    a.sd_verdict, b.sd_verdict);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " meter_readings WHERE meter_id = CAST($1 AS BIGINT)"
		    " AND read_on = '2026-11-29'", meter), 1);
	}
}

/* Account settings: two password changes of one account at once. */

struct pw_in {
	int64_t	pi_account;
};

static void
password_change(struct side *s)
{
	const struct pw_in *in = s->sd_in;
	struct rb_auth_req r;
	struct rb_auth_errors errs;

	memset(&r, 0, sizeof(r));
	r.ar_db = s->sd_db;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.1";
	r.ar_cfg = &auth_cfg;
	s->sd_rc = rb_auth_change_password(&r, in->pi_account, GOOD_PW,
	    s->sd_verdict ? PW_B : PW_A, s->sd_verdict ? PW_B : PW_A, &errs);
}

static void
test_two_password_changes(void **state)
{
	struct fixture *f = *state;
	struct pw_in in;
	struct side a, b;
	char acc[24], hash[RB_PWHASH_MAX], now[RB_PWHASH_MAX];
	int round;

	q_text(f->db, "SELECT min(id) FROM web_accounts WHERE status ="
	    " 'active'", NULL, acc, sizeof(acc));
	in.pi_account = strtoll(acc, NULL, 10);
	assert_true(in.pi_account > 0);
	assert_int_equal(rb_pwhash(GOOD_PW, hash), 0);
	for (round = 0; round < ROUNDS; round++) {
		assert_int_equal(rb_db_run(f->db, "UPDATE web_accounts SET"
		    " password_hash = $2 WHERE id = $1",
		    RB_BINDS(rb_int(in.pi_account), rb_text(hash)), NULL), 0);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		b.sd_verdict = 1;	/* b types PW_B */
		race_twins(f, &a, &b, password_change, &in, &in);
		/* Both changes went through, one after the other. */
		one_and_other(round, &a, &b, RB_OK, RB_OK);
		q_text(f->db, "SELECT password_hash FROM web_accounts WHERE"
		    " id = CAST($1 AS BIGINT)", acc, now, sizeof(now));
		assert_true(rb_pwhash_verify(now, PW_A) == 0 ||
		    rb_pwhash_verify(now, PW_B) == 0);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'password.change'", NULL), 2 * ROUNDS);
}

/*
 * The agents' desk: two agents correct one customer's details to the
 * same values at once: one change, the other told nothing changed.
 */

struct contact_in {
	int64_t		 ci_customer;
	const char	*ci_last;
};

static void
contact_correct(struct side *s)
{
	const struct contact_in *in = s->sd_in;
	struct rb_auth_req r;
	const char *notice, *msg;

	memset(&r, 0, sizeof(r));
	r.ar_db = s->sd_db;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.1";
	r.ar_cfg = &auth_cfg;
	s->sd_rc = rb_agent_contact(&r, 7, in->ci_customer, in->ci_last,
	    "Odile", "odile.fabre@exemple.fr", &notice, &msg);
}

static void
test_two_agents_correct_one_customer(void **state)
{
	struct fixture *f = *state;
	struct contact_in in;
	struct side a, b;
	char cust[24], last[32], now[128];
	int round;

	q_text(f->db, "SELECT min(customer_id) FROM contracts", NULL, cust,
	    sizeof(cust));
	in.ci_customer = strtoll(cust, NULL, 10);
	assert_true(in.ci_customer > 0);
	for (round = 0; round < ROUNDS; round++) {
		snprintf(last, sizeof(last), "Fabre-%d", round);
		in.ci_last = last;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		race_twins(f, &a, &b, contact_correct, &in, &in);
		/* One correction, the other told it is already so. */
		one_and_other(round, &a, &b, RB_OK, RB_INVALID);
		q_text(f->db, "SELECT last_name FROM customers WHERE id ="
		    " CAST($1 AS BIGINT)", cust, now, sizeof(now));
		assert_string_equal(now, last);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'customer.correct'", NULL), ROUNDS);
}

/* Activation: two clicks on one activation link at once. */

struct act_in {
	char	ai_token[RB_TOKEN_LEN + 1];
};

static void
activate_side(struct side *s)
{
	const struct act_in *in = s->sd_in;
	struct rb_auth_req r;

	memset(&r, 0, sizeof(r));
	r.ar_db = s->sd_db;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.1";
	r.ar_cfg = &auth_cfg;
	s->sd_rc = rb_auth_activate(&r, in->ai_token);
}

static void
test_two_activation_clicks(void **state)
{
	struct fixture *f = *state;
	struct act_in in;
	struct side a, b;
	char acc[24], hash[RB_TOKEN_HASH_LEN + 1];
	int64_t id;
	int round;

	q_text(f->db, "SELECT min(id) FROM web_accounts WHERE status ="
	    " 'active'", NULL, acc, sizeof(acc));
	id = strtoll(acc, NULL, 10);
	for (round = 0; round < ROUNDS; round++) {
		exec_sql(f->db, "UPDATE web_accounts SET status = 'pending'"
		    " WHERE id = CAST($1 AS BIGINT)", acc);
		rb_token_new(in.ai_token);
		rb_token_hash(in.ai_token, hash);
		assert_int_equal(rb_tokens_create(f->db, RB_TOKEN_ACTIVATION,
		    hash, id, NULL, NOW - 60, 3600), 0);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		race_twins(f, &a, &b, activate_side, &in, &in);
		/* One activates; the other finds the link used (or the
		   space active): never an error. */
		if ((a.sd_rc != RB_OK && a.sd_rc != RB_DENIED) ||
		    (b.sd_rc != RB_OK && b.sd_rc != RB_DENIED) ||
		    (a.sd_rc != RB_OK && b.sd_rc != RB_OK))
			fail_msg("round %d: results %d and %d", round,
			    a.sd_rc, b.sd_rc);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " web_accounts WHERE id = CAST($1 AS BIGINT) AND status ="
		    " 'active'", acc), 1);
	}
}

/* Card payment: the PSP notifies one payment twice at once. */

#define PSP_KEY		"1122334455667788"
#define PSP_SHOP	"12345678"

static const struct rb_psp_cfg psp_cfg = {
	PSP_SHOP, PSP_KEY, "TEST", "https://paiement.test", URL
};

struct notify_in {
	const char	*ni_body;	/* signed */
};

static void
notify_side(struct side *s)
{
	const struct notify_in *in = s->sd_in;
	rb_arena *ar = rb_arena_new();
	struct rb_pay_notice_out out;
	struct rb_pay_ctx ctx;
	struct rb_form f;

	assert_int_equal(rb_form_parse(ar, in->ni_body, strlen(in->ni_body),
	    NULL, &f, NULL), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.pc_db = s->sd_db;
	ctx.pc_now = NOW;
	ctx.pc_psp = &psp_cfg;
	ctx.pc_order_ttl = 3600;
	ctx.pc_ip = "192.0.2.9";
	s->sd_rc = rb_pay_notify(&ctx, &f, &out);
	rb_arena_free(ar);
}

/* The notice of order ref for cents, signed with PSP_KEY, into ar. */
static const char *
signed_notice(rb_arena *ar, const char *ref, int64_t cents,
    const char *uuid)
{
	struct rb_form f;
	json_t *fields;
	char sig[RB_HMAC_B64_LEN];
	const char *body;
	rb_buf enc = RB_BUF_INIT;
	size_t i;

	body = rb_arena_printf(ar, "vads_order_id=%s&vads_amount=%lld"
	    "&vads_currency=978&vads_site_id=" PSP_SHOP "&vads_ctx_mode=TEST"
	    "&vads_trans_uuid=%s&vads_trans_status=AUTHORISED", ref,
	    (long long)cents, uuid);
	assert_int_equal(rb_form_parse(ar, body, strlen(body), NULL, &f,
	    NULL), 0);
	assert_non_null(fields = rb_lyra_fields(&f));
	assert_int_equal(rb_lyra_sign(fields, PSP_KEY, sig), 0);
	json_decref(fields);
	for (i = 0; sig[i] != '\0'; i++)
		rb_buf_printf(&enc, "%%%02X", (unsigned char)sig[i]);
	body = rb_arena_printf(ar, "%s&signature=%s", body, enc.buf_data);
	rb_buf_free(&enc);
	return body;
}

static void
test_one_payment_notified_twice(void **state)
{
	struct fixture *f = *state;
	struct rb_pay_order o;
	struct notify_in in;
	struct side a, b;
	char inv[24], uuid[40], off[8];
	int64_t invoice;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		rb_arena *ar = rb_arena_new();

		snprintf(off, sizeof(off), "%d", round);
		q_text(f->db, "SELECT id FROM invoices ORDER BY id LIMIT 1"
		    " OFFSET CAST($1 AS BIGINT)", off, inv, sizeof(inv));
		invoice = strtoll(inv, NULL, 10);
		memset(&o, 0, sizeof(o));
		snprintf(o.po_ref, sizeof(o.po_ref), "CB-RACE%02d", round);
		snprintf(o.po_provider, sizeof(o.po_provider), "lyra");
		o.po_contract_id = q_int(f->db, "SELECT contract_id FROM"
		    " invoices WHERE id = CAST($1 AS BIGINT)", inv);
		o.po_archive_contract_id = o.po_contract_id;
		o.po_amount_cents = 1000 + round;
		snprintf(o.po_currency, sizeof(o.po_currency), "978");
		o.po_created_at = NOW - 60;
		o.po_expires_at = NOW + 3600;
		assert_int_equal(rb_pay_order_insert(f->db, &o), 0);
		assert_int_equal(rb_pay_item_insert(f->db, o.po_id, invoice,
		    o.po_amount_cents), 0);
		snprintf(uuid, sizeof(uuid), "0123456789abcdef0123456789abcd%02d",
		    round);
		in.ni_body = signed_notice(ar, o.po_ref, o.po_amount_cents,
		    uuid);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		race_twins(f, &a, &b, notify_side, &in, &in);
		rb_arena_free(ar);
		/* One records the payment, the other sees a replay. */
		one_and_other(round, &a, &b, RB_OK, RB_OK);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM payments"
		    " WHERE provider_ref = $1", uuid), 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " payment_orders WHERE reference = $1 AND status ="
		    " 'succeeded'", o.po_ref), 1);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'payment.succeeded'", NULL), ROUNDS);
}

/*
 * An audit written after the engine refused the transaction (a stale
 * snapshot: SQLite refuses the write, PostgreSQL the update then every
 * later statement) is the try rb_db_transact() runs again: logged at
 * debug level, never as an error.
 */
static void
test_audit_of_a_refused_try_is_no_error(void **state)
{
	struct fixture *f = *state;
	struct rb_auth_req r;
	char path[] = "/tmp/rb-runonce-log-XXXXXX", text[8192];
	rb_db *twin = race_twin(f, DB_NAME);
	ssize_t n;
	int fd;

	assert_int_equal(rb_db_exec(f->db, "CREATE TABLE ro_probe (id BIGINT"
	    " PRIMARY KEY, n BIGINT)"), 0);
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO ro_probe VALUES (1,"
	    " 0)"), 0);
	memset(&r, 0, sizeof(r));
	r.ar_db = f->db;
	r.ar_now = NOW;
	r.ar_ip = "192.0.2.1";
	assert_int_equal(rb_db_begin_read(f->db), 0);
	assert_int_equal(q_int(f->db, "SELECT n FROM ro_probe WHERE id ="
	    " CAST($1 AS BIGINT)", "1"), 0);
	assert_int_equal(rb_db_run(twin, "UPDATE ro_probe SET n = 1", NULL, 0,
	    NULL), 0);
	assert_int_equal(rb_db_run(f->db, "UPDATE ro_probe SET n = 2", NULL, 0,
	    NULL), RB_RETRY);
	assert_true((fd = mkstemp(path)) >= 0);
	rb_log_set_fd(fd);
	assert_int_equal(rb_auth_audit(&r, RB_ACTOR_SYSTEM, 0, "probe.race",
	    "probe:1", NULL), -1);
	rb_log_set_fd(2);
	assert_int_equal(rb_db_rollback(f->db), 0);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n >= 0);
	text[n] = '\0';
	if (strstr(text, "level=error") != NULL)
		fail_msg("an error logged for a refused try: %s", text);
	rb_db_close(twin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outbox_claimed_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_account_per_contract,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_limit_held,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_reading_a_day,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_password_changes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_two_agents_correct_one_customer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_activation_clicks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_one_payment_notified_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_of_a_refused_try_is_no_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup,
	    group_teardown);
}
