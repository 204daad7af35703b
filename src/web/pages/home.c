/*
 * pages/home.c: the public home page, kept in memory between requests
 * (web/homecache.h): every request reads the news stamp (one indexed
 * row), and a visitor with no session and no archive visit gets the
 * kept bytes when the stamp, the day and the service's sentence are
 * those they were made for (from the third request on, as one answer
 * built once: rb_kept, web/http.h); a signed-in visitor gets the kept
 * data rendered in his own layout. The X-Robinet-Cache header says which
 * (hit, miss).
 */
#include <string.h>
#include <time.h>

#include "app/home.h"
#include "base/clock.h"
#include "web/homecache.h"
#include "web/routes.h"
#include "web/session.h"

/* Whether the page is the same for every visitor of this request's
 * kind: no session, no archive visit (layout.mustache). */
static int
anonymous(struct rb_req *req)
{
	return rb_req_session(req) == NULL && rb_req_archive(req) == NULL;
}

/*
 * The parts of the key that depend on the time alone (the day, whether
 * the service is open, its sentence), with the opening hours: computed
 * once a second by each request thread rather than at every request
 * (docs/performance.md, "2026-12-06: the fixed cost of a request"). Returns 0, -1
 * when the hours do not parse.
 */
static int
clock_key(const char *hours, time_t now, struct rb_opening_hours *oh,
    struct rb_home_key *key)
{
	static _Thread_local struct {
		time_t			 ck_sec;
		const char		*ck_hours;	/* the setting's text */
		struct rb_opening_hours	 ck_oh;
		char			 ck_today[sizeof(key->hk_today)];
		int			 ck_open;
		char			 ck_sentence[sizeof(key->hk_sentence)];
	} ck;

	if (ck.ck_hours != hours || ck.ck_sec != now) {
		const struct rb_opening_hours dflt = RB_OPENING_HOURS_DEFAULT;

		/* The setting gives the hours; the days and the holidays
		   are the default's (as on the contact page). */
		ck.ck_hours = NULL;
		ck.ck_oh = dflt;
		if (rb_clock_parse_hours(hours, &ck.ck_oh) != 0)
			return -1;
		rb_clock_today_iso(now, ck.ck_today, sizeof(ck.ck_today));
		ck.ck_open = rb_clock_service_open(now, &ck.ck_oh);
		rb_clock_service_sentence(now, &ck.ck_oh, ck.ck_sentence,
		    sizeof(ck.ck_sentence));
		ck.ck_sec = now;
		ck.ck_hours = hours;
	}
	*oh = ck.ck_oh;
	memcpy(key->hk_today, ck.ck_today, sizeof(key->hk_today));
	key->hk_open = ck.ck_open;
	memcpy(key->hk_sentence, ck.ck_sentence, sizeof(key->hk_sentence));
	return 0;
}

void
rb_page_home(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	struct rb_home_cache *hc = req->req_site->site_home;
	struct rb_opening_hours oh;
	struct rb_home_version ver;
	struct rb_home_key key;
	struct rb_kept *kept_answer;
	json_t *data, *kept;
	time_t now = time(NULL);
	rb_db *db;
	int anon, plain;

	memset(&key, 0, sizeof(key));
	if (clock_key(rb_config_str(cfg, RB_CFG_SERVICE_HOURS), now, &oh,
	    &key) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	db = rb_req_db(req);		/* RB_NEED_DB: never NULL */
	if (rb_home_stamp(db, &key.hk_stamp) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	anon = anonymous(req);
	/* The kept answer serves a request that added no header of its own
	   before the page (the answer's headers are built once). */
	plain = req->resp_nhdr == 0;
	if (anon && plain &&
	    (kept_answer = rb_home_cache_kept(hc, &key, now)) != NULL) {
		rb_resp_kept(req, kept_answer);
		return;
	}
	if (anon) {
		rb_buf_reset(&req->resp_body);
		if (rb_home_cache_page(hc, &key, now, &req->resp_body)) {
			rb_resp_header(req, "Cache-Control", "no-cache");
			rb_resp_header(req, "X-Robinet-Cache", "hit");
			req->resp_status = 200;
			req->resp_type = "text/html; charset=utf-8";
			/* The next ones get this very answer. */
			if (plain)
				rb_home_cache_keep(hc, &key, now,
				    rb_kept_new(req));
			return;
		}
	} else if ((data = rb_home_cache_data(hc, &key, now)) != NULL) {
		rb_resp_header(req, "Cache-Control", "no-cache");
		rb_resp_header(req, "X-Robinet-Cache", "hit");
		rb_resp_page(req, 200, "home", data);
		return;
	}
	if (rb_home_get(db, now, &oh, &data, &ver) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	/* The stamp of the snapshot the items were read in. */
	key.hk_stamp = ver.hv_stamp;
	kept = json_deep_copy(data);
	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_header(req, "X-Robinet-Cache", "miss");
	rb_resp_page(req, 200, "home", data);
	if (req->resp_status == 200 && kept != NULL)
		rb_home_cache_put(hc, &key, ver.hv_until, kept, anon ?
		    req->resp_body.buf_data : NULL, req->resp_body.buf_len);
	json_decref(kept);
}
