/*
 * migrate.c: applies the numbered SQL migrations compiled into the
 * binary (see migrate.h) and reports how far a database is.
 *
 * A migration plan is built first for the connection's engine: each
 * version once, the engine's own file preferred over the common one,
 * sorted by version. Every step then runs in its own transaction which
 * re-checks schema_migrations, so two processes migrating at once do not
 * apply a version twice.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/migrate.h"

/* Generated from the files of migrations/ by scripts/embed.py. */
extern const struct rb_embedded rb_migrations_embedded[];

#define MIGRATION_NAME_MAX	64
#define MIGRATION_VERSION_MAX	999999

struct migration {
	int		 mg_version;
	char		 mg_name[MIGRATION_NAME_MAX];	/* "schema" */
	const char	*mg_file;			/* "0001_schema.sql" */
	const char	*mg_sql;
	int		 mg_specific;	/* 0 common, 1 this engine, 2 other */
};

static const char sql_create_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" applied_at BIGINT NOT NULL)";
static const char sql_is_applied[] =
	"SELECT 1 FROM schema_migrations WHERE version = $1";
static const char sql_record[] =
	"INSERT INTO schema_migrations (version, name, applied_at) "
	"VALUES ($1, $2, $3)";
static const char sql_list_applied[] =
	"SELECT version FROM schema_migrations ORDER BY version";

/*
 * Splits "NNNN_name[.tag].sql" into its version, name and engine tag
 * ("" for a common file). Returns 0, or -1 if file is not so named.
 */
static int
parse_file_name(const char *file, int *version, char *name, char *tag,
    size_t taglen)
{
	const char *p = file, *dot, *ext;
	long v = 0;
	size_t n;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > MIGRATION_VERSION_MAX)
			return -1;
	}
	if (v < 1 || *p++ != '_')
		return -1;
	n = strlen(p);
	if (n < 5 || strcmp(p + n - 4, ".sql") != 0)
		return -1;
	ext = p + n - 4;
	tag[0] = '\0';
	if ((dot = memchr(p, '.', (size_t)(ext - p))) != NULL) {
		if ((size_t)(ext - dot - 1) >= taglen ||
		    memchr(dot + 1, '.', (size_t)(ext - dot - 1)) != NULL)
			return -1;
		memcpy(tag, dot + 1, (size_t)(ext - dot - 1));
		tag[ext - dot - 1] = '\0';
		ext = dot;
	}
	if (ext == p || (size_t)(ext - p) >= MIGRATION_NAME_MAX)
		return -1;
	memcpy(name, p, (size_t)(ext - p));
	name[ext - p] = '\0';
	*version = (int)v;
	return 0;
}

static int
by_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->mg_version > y->mg_version) - (x->mg_version < y->mg_version);
}

/*
 * Builds in *plan (caller frees) the migrations db's engine runs, sorted
 * by version, and their number in *count. Returns 0 or -1 (logged) when a
 * file is badly named, two files compete for one version, or a version
 * has no file this engine can run.
 */
static int
make_plan(rb_db *db, const struct rb_embedded *list, struct migration **plan,
    size_t *count)
{
	struct migration *all = NULL, *mg = NULL, *common, *own;
	const char *engine = rb_db_engine(db);
	const char *mine = strcmp(engine, "postgresql") == 0 ? "pg" : engine;
	char tag[16];
	size_t i, j, n = 0, total = 0;

	while (list[total].emb_name != NULL)
		total++;
	all = rb_xcalloc(total + 1, sizeof(*all));
	mg = rb_xcalloc(total + 1, sizeof(*mg));
	for (i = 0; i < total; i++) {
		struct migration *m = &all[i];

		if (parse_file_name(list[i].emb_name, &m->mg_version,
		    m->mg_name, tag, sizeof(tag)) != 0) {
			log_errx("bad migration file name \"%s\" (want "
			    "NNNN_name.sql or NNNN_name.ENGINE.sql)",
			    list[i].emb_name);
			goto fail;
		}
		if (tag[0] != '\0' && strcmp(tag, "sqlite") != 0 &&
		    strcmp(tag, "pg") != 0) {
			log_errx("migration \"%s\": unknown engine \"%s\" "
			    "(sqlite or pg)", list[i].emb_name, tag);
			goto fail;
		}
		m->mg_file = list[i].emb_name;
		m->mg_sql = list[i].emb_data;
		/* 0: common, 1: this engine's, 2: another engine's. */
		m->mg_specific = tag[0] == '\0' ? 0 :
		    strcmp(tag, mine) == 0 ? 1 : 2;
	}
	qsort(all, total, sizeof(*all), by_version);

	for (i = 0; i < total; i = j) {
		common = own = NULL;
		for (j = i; j < total && all[j].mg_version == all[i].mg_version;
		    j++) {
			struct migration **slot = all[j].mg_specific == 0 ?
			    &common : all[j].mg_specific == 1 ? &own : NULL;

			if (slot == NULL)
				continue;
			if (*slot != NULL) {
				log_errx("migrations \"%s\" and \"%s\" have the "
				    "same version", (*slot)->mg_file,
				    all[j].mg_file);
				goto fail;
			}
			*slot = &all[j];
		}
		if (own == NULL && common == NULL) {
			log_errx("migration %s has no file for %s",
			    all[i].mg_file, engine);
			goto fail;
		}
		mg[n++] = own != NULL ? *own : *common;
	}
	free(all);
	*plan = mg;
	*count = n;
	return 0;
fail:
	free(all);
	free(mg);
	return -1;
}

/* Returns 1 if version is recorded, 0 if not, -1 on error. */
static int
is_applied(rb_db *db, int version)
{
	int rc;

	rc = rb_db_fetch_one(db, sql_is_applied, RB_BINDS(rb_int(version)),
	    NULL, NULL);
	return rc < 0 ? -1 : !rc;
}

/* Runs one migration in a transaction. Returns 1 if applied, 0 if it
 * already was, -1 on failure (rolled back, logged). */
static int
apply_one(rb_db *db, const struct migration *m)
{
	int rc;

	if (rb_db_begin(db) != 0)
		return -1;
	if ((rc = is_applied(db, m->mg_version)) != 0) {
		rc = rc > 0 ? 0 : -1;	/* applied meanwhile: nothing to do */
		goto out;
	}
	if (rb_db_exec(db, m->mg_sql) != 0) {
		rc = -1;
		goto out;
	}
	rc = rb_db_run(db, sql_record, RB_BINDS(rb_int(m->mg_version),
	    rb_text(m->mg_name), rb_int(time(NULL))), NULL) == 0 ? 1 : -1;
out:
	if (rc < 0) {
		rb_db_rollback(db);
		return -1;
	}
	if (rb_db_commit(db) != 0) {
		rb_db_rollback(db);
		return -1;
	}
	return rc;
}

int
rb_migrate_list(rb_db *db, const struct rb_embedded *list, int *applied)
{
	struct migration *plan = NULL;
	size_t i, n;
	int rc = -1, count = 0, r;

	if (make_plan(db, list, &plan, &n) != 0)
		goto out;
	if (rb_db_exec(db, sql_create_table) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = apply_one(db, &plan[i])) < 0) {
			log_errx("migration %s failed: rolled back, schema "
			    "left at the previous version", plan[i].mg_file);
			goto out;
		}
		if (r == 1) {
			log_info("applied migration %s", plan[i].mg_file);
			count++;
		}
	}
	rc = 0;
out:
	if (applied != NULL)
		*applied = count;
	free(plan);
	return rc;
}

int
rb_migrate_list_status(rb_db *db, const struct rb_embedded *list,
    int *current, int *latest)
{
	struct migration *plan = NULL;
	rb_stmt *st = NULL;
	size_t i, n, next = 0;
	int64_t v, max_applied = 0;
	int rc = -1, step, cur = 0;

	*current = *latest = 0;
	if (make_plan(db, list, &plan, &n) != 0)
		goto out;
	if (rb_db_exec(db, sql_create_table) != 0)
		goto out;
	if ((st = rb_db_prepare(db, sql_list_applied)) == NULL)
		goto out;
	/*
	 * Walk the sorted plan and the sorted applied versions together:
	 * cur advances while the plan's next version is applied.
	 */
	while ((step = rb_stmt_step(st)) == RB_ROW) {
		v = rb_stmt_int(st, 0);
		max_applied = v;
		while (next < n && plan[next].mg_version < v)
			next = n + 1;	/* a plan version is missing */
		if (next < n && plan[next].mg_version == v)
			cur = plan[next++].mg_version;
	}
	if (step != RB_DONE)
		goto out;
	for (i = 0; i < n; i++)
		if (plan[i].mg_version > *latest)
			*latest = plan[i].mg_version;
	*current = max_applied > *latest ? (int)max_applied : cur;
	rc = 0;
out:
	rb_stmt_reset(st);
	free(plan);
	return rc;
}

int
rb_migrate(rb_db *db, int *applied)
{
	return rb_migrate_list(db, rb_migrations_embedded, applied);
}

int
rb_migrate_status(rb_db *db, int *current, int *latest)
{
	return rb_migrate_list_status(db, rb_migrations_embedded, current,
	    latest);
}

int
rb_migrate_check_writable(rb_db *db)
{
	return rb_db_run(db, "DELETE FROM schema_migrations WHERE version < 0",
	    NULL, 0, NULL) == RB_DONE ? 0 : -1;
}
