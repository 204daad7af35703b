/*
 * space.c: the dashboard use case (see space.h). The store gives raw
 * values for every contract (store/space.h: two statements, the sums of
 * the open bills added up there, the latest possible leak read with the
 * contract); this file words them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bills.h"
#include "app/leaks.h"
#include "app/space.h"
#include "base/clock.h"
#include "base/mem.h"
#include "base/money.h"
#include "store/space.h"

/* An alert older than this (period end before now - 365 days) is not
 * shown on the dashboard any more. */
#define ALERT_SHOWN_DAYS	365

/* The French date of an ISO text into out (RB_CLOCK_FR_MAX bytes), ""
   when iso is NULL or not a date. */
static void
fr_date(const char *iso, char *out)
{
	out[0] = '\0';
	if (iso != NULL)
		rb_clock_fr_iso(iso, out, RB_CLOCK_FR_MAX);
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

/* Appends s to out (size bytes, at *at so far), cut to fit. */
static void
cat(char *out, size_t size, size_t *at, const char *s)
{
	size_t n = strlen(s);

	if (n > size - 1 - *at)
		n = size - 1 - *at;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
}

static void
last_bill(const struct rb_space_contract *c, const char *today,
    struct rb_space_card *k)
{
	struct rb_space_bill *b = &k->sc_bill;

	if (c->sp_last_number == NULL)
		return;
	b->sb_number = c->sp_last_number;
	fr_date(c->sp_last_issued_on, b->sb_issued);
	rb_money_fr(c->sp_last_total_cents, b->sb_total, sizeof(b->sb_total));
	b->sb_status_label = rb_bills_status_label(c->sp_last_status,
	    c->sp_last_due_on, today, NULL);
	k->sc_last_bill = b;
}

static void
reading(const struct rb_space_contract *c, struct rb_space_card *k)
{
	struct rb_space_reading *r = &k->sc_read;

	if (c->sp_meter_serial == NULL || c->sp_read_on == NULL)
		return;
	r->sr_meter = c->sp_meter_serial;
	r->sr_remote = c->sp_meter_remote != 0;
	fr_date(c->sp_read_on, r->sr_date);
	rb_volume_m3_fr(c->sp_read_litres, r->sr_index, sizeof(r->sr_index));
	r->sr_kind = reading_kind(c->sp_read_source);
	k->sc_reading = r;
}

/* The next alert of k, of kind; its text is for the caller to write. */
static char *
add_alert(struct rb_space_card *k, const char *kind)
{
	struct rb_space_alert *a = &k->sc_alerts[k->sc_nalerts++];

	a->sa_kind = kind;
	return a->sa_text;
}

/* Adds the contract's recent abnormal-consumption alert, if any. */
static void
add_abnormal(const struct rb_space_contract *c, struct rb_space_card *k)
{
	char vol[RB_MONEY_MAX], avg[RB_MONEY_MAX], end[RB_CLOCK_FR_MAX];

	if (c->sp_alert_period_end == NULL)
		return;
	rb_volume_m3_fr(c->sp_alert_litres, vol, sizeof(vol));
	rb_volume_m3_fr(c->sp_alert_average_litres, avg, sizeof(avg));
	rb_clock_fr_iso(c->sp_alert_period_end, end, sizeof(end));
	snprintf(add_alert(k, "abnormal"), sizeof(k->sc_alerts[0].sa_text),
	    "Consommation anormalement élevée : %s "
	    "sur la période terminée le %s, plus du double de votre "
	    "consommation habituelle (%s). Une fuite est possible.", vol, end,
	    avg);
}

/* Adds the contract's recent possible leak (app/leaks.h), if any. */
static void
add_leak(const struct rb_space_contract *c, struct rb_space_card *k)
{
	char first[RB_CLOCK_FR_MAX], last[RB_CLOCK_FR_MAX];

	if (c->sp_leak_serial == NULL)
		return;
	rb_clock_fr_iso(c->sp_leak_first, first, sizeof(first));
	rb_clock_fr_iso(c->sp_leak_last, last, sizeof(last));
	snprintf(add_alert(k, "leak"), sizeof(k->sc_alerts[0].sa_text),
	    "Fuite d'eau possible : du %s au %s, "
	    "votre compteur %s a enregistré chaque jour plus de %lld fois "
	    "votre consommation habituelle (environ %lld litres par jour). "
	    "Vérifiez votre installation.", first, last, c->sp_leak_serial,
	    (long long)c->sp_leak_factor,
	    (long long)c->sp_leak_usual_litres);
}

void
rb_space_card(const struct rb_space_data *d, size_t i,
    struct rb_space_card *k)
{
	const struct rb_space_contract *c = &d->sd_rows[i];
	int64_t late = c->sp_late_count;
	size_t at = 0;

	/* Every member is set below or read only through these (no memset:
	   the card is large and mostly text arrays written anyway). */
	k->sc_nalerts = 0;
	k->sc_last_bill = NULL;
	k->sc_reading = NULL;
	k->sc_debit_account[0] = '\0';

	cat(k->sc_address, sizeof(k->sc_address), &at, c->sp_address);
	cat(k->sc_address, sizeof(k->sc_address), &at, ", ");
	cat(k->sc_address, sizeof(k->sc_address), &at, c->sp_postcode);
	cat(k->sc_address, sizeof(k->sc_address), &at, " ");
	cat(k->sc_address, sizeof(k->sc_address), &at, c->sp_commune);
	if (late == 1) {
		at = 0;
		cat(add_alert(k, "late"), sizeof(k->sc_alerts[0].sa_text),
		    &at, "Une facture n'est pas réglée à sa date limite de "
		    "paiement.");
	} else if (late > 1)
		snprintf(add_alert(k, "late"), sizeof(k->sc_alerts[0].sa_text),
		    "%lld factures ne sont pas réglées à leur date limite de "
		    "paiement.", (long long)late);
	add_abnormal(c, k);
	add_leak(c, k);
	k->sc_has_alerts = k->sc_nalerts > 0;
	k->sc_number = c->sp_number;
	k->sc_old_number = c->sp_old_number;
	k->sc_direct_debit = c->sp_direct_debit != 0;
	if (c->sp_mandate_last4 != NULL) {
		at = 0;
		cat(k->sc_debit_account, sizeof(k->sc_debit_account), &at,
		    "•••• ");
		cat(k->sc_debit_account, sizeof(k->sc_debit_account), &at,
		    c->sp_mandate_last4);
	}
	k->sc_paperless = c->sp_paperless != 0;
	k->sc_unpaid = c->sp_unpaid_count > 0;
	rb_money_fr(c->sp_unpaid_cents, k->sc_unpaid_amount,
	    sizeof(k->sc_unpaid_amount));
	fr_date(c->sp_next_due_on[0] != '\0' ? c->sp_next_due_on : NULL,
	    k->sc_next_due);
	k->sc_debit = c->sp_debit_count > 0;
	rb_money_fr(c->sp_debit_cents, k->sc_debit_amount,
	    sizeof(k->sc_debit_amount));
	fr_date(c->sp_next_debit_on[0] != '\0' ? c->sp_next_debit_on : NULL,
	    k->sc_next_debit);
	last_bill(c, d->sd_today, k);
	reading(c, k);
}

enum rb_rc
rb_space_read(rb_db *db, int64_t account, time_t now,
    struct rb_space_data *out)
{
	struct rb_date today_d, oldest_d, leaks_d;
	char oldest[16], leaks[16];

	memset(out, 0, sizeof(*out));
	rb_clock_today(now, &today_d);
	rb_clock_format_date(&today_d, out->sd_today, sizeof(out->sd_today));
	rb_clock_date_add(&today_d, -ALERT_SHOWN_DAYS, &oldest_d);
	rb_clock_format_date(&oldest_d, oldest, sizeof(oldest));
	rb_clock_date_add(&today_d, -RB_LEAK_SHOWN_DAYS, &leaks_d);
	rb_clock_format_date(&leaks_d, leaks, sizeof(leaks));
	if (rb_space_contracts(db, account, out->sd_today, oldest, leaks,
	    &out->sd_rows, &out->sd_n) != 0)
		return RB_ERROR;
	return RB_OK;
}

void
rb_space_data_free(struct rb_space_data *d)
{
	rb_space_contracts_free(d->sd_rows, d->sd_n);
	memset(d, 0, sizeof(*d));
}

static void
space_data_drop(void *p)
{
	rb_space_data_free(p);
	free(p);
}

struct rb_pagecache_val *
rb_space_read_kept(rb_db *db, int64_t account, time_t now)
{
	struct rb_pagecache_val *v;
	struct rb_space_data *d;
	int64_t *ids;
	uint64_t epoch;
	char today[16];
	size_t i;

	/* The key's day is the one rb_space_read() reads for. */
	rb_clock_today_iso(now, today, sizeof(today));
	if ((v = rb_pagecache_get(RB_PAGECACHE_SPACE, account, today,
	    (int64_t)now, &epoch)) != NULL)
		return v;
	d = rb_xmalloc(sizeof(*d));
	if (rb_space_read(db, account, now, d) != RB_OK) {
		free(d);
		return NULL;
	}
	ids = rb_xcalloc(d->sd_n > 0 ? d->sd_n : 1, sizeof(*ids));
	for (i = 0; i < d->sd_n; i++)
		ids[i] = d->sd_rows[i].sp_id;
	v = rb_pagecache_val_new(d, space_data_drop, ids, d->sd_n);
	free(ids);
	rb_pagecache_put(RB_PAGECACHE_SPACE, account, today, v, epoch);
	return v;
}
