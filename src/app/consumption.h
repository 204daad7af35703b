/*
 * consumption.h: a subscriber's water consumption, as use cases (no HTTP,
 * no SQL): litres per billing period with the same period a year
 * earlier, daily litres of remote-read meters, and the abnormal
 * consumption rule behind leak letters.
 *
 * Billing periods are the invoices of the contract (archived ones too):
 * start, end, days (end - start + 1, both included), litres billed and
 * whether the closing reading was estimated. The archive scope sees only
 * periods ending before RB_ARCHIVE_END.
 *
 * "The same period" k years earlier (k = 1, 2, 3) is the period of the
 * same contract whose end date lies within 45 days of this period's end
 * date moved back k years (the same billing run); the closest one wins.
 *
 * The abnormal rule (loi Warsmann, art. L2224-12-4 CGCT: more than twice
 * the average volume of the same periods over the three previous years).
 * Let P be a period of d days and L litres, and let the same periods of
 * the three previous years that exist (at least one is needed, else P is
 * never abnormal) have L1..Ln litres over D1..Dn days. Periods differ
 * in length from year to year, so the average is taken per day and
 * brought back to P's length:
 *
 *	average = (L1 + ... + Ln) * d / (D1 + ... + Dn)     (rounded down)
 *	abnormal  <=>  L * (D1 + ... + Dn) > 2 * (L1 + ... + Ln) * d
 *
 * The test is the exact cross-multiplied inequality, in 64-bit integers:
 * no rounding decides it. When every period has the same length it is
 * L > 2 * (L1 + ... + Ln) / n: exactly twice the average is not abnormal,
 * one litre more is.
 *
 * The alerts themselves are recorded by rb_cons_alerts_run() (the
 * `robinet alerts` batch) in consumption_alerts, once per contract and
 * period, and one email is queued for each. Only periods that ended in
 * the last RB_CONS_ALERT_WINDOW_DAYS days raise an alert: a first run on
 * years of history writes about the latest bills, not about old ones.
 */
#ifndef RB_APP_CONSUMPTION_H
#define RB_APP_CONSUMPTION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/db.h"
#include "store/consumption.h"
#include "store/scope.h"

/* Periods ending this many days before the run, or later, raise alerts. */
#define RB_CONS_ALERT_WINDOW_DAYS	365

/*
 * Billing periods of a contract visible in scope, whose end date is in
 * [from, to] (ISO dates, inclusive), oldest first. *out = JSON array of
 * {"start":"YYYY-MM-DD","end":"YYYY-MM-DD","days":int,"litres":int,
 * "estimated":bool,"previous_litres":int|null (same period one year
 * earlier),"abnormal":bool}; from or to NULL leaves that side open.
 * Caller owns *out. RB_NOT_FOUND when the contract is not in scope
 * (or does not exist: same answer); contract_number may also be the old
 * (pre-2024) number of the contract.
 * RB_ERROR on a database failure. *out is NULL unless RB_OK.
 */
enum rb_rc	rb_cons_periods(rb_db *db, const struct rb_scope *sc,
	    const char *contract_number, const char *from, const char *to,
	    json_t **out);

/*
 * Daily consumption of the contract's remote-read meter for days in
 * [from, to]: JSON array of {"date":"YYYY-MM-DD","litres":int}, the
 * litres of a day being the difference between the remote readings of
 * that day and of the day before (days without both readings are left
 * out); empty array when the meter is not remote-read or from or to is
 * not a valid date. Same ownership and return codes as
 * rb_cons_periods().
 */
enum rb_rc	rb_cons_daily(rb_db *db, const struct rb_scope *sc,
	    const char *contract_number, const char *from, const char *to,
	    json_t **out);

/*
 * The abnormal-consumption alert of a bill visible in scope, or JSON
 * null: {"litres":int,"average_litres":int,"period_start":"YYYY-MM-DD",
 * "period_end":"YYYY-MM-DD"}. Caller owns *out. RB_NOT_FOUND when
 * the bill is not in scope; RB_ERROR on a database failure.
 */
enum rb_rc	rb_cons_invoice_alert(rb_db *db, const struct rb_scope *sc,
	    const char *invoice_number, json_t **out);

/*
 * The most recent alert of a contract in scope (for the dashboard), same
 * shape, or JSON null. Same ownership and return codes.
 */
enum rb_rc	rb_cons_contract_alert(rb_db *db, const struct rb_scope *sc,
	    const char *contract_number, json_t **out);

/* One billing period, as the rule sees it. */
struct rb_cons_period {
	char	 cp_start[11];		/* "YYYY-MM-DD" */
	char	 cp_end[11];
	int64_t	 cp_days;		/* end - start + 1 */
	int64_t	 cp_litres;
};

/*
 * The rule above for period p against the same periods of the previous
 * years, prev[0..nprev) (nprev 0 to 3). Returns 1 when p is abnormal,
 * 0 when not (always 0 when nprev is 0); stores the average brought to
 * p's length in *average (0 when nprev is 0). Pure: no database.
 */
int	rb_cons_rule(const struct rb_cons_period *p,
	    const struct rb_cons_period *prev, int nprev, int64_t *average);

/*
 * Index in periods[0..n) of the period whose end date lies within
 * 45 days of end moved back years years, the closest one; -1 when none.
 * periods need not be sorted. Pure.
 */
int	rb_cons_same_period(const struct rb_cons_period *periods, int n,
	    const char *end, int years);

/*
 * The `robinet alerts` batch: for every contract, finds the abnormal
 * periods that ended within RB_CONS_ALERT_WINDOW_DAYS of today, that is
 * rb_clock_today() at now (by the
 * rule above, over all its bills), records each one not yet in
 * consumption_alerts, and queues one French email per new alert to each
 * active web account linked to the contract, or to the customer's email
 * on file when no account is linked (none when there is neither: the
 * alert is recorded with mailed_at NULL, and a warning logged). Each
 * contract is handled in one transaction: its alerts and their emails
 * are committed together. Running it again finds nothing new, and so
 * does a run on another server at the same time: the transaction runs
 * again when the engine refuses it (rb_db_transact()) and skips what the
 * other run recorded, so no alert is mailed twice.
 * public_url is the absolute base for links ("https://…", no trailing /).
 * Stores the number of new alerts in *nalerts and of emails queued in
 * *nmails. Returns 0, or -1 on a database failure (logged; alerts of
 * contracts already handled stay recorded).
 */
int	rb_cons_alerts_run(rb_db *db, const char *public_url, time_t now,
	    int *nalerts, int *nmails);

/* One row of the page: a billing period, or a day. */
struct rb_cons_row {
	char	 cr_start[11];		/* the period's start, or the day */
	char	 cr_end[11];		/* the period's end ("" for a day) */
	int64_t	 cr_days;		/* the period's days (0 for a day) */
	int64_t	 cr_litres;
	int64_t	 cr_previous;		/* litres of the same period a year
					   earlier, or -1 (always for a day) */
	int	 cr_estimated;		/* closing reading estimated */
	int	 cr_abnormal;		/* the rule of this file says so */
};

struct rb_pagecache_val;
struct rb_pagefrag_slot;

/* What /ma-consommation shows (rb_cons_view()); free with
 * rb_cons_view_free(). */
struct rb_cons_page {
	struct rb_cons_contract *cv_contracts;	/* the scope's, by number */
	int		 cv_ncontracts;
	const struct rb_cons_contract *cv_contract;	/* the one shown
							   (in cv_contracts),
							   NULL when none */
	struct rb_cons_row *cv_rows;	/* periods, or days when daily */
	int		 cv_nrows;
	int		 cv_has_alert;
	struct rb_cons_alert_row cv_alert;	/* when cv_has_alert */
	struct rb_pagefrag_slot *cv_frag;	/* when the page is kept:
						   the slot of its HTML
						   (app/pagefrag.h); else
						   NULL */
	struct rb_pagecache_val *cv_kept;	/* the kept value shared
						   (a reference), or NULL:
						   the page's own copy */
};

/*
 * Everything /ma-consommation shows, in one call, into *out: the scope's
 * contracts; the one of number (its number or old number), or the first
 * when number is NULL or ""; its rows, the periods of rb_cons_periods()
 * or, when daily, the days of rb_cons_daily() for [from, to]; its alert,
 * as rb_cons_contract_alert(). When the scope has no contract,
 * cv_contract is NULL and there is no row. All is read in one read
 * transaction (one snapshot), from C structs: no JSON. A signed-in
 * account's page is kept in memory (app/pagecache.h): *out is then
 * shared, read only, with cv_frag the slot where the page keeps the
 * HTML it made of it. Returns RB_OK,
 * RB_NOT_FOUND (number not in scope) or RB_ERROR; *out holds nothing to
 * free unless RB_OK.
 */
enum rb_rc	rb_cons_view(rb_db *db, const struct rb_scope *sc,
	    const char *number, int daily, const char *from, const char *to,
	    struct rb_cons_page *out);
void		rb_cons_view_free(struct rb_cons_page *page);

#endif
