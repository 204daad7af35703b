/*
 * test_framing.c: unit tests of src/web/framing.c, the strict reading of
 * a request's framing. Each case is a request line's version and target
 * and its header lines, split at the first colon as libmicrohttpd does
 * (whitespace before the colon stays in the name, the value loses its
 * leading whitespace); the case states the status framing.c must give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/framing.h"

struct framing_case {
	const char	*fc_version;
	const char	*fc_target;
	const char	*fc_head;	/* header lines, each ending in \n */
	int		 fc_status;
};

/* Feeds head's lines to fr as libmicrohttpd would parse them. */
static void
feed(struct rb_framing *fr, const char *head)
{
	const char *line = head, *eol, *colon, *v;

	for (; *line != '\0'; line = eol + 1) {
		eol = strchr(line, '\n');
		assert_non_null(eol);
		colon = memchr(line, ':', (size_t)(eol - line));
		assert_non_null(colon);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		rb_framing_field(fr, line, (size_t)(colon - line), v,
		    (size_t)(eol - v));
	}
}

static void
run_cases(const struct framing_case *cases, size_t n)
{
	struct rb_framing fr;
	const char *why;
	size_t i;
	int st;

	for (i = 0; i < n; i++) {
		rb_framing_start(&fr, "GET", cases[i].fc_target,
		    cases[i].fc_version);
		feed(&fr, cases[i].fc_head);
		why = "unset";
		st = rb_framing_end(&fr, &why);
		if (st != cases[i].fc_status)
			fail_msg("case %zu (%s %s) gave %d, want %d (%s)", i,
			    cases[i].fc_version, cases[i].fc_head, st,
			    cases[i].fc_status, why != NULL ? why : "-");
		if ((st == 0) != (why == NULL))
			fail_msg("case %zu: reason %s with status %d", i,
			    why != NULL ? why : "NULL", st);
	}
}

#define V11	"HTTP/1.1"
#define V10	"HTTP/1.0"

static void
test_well_framed(void **state)
{
	static const struct framing_case cases[] = {
		{ V11, "/", "Host: x\n", 0 },
		{ V11, "/a?b=c%20d", "Host: robinet.example:8080\n", 0 },
		{ V11, "/", "Host: [::1]:80\n", 0 },
		{ V11, "/", "Host: \n", 0 },	/* empty authority */
		{ V10, "/", "", 0 },		/* HTTP/1.0 needs no Host */
		{ V11, "/", "Host: x\nContent-Length: 0\n", 0 },
		{ V11, "/", "Host: x\nContent-Length: 40\n", 0 },
		{ V11, "/", "host: x\ncontent-length: 3\n", 0 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked\n", 0 },
		{ V11, "/", "Host: x\nTransfer-Encoding: CHUNKED\n", 0 },
		{ V11, "/", "Host: x\nUser-Agent: a\tb (c; d)\n", 0 },
		{ V11, "/", "Host: x \nX-A: b\t\n", 0 },	/* OWS after */
		{ V11, "/", "Host: x\nX-Odd!#$%&'*+-.^_`|~: 1\n", 0 },
		{ V11, "/", "Host: x\nAccept: text/html\nAccept: */*\n", 0 },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_content_length(void **state)
{
	static const struct framing_case cases[] = {
		/* Conflicting, duplicate (even equal), either order. */
		{ V11, "/", "Host: x\nContent-Length: 3\nContent-Length: 40\n",
		    400 },
		{ V11, "/", "Host: x\nContent-Length: 40\nContent-Length: 3\n",
		    400 },
		{ V11, "/", "Host: x\nContent-Length: 3\ncontent-length: 3\n",
		    400 },
		{ V11, "/", "Host: x\nContent-Length: 3, 3\n", 400 },
		{ V11, "/", "Host: x\nContent-Length: +3\n", 400 },
		{ V11, "/", "Host: x\nContent-Length: -1\n", 400 },
		{ V11, "/", "Host: x\nContent-Length: 3 \n", 400 },
		{ V11, "/", "Host: x\nContent-Length: 3\t\n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked \n", 400 },
		{ V11, "/", "Host: x\nContent-Length: 0x10\n", 400 },
		{ V11, "/", "Host: x\nContent-Length: \n", 400 },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_transfer_encoding(void **state)
{
	static const struct framing_case cases[] = {
		{ V11, "/", "Host: x\nContent-Length: 5\n"
		    "Transfer-Encoding: chunked\n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked\n"
		    "Content-Length: 5\n", 400 },
		/* Any coding but chunked: not implemented. */
		{ V11, "/", "Host: x\nTransfer-Encoding: gzip\n", 501 },
		{ V11, "/", "Host: x\nTransfer-Encoding: identity\n", 501 },
		{ V11, "/", "Host: x\nTransfer-Encoding: gzip, chunked\n",
		    501 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked\n"
		    "Transfer-Encoding: x-custom\n", 501 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunkedx\n", 501 },
		/* chunked, but not as the one coding of one field. */
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked, chunked\n",
		    400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked\n"
		    "Transfer-Encoding: chunked\n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked \n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: chunked;a=b\n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: ,chunked\n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding: \n", 400 },
		{ V10, "/", "Transfer-Encoding: chunked\n", 400 },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_field_names_and_values(void **state)
{
	static const struct framing_case cases[] = {
		/* Whitespace before the colon hides the field from the
		   library: refused whatever the field. */
		{ V11, "/", "Host: x\nContent-Length : 5\n", 400 },
		{ V11, "/", "Host: x\nContent-Length\t: 5\n", 400 },
		{ V11, "/", "Host: x\nTransfer-Encoding : chunked\n", 400 },
		{ V11, "/", "Host : x\n", 400 },
		{ V11, "/", "Host: x\nX-Any : 1\n", 400 },
		/* A first line starting with whitespace. */
		{ V11, "/", " Host: x\n", 400 },
		{ V11, "/", "Host: x\n: empty name\n", 400 },
		{ V11, "/", "Host: x\nX(y): 1\n", 400 },
		{ V11, "/", "Host: x\nX\xc3\xa9: 1\n", 400 },
		{ V11, "/", "Host: x\nX-A: a\rb\n", 400 },
		{ V11, "/", "Host: x\nX-A: a\x7f\n", 400 },
		{ V11, "/", "Host: x\nX-A: a\x01\n", 400 },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_host(void **state)
{
	static const struct framing_case cases[] = {
		{ V11, "/", "Host: x\nHost: y\n", 400 },
		{ V11, "/", "Host: x\nHost: x\n", 400 },
		{ V10, "/", "Host: x\nhost: y\n", 400 },
		{ V11, "/", "", 400 },
		{ V11, "/", "X-Host: x\n", 400 },
		{ "HTTP/1.2", "/", "", 400 },	/* read as 1.1 */
		{ V11, "/", "Host: a b\n", 400 },
		{ V11, "/", "Host: a/b\n", 400 },
		{ V11, "/", "Host: a@b\n", 400 },
		{ V11, "/", "Host: a\"b\n", 400 },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_target(void **state)
{
	static const struct framing_case cases[] = {
		{ V11, "/a b", "Host: x\n", 400 },
		{ V11, "/a\tb", "Host: x\n", 400 },
		{ V11, "/\x7f", "Host: x\n", 400 },
		{ V11, "/caf\xc3\xa9", "Host: x\n", 400 },
		{ V11, "/a?b=\x01", "Host: x\n", 400 },
		{ V11, "*", "Host: x\n", 0 },	/* framing only; not routed */
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A folded line, as libmicrohttpd 0.9.75 reads it: run on to the name. */
static void
test_folded_framing_fields(void **state)
{
	static const struct framing_case cases[] = {
		/* "Content-Length: 1\r\n 0" */
		{ V11, "/", "Host: x\nContent-Length0: 1\n", 400 },
		/* "Transfer-Encoding:\r\n chunked" */
		{ V11, "/", "Host: x\nTransfer-Encodingchunked: \n", 400 },
		{ V11, "/", "Hostx: y\nHost: x\n", 400 },
		{ V11, "/", "Host: x\ncontent-lengthX: 3\n", 400 },
		/* Other names may start alike without being framing. */
		{ V11, "/", "Host: x\nX-Forwarded-Host: y\n", 0 },
		{ V11, "/", "Host: x\nContent-Type: text/plain\n", 0 },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_method(void **state)
{
	static const char *const good[] = { "GET", "POST", "M-SEARCH",
	    "X!#$%&'*+-.^_`|~9" };
	static const char *const bad[] = { "", "G T", "G\x01T", "GET\x7f",
	    "G\xc3\xa9T", "G:T", "G(T" };
	struct rb_framing fr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rb_framing_start(&fr, good[i], "/", V10);
		assert_int_equal(rb_framing_end(&fr, NULL), 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rb_framing_start(&fr, bad[i], "/", V10);
		if (rb_framing_end(&fr, NULL) != 400)
			fail_msg("method \"%s\" accepted", bad[i]);
	}
}

/* The first problem is the one reported; end() may be called once. */
static void
test_first_problem_kept(void **state)
{
	struct rb_framing fr;
	const char *why;

	(void)state;
	rb_framing_start(&fr, "POST", "/", V11);
	rb_framing_field(&fr, "Transfer-Encoding", 17, "gzip", 4);
	rb_framing_field(&fr, "Host", 4, "x", 1);
	rb_framing_field(&fr, "Host", 4, "y", 1);
	assert_int_equal(rb_framing_end(&fr, &why), 501);
	assert_non_null(strstr(why, "transfer coding"));
	/* NULL and counted (not NUL-terminated) strings are accepted. */
	rb_framing_start(&fr, NULL, NULL, NULL);
	rb_framing_field(&fr, "Hostile", 4, "xyz", 1);
	assert_int_equal(rb_framing_end(&fr, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_framed),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_transfer_encoding),
		cmocka_unit_test(test_field_names_and_values),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_folded_framing_fields),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_first_problem_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
