/*
 * store_test.h: helpers shared by the cmocka tests of src/store: a
 * private temporary directory per test, removed with everything in it,
 * and a migrated SQLite database inside it.
 * Include it first, after defining _GNU_SOURCE (for nftw and mkdtemp).
 */
#ifndef RB_STORE_TEST_H
#define RB_STORE_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/migrate.h"

/* Creates a fresh directory under $TMPDIR (or /tmp) into dir. */
static inline void
test_mkdtemp(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(dir, len, "%s/robinet-test-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static inline int
test_rm_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it. */
static inline void
test_rmtree(const char *dir)
{
	nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes "sqlite:DIR/NAME" into url. */
static inline void
test_db_url(char *url, size_t len, const char *dir, const char *name)
{
	snprintf(url, len, "sqlite:%s/%s", dir, name);
}

/* Writes into url the database RB_TEST_DB names (tests/pg/cluster.sh)
 * and returns 1; returns 0 when it names none. */
static inline int
test_db_server_url(char *url, size_t len)
{
	const char *env = getenv("RB_TEST_DB");

	if (env == NULL || env[0] == '\0')
		return 0;
	snprintf(url, len, "%s", env);
	return 1;
}

/*
 * Makes a fresh directory into dir (dirlen bytes) and opens in it a
 * SQLite database called name, migrated to the current schema, into
 * *db. When RB_TEST_DB names a database (tests/pg/cluster.sh), that one
 * is emptied (every table of schema public dropped) and migrated instead:
 * run such tests one at a time. Returns 0, or -1 (with the reason on
 * stderr). Undo with test_db_close().
 */
static inline int
test_db_open(char *dir, size_t dirlen, const char *name, rb_db **db)
{
	char url[4096], err[256];
	int server;

	test_mkdtemp(dir, dirlen);
	server = test_db_server_url(url, sizeof(url));
	if (!server)
		test_db_url(url, sizeof(url), dir, name);
	if (rb_db_open(url, db, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", server ? "RB_TEST_DB" : url, err);
		return -1;
	}
	/* A server database is emptied instead of made anew. */
	if (server && rb_db_exec(*db,
	    "DROP SCHEMA public CASCADE; CREATE SCHEMA public") != 0) {
		fprintf(stderr, "RB_TEST_DB: cannot empty the database\n");
		return -1;
	}
	if (rb_migrate(*db, NULL) != 0) {
		fprintf(stderr, "%s: migration failed\n", url);
		return -1;
	}
	return 0;
}

static inline void
test_schema_row(rb_stmt *st, void *arg)
{
	char **acc = arg, *next;
	const char *line = rb_stmt_text(st, 0);

	if (asprintf(&next, "%s%s\n", *acc, line != NULL ? line : "") < 0)
		abort();
	free(*acc);
	*acc = next;
}

/*
 * The schema of db as text, one line per index, constraint, table or
 * trigger with its full definition, sorted: on PostgreSQL every index
 * (pg_get_indexdef) and constraint (pg_get_constraintdef) of schema
 * public, on SQLite every entry of sqlite_master. Two calls give the
 * same text when nothing was dropped, added or changed. A constraint
 * NOT VALID reads as the same constraint validated (a fill gives its
 * foreign keys back NOT VALID, see rb_db_fill_end(): tests check
 * pg_constraint.convalidated where it matters). Free it.
 */
static inline char *
test_db_schema(rb_db *db)
{
	static const char pg[] =
	    "SELECT x FROM (SELECT 'index ' || c.relname || ' ' ||"
	    " pg_get_indexdef(i.indexrelid) AS x FROM pg_index i"
	    " JOIN pg_class c ON c.oid = i.indexrelid"
	    " WHERE c.relnamespace = 'public'::regnamespace"
	    " UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' ||"
	    " conname || ' ' || regexp_replace(pg_get_constraintdef(oid),"
	    " ' NOT VALID$', '') FROM pg_constraint"
	    " WHERE connamespace = 'public'::regnamespace"
	    " UNION ALL SELECT 'trigger ' || tgname || ' ' ||"
	    " pg_get_triggerdef(oid) FROM pg_trigger"
	    " WHERE NOT tgisinternal) s"
	    " ORDER BY x COLLATE \"C\"";
	static const char lite[] =
	    "SELECT type || ' ' || name || ' ' || coalesce(sql, '')"
	    " FROM sqlite_master ORDER BY type, name";
	char *acc = strdup("");

	if (acc == NULL || rb_db_fetch_all(db, strcmp(rb_db_engine(db),
	    "postgresql") == 0 ? pg : lite, NULL, 0, test_schema_row,
	    &acc) != 0)
		abort();
	return acc;
}

/* Closes db (NULL is fine) and removes dir with all it holds. */
static inline void
test_db_close(const char *dir, rb_db *db)
{
	rb_db_close(db);
	test_rmtree(dir);
}

#endif
