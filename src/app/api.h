/*
 * api.h: the use cases behind the subscriber's JSON API and its
 * personal tokens (no HTTP, no SQL).
 *
 * Tokens: a signed-in subscriber creates named tokens in "Mon compte"
 * (at most a configured number at once), sees them listed by name and
 * visible prefix, and revokes them; creation and revocation are audited.
 * A token is RB_API_TOKEN_PREFIX followed by a base/crypto.h token
 * (32 random bytes, base64url): it is returned once, at creation, and
 * only its SHA-256 is stored. It is read-only and acts for its account:
 * rb_api_token_check() turns it into the scope (store/scope.h) with
 * sc_account the token's account, and every read below is bounded by
 * that scope, so that no number in a URL reaches another subscriber's
 * data. A contract outside the scope and one that does not exist get
 * the same answer, RB_NOT_FOUND.
 *
 * Consumption queries are checked by rb_api_range_parse() before any
 * database work: dates must exist, from <= to, and the range is bounded
 * (RB_API_DAY_MAX_DAYS days by day, RB_API_PERIOD_MAX_YEARS years by
 * billing period).
 */
#ifndef RB_APP_API_H
#define RB_APP_API_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/auth.h"
#include "app/rc.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "store/db.h"
#include "store/scope.h"

#define RB_API_TOKEN_PREFIX	"rbt_"
/* Length of a whole token: prefix + RB_TOKEN_LEN characters. */
#define RB_API_TOKEN_LEN	(4 + RB_TOKEN_LEN)
/* What the list shows of a token: the prefix and 6 characters. */
#define RB_API_TOKEN_SHOWN	10

/* Defaults and bounds of the consumption ranges. */
#define RB_API_DAY_DEFAULT_DAYS		90
#define RB_API_DAY_MAX_DAYS		366
#define RB_API_PERIOD_DEFAULT_YEARS	3
#define RB_API_PERIOD_MAX_YEARS		10

/*
 * Creates a token named name (required, at most 60 characters) for the
 * active account, unless it already has max tokens; audits
 * "api_token.create". On RB_OK writes the token into token
 * (RB_API_TOKEN_LEN + 1 bytes): show it once, it is never stored. On
 * RB_INVALID or RB_TOO_MANY sets *msg to a static French
 * sentence for the form. RB_ERROR on a database failure.
 */
enum rb_rc rb_api_token_create(const struct rb_auth_req *r,
		    int64_t account, const char *name, int max, char *token,
		    const char **msg);

/*
 * Revokes token id of account at once; audits "api_token.revoke".
 * RB_OK, RB_NOT_FOUND when account has no such live token, or
 * RB_ERROR.
 */
enum rb_rc rb_api_token_revoke(const struct rb_auth_req *r,
		    int64_t account, int64_t id);

/*
 * The live tokens of account into *out (new JSON array, caller owns):
 * see rb_api_tokens_list() in store/api_tokens.h. RB_OK or
 * RB_ERROR (*out NULL).
 */
enum rb_rc rb_api_token_list(const struct rb_auth_req *r,
		    int64_t account, json_t **out);

/*
 * Authenticates a bearer token (NULL allowed): RB_OK fills *sc
 * (sc_account the token's account, sc_archive 0) and *token_id, and
 * records the use at now (at most once a minute); RB_DENIED when it
 * is malformed, unknown, revoked or its account is not active (only
 * well-formed tokens reach the database); RB_ERROR.
 */
enum rb_rc rb_api_token_check(rb_db *db, time_t now, const char *token,
		    struct rb_scope *sc, int64_t *token_id);

/*
 * The contracts in scope into *out (new JSON array, caller owns): see
 * rb_api_data_contracts() in store/api_data.h. RB_OK or
 * RB_ERROR.
 */
enum rb_rc rb_api_contracts(rb_db *db, const struct rb_scope *sc,
		    json_t **out);

/*
 * The bills of contract number (10 digits) in scope, issued in year
 * when year > 0, into *out (see rb_api_data_invoices()). RB_OK,
 * RB_NOT_FOUND (not in scope, unknown or malformed: the same),
 * RB_ERROR.
 */
enum rb_rc rb_api_invoices(rb_db *db, const struct rb_scope *sc,
		    const char *number, int year, json_t **out);

enum rb_api_step {
	RB_API_STEP_DAY,	/* litres per day, remote-read meters */
	RB_API_STEP_PERIOD	/* litres per billing period */
};

struct rb_api_range {
	enum rb_api_step rg_step;
	char		 rg_from[11];	/* "YYYY-MM-DD", included */
	char		 rg_to[11];	/* included */
};

/*
 * Checks the query of a consumption request: step "day" or "period"
 * (NULL or "": day), from and to ISO dates (NULL or "": defaults, to =
 * today and from = to minus 89 days by day, minus 3 years by period).
 * Returns NULL and fills *out when acceptable; otherwise a static French
 * sentence, with *param the name of the parameter at fault ("step",
 * "from" or "to").
 */
const char	*rb_api_range_parse(const char *from, const char *to,
		    const char *step, const struct rb_date *today,
		    struct rb_api_range *out, const char **param);

/*
 * The consumption of contract number in scope over range (checked by
 * rb_api_range_parse()) into *out, a new JSON array the caller owns:
 * per day [{"date", "litres"}] or per billing period [{"start", "end",
 * "days", "litres", "estimated", "previous_litres", "abnormal"}] (see
 * app/consumption.h). RB_OK, RB_NOT_FOUND, RB_ERROR.
 */
enum rb_rc rb_api_consumption(rb_db *db, const struct rb_scope *sc,
		    const char *number, const struct rb_api_range *range,
		    json_t **out);

/*
 * The API's rate limit: counts one request at now in bucket ("api:ip:…",
 * "api:token:…") unless the bucket already holds allowance requests
 * within the last window seconds. RB_OK with *retry 0 when counted;
 * RB_LIMITED with *retry the seconds to wait (> 0) when full, the
 * request not counted; RB_ERROR on a database failure.
 */
enum rb_rc rb_api_rate_hit(rb_db *db, const char *bucket, time_t now,
		    int window, int allowance, int *retry);

#endif
