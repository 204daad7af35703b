/*
 * auth_archive.c: the archive visit (see auth.h): a 2023 subscriber
 * opens the bills and readings of before 2024 with the former customer
 * id and password. The check is the migration's (rb_auth_legacy_check:
 * same limits bucket, same timing for unknown ids, same audit shape),
 * except that credentials already moved to a space still open the
 * archive. A visit is stored like a session: only the hash of its
 * cookie, with idle and absolute limits.
 */
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "app/auth_priv.h"
#include "store/archive.h"
#include "store/identity.h"

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

enum rb_auth_rc
rb_auth_archive_open(const struct rb_auth_req *r, const char *old_id,
    const char *password, struct rb_archive_visit *out, int *retry_after)
{
	struct rb_legacy_cred lc;
	struct rb_archive_row row;
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
		return limited > 0 ? RB_AUTH_LIMITED : RB_AUTH_ERROR;
	if ((ok = rb_auth_legacy_check(r, oid, password, 1, &lc,
	    &reason)) < 0)
		return RB_AUTH_ERROR;
	snprintf(target, sizeof(target), "old_id:%s", oid);
	if (!ok)
		return rb_auth_claim_denied(r, &lm, "archive.failed",
		    oid[0] != '\0' ? target : NULL,
		    json_pack("{s:s}", "reason", reason));
	rb_token_new(out->av_cookie);
	rb_token_hash(out->av_cookie, hash);
	if (rb_db_begin(r->ar_db) != 0 ||
	    rb_archive_visit_create(r->ar_db, hash, lc.lc_contract_id,
	    lc.lc_id, r->ar_now, r->ar_ip) != 0 ||
	    rb_limit_success(r, &lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "archive.open", target,
	    NULL) != 0 ||
	    rb_archive_visit_find(r->ar_db, hash, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    &row) != 0 ||
	    rb_db_commit(r->ar_db) != 0) {
		memset(out, 0, sizeof(*out));
		return rb_auth_fail(r);
	}
	fill(out, &row);
	return RB_AUTH_OK;
}

enum rb_auth_rc
rb_auth_archive_visit(const struct rb_auth_req *r, const char *cookie,
    struct rb_archive_visit *out)
{
	struct rb_archive_row row;
	char hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rb_auth_token_shaped(cookie))
		return RB_AUTH_DENIED;
	rb_token_hash(cookie, hash);
	rc = rb_archive_visit_find(r->ar_db, hash, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute),
	    &row);
	if (rc != 0)
		return rc > 0 ? RB_AUTH_DENIED : RB_AUTH_ERROR;
	fill(out, &row);
	return RB_AUTH_OK;
}

enum rb_auth_rc
rb_auth_archive_close(const struct rb_auth_req *r, const char *cookie)
{
	char hash[RB_TOKEN_HASH_LEN + 1];

	if (!rb_auth_token_shaped(cookie))
		return RB_AUTH_OK;
	rb_token_hash(cookie, hash);
	if (rb_archive_visit_delete(r->ar_db, hash) != 0)
		return RB_AUTH_ERROR;
	return RB_AUTH_OK;
}
