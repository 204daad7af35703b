/*
 * sqlite_insert.c: the reference of bench/import.sh: a bare SQLite insert
 * loop over the CSV files of an import folder (docs/import-format.md),
 * into a database that `robinet migrate` created, as fast as SQLite goes
 * with the application's own settings.
 *
 *	sqlite_insert DB DIR
 *
 * For each of the nine files, in import order: one transaction, one
 * prepared INSERT, one step per row, values bound as text (empty: NULL;
 * the columns' affinity stores numbers as integers). References are
 * resolved by natural key inside the INSERT (a subquery on the unique
 * index: the least any loader must do), and provenance columns are
 * written as the import writes them. Nothing is validated, nothing is
 * compared with existing rows, and the IBAN is stored as given (not
 * sealed). The connection has the pragmas of src/store/sqlite.c: WAL,
 * foreign_keys=ON, synchronous=NORMAL, temp_store=MEMORY, a 32 MiB page
 * cache.
 *
 * Prints one line per file, "file NAME ROWS MS", then "total ROWS MS",
 * on stdout. Exits 0, or 1 with a message on stderr at the first
 * failure. Not part of the product: a measuring stick, compiled by
 * bench/import.sh with cc against libsqlite3 and libcsv.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <csv.h>
#include <sqlite3.h>

#define MAX_COLS	32
#define READ_CHUNK	(1024 * 1024)

struct table {
	const char	*t_file;
	const char	*t_sql;		/* ?1..?n: the columns, ?n+1: line */
	const char	*t_cols[MAX_COLS];	/* CSV names of ?1..?n */
};

static const struct table tables[] = {
	{ "tariffs.csv",
	    "INSERT INTO tariffs (code, valid_from, valid_to, heading, label,"
	    " unit, unit_price_c100, vat_rate_bp, src_system, src_batch,"
	    " src_file, src_line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " 'billing', '1', 'tariffs.csv', ?9)",
	    { "code", "valid_from", "valid_to", "heading", "label", "unit",
	    "unit_price_c100", "vat_rate_bp" } },
	{ "customers.csv",
	    "INSERT INTO customers (ref, title, last_name, first_name, email,"
	    " phone, address_line1, address_line2, postcode, commune,"
	    " country, src_system, src_batch, src_file, src_line) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, coalesce(?11, 'FR'),"
	    " 'billing', '1', 'customers.csv', ?12)",
	    { "ref", "title", "last_name", "first_name", "email", "phone",
	    "address_line1", "address_line2", "postcode", "commune",
	    "country" } },
	{ "contracts.csv",
	    "INSERT INTO contracts (number, old_number, origin, customer_id,"
	    " service_address, service_postcode, service_commune, start_date,"
	    " end_date, can_create_account, direct_debit, paperless,"
	    " src_system, src_batch, src_file, src_line) VALUES (?1, ?2, ?3,"
	    " (SELECT id FROM customers WHERE ref = ?4), ?5, ?6, ?7, ?8, ?9,"
	    " coalesce(?10, 0), coalesce(?11, 0), coalesce(?12, 0),"
	    " 'billing', '1', 'contracts.csv', ?13)",
	    { "number", "old_number", "origin", "customer_ref",
	    "service_address", "service_postcode", "service_commune",
	    "start_date", "end_date", "can_create_account", "direct_debit",
	    "paperless" } },
	{ "meters.csv",
	    "INSERT INTO meters (serial, contract_id, remote_read,"
	    " installed_on, removed_on, src_system, src_batch, src_file,"
	    " src_line) VALUES (?1, (SELECT id FROM contracts WHERE number ="
	    " ?2), coalesce(?3, 0), ?4, ?5, 'billing', '1', 'meters.csv', ?6)",
	    { "serial", "contract_number", "remote_read", "installed_on",
	    "removed_on" } },
	{ "readings.csv",
	    "INSERT INTO meter_readings (meter_id, read_on, index_litres,"
	    " source, src_system, src_batch, src_file, src_line) VALUES"
	    " ((SELECT id FROM meters WHERE serial = ?1), ?2, ?3, ?4,"
	    " 'billing', '1', 'readings.csv', ?5)",
	    { "meter_serial", "read_on", "index_litres", "source" } },
	{ "invoices.csv",
	    "INSERT INTO invoices (number, contract_id, contract_number,"
	    " archived, period_start, period_end, old_index_litres,"
	    " new_index_litres, old_read_on, new_read_on, old_read_kind,"
	    " new_read_kind, volume_litres, amount_excl_tax_cents, vat_cents,"
	    " total_cents, issued_on, due_on, status, src_system, src_batch,"
	    " src_file, src_line) VALUES (?1, (SELECT id FROM contracts WHERE"
	    " number = ?2), coalesce(?3, ?2), coalesce(?4, 0), ?5, ?6, ?7,"
	    " ?8, ?9, ?10, ?11, ?12, coalesce(?13, 0), ?14, ?15, ?16, ?17,"
	    " ?18, ?19, 'billing', '1', 'invoices.csv', ?20)",
	    { "number", "contract_number", "printed_contract_number",
	    "archived", "period_start", "period_end", "old_index_litres",
	    "new_index_litres", "old_read_on", "new_read_on",
	    "old_read_kind", "new_read_kind", "volume_litres",
	    "amount_excl_tax_cents", "vat_cents", "total_cents", "issued_on",
	    "due_on", "status" } },
	{ "invoice_lines.csv",
	    "INSERT INTO invoice_lines (invoice_id, position, heading,"
	    " tariff_code, label, period_start, period_end, quantity,"
	    " quantity_unit, unit_price_c100, amount_excl_tax_cents,"
	    " vat_rate_bp, vat_cents, src_system, src_batch, src_file,"
	    " src_line) VALUES ((SELECT id FROM invoices WHERE number = ?1),"
	    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'billing',"
	    " '1', 'invoice_lines.csv', ?14)",
	    { "invoice_number", "position", "heading", "tariff_code", "label",
	    "period_start", "period_end", "quantity", "quantity_unit",
	    "unit_price_c100", "amount_excl_tax_cents", "vat_rate_bp",
	    "vat_cents" } },
	{ "sepa_mandates.csv",
	    "INSERT INTO sepa_mandates (rum, contract_id, holder, iban_enc,"
	    " iban_last4, bic, signed_on, status, revoked_on, src_system,"
	    " src_batch, src_file, src_line) VALUES (?1, (SELECT id FROM"
	    " contracts WHERE number = ?2), ?3, ?4, substr(?4, -4), ?5, ?6,"
	    " ?7, ?8, 'billing', '1', 'sepa_mandates.csv', ?9)",
	    { "rum", "contract_number", "holder", "iban", "bic", "signed_on",
	    "status", "revoked_on" } },
	{ "legacy_credentials.csv",
	    "INSERT INTO legacy_credentials (old_customer_id, contract_id,"
	    " hash, migrated_at, src_system, src_batch, src_file, src_line)"
	    " VALUES (?1, (SELECT id FROM contracts WHERE number = ?2), ?3,"
	    " ?4, 'billing', '1', 'legacy_credentials.csv', ?5)",
	    { "old_customer_id", "contract_number", "hash", "migrated_at" } },
};

/* The record being parsed: its fields, copied into one buffer. */
struct loader {
	sqlite3		*l_db;
	sqlite3_stmt	*l_st;
	const struct table *l_t;
	int		 l_ncols;	/* parameters before the line */
	int		 l_map[MAX_COLS];	/* param -> header index, -1 */
	int		 l_header_done;
	long long	 l_line;	/* physical line of the record */
	long long	 l_next_line;
	long long	 l_rows;
	int		 l_failed;
	size_t		 l_nfields;
	size_t		 l_off[MAX_COLS * 2];
	size_t		 l_len[MAX_COLS * 2];
	char		*l_buf;
	size_t		 l_used, l_cap;
};

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct loader *l = arg;
	const char *p = s;
	size_t i;

	for (i = 0; i < len; i++)	/* quoted line breaks */
		if (p[i] == '\n')
			l->l_next_line++;
	if (l->l_nfields >= MAX_COLS * 2) {
		l->l_failed = 1;
		return;
	}
	if (l->l_used + len + 1 > l->l_cap) {
		l->l_cap = (l->l_used + len + 1) * 2;
		if ((l->l_buf = realloc(l->l_buf, l->l_cap)) == NULL)
			abort();
	}
	memcpy(l->l_buf + l->l_used, s, len);
	l->l_buf[l->l_used + len] = '\0';
	l->l_off[l->l_nfields] = l->l_used;
	l->l_len[l->l_nfields] = len;
	l->l_nfields++;
	l->l_used += len + 1;
}

static void
header(struct loader *l)
{
	size_t j;
	int i;

	for (i = 0; i < l->l_ncols; i++) {
		l->l_map[i] = -1;
		for (j = 0; j < l->l_nfields; j++)
			if (strcmp(l->l_buf + l->l_off[j], l->l_t->t_cols[i]) == 0)
				l->l_map[i] = (int)j;
	}
	l->l_header_done = 1;
}

static void
on_record(int c, void *arg)
{
	struct loader *l = arg;
	int i, k, rc;

	l->l_next_line++;
	if (l->l_failed)
		goto next;
	if (l->l_nfields == 0)
		goto next;
	if (!l->l_header_done) {
		header(l);
		goto next;
	}
	for (i = 0; i < l->l_ncols; i++) {
		k = l->l_map[i];
		if (k < 0 || (size_t)k >= l->l_nfields || l->l_len[k] == 0)
			sqlite3_bind_null(l->l_st, i + 1);
		else
			sqlite3_bind_text(l->l_st, i + 1, l->l_buf + l->l_off[k],
			    (int)l->l_len[k], SQLITE_STATIC);
	}
	sqlite3_bind_int64(l->l_st, l->l_ncols + 1, l->l_line);
	rc = sqlite3_step(l->l_st);
	sqlite3_reset(l->l_st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "sqlite_insert: %s line %lld: %s\n",
		    l->l_t->t_file, l->l_line, sqlite3_errmsg(l->l_db));
		l->l_failed = 1;
		goto next;
	}
	l->l_rows++;
next:
	l->l_nfields = 0;
	l->l_used = 0;
	l->l_line = l->l_next_line;
	(void)c;
}

static int
never_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlite_insert: %s: %s\n", sql,
		    err != NULL ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Loads dir/t->t_file; a missing file is skipped (0 rows). */
static int
load(sqlite3 *db, const char *dir, const struct table *t, long long *rows)
{
	struct csv_parser p;
	struct loader l;
	char path[4096], *chunk = NULL, delim = ';';
	size_t n, i;
	FILE *f;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	*rows = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, t->t_file);
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		goto out;
	csv_set_space_func(&p, never_space);
	l.l_db = db;
	l.l_t = t;
	l.l_line = l.l_next_line = 1;
	while (l.l_ncols < MAX_COLS && t->t_cols[l.l_ncols] != NULL)
		l.l_ncols++;
	if (sqlite3_prepare_v2(db, t->t_sql, -1, &l.l_st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlite_insert: %s: %s\n", t->t_file,
		    sqlite3_errmsg(db));
		goto out;
	}
	if ((chunk = malloc(READ_CHUNK)) == NULL)
		goto out;
	if (exec(db, "BEGIN IMMEDIATE") != 0)
		goto out;
	n = fread(chunk, 1, READ_CHUNK, f);
	/* The separator: the first of ';' and ',' in the header line. */
	for (i = 0; i < n && chunk[i] != '\n'; i++)
		if (chunk[i] == ';' || chunk[i] == ',') {
			delim = chunk[i];
			break;
		}
	csv_set_delim(&p, (unsigned char)delim);
	while (n > 0 && !l.l_failed) {
		if (csv_parse(&p, chunk, n, on_field, on_record, &l) != n) {
			fprintf(stderr, "sqlite_insert: %s: %s\n", t->t_file,
			    csv_strerror(csv_error(&p)));
			goto rollback;
		}
		n = fread(chunk, 1, READ_CHUNK, f);
	}
	csv_fini(&p, on_field, on_record, &l);
	if (l.l_failed || ferror(f))
		goto rollback;
	if (exec(db, "COMMIT") != 0)
		goto rollback;
	*rows = l.l_rows;
	rc = 0;
	goto out;
rollback:
	exec(db, "ROLLBACK");
out:
	csv_free(&p);
	sqlite3_finalize(l.l_st);
	free(l.l_buf);
	free(chunk);
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	long long rows, total = 0, t0, t1, start;
	size_t i;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: sqlite_insert DB DIR\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "sqlite_insert: cannot open %s: %s\n", argv[1],
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	/* The application's settings (src/store/sqlite.c). */
	if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
	    "PRAGMA synchronous=NORMAL; PRAGMA trusted_schema=OFF; "
	    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768") != 0)
		goto out;
	start = now_ms();
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		t0 = now_ms();
		if (load(db, argv[2], &tables[i], &rows) != 0)
			goto out;
		t1 = now_ms();
		printf("file %s %lld %lld\n", tables[i].t_file, rows, t1 - t0);
		fflush(stdout);
		total += rows;
	}
	printf("total %lld %lld\n", total, now_ms() - start);
	rc = 0;
out:
	sqlite3_close(db);
	return rc;
}
