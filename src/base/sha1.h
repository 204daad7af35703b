/*
 * sha1.h: SHA-1 (FIPS 180-4) and HMAC-SHA-1 (RFC 2104), for the TOTP
 * codes of agents (RFC 6238 uses HMAC-SHA-1; libsodium has no SHA-1).
 * SHA-1 is used here only inside HMAC, where its collision weakness
 * does not matter; never use it to fingerprint data.
 */
#ifndef RB_BASE_SHA1_H
#define RB_BASE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define RB_SHA1_LEN	20	/* bytes of a digest */
#define RB_SHA1_BLOCK	64	/* bytes of a block */

struct rb_sha1 {
	uint32_t	sh_h[5];
	uint64_t	sh_len;			/* bytes hashed so far */
	unsigned char	sh_buf[RB_SHA1_BLOCK];
	size_t		sh_used;		/* bytes waiting in sh_buf */
};

void	rb_sha1_init(struct rb_sha1 *c);
void	rb_sha1_update(struct rb_sha1 *c, const void *data, size_t len);
/* Writes the digest to out and wipes c. */
void	rb_sha1_final(struct rb_sha1 *c, unsigned char out[RB_SHA1_LEN]);
/* The digest of data[0..len) in one call. */
void	rb_sha1(const void *data, size_t len, unsigned char out[RB_SHA1_LEN]);
/* HMAC-SHA-1 of msg keyed by key (any length: a longer key than a
 * block is hashed first). */
void	rb_hmac_sha1(const void *key, size_t keylen, const void *msg,
	    size_t len, unsigned char out[RB_SHA1_LEN]);

#endif
