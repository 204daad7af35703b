/*
 * path.c: request path canonicalisation (see path.h for the exact rules).
 *
 * Three passes over at most RB_PATH_MAX bytes: decode (or copy) while
 * rejecting forbidden bytes, check UTF-8, then rebuild the path segment
 * by segment with a stack discipline for "..".
 */
#include <string.h>

#include <unistr.h>

#include "path.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Copies raw[0..len) to dec, percent-decoding when decode is set, and
 * stores the decoded length in *declen. Fails on a malformed escape, on
 * NUL, backslash, C0 controls and DEL (raw or decoded), and when the
 * decoded path reaches RB_PATH_MAX bytes. dec holds RB_PATH_MAX bytes.
 */
static int
path_decode(const char *raw, size_t len, int decode, char *dec,
    size_t *declen)
{
	size_t i, n = 0;
	unsigned char c;
	int hi, lo;

	for (i = 0; i < len; i++) {
		c = (unsigned char)raw[i];
		if (decode && c == '%') {
			if (len - i < 3)
				return -1;
			hi = hexval((unsigned char)raw[i + 1]);
			lo = hexval((unsigned char)raw[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return -1;
		if (n >= RB_PATH_MAX - 1)
			return -1;
		dec[n++] = (char)c;
	}
	*declen = n;
	return 0;
}

/*
 * Returns 0 when s[0..len) is valid UTF-8 (RFC 3629) without C1 controls,
 * -1 otherwise.
 */
static int
path_utf8_check(const unsigned char *s, size_t len)
{
	size_t i;

	if (u8_check(s, len) != NULL)
		return -1;
	for (i = 0; i + 1 < len; i++)	/* C1 controls are C2 80 to C2 9F */
		if (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			return -1;
	return 0;
}

/*
 * Rebuilds the decoded path dec[0..len) (starting with '/', len below
 * RB_PATH_MAX) into out, which holds RB_PATH_MAX + 1 bytes. Every kept
 * segment is written followed by '/', so the building path is at most
 * len + 1 bytes long; the final '/' is dropped at the end unless the path
 * names a directory. Stores the result's length in *outlen.
 */
static int
path_resolve(const char *dec, size_t len, char *out, size_t *outlen)
{
	size_t i = 0, start, seg, o = 1;
	int dir = 1;

	out[0] = '/';
	while (i < len) {
		while (i < len && dec[i] == '/')
			i++;
		if (i == len) {
			dir = 1;	/* trailing slash */
			break;
		}
		start = i;
		while (i < len && dec[i] != '/')
			i++;
		seg = i - start;
		if (seg == 1 && dec[start] == '.') {
			dir = 1;
			continue;
		}
		if (seg == 2 && dec[start] == '.' && dec[start + 1] == '.') {
			if (o == 1)
				return -1;	/* would climb above the root */
			/* out[o - 1] is the '/' ending the last segment. */
			o--;
			while (out[o - 1] != '/')
				o--;
			dir = 1;
			continue;
		}
		memcpy(out + o, dec + start, seg);
		o += seg;
		out[o++] = '/';
		dir = 0;
	}
	if (!dir && o > 1)
		o--;
	out[o] = '\0';
	*outlen = o;
	return 0;
}

static int
path_canon(const char *raw, size_t len, int decode, char *out, size_t outlen)
{
	char dec[RB_PATH_MAX], res[RB_PATH_MAX + 1];
	size_t declen, reslen;

	if (len == 0 || raw[0] != '/')
		goto fail;
	if (path_decode(raw, len, decode, dec, &declen) == -1)
		goto fail;
	if (path_utf8_check((const unsigned char *)dec, declen) == -1)
		goto fail;
	if (path_resolve(dec, declen, res, &reslen) == -1)
		goto fail;
	if (reslen >= outlen)
		goto fail;
	memcpy(out, res, reslen + 1);
	return 0;
fail:
	if (outlen > 0)
		out[0] = '\0';
	return -1;
}

int
rb_path_canon(const char *raw, size_t len, char *out, size_t outlen)
{
	return path_canon(raw, len, 1, out, outlen);
}

int
rb_path_canon_decoded(const char *path, size_t len, char *out, size_t outlen)
{
	return path_canon(path, len, 0, out, outlen);
}

int
rb_path_join_under(const char *root, const char *canon, char *out,
    size_t outlen)
{
	char check[RB_PATH_MAX];
	size_t rootlen = strlen(root), canonlen = strlen(canon);

	if (rootlen == 0)
		goto fail;
	if (rb_path_canon_decoded(canon, canonlen, check, sizeof(check)) == -1 ||
	    strcmp(check, canon) != 0)
		goto fail;
	while (rootlen > 0 && root[rootlen - 1] == '/')
		rootlen--;
	if (rootlen + canonlen + 1 > outlen)
		goto fail;
	memcpy(out, root, rootlen);
	memcpy(out + rootlen, canon, canonlen + 1);
	return 0;
fail:
	if (outlen > 0)
		out[0] = '\0';
	return -1;
}
