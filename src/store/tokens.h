/*
 * tokens.h: single-use tokens sent by email (activation, password reset,
 * email change), stored as the SHA-256 of the value sent (base/crypto.h:
 * rb_token_hash), with an expiry and a use mark.
 */
#ifndef RB_STORE_TOKENS_H
#define RB_STORE_TOKENS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/db.h"

enum rb_token_purpose {
	RB_TOKEN_ACTIVATION,
	RB_TOKEN_RESET,
	RB_TOKEN_EMAIL_CHANGE,
	RB_TOKEN__MAX
};

/*
 * Stores a token of purpose for account, valid ttl seconds from now,
 * with an optional payload (may be NULL), and voids the account's
 * earlier unused tokens of the same purpose (they expire now). hash is
 * the hex SHA-256 of the token. Two statements: call it inside a
 * transaction. Returns 0, or -1 (logged).
 */
int	rb_tokens_create(rb_db *db, enum rb_token_purpose purpose,
	    const char *hash, int64_t account, const char *payload,
	    time_t now, int ttl);

/*
 * Uses a token once: marks it used if it has this purpose, is unused
 * and has not expired at now, in one atomic UPDATE, so that of two
 * concurrent uses one only succeeds. On success sets *account and copies
 * the payload into payload (size bytes, "" when none; payload may be
 * NULL when not wanted). Returns 0, 1 when no such usable token, -1 on
 * error.
 */
int	rb_tokens_consume(rb_db *db, enum rb_token_purpose purpose,
	    const char *hash, time_t now, int64_t *account, char *payload,
	    size_t size);

/* Same test as rb_tokens_consume() without using the token. */
int	rb_tokens_peek(rb_db *db, enum rb_token_purpose purpose,
	    const char *hash, time_t now, int64_t *account, char *payload,
	    size_t size);

/* Deletes the tokens that expired before `before`. 0 or -1. */
int	rb_tokens_purge(rb_db *db, time_t before);

#endif
