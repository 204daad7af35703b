/*
 * test_iban.c: unit tests of src/base/iban.c: normalisation, the mod-97
 * check and country lengths, masking, the data key, and sealing: a round
 * trip, a wrong key, tampering, fixed and random nonces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/iban.h"

static void
test_normalise_and_check(void **state)
{
	char out[RB_IBAN_MAX + 1];

	(void)state;
	assert_int_equal(rb_iban_normalise("fr76 3000 6000 0112 3456 7890 189",
	    out), 0);
	assert_string_equal(out, "FR7630006000011234567890189");
	assert_int_equal(rb_iban_check(out), 0);
	assert_int_equal(rb_iban_check("FR7630006000011234567890188"), -1);
	assert_int_equal(rb_iban_check("FR763000600001123456789018"), -1);
	assert_int_equal(rb_iban_check("DE89370400440532013000"), 0);
	assert_int_equal(rb_iban_check("GB82WEST12345698765432"), 0);
	assert_int_equal(rb_iban_check("BE68539007547034"), 0);
	assert_int_equal(rb_iban_check("fr7630006000011234567890189"), -1);
	assert_int_equal(rb_iban_check(""), -1);
	assert_int_equal(rb_iban_normalise("FR76-3000", out), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_iban_normalise("FR76\t3000", out), -1);
	assert_int_equal(rb_iban_normalise(
	    "FR7630006000011234567890189FR7630006", out), -1);
}

static void
test_mask(void **state)
{
	char out[RB_IBAN_MASK_MAX];

	(void)state;
	rb_iban_mask("FR7630006000011234567890189", out);
	assert_string_equal(out, "FR76 •••• •••• 0189");
	rb_iban_mask("FR7", out);
	assert_string_equal(out, "••••");
}

static void
test_seal_and_open(void **state)
{
	unsigned char key[RB_IBAN_KEYBYTES], other[RB_IBAN_KEYBYTES];
	unsigned char nonce[RB_IBAN_NONCEBYTES];
	char enc[RB_IBAN_SEALED_MAX], enc2[RB_IBAN_SEALED_MAX];
	char out[RB_IBAN_MAX + 1];

	(void)state;
	assert_int_equal(sodium_init() < 0, 0);
	assert_int_equal(rb_iban_key_from_hex("", key), -1);
	assert_int_equal(rb_iban_key_from_hex("abcd", key), -1);
	assert_int_equal(rb_iban_key_from_hex("zz" "ababababababababababababababab"
	    "abababababababababababababababab", key), -1);
	assert_int_equal(rb_iban_key_from_hex("ab" "ababababababababababababababab"
	    "abababababababababababababababab", key), 0);
	memset(other, 1, sizeof(other));
	assert_int_equal(rb_iban_seal(key, "FR7630006000011234567890189", NULL,
	    enc), 0);
	assert_null(strstr(enc, "FR76"));
	assert_int_equal(rb_iban_open(key, enc, out), 0);
	assert_string_equal(out, "FR7630006000011234567890189");
	/* Random nonces: two seals differ and both open. */
	assert_int_equal(rb_iban_seal(key, "FR7630006000011234567890189", NULL,
	    enc2), 0);
	assert_string_not_equal(enc, enc2);
	/* A fixed nonce gives the same text. */
	memset(nonce, 7, sizeof(nonce));
	assert_int_equal(rb_iban_seal(key, "DE89370400440532013000", nonce,
	    enc), 0);
	assert_int_equal(rb_iban_seal(key, "DE89370400440532013000", nonce,
	    enc2), 0);
	assert_string_equal(enc, enc2);
	/* Wrong key, tampering, garbage. */
	assert_int_equal(rb_iban_open(other, enc, out), -1);
	assert_string_equal(out, "");
	enc[40] = enc[40] == 'A' ? 'B' : 'A';
	assert_int_equal(rb_iban_open(key, enc, out), -1);
	assert_int_equal(rb_iban_open(key, "not base64!", out), -1);
	assert_int_equal(rb_iban_open(key, "", out), -1);
	assert_int_equal(rb_iban_open(key, "QUJD", out), -1);
	assert_int_equal(rb_iban_seal(key,
	    "FR7630006000011234567890189FR7630006", NULL, enc), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise_and_check),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_seal_and_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
