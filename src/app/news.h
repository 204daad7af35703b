/*
 * news.h: the public news and events use cases: the /actualites list,
 * one item's page, the Atom feed, and the French dates and status of
 * events shared with the home page.
 *
 * What is public is what store/news.h calls visible at the instant now.
 * An event's status is decided by its dates against today's date in
 * Paris (rb_clock_today(), which the `today` setting pins in demo mode):
 * "ongoing" from its first to its last day included, "upcoming" before,
 * "past" after. Past events leave the lists (their page stays while the
 * item is published, saying the event is over).
 *
 * Bodies stay CommonMark (body_md) here: turning them into HTML is the
 * web layer's job (tmpl/markdown.h).
 */
#ifndef RB_APP_NEWS_H
#define RB_APP_NEWS_H

#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/db.h"

#define RB_NEWS_PER_PAGE	10	/* news items per page of /actualites */
#define RB_NEWS_EVENTS_MAX	50	/* events listed on /actualites */
#define RB_NEWS_FEED_MAX	30	/* entries of the Atom feed */
#define RB_NEWS_SLUG_MAX	80

/*
 * Parses the page number of /actualites?page=N: NULL or "" is 1;
 * otherwise 1 to 10000 written in digits only. Returns RB_OK, or
 * RB_INVALID with *msg a French sentence.
 */
enum rb_rc	rb_news_parse_page(const char *s, int *page, const char **msg);

/* Returns 1 if s has the shape of a slug ([a-z0-9-], 1 to
 * RB_NEWS_SLUG_MAX bytes, not starting or ending with '-'), else 0. */
int		rb_news_slug_ok(const char *s);

/*
 * Builds the data of page `page` of /actualites at instant now:
 *	{"news": [item…], "has_news", "events": [event…], "has_events",
 *	 "page", "has_prev", "prev_page", "has_next", "next_page",
 *	 "has_pager"}
 * news: newest first (RB_NEWS_PER_PAGE per page); events: the ongoing
 * and upcoming ones, soonest first, on page 1 only (empty after). Items
 * are decorated as by rb_news_decorate(). Returns RB_OK and a new object
 * in *out (the caller decrefs); RB_NOT_FOUND for a page after the last
 * (page 1 always exists); RB_ERROR when the database fails.
 */
enum rb_rc	rb_news_list(rb_db *db, time_t now, int page, json_t **out);

/*
 * Builds the data of the item page of slug at instant now: the full item
 * of store/news.h, decorated. Returns RB_OK and *out (the caller
 * decrefs); RB_NOT_FOUND when no such item is visible at now (unknown,
 * draft, scheduled later or unpublished: one answer); RB_ERROR.
 */
enum rb_rc	rb_news_item(rb_db *db, time_t now, const char *slug,
		    json_t **out);

/*
 * Builds the data of the Atom feed at instant now:
 *	{"updated": instant, "entries": [full item + "updated": instant]}
 * entries newest publication first (at most RB_NEWS_FEED_MAX); an
 * entry's "updated" is the later of its updated_at and published_at;
 * the feed's is the last change of store/news.h, never earlier than any
 * entry's. Returns RB_OK and *out (the caller decrefs), or RB_ERROR.
 */
enum rb_rc	rb_news_feed_get(rb_db *db, time_t now, json_t **out);

/*
 * Adds French texts to an item of store/news.h, in place:
 *   every item: "is_event", "published_on", "published_on_fr" (when
 *   published_at is set), "updated_on_fr" (null unless edited on a later
 *   Paris day than its publication);
 *   events (kind 'event' or an item with "start"): "status" ("ongoing",
 *   "upcoming", "past" against today_iso), "status_fr" ("En cours",
 *   "À venir", "Terminé"), "single_day", "start_fr", "end_fr" (long
 *   French dates), "start_time_fr", "end_time_fr" ("14 h 30" or null),
 *   "start_dt", "end_dt" (HTML datetime: "2024-12-03" or
 *   "2024-12-03T14:30"), and "place" set to null when absent.
 * Missing keys are filled with null so that strict templates render.
 */
void		rb_news_decorate(json_t *item, const char *today_iso);

#endif
