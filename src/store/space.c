/*
 * space.c: SQL of the dashboard (see space.h), in two plain statements
 * that SQLite runs without any temporary table: the account's contracts
 * with what is shown of each (the latest bill, the active mandate, the
 * meter in place and its latest reading, the latest abnormal-consumption
 * alert: correlated subqueries, each served by an index), then the
 * account's open bills, one row each with what is owed on it and its
 * debit not yet collected. The per-contract figures are added up here,
 * in C. (The statement before, a materialized CTE of the open bills and
 * a grouped one of their sums, made SQLite build about seven temporary
 * tables a page: half of the page's instructions, docs/performance.md.)
 * What is owed follows the one rule of store/payments.h (total minus
 * succeeded payments); bills under direct debit are counted apart, with
 * their debit's amount and date once scheduled.
 */

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/copy.h"
#include "store/payments.h"
#include "store/space.h"

/*
 * The account's contracts. Rows come in the order of the primary key
 * of account_contracts (account, contract id), read from it without a
 * sort; rb_space_contracts() puts them in contract-number order. The
 * meter in place is the latest installed (the highest id among those
 * installed that day), found with two MAX over the index meters_contract
 * rather than ORDER BY installed_on DESC, id DESC LIMIT 1, which SQLite
 * served with a temporary b-tree (installed_on is NOT NULL).
 */
static const char sql_contracts[] =
	"SELECT c.id, c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune, c.direct_debit, c.paperless,"
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
	" LEFT JOIN meters m ON m.id = (SELECT MAX(mm.id) FROM meters mm"
	"   WHERE mm.contract_id = c.id AND mm.removed_on IS NULL"
	"   AND mm.installed_on = (SELECT MAX(mi.installed_on)"
	"     FROM meters mi WHERE mi.contract_id = c.id"
	"     AND mi.removed_on IS NULL))"
	" LEFT JOIN meter_readings r ON r.id = (SELECT rr.id"
	"   FROM meter_readings rr WHERE rr.meter_id = m.id"
	"   ORDER BY rr.read_on DESC, rr.id DESC LIMIT 1)"
	" LEFT JOIN consumption_alerts al ON al.id = (SELECT a.id"
	"   FROM consumption_alerts a WHERE a.contract_id = c.id"
	"   AND a.period_end >= $2 ORDER BY a.period_end DESC LIMIT 1)"
	" WHERE ac.account_id = $1";

/* Column names of sql_contracts, in order, and their kinds: 's' text,
   'i' integer. */
static const char *const contract_cols[] = {
	"id", "number", "old_number", "address", "postcode", "commune",
	"direct_debit", "paperless", "last_number", "last_issued_on",
	"last_due_on", "last_total_cents", "last_status", "last_archived",
	"mandate_last4", "meter_serial", "meter_remote", "read_on",
	"read_litres", "read_source", "alert_period_end", "alert_litres",
	"alert_average_litres",
};
static const char contract_kinds[] = "isssssiisssisissisissii";
_Static_assert(sizeof(contract_kinds) - 1 ==
    sizeof(contract_cols) / sizeof(contract_cols[0]), "a kind per column");

/* Column col of the bill's debit not yet collected (at most one: the
   unique index sepa_debits_one_live), or NULL. */
#define LIVE_DEBIT(col) \
	"(SELECT MIN(d." col ") FROM sepa_debits d WHERE d.invoice_id = u.id" \
	" AND d.status IN ('scheduled', 'exported'))"

/*
 * The account's open bills (to pay, overdue, under direct debit), one
 * row each: contract id, status, due date, what is owed (the rule of
 * store/payments.h), and for a bill under direct debit the amount and
 * collection date of its debit not yet collected. The partial index
 * invoices_open (migration 0022) serves it: the condition on status is
 * written exactly as in the index, so that both engines see that it
 * applies.
 */
static const char sql_open_bills[] =
	"SELECT u.contract_id, u.status, u.due_on, " RB_SQL_OWED("u") ","
	" CASE WHEN u.status = 'direct_debit' THEN "
	LIVE_DEBIT("amount_cents") " END,"
	" CASE WHEN u.status = 'direct_debit' THEN "
	LIVE_DEBIT("collection_date") " END"
	" FROM account_contracts oa"
	" JOIN invoices u ON u.contract_id = oa.contract_id"
	" WHERE oa.account_id = $1"
	" AND u.status IN ('to_pay', 'overdue', 'direct_debit')";

/* The figures of one contract's open bills (see space.h). */
struct space_sums {
	int64_t	ss_contract;
	int64_t	ss_unpaid_cents;
	int64_t	ss_unpaid_count;
	int64_t	ss_late_count;
	int64_t	ss_debit_cents;
	int64_t	ss_debit_count;
	char	ss_next_due[11];	/* "" when none */
	char	ss_next_debit[11];
};

/* What the rows of sql_open_bills are added to: sums sorted by
   contract id, and the day. */
struct space_acc {
	struct space_sums	*sa_v;
	size_t			 sa_len;
	const char		*sa_today;
};

static int
sums_cmp(const void *a, const void *b)
{
	const struct space_sums *x = a, *y = b;

	return x->ss_contract < y->ss_contract ? -1 :
	    x->ss_contract > y->ss_contract;
}

/* Keeps in day (11 bytes) the earlier of day and iso; "" is none. A NULL
   iso changes nothing (as MIN ignores NULL). */
static void
earliest(char *day, const char *iso)
{
	if (iso == NULL || iso[0] == '\0')
		return;
	if (day[0] == '\0' || strcmp(iso, day) < 0)
		rb_store_copy(day, 11, iso);
}

static void
open_bill_row(rb_stmt *st, void *arg)
{
	struct space_acc *acc = arg;
	struct space_sums key, *s;
	const char *status = rb_stmt_text(st, 1), *due = rb_stmt_text(st, 2);
	int64_t owed = rb_stmt_int(st, 3);

	key.ss_contract = rb_stmt_int(st, 0);
	s = bsearch(&key, acc->sa_v, acc->sa_len, sizeof(*s), sums_cmp);
	if (s == NULL || owed <= 0 || status == NULL)
		return;
	if (strcmp(status, "direct_debit") != 0) {
		s->ss_unpaid_cents += owed;
		s->ss_unpaid_count++;
		earliest(s->ss_next_due, due);
		if (strcmp(status, "overdue") == 0 || (strcmp(status,
		    "to_pay") == 0 && due != NULL &&
		    strcmp(due, acc->sa_today) < 0))
			s->ss_late_count++;
		return;
	}
	s->ss_debit_cents += rb_stmt_is_null(st, 4) ? owed :
	    rb_stmt_int(st, 4);
	s->ss_debit_count++;
	earliest(s->ss_next_debit, rb_stmt_is_null(st, 5) ? due :
	    rb_stmt_text(st, 5));
}

static void
contract_row(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, rb_store_json_object(st, contract_cols,
	    contract_kinds));
}

static json_t *
day_or_null(const char *day)
{
	return day[0] != '\0' ? json_string(day) : json_null();
}

static int
number_cmp(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a,
	    "number"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b,
	    "number"));

	return strcmp(x != NULL ? x : "", y != NULL ? y : "");
}

int
rb_space_contracts(rb_db *db, int64_t account, const char *today,
    const char *alerts_since, json_t **out)
{
	struct space_acc acc;
	json_t *rows, *sorted = NULL, **byno = NULL, *row;
	size_t i, n;
	int rc = -1;

	*out = NULL;
	if (rb_store_json_rows(db, sql_contracts, RB_BINDS(rb_int(account),
	    rb_text(alerts_since)), contract_row, &rows) != 0)
		return -1;
	n = json_array_size(rows);
	acc.sa_v = rb_xcalloc(n > 0 ? n : 1, sizeof(*acc.sa_v));
	acc.sa_len = n;
	acc.sa_today = today;
	json_array_foreach(rows, i, row)
		acc.sa_v[i].ss_contract = json_integer_value(json_object_get(
		    row, "id"));
	qsort(acc.sa_v, n, sizeof(*acc.sa_v), sums_cmp);
	if (n > 0 && rb_db_fetch_all(db, sql_open_bills,
	    RB_BINDS(rb_int(account)), open_bill_row, &acc) != 0)
		goto out;
	byno = rb_xcalloc(n > 0 ? n : 1, sizeof(*byno));
	json_array_foreach(rows, i, row) {
		struct space_sums key, *s;

		key.ss_contract = json_integer_value(json_object_get(row,
		    "id"));
		s = bsearch(&key, acc.sa_v, n, sizeof(*s), sums_cmp);
		json_object_set_new(row, "unpaid_cents",
		    json_integer(s->ss_unpaid_cents));
		json_object_set_new(row, "unpaid_count",
		    json_integer(s->ss_unpaid_count));
		json_object_set_new(row, "next_due_on",
		    day_or_null(s->ss_next_due));
		json_object_set_new(row, "late_count",
		    json_integer(s->ss_late_count));
		json_object_set_new(row, "debit_cents",
		    json_integer(s->ss_debit_cents));
		json_object_set_new(row, "debit_count",
		    json_integer(s->ss_debit_count));
		json_object_set_new(row, "next_debit_on",
		    day_or_null(s->ss_next_debit));
		byno[i] = row;
	}
	qsort(byno, n, sizeof(*byno), number_cmp);
	sorted = json_array();
	for (i = 0; i < n; i++)
		json_array_append(sorted, byno[i]);
	*out = sorted;
	rc = 0;
out:
	free(byno);
	free(acc.sa_v);
	json_decref(rows);
	return rc;
}
