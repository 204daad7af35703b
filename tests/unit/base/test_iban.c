/*
 * test_iban.c: unit tests of src/base/iban.c: normalisation, the mod-97
 * check and country lengths, masking, the data key, and sealing: a round
 * trip, a wrong key, tampering, fixed and random nonces; test vectors
 * of several countries (valid ones, and each spoilt by a changed digit,
 * swapped characters, a character dropped or added), every country's
 * length, and SEPA creditor identifiers (ICS).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
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

/* Published example IBANs (banks' and registries' documentation). */
static const char *const valid_ibans[] = {
	"FR1420041010050500013M02606",		/* France, letter in BBAN */
	"FR7630006000011234567890189",
	"DE89370400440532013000",		/* Germany */
	"BE68539007547034",			/* Belgium */
	"ES9121000418450200051332",		/* Spain */
	"IT60X0542811101000000123456",		/* Italy, CIN letter */
	"NL91ABNA0417164300",			/* Netherlands */
	"GB29NWBK60161331926819",		/* United Kingdom */
	"MT84MALT011000012345MTLCAST001S",	/* Malta, 31 characters */
	"NO9386011117947",			/* Norway, 15 characters */
	"CH9300762011623852957",		/* Switzerland */
	"PL61109010140000071219812874",		/* Poland */
};

static void
test_vectors(void **state)
{
	char bad[RB_IBAN_MAX + 2], out[RB_IBAN_MAX + 1], spaced[64];
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof(valid_ibans) / sizeof(valid_ibans[0]); i++) {
		const char *v = valid_ibans[i];

		len = strlen(v);
		assert_int_equal(rb_iban_check(v), 0);
		/* Typed with spaces every four and in lower case. */
		for (k = 0, spaced[0] = '\0'; k < len; k += 4)
			snprintf(spaced + strlen(spaced), sizeof(spaced) -
			    strlen(spaced), "%s%.4s", k > 0 ? " " : "", v + k);
		for (k = 0; spaced[k] != '\0'; k++)
			if (spaced[k] >= 'A' && spaced[k] <= 'Z')
				spaced[k] = (char)(spaced[k] - 'A' + 'a');
		assert_int_equal(rb_iban_normalise(spaced, out), 0);
		assert_string_equal(out, v);
		/* The last digit changed. */
		snprintf(bad, sizeof(bad), "%s", v);
		bad[len - 1] = bad[len - 1] == '9' ? '0' :
		    bad[len - 1] == 'S' ? 'T' : (char)(bad[len - 1] + 1);
		assert_int_equal(rb_iban_check(bad), -1);
		/* A check digit changed. */
		snprintf(bad, sizeof(bad), "%s", v);
		bad[3] = bad[3] == '9' ? '0' : (char)(bad[3] + 1);
		assert_int_equal(rb_iban_check(bad), -1);
		/* Two different neighbours swapped in the account number. */
		snprintf(bad, sizeof(bad), "%s", v);
		for (k = 5; k + 1 < len && bad[k] == bad[k + 1]; k++)
			;
		out[0] = bad[k];
		bad[k] = bad[k + 1];
		bad[k + 1] = out[0];
		assert_int_equal(rb_iban_check(bad), -1);
		/* One character dropped, one added. */
		snprintf(bad, sizeof(bad), "%.*s", (int)(len - 1), v);
		assert_int_equal(rb_iban_check(bad), -1);
		snprintf(bad, sizeof(bad), "%s0", v);
		assert_int_equal(rb_iban_check(bad), -1);
	}
	/* Not IBANs at all. */
	assert_int_equal(rb_iban_check("FR76"), -1);
	assert_int_equal(rb_iban_check("7630006000011234567890189FR"), -1);
	assert_int_equal(rb_iban_check("FRXX30006000011234567890189"), -1);
	assert_int_equal(rb_iban_check("FR76 3000 6000 0112 3456 7890 189"),
	    -1);
	assert_int_equal(rb_iban_check("FR763000600001123456789018<"), -1);
}

/* Sets the check digits of iban (electronic form) the ISO 7064 way. */
static void
set_check_digits(char *iban)
{
	size_t len = strlen(iban), i;
	unsigned mod = 0;
	char ch;

	iban[2] = iban[3] = '0';
	for (i = 0; i < len; i++) {
		ch = iban[(i + 4) % len];
		if (ch >= '0' && ch <= '9')
			mod = (mod * 10 + (unsigned)(ch - '0')) % 97;
		else
			mod = (mod * 100 + (unsigned)(ch - 'A' + 10)) % 97;
	}
	iban[2] = (char)('0' + (98 - mod) / 10);
	iban[3] = (char)('0' + (98 - mod) % 10);
}

/* IBAN lengths of the SEPA countries, from the SWIFT IBAN registry. */
static const struct {
	const char	*cl_country;
	int		 cl_len;
} country_lengths[] = {
	{ "AD", 24 }, { "AT", 20 }, { "BE", 16 }, { "BG", 22 }, { "CH", 21 },
	{ "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 }, { "EE", 20 },
	{ "ES", 24 }, { "FI", 18 }, { "FR", 27 }, { "GB", 22 }, { "GI", 23 },
	{ "GR", 27 }, { "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IS", 26 },
	{ "IT", 27 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "MC", 27 }, { "MT", 31 }, { "NL", 18 }, { "NO", 15 }, { "PL", 28 },
	{ "PT", 25 }, { "RO", 24 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 },
	{ "SM", 27 }, { "VA", 22 },
};

static void
test_country_lengths(void **state)
{
	char iban[RB_IBAN_MAX + 2];
	size_t i;
	int len, delta;

	(void)state;
	for (i = 0; i < sizeof(country_lengths) / sizeof(country_lengths[0]);
	    i++) {
		for (delta = -1; delta <= 1; delta++) {
			len = country_lengths[i].cl_len + delta;
			memset(iban, '1', (size_t)len);
			memcpy(iban, country_lengths[i].cl_country, 2);
			iban[len] = '\0';
			set_check_digits(iban);
			/* Right check digits: only the right length passes. */
			assert_int_equal(rb_iban_check(iban),
			    delta == 0 ? 0 : -1);
		}
	}
	/* A country outside the table: 15 to 34 characters. */
	memset(iban, '2', 20);
	memcpy(iban, "XK", 2);
	iban[20] = '\0';
	set_check_digits(iban);
	assert_int_equal(rb_iban_check(iban), 0);
	memset(iban, '2', 35);
	memcpy(iban, "XK", 2);
	iban[35] = '\0';
	set_check_digits(iban);
	assert_int_equal(rb_iban_check(iban), -1);
}

static void
test_ics(void **state)
{
	(void)state;
	/* The EPC's and the banks' published examples. */
	assert_int_equal(rb_ics_check("FR72ZZZ123456"), 0);
	assert_int_equal(rb_ics_check("DE98ZZZ09999999999"), 0);
	/* The business code is not covered by the check digits. */
	assert_int_equal(rb_ics_check("FR72ABC123456"), 0);
	assert_int_equal(rb_ics_check("FR72A1C123456"), 0);
	/* Wrong check digits, a changed or swapped national digit. */
	assert_int_equal(rb_ics_check("FR73ZZZ123456"), -1);
	assert_int_equal(rb_ics_check("FR72ZZZ123457"), -1);
	assert_int_equal(rb_ics_check("FR72ZZZ124356"), -1);
	/* Lengths: French ICS are 13 characters, German ones 18. */
	assert_int_equal(rb_ics_check("FR72ZZZ12345"), -1);
	assert_int_equal(rb_ics_check("FR72ZZZ1234560"), -1);
	assert_int_equal(rb_ics_check("DE98ZZZ0999999999"), -1);
	/* Shape. */
	assert_int_equal(rb_ics_check(""), -1);
	assert_int_equal(rb_ics_check("fr72zzz123456"), -1);
	assert_int_equal(rb_ics_check("FR72ZZZ 23456"), -1);
	assert_int_equal(rb_ics_check("FR7ZZZZ123456"), -1);
	assert_int_equal(rb_ics_check("FR72Z-Z123456"), -1);
	assert_int_equal(rb_ics_check("FR72ZZZ12345<"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise_and_check),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_seal_and_open),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_country_lengths),
		cmocka_unit_test(test_ics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
