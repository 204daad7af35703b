/*
 * claims.c: SQL of the claims between the two steps of opening a space
 * (see claims.h).
 */
#include <string.h>

#include "base/log.h"
#include "store/claims.h"
#include "store/copy.h"

enum claims_sql {
	SQL_ADD,
	SQL_GET,
	SQL_USE,
	SQL_PURGE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_ADD] =
	"INSERT INTO claims (hash, kind, contract_id, legacy_id, last_name,"
	" first_name, email, ip, created_at, expires_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	[SQL_GET] =
	"SELECT id, kind, contract_id, legacy_id, last_name, first_name,"
	" email FROM claims"
	" WHERE hash = $1 AND used_at IS NULL AND expires_at > $2",
	[SQL_USE] =
	"UPDATE claims SET used_at = $2"
	" WHERE id = $1 AND used_at IS NULL"
	" AND expires_at > $2",
	[SQL_PURGE] =
	"DELETE FROM claims WHERE expires_at < $1",
};

/* The kind column's values, by enum rb_claim_kind. */
static const char *const kind_names[RB_CLAIM__MAX] = {
	[RB_CLAIM_LEGACY] = "legacy",
	[RB_CLAIM_CONTRACT] = "contract",
};

int
rb_claims_create(rb_db *db, const char *hash, const struct rb_claim_row *in,
    const char *ip, time_t now, int ttl)
{
	if ((unsigned)in->cr_kind >= RB_CLAIM__MAX || ttl < 1) {
		log_errx("bad claim kind %d or ttl %d", (int)in->cr_kind, ttl);
		return -1;
	}
	if (rb_claims_purge(db, now) != 0)
		return -1;
	return rb_db_run(db, sql[SQL_ADD], RB_BINDS(rb_text(hash),
	    rb_text(kind_names[in->cr_kind]), rb_int(in->cr_contract_id),
	    in->cr_legacy_id != 0 ? rb_int(in->cr_legacy_id) : rb_null(),
	    rb_text_or_null(in->cr_last_name),
	    rb_text_or_null(in->cr_first_name),
	    rb_text_or_null(in->cr_email), rb_text(ip), rb_int(now),
	    rb_int((int64_t)now + ttl)), NULL) == 0 ? 0 : -1;
}

/* Reads a row of SQL_GET into the struct rb_claim_row arg. */
static void
claim_row(rb_stmt *st, void *arg)
{
	struct rb_claim_row *out = arg;
	const char *kind;

	out->cr_id = rb_stmt_int(st, 0);
	kind = rb_stmt_text(st, 1);
	out->cr_kind = kind != NULL &&
	    strcmp(kind, kind_names[RB_CLAIM_LEGACY]) == 0 ?
	    RB_CLAIM_LEGACY : RB_CLAIM_CONTRACT;
	out->cr_contract_id = rb_stmt_int(st, 2);
	out->cr_legacy_id = rb_stmt_int(st, 3);
	rb_store_copy(out->cr_last_name, sizeof(out->cr_last_name),
	    rb_stmt_text(st, 4));
	rb_store_copy(out->cr_first_name, sizeof(out->cr_first_name),
	    rb_stmt_text(st, 5));
	rb_store_copy(out->cr_email, sizeof(out->cr_email),
	    rb_stmt_text(st, 6));
}

int
rb_claims_get(rb_db *db, const char *hash, time_t now,
    struct rb_claim_row *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_GET],
	    RB_BINDS(rb_text(hash), rb_int(now)), claim_row, out);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc < 0 ? -1 : rc;
}

int
rb_claims_use(rb_db *db, int64_t id, time_t now)
{
	int64_t n;

	if (rb_db_run(db, sql[SQL_USE], RB_BINDS(rb_int(id), rb_int(now)),
	    &n) != 0)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_claims_purge(rb_db *db, time_t before)
{
	return rb_db_purge(db, sql[SQL_PURGE], before);
}
