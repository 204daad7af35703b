/*
 * billing.c: tariffs, billing runs and bills of the demo (see
 * internal.h and the billing model in demo.c): the tariffs are written
 * first and read back, then each contract's bills are numbered, dated,
 * priced from them and settled, and handed to the store with their lines
 * and payments.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "demo/internal.h"

enum heading { H_DISTRIBUTION, H_SEWAGE, H_PUBLIC_BODIES, H__MAX };
static const char *const heading_names[H__MAX] = {
	"distribution", "sewage", "public_bodies",
};

/*
 * About 4.30 EUR per m3 all included for 120 m3 a year. The former
 * operator's prices until 2023, the new ones since 2024; the water
 * agency's charges change on 2025-01-01.
 */
static const struct rb_demo_tariff tariff_seeds[] = {
	{ "distribution", "DIST_ABO", "Abonnement", "subscription",
	    372000, 550, "2020-01-01", "2023-12-31" },
	{ "distribution", "DIST_ABO", "Abonnement", "subscription",
	    390000, 550, "2024-01-01", NULL },
	{ "distribution", "DIST_CONSO", "Consommation d'eau potable", "m3",
	    12900, 550, "2020-01-01", "2023-12-31" },
	{ "distribution", "DIST_CONSO", "Consommation d'eau potable", "m3",
	    13500, 550, "2024-01-01", NULL },
	{ "sewage", "ASS_ABO", "Abonnement assainissement", "subscription",
	    252000, 1000, "2020-01-01", "2023-12-31" },
	{ "sewage", "ASS_ABO", "Abonnement assainissement", "subscription",
	    264000, 1000, "2024-01-01", NULL },
	{ "sewage", "ASS_CONSO", "Collecte et traitement des eaux usées",
	    "m3", 14600, 1000, "2020-01-01", "2023-12-31" },
	{ "sewage", "ASS_CONSO", "Collecte et traitement des eaux usées",
	    "m3", 15200, 1000, "2024-01-01", NULL },
	{ "public_bodies", "AG_POLL", "Lutte contre la pollution", "m3",
	    3300, 550, "2020-01-01", "2024-12-31" },
	{ "public_bodies", "AG_POLL", "Lutte contre la pollution", "m3",
	    3650, 550, "2025-01-01", NULL },
	{ "public_bodies", "AG_MOD", "Modernisation des réseaux de collecte",
	    "m3", 1850, 550, "2020-01-01", "2024-12-31" },
	{ "public_bodies", "AG_MOD", "Modernisation des réseaux de collecte",
	    "m3", 1600, 550, "2025-01-01", NULL },
	{ "public_bodies", "AG_PRES", "Préservation des ressources en eau",
	    "m3", 754, 550, "2020-01-01", "2024-12-31" },
	{ "public_bodies", "AG_PRES", "Préservation des ressources en eau",
	    "m3", 860, 550, "2025-01-01", NULL },
};

/* Order of the lines on a bill. */
static const char *const bill_codes[] = {
	"DIST_ABO", "DIST_CONSO", "ASS_ABO", "ASS_CONSO",
	"AG_POLL", "AG_MOD", "AG_PRES",
};

struct tariff {
	char		 tf_code[16];
	char		 tf_label[96];
	int		 tf_heading;
	int		 tf_subscription;	/* else per m3 */
	int64_t		 tf_price;
	int		 tf_vat_bp;
	day_t		 tf_from;
	day_t		 tf_to;			/* included */
};


struct line {
	const struct tariff *ln_tariff;
	day_t	 ln_from;
	day_t	 ln_to;
	int	 ln_split;	/* the code has several periods */
	int64_t	 ln_quantity;
	int64_t	 ln_amount;
	int64_t	 ln_vat;
};

struct bill {
	char		 bl_number[24];
	int		 bl_archived;
	day_t		 bl_from;
	day_t		 bl_to;
	day_t		 bl_old_read;
	day_t		 bl_new_read;
	const char	*bl_old_kind;
	const char	*bl_new_kind;
	int64_t		 bl_old_index;
	int64_t		 bl_new_index;
	day_t		 bl_issued;
	day_t		 bl_due;
	int		 bl_direct_debit;
	int		 bl_last;	/* the contract's latest bill */
	struct line	 bl_lines[DEMO_MAX_LINES];
	int		 bl_nlines;
	int64_t		 bl_amount;
	int64_t		 bl_vat;
	const char	*bl_status;
	const char	*bl_pay_method;		/* NULL: no payment */
	const char	*bl_pay_provider;
	const char	*bl_pay_status;
	char		 bl_pay_ref[40];
	int64_t		 bl_pay_at;
};


static int
add_tariffs(struct demo *d)
{
	size_t i;

	for (i = 0; i < RB_NELEM(tariff_seeds); i++)
		if (rb_demo_store_tariff(d->dm_store, &tariff_seeds[i]) != 0)
			return -1;
	return 0;
}

/* Parses a valid 'YYYY-MM-DD' into a day; returns 0 or -1. */
int
demo_day_parse(const char *s, day_t *out)
{
	struct rb_date dt;

	if (s == NULL || rb_clock_parse_date(s, &dt) != 0)
		return -1;
	*out = (day_t)rb_clock_days_from_civil(&dt);
	return 0;
}

/* Appends row to the tariffs of the struct demo arg; 0, or -1. */
static int
keep_tariff(const struct rb_demo_tariff *row, void *arg)
{
	struct demo *d = arg;
	struct tariff *t;
	size_t cap;
	int i;

	if (d->dm_ntariffs % 16 == 0) {
		cap = d->dm_ntariffs + 16;
		d->dm_tariffs = rb_xrealloc(d->dm_tariffs,
		    cap * sizeof(*d->dm_tariffs));
	}
	t = &d->dm_tariffs[d->dm_ntariffs++];
	memset(t, 0, sizeof(*t));
	for (i = 0; i < H__MAX; i++)
		if (strcmp(row->ta_heading, heading_names[i]) == 0)
			t->tf_heading = i;
	snprintf(t->tf_code, sizeof(t->tf_code), "%s", row->ta_code);
	snprintf(t->tf_label, sizeof(t->tf_label), "%s", row->ta_label);
	t->tf_subscription = strcmp(row->ta_unit, "subscription") == 0;
	t->tf_price = row->ta_price_c100;
	t->tf_vat_bp = row->ta_vat_bp;
	if (demo_day_parse(row->ta_valid_from, &t->tf_from) != 0)
		return -1;
	if (row->ta_valid_to == NULL)
		t->tf_to = mkday(9999, 12, 31);
	else if (demo_day_parse(row->ta_valid_to, &t->tf_to) != 0)
		return -1;
	return 0;
}

/*
 * Writes the tariffs, then reads them back from the table: bills are
 * computed from it.
 */
int
demo_tariffs_write(struct demo *d)
{
	if (add_tariffs(d) != 0)
		return -1;
	if (rb_demo_store_tariffs(d->dm_store, keep_tariff, d) != 0) {
		log_errx("cannot read the tariffs back");
		return -1;
	}
	return 0;
}

void
demo_runs_make(struct demo *d)
{
	int year, half;
	struct run *r;

	d->dm_bills = rb_xcalloc(DEMO_MAX_RUNS, sizeof(*d->dm_bills));
	d->dm_special_run = -1;
	for (year = DEMO_FIRST_YEAR; ; year++)
		for (half = 0; half < 2; half++) {
			day_t first = half == 0 ? mkday(year, 6, 5) :
			    mkday(year, 12, 2);

			if (first > d->dm_today ||
			    d->dm_nruns == DEMO_MAX_RUNS)
				return;
			r = &d->dm_runs[d->dm_nruns];
			memset(r, 0, sizeof(*r));
			r->rn_first = first;
			r->rn_last = half == 0 ? mkday(year, 6, 28) :
			    mkday(year, 12, 20);
			r->rn_year = year;
			if (year == DEMO_NEW_YEAR && half == 0)
				d->dm_special_run = d->dm_nruns;
			d->dm_nruns++;
		}
}

/* Returns 1 if the contract of s gets a bill in run i. */
static int
billed_in(const struct demo *d, const struct shape *s, int i)
{
	day_t prev_last = i == 0 ? mkday(DEMO_HORIZON_Y, 12, 20) :
	    d->dm_runs[i - 1].rn_last;

	return s->sh_billed && s->sh_start <= d->dm_runs[i].rn_first - 10 &&
	    (s->sh_end == 0 || s->sh_end > prev_last);
}

/* Pass 1: the number of bills in each run. */
int
demo_runs_count(struct demo *d)
{
	struct shape s;
	long k;
	int i, year = 0;
	long base = 0;

	for (k = 1; k <= d->dm_contracts; k++) {
		demo_shape_make(d, k, &s);
		for (i = 0; i < d->dm_nruns; i++)
			if (billed_in(d, &s, i)) {
				d->dm_runs[i].rn_count++;
				if (i == d->dm_special_run && k == 4)
					d->dm_special_rank =
					    d->dm_runs[i].rn_count;
			}
	}
	for (i = 0; i < d->dm_nruns; i++) {
		if (d->dm_runs[i].rn_year != year) {
			year = d->dm_runs[i].rn_year;
			base = 0;
		}
		d->dm_runs[i].rn_base = base;
		base += d->dm_runs[i].rn_count;
	}
	if (d->dm_special_run < 0 || d->dm_special_rank == 0 ||
	    d->dm_runs[d->dm_special_run].rn_count < DEMO_SPECIAL_POS) {
		log_errx("the June %d run has too few bills for "
		    "FA%d-%06d", DEMO_NEW_YEAR, DEMO_NEW_YEAR, DEMO_SPECIAL_POS);
		return -1;
	}
	return 0;
}

/*
 * Position in run i (1-based) of the bill whose natural rank, in
 * contract order, is rank: contract 4 is moved to DEMO_SPECIAL_POS in
 * the June 2024 run and the ones between shift by one.
 */
static long
run_position(const struct demo *d, int i, long rank, long k)
{
	long s = d->dm_special_rank;

	if (i != d->dm_special_run)
		return rank;
	if (k == 4)
		return DEMO_SPECIAL_POS;
	if (rank > s && rank <= DEMO_SPECIAL_POS)
		return rank - 1;
	if (rank < s && rank >= DEMO_SPECIAL_POS)
		return rank + 1;
	return rank;
}

/* Rounds num / den to the nearest integer, halves up (num >= 0). */
static int64_t
div_round(int64_t num, int64_t den)
{
	return (num + den / 2) / den;
}

/* Computes the lines and totals of b from the tariffs. */
static void
price_bill(struct demo *d, struct bill *b)
{
	int64_t volume = b->bl_new_index - b->bl_old_index;
	int64_t days = b->bl_to - b->bl_from + 1, left, base, vat, sum;
	const struct tariff *t;
	struct line *ln, *big;
	size_t ci, ti;
	int i, nseg, seg, rate;
	day_t from, to;

	b->bl_nlines = 0;
	for (ci = 0; ci < RB_NELEM(bill_codes); ci++) {
		nseg = 0;
		for (ti = 0; ti < d->dm_ntariffs; ti++) {
			t = &d->dm_tariffs[ti];
			if (strcmp(t->tf_code, bill_codes[ci]) == 0 &&
			    t->tf_from <= b->bl_to && t->tf_to >= b->bl_from)
				nseg++;
		}
		left = volume;
		for (ti = 0, seg = 0; ti < d->dm_ntariffs; ti++) {
			t = &d->dm_tariffs[ti];
			if (strcmp(t->tf_code, bill_codes[ci]) != 0 ||
			    t->tf_from > b->bl_to || t->tf_to < b->bl_from)
				continue;
			from = t->tf_from > b->bl_from ? t->tf_from :
			    b->bl_from;
			to = t->tf_to < b->bl_to ? t->tf_to : b->bl_to;
			ln = &b->bl_lines[b->bl_nlines++];
			memset(ln, 0, sizeof(*ln));
			ln->ln_tariff = t;
			ln->ln_from = from;
			ln->ln_to = to;
			ln->ln_split = nseg > 1;
			if (t->tf_subscription) {
				ln->ln_quantity = to - from + 1;
				ln->ln_amount = div_round(t->tf_price *
				    ln->ln_quantity, 365 * 100);
			} else {
				/* Volume pro rata of the days, the last
				   period taking what is left. */
				ln->ln_quantity = ++seg == nseg ? left :
				    volume * (to - from + 1) / days;
				left -= ln->ln_quantity;
				ln->ln_amount = div_round(ln->ln_quantity *
				    t->tf_price, 1000 * 100);
			}
		}
	}

	/* VAT per rate on the rate's total; rounding on the largest line. */
	b->bl_amount = b->bl_vat = 0;
	for (i = 0; i < b->bl_nlines; i++) {
		ln = &b->bl_lines[i];
		ln->ln_vat = div_round(ln->ln_amount *
		    ln->ln_tariff->tf_vat_bp, 10000);
		b->bl_amount += ln->ln_amount;
	}
	for (i = 0; i < b->bl_nlines; i++) {
		int j;

		rate = b->bl_lines[i].ln_tariff->tf_vat_bp;
		for (j = 0; j < i; j++)
			if (b->bl_lines[j].ln_tariff->tf_vat_bp == rate)
				break;
		if (j < i)
			continue;	/* rate already done */
		base = sum = 0;
		big = NULL;
		for (j = i; j < b->bl_nlines; j++) {
			ln = &b->bl_lines[j];
			if (ln->ln_tariff->tf_vat_bp != rate)
				continue;
			base += ln->ln_amount;
			sum += ln->ln_vat;
			if (big == NULL || ln->ln_amount > big->ln_amount)
				big = ln;
		}
		vat = div_round(base * rate, 10000);
		big->ln_vat += vat - sum;
		b->bl_vat += vat;
	}
}

static const char *
payment_method(struct rng *r)
{
	uint64_t x = rng_below(r, 100);

	return x < 58 ? "card" : x < 80 ? "transfer" : x < 97 ? "cheque" :
	    "cash";
}

/* Decides b's status as of today and the payment that goes with it. */
static void
settle_bill(struct demo *d, struct rng *r, const struct contract *c,
    struct bill *b)
{
	const char *method = NULL;
	day_t on = 0;
	int failed;

	b->bl_pay_method = NULL;
	if (!b->bl_archived && c->ct_k > DEMO_FIXED && rng_chance(r, 3)) {
		b->bl_status = "cancelled";
		return;
	}
	if (b->bl_direct_debit) {
		failed = b->bl_due <= d->dm_today && rng_chance(r, 10);
		/* A debit taken settles the bill; a future one is
		   scheduled. */
		b->bl_status = failed ? (b->bl_due + 15 < d->dm_today ?
		    "overdue" : "to_pay") : b->bl_due <= d->dm_today ? "paid" :
		    "direct_debit";
		method = "sepa_debit";
		b->bl_pay_status = failed ? "failed" :
		    b->bl_due <= d->dm_today ? "succeeded" : "pending";
		on = b->bl_due;
	} else if (c->ct_k == 1 && b->bl_last) {
		/* The demo subscriber always has a bill to pay. */
		b->bl_status = b->bl_due >= d->dm_today ? "to_pay" : "overdue";
	} else if (b->bl_due >= d->dm_today && rng_chance(r, 650)) {
		b->bl_status = "to_pay";
	} else if (b->bl_due < d->dm_today && !b->bl_archived &&
	    b->bl_issued > d->dm_today - 365 &&
	    rng_chance(r, (unsigned)c->ct_overdue_permille)) {
		b->bl_status = "overdue";
	} else {
		b->bl_status = "paid";
		on = b->bl_issued + (day_t)rng_range(r, 1, rng_chance(r, 100) ?
		    50 : b->bl_due - b->bl_issued);
		if (on > d->dm_today)
			on = d->dm_today;
		method = payment_method(r);
		b->bl_pay_status = "succeeded";
	}
	if (method == NULL)
		return;
	b->bl_pay_method = method;
	b->bl_pay_at = day_at(on, (int)rng_range(r, 6 * 3600, 21 * 3600));
	b->bl_pay_provider = NULL;
	if (strcmp(method, "card") == 0) {
		b->bl_pay_provider = "payfip";
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "PF%012llu",
		    (unsigned long long)rng_below(r, UINT64_C(1000000000000)));
	} else if (strcmp(method, "sepa_debit") == 0)
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "PRLV-%s",
		    b->bl_number);
	else if (strcmp(method, "transfer") == 0)
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "VIR%010llu",
		    (unsigned long long)rng_below(r, UINT64_C(10000000000)));
	else if (strcmp(method, "cheque") == 0)
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "CHQ%07d",
		    (int)rng_below(r, 10000000));
	else
		b->bl_pay_ref[0] = '\0';
}

/* Hands bill b of contract c, its lines and its payment to the store. */
static int
write_invoice(struct demo *d, const struct contract *c, const struct bill *b)
{
	struct rb_demo_line lines[DEMO_MAX_LINES], *li;
	char dates[DEMO_MAX_LINES][2][11], iso[6][11], batch[32];
	struct rb_demo_invoice iv;
	struct rb_demo_payment pa;
	const struct line *ln;
	const struct tariff *t;
	int i;

	memset(&iv, 0, sizeof(iv));
	iv.iv_number = b->bl_number;
	iv.iv_contract_id = c->ct_id;
	iv.iv_contract_number = b->bl_archived ? c->ct_old_number :
	    c->ct_number;
	iv.iv_archived = b->bl_archived;
	iv.iv_period_start = iso_or_null(b->bl_from, iso[0]);
	iv.iv_period_end = iso_or_null(b->bl_to, iso[1]);
	iv.iv_old_index_litres = b->bl_old_index;
	iv.iv_new_index_litres = b->bl_new_index;
	iv.iv_old_read_on = iso_or_null(b->bl_old_read, iso[2]);
	iv.iv_new_read_on = iso_or_null(b->bl_new_read, iso[3]);
	iv.iv_old_read_kind = b->bl_old_kind;
	iv.iv_new_read_kind = b->bl_new_kind;
	iv.iv_volume_litres = b->bl_new_index - b->bl_old_index;
	iv.iv_amount_excl_tax_cents = b->bl_amount;
	iv.iv_vat_cents = b->bl_vat;
	iv.iv_total_cents = b->bl_amount + b->bl_vat;
	day_iso(b->bl_issued, iso[4]);
	iv.iv_issued_on = iso[4];
	iv.iv_due_on = iso_or_null(b->bl_due, iso[5]);
	iv.iv_status = b->bl_status;
	iv.iv_src_system = b->bl_archived ? "billing_2023" : "billing";
	snprintf(batch, sizeof(batch), "%s-%s", b->bl_archived ? "archive" :
	    "bills", iv.iv_issued_on);
	iv.iv_src_batch = batch;

	for (i = 0; i < b->bl_nlines; i++) {
		ln = &b->bl_lines[i];
		t = ln->ln_tariff;
		li = &lines[i];
		li->li_position = i + 1;
		li->li_heading = heading_names[t->tf_heading];
		li->li_tariff_code = t->tf_code;
		li->li_label = t->tf_label;
		/* Dates only when a price changed within the bill. */
		li->li_period_start = iso_or_null(ln->ln_split ?
		    ln->ln_from : 0, dates[i][0]);
		li->li_period_end = iso_or_null(ln->ln_split ? ln->ln_to : 0,
		    dates[i][1]);
		li->li_quantity = ln->ln_quantity;
		li->li_quantity_unit = t->tf_subscription ? "day" : "litre";
		li->li_unit_price_c100 = t->tf_price;
		li->li_amount_excl_tax_cents = ln->ln_amount;
		li->li_vat_rate_bp = t->tf_vat_bp;
		li->li_vat_cents = ln->ln_vat;
	}

	if (b->bl_pay_method != NULL) {
		pa.pa_amount_cents = b->bl_amount + b->bl_vat;
		pa.pa_method = b->bl_pay_method;
		pa.pa_provider = b->bl_pay_provider;
		pa.pa_provider_ref = b->bl_pay_ref[0] != '\0' ? b->bl_pay_ref :
		    NULL;
		pa.pa_status = b->bl_pay_status;
		pa.pa_created_at = b->bl_pay_at;
	}
	return rb_demo_store_invoice(d->dm_store, &iv, lines, b->bl_nlines,
	    b->bl_pay_method != NULL ? &pa : NULL);
}

/*
 * Walks the runs that bill c: numbers, dates, readings, lines, status;
 * then hands the invoices, with their lines and payments, to the store.
 */
int
demo_bills_write(struct demo *d, struct rng *r, const struct contract *c)
{
	const struct shape *s = &c->ct_shape;
	day_t prev_read = demo_index_start(d, c), span;
	const char *prev_kind = "actual";
	int i, last_run = -1, nbills = 0;
	long rank, pos;
	struct run *rn;
	struct bill *b;

	/* The reading that opens the first bill (or the contract). */
	demo_reading_add(d, prev_read, 0, demo_index_on(d, c, prev_read), c->ct_remote ?
	    "remote" : "actual");
	for (i = 0; i < d->dm_nruns; i++)
		if (billed_in(d, s, i))
			last_run = i;
	for (i = 0; i < d->dm_nruns; i++) {
		if (!billed_in(d, s, i))
			continue;
		rn = &d->dm_runs[i];
		rank = ++rn->rn_seen;
		pos = run_position(d, i, rank, c->ct_k);
		span = rn->rn_last - rn->rn_first;
		b = &d->dm_bills[nbills];
		memset(b, 0, sizeof(*b));
		b->bl_issued = rn->rn_first + (day_t)(rn->rn_count > 1 ?
		    (pos - 1) * span / (rn->rn_count - 1) : 0);
		if (b->bl_issued > d->dm_today)
			continue;	/* later in a run under way */
		b->bl_archived = rn->rn_year < DEMO_NEW_YEAR;
		if (b->bl_archived)
			snprintf(b->bl_number, sizeof(b->bl_number),
			    "E%02d%07ld", rn->rn_year % 100, rn->rn_base + pos);
		else
			snprintf(b->bl_number, sizeof(b->bl_number),
			    "FA%04d-%06ld", rn->rn_year, rn->rn_base + pos);
		b->bl_last = i == last_run;

		b->bl_old_read = prev_read;
		b->bl_old_kind = prev_kind;
		b->bl_from = nbills == 0 && s->sh_start > d->dm_horizon ?
		    s->sh_start : prev_read + 1;
		if (s->sh_end != 0 && s->sh_end < rn->rn_first) {
			b->bl_new_read = s->sh_end;	/* moving out */
			b->bl_new_kind = "actual";
		} else {
			b->bl_new_read = b->bl_issued - 3 -
			    (day_t)rng_below(r, 5);
			b->bl_new_kind = c->ct_remote || rng_chance(r, 880) ?
			    "actual" : "estimated";
		}
		b->bl_to = b->bl_new_read;
		b->bl_old_index = demo_index_on(d, c, b->bl_old_read);
		b->bl_new_index = demo_index_on(d, c, b->bl_new_read);
		demo_reading_add(d, b->bl_new_read, 1, b->bl_new_index,
		    c->ct_remote ? "remote" : b->bl_new_kind);
		b->bl_direct_debit = c->ct_direct_debit &&
		    b->bl_issued >= c->ct_mandate_on;
		b->bl_due = b->bl_issued + (b->bl_direct_debit ? 10 : 21);
		price_bill(d, b);
		settle_bill(d, r, c, b);
		prev_read = b->bl_new_read;
		prev_kind = b->bl_new_kind;
		nbills++;
	}
	for (i = 0; i < nbills; i++)
		if (write_invoice(d, c, &d->dm_bills[i]) != 0)
			return -1;
	return 0;
}
