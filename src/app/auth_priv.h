/*
 * auth_priv.h: what the files of the auth use cases share (auth.c,
 * auth_input.c, auth_limit.c, auth_session.c, auth_claim.c,
 * auth_register.c, auth_account.c). Private to src/app: the web layer
 * includes auth.h only.
 */
#ifndef RB_APP_AUTH_PRIV_H
#define RB_APP_AUTH_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/auth.h"
#include "app/password.h"
#include "mail/mail.h"
#include "store/audit.h"
#include "store/claims.h"
#include "store/identity.h"

/* Sizes of normalised identifiers, NUL included. */
#define RB_EMAIL_MAX		255	/* 254 bytes, RFC 5321 */
#define RB_OLD_ID_MAX		24
#define RB_CONTRACT_NUM_MAX	16	/* 10 digits */
#define RB_PROOF_VALUE_MAX	40	/* invoice or meter number */

/* Names: at most this many characters (and 127 bytes). */
#define RB_NAME_MAX_CHARS	60

/* --- auth.c: configuration, audit, mail --- */

/* An integer setting of r: the configured value, or the default when
 * the field is 0 (or there is no configuration). */
#define AUTH_CFG(r, field) \
	((r)->ar_cfg != NULL && (r)->ar_cfg->field > 0 ? \
	    (r)->ar_cfg->field : rb_auth_cfg_default.field)

/* Writes an audit row from the request (its time and IP); logs, and
 * returns -1, on failure. */
int	rb_auth_audit(const struct rb_auth_req *r, enum rb_actor actor,
	    int64_t actor_id, const char *action, const char *target,
	    const json_t *detail);

/*
 * Queues mail kind to `to` with {"link": public URL + path (+ token),
 * "first_name", "last_name"} (names left out when empty), plus
 * "ttl_seconds" when ttl_s > 0 and "new_email" when new_email is not
 * NULL. path is required (the link is always built); token may be NULL.
 * Inside the caller's transaction. Returns 0 or -1.
 */
int	rb_auth_mail(const struct rb_auth_req *r, enum rb_mail_kind kind,
	    const char *to, const char *path, const char *token, int ttl_s,
	    const char *first_name, const char *last_name,
	    const char *new_email);
/* The same, with the keys of extra (not taken; may be NULL) added to the
 * template data. */
int	rb_auth_mail_with(const struct rb_auth_req *r, enum rb_mail_kind kind,
	    const char *to, const char *path, const char *token,
	    const char *first_name, const char *last_name,
	    const json_t *extra);
/*
 * rb_auth_mail_with() without a token, with n files attached. Returns 0,
 * RB_MAIL_FILES_REFUSED (the files are refused, see
 * rb_mail_queue_files(): logged, nothing queued) or -1.
 */
int	rb_auth_mail_files(const struct rb_auth_req *r, enum rb_mail_kind kind,
	    const char *to, const char *path, const char *first_name,
	    const char *last_name, const json_t *extra,
	    const struct rb_mail_attach *files, size_t n);

/* Rolls back the open transaction, if any; returns RB_ERROR. */
enum rb_rc rb_auth_fail(const struct rb_auth_req *r);

/* --- auth_input.c: normalisation and checks of what people type --- */

/*
 * Each writes the normalised form of s into out (size bytes) and returns
 * 0, or -1 (out "") when s (NULL allowed) cannot be such an identifier.
 *   email: trimmed, NFC, lower case; syntax checked (RFC 5321 shape).
 *   old id: spaces and dashes removed, upper case, 4-20 letters/digits.
 *   contract: spaces, dots and dashes removed, exactly 10 digits.
 *   invoice: spaces removed, upper case, letters/digits/dashes;
 *	"FA2024000042" becomes "FA2024-000042".
 *   meter: spaces and dashes removed, upper case, 5-20 letters/digits.
 */
int	rb_auth_norm_email(const char *s, char *out, size_t size);
int	rb_auth_norm_old_id(const char *s, char *out, size_t size);
int	rb_auth_norm_contract(const char *s, char *out, size_t size);
int	rb_auth_norm_invoice(const char *s, char *out, size_t size);
int	rb_auth_norm_meter(const char *s, char *out, size_t size);
/* Trims s and converts it to NFC into out: what is stored of an email
 * address as typed. 0, or -1 when it does not fit or is not UTF-8. */
int	rb_auth_clean_text(const char *s, char *out, size_t size);
/*
 * Checks a name typed by a person and writes it trimmed and in NFC into
 * out. Returns NULL when acceptable, else a static French sentence:
 * empty_msg when it is empty and required, long_msg when longer than
 * RB_NAME_MAX_CHARS characters (or size - 1 bytes), a generic one for
 * control characters.
 */
const char *rb_auth_check_name(const char *s, int required,
	    const char *empty_msg, const char *long_msg, char *out,
	    size_t size);

/* 1 when s has the shape of a token of base/crypto.h (RB_TOKEN_LEN
 * base64url characters): only such values reach the database. */
int	rb_auth_token_shaped(const char *s);

/*
 * Checks a new password and its confirmation for who (password.h):
 * fills errs->ae_msg[RB_F_PASSWORD] and [RB_F_PASSWORD2] and returns the
 * number of problems (0 when both are fine).
 */
int	rb_auth_check_new_password(const char *password, const char *password2,
	    const struct rb_pw_person *who, struct rb_auth_errors *errs);

/* --- auth_limit.c: rate limits --- */

/* What is being rate-limited; each has its own buckets. */
enum rb_limit_action {
	RB_LIMIT_SIGNIN,
	RB_LIMIT_LEGACY,
	RB_LIMIT_PROOF,		/* creation step 1 and adding a contract */
	RB_LIMIT_RESET,
	RB_LIMIT_RESEND,
	RB_LIMIT_REAUTH,	/* current password in account settings */
	RB_LIMIT_AGENT,		/* agents' sign-in (app/agent.c) */
	RB_LIMIT__MAX
};

/* The buckets of one attempt (see auth_limit.c), "" when unused. */
struct rb_limit {
	enum rb_limit_action	 lm_action;
	char			 lm_ip[96];	/* "signin:ip:192.0.2.1" */
	char			 lm_id[300];	/* "signin:id:EMAIL" */
	char			 lm_pair[400];	/* "signin:pair:EMAIL|IP" */
	char			 lm_all[32];	/* "signin:all" */
	char			 lm_dev[96];	/* "signin:dev:TOKEN HASH" */
	char			 lm_dev_hash[RB_TOKEN_HASH_LEN + 1];
	char			 lm_login[RB_TOKEN_HASH_LEN + 1];
						/* SHA-256 of "signin:EMAIL" */
	int			 lm_trusted;	/* set by rb_limit_check: the
						   device cookie is bound to
						   the identifier */
	int			 lm_delay_ms;	/* set by rb_limit_check: the
						   delay it waited */
};

/* Names the buckets of an attempt at action from r's IP (and device
 * cookie, r->ar_device) about id (normalised; may be "" or NULL). */
void	rb_limit_init(struct rb_limit *lm, const struct rb_auth_req *r,
	    enum rb_limit_action action, const char *id);
/*
 * 0 when one more attempt is allowed, after waiting the delay due to
 * failures past a ceiling (lm->lm_delay_ms); 1 when not, with
 * *retry_after the seconds to wait; -1 on error. Sets lm->lm_trusted.
 * Writes nothing.
 */
int	rb_limit_check(const struct rb_auth_req *r, struct rb_limit *lm,
	    int *retry_after);
/* Counts a failed attempt in the buckets it belongs to and audits a
 * bucket that reaches its allowance or ceiling. Call inside a
 * transaction, after rb_limit_check. 0 or -1. */
int	rb_limit_fail(const struct rb_auth_req *r, const struct rb_limit *lm);
/* After a success: forgets this client's failures on the identifier
 * and, when r->ar_device_out is not NULL, binds a device cookie to it
 * (the token to send is written there). Inside a transaction. 0 or -1. */
int	rb_limit_success(const struct rb_auth_req *r,
	    const struct rb_limit *lm);
/*
 * The delay before an attempt on a bucket with count failures past
 * ceiling: 0 below the ceiling, one second at it, one more second per
 * tenth of the ceiling beyond, at most max_s seconds. In ms.
 */
int	rb_limit_delay_ms(int count, int ceiling, int max_s);

/* --- auth_claim.c: former credentials, shared with the archive --- */
/* Counts a failed attempt (step 1, archive) in every bucket of lm and
 * audits action on target with detail (taken), in one transaction.
 * Returns RB_DENIED, or what rb_auth_fail() returns. */
enum rb_rc rb_auth_claim_denied(const struct rb_auth_req *r,
	    const struct rb_limit *lm, const char *action, const char *target,
	    json_t *detail);
/* --- auth_register.c --- */
/* Makes a new activation token for account (voiding the earlier ones)
 * and queues its email to to. Inside a transaction. 0 or -1. */
int	rb_auth_send_activation(const struct rb_auth_req *r, int64_t account,
	    const char *to, const char *first, const char *last);

struct rb_legacy_cred;
/*
 * Checks password against the former credentials of oid (normalised),
 * always paying one legacy verification so that unknown ids take as
 * long. Credentials already moved to a space count only when
 * accept_moved. When right, upgrades a former hash to argon2id. Returns
 * 1 (lc filled, *reason NULL), 0 when refused (*reason: "unknown",
 * "migrated", "refused" or "password", for the audit), -1 on error.
 */
int	rb_auth_legacy_check(const struct rb_auth_req *r, const char *oid,
	    const char *password, int accept_moved, struct rb_legacy_cred *lc,
	    const char **reason);

/* --- auth_account.c --- */

/* Masks the viewers' emails of contracts (rb_account_contract_viewers()
 * gives them), marks account's own ("you") and drops their ids. */
void	rb_auth_viewers_mask(json_t *contracts, int64_t account);

/* --- auth_claim.c: the proofs, shared with adding a contract --- */

/* The name of proof in the audit log ("email", "invoice", "meter"), or
 * "none" when proof is not one. */
const char *rb_auth_proof_name(enum rb_proof proof);

/*
 * Checks a contract number and one proof with the same database work
 * whether the contract exists or not. Returns RB_OK (contract
 * filled), RB_NO_BILL (proof right, contract may not get a space
 * yet), RB_DENIED (anything else wrong) or RB_ERROR. Writes
 * nothing.
 */
enum rb_rc rb_auth_check_proof(const struct rb_auth_req *r,
	    const char *contract_norm, enum rb_proof proof, const char *value,
	    struct rb_contract_ref *contract, struct rb_holder *holder);

#endif
