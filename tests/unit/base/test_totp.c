/*
 * test_totp.c: unit tests of src/base/totp.c, the project's wrappers
 * over liboath: HOTP against RFC 4226 Appendix D, TOTP against RFC 6238
 * Appendix B (SHA-1, 8 digits), the acceptance window and replay
 * refusal, Base32 against RFC 4648 section 10 (padding dropped, stray
 * bits refused), sealing and the otpauth:// URI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/totp.h"

static const unsigned char rfc_key[] = "12345678901234567890";

static void
test_hotp_rfc4226(void **state)
{
	static const uint32_t want[10] = { 755224, 287082, 359152, 969429,
	    338314, 254676, 287922, 162583, 399871, 520489 };
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(rb_hotp(rfc_key, 20, (uint64_t)i, 6), want[i]);
}

static void
test_totp_rfc6238(void **state)
{
	static const struct {
		long long	t;
		uint32_t	code;
	} v[] = {
		{ 59LL, 94287082 }, { 1111111109LL, 7081804 },
		{ 1111111111LL, 14050471 }, { 1234567890LL, 89005924 },
		{ 2000000000LL, 69279037 }, { 20000000000LL, 65353130 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(rb_hotp(rfc_key, 20, (uint64_t)rb_totp_step(
		    (time_t)v[i].t), 8), v[i].code);
	/* The steps themselves (T0 = 0, X = 30). */
	assert_int_equal(rb_totp_step(59), 1);
	assert_int_equal(rb_totp_step(1111111109), 0x23523EC);
	assert_int_equal(rb_totp_step(-5), 0);
}

static void
code_text(uint32_t c, char *out)
{
	sprintf(out, "%06u", (unsigned)c);
}

static void
test_totp_window_and_replay(void **state)
{
	const time_t now = 1234567890;
	int64_t cur = rb_totp_step(now), step = -1;
	char code[16], spaced[32];

	(void)state;
	/* The current step, and one either side, are accepted. */
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, 0, &step), 0);
	assert_int_equal(step, cur);
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur - 1, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, 0, &step), 0);
	assert_int_equal(step, cur - 1);
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur + 1, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, 0, &step), 0);
	assert_int_equal(step, cur + 1);
	/* Two steps away: refused. */
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur - 2, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, 0, &step), 1);
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur + 2, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, 0, &step), 1);
	/* Replay: the step already used, or an earlier one. */
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, cur, &step), 2);
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur - 1, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, cur - 1,
	    &step), 2);
	/* A later step than the one used is fine. */
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur + 1, 6), code);
	assert_int_equal(rb_totp_check(rfc_key, 20, code, now, cur, &step), 0);
	/* Spaces between digits are ignored; anything else is wrong. */
	code_text(rb_hotp(rfc_key, 20, (uint64_t)cur, 6), code);
	snprintf(spaced, sizeof(spaced), "%.3s %s", code, code + 3);
	assert_int_equal(rb_totp_check(rfc_key, 20, spaced, now, 0, &step), 0);
	assert_int_equal(rb_totp_check(rfc_key, 20, "", now, 0, &step), 1);
	assert_int_equal(rb_totp_check(rfc_key, 20, NULL, now, 0, &step), 1);
	assert_int_equal(rb_totp_check(rfc_key, 20, "12345", now, 0, &step), 1);
	assert_int_equal(rb_totp_check(rfc_key, 20, "1234567", now, 0, &step),
	    1);
	assert_int_equal(rb_totp_check(rfc_key, 20, "12a456", now, 0, &step),
	    1);
	/* The right digits with a leading '+' or '-' are not a code. */
	snprintf(spaced, sizeof(spaced), "-%s", code);
	assert_int_equal(rb_totp_check(rfc_key, 20, spaced, now, 0, &step), 1);
}

static void
test_base32_rfc4648(void **state)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
	};
	unsigned char bin[32];
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(rb_base32_encode((const unsigned char *)v[i][0],
		    strlen(v[i][0]), out, sizeof(out)), 0);
		assert_string_equal(out, v[i][1]);
		assert_int_equal(rb_base32_decode(v[i][1], bin, sizeof(bin),
		    &n), 0);
		assert_int_equal(n, strlen(v[i][0]));
		assert_memory_equal(bin, v[i][0], n);
	}
	/* Padding, lower case, groups separated by spaces. */
	assert_int_equal(rb_base32_decode("mzxw 6ytb oi======", bin,
	    sizeof(bin), &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(bin, "foobar", 6);
	/* Dashes between groups, as secrets are sometimes printed. */
	assert_int_equal(rb_base32_decode("MZXW-6YTB-OI", bin, sizeof(bin),
	    &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(bin, "foobar", 6);
	/* Outside the alphabet (0, 1, 8, 9), stray bits, overflow. */
	assert_int_equal(rb_base32_decode("MZXW0", bin, sizeof(bin), &n), -1);
	assert_int_equal(rb_base32_decode("MZ1W", bin, sizeof(bin), &n), -1);
	assert_int_equal(rb_base32_decode("MZ", bin, sizeof(bin), &n), -1);
	assert_int_equal(rb_base32_decode("M", bin, sizeof(bin), &n), -1);
	assert_int_equal(rb_base32_decode("MZXW6YTBOI", bin, 5, &n), -1);
	assert_int_equal(rb_base32_encode((const unsigned char *)"foobar", 6,
	    out, 10), -1);
	/* The RFC 6238 key, as authenticator apps are given it. */
	assert_int_equal(rb_base32_encode(rfc_key, 20, out, sizeof(out)), 0);
	assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

static void
test_seal(void **state)
{
	unsigned char key[RB_TOTP_KEYBYTES], other[RB_TOTP_KEYBYTES];
	unsigned char s[RB_TOTP_SECRET_LEN], back[RB_TOTP_SECRET_LEN];
	char sealed[RB_TOTP_SEALED_MAX], sealed2[RB_TOTP_SEALED_MAX];

	(void)state;
	assert_true(sodium_init() >= 0);
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	rb_totp_secret_new(s);
	rb_totp_seal(key, s, sealed);
	rb_totp_seal(key, s, sealed2);
	/* A random nonce each time: two seals of one secret differ. */
	assert_string_not_equal(sealed, sealed2);
	assert_int_equal(rb_totp_open(key, sealed, back), 0);
	assert_memory_equal(back, s, sizeof(s));
	assert_int_equal(rb_totp_open(other, sealed, back), -1);
	sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
	assert_int_equal(rb_totp_open(key, sealed, back), -1);
	assert_int_equal(rb_totp_open(key, "", back), -1);
	assert_int_equal(rb_totp_open(key, NULL, back), -1);
}

static void
test_uri(void **state)
{
	char uri[256];

	(void)state;
	assert_int_equal(rb_totp_uri("Eau de la Métropole", "a.b+c@x.fr",
	    "GEZDGNBV", uri, sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/Eau%20de%20la%20M%C3%A9tropole"
	    ":a.b%2Bc%40x.fr?secret=GEZDGNBV&issuer=Eau%20de%20la%20M%C3%A9tropole"
	    "&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(rb_totp_uri("I", "a", "GEZDGNBV", uri, 20), -1);
	assert_string_equal(uri, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotp_rfc4226),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_totp_window_and_replay),
		cmocka_unit_test(test_base32_rfc4648),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_uri),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
