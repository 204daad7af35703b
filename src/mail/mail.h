/*
 * mail.h: outgoing email. Use cases queue messages in the outbox (a
 * table, written in the caller's transaction); a sender delivers them
 * over SMTP with libcurl, with retries and back-off, or, in demo mode,
 * writes them to a folder that /_dev/courriels lists.
 *
 * Messages are French, multipart (text + HTML), built from templates
 * compiled into the binary, and every link is absolute, built from the
 * configured public URL, never from a request's Host header.
 */
#ifndef RB_MAIL_H
#define RB_MAIL_H

#include <jansson.h>

#include "store/db.h"

enum rb_mail_kind {
	RB_MAIL_ACTIVATION,	/* "Activer votre espace client" button */
	RB_MAIL_RESET,		/* reset link */
	RB_MAIL_EMAIL_CHANGE,	/* confirm the new address (to the new one) */
	RB_MAIL_EMAIL_CHANGED,	/* notice to the old address */
	RB_MAIL_SPACE_EXISTS,	/* someone tried to create a space again */
	RB_MAIL_EMAIL_DIFFERS,	/* space requested with another email */
	RB_MAIL_PASSWORD_CHANGED,
	RB_MAIL__MAX
};

/*
 * Queues one message of kind to address `to`, rendered with data (e.g.
 * {"first_name": …, "link": "https://…/activer?jeton=…"}). Does not
 * take ownership of data. 0, or -1 (logged).
 */
int	rb_mail_queue(rb_db *db, enum rb_mail_kind kind, const char *to,
	    const json_t *data, time_t now);

#endif
