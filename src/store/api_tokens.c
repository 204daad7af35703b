/*
 * api_tokens.c: SQL of the personal API tokens (see api_tokens.h).
 */
#include "base/log.h"
#include "store/api_tokens.h"
#include "store/copy.h"

enum api_tokens_sql {
	SQL_COUNT,
	SQL_ADD,
	SQL_LIST,
	SQL_REVOKE,
	SQL_FIND,
	SQL_TOUCH,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_COUNT] =
	"SELECT count(*) FROM api_tokens"
	" WHERE account_id = $1 AND revoked_at IS NULL",
	[SQL_ADD] =
	"INSERT INTO api_tokens (account_id, name, hash, prefix, created_at)"
	" VALUES ($1, $2, $3, $4, $5) RETURNING id",
	[SQL_LIST] =
	"SELECT id, name, prefix, created_at, last_used_at FROM api_tokens"
	" WHERE account_id = $1 AND revoked_at IS NULL"
	" ORDER BY created_at, id",
	[SQL_REVOKE] =
	"UPDATE api_tokens SET revoked_at = $3"
	" WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL"
	" RETURNING name",
	[SQL_FIND] =
	"SELECT t.account_id, t.id FROM api_tokens t"
	" JOIN web_accounts a ON a.id = t.account_id"
	" WHERE t.hash = $1 AND t.revoked_at IS NULL"
	" AND a.status = 'active'",
	[SQL_TOUCH] =
	"UPDATE api_tokens SET last_used_at = $2"
	" WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
};

int
rb_api_tokens_create(rb_db *db, int64_t account, const char *name,
    const char *hash, const char *prefix, time_t now, int max, int64_t *id)
{
	int64_t n = 0;

	*id = 0;
	if (rb_db_fetch_one(db, sql[SQL_COUNT], RB_BINDS(rb_int(account)),
	    rb_row_int, &n) != 0)
		return -1;
	if (n >= max)
		return 1;
	if (rb_db_fetch_one(db, sql[SQL_ADD], RB_BINDS(rb_int(account),
	    rb_text(name), rb_text(hash), rb_text(prefix), rb_int(now)),
	    rb_row_int, id) != 0 || *id <= 0) {
		*id = 0;
		return -1;
	}
	return 0;
}

static void
token_row(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:o}",
	    "id", (json_int_t)rb_stmt_int(st, 0),
	    "name", rb_stmt_text(st, 1) ? rb_stmt_text(st, 1) : "",
	    "prefix", rb_stmt_text(st, 2) ? rb_stmt_text(st, 2) : "",
	    "created_at", (json_int_t)rb_stmt_int(st, 3),
	    "last_used_at", rb_stmt_is_null(st, 4) ? json_null() :
	    json_integer(rb_stmt_int(st, 4))));
}

int
rb_api_tokens_list(rb_db *db, int64_t account, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_LIST], RB_BINDS(rb_int(account)),
	    token_row, out);
}

void
rb_api_tokens_list_read(struct rb_api_tokens_q *q, int64_t account,
    struct rb_db_read *r)
{
	q->tq_b[0] = rb_int(account);
	q->tq_rows = json_array();
	*r = (struct rb_db_read){ sql[SQL_LIST], q->tq_b, 1, token_row,
	    q->tq_rows, 0 };
}

/* Where name_row() copies the name of a revoked token. */
struct name_out {
	char	*no_name;
	size_t	 no_size;
};

static void
name_row(rb_stmt *st, void *arg)
{
	struct name_out *o = arg;

	if (o->no_name != NULL && o->no_size > 0)
		rb_store_copy(o->no_name, o->no_size, rb_stmt_text(st, 0));
}

int
rb_api_tokens_revoke(rb_db *db, int64_t account, int64_t id, time_t now,
    char *name, size_t size)
{
	struct name_out o = { name, size };
	int rc;

	if (name != NULL && size > 0)
		name[0] = '\0';
	rc = rb_db_fetch_one(db, sql[SQL_REVOKE], RB_BINDS(rb_int(id),
	    rb_int(account), rb_int(now)), name_row, &o);
	return rc < 0 ? -1 : rc;
}

/* Where find_row() copies a token's account and id. */
struct find_out {
	int64_t	*fo_account;
	int64_t	*fo_id;
};

static void
find_row(rb_stmt *st, void *arg)
{
	struct find_out *o = arg;

	*o->fo_account = rb_stmt_int(st, 0);
	*o->fo_id = rb_stmt_int(st, 1);
}

int
rb_api_tokens_find(rb_db *db, const char *hash, int64_t *account,
    int64_t *id)
{
	struct find_out o = { account, id };
	int rc;

	*account = *id = 0;
	rc = rb_db_fetch_one(db, sql[SQL_FIND], RB_BINDS(rb_text(hash)),
	    find_row, &o);
	if (rc != 0)
		*account = *id = 0;
	return rc < 0 ? -1 : rc;
}

int
rb_api_tokens_touch(rb_db *db, int64_t id, time_t now, int granularity_s)
{
	return rb_api_tokens_touched(db, id, now, granularity_s, NULL);
}

int
rb_api_tokens_touched(rb_db *db, int64_t id, time_t now, int granularity_s,
    int *wrote)
{
	int64_t changes = 0;

	if (wrote != NULL)
		*wrote = 0;
	if (rb_db_run(db, sql[SQL_TOUCH], RB_BINDS(rb_int(id), rb_int(now),
	    rb_int((int64_t)now - granularity_s)), &changes) != 0)
		return -1;
	if (wrote != NULL)
		*wrote = changes > 0;
	return 0;
}
