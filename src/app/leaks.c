/*
 * leaks.c: the tunable leak alert of remote-read meters: the rule, the
 * subscriber's setting and the batch part of `robinet alerts` (see
 * leaks.h; the SQL is in store/leaks.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "mail/mail.h"
#include "store/audit.h"
#include "store/consumption.h"
#include "store/leaks.h"
#include "app/leaks.h"
#include "app/pagecache.h"

#define BATCH	500

int
rb_leak_rule(const int64_t *litres, int n, int factor, int64_t *usual,
    int64_t *least, int64_t *total)
{
	int64_t s = 0, b = 0;
	int i, first, leak = 1;

	*usual = *least = *total = 0;
	if (n < RB_LEAK_DAYS + RB_LEAK_BASE_MIN || factor < 1)
		return 0;
	first = n - RB_LEAK_DAYS;
	for (i = first - 1; i >= 0 && b < RB_LEAK_BASE_DAYS; i--, b++)
		s += litres[i];
	if (s < RB_LEAK_USUAL_FLOOR * b)
		s = RB_LEAK_USUAL_FLOOR * b;
	*usual = s / b;
	*least = litres[first];
	for (i = first; i < n; i++) {
		*total += litres[i];
		if (litres[i] < *least)
			*least = litres[i];
		if (!(litres[i] * b > (int64_t)factor * s))
			leak = 0;
	}
	return leak;
}

/* The ISO date days after (or before, negative) today at now. */
static int
day_from_today(time_t now, int days, char *out)
{
	struct rb_date d;

	rb_clock_today(now, &d);
	rb_clock_date_add(&d, days, &d);
	return rb_clock_format_date(&d, out, 11);
}

static int64_t
iso_day(const char *iso)
{
	struct rb_date d;

	if (rb_clock_parse_date(iso, &d) != 0)
		return INT64_MIN;
	return rb_clock_days_from_civil(&d);
}

/* The account's contract number with a remote-read meter in place. */
static enum rb_rc
remote_contract(rb_db *db, int64_t account, const char *number,
    struct rb_cons_contract *c)
{
	int rc;

	if (account <= 0 || number == NULL || number[0] == '\0')
		return RB_NOT_FOUND;
	rc = rb_cons_store_contract(db, account, 0, number, c);
	if (rc < 0)
		return RB_ERROR;
	return rc == 0 ? RB_OK : RB_NOT_FOUND;
}

enum rb_rc
rb_leak_setting_get(rb_db *db, int64_t account, const char *number,
    json_t **out)
{
	struct rb_cons_contract c;
	enum rb_rc r;

	*out = NULL;
	if ((r = remote_contract(db, account, number, &c)) != RB_OK)
		return r;
	return rb_leak_setting_of(db, account, &c, out);
}

enum rb_rc
rb_leak_setting_of(rb_db *db, int64_t account,
    const struct rb_cons_contract *c, json_t **out)
{
	int enabled = 1, factor = RB_LEAK_FACTOR_DEFAULT, rc;
	char param[24];
	uint64_t epoch;

	*out = NULL;
	if (!c->cc_remote)
		return RB_NOT_FOUND;
	/* Kept for the account and contract (app/pagecache.h). */
	snprintf(param, sizeof(param), "%lld", (long long)c->cc_id);
	if ((*out = rb_pagecache_json(RB_PAGECACHE_LEAK_SETTING, account, "",
	    param, (int64_t)time(NULL), &epoch)) != NULL)
		return RB_OK;
	if ((rc = rb_leak_store_setting(db, account, c->cc_id, &enabled,
	    &factor)) < 0)
		return RB_ERROR;
	*out = json_pack("{s:b, s:i, s:b}", "enabled", enabled, "factor",
	    factor, "custom", rc == 0);
	rb_pagecache_json_keep(RB_PAGECACHE_LEAK_SETTING, account, "", param,
	    *out, &c->cc_id, 1, 0, epoch);
	return RB_OK;
}

/* One try of rb_leak_setting_set() inside its transaction. */
struct leak_set {
	int64_t		 ls_account, ls_contract;
	int		 ls_enabled, ls_factor;
	const char	*ls_ip, *ls_target;
	const json_t	*ls_detail;
	time_t		 ls_now;
};

static int
leak_set_try(rb_db *db, void *arg)
{
	const struct leak_set *t = arg;

	return rb_leak_store_setting_set(db, t->ls_account, t->ls_contract,
	    t->ls_enabled, t->ls_factor, (int64_t)t->ls_now) != 0 ||
	    rb_audit(db, t->ls_now, RB_ACTOR_SUBSCRIBER, t->ls_account,
	    "leak_alert.setting", t->ls_target, t->ls_ip, t->ls_detail) != 0 ?
	    -1 : 0;
}

enum rb_rc
rb_leak_setting_set(rb_db *db, int64_t account, const char *number,
    int enabled, int factor, const char *ip, time_t now)
{
	struct rb_cons_contract c;
	struct leak_set t;
	char target[48];
	json_t *detail;
	enum rb_rc r;
	int rc;

	if (factor < RB_LEAK_FACTOR_MIN || factor > RB_LEAK_FACTOR_MAX)
		return RB_INVALID;
	if ((r = remote_contract(db, account, number, &c)) != RB_OK)
		return r;
	if (!c.cc_remote)
		return RB_NOT_FOUND;
	snprintf(target, sizeof(target), "contract:%s", c.cc_number);
	detail = json_pack("{s:b, s:i}", "enabled", enabled != 0, "factor",
	    factor);
	t.ls_account = account;
	t.ls_contract = c.cc_id;
	t.ls_enabled = enabled;
	t.ls_factor = factor;
	t.ls_ip = ip;
	t.ls_target = target;
	t.ls_detail = detail;
	t.ls_now = now;
	rc = rb_db_transact(db, leak_set_try, &t);
	json_decref(detail);
	return rc == 0 ? RB_OK : RB_ERROR;
}

enum rb_rc
rb_leak_recent(rb_db *db, int64_t account, const char *number, time_t now,
    json_t **out)
{
	struct rb_cons_contract c;
	enum rb_rc r;

	*out = NULL;
	if ((r = remote_contract(db, account, number, &c)) != RB_OK)
		return r;
	return rb_leak_recent_of(db, account, c.cc_id, now, out);
}

enum rb_rc
rb_leak_recent_of(rb_db *db, int64_t account, int64_t contract, time_t now,
    json_t **out)
{
	struct rb_leak_row lr;
	char since[11], param[24];
	uint64_t epoch;
	int rc;

	*out = NULL;
	if (day_from_today(now, -RB_LEAK_SHOWN_DAYS, since) != 0)
		return RB_ERROR;
	/* Kept for the account, contract and day (app/pagecache.h): the
	   day moves the oldest leak shown. */
	snprintf(param, sizeof(param), "%lld", (long long)contract);
	if ((*out = rb_pagecache_json(RB_PAGECACHE_LEAK, account, since, param,
	    (int64_t)now, &epoch)) != NULL)
		return RB_OK;
	if ((rc = rb_leak_store_recent(db, account, contract, since, &lr)) < 0)
		return RB_ERROR;
	*out = rc != 0 ? json_null() : json_pack("{s:s, s:s, s:s, s:I, s:I, "
	    "s:i}", "serial", lr.lr_serial, "first_day", lr.lr_first,
	    "last_day", lr.lr_last, "litres", (json_int_t)lr.lr_litres,
	    "usual", (json_int_t)lr.lr_usual, "factor", lr.lr_factor);
	rb_pagecache_json_keep(RB_PAGECACHE_LEAK, account, since, param, *out,
	    &contract, 1, 0, epoch);
	return RB_OK;
}

/* What one contract's run found. */
struct leak_found {
	int64_t	lf_meter;
	char	lf_first[11];
	char	lf_last[11];
	int64_t	lf_usual;
	int64_t	lf_least;
	int64_t	lf_total;
};

/*
 * Applies the rule to contract's latest remote readings. Returns 1 (a
 * leak, *f filled), 0 (none), -1 on failure.
 */
static int
leak_of(rb_db *db, int64_t contract, int factor, time_t now,
    struct leak_found *f)
{
	struct rb_cons_reading *r = NULL;
	int64_t litres[RB_LEAK_BASE_DAYS + RB_LEAK_DAYS];
	char from[11], to[11], fresh[11];
	int n = 0, i, k, nl = 0, rc = 0, cap;

	cap = RB_LEAK_BASE_DAYS + RB_LEAK_DAYS;
	if (day_from_today(now, -(RB_LEAK_FRESH_DAYS + cap + 1), from) != 0 ||
	    day_from_today(now, 0, to) != 0 ||
	    day_from_today(now, -RB_LEAK_FRESH_DAYS, fresh) != 0)
		return -1;
	if (rb_leak_store_readings(db, contract, from, to, &r, &n) != 0)
		return -1;
	if (n < 2)
		goto out;
	/* The meter of the latest reading (readings come by meter). */
	for (k = 0, i = 1; i < n; i++)
		if (strcmp(r[i].cr_day, r[k].cr_day) > 0)
			k = i;
	if (strcmp(r[k].cr_day, fresh) < 0)
		goto out;
	/* Walk back over consecutive days of that meter. */
	for (i = k; i > 0 && nl < cap; i--) {
		if (r[i - 1].cr_meter_id != r[k].cr_meter_id ||
		    iso_day(r[i - 1].cr_day) + 1 != iso_day(r[i].cr_day) ||
		    r[i].cr_index < r[i - 1].cr_index)
			break;
		litres[cap - 1 - nl++] = r[i].cr_index - r[i - 1].cr_index;
	}
	if (!rb_leak_rule(litres + cap - nl, nl, factor, &f->lf_usual,
	    &f->lf_least, &f->lf_total))
		goto out;
	f->lf_meter = r[k].cr_meter_id;
	snprintf(f->lf_last, sizeof(f->lf_last), "%s", r[k].cr_day);
	snprintf(f->lf_first, sizeof(f->lf_first), "%s",
	    r[k - (RB_LEAK_DAYS - 1)].cr_day);
	rc = 1;
out:
	free(r);
	return rc;
}

/* Queues the leak email to every recipient; returns how many, or -1. */
static int
leak_mail(rb_db *db, const char *public_url,
    const struct rb_cons_contract *c, const struct leak_found *f,
    int factor, time_t now)
{
	char first[RB_CLOCK_FR_MAX], last[RB_CLOCK_FR_MAX], link[512];
	char serial[24], least[32], usual[32], days[8], fac[8];
	json_t *to = NULL, *item, *data;
	const char *name;
	size_t i;
	int sent = 0;

	if (rb_cons_store_recipients(db, c->cc_id, &to) != 0)
		return -1;
	if (rb_leak_store_serial(db, f->lf_meter, serial, sizeof(serial)) < 0) {
		json_decref(to);
		return -1;
	}
	rb_clock_fr_iso(f->lf_first, first, sizeof(first));
	rb_clock_fr_iso(f->lf_last, last, sizeof(last));
	snprintf(least, sizeof(least), "%lld", (long long)f->lf_least);
	snprintf(usual, sizeof(usual), "%lld", (long long)f->lf_usual);
	snprintf(days, sizeof(days), "%d", RB_LEAK_DAYS);
	snprintf(fac, sizeof(fac), "%d", factor);
	snprintf(link, sizeof(link), "%s/ma-consommation?contrat=%s&vue=jours",
	    public_url, c->cc_number);
	json_array_foreach(to, i, item) {
		data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
		    "s:s}", "contract_number", c->cc_number, "serial", serial,
		    "first_day", first, "last_day", last, "days", days,
		    "litres", least, "usual", usual, "factor", fac, "link",
		    link);
		name = json_string_value(json_object_get(item, "first_name"));
		if (name != NULL && name[0] != '\0')
			json_object_set_new(data, "first_name",
			    json_string(name));
		if (rb_mail_queue(db, RB_MAIL_LEAK_ALERT,
		    json_string_value(json_object_get(item, "email")), data,
		    now) == 0)
			sent++;
		json_decref(data);
	}
	json_decref(to);
	return sent;
}

/* The leak of one contract to record, run by rb_db_transact(). */
struct leak_one {
	const char		*lo_public_url;
	time_t			 lo_now;
	const struct rb_cons_contract *lo_c;
	const struct leak_found	*lo_f;
	int			 lo_factor;
	int			 lo_alerts;	/* out: 1 recorded */
	int			 lo_mails;	/* out: emails queued */
};

/*
 * Records the leak unless it was written about already (by an earlier
 * run, or by another server running at the same time: both read inside
 * the transaction), and queues its email. The counts start again on
 * each try.
 */
static int
leak_record(rb_db *db, void *arg)
{
	struct leak_one *lo = arg;
	const struct leak_found *f = lo->lo_f;
	char latest[11];
	int64_t alert_id;
	int rc, sent;

	lo->lo_alerts = 0;
	lo->lo_mails = 0;
	if ((rc = rb_leak_store_latest_day(db, lo->lo_c->cc_id, latest)) < 0)
		return -1;
	if (rc == 0 && iso_day(latest) >= iso_day(f->lf_first) -
	    RB_LEAK_QUIET_DAYS)
		return 0;	/* the same leak, written about already */
	rc = rb_leak_store_add(db, lo->lo_c->cc_id, f->lf_meter, f->lf_first,
	    f->lf_last, f->lf_total, f->lf_usual, lo->lo_factor,
	    (int64_t)lo->lo_now, &alert_id);
	if (rc == 1)
		return 0;
	if (rc != 0 || (sent = leak_mail(db, lo->lo_public_url, lo->lo_c, f,
	    lo->lo_factor, lo->lo_now)) < 0 || (sent > 0 &&
	    rb_leak_store_mailed(db, alert_id, (int64_t)lo->lo_now) != 0))
		return -1;
	if (sent == 0)
		log_warnx("contract %s: possible leak recorded, nobody to "
		    "write to", lo->lo_c->cc_number);
	lo->lo_alerts = 1;
	lo->lo_mails = sent;
	return 0;
}

/* One contract: 0 (done, counters updated) or -1 (rolled back). */
static int
leak_contract(rb_db *db, const char *public_url, time_t now, int64_t id,
    int *nalerts, int *nmails)
{
	struct rb_cons_contract c;
	struct leak_found f;
	struct leak_one lo;
	int enabled = 1, factor = RB_LEAK_FACTOR_DEFAULT, rc;

	if ((rc = rb_cons_store_contract_by_id(db, id, &c)) != 0)
		return rc > 0 ? 0 : -1;
	if (!c.cc_remote)
		return 0;
	if (rb_leak_store_setting_of(db, id, &enabled, &factor) < 0)
		return -1;
	if (!enabled)
		return 0;
	memset(&f, 0, sizeof(f));
	if ((rc = leak_of(db, id, factor, now, &f)) <= 0)
		return rc;
	memset(&lo, 0, sizeof(lo));
	lo.lo_public_url = public_url;
	lo.lo_now = now;
	lo.lo_c = &c;
	lo.lo_f = &f;
	lo.lo_factor = factor;
	if (rb_db_transact(db, leak_record, &lo) != 0)
		return -1;
	*nalerts += lo.lo_alerts;
	*nmails += lo.lo_mails;
	return 0;
}

int
rb_leak_alerts_run(rb_db *db, const char *public_url, time_t now,
    int *nalerts, int *nmails)
{
	int64_t ids[BATCH], after = 0;
	int n, i;

	*nalerts = 0;
	*nmails = 0;
	for (;;) {
		if (rb_cons_store_contract_ids(db, after, BATCH, ids, &n) != 0)
			return -1;
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			if (leak_contract(db, public_url, now, ids[i], nalerts,
			    nmails) != 0) {
				log_errx("leak alerts stopped at contract id "
				    "%lld", (long long)ids[i]);
				return -1;
			}
		after = ids[n - 1];
	}
	return 0;
}
