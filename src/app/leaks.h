/*
 * leaks.h: the leak alert of remote-read meters, which the subscriber
 * tunes: on or off, and its threshold, a multiple of the usual daily use
 * (per web account and contract; default on, RB_LEAK_FACTOR_DEFAULT,
 * the factor of the abnormal-consumption rule of consumption.h). It
 * complements that rule, which compares whole billing periods after
 * the bill (and which stays on: the law asks the utility to write about
 * it); this one looks at the days a remote-read meter has just sent.
 *
 * The rule. Let the daily litres of the meter (consumption.h,
 * rb_cons_daily(): a day's litres are its reading minus the day
 * before's) be a run of consecutive days ending on the latest reading
 * day, which must be at most RB_LEAK_FRESH_DAYS before today. The last
 * RB_LEAK_DAYS days are the days looked at; the days before them, up to
 * RB_LEAK_BASE_DAYS and at least RB_LEAK_BASE_MIN, give the usual use:
 * S litres over B days, with S raised to RB_LEAK_USUAL_FLOOR x B (a
 * home where nobody lived for weeks is not flagged for a glass of
 * water). A leak is when EVERY day looked at used more than factor x
 * S / B litres, tested exactly: L_i x B > factor x S. One day of high
 * use (a bath, a garden watered) is not a leak; water running day and
 * night is.
 *
 * `robinet alerts` (rb_leak_alerts_run()) applies it to every contract
 * with a remote-read meter in place whose setting is on, records each
 * leak in leak_alerts and queues one email (RB_MAIL_LEAK_ALERT) to the
 * same recipients as the abnormal-consumption alert. No new alert is
 * recorded for a contract while its latest one ended less than
 * RB_LEAK_QUIET_DAYS before the first day looked at: a leak that goes
 * on is written about again after about ten days, not every day.
 */
#ifndef RB_APP_LEAKS_H
#define RB_APP_LEAKS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/consumption.h"
#include "store/db.h"

#define RB_LEAK_DAYS		3
#define RB_LEAK_BASE_DAYS	28
#define RB_LEAK_BASE_MIN	14
#define RB_LEAK_FRESH_DAYS	3
#define RB_LEAK_USUAL_FLOOR	30	/* litres a day */
#define RB_LEAK_QUIET_DAYS	7
#define RB_LEAK_SHOWN_DAYS	30	/* pages show a leak this long */
#define RB_LEAK_FACTOR_DEFAULT	2
#define RB_LEAK_FACTOR_MIN	2
#define RB_LEAK_FACTOR_MAX	10

/*
 * The rule above on litres[0..n), the daily litres of consecutive days,
 * oldest first (n below RB_LEAK_DAYS + RB_LEAK_BASE_MIN: never a leak).
 * Returns 1 for a leak, else 0; sets *usual (S / B, floored as above,
 * rounded down), *least (the lowest of the days looked at) and *total
 * (their sum). Pure.
 */
int	rb_leak_rule(const int64_t *litres, int n, int factor, int64_t *usual,
	    int64_t *least, int64_t *total);

/*
 * The setting of account for contract number, for the page: *out = new
 * {"enabled": bool, "factor": int, "custom": bool (the account set
 * it)}. Caller owns *out. RB_OK; RB_NOT_FOUND when the contract is not
 * the account's, or has no remote-read meter in place (the alert does
 * not apply); RB_ERROR.
 */
enum rb_rc	rb_leak_setting_get(rb_db *db, int64_t account,
		    const char *number, json_t **out);

/*
 * The same for contract c, which the caller found already among the
 * account's contracts (app/consumption.h, rb_cons_view()): no second
 * look-up of the contract. RB_OK; RB_NOT_FOUND when c has no remote-read
 * meter in place; RB_ERROR.
 */
enum rb_rc	rb_leak_setting_of(rb_db *db, int64_t account,
		    const struct rb_cons_contract *c, json_t **out);

/*
 * Sets it (factor in [RB_LEAK_FACTOR_MIN, RB_LEAK_FACTOR_MAX]) at now,
 * with the audit entry 'leak_alert.setting' (target "contract:<number>",
 * detail {"enabled", "factor"}) from ip. RB_OK, RB_INVALID (factor out
 * of range), RB_NOT_FOUND (as above) or RB_ERROR.
 */
enum rb_rc	rb_leak_setting_set(rb_db *db, int64_t account,
		    const char *number, int enabled, int factor,
		    const char *ip, time_t now);

/*
 * The latest leak alert of contract number seen by account that ended
 * at most RB_LEAK_SHOWN_DAYS before today (at now), or JSON null:
 * {"serial", "first_day", "last_day" (ISO), "litres" (total),
 * "usual" (litres a day), "factor"}. Caller owns *out. RB_OK,
 * RB_NOT_FOUND (not the account's contract) or RB_ERROR.
 */
enum rb_rc	rb_leak_recent(rb_db *db, int64_t account, const char *number,
		    time_t now, json_t **out);

/*
 * The same for the contract whose id the caller found already among the
 * account's (the consumption page's): no second look-up of the
 * contract. (The dashboard reads the same leak with its contracts,
 * store/space.h.) The store still checks that account holds it (JSON null
 * when not). RB_OK or RB_ERROR.
 */
enum rb_rc	rb_leak_recent_of(rb_db *db, int64_t account,
		    int64_t contract, time_t now, json_t **out);

/*
 * The `robinet alerts` part for leaks (see above), on today at now;
 * public_url as for rb_cons_alerts_run(). Stores the number of new
 * leak alerts in *nalerts and of emails queued in *nmails. Each
 * contract in one transaction (rb_db_transact(), which also reads
 * whether the leak was written about already: a run on another server
 * at the same time records and mails it once). Returns 0, or -1 on a
 * database failure
 * (logged; contracts already handled stay recorded).
 */
int	rb_leak_alerts_run(rb_db *db, const char *public_url, time_t now,
	    int *nalerts, int *nmails);

#endif
