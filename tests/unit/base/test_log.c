/*
 * test_log.c: unit tests of src/base/log.c. Log lines are sent to a pipe
 * with rb_log_set_fd() and read back: one logfmt line per event, fields
 * ts, level, func and msg in that order, values quoted and escaped so that
 * no message can forge a second line or another field; level filtering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"

struct pipe_state {
	int	ps_fd[2];
	char	ps_text[8192];
};

static struct pipe_state ps;

static int
setup(void **state)
{
	(void)state;
	if (pipe(ps.ps_fd) == -1)
		return -1;
	if (fcntl(ps.ps_fd[0], F_SETFL, O_NONBLOCK) == -1)
		return -1;
	rb_log_set_fd(ps.ps_fd[1]);
	rb_log_set_level(RB_LOG_INFO);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rb_log_set_fd(2);
	rb_log_set_level(RB_LOG_INFO);
	close(ps.ps_fd[0]);
	close(ps.ps_fd[1]);
	return 0;
}

/* Reads whatever the pipe holds; returns it NUL-terminated. */
static const char *
drain(void)
{
	size_t n = 0;
	ssize_t r;

	for (;;) {
		r = read(ps.ps_fd[0], ps.ps_text + n, sizeof(ps.ps_text) - 1 - n);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		assert_true(r == 0 || errno == EAGAIN);
		break;
	}
	ps.ps_text[n] = '\0';
	return ps.ps_text;
}

/*
 * Splits the logfmt line s (no newline) into at most max key/value pairs,
 * unescaping quoted values. Returns the number of pairs, or -1 when the
 * line is not well-formed logfmt.
 */
static int
parse_logfmt(const char *s, char keys[][32], char vals[][512], int max)
{
	int n = 0;
	size_t k, v;

	while (*s != '\0') {
		if (n == max)
			return -1;
		for (k = 0; *s != '=' && *s != '\0' && *s != ' '; s++) {
			if (k == 31)
				return -1;
			keys[n][k++] = *s;
		}
		keys[n][k] = '\0';
		if (k == 0 || *s++ != '=')
			return -1;
		v = 0;
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0' || v >= 510)
					return -1;
				if (*s == '\\') {
					s++;
					if (*s == 'n')
						vals[n][v++] = '\n';
					else if (*s == '"' || *s == '\\')
						vals[n][v++] = *s;
					else if (*s == 'x' && s[1] && s[2]) {
						char hex[3] = { s[1], s[2], 0 };

						vals[n][v++] = (char)strtol(hex,
						    NULL, 16);
						s += 2;
					} else
						return -1;
				} else
					vals[n][v++] = *s;
			}
			s++;
		} else {
			for (; *s != ' ' && *s != '\0'; s++) {
				if (*s == '"' || *s == '=' || v >= 510)
					return -1;
				vals[n][v++] = *s;
			}
		}
		vals[n][v] = '\0';
		n++;
		if (*s == ' ')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return n;
}

/* Logs one event and checks the single line it produced. */
static void
check_event(const char *text, const char *level, const char *func,
    const char *msg)
{
	char keys[8][32], vals[8][512];
	char line[8192];
	size_t len = strlen(text);
	int n;

	assert_true(len > 0);
	assert_int_equal(text[len - 1], '\n');
	/* Exactly one line. */
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	memcpy(line, text, len - 1);
	line[len - 1] = '\0';
	n = parse_logfmt(line, keys, vals, 8);
	if (n != 4)
		fail_msg("bad line (%d fields): %s", n, line);
	assert_string_equal(keys[0], "ts");
	assert_string_equal(keys[1], "level");
	assert_string_equal(keys[2], "func");
	assert_string_equal(keys[3], "msg");
	/* 2026-11-29T10:00:00Z */
	assert_int_equal(strlen(vals[0]), 20);
	assert_int_equal(vals[0][4], '-');
	assert_int_equal(vals[0][7], '-');
	assert_int_equal(vals[0][10], 'T');
	assert_int_equal(vals[0][13], ':');
	assert_int_equal(vals[0][16], ':');
	assert_int_equal(vals[0][19], 'Z');
	assert_string_equal(vals[1], level);
	assert_string_equal(vals[2], func);
	assert_string_equal(vals[3], msg);
}

static void
test_error_line(void **state)
{
	(void)state;
	log_errx("cannot open %s", "robinet.db");
	check_event(drain(), "error", "test_error_line",
	    "cannot open robinet.db");
	log_warnx("x");
	check_event(drain(), "warn", "test_error_line", "x");
	log_info("started");
	check_event(drain(), "info", "test_error_line", "started");
	/* Unquoted when nothing needs quoting. */
	log_info("ok");
	assert_non_null(strstr(drain(), " msg=ok\n"));
	log_info("with space");
	assert_non_null(strstr(drain(), " msg=\"with space\"\n"));
}

static void
test_quoting_in_messages(void **state)
{
	static const char *const msgs[] = {
		"say \"hi\"",
		"back\\slash",
		"two\nlines",
		"forged\nts=2000-01-01T00:00:00Z level=error msg=x",
		"msg=fake level=error",
		"tab\there",
		"cr\rlf",
		"esc\x1b[31m",
		"del\x7f",
		"=",
		"\"",
		"trailing\\",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		log_warnx("%s", msgs[i]);
		check_event(drain(), "warn", "test_quoting_in_messages",
		    msgs[i]);
	}
	/* An empty message is written as "". */
	log_warnx("%s", "");
	assert_non_null(strstr(drain(), " msg=\"\"\n"));
}

static void
test_kv(void **state)
{
	rb_buf b = RB_BUF_INIT;

	(void)state;
	rb_log_kv(&b, "a", "simple");
	assert_string_equal(rb_buf_cstr(&b), "a=simple");
	rb_log_kv(&b, "b", "");
	assert_string_equal(rb_buf_cstr(&b), "a=simple b=\"\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "a b");
	assert_string_equal(rb_buf_cstr(&b), "k=\"a b\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "a\"b");
	assert_string_equal(rb_buf_cstr(&b), "k=\"a\\\"b\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "a\\b");
	assert_string_equal(rb_buf_cstr(&b), "k=\"a\\\\b\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "a\nb");
	assert_string_equal(rb_buf_cstr(&b), "k=\"a\\nb\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "a\tb");
	assert_string_equal(rb_buf_cstr(&b), "k=\"a\\x09b\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "a=b");
	assert_string_equal(rb_buf_cstr(&b), "k=\"a=b\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "\x7f");
	assert_string_equal(rb_buf_cstr(&b), "k=\"\\x7f\"");
	rb_buf_reset(&b);
	rb_log_kv(&b, "k", "path=/a/b?c");
	assert_string_equal(rb_buf_cstr(&b), "k=\"path=/a/b?c\"");
	rb_buf_reset(&b);
	/* UTF-8 bytes are kept as they are (quoted or not). */
	rb_log_kv(&b, "k", "caf\xc3\xa9");
	assert_true(strcmp(rb_buf_cstr(&b), "k=caf\xc3\xa9") == 0 ||
	    strcmp(rb_buf_cstr(&b), "k=\"caf\xc3\xa9\"") == 0);
	rb_buf_free(&b);
}

static void
test_line(void **state)
{
	rb_buf b = RB_BUF_INIT;

	(void)state;
	rb_log_kv(&b, "event", "login");
	rb_log_kv(&b, "user", "42");
	rb_log_line(&b);
	assert_string_equal(drain(), "event=login user=42\n");
	/* b itself is unchanged. */
	assert_string_equal(rb_buf_cstr(&b), "event=login user=42");
	rb_buf_free(&b);
	/* An empty buffer gives an empty line. */
	rb_log_line(&b);
	assert_string_equal(drain(), "\n");
}

/* rb_log_line_own(): the same line, its newline added to b itself. */
static void
test_line_own(void **state)
{
	rb_buf b = RB_BUF_INIT;

	(void)state;
	rb_log_kv(&b, "event", "login");
	rb_log_kv(&b, "path", "/a b");
	rb_log_line_own(&b);
	assert_string_equal(drain(), "event=login path=\"/a b\"\n");
	assert_string_equal(rb_buf_cstr(&b), "event=login path=\"/a b\"\n");
	rb_buf_free(&b);
	rb_log_line_own(&b);
	assert_string_equal(drain(), "\n");
	rb_buf_free(&b);
}

/* One message of the SOCK_SEQPACKET socket sp (one write(2) of the log),
 * NUL-terminated in buf, or "" when none is waiting. */
static const char *
message(int sp, char *buf, size_t size)
{
	ssize_t r = recv(sp, buf, size - 1, MSG_DONTWAIT);

	if (r < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		r = 0;
	}
	buf[r] = '\0';
	return buf;
}

/* A batch's lines are written together, in order, with one write(2) when
 * it ends; another line writes the batch first; whole lines, at most
 * RB_LOG_BATCH_MAX bytes per write. The log goes to a SOCK_SEQPACKET
 * socket, where each write(2) is one message. */
static void
test_batch(void **state)
{
	char buf[2 * RB_LOG_BATCH_MAX], big[1000];
	rb_buf b = RB_BUF_INIT;
	int sp[2], i;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	rb_log_set_fd(sp[1]);
	rb_log_batch_begin();
	for (i = 0; i < 3; i++) {
		rb_buf_reset(&b);
		rb_log_kv(&b, "n", i == 0 ? "a" : i == 1 ? "b" : "c");
		rb_log_line_own(&b);
	}
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "");
	rb_log_batch_end();
	assert_string_equal(message(sp[0], buf, sizeof(buf)),
	    "n=a\nn=b\nn=c\n");
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "");

	/* Another line: the batch first, then the line at once. */
	rb_log_batch_begin();
	rb_buf_reset(&b);
	rb_log_kv(&b, "n", "d");
	rb_log_line_own(&b);
	log_warnx("between");
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "n=d\n");
	check_event(message(sp[0], buf, sizeof(buf)), "warn", "test_batch",
	    "between");
	rb_buf_reset(&b);
	rb_log_kv(&b, "n", "e");
	rb_log_line_own(&b);
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "");
	rb_log_batch_end();
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "n=e\n");

	/* Five lines of 1,000 bytes: four in the first write, one in the
	   second. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rb_log_batch_begin();
	for (i = 0; i < 5; i++) {
		rb_buf_reset(&b);
		rb_buf_append(&b, big, sizeof(big) - 1);
		rb_log_line_own(&b);
	}
	assert_int_equal(strlen(message(sp[0], buf, sizeof(buf))),
	    4 * sizeof(big));
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "");
	rb_log_batch_end();
	assert_int_equal(strlen(message(sp[0], buf, sizeof(buf))),
	    sizeof(big));

	/* Outside a batch, each line at once. */
	rb_buf_reset(&b);
	rb_log_kv(&b, "n", "f");
	rb_log_line_own(&b);
	assert_string_equal(message(sp[0], buf, sizeof(buf)), "n=f\n");
	rb_buf_free(&b);
	rb_log_set_fd(ps.ps_fd[1]);
	close(sp[0]);
	close(sp[1]);
}

static void
test_levels(void **state)
{
	(void)state;
	log_debug("hidden");
	assert_string_equal(drain(), "");
	rb_log_set_level(RB_LOG_WARN);
	log_info("hidden");
	assert_string_equal(drain(), "");
	log_warnx("shown");
	check_event(drain(), "warn", "test_levels", "shown");
	log_errx("shown");
	check_event(drain(), "error", "test_levels", "shown");
	rb_log_set_level(RB_LOG_ERROR);
	log_warnx("hidden");
	assert_string_equal(drain(), "");
	log_errx("shown");
	check_event(drain(), "error", "test_levels", "shown");
	rb_log_set_level(RB_LOG_DEBUG);
	log_debug("shown %d", 4);
	check_event(drain(), "debug", "test_levels", "shown 4");
	rb_log(RB_LOG_INFO, "explicit_func", "direct");
	check_event(drain(), "info", "explicit_func", "direct");
}

static void
test_long_message(void **state)
{
	char msg[400];

	(void)state;
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	log_info("%s", msg);
	check_event(drain(), "info", "test_long_message", msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_error_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quoting_in_messages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_own, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_message, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
