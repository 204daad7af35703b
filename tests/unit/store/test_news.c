/*
 * test_news.c: store/news.h: only items inside their publication window
 * (published, not yet unpublished) are read by the public queries,
 * newest news first with an offset, upcoming events soonest first,
 * limits, the Paris date of publication, the feed and its last change,
 * the admins' insert, update and unpublish, and the news stamp and next
 * window change the kept home page depends on.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/migrate.h"
#include "store/news.h"

struct fixture {
	char	 dir[256];
	rb_db	*db;
};

static const char sql_add[] =
	"INSERT INTO news (slug, title, summary, body_md, published_at, kind,"
	" event_start, event_end, place) VALUES ($1, $2, $3, 'Texte.', $4,"
	" $5, $6, $7, $8)";

static void
add(rb_db *db, const char *slug, int64_t published_at, const char *kind,
    const char *start, const char *end, const char *place)
{
	rb_stmt *st = rb_db_prepare(db, sql_add);
	char title[64];

	assert_non_null(st);
	snprintf(title, sizeof(title), "Titre %s", slug);
	rb_stmt_bind_text(st, 1, slug, -1);
	rb_stmt_bind_text(st, 2, title, -1);
	rb_stmt_bind_text(st, 3, "Résumé", -1);
	if (published_at < 0)
		rb_stmt_bind_null(st, 4);
	else
		rb_stmt_bind_int(st, 4, published_at);
	rb_stmt_bind_text(st, 5, kind, -1);
	rb_stmt_bind_text(st, 6, start, -1);
	rb_stmt_bind_text(st, 7, end, -1);
	rb_stmt_bind_text(st, 8, place, -1);
	assert_int_equal(rb_stmt_step(st), RB_DONE);
	rb_stmt_reset(st);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int64_t now = (int64_t)time(NULL);

	if (test_db_open(f->dir, sizeof(f->dir), "n.db", &f->db) != 0)
		return -1;
	/* 2024-06-30T23:30:00Z is 1 July 01:30 in Paris. */
	add(f->db, "old", 1719790200, "news", NULL, NULL, NULL);
	add(f->db, "recent", now - 86400, "news", NULL, NULL, NULL);
	add(f->db, "middle", now - 10 * 86400, "news", NULL, NULL, NULL);
	add(f->db, "draft", -1, "news", NULL, NULL, NULL);
	add(f->db, "scheduled", now + 86400, "news", NULL, NULL, NULL);
	add(f->db, "past-event", now - 86400, "event", "2024-11-01",
	    "2024-11-02", "Lille");
	add(f->db, "ends-today", now - 86400, "event", "2024-12-01",
	    "2024-12-05", "Roubaix");
	add(f->db, "later", now - 86400, "event", "2024-12-20",
	    "2024-12-21", NULL);
	add(f->db, "allennes", now - 86400, "event", "2024-12-03",
	    "2024-12-13", "Allennes-les-Marais");
	add(f->db, "hidden-event", -1, "event", "2024-12-06", "2024-12-07",
	    "Seclin");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_db_close(f->dir, f->db);
	free(f);
	return 0;
}

static const char *
item_str(json_t *arr, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(arr, i), key));
}

static void
latest_news_newest_first_published_only(void **state)
{
	struct fixture *f = *state;
	json_t *out = NULL;

	assert_int_equal(rb_news_latest(f->db, time(NULL), 0, 10, &out), 0);
	assert_int_equal(json_array_size(out), 3);
	assert_string_equal(item_str(out, 0, "slug"), "recent");
	assert_string_equal(item_str(out, 1, "slug"), "middle");
	assert_string_equal(item_str(out, 2, "slug"), "old");
	assert_string_equal(item_str(out, 2, "title"), "Titre old");
	assert_string_equal(item_str(out, 2, "summary"), "Résumé");
	assert_string_equal(item_str(out, 2, "published_on"), "2024-07-01");
	json_decref(out);

	assert_int_equal(rb_news_latest(f->db, time(NULL), 0, 2, &out), 0);
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(item_str(out, 1, "slug"), "middle");
	json_decref(out);
}

static void
upcoming_events_soonest_first(void **state)
{
	struct fixture *f = *state;
	json_t *out = NULL;

	assert_int_equal(rb_events_upcoming(f->db, time(NULL), "2024-12-05", 10, &out), 0);
	assert_int_equal(json_array_size(out), 3);
	assert_string_equal(item_str(out, 0, "slug"), "ends-today");
	assert_string_equal(item_str(out, 1, "slug"), "allennes");
	assert_string_equal(item_str(out, 1, "place"), "Allennes-les-Marais");
	assert_string_equal(item_str(out, 1, "start"), "2024-12-03");
	assert_string_equal(item_str(out, 1, "end"), "2024-12-13");
	assert_string_equal(item_str(out, 2, "slug"), "later");
	assert_true(json_is_null(json_object_get(json_array_get(out, 2),
	    "place")));
	json_decref(out);

	assert_int_equal(rb_events_upcoming(f->db, time(NULL), "2024-12-06", 1, &out), 0);
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(item_str(out, 0, "slug"), "allennes");
	json_decref(out);

	assert_int_equal(rb_events_upcoming(f->db, time(NULL), "2025-01-01", 5, &out), 0);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
}


static void
publication_window_bounds_every_public_read(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL);
	json_t *out = NULL;

	assert_int_equal(rb_db_exec(f->db, "UPDATE news SET unpublished_at ="
	    " published_at + 60 WHERE slug IN ('middle', 'later')"), 0);
	assert_int_equal(rb_news_latest(f->db, now, 0, 10, &out), 0);
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(item_str(out, 0, "slug"), "recent");
	assert_string_equal(item_str(out, 1, "slug"), "old");
	json_decref(out);
	/* Seen from before its end, it was there. */
	assert_int_equal(rb_news_latest(f->db, now - 10 * 86400 + 30, 0, 10,
	    &out), 0);
	assert_string_equal(item_str(out, 0, "slug"), "middle");
	json_decref(out);

	assert_int_equal(rb_events_upcoming(f->db, now, "2024-12-05", 10,
	    &out), 0);
	assert_int_equal(json_array_size(out), 2);
	json_decref(out);

	assert_int_equal(rb_news_visible_by_slug(f->db, now, "middle", &out),
	    1);
	assert_null(out);
	assert_int_equal(rb_news_visible_by_slug(f->db, now, "draft", &out),
	    1);
	assert_int_equal(rb_news_visible_by_slug(f->db, now, "scheduled",
	    &out), 1);
	assert_int_equal(rb_news_visible_by_slug(f->db, now + 2 * 86400,
	    "scheduled", &out), 0);
	json_decref(out);
	assert_int_equal(rb_news_visible_by_slug(f->db, now, "recent", &out),
	    0);
	assert_string_equal(json_string_value(json_object_get(out,
	    "body_md")), "Texte.");
	assert_true(json_is_null(json_object_get(out, "unpublished_at")));
	json_decref(out);

	/* The feed: both kinds, newest publication first, window applied. */
	assert_int_equal(rb_news_feed(f->db, now, 50, &out), 0);
	assert_int_equal(json_array_size(out), 5);
	assert_string_equal(item_str(out, 4, "slug"), "old");
	json_decref(out);
}

static void
last_change_follows_publications_and_ends(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL), last = -1, recent = 0;
	rb_stmt *st;

	/* The instant setup gave "recent" and the events (the clock may
	   have ticked since). */
	st = rb_db_prepare(f->db,
	    "SELECT published_at FROM news WHERE slug = 'recent'");
	assert_non_null(st);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	recent = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	assert_int_equal(rb_news_last_change(f->db, now, &last), 0);
	assert_int_equal(last, recent);
	assert_int_equal(rb_db_exec(f->db, "UPDATE news SET unpublished_at ="
	    " published_at + 3600 WHERE slug = 'recent'"), 0);
	assert_int_equal(rb_news_last_change(f->db, now, &last), 0);
	assert_int_equal(last, recent + 3600);
	/* A draft's end means nothing. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE news SET unpublished_at ="
	    " 1 WHERE slug = 'draft'"), 0);
	assert_int_equal(rb_news_last_change(f->db, now, &last), 0);
	assert_int_equal(last, recent + 3600);
	assert_int_equal(rb_news_last_change(f->db, 1, &last), 0);
	assert_int_equal(last, 0);
}

static void
admin_writes(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL), id = 0;
	struct rb_news_input in = {
		.ni_slug = "reunion", .ni_title = "Réunion publique",
		.ni_summary = "Résumé", .ni_body_md = "*Texte*",
		.ni_kind = "event", .ni_place = "Lille",
		.ni_start = "2024-12-10", .ni_end = "2024-12-10",
		.ni_start_time = "18:00", .ni_end_time = NULL,
		.ni_published_at = now - 5, .ni_unpublished_at = -1,
		.ni_author_agent_id = 0,
	};
	json_t *out = NULL;

	assert_int_equal(rb_news_insert(f->db, &in, now - 100, &id), 0);
	assert_true(id > 0);
	assert_int_equal(rb_news_by_id(f->db, id, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out,
	    "start_time")), "18:00");
	assert_true(json_is_null(json_object_get(out, "end_time")));
	assert_int_equal(json_integer_value(json_object_get(out,
	    "created_at")), now - 100);
	json_decref(out);
	/* The slug is unique. */
	assert_int_equal(rb_news_insert(f->db, &in, now, &id), RB_CONSTRAINT);
	/* An event needs its dates (the table's CHECK). */
	in.ni_slug = "sans-dates";
	in.ni_start = NULL;
	assert_int_equal(rb_news_insert(f->db, &in, now, &id), RB_CONSTRAINT);

	in.ni_slug = "ignored";
	in.ni_start = "2024-12-11";
	in.ni_end = "2024-12-12";
	in.ni_title = "Réunion déplacée";
	assert_int_equal(rb_news_update(f->db, id, &in, now), 0);
	assert_int_equal(rb_news_by_id(f->db, id, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "slug")),
	    "reunion");
	assert_string_equal(json_string_value(json_object_get(out, "title")),
	    "Réunion déplacée");
	assert_int_equal(json_integer_value(json_object_get(out,
	    "updated_at")), now);
	json_decref(out);
	assert_int_equal(rb_news_update(f->db, 999999, &in, now), 1);
	assert_int_equal(rb_news_by_id(f->db, 999999, &out), 1);

	assert_int_equal(rb_news_visible_by_slug(f->db, now, "reunion", &out),
	    0);
	json_decref(out);
	assert_int_equal(rb_news_unpublish(f->db, id, now), 0);
	assert_int_equal(rb_news_visible_by_slug(f->db, now, "reunion", &out),
	    1);
	/* Once is enough; an unknown item is 1 too. */
	assert_int_equal(rb_news_unpublish(f->db, id, now + 10), 1);
	assert_int_equal(rb_news_unpublish(f->db, 999999, now), 1);

	assert_int_equal(rb_news_all(f->db, &out), 0);
	assert_int_equal(json_array_size(out), 11);
	json_decref(out);
}

/* The stamp grows with every write to the table (triggers of migration
 * 0023, on either engine), and the next window change is the nearest
 * future publication or unpublication. */
static void
stamp_and_next_change(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)time(NULL), id = 0, s0 = 0, s1 = 0, next = 0;
	struct rb_news_input in = {
		.ni_slug = "coupure", .ni_title = "Coupure",
		.ni_summary = "Résumé", .ni_body_md = "Texte",
		.ni_kind = "news", .ni_published_at = now + 500,
		.ni_unpublished_at = -1,
	};

	assert_int_equal(rb_news_stamp(f->db, &s0), 0);
	assert_true(s0 > 0);
	/* setup's item "scheduled" opens at now + 86400 (a second may
	   have passed since). */
	assert_int_equal(rb_news_next_change(f->db, now, &next), 0);
	assert_true(next > now + 86000 && next <= now + 86400);
	assert_int_equal(rb_news_insert(f->db, &in, now, &id), 0);
	assert_int_equal(rb_news_stamp(f->db, &s1), 0);
	assert_true(s1 > s0);
	assert_int_equal(rb_news_next_change(f->db, now, &next), 0);
	assert_int_equal(next, now + 500);
	in.ni_published_at = now - 5;
	in.ni_unpublished_at = now + 200;
	assert_int_equal(rb_news_update(f->db, id, &in, now), 0);
	assert_int_equal(rb_news_stamp(f->db, &s0), 0);
	assert_true(s0 > s1);
	assert_int_equal(rb_news_next_change(f->db, now, &next), 0);
	assert_int_equal(next, now + 200);
	assert_int_equal(rb_news_unpublish(f->db, id, now), 0);
	assert_int_equal(rb_news_stamp(f->db, &s1), 0);
	assert_true(s1 > s0);
	assert_int_equal(rb_db_run(f->db, "DELETE FROM news WHERE slug = $1",
	    RB_BINDS(rb_text("scheduled")), NULL), 0);
	assert_int_equal(rb_news_stamp(f->db, &s0), 0);
	assert_true(s0 > s1);
	/* Nothing left to open or close. */
	assert_int_equal(rb_news_next_change(f->db, now, &next), 0);
	assert_int_equal(next, 0);
}

static void
database_failure_is_reported(void **state)
{
	struct fixture *f = *state;
	json_t *out = (json_t *)1;

	assert_int_equal(rb_db_exec(f->db, "DROP TABLE news"), 0);
	assert_int_equal(rb_news_latest(f->db, time(NULL), 0, 3, &out), -1);
	assert_null(out);
	out = (json_t *)1;
	assert_int_equal(rb_events_upcoming(f->db, time(NULL), "2024-12-05", 3, &out), -1);
	assert_null(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    latest_news_newest_first_published_only, setup, teardown),
		cmocka_unit_test_setup_teardown(upcoming_events_soonest_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    publication_window_bounds_every_public_read, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    last_change_follows_publications_and_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(admin_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(stamp_and_next_change, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(database_failure_is_reported,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
