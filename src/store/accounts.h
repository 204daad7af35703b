/*
 * accounts.h: web accounts of subscribers (table web_accounts) and the
 * contracts each may see (table account_contracts).
 *
 * Emails are looked up by their normalised form (email_norm: trimmed,
 * NFC, lower case), which the caller computes (app/auth_input.c); the
 * form typed is kept in email for display and for sending.
 */
#ifndef RB_STORE_ACCOUNTS_H
#define RB_STORE_ACCOUNTS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"

enum rb_account_status {
	RB_ACCOUNT_PENDING,	/* created, activation email not used yet */
	RB_ACCOUNT_ACTIVE,
	RB_ACCOUNT_DISABLED,	/* by customer service */
	RB_ACCOUNT__MAX
};

struct rb_account {
	int64_t			 acc_id;
	enum rb_account_status	 acc_status;
	int64_t			 acc_created_at;
	int64_t			 acc_activated_at;	/* 0 when never */
	char			 acc_email[256];
	char			 acc_email_norm[256];
	char			 acc_last_name[128];
	char			 acc_first_name[128];	/* "" when none */
	char			 acc_password_hash[160];	/* "" when none */
};

/* Find an account by normalised email, or by id. Return 0 and fill out,
 * 1 when there is none, -1 on error. */
int	rb_account_by_email(rb_db *db, const char *email_norm,
	    struct rb_account *out);
int	rb_account_by_id(rb_db *db, int64_t id, struct rb_account *out);

/*
 * Creates a pending account created at now (first_name "" or NULL
 * stores NULL) and sets *id. Returns 0, 1 when email_norm is taken
 * (*id 0), -1 on error.
 */
int	rb_account_create_pending(rb_db *db, const char *email,
	    const char *email_norm, const char *last_name,
	    const char *first_name, const char *password_hash, time_t now,
	    int64_t *id);

/* Replaces the names and password hash of a pending account (a second
 * registration before activation). Returns 0, 1 when id is not a
 * pending account, -1 on error. */
int	rb_account_update_pending(rb_db *db, int64_t id, const char *last_name,
	    const char *first_name, const char *password_hash);

/* Makes a pending account active at now. Returns 0, 1 when id is not a
 * pending account, -1 on error. */
int	rb_account_activate(rb_db *db, int64_t id, time_t now);

/* Replaces the password hash. Returns 0, 1 when no such account, -1. */
int	rb_account_set_password(rb_db *db, int64_t id,
	    const char *password_hash);

/* Replaces the email. Returns 0, 1 when email_norm belongs to another
 * account (or id does not exist), -1 on error. */
int	rb_account_set_email(rb_db *db, int64_t id, const char *email,
	    const char *email_norm);

/*
 * Lets account see contract from now on, unless another account that is
 * active already sees it: a contract is seen by one account at most
 * (a unique index holds that in the database too). A link held by a
 * pending or disabled account is removed first (a pending account is no
 * space yet; a disabled one no longer is). Call inside a transaction.
 * Returns 0 when account sees the contract (linked now or already),
 * with *other the account whose link was removed, or 0; 1 when the
 * active account *other sees it (nothing written); -1 on error.
 */
int	rb_account_link_contract(rb_db *db, int64_t account,
	    int64_t contract, time_t now, int64_t *other);

/* Returns 1 when account may see the contract numbered `number`, 0 when
 * not, -1 on error. */
int	rb_account_may_see(rb_db *db, int64_t account, const char *number);

/*
 * Sets *out to a new array of the contracts account may see, by number:
 *	[{"number", "old_number", "address", "postcode", "commune"}]
 * (old_number null when none). The caller owns *out. Returns 0, or -1
 * with *out NULL.
 */
int	rb_account_contracts(rb_db *db, int64_t account, json_t **out);

/*
 * Sets *out to a new array of the contracts account may see, by number,
 * each with every account linked to it, oldest link first:
 *	[{"number", "address", "postcode", "commune" (null when none),
 *	  "viewers": [{"account" (id), "email" (as typed), "status"
 *	  ("pending", "active" or "disabled"), "added_at" (UTC seconds)}]}]
 * The caller owns *out. Returns 0, or -1 with *out NULL.
 */
int	rb_account_contract_viewers(rb_db *db, int64_t account, json_t **out);

/*
 * rb_account_contract_viewers() as one read of a page's batch (db.h,
 * rb_db_fetch_batch()): rb_account_viewers_read() fills *r from q, which
 * must outlive the batch; once the batch ran, rb_account_viewers_take()
 * gives the array rb_account_contract_viewers() gives into *out (the
 * caller owns it) when ok, else NULL, and frees what q holds: call it
 * once whatever the batch gave.
 */
struct rb_account_viewers_q {
	struct rb_bind	 vq_b[1];
	json_t		*vq_rows;
};
void	rb_account_viewers_read(struct rb_account_viewers_q *q,
	    int64_t account, struct rb_db_read *r);
void	rb_account_viewers_take(struct rb_account_viewers_q *q, int ok,
	    json_t **out);

/*
 * The ids of account's contracts as one read of a page's batch: once
 * the batch ran, q->iq_ids (free()) holds q->iq_n of them.
 */
struct rb_account_ids_q {
	struct rb_bind	 iq_b[1];
	int64_t		*iq_ids;
	size_t		 iq_n;
};
void	rb_account_ids_read(struct rb_account_ids_q *q, int64_t account,
	    struct rb_db_read *r);

#endif
