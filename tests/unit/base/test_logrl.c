/*
 * test_logrl.c: unit tests of src/base/logrl.c, the aggregator of log
 * messages outsiders can repeat. Lines go to a temporary file through
 * rb_log_set_fd() and are read back. Checked: the first message of an
 * interval is written, the others only counted; one summary per template
 * and interval with the count and the top addresses; the number of lines
 * stays bounded whatever the number of messages, templates or addresses;
 * counts are exact under concurrent callers; pending summaries are
 * written at exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/logrl.h"

static FILE *out;
static char text[1 << 20];

static int
setup(void **state)
{
	(void)state;
	if ((out = tmpfile()) == NULL)
		return -1;
	rb_log_set_fd(fileno(out));
	rb_log_set_level(RB_LOG_INFO);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rb_log_set_fd(2);
	fclose(out);
	return 0;
}

/* Everything written since the last call; the file is emptied. */
static const char *
take(void)
{
	long n;

	n = lseek(fileno(out), 0, SEEK_END);
	assert_true(n >= 0 && (size_t)n < sizeof(text));
	assert_int_equal(pread(fileno(out), text, (size_t)n, 0), n);
	text[n] = '\0';
	assert_int_equal(ftruncate(fileno(out), 0), 0);
	lseek(fileno(out), 0, SEEK_SET);
	return text;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int
note(struct rb_logrl *rl, uint64_t now, const char *key, const char *addr)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "msg of %s", key);
	return rb_logrl_note(rl, now, RB_LOG_WARN, "fn", key, addr, msg);
}

/* The first of an interval is written, the rest counted. */
static void
test_first_written_rest_counted(void **state)
{
	struct rb_logrl *rl = rb_logrl_new(10000);
	int i, written = 0;

	(void)state;
	for (i = 0; i < 1000; i++)
		written += note(rl, 1000 + (uint64_t)i, "refused %s",
		    i % 10 == 0 ? "10.0.0.2" : "10.0.0.1");
	assert_int_equal(written, 1);
	/* Nothing before the interval is over. */
	assert_int_equal(rb_logrl_flush(rl, 10999, 0), 0);
	assert_string_equal(take(), "");
	assert_int_equal(rb_logrl_flush(rl, 11000, 0), 1);
	take();
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "level=warn func=fn"));
	assert_non_null(strstr(text, "msg of refused %s [repeated 999 more "
	    "times in the last 10 s; top addresses: 10.0.0.1 (900), "
	    "10.0.0.2 (99)]"));
	/* Closed: the next message opens a new interval and is written. */
	assert_int_equal(note(rl, 11001, "refused %s", "10.0.0.1"), 1);
	assert_int_equal(rb_logrl_flush(rl, 30000, 0), 0);
	rb_logrl_free(rl);
	assert_string_equal(take(), "");
}

/* A message after the interval writes the summary of the one before. */
static void
test_next_message_closes_interval(void **state)
{
	struct rb_logrl *rl = rb_logrl_new(10000);

	(void)state;
	assert_int_equal(note(rl, 0, "k", NULL), 1);
	assert_int_equal(note(rl, 5, "k", NULL), 0);
	assert_int_equal(note(rl, 10000, "k", NULL), 1);
	take();
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "[repeated 1 more time in the last "
	    "10 s]"));
	assert_null(strstr(text, "top addresses"));
	rb_logrl_free(rl);
	assert_string_equal(take(), "");	/* nothing repeated since */
}

/* 100,000 distinct addresses: the heavy one is still found, three shown. */
static void
test_many_addresses_bounded(void **state)
{
	struct rb_logrl *rl = rb_logrl_new(10000);
	char addr[48];
	const char *p;
	int i;

	(void)state;
	note(rl, 0, "k", "x");
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		note(rl, 1, "k", addr);
		note(rl, 1, "k", "192.0.2.7");
	}
	assert_int_equal(rb_logrl_flush(rl, 10000, 0), 1);
	take();
	assert_non_null(strstr(text, "[repeated 200000 more times"));
	p = strstr(text, "top addresses: 192.0.2.7 (");
	assert_non_null(p);
	/* Exactly three shown. */
	assert_non_null(strchr(p, ','));
	assert_non_null(strchr(strchr(p, ',') + 1, ','));
	assert_null(strchr(strchr(strchr(p, ',') + 1, ',') + 1, ','));
	rb_logrl_free(rl);
}

/* 10,000 templates: lines bounded by the table, not by the input. */
static void
test_many_templates_bounded(void **state)
{
	struct rb_logrl *rl = rb_logrl_new(10000);
	char key[32];
	int i, r, written = 0;

	(void)state;
	for (r = 0; r < 10; r++)
		for (i = 0; i < 10000; i++) {
			snprintf(key, sizeof(key), "template %d", i);
			written += note(rl, (uint64_t)r, key, "10.0.0.1");
		}
	assert_int_equal(written, RB_LOGRL_KEYS + 1);
	assert_int_equal(rb_logrl_flush(rl, 10000, 0), RB_LOGRL_KEYS + 1);
	take();
	assert_non_null(strstr(text, "(other messages) [repeated"));
	rb_logrl_free(rl);
}

struct worker_arg {
	struct rb_logrl	*wa_rl;
	int		 wa_written;
};

static void *
worker(void *arg)
{
	struct worker_arg *wa = arg;
	int i;

	for (i = 0; i < 20000; i++)
		wa->wa_written += note(wa->wa_rl, 1, "k", "10.0.0.1");
	return NULL;
}

/* Four threads at once: every message counted once. */
static void
test_concurrent_counts_exact(void **state)
{
	struct rb_logrl *rl = rb_logrl_new(10000);
	struct worker_arg wa[4];
	pthread_t t[4];
	int i, written = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		wa[i].wa_rl = rl;
		wa[i].wa_written = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker, &wa[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		written += wa[i].wa_written;
	}
	assert_int_equal(written, 1);
	rb_logrl_free(rl);
	take();
	assert_non_null(strstr(text, "[repeated 79999 more times in the "
	    "last 10 s; top addresses: 10.0.0.1 (79999)]"));
}

/* The process-wide entry point: first written, newlines trimmed. */
static void
test_global_entry_point(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 50; i++)
		rb_log_rl(RB_LOG_WARN, "lib", "127.0.0.1", "limit %d\n", i);
	take();
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "msg=\"limit 0\""));
	rb_log_rl_flush(1);
	take();
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "limit 0 [repeated 49 more times"));
	assert_non_null(strstr(text, "127.0.0.1 (49)"));
}

/* A command that exits without flushing still writes its summaries. */
static void
test_summaries_written_at_exit(void **state)
{
	pid_t pid;
	int st, i;

	(void)state;
	take();
	if ((pid = fork()) == 0) {
		for (i = 0; i < 5; i++)
			rb_log_rl(RB_LOG_WARN, "cmd", NULL, "at exit %d", i);
		exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	take();
	assert_int_equal(count_lines(text), 2);
	assert_non_null(strstr(text, "at exit 0 [repeated 4 more times"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_written_rest_counted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_next_message_closes_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_addresses_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_templates_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_counts_exact,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_entry_point,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_summaries_written_at_exit,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
