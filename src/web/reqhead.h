/*
 * reqhead.h: the parts of a request head the gate thread needs to
 * answer a request itself (server.c, gate_direct(); gate.h, gh_direct):
 * method, target, version and field lines, read from a head the
 * scanner (reqscan.c) has already checked whole. Lookups follow
 * libmicrohttpd's, so that a page sees the same values either way: a
 * field's name matches case-insensitively and its first line wins; a
 * value is trimmed of spaces and tabs; cookies are the first Cookie
 * line's "name=value" pairs, separated by ";", a value's surrounding
 * double quotes dropped.
 */
#ifndef RB_WEB_REQHEAD_H
#define RB_WEB_REQHEAD_H

#include <stddef.h>

#include "base/arena.h"

struct rb_head_field {
	const char	*hf_name;
	const char	*hf_value;
};

struct rb_head {
	const char		*rh_method;	/* "GET" */
	const char		*rh_target;	/* "/path?query" */
	int			 rh_http11;	/* HTTP/1.1 (else 1.0) */
	struct rb_head_field	*rh_fields;
	size_t			 rh_nfields;
};

/*
 * Reads head[0..len) (request line to the empty line included) into h,
 * its strings in a. Returns 0, or -1 when it is not a head this reader
 * takes (the caller then leaves the request to libmicrohttpd): a
 * request line of another shape than "METHOD SP TARGET SP HTTP/1.x", a
 * field line without a colon.
 */
int		 rb_head_parse(rb_arena *a, const char *head, size_t len,
		    struct rb_head *h);
/* The value of field name, or NULL. */
const char	*rb_head_field(const struct rb_head *h, const char *name);
/* The value of cookie name, in a, or NULL. */
const char	*rb_head_cookie(const struct rb_head *h, rb_arena *a,
		    const char *name);

#endif
