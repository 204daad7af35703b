/*
 * api_data.c: SQL of the JSON API's contracts and bills (see
 * api_data.h). The scope condition of app/scope.h is repeated in each
 * statement, with $1 the account and $2 the archive contract.
 */
#include <stdio.h>

#include "store/api_data.h"
#include "store/scope_sql.h"
#include "store/copy.h"

static const char sql_contracts[] =
	"SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune, c.direct_debit,"
	" c.paperless, m.serial, m.remote_read"
	" FROM contracts c"
	" LEFT JOIN meters m ON m.id = (SELECT max(m2.id) FROM meters m2"
	"  WHERE m2.contract_id = c.id AND m2.removed_on IS NULL)"
	" WHERE c.id IN " RB_SCOPE_IDS("$1", "$2")
	" ORDER BY c.number";

/* 1 when the contract is in scope. */
static const char sql_contract_visible[] =
	"SELECT count(*) FROM contracts c"
	" WHERE c.number = $3 AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"  WHERE ac.account_id = $1 AND ac.contract_id = c.id)"
	" OR c.id = $2)";

static const char sql_invoices[] =
	"SELECT i.number, i.issued_on, i.period_start, i.period_end,"
	" i.due_on, i.volume_litres, i.total_cents, i.status, i.archived"
	" FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	" WHERE c.number = $3"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"  WHERE ac.account_id = $1 AND ac.contract_id = c.id)"
	" OR (c.id = $2 AND i.archived = 1))"
	" AND ($4 = '' OR substr(i.issued_on, 1, 4) = $4)"
	" ORDER BY i.issued_on DESC, i.number DESC";

/* json_string() of s, "" when NULL (NOT NULL columns). */
static json_t *
text(const char *s)
{
	return json_string(s != NULL ? s : "");
}

int
rb_api_data_contracts(rb_db *db, int64_t account, int64_t archive,
    json_t **out)
{
	rb_stmt *st;
	json_t *arr, *meter;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_contracts)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, archive);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
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
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_api_data_invoices(rb_db *db, int64_t account, int64_t archive,
    const char *number, int year, json_t **out)
{
	rb_stmt *st;
	json_t *arr = NULL;
	int64_t n = 0;
	char ytext[8] = "";
	int rc, ret = -1;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_contract_visible)) == NULL)
		goto out;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, archive);
	rb_stmt_bind_text(st, 3, number, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	if (rc != RB_ROW)
		goto out;
	if (n == 0) {
		ret = 1;
		goto out;
	}
	if (year > 0)
		snprintf(ytext, sizeof(ytext), "%04d", year % 10000);
	if ((st = rb_db_prepare(db, sql_invoices)) == NULL)
		goto out;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, archive);
	rb_stmt_bind_text(st, 3, number, -1);
	rb_stmt_bind_text(st, 4, ytext, -1);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
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
	rb_stmt_reset(st);
	if (rc != RB_DONE)
		goto out;
	*out = arr;
	arr = NULL;
	ret = 0;
out:
	json_decref(arr);
	return ret;
}
