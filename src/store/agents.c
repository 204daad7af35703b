/*
 * agents.c: SQL of agents and agent sessions (see agents.h).
 */
#include <string.h>

#include "store/agents.h"
#include "store/copy.h"
#include "store/sessions.h"


enum agents_sql {
	SQL_ADD,
	SQL_BY_EMAIL,
	SQL_BY_ID,
	SQL_BY_ENROL,
	SQL_USE_STEP,
	SQL_SET_PASSWORD,
	SQL_SET_ENROL,
	SQL_CLEAR_ENROL,
	SQL_SET_DISABLED,
	SQL_LIST,
	SQL_S_ADD,
	SQL_S_FIND,
	SQL_S_TOUCH,
	SQL_S_DELETE,
	SQL_S_DELETE_AGENT,
	SQL_S_PURGE,
	SQL__MAX
};

#define AGENT_COLS \
	"id, email, display_name, role, password_hash, totp_secret," \
	" totp_last_step, enrolled, enrol_expires_at, disabled_at, created_at"

static const char *const sql[SQL__MAX] = {
	[SQL_ADD] =
	"INSERT INTO agents (email, display_name, role, password_hash,"
	" totp_secret, enrol_token_hash, enrol_expires_at, created_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	[SQL_BY_EMAIL] =
	"SELECT " AGENT_COLS " FROM agents WHERE email = $1",
	[SQL_BY_ID] =
	"SELECT " AGENT_COLS " FROM agents WHERE id = $1",
	[SQL_BY_ENROL] =
	"SELECT " AGENT_COLS " FROM agents WHERE enrol_token_hash = $1",
	[SQL_USE_STEP] =
	"UPDATE agents SET totp_last_step = $2, enrolled = 1"
	" WHERE id = $1 AND totp_last_step < $2",
	[SQL_SET_PASSWORD] =
	"UPDATE agents SET password_hash = $2 WHERE id = $1",
	[SQL_SET_ENROL] =
	"UPDATE agents SET totp_secret = $2, totp_last_step = 0, enrolled = 0,"
	" enrol_token_hash = $3, enrol_expires_at = $4 WHERE id = $1",
	[SQL_CLEAR_ENROL] =
	"UPDATE agents SET enrol_token_hash = NULL, enrol_expires_at = NULL"
	" WHERE id = $1",
	[SQL_SET_DISABLED] =
	"UPDATE agents SET disabled_at = $2 WHERE id = $1",
	[SQL_LIST] =
	"SELECT id, email, display_name, role, enrolled, disabled_at,"
	" created_at FROM agents ORDER BY email",
	[SQL_S_ADD] =
	"INSERT INTO agent_sessions (id_hash, agent_id, csrf_secret,"
	" created_at, last_seen_at, ip, user_agent)"
	" VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING id",
	[SQL_S_FIND] =
	"SELECT s.id, s.agent_id, s.created_at, s.last_seen_at,"
	" s.csrf_secret, a.email, a.display_name, a.role, a.disabled_at"
	" FROM agent_sessions s JOIN agents a ON a.id = s.agent_id"
	" WHERE s.id_hash = $1",
	[SQL_S_TOUCH] =
	"UPDATE agent_sessions SET last_seen_at = $2"
	" WHERE id = $1 AND last_seen_at < $2",
	[SQL_S_DELETE] =
	"DELETE FROM agent_sessions WHERE id_hash = $1 RETURNING agent_id",
	[SQL_S_DELETE_AGENT] =
	"DELETE FROM agent_sessions WHERE agent_id = $1",
	[SQL_S_PURGE] =
	"DELETE FROM agent_sessions WHERE last_seen_at <= $1"
	" OR created_at <= $2",
};

int
rb_agents_add(rb_db *db, const char *email, const char *name,
    const char *role, const char *password_hash, const char *totp_sealed,
    const char *enrol_hash, int64_t enrol_expires, time_t now, int64_t *id)
{
	int rc;

	*id = 0;
	rc = rb_db_fetch_one(db, sql[SQL_ADD], RB_BINDS(rb_text(email),
	    rb_text(name), rb_text(role), rb_text_or_null(password_hash),
	    rb_text_or_null(totp_sealed), rb_text_or_null(enrol_hash),
	    enrol_expires > 0 ? rb_int(enrol_expires) : rb_null(),
	    rb_int(now)), rb_row_int, id);
	if (rc == RB_CONSTRAINT)
		return RB_CONSTRAINT;
	if (rc != 0 || *id == 0) {
		*id = 0;
		return -1;
	}
	return 0;
}

static void
agent_row(rb_stmt *st, void *arg)
{
	struct rb_agent_row *out = arg;

	out->ar_id = rb_stmt_int(st, 0);
	rb_store_copy(out->ar_email, sizeof(out->ar_email),
	    rb_stmt_text(st, 1));
	rb_store_copy(out->ar_name, sizeof(out->ar_name), rb_stmt_text(st, 2));
	rb_store_copy(out->ar_role, sizeof(out->ar_role), rb_stmt_text(st, 3));
	rb_store_copy(out->ar_password_hash, sizeof(out->ar_password_hash),
	    rb_stmt_text(st, 4));
	rb_store_copy(out->ar_totp_secret, sizeof(out->ar_totp_secret),
	    rb_stmt_text(st, 5));
	out->ar_totp_last_step = rb_stmt_int(st, 6);
	out->ar_enrolled = (int)rb_stmt_int(st, 7);
	out->ar_enrol_expires_at = rb_stmt_is_null(st, 8) ? 0 :
	    rb_stmt_int(st, 8);
	out->ar_disabled_at = rb_stmt_is_null(st, 9) ? 0 : rb_stmt_int(st, 9);
	out->ar_created_at = rb_stmt_int(st, 10);
}

static int
agent_one(rb_db *db, enum agents_sql q, struct rb_bind b,
    struct rb_agent_row *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[q], &b, 1, agent_row, out);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc < 0 ? -1 : rc;
}

int
rb_agents_by_email(rb_db *db, const char *email, struct rb_agent_row *out)
{
	return agent_one(db, SQL_BY_EMAIL, rb_text(email), out);
}

int
rb_agents_by_id(rb_db *db, int64_t id, struct rb_agent_row *out)
{
	return agent_one(db, SQL_BY_ID, rb_int(id), out);
}

int
rb_agents_by_enrol(rb_db *db, const char *enrol_hash,
    struct rb_agent_row *out)
{
	return agent_one(db, SQL_BY_ENROL, rb_text(enrol_hash), out);
}

int
rb_agents_use_step(rb_db *db, int64_t id, int64_t step)
{
	int64_t n = 0;

	if (rb_db_run(db, sql[SQL_USE_STEP], RB_BINDS(rb_int(id),
	    rb_int(step)), &n) != 0)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_agents_set_password(rb_db *db, int64_t id, const char *hash)
{
	return rb_db_run(db, sql[SQL_SET_PASSWORD], RB_BINDS(rb_int(id),
	    rb_text(hash)), NULL) == 0 ? 0 : -1;
}

int
rb_agents_set_enrol(rb_db *db, int64_t id, const char *totp_sealed,
    const char *enrol_hash, int64_t expires)
{
	int64_t n = 0;

	if (rb_db_run(db, sql[SQL_SET_ENROL], RB_BINDS(rb_int(id),
	    rb_text(totp_sealed), rb_text_or_null(enrol_hash),
	    expires > 0 ? rb_int(expires) : rb_null()), &n) != 0)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_agents_clear_enrol(rb_db *db, int64_t id)
{
	return rb_db_run(db, sql[SQL_CLEAR_ENROL], RB_BINDS(rb_int(id)),
	    NULL) == 0 ? 0 : -1;
}

int
rb_agents_set_disabled(rb_db *db, int64_t id, time_t now)
{
	int64_t n = 0;

	if (rb_db_run(db, sql[SQL_SET_DISABLED], RB_BINDS(rb_int(id),
	    now > 0 ? rb_int(now) : rb_null()), &n) != 0)
		return -1;
	if (n == 0)
		return 1;
	return now > 0 ? rb_agent_sessions_delete_agent(db, id) : 0;
}

static void
list_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:o, s:o, s:o, s:b, s:b, "
	    "s:I}",
	    "id", (json_int_t)rb_stmt_int(st, 0),
	    "email", rb_store_json_text(rb_stmt_text(st, 1)),
	    "name", rb_store_json_text(rb_stmt_text(st, 2)),
	    "role", rb_store_json_text(rb_stmt_text(st, 3)),
	    "enrolled", (int)rb_stmt_int(st, 4),
	    "disabled", !rb_stmt_is_null(st, 5),
	    "created_at", (json_int_t)rb_stmt_int(st, 6)));
}

int
rb_agents_list(rb_db *db, json_t **out)
{
	json_t *arr = json_array();

	*out = NULL;
	if (rb_db_fetch_all(db, sql[SQL_LIST], NULL, 0, list_row, arr) != 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_agent_sessions_create(rb_db *db, const char *id_hash, int64_t agent,
    const char *csrf, time_t now, const char *ip, const char *user_agent,
    int64_t *id)
{
	return rb_session_insert(db, sql[SQL_S_ADD], id_hash, agent, csrf,
	    now, ip, user_agent, id);
}

/* What session_row() reads besides the struct: whether it is valid. */
struct session_out {
	struct rb_agent_session_row	*so_row;
	time_t				 so_now;
	int				 so_idle;
	int				 so_absolute;
	int				 so_valid;
};

static void
session_row(rb_stmt *st, void *arg)
{
	struct session_out *o = arg;
	struct rb_agent_session_row *out = o->so_row;

	out->as_id = rb_stmt_int(st, 0);
	out->as_agent_id = rb_stmt_int(st, 1);
	out->as_created_at = rb_stmt_int(st, 2);
	out->as_last_seen_at = rb_stmt_int(st, 3);
	rb_store_copy(out->as_csrf, sizeof(out->as_csrf), rb_stmt_text(st, 4));
	rb_store_copy(out->as_email, sizeof(out->as_email),
	    rb_stmt_text(st, 5));
	rb_store_copy(out->as_name, sizeof(out->as_name), rb_stmt_text(st, 6));
	rb_store_copy(out->as_role, sizeof(out->as_role), rb_stmt_text(st, 7));
	o->so_valid = rb_stmt_is_null(st, 8) &&
	    rb_session_live(out->as_created_at, out->as_last_seen_at,
	    o->so_now, o->so_idle, o->so_absolute);
}

int
rb_agent_sessions_find(rb_db *db, const char *id_hash, time_t now, int idle,
    int absolute, struct rb_agent_session_row *out)
{
	struct session_out o = { out, now, idle, absolute, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_S_FIND], RB_BINDS(rb_text(id_hash)),
	    session_row, &o);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	if (!o.so_valid) {
		memset(out, 0, sizeof(*out));
		return rb_agent_sessions_delete(db, id_hash, NULL) == 0 ? 1 : -1;
	}
	return rb_session_touch(db, sql[SQL_S_TOUCH], out->as_id,
	    &out->as_last_seen_at, now);
}

int
rb_agent_sessions_delete(rb_db *db, const char *id_hash, int64_t *agent)
{
	int64_t who = 0;
	int rc;

	if (agent != NULL)
		*agent = 0;
	rc = rb_db_fetch_one(db, sql[SQL_S_DELETE], RB_BINDS(rb_text(id_hash)),
	    rb_row_int, &who);
	if (rc < 0)
		return -1;
	if (agent != NULL && rc == 0)
		*agent = who;
	return 0;
}

int
rb_agent_sessions_delete_agent(rb_db *db, int64_t agent)
{
	return rb_db_run(db, sql[SQL_S_DELETE_AGENT], RB_BINDS(rb_int(agent)),
	    NULL) == 0 ? 0 : -1;
}

int
rb_agent_sessions_purge(rb_db *db, time_t now, int idle, int absolute)
{
	return rb_db_run(db, sql[SQL_S_PURGE], RB_BINDS(
	    rb_int((int64_t)now - idle), rb_int((int64_t)now - absolute)),
	    NULL) == 0 ? 0 : -1;
}
