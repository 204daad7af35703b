/*
 * auth_input.c: what people type to get into their space, normalised
 * and checked before any lookup (DESIGN.md, data rules): email
 * addresses (trimmed, NFC, lower case, RFC 5321 shape), former customer
 * ids, contract, invoice and meter numbers (spaces, dashes and case
 * ignored), and names (trimmed, NFC, a bounded length).
 */
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "app/auth_priv.h"

#define EMAIL_LOCAL_MAX		64
#define EMAIL_LABEL_MAX		63

static int
is_ascii_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Length of a blank at s: ASCII white space or U+00A0, U+202F (no-break
 * spaces, which French typing and copy-paste produce); 0 when none. */
static size_t
blank_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (is_ascii_space(u[0]))
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0xaf)
		return 3;
	return 0;
}

/* Sets *start and *len to s without its leading and trailing blanks. */
static void
trim(const char *s, const char **start, size_t *len)
{
	size_t n, b, end, i;

	while ((b = blank_len(s)) > 0)
		s += b;
	n = strlen(s);
	/* The last position after which only blanks follow. */
	end = 0;
	for (i = 0; i < n; ) {
		if ((b = blank_len(s + i)) > 0) {
			i += b;
			continue;
		}
		i++;
		end = i;
	}
	*start = s;
	*len = end;
}

/* 1 when s[0..n) holds a control character (C0, DEL or C1). */
static int
has_control(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 1;
		/* U+0080-U+009F are C2 80 - C2 9F in UTF-8. */
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* Copies the result r (len bytes, malloc'd by libunistring) into out. */
static int
take(uint8_t *r, size_t len, char *out, size_t size)
{
	if (r == NULL)
		return -1;
	if (len >= size || memchr(r, '\0', len) != NULL) {
		free(r);
		return -1;
	}
	memcpy(out, r, len);
	out[len] = '\0';
	free(r);
	return 0;
}

int
rb_auth_clean_text(const char *s, char *out, size_t size)
{
	const char *p;
	size_t n, len;
	uint8_t *r;

	if (size > 0)
		out[0] = '\0';
	if (s == NULL || size == 0)
		return -1;
	trim(s, &p, &n);
	if (u8_check((const uint8_t *)p, n) != NULL)
		return -1;
	r = u8_normalize(UNINORM_NFC, (const uint8_t *)p, n, NULL, &len);
	if (take(r, len, out, size) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* An unquoted local part (RFC 5322 dot-atom), UTF-8 letters allowed. */
static int
email_local_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	if (n == 0 || n > EMAIL_LOCAL_MAX || u[0] == '.' || u[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (u[i] == '.' && i + 1 < n && u[i + 1] == '.')
			return 0;
		if (is_alnum(u[i]) || u[i] >= 0x80 || u[i] == '.' ||
		    strchr("!#$%&'*+/=?^_`{|}~-", u[i]) != NULL)
			continue;
		return 0;
	}
	return 1;
}

/* A host name of two labels or more; the last one is not all digits. */
static int
email_domain_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, start = 0, labels = 0;
	int letter = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || u[i] == '.') {
			if (i == start || i - start > EMAIL_LABEL_MAX ||
			    u[start] == '-' || u[i - 1] == '-')
				return 0;
			labels++;
			if (i < n)
				letter = 0;
			start = i + 1;
			continue;
		}
		if (!is_alnum(u[i]) && u[i] != '-' && u[i] < 0x80)
			return 0;
		if (!(u[i] >= '0' && u[i] <= '9'))
			letter = 1;
	}
	return labels >= 2 && letter;
}

int
rb_auth_norm_email(const char *s, char *out, size_t size)
{
	const char *p, *at;
	size_t n, len;
	uint8_t *r;

	if (size > 0)
		out[0] = '\0';
	if (s == NULL || size == 0)
		return -1;
	trim(s, &p, &n);
	if (n == 0 || n > 4 * RB_EMAIL_MAX ||
	    u8_check((const uint8_t *)p, n) != NULL || has_control(p, n))
		return -1;
	r = u8_tolower((const uint8_t *)p, n, NULL, UNINORM_NFC, NULL, &len);
	if (take(r, len, out, size) != 0 || len > RB_EMAIL_MAX - 1)
		goto bad;
	/* No blank inside, one '@' between a local part and a domain. */
	for (p = out; *p != '\0'; p++)
		if (blank_len(p) > 0)
			goto bad;
	if ((at = strchr(out, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    !email_local_ok(out, (size_t)(at - out)) ||
	    !email_domain_ok(at + 1, strlen(at + 1)))
		goto bad;
	return 0;
bad:
	out[0] = '\0';
	return -1;
}

/*
 * Copies s into out upper-cased, dropping blanks and the characters of
 * drop, keeping only ASCII letters, digits and the characters of keep.
 * Returns the length, or -1 when something else is met or out is too
 * small.
 */
static int
squeeze(const char *s, const char *drop, const char *keep, char *out,
    size_t size)
{
	size_t n = 0, b;
	unsigned char c;

	if (size > 0)
		out[0] = '\0';
	if (s == NULL || size == 0)
		return -1;
	while (*s != '\0') {
		if ((b = blank_len(s)) > 0) {
			s += b;
			continue;
		}
		c = (unsigned char)*s++;
		if (strchr(drop, c) != NULL)
			continue;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (!is_alnum(c) && strchr(keep, c) == NULL)
			goto bad;
		if (n + 1 >= size)
			goto bad;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
bad:
	out[0] = '\0';
	return -1;
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
rb_auth_norm_old_id(const char *s, char *out, size_t size)
{
	int n = squeeze(s, "-", "", out, size);

	if (n < 4 || n > 20) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
rb_auth_norm_contract(const char *s, char *out, size_t size)
{
	int n = squeeze(s, ".-", "", out, size);

	if (n != 10 || !all_digits(out, 10)) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
rb_auth_norm_invoice(const char *s, char *out, size_t size)
{
	int n = squeeze(s, "", "-", out, size);

	if (n < 4 || n > 32)
		goto bad;
	/* Bills since 2024 print "FA2024-000042": put the dash back. */
	if (n == 12 && out[0] == 'F' && out[1] == 'A' &&
	    all_digits(out + 2, 10)) {
		if ((size_t)n + 2 > size)
			goto bad;
		memmove(out + 7, out + 6, 7);
		out[6] = '-';
	}
	return 0;
bad:
	if (size > 0)
		out[0] = '\0';
	return -1;
}

int
rb_auth_norm_meter(const char *s, char *out, size_t size)
{
	int n = squeeze(s, "-", "", out, size);

	if (n < 5 || n > 20) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

const char *
rb_auth_check_name(const char *s, int required, const char *empty_msg,
    const char *long_msg, char *out, size_t size)
{
	const char *p;
	size_t n;

	if (size > 0)
		out[0] = '\0';
	trim(s != NULL ? s : "", &p, &n);
	if (n == 0)
		return required ? empty_msg : NULL;
	if (u8_check((const uint8_t *)p, n) != NULL || has_control(p, n))
		return "Ce champ contient des caractères non autorisés.";
	if (u8_mbsnlen((const uint8_t *)p, n) > RB_NAME_MAX_CHARS ||
	    rb_auth_clean_text(p, out, size) != 0)
		return long_msg;
	return NULL;
}

int
rb_auth_check_new_password(const char *password, const char *password2,
    const struct rb_pw_person *who, struct rb_auth_errors *errs)
{
	int n = 0;

	if (password == NULL)
		password = "";
	if ((errs->ae_msg[RB_F_PASSWORD] = rb_password_check(password,
	    who)) != NULL)
		n++;
	if (password2 == NULL || strcmp(password, password2) != 0) {
		errs->ae_msg[RB_F_PASSWORD2] =
		    "Les deux mots de passe ne correspondent pas.";
		n++;
	}
	return n;
}

int
rb_auth_token_shaped(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != RB_TOKEN_LEN)
		return 0;
	for (i = 0; i < RB_TOKEN_LEN; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}
