/*
 * gdpr.h: SQL of the subscriber's right of access (GDPR art. 15): every
 * row the utility holds about a web account and the contracts linked to
 * it, as plain JSON, for "Mes données personnelles".
 */
#ifndef RB_STORE_GDPR_H
#define RB_STORE_GDPR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/*
 * Sets *out to a new object with one array per category, each row an
 * object of its columns (instants in UTC seconds, money in cents,
 * volumes in litres, null when absent), rows referring to each other
 * by natural keys (contract, meter and invoice numbers):
 *   account (one row), customers, contracts, meters, readings, invoices,
 *   invoice_lines, payments, payment_orders, sepa_mandates (IBAN last
 *   four digits only), legacy_credentials (never the hash),
 *   consumption_alerts, sessions, api_tokens (never the hash),
 *   contact_requests, contact_messages, attachments, contact_history,
 *   leak_alert_settings, leak_alerts, submitted_readings,
 *   reading_photos, braille_choice (one row once a braille choice was
 *   set: braille, set_by "subscriber" or "agent", never which agent,
 *   set_at), braille_letters (the letters kept in braille, with their
 *   text), file_views (the agents' views of the holder's customer file,
 *   newest first: at and detail, the JSON text the view recorded; never
 *   the agent), audit_log.
 * Imported rows carry their provenance (src_system, src_batch,
 * src_file, src_line). Reads in one read transaction. The caller owns
 * *out. Returns 0, 1 when the account does not exist, -1 on error
 * (*out NULL unless 0).
 */
int	rb_gdpr_export(rb_db *db, int64_t account, json_t **out);

/*
 * What "Mes données personnelles" shows, without reading every row out:
 * sets *out to a new object {"tally": [{"category", "src_system" (null
 * for a category without provenance, or a row written by Robinet),
 * "rows"}, …] (the rows of each category of rb_gdpr_export() counted
 * by src_system; a category with provenance and no row has no entry),
 * "file_views", "reading_photos" (these two categories' rows, as
 * rb_gdpr_export() gives them)}. One read transaction; the tally is one
 * statement. In *contracts (free(); NULL when none) the ids of the
 * account's contracts, *ncontracts of them: what a copy of the page kept
 * in memory lists (app/pagecache.h). All in one batch (one round trip on
 * PostgreSQL). Returns as rb_gdpr_export() (nothing to free unless 0).
 */
int	rb_gdpr_overview(rb_db *db, int64_t account, json_t **out,
	    int64_t **contracts, size_t *ncontracts);

#endif
