/*
 * framing.h: the strict reading of a request's framing (RFC 9112) that
 * libmicrohttpd 0.9.75 does not enforce: which header fields decide where
 * a request ends, and whether they agree with each other.
 *
 * The front gate's parser (reqscan.c) feeds the request line and every
 * field line of a request to one struct rb_framing as they arrive,
 * before any byte of the request reaches the server, and refuses the
 * request with the status it returns when that is not 0. The checks are
 * pure: no I/O, no allocation.
 */
#ifndef RB_FRAMING_H
#define RB_FRAMING_H

#include <stddef.h>

struct rb_framing {
	int		 fr_status;	/* first verdict: 0, 400 or 501 */
	const char	*fr_why;	/* its reason, static text */
	int		 fr_http11;	/* HTTP/1.1 (Host is required) */
	int		 fr_nhost;
	int		 fr_nclen;
	int		 fr_nte;
	int		 fr_te_chunked;	/* "chunked" codings seen */
};

/*
 * Starts checking one request, from the three parts of its request
 * line: method ("GET"), target (the request-target as sent, still
 * percent-encoded) and version ("HTTP/1.1"); NULL skips a part's check.
 * A method that is not a token, or a target holding a byte outside
 * visible ASCII (a space, a control, a non-ASCII byte) is a 400.
 */
void		 rb_framing_start(struct rb_framing *fr, const char *method,
		    const char *target, const char *version);
/*
 * The same from counted parts, none NUL-terminated (gate.c reads them in
 * its buffer): method and target as above (NULL skips a check; an empty
 * method is for the caller to refuse), http11 set for HTTP/1.1.
 */
void		 rb_framing_start_n(struct rb_framing *fr, const char *method,
		    size_t methodlen, const char *target, size_t targetlen,
		    int http11);
/*
 * Adds one header field line as parsed: name is what stood before the
 * colon (any whitespace there included), value the field value as
 * libmicrohttpd keeps it (whitespace after the colon taken off, any at
 * the end kept). Lengths are in bytes; neither needs a NUL. The first
 * problem found is kept, later ones are ignored.
 */
void		 rb_framing_field(struct rb_framing *fr, const char *name,
		    size_t namelen, const char *value, size_t valuelen);
/*
 * Ends the check once every field was given. Returns 0 when the request
 * is well framed, 400 (Bad Request) or 501 (Not Implemented: a transfer
 * coding other than chunked); in both cases the caller answers with that
 * status and closes the connection. When why is not NULL it receives a
 * short English reason for the log (static text), or NULL.
 */
int		 rb_framing_end(struct rb_framing *fr, const char **why);

#endif
