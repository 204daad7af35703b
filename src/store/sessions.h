/*
 * sessions.h: server-side sessions of subscribers. The cookie value is
 * never stored: a session is found by the SHA-256 of it (id_hash). Each
 * keeps its CSRF secret, its times and where it was opened from.
 *
 * A session is valid while it has been used within `idle` seconds and
 * was created within `absolute` seconds, and its account is active.
 */
#ifndef RB_STORE_SESSIONS_H
#define RB_STORE_SESSIONS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "store/db.h"

/* last_seen_at is written at most once per this many seconds. */
#define RB_SESSION_TOUCH_S	30

/*
 * Every write that ends a session or changes what a session's lookup
 * reads (its account's email) sends a notice on this channel in its
 * transaction (db.h, rb_db_notify(); nothing on SQLite), for the
 * servers that keep valid sessions in memory (app/sesscache.c). The
 * payload says which: the session's id_hash, "session:ID",
 * "account:ID" (all of that account's), or "*" (all). The purge sends
 * none: it deletes only sessions already expired, which a cache checks
 * itself.
 */
#define RB_SESSIONS_CHANNEL	"rb_sessions"

/* Sends the notice "account:ID" (see above). 0 or -1. */
int	rb_sessions_notify_account(rb_db *db, int64_t account);

/*
 * The pieces subscribers' sessions (this file) and agents' sessions
 * (store/agents.h) share; each kind has its own table and statements.
 *
 * rb_session_insert() runs query, an INSERT … RETURNING id whose
 * parameters are ($1 id_hash, $2 owner, $3 csrf, $4 now, $5 ip, $6 user
 * agent; ip and user agent cut to 63 and 255 bytes at a character
 * boundary), and sets *id. Returns 0, or -1 (*id 0).
 *
 * rb_session_live() says whether a session created at created_at and
 * last seen at last_seen_at is still valid at now (strictly within idle
 * seconds of the last request and absolute seconds of its creation).
 *
 * rb_session_touch() runs query (UPDATE … SET last_seen_at = $2 WHERE
 * id = $1) when *last_seen_at is RB_SESSION_TOUCH_S or more before now,
 * and then sets *last_seen_at to now. Returns 0 or -1.
 */
int	rb_session_insert(rb_db *db, const char *query, const char *id_hash,
	    int64_t owner, const char *csrf, time_t now, const char *ip,
	    const char *user_agent, int64_t *id);
int	rb_session_live(int64_t created_at, int64_t last_seen_at, time_t now,
	    int idle, int absolute);
int	rb_session_touch(rb_db *db, const char *query, int64_t id,
	    int64_t *last_seen_at, time_t now);

/* What rb_sessions_find() returns: the session and its account. */
struct rb_session_row {
	int64_t		 sr_id;
	int64_t		 sr_account_id;
	int64_t		 sr_created_at;
	int64_t		 sr_last_seen_at;
	char		 sr_csrf[RB_TOKEN_LEN + 1];
	char		 sr_email[256];
	char		 sr_first_name[128];
	char		 sr_last_name[128];
};

/*
 * Stores a new session of account, created and last seen at now, with
 * ip and user_agent (either may be NULL; they are cut to 64 and 256
 * bytes). Sets *id to its row id. Returns 0, or -1 (logged).
 */
int	rb_sessions_create(rb_db *db, const char *id_hash, int64_t account,
	    const char *csrf, time_t now, const char *ip,
	    const char *user_agent, int64_t *id);

/*
 * Finds the valid session of id_hash at now and fills out. Touches it:
 * last_seen_at becomes now (when it is more than RB_SESSION_TOUCH_S
 * old). An expired session is deleted. Returns 0, 1 when there is no
 * valid session, -1 on error.
 */
int	rb_sessions_find(rb_db *db, const char *id_hash, time_t now, int idle,
	    int absolute, struct rb_session_row *out);
/*
 * rb_sessions_find() that only reads (one SELECT, no write), for a
 * connection that keeps a read transaction open (web/session.c):
 * returns 0 with out filled when the session is valid and needs no
 * write (touched less than RB_SESSION_TOUCH_S before now), 1 when
 * there is no session of id_hash, 2 when rb_sessions_find() must run
 * instead (the session is to be touched, or deleted: expired, or its
 * account no longer active), -1 on error.
 */
int	rb_sessions_peek(rb_db *db, const char *id_hash, time_t now, int idle,
	    int absolute, struct rb_session_row *out);

/* Deletes the session of id_hash; sets *account (if not NULL) to its
 * account, 0 when none. Returns 0 (also when none) or -1. */
int	rb_sessions_delete(rb_db *db, const char *id_hash, int64_t *account);

/* Deletes session id if it belongs to account. Returns 0, 1 when there
 * is no such session of that account, -1 on error. */
int	rb_sessions_delete_id(rb_db *db, int64_t account, int64_t id);

/* Deletes every session of account except keep (0: keep none). Sets
 * *count (if not NULL) to the number deleted. Returns 0 or -1. */
int	rb_sessions_delete_account(rb_db *db, int64_t account, int64_t keep,
	    int *count);

/*
 * Sets *out to a new array of the valid sessions of account at now,
 * most recently used first:
 *	[{"id", "created_at", "last_seen_at", "ip", "user_agent",
 *	  "current"}]
 * (instants in UTC seconds; ip and user_agent null when unknown;
 * current true for session `current`). The caller owns *out. Returns 0,
 * or -1 with *out NULL.
 */
int	rb_sessions_list(rb_db *db, int64_t account, int64_t current,
	    time_t now, int idle, int absolute, json_t **out);

/*
 * rb_sessions_list() as one read of a page's batch (db.h,
 * rb_db_fetch_batch()): fills *r from q, which must outlive the batch,
 * so that the sessions go to q->lq_rows, a new array the caller owns (to
 * json_decref() whatever the batch gave).
 */
struct rb_sessions_list_q {
	struct rb_bind	 lq_b[3];
	json_t		*lq_rows;
	int64_t		 lq_current;
};
void	rb_sessions_list_read(struct rb_sessions_list_q *q, int64_t account,
	    int64_t current, time_t now, int idle, int absolute,
	    struct rb_db_read *r);

/* Deletes every session expired at now. 0 or -1. */
int	rb_sessions_purge(rb_db *db, time_t now, int idle, int absolute);

#endif
