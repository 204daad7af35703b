/*
 * tokens.c: SQL of the single-use tokens (see tokens.h).
 */
#include "base/log.h"
#include "store/copy.h"
#include "store/tokens.h"

static const char sql_void[] =
	"UPDATE tokens SET expires_at = $3"
	" WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL"
	" AND expires_at > $3";

static const char sql_add[] =
	"INSERT INTO tokens (hash, purpose, account_id, payload, created_at,"
	" expires_at) VALUES ($1, $2, $3, $4, $5, $6)";

static const char sql_consume[] =
	"UPDATE tokens SET used_at = $3"
	" WHERE hash = $1 AND purpose = $2 AND used_at IS NULL"
	" AND expires_at > $3"
	" RETURNING account_id, payload";

static const char sql_peek[] =
	"SELECT account_id, payload FROM tokens"
	" WHERE hash = $1 AND purpose = $2 AND used_at IS NULL"
	" AND expires_at > $3";

static const char sql_purge[] =
	"DELETE FROM tokens WHERE expires_at < $1";

/* The purpose column's values, by enum rb_token_purpose. */
static const char *const purpose_names[RB_TOKEN__MAX] = {
	[RB_TOKEN_ACTIVATION] = "activation",
	[RB_TOKEN_RESET] = "reset",
	[RB_TOKEN_EMAIL_CHANGE] = "email_change",
};

int
rb_tokens_create(rb_db *db, enum rb_token_purpose purpose, const char *hash,
    int64_t account, const char *payload, time_t now, int ttl)
{
	rb_stmt *st;
	int rc;

	if ((unsigned)purpose >= RB_TOKEN__MAX || ttl < 1) {
		log_errx("bad token purpose %d or ttl %d", (int)purpose, ttl);
		return -1;
	}
	if ((st = rb_db_prepare(db, sql_void)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_text(st, 2, purpose_names[purpose], -1);
	rb_stmt_bind_int(st, 3, (int64_t)now);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	if ((st = rb_db_prepare(db, sql_add)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, hash, -1);
	rb_stmt_bind_text(st, 2, purpose_names[purpose], -1);
	rb_stmt_bind_int(st, 3, account);
	rb_stmt_bind_text(st, 4, payload, -1);
	rb_stmt_bind_int(st, 5, (int64_t)now);
	rb_stmt_bind_int(st, 6, (int64_t)now + ttl);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

/* rb_tokens_consume() and rb_tokens_peek(), by their SQL. */
static int
token_find(rb_db *db, const char *sql, enum rb_token_purpose purpose,
    const char *hash, time_t now, int64_t *account, char *payload,
    size_t size)
{
	rb_stmt *st;
	int rc;

	*account = 0;
	if (payload != NULL && size > 0)
		payload[0] = '\0';
	if ((unsigned)purpose >= RB_TOKEN__MAX)
		return -1;
	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, hash, -1);
	rb_stmt_bind_text(st, 2, purpose_names[purpose], -1);
	rb_stmt_bind_int(st, 3, (int64_t)now);
	rc = rb_stmt_step(st);
	if (rc == RB_ROW) {
		*account = rb_stmt_int(st, 0);
		if (payload != NULL && size > 0)
			rb_store_copy(payload, size, rb_stmt_text(st, 1));
		/* Run an UPDATE ... RETURNING to its end. */
		while ((rc = rb_stmt_step(st)) == RB_ROW)
			;
		rc = rc == RB_DONE ? RB_ROW : rc;
	}
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_tokens_consume(rb_db *db, enum rb_token_purpose purpose, const char *hash,
    time_t now, int64_t *account, char *payload, size_t size)
{
	return token_find(db, sql_consume, purpose, hash, now, account,
	    payload, size);
}

int
rb_tokens_peek(rb_db *db, enum rb_token_purpose purpose, const char *hash,
    time_t now, int64_t *account, char *payload, size_t size)
{
	return token_find(db, sql_peek, purpose, hash, now, account, payload,
	    size);
}

int
rb_tokens_purge(rb_db *db, time_t before)
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
