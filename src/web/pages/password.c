/*
 * pages/password.c: "Mot de passe oublié ?" — asking for a link (same
 * answer whether the email exists) and setting a new password from it
 * (ends every session, does not sign in).
 */
#include <string.h>

#include "app/auth.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

static const struct rb_field_def f_email = { "email", "Adresse e-mail",
    "email", "email", "Celle avec laquelle vous vous connectez.", NULL };
static const struct rb_field_def f_pw = { "mot_de_passe",
    "Nouveau mot de passe", "password", "new-password",
    "Au moins 12 caractères.", NULL };
static const struct rb_field_def f_pw2 = { "confirmation",
    "Confirmation du mot de passe", "password", "new-password", NULL,
    NULL };

/* The data of a generic form page (form.mustache); takes fields and
 * links (may be NULL). */
static json_t *
form_data(struct rb_req *req, const char *title, const char *intro,
    const char *action, json_t *hidden, json_t *fields, const char *button,
    const char *alert, const char *notice, json_t *links)
{
	json_t *data = rb_form_page(req, fields, alert, notice);

	json_object_set_new(data, "title", json_string(title));
	json_object_set_new(data, "intro", intro ? json_string(intro) :
	    json_null());
	json_object_set_new(data, "action", json_string(action));
	json_object_set_new(data, "hidden", hidden ? hidden : json_null());
	json_object_set_new(data, "button", json_string(button));
	json_object_set_new(data, "links", links ? links : json_null());
	return data;
}

/* A generic form page (form.mustache); takes fields. */
void
rb_form_render(struct rb_req *req, int status, const char *title,
    const char *intro, const char *action, json_t *hidden, json_t *fields,
    const char *button, const char *alert, const char *notice)
{
	json_t *data = form_data(req, title, intro, action, hidden, fields,
	    button, alert, notice, NULL);

	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "form", data);
}

static void
forgot_form(struct rb_req *req, int status, const char *email,
    const char *alert, const char *notice)
{
	json_t *fields = json_array();

	json_array_append_new(fields, rb_field(&f_email, email, NULL));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "form", form_data(req, "Mot de passe oublié",
	    "Indiquez votre adresse e-mail : vous recevrez un lien pour "
	    "choisir un nouveau mot de passe.", "/mot-de-passe-oublie", NULL,
	    fields, "Recevoir le lien", alert, notice, json_pack("[{s:s, s:s}]",
	    "href", "/renvoyer-activation", "text", "Votre espace n'est pas "
	    "encore activé ? Je n'ai pas reçu l'e-mail")));
}

void
rb_page_forgot(struct rb_req *req)
{
	struct rb_auth_req ar;
	const char *email;
	int retry = 0;

	if (req->req_method != RB_POST) {
		forgot_form(req, 200, NULL, NULL, NULL);
		return;
	}
	email = rb_post(req, "email");
	rb_req_auth(req, &ar);
	switch (rb_auth_reset_request(&ar, email, &retry)) {
	case RB_LIMITED:
		forgot_form(req, 429, email, rb_retry_text(req, retry), NULL);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		forgot_form(req, 200, NULL, NULL, "Si un espace client existe "
		    "pour cette adresse, un e-mail vient de lui être envoyé. Le "
		    "lien est valable une heure. Si cet espace attend encore "
		    "d'être activé, l'e-mail contient un nouveau lien "
		    "d'activation.");
		return;
	}
}

static void
reset_form(struct rb_req *req, int status, const char *token,
    const struct rb_auth_errors *e)
{
	json_t *fields = json_array();

	json_array_append_new(fields, rb_field(&f_pw, NULL,
	    e ? e->ae_msg[RB_F_PASSWORD] : NULL));
	json_array_append_new(fields, rb_field(&f_pw2, NULL,
	    e ? e->ae_msg[RB_F_PASSWORD2] : NULL));
	rb_form_render(req, status, "Choisir un nouveau mot de passe", NULL,
	    "/mot-de-passe/nouveau", json_pack("[{s:s, s:s}]", "name", "jeton",
	    "value", token), fields, "Enregistrer", NULL, NULL);
}

static void
bad_link(struct rb_req *req)
{
	rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:n, s:n, "
	    "s:n, s:n, s:[{s:s, s:s}]}", "title", "Lien invalide ou expiré",
	    "paragraphs", "Ce lien n'est plus valable : il a déjà servi ou il "
	    "a expiré. Demandez-en un nouveau.", "form_action", "csrf",
	    "hidden", "form_button", "links", "href", "/mot-de-passe-oublie",
	    "text", "Mot de passe oublié ?"));
}

void
rb_page_reset(struct rb_req *req)
{
	struct rb_auth_errors e;
	struct rb_auth_req ar;
	const char *token, *pw, *pw2;

	rb_req_auth(req, &ar);
	if (req->req_method != RB_POST) {
		token = rb_form_get(&req->req_query, "jeton");
		if (token == NULL || rb_auth_reset_check(&ar, token) !=
		    RB_OK) {
			bad_link(req);
			return;
		}
		reset_form(req, 200, token, NULL);
		return;
	}
	token = rb_post(req, "jeton");
	pw = rb_form_get(&req->req_body, "mot_de_passe");
	pw2 = rb_form_get(&req->req_body, "confirmation");
	memset(&e, 0, sizeof(e));
	switch (rb_auth_reset(&ar, token, pw ? pw : "", pw2 ? pw2 : "", &e)) {
	case RB_OK:
		rb_req_session_clear(req);
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:n, "
		    "s:n, s:n, s:n, s:[{s:s, s:s}]}", "title",
		    "Mot de passe modifié", "paragraphs", "Votre mot de passe "
		    "a été modifié et toutes vos sessions ont été fermées. "
		    "Connectez-vous avec votre nouveau mot de passe.",
		    "form_action", "csrf", "hidden", "form_button", "links",
		    "href", "/connexion", "text", "Se connecter"));
		return;
	case RB_INVALID:
		reset_form(req, 200, token, &e);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		bad_link(req);
		return;
	}
}
