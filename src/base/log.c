/*
 * log.c: logfmt lines on stderr (see log.h). Each line is assembled in a
 * buffer and written with one write(2), so lines from several threads
 * never interleave. A thread may gather the lines written at every request
 * (rb_log_line_own()) into a batch of its own, written with one write(2)
 * when the batch ends (rb_log_batch_begin/_end): the server does so around
 * each run of its libmicrohttpd daemon, which may answer many requests.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static atomic_int log_level = RB_LOG_INFO;
static atomic_int log_fd = 2;

/* The calling thread's batch (rb_log_batch_begin()): lines not yet
   written, whole, at most RB_LOG_BATCH_MAX bytes, so that one write(2)
   of it to a pipe is never split by another thread's line. */
static _Thread_local int batch_open;
static _Thread_local char batch[RB_LOG_BATCH_MAX];
static _Thread_local size_t batch_len;

_Static_assert(RB_LOG_BATCH_MAX <= PIPE_BUF,
    "a batch must be one atomic write to a pipe");

static const char *const level_names[RB_LOG__MAX] = {
	"error", "warn", "info", "debug",
};

void
rb_log_set_level(enum rb_log_level level)
{
	log_level = level;
}

void
rb_log_set_fd(int fd)
{
	log_fd = fd;
}

void
rb_log_kv(rb_buf *b, const char *key, const char *value)
{
	const char *p;
	int quote = value[0] == '\0';

	for (p = value; *p != '\0' && !quote; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' ||
		    *p == '\\' || *p == 0x7f)
			quote = 1;
	if (b->buf_len > 0)
		rb_buf_putc(b, ' ');
	rb_buf_puts(b, key);
	rb_buf_putc(b, '=');
	if (!quote) {
		rb_buf_puts(b, value);
		return;
	}
	rb_buf_putc(b, '"');
	for (p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			rb_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			rb_buf_puts(b, "\\n");
		else if (c < 0x20 || c == 0x7f)
			rb_buf_printf(b, "\\x%02x", c);
		else
			rb_buf_putc(b, (char)c);
	}
	rb_buf_putc(b, '"');
}

/* Writes the len bytes of a line that ends in its newline. */
static void
write_line(const char *data, size_t len)
{
	ssize_t n;
	size_t off = 0;

	while (off < len) {
		n = write(log_fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

/* Writes the calling thread's batch, if it holds lines. */
static void
batch_flush(void)
{
	if (batch_len == 0)
		return;
	write_line(batch, batch_len);
	batch_len = 0;
}

void
rb_log_batch_begin(void)
{
	batch_open = 1;
}

void
rb_log_batch_end(void)
{
	batch_flush();
	batch_open = 0;
}

void
rb_log_line(const rb_buf *b)
{
	rb_buf line = RB_BUF_INIT;

	batch_flush();	/* the thread's lines stay in order */
	rb_buf_append(&line, b->buf_data, b->buf_len);
	rb_buf_putc(&line, '\n');
	write_line(line.buf_data, line.buf_len);
	rb_buf_free(&line);
}

void
rb_log_line_own(rb_buf *b)
{
	rb_buf_putc(b, '\n');
	if (!batch_open || b->buf_len > RB_LOG_BATCH_MAX) {
		batch_flush();
		write_line(b->buf_data, b->buf_len);
		return;
	}
	if (batch_len + b->buf_len > RB_LOG_BATCH_MAX)
		batch_flush();
	memcpy(batch + batch_len, b->buf_data, b->buf_len);
	batch_len += b->buf_len;
}

void
rb_log(enum rb_log_level level, const char *func, const char *fmt, ...)
{
	rb_buf b = RB_BUF_INIT, msg = RB_BUF_INIT;
	char ts[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if ((int)level > log_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	rb_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	rb_log_kv(&b, "ts", ts);
	rb_log_kv(&b, "level", level_names[level]);
	rb_log_kv(&b, "func", func);
	rb_log_kv(&b, "msg", rb_buf_cstr(&msg));
	rb_log_line(&b);
	rb_buf_free(&msg);
	rb_buf_free(&b);
}
