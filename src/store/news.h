/*
 * news.h: the news and events of the site: the public lists (home page,
 * /actualites, the Atom feed), one item by its slug, and the admins'
 * writes from the back office.
 *
 * An item is visible at instant now when it is published
 * (published_at not NULL and <= now) and not yet unpublished
 * (unpublished_at NULL or > now): every public read below applies this
 * window. Instants are UTC seconds; dates 'YYYY-MM-DD'; event times
 * 'HH:MM' in Paris (0016_news_window.sql).
 *
 * A full item, as JSON (rb_news_visible_by_slug, rb_news_feed,
 * rb_news_by_id): {"id", "slug", "title", "summary", "body_md", "kind",
 * "published_at", "unpublished_at", "created_at", "updated_at",
 * "author_agent_id", "start", "end", "start_time", "end_time", "place"}
 * with integers for instants and ids, null for what is not set.
 */
#ifndef RB_STORE_NEWS_H
#define RB_STORE_NEWS_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/*
 * Sets *out to a new array of at most limit news items (kind 'news')
 * visible at now, newest publication first:
 *	[{"slug", "title", "summary", "published_at",
 *	  "published_on": "YYYY-MM-DD"}]
 * published_on is the Paris date of publication. Skips offset items
 * first (pagination). Returns 0, or -1 with *out NULL when the database
 * fails. The caller owns *out (json_decref).
 */
int	rb_news_latest(rb_db *db, int64_t now, int offset, int limit,
	    json_t **out);

/*
 * Sets *out to a new array of at most limit events visible at now that
 * end on or after today_iso ('YYYY-MM-DD'), the soonest to start first:
 *	[{"slug", "title", "summary", "place", "start", "end",
 *	  "start_time", "end_time"}]
 * (place and times null when not set). Returns 0, or -1 with *out NULL
 * when the database fails. The caller owns *out (json_decref).
 */
int	rb_events_upcoming(rb_db *db, int64_t now, const char *today_iso,
	    int limit, json_t **out);

/*
 * Sets *out to the full item (see above) whose slug is slug if it is
 * visible at now. Returns 0; 1 (*out NULL) when there is no such item or
 * it is not visible; -1 (*out NULL) when the database fails.
 */
int	rb_news_visible_by_slug(rb_db *db, int64_t now, const char *slug,
	    json_t **out);

/*
 * Sets *out to a new array of at most limit full items, news and events,
 * visible at now, newest publication first (the Atom feed). Returns 0, or
 * -1 with *out NULL.
 */
int	rb_news_feed(rb_db *db, int64_t now, int limit, json_t **out);

/*
 * Sets *out to the version stamp of the news table (content_stamps,
 * migration 0020): it grows with every change to the table, made by any
 * process. Returns 0, or -1 with *out 0 when the database fails.
 */
int	rb_news_stamp(rb_db *db, int64_t *out);

/*
 * Sets *out to the first instant after now at which an item's
 * publication window opens or closes (what is visible changes with no
 * change to the table), or 0 when none is to come. Returns 0, or -1.
 */
int	rb_news_next_change(rb_db *db, int64_t now, int64_t *out);

/*
 * Stores in *out the last instant at or before now when what the public
 * sees changed: a publication, an unpublication, or an edit of an item
 * published by then; 0 when nothing was ever published. Returns 0, or -1
 * (*out untouched).
 */
int	rb_news_last_change(rb_db *db, int64_t now, int64_t *out);

/* ---- the back office (admins) ---- */

/* What an admin writes. NULL texts and negative instants are SQL NULL. */
struct rb_news_input {
	const char	*ni_slug;	/* [a-z0-9-], set at creation only */
	const char	*ni_title;
	const char	*ni_summary;
	const char	*ni_body_md;
	const char	*ni_kind;	/* "news" or "event" */
	const char	*ni_place;
	const char	*ni_start;	/* events: 'YYYY-MM-DD' */
	const char	*ni_end;
	const char	*ni_start_time;	/* 'HH:MM' or NULL */
	const char	*ni_end_time;
	int64_t		 ni_published_at;	/* < 0: draft */
	int64_t		 ni_unpublished_at;	/* < 0: no end */
	int64_t		 ni_author_agent_id;	/* <= 0: none */
};

/*
 * Sets *out to a new array of every item, drafts included, the most
 * recently changed first, without body:
 *	[{"id", "slug", "title", "kind", "published_at", "unpublished_at",
 *	  "updated_at", "start", "end"}]
 * Returns 0, or -1 with *out NULL.
 */
int	rb_news_all(rb_db *db, json_t **out);

/* Returns 1 if an item has slug slug, 0 if none, -1 on failure. */
int	rb_news_slug_exists(rb_db *db, const char *slug);

/* Sets *out to the full item of id id, visible or not. Returns 0; 1 when
 * there is none; -1 on failure (*out NULL but on 0). */
int	rb_news_by_id(rb_db *db, int64_t id, json_t **out);

/*
 * Adds the item in (created_at and updated_at now) and stores its id in
 * *id. Returns 0; RB_CONSTRAINT when the slug is taken (or a CHECK
 * refuses a value); -1 on failure.
 */
int	rb_news_insert(rb_db *db, const struct rb_news_input *in, int64_t now,
	    int64_t *id);

/*
 * Replaces every field of item id but its slug and created_at by in's;
 * updated_at becomes now. Returns 0; 1 when there is no such item;
 * RB_CONSTRAINT when a CHECK refuses a value; -1 on failure.
 */
int	rb_news_update(rb_db *db, int64_t id, const struct rb_news_input *in,
	    int64_t now);

/*
 * Ends the publication of item id at now (unpublished_at = now,
 * updated_at = now) unless it already ended by then. Returns 0; 1 when
 * there is no such item or its publication already ended; -1 on failure.
 */
int	rb_news_unpublish(rb_db *db, int64_t id, int64_t now);

#endif
