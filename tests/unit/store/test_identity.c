/*
 * test_identity.c: the lookups behind identity proofs (store/identity.h)
 * and the claims between the two steps of opening a space
 * (store/claims.h), on the demo dataset.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/embed.h"
#include "demo/demo.h"
#include "store/claims.h"
#include "store/db.h"
#include "store/accounts.h"
#include "store/identity.h"
#include "store/migrate.h"

#include "demo_fixture.h"

#define NOW	((time_t)1795000000)	/* 2026-11-18 */

static int
setup(void **state)
{
	return demo_fixture_setup(state, "id.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

static void
exec_ok(rb_db *db, const char *sql)
{
	assert_int_equal(rb_db_exec(db, sql), 0);
}

static void
legacy_credentials_by_old_id(void **state)
{
	struct fixture *f = *state;
	struct rb_legacy_cred lc;
	struct rb_contract_ref c;

	assert_int_equal(rb_identity_legacy(f->db, "1234567A", &lc), 0);
	assert_true(lc.lc_id > 0);
	assert_int_equal(lc.lc_migrated_at, 0);
	assert_memory_equal(lc.lc_hash, "$6$", 3);
	assert_int_equal(rb_identity_contract_by_id(f->db, lc.lc_contract_id,
	    &c), 0);
	assert_string_equal(c.cr_number, "1000000003");

	/* The demo subscriber moved in January 2024. */
	assert_int_equal(rb_identity_legacy(f->db, "1234560A", &lc), 0);
	assert_true(lc.lc_migrated_at > 0);

	/* Lookups are exact: the caller normalises. */
	assert_int_equal(rb_identity_legacy(f->db, "1234567a", &lc), 1);
	assert_int_equal(lc.lc_id, 0);
	assert_int_equal(rb_identity_legacy(f->db, "", &lc), 1);
}

static void
legacy_marked_migrated_once(void **state)
{
	struct fixture *f = *state;
	struct rb_legacy_cred lc;
	struct rb_account acc;

	assert_int_equal(rb_account_by_email(f->db, "demo@robinet.test", &acc),
	    0);
	assert_int_equal(rb_identity_legacy(f->db, "1234567A", &lc), 0);
	assert_int_equal(lc.lc_account_id, 0);
	assert_int_equal(rb_identity_legacy_migrated(f->db, lc.lc_id,
	    acc.acc_id, NOW), 0);
	assert_int_equal(rb_identity_legacy_migrated(f->db, lc.lc_id,
	    acc.acc_id + 1, NOW + 5), 1);
	assert_int_equal(rb_identity_legacy(f->db, "1234567A", &lc), 0);
	assert_int_equal(lc.lc_migrated_at, NOW);
	/* The space they moved to is kept, the first one only. */
	assert_int_equal(lc.lc_account_id, acc.acc_id);
	/* The row and its hash stay, for the archive. */
	assert_memory_equal(lc.lc_hash, "$6$", 3);
	assert_int_equal(rb_identity_legacy_migrated(f->db, 999999,
	    acc.acc_id, NOW), 1);
}

extern const struct rb_embedded rb_migrations_embedded[];

/* The first integer of sql. */
static int64_t
one_int(rb_db *db, const char *sql)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int64_t v;

	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	v = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return v;
}

/* Migration 0007 finds the space credentials moved to before it: the
 * account that step 2 linked the contract to at the same instant. */
static void
migration_0007_links_credentials_moved_before(void **state)
{
	struct rb_embedded upto6[8];
	struct rb_demo_opts o = { 60, 1, "2026-11-29" };
	struct rb_legacy_cred lc;
	char dir[256], url[400], err[256];
	rb_db *db;
	int64_t account, other;
	int n;

	(void)state;
	for (n = 0; rb_migrations_embedded[n].emb_name != NULL &&
	    strncmp(rb_migrations_embedded[n].emb_name, "0007", 4) != 0; n++)
		upto6[n] = rb_migrations_embedded[n];
	assert_true(n < 8);
	memset(&upto6[n], 0, sizeof(upto6[n]));
	test_mkdtemp(dir, sizeof(dir));
	test_db_url(url, sizeof(url), dir, "m7.db");
	assert_int_equal(rb_db_open(url, &db, err, sizeof(err)), 0);
	assert_int_equal(rb_migrate_list(db, upto6, NULL), 0);
	assert_int_equal(rb_demo_generate(db, &o), 0);
	account = one_int(db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = 'demo@robinet.test'");
	other = one_int(db, "SELECT min(id) FROM web_accounts"
	    " WHERE email_norm <> 'demo@robinet.test'");
	/* 1234567A moved at 1795946400, when the demo account got its
	   contract; another account saw it earlier (not the one). */
	assert_int_equal(rb_db_exec(db, "UPDATE legacy_credentials"
	    " SET migrated_at = 1795946400 WHERE old_customer_id = '1234567A'"),
	    0);
	{
		char sql[300];

		snprintf(sql, sizeof(sql), "INSERT INTO account_contracts"
		    " (account_id, contract_id, added_at) SELECT %lld,"
		    " contract_id, 1795946400 FROM legacy_credentials"
		    " WHERE old_customer_id = '1234567A'", (long long)account);
		assert_int_equal(rb_db_exec(db, sql), 0);
		snprintf(sql, sizeof(sql), "INSERT INTO account_contracts"
		    " (account_id, contract_id, added_at) SELECT %lld,"
		    " contract_id, 1795940000 FROM legacy_credentials"
		    " WHERE old_customer_id = '1234567A'", (long long)other);
		assert_int_equal(rb_db_exec(db, sql), 0);
	}
	assert_int_equal(rb_migrate(db, NULL), 0);
	assert_int_equal(rb_identity_legacy(db, "1234567A", &lc), 0);
	assert_int_equal(lc.lc_account_id, account);
	/* Credentials that never moved stay without a space. */
	assert_int_equal(one_int(db, "SELECT count(*) FROM legacy_credentials"
	    " WHERE migrated_at IS NULL AND account_id IS NOT NULL"), 0);
	rb_db_close(db);
	test_rmtree(dir);
}

static void
contracts_by_number(void **state)
{
	struct fixture *f = *state;
	struct rb_contract_ref c;

	assert_int_equal(rb_identity_contract(f->db, "1000000001", &c), 0);
	assert_string_equal(c.cr_old_number, "1234560A");
	assert_int_equal(rb_identity_contract(f->db, "1000000004", &c), 0);
	assert_int_equal(c.cr_id, 4);
	assert_string_equal(c.cr_old_number, "");
	assert_int_equal(rb_identity_contract(f->db, "1000000099", &c), 1);
	assert_int_equal(c.cr_id, 0);
	assert_int_equal(rb_identity_contract_by_id(f->db, 0, &c), 1);
}

static void
invoice_and_meter_belong_to_their_contract(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rb_identity_invoice_matches(f->db, 4,
	    "FA2024-000042"), 1);
	assert_int_equal(rb_identity_invoice_matches(f->db, 1,
	    "FA2024-000042"), 0);
	assert_int_equal(rb_identity_invoice_matches(f->db, 0,
	    "FA2024-000042"), 0);
	assert_int_equal(rb_identity_invoice_matches(f->db, 4,
	    "FA2024-999999"), 0);
	/* Archived bills of the former system count too. */
	assert_int_equal(rb_identity_invoice_matches(f->db, 1,
	    "E230000001"), 1);

	assert_int_equal(rb_identity_meter_matches(f->db, 4, "I21BA012345"),
	    1);
	assert_int_equal(rb_identity_meter_matches(f->db, 5, "I21BA012345"),
	    0);
	assert_int_equal(rb_identity_meter_matches(f->db, 5, "I22BA054321"),
	    1);
	assert_int_equal(rb_identity_meter_matches(f->db, 0, "I22BA054321"),
	    0);
}

static void
holder_on_file(void **state)
{
	struct fixture *f = *state;
	struct rb_holder h;

	assert_int_equal(rb_identity_holder(f->db, 4, &h), 0);
	assert_string_equal(h.ho_email, "arrivant@robinet.test");
	assert_string_equal(h.ho_last_name, "Benali");
	assert_string_equal(h.ho_first_name, "Karim");
	assert_int_equal(rb_identity_holder(f->db, 3, &h), 0);
	assert_string_equal(h.ho_first_name, "Gérard");
	/* No contract: nothing, and no error. */
	assert_int_equal(rb_identity_holder(f->db, 0, &h), 0);
	assert_string_equal(h.ho_email, "");
	assert_string_equal(h.ho_last_name, "");
}

static void
may_open_needs_a_bill_or_the_letter(void **state)
{
	struct fixture *f = *state;

	/* 1000000004 has bills. */
	assert_int_equal(rb_identity_may_open(f->db, 4), 1);
	exec_ok(f->db, "UPDATE contracts SET can_create_account = 0"
	    " WHERE id IN (4, 5)");
	assert_int_equal(rb_identity_may_open(f->db, 4), 1);
	/* 1000000005 has none: only the letter lets it in. */
	assert_int_equal(rb_identity_may_open(f->db, 5), 0);
	exec_ok(f->db, "UPDATE contracts SET can_create_account = 1"
	    " WHERE id = 5");
	assert_int_equal(rb_identity_may_open(f->db, 5), 1);
	assert_int_equal(rb_identity_may_open(f->db, 0), 0);
}

static void
active_space_of_a_contract(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rb_identity_has_active_space(f->db, 1), 1);
	assert_int_equal(rb_identity_has_active_space(f->db, 2), 1);
	assert_int_equal(rb_identity_has_active_space(f->db, 4), 0);
	/* A disabled account is no active space. */
	exec_ok(f->db, "UPDATE web_accounts SET status = 'disabled'"
	    " WHERE email_norm = 'demo@robinet.test'");
	assert_int_equal(rb_identity_has_active_space(f->db, 1), 0);
	assert_int_equal(rb_identity_has_active_space(f->db, 0), 0);
}

static void
claims_live_briefly_and_serve_once(void **state)
{
	struct fixture *f = *state;
	struct rb_claim_row in, out;
	const char *h1 = "1111111111111111111111111111111111111111111111111111"
	    "111111111111";
	const char *h2 = "2222222222222222222222222222222222222222222222222222"
	    "222222222222";

	memset(&in, 0, sizeof(in));
	in.cr_kind = RB_CLAIM_LEGACY;
	in.cr_contract_id = 3;
	in.cr_legacy_id = 2;
	snprintf(in.cr_last_name, sizeof(in.cr_last_name), "Vandenbussche");
	snprintf(in.cr_email, sizeof(in.cr_email), "legacy@robinet.test");
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_claims_create(f->db, h1, &in, "192.0.2.1", NOW,
	    1800), 0);
	assert_int_equal(rb_db_commit(f->db), 0);

	assert_int_equal(rb_claims_get(f->db, h1, NOW + 60, &out), 0);
	assert_int_equal(out.cr_kind, RB_CLAIM_LEGACY);
	assert_int_equal(out.cr_contract_id, 3);
	assert_int_equal(out.cr_legacy_id, 2);
	assert_string_equal(out.cr_last_name, "Vandenbussche");
	assert_string_equal(out.cr_first_name, "");
	assert_string_equal(out.cr_email, "legacy@robinet.test");
	/* Expired at created + ttl. */
	assert_int_equal(rb_claims_get(f->db, h1, NOW + 1800, &out), 1);
	assert_int_equal(rb_claims_use(f->db, out.cr_id, NOW + 1800), 1);
	assert_int_equal(rb_claims_get(f->db, h2, NOW, &out), 1);

	/* Used once. */
	assert_int_equal(rb_claims_get(f->db, h1, NOW + 60, &out), 0);
	assert_int_equal(rb_claims_use(f->db, out.cr_id, NOW + 60), 0);
	assert_int_equal(rb_claims_use(f->db, out.cr_id, NOW + 61), 1);
	assert_int_equal(rb_claims_get(f->db, h1, NOW + 62, &out), 1);

	/* A contract claim needs no legacy id; creating one purges the
	   expired claims. */
	memset(&in, 0, sizeof(in));
	in.cr_kind = RB_CLAIM_CONTRACT;
	in.cr_contract_id = 4;
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_claims_create(f->db, h2, &in, NULL, NOW + 4000,
	    1800), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(rb_claims_get(f->db, h2, NOW + 4000, &out), 0);
	assert_int_equal(out.cr_kind, RB_CLAIM_CONTRACT);
	assert_int_equal(out.cr_legacy_id, 0);
	{
		rb_stmt *st = rb_db_prepare(f->db,
		    "SELECT count(*) FROM claims");
		assert_int_equal(rb_stmt_step(st), RB_ROW);
		assert_int_equal(rb_stmt_int(st, 0), 1);
		rb_stmt_reset(st);
	}
	/* The same hash twice is refused. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_claims_create(f->db, h2, &in, NULL, NOW + 4001,
	    1800), -1);
	assert_int_equal(rb_db_rollback(f->db), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(legacy_credentials_by_old_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(legacy_marked_migrated_once,
		    setup, teardown),
		cmocka_unit_test(migration_0007_links_credentials_moved_before),
		cmocka_unit_test_setup_teardown(contracts_by_number,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    invoice_and_meter_belong_to_their_contract,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(holder_on_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    may_open_needs_a_bill_or_the_letter, setup, teardown),
		cmocka_unit_test_setup_teardown(active_space_of_a_contract,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    claims_live_briefly_and_serve_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
