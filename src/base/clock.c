/*
 * clock.c: Paris calendar and customer-service hours (see clock.h).
 *
 * Dates go through a day count from 1970-01-01. The conversion counts in
 * 400-year eras of 146097 days and, inside an era, in years that start on
 * 1 March, so that 29 February is the last day of its year and month
 * lengths from March on follow the 153-days-per-5-months pattern.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"

#define DAY_SECS	86400
#define ERA_DAYS	146097		/* days in 400 Gregorian years */
#define EPOCH_SHIFT	719468		/* days from 0000-03-01 to 1970-01-01 */

static const char *const fr_weekdays[8] = {
	"", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
	"dimanche",
};

static const char *const fr_months[13] = {
	"", "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre",
};

static const char *const fr_months_short[13] = {
	"", "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
	"sept.", "oct.", "nov.", "déc.",
};

/* Division and remainder rounding towards minus infinity. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

int
rb_clock_is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
rb_clock_days_in_month(int year, int month)
{
	static const int days[13] = {
		0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && rb_clock_is_leap_year(year))
		return 29;
	return days[month];
}

int
rb_clock_date_is_valid(const struct rb_date *d)
{
	return d->d_year >= 1 && d->d_year <= 9999 &&
	    d->d_month >= 1 && d->d_month <= 12 &&
	    d->d_day >= 1 && d->d_day <= rb_clock_days_in_month(d->d_year,
	    d->d_month);
}

/* Reads n decimal digits at s; returns -1 if any is not a digit. */
static int
read_digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
rb_clock_parse_date(const char *s, struct rb_date *out)
{
	struct rb_date d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	d.d_year = read_digits(s, 4);
	d.d_month = read_digits(s + 5, 2);
	d.d_day = read_digits(s + 8, 2);
	if (d.d_year < 0 || d.d_month < 0 || d.d_day < 0 ||
	    !rb_clock_date_is_valid(&d))
		return -1;
	*out = d;
	return 0;
}

/* Ends a formatting function: checks snprintf's result n. */
static int
format_done(int n, char *out, size_t outlen)
{
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
rb_clock_format_date(const struct rb_date *d, char *out, size_t outlen)
{
	char tmp[11];

	/* Every page formats today's date: no snprintf ("%04d-%02d-%02d"). */
	if (!rb_clock_date_is_valid(d) || outlen < sizeof(tmp))
		return format_done(-1, out, outlen);
	tmp[0] = (char)('0' + d->d_year / 1000 % 10);
	tmp[1] = (char)('0' + d->d_year / 100 % 10);
	tmp[2] = (char)('0' + d->d_year / 10 % 10);
	tmp[3] = (char)('0' + d->d_year % 10);
	tmp[4] = '-';
	tmp[5] = (char)('0' + d->d_month / 10);
	tmp[6] = (char)('0' + d->d_month % 10);
	tmp[7] = '-';
	tmp[8] = (char)('0' + d->d_day / 10);
	tmp[9] = (char)('0' + d->d_day % 10);
	tmp[10] = '\0';
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

int64_t
rb_clock_days_from_civil(const struct rb_date *d)
{
	/* Years start on 1 March: January and February count as last year. */
	int64_t y = (int64_t)d->d_year - (d->d_month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;			/* 0-399 */
	int64_t mp = (d->d_month + 9) % 12;		/* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d->d_day - 1;	/* 0-365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * ERA_DAYS + doe - EPOCH_SHIFT;
}

void
rb_clock_civil_from_days(int64_t days, struct rb_date *out)
{
	int64_t z = days + EPOCH_SHIFT;
	int64_t era = floor_div(z, ERA_DAYS);
	int64_t doe = z - era * ERA_DAYS;		/* 0-146096 */
	/* Remove the leap days before doe to count whole years. */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (yoe * 365 + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;

	out->d_day = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->d_month = (int)month;
	out->d_year = (int)(yoe + era * 400 + (month <= 2));
}

int
rb_clock_weekday(const struct rb_date *d)
{
	/* 1970-01-01 was a Thursday (ISO 4). */
	return (int)floor_mod(rb_clock_days_from_civil(d) + 3, 7) + 1;
}

void
rb_clock_date_add(const struct rb_date *d, int64_t days, struct rb_date *out)
{
	rb_clock_civil_from_days(rb_clock_days_from_civil(d) + days, out);
}

void
rb_clock_easter(int year, struct rb_date *out)
{
	/* The anonymous Gregorian computus (Meeus, Jones, Butcher). */
	int a = year % 19;		/* place in the Metonic cycle */
	int b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4;
	int f = (b + 8) / 25;
	int g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;	/* epact-related */
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;	/* days to Sunday */
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	out->d_year = year;
	out->d_month = n / 31;
	out->d_day = n % 31 + 1;
}

int
rb_clock_is_holiday(const struct rb_date *d)
{
	static const int fixed[][2] = {
		{ 1, 1 }, { 5, 1 }, { 5, 8 }, { 7, 14 }, { 8, 15 },
		{ 11, 1 }, { 11, 11 }, { 12, 25 },
	};
	/* Easter Monday, Ascension Thursday, Whit Monday. */
	static const int from_easter[] = { 1, 39, 50 };
	struct rb_date easter;
	int64_t day, e;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (d->d_month == fixed[i][0] && d->d_day == fixed[i][1])
			return 1;
	if (d->d_month < 3 || d->d_month > 6)
		return 0;
	rb_clock_easter(d->d_year, &easter);
	day = rb_clock_days_from_civil(d);
	e = rb_clock_days_from_civil(&easter);
	for (i = 0; i < sizeof(from_easter) / sizeof(from_easter[0]); i++)
		if (day == e + from_easter[i])
			return 1;
	return 0;
}

/* Returns the day count of the last Sunday of month (31 days long). */
static int64_t
last_sunday(int year, int month)
{
	struct rb_date d = { year, month, 31 };
	int64_t day = rb_clock_days_from_civil(&d);

	return day - rb_clock_weekday(&d) % 7;
}

int
rb_clock_paris_is_dst(time_t utc)
{
	int64_t t = (int64_t)utc, start, end;
	struct rb_date d;

	rb_clock_civil_from_days(floor_div(t, DAY_SECS), &d);
	start = last_sunday(d.d_year, 3) * DAY_SECS + 3600;
	end = last_sunday(d.d_year, 10) * DAY_SECS + 3600;
	return t >= start && t < end;
}

void
rb_clock_paris(time_t utc, struct rb_localtime *out)
{
	int dst = rb_clock_paris_is_dst(utc);
	int64_t local = (int64_t)utc + (dst ? 7200 : 3600);
	int64_t days = floor_div(local, DAY_SECS);
	int64_t secs = local - days * DAY_SECS;

	rb_clock_civil_from_days(days, &out->lt_date);
	out->lt_hour = (int)(secs / 3600);
	out->lt_min = (int)(secs / 60 % 60);
	out->lt_sec = (int)(secs % 60);
	out->lt_wday = (int)floor_mod(days + 3, 7) + 1;
	out->lt_utcoff = dst ? 7200 : 3600;
	out->lt_dst = dst;
}

void
rb_clock_paris_iso(time_t utc, char *out, size_t outlen)
{
	struct rb_localtime lt;

	rb_clock_paris(utc, &lt);
	(void)rb_clock_format_date(&lt.lt_date, out, outlen);	/* "" if short */
}

/* The pinned date of rb_clock_pin_today(); pinned_set 0 when unpinned. */
static struct rb_date pinned_today;
static int pinned_set;

int
rb_clock_pin_today(const char *iso)
{
	struct rb_date d;

	if (iso == NULL || iso[0] == '\0') {
		pinned_set = 0;
		return 0;
	}
	if (rb_clock_parse_date(iso, &d) != 0)
		return -1;
	pinned_today = d;
	pinned_set = 1;
	return 0;
}

int
rb_clock_today_is_pinned(void)
{
	return pinned_set;
}

void
rb_clock_today(time_t now, struct rb_date *out)
{
	struct rb_localtime lt;

	if (pinned_set) {
		*out = pinned_today;
		return;
	}
	rb_clock_paris(now, &lt);
	*out = lt.lt_date;
}

void
rb_clock_today_iso(time_t now, char *out, size_t outlen)
{
	struct rb_date d;

	rb_clock_today(now, &d);
	(void)rb_clock_format_date(&d, out, outlen);	/* "" if short */
}

time_t
rb_clock_paris_mktime(const struct rb_date *d, int hour, int min, int sec)
{
	int64_t local = rb_clock_days_from_civil(d) * DAY_SECS +
	    (int64_t)hour * 3600 + min * 60 + sec;

	/* Summer time first, so a repeated October hour gives the earlier. */
	if (rb_clock_paris_is_dst((time_t)(local - 7200)))
		return (time_t)(local - 7200);
	/* Winter time; also the answer for the March gap. */
	return (time_t)(local - 3600);
}

const char *
rb_clock_fr_weekday(int wday)
{
	if (wday < 1 || wday > 7)
		return "";
	return fr_weekdays[wday];
}

int
rb_clock_fr_date_long(const struct rb_date *d, char *out, size_t outlen)
{
	if (!rb_clock_date_is_valid(d))
		return format_done(-1, out, outlen);
	return format_done(snprintf(out, outlen, "%s %d%s %s %d",
	    fr_weekdays[rb_clock_weekday(d)], d->d_day,
	    d->d_day == 1 ? "er" : "", fr_months[d->d_month], d->d_year),
	    out, outlen);
}

/* Appends the decimal digits of v (0 to 9999) at p; returns the end. */
static char *
put_small(char *p, int v)
{
	if (v >= 1000)
		*p++ = (char)('0' + v / 1000);
	if (v >= 100)
		*p++ = (char)('0' + v / 100 % 10);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* d as "1er janvier 2024" with the month names of months. Pages write
   dozens of dates: no snprintf ("%d%s %s %d"). */
static int
fr_date_with(const struct rb_date *d, const char *const *months, char *out,
    size_t outlen)
{
	char tmp[RB_CLOCK_FR_MAX], *p = tmp;
	size_t k;

	if (!rb_clock_date_is_valid(d))
		return format_done(-1, out, outlen);
	p = put_small(p, d->d_day);
	if (d->d_day == 1) {
		*p++ = 'e';
		*p++ = 'r';
	}
	*p++ = ' ';
	k = strlen(months[d->d_month]);
	memcpy(p, months[d->d_month], k);
	p += k;
	*p++ = ' ';
	p = put_small(p, d->d_year);
	*p = '\0';
	if (format_done((int)(p - tmp), out, outlen) != 0)
		return -1;
	memcpy(out, tmp, (size_t)(p - tmp) + 1);
	return 0;
}

int
rb_clock_fr_date(const struct rb_date *d, char *out, size_t outlen)
{
	return fr_date_with(d, fr_months, out, outlen);
}

int
rb_clock_fr_iso(const char *iso, char *out, size_t outlen)
{
	struct rb_date d;

	if (iso == NULL || rb_clock_parse_date(iso, &d) != 0)
		return format_done(-1, out, outlen);
	return rb_clock_fr_date(&d, out, outlen);
}

int
rb_clock_fr_date_short(const struct rb_date *d, char *out, size_t outlen)
{
	return fr_date_with(d, fr_months_short, out, outlen);
}

int
rb_clock_fr_time(int minutes, char *out, size_t outlen)
{
	if (minutes < 0 || minutes > 1440)
		return format_done(-1, out, outlen);
	if (minutes == 0 || minutes == 1440)
		return format_done(snprintf(out, outlen, "minuit"), out,
		    outlen);
	if (minutes % 60 == 0)
		return format_done(snprintf(out, outlen, "%d h", minutes / 60),
		    out, outlen);
	return format_done(snprintf(out, outlen, "%d h %02d", minutes / 60,
	    minutes % 60), out, outlen);
}

/* Reads "HH:MM" at s into minutes after midnight; "24:00" if allow_end. */
static int
read_hhmm(const char *s, int allow_end)
{
	int h = read_digits(s, 2), m = read_digits(s + 3, 2);

	if (h < 0 || m < 0 || s[2] != ':' || m > 59)
		return -1;
	if (h == 24 && m == 0 && allow_end)
		return 1440;
	if (h > 23)
		return -1;
	return h * 60 + m;
}

int
rb_clock_parse_hours(const char *s, struct rb_opening_hours *oh)
{
	int open, close;

	if (strlen(s) != 11 || s[5] != '-')
		return -1;
	open = read_hhmm(s, 0);
	close = read_hhmm(s + 6, 1);
	if (open < 0 || close < 0 || open >= close)
		return -1;
	oh->oh_open = open;
	oh->oh_close = close;
	return 0;
}

/* Returns 1 if the hours can ever be open. */
static int
hours_usable(const struct rb_opening_hours *oh)
{
	return oh->oh_open >= 0 && oh->oh_open < oh->oh_close &&
	    oh->oh_close <= 1440 && (oh->oh_days & 0x7f) != 0;
}

/* Returns 1 if service opens at all on d (ISO weekday wday). */
static int
day_open(const struct rb_opening_hours *oh, const struct rb_date *d,
    int wday)
{
	if ((oh->oh_days & (1u << (wday - 1))) == 0)
		return 0;
	if (oh->oh_closed_on_holidays && rb_clock_is_holiday(d))
		return 0;
	return 1;
}

int
rb_clock_service_open(time_t now_utc, const struct rb_opening_hours *oh)
{
	struct rb_localtime lt;
	int m;

	if (!hours_usable(oh))
		return 0;
	rb_clock_paris(now_utc, &lt);
	if (!day_open(oh, &lt.lt_date, lt.lt_wday))
		return 0;
	m = lt.lt_hour * 60 + lt.lt_min;
	return m >= oh->oh_open && m < oh->oh_close;
}

time_t
rb_clock_service_next_open(time_t now_utc, const struct rb_opening_hours *oh)
{
	struct rb_localtime lt;
	struct rb_date d;
	time_t t;
	int i;

	if (!hours_usable(oh))
		return (time_t)-1;
	rb_clock_paris(now_utc, &lt);
	for (i = 0; i <= 366; i++) {
		rb_clock_date_add(&lt.lt_date, i, &d);
		if (!day_open(oh, &d, rb_clock_weekday(&d)))
			continue;
		t = rb_clock_paris_mktime(&d, oh->oh_open / 60,
		    oh->oh_open % 60, 0);
		if (t > now_utc)
			return t;
	}
	return (time_t)-1;
}

int
rb_clock_service_sentence(time_t now_utc, const struct rb_opening_hours *oh,
    char *out, size_t outlen)
{
	static const char closed[] = "Le service client est fermé.";
	char when[RB_CLOCK_FR_MAX], hhmm[16];
	struct rb_localtime now, next;
	int64_t ahead;
	time_t t;

	if (rb_clock_service_open(now_utc, oh)) {
		rb_clock_fr_time(oh->oh_close, hhmm, sizeof(hhmm));
		return format_done(snprintf(out, outlen,
		    "Le service client est ouvert jusqu'à %s.", hhmm),
		    out, outlen);
	}
	if ((t = rb_clock_service_next_open(now_utc, oh)) == (time_t)-1)
		return format_done(snprintf(out, outlen, "%s", closed), out,
		    outlen);
	rb_clock_paris(now_utc, &now);
	rb_clock_paris(t, &next);
	ahead = rb_clock_days_from_civil(&next.lt_date) -
	    rb_clock_days_from_civil(&now.lt_date);
	if (ahead == 0)
		snprintf(when, sizeof(when), "aujourd'hui");
	else if (ahead == 1)
		snprintf(when, sizeof(when), "demain");
	else if (ahead < 7)
		snprintf(when, sizeof(when), "%s",
		    rb_clock_fr_weekday(next.lt_wday));
	else
		snprintf(when, sizeof(when), "le %s %d%s %s",
		    rb_clock_fr_weekday(next.lt_wday), next.lt_date.d_day,
		    next.lt_date.d_day == 1 ? "er" : "",
		    fr_months[next.lt_date.d_month]);
	rb_clock_fr_time(next.lt_hour * 60 + next.lt_min, hhmm, sizeof(hhmm));
	return format_done(snprintf(out, outlen, "%s Il ouvre %s à %s.",
	    closed, when, hhmm), out, outlen);
}

int
rb_clock_fr_instant(time_t utc, char *out, size_t outlen)
{
	struct rb_localtime lt;
	char d[RB_CLOCK_FR_MAX];

	rb_clock_paris(utc, &lt);
	if (rb_clock_fr_date_short(&lt.lt_date, d, sizeof(d)) != 0)
		return format_done(-1, out, outlen);
	return format_done(snprintf(out, outlen, "%s à %d h %02d", d,
	    lt.lt_hour, lt.lt_min), out, outlen);
}
