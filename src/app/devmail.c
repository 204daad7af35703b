/*
 * devmail.c: the demo mode's mailbox page use case (see devmail.h).
 */
#include "app/devmail.h"
#include "mail/mail.h"

int
rb_devmail_list(rb_db *db, int limit, json_t **out)
{
	return rb_mail_devbox_list(db, limit, out);
}
