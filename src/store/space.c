/*
 * space.c: SQL of the dashboard (see space.h). One statement reads every
 * contract of the account with its figures through correlated
 * subqueries, each served by an index (invoices_contract_issued,
 * meters_contract, meter_readings_meter_date, sepa_mandates_contract,
 * the unique (contract_id, period_end) of consumption_alerts): one
 * statement per page, whatever the number of contracts.
 */
#include <string.h>

#include "store/space.h"

static const char sql_space[] =
	"SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune, c.direct_debit, c.paperless,"
	" (SELECT COALESCE(SUM(u.total_cents), 0) FROM invoices u"
	"   WHERE u.contract_id = c.id"
	"   AND u.status IN ('to_pay', 'overdue', 'direct_debit')),"
	" (SELECT count(*) FROM invoices u WHERE u.contract_id = c.id"
	"   AND u.status IN ('to_pay', 'overdue', 'direct_debit')),"
	" (SELECT MIN(u.due_on) FROM invoices u WHERE u.contract_id = c.id"
	"   AND u.status IN ('to_pay', 'overdue', 'direct_debit')),"
	" (SELECT count(*) FROM invoices u WHERE u.contract_id = c.id"
	"   AND (u.status = 'overdue' OR"
	"   (u.status = 'to_pay' AND u.due_on < $2))),"
	" li.number, li.issued_on, li.due_on, li.total_cents, li.status,"
	" li.archived,"
	" (SELECT sm.iban_last4 FROM sepa_mandates sm"
	"   WHERE sm.contract_id = c.id AND sm.status = 'active'"
	"   ORDER BY sm.signed_on DESC, sm.id DESC LIMIT 1),"
	" m.serial, m.remote_read, r.read_on, r.index_litres, r.source,"
	" al.period_end, al.litres, al.average_litres"
	" FROM account_contracts ac"
	" JOIN contracts c ON c.id = ac.contract_id"
	" LEFT JOIN invoices li ON li.id = (SELECT i.id FROM invoices i"
	"   WHERE i.contract_id = c.id AND i.status <> 'cancelled'"
	"   ORDER BY i.issued_on DESC, i.id DESC LIMIT 1)"
	" LEFT JOIN meters m ON m.id = (SELECT mm.id FROM meters mm"
	"   WHERE mm.contract_id = c.id AND mm.removed_on IS NULL"
	"   ORDER BY mm.installed_on DESC, mm.id DESC LIMIT 1)"
	" LEFT JOIN meter_readings r ON r.id = (SELECT rr.id"
	"   FROM meter_readings rr WHERE rr.meter_id = m.id"
	"   ORDER BY rr.read_on DESC, rr.id DESC LIMIT 1)"
	" LEFT JOIN consumption_alerts al ON al.id = (SELECT a.id"
	"   FROM consumption_alerts a WHERE a.contract_id = c.id"
	"   AND a.period_end >= $3 ORDER BY a.period_end DESC LIMIT 1)"
	" WHERE ac.account_id = $1"
	" ORDER BY c.number";

/* Column names and kinds of sql_space, in order: 's' text, 'i' integer. */
static const struct {
	const char	*name;
	char		 kind;
} space_cols[] = {
	{ "number", 's' }, { "old_number", 's' }, { "address", 's' },
	{ "postcode", 's' }, { "commune", 's' }, { "direct_debit", 'i' },
	{ "paperless", 'i' }, { "unpaid_cents", 'i' },
	{ "unpaid_count", 'i' }, { "next_due_on", 's' },
	{ "late_count", 'i' }, { "last_number", 's' },
	{ "last_issued_on", 's' }, { "last_due_on", 's' },
	{ "last_total_cents", 'i' }, { "last_status", 's' },
	{ "last_archived", 'i' }, { "mandate_last4", 's' },
	{ "meter_serial", 's' }, { "meter_remote", 'i' }, { "read_on", 's' },
	{ "read_litres", 'i' }, { "read_source", 's' },
	{ "alert_period_end", 's' }, { "alert_litres", 'i' },
	{ "alert_average_litres", 'i' },
};

/* The row of st as an object keyed by space_cols. */
static json_t *
space_row(rb_stmt *st)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < sizeof(space_cols) / sizeof(space_cols[0]); i++) {
		json_t *v;

		if (rb_stmt_is_null(st, (int)i))
			v = json_null();
		else if (space_cols[i].kind == 'i')
			v = json_integer(rb_stmt_int(st, (int)i));
		else
			v = json_string(rb_stmt_text(st, (int)i));
		json_object_set_new(o, space_cols[i].name, v);
	}
	return o;
}

int
rb_space_contracts(rb_db *db, int64_t account, const char *today,
    const char *alerts_since, json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_space)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_text(st, 2, today, -1);
	rb_stmt_bind_text(st, 3, alerts_since, -1);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, space_row(st));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}
