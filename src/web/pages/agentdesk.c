/*
 * pages/agentdesk.c: the back office on a customer: the search
 * (/agent/clients?q=…, a GET form that works without JavaScript) and
 * the customer file (/agent/clients/ID), every opening of which is
 * audited (app/agentdesk.h), with the actions an agent takes for the
 * customer (POST /agent/clients/ID/ACTION, each confirmed, audited and
 * mailed to the subscriber where it changes something for them), and
 * the photos sent with readings (GET /agent/clients/ID/photos/TOKEN,
 * agents only, each download audited).
 * Everything people or imports wrote (names, addresses, reasons) goes
 * out through the templates' escaping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/agent.h"
#include "app/agentdesk.h"
#include "app/attachments.h"
#include "app/coords.h"
#include "app/readings.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/mem.h"
#include "base/money.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"
#include "web/site.h"

#define CLIENTS		"/agent/clients"
#define CLIENTS_SLASH	"/agent/clients/"
/* Characters of a reason carried in the links of the hits. */
#define REASON_MAX	RB_AGENT_REASON_MAX

/* The kinds the search form offers ("" tells from the shape). */
static const struct {
	const char	*ko_value;
	const char	*ko_label;
} kind_options[] = {
	{ "", "Deviner d'après la saisie" },
	{ "nom", "Nom" },
	{ "email", "Adresse e-mail" },
	{ "contrat", "Numéro de contrat" },
	{ "ancien", "Ancien numéro de contrat" },
	{ "compteur", "Numéro de compteur" },
	{ "facture", "Numéro de facture" },
	{ "iban", "4 derniers caractères de l'IBAN" },
	{ "cp", "Code postal (adresse desservie)" },
};

/* French words for the values of the file's status columns. */
static const struct {
	const char	*wd_value;
	const char	*wd_fr;
} words[] = {
	{ "to_pay", "à payer" }, { "paid", "payée" },
	{ "direct_debit", "prélevée" }, { "overdue", "en retard" },
	{ "cancelled", "annulée" },
	{ "card", "carte" }, { "sepa_debit", "prélèvement" },
	{ "transfer", "virement" }, { "cheque", "chèque" },
	{ "cash", "espèces" },
	{ "pending", "en attente" }, { "succeeded", "reçu" },
	{ "failed", "échoué" }, { "refunded", "remboursé" },
	{ "active", "actif" }, { "revoked", "révoqué" },
	{ "disabled", "désactivé" },
	{ "actual", "relevé" }, { "estimated", "estimé" },
	{ "customer", "abonné" }, { "remote", "télérelève" },
	{ "import", "import" }, { "subscriber", "abonné" },
	{ "agent", "service client" },
	{ "new", "nouvelle" }, { "in_progress", "en cours" },
	{ "answered", "répondue" }, { "closed", "close" },
};

static const char *
word(const char *v)
{
	size_t i;

	if (v == NULL)
		return "";
	for (i = 0; i < RB_NELEM(words); i++)
		if (strcmp(words[i].wd_value, v) == 0)
			return words[i].wd_fr;
	return v;
}

/* Sets key_fr of o to the French word for the value of key. */
static void
set_word(json_t *o, const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), "%s_fr", key);
	json_object_set_new(o, k, json_string(word(json_string_value(
	    json_object_get(o, key)))));
}

/* Sets key_fr of o to the French date of the ISO date at key. */
static void
set_date(json_t *o, const char *key)
{
	char k[64], fr[RB_CLOCK_FR_MAX];

	snprintf(k, sizeof(k), "%s_fr", key);
	if (rb_clock_fr_iso(json_string_value(json_object_get(o, key)), fr,
	    sizeof(fr)) != 0)
		fr[0] = '\0';
	json_object_set_new(o, k, json_string(fr));
}

/* Sets key_fr of o to the French form of the instant at key. */
static void
set_instant(json_t *o, const char *key)
{
	char k[64], fr[RB_CLOCK_FR_MAX + 16] = "";
	json_t *v = json_object_get(o, key);

	snprintf(k, sizeof(k), "%s_fr", key);
	if (json_is_integer(v))
		rb_clock_fr_instant((time_t)json_integer_value(v), fr,
		    sizeof(fr));
	json_object_set_new(o, k, json_string(fr));
}

static void
set_money(json_t *o, const char *key)
{
	char k[64], fr[64];

	snprintf(k, sizeof(k), "%s_fr", key);
	rb_money_fr(json_integer_value(json_object_get(o, key)), fr,
	    sizeof(fr));
	json_object_set_new(o, k, json_string(fr));
}

/* Turns the 0/1 flags of o at the keys given into JSON booleans (a
 * template's section is shown for any number, 0 included). */
static void
set_bools(json_t *o, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, keys[i], json_boolean(
		    json_integer_value(json_object_get(o, keys[i])) != 0));
}

/* The search form's kinds, the chosen one selected. */
static json_t *
kinds_json(const char *chosen)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < RB_NELEM(kind_options); i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}",
		    "value", kind_options[i].ko_value,
		    "label", kind_options[i].ko_label,
		    "selected", chosen != NULL &&
		    strcmp(chosen, kind_options[i].ko_value) == 0));
	return a;
}

/* Writes into out "?motif=" and reason percent-encoded (UTF-8 bytes
 * and everything but unreserved characters), or "" when reason is
 * empty; a reason too long for out is cut at a character. */
static void
motif_qs(const char *reason, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n;

	out[0] = '\0';
	if (reason == NULL || reason[0] == '\0' || size < 16)
		return;
	n = (size_t)snprintf(out, size, "?motif=");
	for (p = (const unsigned char *)reason; *p != '\0'; p++) {
		if (n + 4 > size)
			break;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			out[n++] = (char)*p;
		else {
			/* Never half a UTF-8 character at the end. */
			if (*p >= 0xc0 && n + 4 * 3 + 1 > size)
				break;
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
}

/* The kinds searched, joined by ", ", into out. */
static const char *
kinds_text(const json_t *kinds, char *out, size_t size)
{
	const json_t *k;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach(kinds, i, k)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s",
		    i > 0 ? ", " : "", json_string_value(k));
	return out;
}

void
rb_page_agent_clients(struct rb_req *req)
{
	const char *q = rb_form_get(&req->req_query, "q");
	const char *kind = rb_form_get(&req->req_query, "type");
	const char *reason = rb_form_get(&req->req_query, "motif");
	const char *msg = NULL;
	char qs[REASON_MAX * 12 + 16], kt[512];
	json_t *data, *result = NULL, *h;
	enum rb_rc rc = RB_OK;
	size_t i;

	rb_resp_header(req, "Cache-Control", "no-store");
	if (q != NULL) {
		rc = rb_agent_search(rb_req_db(req), q, kind, &result, &msg);
		if (rc == RB_ERROR) {
			rb_resp_error(req, 500);
			return;
		}
	}
	data = json_pack("{s:s, s:s, s:o, s:b, s:n, s:n}", "q",
	    q != NULL ? q : "", "motif", reason != NULL ? reason : "",
	    "kinds", kinds_json(kind != NULL ? kind : ""),
	    "searched", q != NULL, "alert", "result");
	if (rc == RB_INVALID)
		json_object_set_new(data, "alert", json_string(msg));
	if (result != NULL) {
		motif_qs(reason, qs, sizeof(qs));
		json_array_foreach(json_object_get(result, "hits"), i, h) {
			set_date(h, "end_date");
			json_object_set_new(h, "motif_qs", json_string(qs));
		}
		json_object_set_new(result, "kinds_text", json_string(
		    kinds_text(json_object_get(result, "kinds"), kt,
		    sizeof(kt))));
		json_object_set_new(data, "result", result);
	}
	rb_resp_page(req, rc == RB_INVALID ? 400 : 200, "agent_clients", data);
}

/* Decorates the customer file for the page: French dates, amounts and
 * words, and each contract's meters, bills and mandates under it. */
static void
file_for_page(json_t *file)
{
	json_t *c, *x, *a, *e, *list;
	const char *number;
	size_t i, j, k;
	static const char *const per_contract[] = { "meters", "bills",
	    "mandates" };
	static const char *const contract_flags[] = { "direct_debit",
	    "paperless", "can_create_account", "has_bill" };
	static const char *const meter_flags[] = { "remote_read" };
	static const char *const bill_flags[] = { "archived" };

	json_array_foreach(json_object_get(file, "contracts"), i, c) {
		set_date(c, "start_date");
		set_date(c, "end_date");
		set_word(c, "paperless_by");
		set_bools(c, contract_flags, RB_NELEM(contract_flags));
		number = json_string_value(json_object_get(c, "number"));
		for (k = 0; k < RB_NELEM(per_contract); k++) {
			list = json_array();
			json_array_foreach(json_object_get(file,
			    per_contract[k]), j, x)
				if (number != NULL && strcmp(number,
				    json_string_value(json_object_get(x,
				    "contract_number")) ?: "") == 0)
					json_array_append(list, x);
			json_object_set_new(c, per_contract[k], list);
		}
		json_object_set_new(c, "has_meters", json_boolean(
		    json_array_size(json_object_get(c, "meters")) > 0));
	}
	json_array_foreach(json_object_get(file, "photos"), i, x) {
		char m3[64];

		set_date(x, "read_on");
		set_word(x, "source");
		rb_volume_m3_fr(json_integer_value(json_object_get(x,
		    "index_litres")), m3, sizeof(m3));
		json_object_set_new(x, "index_fr", json_string(m3));
		json_object_set_new(x, "kind_fr", json_string(
		    rb_attach_kind_text(json_string_value(json_object_get(x,
		    "content_type")))));
		json_object_set_new(x, "kb", json_integer((json_int_t)
		    ((json_integer_value(json_object_get(x, "size")) + 1023) /
		    1024)));
	}
	json_array_foreach(json_object_get(file, "meters"), i, x) {
		list = json_array();
		json_array_foreach(json_object_get(file, "photos"), j, e)
			if (strcmp(json_string_value(json_object_get(e,
			    "serial")) ?: "", json_string_value(json_object_get(
			    x, "serial")) ?: "") == 0)
				json_array_append(list, e);
		json_object_set_new(x, "has_photos", json_boolean(
		    json_array_size(list) > 0));
		json_object_set_new(x, "photos", list);
		set_bools(x, meter_flags, RB_NELEM(meter_flags));
		set_date(x, "installed_on");
		set_date(x, "last_read_on");
		set_word(x, "last_source");
		if (json_is_integer(json_object_get(x, "last_index_litres"))) {
			char m3[64];

			rb_volume_m3_fr(json_integer_value(json_object_get(x,
			    "last_index_litres")), m3, sizeof(m3));
			json_object_set_new(x, "last_index_fr",
			    json_string(m3));
		}
	}
	json_array_foreach(json_object_get(file, "bills"), i, x) {
		set_bools(x, bill_flags, RB_NELEM(bill_flags));
		set_date(x, "issued_on");
		set_date(x, "due_on");
		set_money(x, "total_cents");
		set_money(x, "paid_cents");
		set_word(x, "status");
	}
	json_array_foreach(json_object_get(file, "payments"), i, x) {
		set_instant(x, "created_at");
		set_money(x, "amount_cents");
		set_word(x, "method");
		set_word(x, "status");
	}
	json_array_foreach(json_object_get(file, "mandates"), i, x) {
		set_date(x, "signed_on");
		set_date(x, "revoked_on");
		set_word(x, "status");
	}
	json_array_foreach(json_object_get(file, "accounts"), i, a) {
		set_instant(a, "created_at");
		set_instant(a, "activated_at");
		set_word(a, "status");
		json_object_set_new(a, "pending", json_boolean(strcmp(
		    json_string_value(json_object_get(a, "status")) ?: "",
		    "pending") == 0));
		json_array_foreach(json_object_get(a, "signins"), j, e)
			set_instant(e, "at");
		json_array_foreach(json_object_get(a, "events"), j, e)
			set_instant(e, "at");
	}
	json_array_foreach(json_object_get(file, "requests"), i, x) {
		set_instant(x, "created_at");
		set_word(x, "status");
	}
	json_array_foreach(json_object_get(file, "contact_history"), i, x) {
		set_instant(x, "at");
		set_word(x, "actor_kind");
		rb_co_history_fr(x);
	}
	json_object_set_new(file, "has_history", json_boolean(json_array_size(
	    json_object_get(file, "contact_history")) > 0));
	x = json_array_get(json_object_get(file, "customer"), 0);
	if (x != NULL) {
		char fr[32];

		rb_co_phone_fr(json_string_value(json_object_get(x,
		    "mobile")) ?: "", fr, sizeof(fr));
		json_object_set_new(x, "mobile_fr", json_string(fr));
		rb_co_phone_fr(json_string_value(json_object_get(x,
		    "phone")) ?: "", fr, sizeof(fr));
		json_object_set_new(x, "phone_fr", json_string(fr));
	}
	json_object_set(file, "holder", x);
	json_object_set(file, "holder_id", json_object_get(x, "id"));
}

/* The customer id at the start of rest ("12", "12/action"): > 0, or 0
 * when rest does not start with a plain decimal id. *tail gets what
 * follows the id. */
static int64_t
parse_id(const char *rest, const char **tail)
{
	int64_t id = 0;
	const char *p = rest;

	while (*p >= '0' && *p <= '9' && p - rest < 15)
		id = id * 10 + (*p++ - '0');
	if (p == rest || *rest == '0' || (*p != '\0' && *p != '/'))
		return 0;
	*tail = p;
	return id;
}

/* Shows the file of customer id, auditing the view; notice and alert
 * (may be NULL) report an action just taken. */
/* The address form's fields (names as on "Mes coordonnées"). */
static const struct rb_field_def addr_fields[RB_CO__MAX] = {
	[RB_CO_LINE1] = { "ligne1", "Numéro et rue", "text", "off",
	    "38 caractères au plus.", NULL },
	[RB_CO_LINE2] = { "ligne2", "Complément d'adresse (facultatif)",
	    "text", "off", NULL, NULL },
	[RB_CO_POSTCODE] = { "code_postal", "Code postal", "text", "off",
	    "5 chiffres.", "numeric" },
	[RB_CO_CITY] = { "commune", "Commune", "text", "off", NULL, NULL },
	[RB_CO_MOBILE] = { "mobile", "Téléphone mobile (facultatif)", "tel",
	    "off", "06 ou 07.", "tel" },
	[RB_CO_LANDLINE] = { "fixe", "Autre téléphone (facultatif)", "tel",
	    "off", "01 à 05 ou 09.", "tel" },
};

/* What an action hands back to the file's page besides a message. */
struct file_extra {
	const struct rb_co_input	*fx_typed;	/* address typed */
	const struct rb_co_errors	*fx_errs;
	json_t				*fx_ask;	/* reading to confirm */
};

/* The address form's fields: typed values and errors, or the holder's. */
static json_t *
address_fields(json_t *file, const struct file_extra *fx)
{
	json_t *h = json_object_get(file, "holder"), *arr, *f;
	const char *cur[RB_CO__MAX], *v;
	int k;

	cur[RB_CO_LINE1] = json_string_value(json_object_get(h,
	    "address_line1"));
	cur[RB_CO_LINE2] = json_string_value(json_object_get(h,
	    "address_line2"));
	cur[RB_CO_POSTCODE] = json_string_value(json_object_get(h,
	    "postcode"));
	cur[RB_CO_CITY] = json_string_value(json_object_get(h, "commune"));
	cur[RB_CO_MOBILE] = json_string_value(json_object_get(h, "mobile_fr"));
	cur[RB_CO_LANDLINE] = json_string_value(json_object_get(h,
	    "phone_fr"));
	arr = json_array();
	for (k = 0; k < RB_CO__MAX; k++) {
		v = fx != NULL && fx->fx_typed != NULL ? fx->fx_typed->ci[k] :
		    cur[k];
		f = rb_field(&addr_fields[k], v != NULL && v[0] != '\0' ? v :
		    NULL, fx != NULL && fx->fx_errs != NULL ?
		    fx->fx_errs->ce[k] : NULL);
		json_object_set_new(f, "required", json_boolean(
		    k == RB_CO_LINE1 || k == RB_CO_POSTCODE ||
		    k == RB_CO_CITY));
		json_array_append_new(arr, f);
	}
	return arr;
}

static void
show_file_x(struct rb_req *req, int64_t id, const char *notice,
    const char *alert, int status, const struct file_extra *fx);

static void
show_file(struct rb_req *req, int64_t id, const char *notice,
    const char *alert, int status)
{
	show_file_x(req, id, notice, alert, status, NULL);
}

static void
show_file_x(struct rb_req *req, int64_t id, const char *notice,
    const char *alert, int status, const struct file_extra *fx)
{
	const struct rb_agent *a = rb_req_agent(req);
	const char *reason = rb_form_get(&req->req_query, "motif");
	json_t *file;
	enum rb_rc rc;

	rc = rb_agent_customer(rb_req_db(req), id, a->ag_id, reason,
	    req->req_ip, time(NULL), &file);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	file_for_page(file);
	json_object_set_new(file, "address_fields", address_fields(file, fx));
	json_object_set_new(file, "reading_ask", fx != NULL &&
	    fx->fx_ask != NULL ? json_incref(fx->fx_ask) : json_null());
	json_object_set_new(file, "csrf", json_string(rb_req_csrf(req)));
	json_object_set_new(file, "notice", notice != NULL ?
	    json_string(notice) : json_null());
	json_object_set_new(file, "alert", alert != NULL ?
	    json_string(alert) : json_null());
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "agent_client", file);
}

/* The actions, by the last segment of their path. */
enum action { ACT_MANDATE, ACT_PAPERLESS, ACT_LETTER, ACT_RESEND,
	ACT_UNBLOCK, ACT_CONTACT, ACT_READING, ACT_ADDRESS, ACT_BRAILLE,
	ACT__MAX };

static const char *const action_paths[ACT__MAX] = {
	[ACT_MANDATE] = "/prelevement",
	[ACT_PAPERLESS] = "/facture-electronique",
	[ACT_LETTER] = "/courrier",
	[ACT_RESEND] = "/activation",
	[ACT_UNBLOCK] = "/debloquer",
	[ACT_CONTACT] = "/coordonnees",
	[ACT_READING] = "/releve",
	[ACT_ADDRESS] = "/adresse",
	[ACT_BRAILLE] = "/braille",
};

/* POST /agent/clients/ID/releve (compteur, index, changement=1,
 * saut=oui once a jump is confirmed). */
static void
act_reading(struct rb_req *req, const struct rb_auth_req *ar,
    const struct rb_agent *a, int64_t id)
{
	const char *meter = rb_post(req, "compteur"), *tail = NULL;
	const char *index = rb_post(req, "index"), *notice = NULL;
	int change = strcmp(rb_post(req, "changement"), "1") == 0;
	char msg[768];
	struct file_extra fx;
	int64_t mid = parse_id(meter, &tail), m3;
	enum rb_rc rc;
	int ask = 0;

	if (mid <= 0 || *tail != '\0') {
		show_file(req, id, NULL, "Choisissez le compteur.", 400);
		return;
	}
	if (strpbrk(index, ",.") != NULL) {
		show_file(req, id, NULL, "L'index se donne en mètres cubes "
		    "entiers : les chiffres noirs, sans virgule.", 400);
		return;
	}
	if ((m3 = rb_reading_parse_m3(index)) < 0) {
		show_file(req, id, NULL, "L'index ne compte que des chiffres "
		    "(8 au plus), par exemple 1234.", 400);
		return;
	}
	rc = rb_agent_reading(ar, a->ag_id, id, mid, m3,
	    strcmp(rb_post(req, "saut"), "oui") == 0, change,
	    (int)rb_config_int(req->req_site->site_cfg,
	    RB_CFG_INDEX_JUMP_FACTOR), &ask, msg, sizeof(msg), &notice);
	switch (rc) {
	case RB_OK:
		if (!ask) {
			show_file(req, id, notice, NULL, 200);
			return;
		}
		memset(&fx, 0, sizeof(fx));
		fx.fx_ask = json_pack("{s:I, s:I, s:b}", "meter",
		    (json_int_t)mid, "index", (json_int_t)m3, "change", change);
		show_file_x(req, id, NULL, msg, 200, &fx);
		json_decref(fx.fx_ask);
		return;
	case RB_INVALID:
		show_file(req, id, NULL, msg, 400);
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}

/* POST /agent/clients/ID/adresse (ligne1, ligne2, code_postal, commune,
 * mobile, fixe). */
static void
act_address(struct rb_req *req, const struct rb_auth_req *ar,
    const struct rb_agent *a, int64_t id)
{
	struct rb_co_input in;
	struct rb_co_errors errs;
	struct file_extra fx;
	const char *notice = NULL, *msg = NULL;
	enum rb_rc rc;
	int k;

	for (k = 0; k < RB_CO__MAX; k++)
		in.ci[k] = rb_post(req, addr_fields[k].fd_id);
	rc = rb_agent_address(ar, a->ag_id, id, &in, &errs, &notice, &msg);
	switch (rc) {
	case RB_OK:
		show_file(req, id, notice, NULL, 200);
		return;
	case RB_INVALID:
		memset(&fx, 0, sizeof(fx));
		fx.fx_typed = &in;
		fx.fx_errs = &errs;
		show_file_x(req, id, NULL, msg != NULL ? msg : "L'adresse ou "
		    "un téléphone n'est pas valable : voyez le formulaire "
		    "« Corriger l'adresse et les téléphones ».", 400, &fx);
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}

/* GET /agent/clients/ID/photos/TOKEN: a reading's photo, as a download
 * of its sniffed type; each download is audited. */
static void
serve_photo(struct rb_req *req, int64_t id, const char *token)
{
	const struct rb_agent *a = rb_req_agent(req);
	struct rb_attach_cfg ac;
	struct rb_attachment att;
	uint64_t size;
	int fd, k;

	k = rb_agent_photo(rb_req_db(req), a->ag_id, id, token, req->req_ip,
	    time(NULL), &att);
	if (k != 0) {
		rb_resp_error(req, k == 1 ? 404 : 500);
		return;
	}
	rb_attach_cfg_from_config(req->req_site->site_cfg, &ac);
	if (rb_attach_open(&ac, &att, &fd, &size) != 0) {
		rb_resp_error(req, 404);
		return;
	}
	req->resp_status = 200;
	req->resp_type = rb_arena_strdup(req->req_arena, att.at_type);
	req->resp_fd = fd;
	req->resp_fd_size = size;
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"releve-%lld-%lld.%s\"",
	    (long long)att.at_ref_id, (long long)att.at_id, rb_filetype_ext(
	    rb_filetype_from_mime(att.at_type))));
	rb_resp_header(req, "X-Content-Type-Options", "nosniff");
	rb_resp_header(req, "Cache-Control", "private, no-store");
	rb_resp_header(req, "Content-Security-Policy",
	    "default-src 'none'; frame-ancestors 'none'; sandbox");
}

/* The account id of the form, or 0. */
static int64_t
form_account(struct rb_req *req)
{
	const char *v = rb_post(req, "compte"), *tail = NULL;
	int64_t id;

	if (v == NULL || (id = parse_id(v, &tail)) <= 0 || *tail != '\0')
		return 0;
	return id;
}

/* POST /agent/clients/ID/ACTION: one action, confirmed by its box. */
static void
act(struct rb_req *req, int64_t id, const char *tail)
{
	const struct rb_agent *a = rb_req_agent(req);
	const char *notice = NULL, *msg = NULL, *etat;
	const char *number = rb_post(req, "contrat");
	unsigned char key[32];
	struct rb_auth_req ar;
	enum rb_rc rc;
	int k;

	for (k = 0; k < ACT__MAX; k++)
		if (strcmp(tail, action_paths[k]) == 0)
			break;
	if (k == ACT__MAX) {
		rb_resp_error(req, 404);
		return;
	}
	if (strcmp(rb_post(req, "confirmer") ?: "", "1") != 0) {
		show_file(req, id, NULL, "Cochez la case de confirmation "
		    "pour que l'action soit faite.", 400);
		return;
	}
	rb_req_auth(req, &ar);
	switch ((enum action)k) {
	case ACT_MANDATE:
		if (rb_req_data_key(req, key) != 0) {
			rb_resp_error(req, 500);
			return;
		}
		rc = rb_agent_mandate(&ar, key,
		    rb_config_str(req->req_site->site_cfg,
		    RB_CFG_SEPA_CREDITOR_ID),
		    rb_config_str(req->req_site->site_cfg,
		    RB_CFG_SEPA_CREDITOR_NAME), a->ag_id, id, number,
		    rb_post(req, "titulaire"), rb_post(req, "iban"), &notice,
		    &msg);
		sodium_memzero(key, sizeof(key));
		break;
	case ACT_PAPERLESS:
		etat = rb_post(req, "etat");
		if (etat == NULL || (strcmp(etat, "0") != 0 &&
		    strcmp(etat, "1") != 0)) {
			rb_resp_bad_request(req, "Choix de la facture "
			    "électronique manquant", "Choisissez d'activer ou de "
			    "désactiver la facture électronique.");
			return;
		}
		rc = rb_agent_paperless(&ar, a->ag_id, id, number,
		    etat[0] == '1', &notice, &msg);
		break;
	case ACT_LETTER:
		rc = rb_agent_letter(&ar, a->ag_id, id, number, &notice, &msg);
		break;
	case ACT_RESEND:
		rc = rb_agent_resend(&ar, a->ag_id, id, form_account(req),
		    &notice, &msg);
		break;
	case ACT_UNBLOCK:
		rc = rb_agent_unblock(&ar, a->ag_id, id, form_account(req),
		    &notice, &msg);
		break;
	case ACT_READING:
		act_reading(req, &ar, a, id);
		return;
	case ACT_ADDRESS:
		act_address(req, &ar, a, id);
		return;
	case ACT_BRAILLE:
		rc = rb_agent_braille(&ar, a->ag_id, id, form_account(req),
		    rb_post(req, "braille"), &notice, &msg);
		break;
	default:
		rc = rb_agent_contact(&ar, a->ag_id, id, rb_post(req, "nom"),
		    rb_post(req, "prenom"), rb_post(req, "email"), &notice,
		    &msg);
		break;
	}
	switch (rc) {
	case RB_OK:
		show_file(req, id, notice, NULL, 200);
		return;
	case RB_INVALID:
		show_file(req, id, NULL, msg, 400);
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
rb_page_agent_client(struct rb_req *req)
{
	const char *tail = NULL;
	int64_t id = parse_id(req->req_path + strlen(CLIENTS_SLASH), &tail);

	if (id <= 0) {
		rb_resp_error(req, 404);
		return;
	}
	if (req->req_method != RB_POST) {
		if (strncmp(tail, "/photos/", 8) == 0 && tail[8] != '\0' &&
		    strchr(tail + 8, '/') == NULL) {
			serve_photo(req, id, tail + 8);
			return;
		}
		if (*tail != '\0') {
			rb_resp_error(req, 404);
			return;
		}
		show_file(req, id, NULL, NULL, 200);
		return;
	}
	act(req, id, tail);
}

/* Supervisors: the audit log (/agent/journal?auteur=&cible=&du=&au=). */
void
rb_page_agent_audit(struct rb_req *req)
{
	const char *actor = rb_form_get(&req->req_query, "auteur");
	const char *target = rb_form_get(&req->req_query, "cible");
	const char *from = rb_form_get(&req->req_query, "du");
	const char *to = rb_form_get(&req->req_query, "au");
	const char *msg = NULL;
	json_t *data, *log = NULL, *r;
	enum rb_rc rc;
	size_t i;

	rc = rb_agent_audit_log(rb_req_db(req), actor, target, from, to, &log,
	    &msg);
	if (rc == RB_ERROR) {
		rb_resp_error(req, 500);
		return;
	}
	data = json_pack("{s:s, s:s, s:s, s:s, s:n, s:n}",
	    "auteur", actor != NULL ? actor : "",
	    "cible", target != NULL ? target : "",
	    "du", from != NULL ? from : "", "au", to != NULL ? to : "",
	    "alert", "log");
	if (rc == RB_INVALID)
		json_object_set_new(data, "alert", json_string(msg));
	if (log != NULL) {
		json_array_foreach(json_object_get(log, "rows"), i, r)
			set_instant(r, "at");
		json_object_set_new(data, "log", log);
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, rc == RB_INVALID ? 400 : 200, "agent_audit", data);
}

/* Supervisors: requests by subject and age, payments by channel. */
void
rb_page_agent_reports(struct rb_req *req)
{
	static const char *const lists[] = { "payments_30", "payments_year" };
	json_t *data, *r;
	size_t i, k;

	if (rb_agent_reports(rb_req_db(req), time(NULL), &data) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	for (k = 0; k < RB_NELEM(lists); k++)
		json_array_foreach(json_object_get(data, lists[k]), i, r) {
			set_money(r, "total_cents");
			set_word(r, "method");
		}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "agent_reports", data);
}
