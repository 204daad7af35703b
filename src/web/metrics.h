/*
 * metrics.h: request counters by route and status, a latency histogram
 * and database errors, rendered in the Prometheus text format.
 * Lock-free: every counter is atomic.
 */
#ifndef RB_METRICS_H
#define RB_METRICS_H

#include <stdint.h>

#include "base/buf.h"

/* Counts one finished request. */
void	rb_metrics_observe(int route, int status, uint64_t duration_us);
/* Counts a request answered by the gate's thread itself (server.c,
   gate_direct()), already counted by rb_metrics_observe(). */
void	rb_metrics_direct(void);
/* Appends the exposition text; db_errors comes from the store. */
void	rb_metrics_render(rb_buf *out, uint64_t db_errors);

#endif
