/*
 * api_tokens.h: personal API tokens of web accounts (table api_tokens,
 * migration 0005): created and revoked by the subscriber in "Mon compte",
 * presented by programs as "Authorization: Bearer rbt_…" to the JSON
 * API. Only the hex SHA-256 of a token is stored (base/crypto.h:
 * rb_token_hash), with a short visible prefix to recognise it. A revoked
 * token, or one whose account is not active, no longer authenticates.
 */
#ifndef RB_STORE_API_TOKENS_H
#define RB_STORE_API_TOKENS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"

/*
 * Adds a token of account named name (text as typed, checked by the
 * caller) with its hex SHA-256 hash and visible prefix, at now, unless
 * the account already has max (>= 1) tokens not revoked. Two statements:
 * call it inside a transaction so that the count holds. Returns 0 and
 * the new row id in *id, 1 when the account has max tokens already
 * (nothing written), -1 on error (logged).
 */
int	rb_api_tokens_create(rb_db *db, int64_t account, const char *name,
	    const char *hash, const char *prefix, time_t now, int max,
	    int64_t *id);

/*
 * The tokens of account not revoked, oldest first, into *out (a new
 * JSON array the caller owns) of {"id", "name", "prefix", "created_at",
 * "last_used_at" (integer, or null when never used)}. Returns 0, or -1
 * (*out NULL).
 */
int	rb_api_tokens_list(rb_db *db, int64_t account, json_t **out);

/*
 * rb_api_tokens_list() as one read of a page's batch (db.h,
 * rb_db_fetch_batch()): fills *r from q, which must outlive the batch,
 * so that the tokens go to q->tq_rows, a new array the caller owns (to
 * json_decref() whatever the batch gave).
 */
struct rb_api_tokens_q {
	struct rb_bind	 tq_b[1];
	json_t		*tq_rows;
};
void	rb_api_tokens_list_read(struct rb_api_tokens_q *q, int64_t account,
	    struct rb_db_read *r);

/*
 * Revokes token id if it belongs to account and is not revoked yet, at
 * now; writes the token's name into name (size bytes, may be NULL) for
 * the audit log. Returns 0 when revoked, 1 when there was no such token
 * of that account, -1 on error.
 */
int	rb_api_tokens_revoke(rb_db *db, int64_t account, int64_t id,
	    time_t now, char *name, size_t size);

/*
 * Finds the live token whose hash is hash: not revoked, of an active
 * account. Returns 0 with *account and *id set, 1 when there is none,
 * -1 on error.
 */
int	rb_api_tokens_find(rb_db *db, const char *hash, int64_t *account,
	    int64_t *id);

/*
 * Records that token id was used at now. To spare the database a write
 * per request, last_used_at only moves when it is older than
 * granularity_s seconds (or unset). Returns 0, or -1.
 */
int	rb_api_tokens_touch(rb_db *db, int64_t id, time_t now,
	    int granularity_s);
/* The same, setting *wrote (may be NULL) to 1 when last_used_at moved. */
int	rb_api_tokens_touched(rb_db *db, int64_t id, time_t now,
	    int granularity_s, int *wrote);

#endif
