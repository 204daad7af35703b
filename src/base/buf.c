/*
 * buf.c: growable byte buffer (see buf.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

void
rb_buf_init(rb_buf *b)
{
	b->buf_data = NULL;
	b->buf_len = b->buf_cap = 0;
}

void
rb_buf_free(rb_buf *b)
{
	free(b->buf_data);
	rb_buf_init(b);
}

void
rb_buf_reset(rb_buf *b)
{
	b->buf_len = 0;
	if (b->buf_data != NULL)
		b->buf_data[0] = '\0';
}

void
rb_buf_reserve(rb_buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > SIZE_MAX / 2 - b->buf_len - 1)
		abort();	/* larger than any allocation can be */
	need = b->buf_len + extra + 1;
	if (need <= b->buf_cap)
		return;
	cap = b->buf_cap ? b->buf_cap : 64;
	while (cap < need)
		cap *= 2;
	b->buf_data = rb_xrealloc(b->buf_data, cap);
	b->buf_cap = cap;
}

void
rb_buf_append(rb_buf *b, const void *p, size_t n)
{
	rb_buf_reserve(b, n);
	if (n > 0)
		memcpy(b->buf_data + b->buf_len, p, n);
	b->buf_len += n;
	b->buf_data[b->buf_len] = '\0';
}

void
rb_buf_puts(rb_buf *b, const char *s)
{
	rb_buf_append(b, s, strlen(s));
}

size_t
rb_int_text(long long v, char *out)
{
	char tmp[RB_INT_TEXT], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

void
rb_buf_put_int(rb_buf *b, long long v)
{
	char d[RB_INT_TEXT];

	rb_buf_append(b, d, rb_int_text(v, d));
}

void
rb_buf_putc(rb_buf *b, char c)
{
	rb_buf_append(b, &c, 1);
}

void
rb_buf_vprintf(rb_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	rb_buf_reserve(b, (size_t)n);
	vsnprintf(b->buf_data + b->buf_len, (size_t)n + 1, fmt, ap);
	b->buf_len += (size_t)n;
}

void
rb_buf_printf(rb_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rb_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/*
 * What each byte becomes in HTML: html_rep[c] is an index into html_ents,
 * 0 when the byte stays as is. A table rather than a switch per byte:
 * pages escape hundreds of values, most of them with nothing to escape.
 */
static const char *const html_ents[] = {
	NULL, "&amp;", "&lt;", "&gt;", "&quot;", "&#39;"
};
static const unsigned char html_entlen[] = { 0, 5, 4, 4, 6, 5 };
static const unsigned char html_rep[256] = {
	['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5
};

void
rb_buf_html(rb_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, extra = 0;
	unsigned r;
	char *p;

	/* The first byte to escape, if any: until then a plain copy. */
	for (i = 0; i < n && html_rep[u[i]] == 0; i++)
		;
	if (i == n) {
		rb_buf_append(b, s, n);
		return;
	}
	/* One pass to size the rest, one reservation, then the bytes
	   written in place. */
	for (; i < n; i++)
		extra += html_entlen[html_rep[u[i]]] - (html_rep[u[i]] != 0);
	rb_buf_reserve(b, n + extra);
	p = b->buf_data + b->buf_len;
	for (i = 0; i < n; i++) {
		if ((r = html_rep[u[i]]) == 0) {
			*p++ = s[i];
			continue;
		}
		memcpy(p, html_ents[r], html_entlen[r]);
		p += html_entlen[r];
	}
	b->buf_len += n + extra;
	b->buf_data[b->buf_len] = '\0';
}

const char *
rb_buf_cstr(rb_buf *b)
{
	return b->buf_data != NULL ? b->buf_data : "";
}

char *
rb_buf_steal(rb_buf *b, size_t *len)
{
	char *p;

	if (b->buf_data == NULL)
		rb_buf_append(b, "", 0);
	p = b->buf_data;
	if (len != NULL)
		*len = b->buf_len;
	rb_buf_init(b);
	return p;
}
