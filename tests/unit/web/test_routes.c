/*
 * test_routes.c: walks the route table (src/web/routes.c) and proves
 * what its guards promise: every route that accepts a POST is guarded by
 * the CSRF check, every route outside an explicit public list requires a
 * session, a scope (session or archive visit) or a bearer token, and
 * every guard that looks at the session has a database connection to do
 * it. A new route is refused until it declares its guards or is added,
 * with its reason, to the public list below. Back-office routes (under
 * /agent) need an agent and nothing of a subscriber's; no other route
 * needs an agent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "web/routes.h"

/*
 * Routes that show nobody's data to an anonymous visitor, and why.
 * Anything else must require a session, a scope or a bearer token.
 */
static const struct {
	enum rb_route	 pub_route;
	const char	*pub_why;
} public_routes[] = {
	{ ROUTE_HOME, "opening hours and news" },
	{ ROUTE_HEALTHZ, "is the database reachable" },
	{ ROUTE_METRICS, "counters, no personal data" },
	{ ROUTE_STATIC, "CSS, images, scripts" },
	{ ROUTE_SIGNIN, "the sign-in form" },
	{ ROUTE_SIGNOUT, "ends the session of the cookie, if any" },
	{ ROUTE_SIGNUP, "creating a space: proof of the contract" },
	{ ROUTE_MIGRATE, "2023 subscriber's claim: old id + password" },
	{ ROUTE_REGISTER, "end of a claim: the claim token is the proof" },
	{ ROUTE_CHECK_MAIL, "static message" },
	{ ROUTE_ACTIVATE, "the emailed token is the proof" },
	{ ROUTE_RESEND, "same answer whether the email exists or not" },
	{ ROUTE_FORGOT, "same answer whether the email exists or not" },
	{ ROUTE_RESET, "the emailed token is the proof" },
	{ ROUTE_CONFIRM_EMAIL, "the emailed token is the proof" },
	{ ROUTE_DEV_MAIL, "demo mode only: the fake mailbox" },
	{ ROUTE_ARCHIVE, "its own sign-in form; the landing needs a visit" },
	{ ROUTE_ARCHIVE_EXIT, "ends the visit of the cookie, if any" },
	{ ROUTE_CONTACT, "static page" },
	{ ROUTE_PRIVACY, "static page" },
	{ ROUTE_API_OPENAPI, "the API's description" },
	{ ROUTE_AGENT_SIGNIN, "the agents' sign-in form" },
	{ ROUTE_AGENT_SIGNOUT, "ends the agent session of the cookie, if any" },
	{ ROUTE_AGENT_ENROL, "the single-use enrolment token is the proof" },
	{ ROUTE_NEWS, "published news and events" },
	{ ROUTE_NEWS_ATOM, "the Atom feed of published news and events" },
	{ ROUTE_NEWS_ITEM, "one published news item or event" },
	{ ROUTE_BRAILLE_INFO, "static page: the braille service" },
	{ ROUTE_ACCESSIBILITY, "the accessibility statement the law asks for" },
	{ ROUTE_ACCESSIBILITY_PLAN, "the multi-year accessibility plan" },
	{ ROUTE_LEGAL, "the legal notice" },
	{ ROUTE_NOT_FOUND, "no handler: the 404 pseudo-route" },
};

/*
 * POST routes that may go without the CSRF check, and why: only the
 * payment provider's notification, sent server to server with no
 * cookie and authenticated by its signature (RB_AUTH_SIGNED). A POST
 * that changes nothing still gets the check.
 */
static const enum rb_route csrf_exempt[] = { ROUTE_PAY_NOTIFY };

static int
is_public(int k)
{
	size_t i;

	for (i = 0; i < sizeof(public_routes) / sizeof(public_routes[0]); i++)
		if ((int)public_routes[i].pub_route == k)
			return 1;
	return 0;
}

static int
is_csrf_exempt(int k)
{
	size_t i;

	for (i = 0; i < sizeof(csrf_exempt) / sizeof(csrf_exempt[0]); i++)
		if ((int)csrf_exempt[i] == k)
			return 1;
	return 0;
}

/* Every route that accepts a POST checks its CSRF token. */
static void
test_every_post_checks_csrf(void **state)
{
	int k, posts = 0, bad = 0;

	(void)state;
	for (k = 0; k < ROUTE__MAX; k++) {
		if (!(rb_routes[k].rt_methods & RB_M_POST))
			continue;
		posts++;
		if (!(rb_routes[k].rt_guards & RB_NEED_CSRF) &&
		    !is_csrf_exempt(k)) {
			fprintf(stderr, "POST route %s (%s) has no CSRF "
			    "guard\n", rb_routes[k].rt_name,
			    rb_routes[k].rt_path);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_true(posts >= 15);	/* the walk saw the POST routes */
}

/* A route that authenticates by bearer token accepts no POST (a POST
 * would need the CSRF check the token routes do without). */
static void
test_bearer_routes_are_read_only(void **state)
{
	int k, seen = 0;

	(void)state;
	for (k = 0; k < ROUTE__MAX; k++) {
		if (!(rb_routes[k].rt_guards & RB_AUTH_BEARER))
			continue;
		seen++;
		assert_int_equal(rb_routes[k].rt_methods, RB_M_GET);
	}
	assert_true(seen >= 2);
}

/* A CSRF-exempt route is exactly a signed server-to-server POST. */
static void
test_csrf_exempt_routes_are_signed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(csrf_exempt) / sizeof(csrf_exempt[0]); i++) {
		if (csrf_exempt[i] == ROUTE__MAX)
			continue;
		assert_true(rb_routes[csrf_exempt[i]].rt_guards &
		    RB_AUTH_SIGNED);
		assert_int_equal(rb_routes[csrf_exempt[i]].rt_methods,
		    RB_M_POST);
	}
}

/* Outside the public list, a route shows data only to its owner. */
static void
test_private_routes_need_an_owner(void **state)
{
	const unsigned owner = RB_NEED_SESSION | RB_NEED_SCOPE |
	    RB_AUTH_BEARER | RB_AUTH_SIGNED | RB_NEED_AGENT;
	int k, bad = 0, private = 0;

	(void)state;
	for (k = 0; k < ROUTE__MAX; k++) {
		if (is_public(k))
			continue;
		private++;
		if (!(rb_routes[k].rt_guards & owner)) {
			fprintf(stderr, "route %s (%s) is neither public nor "
			    "guarded by a session, scope or token\n",
			    rb_routes[k].rt_name, rb_routes[k].rt_path);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_true(private >= 10);
}

/* The public list names no route that has an owner guard (a stale
 * entry would hide a route that later loses its guard). */
static void
test_public_list_is_exact(void **state)
{
	const unsigned owner = RB_NEED_SESSION | RB_NEED_SCOPE |
	    RB_AUTH_BEARER | RB_AUTH_SIGNED | RB_NEED_AGENT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(public_routes) / sizeof(public_routes[0]);
	    i++) {
		assert_true(public_routes[i].pub_why[0] != '\0');
		assert_int_equal(rb_routes[public_routes[i].pub_route]
		    .rt_guards & owner, 0);
	}
}

/* Guards that read the session or a token have their connection first;
 * routes with a path and a handler are complete rows. */
static void
test_guards_have_a_database(void **state)
{
	const unsigned needs_db = RB_NEED_SESSION | RB_NEED_SCOPE |
	    RB_NEED_CSRF | RB_AUTH_BEARER | RB_NEED_AGENT;
	int k;

	(void)state;
	for (k = 0; k < ROUTE__MAX; k++) {
		if (k == ROUTE_NOT_FOUND) {
			assert_null(rb_routes[k].rt_handler);
			continue;
		}
		assert_non_null(rb_routes[k].rt_path);
		assert_non_null(rb_routes[k].rt_handler);
		assert_true(rb_routes[k].rt_methods != 0);
		if (rb_routes[k].rt_guards & needs_db)
			assert_true(rb_routes[k].rt_guards & RB_NEED_DB);
		if (rb_routes[k].rt_if_signed_in != NULL)
			assert_true(rb_routes[k].rt_guards & RB_NEED_DB);
	}
}

/* 1 when path is in the back office ("/agent" or under "/agent/"). */
static int
backoffice_path(const char *path)
{
	return path != NULL && strncmp(path, "/agent", 6) == 0 &&
	    (path[6] == '\0' || path[6] == '/');
}

/* Back-office routes need an agent (or are public: sign-in, sign-out)
 * and never a subscriber's session or scope; other routes never need an
 * agent; a minimum role goes with the agent guard only. */
static void
test_backoffice_routes_need_an_agent(void **state)
{
	const unsigned subscriber = RB_NEED_SESSION | RB_NEED_SCOPE |
	    RB_AUTH_BEARER;
	int k, seen = 0, bad = 0;

	(void)state;
	for (k = 0; k < ROUTE__MAX; k++) {
		const struct rb_route_def *r = &rb_routes[k];

		if (r->rt_role != 0 && !(r->rt_guards & RB_NEED_AGENT))
			bad++;
		if (!backoffice_path(r->rt_path)) {
			if (r->rt_guards & RB_NEED_AGENT) {
				fprintf(stderr, "route %s (%s) outside /agent "
				    "needs an agent\n", r->rt_name, r->rt_path);
				bad++;
			}
			continue;
		}
		seen++;
		if ((r->rt_guards & subscriber) || r->rt_if_signed_in != NULL ||
		    (!(r->rt_guards & RB_NEED_AGENT) && !is_public(k))) {
			fprintf(stderr, "back-office route %s (%s) is not "
			    "guarded by an agent session\n", r->rt_name,
			    r->rt_path);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_true(seen >= 3);
}

/*
 * A page marked rt_read (one read transaction, rb_route_serve()) uses
 * the database and answers GET; never a back-office page (agents'
 * views of a customer are audited: a write) nor an API route (its
 * handler counts rate limits and records the token's use). The
 * subscriber's main pages are marked (issue 12).
 */
static void
test_read_routes_are_pages_that_read(void **state)
{
	static const enum rb_route must[] = { ROUTE_SPACE, ROUTE_BILLS,
	    ROUTE_CONSUMPTION, ROUTE_REQUESTS };
	const struct rb_route_def *r;
	size_t i;
	int k;

	(void)state;
	for (k = 0; k < ROUTE__MAX; k++) {
		r = &rb_routes[k];
		if (!r->rt_read)
			continue;
		if (!(r->rt_guards & RB_NEED_DB) ||
		    !(r->rt_methods & RB_M_GET) ||
		    (r->rt_guards & (RB_NEED_AGENT | RB_AUTH_BEARER)))
			fail_msg("route %s (%s) is marked rt_read without "
			    "being a GET page of the space", r->rt_name,
			    r->rt_path);
	}
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (!rb_routes[must[i]].rt_read)
			fail_msg("route %s is not marked rt_read",
			    rb_routes[must[i]].rt_name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_post_checks_csrf),
		cmocka_unit_test(test_bearer_routes_are_read_only),
		cmocka_unit_test(test_csrf_exempt_routes_are_signed),
		cmocka_unit_test(test_private_routes_need_an_owner),
		cmocka_unit_test(test_public_list_is_exact),
		cmocka_unit_test(test_guards_have_a_database),
		cmocka_unit_test(test_backoffice_routes_need_an_agent),
		cmocka_unit_test(test_read_routes_are_pages_that_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
