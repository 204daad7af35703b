/*
 * pages/devmail.c: /_dev/courriels, demo mode only (the route does not
 * exist otherwise): the latest outgoing emails with their links, so that
 * a person trying the demo can click "Activer votre espace client".
 */
#include "app/devmail.h"
#include "web/routes.h"
#include "web/session.h"

void
rb_page_dev_mail(struct rb_req *req)
{
	json_t *mails;

	if (rb_devmail_list(rb_req_db(req), 30, &mails) != 0) {
		rb_resp_error(req, 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "devmail", json_pack("{s:o, s:b}", "mails",
	    mails, "has_mails", json_array_size(mails) > 0));
}
