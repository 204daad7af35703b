/*
 * consumption.c: consumption per billing period and per day, the
 * abnormal consumption rule and the `robinet alerts` batch (see
 * consumption.h for the rule). The SQL lives in store/consumption.c;
 * every read for a subscriber goes through the scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/money.h"
#include "base/log.h"
#include "base/mem.h"
#include "mail/mail.h"
#include "store/consumption.h"
#include "app/consumption.h"
#include "app/pagecache.h"
#include "app/pagefrag.h"

/* A period "of the same billing run": end dates this close, in days. */
#define SAME_RUN_DAYS	45
/* Contracts read per batch query by the alerts run. */
#define ALERT_BATCH	500

/* Days since 1970-01-01 of an ISO date; -1 (with *ok 0) when invalid. */
static int64_t
iso_days(const char *iso, int *ok)
{
	struct rb_date d;

	if (iso == NULL || rb_clock_parse_date(iso, &d) != 0) {
		*ok = 0;
		return -1;
	}
	return rb_clock_days_from_civil(&d);
}

/* The date years years before iso (29 February becomes the 28th). */
static int
years_back(const char *iso, int years, struct rb_date *out)
{
	if (rb_clock_parse_date(iso, out) != 0)
		return -1;
	out->d_year -= years;
	if (out->d_year < 1)
		return -1;
	if (out->d_day > rb_clock_days_in_month(out->d_year, out->d_month))
		out->d_day = rb_clock_days_in_month(out->d_year, out->d_month);
	return 0;
}

/*
 * rb_cons_same_period() over the periods' end days, ends[k] the days
 * since 1970 of periods[k].cp_end, or -1 when it is not a date (computed
 * once by the caller: the page asks for every period and 1 to 3 years).
 */
static int
same_period_days(const int64_t *ends, int n, const char *end, int years)
{
	struct rb_date target;
	int64_t t, diff, best_diff = SAME_RUN_DAYS + 1;
	int i, best = -1;

	if (years_back(end, years, &target) != 0)
		return -1;
	t = rb_clock_days_from_civil(&target);
	for (i = 0; i < n; i++) {
		if (ends[i] < 0)
			continue;
		diff = ends[i] > t ? ends[i] - t : t - ends[i];
		if (diff < best_diff) {
			best_diff = diff;
			best = i;
		}
	}
	return best;
}

int
rb_cons_same_period(const struct rb_cons_period *periods, int n,
    const char *end, int years)
{
	int64_t *ends;
	int i, ok, best;

	ends = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*ends));
	for (i = 0; i < n; i++) {
		ok = 1;
		ends[i] = iso_days(periods[i].cp_end, &ok);
		if (!ok)
			ends[i] = -1;
	}
	best = same_period_days(ends, n, end, years);
	free(ends);
	return best;
}

int
rb_cons_rule(const struct rb_cons_period *p,
    const struct rb_cons_period *prev, int nprev, int64_t *average)
{
	int64_t sum_litres = 0, sum_days = 0;
	int i;

	*average = 0;
	for (i = 0; i < nprev; i++) {
		if (prev[i].cp_days <= 0 || prev[i].cp_litres < 0)
			continue;
		sum_litres += prev[i].cp_litres;
		sum_days += prev[i].cp_days;
	}
	if (sum_days == 0 || p->cp_days <= 0)
		return 0;
	*average = sum_litres * p->cp_days / sum_days;
	return p->cp_litres * sum_days > 2 * sum_litres * p->cp_days;
}

_Static_assert(sizeof(((struct rb_cons_period *)0)->cp_start) ==
    sizeof(((struct rb_cons_bill *)0)->cb_start) &&
    sizeof(((struct rb_cons_period *)0)->cp_end) ==
    sizeof(((struct rb_cons_bill *)0)->cb_end), "period and bill dates");

/* The periods of bills[0..n), with their lengths; their end days (or
 * -1) in ends[0..n). */
static struct rb_cons_period *
periods_of(const struct rb_cons_bill *bills, int n, int64_t *ends)
{
	struct rb_cons_period *p;
	int64_t s, e;
	int i, ok;

	p = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*p));
	for (i = 0; i < n; i++) {
		/* Same sizes, NUL-terminated by the store. */
		memcpy(p[i].cp_start, bills[i].cb_start, sizeof(p[i].cp_start));
		memcpy(p[i].cp_end, bills[i].cb_end, sizeof(p[i].cp_end));
		ok = 1;
		s = iso_days(bills[i].cb_start, &ok);
		e = iso_days(bills[i].cb_end, &ok);
		p[i].cp_days = ok && e >= s ? e - s + 1 : 0;
		p[i].cp_litres = bills[i].cb_litres;
		ok = 1;
		ends[i] = iso_days(bills[i].cb_end, &ok);
		if (!ok)
			ends[i] = -1;
	}
	return p;
}

/*
 * Applies the rule to period i of p[0..n): 1 abnormal, 0 not; the
 * average in *average.
 */
static int
period_abnormal(const struct rb_cons_period *p, const int64_t *ends, int n,
    int i, int64_t *average)
{
	struct rb_cons_period prev[3];
	int k, j, nprev = 0;

	for (k = 1; k <= 3; k++) {
		j = same_period_days(ends, n, p[i].cp_end, k);
		if (j >= 0 && j != i)
			prev[nprev++] = p[j];
	}
	return rb_cons_rule(&p[i], prev, nprev, average);
}

/* The contract of number in scope: RB_OK, _NOT_FOUND or _ERROR. */
static enum rb_rc
scoped_contract(rb_db *db, const struct rb_scope *sc, const char *number,
    struct rb_cons_contract *c)
{
	int rc;

	if (number == NULL || number[0] == '\0' ||
	    (sc->sc_account == 0 && sc->sc_archive == 0))
		return RB_NOT_FOUND;
	rc = rb_cons_store_contract(db, sc->sc_account, sc->sc_archive,
	    number, c);
	if (rc < 0)
		return RB_ERROR;
	return rc == 0 ? RB_OK : RB_NOT_FOUND;
}

/* The rows of rb_cons_periods() of the n bills of a contract, into a
 * new array *out of *nout (free()). */
static void
periods_to_rows(const struct rb_cons_bill *bills, int n, const char *from,
    const char *to, struct rb_cons_row **out, int *nout)
{
	struct rb_cons_period *p = NULL;
	struct rb_cons_row *rows, *r;
	int64_t average, *ends;
	int i, j;

	*nout = 0;
	ends = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*ends));
	p = periods_of(bills, n, ends);
	rows = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		if ((from != NULL && strcmp(p[i].cp_end, from) < 0) ||
		    (to != NULL && strcmp(p[i].cp_end, to) > 0))
			continue;
		j = same_period_days(ends, n, p[i].cp_end, 1);
		r = &rows[(*nout)++];
		memcpy(r->cr_start, p[i].cp_start, sizeof(r->cr_start));
		memcpy(r->cr_end, p[i].cp_end, sizeof(r->cr_end));
		r->cr_days = p[i].cp_days;
		r->cr_litres = p[i].cp_litres;
		r->cr_estimated = bills[i].cb_estimated;
		r->cr_previous = j >= 0 && j != i ? p[j].cp_litres : -1;
		r->cr_abnormal = period_abnormal(p, ends, n, i, &average);
	}
	*out = rows;
	free(ends);
	free(p);
}

/* The rows of rb_cons_periods() of the contract c, already found in
 * scope, into a new array *out of *n (free()). */
static enum rb_rc
period_rows(rb_db *db, const struct rb_scope *sc,
    const struct rb_cons_contract *c, const char *from, const char *to,
    struct rb_cons_row **out, int *nout)
{
	struct rb_cons_bill *bills = NULL;
	int n = 0;

	*out = NULL;
	*nout = 0;
	if (rb_cons_store_bills(db, sc->sc_account, sc->sc_archive,
	    RB_ARCHIVE_END, c->cc_id, &bills, &n) != 0)
		return RB_ERROR;
	periods_to_rows(bills, n, from, to, out, nout);
	free(bills);
	return RB_OK;
}

enum rb_rc
rb_cons_periods(rb_db *db, const struct rb_scope *sc,
    const char *contract_number, const char *from, const char *to,
    json_t **out)
{
	struct rb_cons_contract c;
	struct rb_cons_row *rows;
	json_t *o;
	int rc, n, i;

	*out = NULL;
	if ((rc = scoped_contract(db, sc, contract_number, &c)) != RB_OK)
		return rc;
	if ((rc = period_rows(db, sc, &c, from, to, &rows, &n)) != RB_OK)
		return rc;
	*out = json_array();
	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new_nocheck(o, "start",
		    json_string(rows[i].cr_start));
		json_object_set_new_nocheck(o, "end",
		    json_string(rows[i].cr_end));
		json_object_set_new_nocheck(o, "days",
		    json_integer(rows[i].cr_days));
		json_object_set_new_nocheck(o, "litres",
		    json_integer(rows[i].cr_litres));
		json_object_set_new_nocheck(o, "estimated",
		    json_boolean(rows[i].cr_estimated));
		json_object_set_new_nocheck(o, "previous_litres",
		    rows[i].cr_previous >= 0 ?
		    json_integer(rows[i].cr_previous) : json_null());
		json_object_set_new_nocheck(o, "abnormal",
		    json_boolean(rows[i].cr_abnormal));
		json_array_append_new(*out, o);
	}
	free(rows);
	return RB_OK;
}

/* Whether rb_cons_daily() of the contract c reads readings (*want), and
 * from which day: before, the day before from (its reading gives from's
 * consumption). RB_OK or RB_ERROR. */
static enum rb_rc
day_range(const struct rb_cons_contract *c, const char *from,
    const char *to, char before[11], int *want)
{
	struct rb_date d;
	int ok = 1;

	*want = 0;
	if (!c->cc_remote)
		return RB_OK;
	if (from == NULL || to == NULL || rb_clock_parse_date(from, &d) != 0 ||
	    iso_days(to, &ok) < 0 || !ok)
		return RB_OK;
	rb_clock_date_add(&d, -1, &d);
	if (rb_clock_format_date(&d, before, 11) != 0)
		return RB_ERROR;
	*want = 1;
	return RB_OK;
}

/* The rows of rb_cons_daily() of the n readings r, from from on, into a
 * new array *out of *nout (free()). */
static void
days_to_rows(const struct rb_cons_reading *r, int n, const char *from,
    struct rb_cons_row **out, int *nout)
{
	struct rb_cons_row *row;
	int64_t prev_day, day;
	int i, ok = 1;

	*nout = 0;
	*out = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(**out));
	prev_day = n > 0 ? iso_days(r[0].cr_day, &ok) : 0;
	for (i = 1; i < n; i++) {
		ok = 1;
		day = iso_days(r[i].cr_day, &ok);
		/* Consecutive days of one meter that did not go back. */
		if (ok && prev_day >= 0 && r[i].cr_meter_id ==
		    r[i - 1].cr_meter_id && day == prev_day + 1 &&
		    r[i].cr_index >= r[i - 1].cr_index &&
		    strcmp(r[i].cr_day, from) >= 0) {
			row = &(*out)[(*nout)++];
			memcpy(row->cr_start, r[i].cr_day, sizeof(row->cr_start));
			row->cr_litres = r[i].cr_index - r[i - 1].cr_index;
			row->cr_previous = -1;
		}
		prev_day = ok ? day : -1;
	}
}

/* The rows of rb_cons_daily() of the contract c, already found in scope,
 * into a new array *out of *n (free(); NULL when none). */
static enum rb_rc
day_rows(rb_db *db, const struct rb_scope *sc,
    const struct rb_cons_contract *c, const char *from, const char *to,
    struct rb_cons_row **out, int *nout)
{
	struct rb_cons_reading *r = NULL;
	char before[11];
	int n = 0, want;

	*out = NULL;
	*nout = 0;
	if (day_range(c, from, to, before, &want) != RB_OK)
		return RB_ERROR;
	if (!want)
		return RB_OK;
	if (rb_cons_store_readings(db, sc->sc_account, sc->sc_archive,
	    RB_ARCHIVE_END, c->cc_id, before, to, &r, &n) != 0)
		return RB_ERROR;
	days_to_rows(r, n, from, out, nout);
	free(r);
	return RB_OK;
}

enum rb_rc
rb_cons_daily(rb_db *db, const struct rb_scope *sc,
    const char *contract_number, const char *from, const char *to,
    json_t **out)
{
	struct rb_cons_contract c;
	struct rb_cons_row *rows;
	json_t *o;
	int rc, n, i;

	*out = NULL;
	if ((rc = scoped_contract(db, sc, contract_number, &c)) != RB_OK)
		return rc;
	if ((rc = day_rows(db, sc, &c, from, to, &rows, &n)) != RB_OK)
		return rc;
	*out = json_array();
	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new_nocheck(o, "date",
		    json_string(rows[i].cr_start));
		json_object_set_new_nocheck(o, "litres",
		    json_integer(rows[i].cr_litres));
		json_array_append_new(*out, o);
	}
	free(rows);
	return RB_OK;
}

/* The alert object of row. */
static json_t *
alert_json(const struct rb_cons_alert_row *a)
{
	return json_pack("{s:I, s:I, s:s, s:s}",
	    "litres", (json_int_t)a->ca_litres,
	    "average_litres", (json_int_t)a->ca_average,
	    "period_start", a->ca_start, "period_end", a->ca_end);
}

enum rb_rc
rb_cons_invoice_alert(rb_db *db, const struct rb_scope *sc,
    const char *invoice_number, json_t **out)
{
	struct rb_cons_alert_row a;
	int rc;

	*out = NULL;
	if (invoice_number == NULL || invoice_number[0] == '\0' ||
	    (sc->sc_account == 0 && sc->sc_archive == 0))
		return RB_NOT_FOUND;
	rc = rb_cons_store_invoice_alert(db, sc->sc_account, sc->sc_archive,
	    invoice_number, &a);
	if (rc < 0)
		return RB_ERROR;
	if (rc == 2)
		return RB_NOT_FOUND;
	*out = rc == 0 ? alert_json(&a) : json_null();
	return RB_OK;
}

/* rb_cons_contract_alert() of the contract c, already found in scope. */
static enum rb_rc
alert_of_contract(rb_db *db, const struct rb_scope *sc,
    const struct rb_cons_contract *c, json_t **out)
{
	struct rb_cons_alert_row a;
	int rc;

	*out = NULL;
	rc = rb_cons_store_contract_alert(db, sc->sc_account, sc->sc_archive,
	    RB_ARCHIVE_END, c->cc_id, &a);
	if (rc < 0)
		return RB_ERROR;
	*out = rc == 0 ? alert_json(&a) : json_null();
	return RB_OK;
}

enum rb_rc
rb_cons_contract_alert(rb_db *db, const struct rb_scope *sc,
    const char *contract_number, json_t **out)
{
	struct rb_cons_contract c;
	int rc;

	*out = NULL;
	if ((rc = scoped_contract(db, sc, contract_number, &c)) != RB_OK)
		return rc;
	return alert_of_contract(db, sc, &c, out);
}

/* A kept page: the query it answers, what it shows (read only, shared
   by the requests) and the page's HTML made of it (app/pagefrag.h). */
struct cons_kept {
	char			 ck_param[RB_PAGECACHE_PARAM_MAX];
	struct rb_cons_page	 ck_page;
	struct rb_pagefrag_slot	 ck_frag;
};

static void
cons_kept_drop(void *p)
{
	struct cons_kept *k = p;

	rb_cons_view_free(&k->ck_page);
	rb_pagefrag_slot_clear(&k->ck_frag);
	free(k);
}

/* The kept page of v into out, shared: out holds v's reference. */
static void
page_share(struct rb_pagecache_val *v, struct rb_cons_page *out)
{
	struct cons_kept *k = rb_pagecache_data(v);

	*out = k->ck_page;
	out->cv_kept = v;
	out->cv_frag = &k->ck_frag;
}

static enum rb_rc	cons_view_read(rb_db *, const struct rb_scope *,
			    const char *, int, const char *, const char *,
			    struct rb_cons_page *);

/*
 * The page of a signed-in account is kept in this server's memory
 * (app/pagecache.h) for the same query, listing the scope's contracts:
 * the triggers on contracts, account_contracts, invoices, meters,
 * meter_readings and consumption_alerts evict it. The caller shares the
 * kept page, read only, with the slot of its HTML (cv_frag), until
 * rb_cons_view_free().
 */
enum rb_rc
rb_cons_view(rb_db *db, const struct rb_scope *sc, const char *number,
    int daily, const char *from, const char *to, struct rb_cons_page *out)
{
	struct rb_pagecache_val *v;
	const struct cons_kept *got;
	struct cons_kept *k;
	int64_t *ids;
	uint64_t epoch;
	char param[RB_PAGECACHE_PARAM_MAX];
	enum rb_rc rc;
	int i, n;

	n = snprintf(param, sizeof(param), "%lld|%s|%d|%s|%s",
	    (long long)sc->sc_archive, number != NULL ? number : "", daily,
	    from != NULL ? from : "", to != NULL ? to : "");
	if (!rb_pagecache_keeps(sc->sc_account) || n < 0 ||
	    (size_t)n >= sizeof(param))
		return cons_view_read(db, sc, number, daily, from, to, out);
	if ((v = rb_pagecache_get(RB_PAGECACHE_CONSUMPTION, sc->sc_account,
	    "", (int64_t)time(NULL), &epoch)) != NULL) {
		got = rb_pagecache_data(v);
		if (strcmp(got->ck_param, param) == 0) {
			page_share(v, out);
			return RB_OK;
		}
		rb_pagecache_release(v);
	}
	k = rb_xcalloc(1, sizeof(*k));
	if ((rc = cons_view_read(db, sc, number, daily, from, to,
	    &k->ck_page)) != RB_OK) {
		free(k);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	memcpy(k->ck_param, param, sizeof(param));
	rb_pagefrag_slot_init(&k->ck_frag);
	ids = rb_xcalloc(k->ck_page.cv_ncontracts > 0 ?
	    (size_t)k->ck_page.cv_ncontracts : 1, sizeof(*ids));
	for (i = 0; i < k->ck_page.cv_ncontracts; i++)
		ids[i] = k->ck_page.cv_contracts[i].cc_id;
	v = rb_pagecache_val_new(k, cons_kept_drop, ids,
	    (size_t)k->ck_page.cv_ncontracts);
	free(ids);
	rb_pagecache_put(RB_PAGECACHE_CONSUMPTION, sc->sc_account, "", v,
	    epoch);
	page_share(v, out);
	return RB_OK;
}

/* rb_cons_view() from the database. */
static enum rb_rc
cons_view_read(rb_db *db, const struct rb_scope *sc, const char *number,
    int daily, const char *from, const char *to, struct rb_cons_page *out)
{
	const struct rb_cons_contract *c = NULL;
	struct rb_cons_bill *bills = NULL;
	struct rb_cons_reading *readings = NULL;
	enum rb_rc rc = RB_ERROR;
	char before[11] = "";
	int i, want, nbills = 0, nreadings = 0;

	memset(out, 0, sizeof(*out));
	/* One snapshot, and one read transaction rather than one per
	   statement. */
	if (rb_db_begin_read(db) != 0)
		return RB_ERROR;
	if (rb_cons_store_contracts(db, sc->sc_account, sc->sc_archive,
	    &out->cv_contracts, &out->cv_ncontracts) != 0)
		goto out;
	if (number == NULL || number[0] == '\0') {
		rc = RB_OK;
		if (out->cv_ncontracts == 0)
			goto out;
		c = &out->cv_contracts[0];
	} else {
		/* Its number or its old number; of two, the first in the
		   scope's order (contract ids), as the look-up by number
		   (rb_cons_store_contract()) takes it. */
		for (i = 0; i < out->cv_ncontracts; i++)
			if ((strcmp(out->cv_contracts[i].cc_number, number) ==
			    0 || strcmp(out->cv_contracts[i].cc_old_number,
			    number) == 0) && (c == NULL ||
			    out->cv_contracts[i].cc_id < c->cc_id))
				c = &out->cv_contracts[i];
		if (c == NULL) {
			rc = RB_NOT_FOUND;
			goto out;
		}
	}
	out->cv_contract = c;
	/* Its rows and its alert: one batch, one round trip. */
	want = !daily;
	if (daily && (rc = day_range(c, from, to, before, &want)) != RB_OK)
		goto out;
	if (rb_cons_store_page(db, sc->sc_account, sc->sc_archive,
	    RB_ARCHIVE_END, c->cc_id, daily ? NULL : &bills, &nbills,
	    before, to, daily && want ? &readings : NULL, &nreadings,
	    &out->cv_alert, &out->cv_has_alert) != 0) {
		rc = RB_ERROR;
		goto out;
	}
	if (!daily)
		periods_to_rows(bills, nbills, from, to, &out->cv_rows,
		    &out->cv_nrows);
	else if (want)
		days_to_rows(readings, nreadings, from, &out->cv_rows,
		    &out->cv_nrows);
	free(bills);
	free(readings);
	rc = RB_OK;
out:
	if (rb_db_commit(db) != 0)
		rc = RB_ERROR;
	if (rc != RB_OK)
		rb_cons_view_free(out);
	return rc;
}

void
rb_cons_view_free(struct rb_cons_page *page)
{
	if (page->cv_kept != NULL)
		rb_pagecache_release(page->cv_kept);
	else {
		free(page->cv_contracts);
		free(page->cv_rows);
	}
	memset(page, 0, sizeof(*page));
}

/* Queues the alert's email to every recipient; returns how many. */
static int
alert_mail(rb_db *db, const char *public_url,
    const struct rb_cons_contract *c, const struct rb_cons_period *p,
    int64_t average, time_t now)
{
	char start[RB_CLOCK_FR_MAX], end[RB_CLOCK_FR_MAX], vol[32], avg[32];
	char link[512];
	json_t *to = NULL, *item, *data;
	const char *first;
	size_t i;
	int sent = 0;

	if (rb_cons_store_recipients(db, c->cc_id, &to) != 0)
		return -1;
	rb_clock_fr_iso(p->cp_start, start, sizeof(start));
	rb_clock_fr_iso(p->cp_end, end, sizeof(end));
	rb_volume_m3_plain(p->cp_litres, vol, sizeof(vol));
	rb_volume_m3_plain(average, avg, sizeof(avg));
	snprintf(link, sizeof(link), "%s/ma-consommation?contrat=%s",
	    public_url, c->cc_number);
	json_array_foreach(to, i, item) {
		data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "contract_number", c->cc_number, "volume", vol,
		    "average", avg, "period_start", start, "period_end", end,
		    "link", link);
		first = json_string_value(json_object_get(item, "first_name"));
		if (first != NULL && first[0] != '\0')
			json_object_set_new(data, "first_name",
			    json_string(first));
		/* A refused address (logged) must not block the others. */
		if (rb_mail_queue(db, RB_MAIL_CONSUMPTION_ALERT,
		    json_string_value(json_object_get(item, "email")), data,
		    now) == 0)
			sent++;
		json_decref(data);
	}
	json_decref(to);
	return sent;
}

/* The alerts of one contract to record, run by rb_db_transact(). */
struct alerts_one {
	const char		*ao_public_url;
	time_t			 ao_now;
	const struct rb_cons_contract *ao_c;
	const struct rb_cons_bill *ao_bills;
	const struct rb_cons_period *ao_p;
	const int		*ao_abnormal;
	const int64_t		*ao_averages;
	int			 ao_n;
	int			 ao_alerts;	/* out: new alerts */
	int			 ao_mails;	/* out: emails queued */
};

/*
 * Records the abnormal periods not recorded yet (by an earlier run, or
 * by another server running at the same time) and queues their emails.
 * The counts start again on each try.
 */
static int
alerts_record(rb_db *db, void *arg)
{
	struct alerts_one *ao = arg;
	int64_t alert_id;
	int i, sent;

	ao->ao_alerts = 0;
	ao->ao_mails = 0;
	for (i = 0; i < ao->ao_n; i++) {
		if (!ao->ao_abnormal[i])
			continue;
		switch (rb_cons_store_alert_add(db, ao->ao_c->cc_id,
		    ao->ao_p[i].cp_start, ao->ao_p[i].cp_end,
		    ao->ao_bills[i].cb_invoice_id, ao->ao_p[i].cp_litres,
		    ao->ao_averages[i], (int64_t)ao->ao_now, &alert_id)) {
		case 0:
			break;
		case 1:
			continue;	/* recorded already */
		default:
			return -1;
		}
		ao->ao_alerts++;
		if ((sent = alert_mail(db, ao->ao_public_url, ao->ao_c,
		    &ao->ao_p[i], ao->ao_averages[i], ao->ao_now)) < 0)
			return -1;
		if (sent > 0 && rb_cons_store_alert_mailed(db, alert_id,
		    (int64_t)ao->ao_now) != 0)
			return -1;
		if (sent == 0)
			log_warnx("contract %s: abnormal consumption recorded, "
			    "nobody to write to", ao->ao_c->cc_number);
		ao->ao_mails += sent;
	}
	return 0;
}

/*
 * Detects and records the new alerts of contract id, in one transaction
 * (run again when the engine refuses it), and queues their emails.
 * Returns 0, or -1 (rolled back).
 */
static int
alerts_contract(rb_db *db, const char *public_url, time_t now,
    const char *window_start, int64_t id, int *nalerts, int *nmails)
{
	struct rb_cons_contract c;
	struct rb_cons_bill *bills = NULL;
	struct rb_cons_period *p = NULL;
	struct alerts_one ao;
	int64_t average;
	int *abnormal = NULL, n = 0, i, found = 0, rc = -1;
	int64_t *averages = NULL, *ends = NULL;

	if ((rc = rb_cons_store_contract_by_id(db, id, &c)) != 0)
		return rc > 0 ? 0 : -1;
	rc = -1;
	if (rb_cons_store_all_bills(db, id, &bills, &n) != 0)
		goto out;
	ends = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*ends));
	p = periods_of(bills, n, ends);
	abnormal = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*abnormal));
	averages = rb_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*averages));
	for (i = 0; i < n; i++) {
		if (strcmp(p[i].cp_end, window_start) < 0)
			continue;
		if (period_abnormal(p, ends, n, i, &average)) {
			abnormal[i] = 1;
			averages[i] = average;
			found++;
		}
	}
	if (found == 0) {
		rc = 0;
		goto out;
	}
	memset(&ao, 0, sizeof(ao));
	ao.ao_public_url = public_url;
	ao.ao_now = now;
	ao.ao_c = &c;
	ao.ao_bills = bills;
	ao.ao_p = p;
	ao.ao_abnormal = abnormal;
	ao.ao_averages = averages;
	ao.ao_n = n;
	if (rb_db_transact(db, alerts_record, &ao) != 0)
		goto out;
	*nalerts += ao.ao_alerts;
	*nmails += ao.ao_mails;
	rc = 0;
out:
	free(bills);
	free(p);
	free(abnormal);
	free(averages);
	free(ends);
	return rc;
}

int
rb_cons_alerts_run(rb_db *db, const char *public_url, time_t now,
    int *nalerts, int *nmails)
{
	int64_t ids[ALERT_BATCH], after = 0;
	struct rb_date today, w;
	char window_start[11];
	int n, i, before, before_mails;

	*nalerts = 0;
	*nmails = 0;
	rb_clock_today(now, &today);
	rb_clock_date_add(&today, -RB_CONS_ALERT_WINDOW_DAYS, &w);
	if (rb_clock_format_date(&w, window_start, sizeof(window_start)) != 0)
		return -1;
	for (;;) {
		if (rb_cons_store_contract_ids(db, after, ALERT_BATCH, ids,
		    &n) != 0)
			return -1;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			before = *nalerts;
			before_mails = *nmails;
			if (alerts_contract(db, public_url, now, window_start,
			    ids[i], nalerts, nmails) != 0) {
				*nalerts = before;
				*nmails = before_mails;
				log_errx("alerts stopped at contract id %lld",
				    (long long)ids[i]);
				return -1;
			}
		}
		after = ids[n - 1];
	}
	return 0;
}
