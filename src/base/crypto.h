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
 *   refused when their cost parameters exceed sane caps: sha512crypt
 *   rounds <= 1,000,000, bcrypt cost <= 14, yescrypt N <= 2^16 and
 *   r <= 32. They count against the same concurrency cap.
 *
 * Call rb_crypto_init() once at start-up, before any other thread uses
 * these functions; everything else is then thread-safe.
 */
#ifndef RB_CRYPTO_H
#define RB_CRYPTO_H

#include <stddef.h>

#define RB_TOKEN_LEN		43	/* base64url of 32 bytes, no padding */
#define RB_TOKEN_HASH_LEN	64	/* hex SHA-256 */
#define RB_PWHASH_MAX		128	/* crypto_pwhash_STRBYTES */

#define RB_PWHASH_MIN_OPSLIMIT	2ULL
#define RB_PWHASH_MIN_MEMLIMIT	((size_t)19 * 1024 * 1024)

/* Argon2id parameters; rb_crypto_init() refuses anything below OWASP's
 * floor (19 MiB, t = 2). */
struct rb_pwhash_params {
	unsigned long long	pp_opslimit;	/* t, >= 2 */
	size_t			pp_memlimit;	/* bytes, >= 19 MiB */
	int			pp_max_concurrent; /* >= 1 */
};

/*
 * Initialises libsodium, stores the parameters, sets the hashing cap and
 * makes the hash rb_pwhash_dummy() verifies against (one real hash, so
 * this takes as long as a login). Returns 0, or -1 with a message in err
 * (parameters below the floors, or too large for this machine); on
 * failure the previous settings stay. Calling it again (tests) is
 * allowed while no hash is running; it also resets rb_crypto_max_seen().
 */
int	rb_crypto_init(const struct rb_pwhash_params *p, char *err,
	    size_t errlen);
/* Test hook: the highest number of hashes (argon2id or legacy) seen
 * running at once since rb_crypto_init(). */
int	rb_crypto_max_seen(void);

/* Fills out (RB_TOKEN_LEN + 1 bytes) with a new random token. */
void	rb_token_new(char *out);
/* Writes the hex SHA-256 of token to out (RB_TOKEN_HASH_LEN + 1). */
void	rb_token_hash(const char *token, char *out);
/* Constant-time equality of two NUL-terminated strings of equal length;
 * 0 when different lengths. */
int	rb_ct_streq(const char *a, const char *b);

/* argon2id hash of password into out (RB_PWHASH_MAX bytes, NUL
 * terminated) with the current parameters; waits for a free slot under
 * the cap. 0, or -1 (not initialised, out of memory). */
int	rb_pwhash(const char *password, char *out);
/* 0 when password matches the argon2id hash ("$argon2id$…"), -1
 * otherwise (mismatch, malformed or other algorithm). Under the cap. */
int	rb_pwhash_verify(const char *hash, const char *password);
/* 1 when hash was made with other parameters than the current ones (or
 * cannot be read), 0 when it is current. */
int	rb_pwhash_needs_rehash(const char *hash);
/* Burns the time of one verification, for unknown accounts, so that
 * answers take as long whether the account exists or not. */
void	rb_pwhash_dummy(const char *password);

enum rb_legacy {
	RB_LEGACY_OK,		/* password matches */
	RB_LEGACY_MISMATCH,
	RB_LEGACY_REFUSED,	/* unknown scheme or cost above the caps */
};
/*
 * Verifies password against a hash of the former system. RB_LEGACY_OK
 * or RB_LEGACY_MISMATCH; RB_LEGACY_REFUSED, with a warning naming the
 * scheme (never the hash), for an unknown or malformed hash or one whose
 * cost is above the caps, without computing anything.
 */
enum rb_legacy rb_legacy_verify(const char *hash, const char *password);

/* Base64 (standard alphabet, padded) of a 32-byte MAC, with its NUL. */
#define RB_HMAC_B64_LEN		45
/*
 * HMAC-SHA-256 of msg[0..len) keyed by key[0..keylen) (any length: a key
 * longer than the block is hashed first, as RFC 2104 says), written to
 * out in Base64 with padding, as `openssl dgst -sha256 -hmac KEY
 * -binary | base64` prints it. Needs no rb_crypto_init().
 */
void	rb_hmac_sha256_b64(const char *key, size_t keylen, const char *msg,
	    size_t len, char out[RB_HMAC_B64_LEN]);

#endif
