/*
 * consumption.c: SQL of consumption and of the consumption_alerts table
 * (see consumption.h). Scoped statements bind the account as $A and the
 * archive contract as $B, with the condition of app/scope.h.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/consumption.h"
#include "store/copy.h"
#include "store/scope_sql.h"

static const char sql_contract[] =
	"SELECT c.id, c.number, c.old_number,"
	" EXISTS (SELECT 1 FROM meters m WHERE m.contract_id = c.id"
	"   AND m.remote_read = 1 AND m.removed_on IS NULL)"
	" FROM contracts c"
	" WHERE (c.number = $1 OR c.old_number = $1)"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"   WHERE ac.account_id = $2 AND ac.contract_id = c.id)"
	"  OR c.id = $3)";

static const char sql_contract_by_id[] =
	"SELECT c.id, c.number, c.old_number,"
	" EXISTS (SELECT 1 FROM meters m WHERE m.contract_id = c.id"
	"   AND m.remote_read = 1 AND m.removed_on IS NULL)"
	" FROM contracts c WHERE c.id = $1";

static const char sql_contracts[] =
	"SELECT c.number, c.old_number FROM contracts c"
	" WHERE c.id IN " RB_SCOPE_IDS("$1", "$2")
	" ORDER BY c.number";

#define BILL_COLUMNS \
	"SELECT i.id, i.number, i.period_start, i.period_end," \
	" i.volume_litres, i.new_read_kind FROM invoices i"

static const char sql_bills[] =
	BILL_COLUMNS " JOIN contracts c ON c.id = i.contract_id"
	" WHERE c.id = $1 AND i.status <> 'cancelled'"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"   WHERE ac.account_id = $2 AND ac.contract_id = c.id)"
	"  OR (c.id = $3 AND i.archived = 1 AND i.period_end < $4))"
	" ORDER BY i.period_end, i.id";

static const char sql_all_bills[] =
	BILL_COLUMNS " WHERE i.contract_id = $1 AND i.status <> 'cancelled'"
	" ORDER BY i.period_end, i.id";

static const char sql_readings[] =
	"SELECT r.meter_id, r.read_on, r.index_litres FROM meter_readings r"
	" JOIN meters m ON m.id = r.meter_id"
	" JOIN contracts c ON c.id = m.contract_id"
	" WHERE c.id = $1 AND m.remote_read = 1 AND r.source = 'remote'"
	" AND r.read_on >= $5 AND r.read_on <= $6"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"   WHERE ac.account_id = $2 AND ac.contract_id = c.id)"
	"  OR (c.id = $3 AND r.read_on < $4))"
	" ORDER BY r.meter_id, r.read_on, r.id";

#define ALERT_COLUMNS \
	"a.period_start, a.period_end, a.litres, a.average_litres"

static const char sql_invoice_alert[] =
	"SELECT i.id, " ALERT_COLUMNS " FROM invoices i"
	" JOIN contracts c ON c.id = i.contract_id"
	" LEFT JOIN consumption_alerts a ON a.contract_id = i.contract_id"
	"   AND a.period_end = i.period_end"
	" WHERE i.number = $1"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"   WHERE ac.account_id = $2 AND ac.contract_id = c.id)"
	"  OR (c.id = $3 AND i.archived = 1))";

static const char sql_contract_alert[] =
	"SELECT " ALERT_COLUMNS " FROM consumption_alerts a"
	" JOIN contracts c ON c.id = a.contract_id"
	" WHERE c.id = $1"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"   WHERE ac.account_id = $2 AND ac.contract_id = c.id)"
	"  OR (c.id = $3 AND a.period_end < $4))"
	" ORDER BY a.period_end DESC LIMIT 1";

static const char sql_contract_ids[] =
	"SELECT id FROM contracts WHERE id > $1 ORDER BY id LIMIT $2";

static const char sql_alert_add[] =
	"INSERT INTO consumption_alerts (contract_id, period_start,"
	" period_end, invoice_id, litres, average_litres, detected_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7)"
	" ON CONFLICT (contract_id, period_end) DO NOTHING RETURNING id";

static const char sql_alert_mailed[] =
	"UPDATE consumption_alerts SET mailed_at = $2 WHERE id = $1";

static const char sql_accounts_of[] =
	"SELECT w.email, w.first_name FROM account_contracts ac"
	" JOIN web_accounts w ON w.id = ac.account_id"
	" WHERE ac.contract_id = $1 AND w.status = 'active'"
	" ORDER BY w.id";

static const char sql_customer_of[] =
	"SELECT cu.email, cu.first_name FROM contracts c"
	" JOIN customers cu ON cu.id = c.customer_id"
	" WHERE c.id = $1 AND cu.email IS NOT NULL AND cu.email <> ''";

/* Runs a contract query whose values are bound. */
static int
contract_fetch(rb_stmt *st, struct rb_cons_contract *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		out->cc_id = rb_stmt_int(st, 0);
		rb_store_copy(out->cc_number, sizeof(out->cc_number),
		    rb_stmt_text(st, 1));
		rb_store_copy(out->cc_old_number, sizeof(out->cc_old_number),
		    rb_stmt_text(st, 2));
		out->cc_remote = rb_stmt_int(st, 3) != 0;
	}
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_cons_store_contract(rb_db *db, int64_t account, int64_t archive,
    const char *number, struct rb_cons_contract *out)
{
	rb_stmt *st;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_contract)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, number, -1);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_int(st, 3, archive);
	return contract_fetch(st, out);
}

int
rb_cons_store_contract_by_id(rb_db *db, int64_t id,
    struct rb_cons_contract *out)
{
	rb_stmt *st;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_contract_by_id)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	return contract_fetch(st, out);
}

int
rb_cons_store_contracts(rb_db *db, int64_t account, int64_t archive,
    json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_contracts)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, archive);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o}",
		    "number", rb_store_json_text(rb_stmt_text(st, 0)),
		    "old_number", rb_store_json_text(rb_stmt_text(st, 1))));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

/* Collects the BILL_COLUMNS rows of st, whose values are bound. */
static int
bills_fetch(rb_stmt *st, struct rb_cons_bill **out, int *n)
{
	struct rb_cons_bill *v = NULL, *b;
	const char *kind;
	int rc, cap = 0, len = 0;

	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		if (len == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = rb_xrealloc(v, (size_t)cap * sizeof(*v));
		}
		b = &v[len++];
		memset(b, 0, sizeof(*b));
		b->cb_invoice_id = rb_stmt_int(st, 0);
		rb_store_copy(b->cb_number, sizeof(b->cb_number),
		    rb_stmt_text(st, 1));
		rb_store_copy(b->cb_start, sizeof(b->cb_start),
		    rb_stmt_text(st, 2));
		rb_store_copy(b->cb_end, sizeof(b->cb_end),
		    rb_stmt_text(st, 3));
		b->cb_litres = rb_stmt_int(st, 4);
		kind = rb_stmt_text(st, 5);
		b->cb_estimated = kind != NULL &&
		    strcmp(kind, "estimated") == 0;
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		free(v);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
rb_cons_store_bills(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, struct rb_cons_bill **out,
    int *n)
{
	rb_stmt *st;

	*out = NULL;
	*n = 0;
	if ((st = rb_db_prepare(db, sql_bills)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_int(st, 3, archive);
	rb_stmt_bind_text(st, 4, archive_end, -1);
	return bills_fetch(st, out, n);
}

int
rb_cons_store_all_bills(rb_db *db, int64_t contract,
    struct rb_cons_bill **out, int *n)
{
	rb_stmt *st;

	*out = NULL;
	*n = 0;
	if ((st = rb_db_prepare(db, sql_all_bills)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	return bills_fetch(st, out, n);
}

int
rb_cons_store_readings(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, const char *from,
    const char *to, struct rb_cons_reading **out, int *n)
{
	struct rb_cons_reading *v = NULL, *r;
	const char *day;
	int64_t meter;
	rb_stmt *st;
	int rc, cap = 0, len = 0;

	*out = NULL;
	*n = 0;
	if ((st = rb_db_prepare(db, sql_readings)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_int(st, 3, archive);
	rb_stmt_bind_text(st, 4, archive_end, -1);
	rb_stmt_bind_text(st, 5, from, -1);
	rb_stmt_bind_text(st, 6, to, -1);
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		meter = rb_stmt_int(st, 0);
		day = rb_stmt_text(st, 1);
		if (day == NULL)
			continue;
		/* A later reading of the same meter and day replaces it. */
		if (len > 0 && v[len - 1].cr_meter_id == meter &&
		    strcmp(v[len - 1].cr_day, day) == 0) {
			v[len - 1].cr_index = rb_stmt_int(st, 2);
			continue;
		}
		if (len == cap) {
			cap = cap == 0 ? 128 : cap * 2;
			v = rb_xrealloc(v, (size_t)cap * sizeof(*v));
		}
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		r->cr_meter_id = meter;
		rb_store_copy(r->cr_day, sizeof(r->cr_day), day);
		r->cr_index = rb_stmt_int(st, 2);
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

/* Copies the ALERT_COLUMNS starting at column col of st into out. */
static void
alert_copy(rb_stmt *st, int col, struct rb_cons_alert_row *out)
{
	rb_store_copy(out->ca_start, sizeof(out->ca_start),
	    rb_stmt_text(st, col));
	rb_store_copy(out->ca_end, sizeof(out->ca_end),
	    rb_stmt_text(st, col + 1));
	out->ca_litres = rb_stmt_int(st, col + 2);
	out->ca_average = rb_stmt_int(st, col + 3);
}

int
rb_cons_store_invoice_alert(rb_db *db, int64_t account, int64_t archive,
    const char *number, struct rb_cons_alert_row *out)
{
	rb_stmt *st;
	int rc, ret = 2;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_invoice_alert)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, number, -1);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_int(st, 3, archive);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		if (rb_stmt_is_null(st, 1)) {
			ret = 1;
		} else {
			alert_copy(st, 1, out);
			ret = 0;
		}
	}
	rb_stmt_reset(st);
	if (rc != RB_ROW && rc != RB_DONE)
		return -1;
	return ret;
}

int
rb_cons_store_contract_alert(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, struct rb_cons_alert_row *out)
{
	rb_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_contract_alert)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	rb_stmt_bind_int(st, 2, account);
	rb_stmt_bind_int(st, 3, archive);
	rb_stmt_bind_text(st, 4, archive_end, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		alert_copy(st, 0, out);
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_cons_store_contract_ids(rb_db *db, int64_t after, int max, int64_t *ids,
    int *n)
{
	rb_stmt *st;
	int rc;

	*n = 0;
	if ((st = rb_db_prepare(db, sql_contract_ids)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, after);
	rb_stmt_bind_int(st, 2, max);
	while ((rc = rb_stmt_step(st)) == RB_ROW && *n < max)
		ids[(*n)++] = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return rc == RB_DONE || rc == RB_ROW ? 0 : -1;
}

int
rb_cons_store_alert_add(rb_db *db, int64_t contract, const char *start,
    const char *end, int64_t invoice, int64_t litres, int64_t average,
    int64_t now, int64_t *id)
{
	rb_stmt *st;
	int rc;

	*id = 0;
	if ((st = rb_db_prepare(db, sql_alert_add)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	rb_stmt_bind_text(st, 2, start, -1);
	rb_stmt_bind_text(st, 3, end, -1);
	rb_stmt_bind_int(st, 4, invoice);
	rb_stmt_bind_int(st, 5, litres);
	rb_stmt_bind_int(st, 6, average);
	rb_stmt_bind_int(st, 7, now);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*id = rb_stmt_int(st, 0);
		rc = rb_stmt_step(st);
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		return -1;
	return *id != 0 ? 0 : 1;
}

int
rb_cons_store_alert_mailed(rb_db *db, int64_t id, int64_t now)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_alert_mailed)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, now);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

/* Appends the (email, first_name) rows of st, whose $1 is bound. */
static int
recipients_fetch(rb_stmt *st, json_t *arr)
{
	int rc;

	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o}",
		    "email", rb_store_json_text(rb_stmt_text(st, 0)),
		    "first_name", rb_store_json_text(rb_stmt_text(st, 1))));
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_cons_store_recipients(rb_db *db, int64_t contract, json_t **out)
{
	rb_stmt *st;
	json_t *arr;

	*out = NULL;
	arr = json_array();
	if ((st = rb_db_prepare(db, sql_accounts_of)) == NULL)
		goto fail;
	rb_stmt_bind_int(st, 1, contract);
	if (recipients_fetch(st, arr) != 0)
		goto fail;
	if (json_array_size(arr) == 0) {
		if ((st = rb_db_prepare(db, sql_customer_of)) == NULL)
			goto fail;
		rb_stmt_bind_int(st, 1, contract);
		if (recipients_fetch(st, arr) != 0)
			goto fail;
	}
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return -1;
}
