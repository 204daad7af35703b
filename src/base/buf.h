/*
 * buf.h: a growable byte buffer, always NUL-terminated.
 *
 * An rb_buf owns its storage: rb_buf_free() releases it. Appending never
 * fails (allocation failure aborts, see mem.h). rb_buf_html() is the one
 * escaping function for HTML output; writing raw bytes is rb_buf_append().
 */
#ifndef RB_BUF_H
#define RB_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct rb_buf {
	char	*buf_data;	/* NUL-terminated once anything is appended */
	size_t	 buf_len;
	size_t	 buf_cap;
} rb_buf;

#define RB_BUF_INIT	{ NULL, 0, 0 }

void	 rb_buf_init(rb_buf *b);
void	 rb_buf_free(rb_buf *b);
void	 rb_buf_reset(rb_buf *b);
void	 rb_buf_reserve(rb_buf *b, size_t extra);
void	 rb_buf_append(rb_buf *b, const void *p, size_t n);
void	 rb_buf_puts(rb_buf *b, const char *s);
void	 rb_buf_putc(rb_buf *b, char c);
void	 rb_buf_printf(rb_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 rb_buf_vprintf(rb_buf *b, const char *fmt, va_list ap);
/*
 * Writes v in decimal, as "%lld" does, into out (RB_INT_TEXT bytes at
 * least), NUL-terminated, and returns its length: no printf, for the
 * many numbers of pages, logs, CSV and COPY rows.
 */
#define RB_INT_TEXT	21
size_t	 rb_int_text(long long v, char *out);
/* Appends v in decimal (rb_int_text). */
void	 rb_buf_put_int(rb_buf *b, long long v);
/* Appends s[0..n) escaping & < > " ' for HTML text and attributes. */
void	 rb_buf_html(rb_buf *b, const char *s, size_t n);
/* Returns the contents as a C string ("" when empty); owned by b. */
const char *rb_buf_cstr(rb_buf *b);
/* Hands the storage to the caller (free() it) and empties b. */
char	*rb_buf_steal(rb_buf *b, size_t *len);

#endif
