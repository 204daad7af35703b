/*
 * home.c: the public home page use case (see home.h).
 */
#include <stdio.h>

#include "base/clock.h"
#include "store/news.h"
#include "home.h"

#define HOME_NEWS	3
#define HOME_EVENTS	3

/* Adds a French long date ("mardi 3 décembre 2024") next to an ISO one. */
static void
add_fr_date(json_t *item, const char *iso_key, const char *fr_key)
{
	const char *iso = json_string_value(json_object_get(item, iso_key));
	char fr[RB_CLOCK_FR_MAX];
	struct rb_date d;

	if (iso != NULL && rb_clock_parse_date(iso, &d) == 0 &&
	    rb_clock_fr_date_long(&d, fr, sizeof(fr)) == 0)
		json_object_set_new(item, fr_key, json_string(fr));
}

enum rb_rc
rb_home_get(rb_db *db, time_t now, const struct rb_opening_hours *oh,
    json_t **out)
{
	json_t *news = NULL, *events = NULL, *item;
	char today[16], sentence[RB_CLOCK_SENTENCE_MAX];
	size_t i;

	rb_clock_today_iso(now, today, sizeof(today));
	/* One snapshot for both lists, and one set of locks. */
	if (rb_db_begin_read(db) != 0)
		return RB_ERROR;
	if (rb_news_latest(db, HOME_NEWS, &news) != 0 ||
	    rb_events_upcoming(db, today, HOME_EVENTS, &events) != 0) {
		rb_db_rollback(db);
		json_decref(news);
		json_decref(events);
		return RB_ERROR;
	}
	rb_db_commit(db);
	json_array_foreach(news, i, item)
		add_fr_date(item, "published_on", "published_on_fr");
	json_array_foreach(events, i, item) {
		add_fr_date(item, "start", "start_fr");
		add_fr_date(item, "end", "end_fr");
		json_object_set_new(item, "single_day", json_boolean(
		    json_equal(json_object_get(item, "start"),
		    json_object_get(item, "end"))));
	}
	rb_clock_service_sentence(now, oh, sentence, sizeof(sentence));
	*out = json_pack("{s:b, s:o, s:b, s:o, s:{s:b, s:s}}",
	    "has_news", json_array_size(news) > 0, "news", news,
	    "has_events", json_array_size(events) > 0, "events", events,
	    "service", "open",
	    rb_clock_service_open(now, oh), "sentence", sentence);
	return RB_OK;
}
