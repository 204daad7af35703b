/*
 * reqscan.h: the incremental, strict reading of a stream of HTTP/1.1
 * requests (RFC 9112) that the front gate (gate.c) runs on what a client
 * sends, before libmicrohttpd sees a byte of it.
 *
 * It tells which bytes belong to well-formed requests (they may be
 * passed on), which are to be dropped (empty lines before a request
 * line), and stops at the first byte of a request that is not: its
 * status (400, 413, 414, 431, 501, 505) and reason. It follows each
 * body's framing exactly (Content-Length counted, chunked parsed), so it
 * always knows where the next request starts. A head is passed on only
 * once whole and checked: request line, field lines, then the framing
 * fields through framing.c. A request that ends the connection (HTTP/1.1
 * with "Connection: close", HTTP/1.0 without "keep-alive") is the last:
 * whatever follows it is dropped, never refused, since the server will
 * not read it (RFC 9112 9.6). Pure: no I/O, no allocation.
 */
#ifndef RB_REQSCAN_H
#define RB_REQSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "framing.h"

/* Field lines in one head (more: 431); keeps libmicrohttpd's memory for
 * a head within what it is given (server.c). */
#define RB_REQSCAN_MAX_FIELDS		100
/* A chunk-size line, extensions included (longer: 400). */
#define RB_REQSCAN_MAX_CHUNK_LINE	1024
/* Digits of a Content-Length (more: 413; 10^15 bytes is never served). */
#define RB_REQSCAN_MAX_CLEN_DIGITS	15
/* Hexadecimal digits of a chunk size (more: 413). */
#define RB_REQSCAN_MAX_CHUNK_DIGITS	12

enum rb_scan {
	RB_SCAN_MORE,	/* nothing can be decided before more bytes come */
	RB_SCAN_PASS,	/* the first *n bytes are well formed: pass them on */
	RB_SCAN_DROP,	/* the first *n bytes are to be dropped: empty lines
			   before a request, anything after the request that
			   ends the connection */
	RB_SCAN_BAD	/* a request is refused: sc_status, sc_why */
};

struct rb_reqscan {
	size_t		 sc_max_head;	/* max_header_bytes */
	int		 sc_state;
	uint64_t	 sc_left;	/* body or chunk bytes still to come */
	size_t		 sc_pos;	/* head or trailers: bytes checked */
	unsigned	 sc_lines;	/* head or trailers: lines checked */
	struct rb_framing sc_fr;	/* the head's framing fields */
	uint64_t	 sc_clen;
	int		 sc_close;	/* the head asks for "close" */
	int		 sc_keep;	/* the head asks for "keep-alive" */
	int		 sc_last;	/* this request ends the connection */
	int		 sc_status;	/* RB_SCAN_BAD: the answer's status */
	const char	*sc_why;	/* its reason, static English text */
	int		 sc_head_method;	/* the refused request is a HEAD */
	char		 sc_target[64];	/* start of the last request-target
					   seen, NUL-terminated, or "" */
	/* Set by each step: it passed a whole head (RB_SCAN_PASS), of a
	   request with no body (sc_head_bodyless) that ends the connection
	   or not (sc_head_last). The gate may answer such a request
	   itself (gate.h, gh_direct). */
	int		 sc_head_passed;
	int		 sc_head_bodyless;
	int		 sc_head_last;
};

/* Starts reading a new stream; heads hold at most max_head bytes. */
void		 rb_reqscan_init(struct rb_reqscan *sc, size_t max_head);
/*
 * Reads on from buf[0..len), the bytes that follow those of the last
 * step (the first step starts at the stream's first byte). Returns
 * RB_SCAN_PASS or RB_SCAN_DROP with *n > 0 bytes, after which the next
 * step starts at buf + *n; RB_SCAN_MORE when more bytes are needed (the
 * next step gets the same bytes and more: a caller keeps at least
 * sc_max_head bytes, or the head is refused as too large); RB_SCAN_BAD
 * once a request is refused, and from then on. *n is 0 unless PASS or
 * DROP.
 */
enum rb_scan	 rb_reqscan_step(struct rb_reqscan *sc, const char *buf,
		    size_t len, size_t *n);
/* Whether the stream ends cleanly here (between two requests). */
int		 rb_reqscan_idle(const struct rb_reqscan *sc);

#endif
