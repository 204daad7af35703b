/*
 * payments.c: SQL of card payment orders and payments (see payments.h).
 * Statements are one constant table; every value is bound.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/copy.h"
#include "store/payments.h"
#include "store/scope_sql.h"

#define OWED(inv)	RB_SQL_OWED(inv)

#define ORDER_COLUMNS \
	"SELECT id, reference, provider, COALESCE(account_id, 0)," \
	" COALESCE(archive_contract_id, 0), contract_id, amount_cents," \
	" currency, COALESCE(email, ''), status, COALESCE(provider_ref, '')," \
	" created_at, expires_at, COALESCE(settled_at, 0)" \
	" FROM payment_orders"

enum payments_sql {
	SQL_PAYABLE,
	SQL_CONTRACT_EMAIL,
	SQL_EXPIRE_ITEMS,
	SQL_EXPIRE_ORDERS,
	SQL_ORDER_INSERT,
	SQL_ITEM_INSERT,
	SQL_ORDER_BY_REF,
	SQL_ORDER_IN_SCOPE,
	SQL_ITEMS,
	SQL_SETTLE_SUCCESS,
	SQL_SETTLE_OTHER,
	SQL_RELEASE,
	SQL_PAYMENT_INSERT,
	SQL_MARK_PAID,
	SQL_OF_INVOICE,
	SQL_HELD,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_PAYABLE] =
	"SELECT i.id, i.number, c.id, c.number, i.total_cents, " OWED("i") ","
	" CASE WHEN EXISTS (SELECT 1 FROM payment_order_items h"
	"  JOIN payment_orders o ON o.id = h.order_id"
	"  WHERE h.invoice_id = i.id AND h.holds = 1"
	"  AND o.expires_at >= $5) THEN 1 ELSE 0 END"
	" FROM" RB_SCOPE_FROM("$1", "$2")
	" JOIN invoices i ON i.contract_id = c.id"
	" WHERE" RB_SCOPE_MATCH " AND ($2 = 0 OR i.archived = 1)"
	" AND i.status IN ('to_pay', 'overdue')"
	" AND ($3 = '' OR i.number = $3) AND ($4 = '' OR c.number = $4)"
	" AND " OWED("i") " > 0"
	" ORDER BY i.due_on, i.number",
	[SQL_CONTRACT_EMAIL] =
	"SELECT COALESCE(cu.email, '') FROM contracts c"
	" JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1",
	[SQL_EXPIRE_ITEMS] =
	"UPDATE payment_order_items SET holds = 0 WHERE holds = 1"
	" AND order_id IN (SELECT id FROM payment_orders"
	"  WHERE status = 'pending' AND expires_at < $1)",
	[SQL_EXPIRE_ORDERS] =
	"UPDATE payment_orders SET status = 'abandoned', settled_at = $1"
	" WHERE status = 'pending' AND expires_at < $1",
	[SQL_ORDER_INSERT] =
	"INSERT INTO payment_orders (reference, provider, account_id,"
	" archive_contract_id, contract_id, amount_cents, currency, email,"
	" status, created_at, expires_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)"
	" RETURNING id",
	[SQL_ITEM_INSERT] =
	"INSERT INTO payment_order_items (order_id, invoice_id, amount_cents)"
	" VALUES ($1, $2, $3)",
	[SQL_ORDER_BY_REF] = ORDER_COLUMNS " WHERE reference = $1",
	[SQL_ORDER_IN_SCOPE] = ORDER_COLUMNS " WHERE reference = $3"
	" AND ((account_id = $1 AND $1 <> 0)"
	"  OR (archive_contract_id = $2 AND $2 <> 0))",
	[SQL_ITEMS] =
	"SELECT i.id, i.number, it.amount_cents, " OWED("i") ", i.status"
	" FROM payment_order_items it JOIN invoices i ON i.id = it.invoice_id"
	" WHERE it.order_id = $1 ORDER BY i.number",
	[SQL_SETTLE_SUCCESS] =
	"UPDATE payment_orders SET status = 'succeeded',"
	" provider_ref = COALESCE($2, provider_ref), settled_at = $3"
	" WHERE id = $1 AND status <> 'succeeded'",
	[SQL_SETTLE_OTHER] =
	"UPDATE payment_orders SET status = $4,"
	" provider_ref = COALESCE($2, provider_ref), settled_at = $3"
	" WHERE id = $1 AND status = 'pending'",
	[SQL_RELEASE] =
	"UPDATE payment_order_items SET holds = 0 WHERE order_id = $1",
	[SQL_PAYMENT_INSERT] =
	"INSERT INTO payments (invoice_id, amount_cents, method, provider,"
	" provider_ref, status, created_at, order_id)"
	" VALUES ($1, $2, 'card', $3, $4, 'succeeded', $5, $6)",
	[SQL_MARK_PAID] =
	"UPDATE invoices SET status = 'paid' WHERE id = $1"
	" AND status IN ('to_pay', 'overdue') AND " OWED("invoices") " <= 0",
	[SQL_OF_INVOICE] =
	"SELECT amount_cents, method, created_at FROM payments"
	" WHERE invoice_id = $1 AND status = 'succeeded'"
	" ORDER BY created_at, id",
	[SQL_HELD] =
	"SELECT 1 FROM payment_order_items it"
	" JOIN payment_orders o ON o.id = it.order_id"
	" WHERE it.invoice_id = $1 AND it.holds = 1 AND o.status = 'pending'"
	" AND o.expires_at >= $2",
};

/* A growing array of rows of size `size`. */
struct rows {
	void	*r_data;
	size_t	 r_n;
	size_t	 r_cap;
	size_t	 r_size;
	void	(*r_read)(rb_stmt *, void *);
};

static void
rows_row(rb_stmt *st, void *arg)
{
	struct rows *r = arg;

	if (r->r_n == r->r_cap) {
		r->r_cap = r->r_cap ? r->r_cap * 2 : 8;
		r->r_data = rb_xrealloc(r->r_data, r->r_cap * r->r_size);
	}
	r->r_read(st, (char *)r->r_data + r->r_n * r->r_size);
	r->r_n++;
}

static int
fetch_rows(rb_db *db, const char *q, const struct rb_bind *b, size_t nb,
    struct rows *r, void **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (rb_db_fetch_all(db, q, b, nb, rows_row, r) != 0) {
		free(r->r_data);
		return -1;
	}
	*out = r->r_data;
	*n = r->r_n;
	return 0;
}

static void
payable_read(rb_stmt *st, void *arg)
{
	struct rb_payable *p = arg;

	memset(p, 0, sizeof(*p));
	p->pb_invoice_id = rb_stmt_int(st, 0);
	rb_store_copy(p->pb_number, sizeof(p->pb_number), rb_stmt_text(st, 1));
	p->pb_contract_id = rb_stmt_int(st, 2);
	rb_store_copy(p->pb_contract, sizeof(p->pb_contract),
	    rb_stmt_text(st, 3));
	p->pb_total_cents = rb_stmt_int(st, 4);
	p->pb_owed_cents = rb_stmt_int(st, 5);
	p->pb_held = rb_stmt_int(st, 6) != 0;
}

int
rb_payables(rb_db *db, const struct rb_scope *sc, const char *number,
    const char *contract, int64_t now, struct rb_payable **out, size_t *n)
{
	struct rows r = { NULL, 0, 0, sizeof(struct rb_payable),
	    payable_read };

	return fetch_rows(db, sql[SQL_PAYABLE], RB_BINDS(rb_int(sc->sc_account),
	    rb_int(sc->sc_archive), rb_text(number), rb_text(contract),
	    rb_int(now)), &r,
	    (void **)out, n);
}

static void
text_read(rb_stmt *st, void *arg)
{
	char *out = arg;

	rb_store_copy(out, 256, rb_stmt_text(st, 0));
}

int
rb_pay_contract_email(rb_db *db, int64_t contract_id, char *out,
    size_t outlen)
{
	char buf[256] = "";
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_CONTRACT_EMAIL],
	    RB_BINDS(rb_int(contract_id)), text_read, buf);
	rb_store_copy(out, outlen, rc == 0 ? buf : "");
	return rc < 0 ? -1 : 0;
}

int
rb_pay_expire(rb_db *db, int64_t now)
{
	if (rb_db_run(db, sql[SQL_EXPIRE_ITEMS], RB_BINDS(rb_int(now)),
	    NULL) != 0 ||
	    rb_db_run(db, sql[SQL_EXPIRE_ORDERS], RB_BINDS(rb_int(now)),
	    NULL) != 0)
		return -1;
	return 0;
}

int
rb_pay_order_insert(rb_db *db, struct rb_pay_order *o)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_ORDER_INSERT], RB_BINDS(
	    rb_text(o->po_ref), rb_text(o->po_provider),
	    o->po_account_id ? rb_int(o->po_account_id) : rb_null(),
	    o->po_archive_contract_id ? rb_int(o->po_archive_contract_id) :
	    rb_null(), rb_int(o->po_contract_id), rb_int(o->po_amount_cents),
	    rb_text(o->po_currency), rb_text_or_null(o->po_email),
	    rb_int(o->po_created_at), rb_int(o->po_expires_at)), rb_row_int,
	    &o->po_id);
	if (rc == RB_CONSTRAINT)
		return RB_CONSTRAINT;
	return rc == 0 ? 0 : -1;
}

int
rb_pay_item_insert(rb_db *db, int64_t order_id, int64_t invoice_id,
    int64_t amount_cents)
{
	return rb_db_run(db, sql[SQL_ITEM_INSERT], RB_BINDS(rb_int(order_id),
	    rb_int(invoice_id), rb_int(amount_cents)), NULL);
}

static void
order_read(rb_stmt *st, void *arg)
{
	struct rb_pay_order *o = arg;

	memset(o, 0, sizeof(*o));
	o->po_id = rb_stmt_int(st, 0);
	rb_store_copy(o->po_ref, sizeof(o->po_ref), rb_stmt_text(st, 1));
	rb_store_copy(o->po_provider, sizeof(o->po_provider),
	    rb_stmt_text(st, 2));
	o->po_account_id = rb_stmt_int(st, 3);
	o->po_archive_contract_id = rb_stmt_int(st, 4);
	o->po_contract_id = rb_stmt_int(st, 5);
	o->po_amount_cents = rb_stmt_int(st, 6);
	rb_store_copy(o->po_currency, sizeof(o->po_currency),
	    rb_stmt_text(st, 7));
	rb_store_copy(o->po_email, sizeof(o->po_email), rb_stmt_text(st, 8));
	rb_store_copy(o->po_status, sizeof(o->po_status), rb_stmt_text(st, 9));
	rb_store_copy(o->po_provider_ref, sizeof(o->po_provider_ref),
	    rb_stmt_text(st, 10));
	o->po_created_at = rb_stmt_int(st, 11);
	o->po_expires_at = rb_stmt_int(st, 12);
	o->po_settled_at = rb_stmt_int(st, 13);
}

int
rb_pay_order_by_ref(rb_db *db, const char *ref, struct rb_pay_order *out)
{
	int rc = rb_db_fetch_one(db, sql[SQL_ORDER_BY_REF],
	    RB_BINDS(rb_text(ref)), order_read, out);

	return rc < 0 ? -1 : rc;
}

int
rb_pay_order_in_scope(rb_db *db, const struct rb_scope *sc, const char *ref,
    struct rb_pay_order *out)
{
	int rc = rb_db_fetch_one(db, sql[SQL_ORDER_IN_SCOPE],
	    RB_BINDS(rb_int(sc->sc_account), rb_int(sc->sc_archive),
	    rb_text(ref)), order_read, out);

	return rc < 0 ? -1 : rc;
}

static void
item_read(rb_stmt *st, void *arg)
{
	struct rb_pay_item *it = arg;

	memset(it, 0, sizeof(*it));
	it->pi_invoice_id = rb_stmt_int(st, 0);
	rb_store_copy(it->pi_number, sizeof(it->pi_number),
	    rb_stmt_text(st, 1));
	it->pi_amount_cents = rb_stmt_int(st, 2);
	it->pi_owed_cents = rb_stmt_int(st, 3);
	rb_store_copy(it->pi_status, sizeof(it->pi_status),
	    rb_stmt_text(st, 4));
}

int
rb_pay_items(rb_db *db, int64_t order_id, struct rb_pay_item **out,
    size_t *n)
{
	struct rows r = { NULL, 0, 0, sizeof(struct rb_pay_item), item_read };

	return fetch_rows(db, sql[SQL_ITEMS], RB_BINDS(rb_int(order_id)), &r,
	    (void **)out, n);
}

int
rb_pay_order_settle(rb_db *db, int64_t id, const char *status,
    const char *provider_ref, int64_t now, int *changed)
{
	int64_t ch = 0;
	int rc;

	*changed = 0;
	if (strcmp(status, "succeeded") == 0)
		rc = rb_db_run(db, sql[SQL_SETTLE_SUCCESS], RB_BINDS(rb_int(id),
		    rb_text_or_null(provider_ref), rb_int(now)), &ch);
	else
		rc = rb_db_run(db, sql[SQL_SETTLE_OTHER], RB_BINDS(rb_int(id),
		    rb_text_or_null(provider_ref), rb_int(now),
		    rb_text(status)), &ch);
	if (rc != 0)
		return rc == RB_CONSTRAINT ? RB_CONSTRAINT : -1;
	if (ch > 0 && rb_db_run(db, sql[SQL_RELEASE], RB_BINDS(rb_int(id)),
	    NULL) != 0)
		return -1;
	*changed = ch > 0;
	return 0;
}

int
rb_pay_record(rb_db *db, int64_t order_id, int64_t invoice_id,
    int64_t amount_cents, const char *provider, const char *provider_ref,
    int64_t now)
{
	int rc;

	rc = rb_db_run(db, sql[SQL_PAYMENT_INSERT], RB_BINDS(rb_int(invoice_id),
	    rb_int(amount_cents), rb_text(provider),
	    rb_text_or_null(provider_ref), rb_int(now), rb_int(order_id)),
	    NULL);
	if (rc != 0)
		return rc == RB_CONSTRAINT ? RB_CONSTRAINT : -1;
	return rb_db_run(db, sql[SQL_MARK_PAID], RB_BINDS(rb_int(invoice_id)),
	    NULL) == 0 ? 0 : -1;
}

static void
payment_read(rb_stmt *st, void *arg)
{
	struct rb_payment_row *p = arg;

	memset(p, 0, sizeof(*p));
	p->pr_amount_cents = rb_stmt_int(st, 0);
	rb_store_copy(p->pr_method, sizeof(p->pr_method), rb_stmt_text(st, 1));
	p->pr_created_at = rb_stmt_int(st, 2);
}

int
rb_pay_of_invoice(rb_db *db, int64_t invoice_id, int64_t now,
    struct rb_payment_row **out, size_t *n, int *pending)
{
	struct rows r = { NULL, 0, 0, sizeof(struct rb_payment_row),
	    payment_read };
	int rc;

	*pending = 0;
	if (fetch_rows(db, sql[SQL_OF_INVOICE], RB_BINDS(rb_int(invoice_id)),
	    &r, (void **)out, n) != 0)
		return -1;
	rc = rb_db_fetch_one(db, sql[SQL_HELD], RB_BINDS(rb_int(invoice_id),
	    rb_int(now)), NULL, NULL);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*pending = rc == 0;
	return 0;
}
