/*
 * consumption.c: SQL of consumption and of the consumption_alerts table
 * (see consumption.h). Scoped statements bind the account as $A and the
 * archive contract as $B, with the condition of store/scope.h.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/consumption.h"
#include "store/copy.h"
#include "store/scope_sql.h"

#define BILL_COLUMNS \
	"SELECT i.id, i.number, i.period_start, i.period_end," \
	" i.volume_litres, i.new_read_kind FROM invoices i"

#define ALERT_COLUMNS \
	"a.period_start, a.period_end, a.litres, a.average_litres"

enum consumption_sql {
	SQL_CONTRACT,
	SQL_CONTRACT_BY_ID,
	SQL_CONTRACTS,
	SQL_BILLS,
	SQL_ALL_BILLS,
	SQL_READINGS,
	SQL_INVOICE_ALERT,
	SQL_CONTRACT_ALERT,
	SQL_CONTRACT_IDS,
	SQL_ALERT_ADD,
	SQL_ALERT_MAILED,
	SQL_ACCOUNTS_OF,
	SQL_CUSTOMER_OF,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_CONTRACT] =
	"SELECT c.id, c.number, c.old_number,"
	" EXISTS (SELECT 1 FROM meters m WHERE m.contract_id = c.id"
	"   AND m.remote_read = 1 AND m.removed_on IS NULL)"
	" FROM" RB_SCOPE_FROM("$2", "$3")
	" WHERE" RB_SCOPE_MATCH " AND (c.number = $1 OR c.old_number = $1)",
	[SQL_CONTRACT_BY_ID] =
	"SELECT c.id, c.number, c.old_number,"
	" EXISTS (SELECT 1 FROM meters m WHERE m.contract_id = c.id"
	"   AND m.remote_read = 1 AND m.removed_on IS NULL)"
	" FROM contracts c WHERE c.id = $1",
	[SQL_CONTRACTS] =
	"SELECT c.id, c.number, c.old_number,"
	" EXISTS (SELECT 1 FROM meters m WHERE m.contract_id = c.id"
	"   AND m.remote_read = 1 AND m.removed_on IS NULL)"
	" FROM" RB_SCOPE_FROM("$1", "$2") " WHERE" RB_SCOPE_MATCH,
	[SQL_BILLS] =
	BILL_COLUMNS " WHERE i.contract_id = $1 AND i.status <> 'cancelled'"
	" AND (" RB_SCOPE_ACCOUNT_HAS("$2", "$1")
	"  OR (i.contract_id = $3 AND i.archived = 1 AND i.period_end < $4))",
	[SQL_ALL_BILLS] =
	BILL_COLUMNS " WHERE i.contract_id = $1 AND i.status <> 'cancelled'"
	" ORDER BY i.period_end, i.id",
	[SQL_READINGS] =
	"SELECT r.meter_id, r.read_on, r.index_litres FROM meter_readings r"
	" JOIN meters m ON m.id = r.meter_id"
	" WHERE m.contract_id = $1 AND m.remote_read = 1"
	" AND r.source = 'remote' AND r.read_on >= $5 AND r.read_on <= $6"
	" AND (" RB_SCOPE_ACCOUNT_HAS("$2", "$1")
	"  OR (m.contract_id = $3 AND r.read_on < $4))"
	/* m.id is r.meter_id, and a meter has one reading a day (unique
	   meter_readings_meter_date): the order of the two indexes, no
	   temporary b-tree. */
	" ORDER BY m.id, r.read_on",
	[SQL_INVOICE_ALERT] =
	"SELECT i.id, " ALERT_COLUMNS " FROM invoices i"
	" JOIN contracts c ON c.id = i.contract_id"
	" LEFT JOIN consumption_alerts a ON a.contract_id = i.contract_id"
	"   AND a.period_end = i.period_end"
	" WHERE i.number = $1"
	" AND (EXISTS (SELECT 1 FROM account_contracts ac"
	"   WHERE ac.account_id = $2 AND ac.contract_id = c.id)"
	"  OR (c.id = $3 AND i.archived = 1))",
	[SQL_CONTRACT_ALERT] =
	"SELECT " ALERT_COLUMNS " FROM consumption_alerts a"
	" WHERE a.contract_id = $1"
	" AND (" RB_SCOPE_ACCOUNT_HAS("$2", "$1")
	"  OR (a.contract_id = $3 AND a.period_end < $4))"
	" ORDER BY a.period_end DESC LIMIT 1",
	[SQL_CONTRACT_IDS] =
	"SELECT id FROM contracts WHERE id > $1 ORDER BY id LIMIT $2",
	[SQL_ALERT_ADD] =
	"INSERT INTO consumption_alerts (contract_id, period_start,"
	" period_end, invoice_id, litres, average_litres, detected_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7)"
	" ON CONFLICT (contract_id, period_end) DO NOTHING RETURNING id",
	[SQL_ALERT_MAILED] =
	"UPDATE consumption_alerts SET mailed_at = $2 WHERE id = $1",
	[SQL_ACCOUNTS_OF] =
	"SELECT w.email, w.first_name FROM account_contracts ac"
	" JOIN web_accounts w ON w.id = ac.account_id"
	" WHERE ac.contract_id = $1 AND w.status = 'active'"
	" ORDER BY w.id",
	[SQL_CUSTOMER_OF] =
	"SELECT cu.email, cu.first_name FROM contracts c"
	" JOIN customers cu ON cu.id = c.customer_id"
	" WHERE c.id = $1 AND cu.email IS NOT NULL AND cu.email <> ''",
};

/* Reads a contract row into the struct rb_cons_contract arg. */
static void
contract_row(rb_stmt *st, void *arg)
{
	struct rb_cons_contract *out = arg;

	out->cc_id = rb_stmt_int(st, 0);
	rb_store_copy(out->cc_number, sizeof(out->cc_number),
	    rb_stmt_text(st, 1));
	rb_store_copy(out->cc_old_number, sizeof(out->cc_old_number),
	    rb_stmt_text(st, 2));
	out->cc_remote = rb_stmt_int(st, 3) != 0;
}

/* Runs a contract query: 0 (filled), 1 when none, -1 on error. */
static int
contract_fetch(rb_db *db, enum consumption_sql q, const struct rb_bind *b,
    size_t n, struct rb_cons_contract *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[q], b, n, contract_row, out);
	return rc < 0 ? -1 : rc;
}

int
rb_cons_store_contract(rb_db *db, int64_t account, int64_t archive,
    const char *number, struct rb_cons_contract *out)
{
	return contract_fetch(db, SQL_CONTRACT, RB_BINDS(rb_text(number),
	    rb_int(account), rb_int(archive)), out);
}

int
rb_cons_store_contract_by_id(rb_db *db, int64_t id,
    struct rb_cons_contract *out)
{
	return contract_fetch(db, SQL_CONTRACT_BY_ID, RB_BINDS(rb_int(id)),
	    out);
}

/* The contracts contracts_row() gathers. */
struct contracts {
	struct rb_cons_contract	*co_v;
	int			 co_len;
	int			 co_cap;
};

static void
contracts_row(rb_stmt *st, void *arg)
{
	struct contracts *co = arg;

	if (co->co_len == co->co_cap) {
		co->co_cap = co->co_cap == 0 ? 4 : co->co_cap * 2;
		co->co_v = rb_xrealloc(co->co_v,
		    (size_t)co->co_cap * sizeof(*co->co_v));
	}
	memset(&co->co_v[co->co_len], 0, sizeof(co->co_v[0]));
	contract_row(st, &co->co_v[co->co_len++]);
}

static int
contract_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rb_cons_contract *)a)->cc_number,
	    ((const struct rb_cons_contract *)b)->cc_number);
}

int
rb_cons_store_contracts(rb_db *db, int64_t account, int64_t archive,
    struct rb_cons_contract **out, int *n)
{
	struct contracts co = { NULL, 0, 0 };

	*out = NULL;
	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_CONTRACTS], RB_BINDS(rb_int(account),
	    rb_int(archive)), contracts_row, &co) != 0) {
		free(co.co_v);
		return -1;
	}
	if (co.co_len > 1)
		qsort(co.co_v, (size_t)co.co_len, sizeof(*co.co_v),
		    contract_cmp);
	*out = co.co_v;
	*n = co.co_len;
	return 0;
}

/* The bills bill_row() gathers. */
struct bills {
	struct rb_cons_bill	*bi_v;
	int			 bi_len;
	int			 bi_cap;
};

static void
bill_row(rb_stmt *st, void *arg)
{
	struct bills *bs = arg;
	struct rb_cons_bill *b;
	const char *kind;

	if (bs->bi_len == bs->bi_cap) {
		bs->bi_cap = bs->bi_cap == 0 ? 16 : bs->bi_cap * 2;
		bs->bi_v = rb_xrealloc(bs->bi_v,
		    (size_t)bs->bi_cap * sizeof(*bs->bi_v));
	}
	b = &bs->bi_v[bs->bi_len++];
	memset(b, 0, sizeof(*b));
	b->cb_invoice_id = rb_stmt_int(st, 0);
	rb_store_copy(b->cb_number, sizeof(b->cb_number), rb_stmt_text(st, 1));
	rb_store_copy(b->cb_start, sizeof(b->cb_start), rb_stmt_text(st, 2));
	rb_store_copy(b->cb_end, sizeof(b->cb_end), rb_stmt_text(st, 3));
	b->cb_litres = rb_stmt_int(st, 4);
	kind = rb_stmt_text(st, 5);
	b->cb_estimated = kind != NULL && strcmp(kind, "estimated") == 0;
}

/* Collects the BILL_COLUMNS rows of statement q with the values b. */
static int
bills_fetch(rb_db *db, enum consumption_sql q, const struct rb_bind *b,
    size_t n, struct rb_cons_bill **out, int *count)
{
	struct bills bs = { NULL, 0, 0 };

	*out = NULL;
	*count = 0;
	if (rb_db_fetch_all(db, sql[q], b, n, bill_row, &bs) != 0) {
		free(bs.bi_v);
		return -1;
	}
	*out = bs.bi_v;
	*count = bs.bi_len;
	return 0;
}

/* By end date, then bill id: ORDER BY i.period_end, i.id. */
static int
bill_cmp(const void *a, const void *b)
{
	const struct rb_cons_bill *x = a, *y = b;
	int c = strcmp(x->cb_end, y->cb_end);

	if (c != 0)
		return c;
	return x->cb_invoice_id < y->cb_invoice_id ? -1 :
	    x->cb_invoice_id > y->cb_invoice_id;
}

/* The n bills of v in the order of SQL_BILLS' ORDER BY. */
static void
bills_sort(struct rb_cons_bill *v, int n)
{
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), bill_cmp);
}

int
rb_cons_store_bills(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, struct rb_cons_bill **out,
    int *n)
{
	if (bills_fetch(db, SQL_BILLS, RB_BINDS(rb_int(contract),
	    rb_int(account), rb_int(archive), rb_text(archive_end)), out,
	    n) != 0)
		return -1;
	bills_sort(*out, *n);
	return 0;
}

int
rb_cons_store_all_bills(rb_db *db, int64_t contract,
    struct rb_cons_bill **out, int *n)
{
	return bills_fetch(db, SQL_ALL_BILLS, RB_BINDS(rb_int(contract)), out,
	    n);
}

/* The readings reading_row() gathers. */
struct readings {
	struct rb_cons_reading	*re_v;
	int			 re_len;
	int			 re_cap;
};

static void
reading_row(rb_stmt *st, void *arg)
{
	struct readings *rs = arg;
	struct rb_cons_reading *r, *last;
	const char *day;
	int64_t meter;

	meter = rb_stmt_int(st, 0);
	if ((day = rb_stmt_text(st, 1)) == NULL)
		return;
	/* A later reading of the same meter and day replaces it. */
	last = rs->re_len > 0 ? &rs->re_v[rs->re_len - 1] : NULL;
	if (last != NULL && last->cr_meter_id == meter &&
	    strcmp(last->cr_day, day) == 0) {
		last->cr_index = rb_stmt_int(st, 2);
		return;
	}
	if (rs->re_len == rs->re_cap) {
		rs->re_cap = rs->re_cap == 0 ? 128 : rs->re_cap * 2;
		rs->re_v = rb_xrealloc(rs->re_v,
		    (size_t)rs->re_cap * sizeof(*rs->re_v));
	}
	r = &rs->re_v[rs->re_len++];
	memset(r, 0, sizeof(*r));
	r->cr_meter_id = meter;
	rb_store_copy(r->cr_day, sizeof(r->cr_day), day);
	r->cr_index = rb_stmt_int(st, 2);
}

int
rb_cons_store_fetch_readings(rb_db *db, const char *query,
    const struct rb_bind *b, size_t nb, struct rb_cons_reading **out, int *n)
{
	struct readings rs = { NULL, 0, 0 };

	*out = NULL;
	*n = 0;
	if (rb_db_fetch_all(db, query, b, nb, reading_row, &rs) != 0) {
		free(rs.re_v);
		return -1;
	}
	*out = rs.re_v;
	*n = rs.re_len;
	return 0;
}

int
rb_cons_store_readings(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, const char *from,
    const char *to, struct rb_cons_reading **out, int *n)
{
	return rb_cons_store_fetch_readings(db, sql[SQL_READINGS],
	    RB_BINDS(rb_int(contract), rb_int(account), rb_int(archive),
	    rb_text(archive_end), rb_text(from), rb_text(to)), out, n);
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

/* What invoice_alert_row() reads: the alert, and whether there is one. */
struct invoice_alert {
	struct rb_cons_alert_row	*ia_row;
	int				 ia_ret;
};

static void
invoice_alert_row(rb_stmt *st, void *arg)
{
	struct invoice_alert *ia = arg;

	if (rb_stmt_is_null(st, 1)) {
		ia->ia_ret = 1;
	} else {
		alert_copy(st, 1, ia->ia_row);
		ia->ia_ret = 0;
	}
}

int
rb_cons_store_invoice_alert(rb_db *db, int64_t account, int64_t archive,
    const char *number, struct rb_cons_alert_row *out)
{
	struct invoice_alert ia = { out, 2 };

	memset(out, 0, sizeof(*out));
	if (rb_db_fetch_one(db, sql[SQL_INVOICE_ALERT],
	    RB_BINDS(rb_text(number), rb_int(account), rb_int(archive)),
	    invoice_alert_row, &ia) < 0)
		return -1;
	return ia.ia_ret;
}

static void
alert_row(rb_stmt *st, void *arg)
{
	alert_copy(st, 0, arg);
}

int
rb_cons_store_contract_alert(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, struct rb_cons_alert_row *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_CONTRACT_ALERT],
	    RB_BINDS(rb_int(contract), rb_int(account), rb_int(archive),
	    rb_text(archive_end)), alert_row, out);
	return rc < 0 ? -1 : rc;
}

int
rb_cons_store_page(rb_db *db, int64_t account, int64_t archive,
    const char *archive_end, int64_t contract, struct rb_cons_bill **bills,
    int *nbills, const char *from, const char *to,
    struct rb_cons_reading **readings, int *nreadings,
    struct rb_cons_alert_row *alert, int *has_alert)
{
	struct bills bs = { NULL, 0, 0 };
	struct readings rs = { NULL, 0, 0 };
	struct rb_db_first pa = { alert_row, alert, 0 };
	const struct rb_bind scope[] = { rb_int(contract), rb_int(account),
	    rb_int(archive), rb_text(archive_end), rb_text(from), rb_text(to) };
	struct rb_db_read r[3];
	size_t n = 0;

	memset(alert, 0, sizeof(*alert));
	*has_alert = 0;
	if (bills != NULL) {
		*bills = NULL;
		*nbills = 0;
		r[n++] = (struct rb_db_read){ sql[SQL_BILLS], scope, 4,
		    bill_row, &bs, 0 };
	}
	if (readings != NULL) {
		*readings = NULL;
		*nreadings = 0;
		r[n++] = (struct rb_db_read){ sql[SQL_READINGS], scope, 6,
		    reading_row, &rs, 0 };
	}
	r[n++] = (struct rb_db_read){ sql[SQL_CONTRACT_ALERT], scope, 4,
	    rb_row_first, &pa, 0 };
	if (rb_db_fetch_batch(db, r, n) != 0) {
		free(bs.bi_v);
		free(rs.re_v);
		memset(alert, 0, sizeof(*alert));
		*has_alert = 0;
		return -1;
	}
	if (bills != NULL) {
		bills_sort(bs.bi_v, bs.bi_len);
		*bills = bs.bi_v;
		*nbills = bs.bi_len;
	}
	if (readings != NULL) {
		*readings = rs.re_v;
		*nreadings = rs.re_len;
	}
	*has_alert = pa.df_found;
	return 0;
}

/* The ids id_row() gathers, at most ci_max. */
struct contract_ids {
	int64_t	*ci_ids;
	int	*ci_n;
	int	 ci_max;
};

static void
id_row(rb_stmt *st, void *arg)
{
	struct contract_ids *ci = arg;

	if (*ci->ci_n < ci->ci_max)
		ci->ci_ids[(*ci->ci_n)++] = rb_stmt_int(st, 0);
}

int
rb_cons_store_contract_ids(rb_db *db, int64_t after, int max, int64_t *ids,
    int *n)
{
	struct contract_ids ci = { ids, n, max };

	*n = 0;
	return rb_db_fetch_all(db, sql[SQL_CONTRACT_IDS],
	    RB_BINDS(rb_int(after), rb_int(max)), id_row, &ci);
}

int
rb_cons_store_alert_add(rb_db *db, int64_t contract, const char *start,
    const char *end, int64_t invoice, int64_t litres, int64_t average,
    int64_t now, int64_t *id)
{
	*id = 0;
	if (rb_db_fetch_one(db, sql[SQL_ALERT_ADD], RB_BINDS(rb_int(contract),
	    rb_text(start), rb_text(end), rb_int(invoice), rb_int(litres),
	    rb_int(average), rb_int(now)), rb_row_int, id) < 0) {
		*id = 0;
		return -1;
	}
	return *id != 0 ? 0 : 1;
}

int
rb_cons_store_alert_mailed(rb_db *db, int64_t id, int64_t now)
{
	return rb_db_run(db, sql[SQL_ALERT_MAILED], RB_BINDS(rb_int(id),
	    rb_int(now)), NULL) == 0 ? 0 : -1;
}

static void
recipient_row(rb_stmt *st, void *arr)
{
	json_array_append_new(arr, json_pack("{s:o, s:o}",
	    "email", rb_store_json_text(rb_stmt_text(st, 0)),
	    "first_name", rb_store_json_text(rb_stmt_text(st, 1))));
}

int
rb_cons_store_recipients(rb_db *db, int64_t contract, json_t **out)
{
	json_t *arr = json_array();

	*out = NULL;
	if (rb_db_fetch_all(db, sql[SQL_ACCOUNTS_OF],
	    RB_BINDS(rb_int(contract)), recipient_row, arr) != 0)
		goto fail;
	if (json_array_size(arr) == 0 && rb_db_fetch_all(db,
	    sql[SQL_CUSTOMER_OF], RB_BINDS(rb_int(contract)), recipient_row,
	    arr) != 0)
		goto fail;
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return -1;
}
