/*
 * audit.c: SQL of the audit log (see audit.h).
 */
#include <stdlib.h>

#include "base/log.h"
#include "store/audit.h"

static const char sql_audit_add[] =
	"INSERT INTO audit_log (at, actor_kind, actor_id, action, target, ip,"
	" detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/* Reads the index on (target, at). */
static const char sql_audit_count_since[] =
	"SELECT count(*) FROM audit_log WHERE target = $1 AND at >= $2"
	" AND action = $3";

/* The actor_kind column's values, by enum rb_actor. */
static const char *const actor_names[RB_ACTOR__MAX] = {
	[RB_ACTOR_ANONYMOUS] = "anonymous",
	[RB_ACTOR_SUBSCRIBER] = "subscriber",
	[RB_ACTOR_AGENT] = "agent",
	[RB_ACTOR_SYSTEM] = "system",
};

int
rb_audit(rb_db *db, time_t now, enum rb_actor actor, int64_t actor_id,
    const char *action, const char *target, const char *ip,
    const json_t *detail)
{
	rb_stmt *st;
	char *text = NULL;
	int rc = -1;

	if ((unsigned)actor >= RB_ACTOR__MAX || action == NULL) {
		log_errx("bad audit event");
		return -1;
	}
	if (detail != NULL &&
	    (text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		log_errx("cannot serialise the detail of %s", action);
		return -1;
	}
	if ((st = rb_db_prepare(db, sql_audit_add)) == NULL)
		goto out;
	rb_stmt_bind_int(st, 1, (int64_t)now);
	rb_stmt_bind_text(st, 2, actor_names[actor], -1);
	if (actor_id != 0)
		rb_stmt_bind_int(st, 3, actor_id);
	else
		rb_stmt_bind_null(st, 3);
	rb_stmt_bind_text(st, 4, action, -1);
	rb_stmt_bind_text(st, 5, target, -1);
	rb_stmt_bind_text(st, 6, ip, -1);
	rb_stmt_bind_text(st, 7, text, -1);
	if (rb_stmt_step(st) == RB_DONE)
		rc = 0;
	rb_stmt_reset(st);
out:
	free(text);
	return rc;
}

int
rb_audit_count_since(rb_db *db, const char *action, const char *target,
    time_t since, int64_t *n)
{
	rb_stmt *st;
	int rc;

	*n = 0;
	if ((st = rb_db_prepare(db, sql_audit_count_since)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, target, -1);
	rb_stmt_bind_int(st, 2, (int64_t)since);
	rb_stmt_bind_text(st, 3, action, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		*n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return rc == RB_ROW ? 0 : -1;
}
