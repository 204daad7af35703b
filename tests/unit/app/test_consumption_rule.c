/*
 * test_consumption_rule.c: the abnormal consumption rule of
 * app/consumption.h on crafted periods (exactly twice the average is
 * not abnormal, one litre more is; fewer than three previous years;
 * periods of different lengths compared per day), and how "the same
 * period a year earlier" is found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/consumption.h"

static struct rb_cons_period
period(const char *start, const char *end, int64_t days, int64_t litres)
{
	struct rb_cons_period p;

	memset(&p, 0, sizeof(p));
	snprintf(p.cp_start, sizeof(p.cp_start), "%s", start);
	snprintf(p.cp_end, sizeof(p.cp_end), "%s", end);
	p.cp_days = days;
	p.cp_litres = litres;
	return p;
}

static void
twice_is_not_abnormal_one_litre_more_is(void **state)
{
	struct rb_cons_period prev[3], p;
	int64_t avg;

	(void)state;
	prev[0] = period("2025-01-01", "2025-06-30", 181, 40000);
	prev[1] = period("2024-01-01", "2024-06-30", 181, 50000);
	prev[2] = period("2023-01-01", "2023-06-30", 181, 60000);
	/* Average 50000 L: 100000 is exactly twice. */
	p = period("2026-01-01", "2026-06-30", 181, 100000);
	assert_int_equal(rb_cons_rule(&p, prev, 3, &avg), 0);
	assert_int_equal(avg, 50000);
	p.cp_litres = 100001;
	assert_int_equal(rb_cons_rule(&p, prev, 3, &avg), 1);
	assert_int_equal(avg, 50000);
	/* An average that is not a whole litre: 2 x 100000/3 = 66666.67. */
	prev[0].cp_litres = 30000;
	prev[1].cp_litres = 30000;
	prev[2].cp_litres = 40000;
	p.cp_litres = 66666;
	assert_int_equal(rb_cons_rule(&p, prev, 3, &avg), 0);
	assert_int_equal(avg, 33333);
	p.cp_litres = 66667;
	assert_int_equal(rb_cons_rule(&p, prev, 3, &avg), 1);
}

static void
fewer_than_three_previous_years(void **state)
{
	struct rb_cons_period prev[2], p;
	int64_t avg;

	(void)state;
	memset(prev, 0, sizeof(prev));
	p = period("2026-01-01", "2026-06-30", 181, 90000);
	/* No previous period: never abnormal. */
	assert_int_equal(rb_cons_rule(&p, prev, 0, &avg), 0);
	assert_int_equal(avg, 0);
	/* One year only: its volume is the average. */
	prev[0] = period("2025-01-01", "2025-06-30", 181, 45000);
	assert_int_equal(rb_cons_rule(&p, prev, 1, &avg), 0);
	assert_int_equal(avg, 45000);
	p.cp_litres = 90001;
	assert_int_equal(rb_cons_rule(&p, prev, 1, &avg), 1);
	/* Two years. */
	prev[1] = period("2024-01-01", "2024-06-30", 181, 35000);
	p.cp_litres = 80000;
	assert_int_equal(rb_cons_rule(&p, prev, 2, &avg), 0);
	assert_int_equal(avg, 40000);
	p.cp_litres = 80001;
	assert_int_equal(rb_cons_rule(&p, prev, 2, &avg), 1);
}

static void
different_lengths_compare_per_day(void **state)
{
	struct rb_cons_period prev[2], p;
	int64_t avg;

	(void)state;
	/* 10 L a day over 200 days; this period has 100 days. */
	prev[0] = period("2025-01-01", "2025-07-19", 200, 2000);
	p = period("2026-04-01", "2026-07-09", 100, 2000);
	assert_int_equal(rb_cons_rule(&p, prev, 1, &avg), 0);
	assert_int_equal(avg, 1000);
	/* 2001 L in 100 days is more than twice 10 L a day, although it
	   is about the volume of the longer period. */
	p.cp_litres = 2001;
	assert_int_equal(rb_cons_rule(&p, prev, 1, &avg), 1);
	/* The other way: a longer period is not abnormal for its length. */
	prev[0] = period("2025-04-01", "2025-07-09", 100, 1000);
	p = period("2025-12-22", "2026-07-09", 200, 4000);
	assert_int_equal(rb_cons_rule(&p, prev, 1, &avg), 0);
	assert_int_equal(avg, 2000);
	p.cp_litres = 4001;
	assert_int_equal(rb_cons_rule(&p, prev, 1, &avg), 1);
	/* Several years of different lengths: litres and days are summed
	   (1000 + 3000 L over 100 + 200 days, 13.33 L a day). */
	prev[0] = period("2025-04-01", "2025-07-09", 100, 1000);
	prev[1] = period("2023-12-22", "2024-07-08", 200, 3000);
	p = period("2026-01-01", "2026-07-09", 150, 4000);
	assert_int_equal(rb_cons_rule(&p, prev, 2, &avg), 0);
	assert_int_equal(avg, 2000);
	p.cp_litres = 4001;
	assert_int_equal(rb_cons_rule(&p, prev, 2, &avg), 1);
}

static void
same_period_of_a_previous_year(void **state)
{
	struct rb_cons_period p[6];

	(void)state;
	p[0] = period("2022-12-01", "2023-05-29", 180, 1);
	p[1] = period("2023-05-30", "2023-11-28", 183, 1);
	p[2] = period("2023-11-29", "2024-06-02", 187, 1);
	p[3] = period("2024-06-03", "2024-11-28", 179, 1);
	p[4] = period("2024-11-29", "2025-05-30", 183, 1);
	p[5] = period("2025-05-31", "2025-11-28", 182, 1);
	assert_int_equal(rb_cons_same_period(p, 6, "2025-05-30", 1), 2);
	assert_int_equal(rb_cons_same_period(p, 6, "2025-05-30", 2), 0);
	assert_int_equal(rb_cons_same_period(p, 6, "2025-05-30", 3), -1);
	assert_int_equal(rb_cons_same_period(p, 6, "2025-11-28", 1), 3);
	/* 45 days away is the same run, 46 is not. */
	assert_int_equal(rb_cons_same_period(p, 6, "2025-07-17", 1), 2);
	assert_int_equal(rb_cons_same_period(p, 6, "2025-07-18", 1), -1);
	/* 29 February goes back to the 28th. */
	assert_int_equal(rb_cons_same_period(p, 6, "2024-02-29", 1), -1);
	p[0] = period("2022-09-01", "2023-02-28", 181, 1);
	assert_int_equal(rb_cons_same_period(p, 6, "2024-02-29", 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(twice_is_not_abnormal_one_litre_more_is),
		cmocka_unit_test(fewer_than_three_previous_years),
		cmocka_unit_test(different_lengths_compare_per_day),
		cmocka_unit_test(same_period_of_a_previous_year),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
