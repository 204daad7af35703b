/*
 * pages/signup.c: the two ways to get a space and their common end:
 * "J'étais abonné en 2023" (old customer id + old password), "Créer mon
 * espace" (contract number + one proof), then step 2 (name, first name,
 * email, password) and activation from the emailed link.
 */
#include <string.h>

#include "app/auth.h"
#include "base/crypto.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define DENIED_CLAIM	"Les informations saisies ne permettent pas de " \
			"vous identifier. Vérifiez-les et réessayez."
#define NO_BILL		"Vous pourrez créer votre espace dès réception de " \
			"votre première facture ou d'un courrier du service " \
			"client."

static const struct rb_field_def f_old_password = { "mot_de_passe",
    "Mot de passe", "password", "current-password", NULL, NULL };
static const struct rb_field_def f_contract = { "contrat",
    "Numéro de contrat", "text", "off",
    "10 chiffres, en haut à droite de votre facture.", "numeric" };
static const struct rb_field_def f_proof = { "justificatif",
    "Adresse e-mail, numéro de facture ou numéro de compteur", "text",
    "off", "L'information que vous avez choisie ci-dessus.", NULL };
static const struct rb_field_def f_last = { "nom", "Nom", "text",
    "family-name", NULL, NULL };
static const struct rb_field_def f_first = { "prenom", "Prénom", "text",
    "given-name", NULL, NULL };
static const struct rb_field_def f_email = { "email", "Adresse e-mail",
    "email", "email", "Vous vous connecterez avec cette adresse.", NULL };
static const struct rb_field_def f_pw = { "mot_de_passe",
    "Nouveau mot de passe", "password", "new-password",
    "Au moins 12 caractères.", NULL };
static const struct rb_field_def f_pw2 = { "confirmation",
    "Confirmation du mot de passe", "password", "new-password", NULL,
    NULL };

static const struct {
	const char	*pv_value;
	const char	*pv_label;
} proofs[RB_PROOF__MAX] = {
	[RB_PROOF_EMAIL] = { "email", "Adresse e-mail" },
	[RB_PROOF_INVOICE] = { "facture", "Numéro de facture" },
	[RB_PROOF_METER] = { "compteur", "Numéro de compteur" },
};

#define LEGACY_PENDING	"Vous avez déjà créé votre nouvel espace client " \
			"avec cet identifiant : il attend d'être activé. " \
			"Utilisez le lien de l'e-mail d'activation que nous " \
			"vous avons envoyé. Votre ancien identifiant ne sert " \
			"plus qu'à consulter vos archives."

/*
 * Step 1 of the 2023 migration; error goes under the old id and marks
 * the password too (which was wrong is never said); pw_error goes
 * under the password alone.
 */
static void
legacy_form(struct rb_req *req, int status, const char *old_id,
    const char *alert, const char *error, const char *pw_error)
{
	json_t *fields = json_array(), *pw, *data;

	json_array_append_new(fields, rb_field(&rb_field_old_id, old_id,
	    error));
	pw = rb_field(&f_old_password, NULL, pw_error);
	if (error != NULL && pw_error == NULL)
		rb_field_invalid_by(pw, rb_field_old_id.fd_id);
	json_array_append_new(fields, pw);
	data = rb_form_page(req, fields, alert, NULL);
	json_object_set_new(data, "pending", json_boolean(alert != NULL &&
	    strcmp(alert, LEGACY_PENDING) == 0));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "claim_legacy", data);
}

/* The errors of step 1 of the creation, by field; NULL when none. */
struct contract_errors {
	const char	*ce_contract;	/* also marks the proof */
	const char	*ce_choice;	/* the proof's kind (radio group) */
	const char	*ce_value;	/* the proof alone */
};

static void
contract_form(struct rb_req *req, int status, const char *contract,
    int proof, const char *value, const char *alert,
    const struct contract_errors *ce)
{
	static const struct contract_errors none;
	json_t *fields = json_array(), *list = json_array(), *data, *pf;
	int k;

	if (ce == NULL)
		ce = &none;
	json_array_append_new(fields, rb_field(&f_contract, contract,
	    ce->ce_contract));
	for (k = 0; k < RB_PROOF__MAX; k++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}",
		    "value", proofs[k].pv_value, "label", proofs[k].pv_label,
		    "checked", k == proof));
	pf = rb_field(&f_proof, value, ce->ce_value);
	if (ce->ce_contract != NULL && ce->ce_value == NULL)
		rb_field_invalid_by(pf, f_contract.fd_id);
	data = rb_form_page(req, fields, alert, NULL);
	if (ce->ce_choice != NULL)
		rb_form_add_error(req, data, "preuve-email", ce->ce_choice);
	if (ce->ce_value != NULL)
		rb_form_add_error(req, data, f_proof.fd_id, ce->ce_value);
	json_object_set_new(data, "proofs", list);
	json_object_set_new(data, "proof_field", pf);
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "claim_contract", data);
}

/* Step 2, pre-filled from the claim or from what was posted. */
static void
register_form(struct rb_req *req, int status, const struct rb_claim *c,
    const struct rb_profile *p, const struct rb_auth_errors *e)
{
	json_t *fields = json_array(), *data;
	const char *none[RB_F__MAX] = { NULL };
	const char *const *msg = e != NULL ? e->ae_msg : none;

	json_array_append_new(fields, rb_field(&f_last, p->pr_last_name,
	    msg[RB_F_LAST_NAME]));
	json_array_append_new(fields, rb_field(&f_first, p->pr_first_name,
	    msg[RB_F_FIRST_NAME]));
	json_array_append_new(fields, rb_field(&f_email, p->pr_email,
	    msg[RB_F_EMAIL]));
	json_array_append_new(fields, rb_field(&f_pw, NULL,
	    msg[RB_F_PASSWORD]));
	json_array_append_new(fields, rb_field(&f_pw2, NULL,
	    msg[RB_F_PASSWORD2]));
	data = rb_form_page(req, fields, NULL, NULL);
	json_object_set_new(data, "claim", json_string(c->cl_token));
	json_object_set_new(data, "contract", json_string(c->cl_contract));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "register", data);
}

static void
claimed(struct rb_req *req, const struct rb_claim *c)
{
	struct rb_profile p = { c->cl_last_name, c->cl_first_name,
	    c->cl_email };

	register_form(req, 200, c, &p, NULL);
}

void
rb_page_claim_legacy(struct rb_req *req)
{
	const char *old_id, *password;
	struct rb_auth_req ar;
	struct rb_claim c;
	char device[RB_TOKEN_LEN + 1] = "";
	int retry = 0;

	if (req->req_method != RB_POST) {
		legacy_form(req, 200, NULL, NULL, NULL, NULL);
		return;
	}
	old_id = rb_post(req, "identifiant");
	password = rb_form_get(&req->req_body, "mot_de_passe");
	if (old_id[0] == '\0' || password == NULL || password[0] == '\0') {
		legacy_form(req, 200, old_id, NULL, old_id[0] == '\0' ?
		    "Saisissez votre ancien identifiant client." : NULL,
		    password == NULL || password[0] == '\0' ?
		    "Saisissez votre ancien mot de passe." : NULL);
		return;
	}
	rb_req_auth(req, &ar);
	ar.ar_device_out = device;
	switch (rb_auth_claim_legacy(&ar, old_id, password ? password : "",
	    &c, &retry)) {
	case RB_OK:
		rb_req_device_cookie(req, device);
		claimed(req, &c);
		return;
	case RB_LIMITED:
		legacy_form(req, 429, old_id, rb_retry_text(req, retry), NULL,
		    NULL);
		return;
	case RB_PENDING:
		legacy_form(req, 200, old_id, LEGACY_PENDING, NULL, NULL);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		legacy_form(req, 200, old_id, NULL, DENIED_CLAIM, NULL);
		return;
	}
}

static int
proof_of(const char *v)
{
	int k;

	for (k = 0; k < RB_PROOF__MAX; k++)
		if (strcmp(v, proofs[k].pv_value) == 0)
			return k;
	return -1;
}

void
rb_page_claim_contract(struct rb_req *req)
{
	const char *contract, *value;
	struct rb_auth_req ar;
	struct rb_claim c;
	char device[RB_TOKEN_LEN + 1] = "";
	int retry = 0, proof;

	if (req->req_method != RB_POST) {
		contract_form(req, 200, NULL, RB_PROOF_EMAIL, NULL, NULL, NULL);
		return;
	}
	contract = rb_post(req, "contrat");
	value = rb_post(req, "justificatif");
	proof = proof_of(rb_post(req, "preuve"));
	if (proof < 0 || contract[0] == '\0' || value[0] == '\0') {
		struct contract_errors ce = {
			contract[0] == '\0' ?
			    "Saisissez votre numéro de contrat." : NULL,
			proof < 0 ? "Choisissez comment vous identifier : "
			    "adresse e-mail, numéro de facture ou numéro de "
			    "compteur." : NULL,
			value[0] == '\0' ? "Saisissez l'adresse e-mail, le "
			    "numéro de facture ou le numéro de compteur." :
			    NULL,
		};

		contract_form(req, 200, contract, proof < 0 ? RB_PROOF_EMAIL :
		    proof, value, NULL, &ce);
		return;
	}
	rb_req_auth(req, &ar);
	ar.ar_device_out = device;
	switch (rb_auth_claim_contract(&ar, contract, proof, value, &c,
	    &retry)) {
	case RB_OK:
		rb_req_device_cookie(req, device);
		claimed(req, &c);
		return;
	case RB_NO_BILL:
		contract_form(req, 200, contract, proof, value, NO_BILL, NULL);
		return;
	case RB_LIMITED:
		contract_form(req, 429, contract, proof, value,
		    rb_retry_text(req, retry), NULL);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default: {
		struct contract_errors ce = { DENIED_CLAIM, NULL, NULL };

		contract_form(req, 200, contract, proof, value, NULL, &ce);
		return;
	}
	}
}

/* The "check your mailbox" page, the same whatever happened behind. */
void
rb_page_check_mail(struct rb_req *req)
{
	json_t *p = json_pack("[s, s]",
	    "Si les informations saisies sont exactes, vous allez recevoir un "
	    "e-mail contenant un bouton « Activer votre espace client ». "
	    "Cliquez dessus pour terminer.",
	    "Pensez à regarder dans vos courriers indésirables. Le lien est "
	    "valable 24 heures.");

	rb_resp_page(req, 200, "message", json_pack("{s:s, s:o, s:n, s:n, "
	    "s:n, s:n, s:[{s:s, s:s}]}", "title", "Vérifiez votre boîte mail",
	    "paragraphs", p, "form_action", "csrf", "hidden", "form_button",
	    "links", "href", "/renvoyer-activation", "text",
	    "Je n'ai pas reçu l'e-mail"));
}

void
rb_page_register(struct rb_req *req)
{
	struct rb_auth_errors e;
	struct rb_auth_req ar;
	struct rb_profile p;
	struct rb_claim c;
	const char *claim, *pw, *pw2;

	if (req->req_method != RB_POST) {
		/* A reload or a bookmark: the claim travels in the form
		   only, so the journey starts again at step 1. */
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], "
		    "s:n, s:n, s:n, s:n, s:[{s:s, s:s}, {s:s, s:s}]}", "title",
		    "Reprendre la création de votre espace", "paragraphs",
		    "Pour votre sécurité, les informations de l'étape 2 ne "
		    "sont pas gardées quand la page est rechargée. Reprenez à "
		    "l'étape 1 : cela ne prend qu'un instant.", "form_action",
		    "csrf", "hidden", "form_button", "links", "href",
		    "/creer-mon-espace", "text", "Créer mon espace avec mon "
		    "numéro de contrat", "href", "/abonne-2023", "text",
		    "J'étais abonné en 2023 : reprendre avec mon ancien "
		    "identifiant"));
		return;
	}
	claim = rb_post(req, "demande");
	p.pr_last_name = rb_post(req, "nom");
	p.pr_first_name = rb_post(req, "prenom");
	p.pr_email = rb_post(req, "email");
	pw = rb_form_get(&req->req_body, "mot_de_passe");
	pw2 = rb_form_get(&req->req_body, "confirmation");
	memset(&e, 0, sizeof(e));
	rb_req_auth(req, &ar);
	if (rb_auth_claim_get(&ar, claim, &c) != RB_OK) {
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], "
		    "s:n, s:n, s:n, s:n, s:[{s:s, s:s}]}", "title",
		    "Demande expirée", "paragraphs", "Votre demande a expiré. "
		    "Recommencez depuis le début.", "form_action", "csrf",
		    "hidden", "form_button", "links", "href",
		    "/creer-mon-espace", "text", "Recommencer"));
		return;
	}
	switch (rb_auth_register(&ar, claim, &p, pw ? pw : "", pw2 ? pw2 : "",
	    &e)) {
	case RB_OK:
		rb_resp_redirect(req, "/verifiez-vos-emails");
		return;
	case RB_INVALID:
		register_form(req, 200, &c, &p, &e);
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		rb_resp_redirect(req, "/verifiez-vos-emails");
		return;
	}
}

/* GET shows a button (mail scanners follow links); POST activates. */
void
rb_page_activate(struct rb_req *req)
{
	const char *token;
	struct rb_auth_req ar;

	if (req->req_method != RB_POST) {
		token = rb_form_get(&req->req_query, "jeton");
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:s, "
		    "s:s, s:[{s:s, s:s}], s:s, s:n}", "title",
		    "Activer votre espace client", "paragraphs",
		    "Cliquez sur le bouton pour activer votre espace client.",
		    "form_action", "/activer", "csrf", rb_req_csrf(req),
		    "hidden", "name", "jeton", "value", token ? token : "",
		    "form_button", "Activer mon espace", "links"));
		return;
	}
	rb_req_auth(req, &ar);
	switch (rb_auth_activate(&ar, rb_post(req, "jeton"))) {
	case RB_OK:
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:n, "
		    "s:n, s:n, s:n, s:[{s:s, s:s}]}", "title",
		    "Votre espace client est activé", "paragraphs",
		    "Vous pouvez maintenant vous connecter avec votre adresse "
		    "e-mail et votre mot de passe.", "form_action", "csrf",
		    "hidden", "form_button", "links", "href", "/connexion",
		    "text", "Se connecter"));
		return;
	case RB_ERROR:
		rb_resp_error(req, 500);
		return;
	default:
		rb_resp_page(req, 200, "message", json_pack("{s:s, s:[s], s:n, "
		    "s:n, s:n, s:n, s:[{s:s, s:s}, {s:s, s:s}]}", "title",
		    "Lien invalide ou expiré", "paragraphs",
		    "Ce lien d'activation n'est plus valable : il a déjà servi "
		    "ou il a expiré. Connectez-vous, ou demandez un nouveau "
		    "lien d'activation.",
		    "form_action", "csrf", "hidden", "form_button", "links",
		    "href", "/connexion", "text", "Se connecter", "href",
		    "/renvoyer-activation", "text",
		    "Je n'ai pas reçu l'e-mail : recevoir un nouveau lien"));
		return;
	}
}

static const struct rb_field_def f_resend = { "email", "Adresse e-mail",
    "email", "email", "Celle que vous avez indiquée à l'étape 2.", NULL };

/* "Je n'ai pas reçu l'e-mail": a new activation link, same answer for
 * any address. */
void
rb_page_resend(struct rb_req *req)
{
	struct rb_auth_req ar;
	const char *email = NULL, *alert = NULL, *notice = NULL;
	json_t *fields;
	int retry = 0, status = 200;

	if (req->req_method == RB_POST) {
		email = rb_post(req, "email");
		rb_req_auth(req, &ar);
		switch (rb_auth_resend(&ar, email, &retry)) {
		case RB_LIMITED:
			status = 429;
			alert = rb_retry_text(req, retry);
			break;
		case RB_ERROR:
			rb_resp_error(req, 500);
			return;
		default:
			notice = "Si un espace client attend d'être activé avec "
			    "cette adresse, un nouveau lien vient de lui être "
			    "envoyé. L'ancien lien ne fonctionne plus.";
			email = NULL;
			break;
		}
	}
	fields = json_array();
	json_array_append_new(fields, rb_field(&f_resend, email, NULL));
	rb_form_render(req, status, "Recevoir un nouveau lien d'activation",
	    "Indiquez votre adresse e-mail : nous vous enverrons un nouveau "
	    "lien pour activer votre espace client.", "/renvoyer-activation",
	    NULL, fields, "Recevoir un nouveau lien", alert, notice);
}
