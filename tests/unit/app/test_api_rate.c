/*
 * test_api_rate.c: rb_api_rate_hit() (app/api.h), the JSON API's rate
 * limit: requests are counted until the allowance, the next one is
 * refused with the wait and not counted, buckets are independent, and
 * the window slides.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app/api.h"
#include "store/migrate.h"

#define W	600
#define T0	((time_t)1795000800)	/* a multiple of the slot */

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL)
		return -1;
	if (test_db_open(f->dir, sizeof(f->dir), "api_rate.db", &f->db) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	test_db_close(f->dir, f->db);
	free(f);
	return 0;
}

static void
test_allowance_then_refusal(void **state)
{
	struct fixture *f = *state;
	int k, retry = -1;

	for (k = 0; k < 3; k++) {
		assert_int_equal(rb_api_rate_hit(f->db, "api:ip:192.0.2.1",
		    T0 + k, W, 3, &retry), RB_OK);
		assert_int_equal(retry, 0);
	}
	/* Full: refused with the wait, again and again (not counted). */
	for (k = 0; k < 2; k++) {
		retry = 0;
		assert_int_equal(rb_api_rate_hit(f->db, "api:ip:192.0.2.1",
		    T0 + 10, W, 3, &retry), RB_LIMITED);
		assert_true(retry > 0 && retry <= W);
	}
	/* Another bucket is not affected. */
	assert_int_equal(rb_api_rate_hit(f->db, "api:ip:192.0.2.2", T0 + 10,
	    W, 3, &retry), RB_OK);
	assert_int_equal(retry, 0);
	/* Once the window has passed, the first bucket counts again. */
	assert_int_equal(rb_api_rate_hit(f->db, "api:ip:192.0.2.1",
	    T0 + 2 * W + 10, W, 3, &retry), RB_OK);
	assert_int_equal(retry, 0);
}

static void
test_zero_allowance_refuses(void **state)
{
	struct fixture *f = *state;
	int retry = 0;

	assert_int_equal(rb_api_rate_hit(f->db, "api:token:1", T0, W, 0,
	    &retry), RB_LIMITED);
	assert_true(retry > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allowance_then_refusal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_allowance_refuses,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
