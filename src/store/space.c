/*
 * space.c: SQL of the dashboard (see space.h). One statement reads every
 * contract of the account with its figures: those of the open bills
 * aggregated per contract, the rest through correlated subqueries, each
 * served by an index (invoices_open, invoices_contract_issued,
 * meters_contract, meter_readings_meter_date, sepa_mandates_contract,
 * the unique (contract_id, period_end) of consumption_alerts,
 * sepa_debits_invoice): one statement per page, whatever the number of
 * contracts. What is owed follows the one rule of store/payments.h
 * (total minus succeeded payments); bills under direct debit are
 * counted apart, with their debit's amount and date once scheduled.
 */

#include "store/copy.h"
#include "store/payments.h"
#include "store/space.h"

/* Column col of the bill's debit not yet collected, or NULL. */
#define LIVE_DEBIT(col) \
	"(SELECT MIN(d." col ") FROM sepa_debits d WHERE d.invoice_id = u.id" \
	" AND d.status IN ('scheduled', 'exported'))"

/*
 * The open bills of the account's contracts (to pay, overdue, under
 * direct debit) are read once, in a materialized CTE, with what is owed
 * on each (the rule of store/payments.h, evaluated once per bill) and
 * their live debit; the per-contract figures are aggregates over them.
 * (Six correlated subqueries, one per figure, each walked every bill of
 * the contract and computed what is owed again: half of the page's
 * instructions, docs/performance.md.) The partial index invoices_open
 * (migration 0022) serves the CTE: the condition on status is written
 * exactly as in the index, so that both engines see that it applies.
 */
static const char sql_space[] =
	"WITH open_bills AS MATERIALIZED (SELECT u.contract_id, u.status,"
	"   u.due_on, " RB_SQL_OWED("u") " AS owed,"
	"   CASE WHEN u.status = 'direct_debit' THEN " LIVE_DEBIT("amount_cents")
	"   END AS live_cents,"
	"   CASE WHEN u.status = 'direct_debit' THEN "
	LIVE_DEBIT("collection_date") " END AS live_on"
	"  FROM account_contracts oa"
	"  JOIN invoices u ON u.contract_id = oa.contract_id"
	"  WHERE oa.account_id = $1"
	"  AND u.status IN ('to_pay', 'overdue', 'direct_debit')),"
	" sums AS (SELECT contract_id,"
	"   SUM(CASE WHEN status <> 'direct_debit' THEN owed END) AS unpaid_cents,"
	"   count(CASE WHEN status <> 'direct_debit' THEN 1 END) AS unpaid_count,"
	"   MIN(CASE WHEN status <> 'direct_debit' THEN due_on END) AS next_due_on,"
	"   count(CASE WHEN status = 'overdue'"
	"     OR (status = 'to_pay' AND due_on < $2) THEN 1 END) AS late_count,"
	"   SUM(CASE WHEN status = 'direct_debit'"
	"     THEN COALESCE(live_cents, owed) END) AS debit_cents,"
	"   count(CASE WHEN status = 'direct_debit' THEN 1 END) AS debit_count,"
	"   MIN(CASE WHEN status = 'direct_debit'"
	"     THEN COALESCE(live_on, due_on) END) AS next_debit_on"
	"  FROM open_bills WHERE owed > 0 GROUP BY contract_id)"
	" SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune, c.direct_debit, c.paperless,"
	" COALESCE(s.unpaid_cents, 0), COALESCE(s.unpaid_count, 0),"
	" s.next_due_on, COALESCE(s.late_count, 0),"
	" li.number, li.issued_on, li.due_on, li.total_cents, li.status,"
	" li.archived,"
	" (SELECT sm.iban_last4 FROM sepa_mandates sm"
	"   WHERE sm.contract_id = c.id AND sm.status = 'active'"
	"   ORDER BY sm.signed_on DESC, sm.id DESC LIMIT 1),"
	" m.serial, m.remote_read, r.read_on, r.index_litres, r.source,"
	" al.period_end, al.litres, al.average_litres,"
	" COALESCE(s.debit_cents, 0), COALESCE(s.debit_count, 0),"
	" s.next_debit_on"
	" FROM account_contracts ac"
	" JOIN contracts c ON c.id = ac.contract_id"
	" LEFT JOIN sums s ON s.contract_id = c.id"
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
	"debit_cents", "debit_count", "next_debit_on",
};
static const char space_kinds[] = "sssssiiiisisssisissisissiiiis";
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
