/*
 * test_cookies.c: unit tests of src/web/cookies.c, the cookie mode
 * decided at start-up. Plain cookies (no Secure, no __Host-) only in
 * demo mode, with demo_plain_cookies on, an http:// public_url on a
 * loopback host and a loopback listen address; every other case keeps
 * the production cookies. Each case below states its settings and the
 * mode it must give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "web/cookies.h"

struct mode_case {
	const char	*mc_demo;	/* "true" / "false" */
	const char	*mc_plain;	/* demo_plain_cookies */
	const char	*mc_url;	/* public_url */
	const char	*mc_listen;
	enum rb_cookie_mode mc_want;
};

#define P RB_COOKIES_PLAIN
#define S RB_COOKIES_SECURE

static const struct mode_case mode_cases[] = {
	/* The demo on loopback over plain HTTP: plain. */
	{ "true", "true", "http://127.0.0.1:8080", "127.0.0.1:8080", P },
	{ "true", "true", "http://127.0.0.1", "127.0.0.1:80", P },
	{ "true", "true", "http://127.8.9.10:8080", "127.8.9.10:8080", P },
	{ "true", "true", "http://localhost:8080", "127.0.0.1:8080", P },
	{ "true", "true", "http://LocalHost:8080/portail", "127.0.0.1:8080", P },
	{ "true", "true", "http://[::1]:8080", "127.0.0.1:8080", P },
	{ "true", "true", "http://[::1]", "127.0.0.1:8080", P },
	/* Not the demo: production, whatever the URL. */
	{ "false", "true", "http://127.0.0.1:8080", "127.0.0.1:8080", S },
	{ "false", "true", "https://portail.example.fr", "127.0.0.1:8080", S },
	/* The demo, but switched off. */
	{ "true", "false", "http://127.0.0.1:8080", "127.0.0.1:8080", S },
	/* The demo over HTTPS keeps Secure. */
	{ "true", "true", "https://127.0.0.1:8443", "127.0.0.1:8080", S },
	{ "true", "true", "https://localhost", "127.0.0.1:8080", S },
	/* The demo on a non-loopback host. */
	{ "true", "true", "http://192.0.2.10:8080", "127.0.0.1:8080", S },
	{ "true", "true", "http://0.0.0.0:8080", "0.0.0.0:8080", S },
	{ "true", "true", "http://128.0.0.1:8080", "127.0.0.1:8080", S },
	{ "true", "true", "http://demo.example.fr", "127.0.0.1:8080", S },
	{ "true", "true", "http://[2001:db8::1]:8080", "127.0.0.1:8080", S },
	{ "true", "true", "http://[::ffff:192.0.2.1]", "127.0.0.1:8080", S },
	/* Names that only look like loopback. */
	{ "true", "true", "http://localhost.example.fr", "127.0.0.1:8080", S },
	{ "true", "true", "http://127.0.0.1.example.fr", "127.0.0.1:8080", S },
	{ "true", "true", "http://localhost@evil.example", "127.0.0.1:8080", S },
	{ "true", "true", "http://evil.example@127.0.0.1", "127.0.0.1:8080", S },
	{ "true", "true", "http://127.0.0.1%2e", "127.0.0.1:8080", S },
	{ "true", "true", "http://::1", "127.0.0.1:8080", S },
	{ "true", "true", "http://[::1]x:8080", "127.0.0.1:8080", S },
	{ "true", "true", "http://[::1:8080", "127.0.0.1:8080", S },
	{ "true", "true", "http://0x7f.0.0.1:8080", "127.0.0.1:8080", S },
	/* Loopback URL, but the server listens beyond loopback. */
	{ "true", "true", "http://127.0.0.1:8080", "0.0.0.0:8080", S },
	{ "true", "true", "http://localhost:8080", "192.0.2.10:8080", S },
};

static void
test_mode_cases(void **state)
{
	const struct mode_case *c;
	struct rb_config cfg;
	char err[256], why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mode_cases) / sizeof(mode_cases[0]); i++) {
		c = &mode_cases[i];
		rb_config_init(&cfg);
		assert_int_equal(rb_config_set(&cfg, RB_CFG_DEMO, c->mc_demo,
		    "test", err, sizeof(err)), 0);
		assert_int_equal(rb_config_set(&cfg, RB_CFG_DEMO_PLAIN_COOKIES,
		    c->mc_plain, "test", err, sizeof(err)), 0);
		if (rb_config_set(&cfg, RB_CFG_PUBLIC_URL, c->mc_url, "test",
		    err, sizeof(err)) != 0)
			fail_msg("case %zu: %s refused: %s", i, c->mc_url, err);
		if (rb_config_set(&cfg, RB_CFG_LISTEN, c->mc_listen, "test",
		    err, sizeof(err)) != 0)
			fail_msg("case %zu: %s refused: %s", i, c->mc_listen,
			    err);
		why[0] = '\0';
		if (rb_cookie_mode_decide(&cfg, why, sizeof(why)) != c->mc_want)
			fail_msg("case %zu: demo=%s plain=%s %s listen %s: "
			    "expected %s (%s)", i, c->mc_demo, c->mc_plain,
			    c->mc_url, c->mc_listen,
			    rb_cookie_mode_text(c->mc_want), why);
		assert_true(why[0] != '\0');
		rb_config_free(&cfg);
	}
}

/* The defaults alone (no demo) are production. */
static void
test_defaults_are_secure(void **state)
{
	struct rb_config cfg;
	char why[256];

	(void)state;
	rb_config_init(&cfg);
	assert_int_equal(rb_cookie_mode_decide(&cfg, why, sizeof(why)),
	    RB_COOKIES_SECURE);
	rb_config_free(&cfg);
}

/* Every cookie: __Host- and Secure in production, neither when plain,
 * the same name otherwise. */
static void
test_names(void **state)
{
	const char *sec, *pl;
	int c;

	(void)state;
	for (c = 0; c < RB_COOKIE__MAX; c++) {
		sec = rb_cookie_name(RB_COOKIES_SECURE, c);
		pl = rb_cookie_name(RB_COOKIES_PLAIN, c);
		assert_non_null(sec);
		assert_non_null(pl);
		assert_int_equal(strncmp(sec, "__Host-robinet", 14), 0);
		assert_string_equal(sec + 7, pl);
	}
	assert_string_equal(rb_cookie_name(RB_COOKIES_SECURE,
	    RB_COOKIE_SESSION), "__Host-robinet");
	assert_string_equal(rb_cookie_secure_attr(RB_COOKIES_SECURE),
	    "Secure; ");
	assert_string_equal(rb_cookie_secure_attr(RB_COOKIES_PLAIN), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_cases),
		cmocka_unit_test(test_defaults_are_secure),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
