/*
 * pages/account.c: "Mon compte": change password (asks the current one),
 * change email (confirmed from the new address), add a contract with
 * the same proofs as account creation ("Qui voit mes contrats" lists the
 * accounts that see each contract of the space), the list of open sessions
 * with a button to end each, and the personal API tokens (create one,
 * shown once right after; list; revoke each: see app/api.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/api.h"
#include "app/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

static const struct rb_field_def f_current = { "actuel",
    "Mot de passe actuel", "password", "current-password", NULL, NULL };
static const struct rb_field_def f_new = { "nouveau",
    "Nouveau mot de passe", "password", "new-password",
    "Au moins 12 caractères.", NULL };
static const struct rb_field_def f_new2 = { "confirmation",
    "Confirmation du nouveau mot de passe", "password", "new-password",
    NULL, NULL };
static const struct rb_field_def f_email_pw = { "mdp_email",
    "Mot de passe actuel", "password", "current-password", NULL, NULL };
static const struct rb_field_def f_email = { "nouvel_email",
    "Nouvelle adresse e-mail", "email", "email", NULL, NULL };
static const struct rb_field_def f_contract = { "contrat",
    "Numéro de contrat", "text", "off",
    "10 chiffres, en haut à droite de votre facture.", "numeric" };
static const struct rb_field_def f_proof = { "justificatif",
    "Adresse e-mail, numéro de facture ou numéro de compteur", "text",
    "off", NULL, NULL };
static const struct rb_field_def f_token_name = { "nom_jeton",
    "Nom du code d'accès", "text", "off",
    "Pour le reconnaître, par exemple « Domotique ».", NULL };

enum which { W_NONE, W_PASSWORD, W_EMAIL, W_CONTRACT, W_TOKEN };

struct account_view {
	enum which		 av_which;	/* form the messages are for */
	const struct rb_auth_errors *av_errs;
	const char		*av_alert;
	const char		*av_notice;
	const char		*av_email;	/* typed new email */
	const char		*av_contract;
	const char		*av_token_name;	/* typed, or of the new token */
	const char		*av_token;	/* just created: shown once */
	const char		*av_token_error;
};

/* "3 déc. 2024 à 14 h 05" in Paris time, a new JSON string (written
 * by hand: a page lists several). */
static json_t *
when(time_t t)
{
	struct rb_localtime lt;
	char buf[RB_CLOCK_FR_MAX + 32];
	size_t n;

	rb_clock_paris(t, &lt);
	rb_clock_fr_date_short(&lt.lt_date, buf, RB_CLOCK_FR_MAX);
	n = strlen(buf);
	memcpy(buf + n, " à ", sizeof(" à ") - 1);
	n += sizeof(" à ") - 1;
	n += rb_int_text(lt.lt_hour, buf + n);
	memcpy(buf + n, " h ", 3);
	n += 3;
	buf[n++] = (char)('0' + lt.lt_min / 10);
	buf[n++] = (char)('0' + lt.lt_min % 10);
	return json_stringn_nocheck(buf, n);
}

/* "Qui voit mes contrats": contracts, the contracts of the account with
 * the accounts that see each (taken), dates in French. */
static json_t *
viewers_data(json_t *contracts)
{
	json_t *c, *v;
	const char *status;
	size_t i, j;

	json_array_foreach(contracts, i, c) {
		json_array_foreach(json_object_get(c, "viewers"), j, v) {
			status = json_string_value(json_object_get(v,
			    "status"));
			json_object_set_new(v, "since", when((time_t)
			    json_integer_value(json_object_get(v,
			    "added_at"))));
			json_object_set_new(v, "state", status == NULL ||
			    strcmp(status, "active") == 0 ? json_null() :
			    json_string(strcmp(status, "pending") == 0 ?
			    "espace pas encore activé" : "espace désactivé"));
		}
	}
	return contracts;
}

/* The API tokens part of the page: {tokens (taken), has_tokens, max}. */
static json_t *
tokens_data(struct rb_req *req, json_t *tokens, const struct rb_session *s)
{
	json_t *item, *used;
	size_t i;

	json_array_foreach(tokens, i, item) {
		used = json_object_get(item, "last_used_at");
		json_object_set_new(item, "created", when((time_t)
		    json_integer_value(json_object_get(item, "created_at"))));
		json_object_set_new(item, "last_used", json_is_integer(used) ?
		    when((time_t)json_integer_value(used)) :
		    json_string("jamais"));
		json_object_set_new(item, "csrf", json_string(s->s_csrf));
	}
	return json_pack("{s:b, s:o, s:I}", "has_tokens",
	    json_array_size(tokens) > 0, "tokens", tokens, "max",
	    (json_int_t)rb_config_int(req->req_site->site_cfg,
	    RB_CFG_API_TOKENS_PER_ACCOUNT));
}

/*
 * The four forms of the page, their fields and the proofs to choose
 * from. A form nobody has filled (no value, no message) is the same on
 * every page: those are made once and shared, read only, by the request
 * threads (jansson's counts are atomic). They carry no CSRF token: the
 * template finds the page's own, "csrf" at the top of the data.
 */
enum account_form { AF_PASSWORD, AF_EMAIL, AF_CONTRACT, AF_TOKEN, AF__MAX };

static json_t		*blank_forms[AF__MAX];
static pthread_once_t	 blank_once = PTHREAD_ONCE_INIT;

/* The fields of form f (a new array): msg the messages by field, value
 * what was typed in its text field (NULL: nothing). */
static json_t *
form_fields(enum account_form f, const char *const *msg, const char *value)
{
	json_t *a = json_array();

	switch (f) {
	case AF_PASSWORD:
		json_array_append_new(a, rb_field(&f_current, NULL,
		    msg[RB_F_CURRENT_PASSWORD]));
		json_array_append_new(a, rb_field(&f_new, NULL,
		    msg[RB_F_PASSWORD]));
		json_array_append_new(a, rb_field(&f_new2, NULL,
		    msg[RB_F_PASSWORD2]));
		break;
	case AF_EMAIL:
		json_array_append_new(a, rb_field(&f_email_pw, NULL,
		    msg[RB_F_CURRENT_PASSWORD]));
		json_array_append_new(a, rb_field(&f_email, value,
		    msg[RB_F_EMAIL]));
		break;
	case AF_CONTRACT:
		json_array_append_new(a, rb_field(&f_contract, value, NULL));
		break;
	default:
		json_array_append_new(a, rb_field(&f_token_name, value,
		    msg[RB_F__MAX]));
		break;
	}
	return a;
}

/* Adds to the contract form its proofs and their field. */
static void
add_proofs(json_t *form)
{
	json_object_set_new(form, "proofs", json_pack("[{s:s, s:s, s:b}, "
	    "{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "value", "email", "label",
	    "Adresse e-mail sur votre contrat", "checked", 1, "value",
	    "facture", "label", "Numéro de facture", "checked", 0, "value",
	    "compteur", "label", "Numéro de compteur", "checked", 0));
	json_object_set_new(form, "proof_field", rb_field(&f_proof, NULL,
	    NULL));
}

/* What rb_form_page() gives for fields with no message, no alert and
 * no notice, less the CSRF token. */
static void
blank_make(void)
{
	const char *none[RB_F__MAX + 1] = { NULL };
	int f;

	for (f = 0; f < AF__MAX; f++) {
		blank_forms[f] = json_object();
		json_object_set_new(blank_forms[f], "fields",
		    form_fields((enum account_form)f, none, NULL));
		json_object_set_new(blank_forms[f], "has_errors",
		    json_false());
		json_object_set_new(blank_forms[f], "plural", json_false());
		json_object_set_new(blank_forms[f], "errors", json_array());
		json_object_set_new(blank_forms[f], "alert", json_null());
		json_object_set_new(blank_forms[f], "notice", json_null());
	}
	add_proofs(blank_forms[AF_CONTRACT]);
}

/* Form f of the page (a new reference): the shared blank one unless v
 * is about it. */
static json_t *
form_data(struct rb_req *req, const struct account_view *v,
    enum account_form f)
{
	static const enum which about[AF__MAX] = { W_PASSWORD, W_EMAIL,
	    W_CONTRACT, W_TOKEN };
	const char *msg[RB_F__MAX + 1] = { NULL };
	const char *value = NULL;
	json_t *form;

	if (v->av_which != about[f]) {
		pthread_once(&blank_once, blank_make);
		return json_incref(blank_forms[f]);
	}
	if (v->av_errs != NULL)
		memcpy(msg, v->av_errs->ae_msg, sizeof(v->av_errs->ae_msg));
	if (f == AF_EMAIL)
		value = v->av_email;
	else if (f == AF_CONTRACT)
		value = v->av_contract;
	else if (f == AF_TOKEN) {
		value = v->av_token == NULL ? v->av_token_name : NULL;
		msg[RB_F__MAX] = v->av_token_error;
	}
	form = rb_form_page(req, form_fields(f, msg, value), f == AF_TOKEN ?
	    NULL : v->av_alert, NULL);
	if (f == AF_CONTRACT)
		add_proofs(form);
	return form;
}

static void
account_page(struct rb_req *req, int status, const struct account_view *v)
{
	const struct rb_session *s = rb_req_session(req);
	json_t *sessions, *item, *data, *api, *viewers;
	struct rb_auth_account_page p;
	struct rb_auth_req ar;
	size_t i;

	/* Its four reads in one batch (one round trip on PostgreSQL). */
	rb_req_auth(req, &ar);
	if (rb_auth_account_page(&ar, s->s_account_id, s->s_id, &p) !=
	    RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	api = tokens_data(req, p.ap_tokens, s);
	json_object_set_new(api, "new_token", v->av_token != NULL ?
	    json_pack("{s:s, s:s}", "name", v->av_token_name, "token",
	    v->av_token) : json_null());
	json_object_set_new(api, "token_form", form_data(req, v, AF_TOKEN));
	viewers = viewers_data(p.ap_viewers);
	sessions = p.ap_sessions;
	json_array_foreach(sessions, i, item) {
		json_object_set_new(item, "created", when((time_t)
		    json_integer_value(json_object_get(item, "created_at"))));
		json_object_set_new(item, "last_seen", when((time_t)
		    json_integer_value(json_object_get(item,
		    "last_seen_at"))));
		json_object_set_new(item, "csrf", json_string(s->s_csrf));
		if (!json_is_string(json_object_get(item, "user_agent")))
			json_object_set_new(item, "user_agent",
			    json_string("inconnu"));
	}
	data = json_object();
	json_object_set_new(data, "email", json_string(s->s_email));
	json_object_set_new(data, "notice", v->av_notice != NULL ?
	    json_string(v->av_notice) : json_null());
	json_object_set_new(data, "csrf", json_string(rb_req_csrf(req)));
	json_object_set_new(data, "sessions", sessions);
	json_object_set_new(data, "password", form_data(req, v, AF_PASSWORD));
	json_object_set_new(data, "email_form", form_data(req, v, AF_EMAIL));
	json_object_set_new(data, "contract_form", form_data(req, v,
	    AF_CONTRACT));
	json_object_set_new(data, "api", api);
	json_object_set_new(data, "seen_any", json_boolean(
	    json_array_size(viewers) > 0));
	json_object_set_new(data, "seen", viewers);
	rb_braille_account_data(req, data, p.ap_braille); /* pages/braille.c */
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "account", data);
}

void
rb_page_account(struct rb_req *req)
{
	struct account_view v = { .av_which = W_NONE };
	const char *done = rb_form_get(&req->req_query, "fait");

	if (done != NULL && strcmp(done, "mot-de-passe") == 0)
		v.av_notice = "Votre mot de passe a été changé. Vos autres "
		    "sessions ont été fermées.";
	else if (done != NULL && strcmp(done, "email") == 0)
		v.av_notice = "Un lien de confirmation a été envoyé à votre "
		    "nouvelle adresse. Elle sera utilisée dès que vous l'aurez "
		    "confirmée.";
	else if (done != NULL && strcmp(done, "contrat") == 0)
		v.av_notice = "Si les informations saisies sont exactes, le "
		    "contrat a été ajouté à votre espace.";
	else if (done != NULL && strcmp(done, "session") == 0)
		v.av_notice = "La session a été fermée.";
	else if (done != NULL && strcmp(done, "jeton-revoque") == 0)
		v.av_notice = "Le code d'accès a été supprimé : il ne donne plus accès "
		    "à vos données.";
	account_page(req, 200, &v);
}

/*
 * The positive row id in field name of the form into *id; answers 400
 * (and returns 0) when it is missing or malformed. The session and the
 * CSRF token have been checked by the route's guards (routes.c).
 */
static int
posted_id(struct rb_req *req, const char *name, long long *id)
{
	const char *v;
	char *end;

	v = rb_post(req, name);
	*id = strtoll(v, &end, 10);
	if (v[0] == '\0' || *end != '\0' || *id <= 0) {
		rb_resp_bad_request(req, "Élément choisi non reconnu",
		    "Nous n'avons pas reconnu l'élément choisi. Revenez à "
		    "« Mon compte » et choisissez-le de nouveau.");
		return 0;
	}
	return 1;
}

void
rb_page_account_password(struct rb_req *req)
{
	struct account_view v = { .av_which = W_PASSWORD };
	const struct rb_session *s;
	struct rb_auth_errors e;
	struct rb_auth_req ar;
	const char *cur, *pw, *pw2;

	s = rb_req_session(req);
	cur = rb_form_get(&req->req_body, "actuel");
	pw = rb_form_get(&req->req_body, "nouveau");
	pw2 = rb_form_get(&req->req_body, "confirmation");
	memset(&e, 0, sizeof(e));
	rb_req_auth(req, &ar);
	switch (rb_auth_change_password(&ar, s->s_account_id, cur ? cur : "",
	    pw ? pw : "", pw2 ? pw2 : "", &e)) {
	case RB_OK:
		rb_resp_redirect(req, "/mon-compte?fait=mot-de-passe");
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		v.av_errs = &e;
		account_page(req, 200, &v);
		return;
	}
}

void
rb_page_account_email(struct rb_req *req)
{
	struct account_view v = { .av_which = W_EMAIL };
	const struct rb_session *s;
	struct rb_auth_errors e;
	struct rb_auth_req ar;
	const char *cur;

	s = rb_req_session(req);
	cur = rb_form_get(&req->req_body, "mdp_email");
	v.av_email = rb_post(req, "nouvel_email");
	memset(&e, 0, sizeof(e));
	rb_req_auth(req, &ar);
	switch (rb_auth_change_email(&ar, s->s_account_id, cur ? cur : "",
	    v.av_email, &e)) {
	case RB_OK:
		rb_resp_redirect(req, "/mon-compte?fait=email");
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		v.av_errs = &e;
		account_page(req, 200, &v);
		return;
	}
}

void
rb_page_account_contract(struct rb_req *req)
{
	struct account_view v = { .av_which = W_CONTRACT };
	static const char *const names[RB_PROOF__MAX] = {
		[RB_PROOF_EMAIL] = "email", [RB_PROOF_INVOICE] = "facture",
		[RB_PROOF_METER] = "compteur",
	};
	const struct rb_session *s;
	struct rb_auth_req ar;
	const char *proof;
	int k, retry = 0;

	s = rb_req_session(req);
	v.av_contract = rb_post(req, "contrat");
	proof = rb_post(req, "preuve");
	for (k = 0; k < RB_PROOF__MAX; k++)
		if (strcmp(proof, names[k]) == 0)
			break;
	rb_req_auth(req, &ar);
	switch (k == RB_PROOF__MAX ? RB_DENIED : rb_auth_add_contract(&ar,
	    s->s_account_id, v.av_contract, k, rb_post(req, "justificatif"),
	    &retry)) {
	case RB_OK:
		rb_resp_redirect(req, "/mon-compte?fait=contrat");
		return;
	case RB_LIMITED:
		v.av_alert = rb_retry_text(req, retry);
		account_page(req, 429, &v);
		return;
	case RB_NO_BILL:
		v.av_alert = "Vous pourrez ajouter ce contrat dès réception de "
		    "sa première facture ou d'un courrier du service client.";
		account_page(req, 200, &v);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		/* A wrong proof, or a contract of another space: one
		   answer, true for both. */
		v.av_alert = "Les informations saisies ne permettent pas "
		    "d'ajouter ce contrat. Vérifiez-les et réessayez. Un "
		    "contrat ne peut être suivi que depuis un seul espace "
		    "client : s'il en a déjà un, son titulaire peut vous "
		    "aider, ou notre service client.";
		account_page(req, 200, &v);
		return;
	}
}

void
rb_page_account_session(struct rb_req *req)
{
	const struct rb_session *s;
	struct rb_auth_req ar;
	long long id;

	if (!posted_id(req, "session", &id))
		return;
	s = rb_req_session(req);
	rb_req_auth(req, &ar);
	if (rb_auth_session_end(&ar, s->s_account_id, id) == RB_ERROR) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_redirect(req, "/mon-compte?fait=session");
}

/* "Créer un jeton": the page again, with the token shown this once. */
void
rb_page_account_api_token(struct rb_req *req)
{
	struct account_view v = { .av_which = W_TOKEN };
	const struct rb_session *s;
	struct rb_auth_req ar;
	char token[RB_API_TOKEN_LEN + 1];
	const char *msg = NULL;

	s = rb_req_session(req);
	v.av_token_name = rb_post(req, "nom_jeton");
	rb_req_auth(req, &ar);
	switch (rb_api_token_create(&ar, s->s_account_id, v.av_token_name,
	    (int)rb_config_int(req->req_site->site_cfg,
	    RB_CFG_API_TOKENS_PER_ACCOUNT), token, &msg)) {
	case RB_OK:
		v.av_token = token;
		account_page(req, 200, &v);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		v.av_token_error = msg;
		account_page(req, 200, &v);
		return;
	}
}

/* "Révoquer": at once; another account's token id changes nothing. */
void
rb_page_account_api_revoke(struct rb_req *req)
{
	const struct rb_session *s;
	struct rb_auth_req ar;
	long long id;

	if (!posted_id(req, "jeton", &id))
		return;
	s = rb_req_session(req);
	rb_req_auth(req, &ar);
	if (rb_api_token_revoke(&ar, s->s_account_id, id) == RB_ERROR) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_redirect(req, "/mon-compte?fait=jeton-revoque");
}

/* GET shows a button (mail scanners follow links); POST confirms. */
void
rb_page_confirm_email(struct rb_req *req)
{
	struct rb_auth_req ar;
	const char *token;
	int rc;

	if (req->req_method != RB_POST) {
		token = rb_form_get(&req->req_query, "jeton");
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:s, "
		    "s:s, s:[{s:s, s:s}], s:s, s:n}", "title",
		    "Confirmer ma nouvelle adresse e-mail", "paragraphs",
		    "Cliquez sur le bouton pour utiliser cette adresse pour "
		    "votre espace client.", "form_action",
		    "/mon-compte/confirmer-email", "csrf", rb_req_csrf(req),
		    "hidden", "name", "jeton", "value", token ? token : "",
		    "form_button", "Confirmer", "links"));
		return;
	}
	rb_req_auth(req, &ar);
	rc = rb_auth_confirm_email(&ar, rb_post(req, "jeton"));
	if (rc == RB_ERROR) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:n, s:n, "
	    "s:n, s:n, s:[{s:s, s:s}]}", "title", rc == RB_OK ?
	    "Adresse e-mail confirmée" : "Lien invalide ou expiré",
	    "paragraphs", rc == RB_OK ? "Votre nouvelle adresse est "
	    "enregistrée : utilisez-la pour vous connecter." : "Ce lien n'est "
	    "plus valable : il a déjà servi ou il a expiré.", "form_action",
	    "csrf", "hidden", "form_button", "links", "href", "/connexion",
	    "text", "Se connecter"));
}
