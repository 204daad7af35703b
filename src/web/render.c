/*
 * render.c: turning a handler's answer into a response body: pages from
 * templates inside the site layout, French error pages, plain text and
 * redirects (see http.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "app/agent.h"
#include "base/log.h"
#include "tmpl/mustache.h"
#include "http.h"
#include "session.h"

struct error_text {
	int		 et_status;
	const char	*et_title;
	const char	*et_message;
};

static const struct error_text error_texts[] = {
	{ 400, "Adresse de la page non valide", "L'adresse de la page "
	    "n'est pas valide. Vérifiez-la, ou revenez à l'accueil pour "
	    "retrouver la page par le menu." },
	{ 403, "Accès refusé", "Vous n'avez pas accès à cette page." },
	{ 404, "Page introuvable", "La page demandée n'existe pas ou a été "
	    "déplacée." },
	{ 405, "Action non autorisée", "Cette page ne peut pas être utilisée "
	    "de cette façon." },
	{ 413, "Envoi trop volumineux", "Les informations envoyées dépassent "
	    "la taille autorisée." },
	{ 500, "Erreur interne", "Une erreur est survenue de notre côté. "
	    "Veuillez réessayer dans quelques instants ; si le problème "
	    "persiste, contactez le service client." },
	{ 503, "Service momentanément indisponible", "Le service est "
	    "momentanément indisponible. Veuillez réessayer dans quelques "
	    "instants." },
	{ 501, "Demande non prise en charge", "La demande a été envoyée "
	    "sous une forme que ce service ne sait pas lire." },
	/* Refused by the front gate (gate.c) before any page runs. */
	{ 414, "Adresse trop longue", "L'adresse de la page demandée est "
	    "trop longue." },
	{ 431, "Demande trop volumineuse", "Les en-têtes envoyés par votre "
	    "navigateur sont trop volumineux. Effacez les cookies de ce site "
	    "puis réessayez." },
	{ 505, "Version non prise en charge", "Votre navigateur utilise une "
	    "version du protocole HTTP que ce service ne prend pas en "
	    "charge." },
};

/* Last resort when even the error template fails: no template, no data. */
static const char fallback_500[] =
    "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
    "<title>Erreur interne</title></head><body><main><h1>Erreur interne"
    "</h1><p>Une erreur est survenue. Veuillez réessayer dans quelques "
    "instants.</p></main></body></html>\n";

/* "09 69 32 22 12" -> "+33969322212", for tel: links. */
static void
phone_uri(const char *phone, char *out, size_t outlen)
{
	size_t n = 0;

	if (phone[0] == '0' && outlen > 4) {
		memcpy(out, "+33", 3);
		n = 3;
		phone++;
	}
	for (; *phone != '\0' && n + 1 < outlen; phone++)
		if ((*phone >= '0' && *phone <= '9') || *phone == '+')
			out[n++] = *phone;
	out[n] = '\0';
}

/*
 * The layout's site block ({phone, phone_uri, demo}), made from the
 * settings and kept for the next page: made again only when the
 * settings it was made of differ (another site of the process, as in
 * the tests). Shared by the request threads under site_lock; each page
 * holds a reference (jansson counts them atomically) and only reads it.
 */
static pthread_mutex_t	 site_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t		*site_kept;
static char		*site_kept_phone;
static int		 site_kept_demo;

static json_t *
site_data(const struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	const char *phone = rb_config_str(cfg, RB_CFG_SERVICE_PHONE);
	int demo = (int)rb_config_int(cfg, RB_CFG_DEMO);
	char tel[40];
	json_t *site;

	pthread_mutex_lock(&site_lock);
	if (site_kept == NULL || site_kept_demo != demo ||
	    strcmp(site_kept_phone, phone) != 0) {
		phone_uri(phone, tel, sizeof(tel));
		json_decref(site_kept);
		free(site_kept_phone);
		site_kept = json_pack("{s:s, s:s, s:b}", "phone", phone,
		    "phone_uri", tel, "demo", demo);
		site_kept_phone = rb_xstrdup(phone);
		site_kept_demo = demo;
	}
	site = json_incref(site_kept);
	pthread_mutex_unlock(&site_lock);
	return site;
}

/* The signed-in visitor, for the layout's menu; null when anonymous. */
static json_t *
user_data(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);

	if (s == NULL)
		return json_null();
	return json_pack("{s:s, s:s}", "first_name", s->s_first_name,
	    "csrf", s->s_csrf);
}

/* The archive visitor (/archives), for the layout's menu; null when
 * none or when signed in. */
static json_t *
archive_data(struct rb_req *req)
{
	const struct rb_archive_visit *v;

	if (rb_req_session(req) != NULL || (v = rb_req_archive(req)) == NULL)
		return json_null();
	return json_pack("{s:s, s:s, s:s}", "number", v->av_number,
	    "old_number", v->av_old_number[0] != '\0' ? v->av_old_number :
	    v->av_number, "csrf", rb_req_csrf(req));
}

/* The signed-in agent, for the back-office layout; null elsewhere or
 * when none. supervisor is true for supervisors and admins. */
static json_t *
agent_data(struct rb_req *req)
{
	const struct rb_agent *a = rb_req_agent(req);

	if (a == NULL)
		return json_null();
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:b}",
	    "id", (json_int_t)a->ag_id, "email", a->ag_email, "name",
	    a->ag_name, "role", rb_agent_role_name(a->ag_role), "role_label",
	    rb_agent_role_label(a->ag_role), "csrf", a->ag_csrf, "supervisor",
	    a->ag_role >= RB_ROLE_SUPERVISOR, "admin",
	    a->ag_role >= RB_ROLE_ADMIN);
}

/* The pages of the menus (layout.mustache, agent_layout.mustache): the
 * item whose page is being shown carries aria-current="page". */
static const struct menu_item {
	const char	*mi_path;
	const char	*mi_key;
} menu_items[] = {
	{ "/", "home" },
	{ "/mon-espace", "space" },
	{ "/mes-factures", "bills" },
	{ "/ma-consommation", "consumption" },
	{ "/mes-demandes", "requests" },
	{ "/mon-index", "meter_index" },
	{ "/mes-coordonnees", "coords" },
	{ "/mon-compte", "account" },
	{ "/archives", "archive" },
	{ "/connexion", "signin" },
	{ "/creer-mon-espace", "signup" },
	{ "/contact", "contact" },
	{ "/agent", "agent_home" },
	{ "/agent/demandes", "agent_requests" },
	{ "/agent/clients", "agent_clients" },
	{ "/agent/journal", "agent_audit" },
	{ "/agent/rapports", "agent_reports" },
	{ "/agent/agents", "agent_agents" },
	{ "/agent/actualites", "agent_news" },
	{ "/agent/connexion", "agent_signin" },
};

#define NMENU	(sizeof(menu_items) / sizeof(menu_items[0]))

/* menus[i]: {key: true} for menu item i, false for the others;
 * menus[NMENU]: every key false. Made once, never changed: the request
 * threads share them (read only, jansson's counts are atomic). */
static json_t		*menus[NMENU + 1];
static pthread_once_t	 menus_once = PTHREAD_ONCE_INIT;

static void
menus_make(void)
{
	size_t k, i;

	for (k = 0; k <= NMENU; k++) {
		menus[k] = json_object();
		for (i = 0; i < NMENU; i++)
			json_object_set_new(menus[k], menu_items[i].mi_key,
			    json_boolean(i == k));
	}
}

/* The menu of the page shown (a new reference): its item true. */
static json_t *
menu_data(const struct rb_req *req)
{
	size_t i;

	pthread_once(&menus_once, menus_make);
	for (i = 0; req->req_path != NULL && i < NMENU; i++)
		if (strcmp(req->req_path, menu_items[i].mi_path) == 0)
			break;
	return json_incref(menus[req->req_path != NULL ? i : NMENU]);
}

/* The keys the layouts own: a page's data must not use them (a page's
 * "archive" flag once hid the archive list's filter). */
static const char *const layout_keys[] = { "agent", "site", "user",
    "archive", "path", "menu", "form_failed" };

/* 1 when the struct of desc (or NULL) has a field called name. */
static int
desc_has(const struct rb_tmpl_desc *desc, const char *name)
{
	size_t i;

	for (i = 0; desc != NULL && i < desc->td_nfields; i++)
		if (strcmp(desc->td_fields[i].tf_name, name) == 0)
			return 1;
	return 0;
}

static int
render_row(struct rb_req *req, const char *name, json_t *data,
    const struct rb_tmpl_desc *desc, const void *row, char *err,
    size_t errlen)
{
	size_t i;

	if (req->req_site->site_tmpl_flags & RB_TMPL_STRICT)
		for (i = 0; i < sizeof(layout_keys) / sizeof(layout_keys[0]);
		    i++)
			if (json_object_get(data, layout_keys[i]) != NULL ||
			    desc_has(desc, layout_keys[i])) {
				snprintf(err, errlen, "page data uses the "
				    "layout's key \"%s\"", layout_keys[i]);
				return -1;
			}
	json_object_set_new(data, "agent", agent_data(req));
	json_object_set_new(data, "site", site_data(req));
	json_object_set_new(data, "user", user_data(req));
	json_object_set_new(data, "archive", archive_data(req));
	json_object_set_new(data, "path", json_string(req->req_path));
	json_object_set_new(data, "menu", menu_data(req));
	/* A refused form: marked by rb_form_page(), or a page's own
	   summary (has_errors) or alert message. */
	if (json_is_true(json_object_get(data, "has_errors")) ||
	    json_is_string(json_object_get(data, "alert")))
		req->resp_failed = 1;
	json_object_set_new(data, "form_failed",
	    json_boolean(req->resp_failed));
	rb_buf_reset(&req->resp_body);
	return rb_tmpl_render_row(req->req_site->site_tmpl, name, data, desc,
	    row, req->req_site->site_tmpl_flags, &req->resp_body, err,
	    errlen);
}

static int
render(struct rb_req *req, const char *name, json_t *data, char *err,
    size_t errlen)
{
	return render_row(req, name, data, NULL, NULL, err, errlen);
}

/*
 * Under API_PREFIX every answer is JSON, errors included: the JSON API's
 * error codes and French messages by status, used when a handler or the
 * server gives none.
 */
#define API_PREFIX	"/api/"

static const struct api_error_text {
	int		 ae_status;
	const char	*ae_code;
	const char	*ae_message;
} api_error_texts[] = {
	{ 400, "bad_request", "La requête n'est pas valide." },
	{ 401, "unauthorized", "Jeton d'accès manquant, invalide ou révoqué." },
	{ 403, "forbidden", "Accès refusé." },
	{ 404, "not_found", "Ressource introuvable." },
	{ 405, "method_not_allowed", "Seule la lecture (GET) est permise "
	    "sur cette adresse." },
	{ 413, "payload_too_large", "La requête dépasse la taille "
	    "autorisée." },
	{ 429, "rate_limited", "Trop de requêtes : réessayez plus tard." },
	{ 500, "internal_error", "Une erreur interne est survenue. "
	    "Réessayez dans quelques instants." },
	{ 503, "unavailable", "Le service est momentanément indisponible." },
	{ 501, "not_implemented", "Le codage de transfert de la requête "
	    "n'est pas pris en charge." },
	{ 414, "uri_too_long", "L'adresse demandée est trop longue." },
	{ 431, "headers_too_large", "Les en-têtes de la requête sont trop "
	    "volumineux." },
	{ 505, "http_version_not_supported", "Seules les versions 1.0 et "
	    "1.1 du protocole HTTP sont prises en charge." },
};

void
rb_resp_json(struct rb_req *req, int status, json_t *data)
{
	char *text;

	text = data != NULL ? json_dumps(data, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(data);
	rb_buf_reset(&req->resp_body);
	if (text == NULL) {
		log_errx("cannot serialise a JSON answer");
		status = 500;
		rb_buf_puts(&req->resp_body, "{\"error\":{\"code\":"
		    "\"internal_error\",\"message\":\"Une erreur interne est "
		    "survenue.\"}}");
	} else {
		rb_buf_puts(&req->resp_body, text);
		rb_json_free(text);
	}
	rb_buf_puts(&req->resp_body, "\n");
	req->resp_status = status;
	req->resp_type = "application/json; charset=utf-8";
	rb_resp_header(req, "Cache-Control", "no-store");
}

void
rb_resp_json_error(struct rb_req *req, int status, const char *code,
    const char *message, const char *parameter)
{
	const struct api_error_text *et = &api_error_texts[7];	/* 500 */
	json_t *err;
	size_t i;

	for (i = 0; i < sizeof(api_error_texts) / sizeof(api_error_texts[0]);
	    i++)
		if (api_error_texts[i].ae_status == status)
			et = &api_error_texts[i];
	if (et->ae_status != status && (status < 400 || status > 599))
		status = 500;
	err = json_pack("{s:s, s:s}", "code", code != NULL ? code :
	    et->ae_code, "message", message != NULL ? message :
	    et->ae_message);
	if (parameter != NULL)
		json_object_set_new(err, "parameter", json_string(parameter));
	rb_resp_json(req, status, json_pack("{s:o}", "error", err));
}

/* The error page of status with title and message. */
static void
error_page(struct rb_req *req, int status, const char *title,
    const char *message)
{
	char err[256];
	json_t *data;

	req->resp_status = status;
	req->resp_type = "text/html; charset=utf-8";
	req->resp_failed = 0;
	rb_resp_header(req, "Cache-Control", "no-store");
	data = json_pack("{s:i, s:s, s:s}", "status", status,
	    "title", title, "message", message);
	if (render(req, rb_req_in_backoffice(req) ? "agent_error" : "error",
	    data, err, sizeof(err)) != 0) {
		log_errx("error page: %s", err);
		req->resp_status = 500;
		rb_buf_reset(&req->resp_body);
		rb_buf_puts(&req->resp_body, fallback_500);
	}
	json_decref(data);
}

static int
under_api(const struct rb_req *req)
{
	return req->req_path != NULL &&
	    strncmp(req->req_path, API_PREFIX, strlen(API_PREFIX)) == 0;
}

void
rb_resp_error(struct rb_req *req, int status)
{
	const struct error_text *et = NULL;
	size_t i;

	if (under_api(req)) {
		rb_resp_json_error(req, status, NULL, NULL, NULL);
		return;
	}
	for (i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (error_texts[i].et_status == status)
			et = &error_texts[i];
	if (et == NULL) {
		status = 500;
		et = &error_texts[5];
	}
	error_page(req, status, et->et_title, et->et_message);
}

/* 1 when the client asked for JSON rather than a page. */
static int
wants_json(const struct rb_req *req)
{
	const char *accept = rb_req_header(req, "Accept");

	if (under_api(req))
		return 1;
	return accept != NULL && strstr(accept, "application/json") != NULL &&
	    strstr(accept, "text/html") == NULL;
}

void
rb_resp_error_text(struct rb_req *req, int status, const char *code,
    const char *title, const char *message)
{
	if (wants_json(req))
		rb_resp_json_error(req, status, code, message, NULL);
	else if (title == NULL || message == NULL)
		rb_resp_error(req, status);
	else
		error_page(req, status, title, message);
}

void
rb_resp_bad_request(struct rb_req *req, const char *title,
    const char *message)
{
	rb_resp_error_text(req, 400, NULL, title, message);
}

void
rb_resp_page_row(struct rb_req *req, int status, const char *name,
    json_t *data, const struct rb_tmpl_desc *desc, const void *row)
{
	char err[256];

	if (render_row(req, name, data, desc, row, err, sizeof(err)) != 0) {
		log_errx("page %s: %s", name, err);
		json_decref(data);
		rb_resp_error(req, 500);
		return;
	}
	json_decref(data);
	req->resp_status = status;
	req->resp_type = "text/html; charset=utf-8";
}

int
rb_resp_fragment(struct rb_req *req, const char *name, json_t *data,
    rb_buf *out)
{
	return rb_resp_fragment_row(req, name, data, NULL, NULL, out);
}

int
rb_resp_fragment_row(struct rb_req *req, const char *name, json_t *data,
    const struct rb_tmpl_desc *desc, const void *row, rb_buf *out)
{
	char err[256];
	int rc;

	json_object_set_new(data, "site", site_data(req));
	rc = rb_tmpl_render_row(req->req_site->site_tmpl, name, data, desc,
	    row, req->req_site->site_tmpl_flags, out, err, sizeof(err));
	if (rc != 0)
		log_errx("page part %s: %s", name, err);
	json_decref(data);
	return rc;
}

void
rb_resp_page(struct rb_req *req, int status, const char *name, json_t *data)
{
	rb_resp_page_row(req, status, name, data, NULL, NULL);
}

void
rb_resp_text(struct rb_req *req, int status, const char *type,
    const char *text)
{
	req->resp_status = status;
	req->resp_type = type;
	rb_buf_reset(&req->resp_body);
	rb_buf_puts(&req->resp_body, text);
	rb_resp_header(req, "Cache-Control", "no-store");
}

void
rb_resp_redirect(struct rb_req *req, const char *path)
{
	req->resp_status = 303;
	req->resp_type = "text/plain; charset=utf-8";
	rb_resp_header(req, "Location", rb_arena_strdup(req->req_arena, path));
	rb_buf_reset(&req->resp_body);
}
