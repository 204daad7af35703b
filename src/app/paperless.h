/*
 * paperless.h: paperless billing ("facture électronique") switched on
 * or off per contract, by its subscriber (or, later, by an agent on the
 * subscriber's behalf), confirmed by email and audited with who made
 * the change. The import sets the state carried over from the billing
 * system or the former operator (app/import.c) and announces new bills.
 */
#ifndef RB_APP_PAPERLESS_H
#define RB_APP_PAPERLESS_H

#include <stdint.h>
#include <time.h>

#include "app/rc.h"
#include "store/db.h"

/* Who switches. */
enum rb_paperless_by {
	RB_PAPERLESS_BY_SUBSCRIBER,	/* the account's own session */
	RB_PAPERLESS_BY_AGENT,		/* customer service, for the account */
	RB_PAPERLESS_BY__MAX
};

/*
 * Sets paperless billing of contract `number` of account to on (0 or
 * 1) at now, asked from ip (may be NULL) by `by` (actor_id: the agent's
 * id for an agent, else ignored). In one transaction: when the state
 * changes, writes it, adds the audit entry 'paperless.on' or
 * 'paperless.off' (target "contract:<number>", detail {"by":
 * "subscriber"|"agent", "was": bool}) and queues the confirmation email
 * to the account's address. Sets *changed to 1 when it changed, 0 when
 * it already was so (nothing written, no email). Returns RB_OK,
 * RB_NOT_FOUND when the contract is not one of account's (the same for
 * one that does not exist), or RB_ERROR (logged).
 */
enum rb_rc	rb_paperless_switch(rb_db *db, int64_t account,
		    const char *number, int on, enum rb_paperless_by by,
		    int64_t actor_id, const char *ip, time_t now,
		    int *changed);

#endif
