/*
 * test_agentdesk.c: the agents' customer search and customer file
 * (app/agentdesk.h, store/custsearch.h, store/custfile.h) on the demo
 * dataset: every kind of search told from its shape and forced, with
 * counts checked against plain SQL over the same rows; case, accents,
 * ligatures and word order in names; the name keys written by the demo,
 * by rb_custsearch_key_update() and by rb_custsearch_fill_keys(); the
 * cap of 50 hits with the full count; bad queries refused in French;
 * the customer file with the IBAN masked and its view audited, and its
 * requests: those of the customer's accounts and those quoting one of
 * its contract numbers, each once, newest first.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/mem.h"
#include "app/agentdesk.h"
#include "demo/demo.h"
#include "store/custsearch.h"
#include "store/db.h"
#include "store/migrate.h"

#include "../store/demo_fixture.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */

/* The demo, then its name keys, as `robinet demo` writes them. */
static int
setup(void **state)
{
	struct fixture *f;
	int64_t filled = 0;

	if (demo_fixture_setup(state, "agentdesk.db") != 0)
		return -1;
	f = *state;
	if (rb_custsearch_fill_keys(f->db, &filled) != 0 || filled < 50)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* Runs the search q (kind forced unless NULL) and returns its answer,
 * failing the test unless it is RB_OK. */
static json_t *
search(struct fixture *f, const char *q, const char *kind)
{
	const char *msg = NULL;
	json_t *out = NULL;
	enum rb_rc rc = rb_agent_search(f->db, q, kind, &out, &msg);

	if (rc != RB_OK)
		fprintf(stderr, "search \"%s\": %d %s\n", q, rc,
		    msg != NULL ? msg : "");
	assert_int_equal(rc, RB_OK);
	assert_non_null(out);
	return out;
}

/* 1 when the answer has a hit for contract number. */
static int
has_contract(const json_t *out, const char *number)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(out, "hits"), i, h)
		if (strcmp(json_string_value(json_object_get(h, "number")),
		    number) == 0)
			return 1;
	return 0;
}

static int64_t
count_of(const json_t *out)
{
	return json_integer_value(json_object_get(out, "count"));
}

static const char *
first_kind(const json_t *out)
{
	return json_string_value(json_array_get(json_object_get(out, "kinds"),
	    0));
}

static void
test_name_case_accents_order(void **state)
{
	struct fixture *f = *state;
	const char *forms[] = { "beghin", "BÉGHIN", "Béghin", "  bEgHiN ",
	    "Beg" };
	int64_t want;
	json_t *out, *h;
	size_t i, k;

	want = q_int(f->db, "SELECT count(*) FROM contracts c JOIN customers"
	    " cu ON cu.id = c.customer_id WHERE cu.last_name = 'Béghin'", NULL);
	assert_true(want > 0);
	for (k = 0; k < 4; k++) {
		out = search(f, forms[k], NULL);
		assert_string_equal(first_kind(out), "nom");
		assert_int_equal(count_of(out), want);
		json_array_foreach(json_object_get(out, "hits"), i, h)
			assert_string_equal(json_string_value(json_object_get(h,
			    "last_name")), "Béghin");
		json_decref(out);
	}
	/* A prefix of three letters finds them too. */
	out = search(f, forms[4], NULL);
	assert_true(count_of(out) >= want);
	json_decref(out);

	/* Last name then first name, and first name then last name. */
	out = search(f, "Vandenbussche Gérard", NULL);
	assert_true(has_contract(out, "1000000003"));
	json_decref(out);
	out = search(f, "gerard vandenbussche", NULL);
	assert_true(has_contract(out, "1000000003"));
	json_decref(out);
	/* A name nobody has. */
	out = search(f, "Zzyzx", NULL);
	assert_int_equal(count_of(out), 0);
	assert_int_equal(json_array_size(json_object_get(out, "hits")), 0);
	json_decref(out);
}

static void
test_name_key_update_ligature_apostrophe(void **state)
{
	struct fixture *f = *state;
	int64_t id;
	json_t *out;

	/* A customer written without its key, as by hand. */
	id = q_int(f->db, "SELECT customer_id FROM contracts WHERE number ="
	    " '1000000006'", NULL);
	exec_sql(f->db, "UPDATE customers SET last_name = 'Lœuillet-N''Diaye',"
	    " name_key = NULL WHERE id = (SELECT customer_id FROM contracts"
	    " WHERE number = $1)", "1000000006");
	out = search(f, "loeuillet", NULL);
	assert_false(has_contract(out, "1000000006"));
	json_decref(out);
	assert_int_equal(rb_custsearch_key_update(f->db, id), 0);
	assert_int_equal(rb_custsearch_key_update(f->db, 999999999), 1);
	out = search(f, "loeuillet", NULL);
	assert_true(has_contract(out, "1000000006"));
	json_decref(out);
	out = search(f, "LŒUILLET NDIAYE", NULL);
	assert_true(has_contract(out, "1000000006"));
	json_decref(out);
	out = search(f, "Lœuillet n'diaye", NULL);
	assert_true(has_contract(out, "1000000006"));
	json_decref(out);
}

static void
test_fill_keys(void **state)
{
	struct fixture *f = *state;
	int64_t filled = -1, n;
	json_t *out;

	n = q_int(f->db, "SELECT count(*) FROM customers", NULL);
	exec_sql(f->db, "UPDATE customers SET name_key = NULL", NULL);
	out = search(f, "beghin", NULL);
	assert_int_equal(count_of(out), 0);
	json_decref(out);
	assert_int_equal(rb_custsearch_fill_keys(f->db, &filled), 0);
	assert_int_equal(filled, n);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM customers WHERE"
	    " name_key IS NULL", NULL), 0);
	out = search(f, "beghin", NULL);
	assert_true(count_of(out) > 0);
	json_decref(out);
	/* Nothing left to do. */
	assert_int_equal(rb_custsearch_fill_keys(f->db, &filled), 0);
	assert_int_equal(filled, 0);
}

static void
test_numbers_and_email(void **state)
{
	struct fixture *f = *state;
	char inv[32], contract[16], q[64];
	json_t *out;

	out = search(f, "DEMO@Robinet.test ", NULL);
	assert_string_equal(first_kind(out), "adresse e-mail");
	assert_true(has_contract(out, "1000000001"));
	assert_true(has_contract(out, "1000000002"));
	assert_int_equal(count_of(out), q_int(f->db, "SELECT count(*) FROM"
	    " contracts c JOIN customers cu ON cu.id = c.customer_id WHERE"
	    " lower(cu.email) = 'demo@robinet.test' OR c.id IN (SELECT"
	    " contract_id FROM account_contracts ac JOIN web_accounts a ON"
	    " a.id = ac.account_id WHERE a.email_norm = 'demo@robinet.test')",
	    NULL));
	json_decref(out);

	out = search(f, "1000 0000 03", NULL);
	assert_string_equal(first_kind(out), "numéro de contrat");
	assert_int_equal(count_of(out), 1);
	assert_true(has_contract(out, "1000000003"));
	json_decref(out);

	out = search(f, "1234567a", NULL);
	assert_string_equal(first_kind(out), "ancien numéro de contrat");
	assert_int_equal(count_of(out), 1);
	assert_true(has_contract(out, "1000000003"));
	json_decref(out);

	out = search(f, "i21-ba-012345", NULL);
	assert_string_equal(first_kind(out), "numéro de compteur");
	assert_true(has_contract(out, "1000000004"));
	json_decref(out);

	q_text(f->db, "SELECT number FROM invoices WHERE number LIKE 'FA%'"
	    " ORDER BY id LIMIT 1", NULL, inv, sizeof(inv));
	q_text(f->db, "SELECT c.number FROM invoices i JOIN contracts c ON"
	    " c.id = i.contract_id WHERE i.number = $1", inv, contract,
	    sizeof(contract));
	/* Typed without its dash, in lower case. */
	snprintf(q, sizeof(q), "fa%.4s%s", inv + 2, inv + 7);
	out = search(f, q, NULL);
	assert_string_equal(first_kind(out), "numéro de facture");
	assert_int_equal(count_of(out), 1);
	assert_true(has_contract(out, contract));
	json_decref(out);
	/* An archived bill of the former system. */
	q_text(f->db, "SELECT number FROM invoices WHERE number LIKE 'E%'"
	    " ORDER BY id LIMIT 1", NULL, inv, sizeof(inv));
	q_text(f->db, "SELECT c.number FROM invoices i JOIN contracts c ON"
	    " c.id = i.contract_id WHERE i.number = $1", inv, contract,
	    sizeof(contract));
	out = search(f, inv, NULL);
	assert_true(has_contract(out, contract));
	json_decref(out);
}

static void
test_iban_and_postcode(void **state)
{
	struct fixture *f = *state;
	char last4[8], contract[16], q[64];
	json_t *out;

	q_text(f->db, "SELECT iban_last4 FROM sepa_mandates ORDER BY id"
	    " LIMIT 1", NULL, last4, sizeof(last4));
	q_text(f->db, "SELECT c.number FROM sepa_mandates m JOIN contracts c"
	    " ON c.id = m.contract_id WHERE m.iban_last4 = $1 ORDER BY m.id"
	    " LIMIT 1", last4, contract, sizeof(contract));
	out = search(f, last4, NULL);
	assert_string_equal(first_kind(out),
	    "4 derniers caractères de l'IBAN");
	assert_true(has_contract(out, contract));
	assert_int_equal(count_of(out), q_int(f->db, "SELECT count(DISTINCT"
	    " contract_id) FROM sepa_mandates WHERE iban_last4 = $1", last4));
	json_decref(out);
	/* A whole IBAN typed with spaces: its last four. */
	snprintf(q, sizeof(q), "fr76 3000 6000 0112 3456 789%c %s", '0',
	    last4);
	out = search(f, q, NULL);
	assert_true(has_contract(out, contract));
	json_decref(out);

	out = search(f, "59100", NULL);
	assert_string_equal(first_kind(out), "code postal");
	assert_int_equal(count_of(out), q_int(f->db, "SELECT count(*) FROM"
	    " contracts WHERE service_postcode = $1", "59100"));
	assert_true(count_of(out) > 0);
	json_decref(out);
}

static void
test_forced_kinds_and_mixed(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	/* Forced: a postcode-shaped value searched as a name finds none. */
	out = search(f, "1000000003", "contrat");
	assert_true(has_contract(out, "1000000003"));
	json_decref(out);
	out = search(f, "lefebvre", "nom");
	assert_true(has_contract(out, "1000000001"));
	json_decref(out);
	/* Neither a name nor one number's shape: searched as several. */
	out = search(f, "I21BA01234", NULL);
	assert_true(json_array_size(json_object_get(out, "kinds")) >= 3);
	json_decref(out);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	const char *msg = NULL;
	json_t *out = NULL;
	char longq[200];

	assert_int_equal(rb_agent_search(f->db, "   ", NULL, &out, &msg),
	    RB_INVALID);
	assert_null(out);
	assert_non_null(strstr(msg, "Tapez"));
	assert_int_equal(rb_agent_search(f->db, "é", NULL, &out, &msg),
	    RB_INVALID);
	assert_non_null(strstr(msg, "2 lettres"));
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	assert_int_equal(rb_agent_search(f->db, longq, NULL, &out, &msg),
	    RB_INVALID);
	assert_non_null(strstr(msg, "trop longue"));
	assert_int_equal(rb_agent_search(f->db, "123", "contrat", &out, &msg),
	    RB_INVALID);
	assert_non_null(strstr(msg, "10 chiffres"));
	assert_int_equal(rb_agent_search(f->db, "x", "pointure", &out, &msg),
	    RB_INVALID);
	assert_int_equal(rb_agent_search(f->db, "nom@", NULL, &out, &msg),
	    RB_INVALID);
	assert_non_null(strstr(msg, "e-mail"));
	assert_int_equal(rb_agent_search(f->db, "B\xe9ghin", NULL, &out,
	    &msg), RB_INVALID);
	assert_null(out);
}

static void
test_customer_file_audited(void **state)
{
	struct fixture *f = *state;
	int64_t id, views;
	json_t *out = NULL, *m;
	char s[512], *dump;
	size_t i;

	id = q_int(f->db, "SELECT customer_id FROM contracts WHERE number ="
	    " '1000000001'", NULL);
	views = q_int(f->db, "SELECT count(*) FROM audit_log WHERE action ="
	    " 'customer.view'", NULL);
	assert_int_equal(rb_agent_customer(f->db, id, 7, "appel entrant",
	    "192.0.2.9", NOW, &out), RB_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(out, "customer"), 0), "last_name")), "Lefebvre");
	assert_int_equal(json_array_size(json_object_get(out, "contracts")),
	    q_int(f->db, "SELECT count(*) FROM contracts WHERE customer_id ="
	    " (SELECT customer_id FROM contracts WHERE number = $1)",
	    "1000000001"));
	assert_true(json_array_size(json_object_get(out, "mandates")) > 0);
	json_array_foreach(json_object_get(out, "mandates"), i, m) {
		assert_non_null(strstr(json_string_value(json_object_get(m,
		    "iban_masked")), "•"));
		assert_null(json_object_get(m, "iban_enc"));
	}
	assert_true(json_array_size(json_object_get(out, "accounts")) > 0);
	assert_non_null(json_object_get(json_array_get(json_object_get(out,
	    "accounts"), 0), "events"));
	dump = json_dumps(out, 0);
	assert_null(strstr(dump, "iban_enc"));
	assert_null(strstr(dump, "password"));
	rb_json_free(dump);
	json_decref(out);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'customer.view'", NULL), views + 1);
	snprintf(s, sizeof(s), "customer:%lld", (long long)id);
	q_text(f->db, "SELECT actor_kind || ' ' || actor_id || ' ' || ip ||"
	    " ' ' || detail FROM audit_log WHERE target = $1 AND action ="
	    " 'customer.view' ORDER BY id DESC LIMIT 1", s, s, sizeof(s));
	assert_string_equal(s, "agent 7 192.0.2.9 {\"why\":\"appel entrant\"}");

	/* A reason is kept trimmed, on one line, cut at 200 characters;
	 * one that is not UTF-8 is dropped, the view still audited. */
	{
		char reason[700], want[700], got[1024];
		int k;

		strcpy(reason, "  ligne 1\nligne 2 ");
		for (k = 0; k < 300; k++)
			strcat(reason, "é");
		assert_int_equal(rb_agent_customer(f->db, id, 7, reason, NULL,
		    NOW, &out), RB_OK);
		json_decref(out);
		q_text(f->db, "SELECT detail FROM audit_log WHERE action ="
		    " 'customer.view' ORDER BY id DESC LIMIT 1", NULL, got,
		    sizeof(got));
		strcpy(want, "{\"why\":\"ligne 1 ligne 2 ");
		for (k = 0; k < 200 - 16; k++)
			strcat(want, "é");
		strcat(want, "\"}");
		assert_string_equal(got, want);
		assert_int_equal(rb_agent_customer(f->db, id, 7, "a\xff", NULL,
		    NOW, &out), RB_OK);
		json_decref(out);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log"
		    " WHERE action = 'customer.view' AND detail IS NULL AND"
		    " id = (SELECT max(id) FROM audit_log)", NULL), 1);
		views += 2;
	}

	/* No such customer: nothing shown, nothing audited. */
	assert_int_equal(rb_agent_customer(f->db, 999999999, 7, NULL, NULL,
	    NOW, &out), RB_NOT_FOUND);
	assert_null(out);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'customer.view'", NULL), views + 1);
}

/* Adds a request (account 0: none; number NULL: none) at instant at;
 * returns its id. */
static int64_t
add_request(rb_db *db, int64_t account, const char *number, int64_t at)
{
	int64_t id = 0;

	assert_int_equal(rb_db_fetch_one(db, "INSERT INTO contact_requests"
	    " (account_id, name, email, contract_number, subject, message,"
	    " created_at) VALUES ($1, 'Test', 't@example.test', $2, 'bill',"
	    " 'm', $3) RETURNING id", RB_BINDS(account > 0 ? rb_int(account) :
	    rb_null(), rb_text_or_null(number), rb_int(at)), rb_row_int, &id),
	    0);
	return id;
}

static void
test_customer_file_requests(void **state)
{
	struct fixture *f = *state;
	int64_t id, acct, by_acct, by_number, by_both, other, want[3];
	json_t *out = NULL, *r;
	size_t i, n = 0, before;

	id = q_int(f->db, "SELECT customer_id FROM contracts WHERE number ="
	    " '1000000001'", NULL);
	acct = q_int(f->db, "SELECT ac.account_id FROM account_contracts ac"
	    " JOIN contracts c ON c.id = ac.contract_id WHERE c.number ="
	    " '1000000001'", NULL);
	assert_int_equal(rb_agent_customer(f->db, id, 7, NULL, NULL, NOW,
	    &out), RB_OK);
	before = json_array_size(json_object_get(out, "requests"));
	json_decref(out);
	/* Instants after any demo request: these come first. */
	by_acct = add_request(f->db, acct, NULL, NOW + 10);
	by_both = add_request(f->db, acct, "1000000001", NOW + 20);
	by_number = add_request(f->db, 0, "1000000001", NOW + 30);
	other = add_request(f->db, 0, "9999999999", NOW + 40);
	want[0] = by_number;
	want[1] = by_both;
	want[2] = by_acct;
	assert_int_equal(rb_agent_customer(f->db, id, 7, NULL, NULL, NOW,
	    &out), RB_OK);
	assert_int_equal(json_array_size(json_object_get(out, "requests")),
	    before + 3);
	json_array_foreach(json_object_get(out, "requests"), i, r) {
		int64_t rid = json_integer_value(json_object_get(r, "id"));

		assert_true(rid != other);
		if (i < 3)
			assert_int_equal(rid, want[i]);
		if (rid == by_both)
			n++;
	}
	assert_int_equal(n, 1);
	json_decref(out);
	exec_sql(f->db, "DELETE FROM contact_requests WHERE created_at >"
	    " 1795953600", NULL);
}

/* Last: it moves every contract to one postal code. */
static void
test_cap(void **state)
{
	struct fixture *f = *state;
	int64_t n;
	json_t *out;

	n = q_int(f->db, "SELECT count(*) FROM contracts", NULL);
	assert_true(n > RB_AGENT_SEARCH_MAX);
	exec_sql(f->db, "UPDATE contracts SET service_postcode = '59999'",
	    NULL);
	out = search(f, "59999", NULL);
	assert_int_equal(count_of(out), n);
	assert_int_equal(json_array_size(json_object_get(out, "hits")),
	    RB_AGENT_SEARCH_MAX);
	assert_int_equal(json_integer_value(json_object_get(out, "shown")),
	    RB_AGENT_SEARCH_MAX);
	assert_true(json_is_true(json_object_get(out, "capped")));
	json_decref(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_case_accents_order),
		cmocka_unit_test(test_name_key_update_ligature_apostrophe),
		cmocka_unit_test(test_fill_keys),
		cmocka_unit_test(test_numbers_and_email),
		cmocka_unit_test(test_iban_and_postcode),
		cmocka_unit_test(test_forced_kinds_and_mixed),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_customer_file_audited),
		cmocka_unit_test(test_customer_file_requests),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
