/*
 * auth_limit.c: the rate limits of the ways into the secure space
 * (DESIGN.md, identity rules; OWASP ASVS 2.2.1).
 *
 * Every use case that checks a secret, or sends an email, counts its
 * attempts in three buckets of the shared rate_limits table: one per
 * client IP, one per identifier (email, former customer id, contract
 * number, account) and one overall, each with its own allowance per
 * hour. Failures only are counted where a success is possible (sign-in,
 * proofs, current password); every request where the answer is always
 * the same (reset, resend). Past an allowance the use case answers
 * RB_AUTH_LIMITED with the seconds until the sliding window lets one
 * more attempt in: the wait grows with the number of failures, and ends
 * at most an hour after the last one (never a permanent lock-out).
 */
#include <stdio.h>

#include "base/log.h"
#include "base/logrl.h"
#include "app/auth_priv.h"
#include "store/ratelimit.h"

/* The window failures are counted over (rl_window; one hour). */
#define LIMIT_WINDOW	AUTH_CFG(r, ac_rl_window)

/* Bucket prefix of each action. */
static const char *const action_names[RB_LIMIT__MAX] = {
	[RB_LIMIT_SIGNIN] = "signin",
	[RB_LIMIT_LEGACY] = "legacy",
	[RB_LIMIT_PROOF] = "proof",
	[RB_LIMIT_RESET] = "reset",
	[RB_LIMIT_RESEND] = "resend",
	[RB_LIMIT_REAUTH] = "reauth",
};

enum bucket_kind {
	BK_IP,
	BK_ID,
	BK_ALL,
	BK__MAX
};

/* The allowance of one bucket of lm. */
static int
allowance(const struct rb_auth_req *r, enum rb_limit_action action,
    enum bucket_kind kind)
{
	switch (kind) {
	case BK_IP:
		return AUTH_CFG(r, ac_rl_per_ip);
	case BK_ALL:
		return AUTH_CFG(r, ac_rl_global);
	default:
		break;
	}
	switch (action) {
	case RB_LIMIT_PROOF:
		return AUTH_CFG(r, ac_rl_per_contract);
	case RB_LIMIT_RESET:
	case RB_LIMIT_RESEND:
		return AUTH_CFG(r, ac_rl_mail);
	case RB_LIMIT_REAUTH:
		return AUTH_CFG(r, ac_rl_reauth);
	default:
		return AUTH_CFG(r, ac_rl_per_account);
	}
}

/* The name of bucket kind of lm, NULL when lm has none. */
static const char *
bucket(const struct rb_limit *lm, enum bucket_kind kind)
{
	switch (kind) {
	case BK_IP:
		return lm->lm_ip;
	case BK_ID:
		return lm->lm_id[0] != '\0' ? lm->lm_id : NULL;
	default:
		return lm->lm_all;
	}
}

void
rb_limit_init(struct rb_limit *lm, const struct rb_auth_req *r,
    enum rb_limit_action action, const char *id)
{
	const char *name = action_names[action];

	lm->lm_action = action;
	snprintf(lm->lm_ip, sizeof(lm->lm_ip), "%s:ip:%s", name,
	    r->ar_ip != NULL && r->ar_ip[0] != '\0' ? r->ar_ip : "unknown");
	if (id != NULL && id[0] != '\0')
		snprintf(lm->lm_id, sizeof(lm->lm_id), "%s:id:%s", name, id);
	else
		lm->lm_id[0] = '\0';
	snprintf(lm->lm_all, sizeof(lm->lm_all), "%s:all", name);
}

int
rb_limit_check(const struct rb_auth_req *r, const struct rb_limit *lm,
    int *retry_after)
{
	const char *b;
	int k, wait;

	*retry_after = 0;
	for (k = 0; k < BK__MAX; k++) {
		if ((b = bucket(lm, (enum bucket_kind)k)) == NULL)
			continue;
		if (rb_ratelimit_retry_after(r->ar_db, b, r->ar_now,
		    LIMIT_WINDOW, allowance(r, lm->lm_action,
		    (enum bucket_kind)k), &wait) != 0)
			return -1;
		if (wait > *retry_after)
			*retry_after = wait;
	}
	return *retry_after > 0 ? 1 : 0;
}

int
rb_limit_fail(const struct rb_auth_req *r, const struct rb_limit *lm)
{
	const char *b;
	json_t *detail;
	int k, count, allowed, rc;

	for (k = 0; k < BK__MAX; k++) {
		if ((b = bucket(lm, (enum bucket_kind)k)) == NULL)
			continue;
		if (rb_ratelimit_hit(r->ar_db, b, r->ar_now, LIMIT_WINDOW,
		    &count) != 0)
			return -1;
		allowed = allowance(r, lm->lm_action, (enum bucket_kind)k);
		if (count != allowed)
			continue;
		/* This attempt used the last one allowed: the next waits. */
		log_warnx_rl(r->ar_ip, "rate limit reached: %s", k == BK_ID ?
		    action_names[lm->lm_action] : b);
		detail = json_pack("{s:i, s:i}", "count", count,
		    "window_s", LIMIT_WINDOW);
		rc = rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "ratelimit.trip",
		    b, detail);
		json_decref(detail);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
rb_limit_success(const struct rb_auth_req *r, const struct rb_limit *lm)
{
	if (lm->lm_id[0] == '\0')
		return 0;
	return rb_ratelimit_reset(r->ar_db, lm->lm_id);
}
