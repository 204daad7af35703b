/*
 * news.c: the public news and events use cases (see news.h).
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/news.h"
#include "news.h"

#define PAGE_MAX	10000

enum rb_rc
rb_news_parse_page(const char *s, int *page, const char **msg)
{
	int v = 0;
	const char *p;

	*page = 1;
	if (s == NULL || s[0] == '\0')
		return RB_OK;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > PAGE_MAX) {
			v = -1;
			break;
		}
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > PAGE_MAX) {
		*msg = "Le numéro de page doit être un nombre entier entre 1 "
		    "et 10000.";
		return RB_INVALID;
	}
	*page = v;
	return RB_OK;
}

int
rb_news_slug_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > RB_NEWS_SLUG_MAX ||
	    s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return 0;
	return 1;
}

static const char *
str_of(json_t *item, const char *key)
{
	return json_string_value(json_object_get(item, key));
}

/* "HH:MM" to minutes after midnight, or -1. */
static int
parse_hhmm(const char *s)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 ? -1 : h * 60 + m;
}

/* Sets fr_key to the French text of the time at time_key (or null), and
 * dt_key to the HTML datetime of the date at date_key with that time. */
static void
add_day_and_time(json_t *item, const char *date_key, const char *time_key,
    const char *fr_key, const char *time_fr_key, const char *dt_key)
{
	const char *iso = str_of(item, date_key);
	const char *hhmm = str_of(item, time_key);
	char fr[RB_CLOCK_FR_MAX], dt[32];
	struct rb_date d;
	int min = parse_hhmm(hhmm);

	json_object_set_new(item, fr_key, json_null());
	json_object_set_new(item, time_fr_key, json_null());
	json_object_set_new(item, dt_key, json_null());
	if (iso == NULL || rb_clock_parse_date(iso, &d) != 0)
		return;
	if (rb_clock_fr_date_long(&d, fr, sizeof(fr)) == 0)
		json_object_set_new(item, fr_key, json_string(fr));
	if (min >= 0) {
		snprintf(dt, sizeof(dt), "%sT%s", iso, hhmm);
		if (rb_clock_fr_time(min, fr, sizeof(fr)) == 0)
			json_object_set_new(item, time_fr_key,
			    json_string(fr));
	} else
		snprintf(dt, sizeof(dt), "%s", iso);
	json_object_set_new(item, dt_key, json_string(dt));
}

/* The Paris date of the instant at key, ISO and French; 0 or -1. */
static int
paris_day(json_t *item, const char *key, char *iso, size_t isolen,
    char *fr, size_t frlen)
{
	json_t *v = json_object_get(item, key);
	struct rb_localtime lt;

	if (!json_is_integer(v))
		return -1;
	rb_clock_paris((time_t)json_integer_value(v), &lt);
	if (rb_clock_format_date(&lt.lt_date, iso, isolen) != 0 ||
	    rb_clock_fr_date(&lt.lt_date, fr, frlen) != 0)
		return -1;
	return 0;
}

static void
ensure_key(json_t *item, const char *key)
{
	if (json_object_get(item, key) == NULL)
		json_object_set_new(item, key, json_null());
}

void
rb_news_decorate(json_t *item, const char *today_iso)
{
	char pub_iso[16], pub_fr[RB_CLOCK_FR_MAX];
	char upd_iso[16], upd_fr[RB_CLOCK_FR_MAX];
	const char *kind = str_of(item, "kind");
	const char *start, *end, *status, *status_fr;
	int is_event;

	is_event = kind != NULL ? strcmp(kind, "event") == 0 :
	    str_of(item, "start") != NULL;
	json_object_set_new(item, "is_event", json_boolean(is_event));
	json_object_set_new(item, "updated_on_fr", json_null());
	if (paris_day(item, "published_at", pub_iso, sizeof(pub_iso),
	    pub_fr, sizeof(pub_fr)) == 0) {
		json_object_set_new(item, "published_on",
		    json_string(pub_iso));
		json_object_set_new(item, "published_on_fr",
		    json_string(pub_fr));
		if (paris_day(item, "updated_at", upd_iso, sizeof(upd_iso),
		    upd_fr, sizeof(upd_fr)) == 0 &&
		    strcmp(upd_iso, pub_iso) > 0) {
			json_object_set_new(item, "updated_on",
			    json_string(upd_iso));
			json_object_set_new(item, "updated_on_fr",
			    json_string(upd_fr));
		}
	}
	ensure_key(item, "place");
	if (!is_event)
		return;
	start = str_of(item, "start");
	end = str_of(item, "end");
	if (start == NULL || end == NULL)
		return;
	if (strcmp(today_iso, start) < 0) {
		status = "upcoming";
		status_fr = "À venir";
	} else if (strcmp(today_iso, end) <= 0) {
		status = "ongoing";
		status_fr = "En cours";
	} else {
		status = "past";
		status_fr = "Terminé";
	}
	json_object_set_new(item, "status", json_string(status));
	json_object_set_new(item, "status_fr", json_string(status_fr));
	json_object_set_new(item, "is_ongoing",
	    json_boolean(strcmp(status, "ongoing") == 0));
	json_object_set_new(item, "is_past",
	    json_boolean(strcmp(status, "past") == 0));
	json_object_set_new(item, "single_day",
	    json_boolean(strcmp(start, end) == 0));
	add_day_and_time(item, "start", "start_time", "start_fr",
	    "start_time_fr", "start_dt");
	add_day_and_time(item, "end", "end_time", "end_fr", "end_time_fr",
	    "end_dt");
}

enum rb_rc
rb_news_list(rb_db *db, time_t now, int page, json_t **out)
{
	json_t *news = NULL, *events = NULL, *item;
	char today[16];
	size_t i;
	int more;

	*out = NULL;
	if (page < 1)
		return RB_NOT_FOUND;
	rb_clock_today_iso(now, today, sizeof(today));
	if (rb_db_begin_read(db) != 0)
		return RB_ERROR;
	/* One more than a page tells whether a next page exists. */
	if (rb_news_latest(db, now, (page - 1) * RB_NEWS_PER_PAGE,
	    RB_NEWS_PER_PAGE + 1, &news) != 0 ||
	    (page == 1 ? rb_events_upcoming(db, now, today,
	    RB_NEWS_EVENTS_MAX, &events) : 0) != 0) {
		rb_db_rollback(db);
		json_decref(news);
		json_decref(events);
		return RB_ERROR;
	}
	rb_db_commit(db);
	if (events == NULL)
		events = json_array();
	if (page > 1 && json_array_size(news) == 0) {
		json_decref(news);
		json_decref(events);
		return RB_NOT_FOUND;
	}
	more = json_array_size(news) > RB_NEWS_PER_PAGE;
	if (more)
		json_array_remove(news, RB_NEWS_PER_PAGE);
	json_array_foreach(news, i, item)
		rb_news_decorate(item, today);
	json_array_foreach(events, i, item)
		rb_news_decorate(item, today);
	*out = json_pack("{s:b, s:o, s:b, s:o, s:i, s:b, s:i, s:b, s:i, s:b}",
	    "has_news", json_array_size(news) > 0, "news", news,
	    "has_events", json_array_size(events) > 0, "events", events,
	    "page", page, "has_prev", page > 1, "prev_page", page - 1,
	    "has_next", more, "next_page", page + 1,
	    "has_pager", page > 1 || more);
	return RB_OK;
}

enum rb_rc
rb_news_item(rb_db *db, time_t now, const char *slug, json_t **out)
{
	char today[16];
	int rc;

	*out = NULL;
	if (!rb_news_slug_ok(slug))
		return RB_NOT_FOUND;
	rc = rb_news_visible_by_slug(db, now, slug, out);
	if (rc != 0)
		return rc == 1 ? RB_NOT_FOUND : RB_ERROR;
	rb_clock_today_iso(now, today, sizeof(today));
	rb_news_decorate(*out, today);
	return RB_OK;
}

static json_int_t
int_of(json_t *item, const char *key)
{
	return json_integer_value(json_object_get(item, key));
}

enum rb_rc
rb_news_feed_get(rb_db *db, time_t now, json_t **out)
{
	json_t *entries = NULL, *item;
	json_int_t upd, feed_upd;
	int64_t last = 0;
	size_t i;

	*out = NULL;
	if (rb_db_begin_read(db) != 0)
		return RB_ERROR;
	if (rb_news_feed(db, now, RB_NEWS_FEED_MAX, &entries) != 0 ||
	    rb_news_last_change(db, now, &last) != 0) {
		rb_db_rollback(db);
		json_decref(entries);
		return RB_ERROR;
	}
	rb_db_commit(db);
	feed_upd = (json_int_t)last;
	json_array_foreach(entries, i, item) {
		upd = int_of(item, "updated_at");
		if (upd < int_of(item, "published_at"))
			upd = int_of(item, "published_at");
		json_object_set_new(item, "updated", json_integer(upd));
		if (upd > feed_upd)
			feed_upd = upd;
	}
	*out = json_pack("{s:I, s:o}", "updated", feed_upd, "entries",
	    entries);
	return RB_OK;
}
