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

#include <unistr.h>

#include "app/agentdesk.h"
#include "app/auth_priv.h"
#include "base/clock.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/namekey.h"
#include "store/audit.h"
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
	}
	return 0;
}

enum rb_rc
rb_agent_customer(rb_db *db, int64_t id, int64_t agent_id,
    const char *reason, const char *ip, time_t now, json_t **out)
{
	json_t *file = NULL, *detail = NULL;
	char target[40];
	int rc;

	*out = NULL;
	if (id <= 0)
		return RB_NOT_FOUND;
	/* The view and its audit row in one transaction: a file that
	 * cannot be audited is not shown. */
	if (rb_db_begin(db) != 0)
		return RB_ERROR;
	rc = rb_custfile_get(db, id, &file);
	if (rc != 0) {
		rb_db_rollback(db);
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	}
	snprintf(target, sizeof(target), "customer:%lld", (long long)id);
	if (reason != NULL && reason[0] != '\0')
		detail = json_pack("{s:s}", "why", reason);
	if (account_events(db, file) != 0 ||
	    rb_audit(db, now, RB_ACTOR_AGENT, agent_id, "customer.view",
	    target, ip, detail) != 0 || rb_db_commit(db) != 0) {
		rb_db_rollback(db);
		json_decref(detail);
		json_decref(file);
		return RB_ERROR;
	}
	json_decref(detail);
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
