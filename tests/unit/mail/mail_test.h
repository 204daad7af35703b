/*
 * mail_test.h: helpers shared by the cmocka tests of src/mail: reading
 * back what the module writes (quoted-printable, RFC 2047 encoded words,
 * folded headers, MIME parts), line checks, and a private temporary
 * directory per test. Include it after <cmocka.h>, with _GNU_SOURCE
 * defined first.
 */
#ifndef RB_MAIL_TEST_H
#define RB_MAIL_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "base/buf.h"

static inline int
t_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* lower case is not what we write */
}

/*
 * Decodes quoted-printable s[0..len) into out, with CRLF line breaks
 * turned into '\n'. Fails the test on a malformed escape.
 */
static inline void
t_qp_decode(const char *s, size_t len, rb_buf *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 1 < len && s[i + 1] == '\r') {
			assert_true(i + 2 < len && s[i + 2] == '\n');
			i += 2;		/* soft line break */
			continue;
		}
		if (s[i] == '=') {
			assert_true(i + 2 < len);
			hi = t_hexval(s[i + 1]);
			lo = t_hexval(s[i + 2]);
			assert_true(hi >= 0 && lo >= 0);
			rb_buf_putc(out, (char)(hi * 16 + lo));
			i += 2;
			continue;
		}
		if (s[i] == '\r') {
			assert_true(i + 1 < len && s[i + 1] == '\n');
			continue;
		}
		rb_buf_putc(out, s[i]);
	}
}

/* Every line of s[0..len) ends with CRLF (no bare CR or LF) and holds at
 * most max characters before it. */
static inline void
t_check_lines(const char *s, size_t len, size_t max)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			assert_true(i + 1 < len && s[i + 1] == '\n');
			i++;
			col = 0;
			continue;
		}
		assert_true(s[i] != '\n');
		col++;
		if (col > max)
			fail_msg("line longer than %zu near \"%.40s\"", max,
			    s + i - (col - 1));
	}
}

/*
 * Decodes a header value made of encoded words "=?UTF-8?B?…?=" separated
 * by folding white space, or plain text, into out. Checks that every
 * word is at most 75 characters and decodes to whole UTF-8 characters.
 */
static inline void
t_decode_words(const char *v, rb_buf *out)
{
	unsigned char bin[256];
	const char *end, *q;
	size_t binlen;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	if (strncmp(v, "=?", 2) != 0) {
		rb_buf_puts(out, v);
		return;
	}
	while (*v != '\0') {
		assert_int_equal(strncmp(v, "=?UTF-8?B?", 10), 0);
		q = v + 10;
		end = strstr(q, "?=");
		assert_non_null(end);
		assert_true(end + 2 - v <= 75);
		assert_int_equal(sodium_base642bin(bin, sizeof(bin), q,
		    (size_t)(end - q), NULL, &binlen, NULL,
		    sodium_base64_VARIANT_ORIGINAL), 0);
		/* A word never ends inside a UTF-8 sequence. */
		if (binlen > 0 && (bin[binlen - 1] & 0x80)) {
			size_t k = binlen - 1, need;

			while (k > 0 && (bin[k] & 0xc0) == 0x80)
				k--;
			need = (bin[k] & 0xe0) == 0xc0 ? 2 :
			    (bin[k] & 0xf0) == 0xe0 ? 3 : 4;
			assert_int_equal(binlen - k, need);
		}
		rb_buf_append(out, bin, binlen);
		v = end + 2;
		while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
			v++;
	}
}

/*
 * Copies into out the unfolded value of header name (case-insensitive)
 * from the header block of msg (up to the first empty line). Returns the
 * number of times the header occurs.
 */
static inline int
t_header(const char *msg, const char *name, rb_buf *out)
{
	const char *p = msg, *eol, *hend = strstr(msg, "\r\n\r\n");
	size_t nlen = strlen(name);
	int count = 0;

	assert_non_null(hend);
	while (p < hend + 2) {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			count++;
			rb_buf_reset(out);
			rb_buf_append(out, p + nlen + 1,
			    (size_t)(eol - p - nlen - 1));
			/* continuation lines */
			while (eol[2] == ' ' || eol[2] == '\t') {
				p = eol + 2;
				eol = strstr(p, "\r\n");
				rb_buf_append(out, p, (size_t)(eol - p));
			}
		}
		p = eol + 2;
	}
	return count;
}

/*
 * Finds the part of multipart msg whose Content-Type starts with type
 * and decodes its quoted-printable body into out (line ends '\n').
 * Checks the part declares UTF-8 and quoted-printable.
 */
static inline void
t_part(const char *msg, const char *boundary, const char *type, rb_buf *out)
{
	char delim[160], ct[128];
	const char *p, *body, *end;

	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	snprintf(ct, sizeof(ct), "Content-Type: %s; charset=UTF-8\r\n", type);
	p = strstr(msg, ct);
	assert_non_null(p);
	assert_non_null(strstr(p, "Content-Transfer-Encoding: "
	    "quoted-printable\r\n"));
	body = strstr(p, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	end = strstr(body, delim);
	assert_non_null(end);
	t_qp_decode(body, (size_t)(end - body), out);
}

/* The boundary parameter of msg's Content-Type, into out. */
static inline void
t_boundary(const char *msg, char *out, size_t outlen)
{
	const char *p = strstr(msg, "boundary=\""), *e;

	assert_non_null(p);
	p += 10;
	e = strchr(p, '"');
	assert_non_null(e);
	snprintf(out, outlen, "%.*s", (int)(e - p), p);
}

/* Temporary directories. */

static inline void
t_mkdtemp(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(dir, len, "%s/robinet-mail-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static inline int
t_rm_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
t_rmtree(const char *dir)
{
	nftw(dir, t_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
