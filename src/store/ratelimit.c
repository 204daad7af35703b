/*
 * ratelimit.c: SQL of the shared attempt counters (see ratelimit.h).
 *
 * A row is (bucket, window_start = start of a slot, count). The slot of
 * an instant t is t - t mod slot_len, with slot_len = window_s / 12
 * (at least 1 s); a slot counts at `now` while its start is after
 * now - window_s. Old slots of a bucket are deleted as it is hit.
 * Device bindings are rows of devices (token hash, identifier hash).
 */
#include <stdio.h>

#include "base/log.h"
#include "store/ratelimit.h"

enum ratelimit_sql {
	SQL_HIT,
	SQL_FORGET_OLD,
	SQL_COUNT,
	SQL_SLOTS,
	SQL_RESET,
	SQL_RESET_PREFIX,
	SQL_PURGE,
	SQL_DEVICE_BOUND,
	SQL_DEVICE_KNOWN,
	SQL_DEVICE_BIND,
	SQL_DEVICE_PURGE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_HIT] =
	"INSERT INTO rate_limits (bucket, window_start, count)"
	" VALUES ($1, $2, 1)"
	" ON CONFLICT (bucket, window_start)"
	" DO UPDATE SET count = rate_limits.count + 1",
	[SQL_FORGET_OLD] =
	"DELETE FROM rate_limits WHERE bucket = $1 AND window_start <= $2",
	[SQL_COUNT] =
	"SELECT coalesce(sum(count), 0) FROM rate_limits"
	" WHERE bucket = $1 AND window_start > $2",
	[SQL_SLOTS] =
	"SELECT window_start, count FROM rate_limits"
	" WHERE bucket = $1 AND window_start > $2 ORDER BY window_start",
	[SQL_RESET] =
	"DELETE FROM rate_limits WHERE bucket = $1",
	/* A range of the primary key: $2 is $1 followed by DEL (0x7f). */
	[SQL_RESET_PREFIX] =
	"DELETE FROM rate_limits WHERE bucket >= $1 AND bucket < $2",
	[SQL_PURGE] =
	"DELETE FROM rate_limits WHERE window_start < $1",
	[SQL_DEVICE_BOUND] =
	"SELECT 1 FROM devices WHERE token_hash = $1 AND login_hash = $2"
	" AND last_used_at > $3",
	[SQL_DEVICE_KNOWN] =
	"SELECT 1 FROM devices WHERE token_hash = $1 AND last_used_at > $2"
	" LIMIT 1",
	[SQL_DEVICE_BIND] =
	"INSERT INTO devices (token_hash, login_hash, created_at, last_used_at)"
	" VALUES ($1, $2, $3, $3)"
	" ON CONFLICT (token_hash, login_hash)"
	" DO UPDATE SET last_used_at = $3",
	[SQL_DEVICE_PURGE] =
	"DELETE FROM devices WHERE last_used_at < $1",
};

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
run_bucket(rb_db *db, enum ratelimit_sql q, const char *bucket, int64_t at)
{
	return rb_db_run(db, sql[q], RB_BINDS(rb_text(bucket), rb_int(at)),
	    NULL) == 0 ? 0 : -1;
}

int
rb_ratelimit_count(rb_db *db, const char *bucket, time_t now, int window_s,
    int *count)
{
	int64_t n = 0;
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_COUNT], RB_BINDS(rb_text(bucket),
	    rb_int((int64_t)now - window_s)), rb_row_int, &n);
	*count = rc == 0 ? (int)n : 0;
	return rc == 0 ? 0 : -1;
}

int
rb_ratelimit_hit(rb_db *db, const char *bucket, time_t now, int window_s,
    int *count)
{
	if (window_s < 1) {
		log_errx("bad window %d for %s", window_s, bucket);
		return -1;
	}
	if (run_bucket(db, SQL_HIT, bucket, slot_start(now, window_s)) != 0 ||
	    run_bucket(db, SQL_FORGET_OLD, bucket,
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
	if ((st = rb_db_prepare(db, sql[SQL_SLOTS])) == NULL)
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
	return rb_db_run(db, sql[SQL_RESET], RB_BINDS(rb_text(bucket)),
	    NULL) == 0 ? 0 : -1;
}

int
rb_ratelimit_reset_prefix(rb_db *db, const char *prefix)
{
	char upper[512];

	if (snprintf(upper, sizeof(upper), "%s\x7f", prefix) >=
	    (int)sizeof(upper))
		return -1;
	return rb_db_run(db, sql[SQL_RESET_PREFIX], RB_BINDS(rb_text(prefix),
	    rb_text(upper)), NULL) == 0 ? 0 : -1;
}

int
rb_ratelimit_purge(rb_db *db, time_t before)
{
	return rb_db_purge(db, sql[SQL_PURGE], before);
}

int
rb_device_bound(rb_db *db, const char *token_hash, const char *login_hash,
    time_t since)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_DEVICE_BOUND], RB_BINDS(
	    rb_text(token_hash), rb_text(login_hash), rb_int(since)), NULL,
	    NULL);
	return rc < 0 ? -1 : !rc;
}

int
rb_device_known(rb_db *db, const char *token_hash, time_t since)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_DEVICE_KNOWN], RB_BINDS(
	    rb_text(token_hash), rb_int(since)), NULL, NULL);
	return rc < 0 ? -1 : !rc;
}

int
rb_device_bind(rb_db *db, const char *token_hash, const char *login_hash,
    time_t now)
{
	return rb_db_run(db, sql[SQL_DEVICE_BIND], RB_BINDS(rb_text(token_hash),
	    rb_text(login_hash), rb_int(now)), NULL) == 0 ? 0 : -1;
}

int
rb_device_purge(rb_db *db, time_t before)
{
	return rb_db_purge(db, sql[SQL_DEVICE_PURGE], before);
}
