/*
 * news.c: SQL for the news and events (see news.h): the public reads,
 * all bounded by the publication window, and the admins' writes.
 */
#include "base/clock.h"
#include "store/news.h"
#include "store/copy.h"

/* The publication window at instant $1. */
#define VISIBLE	" published_at IS NOT NULL AND published_at <= $1" \
		" AND (unpublished_at IS NULL OR unpublished_at > $1)"
#define FULL_COLUMNS \
	"id, slug, title, summary, body_md, kind, published_at," \
	" unpublished_at, created_at, updated_at, author_agent_id," \
	" event_start, event_end, event_start_time, event_end_time, place"

enum news_sql {
	SQL_NEWS_LATEST,
	SQL_EVENTS_UPCOMING,
	SQL_VISIBLE_BY_SLUG,
	SQL_FEED,
	SQL_LAST_CHANGE,
	SQL_STAMP,
	SQL_NEXT_CHANGE,
	SQL_ALL,
	SQL_BY_ID,
	SQL_SLUG_EXISTS,
	SQL_INSERT,
	SQL_UPDATE,
	SQL_UNPUBLISH,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_NEWS_LATEST] =
	"SELECT slug, title, summary, published_at FROM news"
	" WHERE kind = 'news' AND" VISIBLE
	" ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3",
	[SQL_EVENTS_UPCOMING] =
	"SELECT slug, title, summary, place, event_start, event_end,"
	" event_start_time, event_end_time FROM news"
	" WHERE kind = 'event' AND" VISIBLE " AND event_end >= $2"
	" ORDER BY event_start, event_end, id LIMIT $3",
	[SQL_VISIBLE_BY_SLUG] =
	"SELECT " FULL_COLUMNS " FROM news WHERE slug = $2 AND" VISIBLE,
	[SQL_FEED] =
	"SELECT " FULL_COLUMNS " FROM news WHERE" VISIBLE
	" ORDER BY published_at DESC, id DESC LIMIT $2",
	[SQL_LAST_CHANGE] =
	"SELECT COALESCE(MAX(t), 0) FROM ("
	" SELECT published_at AS t FROM news WHERE published_at <= $1"
	" UNION ALL SELECT unpublished_at FROM news"
	" WHERE unpublished_at <= $1 AND published_at IS NOT NULL"
	" AND published_at < unpublished_at"
	" UNION ALL SELECT updated_at FROM news"
	" WHERE updated_at <= $1 AND" VISIBLE ") AS changes",
	[SQL_STAMP] =
	"SELECT stamp FROM content_stamps WHERE name = 'news'",
	[SQL_NEXT_CHANGE] =
	"SELECT COALESCE(MIN(t), 0) FROM ("
	" SELECT MIN(published_at) AS t FROM news WHERE published_at > $1"
	" UNION ALL SELECT MIN(unpublished_at) FROM news"
	" WHERE unpublished_at > $1) AS changes",
	[SQL_ALL] =
	"SELECT id, slug, title, kind, published_at, unpublished_at,"
	" updated_at, event_start, event_end FROM news"
	" ORDER BY updated_at DESC, id DESC",
	[SQL_BY_ID] =
	"SELECT " FULL_COLUMNS " FROM news WHERE id = $1",
	[SQL_SLUG_EXISTS] =
	"SELECT 1 FROM news WHERE slug = $1",
	[SQL_INSERT] =
	"INSERT INTO news (slug, title, summary, body_md, kind, place,"
	" event_start, event_end, event_start_time, event_end_time,"
	" published_at, unpublished_at, author_agent_id, created_at,"
	" updated_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
	" $14, $14) RETURNING id",
	[SQL_UPDATE] =
	"UPDATE news SET title = $2, summary = $3, body_md = $4, kind = $5,"
	" place = $6, event_start = $7, event_end = $8,"
	" event_start_time = $9, event_end_time = $10, published_at = $11,"
	" unpublished_at = $12, author_agent_id = $13, updated_at = $14"
	" WHERE id = $1",
	[SQL_UNPUBLISH] =
	("UPDATE news SET unpublished_at = $2, updated_at = $2"
	" WHERE id = $1 AND (unpublished_at IS NULL OR unpublished_at > $2)"),
};

static const char *const full_names[] = {
	"id", "slug", "title", "summary", "body_md", "kind", "published_at",
	"unpublished_at", "created_at", "updated_at", "author_agent_id",
	"start", "end", "start_time", "end_time", "place",
};
static const char full_kinds[] = "isssssiiiiisssss";

static void
news_row(rb_stmt *st, void *arr)
{
	struct rb_localtime lt;
	char day[16];

	rb_clock_paris((time_t)rb_stmt_int(st, 3), &lt);
	rb_clock_format_date(&lt.lt_date, day, sizeof(day));
	json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:I, s:s}",
	    "slug", rb_store_json_text(rb_stmt_text(st, 0)),
	    "title", rb_store_json_text(rb_stmt_text(st, 1)),
	    "summary", rb_store_json_text(rb_stmt_text(st, 2)),
	    "published_at", (json_int_t)rb_stmt_int(st, 3),
	    "published_on", day));
}

int
rb_news_latest(rb_db *db, int64_t now, int offset, int limit, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_NEWS_LATEST],
	    RB_BINDS(rb_int(now), rb_int(limit < 0 ? 0 : limit),
	    rb_int(offset < 0 ? 0 : offset)), news_row, out);
}

static void
event_row(rb_stmt *st, void *arr)
{
	static const char *const names[] = { "slug", "title", "summary",
		"place", "start", "end", "start_time", "end_time" };

	json_array_append_new(arr, rb_store_json_object(st, names,
	    "ssssssss"));
}

int
rb_events_upcoming(rb_db *db, int64_t now, const char *today_iso, int limit,
    json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_EVENTS_UPCOMING],
	    RB_BINDS(rb_int(now), rb_text(today_iso),
	    rb_int(limit < 0 ? 0 : limit)), event_row, out);
}

static void
full_row(rb_stmt *st, void *arg)
{
	json_t **item = arg;

	*item = rb_store_json_object(st, full_names, full_kinds);
}

static void
full_row_append(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, rb_store_json_object(st, full_names,
	    full_kinds));
}

/* Runs a one-row query of full items; the contract of rb_news_by_id. */
static int
fetch_full(rb_db *db, const char *q, const struct rb_bind *b, size_t n,
    json_t **out)
{
	json_t *item = NULL;
	int rc;

	*out = NULL;
	rc = rb_db_fetch_one(db, q, b, n, full_row, &item);
	if (rc == 0) {
		*out = item;
		return 0;
	}
	json_decref(item);
	return rc == 1 ? 1 : -1;
}

int
rb_news_visible_by_slug(rb_db *db, int64_t now, const char *slug,
    json_t **out)
{
	return fetch_full(db, sql[SQL_VISIBLE_BY_SLUG],
	    RB_BINDS(rb_int(now), rb_text(slug)), out);
}

int
rb_news_feed(rb_db *db, int64_t now, int limit, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_FEED],
	    RB_BINDS(rb_int(now), rb_int(limit < 0 ? 0 : limit)),
	    full_row_append, out);
}

int
rb_news_stamp(rb_db *db, int64_t *out)
{
	*out = 0;
	return rb_db_fetch_one(db, sql[SQL_STAMP], NULL, 0, rb_row_int, out) ==
	    0 ? 0 : -1;
}

int
rb_news_next_change(rb_db *db, int64_t now, int64_t *out)
{
	*out = 0;
	return rb_db_fetch_one(db, sql[SQL_NEXT_CHANGE],
	    RB_BINDS(rb_int(now)), rb_row_int, out) == 0 ? 0 : -1;
}

int
rb_news_last_change(rb_db *db, int64_t now, int64_t *out)
{
	int64_t v = 0;

	if (rb_db_fetch_one(db, sql[SQL_LAST_CHANGE], RB_BINDS(rb_int(now)),
	    rb_row_int, &v) != 0)
		return -1;
	*out = v;
	return 0;
}

static void
all_row(rb_stmt *st, void *arr)
{
	static const char *const names[] = { "id", "slug", "title", "kind",
		"published_at", "unpublished_at", "updated_at", "start",
		"end" };

	json_array_append_new(arr, rb_store_json_object(st, names,
	    "isssiiiss"));
}

int
rb_news_all(rb_db *db, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_ALL], NULL, 0, all_row, out);
}

int
rb_news_by_id(rb_db *db, int64_t id, json_t **out)
{
	return fetch_full(db, sql[SQL_BY_ID], RB_BINDS(rb_int(id)), out);
}

int
rb_news_slug_exists(rb_db *db, const char *slug)
{
	int rc = rb_db_fetch_one(db, sql[SQL_SLUG_EXISTS],
	    RB_BINDS(rb_text(slug)), NULL, NULL);

	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

static struct rb_bind
instant_or_null(int64_t t)
{
	return t < 0 ? rb_null() : rb_int(t);
}

int
rb_news_insert(rb_db *db, const struct rb_news_input *in, int64_t now,
    int64_t *id)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_INSERT], RB_BINDS(
	    rb_text(in->ni_slug), rb_text(in->ni_title),
	    rb_text(in->ni_summary), rb_text(in->ni_body_md),
	    rb_text(in->ni_kind), rb_text_or_null(in->ni_place),
	    rb_text_or_null(in->ni_start), rb_text_or_null(in->ni_end),
	    rb_text_or_null(in->ni_start_time),
	    rb_text_or_null(in->ni_end_time),
	    instant_or_null(in->ni_published_at),
	    instant_or_null(in->ni_unpublished_at),
	    in->ni_author_agent_id > 0 ? rb_int(in->ni_author_agent_id) :
	    rb_null(), rb_int(now)), rb_row_int, id);
	if (rc == 0)
		return 0;
	return rc == RB_CONSTRAINT ? RB_CONSTRAINT : -1;
}

int
rb_news_update(rb_db *db, int64_t id, const struct rb_news_input *in,
    int64_t now)
{
	int64_t changes = 0;
	int rc;

	rc = rb_db_run(db, sql[SQL_UPDATE], RB_BINDS(rb_int(id),
	    rb_text(in->ni_title), rb_text(in->ni_summary),
	    rb_text(in->ni_body_md), rb_text(in->ni_kind),
	    rb_text_or_null(in->ni_place), rb_text_or_null(in->ni_start),
	    rb_text_or_null(in->ni_end), rb_text_or_null(in->ni_start_time),
	    rb_text_or_null(in->ni_end_time),
	    instant_or_null(in->ni_published_at),
	    instant_or_null(in->ni_unpublished_at),
	    in->ni_author_agent_id > 0 ? rb_int(in->ni_author_agent_id) :
	    rb_null(), rb_int(now)), &changes);
	if (rc != 0)
		return rc == RB_CONSTRAINT ? RB_CONSTRAINT : -1;
	return changes > 0 ? 0 : 1;
}

int
rb_news_unpublish(rb_db *db, int64_t id, int64_t now)
{
	int64_t changes = 0;

	if (rb_db_run(db, sql[SQL_UNPUBLISH], RB_BINDS(rb_int(id),
	    rb_int(now)), &changes) != 0)
		return -1;
	return changes > 0 ? 0 : 1;
}
