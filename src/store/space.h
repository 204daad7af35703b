/*
 * space.h: SQL of the subscriber's dashboard (/mon-espace): one row per
 * contract of a web account with what the dashboard shows of it.
 */
#ifndef RB_STORE_SPACE_H
#define RB_STORE_SPACE_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/*
 * Sets *out to a new array, one object per contract linked to account,
 * by contract number, with raw values (null when absent):
 *   id (contracts.id), number, old_number, address, postcode, commune,
 *   direct_debit, paperless (0/1),
 *   unpaid_cents (what is still owed on the bills to pay or overdue:
 *   total minus succeeded payments, RB_SQL_OWED of store/payments.h),
 *   unpaid_count, next_due_on (earliest due date among them),
 *   late_count (those overdue, or with a due date before today),
 *   last_number, last_issued_on, last_due_on, last_total_cents,
 *   last_status, last_archived (the most recently issued bill),
 *   mandate_last4 (active SEPA mandate),
 *   meter_serial, meter_remote (0/1), read_on, read_litres, read_source
 *   (the latest reading of the meter in place),
 *   alert_period_end, alert_litres, alert_average_litres (the latest
 *   abnormal-consumption alert whose period ended on or after
 *   alerts_since),
 *   debit_cents, debit_count, next_debit_on (the bills under direct
 *   debit with something owed: the amount of their debit not yet
 *   collected, else what is owed; the earliest of its collection date,
 *   else of their due date).
 * today and alerts_since are "YYYY-MM-DD". The figures of the open bills
 * are added up in C from one row per bill (no temporary table in the
 * engine); inside a read transaction (the page's: routes.c, rt_read)
 * both statements read one state. The caller owns *out. Returns 0, or
 * -1 with *out NULL.
 */
int	rb_space_contracts(rb_db *db, int64_t account, const char *today,
	    const char *alerts_since, json_t **out);

#endif
