/*
 * auth_claim.c: step 1 of the two ways to open a space (see auth.h):
 * the 2023 migration (former customer id and password, verified against
 * the former system's hash) and account creation (contract number and
 * one proof: the email on file, an invoice number or the meter number).
 * A success stores a claim, found again in step 2 by its token.
 *
 * No answer tells whether a contract, an invoice, a meter or a former
 * id exists: every failure is RB_DENIED, and the same queries and
 * the same hashing run whether the thing looked up exists or not.
 *
 * What step 2 shows pre-filled depends on the proof. The former password
 * proves the person, so names and the email on file are shown. A
 * contract proof is weaker (an invoice can be lost, a meter can stand
 * in a shared hallway): names are shown after an email or invoice proof
 * (both are printed on the bill) and the email only as typed; nothing
 * after a meter number.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/crypto.h"
#include "base/log.h"
#include "app/auth_priv.h"
#include "store/accounts.h"
#include "store/claims.h"
#include "store/identity.h"

/*
 * A sha512crypt hash, with the former system's default cost, of a
 * random password that was thrown away: verified when a former id is
 * unknown or already moved, so that such answers take as long as real
 * ones.
 */
static const char dummy_legacy_hash[] =
	"$6$NEF7TfED0iEFwJLE$DxibbNEuJHBKDQiZO9T0FfnKmAUdb3oMpH3eNn.rXhlweA0"
	"tSO7n82jnoBYX2DkDw1RfIVFY1kjLpCTzRIwXp1";

/* Proof names for the audit log. */
static const char *const proof_names[RB_PROOF__MAX] = {
	[RB_PROOF_EMAIL] = "email",
	[RB_PROOF_INVOICE] = "invoice",
	[RB_PROOF_METER] = "meter",
};

const char *
rb_auth_proof_name(enum rb_proof proof)
{
	return (unsigned)proof < RB_PROOF__MAX ? proof_names[proof] : "none";
}

enum rb_rc
rb_auth_check_proof(const struct rb_auth_req *r, const char *contract_norm,
    enum rb_proof proof, const char *value, struct rb_contract_ref *contract,
    struct rb_holder *holder)
{
	char v[RB_EMAIL_MAX], on_file[RB_EMAIL_MAX];
	int64_t cid;
	int rc, match = 0, may;

	memset(contract, 0, sizeof(*contract));
	memset(holder, 0, sizeof(*holder));
	/* The same statements run whatever exists: an unknown contract
	   is looked up as id 0, which matches nothing. */
	if ((rc = rb_identity_contract(r->ar_db, contract_norm,
	    contract)) < 0)
		return RB_ERROR;
	cid = rc == 0 ? contract->cr_id : 0;
	if (rb_identity_holder(r->ar_db, cid, holder) != 0)
		return RB_ERROR;
	switch (proof) {
	case RB_PROOF_EMAIL:
		match = rb_auth_norm_email(value, v, sizeof(v)) == 0 &&
		    rb_auth_norm_email(holder->ho_email, on_file,
		    sizeof(on_file)) == 0 && strcmp(v, on_file) == 0;
		break;
	case RB_PROOF_INVOICE:
		rb_auth_norm_invoice(value, v, sizeof(v));
		match = rb_identity_invoice_matches(r->ar_db, cid, v);
		break;
	case RB_PROOF_METER:
		rb_auth_norm_meter(value, v, sizeof(v));
		match = rb_identity_meter_matches(r->ar_db, cid, v);
		break;
	default:
		return RB_DENIED;
	}
	if (match < 0 || (may = rb_identity_may_open(r->ar_db, cid)) < 0)
		return RB_ERROR;
	if (!match || cid == 0)
		return RB_DENIED;
	return may ? RB_OK : RB_NO_BILL;
}

/* One try of the transactions of this file (rb_db_transact()). */
struct claim_txn {
	const struct rb_auth_req	*ct_r;
	const struct rb_limit		*ct_lm;
	const struct rb_claim_row	*ct_row;	/* NULL: denied */
	const char			*ct_action, *ct_target, *ct_hash;
	const json_t			*ct_detail;
};

/* Counts a failure and audits it, or stores the claim; 0 or -1. */
static int
claim_try(rb_db *db, void *arg)
{
	const struct claim_txn *t = arg;
	const struct rb_auth_req *r = t->ct_r;

	if (t->ct_row == NULL)
		return rb_limit_fail(r, t->ct_lm) == 0 &&
		    rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, t->ct_action,
		    t->ct_target, t->ct_detail) == 0 ? 0 : -1;
	return rb_claims_create(db, t->ct_hash, t->ct_row, r->ar_ip,
	    r->ar_now, AUTH_CFG(r, ac_claim_ttl)) != 0 ||
	    rb_limit_success(r, t->ct_lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, t->ct_action,
	    t->ct_target, NULL) != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_claim_denied(const struct rb_auth_req *r, const struct rb_limit *lm,
    const char *action, const char *target, json_t *detail)
{
	struct claim_txn t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.ct_r = r;
	t.ct_lm = lm;
	t.ct_action = action;
	t.ct_target = target;
	t.ct_detail = detail;
	rc = rb_db_transact(r->ar_db, claim_try, &t);
	json_decref(detail);
	return rc == 0 ? RB_DENIED : RB_ERROR;
}

/* Stores the claim row and fills out; audits action on target. */
static enum rb_rc
claim_store(const struct rb_auth_req *r, const struct rb_limit *lm,
    const struct rb_claim_row *row, const char *contract_number,
    const char *action, const char *target, struct rb_claim *out)
{
	struct claim_txn t;
	char hash[RB_TOKEN_HASH_LEN + 1];

	rb_token_new(out->cl_token);
	rb_token_hash(out->cl_token, hash);
	memset(&t, 0, sizeof(t));
	t.ct_r = r;
	t.ct_lm = lm;
	t.ct_row = row;
	t.ct_action = action;
	t.ct_target = target;
	t.ct_hash = hash;
	if (rb_db_transact(r->ar_db, claim_try, &t) != 0) {
		memset(out, 0, sizeof(*out));
		return RB_ERROR;
	}
	snprintf(out->cl_contract, sizeof(out->cl_contract), "%s",
	    contract_number);
	snprintf(out->cl_last_name, sizeof(out->cl_last_name), "%s",
	    row->cr_last_name);
	snprintf(out->cl_first_name, sizeof(out->cl_first_name), "%s",
	    row->cr_first_name);
	snprintf(out->cl_email, sizeof(out->cl_email), "%s", row->cr_email);
	return RB_OK;
}

int
rb_auth_legacy_check(const struct rb_auth_req *r, const char *oid,
    const char *password, int accept_moved, struct rb_legacy_cred *lc,
    const char **reason)
{
	enum rb_legacy v = RB_LEGACY_MISMATCH;
	int found, usable;

	*reason = "unknown";
	if ((found = rb_identity_legacy(r->ar_db, oid, lc)) < 0)
		return -1;
	usable = found == 0 && lc->lc_hash[0] != '\0' &&
	    (accept_moved || lc->lc_migrated_at == 0);
	if (usable)
		v = rb_legacy_verify(lc->lc_hash, password);
	if (!usable || v == RB_LEGACY_REFUSED)
		(void)rb_legacy_verify(dummy_legacy_hash, password);
	if (v != RB_LEGACY_OK) {
		*reason = found != 0 ? "unknown" : !usable &&
		    lc->lc_migrated_at != 0 ? "migrated" :
		    v == RB_LEGACY_REFUSED ? "refused" : "password";
		return 0;
	}
	/* The former system's hash is verified once, then replaced by an
	   argon2id hash of the same password (the archive takes the old
	   id and password until the space they moved to is active). */
	if (strncmp(lc->lc_hash, "$argon2id$", 10) != 0) {
		char upgraded[RB_PWHASH_MAX];

		if (rb_pwhash(password, upgraded) != 0 ||
		    rb_identity_legacy_rehash(r->ar_db, lc->lc_id,
		    upgraded) != 0)
			return -1;
		sodium_memzero(upgraded, sizeof(upgraded));
	}
	*reason = NULL;
	return 1;
}

enum rb_rc
rb_auth_claim_legacy(const struct rb_auth_req *r, const char *old_id,
    const char *password, struct rb_claim *out, int *retry_after)
{
	struct rb_legacy_cred lc;
	struct rb_contract_ref contract;
	struct rb_holder holder;
	struct rb_claim_row row;
	struct rb_limit lm;
	char oid[RB_OLD_ID_MAX], target[RB_OLD_ID_MAX + 16];
	const char *reason;
	int ok, limited, rc;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	if (password == NULL)
		password = "";
	rb_auth_norm_old_id(old_id, oid, sizeof(oid));
	rb_limit_init(&lm, r, RB_LIMIT_LEGACY, oid);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;

	/* Credentials already moved no longer open the new space; they
	   still open the archive (rb_auth_archive_open). Moved to a space
	   that waits for activation, the right password learns so (one
	   verification in every case: timing tells nothing). */
	if ((ok = rb_auth_legacy_check(r, oid, password, 1, &lc,
	    &reason)) < 0)
		return RB_ERROR;
	if (ok && lc.lc_migrated_at != 0) {
		struct rb_account acc;
		int pending;

		if ((rc = lc.lc_account_id == 0 ? 1 :
		    rb_account_by_id(r->ar_db, lc.lc_account_id, &acc)) < 0)
			return RB_ERROR;
		pending = rc == 0 && acc.acc_status == RB_ACCOUNT_PENDING;
		snprintf(target, sizeof(target), "old_id:%s", oid);
		rc = rb_auth_claim_denied(r, &lm, "migration.failed", target,
		    json_pack("{s:s}", "reason", pending ? "pending" :
		    "migrated"));
		return rc == RB_DENIED && pending ? RB_PENDING : rc;
	}
	if ((rc = rb_identity_contract_by_id(r->ar_db,
	    ok ? lc.lc_contract_id : 0, &contract)) < 0 ||
	    rb_identity_holder(r->ar_db, contract.cr_id, &holder) != 0)
		return RB_ERROR;

	snprintf(target, sizeof(target), "old_id:%s", oid);
	if (!ok || rc != 0)
		return rb_auth_claim_denied(r, &lm, "migration.failed",
		    oid[0] != '\0' ? target : NULL,
		    json_pack("{s:s}", "reason", ok ? "contract" : reason));
	memset(&row, 0, sizeof(row));
	row.cr_kind = RB_CLAIM_LEGACY;
	row.cr_contract_id = contract.cr_id;
	row.cr_legacy_id = lc.lc_id;
	snprintf(row.cr_last_name, sizeof(row.cr_last_name), "%s",
	    holder.ho_last_name);
	snprintf(row.cr_first_name, sizeof(row.cr_first_name), "%s",
	    holder.ho_first_name);
	snprintf(row.cr_email, sizeof(row.cr_email), "%s", holder.ho_email);
	return claim_store(r, &lm, &row, contract.cr_number, "migration.claim",
	    target, out);
}

enum rb_rc
rb_auth_claim_contract(const struct rb_auth_req *r, const char *contract,
    enum rb_proof proof, const char *value, struct rb_claim *out,
    int *retry_after)
{
	struct rb_contract_ref ref;
	struct rb_holder holder;
	struct rb_claim_row row;
	struct rb_limit lm;
	char cn[RB_CONTRACT_NUM_MAX], target[RB_CONTRACT_NUM_MAX + 16];
	const char *pname;
	enum rb_rc rc;
	json_t *detail;
	int limited;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	rb_auth_norm_contract(contract, cn, sizeof(cn));
	rb_limit_init(&lm, r, RB_LIMIT_PROOF, cn);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;

	rc = rb_auth_check_proof(r, cn, proof, value, &ref, &holder);
	snprintf(target, sizeof(target), "contract:%s", cn);
	pname = rb_auth_proof_name(proof);
	switch (rc) {
	case RB_OK:
		break;
	case RB_NO_BILL:
		detail = json_pack("{s:s}", "proof", pname);
		rc = rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "creation.no_bill",
		    target, detail) == 0 ? RB_NO_BILL : RB_ERROR;
		json_decref(detail);
		return rc;
	case RB_DENIED:
		return rb_auth_claim_denied(r, &lm, "creation.failed",
		    cn[0] != '\0' ? target : NULL,
		    json_pack("{s:s}", "proof", pname));
	default:
		return RB_ERROR;
	}
	memset(&row, 0, sizeof(row));
	row.cr_kind = RB_CLAIM_CONTRACT;
	row.cr_contract_id = ref.cr_id;
	if (proof != RB_PROOF_METER) {
		snprintf(row.cr_last_name, sizeof(row.cr_last_name), "%s",
		    holder.ho_last_name);
		snprintf(row.cr_first_name, sizeof(row.cr_first_name), "%s",
		    holder.ho_first_name);
	}
	if (proof == RB_PROOF_EMAIL)
		rb_auth_clean_text(value, row.cr_email, sizeof(row.cr_email));
	return claim_store(r, &lm, &row, ref.cr_number, "creation.claim", target,
	    out);
}

enum rb_rc
rb_auth_claim_get(const struct rb_auth_req *r, const char *claim_token,
    struct rb_claim *out)
{
	struct rb_claim_row row;
	struct rb_contract_ref ref;
	char hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rb_auth_token_shaped(claim_token))
		return RB_DENIED;
	rb_token_hash(claim_token, hash);
	if ((rc = rb_claims_get(r->ar_db, hash, r->ar_now, &row)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	if ((rc = rb_identity_contract_by_id(r->ar_db, row.cr_contract_id,
	    &ref)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	snprintf(out->cl_token, sizeof(out->cl_token), "%s", claim_token);
	snprintf(out->cl_contract, sizeof(out->cl_contract), "%s",
	    ref.cr_number);
	snprintf(out->cl_last_name, sizeof(out->cl_last_name), "%s",
	    row.cr_last_name);
	snprintf(out->cl_first_name, sizeof(out->cl_first_name), "%s",
	    row.cr_first_name);
	snprintf(out->cl_email, sizeof(out->cl_email), "%s", row.cr_email);
	return RB_OK;
}
