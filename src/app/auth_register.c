/*
 * auth_register.c: step 2 of both ways to open a space (name, email,
 * password), activation from the emailed link, and resending that link
 * (see auth.h).
 *
 * Step 2 never tells what it found. Whatever the case it answers OK and
 * acts by email:
 *   - the contract already has an active space: nothing is created, the
 *     email on file is told (RB_MAIL_SPACE_EXISTS);
 *   - an active account already uses the email given: nothing is
 *     created, that address is told (RB_MAIL_SPACE_EXISTS);
 *   - otherwise a pending account is created (or a pending one with this
 *     email is updated), the contract linked, and the activation link
 *     sent to the email given. A contract is seen by one account at
 *     most: a pending or disabled account that saw it loses it (audited
 *     as "replaced"). After a 2023 claim the former credentials
 *     are marked moved: they no longer open the new space.
 * Unless the space exists, when the email given differs from the email
 * on file, the email on file is told as well (RB_MAIL_EMAIL_DIFFERS).
 * The password is hashed in every case, so that timing tells nothing.
 */
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "app/auth_priv.h"
#include "store/accounts.h"
#include "store/claims.h"
#include "store/identity.h"
#include "store/tokens.h"

#define PATH_ACTIVATE	"/activer?jeton="
#define PATH_SIGNIN	"/connexion"

/* What step 2 did, for the audit log. */
enum outcome {
	OUT_CREATED,
	OUT_UPDATED,
	OUT_ACCOUNT_EXISTS,
	OUT_SPACE_EXISTS,
	OUT__MAX
};

static const char *const outcome_names[OUT__MAX] = {
	[OUT_CREATED] = "created",
	[OUT_UPDATED] = "updated",
	[OUT_ACCOUNT_EXISTS] = "account_exists",
	[OUT_SPACE_EXISTS] = "space_exists",
};

/* The validated fields of step 2. */
struct profile {
	char	pf_last[128];
	char	pf_first[128];
	char	pf_email[RB_EMAIL_MAX];		/* as typed, trimmed, NFC */
	char	pf_email_norm[RB_EMAIL_MAX];
	char	pf_hash[RB_PWHASH_MAX];
};

int
rb_auth_send_activation(const struct rb_auth_req *r, int64_t account, const char *to,
    const char *first, const char *last)
{
	char token[RB_TOKEN_LEN + 1], hash[RB_TOKEN_HASH_LEN + 1];

	rb_token_new(token);
	rb_token_hash(token, hash);
	if (rb_tokens_create(r->ar_db, RB_TOKEN_ACTIVATION, hash, account,
	    NULL, r->ar_now, AUTH_CFG(r, ac_activation_ttl)) != 0)
		return -1;
	return rb_auth_mail(r, RB_MAIL_ACTIVATION, to, PATH_ACTIVATE, token,
	    AUTH_CFG(r, ac_activation_ttl), first, last, NULL);
}

/* Checks the fields of step 2 into pf and errs; returns the number of
 * problems. */
static int
check_profile(const struct rb_profile *p, const char *password,
    const char *password2, const struct rb_contract_ref *contract,
    struct profile *pf, struct rb_auth_errors *errs)
{
	struct rb_pw_person who;
	int n = 0;

	if ((errs->ae_msg[RB_F_LAST_NAME] = rb_auth_check_name(
	    p->pr_last_name, 1, "Indiquez votre nom.",
	    "Le nom ne doit pas dépasser 60 caractères.", pf->pf_last,
	    sizeof(pf->pf_last))) != NULL)
		n++;
	if ((errs->ae_msg[RB_F_FIRST_NAME] = rb_auth_check_name(
	    p->pr_first_name, 0, NULL,
	    "Le prénom ne doit pas dépasser 60 caractères.", pf->pf_first,
	    sizeof(pf->pf_first))) != NULL)
		n++;
	if (rb_auth_norm_email(p->pr_email, pf->pf_email_norm,
	    sizeof(pf->pf_email_norm)) != 0 ||
	    rb_auth_clean_text(p->pr_email, pf->pf_email,
	    sizeof(pf->pf_email)) != 0) {
		errs->ae_msg[RB_F_EMAIL] = pf->pf_email[0] == '\0' &&
		    (p->pr_email == NULL || p->pr_email[0] == '\0') ?
		    "Indiquez votre adresse e-mail." :
		    "Adresse e-mail invalide.";
		n++;
	}
	memset(&who, 0, sizeof(who));
	who.pp_email = p->pr_email;
	who.pp_last_name = pf->pf_last;
	who.pp_first_name = pf->pf_first;
	who.pp_contract = contract->cr_number;
	n += rb_auth_check_new_password(password, password2, &who, errs);
	/* The former contract number must not be in it either. */
	if (errs->ae_msg[RB_F_PASSWORD] == NULL &&
	    contract->cr_old_number[0] != '\0') {
		who.pp_contract = contract->cr_old_number;
		if ((errs->ae_msg[RB_F_PASSWORD] = rb_password_check(password,
		    &who)) != NULL)
			n++;
	}
	return n;
}

/*
 * The account part of step 2, inside the transaction: creates or
 * updates the pending account of pf, or finds an active one. Sets
 * *outcome and *account, and *replaced to the pending or disabled
 * account that saw the contract until now (0 when none).
 */
static int
register_account(const struct rb_auth_req *r, const struct profile *pf,
    const struct rb_claim_row *claim, enum outcome *outcome,
    int64_t *account, int64_t *replaced)
{
	struct rb_account acc;
	int rc;

	*account = 0;
	*replaced = 0;
	if ((rc = rb_account_by_email(r->ar_db, pf->pf_email_norm, &acc)) < 0)
		return -1;
	if (rc == 0 && acc.acc_status != RB_ACCOUNT_PENDING) {
		/* Do not say so on the page: tell the address. */
		*outcome = OUT_ACCOUNT_EXISTS;
		*account = acc.acc_id;
		return rb_auth_mail(r, RB_MAIL_SPACE_EXISTS, acc.acc_email,
		    PATH_SIGNIN, NULL, 0, acc.acc_first_name,
		    acc.acc_last_name, NULL);
	}
	if (rc == 0) {
		*outcome = OUT_UPDATED;
		*account = acc.acc_id;
		if (rb_account_update_pending(r->ar_db, acc.acc_id, pf->pf_last,
		    pf->pf_first, pf->pf_hash) != 0)
			return -1;
	} else {
		*outcome = OUT_CREATED;
		/* 1 (email taken) cannot happen on SQLite, where the
		   transaction holds the write lock since the lookup; on
		   PostgreSQL a concurrent twin fails here and its
		   transaction is run again. */
		if (rb_account_create_pending(r->ar_db, pf->pf_email,
		    pf->pf_email_norm, pf->pf_last, pf->pf_first, pf->pf_hash,
		    r->ar_now, account) != 0)
			return -1;
	}
	/* The caller found no active space for the contract in this
	   transaction: 1 here is a concurrent twin on PostgreSQL, whose
	   transaction rb_db_transact() runs again. A pending or disabled
	   account holding the contract gives way (accounts.h). */
	if (rb_account_link_contract(r->ar_db, *account, claim->cr_contract_id,
	    r->ar_now, replaced) != 0 ||
	    (claim->cr_kind == RB_CLAIM_LEGACY &&
	    rb_identity_legacy_migrated(r->ar_db, claim->cr_legacy_id,
	    *account, r->ar_now) < 0))
		return -1;
	return rb_auth_send_activation(r, *account, pf->pf_email, pf->pf_first,
	    pf->pf_last);
}

/* One try of rb_auth_register() inside its transaction. */
struct reg {
	const struct rb_auth_req	*rg_r;
	const struct rb_claim_row	*rg_claim;
	const struct rb_contract_ref	*rg_contract;
	const struct rb_holder		*rg_holder;
	const struct profile		*rg_pf;
	const char			*rg_on_file;
	int				 rg_denied;	/* claim used */
};

/*
 * Uses the claim and creates (or finds) the account inside
 * rb_db_transact(): the check for an active space of the contract and
 * the link see the same rows; on PostgreSQL a concurrent registration
 * for the same contract or email makes the engine refuse one of the two
 * (RB_RETRY, or a unique index), and its next try sees the other's
 * account as a sequential one would. Returns 0 (commit; rg_denied when
 * the claim was used meanwhile, nothing written) or -1.
 */
static int
register_try(rb_db *db, void *arg)
{
	struct reg *g = arg;
	const struct rb_auth_req *r = g->rg_r;
	const struct rb_holder *holder = g->rg_holder;
	enum outcome outcome;
	char target[32];
	int64_t account = 0, replaced = 0;
	json_t *detail;
	int rc;

	g->rg_denied = 0;
	if ((rc = rb_claims_use(db, g->rg_claim->cr_id, r->ar_now)) < 0)
		return -1;
	if (rc > 0) {
		/* Used by a concurrent twin, or expired meanwhile. */
		g->rg_denied = 1;
		return 0;
	}
	if ((rc = rb_identity_has_active_space(db,
	    g->rg_contract->cr_id)) < 0)
		return -1;
	if (rc > 0) {
		outcome = OUT_SPACE_EXISTS;
		if (holder->ho_email[0] != '\0' && rb_auth_mail(r,
		    RB_MAIL_SPACE_EXISTS, holder->ho_email, PATH_SIGNIN, NULL,
		    0, holder->ho_first_name, holder->ho_last_name, NULL) != 0)
			return -1;
	} else {
		if (register_account(r, g->rg_pf, g->rg_claim, &outcome,
		    &account, &replaced) != 0)
			return -1;
		/* Someone else may be using the contract: tell its holder. */
		if (holder->ho_email[0] != '\0' &&
		    strcmp(g->rg_on_file, g->rg_pf->pf_email_norm) != 0 &&
		    rb_auth_mail(r, RB_MAIL_EMAIL_DIFFERS, holder->ho_email,
		    PATH_SIGNIN, NULL, 0, holder->ho_first_name,
		    holder->ho_last_name, NULL) != 0)
			return -1;
	}
	snprintf(target, sizeof(target), "contract:%s",
	    g->rg_contract->cr_number);
	detail = json_pack("{s:s}", "outcome", outcome_names[outcome]);
	if (account != 0)
		json_object_set_new(detail, "account", json_integer(account));
	if (replaced != 0)
		json_object_set_new(detail, "replaced", json_integer(replaced));
	rc = rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0,
	    g->rg_claim->cr_kind == RB_CLAIM_LEGACY ? "migration.register" :
	    "creation.register", target, detail);
	json_decref(detail);
	return rc != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_register(const struct rb_auth_req *r, const char *claim_token,
    const struct rb_profile *p, const char *password, const char *password2,
    struct rb_auth_errors *errs)
{
	struct rb_claim_row claim;
	struct rb_contract_ref contract;
	struct rb_holder holder;
	struct profile pf;
	struct reg g;
	char hash[RB_TOKEN_HASH_LEN + 1], on_file[RB_EMAIL_MAX];
	int rc;

	memset(errs, 0, sizeof(*errs));
	memset(&pf, 0, sizeof(pf));
	if (!rb_auth_token_shaped(claim_token))
		return RB_DENIED;
	rb_token_hash(claim_token, hash);
	if ((rc = rb_claims_get(r->ar_db, hash, r->ar_now, &claim)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	if ((rc = rb_identity_contract_by_id(r->ar_db, claim.cr_contract_id,
	    &contract)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	if (check_profile(p, password, password2, &contract, &pf, errs) > 0)
		return RB_INVALID;
	if (rb_pwhash(password, pf.pf_hash) != 0 ||
	    rb_identity_holder(r->ar_db, contract.cr_id, &holder) != 0)
		return RB_ERROR;
	/* Notices go to the email on file only when it is an address. */
	if (rb_auth_norm_email(holder.ho_email, on_file, sizeof(on_file)) != 0)
		holder.ho_email[0] = '\0';

	g.rg_r = r;
	g.rg_claim = &claim;
	g.rg_contract = &contract;
	g.rg_holder = &holder;
	g.rg_pf = &pf;
	g.rg_on_file = on_file;
	if (rb_db_transact(r->ar_db, register_try, &g) != 0)
		return RB_ERROR;
	return g.rg_denied ? RB_DENIED : RB_OK;
}

/* One try of rb_auth_activate() or rb_auth_resend(). */
struct act_txn {
	const struct rb_auth_req	*xt_r;
	const char			*xt_hash;	/* activate */
	const struct rb_limit		*xt_lm;		/* resend */
	const struct rb_account		*xt_acc;	/* resend, or NULL */
};

/*
 * Uses the activation token and activates its account: 0, 1 when the
 * token is unknown or its account disabled (rolled back), or -1. Two
 * clicks at once: PostgreSQL refuses one, whose next try finds the
 * token used and the account active, which is fine.
 */
static int
activate_try(rb_db *db, void *arg)
{
	const struct act_txn *t = arg;
	const struct rb_auth_req *r = t->xt_r;
	struct rb_account acc;
	char target[32];
	int64_t account;
	int rc;

	if ((rc = rb_tokens_consume(db, RB_TOKEN_ACTIVATION, t->xt_hash,
	    r->ar_now, &account, NULL, 0)) < 0)
		return -1;
	if (rc == 0 && (rc = rb_account_activate(db, account,
	    r->ar_now)) < 0)
		return -1;
	if (rc > 0) {
		/* No such token, or the account is not pending: already
		   active is fine, disabled is not. */
		if (account == 0 ||
		    (rc = rb_account_by_id(db, account, &acc)) != 0 ||
		    acc.acc_status != RB_ACCOUNT_ACTIVE)
			return rc < 0 ? -1 : 1;
	}
	snprintf(target, sizeof(target), "account:%lld", (long long)account);
	return rb_auth_audit(r, RB_ACTOR_SUBSCRIBER, account,
	    "account.activate", target, NULL) != 0 ? -1 : 0;
}

/* Counts the request; sends a new link to a pending account. 0 or
 * -1. */
static int
resend_try(rb_db *db, void *arg)
{
	const struct act_txn *t = arg;
	const struct rb_account *acc = t->xt_acc;
	char target[32];

	(void)db;
	if (rb_limit_fail(t->xt_r, t->xt_lm) != 0)
		return -1;
	if (acc == NULL)
		return 0;
	snprintf(target, sizeof(target), "account:%lld",
	    (long long)acc->acc_id);
	return rb_auth_send_activation(t->xt_r, acc->acc_id, acc->acc_email,
	    acc->acc_first_name, acc->acc_last_name) != 0 ||
	    rb_auth_audit(t->xt_r, RB_ACTOR_ANONYMOUS, 0, "account.resend",
	    target, NULL) != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_activate(const struct rb_auth_req *r, const char *token)
{
	struct act_txn t;
	char hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	if (!rb_auth_token_shaped(token))
		return RB_DENIED;
	rb_token_hash(token, hash);
	memset(&t, 0, sizeof(t));
	t.xt_r = r;
	t.xt_hash = hash;
	if ((rc = rb_db_transact(r->ar_db, activate_try, &t)) > 0)
		return RB_DENIED;
	return rc == 0 ? RB_OK : RB_ERROR;
}

enum rb_rc
rb_auth_resend(const struct rb_auth_req *r, const char *email,
    int *retry_after)
{
	struct rb_account acc;
	struct rb_limit lm;
	struct act_txn t;
	char norm[RB_EMAIL_MAX];
	int rc, limited;

	*retry_after = 0;
	rb_auth_norm_email(email, norm, sizeof(norm));
	rb_limit_init(&lm, r, RB_LIMIT_RESEND, norm);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;
	if ((rc = rb_account_by_email(r->ar_db, norm, &acc)) < 0)
		return RB_ERROR;
	/* Every request counts: each may send an email. */
	memset(&t, 0, sizeof(t));
	t.xt_r = r;
	t.xt_lm = &lm;
	t.xt_acc = rc == 0 && acc.acc_status == RB_ACCOUNT_PENDING ? &acc :
	    NULL;
	return rb_db_transact(r->ar_db, resend_try, &t) == 0 ? RB_OK :
	    RB_ERROR;
}
