/*
 * pages/braille.c: braille documents on the web (app/braille.h).
 *
 *   GET /mes-factures/<numéro>-braille.txt     the bill in Unicode braille
 *   GET /mes-factures/<numéro>-embosseuse.txt  the bill as an embosser file
 *       (both reached through rb_page_bill(), pages/bills.c, in the
 *       request's scope: another subscriber's bill is the same 404 as an
 *       unknown one; an archive visit sees its old contract's bills only)
 *   GET /mes-courriers-braille                 the letters kept for the
 *       signed-in subscriber, and their two files under the same prefix
 *       (<id>-braille.txt, <id>-embosseuse.txt), their own only
 *   POST /mon-compte/braille                   the choice in "Mon compte"
 *       (field braille: aucun, integral, abrege)
 *   GET /braille                               the public page of the
 *       service
 *
 * File names: the Unicode text is "<document>-braille.txt" (text/plain;
 * charset=utf-8); the embosser file "<document>-embosseuse.txt"
 * (application/octet-stream, TBFR2007 in CP1252): French embossers and
 * their drivers print a .txt file as it is with the French table, while
 * ".brf" means North American ASCII braille to most braille software,
 * which would misread TBFR2007 (docs/braille.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/braille.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define LETTERS_PREFIX	"/mes-courriers-braille/"

static void
out_of(struct rb_req *req, enum rb_braille_format fmt,
    struct rb_braille_out *o)
{
	const struct rb_config *cfg = req->req_site->site_cfg;

	o->bo_fmt = fmt;
	o->bo_cells = (int)rb_config_int(cfg, RB_CFG_BRAILLE_CELLS);
	o->bo_lines = (int)rb_config_int(cfg, RB_CFG_BRAILLE_LINES);
}

/* Answers the file in body as an attachment named name. */
static void
send_file(struct rb_req *req, enum rb_braille_format fmt, const char *name,
    rb_buf *body)
{
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"%s-%s.txt\"", name,
	    fmt == RB_BRAILLE_EMBOSSER ? "embosseuse" : "braille"));
	rb_resp_header(req, "Cache-Control", "private, no-store");
	rb_resp_header(req, "X-Content-Type-Options", "nosniff");
	req->resp_status = 200;
	req->resp_type = fmt == RB_BRAILLE_EMBOSSER ?
	    "application/octet-stream" : "text/plain; charset=utf-8";
	rb_buf_append(&req->resp_body, body->buf_data, body->buf_len);
}

int
rb_braille_suffix(char *raw, enum rb_braille_format *fmt)
{
	static const struct {
		const char *s;
		enum rb_braille_format f;
	} suffixes[] = {
		{ "-braille.txt", RB_BRAILLE_UNICODE },
		{ "-embosseuse.txt", RB_BRAILLE_EMBOSSER },
	};
	size_t i, n = strlen(raw), k;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		k = strlen(suffixes[i].s);
		if (n > k && strcmp(raw + n - k, suffixes[i].s) == 0) {
			raw[n - k] = '\0';
			*fmt = suffixes[i].f;
			return 1;
		}
	}
	return 0;
}

void
rb_page_bill_braille(struct rb_req *req, const struct rb_bills_ctx *ctx,
    const struct rb_scope *sc, const char *number,
    enum rb_braille_format fmt)
{
	struct rb_braille_out o;
	rb_buf body = RB_BUF_INIT;
	enum rb_rc rc;

	out_of(req, fmt, &o);
	rc = rb_braille_bill_file(ctx, sc, number, &o, &body, NULL);
	if (rc != RB_OK) {
		rb_buf_free(&body);
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	send_file(req, fmt, rb_arena_printf(req->req_arena, "facture-%s",
	    number), &body);
	rb_buf_free(&body);
}

static void
letter_file(struct rb_req *req, const struct rb_session *s, const char *rest)
{
	char *raw = rb_arena_strdup(req->req_arena, rest), *end;
	enum rb_braille_format fmt;
	struct rb_braille_out o;
	rb_buf body = RB_BUF_INIT;
	long long id;
	enum rb_rc rc;

	if (!rb_braille_suffix(raw, &fmt) || raw[0] < '1' || raw[0] > '9') {
		rb_resp_error(req, 404);
		return;
	}
	id = strtoll(raw, &end, 10);
	if (*end != '\0' || id <= 0 || strlen(raw) > 18) {
		rb_resp_error(req, 404);
		return;
	}
	out_of(req, fmt, &o);
	rc = rb_braille_letter_file(rb_req_db(req), s->s_account_id, id, &o,
	    &body, NULL);
	if (rc != RB_OK) {
		rb_buf_free(&body);
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	send_file(req, fmt, rb_arena_printf(req->req_arena, "courrier-%lld",
	    id), &body);
	rb_buf_free(&body);
}

void
rb_page_braille_letters(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	enum rb_braille_grade g;
	json_t *list;

	if (strncmp(req->req_path, LETTERS_PREFIX, strlen(LETTERS_PREFIX)) ==
	    0) {
		letter_file(req, s, req->req_path + strlen(LETTERS_PREFIX));
		return;
	}
	if (rb_braille_letters_page(rb_req_db(req), s->s_account_id, &g,
	    &list) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "braille_letters", json_pack("{s:o, s:b, s:b, "
	    "s:s}", "letters", list, "any", json_array_size(list) > 0,
	    "chosen", g != RB_BRAILLE_NONE, "grade_label",
	    rb_braille_choice_label(g)));
}

void
rb_page_account_braille(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	int g = rb_braille_parse_choice(rb_post(req, "braille"));

	if (g < 0) {
		rb_resp_bad_request(req, "Choix du braille incomplet",
		    "Choisissez « Pas de document en braille », "
		    "« Braille intégral » ou « Braille abrégé ».");
		return;
	}
	switch (rb_braille_set(rb_req_db(req), s->s_account_id,
	    (enum rb_braille_grade)g, RB_BRAILLE_BY_SUBSCRIBER, 0, req->req_ip,
	    time(NULL), NULL)) {
	case RB_OK:
		rb_resp_redirect(req, "/mon-compte?fait=braille#t-braille");
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}

void
rb_braille_account_data(struct rb_req *req, json_t *data, json_t *choices)
{
	const struct rb_session *s = rb_req_session(req);
	const char *done = rb_form_get(&req->req_query, "fait");

	json_object_set_new(data, "braille", json_pack("{s:o, s:s, s:o}",
	    "choices", choices, "csrf", s->s_csrf, "notice", done != NULL &&
	    strcmp(done, "braille") == 0 ? json_string("Votre choix de "
	    "braille est enregistré.") : json_null()));
}

void
rb_page_braille_info(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;

	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_page(req, 200, "braille", json_pack("{s:s, s:I, s:I, s:b}",
	    "service_phone", rb_config_str(cfg, RB_CFG_SERVICE_PHONE),
	    "cells", (json_int_t)rb_config_int(cfg, RB_CFG_BRAILLE_CELLS),
	    "lines", (json_int_t)rb_config_int(cfg, RB_CFG_BRAILLE_LINES),
	    "signed_in", rb_req_session(req) != NULL));
}
