/*
 * test_homecache.c: unit tests of src/web/homecache.c, the home page
 * kept in memory: the news stamp kept between two reads (its age on a
 * clock the test gives, and this process's news writes), and the
 * signed-in page kept cut at the visitor's fields and spliced again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "web/homecache.h"

/* A key of stamp for an ordinary day. */
static struct rb_home_key
key_of(int64_t stamp)
{
	struct rb_home_key k;

	memset(&k, 0, sizeof(k));
	k.hk_stamp = stamp;
	strcpy(k.hk_today, "2026-12-06");
	k.hk_open = 1;
	strcpy(k.hk_sentence, "Le service client est ouvert.");
	return k;
}

static void
stamp_is_kept_for_recheck_ms_and_until_a_write(void **state)
{
	struct rb_home_cache *hc = rb_home_cache_new();
	int64_t stamp = -1;

	(void)state;
	/* Nothing read yet. */
	assert_int_equal(rb_home_cache_stamp(hc, 1000, 5, 1000, &stamp), 0);
	rb_home_cache_stamp_keep(hc, 1000, 5, 7);
	assert_int_equal(rb_home_cache_stamp(hc, 1000, 5, 1000, &stamp), 1);
	assert_int_equal(stamp, 7);
	assert_int_equal(rb_home_cache_stamp(hc, 1999, 5, 1000, &stamp), 1);
	/* As old as news_recheck_ms: read again. */
	assert_int_equal(rb_home_cache_stamp(hc, 2000, 5, 1000, &stamp), 0);
	/* A news write of this process since: read again. */
	assert_int_equal(rb_home_cache_stamp(hc, 1500, 6, 1000, &stamp), 0);
	/* 0: at every request. */
	assert_int_equal(rb_home_cache_stamp(hc, 1000, 5, 0, &stamp), 0);
	/* A clock before the read (never on a monotonic clock): read. */
	assert_int_equal(rb_home_cache_stamp(hc, 999, 5, 1000, &stamp), 0);
	/* A read that began before the kept one does not replace it. */
	rb_home_cache_stamp_keep(hc, 900, 5, 3);
	assert_int_equal(rb_home_cache_stamp(hc, 1500, 5, 1000, &stamp), 1);
	assert_int_equal(stamp, 7);
	/* A later one does, with its writes. */
	rb_home_cache_stamp_keep(hc, 1800, 6, 8);
	assert_int_equal(rb_home_cache_stamp(hc, 1900, 6, 1000, &stamp), 1);
	assert_int_equal(stamp, 8);
	assert_int_equal(rb_home_cache_stamp(hc, 1900, 5, 1000, &stamp), 0);
	rb_home_cache_free(hc);
}

#define M1	"MARK1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define M2	"MARK2yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"

static void
signed_page_is_spliced_with_each_visitor_s_fields(void **state)
{
	static const char page[] = "<p>" M2 "</p><i>" M1 "</i>" M2;
	const char *const marks[RB_HOME__FIELDS] = {
		[RB_HOME_FIRST_NAME] = M1, [RB_HOME_CSRF] = M2 };
	const char *const zoe[RB_HOME__FIELDS] = {
		[RB_HOME_FIRST_NAME] = "Zoé <b>", [RB_HOME_CSRF] = "tok-1" };
	const char *const leo[RB_HOME__FIELDS] = {
		[RB_HOME_FIRST_NAME] = "Léo", [RB_HOME_CSRF] = "tok-2" };
	struct rb_home_cache *hc = rb_home_cache_new();
	struct rb_home_key k = key_of(4), other = key_of(5);
	json_t *data = json_object();
	rb_buf out;

	(void)state;
	rb_buf_init(&out);
	/* No data kept for the key: the page is not kept either. */
	rb_home_cache_keep_signed(hc, &k, 100, page, strlen(page), marks);
	assert_int_equal(rb_home_cache_signed(hc, &k, 100, zoe, &out), 0);
	rb_home_cache_put(hc, &k, 0, data, NULL, 0);
	assert_int_equal(rb_home_cache_signed(hc, &k, 100, zoe, &out), 0);
	rb_home_cache_keep_signed(hc, &k, 100, page, strlen(page), marks);
	assert_int_equal(rb_home_cache_signed(hc, &k, 100, zoe, &out), 1);
	assert_string_equal(out.buf_data,
	    "<p>tok-1</p><i>Zoé &lt;b&gt;</i>tok-1");
	rb_buf_reset(&out);
	assert_int_equal(rb_home_cache_signed(hc, &k, 100, leo, &out), 1);
	assert_string_equal(out.buf_data, "<p>tok-2</p><i>Léo</i>tok-2");
	/* Another key (a news change): not served. */
	rb_buf_reset(&out);
	assert_int_equal(rb_home_cache_signed(hc, &other, 100, zoe, &out), 0);
	assert_int_equal(out.buf_len, 0);
	/* The same data kept again (a signed-in miss): the page stays. */
	rb_home_cache_put(hc, &k, 0, data, NULL, 0);
	assert_int_equal(rb_home_cache_signed(hc, &k, 100, zoe, &out), 1);
	/* New data: the page made of the old one goes. */
	rb_home_cache_put(hc, &other, 0, data, NULL, 0);
	rb_buf_reset(&out);
	assert_int_equal(rb_home_cache_signed(hc, &other, 100, zoe, &out), 0);
	/* A page without any mark is kept whole. */
	rb_home_cache_keep_signed(hc, &other, 100, "<p>x</p>", 8, marks);
	assert_int_equal(rb_home_cache_signed(hc, &other, 100, zoe, &out), 1);
	assert_string_equal(out.buf_data, "<p>x</p>");
	json_decref(data);
	rb_buf_free(&out);
	rb_home_cache_free(hc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stamp_is_kept_for_recheck_ms_and_until_a_write),
		cmocka_unit_test(signed_page_is_spliced_with_each_visitor_s_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
