/*
 * agentdesk.c: the agents' customer search and customer file (see
 * agentdesk.h). The search tells the kind of what was typed from its
 * shape and hands normalised values to store/custsearch.c; the file is
 * read by store/custfile.c and its view audited.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <unistr.h>

#include "app/agentdesk.h"
#include "app/attachments.h"
#include "app/auth_priv.h"
#include "app/coords.h"
#include "app/readings.h"
#include "app/paperless.h"
#include "app/sepa.h"
#include "base/clock.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/money.h"
#include "base/namekey.h"
#include "app/braille.h"
#include "store/accounts.h"
#include "store/audit.h"
#include "mail/mail.h"
#include "store/consumption.h"
#include "store/ratelimit.h"
#include "store/custfile.h"
#include "store/custsearch.h"
#include "store/supervision.h"

/* Characters of a query at most. */
#define QUERY_MAX	100

/* The kinds, as the form names them and as the page says them. */
static const struct {
	const char	*kd_param;
	const char	*kd_label;
} kind_names[RB_CS__MAX] = {
	[RB_CS_NAME] = { "nom", "nom" },
	[RB_CS_EMAIL] = { "email", "adresse e-mail" },
	[RB_CS_CONTRACT] = { "contrat", "numéro de contrat" },
	[RB_CS_OLD_CONTRACT] = { "ancien", "ancien numéro de contrat" },
	[RB_CS_METER] = { "compteur", "numéro de compteur" },
	[RB_CS_INVOICE] = { "facture", "numéro de facture" },
	[RB_CS_IBAN4] = { "iban", "4 derniers caractères de l'IBAN" },
	[RB_CS_POSTCODE] = { "cp", "code postal" },
};

/* What to search: up to RB_CS__MAX (kind, value) pairs. */
struct plan {
	enum rb_custsearch_kind	 pl_kind[RB_CS__MAX + 1];
	char			 pl_value[RB_CS__MAX + 1][256];
	int			 pl_n;
};

static void
plan_add(struct plan *p, enum rb_custsearch_kind kind, const char *value)
{
	int i;

	if (p->pl_n >= (int)RB_NELEM(p->pl_kind))
		return;
	for (i = 0; i < p->pl_n; i++)
		if (p->pl_kind[i] == kind &&
		    strcmp(p->pl_value[i], value) == 0)
			return;
	p->pl_kind[p->pl_n] = kind;
	snprintf(p->pl_value[p->pl_n], sizeof(p->pl_value[0]), "%s", value);
	p->pl_n++;
}

/*
 * Writes into out (size bytes) s upper-cased without spaces, dots and
 * dashes. Returns its length, or -1 when s holds anything but ASCII
 * letters, digits and those, or does not fit.
 */
static int
squeeze(const char *s, char *out, size_t size)
{
	size_t n = 0;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == ' ' || c == '.' || c == '-' || c == '\t')
			continue;
		if (!isalnum(c) || n + 1 >= size)
			return -1;
		out[n++] = (char)toupper(c);
	}
	out[n] = '\0';
	return (int)n;
}

/* 1 when s matches pat: 'D' a digit, 'L' a letter, else itself. */
static int
shaped(const char *s, const char *pat)
{
	for (; *pat != '\0'; s++, pat++) {
		if (*s == '\0')
			return 0;
		if (*pat == 'D' ? !isdigit((unsigned char)*s) :
		    *pat == 'L' ? !isalpha((unsigned char)*s) : *s != *pat)
			return 0;
	}
	return *s == '\0';
}

static int
all_digits(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/*
 * Adds the name searches of q: the key of q, and when it has two words
 * or more the key with its last word first ("jean dupont" is also
 * "dupont jean"). Returns 0, or -1 when the key has under 2 characters.
 */
static int
plan_name(struct plan *p, const char *q)
{
	char key[RB_NAMEKEY_MAX], swapped[RB_NAMEKEY_MAX];
	const char *last;

	rb_namekey_fold(q, key, sizeof(key));
	if (u8_mbsnlen((const uint8_t *)key, strlen(key)) < 2)
		return -1;
	plan_add(p, RB_CS_NAME, key);
	if ((last = strrchr(key, ' ')) != NULL) {
		snprintf(swapped, sizeof(swapped), "%s %.*s", last + 1,
		    (int)(last - key), key);
		plan_add(p, RB_CS_NAME, swapped);
	}
	return 0;
}

/*
 * Fills p for q with kind forced (k < RB_CS__MAX) or told from the
 * shape (k == RB_CS__MAX). Returns NULL, or the French reason why q
 * cannot be searched.
 */
static const char *
plan_of(struct plan *p, const char *q, enum rb_custsearch_kind k)
{
	char sq[64], email[256];
	int n, letters = 0;
	const char *s;

	for (s = q; *s != '\0'; s++)
		if (isalpha((unsigned char)*s) || (unsigned char)*s >= 0x80)
			letters = 1;
	n = squeeze(q, sq, sizeof(sq));
	if (k == RB_CS__MAX) {
		if (strchr(q, '@') != NULL)
			k = RB_CS_EMAIL;
		else if (n == 10 && all_digits(sq))
			k = RB_CS_CONTRACT;
		else if (n == 5 && all_digits(sq))
			k = RB_CS_POSTCODE;
		else if (n == 4 && all_digits(sq))
			k = RB_CS_IBAN4;
		else if (n >= 15 && n <= 34 && isalpha((unsigned char)sq[0]) &&
		    isalpha((unsigned char)sq[1]) &&
		    isdigit((unsigned char)sq[2]) &&
		    isdigit((unsigned char)sq[3])) {
			/* An IBAN typed whole: its last four. */
			plan_add(p, RB_CS_IBAN4, sq + n - 4);
			return NULL;
		} else if (n == 8 && shaped(sq, "DDDDDDDL"))
			k = RB_CS_OLD_CONTRACT;
		else if (n == 12 && shaped(sq, "FADDDDDDDDDD"))
			k = RB_CS_INVOICE;
		else if (n == 10 && shaped(sq, "LDDDDDDDDD"))
			k = RB_CS_INVOICE;
		else if (n == 11 && shaped(sq, "LDDLLDDDDDD"))
			k = RB_CS_METER;
		else if (letters && (n < 0 || strpbrk(sq, "0123456789") ==
		    NULL))
			k = RB_CS_NAME;
		else {
			/* Not one shape: every number it may be, and the
			 * name when it has letters. */
			if (n <= 0)
				return "Cette recherche ne ressemble ni à un "
				    "nom ni à un numéro.";
			plan_of(p, q, RB_CS_OLD_CONTRACT);
			plan_of(p, q, RB_CS_METER);
			plan_of(p, q, RB_CS_INVOICE);
			if (letters)
				plan_name(p, q);
			return NULL;
		}
	}
	switch (k) {
	case RB_CS_NAME:
		if (plan_name(p, q) != 0)
			return "Tapez au moins 2 lettres du nom.";
		return NULL;
	case RB_CS_EMAIL:
		if (rb_auth_norm_email(q, email, sizeof(email)) != 0)
			return "Cette adresse e-mail n'est pas complète "
			    "(exemple : nom@exemple.fr).";
		plan_add(p, RB_CS_EMAIL, email);
		return NULL;
	case RB_CS_CONTRACT:
		if (n != 10 || !all_digits(sq))
			return "Un numéro de contrat a 10 chiffres.";
		break;
	case RB_CS_POSTCODE:
		if (n != 5 || !all_digits(sq))
			return "Un code postal a 5 chiffres.";
		break;
	case RB_CS_IBAN4:
		if (n != 4)
			return "Tapez les 4 derniers caractères de l'IBAN.";
		break;
	case RB_CS_INVOICE:
		if (rb_auth_norm_invoice(q, email, sizeof(email)) != 0)
			return "Ce numéro de facture n'est pas valable.";
		plan_add(p, k, email);
		return NULL;
	case RB_CS_OLD_CONTRACT:
	case RB_CS_METER:
		if (n < 4 || n > 20)
			return "Ce numéro n'est pas valable.";
		break;
	default:
		return "Type de recherche inconnu.";
	}
	plan_add(p, k, sq);
	return NULL;
}

enum rb_rc
rb_agent_search(rb_db *db, const char *q, const char *kind, json_t **out,
    const char **msg)
{
	enum rb_custsearch_kind k = RB_CS__MAX;
	struct plan p;
	json_t *hits, *kinds;
	int64_t count, total = 0;
	size_t len;
	int i, max;

	*out = NULL;
	*msg = NULL;
	if (q == NULL)
		q = "";
	while (*q == ' ' || *q == '\t')
		q++;
	len = strlen(q);
	if (len == 0) {
		*msg = "Tapez un nom, une adresse e-mail, un numéro de "
		    "contrat, de compteur ou de facture, les 4 derniers "
		    "chiffres d'un IBAN ou un code postal.";
		return RB_INVALID;
	}
	if (u8_check((const uint8_t *)q, len) != NULL ||
	    u8_mbsnlen((const uint8_t *)q, len) > QUERY_MAX) {
		*msg = "La recherche est trop longue (100 caractères au plus).";
		return RB_INVALID;
	}
	if (kind != NULL && kind[0] != '\0') {
		for (k = 0; k < RB_CS__MAX; k++)
			if (strcmp(kind, kind_names[k].kd_param) == 0)
				break;
		if (k == RB_CS__MAX) {
			*msg = "Type de recherche inconnu.";
			return RB_INVALID;
		}
	}
	memset(&p, 0, sizeof(p));
	if ((*msg = plan_of(&p, q, k)) != NULL)
		return RB_INVALID;
	hits = json_array();
	kinds = json_array();
	for (i = 0; i < p.pl_n; i++) {
		max = RB_AGENT_SEARCH_MAX - (int)json_array_size(hits);
		if (rb_custsearch_run(db, p.pl_kind[i], p.pl_value[i], max,
		    hits, &count) != 0) {
			json_decref(hits);
			json_decref(kinds);
			return RB_ERROR;
		}
		total += count;
		if (i == 0 || p.pl_kind[i] != p.pl_kind[i - 1])
			json_array_append_new(kinds, json_string(
			    kind_names[p.pl_kind[i]].kd_label));
	}
	*out = json_pack("{s:s, s:o, s:I, s:I, s:b, s:o}", "q", q,
	    "kinds", kinds, "count", (json_int_t)total,
	    "shown", (json_int_t)json_array_size(hits),
	    "capped", total > (int64_t)json_array_size(hits),
	    "hits", hits);
	return RB_OK;
}

/* Adds to each mandate of file its masked IBAN ("iban_masked"). */
static void
mask_mandates(json_t *file)
{
	char masked[RB_IBAN_MASK_MAX];
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(file, "mandates"), i, m) {
		rb_iban_mask_last4(json_string_value(json_object_get(m,
		    "iban_last4")), masked);
		json_object_set_new(m, "iban_masked", json_string(masked));
	}
}

/* Adds to each account of file its last sign-ins ("signins") and its
 * recent security events ("events"). Returns 0, or -1. */
static int
account_events(rb_db *db, json_t *file)
{
	json_t *a, *signins, *events;
	size_t i;
	int64_t id;

	json_array_foreach(json_object_get(file, "accounts"), i, a) {
		id = json_integer_value(json_object_get(a, "id"));
		if (rb_custfile_account_events(db, id, "signin.ok",
		    RB_CUSTFILE_SIGNINS, &signins) != 0)
			return -1;
		json_object_set_new(a, "signins", signins);
		if (rb_custfile_account_events(db, id, NULL,
		    RB_CUSTFILE_EVENTS, &events) != 0)
			return -1;
		json_object_set_new(a, "events", events);
		/* issue 11: the braille choice, as a form (app/braille.h) */
		if (rb_braille_choices(db, id, &events) != RB_OK)
			return -1;
		json_object_set_new(a, "braille", events);
	}
	return 0;
}

/*
 * Writes into out (size bytes) the reason an agent gave, trimmed and cut
 * to RB_AGENT_REASON_MAX characters, without control characters (made
 * spaces). Returns its length in bytes; 0 when reason is NULL, empty or
 * not UTF-8.
 */
static size_t
reason_cut(const char *reason, char *out, size_t size)
{
	const uint8_t *p;
	size_t n = 0, chars = 0;
	ucs4_t c;
	int len;

	out[0] = '\0';
	if (reason == NULL || u8_check((const uint8_t *)reason,
	    strlen(reason)) != NULL)
		return 0;
	while (*reason == ' ' || *reason == '\t')
		reason++;
	for (p = (const uint8_t *)reason; *p != '\0' &&
	    chars < RB_AGENT_REASON_MAX; p += len, chars++) {
		len = u8_mbtouc(&c, p, strlen((const char *)p));
		if (n + (size_t)len + 1 > size)
			break;
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			out[n++] = ' ';
		else {
			memcpy(out + n, p, (size_t)len);
			n += (size_t)len;
		}
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

/* One try of rb_agent_customer() inside its transaction. */
struct cust_view {
	int64_t		 cv_id, cv_agent;
	const char	*cv_ip, *cv_target;
	const json_t	*cv_detail;
	time_t		 cv_now;
	json_t		*cv_file;	/* out */
};

/* Reads the file and audits the view: 0, 1 when no such customer
 * (rolled back) or -1. */
static int
cust_view_try(rb_db *db, void *arg)
{
	struct cust_view *v = arg;
	int rc;

	json_decref(v->cv_file);
	v->cv_file = NULL;
	if ((rc = rb_custfile_get(db, v->cv_id, &v->cv_file)) != 0)
		return rc > 0 ? 1 : -1;
	return account_events(db, v->cv_file) != 0 ||
	    rb_audit(db, v->cv_now, RB_ACTOR_AGENT, v->cv_agent,
	    "customer.view", v->cv_target, v->cv_ip, v->cv_detail) != 0 ?
	    -1 : 0;
}

enum rb_rc
rb_agent_customer(rb_db *db, int64_t id, int64_t agent_id,
    const char *reason, const char *ip, time_t now, json_t **out)
{
	struct cust_view v;
	json_t *file = NULL, *detail = NULL;
	char target[40], why[RB_AGENT_REASON_MAX * 4 + 1];
	int rc;

	*out = NULL;
	if (id <= 0)
		return RB_NOT_FOUND;
	/* The view and its audit row in one transaction: a file that
	 * cannot be audited is not shown. */
	snprintf(target, sizeof(target), "customer:%lld", (long long)id);
	if (reason_cut(reason, why, sizeof(why)) > 0)
		detail = json_pack("{s:s}", "why", why);
	memset(&v, 0, sizeof(v));
	v.cv_id = id;
	v.cv_agent = agent_id;
	v.cv_ip = ip;
	v.cv_target = target;
	v.cv_detail = detail;
	v.cv_now = now;
	rc = rb_db_transact(db, cust_view_try, &v);
	json_decref(detail);
	file = v.cv_file;
	if (rc != 0) {
		json_decref(file);
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	}
	mask_mandates(file);
	*out = file;
	return RB_OK;
}

/* The Paris midnight that starts ISO day iso (+ days), into *t: 0, or
 * -1 when iso is not a date. */
static int
paris_day(const char *iso, int days, int64_t *t)
{
	struct rb_date d, e;

	if (rb_clock_parse_date(iso, &d) != 0)
		return -1;
	rb_clock_date_add(&d, days, &e);
	*t = (int64_t)rb_clock_paris_mktime(&e, 0, 0, 0);
	return 0;
}

enum rb_rc
rb_agent_audit_log(rb_db *db, const char *actor, const char *target,
    const char *from, const char *to, json_t **out, const char **msg)
{
	struct rb_audit_filter f;
	char kind[16];
	const char *colon;
	json_t *rows;
	size_t n;
	char *end;
	long long id;

	*out = NULL;
	*msg = NULL;
	memset(&f, 0, sizeof(f));
	f.af_actor_kind = "";
	f.af_target = target != NULL ? target : "";
	f.af_to = INT64_MAX;
	if (actor != NULL && actor[0] != '\0') {
		colon = strchr(actor, ':');
		n = colon != NULL ? (size_t)(colon - actor) : strlen(actor);
		if (n >= sizeof(kind))
			n = sizeof(kind) - 1;
		memcpy(kind, actor, n);
		kind[n] = '\0';
		if (strcmp(kind, "agent") != 0 && strcmp(kind, "subscriber")
		    != 0 && strcmp(kind, "system") != 0 &&
		    strcmp(kind, "anonymous") != 0) {
			*msg = "Auteur inconnu : écrivez agent:12, "
			    "subscriber:5, agent, subscriber, system ou "
			    "anonymous.";
			return RB_INVALID;
		}
		if (colon != NULL) {
			id = strtoll(colon + 1, &end, 10);
			if (end == colon + 1 || *end != '\0' || id <= 0) {
				*msg = "Le numéro de l'auteur doit être un "
				    "nombre (agent:12).";
				return RB_INVALID;
			}
			f.af_actor_id = id;
		}
		f.af_actor_kind = kind;
	}
	if ((from != NULL && from[0] != '\0' &&
	    paris_day(from, 0, &f.af_from) != 0) ||
	    (to != NULL && to[0] != '\0' && paris_day(to, 1, &f.af_to) != 0)) {
		*msg = "Les dates s'écrivent AAAA-MM-JJ.";
		return RB_INVALID;
	}
	if (rb_supervision_audit(db, &f, RB_AGENT_AUDIT_MAX + 1, &rows) != 0)
		return RB_ERROR;
	n = json_array_size(rows);
	if (n > RB_AGENT_AUDIT_MAX)
		json_array_remove(rows, RB_AGENT_AUDIT_MAX);
	*out = json_pack("{s:o, s:I, s:b}", "rows", rows, "shown",
	    (json_int_t)json_array_size(rows), "capped",
	    n > RB_AGENT_AUDIT_MAX);
	return RB_OK;
}

enum rb_rc
rb_agent_reports(rb_db *db, time_t now, json_t **out)
{
	struct rb_date today, jan1;
	json_t *req = NULL, *p30 = NULL, *pyear = NULL;

	*out = NULL;
	rb_clock_today(now, &today);
	jan1 = today;
	jan1.d_month = 1;
	jan1.d_day = 1;
	if (rb_supervision_requests(db, now, &req) != 0 ||
	    rb_supervision_payments(db, now - 30 * 86400, &p30) != 0 ||
	    rb_supervision_payments(db, rb_clock_paris_mktime(&jan1, 0, 0, 0),
	    &pyear) != 0) {
		json_decref(req);
		json_decref(p30);
		return RB_ERROR;
	}
	*out = json_pack("{s:o, s:o, s:o, s:i}", "requests", req,
	    "payments_30", p30, "payments_year", pyear, "year", today.d_year);
	return RB_OK;
}

/* Audits an action of agent about target with detail (may be NULL). */
static int
agent_audit(const struct rb_auth_req *r, int64_t agent, const char *action,
    const char *target, const json_t *detail)
{
	return rb_audit(r->ar_db, r->ar_now, RB_ACTOR_AGENT, agent, action,
	    target, r->ar_ip, detail);
}

static enum rb_rc
find_contract(const struct rb_auth_req *r, int64_t customer,
    const char *number, int64_t *contract, int64_t *account)
{
	int rc;

	if (number == NULL || number[0] == '\0')
		return RB_NOT_FOUND;
	rc = rb_custfile_contract(r->ar_db, customer, number, contract,
	    account);
	return rc < 0 ? RB_ERROR : rc > 0 ? RB_NOT_FOUND : RB_OK;
}

/* One try of the agents' changes below (rb_db_transact()). */
struct desk_txn {
	const struct rb_auth_req		*dt_r;
	int64_t					 dt_agent, dt_id;
	const char				*dt_target;
	const json_t				*dt_detail, *dt_extra;
	const json_t				*dt_to;
	const struct rb_sepa_mandate		*dt_m;
	const rb_buf				*dt_doc;
	const struct rb_account			*dt_acc;
	const struct rb_custfile_identity	*dt_new;
	int					 dt_changed;	/* out */
};

/* Audits the mandate an agent signed and tells each recipient; 0 or
 * -1. */
static int
mandate_told_try(rb_db *db, void *arg)
{
	const struct desk_txn *t = arg;
	const json_t *u;
	size_t i;

	(void)db;
	if (agent_audit(t->dt_r, t->dt_agent, "sepa.mandate_signed",
	    t->dt_target, t->dt_detail) != 0)
		return -1;
	json_array_foreach(t->dt_to, i, u)
		if (rb_sepa_mandate_notice(t->dt_r,
		    json_string_value(json_object_get(u, "email")),
		    json_string_value(json_object_get(u, "first_name")), NULL,
		    t->dt_extra, t->dt_m, t->dt_doc) != 0)
			return -1;
	return 0;
}

/* Records the letter (dt_id: the contract) unless it already was
 * (dt_changed 1); 0 or -1. */
static int
letter_try(rb_db *db, void *arg)
{
	struct desk_txn *t = arg;

	if ((t->dt_changed = rb_custfile_letter_sent(db, t->dt_id)) < 0)
		return -1;
	return t->dt_changed == 0 && agent_audit(t->dt_r, t->dt_agent,
	    "contract.letter_sent", t->dt_target, NULL) != 0 ? -1 : 0;
}

/* Lifts the sign-in limits of dt_acc; 0 or -1. */
static int
unblock_try(rb_db *db, void *arg)
{
	static const char *const actions[] = { "signin", "reset", "resend",
	    "reauth" };
	const struct desk_txn *t = arg;
	char bucket[RB_EMAIL_MAX + 32];
	size_t i;

	for (i = 0; i < RB_NELEM(actions); i++) {
		snprintf(bucket, sizeof(bucket), "%s:id:%s", actions[i],
		    t->dt_acc->acc_email_norm);
		if (rb_ratelimit_reset(db, bucket) != 0)
			return -1;
		/* The identifier from each address (app/auth_limit.c). */
		snprintf(bucket, sizeof(bucket), "%s:pair:%s|", actions[i],
		    t->dt_acc->acc_email_norm);
		if (rb_ratelimit_reset_prefix(db, bucket) != 0)
			return -1;
	}
	return agent_audit(t->dt_r, t->dt_agent, "ratelimit.lift",
	    t->dt_target, NULL) != 0 ? -1 : 0;
}

enum rb_rc
rb_agent_mandate(const struct rb_auth_req *r, const unsigned char *key,
    const char *ics, const char *creditor, int64_t agent, int64_t customer,
    const char *number, const char *holder, const char *iban_in,
    const char **notice, const char **msg)
{
	struct rb_sepa_mandate m;
	struct desk_txn dt;
	rb_buf doc = RB_BUF_INIT;
	int drawn;
	char iban[RB_IBAN_MAX + 1], today[11], target[32], mask[RB_IBAN_MASK_MAX];
	const char *field;
	int64_t contract, account;
	json_t *to = NULL, *extra, *detail;
	enum rb_rc rc;

	*notice = *msg = NULL;
	if ((rc = find_contract(r, customer, number, &contract, &account)) !=
	    RB_OK)
		return rc;
	if ((rc = rb_sepa_mandate_input(iban_in, holder, iban, &field, msg)) !=
	    RB_OK)
		return rc;
	rb_clock_today_iso(r->ar_now, today, sizeof(today));
	rc = rb_sepa_mandate_sign(r->ar_db, key, contract, number, 0, holder,
	    iban, today, &m);
	sodium_memzero(iban, sizeof(iban));
	if (rc == RB_TOO_MANY) {
		*msg = "Ce contrat a déjà un mandat de prélèvement actif.";
		return RB_INVALID;
	}
	if (rc != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "contract:%s", number);
	rb_iban_mask_last4(m.sm_iban_last4, mask);
	detail = json_pack("{s:s, s:s}", "by", "agent", "rum", m.sm_rum);
	extra = json_pack("{s:s, s:s, s:s, s:s, s:b}", "contract_number",
	    number, "rum", m.sm_rum, "iban", mask, "what", "signé",
	    "by_agent", 1);
	/* Drawn before the transaction, which it would hold up. */
	drawn = rb_sepa_mandate_pdf(&m, number, ics, creditor, &doc) == 0;
	rc = RB_ERROR;
	if (rb_cons_store_recipients(r->ar_db, contract, &to) != 0)
		goto out;
	memset(&dt, 0, sizeof(dt));
	dt.dt_r = r;
	dt.dt_agent = agent;
	dt.dt_target = target;
	dt.dt_detail = detail;
	dt.dt_extra = extra;
	dt.dt_to = to;
	dt.dt_m = &m;
	dt.dt_doc = drawn ? &doc : NULL;
	if (rb_db_transact(r->ar_db, mandate_told_try, &dt) != 0)
		goto out;
	*notice = json_array_size(to) > 0 ? "Le prélèvement est remis en "
	    "place ; l'abonné reçoit par e-mail la référence du mandat et "
	    "son mandat en PDF." : "Le prélèvement est remis en "
	    "place. L'abonné n'a pas d'adresse e-mail : remettez-lui le "
	    "mandat par courrier.";
	rc = RB_OK;
out:
	json_decref(to);
	json_decref(extra);
	json_decref(detail);
	rb_buf_free(&doc);
	return rc;
}

enum rb_rc
rb_agent_paperless(const struct rb_auth_req *r, int64_t agent,
    int64_t customer, const char *number, int on, const char **notice,
    const char **msg)
{
	int64_t contract, account;
	enum rb_rc rc;
	int changed = 0;

	*notice = *msg = NULL;
	if ((rc = find_contract(r, customer, number, &contract, &account)) !=
	    RB_OK)
		return rc;
	if (account == 0) {
		*msg = "Ce contrat n'a pas d'espace client : la facture "
		    "électronique est envoyée à l'adresse de l'espace, il "
		    "faut d'abord en ouvrir un.";
		return RB_INVALID;
	}
	rc = rb_paperless_switch(r->ar_db, account, number, on,
	    RB_PAPERLESS_BY_AGENT, agent, r->ar_ip, r->ar_now, &changed);
	if (rc != RB_OK)
		return rc;
	*notice = !changed ? (on ? "La facture électronique était déjà en "
	    "place : rien n'a changé." : "La facture électronique était "
	    "déjà arrêtée : rien n'a changé.") : on ? "La facture "
	    "électronique est en place ; l'abonné en reçoit la "
	    "confirmation par e-mail." : "La facture électronique est "
	    "arrêtée ; l'abonné en reçoit la confirmation par e-mail.";
	return RB_OK;
}

enum rb_rc
rb_agent_letter(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    const char *number, const char **notice, const char **msg)
{
	struct desk_txn dt;
	int64_t contract, account;
	char target[32];
	enum rb_rc rc;

	*notice = *msg = NULL;
	if ((rc = find_contract(r, customer, number, &contract, &account)) !=
	    RB_OK)
		return rc;
	snprintf(target, sizeof(target), "contract:%s", number);
	memset(&dt, 0, sizeof(dt));
	dt.dt_r = r;
	dt.dt_agent = agent;
	dt.dt_id = contract;
	dt.dt_target = target;
	if (rb_db_transact(r->ar_db, letter_try, &dt) != 0)
		return RB_ERROR;
	if (dt.dt_changed > 0) {
		*msg = "L'envoi du courrier était déjà enregistré.";
		return RB_INVALID;
	}
	*notice = "L'envoi du courrier est enregistré : le titulaire peut "
	    "maintenant créer son espace avec le numéro de contrat.";
	return RB_OK;
}

/* The account of customer, into acc. */
static enum rb_rc
find_account(const struct rb_auth_req *r, int64_t customer, int64_t account,
    struct rb_account *acc)
{
	int rc;

	if (account <= 0)
		return RB_NOT_FOUND;
	if ((rc = rb_custfile_has_account(r->ar_db, customer, account)) < 0)
		return RB_ERROR;
	if (rc == 0)
		return RB_NOT_FOUND;
	rc = rb_account_by_id(r->ar_db, account, acc);
	return rc < 0 ? RB_ERROR : rc > 0 ? RB_NOT_FOUND : RB_OK;
}

enum rb_rc
rb_agent_resend(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    int64_t account, const char **notice, const char **msg)
{
	struct rb_account acc;
	char target[40];
	enum rb_rc rc;
	int retry = 0;

	*notice = *msg = NULL;
	if ((rc = find_account(r, customer, account, &acc)) != RB_OK)
		return rc;
	if (acc.acc_status != RB_ACCOUNT_PENDING) {
		*msg = "Ce compte est déjà activé : il n'y a pas d'e-mail "
		    "d'activation à renvoyer.";
		return RB_INVALID;
	}
	rc = rb_auth_resend(r, acc.acc_email, &retry);
	if (rc == RB_LIMITED) {
		*msg = "Trop d'e-mails d'activation envoyés à cette adresse "
		    "récemment : réessayez dans une heure.";
		return RB_INVALID;
	}
	if (rc != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "account:%lld", (long long)account);
	if (agent_audit(r, agent, "account.resend", target, NULL) != 0)
		return RB_ERROR;
	*notice = "L'e-mail d'activation est renvoyé à l'adresse du compte.";
	return RB_OK;
}

enum rb_rc
rb_agent_braille(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    int64_t account, const char *choice, const char **notice,
    const char **msg)
{
	struct rb_account acc;
	enum rb_rc rc;
	int g;

	*notice = *msg = NULL;
	if ((g = rb_braille_parse_choice(choice)) < 0) {
		*msg = "Choisissez « Pas de document en braille », « Braille "
		    "intégral » ou « Braille abrégé ».";
		return RB_INVALID;
	}
	if ((rc = find_account(r, customer, account, &acc)) != RB_OK)
		return rc;
	if ((rc = rb_braille_set(r->ar_db, account, (enum rb_braille_grade)g,
	    RB_BRAILLE_BY_AGENT, agent, r->ar_ip, r->ar_now, NULL)) != RB_OK)
		return rc;
	*notice = g == RB_BRAILLE_NONE ? "Les documents en braille sont "
	    "arrêtés pour ce compte." : "Le choix de braille du compte est "
	    "enregistré.";
	return RB_OK;
}

enum rb_rc
rb_agent_unblock(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    int64_t account, const char **notice, const char **msg)
{
	struct rb_account acc;
	struct desk_txn dt;
	char target[40];
	enum rb_rc rc;

	*notice = *msg = NULL;
	if ((rc = find_account(r, customer, account, &acc)) != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "account:%lld", (long long)account);
	memset(&dt, 0, sizeof(dt));
	dt.dt_r = r;
	dt.dt_agent = agent;
	dt.dt_target = target;
	dt.dt_acc = &acc;
	if (rb_db_transact(r->ar_db, unblock_try, &dt) != 0)
		return RB_ERROR;
	*notice = "Le blocage des connexions de ce compte est levé : "
	    "l'abonné peut se connecter de nouveau.";
	return RB_OK;
}

static json_t *
identity_json(const struct rb_custfile_identity *id)
{
	return json_pack("{s:s, s:s, s:s}", "last_name", id->ci_last_name,
	    "first_name", id->ci_first_name, "email", id->ci_email);
}

/*
 * One try of rb_agent_contact() inside rb_db_transact(): reads the
 * identity on file again, so that of two agents correcting one customer
 * at once the second sees the first's change (dt_changed 0 when the
 * file already says dt_new). Returns 0, 1 when no such customer
 * (rolled back) or -1.
 */
static int
contact_try(rb_db *db, void *arg)
{
	struct desk_txn *t = arg;
	const struct rb_custfile_identity *new = t->dt_new;
	struct rb_custfile_identity old;
	char target[40];
	json_t *detail;
	const char *to[2];
	int rc, i;

	t->dt_changed = 0;
	if ((rc = rb_custfile_identity_get(db, t->dt_id, &old)) != 0)
		return rc < 0 ? -1 : 1;
	if (strcmp(old.ci_last_name, new->ci_last_name) == 0 &&
	    strcmp(old.ci_first_name, new->ci_first_name) == 0 &&
	    strcmp(old.ci_email, new->ci_email) == 0)
		return 0;
	t->dt_changed = 1;
	snprintf(target, sizeof(target), "customer:%lld", (long long)t->dt_id);
	detail = json_pack("{s:o, s:o}", "old", identity_json(&old), "new",
	    identity_json(new));
	to[0] = old.ci_email;
	to[1] = strcasecmp(old.ci_email, new->ci_email) != 0 ?
	    new->ci_email : "";
	rc = rb_custfile_identity_set(db, t->dt_id, new) != 0 ||
	    agent_audit(t->dt_r, t->dt_agent, "customer.correct", target,
	    detail) != 0 ? -1 : 0;
	json_decref(detail);
	for (i = 0; rc == 0 && i < 2; i++)
		if (to[i][0] != '\0' && rb_auth_mail_with(t->dt_r,
		    RB_MAIL_DETAILS_CORRECTED, to[i], "/mon-espace", NULL,
		    new->ci_first_name, new->ci_last_name, NULL) != 0)
			rc = -1;
	return rc;
}

enum rb_rc
rb_agent_contact(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    const char *last_name, const char *first_name, const char *email,
    const char **notice, const char **msg)
{
	struct rb_custfile_identity old, new;
	struct desk_txn dt;
	char norm[RB_EMAIL_MAX];
	int rc;

	*notice = *msg = NULL;
	if ((rc = rb_custfile_identity_get(r->ar_db, customer, &old)) != 0)
		return rc < 0 ? RB_ERROR : RB_NOT_FOUND;
	memset(&new, 0, sizeof(new));
	if ((*msg = rb_auth_check_name(last_name, 1, "Le nom est obligatoire.",
	    "Le nom est trop long (100 caractères au plus).",
	    new.ci_last_name, sizeof(new.ci_last_name))) != NULL ||
	    (*msg = rb_auth_check_name(first_name, 0, NULL,
	    "Le prénom est trop long (100 caractères au plus).",
	    new.ci_first_name, sizeof(new.ci_first_name))) != NULL)
		return RB_INVALID;
	if (email != NULL && email[strspn(email, " \t")] != '\0') {
		if (rb_auth_norm_email(email, norm, sizeof(norm)) != 0 ||
		    rb_auth_clean_text(email, new.ci_email,
		    sizeof(new.ci_email)) != 0) {
			*msg = "Cette adresse e-mail n'est pas complète "
			    "(exemple : nom@exemple.fr).";
			return RB_INVALID;
		}
	}
	memset(&dt, 0, sizeof(dt));
	dt.dt_r = r;
	dt.dt_agent = agent;
	dt.dt_id = customer;
	dt.dt_new = &new;
	if ((rc = rb_db_transact(r->ar_db, contact_try, &dt)) != 0)
		return rc < 0 ? RB_ERROR : RB_NOT_FOUND;
	if (!dt.dt_changed) {
		*msg = "Rien n'a changé : les coordonnées sont déjà celles-ci.";
		return RB_INVALID;
	}
	*notice = "Les coordonnées sont corrigées ; l'abonné en est averti "
	    "par e-mail quand il en a une.";
	return RB_OK;
}

/* Queues kind (link: the public URL and path) to every recipient of
 * contract (its web accounts, else the email on file) with extra,
 * skipping the addresses of seen (an array of addresses, grown; may be
 * NULL). Returns the count queued, or -1. */
static int
mail_contract(const struct rb_auth_req *r, enum rb_mail_kind kind,
    const char *path, int64_t contract, const json_t *extra, json_t *seen)
{
	json_t *to = NULL, *t, *x;
	const char *email;
	size_t i, j;
	int n = 0, dup;

	if (rb_cons_store_recipients(r->ar_db, contract, &to) != 0)
		return -1;
	json_array_foreach(to, i, t) {
		email = json_string_value(json_object_get(t, "email"));
		if (email == NULL || email[0] == '\0')
			continue;
		dup = 0;
		if (seen != NULL) {
			json_array_foreach(seen, j, x)
				if (strcasecmp(json_string_value(x), email) ==
				    0)
					dup = 1;
			if (dup)
				continue;
			json_array_append_new(seen, json_string(email));
		}
		if (rb_auth_mail_with(r, kind, email, path, NULL,
		    json_string_value(json_object_get(t, "first_name")), NULL,
		    extra) != 0) {
			json_decref(to);
			return -1;
		}
		n++;
	}
	json_decref(to);
	return n;
}

enum rb_rc
rb_agent_reading(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    int64_t meter, int64_t m3, int jump_confirmed, int meter_change,
    int factor, int *ask, char *msg, size_t msglen, const char **notice)
{
	struct rb_reading_req rq;
	struct rb_reading_result rs;
	char last[64], day[RB_CLOCK_FR_MAX], idx[64], used[64];
	int64_t contract, account;
	json_t *extra;
	enum rb_rc rc;
	int k, n;

	*notice = NULL;
	*ask = 0;
	msg[0] = '\0';
	if (meter <= 0)
		return RB_NOT_FOUND;
	if ((k = rb_custfile_has_meter(r->ar_db, customer, meter)) <= 0)
		return k < 0 ? RB_ERROR : RB_NOT_FOUND;
	memset(&rq, 0, sizeof(rq));
	rq.rq_by = RB_READING_BY_AGENT;
	rq.rq_actor = agent;
	rq.rq_meter = meter;
	rq.rq_m3 = m3;
	rq.rq_confirmed = jump_confirmed != 0;
	rq.rq_meter_change = meter_change != 0;
	rq.rq_factor = factor;
	rq.rq_ip = r->ar_ip;
	rq.rq_now = r->ar_now;
	if ((rc = rb_reading_submit(r->ar_db, &rq, &rs)) != RB_OK) {
		if (rc == RB_INVALID)
			snprintf(msg, msglen, "Cet index n'est pas valable.");
		return rc;
	}
	rb_volume_m3_fr(rs.rs_last_litres, last, sizeof(last));
	if (rb_clock_fr_iso(rs.rs_last_day, day, sizeof(day)) != 0)
		day[0] = '\0';
	switch (rs.rs_verdict) {
	case RB_READING_RECORDED:
		break;
	case RB_READING_TODAY:
		snprintf(msg, msglen, "Un index a déjà été enregistré "
		    "aujourd'hui pour le compteur %s (%s) : un seul relevé par "
		    "jour.", rs.rs_serial, last);
		return RB_INVALID;
	case RB_READING_LOWER:
		snprintf(msg, msglen, "L'index saisi (%lld m³) est inférieur "
		    "au dernier index du compteur %s : %s le %s. Si le compteur "
		    "a été remplacé, cochez « Changement de compteur ».",
		    (long long)m3, rs.rs_serial, last, day);
		return RB_INVALID;
	case RB_READING_SAME:
		snprintf(msg, msglen, "L'index saisi (%lld m³) est celui du "
		    "dernier relevé du compteur %s (%s le %s) : rien de nouveau "
		    "à enregistrer.", (long long)m3, rs.rs_serial, last, day);
		return RB_INVALID;
	case RB_READING_JUMP:
		rb_volume_m3_fr(m3 * 1000 - rs.rs_last_litres, used,
		    sizeof(used));
		snprintf(msg, msglen, "L'index saisi (%lld m³) représente %s "
		    "consommés depuis le dernier relevé (%s le %s), bien plus "
		    "que la consommation habituelle (environ %lld litres par "
		    "jour). Vérifiez-le avec l'abonné ; s'il est juste, cochez "
		    "« L'index est juste » et enregistrez de nouveau.",
		    (long long)m3, used, last, day, (long long)rs.rs_usual);
		*ask = 1;
		return RB_OK;
	default:
		snprintf(msg, msglen, "Cet index n'est pas valable.");
		return RB_INVALID;
	}
	/* Recorded: the notice to the subscriber, after the reading's own
	 * transaction (its audit row is written there). */
	rb_volume_m3_fr(m3 * 1000, idx, sizeof(idx));
	rb_clock_today_iso(r->ar_now, last, sizeof(last));
	if (rb_clock_fr_iso(last, day, sizeof(day)) != 0)
		day[0] = '\0';
	extra = json_pack("{s:s, s:s, s:s, s:s, s:b}", "contract_number",
	    rs.rs_contract, "serial", rs.rs_serial, "index", idx, "date", day,
	    "meter_change", meter_change != 0);
	n = -1;
	if (find_contract(r, customer, rs.rs_contract, &contract, &account) ==
	    RB_OK)
		n = mail_contract(r, RB_MAIL_READING_RECORDED, "/mon-index",
		    contract, extra, NULL);
	json_decref(extra);
	if (n < 0) {
		log_warnx("%s: meter %lld: reading recorded, notice not queued",
		    __func__, (long long)meter);
		*notice = "L'index est enregistré, mais l'avis à l'abonné n'a "
		    "pas pu être préparé.";
	} else
		*notice = n > 0 ? "L'index est enregistré ; l'abonné en reçoit "
		    "l'avis par e-mail." : "L'index est enregistré. L'abonné "
		    "n'a pas d'adresse e-mail : aucun avis n'est envoyé.";
	return RB_OK;
}

/* Appends {label, value} to changes. */
static void
change_add(json_t *changes, const char *label, const char *value)
{
	json_array_append_new(changes, json_pack("{s:s, s:s}", "label", label,
	    "value", value));
}

/* "se terminant par 78" for a phone in E.164, "supprimé" for "". */
static void
phone_hint(const char *e164, char *out, size_t size)
{
	size_t n = strlen(e164);

	if (n == 0)
		snprintf(out, size, "supprimé");
	else
		snprintf(out, size, "numéro se terminant par %s",
		    e164 + (n >= 2 ? n - 2 : 0));
}

enum rb_rc
rb_agent_address(const struct rb_auth_req *r, int64_t agent, int64_t customer,
    const struct rb_co_input *in, struct rb_co_errors *errs,
    const char **notice, const char **msg)
{
	struct rb_custfile_identity who;
	char number[16], addr[512], hint[64];
	const char *v;
	json_t *file = NULL, *changes, *extra, *seen, *c;
	enum rb_rc rc;
	size_t i, j;
	int changed = 0, n, sent = 0, fail = 0;

	*notice = *msg = NULL;
	memset(errs, 0, sizeof(*errs));
	if ((n = rb_custfile_first_contract(r->ar_db, customer, number)) != 0) {
		if (n < 0)
			return RB_ERROR;
		if ((n = rb_custfile_identity_get(r->ar_db, customer,
		    &who)) != 0)
			return n < 0 ? RB_ERROR : RB_NOT_FOUND;
		*msg = "Ce client n'a aucun contrat : son adresse de "
		    "facturation ne peut pas être corrigée ici.";
		return RB_INVALID;
	}
	rc = rb_co_update(r->ar_db, RB_CO_BY_AGENT, agent, number, in,
	    r->ar_ip, r->ar_now, errs, &changed);
	if (rc != RB_OK)
		return rc;
	if (changed == 0) {
		*msg = "Rien n'a changé : l'adresse et les téléphones sont "
		    "déjà ceux-ci.";
		return RB_INVALID;
	}
	/* What changed, from the history rows just written. */
	if (rb_custfile_get(r->ar_db, customer, &file) != 0)
		return RB_ERROR;
	changes = json_array();
	json_array_foreach(json_object_get(file, "contact_history"), i, c) {
		if (json_integer_value(json_object_get(c, "at")) !=
		    (json_int_t)r->ar_now || strcmp(json_string_value(
		    json_object_get(c, "actor_kind")) ?: "", "agent") != 0 ||
		    json_integer_value(json_object_get(c, "actor_id")) != agent)
			continue;
		v = json_string_value(json_object_get(c, "field")) ?: "";
		if (strcmp(v, "address") == 0) {
			snprintf(addr, sizeof(addr), "%s", json_string_value(
			    json_object_get(c, "new")) ?: "");
			change_add(changes, "Adresse de facturation", addr);
		} else {
			phone_hint(json_string_value(json_object_get(c,
			    "new")) ?: "", hint, sizeof(hint));
			change_add(changes, strcmp(v, "mobile") == 0 ?
			    "Téléphone mobile" : "Autre téléphone", hint);
		}
	}
	extra = json_pack("{s:o}", "changes", changes);
	seen = json_array();
	json_array_foreach(json_object_get(file, "contracts"), j, c) {
		n = mail_contract(r, RB_MAIL_ADDRESS_CORRECTED,
		    "/mes-coordonnees", json_integer_value(json_object_get(c, "id")), extra, seen);
		if (n < 0)
			fail = 1;
		else
			sent += n;
	}
	json_decref(seen);
	json_decref(extra);
	json_decref(file);
	if (fail)
		log_warnx("%s: customer %lld: changed, notice not queued",
		    __func__, (long long)customer);
	*notice = fail ? "L'adresse et les téléphones sont corrigés, mais "
	    "l'avis à l'abonné n'a pas pu être préparé." : sent > 0 ?
	    "L'adresse et les téléphones sont corrigés ; l'abonné en est "
	    "averti par e-mail." : "L'adresse et les téléphones sont "
	    "corrigés. L'abonné n'a pas d'adresse e-mail : aucun avis n'est "
	    "envoyé.";
	return RB_OK;
}

int
rb_agent_photo(rb_db *db, int64_t agent, int64_t customer, const char *token,
    const char *ip, time_t now, struct rb_attachment *a)
{
	char serial[24], target[40];
	json_t *detail;
	int k;

	memset(a, 0, sizeof(*a));
	if (token == NULL || customer <= 0)
		return 1;
	if ((k = rb_attach_find(db, token, a)) != 0 ||
	    strcmp(a->at_purpose, "reading") != 0 ||
	    (k = rb_custfile_photo_meter(db, customer, token, serial)) != 0) {
		memset(a, 0, sizeof(*a));
		return k < 0 ? -1 : 1;
	}
	snprintf(target, sizeof(target), "customer:%lld", (long long)customer);
	detail = json_pack("{s:s, s:s}", "attachment", a->at_token, "meter",
	    serial);
	k = rb_audit(db, now, RB_ACTOR_AGENT, agent, "reading.photo", target,
	    ip, detail);
	json_decref(detail);
	return k == 0 ? 0 : -1;
}
