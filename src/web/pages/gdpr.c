/*
 * pages/gdpr.c: "Mes données personnelles" (/mes-donnees) and the
 * download of all of them as JSON (/mes-donnees.json), for a signed-in
 * subscriber, with "Qui a consulté mon dossier": the customer service's
 * views of the holder's file (app/agentdesk.h), and the meter photos the
 * subscriber sent (/mes-donnees/photos/TOKEN, to their sender only, as
 * downloads like the contact form's files). An archive visitor, who has
 * no account, is sent to sign in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "app/attachments.h"
#include "app/gdpr.h"
#include "app/pagefrag.h"
#include "base/arena.h"
#include "base/clock.h"
#include "web/routes.h"
#include "tmpl/mustache.h"
#include "web/session.h"

/*
 * The page's content as HTML (gdpr_content.mustache), made once from the
 * kept data and kept with it (app/pagefrag.h, app/gdpr.h): the page
 * seen again writes it as it is, in the layout (gdpr.mustache). Its key
 * is what it depends on besides the data: the service's phone number
 * (the layout's "site" block).
 */
static const struct rb_tmpl_field page_fields[] = {
	{ "content_html", RB_TF_STR, 0, NULL },
};
static const struct rb_tmpl_desc page_desc = RB_TMPL_DESC(page_fields);

void
rb_page_gdpr(struct rb_req *req)
{
	const struct rb_session *s;
	const struct rb_pagefrag *f = NULL;
	struct rb_pagefrag *mine = NULL;
	struct rb_gdpr_page p;
	const char *key, *html;
	rb_buf buf = RB_BUF_INIT;
	size_t len;

	s = rb_req_session(req);
	if (rb_gdpr_page(rb_req_db(req), s->s_account_id, &p) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	key = rb_config_str(req->req_site->site_cfg, RB_CFG_SERVICE_PHONE);
	if (p.gp_shared)
		f = rb_pagefrag_find(p.gp_frag, key);
	if (f == NULL) {
		/* A shared view is copied (its members shared, read
		   only); one read for this request only is its own. */
		if (rb_resp_fragment(req, "gdpr_content", p.gp_shared ?
		    json_copy((json_t *)(uintptr_t)p.gp_view) :
		    json_incref((json_t *)(uintptr_t)p.gp_view), &buf) != 0) {
			rb_buf_free(&buf);
			rb_gdpr_page_done(&p);
			rb_resp_error(req, 500);
			return;
		}
		/* Data read for this request only: its HTML as made. */
		if (p.gp_shared) {
			f = mine = rb_pagefrag_new(key, rb_buf_cstr(&buf),
			    buf.buf_len, RB_PAGEFRAG_NOCUT);
			if (rb_pagefrag_keep(p.gp_frag, mine))
				mine = NULL;
		}
	}
	html = f != NULL ? rb_pagefrag_head(f) : rb_buf_cstr(&buf);
	len = f != NULL ? f->pf_len : buf.buf_len;
	/* The page's room at once: no growing copy by copy. */
	rb_buf_reserve(&req->resp_body, len + RB_LAYOUT_ROOM);
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page_row(req, 200, "gdpr", json_object(), &page_desc, &html);
	rb_buf_free(&buf);
	rb_pagefrag_free(mine);
	rb_gdpr_page_done(&p);
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
