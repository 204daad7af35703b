/*
 * demo.c: the demo dataset generator (see demo.h): options, the two
 * passes over the contracts, transactions, and the order in which the
 * parts (internal.h) write one contract.
 *
 * Everything derives from (contracts, seed, today) through splitmix64
 * streams: contract k draws its values from streams seeded by (seed,
 * purpose, k), so a contract can be regenerated alone and two runs give
 * the same rows in the same order (ids included).
 *
 * Billing model. Bills are issued twice a year in billing runs, early
 * June and early December, since June 2021. A run bills every contract
 * active at that time; the meter is read 3-7 days before the bill is
 * issued and the bill covers the days since the previous reading. Runs
 * before 2024 belong to the former billing system: those bills are
 * archived, numbered "E" + year + 7 digits and printed with the old
 * contract number. Since 2024 bills are numbered "FA" + year + "-" + six
 * digits, continuous within the year across all contracts: numbers follow
 * the order of issue, and issue dates follow numbers through each run.
 * So that every contract can know its numbers without a second pass over
 * the rows, a first pass counts the contracts of each run; the second
 * writes. In the June 2024 run contract 1000000004 is moved to position
 * 42 (invoice FA2024-000042): the first RB_DEMO_MIN_CONTRACTS contracts
 * are all active through 2024 so that the run always has 42 bills.
 *
 * Prices come from the tariffs table (inserted first, then read back):
 * each bill has subscription lines pro rata of the days and volume lines
 * per tariff period, with the volume shared between tariff periods pro
 * rata of the days. VAT is computed per rate on the sum of the lines at
 * that rate, and the rounding cent goes to the largest line of the rate
 * (billing.c).
 *
 * Readings: the index of every day is drawn first (household size,
 * season, noise), then read where a bill needs it, monthly since 2024
 * and daily over the last 90 days on remote-read meters (one in five)
 * (readings.c).
 *
 * Speed: on a connection tuned for bulk loading (rb_db_bulk_load():
 * each page written once, no sync, no foreign key or CHECK enforcement)
 * everything is one transaction, so that the rollback journal holds
 * almost nothing (pages added since the start are not journaled) and a
 * failure leaves the database as it was; the store's buffers are flushed
 * every 5000 contracts. When the tuning is refused, contracts are
 * committed 5000 at a time, which keeps the WAL small. The large tables
 * go out several rows per INSERT (demo_store.c). See
 * docs/performance.md for the time and size of 400,000 contracts.
 *
 * All SQL lives in demo_store.c: the parts describe rows and hand them
 * to its typed writers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/mem.h"
#include "demo/demo.h"
#include "demo/internal.h"

/*
 * One contract, everything about it, in the order its detail stream is
 * drawn: the contract, its bills, its readings, its mandate, its access.
 */
static int
write_contract(struct demo *d, long k)
{
	struct contract c;
	struct rng r;

	rng_seed(&r, d->dm_seed, STREAM_DETAIL, (uint64_t)k);
	demo_contract_make(d, &r, k, &c);
	if (demo_contract_write(d, &c) != 0)
		return -1;
	demo_consumption_make(d, &c);
	d->dm_nreads = 0;
	if (demo_bills_write(d, &r, &c) != 0 ||
	    demo_readings_write(d, &r, &c) != 0)
		return -1;
	if (c.ct_direct_debit && demo_mandate_write(d, &r, &c) != 0)
		return -1;
	return demo_access_write(d, &r, &c);
}

static int
check_empty(struct demo *d)
{
	int64_t n;

	if (rb_demo_store_count_existing(d->dm_store, &n) != 0)
		return -1;
	if (n != 0) {
		log_errx("the database already holds data: the demo needs an "
		    "empty one");
		return -1;
	}
	return 0;
}

static int
setup(struct demo *d, rb_db *db, const struct rb_demo_opts *opts)
{
	struct rb_localtime lt;

	memset(d, 0, sizeof(*d));
	d->dm_seed = opts->do_seed;
	d->dm_contracts = opts->do_contracts;
	if (d->dm_contracts < RB_DEMO_MIN_CONTRACTS) {
		log_warnx("%ld contracts asked, %d generated: the fixed "
		    "identities need them", d->dm_contracts,
		    RB_DEMO_MIN_CONTRACTS);
		d->dm_contracts = RB_DEMO_MIN_CONTRACTS;
	}
	if (d->dm_contracts > RB_DEMO_MAX_CONTRACTS) {
		log_errx("at most %d demo contracts", RB_DEMO_MAX_CONTRACTS);
		return -1;
	}
	if (opts->do_today == NULL) {
		rb_clock_paris(time(NULL), &lt);
		d->dm_today = (day_t)rb_clock_days_from_civil(&lt.lt_date);
	} else if (demo_day_parse(opts->do_today, &d->dm_today) != 0) {
		log_errx("today must be a date YYYY-MM-DD, not \"%s\"",
		    opts->do_today);
		return -1;
	}
	if (d->dm_today < mkday(DEMO_NEW_YEAR, 7, 1) ||
	    d->dm_today > mkday(2999, 12, 31)) {
		log_errx("today must be between %d-07-01 and 2999-12-31",
		    DEMO_NEW_YEAR);
		return -1;
	}
	d->dm_horizon = mkday(DEMO_HORIZON_Y, DEMO_HORIZON_M, DEMO_HORIZON_D);
	demo_contracts_setup(d);
	if (sodium_init() < 0) {
		log_errx("libsodium cannot start");
		return -1;
	}
	if (rb_iban_key_from_hex(RB_DEMO_IBAN_KEY_HEX, d->dm_iban_key) != 0)
		return -1;
	if (demo_identities_setup(d) != 0)
		return -1;
	if (rb_demo_store_open(db, &d->dm_store) != 0)
		return -1;
	demo_runs_make(d);
	return 0;
}

int
rb_demo_generate(rb_db *db, const struct rb_demo_opts *opts)
{
	struct demo d;
	long k;
	int rc = -1, bulk = 0;

	if (setup(&d, db, opts) != 0 || check_empty(&d) != 0)
		goto out;
	if (demo_runs_count(&d) != 0)
		goto out;
	/* Refused when another connection has the database open. */
	if (rb_db_bulk_load(db, 1) == 0)
		bulk = 1;
	else
		log_warnx("demo: loading without the bulk settings");
	if (rb_demo_store_begin(d.dm_store) != 0)
		goto out;
	if (demo_tariffs_write(&d) != 0 || demo_news_write(&d) != 0)
		goto out;
	for (k = 1; k <= d.dm_contracts; k++) {
		if (write_contract(&d, k) != 0) {
			log_errx("demo contract %ld failed", k);
			goto out;
		}
		if (k % DEMO_BATCH == 0) {
			if (bulk ? rb_demo_store_flush(d.dm_store) != 0 :
			    rb_demo_store_commit(d.dm_store) != 0 ||
			    rb_demo_store_begin(d.dm_store) != 0)
				goto out;
			if (k % 50000 == 0)
				log_info("demo: %ld of %ld contracts", k,
				    d.dm_contracts);
		}
	}
	if (rb_demo_store_commit(d.dm_store) != 0)
		goto out;
	log_info("demo: %ld contracts written", d.dm_contracts);
	rc = 0;
out:
	if (rc != 0 && d.dm_store != NULL)
		rb_demo_store_rollback(d.dm_store);
	if (bulk && rb_db_bulk_load(db, 0) != 0)
		rc = -1;
	rb_demo_store_close(d.dm_store);
	free(d.dm_tariffs);
	free(d.dm_crypt);
	free(d.dm_cum);
	free(d.dm_reads);
	free(d.dm_bills);
	return rc;
}
