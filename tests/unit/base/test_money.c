/*
 * test_money.c: unit tests of src/base/money.c: French formatting of
 * cents and litres, negative values, the extremes of int64_t and
 * buffers that are too small.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/money.h"

#define NN "\xe2\x80\xaf"
#define NB "\xc2\xa0"

static void
test_money(void **state)
{
	char out[RB_MONEY_MAX];

	(void)state;
	assert_int_equal(rb_money_fr(0, out, sizeof(out)),
	    (int)strlen("0,00" NB "€"));
	assert_string_equal(out, "0,00" NB "€");
	rb_money_fr(5, out, sizeof(out));
	assert_string_equal(out, "0,05" NB "€");
	rb_money_fr(99999, out, sizeof(out));
	assert_string_equal(out, "999,99" NB "€");
	rb_money_fr(123456, out, sizeof(out));
	assert_string_equal(out, "1" NN "234,56" NB "€");
	rb_money_fr(-123456789, out, sizeof(out));
	assert_string_equal(out, "-1" NN "234" NN "567,89" NB "€");
	rb_money_fr_plain(100000000, out, sizeof(out));
	assert_string_equal(out, "1" NN "000" NN "000,00");
	rb_money_fr(INT64_MIN, out, sizeof(out));
	assert_string_equal(out, "-92" NN "233" NN "720" NN "368" NN "547"
	    NN "758,08" NB "€");
	rb_money_fr(INT64_MAX, out, sizeof(out));
	assert_string_equal(out, "92" NN "233" NN "720" NN "368" NN "547"
	    NN "758,07" NB "€");
}

static void
test_volume(void **state)
{
	char out[RB_MONEY_MAX];

	(void)state;
	rb_volume_m3_fr(12345, out, sizeof(out));
	assert_string_equal(out, "12,345" NB "m³");
	rb_volume_m3_fr(7, out, sizeof(out));
	assert_string_equal(out, "0,007" NB "m³");
	rb_volume_m3_fr(1234567000, out, sizeof(out));
	assert_string_equal(out, "1" NN "234" NN "567,000" NB "m³");
	rb_volume_m3_plain(78475, out, sizeof(out));
	assert_string_equal(out, "78,475");
	rb_volume_m3_plain(12345678, out, sizeof(out));
	assert_string_equal(out, "12345,678");
	rb_volume_m3_plain(-1200, out, sizeof(out));
	assert_string_equal(out, "-1,200");
	rb_volume_m3_plain(0, out, sizeof(out));
	assert_string_equal(out, "0,000");
	rb_int_fr(-1000, out, sizeof(out));
	assert_string_equal(out, "-1" NN "000");
	rb_int_fr(999, out, sizeof(out));
	assert_string_equal(out, "999");
}

static void
test_small_buffer(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_int_equal(rb_money_fr(123456, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_int_fr(123456789, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_money_fr(5, out, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
