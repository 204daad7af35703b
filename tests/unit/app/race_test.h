/*
 * race_test.h: two connections doing one thing at once, as two app
 * servers on one database do, for the tests/unit/app/test_run_once*.c
 * races: a second connection to a demo fixture's database (the one
 * RB_TEST_DB names, or the fixture's SQLite file), and a runner that
 * starts two threads released together by a barrier. Include after
 * store_test.h, demo_fixture.h and cmocka.h.
 */
#ifndef RB_TEST_RACE_H
#define RB_TEST_RACE_H

#include <pthread.h>

/* A new connection to the database of fixture f (file name: SQLite),
 * as another server has; close it with rb_db_close(). */
static rb_db *
race_twin(const struct fixture *f, const char *name)
{
	char url[4096], err[256];
	rb_db *db = NULL;

	if (!test_db_server_url(url, sizeof(url)))
		test_db_url(url, sizeof(url), f->dir, name);
	if (rb_db_open(url, &db, err, sizeof(err)) != 0)
		fail_msg("%s: %s", url, err);
	return db;
}

/* One thread of race_run(). */
struct race_thread {
	pthread_barrier_t	*rt_go;
	void			(*rt_fn)(void *);
	void			*rt_arg;
};

static void *
race_thread_main(void *arg)
{
	struct race_thread *t = arg;

	pthread_barrier_wait(t->rt_go);
	t->rt_fn(t->rt_arg);
	return NULL;
}

/* Runs fn(a) and fn(b) at once, each in its own thread, both released
 * by one barrier; returns once both have ended. */
static void
race_run(void (*fn)(void *), void *a, void *b)
{
	pthread_barrier_t go;
	struct race_thread ta = { &go, fn, a }, tb = { &go, fn, b };
	pthread_t ida, idb;

	pthread_barrier_init(&go, NULL, 2);
	assert_int_equal(pthread_create(&ida, NULL, race_thread_main, &ta), 0);
	assert_int_equal(pthread_create(&idb, NULL, race_thread_main, &tb), 0);
	pthread_join(ida, NULL);
	pthread_join(idb, NULL);
	pthread_barrier_destroy(&go);
}

#endif
