/*
 * invoices.c: SQL of the bills of a subscriber's space (see invoices.h).
 *
 * Each statement repeats the scope condition of store/scope.h with $1 the
 * account and $2 the archive contract, both always bound. Optional
 * filters are bound too, with values that let every row through when
 * the filter is off ('' for a contract number, the widest dates for a
 * year, 'any' for a status), so the text stays constant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/copy.h"
#include "store/invoices.h"
#include "store/scope_sql.h"

#define SCOPE_INVOICE \
	" i.contract_id IN " RB_SCOPE_IDS("$1", "$2") \
	" AND ($2 = 0 OR i.archived = 1)"

#define INVOICE_COLUMNS \
	"SELECT i.id, i.number, c.number, i.contract_number, i.archived," \
	" i.period_start, i.period_end, i.issued_on, i.due_on, i.status," \
	" i.volume_litres, i.amount_excl_tax_cents, i.vat_cents," \
	" i.total_cents"
#define INVOICE_NCOLS	14

enum invoices_sql {
	SQL_LIST,
	SQL_YEARS,
	SQL_CONTRACTS,
	SQL_GET,
	SQL_LINES,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_LIST] =
	INVOICE_COLUMNS
	" FROM" RB_SCOPE_FROM("$1", "$2")
	" JOIN invoices i ON i.contract_id = c.id"
	" WHERE" RB_SCOPE_MATCH " AND ($2 = 0 OR i.archived = 1)"
	" AND i.archived = $3"
	" AND ($4 = '' OR c.number = $4)"
	" AND i.issued_on >= $5 AND i.issued_on <= $6"
	" AND ($7 = 'any'"
	"  OR ($7 = 'paid' AND i.status = 'paid')"
	"  OR ($7 = 'direct_debit' AND i.status = 'direct_debit')"
	"  OR ($7 = 'to_pay' AND i.status = 'to_pay' AND i.due_on >= $8)"
	"  OR ($7 = 'overdue' AND (i.status = 'overdue'"
	"   OR (i.status = 'to_pay' AND i.due_on < $8))))"
	" ORDER BY c.number, i.issued_on DESC, i.number DESC"
	" LIMIT $9",
	[SQL_YEARS] =
	"SELECT DISTINCT substr(i.issued_on, 1, 4)"
	" FROM" RB_SCOPE_FROM("$1", "$2")
	" JOIN invoices i ON i.contract_id = c.id"
	" WHERE" RB_SCOPE_MATCH " AND ($2 = 0 OR i.archived = 1)"
	" AND i.archived = $3"
	" ORDER BY 1 DESC",
	[SQL_CONTRACTS] =
	"SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune"
	" FROM" RB_SCOPE_FROM("$1", "$2") " WHERE" RB_SCOPE_MATCH
	" ORDER BY c.number",
	[SQL_GET] =
	INVOICE_COLUMNS ","
	" i.old_index_litres, i.old_read_on, i.old_read_kind,"
	" i.new_index_litres, i.new_read_on, i.new_read_kind,"
	" c.direct_debit, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune,"
	" cu.title, cu.last_name, cu.first_name, cu.address_line1,"
	" cu.address_line2, cu.postcode, cu.commune,"
	" i.debit_reject_code, i.debit_reject_reason,"
	" (SELECT MAX(d.updated_at) FROM sepa_debits d"
	"   WHERE d.invoice_id = i.id AND d.status = 'rejected'),"
	" (SELECT MIN(d.collection_date) FROM sepa_debits d"
	"   WHERE d.invoice_id = i.id AND d.status IN ('scheduled', 'exported'))"
	" FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	" JOIN customers cu ON cu.id = c.customer_id"
	" WHERE i.number = $3 AND" SCOPE_INVOICE,
	/* The lines of one bill; the invoice id comes from a scoped query. */
	[SQL_LINES] =
	"SELECT heading, tariff_code, label, period_start, period_end,"
	" quantity, quantity_unit, unit_price_c100, amount_excl_tax_cents,"
	" vat_rate_bp, vat_cents"
	" FROM invoice_lines WHERE invoice_id = $1 ORDER BY position, id",
};

/* The status filter's bound value, by enum rb_invoice_filter_status. */
static const char *const filter_names[RB_INVF__MAX] = {
	[RB_INVF_ANY] = "any",
	[RB_INVF_PAID] = "paid",
	[RB_INVF_TO_PAY] = "to_pay",
	[RB_INVF_DIRECT_DEBIT] = "direct_debit",
	[RB_INVF_OVERDUE] = "overdue",
};

static const char *const heading_names[RB_HEADING__MAX] = {
	[RB_HEADING_DISTRIBUTION] = "distribution",
	[RB_HEADING_SEWAGE] = "sewage",
	[RB_HEADING_PUBLIC_BODIES] = "public_bodies",
};

/* Reads the INVOICE_COLUMNS of the current row. */
static void
invoice_read(rb_stmt *st, struct rb_invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->inv_id = rb_stmt_int(st, 0);
	rb_store_copy(inv->inv_number, sizeof(inv->inv_number),
	    rb_stmt_text(st, 1));
	rb_store_copy(inv->inv_contract, sizeof(inv->inv_contract),
	    rb_stmt_text(st, 2));
	rb_store_copy(inv->inv_printed, sizeof(inv->inv_printed),
	    rb_stmt_text(st, 3));
	inv->inv_archived = rb_stmt_int(st, 4) != 0;
	rb_store_copy(inv->inv_period_start, sizeof(inv->inv_period_start),
	    rb_stmt_text(st, 5));
	rb_store_copy(inv->inv_period_end, sizeof(inv->inv_period_end),
	    rb_stmt_text(st, 6));
	rb_store_copy(inv->inv_issued_on, sizeof(inv->inv_issued_on),
	    rb_stmt_text(st, 7));
	rb_store_copy(inv->inv_due_on, sizeof(inv->inv_due_on),
	    rb_stmt_text(st, 8));
	rb_store_copy(inv->inv_status, sizeof(inv->inv_status),
	    rb_stmt_text(st, 9));
	inv->inv_volume_litres = rb_stmt_int(st, 10);
	inv->inv_excl_tax_cents = rb_stmt_int(st, 11);
	inv->inv_vat_cents = rb_stmt_int(st, 12);
	inv->inv_total_cents = rb_stmt_int(st, 13);
}

/* The invoices invoice_row() gathers. */
struct invoices {
	struct rb_invoice	*iv_v;
	size_t			 iv_len;
	size_t			 iv_cap;
};

static void
invoice_row(rb_stmt *st, void *arg)
{
	struct invoices *iv = arg;

	if (iv->iv_len == iv->iv_cap) {
		iv->iv_cap = iv->iv_cap == 0 ? 16 : iv->iv_cap * 2;
		iv->iv_v = rb_xrealloc(iv->iv_v,
		    iv->iv_cap * sizeof(*iv->iv_v));
	}
	invoice_read(st, &iv->iv_v[iv->iv_len++]);
}

int
rb_invoices_list(rb_db *db, const struct rb_scope *sc,
    const struct rb_invoice_filter *f, struct rb_invoice **out, size_t *n)
{
	struct invoices iv = { NULL, 0, 0 };
	char from[16], to[16];

	*out = NULL;
	*n = 0;
	if (f->if_status < 0 || f->if_status >= RB_INVF__MAX)
		return -1;
	if (f->if_year > 0) {
		snprintf(from, sizeof(from), "%04d-01-01", f->if_year % 10000);
		snprintf(to, sizeof(to), "%04d-12-31", f->if_year % 10000);
	} else {
		snprintf(from, sizeof(from), "0000-01-01");
		snprintf(to, sizeof(to), "9999-12-31");
	}
	if (rb_db_fetch_all(db, sql[SQL_LIST], RB_BINDS(
	    rb_int(sc->sc_account), rb_int(sc->sc_archive),
	    rb_int(f->if_archived ? 1 : 0),
	    rb_text(f->if_contract != NULL ? f->if_contract : ""),
	    rb_text(from), rb_text(to), rb_text(filter_names[f->if_status]),
	    rb_text(f->if_today != NULL ? f->if_today : "0000-01-01"),
	    rb_int(RB_INVOICES_MAX)), invoice_row, &iv) != 0) {
		free(iv.iv_v);
		return -1;
	}
	*out = iv.iv_v;
	*n = iv.iv_len;
	return 0;
}

/* The years year_row() gathers, at most ye_max. */
struct years {
	int	*ye_v;
	size_t	 ye_max;
	size_t	*ye_n;
};

static void
year_row(rb_stmt *st, void *arg)
{
	struct years *ye = arg;
	const char *y;

	if (*ye->ye_n < ye->ye_max && (y = rb_stmt_text(st, 0)) != NULL)
		ye->ye_v[(*ye->ye_n)++] = atoi(y);
}

int
rb_invoices_years(rb_db *db, const struct rb_scope *sc, int archived,
    int *years, size_t max, size_t *n)
{
	struct years ye = { years, max, n };

	*n = 0;
	return rb_db_fetch_all(db, sql[SQL_YEARS], RB_BINDS(
	    rb_int(sc->sc_account), rb_int(sc->sc_archive),
	    rb_int(archived ? 1 : 0)), year_row, &ye);
}

/* The contracts contract_row() gathers. */
struct contracts {
	struct rb_invoice_contract	*co_v;
	size_t				 co_len;
	size_t				 co_cap;
};

static void
contract_row(rb_stmt *st, void *arg)
{
	struct contracts *co = arg;
	struct rb_invoice_contract *r;

	if (co->co_len == co->co_cap) {
		co->co_cap = co->co_cap == 0 ? 4 : co->co_cap * 2;
		co->co_v = rb_xrealloc(co->co_v,
		    co->co_cap * sizeof(*co->co_v));
	}
	r = &co->co_v[co->co_len++];
	rb_store_copy(r->ic_number, sizeof(r->ic_number), rb_stmt_text(st, 0));
	rb_store_copy(r->ic_old_number, sizeof(r->ic_old_number),
	    rb_stmt_text(st, 1));
	rb_store_copy(r->ic_address, sizeof(r->ic_address),
	    rb_stmt_text(st, 2));
	rb_store_copy(r->ic_postcode, sizeof(r->ic_postcode),
	    rb_stmt_text(st, 3));
	rb_store_copy(r->ic_commune, sizeof(r->ic_commune),
	    rb_stmt_text(st, 4));
}

int
rb_invoices_contracts(rb_db *db, const struct rb_scope *sc,
    struct rb_invoice_contract **out, size_t *n)
{
	struct contracts co = { NULL, 0, 0 };

	*out = NULL;
	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_CONTRACTS], RB_BINDS(
	    rb_int(sc->sc_account), rb_int(sc->sc_archive)), contract_row,
	    &co) != 0) {
		free(co.co_v);
		return -1;
	}
	*out = co.co_v;
	*n = co.co_len;
	return 0;
}

/* Reads the reading at columns col (index), col + 1 (date), col + 2. */
static void
reading_read(rb_stmt *st, int col, struct rb_invoice_reading *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->rd_known = !rb_stmt_is_null(st, col);
	rd->rd_index_litres = rb_stmt_int(st, col);
	rb_store_copy(rd->rd_date, sizeof(rd->rd_date),
	    rb_stmt_text(st, col + 1));
	rb_store_copy(rd->rd_kind, sizeof(rd->rd_kind),
	    rb_stmt_text(st, col + 2));
}

static int
heading_parse(const char *s, enum rb_invoice_heading *out)
{
	int i;

	for (i = 0; i < RB_HEADING__MAX; i++)
		if (s != NULL && strcmp(s, heading_names[i]) == 0) {
			*out = (enum rb_invoice_heading)i;
			return 0;
		}
	return -1;
}

/* Where line_row() appends the lines of an invoice. */
struct lines {
	struct rb_invoice_full	*li_inv;
	size_t			 li_cap;
};

static void
line_row(rb_stmt *st, void *arg)
{
	struct lines *li = arg;
	struct rb_invoice_full *out = li->li_inv;
	struct rb_invoice_line *l;

	if (out->if_nlines == li->li_cap) {
		li->li_cap = li->li_cap == 0 ? 16 : li->li_cap * 2;
		out->if_lines = rb_xrealloc(out->if_lines,
		    li->li_cap * sizeof(*out->if_lines));
	}
	l = &out->if_lines[out->if_nlines];
	memset(l, 0, sizeof(*l));
	if (heading_parse(rb_stmt_text(st, 0), &l->il_heading) != 0) {
		log_warnx("%s: invoice %s: unknown heading", __func__,
		    out->if_inv.inv_number);
		return;
	}
	rb_store_copy(l->il_code, sizeof(l->il_code), rb_stmt_text(st, 1));
	rb_store_copy(l->il_label, sizeof(l->il_label), rb_stmt_text(st, 2));
	rb_store_copy(l->il_period_start, sizeof(l->il_period_start),
	    rb_stmt_text(st, 3));
	rb_store_copy(l->il_period_end, sizeof(l->il_period_end),
	    rb_stmt_text(st, 4));
	l->il_quantity = rb_stmt_int(st, 5);
	l->il_per_day = rb_stmt_text(st, 6) != NULL &&
	    strcmp(rb_stmt_text(st, 6), "day") == 0;
	l->il_unit_price_c100 = rb_stmt_int(st, 7);
	l->il_excl_tax_cents = rb_stmt_int(st, 8);
	l->il_vat_rate_bp = (int)rb_stmt_int(st, 9);
	l->il_vat_cents = rb_stmt_int(st, 10);
	out->if_nlines++;
}

/* Reads the row of SQL_GET into the struct rb_invoice_full arg. */
static void
invoice_full_row(rb_stmt *st, void *arg)
{
	struct rb_invoice_full *out = arg;
	const int c = INVOICE_NCOLS;

	invoice_read(st, &out->if_inv);
	reading_read(st, c, &out->if_old);
	reading_read(st, c + 3, &out->if_new);
	out->if_direct_debit = rb_stmt_int(st, c + 6) != 0;
	rb_store_copy(out->if_old_contract, sizeof(out->if_old_contract),
	    rb_stmt_text(st, c + 7));
	rb_store_copy(out->if_service_address,
	    sizeof(out->if_service_address), rb_stmt_text(st, c + 8));
	rb_store_copy(out->if_service_postcode,
	    sizeof(out->if_service_postcode), rb_stmt_text(st, c + 9));
	rb_store_copy(out->if_service_commune,
	    sizeof(out->if_service_commune), rb_stmt_text(st, c + 10));
	rb_store_copy(out->if_title, sizeof(out->if_title),
	    rb_stmt_text(st, c + 11));
	rb_store_copy(out->if_last_name, sizeof(out->if_last_name),
	    rb_stmt_text(st, c + 12));
	rb_store_copy(out->if_first_name, sizeof(out->if_first_name),
	    rb_stmt_text(st, c + 13));
	rb_store_copy(out->if_address1, sizeof(out->if_address1),
	    rb_stmt_text(st, c + 14));
	rb_store_copy(out->if_address2, sizeof(out->if_address2),
	    rb_stmt_text(st, c + 15));
	rb_store_copy(out->if_postcode, sizeof(out->if_postcode),
	    rb_stmt_text(st, c + 16));
	rb_store_copy(out->if_commune, sizeof(out->if_commune),
	    rb_stmt_text(st, c + 17));
	rb_store_copy(out->if_reject_code, sizeof(out->if_reject_code),
	    rb_stmt_text(st, c + 18));
	rb_store_copy(out->if_reject_reason, sizeof(out->if_reject_reason),
	    rb_stmt_text(st, c + 19));
	out->if_rejected_at = rb_stmt_int(st, c + 20);
	rb_store_copy(out->if_debit_on, sizeof(out->if_debit_on),
	    rb_stmt_text(st, c + 21));
}

int
rb_invoice_get(rb_db *db, const struct rb_scope *sc, const char *number,
    struct rb_invoice_full *out)
{
	struct lines li = { out, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_GET], RB_BINDS(rb_int(sc->sc_account),
	    rb_int(sc->sc_archive), rb_text(number)), invoice_full_row, out);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	if (rb_db_fetch_all(db, sql[SQL_LINES],
	    RB_BINDS(rb_int(out->if_inv.inv_id)), line_row, &li) != 0) {
		rb_invoice_full_free(out);
		return -1;
	}
	return 0;
}

void
rb_invoice_full_free(struct rb_invoice_full *inv)
{
	free(inv->if_lines);
	inv->if_lines = NULL;
	inv->if_nlines = 0;
}
