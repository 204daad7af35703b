/*
 * readings.c: SQL of the meter readings sent through the portal (see
 * readings.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#include "store/copy.h"
#include "store/readings.h"

#define MEASURED "r.source IN ('actual', 'customer', 'remote')"

enum {
	SQL_METER,
	SQL_METERS,
	SQL_LAST,
	SQL_FIRST_BETWEEN,
	SQL_ON_DAY,
	SQL_ADD,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_METER] =
	    "SELECT m.id, m.serial, c.number, m.remote_read FROM meters m"
	    " JOIN contracts c ON c.id = m.contract_id"
	    " WHERE m.id = $1 AND m.removed_on IS NULL"
	    " AND ($2 = 0 OR EXISTS (SELECT 1 FROM account_contracts ac"
	    "   WHERE ac.account_id = $2 AND ac.contract_id = c.id))",
	[SQL_METERS] =
	    "SELECT m.id, m.serial, c.number, m.remote_read, c.id FROM meters m"
	    " JOIN contracts c ON c.id = m.contract_id"
	    " JOIN account_contracts ac ON ac.contract_id = c.id"
	    " WHERE ac.account_id = $1 AND m.removed_on IS NULL"
	    " ORDER BY c.number, m.serial",
	[SQL_LAST] =
	    "SELECT r.read_on, r.index_litres, r.source FROM meter_readings r"
	    " WHERE r.meter_id = $1 AND " MEASURED
	    " ORDER BY r.read_on DESC, r.id DESC LIMIT 1",
	[SQL_FIRST_BETWEEN] =
	    "SELECT r.read_on, r.index_litres, r.source FROM meter_readings r"
	    " WHERE r.meter_id = $1 AND " MEASURED
	    " AND r.read_on >= $2 AND r.read_on < $3"
	    " ORDER BY r.read_on, r.id LIMIT 1",
	[SQL_ON_DAY] =
	    "SELECT r.read_on, r.index_litres, r.source FROM meter_readings r"
	    " WHERE r.meter_id = $1 AND r.read_on = $2"
	    " ORDER BY r.id DESC LIMIT 1",
	[SQL_ADD] =
	    "INSERT INTO meter_readings (meter_id, read_on, index_litres,"
	    " source, src_system) VALUES ($1, $2, $3, 'customer', $4)"
	    " RETURNING id",
};

static void
meter_row(rb_stmt *st, void *arg)
{
	struct rb_rd_meter *m = arg;

	m->rm_id = rb_stmt_int(st, 0);
	rb_store_copy(m->rm_serial, sizeof(m->rm_serial), rb_stmt_text(st, 1));
	rb_store_copy(m->rm_contract, sizeof(m->rm_contract),
	    rb_stmt_text(st, 2));
	m->rm_remote = rb_stmt_int(st, 3) != 0;
}

int
rb_rd_store_meter(rb_db *db, int64_t account, int64_t id,
    struct rb_rd_meter *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_METER], RB_BINDS(rb_int(id),
	    rb_int(account)), meter_row, out);
	return rc == 0 || rc == 1 ? rc : -1;
}

static void
meters_row(rb_stmt *st, void *arg)
{
	struct rb_rd_meter m;

	meter_row(st, &m);
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:b, s:I}",
	    "id", (json_int_t)m.rm_id, "serial", m.rm_serial, "contract",
	    m.rm_contract, "remote", m.rm_remote, "contract_id",
	    (json_int_t)rb_stmt_int(st, 4)));
}

int
rb_rd_store_meters(rb_db *db, int64_t account, json_t **out)
{
	*out = json_array();
	if (rb_db_fetch_all(db, sql[SQL_METERS], RB_BINDS(rb_int(account)),
	    meters_row, *out) != 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void
reading_row(rb_stmt *st, void *arg)
{
	struct rb_rd_reading *r = arg;

	rb_store_copy(r->rr_day, sizeof(r->rr_day), rb_stmt_text(st, 0));
	r->rr_litres = rb_stmt_int(st, 1);
	rb_store_copy(r->rr_source, sizeof(r->rr_source), rb_stmt_text(st, 2));
}

static int
reading_fetch(rb_db *db, int q, const struct rb_bind *b, size_t n,
    struct rb_rd_reading *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[q], b, n, reading_row, out);
	return rc == 0 || rc == 1 ? rc : -1;
}

int
rb_rd_store_last(rb_db *db, int64_t meter, struct rb_rd_reading *out)
{
	return reading_fetch(db, SQL_LAST, RB_BINDS(rb_int(meter)), out);
}

int
rb_rd_store_lasts(rb_db *db, const int64_t *meters, size_t n,
    struct rb_rd_reading *out, int *found)
{
	struct rb_db_read *r;
	struct rb_bind *b;
	struct rb_db_first *l;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	r = rb_xcalloc(n, sizeof(*r));
	b = rb_xcalloc(n, sizeof(*b));
	l = rb_xcalloc(n, sizeof(*l));
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		found[i] = 0;
		b[i] = rb_int(meters[i]);
		l[i] = (struct rb_db_first){ reading_row, &out[i], 0 };
		r[i] = (struct rb_db_read){ sql[SQL_LAST], &b[i], 1,
		    rb_row_first, &l[i], 0 };
	}
	rc = rb_db_fetch_batch(db, r, n);
	for (i = 0; i < n; i++)
		found[i] = l[i].df_found;
	free(r);
	free(b);
	free(l);
	return rc == 0 ? 0 : -1;
}

int
rb_rd_store_first_between(rb_db *db, int64_t meter, const char *from,
    const char *before, struct rb_rd_reading *out)
{
	return reading_fetch(db, SQL_FIRST_BETWEEN, RB_BINDS(rb_int(meter),
	    rb_text(from), rb_text(before)), out);
}

int
rb_rd_store_on_day(rb_db *db, int64_t meter, const char *day,
    struct rb_rd_reading *out)
{
	return reading_fetch(db, SQL_ON_DAY, RB_BINDS(rb_int(meter),
	    rb_text(day)), out);
}

int
rb_rd_store_add(rb_db *db, int64_t meter, const char *day, int64_t litres,
    const char *system, int64_t *id)
{
	*id = 0;
	return rb_db_fetch_one(db, sql[SQL_ADD], RB_BINDS(rb_int(meter),
	    rb_text(day), rb_int(litres), rb_text(system)), rb_row_int,
	    id) == 0 ? 0 : -1;
}
