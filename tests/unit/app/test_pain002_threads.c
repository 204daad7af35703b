/*
 * test_pain002_threads.c: rb_pain002_parse() used by several threads at
 * once from the start of a process, as two workers applying bank returns
 * together do (test_run_once_sepa). libxml2 sets up its globals at its
 * first use; without the reader's one xmlInitParser() before any parse,
 * threads racing through that first use each made them and one set was
 * lost (LeakSanitizer, under scripts/check's AddressSanitizer run:
 * "xmlNewMutex"). Here THREADS threads wait at a barrier and parse at
 * the same instant, ROUNDS times in fresh child processes, so that the
 * first use is raced each time; every child must end cleanly (exit 0:
 * no leak report, no crash) and every parse must give its result.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sepa/pain002.h"

#define THREADS	8
#define ROUNDS	20

static pthread_barrier_t barrier;

/* Not a pain.002 document: refused, after libxml2 has parsed it. */
static const char doc[] = "<?xml version=\"1.0\"?><a><b>1</b></a>";

static void *
parse_once(void *arg)
{
	struct rb_pain002 p;
	char err[256];
	int *rc = arg;

	pthread_barrier_wait(&barrier);
	*rc = rb_pain002_parse(doc, sizeof(doc) - 1, &p, err, sizeof(err));
	rb_pain002_free(&p);
	return NULL;
}

/* One process: THREADS first parses at once. Exit 0 when each was
   refused as it must be. */
static void
child(void)
{
	pthread_t t[THREADS];
	int rc[THREADS], i, bad = 0;

	pthread_barrier_init(&barrier, NULL, THREADS);
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, parse_once, &rc[i]) != 0)
			_exit(3);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += rc[i] != -1;
	}
	pthread_barrier_destroy(&barrier);
	/* exit(), not _exit(): LeakSanitizer checks at exit. */
	exit(bad == 0 ? 0 : 2);
}

static void
first_parses_at_once_leave_nothing(void **state)
{
	int round, status;
	pid_t pid;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child();
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("round %d: the child ended with status %d "
			    "(signal %d)", round, WIFEXITED(status) ?
			    WEXITSTATUS(status) : -1, WIFSIGNALED(status) ?
			    WTERMSIG(status) : 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_parses_at_once_leave_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
