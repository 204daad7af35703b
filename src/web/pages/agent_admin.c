/*
 * pages/agent_admin.c: the admins' page of agents (/agent/agents: list,
 * create, disable or re-enable, reset the second factor; every action
 * confirmed by a second POST and audited) and the enrolment page an
 * agent reaches with the link an admin hands over (/agent/enrolement:
 * QR code of the TOTP secret, password, first code).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "base/crypto.h"
#include "base/qr.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

static const struct rb_field_def f_email = { "email", "Adresse e-mail",
    "email", "off", NULL, NULL };
static const struct rb_field_def f_name = { "nom", "Nom affiché", "text",
    "off", NULL, NULL };
static const struct rb_field_def f_password = { "mot_de_passe",
    "Choisissez un mot de passe", "password", "new-password",
    "Au moins 12 caractères.", NULL };
static const struct rb_field_def f_password2 = { "confirmation",
    "Confirmez le mot de passe", "password", "new-password", NULL, NULL };
static const struct rb_field_def f_code = { "code", "Code à 6 chiffres",
    "text", "one-time-code", "Le code affiché par l'application après "
    "l'ajout du compte.", "numeric" };

/* The list page, with the creation form's values and alert. */
static void
list_page(struct rb_req *req, int status, const char *email,
    const char *name, const char *role, const char *alert,
    const char *notice)
{
	struct rb_auth_req ar;
	json_t *agents, *fields, *data;

	rb_req_auth(req, &ar);
	if (rb_agent_list(&ar, &agents) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	fields = json_array();
	json_array_append_new(fields, rb_field(&f_email, email, NULL));
	json_array_append_new(fields, rb_field(&f_name, name, NULL));
	data = rb_form_page(req, fields, alert, notice);
	json_object_set_new(data, "agents", agents);
	json_object_set_new(data, "role_agent", json_boolean(role == NULL ||
	    strcmp(role, "agent") == 0));
	json_object_set_new(data, "role_supervisor", json_boolean(role !=
	    NULL && strcmp(role, "supervisor") == 0));
	json_object_set_new(data, "role_admin", json_boolean(role != NULL &&
	    strcmp(role, "admin") == 0));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "agent_agents", data);
}

void
rb_page_agent_agents(struct rb_req *req)
{
	const char *done = rb_form_get(&req->req_query, "fait");
	const char *notice = NULL;

	if (done != NULL && strcmp(done, "desactive") == 0)
		notice = "L'agent est désactivé : ses sessions sont fermées.";
	else if (done != NULL && strcmp(done, "reactive") == 0)
		notice = "L'agent est réactivé.";
	list_page(req, 200, NULL, NULL, NULL, NULL, notice);
}

/* The page that shows an enrolment link once. */
static void
link_page(struct rb_req *req, const char *title, const struct rb_agent *a,
    const char *token)
{
	const char *base = rb_config_str(req->req_site->site_cfg,
	    RB_CFG_PUBLIC_URL);

	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "agent_link", json_pack("{s:s, s:s, s:s, s:s, "
	    "s:i}", "title", title, "name", a->ag_name, "email", a->ag_email,
	    "link", rb_arena_printf(req->req_arena,
	    "%s/agent/enrolement?jeton=%s", base, token),
	    "hours", RB_AGENT_ENROL_TTL / 3600));
}

void
rb_page_agent_agent_new(struct rb_req *req)
{
	const struct rb_agent *admin = rb_req_agent(req);
	const char *email = rb_post(req, "email"), *name = rb_post(req, "nom");
	const char *role_text = rb_post(req, "role"), *why = NULL;
	unsigned char key[32];
	char token[RB_TOKEN_LEN + 1];
	struct rb_auth_req ar;
	struct rb_agent a;
	enum rb_agent_role role = rb_agent_role_parse(role_text);
	int64_t id;
	enum rb_rc rc;

	if (rb_req_data_key(req, key) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	rb_req_auth(req, &ar);
	rc = rb_agent_invite(&ar, key, admin->ag_id, email, name, role, token,
	    &id, &why);
	memset(key, 0, sizeof(key));
	if (rc == RB_INVALID) {
		list_page(req, 200, email, name, role_text, why, NULL);
		return;
	}
	if (rc != RB_OK || rb_agent_get(&ar, id, &a) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	link_page(req, "Agent créé", &a, token);
}

/* What /agent/agents/action does, by its `action` field. */
static const struct {
	const char	*ac_name;
	const char	*ac_question;	/* %s: the agent's name */
	const char	*ac_button;
} actions[] = {
	{ "desactiver", "Désactiver l'agent %s ? Ses sessions seront "
	    "fermées et il ne pourra plus se connecter.", "Désactiver" },
	{ "reactiver", "Réactiver l'agent %s ?", "Réactiver" },
	{ "reinitialiser", "Réinitialiser le second facteur de %s ? Ses "
	    "sessions seront fermées et ses codes actuels ne marcheront plus ; "
	    "un nouveau lien d'enrôlement sera créé.", "Réinitialiser" },
};

void
rb_page_agent_agent_action(struct rb_req *req)
{
	const struct rb_agent *admin = rb_req_agent(req);
	const char *action = rb_post(req, "action"), *idtext = rb_post(req, "id");
	unsigned char key[32];
	char token[RB_TOKEN_LEN + 1], *end;
	struct rb_auth_req ar;
	struct rb_agent a;
	long long id;
	size_t k;
	enum rb_rc rc;

	for (k = 0; k < sizeof(actions) / sizeof(actions[0]); k++)
		if (strcmp(action, actions[k].ac_name) == 0)
			break;
	errno = 0;
	id = strtoll(idtext, &end, 10);
	if (k == sizeof(actions) / sizeof(actions[0]) || idtext[0] == '\0' ||
	    *end != '\0' || errno != 0 || id <= 0) {
		rb_resp_bad_request(req, "Action sur l'agent non reconnue",
		    "L'action demandée ou l'agent visé n'est pas reconnu. "
		    "Revenez à la liste des agents et recommencez.");
		return;
	}
	rb_req_auth(req, &ar);
	if ((rc = rb_agent_get(&ar, id, &a)) != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	if (strcmp(rb_post(req, "confirme"), "1") != 0) {
		/* First POST: ask. */
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page(req, 200, "agent_confirm", json_pack("{s:s, s:s, "
		    "s:I, s:s, s:s}", "question", rb_arena_printf(
		    req->req_arena, actions[k].ac_question, a.ag_name),
		    "action", actions[k].ac_name, "id", (json_int_t)id,
		    "button", actions[k].ac_button, "csrf", rb_req_csrf(req)));
		return;
	}
	if (k == 2) {
		if (rb_req_data_key(req, key) != 0) {
			rb_resp_error(req, 500);
			return;
		}
		rc = rb_agent_reset_totp(&ar, key, admin->ag_id, id, token);
		memset(key, 0, sizeof(key));
		if (rc != RB_OK) {
			rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
			return;
		}
		link_page(req, "Second facteur réinitialisé", &a, token);
		return;
	}
	rc = rb_agent_set_disabled(&ar, admin->ag_id, id, k == 0);
	if (rc == RB_INVALID) {
		list_page(req, 200, NULL, NULL, NULL, "Vous ne pouvez pas vous "
		    "désactiver vous-même.", NULL);
		return;
	}
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	rb_resp_redirect(req, k == 0 ? "/agent/agents?fait=desactive" :
	    "/agent/agents?fait=reactive");
}

/* "ABCD EFGH …": the secret in groups of four, for reading aloud. */
static const char *
grouped(struct rb_req *req, const char *b32)
{
	size_t n = strlen(b32), i, o = 0;
	char *out = rb_arena_alloc(req->req_arena, n + n / 4 + 1);

	for (i = 0; i < n; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = b32[i];
	}
	out[o] = '\0';
	return out;
}

static void
enrol_form(struct rb_req *req, int status, const char *token,
    const struct rb_agent *a, const struct rb_agent_enrolment *en,
    const struct rb_auth_errors *errs, const char *code_error,
    const char *alert)
{
	struct rb_qr qr;
	json_t *fields = json_array(), *data;
	rb_buf svg;

	json_array_append_new(fields, rb_field(&f_password, NULL,
	    errs != NULL ? errs->ae_msg[RB_F_PASSWORD] : NULL));
	json_array_append_new(fields, rb_field(&f_password2, NULL,
	    errs != NULL ? errs->ae_msg[RB_F_PASSWORD2] : NULL));
	json_array_append_new(fields, rb_field(&f_code, NULL, code_error));
	data = rb_form_page(req, fields, alert, NULL);
	rb_buf_init(&svg);
	/* The one raw insertion of this page: an SVG drawn here from the
	   URI, whose label rb_qr_svg escapes. */
	if (rb_qr_encode(en->en_uri, &qr) == 0)
		rb_qr_svg(&qr, "Code QR à scanner avec votre application "
		    "d'authentification", &svg);
	json_object_set_new(data, "qr_svg", json_string(rb_buf_cstr(&svg)));
	rb_buf_free(&svg);
	json_object_set_new(data, "secret", json_string(grouped(req,
	    en->en_secret_b32)));
	json_object_set_new(data, "uri", json_string(en->en_uri));
	json_object_set_new(data, "jeton", json_string(token));
	json_object_set_new(data, "name", json_string(a->ag_name));
	json_object_set_new(data, "email", json_string(a->ag_email));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "agent_enrol", data);
}

void
rb_page_agent_enrol(struct rb_req *req)
{
	const char *token, *code_error = NULL;
	struct rb_agent_enrolment en;
	struct rb_auth_errors errs;
	struct rb_auth_req ar;
	struct rb_agent a, s;
	unsigned char key[32];
	int retry = 0;
	enum rb_rc rc;

	token = req->req_method == RB_POST ? rb_post(req, "jeton") :
	    rb_form_get(&req->req_query, "jeton");
	if (rb_req_data_key(req, key) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	rb_req_auth(req, &ar);
	rc = rb_agent_enrol_check(&ar, key, token, &a, &en);
	if (rc != RB_OK) {
		memset(key, 0, sizeof(key));
		if (rc != RB_DENIED) {
			rb_resp_error(req, 500);
			return;
		}
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page(req, 404, "agent_message", json_pack("{s:s, s:s}",
		    "title", "Lien d'enrôlement invalide", "message",
		    "Ce lien d'enrôlement n'est pas valide : il a déjà servi ou "
		    "a expiré. Demandez-en un nouveau à un administrateur du "
		    "back-office."));
		return;
	}
	if (req->req_method != RB_POST) {
		memset(key, 0, sizeof(key));
		enrol_form(req, 200, token, &a, &en, NULL, NULL, NULL);
		return;
	}
	rc = rb_agent_enrol(&ar, key, token, rb_form_get(&req->req_body,
	    "mot_de_passe"), rb_form_get(&req->req_body, "confirmation"),
	    rb_post(req, "code"), &s, &errs, &code_error, &retry);
	memset(key, 0, sizeof(key));
	switch (rc) {
	case RB_OK:
		rb_req_agent_start(req, &s);
		rb_resp_redirect(req, "/agent?fait=enrole");
		break;
	case RB_INVALID:
		enrol_form(req, 200, token, &a, &en, &errs, code_error, NULL);
		break;
	case RB_LIMITED:
		enrol_form(req, 429, token, &a, &en, NULL, NULL,
		    rb_retry_text(req, retry));
		break;
	case RB_DENIED:
		rb_resp_redirect(req, "/agent/enrolement");
		break;
	default:
		rb_resp_error(req, 500);
		break;
	}
	memset(&en, 0, sizeof(en));
}
