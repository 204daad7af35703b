/*
 * internal.h: what the parts of the demo generator share (src/demo/):
 * the deterministic random streams, days, the generation state and the
 * description of a contract. Not for use outside src/demo.
 *
 * The parts, by what they make:
 *	demo.c		options, the two passes, transactions, one contract
 *	identities.c	people, the fixed identities, web accounts and the
 *			former customer space's credentials
 *	contracts.c	customers, contracts, meters and SEPA mandates
 *	readings.c	daily consumption and meter readings
 *	billing.c	tariffs, billing runs, invoices, lines, payments
 *	news.c		news and events
 *	demo_store.c	the SQL every part writes its rows with
 */
#ifndef RB_DEMO_INTERNAL_H
#define RB_DEMO_INTERNAL_H

#include <crypt.h>
#include <stdint.h>
#include <stdio.h>

#include <sodium.h>

#include "base/clock.h"
#include "demo/demo.h"
#include "demo/demo_store.h"

/* Small deterministic PRNG: splitmix64. */

struct rng {
	uint64_t	r_state;
};

enum rng_stream {
	STREAM_SHAPE = 1,	/* origin, dates, commune: both passes */
	STREAM_DETAIL,		/* everything else about a contract */
	STREAM_DAYS,		/* daily consumption */
	STREAM_GLOBAL		/* salts and nonces of fixed identities */
};

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->r_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline void
rng_seed(struct rng *r, uint64_t seed, enum rng_stream stream, uint64_t k)
{
	r->r_state = seed;
	r->r_state = rng_next(r) ^ ((uint64_t)stream *
	    UINT64_C(0xd1b54a32d192ed03));
	r->r_state = rng_next(r) ^ (k * UINT64_C(0xa0761d6478bd642f));
	(void)rng_next(r);
}

/* Returns a value in [0, n), n > 0. */
static inline uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Returns a value in [lo, hi]; lo when hi < lo (still one draw). */
static inline int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	uint64_t x = rng_next(r);

	return hi <= lo ? lo : lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
}

/* Returns 1 with probability permille / 1000. */
static inline int
rng_chance(struct rng *r, unsigned permille)
{
	return rng_below(r, 1000) < permille;
}

/* Dates as days since 1970-01-01. */

typedef int32_t day_t;

static inline day_t
mkday(int y, int m, int d)
{
	struct rb_date dt = { y, m, d };

	return (day_t)rb_clock_days_from_civil(&dt);
}

/* Writes day as "YYYY-MM-DD" (11 bytes with the NUL). */
static inline void
day_iso(day_t day, char *out)
{
	struct rb_date dt;

	rb_clock_civil_from_days(day, &dt);
	out[0] = (char)('0' + dt.d_year / 1000);
	out[1] = (char)('0' + dt.d_year / 100 % 10);
	out[2] = (char)('0' + dt.d_year / 10 % 10);
	out[3] = (char)('0' + dt.d_year % 10);
	out[4] = '-';
	out[5] = (char)('0' + dt.d_month / 10);
	out[6] = (char)('0' + dt.d_month % 10);
	out[7] = '-';
	out[8] = (char)('0' + dt.d_day / 10);
	out[9] = (char)('0' + dt.d_day % 10);
	out[10] = '\0';
}

static inline int
day_year(day_t day)
{
	struct rb_date dt;

	rb_clock_civil_from_days(day, &dt);
	return dt.d_year;
}

/* UTC instant of day at sec seconds after midnight UTC. */
static inline int64_t
day_at(day_t day, int sec)
{
	return (int64_t)day * 86400 + sec;
}

/*
 * Writes day as "YYYY-MM-DD" into out (11 bytes) and returns out; returns
 * NULL, a NULL column for the store, when day is 0.
 */
static inline const char *
iso_or_null(day_t day, char *out)
{
	if (day == 0)
		return NULL;
	day_iso(day, out);
	return out;
}

/* Generation constants. */

#define DEMO_HORIZON_Y	2020	/* data start: the reading of */
#define DEMO_HORIZON_M	12	/* 2020-12-10 opens the first bill */
#define DEMO_HORIZON_D	10
#define DEMO_FIRST_YEAR	2021
#define DEMO_NEW_YEAR	2024	/* the new system starts billing */
#define DEMO_FIXED	5	/* contracts 1..5 are the fixed identities */
#define DEMO_SPECIAL_POS 42	/* FA2024-000042 */
#define DEMO_BATCH	5000	/* contracts per transaction (per
				   buffer flush in a bulk load) */
#define DEMO_MAX_RUNS	64
/* The leak of the demo (app/leaks.h): contract 1, remote-read, loses
   this many litres a day more than it uses on the last days before
   today (the daily litres of the days today - DEMO_LEAK_DAYS + 1 to
   today show it). */
#define DEMO_LEAK_CONTRACT 1
#define DEMO_LEAK_DAYS	4
#define DEMO_LEAK_LITRES 1500
#define DEMO_MAX_LINES	32

enum origin { OR_2023, OR_FORMER, OR_NEW };

/* A billing run: the bills of one half-year. */
struct run {
	day_t	 rn_first;	/* first and last issue dates */
	day_t	 rn_last;
	int	 rn_year;
	long	 rn_count;	/* bills in the run (pass 1) */
	long	 rn_seen;	/* bills numbered so far (pass 2) */
	long	 rn_base;	/* bills of earlier runs of the same year */
};

/* What both passes know of a contract. */
struct shape {
	int	 sh_origin;
	day_t	 sh_start;
	day_t	 sh_end;	/* 0: still running */
	int	 sh_commune;
	int	 sh_billed;	/* 0: never billed (contract 5) */
};

struct first_name {
	const char	*fn_name;
	const char	*fn_ascii;
	char		 fn_female;
};

struct last_name {
	const char	*ln_name;
	const char	*ln_ascii;
};

struct person {
	const struct first_name	*ps_first;
	const struct last_name	*ps_last;
	char		 ps_email[128];	/* "" when none on file */
	char		 ps_phone[20];
	char		 ps_address[128];
	char		 ps_holder[96];
};

struct contract {
	long		 ct_k;
	struct shape	 ct_shape;
	char		 ct_number[16];
	char		 ct_old_number[16];	/* "" when none */
	char		 ct_serial[16];
	int		 ct_remote;
	day_t		 ct_installed;
	int		 ct_direct_debit;
	day_t		 ct_mandate_on;
	int		 ct_paperless;
	int		 ct_can_create;
	int		 ct_reading_day;
	int64_t		 ct_yearly_litres;
	int64_t		 ct_id;
	int64_t		 ct_meter_id;
	int		 ct_overdue_permille;
	struct person	 ct_person;
};


struct tariff;
struct reading;
struct bill;

/* The state of one generation; see demo.c. */
struct demo {
	rb_demo_store	*dm_store;
	uint64_t	 dm_seed;
	long		 dm_contracts;
	day_t		 dm_today;
	day_t		 dm_horizon;
	struct run	 dm_runs[DEMO_MAX_RUNS];
	int		 dm_nruns;
	int		 dm_special_run;	/* index of the June 2024 run */
	long		 dm_special_rank;	/* contract 4's natural rank */
	struct tariff	*dm_tariffs;
	size_t		 dm_ntariffs;
	unsigned char	 dm_iban_key[crypto_secretbox_KEYBYTES];
	char		 dm_shared_hash[crypto_pwhash_STRBYTES];
	struct crypt_data *dm_crypt;
	int64_t		*dm_cum;	/* meter index by day */
	size_t		 dm_cumcap;
	struct reading	*dm_reads;
	size_t		 dm_nreads;
	size_t		 dm_readcap;
	int64_t		 dm_customer1;	/* contract 2 shares this customer */
	int64_t		 dm_account1;	/* the demo account */
	int		 dm_commune_total;
	struct bill	*dm_bills;	/* DEMO_MAX_RUNS, one contract's */
};

/*
 * Parts. Each function that returns int returns 0, or -1 (logged) when
 * the store refuses a row or fails.
 */

/* identities.c */
int	demo_identities_setup(struct demo *d);
void	demo_person_make(struct rng *r, struct contract *c);
void	demo_identity_fix(struct contract *c);
void	demo_holder_make(struct person *p);
int	demo_access_write(struct demo *d, struct rng *r,
	    const struct contract *c);

/* contracts.c */
void	demo_contracts_setup(struct demo *d);
void	demo_shape_make(struct demo *d, long k, struct shape *s);
void	demo_contract_make(struct demo *d, struct rng *r, long k,
	    struct contract *c);
int	demo_contract_write(struct demo *d, struct contract *c);
int	demo_mandate_write(struct demo *d, struct rng *r,
	    const struct contract *c);

/* readings.c */
void	demo_consumption_make(struct demo *d, const struct contract *c);
day_t	demo_index_start(const struct demo *d, const struct contract *c);
int64_t	demo_index_on(const struct demo *d, const struct contract *c,
	    day_t day);
void	demo_reading_add(struct demo *d, day_t day, int prio, int64_t index,
	    const char *source);
int	demo_readings_write(struct demo *d, struct rng *r,
	    const struct contract *c);

/* billing.c */
int	demo_day_parse(const char *s, day_t *out);
void	demo_runs_make(struct demo *d);
int	demo_runs_count(struct demo *d);
int	demo_tariffs_write(struct demo *d);
int	demo_bills_write(struct demo *d, struct rng *r,
	    const struct contract *c);

/* news.c */
int	demo_news_write(struct demo *d);

#endif
