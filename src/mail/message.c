/*
 * message.c: RFC 5322 / MIME message building: header encoding and
 * folding, quoted-printable bodies, base64 attached files with RFC 2231
 * names, dates, message ids (see message.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "base/clock.h"
#include "mail/address.h"
#include "mail/message.h"

#define LINE_MAX_COLS	76	/* RFC 2045 and 2047 line limit */
#define QP_COLS		75	/* content before a soft break '=' */
#define WORD_BYTES	39	/* UTF-8 bytes per encoded word: its 52
				   base64 digits + 12 fit after "Subject: " */
#define ID_BYTES	16

static const char hexdigits[] = "0123456789ABCDEF";

/* Columns used on the last line of b (since its last CRLF). */
static size_t
current_col(const rb_buf *b)
{
	size_t i = b->buf_len;

	while (i > 0 && b->buf_data[i - 1] != '\n')
		i--;
	return b->buf_len - i;
}

void
rb_mail_qp(rb_buf *out, const char *s, size_t len)
{
	size_t i, col = 0, eol, tok;
	unsigned char c;
	char enc[3];
	int literal;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\n' || (c == '\r' && i + 1 < len && s[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			rb_buf_append(out, "\r\n", 2);
			col = 0;
			continue;
		}
		/* Is c the last byte of its line? */
		eol = i + 1 == len || s[i + 1] == '\n' ||
		    (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n');
		if (c == ' ' || c == '\t')
			literal = !eol;
		else if (c == '.' && col == 0)
			literal = 0;
		else
			literal = c >= 33 && c <= 126 && c != '=';
		tok = literal ? 1 : 3;
		if (col + tok > QP_COLS) {
			rb_buf_append(out, "=\r\n", 3);
			col = 0;
			if (c == '.') {	/* now starting a line */
				literal = 0;
				tok = 3;
			}
		}
		if (literal) {
			rb_buf_putc(out, (char)c);
		} else {
			enc[0] = '=';
			enc[1] = hexdigits[c >> 4];
			enc[2] = hexdigits[c & 15];
			rb_buf_append(out, enc, 3);
		}
		col += tok;
	}
}

/* 1 if s is printable ASCII without "=?" (which would read as encoded). */
static int
is_plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    (s[0] == '=' && s[1] == '?'))
			return 0;
	return 1;
}

/* Length of the longest prefix of s[0..len) of whole UTF-8 characters
 * within max bytes (s is valid UTF-8). */
static size_t
utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * Appends s (UTF-8) as encoded words, folding before any word that would
 * pass LINE_MAX_COLS (never before the first one on the header's line).
 */
static void
put_encoded_words(rb_buf *out, const char *s, size_t len)
{
	char b64[sodium_base64_ENCODED_LEN(WORD_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t n, wlen, first = 1;

	while (len > 0) {
		n = utf8_prefix(s, len, WORD_BYTES);
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s,
		    n, sodium_base64_VARIANT_ORIGINAL);
		wlen = strlen(b64) + 12;	/* "=?UTF-8?B?" "?=" */
		if (!first && current_col(out) + 1 + wlen > LINE_MAX_COLS)
			rb_buf_append(out, "\r\n ", 3);
		else if (!first)
			rb_buf_putc(out, ' ');
		rb_buf_printf(out, "=?UTF-8?B?%s?=", b64);
		first = 0;
		s += n;
		len -= n;
	}
}

void
rb_mail_header_text(rb_buf *out, const char *name, const char *value)
{
	rb_buf_printf(out, "%s: ", name);
	if (is_plain_ascii(value) &&
	    current_col(out) + strlen(value) <= LINE_MAX_COLS)
		rb_buf_puts(out, value);
	else
		put_encoded_words(out, value, strlen(value));
	rb_buf_append(out, "\r\n", 2);
}

/* 1 if every byte of s is atext or a space: a phrase needing no quotes. */
static int
is_plain_phrase(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') ||
		    strchr(" !#$%&'*+-/=?^_`{|}~", *s) != NULL))
			return 0;
	return 1;
}

/* "From: Name <addr>" with the name as is, quoted or encoded. */
static void
put_from(rb_buf *out, const char *name, const char *addr)
{
	rb_buf_puts(out, "From: ");
	if (name != NULL && name[0] != '\0') {
		if (is_plain_ascii(name) && is_plain_phrase(name) &&
		    strlen(name) + strlen(addr) + 9 <= LINE_MAX_COLS)
			rb_buf_puts(out, name);
		else if (is_plain_ascii(name) &&
		    strlen(name) + strlen(addr) + 11 <= LINE_MAX_COLS)
			rb_buf_printf(out, "\"%s\"", name);
		else
			put_encoded_words(out, name, strlen(name));
		if (current_col(out) + strlen(addr) + 3 > LINE_MAX_COLS)
			rb_buf_append(out, "\r\n", 2);
		rb_buf_putc(out, ' ');
	}
	rb_buf_printf(out, "<%s>\r\n", addr);
}

void
rb_mail_format_date(time_t t, char *out, size_t outlen)
{
	static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t days = (int64_t)t / 86400, secs = (int64_t)t % 86400;
	struct rb_date d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	rb_clock_civil_from_days(days, &d);
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wdays[rb_clock_weekday(&d) - 1], d.d_day, months[d.d_month - 1],
	    d.d_year, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60));
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[p[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
rb_mail_message_id(char *out, size_t outlen, const char *domain,
    const void *seed, size_t seedlen)
{
	unsigned char id[ID_BYTES];
	char idhex[2 * ID_BYTES + 1];

	if (seed == NULL) {
		if (sodium_init() < 0)
			abort();
		randombytes_buf(id, sizeof(id));
	} else {
		crypto_generichash(id, sizeof(id), seed, seedlen, NULL, 0);
	}
	hex(id, sizeof(id), idhex);
	snprintf(out, outlen, "<%s@%s>", idhex, domain);
}

/* 1 if s is "<left@right>" of printable ASCII without spaces or '<>'. */
static int
message_id_ok(const char *s)
{
	size_t len = strlen(s), i, at = 0;

	if (len < 5 || len >= RB_MAIL_MSGID_MAX || s[0] != '<' ||
	    s[len - 1] != '>')
		return 0;
	for (i = 1; i + 1 < len; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '<' || s[i] == '>')
			return 0;
		if (s[i] == '@')
			at = i;
	}
	return at > 1 && at + 2 < len;
}

static int
utf8_ok(const char *s)
{
	return u8_check((const uint8_t *)s, strlen(s)) == NULL;
}

/* Checks m; 0, or -1 with a reason in err. */
static int
check_msg(const struct rb_mail_msg *m, char *err, size_t errlen)
{
	const char *s;
	size_t i;

	if (!rb_mail_addr_ok(m->mm_from_addr) || !rb_mail_addr_ok(m->mm_to)) {
		snprintf(err, errlen, "address refused");
		return -1;
	}
	if (m->mm_subject[0] == '\0' ||
	    strlen(m->mm_subject) > RB_MAIL_SUBJECT_MAX) {
		snprintf(err, errlen, "empty or long subject");
		return -1;
	}
	for (s = m->mm_subject; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			snprintf(err, errlen, "control character in subject");
			return -1;
		}
	if (m->mm_from_name != NULL)
		for (s = m->mm_from_name; *s != '\0'; s++)
			if ((unsigned char)*s < 0x20 || *s == 0x7f) {
				snprintf(err, errlen, "control character in "
				    "sender name");
				return -1;
			}
	if (m->mm_message_id != NULL && !message_id_ok(m->mm_message_id)) {
		snprintf(err, errlen, "malformed message id");
		return -1;
	}
	if (m->mm_nfiles > RB_MAIL_FILES_MAX) {
		snprintf(err, errlen, "%zu files attached, at most %d",
		    m->mm_nfiles, RB_MAIL_FILES_MAX);
		return -1;
	}
	for (i = 0; i < m->mm_nfiles; i++)
		if (!rb_mail_attach_ok(&m->mm_files[i], err, errlen))
			return -1;
	if (!utf8_ok(m->mm_subject) || !utf8_ok(m->mm_text) ||
	    (m->mm_html != NULL && !utf8_ok(m->mm_html)) ||
	    (m->mm_from_name != NULL && !utf8_ok(m->mm_from_name))) {
		snprintf(err, errlen, "text is not valid UTF-8");
		return -1;
	}
	return 0;
}

int
rb_mail_attach_ok(const struct rb_mail_attach *f, char *err, size_t errlen)
{
	const char *s;
	size_t len;
	int slash = 0;

	if (f->ma_name == NULL || (len = strlen(f->ma_name)) == 0 ||
	    len > RB_MAIL_FILE_NAME_MAX || !utf8_ok(f->ma_name)) {
		snprintf(err, errlen, "attached file name empty, longer than "
		    "%d bytes or not UTF-8", RB_MAIL_FILE_NAME_MAX);
		return 0;
	}
	for (s = f->ma_name; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/' ||
		    *s == '\\' || *s == '"') {
			snprintf(err, errlen, "attached file name holds a "
			    "control character, '/', '\\' or '\"'");
			return 0;
		}
	if (f->ma_type == NULL || f->ma_type[0] == '\0' ||
	    strlen(f->ma_type) > 100)
		goto bad_type;
	for (s = f->ma_type; *s != '\0'; s++) {
		if (*s == '/' && !slash && s != f->ma_type && s[1] != '\0')
			slash = 1;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    strchr("+-.", *s) != NULL) || *s == '\0')
			goto bad_type;
	}
	if (!slash)
		goto bad_type;
	if (f->ma_data == NULL && f->ma_len > 0) {
		snprintf(err, errlen, "attached file without data");
		return 0;
	}
	return 1;
bad_type:
	snprintf(err, errlen, "attached file: bad content type");
	return 0;
}

void
rb_mail_base64(rb_buf *out, const void *data, size_t len)
{
	/* 57 bytes make one line of 76 base64 characters. */
	char line[sodium_base64_ENCODED_LEN(57,
	    sodium_base64_VARIANT_ORIGINAL)];
	const unsigned char *p = data;
	size_t n;

	if (sodium_init() < 0)
		abort();
	while (len > 0) {
		n = len < 57 ? len : 57;
		sodium_bin2base64(line, sizeof(line), p, n,
		    sodium_base64_VARIANT_ORIGINAL);
		rb_buf_puts(out, line);
		rb_buf_append(out, "\r\n", 2);
		p += n;
		len -= n;
	}
}

/* 1 if c may stand as is in an RFC 2231 extended value (attr-char). */
static int
attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c) != NULL;
}

/* 1 if "; param=\"value\"" can be written: printable ASCII that fits
 * on a folded line of its own (quotes and backslashes are refused by
 * rb_mail_attach_ok()). */
static int
quotable(const char *param, const char *value)
{
	return is_plain_ascii(value) && strchr(value, '"') == NULL &&
	    strchr(value, '\\') == NULL &&
	    1 + strlen(param) + 2 + strlen(value) + 1 <= LINE_MAX_COLS;
}

/* Appends "; param=\"value\"", folded first when the line is too full. */
static void
put_quoted_param(rb_buf *out, const char *param, const char *value)
{
	if (current_col(out) + 2 + strlen(param) + 2 + strlen(value) + 1 >
	    LINE_MAX_COLS)
		rb_buf_puts(out, ";\r\n");
	else
		rb_buf_putc(out, ';');
	rb_buf_printf(out, " %s=\"%s\"", param, value);
}

/*
 * Appends "; param=value" for a file name: a quoted string when it is
 * printable ASCII that fits on a line, else RFC 2231 percent-encoded
 * UTF-8 cut into numbered sections (param*0*=UTF-8''…; param*1*=…), one
 * per folded line, never inside a %XX.
 */
static void
put_name_param(rb_buf *out, const char *param, const char *value)
{
	size_t len = strlen(value), i, col;
	unsigned char c;
	int section = 0;

	if (quotable(param, value)) {
		put_quoted_param(out, param, value);
		return;
	}
	for (i = 0; i < len || section == 0; section++) {
		rb_buf_printf(out, ";\r\n %s*%d*=%s", param, section,
		    section == 0 ? "UTF-8''" : "");
		col = current_col(out);
		for (; i < len && col + 3 <= LINE_MAX_COLS - 1; i++) {
			c = (unsigned char)value[i];
			if (attr_char(c)) {
				rb_buf_putc(out, (char)c);
				col++;
			} else {
				rb_buf_printf(out, "%%%c%c", hexdigits[c >> 4],
				    hexdigits[c & 15]);
				col += 3;
			}
		}
	}
}

/* One attached file: its headers, then its bytes in base64. */
static void
put_file(rb_buf *out, const struct rb_mail_attach *f)
{
	rb_buf_printf(out, "Content-Type: %s", f->ma_type);
	if (quotable("name", f->ma_name)) {
		put_quoted_param(out, "name", f->ma_name);
	} else {
		/* RFC 2047 words for readers that ignore RFC 2231. */
		rb_buf_puts(out, ";\r\n name=\"");
		put_encoded_words(out, f->ma_name, strlen(f->ma_name));
		rb_buf_putc(out, '"');
	}
	rb_buf_puts(out, "\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment");
	put_name_param(out, "filename", f->ma_name);
	rb_buf_append(out, "\r\n\r\n", 4);
	rb_mail_base64(out, f->ma_data, f->ma_len);
}

/* A new random boundary "=_rb_<tag><32 hex>" ("=_" never occurs in
 * quoted-printable or base64 text). */
static void
new_boundary(char *out, char tag)
{
	unsigned char rnd[ID_BYTES];

	randombytes_buf(rnd, sizeof(rnd));
	memcpy(out, "=_rb_", 5);
	out[5] = tag;
	hex(rnd, sizeof(rnd), out + 6);
}

static void
put_part(rb_buf *out, const char *type, const char *body)
{
	rb_buf_printf(out, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	rb_mail_qp(out, body, strlen(body));
}

int
rb_mail_build(const struct rb_mail_msg *m, rb_buf *out, char *err,
    size_t errlen)
{
	char date[RB_MAIL_DATE_MAX], msgid[RB_MAIL_MSGID_MAX];
	char alt[2 * ID_BYTES + 16], mixed[2 * ID_BYTES + 16] = "";
	rb_buf b = RB_BUF_INIT;
	size_t i;

	if (check_msg(m, err, errlen) != 0)
		return -1;
	if (sodium_init() < 0)
		abort();
	rb_mail_format_date(m->mm_date, date, sizeof(date));
	if (m->mm_message_id != NULL)
		snprintf(msgid, sizeof(msgid), "%s", m->mm_message_id);
	else
		rb_mail_message_id(msgid, sizeof(msgid),
		    strchr(m->mm_from_addr, '@') + 1, NULL, 0);

	rb_buf_printf(&b, "Date: %s\r\n", date);
	put_from(&b, m->mm_from_name, m->mm_from_addr);
	rb_buf_printf(&b, "To: <%s>\r\n", m->mm_to);
	rb_mail_header_text(&b, "Subject", m->mm_subject);
	rb_buf_printf(&b, "Message-ID: %s\r\n", msgid);
	rb_buf_puts(&b, "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "Content-Language: fr\r\n");
	if (m->mm_nfiles > 0) {
		new_boundary(mixed, 'm');
		rb_buf_printf(&b, "Content-Type: multipart/mixed;\r\n"
		    " boundary=\"%s\"\r\n\r\n--%s\r\n", mixed, mixed);
	}
	if (m->mm_html == NULL) {
		put_part(&b, "text/plain", m->mm_text);
	} else {
		new_boundary(alt, 'a');
		rb_buf_printf(&b, "Content-Type: multipart/alternative;\r\n"
		    " boundary=\"%s\"\r\n\r\n", alt);
		rb_buf_printf(&b, "--%s\r\n", alt);
		put_part(&b, "text/plain", m->mm_text);
		rb_buf_printf(&b, "\r\n--%s\r\n", alt);
		put_part(&b, "text/html", m->mm_html);
		rb_buf_printf(&b, "\r\n--%s--", alt);
	}
	for (i = 0; i < m->mm_nfiles; i++) {
		rb_buf_printf(&b, "\r\n--%s\r\n", mixed);
		put_file(&b, &m->mm_files[i]);
		/* The base64 ends with CRLF, which the delimiter takes. */
		b.buf_len -= 2;
	}
	if (m->mm_nfiles > 0)
		rb_buf_printf(&b, "\r\n--%s--", mixed);
	rb_buf_append(&b, "\r\n", 2);
	rb_buf_append(out, b.buf_data, b.buf_len);
	rb_buf_free(&b);
	return 0;
}
