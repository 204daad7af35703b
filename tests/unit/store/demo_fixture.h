/*
 * demo_fixture.h: a cmocka fixture holding a migrated database filled
 * with the demo dataset (60 contracts, seed 1, made for RB_TEST_TODAY,
 * the date of tests/today, 2026-11-29) in a private temporary directory
 * (or the database RB_TEST_DB names). Include after store_test.h, cmocka.h,
 * sodium.h and the store headers. Also small query helpers for the
 * tests' own checks (q_int, q_text, exec_sql).
 */
#ifndef RB_DEMO_FIXTURE_H
#define RB_DEMO_FIXTURE_H

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

/* Sets *state to a new fixture whose database file is called name. */
static inline int
demo_fixture_setup(void **state, const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rb_demo_opts o = { 60, 1, RB_TEST_TODAY };

	*state = f;
	if (f == NULL || sodium_init() < 0)
		return -1;
	/* A migrated database (RB_TEST_DB's when set: see store_test.h). */
	if (test_db_open(f->dir, sizeof(f->dir), name, &f->db) != 0)
		return -1;
	return rb_demo_generate(f->db, &o);
}

static inline int
demo_fixture_teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	rb_db_close(f->db);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

/* The first integer of sql with one optional text parameter. */
static inline int64_t
q_int(rb_db *db, const char *sql, const char *param)
{
	rb_stmt *st = rb_db_prepare(db, sql);
	int64_t v;

	assert_non_null(st);
	if (param != NULL)
		rb_stmt_bind_text(st, 1, param, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	v = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	return v;
}

/* The first text of sql with one optional text parameter, into out
 * ("" for NULL). */
static inline void
q_text(rb_db *db, const char *sql, const char *param, char *out,
    size_t outlen)
{
	rb_stmt *st = rb_db_prepare(db, sql);

	assert_non_null(st);
	if (param != NULL)
		rb_stmt_bind_text(st, 1, param, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	snprintf(out, outlen, "%s", rb_stmt_text(st, 0) != NULL ?
	    rb_stmt_text(st, 0) : "");
	rb_stmt_reset(st);
}

/* Runs sql, a statement returning no row, with one optional text
 * parameter. */
static inline void
exec_sql(rb_db *db, const char *sql, const char *param)
{
	rb_stmt *st = rb_db_prepare(db, sql);

	assert_non_null(st);
	if (param != NULL)
		rb_stmt_bind_text(st, 1, param, -1);
	assert_int_equal(rb_stmt_step(st), RB_DONE);
	rb_stmt_reset(st);
}

#endif
