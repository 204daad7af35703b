/*
 * readings.h: SQL of the meter readings a subscriber or an agent sends
 * ("Transmettre mon index", app/readings.h): the meters an account may
 * send an index for, a meter's latest measured reading, the earliest one
 * of a range (for its usual daily use), whether a day already has one,
 * and the insertion.
 *
 * "Measured" readings are those of source 'actual', 'customer' or
 * 'remote': an estimated index is a guess of the billing system and is
 * never what a new index is compared with.
 */
#ifndef RB_STORE_READINGS_H
#define RB_STORE_READINGS_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* A meter as the reading rules need it. */
struct rb_rd_meter {
	int64_t	rm_id;
	char	rm_serial[24];
	char	rm_contract[16];	/* contract number */
	int	rm_remote;		/* remote-read */
};

/* One reading. */
struct rb_rd_reading {
	char	rr_day[11];		/* "YYYY-MM-DD" */
	int64_t	rr_litres;
	char	rr_source[12];
};

/*
 * The meter of row id, in place (not removed) on a contract of account;
 * account 0 means any contract (an agent). Returns 0 and fills *out, 1
 * when there is no such meter for that account (or none at all: the
 * same), -1 on a database failure.
 */
int	rb_rd_store_meter(rb_db *db, int64_t account, int64_t id,
	    struct rb_rd_meter *out);

/*
 * The meters in place on the contracts of account, by contract number
 * then serial: a new array of {"id", "serial", "contract", "remote"
 * (bool), "contract_id"}. The caller owns *out. Returns 0, or -1 with *out NULL.
 */
int	rb_rd_store_meters(rb_db *db, int64_t account, json_t **out);

/*
 * The latest measured reading of meter (latest day, then latest row).
 * Returns 0 and fills *out, 1 when it has none, -1 on failure.
 */
int	rb_rd_store_last(rb_db *db, int64_t meter, struct rb_rd_reading *out);

/*
 * The latest measured reading of each of meters[0..n-1], as
 * rb_rd_store_last() gives it, in one batch (rb_db_fetch_batch(): one
 * round trip on PostgreSQL): out[i] and found[i] 1, or found[i] 0 when
 * meter i has none. Returns 0, or -1. n may be 0.
 */
int	rb_rd_store_lasts(rb_db *db, const int64_t *meters, size_t n,
	    struct rb_rd_reading *out, int *found);

/*
 * The earliest measured reading of meter on a day in [from, before).
 * Returns 0 and fills *out, 1 when none, -1 on failure.
 */
int	rb_rd_store_first_between(rb_db *db, int64_t meter, const char *from,
	    const char *before, struct rb_rd_reading *out);

/*
 * Any reading of meter on day (whatever its source). Returns 0 and fills
 * *out, 1 when none, -1 on failure.
 */
int	rb_rd_store_on_day(rb_db *db, int64_t meter, const char *day,
	    struct rb_rd_reading *out);

/*
 * Adds the reading (meter, day, litres) of source 'customer' with
 * src_system system ('portal' or 'agent'). Returns 0 with its row id in
 * *id, or -1.
 */
int	rb_rd_store_add(rb_db *db, int64_t meter, const char *day,
	    int64_t litres, const char *system, int64_t *id);

#endif
