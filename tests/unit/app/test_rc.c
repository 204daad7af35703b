/*
 * test_rc.c: the result-code convention of app/rc.h: RB_OK is 0 (so
 * "if (rc)" means failure everywhere) and every value has its own name
 * for logs, while an out-of-range value still gets a printable one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/rc.h"

static void
test_ok_is_zero(void **state)
{
	(void)state;
	assert_int_equal(RB_OK, 0);
	assert_string_equal(rb_rc_name(RB_OK), "OK");
	assert_string_equal(rb_rc_name(RB_NOT_FOUND), "NOT_FOUND");
	assert_string_equal(rb_rc_name(RB_ERROR), "ERROR");
}

static void
test_every_value_named(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < RB_RC__MAX; i++) {
		const char *n = rb_rc_name((enum rb_rc)i);

		assert_non_null(n);
		assert_string_not_equal(n, "?");
		assert_true(n[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n,
			    rb_rc_name((enum rb_rc)j));
	}
}

static void
test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(rb_rc_name(RB_RC__MAX), "?");
	assert_string_equal(rb_rc_name((enum rb_rc)-1), "?");
	assert_string_equal(rb_rc_name((enum rb_rc)1000), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_is_zero),
		cmocka_unit_test(test_every_value_named),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
