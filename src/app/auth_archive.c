/*
 * auth_archive.c: the archive visit (see auth.h): a 2023 subscriber
 * opens the bills and readings of before 2024 with the former customer
 * id. Until the subscriber has an active space, the former password
 * opens it, checked as in the migration's step 1 (rb_auth_legacy_check:
 * same limits bucket, same timing for unknown ids, same audit shape),
 * credentials already moved to a pending space included. Once the space
 * the credentials moved to is active, only that space's current
 * password opens the archive: one secret per person, so a password
 * change or reset applies here too, and the former password, whose
 * hash is then wiped, works nowhere. A visit is stored like a session:
 * only the hash of its cookie, with idle and absolute limits.
 */
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "app/auth_priv.h"
#include "store/accounts.h"
#include "store/archive.h"
#include "store/identity.h"

/*
 * Checks password for oid: against the active space the credentials
 * moved to, else as the migration does. Returns 1 (lc filled), 0 when
 * refused (*reason for the audit), -1 on error.
 */
static int
archive_check(const struct rb_auth_req *r, const char *oid,
    const char *password, struct rb_legacy_cred *lc, const char **reason)
{
	struct rb_account acc;
	int rc;

	if (oid[0] == '\0' || (rc = rb_identity_legacy(r->ar_db, oid, lc)) > 0)
		return rb_auth_legacy_check(r, oid, password, 1, lc, reason);
	if (rc < 0)
		return -1;
	if (lc->lc_account_id == 0 ||
	    (rc = rb_account_by_id(r->ar_db, lc->lc_account_id, &acc)) > 0 ||
	    (rc == 0 && acc.acc_status == RB_ACCOUNT_PENDING))
		return rb_auth_legacy_check(r, oid, password, 1, lc, reason);
	if (rc < 0)
		return -1;
	/* The space is active (or disabled): its password only. */
	*reason = "password";
	if (acc.acc_status != RB_ACCOUNT_ACTIVE ||
	    acc.acc_password_hash[0] == '\0') {
		rb_pwhash_dummy(password);
		*reason = "disabled";
		return 0;
	}
	if (rb_pwhash_verify(acc.acc_password_hash, password) != 0)
		return 0;
	*reason = NULL;
	/* The former hash has no use left: wipe it. */
	if (lc->lc_hash[0] != '\0' && strcmp(lc->lc_hash, "!") != 0 &&
	    rb_identity_legacy_rehash(r->ar_db, lc->lc_id, "!") != 0)
		return -1;
	return 1;
}

static void
fill(struct rb_archive_visit *out, const struct rb_archive_row *row)
{
	out->av_contract_id = row->ar_contract_id;
	snprintf(out->av_number, sizeof(out->av_number), "%s",
	    row->ar_number);
	snprintf(out->av_old_number, sizeof(out->av_old_number), "%s",
	    row->ar_old_number);
	snprintf(out->av_old_id, sizeof(out->av_old_id), "%s",
	    row->ar_old_id);
	out->av_migrated = row->ar_migrated_at != 0;
}

/* One try of rb_auth_archive_open() inside its transaction. */
struct visit_open {
	const struct rb_auth_req	*vt_r;
	const struct rb_limit		*vt_lm;
	const struct rb_legacy_cred	*vt_lc;
	const char			*vt_hash, *vt_target;
	struct rb_archive_row		 vt_row;	/* out */
};

/* Opens the visit, forgets the failures, audits, reads it back; 0 or
 * -1. */
static int
visit_open_try(rb_db *db, void *arg)
{
	struct visit_open *t = arg;
	const struct rb_auth_req *r = t->vt_r;

	return rb_archive_visit_create(db, t->vt_hash,
	    t->vt_lc->lc_contract_id, t->vt_lc->lc_id, r->ar_now,
	    r->ar_ip) != 0 ||
	    rb_limit_success(r, t->vt_lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "archive.open",
	    t->vt_target, NULL) != 0 ||
	    rb_archive_visit_find(db, t->vt_hash, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    &t->vt_row) != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_archive_open(const struct rb_auth_req *r, const char *old_id,
    const char *password, struct rb_archive_visit *out, int *retry_after)
{
	struct rb_legacy_cred lc;
	struct visit_open t;
	struct rb_limit lm;
	char oid[RB_OLD_ID_MAX], target[RB_OLD_ID_MAX + 16];
	char hash[RB_TOKEN_HASH_LEN + 1];
	const char *reason;
	int ok, limited;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	if (password == NULL)
		password = "";
	rb_auth_norm_old_id(old_id, oid, sizeof(oid));
	rb_limit_init(&lm, r, RB_LIMIT_LEGACY, oid);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;
	if ((ok = archive_check(r, oid, password, &lc, &reason)) < 0)
		return RB_ERROR;
	snprintf(target, sizeof(target), "old_id:%s", oid);
	if (!ok)
		return rb_auth_claim_denied(r, &lm, "archive.failed",
		    oid[0] != '\0' ? target : NULL,
		    json_pack("{s:s}", "reason", reason));
	rb_token_new(out->av_cookie);
	rb_token_hash(out->av_cookie, hash);
	t.vt_r = r;
	t.vt_lm = &lm;
	t.vt_lc = &lc;
	t.vt_hash = hash;
	t.vt_target = target;
	if (rb_db_transact(r->ar_db, visit_open_try, &t) != 0) {
		memset(out, 0, sizeof(*out));
		return RB_ERROR;
	}
	fill(out, &t.vt_row);
	return RB_OK;
}

enum rb_rc
rb_auth_archive_visit(const struct rb_auth_req *r, const char *cookie,
    struct rb_archive_visit *out)
{
	struct rb_archive_row row;
	char hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rb_auth_token_shaped(cookie))
		return RB_DENIED;
	rb_token_hash(cookie, hash);
	rc = rb_archive_visit_find(r->ar_db, hash, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    &row);
	if (rc != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	fill(out, &row);
	return RB_OK;
}

enum rb_rc
rb_auth_archive_close(const struct rb_auth_req *r, const char *cookie)
{
	char hash[RB_TOKEN_HASH_LEN + 1];

	if (!rb_auth_token_shaped(cookie))
		return RB_OK;
	rb_token_hash(cookie, hash);
	if (rb_archive_visit_delete(r->ar_db, hash) != 0)
		return RB_ERROR;
	return RB_OK;
}
