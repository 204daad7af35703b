/*
 * totp.h: one-time codes of the agents' second factor, over liboath
 * (OATH Toolkit: HMAC-SHA-1, HOTP, TOTP, Base32).
 *
 *   HOTP (RFC 4226): the code of a counter under a key, HMAC-SHA-1 with
 *	dynamic truncation, 6 to 8 decimal digits.
 *   TOTP (RFC 6238): HOTP of the number of 30-second steps since the
 *	Unix epoch; a code is accepted for the current step and one step
 *	either side (clock drift), and only for a step later than the last
 *	one used, so that a code seen over a shoulder cannot be replayed.
 *   Base32 (RFC 4648, upper case, no padding): how a secret is shown
 *	to a person and put in the otpauth:// URI of authenticator apps.
 *   Sealing: a secret at rest is a libsodium secretbox under the
 *	data_key setting (the key of bank details too), Base64 text.
 */
#ifndef RB_BASE_TOTP_H
#define RB_BASE_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RB_TOTP_SECRET_LEN	20	/* bytes: 160 bits, RFC 4226 s. 4 */
#define RB_TOTP_DIGITS		6
#define RB_TOTP_PERIOD		30	/* seconds */
#define RB_TOTP_WINDOW		1	/* steps accepted either side */
/* Base32 text of a secret (32 characters for 20 bytes) with its NUL. */
#define RB_TOTP_B32_MAX		64
/* Sealed secret: Base64 of nonce + MAC + secret, with its NUL. */
#define RB_TOTP_SEALED_MAX	128
#define RB_TOTP_KEYBYTES	32	/* crypto_secretbox_KEYBYTES */

/* The HOTP value of counter under key, `digits` digits (6 to 8; others
 * are brought into that range). UINT32_MAX if liboath fails. */
uint32_t rb_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
	    int digits);
/* The TOTP step of instant t: floor(t / RB_TOTP_PERIOD); 0 before 1970. */
int64_t	rb_totp_step(time_t t);

/*
 * Checks a code typed by a person (6 digits; spaces between them are
 * ignored) against key at now. The code may be that of the current step
 * or of one step before or after, and that step must be greater than
 * last_step (the last one accepted for this key, 0 if none). Returns 0
 * and sets *step to the matched step; 1 when the code is wrong or
 * malformed; 2 when it is right for a step not after last_step (a
 * replay). liboath computes the candidates (current step first, then
 * one step either side); each is compared with the code in constant
 * time.
 */
int	rb_totp_check(const unsigned char *key, size_t keylen,
	    const char *code, time_t now, int64_t last_step, int64_t *step);

/*
 * Base32 (RFC 4648 alphabet, upper case, no padding) of in[0..len) into
 * out (size bytes, NUL included). Returns 0, or -1 when it does not fit.
 */
int	rb_base32_encode(const unsigned char *in, size_t len, char *out,
	    size_t size);
/*
 * Decodes Base32 text (either case; spaces, dashes and '=' padding
 * ignored) into out (size bytes); sets *len. Returns 0, or -1 on a
 * character outside the alphabet, non-zero trailing bits or overflow.
 */
int	rb_base32_decode(const char *in, unsigned char *out, size_t size,
	    size_t *len);

/* A new random secret (RB_TOTP_SECRET_LEN bytes). */
void	rb_totp_secret_new(unsigned char out[RB_TOTP_SECRET_LEN]);
/* Seals secret (RB_TOTP_SECRET_LEN bytes) under key into out
 * (RB_TOTP_SEALED_MAX), with a random nonce. */
void	rb_totp_seal(const unsigned char key[RB_TOTP_KEYBYTES],
	    const unsigned char secret[RB_TOTP_SECRET_LEN], char *out);
/* Opens what rb_totp_seal() made. Returns 0, or -1 (out wiped) when
 * sealed is malformed or was not sealed under key. */
int	rb_totp_open(const unsigned char key[RB_TOTP_KEYBYTES],
	    const char *sealed, unsigned char out[RB_TOTP_SECRET_LEN]);

/*
 * The otpauth:// URI that authenticator apps read (Google's Key URI
 * format): otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&
 * algorithm=SHA1&digits=6&period=30, issuer and account
 * percent-encoded. Writes it to out (size bytes). Returns 0, or -1 when
 * it does not fit.
 */
int	rb_totp_uri(const char *issuer, const char *account,
	    const char *secret_b32, char *out, size_t size);

#endif
