/*
 * pay.c: paying bills by card (see pay.h): orders, notifications and
 * the state shown on return.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/pay.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/logrl.h"
#include "base/money.h"
#include "mail/mail.h"
#include "store/audit.h"
#include "store/invoices.h"
#include "store/payments.h"

#define REF_PREFIX	"CB"
#define REF_HEX		16

int
rb_pay_ref_valid(const char *ref)
{
	size_t i;

	if (ref == NULL || strncmp(ref, REF_PREFIX, 2) != 0)
		return 0;
	for (i = 0; i < REF_HEX; i++)
		if (!((ref[2 + i] >= '0' && ref[2 + i] <= '9') ||
		    (ref[2 + i] >= 'A' && ref[2 + i] <= 'F')))
			return 0;
	return ref[2 + REF_HEX] == '\0';
}

static void
new_ref(char out[40])
{
	unsigned char r[REF_HEX / 2];
	size_t i;

	randombytes_buf(r, sizeof(r));
	memcpy(out, REF_PREFIX, 2);
	for (i = 0; i < sizeof(r); i++)
		snprintf(out + 2 + 2 * i, 3, "%02X", r[i]);
}

static json_t *
jmoney(int64_t cents)
{
	char s[64];

	rb_money_fr(cents, s, sizeof(s));
	return json_string(s);
}

/* ---------------------------------------------------------------- start */

/* Inserts the order and its items; RB_TOO_MANY when a hold is taken. */
static enum rb_rc
order_make(const struct rb_pay_ctx *ctx, const struct rb_scope *sc,
    const struct rb_payable *ps, size_t n, const char *email,
    struct rb_pay_order *o)
{
	size_t i;
	int rc;

	memset(o, 0, sizeof(*o));
	snprintf(o->po_provider, sizeof(o->po_provider), "%s",
	    rb_psp_provider()->pp_name);
	o->po_account_id = sc->sc_account;
	o->po_archive_contract_id = sc->sc_archive;
	o->po_contract_id = ps[0].pb_contract_id;
	for (i = 0; i < n; i++)
		o->po_amount_cents += ps[i].pb_owed_cents;
	snprintf(o->po_currency, sizeof(o->po_currency), "%s",
	    RB_PSP_CURRENCY);
	snprintf(o->po_email, sizeof(o->po_email), "%s", email);
	o->po_created_at = ctx->pc_now;
	o->po_expires_at = ctx->pc_now + ctx->pc_order_ttl;
	do {
		new_ref(o->po_ref);
		rc = rb_pay_order_insert(ctx->pc_db, o);
	} while (rc == RB_CONSTRAINT);	/* 2^-64: never, but cheap */
	if (rc != 0)
		return RB_ERROR;
	for (i = 0; i < n; i++) {
		rc = rb_pay_item_insert(ctx->pc_db, o->po_id,
		    ps[i].pb_invoice_id, ps[i].pb_owed_cents);
		if (rc == RB_CONSTRAINT)
			return RB_TOO_MANY;
		if (rc != 0)
			return RB_ERROR;
	}
	return RB_OK;
}

/* RB_NO_BILL when the bill or contract is in scope, else RB_NOT_FOUND. */
static enum rb_rc
in_scope(rb_db *db, const struct rb_scope *sc, const char *number,
    const char *contract)
{
	struct rb_invoice_contract *cs = NULL;
	struct rb_invoice_full b;
	enum rb_rc rc = RB_NOT_FOUND;
	size_t n = 0, i;
	int r;

	if (number[0] != '\0') {
		if ((r = rb_invoice_get(db, sc, number, &b)) < 0)
			return RB_ERROR;
		if (r == 0)
			rb_invoice_full_free(&b);
		return r == 0 ? RB_NO_BILL : RB_NOT_FOUND;
	}
	if (rb_invoices_contracts(db, sc, &cs, &n) != 0)
		return RB_ERROR;
	for (i = 0; i < n; i++)
		if (strcmp(cs[i].ic_number, contract) == 0)
			rc = RB_NO_BILL;
	free(cs);
	return rc;
}

/* One try of rb_pay_start() inside its transaction. */
struct pay_start {
	const struct rb_pay_ctx	*ps_ctx;
	const struct rb_scope	*ps_sc;
	const char		*ps_number, *ps_contract, *ps_email_in;
	const char		*ps_email;	/* out: typed or on file */
	char			 ps_file_email[256];
	struct rb_payable	*ps_ps;		/* out: the bills ordered */
	size_t			 ps_n;
	struct rb_pay_order	 ps_o;
	enum rb_rc		 ps_rc;
};

/*
 * Expires old orders, lists what is owed and orders the bills no order
 * holds. Returns 0 (commit) with ps_rc RB_OK, 1 with another ps_rc
 * (rolled back) or -1.
 */
static int
pay_start_try(rb_db *db, void *arg)
{
	struct pay_start *t = arg;
	const struct rb_pay_ctx *ctx = t->ps_ctx;
	const struct rb_scope *sc = t->ps_sc;
	const char *number = t->ps_number, *contract = t->ps_contract;
	struct rb_payable *ps;
	size_t n, i, k;

	free(t->ps_ps);
	t->ps_ps = NULL;
	t->ps_n = 0;
	t->ps_email = t->ps_email_in;
	if (rb_pay_expire(db, ctx->pc_now) != 0 ||
	    rb_payables(db, sc, number[0] ? number : "",
	    number[0] ? "" : contract, ctx->pc_now, &t->ps_ps, &t->ps_n) != 0)
		return -1;
	ps = t->ps_ps;
	n = t->ps_n;
	if (n == 0) {
		/* Nothing owed, or not in scope: only what the scope sees
		   may be told apart from what does not exist. */
		t->ps_rc = in_scope(db, sc, number, contract);
		return t->ps_rc == RB_ERROR ? -1 : 1;
	}
	/* An archive visitor has no space: the address on file. */
	if (t->ps_email[0] == '\0' && sc->sc_archive != 0) {
		if (rb_pay_contract_email(db, ps[0].pb_contract_id,
		    t->ps_file_email, sizeof(t->ps_file_email)) != 0)
			return -1;
		t->ps_email = t->ps_file_email;
	}
	/* Bills held by an order in progress stay out of a new one. */
	for (i = k = 0; i < n; i++)
		if (!ps[i].pb_held)
			ps[k++] = ps[i];
	t->ps_n = k;
	if (k == 0) {
		t->ps_rc = RB_TOO_MANY;
		return 1;
	}
	if ((t->ps_rc = order_make(ctx, sc, ps, k, t->ps_email, &t->ps_o)) !=
	    RB_OK)
		return t->ps_rc == RB_ERROR ? -1 : 1;
	if (rb_audit(db, ctx->pc_now, sc->sc_account ?
	    RB_ACTOR_SUBSCRIBER : RB_ACTOR_ANONYMOUS, sc->sc_account,
	    "payment.order", t->ps_o.po_ref, ctx->pc_ip, NULL) != 0)
		return -1;
	return 0;
}

enum rb_rc
rb_pay_start(const struct rb_pay_ctx *ctx, const struct rb_scope *sc,
    const char *number, const char *contract, const char *email,
    json_t **out)
{
	struct pay_start t;
	struct rb_payable *ps;
	struct rb_pay_order o;
	struct rb_psp_order po;
	enum rb_rc rc = RB_ERROR;
	json_t *fields, *bills;
	size_t i, k;
	int r;

	*out = NULL;
	if (email == NULL)
		email = "";
	if (!rb_psp_enabled(ctx->pc_psp))
		return RB_INVALID;
	if (number == NULL)
		number = "";
	if (contract == NULL)
		contract = "";
	if (number[0] == '\0' && contract[0] == '\0')
		return RB_NOT_FOUND;
	memset(&t, 0, sizeof(t));
	t.ps_ctx = ctx;
	t.ps_sc = sc;
	t.ps_number = number;
	t.ps_contract = contract;
	t.ps_email_in = email;
	r = rb_db_transact(ctx->pc_db, pay_start_try, &t);
	ps = t.ps_ps;
	if (r != 0) {
		rc = r > 0 ? t.ps_rc : RB_ERROR;
		goto out;
	}
	k = t.ps_n;
	o = t.ps_o;
	email = t.ps_email;
	po.po_id = o.po_id;
	po.po_ref = o.po_ref;
	po.po_amount_cents = o.po_amount_cents;
	po.po_email = email[0] ? email : NULL;
	po.po_created = ctx->pc_now;
	if ((fields = rb_psp_provider()->pp_form(ctx->pc_psp, &po)) == NULL) {
		rc = RB_ERROR;
		goto out;
	}
	bills = json_array();
	for (i = 0; i < k; i++)
		json_array_append_new(bills, json_pack("{s:s, s:o}", "number",
		    ps[i].pb_number, "amount", jmoney(ps[i].pb_owed_cents)));
	*out = json_pack("{s:s, s:o, s:s, s:o, s:o, s:b}", "page_url",
	    ctx->pc_psp->pc_page_url, "fields", fields, "reference", o.po_ref,
	    "amount", jmoney(o.po_amount_cents), "bills", bills, "several",
	    k > 1);
	rc = RB_OK;
out:
	free(ps);
	return rc;
}

/* -------------------------------------------------------- notification */

static const char *const status_names[RB_PSP__MAX] = {
	[RB_PSP_SUCCEEDED] = "succeeded",
	[RB_PSP_REFUSED] = "refused",
	[RB_PSP_ABANDONED] = "abandoned",
	[RB_PSP_PENDING] = "pending",
};

/* The receipt email; a refused address is logged, never fatal. */
static int
receipt(const struct rb_pay_ctx *ctx, const struct rb_pay_order *o,
    const struct rb_pay_item *items, size_t n)
{
	char amount[64], date[64];
	json_t *data, *bills;
	struct rb_date d;
	size_t i;
	int rc;

	if (o->po_email[0] == '\0')
		return 0;
	bills = json_array();
	rb_money_fr(o->po_amount_cents, amount, sizeof(amount));
	rb_clock_today(ctx->pc_now, &d);
	rb_clock_fr_date(&d, date, sizeof(date));
	for (i = 0; i < n; i++) {
		char a[64];

		rb_money_fr(items[i].pi_amount_cents, a, sizeof(a));
		json_array_append_new(bills, json_pack("{s:s, s:s}", "number",
		    items[i].pi_number, "amount", a));
	}
	data = json_pack("{s:s, s:s, s:s, s:o, s:s}", "amount", amount,
	    "date", date, "reference", o->po_ref, "bills", bills, "link",
	    o->po_account_id ? "/mes-factures" : "/archives");
	rc = rb_mail_queue(ctx->pc_db, RB_MAIL_PAYMENT_RECEIPT, o->po_email,
	    data, ctx->pc_now);
	json_decref(data);
	if (rc != 0)
		log_warnx("payment %s: receipt not queued", o->po_ref);
	return 0;
}

/* Records a success: one payment per bill, bills paid once covered. */
static enum rb_rc
apply_success(const struct rb_pay_ctx *ctx, const struct rb_pay_order *o,
    const struct rb_psp_notice *pn, const char **why)
{
	struct rb_pay_item *items = NULL;
	size_t n = 0, i;
	int changed, rc;
	enum rb_rc out = RB_ERROR;

	rc = rb_pay_order_settle(ctx->pc_db, o->po_id, "succeeded",
	    pn->pn_provider_ref, ctx->pc_now, &changed);
	if (rc == RB_CONSTRAINT) {
		*why = "transaction id of another order";
		return RB_INVALID;
	}
	if (rc != 0)
		return RB_ERROR;
	if (!changed) {
		*why = "replay";
		return RB_OK;
	}
	if (rb_pay_items(ctx->pc_db, o->po_id, &items, &n) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* Owed is read before this payment: paid twice otherwise. */
		if (items[i].pi_owed_cents < items[i].pi_amount_cents)
			log_warnx("payment %s: bill %s overpaid by %lld cents "
			    "(refund to make)", o->po_ref, items[i].pi_number,
			    (long long)(items[i].pi_amount_cents -
			    items[i].pi_owed_cents));
		rc = rb_pay_record(ctx->pc_db, o->po_id, items[i].pi_invoice_id,
		    items[i].pi_amount_cents, o->po_provider,
		    pn->pn_provider_ref, ctx->pc_now);
		if (rc != 0)	/* a constraint here would be a bug */
			goto out;
	}
	if (rb_audit(ctx->pc_db, ctx->pc_now, RB_ACTOR_SYSTEM, 0,
	    "payment.succeeded", o->po_ref, ctx->pc_ip, NULL) != 0 ||
	    receipt(ctx, o, items, n) != 0)
		goto out;
	*why = "paid";
	out = RB_OK;
out:
	free(items);
	return out;
}

/*
 * Logs a refused notification. The aggregator of base/logrl.h keys on
 * the format, so each reason has a template of its own: one reason
 * repeated at will does not hide another.
 */
static void
refuse_log(const char *ip, const char *why)
{
#define REFUSED(w) \
	if (strcmp(why, w) == 0) { \
		rb_log_rl(RB_LOG_WARN, "rb_pay_notify", ip, \
		    "payment notification refused: " w); \
		return; \
	}
	REFUSED("repeated field")
	REFUSED("missing or overlong field")
	REFUSED("wrong signature")
	REFUSED("another shop or mode")
	REFUSED("malformed amount")
	REFUSED("unknown vads_trans_status")
	REFUSED("unknown order")
	REFUSED("amount differs from the order's")
	REFUSED("currency differs from the order's")
	REFUSED("transaction id of another order")
#undef REFUSED
	rb_log_rl(RB_LOG_WARN, "rb_pay_notify", ip,
	    "payment notification refused: %s", why);
}

/* One try of rb_pay_notify() inside its transaction. */
struct pay_notify {
	const struct rb_pay_ctx		*pt_ctx;
	const struct rb_psp_notice	*pt_pn;
	struct rb_pay_order		 pt_o;
	const char			*pt_why;
	int				 pt_conflict;
	enum rb_rc			 pt_rc;
};

/*
 * Applies the notice to its order: 0 (commit), 1 when refused (pt_rc,
 * pt_why; rolled back) or -1. Two notices of one payment at once (the
 * PSP retries) both settle the order: PostgreSQL refuses one, whose
 * next try finds it settled ("replay").
 */
static int
pay_notify_try(rb_db *db, void *arg)
{
	struct pay_notify *t = arg;
	const struct rb_pay_ctx *ctx = t->pt_ctx;
	const struct rb_psp_notice *pn = t->pt_pn;
	struct rb_pay_order *o = &t->pt_o;
	char action[40];
	int changed, r;

	t->pt_why = NULL;
	t->pt_conflict = 0;
	t->pt_rc = RB_ERROR;
	if ((r = rb_pay_order_by_ref(db, pn->pn_ref, o)) < 0)
		return -1;
	if (r > 0) {
		t->pt_why = "unknown order";
		t->pt_rc = RB_NOT_FOUND;
		return 1;
	}
	if (pn->pn_amount_cents != o->po_amount_cents ||
	    strcmp(pn->pn_currency, o->po_currency) != 0) {
		t->pt_why = pn->pn_amount_cents != o->po_amount_cents ?
		    "amount differs from the order's" :
		    "currency differs from the order's";
		t->pt_conflict = 1;
		t->pt_rc = RB_INVALID;
		return 1;
	}
	switch (pn->pn_status) {
	case RB_PSP_SUCCEEDED:
		t->pt_rc = apply_success(ctx, o, pn, &t->pt_why);
		if (t->pt_rc == RB_INVALID) {
			t->pt_conflict = 1;
			return 1;
		}
		if (t->pt_rc != RB_OK)
			return -1;
		break;
	case RB_PSP_REFUSED:
	case RB_PSP_ABANDONED:
		r = rb_pay_order_settle(db, o->po_id,
		    status_names[pn->pn_status], pn->pn_provider_ref,
		    ctx->pc_now, &changed);
		if (r == RB_CONSTRAINT) {
			t->pt_why = "transaction id of another order";
			t->pt_conflict = 1;
			t->pt_rc = RB_INVALID;
			return 1;
		}
		if (r != 0)
			return -1;
		snprintf(action, sizeof(action), "payment.%s",
		    status_names[pn->pn_status]);
		if (changed && rb_audit(db, ctx->pc_now,
		    RB_ACTOR_SYSTEM, 0, action, o->po_ref, ctx->pc_ip,
		    NULL) != 0)
			return -1;
		t->pt_why = changed ? status_names[pn->pn_status] : "replay";
		break;
	default:
		t->pt_why = "pending";
		break;
	}
	t->pt_rc = RB_OK;
	return 0;
}

enum rb_rc
rb_pay_notify(const struct rb_pay_ctx *ctx, const struct rb_form *body,
    struct rb_pay_notice_out *out)
{
	struct rb_psp_notice pn;
	struct pay_notify t;
	enum rb_psp_check chk;
	const char *why = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	chk = rb_psp_provider()->pp_notice(ctx->pc_psp, body, &pn, &why);
	if (chk != RB_PSPC_OK) {
		out->pn_why = why;
		refuse_log(ctx->pc_ip, why);
		return chk == RB_PSPC_MALFORMED ? RB_INVALID : RB_DENIED;
	}
	memset(&t, 0, sizeof(t));
	t.pt_ctx = ctx;
	t.pt_pn = &pn;
	if ((r = rb_db_transact(ctx->pc_db, pay_notify_try, &t)) < 0)
		return RB_ERROR;
	out->pn_why = t.pt_why;
	if (r > 0) {
		out->pn_conflict = t.pt_conflict;
		refuse_log(ctx->pc_ip, t.pt_why);
		return t.pt_rc;
	}
	log_info("payment %s: notification %s (%s)", t.pt_o.po_ref,
	    pn.pn_raw_status, t.pt_why);
	return RB_OK;
}

/* --------------------------------------------------------------- view */

enum rb_rc
rb_pay_order_view(const struct rb_pay_ctx *ctx, const struct rb_scope *sc,
    const char *ref, json_t **out)
{
	struct rb_pay_item *items = NULL;
	struct rb_pay_order o;
	enum rb_rc rc = RB_ERROR;
	const char *state;
	json_t *bills;
	size_t n = 0, i;
	int r;

	*out = NULL;
	if (!rb_pay_ref_valid(ref))
		return RB_NOT_FOUND;
	if (rb_db_begin_read(ctx->pc_db) != 0)
		return RB_ERROR;
	if ((r = rb_pay_order_in_scope(ctx->pc_db, sc, ref, &o)) != 0) {
		rc = r > 0 ? RB_NOT_FOUND : RB_ERROR;
		goto out;
	}
	if (rb_pay_items(ctx->pc_db, o.po_id, &items, &n) != 0)
		goto out;
	state = o.po_status;
	/* Past its holds, a pending order will not be paid any more. */
	if (strcmp(state, "pending") == 0 && o.po_expires_at < ctx->pc_now)
		state = "abandoned";
	bills = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(bills, json_pack("{s:s, s:s+, s:o, s:b}",
		    "number", items[i].pi_number, "url", "/mes-factures/",
		    items[i].pi_number, "amount",
		    jmoney(items[i].pi_amount_cents), "paid",
		    strcmp(items[i].pi_status, "paid") == 0));
	*out = json_pack("{s:s, s:o, s:s, s:b, s:b, s:b, s:b, s:o}",
	    "reference", o.po_ref, "amount", jmoney(o.po_amount_cents),
	    "state", state, "succeeded", strcmp(state, "succeeded") == 0,
	    "refused", strcmp(state, "refused") == 0, "abandoned",
	    strcmp(state, "abandoned") == 0, "pending",
	    strcmp(state, "pending") == 0, "bills", bills);
	rc = RB_OK;
out:
	free(items);
	if (rb_db_commit(ctx->pc_db) != 0 && rc == RB_OK) {
		json_decref(*out);
		*out = NULL;
		rc = RB_ERROR;
	}
	return rc;
}
