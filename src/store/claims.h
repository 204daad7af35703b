/*
 * claims.h: the server-side state between step 1 (a proof that the
 * person holds a contract) and step 2 (name, email, password) of the
 * ways to open a space (table claims, migration 0002). A claim is found
 * by the SHA-256 of its token, lives a short time and is used once.
 */
#ifndef RB_STORE_CLAIMS_H
#define RB_STORE_CLAIMS_H

#include <stdint.h>
#include <time.h>

#include "store/db.h"

enum rb_claim_kind {
	RB_CLAIM_LEGACY,	/* former space's id and password */
	RB_CLAIM_CONTRACT,	/* contract number and a proof */
	RB_CLAIM__MAX
};

struct rb_claim_row {
	int64_t			 cr_id;
	enum rb_claim_kind	 cr_kind;
	int64_t			 cr_contract_id;
	int64_t			 cr_legacy_id;		/* 0 when none */
	char			 cr_last_name[128];	/* pre-filled, or "" */
	char			 cr_first_name[128];
	char			 cr_email[256];
};

/*
 * Stores a claim (hash of its token, the fields of in except cr_id)
 * created at now from ip (may be NULL), valid ttl seconds, and deletes
 * the claims that have expired. Two statements: call it inside a
 * transaction. Returns 0, or -1 (logged).
 */
int	rb_claims_create(rb_db *db, const char *hash,
	    const struct rb_claim_row *in, const char *ip, time_t now, int ttl);

/* Finds the unused, unexpired claim of hash at now. Returns 0 and fills
 * out, 1 when none, -1 on error. */
int	rb_claims_get(rb_db *db, const char *hash, time_t now,
	    struct rb_claim_row *out);

/* Uses claim id at now, atomically: returns 0 when this call used it, 1
 * when it was already used or has expired, -1 on error. */
int	rb_claims_use(rb_db *db, int64_t id, time_t now);

/* Deletes the claims that expired before `before`. 0 or -1. */
int	rb_claims_purge(rb_db *db, time_t before);

#endif
