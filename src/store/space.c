/*
 * space.c: SQL of the dashboard (see space.h). One statement reads every
 * contract of the account with its figures through correlated
 * subqueries, each served by an index (invoices_contract_issued,
 * meters_contract, meter_readings_meter_date, sepa_mandates_contract,
 * the unique (contract_id, period_end) of consumption_alerts): one
 * statement per page, whatever the number of contracts.
 */

#include "store/copy.h"
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

/* Column names of sql_space, in order, and their kinds: 's' text,
   'i' integer. */
static const char *const space_cols[] = {
	"number", "old_number", "address", "postcode", "commune",
	"direct_debit", "paperless", "unpaid_cents", "unpaid_count",
	"next_due_on", "late_count", "last_number", "last_issued_on",
	"last_due_on", "last_total_cents", "last_status",
	"last_archived", "mandate_last4", "meter_serial",
	"meter_remote", "read_on", "read_litres", "read_source",
	"alert_period_end", "alert_litres", "alert_average_litres",
};
static const char space_kinds[] = "sssssiiiisisssisissisissii";
_Static_assert(sizeof(space_kinds) - 1 ==
    sizeof(space_cols) / sizeof(space_cols[0]), "a kind per column");

static void
space_row(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, rb_store_json_object(st, space_cols,
	    space_kinds));
}

int
rb_space_contracts(rb_db *db, int64_t account, const char *today,
    const char *alerts_since, json_t **out)
{
	return rb_store_json_rows(db, sql_space, RB_BINDS(rb_int(account),
	    rb_text(today), rb_text(alerts_since)), space_row, out);
}
