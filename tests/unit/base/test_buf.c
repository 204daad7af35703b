/*
 * test_buf.c: unit tests of src/base/buf.c, the growable byte buffer:
 * growth, NUL termination, formatted output, HTML escaping, reset and
 * handing the storage over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static void
test_init_empty(void **state)
{
	rb_buf b = RB_BUF_INIT, c;

	(void)state;
	assert_null(b.buf_data);
	assert_int_equal(b.buf_len, 0);
	assert_int_equal(b.buf_cap, 0);
	assert_string_equal(rb_buf_cstr(&b), "");
	memset(&c, 0xa5, sizeof(c));
	rb_buf_init(&c);
	assert_null(c.buf_data);
	assert_int_equal(c.buf_len, 0);
	assert_int_equal(c.buf_cap, 0);
	/* Freeing an empty buffer is fine and leaves it reusable. */
	rb_buf_free(&b);
	rb_buf_free(&b);
	assert_null(b.buf_data);
	/* Appending nothing still gives a NUL-terminated "". */
	rb_buf_append(&b, "", 0);
	assert_non_null(b.buf_data);
	assert_int_equal(b.buf_len, 0);
	assert_string_equal(b.buf_data, "");
	rb_buf_free(&b);
}

static void
test_append(void **state)
{
	rb_buf b = RB_BUF_INIT;

	(void)state;
	rb_buf_append(&b, "abc", 3);
	rb_buf_puts(&b, "def");
	rb_buf_putc(&b, 'g');
	rb_buf_append(&b, "hij", 2);
	assert_int_equal(b.buf_len, 9);
	assert_string_equal(rb_buf_cstr(&b), "abcdefghi");
	assert_true(b.buf_cap > b.buf_len);
	/* Embedded NUL bytes are data. */
	rb_buf_append(&b, "x\0y", 3);
	assert_int_equal(b.buf_len, 12);
	assert_memory_equal(b.buf_data + 9, "x\0y\0", 4);
	rb_buf_free(&b);
}

static void
test_growth(void **state)
{
	rb_buf b = RB_BUF_INIT;
	size_t i;
	char c;

	(void)state;
	for (i = 0; i < 100000; i++)
		rb_buf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.buf_len, 100000);
	assert_true(b.buf_cap >= 100001);
	assert_int_equal(b.buf_data[100000], '\0');
	for (i = 0; i < 100000; i++) {
		c = (char)('a' + i % 26);
		if (b.buf_data[i] != c)
			fail_msg("byte %zu is %c", i, b.buf_data[i]);
	}
	rb_buf_free(&b);

	/* One large append, exactly a power of two. */
	{
		char *big = malloc(65536);

		memset(big, 'z', 65536);
		rb_buf_append(&b, big, 65536);
		assert_int_equal(b.buf_len, 65536);
		assert_true(b.buf_cap >= 65537);
		assert_int_equal(b.buf_data[65536], '\0');
		assert_memory_equal(b.buf_data, big, 65536);
		free(big);
	}
	rb_buf_free(&b);
}

static void
test_reserve(void **state)
{
	rb_buf b = RB_BUF_INIT;
	char *before;

	(void)state;
	rb_buf_reserve(&b, 1000);
	assert_true(b.buf_cap >= 1001);
	assert_int_equal(b.buf_len, 0);
	before = b.buf_data;
	/* Within the reservation the storage does not move. */
	while (b.buf_len < 1000)
		rb_buf_putc(&b, 'x');
	assert_ptr_equal(b.buf_data, before);
	assert_int_equal(strlen(b.buf_data), 1000);
	rb_buf_free(&b);
}

static void
test_printf(void **state)
{
	rb_buf b = RB_BUF_INIT;
	char want[3001];

	(void)state;
	rb_buf_printf(&b, "%d-%s-%05.1f", 42, "x", 3.5);
	assert_string_equal(rb_buf_cstr(&b), "42-x-003.5");
	rb_buf_printf(&b, "|%zu", (size_t)7);
	assert_string_equal(rb_buf_cstr(&b), "42-x-003.5|7");
	assert_int_equal(b.buf_len, 12);
	/* Empty output. */
	rb_buf_printf(&b, "%s", "");
	assert_int_equal(b.buf_len, 12);
	rb_buf_reset(&b);
	/* Output longer than any growth step. */
	memset(want, 'q', 3000);
	want[3000] = '\0';
	rb_buf_printf(&b, "%s", want);
	assert_int_equal(b.buf_len, 3000);
	assert_string_equal(rb_buf_cstr(&b), want);
	rb_buf_free(&b);
	/* printf on a fresh buffer with an empty result gives "". */
	rb_buf_printf(&b, "%s", "");
	assert_string_equal(rb_buf_cstr(&b), "");
	rb_buf_free(&b);
}

static void
test_html(void **state)
{
	static const char in[] = "<a href=\"x\" title='t'>Tom & Jérôme</a>";
	rb_buf b = RB_BUF_INIT;

	(void)state;
	rb_buf_html(&b, in, strlen(in));
	assert_string_equal(rb_buf_cstr(&b),
	    "&lt;a href=&quot;x&quot; title=&#39;t&#39;&gt;Tom &amp; "
	    "Jérôme&lt;/a&gt;");
	rb_buf_reset(&b);
	rb_buf_html(&b, "plain text", 10);
	assert_string_equal(rb_buf_cstr(&b), "plain text");
	rb_buf_reset(&b);
	/* Only n bytes are read; escapes at both ends. */
	rb_buf_html(&b, "&x<IGNORED", 3);
	assert_string_equal(rb_buf_cstr(&b), "&amp;x&lt;");
	rb_buf_reset(&b);
	rb_buf_html(&b, "", 0);
	assert_string_equal(rb_buf_cstr(&b), "");
	rb_buf_html(&b, "&&", 2);
	assert_string_equal(rb_buf_cstr(&b), "&amp;&amp;");
	/* Already escaped text is escaped again. */
	rb_buf_reset(&b);
	rb_buf_html(&b, "&amp;", 5);
	assert_string_equal(rb_buf_cstr(&b), "&amp;amp;");
	/* Appends after existing content. */
	rb_buf_reset(&b);
	rb_buf_puts(&b, "<p>");
	rb_buf_html(&b, "\"", 1);
	assert_string_equal(rb_buf_cstr(&b), "<p>&quot;");
	rb_buf_free(&b);
}

/* rb_int_text and rb_buf_put_int write what "%lld" writes. */
static void
test_int_text(void **state)
{
	static const long long v[] = { 0, 7, -7, 10, 99, 100, -1000,
	    1234567890123LL, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	char got[RB_INT_TEXT], want[32];
	rb_buf b = RB_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(want, sizeof(want), "%lld", v[i]);
		assert_int_equal(rb_int_text(v[i], got), strlen(want));
		assert_string_equal(got, want);
		rb_buf_reset(&b);
		rb_buf_puts(&b, "n=");
		rb_buf_put_int(&b, v[i]);
		assert_string_equal(b.buf_data + 2, want);
	}
	rb_buf_free(&b);
}

static void
test_reset(void **state)
{
	rb_buf b = RB_BUF_INIT;
	size_t cap;

	(void)state;
	rb_buf_reset(&b);	/* on an empty buffer */
	assert_string_equal(rb_buf_cstr(&b), "");
	rb_buf_puts(&b, "hello world");
	cap = b.buf_cap;
	rb_buf_reset(&b);
	assert_int_equal(b.buf_len, 0);
	assert_int_equal(b.buf_cap, cap);	/* storage kept */
	assert_string_equal(rb_buf_cstr(&b), "");
	rb_buf_puts(&b, "hi");
	assert_string_equal(rb_buf_cstr(&b), "hi");
	rb_buf_free(&b);
}

static void
test_steal(void **state)
{
	rb_buf b = RB_BUF_INIT;
	size_t len = 99;
	char *p;

	(void)state;
	rb_buf_puts(&b, "owned");
	p = rb_buf_steal(&b, &len);
	assert_string_equal(p, "owned");
	assert_int_equal(len, 5);
	assert_null(b.buf_data);
	assert_int_equal(b.buf_len, 0);
	assert_int_equal(b.buf_cap, 0);
	free(p);
	/* The buffer is usable again. */
	rb_buf_puts(&b, "again");
	p = rb_buf_steal(&b, NULL);
	assert_string_equal(p, "again");
	free(p);
	/* Stealing an empty buffer gives an allocated "". */
	len = 99;
	p = rb_buf_steal(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_int_text),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_steal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
