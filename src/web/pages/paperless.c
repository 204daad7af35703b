/*
 * pages/paperless.c: POST /mon-espace/facture-electronique, the switch
 * of paperless billing shown in each contract's block of /mon-espace
 * (where the subscriber reads whether it is on). Fields: contrat (the
 * contract number, 10 digits) and etat ("oui" or "non"); the route's
 * guards have checked the session and the CSRF token. Answers with a
 * redirect to /mon-espace that says what was done (app/paperless.h
 * sends the confirmation email); a contract of another account or none
 * at all is the same 404; malformed fields a 400 that says which.
 */
#include <string.h>
#include <time.h>

#include "app/paperless.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

void
rb_page_paperless(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	const char *number = rb_post(req, "contrat"), *state;
	int on, changed;

	if (strlen(number) != 10 || strspn(number, "0123456789") != 10) {
		rb_resp_bad_request(req, "Numéro de contrat non valide",
		    "Le numéro de contrat doit compter 10 "
		    "chiffres.");
		return;
	}
	state = rb_post(req, "etat");
	if (strcmp(state, "oui") != 0 && strcmp(state, "non") != 0) {
		rb_resp_bad_request(req, "Choix de la facture électronique "
		    "manquant", "Choisissez d'activer ou de désactiver la "
		    "facture électronique.");
		return;
	}
	on = strcmp(state, "oui") == 0;
	switch (rb_paperless_switch(rb_req_db(req), s->s_account_id, number,
	    on, RB_PAPERLESS_BY_SUBSCRIBER, 0, req->req_ip, time(NULL),
	    &changed)) {
	case RB_OK:
		rb_resp_redirect(req, on ? "/mon-espace?fait=facture-"
		    "electronique-activee" : "/mon-espace?fait=facture-"
		    "electronique-desactivee");
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}
