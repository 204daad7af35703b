/*
 * demo.h: the deterministic demo dataset: a few hundred thousand
 * realistic contracts of the Lille metropolis with their customers,
 * meters, readings, bills, payments and mandates, news and events, and
 * the fixed identities listed in rb_demo_identities.
 */
#ifndef RB_DEMO_DEMO_H
#define RB_DEMO_DEMO_H

#include <stdint.h>

#include "store/db.h"

struct rb_demo_opts {
	long		 do_contracts;	/* number of contracts; raised to
					   RB_DEMO_MIN_CONTRACTS if lower */
	uint64_t	 do_seed;	/* PRNG seed */
	const char	*do_today;	/* 'YYYY-MM-DD' the data ends at, not
					   before 2024-07-01; NULL: today
					   in Paris */
};

#define RB_DEMO_DEFAULT_CONTRACTS	2000
#define RB_DEMO_MIN_CONTRACTS		50
#define RB_DEMO_MAX_CONTRACTS		1000000
#define RB_DEMO_OPTS_DEFAULT	{ RB_DEMO_DEFAULT_CONTRACTS, 1, NULL }

/*
 * IBANs of the demo are encrypted (crypto_secretbox, see the schema)
 * under this fixed, public 32-byte key, in hex. It protects nothing: a
 * demo database holds no real bank details. Configure it as the IBAN key
 * of a demo server so it can decrypt them.
 */
#define RB_DEMO_IBAN_KEY_HEX \
	"64656d6f2d726f62696e65742d6962616e2d6b65792d6e6f742d736563726574"

/*
 * Fills db, which must hold the current schema and no contract yet, with
 * the demo dataset. The content depends only on (contracts, seed, today):
 * the same options give the same rows, ids included. db must be the only
 * connection to the database for the fast path: tuned for bulk loading
 * (rb_db_bulk_load(), settings restored at the end), everything is
 * written in one transaction. With another connection open, the rows go
 * out in transactions of 5000 contracts, as fast as the WAL allows.
 * Returns 0, or -1 (logged) with the transaction in progress rolled
 * back: in one transaction, the database is left as it was found.
 */
int	rb_demo_generate(rb_db *db, const struct rb_demo_opts *opts);

/* French text listing the demo identities, for printing at start-up. */
extern const char rb_demo_identities[];

#endif
