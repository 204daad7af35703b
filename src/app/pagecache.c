/*
 * pagecache.c: the pages' data kept in memory, evicted by notices (see
 * pagecache.h).
 *
 * Direct-mapped: a value's slot is given by its kind and account (and
 * sub-key, for a kind that has one); a newer day or value takes the
 * slot. An eviction by contract or account scans the whole table
 * (RB_PAGECACHE_SLOTS, a few microseconds): notices are far rarer than
 * reads, and a bulk change sends one "*".
 *
 * The race between a reader and a writer: a request reads a page's
 * data, a write commits and its eviction is applied, then the request
 * would keep what it read. Every eviction and flush moves the epoch,
 * and a value is kept only when the epoch has not moved since before
 * its read (as in sesscache.c).
 */
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/mem.h"
#include "app/pagecache.h"

struct rb_pagecache_val {
	atomic_int	  pv_refs;
	void		 *pv_data;
	void		(*pv_free)(void *);
	int64_t		 *pv_contracts;
	size_t		  pv_n;
	int64_t		  pv_until;	/* 0 or the last second it stands */
};

struct slot {
	struct rb_pagecache_val	*sl_val;	/* NULL: empty */
	int64_t			 sl_kept_at;	/* monotonic seconds */
	int			 sl_kind;
	int64_t			 sl_account;
	char			 sl_day[11];
	/* "" but for a kind with a sub-key */
	char			 sl_sub[RB_PAGECACHE_SUB_MAX];
};

static pthread_mutex_t	 cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot	*cache_slots;	/* RB_PAGECACHE_SLOTS, once on */
static uint64_t		 cache_epoch;	/* under cache_lock */
/* rb_pagecache_snapshot(): the epoch when this thread's read
   transaction began. */
static _Thread_local uint64_t	 tl_snap_epoch;
static _Thread_local int	 tl_snap;
static atomic_int	 cache_on;
static atomic_int	 cache_allowed = 1;
static atomic_ullong	 cache_hits, cache_misses;

struct rb_pagecache_val *
rb_pagecache_val_new(void *data, void (*free_fn)(void *),
    const int64_t *contracts, size_t n)
{
	struct rb_pagecache_val *v = rb_xcalloc(1, sizeof(*v));

	atomic_init(&v->pv_refs, 1);
	v->pv_data = data;
	v->pv_free = free_fn;
	if (n > 0) {
		v->pv_contracts = rb_xcalloc(n, sizeof(*v->pv_contracts));
		memcpy(v->pv_contracts, contracts, n * sizeof(*contracts));
	}
	v->pv_n = n;
	return v;
}

void
rb_pagecache_val_until(struct rb_pagecache_val *v, int64_t until)
{
	v->pv_until = until;
}

void *
rb_pagecache_data(const struct rb_pagecache_val *v)
{
	return v->pv_data;
}

void
rb_pagecache_release(struct rb_pagecache_val *v)
{
	if (v == NULL || atomic_fetch_sub(&v->pv_refs, 1) != 1)
		return;
	if (v->pv_free != NULL)
		v->pv_free(v->pv_data);
	free(v->pv_contracts);
	free(v);
}

/* Monotonic seconds (the vDSO: no system call). */
static int64_t
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

/* The slot of (kind, account). The kind is mixed into the low bits the
   modulo keeps: shifted above them, every kind of an account fell in one
   slot, and a page reading two use cases (/ma-consommation: its view,
   its leak, its setting) evicted its own values. */
static size_t
slot_of(int kind, int64_t account, const char *sub)
{
	uint64_t h = (uint64_t)account * 0x9E3779B97F4A7C15ULL +
	    (uint64_t)kind * 0xC2B2AE3D27D4EB4FULL;

	/* A sub-key (FNV-1a) spreads an account's bills over the table;
	   "" leaves the slot of (kind, account). */
	if (*sub != '\0') {
		uint64_t s = 0xCBF29CE484222325ULL;

		for (; *sub != '\0'; sub++)
			s = (s ^ (unsigned char)*sub) * 0x100000001B3ULL;
		h ^= s;
	}
	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 29;
	return (size_t)(h % RB_PAGECACHE_SLOTS);
}

static void
slot_clear(struct slot *sl)
{
	rb_pagecache_release(sl->sl_val);
	memset(sl, 0, sizeof(*sl));
}

/* Empties the table and moves the epoch; cache_lock held. */
static void
flush_locked(void)
{
	size_t i;

	for (i = 0; cache_slots != NULL && i < RB_PAGECACHE_SLOTS; i++)
		if (cache_slots[i].sl_val != NULL)
			slot_clear(&cache_slots[i]);
	cache_epoch++;
}

void
rb_pagecache_allow(int allowed)
{
	atomic_store(&cache_allowed, allowed != 0);
	if (!allowed)
		rb_pagecache_set(0);
}

void
rb_pagecache_set(int on)
{
	on = on && atomic_load(&cache_allowed);
	pthread_mutex_lock(&cache_lock);
	if (on && cache_slots == NULL)
		cache_slots = rb_xcalloc(RB_PAGECACHE_SLOTS,
		    sizeof(*cache_slots));
	flush_locked();
	atomic_store(&cache_on, on);
	pthread_mutex_unlock(&cache_lock);
}

int
rb_pagecache_on(void)
{
	return atomic_load(&cache_on);
}

struct rb_pagecache_val *
rb_pagecache_get(enum rb_pagecache_kind kind, int64_t account,
    const char *day, int64_t now, uint64_t *epoch)
{
	return rb_pagecache_get_sub(kind, account, "", day, now, epoch);
}

struct rb_pagecache_val *
rb_pagecache_get_sub(enum rb_pagecache_kind kind, int64_t account,
    const char *sub, const char *day, int64_t now, uint64_t *epoch)
{
	struct rb_pagecache_val *v = NULL;
	struct slot *sl;

	*epoch = 0;
	if (!atomic_load_explicit(&cache_on, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&cache_lock);
	*epoch = tl_snap ? tl_snap_epoch : cache_epoch;
	if (atomic_load(&cache_on) && cache_slots != NULL &&
	    strlen(sub) < sizeof(sl->sl_sub)) {
		sl = &cache_slots[slot_of(kind, account, sub)];
		if (sl->sl_val != NULL && sl->sl_kind == (int)kind &&
		    sl->sl_account == account &&
		    strcmp(sl->sl_sub, sub) == 0 &&
		    strcmp(sl->sl_day, day) == 0 &&
		    (sl->sl_val->pv_until == 0 ||
		    now <= sl->sl_val->pv_until) &&
		    mono_s() - sl->sl_kept_at < RB_PAGECACHE_MAX_AGE_S) {
			v = sl->sl_val;
			atomic_fetch_add(&v->pv_refs, 1);
		}
	}
	pthread_mutex_unlock(&cache_lock);
	atomic_fetch_add_explicit(v != NULL ? &cache_hits : &cache_misses, 1,
	    memory_order_relaxed);
	return v;
}

void
rb_pagecache_put(enum rb_pagecache_kind kind, int64_t account,
    const char *day, struct rb_pagecache_val *v, uint64_t epoch)
{
	rb_pagecache_put_sub(kind, account, "", day, v, epoch);
}

void
rb_pagecache_put_sub(enum rb_pagecache_kind kind, int64_t account,
    const char *sub, const char *day, struct rb_pagecache_val *v,
    uint64_t epoch)
{
	struct slot *sl;

	if (!atomic_load_explicit(&cache_on, memory_order_relaxed) ||
	    strlen(day) >= sizeof(sl->sl_day) ||
	    strlen(sub) >= sizeof(sl->sl_sub))
		return;
	pthread_mutex_lock(&cache_lock);
	if (atomic_load(&cache_on) && cache_slots != NULL &&
	    epoch == cache_epoch) {
		sl = &cache_slots[slot_of(kind, account, sub)];
		if (sl->sl_val != NULL)
			slot_clear(sl);
		atomic_fetch_add(&v->pv_refs, 1);
		sl->sl_val = v;
		sl->sl_kept_at = mono_s();
		sl->sl_kind = (int)kind;
		sl->sl_account = account;
		strcpy(sl->sl_day, day);
		strcpy(sl->sl_sub, sub);
	}
	pthread_mutex_unlock(&cache_lock);
}

/* The number after prefix in payload, or -1 when it does not start so. */
static int64_t
payload_id(const char *payload, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long long v;

	if (strncmp(payload, prefix, n) != 0 || payload[n] < '0' ||
	    payload[n] > '9')
		return -1;
	v = strtoll(payload + n, &end, 10);
	return *end == '\0' && v >= 0 ? (int64_t)v : -1;
}

static int
lists(const struct rb_pagecache_val *v, int64_t contract)
{
	size_t i;

	for (i = 0; i < v->pv_n; i++)
		if (v->pv_contracts[i] == contract)
			return 1;
	return 0;
}

/* Evicts the values of account or listing contract (-1: none). */
static void
evict(int64_t account, int64_t contract)
{
	struct slot *sl;
	size_t i;

	pthread_mutex_lock(&cache_lock);
	cache_epoch++;
	for (i = 0; cache_slots != NULL && i < RB_PAGECACHE_SLOTS; i++) {
		sl = &cache_slots[i];
		if (sl->sl_val != NULL && ((account >= 0 &&
		    sl->sl_account == account) || (contract >= 0 &&
		    lists(sl->sl_val, contract))))
			slot_clear(sl);
	}
	pthread_mutex_unlock(&cache_lock);
}

void
rb_pagecache_evict(const char *payload)
{
	int64_t account, contract;

	account = payload_id(payload, "account:");
	contract = payload_id(payload, "contract:");
	if (account < 0 && contract < 0) {
		/* "*", or a payload of a later version: never keep
		   stale. */
		pthread_mutex_lock(&cache_lock);
		flush_locked();
		pthread_mutex_unlock(&cache_lock);
		return;
	}
	evict(account, contract);
}

void
rb_pagecache_evict_account(int64_t account)
{
	if (account >= 0)
		evict(account, -1);
}

int
rb_pagecache_count(void)
{
	size_t i;
	int n = 0;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; cache_slots != NULL && i < RB_PAGECACHE_SLOTS; i++)
		n += cache_slots[i].sl_val != NULL;
	pthread_mutex_unlock(&cache_lock);
	return n;
}

void
rb_pagecache_stats(struct rb_pagecache_stats *out)
{
	out->ps_hits = atomic_load_explicit(&cache_hits,
	    memory_order_relaxed);
	out->ps_misses = atomic_load_explicit(&cache_misses,
	    memory_order_relaxed);
	out->ps_on = atomic_load(&cache_on);
}

/* A kept JSON answer and the query it answers. */
struct json_kept {
	char	 jk_param[RB_PAGECACHE_PARAM_MAX];
	json_t	*jk_json;
};

static void
json_kept_drop(void *p)
{
	struct json_kept *k = p;

	json_decref(k->jk_json);
	free(k);
}

int
rb_pagecache_keeps(int64_t account)
{
	return account > 0 && atomic_load_explicit(&cache_on,
	    memory_order_relaxed);
}

json_t *
rb_pagecache_json(enum rb_pagecache_kind kind, int64_t account,
    const char *day, const char *param, int64_t now, uint64_t *epoch)
{
	struct rb_pagecache_val *v;
	const struct json_kept *k;
	json_t *copy = NULL;

	*epoch = 0;
	if (account <= 0 || (v = rb_pagecache_get(kind, account, day, now,
	    epoch)) == NULL)
		return NULL;
	k = rb_pagecache_data(v);
	/* Read only: a deep copy does not touch the original. */
	if (strcmp(k->jk_param, param) == 0)
		copy = json_deep_copy(k->jk_json);
	rb_pagecache_release(v);
	return copy;
}

void
rb_pagecache_json_keep(enum rb_pagecache_kind kind, int64_t account,
    const char *day, const char *param, const json_t *j,
    const int64_t *contracts, size_t n, int64_t until, uint64_t epoch)
{
	struct rb_pagecache_val *v;
	struct json_kept *k;

	if (!rb_pagecache_keeps(account) || j == NULL ||
	    strlen(param) >= sizeof(k->jk_param))
		return;
	k = rb_xcalloc(1, sizeof(*k));
	strcpy(k->jk_param, param);
	if ((k->jk_json = json_deep_copy(j)) == NULL) {
		free(k);
		return;
	}
	v = rb_pagecache_val_new(k, json_kept_drop, contracts, n);
	if (until != 0)
		rb_pagecache_val_until(v, until);
	rb_pagecache_put(kind, account, day, v, epoch);
	rb_pagecache_release(v);
}

void
rb_pagecache_snapshot(void)
{
	pthread_mutex_lock(&cache_lock);
	tl_snap_epoch = cache_epoch;
	pthread_mutex_unlock(&cache_lock);
	tl_snap = 1;
}

void
rb_pagecache_snapshot_end(void)
{
	tl_snap = 0;
}
