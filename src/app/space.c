/*
 * space.c: the dashboard use case (see space.h). The store gives raw
 * values for every contract (store/space.h: two statements, the sums of
 * the open bills added up there, the latest possible leak read with the
 * contract); this file words them.
 */
#include <stdio.h>
#include <string.h>

#include "app/bills.h"
#include "app/leaks.h"
#include "app/space.h"
#include "base/clock.h"
#include "base/money.h"
#include "store/space.h"

/* An alert older than this (period end before now - 365 days) is not
 * shown on the dashboard any more. */
#define ALERT_SHOWN_DAYS	365

/* A new JSON string of s, or JSON null when s is NULL. */
static json_t *
text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A new JSON string of s, text this file wrote (valid UTF-8: jansson
 * does not check it again). */
static json_t *
own(const char *s)
{
	return json_stringn_nocheck(s, strlen(s));
}

/* French date of an ISO text as a new JSON string, or null. */
static json_t *
fr_date(const char *iso)
{
	char buf[RB_CLOCK_FR_MAX];

	if (iso == NULL || rb_clock_fr_iso(iso, buf, sizeof(buf)) != 0)
		return json_null();
	return own(buf);
}

static json_t *
money(json_int_t cents)
{
	char buf[RB_MONEY_MAX];

	rb_money_fr(cents, buf, sizeof(buf));
	return own(buf);
}

static const char *
reading_kind(const char *source)
{
	if (source == NULL)
		return "";
	if (strcmp(source, "actual") == 0)
		return "relevé par nos agents";
	if (strcmp(source, "estimated") == 0)
		return "index estimé";
	if (strcmp(source, "customer") == 0)
		return "index transmis par vous";
	return "télérelève";
}

/* Sets key of o to the new value v (keys here are constant ASCII). */
static void
put(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

static json_t *
last_bill(const struct rb_space_contract *c, const char *today)
{
	json_t *o;

	if (c->sp_last_number == NULL)
		return json_null();
	o = json_object();
	put(o, "number", json_string(c->sp_last_number));
	put(o, "issued", fr_date(c->sp_last_issued_on));
	put(o, "total", money(c->sp_last_total_cents));
	put(o, "status_label", own(rb_bills_status_label(c->sp_last_status,
	    c->sp_last_due_on, today, NULL)));
	return o;
}

static json_t *
reading(const struct rb_space_contract *c)
{
	char idx[RB_MONEY_MAX];
	json_t *o;

	if (c->sp_meter_serial == NULL || c->sp_read_on == NULL)
		return json_null();
	rb_volume_m3_fr(c->sp_read_litres, idx, sizeof(idx));
	o = json_object();
	put(o, "meter", json_string(c->sp_meter_serial));
	put(o, "remote", json_boolean(c->sp_meter_remote != 0));
	put(o, "date", fr_date(c->sp_read_on));
	put(o, "index", own(idx));
	put(o, "kind", own(reading_kind(c->sp_read_source)));
	return o;
}

/* Appends to alerts the alert {kind, text}. */
static void
add_alert(json_t *alerts, const char *kind, const char *text)
{
	json_t *a = json_object();

	put(a, "kind", own(kind));
	put(a, "text", json_string(text));
	json_array_append_new(alerts, a);
}

/* Adds the contract's recent abnormal-consumption alert, if any. */
static void
add_abnormal(const struct rb_space_contract *c, json_t *alerts)
{
	char text[512], vol[RB_MONEY_MAX], avg[RB_MONEY_MAX];
	char end[RB_CLOCK_FR_MAX];

	if (c->sp_alert_period_end == NULL)
		return;
	rb_volume_m3_fr(c->sp_alert_litres, vol, sizeof(vol));
	rb_volume_m3_fr(c->sp_alert_average_litres, avg, sizeof(avg));
	rb_clock_fr_iso(c->sp_alert_period_end, end, sizeof(end));
	snprintf(text, sizeof(text), "Consommation anormalement élevée : %s "
	    "sur la période terminée le %s, plus du double de votre "
	    "consommation habituelle (%s). Une fuite est possible.", vol, end,
	    avg);
	add_alert(alerts, "abnormal", text);
}

/* Adds the contract's recent possible leak (app/leaks.h), if any. */
static void
add_leak(const struct rb_space_contract *c, json_t *alerts)
{
	char text[512], first[RB_CLOCK_FR_MAX], last[RB_CLOCK_FR_MAX];

	if (c->sp_leak_serial == NULL)
		return;
	rb_clock_fr_iso(c->sp_leak_first, first, sizeof(first));
	rb_clock_fr_iso(c->sp_leak_last, last, sizeof(last));
	snprintf(text, sizeof(text), "Fuite d'eau possible : du %s au %s, "
	    "votre compteur %s a enregistré chaque jour plus de %lld fois "
	    "votre consommation habituelle (environ %lld litres par jour). "
	    "Vérifiez votre installation.", first, last, c->sp_leak_serial,
	    (long long)c->sp_leak_factor,
	    (long long)c->sp_leak_usual_litres);
	add_alert(alerts, "leak", text);
}

static json_t *
contract_view(const struct rb_space_contract *c, const char *today)
{
	json_t *alerts = json_array(), *v;
	char addr[512], text[256], debit[32];
	json_int_t late = c->sp_late_count;

	snprintf(addr, sizeof(addr), "%s, %s %s", c->sp_address,
	    c->sp_postcode, c->sp_commune);
	if (late > 0) {
		snprintf(text, sizeof(text), late == 1 ?
		    "Une facture n'est pas réglée à sa date limite de "
		    "paiement." : "%lld factures ne sont pas réglées à leur "
		    "date limite de paiement.", (long long)late);
		add_alert(alerts, "late", text);
	}
	add_abnormal(c, alerts);
	add_leak(c, alerts);
	if (c->sp_mandate_last4 != NULL)
		snprintf(debit, sizeof(debit), "•••• %s", c->sp_mandate_last4);
	v = json_object();
	put(v, "number", json_string(c->sp_number));
	put(v, "old_number", text_or_null(c->sp_old_number));
	put(v, "address", json_string(addr));
	put(v, "direct_debit", json_boolean(c->sp_direct_debit != 0));
	put(v, "debit_account", c->sp_mandate_last4 != NULL ?
	    json_string(debit) : json_null());
	put(v, "paperless", json_boolean(c->sp_paperless != 0));
	put(v, "unpaid", json_boolean(c->sp_unpaid_count > 0));
	put(v, "unpaid_amount", money(c->sp_unpaid_cents));
	put(v, "next_due", fr_date(c->sp_next_due_on[0] != '\0' ?
	    c->sp_next_due_on : NULL));
	put(v, "debit", json_boolean(c->sp_debit_count > 0));
	put(v, "debit_amount", money(c->sp_debit_cents));
	put(v, "next_debit", fr_date(c->sp_next_debit_on[0] != '\0' ?
	    c->sp_next_debit_on : NULL));
	put(v, "last_bill", last_bill(c, today));
	put(v, "reading", reading(c));
	put(v, "has_alerts", json_boolean(json_array_size(alerts) > 0));
	put(v, "alerts", alerts);
	return v;
}

enum rb_rc
rb_space_view(rb_db *db, int64_t account, time_t now, json_t **out)
{
	struct rb_date today_d, oldest_d, leaks_d;
	char today[16], oldest[16], leaks[16];
	struct rb_space_contract *rows;
	json_t *arr;
	size_t i, n;

	*out = NULL;
	rb_clock_today(now, &today_d);
	rb_clock_format_date(&today_d, today, sizeof(today));
	rb_clock_date_add(&today_d, -ALERT_SHOWN_DAYS, &oldest_d);
	rb_clock_format_date(&oldest_d, oldest, sizeof(oldest));
	rb_clock_date_add(&today_d, -RB_LEAK_SHOWN_DAYS, &leaks_d);
	rb_clock_format_date(&leaks_d, leaks, sizeof(leaks));
	if (rb_space_contracts(db, account, today, oldest, leaks, &rows,
	    &n) != 0)
		return RB_ERROR;
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, contract_view(&rows[i], today));
	rb_space_contracts_free(rows, n);
	*out = arr;
	return RB_OK;
}
