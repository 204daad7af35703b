/*
 * crypto.h: secrets, tokens and password hashes (libsodium, libxcrypt).
 *
 * - Tokens: 256 random bits, shown once as 43 base64url characters;
 *   only their SHA-256 (64 hex digits) is ever stored.
 * - Passwords: argon2id (crypto_pwhash_str). At most `max_concurrent`
 *   hashes run at once in the process; callers beyond that wait.
 * - Legacy hashes exported by the former system (sha512crypt "$6$",
 *   bcrypt "$2b$"/"$2y$", yescrypt "$y$") are verified with crypt_rn(),
 *   never crypt_r() (AddressSanitizer's interceptor breaks crypt_r), and
 *   refused when their cost parameters exceed sane caps.
 */
#ifndef RB_CRYPTO_H
#define RB_CRYPTO_H

#include <stddef.h>

#define RB_TOKEN_LEN		43	/* base64url of 32 bytes, no padding */
#define RB_TOKEN_HASH_LEN	64	/* hex SHA-256 */
#define RB_PWHASH_MAX		128	/* crypto_pwhash_STRBYTES */

/* Argon2id parameters; rb_crypto_init() refuses anything below OWASP's
 * floor (19 MiB, t = 2). */
struct rb_pwhash_params {
	unsigned long long	pp_opslimit;	/* t, >= 2 */
	size_t			pp_memlimit;	/* bytes, >= 19 MiB */
	int			pp_max_concurrent; /* >= 1 */
};

/* Initialises libsodium and the hashing cap. 0, or -1 with err. */
int	rb_crypto_init(const struct rb_pwhash_params *p, char *err,
	    size_t errlen);

/* Fills out (RB_TOKEN_LEN + 1 bytes) with a new random token. */
void	rb_token_new(char *out);
/* Writes the hex SHA-256 of token to out (RB_TOKEN_HASH_LEN + 1). */
void	rb_token_hash(const char *token, char *out);
/* Constant-time equality of two NUL-terminated strings of equal length;
 * 0 when different lengths. */
int	rb_ct_streq(const char *a, const char *b);

/* argon2id hash of password into out (RB_PWHASH_MAX). 0, or -1. */
int	rb_pwhash(const char *password, char *out);
/* 0 when password matches the argon2id hash, -1 otherwise. */
int	rb_pwhash_verify(const char *hash, const char *password);
/* 1 when hash was made with other parameters than the current ones. */
int	rb_pwhash_needs_rehash(const char *hash);
/* Burns the time of one verification, for unknown accounts, so that
 * answers take as long whether the account exists or not. */
void	rb_pwhash_dummy(const char *password);

enum rb_legacy {
	RB_LEGACY_OK,		/* password matches */
	RB_LEGACY_MISMATCH,
	RB_LEGACY_REFUSED,	/* unknown scheme or cost above the caps */
};
enum rb_legacy rb_legacy_verify(const char *hash, const char *password);

#endif
