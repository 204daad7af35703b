/*
 * logrl.h: aggregation of the log messages that people outside can
 * cause at will (refused connections, malformed forms, rate limits…),
 * so that nobody can fill the disk through the log.
 *
 * Messages are keyed by their template (the format string). Per template
 * and interval (10 s), the first message is written in full; the next
 * ones are only counted, with the client addresses that sent most of
 * them, and one summary line is written once the interval is over:
 *
 *   msg="Server reached connection limit. [repeated 3912 more times in
 *   the last 10 s; top addresses: 10.0.0.7 (3900), 10.0.0.9 (12)]"
 *
 * So a template writes at most two lines per interval. Memory is
 * bounded whatever the input: RB_LOGRL_KEYS templates (beyond, the
 * others share one entry) and RB_LOGRL_ADDRS addresses per template,
 * counted with the space-saving algorithm: the counts are exact while
 * fewer addresses send, upper bounds beyond, and an address that sent
 * more than 1/RB_LOGRL_ADDRS of the messages is always listed.
 * Thread-safe.
 */
#ifndef RB_LOGRL_H
#define RB_LOGRL_H

#include <stdarg.h>
#include <stdint.h>

#include "log.h"

#define RB_LOGRL_KEYS		64
#define RB_LOGRL_ADDRS		8
#define RB_LOGRL_INTERVAL_MS	10000

struct rb_logrl;

/* A new aggregator with intervals of interval_ms (> 0). Never NULL. */
struct rb_logrl	*rb_logrl_new(unsigned interval_ms);
/* Writes the pending summaries (rb_logrl_flush(rl, 0, 1)) and frees rl. */
void		 rb_logrl_free(struct rb_logrl *rl);
/*
 * Counts one message of template key (its format string) at now_ms (a
 * monotonic clock), from addr (text, or NULL when unknown); msg is the
 * message itself, kept for the summary. Writes the summary of the
 * template's previous interval if that one is over. Returns 1 when the
 * caller must write msg now (the first of its interval), 0 when it was
 * only counted.
 */
int		 rb_logrl_note(struct rb_logrl *rl, uint64_t now_ms,
		    enum rb_log_level level, const char *func,
		    const char *key, const char *addr, const char *msg);
/*
 * Writes (through rb_log) the summary of every interval that is over at
 * now_ms, or of every interval when all is set, and closes them.
 * Returns the number of summary lines written.
 */
int		 rb_logrl_flush(struct rb_logrl *rl, uint64_t now_ms, int all);

/*
 * The process-wide aggregator (intervals of RB_LOGRL_INTERVAL_MS on the
 * monotonic clock): rb_log() for a message an outsider can repeat at
 * will. addr is the client's address when known, else NULL.
 */
void		 rb_log_rl(enum rb_log_level level, const char *func,
		    const char *addr, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
void		 rb_log_rlv(enum rb_log_level level, const char *func,
		    const char *addr, const char *fmt, va_list ap)
		    __attribute__((format(printf, 4, 0)));
/*
 * Writes the summaries of the process-wide aggregator's intervals that
 * are over (all: every one). Long-running processes call it every
 * second or so; every pending summary is also written at exit().
 */
void		 rb_log_rl_flush(int all);

#define log_errx_rl(addr, ...)	rb_log_rl(RB_LOG_ERROR, __func__, addr, \
				    __VA_ARGS__)
#define log_warnx_rl(addr, ...)	rb_log_rl(RB_LOG_WARN, __func__, addr, \
				    __VA_ARGS__)
#define log_info_rl(addr, ...)	rb_log_rl(RB_LOG_INFO, __func__, addr, \
				    __VA_ARGS__)

#endif
