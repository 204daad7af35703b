/*
 * pages/contact.c: customer service for subscribers.
 *
 *   /contact                      GET the form, POST a request (open to
 *                                 everyone; multipart with files)
 *   /mes-demandes                 GET the signed-in account's requests
 *   /mes-demandes/REF             GET one request, POST a follow-up
 *   /mes-demandes/REF/pieces/TOK  GET an attachment, as a download
 *   /agent/demandes               GET the agents' queue (?objet=, ?etat=)
 *   /agent/demandes/REF           GET a request, its messages and actions
 *   /agent/demandes/REF/prendre   POST assign it to oneself
 *   /agent/demandes/REF/repondre  POST answer it (emailed, "Mes demandes")
 *   /agent/demandes/REF/clore     POST close it
 *   /agent/demandes/REF/pieces/TOK GET an attachment
 *
 * The use cases are app/contact.h; what is refused is re-shown in the
 * form, in French, with what was typed kept (files must be chosen
 * again: browsers never refill a file input). The phone line block says
 * whether customer service is open now (base/clock.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/agent.h"
#include "app/contact.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"

#define REQUESTS_PREFIX	"/mes-demandes/"
#define PIECES		"/pieces/"

/*
 * The key of the form tokens: derived from data_key when it is set (so
 * that every app server shares it), else random for this process (a
 * form served before a restart then asks to be sent again).
 */
static char random_key[RB_TOKEN_LEN + 1];
static pthread_once_t random_key_once = PTHREAD_ONCE_INIT;

static void
random_key_init(void)
{
	rb_token_new(random_key);
}

static void
contact_cfg(struct rb_req *req, struct rb_contact_cfg *cc)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	const char *dk = rb_config_str(cfg, RB_CFG_DATA_KEY);
	char *key;

	memset(cc, 0, sizeof(*cc));
	if (dk != NULL && dk[0] != '\0') {
		key = rb_arena_alloc(req->req_arena, RB_HMAC_B64_LEN);
		rb_hmac_sha256_b64(dk, strlen(dk), "robinet contact form", 20,
		    key);
	} else {
		pthread_once(&random_key_once, random_key_init);
		key = random_key;
	}
	rb_attach_cfg_from_config(cfg, &cc->cc_attach);
	cc->cc_max_chars = (int)rb_config_int(cfg, RB_CFG_CONTACT_MAX_CHARS);
	cc->cc_min_fill = (int)rb_config_int(cfg, RB_CFG_CONTACT_MIN_FILL);
	cc->cc_rl_window = (int)rb_config_int(cfg, RB_CFG_RL_WINDOW);
	cc->cc_rl_per_ip = (int)rb_config_int(cfg, RB_CFG_RL_CONTACT_PER_IP);
	cc->cc_rl_per_email = (int)rb_config_int(cfg,
	    RB_CFG_RL_CONTACT_PER_EMAIL);
	cc->cc_key = (const unsigned char *)key;
	cc->cc_keylen = strlen(key);
}

/* The phone line: number, and whether it is open now. */
static json_t *
phone_block(struct rb_req *req)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	char sentence[RB_CLOCK_SENTENCE_MAX], open_t[32], close_t[32];
	time_t now = time(NULL);

	(void)rb_clock_parse_hours(rb_config_str(cfg, RB_CFG_SERVICE_HOURS),
	    &oh);
	rb_clock_service_sentence(now, &oh, sentence, sizeof(sentence));
	rb_clock_fr_time(oh.oh_open, open_t, sizeof(open_t));
	rb_clock_fr_time(oh.oh_close, close_t, sizeof(close_t));
	return json_pack("{s:b, s:s, s:s, s:s}", "open",
	    rb_clock_service_open(now, &oh), "sentence", sentence,
	    "opens", open_t, "closes", close_t);
}

/* Limits told next to the fields they concern. */
static json_t *
limits_data(const struct rb_contact_cfg *cc)
{
	size_t mb10 = cc->cc_attach.ac_max_bytes * 10 / (1024 * 1024);
	char mb[32];

	if (mb10 % 10 == 0)
		snprintf(mb, sizeof(mb), "%zu Mo", mb10 / 10);
	else
		snprintf(mb, sizeof(mb), "%zu,%zu Mo", mb10 / 10, mb10 % 10);
	return json_pack("{s:i, s:i, s:b, s:s}", "max_chars",
	    cc->cc_max_chars, "max_files", cc->cc_attach.ac_max_count,
	    "files_allowed", cc->cc_attach.ac_max_count > 0, "max_size", mb);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* Error summary entries, in the order of the form. */
static json_t *
error_list(const struct rb_contact_errors *e, json_t *fields)
{
	static const char *const ids[RB_CF__MAX] = {
		[RB_CF_NAME] = "nom", [RB_CF_EMAIL] = "email",
		[RB_CF_CONTRACT] = "contrat", [RB_CF_POSTCODE] = "code_postal",
		[RB_CF_SUBJECT] = "objet", [RB_CF_MESSAGE] = "message",
		[RB_CF_FILES] = "pieces",
	};
	json_t *arr = json_array();
	int k;

	for (k = 0; k < RB_CF__MAX; k++) {
		json_object_set_new(fields, ids[k], str_or_null(e != NULL ?
		    e->ce_msg[k] : NULL));
		if (e != NULL && e->ce_msg[k] != NULL)
			json_array_append_new(arr, json_pack("{s:s, s:s}",
			    "id", ids[k], "message", e->ce_msg[k]));
	}
	return arr;
}

static void
contact_form(struct rb_req *req, int status, const struct rb_contact_cfg *cc,
    const struct rb_contact_errors *e)
{
	const struct rb_session *s = rb_req_session(req);
	char token[RB_CONTACT_TOKEN_MAX];
	const char *subject = req->req_method == RB_POST ?
	    rb_post(req, "objet") : rb_form_get(&req->req_query, "objet");
	const char *contract = rb_post(req, "contrat");
	json_t *d, *subjects = json_array(), *contracts = NULL, *errors, *err;
	json_t *v;
	size_t i;
	int k;

	rb_contact_form_token(cc, time(NULL), token, sizeof(token));
	for (k = 0; k < RB_SUBJ__MAX; k++)
		json_array_append_new(subjects, json_pack("{s:s, s:s, s:b}",
		    "code", rb_contact_subjects[k].cs_code, "label",
		    rb_contact_subjects[k].cs_label, "selected", subject !=
		    NULL && strcmp(subject, rb_contact_subjects[k].cs_code) ==
		    0));
	if (s != NULL) {
		json_t *list = NULL;

		contracts = json_array();
		if (rb_contact_contracts(rb_req_db(req), s->s_account_id,
		    &list) == 0) {
			json_array_foreach(list, i, v)
				json_array_append_new(contracts, json_pack(
				    "{s:O, s:b}", "number", v, "selected",
				    req->req_method == RB_POST ?
				    strcmp(contract, json_string_value(v)) == 0 :
				    i == 0));
			json_decref(list);
		}
	}
	err = json_object();
	errors = error_list(e, err);
	d = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:b, s:b, s:o, s:o}",
	    "csrf", rb_req_csrf(req), "form_token", token,
	    "signed_in", s != NULL,
	    "subjects", subjects,
	    "contracts", contracts != NULL ? contracts : json_array(),
	    "errors", errors,
	    "has_errors", json_array_size(errors) > 0,
	    "plural", json_array_size(errors) > 1,
	    "err", err,
	    "alert", str_or_null(e != NULL ? e->ce_alert : NULL));
	json_object_set_new(d, "notice", json_null());
	if (s != NULL && req->req_method != RB_POST) {
		json_object_set_new(d, "name", json_string(rb_arena_printf(
		    req->req_arena, "%s%s%s", s->s_first_name,
		    s->s_first_name[0] != '\0' ? " " : "", s->s_last_name)));
	} else
		json_object_set_new(d, "name", str_or_null(rb_post(req, "nom")));
	json_object_set_new(d, "email", str_or_null(s != NULL ? s->s_email :
	    rb_post(req, "email")));
	json_object_set_new(d, "contract", str_or_null(contract));
	json_object_set_new(d, "postcode", str_or_null(rb_post(req,
	    "code_postal")));
	json_object_set_new(d, "message", str_or_null(rb_post(req,
	    "message")));
	json_object_set_new(d, "limits", limits_data(cc));
	json_object_set_new(d, "phone", phone_block(req));
	json_object_set_new(d, "sent", json_null());
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "contact", d);
}

/* "D-2026-000123": the shape of a reference, before any lookup. */
static int
reference_shaped(const char *s)
{
	size_t n = strlen(s);

	return n >= 13 && n <= 20 && s[0] == 'D' && s[1] == '-' &&
	    strspn(s + 2, "0123456789") == 4 && s[6] == '-' &&
	    strspn(s + 7, "0123456789") == n - 7;
}

static void
contact_sent(struct rb_req *req, const char *ref)
{
	const struct rb_session *s = rb_req_session(req);
	struct rb_contact_cfg cc;
	json_t *d;

	contact_cfg(req, &cc);
	d = json_pack("{s:{s:s, s:b}, s:o}", "sent", "reference", ref,
	    "signed_in", s != NULL, "phone", phone_block(req));
	json_object_set_new(d, "limits", limits_data(&cc));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "contact", d);
}

void
rb_page_contact(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	struct rb_contact_cfg cc;
	struct rb_contact_errors e;
	struct rb_contact_input in;
	const char *sent;
	char ref[24];
	enum rb_rc rc;

	contact_cfg(req, &cc);
	if (req->req_method != RB_POST) {
		sent = rb_form_get(&req->req_query, "envoyee");
		if (sent != NULL && reference_shaped(sent)) {
			contact_sent(req, sent);
			return;
		}
		contact_form(req, 200, &cc, NULL);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.ci_account = s != NULL ? s->s_account_id : 0;
	in.ci_name = rb_post(req, "nom");
	in.ci_email = s != NULL ? s->s_email : rb_post(req, "email");
	in.ci_contract = rb_post(req, "contrat");
	in.ci_postcode = s != NULL ? "" : rb_post(req, "code_postal");
	in.ci_subject = rb_post(req, "objet");
	in.ci_message = rb_post(req, "message");
	in.ci_honeypot = rb_post(req, "site_web");
	in.ci_form_token = rb_post(req, "jeton");
	in.ci_files = &req->req_files;
	in.ci_ip = req->req_ip;
	in.ci_now = time(NULL);
	rc = rb_contact_create(rb_req_db(req), &cc, &in, &e, ref, sizeof(ref));
	switch (rc) {
	case RB_OK:
		rb_resp_redirect(req, rb_arena_printf(req->req_arena,
		    "/contact?envoyee=%s", ref));
		return;
	case RB_INVALID:
		contact_form(req, 400, &cc, &e);
		return;
	case RB_LIMITED:
		rb_retry_text(req, e.ce_retry_after);
		contact_form(req, 429, &cc, &e);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}

void
rb_page_requests(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	json_t *list;

	if (rb_contact_list(rb_req_db(req), s->s_account_id, &list) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "requests", json_pack("{s:o, s:b}", "requests",
	    list, "none", json_array_size(list) == 0));
}

/* Serves an attachment as a download of its sniffed type: the
 * requester's (account > 0) or, for an agent (agent > 0), any. */
static void
serve_attachment(struct rb_req *req, const struct rb_contact_cfg *cc,
    const char *ref, const char *token, int64_t account, int64_t agent)
{
	struct rb_attachment a;
	uint64_t size;
	int fd, k;

	k = agent > 0 ? rb_contact_agent_attachment(rb_req_db(req), ref, agent,
	    token, req->req_ip, time(NULL), &a) :
	    rb_contact_attachment(rb_req_db(req), ref, account, token, &a);
	if (k != 0) {
		rb_resp_error(req, k == 1 ? 404 : 500);
		return;
	}
	if (rb_attach_open(&cc->cc_attach, &a, &fd, &size) != 0) {
		rb_resp_error(req, 404);
		return;
	}
	req->resp_status = 200;
	req->resp_type = rb_arena_strdup(req->req_arena, a.at_type);
	req->resp_fd = fd;
	req->resp_fd_size = size;
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"%s-%lld.%s\"", ref,
	    (long long)a.at_id, rb_filetype_ext(rb_filetype_from_mime(
	    a.at_type))));
	rb_resp_header(req, "X-Content-Type-Options", "nosniff");
	rb_resp_header(req, "Cache-Control", "private, no-store");
	rb_resp_header(req, "Content-Security-Policy", "sandbox");
}

static void
request_page(struct rb_req *req, int status, const struct rb_contact_cfg *cc,
    const char *ref, const struct rb_contact_errors *e)
{
	const struct rb_session *s = rb_req_session(req);
	json_t *v, *err, *errors;
	enum rb_rc rc;

	rc = rb_contact_view(rb_req_db(req), ref, s->s_account_id, &v);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	err = json_object();
	errors = error_list(e, err);
	json_object_set_new(v, "csrf", json_string(rb_req_csrf(req)));
	json_object_set_new(v, "err", err);
	json_object_set_new(v, "has_errors", json_boolean(
	    json_array_size(errors) > 0));
	json_object_set_new(v, "plural", json_boolean(
	    json_array_size(errors) > 1));
	json_object_set_new(v, "errors", errors);
	json_object_set_new(v, "alert", str_or_null(e != NULL ? e->ce_alert :
	    NULL));
	json_object_set_new(v, "notice", rb_form_get(&req->req_query,
	    "fait") != NULL && e == NULL ? json_string("Votre message a été "
	    "envoyé au service client.") : json_null());
	json_object_set_new(v, "draft", str_or_null(e != NULL ?
	    rb_post(req, "message") : NULL));
	json_object_set_new(v, "limits", limits_data(cc));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "request", v);
}

void
rb_page_request(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	const char *rest = req->req_path + strlen(REQUESTS_PREFIX), *p;
	struct rb_contact_cfg cc;
	struct rb_contact_errors e;
	char ref[24];
	size_t n;

	contact_cfg(req, &cc);
	n = strcspn(rest, "/");
	if (n >= sizeof(ref)) {
		rb_resp_error(req, 404);
		return;
	}
	memcpy(ref, rest, n);
	ref[n] = '\0';
	if (!reference_shaped(ref)) {
		rb_resp_error(req, 404);
		return;
	}
	p = rest + n;
	if (*p != '\0') {
		if (strncmp(p, PIECES, strlen(PIECES)) != 0 ||
		    req->req_method == RB_POST) {
			rb_resp_error(req, 404);
			return;
		}
		serve_attachment(req, &cc, ref, p + strlen(PIECES),
		    s->s_account_id, 0);
		return;
	}
	if (req->req_method != RB_POST) {
		request_page(req, 200, &cc, ref, NULL);
		return;
	}
	switch (rb_contact_follow_up(rb_req_db(req), &cc, ref,
	    s->s_account_id, rb_post(req, "message"), &req->req_files,
	    req->req_ip, time(NULL), &e)) {
	case RB_OK:
		rb_resp_redirect(req, rb_arena_printf(req->req_arena,
		    REQUESTS_PREFIX "%s?fait=1", ref));
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	case RB_INVALID:
		request_page(req, 400, &cc, ref, &e);
		return;
	case RB_LIMITED:
		rb_retry_text(req, e.ce_retry_after);
		request_page(req, 429, &cc, ref, &e);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}

/* ------------------------------------------------------------ agents */

#define AGENT_PREFIX	"/agent/demandes/"

static json_t *
choice_list(const char *chosen, int subjects)
{
	static const char *const statuses[] = { "new", "in_progress",
	    "answered", "closed" };
	json_t *arr = json_array();
	const char *code, *label;
	int k, n = subjects ? RB_SUBJ__MAX : 4;

	for (k = 0; k < n; k++) {
		code = subjects ? rb_contact_subjects[k].cs_code : statuses[k];
		label = subjects ? rb_contact_subjects[k].cs_label :
		    rb_contact_status_label(code);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "code",
		    code, "label", label, "selected", chosen != NULL &&
		    strcmp(chosen, code) == 0));
	}
	return arr;
}

void
rb_page_agent_queue(struct rb_req *req)
{
	const struct rb_agent *a = rb_req_agent(req);
	const char *subject = rb_form_get(&req->req_query, "objet");
	const char *status = rb_form_get(&req->req_query, "etat");
	json_t *list = NULL;
	enum rb_rc rc;
	int bad = 0;

	rc = rb_contact_queue_list(rb_req_db(req), subject, status, a->ag_id,
	    500, &list);
	if (rc == RB_INVALID) {
		bad = 1;
		subject = status = NULL;
		rc = rb_contact_queue_list(rb_req_db(req), NULL, NULL,
		    a->ag_id, 500, &list);
	}
	if (rc != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, bad ? 400 : 200, "agent_requests", json_pack(
	    "{s:o, s:b, s:o, s:o, s:o}", "requests", list, "none",
	    json_array_size(list) == 0, "subjects", choice_list(subject, 1),
	    "statuses", choice_list(status, 0), "alert", bad ?
	    json_string("Ce filtre n'existe pas : toutes les demandes sont "
	    "affichées.") : json_null()));
}

static void
agent_request_page(struct rb_req *req, int status, const char *ref,
    const struct rb_contact_errors *e, const char *notice)
{
	const struct rb_agent *a = rb_req_agent(req);
	struct rb_contact_cfg cc;
	json_t *v, *who;
	enum rb_rc rc;

	contact_cfg(req, &cc);
	rc = rb_contact_agent_view(rb_req_db(req), ref, a->ag_id, req->req_ip,
	    time(NULL), &v);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	who = json_object_get(v, "assigned_agent");
	json_object_set_new(v, "mine", json_boolean(json_is_integer(who) &&
	    json_integer_value(who) == a->ag_id));
	json_object_set_new(v, "debit", json_boolean(strcmp(json_string_value(
	    json_object_get(v, "subject")), "debit") == 0));
	json_object_set_new(v, "csrf", json_string(rb_req_csrf(req)));
	json_object_set_new(v, "alert", str_or_null(e != NULL ? e->ce_alert :
	    NULL));
	json_object_set_new(v, "error", str_or_null(e != NULL ?
	    e->ce_msg[RB_CF_MESSAGE] : NULL));
	json_object_set_new(v, "draft", str_or_null(e != NULL ?
	    rb_post(req, "reponse") : NULL));
	json_object_set_new(v, "notice", str_or_null(notice));
	json_object_set_new(v, "limits", limits_data(&cc));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "agent_request", v);
}

static const char *const done_texts[][2] = {
	{ "prise", "La demande vous est attribuée." },
	{ "repondue", "Votre réponse est envoyée au demandeur." },
	{ "close", "La demande est close." },
};

void
rb_page_agent_request(struct rb_req *req)
{
	const struct rb_agent *a = rb_req_agent(req);
	const char *rest = req->req_path + strlen(AGENT_PREFIX), *p, *done;
	const char *notice = NULL, *action;
	struct rb_contact_cfg cc;
	struct rb_contact_errors e;
	char ref[24];
	enum rb_rc rc;
	size_t n, i;

	contact_cfg(req, &cc);
	n = strcspn(rest, "/");
	if (n >= sizeof(ref)) {
		rb_resp_error(req, 404);
		return;
	}
	memcpy(ref, rest, n);
	ref[n] = '\0';
	p = rest + n;
	if (!reference_shaped(ref)) {
		rb_resp_error(req, 404);
		return;
	}
	if (req->req_method != RB_POST) {
		if (strncmp(p, PIECES, strlen(PIECES)) == 0) {
			serve_attachment(req, &cc, ref, p + strlen(PIECES), 0,
			    a->ag_id);
			return;
		}
		if (*p != '\0') {
			rb_resp_error(req, 404);
			return;
		}
		done = rb_form_get(&req->req_query, "fait");
		for (i = 0; done != NULL && i < sizeof(done_texts) /
		    sizeof(done_texts[0]); i++)
			if (strcmp(done, done_texts[i][0]) == 0)
				notice = done_texts[i][1];
		agent_request_page(req, 200, ref, NULL, notice);
		return;
	}
	if (strcmp(p, "/prendre") == 0) {
		rc = rb_contact_assign_to(rb_req_db(req), ref, a->ag_id,
		    req->req_ip, time(NULL));
		action = "prise";
	} else if (strcmp(p, "/clore") == 0) {
		rc = rb_contact_close(rb_req_db(req), ref, a->ag_id,
		    req->req_ip, time(NULL));
		action = "close";
	} else if (strcmp(p, "/repondre") == 0) {
		rc = rb_contact_answer(rb_req_db(req), &cc, ref, a->ag_id,
		    rb_post(req, "reponse"), req->req_ip, time(NULL), &e);
		action = "repondue";
		if (rc == RB_INVALID) {
			agent_request_page(req, 400, ref, &e, NULL);
			return;
		}
	} else {
		rb_resp_error(req, 404);
		return;
	}
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	rb_resp_redirect(req, rb_arena_printf(req->req_arena,
	    AGENT_PREFIX "%s?fait=%s", ref, action));
}
