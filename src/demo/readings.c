/*
 * readings.c: the daily consumption of a contract's meter and the
 * readings the demo keeps of it (see internal.h): the index of every day
 * is drawn first (household size, season, noise), then read where a bill
 * needs it, monthly since 2024 and daily over the last 90 days on
 * remote-read meters. Contract 1 (the demo subscriber's remote-read
 * meter) leaks over the last DEMO_LEAK_DAYS days.
 */
#include <stdlib.h>

#include "base/mem.h"
#include "demo/internal.h"

/* Monthly consumption factors, per mille of the average. */
static const int season_permille[12] = {
	950, 930, 960, 990, 1030, 1090, 1120, 1060, 1020, 980, 950, 960,
};

struct reading {
	day_t	 rd_day;
	int	 rd_prio;	/* lower wins when two fall on one day */
	int64_t	 rd_index;
	const char *rd_source;
};

/* Consumption: the meter index of every day since the data starts. */
day_t
demo_index_start(const struct demo *d, const struct contract *c)
{
	return c->ct_shape.sh_start > d->dm_horizon ? c->ct_shape.sh_start :
	    d->dm_horizon;
}

void
demo_consumption_make(struct demo *d, const struct contract *c)
{
	struct rng r;
	day_t d0 = demo_index_start(d, c), day;
	size_t n = (size_t)(d->dm_today - d0 + 2), i;
	struct rb_date dt;
	int64_t litres;

	if (n > d->dm_cumcap) {
		d->dm_cumcap = n + 64;
		d->dm_cum = rb_xrealloc(d->dm_cum, d->dm_cumcap *
		    sizeof(*d->dm_cum));
	}
	rng_seed(&r, d->dm_seed, STREAM_DAYS, (uint64_t)c->ct_k);
	d->dm_cum[0] = rng_range(&r, 20000, 900000);
	rb_clock_civil_from_days(d0, &dt);
	for (i = 1, day = d0; i < n; i++, day++) {
		if (c->ct_shape.sh_end != 0 && day >= c->ct_shape.sh_end)
			litres = 0;
		else
			litres = c->ct_yearly_litres *
			    season_permille[dt.d_month - 1] *
			    (600 + (int64_t)rng_below(&r, 801)) /
			    (365 * 1000 * 1000);
		/* The demo subscriber's leak: water running day and night
		   over the last days, for the leak alert to find. */
		if (c->ct_k == DEMO_LEAK_CONTRACT &&
		    day >= d->dm_today - DEMO_LEAK_DAYS &&
		    (c->ct_shape.sh_end == 0 || day < c->ct_shape.sh_end))
			litres += DEMO_LEAK_LITRES;
		d->dm_cum[i] = d->dm_cum[i - 1] + litres;
		if (++dt.d_day > rb_clock_days_in_month(dt.d_year,
		    dt.d_month)) {
			dt.d_day = 1;
			if (++dt.d_month > 12) {
				dt.d_month = 1;
				dt.d_year++;
			}
		}
	}
}

/* The index on the morning of day. */
int64_t
demo_index_on(const struct demo *d, const struct contract *c, day_t day)
{
	return d->dm_cum[day - demo_index_start(d, c)];
}

void
demo_reading_add(struct demo *d, day_t day, int prio, int64_t index,
    const char *source)
{
	struct reading *rd;

	if (d->dm_nreads == d->dm_readcap) {
		d->dm_readcap = d->dm_readcap ? d->dm_readcap * 2 : 256;
		d->dm_reads = rb_xrealloc(d->dm_reads, d->dm_readcap *
		    sizeof(*d->dm_reads));
	}
	rd = &d->dm_reads[d->dm_nreads++];
	rd->rd_day = day;
	rd->rd_prio = prio;
	rd->rd_index = index;
	rd->rd_source = source;
}

static int
by_day(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;

	if (x->rd_day != y->rd_day)
		return x->rd_day < y->rd_day ? -1 : 1;
	return (x->rd_prio > y->rd_prio) - (x->rd_prio < y->rd_prio);
}

/*
 * Writes the readings collected by demo_bills_write() with monthly ones since
 * 2024 and, for remote-read meters, daily ones for the last 90 days.
 */
int
demo_readings_write(struct demo *d, struct rng *r, const struct contract *c)
{
	day_t d0 = demo_index_start(d, c), last = d->dm_today, day;
	struct rb_demo_reading row;
	struct rb_date dt;
	char iso[11];
	size_t i, n;
	int y, m;

	if (c->ct_shape.sh_end != 0 && c->ct_shape.sh_end < last)
		last = c->ct_shape.sh_end;
	/* The new system keeps a monthly index since it started. */
	rb_clock_civil_from_days(d0 > mkday(DEMO_NEW_YEAR, 1, 1) ? d0 :
	    mkday(DEMO_NEW_YEAR, 1, 1), &dt);
	for (y = dt.d_year, m = dt.d_month; ; ) {
		day = mkday(y, m, c->ct_reading_day);
		if (day > last)
			break;
		if (day > d0 && !(c->ct_remote && day > d->dm_today - 90))
			demo_reading_add(d, day, 2, demo_index_on(d, c, day),
			    c->ct_remote ? "remote" : rng_chance(r, 300) ?
			    "customer" : "estimated");
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	if (c->ct_remote)
		for (day = d->dm_today - 89; day <= last; day++)
			if (day > d0)
				demo_reading_add(d, day, 3, demo_index_on(d, c, day),
				    "remote");
	/* Sort, keep the first of each day, write. */
	qsort(d->dm_reads, d->dm_nreads, sizeof(*d->dm_reads), by_day);
	for (i = n = 0; i < d->dm_nreads; i++)
		if (n == 0 || d->dm_reads[i].rd_day != d->dm_reads[n - 1].rd_day)
			d->dm_reads[n++] = d->dm_reads[i];
	row.re_meter_id = c->ct_meter_id;
	row.re_read_on = iso;
	for (i = 0; i < n; i++) {
		day_iso(d->dm_reads[i].rd_day, iso);
		row.re_index_litres = d->dm_reads[i].rd_index;
		row.re_source = d->dm_reads[i].rd_source;
		if (rb_demo_store_reading(d->dm_store, &row) != 0)
			return -1;
	}
	return 0;
}

