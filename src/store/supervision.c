/*
 * supervision.c: SQL of the supervisors' pages (see supervision.h).
 */
#include "store/copy.h"
#include "store/supervision.h"

#define AUDIT_COLS \
	"SELECT a.id, a.at, a.actor_kind, a.actor_id, g.display_name," \
	" a.action, a.target, a.ip, a.detail FROM audit_log a" \
	" LEFT JOIN agents g ON a.actor_kind = 'agent' AND g.id = a.actor_id" \
	" WHERE "
/* $1 target, $2 from, $3 to, $4 actor kind, $5 actor id, $6 limit. */
#define AUDIT_REST \
	" AND a.at >= $2 AND a.at < $3" \
	" AND ($4 = '' OR a.actor_kind = $4) AND ($5 = 0 OR a.actor_id = $5)" \
	" AND ($1 = '' OR a.target = $1)" \
	" ORDER BY a.at DESC, a.id DESC LIMIT $6"

enum supervision_sql {
	SQL_AUDIT_BY_TARGET,
	SQL_AUDIT_BY_ACTOR,
	SQL_AUDIT_BY_TIME,
	SQL_REQUESTS,
	SQL_PAYMENTS,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_AUDIT_BY_TARGET] = AUDIT_COLS "a.target = $1" AUDIT_REST,
	[SQL_AUDIT_BY_ACTOR] =
	    AUDIT_COLS "a.actor_kind = $4 AND a.actor_id = $5" AUDIT_REST,
	[SQL_AUDIT_BY_TIME] = AUDIT_COLS "1 = 1" AUDIT_REST,
	/* $1 now: ages in seconds. */
	[SQL_REQUESTS] =
	"SELECT subject,"
	" sum(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END),"
	" sum(CASE WHEN status <> 'closed' AND created_at > $1 - 172800"
	" THEN 1 ELSE 0 END),"
	" sum(CASE WHEN status <> 'closed' AND created_at <= $1 - 172800"
	" AND created_at > $1 - 604800 THEN 1 ELSE 0 END),"
	" sum(CASE WHEN status <> 'closed' AND created_at <= $1 - 604800"
	" THEN 1 ELSE 0 END),"
	" sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END)"
	" FROM contact_requests GROUP BY subject ORDER BY 2 DESC, subject",
	/* Reads the index on payments (created_at) of 0015. */
	[SQL_PAYMENTS] =
	"SELECT method, count(*), sum(amount_cents) FROM payments"
	" WHERE created_at >= $1 AND status = 'succeeded'"
	" GROUP BY method ORDER BY 3 DESC, method",
};

static const char *const audit_cols[] = { "id", "at", "actor_kind",
    "actor_id", "agent_name", "action", "target", "ip", "detail" };
static const char *const request_cols[] = { "subject", "total",
    "under_2_days", "days_2_to_7", "over_7_days", "closed" };
static const char *const payment_cols[] = { "method", "count",
    "total_cents" };

static void
audit_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, rb_store_json_object(st, audit_cols,
	    "iisisssss"));
}

static void
request_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, rb_store_json_object(st, request_cols,
	    "siiiii"));
}

static void
payment_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, rb_store_json_object(st, payment_cols,
	    "sii"));
}

int
rb_supervision_audit(rb_db *db, const struct rb_audit_filter *f, int max,
    json_t **out)
{
	const char *target = f->af_target != NULL ? f->af_target : "";
	const char *kind = f->af_actor_kind != NULL ? f->af_actor_kind : "";
	enum supervision_sql q;

	if (target[0] != '\0')
		q = SQL_AUDIT_BY_TARGET;
	else if (kind[0] != '\0' && f->af_actor_id != 0)
		q = SQL_AUDIT_BY_ACTOR;
	else
		q = SQL_AUDIT_BY_TIME;
	return rb_store_json_rows(db, sql[q], RB_BINDS(rb_text(target),
	    rb_int(f->af_from), rb_int(f->af_to), rb_text(kind),
	    rb_int(f->af_actor_id), rb_int(max)), audit_row, out);
}

int
rb_supervision_requests(rb_db *db, int64_t now, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_REQUESTS],
	    RB_BINDS(rb_int(now)), request_row, out);
}

int
rb_supervision_payments(rb_db *db, int64_t since, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_PAYMENTS],
	    RB_BINDS(rb_int(since)), payment_row, out);
}
