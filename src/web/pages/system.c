/*
 * pages/system.c: endpoints for machines: /healthz (is the database
 * reachable) and /metrics (Prometheus text format).
 */
#include "app/health.h"
#include "web/metrics.h"
#include "web/routes.h"

void
rb_page_healthz(struct rb_req *req)
{
	int ok = rb_health_db_ok(req->req_site->site_db);

	rb_resp_text(req, ok ? 200 : 503, "text/plain; charset=utf-8",
	    ok ? "ok\n" : "database unavailable\n");
}

void
rb_page_metrics(struct rb_req *req)
{
	rb_buf text = RB_BUF_INIT;

	rb_metrics_render(&text, rb_health_db_errors());
	rb_resp_text(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    rb_buf_cstr(&text));
	rb_buf_free(&text);
}
