/*
 * test_mem.c: unit tests of src/base/mem.c: once rb_mem_init() has run,
 * an allocation that jansson cannot get ends in the one out-of-memory
 * path (a message, then abort), never in a NULL handed back to a caller;
 * jansson's blocks come from a per-thread cache of small blocks that
 * gives back what a thread freed, keeps contents and alignment whatever
 * the size, and takes blocks freed by another thread.
 */
#include <pthread.h>
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
	assert_non_null(m);
	assert_non_null(f);
	/* Not the C library's own: the per-thread cache of mem.c. */
	assert_ptr_not_equal(m, malloc);
	assert_ptr_not_equal(f, free);
	s = json_string("eau");
	assert_non_null(s);
	assert_string_equal(json_string_value(s), "eau");
	json_decref(s);
}

/* 300 blocks of n bytes, filled with their index, checked, freed. */
static void
fill_check_free(json_malloc_t m, json_free_t f, size_t n, void **keep)
{
	void *p[300];

	for (int i = 0; i < 300; i++) {
		p[i] = m(n);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		memset(p[i], i & 0xff, n ? n : 1);
	}
	for (int i = 0; i < 300; i++) {
		unsigned char *b = p[i];

		for (size_t j = 0; j < (n ? n : 1); j++)
			assert_int_equal(b[j], i & 0xff);
	}
	if (keep != NULL)
		memcpy(keep, p, sizeof(p));
	for (int i = 0; i < 300; i++)
		f(p[i]);
}

static void
test_json_blocks_are_reused_per_thread(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 48, 100, 255, 256,
	    257, 4096, 100000 };
	json_malloc_t m = NULL;
	json_free_t f = NULL;
	void *before[300], *again[300];
	int found = 0;

	(void)state;
	rb_mem_init();
	json_get_alloc_funcs(&m, &f);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		fill_check_free(m, f, sizes[i], NULL);
	/* The 300 blocks of a class freed are kept (the C library keeps 7 in
	 * its per-thread cache and merges the rest): the next 300 of that
	 * class are those very blocks. */
	fill_check_free(m, f, 40, before);
	for (int i = 0; i < 300; i++) {
		again[i] = m(40);
		for (int j = 0; j < 300; j++)
			found += again[i] == before[j];
	}
	/* Under AddressSanitizer nothing is kept: its quarantine holds the
	 * freed blocks, so none comes back. */
	assert_int_equal(found, RB_MEM_KEEPS_BLOCKS ? 300 : 0);
	for (int i = 0; i < 300; i++)
		f(again[i]);
	rb_mem_thread_end();
}

static void *
alloc_in_thread(void *arg)
{
	json_t *o = json_pack("{s:s, s:i, s:[s, s]}", "a", "eau", "b", 42,
	    "c", "x", "y");

	(void)arg;
	return o;
}

static void
test_json_freed_by_another_thread(void **state)
{
	pthread_t t;
	void *o = NULL;

	(void)state;
	rb_mem_init();
	for (int i = 0; i < 50; i++) {
		assert_int_equal(pthread_create(&t, NULL, alloc_in_thread,
		    NULL), 0);
		assert_int_equal(pthread_join(t, &o), 0);
		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "a")),
		    "eau");
		assert_int_equal(json_integer_value(json_object_get(o, "b")),
		    42);
		json_decref(o);
	}
	rb_mem_thread_end();
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
		cmocka_unit_test(test_json_blocks_are_reused_per_thread),
		cmocka_unit_test(test_json_freed_by_another_thread),
		cmocka_unit_test(test_json_out_of_memory_aborts_with_a_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
