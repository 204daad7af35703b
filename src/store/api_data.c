/*
 * api_data.c: SQL of the JSON API's contracts and bills (see
 * api_data.h). The scope condition of store/scope.h is repeated in each
 * statement, with $1 the account and $2 the archive contract.
 */
#include <stdio.h>

#include "store/api_data.h"
#include "store/scope_sql.h"
#include "store/copy.h"

enum api_data_sql {
	SQL_CONTRACTS,
	SQL_CONTRACT_VISIBLE,
	SQL_INVOICES,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_CONTRACTS] =
	"SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune, c.direct_debit,"
	" c.paperless, m.serial, m.remote_read"
	" FROM contracts c"
	" LEFT JOIN meters m ON m.id = (SELECT max(m2.id) FROM meters m2"
	"  WHERE m2.contract_id = c.id AND m2.removed_on IS NULL)"
	" WHERE c.id IN " RB_SCOPE_IDS("$1", "$2")
	" ORDER BY c.number",
	/* 1 when the contract is in scope. */
	[SQL_CONTRACT_VISIBLE] =
	"SELECT count(*) FROM contracts c"
	" WHERE c.number = $3 AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"  WHERE ac.account_id = $1 AND ac.contract_id = c.id)"
	" OR c.id = $2)",
	[SQL_INVOICES] =
	"SELECT i.number, i.issued_on, i.period_start, i.period_end,"
	" i.due_on, i.volume_litres, i.total_cents, i.status, i.archived"
	" FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	" WHERE c.number = $3"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"  WHERE ac.account_id = $1 AND ac.contract_id = c.id)"
	" OR (c.id = $2 AND i.archived = 1))"
	" AND ($4 = '' OR substr(i.issued_on, 1, 4) = $4)"
	" ORDER BY i.issued_on DESC, i.number DESC",
};

/* json_string() of s, "" when NULL (NOT NULL columns). */
static json_t *
text(const char *s)
{
	return json_string(s != NULL ? s : "");
}

static void
contract_row(rb_stmt *st, void *arr)
{
	json_t *meter;

	meter = rb_stmt_is_null(st, 7) ? json_null() :
	    json_pack("{s:o, s:b}", "serial", text(rb_stmt_text(st, 7)),
	    "remote_read", rb_stmt_int(st, 8) != 0);
	json_array_append_new(arr, json_pack("{s:o, s:o, "
	    "s:{s:o, s:o, s:o}, s:b, s:b, s:o}",
	    "number", text(rb_stmt_text(st, 0)),
	    "old_number", rb_store_json_text(rb_stmt_text(st, 1)),
	    "service_address",
	    "street", text(rb_stmt_text(st, 2)),
	    "postcode", text(rb_stmt_text(st, 3)),
	    "commune", text(rb_stmt_text(st, 4)),
	    "direct_debit", rb_stmt_int(st, 5) != 0,
	    "paperless", rb_stmt_int(st, 6) != 0,
	    "meter", meter));
}

int
rb_api_data_contracts(rb_db *db, int64_t account, int64_t archive,
    json_t **out)
{
	return rb_store_json_rows(db, sql[SQL_CONTRACTS],
	    RB_BINDS(rb_int(account), rb_int(archive)), contract_row, out);
}

static void
invoice_row(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, json_pack("{s:o, s:o, s:{s:o, s:o}, "
	    "s:o, s:I, s:I, s:o, s:b}",
	    "number", text(rb_stmt_text(st, 0)),
	    "issued_on", text(rb_stmt_text(st, 1)),
	    "period", "start", text(rb_stmt_text(st, 2)),
	    "end", text(rb_stmt_text(st, 3)),
	    "due_on", text(rb_stmt_text(st, 4)),
	    "volume_litres", (json_int_t)rb_stmt_int(st, 5),
	    "total_cents", (json_int_t)rb_stmt_int(st, 6),
	    "status", text(rb_stmt_text(st, 7)),
	    "archived", rb_stmt_int(st, 8) != 0));
}

int
rb_api_data_invoices(rb_db *db, int64_t account, int64_t archive,
    const char *number, int year, json_t **out)
{
	int64_t n = 0;
	char ytext[8] = "";

	*out = NULL;
	if (rb_db_fetch_one(db, sql[SQL_CONTRACT_VISIBLE],
	    RB_BINDS(rb_int(account), rb_int(archive), rb_text(number)),
	    rb_row_int, &n) != 0)
		return -1;
	if (n == 0)
		return 1;
	if (year > 0)
		snprintf(ytext, sizeof(ytext), "%04d", year % 10000);
	return rb_store_json_rows(db, sql[SQL_INVOICES],
	    RB_BINDS(rb_int(account), rb_int(archive), rb_text(number),
	    rb_text(ytext)), invoice_row, out);
}
