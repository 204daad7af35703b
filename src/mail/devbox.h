/*
 * devbox.h: demo-mode delivery: each message becomes a file
 * DIR/<id>.eml instead of going to SMTP, and the outbox is listed for
 * /_dev/courriels (rb_mail_devbox_list() in mail.h). Internal to src/mail.
 */
#ifndef RB_MAIL_DEVBOX_H
#define RB_MAIL_DEVBOX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Writes msg[0..len) to dir/<id>.eml, creating dir (and its parents,
 * mode 0750) when missing; the file appears whole (written under a
 * temporary name, then renamed) and is never a symbolic link followed.
 * Returns 0, or -1 with a reason in err.
 */
int	rb_mail_devbox_write(const char *dir, int64_t id, const char *msg,
	    size_t len, char *err, size_t errlen);

/*
 * Appends to the array links every absolute http:// or https:// URL of
 * text, in order, each ending before whitespace, '<', '>' or '"', and
 * without trailing '.', ',', ';', ':', ')' or '!'.
 */
void	rb_mail_find_links(const char *text, json_t *links);

#endif
