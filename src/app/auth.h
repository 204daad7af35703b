/*
 * auth.h: the ways into the secure space, as use cases (no HTTP, no SQL).
 *
 *   sign-in               email + password -> session
 *   2023 migration        old customer id + old password -> claim
 *   account creation      contract number + one proof -> claim
 *   both, step 2          claim + name, first name, email, password
 *                         -> pending account + "Activer votre espace
 *                         client" email
 *   activation            token from that email -> active account
 *   password reset        email -> email with a link; token + new password
 *   account settings      change password, change email (confirmed from
 *                         the new address), sessions, add a contract
 *
 * Identity rules (DESIGN.md): no answer tells whether an account,
 * contract, invoice or meter exists; failures return RB_DENIED and
 * the web layer shows one generic message; slow paths (unknown email) burn
 * the same hashing time as real ones; every event goes to the audit log;
 * rate limits (per IP, per identifier, overall) answer RB_LIMITED
 * with the delay before retrying, never a permanent lock-out.
 *
 * Every function takes a struct rb_auth_req saying who asks, from where
 * and when, and returns an enum rb_rc.
 */
#ifndef RB_APP_AUTH_H
#define RB_APP_AUTH_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "app/rc.h"
#include "store/db.h"

/* Settings; an integer left at 0 takes its default (rb_auth_cfg_default). */
struct rb_auth_cfg {
	const char	*ac_public_url;		/* "https://…", no trailing / */
	int		 ac_activation_ttl;	/* seconds; 24 h */
	int		 ac_reset_ttl;		/* 1 h */
	int		 ac_email_change_ttl;	/* 24 h */
	int		 ac_claim_ttl;		/* between step 1 and 2; 30 min */
	int		 ac_session_idle;	/* 30 min */
	int		 ac_session_absolute;	/* 12 h */
	int		 ac_rl_window;		/* seconds failures are counted
						   over; 3600 */
	/* Failures allowed per window before delays start (ASVS L2). */
	int		 ac_rl_per_ip;		/* 50 */
	int		 ac_rl_per_account;	/* 100 (email or old id) */
	int		 ac_rl_per_contract;	/* 10 (contract-number proofs) */
	int		 ac_rl_global;		/* 10000 */
	/* Requests per hour and address for the use cases that send an
	 * email (reset, resend), and wrong current passwords per hour and
	 * account in the settings. */
	int		 ac_rl_mail;		/* 5 */
	int		 ac_rl_reauth;		/* 10 */
	/* Failures on one identifier from every address, as a multiple of
	 * rl_per_account (rl_per_contract), past which each attempt from
	 * a browser without a device cookie waits, at most rl_delay_max
	 * seconds; failures allowed per window to one device cookie; how
	 * long a device cookie lasts unused. */
	int		 ac_rl_id_factor;	/* 10 */
	int		 ac_rl_delay_max;	/* 5 */
	int		 ac_rl_per_device;	/* 10 */
	int		 ac_device_ttl;		/* 180 days */
	/* Agents' sessions (app/agent.h): shorter than subscribers'. */
	int		 ac_agent_idle;		/* 15 min */
	int		 ac_agent_absolute;	/* 8 h */
};

/* The defaults above (ac_public_url NULL). */
extern const struct rb_auth_cfg rb_auth_cfg_default;

struct rb_auth_req {
	rb_db				*ar_db;
	rb_db				*ar_read_db;	/* NULL, or a connection
							   inside a read
							   transaction that
							   rb_auth_session() may
							   read in first */
	const struct rb_auth_cfg	*ar_cfg;
	time_t				 ar_now;
	const char			*ar_ip;
	const char			*ar_user_agent;	/* may be NULL */
	int64_t				 ar_session;	/* row id of the caller's
							   session, 0 if none:
							   kept when the password
							   changes */
	const char			*ar_device;	/* the browser's device
							   cookie, may be NULL */
	char				*ar_device_out;	/* NULL, or RB_TOKEN_LEN
							   + 1 bytes: after a
							   sign-in, archive or
							   claim success, the
							   device cookie to send
							   ("" none) */
};

/* Form fields a use case can complain about. */
enum rb_field {
	RB_F_EMAIL,
	RB_F_PASSWORD,
	RB_F_PASSWORD2,
	RB_F_CURRENT_PASSWORD,
	RB_F_LAST_NAME,
	RB_F_FIRST_NAME,
	RB_F__MAX
};

/* French message per field, NULL when the field is fine. */
struct rb_auth_errors {
	const char	*ae_msg[RB_F__MAX];
};

struct rb_session {
	int64_t		 s_id;			/* row id, shown in lists */
	int64_t		 s_account_id;
	char		 s_cookie[RB_TOKEN_LEN + 1];	/* set on creation only */
	char		 s_csrf[RB_TOKEN_LEN + 1];
	char		 s_email[256];
	char		 s_first_name[128];
	char		 s_last_name[128];
};

/* What step 1 learned, carried to step 2 by the claim token. */
struct rb_claim {
	char		 cl_token[RB_TOKEN_LEN + 1];	/* hidden form field */
	char		 cl_contract[16];
	char		 cl_last_name[128];	/* pre-filled, may be "" */
	char		 cl_first_name[128];
	char		 cl_email[256];
};

struct rb_profile {
	const char	*pr_last_name;
	const char	*pr_first_name;
	const char	*pr_email;
};

enum rb_proof {
	RB_PROOF_EMAIL,
	RB_PROOF_INVOICE,
	RB_PROOF_METER,
	RB_PROOF__MAX
};

/* Sign-in; on OK fills a new session (new id: rotation at sign-in).
 * RB_PENDING: right password, but the space waits for activation. */
enum rb_rc rb_auth_signin(const struct rb_auth_req *r,
		    const char *email, const char *password,
		    struct rb_session *out, int *retry_after);
/* Looks a session cookie up; OK when valid (touches it), else DENIED.
 * With r->ar_read_db, the session is read there, in that connection's
 * read transaction, and ar_db is used only when the session is to be
 * touched or deleted (then read again there). */
enum rb_rc rb_auth_session(const struct rb_auth_req *r,
		    const char *cookie, struct rb_session *out);
/* Ends the session on the server. */
enum rb_rc rb_auth_signout(const struct rb_auth_req *r,
		    const char *cookie);

/*
 * The archive of a 2023 subscriber (/archives): bills and readings of
 * before 2024, reached with the former customer id and the former
 * password until the space they moved to is active, then with that
 * space's current password only (one secret per person). A visit sees that one
 * contract's archive only (scope sc_archive); it lasts as long as a
 * session would (idle and absolute limits).
 */
struct rb_archive_visit {
	char		 av_cookie[RB_TOKEN_LEN + 1];	/* on opening only */
	int64_t		 av_contract_id;
	char		 av_number[16];		/* contract since 2024 */
	char		 av_old_number[16];	/* "" when none */
	char		 av_old_id[32];
	int		 av_migrated;		/* credentials already moved
						   to a space */
};
/*
 * Checks old_id and password with the same limits, timing and audit as
 * the migration's step 1 (a wrong id and a wrong password answer
 * alike): the password is the former one, upgraded to argon2id once
 * verified, or, once the space the credentials moved to is active,
 * that space's (the former hash is then wiped). Opens a visit; binds a
 * device cookie when r->ar_device_out is set.
 * Returns RB_OK (out filled, av_cookie to send), RB_DENIED,
 * RB_LIMITED (*retry_after seconds) or RB_ERROR.
 */
enum rb_rc rb_auth_archive_open(const struct rb_auth_req *r,
		    const char *old_id, const char *password,
		    struct rb_archive_visit *out, int *retry_after);
/* The visit of cookie: RB_OK (out filled), RB_DENIED when
 * none or expired, RB_ERROR. */
enum rb_rc rb_auth_archive_visit(const struct rb_auth_req *r,
		    const char *cookie, struct rb_archive_visit *out);
/* Ends the visit of cookie on the server (NULL or unknown: nothing). */
enum rb_rc rb_auth_archive_close(const struct rb_auth_req *r,
		    const char *cookie);

/* 2023 migration, step 1 (old id accepted with spaces, lower case).
 * RB_PENDING: right former credentials, already moved to a space that
 * waits for activation (step 2 done, link not used). */
enum rb_rc rb_auth_claim_legacy(const struct rb_auth_req *r,
		    const char *old_id, const char *password,
		    struct rb_claim *out, int *retry_after);
/* Account creation, step 1. NO_BILL when the proof matches but the
 * contract may not get a space yet. */
enum rb_rc rb_auth_claim_contract(const struct rb_auth_req *r,
		    const char *contract, enum rb_proof proof,
		    const char *value, struct rb_claim *out,
		    int *retry_after);
/* Re-reads a claim for showing step 2 again; DENIED when expired. */
enum rb_rc rb_auth_claim_get(const struct rb_auth_req *r,
		    const char *claim_token, struct rb_claim *out);
/*
 * Step 2 of both: creates the pending account (or links the contract)
 * and queues the activation email. When the contract already has an
 * active space, answers OK all the same and tells the email on file;
 * when the email given differs from the one on file, tells that one too.
 */
enum rb_rc rb_auth_register(const struct rb_auth_req *r,
		    const char *claim_token, const struct rb_profile *p,
		    const char *password, const char *password2,
		    struct rb_auth_errors *errs);
/* Activation link: once. DENIED when unknown, used or expired. */
enum rb_rc rb_auth_activate(const struct rb_auth_req *r,
		    const char *token);
/* Resend the activation email of a pending account (same answer for
 * any email). */
enum rb_rc rb_auth_resend(const struct rb_auth_req *r,
		    const char *email, int *retry_after);

/* "Mot de passe oublié ?": same answer whether the email exists. A
 * space that waits for activation gets a new activation link instead
 * of a reset link. */
enum rb_rc rb_auth_reset_request(const struct rb_auth_req *r,
		    const char *email, int *retry_after);
/* Checks a reset token without using it (to show the form). */
enum rb_rc rb_auth_reset_check(const struct rb_auth_req *r,
		    const char *token);
/* Sets the new password, ends every session; does not sign in. */
enum rb_rc rb_auth_reset(const struct rb_auth_req *r,
		    const char *token, const char *password,
		    const char *password2, struct rb_auth_errors *errs);

/* Account settings; account is the signed-in one. */
/*
 * Re-authenticates the active account `account` with its current
 * password before a sensitive change (bank details): RB_OK when right;
 * RB_INVALID with errs->ae_msg[RB_F_CURRENT_PASSWORD] set when wrong
 * (counted and audited like the other re-authentications), RB_LIMITED,
 * RB_DENIED (no such active account), RB_ERROR.
 */
enum rb_rc rb_auth_reauth(const struct rb_auth_req *r, int64_t account,
	    const char *current, struct rb_auth_errors *errs);
enum rb_rc rb_auth_change_password(const struct rb_auth_req *r,
		    int64_t account, const char *current,
		    const char *password, const char *password2,
		    struct rb_auth_errors *errs);
enum rb_rc rb_auth_change_email(const struct rb_auth_req *r,
		    int64_t account, const char *current,
		    const char *new_email, struct rb_auth_errors *errs);
enum rb_rc rb_auth_confirm_email(const struct rb_auth_req *r,
		    const char *token);
/* [{id, created_at, last_seen_at, ip, user_agent, current}] */
enum rb_rc rb_auth_sessions(const struct rb_auth_req *r,
		    int64_t account, int64_t current_session, json_t **out);
enum rb_rc rb_auth_session_end(const struct rb_auth_req *r,
		    int64_t account, int64_t session_id);
/*
 * "Ajouter un contrat": same proofs as creation. RB_OK when the
 * account sees the contract now. A contract that another active account
 * sees is never added: RB_DENIED, as for a wrong proof, and that
 * account is told by email (RB_MAIL_CONTRACT_REFUSED, at most once per
 * rate window and contract). Every attempt is
 * audited (contract.add, contract.add_failed, contract.add_refused,
 * contract.add_no_bill).
 */
enum rb_rc rb_auth_add_contract(const struct rb_auth_req *r,
		    int64_t account, const char *contract,
		    enum rb_proof proof, const char *value, int *retry_after);
/* [{number, old_number, address, postcode, commune}] of the account. */
enum rb_rc rb_auth_contracts(const struct rb_auth_req *r,
		    int64_t account, json_t **out);
/*
 * "Qui voit mes contrats": sets *out (the caller owns it) to the
 * contracts of account, each with the accounts that see it:
 *	[{number, address, postcode, commune, viewers: [{email (masked,
 *	  rb_auth_mask_email), status, added_at, you (true for account)}]}]
 */
enum rb_rc rb_auth_contract_viewers(const struct rb_auth_req *r,
		    int64_t account, json_t **out);

/*
 * What "Mon compte" reads of account, all keyed by it, in one batch
 * (store/db.h rb_db_fetch_batch(): one round trip on PostgreSQL), in a
 * read transaction (joined when one is open): its API tokens as
 * rb_api_token_list() gives them, the contracts and who sees them as
 * rb_auth_contract_viewers(), its sessions as rb_auth_sessions() (current
 * session `session`), and its braille choices as rb_braille_choices().
 * The caller owns the four arrays (rb_auth_account_page_free()).
 * Returns RB_OK, or RB_ERROR (every member NULL; a missing account is
 * one too).
 */
struct rb_auth_account_page {
	json_t	*ap_tokens;
	json_t	*ap_viewers;
	json_t	*ap_sessions;
	json_t	*ap_braille;
};
enum rb_rc rb_auth_account_page(const struct rb_auth_req *r,
		    int64_t account, int64_t session,
		    struct rb_auth_account_page *out);
void	rb_auth_account_page_free(struct rb_auth_account_page *p);
/* Writes email masked into out (size bytes): its first character,
 * "•••" and the domain ("d•••@robinet.test"); "•••" when email has no
 * local part or no '@'. Truncated to fit. */
void	rb_auth_mask_email(const char *email, char *out, size_t size);

struct rb_config;
/* Fills a from the configuration (strings point into cfg). */
void	rb_auth_cfg_from_config(const struct rb_config *cfg,
	    struct rb_auth_cfg *a);

/* Deletes what has expired at r->ar_now (sessions, tokens, claims, rate
 * counters): for a periodic job. */
enum rb_rc rb_auth_purge(const struct rb_auth_req *r);

#endif
