/*
 * test_db_copy.c: the bulk copy of db.h (rb_db_copy_*) on the engine of
 * the test database (SQLite file, or RB_TEST_DB's PostgreSQL through
 * tests/pg/cluster.sh): every byte but NUL travels unchanged, NULL and
 * "" stay apart, names are checked, a refused copy leaves no row and
 * maps to RB_CONSTRAINT, and the transaction goes on after a rollback
 * to a savepoint. A fill (rb_db_fill_begin/end) sets a table's indexes
 * and foreign keys aside on PostgreSQL and builds them again with the
 * same definitions; a row that breaks one is refused at the end, and a
 * rollback (or a commit of a fill not ended) leaves the schema as it
 * was.
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

/* Fills: a parent, and a child with every kind of index and key. */
static const char fill_schema[] =
	"CREATE TABLE fill_p (id BIGINT PRIMARY KEY, name TEXT NOT NULL"
	" UNIQUE);"
	"CREATE TABLE fill_c (id BIGINT PRIMARY KEY,"
	" p BIGINT NOT NULL REFERENCES fill_p (id),"
	" code TEXT NOT NULL, day TEXT CHECK (day LIKE '____-__-__'),"
	" email TEXT, UNIQUE (p, day));"
	"CREATE UNIQUE INDEX fill_c_code ON fill_c (code);"
	"CREATE INDEX fill_c_email ON fill_c (lower(email));"
	"CREATE INDEX fill_c_day ON fill_c (day) WHERE email IS NULL;"
	"CREATE UNIQUE INDEX fill_c_one_blank ON fill_c (code)"
	" WHERE email IS NULL;"
	"CREATE TABLE fill_g (id BIGINT PRIMARY KEY,"
	" c BIGINT REFERENCES fill_c (id));"
	"INSERT INTO fill_p (id, name) VALUES (1, 'un'), (2, 'deux');";
static const char *const fill_cols[] = { "id", "p", "code", "day",
	"email" };

static int
is_pg(rb_db *db)
{
	return strcmp(rb_db_engine(db), "postgresql") == 0;
}

static int64_t
count_of(rb_db *db, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(rb_db_fetch_one(db, sql, NULL, 0, rb_row_int, &n),
	    0);
	return n;
}

/* Copies n rows into fill_c, row bad (0-based, or -1) broken by kind:
   'f' a parent that does not exist, 'u' the code of row 0 again. */
static int
fill_rows(rb_db *db, int n, int bad, char kind)
{
	char id[24], p[24], code[32], day[16];
	const char *row[5];
	int64_t rows = -1;
	int i, rc;

	assert_int_equal(rb_db_copy_begin(db, "fill_c", fill_cols, 5), 0);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%d", i + 1);
		snprintf(p, sizeof(p), "%d", i == bad && kind == 'f' ? 99 :
		    1 + i % 2);
		snprintf(code, sizeof(code), "C%06d", i == bad && kind == 'u' ?
		    0 : i);
		snprintf(day, sizeof(day), "%04d-%02d-%02d", 2000 + i / 336,
		    1 + i / 28 % 12, 1 + i % 28);
		row[0] = id;
		row[1] = p;
		row[2] = code;
		row[3] = i % 5 == 0 ? NULL : day;
		row[4] = i % 3 == 0 ? NULL : "Zoe@Example.org";
		(void)rb_db_copy_row(db, row);
	}
	rc = rb_db_copy_end(db, &rows);
	if (rc == 0)
		assert_int_equal(rows, n);
	return rc;
}

/*
 * A fill into an empty table: while it is open, PostgreSQL has only
 * the primary key, the CHECK and the partial index that is not unique
 * (fill_c_day, kept: a test per row of its few rows costs less than a
 * scan of the table to build it) left on fill_c; at its end every index,
 * unique constraint and foreign key is back with the same name and
 * definition (built anew), the rows are in, and the keys hold again.
 * SQLite: nothing set aside, the same rows.
 */
static void
test_fill_builds_the_same_schema(void **state)
{
	struct fx *f = *state;
	char *before, *during, *after;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	before = test_db_schema(f->db);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin_checked(f->db, "fill_c", "fill_p"),
	    0);
	during = test_db_schema(f->db);
	if (is_pg(f->db)) {
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_index WHERE indrelid = 'fill_c'::regclass"), 2);
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_index WHERE indrelid = 'fill_c'::regclass AND"
		    " (indisprimary OR indexrelid = 'fill_c_day'::regclass)"),
		    2);
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_constraint WHERE conrelid = 'fill_c'::regclass"
		    " AND contype <> 'c'"), 1);	/* the primary key */
		/* fill_g's key to fill_c stays, and so does its target. */
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_constraint WHERE conrelid = 'fill_g'::regclass"
		    " AND contype = 'f'"), 1);
		assert_string_not_equal(during, before);
	} else
		assert_string_equal(during, before);
	assert_int_equal(fill_rows(f->db, 3000, -1, 0), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_c"),
	    3000);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_c"
	    " WHERE lower(email) = 'zoe@example.org' AND p = 2"), 1000);
	/* The foreign key to fill_p, the table named checked, came back
	   NOT VALID: the rows copied were not scanned (their caller
	   checked them)... */
	if (is_pg(f->db))
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_constraint WHERE conrelid = 'fill_c'::regclass"
		    " AND contype = 'f' AND NOT convalidated"), 1);
	/* ...and the keys hold again for every later write. */
	assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_c (id, p, code)"
	    " VALUES (5000, 1, 'C000007')", NULL, 0, NULL), RB_CONSTRAINT);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_c (id, p, code)"
	    " VALUES (5000, 7, 'new')", NULL, 0, NULL), RB_CONSTRAINT);
	assert_int_equal(rb_db_run(f->db, "UPDATE fill_c SET p = 7"
	    " WHERE id = 1", NULL, 0, NULL), RB_CONSTRAINT);
	/* A second fill of the same table keeps it so, no error. */
	assert_int_equal(rb_db_run(f->db, "DELETE FROM fill_c", NULL, 0,
	    NULL), 0);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin_checked(f->db, "fill_c", "fill_p"),
	    0);
	assert_int_equal(fill_rows(f->db, 10, -1, 0), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	free(after);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_c (id, p, code)"
	    " VALUES (5000, 7, 'new')", NULL, 0, NULL), RB_CONSTRAINT);
	free(before);
	free(during);
	free(after);
}

/*
 * A row that breaks a foreign key or a unique index, in the middle of
 * the copy: refused (at the copy's end on SQLite, at the fill's end on
 * PostgreSQL, where the keys are only checked then); the rollback
 * leaves no row and the schema as it was; the next fill works. A fill
 * told its caller checked the references to fill_p lets a broken one
 * through on PostgreSQL (the key comes back NOT VALID, not scanned),
 * not a repeated code.
 */
static void
test_fill_refused_keeps_the_schema(void **state)
{
	struct fx *f = *state;
	static const char kinds[] = { 'f', 'u' };
	char *before, *after;
	size_t k;
	int rc;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	before = test_db_schema(f->db);
	for (k = 0; k < sizeof(kinds); k++) {
		assert_int_equal(rb_db_begin(f->db), 0);
		assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
		rc = fill_rows(f->db, 2000, 1000, kinds[k]);
		if (rc == 0) {
			assert_true(is_pg(f->db));
			rc = rb_db_fill_end(f->db);
		}
		assert_int_equal(rc, RB_CONSTRAINT);
		assert_int_equal(rb_db_rollback(f->db), 0);
		after = test_db_schema(f->db);
		assert_string_equal(after, before);
		free(after);
		/* The same rows, the references to fill_p left to us. */
		assert_int_equal(rb_db_begin(f->db), 0);
		assert_int_equal(rb_db_fill_begin_checked(f->db, "fill_c",
		    "fill_p"), 0);
		rc = fill_rows(f->db, 2000, 1000, kinds[k]);
		if (rc == 0) {
			assert_true(is_pg(f->db));
			rc = rb_db_fill_end(f->db);
		}
		assert_int_equal(rc, is_pg(f->db) && kinds[k] == 'f' ? 0 :
		    RB_CONSTRAINT);
		assert_int_equal(rb_db_rollback(f->db), 0);
		after = test_db_schema(f->db);
		assert_string_equal(after, before);
		free(after);
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " fill_c"), 0);
	}
	/* A fill abandoned half-way, by a rollback. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
	assert_int_equal(rb_db_rollback(f->db), 0);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(after);
	/* Then a clean one. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
	assert_int_equal(fill_rows(f->db, 10, -1, 0), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* Copies n rows into fill_g (c NULL), with the id of row dup (0-based,
   or -1) that of row 0 again. */
static int
fill_leaf(rb_db *db, int n, int dup)
{
	static const char *const gcols[] = { "id", "c" };
	const char *row[2];
	char id[24];
	int64_t rows = -1;
	int i, rc;

	assert_int_equal(rb_db_copy_begin(db, "fill_g", gcols, 2), 0);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%d", i == dup ? 1 : i + 1);
		row[0] = id;
		row[1] = NULL;
		(void)rb_db_copy_row(db, row);
	}
	rc = rb_db_copy_end(db, &rows);
	if (rc == 0)
		assert_int_equal(rows, n);
	return rc;
}

/*
 * A primary key that no foreign key relies on (fill_g's) is set aside
 * too on PostgreSQL, and built again at the fill's end: a repeated id
 * is refused then (at the copy's end on SQLite), the rollback leaves
 * the schema as it was, and a clean fill gives it back, holding.
 */
static void
test_fill_unreferenced_primary_key(void **state)
{
	struct fx *f = *state;
	char *before, *after;
	int rc;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	before = test_db_schema(f->db);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_g"), 0);
	if (is_pg(f->db)) {
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_index WHERE indrelid = 'fill_g'::regclass"), 0);
		assert_int_equal(count_of(f->db, "SELECT count(*) FROM"
		    " pg_constraint WHERE conrelid = 'fill_g'::regclass"), 0);
	}
	rc = fill_leaf(f->db, 1000, 500);
	if (rc == 0) {
		assert_true(is_pg(f->db));
		rc = rb_db_fill_end(f->db);
	}
	assert_int_equal(rc, RB_CONSTRAINT);
	assert_int_equal(rb_db_rollback(f->db), 0);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(after);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_g"), 0);
	assert_int_equal(fill_leaf(f->db, 1000, -1), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(after);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_g"), 1000);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_g (id) VALUES"
	    " (7)", NULL, 0, NULL), RB_CONSTRAINT);
	free(before);
}

/*
 * A commit of a fill not ended would leave the table without its keys:
 * refused on PostgreSQL (rolled back); on SQLite nothing was set aside.
 * Outside a transaction, or with a name that is no plain identifier,
 * a fill does not begin.
 */
static void
test_fill_not_ended_or_misused(void **state)
{
	struct fx *f = *state;
	char *before, *after;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	before = test_db_schema(f->db);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), -1);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c; DROP TABLE fill_p"),
	    -1);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
	assert_int_equal(fill_rows(f->db, 10, -1, 0), 0);
	assert_int_equal(rb_db_commit(f->db), is_pg(f->db) ? -1 : 0);
	assert_false(rb_db_in_transaction(f->db));
	after = test_db_schema(f->db);
	assert_string_equal(after, before);
	free(after);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_c"),
	    is_pg(f->db) ? 0 : 10);
	free(before);
}

/*
 * A fill numbers the rows it leaves to the table's identity column
 * past both the sequence and the largest id already there (one given
 * by hand: the identity is BY DEFAULT), then the sequence goes on past
 * the copied rows. On PostgreSQL the ids come from the driver (one
 * nextval() for the copy instead of one per row); before it, the rows
 * took 1, 2... from the sequence and the primary key built again at
 * the fill's end refused id 5. Numbering the copy, a rolled-back fill
 * and a copy that names the id column itself behave as before.
 */
static void
test_fill_numbers_identity(void **state)
{
	static const char *const icols[] = { "name" };
	static const char *const both[] = { "id", "name" };
	struct fx *f = *state;
	const char *row[2];
	int i;

	assert_int_equal(rb_db_exec(f->db, "CREATE TABLE fill_i (id BIGINT"
	    " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	    " name TEXT NOT NULL)"), 0);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_i (id, name)"
	    " VALUES (5, 'à la main')", NULL, 0, NULL), 0);
	/* Abandoned: its ids are not given again, none is reused. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_i"), 0);
	assert_int_equal(rb_db_copy_begin(f->db, "fill_i", icols, 1), 0);
	row[0] = "perdu";
	assert_int_equal(rb_db_copy_row(f->db, row), 0);
	assert_int_equal(rb_db_copy_end(f->db, NULL), 0);
	assert_int_equal(rb_db_rollback(f->db), 0);

	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_i"), 0);
	assert_int_equal(rb_db_copy_begin(f->db, "fill_i", icols, 1), 0);
	for (i = 0; i < 10; i++) {
		row[0] = "copiée";
		assert_int_equal(rb_db_copy_row(f->db, row), 0);
	}
	assert_int_equal(rb_db_copy_end(f->db, NULL), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_i"), 11);
	assert_int_equal(count_of(f->db, "SELECT max(id) - min(id) FROM"
	    " fill_i WHERE name = 'copiée'"), 9);
	assert_true(count_of(f->db, "SELECT min(id) FROM fill_i"
	    " WHERE name = 'copiée'") > 5);
	assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_i (name)"
	    " VALUES ('après')", NULL, 0, NULL), 0);
	assert_true(count_of(f->db, "SELECT id FROM fill_i WHERE name ="
	    " 'après'") > count_of(f->db, "SELECT max(id) FROM fill_i"
	    " WHERE name = 'copiée'"));

	/* A copy that gives the ids itself keeps them. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_i"), 0);
	assert_int_equal(rb_db_copy_begin(f->db, "fill_i", both, 2), 0);
	row[0] = "1000";
	row[1] = "donnée";
	assert_int_equal(rb_db_copy_row(f->db, row), 0);
	assert_int_equal(rb_db_copy_end(f->db, NULL), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(count_of(f->db, "SELECT id FROM fill_i WHERE name ="
	    " 'donnée'"), 1000);
}

/*
 * Where the server has lz4 and lets the role set it (the test cluster's
 * role is its superuser), a fill's transaction compresses its WAL's
 * full-page images, and only that transaction: the session's setting
 * is back once it ends. A role that may not set it fills all the same,
 * without it. SQLite has no such setting: the fill works as ever.
 */
static void
test_fill_wal_compression(void **state)
{
	struct fx *f = *state;
	static const char lz4[] = "SELECT count(*) FROM pg_settings"
	    " WHERE name = 'wal_compression' AND setting = 'lz4'";
	int pg = is_pg(f->db), can = 0;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	if (pg) {
		can = count_of(f->db, "SELECT count(*) FROM pg_settings"
		    " WHERE name = 'wal_compression' AND 'lz4' = ANY (enumvals)"
		    " AND has_parameter_privilege('wal_compression', 'SET')");
		assert_int_equal(count_of(f->db, lz4), 0);
	}
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
	if (pg)
		assert_int_equal(count_of(f->db, lz4), can);
	assert_int_equal(fill_rows(f->db, 100, -1, 0), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_c"), 100);
	if (pg)
		assert_int_equal(count_of(f->db, lz4), 0);
}

/* Counts the notices heard on RB_DATA_CHANNEL with payload "*". */
static void
heard_all(const char *channel, const char *payload, void *arg)
{
	if (strcmp(channel, RB_DATA_CHANNEL) == 0 &&
	    strcmp(payload, "*") == 0)
		(*(int *)arg)++;
}

/* The triggers of fill_c named after the data notices, and another. */
static const char data_triggers[] =
	"CREATE TABLE fill_fired (name TEXT NOT NULL);"
	"CREATE FUNCTION fill_fired_f() RETURNS trigger LANGUAGE plpgsql AS"
	" 'BEGIN INSERT INTO fill_fired VALUES (TG_NAME); RETURN NULL; END';"
	"CREATE TRIGGER rb_data_ins AFTER INSERT ON fill_c"
	" REFERENCING NEW TABLE AS rb_new FOR EACH STATEMENT"
	" EXECUTE FUNCTION fill_fired_f();"
	"CREATE TRIGGER rb_data_upd AFTER UPDATE ON fill_c"
	" REFERENCING NEW TABLE AS rb_new OLD TABLE AS rb_old"
	" FOR EACH STATEMENT EXECUTE FUNCTION fill_fired_f();"
	"ALTER TABLE fill_c ENABLE ALWAYS TRIGGER rb_data_upd;"
	"CREATE TRIGGER keep_me AFTER INSERT ON fill_c"
	" FOR EACH STATEMENT EXECUTE FUNCTION fill_fired_f();";
#define TRIGGERS_ON	"SELECT count(*) FROM pg_trigger WHERE tgrelid =" \
	" 'fill_c'::regclass AND NOT tgisinternal AND tgenabled <> 'D'"
/* Every trigger of fill_c, enabled or not: the server gathers the
   transition table of a disabled one all the same. */
#define TRIGGERS_ALL	"SELECT count(*) FROM pg_trigger WHERE tgrelid =" \
	" 'fill_c'::regclass AND NOT tgisinternal"
/* The triggers as they were made: definition and mode, in one text. */
#define TRIGGERS_SAME	"SELECT count(*) FROM pg_trigger WHERE tgrelid =" \
	" 'fill_c'::regclass AND NOT tgisinternal AND" \
	" pg_get_triggerdef(oid) || CAST(tgenabled AS text) IN (" \
	" 'CREATE TRIGGER rb_data_ins AFTER INSERT ON public.fill_c" \
	" REFERENCING NEW TABLE AS rb_new FOR EACH STATEMENT" \
	" EXECUTE FUNCTION fill_fired_f()O'," \
	" 'CREATE TRIGGER rb_data_upd AFTER UPDATE ON public.fill_c" \
	" REFERENCING OLD TABLE AS rb_old NEW TABLE AS rb_new" \
	" FOR EACH STATEMENT EXECUTE FUNCTION fill_fired_f()A'," \
	" 'CREATE TRIGGER keep_me AFTER INSERT ON public.fill_c" \
	" FOR EACH STATEMENT EXECUTE FUNCTION fill_fired_f()O')"

/*
 * A fill takes the data notices' triggers of its table away for the
 * copy (their transition table would hold every row copied; a
 * disabled trigger's is gathered all the same, so they are dropped,
 * not disabled) and sends the "*" they would have sent itself, at its
 * end, where it makes them again as they were (definition and mode);
 * any other trigger stays and still fires; a rollback brings them
 * back. SQLite has no such triggers: the fill works as ever.
 */
static void
test_fill_data_triggers_off(void **state)
{
	struct fx *f = *state;
	int pg = is_pg(f->db), all = 0;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	if (pg) {
		assert_int_equal(rb_db_exec(f->db, data_triggers), 0);
		assert_int_equal(rb_db_listen(f->db, RB_DATA_CHANNEL), 0);
	}
	if (pg)
		assert_int_equal(count_of(f->db, TRIGGERS_SAME), 3);
	/* A fill rolled back: the triggers are back. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
	if (pg) {
		assert_int_equal(count_of(f->db, TRIGGERS_ON), 1);
		assert_int_equal(count_of(f->db, TRIGGERS_ALL), 1);
	}
	rb_db_rollback(f->db);
	if (pg)
		assert_int_equal(count_of(f->db, TRIGGERS_SAME), 3);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fill_c"), 0);
	if (pg)
		assert_int_equal(count_of(f->db, TRIGGERS_ALL), 1);
	assert_int_equal(fill_rows(f->db, 50, -1, 0), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_c"), 50);
	if (!pg)
		return;
	assert_int_equal(count_of(f->db, TRIGGERS_ON), 3);
	assert_int_equal(count_of(f->db, TRIGGERS_SAME), 3);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_fired"
	    " WHERE name = 'keep_me'"), 1);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_fired"
	    " WHERE name = 'rb_data_ins'"), 0);
	assert_true(rb_db_notices_read(f->db, heard_all, &all) >= 1);
	assert_int_equal(all, 1);
	/* Rows written one by one after it: the trigger fires again. */
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO fill_c (id, p, code)"
	    " VALUES (1000001, 1, 'after')"), 0);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_fired"
	    " WHERE name = 'rb_data_ins'"), 1);
}

#define CHECKS_OF_C(v)	"SELECT count(*) FROM pg_constraint WHERE conrelid =" \
	" 'fill_c'::regclass AND contype = 'c' AND convalidated = " v \
	" AND pg_get_constraintdef(oid) LIKE 'CHECK ((day ~~ ''____-__-__''%'"

/* One row of fill_c whose day is no date: fill_c_day_check refuses it. */
static int
copy_bad_day(rb_db *db)
{
	static const char *const row[5] = { "500", "1", "BAD", "hier",
	    NULL };

	assert_int_equal(rb_db_copy_begin(db, "fill_c", fill_cols, 5), 0);
	(void)rb_db_copy_row(db, row);
	return rb_db_copy_end(db, NULL);
}

/*
 * A verified fill (the caller has checked the rows against the CHECK
 * constraints): on PostgreSQL they are gone while it is open, so the
 * server does not test the rows copied (a day that is no date goes in:
 * the caller's check is the only one), and come back at its end, the
 * same definition, NOT VALID, refusing every later write that breaks
 * them; a fill that is only checked keeps them (the row refuses the
 * copy). SQLite: nothing set aside, the CHECK refuses the row either
 * way.
 */
static void
test_fill_verified_sets_checks_aside(void **state)
{
	struct fx *f = *state;
	int pg = is_pg(f->db);

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	if (pg)
		assert_int_equal(count_of(f->db, CHECKS_OF_C("true")), 1);
	/* Checked only: the CHECK stays and refuses the row. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin_checked(f->db, "fill_c", "fill_p"),
	    0);
	if (pg)
		assert_int_equal(count_of(f->db, CHECKS_OF_C("true")), 1);
	assert_int_not_equal(copy_bad_day(f->db), 0);
	rb_db_rollback(f->db);
	/* Verified. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin_verified(f->db, "fill_c", "fill_p"),
	    0);
	if (!pg) {
		assert_int_not_equal(copy_bad_day(f->db), 0);
		rb_db_rollback(f->db);
		return;
	}
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM pg_constraint"
	    " WHERE conrelid = 'fill_c'::regclass AND contype = 'c'"), 0);
	assert_int_equal(copy_bad_day(f->db), 0);
	assert_int_equal(fill_rows(f->db, 40, -1, 0), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fill_c"), 41);
	assert_int_equal(count_of(f->db, CHECKS_OF_C("false")), 1);
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO fill_c (id, p, code,"
	    " day) VALUES (501, 1, 'BAD2', 'demain')"), -1);
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO fill_c (id, p, code,"
	    " day) VALUES (502, 1, 'OK2', '2026-12-07')"), 0);
	/* Rolled back: the CHECK is back as it was (NOT VALID now). */
	assert_int_equal(rb_db_exec(f->db, "DELETE FROM fill_c"), 0);
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin_verified(f->db, "fill_c", "fill_p"),
	    0);
	rb_db_rollback(f->db);
	assert_int_equal(count_of(f->db, CHECKS_OF_C("false")), 1);
}

/*
 * A verified fill of a table whose primary key another table's foreign
 * key uses (fill_g's key to fill_c): on PostgreSQL that key is set
 * aside too (no index maintained row by row during the copy but the
 * partial one kept), the foreign key of fill_g dropped before it and
 * built again after it, as it was, validated or NOT VALID; a repeated
 * id is refused at the fill's end and the rollback gives the schema
 * back. SQLite: nothing set aside.
 */
static void
test_fill_verified_sets_referenced_key_aside(void **state)
{
	struct fx *f = *state;
	char *before, *after;
	int pg = is_pg(f->db), pass;

	assert_int_equal(rb_db_exec(f->db, fill_schema), 0);
	for (pass = 0; pass < 2; pass++) {
		before = test_db_schema(f->db);
		assert_int_equal(rb_db_begin(f->db), 0);
		assert_int_equal(rb_db_fill_begin_verified(f->db, "fill_c",
		    "fill_p"), 0);
		if (pg) {
			assert_int_equal(count_of(f->db, "SELECT count(*)"
			    " FROM pg_index WHERE indrelid ="
			    " 'fill_c'::regclass"), 1);	/* fill_c_day */
			assert_int_equal(count_of(f->db, "SELECT count(*)"
			    " FROM pg_constraint WHERE conrelid ="
			    " 'fill_g'::regclass AND contype = 'f'"), 0);
		}
		assert_int_equal(fill_rows(f->db, 300, 150, 'u'), pg ? 0 :
		    RB_CONSTRAINT);
		if (pg)
			assert_int_equal(rb_db_fill_end(f->db),
			    RB_CONSTRAINT);
		assert_int_equal(rb_db_rollback(f->db), 0);
		after = test_db_schema(f->db);
		assert_string_equal(after, before);
		free(after);
		assert_int_equal(rb_db_begin(f->db), 0);
		assert_int_equal(rb_db_fill_begin_verified(f->db, "fill_c",
		    "fill_p"), 0);
		assert_int_equal(fill_rows(f->db, 300, -1, 0), 0);
		assert_int_equal(rb_db_fill_end(f->db), 0);
		assert_int_equal(rb_db_commit(f->db), 0);
		after = test_db_schema(f->db);
		assert_string_equal(after, before);
		free(after);
		free(before);
		/* The key holds again, and fill_g's foreign key to it. */
		assert_int_equal(rb_db_exec(f->db, "INSERT INTO fill_g (id, c)"
		    " VALUES (1, 300)"), 0);
		assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_g (id, c)"
		    " VALUES (2, 301)", NULL, 0, NULL), RB_CONSTRAINT);
		assert_int_equal(rb_db_run(f->db, "INSERT INTO fill_c (id, p,"
		    " code) VALUES (300, 1, 'again')", NULL, 0, NULL),
		    RB_CONSTRAINT);
		if (pg)
			assert_int_equal(count_of(f->db, "SELECT count(*)"
			    " FROM pg_constraint WHERE conrelid ="
			    " 'fill_g'::regclass AND contype = 'f' AND"
			    " convalidated"), pass == 0 ? 1 : 0);
		assert_int_equal(rb_db_exec(f->db, "DELETE FROM fill_g;"
		    " DELETE FROM fill_c"), 0);
		/* Second pass: fill_g's key NOT VALID, and kept so. */
		if (pg)
			assert_int_equal(rb_db_exec(f->db, "ALTER TABLE fill_g"
			    " DROP CONSTRAINT fill_g_c_fkey; ALTER TABLE fill_g"
			    " ADD CONSTRAINT fill_g_c_fkey FOREIGN KEY (c)"
			    " REFERENCES fill_c (id) NOT VALID"), 0);
	}
}

/* Reads a, b and c of fix_t's row k: "a|b|c", NULL as "-". */
static void
fix_row(rb_db *db, int k, char *out, size_t len)
{
	char key[24];
	const char *params[1] = { key };
	rb_stmt *st;

	snprintf(key, sizeof(key), "%d", k);
	st = rb_db_prepare(db, "SELECT a, b, c FROM fix_t"
	    " WHERE k = CAST($1 AS BIGINT)");
	assert_non_null(st);
	rb_stmt_bind_text(st, 1, params[0], -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	snprintf(out, len, "%s|%s|%s",
	    rb_stmt_is_null(st, 0) ? "-" : rb_stmt_text(st, 0),
	    rb_stmt_is_null(st, 1) ? "-" : rb_stmt_text(st, 1),
	    rb_stmt_is_null(st, 2) ? "-" : rb_stmt_text(st, 2));
	rb_stmt_reset(st);
}

/*
 * A copy's fixed columns: every row takes their values, which may hold
 * any byte but NUL or be NULL, outside a fill and inside one; the
 * columns' defaults are those of before once the copy ends (inside a
 * fill PostgreSQL sends the values once, as the defaults of the copy),
 * and after a copy refused and rolled back; names are checked as the
 * others, and a column given twice is refused.
 */
static void
test_copy_fixed_columns(void **state)
{
	struct fx *f = *state;
	static const char *const key[] = { "k" };
	static const char *const fixed[] = { "a", "b", "c" };
	static const char *const twice[] = { "a", "k" };
	static const char *const badname[] = { "a; DROP TABLE fix_t" };
	const char *vals[3] = { "tab\there \\N back\\slash 'q' é\n",
	    "-7", NULL };
	const char *row[1];
	char k[24], got[256];
	int64_t rows = -1;
	int i;

	assert_int_equal(rb_db_exec(f->db, "CREATE TABLE fix_t (k BIGINT"
	    " NOT NULL UNIQUE, a TEXT DEFAULT 'avant', b BIGINT, c TEXT)"), 0);
	/* Outside a fill. */
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    fixed, vals, 3), 0);
	for (i = 1; i <= 3; i++) {
		snprintf(k, sizeof(k), "%d", i);
		row[0] = k;
		assert_int_equal(rb_db_copy_row(f->db, row), 0);
	}
	assert_int_equal(rb_db_copy_end(f->db, &rows), 0);
	assert_int_equal(rows, 3);
	for (i = 1; i <= 3; i++) {
		fix_row(f->db, i, got, sizeof(got));
		assert_string_equal(got, "tab\there \\N back\\slash 'q'"
		    " é\n|-7|-");
	}
	/* Inside a fill, other values. */
	vals[0] = "l'autre\t";
	vals[1] = NULL;
	vals[2] = "\\";
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fix_t"), 0);
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    fixed, vals, 3), 0);
	for (i = 10; i < 15; i++) {
		snprintf(k, sizeof(k), "%d", i);
		row[0] = k;
		assert_int_equal(rb_db_copy_row(f->db, row), 0);
	}
	assert_int_equal(rb_db_copy_end(f->db, &rows), 0);
	assert_int_equal(rows, 5);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	for (i = 10; i < 15; i++) {
		fix_row(f->db, i, got, sizeof(got));
		assert_string_equal(got, "l'autre\t|-|\\");
	}
	/* The defaults are those of before. */
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO fix_t (k)"
	    " VALUES (100)"), 0);
	fix_row(f->db, 100, got, sizeof(got));
	assert_string_equal(got, "avant|-|-");
	/* A copy refused (k NULL) inside a fill, rolled back: the same. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "fix_t"), 0);
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    fixed, vals, 3), 0);
	row[0] = NULL;
	(void)rb_db_copy_row(f->db, row);
	assert_int_not_equal(rb_db_copy_end(f->db, &rows), 0);
	rb_db_rollback(f->db);
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO fix_t (k)"
	    " VALUES (101)"), 0);
	fix_row(f->db, 101, got, sizeof(got));
	assert_string_equal(got, "avant|-|-");
	assert_int_equal(count_of(f->db, "SELECT count(*) FROM fix_t"), 10);
	/* Names checked; a column given twice; too many fixed. */
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    badname, vals, 1), -1);
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    twice, vals, 2), -1);
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    fixed, vals, 9), -1);
	assert_int_equal(rb_db_copy_begin_fixed(f->db, "fix_t", key, 1,
	    NULL, NULL, 1), -1);
	/* No copy left open by those. */
	assert_int_equal(rb_db_copy_begin(f->db, "fix_t", key, 1), 0);
	row[0] = "200";
	assert_int_equal(rb_db_copy_row(f->db, row), 0);
	assert_int_equal(rb_db_copy_end(f->db, &rows), 0);
	fix_row(f->db, 200, got, sizeof(got));
	assert_string_equal(got, "avant|-|-");
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
		cmocka_unit_test_setup_teardown(
		    test_fill_unreferenced_primary_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pays, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fill_builds_the_same_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fill_refused_keeps_the_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fill_not_ended_or_misused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_numbers_identity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_wal_compression,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_data_triggers_off,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_fixed_columns,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fill_verified_sets_checks_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fill_verified_sets_referenced_key_aside, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
