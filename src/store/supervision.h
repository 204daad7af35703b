/*
 * supervision.h: SQL of the supervisors' pages of the back office: the
 * audit log filtered by actor, target and dates, and the simple reports
 * (contact requests by subject and age, payments by channel).
 */
#ifndef RB_STORE_SUPERVISION_H
#define RB_STORE_SUPERVISION_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* What the audit log page asks for; "" / 0 means any. */
struct rb_audit_filter {
	const char	*af_actor_kind;	/* 'agent', 'subscriber'… or "" */
	int64_t		 af_actor_id;	/* 0: any */
	const char	*af_target;	/* exact, e.g. "customer:12", or "" */
	int64_t		 af_from;	/* instants, from included */
	int64_t		 af_to;		/* to excluded */
};

/*
 * Sets *out to a new array of the audit rows f selects, newest first,
 * at most max: {id, at, actor_kind, actor_id, agent_name (the agent's
 * display name for an agent, else null), action, target, ip, detail}.
 * Reads the index of the target when one is given, else that of the
 * actor, else that of the time. Returns 0, or -1 (*out NULL).
 */
int	rb_supervision_audit(rb_db *db, const struct rb_audit_filter *f,
	    int max, json_t **out);

/*
 * Sets *out to a new array of the contact requests not closed, by
 * subject: {subject, total, under_2_days, days_2_to_7, over_7_days}
 * by age at now, and the closed ones' count {closed}. Returns 0 or -1.
 */
int	rb_supervision_requests(rb_db *db, int64_t now, json_t **out);

/*
 * Sets *out to a new array of the succeeded payments received at or
 * after since, by method: {method, count, total_cents}, largest total
 * first. Returns 0 or -1.
 */
int	rb_supervision_payments(rb_db *db, int64_t since, json_t **out);

#endif
