/*
 * pages/signin.c: signing in and out, and the subscriber's dashboard
 * (/mon-espace: app/space.h, its contracts rendered from C structs).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/auth.h"
#include "app/psp.h"
#include "app/space.h"
#include "base/crypto.h"
#include "base/mem.h"
#include "tmpl/mustache.h"
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

/*
 * The dashboard's contracts as space.mustache reads them, from the C
 * structs of rb_space_view() (tmpl/mustache.h): "contracts": [{"number",
 * "old_number", "address", "direct_debit", "debit_account", "paperless",
 * "unpaid", "unpaid_amount", "next_due", "debit", "debit_amount",
 * "next_debit", "last_bill": null or {"number", "issued", "total",
 * "status_label"}, "reading": null or {"meter", "remote", "date",
 * "index", "kind"}, "has_alerts", "alerts": [{"kind", "text"}]}].
 */
#define F(name, type, st, member, desc) \
	RB_TMPL_FIELD(name, type, st, member, desc)

static const struct rb_tmpl_field space_bill_fields[] = {
	F("number", RB_TF_STR, struct rb_space_bill, sb_number, NULL),
	F("issued", RB_TF_TEXT, struct rb_space_bill, sb_issued, NULL),
	F("total", RB_TF_TEXT, struct rb_space_bill, sb_total, NULL),
	F("status_label", RB_TF_STR, struct rb_space_bill, sb_status_label,
	    NULL),
};
static const struct rb_tmpl_desc space_bill_desc =
    RB_TMPL_DESC(space_bill_fields);

static const struct rb_tmpl_field space_reading_fields[] = {
	F("meter", RB_TF_STR, struct rb_space_reading, sr_meter, NULL),
	F("remote", RB_TF_BOOL, struct rb_space_reading, sr_remote, NULL),
	F("date", RB_TF_TEXT, struct rb_space_reading, sr_date, NULL),
	F("index", RB_TF_TEXT, struct rb_space_reading, sr_index, NULL),
	F("kind", RB_TF_STR, struct rb_space_reading, sr_kind, NULL),
};
static const struct rb_tmpl_desc space_reading_desc =
    RB_TMPL_DESC(space_reading_fields);

static const struct rb_tmpl_field space_alert_fields[] = {
	F("kind", RB_TF_STR, struct rb_space_alert, sa_kind, NULL),
	F("text", RB_TF_TEXT, struct rb_space_alert, sa_text, NULL),
};
static const struct rb_tmpl_desc space_alert_desc =
    RB_TMPL_DESC(space_alert_fields);

/* A card with its alerts as rows. */
struct space_card_view {
	struct rb_space_card	cv_card;
	struct rb_tmpl_rows	cv_alerts;
};

#define C(name, type, member, desc) \
	{ name, type, offsetof(struct space_card_view, cv_card.member), desc }

static const struct rb_tmpl_field space_card_fields[] = {
	C("number", RB_TF_STR, sc_number, NULL),
	C("address", RB_TF_TEXT, sc_address, NULL),
	C("old_number", RB_TF_STR, sc_old_number, NULL),
	C("has_alerts", RB_TF_BOOL, sc_has_alerts, NULL),
	F("alerts", RB_TF_ROWS, struct space_card_view, cv_alerts, NULL),
	C("unpaid", RB_TF_BOOL, sc_unpaid, NULL),
	C("unpaid_amount", RB_TF_TEXT, sc_unpaid_amount, NULL),
	C("next_due", RB_TF_TEXT, sc_next_due, NULL),
	C("debit", RB_TF_BOOL, sc_debit, NULL),
	C("next_debit", RB_TF_TEXT, sc_next_debit, NULL),
	C("debit_amount", RB_TF_TEXT, sc_debit_amount, NULL),
	C("last_bill", RB_TF_ROW, sc_last_bill, &space_bill_desc),
	C("direct_debit", RB_TF_BOOL, sc_direct_debit, NULL),
	C("debit_account", RB_TF_TEXT, sc_debit_account, NULL),
	C("paperless", RB_TF_BOOL, sc_paperless, NULL),
	C("reading", RB_TF_ROW, sc_reading, &space_reading_desc),
};
static const struct rb_tmpl_desc space_card_desc =
    RB_TMPL_DESC(space_card_fields);

/* The page's own data, all of it (the layout's is in the JSON below). */
struct space_view {
	const char		*sv_csrf;
	int			 sv_card;	/* 0/1: cards paid online */
	struct rb_tmpl_rows	 sv_contracts;
	const char		*sv_first_name;
	const char		*sv_notice;	/* or NULL */
};

static const struct rb_tmpl_field space_fields[] = {
	F("csrf", RB_TF_STR, struct space_view, sv_csrf, NULL),
	F("card", RB_TF_BOOL, struct space_view, sv_card, NULL),
	F("contracts", RB_TF_ROWS, struct space_view, sv_contracts, NULL),
	F("first_name", RB_TF_STR, struct space_view, sv_first_name, NULL),
	F("notice", RB_TF_STR, struct space_view, sv_notice, NULL),
};
static const struct rb_tmpl_desc space_desc = RB_TMPL_DESC(space_fields);

#undef C
#undef F
void
rb_page_space(struct rb_req *req)
{
	const struct rb_session *s;
	const char *done;
	struct space_card_view *cv;
	const struct rb_space_data *d;
	struct rb_pagecache_val *kept;
	struct rb_psp_cfg psp;
	struct space_view sv;
	size_t i;

	s = rb_req_session(req);
	/* The account's data, kept in memory on PostgreSQL (shared: read
	   only); the page itself, with its form's CSRF token and its
	   one-time notice, is rendered for this request. */
	if ((kept = rb_space_read_kept(rb_req_db(req), s->s_account_id,
	    time(NULL))) == NULL) {
		rb_resp_error(req, 500);
		return;
	}
	d = rb_pagecache_data(kept);
	/* Not from the arena: it clears what it gives, and every member
	   is written here. */
	cv = rb_xmalloc((d->sd_n > 0 ? d->sd_n : 1) * sizeof(*cv));
	for (i = 0; i < d->sd_n; i++) {
		rb_space_card(d, i, &cv[i].cv_card);
		cv[i].cv_alerts = (struct rb_tmpl_rows){ &space_alert_desc,
		    cv[i].cv_card.sc_alerts, cv[i].cv_card.sc_nalerts,
		    sizeof(cv[i].cv_card.sc_alerts[0]) };
	}
	sv.sv_contracts = (struct rb_tmpl_rows){ &space_card_desc, cv,
	    d->sd_n, sizeof(*cv) };
	sv.sv_first_name = s->s_first_name;
	sv.sv_notice = NULL;
	done = rb_form_get(&req->req_query, "fait");
	if (done != NULL && strcmp(done, "facture-electronique-activee") == 0)
		sv.sv_notice = "La facture électronique est activée. Un e-mail de "
		    "confirmation vous a été envoyé.";
	else if (done != NULL && strcmp(done,
	    "facture-electronique-desactivee") == 0)
		sv.sv_notice = "La facture électronique est désactivée : vos "
		    "prochaines factures arriveront par la poste. Un e-mail de "
		    "confirmation vous a été envoyé.";
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_psp_cfg_from_config(req->req_site->site_cfg, &psp);
	sv.sv_card = rb_psp_enabled(&psp);
	sv.sv_csrf = rb_req_csrf(req);
	rb_resp_page_row(req, 200, "space", json_object(), &space_desc, &sv);
	free(cv);
	rb_pagecache_release(kept);
}
