/*
 * test_auth_input.c: normalisation and checks of what people type to
 * get into their space (app/auth_input.c): email addresses, former
 * customer ids, contract, invoice and meter numbers, names, tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/auth_priv.h"

typedef int (*norm_fn)(const char *, char *, size_t);

/* fn(in) must give want, or fail when want is NULL. */
static void
check(norm_fn fn, const char *in, const char *want)
{
	char out[RB_EMAIL_MAX];

	if (want == NULL) {
		assert_int_equal(fn(in, out, sizeof(out)), -1);
		assert_string_equal(out, "");
		return;
	}
	if (fn(in, out, sizeof(out)) != 0)
		fail_msg("refused: \"%s\"", in);
	assert_string_equal(out, want);
}

static void
emails(void **state)
{
	char big[400];

	(void)state;
	check(rb_auth_norm_email, "demo@robinet.test", "demo@robinet.test");
	check(rb_auth_norm_email, "  Demo@Robinet.TEST\t", "demo@robinet.test");
	/* No-break spaces pasted around. */
	check(rb_auth_norm_email, "\xc2\xa0" "a@b.fr" "\xe2\x80\xaf",
	    "a@b.fr");
	check(rb_auth_norm_email, "Jean.Dupont+eau@exemple.fr",
	    "jean.dupont+eau@exemple.fr");
	/* NFC: e + combining acute becomes one é; upper case folded. */
	check(rb_auth_norm_email, "Ge\xcc\x81rard@exemple.fr",
	    "g\xc3\xa9rard@exemple.fr");
	check(rb_auth_norm_email, "G\xc3\x89RARD@EXEMPLE.FR",
	    "g\xc3\xa9rard@exemple.fr");
	check(rb_auth_norm_email, "a@sous-domaine.exemple.fr",
	    "a@sous-domaine.exemple.fr");

	check(rb_auth_norm_email, NULL, NULL);
	check(rb_auth_norm_email, "", NULL);
	check(rb_auth_norm_email, "   ", NULL);
	check(rb_auth_norm_email, "demo", NULL);
	check(rb_auth_norm_email, "demo@", NULL);
	check(rb_auth_norm_email, "@robinet.test", NULL);
	check(rb_auth_norm_email, "demo@robinet", NULL);
	check(rb_auth_norm_email, "demo@@robinet.test", NULL);
	check(rb_auth_norm_email, "de mo@robinet.test", NULL);
	check(rb_auth_norm_email, "demo@robinet..test", NULL);
	check(rb_auth_norm_email, "demo.@robinet.test", NULL);
	check(rb_auth_norm_email, ".demo@robinet.test", NULL);
	check(rb_auth_norm_email, "de..mo@robinet.test", NULL);
	check(rb_auth_norm_email, "demo@-robinet.test", NULL);
	check(rb_auth_norm_email, "demo@robinet-.test", NULL);
	check(rb_auth_norm_email, "demo@192.0.2.1", NULL);
	check(rb_auth_norm_email, "demo@[192.0.2.1]", NULL);
	check(rb_auth_norm_email, "\"demo\"@robinet.test", NULL);
	check(rb_auth_norm_email, "demo@robinet.test\r\nBcc: x@y.fr", NULL);
	check(rb_auth_norm_email, "demo\x01@robinet.test", NULL);
	check(rb_auth_norm_email, "d\xc3@robinet.test", NULL);	/* UTF-8 */
	/* 64 bytes of local part at most, 254 in all. */
	memset(big, 'a', 65);
	strcpy(big + 65, "@robinet.test");
	check(rb_auth_norm_email, big, NULL);
	strcpy(big + 64, "@robinet.test");
	check(rb_auth_norm_email, big, big);
	memset(big, 'a', sizeof(big));
	big[0] = 'x';
	big[1] = '@';
	for (int i = 50; i < 300; i += 50)
		big[i] = '.';
	strcpy(big + 300, ".fr");
	check(rb_auth_norm_email, big, NULL);
}

static void
numbers(void **state)
{
	(void)state;
	check(rb_auth_norm_old_id, "1234567A", "1234567A");
	check(rb_auth_norm_old_id, "1234567a", "1234567A");
	check(rb_auth_norm_old_id, " 1234 567A ", "1234567A");
	check(rb_auth_norm_old_id, "1234-567-a", "1234567A");
	check(rb_auth_norm_old_id, "12#4567A", NULL);
	check(rb_auth_norm_old_id, "123", NULL);
	check(rb_auth_norm_old_id, "123456789012345678901", NULL);
	check(rb_auth_norm_old_id, "12345é7A", NULL);
	check(rb_auth_norm_old_id, NULL, NULL);

	check(rb_auth_norm_contract, "1000000004", "1000000004");
	check(rb_auth_norm_contract, "1000 000 004", "1000000004");
	check(rb_auth_norm_contract, " 10.00.00.00.04 ", "1000000004");
	check(rb_auth_norm_contract, "10-0000-0004", "1000000004");
	check(rb_auth_norm_contract, "100000004", NULL);
	check(rb_auth_norm_contract, "10000000040", NULL);
	check(rb_auth_norm_contract, "100000000A", NULL);
	check(rb_auth_norm_contract, "", NULL);

	check(rb_auth_norm_invoice, "FA2024-000042", "FA2024-000042");
	check(rb_auth_norm_invoice, "fa2024-000042", "FA2024-000042");
	check(rb_auth_norm_invoice, "FA 2024 000042", "FA2024-000042");
	check(rb_auth_norm_invoice, "fa2024000042", "FA2024-000042");
	check(rb_auth_norm_invoice, "E230000001", "E230000001");
	check(rb_auth_norm_invoice, "FA2024_000042", NULL);
	check(rb_auth_norm_invoice, "FA", NULL);

	check(rb_auth_norm_meter, "I21BA012345", "I21BA012345");
	check(rb_auth_norm_meter, "i21 ba 012345", "I21BA012345");
	check(rb_auth_norm_meter, "I21-BA-012345", "I21BA012345");
	check(rb_auth_norm_meter, "I21", NULL);
	check(rb_auth_norm_meter, "I21BA/012345", NULL);
}

static void
names_and_text(void **state)
{
	char out[128];
	char long_name[200];

	(void)state;
	assert_null(rb_auth_check_name("  Vandenbussche ", 1, "vide", "long",
	    out, sizeof(out)));
	assert_string_equal(out, "Vandenbussche");
	assert_null(rb_auth_check_name("Ge\xcc\x81rard", 1, "vide", "long",
	    out, sizeof(out)));
	assert_string_equal(out, "G\xc3\xa9rard");
	assert_string_equal(rb_auth_check_name(" ", 1, "vide", "long", out,
	    sizeof(out)), "vide");
	assert_null(rb_auth_check_name(NULL, 0, "vide", "long", out,
	    sizeof(out)));
	assert_string_equal(out, "");
	assert_non_null(rb_auth_check_name("A\nB", 1, "vide", "long", out,
	    sizeof(out)));
	/* 60 characters, not bytes: 60 é fit, 61 do not. */
	for (int i = 0; i < 61; i++)
		memcpy(long_name + 2 * i, "\xc3\xa9", 2);
	long_name[122] = '\0';
	assert_string_equal(rb_auth_check_name(long_name, 1, "vide", "long",
	    out, sizeof(out)), "long");
	long_name[120] = '\0';
	assert_null(rb_auth_check_name(long_name, 1, "vide", "long", out,
	    sizeof(out)));

	assert_int_equal(rb_auth_clean_text("  Martine@Exemple.fr ", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "Martine@Exemple.fr");
	assert_int_equal(rb_auth_clean_text("\xff", out, sizeof(out)), -1);
}

static void
tokens(void **state)
{
	(void)state;
	assert_true(rb_auth_token_shaped(
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234"));
	assert_false(rb_auth_token_shaped(
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123"));
	assert_false(rb_auth_token_shaped(
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_012345"));
	assert_false(rb_auth_token_shaped(
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123="));
	assert_false(rb_auth_token_shaped(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(emails),
		cmocka_unit_test(numbers),
		cmocka_unit_test(names_and_text),
		cmocka_unit_test(tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
