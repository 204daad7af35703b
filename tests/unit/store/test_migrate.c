/*
 * test_migrate.c: schema migrations (built-in and custom lists), the
 * status check serve relies on, and the main constraints of schema v1.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/migrate.h"

/* The built-in table, generated from src/store/migrations/. */
extern const struct rb_embedded rb_migrations_embedded[];

#define MG(name, sql)	{ name, sql, sizeof(sql) - 1 }
#define MG_END		{ NULL, NULL, 0 }

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char url[320], err[256];

	test_mkdtemp(f->dir, sizeof(f->dir));
	test_db_url(url, sizeof(url), f->dir, "m.db");
	if (rb_db_open(url, &f->db, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rb_db_close(f->db);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* Returns 1 if table exists in db, 0 if not. */
static int
has_table(rb_db *db, const char *table)
{
	rb_stmt *st = rb_db_prepare(db,
	    "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	    "AND name = $1");
	int64_t n;

	assert_non_null(st);
	rb_stmt_bind_text(st, 1, table, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return n > 0;
}

/* Runs sql (no parameters) and returns its step result. */
static int
run(rb_db *db, const char *sql)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int rc;

	assert_non_null(st);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc;
}

/* The number of distinct versions among the built-in files. */
static int
embedded_versions(void)
{
	const struct rb_embedded *e;
	int n = 0, last = -1, v;

	for (e = rb_migrations_embedded; e->emb_name != NULL; e++) {
		v = atoi(e->emb_name);
		if (v != last)
			n++;
		last = v;
	}
	return n;
}

static void
fresh_database_reaches_latest(void **state)
{
	struct fixture *f = *state;
	int applied = -1, current = -1, latest = -1;
	rb_stmt *st;

	assert_int_equal(rb_migrate_status(f->db, &current, &latest), 0);
	assert_int_equal(current, 0);
	assert_true(latest >= 1);
	assert_int_equal(rb_migrate(f->db, &applied), 0);
	/* Every version once (numbers may skip: parts of one issue
	   reserve theirs). */
	assert_int_equal(applied, embedded_versions());
	assert_int_equal(rb_migrate_status(f->db, &current, &latest), 0);
	assert_int_equal(current, latest);

	st = rb_db_prepare(f->db, "SELECT name, applied_at FROM "
	    "schema_migrations WHERE version = 1");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_string_equal(rb_stmt_text(st, 0), "schema");
	assert_true(rb_stmt_int(st, 1) > 1700000000);
	rb_stmt_reset(st);

	/* Second run: nothing to do, nothing changes. */
	assert_int_equal(rb_migrate(f->db, &applied), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(rb_migrate_status(f->db, &current, &latest), 0);
	assert_int_equal(current, latest);
}

static const struct rb_embedded list_v2[] = {
	MG("0001_first.sql", "CREATE TABLE a (x INTEGER);"),
	MG("0002_second.sql", "CREATE TABLE b (x INTEGER);"),
	MG_END
};
static const struct rb_embedded list_v3[] = {
	MG("0001_first.sql", "CREATE TABLE a (x INTEGER);"),
	MG("0002_second.sql", "CREATE TABLE b (x INTEGER);"),
	MG("0003_third.sql", "CREATE TABLE c (x INTEGER);"),
	MG_END
};
static const struct rb_embedded list_1_3[] = {
	MG("0003_third.sql", "CREATE TABLE c (x INTEGER);"),
	MG("0001_first.sql", "CREATE TABLE a (x INTEGER);"),
	MG_END
};

static void
status_reports_an_outdated_database(void **state)
{
	struct fixture *f = *state;
	int applied, current, latest;

	assert_int_equal(rb_migrate_list(f->db, list_v2, &applied), 0);
	assert_int_equal(applied, 2);
	assert_int_equal(rb_migrate_list_status(f->db, list_v3, &current,
	    &latest), 0);
	assert_int_equal(current, 2);
	assert_int_equal(latest, 3);
	assert_int_equal(rb_migrate_list(f->db, list_v3, &applied), 0);
	assert_int_equal(applied, 1);
	assert_true(has_table(f->db, "c"));
	assert_int_equal(rb_migrate_list_status(f->db, list_v3, &current,
	    &latest), 0);
	assert_int_equal(current, 3);
	assert_int_equal(latest, 3);
	/* A newer database than the binary: current above latest. */
	assert_int_equal(rb_migrate_list_status(f->db, list_v2, &current,
	    &latest), 0);
	assert_int_equal(current, 3);
	assert_int_equal(latest, 2);
}

static void
status_sees_a_missing_version_in_the_middle(void **state)
{
	struct fixture *f = *state;
	int applied, current, latest;

	/* Unsorted input is applied in version order. */
	assert_int_equal(rb_migrate_list(f->db, list_1_3, &applied), 0);
	assert_int_equal(applied, 2);
	assert_int_equal(rb_migrate_list_status(f->db, list_v3, &current,
	    &latest), 0);
	assert_int_equal(current, 1);
	assert_int_equal(latest, 3);
	/* Migrating fills the hole. */
	assert_int_equal(rb_migrate_list(f->db, list_v3, &applied), 0);
	assert_int_equal(applied, 1);
	assert_true(has_table(f->db, "b"));
	assert_int_equal(rb_migrate_list_status(f->db, list_v3, &current,
	    &latest), 0);
	assert_int_equal(current, 3);
}

static const struct rb_embedded list_failing[] = {
	MG("0001_first.sql", "CREATE TABLE a (x INTEGER);"),
	MG("0002_broken.sql", "CREATE TABLE b (x INTEGER);\n"
	    "INSERT INTO a (x) VALUES (1);\n"
	    "INSERT INTO nosuch (x) VALUES (1);"),
	MG("0003_third.sql", "CREATE TABLE c (x INTEGER);"),
	MG_END
};

static void
failing_migration_rolls_back(void **state)
{
	struct fixture *f = *state;
	int applied = -1, current, latest;

	assert_int_equal(rb_migrate_list(f->db, list_failing, &applied), -1);
	assert_int_equal(applied, 1);
	assert_true(has_table(f->db, "a"));
	assert_false(has_table(f->db, "b"));	/* DDL rolled back too */
	assert_false(has_table(f->db, "c"));	/* never tried */
	assert_int_equal(run(f->db, "SELECT x FROM a"), RB_DONE); /* no row */
	assert_false(rb_db_in_transaction(f->db));
	assert_int_equal(rb_migrate_list_status(f->db, list_failing,
	    &current, &latest), 0);
	assert_int_equal(current, 1);
	assert_int_equal(latest, 3);
	/* The fixed list then applies the rest. */
	assert_int_equal(rb_migrate_list(f->db, list_v3, &applied), 0);
	assert_int_equal(applied, 2);
}

static const struct rb_embedded list_engines[] = {
	MG("0001_common.sql", "CREATE TABLE a (x INTEGER);"),
	MG("0002_split.pg.sql", "CREATE TABLE pg_only (x INTEGER);"),
	MG("0002_split.sql", "CREATE TABLE common_2 (x INTEGER);"),
	MG("0003_mine.sql", "CREATE TABLE common_3 (x INTEGER);"),
	MG("0003_mine.sqlite.sql", "CREATE TABLE lite_3 (x INTEGER);"),
	MG_END
};

static void
engine_files_win_over_common_ones(void **state)
{
	struct fixture *f = *state;
	int applied, current, latest;

	assert_int_equal(rb_migrate_list(f->db, list_engines, &applied), 0);
	assert_int_equal(applied, 3);
	assert_true(has_table(f->db, "common_2"));
	assert_false(has_table(f->db, "pg_only"));
	assert_true(has_table(f->db, "lite_3"));
	assert_false(has_table(f->db, "common_3"));
	assert_int_equal(rb_migrate_list_status(f->db, list_engines,
	    &current, &latest), 0);
	assert_int_equal(current, 3);
}

static const struct rb_embedded list_pg_only[] = {
	MG("0001_common.sql", "CREATE TABLE a (x INTEGER);"),
	MG("0002_pg.pg.sql", "CREATE TABLE b (x INTEGER);"),
	MG_END
};
static const struct rb_embedded list_bad_name[] = {
	MG("first.sql", "CREATE TABLE a (x INTEGER);"),
	MG_END
};
static const struct rb_embedded list_duplicate[] = {
	MG("0001_a.sql", "CREATE TABLE a (x INTEGER);"),
	MG("0001_b.sql", "CREATE TABLE b (x INTEGER);"),
	MG_END
};
static const struct rb_embedded list_bad_engine[] = {
	MG("0001_a.mysql.sql", "CREATE TABLE a (x INTEGER);"),
	MG_END
};

static void
bad_lists_are_refused_before_anything_runs(void **state)
{
	struct fixture *f = *state;
	const struct rb_embedded *lists[] = {
		list_pg_only, list_bad_name, list_duplicate, list_bad_engine,
	};
	int applied, current, latest;
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		assert_int_equal(rb_migrate_list(f->db, lists[i], &applied),
		    -1);
		assert_int_equal(applied, 0);
		assert_int_equal(rb_migrate_list_status(f->db, lists[i],
		    &current, &latest), -1);
	}
	assert_false(has_table(f->db, "a"));
}

/* Every file of src/store/migrations/ is listed in its meson.build. */
static void
every_migration_file_is_built_in(void **state)
{
	const char *src = getenv("ROBINET_SRCDIR");
	const struct rb_embedded *e;
	struct dirent *de;
	char path[512];
	size_t n, files = 0, found;
	DIR *dir;

	(void)state;
	snprintf(path, sizeof(path), "%s/src/store/migrations",
	    src != NULL ? src : ROBINET_SRCDIR);
	dir = opendir(path);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 4, ".sql") != 0)
			continue;
		files++;
		found = 0;
		for (e = rb_migrations_embedded; e->emb_name != NULL; e++)
			if (strcmp(e->emb_name, de->d_name) == 0)
				found = 1;
		if (!found)
			fprintf(stderr, "%s is not in src/store/meson.build\n",
			    de->d_name);
		assert_true(found);
	}
	closedir(dir);
	for (n = 0; rb_migrations_embedded[n].emb_name != NULL; n++)
		assert_int_equal(strlen(rb_migrations_embedded[n].emb_data),
		    rb_migrations_embedded[n].emb_len);
	assert_int_equal(n, files);
}

/* Schema v1 on SQLite: tables, ids, constraints. */

static void
schema_v1_tables_and_constraints(void **state)
{
	struct fixture *f = *state;
	const char *tables[] = {
		"customers", "contracts", "meters", "meter_readings",
		"tariffs", "invoices", "invoice_lines", "payments",
		"sepa_mandates", "web_accounts", "account_contracts",
		"legacy_credentials", "tokens", "sessions", "mail_outbox",
		"contact_requests", "news", "audit_log", "rate_limits",
	};
	size_t i;
	rb_stmt *st;

	assert_int_equal(rb_migrate(f->db, NULL), 0);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		assert_true(has_table(f->db, tables[i]));

	st = rb_db_prepare(f->db, "INSERT INTO customers (last_name, "
	    "address_line1, postcode, commune) VALUES ('Martin', "
	    "'1 rue Nationale', '59000', 'Lille') RETURNING id");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 1);
	rb_stmt_reset(st);
	/* Identity ids are rowid aliases. */
	st = rb_db_prepare(f->db, "SELECT count(*) FROM customers "
	    "WHERE id = rowid");
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	assert_int_equal(rb_stmt_int(st, 0), 1);
	rb_stmt_reset(st);

	assert_int_equal(run(f->db, "INSERT INTO contracts (number, origin, "
	    "customer_id, service_address, service_postcode, service_commune,"
	    " start_date) VALUES ('1000000001', 'new', 1, 'a', '59000', "
	    "'Lille', '2024-01-01')"), RB_DONE);
	/* A closed set refuses other values. */
	assert_int_equal(run(f->db, "INSERT INTO contracts (number, origin, "
	    "customer_id, service_address, service_postcode, service_commune,"
	    " start_date) VALUES ('1000000002', 'other', 1, 'a', '59000', "
	    "'Lille', '2024-01-01')"), RB_CONSTRAINT);
	/* Contract numbers are unique and ten characters long. */
	assert_int_equal(run(f->db, "INSERT INTO contracts (number, origin, "
	    "customer_id, service_address, service_postcode, service_commune,"
	    " start_date) VALUES ('1000000001', 'new', 1, 'a', '59000', "
	    "'Lille', '2024-01-01')"), RB_CONSTRAINT);
	assert_int_equal(run(f->db, "INSERT INTO contracts (number, origin, "
	    "customer_id, service_address, service_postcode, service_commune,"
	    " start_date) VALUES ('123', 'new', 1, 'a', '59000', "
	    "'Lille', '2024-01-01')"), RB_CONSTRAINT);
	/* References are checked. */
	assert_int_equal(run(f->db, "INSERT INTO contracts (number, origin, "
	    "customer_id, service_address, service_postcode, service_commune,"
	    " start_date) VALUES ('1000000003', 'new', 99, 'a', '59000', "
	    "'Lille', '2024-01-01')"), RB_CONSTRAINT);
	/* Dates must look like dates. */
	assert_int_equal(run(f->db, "INSERT INTO contracts (number, origin, "
	    "customer_id, service_address, service_postcode, service_commune,"
	    " start_date) VALUES ('1000000004', 'new', 1, 'a', '59000', "
	    "'Lille', '1/1/2024')"), RB_CONSTRAINT);
	/* A total must be the sum of its parts. */
	assert_int_equal(run(f->db, "INSERT INTO invoices (number, "
	    "contract_id, contract_number, period_start, period_end, "
	    "amount_excl_tax_cents, vat_cents, total_cents, issued_on, "
	    "due_on, status) VALUES ('FA2024-000001', 1, '1000000001', "
	    "'2024-01-01', '2024-06-30', 1000, 55, 1056, '2024-07-01', "
	    "'2024-07-21', 'to_pay')"), RB_CONSTRAINT);
	assert_int_equal(run(f->db, "INSERT INTO invoices (number, "
	    "contract_id, contract_number, period_start, period_end, "
	    "amount_excl_tax_cents, vat_cents, total_cents, issued_on, "
	    "due_on, status) VALUES ('FA2024-000001', 1, '1000000001', "
	    "'2024-01-01', '2024-06-30', 1000, 55, 1055, '2024-07-01', "
	    "'2024-07-21', 'to_pay')"), RB_DONE);
	/* Emails are unique in their normalised form. */
	assert_int_equal(run(f->db, "INSERT INTO web_accounts (email, "
	    "email_norm, last_name, status, created_at) VALUES "
	    "('A@x.test', 'a@x.test', 'A', 'active', 1)"), RB_DONE);
	assert_int_equal(run(f->db, "INSERT INTO web_accounts (email, "
	    "email_norm, last_name, status, created_at) VALUES "
	    "('a@X.test', 'a@x.test', 'A', 'active', 1)"), RB_CONSTRAINT);
	/* An event needs its dates in order. */
	assert_int_equal(run(f->db, "INSERT INTO news (slug, title, summary, "
	    "body_md, kind, event_start, event_end) VALUES ('e', 't', 's', "
	    "'b', 'event', '2024-12-13', '2024-12-03')"), RB_CONSTRAINT);
	/* Rate limit counters upsert in one statement on both engines. */
	for (i = 0; i < 3; i++) {
		st = rb_db_prepare(f->db, "INSERT INTO rate_limits (bucket, "
		    "window_start, count) VALUES ($1, $2, 1) ON CONFLICT "
		    "(bucket, window_start) DO UPDATE SET count = "
		    "rate_limits.count + 1 RETURNING count");
		rb_stmt_bind_text(st, 1, "login:ip:192.0.2.1", -1);
		rb_stmt_bind_int(st, 2, 1700000000);
		assert_int_equal(rb_stmt_step(st), RB_ROW);
		assert_int_equal(rb_stmt_int(st, 0), (int64_t)i + 1);
		rb_stmt_reset(st);
	}
}


/*
 * Version 8: links that let two accounts see one contract (made before
 * it by "Ajouter un contrat") are cut to one, an active account's and
 * the oldest first; then the database refuses a second link.
 */
static void
v8_keeps_one_account_per_contract(void **state)
{
	struct fixture *f = *state;
	struct rb_embedded before[16];
	size_t n = 0, i;
	int applied;

	for (i = 0; rb_migrations_embedded[i].emb_name != NULL; i++)
		if (strncmp(rb_migrations_embedded[i].emb_name, "0008", 4) < 0)
			before[n++] = rb_migrations_embedded[i];
	assert_true(n > 0 && n < sizeof(before) / sizeof(before[0]));
	memset(&before[n], 0, sizeof(before[n]));
	assert_int_equal(rb_migrate_list(f->db, before, &applied), 0);
	assert_int_equal(run(f->db, "INSERT INTO customers (last_name, "
	    "address_line1, postcode, commune) VALUES ('Martin', "
	    "'1 rue Nationale', '59000', 'Lille')"), RB_DONE);
	for (i = 1; i <= 3; i++) {
		char sql[400];

		snprintf(sql, sizeof(sql), "INSERT INTO contracts (number, "
		    "origin, customer_id, service_address, service_postcode,"
		    " service_commune, start_date) VALUES ('100000000%zu', "
		    "'new', 1, 'a', '59000', 'Lille', '2024-01-01')", i);
		assert_int_equal(run(f->db, sql), RB_DONE);
	}
	/* 1 holder (active, first), 2 intruder (active, later),
	   3 pending (oldest), 4 disabled. */
	assert_int_equal(run(f->db, "INSERT INTO web_accounts (email, "
	    "email_norm, last_name, status, created_at) VALUES "
	    "('h@x.test', 'h@x.test', 'H', 'active', 1),"
	    " ('i@x.test', 'i@x.test', 'I', 'active', 1),"
	    " ('p@x.test', 'p@x.test', 'P', 'pending', 1),"
	    " ('d@x.test', 'd@x.test', 'D', 'disabled', 1)"), RB_DONE);
	assert_int_equal(run(f->db, "INSERT INTO account_contracts "
	    "(account_id, contract_id, added_at) VALUES"
	    /* contract 1: the holder, then the intruder */
	    " (1, 1, 100), (2, 1, 200),"
	    /* contract 2: a pending account before the active one */
	    " (3, 2, 50), (2, 2, 300), (4, 2, 10),"
	    /* contract 3: two non-active accounts at the same instant */
	    " (4, 3, 70), (3, 3, 70)"), RB_DONE);
	assert_int_equal(rb_migrate(f->db, &applied), 0);
	assert_true(applied >= 1);
	assert_int_equal(run(f->db, "SELECT 1 FROM account_contracts "
	    "WHERE contract_id = 1 AND account_id = 1"), RB_ROW);
	assert_int_equal(run(f->db, "SELECT 1 FROM account_contracts "
	    "WHERE contract_id = 2 AND account_id = 2"), RB_ROW);
	assert_int_equal(run(f->db, "SELECT 1 FROM account_contracts "
	    "WHERE contract_id = 3 AND account_id = 3"), RB_ROW);
	assert_int_equal(run(f->db, "SELECT 1 FROM account_contracts "
	    "GROUP BY contract_id HAVING count(*) > 1"), RB_DONE);
	assert_int_equal(run(f->db, "SELECT count(*) FROM account_contracts "
	    "HAVING count(*) = 3"), RB_ROW);
	/* The database itself refuses a second account. */
	assert_int_equal(run(f->db, "INSERT INTO account_contracts "
	    "(account_id, contract_id, added_at) VALUES (2, 1, 400)"),
	    RB_CONSTRAINT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_database_reaches_latest,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    v8_keeps_one_account_per_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    status_reports_an_outdated_database, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    status_sees_a_missing_version_in_the_middle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(failing_migration_rolls_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_files_win_over_common_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    bad_lists_are_refused_before_anything_runs, setup,
		    teardown),
		cmocka_unit_test(every_migration_file_is_built_in),
		cmocka_unit_test_setup_teardown(
		    schema_v1_tables_and_constraints, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
