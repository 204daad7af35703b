/*
 * space.h: the subscriber's dashboard (/mon-espace) as a use case: for
 * each contract of the account, what a subscriber looks for first,
 * already worded in French for the page.
 */
#ifndef RB_APP_SPACE_H
#define RB_APP_SPACE_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/db.h"

/*
 * Sets *out to a new array, one object per contract of account (by
 * number):
 *   number, old_number, address (one line), direct_debit (bool),
 *   debit_account ("•••• 0189" or null), paperless (bool),
 *   unpaid (bool), unpaid_amount ("123,45 €": what is still owed on
 *   the bills to pay, partial payments deducted, bills under direct
 *   debit apart), next_due ("3 juin 2025" or null: their earliest date
 *   limit), debit (bool), debit_amount, next_debit (or null: what the
 *   bills under direct debit will have debited, and the first date),
 *   last_bill (null or {number, issued, total, status_label}), reading (null or {meter, remote, date, index
 *   ("1 234,567 m³"), kind ("relevé réel"…)}), alerts (array of
 *   {kind: "late"|"abnormal"|"leak", text}), has_alerts (bool).
 * Today, rb_clock_today() at now, decides which bills are late. Alerts:
 * bills overdue or past their due date, and the latest abnormal-consumption
 * alert of the contract when its period ended less than a year before today,
 * and the possible leak of its remote-read meter that app/leaks.h found
 * in the last RB_LEAK_SHOWN_DAYS days.
 * The caller owns *out. Returns RB_OK, or RB_ERROR on a database failure (*out
 * NULL).
 */
enum rb_rc	rb_space_view(rb_db *db, int64_t account, time_t now, json_t **out);

#endif
