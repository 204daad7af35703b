/*
 * contact.h: the SQL of customer-service requests (contact_requests,
 * contact_messages; migrations 0001 and 0012). Rows come back as JSON
 * objects whose keys are the column names, for the use case to shape.
 *
 * "Visible to account A" (the requester's side) means: made by A while
 * signed in, or made signed out with the address A signed up with,
 * while A is active (its address was verified by the activation link,
 * and any change of it by a confirmation link).
 */
#ifndef RB_STORE_CONTACT_H
#define RB_STORE_CONTACT_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"

struct rb_contact_new {
	int64_t		 cn_account;	/* 0: signed out */
	const char	*cn_name, *cn_email, *cn_email_norm;
	const char	*cn_contract;	/* "" or NULL: none */
	const char	*cn_postcode;	/* "" or NULL: none */
	const char	*cn_subject;	/* code */
	const char	*cn_message;
	time_t		 cn_now;
};

/* Inserts a request, status 'new'; sets *id. 0 or -1 (logged). */
int	rb_contact_insert(rb_db *db, const struct rb_contact_new *n,
	    int64_t *id);
/* Sets the reference of request id. 0 or -1. */
int	rb_contact_set_reference(rb_db *db, int64_t id, const char *ref);

/*
 * Appends to arr one object per request visible to account, newest
 * first: {id, reference, subject, status, created_at, updated_at}.
 * 0 or -1.
 */
int	rb_contact_list_visible(rb_db *db, int64_t account, json_t *arr);

/*
 * Reads request reference into *out (new object: id, reference,
 * account_id, name, email, contract_number, postcode, subject, message,
 * status, created_at, updated_at, assigned_agent, customer_id: the
 * customer of contract_number, or null; assigned_name: the assigned
 * agent's display name, or null) when it is visible to
 * account; account < 0 means an agent, who sees every request.
 * Returns 0, 1 when not found or not visible (alike), -1 on failure.
 */
int	rb_contact_get(rb_db *db, const char *reference, int64_t account,
	    json_t **out);

/* Appends to arr the numbers of account's contracts (strings, in
 * order). 0 or -1. */
int	rb_contact_account_contracts(rb_db *db, int64_t account, json_t *arr);

/* Appends to arr the messages after the first of request_id, in order:
 * {id, author_kind, author_id, body, created_at}. 0 or -1. */
int	rb_contact_messages(rb_db *db, int64_t request_id, json_t *arr);

/* Adds a message; sets *id. author_kind 'requester' or 'agent'. */
int	rb_contact_add_message(rb_db *db, int64_t request_id,
	    const char *author_kind, int64_t author_id, const char *body,
	    time_t now, int64_t *id);

/* Sets status and updated_at of request id. 0 or -1. */
int	rb_contact_set_status(rb_db *db, int64_t id, const char *status,
	    time_t now);
/* Assigns request id to agent (0: nobody); a 'new' one becomes
 * 'in_progress'. 0 or -1. */
int	rb_contact_assign(rb_db *db, int64_t id, int64_t agent, time_t now);

/*
 * The agents' queue: appends to arr the requests whose subject code is
 * subject and status is status (each "" for any), oldest first, at
 * most limit: {id, reference, name, email, contract_number, subject,
 * status, created_at, updated_at, assigned_agent, customer_id,
 * assigned_name}. 0 or -1.
 */
int	rb_contact_queue(rb_db *db, const char *subject, const char *status,
	    int limit, json_t *arr);

/*
 * Deletes the requests closed before `before` (UTC seconds), their
 * messages and their rows of attachments, appending to the array tokens
 * the file names of those attachments (the caller removes the files
 * once the transaction it holds is committed). Sets *nrequests.
 * Returns 0 or -1 (logged).
 */
int	rb_contact_purge_closed(rb_db *db, int64_t before, json_t *tokens,
	    int64_t *nrequests);

#endif
