/*
 * test_reqhead.c: unit tests of src/web/reqhead.c, a checked request
 * head read into its parts for the gate's direct answers, and of the
 * scanner's note that a whole head of a request without a body passed
 * (reqscan.h, sc_head_passed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/reqhead.h"
#include "web/reqscan.h"

static int
parse(rb_arena *a, const char *head, struct rb_head *h)
{
	return rb_head_parse(a, head, strlen(head), h);
}

static void
test_request_line_and_fields(void **state)
{
	rb_arena *a = rb_arena_new();
	struct rb_head h;

	(void)state;
	assert_int_equal(parse(a, "GET /mes-factures?page=2 HTTP/1.1\r\n"
	    "Host: t\r\nX-Two:  a b \t\r\nx-two: second\r\nEmpty:\r\n\r\n",
	    &h), 0);
	assert_string_equal(h.rh_method, "GET");
	assert_string_equal(h.rh_target, "/mes-factures?page=2");
	assert_int_equal(h.rh_http11, 1);
	assert_int_equal(h.rh_nfields, 4);
	/* Names match whatever their case; the first line wins; values
	   lose the spaces and tabs around them. */
	assert_string_equal(rb_head_field(&h, "HOST"), "t");
	assert_string_equal(rb_head_field(&h, "x-TWO"), "a b");
	assert_string_equal(rb_head_field(&h, "Empty"), "");
	assert_null(rb_head_field(&h, "Cookie"));
	assert_null(rb_head_field(&h, "X-Tw"));

	assert_int_equal(parse(a, "HEAD / HTTP/1.0\n\n", &h), 0);
	assert_string_equal(h.rh_method, "HEAD");
	assert_int_equal(h.rh_http11, 0);
	assert_int_equal(h.rh_nfields, 0);
	rb_arena_free(a);
}

static void
test_heads_left_to_the_library(void **state)
{
	static const char *const bad[] = {
		"GET /\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.10\r\n\r\n",
		"GET / HTTP/1.1\r\nno colon\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: t",	/* no line end */
		"",
	};
	rb_arena *a = rb_arena_new();
	struct rb_head h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(a, bad[i], &h), -1);
	rb_arena_free(a);
}

static void
test_cookies(void **state)
{
	rb_arena *a = rb_arena_new();
	struct rb_head h;

	(void)state;
	assert_int_equal(parse(a, "GET / HTTP/1.1\r\n"
	    "Cookie: ab=1; a = two ;q=\"quoted\"; a=later;empty=; bare\r\n"
	    "Cookie: other=3\r\n\r\n", &h), 0);
	assert_string_equal(rb_head_cookie(&h, a, "a"), "two");
	assert_string_equal(rb_head_cookie(&h, a, "ab"), "1");
	assert_string_equal(rb_head_cookie(&h, a, "q"), "quoted");
	assert_string_equal(rb_head_cookie(&h, a, "empty"), "");
	assert_null(rb_head_cookie(&h, a, "bare"));
	assert_null(rb_head_cookie(&h, a, "b"));
	/* Only the first Cookie line, as libmicrohttpd reads it. */
	assert_null(rb_head_cookie(&h, a, "other"));
	assert_int_equal(parse(a, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", &h), 0);
	assert_null(rb_head_cookie(&h, a, "a"));
	rb_arena_free(a);
}

/* Steps sc over s; the passes' flags of the last head passed. */
static void
scan(struct rb_reqscan *sc, const char *s, int *passed, int *bodyless,
    int *last)
{
	size_t len = strlen(s), n;
	enum rb_scan r;

	*passed = *bodyless = *last = 0;
	while (len > 0) {
		r = rb_reqscan_step(sc, s, len, &n);
		assert_true(r == RB_SCAN_PASS || r == RB_SCAN_DROP);
		if (r == RB_SCAN_PASS && sc->sc_head_passed) {
			*passed = 1;
			*bodyless = sc->sc_head_bodyless;
			*last = sc->sc_head_last;
		}
		s += n;
		len -= n;
	}
}

static void
test_scanner_notes_whole_heads(void **state)
{
	struct rb_reqscan sc;
	int passed, bodyless, last;
	size_t n;

	(void)state;
	rb_reqscan_init(&sc, 8192);
	scan(&sc, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", &passed, &bodyless,
	    &last);
	assert_true(passed && bodyless && !last);
	scan(&sc, "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
	    &passed, &bodyless, &last);
	assert_true(passed && bodyless && !last);
	scan(&sc, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n",
	    &passed, &bodyless, &last);
	assert_true(passed && !bodyless);
	/* The body's bytes pass on with no head noted. */
	assert_int_equal(rb_reqscan_step(&sc, "ab", 2, &n), RB_SCAN_PASS);
	assert_false(sc.sc_head_passed);
	scan(&sc, "GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n", &passed, &bodyless, &last);
	assert_true(passed && !bodyless);
	scan(&sc, "0\r\n\r\n", &passed, &bodyless, &last);
	assert_false(passed);
	/* An incomplete head passes nothing. */
	assert_int_equal(rb_reqscan_step(&sc, "GET / HTTP/1.1\r\nHo", 18, &n),
	    RB_SCAN_MORE);
	assert_false(sc.sc_head_passed);
	rb_reqscan_init(&sc, 8192);
	scan(&sc, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
	    &passed, &bodyless, &last);
	assert_true(passed && bodyless && last);
	rb_reqscan_init(&sc, 8192);
	scan(&sc, "GET / HTTP/1.0\r\n\r\n", &passed, &bodyless, &last);
	assert_true(passed && bodyless && last);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line_and_fields),
		cmocka_unit_test(test_heads_left_to_the_library),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_scanner_notes_whole_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
