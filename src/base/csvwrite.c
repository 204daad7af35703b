/*
 * csvwrite.c: the streaming CSV writer (see csvwrite.h).
 *
 * One buffer of CSVW_BUF bytes per writer; a field is copied into it
 * byte by byte only when it needs quoting, otherwise with one memcpy.
 * The buffer goes to the file with write(2), retried on short writes and
 * EINTR; the first error sticks and is returned by rb_csvw_close().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/csvwrite.h"
#include "base/mem.h"

#define CSVW_BUF	(256 * 1024)

struct rb_csvw {
	int		 w_fd;
	int		 w_errno;	/* first error met, 0 if none */
	char		 w_sep;
	int		 w_nfields;	/* fields in the current record */
	uint64_t	 w_records;
	size_t		 w_len;		/* bytes used in w_buf */
	char		 w_buf[CSVW_BUF];
};

/* Writes the buffer out; keeps the first error. */
static void
csvw_flush(rb_csvw *w)
{
	size_t off = 0;
	ssize_t n;

	while (off < w->w_len && w->w_errno == 0) {
		n = write(w->w_fd, w->w_buf + off, w->w_len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->w_errno = errno;
		} else {
			off += (size_t)n;
		}
	}
	w->w_len = 0;
}

/* Appends len bytes, flushing as needed. */
static void
csvw_put(rb_csvw *w, const char *s, size_t len)
{
	size_t n;

	while (len > 0) {
		if (w->w_len == CSVW_BUF)
			csvw_flush(w);
		n = CSVW_BUF - w->w_len;
		if (n > len)
			n = len;
		memcpy(w->w_buf + w->w_len, s, n);
		w->w_len += n;
		s += n;
		len -= n;
	}
}

static void
csvw_putc(rb_csvw *w, char c)
{
	if (w->w_len == CSVW_BUF)
		csvw_flush(w);
	w->w_buf[w->w_len++] = c;
}

/* The separator before every field but the first of a record. */
static void
csvw_sep(rb_csvw *w)
{
	if (w->w_nfields++ > 0)
		csvw_putc(w, w->w_sep);
}

int
rb_csvw_fdopen(int fd, char sep, rb_csvw **out)
{
	*out = NULL;
	if (fd < 0 || (sep != ';' && sep != ',')) {
		if (fd >= 0)
			close(fd);
		errno = EINVAL;
		return -1;
	}
	*out = rb_xcalloc(1, sizeof(**out));
	(*out)->w_fd = fd;
	(*out)->w_sep = sep;
	return 0;
}

int
rb_csvw_open(const char *path, char sep, rb_csvw **out)
{
	int fd;

	*out = NULL;
	if (sep != ';' && sep != ',') {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	return rb_csvw_fdopen(fd, sep, out);
}

void
rb_csvw_textn(rb_csvw *w, const char *s, size_t len)
{
	size_t i, start;

	csvw_sep(w);
	for (i = 0; i < len; i++)
		if (s[i] == w->w_sep || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			break;
	if (i == len) {
		csvw_put(w, s, len);
		return;
	}
	/* Quoted: copy runs between quotes, doubling each quote. */
	csvw_putc(w, '"');
	for (start = 0, i = 0; i < len; i++)
		if (s[i] == '"') {
			csvw_put(w, s + start, i + 1 - start);
			csvw_putc(w, '"');
			start = i + 1;
		}
	csvw_put(w, s + start, len - start);
	csvw_putc(w, '"');
}

void
rb_csvw_text(rb_csvw *w, const char *s)
{
	if (s == NULL) {
		csvw_sep(w);
		return;
	}
	rb_csvw_textn(w, s, strlen(s));
}

void
rb_csvw_int(rb_csvw *w, int64_t v)
{
	char d[RB_INT_TEXT];
	size_t n = rb_int_text(v, d);

	csvw_sep(w);
	csvw_put(w, d, n);
}

void
rb_csvw_end(rb_csvw *w)
{
	csvw_put(w, "\r\n", 2);
	w->w_nfields = 0;
	w->w_records++;
}

uint64_t
rb_csvw_records(const rb_csvw *w)
{
	return w->w_records;
}

int
rb_csvw_close(rb_csvw *w)
{
	int err;

	if (w == NULL)
		return 0;
	csvw_flush(w);
	err = w->w_errno;
	if (close(w->w_fd) != 0 && err == 0)
		err = errno;
	free(w);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
