/*
 * coords.c: the holder's billing address and phone numbers, checked,
 * changed, audited and kept in history (rules in coords.h; SQL in
 * store/coords.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistr.h>
#include <uninorm.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/coords.h"
#include "app/coords.h"
#include "app/pagecache.h"

#define LINE_MAX_CHARS	38
#define CITY_MAX_CHARS	32
#define HISTORY_MAX	50

static int
has_control(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; u[i] != '\0'; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 1;
		if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/*
 * Trims s, checks it (UTF-8, no control character, at most max
 * characters) and writes its NFC form into out. Returns NULL or the
 * message: empty (when required), too_long, or the generic one.
 */
static const char *
clean_line(const char *s, int required, size_t max, const char *empty,
    const char *too_long, char *out, size_t size)
{
	const char *p = s != NULL ? s : "";
	size_t n, len;
	uint8_t *r;

	out[0] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return required ? empty : NULL;
	if (u8_check((const uint8_t *)p, n) != NULL)
		return "Ce champ contient des caractères non autorisés.";
	r = u8_normalize(UNINORM_NFC, (const uint8_t *)p, n, NULL, &len);
	if (r == NULL)
		return "Ce champ contient des caractères non autorisés.";
	if (len >= size || u8_mbsnlen(r, len) > max) {
		free(r);
		return too_long;
	}
	memcpy(out, r, len);
	out[len] = '\0';
	free(r);
	if (has_control(out)) {
		out[0] = '\0';
		return "Ce champ contient des caractères non autorisés.";
	}
	return NULL;
}

const char *
rb_co_phone(const char *in, int mobile, char *out, size_t size)
{
	char d[32];
	const char *p;
	size_t n = 0;
	int plus = 0;

	if (size > 0)
		out[0] = '\0';
	for (p = in != NULL ? in : ""; *p != '\0'; p++) {
		if (*p == ' ' || *p == '.' || *p == '-' || *p == '\t')
			continue;
		if (*p == '+' && n == 0 && !plus) {
			plus = 1;
			continue;
		}
		/* "+33 (0)6 ...": the (0) of the national prefix. */
		if (*p == '(' && p[1] == '0' && p[2] == ')') {
			p += 2;
			continue;
		}
		if (*p < '0' || *p > '9' || n + 1 >= sizeof(d))
			goto bad;
		d[n++] = *p;
	}
	d[n] = '\0';
	if (n == 0 && !plus)
		return NULL;
	if (plus && n == 11 && strncmp(d, "33", 2) == 0)
		p = d + 2;
	else if (!plus && n == 13 && strncmp(d, "0033", 4) == 0)
		p = d + 4;
	else if (!plus && n == 10 && d[0] == '0')
		p = d + 1;
	else
		goto bad;
	if (mobile && p[0] != '6' && p[0] != '7') {
		if (strchr("123459", p[0]) != NULL)
			return "Ce numéro est un fixe : indiquez-le dans le "
			    "champ « Autre téléphone (fixe) ».";
		goto bad;
	}
	if (!mobile && strchr("123459", p[0]) == NULL) {
		if (p[0] == '6' || p[0] == '7')
			return "Ce numéro est un mobile : indiquez-le dans le "
			    "champ « Téléphone mobile ».";
		goto bad;
	}
	if (size < 13)
		goto bad;
	snprintf(out, size, "+33%s", p);
	return NULL;
bad:
	return mobile ? "Le numéro de mobile doit compter 10 chiffres et "
	    "commencer par 06 ou 07, par exemple 06 12 34 56 78 (ou +33 6 "
	    "12 34 56 78)." : "Le numéro de téléphone fixe doit compter 10 "
	    "chiffres et commencer par 01 à 05 ou 09, par exemple 03 20 12 "
	    "34 56 (ou +33 3 20 12 34 56).";
}

void
rb_co_history_fr(json_t *row)
{
	const char *v;
	char fr[32];
	int k;

	v = json_string_value(json_object_get(row, "field"));
	v = v == NULL ? "" : v;
	json_object_set_new(row, "field_fr", json_string(
	    strcmp(v, "address") == 0 ? "Adresse de facturation" :
	    strcmp(v, "mobile") == 0 ? "Téléphone mobile" :
	    "Autre téléphone"));
	for (k = 0; k < 2; k++) {
		v = json_string_value(json_object_get(row, k ? "new" : "old"));
		if (v != NULL && v[0] == '+') {
			rb_co_phone_fr(v, fr, sizeof(fr));
			json_object_set_new(row, k ? "new" : "old",
			    json_string(fr));
		}
	}
}

void
rb_co_phone_fr(const char *e164, char *out, size_t size)
{
	if (e164 != NULL && strlen(e164) == 12 &&
	    strncmp(e164, "+33", 3) == 0 && strspn(e164 + 3,
	    "0123456789") == 9)
		snprintf(out, size, "0%c %.2s %.2s %.2s %.2s", e164[3],
		    e164 + 4, e164 + 6, e164 + 8, e164 + 10);
	else
		snprintf(out, size, "%s", e164 != NULL ? e164 : "");
}

/* The address as one line for the history. */
static void
address_text(const struct rb_co_holder *h, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s, %s %s", h->ch_line1,
	    h->ch_line2[0] != '\0' ? ", " : "", h->ch_line2, h->ch_postcode,
	    h->ch_city);
}

enum rb_rc
rb_co_view(rb_db *db, int64_t account, const char *number, json_t **out)
{
	struct rb_co_holder h;
	char mfr[32], lfr[32];
	json_t *history, *contracts, *item, *same;
	int64_t customer = 0, *ids;
	const char *param = number != NULL ? number : "";
	uint64_t epoch;
	size_t i, n;
	int rc;

	*out = NULL;
	if (account <= 0)
		return RB_NOT_FOUND;
	if ((*out = rb_pagecache_json(RB_PAGECACHE_COORDS, account, "", param,
	    (int64_t)time(NULL), &epoch)) != NULL)
		return RB_OK;
	if (rb_co_store_contracts(db, account, &contracts) != 0)
		return RB_ERROR;
	if (number == NULL || number[0] == '\0') {
		if (json_array_size(contracts) == 0) {
			json_decref(contracts);
			return RB_NOT_FOUND;
		}
		number = json_string_value(json_object_get(json_array_get(
		    contracts, 0), "number"));
	}
	/* Its holder: the account's list gives the customer, so that the
	   holder and the history go in one batch, one round trip, after
	   the one that listed the contracts (they need a number and its
	   customer). A number not in the list is not the account's. */
	json_array_foreach(contracts, i, item)
		if (json_is_string(json_object_get(item, "number")) &&
		    strcmp(json_string_value(json_object_get(item, "number")),
		    number) == 0) {
			customer = json_integer_value(json_object_get(item,
			    "customer"));
			break;
		}
	if (customer == 0) {
		json_decref(contracts);
		return RB_NOT_FOUND;
	}
	if ((rc = rb_co_store_holder_history(db, account, number, customer,
	    HISTORY_MAX, &h, &history)) != 0) {
		json_decref(contracts);
		return rc == 1 ? RB_NOT_FOUND : RB_ERROR;
	}
	same = json_array();
	n = json_array_size(contracts);
	ids = rb_xcalloc(n + 1, sizeof(*ids));
	json_array_foreach(contracts, i, item) {
		ids[i] = json_integer_value(json_object_get(item, "id"));
		json_object_del(item, "id");
		json_object_set_new(item, "selected", json_boolean(strcmp(
		    json_string_value(json_object_get(item, "number")),
		    h.ch_contract) == 0));
		if (json_integer_value(json_object_get(item, "customer")) ==
		    h.ch_customer)
			json_array_append(same, json_object_get(item,
			    "number"));
		json_object_del(item, "customer");
	}
	rb_co_phone_fr(h.ch_mobile, mfr, sizeof(mfr));
	rb_co_phone_fr(h.ch_landline, lfr, sizeof(lfr));
	*out = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, "
	    "s:s, s:o, s:o, s:o}", "contract", h.ch_contract, "address",
	    "line1", h.ch_line1, "line2", h.ch_line2, "postcode",
	    h.ch_postcode, "city", h.ch_city, "country", h.ch_country,
	    "mobile", h.ch_mobile, "landline", h.ch_landline, "mobile_fr",
	    mfr, "landline_fr", lfr, "history", history, "contracts",
	    contracts, "same_holder", same);
	/* Listing the account's contracts: the holder's and history's
	   notices name the contracts of that customer (migration 0028). */
	rb_pagecache_json_keep(RB_PAGECACHE_COORDS, account, "", param, *out,
	    ids, n, 0, epoch);
	free(ids);
	return *out != NULL ? RB_OK : RB_ERROR;
}

static const char *const by_kind[RB_CO_BY__MAX] = {
	[RB_CO_BY_SUBSCRIBER] = "subscriber",
	[RB_CO_BY_AGENT] = "agent",
};

/* One try of rb_co_update() inside its transaction. */
struct co_txn {
	enum rb_co_by			 ct_by;
	int64_t				 ct_actor;
	const char			*ct_number, *ct_ip;
	const struct rb_co_holder	*ct_new;
	time_t				 ct_now;
	int				 ct_changed;	/* out: fields */
};

/*
 * Reads the details on file again and writes those that differ from
 * ct_new, each with its history row, and the audit: two changes at once
 * each compare with what the other left. Returns 0, 1 when the contract
 * went out of reach (rolled back) or -1.
 */
static int
co_update_try(rb_db *db, void *arg)
{
	struct co_txn *t = arg;
	const struct rb_co_holder *n = t->ct_new;
	struct rb_co_holder h;
	char old_addr[512], new_addr[512], target[48];
	const char *v;
	json_t *fields, *detail;
	size_t i;
	int rc;

	t->ct_changed = 0;
	if ((rc = rb_co_store_holder(db, t->ct_by == RB_CO_BY_SUBSCRIBER ?
	    t->ct_actor : 0, t->ct_number, &h)) != 0)
		return rc == 1 ? 1 : -1;
	address_text(&h, old_addr, sizeof(old_addr));
	address_text(n, new_addr, sizeof(new_addr));
	fields = json_array();
	if (strcmp(old_addr, new_addr) != 0 ||
	    strcmp(h.ch_country, n->ch_country) != 0)
		json_array_append_new(fields, json_string("address"));
	if (strcmp(h.ch_mobile, n->ch_mobile) != 0)
		json_array_append_new(fields, json_string("mobile"));
	if (strcmp(h.ch_landline, n->ch_landline) != 0)
		json_array_append_new(fields, json_string("landline"));
	if (json_array_size(fields) == 0) {
		json_decref(fields);
		return 0;
	}
	if (rb_co_store_update(db, n) != 0)
		goto fail;
	for (i = 0; i < json_array_size(fields); i++) {
		v = json_string_value(json_array_get(fields, i));
		if (rb_co_store_history_add(db, h.ch_customer,
		    (int64_t)t->ct_now, by_kind[t->ct_by], t->ct_actor, v,
		    strcmp(v, "address") == 0 ? old_addr :
		    strcmp(v, "mobile") == 0 ? h.ch_mobile : h.ch_landline,
		    strcmp(v, "address") == 0 ? new_addr :
		    strcmp(v, "mobile") == 0 ? n->ch_mobile :
		    n->ch_landline) != 0)
			goto fail;
	}
	snprintf(target, sizeof(target), "contract:%s", h.ch_contract);
	detail = json_pack("{s:s, s:O}", "by", by_kind[t->ct_by], "fields",
	    fields);
	rc = rb_audit(db, t->ct_now, t->ct_by == RB_CO_BY_AGENT ?
	    RB_ACTOR_AGENT : RB_ACTOR_SUBSCRIBER, t->ct_actor,
	    "contact.changed", target, t->ct_ip, detail);
	json_decref(detail);
	if (rc != 0)
		goto fail;
	t->ct_changed = (int)json_array_size(fields);
	json_decref(fields);
	return 0;
fail:
	json_decref(fields);
	return -1;
}

enum rb_rc
rb_co_update(rb_db *db, enum rb_co_by by, int64_t actor, const char *number,
    const struct rb_co_input *in, const char *ip, time_t now,
    struct rb_co_errors *errs, int *changed)
{
	struct rb_co_holder h, n;
	struct co_txn t;
	char pc[16];
	const char *v;
	size_t i, k;
	int rc, bad = 0;

	memset(errs, 0, sizeof(*errs));
	*changed = 0;
	if (by < 0 || by >= RB_CO_BY__MAX || number == NULL ||
	    (by == RB_CO_BY_SUBSCRIBER && actor <= 0))
		return RB_NOT_FOUND;
	if ((rc = rb_co_store_holder(db, by == RB_CO_BY_SUBSCRIBER ? actor : 0,
	    number, &h)) != 0)
		return rc == 1 ? RB_NOT_FOUND : RB_ERROR;
	n = h;
	errs->ce[RB_CO_LINE1] = clean_line(in->ci[RB_CO_LINE1], 1,
	    LINE_MAX_CHARS, "Indiquez le numéro et la rue (ligne 1 de "
	    "l'adresse).", "La ligne 1 de l'adresse compte 38 caractères au "
	    "plus : mettez le complément en ligne 2.", n.ch_line1,
	    sizeof(n.ch_line1));
	errs->ce[RB_CO_LINE2] = clean_line(in->ci[RB_CO_LINE2], 0,
	    LINE_MAX_CHARS, NULL, "La ligne 2 de l'adresse compte 38 "
	    "caractères au plus.", n.ch_line2, sizeof(n.ch_line2));
	errs->ce[RB_CO_CITY] = clean_line(in->ci[RB_CO_CITY], 1,
	    CITY_MAX_CHARS, "Indiquez la commune.", "Le nom de la commune "
	    "compte 32 caractères au plus.", n.ch_city, sizeof(n.ch_city));
	/* Postal code: 5 digits, spaces tolerated ("59 000"). */
	v = in->ci[RB_CO_POSTCODE] != NULL ? in->ci[RB_CO_POSTCODE] : "";
	for (k = 0, i = 0; v[i] != '\0' && k < sizeof(pc) - 1; i++)
		if (v[i] != ' ')
			pc[k++] = v[i];
	pc[k] = '\0';
	if (k != 5 || strspn(pc, "0123456789") != 5 || v[i] != '\0')
		errs->ce[RB_CO_POSTCODE] = k == 0 ? "Indiquez le code postal "
		    "(5 chiffres)." : "Le code postal compte 5 chiffres, par "
		    "exemple 59000.";
	else
		snprintf(n.ch_postcode, sizeof(n.ch_postcode), "%s", pc);
	snprintf(n.ch_country, sizeof(n.ch_country), "FR");
	errs->ce[RB_CO_MOBILE] = rb_co_phone(in->ci[RB_CO_MOBILE], 1,
	    n.ch_mobile, sizeof(n.ch_mobile));
	errs->ce[RB_CO_LANDLINE] = rb_co_phone(in->ci[RB_CO_LANDLINE], 0,
	    n.ch_landline, sizeof(n.ch_landline));
	for (i = 0; i < RB_CO__MAX; i++)
		if (errs->ce[i] != NULL)
			bad = 1;
	if (bad)
		return RB_INVALID;
	t.ct_by = by;
	t.ct_actor = actor;
	t.ct_number = number;
	t.ct_ip = ip;
	t.ct_new = &n;
	t.ct_now = now;
	if ((rc = rb_db_transact(db, co_update_try, &t)) > 0)
		return RB_NOT_FOUND;
	if (rc != 0) {
		log_warnx("%s: contract %s: contact details not changed",
		    __func__, number);
		return RB_ERROR;
	}
	*changed = t.ct_changed;
	return RB_OK;
}
