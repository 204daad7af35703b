/*
 * pages/home.c: the public home page, kept in memory between requests
 * (web/homecache.h): every request reads the news stamp (one indexed
 * row), and a visitor with no session and no archive visit gets the
 * kept bytes when the stamp, the day and the service's sentence are
 * those they were made for; a signed-in visitor gets the kept data
 * rendered in his own layout. The X-Robinet-Cache header says which
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

void
rb_page_home(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	struct rb_home_cache *hc = req->req_site->site_home;
	struct rb_opening_hours oh;
	struct rb_home_version ver;
	struct rb_home_key key;
	json_t *data, *kept;
	time_t now = time(NULL);
	rb_db *db;
	int anon;

	if (rb_clock_parse_hours(rb_config_str(cfg, RB_CFG_SERVICE_HOURS),
	    &oh) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	db = rb_req_db(req);		/* RB_NEED_DB: never NULL */
	memset(&key, 0, sizeof(key));
	rb_clock_today_iso(now, key.hk_today, sizeof(key.hk_today));
	key.hk_open = rb_clock_service_open(now, &oh);
	rb_clock_service_sentence(now, &oh, key.hk_sentence,
	    sizeof(key.hk_sentence));
	if (rb_home_stamp(db, &key.hk_stamp) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	anon = anonymous(req);
	if (anon) {
		rb_buf_reset(&req->resp_body);
		if (rb_home_cache_page(hc, &key, now, &req->resp_body)) {
			rb_resp_header(req, "Cache-Control", "no-cache");
			rb_resp_header(req, "X-Robinet-Cache", "hit");
			req->resp_status = 200;
			req->resp_type = "text/html; charset=utf-8";
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
