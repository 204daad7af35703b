/*
 * demo_fixture.h: a cmocka fixture holding a migrated database filled
 * with the demo dataset (60 contracts, seed 1, made for RB_TEST_TODAY,
 * the date of tests/today, 2026-11-29) in a private temporary directory. Include after store_test.h, cmocka.h,
 * sodium.h and the store headers.
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
	char url[400], err[256];

	*state = f;
	if (f == NULL || sodium_init() < 0)
		return -1;
	test_mkdtemp(f->dir, sizeof(f->dir));
	test_db_url(url, sizeof(url), f->dir, name);
	if (rb_db_open(url, &f->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (rb_migrate(f->db, NULL) != 0)
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

#endif
