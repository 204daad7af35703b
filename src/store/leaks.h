/*
 * leaks.h: SQL of the leak alert of remote-read meters (app/leaks.h):
 * the subscriber's setting (leak_alert_settings), a contract's daily
 * remote readings for the batch, and the leak_alerts table.
 */
#ifndef RB_STORE_LEAKS_H
#define RB_STORE_LEAKS_H

#include <stdint.h>

#include "store/consumption.h"
#include "store/db.h"

/* A recorded leak alert. */
struct rb_leak_row {
	char	lr_first[11];
	char	lr_last[11];
	int64_t	lr_litres;
	int64_t	lr_usual;
	int	lr_factor;
	char	lr_serial[24];
};

/*
 * The setting of account for contract: *enabled and *factor. Returns 0
 * (filled), 1 when the account never set it, -1 on failure.
 */
int	rb_leak_store_setting(rb_db *db, int64_t account, int64_t contract,
	    int *enabled, int *factor);

/* Writes (insert or update) that setting at now. Returns 0, or -1. */
int	rb_leak_store_setting_set(rb_db *db, int64_t account, int64_t contract,
	    int enabled, int factor, int64_t now);

/*
 * Batch: the setting that applies to contract, the one of the web
 * account linked to it. Returns 0 (filled), 1 when there is none (no
 * account, or it never set it), -1 on failure.
 */
int	rb_leak_store_setting_of(rb_db *db, int64_t contract, int *enabled,
	    int *factor);

/*
 * Batch: the remote readings (source 'remote') of the remote-read
 * meters in place on contract, on days [from, to], by meter then day, one
 * per day (the last). Same ownership as rb_cons_store_readings().
 * Returns 0, or -1.
 */
int	rb_leak_store_readings(rb_db *db, int64_t contract, const char *from,
	    const char *to, struct rb_cons_reading **out, int *n);

/* The serial of meter into out (size bytes). Returns 0, 1, or -1. */
int	rb_leak_store_serial(rb_db *db, int64_t meter, char *out, size_t size);

/*
 * The latest last_day of contract's leak alerts into out (11 bytes).
 * Returns 0, 1 when it has none, -1 on failure.
 */
int	rb_leak_store_latest_day(rb_db *db, int64_t contract, char *out);

/*
 * Records a leak alert. Returns 0 with its id in *id, 1 when one with
 * the same (contract, last day) exists, -1 on failure.
 */
int	rb_leak_store_add(rb_db *db, int64_t contract, int64_t meter,
	    const char *first, const char *last, int64_t litres,
	    int64_t usual, int factor, int64_t now, int64_t *id);

/* Sets mailed_at of leak alert id. Returns 0, or -1. */
int	rb_leak_store_mailed(rb_db *db, int64_t id, int64_t now);

/*
 * The latest leak alert of contract whose last day is on or after
 * since, if account sees the contract. Returns 0 (filled), 1 when none,
 * -1 on failure.
 */
int	rb_leak_store_recent(rb_db *db, int64_t account, int64_t contract,
	    const char *since, struct rb_leak_row *out);

#endif
