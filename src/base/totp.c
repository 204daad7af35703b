/*
 * totp.c: HOTP, TOTP, Base32 and sealed secrets (see totp.h): codes
 * and Base32 by liboath (OATH Toolkit), sealing by libsodium; here the
 * project's rules on top (typed codes, replay, no padding, wiping).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "base/mem.h"
#include "base/totp.h"

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ok;

static void
oath_start(void)
{
	oath_ok = oath_init() == OATH_OK;
}

/* liboath is initialised once per process (oath_init); 0 when it is
 * ready. */
static int
oath_ready(void)
{
	pthread_once(&oath_once, oath_start);
	return oath_ok ? 0 : -1;
}

uint32_t
rb_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
    int digits)
{
	char otp[16];
	uint32_t v = 0;
	int i;

	if (digits < 6)
		digits = 6;
	if (digits > 8)
		digits = 8;
	if (oath_ready() != 0 || oath_hotp_generate((const char *)key,
	    keylen, counter, (unsigned)digits, false,
	    OATH_HOTP_DYNAMIC_TRUNCATION, otp) != OATH_OK)
		return UINT32_MAX;
	for (i = 0; i < digits; i++)
		v = v * 10 + (uint32_t)(otp[i] - '0');
	sodium_memzero(otp, sizeof(otp));
	return v;
}

int64_t
rb_totp_step(time_t t)
{
	return t < 0 ? 0 : (int64_t)t / RB_TOTP_PERIOD;
}

/* The code typed by a person into out (RB_TOTP_DIGITS digits and a NUL):
 * that many digits, spaces allowed between them. -1 when it is not
 * that. */
static int
parse_code(const char *s, char out[RB_TOTP_DIGITS + 1])
{
	int n = 0;

	if (s == NULL)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s < '0' || *s > '9' || n >= RB_TOTP_DIGITS)
			return -1;
		out[n++] = *s;
	}
	out[n] = '\0';
	return n == RB_TOTP_DIGITS ? 0 : -1;
}

/* liboath's comparison callback: the typed code (handle) against a
 * candidate, in constant time. 0 when they are equal. */
static int
code_cmp(void *handle, const char *candidate)
{
	if (strlen(candidate) != RB_TOTP_DIGITS)
		return 1;
	return sodium_memcmp(handle, candidate, RB_TOTP_DIGITS) == 0 ? 0 : 1;
}

int
rb_totp_check(const unsigned char *key, size_t keylen, const char *code,
    time_t now, int64_t last_step, int64_t *step)
{
	char typed[RB_TOTP_DIGITS + 1];
	uint64_t counter = 0;
	int pos = 0, rc;

	*step = 0;
	if (parse_code(code, typed) != 0 || oath_ready() != 0)
		return 1;
	/* The current step, then one step before and after (window 1);
	   counter is the step that matched. */
	rc = oath_totp_validate4_callback((const char *)key, keylen, now,
	    RB_TOTP_PERIOD, OATH_TOTP_DEFAULT_START_TIME, RB_TOTP_DIGITS,
	    RB_TOTP_WINDOW, &pos, &counter, 0, code_cmp, typed);
	sodium_memzero(typed, sizeof(typed));
	if (rc < 0)
		return 1;
	if ((int64_t)counter <= last_step)
		return 2;
	*step = (int64_t)counter;
	return 0;
}

int
rb_base32_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	char *b32 = NULL;
	size_t n = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	if (oath_ready() != 0 || oath_base32_encode((const char *)in, len,
	    &b32, &n) != OATH_OK)
		return -1;
	/* liboath pads with '='; authenticator apps want none. (What
	   liboath allocates is freed with free().) */
	while (n > 0 && b32[n - 1] == '=')
		n--;
	if (n + 1 > size) {
		sodium_memzero(b32, n);
		free(b32);
		return -1;
	}
	memcpy(out, b32, n);
	out[n] = '\0';
	sodium_memzero(b32, n);
	free(b32);
	return 0;
}

int
rb_base32_decode(const char *in, unsigned char *out, size_t size,
    size_t *len)
{
	char *clean, *bin = NULL, *again = NULL;
	size_t i, n = 0, binlen = 0, againlen = 0;
	int rc = -1;

	*len = 0;
	clean = rb_xmalloc(strlen(in) + 1);
	/* Spaces, dashes and padding are for people; upper case is what
	   the alphabet is compared in. */
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] == ' ' || in[i] == '-' || in[i] == '=')
			continue;
		clean[n++] = (in[i] >= 'a' && in[i] <= 'z') ?
		    (char)(in[i] - 'a' + 'A') : in[i];
	}
	clean[n] = '\0';
	if (oath_ready() != 0 ||
	    oath_base32_decode(clean, n, &bin, &binlen) != OATH_OK)
		goto out;
	/* liboath accepts stray trailing bits ("MZ" for "f"): only the
	   text that encoding gives back is taken. */
	if (oath_base32_encode(bin, binlen, &again, &againlen) != OATH_OK)
		goto out;
	while (againlen > 0 && again[againlen - 1] == '=')
		againlen--;
	if (againlen != n || memcmp(again, clean, n) != 0 || binlen > size)
		goto out;
	memcpy(out, bin, binlen);
	*len = binlen;
	rc = 0;
out:
	sodium_memzero(clean, n);
	free(clean);
	if (bin != NULL) {
		sodium_memzero(bin, binlen);
		free(bin);
	}
	if (again != NULL) {
		sodium_memzero(again, againlen);
		free(again);
	}
	return rc;
}

void
rb_totp_secret_new(unsigned char out[RB_TOTP_SECRET_LEN])
{
	randombytes_buf(out, RB_TOTP_SECRET_LEN);
}

#define BOX_LEN	(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + \
	RB_TOTP_SECRET_LEN)

void
rb_totp_seal(const unsigned char key[RB_TOTP_KEYBYTES],
    const unsigned char secret[RB_TOTP_SECRET_LEN], char *out)
{
	unsigned char box[BOX_LEN];

	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret,
	    RB_TOTP_SECRET_LEN, box, key);
	sodium_bin2base64(out, RB_TOTP_SEALED_MAX, box, sizeof(box),
	    sodium_base64_VARIANT_ORIGINAL);
}

int
rb_totp_open(const unsigned char key[RB_TOTP_KEYBYTES], const char *sealed,
    unsigned char out[RB_TOTP_SECRET_LEN])
{
	unsigned char box[BOX_LEN];
	size_t n = 0;

	if (sealed == NULL || sodium_base642bin(box, sizeof(box), sealed,
	    strlen(sealed), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n != sizeof(box) ||
	    crypto_secretbox_open_easy(out, box + crypto_secretbox_NONCEBYTES,
	    n - crypto_secretbox_NONCEBYTES, box, key) != 0) {
		sodium_memzero(out, RB_TOTP_SECRET_LEN);
		return -1;
	}
	return 0;
}

/* Appends s percent-encoded (all but unreserved characters, RFC 3986)
 * to out at *n. -1 when it does not fit. */
static int
put_encoded(char *out, size_t size, size_t *n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (*n + 1 >= size)
				return -1;
			out[(*n)++] = (char)c;
		} else {
			if (*n + 3 >= size)
				return -1;
			out[(*n)++] = '%';
			out[(*n)++] = hex[c >> 4];
			out[(*n)++] = hex[c & 15];
		}
	}
	out[*n] = '\0';
	return 0;
}

static int
put_text(char *out, size_t size, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + len >= size)
		return -1;
	memcpy(out + *n, s, len + 1);
	*n += len;
	return 0;
}

int
rb_totp_uri(const char *issuer, const char *account, const char *secret_b32,
    char *out, size_t size)
{
	char tail[64];
	size_t n = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	snprintf(tail, sizeof(tail), "&algorithm=SHA1&digits=%d&period=%d",
	    RB_TOTP_DIGITS, RB_TOTP_PERIOD);
	if (put_text(out, size, &n, "otpauth://totp/") != 0 ||
	    put_encoded(out, size, &n, issuer) != 0 ||
	    put_text(out, size, &n, ":") != 0 ||
	    put_encoded(out, size, &n, account) != 0 ||
	    put_text(out, size, &n, "?secret=") != 0 ||
	    put_encoded(out, size, &n, secret_b32) != 0 ||
	    put_text(out, size, &n, "&issuer=") != 0 ||
	    put_encoded(out, size, &n, issuer) != 0 ||
	    put_text(out, size, &n, tail) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
