/*
 * outbox.c: SQL of the mail outbox: queue, claim, mark sent or failed
 * with exponential back-off, list (see outbox.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/outbox.h"
#include "store/copy.h"

#define ERROR_MAX	1000	/* bytes of last_error kept */

static const char sql_enqueue[] =
	"INSERT INTO mail_outbox (to_addr, subject, body_text, body_html,"
	" created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)"
	" RETURNING id";

/*
 * The outer conditions repeat the inner ones: on PostgreSQL a row
 * claimed by a concurrent sender between the subquery and the update is
 * re-checked against them and skipped.
 */
static const char sql_claim[] =
	"UPDATE mail_outbox SET next_attempt_at = $2"
	" WHERE id IN (SELECT id FROM mail_outbox"
	"  WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $3"
	"  ORDER BY next_attempt_at, id LIMIT $4)"
	" AND sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $3"
	" RETURNING id, to_addr, subject, body_text, body_html, created_at,"
	" attempts";

static const char sql_mark_sent[] =
	"UPDATE mail_outbox SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL";

static const char sql_mark_failed[] =
	"UPDATE mail_outbox SET attempts = $2, last_error = $3,"
	" next_attempt_at = $4 WHERE id = $1 AND sent_at IS NULL";

static const char sql_forget_bodies[] =
	"UPDATE mail_outbox SET body_text = '', body_html = NULL"
	" WHERE id = $1 AND (sent_at IS NOT NULL OR next_attempt_at = $2)";

static const char sql_release[] =
	"UPDATE mail_outbox SET next_attempt_at = $2"
	" WHERE id = $1 AND sent_at IS NULL";

static const char sql_list_recent[] =
	"SELECT id, to_addr, subject, body_text, body_html, created_at,"
	" sent_at, attempts, last_error, next_attempt_at FROM mail_outbox"
	" ORDER BY id DESC LIMIT $1";

static const char sql_counts[] =
	"SELECT"
	" COALESCE(SUM(CASE WHEN next_attempt_at < $1 THEN 1 ELSE 0 END), 0),"
	" COALESCE(SUM(CASE WHEN next_attempt_at = $1 THEN 1 ELSE 0 END), 0)"
	" FROM mail_outbox WHERE sent_at IS NULL";

/* Runs st, which changes one row or none; 0 on success, -1 on failure. */
static int
run_update(rb_stmt *st)
{
	int rc = rb_stmt_step(st);

	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_outbox_enqueue(rb_db *db, const char *to, const char *subject,
    const char *text, const char *html, int64_t now, int64_t *id)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_enqueue)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, to, -1);
	rb_stmt_bind_text(st, 2, subject, -1);
	rb_stmt_bind_text(st, 3, text, -1);
	rb_stmt_bind_text(st, 4, html, -1);	/* NULL binds SQL NULL */
	rb_stmt_bind_int(st, 5, now);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		if (id != NULL)
			*id = rb_stmt_int(st, 0);
		rc = rb_stmt_step(st);
	}
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

static int
cmp_msg(const void *a, const void *b)
{
	const struct rb_outbox_msg *x = a, *y = b;

	return x->om_id < y->om_id ? -1 : x->om_id > y->om_id;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? rb_xstrdup(s) : NULL;
}

int
rb_outbox_claim(rb_db *db, int64_t now, int64_t lease_until,
    int max_attempts, int limit, struct rb_outbox_msg **msgs, size_t *n)
{
	struct rb_outbox_msg *v = NULL, *m;
	size_t len = 0, cap = 0;
	rb_stmt *st;
	int rc;

	*msgs = NULL;
	*n = 0;
	if (limit <= 0)
		return 0;
	if ((st = rb_db_prepare(db, sql_claim)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, now);
	rb_stmt_bind_int(st, 2, lease_until);
	rb_stmt_bind_int(st, 3, max_attempts);
	rb_stmt_bind_int(st, 4, limit);
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		if (len == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = rb_xrealloc(v, cap * sizeof(*v));
		}
		m = &v[len++];
		m->om_id = rb_stmt_int(st, 0);
		m->om_to = rb_xstrdup(rb_stmt_text(st, 1));
		m->om_subject = rb_xstrdup(rb_stmt_text(st, 2));
		m->om_text = rb_xstrdup(rb_stmt_text(st, 3));
		m->om_html = dup_or_null(rb_stmt_text(st, 4));
		m->om_created_at = rb_stmt_int(st, 5);
		m->om_attempts = (int)rb_stmt_int(st, 6);
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		rb_outbox_msgs_free(v, len);
		return -1;
	}
	/* RETURNING gives no order: deliver in queueing order. */
	if (len > 1)
		qsort(v, len, sizeof(*v), cmp_msg);
	*msgs = v;
	*n = len;
	return 0;
}

void
rb_outbox_msgs_free(struct rb_outbox_msg *msgs, size_t n)
{
	size_t i;

	if (msgs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(msgs[i].om_to);
		free(msgs[i].om_subject);
		free(msgs[i].om_text);
		free(msgs[i].om_html);
	}
	free(msgs);
}

int
rb_outbox_mark_sent(rb_db *db, int64_t id, int64_t now)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_mark_sent)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, now);
	return run_update(st);
}

int64_t
rb_outbox_retry_delay(int attempts)
{
	int64_t delay = RB_OUTBOX_RETRY_FIRST;
	int i;

	for (i = 1; i < attempts && delay < RB_OUTBOX_RETRY_MAX; i++)
		delay *= 2;
	return delay < RB_OUTBOX_RETRY_MAX ? delay : RB_OUTBOX_RETRY_MAX;
}

int
rb_outbox_mark_failed(rb_db *db, const struct rb_outbox_msg *m,
    const char *error, int64_t now, int max_attempts, int *gave_up)
{
	int attempts = m->om_attempts + 1, over;
	char text[ERROR_MAX + 64];
	rb_stmt *st;

	over = attempts >= max_attempts;
	if (gave_up != NULL)
		*gave_up = over;
	if (error == NULL || error[0] == '\0')
		error = "unknown error";
	/* %.*s may cut a UTF-8 sequence: error texts are English ASCII. */
	if (over)
		snprintf(text, sizeof(text), RB_OUTBOX_GAVE_UP "%d attempt%s: "
		    "%.*s", attempts, attempts > 1 ? "s" : "", ERROR_MAX, error);
	else
		snprintf(text, sizeof(text), "%.*s", ERROR_MAX, error);
	if ((st = rb_db_prepare(db, sql_mark_failed)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, m->om_id);
	rb_stmt_bind_int(st, 2, attempts);
	rb_stmt_bind_text(st, 3, text, -1);
	rb_stmt_bind_int(st, 4, over ? RB_OUTBOX_NEVER :
	    now + rb_outbox_retry_delay(attempts));
	return run_update(st);
}

int
rb_outbox_forget_bodies(rb_db *db, int64_t id)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_forget_bodies)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, RB_OUTBOX_NEVER);
	return run_update(st);
}

int
rb_outbox_release(rb_db *db, int64_t id, int64_t now)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_release)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, now);
	return run_update(st);
}

int
rb_outbox_list_recent(rb_db *db, int limit, json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_list_recent)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, limit < 0 ? 0 : limit);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:o, s:o,"
		    " s:I, s:o, s:I, s:o, s:b}",
		    "id", (json_int_t)rb_stmt_int(st, 0),
		    "to", rb_store_json_text(rb_stmt_text(st, 1)),
		    "subject", rb_store_json_text(rb_stmt_text(st, 2)),
		    "text", rb_store_json_text(rb_stmt_text(st, 3)),
		    "html", rb_store_json_text(rb_stmt_text(st, 4)),
		    "created_at", (json_int_t)rb_stmt_int(st, 5),
		    "sent_at", rb_stmt_is_null(st, 6) ? json_null() :
		    json_integer(rb_stmt_int(st, 6)),
		    "attempts", (json_int_t)rb_stmt_int(st, 7),
		    "last_error", rb_store_json_text(rb_stmt_text(st, 8)),
		    "given_up", rb_stmt_is_null(st, 6) &&
		    rb_stmt_int(st, 9) == RB_OUTBOX_NEVER));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_outbox_counts(rb_db *db, int64_t *pending, int64_t *given_up)
{
	rb_stmt *st;
	int rc;

	*pending = *given_up = 0;
	if ((st = rb_db_prepare(db, sql_counts)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, RB_OUTBOX_NEVER);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*pending = rb_stmt_int(st, 0);
		*given_up = rb_stmt_int(st, 1);
		rc = rb_stmt_step(st);
	}
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}
