/*
 * invoices.c: SQL of the bills of a subscriber's space (see invoices.h).
 *
 * Each statement repeats the scope condition of store/scope.h with $1 the
 * account and $2 the archive contract, both always bound. The list
 * page reads its whole set in one plain statement (index searches, no
 * temporary b-tree) and filters and sorts it in C
 * (rb_invoice_filter_match(), rb_invoices_set()): a space holds a few
 * contracts and two bills a year each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/copy.h"
#include "store/invoices.h"
#include "store/payments.h"
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
	SQL_SET,
	SQL_CONTRACTS,
	SQL_GET,
	SQL_LINES,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	/*
	 * The list page's set: no ORDER BY (sorted in C) and no filter
	 * (applied in C), so that the plan is index searches only and one
	 * read serves the list, its years and the bills to pay. What is
	 * owed and the hold are read for the bills to pay or overdue only
	 * (the same expressions as rb_payables(), store/payments.c); the
	 * hold as its end (at most one: the unique index
	 * payment_order_items_hold), so that the set knows until when it
	 * stands (is_held_until).
	 */
	[SQL_SET] =
	"SELECT c.id, c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune,"
	" i.id, i.number, i.contract_number, i.archived, i.period_start,"
	" i.period_end, i.issued_on, i.due_on, i.status, i.total_cents,"
	" CASE WHEN i.status IN ('to_pay', 'overdue') THEN "
	RB_SQL_OWED("i") " END,"
	" CASE WHEN i.status IN ('to_pay', 'overdue') THEN (SELECT"
	"  o.expires_at FROM payment_order_items h"
	"  JOIN payment_orders o ON o.id = h.order_id"
	"  WHERE h.invoice_id = i.id AND h.holds = 1 AND o.expires_at >= $3)"
	" END"
	" FROM" RB_SCOPE_FROM("$1", "$2")
	" LEFT JOIN invoices i ON i.contract_id = c.id"
	"  AND ($2 = 0 OR i.archived = 1)"
	" WHERE" RB_SCOPE_MATCH,
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
	"   WHERE d.invoice_id = i.id"
	"   AND d.status IN ('scheduled', 'exported')), c.id"
	" FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	" JOIN customers cu ON cu.id = c.customer_id"
	" WHERE i.number = $3 AND" SCOPE_INVOICE,
	/* The lines of one bill; the invoice id comes from a scoped query. */
	[SQL_LINES] =
	"SELECT heading, tariff_code, label, period_start, period_end,"
	" quantity, quantity_unit, unit_price_c100, amount_excl_tax_cents,"
	" vat_rate_bp, vat_cents"
	" FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
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

/* The set set_row() gathers, with the capacity of its arrays. */
struct set_read {
	struct rb_invoice_set	*sr_set;
	size_t			 sr_ccap;
	size_t			 sr_icap;
	int64_t			*sr_ids;	/* contract ids, by index */
};

static void
contract_copy(rb_stmt *st, int col, struct rb_invoice_contract *r)
{
	r->ic_id = 0;
	rb_store_copy(r->ic_number, sizeof(r->ic_number),
	    rb_stmt_text(st, col));
	rb_store_copy(r->ic_old_number, sizeof(r->ic_old_number),
	    rb_stmt_text(st, col + 1));
	rb_store_copy(r->ic_address, sizeof(r->ic_address),
	    rb_stmt_text(st, col + 2));
	rb_store_copy(r->ic_postcode, sizeof(r->ic_postcode),
	    rb_stmt_text(st, col + 3));
	rb_store_copy(r->ic_commune, sizeof(r->ic_commune),
	    rb_stmt_text(st, col + 4));
}

/* One row of SQL_SET: a contract (once), and its bill when not NULL. */
static void
set_row(rb_stmt *st, void *arg)
{
	struct set_read *sr = arg;
	struct rb_invoice_set *set = sr->sr_set;
	struct rb_invoice_item *it;
	struct rb_invoice *inv;
	int64_t cid = rb_stmt_int(st, 0);
	size_t k;

	/* The rows of one contract come together: look back from the last. */
	for (k = set->is_ncontracts; k > 0 && sr->sr_ids[k - 1] != cid; k--)
		;
	if (k == 0) {
		if (set->is_ncontracts == sr->sr_ccap) {
			sr->sr_ccap = sr->sr_ccap == 0 ? 4 : sr->sr_ccap * 2;
			set->is_contracts = rb_xrealloc(set->is_contracts,
			    sr->sr_ccap * sizeof(*set->is_contracts));
			sr->sr_ids = rb_xrealloc(sr->sr_ids,
			    sr->sr_ccap * sizeof(*sr->sr_ids));
		}
		sr->sr_ids[set->is_ncontracts] = cid;
		k = ++set->is_ncontracts;
		contract_copy(st, 1, &set->is_contracts[k - 1]);
		set->is_contracts[k - 1].ic_id = cid;
	}
	if (rb_stmt_is_null(st, 6))
		return;
	if (set->is_nitems == sr->sr_icap) {
		sr->sr_icap = sr->sr_icap == 0 ? 16 : sr->sr_icap * 2;
		set->is_items = rb_xrealloc(set->is_items,
		    sr->sr_icap * sizeof(*set->is_items));
	}
	it = &set->is_items[set->is_nitems++];
	inv = &it->it_inv;
	inv->inv_id = rb_stmt_int(st, 6);
	rb_store_copy(inv->inv_number, sizeof(inv->inv_number),
	    rb_stmt_text(st, 7));
	memcpy(inv->inv_contract, set->is_contracts[k - 1].ic_number,
	    sizeof(inv->inv_contract));
	rb_store_copy(inv->inv_printed, sizeof(inv->inv_printed),
	    rb_stmt_text(st, 8));
	inv->inv_archived = rb_stmt_int(st, 9) != 0;
	rb_store_copy(inv->inv_period_start, sizeof(inv->inv_period_start),
	    rb_stmt_text(st, 10));
	rb_store_copy(inv->inv_period_end, sizeof(inv->inv_period_end),
	    rb_stmt_text(st, 11));
	rb_store_copy(inv->inv_issued_on, sizeof(inv->inv_issued_on),
	    rb_stmt_text(st, 12));
	rb_store_copy(inv->inv_due_on, sizeof(inv->inv_due_on),
	    rb_stmt_text(st, 13));
	rb_store_copy(inv->inv_status, sizeof(inv->inv_status),
	    rb_stmt_text(st, 14));
	inv->inv_volume_litres = 0;
	inv->inv_excl_tax_cents = 0;
	inv->inv_vat_cents = 0;
	inv->inv_total_cents = rb_stmt_int(st, 15);
	it->it_owed_cents = rb_stmt_is_null(st, 16) ? 0 : rb_stmt_int(st, 16);
	it->it_payable = !rb_stmt_is_null(st, 16) && it->it_owed_cents > 0;
	if (!it->it_payable)
		it->it_owed_cents = 0;
	it->it_held = it->it_payable && !rb_stmt_is_null(st, 17);
	if (it->it_held && (set->is_held_until == 0 ||
	    rb_stmt_int(st, 17) < set->is_held_until))
		set->is_held_until = rb_stmt_int(st, 17);
}

static int
contract_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rb_invoice_contract *)a)->ic_number,
	    ((const struct rb_invoice_contract *)b)->ic_number);
}

/* By contract number, then issue date and number, both descending: the
 * order of the list (text compared byte by byte, as ORDER BY does on
 * SQLite and on PostgreSQL in the C collation). */
static int
item_cmp(const void *a, const void *b)
{
	const struct rb_invoice *x = &((const struct rb_invoice_item *)a)->it_inv;
	const struct rb_invoice *y = &((const struct rb_invoice_item *)b)->it_inv;
	int c;

	if ((c = strcmp(x->inv_contract, y->inv_contract)) != 0)
		return c;
	if ((c = strcmp(y->inv_issued_on, x->inv_issued_on)) != 0)
		return c;
	if ((c = strcmp(y->inv_number, x->inv_number)) != 0)
		return c;
	return x->inv_id < y->inv_id ? 1 : x->inv_id > y->inv_id ? -1 : 0;
}

int
rb_invoices_set(rb_db *db, const struct rb_scope *sc, int64_t now,
    struct rb_invoice_set *out)
{
	struct set_read sr = { out, 0, 0, NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_all(db, sql[SQL_SET], RB_BINDS(rb_int(sc->sc_account),
	    rb_int(sc->sc_archive), rb_int(now)), set_row, &sr);
	free(sr.sr_ids);
	if (rc != 0) {
		rb_invoice_set_free(out);
		return -1;
	}
	if (out->is_ncontracts > 1)
		qsort(out->is_contracts, out->is_ncontracts,
		    sizeof(*out->is_contracts), contract_cmp);
	if (out->is_nitems > 1)
		qsort(out->is_items, out->is_nitems, sizeof(*out->is_items),
		    item_cmp);
	return 0;
}

void
rb_invoice_set_free(struct rb_invoice_set *set)
{
	free(set->is_contracts);
	free(set->is_items);
	memset(set, 0, sizeof(*set));
}

int
rb_invoice_filter_match(const struct rb_invoice *inv,
    const struct rb_invoice_filter *f)
{
	const char *today = f->if_today != NULL ? f->if_today : "0000-01-01";
	const char *st = inv->inv_status;
	char from[16], to[16];

	if (inv->inv_archived != (f->if_archived ? 1 : 0))
		return 0;
	if (f->if_contract != NULL && f->if_contract[0] != '\0' &&
	    strcmp(inv->inv_contract, f->if_contract) != 0)
		return 0;
	if (f->if_year > 0) {
		snprintf(from, sizeof(from), "%04d-01-01", f->if_year % 10000);
		snprintf(to, sizeof(to), "%04d-12-31", f->if_year % 10000);
		if (strcmp(inv->inv_issued_on, from) < 0 ||
		    strcmp(inv->inv_issued_on, to) > 0)
			return 0;
	}
	switch (f->if_status) {
	case RB_INVF_ANY:
		return 1;
	case RB_INVF_PAID:
		return strcmp(st, "paid") == 0;
	case RB_INVF_DIRECT_DEBIT:
		return strcmp(st, "direct_debit") == 0;
	case RB_INVF_TO_PAY:
		return strcmp(st, "to_pay") == 0 &&
		    strcmp(inv->inv_due_on, today) >= 0;
	case RB_INVF_OVERDUE:
		return strcmp(st, "overdue") == 0 || (strcmp(st, "to_pay") == 0 &&
		    strcmp(inv->inv_due_on, today) < 0);
	default:
		return 0;
	}
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
	out->if_contract_id = rb_stmt_int(st, c + 22);
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
