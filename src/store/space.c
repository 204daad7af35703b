/*
 * space.c: SQL of the dashboard (see space.h), in two plain statements
 * that SQLite runs without any temporary table: the account's contracts
 * with what is shown of each (the latest bill, the meter in place and
 * its latest reading, the latest abnormal-consumption alert, the latest
 * possible leak: correlated subqueries, each served by an index; the
 * active mandate joined), then the
 * account's open bills, one row each with what is owed on it and its
 * debit not yet collected; both in one batch (one round trip to
 * PostgreSQL). The per-contract figures are added up here,
 * in C. (The statement before, a materialized CTE of the open bills and
 * a grouped one of their sums, made SQLite build about seven temporary
 * tables a page: half of the page's instructions, docs/performance.md.)
 * What is owed follows the one rule of store/payments.h (total minus
 * succeeded payments); bills under direct debit are counted apart, with
 * their debit's amount and date once scheduled.
 */

#include <stddef.h>
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
 * latest bill and the meter in place (the latest installed, the highest
 * id among those installed that day) are the last entries of the
 * contract in invoices_contract_issued and meters_in_place (migration
 * 0026: contract, date, id, then the column of the condition), read
 * there without a sort on either engine nor the table on SQLite. The
 * active mandate is joined (at most one: the unique index
 * sepa_mandates_one_active), the latest reading taken by date alone
 * (meter_readings_meter_date is unique): no tie-breaker where there is
 * no tie, which PostgreSQL sorted for. The latest possible
 * leak (app/leaks.h) whose last day is on or after $3 is the one the
 * dashboard shows, with the serial of its meter (the account holds the
 * contract: it is joined through account_contracts).
 */
static const char sql_contracts[] =
	"SELECT c.id, c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune, c.direct_debit, c.paperless,"
	" li.number, li.issued_on, li.due_on, li.total_cents, li.status,"
	" li.archived,"
	" sm.iban_last4,"
	" m.serial, m.remote_read, r.read_on, r.index_litres, r.source,"
	" al.period_end, al.litres, al.average_litres,"
	" lk.first_day, lk.last_day, lk.usual_litres, lk.factor, lm.serial"
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
	"   ORDER BY rr.read_on DESC LIMIT 1)"
	" LEFT JOIN consumption_alerts al ON al.id = (SELECT a.id"
	"   FROM consumption_alerts a WHERE a.contract_id = c.id"
	"   AND a.period_end >= $2 ORDER BY a.period_end DESC LIMIT 1)"
	" LEFT JOIN leak_alerts lk ON lk.id = (SELECT la.id"
	"   FROM leak_alerts la WHERE la.contract_id = c.id"
	"   AND la.last_day >= $3 ORDER BY la.last_day DESC LIMIT 1)"
	" LEFT JOIN meters lm ON lm.id = lk.meter_id"
	" LEFT JOIN sepa_mandates sm ON sm.contract_id = c.id"
	" AND sm.status = 'active'"
	" WHERE ac.account_id = $1";

/*
 * The account's open bills (to pay, overdue, under direct debit), one
 * row each: contract id, status, due date, what is owed (the rule of
 * store/payments.h), and for a bill under direct debit the amount and
 * collection date of its debit not yet collected (a join, not two
 * subqueries: at most one such debit per bill, the unique index
 * sepa_debits_one_live; sought for a bill under direct debit only). The
 * partial index
 * invoices_open (migrations 0022 and 0024: contract, due date, total,
 * status) serves it without reading the table: the condition on status
 * is written exactly as in the index, so that both engines see that it
 * applies.
 */
static const char sql_open_bills[] =
	"SELECT u.contract_id, u.status, u.due_on, " RB_SQL_OWED("u") ","
	" d.amount_cents, d.collection_date"
	" FROM account_contracts oa"
	" JOIN invoices u ON u.contract_id = oa.contract_id"
	" LEFT JOIN sepa_debits d ON d.invoice_id = u.id"
	" AND u.status = 'direct_debit'"
	" AND d.status IN ('scheduled', 'exported')"
	" WHERE oa.account_id = $1"
	" AND u.status IN ('to_pay', 'overdue', 'direct_debit')";

static int
id_cmp(const void *a, const void *b)
{
	const struct rb_space_contract *x = a, *y = b;

	return x->sp_id < y->sp_id ? -1 : x->sp_id > y->sp_id;
}

static int
number_cmp(const void *a, const void *b)
{
	const struct rb_space_contract *x = a, *y = b;

	return strcmp(x->sp_number, y->sp_number);
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

/*
 * The contracts read so far, and the day. The rows of sql_open_bills
 * come after all of them (rb_db_fetch_batch() hands over every row of a
 * read before those of the next): the first sorts them by id.
 */
struct space_rows {
	struct rb_space_contract	*sr_v;
	size_t				 sr_len;
	size_t				 sr_cap;
	int				 sr_by_id;	/* 0/1: sorted by id */
	const char			*sr_today;
};

static void
open_bill_row(rb_stmt *st, void *arg)
{
	struct space_rows *rows = arg;
	struct rb_space_contract key, *s;
	const char *status = rb_stmt_text(st, 1), *due = rb_stmt_text(st, 2);
	int64_t owed = rb_stmt_int(st, 3);

	if (!rows->sr_by_id) {
		if (rows->sr_len > 1)
			qsort(rows->sr_v, rows->sr_len, sizeof(*rows->sr_v),
			    id_cmp);
		rows->sr_by_id = 1;
	}
	if (rows->sr_len == 0)
		return;
	key.sp_id = rb_stmt_int(st, 0);
	s = bsearch(&key, rows->sr_v, rows->sr_len, sizeof(*s), id_cmp);
	if (s == NULL || owed <= 0 || status == NULL)
		return;
	if (strcmp(status, "direct_debit") != 0) {
		s->sp_unpaid_cents += owed;
		s->sp_unpaid_count++;
		earliest(s->sp_next_due_on, due);
		if (strcmp(status, "overdue") == 0 || (strcmp(status,
		    "to_pay") == 0 && due != NULL &&
		    strcmp(due, rows->sr_today) < 0))
			s->sp_late_count++;
		return;
	}
	s->sp_debit_cents += rb_stmt_is_null(st, 4) ? owed :
	    rb_stmt_int(st, 4);
	s->sp_debit_count++;
	earliest(s->sp_next_debit_on, rb_stmt_is_null(st, 5) ? due :
	    rb_stmt_text(st, 5));
}

/* The text columns of sql_contracts, with the member each goes to. */
static const struct {
	int	tc_col;
	size_t	tc_off;
} text_cols[] = {
	{ 1, offsetof(struct rb_space_contract, sp_number) },
	{ 2, offsetof(struct rb_space_contract, sp_old_number) },
	{ 3, offsetof(struct rb_space_contract, sp_address) },
	{ 4, offsetof(struct rb_space_contract, sp_postcode) },
	{ 5, offsetof(struct rb_space_contract, sp_commune) },
	{ 8, offsetof(struct rb_space_contract, sp_last_number) },
	{ 9, offsetof(struct rb_space_contract, sp_last_issued_on) },
	{ 10, offsetof(struct rb_space_contract, sp_last_due_on) },
	{ 12, offsetof(struct rb_space_contract, sp_last_status) },
	{ 14, offsetof(struct rb_space_contract, sp_mandate_last4) },
	{ 15, offsetof(struct rb_space_contract, sp_meter_serial) },
	{ 17, offsetof(struct rb_space_contract, sp_read_on) },
	{ 19, offsetof(struct rb_space_contract, sp_read_source) },
	{ 20, offsetof(struct rb_space_contract, sp_alert_period_end) },
	{ 23, offsetof(struct rb_space_contract, sp_leak_first) },
	{ 24, offsetof(struct rb_space_contract, sp_leak_last) },
	{ 27, offsetof(struct rb_space_contract, sp_leak_serial) },
};
#define NTEXT_COLS	(sizeof(text_cols) / sizeof(text_cols[0]))

/*
 * Copies the text columns of the row into one new block, c->sp_text,
 * and points the members at their copies (NULL for SQL NULL; the
 * number "" then). The leak's columns are kept only with its meter's
 * serial (a leak whose meter is gone is none).
 */
static void
contract_texts(rb_stmt *st, struct rb_space_contract *c)
{
	const char *t[NTEXT_COLS];
	size_t len[NTEXT_COLS], total = 0, i;
	char *p;

	for (i = 0; i < NTEXT_COLS; i++) {
		t[i] = rb_stmt_text(st, text_cols[i].tc_col);
		len[i] = t[i] != NULL ? strlen(t[i]) + 1 : 0;
		total += len[i];
	}
	if (t[0] == NULL) {	/* never: the number is NOT NULL */
		t[0] = "";
		len[0] = 1;
		total++;
	}
	if (t[NTEXT_COLS - 1] == NULL)
		t[NTEXT_COLS - 3] = t[NTEXT_COLS - 2] = NULL;
	p = c->sp_text = rb_xmalloc(total);
	for (i = 0; i < NTEXT_COLS; i++) {
		if (t[i] == NULL)
			continue;
		memcpy(p, t[i], len[i]);
		*(char **)((char *)c + text_cols[i].tc_off) = p;
		p += len[i];
	}
}

static void
contract_row(rb_stmt *st, void *arg)
{
	struct space_rows *rows = arg;
	struct rb_space_contract *c;

	if (rows->sr_len == rows->sr_cap) {
		rows->sr_cap = rows->sr_cap == 0 ? 4 : rows->sr_cap * 2;
		rows->sr_v = rb_xrealloc(rows->sr_v, rows->sr_cap *
		    sizeof(*rows->sr_v));
	}
	c = &rows->sr_v[rows->sr_len++];
	memset(c, 0, sizeof(*c));
	c->sp_id = rb_stmt_int(st, 0);
	contract_texts(st, c);
	c->sp_direct_debit = rb_stmt_int(st, 6) != 0;
	c->sp_paperless = rb_stmt_int(st, 7) != 0;
	c->sp_last_total_cents = rb_stmt_int(st, 11);
	c->sp_last_archived = rb_stmt_int(st, 13) != 0;
	c->sp_meter_remote = rb_stmt_int(st, 16) != 0;
	c->sp_read_litres = rb_stmt_int(st, 18);
	c->sp_alert_litres = rb_stmt_int(st, 21);
	c->sp_alert_average_litres = rb_stmt_int(st, 22);
	if (c->sp_leak_serial != NULL) {
		c->sp_leak_usual_litres = rb_stmt_int(st, 25);
		c->sp_leak_factor = rb_stmt_int(st, 26);
	}
}

int
rb_space_contracts(rb_db *db, int64_t account, const char *today,
    const char *alerts_since, const char *leaks_since,
    struct rb_space_contract **out, size_t *n)
{
	struct space_rows rows = { NULL, 0, 0, 0, today };
	struct rb_bind b[] = { rb_int(account), rb_text(alerts_since),
	    rb_text(leaks_since) };
	struct rb_db_read r[] = {
		{ sql_contracts, b, 3, contract_row, &rows, 0 },
		{ sql_open_bills, b, 1, open_bill_row, &rows, 0 },
	};

	*out = NULL;
	*n = 0;
	if (rb_db_fetch_batch(db, r, 2) != 0)
		goto fail;
	if (rows.sr_len > 1)
		qsort(rows.sr_v, rows.sr_len, sizeof(*rows.sr_v), number_cmp);
	*out = rows.sr_v;
	*n = rows.sr_len;
	return 0;
fail:
	rb_space_contracts_free(rows.sr_v, rows.sr_len);
	return -1;
}

void
rb_space_contracts_free(struct rb_space_contract *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].sp_text);
	free(v);
}
