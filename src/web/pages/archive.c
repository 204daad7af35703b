/*
 * pages/archive.c: /archives, the bills and readings of before 2024 for
 * a 2023 subscriber who signs in with the former customer id and the
 * former password, or, once the new space is active, that space's
 * password (app/auth_archive.c). A signed-in subscriber is sent to the archive list of the
 * space; an archive visitor sees the landing page with links to the
 * archived bills and consumption (the same pages as the space, limited
 * by the visit's scope) and an invitation to move to the new space.
 */
#include <string.h>

#include "app/auth.h"
#include "base/crypto.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define ARCHIVE_FAILED	"Identifiant ou mot de passe incorrect. Utilisez " \
			"l'identifiant client de l'ancien espace client " \
			"(avant 2024), avec son ancien mot de passe, ou avec " \
			"le mot de passe de votre nouvel espace client si vous " \
			"l'avez activé."

static const struct rb_field_def f_password = { "mot_de_passe",
    "Mot de passe", "password", "current-password",
    "L'ancien mot de passe, ou celui de votre nouvel espace client si "
    "vous l'avez activé.", NULL };

/* The archive's sign-in; error goes under the old id and marks the
 * password too (which was wrong is never said). */
static void
signin_form(struct rb_req *req, int status, const char *old_id,
    const char *alert, const char *error)
{
	json_t *fields = json_array(), *pw;

	json_array_append_new(fields, rb_field(&rb_field_old_id, old_id,
	    error));
	pw = rb_field(&f_password, NULL, NULL);
	if (error != NULL)
		rb_field_invalid_by(pw, rb_field_old_id.fd_id);
	json_array_append_new(fields, pw);
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "archive_signin", rb_form_page(req, fields,
	    alert, NULL));
}

static void
landing(struct rb_req *req, const struct rb_archive_visit *v)
{
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "archive", json_pack("{s:s, s:s, s:b}",
	    "number", v->av_number, "old_number", v->av_old_number[0] !=
	    '\0' ? v->av_old_number : v->av_number, "migrated",
	    v->av_migrated));
}

void
rb_page_archive(struct rb_req *req)
{
	const struct rb_archive_visit *v;
	struct rb_archive_visit opened;
	struct rb_auth_req ar;
	const char *old_id, *password;
	char device[RB_TOKEN_LEN + 1] = "";
	int retry = 0;

	if (req->req_method != RB_POST) {
		if ((v = rb_req_archive(req)) != NULL)
			landing(req, v);
		else
			signin_form(req, 200, NULL, NULL, NULL);
		return;
	}
	old_id = rb_post(req, "identifiant");
	password = rb_form_get(&req->req_body, "mot_de_passe");
	rb_req_auth(req, &ar);
	ar.ar_device_out = device;
	switch (rb_auth_archive_open(&ar, old_id, password ? password : "",
	    &opened, &retry)) {
	case RB_OK:
		/* Rotation: whatever visit this browser had ends. */
		rb_auth_archive_close(&ar, rb_req_cookie_of(req,
		    RB_COOKIE_ARCHIVE));
		rb_req_archive_cookie(req, opened.av_cookie);
		rb_req_device_cookie(req, device);
		rb_resp_redirect(req, "/archives");
		return;
	case RB_LIMITED:
		signin_form(req, 429, old_id, rb_retry_text(req, retry), NULL);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		signin_form(req, 200, old_id, NULL, ARCHIVE_FAILED);
		return;
	}
}

void
rb_page_archive_exit(struct rb_req *req)
{
	struct rb_auth_req ar;

	rb_req_auth(req, &ar);
	if (rb_auth_archive_close(&ar, rb_req_cookie_of(req,
	    RB_COOKIE_ARCHIVE)) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	rb_req_archive_cookie(req, NULL);
	rb_resp_redirect(req, "/archives");
}
