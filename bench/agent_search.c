/*
 * agent_search.c: the driver of bench/agent_search.sh. Linked against
 * Robinet's own libraries (build/src/...), it times the agents'
 * customer search (rb_agent_search(), app/agentdesk.h: the shape of the
 * query read, the normalisation, the count and the 50 hits of every
 * kind searched, as JSON) against a reference: the bare sqlite3 C API
 * running, on a connection of its own, the two statements a minimal
 * implementation needs for the same answer on the same index (the
 * count, then the first 50 contracts with their holder), prepared once.
 *
 *   agent_search DB ROUNDS
 *
 * Picks its queries from DB (a migrated demo database), one per kind,
 * and prints one line per kind: kind, query, count, robinet's and the
 * reference's median time per search in milliseconds over ROUNDS runs
 * (after one warm-up run each), and the ratio robinet / reference.
 * Exit 0, or 2 when it cannot measure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "app/agentdesk.h"
#include "base/namekey.h"
#include "store/db.h"

#define COLS \
	"SELECT c.id, c.number, c.old_number, cu.id, cu.title, cu.last_name," \
	" cu.first_name, cu.postcode, cu.commune, c.service_address," \
	" c.service_postcode, c.service_commune, c.end_date" \
	" FROM contracts c JOIN customers cu ON cu.id = c.customer_id WHERE "

struct kind {
	const char	*k_name;
	const char	*k_pick;	/* SQL: the query typed, and the value
					   as stored (what the reference binds) */
	const char	*k_where;	/* reference: ?1 value, ?2 upper */
	const char	*k_order;
	int		 k_name_key;	/* the reference binds the name key */
	char		 k_q[160];
	char		 k_v[160];
};

#define BY_NAME	"cu.name_key, cu.id, c.id"

static struct kind kinds[] = {
	{ "name (prefix)", "SELECT substr(last_name, 1, 4), NULL FROM"
	  " customers WHERE id = 1000",
	  "cu.name_key >= ?1 AND cu.name_key < ?2", BY_NAME, 1, "", "" },
	{ "name (2 let.)", "SELECT 'ma', NULL",
	  "cu.name_key >= ?1 AND cu.name_key < ?2", BY_NAME, 1, "", "" },
	{ "name (full)", "SELECT last_name || ' ' || first_name, NULL FROM"
	  " customers WHERE id = 200000",
	  "cu.name_key >= ?1 AND cu.name_key < ?2", BY_NAME, 1, "", "" },
	{ "email", "SELECT upper(email), lower(email) FROM customers"
	  " WHERE id = 300000",
	  "c.id IN (SELECT c2.id FROM customers cu2 JOIN contracts c2 ON"
	  " c2.customer_id = cu2.id WHERE lower(cu2.email) = ?1)", BY_NAME, 0,
	  "", "" },
	{ "contract", "SELECT number, number FROM contracts WHERE id = 250000",
	  "c.number = ?1", BY_NAME, 0, "", "" },
	{ "old contract", "SELECT lower(old_number), old_number FROM contracts"
	  " WHERE old_number IS NOT NULL AND id > 150000 ORDER BY id LIMIT 1",
	  "c.old_number = ?1", BY_NAME, 0, "", "" },
	{ "meter", "SELECT lower(serial), serial FROM meters WHERE id = 350000",
	  "c.id IN (SELECT contract_id FROM meters WHERE serial = ?1)",
	  BY_NAME, 0, "", "" },
	{ "invoice", "SELECT number, number FROM invoices WHERE id = 1000000",
	  "c.id IN (SELECT contract_id FROM invoices WHERE number = ?1)",
	  BY_NAME, 0, "", "" },
	{ "IBAN last 4", "SELECT iban_last4, iban_last4 FROM sepa_mandates"
	  " WHERE id = 50000",
	  "c.id IN (SELECT contract_id FROM sepa_mandates WHERE"
	  " iban_last4 = ?1)", BY_NAME, 0, "", "" },
	{ "postcode", "SELECT service_postcode, service_postcode FROM"
	  " contracts WHERE id = 7",
	  "c.service_postcode = ?1", "c.id", 0, "", "" },
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void
die(const char *what)
{
	fprintf(stderr, "agent_search: %s\n", what);
	exit(2);
}

/* The reference: count, then 50 rows, both prepared once. */
static long long
reference(sqlite3 *db, sqlite3_stmt *count, sqlite3_stmt *rows,
    const struct kind *k)
{
	char key[RB_NAMEKEY_MAX], upper[RB_NAMEKEY_MAX + 8];
	const char *v = k->k_v;
	long long n = 0;
	sqlite3_stmt *st[2] = { count, rows };
	int i;

	if (k->k_name_key) {
		rb_namekey_fold(k->k_q, key, sizeof(key));
		snprintf(upper, sizeof(upper), "%s\xf4\x8f\xbf\xbf", key);
		v = key;
	}
	for (i = 0; i < 2; i++) {
		sqlite3_bind_text(st[i], 1, v, -1, SQLITE_TRANSIENT);
		if (k->k_name_key)
			sqlite3_bind_text(st[i], 2, upper, -1,
			    SQLITE_TRANSIENT);
		while (sqlite3_step(st[i]) == SQLITE_ROW) {
			if (i == 0)
				n = sqlite3_column_int64(st[i], 0);
			else
				(void)sqlite3_column_text(st[i], 5);
		}
		sqlite3_reset(st[i]);
	}
	(void)db;
	return n;
}

int
main(int argc, char **argv)
{
	char url[1024], err[256], sql[2048];
	double *tr, *tx;
	const char *msg;
	sqlite3 *raw;
	sqlite3_stmt *st, *count, *rows;
	rb_db *db;
	json_t *out;
	long long n_ref = 0, n_rob = 0;
	int rounds, r;
	size_t i;

	if (argc != 3 || (rounds = atoi(argv[2])) < 1)
		die("usage: agent_search DB ROUNDS");
	snprintf(url, sizeof(url), "sqlite:%s", argv[1]);
	if (rb_db_open(url, &db, err, sizeof(err)) != 0)
		die(err);
	if (sqlite3_open_v2(argv[1], &raw, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		die("cannot open the database");
	/* The page cache and temporary store of robinet's connections
	 * (store/sqlite.c). */
	if (sqlite3_exec(raw, "PRAGMA cache_size=-32768;"
	    " PRAGMA temp_store=MEMORY", NULL, NULL, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(raw));
	tr = calloc((size_t)rounds, sizeof(*tr));
	tx = calloc((size_t)rounds, sizeof(*tx));
	printf("%-14s %-28s %8s %12s %14s %7s\n", "kind", "query", "count",
	    "robinet ms", "reference ms", "ratio");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct kind *k = &kinds[i];

		if (sqlite3_prepare_v2(raw, k->k_pick, -1, &st, NULL) !=
		    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
			die(k->k_pick);
		snprintf(k->k_q, sizeof(k->k_q), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		snprintf(k->k_v, sizeof(k->k_v), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		snprintf(sql, sizeof(sql), k->k_name_key ?
		    "SELECT count(*) FROM customers cu JOIN contracts c ON"
		    " c.customer_id = cu.id WHERE %s" :
		    "SELECT count(*) FROM contracts c WHERE %s", k->k_where);
		if (sqlite3_prepare_v2(raw, sql, -1, &count, NULL) != SQLITE_OK)
			die(sqlite3_errmsg(raw));
		snprintf(sql, sizeof(sql), COLS "%s ORDER BY %s LIMIT 50",
		    k->k_where, k->k_order);
		if (sqlite3_prepare_v2(raw, sql, -1, &rows, NULL) != SQLITE_OK)
			die(sqlite3_errmsg(raw));
		/* Warm-up, then the rounds, alternating. */
		n_ref = reference(raw, count, rows, k);
		if (rb_agent_search(db, k->k_q, NULL, &out, &msg) != RB_OK)
			die(msg != NULL ? msg : "search failed");
		n_rob = json_integer_value(json_object_get(out, "count"));
		json_decref(out);
		for (r = 0; r < rounds; r++) {
			double t0 = now_ms(), t1, t2;

			reference(raw, count, rows, k);
			t1 = now_ms();
			if (rb_agent_search(db, k->k_q, NULL, &out, &msg) !=
			    RB_OK)
				die("search failed");
			t2 = now_ms();
			json_decref(out);
			tr[r] = t1 - t0;
			tx[r] = t2 - t1;
		}
		sqlite3_finalize(count);
		sqlite3_finalize(rows);
		{
			double ref = median(tr, rounds), rob = median(tx,
			    rounds);

			printf("%-14s %-28.28s %8lld %12.3f %14.3f %7.2f%s\n",
			    k->k_name, k->k_q, n_rob, rob, ref,
			    ref > 0 ? rob / ref : 0.0,
			    n_rob < n_ref ? "  (fewer than the reference!)" :
			    "");
		}
	}
	free(tr);
	free(tx);
	sqlite3_close(raw);
	rb_db_close(db);
	return 0;
}
