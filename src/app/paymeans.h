/*
 * paymeans.h: "Mes moyens de paiement", per contract of the signed-in
 * account: direct debit on or off, the mandate (RUM, ICS, holder, IBAN
 * masked, signature date, PDF), the next debits, and signing a mandate
 * online (IBAN and holder, the password again, then a one-time code
 * emailed to the account) or cancelling it. The mandate itself is made
 * by app/sepa.h, the same use case customer service will call.
 *
 * A contract is named by its number and looked up among the account's
 * own: another subscriber's contract answers RB_NOT_FOUND, exactly like
 * one that does not exist. IBANs are never logged nor returned in full.
 */
#ifndef RB_APP_PAYMEANS_H
#define RB_APP_PAYMEANS_H

#include <stdint.h>

#include <jansson.h>

#include "app/auth.h"
#include "app/rc.h"
#include "base/buf.h"
#include "base/crypto.h"

#define RB_PM_CODE_TTL		900	/* seconds a signing code is valid */
#define RB_PM_CODE_ATTEMPTS	5	/* wrong codes before it is void */

/* The SEPA settings the page needs. */
struct rb_pm_cfg {
	const unsigned char *pc_key;	/* data key; NULL: cannot sign */
	const char	*pc_ics;	/* "" when not set */
	const char	*pc_creditor;
	int		 pc_prenotice_days;
};

/* Messages of a form, French, NULL when the field is right. */
struct rb_pm_errors {
	const char	*pe_holder;
	const char	*pe_iban;
	const char	*pe_password;
	const char	*pe_code;
	const char	*pe_alert;	/* the whole form */
};

/*
 * The page's data for contract `number` of account (NULL or "": the
 * first): {contracts: [{number, address, current}], contract: {number,
 * address}, direct_debit, mandate: null or {rum, ics, holder, iban,
 * signed_on}, debits: [{date, amount, what, status, reason}],
 * has_debits, ics, can_sign, plan: null or {day, instalment, basis,
 * first, last}, plan_offer: null or {instalment, basis} (an active
 * mandate and no plan)}. RB_NOT_FOUND when the account has no such contract (or no
 * contract at all), RB_ERROR. The caller owns *out.
 */
enum rb_rc rb_pm_view(const struct rb_auth_req *r, const struct rb_pm_cfg *c,
	    int64_t account, const char *number, json_t **out);

/*
 * Step 1 of signing: checks holder and IBAN, re-authenticates with
 * password, keeps the request and emails a 6-digit code to the account.
 * On RB_OK, token (RB_TOKEN_LEN + 1 bytes) is what the code form must
 * send back and iban_masked (RB_IBAN_MASK_MAX) what it may show.
 * RB_INVALID / RB_LIMITED with *e set, RB_TOO_MANY when the contract
 * has an active mandate, RB_NOT_FOUND, RB_ERROR.
 */
enum rb_rc rb_pm_sign_start(const struct rb_auth_req *r,
	    const struct rb_pm_cfg *c, int64_t account, const char *number,
	    const char *holder, const char *iban, const char *password,
	    struct rb_pm_errors *e, char *token, char *iban_masked);

/*
 * Step 2: the code received by email. RB_OK once the mandate is signed
 * (audited, a notice emailed); RB_INVALID with e->pe_code when the code
 * is wrong (RB_PM_CODE_ATTEMPTS at most), RB_DENIED when the request is
 * unknown, expired or void (start again), RB_TOO_MANY, RB_NOT_FOUND,
 * RB_ERROR.
 */
enum rb_rc rb_pm_sign_confirm(const struct rb_auth_req *r,
	    const struct rb_pm_cfg *c, int64_t account, const char *number,
	    const char *token, const char *code, struct rb_pm_errors *e);

/* Cancels the contract's active mandate (audited, a notice emailed).
 * RB_OK, RB_NOT_FOUND (no such contract or no mandate), RB_ERROR. */
enum rb_rc rb_pm_cancel(const struct rb_auth_req *r, int64_t account,
	    const char *number);

/* The active mandate of the contract as a PDF appended to out.
 * RB_OK, RB_NOT_FOUND, RB_ERROR. */
enum rb_rc rb_pm_mandate_pdf(const struct rb_auth_req *r,
	    const struct rb_pm_cfg *c, int64_t account, const char *number,
	    rb_buf *out);

/*
 * Starts (day 5, 10 or 15) or stops the monthly plan of the contract
 * (app/sepa.h), audited. Start: RB_OK, RB_INVALID (day), RB_NO_BILL,
 * RB_TOO_MANY, RB_NOT_FOUND (no contract or no mandate), RB_ERROR.
 * Stop: RB_OK, RB_NOT_FOUND, RB_ERROR.
 */
enum rb_rc rb_pm_plan_start(const struct rb_auth_req *r,
	    const struct rb_pm_cfg *c, int64_t account, const char *number,
	    int day);
enum rb_rc rb_pm_plan_stop(const struct rb_auth_req *r, int64_t account,
	    const char *number);

#endif
