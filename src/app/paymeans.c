/*
 * paymeans.c: "Mes moyens de paiement" (see paymeans.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/auth_priv.h"
#include "app/pagecache.h"
#include "app/paymeans.h"
#include "app/sepa.h"
#include "base/clock.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/money.h"
#include "mail/mail.h"
#include "sepa/reasons.h"
#include "store/accounts.h"
#include "store/sepa.h"

#define CONTRACTS_MAX	50

/* Finds contract `number` (NULL or "": the first) among the account's. */
static enum rb_rc
find_contract(const struct rb_auth_req *r, int64_t account,
    const char *number, struct rb_sepa_contract *all, int *n,
    struct rb_sepa_contract **out)
{
	int i;

	*out = NULL;
	if (rb_sepa_store_contracts_of(r->ar_db, account, all, CONTRACTS_MAX,
	    n) != 0)
		return RB_ERROR;
	for (i = 0; i < *n; i++)
		if (number == NULL || number[0] == '\0' ||
		    strcmp(all[i].sc_number, number) == 0) {
			*out = &all[i];
			return RB_OK;
		}
	return RB_NOT_FOUND;
}

static const char *
status_label(const struct rb_sepa_debit *d)
{
	if (strcmp(d->sd_status, "scheduled") == 0)
		return "prévu";
	if (strcmp(d->sd_status, "exported") == 0)
		return "transmis à la banque";
	if (strcmp(d->sd_status, "collected") == 0)
		return "prélevé";
	if (strcmp(d->sd_status, "rejected") == 0)
		return "refusé par la banque";
	return "annulé";
}

/* The plan part of the page: *plan (the active one, p, when rc is 0) or
 * *offer (may start). */
static int
plan_data(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
    int64_t contract, int has_mandate, const struct rb_sepa_plan *p, int rc,
    json_t **plan, json_t **offer)
{
	struct rb_sepa_plan_preview pv;
	char inst[RB_MONEY_MAX], basis[RB_MONEY_MAX];

	*plan = json_null();
	*offer = json_null();
	if (rc == 0) {
		rb_money_fr(p->sp_instalment_cents, inst, sizeof(inst));
		rb_money_fr(p->sp_basis_cents, basis, sizeof(basis));
		*plan = json_pack("{s:i, s:s, s:s}", "day", p->sp_day,
		    "instalment", inst, "basis", basis);
		return 0;
	}
	if (!has_mandate)
		return 0;
	switch (rb_sepa_plan_preview(r->ar_db, contract, 5,
	    c->pc_prenotice_days, r->ar_now, &pv)) {
	case RB_OK:
		rb_money_fr(pv.pv_instalment_cents, inst, sizeof(inst));
		rb_money_fr(pv.pv_basis_cents, basis, sizeof(basis));
		*offer = json_pack("{s:s, s:s}", "instalment", inst, "basis",
		    basis);
		return 0;
	case RB_NO_BILL:
		return 0;
	default:
		return -1;
	}
}

enum rb_rc
rb_pm_view(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
    int64_t account, const char *number, json_t **out)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	struct rb_sepa_mandate m;
	struct rb_sepa_plan p;
	struct rb_sepa_debit *d = NULL;
	char mask[RB_IBAN_MASK_MAX], date[RB_CLOCK_FR_MAX];
	char amount[RB_MONEY_MAX], what[80], today[11], from[11];
	struct rb_date t, f;
	json_t *contracts, *debits, *mandate = json_null(), *row;
	json_t *plan, *offer;
	size_t nd = 0, k;
	const char *param = number != NULL ? number : "";
	int64_t ids[CONTRACTS_MAX];
	uint64_t epoch;
	enum rb_rc rc;
	int n, i, has, has_plan;

	*out = NULL;
	/* Debits of the last 60 days and to come. */
	rb_clock_today(r->ar_now, &t);
	rb_clock_format_date(&t, today, sizeof(today));
	/* Kept for the account, the contract asked and today (the debits
	   to come, the plan's offer). */
	if ((*out = rb_pagecache_json(RB_PAGECACHE_PAYMEANS, account, today,
	    param, (int64_t)r->ar_now, &epoch)) != NULL)
		return RB_OK;
	if ((rc = find_contract(r, account, number, all, &n, &ct)) != RB_OK)
		return rc;
	rb_clock_date_add(&t, -60, &f);
	rb_clock_format_date(&f, from, sizeof(from));
	/* The contract's mandate, debits and plan: one batch, one round
	   trip, after the one that found the contract (they need its id). */
	if (rb_sepa_store_means(r->ar_db, ct->sc_id, from, &m, &has, &d, &nd,
	    &p, &has_plan) != 0)
		return RB_ERROR;
	contracts = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(contracts, json_pack("{s:s, s:s, s:b}",
		    "number", all[i].sc_number, "address", all[i].sc_address,
		    "current", &all[i] == ct));
	if (has == 0) {
		rb_iban_mask_last4(m.sm_iban_last4, mask);
		rb_clock_fr_iso(m.sm_signed_on, date, sizeof(date));
		mandate = json_pack("{s:s, s:s, s:s, s:s, s:s}", "rum",
		    m.sm_rum, "ics", c->pc_ics[0] != '\0' ? c->pc_ics :
		    "non renseigné", "holder", m.sm_holder, "iban", mask,
		    "signed_on", date);
	}
	debits = json_array();
	for (k = 0; k < nd; k++) {
		rb_clock_fr_iso(d[k].sd_collection, date, sizeof(date));
		rb_money_fr(d[k].sd_cents, amount, sizeof(amount));
		if (d[k].sd_invoice_number[0] != '\0')
			snprintf(what, sizeof(what), "Facture %s",
			    d[k].sd_invoice_number);
		else
			snprintf(what, sizeof(what), "Mensualité %d sur 10",
			    d[k].sd_instalment);
		row = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "date", date,
		    "amount", amount, "what", what, "status",
		    status_label(&d[k]), "to_come",
		    strcmp(d[k].sd_collection, today) >= 0, "reason",
		    d[k].sd_reject_code[0] != '\0' ? json_string(
		    rb_sepa_reason_fr(d[k].sd_reject_code)) : json_null());
		json_array_append_new(debits, row);
	}
	free(d);
	if (plan_data(r, c, ct->sc_id, has == 0, &p, has_plan, &plan,
	    &offer) != 0) {
		json_decref(debits);
		goto fail;
	}
	*out = json_pack("{s:o, s:{s:s, s:s}, s:b, s:o, s:b, s:o, s:s, s:b,"
	    " s:o, s:o}",
	    "contracts", contracts, "contract", "number", ct->sc_number,
	    "address", ct->sc_address, "direct_debit",
	    ct->sc_direct_debit && has == 0, "mandate", mandate, "has_debits",
	    nd > 0, "debits", debits, "ics", c->pc_ics,
	    "can_sign", c->pc_key != NULL, "plan", plan, "plan_offer", offer);
	if (*out == NULL)
		return RB_ERROR;
	for (i = 0; i < n; i++)
		ids[i] = all[i].sc_id;
	rb_pagecache_json_keep(RB_PAGECACHE_PAYMEANS, account, today, param,
	    *out, ids, (size_t)n, 0, epoch);
	return RB_OK;
fail:
	json_decref(contracts);
	json_decref(mandate);
	return RB_ERROR;
}

/* The hash of token ':' code into out (RB_TOKEN_HASH_LEN + 1). */
static void
code_hash(const char *token, const char *code, char *out)
{
	char both[RB_TOKEN_LEN + 16];

	snprintf(both, sizeof(both), "%s:%s", token, code);
	rb_token_hash(both, out);
	sodium_memzero(both, sizeof(both));
}

/* One try of the transactions of this file (rb_db_transact()). */
struct pm_txn {
	const struct rb_auth_req	*pt_r;
	const struct rb_account		*pt_acc;
	int64_t				 pt_account, pt_contract, pt_request;
	const char			*pt_number, *pt_target;
	const char			*pt_th, *pt_ch, *pt_holder, *pt_enc;
	const char			*pt_last4;
	const json_t			*pt_extra;
	const struct rb_sepa_mandate	*pt_m;
	const rb_buf			*pt_doc;
	int				 pt_signed;
};

/* Stores the signing request and queues the code's mail; 0 or -1. */
static int
request_add_try(rb_db *db, void *arg)
{
	const struct pm_txn *t = arg;
	const struct rb_auth_req *r = t->pt_r;

	return rb_sepa_store_request_add(db, t->pt_th, t->pt_ch,
	    t->pt_account, t->pt_contract, t->pt_holder, t->pt_enc,
	    t->pt_last4, r->ar_now, r->ar_now + RB_PM_CODE_TTL) != 0 ||
	    rb_auth_mail_with(r, RB_MAIL_SEPA_CODE, t->pt_acc->acc_email,
	    "/mes-moyens-de-paiement", NULL, t->pt_acc->acc_first_name,
	    t->pt_acc->acc_last_name, t->pt_extra) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, t->pt_account,
	    "sepa.mandate_code_sent", t->pt_target, NULL) != 0 ? -1 : 0;
}

/* Counts a wrong code; 0 or -1. */
static int
code_wrong_try(rb_db *db, void *arg)
{
	const struct pm_txn *t = arg;

	return rb_sepa_store_request_attempt(db, t->pt_request) != 0 ||
	    rb_auth_audit(t->pt_r, RB_ACTOR_SUBSCRIBER, t->pt_account,
	    "sepa.mandate_code_wrong", t->pt_target, NULL) != 0 ? -1 : 0;
}

static int notice(const struct rb_auth_req *, int64_t, const char *,
    const struct rb_sepa_mandate *, const char *, const rb_buf *);

/* Ends the signing request; audits and tells a new mandate (pt_signed)
 * or a revocation (no request); 0 or -1. */
static int
mandate_told_try(rb_db *db, void *arg)
{
	const struct pm_txn *t = arg;

	if (t->pt_request != 0 &&
	    rb_sepa_store_request_delete(db, t->pt_request) != 0)
		return -1;
	if (t->pt_request != 0 && !t->pt_signed)
		return 0;
	return rb_auth_audit(t->pt_r, RB_ACTOR_SUBSCRIBER, t->pt_account,
	    t->pt_request != 0 ? "sepa.mandate_signed" :
	    "sepa.mandate_revoked", t->pt_target, NULL) != 0 ||
	    notice(t->pt_r, t->pt_account, t->pt_number, t->pt_m,
	    t->pt_request != 0 ? "signé" : "révoqué", t->pt_doc) != 0 ?
	    -1 : 0;
}

enum rb_rc
rb_pm_sign_start(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
    int64_t account, const char *number, const char *holder,
    const char *iban_in, const char *password, struct rb_pm_errors *e,
    char *token, char *iban_masked)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	struct rb_sepa_mandate m;
	struct rb_auth_errors ae;
	struct rb_account acc;
	struct pm_txn t;
	char iban[RB_IBAN_MAX + 1], enc[RB_IBAN_SEALED_MAX], code[8];
	char th[RB_TOKEN_HASH_LEN + 1], ch[RB_TOKEN_HASH_LEN + 1];
	char target[32];
	const char *field, *msg;
	enum rb_rc rc, in;
	json_t *extra;
	int has;

	memset(e, 0, sizeof(*e));
	token[0] = '\0';
	iban_masked[0] = '\0';
	if ((rc = find_contract(r, account, number, all, &has, &ct)) != RB_OK)
		return rc;
	if (c->pc_key == NULL) {
		e->pe_alert = "La signature en ligne n'est pas disponible pour "
		    "le moment : contactez le service client.";
		return RB_INVALID;
	}
	if ((has = rb_sepa_store_mandate_active(r->ar_db, ct->sc_id, &m)) < 0)
		return RB_ERROR;
	if (has == 0)
		return RB_TOO_MANY;
	in = rb_sepa_mandate_input(iban_in, holder, iban, &field, &msg);
	if (in != RB_OK) {
		if (strcmp(field, "iban") == 0)
			e->pe_iban = msg;
		else
			e->pe_holder = msg;
		/* The holder is checked too when the IBAN is wrong. */
		if (e->pe_holder == NULL && rb_sepa_mandate_input(
		    "FR7630006000011234567890189", holder, enc, &field,
		    &msg) != RB_OK)
			e->pe_holder = msg;
	}
	rc = rb_auth_reauth(r, account, password, &ae);
	if (rc == RB_ERROR || rc == RB_DENIED)
		return rc;
	if (rc != RB_OK)
		e->pe_password = ae.ae_msg[RB_F_CURRENT_PASSWORD];
	if (rc == RB_LIMITED)
		return RB_LIMITED;
	if (in != RB_OK || rc != RB_OK)
		return RB_INVALID;
	if (rb_account_by_id(r->ar_db, account, &acc) != 0)
		return RB_ERROR;
	rb_iban_mask(iban, iban_masked);
	if (rb_iban_seal(c->pc_key, iban, NULL, enc) != 0)
		return RB_ERROR;
	snprintf(code, sizeof(code), "%06u",
	    (unsigned)randombytes_uniform(1000000));
	rb_token_new(token);
	rb_token_hash(token, th);
	code_hash(token, code, ch);
	snprintf(target, sizeof(target), "contract:%s", ct->sc_number);
	extra = json_pack("{s:s, s:s, s:s, s:i}", "code", code,
	    "contract_number", ct->sc_number, "iban", iban_masked,
	    "ttl_seconds", RB_PM_CODE_TTL);
	memset(&t, 0, sizeof(t));
	t.pt_r = r;
	t.pt_acc = &acc;
	t.pt_account = account;
	t.pt_contract = ct->sc_id;
	t.pt_target = target;
	t.pt_th = th;
	t.pt_ch = ch;
	t.pt_holder = holder;
	t.pt_enc = enc;
	t.pt_last4 = iban + strlen(iban) - 4;
	t.pt_extra = extra;
	if (rb_db_transact(r->ar_db, request_add_try, &t) != 0) {
		json_decref(extra);
		sodium_memzero(iban, sizeof(iban));
		sodium_memzero(code, sizeof(code));
		token[0] = '\0';
		return RB_ERROR;
	}
	json_decref(extra);
	sodium_memzero(iban, sizeof(iban));
	sodium_memzero(code, sizeof(code));
	return RB_OK;
}

/*
 * Emails the account that a mandate was signed (doc: its PDF, or NULL
 * when it could not be drawn) or revoked (what "révoqué", doc NULL).
 */
static int
notice(const struct rb_auth_req *r, int64_t account, const char *number,
    const struct rb_sepa_mandate *m, const char *what, const rb_buf *doc)
{
	struct rb_account acc;
	char mask[RB_IBAN_MASK_MAX];
	json_t *extra;
	int rc;

	if (rb_account_by_id(r->ar_db, account, &acc) != 0)
		return -1;
	rb_iban_mask_last4(m->sm_iban_last4, mask);
	extra = json_pack("{s:s, s:s, s:s, s:s}", "contract_number", number,
	    "rum", m->sm_rum, "iban", mask, "what", what);
	if (strcmp(what, "signé") == 0)
		rc = rb_sepa_mandate_notice(r, acc.acc_email,
		    acc.acc_first_name, acc.acc_last_name, extra, m, doc);
	else
		rc = rb_auth_mail_with(r, RB_MAIL_SEPA_SIGNED, acc.acc_email,
		    "/mes-moyens-de-paiement", NULL, acc.acc_first_name,
		    acc.acc_last_name, extra);
	json_decref(extra);
	return rc;
}

enum rb_rc
rb_pm_sign_confirm(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
    int64_t account, const char *number, const char *token,
    const char *code, struct rb_pm_errors *e)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	struct rb_sepa_request rq;
	struct rb_sepa_mandate m;
	struct pm_txn t;
	rb_buf doc = RB_BUF_INIT;
	int drawn;
	char th[RB_TOKEN_HASH_LEN + 1], ch[RB_TOKEN_HASH_LEN + 1];
	char iban[RB_IBAN_MAX + 1], today[11], target[32], digits[8];
	enum rb_rc rc;
	size_t i, n = 0;
	int got;

	memset(e, 0, sizeof(*e));
	if ((rc = find_contract(r, account, number, all, &got, &ct)) != RB_OK)
		return rc;
	if (c->pc_key == NULL || !rb_auth_token_shaped(token))
		return RB_DENIED;
	rb_token_hash(token, th);
	got = rb_sepa_store_request_get(r->ar_db, th, account, ct->sc_id, &rq);
	if (got < 0)
		return RB_ERROR;
	if (got == 1 || rq.sr_expires_at < r->ar_now ||
	    rq.sr_attempts >= RB_PM_CODE_ATTEMPTS)
		return RB_DENIED;
	/* Six digits, spaces allowed ("123 456"). */
	for (i = 0; code != NULL && code[i] != '\0' && n < 7; i++)
		if (code[i] >= '0' && code[i] <= '9')
			digits[n++] = code[i];
		else if (code[i] != ' ')
			n = 7;
	digits[n < 7 ? n : 6] = '\0';
	code_hash(token, digits, ch);
	if (n != 6 || !rb_ct_streq(ch, rq.sr_code_hash)) {
		snprintf(target, sizeof(target), "contract:%s", ct->sc_number);
		memset(&t, 0, sizeof(t));
		t.pt_r = r;
		t.pt_account = account;
		t.pt_request = rq.sr_id;
		t.pt_target = target;
		if (rb_db_transact(r->ar_db, code_wrong_try, &t) != 0)
			return RB_ERROR;
		if (rq.sr_attempts + 1 >= RB_PM_CODE_ATTEMPTS)
			return RB_DENIED;
		e->pe_code = "Ce code n'est pas le bon : recopiez les 6 chiffres "
		    "de l'e-mail que nous venons de vous envoyer.";
		return RB_INVALID;
	}
	if (rb_iban_open(c->pc_key, rq.sr_iban_enc, iban) != 0)
		return RB_ERROR;
	rb_clock_today_iso(r->ar_now, today, sizeof(today));
	rc = rb_sepa_mandate_sign(r->ar_db, c->pc_key, ct->sc_id,
	    ct->sc_number, account, rq.sr_holder, iban, today, &m);
	sodium_memzero(iban, sizeof(iban));
	if (rc != RB_OK && rc != RB_TOO_MANY)
		return rc;
	/* Drawn before the transaction, which it would hold up. */
	drawn = rc == RB_OK && rb_sepa_mandate_pdf(&m, ct->sc_number,
	    c->pc_ics, c->pc_creditor, &doc) == 0;
	snprintf(target, sizeof(target), "contract:%s", ct->sc_number);
	memset(&t, 0, sizeof(t));
	t.pt_r = r;
	t.pt_account = account;
	t.pt_request = rq.sr_id;
	t.pt_number = ct->sc_number;
	t.pt_target = target;
	t.pt_m = &m;
	t.pt_doc = drawn ? &doc : NULL;
	t.pt_signed = rc == RB_OK;
	if (rb_db_transact(r->ar_db, mandate_told_try, &t) != 0) {
		rb_buf_free(&doc);
		return RB_ERROR;
	}
	rb_buf_free(&doc);
	return rc;
}

enum rb_rc
rb_pm_cancel(const struct rb_auth_req *r, int64_t account, const char *number)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	struct rb_sepa_mandate m;
	struct pm_txn t;
	char today[11], target[32];
	enum rb_rc rc;
	int n;

	if (number == NULL || number[0] == '\0')
		return RB_NOT_FOUND;
	if ((rc = find_contract(r, account, number, all, &n, &ct)) != RB_OK)
		return rc;
	if ((n = rb_sepa_store_mandate_active(r->ar_db, ct->sc_id, &m)) != 0)
		return n < 0 ? RB_ERROR : RB_NOT_FOUND;
	rb_clock_today_iso(r->ar_now, today, sizeof(today));
	if ((rc = rb_sepa_mandate_cancel(r->ar_db, ct->sc_id, today,
	    r->ar_now)) != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "contract:%s", ct->sc_number);
	memset(&t, 0, sizeof(t));
	t.pt_r = r;
	t.pt_account = account;
	t.pt_number = ct->sc_number;
	t.pt_target = target;
	t.pt_m = &m;
	return rb_db_transact(r->ar_db, mandate_told_try, &t) == 0 ? RB_OK :
	    RB_ERROR;
}

enum rb_rc
rb_pm_mandate_pdf(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
    int64_t account, const char *number, rb_buf *out)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	struct rb_sepa_mandate m;
	enum rb_rc rc;
	int n;

	if ((rc = find_contract(r, account, number, all, &n, &ct)) != RB_OK)
		return rc;
	if ((n = rb_sepa_store_mandate_active(r->ar_db, ct->sc_id, &m)) != 0)
		return n < 0 ? RB_ERROR : RB_NOT_FOUND;
	return rb_sepa_mandate_pdf(&m, ct->sc_number, c->pc_ics,
	    c->pc_creditor, out) == 0 ? RB_OK : RB_ERROR;
}

enum rb_rc
rb_pm_plan_start(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
    int64_t account, const char *number, int day)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	struct rb_sepa_plan_preview pv;
	char target[32];
	enum rb_rc rc;
	int n;

	if (number == NULL || number[0] == '\0')
		return RB_NOT_FOUND;
	if ((rc = find_contract(r, account, number, all, &n, &ct)) != RB_OK)
		return rc;
	if ((rc = rb_sepa_plan_start(r->ar_db, ct->sc_id, day,
	    c->pc_prenotice_days, r->ar_now, &pv)) != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "contract:%s", ct->sc_number);
	if (rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, account, "sepa.plan_started",
	    target, NULL) != 0)
		return RB_ERROR;
	return RB_OK;
}

enum rb_rc
rb_pm_plan_stop(const struct rb_auth_req *r, int64_t account,
    const char *number)
{
	struct rb_sepa_contract all[CONTRACTS_MAX], *ct;
	char target[32];
	enum rb_rc rc;
	int n;

	if (number == NULL || number[0] == '\0')
		return RB_NOT_FOUND;
	if ((rc = find_contract(r, account, number, all, &n, &ct)) != RB_OK)
		return rc;
	if ((rc = rb_sepa_plan_stop(r->ar_db, ct->sc_id, r->ar_now)) != RB_OK)
		return rc;
	snprintf(target, sizeof(target), "contract:%s", ct->sc_number);
	if (rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, account, "sepa.plan_stopped",
	    target, NULL) != 0)
		return RB_ERROR;
	return RB_OK;
}
