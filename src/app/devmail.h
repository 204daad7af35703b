/*
 * devmail.h: the demo mode's mailbox page (/_dev/courriels) as a use
 * case, so that the page reaches the mail outbox only through src/app.
 */
#ifndef RB_APP_DEVMAIL_H
#define RB_APP_DEVMAIL_H

#include <jansson.h>

#include "store/db.h"

/* The latest limit outgoing emails with their links into *out (new JSON
 * array, caller owns): see rb_mail_devbox_list() in mail/mail.h.
 * Returns 0, or -1 (*out NULL) on failure. */
int	rb_devmail_list(rb_db *db, int limit, json_t **out);

#endif
