/*
 * pages/home.c: the public home page.
 */
#include <time.h>

#include "app/home.h"
#include "base/clock.h"
#include "web/routes.h"

void
rb_page_home(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	struct rb_opening_hours oh;
	json_t *data;
	rb_db *db;
	int rc;

	if (rb_clock_parse_hours(rb_config_str(cfg, RB_CFG_SERVICE_HOURS),
	    &oh) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	db = rb_req_db(req);		/* RB_NEED_DB: never NULL */
	rc = rb_home_get(db, time(NULL), &oh, &data);
	if (rc != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_page(req, 200, "home", data);
}
