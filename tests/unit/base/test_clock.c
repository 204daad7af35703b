/*
 * test_clock.c: unit tests of src/base/clock.c: calendar arithmetic, ISO
 * dates, Easter and French public holidays, the exact instants of the
 * Paris summer-time changes, French renderings, and customer-service
 * opening hours with their sentence, and the pinned date of "today".
 * Instants are built with timegm(), which depends on no time zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/mem.h"

#define DATE(y, m, d)	(&(struct rb_date){ (y), (m), (d) })

/* The UTC instant y-m-d h:mi:s UTC. */
static time_t
utc(int y, int m, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

/* Paris wall-clock time, given its offset in hours from UTC. */
static time_t
paris(int y, int m, int d, int h, int mi, int off)
{
	return utc(y, m, d, h, mi, 0) - off * 3600;
}

static void
assert_local(time_t t, int y, int mo, int d, int h, int mi, int s, int dst)
{
	struct rb_localtime lt;

	rb_clock_paris(t, &lt);
	if (lt.lt_date.d_year != y || lt.lt_date.d_month != mo ||
	    lt.lt_date.d_day != d || lt.lt_hour != h || lt.lt_min != mi ||
	    lt.lt_sec != s || lt.lt_dst != dst ||
	    lt.lt_utcoff != (dst ? 7200 : 3600))
		fail_msg("%lld: got %04d-%02d-%02d %02d:%02d:%02d dst=%d "
		    "off=%d", (long long)t, lt.lt_date.d_year,
		    lt.lt_date.d_month, lt.lt_date.d_day, lt.lt_hour,
		    lt.lt_min, lt.lt_sec, lt.lt_dst, lt.lt_utcoff);
}

static void
test_leap_years(void **state)
{
	(void)state;
	assert_true(rb_clock_is_leap_year(2000));
	assert_true(rb_clock_is_leap_year(2024));
	assert_true(rb_clock_is_leap_year(2400));
	assert_true(rb_clock_is_leap_year(1600));
	assert_false(rb_clock_is_leap_year(1900));
	assert_false(rb_clock_is_leap_year(2100));
	assert_false(rb_clock_is_leap_year(2023));
	assert_false(rb_clock_is_leap_year(2025));
	assert_int_equal(rb_clock_days_in_month(2024, 2), 29);
	assert_int_equal(rb_clock_days_in_month(2023, 2), 28);
	assert_int_equal(rb_clock_days_in_month(1900, 2), 28);
	assert_int_equal(rb_clock_days_in_month(2000, 2), 29);
	assert_int_equal(rb_clock_days_in_month(2024, 1), 31);
	assert_int_equal(rb_clock_days_in_month(2024, 4), 30);
	assert_int_equal(rb_clock_days_in_month(2024, 12), 31);
	assert_int_equal(rb_clock_days_in_month(2024, 0), 0);
	assert_int_equal(rb_clock_days_in_month(2024, 13), 0);
	assert_true(rb_clock_date_is_valid(DATE(2024, 2, 29)));
	assert_false(rb_clock_date_is_valid(DATE(2023, 2, 29)));
	assert_false(rb_clock_date_is_valid(DATE(2100, 2, 29)));
	assert_true(rb_clock_date_is_valid(DATE(2000, 2, 29)));
	assert_false(rb_clock_date_is_valid(DATE(2024, 4, 31)));
	assert_false(rb_clock_date_is_valid(DATE(2024, 0, 1)));
	assert_false(rb_clock_date_is_valid(DATE(2024, 1, 0)));
	assert_false(rb_clock_date_is_valid(DATE(0, 1, 1)));
	assert_false(rb_clock_date_is_valid(DATE(10000, 1, 1)));
	assert_true(rb_clock_date_is_valid(DATE(1, 1, 1)));
	assert_true(rb_clock_date_is_valid(DATE(9999, 12, 31)));
}

static void
test_parse_date(void **state)
{
	static const char *const bad[] = {
		"2023-02-29", "2023-02-30", "2024-02-30", "2024-04-31",
		"2100-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
		"2024-01-32", "0000-01-01", "2024-1-01", "2024-01-1",
		"24-01-01", "2024/01/01", "2024-01-01 ", " 2024-01-01",
		"2024-01-01T00:00", "+024-01-01", "-024-01-01", "2024-0a-01",
		"2024-02-2a", "20240101", "", "2024-01-+1", "2024--1-01",
		"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-01-01",
	};
	static const int years[] = { 1, 7, 10, 99, 100, 999, 1000, 2024,
	    9999 };
	struct rb_date d = { 42, 42, 42 };
	char out[11];
	size_t i;
	int m, day;

	(void)state;
	assert_int_equal(rb_clock_parse_date("2024-02-29", &d), 0);
	assert_int_equal(d.d_year, 2024);
	assert_int_equal(d.d_month, 2);
	assert_int_equal(d.d_day, 29);
	assert_int_equal(rb_clock_parse_date("2000-02-29", &d), 0);
	assert_int_equal(rb_clock_parse_date("0001-01-01", &d), 0);
	assert_int_equal(d.d_year, 1);
	assert_int_equal(rb_clock_parse_date("9999-12-31", &d), 0);
	assert_int_equal(rb_clock_parse_date("2024-12-03", &d), 0);
	assert_int_equal(d.d_month, 12);
	assert_int_equal(d.d_day, 3);
	for (i = 0; i < RB_NELEM(bad); i++) {
		d = (struct rb_date){ 42, 42, 42 };
		if (rb_clock_parse_date(bad[i], &d) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(d.d_year, 42);	/* untouched */
	}

	assert_int_equal(rb_clock_format_date(DATE(2024, 2, 29), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(rb_clock_format_date(DATE(7, 1, 9), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "0007-01-09");
	assert_int_equal(rb_clock_format_date(DATE(2023, 2, 29), out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_clock_format_date(DATE(2024, 2, 29), out, 10), -1);
	assert_string_equal(out, "");
	/* Written by hand: the same as snprintf's "%04d-%02d-%02d". */
	for (i = 0; i < RB_NELEM(years); i++)
		for (m = 1; m <= 12; m++)
			for (day = 1; day <= 28; day += 9) {
				char want[32];

				snprintf(want, sizeof(want), "%04d-%02d-%02d",
				    years[i], m, day);
				assert_int_equal(rb_clock_format_date(DATE(
				    years[i], m, day), out, sizeof(out)), 0);
				assert_string_equal(out, want);
			}
}

static void
test_days_from_civil(void **state)
{
	struct rb_date d;
	int64_t day;

	(void)state;
	assert_int_equal(rb_clock_days_from_civil(DATE(1970, 1, 1)), 0);
	assert_int_equal(rb_clock_days_from_civil(DATE(1970, 1, 2)), 1);
	assert_int_equal(rb_clock_days_from_civil(DATE(1969, 12, 31)), -1);
	assert_int_equal(rb_clock_days_from_civil(DATE(2000, 3, 1)), 11017);
	assert_int_equal(rb_clock_days_from_civil(DATE(2024, 12, 3)), 20060);
	assert_int_equal(rb_clock_days_from_civil(DATE(1, 1, 1)), -719162);
	assert_int_equal(rb_clock_days_from_civil(DATE(9999, 12, 31)),
	    2932896);
	assert_int_equal(rb_clock_days_from_civil(DATE(2024, 3, 1)) -
	    rb_clock_days_from_civil(DATE(2024, 2, 28)), 2);
	assert_int_equal(rb_clock_days_from_civil(DATE(2023, 3, 1)) -
	    rb_clock_days_from_civil(DATE(2023, 2, 28)), 1);
	assert_int_equal(rb_clock_days_from_civil(DATE(2025, 1, 1)) -
	    rb_clock_days_from_civil(DATE(2024, 1, 1)), 366);

	/* Every day of years 1 to 9999 converts both ways. */
	for (day = -719162; day <= 2932896; day++) {
		rb_clock_civil_from_days(day, &d);
		if (!rb_clock_date_is_valid(&d) ||
		    rb_clock_days_from_civil(&d) != day)
			fail_msg("day %lld", (long long)day);
	}
	rb_clock_civil_from_days(-719163, &d);
	assert_int_equal(d.d_year, 0);
	assert_int_equal(d.d_month, 12);
	assert_int_equal(d.d_day, 31);
	/* And agrees with the C library on a sample. */
	for (day = -719162; day <= 2932896; day += 997) {
		time_t t = (time_t)(day * 86400);
		struct tm tm;

		gmtime_r(&t, &tm);
		rb_clock_civil_from_days(day, &d);
		assert_int_equal(d.d_year, tm.tm_year + 1900);
		assert_int_equal(d.d_month, tm.tm_mon + 1);
		assert_int_equal(d.d_day, tm.tm_mday);
		assert_int_equal(rb_clock_weekday(&d),
		    tm.tm_wday == 0 ? 7 : tm.tm_wday);
	}
}

static void
test_weekday_and_add(void **state)
{
	struct rb_date d;

	(void)state;
	assert_int_equal(rb_clock_weekday(DATE(1970, 1, 1)), 4);
	assert_int_equal(rb_clock_weekday(DATE(2024, 12, 3)), 2);
	assert_int_equal(rb_clock_weekday(DATE(2000, 1, 1)), 6);
	assert_int_equal(rb_clock_weekday(DATE(2024, 3, 31)), 7);
	assert_int_equal(rb_clock_weekday(DATE(1900, 1, 1)), 1);
	assert_int_equal(rb_clock_weekday(DATE(1969, 12, 29)), 1);
	assert_int_equal(rb_clock_weekday(DATE(1, 1, 1)), 1);

	rb_clock_date_add(DATE(2024, 2, 28), 1, &d);
	assert_memory_equal(&d, DATE(2024, 2, 29), sizeof(d));
	rb_clock_date_add(DATE(2024, 2, 28), 2, &d);
	assert_memory_equal(&d, DATE(2024, 3, 1), sizeof(d));
	rb_clock_date_add(DATE(2023, 2, 28), 1, &d);
	assert_memory_equal(&d, DATE(2023, 3, 1), sizeof(d));
	rb_clock_date_add(DATE(2023, 12, 31), 1, &d);
	assert_memory_equal(&d, DATE(2024, 1, 1), sizeof(d));
	rb_clock_date_add(DATE(2024, 3, 1), -1, &d);
	assert_memory_equal(&d, DATE(2024, 2, 29), sizeof(d));
	rb_clock_date_add(DATE(2024, 1, 1), 366, &d);
	assert_memory_equal(&d, DATE(2025, 1, 1), sizeof(d));
	rb_clock_date_add(DATE(2024, 12, 3), 0, &d);
	assert_memory_equal(&d, DATE(2024, 12, 3), sizeof(d));
}

static void
test_easter(void **state)
{
	static const int want[][3] = {
		{ 2024, 3, 31 }, { 2025, 4, 20 }, { 2026, 4, 5 },
		{ 2027, 3, 28 }, { 2019, 4, 21 }, { 2008, 3, 23 },
		{ 2011, 4, 24 }, { 2038, 4, 25 }, { 2285, 3, 22 },
		{ 1818, 3, 22 }, { 1583, 4, 10 }, { 2000, 4, 23 },
	};
	struct rb_date e;
	size_t i;

	(void)state;
	for (i = 0; i < RB_NELEM(want); i++) {
		rb_clock_easter(want[i][0], &e);
		assert_int_equal(e.d_year, want[i][0]);
		assert_int_equal(e.d_month, want[i][1]);
		assert_int_equal(e.d_day, want[i][2]);
		assert_int_equal(rb_clock_weekday(&e), 7);
	}
	/* Always a Sunday between 22 March and 25 April. */
	for (i = 1583; i < 5000; i++) {
		rb_clock_easter((int)i, &e);
		assert_int_equal(rb_clock_weekday(&e), 7);
		assert_true((e.d_month == 3 && e.d_day >= 22) ||
		    (e.d_month == 4 && e.d_day <= 25));
	}
}

static void
test_holidays(void **state)
{
	static const int holidays[][3] = {
		/* Fixed ones. */
		{ 2024, 1, 1 }, { 2024, 5, 1 }, { 2024, 5, 8 },
		{ 2024, 7, 14 }, { 2024, 8, 15 }, { 2024, 11, 1 },
		{ 2024, 11, 11 }, { 2024, 12, 25 }, { 2027, 1, 1 },
		/* Easter Monday, Ascension, Whit Monday, 2024 to 2027. */
		{ 2024, 4, 1 }, { 2024, 5, 9 }, { 2024, 5, 20 },
		{ 2025, 4, 21 }, { 2025, 5, 29 }, { 2025, 6, 9 },
		{ 2026, 4, 6 }, { 2026, 5, 14 }, { 2026, 5, 25 },
		{ 2027, 3, 29 }, { 2027, 5, 6 }, { 2027, 5, 17 },
	};
	static const int workdays[][3] = {
		{ 2024, 1, 2 }, { 2023, 12, 31 }, { 2024, 3, 31 },
		{ 2024, 3, 29 }, { 2024, 4, 2 }, { 2024, 5, 2 },
		{ 2024, 5, 7 }, { 2024, 5, 19 }, { 2024, 5, 21 },
		{ 2024, 7, 13 }, { 2024, 8, 16 }, { 2024, 11, 2 },
		{ 2024, 12, 24 }, { 2024, 12, 26 }, { 2025, 4, 20 },
		{ 2025, 4, 18 }, { 2025, 5, 28 }, { 2025, 6, 8 },
		{ 2026, 4, 5 }, { 2026, 4, 7 }, { 2027, 3, 28 },
		{ 2027, 5, 16 }, { 2025, 4, 1 }, { 2025, 5, 20 },
	};
	size_t i;
	int year, n, want;
	struct rb_date d;

	(void)state;
	for (i = 0; i < RB_NELEM(holidays); i++)
		if (!rb_clock_is_holiday(DATE(holidays[i][0], holidays[i][1],
		    holidays[i][2])))
			fail_msg("%d-%02d-%02d not a holiday", holidays[i][0],
			    holidays[i][1], holidays[i][2]);
	for (i = 0; i < RB_NELEM(workdays); i++)
		if (rb_clock_is_holiday(DATE(workdays[i][0], workdays[i][1],
		    workdays[i][2])))
			fail_msg("%d-%02d-%02d is a holiday", workdays[i][0],
			    workdays[i][1], workdays[i][2]);
	/*
	 * Eleven a year, ten when Ascension falls on 1 or 8 May (2008, 2059,
	 * 2070, 2081 and 2092 in this range; Whit Monday is never before
	 * 11 May).
	 */
	for (year = 2000; year < 2100; year++) {
		struct rb_date asc;

		n = 0;
		for (d = (struct rb_date){ year, 1, 1 }; d.d_year == year;
		    rb_clock_date_add(&d, 1, &d))
			n += rb_clock_is_holiday(&d);
		rb_clock_easter(year, &asc);
		rb_clock_date_add(&asc, 39, &asc);
		want = asc.d_month == 5 && (asc.d_day == 1 || asc.d_day == 8) ?
		    10 : 11;
		if (n != want)
			fail_msg("%d has %d holidays", year, n);
		if ((year == 2008 || year == 2059 || year == 2070 ||
		    year == 2081 || year == 2092) != (want == 10))
			fail_msg("%d: Ascension on %d May", year, asc.d_day);
	}
}

static void
test_dst_instants(void **state)
{
	/* The change instants, 01:00 UTC on the last Sundays. */
	static const int changes[][3] = {
		{ 2024, 3, 31 }, { 2024, 10, 27 }, { 2025, 3, 30 },
		{ 2025, 10, 26 }, { 2026, 3, 29 }, { 2026, 10, 25 },
		{ 2027, 3, 28 }, { 2027, 10, 31 },
	};
	size_t i;
	time_t t;
	int spring;

	(void)state;
	assert_int_equal(utc(2024, 3, 31, 1, 0, 0), 1711846800);
	assert_int_equal(utc(2027, 10, 31, 1, 0, 0), 1824944400);
	for (i = 0; i < RB_NELEM(changes); i++) {
		t = utc(changes[i][0], changes[i][1], changes[i][2], 1, 0, 0);
		spring = changes[i][1] == 3;
		assert_int_equal(rb_clock_paris_is_dst(t - 1), !spring);
		assert_int_equal(rb_clock_paris_is_dst(t), spring);
		assert_int_equal(rb_clock_paris_is_dst(t + 1), spring);
	}

	/* Spring 2024: 01:59:59 CET is followed by 03:00:00 CEST. */
	t = 1711846800;
	assert_local(t - 1, 2024, 3, 31, 1, 59, 59, 0);
	assert_local(t, 2024, 3, 31, 3, 0, 0, 1);
	/* Autumn 2024: 02:59:59 CEST is followed by 02:00:00 CET. */
	t = 1729990800;
	assert_local(t - 1, 2024, 10, 27, 2, 59, 59, 1);
	assert_local(t, 2024, 10, 27, 2, 0, 0, 0);
	assert_local(t + 3599, 2024, 10, 27, 2, 59, 59, 0);
	assert_local(t + 3600, 2024, 10, 27, 3, 0, 0, 0);
	/* 2027: October's last Sunday is the 31st. */
	assert_local(utc(2027, 10, 31, 0, 59, 59), 2027, 10, 31, 2, 59, 59, 1);
	assert_local(utc(2027, 10, 31, 1, 0, 0), 2027, 10, 31, 2, 0, 0, 0);
	/* Not on the Sunday before: 2027-10-24 is still summer time. */
	assert_local(utc(2027, 10, 24, 12, 0, 0), 2027, 10, 24, 14, 0, 0, 1);
	/* Whole seasons. */
	assert_local(utc(2024, 7, 14, 10, 0, 0), 2024, 7, 14, 12, 0, 0, 1);
	assert_local(utc(2024, 12, 3, 10, 0, 0), 2024, 12, 3, 11, 0, 0, 0);
	/* Crossing midnight and the new year; before 1970. */
	assert_local(utc(2024, 12, 31, 23, 30, 0), 2025, 1, 1, 0, 30, 0, 0);
	assert_local(utc(2024, 6, 30, 22, 0, 0), 2024, 7, 1, 0, 0, 0, 1);
	assert_local(-3600, 1970, 1, 1, 0, 0, 0, 0);
	assert_local(-3601, 1969, 12, 31, 23, 59, 59, 0);
	assert_local(0, 1970, 1, 1, 1, 0, 0, 0);
}

static void
test_paris_weekday(void **state)
{
	struct rb_localtime lt;

	(void)state;
	/* 23:30 UTC on Monday is already Tuesday in Paris. */
	rb_clock_paris(utc(2024, 12, 2, 23, 30, 0), &lt);
	assert_int_equal(lt.lt_wday, 2);
	assert_int_equal(lt.lt_date.d_day, 3);
	rb_clock_paris(utc(2024, 12, 8, 12, 0, 0), &lt);
	assert_int_equal(lt.lt_wday, 7);
}

static void
test_mktime(void **state)
{
	(void)state;
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 12, 3), 8, 30, 0),
	    utc(2024, 12, 3, 7, 30, 0));
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 6, 4), 8, 30, 0),
	    utc(2024, 6, 4, 6, 30, 0));
	/* Around the spring gap. */
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 3, 31), 1, 59, 59),
	    utc(2024, 3, 31, 0, 59, 59));
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 3, 31), 3, 0, 0),
	    utc(2024, 3, 31, 1, 0, 0));
	/* 02:30 does not exist: read as CET, i.e. 03:30 CEST. */
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 3, 31), 2, 30, 0),
	    utc(2024, 3, 31, 1, 30, 0));
	/* 02:30 on 27 October happens twice: the first, CEST, one. */
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 10, 27), 2, 30, 0),
	    utc(2024, 10, 27, 0, 30, 0));
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 10, 27), 1, 59, 59),
	    utc(2024, 10, 26, 23, 59, 59));
	assert_int_equal(rb_clock_paris_mktime(DATE(2024, 10, 27), 3, 0, 0),
	    utc(2024, 10, 27, 2, 0, 0));
}

static void
test_paris_roundtrip(void **state)
{
	struct rb_localtime lt;
	time_t t, back;

	(void)state;
	/* Every 7 minutes 13 seconds over 2024-2027. */
	for (t = utc(2024, 1, 1, 0, 0, 0); t < utc(2028, 1, 1, 0, 0, 0);
	    t += 433) {
		rb_clock_paris(t, &lt);
		back = rb_clock_paris_mktime(&lt.lt_date, lt.lt_hour,
		    lt.lt_min, lt.lt_sec);
		/* Only the second pass of the repeated October hour differs. */
		if (back != t && !(back == t - 3600 && !lt.lt_dst &&
		    lt.lt_hour == 2 && lt.lt_date.d_month == 10))
			fail_msg("%lld came back as %lld", (long long)t,
			    (long long)back);
		assert_int_equal(lt.lt_wday, rb_clock_weekday(&lt.lt_date));
	}
}

static void
test_tz_independent(void **state)
{
	static const char *const zones[] = {
		"UTC", "America/New_York", "Asia/Tokyo", "Europe/Paris",
		"XXX-5:30",
	};
	struct rb_localtime ref, lt;
	char ref_s[RB_CLOCK_SENTENCE_MAX], s[RB_CLOCK_SENTENCE_MAX];
	const struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	time_t t = utc(2024, 10, 27, 0, 30, 0);
	size_t i;

	(void)state;
	rb_clock_paris(t, &ref);
	rb_clock_service_sentence(t, &oh, ref_s, sizeof(ref_s));
	for (i = 0; i < RB_NELEM(zones); i++) {
		setenv("TZ", zones[i], 1);
		tzset();
		rb_clock_paris(t, &lt);
		assert_memory_equal(&lt, &ref, sizeof(lt));
		rb_clock_service_sentence(t, &oh, s, sizeof(s));
		assert_string_equal(s, ref_s);
		assert_int_equal(rb_clock_paris_mktime(DATE(2024, 12, 3), 8,
		    30, 0), utc(2024, 12, 3, 7, 30, 0));
	}
	unsetenv("TZ");
	tzset();
}

static void
test_fr_dates(void **state)
{
	static const char *const shorts[] = {
		"15 janv. 2024", "15 févr. 2024", "15 mars 2024",
		"15 avr. 2024", "15 mai 2024", "15 juin 2024",
		"15 juil. 2024", "15 août 2024", "15 sept. 2024",
		"15 oct. 2024", "15 nov. 2024", "15 déc. 2024",
	};
	static const char *const longs[] = {
		"lundi 15 janvier 2024", "jeudi 15 février 2024",
		"vendredi 15 mars 2024", "lundi 15 avril 2024",
		"mercredi 15 mai 2024", "samedi 15 juin 2024",
		"lundi 15 juillet 2024", "jeudi 15 août 2024",
		"dimanche 15 septembre 2024", "mardi 15 octobre 2024",
		"vendredi 15 novembre 2024", "dimanche 15 décembre 2024",
	};
	char out[RB_CLOCK_FR_MAX];
	int m;

	(void)state;
	assert_int_equal(rb_clock_fr_date_long(DATE(2024, 12, 3), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "mardi 3 décembre 2024");
	assert_int_equal(rb_clock_fr_date_short(DATE(2024, 12, 3), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "3 déc. 2024");
	assert_int_equal(rb_clock_fr_date_long(DATE(2024, 12, 1), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "dimanche 1er décembre 2024");
	assert_int_equal(rb_clock_fr_date_short(DATE(2024, 5, 1), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "1er mai 2024");
	assert_int_equal(rb_clock_fr_date_long(DATE(2024, 9, 25), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "mercredi 25 septembre 2024");
	assert_int_equal(rb_clock_fr_date(DATE(2024, 12, 3), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "3 décembre 2024");
	assert_int_equal(rb_clock_fr_iso("2025-06-01", out, sizeof(out)), 0);
	assert_string_equal(out, "1er juin 2025");
	assert_int_equal(rb_clock_fr_iso("2023-02-30", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_clock_fr_iso(NULL, out, sizeof(out)), -1);
	assert_int_equal(rb_clock_fr_iso("2025-6-1", out, sizeof(out)), -1);
	/* 2024-12-31 23:30 UTC is already 2025 in Paris. */
	rb_clock_paris_iso(1735687800, out, sizeof(out));
	assert_string_equal(out, "2025-01-01");
	rb_clock_paris_iso(1735687800, out, 10);
	assert_string_equal(out, "");
	for (m = 1; m <= 12; m++) {
		assert_int_equal(rb_clock_fr_date_short(DATE(2024, m, 15), out,
		    sizeof(out)), 0);
		assert_string_equal(out, shorts[m - 1]);
		assert_int_equal(rb_clock_fr_date_long(DATE(2024, m, 15), out,
		    sizeof(out)), 0);
		assert_string_equal(out, longs[m - 1]);
	}
	/* Written by hand: the same as snprintf's "%d%s %s %d". */
	for (m = 1; m <= 12; m++) {
		static const int ys[] = { 1, 42, 999, 2024, 9999 };
		static const int ds[] = { 1, 2, 9, 10, 28 };
		char want[RB_CLOCK_FR_MAX];
		size_t y, k;

		for (y = 0; y < RB_NELEM(ys); y++)
			for (k = 0; k < RB_NELEM(ds); k++) {
				snprintf(want, sizeof(want), "%d%s %.*s %d",
				    ds[k], ds[k] == 1 ? "er" : "",
				    (int)(strchr(shorts[m - 1], ' ') == NULL ?
				    0 : strcspn(strchr(shorts[m - 1], ' ') + 1,
				    " ")), strchr(shorts[m - 1], ' ') + 1,
				    ys[y]);
				assert_int_equal(rb_clock_fr_date_short(DATE(
				    ys[y], m, ds[k]), out, sizeof(out)), 0);
				assert_string_equal(out, want);
			}
	}
	/* Invalid dates and short buffers. */
	assert_int_equal(rb_clock_fr_date_long(DATE(2023, 2, 29), out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_clock_fr_date_short(DATE(2024, 13, 1), out,
	    sizeof(out)), -1);
	/* "3 déc. 2024" is 12 bytes: 13 with its NUL. */
	assert_int_equal(rb_clock_fr_date_short(DATE(2024, 12, 3), out, 13),
	    0);
	assert_int_equal(rb_clock_fr_date_short(DATE(2024, 12, 3), out, 12),
	    -1);
	assert_string_equal(out, "");

	assert_string_equal(rb_clock_fr_weekday(1), "lundi");
	assert_string_equal(rb_clock_fr_weekday(7), "dimanche");
	assert_string_equal(rb_clock_fr_weekday(0), "");
	assert_string_equal(rb_clock_fr_weekday(8), "");
}

/*
 * rb_clock_fr_date() and rb_clock_fr_iso() against an oracle, the way
 * clock.c wrote them before it stopped using snprintf ("%d%s %s %d"):
 * every day of years with 1 to 4 digits, and buffers one byte short.
 */
static void
test_fr_date_oracle(void **state)
{
	static const char *const months[13] = { "", "janvier", "février",
	    "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
	    "octobre", "novembre", "décembre" };
	static const int years[] = { 1, 9, 10, 99, 100, 999, 1000, 1970,
	    2000, 2024, 2026, 9999 };
	char got[RB_CLOCK_FR_MAX], want[RB_CLOCK_FR_MAX], iso[16];
	struct rb_date d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
		d.d_year = years[i];
		for (d.d_month = 1; d.d_month <= 12; d.d_month++)
			for (d.d_day = 1; d.d_day <= rb_clock_days_in_month(
			    d.d_year, d.d_month); d.d_day++) {
				snprintf(want, sizeof(want), "%d%s %s %d",
				    d.d_day, d.d_day == 1 ? "er" : "",
				    months[d.d_month], d.d_year);
				assert_int_equal(rb_clock_fr_date(&d, got,
				    sizeof(got)), 0);
				assert_string_equal(got, want);
				snprintf(iso, sizeof(iso), "%04d-%02d-%02d",
				    d.d_year, d.d_month, d.d_day);
				assert_int_equal(rb_clock_fr_iso(iso, got,
				    sizeof(got)), 0);
				assert_string_equal(got, want);
				assert_int_equal(rb_clock_fr_date(&d, got,
				    strlen(want)), -1);
				assert_string_equal(got, "");
				assert_int_equal(rb_clock_fr_date(&d, got,
				    strlen(want) + 1), 0);
				assert_string_equal(got, want);
			}
	}
	d.d_year = 2024;
	d.d_month = 2;
	d.d_day = 30;
	memset(got, 'x', sizeof(got));
	assert_int_equal(rb_clock_fr_date(&d, got, sizeof(got)), -1);
	assert_string_equal(got, "");
}

static void
test_fr_time(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(rb_clock_fr_time(510, out, sizeof(out)), 0);
	assert_string_equal(out, "8 h 30");
	assert_int_equal(rb_clock_fr_time(1110, out, sizeof(out)), 0);
	assert_string_equal(out, "18 h 30");
	assert_int_equal(rb_clock_fr_time(540, out, sizeof(out)), 0);
	assert_string_equal(out, "9 h");
	assert_int_equal(rb_clock_fr_time(725, out, sizeof(out)), 0);
	assert_string_equal(out, "12 h 05");
	assert_int_equal(rb_clock_fr_time(0, out, sizeof(out)), 0);
	assert_string_equal(out, "minuit");
	assert_int_equal(rb_clock_fr_time(1440, out, sizeof(out)), 0);
	assert_string_equal(out, "minuit");
	assert_int_equal(rb_clock_fr_time(1, out, sizeof(out)), 0);
	assert_string_equal(out, "0 h 01");
	assert_int_equal(rb_clock_fr_time(-1, out, sizeof(out)), -1);
	assert_int_equal(rb_clock_fr_time(1441, out, sizeof(out)), -1);
	assert_int_equal(rb_clock_fr_time(510, out, 6), -1);
	assert_string_equal(out, "");
}

/* Instants in Paris time: winter (UTC+1), summer (UTC+2), midnight. */
static void
test_fr_instant(void **state)
{
	char out[64];

	(void)state;
	/* 2026-11-29 12:00 UTC is 13:00 in Paris. */
	assert_int_equal(rb_clock_fr_instant(1795953600, out, sizeof(out)), 0);
	assert_string_equal(out, "29 nov. 2026 à 13 h 00");
	/* 2026-07-01 22:05 UTC is 00:05 on 2 July in Paris. */
	assert_int_equal(rb_clock_fr_instant(1782943500, out, sizeof(out)), 0);
	assert_string_equal(out, "2 juil. 2026 à 0 h 05");
	assert_int_equal(rb_clock_fr_instant(1795953600, out, 10), -1);
	assert_string_equal(out, "");
}

static void
test_parse_hours(void **state)
{
	static const char *const bad[] = {
		"8:30-18:30", "08:30-8:30", "08:30-08:30", "18:30-08:30",
		"08:60-18:00", "08:30-18:60", "24:00-24:00", "08:30-24:01",
		"25:00-26:00", ("08:30\xe2\x80\x93" "18:30"), "08:30-18:30x",
		"08:30 - 18:30", "08h30-18h30", "", "08:30", "-08:30-18:30",
		"08:3a-18:30", "0830-1830",
	};
	struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	size_t i;

	(void)state;
	assert_int_equal(oh.oh_open, 510);
	assert_int_equal(oh.oh_close, 1110);
	assert_int_equal(oh.oh_days, 0x1f);
	assert_int_equal(oh.oh_closed_on_holidays, 1);
	assert_int_equal(rb_clock_parse_hours("09:00-17:15", &oh), 0);
	assert_int_equal(oh.oh_open, 540);
	assert_int_equal(oh.oh_close, 1035);
	assert_int_equal(oh.oh_days, 0x1f);	/* untouched */
	assert_int_equal(oh.oh_closed_on_holidays, 1);
	assert_int_equal(rb_clock_parse_hours("00:00-24:00", &oh), 0);
	assert_int_equal(oh.oh_open, 0);
	assert_int_equal(oh.oh_close, 1440);
	assert_int_equal(rb_clock_parse_hours("08:30-18:30", &oh), 0);
	assert_int_equal(oh.oh_open, 510);
	assert_int_equal(oh.oh_close, 1110);
	for (i = 0; i < RB_NELEM(bad); i++) {
		if (rb_clock_parse_hours(bad[i], &oh) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(oh.oh_open, 510);
		assert_int_equal(oh.oh_close, 1110);
	}
}

static void
test_service_open(void **state)
{
	const struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	struct rb_opening_hours weekend = RB_OPENING_HOURS_DEFAULT;
	struct rb_opening_hours nodays = RB_OPENING_HOURS_DEFAULT;

	(void)state;
	/* Tuesday 3 December 2024, CET. */
	assert_false(rb_clock_service_open(paris(2024, 12, 3, 8, 29, 1), &oh));
	assert_false(rb_clock_service_open(paris(2024, 12, 3, 8, 29, 1) + 59,
	    &oh));
	assert_true(rb_clock_service_open(paris(2024, 12, 3, 8, 30, 1), &oh));
	assert_true(rb_clock_service_open(paris(2024, 12, 3, 12, 0, 1), &oh));
	assert_true(rb_clock_service_open(paris(2024, 12, 3, 18, 29, 1), &oh));
	assert_true(rb_clock_service_open(paris(2024, 12, 3, 18, 29, 1) + 59,
	    &oh));
	assert_false(rb_clock_service_open(paris(2024, 12, 3, 18, 30, 1),
	    &oh));
	assert_false(rb_clock_service_open(paris(2024, 12, 3, 23, 0, 1), &oh));
	/* Tuesday 4 June 2024, CEST: the same wall-clock hours. */
	assert_false(rb_clock_service_open(paris(2024, 6, 4, 8, 29, 2), &oh));
	assert_true(rb_clock_service_open(paris(2024, 6, 4, 8, 30, 2), &oh));
	assert_true(rb_clock_service_open(paris(2024, 6, 4, 18, 29, 2), &oh));
	assert_false(rb_clock_service_open(paris(2024, 6, 4, 18, 30, 2), &oh));
	/* 08:30 UTC is 09:30 in Paris in winter: open. 17:45 UTC: closed. */
	assert_true(rb_clock_service_open(utc(2024, 12, 3, 7, 30, 0), &oh));
	assert_false(rb_clock_service_open(utc(2024, 12, 3, 17, 45, 0), &oh));
	assert_false(rb_clock_service_open(utc(2024, 6, 4, 16, 45, 0), &oh));
	/* Friday open, weekend closed. */
	assert_true(rb_clock_service_open(paris(2024, 12, 6, 10, 0, 1), &oh));
	assert_false(rb_clock_service_open(paris(2024, 12, 7, 10, 0, 1), &oh));
	assert_false(rb_clock_service_open(paris(2024, 12, 8, 10, 0, 1), &oh));
	/* Holidays on weekdays. */
	assert_false(rb_clock_service_open(paris(2024, 5, 1, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2024, 5, 8, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2024, 5, 9, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2024, 5, 20, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2024, 4, 1, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2025, 4, 21, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2025, 7, 14, 10, 0, 2), &oh));
	assert_false(rb_clock_service_open(paris(2024, 12, 25, 10, 0, 1),
	    &oh));
	assert_false(rb_clock_service_open(paris(2025, 1, 1, 10, 0, 1), &oh));
	/* Good Friday and Christmas Eve are working days. */
	assert_true(rb_clock_service_open(paris(2025, 4, 18, 10, 0, 2), &oh));
	assert_true(rb_clock_service_open(paris(2024, 12, 24, 10, 0, 1), &oh));

	/* Configuration: open on holidays and on Saturdays. */
	weekend.oh_closed_on_holidays = 0;
	weekend.oh_days = 0x3f;
	assert_true(rb_clock_service_open(paris(2024, 5, 1, 10, 0, 2),
	    &weekend));
	assert_true(rb_clock_service_open(paris(2024, 12, 7, 10, 0, 1),
	    &weekend));
	assert_false(rb_clock_service_open(paris(2024, 12, 8, 10, 0, 1),
	    &weekend));
	/* Hours that cannot open. */
	nodays.oh_days = 0;
	assert_false(rb_clock_service_open(paris(2024, 12, 3, 10, 0, 1),
	    &nodays));
	nodays.oh_days = 0x1f;
	nodays.oh_open = 1200;
	nodays.oh_close = 600;
	assert_false(rb_clock_service_open(paris(2024, 12, 3, 10, 0, 1),
	    &nodays));
}

static void
test_next_open(void **state)
{
	const struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	struct rb_opening_hours none = RB_OPENING_HOURS_DEFAULT;

	(void)state;
	/* Tuesday early: today. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 12, 3, 7, 0, 1), &oh), paris(2024, 12, 3, 8, 30, 1));
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 12, 3, 8, 30, 1) - 1, &oh),
	    paris(2024, 12, 3, 8, 30, 1));
	/* Open now: the next period. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 12, 3, 8, 30, 1), &oh), paris(2024, 12, 4, 8, 30, 1));
	/* Friday evening: Monday. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 12, 6, 19, 0, 1), &oh), paris(2024, 12, 9, 8, 30, 1));
	/* Christmas Eve evening: 26 December. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 12, 24, 19, 0, 1), &oh),
	    paris(2024, 12, 26, 8, 30, 1));
	/* Good Friday 2025 evening: Tuesday after Easter Monday. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2025, 4, 18, 19, 0, 2), &oh), paris(2025, 4, 22, 8, 30, 2));
	/* Across the spring change and Easter Monday 2024. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 3, 29, 19, 0, 1), &oh), paris(2024, 4, 2, 8, 30, 2));
	/* Across the autumn change. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 10, 25, 19, 0, 2), &oh),
	    paris(2024, 10, 28, 8, 30, 1));
	/* Ascension bridge: Wednesday 8 May 2024 is a holiday too. */
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 5, 7, 19, 0, 2), &oh), paris(2024, 5, 10, 8, 30, 2));
	none.oh_days = 0;
	assert_int_equal(rb_clock_service_next_open(
	    paris(2024, 5, 7, 19, 0, 2), &none), (time_t)-1);
}

static void
test_sentence(void **state)
{
	const struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	struct rb_opening_hours mondays = RB_OPENING_HOURS_DEFAULT;
	struct rb_opening_hours nine = RB_OPENING_HOURS_DEFAULT;
	char s[RB_CLOCK_SENTENCE_MAX];

	(void)state;
	assert_int_equal(rb_clock_service_sentence(
	    paris(2024, 12, 3, 10, 0, 1), &oh, s, sizeof(s)), 0);
	assert_string_equal(s, "Le service client est ouvert jusqu'à 18 h 30.");
	rb_clock_service_sentence(paris(2024, 12, 3, 7, 0, 1), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre aujourd'hui à 8 h 30.");
	rb_clock_service_sentence(paris(2024, 12, 3, 18, 30, 1), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre demain à 8 h 30.");
	/* Just after midnight on Tuesday, it opens "aujourd'hui". */
	rb_clock_service_sentence(paris(2024, 12, 3, 0, 5, 1), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre aujourd'hui à 8 h 30.");
	rb_clock_service_sentence(paris(2024, 12, 6, 19, 0, 1), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre lundi à 8 h 30.");
	rb_clock_service_sentence(paris(2024, 12, 8, 12, 0, 1), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre demain à 8 h 30.");
	rb_clock_service_sentence(paris(2025, 4, 18, 19, 0, 2), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre mardi à 8 h 30.");

	/* Hours from configuration. */
	assert_int_equal(rb_clock_parse_hours("09:00-17:00", &nine), 0);
	rb_clock_service_sentence(paris(2024, 12, 3, 10, 0, 1), &nine, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est ouvert jusqu'à 17 h.");
	rb_clock_service_sentence(paris(2024, 12, 3, 8, 45, 1), &nine, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre aujourd'hui à 9 h.");

	/* A week or more ahead: the date is given. */
	mondays.oh_days = 0x01;
	rb_clock_service_sentence(paris(2024, 12, 3, 10, 0, 1), &mondays, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre lundi à 8 h 30.");
	rb_clock_service_sentence(paris(2024, 12, 2, 19, 0, 1), &mondays, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre le lundi 9 décembre à 8 h 30.");
	/* Easter Monday 2025 is skipped: a fortnight ahead. */
	rb_clock_service_sentence(paris(2025, 4, 14, 19, 0, 2), &mondays, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre le lundi 28 avril à 8 h 30.");
	rb_clock_service_sentence(paris(2024, 12, 25, 12, 0, 1), &mondays, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. "
	    "Il ouvre lundi à 8 h 30.");

	/* Never open. */
	mondays.oh_days = 0;
	rb_clock_service_sentence(paris(2024, 12, 3, 10, 0, 1), &mondays, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé.");

	/* Too small a buffer. */
	assert_int_equal(rb_clock_service_sentence(
	    paris(2024, 12, 3, 10, 0, 1), &oh, s, 20), -1);
	assert_string_equal(s, "");
}

/* rb_clock_today(): Paris date of now, or the pinned date. */
static void
test_today_pinned(void **state)
{
	/* 2024-12-31 23:30 UTC, already 2025-01-01 in Paris. */
	const time_t eve = 1735687800;
	struct rb_date d;
	char out[16];

	(void)state;
	assert_int_equal(rb_clock_today_is_pinned(), 0);
	rb_clock_today(eve, &d);
	assert_int_equal(d.d_year, 2025);
	assert_int_equal(d.d_month, 1);
	assert_int_equal(d.d_day, 1);
	rb_clock_today_iso(eve, out, sizeof(out));
	assert_string_equal(out, "2025-01-01");

	assert_int_equal(rb_clock_pin_today("2028-02-29"), 0);
	assert_int_equal(rb_clock_today_is_pinned(), 1);
	rb_clock_today(eve, &d);
	assert_int_equal(d.d_year, 2028);
	assert_int_equal(d.d_month, 2);
	assert_int_equal(d.d_day, 29);
	rb_clock_today_iso(0, out, sizeof(out));
	assert_string_equal(out, "2028-02-29");
	rb_clock_today_iso((time_t)4102444800, out, sizeof(out));
	assert_string_equal(out, "2028-02-29");
	rb_clock_today_iso(eve, out, 10);
	assert_string_equal(out, "");
	/* Anything but a real date is refused and the pin stays. */
	assert_int_equal(rb_clock_pin_today("2027-02-29"), -1);
	assert_int_equal(rb_clock_pin_today("2026-11-29 "), -1);
	assert_int_equal(rb_clock_pin_today("29/11/2026"), -1);
	assert_int_equal(rb_clock_pin_today("now"), -1);
	rb_clock_today_iso(eve, out, sizeof(out));
	assert_string_equal(out, "2028-02-29");
	/* The other conversions never see the pin. */
	rb_clock_paris_iso(eve, out, sizeof(out));
	assert_string_equal(out, "2025-01-01");

	assert_int_equal(rb_clock_pin_today(""), 0);
	assert_int_equal(rb_clock_today_is_pinned(), 0);
	rb_clock_today_iso(eve, out, sizeof(out));
	assert_string_equal(out, "2025-01-01");
	assert_int_equal(rb_clock_pin_today("2026-11-29"), 0);
	assert_int_equal(rb_clock_pin_today(NULL), 0);
	rb_clock_today_iso(eve - 3600, out, sizeof(out));
	assert_string_equal(out, "2024-12-31");
}

/* The phone line of /contact (issue 10) over 2026-2028: every public
 * holiday that falls on a weekday closes it all day, the sentence names
 * the next working day, and the opening follows Paris time across each
 * change of clocks. */
static time_t
at_paris(int y, int m, int d, int h, int mi)
{
	struct rb_date dt = { y, m, d };

	return rb_clock_paris_mktime(&dt, h, mi, 0);
}

static void
test_service_phone_line_2026_2028(void **state)
{
	static const struct { int y, m, d; } holidays[] = {
		{ 2026, 1, 1 }, { 2026, 4, 6 }, { 2026, 5, 1 }, { 2026, 5, 8 },
		{ 2026, 5, 14 }, { 2026, 5, 25 }, { 2026, 7, 14 },
		{ 2026, 11, 11 }, { 2026, 12, 25 },
		{ 2027, 1, 1 }, { 2027, 3, 29 }, { 2027, 5, 6 }, { 2027, 5, 17 },
		{ 2027, 7, 14 }, { 2027, 11, 1 }, { 2027, 11, 11 },
		{ 2028, 4, 17 }, { 2028, 5, 1 }, { 2028, 5, 8 },
		{ 2028, 5, 25 }, { 2028, 6, 5 }, { 2028, 7, 14 },
		{ 2028, 8, 15 }, { 2028, 11, 1 }, { 2028, 12, 25 },
	};
	/* Sundays the clocks change, then the Monday opening instants. */
	static const struct { int y, m, d, utc_h; } changes[] = {
		{ 2026, 3, 30, 6 }, { 2026, 10, 26, 7 }, { 2027, 3, 30, 6 },
		{ 2027, 11, 2, 7 }, { 2028, 3, 27, 6 }, { 2028, 10, 30, 7 },
	};
	const struct rb_opening_hours oh = RB_OPENING_HOURS_DEFAULT;
	char s[RB_CLOCK_SENTENCE_MAX];
	struct rb_date dt;
	size_t i;
	int h;

	(void)state;
	for (i = 0; i < sizeof(holidays) / sizeof(holidays[0]); i++) {
		dt = (struct rb_date){ holidays[i].y, holidays[i].m,
		    holidays[i].d };
		assert_true(rb_clock_is_holiday(&dt));
		assert_true(rb_clock_weekday(&dt) <= 5);
		for (h = 0; h < 24; h++)
			assert_false(rb_clock_service_open(at_paris(dt.d_year,
			    dt.d_month, dt.d_day, h, 45), &oh));
	}
	/* Ascension 2026 (Thursday): open again on Friday. */
	rb_clock_service_sentence(at_paris(2026, 5, 14, 10, 0), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. Il ouvre demain "
	    "à 8 h 30.");
	/* Christmas 2026 (Friday): Monday. */
	rb_clock_service_sentence(at_paris(2026, 12, 25, 10, 0), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. Il ouvre lundi "
	    "à 8 h 30.");
	/* Friday evening before Easter Monday 2027: Tuesday. */
	rb_clock_service_sentence(at_paris(2027, 3, 26, 18, 30), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. Il ouvre mardi "
	    "à 8 h 30.");
	/* Friday evening before Whit Monday 2028: Tuesday. */
	rb_clock_service_sentence(at_paris(2028, 6, 2, 19, 0), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est fermé. Il ouvre mardi "
	    "à 8 h 30.");
	/* An ordinary Wednesday. */
	rb_clock_service_sentence(at_paris(2027, 6, 9, 18, 29), &oh, s,
	    sizeof(s));
	assert_string_equal(s, "Le service client est ouvert jusqu'à "
	    "18 h 30.");
	assert_false(rb_clock_service_open(at_paris(2027, 6, 12, 10, 0), &oh));
	assert_false(rb_clock_service_open(at_paris(2027, 6, 13, 10, 0), &oh));
	/* Across each change of clocks, the next working day (Monday, or
	   Tuesday after Easter Monday 2027, the very day after the March
	   change, and after All Saints' Day 2027) opens at 8:30 Paris time:
	   06:30 UTC in summer time, 07:30 UTC in winter time. */
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		time_t open = utc(changes[i].y, changes[i].m, changes[i].d,
		    changes[i].utc_h, 30, 0);

		dt = (struct rb_date){ changes[i].y, changes[i].m,
		    changes[i].d };
		assert_false(rb_clock_is_holiday(&dt));
		assert_false(rb_clock_service_open(open - 1, &oh));
		assert_true(rb_clock_service_open(open, &oh));
		assert_int_equal(rb_clock_service_next_open(open - 3600 * 20,
		    &oh), open);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_weekday_and_add),
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_dst_instants),
		cmocka_unit_test(test_paris_weekday),
		cmocka_unit_test(test_mktime),
		cmocka_unit_test(test_paris_roundtrip),
		cmocka_unit_test(test_tz_independent),
		cmocka_unit_test(test_fr_dates),
		cmocka_unit_test(test_fr_date_oracle),
		cmocka_unit_test(test_fr_time),
		cmocka_unit_test(test_fr_instant),
		cmocka_unit_test(test_parse_hours),
		cmocka_unit_test(test_service_open),
		cmocka_unit_test(test_service_phone_line_2026_2028),
		cmocka_unit_test(test_next_open),
		cmocka_unit_test(test_sentence),
		cmocka_unit_test(test_today_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
