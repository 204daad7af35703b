/*
 * queue.c: rb_mail_queue(): renders a message and writes it to the
 * outbox, then wakes the sender (see mail.h).
 */
#include "base/log.h"
#include "mail/address.h"
#include "mail/mail.h"
#include "mail/render.h"
#include "mail/state.h"
#include "store/outbox.h"

int
rb_mail_queue(rb_db *db, enum rb_mail_kind kind, const char *to,
    const json_t *data, time_t now)
{
	const struct rb_mail_state *st;
	struct rb_mail_rendered r;
	char err[300];
	int64_t id;
	int rc;

	if ((st = rb_mail_state()) == NULL)
		return -1;
	if (to == NULL || !rb_mail_addr_ok(to)) {
		log_errx("%s mail not queued: recipient address refused",
		    rb_mail_kind_name(kind));
		return -1;
	}
	if (rb_mail_render(st, kind, data, &r, err, sizeof(err)) != 0) {
		log_errx("%s mail not queued: %s", rb_mail_kind_name(kind),
		    err);
		return -1;
	}
	rc = rb_outbox_enqueue(db, to, r.mr_subject, r.mr_text, r.mr_html,
	    (int64_t)now, &id);
	rb_mail_rendered_free(&r);
	if (rc != 0)
		return -1;
	/* Addresses are personal data: the log names the row, not them. */
	log_info("queued %s mail %lld", rb_mail_kind_name(kind),
	    (long long)id);
	rb_mail_sender_wake();
	return 0;
}
