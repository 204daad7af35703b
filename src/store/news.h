/*
 * news.h: the news and events shown on the public home page.
 */
#ifndef RB_STORE_NEWS_H
#define RB_STORE_NEWS_H

#include <jansson.h>

#include "store/db.h"

/*
 * Sets *out to a new array of at most limit published news items (kind
 * 'news', published_at not NULL and not in the future), newest first:
 *	[{"slug", "title", "summary", "published_on": "YYYY-MM-DD"}]
 * published_on is the Paris date of publication. Returns 0, or -1 with
 * *out NULL when the database fails. The caller owns *out (json_decref).
 */
int	rb_news_latest(rb_db *db, int limit, json_t **out);

/*
 * Sets *out to a new array of at most limit published events that end on
 * or after today_iso ('YYYY-MM-DD'), the soonest to start first:
 *	[{"slug", "title", "summary", "place", "start", "end"}]
 * ("place" is null when unknown). Returns 0, or -1 with *out NULL when
 * the database fails. The caller owns *out (json_decref).
 */
int	rb_events_upcoming(rb_db *db, const char *today_iso, int limit,
	    json_t **out);

#endif
