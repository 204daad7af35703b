/*
 * test_db_copy.c: the bulk copy of db.h (rb_db_copy_*) on the engine of
 * the test database (SQLite file, or RB_TEST_DB's PostgreSQL through
 * tests/pg/cluster.sh): every byte but NUL travels unchanged, NULL and
 * "" stay apart, names are checked, a refused copy leaves no row and
 * maps to RB_CONSTRAINT, and the transaction goes on after a rollback
 * to a savepoint.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

struct fx {
	char	 dir[256];
	rb_db	*db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(test_db_open(f->dir, sizeof(f->dir), "copy.db",
	    &f->db), 0);
	assert_int_equal(rb_db_exec(f->db, "CREATE TABLE copy_t (k BIGINT"
	    " NOT NULL UNIQUE, a TEXT, b BIGINT)"), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	test_db_close(f->dir, f->db);
	free(f);
	return 0;
}

static const char *const cols[] = { "k", "a", "b" };

/* Texts that a naive COPY or CSV writer would break. */
static const char *const texts[] = {
	"plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash",
	"\\N", "\\", "\"quoted\"; semi;colon", "'single'", "é à ç € 😀",
	"", " lead and trail ", "comma,sep", "\\t not a tab", "end\\",
	NULL,
};
#define NTEXTS	(sizeof(texts) / sizeof(texts[0]))

static int64_t
count_rows(rb_db *db)
{
	int64_t n = -1;

	assert_int_equal(rb_db_fetch_one(db, "SELECT count(*) FROM copy_t",
	    NULL, 0, rb_row_int, &n), 0);
	return n;
}

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	char k[24], b[24];
	const char *row[3];
	int64_t rows = -1;
	rb_stmt *st;
	size_t i;

	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", cols, 3), 0);
	for (i = 0; i < NTEXTS; i++) {
		snprintf(k, sizeof(k), "%zu", i);
		snprintf(b, sizeof(b), "%lld", -(long long)i * 1000000007LL);
		row[0] = k;
		row[1] = texts[i];
		row[2] = i % 3 == 0 ? NULL : b;
		assert_int_equal(rb_db_copy_row(f->db, row), 0);
	}
	assert_int_equal(rb_db_copy_end(f->db, &rows), 0);
	assert_int_equal(rows, (int64_t)NTEXTS);
	st = rb_db_prepare(f->db, "SELECT k, a, b FROM copy_t ORDER BY k");
	assert_non_null(st);
	for (i = 0; i < NTEXTS; i++) {
		assert_int_equal(rb_stmt_step(st), RB_ROW);
		assert_int_equal(rb_stmt_int(st, 0), (int64_t)i);
		if (texts[i] == NULL)
			assert_true(rb_stmt_is_null(st, 1));
		else {
			assert_false(rb_stmt_is_null(st, 1));
			assert_string_equal(rb_stmt_text(st, 1), texts[i]);
		}
		if (i % 3 == 0)
			assert_true(rb_stmt_is_null(st, 2));
		else
			assert_int_equal(rb_stmt_int(st, 2),
			    -(int64_t)i * 1000000007LL);
	}
	assert_int_equal(rb_stmt_step(st), RB_DONE);
	rb_stmt_reset(st);
}

static void
test_names_checked(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = { "k", "a; DROP TABLE copy_t" };
	static const char *const quoted[] = { "\"k\"" };

	assert_int_equal(rb_db_copy_begin(f->db, "copy_t; DELETE", cols, 3),
	    -1);
	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", bad, 2), -1);
	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", quoted, 1), -1);
	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", cols, 0), -1);
	assert_int_equal(rb_db_copy_begin(f->db, "Copy_T", cols, 3), -1);
	/* Nothing in progress: row and end refuse. */
	assert_int_equal(rb_db_copy_row(f->db, texts), -1);
	assert_int_equal(rb_db_copy_end(f->db, NULL), -1);
	/* Still usable. */
	assert_int_equal(count_rows(f->db), 0);
}

/* A duplicate key refuses the whole copy: no row stays, RB_CONSTRAINT;
   in a transaction, a rollback to the savepoint lets it go on. */
static void
test_refused_copy(void **state)
{
	struct fx *f = *state;
	const char *row[3] = { NULL, "x", "1" };
	char k[24];
	int i, rc;

	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO copy_t (k, a) VALUES"
	    " (1, 'before')", NULL, 0, NULL), 0);
	assert_int_equal(rb_db_savepoint(f->db), 0);
	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", cols, 3), 0);
	for (i = 2; i < 2000; i++) {
		snprintf(k, sizeof(k), "%d", i == 1000 ? 1 : i);
		row[0] = k;
		/* The engine may only tell at the end. */
		(void)rb_db_copy_row(f->db, row);
	}
	rc = rb_db_copy_end(f->db, NULL);
	assert_int_equal(rc, RB_CONSTRAINT);
	assert_int_equal(rb_db_rollback_to(f->db), 0);
	assert_int_equal(count_rows(f->db), 1);
	/* The transaction goes on. */
	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", cols, 3), 0);
	row[0] = "7";
	assert_int_equal(rb_db_copy_row(f->db, row), 0);
	assert_int_equal(rb_db_copy_end(f->db, NULL), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(count_rows(f->db), 2);
}

/* Many rows (several flushes on PostgreSQL), a NOT NULL refused. */
static void
test_many_rows_and_not_null(void **state)
{
	struct fx *f = *state;
	char k[24], a[64];
	const char *row[3];
	int64_t rows = 0;
	int i;

	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", cols, 3), 0);
	for (i = 0; i < 50000; i++) {
		snprintf(k, sizeof(k), "%d", i);
		snprintf(a, sizeof(a), "row\t%d\\with a long enough text", i);
		row[0] = k;
		row[1] = a;
		row[2] = k;
		assert_int_equal(rb_db_copy_row(f->db, row), 0);
	}
	assert_int_equal(rb_db_copy_end(f->db, &rows), 0);
	assert_int_equal(rows, 50000);
	assert_int_equal(count_rows(f->db), 50000);
	assert_int_equal(rb_db_fetch_one(f->db, "SELECT b FROM copy_t"
	    " WHERE a = $1", RB_BINDS(rb_text("row\t49999\\with a long"
	    " enough text")), rb_row_int, &rows), 0);
	assert_int_equal(rows, 49999);

	assert_int_equal(rb_db_copy_begin(f->db, "copy_t", cols, 3), 0);
	row[0] = NULL;
	row[1] = "no key";
	row[2] = NULL;
	(void)rb_db_copy_row(f->db, row);
	assert_int_equal(rb_db_copy_end(f->db, NULL), RB_CONSTRAINT);
	assert_int_equal(count_rows(f->db), 50000);
}

/* Whether a copy pays: PostgreSQL yes, SQLite (in process) no. */
static void
test_pays(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rb_db_copy_pays(f->db),
	    strcmp(rb_db_engine(f->db), "postgresql") == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_checked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_copy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_rows_and_not_null,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pays, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
