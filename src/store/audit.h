/*
 * audit.h: the audit log, one row per security event or agent action
 * (who, what, on what, from where, when). Rows are only ever added.
 *
 * Never put a password, a token or a secret in target or detail.
 */
#ifndef RB_STORE_AUDIT_H
#define RB_STORE_AUDIT_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"

/* Who acted (the actor_kind column). */
enum rb_actor {
	RB_ACTOR_ANONYMOUS,	/* nobody signed in */
	RB_ACTOR_SUBSCRIBER,	/* a web account; actor_id is its id */
	RB_ACTOR_AGENT,		/* a customer-service agent */
	RB_ACTOR_SYSTEM,	/* a batch job, the server itself */
	RB_ACTOR__MAX
};

/*
 * Adds one row to the audit log: at now, by actor (actor_id 0 stores
 * NULL), action a short dotted name ("signin.failed"), target what it
 * was about ("account:42", "email:a@b.fr", may be NULL), ip the client's
 * address (may be NULL) and detail a JSON object serialised as is (may
 * be NULL; not taken). Runs in the caller's transaction if one is open.
 * Returns 0, or -1 (logged).
 */
int	rb_audit(rb_db *db, time_t now, enum rb_actor actor, int64_t actor_id,
	    const char *action, const char *target, const char *ip,
	    const json_t *detail);

/* Sets *n to the number of rows of action about target at or after
 * since. Returns 0 or -1. */
int	rb_audit_count_since(rb_db *db, const char *action, const char *target,
	    time_t since, int64_t *n);

#endif
