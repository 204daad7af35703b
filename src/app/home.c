/*
 * home.c: the public home page use case (see home.h).
 */
#include <stdatomic.h>
#include <stdio.h>

#include "base/clock.h"
#include "store/news.h"
#include "news.h"
#include "home.h"

#define HOME_NEWS	3
#define HOME_EVENTS	3

static atomic_uint_fast64_t news_writes;

uint64_t
rb_home_news_writes(void)
{
	return atomic_load(&news_writes);
}

void
rb_home_news_written(void)
{
	atomic_fetch_add(&news_writes, 1);
}

enum rb_rc
rb_home_stamp(rb_db *db, int64_t *stamp)
{
	return rb_news_stamp(db, stamp) == 0 ? RB_OK : RB_ERROR;
}

enum rb_rc
rb_home_get(rb_db *db, time_t now, const struct rb_opening_hours *oh,
    json_t **out, struct rb_home_version *ver)
{
	struct rb_home_version v = { 0, 0 };
	json_t *news = NULL, *events = NULL, *item;
	char today[16], sentence[RB_CLOCK_SENTENCE_MAX];
	size_t i;

	rb_clock_today_iso(now, today, sizeof(today));
	/* One snapshot for both lists, and one set of locks. */
	if (rb_db_begin_read(db) != 0)
		return RB_ERROR;
	if (rb_news_latest(db, now, 0, HOME_NEWS, &news) != 0 ||
	    rb_events_upcoming(db, now, today, HOME_EVENTS, &events) != 0 ||
	    (ver != NULL && (rb_news_stamp(db, &v.hv_stamp) != 0 ||
	    rb_news_next_change(db, now, &v.hv_until) != 0))) {
		rb_db_rollback(db);
		json_decref(news);
		json_decref(events);
		return RB_ERROR;
	}
	rb_db_commit(db);
	if (ver != NULL)
		*ver = v;
	json_array_foreach(news, i, item)
		rb_news_decorate(item, today);
	json_array_foreach(events, i, item)
		rb_news_decorate(item, today);
	rb_clock_service_sentence(now, oh, sentence, sizeof(sentence));
	*out = json_pack("{s:b, s:o, s:b, s:o, s:{s:b, s:s}}",
	    "has_news", json_array_size(news) > 0, "news", news,
	    "has_events", json_array_size(events) > 0, "events", events,
	    "service", "open",
	    rb_clock_service_open(now, oh), "sentence", sentence);
	return RB_OK;
}
