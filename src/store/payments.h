/*
 * payments.h: card payment orders (payment_orders, payment_order_items)
 * and the payments they make (payments), see migration 0009.
 *
 * What a subscriber may pay is read within a scope (store/scope.h), like
 * the bills; an order is then found by its reference, for the
 * provider's notification (no scope: the signature proves the sender),
 * or by its reference within a scope, for the browser's return.
 */
#ifndef RB_STORE_PAYMENTS_H
#define RB_STORE_PAYMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/scope.h"

/*
 * What is still owed on bill `inv` (an SQL alias of invoices), as an SQL
 * expression: its total minus its succeeded payments. The one rule for
 * every owed amount the portal shows (bills, dashboard, payments).
 */
#define RB_SQL_OWED(inv) \
	"(" inv ".total_cents - COALESCE((SELECT SUM(p.amount_cents)" \
	" FROM payments p WHERE p.invoice_id = " inv ".id" \
	" AND p.status = 'succeeded'), 0))"

/* A bill that may be paid online: to pay or overdue, something owed. */
struct rb_payable {
	int64_t	pb_invoice_id;
	char	pb_number[32];
	int64_t	pb_contract_id;
	char	pb_contract[16];
	int64_t	pb_total_cents;
	int64_t	pb_owed_cents;		/* total - succeeded payments */
	int	pb_held;		/* a pending order holds it (one
					   whose holds have not ended at now) */
};

/*
 * The payable bills in scope: the one numbered `number` when not "",
 * else those of contract number `contract` when not "", else all, by
 * due date then number, into an array of *n rows the caller frees with
 * free() (NULL when none); held is judged at time now. Returns 0 or -1.
 */
int	rb_payables(rb_db *db, const struct rb_scope *sc, const char *number,
	    const char *contract, int64_t now, struct rb_payable **out,
	    size_t *n);

/* Email address on file for a contract's customer into out, or "". */
int	rb_pay_contract_email(rb_db *db, int64_t contract_id, char *out,
	    size_t outlen);

/*
 * Marks abandoned the pending orders whose holds ended before now and
 * releases their holds. Returns 0 or -1.
 */
int	rb_pay_expire(rb_db *db, int64_t now);

struct rb_pay_order {
	int64_t	po_id;
	char	po_ref[40];
	char	po_provider[16];
	int64_t	po_account_id;		/* 0 when none */
	int64_t	po_archive_contract_id;	/* 0 when none */
	int64_t	po_contract_id;
	int64_t	po_amount_cents;
	char	po_currency[8];
	char	po_email[256];		/* "" when none */
	char	po_status[16];		/* pending, succeeded, refused,
					   abandoned */
	char	po_provider_ref[72];
	int64_t	po_created_at;
	int64_t	po_expires_at;
	int64_t	po_settled_at;
};

/*
 * Inserts order o (po_id is set) in status pending. Returns 0,
 * RB_CONSTRAINT when the reference exists, -1 on error.
 */
int	rb_pay_order_insert(rb_db *db, struct rb_pay_order *o);
/*
 * Adds a bill to order_id, holding it. Returns 0, RB_CONSTRAINT when
 * another pending order holds the bill, -1 on error.
 */
int	rb_pay_item_insert(rb_db *db, int64_t order_id, int64_t invoice_id,
	    int64_t amount_cents);

/* The order with reference ref (any scope). 0, 1 when none, -1. */
int	rb_pay_order_by_ref(rb_db *db, const char *ref,
	    struct rb_pay_order *out);
/* The order with reference ref made within scope sc. 0, 1, -1. */
int	rb_pay_order_in_scope(rb_db *db, const struct rb_scope *sc,
	    const char *ref, struct rb_pay_order *out);

/* A bill of an order. */
struct rb_pay_item {
	int64_t	pi_invoice_id;
	char	pi_number[32];
	int64_t	pi_amount_cents;
	int64_t	pi_owed_cents;		/* now */
	char	pi_status[16];		/* the bill's status now */
};
/* The items of order_id, by bill number (free() *out). 0 or -1. */
int	rb_pay_items(rb_db *db, int64_t order_id, struct rb_pay_item **out,
	    size_t *n);

/*
 * Moves order id to status (with the provider's reference, or NULL to
 * keep it) unless it is already succeeded; releases its holds. Sets
 * *changed to 1 when the row changed. Returns 0, RB_CONSTRAINT when the
 * provider reference belongs to another order, -1 on error.
 */
int	rb_pay_order_settle(rb_db *db, int64_t id, const char *status,
	    const char *provider_ref, int64_t now, int *changed);

/*
 * Records the succeeded card payment of an order's item and marks the
 * bill paid once its payments cover its total. Returns 0, RB_CONSTRAINT
 * when that order already paid that bill, -1 on error.
 */
int	rb_pay_record(rb_db *db, int64_t order_id, int64_t invoice_id,
	    int64_t amount_cents, const char *provider,
	    const char *provider_ref, int64_t now);

/* A payment received, as the bill shows it. */
struct rb_payment_row {
	int64_t	pr_amount_cents;
	char	pr_method[16];
	int64_t	pr_created_at;
};
/*
 * The succeeded payments of invoice_id, oldest first (free() *out), and
 * in *pending whether a pending order holds it at time now. Returns 0
 * or -1.
 */
int	rb_pay_of_invoice(rb_db *db, int64_t invoice_id, int64_t now,
	    struct rb_payment_row **out, size_t *n, int *pending);

#endif
