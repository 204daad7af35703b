/*
 * test_syscalls.c: the seccomp allow-list of serve (base/syscalls.h).
 * Each case runs in a child process, since a filter cannot be lifted:
 * allowed calls run, a forbidden one ends the process with SIGSYS
 * before it does anything, in every thread, and log mode lets it run.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/syscalls.h"

/* Runs fn in a child; returns its wait status. */
static int
in_child(void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void
restrict_or_die(enum rb_syscalls_mode mode)
{
	char err[256];

	if (rb_syscalls_restrict(mode, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		_exit(3);
	}
}

static char marker[64];

/* Allowed work: files, a thread, time, memory. */
static void *
thread_main(void *arg)
{
	return arg;
}

static void
allowed_calls(void)
{
	pthread_t t;
	void *ret;
	char buf[16];
	int fd;

	restrict_or_die(RB_SYSCALLS_KILL);
	if ((fd = open(marker, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, "ok", 2) != 2 || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, buf, sizeof(buf)) != 2 || fsync(fd) != 0 ||
	    close(fd) != 0)
		_exit(4);
	if (pthread_create(&t, NULL, thread_main, buf) != 0 ||
	    pthread_join(t, &ret) != 0 || ret != buf)
		_exit(5);
	free(malloc(1 << 20));
	if (unlink(marker) != 0)
		_exit(6);
}

/* execve is outside the list: the shell must never run. */
static void
forbidden_exec(void)
{
	char *const argv[] = { "/bin/sh", "-c", NULL, NULL };
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "echo ran > %s", marker);
	((char **)argv)[2] = cmd;
	restrict_or_die(RB_SYSCALLS_KILL);
	execv("/bin/sh", argv);
	_exit(7);	/* not reached: killed above */
}

/* From another thread, started before the filter: still killed. */
static void *
exec_thread(void *arg)
{
	sleep(1);
	syscall(SYS_unshare, 0);	/* a no-op, were it allowed */
	_exit(8);
	return arg;
}

static void
forbidden_in_older_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, exec_thread, NULL) != 0)
		_exit(9);
	restrict_or_die(RB_SYSCALLS_KILL);
	pthread_join(t, NULL);
	_exit(10);
}

static void
forbidden_logged(void)
{
	restrict_or_die(RB_SYSCALLS_LOG);
	if (syscall(SYS_getsid, 0) == -1 && errno == ENOSYS)
		_exit(11);
}

static int
setup(void **state)
{
	snprintf(marker, sizeof(marker), "/tmp/robinet-seccomp-%d",
	    (int)getpid());
	unlink(marker);
	return 0;
}

static void
test_allowed_calls_run(void **state)
{
	int st = in_child(allowed_calls);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_forbidden_call_kills_before_running(void **state)
{
	struct stat sb;
	int st = in_child(forbidden_exec);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	assert_int_not_equal(stat(marker, &sb), 0);	/* the shell never ran */
}

static void
test_forbidden_call_in_any_thread_kills_the_process(void **state)
{
	int st = in_child(forbidden_in_older_thread);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
test_log_mode_lets_the_call_run(void **state)
{
	int st = in_child(forbidden_logged);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_allowed_calls_run, setup),
		cmocka_unit_test_setup(test_forbidden_call_kills_before_running,
		    setup),
		cmocka_unit_test_setup(
		    test_forbidden_call_in_any_thread_kills_the_process, setup),
		cmocka_unit_test_setup(test_log_mode_lets_the_call_run, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
