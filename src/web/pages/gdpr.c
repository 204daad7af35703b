/*
 * pages/gdpr.c: "Mes données personnelles" (/mes-donnees) and the
 * download of all of them as JSON (/mes-donnees.json), for a signed-in
 * subscriber, with "Qui a consulté mon dossier": the customer service's
 * views of the holder's file (app/agentdesk.h), and the meter photos the
 * subscriber sent (/mes-donnees/photos/TOKEN, to their sender only, as
 * downloads like the contact form's files). An archive visitor, who has
 * no account, is sent to sign in.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "app/attachments.h"
#include "app/gdpr.h"
#include "base/arena.h"
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
	/* The meter photos: the day of their reading in French. */
	json_array_foreach(json_object_get(data, "photos"), i, v) {
		struct rb_date d;

		if (rb_clock_parse_date(json_string_value(json_object_get(v,
		    "read_on")), &d) == 0 && rb_clock_fr_date(&d, when,
		    sizeof(when)) == 0)
			json_object_set_new(v, "read_on_fr", json_string(when));
	}
	json_object_set_new(data, "has_photos", json_boolean(
	    json_array_size(json_object_get(data, "photos")) > 0));
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
	rb_json_free(text);
	rb_resp_header(req, "Content-Disposition",
	    "attachment; filename=\"mes-donnees-eau-de-la-metropole.json\"");
}

void
rb_page_gdpr_photo(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	const char *token = req->req_path + strlen(RB_GDPR_PHOTO_PREFIX);
	struct rb_attach_cfg ac;
	struct rb_attachment a;
	uint64_t size;
	int fd, k;

	k = rb_gdpr_photo(rb_req_db(req), s->s_account_id, token, &a);
	if (k != 0) {
		rb_resp_error(req, k == 1 ? 404 : 500);
		return;
	}
	rb_attach_cfg_from_config(req->req_site->site_cfg, &ac);
	if (rb_attach_open(&ac, &a, &fd, &size) != 0) {
		rb_resp_error(req, 404);
		return;
	}
	req->resp_status = 200;
	req->resp_type = rb_arena_strdup(req->req_arena, a.at_type);
	req->resp_fd = fd;
	req->resp_fd_size = size;
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"compteur-%lld.%s\"",
	    (long long)a.at_id, rb_filetype_ext(rb_filetype_from_mime(
	    a.at_type))));
	rb_resp_header(req, "X-Content-Type-Options", "nosniff");
	rb_resp_header(req, "Cache-Control", "private, no-store");
	rb_resp_header(req, "Content-Security-Policy",
	    "default-src 'none'; frame-ancestors 'none'; sandbox");
}
