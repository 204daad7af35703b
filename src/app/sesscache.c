/*
 * sesscache.c: sessions kept in memory, evicted by notices (see
 * sesscache.h).
 *
 * The table is direct-mapped: a session's slot is given by the first
 * bytes of its id_hash, and a newer session takes the slot of an older
 * one. An eviction by account or session id scans the whole table:
 * notices are rare (a sign-out, a password or email change), lookups
 * are not.
 *
 * The race between a reader and a writer: a request reads a session
 * from the database as valid, a sign-out commits and its notice is
 * applied, then the request would keep the row it read. The epoch
 * stops that: every eviction and flush moves it, and a row is kept
 * only when the epoch has not moved since before its read.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/db.h"
#include "app/pagecache.h"
#include "app/sesscache.h"

struct slot {
	char			 sl_hash[RB_TOKEN_HASH_LEN + 1]; /* "": empty */
	struct rb_session_row	 sl_row;
};

static pthread_mutex_t	 cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot	*cache_slots;	/* RB_SESSCACHE_SLOTS, once on */
static uint64_t		 cache_epoch;	/* under cache_lock */
/* rb_sesscache_snapshot(): the epoch when this thread's shared read
   transaction began. */
static _Thread_local uint64_t	 tl_snap_epoch;
static _Thread_local int	 tl_snap;
static atomic_int	 cache_on;	/* read without the lock first */
static atomic_int	 cache_allowed = 1;	/* rb_sesscache_allow() */
static atomic_ullong	 cache_hits, cache_misses;	/* while on */
static atomic_llong	 mark_heard;	/* the highest mark heard, 0 */

/* The slot of id_hash: its first characters, read as a number. */
static size_t
slot_of(const char *id_hash)
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < 12 && id_hash[i] != '\0'; i++)
		h = (h ^ (unsigned char)id_hash[i]) * 1099511628211ULL;
	return (size_t)(h % RB_SESSCACHE_SLOTS);
}

/* Empties the table and moves the epoch; cache_lock held. */
static void
flush_locked(void)
{
	if (cache_slots != NULL)
		memset(cache_slots, 0, RB_SESSCACHE_SLOTS *
		    sizeof(*cache_slots));
	cache_epoch++;
}

/* Turns the cache on (empty) or off (emptied), and the pages' with it
   (app/pagecache.h: the same listener). */
static void
cache_set(int on)
{
	rb_pagecache_set(on);
	on = on && atomic_load(&cache_allowed);
	pthread_mutex_lock(&cache_lock);
	if (on && cache_slots == NULL)
		cache_slots = rb_xcalloc(RB_SESSCACHE_SLOTS,
		    sizeof(*cache_slots));
	flush_locked();
	atomic_store(&cache_on, on);
	pthread_mutex_unlock(&cache_lock);
}

void
rb_sesscache_allow(int allowed)
{
	atomic_store(&cache_allowed, allowed != 0);
}

int
rb_sesscache_on(void)
{
	return atomic_load(&cache_on);
}

int
rb_sesscache_get(const char *id_hash, time_t now, int idle, int absolute,
    struct rb_session_row *out, uint64_t *epoch)
{
	struct slot *sl;
	int rc = 1;

	*epoch = 0;
	if (!atomic_load_explicit(&cache_on, memory_order_relaxed))
		return 1;
	pthread_mutex_lock(&cache_lock);
	*epoch = tl_snap ? tl_snap_epoch : cache_epoch;
	if (atomic_load(&cache_on) && cache_slots != NULL) {
		sl = &cache_slots[slot_of(id_hash)];
		if (strcmp(sl->sl_hash, id_hash) == 0 &&
		    (int64_t)now - sl->sl_row.sr_last_seen_at <
		    RB_SESSION_TOUCH_S &&
		    (int64_t)now >= sl->sl_row.sr_last_seen_at &&
		    rb_session_live(sl->sl_row.sr_created_at,
		    sl->sl_row.sr_last_seen_at, now, idle, absolute)) {
			memcpy(out, &sl->sl_row, sizeof(*out));
			rc = 0;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	atomic_fetch_add_explicit(rc == 0 ? &cache_hits : &cache_misses, 1,
	    memory_order_relaxed);
	return rc;
}

void
rb_sesscache_put(const char *id_hash, const struct rb_session_row *row,
    uint64_t epoch)
{
	struct slot *sl;

	if (!atomic_load_explicit(&cache_on, memory_order_relaxed) ||
	    strlen(id_hash) != RB_TOKEN_HASH_LEN)
		return;
	pthread_mutex_lock(&cache_lock);
	if (atomic_load(&cache_on) && cache_slots != NULL &&
	    epoch == cache_epoch) {
		sl = &cache_slots[slot_of(id_hash)];
		memcpy(sl->sl_hash, id_hash, sizeof(sl->sl_hash));
		memcpy(&sl->sl_row, row, sizeof(sl->sl_row));
	}
	pthread_mutex_unlock(&cache_lock);
}

void
rb_sesscache_snapshot(void)
{
	pthread_mutex_lock(&cache_lock);
	tl_snap_epoch = cache_epoch;
	pthread_mutex_unlock(&cache_lock);
	tl_snap = 1;
}

void
rb_sesscache_snapshot_end(void)
{
	tl_snap = 0;
}

/* The number after prefix in payload, or -1 when it does not start so. */
static int64_t
payload_id(const char *payload, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long long v;

	if (strncmp(payload, prefix, n) != 0 || payload[n] == '\0')
		return -1;
	v = strtoll(payload + n, &end, 10);
	return *end == '\0' && v >= 0 ? (int64_t)v : -1;
}

void
rb_sesscache_evict(const char *payload)
{
	struct slot *sl;
	int64_t account, session;
	size_t i;

	account = payload_id(payload, "account:");
	session = payload_id(payload, "session:");
	pthread_mutex_lock(&cache_lock);
	cache_epoch++;
	if (cache_slots == NULL)
		goto out;
	if (strcmp(payload, "*") == 0) {
		flush_locked();
		goto out;
	}
	if (account < 0 && session < 0) {
		/* An id_hash: its one slot. Anything else (a payload of a
		   later version) is taken as "*": never keep stale. */
		if (strlen(payload) != RB_TOKEN_HASH_LEN) {
			flush_locked();
			goto out;
		}
		sl = &cache_slots[slot_of(payload)];
		if (strcmp(sl->sl_hash, payload) == 0)
			memset(sl, 0, sizeof(*sl));
		goto out;
	}
	for (i = 0; i < RB_SESSCACHE_SLOTS; i++) {
		sl = &cache_slots[i];
		if (sl->sl_hash[0] != '\0' &&
		    (sl->sl_row.sr_account_id == account ||
		    sl->sl_row.sr_id == session))
			memset(sl, 0, sizeof(*sl));
	}
out:
	pthread_mutex_unlock(&cache_lock);
}

int
rb_sesscache_count(void)
{
	size_t i;
	int n = 0;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; cache_slots != NULL && i < RB_SESSCACHE_SLOTS; i++)
		n += cache_slots[i].sl_hash[0] != '\0';
	pthread_mutex_unlock(&cache_lock);
	return n;
}

void
rb_sesscache_stats(struct rb_sesscache_stats *out)
{
	out->ss_hits = atomic_load_explicit(&cache_hits, memory_order_relaxed);
	out->ss_misses = atomic_load_explicit(&cache_misses,
	    memory_order_relaxed);
	out->ss_on = atomic_load(&cache_on);
	out->ss_mark = atomic_load(&mark_heard);
}

/* The number of a mark's payload ("mark:N", N > 0), or 0. */
static int64_t
mark_of(const char *payload)
{
	const char *p = payload + sizeof(RB_MARK_PREFIX) - 1;
	char *end;
	long long v;

	if (strncmp(payload, RB_MARK_PREFIX, sizeof(RB_MARK_PREFIX) - 1) != 0 ||
	    *p < '0' || *p > '9')
		return 0;
	errno = 0;
	v = strtoll(p, &end, 10);
	return *end == '\0' && errno == 0 && v > 0 ? (int64_t)v : 0;
}

/* Keeps the highest mark heard (marks from several writers may arrive
   out of their numbers' order). */
static void
mark_hear(int64_t mark)
{
	long long seen = atomic_load(&mark_heard);

	while (mark > seen &&
	    !atomic_compare_exchange_weak(&mark_heard, &seen, mark))
		;
}

/* A notice, from the listener or from this process's commit. */
static void
on_notice(const char *channel, const char *payload, void *arg)
{
	int64_t mark;

	(void)arg;
	if (strcmp(channel, RB_SESSIONS_CHANNEL) == 0)
		rb_sesscache_evict(payload);
	else if (strcmp(channel, RB_DATA_CHANNEL) != 0)
		return;
	else if ((mark = mark_of(payload)) > 0)
		mark_hear(mark);	/* names no data: nothing evicted */
	else
		rb_pagecache_evict(payload);
}

/* The listener. */

struct rb_sesscache_listener {
	char		*li_url;
	rb_db		*li_db;		/* NULL: not linked */
	int		 li_warned;	/* the loss was logged */
};

/* Links and listens; turns the cache on. 0 or -1 (not linked). */
static int
listener_link(struct rb_sesscache_listener *l)
{
	char err[256];

	if (rb_db_open(l->li_url, &l->li_db, err, sizeof(err)) != 0) {
		l->li_db = NULL;
		if (!l->li_warned)
			log_warnx("session cache: cannot link its listener "
			    "(%s): off until it can", err);
		l->li_warned = 1;
		return -1;
	}
	if (rb_db_listen(l->li_db, RB_SESSIONS_CHANNEL) != 0 ||
	    rb_db_listen(l->li_db, RB_DATA_CHANNEL) != 0) {
		rb_db_close(l->li_db);
		l->li_db = NULL;
		l->li_warned = 1;
		return -1;
	}
	/* Listening before on: what was sent while unlinked is
	   forgotten with the rest. */
	cache_set(1);
	if (l->li_warned)
		log_info("session cache: listener linked again, cache on");
	l->li_warned = 0;
	return 0;
}

/* The link is lost: off, emptied, closed. */
static void
listener_lost(struct rb_sesscache_listener *l)
{
	cache_set(0);
	rb_db_close(l->li_db);
	l->li_db = NULL;
	log_warnx("session cache: its listener's link to the database was "
	    "lost: cache off until it is linked again");
	l->li_warned = 1;
}

struct rb_sesscache_listener *
rb_sesscache_listener_new(const char *url)
{
	struct rb_sesscache_listener *l;
	char err[256];
	rb_db *db;

	/* An engine without notices is known at once (a file opens). */
	if (rb_db_open(url, &db, err, sizeof(err)) == 0) {
		int notices = rb_db_notices(db);

		rb_db_close(db);
		if (!notices)
			return NULL;
	}
	l = rb_xcalloc(1, sizeof(*l));
	l->li_url = rb_xstrdup(url);
	rb_db_notice_hook(on_notice, NULL);
	return l;
}

/*
 * A turn where notices are read, not signalled (SQLite: rows polled,
 * db.h): reads every `every` ms until some came or wait_ms passed.
 */
static int
step_polled(struct rb_sesscache_listener *l, int wait_ms, int every)
{
	struct timespec pause = { 0, (long)every * 1000000L };
	int waited = 0, n;

	for (;;) {
		if ((n = rb_db_notices_read(l->li_db, on_notice, NULL)) < 0) {
			listener_lost(l);
			return -1;
		}
		if (n > 0 || waited >= wait_ms)
			return 0;
		nanosleep(&pause, NULL);
		waited += every;
	}
}

int
rb_sesscache_step(struct rb_sesscache_listener *l, int wait_ms)
{
	struct pollfd pfd;
	int rc, every;

	if (l->li_db == NULL && listener_link(l) != 0)
		return -1;
	if ((every = rb_db_notices_poll_ms(l->li_db)) > 0)
		return step_polled(l, wait_ms, every);
	pfd.fd = rb_db_socket(l->li_db);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0) {
		listener_lost(l);
		return -1;
	}
	rc = poll(&pfd, 1, wait_ms);
	if (rc == 0 || (rc < 0 && errno == EINTR))
		return 0;
	if (rb_db_notices_read(l->li_db, on_notice, NULL) < 0) {
		listener_lost(l);
		return -1;
	}
	return 0;
}

void
rb_sesscache_listener_free(struct rb_sesscache_listener *l)
{
	if (l == NULL)
		return;
	rb_db_notice_hook(NULL, NULL);
	cache_set(0);
	rb_db_close(l->li_db);
	free(l->li_url);
	free(l);
}

/* The web server's thread. */

static pthread_t		 thread;
static struct rb_sesscache_listener *thread_listener;
static atomic_int		 thread_stop;

static void *
listener_main(void *arg)
{
	struct rb_sesscache_listener *l = arg;
	struct timespec pause = { 1, 0 };

	while (!atomic_load(&thread_stop))
		if (rb_sesscache_step(l, 500) != 0 &&
		    !atomic_load(&thread_stop))
			nanosleep(&pause, NULL);
	return NULL;
}

int
rb_sesscache_start(const char *url)
{
	if (thread_listener != NULL)
		return 0;
	if ((thread_listener = rb_sesscache_listener_new(url)) == NULL)
		return 0;
	atomic_store(&thread_stop, 0);
	/* Linked before the first request when the database answers. */
	(void)rb_sesscache_step(thread_listener, 0);
	if (pthread_create(&thread, NULL, listener_main,
	    thread_listener) != 0) {
		log_errx("session cache: cannot start its listener thread");
		rb_sesscache_listener_free(thread_listener);
		thread_listener = NULL;
		return -1;
	}
	return 0;
}

void
rb_sesscache_stop(void)
{
	if (thread_listener == NULL)
		return;
	atomic_store(&thread_stop, 1);
	pthread_join(thread, NULL);
	rb_sesscache_listener_free(thread_listener);
	thread_listener = NULL;
}
