/*
 * pages/gdpr.c: "Mes données personnelles" (/mes-donnees) and the
 * download of all of them as JSON (/mes-donnees.json), for a signed-in
 * subscriber, with "Qui a consulté mon dossier": the customer service's
 * views of the holder's file (app/agentdesk.h). An archive visitor, who has no account, is sent to sign
 * in.
 */
#include <stdlib.h>
#include <time.h>

#include "app/gdpr.h"
#include "base/clock.h"
#include "web/routes.h"
#include "web/session.h"

void
rb_page_gdpr(struct rb_req *req)
{
	const struct rb_session *s;
	json_t *data, *v;
	char when[RB_CLOCK_FR_MAX + 16];
	size_t i;

	s = rb_req_session(req);
	if (rb_gdpr_view(rb_req_db(req), s->s_account_id, &data) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	/* "Qui a consulté mon dossier": each view's date in French. */
	json_array_foreach(json_object_get(data, "views"), i, v) {
		rb_clock_fr_instant((time_t)json_integer_value(
		    json_object_get(v, "at")), when, sizeof(when));
		json_object_set_new(v, "when", json_string(when));
	}
	json_object_set_new(data, "has_views", json_boolean(
	    json_array_size(json_object_get(data, "views")) > 0));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "gdpr", data);
}

void
rb_page_gdpr_json(struct rb_req *req)
{
	const struct rb_session *s;
	json_t *data;
	char *text;

	s = rb_req_session(req);
	if (rb_gdpr_download(rb_req_db(req), s->s_account_id, time(NULL),
	    req->req_ip, &data) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	text = json_dumps(data, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(data);
	if (text == NULL) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_text(req, 200, "application/json; charset=utf-8", text);
	free(text);
	rb_resp_header(req, "Content-Disposition",
	    "attachment; filename=\"mes-donnees-eau-de-la-metropole.json\"");
}
