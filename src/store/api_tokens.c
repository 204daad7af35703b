/*
 * api_tokens.c: SQL of the personal API tokens (see api_tokens.h).
 */
#include "base/log.h"
#include "store/api_tokens.h"
#include "store/copy.h"

static const char sql_count[] =
	"SELECT count(*) FROM api_tokens"
	" WHERE account_id = $1 AND revoked_at IS NULL";

static const char sql_add[] =
	"INSERT INTO api_tokens (account_id, name, hash, prefix, created_at)"
	" VALUES ($1, $2, $3, $4, $5) RETURNING id";

static const char sql_list[] =
	"SELECT id, name, prefix, created_at, last_used_at FROM api_tokens"
	" WHERE account_id = $1 AND revoked_at IS NULL"
	" ORDER BY created_at, id";

static const char sql_revoke[] =
	"UPDATE api_tokens SET revoked_at = $3"
	" WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL"
	" RETURNING name";

static const char sql_find[] =
	"SELECT t.account_id, t.id FROM api_tokens t"
	" JOIN web_accounts a ON a.id = t.account_id"
	" WHERE t.hash = $1 AND t.revoked_at IS NULL"
	" AND a.status = 'active'";

static const char sql_touch[] =
	"UPDATE api_tokens SET last_used_at = $2"
	" WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)";

int
rb_api_tokens_create(rb_db *db, int64_t account, const char *name,
    const char *hash, const char *prefix, time_t now, int max, int64_t *id)
{
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	*id = 0;
	if ((st = rb_db_prepare(db, sql_count)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	if (rc != RB_ROW)
		return -1;
	if (n >= max)
		return 1;
	if ((st = rb_db_prepare(db, sql_add)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_text(st, 2, name, -1);
	rb_stmt_bind_text(st, 3, hash, -1);
	rb_stmt_bind_text(st, 4, prefix, -1);
	rb_stmt_bind_int(st, 5, (int64_t)now);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*id = rb_stmt_int(st, 0);
		rc = rb_stmt_step(st);
	}
	rb_stmt_reset(st);
	return rc == RB_DONE && *id > 0 ? 0 : -1;
}

int
rb_api_tokens_list(rb_db *db, int64_t account, json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_list)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:o}",
		    "id", (json_int_t)rb_stmt_int(st, 0),
		    "name", rb_stmt_text(st, 1) ? rb_stmt_text(st, 1) : "",
		    "prefix", rb_stmt_text(st, 2) ? rb_stmt_text(st, 2) : "",
		    "created_at", (json_int_t)rb_stmt_int(st, 3),
		    "last_used_at", rb_stmt_is_null(st, 4) ? json_null() :
		    json_integer(rb_stmt_int(st, 4))));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_api_tokens_revoke(rb_db *db, int64_t account, int64_t id, time_t now,
    char *name, size_t size)
{
	rb_stmt *st;
	int rc, found = 0;

	if (name != NULL && size > 0)
		name[0] = '\0';
	if ((st = rb_db_prepare(db, sql_revoke)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_int(st, 3, (int64_t)now);
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		found = 1;
		if (name != NULL && size > 0)
			rb_store_copy(name, size, rb_stmt_text(st, 0));
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	return found ? 0 : 1;
}

int
rb_api_tokens_find(rb_db *db, const char *hash, int64_t *account,
    int64_t *id)
{
	rb_stmt *st;
	int rc;

	*account = *id = 0;
	if ((st = rb_db_prepare(db, sql_find)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, hash, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*account = rb_stmt_int(st, 0);
		*id = rb_stmt_int(st, 1);
	}
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_api_tokens_touch(rb_db *db, int64_t id, time_t now, int granularity_s)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_touch)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	rb_stmt_bind_int(st, 3, (int64_t)now - granularity_s);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}
