/*
 * auth_account.c: password reset ("Mot de passe oublié ?") and the
 * account settings of a signed-in subscriber: change password, change
 * email (confirmed from the new address, the old one told), add a
 * contract with the same proofs as account creation, list contracts and
 * the accounts that see each (see auth.h).
 *
 * A contract is seen by one space at most. Adding a contract that an
 * active account already sees links nothing, even with a right proof:
 * the page gets the answer of a wrong proof (the route's minimum answer
 * time hides the extra work), the failure counts in the rate limits as
 * a wrong proof does, and the holder is told by email (once an hour per
 * contract at most).
 *
 * Changing the password or the email asks for the current password
 * again (re-authentication, rate-limited per account). A reset or a
 * password change ends the other sessions of the account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/mem.h"
#include "app/auth_priv.h"
#include "app/braille.h"
#include "app/pagecache.h"
#include "store/accounts.h"
#include "store/api_tokens.h"
#include "store/braille.h"
#include "store/identity.h"
#include "store/sessions.h"
#include "store/tokens.h"

#define PATH_RESET		"/mot-de-passe/nouveau?jeton="
#define PATH_EMAIL_CONFIRM	"/mon-compte/confirmer-email?jeton="
#define PATH_SIGNIN		"/connexion"
#define PATH_ACCOUNT		"/mon-compte"

#define MSG_CURRENT_WRONG	"Le mot de passe actuel est incorrect."
#define MSG_LIMITED		"Trop de tentatives : réessayez dans une " \
				"heure au plus tard."

static void
account_target(char *buf, size_t size, int64_t account)
{
	snprintf(buf, size, "account:%lld", (long long)account);
}

/* Loads the active account id; RB_OK, DENIED or ERROR. */
static enum rb_rc
active_account(const struct rb_auth_req *r, int64_t id,
    struct rb_account *acc)
{
	int rc;

	if ((rc = rb_account_by_id(r->ar_db, id, acc)) < 0)
		return RB_ERROR;
	if (rc > 0 || acc->acc_status != RB_ACCOUNT_ACTIVE)
		return RB_DENIED;
	return RB_OK;
}

/* One try of rb_auth_reset_request() inside its transaction. */
struct reset_req {
	const struct rb_auth_req	*rr_r;
	const struct rb_account		*rr_acc;
	const struct rb_limit		*rr_lm, *rr_rl;
	const char			*rr_norm, *rr_target;
	const json_t			*rr_detail;
	int				 rr_known, rr_pending;
};

/* Counts the request, audits it and queues the mail (a new token each
 * try). Returns 0 or -1. */
static int
reset_request_try(rb_db *db, void *arg)
{
	const struct reset_req *q = arg;
	const struct rb_auth_req *r = q->rr_r;
	const struct rb_account *acc = q->rr_acc;
	char token[RB_TOKEN_LEN + 1], hash[RB_TOKEN_HASH_LEN + 1];

	if (rb_limit_fail(r, q->rr_lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "reset.request",
	    q->rr_norm[0] != '\0' ? q->rr_target : NULL, q->rr_detail) != 0)
		return -1;
	if (q->rr_known) {
		rb_token_new(token);
		rb_token_hash(token, hash);
		if (rb_tokens_create(db, RB_TOKEN_RESET, hash,
		    acc->acc_id, NULL, r->ar_now, AUTH_CFG(r, ac_reset_ttl)) !=
		    0 || rb_auth_mail(r, RB_MAIL_RESET, acc->acc_email,
		    PATH_RESET, token, AUTH_CFG(r, ac_reset_ttl),
		    acc->acc_first_name, acc->acc_last_name, NULL) != 0)
			return -1;
	}
	/* A space that waits for activation has no password to reset
	   yet: its address gets a new activation link instead (the page
	   says the same in every case). */
	if (q->rr_pending && (rb_limit_fail(r, q->rr_rl) != 0 ||
	    rb_auth_send_activation(r, acc->acc_id, acc->acc_email,
	    acc->acc_first_name, acc->acc_last_name) != 0))
		return -1;
	return 0;
}

enum rb_rc
rb_auth_reset_request(const struct rb_auth_req *r, const char *email,
    int *retry_after)
{
	struct rb_account acc;
	struct rb_limit lm, rl;
	struct reset_req q;
	char norm[RB_EMAIL_MAX], target[RB_EMAIL_MAX + 8];
	json_t *detail;
	int rc, limited, known, pending, wait;

	*retry_after = 0;
	rb_auth_norm_email(email, norm, sizeof(norm));
	rb_limit_init(&lm, r, RB_LIMIT_RESET, norm);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;
	if ((rc = rb_account_by_email(r->ar_db, norm, &acc)) < 0)
		return RB_ERROR;
	known = rc == 0 && acc.acc_status == RB_ACCOUNT_ACTIVE;
	pending = rc == 0 && acc.acc_status == RB_ACCOUNT_PENDING;
	/* The activation link sent instead counts with "Je n'ai pas reçu
	   l'e-mail" (rb_auth_resend): past its limit, nothing is sent. */
	if (pending) {
		rb_limit_init(&rl, r, RB_LIMIT_RESEND, norm);
		if ((limited = rb_limit_check(r, &rl, &wait)) < 0)
			return RB_ERROR;
		pending = limited == 0;
	}
	snprintf(target, sizeof(target), "email:%s", norm);
	detail = json_pack("{s:b, s:b}", "account", known, "pending", pending);
	/* Every request counts: each may send an email. */
	q.rr_r = r;
	q.rr_acc = &acc;
	q.rr_lm = &lm;
	q.rr_rl = &rl;
	q.rr_norm = norm;
	q.rr_target = target;
	q.rr_detail = detail;
	q.rr_known = known;
	q.rr_pending = pending;
	rc = rb_db_transact(r->ar_db, reset_request_try, &q);
	json_decref(detail);
	return rc == 0 ? RB_OK : RB_ERROR;
}

enum rb_rc
rb_auth_reset_check(const struct rb_auth_req *r, const char *token)
{
	char hash[RB_TOKEN_HASH_LEN + 1];
	int64_t account;
	int rc;

	if (!rb_auth_token_shaped(token))
		return RB_DENIED;
	rb_token_hash(token, hash);
	if ((rc = rb_tokens_peek(r->ar_db, RB_TOKEN_RESET, hash, r->ar_now,
	    &account, NULL, 0)) < 0)
		return RB_ERROR;
	return rc == 0 ? RB_OK : RB_DENIED;
}

/* One try of rb_auth_reset() inside its transaction. */
struct reset_do {
	const struct rb_auth_req	*rd_r;
	const struct rb_account		*rd_acc;
	const struct rb_limit		*rd_signin;
	const char			*rd_hash, *rd_pwhash, *rd_target;
};

/* Uses the token and sets the password; 0, 1 when the token is gone or
 * not the account's (rolled back) or -1. */
static int
reset_try(rb_db *db, void *arg)
{
	const struct reset_do *d = arg;
	const struct rb_auth_req *r = d->rd_r;
	const struct rb_account *acc = d->rd_acc;
	int64_t account;
	int rc, ended;

	if ((rc = rb_tokens_consume(db, RB_TOKEN_RESET, d->rd_hash,
	    r->ar_now, &account, NULL, 0)) < 0)
		return -1;
	if (rc > 0 || account != acc->acc_id)
		return 1;
	if (rb_account_set_password(db, acc->acc_id, d->rd_pwhash) != 0 ||
	    rb_sessions_delete_account(db, acc->acc_id, 0, &ended) != 0 ||
	    rb_limit_success(r, d->rd_signin) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "reset.done",
	    d->rd_target, NULL) != 0 ||
	    rb_auth_mail(r, RB_MAIL_PASSWORD_CHANGED, acc->acc_email,
	    PATH_SIGNIN, NULL, 0, acc->acc_first_name, acc->acc_last_name,
	    NULL) != 0)
		return -1;
	return 0;
}

enum rb_rc
rb_auth_reset(const struct rb_auth_req *r, const char *token,
    const char *password, const char *password2, struct rb_auth_errors *errs)
{
	struct rb_account acc;
	struct rb_pw_person who;
	struct rb_limit signin;
	struct reset_do d;
	char hash[RB_TOKEN_HASH_LEN + 1], pwhash[RB_PWHASH_MAX], target[32];
	enum rb_rc arc;
	int64_t account;
	int rc;

	memset(errs, 0, sizeof(*errs));
	if (!rb_auth_token_shaped(token))
		return RB_DENIED;
	rb_token_hash(token, hash);
	if ((rc = rb_tokens_peek(r->ar_db, RB_TOKEN_RESET, hash, r->ar_now,
	    &account, NULL, 0)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	if ((arc = active_account(r, account, &acc)) != RB_OK)
		return arc;
	memset(&who, 0, sizeof(who));
	who.pp_email = acc.acc_email;
	who.pp_last_name = acc.acc_last_name;
	who.pp_first_name = acc.acc_first_name;
	if (rb_auth_check_new_password(password, password2, &who, errs) > 0)
		return RB_INVALID;
	if (rb_pwhash(password, pwhash) != 0)
		return RB_ERROR;

	account_target(target, sizeof(target), acc.acc_id);
	/* The sign-in failures of the address no longer hold it back. */
	rb_limit_init(&signin, r, RB_LIMIT_SIGNIN, acc.acc_email_norm);
	d.rd_r = r;
	d.rd_acc = &acc;
	d.rd_signin = &signin;
	d.rd_hash = hash;
	d.rd_pwhash = pwhash;
	d.rd_target = target;
	if ((rc = rb_db_transact(r->ar_db, reset_try, &d)) > 0)
		return RB_DENIED;
	return rc == 0 ? RB_OK : RB_ERROR;
}

/* One try of the failure count of reauth(). */
struct reauth_fail {
	const struct rb_auth_req	*rf_r;
	const struct rb_limit		*rf_lm;
	int64_t				 rf_account;
	const char			*rf_target;
};

static int
reauth_fail_try(rb_db *db, void *arg)
{
	const struct reauth_fail *f = arg;

	(void)db;
	return rb_limit_fail(f->rf_r, f->rf_lm) != 0 ||
	    rb_auth_audit(f->rf_r, RB_ACTOR_SUBSCRIBER, f->rf_account,
	    "reauth.failed", f->rf_target, NULL) != 0 ? -1 : 0;
}

/*
 * Re-authentication in the settings: checks the current password of acc
 * under the REAUTH rate limit. Returns 0 when right; 1 when wrong or
 * limited, with the field message set and the failure counted; -1 on
 * error.
 */
static int
reauth(const struct rb_auth_req *r, const struct rb_account *acc,
    const char *current, struct rb_auth_errors *errs, int *limited)
{
	struct rb_limit lm;
	struct reauth_fail f;
	char id[32], target[32];
	int retry, rc;

	*limited = 0;
	snprintf(id, sizeof(id), "%lld", (long long)acc->acc_id);
	rb_limit_init(&lm, r, RB_LIMIT_REAUTH, id);
	if ((rc = rb_limit_check(r, &lm, &retry)) != 0) {
		if (rc < 0)
			return -1;
		*limited = 1;
		errs->ae_msg[RB_F_CURRENT_PASSWORD] = MSG_LIMITED;
		return 1;
	}
	if (acc->acc_password_hash[0] != '\0' &&
	    rb_pwhash_verify(acc->acc_password_hash,
	    current != NULL ? current : "") == 0)
		return rb_limit_success(r, &lm) == 0 ? 0 : -1;
	errs->ae_msg[RB_F_CURRENT_PASSWORD] = MSG_CURRENT_WRONG;
	account_target(target, sizeof(target), acc->acc_id);
	f.rf_r = r;
	f.rf_lm = &lm;
	f.rf_account = acc->acc_id;
	f.rf_target = target;
	return rb_db_transact(r->ar_db, reauth_fail_try, &f) == 0 ? 1 : -1;
}

enum rb_rc
rb_auth_reauth(const struct rb_auth_req *r, int64_t account,
    const char *current, struct rb_auth_errors *errs)
{
	struct rb_account acc;
	enum rb_rc arc;
	int wrong, limited;

	memset(errs, 0, sizeof(*errs));
	if ((arc = active_account(r, account, &acc)) != RB_OK)
		return arc;
	if ((wrong = reauth(r, &acc, current, errs, &limited)) < 0)
		return RB_ERROR;
	if (limited)
		return RB_LIMITED;
	return wrong > 0 ? RB_INVALID : RB_OK;
}

/* One try of rb_auth_change_password() or rb_auth_change_email(). */
struct acct_change {
	const struct rb_auth_req	*ch_r;
	const struct rb_account		*ch_acc;
	const char			*ch_pwhash;	/* password */
	const char			*ch_typed;	/* email */
	const char			*ch_token, *ch_hash;
	const char			*ch_target;
};

/* Sets the password, ends the other sessions, tells the address. Two
 * changes at once both update the account: PostgreSQL refuses one, run
 * again. Returns 0 or -1. */
static int
change_password_try(rb_db *db, void *arg)
{
	const struct acct_change *c = arg;
	const struct rb_auth_req *r = c->ch_r;
	const struct rb_account *acc = c->ch_acc;

	return rb_account_set_password(db, acc->acc_id, c->ch_pwhash) != 0 ||
	    rb_sessions_delete_account(db, acc->acc_id, r->ar_session,
	    NULL) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, acc->acc_id,
	    "password.change", c->ch_target, NULL) != 0 ||
	    rb_auth_mail(r, RB_MAIL_PASSWORD_CHANGED, acc->acc_email,
	    PATH_SIGNIN, NULL, 0, acc->acc_first_name, acc->acc_last_name,
	    NULL) != 0 ? -1 : 0;
}

/* Stores the change token and queues the mail to the new address;
 * 0 or -1. */
static int
change_email_try(rb_db *db, void *arg)
{
	const struct acct_change *c = arg;
	const struct rb_auth_req *r = c->ch_r;
	const struct rb_account *acc = c->ch_acc;

	return rb_tokens_create(db, RB_TOKEN_EMAIL_CHANGE, c->ch_hash,
	    acc->acc_id, c->ch_typed, r->ar_now,
	    AUTH_CFG(r, ac_email_change_ttl)) != 0 ||
	    rb_auth_mail(r, RB_MAIL_EMAIL_CHANGE, c->ch_typed,
	    PATH_EMAIL_CONFIRM, c->ch_token, AUTH_CFG(r, ac_email_change_ttl),
	    acc->acc_first_name, acc->acc_last_name, c->ch_typed) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, acc->acc_id,
	    "email.change_request", c->ch_target, NULL) != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_change_password(const struct rb_auth_req *r, int64_t account,
    const char *current, const char *password, const char *password2,
    struct rb_auth_errors *errs)
{
	struct rb_account acc;
	struct rb_pw_person who;
	struct acct_change c;
	char pwhash[RB_PWHASH_MAX], target[32];
	enum rb_rc arc;
	int bad, wrong, limited;

	memset(errs, 0, sizeof(*errs));
	if ((arc = active_account(r, account, &acc)) != RB_OK)
		return arc;
	memset(&who, 0, sizeof(who));
	who.pp_email = acc.acc_email;
	who.pp_last_name = acc.acc_last_name;
	who.pp_first_name = acc.acc_first_name;
	bad = rb_auth_check_new_password(password, password2, &who, errs);
	if ((wrong = reauth(r, &acc, current, errs, &limited)) < 0)
		return RB_ERROR;
	if (limited)
		return RB_LIMITED;
	if (bad > 0 || wrong > 0)
		return RB_INVALID;
	if (rb_pwhash(password, pwhash) != 0)
		return RB_ERROR;
	account_target(target, sizeof(target), acc.acc_id);
	memset(&c, 0, sizeof(c));
	c.ch_r = r;
	c.ch_acc = &acc;
	c.ch_pwhash = pwhash;
	c.ch_target = target;
	return rb_db_transact(r->ar_db, change_password_try, &c) == 0 ?
	    RB_OK : RB_ERROR;
}

enum rb_rc
rb_auth_change_email(const struct rb_auth_req *r, int64_t account,
    const char *current, const char *new_email, struct rb_auth_errors *errs)
{
	struct rb_account acc;
	char norm[RB_EMAIL_MAX], typed[RB_EMAIL_MAX], target[32];
	char token[RB_TOKEN_LEN + 1], hash[RB_TOKEN_HASH_LEN + 1];
	struct acct_change c;
	enum rb_rc arc;
	int bad = 0, wrong, limited;

	memset(errs, 0, sizeof(*errs));
	if ((arc = active_account(r, account, &acc)) != RB_OK)
		return arc;
	if (rb_auth_norm_email(new_email, norm, sizeof(norm)) != 0 ||
	    rb_auth_clean_text(new_email, typed, sizeof(typed)) != 0) {
		errs->ae_msg[RB_F_EMAIL] = "Adresse e-mail invalide.";
		bad = 1;
	} else if (strcmp(norm, acc.acc_email_norm) == 0) {
		errs->ae_msg[RB_F_EMAIL] = "C'est déjà l'adresse de votre "
		    "espace client.";
		bad = 1;
	}
	if ((wrong = reauth(r, &acc, current, errs, &limited)) < 0)
		return RB_ERROR;
	if (limited)
		return RB_LIMITED;
	if (bad || wrong > 0)
		return RB_INVALID;
	/*
	 * The change waits for the new address to confirm. If another
	 * account uses that address, the confirmation will fail: this page
	 * does not say so.
	 */
	rb_token_new(token);
	rb_token_hash(token, hash);
	account_target(target, sizeof(target), acc.acc_id);
	memset(&c, 0, sizeof(c));
	c.ch_r = r;
	c.ch_acc = &acc;
	c.ch_typed = typed;
	c.ch_token = token;
	c.ch_hash = hash;
	c.ch_target = target;
	return rb_db_transact(r->ar_db, change_email_try, &c) == 0 ?
	    RB_OK : RB_ERROR;
}

/*
 * One try of rb_auth_confirm_email() inside rb_db_transact(): uses the
 * token, checks that no other account took the address meanwhile, then
 * sets it. Returns 0, 1 when refused (rolled back) or -1.
 */
struct confirm_email {
	const struct rb_auth_req	*ce_r;
	const char			*ce_hash;
};

static int
confirm_email_try(rb_db *db, void *arg)
{
	const struct confirm_email *ce = arg;
	const struct rb_auth_req *r = ce->ce_r;
	const char *hash = ce->ce_hash;
	struct rb_account acc, other;
	char typed[RB_EMAIL_MAX], norm[RB_EMAIL_MAX], target[32];
	int64_t account;
	json_t *detail;
	int rc;

	if ((rc = rb_tokens_consume(db, RB_TOKEN_EMAIL_CHANGE, hash,
	    r->ar_now, &account, typed, sizeof(typed))) < 0)
		return -1;
	if (rc == 0 && (rc = rb_account_by_id(db, account, &acc)) < 0)
		return -1;
	if (rc == 0 && acc.acc_status == RB_ACCOUNT_ACTIVE &&
	    rb_auth_norm_email(typed, norm, sizeof(norm)) == 0) {
		/* Taken meanwhile by another account? */
		if ((rc = rb_account_by_email(db, norm, &other)) < 0)
			return -1;
		rc = rc == 0 ? 1 : rb_account_set_email(db, account,
		    typed, norm);
		if (rc < 0)
			return -1;
	} else
		rc = 1;
	if (rc > 0)
		return 1;
	account_target(target, sizeof(target), account);
	detail = json_pack("{s:s, s:s}", "old", acc.acc_email, "new", typed);
	rc = rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, account, "email.change",
	    target, detail) == 0 &&
	    rb_auth_mail(r, RB_MAIL_EMAIL_CHANGED, acc.acc_email, PATH_SIGNIN,
	    NULL, 0, acc.acc_first_name, acc.acc_last_name, typed) == 0;
	json_decref(detail);
	return rc ? 0 : -1;
}

enum rb_rc
rb_auth_confirm_email(const struct rb_auth_req *r, const char *token)
{
	struct confirm_email ce;
	char hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	if (!rb_auth_token_shaped(token))
		return RB_DENIED;
	rb_token_hash(token, hash);
	ce.ce_r = r;
	ce.ce_hash = hash;
	if ((rc = rb_db_transact(r->ar_db, confirm_email_try, &ce)) > 0)
		return RB_DENIED;
	return rc == 0 ? RB_OK : RB_ERROR;
}

/*
 * A right proof for a contract that an active account, holder, already
 * sees: nothing is linked, the failure counts as a wrong proof would,
 * the attempt is audited and the holder told by email, once per rate
 * window (an hour) and contract so that attempts cannot flood the
 * holder's mailbox ("notified" in the audit row). Inside the open
 * transaction. Returns 0 or -1.
 */
static int
add_refused(const struct rb_auth_req *r, const struct rb_limit *lm,
    int64_t account, int64_t holder, const char *contract_number,
    const char *target, json_t *detail)
{
	struct rb_account acc;
	json_t *data;
	int64_t recent;
	int rc;

	if (rb_audit_count_since(r->ar_db, "contract.add_refused", target,
	    r->ar_now - AUTH_CFG(r, ac_rl_window) + 1, &recent) != 0 ||
	    (rc = rb_account_by_id(r->ar_db, holder, &acc)) < 0)
		return -1;
	json_object_set_new(detail, "holder", json_integer(holder));
	json_object_set_new(detail, "notified", json_boolean(rc == 0 &&
	    recent == 0));
	if (rb_limit_fail(r, lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, account,
	    "contract.add_refused", target, detail) != 0)
		return -1;
	if (rc == 0 && recent == 0) {
		data = json_pack("{s:s}", "contract_number", contract_number);
		rc = rb_auth_mail_with(r, RB_MAIL_CONTRACT_REFUSED,
		    acc.acc_email, PATH_ACCOUNT, NULL, acc.acc_first_name,
		    acc.acc_last_name, data);
		json_decref(data);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* One try of rb_auth_add_contract() inside its transaction. */
struct add_contract {
	const struct rb_auth_req	*ad_r;
	const struct rb_limit		*ad_lm;
	const struct rb_contract_ref	*ad_ref;
	int64_t				 ad_account;
	const char			*ad_cn, *ad_target;
	json_t				*ad_detail;
	int				 ad_refused;	/* seen by another */
};

/* Links the contract (right proof) or counts the wrong proof (no ref):
 * 0 or -1. The detail is rebuilt on each try. */
static int
add_contract_try(rb_db *db, void *arg)
{
	struct add_contract *a = arg;
	const struct rb_auth_req *r = a->ad_r;
	int64_t other;
	int linked;

	a->ad_refused = 0;
	json_object_del(a->ad_detail, "holder");
	json_object_del(a->ad_detail, "notified");
	json_object_del(a->ad_detail, "replaced");
	if (a->ad_ref == NULL)
		return rb_limit_fail(r, a->ad_lm) == 0 &&
		    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, a->ad_account,
		    "contract.add_failed", a->ad_cn[0] != '\0' ? a->ad_target :
		    NULL, a->ad_detail) == 0 ? 0 : -1;
	if ((linked = rb_account_link_contract(db, a->ad_account,
	    a->ad_ref->cr_id, r->ar_now, &other)) < 0)
		return -1;
	if (linked > 0) {
		/* Another space has it: answer as for a wrong proof, in the
		   same time (the route's minimum). */
		a->ad_refused = 1;
		return add_refused(r, a->ad_lm, a->ad_account, other,
		    a->ad_ref->cr_number, a->ad_target, a->ad_detail);
	}
	if (other != 0)
		json_object_set_new(a->ad_detail, "replaced",
		    json_integer(other));
	return rb_limit_success(r, a->ad_lm) == 0 &&
	    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, a->ad_account,
	    "contract.add", a->ad_target, a->ad_detail) == 0 ? 0 : -1;
}

enum rb_rc
rb_auth_add_contract(const struct rb_auth_req *r, int64_t account,
    const char *contract, enum rb_proof proof, const char *value,
    int *retry_after)
{
	struct rb_contract_ref ref;
	struct rb_holder holder;
	struct rb_limit lm;
	char cn[RB_CONTRACT_NUM_MAX], target[RB_CONTRACT_NUM_MAX + 16];
	struct add_contract a;
	enum rb_rc rc;
	json_t *detail;
	int limited;

	*retry_after = 0;
	rb_auth_norm_contract(contract, cn, sizeof(cn));
	rb_limit_init(&lm, r, RB_LIMIT_PROOF, cn);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;
	rc = rb_auth_check_proof(r, cn, proof, value, &ref, &holder);
	snprintf(target, sizeof(target), "contract:%s", cn);
	detail = json_pack("{s:s}", "proof", rb_auth_proof_name(proof));
	switch (rc) {
	case RB_OK:
	case RB_DENIED:
		memset(&a, 0, sizeof(a));
		a.ad_r = r;
		a.ad_lm = &lm;
		a.ad_ref = rc == RB_OK ? &ref : NULL;
		a.ad_account = account;
		a.ad_cn = cn;
		a.ad_target = target;
		a.ad_detail = detail;
		if (rb_db_transact(r->ar_db, add_contract_try, &a) != 0)
			rc = RB_ERROR;
		else if (a.ad_refused)
			rc = RB_DENIED;
		break;
	case RB_NO_BILL:
		rc = rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, account,
		    "contract.add_no_bill", target, detail) == 0 ?
		    RB_NO_BILL : RB_ERROR;
		break;
	default:
		rc = RB_ERROR;
		break;
	}
	json_decref(detail);
	return rc;
}

enum rb_rc
rb_auth_contracts(const struct rb_auth_req *r, int64_t account, json_t **out)
{
	return rb_account_contracts(r->ar_db, account, out) == 0 ?
	    RB_OK : RB_ERROR;
}

void
rb_auth_mask_email(const char *email, char *out, size_t size)
{
	const char *at = email != NULL ? strrchr(email, '@') : NULL;
	size_t first = 1;

	if (size == 0)
		return;
	if (at == NULL || at == email) {
		snprintf(out, size, "%s", "•••");
		return;
	}
	/* The whole first character, even when it takes several bytes. */
	while (email + first < at &&
	    ((unsigned char)email[first] & 0xC0) == 0x80)
		first++;
	snprintf(out, size, "%.*s•••%s", (int)first, email, at);
}

void
rb_auth_viewers_mask(json_t *contracts, int64_t account)
{
	json_t *c, *v, *viewers;
	char masked[RB_EMAIL_MAX + 8];
	size_t i, j;

	json_array_foreach(contracts, i, c) {
		viewers = json_object_get(c, "viewers");
		json_array_foreach(viewers, j, v) {
			rb_auth_mask_email(json_string_value(
			    json_object_get(v, "email")), masked,
			    sizeof(masked));
			json_object_set_new(v, "email", json_string(masked));
			json_object_set_new(v, "you", json_boolean(
			    json_integer_value(json_object_get(v,
			    "account")) == account));
			json_object_del(v, "account");
		}
	}
}

enum rb_rc
rb_auth_contract_viewers(const struct rb_auth_req *r, int64_t account,
    json_t **out)
{
	json_t *contracts;

	if (rb_account_contract_viewers(r->ar_db, account, &contracts) != 0) {
		*out = NULL;
		return RB_ERROR;
	}
	rb_auth_viewers_mask(contracts, account);
	*out = contracts;
	return RB_OK;
}

/* /mon-compte's data kept (app/pagecache.h): for one session, whose
   row the sessions' list marks. */
struct account_kept {
	struct rb_auth_account_page ak_page;
};

static void
account_kept_drop(void *p)
{
	struct account_kept *k = p;

	rb_auth_account_page_free(&k->ak_page);
	free(k);
}

static void
page_copy(const struct rb_auth_account_page *from,
    struct rb_auth_account_page *to)
{
	to->ap_tokens = json_deep_copy(from->ap_tokens);
	to->ap_viewers = json_deep_copy(from->ap_viewers);
	to->ap_sessions = json_deep_copy(from->ap_sessions);
	to->ap_braille = json_deep_copy(from->ap_braille);
}

/*
 * Until when the page read at now may serve: its sessions' last uses and
 * its codes' are written at most every RB_SESSION_TOUCH_S without a
 * notice (a touch is no change of the page's rows), so no longer than
 * that; nor after a session listed expires.
 */
static int64_t
account_until(const struct rb_auth_req *r, const json_t *sessions)
{
	int64_t until = (int64_t)r->ar_now + RB_SESSION_TOUCH_S, t;
	const json_t *o;
	size_t i;

	json_array_foreach(sessions, i, o) {
		t = json_integer_value(json_object_get(o, "last_seen_at")) +
		    AUTH_CFG(r, ac_session_idle) - 1;
		if (t < until)
			until = t;
		t = json_integer_value(json_object_get(o, "created_at")) +
		    AUTH_CFG(r, ac_session_absolute) - 1;
		if (t < until)
			until = t;
	}
	return until;
}

enum rb_rc
rb_auth_account_page(const struct rb_auth_req *r, int64_t account,
    int64_t session, struct rb_auth_account_page *out)
{
	struct rb_api_tokens_q tq;
	struct rb_account_viewers_q vq;
	struct rb_sessions_list_q sq;
	struct rb_braille_pref_q bq;
	struct rb_account_ids_q iq;
	struct rb_db_read rd[5];
	struct rb_pagecache_val *v;
	const struct account_kept *got;
	struct account_kept *k;
	uint64_t epoch;
	char param[24];
	int ok, keep;

	memset(out, 0, sizeof(*out));
	/* Kept for the account and session (the list marks it): the
	   session is the value's sub-key. */
	snprintf(param, sizeof(param), "%lld", (long long)session);
	keep = rb_pagecache_keeps(account);
	if (keep && (v = rb_pagecache_get_sub(RB_PAGECACHE_ACCOUNT, account,
	    param, "", (int64_t)r->ar_now, &epoch)) != NULL) {
		got = rb_pagecache_data(v);
		page_copy(&got->ak_page, out);
		rb_pagecache_release(v);
		return RB_OK;
	}
	if (rb_db_begin_read(r->ar_db) != 0)
		return RB_ERROR;
	rb_api_tokens_list_read(&tq, account, &rd[0]);
	rb_account_viewers_read(&vq, account, &rd[1]);
	rb_sessions_list_read(&sq, account, session, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    &rd[2]);
	rb_braille_pref_read(&bq, account, &rd[3]);
	/* The contracts, that the notices of their viewers name. */
	rb_account_ids_read(&iq, account, &rd[4]);
	ok = rb_db_fetch_batch(r->ar_db, rd, keep ? 5 : 4) == 0 &&
	    bq.pq_found;
	if (rb_db_commit(r->ar_db) != 0)
		ok = 0;
	rb_account_viewers_take(&vq, ok, &out->ap_viewers);
	if (!ok) {
		free(iq.iq_ids);
		json_decref(tq.tq_rows);
		json_decref(sq.lq_rows);
		return RB_ERROR;
	}
	rb_auth_viewers_mask(out->ap_viewers, account);
	out->ap_tokens = tq.tq_rows;
	out->ap_sessions = sq.lq_rows;
	out->ap_braille = rb_braille_choice_list(rb_braille_grade_of(
	    bq.pq_pref));
	if (keep) {
		k = rb_xcalloc(1, sizeof(*k));
		page_copy(out, &k->ak_page);
		v = rb_pagecache_val_new(k, account_kept_drop, iq.iq_ids,
		    iq.iq_n);
		rb_pagecache_val_until(v, account_until(r, out->ap_sessions));
		rb_pagecache_put_sub(RB_PAGECACHE_ACCOUNT, account, param, "",
		    v, epoch);
		rb_pagecache_release(v);
	}
	free(iq.iq_ids);
	return RB_OK;
}

void
rb_auth_account_page_free(struct rb_auth_account_page *p)
{
	json_decref(p->ap_tokens);
	json_decref(p->ap_viewers);
	json_decref(p->ap_sessions);
	json_decref(p->ap_braille);
	memset(p, 0, sizeof(*p));
}
