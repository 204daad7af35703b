/*
 * auth_limit.c: the rate limits of the ways into the secure space
 * (DESIGN.md, identity rules; OWASP ASVS 2.2.1 and the OWASP "device
 * cookie" scheme). Counters live in the shared rate_limits table, so
 * every app server sees them.
 *
 * Ways in that prove an identifier (sign-in: email; 2023 migration and
 * archive: former customer id; creation step 1 and adding a contract:
 * contract number) must slow attackers without ever keeping the real
 * person out. Their failures count in:
 *   - ip:   the client address (an IPv6 /64), allowance rl_per_ip;
 *   - pair: the identifier from that address, allowance rl_per_account
 *           (rl_per_contract for contract proofs);
 *   - id:   the identifier from everywhere, with a ceiling of
 *           rl_id_factor times the pair allowance;
 *   - all:  every failure of the way in, ceiling rl_global.
 * Past an allowance (ip, pair) the attempt is refused with the seconds
 * to wait. Past a ceiling (id, all) nothing is refused: each attempt
 * first waits a delay that grows with the failures beyond the ceiling,
 * up to rl_delay_max seconds (rb_limit_delay_ms), so that other
 * people's failures slow the owner down but never keep them out.
 *
 * A browser in which the identifier was proved before carries a device
 * cookie (a random token; the server keeps the SHA-256 of the token and
 * of the identifier, table devices). Its attempts on that identifier
 * are held back by none of the counters above, only by the token's own
 * (dev, allowance rl_per_device): a stolen token that is used for too
 * many failures is locked out itself, never the account. A success
 * forgets the failures of its token, or else of its pair, and binds the
 * browser's token, or a new one, to the identifier when the caller
 * asked for it (ar_device_out).
 *
 * The other use cases (reset and activation emails, current password
 * in the settings) keep one allowance per identifier whatever the
 * address, since there is no secret to guess there: every request
 * counts, and past rl_per_mail / the re-authentication allowance the
 * answer is refused. Every wait ends at most a window after the last
 * failure (never a permanent lock-out).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/logrl.h"
#include "base/netaddr.h"
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
	[RB_LIMIT_AGENT] = "agent",
};

/* 1 for the ways in that prove an identifier (the scheme above). */
static int
proves(enum rb_limit_action action)
{
	return action == RB_LIMIT_SIGNIN || action == RB_LIMIT_LEGACY ||
	    action == RB_LIMIT_PROOF || action == RB_LIMIT_AGENT;
}

/* The allowance of one identifier (per address for the ways in). */
static int
id_allowance(const struct rb_auth_req *r, enum rb_limit_action action)
{
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

/* The ceiling of an identifier from everywhere (the ways in). */
static int
id_ceiling(const struct rb_auth_req *r, enum rb_limit_action action)
{
	long long c = (long long)id_allowance(r, action) *
	    AUTH_CFG(r, ac_rl_id_factor);

	return c > 100000000 ? 100000000 : (int)c;
}

int
rb_limit_delay_ms(int count, int ceiling, int max_s)
{
	int step, steps;
	long long ms;

	if (ceiling < 1 || count < ceiling || max_s < 1)
		return 0;
	/* One second at the ceiling, one more per tenth of it beyond. */
	step = ceiling / 10 > 0 ? ceiling / 10 : 1;
	steps = (count - ceiling) / step;
	ms = 1000LL * (1 + (long long)steps);
	return ms > 1000LL * max_s ? 1000 * max_s : (int)ms;
}

void
rb_limit_init(struct rb_limit *lm, const struct rb_auth_req *r,
    enum rb_limit_action action, const char *id)
{
	const char *name = action_names[action];
	const char *dev = r->ar_device;
	char ip[RB_NETADDR_MAX + 4], login[sizeof(lm->lm_id)];

	memset(lm, 0, sizeof(*lm));
	lm->lm_action = action;
	rb_netaddr_bucket(r->ar_ip != NULL && r->ar_ip[0] != '\0' ?
	    r->ar_ip : "unknown", ip, sizeof(ip));
	snprintf(lm->lm_ip, sizeof(lm->lm_ip), "%s:ip:%s", name, ip);
	snprintf(lm->lm_all, sizeof(lm->lm_all), "%s:all", name);
	if (id == NULL || id[0] == '\0')
		return;
	snprintf(lm->lm_id, sizeof(lm->lm_id), "%s:id:%s", name, id);
	if (!proves(action))
		return;
	snprintf(lm->lm_pair, sizeof(lm->lm_pair), "%s:pair:%s|%s", name, id,
	    ip);
	snprintf(login, sizeof(login), "%s:%s", name, id);
	rb_token_hash(login, lm->lm_login);
	if (rb_auth_token_shaped(dev)) {
		rb_token_hash(dev, lm->lm_dev_hash);
		snprintf(lm->lm_dev, sizeof(lm->lm_dev), "%s:dev:%s", name,
		    lm->lm_dev_hash);
	}
}

/* Raises *retry_after to the wait of bucket b with allowance a. */
static int
check_refuse(const struct rb_auth_req *r, const char *b, int a,
    int *retry_after)
{
	int wait;

	if (b[0] == '\0')
		return 0;
	if (rb_ratelimit_retry_after(r->ar_db, b, r->ar_now, LIMIT_WINDOW, a,
	    &wait) != 0)
		return -1;
	if (wait > *retry_after)
		*retry_after = wait;
	return 0;
}

/* Raises *delay_ms to the delay of bucket b past ceiling c. */
static int
check_delay(const struct rb_auth_req *r, const char *b, int c, int *delay_ms)
{
	int count, d;

	if (b[0] == '\0')
		return 0;
	if (rb_ratelimit_count(r->ar_db, b, r->ar_now, LIMIT_WINDOW,
	    &count) != 0)
		return -1;
	d = rb_limit_delay_ms(count, c, AUTH_CFG(r, ac_rl_delay_max));
	if (d > *delay_ms)
		*delay_ms = d;
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
rb_limit_check(const struct rb_auth_req *r, struct rb_limit *lm,
    int *retry_after)
{
	int rc;

	*retry_after = 0;
	lm->lm_trusted = 0;
	lm->lm_delay_ms = 0;
	if (!proves(lm->lm_action)) {
		if (check_refuse(r, lm->lm_ip, AUTH_CFG(r, ac_rl_per_ip),
		    retry_after) != 0 ||
		    check_refuse(r, lm->lm_id, id_allowance(r, lm->lm_action),
		    retry_after) != 0 ||
		    check_refuse(r, lm->lm_all, AUTH_CFG(r, ac_rl_global),
		    retry_after) != 0)
			return -1;
		return *retry_after > 0 ? 1 : 0;
	}
	if (lm->lm_dev[0] != '\0') {
		rc = rb_device_bound(r->ar_db, lm->lm_dev_hash, lm->lm_login,
		    r->ar_now - AUTH_CFG(r, ac_device_ttl));
		if (rc < 0)
			return -1;
		lm->lm_trusted = rc;
	}
	if (lm->lm_trusted) {
		/* The owner's browser: only its own failures count. */
		if (check_refuse(r, lm->lm_dev, AUTH_CFG(r, ac_rl_per_device),
		    retry_after) != 0)
			return -1;
		return *retry_after > 0 ? 1 : 0;
	}
	if (check_refuse(r, lm->lm_ip, AUTH_CFG(r, ac_rl_per_ip),
	    retry_after) != 0 ||
	    check_refuse(r, lm->lm_pair, id_allowance(r, lm->lm_action),
	    retry_after) != 0)
		return -1;
	if (*retry_after > 0)
		return 1;
	if (check_delay(r, lm->lm_id, id_ceiling(r, lm->lm_action),
	    &lm->lm_delay_ms) != 0 ||
	    check_delay(r, lm->lm_all, AUTH_CFG(r, ac_rl_global),
	    &lm->lm_delay_ms) != 0)
		return -1;
	if (lm->lm_delay_ms > 0)
		sleep_ms(lm->lm_delay_ms);
	return 0;
}

/* Counts a failure in bucket b; audits the one that reaches limit
 * (effect: "refuse" or "delay"). */
static int
fail_one(const struct rb_auth_req *r, const struct rb_limit *lm,
    const char *b, int limit, const char *effect, int quiet_name)
{
	json_t *detail;
	int count, rc;

	if (b[0] == '\0')
		return 0;
	if (rb_ratelimit_hit(r->ar_db, b, r->ar_now, LIMIT_WINDOW,
	    &count) != 0)
		return -1;
	if (count != limit)
		return 0;
	/* This attempt used the last one allowed: the next waits. The log
	   names no identifier typed by people. */
	log_warnx_rl(r->ar_ip, "rate limit reached (%s): %s", effect,
	    quiet_name ? action_names[lm->lm_action] : b);
	detail = json_pack("{s:i, s:i, s:s}", "count", count, "window_s",
	    LIMIT_WINDOW, "effect", effect);
	rc = rb_auth_audit(r, RB_ACTOR_ANONYMOUS, 0, "ratelimit.trip", b,
	    detail);
	json_decref(detail);
	return rc;
}

int
rb_limit_fail(const struct rb_auth_req *r, const struct rb_limit *lm)
{
	enum rb_limit_action a = lm->lm_action;

	if (!proves(a))
		return fail_one(r, lm, lm->lm_ip, AUTH_CFG(r, ac_rl_per_ip),
		    "refuse", 0) != 0 ||
		    fail_one(r, lm, lm->lm_id, id_allowance(r, a), "refuse",
		    1) != 0 ||
		    fail_one(r, lm, lm->lm_all, AUTH_CFG(r, ac_rl_global),
		    "refuse", 0) != 0 ? -1 : 0;
	if (lm->lm_trusted)
		return fail_one(r, lm, lm->lm_dev, AUTH_CFG(r,
		    ac_rl_per_device), "refuse", 1) != 0 ||
		    fail_one(r, lm, lm->lm_all, AUTH_CFG(r, ac_rl_global),
		    "delay", 0) != 0 ? -1 : 0;
	return fail_one(r, lm, lm->lm_ip, AUTH_CFG(r, ac_rl_per_ip),
	    "refuse", 0) != 0 ||
	    fail_one(r, lm, lm->lm_pair, id_allowance(r, a), "refuse",
	    1) != 0 ||
	    fail_one(r, lm, lm->lm_id, id_ceiling(r, a), "delay", 1) != 0 ||
	    fail_one(r, lm, lm->lm_all, AUTH_CFG(r, ac_rl_global), "delay",
	    0) != 0 ? -1 : 0;
}

/* Binds the browser's token (when the server knows it) or a new one to
 * the identifier of lm; writes the token to send into r->ar_device_out. */
static int
bind_device(const struct rb_auth_req *r, const struct rb_limit *lm)
{
	char token[RB_TOKEN_LEN + 1], hash[RB_TOKEN_HASH_LEN + 1];
	time_t since = r->ar_now - AUTH_CFG(r, ac_device_ttl);
	int known = 0;

	if (lm->lm_dev[0] != '\0' && (known = rb_device_known(r->ar_db,
	    lm->lm_dev_hash, since)) < 0)
		return -1;
	if (known) {
		snprintf(token, sizeof(token), "%s", r->ar_device);
		snprintf(hash, sizeof(hash), "%s", lm->lm_dev_hash);
	} else {
		rb_token_new(token);
		rb_token_hash(token, hash);
	}
	if (rb_device_bind(r->ar_db, hash, lm->lm_login, r->ar_now) != 0)
		return -1;
	memcpy(r->ar_device_out, token, sizeof(token));
	return 0;
}

int
rb_limit_success(const struct rb_auth_req *r, const struct rb_limit *lm)
{
	if (!proves(lm->lm_action))
		return lm->lm_id[0] != '\0' ?
		    rb_ratelimit_reset(r->ar_db, lm->lm_id) : 0;
	if (r->ar_device_out != NULL)
		r->ar_device_out[0] = '\0';
	if (lm->lm_pair[0] == '\0')
		return 0;
	/* Only this client's failures are forgotten (its device's, or
	   else its address's): those of others on the identifier keep
	   slowing them down. */
	if (rb_ratelimit_reset(r->ar_db, lm->lm_trusted ? lm->lm_dev :
	    lm->lm_pair) != 0)
		return -1;
	if (r->ar_device_out != NULL && bind_device(r, lm) != 0)
		return -1;
	return 0;
}
