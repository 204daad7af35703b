/*
 * pages/consumption.c: "Ma consommation" (GET /ma-consommation) and its
 * download (GET /ma-consommation.csv): the consumption of one contract
 * of the visitor's scope, per billing period over up to three years with
 * the same period a year earlier, or per day for a remote-read meter;
 * as a server-drawn SVG chart and a table holding the same figures, or
 * as CSV for a spreadsheet.
 *
 * Query (both pages): contrat (10 digits, or the old number of the
 * archive; default: the scope's first contract), vue=periodes|jours
 * (default periodes), du and au (ISO dates, included; default: the last
 * three years, or the last 90 days for vue=jours, up to today, or up to
 * the end of 2023 for a visitor of the archive). On the page, a bad
 * parameter shows the form again with the visitor's input, an error
 * summary and the error under its field (200, like every refused
 * form), and no figures; a daily range longer than 366 days is cut to
 * the 366 days before its end date, with a notice saying so. The
 * download answers 400 with a French sentence saying what to change. A
 * contract outside the scope answers the same 404 as an unknown one.
 *
 * For a signed-in subscriber whose contract has a remote-read meter the
 * page also shows the latest possible leak and the form of the leak
 * alert's setting (app/leaks.h), posted to /ma-consommation/alerte.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/consumption.h"
#include "app/leaks.h"
#include "app/pagefrag.h"
#include "base/clock.h"
#include "base/mem.h"
#include "base/money.h"
#include "web/chart.h"
#include "web/forms.h"
#include "web/routes.h"
#include "web/session.h"
#include "tmpl/mustache.h"

#define RANGE_YEARS	3	/* longest range, and the default one */
#define DAILY_DAYS	90	/* default range of the daily view */
#define DAILY_MAX_DAYS	366	/* longest range of the daily view */

/* The parameters of the query, as bits of what parse_query ignores
 * once found wrong. */
enum cons_param {
	CP_CONTRACT = 1,
	CP_VIEW = 2,
	CP_FROM = 4,
	CP_TO = 8,
	CP_DATES = CP_FROM | CP_TO	/* the range itself is wrong */
};

struct cons_query {
	char		 cq_contract[16];	/* "" for the first of the
						   scope */
	int		 cq_daily;
	char		 cq_from[11];
	char		 cq_to[11];
	const char	*cq_notice;	/* the daily range was cut */
	int		 cq_fault;	/* enum cons_param at fault, 0 */
	const char	*cq_error;	/* its French message */
};

static const struct rb_field_def f_from = { "du", "Du", "date", "off",
    "Date de début, au format AAAA-MM-JJ, par exemple 2024-01-31.",
    NULL };
static const struct rb_field_def f_to = { "au", "Au", "date", "off",
    "Date de fin, au format AAAA-MM-JJ, par exemple 2024-12-31.", NULL };

static const char msg_contract[] = "Le numéro de contrat doit comporter "
    "10 chiffres (ou, pour les archives, 7 chiffres suivis d'une lettre).";
static const char msg_view[] = "L'affichage demandé n'existe pas : "
    "choisissez « par période de facturation » ou « par jour ».";
static const char msg_order[] = "La date de début doit être antérieure "
    "ou égale à la date de fin.";
static const char msg_range[] = "La période demandée ne peut pas dépasser "
    "trois ans : rapprochez la date de début de la date de fin.";
static const char msg_daily_range[] = "La consommation par jour se "
    "télécharge sur 366 jours au plus : rapprochez la date de début de la "
    "date de fin.";
static const char msg_daily_cut[] = "La consommation par jour s'affiche "
    "sur 366 jours au plus : voici les 366 jours qui précèdent la date de "
    "fin choisie. Pour voir une autre période, changez la date de "
    "début.";

/*
 * Normalises a typed contract number (spaces dropped, letters upper
 * case) into out: 10 digits, or 7 digits and a letter. 0, or -1.
 */
static int
parse_contract(const char *s, char *out, size_t outlen)
{
	size_t n = 0, i;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (n + 1 >= outlen || !isalnum((unsigned char)*s))
			return -1;
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
	for (i = 0; i < n && isdigit((unsigned char)out[i]); i++)
		;
	if (n == 10 && i == 10)
		return 0;
	if (n == 8 && i == 7 && isupper((unsigned char)out[7]))
		return 0;
	return -1;
}

/*
 * Parses date parameter name ("du" or "au") into out when present and
 * not empty. Returns 1 when absent, 0 when parsed, -1 (with the French
 * message in msg) when invalid.
 */
static int
parse_date_param(struct rb_req *req, const char *name, const char *what,
    char *out, const char **msg, int ignore)
{
	const char *v = rb_form_get(&req->req_query, name);
	struct rb_date d;

	if (ignore || v == NULL || v[0] == '\0')
		return 1;
	if (rb_clock_parse_date(v, &d) != 0) {
		*msg = rb_arena_printf(req->req_arena, "La date %s « %.40s » "
		    "n'est pas une date valide : écrivez-la sous la forme "
		    "AAAA-MM-JJ, par exemple 2024-06-30.", what, v);
		return -1;
	}
	rb_clock_format_date(&d, out, 11);
	return 0;
}

/* Days since 1970-01-01 of a valid ISO date. */
static int64_t
iso_days(const char *iso)
{
	struct rb_date d;

	if (rb_clock_parse_date(iso, &d) != 0)
		return 0;
	return rb_clock_days_from_civil(&d);
}

/*
 * Parses the query into q, taking the parameters of ignore (enum
 * cons_param bits) as absent; 0, or -1 with the French message in *msg
 * and the parameters at fault in *fault.
 */
static int
parse_query(struct rb_req *req, const struct rb_scope *sc,
    struct cons_query *q, int ignore, const char **msg, int *fault)
{
	const char *contract = rb_form_get(&req->req_query, "contrat");
	const char *view = rb_form_get(&req->req_query, "vue");
	struct rb_date today, d;
	char limit[11];
	int rc_from, rc_to;

	memset(q, 0, sizeof(*q));
	if (!(ignore & CP_CONTRACT) && contract != NULL &&
	    contract[0] != '\0' && parse_contract(contract, q->cq_contract,
	    sizeof(q->cq_contract)) != 0) {
		*msg = msg_contract;
		*fault = CP_CONTRACT;
		return -1;
	}
	if ((ignore & CP_VIEW) || view == NULL || view[0] == '\0' ||
	    strcmp(view, "periodes") == 0)
		q->cq_daily = 0;
	else if (strcmp(view, "jours") == 0)
		q->cq_daily = 1;
	else {
		*msg = msg_view;
		*fault = CP_VIEW;
		return -1;
	}
	if ((rc_from = parse_date_param(req, "du", "de début", q->cq_from,
	    msg, ignore & CP_FROM)) < 0) {
		*fault = CP_FROM;
		return -1;
	}
	if ((rc_to = parse_date_param(req, "au", "de fin", q->cq_to, msg,
	    ignore & CP_TO)) < 0) {
		*fault = CP_TO;
		return -1;
	}
	if (rc_to == 1) {
		rb_clock_today(time(NULL), &today);
		/* The archive ends with 2023: its default range too. */
		if (sc->sc_account == 0 && sc->sc_archive != 0) {
			rb_clock_parse_date(RB_ARCHIVE_END, &d);
			rb_clock_date_add(&d, -1, &today);
		}
		rb_clock_format_date(&today, q->cq_to,
		    sizeof(q->cq_to));
	}
	/* The earliest start allowed: the end date three years back. */
	rb_clock_parse_date(q->cq_to, &d);
	d.d_year -= RANGE_YEARS;
	if (d.d_year < 1)
		d.d_year = 1;
	if (d.d_day > rb_clock_days_in_month(d.d_year, d.d_month))
		d.d_day = rb_clock_days_in_month(d.d_year, d.d_month);
	rb_clock_format_date(&d, limit, sizeof(limit));
	if (rc_from == 1) {
		if (q->cq_daily) {
			rb_clock_parse_date(q->cq_to, &d);
			rb_clock_date_add(&d, -(DAILY_DAYS - 1), &d);
			rb_clock_format_date(&d, q->cq_from,
			    sizeof(q->cq_from));
		} else {
			memcpy(q->cq_from, limit, sizeof(limit));
		}
	}
	if (strcmp(q->cq_from, q->cq_to) > 0) {
		*msg = msg_order;
		*fault = CP_DATES;
		return -1;
	}
	if (strcmp(q->cq_from, limit) < 0) {
		*msg = msg_range;
		*fault = CP_DATES;
		return -1;
	}
	/* Switching to "par jour" with the dates of the periods still in
	   the form: the last 366 days of the range, said in a notice. */
	if (q->cq_daily && iso_days(q->cq_to) - iso_days(q->cq_from) >=
	    DAILY_MAX_DAYS) {
		rb_clock_parse_date(q->cq_to, &d);
		rb_clock_date_add(&d, -(DAILY_MAX_DAYS - 1), &d);
		rb_clock_format_date(&d, q->cq_from, sizeof(q->cq_from));
		q->cq_notice = msg_daily_cut;
	}
	return 0;
}

/*
 * Runs the use case for q: 0 and the data in *out (free it with
 * rb_cons_view_free()), or -1 once the error answer (redirect, 400,
 * 404, 500) is written. On the page (page
 * true), a wrong parameter is kept in q->cq_fault and q->cq_error, and
 * the view is of the query without it (so the form can be shown
 * again); for the download it answers 400.
 */
static int
load(struct rb_req *req, struct cons_query *q, int page,
    struct rb_cons_page *out)
{
	struct rb_scope sc;
	const char *msg = NULL, *first_msg = NULL;
	struct rb_db *db;
	int rc, fault = 0, first_fault = 0, ignore = 0, tries;

	memset(out, 0, sizeof(*out));
	if (rb_req_scope(req, &sc) != 0)
		return -1;
	for (tries = 0; parse_query(req, &sc, q, ignore, &msg, &fault) != 0;
	    tries++) {
		if (!page) {
			rb_resp_bad_request(req, "Choix du téléchargement non "
			    "valide", msg);
			return -1;
		}
		if (tries == 0) {
			first_fault = fault;
			first_msg = msg;
		}
		if (tries == 4) {	/* not reached: each pass ignores more */
			rb_resp_error(req, 500);
			return -1;
		}
		ignore |= fault;
	}
	/* A download says nothing of a cut range: it refuses it. */
	if (!page && q->cq_notice != NULL) {
		rb_resp_bad_request(req, "Choix du téléchargement non valide",
		    msg_daily_range);
		return -1;
	}
	q->cq_fault = first_fault;
	q->cq_error = first_msg;
	if ((db = rb_req_db(req)) == NULL)	/* 503 answered */
		return -1;
	rc = rb_cons_view(db, &sc, q->cq_contract[0] != '\0' ?
	    q->cq_contract : NULL, q->cq_daily, q->cq_from, q->cq_to, out);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return -1;
	}
	return 0;
}

static json_t *
m3_json(int64_t litres)
{
	char m3[32];

	rb_volume_m3_plain(litres, m3, sizeof(m3));
	return json_string(m3);
}

static json_t *
fr_date_json(const char *iso)
{
	char fr[RB_CLOCK_FR_MAX];

	rb_clock_fr_iso(iso, fr, sizeof(fr));
	return json_string(fr);
}

/* "+12 %", "-3 %" or "0 %" into s (32 bytes): the change from prev to
 * cur, rounded; NULL when prev is not above 0. */
static const char *
change_text(int64_t cur, int64_t prev, char *s)
{
	int64_t d = cur - prev, pct;
	char *p = s;

	if (prev <= 0)
		return NULL;
	pct = ((d < 0 ? -d : d) * 200 + prev) / (2 * prev);
	/* No snprintf: a table has dozens of rows. */
	if (pct != 0)
		*p++ = d < 0 ? '-' : '+';
	p += rb_int_text(pct, p);
	memcpy(p, " %", 3);
	return s;
}

/* The pieces of the NULL-terminated parts, end to end, in arena a (a
 * chart has a title per bar: no printf). */
static const char *
arena_cat(rb_arena *a, const char *const *parts)
{
	size_t n = 1, i, k;
	char *s, *p;

	for (i = 0; parts[i] != NULL; i++)
		n += strlen(parts[i]);
	p = s = rb_arena_alloc(a, n);
	for (i = 0; parts[i] != NULL; i++) {
		k = strlen(parts[i]);
		memcpy(p, parts[i], k);
		p += k;
	}
	*p = '\0';
	return s;
}

/*
 * The rows of the table as consumption.mustache reads them, written from
 * C structs (tmpl/mustache.h) rather than a JSON object per row: a
 * period {"start_fr", "end_fr", "archive_number" (or null), "days",
 * "m3", "previous_m3" (or null), "change" (or null), "estimated",
 * "abnormal"}, a day {"date_fr", "litres"}.
 */
struct period_view {
	char		 pv_start[RB_CLOCK_FR_MAX];
	char		 pv_end[RB_CLOCK_FR_MAX];
	const char	*pv_archive_number;
	char		 pv_days[RB_INT_TEXT];
	char		 pv_m3[32];
	char		 pv_pm3[32];
	const char	*pv_previous_m3;	/* pv_pm3 or NULL */
	char		 pv_change_text[32];
	const char	*pv_change;		/* pv_change_text or NULL */
	int		 pv_estimated;
	int		 pv_abnormal;
};

struct day_view {
	char		 dv_date[RB_CLOCK_FR_MAX];
	char		 dv_litres[RB_INT_TEXT];
};

#define F(name, type, st, member) \
	RB_TMPL_FIELD(name, type, st, member, NULL)

static const struct rb_tmpl_field period_fields[] = {
	F("start_fr", RB_TF_TEXT, struct period_view, pv_start),
	F("end_fr", RB_TF_TEXT, struct period_view, pv_end),
	F("archive_number", RB_TF_STR, struct period_view,
	    pv_archive_number),
	F("days", RB_TF_TEXT, struct period_view, pv_days),
	F("m3", RB_TF_TEXT, struct period_view, pv_m3),
	F("previous_m3", RB_TF_STR, struct period_view, pv_previous_m3),
	F("change", RB_TF_STR, struct period_view, pv_change),
	F("estimated", RB_TF_BOOL, struct period_view, pv_estimated),
	F("abnormal", RB_TF_BOOL, struct period_view, pv_abnormal),
};
static const struct rb_tmpl_desc period_desc = RB_TMPL_DESC(period_fields);

static const struct rb_tmpl_field day_fields[] = {
	F("date_fr", RB_TF_TEXT, struct day_view, dv_date),
	F("litres", RB_TF_TEXT, struct day_view, dv_litres),
};
static const struct rb_tmpl_desc day_desc = RB_TMPL_DESC(day_fields);

/* The page's own rows, on top of its JSON data. */
struct rows_view {
	struct rb_tmpl_rows rv_rows;
};

static const struct rb_tmpl_field rows_fields[] = {
	F("rows", RB_TF_ROWS, struct rows_view, rv_rows),
};
static const struct rb_tmpl_desc rows_desc = RB_TMPL_DESC(rows_fields);

#undef F

/* The period rows of the page from rows[0..n) into *rv (in the
 * request's arena); fills the chart bars. */
static void
period_rows(struct rb_req *req, const struct rb_cons_row *rows, int n,
    const char *old_number, struct rb_chart_bar *bars, struct rows_view *rv)
{
	struct period_view *pv;
	const char *sp;
	int i;

	pv = rb_arena_alloc(req->req_arena, (size_t)(n > 0 ? n : 1) *
	    sizeof(*pv));
	rv->rv_rows = (struct rb_tmpl_rows){ &period_desc, pv,
	    (size_t)(n > 0 ? n : 0), sizeof(*pv) };
	for (i = 0; i < n; i++, pv++) {
		const struct rb_cons_row *r = &rows[i];

		rb_clock_fr_iso(r->cr_start, pv->pv_start,
		    sizeof(pv->pv_start));
		rb_clock_fr_iso(r->cr_end, pv->pv_end, sizeof(pv->pv_end));
		rb_volume_m3_plain(r->cr_litres, pv->pv_m3, sizeof(pv->pv_m3));
		pv->pv_previous_m3 = NULL;
		pv->pv_change = NULL;
		if (r->cr_previous >= 0) {
			rb_volume_m3_plain(r->cr_previous, pv->pv_pm3,
			    sizeof(pv->pv_pm3));
			pv->pv_previous_m3 = pv->pv_pm3;
			pv->pv_change = change_text(r->cr_litres,
			    r->cr_previous, pv->pv_change_text);
		}
		rb_int_text(r->cr_days, pv->pv_days);
		pv->pv_archive_number = old_number != NULL &&
		    strcmp(r->cr_end, RB_ARCHIVE_END) < 0 ? old_number : NULL;
		pv->pv_estimated = r->cr_estimated != 0;
		pv->pv_abnormal = r->cr_abnormal != 0;
		/* Under the bar: the month the period ends ("juin 2024"). */
		sp = strchr(pv->pv_end, ' ');
		bars[i].cb_label = rb_arena_strdup(req->req_arena,
		    sp != NULL ? sp + 1 : pv->pv_end);
		bars[i].cb_title = arena_cat(req->req_arena, (const char *[]){
		    "Du ", pv->pv_start, " au ", pv->pv_end, " : ", pv->pv_m3,
		    " m³ ; même période un an plus tôt : ", r->cr_previous >= 0 ?
		    pv->pv_pm3 : "aucune donnée", r->cr_previous >= 0 ? " m³" :
		    "", r->cr_abnormal ? " ; consommation anormale" : "", NULL });
		bars[i].cb_value = r->cr_litres;
		bars[i].cb_previous = r->cr_previous;
		bars[i].cb_alert = r->cr_abnormal;
	}
}

/* The day rows of the page into *rv (in the request's arena); fills
 * the chart bars. */
static void
day_rows(struct rb_req *req, const struct rb_cons_row *rows, int n,
    struct rb_chart_bar *bars, struct rows_view *rv)
{
	struct day_view *dv;
	struct rb_date d;
	int i;

	dv = rb_arena_alloc(req->req_arena, (size_t)(n > 0 ? n : 1) *
	    sizeof(*dv));
	rv->rv_rows = (struct rb_tmpl_rows){ &day_desc, dv,
	    (size_t)(n > 0 ? n : 0), sizeof(*dv) };
	for (i = 0; i < n; i++, dv++) {
		rb_clock_fr_iso(rows[i].cr_start, dv->dv_date,
		    sizeof(dv->dv_date));
		rb_int_text(rows[i].cr_litres, dv->dv_litres);
		rb_clock_parse_date(rows[i].cr_start, &d);
		bars[i].cb_label = rb_arena_printf(req->req_arena, "%d/%02d",
		    d.d_day, d.d_month);
		bars[i].cb_title = arena_cat(req->req_arena, (const char *[]){
		    dv->dv_date, " : ", dv->dv_litres, " litres", NULL });
		bars[i].cb_value = rows[i].cr_litres;
		bars[i].cb_previous = -1;
	}
}

/* The contract's alert ("start_fr", "end_fr", "litres_m3",
 * "average_m3"), or null. */
static json_t *
alert_json(const struct rb_cons_page *v)
{
	json_t *o;

	if (!v->cv_has_alert)
		return json_null();
	o = json_object();
	json_object_set_new_nocheck(o, "litres_m3",
	    m3_json(v->cv_alert.ca_litres));
	json_object_set_new_nocheck(o, "average_m3",
	    m3_json(v->cv_alert.ca_average));
	json_object_set_new_nocheck(o, "start_fr",
	    fr_date_json(v->cv_alert.ca_start));
	json_object_set_new_nocheck(o, "end_fr",
	    fr_date_json(v->cv_alert.ca_end));
	return o;
}

/* The select's choices of the leak alert's threshold, for each factor
 * chosen, made once and shared by the request threads (read only;
 * jansson counts atomically). */
static json_t		*leak_choices[RB_LEAK_FACTOR_MAX + 1];
static pthread_once_t	 leak_choices_once = PTHREAD_ONCE_INIT;

static void
leak_choices_make(void)
{
	char num[RB_INT_TEXT];
	json_t *o;
	int k, f;

	/* [0]: a factor out of range, none selected. */
	for (k = 0; k <= RB_LEAK_FACTOR_MAX; k++) {
		if (k > 0 && k < RB_LEAK_FACTOR_MIN)
			continue;
		leak_choices[k] = json_array();
		for (f = RB_LEAK_FACTOR_MIN; f <= RB_LEAK_FACTOR_MAX; f++) {
			o = json_object();
			rb_int_text(f, num);
			json_object_set_new_nocheck(o, "value",
			    json_string(num));
			json_object_set_new_nocheck(o, "selected",
			    json_boolean(f == k));
			json_object_set_new_nocheck(o, "default",
			    json_boolean(f == RB_LEAK_FACTOR_DEFAULT));
			json_array_append_new(leak_choices[k], o);
		}
	}
}

/*
 * The leak alert of a remote-read meter (app/leaks.h) for a signed-in
 * subscriber, as read: *leak (the latest possible leak, or null) and
 * *set (the setting, or NULL when the alert does not apply: no
 * remote-read meter, or an archive visit), both the caller's; c is the
 * contract shown, found in the account's scope. Returns 0, or -1 on a
 * database failure (nothing to free).
 */
static int
leak_read(struct rb_req *req, const struct rb_cons_contract *c,
    json_t **leak, json_t **set)
{
	const struct rb_session *s = rb_req_session(req);
	enum rb_rc rc;

	*leak = NULL;
	*set = NULL;
	if (s == NULL)
		return 0;
	rc = rb_leak_recent_of(rb_req_db(req), s->s_account_id, c->cc_id,
	    time(NULL), leak);
	if (rc == RB_ERROR)
		return -1;
	rc = rb_leak_setting_of(rb_req_db(req), s->s_account_id, c, set);
	if (rc == RB_OK)
		return 0;
	json_decref(*set);
	*set = NULL;
	if (rc != RB_ERROR)
		return 0;
	json_decref(*leak);
	*leak = NULL;
	return -1;
}

/*
 * Data's "leak" (the latest possible leak, worded, or null) and
 * "leak_setting" (the form's data, its token csrf, or null), from what
 * leak_read() gave (their members set here, again at each call).
 */
static void
add_leak(json_t *data, json_t *leak, json_t *set,
    const struct rb_cons_contract *c, const char *csrf)
{
	int factor;

	json_object_set_new(data, "leak", json_null());
	json_object_set_new(data, "leak_setting", json_null());
	if (json_is_object(leak)) {
		json_object_set_new(leak, "first_fr", fr_date_json(
		    json_string_value(json_object_get(leak, "first_day"))));
		json_object_set_new(leak, "last_fr", fr_date_json(
		    json_string_value(json_object_get(leak, "last_day"))));
		json_object_set(data, "leak", leak);
	}
	if (set == NULL)
		return;
	factor = (int)json_integer_value(json_object_get(set, "factor"));
	if (factor < RB_LEAK_FACTOR_MIN || factor > RB_LEAK_FACTOR_MAX)
		factor = 0;		/* none selected */
	pthread_once(&leak_choices_once, leak_choices_make);
	json_object_set_new(set, "choices", json_incref(leak_choices[factor]));
	json_object_set_new(set, "csrf", json_string(csrf));
	json_object_set_new(set, "contract", json_string(c->cc_number));
	json_object_set_new(set, "days", json_integer(RB_LEAK_DAYS));
	json_object_set(data, "leak_setting", set);
}

/* The page's query string for q (values already validated). */
static const char *
query_string(struct rb_req *req, const struct cons_query *q,
    const char *contract)
{
	return rb_arena_printf(req->req_arena,
	    "contrat=%s&vue=%s&du=%s&au=%s", contract,
	    q->cq_daily ? "jours" : "periodes", q->cq_from, q->cq_to);
}

/*
 * The form of the page's dates with its errors (errors.mustache,
 * field.mustache) as data's "query_form"; "query_error" is true when the
 * query was refused (the figures are then not shown).
 */
static void
query_form(struct rb_req *req, const struct cons_query *q, json_t *data)
{
	const char *from = q->cq_from, *to = q->cq_to, *v;
	const char *from_err = NULL, *to_err = NULL;
	json_t *fields = json_array(), *f, *form;
	size_t i;

	/* A refused date is shown as typed, to be corrected. */
	if (q->cq_fault & CP_DATES) {
		v = rb_form_get(&req->req_query, "du");
		from = v != NULL ? v : "";
		v = rb_form_get(&req->req_query, "au");
		to = v != NULL ? v : "";
	}
	if (q->cq_fault == CP_TO)
		to_err = q->cq_error;
	else if (q->cq_fault & CP_FROM)
		from_err = q->cq_error;
	json_array_append_new(fields, rb_field(&f_from, from, from_err));
	json_array_append_new(fields, rb_field(&f_to, to, to_err));
	if (q->cq_fault == CP_DATES)
		rb_field_invalid_by(json_array_get(fields, 1), f_from.fd_id);
	json_array_foreach(fields, i, f)
		json_object_set_new(f, "required", json_false());
	form = rb_form_page(req, fields, NULL, q->cq_notice);
	if (q->cq_fault == CP_CONTRACT || q->cq_fault == CP_VIEW)
		rb_form_add_error(req, form, q->cq_fault == CP_CONTRACT ?
		    "contrat" : "vue", q->cq_error);
	json_object_set_new(data, "query_form", form);
	json_object_set_new(data, "query_error", json_boolean(q->cq_fault !=
	    0));
}

/* The page's contracts select: [{"number", "old_number" (or null),
 * "selected"}]. */
static json_t *
contracts_json(const struct rb_cons_page *v)
{
	json_t *arr = json_array(), *o;
	int i;

	for (i = 0; i < v->cv_ncontracts; i++) {
		const struct rb_cons_contract *c = &v->cv_contracts[i];

		o = json_object();
		json_object_set_new_nocheck(o, "number",
		    json_string(c->cc_number));
		json_object_set_new_nocheck(o, "old_number",
		    c->cc_old_number[0] != '\0' ?
		    json_string(c->cc_old_number) : json_null());
		json_object_set_new_nocheck(o, "selected",
		    json_boolean(c == v->cv_contract));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* What the page's content is made of besides the kept view and its
   query: the leak alert as read (the key is made of them before the
   content adds to them), the notice of a setting saved. */
struct cons_extra {
	json_t		*ce_leak;
	json_t		*ce_set;
	int		 ce_saved;	/* ?fait=alerte */
};

/* Writes data (taken) with row of desc: the content into out, or
   the whole page as the answer when out is NULL. */
static int
content_write(struct rb_req *req, json_t *data,
    const struct rb_tmpl_desc *desc, const void *row, rb_buf *out)
{
	if (out != NULL)
		return rb_resp_fragment_row(req, "consumption_content", data,
		    desc, row, out);
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page_row(req, 200, "consumption", data, desc, row);
	return req->resp_status == 200 ? 0 : -1;
}

/*
 * The page's content (consumption_content.mustache) for q and v, the
 * leak alert form's token csrf: appended to out; or, out NULL, the
 * whole page written as the answer (consumption.mustache, in one
 * pass). 0, or -1 on a template error (logged; the answer is then a
 * 500 when out was NULL).
 */
static int
content(struct rb_req *req, const struct cons_query *q,
    const struct rb_cons_page *v, const struct cons_extra *x,
    const char *csrf, rb_buf *out)
{
	struct rb_chart chart;
	struct rb_chart_bar *bars;
	struct rows_view rv;
	rb_buf svg = RB_BUF_INIT;
	const struct rb_cons_contract *c = v->cv_contract;
	const char *old;
	json_t *data, *o;
	int n = v->cv_nrows;

	data = json_object();
	json_object_set_new_nocheck(data, "contracts", contracts_json(v));
	query_form(req, q, data);
	json_object_set_new_nocheck(data, "daily", json_boolean(q->cq_daily));
	json_object_set_new_nocheck(data, "from_fr", fr_date_json(q->cq_from));
	json_object_set_new_nocheck(data, "to_fr", fr_date_json(q->cq_to));
	if (c == NULL) {
		json_object_set_new_nocheck(data, "contract", json_null());
		json_object_set_new_nocheck(data, "rows", json_null());
		json_object_set_new_nocheck(data, "alert", json_null());
		json_object_set_new_nocheck(data, "chart", json_null());
		json_object_set_new_nocheck(data, "csv", json_null());
		return content_write(req, data, NULL, NULL, out);
	}
	old = c->cc_old_number[0] != '\0' ? c->cc_old_number : NULL;
	o = json_object();
	json_object_set_new_nocheck(o, "number", json_string(c->cc_number));
	json_object_set_new_nocheck(o, "old_number", old != NULL ?
	    json_string(old) : json_null());
	json_object_set_new_nocheck(o, "remote", json_boolean(c->cc_remote));
	json_object_set_new_nocheck(data, "contract", o);
	json_object_set_new_nocheck(data, "has_rows", json_boolean(n > 0));
	json_object_set_new_nocheck(data, "has_archive", json_boolean(
	    !q->cq_daily && n > 0 && strcmp(v->cv_rows[0].cr_end,
	    RB_ARCHIVE_END) < 0));
	json_object_set_new_nocheck(data, "alert", alert_json(v));
	add_leak(data, x->ce_leak, x->ce_set, c, csrf);
	json_object_set_new(data, "notice", x->ce_saved ? json_string("Le "
	    "réglage de l'alerte de consommation est enregistré.") :
	    json_null());
	bars = rb_arena_alloc(req->req_arena, (size_t)(n > 0 ? n : 1) *
	    sizeof(*bars));
	memset(bars, 0, (size_t)(n > 0 ? n : 1) * sizeof(*bars));
	memset(&chart, 0, sizeof(chart));
	chart.ch_bars = bars;
	chart.ch_n = n > RB_CHART_MAX_BARS ? RB_CHART_MAX_BARS : n;
	if (q->cq_daily) {
		day_rows(req, v->cv_rows, n, bars, &rv);
		chart.ch_series = "Litres par jour";
	} else {
		period_rows(req, v->cv_rows, n, old, bars, &rv);
		chart.ch_m3 = 1;
		chart.ch_series = "Période facturée";
		chart.ch_previous = "Même période un an plus tôt";
	}
	if (n > 0) {
		rb_chart_svg(&svg, &chart);
		/* Drawn here from escaped text: valid UTF-8. */
		json_object_set_new_nocheck(data, "chart", json_stringn_nocheck(
		    svg.buf_data, svg.buf_len));
	} else {
		json_object_set_new_nocheck(data, "chart", json_null());
	}
	rb_buf_free(&svg);
	json_object_set_new_nocheck(data, "csv", json_string(rb_arena_printf(
	    req->req_arena, "/ma-consommation.csv?%s", query_string(req, q,
	    c->cc_number))));
	return content_write(req, data, &rows_desc, &rv, out);
}

/*
 * The page's content is kept as HTML with the view it is made of
 * (app/pagefrag.h, rb_cons_view(): one value per account and query),
 * so that the page seen again writes it as it is in the layout
 * (consumption_kept.mustache). Its key is everything else the content
 * depends on: the day, the settings of the "site" block, the query as
 * parsed (its range cut or not), the notice ?fait=alerte, and the leak
 * alert as read (its own kept values, app/leaks.h). A refused query
 * (its input echoed, its errors) is made for itself, never kept. The
 * one per-session text, the alert form's CSRF token, is written at
 * each request where the fragment was cut (CSRF_MARK rendered there).
 */
#define CSRF_MARK	"\x01robinet-csrf\x01"

struct page_row {
	const char	*pw_head;
	const char	*pw_tail;
	int		 pw_cut;
	const char	*pw_csrf;
};

#define W(name, type, member) \
	RB_TMPL_FIELD(name, type, struct page_row, member, NULL)
static const struct rb_tmpl_field page_fields[] = {
	W("content_head", RB_TF_STR, pw_head),
	W("content_tail", RB_TF_STR, pw_tail),
	W("content_cut", RB_TF_BOOL, pw_cut),
	W("csrf", RB_TF_STR, pw_csrf),
};
#undef W
static const struct rb_tmpl_desc page_desc = RB_TMPL_DESC(page_fields);

/*
 * The text of j for a key ("-" for none), in the request's arena: an
 * object of scalars as "name=value;" for each member, strings preceded
 * by their length (no two objects give the same text), in a few
 * hundred instructions (a kept page's request makes its key every
 * time); anything else as its JSON text. NULL when it cannot be made.
 */
static const char *
key_json(struct rb_req *req, json_t *j)
{
	char num[RB_INT_TEXT];
	const char *name, *s;
	rb_buf b = RB_BUF_INIT;
	json_t *m;
	char *t;

	if (j == NULL || json_is_null(j))
		return "-";
	json_object_foreach(j, name, m) {
		rb_buf_puts(&b, name);
		rb_buf_puts(&b, "=");
		if (json_is_string(m)) {
			rb_int_text((int64_t)json_string_length(m), num);
			rb_buf_puts(&b, num);
			rb_buf_puts(&b, ":");
			rb_buf_append(&b, json_string_value(m),
			    json_string_length(m));
		} else if (json_is_integer(m)) {
			rb_int_text(json_integer_value(m), num);
			rb_buf_puts(&b, num);
		} else if (json_is_boolean(m))
			rb_buf_puts(&b, json_is_true(m) ? "t" : "f");
		else if (json_is_null(m))
			rb_buf_puts(&b, "n");
		else
			break;
		rb_buf_puts(&b, ";");
	}
	if (json_is_object(j) && name == NULL) {	/* every member */
		s = rb_arena_strdup(req->req_arena, rb_buf_cstr(&b));
		rb_buf_free(&b);
		return s;
	}
	rb_buf_free(&b);
	if ((t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		return NULL;
	s = rb_arena_strdup(req->req_arena, t);
	rb_json_free(t);
	return s;
}

/* The fragment's key of the page of q with x, in the request's arena;
   NULL when it cannot be made (nothing kept). */
static const char *
cons_key(struct rb_req *req, const struct cons_query *q,
    const struct cons_extra *x)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	const char *leak, *set;
	char today[11], demo[RB_INT_TEXT];

	if ((leak = key_json(req, x->ce_leak)) == NULL ||
	    (set = key_json(req, x->ce_set)) == NULL)
		return NULL;
	rb_clock_today_iso(time(NULL), today, sizeof(today));
	rb_int_text(rb_config_int(cfg, RB_CFG_DEMO), demo);
	/* No printf: a kept page's request makes its key every time. */
	return arena_cat(req->req_arena, (const char *[]){ today, "|",
	    rb_config_str(cfg, RB_CFG_SERVICE_PHONE), "|", demo, "|",
	    q->cq_contract, q->cq_daily ? "|1|" : "|0|", q->cq_from, "|",
	    q->cq_to, q->cq_notice != NULL ? "|1|" : "|0|",
	    x->ce_saved ? "1|" : "0|", leak, "|", set, NULL });
}

/*
 * The content made now (the caller frees it), cut where the CSRF token
 * goes when the view has the alert's form; or, when the mark is not
 * found exactly there (the data holds it: never in practice), made
 * again with the token written in, not cut, and *keep set to 0. NULL
 * on a template error.
 */
static struct rb_pagefrag *
cons_frag(struct rb_req *req, const struct cons_query *q,
    const struct rb_cons_page *v, const struct cons_extra *x,
    const char *key, int *keep)
{
	struct rb_pagefrag *f = NULL;
	rb_buf buf = RB_BUF_INIT;
	size_t cut, len;
	int pass, form = v->cv_contract != NULL && x->ce_set != NULL;

	*keep = 1;
	for (pass = 0; pass < 2 && f == NULL; pass++) {
		rb_buf_reset(&buf);
		if (content(req, q, v, x, pass == 0 ? CSRF_MARK :
		    rb_req_csrf(req), &buf) != 0)
			break;
		len = buf.buf_len;
		cut = RB_PAGEFRAG_NOCUT;
		if (pass == 0 && (len == 0 || rb_pagefrag_cut(buf.buf_data,
		    &len, CSRF_MARK, &cut) != 0 ||
		    (cut != RB_PAGEFRAG_NOCUT) != form)) {
			*keep = 0;
			continue;
		}
		f = rb_pagefrag_new(key, rb_buf_cstr(&buf), len, cut);
	}
	rb_buf_free(&buf);
	return f;
}

void
rb_page_consumption(struct rb_req *req)
{
	const struct rb_pagefrag *f = NULL;
	struct rb_pagefrag *mine = NULL;
	struct cons_extra x;
	struct cons_query q;
	struct rb_cons_page v;
	struct page_row row;
	json_t *leak = NULL, *set = NULL;
	const char *key = NULL, *notice;
	int rc, keep;

	if (load(req, &q, 1, &v) != 0)
		return;
	if (v.cv_contract != NULL && leak_read(req, v.cv_contract, &leak,
	    &set) != 0) {
		rb_cons_view_free(&v);
		rb_resp_error(req, 500);
		return;
	}
	notice = rb_form_get(&req->req_query, "fait");
	x.ce_leak = leak;
	x.ce_set = set;
	x.ce_saved = notice != NULL && strcmp(notice, "alerte") == 0;
	row.pw_csrf = rb_req_csrf(req);
	if (v.cv_frag == NULL || q.cq_fault != 0 ||
	    (key = cons_key(req, &q, &x)) == NULL ||
	    ((f = rb_pagefrag_find(v.cv_frag, key)) == NULL &&
	    rb_pagefrag_held(v.cv_frag))) {
		/* Data read for this request only, a refused query, or
		   a key other than the one kept: the page made in one
		   pass with the token written in, nothing kept. */
		content(req, &q, &v, &x, row.pw_csrf, NULL);
		rc = 1;
	} else {
		if (f == NULL &&
		    (f = mine = cons_frag(req, &q, &v, &x, key, &keep)) !=
		    NULL && keep && rb_pagefrag_keep(v.cv_frag, mine))
			mine = NULL;
		rc = f != NULL ? 0 : -1;
		if (f != NULL) {
			row.pw_head = rb_pagefrag_head(f);
			row.pw_tail = rb_pagefrag_tail(f);
			row.pw_cut = f->pf_cut != RB_PAGEFRAG_NOCUT;
		}
	}
	if (rc < 0)
		rb_resp_error(req, 500);
	else if (rc == 0) {
		/* The page's room at once: no growing copy by copy. */
		rb_buf_reserve(&req->resp_body, f->pf_len + RB_LAYOUT_ROOM);
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page_row(req, 200, "consumption_kept", json_object(),
		    &page_desc, &row);
	}
	rb_pagefrag_free(mine);
	json_decref(leak);
	json_decref(set);
	rb_cons_view_free(&v);
}

/* Appends a CSV row of periods. */
static void
csv_period(rb_buf *b, const struct rb_cons_row *r)
{
	char m3[32], pm3[32];

	rb_volume_m3_plain(r->cr_litres, m3, sizeof(m3));
	pm3[0] = '\0';
	if (r->cr_previous >= 0)
		rb_volume_m3_plain(r->cr_previous, pm3, sizeof(pm3));
	rb_buf_printf(b, "%s;%s;%lld;%lld;%s;", r->cr_start, r->cr_end,
	    (long long)r->cr_days, (long long)r->cr_litres, m3);
	if (r->cr_previous >= 0)
		rb_buf_printf(b, "%lld;%s;", (long long)r->cr_previous, pm3);
	else
		rb_buf_puts(b, ";;");
	rb_buf_printf(b, "%s;%s\r\n", r->cr_estimated ? "estimé" : "réel",
	    r->cr_abnormal ? "oui" : "non");
}

void
rb_page_consumption_csv(struct rb_req *req)
{
	struct cons_query q;
	struct rb_cons_page v;
	const char *number;
	rb_buf b = RB_BUF_INIT;
	char m3[32];
	int i;

	if (load(req, &q, 0, &v) != 0)
		return;
	if (v.cv_contract == NULL) {
		rb_cons_view_free(&v);
		rb_resp_error(req, 404);
		return;
	}
	number = v.cv_contract->cc_number;
	/* The byte order mark tells spreadsheets the text is UTF-8. */
	rb_buf_puts(&b, "\xef\xbb\xbf");
	if (q.cq_daily) {
		rb_buf_puts(&b, "Date;Consommation (litres);"
		    "Consommation (m³)\r\n");
		for (i = 0; i < v.cv_nrows; i++) {
			rb_volume_m3_plain(v.cv_rows[i].cr_litres, m3,
			    sizeof(m3));
			rb_buf_printf(&b, "%s;%lld;%s\r\n", v.cv_rows[i].cr_start,
			    (long long)v.cv_rows[i].cr_litres, m3);
		}
	} else {
		rb_buf_puts(&b, "Début;Fin;Jours;Consommation (litres);"
		    "Consommation (m³);Même période un an plus tôt (litres);"
		    "Même période un an plus tôt (m³);Relevé;"
		    "Consommation anormale\r\n");
		for (i = 0; i < v.cv_nrows; i++)
			csv_period(&b, &v.cv_rows[i]);
	}
	rb_resp_text(req, 200, "text/csv; charset=utf-8", rb_buf_cstr(&b));
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"consommation-%s-%s-%s-"
	    "au-%s.csv\"", number, q.cq_daily ? "jours" : "periodes",
	    q.cq_from, q.cq_to));
	rb_buf_free(&b);
	rb_cons_view_free(&v);
}

/*
 * POST /ma-consommation/alerte: the leak alert's setting of a contract
 * with a remote-read meter (app/leaks.h). Fields: contrat (10 digits),
 * etat ("oui" or "non"), seuil (2 to 10). Redirects to the contract's
 * daily view with a notice; a contract of another account (or without
 * a remote-read meter, or none) is the same 404; bad fields a 400 that
 * says which.
 */
void
rb_page_leak_settings(struct rb_req *req)
{
	const struct rb_session *s = rb_req_session(req);
	const char *number = rb_post(req, "contrat");
	const char *state = rb_post(req, "etat");
	const char *seuil = rb_post(req, "seuil");
	int factor;

	if (strlen(number) != 10 || strspn(number, "0123456789") != 10) {
		rb_resp_bad_request(req, "Numéro de contrat non valide",
		    msg_contract);
		return;
	}
	if (strcmp(state, "oui") != 0 && strcmp(state, "non") != 0) {
		rb_resp_bad_request(req, "Choix de l'alerte manquant",
		    "Choisissez d'activer ou de désactiver l'alerte.");
		return;
	}
	if (strlen(seuil) < 1 || strlen(seuil) > 2 ||
	    strspn(seuil, "0123456789") != strlen(seuil) ||
	    (factor = atoi(seuil)) < RB_LEAK_FACTOR_MIN ||
	    factor > RB_LEAK_FACTOR_MAX) {
		rb_resp_bad_request(req, "Seuil de l'alerte non valide",
		    "Le seuil de l'alerte va de 2 à 10 fois votre "
		    "consommation habituelle.");
		return;
	}
	switch (rb_leak_setting_set(rb_req_db(req), s->s_account_id, number,
	    strcmp(state, "oui") == 0, factor, req->req_ip, time(NULL))) {
	case RB_OK:
		rb_resp_redirect(req, rb_arena_printf(req->req_arena,
		    "/ma-consommation?contrat=%s&vue=jours&fait=alerte",
		    number));
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
}
