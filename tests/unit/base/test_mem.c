/*
 * test_mem.c: unit tests of src/base/mem.c: once rb_mem_init() has run,
 * an allocation that jansson cannot get ends in the one out-of-memory
 * path (a message, then abort), never in a NULL handed back to a caller.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/mem.h"

/* Under AddressSanitizer a failed malloc must return NULL, as glibc's
 * does, so that the test reaches our handler rather than ASan's. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static void
test_json_uses_our_allocator(void **state)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;
	json_t *s;

	(void)state;
	rb_mem_init();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, rb_xmalloc);
	assert_ptr_equal(f, free);
	s = json_string("eau");
	assert_non_null(s);
	assert_string_equal(json_string_value(s), "eau");
	json_decref(s);
}

static void
test_json_out_of_memory_aborts_with_a_message(void **state)
{
	char out[256];
	ssize_t n;
	size_t got = 0;
	int fds[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		rb_mem_init();
		/* No machine has this much memory: malloc fails at once. */
		json_stringn_nocheck("x", SIZE_MAX / 4);
		_exit(0);	/* reached only if NULL came back */
	}
	close(fds[1]);
	while (got < sizeof(out) - 1 &&
	    (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "robinet: out of memory"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_uses_our_allocator),
		cmocka_unit_test(test_json_out_of_memory_aborts_with_a_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
