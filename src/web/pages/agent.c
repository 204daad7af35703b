/*
 * pages/agent.c: the back office's door: the agents' sign-in
 * (/agent/connexion: email, password and TOTP code), sign-out
 * (/agent/deconnexion) and home (/agent). docs/backoffice.md says how
 * other back-office pages build on it.
 */
#include <string.h>

#include "app/agent.h"
#include "base/crypto.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

/* One answer for every mistake (identity rules, DESIGN.md). */
#define AGENT_SIGNIN_FAILED	"Adresse e-mail, mot de passe ou code " \
	"incorrect."

static const struct rb_field_def f_email = { "email", "Adresse e-mail",
    "email", "username", NULL, NULL };
static const struct rb_field_def f_password = { "mot_de_passe",
    "Mot de passe", "password", "current-password", NULL, NULL };
static const struct rb_field_def f_code = { "code",
    "Code à 6 chiffres", "text", "one-time-code",
    "Le code affiché par votre application d'authentification ; il change "
    "toutes les 30 secondes.", "numeric" };

static void
signin_form(struct rb_req *req, int status, const char *email,
    const char *alert, const char *notice)
{
	json_t *fields = json_array();

	json_array_append_new(fields, rb_field(&f_email, email, NULL));
	json_array_append_new(fields, rb_field(&f_password, NULL, NULL));
	json_array_append_new(fields, rb_field(&f_code, NULL, NULL));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "agent_signin", rb_form_page(req, fields,
	    alert, notice));
}

void
rb_page_agent_signin(struct rb_req *req)
{
	unsigned char key[32];
	const char *email, *password, *code, *old;
	struct rb_auth_req ar;
	struct rb_agent a;
	int retry = 0;
	enum rb_rc rc;

	if (req->req_method != RB_POST) {
		if (rb_req_agent(req) != NULL) {
			rb_resp_redirect(req, "/agent");
			return;
		}
		old = rb_form_get(&req->req_query, "deconnecte");
		signin_form(req, 200, NULL, NULL, old != NULL ?
		    "Vous êtes déconnecté du back-office." : NULL);
		return;
	}
	email = rb_post(req, "email");
	password = rb_form_get(&req->req_body, "mot_de_passe");
	code = rb_post(req, "code");
	if (rb_req_data_key(req, key) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	rb_req_auth(req, &ar);
	rc = rb_agent_signin(&ar, key, email, password ? password : "", code,
	    &a, &retry);
	memset(key, 0, sizeof(key));
	switch (rc) {
	case RB_OK:
		/* Rotation: whatever agent session this browser had ends. */
		if ((old = rb_req_cookie_of(req, RB_COOKIE_AGENT)) != NULL)
			rb_agent_signout(&ar, old);
		rb_req_agent_start(req, &a);
		rb_resp_redirect(req, "/agent");
		return;
	case RB_LIMITED:
		signin_form(req, 429, email, rb_retry_text(req, retry), NULL);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		signin_form(req, 200, email, AGENT_SIGNIN_FAILED, NULL);
		return;
	}
}

void
rb_page_agent_signout(struct rb_req *req)
{
	struct rb_auth_req ar;

	rb_req_auth(req, &ar);
	rb_agent_signout(&ar, rb_req_cookie_of(req, RB_COOKIE_AGENT));
	rb_req_agent_clear(req);
	rb_resp_redirect(req, "/agent/connexion?deconnecte=1");
}

void
rb_page_agent_home(struct rb_req *req)
{
	const char *done = rb_form_get(&req->req_query, "fait");

	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "agent_home", json_pack("{s:I, s:s?}",
	    "idle_minutes", (json_int_t)(rb_config_int(req->req_site->site_cfg,
	    RB_CFG_AGENT_SESSION_IDLE) + 59) / 60, "notice", done != NULL &&
	    strcmp(done, "enrole") == 0 ? "Votre compte est enrôlé : vous êtes "
	    "connecté au back-office." : NULL));
}
