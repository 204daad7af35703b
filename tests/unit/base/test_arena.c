/*
 * test_arena.c: unit tests of src/base/arena.c, the region allocator:
 * zeroed and aligned memory, large allocations, copies and formatted
 * strings, accounting, and that nothing is reused while the arena lives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "base/arena.h"

static int
setup(void **state)
{
	*state = rb_arena_new();
	return 0;
}

static int
teardown(void **state)
{
	rb_arena_free(*state);
	return 0;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_zeroed_aligned(void **state)
{
	static const size_t sizes[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 100, 1000, 2047, 2048, 2049,
		4096, 8191, 8192, 8193, 100000,
	};
	size_t i;
	unsigned char *p;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = rb_arena_alloc(*state, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		assert_true(all_zero(p, sizes[i]));
		/* Writable over its whole size. */
		memset(p, 0xff, sizes[i]);
	}
}

static void
test_no_overlap(void **state)
{
	enum { N = 3000 };
	unsigned char *ptrs[N];
	size_t sizes[N], i, j;

	/* Mixed sizes spill over many blocks, some large. */
	for (i = 0; i < N; i++) {
		sizes[i] = 1 + (i * 37) % 300 + (i % 97 == 0 ? 5000 : 0);
		ptrs[i] = rb_arena_alloc(*state, sizes[i]);
		memset(ptrs[i], (int)(i % 251), sizes[i]);
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < sizes[i]; j++)
			if (ptrs[i][j] != i % 251)
				fail_msg("allocation %zu overwritten at %zu", i, j);
}

static void
test_zero_size(void **state)
{
	void *a = rb_arena_alloc(*state, 0);
	void *b = rb_arena_alloc(*state, 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
}

static void
test_strings(void **state)
{
	static const char src[] = "Régie des eaux";
	char *s, *t, *u;
	char big[5000];

	s = rb_arena_strdup(*state, src);
	assert_string_equal(s, src);
	assert_ptr_not_equal(s, src);
	t = rb_arena_strndup(*state, "abcdef", 3);
	assert_string_equal(t, "abc");
	t = rb_arena_strndup(*state, "ab\0cd", 5);
	assert_memory_equal(t, "ab\0cd\0", 6);
	t = rb_arena_strdup(*state, "");
	assert_string_equal(t, "");
	u = rb_arena_printf(*state, "%s n°%d %05.2f", "facture", 12, 3.5);
	assert_string_equal(u, "facture n°12 03.50");
	u = rb_arena_printf(*state, "%s", "");
	assert_string_equal(u, "");
	/* Long enough for a block of its own. */
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	u = rb_arena_printf(*state, "<%s>", big);
	assert_int_equal(strlen(u), sizeof(big) + 1);
	assert_int_equal(u[0], '<');
	assert_int_equal(u[sizeof(big)], '>');
	s = rb_arena_strdup(*state, big);
	assert_string_equal(s, big);
	/* Earlier strings survive later allocations. */
	assert_string_equal(rb_arena_strdup(*state, src), src);
	assert_string_equal(t, "");
}

static void
test_used(void **state)
{
	size_t before, after;

	assert_int_equal(rb_arena_used(*state), 0);
	rb_arena_alloc(*state, 10);
	after = rb_arena_used(*state);
	assert_true(after >= 10);
	before = after;
	rb_arena_alloc(*state, 100000);
	after = rb_arena_used(*state);
	assert_true(after - before >= 100000);
	/* Rounding to alignment is bounded. */
	assert_true(after - before < 100000 + alignof(max_align_t));
	before = after;
	rb_arena_strdup(*state, "abc");
	assert_true(rb_arena_used(*state) - before >= 4);
}

static void
test_free_null(void **state)
{
	rb_arena *a = rb_arena_new();

	(void)state;
	rb_arena_free(NULL);
	/* An arena used only for a large block frees cleanly too. */
	rb_arena_alloc(a, 1 << 20);
	rb_arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zeroed_aligned, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_overlap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zero_size, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_used, setup, teardown),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
