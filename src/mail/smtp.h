/*
 * smtp.h: handing one message to the SMTP relay with libcurl. Internal
 * to src/mail.
 */
#ifndef RB_MAIL_SMTP_H
#define RB_MAIL_SMTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "mail/state.h"

enum rb_smtp_rc {
	RB_SMTP_OK = 0,
	RB_SMTP_FAILED = -1,	/* err says why; worth retrying later */
	RB_SMTP_CANCELLED = -2	/* *cancel became non-zero */
};

/*
 * Sends msg[0..len) (a complete message with CRLF line ends) from
 * st->st_from_addr to `to` through st->st_smtp_url: smtps:// is TLS from
 * the start; smtp:// must upgrade with STARTTLS when st->st_starttls is
 * set (else nothing is sent) and stays in clear text otherwise (a relay
 * on the same machine). TLS certificates are verified. The whole
 * exchange is bounded by st->st_timeout seconds, and abandoned as soon
 * as *cancel (when not NULL) becomes non-zero. On failure writes a one-line English reason,
 * with the server's reply code when there is one and never the URL's
 * credentials, to err.
 */
enum rb_smtp_rc rb_mail_smtp_send(const struct rb_mail_state *st,
	    const char *to, const char *msg, size_t len,
	    const atomic_int *cancel, char *err, size_t errlen);

#endif
