/*
 * test_pagefrag.c: a page's HTML kept with its value (app/pagefrag.h):
 * the cut at a per-request text gives the two parts around it, a marker
 * found twice refuses the cut, a slot keeps the first fragment put in
 * and finds it only under its own key, and a fragment not kept stays
 * the caller's. Threads racing to keep one: exactly one wins.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/pagefrag.h"

#define MARK	"\x01mark\x01"

static void
test_cut_gives_head_and_tail(void **state)
{
	char html[] = "<form><input value=\"" MARK "\"></form>";
	size_t len = strlen(html), cut;
	struct rb_pagefrag *f;

	(void)state;
	assert_int_equal(rb_pagefrag_cut(html, &len, MARK, &cut), 0);
	assert_int_equal(cut, strlen("<form><input value=\""));
	f = rb_pagefrag_new("k", html, len, cut);
	assert_string_equal(rb_pagefrag_head(f), "<form><input value=\"");
	assert_string_equal(rb_pagefrag_tail(f), "\"></form>");
	rb_pagefrag_free(f);
}

static void
test_no_marker_no_cut(void **state)
{
	char html[] = "<p>rien à couper</p>";
	size_t len = strlen(html), cut = 0;
	struct rb_pagefrag *f;

	(void)state;
	assert_int_equal(rb_pagefrag_cut(html, &len, MARK, &cut), 0);
	assert_true(cut == RB_PAGEFRAG_NOCUT);
	assert_int_equal(len, strlen(html));
	f = rb_pagefrag_new("k", html, len, cut);
	assert_string_equal(rb_pagefrag_head(f), "<p>rien à couper</p>");
	assert_string_equal(rb_pagefrag_tail(f), "");
	assert_true(f->pf_cut == RB_PAGEFRAG_NOCUT);
	rb_pagefrag_free(f);
}

/* Data that holds the marker: the cut would be wrong, it is refused. */
static void
test_marker_twice_is_refused(void **state)
{
	char html[] = "<p>" MARK "</p><input value=\"" MARK "\">";
	size_t len = strlen(html), cut;

	(void)state;
	assert_int_equal(rb_pagefrag_cut(html, &len, MARK, &cut), -1);
}

static void
test_slot_keeps_the_first_under_its_key(void **state)
{
	struct rb_pagefrag_slot slot;
	struct rb_pagefrag *a, *b;

	(void)state;
	rb_pagefrag_slot_init(&slot);
	assert_null(rb_pagefrag_find(&slot, "2026-06-12|0"));
	assert_int_equal(rb_pagefrag_held(&slot), 0);
	a = rb_pagefrag_new("2026-06-12|0", "<p>a</p>", 8, RB_PAGEFRAG_NOCUT);
	b = rb_pagefrag_new("2026-06-13|0", "<p>b</p>", 8, RB_PAGEFRAG_NOCUT);
	assert_int_equal(rb_pagefrag_keep(&slot, a), 1);
	/* Held, whatever the key looked for. */
	assert_int_equal(rb_pagefrag_held(&slot), 1);
	/* The slot is set once: another key is not kept, the caller frees
	   it. */
	assert_int_equal(rb_pagefrag_keep(&slot, b), 0);
	assert_ptr_equal(rb_pagefrag_find(&slot, "2026-06-12|0"), a);
	assert_null(rb_pagefrag_find(&slot, "2026-06-13|0"));
	assert_null(rb_pagefrag_find(&slot, "2026-06-12|1"));
	assert_null(rb_pagefrag_find(&slot, "2026-06-12"));
	rb_pagefrag_free(b);
	rb_pagefrag_slot_clear(&slot);
	assert_null(rb_pagefrag_find(&slot, "2026-06-12|0"));
	assert_int_equal(rb_pagefrag_held(&slot), 0);
}

#define NTHREADS	8

static struct rb_pagefrag_slot race_slot;

static void *
race(void *arg)
{
	struct rb_pagefrag *f;
	intptr_t won;

	(void)arg;
	f = rb_pagefrag_new("k", "<p>x</p>", 8, RB_PAGEFRAG_NOCUT);
	won = rb_pagefrag_keep(&race_slot, f);
	if (!won)
		rb_pagefrag_free(f);
	return (void *)won;
}

static void
test_one_of_racing_threads_keeps(void **state)
{
	pthread_t t[NTHREADS];
	void *won;
	int i, n = 0;

	(void)state;
	rb_pagefrag_slot_init(&race_slot);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, NULL), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &won), 0);
		n += won != NULL;
	}
	assert_int_equal(n, 1);
	assert_non_null(rb_pagefrag_find(&race_slot, "k"));
	rb_pagefrag_slot_clear(&race_slot);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_gives_head_and_tail),
		cmocka_unit_test(test_no_marker_no_cut),
		cmocka_unit_test(test_marker_twice_is_refused),
		cmocka_unit_test(test_slot_keeps_the_first_under_its_key),
		cmocka_unit_test(test_one_of_racing_threads_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
