/*
 * api_data.h: what the JSON API shows of a subscriber's contracts and
 * bills, read from the database already shaped as JSON.
 *
 * Every query is scoped the way store/scope.h describes: it binds both the
 * account (web_accounts.id, or 0) and the archive contract (contracts.id,
 * or 0) and keeps only the rows that the account's links in
 * account_contracts, or the archive visitor's one contract and its
 * archived bills, allow. A contract outside the scope and a contract that
 * does not exist give the same answer.
 */
#ifndef RB_STORE_API_DATA_H
#define RB_STORE_API_DATA_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/*
 * The contracts of account (0 for none) and archive contract (0 for
 * none), by number, into *out (new JSON array, caller owns) of
 * {"number", "old_number" (or null), "service_address": {"street",
 * "postcode", "commune"}, "direct_debit", "paperless" (booleans),
 * "meter": {"serial", "remote_read"} of the meter in place, or null}.
 * Returns 0, or -1 (*out NULL).
 */
int	rb_api_data_contracts(rb_db *db, int64_t account, int64_t archive,
	    json_t **out);

/*
 * The bills of contract number seen from account / archive, newest
 * first, issued in year when year > 0, into *out (new JSON array,
 * caller owns) of {"number", "issued_on", "period": {"start", "end"},
 * "due_on", "volume_litres", "total_cents", "status", "archived"
 * (boolean)}. Returns 0, 1 when the contract is not in scope or does not
 * exist (*out NULL), -1 on error (*out NULL).
 */
int	rb_api_data_invoices(rb_db *db, int64_t account, int64_t archive,
	    const char *number, int year, json_t **out);

#endif
