/*
 * fuzz_markdown.c: libFuzzer target for src/tmpl/markdown.c. Feeds
 * arbitrary bytes as CommonMark and aborts when a promise of markdown.h
 * is broken, read from the HTML itself by an independent scanner: every
 * tag is one that CommonMark constructs give (no h1 with a shift of 1,
 * nothing of raw HTML), every attribute is one cmark writes (href, src,
 * alt, title, start, class), a link's href is relative or http, https,
 * mailto or tel, an image's src is a path of the site, and the output
 * is valid UTF-8 without NUL.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc \
 *       fuzz/fuzz_markdown.c src/tmpl/markdown.c src/base/{mem,buf}.c \
 *       -lcmark -ljansson -lunistring -o /tmp/fm && /tmp/fm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistr.h>

#include "base/buf.h"
#include "tmpl/markdown.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static const char *const tags[] = {
	"p", "em", "strong", "a", "img", "code", "pre", "blockquote", "ul",
	"ol", "li", "h2", "h3", "h4", "h5", "h6", "hr", "br", NULL
};
static const char *const attrs[] = {
	"href", "src", "alt", "title", "start", "class", NULL
};

static int
in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return 1;
	return 0;
}

/*
 * The scheme a browser reads in the HTML value v (cmark percent-encodes
 * spaces and control characters, so none is left to skip): letters,
 * then letters, digits, '+', '-' or '.', up to ':'; anything else first
 * means no scheme, a relative URL. The link is fine when there is no
 * scheme or it is http, https, mailto or tel.
 */
static int
href_ok(const char *v, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = v[i];
		if (c == ':')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
		    c == '.'))))
			return 1;
	}
	if (i == n)
		return 1;
	return (i == 4 && strncasecmp(v, "http", 4) == 0) ||
	    (i == 5 && strncasecmp(v, "https", 5) == 0) ||
	    (i == 6 && strncasecmp(v, "mailto", 6) == 0) ||
	    (i == 3 && strncasecmp(v, "tel", 3) == 0);
}

/* Checks the tag starting at p (after '<'); returns its end ('>'). */
static const char *
check_tag(const char *p)
{
	const char *name = p, *a, *v;
	size_t n, an, vn;
	int is_a, is_img;

	if (*p == '/')
		name = ++p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
		p++;
	n = (size_t)(p - name);
	CHECK(in_list(tags, name, n));
	is_a = n == 1 && name[0] == 'a';
	is_img = n == 3 && strncmp(name, "img", 3) == 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '>')
			return p;
		if (p[0] == '/' && p[1] == '>')
			return p + 1;
		a = p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		an = (size_t)(p - a);
		CHECK(in_list(attrs, a, an));
		CHECK(p[0] == '=' && p[1] == '"');
		v = p + 2;
		p = strchr(v, '"');
		CHECK(p != NULL);
		vn = (size_t)(p - v);
		CHECK(memchr(v, '<', vn) == NULL && memchr(v, '>', vn) == NULL);
		if (is_a && an == 4 && strncmp(a, "href", 4) == 0)
			CHECK(href_ok(v, vn));
		if (is_img && an == 3 && strncmp(a, "src", 3) == 0)
			CHECK(vn >= 1 && v[0] == '/' &&
			    (vn == 1 || (v[1] != '/' && v[1] != '\\')));
		p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rb_buf out = RB_BUF_INIT;
	const char *p;

	rb_markdown_html(&out, (const char *)data, size, 1);
	if (out.buf_data != NULL) {
		CHECK(strlen(out.buf_data) == out.buf_len);
		CHECK(u8_check((const uint8_t *)out.buf_data, out.buf_len) ==
		    NULL);
		for (p = out.buf_data; (p = strchr(p, '<')) != NULL; p++)
			p = check_tag(p + 1);
	}
	rb_buf_free(&out);
	return 0;
}
