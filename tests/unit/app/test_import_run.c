/*
 * test_import_run.c: rb_import_run() on the database of RB_TEST_DB
 * (tests/pg/cluster.sh) or a fresh SQLite file: the same accepted rows,
 * the same French reasons of rejection and the same database on every
 * engine. A row the database refuses (a constraint) mid-file is undone
 * alone: the rows before and after it stay in the file's transaction
 * (later duplicates of them are still found), the run goes on and ends
 * "rejected", not "failed". The example folder gives the content of
 * import_run.dump (ids, batches and sealed IBANs left out: they differ
 * between engines and runs). A bulk copy on PostgreSQL builds the
 * table's indexes and foreign keys anew after the copy: the schema is
 * the same afterwards, whether the file went in or was refused.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app/import.h"
#include "store/db.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define KEY	"abababababababababababababababababababababababababababababababab"

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

/* io_bulk of the next runs (0: the engine's choice). */
static int bulk_mode;

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	bulk_mode = 0;
	if (f == NULL || test_db_open(f->dir, sizeof(f->dir), "import.db",
	    &f->db) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_db_close(f->dir, f->db);
	free(f);
	return 0;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* The whole of file path, NUL-terminated (free it). */
static char *
slurp(const char *path)
{
	char *buf;
	long n;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* The rejection lines of a report (those before the "# " summary). */
static char *
rejections(const char *path)
{
	char *all = slurp(path), *end = strstr(all, "\n# ");

	if (end != NULL)
		end[1] = '\0';
	return all;
}

static int
run(struct fixture *f, const char *in, const char *report,
    struct rb_import_result *res)
{
	struct rb_import_opts o;

	memset(&o, 0, sizeof(o));
	o.io_dir = in;
	o.io_report = report;
	o.io_data_key = KEY;
	o.io_now = NOW;
	o.io_notice_days = 30;
	o.io_bulk = bulk_mode;
	return rb_import_run(f->db, &o, res);
}

static int64_t
count(rb_db *db, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(rb_db_fetch_one(db, sql, NULL, 0, rb_row_int, &n), 0);
	return n;
}

#define CUSTOMERS \
	"ref;last_name;address_line1;postcode;commune\n" \
	"C0000001;Lefebvre;12 rue Nationale;59000;Lille\n"
#define CONTRACTS \
	"number;origin;customer_ref;service_address;service_postcode;" \
	"service_commune;start_date\n" \
	"1000000001;new;C0000001;12 rue Nationale;59000;Lille;2024-01-01\n" \
	"1000000002;new;C0000001;5 rue du Moulin;59650;Lille;2024-01-01\n"
#define IBAN	"FR7630006000011234567890189"

/*
 * sepa_mandates.csv: line 3 passes every check of the import but the
 * database's (one active mandate per contract); lines 6 and 7 repeat
 * lines 4 and 2, which only the rows written before and after the
 * refused one can tell.
 */
static void
test_constraint_mid_file_keeps_rows_before_and_after(void **state)
{
	struct fixture *f = *state;
	struct rb_import_result res;
	char in[300], report[300], *got;

	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	write_file(in, "customers.csv", CUSTOMERS);
	write_file(in, "contracts.csv", CONTRACTS);
	write_file(in, "sepa_mandates.csv",
	    "rum;contract_number;holder;iban;signed_on;status\n"
	    "RUM-A;1000000001;LEFEBVRE;" IBAN ";2024-03-15;active\n"
	    "RUM-B;1000000001;LEFEBVRE;" IBAN ";2024-03-16;active\n"
	    "RUM-C;1000000002;LEFEBVRE;" IBAN ";2024-03-17;active\n"
	    "RUM-D;1000000002;LEFEBVRE;FR7630006000011234567890188;"
	    "2024-03-18;revoked\n"
	    "RUM-C;1000000002;LEFEBVRE;" IBAN ";2024-03-17;active\n"
	    "RUM-A;1000000001;LEFEBVRE;" IBAN ";2024-03-15;active\n"
	    "RUM-E;1000000002;LEFEBVRE;" IBAN ";2024-03-19;revoked;\n");
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	assert_string_equal(got,
	    "file;line;column;reason\n"
	    "sepa_mandates.csv;3;;ligne refusée par la base de données "
	    "(contrainte d'unicité ou de cohérence)\n"
	    "sepa_mandates.csv;5;iban;IBAN invalide\n"
	    "sepa_mandates.csv;5;revoked_on;date de révocation manquante "
	    "pour un mandat révoqué\n"
	    "sepa_mandates.csv;6;;ligne en double (déjà vue ligne 4)\n"
	    "sepa_mandates.csv;7;;ligne en double (déjà vue ligne 2)\n"
	    "sepa_mandates.csv;8;;\"7 champs au lieu de 6 (séparateur "
	    "« ; »)\"\n");
	free(got);
	assert_int_equal(res.ir_total.ic_rows, 10);
	assert_int_equal(res.ir_total.ic_inserted, 3);
	assert_int_equal(res.ir_total.ic_rejected, 5);
	/* The two first files committed, the mandates rolled back whole. */
	assert_int_equal(count(f->db, "SELECT count(*) FROM contracts"), 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM sepa_mandates"),
	    0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM import_batches"
	    " WHERE status = 'rejected' AND rows_rejected = 5"), 1);

	/* Fixed, the same file goes in: the transaction was never lost. */
	write_file(in, "sepa_mandates.csv",
	    "rum;contract_number;holder;iban;signed_on;status\n"
	    "RUM-A;1000000001;LEFEBVRE;" IBAN ";2024-03-15;active\n"
	    "RUM-C;1000000002;LEFEBVRE;" IBAN ";2024-03-17;active\n");
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	assert_int_equal(res.ir_total.ic_inserted, 2);
	assert_int_equal(res.ir_total.ic_unchanged, 3);
	assert_int_equal(count(f->db, "SELECT count(*) FROM sepa_mandates"),
	    2);
}

/*
 * Refusals all along a long file: 1100 mandates, each the active one of
 * its own contract but every 250th, which gives the contract of the row
 * before it a second active one (refused by the database only), then
 * two repeats of rows written before and after the first refusal. Each
 * refusal is reported on its line, the run goes on to the end, and the
 * repeats are found (the rows written before a refusal, in savepoint
 * batches, are all still there).
 */
#define NMANDATES	1100
static void
test_many_refusals_in_one_file(void **state)
{
	struct fixture *f = *state;
	struct rb_import_result res;
	char in[300], report[300], line[200];
	char *text, *got, *p;
	size_t cap = 1 << 20, len = 0;
	int i, n = 0;

	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	write_file(in, "customers.csv", CUSTOMERS);
	text = malloc(cap);
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "number;origin;customer_ref;"
	    "service_address;service_postcode;service_commune;start_date\n");
	for (i = 0; i < NMANDATES; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "%010d;new;C0000001;%d rue Haute;59000;Lille;2024-01-01\n",
		    1000000000 + i, i);
	write_file(in, "contracts.csv", text);
	len = (size_t)snprintf(text, cap,
	    "rum;contract_number;holder;iban;signed_on;status\n");
	for (i = 0; i < NMANDATES; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "RUM-%04d;%010d;LEFEBVRE;" IBAN ";2024-03-15;active\n",
		    i, 1000000000 + (i % 250 == 249 ? i - 1 : i));
	/* Lines 2 and 600 again. */
	len += (size_t)snprintf(text + len, cap - len,
	    "RUM-0000;1000000000;LEFEBVRE;" IBAN ";2024-03-15;active\n"
	    "RUM-0598;1000000598;LEFEBVRE;" IBAN ";2024-03-15;active\n");
	write_file(in, "sepa_mandates.csv", text);
	free(text);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	for (p = got; (p = strstr(p, "\nsepa_mandates.csv;")) != NULL &&
	    n < 4; p++) {
		snprintf(line, sizeof(line), "\nsepa_mandates.csv;%d;;ligne "
		    "refusée par la base de données", 2 + 249 + 250 * n);
		assert_memory_equal(p, line, strlen(line));
		n++;
	}
	assert_int_equal(n, 4);
	assert_non_null(p);
	snprintf(line, sizeof(line), "\nsepa_mandates.csv;%d;;ligne en "
	    "double (déjà vue ligne 2)\nsepa_mandates.csv;%d;;ligne en double "
	    "(déjà vue ligne 600)\n", NMANDATES + 2, NMANDATES + 3);
	assert_string_equal(p, line);
	free(got);
	assert_int_equal(res.ir_total.ic_rejected, 6);
	assert_int_equal(count(f->db, "SELECT count(*) FROM contracts"),
	    NMANDATES);
	assert_int_equal(count(f->db, "SELECT count(*) FROM sepa_mandates"),
	    0);
}

/* Tables as text, without ids, batches or sealed IBANs. */
static const struct {
	int		 ncols;
	const char	*sql;
} dumps[] = {
	{ 10, "SELECT code, valid_from, valid_to, heading, label, unit,"
	    " unit_price_c100, vat_rate_bp, src_file, src_line FROM tariffs"
	    " ORDER BY code COLLATE \"C\", valid_from" },
	{ 14, "SELECT ref, title, last_name, first_name, email, phone,"
	    " address_line1, address_line2, postcode, commune, country,"
	    " name_key, src_system, src_line FROM customers"
	    " ORDER BY ref COLLATE \"C\"" },
	{ 15, "SELECT c.number, c.old_number, c.origin, cu.ref,"
	    " c.service_address, c.service_postcode, c.service_commune,"
	    " c.start_date, c.end_date, c.can_create_account,"
	    " c.direct_debit, c.paperless, c.paperless_by, c.src_file,"
	    " c.src_line FROM contracts c"
	    " JOIN customers cu ON cu.id = c.customer_id"
	    " ORDER BY c.number COLLATE \"C\"" },
	{ 6, "SELECT m.serial, c.number, m.remote_read, m.installed_on,"
	    " m.removed_on, m.src_line FROM meters m"
	    " JOIN contracts c ON c.id = m.contract_id"
	    " ORDER BY m.serial COLLATE \"C\"" },
	{ 5, "SELECT m.serial, r.read_on, r.index_litres, r.source,"
	    " r.src_line FROM meter_readings r"
	    " JOIN meters m ON m.id = r.meter_id"
	    " ORDER BY m.serial COLLATE \"C\", r.read_on" },
	{ 22, "SELECT i.number, c.number, i.contract_number, i.archived,"
	    " i.period_start, i.period_end, i.old_index_litres,"
	    " i.new_index_litres, i.old_read_on, i.new_read_on,"
	    " i.old_read_kind, i.new_read_kind, i.volume_litres,"
	    " i.amount_excl_tax_cents, i.vat_cents, i.total_cents,"
	    " i.issued_on, i.due_on, i.status, i.print_requested,"
	    " i.src_file, i.src_line FROM invoices i"
	    " LEFT JOIN contracts c ON c.id = i.contract_id"
	    " ORDER BY i.number COLLATE \"C\"" },
	{ 14, "SELECT i.number, l.position, l.heading, l.tariff_code,"
	    " l.label, l.period_start, l.period_end, l.quantity,"
	    " l.quantity_unit, l.unit_price_c100, l.amount_excl_tax_cents,"
	    " l.vat_rate_bp, l.vat_cents, l.src_line FROM invoice_lines l"
	    " JOIN invoices i ON i.id = l.invoice_id"
	    " ORDER BY i.number COLLATE \"C\", l.position" },
	{ 9, "SELECT s.rum, c.number, s.holder, s.iban_last4, s.bic,"
	    " s.signed_on, s.status, s.revoked_on, s.src_line"
	    " FROM sepa_mandates s JOIN contracts c ON c.id = s.contract_id"
	    " ORDER BY s.rum COLLATE \"C\"" },
	{ 5, "SELECT l.old_customer_id, c.number, l.hash, l.migrated_at,"
	    " l.src_line FROM legacy_credentials l"
	    " JOIN contracts c ON c.id = l.contract_id"
	    " ORDER BY l.old_customer_id COLLATE \"C\"" },
	{ 2, "SELECT to_addr, subject FROM mail_outbox"
	    " ORDER BY to_addr COLLATE \"C\", subject COLLATE \"C\"" },
};

struct dump {
	FILE	*d_fp;
	int	 d_ncols;
};

static void
dump_row(rb_stmt *st, void *arg)
{
	struct dump *d = arg;
	const char *s;
	int i;

	for (i = 0; i < d->d_ncols; i++) {
		s = rb_stmt_text(st, i);
		fprintf(d->d_fp, "%s%s", i > 0 ? "|" : "",
		    s != NULL ? s : "\\N");
	}
	fputc('\n', d->d_fp);
}

static void
example_folder(struct fixture *f, int64_t *copied)
{
	struct rb_import_result res;
	char in[4096], report[300], path[300], want_path[4096];
	const char *src = getenv("ROBINET_SRCDIR");
	char *got, *want;
	struct dump d;
	size_t i;

	assert_non_null(src);
	snprintf(in, sizeof(in), "%s/docs/examples/import", src);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	*copied = res.ir_copied;
	assert_int_equal(res.ir_total.ic_inserted, res.ir_total.ic_rows);
	/* Again: nothing changes (the tables are not empty: row by row). */
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	assert_int_equal(res.ir_copied, 0);
	assert_int_equal(res.ir_total.ic_inserted, 0);
	assert_int_equal(res.ir_total.ic_updated, 0);
	assert_int_equal(res.ir_total.ic_unchanged, res.ir_total.ic_rows);
	snprintf(path, sizeof(path), "%s/dump.txt", f->dir);
	d.d_fp = fopen(path, "w");
	assert_non_null(d.d_fp);
	for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		d.d_ncols = dumps[i].ncols;
		fprintf(d.d_fp, "-- %zu\n", i);
		assert_int_equal(rb_db_fetch_all(f->db, dumps[i].sql, NULL, 0,
		    dump_row, &d), 0);
	}
	assert_int_equal(fclose(d.d_fp), 0);
	got = slurp(path);
	snprintf(want_path, sizeof(want_path),
	    "%s/tests/unit/app/import_run.dump", src);
	want = slurp(want_path);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static int
is_pg(rb_db *db)
{
	return strcmp(rb_db_engine(db), "postgresql") == 0;
}

/* The engine's choice: bulk copy on PostgreSQL, row by row on SQLite;
   the same database either way. */
static void
test_example_folder_gives_the_same_database(void **state)
{
	struct fixture *f = *state;
	int64_t copied = -1;

	example_folder(f, &copied);
	if (is_pg(f->db))
		assert_true(copied > 50);
	else
		assert_int_equal(copied, 0);
}

/* Every file by bulk copy, on any engine: the same database. */
static void
test_example_folder_by_bulk_copy(void **state)
{
	struct fixture *f = *state;
	int64_t copied = -1;

	bulk_mode = 1;
	example_folder(f, &copied);
	/* Every row of the folder (it has no rejected row). */
	assert_true(copied > 50);
}

/* Row by row, on any engine: the same database. */
static void
test_example_folder_row_by_row(void **state)
{
	struct fixture *f = *state;
	int64_t copied = -1;

	bulk_mode = -1;
	example_folder(f, &copied);
	assert_int_equal(copied, 0);
}

/*
 * The same reasons whichever path is asked for: a contracts file mixing
 * every kind of rejection its checks have (field count, a value of
 * every column type wrong, dates in the wrong order, an unknown
 * customer, an old number given twice, a repeated key), texts with
 * quotes, semicolons and UTF-8; customers.csv, clean, goes by copy.
 */
#define MIXED_CONTRACTS \
	"number;old_number;origin;customer_ref;service_address;" \
	"service_postcode;service_commune;start_date;end_date;paperless\n" \
	"1000000001;1234567A;new;C0000001;\"12 rue \"\"Nationale\"\"; bis\";" \
	"59000;Lille;2024-01-01;;1\n" \
	"1000000002;;new;C0000001;5 rue du Moulin;59650;Lille;2024-01-01\n" \
	"100000003;;neuf;C0000009;Rue;5900;Lille;2024-02-30;2023-01-01;2\n" \
	"1000000004;1234567A;new;C0000001;Place Émile Zola;59000;Lille;" \
	"2024-01-01;2023-12-31;0\n" \
	"1000000001;;new;C0000001;12 rue Nationale;59000;Lille;2024-01-01;;\n" \
	"1000000005;;new;C0000001;Rue\tTab;59000;Lille;2024-01-01;;0\n"
#define MIXED_REASONS \
	"file;line;column;reason\n" \
	"contracts.csv;3;;\"8 champs au lieu de 10 (séparateur « ; »)\"\n" \
	"contracts.csv;4;number;numéro de contrat invalide « 100000003 » " \
	"(10 chiffres attendus)\n" \
	"contracts.csv;4;origin;valeur « neuf » inconnue (attendu : " \
	"subscriber_2023, former_operator, new)\n" \
	"contracts.csv;4;service_postcode;code postal invalide « 5900 » " \
	"(5 chiffres)\n" \
	"contracts.csv;4;start_date;date impossible 2024-02-30\n" \
	"contracts.csv;4;paperless;0 ou 1 attendu, pas « 2 »\n" \
	"contracts.csv;4;customer_ref;client C0000009 inconnu\n" \
	"contracts.csv;5;end_date;date de fin 2023-12-31 antérieure à " \
	"start_date 2024-01-01\n" \
	"contracts.csv;5;old_number;ancien numéro 1234567A déjà attribué " \
	"au contrat 1000000001\n" \
	"contracts.csv;6;;ligne en double (déjà vue ligne 2)\n" \
	"contracts.csv;7;service_address;caractère de contrôle interdit " \
	"(0x09)\n"

static void
mixed_rejections(struct fixture *f, int mode)
{
	struct rb_import_result res;
	char in[300], report[300], *got;

	bulk_mode = mode;
	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	write_file(in, "customers.csv", CUSTOMERS);
	write_file(in, "contracts.csv", MIXED_CONTRACTS);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	assert_string_equal(got, MIXED_REASONS);
	free(got);
	assert_int_equal(res.ir_total.ic_rows, 7);
	assert_int_equal(res.ir_total.ic_inserted, 1);
	assert_int_equal(res.ir_total.ic_rejected, 5);
	/* customers.csv only, by copy when asked. */
	assert_int_equal(res.ir_copied, mode == 1 || (mode == 0 &&
	    is_pg(f->db)) ? 1 : 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM contracts"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM customers"), 1);
}

static void
test_mixed_rejections_bulk(void **state)
{
	mixed_rejections(*state, 1);
}

static void
test_mixed_rejections_row_by_row(void **state)
{
	mixed_rejections(*state, -1);
}

static void
test_mixed_rejections_engine_choice(void **state)
{
	mixed_rejections(*state, 0);
}

/*
 * A large file goes by copy, whole; the same file with one malformed
 * row in its middle (a field too many) and one bad value near its end
 * is rolled back, both reported, every row counted: the copy did not
 * end the file at the first problem.
 */
#define NBIG	20000
static void
test_large_file_by_copy_and_malformed_row(void **state)
{
	struct fixture *f = *state;
	struct rb_import_result res;
	char in[300], report[300], *text, *got, want[512];
	size_t cap = 4 << 20, len;
	int i;

	bulk_mode = 1;
	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	text = malloc(cap);
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "ref;last_name;first_name;"
	    "address_line1;postcode;commune\n");
	for (i = 0; i < NBIG; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "C%07d;\"O'Brien; \"\"le Grand\"\"\";Zoë\\%d;%d rue"
		    " \\N;59000;Lille\n", i, i, i);
	write_file(in, "customers.csv", text);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	assert_int_equal(res.ir_copied, NBIG);
	assert_int_equal(res.ir_total.ic_inserted, NBIG);
	assert_int_equal(count(f->db, "SELECT count(*) FROM customers"
	    " WHERE last_name = 'O''Brien; \"le Grand\"'"), NBIG);
	assert_int_equal(count(f->db, "SELECT count(*) FROM customers"
	    " WHERE first_name = 'Zoë\\19999'"
	    " AND address_line1 = '19999 rue \\N'"), 1);

	/* Into an empty table again, with two faults. */
	assert_int_equal(rb_db_exec(f->db, "DELETE FROM customers"), 0);
	len = (size_t)snprintf(text, cap, "ref;last_name;first_name;"
	    "address_line1;postcode;commune\n");
	for (i = 0; i < NBIG; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    i == NBIG / 2 ? "C%07d;Martin;Léa;%d rue;59000;Lille;x\n" :
		    i == NBIG - 3 ? "C%07d;;Léa;%d rue;59000;Lille\n" :
		    "C%07d;Martin;Léa;%d rue;59000;Lille\n", i, i);
	write_file(in, "customers.csv", text);
	free(text);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	assert_int_equal(res.ir_copied, 0);
	assert_int_equal(res.ir_total.ic_rows, NBIG);
	assert_int_equal(res.ir_total.ic_rejected, 2);
	got = rejections(report);
	snprintf(want, sizeof(want), "file;line;column;reason\n"
	    "customers.csv;%d;;\"7 champs au lieu de 6 (séparateur « ; »)\"\n"
	    "customers.csv;%d;last_name;nom manquant\n", NBIG / 2 + 2,
	    NBIG - 3 + 2);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(count(f->db, "SELECT count(*) FROM customers"), 0);
}

/*
 * Rows every check of the import lets through but the database refuses
 * (one active mandate per contract): the copy fails whole (on
 * PostgreSQL, the building of that unique index after it), the file
 * goes again row by row and reports the refused row on its line, as the
 * row-by-row path does; the schema is as before.
 */
static void
test_bulk_copy_refused_by_database(void **state)
{
	struct fixture *f = *state;
	struct rb_import_result res;
	char in[300], report[300], *got, *before, *after;

	bulk_mode = 1;
	before = test_db_schema(f->db);
	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	write_file(in, "customers.csv", CUSTOMERS);
	write_file(in, "contracts.csv", CONTRACTS);
	write_file(in, "sepa_mandates.csv",
	    "rum;contract_number;holder;iban;signed_on;status\n"
	    "RUM-A;1000000001;LEFEBVRE;" IBAN ";2024-03-15;active\n"
	    "RUM-B;1000000001;LEFEBVRE;" IBAN ";2024-03-16;active\n"
	    "RUM-C;1000000002;LEFEBVRE;" IBAN ";2024-03-17;active\n");
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	assert_string_equal(got, "file;line;column;reason\n"
	    "sepa_mandates.csv;3;;ligne refusée par la base de données "
	    "(contrainte d'unicité ou de cohérence)\n");
	free(got);
	assert_int_equal(res.ir_copied, 3);	/* customers and contracts */
	assert_int_equal(res.ir_total.ic_rejected, 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM sepa_mandates"),
	    0);
	/* The unique index it broke was dropped for the copy: back. */
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

static void
row_strdup(rb_stmt *st, void *arg)
{
	const char *t = rb_stmt_text(st, 0);

	*(char **)arg = strdup(t != NULL ? t : "");
}

/* The oids of the indexes of the imported tables but their primary
   keys' (PostgreSQL), as "oid,oid,...": partial 0, those that are not
   partial or are unique; partial 1, the partial ones that are not
   unique. Free it. */
static char *
index_oids(rb_db *db, int partial)
{
	char *oids = NULL;

	assert_int_equal(rb_db_fetch_one(db, "SELECT coalesce(string_agg("
	    "indexrelid::text, ','), '') FROM pg_index WHERE NOT indisprimary"
	    " AND (indpred IS NOT NULL AND NOT indisunique) = ($1 = 1)"
	    " AND indrelid::regclass::text IN ('tariffs', 'customers',"
	    " 'contracts', 'meters', 'meter_readings', 'invoices',"
	    " 'invoice_lines', 'sepa_mandates', 'legacy_credentials')",
	    RB_BINDS(rb_int(partial)), row_strdup, &oids), 0);
	assert_non_null(oids);
	return oids;
}

static int64_t
commas(const char *s)
{
	int64_t n = 0;

	while ((s = strchr(s, ',')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* How many of the indexes oids ("oid,oid,...") are there. */
static int64_t
indexes_left(rb_db *db, const char *oids)
{
	int64_t left = -1;

	assert_int_equal(rb_db_fetch_one(db, "SELECT count(*) FROM pg_index"
	    " WHERE indexrelid::text = ANY (string_to_array($1, ','))",
	    RB_BINDS(rb_text(oids)), rb_row_int, &left), 0);
	return left;
}

/*
 * Every file of the example folder by bulk copy into its empty table:
 * afterwards every index, constraint and trigger of the schema is there
 * with the same name and definition; on PostgreSQL each index of those
 * tables (but the primary keys) is a new one, built after the copy
 * instead of kept up row by row, except the partial ones that are not
 * unique (invoices_open, invoices_print...), kept up row by row: the
 * same ones as before.
 */
static void
test_bulk_copy_builds_the_same_schema(void **state)
{
	struct fixture *f = *state;
	char *before = test_db_schema(f->db), *after, *oids = NULL;
	char *kept = NULL;
	int64_t copied = -1;

	if (is_pg(f->db)) {
		oids = index_oids(f->db, 0);
		assert_non_null(strchr(oids, ','));
		kept = index_oids(f->db, 1);
		assert_non_null(strchr(kept, ','));
	}
	bulk_mode = 1;
	example_folder(f, &copied);
	assert_true(copied > 50);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	if (oids != NULL) {
		assert_int_equal(indexes_left(f->db, oids), 0);
		assert_int_equal(indexes_left(f->db, kept), 1 + commas(kept));
	}
	free(before);
	free(after);
	free(oids);
	free(kept);
}

/*
 * A foreign key the import knows nothing of (added here: a customer's
 * commune must be a known one): the bulk copy goes in, the key built
 * again after it refuses the file, which goes again row by row and
 * reports the line that breaks it, as when the key was checked row by
 * row; nothing stays in the table and the schema, that key included,
 * is as before. Then a clean file goes in by copy with the key back.
 * PostgreSQL only: SQLite cannot add a key to a table, and fills
 * nothing (test_bulk_copy_refused_by_database covers it there).
 */
static void
test_bulk_copy_refused_by_a_key_built_after_it(void **state)
{
	struct fixture *f = *state;
	struct rb_import_result res;
	char in[300], report[300], *got, *before, *after;

	if (!is_pg(f->db))
		return;
	bulk_mode = 1;
	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	assert_int_equal(rb_db_exec(f->db, "CREATE TABLE test_communes"
	    " (name TEXT PRIMARY KEY); INSERT INTO test_communes"
	    " VALUES ('Lille'), ('Roubaix');"
	    " ALTER TABLE customers ADD CONSTRAINT customers_commune_fk"
	    " FOREIGN KEY (commune) REFERENCES test_communes (name)"), 0);
	before = test_db_schema(f->db);
	assert_non_null(strstr(before, "customers_commune_fk FOREIGN "
	    "KEY (commune) REFERENCES test_communes(name)"));
	write_file(in, "customers.csv",
	    "ref;last_name;address_line1;postcode;commune\n"
	    "C0000001;Lefebvre;12 rue Nationale;59000;Lille\n"
	    "C0000002;Martin;3 rue Neuve;59100;Roubaix\n"
	    "C0000003;Durand;1 place Verte;59200;Tourcoing\n"
	    "C0000004;Petit;8 rue Haute;59000;Lille\n");
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	assert_string_equal(got, "file;line;column;reason\n"
	    "customers.csv;4;;ligne refusée par la base de données "
	    "(contrainte d'unicité ou de cohérence)\n");
	free(got);
	assert_int_equal(res.ir_copied, 0);
	assert_int_equal(res.ir_total.ic_rows, 4);
	assert_int_equal(res.ir_total.ic_rejected, 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM customers"), 0);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(after);

	assert_int_equal(rb_db_exec(f->db, "INSERT INTO test_communes"
	    " VALUES ('Tourcoing')"), 0);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	assert_int_equal(res.ir_copied, 4);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(before);
	free(after);
	assert_int_equal(rb_db_run(f->db, "DELETE FROM test_communes WHERE"
	    " name = 'Tourcoing'", NULL, 0, NULL), RB_CONSTRAINT);
}

/*
 * A key given twice in an otherwise clean file on the bulk path: no map
 * of the file's keys looks for it, the unique index on the key refuses
 * it (on PostgreSQL when built again after the copy), and the row-by-row
 * path reports the repeat on its line, as ever. Large enough for several
 * copy buffers.
 */
static void
test_bulk_copy_repeated_key_found_by_the_index(void **state)
{
	struct fixture *f = *state;
	struct rb_import_result res;
	char in[300], report[300], *text, *got, want[256];
	size_t cap = 1 << 20, len;
	int i;

	bulk_mode = 1;
	snprintf(in, sizeof(in), "%s/in", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	text = malloc(cap);
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "ref;last_name;address_line1;"
	    "postcode;commune\n");
	for (i = 0; i < 5000; i++)
		len += (size_t)snprintf(text + len, cap - len, "C%07d;Martin;"
		    "%d rue;59000;Lille\n", i == 4321 ? 17 : i, i);
	write_file(in, "customers.csv", text);
	free(text);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	snprintf(want, sizeof(want), "file;line;column;reason\n"
	    "customers.csv;%d;;ligne en double (déjà vue ligne %d)\n",
	    4321 + 2, 17 + 2);
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(res.ir_copied, 0);
	assert_int_equal(res.ir_total.ic_rejected, 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM customers"), 0);
}

#define LINE_1 "E230012345;1;distribution;DIST_ABO;Abonnement;;;183;day;" \
	"372000;1865;550;103\n"
#define LINE_2 "E230012345;2;distribution;DIST_CONSO;Consommation d'eau " \
	"potable;;;34770;litre;12900;4485;550;247\n"
#define LINE_3 "E230012345;3;sewage;ASS_ABO;Abonnement assainissement;;;" \
	"183;day;252000;1263;1000;126\n"
#define LINES_HEAD "invoice_number;position;heading;tariff_code;label;" \
	"period_start;period_end;quantity;quantity_unit;unit_price_c100;" \
	"amount_excl_tax_cents;vat_rate_bp;vat_cents\n"

/*
 * Invoice lines keyed by (invoice_id, position) (schema 29, no id of
 * their own), their foreign key to invoices given back NOT VALID by the
 * bulk copy on PostgreSQL (the import checked each reference): the key
 * still refuses a later write to a bill that does not exist, and a
 * second line at a position; a file giving a line twice, or a line of
 * an unknown bill, is still rejected line by line with its French
 * reason, by copy or row by row; a clean file imported again leaves
 * every line unchanged (no line taken for another of the same bill).
 */
static void
lines_by_their_key(struct fixture *f, int mode)
{
	struct rb_import_result res;
	char in[300], report[300], *got, want[512];
	int64_t copied = -1;

	bulk_mode = 1;
	example_folder(f, &copied);
	if (is_pg(f->db))
		assert_int_equal(count(f->db, "SELECT count(*) FROM"
		    " pg_constraint WHERE conrelid = 'invoice_lines'::regclass"
		    " AND contype = 'f' AND NOT convalidated"
		    " AND confrelid = 'invoices'::regclass"), 1);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO invoice_lines"
	    " (invoice_id, position, heading, label, quantity, quantity_unit,"
	    " unit_price_c100, amount_excl_tax_cents, vat_rate_bp, vat_cents)"
	    " SELECT max(id) + 1000, 1, 'sewage', 'x', 1, 'day', 1, 1, 0, 0"
	    " FROM invoices", NULL, 0, NULL), RB_CONSTRAINT);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO invoice_lines"
	    " (invoice_id, position, heading, label, quantity, quantity_unit,"
	    " unit_price_c100, amount_excl_tax_cents, vat_rate_bp, vat_cents)"
	    " SELECT invoice_id, position, 'sewage', 'x', 1, 'day', 1, 1, 0, 0"
	    " FROM invoice_lines LIMIT 1", NULL, 0, NULL), RB_CONSTRAINT);

	/* The lines again, into an empty table. */
	assert_int_equal(rb_db_run(f->db, "DELETE FROM invoice_lines", NULL,
	    0, NULL), 0);
	bulk_mode = mode;
	snprintf(in, sizeof(in), "%s/lines", f->dir);
	snprintf(report, sizeof(report), "%s/report.csv", f->dir);
	assert_int_equal(mkdir(in, 0700), 0);
	write_file(in, "invoice_lines.csv", LINES_HEAD LINE_1 LINE_2 LINE_1
	    "E999999999;1;distribution;DIST_ABO;Abonnement;;;183;day;"
	    "372000;1865;550;103\n");
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_REJECTED);
	got = rejections(report);
	snprintf(want, sizeof(want), "file;line;column;reason\n"
	    "invoice_lines.csv;4;;ligne en double (déjà vue ligne 2)\n"
	    "invoice_lines.csv;5;invoice_number;facture E999999999 "
	    "inconnue\n");
	assert_string_equal(got, want);
	free(got);
	assert_int_equal(res.ir_copied, 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM invoice_lines"),
	    0);

	write_file(in, "invoice_lines.csv", LINES_HEAD LINE_1 LINE_2 LINE_3);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	assert_int_equal(res.ir_copied, mode == 1 || (mode == 0 &&
	    is_pg(f->db)) ? 3 : 0);
	assert_int_equal(res.ir_total.ic_inserted, 3);
	assert_int_equal(run(f, in, report, &res), RB_IMPORT_OK);
	assert_int_equal(res.ir_total.ic_unchanged, 3);
	assert_int_equal(res.ir_total.ic_rejected, 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM invoice_lines"),
	    3);
}

static void
test_lines_by_their_key_bulk(void **state)
{
	lines_by_their_key(*state, 1);
}

static void
test_lines_by_their_key_row_by_row(void **state)
{
	lines_by_their_key(*state, -1);
}

/*
 * The CHECK constraints of the tables whose bulk copy sets them aside
 * (store/import_store.c, fill_verified: the import's own checks of
 * every row imply each of them): pinned. A CHECK added to, or changed
 * on, one of these tables fails here until the import checks it too
 * and this list says so; the example folder then goes by bulk copy
 * and every one of them is back, NOT VALID. PostgreSQL only (SQLite
 * fills nothing): chosen in main().
 */
static void
test_bulk_copy_checks_set_aside_are_the_imports(void **state)
{
	struct fixture *f = *state;
	static const char pinned[] =
	    "invoice_lines heading_check CHECK ((heading = ANY"
	    " (ARRAY['distribution'::text, 'sewage'::text,"
	    " 'public_bodies'::text])))\n"
	    "invoice_lines quantity_unit_check CHECK ((quantity_unit = ANY"
	    " (ARRAY['litre'::text, 'day'::text])))\n"
	    "invoice_lines vat_rate_bp_check CHECK (((vat_rate_bp >= 0) AND"
	    " (vat_rate_bp <= 10000)))\n"
	    "invoices archived_check CHECK ((archived = ANY (ARRAY[0, 1])))\n"
	    "invoices check CHECK ((total_cents = (amount_excl_tax_cents +"
	    " vat_cents)))\n"
	    "invoices due_on_check CHECK ((due_on ~~ '____-__-__'::text))\n"
	    "invoices issued_on_check CHECK ((issued_on ~~"
	    " '____-__-__'::text))\n"
	    "invoices new_read_kind_check CHECK ((new_read_kind = ANY"
	    " (ARRAY['actual'::text, 'estimated'::text])))\n"
	    "invoices old_read_kind_check CHECK ((old_read_kind = ANY"
	    " (ARRAY['actual'::text, 'estimated'::text])))\n"
	    "invoices period_end_check CHECK ((period_end ~~"
	    " '____-__-__'::text))\n"
	    "invoices period_start_check CHECK ((period_start ~~"
	    " '____-__-__'::text))\n"
	    "invoices print_requested_check CHECK ((print_requested = ANY"
	    " (ARRAY[0, 1])))\n"
	    "invoices status_check CHECK ((status = ANY (ARRAY['to_pay'::text,"
	    " 'paid'::text, 'direct_debit'::text, 'overdue'::text,"
	    " 'cancelled'::text])))\n"
	    "meter_readings index_litres_check CHECK ((index_litres >= 0))\n"
	    "meter_readings source_check CHECK ((source = ANY"
	    " (ARRAY['actual'::text, 'estimated'::text, 'customer'::text,"
	    " 'remote'::text])))\n";
	static const char sql[] =
	    "SELECT coalesce(string_agg(conrelid::regclass::text || ' ' ||"
	    " substr(conname, length(conrelid::regclass::text) + 2) || ' ' ||"
	    " regexp_replace(pg_get_constraintdef(oid), ' NOT VALID$', '')"
	    " || chr(10), '' ORDER BY conrelid::regclass::text COLLATE \"C\","
	    " conname COLLATE \"C\"), '') FROM pg_constraint"
	    " WHERE contype = 'c' AND conrelid::regclass::text IN"
	    " ('meter_readings', 'invoices', 'invoice_lines')"
	    " AND convalidated = ($1 = 1)";
	char *got = NULL;
	int64_t copied = -1;

	assert_int_equal(rb_db_fetch_one(f->db, sql, RB_BINDS(rb_int(1)),
	    row_strdup, &got), 0);
	assert_string_equal(got, pinned);
	free(got);
	bulk_mode = 1;
	example_folder(f, &copied);
	assert_true(copied > 50);
	got = NULL;
	assert_int_equal(rb_db_fetch_one(f->db, sql, RB_BINDS(rb_int(0)),
	    row_strdup, &got), 0);
	assert_string_equal(got, pinned);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_constraint_mid_file_keeps_rows_before_and_after, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_refusals_in_one_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_example_folder_gives_the_same_database, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_example_folder_by_bulk_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_example_folder_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_rejections_bulk,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mixed_rejections_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mixed_rejections_engine_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_large_file_by_copy_and_malformed_row, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_copy_refused_by_database, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_copy_builds_the_same_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_copy_refused_by_a_key_built_after_it, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lines_by_their_key_bulk,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lines_by_their_key_row_by_row, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_copy_repeated_key_found_by_the_index, setup,
		    teardown),
	};
	const struct CMUnitTest pg_only[] = {
		cmocka_unit_test_setup_teardown(
		    test_bulk_copy_checks_set_aside_are_the_imports, setup,
		    teardown),
	};
	char url[4096];
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (test_db_server_url(url, sizeof(url)))
		rc += cmocka_run_group_tests_name("PostgreSQL", pg_only, NULL,
		    NULL);
	return rc;
}
