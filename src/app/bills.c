/*
 * bills.c: the bills of a subscriber's space (see bills.h): list and
 * archive list per contract, one bill as the "bill view" shared by its
 * page and its PDF (docs/bill_pdf.h), and the PDF cache.
 *
 * The PDF cache holds one file per bill and per content:
 * "<number>-<hash>.pdf", where hash is a BLAKE2b digest of the bill view
 * as canonical JSON (sorted keys) and of RB_BILL_PDF_LAYOUT (see
 * docs/bill_pdf.h), so a bill whose data changed, or a new layout, is
 * drawn again under a new name. A
 * file is written under a temporary name in the same folder, synced,
 * then renamed into place: a reader sees a whole file or none.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unistr.h>

#include <sodium.h>

#include "app/bills.h"
#include "app/consumption.h"
#include "app/pagecache.h"
#include "app/pagefrag.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/money.h"
#include "base/mem.h"
#include "docs/bill_pdf.h"
#include "store/payments.h"

#define NBSP		"\xc2\xa0"
#define EURO		NBSP "€"
#define PATH_BYTES	4096

static const char *const heading_titles[RB_HEADING__MAX] = {
	[RB_HEADING_DISTRIBUTION] = "Distribution de l'eau",
	[RB_HEADING_SEWAGE] = "Collecte et traitement des eaux usées",
	[RB_HEADING_PUBLIC_BODIES] = "Organismes publics",
};

/* The list's status filter: query value, label, store filter. */
static const struct {
	const char			*st_value;
	const char			*st_label;
	enum rb_invoice_filter_status	 st_filter;
} status_filters[] = {
	{ "payee", "Payée", RB_INVF_PAID },
	{ "a-payer", "À payer", RB_INVF_TO_PAY },
	{ "prelevement", "Prélèvement programmé", RB_INVF_DIRECT_DEBIT },
	{ "en-retard", "En retard", RB_INVF_OVERDUE },
};

static const char *const issuer_lines[] = {
	"Régie publique de l'eau potable et de l'assainissement",
	"1 place de la Source - CS 30001",
	"59000 Lille",
};

/* ---------------------------------------------------------- formatting */

static uint64_t
magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

void
rb_bills_fmt_c100(int64_t c100, char *out, size_t outlen)
{
	uint64_t m = magnitude(c100);
	char units[64], frac[8];

	rb_int_fr((int64_t)(m / 10000), units, sizeof(units));
	snprintf(frac, sizeof(frac), "%04u", (unsigned)(m % 10000));
	if (frac[2] == '0' && frac[3] == '0')
		frac[2] = '\0';
	snprintf(out, outlen, "%s%s,%s" EURO, c100 < 0 ? "-" : "", units, frac);
}

void
rb_bills_fmt_rate(int bp, char *out, size_t outlen)
{
	unsigned m = bp < 0 ? 0 : (unsigned)bp;

	if (m % 100 == 0)
		snprintf(out, outlen, "%u" NBSP "%%", m / 100);
	else if (m % 10 == 0)
		snprintf(out, outlen, "%u,%u" NBSP "%%", m / 100, m % 100 / 10);
	else
		snprintf(out, outlen, "%u,%02u" NBSP "%%", m / 100, m % 100);
}

void
rb_bills_fmt_litre_price(int64_t total_cents, int64_t litres, char *out,
    size_t outlen)
{
	uint64_t m, v;
	unsigned frac;

	if (litres <= 0) {
		snprintf(out, outlen, "%s", "");
		return;
	}
	/* Hundred-thousandths of a euro: cents * 1000 / litres, rounded. */
	m = magnitude(total_cents);
	v = (m * 1000 + (uint64_t)litres / 2) / (uint64_t)litres;
	frac = (unsigned)(v % 100000);
	snprintf(out, outlen, "%s%llu,%03u" NBSP "%02u" EURO,
	    total_cents < 0 ? "-" : "", (unsigned long long)(v / 100000),
	    frac / 100, frac % 100);
}

static json_t *
jcents(int64_t cents)
{
	char s[RB_BILLS_FMT_MAX];

	rb_money_fr(cents, s, sizeof(s));
	return json_string(s);
}

static json_t *
jdate(const char *iso)
{
	char s[RB_BILLS_FMT_MAX];

	if (rb_clock_fr_iso(iso, s, sizeof(s)) != 0)
		return json_null();
	return json_string(s);
}

/* "du 29 novembre 2025 au 2 juin 2026", or null. */
static json_t *
jperiod(const char *from, const char *to)
{
	char a[RB_BILLS_FMT_MAX], b[RB_BILLS_FMT_MAX];

	if (rb_clock_fr_iso(from, a, sizeof(a)) != 0 ||
	    rb_clock_fr_iso(to, b, sizeof(b)) != 0)
		return json_null();
	return json_pack("s++++", "du ", a, " au ", b, "");
}

const char *
rb_bills_status_label(const char *status, const char *due_on,
    const char *today, const char **cls)
{
	const char *label = "À payer", *c = "due";

	if (strcmp(status, "paid") == 0) {
		label = "Payée";
		c = "paid";
	} else if (strcmp(status, "direct_debit") == 0) {
		label = "Prélèvement programmé";
		c = "debit";
	} else if (strcmp(status, "overdue") == 0 ||
	    (strcmp(status, "to_pay") == 0 && due_on != NULL &&
	    strcmp(due_on, today) < 0)) {
		label = "En retard";
		c = "late";
	} else if (strcmp(status, "cancelled") == 0) {
		label = "Annulée";
		c = "cancelled";
	}
	if (cls != NULL)
		*cls = c;
	return label;
}

/* {label, class} of a bill's status on day today. */
static json_t *
status_json(const struct rb_invoice *inv, const char *today)
{
	const char *cls, *label;

	label = rb_bills_status_label(inv->inv_status, inv->inv_due_on, today,
	    &cls);
	return json_pack("{s:s, s:s}", "label", label, "class", cls);
}

/* ------------------------------------------------------------- filters */

enum rb_rc
rb_bills_parse_filter(const char *contract, const char *year,
    const char *status, const char *archive, time_t now,
    struct rb_bills_filter *out, const char **msg)
{
	struct rb_date today;
	size_t i, n = 0;
	int y = 0;

	memset(out, 0, sizeof(*out));
	*msg = NULL;
	rb_clock_today(now, &today);
	if (contract != NULL) {
		for (; *contract != '\0'; contract++) {
			if (*contract == ' ')
				continue;
			if (*contract < '0' || *contract > '9' || n >= 10) {
				n = 11;
				break;
			}
			out->bf_contract[n++] = *contract;
		}
		if (n != 0 && n != 10) {
			*msg = "Le numéro de contrat doit comporter 10 chiffres, "
			    "sans lettre.";
			return RB_INVALID;
		}
		out->bf_contract[n == 10 ? 10 : 0] = '\0';
	}
	if (year != NULL && year[0] != '\0') {
		for (i = 0; year[i] != '\0'; i++)
			if (year[i] < '0' || year[i] > '9' || i >= 4)
				break;
		if (i == 4 && year[i] == '\0')
			y = atoi(year);
		if (y < RB_BILLS_YEAR_MIN || y > today.d_year) {
			*msg = "L'année doit être un nombre de quatre chiffres, "
			    "entre 2000 et l'année en cours.";
			return RB_INVALID;
		}
		out->bf_year = y;
	}
	out->bf_status = RB_INVF_ANY;
	if (status != NULL && status[0] != '\0') {
		for (i = 0; i < sizeof(status_filters) / sizeof(status_filters[0]);
		    i++)
			if (strcmp(status, status_filters[i].st_value) == 0)
				break;
		if (i == sizeof(status_filters) / sizeof(status_filters[0])) {
			*msg = "Ce statut de facture n'existe pas. Choisissez "
			    "parmi : payée, à payer, prélèvement programmé, "
			    "en retard.";
			return RB_INVALID;
		}
		out->bf_status = status_filters[i].st_filter;
	}
	if (archive != NULL && archive[0] != '\0') {
		if (strcmp(archive, "1") != 0 && strcmp(archive, "0") != 0) {
			*msg = "Le paramètre « archives » vaut 1 ou 0.";
			return RB_INVALID;
		}
		out->bf_archive = archive[0] == '1';
	}
	return RB_OK;
}

/* ---------------------------------------------------------------- list */

static json_t *
bill_summary(const struct rb_invoice *inv, const char *today)
{
	json_t *o = json_object();

	json_object_set_new(o, "number", json_string(inv->inv_number));
	json_object_set_new(o, "url", json_pack("s+", "/mes-factures/",
	    inv->inv_number));
	json_object_set_new(o, "pdf_url", json_pack("s++", "/mes-factures/",
	    inv->inv_number, ".pdf"));
	json_object_set_new(o, "issued", jdate(inv->inv_issued_on));
	json_object_set_new(o, "issued_iso", json_string(inv->inv_issued_on));
	json_object_set_new(o, "period", jperiod(inv->inv_period_start,
	    inv->inv_period_end));
	json_object_set_new(o, "total", jcents(inv->inv_total_cents));
	json_object_set_new(o, "due", jdate(inv->inv_due_on));
	json_object_set_new(o, "status", status_json(inv, today));
	json_object_set_new(o, "archived", json_boolean(inv->inv_archived));
	json_object_set_new(o, "printed_contract",
	    json_string(inv->inv_printed));
	json_object_set_new(o, "payable", json_false());
	json_object_set_new(o, "owed", json_null());
	json_object_set_new(o, "partly_paid", json_false());
	json_object_set_new(o, "pay_pending", json_false());
	return o;
}

/*
 * The texts parts[0..n) end to end into out (size bytes, truncated), or
 * "" when they are not UTF-8 (texts of the database).
 */
static void
cat_into(char *out, size_t size, const char *const *parts, size_t n)
{
	size_t len = 0, k, i;

	for (i = 0; i < n; i++) {
		k = strlen(parts[i]);
		if (len + k >= size)
			k = size - 1 - len;
		memcpy(out + len, parts[i], k);
		len += k;
	}
	out[len] = '\0';
	if (u8_check((const uint8_t *)out, len) != NULL)
		out[0] = '\0';
}

/* The texts parts[0..n) end to end as a new JSON string (at most 511
 * bytes: the callers' texts are shorter), or null when they are not
 * UTF-8 (texts of the database) or give nothing. */
static json_t *
jcat(const char *const *parts, size_t n)
{
	char buf[512];

	cat_into(buf, sizeof(buf), parts, n);
	return buf[0] != '\0' ? json_stringn_nocheck(buf, strlen(buf)) :
	    json_null();
}

/* The French date of iso into out (RB_BILLS_FMT_MAX), "" if none. */
static void
fr_date_or_empty(const char *iso, char *out)
{
	if (rb_clock_fr_iso(iso, out, RB_BILLS_FMT_MAX) != 0)
		out[0] = '\0';
}

/* Bill it of rb_invoices_set() as a row of the list into *br. */
static void
list_row(const struct rb_invoice_item *it, int card, const char *today,
    struct rb_bills_row *br)
{
	const struct rb_invoice *inv = &it->it_inv;
	char a[RB_BILLS_FMT_MAX], b[RB_BILLS_FMT_MAX], c[RB_BILLS_FMT_MAX];
	const char *parts[10];
	size_t n = 0;
	int dates;

	memcpy(br->br_number, inv->inv_number, sizeof(br->br_number));
	br->br_number[sizeof(br->br_number) - 1] = '\0';
	rb_money_fr(inv->inv_total_cents, br->br_total,
	    sizeof(br->br_total));
	br->br_status_label = rb_bills_status_label(inv->inv_status,
	    inv->inv_due_on, today, &br->br_status_class);
	fr_date_or_empty(inv->inv_due_on, br->br_due);
	/* "Période du … au …, émise le …[, ancien contrat n° …]". */
	dates = rb_clock_fr_iso(inv->inv_period_start, a, sizeof(a)) == 0 &&
	    rb_clock_fr_iso(inv->inv_period_end, b, sizeof(b)) == 0;
	parts[n++] = "Période ";
	if (dates) {
		parts[n++] = "du ";
		parts[n++] = a;
		parts[n++] = " au ";
		parts[n++] = b;
	}
	parts[n++] = ", émise le ";
	fr_date_or_empty(inv->inv_issued_on, c);
	parts[n++] = c;
	if (inv->inv_archived) {
		parts[n++] = ", ancien contrat n° ";
		parts[n++] = inv->inv_printed;
	}
	cat_into(br->br_meta, sizeof(br->br_meta), parts, n);
	br->br_pay = NULL;
	if (!it->it_payable)
		return;
	rb_money_fr(it->it_owed_cents, br->br_pay_data.bp_owed,
	    sizeof(br->br_pay_data.bp_owed));
	br->br_pay_data.bp_partly_paid =
	    it->it_owed_cents < inv->inv_total_cents;
	br->br_pay_data.bp_pending = it->it_held != 0;
	br->br_pay_data.bp_payable = card && !it->it_held;
	br->br_pay = &br->br_pay_data;
}

/* What "Tout régler" pays for contract into bk (bk_pay_all NULL when
 * nothing): the payable bills of the set not held by a card payment. */
static void
pay_all(const struct rb_invoice_set *set, const char *contract, int card,
    struct rb_bills_contract *bk)
{
	int64_t sum = 0;
	size_t i, k = 0;

	for (i = 0; card && i < set->is_nitems; i++)
		if (set->is_items[i].it_payable && !set->is_items[i].it_held &&
		    strcmp(set->is_items[i].it_inv.inv_contract, contract) ==
		    0) {
			sum += set->is_items[i].it_owed_cents;
			k++;
		}
	bk->bk_pay_all = NULL;
	if (k == 0)
		return;
	rb_money_fr(sum, bk->bk_pay_amount, sizeof(bk->bk_pay_amount));
	bk->bk_pay_all = bk->bk_pay_amount;
}

static json_t *
option(const char *value, const char *label, int selected)
{
	json_t *o = json_object();

	json_object_set_new_nocheck(o, "value", json_string(value));
	json_object_set_new_nocheck(o, "label", json_string(label));
	json_object_set_new_nocheck(o, "selected", json_boolean(selected));
	return o;
}

#define NSTATUS	(sizeof(status_filters) / sizeof(status_filters[0]))

/* The status select's options for each filter (RB_INVF_*), made once and
 * shared by the request threads (read only; jansson counts atomically). */
static json_t		*status_options[RB_INVF__MAX];
static pthread_once_t	 status_options_once = PTHREAD_ONCE_INIT;

static void
status_options_make(void)
{
	size_t i;
	int k;

	for (k = 0; k < RB_INVF__MAX; k++) {
		status_options[k] = json_array();
		json_array_append_new(status_options[k], option("",
		    "Tous les statuts", k == RB_INVF_ANY));
		for (i = 0; i < NSTATUS; i++)
			json_array_append_new(status_options[k],
			    option(status_filters[i].st_value,
			    status_filters[i].st_label,
			    (int)status_filters[i].st_filter == k));
	}
}

static json_t *
filter_options(const struct rb_invoice_contract *cs, size_t ncs,
    const int *years, size_t nyears, const struct rb_bills_filter *f)
{
	json_t *contracts, *ys, *o;
	const char *parts[5];
	char buf[RB_INT_TEXT];
	size_t i;

	contracts = json_array();
	json_array_append_new(contracts, option("", "Tous mes contrats",
	    f->bf_contract[0] == '\0'));
	for (i = 0; i < ncs; i++) {
		if (f->bf_archive && cs[i].ic_old_number[0] == '\0')
			continue;
		o = json_object();
		json_object_set_new_nocheck(o, "value",
		    json_string(cs[i].ic_number));
		parts[0] = cs[i].ic_number;
		parts[1] = " – ";
		parts[2] = cs[i].ic_address;
		parts[3] = ", ";
		parts[4] = cs[i].ic_commune;
		json_object_set_new_nocheck(o, "label", jcat(parts, 5));
		json_object_set_new_nocheck(o, "selected", json_boolean(
		    strcmp(cs[i].ic_number, f->bf_contract) == 0));
		json_array_append_new(contracts, o);
	}
	ys = json_array();
	json_array_append_new(ys, option("", "Toutes les années",
	    f->bf_year == 0));
	for (i = 0; i < nyears; i++) {
		rb_int_text(years[i], buf);
		json_array_append_new(ys, option(buf, buf,
		    years[i] == f->bf_year));
	}
	pthread_once(&status_options_once, status_options_make);
	o = json_object();
	json_object_set_new_nocheck(o, "contracts", contracts);
	json_object_set_new_nocheck(o, "years", ys);
	json_object_set_new_nocheck(o, "statuses",
	    json_incref(status_options[f->bf_status]));
	json_object_set_new_nocheck(o, "active", json_boolean(
	    f->bf_contract[0] != '\0' || f->bf_year != 0 ||
	    f->bf_status != RB_INVF_ANY));
	return o;
}

static int
year_text_desc(const void *a, const void *b)
{
	return strcmp((const char *)b, (const char *)a);
}

/*
 * The distinct years of issue of the set's bills of the list (archived
 * or not, as f asks; the other filters do not apply), newest first, as
 * the years select shows them: the first four characters of the dates,
 * in descending byte order, read as numbers; at most max into years.
 */
static size_t
years_of_set(const struct rb_invoice_set *set,
    const struct rb_bills_filter *f, int *years, size_t max)
{
	char (*y)[5];
	size_t i, n = 0, k = 0;

	y = rb_xcalloc(set->is_nitems > 0 ? set->is_nitems : 1, sizeof(*y));
	for (i = 0; i < set->is_nitems; i++)
		if (set->is_items[i].it_inv.inv_archived == f->bf_archive)
			memcpy(y[n++], set->is_items[i].it_inv.inv_issued_on, 4);
	qsort(y, n, sizeof(*y), year_text_desc);
	for (i = 0; i < n && k < max; i++)
		if (y[i][0] != '\0' && (i == 0 || strcmp(y[i], y[i - 1]) != 0))
			years[k++] = atoi(y[i]);
	free(y);
	return k;
}

void
rb_bills_rows_free(struct rb_bills_rows *rows)
{
	free(rows->bs_contracts);
	free(rows->bs_bills);
	memset(rows, 0, sizeof(*rows));
}

static void
set_drop(void *p)
{
	rb_invoice_set_free(p);
	free(p);
}

/*
 * The set of scope sc (store/invoices.h, rb_invoices_set()) at
 * ctx->bc_now, through the pages' memory (app/pagecache.h) for a
 * signed-in account: kept for the account and today, listing its
 * contracts, standing until its earliest hold ends. An archive visit
 * reads it each time. Release with rb_pagecache_release(); NULL on a
 * database failure.
 */
static struct rb_pagecache_val *
set_kept(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const char *today)
{
	struct rb_pagecache_val *v;
	struct rb_invoice_set *set;
	uint64_t epoch = 0;
	int64_t *ids;
	size_t i;

	if (sc->sc_account != 0 && (v = rb_pagecache_get(RB_PAGECACHE_BILLS,
	    sc->sc_account, today, (int64_t)ctx->bc_now, &epoch)) != NULL)
		return v;
	set = rb_xmalloc(sizeof(*set));
	if (rb_invoices_set(ctx->bc_db, sc, (int64_t)ctx->bc_now, set) != 0) {
		free(set);
		return NULL;
	}
	ids = rb_xcalloc(set->is_ncontracts > 0 ? set->is_ncontracts : 1,
	    sizeof(*ids));
	for (i = 0; i < set->is_ncontracts; i++)
		ids[i] = set->is_contracts[i].ic_id;
	v = rb_pagecache_val_new(set, set_drop, ids, set->is_ncontracts);
	free(ids);
	if (set->is_held_until != 0)
		rb_pagecache_val_until(v, set->is_held_until);
	if (sc->sc_account != 0)
		rb_pagecache_put(RB_PAGECACHE_BILLS, sc->sc_account, today, v,
		    epoch);
	return v;
}

enum rb_rc
rb_bills_list(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const struct rb_bills_filter *f, json_t **out, struct rb_bills_rows *rows)
{
	const struct rb_invoice_set *set = NULL;
	struct rb_pagecache_val *kept = NULL;
	struct rb_invoice_filter qf;
	const struct rb_invoice_contract *ic;
	struct rb_bills_contract *bk;
	enum rb_rc rc = RB_ERROR;
	size_t nyears = 0, shown = 0, first, i, k;
	char today[11];
	int years[64], found = 0;

	*out = NULL;
	memset(rows, 0, sizeof(*rows));
	rb_clock_today_iso(ctx->bc_now, today, sizeof(today));
	if (rb_db_begin_read(ctx->bc_db) != 0)
		return RB_ERROR;
	if ((kept = set_kept(ctx, sc, today)) == NULL)
		goto out;
	set = rb_pagecache_data(kept);
	for (i = 0; i < set->is_ncontracts; i++)
		if (strcmp(set->is_contracts[i].ic_number, f->bf_contract) == 0)
			found = 1;
	if (f->bf_contract[0] != '\0' && !found) {
		rc = RB_NOT_FOUND;
		goto out;
	}
	memset(&qf, 0, sizeof(qf));
	qf.if_contract = f->bf_contract[0] != '\0' ? f->bf_contract : NULL;
	qf.if_year = f->bf_year;
	qf.if_status = f->bf_status;
	qf.if_archived = f->bf_archive;
	qf.if_today = today;
	nyears = years_of_set(set, f, years, sizeof(years) / sizeof(years[0]));
	/* Not zeroed: every field a row holds is written. */
	rows->bs_contracts = rb_xmalloc((set->is_ncontracts > 0 ?
	    set->is_ncontracts : 1) * sizeof(*rows->bs_contracts));
	k = set->is_nitems < RB_INVOICES_MAX ? set->is_nitems : RB_INVOICES_MAX;
	rows->bs_bills = rb_xmalloc((k > 0 ? k : 1) *
	    sizeof(*rows->bs_bills));
	/* The set is in contract number order, like its contracts. */
	for (i = 0, k = 0; i < set->is_ncontracts; i++) {
		ic = &set->is_contracts[i];
		first = rows->bs_nbills;
		for (; k < set->is_nitems && strcmp(set->is_items[k].it_inv.
		    inv_contract, ic->ic_number) < 0; k++)
			;
		for (; k < set->is_nitems && strcmp(set->is_items[k].it_inv.
		    inv_contract, ic->ic_number) == 0; k++)
			if (shown < RB_INVOICES_MAX &&
			    rb_invoice_filter_match(&set->is_items[k].it_inv,
			    &qf)) {
				shown++;
				list_row(&set->is_items[k], ctx->bc_card, today,
				    &rows->bs_bills[rows->bs_nbills++]);
			}
		if ((qf.if_contract != NULL &&
		    strcmp(ic->ic_number, qf.if_contract) != 0) ||
		    /* The archive lists the contracts that had an old number. */
		    (f->bf_archive && ic->ic_old_number[0] == '\0')) {
			rows->bs_nbills = first;
			continue;
		}
		bk = &rows->bs_contracts[rows->bs_ncontracts++];
		memcpy(bk->bk_number, ic->ic_number, sizeof(bk->bk_number));
		memcpy(bk->bk_old_number, ic->ic_old_number,
		    sizeof(bk->bk_old_number));
		cat_into(bk->bk_address, sizeof(bk->bk_address),
		    (const char *[]){ ic->ic_address, ", ", ic->ic_postcode,
		    " ", ic->ic_commune }, 5);
		bk->bk_nbills = rows->bs_nbills - first;
		bk->bk_empty = bk->bk_nbills == 0;
		/* bs_bills holds every bill shown from the start: never
		   moved. */
		bk->bk_bills = rows->bs_bills + first;
		pay_all(set, ic->ic_number, ctx->bc_card, bk);
	}
	*out = json_object();
	json_object_set_new_nocheck(*out, "archive_list",
	    json_boolean(f->bf_archive));
	json_object_set_new_nocheck(*out, "title", json_string(f->bf_archive ?
	    "Archives (avant 2024)" : "Mes factures"));
	json_object_set_new_nocheck(*out, "filters", filter_options(
	    set->is_contracts, set->is_ncontracts, years, nyears, f));
	json_object_set_new_nocheck(*out, "no_contract",
	    json_boolean(rows->bs_ncontracts == 0));
	rc = RB_OK;
out:
	rb_pagecache_release(kept);
	if (rb_db_commit(ctx->bc_db) != 0 && rc == RB_OK) {
		json_decref(*out);
		*out = NULL;
		rc = RB_ERROR;
	}
	if (rc != RB_OK)
		rb_bills_rows_free(rows);
	return rc;
}

/* ---------------------------------------------------------------- bill */

int
rb_bills_norm_number(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	char ch;

	if (in == NULL || outlen < 32)
		return -1;
	while (*in == ' ')
		in++;
	for (; *in != '\0' && *in != ' '; in++) {
		ch = *in;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-') || n >= 31)
			return -1;
		out[n++] = ch;
	}
	while (*in == ' ')
		in++;
	out[n] = '\0';
	return n > 0 && *in == '\0' ? 0 : -1;
}

static json_t *
reading_json(const char *label, const struct rb_invoice_reading *rd)
{
	char idx[RB_BILLS_FMT_MAX];
	const char *kind = "";

	if (!rd->rd_known)
		return json_pack("{s:s, s:s, s:o, s:s}", "label", label, "index",
		    "non relevé", "date", json_string(""), "kind", "");
	rb_volume_m3_fr(rd->rd_index_litres, idx, sizeof(idx));
	if (strcmp(rd->rd_kind, "actual") == 0)
		kind = "relevé réel";
	else if (strcmp(rd->rd_kind, "estimated") == 0)
		kind = "estimé";
	return json_pack("{s:s, s:s, s:o, s:s}", "label", label, "index", idx,
	    "date", rd->rd_date[0] ? jdate(rd->rd_date) : json_string(""),
	    "kind", kind);
}

static json_t *
line_json(const struct rb_invoice_line *l)
{
	char q[RB_BILLS_FMT_MAX], p[RB_BILLS_FMT_MAX], a[RB_BILLS_FMT_MAX];
	char r[RB_BILLS_FMT_MAX];

	if (l->il_per_day)
		snprintf(q, sizeof(q), "%lld jour%s", (long long)l->il_quantity,
		    l->il_quantity > 1 ? "s" : "");
	else
		rb_volume_m3_fr(l->il_quantity, q, sizeof(q));
	rb_bills_fmt_c100(l->il_unit_price_c100, p, sizeof(p));
	rb_money_fr(l->il_excl_tax_cents, a, sizeof(a));
	rb_bills_fmt_rate(l->il_vat_rate_bp, r, sizeof(r));
	return json_pack("{s:s, s:o, s:s, s:s+, s:s, s:s}", "label",
	    l->il_label, "detail", l->il_period_start[0] ?
	    jperiod(l->il_period_start, l->il_period_end) : json_null(),
	    "quantity", q, "unit_price", p, l->il_per_day ? " / an" :
	    " / m³", "amount", a, "vat_rate", r);
}

/* The three headings, each with its lines and total, in that order. */
static json_t *
headings_json(const struct rb_invoice_full *b)
{
	json_t *hs = json_array(), *lines;
	int64_t total;
	size_t i;
	int h;

	for (h = 0; h < RB_HEADING__MAX; h++) {
		lines = json_array();
		total = 0;
		for (i = 0; i < b->if_nlines; i++) {
			if ((int)b->if_lines[i].il_heading != h)
				continue;
			json_array_append_new(lines, line_json(&b->if_lines[i]));
			total += b->if_lines[i].il_excl_tax_cents;
		}
		json_array_append_new(hs, json_pack("{s:s, s:s, s:o, s:o}",
		    "key", h == RB_HEADING_DISTRIBUTION ? "distribution" :
		    h == RB_HEADING_SEWAGE ? "sewage" : "public_bodies",
		    "title", heading_titles[h], "lines", lines, "total",
		    jcents(total)));
	}
	return hs;
}

/* VAT per rate, rates ascending: [{rate, base, amount}]. */
struct vat_sum {
	int	vs_rate;
	int64_t	vs_base;
	int64_t	vs_vat;
};

static json_t *
vat_json(const struct rb_invoice_full *b)
{
	struct vat_sum sums[16], t;
	size_t n = 0, i, k;
	char r[RB_BILLS_FMT_MAX];
	json_t *out = json_array();

	for (i = 0; i < b->if_nlines; i++) {
		for (k = 0; k < n; k++)
			if (sums[k].vs_rate == b->if_lines[i].il_vat_rate_bp)
				break;
		if (k == n) {
			if (n == sizeof(sums) / sizeof(sums[0]))
				continue;	/* never: rates are few */
			sums[n].vs_rate = b->if_lines[i].il_vat_rate_bp;
			sums[n].vs_base = sums[n].vs_vat = 0;
			n++;
		}
		sums[k].vs_base += b->if_lines[i].il_excl_tax_cents;
		sums[k].vs_vat += b->if_lines[i].il_vat_cents;
	}
	for (i = 1; i < n; i++)		/* insertion sort of a few rates */
		for (k = i; k > 0 && sums[k - 1].vs_rate > sums[k].vs_rate;
		    k--) {
			t = sums[k];
			sums[k] = sums[k - 1];
			sums[k - 1] = t;
		}
	for (i = 0; i < n; i++) {
		rb_bills_fmt_rate(sums[i].vs_rate, r, sizeof(r));
		json_array_append_new(out, json_pack("{s:s, s:o, s:o}", "rate",
		    r, "base", jcents(sums[i].vs_base), "amount",
		    jcents(sums[i].vs_vat)));
	}
	return out;
}

/*
 * The ways to pay bill b, as the portal and the utility offer them:
 * card online when configured (card), direct debit set up in the space
 * (not for an archived bill: debits are for current contracts), and the
 * ways that need no portal.
 */
static json_t *
payment_methods(const struct rb_invoice_full *b, const char *phone,
    int card)
{
	json_t *m = json_array();

	json_array_append_new(m, card ? json_pack("s++", "Carte bancaire : "
	    "en ligne, dans votre espace client, ou par téléphone au ", phone,
	    ".") : json_pack("s++",
	    "Carte bancaire, par téléphone au ", phone, "."));
	if (!b->if_inv.inv_archived)
		json_array_append_new(m, json_string(b->if_direct_debit ?
		    "Prélèvement automatique : il est activé pour ce contrat ; "
		    "vous le gérez dans « Mes moyens de paiement » de votre "
		    "espace client." :
		    "Prélèvement automatique, en une fois ou en mensualités : "
		    "mettez-le en place dans « Mes moyens de paiement » de "
		    "votre espace client."));
	json_array_append_new(m, json_pack("s++", "Virement, en indiquant la "
	    "référence ", b->if_inv.inv_number, "."));
	json_array_append_new(m, json_string("Chèque à l'ordre de la Régie "
	    "Eau de la Métropole, le numéro de facture écrit au dos."));
	json_array_append_new(m, json_string("Espèces ou carte chez un "
	    "buraliste agréé (paiement de proximité), avec cette facture."));
	return m;
}

/*
 * {"text"} saying that the bank rejected the bill's direct debit, why,
 * and that the bill is to pay again, while it is; null otherwise.
 */
static json_t *
debit_rejected(const struct rb_invoice_full *b, int card)
{
	const struct rb_invoice *inv = &b->if_inv;
	char when[RB_BILLS_FMT_MAX + 8] = "", iso[11], text[640];

	if (b->if_reject_code[0] == '\0' ||
	    (strcmp(inv->inv_status, "to_pay") != 0 &&
	    strcmp(inv->inv_status, "overdue") != 0))
		return json_null();
	/* The day in Paris of that instant (not rb_clock_today(), which a
	   demo's pinned date overrides). */
	rb_clock_paris_iso((time_t)b->if_rejected_at, iso, sizeof(iso));
	if (b->if_rejected_at > 0 && rb_clock_fr_iso(iso, when + 4,
	    sizeof(when) - 4) == 0)
		memcpy(when, " le ", 4);
	else
		when[0] = '\0';
	snprintf(text, sizeof(text), "Prélèvement rejeté par votre banque%s : "
	    "%s (%s). Cette facture est de nouveau à payer.%s", when,
	    b->if_reject_reason[0] != '\0' ? b->if_reject_reason :
	    "rejet par la banque", b->if_reject_code, card ? " Vous pouvez "
	    "la payer en ligne par carte bancaire, dans votre espace client." :
	    "");
	return json_pack("{s:s}", "text", text);
}

/* The sentence under the amount, and the amount's label. */
static void
payment_note(const struct rb_invoice_full *b, const char *today,
    json_t *view)
{
	const struct rb_invoice *inv = &b->if_inv;
	char due[RB_BILLS_FMT_MAX];
	const char *label = "Montant à payer";
	char debit_on[RB_BILLS_FMT_MAX];
	json_t *note;

	rb_clock_fr_iso(inv->inv_due_on, due, sizeof(due));
	/* A scheduled debit is collected on its own date. */
	if (rb_clock_fr_iso(b->if_debit_on, debit_on, sizeof(debit_on)) != 0)
		memcpy(debit_on, due, sizeof(debit_on));
	if (strcmp(inv->inv_status, "paid") == 0) {
		label = "Montant de la facture";
		note = json_string("Cette facture est payée. Merci.");
	} else if (strcmp(inv->inv_status, "cancelled") == 0) {
		label = "Montant de la facture";
		note = json_string("Cette facture a été annulée : vous n'avez "
		    "rien à payer.");
	} else if (strcmp(inv->inv_status, "direct_debit") == 0) {
		label = "Montant prélevé";
		note = json_pack("s++", "Ce montant sera prélevé sur votre "
		    "compte bancaire le ", debit_on, ". Vous n'avez rien à "
		    "faire.");
	} else if (strcmp(inv->inv_status, "overdue") == 0 ||
	    strcmp(inv->inv_due_on, today) < 0) {
		note = json_pack("s++", "Cette facture n'a pas été réglée avant "
		    "sa date limite de paiement, le ", due, ". Merci de la régler "
		    "dès que possible ou d'appeler le service client.");
	} else
		note = json_pack("s++", "À régler au plus tard le ", due, ".");
	json_object_set_new(view, "amount_label", json_string(label));
	json_object_set_new(view, "payment_note", note);
}

static json_t *
customer_json(const struct rb_invoice_full *b)
{
	json_t *lines = json_array();
	char name[400];

	snprintf(name, sizeof(name), "%s%s%s%s%s", b->if_title,
	    b->if_title[0] ? " " : "", b->if_first_name,
	    b->if_first_name[0] ? " " : "", b->if_last_name);
	json_array_append_new(lines, json_string(b->if_address1));
	if (b->if_address2[0] != '\0')
		json_array_append_new(lines, json_string(b->if_address2));
	json_array_append_new(lines, json_pack("s++", b->if_postcode, " ",
	    b->if_commune));
	return json_pack("{s:s, s:o}", "name", name, "lines", lines);
}

/* The issuer of a bill: the service for bills since 2024, the former
 * operator (ctx's bc_former_*) for archived bills, which it issued. */
static json_t *
issuer_json(const struct rb_bills_ctx *ctx, int archived)
{
	json_t *lines = json_array();
	size_t i;

	if (archived && ctx->bc_former_name != NULL &&
	    ctx->bc_former_name[0] != '\0') {
		if (ctx->bc_former_address != NULL &&
		    ctx->bc_former_address[0] != '\0')
			json_array_append_new(lines,
			    json_string(ctx->bc_former_address));
		json_array_append_new(lines, json_string("Exploitant du "
		    "service de l'eau jusqu'au 31 décembre 2023 inclus"));
		return json_pack("{s:s, s:o, s:b}", "name",
		    ctx->bc_former_name, "lines", lines, "former", 1);
	}
	for (i = 0; i < sizeof(issuer_lines) / sizeof(issuer_lines[0]); i++)
		json_array_append_new(lines, json_string(issuer_lines[i]));
	return json_pack("{s:s, s:o, s:b}", "name", RB_BILLS_ISSUER, "lines",
	    lines, "former", 0);
}

/* Builds the bill view of b (see docs/bill_pdf.h). */
static json_t *
bill_view(const struct rb_bills_ctx *ctx, const struct rb_invoice_full *b,
    const char *today)
{
	const struct rb_invoice *inv = &b->if_inv;
	char s[RB_BILLS_FMT_MAX], m3[RB_BILLS_FMT_MAX], litres[48];
	json_t *v = bill_summary(inv, today);

	json_object_set_new(v, "issued_iso", json_string(inv->inv_issued_on));
	json_object_set_new(v, "due_iso", json_string(inv->inv_due_on));
	json_object_set_new(v, "contract_number",
	    json_string(inv->inv_contract));
	json_object_set_new(v, "archive_note", inv->inv_archived ?
	    json_pack("s+", "Archive — ancien contrat n° ", inv->inv_printed) :
	    json_null());
	json_object_set_new(v, "pdf_filename", json_pack("s++", "facture-",
	    inv->inv_number, ".pdf"));
	json_object_set_new(v, "issuer", issuer_json(ctx,
	    inv->inv_archived));
	json_object_set_new(v, "customer", customer_json(b));
	json_object_set_new(v, "service_address", json_pack("s++++",
	    b->if_service_address, ", ", b->if_service_postcode, " ",
	    b->if_service_commune));
	json_object_set_new(v, "readings", json_pack("[o, o]",
	    reading_json("Ancien index", &b->if_old),
	    reading_json("Nouvel index", &b->if_new)));
	rb_volume_m3_fr(inv->inv_volume_litres, s, sizeof(s));
	json_object_set_new(v, "volume", json_string(s));
	rb_int_fr(inv->inv_volume_litres, litres, sizeof(litres));
	json_object_set_new(v, "volume_litres", json_pack("s+", litres,
	    " litres"));
	rb_bills_fmt_litre_price(inv->inv_total_cents, inv->inv_volume_litres,
	    s, sizeof(s));
	json_object_set_new(v, "litre_price", s[0] ? json_string(s) :
	    json_null());
	if (inv->inv_volume_litres > 0) {
		/* Price of a cubic metre: cents * 1000 / litres, rounded. */
		rb_money_fr((int64_t)((magnitude(inv->inv_total_cents) *
		    1000 + (uint64_t)inv->inv_volume_litres / 2) /
		    (uint64_t)inv->inv_volume_litres), m3, sizeof(m3));
		json_object_set_new(v, "m3_price", json_string(m3));
	} else
		json_object_set_new(v, "m3_price", json_null());
	json_object_set_new(v, "headings", headings_json(b));
	json_object_set_new(v, "vat", vat_json(b));
	json_object_set_new(v, "excl_tax", jcents(inv->inv_excl_tax_cents));
	json_object_set_new(v, "vat_total", jcents(inv->inv_vat_cents));
	payment_note(b, today, v);
	json_object_set_new(v, "direct_debit", json_boolean(b->if_direct_debit));
	json_object_set_new(v, "payment_methods",
	    payment_methods(b, ctx->bc_service_phone, ctx->bc_card));
	json_object_set_new(v, "debit_rejected", debit_rejected(b,
	    ctx->bc_card));
	json_object_set_new(v, "service_phone",
	    json_string(ctx->bc_service_phone));
	json_object_set_new(v, "emergency_phone",
	    json_string(ctx->bc_emergency_phone));
	json_object_set_new(v, "alert", json_null());
	return v;
}

/*
 * What the bill page reads of one bill (rb_bills_get()), kept in memory
 * per account and bill number (app/pagecache.h, sub-key the number):
 * the bill with its lines, its contract and customer; whether its
 * consumption was abnormally high (app/consumption.h); the payments
 * received and whether a card payment in progress holds it. The view is
 * made from it at each request (today, the site's settings).
 */
struct bill_data {
	struct rb_invoice_full	 bd_b;
	int			 bd_alert;	/* an alert for the bill */
	int64_t			 bd_alert_litres;
	int64_t			 bd_alert_average;
	struct rb_payment_row	*bd_pays;	/* free() */
	size_t			 bd_npays;
	int			 bd_pending;
	struct rb_pagefrag_slot	 bd_frag;	/* the page's HTML made
						   of it (app/pagefrag.h) */
};

static void
bill_data_drop(void *p)
{
	struct bill_data *d = p;

	rb_invoice_full_free(&d->bd_b);
	free(d->bd_pays);
	rb_pagefrag_slot_clear(&d->bd_frag);
	free(d);
}

/* Reads bill number within sc at ctx->bc_now into d (zeroed). RB_OK,
   RB_NOT_FOUND or RB_ERROR (nothing to free unless RB_OK). */
static enum rb_rc
bill_read(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const char *number, struct bill_data *d)
{
	json_t *a = NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	rb_pagefrag_slot_init(&d->bd_frag);
	if ((rc = rb_invoice_get(ctx->bc_db, sc, number, &d->bd_b)) < 0)
		return RB_ERROR;
	if (rc > 0)
		return RB_NOT_FOUND;
	rc = rb_cons_invoice_alert(ctx->bc_db, sc, number, &a);
	if (rc != RB_OK && rc != RB_NOT_FOUND)
		goto fail;
	if (rc == RB_OK && json_is_object(a)) {
		d->bd_alert = 1;
		d->bd_alert_litres = json_integer_value(json_object_get(a,
		    "litres"));
		d->bd_alert_average = json_integer_value(json_object_get(a,
		    "average_litres"));
	}
	json_decref(a);
	if (rb_pay_of_invoice(ctx->bc_db, d->bd_b.if_inv.inv_id, ctx->bc_now,
	    &d->bd_pays, &d->bd_npays, &d->bd_pending) != 0)
		goto fail;
	return RB_OK;
fail:
	rb_invoice_full_free(&d->bd_b);
	return RB_ERROR;
}

/*
 * The data of bill number within sc, through the pages' memory for a
 * signed-in account: kept per account and number, listing the bill's
 * contract; never while a card payment in progress holds the bill (the
 * read does not say until when: the next read says when it ended).
 * Sets *out (release it) on RB_OK, and *shared to 1 when it is (or may
 * be) kept, read by other requests; RB_NOT_FOUND, RB_ERROR.
 */
static enum rb_rc
bill_kept(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const char *number, struct rb_pagecache_val **out, int *shared)
{
	struct rb_pagecache_val *v;
	struct bill_data *d;
	uint64_t epoch = 0;
	int keep = sc->sc_account > 0 && sc->sc_archive == 0;
	enum rb_rc rc;

	*out = NULL;
	*shared = 0;
	if (keep && (v = rb_pagecache_get_sub(RB_PAGECACHE_BILL,
	    sc->sc_account, number, "", (int64_t)ctx->bc_now, &epoch)) !=
	    NULL) {
		*out = v;
		*shared = 1;
		return RB_OK;
	}
	d = rb_xmalloc(sizeof(*d));
	if ((rc = bill_read(ctx, sc, number, d)) != RB_OK) {
		free(d);
		return rc;
	}
	v = rb_pagecache_val_new(d, bill_data_drop, &d->bd_b.if_contract_id,
	    1);
	if (keep && !d->bd_pending) {
		rb_pagecache_put_sub(RB_PAGECACHE_BILL, sc->sc_account, number,
		    "", v, epoch);
		*shared = rb_pagecache_keeps(sc->sc_account);
	}
	*out = v;
	return RB_OK;
}

/* Sets view's "alert" to {text} when the bill's consumption was
   abnormally high, null otherwise. */
static void
alert_set(const struct bill_data *d, json_t *view)
{
	char litres[RB_BILLS_FMT_MAX], avg[RB_BILLS_FMT_MAX];

	if (!d->bd_alert) {
		json_object_set_new(view, "alert", json_null());
		return;
	}
	rb_volume_m3_fr(d->bd_alert_litres, litres, sizeof(litres));
	rb_volume_m3_fr(d->bd_alert_average, avg, sizeof(avg));
	json_object_set_new(view, "alert", json_pack("{s:s++++}",
	    "text", "Consommation anormalement élevée : ", litres,
	    " sur cette période, plus du double de votre moyenne des "
	    "mêmes périodes des années précédentes (", avg, "). "
	    "Vérifiez qu'il n'y a pas de fuite après votre compteur "
	    "et appelez le service client : une fuite réparée peut "
	    "réduire votre facture."));
}

/*
 * Sets view's payment keys (see docs/bill_pdf.h): "payments" received
 * [{"date", "amount", "method"}], "paid_total", "owed", "partly_paid",
 * "payable", "pay_pending".
 */
static void
payments_set(const struct rb_bills_ctx *ctx, const struct bill_data *d,
    json_t *view)
{
	const struct rb_invoice *inv = &d->bd_b.if_inv;
	const struct rb_payment_row *rows = d->bd_pays;
	struct rb_date day;
	char date[RB_BILLS_FMT_MAX];
	int64_t paid = 0, owed;
	json_t *list;
	size_t n = d->bd_npays, i;
	int pending = d->bd_pending, due;

	list = json_array();
	for (i = 0; i < n; i++) {
		paid += rows[i].pr_amount_cents;
		rb_clock_today((time_t)rows[i].pr_created_at, &day);
		rb_clock_fr_date(&day, date, sizeof(date));
		json_array_append_new(list, json_pack("{s:s, s:o, s:s}",
		    "date", date, "amount", jcents(rows[i].pr_amount_cents),
		    "method", strcmp(rows[i].pr_method, "card") == 0 ?
		    "Carte bancaire" : strcmp(rows[i].pr_method, "sepa_debit") ==
		    0 ? "Prélèvement" : strcmp(rows[i].pr_method, "transfer") ==
		    0 ? "Virement" : strcmp(rows[i].pr_method, "cheque") == 0 ?
		    "Chèque" : "Espèces"));
	}
	owed = inv->inv_total_cents - paid;
	due = strcmp(inv->inv_status, "to_pay") == 0 ||
	    strcmp(inv->inv_status, "overdue") == 0;
	json_object_set_new(view, "has_payments", json_boolean(n > 0));
	json_object_set_new(view, "payments", list);
	json_object_set_new(view, "paid_total", jcents(paid));
	json_object_set_new(view, "owed", jcents(owed > 0 ? owed : 0));
	json_object_set_new(view, "partly_paid", json_boolean(due && paid > 0 &&
	    owed > 0));
	json_object_set_new(view, "payable", json_boolean(ctx->bc_card && due &&
	    owed > 0 && !pending));
	json_object_set_new(view, "pay_pending", json_boolean(due && owed > 0 &&
	    pending));
}

enum rb_rc
rb_bills_page(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const char *number, struct rb_bills_page *out)
{
	struct bill_data *d;
	enum rb_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = bill_kept(ctx, sc, number, &out->bpg_kept,
	    &out->bpg_shared)) != RB_OK)
		return rc;
	d = rb_pagecache_data(out->bpg_kept);
	out->bpg_number = d->bd_b.if_inv.inv_number;
	out->bpg_frag = &d->bd_frag;
	return RB_OK;
}

json_t *
rb_bills_page_view(const struct rb_bills_ctx *ctx,
    const struct rb_bills_page *p)
{
	const struct bill_data *d = rb_pagecache_data(p->bpg_kept);
	char today[11];
	json_t *view;

	rb_clock_today_iso(ctx->bc_now, today, sizeof(today));
	view = bill_view(ctx, &d->bd_b, today);
	alert_set(d, view);
	payments_set(ctx, d, view);
	return view;
}

void
rb_bills_page_done(struct rb_bills_page *p)
{
	rb_pagecache_release(p->bpg_kept);
	memset(p, 0, sizeof(*p));
}

enum rb_rc
rb_bills_get(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const char *number, json_t **out)
{
	struct rb_bills_page p;
	enum rb_rc rc;

	*out = NULL;
	if ((rc = rb_bills_page(ctx, sc, number, &p)) != RB_OK)
		return rc;
	*out = rb_bills_page_view(ctx, &p);
	rb_bills_page_done(&p);
	return RB_OK;
}

/* ----------------------------------------------------------------- PDF */

/* mkdir -p of dir (relative or absolute). */
static int
make_dirs(const char *dir)
{
	char path[PATH_BYTES];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return -1;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return -1;
		path[i] = i == n ? '\0' : '/';
	}
	return 0;
}

/* Hex BLAKE2b-128 of the layout version and the canonical view. */
static int
view_hash(const json_t *view, char hex[33])
{
	crypto_generichash_state h;
	unsigned char d[16];
	char *text;

	if ((text = json_dumps(view, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	crypto_generichash_update(&h, (const unsigned char *)RB_BILL_PDF_LAYOUT,
	    sizeof(RB_BILL_PDF_LAYOUT));
	crypto_generichash_update(&h, (const unsigned char *)text,
	    strlen(text));
	crypto_generichash_final(&h, d, sizeof(d));
	rb_json_free(text);
	sodium_bin2hex(hex, 33, d, sizeof(d));
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Draws view into a new file at path; returns an fd on it, or -1. */
static int
pdf_draw(const json_t *view, const char *dir, const char *path)
{
	char tmp[PATH_BYTES], err[256];
	rb_buf pdf = RB_BUF_INIT;
	int fd = -1;

	if (rb_bill_pdf_render(view, &pdf, err, sizeof(err)) != 0) {
		log_errx("%s", err);
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.bill-XXXXXX", dir) >=
	    sizeof(tmp))
		goto out;
	if ((fd = mkstemp(tmp)) < 0) {
		log_errx("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0640) != 0 ||
	    write_all(fd, pdf.buf_data, pdf.buf_len) != 0 || fsync(fd) != 0 ||
	    rename(tmp, path) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		log_errx("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		close(fd);
		fd = -1;
	}
out:
	rb_buf_free(&pdf);
	return fd;
}

enum rb_rc
rb_bills_pdf(const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
    const char *number, int *fd, uint64_t *size, int *cached)
{
	const char *dir = ctx->bc_pdf_cache_dir;
	enum rb_rc rc;
	char hex[33], path[PATH_BYTES];
	json_t *view = NULL;
	struct stat st;

	*fd = -1;
	*size = 0;
	*cached = 0;
	if ((rc = rb_bills_get(ctx, sc, number, &view)) != RB_OK)
		return rc;
	rc = RB_ERROR;
	/* The number is normalised ([A-Z0-9-]): safe in a file name. */
	if (rb_bills_norm_number(number, path, sizeof(path)) != 0 ||
	    view_hash(view, hex) != 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s-%s.pdf", dir, number,
	    hex) >= sizeof(path))
		goto out;
	if ((*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
		*cached = 1;
	else if (make_dirs(dir) != 0) {
		log_errx("cannot create %s: %s", dir, strerror(errno));
		goto out;
	} else if ((*fd = pdf_draw(view, dir, path)) < 0)
		goto out;
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		goto out;
	}
	*size = (uint64_t)st.st_size;
	rc = RB_OK;
out:
	json_decref(view);
	return rc;
}
