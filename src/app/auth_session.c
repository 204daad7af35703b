/*
 * auth_session.c: sign-in, sessions and sign-out (see auth.h).
 *
 * Sign-in answers RB_DENIED whatever was wrong (unknown email,
 * wrong password, account disabled) after the same argon2id work: an
 * unknown email burns a dummy verification. The right password of a
 * space that waits for activation answers RB_PENDING (counted as a
 * failure all the same): only the password's holder learns it. A success opens a
 * new session (a new random id: rotation), whose cookie value is never
 * stored, only its SHA-256. Sessions end after ac_session_idle without
 * use or ac_session_absolute after sign-in.
 */
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "app/auth_priv.h"
#include "app/sesscache.h"
#include "store/accounts.h"
#include "store/sessions.h"

/* Why a sign-in failed, for the audit log only. */
static const char *
signin_failure(int found, const struct rb_account *acc, int password_ok)
{
	if (found != 0)
		return "unknown";
	if (!password_ok)
		return "password";
	return acc->acc_status == RB_ACCOUNT_PENDING ? "pending" : "disabled";
}

/* One try of the transactions of this file (rb_db_transact()). */
struct sess_txn {
	const struct rb_auth_req	*st_r;
	const struct rb_limit		*st_lm;
	const struct rb_account		*st_acc;
	const char			*st_text, *st_text2;
	const char			*st_rehash;
	const json_t			*st_detail;
	int64_t				 st_id;		/* in and out */
	int64_t				 st_acc_id;
};

static int
signin_denied_try(rb_db *db, void *arg)
{
	const struct sess_txn *t = arg;

	(void)db;
	return rb_limit_fail(t->st_r, t->st_lm) == 0 &&
	    rb_auth_audit(t->st_r, RB_ACTOR_ANONYMOUS, 0, "signin.failed",
	    t->st_text, t->st_detail) == 0 ? 0 : -1;
}

/* Counts and audits a failed sign-in in one transaction. */
static enum rb_rc
signin_denied(const struct rb_auth_req *r, const struct rb_limit *lm,
    const char *email_norm, int64_t account, const char *reason)
{
	struct sess_txn t;
	char target[RB_EMAIL_MAX + 8];
	json_t *detail;
	int rc;

	snprintf(target, sizeof(target), "email:%s", email_norm);
	detail = json_pack("{s:s}", "reason", reason);
	if (account != 0)
		json_object_set_new(detail, "account", json_integer(account));
	memset(&t, 0, sizeof(t));
	t.st_r = r;
	t.st_lm = lm;
	t.st_text = email_norm[0] != '\0' ? target : NULL;
	t.st_detail = detail;
	rc = rb_db_transact(r->ar_db, signin_denied_try, &t);
	json_decref(detail);
	return rc == 0 ? RB_DENIED : RB_ERROR;
}

/* st_text: the hash of the new cookie, st_text2: the csrf secret,
 * st_detail unused; st_id receives the session's row id. */
static int
open_session_try(rb_db *db, void *arg)
{
	struct sess_txn *t = arg;
	const struct rb_auth_req *r = t->st_r;
	char target[32];

	snprintf(target, sizeof(target), "account:%lld",
	    (long long)t->st_acc->acc_id);
	return rb_sessions_create(db, t->st_text, t->st_acc->acc_id,
	    t->st_text2, r->ar_now, r->ar_ip, r->ar_user_agent,
	    &t->st_id) != 0 ||
	    (t->st_rehash != NULL && rb_account_set_password(db,
	    t->st_acc->acc_id, t->st_rehash) != 0) ||
	    rb_limit_success(r, t->st_lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, t->st_acc->acc_id,
	    "signin.ok", target, NULL) != 0 ? -1 : 0;
}

/* Opens a session for acc: new cookie, new CSRF secret. */
static enum rb_rc
open_session(const struct rb_auth_req *r, const struct rb_account *acc,
    const char *rehash, const struct rb_limit *lm, struct rb_session *out)
{
	struct sess_txn t;
	char id_hash[RB_TOKEN_HASH_LEN + 1];

	rb_token_new(out->s_cookie);
	rb_token_new(out->s_csrf);
	rb_token_hash(out->s_cookie, id_hash);
	memset(&t, 0, sizeof(t));
	t.st_r = r;
	t.st_lm = lm;
	t.st_acc = acc;
	t.st_text = id_hash;
	t.st_text2 = out->s_csrf;
	t.st_rehash = rehash;
	if (rb_db_transact(r->ar_db, open_session_try, &t) != 0) {
		memset(out, 0, sizeof(*out));
		return RB_ERROR;
	}
	out->s_id = t.st_id;
	out->s_account_id = acc->acc_id;
	snprintf(out->s_email, sizeof(out->s_email), "%s", acc->acc_email);
	snprintf(out->s_first_name, sizeof(out->s_first_name), "%s",
	    acc->acc_first_name);
	snprintf(out->s_last_name, sizeof(out->s_last_name), "%s",
	    acc->acc_last_name);
	return RB_OK;
}

enum rb_rc
rb_auth_signin(const struct rb_auth_req *r, const char *email,
    const char *password, struct rb_session *out, int *retry_after)
{
	struct rb_account acc;
	struct rb_limit lm;
	char email_norm[RB_EMAIL_MAX], rehash[RB_PWHASH_MAX];
	int found = 1, password_ok = 0, limited;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	if (password == NULL)
		password = "";
	rb_auth_norm_email(email, email_norm, sizeof(email_norm));
	rb_limit_init(&lm, r, RB_LIMIT_SIGNIN, email_norm);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;

	if (email_norm[0] != '\0' &&
	    (found = rb_account_by_email(r->ar_db, email_norm, &acc)) < 0)
		return RB_ERROR;
	if (found == 0 && acc.acc_password_hash[0] != '\0')
		password_ok = rb_pwhash_verify(acc.acc_password_hash,
		    password) == 0;
	else
		rb_pwhash_dummy(password);
	if (!password_ok || acc.acc_status != RB_ACCOUNT_ACTIVE) {
		enum rb_rc rc = signin_denied(r, &lm, email_norm,
		    found == 0 ? acc.acc_id : 0,
		    signin_failure(found, &acc, password_ok));

		/* Only the holder of the password learns that the space
		   waits for activation. */
		if (rc == RB_DENIED && password_ok &&
		    acc.acc_status == RB_ACCOUNT_PENDING)
			return RB_PENDING;
		return rc;
	}

	/* Hashes made with older parameters are upgraded now that the
	   password is at hand. */
	if (rb_pwhash_needs_rehash(acc.acc_password_hash) == 1 &&
	    rb_pwhash(password, rehash) == 0)
		return open_session(r, &acc, rehash, &lm, out);
	return open_session(r, &acc, NULL, &lm, out);
}

enum rb_rc
rb_auth_session(const struct rb_auth_req *r, const char *cookie,
    struct rb_session *out)
{
	struct rb_session_row row;
	char id_hash[RB_TOKEN_HASH_LEN + 1];
	uint64_t epoch;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rb_auth_token_shaped(cookie))
		return RB_DENIED;
	rb_token_hash(cookie, id_hash);
	/* Kept in memory (sesscache.h): no round trip. */
	if (rb_sesscache_get(id_hash, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    &row, &epoch) == 0)
		goto found;
	/* Read in the shared read transaction when there is one; what
	   is to be written (touch, delete) is read again and written on
	   the request's connection. A failure there is tried again on
	   it too. */
	rc = r->ar_read_db == NULL ? 2 : rb_sessions_peek(r->ar_read_db,
	    id_hash, r->ar_now, AUTH_CFG(r, ac_session_idle),
	    AUTH_CFG(r, ac_session_absolute), &row);
	if (rc == 2 || rc < 0)
		rc = rb_sessions_find(r->ar_db, id_hash, r->ar_now,
		    AUTH_CFG(r, ac_session_idle),
		    AUTH_CFG(r, ac_session_absolute), &row);
	if (rc != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	rb_sesscache_put(id_hash, &row, epoch);
found:
	out->s_id = row.sr_id;
	out->s_account_id = row.sr_account_id;
	/* The row's texts are NUL-terminated in fields of the same sizes
	   (store/sessions.h): copied whole, no formatting at each page. */
	_Static_assert(sizeof(out->s_csrf) == sizeof(row.sr_csrf) &&
	    sizeof(out->s_email) == sizeof(row.sr_email) &&
	    sizeof(out->s_first_name) == sizeof(row.sr_first_name) &&
	    sizeof(out->s_last_name) == sizeof(row.sr_last_name),
	    "session fields of the row and of the session differ");
	memcpy(out->s_csrf, row.sr_csrf, sizeof(out->s_csrf));
	memcpy(out->s_email, row.sr_email, sizeof(out->s_email));
	memcpy(out->s_first_name, row.sr_first_name,
	    sizeof(out->s_first_name));
	memcpy(out->s_last_name, row.sr_last_name, sizeof(out->s_last_name));
	return RB_OK;
}

/* st_text: the hash of the cookie. */
static int
signout_try(rb_db *db, void *arg)
{
	const struct sess_txn *t = arg;
	char target[32];
	int64_t account;

	if (rb_sessions_delete(db, t->st_text, &account) != 0)
		return -1;
	if (account == 0)
		return 0;
	snprintf(target, sizeof(target), "account:%lld", (long long)account);
	return rb_auth_audit(t->st_r, RB_ACTOR_SUBSCRIBER, account, "signout",
	    target, NULL) != 0 ? -1 : 0;
}

/* st_id: the session (in), st_text: its audit target; 0, 1 when the
 * account has no such session (rolled back) or -1. */
static int
session_end_try(rb_db *db, void *arg)
{
	const struct sess_txn *t = arg;
	int rc;

	if ((rc = rb_sessions_delete_id(db, t->st_acc_id, t->st_id)) != 0)
		return rc < 0 ? -1 : 1;
	return rb_auth_audit(t->st_r, RB_ACTOR_SUBSCRIBER, t->st_acc_id,
	    "session.end", t->st_text, NULL) != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_signout(const struct rb_auth_req *r, const char *cookie)
{
	struct sess_txn t;
	char id_hash[RB_TOKEN_HASH_LEN + 1];

	if (!rb_auth_token_shaped(cookie))
		return RB_OK;
	rb_token_hash(cookie, id_hash);
	memset(&t, 0, sizeof(t));
	t.st_r = r;
	t.st_text = id_hash;
	return rb_db_transact(r->ar_db, signout_try, &t) == 0 ? RB_OK :
	    RB_ERROR;
}

enum rb_rc
rb_auth_sessions(const struct rb_auth_req *r, int64_t account,
    int64_t current_session, json_t **out)
{
	if (rb_sessions_list(r->ar_db, account, current_session, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    out) != 0)
		return RB_ERROR;
	return RB_OK;
}

enum rb_rc
rb_auth_session_end(const struct rb_auth_req *r, int64_t account,
    int64_t session_id)
{
	struct sess_txn t;
	char target[32];
	int rc;

	snprintf(target, sizeof(target), "session:%lld",
	    (long long)session_id);
	memset(&t, 0, sizeof(t));
	t.st_r = r;
	t.st_acc_id = account;
	t.st_id = session_id;
	t.st_text = target;
	if ((rc = rb_db_transact(r->ar_db, session_end_try, &t)) > 0)
		return RB_DENIED;
	return rc == 0 ? RB_OK : RB_ERROR;
}
