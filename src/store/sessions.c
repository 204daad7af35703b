/*
 * sessions.c: SQL of the server-side sessions (see sessions.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/copy.h"
#include "store/sessions.h"

#define IP_MAX		64
#define USER_AGENT_MAX	256

static const char sql_add[] =
	"INSERT INTO sessions (id_hash, account_id, csrf_secret, created_at,"
	" last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6)"
	" RETURNING id";

static const char sql_find[] =
	"SELECT s.id, s.account_id, s.created_at, s.last_seen_at,"
	" s.csrf_secret, a.email, a.first_name, a.last_name, a.status"
	" FROM sessions s JOIN web_accounts a ON a.id = s.account_id"
	" WHERE s.id_hash = $1";

static const char sql_touch[] =
	"UPDATE sessions SET last_seen_at = $2"
	" WHERE id = $1 AND last_seen_at < $2";

static const char sql_delete[] =
	"DELETE FROM sessions WHERE id_hash = $1 RETURNING account_id";

static const char sql_delete_id[] =
	"DELETE FROM sessions WHERE id = $1 AND account_id = $2";

static const char sql_delete_account[] =
	"DELETE FROM sessions WHERE account_id = $1 AND id <> $2";

static const char sql_list[] =
	"SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions"
	" WHERE account_id = $1 AND last_seen_at > $2 AND created_at > $3"
	" ORDER BY last_seen_at DESC, id DESC";

static const char sql_purge[] =
	"DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2";

/* Binds s cut to max bytes at a character boundary (NULL binds NULL). */
static void
bind_cut(rb_stmt *st, int idx, const char *s, size_t max)
{
	char *copy;

	if (s == NULL || strlen(s) < max) {
		rb_stmt_bind_text(st, idx, s, -1);
		return;
	}
	copy = rb_xmalloc(max);
	rb_store_copy(copy, max, s);
	rb_stmt_bind_text(st, idx, copy, -1);
	free(copy);
}

int
rb_sessions_create(rb_db *db, const char *id_hash, int64_t account,
    const char *csrf, time_t now, const char *ip, const char *user_agent,
    int64_t *id)
{
	rb_stmt *st;
	int rc;

	*id = 0;
	if ((st = rb_db_prepare(db, sql_add)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, id_hash, -1);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_text(st, 3, csrf, -1);
	rb_stmt_bind_int(st, 4, (int64_t)now);
	bind_cut(st, 5, ip, IP_MAX);
	bind_cut(st, 6, user_agent, USER_AGENT_MAX);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*id = rb_stmt_int(st, 0);
		rc = rb_stmt_step(st);
	}
	rb_stmt_reset(st);
	return rc == RB_DONE && *id != 0 ? 0 : -1;
}

int
rb_sessions_find(rb_db *db, const char *id_hash, time_t now, int idle,
    int absolute, struct rb_session_row *out)
{
	rb_stmt *st;
	const char *status;
	int rc, valid = 0;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_find)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, id_hash, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		out->sr_id = rb_stmt_int(st, 0);
		out->sr_account_id = rb_stmt_int(st, 1);
		out->sr_created_at = rb_stmt_int(st, 2);
		out->sr_last_seen_at = rb_stmt_int(st, 3);
		rb_store_copy(out->sr_csrf, sizeof(out->sr_csrf),
		    rb_stmt_text(st, 4));
		rb_store_copy(out->sr_email, sizeof(out->sr_email),
		    rb_stmt_text(st, 5));
		rb_store_copy(out->sr_first_name, sizeof(out->sr_first_name),
		    rb_stmt_text(st, 6));
		rb_store_copy(out->sr_last_name, sizeof(out->sr_last_name),
		    rb_stmt_text(st, 7));
		status = rb_stmt_text(st, 8);
		valid = status != NULL && strcmp(status, "active") == 0 &&
		    out->sr_last_seen_at > (int64_t)now - idle &&
		    out->sr_created_at > (int64_t)now - absolute;
	}
	rb_stmt_reset(st);
	if (rc == RB_DONE)
		return 1;
	if (rc != RB_ROW)
		return -1;
	if (!valid) {
		/* Expired, or its account is no longer active: the row is
		   of no further use. */
		memset(out, 0, sizeof(*out));
		return rb_sessions_delete(db, id_hash, NULL) == 0 ? 1 : -1;
	}
	if ((int64_t)now - out->sr_last_seen_at < RB_SESSION_TOUCH_S)
		return 0;
	if ((st = rb_db_prepare(db, sql_touch)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, out->sr_id);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	out->sr_last_seen_at = now;
	return 0;
}

int
rb_sessions_delete(rb_db *db, const char *id_hash, int64_t *account)
{
	rb_stmt *st;
	int rc;

	if (account != NULL)
		*account = 0;
	if ((st = rb_db_prepare(db, sql_delete)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, id_hash, -1);
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		if (account != NULL)
			*account = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_sessions_delete_id(rb_db *db, int64_t account, int64_t id)
{
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	if ((st = rb_db_prepare(db, sql_delete_id)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, account);
	if ((rc = rb_stmt_step(st)) == RB_DONE)
		n = rb_stmt_changes(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_sessions_delete_account(rb_db *db, int64_t account, int64_t keep,
    int *count)
{
	rb_stmt *st;
	int rc;

	if (count != NULL)
		*count = 0;
	if ((st = rb_db_prepare(db, sql_delete_account)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, keep);
	if ((rc = rb_stmt_step(st)) == RB_DONE && count != NULL)
		*count = (int)rb_stmt_changes(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_sessions_list(rb_db *db, int64_t account, int64_t current, time_t now,
    int idle, int absolute, json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_list)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, (int64_t)now - idle);
	rb_stmt_bind_int(st, 3, (int64_t)now - absolute);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:o, "
		    "s:o, s:b}",
		    "id", (json_int_t)rb_stmt_int(st, 0),
		    "created_at", (json_int_t)rb_stmt_int(st, 1),
		    "last_seen_at", (json_int_t)rb_stmt_int(st, 2),
		    "ip", rb_store_json_text(rb_stmt_text(st, 3)),
		    "user_agent", rb_store_json_text(rb_stmt_text(st, 4)),
		    "current", rb_stmt_int(st, 0) == current));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_sessions_purge(rb_db *db, time_t now, int idle, int absolute)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_purge)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, (int64_t)now - idle);
	rb_stmt_bind_int(st, 2, (int64_t)now - absolute);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}
