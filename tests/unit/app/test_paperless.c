/*
 * test_paperless.c: the paperless switch (app/paperless.h) on the demo
 * dataset: a change is written with who made it, audited with the
 * actor (subscriber or agent, with their id) and confirmed by one email
 * to the account; asking for the state it already has writes and sends
 * nothing; a contract of another account is not found, and left alone.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/paperless.h"
#include "demo/demo.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"

#include "../store/demo_fixture.h"
#include "mail_start.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */

static int
setup(void **state)
{
	struct fixture *f;
	char dir[300];

	if (demo_fixture_setup(state, "paperless.db") != 0)
		return -1;
	f = *state;
	snprintf(dir, sizeof(dir), "%s/mail", f->dir);
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
test_switch_is_audited_with_its_actor(void **state)
{
	struct fixture *f = *state;
	char number[16], s[512], want[64];
	int64_t account, was, outbox;
	int changed = -1;

	q_text(f->db, "SELECT c.number FROM contracts c JOIN account_contracts"
	    " ac ON ac.contract_id = c.id ORDER BY c.number LIMIT 1", NULL,
	    number, sizeof(number));
	account = q_int(f->db, "SELECT ac.account_id FROM account_contracts ac"
	    " JOIN contracts c ON c.id = ac.contract_id WHERE c.number = $1",
	    number);
	was = q_int(f->db, "SELECT paperless FROM contracts WHERE number = $1",
	    number);
	outbox = q_int(f->db, "SELECT count(*) FROM mail_outbox", NULL);

	/* An agent, for the subscriber. */
	assert_int_equal(rb_paperless_switch(f->db, account, number, !was,
	    RB_PAPERLESS_BY_AGENT, 77, "192.0.2.7", NOW, &changed), RB_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(q_int(f->db, "SELECT paperless FROM contracts WHERE"
	    " number = $1", number), !was);
	q_text(f->db, "SELECT paperless_by FROM contracts WHERE number = $1",
	    number, s, sizeof(s));
	assert_string_equal(s, "agent");
	q_text(f->db, "SELECT actor_kind || ' ' || actor_id || ' ' || action ||"
	    " ' ' || ip || ' ' || detail FROM audit_log WHERE target ="
	    " 'contract:' || $1 ORDER BY id DESC LIMIT 1", number, s,
	    sizeof(s));
	assert_non_null(strstr(s, "agent 77 paperless."));
	assert_non_null(strstr(s, "192.0.2.7"));
	assert_non_null(strstr(s, "\"by\":\"agent\""));
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox", NULL),
	    outbox + 1);
	q_text(f->db, "SELECT subject FROM mail_outbox ORDER BY id DESC LIMIT 1",
	    NULL, s, sizeof(s));
	assert_non_null(strstr(s, "Facture électronique"));
	assert_non_null(strstr(s, number));

	/* The same state again: nothing written, nothing sent. */
	assert_int_equal(rb_paperless_switch(f->db, account, number, !was,
	    RB_PAPERLESS_BY_SUBSCRIBER, 0, NULL, NOW, &changed), RB_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox", NULL),
	    outbox + 1);

	/* The subscriber switches back: the subscriber's own id. */
	assert_int_equal(rb_paperless_switch(f->db, account, number, was,
	    RB_PAPERLESS_BY_SUBSCRIBER, 0, NULL, NOW, &changed), RB_OK);
	assert_int_equal(changed, 1);
	snprintf(want, sizeof(want), "subscriber %lld paperless.",
	    (long long)account);
	q_text(f->db, "SELECT actor_kind || ' ' || actor_id || ' ' || action ||"
	    " ' ' || detail FROM audit_log WHERE target = 'contract:' || $1"
	    " ORDER BY id DESC LIMIT 1", number, s, sizeof(s));
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "\"by\":\"subscriber\""));
}

static void
test_other_accounts_contract_is_not_found(void **state)
{
	struct fixture *f = *state;
	char number[16];
	int64_t account, was, audits;
	int changed = -1;

	q_text(f->db, "SELECT c.number FROM contracts c JOIN account_contracts"
	    " ac ON ac.contract_id = c.id ORDER BY c.number DESC LIMIT 1",
	    NULL, number, sizeof(number));
	account = q_int(f->db, "SELECT min(ac.account_id) FROM"
	    " account_contracts ac WHERE ac.account_id NOT IN (SELECT"
	    " x.account_id FROM account_contracts x JOIN contracts c ON c.id ="
	    " x.contract_id WHERE c.number = $1)", number);
	was = q_int(f->db, "SELECT paperless FROM contracts WHERE number = $1",
	    number);
	audits = q_int(f->db, "SELECT count(*) FROM audit_log", NULL);
	assert_int_equal(rb_paperless_switch(f->db, account, number, !was,
	    RB_PAPERLESS_BY_SUBSCRIBER, 0, NULL, NOW, &changed),
	    RB_NOT_FOUND);
	assert_int_equal(changed, 0);
	assert_int_equal(rb_paperless_switch(f->db, account, "9999999999", 1,
	    RB_PAPERLESS_BY_SUBSCRIBER, 0, NULL, NOW, &changed),
	    RB_NOT_FOUND);
	assert_int_equal(q_int(f->db, "SELECT paperless FROM contracts WHERE"
	    " number = $1", number), was);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log", NULL),
	    audits);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_is_audited_with_its_actor),
		cmocka_unit_test(test_other_accounts_contract_is_not_found),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
