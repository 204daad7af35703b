/*
 * custfile.h: SQL of the customer file an agent opens in the back
 * office: everything about one customer (store/customers) and the
 * contracts it holds, as plain JSON rows, newest first where lists are
 * long. The subscriber's own view of the same rows is store/gdpr.h;
 * this one is keyed by the customer, since a customer may have no web
 * account at all.
 */
#ifndef RB_STORE_CUSTFILE_H
#define RB_STORE_CUSTFILE_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* Rows of the long lists kept, newest first. */
#define RB_CUSTFILE_BILLS	24
#define RB_CUSTFILE_PAYMENTS	24
#define RB_CUSTFILE_EVENTS	20
#define RB_CUSTFILE_SIGNINS	5
#define RB_CUSTFILE_PHOTOS	50
#define RB_CUSTFILE_HISTORY	20

/*
 * Sets *out to a new object of arrays (rows as objects of their
 * columns, instants in UTC seconds, money in cents, volumes in litres,
 * null when absent):
 *   customer (one row: id, ref, title, last_name, first_name, email,
 *     phone, address_line1, address_line2, postcode, commune, country,
 *     src_system, mobile),
 *   contracts (id, number, old_number, origin, service_address,
 *     service_postcode, service_commune, start_date, end_date,
 *     can_create_account, direct_debit, paperless, paperless_by,
 *     has_bill),
 *   meters (contract_number, serial, remote_read, installed_on,
 *     removed_on, last_read_on, last_index_litres, last_source, id),
 *   photos (the RB_CUSTFILE_PHOTOS last photos sent with a reading of
 *     one of the meters: contract_number, serial, reading_id, read_on,
 *     index_litres, source, token, content_type, size, created_at),
 *   contact_history (the RB_CUSTFILE_HISTORY last changes of the
 *     billing address or a phone number: at, actor_kind, actor_id,
 *     field, old, new),
 *   bills (the RB_CUSTFILE_BILLS last: contract_number, id, number,
 *     archived, period_start, period_end, issued_on, due_on,
 *     total_cents, status, paid_cents),
 *   payments (the RB_CUSTFILE_PAYMENTS last: invoice_number,
 *     amount_cents, method, status, created_at),
 *   mandates (contract_number, rum, holder, iban_last4, bic, signed_on,
 *     status, revoked_on; never the IBAN),
 *   accounts (web accounts that see one of the contracts: id, email,
 *     last_name, first_name, status, created_at, activated_at),
 *   requests (contact requests of those accounts or quoting one of the
 *     contract numbers: id, created_at, name, email, contract_number,
 *     subject, status).
 * Reads in one read transaction unless one is open. The caller owns
 * *out. Returns 0, 1 when there is no such customer, -1 (*out NULL).
 */
int	rb_custfile_get(rb_db *db, int64_t customer, json_t **out);

/*
 * Sets *out to a new array of the audit rows about web account id
 * (target "account:<id>"), newest first, at most max: {at, actor_kind,
 * action, ip}; only actions beginning with prefix when prefix is not
 * NULL ("signin." for the sign-ins). Returns 0, or -1 (*out NULL).
 */
int	rb_custfile_account_events(rb_db *db, int64_t account,
	    const char *prefix, int max, json_t **out);

/*
 * The contract `number` of customer: its id into *contract and the id
 * of the web account that sees it into *account (0: none). Returns 0,
 * 1 when customer holds no such contract, -1.
 */
int	rb_custfile_contract(rb_db *db, int64_t customer, const char *number,
	    int64_t *contract, int64_t *account);

/* 1 when web account `account` sees a contract of customer, 0 when not,
 * -1 on error. */
int	rb_custfile_has_account(rb_db *db, int64_t customer, int64_t account);

/*
 * Records that customer service posted the letter that lets contract
 * id open a space (contracts.can_create_account). Returns 0 when it
 * changed, 1 when it was already recorded, -1.
 */
int	rb_custfile_letter_sent(rb_db *db, int64_t contract);

/* The names and email on file of a customer ("" when NULL). */
struct rb_custfile_identity {
	char	ci_last_name[256];
	char	ci_first_name[256];
	char	ci_email[256];
};

/* Reads them: 0, 1 when there is no such customer, -1. */
int	rb_custfile_identity_get(rb_db *db, int64_t customer,
	    struct rb_custfile_identity *out);

/*
 * Writes the last name, first name and email of customer (first and
 * email "" store NULL) with the name's search key (base/namekey.h).
 * Returns 0, 1 when there is no such customer, -1.
 */
int	rb_custfile_identity_set(rb_db *db, int64_t customer,
	    const struct rb_custfile_identity *in);

/* 1 when meter id is on a contract of customer, 0 when not, -1. */
int	rb_custfile_has_meter(rb_db *db, int64_t customer, int64_t meter);

/* The first contract number of customer into out: 0, 1 when it holds
 * none, -1. */
int	rb_custfile_first_contract(rb_db *db, int64_t customer, char out[16]);

/*
 * The serial of the meter whose reading the photo `token` (an
 * attachment of purpose 'reading') belongs to, when that meter is on a
 * contract of customer: 0 (serial set), 1 when not so or unknown, -1.
 */
int	rb_custfile_photo_meter(rb_db *db, int64_t customer, const char *token,
	    char serial[24]);

#endif
