/*
 * leaks.c: SQL of the leak alert of remote-read meters (see leaks.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/copy.h"
#include "store/leaks.h"

enum {
	SQL_SETTING,
	SQL_SETTING_SET,
	SQL_SETTING_OF,
	SQL_READINGS,
	SQL_SERIAL,
	SQL_LATEST,
	SQL_ADD,
	SQL_MAILED,
	SQL_RECENT,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_SETTING] =
	    "SELECT enabled, factor FROM leak_alert_settings"
	    " WHERE account_id = $1 AND contract_id = $2",
	[SQL_SETTING_SET] =
	    "INSERT INTO leak_alert_settings (account_id, contract_id,"
	    " enabled, factor, updated_at) VALUES ($1, $2, $3, $4, $5)"
	    " ON CONFLICT (account_id, contract_id) DO UPDATE"
	    " SET enabled = $3, factor = $4, updated_at = $5",
	[SQL_SETTING_OF] =
	    "SELECT s.enabled, s.factor FROM account_contracts ac"
	    " JOIN leak_alert_settings s ON s.account_id = ac.account_id"
	    "   AND s.contract_id = ac.contract_id"
	    " WHERE ac.contract_id = $1",
	[SQL_READINGS] =
	    "SELECT r.meter_id, r.read_on, r.index_litres FROM meters m"
	    " JOIN meter_readings r ON r.meter_id = m.id"
	    " WHERE m.contract_id = $1 AND m.remote_read = 1"
	    " AND m.removed_on IS NULL AND r.source = 'remote'"
	    " AND r.read_on >= $2 AND r.read_on <= $3"
	    " ORDER BY r.meter_id, r.read_on, r.id",
	[SQL_SERIAL] =
	    "SELECT serial FROM meters WHERE id = $1",
	[SQL_LATEST] =
	    "SELECT last_day FROM leak_alerts WHERE contract_id = $1"
	    " ORDER BY last_day DESC LIMIT 1",
	[SQL_ADD] =
	    "INSERT INTO leak_alerts (contract_id, meter_id, first_day,"
	    " last_day, litres, usual_litres, factor, detected_at)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (contract_id, last_day) DO NOTHING RETURNING id",
	[SQL_MAILED] =
	    "UPDATE leak_alerts SET mailed_at = $2 WHERE id = $1",
	[SQL_RECENT] =
	    "SELECT a.first_day, a.last_day, a.litres, a.usual_litres,"
	    " a.factor, m.serial FROM leak_alerts a"
	    " JOIN meters m ON m.id = a.meter_id"
	    " WHERE a.contract_id = $1 AND a.last_day >= $3"
	    " AND EXISTS (SELECT 1 FROM account_contracts ac"
	    "   WHERE ac.account_id = $2 AND ac.contract_id = a.contract_id)"
	    " ORDER BY a.last_day DESC LIMIT 1",
};

struct setting {
	int	*st_enabled;
	int	*st_factor;
};

static void
setting_row(rb_stmt *st, void *arg)
{
	struct setting *s = arg;

	*s->st_enabled = rb_stmt_int(st, 0) != 0;
	*s->st_factor = (int)rb_stmt_int(st, 1);
}

int
rb_leak_store_setting(rb_db *db, int64_t account, int64_t contract,
    int *enabled, int *factor)
{
	struct setting s = { enabled, factor };
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_SETTING], RB_BINDS(rb_int(account),
	    rb_int(contract)), setting_row, &s);
	return rc == 0 || rc == 1 ? rc : -1;
}

int
rb_leak_store_setting_set(rb_db *db, int64_t account, int64_t contract,
    int enabled, int factor, int64_t now)
{
	return rb_db_run(db, sql[SQL_SETTING_SET], RB_BINDS(rb_int(account),
	    rb_int(contract), rb_int(enabled != 0), rb_int(factor),
	    rb_int(now)), NULL) == 0 ? 0 : -1;
}

int
rb_leak_store_setting_of(rb_db *db, int64_t contract, int *enabled,
    int *factor)
{
	struct setting s = { enabled, factor };
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_SETTING_OF],
	    RB_BINDS(rb_int(contract)), setting_row, &s);
	return rc == 0 || rc == 1 ? rc : -1;
}

int
rb_leak_store_readings(rb_db *db, int64_t contract, const char *from,
    const char *to, struct rb_cons_reading **out, int *n)
{
	return rb_cons_store_fetch_readings(db, sql[SQL_READINGS],
	    RB_BINDS(rb_int(contract), rb_text(from), rb_text(to)), out, n);
}

struct text_out {
	char	*to_buf;
	size_t	 to_size;
};

static void
text_row(rb_stmt *st, void *arg)
{
	struct text_out *t = arg;

	rb_store_copy(t->to_buf, t->to_size, rb_stmt_text(st, 0));
}

int
rb_leak_store_serial(rb_db *db, int64_t meter, char *out, size_t size)
{
	struct text_out t = { out, size };
	int rc;

	out[0] = '\0';
	rc = rb_db_fetch_one(db, sql[SQL_SERIAL], RB_BINDS(rb_int(meter)),
	    text_row, &t);
	return rc == 0 || rc == 1 ? rc : -1;
}

int
rb_leak_store_latest_day(rb_db *db, int64_t contract, char *out)
{
	struct text_out t = { out, 11 };
	int rc;

	out[0] = '\0';
	rc = rb_db_fetch_one(db, sql[SQL_LATEST], RB_BINDS(rb_int(contract)),
	    text_row, &t);
	return rc == 0 || rc == 1 ? rc : -1;
}

int
rb_leak_store_add(rb_db *db, int64_t contract, int64_t meter,
    const char *first, const char *last, int64_t litres, int64_t usual,
    int factor, int64_t now, int64_t *id)
{
	*id = 0;
	if (rb_db_fetch_one(db, sql[SQL_ADD], RB_BINDS(rb_int(contract),
	    rb_int(meter), rb_text(first), rb_text(last), rb_int(litres),
	    rb_int(usual), rb_int(factor), rb_int(now)), rb_row_int, id) < 0) {
		*id = 0;
		return -1;
	}
	return *id != 0 ? 0 : 1;
}

int
rb_leak_store_mailed(rb_db *db, int64_t id, int64_t now)
{
	return rb_db_run(db, sql[SQL_MAILED], RB_BINDS(rb_int(id),
	    rb_int(now)), NULL) == 0 ? 0 : -1;
}

static void
recent_row(rb_stmt *st, void *arg)
{
	struct rb_leak_row *r = arg;

	rb_store_copy(r->lr_first, sizeof(r->lr_first), rb_stmt_text(st, 0));
	rb_store_copy(r->lr_last, sizeof(r->lr_last), rb_stmt_text(st, 1));
	r->lr_litres = rb_stmt_int(st, 2);
	r->lr_usual = rb_stmt_int(st, 3);
	r->lr_factor = (int)rb_stmt_int(st, 4);
	rb_store_copy(r->lr_serial, sizeof(r->lr_serial), rb_stmt_text(st, 5));
}

int
rb_leak_store_recent(rb_db *db, int64_t account, int64_t contract,
    const char *since, struct rb_leak_row *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_RECENT], RB_BINDS(rb_int(contract),
	    rb_int(account), rb_text(since)), recent_row, out);
	return rc == 0 || rc == 1 ? rc : -1;
}
