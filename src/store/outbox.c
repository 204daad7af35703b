/*
 * outbox.c: SQL of the mail outbox: queue with attached files, claim,
 * mark sent or failed with exponential back-off, list (see outbox.h).
 *
 * Run-once with several servers: a message is claimed by a lease, one
 * conditional UPDATE ... RETURNING that moves next_attempt_at of due rows
 * to the sender's lease deadline, so that no other sender finds them due
 * until the lease ends. It runs on its own, outside rb_db_begin(): on
 * PostgreSQL at READ COMMITTED, where FOR UPDATE SKIP LOCKED in its
 * subquery makes concurrent senders take disjoint rows without ever
 * failing with a serialization error (a SERIALIZABLE transaction could,
 * and would need rb_db_transact()); on SQLite a single statement holds
 * the one write lock from start to end. A sender that dies leaves its
 * rows to whoever claims once the lease is over; the lease must
 * therefore outlast the sending of the batch (see mail/sender.c).
 * tests/unit/mail/test_outbox_claim.c claims from two connections at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/outbox.h"
#include "store/copy.h"

#define ERROR_MAX	1000	/* bytes of last_error kept */

enum outbox_sql {
	SQL_ENQUEUE,
	SQL_CLAIM,
	SQL_MARK_SENT,
	SQL_MARK_FAILED,
	SQL_FORGET_BODIES,
	SQL_RELEASE,
	SQL_LIST_RECENT,
	SQL_COUNTS,
	SQL_ATTACH,
	SQL_FILES,
	SQL_FORGET_FILES,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_ENQUEUE] =
	"INSERT INTO mail_outbox (to_addr, subject, body_text, body_html,"
	" created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)"
	" RETURNING id",
	/*
	 * One statement, run outside any transaction (see the top of the
	 * file): on PostgreSQL the CTE locks the rows it picks and skips
	 * those another sender holds, so two senders take different
	 * messages instead of queueing behind each other; the outer
	 * conditions repeat the inner ones, so that a row another sender
	 * claimed and committed since this statement began is re-checked
	 * against them and skipped. MATERIALIZED runs the pick once: as a
	 * subquery "id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)"
	 * PostgreSQL may run it again for each row, skipping the rows just
	 * updated, and claim more than n. SQLite drops FOR UPDATE SKIP
	 * LOCKED: its one writer at a time runs the whole statement alone.
	 */
	[SQL_CLAIM] =
	"WITH picked AS MATERIALIZED (SELECT id FROM mail_outbox"
	"  WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $3"
	"  ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)"
	" UPDATE mail_outbox SET next_attempt_at = $2 FROM picked"
	" WHERE mail_outbox.id = picked.id AND mail_outbox.sent_at IS NULL"
	" AND mail_outbox.next_attempt_at <= $1 AND mail_outbox.attempts < $3"
	" RETURNING mail_outbox.id, mail_outbox.to_addr, mail_outbox.subject,"
	" mail_outbox.body_text, mail_outbox.body_html, mail_outbox.created_at,"
	" mail_outbox.attempts",
	[SQL_MARK_SENT] =
	"UPDATE mail_outbox SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL",
	[SQL_MARK_FAILED] =
	"UPDATE mail_outbox SET attempts = $2, last_error = $3,"
	" next_attempt_at = $4 WHERE id = $1 AND sent_at IS NULL",
	[SQL_FORGET_BODIES] =
	"UPDATE mail_outbox SET body_text = '', body_html = NULL"
	" WHERE id = $1 AND (sent_at IS NOT NULL OR next_attempt_at = $2)",
	[SQL_RELEASE] =
	"UPDATE mail_outbox SET next_attempt_at = $2"
	" WHERE id = $1 AND sent_at IS NULL",
	[SQL_LIST_RECENT] =
	"SELECT id, to_addr, subject, body_text, body_html, created_at,"
	" sent_at, attempts, last_error, next_attempt_at FROM mail_outbox"
	" ORDER BY id DESC LIMIT $1",
	[SQL_COUNTS] =
	"SELECT"
	" COALESCE(SUM(CASE WHEN next_attempt_at < $1 THEN 1 ELSE 0 END), 0),"
	" COALESCE(SUM(CASE WHEN next_attempt_at = $1 THEN 1 ELSE 0 END), 0)"
	" FROM mail_outbox WHERE sent_at IS NULL",
	[SQL_ATTACH] =
	"INSERT INTO mail_attachments (outbox_id, part_no, file_name,"
	" content_type, size, data) VALUES ($1, $2, $3, $4, $5, $6)",
	[SQL_FILES] =
	"SELECT file_name, content_type, size, data FROM mail_attachments"
	" WHERE outbox_id = $1 ORDER BY part_no",
	[SQL_FORGET_FILES] =
	"DELETE FROM mail_attachments WHERE outbox_id = $1 AND outbox_id IN"
	" (SELECT id FROM mail_outbox WHERE id = $1"
	"  AND (sent_at IS NOT NULL OR next_attempt_at = $2))",
};

/* Runs an UPDATE of one row or none; 0 on success, -1 on failure. */
static int
run_update(rb_db *db, enum outbox_sql q, const struct rb_bind *b, size_t n)
{
	return rb_db_run(db, sql[q], b, n, NULL) == 0 ? 0 : -1;
}

int
rb_outbox_enqueue(rb_db *db, const char *to, const char *subject,
    const char *text, const char *html, int64_t now, int64_t *id)
{
	int64_t got = 0;

	/* A NULL html binds SQL NULL. */
	if (rb_db_fetch_one(db, sql[SQL_ENQUEUE], RB_BINDS(rb_text(to),
	    rb_text(subject), rb_text(text), rb_text(html), rb_int(now)),
	    rb_row_int, &got) < 0)
		return -1;
	if (id != NULL)
		*id = got;
	return 0;
}

int
rb_outbox_attach(rb_db *db, int64_t id, int position, const char *name,
    const char *type, const void *data, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *b64;
	int rc;

	if (sodium_init() < 0)
		abort();
	b64 = rb_xmalloc(cap);
	sodium_bin2base64(b64, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
	rc = rb_db_run(db, sql[SQL_ATTACH], RB_BINDS(rb_int(id),
	    rb_int(position), rb_text(name), rb_text(type),
	    rb_int((int64_t)len), rb_text(b64)), NULL) == 0 ? 0 : -1;
	free(b64);
	return rc;
}

/* The files file_row() gathers for one message. */
struct files_acc {
	struct rb_outbox_msg	*fa_msg;
	size_t			 fa_cap;
	int			 fa_bad;	/* a row did not decode */
};

static void
file_row(rb_stmt *st, void *arg)
{
	struct files_acc *a = arg;
	struct rb_outbox_msg *m = a->fa_msg;
	struct rb_outbox_file *f;
	const char *b64 = rb_stmt_text(st, 3);
	int64_t size = rb_stmt_int(st, 2);
	size_t got = 0;

	if (m->om_nfiles == a->fa_cap) {
		a->fa_cap = a->fa_cap == 0 ? 4 : a->fa_cap * 2;
		m->om_files = rb_xrealloc(m->om_files,
		    a->fa_cap * sizeof(*m->om_files));
	}
	f = &m->om_files[m->om_nfiles++];
	f->of_name = rb_xstrdup(rb_stmt_text(st, 0));
	f->of_type = rb_xstrdup(rb_stmt_text(st, 1));
	f->of_data = NULL;
	f->of_len = 0;
	if (b64 == NULL || size < 0 || (uint64_t)size > SIZE_MAX / 2) {
		a->fa_bad = 1;
		return;
	}
	f->of_data = rb_xmalloc(size > 0 ? (size_t)size : 1);
	if (sodium_base642bin(f->of_data, (size_t)size, b64, strlen(b64),
	    NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != (size_t)size)
		a->fa_bad = 1;
	f->of_len = got;
}

/* Loads the files of m (om_bad_files set when one does not decode);
 * 0, or -1 when the database fails. */
static int
load_files(rb_db *db, struct rb_outbox_msg *m)
{
	struct files_acc a = { m, 0, 0 };

	if (rb_db_fetch_all(db, sql[SQL_FILES], RB_BINDS(rb_int(m->om_id)),
	    file_row, &a) != 0)
		return -1;
	if (a.fa_bad)
		log_errx("mail %lld: an attached file does not decode",
		    (long long)m->om_id);
	m->om_bad_files = a.fa_bad;
	return 0;
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

/* The messages claim_row() gathers. */
struct claimed {
	struct rb_outbox_msg	*cl_v;
	size_t			 cl_len;
	size_t			 cl_cap;
};

static void
claim_row(rb_stmt *st, void *arg)
{
	struct claimed *c = arg;
	struct rb_outbox_msg *m;

	if (c->cl_len == c->cl_cap) {
		c->cl_cap = c->cl_cap == 0 ? 8 : c->cl_cap * 2;
		c->cl_v = rb_xrealloc(c->cl_v, c->cl_cap * sizeof(*c->cl_v));
	}
	m = &c->cl_v[c->cl_len++];
	m->om_id = rb_stmt_int(st, 0);
	m->om_to = rb_xstrdup(rb_stmt_text(st, 1));
	m->om_subject = rb_xstrdup(rb_stmt_text(st, 2));
	m->om_text = rb_xstrdup(rb_stmt_text(st, 3));
	m->om_html = dup_or_null(rb_stmt_text(st, 4));
	m->om_created_at = rb_stmt_int(st, 5);
	m->om_attempts = (int)rb_stmt_int(st, 6);
	m->om_files = NULL;
	m->om_nfiles = 0;
	m->om_bad_files = 0;
}

int
rb_outbox_claim(rb_db *db, int64_t now, int64_t lease_until,
    int max_attempts, int limit, struct rb_outbox_msg **msgs, size_t *n)
{
	struct claimed c = { NULL, 0, 0 };
	size_t i;

	*msgs = NULL;
	*n = 0;
	if (limit <= 0)
		return 0;
	if (rb_db_fetch_all(db, sql[SQL_CLAIM], RB_BINDS(rb_int(now),
	    rb_int(lease_until), rb_int(max_attempts), rb_int(limit)),
	    claim_row, &c) != 0) {
		rb_outbox_msgs_free(c.cl_v, c.cl_len);
		return -1;
	}
	/* RETURNING gives no order: deliver in queueing order. */
	if (c.cl_len > 1)
		qsort(c.cl_v, c.cl_len, sizeof(*c.cl_v), cmp_msg);
	for (i = 0; i < c.cl_len; i++)
		if (load_files(db, &c.cl_v[i]) != 0) {
			rb_outbox_msgs_free(c.cl_v, c.cl_len);
			return -1;
		}
	*msgs = c.cl_v;
	*n = c.cl_len;
	return 0;
}

void
rb_outbox_msgs_free(struct rb_outbox_msg *msgs, size_t n)
{
	size_t i, j;

	if (msgs == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < msgs[i].om_nfiles; j++) {
			free(msgs[i].om_files[j].of_name);
			free(msgs[i].om_files[j].of_type);
			free(msgs[i].om_files[j].of_data);
		}
		free(msgs[i].om_files);
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
	return run_update(db, SQL_MARK_SENT, RB_BINDS(rb_int(id),
	    rb_int(now)));
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
	return run_update(db, SQL_MARK_FAILED, RB_BINDS(rb_int(m->om_id),
	    rb_int(attempts), rb_text(text), rb_int(over ? RB_OUTBOX_NEVER :
	    now + rb_outbox_retry_delay(attempts))));
}

int
rb_outbox_forget_bodies(rb_db *db, int64_t id)
{
	if (run_update(db, SQL_FORGET_FILES, RB_BINDS(rb_int(id),
	    rb_int(RB_OUTBOX_NEVER))) != 0)
		return -1;
	return run_update(db, SQL_FORGET_BODIES, RB_BINDS(rb_int(id),
	    rb_int(RB_OUTBOX_NEVER)));
}

int
rb_outbox_release(rb_db *db, int64_t id, int64_t now)
{
	return run_update(db, SQL_RELEASE, RB_BINDS(rb_int(id), rb_int(now)));
}

static void
recent_row(rb_stmt *st, void *arr)
{
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
}

int
rb_outbox_list_recent(rb_db *db, int limit, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_LIST_RECENT],
	    RB_BINDS(rb_int(limit < 0 ? 0 : limit)), recent_row, out);
}

/* Where counts_row() copies the two counts. */
struct counts_out {
	int64_t	*co_pending;
	int64_t	*co_given_up;
};

static void
counts_row(rb_stmt *st, void *arg)
{
	struct counts_out *o = arg;

	*o->co_pending = rb_stmt_int(st, 0);
	*o->co_given_up = rb_stmt_int(st, 1);
}

int
rb_outbox_counts(rb_db *db, int64_t *pending, int64_t *given_up)
{
	struct counts_out o = { pending, given_up };

	*pending = *given_up = 0;
	return rb_db_fetch_one(db, sql[SQL_COUNTS],
	    RB_BINDS(rb_int(RB_OUTBOX_NEVER)), counts_row, &o) >= 0 ? 0 : -1;
}
