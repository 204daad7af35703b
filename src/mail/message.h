/*
 * message.h: building an Internet message (RFC 5322 + MIME) ready for
 * SMTP: CRLF line ends, every line within 78 characters (998 is the
 * hard limit), headers in ASCII with UTF-8 text as RFC 2047 encoded
 * words, bodies in UTF-8 quoted-printable, text + HTML as
 * multipart/alternative, and attached files (base64, 76-column lines,
 * Content-Disposition: attachment, RFC 2231 file names) in a
 * multipart/mixed around it. Internal to src/mail.
 */
#ifndef RB_MAIL_MESSAGE_H
#define RB_MAIL_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "mail/mail.h"	/* struct rb_mail_attach */

/* Sizes of the buffers of rb_mail_format_date() and rb_mail_message_id(). */
#define RB_MAIL_DATE_MAX	40
#define RB_MAIL_MSGID_MAX	320
/* Longest subject accepted, in bytes. */
#define RB_MAIL_SUBJECT_MAX	500

/* Most files one message carries. */
#define RB_MAIL_FILES_MAX	4
/* Longest file name, in bytes of UTF-8. */
#define RB_MAIL_FILE_NAME_MAX	200

/*
 * 1 if f can be attached: a non-empty name of valid UTF-8 within
 * RB_MAIL_FILE_NAME_MAX bytes without control characters, '/', '\\' or
 * '"', and a content type of the form type/subtype (letters, digits,
 * "+-."). Else 0 with a reason in err.
 */
int	rb_mail_attach_ok(const struct rb_mail_attach *f, char *err,
	    size_t errlen);

struct rb_mail_msg {
	const char	*mm_from_name;	/* UTF-8 display name; NULL or "": none */
	const char	*mm_from_addr;	/* see rb_mail_addr_ok() */
	const char	*mm_to;		/* see rb_mail_addr_ok() */
	const char	*mm_subject;	/* UTF-8, one line */
	const char	*mm_text;	/* UTF-8, '\n' or "\r\n" line ends */
	const char	*mm_html;	/* UTF-8, or NULL for a text-only message */
	time_t		 mm_date;
	const char	*mm_message_id;	/* "<x@domain>", or NULL for a random one
					   on the sender's domain */
	const struct rb_mail_attach *mm_files; /* NULL when mm_nfiles is 0 */
	size_t		 mm_nfiles;	/* at most RB_MAIL_FILES_MAX */
};

/*
 * Appends the whole message m to out: Date, From, To, Subject,
 * Message-ID, MIME-Version, Auto-Submitted (auto-generated: no automatic
 * replies), Content-Language (fr) and the MIME structure, with a random
 * boundary. With files, the body is multipart/mixed: the text (or
 * text + HTML alternative) first, then each file in order. Returns 0; or
 * -1, out unchanged and a reason in err, when an address is refused, the
 * subject is empty, longer than RB_MAIL_SUBJECT_MAX or holds a control
 * character, the message id is malformed, some text is not valid UTF-8,
 * there are more than RB_MAIL_FILES_MAX files or one is refused by
 * rb_mail_attach_ok().
 */
int	rb_mail_build(const struct rb_mail_msg *m, rb_buf *out, char *err,
	    size_t errlen);

/*
 * Appends s[0..len) in quoted-printable (RFC 2045, section 6.7): line
 * breaks ("\n" or "\r\n") become CRLF, encoded lines are at most 76
 * characters, '=', bytes outside printable ASCII, spaces and tabs ending
 * a line, and a '.' starting one are written =XX.
 */
void	rb_mail_qp(rb_buf *out, const char *s, size_t len);

/*
 * Appends the header field "name: value" with CRLF, value being UTF-8
 * unstructured text without control characters: as is when it is
 * printable ASCII that fits on the line, else as RFC 2047 "B" encoded
 * words of whole characters, one per folded line of at most 76 columns.
 */
void	rb_mail_header_text(rb_buf *out, const char *name, const char *value);

/*
 * Appends len bytes of data in base64 (RFC 2045, section 6.8): lines of
 * 76 characters ending with CRLF, the last one shorter.
 */
void	rb_mail_base64(rb_buf *out, const void *data, size_t len);

/* Writes t as an RFC 5322 date in UTC: "Fri, 29 Nov 2024 10:05:00 +0000". */
void	rb_mail_format_date(time_t t, char *out, size_t outlen);

/*
 * Writes "<32 hex digits@domain>" into out (outlen >= RB_MAIL_MSGID_MAX):
 * the digits are random when seed is NULL, else a keyless BLAKE2b hash
 * of seed[0..seedlen), so that retries of one message keep its id.
 */
void	rb_mail_message_id(char *out, size_t outlen, const char *domain,
	    const void *seed, size_t seedlen);

#endif
