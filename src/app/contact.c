/*
 * contact.c: requests to customer service (see contact.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistr.h>

#include "app/auth_priv.h"
#include "app/contact.h"
#include "app/pagecache.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/netaddr.h"
#include "mail/mail.h"
#include "store/audit.h"
#include "store/contact.h"
#include "store/ratelimit.h"

const struct rb_contact_subject_def rb_contact_subjects[RB_SUBJ__MAX] = {
	[RB_SUBJ_DEBIT] = { "debit", "Remettre en place le prélèvement" },
	[RB_SUBJ_PAPERLESS] = { "paperless",
	    "Remettre en place la facture électronique" },
	[RB_SUBJ_BILL] = { "bill", "Question sur ma facture" },
	[RB_SUBJ_MOVING] = { "moving", "Emménagement / déménagement" },
	[RB_SUBJ_LEAK] = { "leak", "Fuite ou consommation anormale" },
	[RB_SUBJ_READING] = { "reading", "Relevé de compteur" },
	[RB_SUBJ_ACCESS] = { "access", "Accès à mon espace client" },
	[RB_SUBJ_BRAILLE] = { "braille", "Demande de document en braille" },
	[RB_SUBJ_OTHER] = { "other", "Autre" },
};

static const char *const statuses[][2] = {
	{ "new", "Reçue" },
	{ "in_progress", "En cours de traitement" },
	{ "answered", "Répondue" },
	{ "closed", "Close" },
};

int
rb_contact_subject_of(const char *code)
{
	int k;

	for (k = 0; code != NULL && k < RB_SUBJ__MAX; k++)
		if (strcmp(code, rb_contact_subjects[k].cs_code) == 0)
			return k;
	return -1;
}

const char *
rb_contact_subject_label(const char *code)
{
	int k = rb_contact_subject_of(code);

	return k >= 0 ? rb_contact_subjects[k].cs_label : "";
}

const char *
rb_contact_status_label(const char *status)
{
	size_t i;

	for (i = 0; status != NULL && i < sizeof(statuses) /
	    sizeof(statuses[0]); i++)
		if (strcmp(status, statuses[i][0]) == 0)
			return statuses[i][1];
	return "";
}

/* ------------------------------------------------------------ form token */

static void
token_mac(const struct rb_contact_cfg *cc, long long t, char *mac)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "contact-form:%lld", t);

	rb_hmac_sha256_b64((const char *)cc->cc_key, cc->cc_keylen, msg,
	    (size_t)n, mac);
}

void
rb_contact_form_token(const struct rb_contact_cfg *cc, time_t now, char *out,
    size_t outlen)
{
	char mac[RB_HMAC_B64_LEN];

	token_mac(cc, (long long)now, mac);
	snprintf(out, outlen, "%lld.%s", (long long)now, mac);
}

long
rb_contact_token_age(const struct rb_contact_cfg *cc, const char *token,
    time_t now)
{
	char mac[RB_HMAC_B64_LEN], *end;
	long long t;
	const char *dot;

	if (token == NULL || (dot = strchr(token, '.')) == NULL ||
	    dot == token || dot - token > 12 ||
	    strspn(token, "0123456789") != (size_t)(dot - token))
		return -1;
	t = strtoll(token, &end, 10);
	if (end != dot || t > (long long)now)
		return -1;
	token_mac(cc, t, mac);
	if (!rb_ct_streq(dot + 1, mac))
		return -1;
	return (long)((long long)now - t);
}

/* ------------------------------------------------------------- checks */

/*
 * Checks a message: not empty, at most max characters, UTF-8 without
 * control characters but tab and line ends. Writes it trimmed and in
 * NFC into a new string *out (free it). NULL when fine, else a French
 * sentence, static or written in errs->ce_msgbuf (and *out NULL).
 */
static const char *
check_message(const char *s, int max, char **out,
    struct rb_contact_errors *errs)
{
	size_t n = strlen(s), i, size = n * 3 + 16;

	*out = NULL;
	if (u8_check((const uint8_t *)s, n) != NULL)
		return "Ce message contient des caractères non autorisés.";
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\r' && s[i] != '\n') || s[i] == 0x7f)
			return "Ce message contient des caractères non "
			    "autorisés.";
	*out = malloc(size);
	if (*out == NULL || rb_auth_clean_text(s, *out, size) != 0) {
		free(*out);
		*out = NULL;
		return "Ce message contient des caractères non autorisés.";
	}
	if ((*out)[0] == '\0') {
		free(*out);
		*out = NULL;
		return "Écrivez votre message.";
	}
	if (u8_mbsnlen((const uint8_t *)*out, strlen(*out)) > (size_t)max) {
		free(*out);
		*out = NULL;
		snprintf(errs->ce_msgbuf, sizeof(errs->ce_msgbuf), "Votre "
		    "message dépasse %d caractères : raccourcissez-le.", max);
		return errs->ce_msgbuf;
	}
	return NULL;
}

/* Checks the files; types[] receives each kind. 0 when all are fine. */
static int
check_files(const struct rb_contact_cfg *cc, const struct rb_uploads *f,
    enum rb_filetype *types, struct rb_contact_errors *errs)
{
	enum rb_attach_check why;
	size_t i;

	if (f == NULL || f->nups == 0)
		return 0;
	if (f->nups > (size_t)cc->cc_attach.ac_max_count) {
		rb_attach_message(&cc->cc_attach, RB_ATTACH_TOO_MANY, 0,
		    errs->ce_buf, sizeof(errs->ce_buf));
		errs->ce_msg[RB_CF_FILES] = errs->ce_buf;
		return -1;
	}
	for (i = 0; i < f->nups; i++) {
		why = rb_attach_check(&cc->cc_attach, f->ups[i].up_data,
		    f->ups[i].up_len, &types[i]);
		if (why != RB_ATTACH_OK) {
			rb_attach_message(&cc->cc_attach, why, (int)i + 1,
			    errs->ce_buf, sizeof(errs->ce_buf));
			errs->ce_msg[RB_CF_FILES] = errs->ce_buf;
			return -1;
		}
	}
	return 0;
}

static int
postcode_ok(const char *s)
{
	return strlen(s) == 5 && strspn(s, "0123456789") == 5;
}

/* 1 when number is one of account's contracts. */
static int
account_has_contract(rb_db *db, int64_t account, const char *number)
{
	json_t *arr = json_array(), *v;
	size_t i;
	int found = 0;

	if (rb_contact_account_contracts(db, account, arr) == 0)
		json_array_foreach(arr, i, v)
			if (strcmp(json_string_value(v), number) == 0)
				found = 1;
	json_decref(arr);
	return found;
}

int
rb_contact_contracts(rb_db *db, int64_t account, json_t **out)
{
	*out = json_array();
	if (rb_contact_account_contracts(db, account, *out) != 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Rate limits: RB_OK or RB_LIMITED (alert set), RB_ERROR. */
static enum rb_rc
limits_check(rb_db *db, const struct rb_contact_cfg *cc, const char *ipb,
    const char *mailb, time_t now, struct rb_contact_errors *errs)
{
	int ra = 0, rb = 0;

	if (rb_ratelimit_retry_after(db, ipb, now, cc->cc_rl_window,
	    cc->cc_rl_per_ip, &ra) != 0 || (mailb != NULL &&
	    rb_ratelimit_retry_after(db, mailb, now, cc->cc_rl_window,
	    cc->cc_rl_per_email, &rb) != 0))
		return RB_ERROR;
	if (ra == 0 && rb == 0)
		return RB_OK;
	errs->ce_retry_after = ra > rb ? ra : rb;
	errs->ce_alert = "Vous avez envoyé beaucoup de demandes en peu de "
	    "temps. Réessayez plus tard, ou appelez le service client.";
	return RB_LIMITED;
}

static void
buckets(const char *ip, const char *email_norm, char *ipb, size_t ipn,
    char *mailb, size_t mailn)
{
	char net[96];

	rb_netaddr_bucket(ip != NULL ? ip : "", net, sizeof(net));
	snprintf(ipb, ipn, "contact:ip:%s", net);
	if (mailb != NULL)
		snprintf(mailb, mailn, "contact:email:%s", email_norm);
}

static int
store_files(rb_db *db, const struct rb_contact_cfg *cc, int64_t request_id,
    int64_t message_id, int64_t account, const struct rb_uploads *f,
    const enum rb_filetype *types, time_t now)
{
	struct rb_attachment a;
	size_t i;

	for (i = 0; f != NULL && i < f->nups; i++)
		if (rb_attach_store(db, &cc->cc_attach, "contact", request_id,
		    message_id, account, types[i], f->ups[i].up_data,
		    f->ups[i].up_len, now, &a) != 0)
			return -1;
	return 0;
}

/* What create_txn() writes: the request, its files, the audit line and
   the acknowledgement, all or nothing. */
struct create_txn {
	const struct rb_contact_cfg	*t_cc;
	const struct rb_contact_input	*t_in;
	const struct rb_contact_new	*t_new;
	const enum rb_filetype		*t_types;
	char				*t_ref;
	size_t				 t_reflen;
};

/* rb_db_transact() body of rb_contact_create(): keeps nothing between
   tries but what it recomputes. */
static int
create_txn(rb_db *db, void *arg)
{
	struct create_txn *t = arg;
	const struct rb_contact_input *in = t->t_in;
	struct rb_localtime lt;
	json_t *detail = NULL, *data = NULL;
	char target[40];
	int64_t id = 0;
	int rc = -1;

	if (rb_contact_insert(db, t->t_new, &id) != 0)
		goto out;
	rb_clock_paris(in->ci_now, &lt);
	snprintf(t->t_ref, t->t_reflen, "D-%04d-%06lld", lt.lt_date.d_year,
	    (long long)id);
	if (rb_contact_set_reference(db, id, t->t_ref) != 0 ||
	    store_files(db, t->t_cc, id, 0, in->ci_account, in->ci_files,
	    t->t_types, in->ci_now) != 0)
		goto out;
	snprintf(target, sizeof(target), "request:%s", t->t_ref);
	detail = json_pack("{s:s, s:i}", "subject", in->ci_subject, "files",
	    in->ci_files != NULL ? (int)in->ci_files->nups : 0);
	if (rb_audit(db, in->ci_now, in->ci_account > 0 ?
	    RB_ACTOR_SUBSCRIBER : RB_ACTOR_ANONYMOUS, in->ci_account,
	    "contact.create", target, in->ci_ip, detail) != 0)
		goto out;
	/* The acknowledgement names the subject and the reference, never
	   the message: typed by anyone for any address, it would make the
	   form a relay for other people's text. */
	data = json_pack("{s:s, s:s, s:s, s:b}", "first_name",
	    t->t_new->cn_name, "reference", t->t_ref, "subject_label",
	    rb_contact_subject_label(in->ci_subject), "signed_in",
	    in->ci_account > 0);
	json_object_set_new(data, "link", json_string(in->ci_account > 0 ?
	    "/mes-demandes" : "/contact"));
	if (rb_mail_queue(db, RB_MAIL_CONTACT_ACK, t->t_new->cn_email, data,
	    in->ci_now) != 0)
		goto out;
	rc = 0;
out:
	json_decref(detail);
	json_decref(data);
	return rc;
}

enum rb_rc
rb_contact_create(rb_db *db, const struct rb_contact_cfg *cc,
    const struct rb_contact_input *in, struct rb_contact_errors *errs,
    char *ref, size_t reflen)
{
	char name[256], email[RB_EMAIL_MAX + 1], norm[RB_EMAIL_MAX + 1];
	char contract[16], ipb[128], mailb[300];
	enum rb_filetype types[16];
	struct rb_contact_new n;
	struct create_txn t;
	char *message = NULL;
	enum rb_rc rc = RB_INVALID;
	long age;
	int bad = 0;

	memset(errs, 0, sizeof(*errs));
	if (reflen > 0)
		ref[0] = '\0';
	/* People never see the honeypot; a program that fills every
	   field, or answers faster than anyone can read, is refused
	   before anything else is checked or counted. */
	if (in->ci_honeypot != NULL && in->ci_honeypot[0] != '\0') {
		errs->ce_alert = "Votre demande n'a pas pu être envoyée : "
		    "laissez vide le champ « Ne pas remplir ».";
		return RB_INVALID;
	}
	age = rb_contact_token_age(cc, in->ci_form_token, in->ci_now);
	if (age < 0) {
		errs->ce_alert = "Ce formulaire a expiré. Vérifiez vos "
		    "réponses, puis envoyez-le à nouveau.";
		return RB_INVALID;
	}
	if (age < cc->cc_min_fill) {
		errs->ce_alert = "Votre demande a été envoyée trop vite "
		    "après l'ouverture du formulaire. Vérifiez vos réponses, "
		    "puis envoyez-la à nouveau.";
		return RB_INVALID;
	}
	if ((errs->ce_msg[RB_CF_NAME] = rb_auth_check_name(in->ci_name, 1,
	    "Indiquez vos nom et prénom.", "Votre nom est trop long "
	    "(60 caractères au plus).", name, sizeof(name))) != NULL)
		bad++;
	if (in->ci_email == NULL || in->ci_email[0] == '\0') {
		errs->ce_msg[RB_CF_EMAIL] = "Indiquez votre adresse e-mail.";
		bad++;
	} else if (rb_auth_norm_email(in->ci_email, norm, sizeof(norm)) != 0 ||
	    rb_auth_clean_text(in->ci_email, email, sizeof(email)) != 0) {
		errs->ce_msg[RB_CF_EMAIL] = "Indiquez une adresse e-mail "
		    "valide, par exemple nom@exemple.fr.";
		bad++;
	}
	contract[0] = '\0';
	if (in->ci_contract != NULL && in->ci_contract[0] != '\0') {
		if (rb_auth_norm_contract(in->ci_contract, contract,
		    sizeof(contract)) != 0) {
			errs->ce_msg[RB_CF_CONTRACT] = "Le numéro de contrat "
			    "compte 10 chiffres ; laissez ce champ vide si "
			    "vous ne l'avez pas.";
			bad++;
		} else if (in->ci_account > 0 && !account_has_contract(db,
		    in->ci_account, contract)) {
			errs->ce_msg[RB_CF_CONTRACT] = "Choisissez l'un de vos "
			    "contrats.";
			bad++;
		}
	}
	if (in->ci_account == 0 && !postcode_ok(in->ci_postcode != NULL ?
	    in->ci_postcode : "")) {
		errs->ce_msg[RB_CF_POSTCODE] = "Indiquez le code postal de "
		    "votre logement : 5 chiffres.";
		bad++;
	}
	if (rb_contact_subject_of(in->ci_subject) < 0) {
		errs->ce_msg[RB_CF_SUBJECT] = "Choisissez l'objet de votre "
		    "demande.";
		bad++;
	}
	if ((errs->ce_msg[RB_CF_MESSAGE] = check_message(in->ci_message != NULL ?
	    in->ci_message : "", cc->cc_max_chars, &message, errs)) != NULL)
		bad++;
	if (in->ci_files != NULL && in->ci_files->nups > 16)
		errs->ce_msg[RB_CF_FILES] = "Trop de fichiers.", bad++;
	else if (check_files(cc, in->ci_files, types, errs) != 0)
		bad++;
	if (bad)
		goto out;
	buckets(in->ci_ip, norm, ipb, sizeof(ipb), mailb, sizeof(mailb));
	if ((rc = limits_check(db, cc, ipb, mailb, in->ci_now, errs)) !=
	    RB_OK)
		goto out;
	memset(&n, 0, sizeof(n));
	n.cn_account = in->ci_account;
	n.cn_name = name;
	n.cn_email = email;
	n.cn_email_norm = norm;
	n.cn_contract = contract;
	n.cn_postcode = in->ci_account == 0 ? in->ci_postcode : NULL;
	n.cn_subject = in->ci_subject;
	n.cn_message = message;
	n.cn_now = in->ci_now;
	t.t_cc = cc;
	t.t_in = in;
	t.t_new = &n;
	t.t_types = types;
	t.t_ref = ref;
	t.t_reflen = reflen;
	/* Retried when the engine refuses the transaction (two requests
	   at once on PostgreSQL: serialization failure). */
	if (rb_db_transact(db, create_txn, &t) != 0) {
		rc = RB_ERROR;
		if (reflen > 0)
			ref[0] = '\0';
		goto out;
	}
	(void)rb_ratelimit_hit(db, ipb, in->ci_now, cc->cc_rl_window, NULL);
	(void)rb_ratelimit_hit(db, mailb, in->ci_now, cc->cc_rl_window, NULL);
	rc = RB_OK;
out:
	free(message);
	return rc;
}

/* ---------------------------------------------------------- reading */

static void
fr_date_of(json_t *o, const char *key, const char *as)
{
	struct rb_localtime lt;
	char d[RB_CLOCK_FR_MAX];
	json_int_t t = json_integer_value(json_object_get(o, key));

	rb_clock_paris((time_t)t, &lt);
	rb_clock_fr_date(&lt.lt_date, d, sizeof(d));
	json_object_set_new(o, as, json_string(d));
}

int
rb_contact_list(rb_db *db, int64_t account, json_t **out)
{
	json_t *arr, *r;
	uint64_t epoch;
	size_t i;

	/* Kept for the account: the triggers on contact_requests and
	   web_accounts (migration 0028) name it. */
	if ((*out = rb_pagecache_json(RB_PAGECACHE_REQUESTS, account, "", "",
	    (int64_t)time(NULL), &epoch)) != NULL)
		return 0;
	arr = json_array();
	if (rb_contact_list_visible(db, account, arr) != 0) {
		json_decref(arr);
		return -1;
	}
	json_array_foreach(arr, i, r) {
		const char *subj = json_string_value(json_object_get(r,
		    "subject"));
		const char *st = json_string_value(json_object_get(r,
		    "status"));

		json_object_set_new(r, "subject_label",
		    json_string(rb_contact_subject_label(subj)));
		json_object_set_new(r, "status_label",
		    json_string(rb_contact_status_label(st)));
		fr_date_of(r, "created_at", "created");
		fr_date_of(r, "updated_at", "updated");
		json_object_del(r, "id");
	}
	rb_pagecache_json_keep(RB_PAGECACHE_REQUESTS, account, "", "", arr,
	    NULL, 0, 0, epoch);
	*out = arr;
	return 0;
}

struct att_ctx {
	json_t	*ac_by_msg;	/* message id (text) -> array */
};

static void
att_row(const struct rb_attachment *a, void *arg)
{
	struct att_ctx *c = arg;
	char key[32], size[32];
	json_t *arr;

	snprintf(key, sizeof(key), "%lld", (long long)a->at_message_id);
	if ((arr = json_object_get(c->ac_by_msg, key)) == NULL) {
		arr = json_array();
		json_object_set_new(c->ac_by_msg, key, arr);
	}
	if (a->at_size >= 1024 * 1024)
		snprintf(size, sizeof(size), "%lld,%lld Mo",
		    (long long)(a->at_size / (1024 * 1024)),
		    (long long)(a->at_size % (1024 * 1024) * 10 /
		    (1024 * 1024)));
	else
		snprintf(size, sizeof(size), "%lld ko",
		    (long long)((a->at_size + 1023) / 1024));
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "token",
	    a->at_token, "kind", rb_attach_kind_text(a->at_type), "size",
	    size));
}

static json_t *
message_obj(const char *author_kind, const char *body, json_int_t at,
    json_t *atts)
{
	struct rb_localtime lt;
	char d[RB_CLOCK_FR_MAX], hm[16];
	int agent = strcmp(author_kind, "agent") == 0;

	rb_clock_paris((time_t)at, &lt);
	rb_clock_fr_date(&lt.lt_date, d, sizeof(d));
	snprintf(hm, sizeof(hm), "%d h %02d", lt.lt_hour, lt.lt_min);
	return json_pack("{s:s, s:b, s:s, s:s, s:s, s:o, s:b}", "author",
	    agent ? "Service client" : "Vous", "agent", agent, "body", body,
	    "date", d, "time", hm, "attachments", atts != NULL ?
	    json_incref(atts) : json_array(), "has_attachments",
	    json_array_size(atts) > 0);
}

enum rb_rc
rb_contact_view(rb_db *db, const char *reference, int64_t account,
    json_t **out)
{
	json_t *r = NULL, *msgs = NULL, *list = NULL, *m, *atts;
	struct att_ctx ac = { NULL };
	int64_t id;
	size_t i;
	char key[32];
	int k;

	*out = NULL;
	if (reference == NULL || strlen(reference) > 20)
		return RB_NOT_FOUND;
	if ((k = rb_contact_get(db, reference, account, &r)) != 0)
		return k == 1 ? RB_NOT_FOUND : RB_ERROR;
	id = json_integer_value(json_object_get(r, "id"));
	msgs = json_array();
	ac.ac_by_msg = json_object();
	if (rb_contact_messages(db, id, msgs) != 0 ||
	    rb_attachment_list(db, "contact", id, att_row, &ac) != 0) {
		json_decref(r);
		json_decref(msgs);
		json_decref(ac.ac_by_msg);
		return RB_ERROR;
	}
	list = json_array();
	json_array_append_new(list, message_obj("requester",
	    json_string_value(json_object_get(r, "message")),
	    json_integer_value(json_object_get(r, "created_at")),
	    json_object_get(ac.ac_by_msg, "0")));
	json_array_foreach(msgs, i, m) {
		snprintf(key, sizeof(key), "%lld", (long long)
		    json_integer_value(json_object_get(m, "id")));
		atts = json_object_get(ac.ac_by_msg, key);
		json_array_append_new(list, message_obj(json_string_value(
		    json_object_get(m, "author_kind")), json_string_value(
		    json_object_get(m, "body")), json_integer_value(
		    json_object_get(m, "created_at")), atts));
	}
	json_object_set_new(r, "messages", list);
	json_object_set_new(r, "subject_label", json_string(
	    rb_contact_subject_label(json_string_value(json_object_get(r,
	    "subject")))));
	json_object_set_new(r, "status_label", json_string(
	    rb_contact_status_label(json_string_value(json_object_get(r,
	    "status")))));
	json_object_set_new(r, "closed", json_boolean(strcmp(
	    json_string_value(json_object_get(r, "status")), "closed") == 0));
	fr_date_of(r, "created_at", "created");
	json_object_del(r, "message");
	json_decref(msgs);
	json_decref(ac.ac_by_msg);
	*out = r;
	return RB_OK;
}

#define MSG_CLOSED	"Cette demande est close : pour une nouvelle " \
			"question, écrivez-nous depuis la page « Nous " \
			"contacter »."
#define MSG_ANSWER_CLOSED "Cette demande est close : elle ne prend plus " \
			"de réponse."

/* One try of the changes of a request below (rb_db_transact()). */
struct req_txn {
	const struct rb_contact_cfg	*rt_cc;
	const char			*rt_reference, *rt_body, *rt_ip;
	int64_t				 rt_account, rt_agent;
	const struct rb_uploads		*rt_files;
	const enum rb_filetype		*rt_types;
	int				 rt_close;
	time_t				 rt_now;
};

/*
 * Reads the request again (rt_account: the requester, -1 for an agent)
 * into *r, id and status: 0, 1 when gone, 2 when closed meanwhile, or
 * -1.
 */
static int
req_reread(rb_db *db, const struct req_txn *t, json_t **r, int64_t *id,
    const char **status)
{
	int k;

	*r = NULL;
	if ((k = rb_contact_get(db, t->rt_reference, t->rt_account, r)) != 0)
		return k == 1 ? 1 : -1;
	*id = json_integer_value(json_object_get(*r, "id"));
	*status = json_string_value(json_object_get(*r, "status"));
	return strcmp(*status, "closed") == 0 ? 2 : 0;
}

/* The requester's message, its files, the status and the audit: 0, 1
 * when the request is gone, 2 when closed meanwhile, or -1. */
static int
follow_up_try(rb_db *db, void *arg)
{
	const struct req_txn *t = arg;
	char target[40];
	const char *status;
	json_t *r;
	int64_t id, mid;
	int k;

	if ((k = req_reread(db, t, &r, &id, &status)) != 0) {
		json_decref(r);
		return k;
	}
	snprintf(target, sizeof(target), "request:%s", t->rt_reference);
	k = rb_contact_add_message(db, id, "requester", t->rt_account,
	    t->rt_body, t->rt_now, &mid) != 0 || store_files(db, t->rt_cc, id,
	    mid, t->rt_account, t->rt_files, t->rt_types, t->rt_now) != 0 ||
	    rb_contact_set_status(db, id, strcmp(status, "answered") == 0 ?
	    "in_progress" : status, t->rt_now) != 0 || rb_audit(db, t->rt_now,
	    RB_ACTOR_SUBSCRIBER, t->rt_account, "contact.message", target,
	    t->rt_ip, NULL) != 0 ? -1 : 0;
	json_decref(r);
	return k;
}

/* An agent takes (or closes, rt_close) the request: 0, 1 when gone, or
 * -1. */
static int
agent_simple_try(rb_db *db, void *arg)
{
	const struct req_txn *t = arg;
	char target[40];
	const char *status;
	json_t *r;
	int64_t id;
	int k;

	if ((k = req_reread(db, t, &r, &id, &status)) < 0 || k == 1) {
		json_decref(r);
		return k;
	}
	json_decref(r);
	snprintf(target, sizeof(target), "request:%s", t->rt_reference);
	return (t->rt_close ? rb_contact_set_status(db, id, "closed",
	    t->rt_now) : rb_contact_assign(db, id, t->rt_agent,
	    t->rt_now)) != 0 || rb_audit(db, t->rt_now, RB_ACTOR_AGENT,
	    t->rt_agent, t->rt_close ? "contact.close" : "contact.assign",
	    target, t->rt_ip, NULL) != 0 ? -1 : 0;
}

/* An agent's answer: the message, the request taken when nobody had it,
 * answered, audited and mailed. 0, 1 when gone, 2 when closed
 * meanwhile, or -1. */
static int
answer_try(rb_db *db, void *arg)
{
	const struct req_txn *t = arg;
	char target[40];
	const char *status;
	json_t *r, *data = NULL;
	int64_t id, mid;
	int k, signed_in;

	if ((k = req_reread(db, t, &r, &id, &status)) != 0) {
		json_decref(r);
		return k;
	}
	signed_in = json_is_integer(json_object_get(r, "account_id"));
	snprintf(target, sizeof(target), "request:%s", t->rt_reference);
	data = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "first_name",
	    json_string_value(json_object_get(r, "name")), "reference",
	    t->rt_reference, "subject_label", rb_contact_subject_label(
	    json_string_value(json_object_get(r, "subject"))), "answer",
	    t->rt_body, "signed_in", signed_in, "link", signed_in ?
	    "/mes-demandes" : "/contact");
	k = rb_contact_add_message(db, id, "agent", t->rt_agent, t->rt_body,
	    t->rt_now, &mid) != 0 || (!json_is_integer(json_object_get(r,
	    "assigned_agent")) && rb_contact_assign(db, id, t->rt_agent,
	    t->rt_now) != 0) || rb_contact_set_status(db, id, "answered",
	    t->rt_now) != 0 || rb_audit(db, t->rt_now, RB_ACTOR_AGENT,
	    t->rt_agent, "contact.answer", target, t->rt_ip, NULL) != 0 ||
	    rb_mail_queue(db, RB_MAIL_CONTACT_REPLY, json_string_value(
	    json_object_get(r, "email")), data, t->rt_now) != 0 ? -1 : 0;
	json_decref(data);
	json_decref(r);
	return k;
}

enum rb_rc
rb_contact_follow_up(rb_db *db, const struct rb_contact_cfg *cc,
    const char *reference, int64_t account, const char *message,
    const struct rb_uploads *files, const char *ip, time_t now,
    struct rb_contact_errors *errs)
{
	struct req_txn t;
	char ipb[128];
	enum rb_filetype types[16];
	char *body = NULL;
	json_t *r = NULL;
	const char *status;
	enum rb_rc rc = RB_INVALID;
	int k, bad = 0;

	memset(errs, 0, sizeof(errs[0]));
	if (reference == NULL || strlen(reference) > 20)
		return RB_NOT_FOUND;
	if ((k = rb_contact_get(db, reference, account, &r)) != 0)
		return k == 1 ? RB_NOT_FOUND : RB_ERROR;
	status = json_string_value(json_object_get(r, "status"));
	if (strcmp(status, "closed") == 0) {
		errs->ce_alert = MSG_CLOSED;
		goto out;
	}
	if ((errs->ce_msg[RB_CF_MESSAGE] = check_message(message != NULL ?
	    message : "", cc->cc_max_chars, &body, errs)) != NULL)
		bad++;
	if (files != NULL && files->nups > 16)
		errs->ce_msg[RB_CF_FILES] = "Trop de fichiers.", bad++;
	else if (check_files(cc, files, types, errs) != 0)
		bad++;
	if (bad)
		goto out;
	buckets(ip, NULL, ipb, sizeof(ipb), NULL, 0);
	if ((rc = limits_check(db, cc, ipb, NULL, now, errs)) != RB_OK)
		goto out;
	memset(&t, 0, sizeof(t));
	t.rt_cc = cc;
	t.rt_reference = reference;
	t.rt_body = body;
	t.rt_ip = ip;
	t.rt_account = account;
	t.rt_files = files;
	t.rt_types = types;
	t.rt_now = now;
	if ((k = rb_db_transact(db, follow_up_try, &t)) != 0) {
		rc = k == 1 ? RB_NOT_FOUND : RB_ERROR;
		if (k == 2) {
			rc = RB_INVALID;
			errs->ce_alert = MSG_CLOSED;
		}
		goto out;
	}
	(void)rb_ratelimit_hit(db, ipb, now, cc->cc_rl_window, NULL);
	rc = RB_OK;
out:
	free(body);
	json_decref(r);
	return rc;
}

int
rb_contact_attachment(rb_db *db, const char *reference, int64_t account,
    const char *token, struct rb_attachment *a)
{
	json_t *r = NULL;
	int k;

	memset(a, 0, sizeof(*a));
	if (reference == NULL || strlen(reference) > 20)
		return 1;
	if ((k = rb_contact_get(db, reference, account, &r)) != 0)
		return k;
	k = rb_attach_find(db, token, a);
	if (k == 0 && (strcmp(a->at_purpose, "contact") != 0 ||
	    a->at_ref_id != json_integer_value(json_object_get(r, "id"))))
		k = 1;
	json_decref(r);
	if (k != 0)
		memset(a, 0, sizeof(*a));
	return k;
}

/* ------------------------------------------------------------ agents */

enum rb_rc
rb_contact_queue_list(rb_db *db, const char *subject, const char *status,
    int64_t agent, int limit, json_t **out)
{
	json_t *arr, *r;
	size_t i;

	*out = NULL;
	if (subject == NULL)
		subject = "";
	if (status == NULL)
		status = "";
	if ((subject[0] != '\0' && rb_contact_subject_of(subject) < 0) ||
	    (status[0] != '\0' && rb_contact_status_label(status)[0] == '\0'))
		return RB_INVALID;
	arr = json_array();
	if (rb_contact_queue(db, subject, status, limit, arr) != 0) {
		json_decref(arr);
		return RB_ERROR;
	}
	json_array_foreach(arr, i, r) {
		const char *subj = json_string_value(json_object_get(r,
		    "subject"));
		json_t *who = json_object_get(r, "assigned_agent");

		json_object_set_new(r, "subject_label",
		    json_string(rb_contact_subject_label(subj)));
		json_object_set_new(r, "status_label", json_string(
		    rb_contact_status_label(json_string_value(
		    json_object_get(r, "status")))));
		json_object_set_new(r, "mine", json_boolean(json_is_integer(who)
		    && json_integer_value(who) == agent));
		json_object_set_new(r, "debit", json_boolean(
		    strcmp(subj, "debit") == 0));
		fr_date_of(r, "created_at", "created");
		json_object_del(r, "id");
	}
	*out = arr;
	return RB_OK;
}

/* The request's id and status, for an agent. */
static enum rb_rc
agent_get(rb_db *db, const char *reference, json_t **r)
{
	int k;

	*r = NULL;
	if (reference == NULL || strlen(reference) > 20)
		return RB_NOT_FOUND;
	k = rb_contact_get(db, reference, -1, r);
	return k == 0 ? RB_OK : k == 1 ? RB_NOT_FOUND : RB_ERROR;
}

static enum rb_rc
agent_simple(rb_db *db, const char *reference, int64_t agent,
    const char *ip, time_t now, int close)
{
	struct req_txn t;
	json_t *r;
	enum rb_rc rc;
	int k;

	if ((rc = agent_get(db, reference, &r)) != RB_OK)
		return rc;
	json_decref(r);
	memset(&t, 0, sizeof(t));
	t.rt_reference = reference;
	t.rt_account = -1;
	t.rt_agent = agent;
	t.rt_ip = ip;
	t.rt_close = close;
	t.rt_now = now;
	if ((k = rb_db_transact(db, agent_simple_try, &t)) != 0)
		return k == 1 ? RB_NOT_FOUND : RB_ERROR;
	return RB_OK;
}

enum rb_rc
rb_contact_assign_to(rb_db *db, const char *reference, int64_t agent,
    const char *ip, time_t now)
{
	return agent_simple(db, reference, agent, ip, now, 0);
}

enum rb_rc
rb_contact_close(rb_db *db, const char *reference, int64_t agent,
    const char *ip, time_t now)
{
	return agent_simple(db, reference, agent, ip, now, 1);
}

enum rb_rc
rb_contact_answer(rb_db *db, const struct rb_contact_cfg *cc,
    const char *reference, int64_t agent, const char *text, const char *ip,
    time_t now, struct rb_contact_errors *errs)
{
	struct req_txn t;
	json_t *r = NULL;
	char *body = NULL;
	enum rb_rc rc;
	int k;

	memset(errs, 0, sizeof(*errs));
	if ((rc = agent_get(db, reference, &r)) != RB_OK)
		return rc;
	rc = RB_INVALID;
	if (strcmp(json_string_value(json_object_get(r, "status")),
	    "closed") == 0) {
		errs->ce_alert = MSG_ANSWER_CLOSED;
		goto out;
	}
	if ((errs->ce_msg[RB_CF_MESSAGE] = check_message(text != NULL ? text :
	    "", cc->cc_max_chars, &body, errs)) != NULL)
		goto out;
	memset(&t, 0, sizeof(t));
	t.rt_reference = reference;
	t.rt_account = -1;
	t.rt_agent = agent;
	t.rt_body = body;
	t.rt_ip = ip;
	t.rt_now = now;
	k = rb_db_transact(db, answer_try, &t);
	rc = k == 0 ? RB_OK : k == 1 ? RB_NOT_FOUND : RB_ERROR;
	if (k == 2) {
		rc = RB_INVALID;
		errs->ce_alert = MSG_ANSWER_CLOSED;
	}
out:
	free(body);
	json_decref(r);
	return rc;
}

enum rb_rc
rb_contact_agent_view(rb_db *db, const char *reference, int64_t agent,
    const char *ip, time_t now, json_t **out)
{
	char target[40];
	enum rb_rc rc;

	rc = rb_contact_view(db, reference, -1, out);
	if (rc != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "request:%s", reference);
	if (rb_audit(db, now, RB_ACTOR_AGENT, agent, "contact.view", target,
	    ip, NULL) != 0) {
		json_decref(*out);
		*out = NULL;
		return RB_ERROR;
	}
	return RB_OK;
}

int
rb_contact_agent_attachment(rb_db *db, const char *reference, int64_t agent,
    const char *token, const char *ip, time_t now, struct rb_attachment *a)
{
	char target[40];
	json_t *detail;
	int k;

	if ((k = rb_contact_attachment(db, reference, -1, token, a)) != 0)
		return k;
	snprintf(target, sizeof(target), "request:%s", reference);
	detail = json_pack("{s:s}", "attachment", a->at_token);
	k = rb_audit(db, now, RB_ACTOR_AGENT, agent, "contact.attachment",
	    target, ip, detail);
	json_decref(detail);
	return k == 0 ? 0 : -1;
}

/* One try of rb_contact_purge(): two servers purging at once delete
 * the same rows, and PostgreSQL refuses one. */
struct purge_txn {
	time_t		 pt_before;
	json_t		*pt_tokens;	/* out: the files to remove */
	int64_t		*pt_n;
};

static int
purge_try(rb_db *db, void *arg)
{
	const struct purge_txn *p = arg;

	json_array_clear(p->pt_tokens);
	*p->pt_n = 0;
	return rb_contact_purge_closed(db, p->pt_before, p->pt_tokens,
	    p->pt_n) != 0 ? -1 : 0;
}

enum rb_rc
rb_contact_purge(rb_db *db, const struct rb_attach_cfg *ac, time_t now,
    int64_t *nrequests, int64_t *nfiles)
{
	json_t *tokens = json_array(), *t;
	struct purge_txn p;
	struct tm tm;
	time_t before;
	size_t i;

	*nrequests = *nfiles = 0;
	/* The same instant RB_CONTACT_KEEP_YEARS calendar years earlier
	 * (29 February becomes 1 March). */
	gmtime_r(&now, &tm);
	tm.tm_year -= RB_CONTACT_KEEP_YEARS;
	before = timegm(&tm);
	p.pt_before = before;
	p.pt_tokens = tokens;
	p.pt_n = nrequests;
	if (rb_db_transact(db, purge_try, &p) != 0) {
		json_decref(tokens);
		*nrequests = 0;
		return RB_ERROR;
	}
	/* Files after the commit: a failure leaves an orphan file, which
	 * the next sweep removes, never a row without its file. */
	json_array_foreach(tokens, i, t)
		if (rb_attach_remove(ac, json_string_value(t)) == 0)
			(*nfiles)++;
	json_decref(tokens);
	return RB_OK;
}
