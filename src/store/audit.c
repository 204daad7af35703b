/*
 * audit.c: SQL of the audit log (see audit.h).
 */
#include <stdlib.h>

#include "base/mem.h"
#include "base/log.h"
#include "store/audit.h"

enum audit_sql {
	SQL_AUDIT_ADD,
	SQL_AUDIT_COUNT_SINCE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_AUDIT_ADD] =
	"INSERT INTO audit_log (at, actor_kind, actor_id, action, target, ip,"
	" detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	/* Reads the index on (target, at). */
	[SQL_AUDIT_COUNT_SINCE] =
	"SELECT count(*) FROM audit_log WHERE target = $1 AND at >= $2"
	" AND action = $3",
};

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
	if (rb_db_run(db, sql[SQL_AUDIT_ADD], RB_BINDS(rb_int(now),
	    rb_text(actor_names[actor]),
	    actor_id != 0 ? rb_int(actor_id) : rb_null(), rb_text(action),
	    rb_text(target), rb_text(ip), rb_text(text)), NULL) == 0)
		rc = 0;
	rb_json_free(text);
	return rc;
}

int
rb_audit_count_since(rb_db *db, const char *action, const char *target,
    time_t since, int64_t *n)
{
	*n = 0;
	if (rb_db_fetch_one(db, sql[SQL_AUDIT_COUNT_SINCE],
	    RB_BINDS(rb_text(target), rb_int(since), rb_text(action)),
	    rb_row_int, n) != 0) {
		*n = 0;
		return -1;
	}
	return 0;
}
