/*
 * test_path.c: unit tests of src/base/path.c, request path
 * canonicalisation: accepted paths and their canonical form, every
 * traversal and encoding trick refused, limits, and rb_path_join_under().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/mem.h"
#include "base/path.h"

struct path_case {
	const char	*pc_in;
	const char	*pc_out;	/* NULL: must be rejected */
};

/* Runs the cases through fn, both on success and failure. */
static void
run_cases(int (*fn)(const char *, size_t, char *, size_t),
    const struct path_case *cases, size_t n)
{
	char out[RB_PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(out, 'X', sizeof(out));
		rc = fn(cases[i].pc_in, strlen(cases[i].pc_in), out,
		    sizeof(out));
		if (cases[i].pc_out == NULL) {
			if (rc != -1)
				fail_msg("\"%s\" accepted as \"%s\"",
				    cases[i].pc_in, out);
			if (out[0] != '\0')
				fail_msg("\"%s\": out not cleared",
				    cases[i].pc_in);
		} else {
			if (rc != 0)
				fail_msg("\"%s\" rejected", cases[i].pc_in);
			if (strcmp(out, cases[i].pc_out) != 0)
				fail_msg("\"%s\" gave \"%s\", want \"%s\"",
				    cases[i].pc_in, out, cases[i].pc_out);
		}
	}
}

static void
test_canon_plain(void **state)
{
	static const struct path_case cases[] = {
		{ "/", "/" },
		{ "/index.html", "/index.html" },
		{ "/mes-factures", "/mes-factures" },
		{ "/mes-factures/", "/mes-factures/" },
		{ "//", "/" },
		{ "///", "/" },
		{ "//a//b///", "/a/b/" },
		{ "/a/./b", "/a/b" },
		{ "/./a", "/a" },
		{ "/.", "/" },
		{ "/a/b/.", "/a/b/" },
		{ "/a/b/..", "/a/" },
		{ "/a/b/../", "/a/" },
		{ "/a/b/../c", "/a/c" },
		{ "/a/..", "/" },
		{ "/a/../", "/" },
		{ "/a/b/../../c", "/c" },
		{ "/static/css/../js/app.js", "/static/js/app.js" },
		{ "/a/./../b/./c/.", "/b/c/" },
		/* Dots that are names, not dot segments. */
		{ "/...", "/..." },
		{ "/.../x", "/.../x" },
		{ "/.hidden", "/.hidden" },
		{ "/a..", "/a.." },
		{ "/..a", "/..a" },
		{ "/..;/x", "/..;/x" },
		{ "/a/b.", "/a/b." },
		/* '+' is not a space in a path. */
		{ "/a+b", "/a+b" },
		/* Raw UTF-8. */
		{ "/caf\xc3\xa9", "/caf\xc3\xa9" },
		{ "/\xe2\x82\xac/\xf0\x9f\x92\xa7", "/\xe2\x82\xac/\xf0\x9f\x92\xa7" },
	};

	(void)state;
	run_cases(rb_path_canon, cases, RB_NELEM(cases));
}

static void
test_canon_decoding(void **state)
{
	static const struct path_case cases[] = {
		{ "/%61%62", "/ab" },
		{ "/%4A%4a", "/JJ" },
		{ "/caf%C3%A9", "/caf\xc3\xa9" },
		{ "/caf%c3%a9", "/caf\xc3\xa9" },
		{ "/a%20b", "/a b" },
		{ "/a%3Fb", "/a?b" },
		{ "/a%23b", "/a#b" },
		{ "/a%2bb", "/a+b" },
		/* %2f is a separator once decoded. */
		{ "/a%2fb", "/a/b" },
		{ "/a%2F%2Fb", "/a/b" },
		{ "/a/%2e/b", "/a/b" },
		{ "/a/%2E/b", "/a/b" },
		{ "/a/b/%2e%2e/c", "/a/c" },
		{ "/a/b/.%2e/c", "/a/c" },
		{ "/a/b/%2e./c", "/a/c" },
		{ "/a/b%2f..%2fc", "/a/c" },
		{ "/a/.%2e", "/" },
		/* Decoded once: "%25" is a literal '%', never decoded again. */
		{ "/%252e%252e/x", "/%2e%2e/x" },
		{ "/a/%252e%252e%252f", "/a/%2e%2e%2f" },
		{ "/100%25", "/100%" },
	};

	(void)state;
	run_cases(rb_path_canon, cases, RB_NELEM(cases));
}

static void
test_canon_traversal(void **state)
{
	static const struct path_case cases[] = {
		{ "/..", NULL },
		{ "/../", NULL },
		{ "/../etc/passwd", NULL },
		{ "/static/../../etc/passwd", NULL },
		{ "/a/../..", NULL },
		{ "/a/../../b", NULL },
		{ "/./..", NULL },
		{ "//..//..//etc", NULL },
		{ "/%2e%2e/", NULL },
		{ "/%2e%2e", NULL },
		{ "/%2E%2E/etc/passwd", NULL },
		{ "/.%2e/", NULL },
		{ "/%2e./", NULL },
		{ "/static/%2e%2e/%2e%2e/etc/passwd", NULL },
		{ "/static%2f..%2f..%2fetc%2fpasswd", NULL },
		{ "/%2f..", NULL },
		{ "/a/%2e%2e%2f%2e%2e%2fetc", NULL },
		/* Backslashes, raw or encoded, never act as separators. */
		{ "/..\\etc", NULL },
		{ "/a\\b", NULL },
		{ "/a%5cb", NULL },
		{ "/..%5c..%5cetc", NULL },
		{ "/..%5C", NULL },
		/* Overlong UTF-8 forms of '.', '/' and '\' (the IIS trick). */
		{ "/%c0%ae%c0%ae/etc", NULL },
		{ "/..%c0%afetc", NULL },
		{ "/..%c1%9cetc", NULL },
		{ "/%e0%80%ae%e0%80%ae/", NULL },
		{ "/..%e0%80%afetc", NULL },
		{ "/%f0%80%80%ae", NULL },
	};

	(void)state;
	run_cases(rb_path_canon, cases, RB_NELEM(cases));
}

static void
test_canon_bad_bytes(void **state)
{
	static const struct path_case cases[] = {
		/* Not a path. */
		{ "", NULL },
		{ "a/b", NULL },
		{ "%2fa", NULL },
		{ "*", NULL },
		{ "./a", NULL },
		/* Bad escapes. */
		{ "/a%", NULL },
		{ "/a%2", NULL },
		{ "/a%zz", NULL },
		{ "/a%g0", NULL },
		{ "/a%0g", NULL },
		{ "/a% 1", NULL },
		{ "/a%%41", NULL },
		{ "/%-1", NULL },
		/* NUL and controls, raw or encoded. */
		{ "/a%00", NULL },
		{ "/a%00.html", NULL },
		{ "/a%0a", NULL },
		{ "/a%0D%0ASet-Cookie:x", NULL },
		{ "/a\tb", NULL },
		{ "/a\nb", NULL },
		{ "/a%09", NULL },
		{ "/a%1b", NULL },
		{ "/a%1f", NULL },
		{ "/a%7f", NULL },
		{ "/a\x7f", NULL },
		{ "/a\x01", NULL },
		/* Invalid UTF-8. */
		{ "/%c3", NULL },
		{ "/%c3x", NULL },
		{ "/%80", NULL },
		{ "/%bf", NULL },
		{ "/%ff", NULL },
		{ "/%fe", NULL },
		{ "/%c0%80", NULL },
		{ "/%e0%9f%bf", NULL },
		{ "/%ed%a0%80", NULL },
		{ "/%ed%bf%bf", NULL },
		{ "/%f4%90%80%80", NULL },
		{ "/%f5%80%80%80", NULL },
		{ "/%e2%82", NULL },
		{ "/%f0%9f%92", NULL },
		{ "/caf\xe9", NULL },
		{ "/\xc3", NULL },
		/* C1 controls (U+0080-U+009F). */
		{ "/%c2%80", NULL },
		{ "/%c2%85", NULL },
		{ "/%c2%9f", NULL },
		/* Just outside the rejected ranges. */
		{ "/%c2%a0", "/\xc2\xa0" },
		{ "/%ed%9f%bf", "/\xed\x9f\xbf" },
		{ "/%ee%80%80", "/\xee\x80\x80" },
		{ "/%f4%8f%bf%bf", "/\xf4\x8f\xbf\xbf" },
		{ "/%7e", "/~" },
		{ "/%20", "/ " },
	};

	(void)state;
	run_cases(rb_path_canon, cases, RB_NELEM(cases));
}

static void
test_canon_raw_nul(void **state)
{
	static const char raw[] = "/a\0b";	/* NUL inside the length */
	char out[RB_PATH_MAX];

	(void)state;
	assert_int_equal(rb_path_canon(raw, 4, out, sizeof(out)), -1);
	assert_int_equal(rb_path_canon_decoded(raw, 4, out, sizeof(out)), -1);
	/* Only len bytes are read: the same bytes cut before the NUL pass. */
	assert_int_equal(rb_path_canon(raw, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "/a");
	/* Input without a NUL terminator. */
	assert_int_equal(rb_path_canon("/abc/..XYZ", 7, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
}

static void
test_canon_length(void **state)
{
	char in[4 * RB_PATH_MAX], out[RB_PATH_MAX], big[4 * RB_PATH_MAX];
	size_t i, n;

	(void)state;
	/* The longest accepted path: RB_PATH_MAX - 1 bytes. */
	in[0] = '/';
	memset(in + 1, 'a', RB_PATH_MAX - 2);
	assert_int_equal(rb_path_canon(in, RB_PATH_MAX - 1, out, sizeof(out)),
	    0);
	assert_int_equal(strlen(out), RB_PATH_MAX - 1);
	/* One byte more is too long. */
	memset(in + 1, 'a', RB_PATH_MAX - 1);
	assert_int_equal(rb_path_canon(in, RB_PATH_MAX, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	/* Whatever room the caller offers. */
	assert_int_equal(rb_path_canon(in, RB_PATH_MAX, big, sizeof(big)), -1);
	assert_int_equal(rb_path_canon_decoded(in, RB_PATH_MAX, big,
	    sizeof(big)), -1);
	assert_int_equal(rb_path_canon_decoded(in, RB_PATH_MAX - 1, big,
	    sizeof(big)), 0);
	/* Decoded length counts: 1023 escapes decode to 1023 bytes. */
	in[0] = '/';
	for (i = 0, n = 1; i < RB_PATH_MAX - 2; i++, n += 3)
		memcpy(in + n, "%61", 3);
	assert_int_equal(rb_path_canon(in, n, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), RB_PATH_MAX - 1);
	/* Long inputs are refused even when dot segments shorten them. */
	for (n = 0; n + 4 <= sizeof(in); n += 4)
		memcpy(in + n, "/a/.", 4);
	assert_int_equal(rb_path_canon(in, n, out, sizeof(out)), -1);
	/* 100 times "/a/." is "/" followed by 100 times "a/". */
	assert_int_equal(rb_path_canon(in, 400, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 201);
	for (i = 1; i < 201; i += 2)
		assert_memory_equal(out + i, "a/", 2);
}

static void
test_canon_outlen(void **state)
{
	char out[8];

	(void)state;
	/* "/abc" needs 5 bytes with its NUL. */
	assert_int_equal(rb_path_canon("/abc", 4, out, 5), 0);
	assert_string_equal(out, "/abc");
	memset(out, 'X', sizeof(out));
	assert_int_equal(rb_path_canon("/abc", 4, out, 4), -1);
	assert_int_equal(out[0], '\0');
	assert_int_equal(out[4], 'X');	/* nothing written past outlen */
	/* The trailing slash counts while building "/abc/". */
	assert_int_equal(rb_path_canon("/abc/", 5, out, 6), 0);
	assert_string_equal(out, "/abc/");
	assert_int_equal(rb_path_canon("/abc/", 5, out, 5), -1);
	assert_int_equal(rb_path_canon("/", 1, out, 2), 0);
	assert_string_equal(out, "/");
	assert_int_equal(rb_path_canon("/", 1, out, 1), -1);
	assert_int_equal(out[0], '\0');
	assert_int_equal(rb_path_canon("/", 1, out, 0), -1);
}

static void
test_canon_decoded(void **state)
{
	static const struct path_case cases[] = {
		{ "/", "/" },
		{ "/a//b/./c/..", "/a/b/" },
		{ "/caf\xc3\xa9", "/caf\xc3\xa9" },
		/* '%' is an ordinary byte here: nothing is decoded. */
		{ "/%2e%2e/x", "/%2e%2e/x" },
		{ "/a%2fb", "/a%2fb" },
		{ "/100%", "/100%" },
		{ "/a%00", "/a%00" },
		{ "/a%zz", "/a%zz" },
		{ "/a%5c", "/a%5c" },
		{ "/..", NULL },
		{ "/../etc/passwd", NULL },
		{ "/static/../../etc/passwd", NULL },
		{ "/a\\b", NULL },
		{ "/..\\..\\etc", NULL },
		{ "/a\nb", NULL },
		{ "/a\rb", NULL },
		{ "/a\x7f", NULL },
		{ "/a\x1b", NULL },
		{ "/\xc0\xae\xc0\xae/", NULL },
		{ "/\xc2\x85", NULL },
		{ "/\xed\xa0\x80", NULL },
		{ "/\xff", NULL },
		{ "", NULL },
		{ "a", NULL },
	};

	(void)state;
	run_cases(rb_path_canon_decoded, cases, RB_NELEM(cases));
}

static void
test_canon_idempotent(void **state)
{
	static const char *const inputs[] = {
		"/", "//a//b///", "/a/b/..", "/a/./b", "/static/css/../js/app.js",
		"/caf%C3%A9/", "/a%2fb/%2e/c", "/...", "/a b", "/%252e",
		"/.x/..y/", "/a/b/.",
	};
	char once[RB_PATH_MAX], twice[RB_PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < RB_NELEM(inputs); i++) {
		assert_int_equal(rb_path_canon(inputs[i], strlen(inputs[i]),
		    once, sizeof(once)), 0);
		assert_int_equal(rb_path_canon_decoded(once, strlen(once),
		    twice, sizeof(twice)), 0);
		assert_string_equal(once, twice);
		if (strchr(once, '%') == NULL) {
			assert_int_equal(rb_path_canon(once, strlen(once),
			    twice, sizeof(twice)), 0);
			assert_string_equal(once, twice);
		}
	}
}

static void
test_join_under(void **state)
{
	char out[RB_PATH_MAX];

	(void)state;
	assert_int_equal(rb_path_join_under("/srv/static", "/css/a.css", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/srv/static/css/a.css");
	assert_int_equal(rb_path_join_under("/srv/static/", "/css/a.css", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/srv/static/css/a.css");
	assert_int_equal(rb_path_join_under("/srv/static//", "/", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/srv/static/");
	assert_int_equal(rb_path_join_under("static", "/a", out, sizeof(out)),
	    0);
	assert_string_equal(out, "static/a");
	assert_int_equal(rb_path_join_under("/", "/etc/motd", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/etc/motd");
	/* A literal "%2e%2e" segment stays a name under the root. */
	assert_int_equal(rb_path_join_under("/srv", "/%2e%2e/x", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/srv/%2e%2e/x");

	/* Anything not canonical is refused. */
	memset(out, 'X', sizeof(out));
	assert_int_equal(rb_path_join_under("/srv/static", "/../etc/passwd",
	    out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(rb_path_join_under("/srv/static", "/a/../../etc",
	    out, sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "/a/../b", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "//etc", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "/./a", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "etc/passwd", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "/a\\..\\..", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("/srv/static", "/a\n", out,
	    sizeof(out)), -1);
	assert_int_equal(rb_path_join_under("", "/a", out, sizeof(out)), -1);
	/* Too small for root + canon + NUL. */
	assert_int_equal(rb_path_join_under("/srv", "/ab", out, 8), 0);
	assert_string_equal(out, "/srv/ab");
	assert_int_equal(rb_path_join_under("/srv", "/abc", out, 8), -1);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_plain),
		cmocka_unit_test(test_canon_decoding),
		cmocka_unit_test(test_canon_traversal),
		cmocka_unit_test(test_canon_bad_bytes),
		cmocka_unit_test(test_canon_raw_nul),
		cmocka_unit_test(test_canon_length),
		cmocka_unit_test(test_canon_outlen),
		cmocka_unit_test(test_canon_decoded),
		cmocka_unit_test(test_canon_idempotent),
		cmocka_unit_test(test_join_under),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
