/*
 * pagecache.h: this process's memory of what the subscriber's pages
 * read for an account (a use case's result), so that a signed-in page
 * seen again makes no round trip to the database server
 * (docs/architecture.md, "Page data kept in memory").
 *
 * Only where the engine carries notices (db.h, rb_db_notices():
 * PostgreSQL, SQLite since migration 0031), and only while the session
 * cache's listener (app/sesscache.h: one connection, one thread a
 * server) is linked: it also listens on RB_DATA_CHANNEL, where triggers
 * on every table those pages read (migrations 0027, 0031) name the
 * contract or account that changed, whoever wrote it, or "*" after a
 * bulk change. A lost link
 * empties this cache and turns it off with the session cache.
 *
 * A value is keyed by (kind, account, day): kind says which use case
 * made it, day is the Paris day it was computed for ("YYYY-MM-DD"; ""
 * for a value that does not depend on today), so that a new day never
 * serves yesterday's due dates. It also lists the contracts it shows:
 * a notice "contract:N" evicts every value listing N, "account:N"
 * every value of account N.
 *
 * The writing server sees its own write at once: triggers' notices
 * reach it only through its listener, milliseconds later, so a request
 * of a session that wrote evicts its account here before it answers
 * (rb_pagecache_evict_account(), web/routes.c).
 *
 * Whatever happens to a notice, a value serves no longer than
 * RB_PAGECACHE_MAX_AGE_S after it was read.
 *
 * A value that depends on the instant stands until
 * rb_pagecache_val_until() (a card payment's hold ends).
 *
 * Values are shared, never copied: one holds a reference
 * (rb_pagecache_release() when done) and reads it only. The table is
 * bounded (RB_PAGECACHE_SLOTS, direct-mapped: a newer value takes the
 * slot of an older one), under one mutex; an epoch keeps out a value
 * read before an eviction.
 */
#ifndef RB_APP_PAGECACHE_H
#define RB_APP_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define RB_PAGECACHE_SLOTS	16384
/* Whatever happens to notices (a link broken without the listener
   knowing), a value serves at most this long after its read. */
#define RB_PAGECACHE_MAX_AGE_S	60

/* The use cases whose results are kept. */
enum rb_pagecache_kind {
	RB_PAGECACHE_SPACE,		/* app/space.h: /mon-espace */
	RB_PAGECACHE_BILLS,		/* app/bills.h: /mes-factures */
	RB_PAGECACHE_BILL,		/* app/bills.h: /mes-factures/NUMBER,
					   one value a bill (sub-key: its
					   number, rb_pagecache_get_sub()) */
	RB_PAGECACHE_GDPR,		/* app/gdpr.h: /mes-donnees */
	RB_PAGECACHE_BRAILLE_LETTERS,	/* app/braille.h:
					   /mes-courriers-braille */
	RB_PAGECACHE_CONSUMPTION,	/* app/consumption.h:
					   /ma-consommation and its CSV */
	RB_PAGECACHE_READINGS,		/* app/readings.h: /mon-index */
	RB_PAGECACHE_COORDS,		/* app/coords.h: /mes-coordonnees */
	RB_PAGECACHE_PAYMEANS,		/* app/paymeans.h:
					   /mes-moyens-de-paiement */
	RB_PAGECACHE_REQUESTS,		/* app/contact.h: /mes-demandes */
	RB_PAGECACHE_LEAK,		/* app/leaks.h: the latest leak and */
	RB_PAGECACHE_LEAK_SETTING,	/* its setting, on /ma-consommation */
	RB_PAGECACHE_ACCOUNT,		/* app/auth.h: /mon-compte (keyed by
					   session, not day) */
	RB_PAGECACHE__MAX
};

/* A value: data, freed by free_fn with the last reference. */
struct rb_pagecache_val;

/*
 * A new value holding data (owned from now on, freed by free_fn) and
 * the n contract ids it shows (copied), with one reference: the
 * caller's. Never fails (allocation failure aborts).
 */
struct rb_pagecache_val *rb_pagecache_val_new(void *data,
	    void (*free_fn)(void *), const int64_t *contracts, size_t n);
/* A value that stands only until until (UTC seconds, inclusive: a
   card payment's hold ends then), set before rb_pagecache_put(). */
void	 rb_pagecache_val_until(struct rb_pagecache_val *v, int64_t until);
/* The data of v. */
void	*rb_pagecache_data(const struct rb_pagecache_val *v);
/* Lets go of a reference (v may be NULL); the last frees v. */
void	 rb_pagecache_release(struct rb_pagecache_val *v);

/*
 * The value kept for (kind, account, day) that still stands at now (UTC
 * seconds), with a new reference for the caller, or NULL. In both
 * cases *epoch is what rb_pagecache_put() needs: take it before reading
 * the database.
 */
struct rb_pagecache_val *rb_pagecache_get(enum rb_pagecache_kind kind,
	    int64_t account, const char *day, int64_t now, uint64_t *epoch);
/*
 * Keeps v (a reference of its own) for (kind, account, day), read from
 * the database after rb_pagecache_get() gave epoch; nothing is kept when
 * the cache is off or an eviction came since epoch. The caller keeps
 * its reference.
 */
void	 rb_pagecache_put(enum rb_pagecache_kind kind, int64_t account,
	    const char *day, struct rb_pagecache_val *v, uint64_t epoch);

/*
 * The use cases that answer JSON keep it through these two: a value
 * holds a copy of the JSON and the text of the query it answers (param:
 * a contract number, a view; "" when none, at most
 * RB_PAGECACHE_PARAM_MAX - 1 bytes, else nothing is kept), so that a
 * kept answer serves only the same query of the same account and day.
 * rb_pagecache_json() gives a new copy for the caller (NULL when none
 * is kept, and *epoch as rb_pagecache_get()); rb_pagecache_json_keep()
 * keeps a copy of j listing the n contract ids it shows, standing until
 * until (0: no end). Nothing is shared with the caller.
 */
#define RB_PAGECACHE_PARAM_MAX	128
json_t	*rb_pagecache_json(enum rb_pagecache_kind kind,
	    int64_t account, const char *day, const char *param, int64_t now,
	    uint64_t *epoch);
void	 rb_pagecache_json_keep(enum rb_pagecache_kind kind, int64_t account,
	    const char *day, const char *param, const json_t *j,
	    const int64_t *contracts, size_t n, int64_t until, uint64_t epoch);
/* Whether a value for account may be kept at all (the cache is on and
   account is a signed-in one): a use case skips its copies else. */
int	 rb_pagecache_keeps(int64_t account);

/*
 * A read transaction takes its snapshot when it begins or at its first
 * read, which may come before rb_pagecache_get(): a notice applied in
 * between would be missed by the epoch taken at the get, and data read
 * from the older snapshot kept. rb_pagecache_snapshot(), called just
 * before such a transaction begins, makes this thread's later gets give
 * the epoch of that moment instead, so that nothing read in the
 * transaction is kept when an eviction came since it began;
 * rb_pagecache_snapshot_end() when it has ended (web/routes.c: a page's
 * read transaction).
 */
void	 rb_pagecache_snapshot(void);
void	 rb_pagecache_snapshot_end(void);

/* Applies a notice's payload: "contract:N", "account:N", "*"; anything
   else empties the cache. */
void	 rb_pagecache_evict(const char *payload);
/* Evicts account's values (a write of this process, see above). */
void	 rb_pagecache_evict_account(int64_t account);

/* Turns the cache on (empty) or off (emptied): the listener's doing.
   It comes on only when allowed (setting data_cache, default 1). */
void	 rb_pagecache_set(int on);
void	 rb_pagecache_allow(int allowed);
int	 rb_pagecache_on(void);
/* Values held, for tests. */
int	 rb_pagecache_count(void);

/* For /metrics: reads served from memory and reads that went to the
   database while the cache was on, since start; whether it is on. */
struct rb_pagecache_stats {
	uint64_t	 ps_hits;
	uint64_t	 ps_misses;
	int		 ps_on;
};
void	 rb_pagecache_stats(struct rb_pagecache_stats *out);

/*
 * A kind with one value per thing of an account (a bill): its sub-key
 * sub (a bill's number, at most RB_PAGECACHE_SUB_MAX - 1 bytes; a
 * longer one is never found nor kept) is part of the key (kind,
 * account, sub, day), compared whole: a value kept for one sub-key
 * never serves another, nor another account. rb_pagecache_get() and
 * rb_pagecache_put() are these with sub "". A value with a sub-key is
 * evicted like any other (its account, the contracts it lists, "*").
 */
#define RB_PAGECACHE_SUB_MAX	32
struct rb_pagecache_val *rb_pagecache_get_sub(enum rb_pagecache_kind kind,
	    int64_t account, const char *sub, const char *day, int64_t now,
	    uint64_t *epoch);
void	 rb_pagecache_put_sub(enum rb_pagecache_kind kind, int64_t account,
	    const char *sub, const char *day, struct rb_pagecache_val *v,
	    uint64_t epoch);

#endif
