/*
 * identity.c: SQL of the lookups behind identity proofs (see identity.h).
 */
#include <string.h>

#include "base/log.h"
#include "store/copy.h"
#include "store/identity.h"

static const char sql_legacy[] =
	"SELECT id, contract_id, migrated_at, hash, account_id"
	" FROM legacy_credentials WHERE old_customer_id = $1";

static const char sql_legacy_migrated[] =
	"UPDATE legacy_credentials SET migrated_at = $2, account_id = $3"
	" WHERE id = $1 AND migrated_at IS NULL";

#define CONTRACT_COLUMNS \
	"SELECT id, number, old_number, can_create_account FROM contracts"

static const char sql_contract[] =
	CONTRACT_COLUMNS " WHERE number = $1";

static const char sql_contract_by_id[] =
	CONTRACT_COLUMNS " WHERE id = $1";

static const char sql_invoice_matches[] =
	"SELECT count(*) FROM invoices WHERE number = $1 AND contract_id = $2";

static const char sql_meter_matches[] =
	"SELECT count(*) FROM meters WHERE serial = $1 AND contract_id = $2";

static const char sql_holder[] =
	"SELECT cu.last_name, cu.first_name, cu.email"
	" FROM contracts c JOIN customers cu ON cu.id = c.customer_id"
	" WHERE c.id = $1";

static const char sql_may_open[] =
	"SELECT c.can_create_account, CASE WHEN EXISTS (SELECT 1"
	" FROM invoices i WHERE i.contract_id = c.id) THEN 1 ELSE 0 END"
	" FROM contracts c WHERE c.id = $1";

static const char sql_legacy_rehash[] =
	"UPDATE legacy_credentials SET hash = $2 WHERE id = $1";

static const char sql_has_active_space[] =
	"SELECT count(*) FROM account_contracts ac"
	" JOIN web_accounts a ON a.id = ac.account_id"
	" WHERE ac.contract_id = $1 AND a.status = 'active'";

int
rb_identity_legacy(rb_db *db, const char *old_id, struct rb_legacy_cred *out)
{
	rb_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_legacy)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, old_id, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		out->lc_id = rb_stmt_int(st, 0);
		out->lc_contract_id = rb_stmt_int(st, 1);
		out->lc_migrated_at = rb_stmt_int(st, 2);
		/* A hash cut short would never verify: keep none. */
		if (rb_store_copy(out->lc_hash, sizeof(out->lc_hash),
		    rb_stmt_text(st, 3)) != 0)
			out->lc_hash[0] = '\0';
		out->lc_account_id = rb_stmt_int(st, 4);
	}
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_identity_legacy_migrated(rb_db *db, int64_t id, int64_t account,
    time_t now)
{
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	if ((st = rb_db_prepare(db, sql_legacy_migrated)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	rb_stmt_bind_int(st, 3, account);
	if ((rc = rb_stmt_step(st)) == RB_DONE)
		n = rb_stmt_changes(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_identity_legacy_rehash(rb_db *db, int64_t id, const char *hash)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_legacy_rehash)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_text(st, 2, hash, -1);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

/* Runs a CONTRACT_COLUMNS query whose $1 is already bound. */
static int
contract_fetch(rb_stmt *st, struct rb_contract_ref *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		out->cr_id = rb_stmt_int(st, 0);
		rb_store_copy(out->cr_number, sizeof(out->cr_number),
		    rb_stmt_text(st, 1));
		rb_store_copy(out->cr_old_number, sizeof(out->cr_old_number),
		    rb_stmt_text(st, 2));
		out->cr_can_create = rb_stmt_int(st, 3) != 0;
	}
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_identity_contract(rb_db *db, const char *number, struct rb_contract_ref *out)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_contract)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, number, -1);
	return contract_fetch(st, out);
}

int
rb_identity_contract_by_id(rb_db *db, int64_t id, struct rb_contract_ref *out)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_contract_by_id)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	return contract_fetch(st, out);
}

/* Runs a count(*) query of (text $1, contract $2): 1 when > 0. */
static int
count_matches(rb_db *db, const char *sql, const char *text, int64_t contract)
{
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, text, -1);
	rb_stmt_bind_int(st, 2, contract);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	if (rc != RB_ROW)
		return -1;
	return n > 0;
}

int
rb_identity_invoice_matches(rb_db *db, int64_t contract, const char *invoice)
{
	return count_matches(db, sql_invoice_matches, invoice, contract);
}

int
rb_identity_meter_matches(rb_db *db, int64_t contract, const char *serial)
{
	return count_matches(db, sql_meter_matches, serial, contract);
}

int
rb_identity_holder(rb_db *db, int64_t contract, struct rb_holder *out)
{
	rb_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_holder)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		rb_store_copy(out->ho_last_name, sizeof(out->ho_last_name),
		    rb_stmt_text(st, 0));
		rb_store_copy(out->ho_first_name, sizeof(out->ho_first_name),
		    rb_stmt_text(st, 1));
		/* An address cut short is no address: keep none. */
		if (rb_store_copy(out->ho_email, sizeof(out->ho_email),
		    rb_stmt_text(st, 2)) != 0)
			out->ho_email[0] = '\0';
	}
	rb_stmt_reset(st);
	return rc == RB_ROW || rc == RB_DONE ? 0 : -1;
}

int
rb_identity_may_open(rb_db *db, int64_t contract)
{
	rb_stmt *st;
	int rc, may = 0;

	if ((st = rb_db_prepare(db, sql_may_open)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		may = rb_stmt_int(st, 0) != 0 || rb_stmt_int(st, 1) != 0;
	rb_stmt_reset(st);
	if (rc != RB_ROW && rc != RB_DONE)
		return -1;
	return may;
}

int
rb_identity_has_active_space(rb_db *db, int64_t contract)
{
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	if ((st = rb_db_prepare(db, sql_has_active_space)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	if (rc != RB_ROW)
		return -1;
	return n > 0;
}
