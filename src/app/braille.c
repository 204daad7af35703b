/*
 * braille.c: braille documents as use cases (see braille.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/braille.h"
#include "app/pagecache.h"
#include "base/clock.h"
#include "base/mem.h"
#include "base/log.h"
#include "docs/braille_bill.h"
#include "store/audit.h"
#include "store/braille.h"

static const char *const pref_text[RB_BRAILLE__MAX] = {
	[RB_BRAILLE_NONE] = "none",
	[RB_BRAILLE_GRADE1] = "grade1",
	[RB_BRAILLE_GRADE2] = "grade2",
};

static const char *const choice_value[RB_BRAILLE__MAX] = {
	[RB_BRAILLE_NONE] = "aucun",
	[RB_BRAILLE_GRADE1] = "integral",
	[RB_BRAILLE_GRADE2] = "abrege",
};

static const char *const choice_label[RB_BRAILLE__MAX] = {
	[RB_BRAILLE_NONE] = "Pas de document en braille",
	[RB_BRAILLE_GRADE1] = "Braille intégral (sans abréviations)",
	[RB_BRAILLE_GRADE2] = "Braille abrégé",
};

static const char *const by_names[RB_BRAILLE_BY__MAX] = {
	[RB_BRAILLE_BY_SUBSCRIBER] = "subscriber",
	[RB_BRAILLE_BY_AGENT] = "agent",
};

int
rb_braille_parse_choice(const char *value)
{
	int g;

	if (value == NULL)
		return -1;
	for (g = 0; g < RB_BRAILLE__MAX; g++)
		if (strcmp(value, choice_value[g]) == 0)
			return g;
	return -1;
}

const char *
rb_braille_choice_value(enum rb_braille_grade grade)
{
	return (unsigned)grade < RB_BRAILLE__MAX ? choice_value[grade] : "";
}

const char *
rb_braille_choice_label(enum rb_braille_grade grade)
{
	return (unsigned)grade < RB_BRAILLE__MAX ? choice_label[grade] : "";
}

enum rb_braille_grade
rb_braille_grade_of(const char *pref)
{
	int g;

	for (g = 0; g < RB_BRAILLE__MAX; g++)
		if (strcmp(pref, pref_text[g]) == 0)
			return (enum rb_braille_grade)g;
	return RB_BRAILLE_NONE;
}

enum rb_rc
rb_braille_pref(rb_db *db, int64_t account, enum rb_braille_grade *grade)
{
	char pref[RB_BRAILLE_PREF_MAX];
	int rc;

	*grade = RB_BRAILLE_NONE;
	if (account <= 0)
		return RB_OK;
	if ((rc = rb_braille_pref_get(db, account, pref)) != 0)
		return rc == 1 ? RB_NOT_FOUND : RB_ERROR;
	*grade = rb_braille_grade_of(pref);
	return RB_OK;
}

enum rb_rc
rb_braille_choices(rb_db *db, int64_t account, json_t **out)
{
	enum rb_braille_grade now;
	enum rb_rc rc;

	*out = NULL;
	if ((rc = rb_braille_pref(db, account, &now)) != RB_OK)
		return rc;
	*out = rb_braille_choice_list(now);
	return RB_OK;
}

json_t *
rb_braille_choice_list(enum rb_braille_grade now)
{
	json_t *a = json_array();
	int g;

	for (g = 0; g < RB_BRAILLE__MAX; g++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}",
		    "value", choice_value[g], "label", choice_label[g],
		    "checked", g == (int)now));
	return a;
}

/* One try of rb_braille_set() inside its transaction. */
struct braille_set {
	int64_t			 bs_account, bs_agent;
	enum rb_braille_grade	 bs_grade;
	enum rb_braille_by	 bs_by;
	const char		*bs_ip;
	time_t			 bs_now;
	int			 bs_did;	/* out: changed */
	enum rb_rc		 bs_rc;		/* out when 1 */
};

/* Reads the choice and changes it when it differs: 0, 1 (bs_rc; rolled
 * back) or -1. */
static int
braille_set_try(rb_db *db, void *arg)
{
	struct braille_set *t = arg;
	enum rb_braille_grade was, grade = t->bs_grade;
	enum rb_braille_by by = t->bs_by;
	char target[40], who[40];
	json_t *detail;
	int k;

	t->bs_did = 0;
	if ((t->bs_rc = rb_braille_pref(db, t->bs_account, &was)) != RB_OK)
		return t->bs_rc == RB_ERROR ? -1 : 1;
	if (was == grade)
		return 0;
	if (by == RB_BRAILLE_BY_AGENT)
		snprintf(who, sizeof(who), "agent:%lld",
		    (long long)t->bs_agent);
	else
		snprintf(who, sizeof(who), "subscriber");
	if ((k = rb_braille_pref_set(db, t->bs_account, pref_text[grade],
	    who, (int64_t)t->bs_now)) != 0) {
		t->bs_rc = k == 1 ? RB_NOT_FOUND : RB_ERROR;
		return k == 1 ? 1 : -1;
	}
	snprintf(target, sizeof(target), "account:%lld",
	    (long long)t->bs_account);
	detail = json_pack("{s:s, s:s, s:s}", "by", by_names[by], "was",
	    pref_text[was], "now", pref_text[grade]);
	k = rb_audit(db, t->bs_now, by == RB_BRAILLE_BY_AGENT ?
	    RB_ACTOR_AGENT : RB_ACTOR_SUBSCRIBER, by == RB_BRAILLE_BY_AGENT ?
	    t->bs_agent : t->bs_account, "braille.set", target, t->bs_ip,
	    detail);
	json_decref(detail);
	if (k != 0)
		return -1;
	t->bs_did = 1;
	return 0;
}

enum rb_rc
rb_braille_set(rb_db *db, int64_t account, enum rb_braille_grade grade,
    enum rb_braille_by by, int64_t agent_id, const char *ip, time_t now,
    int *changed)
{
	struct braille_set t;
	int rc;

	if (changed != NULL)
		*changed = 0;
	if ((unsigned)grade >= RB_BRAILLE__MAX ||
	    (unsigned)by >= RB_BRAILLE_BY__MAX)
		return RB_INVALID;
	memset(&t, 0, sizeof(t));
	t.bs_account = account;
	t.bs_agent = agent_id;
	t.bs_grade = grade;
	t.bs_by = by;
	t.bs_ip = ip;
	t.bs_now = now;
	if ((rc = rb_db_transact(db, braille_set_try, &t)) != 0)
		return rc > 0 ? t.bs_rc : RB_ERROR;
	if (changed != NULL)
		*changed = t.bs_did;
	return RB_OK;
}

/* The grade of a download: the account's, grade 1 when none. */
static enum rb_rc
download_grade(rb_db *db, int64_t account, enum rb_braille_grade *g)
{
	enum rb_rc rc = rb_braille_pref(db, account, g);

	if (rc == RB_OK && *g == RB_BRAILLE_NONE)
		*g = RB_BRAILLE_GRADE1;
	return rc;
}

static enum rb_rc
render(struct rb_braille_doc *d, const struct rb_braille_out *o, rb_buf *out,
    int *pages)
{
	char err[200];

	if (rb_braille_render(d, o->bo_fmt, o->bo_cells, o->bo_lines, out,
	    pages, err, sizeof(err)) != 0) {
		log_errx("braille: %s", err);
		return RB_ERROR;
	}
	return RB_OK;
}

enum rb_rc
rb_braille_bill_file(const struct rb_bills_ctx *ctx,
    const struct rb_scope *sc, const char *number,
    const struct rb_braille_out *o, rb_buf *out, int *pages)
{
	struct rb_braille_doc d;
	enum rb_braille_grade g;
	json_t *view = NULL;
	enum rb_rc rc;

	if ((rc = rb_bills_get(ctx, sc, number, &view)) != RB_OK)
		return rc;
	if ((rc = download_grade(ctx->bc_db, sc->sc_account, &g)) != RB_OK) {
		json_decref(view);
		return rc == RB_NOT_FOUND ? RB_ERROR : rc;
	}
	rb_braille_doc_init(&d, g);
	rb_braille_bill(&d, view);
	rc = render(&d, o, out, pages);
	rb_braille_doc_free(&d);
	json_decref(view);
	return rc;
}

struct letters_ctx {
	json_t	*lc_list;
};

static void
letter_row(const struct rb_braille_letter_row *r, void *arg)
{
	struct letters_ctx *lc = arg;
	char date[RB_CLOCK_FR_MAX] = "", u[80], e[80];

	rb_clock_fr_instant((time_t)r->bl_created_at, date, sizeof(date));
	snprintf(u, sizeof(u), "/mes-courriers-braille/%lld-braille.txt",
	    (long long)r->bl_id);
	snprintf(e, sizeof(e), "/mes-courriers-braille/%lld-embosseuse.txt",
	    (long long)r->bl_id);
	json_array_append_new(lc->lc_list, json_pack("{s:I, s:s, s:s, s:s, "
	    "s:s}", "id", (json_int_t)r->bl_id, "title", r->bl_title, "date",
	    date, "unicode_url", u, "embosser_url", e));
}

enum rb_rc
rb_braille_letters(rb_db *db, int64_t account, json_t **out)
{
	struct letters_ctx lc = { json_array() };

	*out = NULL;
	if (rb_braille_letters_list(db, account, letter_row, &lc) != 0) {
		json_decref(lc.lc_list);
		return RB_ERROR;
	}
	*out = lc.lc_list;
	return RB_OK;
}

/* A kept page of letters (rb_braille_letters_page()). */
struct letters_kept {
	enum rb_braille_grade	 lk_grade;
	json_t			*lk_letters;	/* read only */
};

static void
letters_kept_drop(void *p)
{
	struct letters_kept *k = p;

	json_decref(k->lk_letters);
	free(k);
}

enum rb_rc
rb_braille_letters_page(rb_db *db, int64_t account,
    enum rb_braille_grade *grade, json_t **letters)
{
	struct rb_pagecache_val *v;
	struct letters_kept *k;
	uint64_t epoch = 0;
	enum rb_rc rc;
	int keep = account > 0 && rb_pagecache_on();

	*grade = RB_BRAILLE_NONE;
	*letters = NULL;
	/* now 0: the value has no end; its dates are instants. */
	if (keep && (v = rb_pagecache_get(RB_PAGECACHE_BRAILLE_LETTERS,
	    account, "", 0, &epoch)) != NULL) {
		k = rb_pagecache_data(v);
		*grade = k->lk_grade;
		*letters = json_deep_copy(k->lk_letters);
		rb_pagecache_release(v);
		return *letters != NULL ? RB_OK : RB_ERROR;
	}
	if ((rc = rb_braille_pref(db, account, grade)) != RB_OK ||
	    (rc = rb_braille_letters(db, account, letters)) != RB_OK)
		return rc;
	if (!keep)
		return RB_OK;
	k = rb_xcalloc(1, sizeof(*k));
	k->lk_grade = *grade;
	if ((k->lk_letters = json_deep_copy(*letters)) == NULL) {
		free(k);
		return RB_OK;
	}
	v = rb_pagecache_val_new(k, letters_kept_drop, NULL, 0);
	rb_pagecache_put(RB_PAGECACHE_BRAILLE_LETTERS, account, "", v, epoch);
	rb_pagecache_release(v);
	return RB_OK;
}

enum rb_rc
rb_braille_letter_file(rb_db *db, int64_t account, int64_t id,
    const struct rb_braille_out *o, rb_buf *out, int *pages)
{
	struct rb_braille_letter_row row;
	struct rb_braille_doc d;
	enum rb_braille_grade g;
	enum rb_rc rc;
	int k;

	if (account <= 0)
		return RB_NOT_FOUND;
	if ((k = rb_braille_letter_get(db, account, id, &row)) != 0)
		return k == 1 ? RB_NOT_FOUND : RB_ERROR;
	if ((rc = download_grade(db, account, &g)) != RB_OK) {
		free(row.bl_body);
		return RB_ERROR;
	}
	rb_braille_doc_init(&d, g);
	rb_braille_letter(&d, row.bl_title, row.bl_body);
	rc = render(&d, o, out, pages);
	rb_braille_doc_free(&d);
	free(row.bl_body);
	return rc;
}

enum rb_rc
rb_braille_purge(rb_db *db, time_t now, int64_t *deleted)
{
	struct tm tm;

	/* The same instant RB_BRAILLE_KEEP_YEARS calendar years earlier
	 * (29 February becomes 1 March), as rb_contact_purge(). */
	gmtime_r(&now, &tm);
	tm.tm_year -= RB_BRAILLE_KEEP_YEARS;
	return rb_braille_letters_purge(db, (int64_t)timegm(&tm), deleted)
	    == 0 ? RB_OK : RB_ERROR;
}

/* ------------------------------------------------------------- batch */

/* What the store listed, gathered before any document is built. */
static void
batch_gather(const struct rb_braille_addressee *a, void *arg)
{
	json_t *list = arg;
	char name[400], addr[600];

	snprintf(name, sizeof(name), "%s%s%s%s%s", a->ba_title,
	    a->ba_title[0] ? " " : "", a->ba_first_name,
	    a->ba_first_name[0] ? " " : "", a->ba_last_name);
	snprintf(addr, sizeof(addr), "%s%s%s%s%s%s%s%s%s", a->ba_address1,
	    a->ba_address2[0] ? ", " : "", a->ba_address2,
	    a->ba_postcode[0] ? ", " : "", a->ba_postcode,
	    a->ba_commune[0] ? " " : "", a->ba_commune,
	    a->ba_country[0] && strcmp(a->ba_country, "FR") != 0 ? ", " : "",
	    strcmp(a->ba_country, "FR") != 0 ? a->ba_country : "");
	json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, "
	    "s:s}", "account", (json_int_t)a->ba_account, "pref", a->ba_pref,
	    "name", name, "address", addr, "invoice", a->ba_invoice, "letter",
	    (json_int_t)a->ba_letter, "title", a->ba_letter_title));
}

enum rb_rc
rb_braille_batch(const struct rb_bills_ctx *ctx, const char *since_iso,
    const struct rb_braille_out *o,
    int (*fn)(const struct rb_braille_batch_item *, void *), void *arg,
    int *count)
{
	struct rb_braille_out emb = *o;
	json_t *list = json_array(), *it;
	struct rb_date day;
	enum rb_rc rc = RB_ERROR;
	size_t i;

	*count = 0;
	emb.bo_fmt = RB_BRAILLE_EMBOSSER;
	if (rb_clock_parse_date(since_iso, &day) != 0) {
		json_decref(list);
		return RB_INVALID;
	}
	if (rb_braille_batch_bills(ctx->bc_db, since_iso, batch_gather,
	    list) != 0 || rb_braille_batch_letters(ctx->bc_db,
	    (int64_t)rb_clock_paris_mktime(&day, 0, 0, 0), batch_gather,
	    list) != 0)
		goto out;
	json_array_foreach(list, i, it) {
		int64_t account = json_integer_value(json_object_get(it,
		    "account"));
		int64_t letter = json_integer_value(json_object_get(it,
		    "letter"));
		const char *inv = json_string_value(json_object_get(it,
		    "invoice"));
		struct rb_braille_batch_item bi;
		struct rb_scope sc = { account, 0 };
		rb_buf data = RB_BUF_INIT;
		char file[96], doc[300];
		enum rb_rc k;
		int pages = 0;

		if (letter > 0) {
			k = rb_braille_letter_file(ctx->bc_db, account, letter,
			    &emb, &data, &pages);
			snprintf(file, sizeof(file), "%010lld-courrier-%lld.txt",
			    (long long)account, (long long)letter);
			snprintf(doc, sizeof(doc), "Courrier : %s",
			    json_string_value(json_object_get(it, "title")));
		} else {
			k = rb_braille_bill_file(ctx, &sc, inv, &emb, &data,
			    &pages);
			snprintf(file, sizeof(file), "%010lld-facture-%s.txt",
			    (long long)account, inv);
			snprintf(doc, sizeof(doc), "Facture %s", inv);
		}
		if (k != RB_OK) {
			rb_buf_free(&data);
			goto out;
		}
		bi.bi_file = file;
		bi.bi_name = json_string_value(json_object_get(it, "name"));
		bi.bi_address = json_string_value(json_object_get(it,
		    "address"));
		bi.bi_document = doc;
		bi.bi_grade = json_string_value(json_object_get(it, "pref"));
		bi.bi_pages = pages;
		bi.bi_data = &data;
		k = fn(&bi, arg) == 0 ? RB_OK : RB_ERROR;
		rb_buf_free(&data);
		if (k != RB_OK)
			goto out;
		(*count)++;
	}
	rc = RB_OK;
out:
	json_decref(list);
	return rc;
}
