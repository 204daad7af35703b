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
 * written at every request. */
void	rb_log_line_own(rb_buf *b);

#define log_errx(...)	rb_log(RB_LOG_ERROR, __func__, __VA_ARGS__)
#define log_warnx(...)	rb_log(RB_LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...)	rb_log(RB_LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...)	rb_log(RB_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
