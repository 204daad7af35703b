/*
 * reqscan.c: the incremental, strict reading of a stream of HTTP/1.1
 * requests (RFC 9112) run by the front gate (gate.c).
 *
 * What it accepts is a strict subset of what libmicrohttpd 0.9.75
 * accepts, so that the library never meets a request it would answer
 * itself (its own answers carry none of our headers, and one of them
 * sends its status line twice):
 *
 *   - the request line is method SP request-target SP HTTP-version CRLF,
 *     one space each, a token method, a target of visible ASCII
 *     (framing.c), and HTTP/1.0 or HTTP/1.1: another well-formed version
 *     is a 505, anything else a 400 (RFC 9112 3, 2.3);
 *   - every line ends in CRLF: a bare LF or CR is a 400 (2.2); empty
 *     lines before a request line are dropped (2.2);
 *   - a field line is a token name, a colon, a value (framing.c checks
 *     each); no whitespace before the colon, no line without a colon,
 *     no obs-fold: 400 (5.1, 5.2); at most RB_REQSCAN_MAX_FIELDS lines;
 *   - a head over max_header_bytes is a 431, or a 414 when its request
 *     line alone is (RFC 6585 5, RFC 9110 15.5.15);
 *   - framing.c decides Content-Length, Transfer-Encoding and Host; a
 *     Content-Length of more than RB_REQSCAN_MAX_CLEN_DIGITS digits is a
 *     413;
 *   - a chunked body is chunk-size (hex, no whitespace), optional
 *     extensions after ';', CRLF, the data, CRLF; the last chunk is
 *     followed by trailer field lines (no framing field among them)
 *     within max_header_bytes, then CRLF (7.1). A size of more than
 *     RB_REQSCAN_MAX_CHUNK_DIGITS digits is a 413, any other fault 400.
 */
#include <string.h>
#include <strings.h>

#include "reqscan.h"

enum {
	SC_HEAD,
	SC_BODY,
	SC_CHUNK_SIZE,
	SC_CHUNK_DATA,
	SC_CHUNK_END,
	SC_TRAILERS,
	SC_DONE,	/* after the last request */
	SC_BAD
};

void
rb_reqscan_init(struct rb_reqscan *sc, size_t max_head)
{
	memset(sc, 0, sizeof(*sc));
	sc->sc_max_head = max_head;
	sc->sc_state = SC_HEAD;
}

int
rb_reqscan_idle(const struct rb_reqscan *sc)
{
	return sc->sc_state == SC_HEAD && sc->sc_lines == 0;
}

static enum rb_scan
bad(struct rb_reqscan *sc, int status, const char *why)
{
	sc->sc_state = SC_BAD;
	sc->sc_status = status;
	sc->sc_why = why;
	return RB_SCAN_BAD;
}

static enum rb_scan
pass(size_t len, size_t *n)
{
	*n = len;
	return RB_SCAN_PASS;
}

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static unsigned
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

/*
 * The next line in buf[from..lim): its length without the CRLF in *len,
 * its length with it in *total. Returns 0, 1 when no line ends there
 * yet, or -1 with the reason in *why when the line ends otherwise than
 * with CRLF or holds a CR.
 */
static int
next_line(const char *buf, size_t from, size_t lim, size_t *len,
    size_t *total, const char **why)
{
	const char *p = buf + from, *lf;

	if (from >= lim || (lf = memchr(p, '\n', lim - from)) == NULL) {
		/* A CR must be followed by LF: say so as soon as it is
		   not, rather than when the line ends. */
		if (from < lim && (lf = memchr(p, '\r', lim - from)) != NULL &&
		    lf + 1 < buf + lim) {
			*why = "CR without LF";
			return -1;
		}
		return 1;
	}
	if (lf == p || lf[-1] != '\r') {
		*why = "line ended by a bare LF";
		return -1;
	}
	*len = (size_t)(lf - p) - 1;
	*total = *len + 2;
	if (memchr(p, '\r', *len) != NULL) {
		*why = "CR without LF";
		return -1;
	}
	return 0;
}

static enum rb_scan
request_line(struct rb_reqscan *sc, const char *p, size_t len)
{
	const char *sp1, *sp2, *v;
	size_t mlen, tlen, vlen;
	int http11;

	if ((sp1 = memchr(p, ' ', len)) == NULL)
		return bad(sc, 400, "request line without a space");
	mlen = (size_t)(sp1 - p);
	if (mlen == 0)
		return bad(sc, 400, "method that is not a token");
	sp2 = memchr(sp1 + 1, ' ', len - mlen - 1);
	if (sp2 == NULL)
		return bad(sc, 400, "request line without an HTTP version");
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen == 0)
		return bad(sc, 400, "empty request-target or two spaces");
	tlen = tlen < sizeof(sc->sc_target) - 1 ? tlen :
	    sizeof(sc->sc_target) - 1;
	memcpy(sc->sc_target, sp1 + 1, tlen);
	sc->sc_target[tlen] = '\0';
	tlen = (size_t)(sp2 - sp1 - 1);
	sc->sc_head_method = mlen == 4 && memcmp(p, "HEAD", 4) == 0;
	v = sp2 + 1;
	vlen = len - (size_t)(v - p);
	if (memchr(v, ' ', vlen) != NULL)
		return bad(sc, 400, "request-target with a space, a control "
		    "or a non-ASCII byte");
	if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' ||
	    v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return bad(sc, 400, "malformed HTTP version");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return bad(sc, 505, "HTTP version other than 1.0 and 1.1");
	http11 = v[7] == '1';
	rb_framing_start_n(&sc->sc_fr, p, mlen, sp1 + 1, tlen, http11);
	if (sc->sc_fr.fr_status != 0)
		return bad(sc, sc->sc_fr.fr_status, sc->sc_fr.fr_why);
	return RB_SCAN_MORE;
}

/*
 * Splits a field line at its colon into fr (framing.c checks the name,
 * the value and the framing fields). Returns RB_SCAN_MORE when it is
 * well formed.
 */
static enum rb_scan
field_line(struct rb_reqscan *sc, struct rb_framing *fr, const char *p,
    size_t len)
{
	const char *colon, *v, *end = p + len;

	if (p[0] == ' ' || p[0] == '\t')
		return bad(sc, 400, "field line starting with whitespace "
		    "(obs-fold)");
	if ((colon = memchr(p, ':', len)) == NULL)
		return bad(sc, 400, "field line without a colon");
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	/* The value keeps its trailing whitespace, as libmicrohttpd reads
	   it (framing.c judges it). */
	rb_framing_field(fr, p, (size_t)(colon - p), v, (size_t)(end - v));
	if (fr->fr_status != 0)
		return bad(sc, fr->fr_status, fr->fr_why);
	return RB_SCAN_MORE;
}

/* Notes the "close" and "keep-alive" options of a Connection field. */
static void
connection_options(struct rb_reqscan *sc, const char *p, size_t len)
{
	const char *v = memchr(p, ':', len), *end = p + len, *t;
	size_t n;

	if (v == NULL || (size_t)(v - p) != 10 ||
	    strncasecmp(p, "Connection", 10) != 0)
		return;
	for (v++; v < end; v = t + 1) {
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if ((t = memchr(v, ',', (size_t)(end - v))) == NULL)
			t = end;
		for (n = (size_t)(t - v); n > 0 && (v[n - 1] == ' ' ||
		    v[n - 1] == '\t'); n--)
			;
		if (n == 5 && strncasecmp(v, "close", 5) == 0)
			sc->sc_close = 1;
		else if (n == 10 && strncasecmp(v, "keep-alive", 10) == 0)
			sc->sc_keep = 1;
	}
}

/* Reads a Content-Length that framing.c found to be digits. */
static enum rb_scan
content_length(struct rb_reqscan *sc, const char *p, size_t len)
{
	const char *v = memchr(p, ':', len), *end = p + len;

	if (v == NULL || (size_t)(v - p) != 14 ||
	    strncasecmp(p, "Content-Length", 14) != 0)
		return RB_SCAN_MORE;
	for (v++; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - v > RB_REQSCAN_MAX_CLEN_DIGITS)
		return bad(sc, 413, "Content-Length too large");
	sc->sc_clen = 0;
	for (; v < end; v++)
		sc->sc_clen = sc->sc_clen * 10 + (uint64_t)(*v - '0');
	return RB_SCAN_MORE;
}

/* The request ends: the next one, or none after the last. */
static int
next_request(struct rb_reqscan *sc)
{
	return sc->sc_last ? SC_DONE : SC_HEAD;
}

/* The head ends: framing.c's verdict, then how the body is framed. */
static enum rb_scan
head_end(struct rb_reqscan *sc, size_t total, size_t *n)
{
	const char *why;
	int status;

	if ((status = rb_framing_end(&sc->sc_fr, &why)) != 0)
		return bad(sc, status, why);
	sc->sc_pos = 0;
	sc->sc_lines = 0;
	sc->sc_last = sc->sc_close ||
	    (!sc->sc_fr.fr_http11 && !sc->sc_keep);
	sc->sc_head_passed = 1;
	sc->sc_head_bodyless = sc->sc_fr.fr_te_chunked == 0 &&
	    sc->sc_clen == 0;
	sc->sc_head_last = sc->sc_last;
	if (sc->sc_fr.fr_te_chunked > 0)
		sc->sc_state = SC_CHUNK_SIZE;
	else if (sc->sc_clen > 0) {
		sc->sc_state = SC_BODY;
		sc->sc_left = sc->sc_clen;
	} else
		sc->sc_state = next_request(sc);
	sc->sc_clen = 0;
	sc->sc_close = sc->sc_keep = 0;
	return pass(total, n);
}

static enum rb_scan
head_step(struct rb_reqscan *sc, const char *buf, size_t len, size_t *n)
{
	size_t lim = len < sc->sc_max_head ? len : sc->sc_max_head;
	size_t llen, total;
	const char *why;
	enum rb_scan rc;
	int r;

	for (;;) {
		r = next_line(buf, sc->sc_pos, lim, &llen, &total, &why);
		if (r < 0)
			return bad(sc, 400, why);
		if (r > 0) {
			if (len < sc->sc_max_head)
				return RB_SCAN_MORE;
			if (sc->sc_lines == 0)
				return bad(sc, 414, "request line longer than "
				    "max_header_bytes");
			return bad(sc, 431, "head longer than "
			    "max_header_bytes");
		}
		if (sc->sc_lines == 0 && llen == 0) {
			*n = total;	/* an empty line before a request */
			return RB_SCAN_DROP;
		}
		if (sc->sc_lines == 0)
			rc = request_line(sc, buf, llen);
		else if (llen == 0)
			return head_end(sc, sc->sc_pos + total, n);
		else if (sc->sc_lines > RB_REQSCAN_MAX_FIELDS)
			return bad(sc, 431, "too many field lines");
		else if ((rc = field_line(sc, &sc->sc_fr, buf + sc->sc_pos,
		    llen)) == RB_SCAN_MORE) {
			rc = content_length(sc, buf + sc->sc_pos, llen);
			connection_options(sc, buf + sc->sc_pos, llen);
		}
		if (rc != RB_SCAN_MORE)
			return rc;
		sc->sc_pos += total;
		sc->sc_lines++;
	}
}

static enum rb_scan
chunk_size_step(struct rb_reqscan *sc, const char *buf, size_t len,
    size_t *n)
{
	size_t lim = len < RB_REQSCAN_MAX_CHUNK_LINE ? len :
	    RB_REQSCAN_MAX_CHUNK_LINE;
	size_t llen, total, i;
	const char *why;
	uint64_t size = 0;
	int r;

	if ((r = next_line(buf, 0, lim, &llen, &total, &why)) < 0)
		return bad(sc, 400, why);
	if (r > 0)
		return len < RB_REQSCAN_MAX_CHUNK_LINE ? RB_SCAN_MORE :
		    bad(sc, 400, "chunk-size line too long");
	for (i = 0; i < llen && is_hex((unsigned char)buf[i]); i++)
		size = size * 16 + hex_value((unsigned char)buf[i]);
	if (i == 0)
		return bad(sc, 400, "chunk size that is not hexadecimal");
	if (i > RB_REQSCAN_MAX_CHUNK_DIGITS)
		return bad(sc, 413, "chunk too large");
	if (i < llen && buf[i] != ';')
		return bad(sc, 400, "chunk size followed by something other "
		    "than an extension");
	for (; i < llen; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    (unsigned char)buf[i] == 0x7f)
			return bad(sc, 400, "control character in a chunk "
			    "extension");
	if (size == 0) {
		sc->sc_state = SC_TRAILERS;
		sc->sc_pos = 0;
		sc->sc_lines = 0;
	} else {
		sc->sc_state = SC_CHUNK_DATA;
		sc->sc_left = size;
	}
	return pass(total, n);
}

static enum rb_scan
trailers_step(struct rb_reqscan *sc, const char *buf, size_t len, size_t *n)
{
	size_t room = sc->sc_max_head - sc->sc_pos;
	size_t lim = len < room ? len : room;
	size_t llen, total;
	struct rb_framing fr;
	const char *why;
	int r;

	if ((r = next_line(buf, 0, lim, &llen, &total, &why)) < 0)
		return bad(sc, 400, why);
	if (r > 0)
		return len < room ? RB_SCAN_MORE :
		    bad(sc, 431, "trailer section longer than "
		    "max_header_bytes");
	if (llen == 0) {
		sc->sc_state = next_request(sc);
		sc->sc_pos = 0;
		sc->sc_lines = 0;
		return pass(total, n);
	}
	if (++sc->sc_lines > RB_REQSCAN_MAX_FIELDS)
		return bad(sc, 431, "too many trailer field lines");
	rb_framing_start_n(&fr, NULL, 0, NULL, 0, 0);
	if (field_line(sc, &fr, buf, llen) != RB_SCAN_MORE)
		return RB_SCAN_BAD;
	if (fr.fr_nclen + fr.fr_nte + fr.fr_nhost > 0)
		return bad(sc, 400, "framing field in the trailer section");
	sc->sc_pos += total;
	return pass(total, n);
}

enum rb_scan
rb_reqscan_step(struct rb_reqscan *sc, const char *buf, size_t len,
    size_t *n)
{
	size_t take;

	*n = 0;
	sc->sc_head_passed = 0;
	if (sc->sc_state == SC_BAD)
		return RB_SCAN_BAD;
	if (len == 0)
		return RB_SCAN_MORE;
	switch (sc->sc_state) {
	case SC_HEAD:
		return head_step(sc, buf, len, n);
	case SC_BODY:
	case SC_CHUNK_DATA:
		take = sc->sc_left < len ? (size_t)sc->sc_left : len;
		sc->sc_left -= take;
		if (sc->sc_left == 0)
			sc->sc_state = sc->sc_state == SC_BODY ?
			    next_request(sc) : SC_CHUNK_END;
		return pass(take, n);
	case SC_CHUNK_SIZE:
		return chunk_size_step(sc, buf, len, n);
	case SC_CHUNK_END:
		if (buf[0] != '\r' || (len > 1 && buf[1] != '\n'))
			return bad(sc, 400, "chunk data not followed by CRLF");
		if (len < 2)
			return RB_SCAN_MORE;
		sc->sc_state = SC_CHUNK_SIZE;
		return pass(2, n);
	case SC_TRAILERS:
		return trailers_step(sc, buf, len, n);
	case SC_DONE:
		*n = len;
		return RB_SCAN_DROP;
	}
	return bad(sc, 400, "internal state");
}
