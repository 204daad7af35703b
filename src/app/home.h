/*
 * home.h: the public home page use case: latest news, upcoming events
 * and whether customer service is open right now.
 */
#ifndef RB_APP_HOME_H
#define RB_APP_HOME_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "base/clock.h"
#include "store/db.h"

/* What the news part of the home page data depends on, besides the
 * day and the service's sentence: see rb_home_get(). */
struct rb_home_version {
	int64_t	hv_stamp;	/* rb_home_stamp() when the items were read */
	int64_t	hv_until;	/* the first instant after now at which a
				   publication window opens or closes, or 0
				   when none is to come */
};

/*
 * Builds the home page data for instant now (UTC): {news:[…],
 * events:[…] (ongoing and upcoming, against rb_clock_today() at now),
 * service:{open, sentence}}; items visible at now, decorated by
 * rb_news_decorate() (app/news.h). When ver is not NULL it receives,
 * read in the same snapshot as the items, the news stamp and the
 * instant until which the items stay the same if the stamp does: data
 * kept with ver serves the same day, service sentence and stamp until
 * then. Returns RB_OK and a new object in *out (caller decrefs), or
 * RB_ERROR when the database fails.
 */
enum rb_rc	rb_home_get(rb_db *db, time_t now, const struct rb_opening_hours *oh,
	    json_t **out, struct rb_home_version *ver);

/*
 * Sets *stamp to the version stamp of the news and events: it changes
 * in the transaction of any change to them, made by any server or
 * process on the database (migration 0020). One indexed read. Returns
 * RB_OK, or RB_ERROR when the database fails.
 */
enum rb_rc	rb_home_stamp(rb_db *db, int64_t *stamp);

/*
 * How many news writes of this process (rb_news_admin_create(),
 * _update(), _unpublish()) have ended, committed or not: a stamp read
 * when it was N is read again once it is no longer N, so a change made
 * through this server shows at once even where the stamp is kept
 * between requests (web/homecache.h). Never decreases.
 */
uint64_t	rb_home_news_writes(void);

/* Counts one news write of this process as ended (after its
 * transaction, never before). */
void		rb_home_news_written(void);

#endif
