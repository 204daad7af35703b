/*
 * ratelimit.c: SQL of the shared attempt counters (see ratelimit.h).
 *
 * A row is (bucket, window_start = start of a slot, count). The slot of
 * an instant t is t - t mod slot_len, with slot_len = window_s / 12
 * (at least 1 s); a slot counts at `now` while its start is after
 * now - window_s. Old slots of a bucket are deleted as it is hit.
 * Device bindings are rows of devices (token hash, identifier hash).
 */
#include "base/log.h"
#include "store/ratelimit.h"

static const char sql_hit[] =
	"INSERT INTO rate_limits (bucket, window_start, count)"
	" VALUES ($1, $2, 1)"
	" ON CONFLICT (bucket, window_start)"
	" DO UPDATE SET count = rate_limits.count + 1";

static const char sql_forget_old[] =
	"DELETE FROM rate_limits WHERE bucket = $1 AND window_start <= $2";

static const char sql_count[] =
	"SELECT coalesce(sum(count), 0) FROM rate_limits"
	" WHERE bucket = $1 AND window_start > $2";

static const char sql_slots[] =
	"SELECT window_start, count FROM rate_limits"
	" WHERE bucket = $1 AND window_start > $2 ORDER BY window_start";

static const char sql_reset[] =
	"DELETE FROM rate_limits WHERE bucket = $1";

static const char sql_purge[] =
	"DELETE FROM rate_limits WHERE window_start < $1";

static const char sql_device_bound[] =
	"SELECT 1 FROM devices WHERE token_hash = $1 AND login_hash = $2"
	" AND last_used_at > $3";

static const char sql_device_known[] =
	"SELECT 1 FROM devices WHERE token_hash = $1 AND last_used_at > $2"
	" LIMIT 1";

static const char sql_device_bind[] =
	"INSERT INTO devices (token_hash, login_hash, created_at, last_used_at)"
	" VALUES ($1, $2, $3, $3)"
	" ON CONFLICT (token_hash, login_hash)"
	" DO UPDATE SET last_used_at = $3";

static const char sql_device_purge[] =
	"DELETE FROM devices WHERE last_used_at < $1";

static time_t
slot_start(time_t now, int window_s)
{
	int len = window_s / RB_RATELIMIT_SLOTS;

	if (len < 1)
		len = 1;
	return now - now % len;
}

/* Runs a statement of one bucket and one instant that returns no row. */
static int
run_bucket(rb_db *db, const char *sql, const char *bucket, int64_t at)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, bucket, -1);
	rb_stmt_bind_int(st, 2, at);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_ratelimit_count(rb_db *db, const char *bucket, time_t now, int window_s,
    int *count)
{
	rb_stmt *st;
	int rc;

	*count = 0;
	if ((st = rb_db_prepare(db, sql_count)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, bucket, -1);
	rb_stmt_bind_int(st, 2, (int64_t)now - window_s);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		*count = (int)rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return rc == RB_ROW ? 0 : -1;
}

int
rb_ratelimit_hit(rb_db *db, const char *bucket, time_t now, int window_s,
    int *count)
{
	if (window_s < 1) {
		log_errx("bad window %d for %s", window_s, bucket);
		return -1;
	}
	if (run_bucket(db, sql_hit, bucket, slot_start(now, window_s)) != 0 ||
	    run_bucket(db, sql_forget_old, bucket,
	    (int64_t)now - window_s) != 0)
		return -1;
	if (count == NULL)
		return 0;
	return rb_ratelimit_count(db, bucket, now, window_s, count);
}

int
rb_ratelimit_retry_after(rb_db *db, const char *bucket, time_t now,
    int window_s, int allowance, int *retry_after)
{
	rb_stmt *st;
	int64_t start, over;
	int count, rc;

	*retry_after = 0;
	if (allowance <= 0) {
		*retry_after = window_s;
		return 0;
	}
	if (rb_ratelimit_count(db, bucket, now, window_s, &count) != 0)
		return -1;
	if (count < allowance)
		return 0;
	/* Attempts that must leave the window for one more to fit. */
	over = (int64_t)count - allowance + 1;
	if ((st = rb_db_prepare(db, sql_slots)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, bucket, -1);
	rb_stmt_bind_int(st, 2, (int64_t)now - window_s);
	start = now;
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		start = rb_stmt_int(st, 0);
		if ((over -= rb_stmt_int(st, 1)) <= 0)
			break;
	}
	rb_stmt_reset(st);
	if (rc != RB_ROW && rc != RB_DONE)
		return -1;
	*retry_after = (int)(start + window_s - now);
	if (*retry_after < 1)
		*retry_after = 1;
	return 0;
}

int
rb_ratelimit_reset(rb_db *db, const char *bucket)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_reset)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, bucket, -1);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_ratelimit_purge(rb_db *db, time_t before)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_purge)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, (int64_t)before);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

/* Runs a lookup of one or two texts and an instant: 1 with a row, 0
 * without, -1 on error. */
static int
device_lookup(rb_db *db, const char *sql, const char *a, const char *b,
    time_t since)
{
	rb_stmt *st;
	int rc, n = 1;

	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_text(st, n++, a, -1);
	if (b != NULL)
		rb_stmt_bind_text(st, n++, b, -1);
	rb_stmt_bind_int(st, n, (int64_t)since);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_ROW ? 1 : rc == RB_DONE ? 0 : -1;
}

int
rb_device_bound(rb_db *db, const char *token_hash, const char *login_hash,
    time_t since)
{
	return device_lookup(db, sql_device_bound, token_hash, login_hash,
	    since);
}

int
rb_device_known(rb_db *db, const char *token_hash, time_t since)
{
	return device_lookup(db, sql_device_known, token_hash, NULL, since);
}

int
rb_device_bind(rb_db *db, const char *token_hash, const char *login_hash,
    time_t now)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_device_bind)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, token_hash, -1);
	rb_stmt_bind_text(st, 2, login_hash, -1);
	rb_stmt_bind_int(st, 3, (int64_t)now);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_device_purge(rb_db *db, time_t before)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_device_purge)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, (int64_t)before);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}
