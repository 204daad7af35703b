/*
 * pages/selfservice.c: the subscriber's self-service pages (issue 10):
 *
 * GET/POST /mon-index, "Transmettre mon index": the meters of the
 * account's contracts with their last reading, and the form that sends
 * an index (multipart or url-encoded; fields compteur: the meter's id;
 * index: whole m³, digits and spaces only; confirmation=oui on the
 * second submit of a jump; photo: an optional JPEG or PNG of the meter,
 * one file). The
 * rules are app/readings.h; each refusal is a French sentence (400), a
 * jump re-shows the form with a confirmation box (200), a recorded
 * index redirects to /mon-index?fait=index-enregistre. A meter of
 * another account and an unknown one are the same 404.
 *
 * GET/POST /mes-coordonnees, "Mes coordonnées": the billing address and
 * phone numbers of the holder of a contract (query or field contrat;
 * default the account's first contract) with their history; the form
 * (ligne1, ligne2, code_postal, commune, mobile, fixe) re-shows with
 * per-field French errors (400), or redirects with a notice. See
 * app/coords.h.
 *
 * Both need a session; the route table checks it and the CSRF token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/coords.h"
#include "app/readings.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/money.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"
#include "web/site.h"

/* --- Transmettre mon index --- */

struct index_view {
	int		 iv_status;
	const char	*iv_alert;	/* refusal or jump, French */
	const char	*iv_notice;
	int64_t		 iv_meter;	/* selected meter, 0: first */
	const char	*iv_index;	/* typed */
	int		 iv_confirm;	/* show the confirmation box */
	const char	*iv_field_error; /* error of the index field */
};

static const char *
source_fr(const char *source)
{
	if (source == NULL)
		return "";
	if (strcmp(source, "customer") == 0)
		return "transmis par l'abonné";
	if (strcmp(source, "remote") == 0)
		return "relevé à distance";
	return "relevé par un agent";
}

static const char *
m3_text(struct rb_req *req, int64_t litres)
{
	char v[64];

	rb_volume_m3_fr(litres, v, sizeof(v));
	return rb_arena_printf(req->req_arena, "%s", v);
}

static const char *
date_text(struct rb_req *req, const char *iso)
{
	char d[RB_CLOCK_FR_MAX];

	rb_clock_fr_iso(iso, d, sizeof(d));
	return rb_arena_printf(req->req_arena, "%s", d);
}

static void
index_page(struct rb_req *req, const struct index_view *v)
{
	const struct rb_session *s = rb_req_session(req);
	struct rb_attach_cfg ac;
	json_t *meters, *m, *last, *choices, *data;
	size_t i;
	int64_t id;
	int selected = 0;

	if (rb_reading_meters(rb_req_db(req), s->s_account_id, &meters) !=
	    RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	choices = json_array();
	json_array_foreach(meters, i, m) {
		last = json_object_get(m, "last");
		if (json_is_object(last)) {
			json_object_set_new(last, "m3", json_string(m3_text(req,
			    json_integer_value(json_object_get(last,
			    "litres")))));
			json_object_set_new(last, "day_fr", json_string(
			    date_text(req, json_string_value(json_object_get(
			    last, "day")))));
			json_object_set_new(last, "source_fr", json_string(
			    source_fr(json_string_value(json_object_get(last,
			    "source")))));
		}
		if (json_is_true(json_object_get(m, "remote")))
			continue;
		id = json_integer_value(json_object_get(m, "id"));
		json_array_append_new(choices, json_pack("{s:I, s:s, s:s, s:b}",
		    "id", (json_int_t)id, "serial", json_string_value(
		    json_object_get(m, "serial")), "contract",
		    json_string_value(json_object_get(m, "contract")),
		    "selected", v->iv_meter == id || (v->iv_meter == 0 &&
		    !selected)));
		selected = 1;
	}
	data = json_pack("{s:b, s:o, s:o, s:b, s:s?, s:s?, s:s, s:b, s:s?}",
	    "has_meters", json_array_size(meters) > 0, "meters", meters, "choices", choices, "has_choices",
	    json_array_size(choices) > 0, "alert", v->iv_alert, "notice",
	    v->iv_notice, "index", v->iv_index != NULL ? v->iv_index : "",
	    "confirm", v->iv_confirm, "index_error", v->iv_field_error);
	/* The error summary of errors.mustache: the index's error. */
	json_object_set_new(data, "has_errors", json_boolean(
	    v->iv_field_error != NULL));
	json_object_set_new(data, "plural", json_false());
	json_object_set_new(data, "errors", v->iv_field_error != NULL ?
	    json_pack("[{s:s, s:s}]", "id", "index", "message",
	    v->iv_field_error) : json_array());
	json_object_set_new(data, "csrf", json_string(rb_req_csrf(req)));
	rb_attach_cfg_from_config(req->req_site->site_cfg, &ac);
	json_object_set_new(data, "max_photo_mb", json_integer((json_int_t)(
	    ac.ac_max_bytes / (1024 * 1024))));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, v->iv_status, "meter_index", data);
}

static void
index_post(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	struct rb_reading_req rq;
	struct rb_reading_result rs;
	struct rb_attach_cfg ac;
	struct index_view v;
	size_t i;
	const char *meter = rb_post(req, "compteur");
	const char *index = rb_post(req, "index");
	char *end;
	long long id;
	int64_t m3;

	memset(&v, 0, sizeof(v));
	v.iv_status = 400;
	v.iv_index = index;
	id = strtoll(meter, &end, 10);
	if (meter[0] < '1' || meter[0] > '9' || *end != '\0' ||
	    strlen(meter) > 18) {
		v.iv_alert = "Choisissez le compteur dont vous transmettez "
		    "l'index.";
		index_page(req, &v);
		return;
	}
	v.iv_meter = id;
	if (index[0] == '\0') {
		v.iv_field_error = "Indiquez l'index de votre compteur, en "
		    "mètres cubes.";
		index_page(req, &v);
		return;
	}
	if (strpbrk(index, ",.") != NULL) {
		v.iv_field_error = "Indiquez seulement les chiffres noirs, "
		    "sans virgule : les chiffres rouges (les litres) ne sont "
		    "pas demandés.";
		index_page(req, &v);
		return;
	}
	if ((m3 = rb_reading_parse_m3(index)) < 0) {
		v.iv_field_error = "L'index ne compte que des chiffres (8 au "
		    "plus), par exemple 1234.";
		index_page(req, &v);
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.rq_by = RB_READING_BY_SUBSCRIBER;
	rq.rq_actor = s->s_account_id;
	rq.rq_meter = id;
	rq.rq_m3 = m3;
	rq.rq_confirmed = strcmp(rb_post(req, "confirmation"), "oui") == 0;
	rq.rq_factor = (int)rb_config_int(req->req_site->site_cfg,
	    RB_CFG_INDEX_JUMP_FACTOR);
	rq.rq_ip = req->req_ip;
	rq.rq_now = time(NULL);
	rb_attach_cfg_from_config(req->req_site->site_cfg, &ac);
	rq.rq_attach = &ac;
	for (i = 0; i < req->req_files.nups; i++) {
		if (strcmp(req->req_files.ups[i].up_field, "photo") != 0)
			continue;
		if (rq.rq_photo != NULL) {
			v.iv_field_error = "Joignez une seule photo du "
			    "compteur.";
			index_page(req, &v);
			return;
		}
		rq.rq_photo = req->req_files.ups[i].up_data;
		rq.rq_photo_len = req->req_files.ups[i].up_len;
	}
	switch (rb_reading_submit(rb_req_db(req), &rq, &rs)) {
	case RB_OK:
		break;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	case RB_INVALID:
		v.iv_field_error = "Cet index n'est pas valable.";
		index_page(req, &v);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
	switch (rs.rs_verdict) {
	case RB_READING_RECORDED:
		rb_resp_redirect(req, "/mon-index?fait=index-enregistre");
		return;
	case RB_READING_BAD_PHOTO:
		v.iv_alert = rb_arena_printf(req->req_arena, "%s",
		    rs.rs_photo_msg);
		break;
	case RB_READING_REMOTE:
		v.iv_alert = "Ce compteur est relevé à distance chaque jour : "
		    "vous n'avez pas d'index à nous transmettre.";
		break;
	case RB_READING_TODAY:
		v.iv_alert = rb_arena_printf(req->req_arena, "Un index a déjà "
		    "été enregistré aujourd'hui pour le compteur %s (%s). Vous "
		    "pourrez en transmettre un nouveau demain ; pour corriger "
		    "celui-ci, contactez le service client.", rs.rs_serial,
		    m3_text(req, rs.rs_last_litres));
		break;
	case RB_READING_LOWER:
		v.iv_alert = rb_arena_printf(req->req_arena, "L'index saisi "
		    "(%lld m³) est inférieur au dernier index de ce compteur : "
		    "%s le %s. Vérifiez votre saisie (les chiffres noirs). Si "
		    "votre compteur a été remplacé, contactez le service "
		    "client : seul un conseiller peut enregistrer l'index "
		    "d'un nouveau compteur.", (long long)m3,
		    m3_text(req, rs.rs_last_litres),
		    date_text(req, rs.rs_last_day));
		break;
	case RB_READING_SAME:
		v.iv_alert = rb_arena_printf(req->req_arena, "L'index saisi "
		    "(%lld m³) est celui du dernier relevé de ce compteur (%s "
		    "le %s) : il n'y a rien de nouveau à transmettre.",
		    (long long)m3, m3_text(req, rs.rs_last_litres),
		    date_text(req, rs.rs_last_day));
		break;
	case RB_READING_JUMP:
		v.iv_status = 200;
		v.iv_confirm = 1;
		v.iv_alert = rb_arena_printf(req->req_arena, "L'index saisi "
		    "(%lld m³) représente %s consommés depuis le dernier "
		    "relevé (%s le %s), bien plus que votre consommation "
		    "habituelle (environ %lld litres par jour). Vérifiez "
		    "votre saisie. Si elle est juste, cochez la case de "
		    "confirmation et envoyez de nouveau : une consommation "
		    "aussi forte peut signaler une fuite.%s", (long long)m3,
		    m3_text(req, m3 * 1000 - rs.rs_last_litres),
		    m3_text(req, rs.rs_last_litres),
		    date_text(req, rs.rs_last_day), (long long)rs.rs_usual,
		    rq.rq_photo != NULL ? " Choisissez de nouveau la photo "
		    "du compteur : elle n'a pas été gardée." : "");
		break;
	default:
		rb_resp_error(req, 500);
		return;
	}
	index_page(req, &v);
}

void
rb_page_meter_index(struct rb_req *req)
{
	struct index_view v;
	const char *done, *meter;

	if (req->req_method == RB_POST) {
		index_post(req);
		return;
	}
	memset(&v, 0, sizeof(v));
	v.iv_status = 200;
	done = rb_form_get(&req->req_query, "fait");
	if (done != NULL && strcmp(done, "index-enregistre") == 0)
		v.iv_notice = "Votre index est enregistré. Merci !";
	meter = rb_form_get(&req->req_query, "compteur");
	if (meter != NULL)
		v.iv_meter = strtoll(meter, NULL, 10);
	index_page(req, &v);
}

/* --- Mes coordonnées --- */

static const struct rb_field_def co_fields[RB_CO__MAX] = {
	[RB_CO_LINE1] = { "ligne1", "Numéro et rue", "text",
	    "address-line1", "38 caractères au plus.", NULL },
	[RB_CO_LINE2] = { "ligne2", "Complément d'adresse (facultatif)",
	    "text", "address-line2", "Bâtiment, étage, lieu-dit…", NULL },
	[RB_CO_POSTCODE] = { "code_postal", "Code postal", "text",
	    "postal-code", "5 chiffres.", "numeric" },
	[RB_CO_CITY] = { "commune", "Commune", "text", "address-level2",
	    NULL, NULL },
	[RB_CO_MOBILE] = { "mobile", "Téléphone mobile (facultatif)", "tel",
	    "tel", "Par exemple 06 12 34 56 78.", "tel" },
	[RB_CO_LANDLINE] = { "fixe", "Autre téléphone (fixe, facultatif)",
	    "tel", "tel", "Par exemple 03 20 12 34 56.", "tel" },
};

/* "3 déc. 2024 à 14 h 05" in Paris time. */
static const char *
when_text(struct rb_req *req, time_t t)
{
	struct rb_localtime lt;
	char d[RB_CLOCK_FR_MAX];

	rb_clock_paris(t, &lt);
	rb_clock_fr_date_short(&lt.lt_date, d, sizeof(d));
	return rb_arena_printf(req->req_arena, "%s à %d h %02d", d,
	    lt.lt_hour, lt.lt_min);
}

static void
coords_page(struct rb_req *req, int status, const char *number,
    const struct rb_co_input *typed, const struct rb_co_errors *errs,
    const char *notice)
{
	const struct rb_session *s = rb_req_session(req);
	json_t *data, *fields, *addr, *h, *fp, *f;
	const char *cur[RB_CO__MAX], *v;
	rb_buf same = RB_BUF_INIT;
	size_t i;
	int k;

	switch (rb_co_view(rb_req_db(req), s->s_account_id, number, &data)) {
	case RB_OK:
		break;
	case RB_NOT_FOUND:
		if (number == NULL || number[0] == '\0') {
			/* No contract in the space: nothing to change. */
			rb_resp_header(req, "Cache-Control", "no-store");
			rb_resp_page(req, 200, "coords", json_pack("{s:b}",
			    "no_contract", 1));
			return;
		}
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
	addr = json_object_get(data, "address");
	cur[RB_CO_LINE1] = json_string_value(json_object_get(addr, "line1"));
	cur[RB_CO_LINE2] = json_string_value(json_object_get(addr, "line2"));
	cur[RB_CO_POSTCODE] = json_string_value(json_object_get(addr,
	    "postcode"));
	cur[RB_CO_CITY] = json_string_value(json_object_get(addr, "city"));
	cur[RB_CO_MOBILE] = json_string_value(json_object_get(data,
	    "mobile_fr"));
	cur[RB_CO_LANDLINE] = json_string_value(json_object_get(data,
	    "landline_fr"));
	fields = json_array();
	for (k = 0; k < RB_CO__MAX; k++) {
		v = typed != NULL ? typed->ci[k] : cur[k];
		f = rb_field(&co_fields[k], v != NULL && v[0] != '\0' ? v :
		    NULL, errs != NULL ? errs->ce[k] : NULL);
		if (k == RB_CO_LINE2 || k >= RB_CO_MOBILE)
			json_object_set_new(f, "required", json_false());
		json_array_append_new(fields, f);
	}
	fp = rb_form_page(req, json_incref(fields), NULL, notice);
	json_object_update(data, fp);
	json_decref(fp);
	/* The same field objects, in their two fieldsets. */
	addr = json_array();
	h = json_array();
	for (k = 0; k < RB_CO__MAX; k++)
		json_array_append(k < RB_CO_MOBILE ? addr : h,
		    json_array_get(fields, (size_t)k));
	json_decref(fields);
	json_object_set_new(data, "address_fields", addr);
	json_object_set_new(data, "phone_fields", h);
	json_object_set_new(data, "no_contract", json_false());
	json_array_foreach(json_object_get(data, "history"), i, h) {
		json_object_set_new(h, "when", json_string(when_text(req,
		    (time_t)json_integer_value(json_object_get(h, "at")))));
		rb_co_history_fr(h);
		v = json_string_value(json_object_get(h, "actor_kind"));
		json_object_set_new(h, "by_fr", json_string(v != NULL &&
		    strcmp(v, "agent") == 0 ? "un conseiller du service client" :
		    "vous"));
	}
	json_object_set_new(data, "has_history", json_boolean(json_array_size(
	    json_object_get(data, "history")) > 0));
	json_object_set_new(data, "several", json_boolean(json_array_size(
	    json_object_get(data, "contracts")) > 1));
	json_object_set_new(data, "shared", json_boolean(json_array_size(
	    json_object_get(data, "same_holder")) > 1));
	json_array_foreach(json_object_get(data, "same_holder"), i, h)
		rb_buf_printf(&same, "%s%s", i > 0 ? ", " : "",
		    json_string_value(h));
	json_object_set_new(data, "same_holder_text", json_string(
	    rb_buf_cstr(&same)));
	rb_buf_free(&same);
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "coords", data);
}

static const char *const co_names[RB_CO__MAX] = {
	[RB_CO_LINE1] = "ligne1",
	[RB_CO_LINE2] = "ligne2",
	[RB_CO_POSTCODE] = "code_postal",
	[RB_CO_CITY] = "commune",
	[RB_CO_MOBILE] = "mobile",
	[RB_CO_LANDLINE] = "fixe",
};

void
rb_page_coords(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	struct rb_co_input in;
	struct rb_co_errors errs;
	const char *number;
	char path[64];
	int k, changed;

	if (req->req_method != RB_POST) {
		number = rb_form_get(&req->req_query, "contrat");
		coords_page(req, 200, number, NULL, NULL,
		    rb_form_get(&req->req_query, "fait") != NULL ?
		    "Vos coordonnées sont enregistrées." : NULL);
		return;
	}
	number = rb_post(req, "contrat");
	if (strlen(number) != 10 || strspn(number, "0123456789") != 10) {
		rb_resp_bad_request(req, "Numéro de contrat non valide",
		    "Le numéro de contrat doit compter 10 chiffres.");
		return;
	}
	for (k = 0; k < RB_CO__MAX; k++)
		in.ci[k] = rb_post(req, co_names[k]);
	switch (rb_co_update(rb_req_db(req), RB_CO_BY_SUBSCRIBER,
	    s->s_account_id, number, &in, req->req_ip, time(NULL), &errs,
	    &changed)) {
	case RB_OK:
		snprintf(path, sizeof(path), "/mes-coordonnees?contrat=%s%s",
		    number, changed > 0 ? "&fait=1" : "");
		rb_resp_redirect(req, path);
		return;
	case RB_INVALID:
		coords_page(req, 400, number, &in, &errs, NULL);
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}
