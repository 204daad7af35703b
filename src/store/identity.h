/*
 * identity.h: the lookups behind the proofs a person gives to open a
 * space: credentials of the former customer space, contracts by number,
 * whether an invoice or a meter belongs to a contract, the customer on
 * file, and whether a contract may get, or already has, a space.
 *
 * Every identifier is passed normalised and checked by the caller
 * (app/auth_input.c). The lookups that take a contract id accept one
 * that does not exist (say 0) and then simply find nothing: the use
 * cases run the same queries whether the contract exists or not, so
 * that timing does not tell.
 */
#ifndef RB_STORE_IDENTITY_H
#define RB_STORE_IDENTITY_H

#include <stdint.h>
#include <time.h>

#include "store/db.h"

/* A row of legacy_credentials. */
struct rb_legacy_cred {
	int64_t		 lc_id;
	int64_t		 lc_contract_id;
	int64_t		 lc_migrated_at;	/* 0: not moved to the new
						   space yet */
	int64_t		 lc_account_id;		/* the space they moved to,
						   0 when none */
	char		 lc_hash[256];		/* "" when unusable */
};

/* What the use cases need of a contract. */
struct rb_contract_ref {
	int64_t		 cr_id;
	char		 cr_number[16];
	char		 cr_old_number[16];	/* "" when none */
	int		 cr_can_create;		/* can_create_account */
};

/* The customer on file of a contract. */
struct rb_holder {
	char		 ho_last_name[128];
	char		 ho_first_name[128];	/* "" when none */
	char		 ho_email[256];		/* "" when none on file */
};

/* Credentials of the former space for old_id ("1234567A", normalised).
 * Returns 0 and fills out, 1 when none, -1 on error. */
int	rb_identity_legacy(rb_db *db, const char *old_id,
	    struct rb_legacy_cred *out);

/* Marks legacy credentials id as moved to the new space of account at
 * now: they no longer open it, and once that account is active the
 * archive takes its password instead (the row stays for the archive).
 * Returns 0, 1 when already marked or unknown, -1 on error. */
int	rb_identity_legacy_migrated(rb_db *db, int64_t id, int64_t account,
	    time_t now);
/* Replaces a legacy credential's hash (by an argon2id one). 0 or -1. */
int	rb_identity_legacy_rehash(rb_db *db, int64_t id, const char *hash);

/* Contract by its 10-digit number, or by id. Return 0 and fill out, 1
 * when none, -1 on error. */
int	rb_identity_contract(rb_db *db, const char *number,
	    struct rb_contract_ref *out);
int	rb_identity_contract_by_id(rb_db *db, int64_t id,
	    struct rb_contract_ref *out);

/* Return 1 when invoice number `invoice` (any, archived or not), or
 * meter `serial`, belongs to contract id, 0 when not, -1 on error. */
int	rb_identity_invoice_matches(rb_db *db, int64_t contract,
	    const char *invoice);
int	rb_identity_meter_matches(rb_db *db, int64_t contract,
	    const char *serial);

/* Fills out with the customer on file of contract id (all "" when the
 * contract does not exist). Returns 0 or -1. */
int	rb_identity_holder(rb_db *db, int64_t contract, struct rb_holder *out);

/* Returns 1 when contract id may get a space (it has a bill, or customer
 * service sent the letter: can_create_account), 0 when not (or no such
 * contract), -1 on error. */
int	rb_identity_may_open(rb_db *db, int64_t contract);

/* Returns 1 when an active web account already sees contract id, 0 when
 * none, -1 on error. */
int	rb_identity_has_active_space(rb_db *db, int64_t contract);

#endif
