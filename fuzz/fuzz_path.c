/*
 * fuzz_path.c: libFuzzer target for src/base/path.c. Feeds arbitrary
 * bytes to both canonicalisers and aborts when a promise of path.h is
 * broken: a canonical path starts with '/', holds no NUL, backslash,
 * control byte, empty, "." or ".." segment, fits in RB_PATH_MAX, is left
 * unchanged by a second pass, and joined under a root stays under it.
 * It also checks that canonicalising raw bytes equals canonicalising
 * their percent-decoded form, decoded here by an independent routine.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc fuzz/fuzz_path.c \
 *       src/base/{path,mem,buf,arena,log}.c -o /tmp/fp && /tmp/fp
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/path.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static const char root[] = "/srv/robinet/static";

/* Aborts unless p, a successful result, is canonical. */
static void
check_canonical(const char *p)
{
	char again[RB_PATH_MAX], joined[RB_PATH_MAX + sizeof(root)];
	size_t len = strlen(p), i;

	CHECK(len >= 1 && len < RB_PATH_MAX);
	CHECK(p[0] == '/');
	CHECK(strstr(p, "//") == NULL);
	CHECK(strstr(p, "/./") == NULL);
	CHECK(strstr(p, "/../") == NULL);
	CHECK(strcmp(p + len - (len >= 2 ? 2 : len), "/.") != 0);
	CHECK(len < 3 || strcmp(p + len - 3, "/..") != 0);
	CHECK(strcmp(p, "/..") != 0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		CHECK(c >= 0x20 && c != 0x7f && c != '\\');
	}

	/* A second pass changes nothing. */
	CHECK(rb_path_canon_decoded(p, len, again, sizeof(again)) == 0);
	CHECK(strcmp(again, p) == 0);
	if (strchr(p, '%') == NULL) {
		CHECK(rb_path_canon(p, len, again, sizeof(again)) == 0);
		CHECK(strcmp(again, p) == 0);
	}
	/* An output buffer of exactly the right size is enough. */
	CHECK(rb_path_canon_decoded(p, len, again, len + 1) == 0);
	CHECK(rb_path_canon_decoded(p, len, again, len) == -1);
	CHECK(again[0] == '\0');

	/* Joined under a root, it stays under the root. */
	CHECK(rb_path_join_under(root, p, joined, sizeof(joined)) == 0);
	CHECK(strncmp(joined, root, sizeof(root) - 1) == 0);
	CHECK(joined[sizeof(root) - 1] == '/');
	CHECK(strcmp(joined + sizeof(root) - 1, p) == 0);
}

static int
hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes in[0..n) into out; returns the length or -1. */
static long
decode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] != '%') {
			out[o++] = (char)in[i];
			continue;
		}
		if (i + 2 >= n || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0)
			return -1;
		out[o++] = (char)(hex(in[i + 1]) * 16 + hex(in[i + 2]));
		i += 2;
	}
	return (long)o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[RB_PATH_MAX], out2[RB_PATH_MAX], *dec;
	const char *s = (const char *)data;
	int rc, rc2;
	long declen;

	memset(out, 'X', sizeof(out));
	rc = rb_path_canon(s, size, out, sizeof(out));
	CHECK(rc == 0 || rc == -1);
	if (rc == 0)
		check_canonical(out);
	else
		CHECK(out[0] == '\0');

	/*
	 * Same answer as decoding first, then canonicalising as decoded
	 * (raw input must start with a literal '/', "%2f" will not do).
	 */
	dec = malloc(size + 1);
	declen = decode(data, size, dec);
	if (declen < 0 || size == 0 || data[0] != '/') {
		CHECK(rc == -1);
	} else {
		rc2 = rb_path_canon_decoded(dec, (size_t)declen, out2,
		    sizeof(out2));
		CHECK(rc2 == rc);
		if (rc == 0)
			CHECK(strcmp(out, out2) == 0);
	}
	free(dec);

	rc = rb_path_canon_decoded(s, size, out, sizeof(out));
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		check_canonical(out);
		CHECK(memchr(data, '\0', size) == NULL);
		CHECK(memchr(data, '\\', size) == NULL);
	}
	return 0;
}
