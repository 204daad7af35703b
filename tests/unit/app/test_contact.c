/*
 * test_contact.c: requests to customer service (app/contact.h) on the
 * demo dataset: the form token (its age, forged, from the future), a
 * request made signed out with files stored by their sniffed type and
 * acknowledged by email, the agents' queue and its filters, and each
 * agent action (assign, answer, close) with its audit row, its status
 * and, for an answer, its email and its message in the request's view;
 * views refused to other accounts.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/contact.h"
#include "demo/demo.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"

#include "../store/demo_fixture.h"
#include "mail_start.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */

static char attach_dir[300];
static const unsigned char key[] = "unit-test-key";

static const unsigned char png1[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0,
	0, 0x1f, 0x15, 0xc4, 0x89,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
};

static int
setup(void **state)
{
	struct fixture *f;
	char dir[300];

	if (demo_fixture_setup(state, "contact.db") != 0)
		return -1;
	f = *state;
	snprintf(dir, sizeof(dir), "%s/mail", f->dir);
	snprintf(attach_dir, sizeof(attach_dir), "%s/pieces", f->dir);
	if (test_mail_start(dir, "https://eau.example") != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	rb_mail_shutdown();
	return demo_fixture_teardown(state);
}

static void
cfg(struct rb_contact_cfg *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->cc_attach.ac_dir = attach_dir;
	cc->cc_attach.ac_max_bytes = 1024 * 1024;
	cc->cc_attach.ac_max_count = 3;
	cc->cc_max_chars = 1000;
	cc->cc_min_fill = 3;
	cc->cc_rl_window = 3600;
	cc->cc_rl_per_ip = 100;
	cc->cc_rl_per_email = 100;
	cc->cc_key = key;
	cc->cc_keylen = sizeof(key) - 1;
}

static void
test_form_token(void **state)
{
	struct rb_contact_cfg cc, other;
	char tok[RB_CONTACT_TOKEN_MAX], bad[RB_CONTACT_TOKEN_MAX];

	(void)state;
	cfg(&cc);
	cfg(&other);
	other.cc_key = (const unsigned char *)"another key";
	other.cc_keylen = 11;
	rb_contact_form_token(&cc, NOW, tok, sizeof(tok));
	assert_int_equal(rb_contact_token_age(&cc, tok, NOW), 0);
	assert_int_equal(rb_contact_token_age(&cc, tok, NOW + 42), 42);
	assert_int_equal(rb_contact_token_age(&cc, tok, NOW - 1), -1);
	assert_int_equal(rb_contact_token_age(&other, tok, NOW + 5), -1);
	/* The time changed, the MAC kept. */
	snprintf(bad, sizeof(bad), "%lld%s", (long long)NOW - 100,
	    strchr(tok, '.'));
	assert_int_equal(rb_contact_token_age(&cc, bad, NOW), -1);
	assert_int_equal(rb_contact_token_age(&cc, "", NOW), -1);
	assert_int_equal(rb_contact_token_age(&cc, NULL, NOW), -1);
	assert_int_equal(rb_contact_token_age(&cc, ".abc", NOW), -1);
	assert_int_equal(rb_contact_token_age(&cc, "-5.abc", NOW), -1);
}

static void
make_request(struct fixture *f, const char *subject, const char *contract,
    char *ref)
{
	struct rb_contact_cfg cc;
	struct rb_contact_errors e;
	struct rb_contact_input in;
	struct rb_upload up = { "pieces", png1, sizeof(png1) };
	struct rb_uploads files = { &up, 1 };
	char tok[RB_CONTACT_TOKEN_MAX];

	cfg(&cc);
	rb_contact_form_token(&cc, NOW - 10, tok, sizeof(tok));
	memset(&in, 0, sizeof(in));
	in.ci_name = "Jeanne <b>Martin</b>";
	in.ci_email = "Jeanne.Martin@Exemple.test";
	in.ci_contract = contract;
	in.ci_postcode = "59000";
	in.ci_subject = subject;
	in.ci_message = "Bonjour,\r\nune question.";
	in.ci_honeypot = "";
	in.ci_form_token = tok;
	in.ci_files = &files;
	in.ci_ip = "192.0.2.1";
	in.ci_now = NOW;
	assert_int_equal(rb_contact_create(f->db, &cc, &in, &e, ref, 24),
	    RB_OK);
	assert_non_null(strstr(ref, "D-2026-"));
}

static void
test_request_and_agent_actions(void **state)
{
	struct fixture *f = *state;
	struct rb_contact_cfg cc;
	struct rb_contact_errors e;
	char ref[24], ref2[24], contract[16], s[1024];
	json_t *q, *v, *msgs;
	int64_t outbox;

	cfg(&cc);
	q_text(f->db, "SELECT number FROM contracts ORDER BY number LIMIT 1",
	    NULL, contract, sizeof(contract));
	make_request(f, "debit", contract, ref);
	make_request(f, "bill", "", ref2);
	q_text(f->db, "SELECT email_norm || ' ' || subject || ' ' || status ||"
	    " ' ' || coalesce(CAST(account_id AS TEXT), 'none') FROM"
	    " contact_requests WHERE"
	    " reference = $1", ref, s, sizeof(s));
	assert_string_equal(s, "jeanne.martin@exemple.test debit new none");
	q_text(f->db, "SELECT content_type FROM attachments a JOIN"
	    " contact_requests r ON r.id = a.ref_id WHERE r.reference = $1",
	    ref, s, sizeof(s));
	assert_string_equal(s, "image/png");
	q_text(f->db, "SELECT subject FROM mail_outbox ORDER BY id DESC"
	    " LIMIT 1", NULL, s, sizeof(s));
	assert_non_null(strstr(s, ref2));

	/* The queue, filtered. */
	assert_int_equal(rb_contact_queue_list(f->db, "debit", "new", 7, 50,
	    &q), RB_OK);
	assert_int_equal(json_array_size(q), 1);
	v = json_array_get(q, 0);
	assert_string_equal(json_string_value(json_object_get(v, "reference")),
	    ref);
	assert_true(json_is_true(json_object_get(v, "debit")));
	assert_true(json_is_integer(json_object_get(v, "customer_id")));
	assert_true(json_is_false(json_object_get(v, "mine")));
	json_decref(q);
	assert_int_equal(rb_contact_queue_list(f->db, "", "", 7, 50, &q),
	    RB_OK);
	assert_int_equal(json_array_size(q), 2);
	json_decref(q);
	assert_int_equal(rb_contact_queue_list(f->db, "nope", "", 7, 50, &q),
	    RB_INVALID);
	assert_int_equal(rb_contact_queue_list(f->db, "", "x' OR 1=1", 7, 50,
	    &q), RB_INVALID);

	/* Assign: in progress, audited, mine. */
	assert_int_equal(rb_contact_assign_to(f->db, ref, 7, "192.0.2.9", NOW),
	    RB_OK);
	q_text(f->db, "SELECT status || ' ' || assigned_agent FROM"
	    " contact_requests WHERE reference = $1", ref, s, sizeof(s));
	assert_string_equal(s, "in_progress 7");
	assert_int_equal(rb_contact_queue_list(f->db, "", "in_progress", 7, 50,
	    &q), RB_OK);
	assert_true(json_is_true(json_object_get(json_array_get(q, 0),
	    "mine")));
	json_decref(q);

	/* Answer: a message, answered, emailed, audited. */
	outbox = q_int(f->db, "SELECT count(*) FROM mail_outbox", NULL);
	assert_int_equal(rb_contact_answer(f->db, &cc, ref, 7, "  ", NULL, NOW,
	    &e), RB_INVALID);
	assert_non_null(e.ce_msg[RB_CF_MESSAGE]);
	assert_int_equal(rb_contact_answer(f->db, &cc, ref, 7,
	    "C'est fait <b>.</b>", "192.0.2.9", NOW + 60, &e), RB_OK);
	q_text(f->db, "SELECT status FROM contact_requests WHERE reference ="
	    " $1", ref, s, sizeof(s));
	assert_string_equal(s, "answered");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox",
	    NULL), outbox + 1);
	q_text(f->db, "SELECT to_addr || ' ' || subject FROM mail_outbox"
	    " ORDER BY id DESC LIMIT 1", NULL, s, sizeof(s));
	assert_non_null(strstr(s, "Jeanne.Martin@Exemple.test"));
	assert_non_null(strstr(s, ref));
	assert_true(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " target = 'request:' || $1 AND action = 'contact.create' AND"
	    " actor_kind = 'anonymous'", ref) >= 1);
	assert_true(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " target = 'request:' || $1 AND action = 'contact.assign' AND"
	    " actor_kind = 'agent' AND actor_id = 7", ref) >= 1);
	assert_true(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " target = 'request:' || $1 AND action = 'contact.answer' AND"
	    " actor_kind = 'agent' AND actor_id = 7", ref) >= 1);
	assert_int_equal(rb_contact_view(f->db, ref, -1, &v), RB_OK);
	msgs = json_object_get(v, "messages");
	assert_int_equal(json_array_size(msgs), 2);
	assert_true(json_is_true(json_object_get(json_array_get(msgs, 1),
	    "agent")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    msgs, 1), "body")), "C'est fait <b>.</b>");
	assert_true(json_is_true(json_object_get(json_array_get(msgs, 0),
	    "has_attachments")));
	json_decref(v);

	/* Signed out with an address no account has: nobody sees it. */
	assert_int_equal(rb_contact_view(f->db, ref, q_int(f->db,
	    "SELECT min(id) FROM web_accounts", NULL), &v), RB_NOT_FOUND);
	assert_int_equal(rb_contact_view(f->db, "D-2026-999999", -1, &v),
	    RB_NOT_FOUND);

	/* Close: no more answers. */
	assert_int_equal(rb_contact_close(f->db, ref, 7, NULL, NOW + 120),
	    RB_OK);
	assert_int_equal(rb_contact_answer(f->db, &cc, ref, 7, "Encore", NULL,
	    NOW + 180, &e), RB_INVALID);
	assert_non_null(e.ce_alert);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'contact.close' AND actor_id = 7", NULL), 1);
	assert_int_equal(rb_contact_close(f->db, "D-2026-999999", 7, NULL,
	    NOW), RB_NOT_FOUND);
	assert_int_equal(rb_contact_assign_to(f->db, "<script>", 7, NULL,
	    NOW), RB_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_token),
		cmocka_unit_test_setup_teardown(test_request_and_agent_actions,
		    setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
