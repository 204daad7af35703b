/*
 * framing.c: the strict reading of a request's framing (RFC 9112).
 *
 * libmicrohttpd 0.9.75 takes the first Content-Length and ignores the
 * others, lets Transfer-Encoding silently override Content-Length, keeps
 * whitespace before the colon as part of a field name (so "Content-Length
 * : 5" is not a Content-Length at all), accepts several Host fields, and
 * reads the body of an unknown transfer coding until the connection
 * closes. Each of these lets two HTTP parsers in a chain (a proxy and
 * this server) disagree on where a request ends: request smuggling.
 * Here every field that decides framing is checked before a byte of body
 * is read, and anything ambiguous is refused:
 *
 *   - a method or a field name that is not a token (whitespace before
 *     the colon, a line starting with whitespace, an empty name), a value
 *     holding a control character, or a name that starts with
 *     Content-Length, Transfer-Encoding or Host and goes on (the mark a
 *     folded line leaves, see folded_into()): 400 (RFC 9112 sections
 *     3, 5.1, 5.2; RFC 9110 5.5);
 *   - more than one Content-Length, even with equal values, or one that
 *     is not a plain decimal number: 400 (RFC 9112 6.3); whitespace
 *     after the number or after a Transfer-Encoding's value, which RFC
 *     9110 5.5 allows, is refused too: libmicrohttpd reads the value
 *     with it, so it answers 400 itself (Content-Length) or does not
 *     see "chunked" and reads the body until the connection closes
 *     (Transfer-Encoding);
 *   - Content-Length together with Transfer-Encoding: 400 (6.1, 6.3);
 *   - a transfer coding other than chunked: 501 (6.1); chunked other
 *     than as the single coding of one field (so that the library, which
 *     compares the whole value, reads it the same way): 400; any
 *     Transfer-Encoding in an HTTP/1.0 request: 400 (6.1);
 *   - no Host in an HTTP/1.1 request, more than one Host, or a Host with
 *     a character that no host name holds: 400 (3.2);
 *   - a request-target with a byte outside visible ASCII: 400 (3.2).
 *
 * reqscan.c checks the rest of the syntax (request line, version, line
 * ends, sizes, the chunked body), and the gate answers every verdict with
 * "Connection: close", so no byte after a refused head is ever read as
 * another request.
 */
#include <string.h>
#include <strings.h>

#include "framing.h"

/* RFC 9110 5.6.2: tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 3986 reg-name, IP-literal and port characters, and '%'. */
static int
is_host_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~!$&'()*+,;=%:[]", c) != NULL;
}

static int
name_is(const char *name, size_t namelen, const char *want)
{
	return namelen == strlen(want) &&
	    strncasecmp(name, want, namelen) == 0;
}

/*
 * libmicrohttpd 0.9.75 appends a folded line (obs-fold: a line starting
 * with whitespace) to the previous field's name, not to its value:
 * "Content-Length: 1\r\n 0" reaches us as a field "Content-Length0"
 * and no Content-Length at all, while a proxy that unfolds it as RFC
 * 9112 allows reads "Content-Length: 1 0". A folded line makes a field
 * name that is still a token only when it is run on to it, so a name
 * that starts with a framing field's name and goes on is refused.
 */
static int
folded_into(const char *name, size_t namelen, const char *field)
{
	size_t fl = strlen(field);

	return namelen > fl && strncasecmp(name, field, fl) == 0;
}

static void
refuse(struct rb_framing *fr, int status, const char *why)
{
	if (fr->fr_status == 0) {
		fr->fr_status = status;
		fr->fr_why = why;
	}
}

void
rb_framing_start(struct rb_framing *fr, const char *method,
    const char *target, const char *version)
{
	rb_framing_start_n(fr, method, method != NULL ? strlen(method) : 0,
	    target, target != NULL ? strlen(target) : 0,
	    version == NULL || strcmp(version, "HTTP/1.0") != 0);
	if (method != NULL && *method == '\0')
		refuse(fr, 400, "method that is not a token");
}

void
rb_framing_start_n(struct rb_framing *fr, const char *method,
    size_t methodlen, const char *target, size_t targetlen, int http11)
{
	const unsigned char *p = (const unsigned char *)method;
	size_t i;

	memset(fr, 0, sizeof(*fr));
	for (i = 0; p != NULL && i < methodlen; i++)
		if (!is_tchar(p[i])) {
			refuse(fr, 400, "method that is not a token");
			break;
		}
	fr->fr_http11 = http11;
	p = (const unsigned char *)target;
	for (i = 0; p != NULL && i < targetlen; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f) {
			refuse(fr, 400, "request-target with a space, "
			    "a control or a non-ASCII byte");
			break;
		}
}

/* Each coding of a Transfer-Encoding value: 501 for any but chunked. */
static void
transfer_codings(struct rb_framing *fr, const char *v, size_t n)
{
	size_t i = 0, start, end;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && v[i] != ',' && v[i] != ';' && v[i] != ' ' &&
		    v[i] != '\t')
			i++;
		end = i;
		while (i < n && v[i] != ',')	/* parameters */
			i++;
		if (end - start == 7 && strncasecmp(v + start, "chunked",
		    7) == 0)
			fr->fr_te_chunked++;
		else
			refuse(fr, 501, "transfer coding other than chunked");
	}
}

void
rb_framing_field(struct rb_framing *fr, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	size_t i, end;

	if (namelen == 0) {
		refuse(fr, 400, "empty field name");
		return;
	}
	for (i = 0; i < namelen; i++)
		if (!is_tchar((unsigned char)name[i])) {
			refuse(fr, 400, name[i] == ' ' || name[i] == '\t' ?
			    "whitespace in a field name or before its colon" :
			    "field name that is not a token");
			return;
		}
	for (i = 0; i < valuelen; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			refuse(fr, 400, "control character in a field value");
			return;
		}
	}
	/* value is as libmicrohttpd keeps it: leading whitespace taken
	   off, trailing whitespace kept. */
	for (end = valuelen; end > 0 && (value[end - 1] == ' ' ||
	    value[end - 1] == '\t'); end--)
		;
	if (folded_into(name, namelen, "Content-Length") ||
	    folded_into(name, namelen, "Transfer-Encoding") ||
	    folded_into(name, namelen, "Host")) {
		refuse(fr, 400, "framing field name run on by a folded line");
		return;
	}
	if (end < valuelen && (name_is(name, namelen, "Content-Length") ||
	    name_is(name, namelen, "Transfer-Encoding"))) {
		refuse(fr, 400, "whitespace after the value of a framing "
		    "field");
		return;
	}
	if (name_is(name, namelen, "Content-Length")) {
		if (++fr->fr_nclen > 1)
			refuse(fr, 400, "more than one Content-Length");
		if (valuelen == 0)
			refuse(fr, 400, "empty Content-Length");
		for (i = 0; i < valuelen; i++)
			if (value[i] < '0' || value[i] > '9') {
				refuse(fr, 400, "Content-Length that is not "
				    "a decimal number");
				break;
			}
	} else if (name_is(name, namelen, "Transfer-Encoding")) {
		fr->fr_nte++;
		transfer_codings(fr, value, valuelen);
		if (!name_is(value, valuelen, "chunked"))
			refuse(fr, 400, "Transfer-Encoding other than one "
			    "\"chunked\"");
	} else if (name_is(name, namelen, "Host")) {
		if (++fr->fr_nhost > 1)
			refuse(fr, 400, "more than one Host");
		for (i = 0; i < end; i++)
			if (!is_host_char((unsigned char)value[i])) {
				refuse(fr, 400, "Host with a character no "
				    "host name holds");
				break;
			}
	}
}

int
rb_framing_end(struct rb_framing *fr, const char **why)
{
	if (fr->fr_nte > 0 && fr->fr_nclen > 0)
		refuse(fr, 400, "Content-Length with Transfer-Encoding");
	if (fr->fr_nte > 1 || fr->fr_te_chunked > 1)
		refuse(fr, 400, "chunked applied more than once");
	if (fr->fr_nte > 0 && !fr->fr_http11)
		refuse(fr, 400, "Transfer-Encoding in an HTTP/1.0 request");
	if (fr->fr_http11 && fr->fr_nhost == 0)
		refuse(fr, 400, "HTTP/1.1 request without Host");
	if (why != NULL)
		*why = fr->fr_why;
	return fr->fr_status;
}
