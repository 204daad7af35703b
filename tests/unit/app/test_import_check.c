/*
 * test_import_check.c: unit tests of src/app/import_check.c: dates
 * (impossible, malformed, out of range), integers (signs, overflow,
 * bounds, no spaces or decimals), text (control characters, length in
 * characters), enumerations, numbers of contracts, meters and invoices,
 * email, phone, postcode, IBAN, BIC, RUM, password hashes, defaults and
 * missing values, and quoting in reasons.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "app/import_check.h"

static char why[512];

static int
check(enum rb_ichk type, const char *s, struct rb_imp_val *v)
{
	static const char *const kinds[] = { "actual", "estimated", NULL };
	struct rb_ichk_col col = { "col", "col", type, 1, 0, kinds, NULL,
	    NULL };

	why[0] = '\0';
	return rb_ichk_value(&col, s, v, why, sizeof(why));
}

static void
test_dates(void **state)
{
	(void)state;
	assert_int_equal(rb_ichk_date("2024-02-29", why, sizeof(why)), 0);
	assert_int_equal(rb_ichk_date("2023-02-29", why, sizeof(why)), -1);
	assert_string_equal(why, "date impossible 2023-02-29");
	assert_int_equal(rb_ichk_date("2023-02-30", why, sizeof(why)), -1);
	assert_string_equal(why, "date impossible 2023-02-30");
	assert_int_equal(rb_ichk_date("2023-04-31", why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_date("2023-00-10", why, sizeof(why)), -1);
	assert_string_equal(why, "date impossible 2023-00-10");
	assert_int_equal(rb_ichk_date("12/03/2023", why, sizeof(why)), -1);
	assert_string_equal(why,
	    "date invalide « 12/03/2023 » (attendu AAAA-MM-JJ)");
	assert_int_equal(rb_ichk_date("2023-3-1", why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_date("2023-03-01 ", why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_date("1899-12-31", why, sizeof(why)), -1);
	assert_string_equal(why,
	    "date hors limites 1899-12-31 (années 1900 à 2999)");
	assert_int_equal(rb_ichk_date("3000-01-01", why, sizeof(why)), -1);
}

static void
test_integers(void **state)
{
	int64_t n;

	(void)state;
	assert_int_equal(rb_ichk_int("0", 0, 10, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rb_ichk_int("-42", INT64_MIN, INT64_MAX, &n, why,
	    sizeof(why)), 0);
	assert_int_equal(n, -42);
	assert_int_equal(rb_ichk_int("9223372036854775807", INT64_MIN,
	    INT64_MAX, &n, why, sizeof(why)), 0);
	assert_true(n == INT64_MAX);
	assert_int_equal(rb_ichk_int("-9223372036854775808", INT64_MIN,
	    INT64_MAX, &n, why, sizeof(why)), 0);
	assert_true(n == INT64_MIN);
	assert_int_equal(rb_ichk_int("9223372036854775808", INT64_MIN,
	    INT64_MAX, &n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "hors limites"));
	assert_int_equal(rb_ichk_int("12,5", 0, 100, &n, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "nombre entier attendu, pas « 12,5 »");
	assert_int_equal(rb_ichk_int(" 1", 0, 100, &n, why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_int("+1", 0, 100, &n, why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_int("-", 0, 100, &n, why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_int("101", 0, 100, &n, why, sizeof(why)), -1);
	assert_string_equal(why, "nombre hors limites 101 (de 0 à 100)");
}

static void
test_text(void **state)
{
	(void)state;
	/* Length counts characters, not bytes. */
	assert_int_equal(rb_ichk_text("Éléonore", 8, why, sizeof(why)), 0);
	assert_int_equal(rb_ichk_text("Éléonore!", 8, why, sizeof(why)), -1);
	assert_string_equal(why, "texte trop long (9 caractères, au plus 8)");
	assert_int_equal(rb_ichk_text("abcdefgh", 8, why, sizeof(why)), 0);
	assert_int_equal(rb_ichk_text("abcdefghi", 8, why, sizeof(why)), -1);
	assert_string_equal(why, "texte trop long (9 caractères, au plus 8)");
	assert_int_equal(rb_ichk_text("ééééé", 8, why, sizeof(why)), 0);
	assert_int_equal(rb_ichk_text("a\tb", 0, why, sizeof(why)), -1);
	assert_string_equal(why, "caractère de contrôle interdit (0x09)");
	assert_int_equal(rb_ichk_text("a\nb", 0, why, sizeof(why)), -1);
}

/*
 * A number's text is kept (iv_num, sent as read by a bulk copy) only
 * when it is what "%lld" would write for its value: "007" or "-0"
 * would otherwise go to the database as they are, where a text column
 * would keep them so.
 */
static void
test_numbers_kept_as_read(void **state)
{
	static const char *const printed[] = { "0", "7", "42", "-12",
	    "9223372036854775807", "-9223372036854775808" };
	static const char *const other[] = { "007", "-0", "00", "-007" };
	struct rb_imp_val v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(printed) / sizeof(printed[0]); i++) {
		assert_int_equal(check(RB_ICHK_INT, printed[i], &v), 0);
		assert_ptr_equal(v.iv_num, printed[i]);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_int_equal(check(RB_ICHK_INT, other[i], &v), 0);
		assert_null(v.iv_num);
	}
	assert_int_equal(check(RB_ICHK_COUNT, "007", &v), 0);
	assert_null(v.iv_num);
	assert_int_equal(check(RB_ICHK_COUNT, "120", &v), 0);
	assert_string_equal(v.iv_num, "120");
	assert_int_equal(check(RB_ICHK_BP, "550", &v), 0);
	assert_string_equal(v.iv_num, "550");
	assert_int_equal(check(RB_ICHK_FLAG, "1", &v), 0);
	assert_string_equal(v.iv_num, "1");
	assert_int_equal(check(RB_ICHK_INVOICE_NO, "FA2024-000042", &v), 0);
	assert_null(v.iv_num);
}

static void
test_values_by_type(void **state)
{
	struct rb_imp_val v;

	(void)state;
	assert_int_equal(check(RB_ICHK_CONTRACT_NO, "1000000001", &v), 0);
	assert_int_equal(v.iv_kind, RB_IMPV_TEXT);
	assert_int_equal(check(RB_ICHK_CONTRACT_NO, "100000001", &v), -1);
	assert_string_equal(why, "numéro de contrat invalide « 100000001 » "
	    "(10 chiffres attendus)");
	assert_int_equal(check(RB_ICHK_OLD_NO, "1234560A", &v), 0);
	assert_int_equal(check(RB_ICHK_OLD_NO, "1234560a", &v), -1);
	assert_int_equal(check(RB_ICHK_SERIAL, "I21BA012345", &v), 0);
	assert_int_equal(check(RB_ICHK_SERIAL, "i21ba012345", &v), -1);
	assert_int_equal(check(RB_ICHK_INVOICE_NO, "FA2024-000042", &v), 0);
	assert_int_equal(check(RB_ICHK_INVOICE_NO, "FA 2024", &v), -1);
	assert_int_equal(check(RB_ICHK_EMAIL, "a.b@exemple.fr", &v), 0);
	assert_int_equal(check(RB_ICHK_EMAIL, "a@b", &v), -1);
	assert_int_equal(check(RB_ICHK_EMAIL, "a@@b.fr", &v), -1);
	assert_int_equal(check(RB_ICHK_EMAIL, "a b@c.fr", &v), -1);
	assert_int_equal(check(RB_ICHK_PHONE, "+33320123456", &v), 0);
	assert_int_equal(check(RB_ICHK_PHONE, "03 20 12 34 56", &v), -1);
	assert_int_equal(check(RB_ICHK_POSTCODE, "59000", &v), 0);
	assert_int_equal(check(RB_ICHK_POSTCODE, "5900", &v), -1);
	assert_int_equal(check(RB_ICHK_COUNTRY, "BE", &v), 0);
	assert_int_equal(check(RB_ICHK_COUNTRY, "be", &v), -1);
	assert_int_equal(check(RB_ICHK_IBAN,
	    "FR76 3000 6000 0112 3456 7890 189", &v), 0);
	assert_int_equal(check(RB_ICHK_IBAN, "FR76 3000 6000 0112 3456 7890 198",
	    &v), -1);
	assert_string_equal(why, "IBAN invalide");
	assert_int_equal(check(RB_ICHK_BIC, "AGRIFRPP", &v), 0);
	assert_int_equal(check(RB_ICHK_BIC, "AGRIFRPP882", &v), 0);
	assert_int_equal(check(RB_ICHK_BIC, "AGRIFRP", &v), -1);
	assert_int_equal(check(RB_ICHK_RUM, "RBN-1000000002-01", &v), 0);
	assert_int_equal(check(RB_ICHK_RUM, "RUM_1", &v), -1);
	assert_int_equal(check(RB_ICHK_ENUM, "estimated", &v), 0);
	assert_int_equal(check(RB_ICHK_ENUM, "Estimated", &v), -1);
	assert_string_equal(why, "valeur « Estimated » inconnue (attendu : "
	    "actual, estimated)");
	assert_int_equal(check(RB_ICHK_FLAG, "1", &v), 0);
	assert_int_equal(v.iv_kind, RB_IMPV_INT);
	assert_int_equal(v.iv_int, 1);
	assert_int_equal(check(RB_ICHK_FLAG, "oui", &v), -1);
	assert_int_equal(check(RB_ICHK_BP, "10000", &v), 0);
	assert_int_equal(check(RB_ICHK_BP, "10001", &v), -1);
	assert_int_equal(check(RB_ICHK_COUNT, "-1", &v), -1);
	assert_int_equal(check(RB_ICHK_INT, "-1", &v), 0);
	assert_int_equal(v.iv_int, -1);
	assert_int_equal(check(RB_ICHK_DATE, "2023-02-30", &v), -1);
	assert_string_equal(why, "date impossible 2023-02-30");
}

static void
test_hashes(void **state)
{
	(void)state;
	assert_int_equal(rb_ichk_hash("!", why, sizeof(why)), 0);
	assert_int_equal(rb_ichk_hash("$6$SelDeMer2023abcd$UcrRQ7.1ZgkH1hon"
	    "iNJ37nkfp9GTrNToAnObukHJAzVGvICgkfq9TlVfJxuG/jzaMlArt4TRijTc7dB1"
	    "5Jtv51", why, sizeof(why)), 0);
	assert_int_equal(rb_ichk_hash("$6$salt$", why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_hash("$6$abc", why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_hash("motdepasse", why, sizeof(why)), -1);
	assert_int_equal(rb_ichk_hash("$6$ab$c!d", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "empreinte"));
}

static void
test_missing_default_and_optional(void **state)
{
	struct rb_ichk_col serial = { "serial", "serial", RB_ICHK_SERIAL, 1, 0,
	    NULL, NULL, "numéro de compteur manquant" };
	struct rb_ichk_col plain = { "label", "label", RB_ICHK_TEXT, 1, 10,
	    NULL, NULL, NULL };
	struct rb_ichk_col flag = { "paperless", "paperless", RB_ICHK_FLAG, 0,
	    0, NULL, "0", NULL };
	struct rb_ichk_col opt = { "end_date", "end_date", RB_ICHK_DATE, 0, 0,
	    NULL, NULL, NULL };
	struct rb_imp_val v;

	(void)state;
	assert_int_equal(rb_ichk_value(&serial, "", &v, why, sizeof(why)), -1);
	assert_string_equal(why, "numéro de compteur manquant");
	assert_int_equal(rb_ichk_value(&plain, NULL, &v, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "valeur obligatoire manquante (label)");
	assert_int_equal(rb_ichk_value(&flag, "", &v, why, sizeof(why)), 0);
	assert_int_equal(v.iv_kind, RB_IMPV_INT);
	assert_int_equal(v.iv_int, 0);
	assert_int_equal(rb_ichk_value(&opt, "", &v, why, sizeof(why)), 0);
	assert_int_equal(v.iv_kind, RB_IMPV_NULL);
}

static void
test_quote_cuts_at_a_character(void **state)
{
	char out[64];

	(void)state;
	rb_ichk_quote("court", out, sizeof(out));
	assert_string_equal(out, "court");
	/* 39 ASCII bytes then "é": the cut falls inside it, moves before. */
	rb_ichk_quote("123456789012345678901234567890123456789éééé", out,
	    sizeof(out));
	assert_string_equal(out, "123456789012345678901234567890123456789…");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_values_by_type),
		cmocka_unit_test(test_numbers_kept_as_read),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_missing_default_and_optional),
		cmocka_unit_test(test_quote_cuts_at_a_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
