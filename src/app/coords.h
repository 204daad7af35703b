/*
 * coords.h: "Mes coordonnées": the billing address and the phone numbers
 * of a contract's holder, changed by the subscriber (or an agent for
 * them), audited, each change kept with its old value in
 * customer_contact_history.
 *
 * Where they live: the address bills are sent to and the numbers are
 * the holder's (the customers row of the contract), not the contract's:
 * a utility's customer account holds them, and every contract of that
 * holder is billed there (the contract's own address is where the water
 * is delivered, and it does not change with a move of the bills). So a
 * change made from one contract applies to every contract of the same
 * holder; the page says so.
 *
 * The address is French (country 'FR'): line 1 required and line 2
 * optional, 38 characters each at most (NF Z10-011), postal code of 5
 * digits, city up to 32 characters; other countries go through customer
 * service. Phone numbers are French: typed as 06 12 34 56 78, 06.12...,
 * +33 6 12..., 0033 6..., +33 (0)6...; stored in E.164 (+336...). The
 * mobile must start 06 or 07, the other number ("fixe") 01 to 05 or 09;
 * either may be left empty.
 */
#ifndef RB_APP_COORDS_H
#define RB_APP_COORDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/db.h"

enum rb_co_field {
	RB_CO_LINE1,
	RB_CO_LINE2,
	RB_CO_POSTCODE,
	RB_CO_CITY,
	RB_CO_MOBILE,
	RB_CO_LANDLINE,
	RB_CO__MAX
};

/* What was typed, field by field (NULL is ""). */
struct rb_co_input {
	const char	*ci[RB_CO__MAX];
};

/* French message of each field in error, NULL when fine. */
struct rb_co_errors {
	const char	*ce[RB_CO__MAX];
};

enum rb_co_by {
	RB_CO_BY_SUBSCRIBER,	/* actor: the web account */
	RB_CO_BY_AGENT,		/* actor: the agent's id, any contract */
	RB_CO_BY__MAX
};

/*
 * Normalises a French phone number in to E.164 in out (size >= 13):
 * mobile 1 wants 06/07, 0 wants 01-05 or 09. Returns NULL (out set) when
 * fine, or the French message saying what is wrong (out ""). An empty
 * in is fine and gives "". Pure.
 */
const char	*rb_co_phone(const char *in, int mobile, char *out,
		    size_t size);

/*
 * Sets *out to a new object for the page about contract number of
 * account (NULL or "": the account's first contract): {"contract",
 * "address": {"line1", "line2", "postcode", "city", "country"},
 * "mobile", "landline" (E.164 or ""), "mobile_fr", "landline_fr"
 * ("06 12 34 56 78" or ""), "history": [{"at", "actor_kind", "field",
 * "old", "new"}] newest first (50 at most), "contracts": [{"number",
 * "selected"}] (the account's), "same_holder": [numbers] (those of the
 * same holder, whom a change reaches)}. Caller owns *out. RB_OK,
 * RB_NOT_FOUND (contract not seen by account, or none) or RB_ERROR.
 */
enum rb_rc	rb_co_view(rb_db *db, int64_t account, const char *number,
		    json_t **out);

/*
 * Checks in and, when every field is right, writes the changed values
 * of the holder of contract number, one history row per changed field
 * ('address', 'mobile', 'landline') and the audit entry
 * 'contact.changed' (target "contract:<number>", detail {"by",
 * "fields": [...]}; no value in the audit) in one transaction, at now
 * from ip. *changed is the number of fields changed (0: nothing written).
 * Returns RB_OK; RB_INVALID with errs filled; RB_NOT_FOUND; RB_ERROR.
 */
enum rb_rc	rb_co_update(rb_db *db, enum rb_co_by by, int64_t actor,
		    const char *number, const struct rb_co_input *in,
		    const char *ip, time_t now, struct rb_co_errors *errs,
		    int *changed);

/* "+33612345678" as "06 12 34 56 78" into out (size >= 15); other
 * text is copied as is. */
void		rb_co_phone_fr(const char *e164, char *out, size_t size);

/* Adds to a row of the contact-details history ("field", "old", "new")
 * its French label as "field_fr", and writes its phone values in the
 * French way (rb_co_phone_fr()): the subscriber's page and the
 * customer file show the history alike. */
void		rb_co_history_fr(json_t *row);

#endif
