/*
 * pay.h: paying bills by card (no HTTP, no SQL): making an order for
 * one bill or all the due bills of a contract, reading the provider's
 * notification (IPN), the only proof of payment, and showing an order's
 * state when the browser comes back, which proves nothing.
 *
 * Rules:
 *  - A bill may be paid online while it is to pay or overdue and
 *    something is owed: its total minus its succeeded payments. An
 *    order asks for exactly what is owed when it is made.
 *  - While an order is pending it holds its bills: another order for
 *    them (a second browser tab, a double click) is refused with
 *    RB_TOO_MANY until the provider settles the first one, or until it
 *    is psp_order_ttl seconds old (it is then marked abandoned). So two
 *    tabs can never send the same bill to the payment page at once.
 *  - A notification is believed only when signed with the shop key, for
 *    a known order, with the order's amount and currency. Applying it is
 *    idempotent: an order pays its bills once (unique index), a replay
 *    changes nothing and is answered 200 so that the provider stops
 *    retrying. A success arriving after a refusal or an abandonment is
 *    still recorded (the money was taken).
 *  - After a success: payments rows, bills paid once covered, an audit
 *    row, and a receipt email to the payer. Refused or abandoned: the
 *    bills stay due and are released at once.
 */
#ifndef RB_APP_PAY_H
#define RB_APP_PAY_H

#include <time.h>

#include <jansson.h>

#include "app/psp.h"
#include "app/rc.h"
#include "base/form.h"
#include "store/db.h"
#include "store/scope.h"

/* What the use cases need besides the scope. Strings are borrowed. */
struct rb_pay_ctx {
	rb_db			*pc_db;
	time_t			 pc_now;
	const struct rb_psp_cfg	*pc_psp;
	int			 pc_order_ttl;	/* seconds */
	const char		*pc_ip;		/* for logs and audit, or NULL */
};

/*
 * Makes an order for bill `number` (normalised) or, when number is NULL
 * or "", for every payable bill of contract number `contract`, within
 * sc; email is where the receipt goes ("" for none). *out = {"page_url",
 * "fields": [{"name", "value"}], "reference", "amount", "bills":
 * [{"number", "amount"}], "several"}, owned by the caller. Returns
 * RB_OK; RB_NOT_FOUND when the bill or contract is not in scope;
 * RB_NO_BILL when nothing is owed on it; RB_TOO_MANY when another order
 * in progress holds it (or, for a contract, all of its bills);
 * RB_INVALID when card payment is not configured; RB_ERROR. On any
 * other value than RB_OK, *out is NULL.
 */
enum rb_rc rb_pay_start(const struct rb_pay_ctx *ctx,
		    const struct rb_scope *sc, const char *number,
		    const char *contract, const char *email, json_t **out);

/* How a notification was answered. */
struct rb_pay_notice_out {
	const char	*pn_why;	/* English, for the log and the
					   provider: "paid", "replay", … */
	int		 pn_conflict;	/* RB_INVALID: amount, currency or
					   order do not match (not malformed) */
};

/*
 * Applies a notification (the fields of its POST body). Returns RB_OK
 * (applied, or a replay: nothing changed); RB_INVALID when malformed
 * or, with pn_conflict, not matching the order; RB_DENIED for a wrong
 * signature, shop or mode; RB_NOT_FOUND for an unknown order; RB_ERROR.
 * Every refusal is logged (rate-limited, base/logrl.h) with its reason.
 */
enum rb_rc rb_pay_notify(const struct rb_pay_ctx *ctx,
		    const struct rb_form *body, struct rb_pay_notice_out *out);

/*
 * The state of order ref made within sc, from the database: *out =
 * {"reference", "amount", "state" ("succeeded", "refused", "abandoned"
 * or "pending"), "succeeded", "refused", "abandoned", "pending"
 * (booleans), "bills": [{"number", "url", "amount", "status"}]}, owned
 * by the caller. Returns RB_OK, RB_NOT_FOUND (unknown or another
 * scope's) or RB_ERROR.
 */
enum rb_rc rb_pay_order_view(const struct rb_pay_ctx *ctx,
		    const struct rb_scope *sc, const char *ref, json_t **out);

/*
 * 1 when ref has the shape of an order reference ("CB" and 16
 * upper-case hex digits), 0 otherwise.
 */
int		 rb_pay_ref_valid(const char *ref);

#endif
