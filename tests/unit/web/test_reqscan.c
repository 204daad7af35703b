/*
 * test_reqscan.c: unit tests of src/web/reqscan.c, the incremental strict
 * reading of a stream of requests run by the front gate. Each stream is
 * fed whole, then again one byte more at a time (as a slow client sends
 * it), and both readings must agree: the same bytes passed on, dropped,
 * and the same verdict at the same place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "web/reqscan.h"

#define MAX_HEAD	256

struct outcome {
	size_t	 passed;	/* bytes passed on */
	size_t	 dropped;
	int	 status;	/* 0: no refusal */
	char	 out[8192];	/* the bytes passed on */
};

/*
 * Runs the scanner over s[0..len) as a gate does: the bytes not yet
 * passed or dropped stay at the start of the buffer, new bytes arrive
 * step bytes at a time (0: all at once).
 */
static void
scan(const char *s, size_t len, size_t step, struct outcome *o)
{
	struct rb_reqscan sc;
	size_t have = 0, start = 0, n;
	enum rb_scan rc;

	memset(o, 0, sizeof(*o));
	rb_reqscan_init(&sc, MAX_HEAD);
	while (start < len) {
		have = step == 0 ? len : have + step;
		if (have > len)
			have = len;
		for (;;) {
			rc = rb_reqscan_step(&sc, s + start, have - start, &n);
			if (rc == RB_SCAN_PASS) {
				assert_true(n > 0 && start + n <= have);
				assert_true(o->passed + n < sizeof(o->out));
				memcpy(o->out + o->passed, s + start, n);
				o->passed += n;
				start += n;
			} else if (rc == RB_SCAN_DROP) {
				assert_true(n > 0 && start + n <= have);
				o->dropped += n;
				start += n;
			} else
				break;
		}
		if (rc == RB_SCAN_BAD) {
			o->status = sc.sc_status;
			assert_non_null(sc.sc_why);
			/* and it stays refused */
			assert_int_equal(rb_reqscan_step(&sc, "GET", 3, &n),
			    RB_SCAN_BAD);
			return;
		}
		if (have == len)
			break;
	}
}

/* s, read whole and byte by byte, gives status after passing passed. */
static void
expect(const char *s, size_t len, int status, size_t passed, size_t dropped)
{
	struct outcome whole, drip;

	scan(s, len, 0, &whole);
	scan(s, len, 1, &drip);
	if (whole.status != status || whole.passed != passed ||
	    whole.dropped != dropped)
		fail_msg("%.60s: status %d passed %zu dropped %zu, want "
		    "%d %zu %zu", s, whole.status, whole.passed,
		    whole.dropped, status, passed, dropped);
	assert_int_equal(drip.status, whole.status);
	assert_int_equal(drip.passed, whole.passed);
	assert_int_equal(drip.dropped, whole.dropped);
	assert_memory_equal(drip.out, whole.out, whole.passed);
}

#define OK(s)		expect(s, sizeof(s) - 1, 0, sizeof(s) - 1, 0)
#define GET		"GET / HTTP/1.1\r\nHost: t\r\n\r\n"

static void
test_valid_streams(void **state)
{
	(void)state;
	OK(GET);
	OK(GET GET GET);
	OK("GET /a?b=c HTTP/1.0\r\n\r\n");
	OK("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n");
	OK("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n"
	    "GET /" GET);
	OK("POST / HTTP/1.1\r\nHost: t\r\nContent-Length:\t0\r\n\r\n" GET);
	OK("GET / HTTP/1.1\r\nHost: t \r\nX-T: a b\t\r\n\r\n" GET);
	OK("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n1A;name=\"v\"\r\n" "0123456789abcdef0123456789"
	    "\r\n0\r\nX-T: 1\r\n\r\n" GET);
	/* A body that looks like requests is only a body. */
	OK("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 27\r\n\r\n" GET GET);
	/* Exactly max_head bytes of head. */
	{
		char s[MAX_HEAD + 1];
		size_t pre = strlen("GET / HTTP/1.1\r\nHost: t\r\nX: ");

		memset(s, 'a', MAX_HEAD);
		memcpy(s, "GET / HTTP/1.1\r\nHost: t\r\nX: ", pre);
		memcpy(s + MAX_HEAD - 4, "\r\n\r\n", 4);
		s[MAX_HEAD] = '\0';
		expect(s, MAX_HEAD, 0, MAX_HEAD, 0);
		/* one byte more: 431 */
		memcpy(s + MAX_HEAD - 4, "a\r\n\r", 4);
		expect(s, MAX_HEAD, 431, 0, 0);
	}
}

static void
test_empty_lines_before_a_request(void **state)
{
	(void)state;
	expect("\r\n\r\n" GET, 4 + strlen(GET), 0, strlen(GET), 4);
	/* between requests too, but never inside a head */
	expect(GET "\r\n" GET, 2 * strlen(GET) + 2, 0, 2 * strlen(GET), 2);
}

#define BAD(s, st, passed)	expect(s, sizeof(s) - 1, st, passed, 0)

static void
test_request_line(void **state)
{
	(void)state;
	BAD("GET /\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1 \r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / x HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0);
	BAD(" GET / HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0);
	BAD("G(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET /\x7f HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1x\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / http/1.1\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/11\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, 0);
	BAD("GET / HTTP/0.9\r\nHost: t\r\n\r\n", 505, 0);
	BAD("GET / HTTP/1.2\r\nHost: t\r\n\r\n", 505, 0);
	BAD("GET / HTTP/1.1\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\rHost: t\r\n\r\n", 400, 0);
	/* refused once its line is known bad, before the head ends */
	BAD("GET / HTTP/9.9\r\nHost: t\r\n", 505, 0);
	BAD("GET / HTTP/1.1\rX", 400, 0);
	/* after a good request, the good one is passed */
	BAD(GET "GET / HTTP/2.0\r\n\r\n", 505, strlen(GET));
}

static void
test_field_lines(void **state)
{
	(void)state;
	BAD("GET / HTTP/1.1\r\nHost: t\r\nno colon\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\nX-A : 1\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n 2\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\n\tHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\n: 1\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\x01\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\nX-A: 1\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\nHost: t\r\n\r\n", 400, 0);
	BAD("GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
	    501, 0);
}

static void
test_content_length(void **state)
{
	(void)state;
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n", 400,
	    0);
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400,
	    0);
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1 2\r\n\r\n", 400,
	    0);
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\n", 400, 0);
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: "
	    "1000000000000000\r\n\r\n", 413, 0);
	OK("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: "
	    "000000000000001\r\n\r\nx");
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400, 0);
	/* Whitespace after the value: libmicrohttpd would answer 400
	   itself (Content-Length), or read to the close (chunked). */
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length:3 \r\n\r\nabc",
	    400, 0);
	BAD("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\t\r\n\r\n",
	    400, 0);
	BAD("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked \r\n"
	    "\r\n0\r\n\r\n", 400, 0);
}

#define CHUNKED	"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"

static void
test_chunked(void **state)
{
	size_t h = strlen(CHUNKED);

	(void)state;
	BAD(CHUNKED "zz\r\n", 400, h);
	BAD(CHUNKED "\r\n", 400, h);
	BAD(CHUNKED "3 \r\nabc\r\n", 400, h);
	BAD(CHUNKED " 3\r\nabc\r\n", 400, h);
	BAD(CHUNKED "3\nabc\r\n", 400, h);
	BAD(CHUNKED "3;a\x01\r\nabc\r\n", 400, h);
	BAD(CHUNKED "1000000000000\r\n", 413, h);
	OK(CHUNKED "000000000003\r\nabc\r\n0\r\n\r\n");
	/* the chunk's data is passed, then its missing CRLF refused */
	BAD(CHUNKED "3\r\nabcX\r\n", 400, h + 3 + 3);
	BAD(CHUNKED "3\r\nabc\rX", 400, h + 3 + 3);
	BAD(CHUNKED "0\r\nno colon\r\n\r\n", 400, h + 3);
	BAD(CHUNKED "0\r\nContent-Length: 1\r\n\r\n", 400, h + 3);
	BAD(CHUNKED "0\r\nX: 1\n\r\n", 400, h + 3);
	{
		char s[2 * RB_REQSCAN_MAX_CHUNK_LINE];

		snprintf(s, sizeof(s), "%s1;%0*d\r\n", CHUNKED,
		    RB_REQSCAN_MAX_CHUNK_LINE, 0);
		expect(s, strlen(s), 400, h, 0);
	}
}

static void
test_sizes(void **state)
{
	char s[3 * MAX_HEAD];
	size_t i;

	(void)state;
	/* a request line alone over max_head: 414; a head: 431 */
	memset(s, 'a', sizeof(s));
	memcpy(s, "GET /", 5);
	expect(s, MAX_HEAD, 414, 0, 0);
	snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: t\r\nX: ");
	memset(s + strlen(s), 'a', MAX_HEAD);
	expect(s, MAX_HEAD + 10, 431, 0, 0);
	/* too many field lines, within the size limit */
	{
		struct rb_reqscan sc;
		rb_buf b = RB_BUF_INIT;
		size_t n = 0;

		rb_reqscan_init(&sc, 1 << 16);
		rb_buf_puts(&b, "GET / HTTP/1.1\r\nHost: t\r\n");
		for (i = 0; i < RB_REQSCAN_MAX_FIELDS; i++)
			rb_buf_puts(&b, "X: 1\r\n");
		rb_buf_puts(&b, "\r\n");
		assert_int_equal(rb_reqscan_step(&sc, b.buf_data, b.buf_len,
		    &n), RB_SCAN_BAD);
		assert_int_equal(sc.sc_status, 431);
		/* one field line fewer: passed */
		rb_buf_reset(&b);
		rb_buf_puts(&b, "GET / HTTP/1.1\r\nHost: t\r\n");
		for (i = 1; i < RB_REQSCAN_MAX_FIELDS; i++)
			rb_buf_puts(&b, "X: 1\r\n");
		rb_buf_puts(&b, "\r\n");
		rb_reqscan_init(&sc, 1 << 16);
		assert_int_equal(rb_reqscan_step(&sc, b.buf_data, b.buf_len,
		    &n), RB_SCAN_PASS);
		assert_int_equal(n, b.buf_len);
		rb_buf_free(&b);
	}
}

static void
test_last_request(void **state)
{
	const char *close = "GET / HTTP/1.1\r\nHost: t\r\nConnection: "
	    "keep-alive, Close\r\n\r\n";
	const char *ten = "POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx";
	const char *keep = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	char s[512];

	(void)state;
	/* After a request that ends the connection, nothing is refused:
	   the server never reads what follows. */
	snprintf(s, sizeof(s), "%sno request\r\n\r\n", close);
	expect(s, strlen(s), 0, strlen(close), strlen(s) - strlen(close));
	snprintf(s, sizeof(s), "%s" GET, ten);
	expect(s, strlen(s), 0, strlen(ten), strlen(GET));
	/* HTTP/1.0 with keep-alive goes on */
	snprintf(s, sizeof(s), "%sGET / HTTP/2.0\r\n\r\n", keep);
	expect(s, strlen(s), 505, strlen(keep), 0);
	snprintf(s, sizeof(s), "%s" GET, keep);
	expect(s, strlen(s), 0, strlen(s), 0);
}

static void
test_target_kept(void **state)
{
	struct rb_reqscan sc;
	const char *s = "HEAD /api/v1/x?y HTTP/1.1\r\nHost: t\r\nA : 1\r\n\r\n";
	size_t n;

	(void)state;
	rb_reqscan_init(&sc, MAX_HEAD);
	assert_int_equal(rb_reqscan_step(&sc, s, strlen(s), &n), RB_SCAN_BAD);
	assert_string_equal(sc.sc_target, "/api/v1/x?y");
	assert_true(sc.sc_head_method);
	assert_int_equal(sc.sc_status, 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_streams),
		cmocka_unit_test(test_empty_lines_before_a_request),
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_field_lines),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_last_request),
		cmocka_unit_test(test_target_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
