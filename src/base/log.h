/*
 * log.h: machine-readable log lines on stderr, in logfmt
 * (key=value pairs, values quoted when needed), one line per event.
 *
 *   ts=2026-11-29T10:00:00Z level=error func=db_open msg="cannot open"
 *
 * Errors carry the function name: use the macros, which pass __func__.
 */
#ifndef RB_LOG_H
#define RB_LOG_H

#include "buf.h"

enum rb_log_level {
	RB_LOG_ERROR,
	RB_LOG_WARN,
	RB_LOG_INFO,
	RB_LOG_DEBUG,
	RB_LOG__MAX
};

/* Messages above this level are dropped (default RB_LOG_INFO). */
void	rb_log_set_level(enum rb_log_level level);
/* Sends log lines to fd (default 2); used by tests. */
void	rb_log_set_fd(int fd);
void	rb_log(enum rb_log_level level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Appends key=value to b, quoting and escaping value when needed. */
void	rb_log_kv(rb_buf *b, const char *key, const char *value);
/* Writes one complete line (a trailing newline is added) atomically. */
void	rb_log_line(const rb_buf *b);
/* As rb_log_line(), adding the newline to b itself (no copy): for lines
 * written at every request. Inside a batch of the calling thread, the
 * line is kept and written with the batch's others. */
void	rb_log_line_own(rb_buf *b);

/* The most bytes a batch holds: one write(2) of it to a pipe is atomic. */
#define RB_LOG_BATCH_MAX	4096
/*
 * Opens a batch on the calling thread: the lines of rb_log_line_own()
 * are kept, in order, until rb_log_batch_end(), which writes them with
 * one write(2) (or sooner, whenever the next would pass
 * RB_LOG_BATCH_MAX). Any other line (rb_log(), rb_log_line()) writes the
 * batch first, then itself at once. The batch is in the thread's own
 * storage: nothing to free.
 */
void	rb_log_batch_begin(void);
void	rb_log_batch_end(void);

#define log_errx(...)	rb_log(RB_LOG_ERROR, __func__, __VA_ARGS__)
#define log_warnx(...)	rb_log(RB_LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...)	rb_log(RB_LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...)	rb_log(RB_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
