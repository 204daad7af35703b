/*
 * custsearch.h: the SQL of the agents' customer search: one statement
 * per kind of search, each reading one index (0015_agent_search.sql),
 * and the name keys the name search reads.
 *
 * A hit is a contract with its holder; the values given are already
 * normalised by the caller (app/agentdesk.c): the search compares them
 * as they are.
 */
#ifndef RB_STORE_CUSTSEARCH_H
#define RB_STORE_CUSTSEARCH_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

enum rb_custsearch_kind {
	RB_CS_NAME,		/* prefix of customers.name_key */
	RB_CS_EMAIL,		/* lower-case email on file, or of the
				   web account linked to the contract */
	RB_CS_CONTRACT,		/* contracts.number, 10 digits */
	RB_CS_OLD_CONTRACT,	/* contracts.old_number */
	RB_CS_METER,		/* meters.serial */
	RB_CS_INVOICE,		/* invoices.number */
	RB_CS_IBAN4,		/* sepa_mandates.iban_last4 */
	RB_CS_POSTCODE,		/* the service address's */
	RB_CS__MAX
};

/*
 * Runs the search of kind for value: appends to hits (a JSON array) up
 * to max hits not already in it (same contract_id), ordered by name key
 * then contract (by contract only for a postal code), each {"contract_id", "number", "old_number",
 * "customer_id", "title", "last_name", "first_name", "postcode",
 * "commune", "service_address", "service_postcode", "service_commune",
 * "end_date"} (null for SQL NULL), and sets *count to how many contracts
 * match in all. For RB_CS_NAME, value is a name key (base/namekey.h)
 * and matches the keys it begins. Returns 0, or -1 (logged).
 */
int	rb_custsearch_run(rb_db *db, enum rb_custsearch_kind kind,
	    const char *value, int max, json_t *hits, int64_t *count);

/*
 * Writes the name key of every customer that has none (batches of
 * 1000, one transaction each) and sets *filled to how many were
 * written. Returns 0, or -1 (logged; what was committed stays).
 */
int	rb_custsearch_fill_keys(rb_db *db, int64_t *filled);

/* Sets the name key of customer id from its names. 0, 1 when there is
 * no such customer, -1. */
int	rb_custsearch_key_update(rb_db *db, int64_t id);

#endif
