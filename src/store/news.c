/*
 * news.c: SQL for the news and events of the home page (see news.h).
 */
#include <time.h>

#include "base/clock.h"
#include "store/news.h"
#include "store/copy.h"

static const char sql_news_latest[] =
	"SELECT slug, title, summary, published_at FROM news"
	" WHERE kind = 'news' AND published_at IS NOT NULL"
	" AND published_at <= $1"
	" ORDER BY published_at DESC, id DESC LIMIT $2";

static const char sql_events_upcoming[] =
	"SELECT slug, title, summary, place, event_start, event_end FROM news"
	" WHERE kind = 'event' AND published_at IS NOT NULL"
	" AND published_at <= $1 AND event_end >= $2"
	" ORDER BY event_start, event_end, id LIMIT $3";

int
rb_news_latest(rb_db *db, int limit, json_t **out)
{
	struct rb_localtime lt;
	rb_stmt *st;
	json_t *arr;
	char day[16];
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_news_latest)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, (int64_t)time(NULL));
	rb_stmt_bind_int(st, 2, limit < 0 ? 0 : limit);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		rb_clock_paris((time_t)rb_stmt_int(st, 3), &lt);
		rb_clock_format_date(&lt.lt_date, day, sizeof(day));
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:s}",
		    "slug", rb_store_json_text(rb_stmt_text(st, 0)),
		    "title", rb_store_json_text(rb_stmt_text(st, 1)),
		    "summary", rb_store_json_text(rb_stmt_text(st, 2)),
		    "published_on", day));
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_events_upcoming(rb_db *db, const char *today_iso, int limit, json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_events_upcoming)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, (int64_t)time(NULL));
	rb_stmt_bind_text(st, 2, today_iso, -1);
	rb_stmt_bind_int(st, 3, limit < 0 ? 0 : limit);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o, s:o}",
		    "slug", rb_store_json_text(rb_stmt_text(st, 0)),
		    "title", rb_store_json_text(rb_stmt_text(st, 1)),
		    "summary", rb_store_json_text(rb_stmt_text(st, 2)),
		    "place", rb_store_json_text(rb_stmt_text(st, 3)),
		    "start", rb_store_json_text(rb_stmt_text(st, 4)),
		    "end", rb_store_json_text(rb_stmt_text(st, 5))));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}
