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

#include <stdio.h>
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

/*
 * An independent oracle, the way money.c wrote figures before it stopped
 * using snprintf: "%llu" of the magnitude, a NNBSP between groups of
 * three, "%0*llu" for the decimals.
 */
static void
oracle(int64_t v, unsigned scale, int decimals, int grouped,
    const char *suffix, char *out, size_t outlen)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char d[32], g[96];
	size_t n, i, o = 0;

	n = (size_t)snprintf(d, sizeof(d), "%llu",
	    (unsigned long long)(mag / scale));
	for (i = 0; i < n; i++) {
		if (grouped && i > 0 && (n - i) % 3 == 0)
			o += (size_t)snprintf(g + o, sizeof(g) - o, NN);
		g[o++] = d[i];
	}
	g[o] = '\0';
	if (decimals == 0)
		snprintf(out, outlen, "%s%s%s", v < 0 ? "-" : "", g, suffix);
	else
		snprintf(out, outlen, "%s%s,%0*llu%s", v < 0 ? "-" : "", g,
		    decimals, (unsigned long long)(mag % scale), suffix);
}

/* Every formatter against the oracle, over many magnitudes and both
 * signs, the extremes included. */
static void
test_against_oracle(void **state)
{
	char got[RB_MONEY_MAX], want[RB_MONEY_MAX];
	int64_t v, base[] = { 0, 1, 5, 9, 10, 99, 100, 999, 1000, 1001, 9999,
	    10000, 99999, 100000, 123456, 999999, 1000000, 1234567890,
	    999999999999LL, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	size_t i;
	int sign, k;

	(void)state;
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		for (sign = 0; sign < 2; sign++)
			for (k = -2; k <= 2; k++) {
				v = base[i];
				if (k != 0 && ((k > 0 && v > INT64_MAX - k) ||
				    (k < 0 && v < INT64_MIN - k)))
					continue;
				v += k;
				if (sign && v != INT64_MIN)
					v = -v;
				oracle(v, 100, 2, 1, NB "€", want, sizeof(want));
				assert_true(rb_money_fr(v, got, sizeof(got)) ==
				    (int)strlen(want));
				assert_string_equal(got, want);
				oracle(v, 100, 2, 1, "", want, sizeof(want));
				rb_money_fr_plain(v, got, sizeof(got));
				assert_string_equal(got, want);
				oracle(v, 1000, 3, 1, NB "m³", want,
				    sizeof(want));
				rb_volume_m3_fr(v, got, sizeof(got));
				assert_string_equal(got, want);
				oracle(v, 1000, 3, 0, "", want, sizeof(want));
				rb_volume_m3_plain(v, got, sizeof(got));
				assert_string_equal(got, want);
				oracle(v, 1, 0, 1, "", want, sizeof(want));
				assert_true(rb_int_fr(v, got, sizeof(got)) ==
				    (int)strlen(want));
				assert_string_equal(got, want);
				/* One byte short: refused, out emptied. */
				assert_int_equal(rb_int_fr(v, got,
				    strlen(want)), -1);
				assert_string_equal(got, "");
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_against_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
