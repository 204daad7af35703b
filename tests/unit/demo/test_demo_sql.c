/*
 * test_demo_sql.c: the generated text of the demo's multi-row INSERTs
 * (rb_demo_rows_sql() in demo/demo_store.c): exact texts for small
 * shapes, and for the largest batch every placeholder once, in order,
 * each row holding the next cols numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo/demo_store.h"

static void
one_row_of_one_column(void **state)
{
	char *s = rb_demo_rows_sql("INSERT INTO t (a) VALUES ", 1, 1, "");

	(void)state;
	assert_string_equal(s, "INSERT INTO t (a) VALUES ($1)");
	free(s);
}

static void
rows_are_numbered_row_after_row(void **state)
{
	char *s = rb_demo_rows_sql("INSERT INTO t (a, b, c) VALUES ", 3, 3,
	    " RETURNING id");

	(void)state;
	assert_string_equal(s, "INSERT INTO t (a, b, c) VALUES "
	    "($1, $2, $3), ($4, $5, $6), ($7, $8, $9) RETURNING id");
	free(s);
}

/*
 * Walks s after head: rows of "(" cols numbers ")" separated by ", ",
 * the numbers 1, 2, 3 ... in order; returns the number of rows, or -1
 * at the first byte out of place.
 */
static int
count_rows(const char *s, int cols)
{
	const char *p = s;
	char *end;
	long want = 1;
	int rows = 0, c;

	while (*p == '(') {
		p++;
		for (c = 0; c < cols; c++) {
			if (c > 0 && strncmp(p, ", ", 2) != 0)
				return -1;
			if (c > 0)
				p += 2;
			if (*p != '$' || strtol(p + 1, &end, 10) != want ||
			    end == p + 1)
				return -1;
			want++;
			p = end;
		}
		if (*p++ != ')')
			return -1;
		rows++;
		if (strncmp(p, ", ", 2) == 0 && p[2] == '(')
			p += 2;
	}
	return *p == '\0' ? rows : -1;
}

static void
large_batches_number_every_value_once(void **state)
{
	static const int shapes[][2] = {
		{ 21, 16 }, { 13, 64 }, { 7, 16 }, { 4, 64 }, { 4, 512 },
		{ 13, 1 },
	};
	const char *head = "INSERT INTO t VALUES ";
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		s = rb_demo_rows_sql(head, shapes[i][0], shapes[i][1], "");
		assert_memory_equal(s, head, strlen(head));
		assert_int_equal(count_rows(s + strlen(head), shapes[i][0]),
		    shapes[i][1]);
		free(s);
	}
	/* The checker itself refuses a gap and a repeat. */
	assert_int_equal(count_rows("($1, $2), ($4, $5)", 2), -1);
	assert_int_equal(count_rows("($1, $2), ($2, $3)", 2), -1);
	assert_int_equal(count_rows("($1, $2), ($3)", 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_row_of_one_column),
		cmocka_unit_test(rows_are_numbered_row_after_row),
		cmocka_unit_test(large_batches_number_every_value_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
