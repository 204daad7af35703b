/*
 * test_form.c: unit tests of src/base/form.c, the urlencoded form and
 * query string parser: decoding, repeated keys, every limit and every
 * error code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/form.h"
#include "base/mem.h"

static int
setup(void **state)
{
	*state = rb_arena_new();
	return 0;
}

static int
teardown(void **state)
{
	rb_arena_free(*state);
	return 0;
}

/* Parses the C string s with limits; returns the error code. */
static enum rb_form_err
parse(rb_arena *a, const char *s, const struct rb_form_limits *limits,
    struct rb_form *f)
{
	enum rb_form_err err = RB_FORM_ERR__MAX;
	int rc;

	rc = rb_form_parse(a, s, strlen(s), limits, f, &err);
	assert_int_equal(rc, err == RB_FORM_OK ? 0 : -1);
	if (rc != 0) {
		/* Never a partial result. */
		assert_null(f->form_fields);
		assert_int_equal(f->form_nfields, 0);
	}
	return err;
}

static void
test_basic(void **state)
{
	struct rb_form f;

	assert_int_equal(parse(*state, "a=1&b=deux", NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 2);
	assert_string_equal(f.form_fields[0].ff_key, "a");
	assert_int_equal(f.form_fields[0].ff_key_len, 1);
	assert_string_equal(f.form_fields[0].ff_value, "1");
	assert_int_equal(f.form_fields[0].ff_value_len, 1);
	assert_string_equal(f.form_fields[1].ff_key, "b");
	assert_string_equal(f.form_fields[1].ff_value, "deux");
	assert_int_equal(f.form_fields[1].ff_value_len, 4);
	assert_string_equal(rb_form_get(&f, "a"), "1");
	assert_string_equal(rb_form_get(&f, "b"), "deux");
	assert_null(rb_form_get(&f, "c"));
	assert_null(rb_form_get(&f, "A"));
	assert_null(rb_form_get(&f, ""));
}

static void
test_decoding(void **state)
{
	struct rb_form f;

	assert_int_equal(parse(*state,
	    "nom=jean+dupont&plus=1%2B1&pr%C3%A9nom=%C3%89lodie&"
	    "a+b=c%20d&t=ligne1%0D%0Aligne2%09fin&pct=100%25&"
	    "eq=a%3Db&amp=x%26y&lower=%c3%a9", NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 9);
	assert_string_equal(rb_form_get(&f, "nom"), "jean dupont");
	assert_string_equal(rb_form_get(&f, "plus"), "1+1");
	assert_string_equal(rb_form_get(&f, "pr\xc3\xa9nom"), "\xc3\x89lodie");
	assert_string_equal(rb_form_get(&f, "a b"), "c d");
	assert_string_equal(rb_form_get(&f, "t"), "ligne1\r\nligne2\tfin");
	assert_int_equal(f.form_fields[4].ff_value_len, 18);
	assert_string_equal(rb_form_get(&f, "pct"), "100%");
	assert_string_equal(rb_form_get(&f, "eq"), "a=b");
	assert_string_equal(rb_form_get(&f, "amp"), "x&y");
	assert_string_equal(rb_form_get(&f, "lower"), "\xc3\xa9");
	/* Decoded once only. */
	assert_int_equal(parse(*state, "x=%2541", NULL, &f), RB_FORM_OK);
	assert_string_equal(rb_form_get(&f, "x"), "%41");
	/* Raw UTF-8 is accepted as it is. */
	assert_int_equal(parse(*state, "ville=Saint-\xc3\x89tienne", NULL, &f),
	    RB_FORM_OK);
	assert_string_equal(rb_form_get(&f, "ville"), "Saint-\xc3\x89tienne");
}

static void
test_empty_and_odd(void **state)
{
	struct rb_form f;

	assert_int_equal(parse(*state, "", NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 0);
	assert_null(rb_form_get(&f, "a"));
	assert_int_equal(rb_form_count(&f, "a"), 0);
	assert_int_equal(parse(*state, "&&&", NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 0);

	assert_int_equal(parse(*state, "a=&b&&c=3&", NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 3);
	assert_string_equal(rb_form_get(&f, "a"), "");
	assert_int_equal(f.form_fields[0].ff_value_len, 0);
	assert_string_equal(rb_form_get(&f, "b"), "");
	assert_int_equal(f.form_fields[1].ff_value_len, 0);
	assert_string_equal(rb_form_get(&f, "c"), "3");

	assert_int_equal(parse(*state, "=x&a=b=c&==", NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 3);
	assert_string_equal(f.form_fields[0].ff_key, "");
	assert_string_equal(f.form_fields[0].ff_value, "x");
	assert_string_equal(rb_form_get(&f, ""), "x");
	assert_string_equal(rb_form_get(&f, "a"), "b=c");
	assert_string_equal(f.form_fields[2].ff_value, "=");

	assert_int_equal(parse(*state, "+=+", NULL, &f), RB_FORM_OK);
	assert_string_equal(rb_form_get(&f, " "), " ");
}

static void
test_not_nul_terminated(void **state)
{
	static const char s[] = "a=1&b=2%zz";
	struct rb_form f;
	enum rb_form_err err;

	/* Only len bytes are read: the bad escape lies beyond them. */
	assert_int_equal(rb_form_parse(*state, s, 7, NULL, &f, &err), 0);
	assert_int_equal(err, RB_FORM_OK);
	assert_int_equal(f.form_nfields, 2);
	assert_string_equal(rb_form_get(&f, "b"), "2");
	assert_int_equal(rb_form_parse(*state, s, 8, NULL, &f, &err), -1);
	assert_int_equal(err, RB_FORM_BAD_ESCAPE);
	/* An escape cut by len is bad even if the bytes after complete it. */
	assert_int_equal(rb_form_parse(*state, "a=%41", 4, NULL, &f, &err), -1);
	assert_int_equal(err, RB_FORM_BAD_ESCAPE);
	assert_int_equal(rb_form_parse(*state, "a=%41", 3, NULL, &f, &err), -1);
	assert_int_equal(err, RB_FORM_BAD_ESCAPE);
	assert_int_equal(rb_form_parse(*state, "a=%41", 5, NULL, &f, &err), 0);
	assert_string_equal(rb_form_get(&f, "a"), "A");
	/* err may be NULL. */
	assert_int_equal(rb_form_parse(*state, s, sizeof(s) - 1, NULL, &f,
	    NULL), -1);
	assert_int_equal(rb_form_parse(*state, s, 3, NULL, &f, NULL), 0);
}

static void
test_repeated_keys(void **state)
{
	const struct rb_form_field *ff;
	static const char *const want[] = { "1", "2", "", "3" };
	struct rb_form f;
	size_t n = 0;

	assert_int_equal(parse(*state, "id=1&id=2&x=0&id&id=3&ID=4", NULL, &f),
	    RB_FORM_OK);
	assert_int_equal(f.form_nfields, 6);
	assert_int_equal(rb_form_count(&f, "id"), 4);
	assert_int_equal(rb_form_count(&f, "x"), 1);
	assert_int_equal(rb_form_count(&f, "ID"), 1);
	assert_int_equal(rb_form_count(&f, "i"), 0);
	assert_string_equal(rb_form_get(&f, "id"), "1");
	for (ff = rb_form_next(&f, "id", NULL); ff != NULL;
	    ff = rb_form_next(&f, "id", ff)) {
		assert_true(n < RB_NELEM(want));
		assert_string_equal(ff->ff_key, "id");
		assert_string_equal(ff->ff_value, want[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_null(rb_form_next(&f, "nope", NULL));
	/* Iteration from the last field ends. */
	assert_null(rb_form_next(&f, "ID", &f.form_fields[5]));
	assert_ptr_equal(rb_form_next(&f, "x", NULL), &f.form_fields[2]);
}

static void
test_limit_fields(void **state)
{
	const struct rb_form_limits lim = { 3, 64, 64 };
	const struct rb_form_limits none = { 0, 64, 64 };
	struct rb_form f;

	assert_int_equal(parse(*state, "a&b&c", &lim, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 3);
	assert_int_equal(parse(*state, "a&b&c&d", &lim, &f),
	    RB_FORM_TOO_MANY_FIELDS);
	assert_int_equal(parse(*state, "a=1&b=2&c=3&d=4&e=5", &lim, &f),
	    RB_FORM_TOO_MANY_FIELDS);
	/* Empty fields do not count. */
	assert_int_equal(parse(*state, "&a&&b&&c&&", &lim, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 3);
	/* Repeated keys count once each. */
	assert_int_equal(parse(*state, "a&a&a&a", &lim, &f),
	    RB_FORM_TOO_MANY_FIELDS);
	/* A limit of zero allows only empty input. */
	assert_int_equal(parse(*state, "", &none, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "&", &none, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "a", &none, &f),
	    RB_FORM_TOO_MANY_FIELDS);
}

static void
test_limit_key(void **state)
{
	const struct rb_form_limits lim = { 8, 3, 64 };
	struct rb_form f;

	assert_int_equal(parse(*state, "abc=1", &lim, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "abcd=1", &lim, &f),
	    RB_FORM_KEY_TOO_LONG);
	assert_int_equal(parse(*state, "abcd", &lim, &f), RB_FORM_KEY_TOO_LONG);
	/* Decoded length counts, not raw length. */
	assert_int_equal(parse(*state, "%61%62%63=1", &lim, &f), RB_FORM_OK);
	assert_string_equal(rb_form_get(&f, "abc"), "1");
	assert_int_equal(parse(*state, "%61%62%63%64=1", &lim, &f),
	    RB_FORM_KEY_TOO_LONG);
	/* The key limit does not apply to values. */
	assert_int_equal(parse(*state, "k=abcdefgh", &lim, &f), RB_FORM_OK);
}

static void
test_limit_value(void **state)
{
	const struct rb_form_limits lim = { 8, 64, 4 };
	const struct rb_form_limits zero = { 8, 64, 0 };
	char big[9000];
	struct rb_form f;
	size_t used;

	assert_int_equal(parse(*state, "k=abcd", &lim, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "k=abcde", &lim, &f),
	    RB_FORM_VALUE_TOO_LONG);
	assert_int_equal(parse(*state, "a=1&k=abcde", &lim, &f),
	    RB_FORM_VALUE_TOO_LONG);
	assert_int_equal(parse(*state, "k=%C3%A9%C3%A9", &lim, &f),
	    RB_FORM_OK);
	assert_int_equal(f.form_fields[0].ff_value_len, 4);
	assert_int_equal(parse(*state, "k=%C3%A9%C3%A9x", &lim, &f),
	    RB_FORM_VALUE_TOO_LONG);
	assert_int_equal(parse(*state, "k=++++", &lim, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "k=", &zero, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "k", &zero, &f), RB_FORM_OK);
	assert_int_equal(parse(*state, "k=x", &zero, &f),
	    RB_FORM_VALUE_TOO_LONG);

	/* Default limits: 8192-byte values. */
	memcpy(big, "v=", 2);
	memset(big + 2, 'x', 8192);
	big[8194] = '\0';
	assert_int_equal(parse(*state, big, NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_fields[0].ff_value_len, 8192);
	big[8194] = 'x';
	big[8195] = '\0';
	used = rb_arena_used(*state);
	assert_int_equal(parse(*state, big, NULL, &f), RB_FORM_VALUE_TOO_LONG);
	/* Refused before any copy of it was allocated. */
	assert_true(rb_arena_used(*state) - used < 1024);
}

static void
test_default_limits(void **state)
{
	char s[2048];
	struct rb_form f;
	size_t n = 0, i;

	assert_int_equal(rb_form_default_limits.fl_max_fields, 64);
	assert_int_equal(rb_form_default_limits.fl_max_key_len, 64);
	assert_int_equal(rb_form_default_limits.fl_max_value_len, 8192);
	for (i = 0; i < 64; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "k%zu=v&", i);
	assert_int_equal(parse(*state, s, NULL, &f), RB_FORM_OK);
	assert_int_equal(f.form_nfields, 64);
	assert_string_equal(rb_form_get(&f, "k63"), "v");
	snprintf(s + n, sizeof(s) - n, "k64=v");
	assert_int_equal(parse(*state, s, NULL, &f), RB_FORM_TOO_MANY_FIELDS);
}

static void
test_bad_escape(void **state)
{
	static const char *const bad[] = {
		"a=%", "a=%4", "a=%zz", "a=%4g", "a=%g4", "a=% 1", "a=%%41",
		"a=1%", "%=1", "k%=1", "%2=1", "a=%-1", "a=%+1", "a=%0x1",
	};
	struct rb_form f;
	size_t i;

	for (i = 0; i < RB_NELEM(bad); i++)
		if (parse(*state, bad[i], NULL, &f) != RB_FORM_BAD_ESCAPE)
			fail_msg("\"%s\" not refused as a bad escape", bad[i]);
}

static void
test_nul(void **state)
{
	static const char raw[] = "a=b\0c";
	struct rb_form f;
	enum rb_form_err err;

	assert_int_equal(parse(*state, "a=%00", NULL, &f), RB_FORM_NUL);
	assert_int_equal(parse(*state, "a=x%00y", NULL, &f), RB_FORM_NUL);
	assert_int_equal(parse(*state, "%00=1", NULL, &f), RB_FORM_NUL);
	assert_int_equal(parse(*state, "a%00b", NULL, &f), RB_FORM_NUL);
	assert_int_equal(rb_form_parse(*state, raw, sizeof(raw) - 1, NULL, &f,
	    &err), -1);
	assert_int_equal(err, RB_FORM_NUL);
	assert_int_equal(rb_form_parse(*state, "a\0=1", 4, NULL, &f, &err), -1);
	assert_int_equal(err, RB_FORM_NUL);
	/* Other controls are kept. */
	assert_int_equal(parse(*state, "a=%01%1F%7F", NULL, &f), RB_FORM_OK);
	assert_string_equal(rb_form_get(&f, "a"), "\x01\x1f\x7f");
}

static void
test_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"a=%C3", "a=%C3x", "a=%FF", "a=%80", "a=%C0%80", "a=%C0%AE",
		"a=%E0%80%AF", "a=%ED%A0%80", "a=%F4%90%80%80", "a=%F8%88%80%80",
		"a=caf\xe9", "a=\xc3", "%C3=1", "k\xff=1", "a=%E2%82",
	};
	static const char *const good[] = {
		"a=%C2%80", "a=%ED%9F%BF", "a=%F4%8F%BF%BF", "a=%E2%82%AC",
		"a=%F0%9F%92%A7",
	};
	struct rb_form f;
	size_t i;

	for (i = 0; i < RB_NELEM(bad); i++)
		if (parse(*state, bad[i], NULL, &f) != RB_FORM_BAD_UTF8)
			fail_msg("\"%s\" not refused as bad UTF-8", bad[i]);
	for (i = 0; i < RB_NELEM(good); i++)
		if (parse(*state, good[i], NULL, &f) != RB_FORM_OK)
			fail_msg("\"%s\" refused", good[i]);
}

static void
test_first_error_wins(void **state)
{
	const struct rb_form_limits lim = { 2, 3, 3 };
	struct rb_form f;

	assert_int_equal(parse(*state, "a=%00&b=%zz", NULL, &f), RB_FORM_NUL);
	assert_int_equal(parse(*state, "a=%zz&b=%00", NULL, &f),
	    RB_FORM_BAD_ESCAPE);
	assert_int_equal(parse(*state, "abcd=%zz", &lim, &f),
	    RB_FORM_KEY_TOO_LONG);
	assert_int_equal(parse(*state, "a=abcd&b=%FF", &lim, &f),
	    RB_FORM_VALUE_TOO_LONG);
	assert_int_equal(parse(*state, "a=%FF&b=abcd", &lim, &f),
	    RB_FORM_BAD_UTF8);
	assert_int_equal(parse(*state, "a=1&b=2&c=%zz", &lim, &f),
	    RB_FORM_TOO_MANY_FIELDS);
}

static void
test_strerror(void **state)
{
	int i, j;

	(void)state;
	assert_string_equal(rb_form_strerror(RB_FORM_OK), "no error");
	assert_string_equal(rb_form_strerror(RB_FORM_TOO_MANY_FIELDS),
	    "too many fields");
	assert_string_equal(rb_form_strerror(RB_FORM_VALUE_TOO_LONG),
	    "value too long");
	for (i = 0; i < RB_FORM_ERR__MAX; i++) {
		assert_non_null(rb_form_strerror(i));
		assert_true(strlen(rb_form_strerror(i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(rb_form_strerror(i),
			    rb_form_strerror(j));
	}
	assert_string_equal(rb_form_strerror(RB_FORM_ERR__MAX),
	    "unknown error");
	assert_string_equal(rb_form_strerror((enum rb_form_err)-1),
	    "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_odd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_nul_terminated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_repeated_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limit_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limit_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_value, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_default_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_escape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_error_wins, setup,
		    teardown),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
