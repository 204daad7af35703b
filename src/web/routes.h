/*
 * routes.h: the route table. Every page of the site is one row: a
 * method set, a path (exact, or a prefix ending in '/'), a handler and
 * a name for metrics. HEAD is accepted wherever GET is. A route marked
 * slow (password hashing…) runs its handler on the slow-work pool, never
 * on a thread that answers other requests.
 */
#ifndef RB_ROUTES_H
#define RB_ROUTES_H

#include "http.h"

enum rb_route {
	ROUTE_HOME,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_STATIC,
	ROUTE_SIGNIN,
	ROUTE_SIGNUP,
	ROUTE_MIGRATE,
	ROUTE_ARCHIVE,
	ROUTE_CONTACT,
	ROUTE_PRIVACY,
	ROUTE_NOT_FOUND,	/* pseudo-route for metrics: no row matched */
	ROUTE__MAX
};

#define RB_M_GET	(1u << RB_GET)
#define RB_M_POST	(1u << RB_POST)

typedef void (*rb_handler)(struct rb_req *);

struct rb_route_def {
	const char	*rt_name;	/* metrics label */
	const char	*rt_path;
	int		 rt_prefix;	/* rt_path matches as a prefix */
	unsigned	 rt_methods;
	rb_handler	 rt_handler;
	int		 rt_slow;	/* runs on the slow-work pool */
};

extern const struct rb_route_def rb_routes[ROUTE__MAX];

/*
 * Finds the route for a canonical path. Returns the route, or
 * ROUTE_NOT_FOUND; *allowed tells whether the method is accepted there
 * (a known path with another method is a 405).
 */
enum rb_route	 rb_route_match(const char *path, enum rb_method method,
		    int *allowed);
/* "GET, HEAD" style list for the Allow header of a 405. */
const char	*rb_route_allow(enum rb_route route);

/* Handlers, one per page (pages/). */
void	rb_page_home(struct rb_req *);
void	rb_page_healthz(struct rb_req *);
void	rb_page_metrics(struct rb_req *);
void	rb_page_static(struct rb_req *);
void	rb_page_soon(struct rb_req *);
void	rb_page_privacy(struct rb_req *);

#endif
