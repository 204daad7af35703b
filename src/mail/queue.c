/*
 * queue.c: rb_mail_queue() and rb_mail_queue_files(): render a message,
 * check its attached files against the limits, write it (and them) to
 * the outbox, then wake the sender (see mail.h).
 */
#define _GNU_SOURCE		/* memmem */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "mail/address.h"
#include "mail/mail.h"
#include "mail/message.h"
#include "mail/render.h"
#include "mail/state.h"
#include "store/braille.h"
#include "store/outbox.h"

/*
 * Braille (issue 11): a letter to a subscriber who chose braille is also
 * kept as text (store/braille.h) for its braille version. Messages that
 * carry a secret are never kept; in the others, a link carrying a
 * single-use token ("jeton=") is replaced by a sentence.
 */
static int
braille_kept_kind(enum rb_mail_kind kind)
{
	return kind != RB_MAIL_RESET && kind != RB_MAIL_EMAIL_CHANGE &&
	    kind != RB_MAIL_SEPA_CODE;
}

static int
braille_keep(rb_db *db, enum rb_mail_kind kind, const char *to,
    const struct rb_mail_rendered *r, time_t now)
{
	rb_buf body = RB_BUF_INIT;
	const char *p = r->mr_text, *w;
	int rc;

	while (*p != '\0') {
		w = p + strcspn(p, " \n");
		if (strncmp(p, "http", 4) == 0 && memmem(p, (size_t)(w - p),
		    "jeton=", 6) != NULL)
			rb_buf_puts(&body, "(lien envoyé par e-mail)");
		else
			rb_buf_append(&body, p, (size_t)(w - p));
		if (*w != '\0')
			rb_buf_putc(&body, *w++);
		p = w;
	}
	rc = rb_braille_letter_keep(db, to, rb_mail_kind_name(kind),
	    r->mr_subject, rb_buf_cstr(&body), (int64_t)now, NULL);
	rb_buf_free(&body);
	return rc;
}

/* Checks the files against the count, shape and size limits. */
static int
files_ok(const struct rb_mail_state *st, const struct rb_mail_attach *files,
    size_t n, char *err, size_t errlen)
{
	unsigned long long total = 0;
	size_t i;

	if (n > RB_MAIL_FILES_MAX) {
		snprintf(err, errlen, "%zu files attached, at most %d", n,
		    RB_MAIL_FILES_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!rb_mail_attach_ok(&files[i], err, errlen))
			return -1;
		total += files[i].ma_len;
	}
	if (total > (unsigned long long)st->st_attach_max) {
		snprintf(err, errlen, "attachments total %llu bytes, over the "
		    "limit of %lld (mail_attach_max_bytes)", total,
		    st->st_attach_max);
		return -1;
	}
	return 0;
}

int
rb_mail_queue_files(rb_db *db, enum rb_mail_kind kind, const char *to,
    const json_t *data, const struct rb_mail_attach *files, size_t n,
    time_t now, char *err, size_t errlen)
{
	const struct rb_mail_state *st;
	struct rb_mail_rendered r;
	int64_t id;
	size_t i;
	int rc;

	if ((st = rb_mail_state()) == NULL) {
		snprintf(err, errlen, "mail module not initialised");
		return -1;
	}
	if (to == NULL || !rb_mail_addr_ok(to)) {
		snprintf(err, errlen, "recipient address refused");
		goto refused;
	}
	if (files_ok(st, files, n, err, errlen) != 0) {
		log_errx("%s mail not queued: %s", rb_mail_kind_name(kind),
		    err);
		return RB_MAIL_FILES_REFUSED;
	}
	if (rb_mail_render(st, kind, data, &r, err, errlen) != 0)
		goto refused;
	rc = rb_outbox_enqueue(db, to, r.mr_subject, r.mr_text, r.mr_html,
	    (int64_t)now, &id);
	if (rc == 0 && braille_kept_kind(kind))
		rc = braille_keep(db, kind, to, &r, now);
	rb_mail_rendered_free(&r);
	for (i = 0; rc == 0 && i < n; i++)
		rc = rb_outbox_attach(db, id, (int)i, files[i].ma_name,
		    files[i].ma_type, files[i].ma_data, files[i].ma_len);
	if (rc != 0) {
		snprintf(err, errlen, "database error");
		return -1;
	}
	/* Addresses are personal data: the log names the row, not them. */
	log_info("queued %s mail %lld (%zu file%s)", rb_mail_kind_name(kind),
	    (long long)id, n, n == 1 ? "" : "s");
	rb_mail_sender_wake();
	return 0;
refused:
	log_errx("%s mail not queued: %s", rb_mail_kind_name(kind), err);
	return -1;
}

int
rb_mail_queue(rb_db *db, enum rb_mail_kind kind, const char *to,
    const json_t *data, time_t now)
{
	char err[300];

	return rb_mail_queue_files(db, kind, to, data, NULL, 0, now, err,
	    sizeof(err));
}
