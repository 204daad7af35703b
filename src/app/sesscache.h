/*
 * sesscache.h: this process's memory of the subscribers' sessions found
 * valid, so that most requests look their session up without a round
 * trip to the database server (docs/architecture.md, "Sessions kept in
 * memory").
 *
 * Only where the engine carries notices between connections (db.h,
 * rb_db_notices(): PostgreSQL, and SQLite since migration 0031): every
 * write that ends a session or changes what its lookup reads sends a notice in its transaction
 * (store/sessions.h, RB_SESSIONS_CHANNEL), and a listener of each
 * server (its own connection, its own thread) evicts what a notice
 * names. The cache is on only while that listener is linked: when the
 * link is lost, everything is forgotten and the cache stays off until
 * it listens again. On SQLite the listener polls the notices' rows
 * every few milliseconds (rb_db_notices_poll_ms()).
 *
 * An entry serves only while its touch is not due (last seen less than
 * RB_SESSION_TOUCH_S before now: the touch still goes through the
 * database) and the session is live (idle and absolute limits). The
 * process's own notices evict at their commit (db.h,
 * rb_db_notice_hook()), before the writing request answers; another
 * server's, when its notice reaches the listener (milliseconds).
 *
 * The listener also listens on RB_DATA_CHANNEL and applies its notices
 * to the pages' data kept in memory (app/pagecache.h): both caches are
 * on, or off and empty, together.
 *
 * The state is process-wide, one mutex; bounded (RB_SESSCACHE_SLOTS
 * slots, a newer session takes the slot of an older one).
 */
#ifndef RB_APP_SESSCACHE_H
#define RB_APP_SESSCACHE_H

#include <stdint.h>
#include <time.h>

#include "store/sessions.h"

#define RB_SESSCACHE_SLOTS	4096

/*
 * Finds id_hash's session in memory: 0 with *out filled when it may
 * serve at now (see above), 1 otherwise. In both cases *epoch receives
 * what rb_sesscache_put() needs: take it before reading the database.
 */
int	 rb_sesscache_get(const char *id_hash, time_t now, int idle,
	    int absolute, struct rb_session_row *out, uint64_t *epoch);
/*
 * Keeps row, read from the database as valid after rb_sesscache_get()
 * gave epoch; nothing is kept when the cache is off or a notice (or a
 * flush) came since epoch was taken: the row may be stale already.
 */
void	 rb_sesscache_put(const char *id_hash,
	    const struct rb_session_row *row, uint64_t epoch);
/*
 * A read transaction shared by several lookups (web/session.c, a run)
 * holds a snapshot older than the lookups that follow: a notice applied
 * in between would be missed by the epoch taken at the get, and a row
 * read from the older snapshot kept. rb_sesscache_snapshot(), called
 * just before such a transaction begins, makes this thread's later gets
 * give the epoch of that moment; rb_sesscache_snapshot_end() when it
 * has ended.
 */
void	 rb_sesscache_snapshot(void);
void	 rb_sesscache_snapshot_end(void);
/* Applies a notice's payload (store/sessions.h): evicts what it names. */
void	 rb_sesscache_evict(const char *payload);
/* The setting session_cache: 0 keeps this cache off while the listener
   still serves the pages' (app/pagecache.h). Before the listener. */
void	 rb_sesscache_allow(int allowed);
/* 1 while the cache is on (its listener linked), 0 otherwise. */
int	 rb_sesscache_on(void);
/* Entries held, for tests. */
int	 rb_sesscache_count(void);
/*
 * A mark: a notice on RB_DATA_CHANNEL whose payload is "mark:N" (N a
 * positive number) names no data and evicts nothing; the listener keeps
 * the highest N it has heard (/metrics: robinet_notices_mark). Notices
 * arrive in commit order, so a writer that sends a mark after its own
 * write has committed knows, once a server shows that mark, that the
 * server has heard its write (docs/operations.md; the HTTP tests wait
 * so after each write of their own). A mark inside more rows than a
 * turn names one by one (SQLite's "*") is not heard: send another.
 */
#define RB_MARK_PREFIX	"mark:"

/* For /metrics: lookups served from memory and lookups that read the
   database while the cache was on, since start; whether it is on. */
struct rb_sesscache_stats {
	uint64_t	 ss_hits;
	uint64_t	 ss_misses;
	int		 ss_on;
	int64_t		 ss_mark;	/* the highest mark heard, or 0 */
};
void	 rb_sesscache_stats(struct rb_sesscache_stats *out);

/*
 * The listener, on a connection of its own to url. rb_sesscache_step()
 * makes one turn: links and listens when not linked (then turns the
 * cache on, empty), waits up to wait_ms for notices and applies them;
 * on a lost link, turns the cache off, empties it and closes the
 * connection (the next step links again). Returns 0, or -1 when not
 * linked at the end of the turn. rb_sesscache_listener_new() also sets
 * the process's notice hook (its own notices evict at their commit);
 * NULL when url's engine carries no notices (the cache stays off) or on
 * error (logged). Free with rb_sesscache_listener_free(),
 * which turns the cache off.
 */
struct rb_sesscache_listener;
struct rb_sesscache_listener *rb_sesscache_listener_new(const char *url);
int	 rb_sesscache_step(struct rb_sesscache_listener *l, int wait_ms);
void	 rb_sesscache_listener_free(struct rb_sesscache_listener *l);

/*
 * The web server's listener thread: steps until rb_sesscache_stop(),
 * linking again every second while the link is lost. 0 (also when the
 * engine has no notices: nothing started) or -1.
 */
int	 rb_sesscache_start(const char *url);
void	 rb_sesscache_stop(void);

#endif
