/*
 * render.c: turning a handler's answer into a response body: pages from
 * templates inside the site layout, French error pages, plain text and
 * redirects (see http.h).
 */
#include <stdio.h>
#include <string.h>

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
	{ 400, "Demande invalide", "La demande envoyée n'est pas valide. "
	    "Vérifiez l'adresse de la page ou les informations saisies." },
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

static json_t *
site_data(const struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	const char *phone = rb_config_str(cfg, RB_CFG_SERVICE_PHONE);
	char tel[40];

	phone_uri(phone, tel, sizeof(tel));
	return json_pack("{s:s, s:s, s:b}", "phone", phone, "phone_uri", tel,
	    "demo", (int)rb_config_int(cfg, RB_CFG_DEMO));
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

static int
render(struct rb_req *req, const char *name, json_t *data, char *err,
    size_t errlen)
{
	json_object_set_new(data, "site", site_data(req));
	json_object_set_new(data, "user", user_data(req));
	json_object_set_new(data, "path", json_string(req->req_path));
	rb_buf_reset(&req->resp_body);
	return rb_tmpl_render(req->req_site->site_tmpl, name, data,
	    req->req_site->site_tmpl_flags, &req->resp_body, err, errlen);
}

void
rb_resp_error(struct rb_req *req, int status)
{
	const struct error_text *et = NULL;
	char err[256];
	json_t *data;
	size_t i;

	for (i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (error_texts[i].et_status == status)
			et = &error_texts[i];
	if (et == NULL) {
		status = 500;
		et = &error_texts[5];
	}
	req->resp_status = status;
	req->resp_type = "text/html; charset=utf-8";
	rb_resp_header(req, "Cache-Control", "no-store");
	data = json_pack("{s:i, s:s, s:s}", "status", status,
	    "title", et->et_title, "message", et->et_message);
	if (render(req, "error", data, err, sizeof(err)) != 0) {
		log_errx("error page: %s", err);
		req->resp_status = 500;
		rb_buf_reset(&req->resp_body);
		rb_buf_puts(&req->resp_body, fallback_500);
	}
	json_decref(data);
}

void
rb_resp_page(struct rb_req *req, int status, const char *name, json_t *data)
{
	char err[256];

	if (render(req, name, data, err, sizeof(err)) != 0) {
		log_errx("page %s: %s", name, err);
		json_decref(data);
		rb_resp_error(req, 500);
		return;
	}
	json_decref(data);
	req->resp_status = status;
	req->resp_type = "text/html; charset=utf-8";
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
