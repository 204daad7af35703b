/*
 * news.c: SQL for the news and events of the home page (see news.h).
 */
#include <time.h>

#include "base/clock.h"
#include "store/news.h"
#include "store/copy.h"

enum news_sql {
	SQL_NEWS_LATEST,
	SQL_EVENTS_UPCOMING,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_NEWS_LATEST] =
	"SELECT slug, title, summary, published_at FROM news"
	" WHERE kind = 'news' AND published_at IS NOT NULL"
	" AND published_at <= $1"
	" ORDER BY published_at DESC, id DESC LIMIT $2",
	[SQL_EVENTS_UPCOMING] =
	"SELECT slug, title, summary, place, event_start, event_end FROM news"
	" WHERE kind = 'event' AND published_at IS NOT NULL"
	" AND published_at <= $1 AND event_end >= $2"
	" ORDER BY event_start, event_end, id LIMIT $3",
};

static void
news_row(rb_stmt *st, void *arr)
{
	struct rb_localtime lt;
	char day[16];

	rb_clock_paris((time_t)rb_stmt_int(st, 3), &lt);
	rb_clock_format_date(&lt.lt_date, day, sizeof(day));
	json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:s}",
	    "slug", rb_store_json_text(rb_stmt_text(st, 0)),
	    "title", rb_store_json_text(rb_stmt_text(st, 1)),
	    "summary", rb_store_json_text(rb_stmt_text(st, 2)),
	    "published_on", day));
}

int
rb_news_latest(rb_db *db, int limit, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_NEWS_LATEST],
	    RB_BINDS(rb_int(time(NULL)), rb_int(limit < 0 ? 0 : limit)),
	    news_row, out);
}

static void
event_row(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "slug", rb_store_json_text(rb_stmt_text(st, 0)),
	    "title", rb_store_json_text(rb_stmt_text(st, 1)),
	    "summary", rb_store_json_text(rb_stmt_text(st, 2)),
	    "place", rb_store_json_text(rb_stmt_text(st, 3)),
	    "start", rb_store_json_text(rb_stmt_text(st, 4)),
	    "end", rb_store_json_text(rb_stmt_text(st, 5))));
}

int
rb_events_upcoming(rb_db *db, const char *today_iso, int limit, json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_EVENTS_UPCOMING],
	    RB_BINDS(rb_int(time(NULL)), rb_text(today_iso),
	    rb_int(limit < 0 ? 0 : limit)), event_row, out);
}
