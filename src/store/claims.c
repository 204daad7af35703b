/*
 * claims.c: SQL of the claims between the two steps of opening a space
 * (see claims.h).
 */
#include <string.h>

#include "base/log.h"
#include "store/claims.h"
#include "store/copy.h"

static const char sql_add[] =
	"INSERT INTO claims (hash, kind, contract_id, legacy_id, last_name,"
	" first_name, email, ip, created_at, expires_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

static const char sql_get[] =
	"SELECT id, kind, contract_id, legacy_id, last_name, first_name,"
	" email FROM claims"
	" WHERE hash = $1 AND used_at IS NULL AND expires_at > $2";

static const char sql_use[] =
	"UPDATE claims SET used_at = $2"
	" WHERE id = $1 AND used_at IS NULL AND expires_at > $2";

static const char sql_purge[] =
	"DELETE FROM claims WHERE expires_at < $1";

/* The kind column's values, by enum rb_claim_kind. */
static const char *const kind_names[RB_CLAIM__MAX] = {
	[RB_CLAIM_LEGACY] = "legacy",
	[RB_CLAIM_CONTRACT] = "contract",
};

/* Binds s, or NULL when s is empty. */
static void
bind_text_or_null(rb_stmt *st, int idx, const char *s)
{
	rb_stmt_bind_text(st, idx, s[0] != '\0' ? s : NULL, -1);
}

int
rb_claims_create(rb_db *db, const char *hash, const struct rb_claim_row *in,
    const char *ip, time_t now, int ttl)
{
	rb_stmt *st;
	int rc;

	if ((unsigned)in->cr_kind >= RB_CLAIM__MAX || ttl < 1) {
		log_errx("bad claim kind %d or ttl %d", (int)in->cr_kind, ttl);
		return -1;
	}
	if (rb_claims_purge(db, now) != 0)
		return -1;
	if ((st = rb_db_prepare(db, sql_add)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, hash, -1);
	rb_stmt_bind_text(st, 2, kind_names[in->cr_kind], -1);
	rb_stmt_bind_int(st, 3, in->cr_contract_id);
	if (in->cr_legacy_id != 0)
		rb_stmt_bind_int(st, 4, in->cr_legacy_id);
	else
		rb_stmt_bind_null(st, 4);
	bind_text_or_null(st, 5, in->cr_last_name);
	bind_text_or_null(st, 6, in->cr_first_name);
	bind_text_or_null(st, 7, in->cr_email);
	rb_stmt_bind_text(st, 8, ip, -1);
	rb_stmt_bind_int(st, 9, (int64_t)now);
	rb_stmt_bind_int(st, 10, (int64_t)now + ttl);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_claims_get(rb_db *db, const char *hash, time_t now,
    struct rb_claim_row *out)
{
	rb_stmt *st;
	const char *kind;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_get)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, hash, -1);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
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
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_claims_use(rb_db *db, int64_t id, time_t now)
{
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	if ((st = rb_db_prepare(db, sql_use)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	if ((rc = rb_stmt_step(st)) == RB_DONE)
		n = rb_stmt_changes(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_claims_purge(rb_db *db, time_t before)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_purge)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, (int64_t)before);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}
