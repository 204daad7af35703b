/*
 * ratelimit.h: attempt counters shared by every app server, because they
 * live in the database (table rate_limits).
 *
 * A bucket names what is counted ("signin:ip:192.0.2.1"). Counts are
 * kept per slot of a twelfth of the window, so that the window slides:
 * the count of a bucket at `now` is the sum of its slots that started
 * less than window_s seconds ago, and old attempts drop out slot by slot
 * instead of all at once. Nothing ever locks for good: every attempt
 * leaves the count window_s seconds after it was made.
 *
 * The same file keeps the device cookies (see below), which decide
 * which buckets an attempt counts in (app/auth_limit.c).
 *
 * Buckets may hold identifiers typed by people (an email, a contract
 * number): they are bound, never spliced, and rb_ratelimit_purge()
 * removes them once out of every window.
 */
#ifndef RB_STORE_RATELIMIT_H
#define RB_STORE_RATELIMIT_H

#include <time.h>

#include "store/db.h"

/* Slots per window. */
#define RB_RATELIMIT_SLOTS	12

/*
 * Counts one attempt in bucket at now, as one atomic upsert, and sets
 * *count (if not NULL) to the bucket's count over the window_s seconds
 * up to now, this attempt included. window_s >= 1. Returns 0, or -1
 * (logged).
 */
int	rb_ratelimit_hit(rb_db *db, const char *bucket, time_t now,
	    int window_s, int *count);

/* Sets *count to the bucket's count over the window at now. 0 or -1. */
int	rb_ratelimit_count(rb_db *db, const char *bucket, time_t now,
	    int window_s, int *count);

/*
 * Decides whether one more attempt fits: sets *retry_after to 0 when
 * the bucket's count over the window is below allowance, else to the
 * seconds (>= 1) after which enough of the oldest attempts have left
 * the window for the count to drop below allowance. An allowance <= 0
 * lets nothing through and answers window_s. Returns 0 or -1.
 */
int	rb_ratelimit_retry_after(rb_db *db, const char *bucket, time_t now,
	    int window_s, int allowance, int *retry_after);

/* Forgets every attempt of bucket (after a success). 0 or -1. */
int	rb_ratelimit_reset(rb_db *db, const char *bucket);
/* Forgets every attempt of the buckets whose name begins with prefix
 * (ASCII), e.g. every address of one identifier. 0 or -1. */
int	rb_ratelimit_reset_prefix(rb_db *db, const char *prefix);

/* Deletes the slots of every bucket that started before `before`
 * (now minus the longest window in use). 0 or -1. */
int	rb_ratelimit_purge(rb_db *db, time_t before);

/*
 * Device cookies (table devices): a token (kept as its SHA-256,
 * token_hash) bound to the identifiers proved in that browser (each
 * kept as a SHA-256, login_hash).
 *
 * rb_device_bound: 1 when token_hash is bound to login_hash and was
 * used after `since`, 0 when not, -1 on error.
 * rb_device_known: the same for any identifier.
 * rb_device_bind: binds (or binds again) token_hash to login_hash,
 * used at now. 0 or -1.
 * rb_device_purge: deletes the bindings not used since `before`.
 * 0 or -1.
 */
int	rb_device_bound(rb_db *db, const char *token_hash,
	    const char *login_hash, time_t since);
int	rb_device_known(rb_db *db, const char *token_hash, time_t since);
int	rb_device_bind(rb_db *db, const char *token_hash,
	    const char *login_hash, time_t now);
int	rb_device_purge(rb_db *db, time_t before);

#endif
