/*
 * tokens.c: SQL of the single-use tokens (see tokens.h).
 */
#include "base/log.h"
#include "store/copy.h"
#include "store/tokens.h"

enum tokens_sql {
	SQL_VOID,
	SQL_ADD,
	SQL_CONSUME,
	SQL_PEEK,
	SQL_PURGE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_VOID] =
	"UPDATE tokens SET expires_at = $3"
	" WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL"
	" AND expires_at > $3",
	[SQL_ADD] =
	"INSERT INTO tokens (hash, purpose, account_id, payload, created_at,"
	" expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
	[SQL_CONSUME] =
	"UPDATE tokens SET used_at = $3"
	" WHERE hash = $1 AND purpose = $2 AND used_at IS NULL"
	" AND expires_at > $3"
	" RETURNING account_id, payload",
	[SQL_PEEK] =
	"SELECT account_id, payload FROM tokens"
	" WHERE hash = $1 AND purpose = $2 AND used_at IS NULL"
	" AND expires_at > $3",
	[SQL_PURGE] =
	"DELETE FROM tokens WHERE expires_at < $1",
};

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
	if ((unsigned)purpose >= RB_TOKEN__MAX || ttl < 1) {
		log_errx("bad token purpose %d or ttl %d", (int)purpose, ttl);
		return -1;
	}
	if (rb_db_run(db, sql[SQL_VOID], RB_BINDS(rb_int(account),
	    rb_text(purpose_names[purpose]), rb_int(now)), NULL) != 0)
		return -1;
	return rb_db_run(db, sql[SQL_ADD], RB_BINDS(rb_text(hash),
	    rb_text(purpose_names[purpose]), rb_int(account), rb_text(payload),
	    rb_int(now), rb_int((int64_t)now + ttl)), NULL) == 0 ? 0 : -1;
}

/* Where token_row() copies a token's account and payload. */
struct token_out {
	int64_t	*to_account;
	char	*to_payload;
	size_t	 to_size;
};

static void
token_row(rb_stmt *st, void *arg)
{
	struct token_out *o = arg;

	*o->to_account = rb_stmt_int(st, 0);
	if (o->to_payload != NULL && o->to_size > 0)
		rb_store_copy(o->to_payload, o->to_size, rb_stmt_text(st, 1));
}

/* rb_tokens_consume() and rb_tokens_peek(), by their statement. */
static int
token_find(rb_db *db, enum tokens_sql q, enum rb_token_purpose purpose,
    const char *hash, time_t now, int64_t *account, char *payload,
    size_t size)
{
	struct token_out o = { account, payload, size };
	int rc;

	*account = 0;
	if (payload != NULL && size > 0)
		payload[0] = '\0';
	if ((unsigned)purpose >= RB_TOKEN__MAX)
		return -1;
	rc = rb_db_fetch_one(db, sql[q], RB_BINDS(rb_text(hash),
	    rb_text(purpose_names[purpose]), rb_int(now)), token_row, &o);
	return rc < 0 ? -1 : rc;
}

int
rb_tokens_consume(rb_db *db, enum rb_token_purpose purpose, const char *hash,
    time_t now, int64_t *account, char *payload, size_t size)
{
	return token_find(db, SQL_CONSUME, purpose, hash, now, account,
	    payload, size);
}

int
rb_tokens_peek(rb_db *db, enum rb_token_purpose purpose, const char *hash,
    time_t now, int64_t *account, char *payload, size_t size)
{
	return token_find(db, SQL_PEEK, purpose, hash, now, account, payload,
	    size);
}

int
rb_tokens_purge(rb_db *db, time_t before)
{
	return rb_db_purge(db, sql[SQL_PURGE], before);
}
