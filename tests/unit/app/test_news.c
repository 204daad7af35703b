/*
 * test_news.c: app/news.h without a database: the page number and slug
 * rules, the status and French texts rb_news_decorate() gives an event
 * on each side of its dates, and of app/news_admin.h the slug made from
 * a title and the checks of the admins' form (Paris times).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "app/news.h"
#include "app/news_admin.h"

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
page_numbers(void **state)
{
	const char *msg = NULL;
	int page = 0;

	(void)state;
	assert_int_equal(rb_news_parse_page(NULL, &page, &msg), RB_OK);
	assert_int_equal(page, 1);
	assert_int_equal(rb_news_parse_page("", &page, &msg), RB_OK);
	assert_int_equal(page, 1);
	assert_int_equal(rb_news_parse_page("12", &page, &msg), RB_OK);
	assert_int_equal(page, 12);
	assert_int_equal(rb_news_parse_page("10000", &page, &msg), RB_OK);
	assert_int_equal(page, 10000);
	static const char *const bad[] = { "0", "-1", "+1", " 1", "1 ",
		"10001", "99999999999999999999", "1e3", "x", "0x10" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = NULL;
		assert_int_equal(rb_news_parse_page(bad[i], &page, &msg),
		    RB_INVALID);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "numéro de page"));
	}
}

static void
slugs(void **state)
{
	char long_slug[RB_NEWS_SLUG_MAX + 2];

	(void)state;
	assert_true(rb_news_slug_ok("maison-de-l-eau-2026"));
	assert_true(rb_news_slug_ok("a"));
	assert_false(rb_news_slug_ok(""));
	assert_false(rb_news_slug_ok(NULL));
	assert_false(rb_news_slug_ok("-a"));
	assert_false(rb_news_slug_ok("a-"));
	assert_false(rb_news_slug_ok("Maison"));
	assert_false(rb_news_slug_ok("a/b"));
	assert_false(rb_news_slug_ok("a.atom"));
	assert_false(rb_news_slug_ok("été"));
	memset(long_slug, 'a', sizeof(long_slug) - 1);
	long_slug[sizeof(long_slug) - 1] = '\0';
	assert_false(rb_news_slug_ok(long_slug));
	long_slug[RB_NEWS_SLUG_MAX] = '\0';
	assert_true(rb_news_slug_ok(long_slug));
}

/* The status of an event of start..end on day today. */
static const char *
status_on(const char *start, const char *end, const char *today)
{
	static char out[32];
	json_t *e = json_pack("{s:s, s:s, s:s}", "kind", "event", "start",
	    start, "end", end);

	rb_news_decorate(e, today);
	snprintf(out, sizeof(out), "%s/%s", str(e, "status"),
	    str(e, "status_fr"));
	json_decref(e);
	return out;
}

static void
event_status(void **state)
{
	(void)state;
	assert_string_equal(status_on("2026-12-03", "2026-12-13",
	    "2026-12-02"), "upcoming/À venir");
	assert_string_equal(status_on("2026-12-03", "2026-12-13",
	    "2026-12-03"), "ongoing/En cours");
	assert_string_equal(status_on("2026-12-03", "2026-12-13",
	    "2026-12-13"), "ongoing/En cours");
	assert_string_equal(status_on("2026-12-03", "2026-12-13",
	    "2026-12-14"), "past/Terminé");
	assert_string_equal(status_on("2026-12-31", "2027-01-01",
	    "2027-01-01"), "ongoing/En cours");
}

static void
event_texts(void **state)
{
	json_t *e;

	(void)state;
	/* 2024-12-01T06:30:00Z: 7 h 30 in Paris, edited two days later. */
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "kind", "event",
	    "start", "2024-12-01", "end", "2024-12-01", "start_time", "14:00",
	    "end_time", "15:30", "published_at", (json_int_t)1733034600,
	    "updated_at", (json_int_t)1733034600 + 2 * 86400);
	rb_news_decorate(e, "2024-11-30");
	assert_true(json_is_true(json_object_get(e, "is_event")));
	assert_true(json_is_true(json_object_get(e, "single_day")));
	assert_string_equal(str(e, "start_fr"), "dimanche 1er décembre 2024");
	assert_string_equal(str(e, "start_time_fr"), "14 h");
	assert_string_equal(str(e, "end_time_fr"), "15 h 30");
	assert_string_equal(str(e, "start_dt"), "2024-12-01T14:00");
	assert_string_equal(str(e, "published_on"), "2024-12-01");
	assert_string_equal(str(e, "published_on_fr"), "1er décembre 2024");
	assert_string_equal(str(e, "updated_on_fr"), "3 décembre 2024");
	assert_true(json_is_null(json_object_get(e, "place")));
	json_decref(e);

	/* A bad time is ignored, never shown. */
	e = json_pack("{s:s, s:s, s:s, s:s}", "kind", "event", "start",
	    "2024-12-01", "end", "2024-12-02", "start_time", "25:00");
	rb_news_decorate(e, "2024-11-30");
	assert_true(json_is_null(json_object_get(e, "start_time_fr")));
	assert_string_equal(str(e, "start_dt"), "2024-12-01");
	assert_true(json_is_false(json_object_get(e, "single_day")));
	assert_true(json_is_null(json_object_get(e, "updated_on_fr")));
	json_decref(e);

	/* News have no status. */
	e = json_pack("{s:s}", "kind", "news");
	rb_news_decorate(e, "2024-11-30");
	assert_true(json_is_false(json_object_get(e, "is_event")));
	assert_null(json_object_get(e, "status"));
	json_decref(e);
}


static void
slug_from_title(void **state)
{
	static const struct { const char *title, *slug; } cases[] = {
		{ "Coupure d'eau rue Nationale", "coupure-d-eau-rue-nationale" },
		{ "Élections : œuvre à Noël !", "elections-oeuvre-a-noel" },
		{ "  --Été 2026--  ", "ete-2026" },
		{ "<script>alert(1)</script>", "script-alert-1-script" },
		{ "日本語", "actualite" },
		{ "", "actualite" },
		{ "ÇA VA", "ca-va" },
	};
	char out[RB_NEWS_SLUG_MAX + 1];
	char long_title[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rb_news_slug_from_title(cases[i].title, out, sizeof(out));
		assert_string_equal(out, cases[i].slug);
		assert_true(rb_news_slug_ok(out));
	}
	memset(long_title, 0, sizeof(long_title));
	for (i = 0; i + 4 < sizeof(long_title); i += 3)
		memcpy(long_title + i, "ab ", 3);
	rb_news_slug_from_title(long_title, out, sizeof(out));
	assert_true(strlen(out) <= 60);
	assert_true(rb_news_slug_ok(out));
}

static void
admin_form_checks(void **state)
{
	struct rb_news_form f = { { NULL } };
	struct rb_news_checked buf;
	struct rb_news_errors err;
	struct rb_news_input in;

	(void)state;
	f.nf_value[RB_NF_TITLE] = "Portes ouvertes";
	f.nf_value[RB_NF_SUMMARY] = "Visites.";
	f.nf_value[RB_NF_BODY] = "Texte.";
	f.nf_value[RB_NF_KIND] = "evenement";
	f.nf_value[RB_NF_START] = "03/12/2026";
	f.nf_value[RB_NF_START_TIME] = "09:30";
	/* 29 March 2026 02:30 does not exist in Paris: read as 03:30 CEST,
	   01:30 UTC (base/clock.h). 25 October 2026 02:30 happens twice:
	   the first, summer one, 00:30 UTC. */
	f.nf_value[RB_NF_PUBLISH] = "2026-03-29T02:30";
	f.nf_value[RB_NF_UNPUBLISH] = "25/10/2026 02:30";
	assert_int_equal(rb_news_admin_check(&f, &in, &buf, &err), RB_OK);
	assert_string_equal(in.ni_kind, "event");
	assert_string_equal(in.ni_start, "2026-12-03");
	assert_string_equal(in.ni_end, "2026-12-03");
	assert_string_equal(in.ni_start_time, "09:30");
	assert_null(in.ni_end_time);
	assert_null(in.ni_place);
	assert_int_equal(in.ni_published_at, 1774747800);	/* 01:30Z */
	assert_int_equal(in.ni_unpublished_at, 1792888200);	/* 00:30Z */

	/* A news item drops what only events have. */
	f.nf_value[RB_NF_KIND] = "actualite";
	f.nf_value[RB_NF_PLACE] = "Lille";
	f.nf_value[RB_NF_PUBLISH] = "";
	f.nf_value[RB_NF_UNPUBLISH] = "";
	assert_int_equal(rb_news_admin_check(&f, &in, &buf, &err), RB_OK);
	assert_string_equal(in.ni_kind, "news");
	assert_null(in.ni_start);
	assert_null(in.ni_place);
	assert_int_equal(in.ni_published_at, -1);

	/* Errors name their field; a title of 150 characters (300 bytes)
	   passes, 151 does not; a tab in a title is refused, in a body
	   not. */
	{
		char title[2 * 151 + 1];
		size_t i;

		for (i = 0; i < 150; i++)
			memcpy(title + 2 * i, "\xc3\xa9", 2);
		title[300] = '\0';
		f.nf_value[RB_NF_TITLE] = title;
		f.nf_value[RB_NF_BODY] = "a\tb\r\nc";
		assert_int_equal(rb_news_admin_check(&f, &in, &buf, &err),
		    RB_OK);
		memcpy(title + 300, "\xc3\xa9", 3);
		assert_int_equal(rb_news_admin_check(&f, &in, &buf, &err),
		    RB_INVALID);
		assert_non_null(err.ne_msg[RB_NF_TITLE]);
		assert_int_equal(err.ne_count, 1);
	}
	f.nf_value[RB_NF_TITLE] = "a\tb";
	f.nf_value[RB_NF_PUBLISH] = "2026-13-01T10:00";
	f.nf_value[RB_NF_UNPUBLISH] = "2026-12-01T24:00";
	assert_int_equal(rb_news_admin_check(&f, &in, &buf, &err), RB_INVALID);
	assert_int_equal(err.ne_count, 3);
	assert_non_null(err.ne_msg[RB_NF_TITLE]);
	assert_non_null(err.ne_msg[RB_NF_PUBLISH]);
	assert_non_null(err.ne_msg[RB_NF_UNPUBLISH]);
	assert_null(err.ne_msg[RB_NF_BODY]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(page_numbers),
		cmocka_unit_test(slugs),
		cmocka_unit_test(event_status),
		cmocka_unit_test(event_texts),
		cmocka_unit_test(slug_from_title),
		cmocka_unit_test(admin_form_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
