/*
 * pages/paymeans.c: "Mes moyens de paiement" of a signed-in subscriber,
 * per contract (query or field `contrat`):
 *   GET  /mes-moyens-de-paiement            direct debit, the mandate,
 *                                           the next debits, the forms
 *   POST /mes-moyens-de-paiement/mandat     step 1 of signing: holder,
 *                                           IBAN, password; emails a code
 *   POST /mes-moyens-de-paiement/code       step 2: the code; signs
 *   POST /mes-moyens-de-paiement/resilier   cancels the mandate
 *   GET  /mes-moyens-de-paiement/mandat.pdf the mandate as a PDF
 *   POST /mes-moyens-de-paiement/mensualisation          starts the
 *                                           monthly plan (`jour` 5, 10, 15)
 *   POST /mes-moyens-de-paiement/mensualisation/arreter  stops it
 * A contract of another account answers 404 like an unknown one. The
 * IBAN typed is never sent back into the page (the form is empty again
 * after an error) and never logged.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/paymeans.h"
#include "base/iban.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define PM_PATH	"/mes-moyens-de-paiement"

static const struct rb_field_def f_holder = { "titulaire",
    "Titulaire du compte", "text", "name",
    "Tel qu'il figure sur votre relevé d'identité bancaire (RIB).", NULL };
static const struct rb_field_def f_iban = { "iban", "IBAN", "text", "off",
    "27 caractères pour un compte en France, par exemple "
    "FR76 3000 6000 0112 3456 7890 189.", NULL };
static const struct rb_field_def f_password = { "mot_de_passe",
    "Mot de passe de votre espace client", "password", "current-password",
    "Par sécurité, nous vous le redemandons avant tout changement de "
    "coordonnées bancaires.", NULL };
static const struct rb_field_def f_code = { "code",
    "Code reçu par e-mail", "text", "one-time-code",
    "6 chiffres, valable 15 minutes.", "numeric" };

/* The SEPA settings; the key of IBANs at rest is data_key (in demo mode
 * main.c makes it the demo data's key when unset). */
static void
pm_cfg(struct rb_req *req, struct rb_pm_cfg *c, unsigned char *key)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	const char *hex = rb_config_str(cfg, RB_CFG_DATA_KEY);

	memset(c, 0, sizeof(*c));
	c->pc_key = rb_iban_key_from_hex(hex, key) == 0 ? key : NULL;
	c->pc_ics = rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_ID);
	c->pc_creditor = rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_NAME);
	c->pc_prenotice_days = (int)rb_config_int(cfg,
	    RB_CFG_SEPA_PRENOTICE_DAYS);
}

/* What the page shows besides the stored data. */
struct pm_view {
	const struct rb_pm_errors *pv_errs;
	const char	*pv_holder;	/* typed again after an error */
	const char	*pv_token;	/* step 2: the code form */
	const char	*pv_masked;	/* step 2: the IBAN being signed */
	const char	*pv_notice;
	const char	*pv_alert;
};

static void
pm_page(struct rb_req *req, int status, const char *number,
    const struct pm_view *v)
{
	const struct rb_session *s = rb_req_session(req);
	unsigned char key[RB_IBAN_KEYBYTES];
	struct rb_pm_errors none;
	const struct rb_pm_errors *e;
	struct rb_auth_req ar;
	struct rb_pm_cfg c;
	json_t *data, *fields;

	memset(&none, 0, sizeof(none));
	e = v->pv_errs != NULL ? v->pv_errs : &none;
	pm_cfg(req, &c, key);
	rb_req_auth(req, &ar);
	switch (rb_pm_view(&ar, &c, s->s_account_id, number, &data)) {
	case RB_OK:
		break;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
	json_object_set_new(data, "code_form", json_null());
	json_object_set_new(data, "sign_form", json_null());
	if (v->pv_token != NULL) {
		fields = json_array();
		json_array_append_new(fields, rb_field(&f_code, NULL,
		    e->pe_code));
		json_object_set_new(data, "code_form", rb_form_page(req,
		    fields, e->pe_alert, NULL));
		json_object_set_new(json_object_get(data, "code_form"),
		    "token", json_string(v->pv_token));
		json_object_set_new(json_object_get(data, "code_form"),
		    "iban", json_string(v->pv_masked != NULL ?
		    v->pv_masked : ""));
	} else {
		fields = json_array();
		json_array_append_new(fields, rb_field(&f_holder,
		    v->pv_holder, e->pe_holder));
		json_array_append_new(fields, rb_field(&f_iban, NULL,
		    e->pe_iban));
		json_array_append_new(fields, rb_field(&f_password, NULL,
		    e->pe_password));
		json_object_set_new(data, "sign_form", rb_form_page(req,
		    fields, e->pe_alert != NULL ? e->pe_alert : v->pv_alert,
		    NULL));
	}
	json_object_set_new(data, "csrf", json_string(rb_req_csrf(req)));
	json_object_set_new(data, "notice", v->pv_notice != NULL ?
	    json_string(v->pv_notice) : json_null());
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "paymeans", data);
}

void
rb_page_paymeans(struct rb_req *req)
{
	const char *done = rb_form_get(&req->req_query, "fait");
	struct pm_view v;

	memset(&v, 0, sizeof(v));
	if (done != NULL && strcmp(done, "signe") == 0)
		v.pv_notice = "Votre mandat de prélèvement est signé. Vous "
		    "pouvez le télécharger ci-dessous ; chaque prélèvement "
		    "vous sera annoncé par e-mail au moins 14 jours avant.";
	else if (done != NULL && strcmp(done, "mensualise") == 0)
		v.pv_notice = "Votre mensualisation est en place : voici vos "
		    "10 prélèvements ci-dessous.";
	else if (done != NULL && strcmp(done, "mensualisation-arretee") == 0)
		v.pv_notice = "Votre mensualisation est arrêtée : les "
		    "prélèvements mensuels à venir sont annulés.";
	else if (done != NULL && strcmp(done, "resilie") == 0)
		v.pv_notice = "Votre mandat de prélèvement est révoqué : plus "
		    "aucun prélèvement ne sera fait. Vos factures sont à payer "
		    "par un autre moyen.";
	pm_page(req, 200, rb_form_get(&req->req_query, "contrat"), &v);
}

/* Redirects to the page of contract number with ?fait=done. */
static void
back_to(struct rb_req *req, const char *number, const char *done)
{
	rb_resp_redirect(req, rb_arena_printf(req->req_arena,
	    PM_PATH "?contrat=%s&fait=%s", number, done));
}

void
rb_page_paymeans_sign(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	unsigned char key[RB_IBAN_KEYBYTES];
	char token[RB_TOKEN_LEN + 1], masked[RB_IBAN_MASK_MAX];
	const char *number = rb_post(req, "contrat");
	const char *pw = rb_form_get(&req->req_body, "mot_de_passe");
	struct rb_pm_errors e;
	struct rb_auth_req ar;
	struct rb_pm_cfg c;
	struct pm_view v;

	memset(&v, 0, sizeof(v));
	if (number[0] == '\0') {
		rb_resp_error(req, 404);
		return;
	}
	pm_cfg(req, &c, key);
	rb_req_auth(req, &ar);
	switch (rb_pm_sign_start(&ar, &c, s->s_account_id, number,
	    rb_post(req, "titulaire"), rb_post(req, "iban"), pw != NULL ? pw :
	    "", &e, token, masked)) {
	case RB_OK:
		v.pv_token = token;
		v.pv_masked = masked;
		v.pv_notice = "Nous venons de vous envoyer un code à 6 chiffres "
		    "par e-mail. Saisissez-le pour signer le mandat.";
		pm_page(req, 200, number, &v);
		return;
	case RB_INVALID:
	case RB_LIMITED:
		v.pv_errs = &e;
		v.pv_holder = rb_post(req, "titulaire");
		pm_page(req, 200, number, &v);
		return;
	case RB_TOO_MANY:
		v.pv_alert = "Ce contrat a déjà un mandat de prélèvement actif.";
		pm_page(req, 409, number, &v);
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
rb_page_paymeans_code(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	unsigned char key[RB_IBAN_KEYBYTES];
	const char *number = rb_post(req, "contrat");
	const char *token = rb_post(req, "demande");
	struct rb_pm_errors e;
	struct rb_auth_req ar;
	struct rb_pm_cfg c;
	struct pm_view v;

	memset(&v, 0, sizeof(v));
	if (number[0] == '\0') {
		rb_resp_error(req, 404);
		return;
	}
	pm_cfg(req, &c, key);
	rb_req_auth(req, &ar);
	switch (rb_pm_sign_confirm(&ar, &c, s->s_account_id, number, token,
	    rb_post(req, "code"), &e)) {
	case RB_OK:
		back_to(req, number, "signe");
		return;
	case RB_INVALID:
		v.pv_errs = &e;
		v.pv_token = token;
		pm_page(req, 200, number, &v);
		return;
	case RB_DENIED:
		v.pv_alert = "Ce code n'est plus valable (trop d'essais, ou plus "
		    "de 15 minutes). Recommencez la signature.";
		pm_page(req, 200, number, &v);
		return;
	case RB_TOO_MANY:
		v.pv_alert = "Ce contrat a déjà un mandat de prélèvement actif.";
		pm_page(req, 409, number, &v);
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
rb_page_paymeans_cancel(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	const char *number = rb_post(req, "contrat");
	struct rb_auth_req ar;

	rb_req_auth(req, &ar);
	switch (rb_pm_cancel(&ar, s->s_account_id, number)) {
	case RB_OK:
		back_to(req, number, "resilie");
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
rb_page_paymeans_pdf(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	unsigned char key[RB_IBAN_KEYBYTES];
	const char *number = rb_form_get(&req->req_query, "contrat");
	struct rb_auth_req ar;
	struct rb_pm_cfg c;

	if (number == NULL || number[0] == '\0') {
		rb_resp_error(req, 404);
		return;
	}
	pm_cfg(req, &c, key);
	rb_req_auth(req, &ar);
	switch (rb_pm_mandate_pdf(&ar, &c, s->s_account_id, number,
	    &req->resp_body)) {
	case RB_OK:
		break;
	case RB_NOT_FOUND:
		rb_buf_reset(&req->resp_body);
		rb_resp_error(req, 404);
		return;
	default:
		rb_buf_reset(&req->resp_body);
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"mandat-sepa-%s.pdf\"",
	    number));
	rb_resp_header(req, "Cache-Control", "private, no-store");
	req->resp_status = 200;
	req->resp_type = "application/pdf";
}

void
rb_page_paymeans_plan(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	unsigned char key[RB_IBAN_KEYBYTES];
	const char *number = rb_post(req, "contrat");
	const char *day = rb_post(req, "jour");
	struct rb_auth_req ar;
	struct rb_pm_cfg c;
	struct pm_view v;
	int d;

	memset(&v, 0, sizeof(v));
	d = strcmp(day, "5") == 0 ? 5 : strcmp(day, "10") == 0 ? 10 :
	    strcmp(day, "15") == 0 ? 15 : 0;
	pm_cfg(req, &c, key);
	rb_req_auth(req, &ar);
	switch (rb_pm_plan_start(&ar, &c, s->s_account_id, number, d)) {
	case RB_OK:
		back_to(req, number, "mensualise");
		return;
	case RB_INVALID:
		v.pv_alert = "Choisissez le jour de vos prélèvements : le 5, le "
		    "10 ou le 15 du mois.";
		pm_page(req, 400, number, &v);
		return;
	case RB_NO_BILL:
		v.pv_alert = "Pas de facture ces 12 derniers mois : la "
		    "mensualisation se calcule sur vos factures de l'année "
		    "écoulée.";
		pm_page(req, 200, number, &v);
		return;
	case RB_TOO_MANY:
		v.pv_alert = "Votre mensualisation est déjà en place.";
		pm_page(req, 409, number, &v);
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
rb_page_paymeans_plan_stop(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	const char *number = rb_post(req, "contrat");
	struct rb_auth_req ar;

	rb_req_auth(req, &ar);
	switch (rb_pm_plan_stop(&ar, s->s_account_id, number)) {
	case RB_OK:
		back_to(req, number, "mensualisation-arretee");
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}
