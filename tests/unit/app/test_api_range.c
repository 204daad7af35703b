/*
 * test_api_range.c: the checks of a consumption query of the JSON API
 * (app/api.h: rb_api_range_parse): step, dates that must exist,
 * defaults, from after to, and the range bounds by day and by period,
 * each naming the parameter at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app/api.h"

static const struct rb_date today = { 2026, 11, 29 };

/* Expects a refusal naming param. */
static void
refused(const char *from, const char *to, const char *step,
    const char *param)
{
	struct rb_api_range r;
	const char *p = NULL, *msg;

	msg = rb_api_range_parse(from, to, step, &today, &r, &p);
	assert_non_null(msg);
	assert_non_null(p);
	assert_string_equal(p, param);
}

/* Expects acceptance with these dates and step. */
static void
accepted(const char *from, const char *to, const char *step,
    const char *want_from, const char *want_to, enum rb_api_step want_step)
{
	struct rb_api_range r;
	const char *p = "x", *msg;

	msg = rb_api_range_parse(from, to, step, &today, &r, &p);
	if (msg != NULL)
		fail_msg("refused: %s", msg);
	assert_null(p);
	assert_string_equal(r.rg_from, want_from);
	assert_string_equal(r.rg_to, want_to);
	assert_int_equal(r.rg_step, want_step);
}

static void
defaults(void **state)
{
	(void)state;
	accepted(NULL, NULL, NULL, "2026-09-01", "2026-11-29",
	    RB_API_STEP_DAY);
	accepted("", "", "day", "2026-09-01", "2026-11-29", RB_API_STEP_DAY);
	accepted(NULL, NULL, "period", "2023-11-29", "2026-11-29",
	    RB_API_STEP_PERIOD);
	accepted(NULL, "2024-02-29", "period", "2021-02-28", "2024-02-29",
	    RB_API_STEP_PERIOD);
	accepted("2026-01-01", NULL, NULL, "2026-01-01", "2026-11-29",
	    RB_API_STEP_DAY);
}

static void
bad_values(void **state)
{
	(void)state;
	refused(NULL, NULL, "week", "step");
	refused(NULL, NULL, "DAY", "step");
	refused("2023-02-29", "2023-03-01", NULL, "from");
	refused("2024-13-01", NULL, NULL, "from");
	refused("2024-1-01", NULL, NULL, "from");
	refused("2024-01-01x", NULL, NULL, "from");
	refused(NULL, "2024-02-30", NULL, "to");
	refused(NULL, "hier", NULL, "to");
	refused("2024-03-02", "2024-03-01", NULL, "from");
	refused("2026-12-01", NULL, NULL, "from");	/* after today */
}

static void
bounds(void **state)
{
	(void)state;
	/* By day: 366 days included at most. */
	accepted("2024-01-01", "2024-12-31", "day", "2024-01-01",
	    "2024-12-31", RB_API_STEP_DAY);
	refused("2023-12-31", "2024-12-31", "day", "from");
	accepted("2024-03-01", "2024-03-01", "day", "2024-03-01",
	    "2024-03-01", RB_API_STEP_DAY);
	/* By period: ten years. */
	accepted("2016-11-29", "2026-11-29", "period", "2016-11-29",
	    "2026-11-29", RB_API_STEP_PERIOD);
	refused("2016-11-28", "2026-11-29", "period", "from");
	accepted("2000-01-01", "2005-01-01", "period", "2000-01-01",
	    "2005-01-01", RB_API_STEP_PERIOD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
