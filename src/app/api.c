/*
 * api.c: the use cases of the subscriber's JSON API and of its personal
 * tokens (see api.h).
 */
#include <stdio.h>
#include <string.h>

#include "app/api.h"
#include "app/auth_priv.h"
#include "app/consumption.h"
#include "app/pagecache.h"
#include "base/log.h"
#include "store/api_data.h"
#include "store/api_tokens.h"
#include "store/ratelimit.h"

/* last_used_at moves at most this often (seconds). */
#define TOUCH_GRANULARITY	60

#define MSG_NAME_EMPTY	"Donnez un nom à ce code d'accès, par exemple « Domotique »."
#define MSG_NAME_LONG	"Le nom ne peut dépasser 60 caractères."
#define MSG_TOO_MANY	"Vous avez atteint le nombre maximal de codes d'accès. " \
			"Supprimez-en un avant d'en créer un autre."

static void
token_target(char *buf, size_t size, int64_t id)
{
	snprintf(buf, size, "api_token:%lld", (long long)id);
}

/* One try of rb_api_token_create() inside its transaction. */
struct token_add {
	const struct rb_auth_req *ta_r;
	int64_t		 ta_account;
	const char	*ta_name, *ta_hash, *ta_prefix;
	int		 ta_max;
	int		 ta_full;	/* the account has ta_max already */
};

/*
 * Counts then inserts inside rb_db_transact(): two creations at once
 * for one account with one place left both count one place on
 * PostgreSQL, which refuses one of them (RB_RETRY); its next try counts
 * again and finds none. Returns 0 (commit, ta_full says whether a token
 * was added) or -1.
 */
static int
token_add_try(rb_db *db, void *arg)
{
	struct token_add *ta = arg;
	char target[48];
	json_t *detail;
	int64_t id;
	int rc;

	ta->ta_full = 0;
	if ((rc = rb_api_tokens_create(db, ta->ta_account, ta->ta_name,
	    ta->ta_hash, ta->ta_prefix, ta->ta_r->ar_now, ta->ta_max,
	    &id)) < 0)
		return -1;
	if (rc > 0) {
		ta->ta_full = 1;
		return 0;
	}
	token_target(target, sizeof(target), id);
	detail = json_pack("{s:s}", "name", ta->ta_name);
	rc = rb_auth_audit(ta->ta_r, RB_ACTOR_SUBSCRIBER, ta->ta_account,
	    "api_token.create", target, detail);
	json_decref(detail);
	return rc != 0 ? -1 : 0;
}

enum rb_rc
rb_api_token_create(const struct rb_auth_req *r, int64_t account,
    const char *name, int max, char *token, const char **msg)
{
	char clean[128], raw[RB_TOKEN_LEN + 1];
	char hash[RB_TOKEN_HASH_LEN + 1], prefix[RB_API_TOKEN_SHOWN + 1];
	struct token_add ta;

	token[0] = '\0';
	*msg = rb_auth_check_name(name, 1, MSG_NAME_EMPTY, MSG_NAME_LONG,
	    clean, sizeof(clean));
	if (*msg != NULL)
		return RB_INVALID;
	rb_token_new(raw);
	snprintf(token, RB_API_TOKEN_LEN + 1, "%s%s", RB_API_TOKEN_PREFIX,
	    raw);
	rb_token_hash(token, hash);
	snprintf(prefix, sizeof(prefix), "%s", token);
	ta.ta_r = r;
	ta.ta_account = account;
	ta.ta_name = clean;
	ta.ta_hash = hash;
	ta.ta_prefix = prefix;
	ta.ta_max = max > 0 ? max : 1;
	if (rb_db_transact(r->ar_db, token_add_try, &ta) != 0) {
		token[0] = '\0';
		return RB_ERROR;
	}
	if (ta.ta_full) {
		token[0] = '\0';
		*msg = MSG_TOO_MANY;
		return RB_TOO_MANY;
	}
	return RB_OK;
}

/* One try of rb_api_token_revoke(): 0, 1 when the account has no such
 * token (rolled back) or -1. */
struct token_rev {
	const struct rb_auth_req	*tr_r;
	int64_t				 tr_account, tr_id;
};

static int
token_revoke_try(rb_db *db, void *arg)
{
	const struct token_rev *t = arg;
	char name[256], target[48];
	json_t *detail;
	int rc;

	if ((rc = rb_api_tokens_revoke(db, t->tr_account, t->tr_id,
	    t->tr_r->ar_now, name, sizeof(name))) != 0)
		return rc < 0 ? -1 : 1;
	token_target(target, sizeof(target), t->tr_id);
	detail = json_pack("{s:s}", "name", name);
	rc = rb_auth_audit(t->tr_r, RB_ACTOR_SUBSCRIBER, t->tr_account,
	    "api_token.revoke", target, detail);
	json_decref(detail);
	return rc != 0 ? -1 : 0;
}

enum rb_rc
rb_api_token_revoke(const struct rb_auth_req *r, int64_t account, int64_t id)
{
	struct token_rev t;
	int rc;

	t.tr_r = r;
	t.tr_account = account;
	t.tr_id = id;
	if ((rc = rb_db_transact(r->ar_db, token_revoke_try, &t)) != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	return RB_OK;
}

enum rb_rc
rb_api_token_list(const struct rb_auth_req *r, int64_t account, json_t **out)
{
	return rb_api_tokens_list(r->ar_db, account, out) == 0 ? RB_OK :
	    RB_ERROR;
}

enum rb_rc
rb_api_token_check(rb_db *db, time_t now, const char *token,
    struct rb_scope *sc, int64_t *token_id)
{
	char hash[RB_TOKEN_HASH_LEN + 1];
	const size_t plen = strlen(RB_API_TOKEN_PREFIX);
	int64_t account;
	int rc, wrote;

	sc->sc_account = sc->sc_archive = 0;
	*token_id = 0;
	if (token == NULL || strlen(token) != RB_API_TOKEN_LEN ||
	    strncmp(token, RB_API_TOKEN_PREFIX, plen) != 0 ||
	    !rb_auth_token_shaped(token + plen))
		return RB_DENIED;
	rb_token_hash(token, hash);
	if ((rc = rb_api_tokens_find(db, hash, &account, token_id)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	if (rb_api_tokens_touched(db, *token_id, now, TOUCH_GRANULARITY,
	    &wrote) != 0)
		return RB_ERROR;
	/* /mon-compte shows the last use: kept here, it reads it again
	   (other servers: at most RB_SESSION_TOUCH_S later, or at once on
	   a first use, whose notice they hear; app/pagecache.h). */
	if (wrote)
		rb_pagecache_evict_account(account);
	sc->sc_account = account;
	return RB_OK;
}

enum rb_rc
rb_api_contracts(rb_db *db, const struct rb_scope *sc, json_t **out)
{
	return rb_api_data_contracts(db, sc->sc_account, sc->sc_archive,
	    out) == 0 ? RB_OK : RB_ERROR;
}

/* 1 when s is a contract number as printed since 2024: 10 digits. */
static int
contract_shaped(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

enum rb_rc
rb_api_invoices(rb_db *db, const struct rb_scope *sc, const char *number,
    int year, json_t **out)
{
	int rc;

	*out = NULL;
	if (!contract_shaped(number))
		return RB_NOT_FOUND;
	rc = rb_api_data_invoices(db, sc->sc_account, sc->sc_archive, number,
	    year, out);
	return rc == 0 ? RB_OK : rc > 0 ? RB_NOT_FOUND : RB_ERROR;
}

/* d moved by years years, 29 February becoming 28 February. */
static void
years_back(const struct rb_date *d, int years, struct rb_date *out)
{
	out->d_year = d->d_year - years;
	out->d_month = d->d_month;
	out->d_day = d->d_day;
	if (out->d_month == 2 && out->d_day == 29 &&
	    !rb_clock_is_leap_year(out->d_year))
		out->d_day = 28;
}

const char *
rb_api_range_parse(const char *from, const char *to, const char *step,
    const struct rb_date *today, struct rb_api_range *out, const char **param)
{
	struct rb_date f, t, limit;

	memset(out, 0, sizeof(*out));
	*param = "step";
	if (step == NULL || step[0] == '\0' || strcmp(step, "day") == 0)
		out->rg_step = RB_API_STEP_DAY;
	else if (strcmp(step, "period") == 0)
		out->rg_step = RB_API_STEP_PERIOD;
	else
		return "Le paramètre step doit valoir « day » ou « period ».";
	*param = "to";
	if (to == NULL || to[0] == '\0')
		t = *today;
	else if (rb_clock_parse_date(to, &t) != 0)
		return "Le paramètre to n'est pas une date valide "
		    "(AAAA-MM-JJ, jour existant).";
	*param = "from";
	if (from == NULL || from[0] == '\0') {
		if (out->rg_step == RB_API_STEP_DAY)
			rb_clock_date_add(&t, -(RB_API_DAY_DEFAULT_DAYS - 1), &f);
		else
			years_back(&t, RB_API_PERIOD_DEFAULT_YEARS, &f);
		if (!rb_clock_date_is_valid(&f))
			return "Le paramètre to est trop ancien.";
	} else if (rb_clock_parse_date(from, &f) != 0)
		return "Le paramètre from n'est pas une date valide "
		    "(AAAA-MM-JJ, jour existant).";
	if (rb_clock_days_from_civil(&f) > rb_clock_days_from_civil(&t))
		return "La date from est postérieure à la date to.";
	if (out->rg_step == RB_API_STEP_DAY) {
		if (rb_clock_days_from_civil(&t) - rb_clock_days_from_civil(&f)
		    + 1 > RB_API_DAY_MAX_DAYS)
			return "Par jour, l'intervalle de from à to ne peut "
			    "dépasser 366 jours.";
	} else {
		years_back(&t, RB_API_PERIOD_MAX_YEARS, &limit);
		if (rb_clock_days_from_civil(&f) <
		    rb_clock_days_from_civil(&limit))
			return "Par période, l'intervalle de from à to ne peut "
			    "dépasser 10 ans.";
	}
	*param = NULL;
	rb_clock_format_date(&f, out->rg_from, sizeof(out->rg_from));
	rb_clock_format_date(&t, out->rg_to, sizeof(out->rg_to));
	return NULL;
}

enum rb_rc
rb_api_consumption(rb_db *db, const struct rb_scope *sc, const char *number,
    const struct rb_api_range *range, json_t **out)
{
	int rc;

	*out = NULL;
	if (!contract_shaped(number))
		return RB_NOT_FOUND;
	if (range->rg_step == RB_API_STEP_DAY)
		rc = rb_cons_daily(db, sc, number, range->rg_from, range->rg_to,
		    out);
	else
		rc = rb_cons_periods(db, sc, number, range->rg_from,
		    range->rg_to, out);
	switch (rc) {
	case RB_OK:
		return RB_OK;
	case RB_NOT_FOUND:
		return RB_NOT_FOUND;
	default:
		log_errx("consumption of a contract failed");
		return RB_ERROR;
	}
}

enum rb_rc
rb_api_rate_hit(rb_db *db, const char *bucket, time_t now, int window,
    int allowance, int *retry)
{
	if (rb_ratelimit_retry_after(db, bucket, now, window, allowance,
	    retry) != 0)
		return RB_ERROR;
	if (*retry > 0)
		return RB_LIMITED;
	if (rb_ratelimit_hit(db, bucket, now, window, NULL) != 0)
		return RB_ERROR;
	return RB_OK;
}
