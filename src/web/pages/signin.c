/*
 * pages/signin.c: signing in and out, and the subscriber's space shell
 * (/mon-espace, filled by a later issue).
 */
#include <string.h>
#include <time.h>

#include "app/auth.h"
#include "app/psp.h"
#include "app/space.h"
#include "base/crypto.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define SIGNIN_FAILED	"Adresse e-mail ou mot de passe incorrect."
#define SIGNIN_PENDING	"Votre espace client attend d'être activé. Pour " \
			"l'activer, utilisez le lien de l'e-mail " \
			"d'activation que nous vous avons envoyé."

static const struct rb_field_def f_email = { "email", "Adresse e-mail",
    "email", "username", NULL, NULL };
static const struct rb_field_def f_password = { "mot_de_passe",
    "Mot de passe", "password", "current-password", NULL, NULL };

/*
 * The sign-in form; error goes under the e-mail field and marks the
 * password field too (which of the two was wrong is never said), or
 * pw_error under the password field alone.
 */
static void
signin_form(struct rb_req *req, int status, const char *email,
    const char *alert, const char *error, const char *pw_error)
{
	json_t *fields = json_array(), *pw, *data;

	json_array_append_new(fields, rb_field(&f_email, email, error));
	pw = rb_field(&f_password, NULL, pw_error);
	if (error != NULL && pw_error == NULL)
		rb_field_invalid_by(pw, f_email.fd_id);
	json_array_append_new(fields, pw);
	rb_resp_header(req, "Cache-Control", "no-store");
	data = rb_form_page(req, fields, alert, NULL);
	json_object_set_new(data, "pending", json_boolean(alert != NULL &&
	    strcmp(alert, SIGNIN_PENDING) == 0));
	rb_resp_page(req, status, "signin", data);
}

void
rb_page_signin(struct rb_req *req)
{
	const char *email, *password;
	struct rb_auth_req ar;
	struct rb_session s;
	char device[RB_TOKEN_LEN + 1] = "";
	int retry = 0;

	if (req->req_method != RB_POST) {
		if (rb_req_session(req) != NULL) {
			rb_resp_redirect(req, "/mon-espace");
			return;
		}
		signin_form(req, 200, NULL, NULL, NULL, NULL);
		return;
	}
	email = rb_post(req, "email");
	password = rb_form_get(&req->req_body, "mot_de_passe");
	if (email[0] == '\0' || password == NULL || password[0] == '\0') {
		signin_form(req, 200, email, NULL, email[0] == '\0' ?
		    "Saisissez votre adresse e-mail." : NULL,
		    password == NULL || password[0] == '\0' ?
		    "Saisissez votre mot de passe." : NULL);
		return;
	}
	rb_req_auth(req, &ar);
	ar.ar_device_out = device;
	switch (rb_auth_signin(&ar, email, password ? password : "", &s,
	    &retry)) {
	case RB_OK:
		/* Rotation: whatever session this browser had ends. */
		if (rb_req_cookie_of(req, RB_COOKIE_SESSION) != NULL)
			rb_auth_signout(&ar, rb_req_cookie_of(req,
			    RB_COOKIE_SESSION));
		rb_req_session_start(req, &s);
		rb_req_device_cookie(req, device);
		rb_resp_redirect(req, "/mon-espace");
		return;
	case RB_LIMITED:
		signin_form(req, 429, email, rb_retry_text(req, retry), NULL,
		    NULL);
		return;
	case RB_PENDING:
		signin_form(req, 200, email, SIGNIN_PENDING, NULL, NULL);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		signin_form(req, 200, email, NULL, SIGNIN_FAILED, NULL);
		return;
	}
}

void
rb_page_signout(struct rb_req *req)
{
	struct rb_auth_req ar;

	rb_req_auth(req, &ar);
	rb_auth_signout(&ar, rb_req_cookie_of(req, RB_COOKIE_SESSION));
	rb_req_session_clear(req);
	rb_resp_redirect(req, "/connexion?deconnecte=1");
}

void
rb_page_space(struct rb_req *req)
{
	const struct rb_session *s;
	const char *done, *notice = NULL;
	struct rb_psp_cfg psp;
	json_t *contracts;

	s = rb_req_session(req);
	if (rb_space_view(rb_req_db(req), s->s_account_id, time(NULL),
	    &contracts) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	done = rb_form_get(&req->req_query, "fait");
	if (done != NULL && strcmp(done, "facture-electronique-activee") == 0)
		notice = "La facture électronique est activée. Un e-mail de "
		    "confirmation vous a été envoyé.";
	else if (done != NULL && strcmp(done,
	    "facture-electronique-desactivee") == 0)
		notice = "La facture électronique est désactivée : vos "
		    "prochaines factures arriveront par la poste. Un e-mail de "
		    "confirmation vous a été envoyé.";
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_psp_cfg_from_config(req->req_site->site_cfg, &psp);
	rb_resp_page(req, 200, "space", json_pack("{s:s, s:o, s:s?, s:s, s:b}",
	    "first_name", s->s_first_name, "contracts", contracts, "notice",
	    notice, "csrf", rb_req_csrf(req), "card", rb_psp_enabled(&psp)));
}
