/*
 * pages/news.c: the public news and events: the list (GET /actualites,
 * query page), one item (GET /actualites/<slug>) and the Atom 1.0 feed
 * (GET /actualites.atom, RFC 4287).
 *
 * Item bodies are CommonMark turned into HTML here by tmpl/markdown.h,
 * the one source of raw HTML on these pages; every other text goes
 * through the template engine's escaping, or rb_buf_html() in the feed.
 * Absolute URLs in the feed come from the public_url setting.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/news.h"
#include "base/clock.h"
#include "tmpl/markdown.h"
#include "web/routes.h"

#define ITEM_PREFIX	"/actualites/"
#define FEED_PATH	"/actualites.atom"
#define SITE_NAME	"Eau de la Métropole"

void
rb_page_news(struct rb_req *req)
{
	const char *msg = NULL;
	json_t *data;
	enum rb_rc rc;
	int page;

	if (rb_news_parse_page(rb_form_get(&req->req_query, "page"), &page,
	    &msg) != RB_OK) {
		rb_resp_bad_request(req, "Numéro de page non valide", msg);
		return;
	}
	rc = rb_news_list(rb_req_db(req), time(NULL), page, &data);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_page(req, 200, "news", data);
}

/* Adds "body_html": the item's CommonMark as safe HTML, its headings
 * below the page's h1. */
static void
add_body_html(json_t *item)
{
	const char *md = json_string_value(json_object_get(item, "body_md"));
	rb_buf html = RB_BUF_INIT;

	if (md != NULL)
		rb_markdown_html(&html, md, strlen(md), 1);
	json_object_set_new(item, "body_html",
	    json_string(html.buf_data != NULL ? html.buf_data : ""));
	rb_buf_free(&html);
}

void
rb_page_news_item(struct rb_req *req)
{
	const char *slug = req->req_path + strlen(ITEM_PREFIX);
	json_t *data;
	enum rb_rc rc;

	rc = rb_news_item(rb_req_db(req), time(NULL), slug, &data);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	add_body_html(data);
	rb_resp_header(req, "Cache-Control", "no-cache");
	rb_resp_page(req, 200, "news_item", data);
}

/*
 * Appends the n bytes of s escaped for XML text or attribute values,
 * without the control characters XML 1.0 forbids even as references.
 */
static void
xml_text(rb_buf *b, const char *s, size_t n)
{
	size_t i, from = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
			continue;
		rb_buf_html(b, s + from, i - from);
		from = i + 1;
	}
	rb_buf_html(b, s + from, n - from);
}

static void
xml_str(rb_buf *b, const char *s)
{
	if (s != NULL)
		xml_text(b, s, strlen(s));
}

/* An RFC 3339 UTC time stamp of instant t. */
static void
xml_time(rb_buf *b, json_int_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char out[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, sizeof(out), "1970-01-01T00:00:00Z");
	rb_buf_puts(b, out);
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The HTML of an entry's content: for an event its dates and place, then
 * the body. */
static void
entry_html(rb_buf *html, json_t *e)
{
	const char *md = jstr(e, "body_md");

	if (json_is_true(json_object_get(e, "is_event")) &&
	    jstr(e, "start_fr") != NULL) {
		rb_buf_puts(html, "<p>");
		if (json_is_true(json_object_get(e, "single_day"))) {
			rb_buf_puts(html, "Le ");
			rb_buf_html(html, jstr(e, "start_fr"),
			    strlen(jstr(e, "start_fr")));
		} else {
			rb_buf_puts(html, "Du ");
			rb_buf_html(html, jstr(e, "start_fr"),
			    strlen(jstr(e, "start_fr")));
			rb_buf_puts(html, " au ");
			rb_buf_html(html, jstr(e, "end_fr"),
			    strlen(jstr(e, "end_fr")));
		}
		if (jstr(e, "place") != NULL) {
			rb_buf_puts(html, ", ");
			rb_buf_html(html, jstr(e, "place"),
			    strlen(jstr(e, "place")));
		}
		rb_buf_puts(html, ".</p>\n");
	}
	if (md != NULL)
		rb_markdown_html(html, md, strlen(md), 1);
}

static void
feed_entry(rb_buf *b, const char *base, json_t *e)
{
	rb_buf html = RB_BUF_INIT;
	const char *slug = jstr(e, "slug");

	rb_buf_puts(b, "<entry>\n<id>");
	xml_str(b, base);
	rb_buf_puts(b, ITEM_PREFIX);
	xml_str(b, slug);
	rb_buf_puts(b, "</id>\n<title type=\"text\">");
	xml_str(b, jstr(e, "title"));
	rb_buf_puts(b, "</title>\n<updated>");
	xml_time(b, json_integer_value(json_object_get(e, "updated")));
	rb_buf_puts(b, "</updated>\n<published>");
	xml_time(b, json_integer_value(json_object_get(e, "published_at")));
	rb_buf_puts(b, "</published>\n<link rel=\"alternate\" "
	    "type=\"text/html\" href=\"");
	xml_str(b, base);
	rb_buf_puts(b, ITEM_PREFIX);
	xml_str(b, slug);
	rb_buf_puts(b, "\"/>\n");
	if (json_is_true(json_object_get(e, "is_event")))
		rb_buf_puts(b, "<category term=\"evenement\" "
		    "label=\"Événement\"/>\n");
	rb_buf_puts(b, "<summary type=\"text\">");
	xml_str(b, jstr(e, "summary"));
	rb_buf_puts(b, "</summary>\n<content type=\"html\" xml:base=\"");
	xml_str(b, base);
	rb_buf_puts(b, ITEM_PREFIX);
	xml_str(b, slug);
	rb_buf_puts(b, "\">");
	entry_html(&html, e);
	if (html.buf_data != NULL)
		xml_text(b, html.buf_data, html.buf_len);
	rb_buf_free(&html);
	rb_buf_puts(b, "</content>\n</entry>\n");
}

void
rb_page_news_atom(struct rb_req *req)
{
	const char *pub = rb_config_str(req->req_site->site_cfg,
	    RB_CFG_PUBLIC_URL);
	rb_buf *b = &req->resp_body;
	json_t *feed, *e;
	char today[16];
	const char *base;
	size_t i, n;

	if (rb_news_feed_get(rb_req_db(req), time(NULL), &feed) != RB_OK) {
		rb_resp_error(req, 500);
		return;
	}
	/* public_url without its trailing slashes. */
	n = strlen(pub);
	while (n > 0 && pub[n - 1] == '/')
		n--;
	base = rb_arena_printf(req->req_arena, "%.*s", (int)n, pub);
	rb_clock_today_iso(time(NULL), today, sizeof(today));

	rb_buf_reset(b);
	rb_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n"
	    "<id>");
	xml_str(b, base);
	rb_buf_puts(b, FEED_PATH "</id>\n<title type=\"text\">Actualités – "
	    SITE_NAME "</title>\n<subtitle type=\"text\">Les actualités et "
	    "les événements du service de l&#39;eau.</subtitle>\n<updated>");
	xml_time(b, json_integer_value(json_object_get(feed, "updated")));
	rb_buf_puts(b, "</updated>\n<link rel=\"self\" "
	    "type=\"application/atom+xml\" href=\"");
	xml_str(b, base);
	rb_buf_puts(b, FEED_PATH "\"/>\n<link rel=\"alternate\" "
	    "type=\"text/html\" href=\"");
	xml_str(b, base);
	rb_buf_puts(b, "/actualites\"/>\n<author><name>" SITE_NAME
	    "</name></author>\n");
	json_array_foreach(json_object_get(feed, "entries"), i, e) {
		rb_news_decorate(e, today);
		feed_entry(b, base, e);
	}
	rb_buf_puts(b, "</feed>\n");
	json_decref(feed);
	req->resp_status = 200;
	req->resp_type = "application/atom+xml; charset=utf-8";
	rb_resp_header(req, "Cache-Control", "no-cache");
}
