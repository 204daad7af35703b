/*
 * home.h: the public home page use case: latest news, upcoming events
 * and whether customer service is open right now.
 */
#ifndef RB_APP_HOME_H
#define RB_APP_HOME_H

#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "base/clock.h"
#include "store/db.h"

/*
 * Builds the home page data for instant now (UTC): {news:[…],
 * events:[…] (ongoing and upcoming, against rb_clock_today() at now),
 * service:{open, sentence}}; items visible at now, decorated by
 * rb_news_decorate() (app/news.h). Returns RB_OK and a new object in
 * *out (caller decrefs), or RB_ERROR when the database fails.
 */
enum rb_rc	rb_home_get(rb_db *db, time_t now, const struct rb_opening_hours *oh,
	    json_t **out);

#endif
