/*
 * totp.c: HOTP, TOTP, Base32 and sealed secrets (see totp.h), written
 * from RFC 4226, RFC 6238 and RFC 4648.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/sha1.h"
#include "base/totp.h"

static const uint32_t digits_pow[10] = { 1, 10, 100, 1000, 10000, 100000,
    1000000, 10000000, 100000000, 1000000000 };

uint32_t
rb_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
    int digits)
{
	unsigned char msg[8], mac[RB_SHA1_LEN];
	uint32_t bin;
	int i, off;

	if (digits < 6)
		digits = 6;
	if (digits > 9)
		digits = 9;
	for (i = 0; i < 8; i++)
		msg[i] = (unsigned char)(counter >> (56 - 8 * i));
	rb_hmac_sha1(key, keylen, msg, sizeof(msg), mac);
	/* Dynamic truncation, RFC 4226 section 5.3. */
	off = mac[RB_SHA1_LEN - 1] & 0x0f;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 |
	    (uint32_t)mac[off + 1] << 16 | (uint32_t)mac[off + 2] << 8 |
	    (uint32_t)mac[off + 3];
	sodium_memzero(mac, sizeof(mac));
	return bin % digits_pow[digits];
}

int64_t
rb_totp_step(time_t t)
{
	return t < 0 ? 0 : (int64_t)t / RB_TOTP_PERIOD;
}

/* The code typed as a number: RB_TOTP_DIGITS digits, spaces allowed
 * between them. -1 when it is not that. */
static int64_t
parse_code(const char *s)
{
	int64_t v = 0;
	int n = 0;

	if (s == NULL)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s < '0' || *s > '9' || ++n > RB_TOTP_DIGITS)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return n == RB_TOTP_DIGITS ? v : -1;
}

int
rb_totp_check(const unsigned char *key, size_t keylen, const char *code,
    time_t now, int64_t last_step, int64_t *step)
{
	int64_t typed = parse_code(code), cur = rb_totp_step(now), s;
	int64_t found = -1;
	uint32_t want;
	unsigned char a[4], b[4];
	int i;

	*step = 0;
	/* Every candidate is computed and compared, whether the code is
	   well formed or an earlier one matched: the time taken says
	   nothing. */
	for (s = cur - RB_TOTP_WINDOW; s <= cur + RB_TOTP_WINDOW; s++) {
		want = rb_hotp(key, keylen, (uint64_t)(s < 0 ? 0 : s),
		    RB_TOTP_DIGITS);
		for (i = 0; i < 4; i++) {
			a[i] = (unsigned char)(want >> (8 * i));
			b[i] = (unsigned char)((uint64_t)(typed < 0 ? 0xffffffffu :
			    typed) >> (8 * i));
		}
		if (sodium_memcmp(a, b, 4) == 0 && typed >= 0 && found < 0)
			found = s;
	}
	if (found < 0)
		return 1;
	if (found <= last_step)
		return 2;
	*step = found;
	return 0;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
rb_base32_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	if (size == 0)
		return -1;
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			if (n + 1 >= size)
				goto full;
			out[n++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		if (n + 1 >= size)
			goto full;
		out[n++] = b32[(acc << (5 - bits)) & 31];
	}
	out[n] = '\0';
	return 0;
full:
	out[0] = '\0';
	return -1;
}

int
rb_base32_decode(const char *in, unsigned char *out, size_t size,
    size_t *len)
{
	uint32_t acc = 0;
	const char *p;
	size_t n = 0;
	int bits = 0, v;
	char ch;

	*len = 0;
	for (; *in != '\0'; in++) {
		ch = *in;
		if (ch == ' ' || ch == '-' || ch == '=')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if ((p = strchr(b32, ch)) == NULL || ch == '\0')
			return -1;
		v = (int)(p - b32);
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (n >= size)
				return -1;
			out[n++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= (1u << bits) - 1;
	}
	/* Leftover bits are padding: they must be zero, and fewer than
	   one character's worth. */
	if (bits >= 5 || acc != 0)
		return -1;
	*len = n;
	return 0;
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
