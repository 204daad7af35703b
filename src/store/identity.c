/*
 * identity.c: SQL of the lookups behind identity proofs (see identity.h).
 */
#include <string.h>

#include "base/log.h"
#include "store/copy.h"
#include "store/identity.h"

#define CONTRACT_COLUMNS \
	"SELECT id, number, old_number, can_create_account FROM contracts"

enum identity_sql {
	SQL_LEGACY,
	SQL_LEGACY_MIGRATED,
	SQL_CONTRACT,
	SQL_CONTRACT_BY_ID,
	SQL_INVOICE_MATCHES,
	SQL_METER_MATCHES,
	SQL_HOLDER,
	SQL_MAY_OPEN,
	SQL_LEGACY_REHASH,
	SQL_HAS_ACTIVE_SPACE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_LEGACY] =
	"SELECT id, contract_id, migrated_at, hash, account_id"
	" FROM legacy_credentials WHERE old_customer_id = $1",
	[SQL_LEGACY_MIGRATED] =
	"UPDATE legacy_credentials SET migrated_at = $2, account_id = $3"
	" WHERE id = $1 AND migrated_at IS NULL",
	[SQL_CONTRACT] =
	CONTRACT_COLUMNS " WHERE number = $1",
	[SQL_CONTRACT_BY_ID] =
	CONTRACT_COLUMNS " WHERE id = $1",
	[SQL_INVOICE_MATCHES] =
	"SELECT count(*) FROM invoices WHERE number = $1 AND contract_id = $2",
	[SQL_METER_MATCHES] =
	"SELECT count(*) FROM meters WHERE serial = $1 AND contract_id = $2",
	[SQL_HOLDER] =
	"SELECT cu.last_name, cu.first_name, cu.email"
	" FROM contracts c JOIN customers cu ON cu.id = c.customer_id"
	" WHERE c.id = $1",
	[SQL_MAY_OPEN] =
	"SELECT c.can_create_account, CASE WHEN EXISTS (SELECT 1"
	" FROM invoices i WHERE i.contract_id = c.id) THEN 1 ELSE 0 END"
	" FROM contracts c WHERE c.id = $1",
	[SQL_LEGACY_REHASH] =
	"UPDATE legacy_credentials SET hash = $2 WHERE id = $1",
	[SQL_HAS_ACTIVE_SPACE] =
	"SELECT count(*) FROM account_contracts ac"
	" JOIN web_accounts a ON a.id = ac.account_id"
	" WHERE ac.contract_id = $1 AND a.status = 'active'",
};

static void
legacy_row(rb_stmt *st, void *arg)
{
	struct rb_legacy_cred *out = arg;

	out->lc_id = rb_stmt_int(st, 0);
	out->lc_contract_id = rb_stmt_int(st, 1);
	out->lc_migrated_at = rb_stmt_int(st, 2);
	/* A hash cut short would never verify: keep none. */
	if (rb_store_copy(out->lc_hash, sizeof(out->lc_hash),
	    rb_stmt_text(st, 3)) != 0)
		out->lc_hash[0] = '\0';
	out->lc_account_id = rb_stmt_int(st, 4);
}

int
rb_identity_legacy(rb_db *db, const char *old_id, struct rb_legacy_cred *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_LEGACY], RB_BINDS(rb_text(old_id)),
	    legacy_row, out);
	return rc < 0 ? -1 : rc;
}

int
rb_identity_legacy_migrated(rb_db *db, int64_t id, int64_t account,
    time_t now)
{
	int64_t n;

	if (rb_db_run(db, sql[SQL_LEGACY_MIGRATED], RB_BINDS(rb_int(id),
	    rb_int(now), rb_int(account)), &n) != 0)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_identity_legacy_rehash(rb_db *db, int64_t id, const char *hash)
{
	return rb_db_run(db, sql[SQL_LEGACY_REHASH], RB_BINDS(rb_int(id),
	    rb_text(hash)), NULL) == 0 ? 0 : -1;
}

/* Reads a CONTRACT_COLUMNS row into the struct rb_contract_ref arg. */
static void
contract_row(rb_stmt *st, void *arg)
{
	struct rb_contract_ref *out = arg;

	out->cr_id = rb_stmt_int(st, 0);
	rb_store_copy(out->cr_number, sizeof(out->cr_number),
	    rb_stmt_text(st, 1));
	rb_store_copy(out->cr_old_number, sizeof(out->cr_old_number),
	    rb_stmt_text(st, 2));
	out->cr_can_create = rb_stmt_int(st, 3) != 0;
}

/* Runs a CONTRACT_COLUMNS query of one value: 0, 1 when none, -1. */
static int
contract_fetch(rb_db *db, enum identity_sql q, struct rb_bind key,
    struct rb_contract_ref *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[q], &key, 1, contract_row, out);
	return rc < 0 ? -1 : rc;
}

int
rb_identity_contract(rb_db *db, const char *number, struct rb_contract_ref *out)
{
	return contract_fetch(db, SQL_CONTRACT, rb_text(number), out);
}

int
rb_identity_contract_by_id(rb_db *db, int64_t id, struct rb_contract_ref *out)
{
	return contract_fetch(db, SQL_CONTRACT_BY_ID, rb_int(id), out);
}

/* Runs a count(*) query: 1 when > 0, 0 when 0, -1 on error. */
static int
count_positive(rb_db *db, enum identity_sql q, const struct rb_bind *b,
    size_t n)
{
	int64_t count = 0;

	if (rb_db_fetch_one(db, sql[q], b, n, rb_row_int, &count) != 0)
		return -1;
	return count > 0;
}

int
rb_identity_invoice_matches(rb_db *db, int64_t contract, const char *invoice)
{
	return count_positive(db, SQL_INVOICE_MATCHES,
	    RB_BINDS(rb_text(invoice), rb_int(contract)));
}

int
rb_identity_meter_matches(rb_db *db, int64_t contract, const char *serial)
{
	return count_positive(db, SQL_METER_MATCHES,
	    RB_BINDS(rb_text(serial), rb_int(contract)));
}

static void
holder_row(rb_stmt *st, void *arg)
{
	struct rb_holder *out = arg;

	rb_store_copy(out->ho_last_name, sizeof(out->ho_last_name),
	    rb_stmt_text(st, 0));
	rb_store_copy(out->ho_first_name, sizeof(out->ho_first_name),
	    rb_stmt_text(st, 1));
	/* An address cut short is no address: keep none. */
	if (rb_store_copy(out->ho_email, sizeof(out->ho_email),
	    rb_stmt_text(st, 2)) != 0)
		out->ho_email[0] = '\0';
}

int
rb_identity_holder(rb_db *db, int64_t contract, struct rb_holder *out)
{
	memset(out, 0, sizeof(*out));
	return rb_db_fetch_one(db, sql[SQL_HOLDER], RB_BINDS(rb_int(contract)),
	    holder_row, out) >= 0 ? 0 : -1;
}

static void
may_open_row(rb_stmt *st, void *arg)
{
	*(int *)arg = rb_stmt_int(st, 0) != 0 || rb_stmt_int(st, 1) != 0;
}

int
rb_identity_may_open(rb_db *db, int64_t contract)
{
	int may = 0;

	if (rb_db_fetch_one(db, sql[SQL_MAY_OPEN], RB_BINDS(rb_int(contract)),
	    may_open_row, &may) < 0)
		return -1;
	return may;
}

int
rb_identity_has_active_space(rb_db *db, int64_t contract)
{
	return count_positive(db, SQL_HAS_ACTIVE_SPACE,
	    RB_BINDS(rb_int(contract)));
}
