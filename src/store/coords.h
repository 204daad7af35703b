/*
 * coords.h: SQL of a customer's contact details ("Mes coordonnées",
 * app/coords.h): the billing address and phone numbers of the holder
 * (customers row) of a contract, their update, and the history table
 * customer_contact_history.
 */
#ifndef RB_STORE_COORDS_H
#define RB_STORE_COORDS_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* The holder of a contract, as the contact-details page needs it. */
struct rb_co_holder {
	int64_t	ch_customer;
	char	ch_contract[16];
	char	ch_line1[128];
	char	ch_line2[128];
	char	ch_postcode[16];
	char	ch_city[128];
	char	ch_country[4];
	char	ch_landline[24];	/* E.164 or "" */
	char	ch_mobile[24];
};

/*
 * The holder of contract number, if account sees the contract (account
 * 0: any contract, for an agent). Returns 0 and fills *out, 1 when not
 * (or no such contract), -1 on a database failure.
 */
int	rb_co_store_holder(rb_db *db, int64_t account, const char *number,
	    struct rb_co_holder *out);

/* Writes h's address and numbers ("" stores NULL for line2 and the
 * numbers) into its customers row. Returns 0, or -1. */
int	rb_co_store_update(rb_db *db, const struct rb_co_holder *h);

/*
 * Adds a history row: customer, at now, by actor_kind ('subscriber' or
 * 'agent') actor_id, field ('address', 'mobile', 'landline'), old and
 * new values ("" or NULL store NULL). Returns 0, or -1.
 */
int	rb_co_store_history_add(rb_db *db, int64_t customer, int64_t now,
	    const char *actor_kind, int64_t actor_id, const char *field,
	    const char *old_value, const char *new_value);

/*
 * rb_co_store_holder() of number within account and the history of
 * customer (the holder's, known from rb_co_store_contracts()) in one
 * batch (rb_db_fetch_batch(): one round trip on PostgreSQL). The
 * history: newest first, at most max rows, an array of {"at" (seconds),
 * "actor_kind", "field", "old" (or null), "new" (or null)}. Returns 0
 * with *out and *history (the caller owns it), 1 when the holder is not
 * found (*history NULL), -1 (the same).
 */
int	rb_co_store_holder_history(rb_db *db, int64_t account,
	    const char *number, int64_t customer, int max,
	    struct rb_co_holder *out, json_t **history);

/*
 * The contracts of account by number: a new array of {"number",
 * "customer" (the holder's row id), "id" (the contract's)}. The caller owns *out. Returns 0, or
 * -1 with *out NULL.
 */
int	rb_co_store_contracts(rb_db *db, int64_t account, json_t **out);

#endif
