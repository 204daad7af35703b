/*
 * routes.c: the route table and its matcher (see routes.h).
 */
#include <string.h>

#include "routes.h"

const struct rb_route_def rb_routes[ROUTE__MAX] = {
	[ROUTE_HOME] = { "home", "/", 0, RB_M_GET, rb_page_home, 0 },
	[ROUTE_HEALTHZ] = { "healthz", "/healthz", 0, RB_M_GET,
	    rb_page_healthz, 0 },
	[ROUTE_METRICS] = { "metrics", "/metrics", 0, RB_M_GET,
	    rb_page_metrics, 0 },
	[ROUTE_STATIC] = { "static", "/static/", 1, RB_M_GET,
	    rb_page_static, 0 },
	[ROUTE_SIGNIN] = { "signin", "/connexion", 0, RB_M_GET,
	    rb_page_soon, 0 },
	[ROUTE_SIGNUP] = { "signup", "/creer-mon-espace", 0, RB_M_GET,
	    rb_page_soon, 0 },
	[ROUTE_MIGRATE] = { "migrate", "/abonne-2023", 0, RB_M_GET,
	    rb_page_soon, 0 },
	[ROUTE_ARCHIVE] = { "archive", "/archives", 0, RB_M_GET,
	    rb_page_soon, 0 },
	[ROUTE_CONTACT] = { "contact", "/contact", 0, RB_M_GET,
	    rb_page_soon, 0 },
	[ROUTE_PRIVACY] = { "privacy", "/confidentialite", 0, RB_M_GET,
	    rb_page_privacy, 0 },
	[ROUTE_NOT_FOUND] = { "not_found", NULL, 0, 0, NULL, 0 },
};

enum rb_route
rb_route_match(const char *path, enum rb_method method, int *allowed)
{
	const struct rb_route_def *r;
	enum rb_method m = method == RB_HEAD ? RB_GET : method;
	int k;

	for (k = 0; k < ROUTE__MAX; k++) {
		r = &rb_routes[k];
		if (r->rt_path == NULL)
			continue;
		if (r->rt_prefix ?
		    strncmp(path, r->rt_path, strlen(r->rt_path)) != 0 :
		    strcmp(path, r->rt_path) != 0)
			continue;
		*allowed = m != RB_OTHER && (r->rt_methods & (1u << m)) != 0;
		return k;
	}
	*allowed = 0;
	return ROUTE_NOT_FOUND;
}

const char *
rb_route_allow(enum rb_route route)
{
	unsigned m = rb_routes[route].rt_methods;

	if ((m & RB_M_GET) && (m & RB_M_POST))
		return "GET, HEAD, POST";
	if (m & RB_M_POST)
		return "POST";
	return "GET, HEAD";
}
