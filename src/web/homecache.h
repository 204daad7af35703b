/*
 * homecache.h: the home page kept in memory between requests.
 *
 * News and events change rarely and the home page is the most visited
 * one: a server keeps the page data it last read (for every visitor) and
 * the page it rendered from it for a visitor with no session and no
 * archive visit (the same bytes for all of them), with the key they
 * were made for. A request serves them only when its own key is the
 * same: the news stamp (read from the database at most every
 * news_recheck_ms, and at once after a news write of this process: a
 * change made through another server, or by hand, shows within that
 * delay), the day, the customer service's sentence, and an instant
 * before the first publication window to open or close. A signed-in
 * visitor gets the page kept for signed-in visitors with his own
 * fields (enum rb_home_field) spliced in. One cache per site, shared by
 * the request threads under a mutex.
 */
#ifndef RB_WEB_HOMECACHE_H
#define RB_WEB_HOMECACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "http.h"

struct rb_home_cache;

/* What the kept page and data were made for. */
struct rb_home_key {
	int64_t	hk_stamp;		/* the news stamp */
	char	hk_today[16];		/* YYYY-MM-DD, rb_clock_today_iso() */
	int	hk_open;		/* the service is open */
	char	hk_sentence[RB_CLOCK_SENTENCE_MAX];
};

/* What a signed-in page's layout shows of its visitor: spliced, HTML
 * escaped, into the signed-in page kept (rb_home_cache_signed()). */
enum rb_home_field {
	RB_HOME_FIRST_NAME,
	RB_HOME_CSRF,
	RB_HOME__FIELDS
};

/* A new, empty cache (rb_home_cache_free() frees it). */
struct rb_home_cache *rb_home_cache_new(void);
/* Frees hc and what it keeps; NULL is ignored. */
void	rb_home_cache_free(struct rb_home_cache *hc);

/*
 * When hc keeps a rendered page for key, still valid at now, appends it
 * to out and returns 1; returns 0 otherwise (out untouched).
 */
int	rb_home_cache_page(struct rb_home_cache *hc,
	    const struct rb_home_key *key, time_t now, rb_buf *out);

/*
 * When hc keeps the whole answer made of its rendered page for key
 * (rb_home_cache_keep()), still valid at now, returns a reference on it
 * (the caller drops it, or hands it to rb_resp_kept()); NULL otherwise.
 */
struct rb_kept *rb_home_cache_kept(struct rb_home_cache *hc,
	    const struct rb_home_key *key, time_t now);

/*
 * Keeps k, the whole answer made of the page kept for key, taking over
 * the caller's reference; dropped at once when hc keeps no page for key
 * at now any more, or already keeps an answer. k NULL is ignored.
 */
void	rb_home_cache_keep(struct rb_home_cache *hc,
	    const struct rb_home_key *key, time_t now, struct rb_kept *k);

/*
 * When hc keeps page data for key, still valid at now, returns a deep
 * copy of it (the caller owns it); NULL otherwise.
 */
json_t	*rb_home_cache_data(struct rb_home_cache *hc,
	    const struct rb_home_key *key, time_t now);

/*
 * Keeps data (copied) for key until until (0: no limit but the key),
 * replacing what hc kept; and page (len bytes, copied) as its rendered
 * page when page is not NULL. A put for an older stamp than the one
 * kept is ignored.
 */
void	rb_home_cache_put(struct rb_home_cache *hc,
	    const struct rb_home_key *key, int64_t until, const json_t *data,
	    const char *page, size_t len);

/*
 * When hc keeps the signed-in page for key, still valid at now, appends
 * it to out with values[f], HTML-escaped, in place of each field f and
 * returns 1; returns 0 otherwise (out untouched).
 */
int	rb_home_cache_signed(struct rb_home_cache *hc,
	    const struct rb_home_key *key, time_t now,
	    const char *const values[RB_HOME__FIELDS], rb_buf *out);

/*
 * Keeps page (len bytes), the home page rendered from the data kept for
 * key for a signed-in visitor whose fields were marks[f] (strings that
 * HTML escaping leaves alone and that occur nowhere else), as hc's
 * signed-in page: only when hc keeps data for key still valid at now and
 * no signed-in page yet. Dropped with the data.
 */
void	rb_home_cache_keep_signed(struct rb_home_cache *hc,
	    const struct rb_home_key *key, time_t now, const char *page,
	    size_t len, const char *const marks[RB_HOME__FIELDS]);

/*
 * The news stamp kept by rb_home_cache_stamp_keep(), when it was read
 * less than recheck_ms before now_ms (a monotonic clock in milliseconds)
 * and writes (rb_news_writes()) is the same as then: 1, *stamp set; 0
 * when the stamp must be read again (always when recheck_ms is 0).
 */
int	rb_home_cache_stamp(struct rb_home_cache *hc, int64_t now_ms,
	    uint64_t writes, int recheck_ms, int64_t *stamp);

/*
 * Keeps stamp, read from the database after read_ms (the monotonic
 * clock) and writes were taken; a stamp read before the one kept is
 * ignored.
 */
void	rb_home_cache_stamp_keep(struct rb_home_cache *hc, int64_t read_ms,
	    uint64_t writes, int64_t stamp);

#endif
