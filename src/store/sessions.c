/*
 * sessions.c: SQL of the server-side sessions (see sessions.h).
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "store/copy.h"
#include "store/sessions.h"

#define IP_MAX		64
#define USER_AGENT_MAX	256

enum sessions_sql {
	SQL_ADD,
	SQL_FIND,
	SQL_TOUCH,
	SQL_DELETE,
	SQL_DELETE_ID,
	SQL_DELETE_ACCOUNT,
	SQL_LIST,
	SQL_PURGE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_ADD] =
	"INSERT INTO sessions (id_hash, account_id, csrf_secret, created_at,"
	" last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6)"
	" RETURNING id",
	[SQL_FIND] =
	"SELECT s.id, s.account_id, s.created_at, s.last_seen_at,"
	" s.csrf_secret, a.email, a.first_name, a.last_name,"
	" CASE WHEN a.status = 'active' THEN 1 ELSE 0 END"
	" FROM sessions s JOIN web_accounts a ON a.id = s.account_id"
	" WHERE s.id_hash = $1",
	[SQL_TOUCH] =
	"UPDATE sessions SET last_seen_at = $2"
	" WHERE id = $1 AND last_seen_at < $2",
	[SQL_DELETE] =
	"DELETE FROM sessions WHERE id_hash = $1 RETURNING account_id",
	[SQL_DELETE_ID] =
	"DELETE FROM sessions WHERE id = $1 AND account_id = $2",
	[SQL_DELETE_ACCOUNT] =
	"DELETE FROM sessions WHERE account_id = $1 AND id <> $2",
	[SQL_LIST] =
	"SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions"
	" WHERE account_id = $1 AND last_seen_at > $2 AND created_at > $3"
	" ORDER BY last_seen_at DESC, id DESC",
	[SQL_PURGE] =
	"DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2",
};

/* s cut to size - 1 bytes at a character boundary in buf, or NULL. */
static const char *
cut(char *buf, size_t size, const char *s)
{
	if (s == NULL)
		return NULL;
	rb_store_copy(buf, size, s);
	return buf;
}

int
rb_session_insert(rb_db *db, const char *query, const char *id_hash,
    int64_t owner, const char *csrf, time_t now, const char *ip,
    const char *user_agent, int64_t *id)
{
	char ipbuf[IP_MAX], uabuf[USER_AGENT_MAX];

	*id = 0;
	if (rb_db_fetch_one(db, query, RB_BINDS(rb_text(id_hash),
	    rb_int(owner), rb_text(csrf), rb_int(now),
	    rb_text(cut(ipbuf, sizeof(ipbuf), ip)),
	    rb_text(cut(uabuf, sizeof(uabuf), user_agent))), rb_row_int,
	    id) != 0 || *id == 0) {
		*id = 0;
		return -1;
	}
	return 0;
}

int
rb_session_live(int64_t created_at, int64_t last_seen_at, time_t now,
    int idle, int absolute)
{
	return last_seen_at > (int64_t)now - idle &&
	    created_at > (int64_t)now - absolute;
}

int
rb_session_touch(rb_db *db, const char *query, int64_t id,
    int64_t *last_seen_at, time_t now)
{
	if ((int64_t)now - *last_seen_at < RB_SESSION_TOUCH_S)
		return 0;
	if (rb_db_run(db, query, RB_BINDS(rb_int(id), rb_int(now)),
	    NULL) != 0)
		return -1;
	*last_seen_at = now;
	return 0;
}

int
rb_sessions_create(rb_db *db, const char *id_hash, int64_t account,
    const char *csrf, time_t now, const char *ip, const char *user_agent,
    int64_t *id)
{
	return rb_session_insert(db, sql[SQL_ADD], id_hash, account, csrf,
	    now, ip, user_agent, id);
}

/* What session_row() reads besides the struct: whether it is valid. */
struct session_out {
	struct rb_session_row	*so_row;
	time_t			 so_now;
	int			 so_idle;
	int			 so_absolute;
	int			 so_valid;
};

static void
session_row(rb_stmt *st, void *arg)
{
	struct session_out *o = arg;
	struct rb_session_row *out = o->so_row;

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
	/* The account's status compared in the statement: an integer, not
	   one more text copied at every request. */
	o->so_valid = rb_stmt_int(st, 8) == 1 &&
	    rb_session_live(out->sr_created_at, out->sr_last_seen_at,
	    o->so_now, o->so_idle, o->so_absolute);
}

/* Reads the session into o->so_row: 0 found (o->so_valid says whether
   it is still live), 1 none, -1 error. */
static int
session_read(rb_db *db, const char *id_hash, struct session_out *o)
{
	int rc;

	memset(o->so_row, 0, sizeof(*o->so_row));
	rc = rb_db_fetch_one(db, sql[SQL_FIND], RB_BINDS(rb_text(id_hash)),
	    session_row, o);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	return 0;
}

int
rb_sessions_find(rb_db *db, const char *id_hash, time_t now, int idle,
    int absolute, struct rb_session_row *out)
{
	struct session_out o = { out, now, idle, absolute, 0 };
	int rc;

	if ((rc = session_read(db, id_hash, &o)) != 0)
		return rc;
	if (!o.so_valid) {
		/* Expired, or its account is no longer active: the row is
		   of no further use. */
		memset(out, 0, sizeof(*out));
		return rb_sessions_delete(db, id_hash, NULL) == 0 ? 1 : -1;
	}
	return rb_session_touch(db, sql[SQL_TOUCH], out->sr_id,
	    &out->sr_last_seen_at, now);
}

int
rb_sessions_peek(rb_db *db, const char *id_hash, time_t now, int idle,
    int absolute, struct rb_session_row *out)
{
	struct session_out o = { out, now, idle, absolute, 0 };
	int rc;

	if ((rc = session_read(db, id_hash, &o)) != 0)
		return rc;
	if (o.so_valid &&
	    (int64_t)now - out->sr_last_seen_at < RB_SESSION_TOUCH_S)
		return 0;
	memset(out, 0, sizeof(*out));
	return 2;
}

/* Sends the notice "what:id" on RB_SESSIONS_CHANNEL. 0 or -1. */
static int
notify_id(rb_db *db, const char *what, int64_t id)
{
	char payload[48];

	snprintf(payload, sizeof(payload), "%s:%lld", what, (long long)id);
	return rb_db_notify(db, RB_SESSIONS_CHANNEL, payload);
}

int
rb_sessions_notify_account(rb_db *db, int64_t account)
{
	return notify_id(db, "account", account);
}

int
rb_sessions_delete(rb_db *db, const char *id_hash, int64_t *account)
{
	int64_t who = 0;
	int rc;

	if (account != NULL)
		*account = 0;
	rc = rb_db_fetch_one(db, sql[SQL_DELETE], RB_BINDS(rb_text(id_hash)),
	    rb_row_int, &who);
	if (rc < 0)
		return -1;
	if (rc == 0 && rb_db_notify(db, RB_SESSIONS_CHANNEL, id_hash) != 0)
		return -1;
	if (account != NULL && rc == 0)
		*account = who;
	return 0;
}

int
rb_sessions_delete_id(rb_db *db, int64_t account, int64_t id)
{
	int64_t n;

	if (rb_db_run(db, sql[SQL_DELETE_ID], RB_BINDS(rb_int(id),
	    rb_int(account)), &n) != 0)
		return -1;
	if (n > 0 && notify_id(db, "session", id) != 0)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_sessions_delete_account(rb_db *db, int64_t account, int64_t keep,
    int *count)
{
	int64_t n;

	if (count != NULL)
		*count = 0;
	if (rb_db_run(db, sql[SQL_DELETE_ACCOUNT], RB_BINDS(rb_int(account),
	    rb_int(keep)), &n) != 0)
		return -1;
	if (n > 0 && rb_sessions_notify_account(db, account) != 0)
		return -1;
	if (count != NULL)
		*count = (int)n;
	return 0;
}

/* session_list_row()'s argument: the array and the current id. */
static void
session_list_row(rb_stmt *st, void *arg)
{
	struct rb_sessions_list_q *q = arg;
	json_t *o = json_object();

	/* Key by key: json_pack's format is read again at every row. */
	json_object_set_new_nocheck(o, "id", json_integer(rb_stmt_int(st, 0)));
	json_object_set_new_nocheck(o, "created_at",
	    json_integer(rb_stmt_int(st, 1)));
	json_object_set_new_nocheck(o, "last_seen_at",
	    json_integer(rb_stmt_int(st, 2)));
	json_object_set_new_nocheck(o, "ip",
	    rb_store_json_text(rb_stmt_text(st, 3)));
	json_object_set_new_nocheck(o, "user_agent",
	    rb_store_json_text(rb_stmt_text(st, 4)));
	json_object_set_new_nocheck(o, "current",
	    json_boolean(rb_stmt_int(st, 0) == q->lq_current));
	json_array_append_new(q->lq_rows, o);
}

void
rb_sessions_list_read(struct rb_sessions_list_q *q, int64_t account,
    int64_t current, time_t now, int idle, int absolute,
    struct rb_db_read *r)
{
	q->lq_b[0] = rb_int(account);
	q->lq_b[1] = rb_int((int64_t)now - idle);
	q->lq_b[2] = rb_int((int64_t)now - absolute);
	q->lq_rows = json_array();
	q->lq_current = current;
	*r = (struct rb_db_read){ sql[SQL_LIST], q->lq_b, 3,
	    session_list_row, q, 0 };
}

int
rb_sessions_list(rb_db *db, int64_t account, int64_t current, time_t now,
    int idle, int absolute, json_t **out)
{
	struct rb_sessions_list_q q;
	struct rb_db_read r;

	*out = NULL;
	rb_sessions_list_read(&q, account, current, now, idle, absolute, &r);
	if (rb_db_fetch_all(db, r.dr_sql, r.dr_b, r.dr_n, r.dr_row,
	    r.dr_arg) != 0) {
		json_decref(q.lq_rows);
		return -1;
	}
	*out = q.lq_rows;
	return 0;
}

int
rb_sessions_purge(rb_db *db, time_t now, int idle, int absolute)
{
	return rb_db_run(db, sql[SQL_PURGE], RB_BINDS(
	    rb_int((int64_t)now - idle), rb_int((int64_t)now - absolute)),
	    NULL) == 0 ? 0 : -1;
}
