/*
 * test_workq.c: unit tests of src/base/workq.c: every job runs exactly
 * once, no more jobs run at once than there are workers, and freeing the
 * queue drains it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/workq.h"

#define NJOBS	200

static atomic_int ran[NJOBS];
static atomic_int running, max_running;

static void
job(void *arg)
{
	int *id = arg;
	int now = atomic_fetch_add(&running, 1) + 1, seen;

	seen = atomic_load(&max_running);
	while (now > seen && !atomic_compare_exchange_weak(&max_running,
	    &seen, now))
		;
	usleep(200);
	atomic_fetch_add(&ran[*id], 1);
	atomic_fetch_sub(&running, 1);
}

static void
test_every_job_runs_once_within_the_cap(void **state)
{
	static int ids[NJOBS];
	struct rb_workq *q = rb_workq_new(3, 0);
	int i;

	(void)state;
	for (i = 0; i < NJOBS; i++) {
		ids[i] = i;
		rb_workq_submit(q, job, &ids[i]);
	}
	assert_true(rb_workq_pending(q) > 0);
	rb_workq_free(q);	/* drains */
	for (i = 0; i < NJOBS; i++)
		assert_int_equal(atomic_load(&ran[i]), 1);
	assert_true(atomic_load(&max_running) <= 3);
	assert_true(atomic_load(&max_running) >= 2);
	assert_int_equal(atomic_load(&running), 0);
}

static atomic_int total;

static void
count(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void *
submitter(void *arg)
{
	struct rb_workq *q = arg;
	int i;

	for (i = 0; i < 500; i++)
		rb_workq_submit(q, count, &total);
	return NULL;
}

static void
test_submit_from_many_threads(void **state)
{
	struct rb_workq *q = rb_workq_new(2, 0);
	pthread_t t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, submitter, q), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	rb_workq_free(q);
	assert_int_equal(atomic_load(&total), 2000);
}

static atomic_int seen_nice = -100;

static void
read_nice(void *arg)
{
	(void)arg;
	errno = 0;
	atomic_store(&seen_nice, getpriority(PRIO_PROCESS,
	    (id_t)syscall(SYS_gettid)));
}

static void
test_workers_run_at_the_given_nice_value(void **state)
{
	struct rb_workq *q = rb_workq_new(1, 10);
	int mine = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));

	(void)state;
	rb_workq_submit(q, read_nice, NULL);
	rb_workq_free(q);
	/* The nice value is absolute (workq.h), whatever the caller's; only
	 * a caller already nicer than that, without the right to raise its
	 * priority, keeps its own. */
	assert_true(atomic_load(&seen_nice) == 10 ||
	    (mine > 10 && atomic_load(&seen_nice) == mine));
	/* The caller's own priority is unchanged. */
	assert_int_equal(getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)),
	    mine);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_job_runs_once_within_the_cap),
		cmocka_unit_test(test_submit_from_many_threads),
		cmocka_unit_test(test_workers_run_at_the_given_nice_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
