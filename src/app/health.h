/*
 * health.h: what the machine endpoints (/healthz, /metrics) tell about
 * storage, so that those pages reach it only through src/app.
 */
#ifndef RB_APP_HEALTH_H
#define RB_APP_HEALTH_H

#include <stdint.h>

#include "store/db.h"

/* 1 when a connection of pool answers a trivial query, 0 otherwise
 * (none free and none can be opened, or the query fails). */
int		rb_health_db_ok(rb_db_pool *pool);

/* Process-wide count of database errors since start. */
uint64_t	rb_health_db_errors(void);

#endif
