/*
 * test_mustache.c: what Robinet asks of its template engine beyond the
 * mustache spec: apostrophes escaped, raw output only through {{{ }}} and
 * {{& }}, strict mode errors, parse errors with line numbers, limits,
 * the start-up check of partials, a page built on a layout, rows read
 * from C structs, and concurrent rendering from one set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/mem.h"
#include "tmpl/mustache.h"

/* A set of the NULL-terminated (name, source) pairs, which must parse. */
static rb_tmpl_set *
set_of(const char *name, ...)
{
	rb_tmpl_set *set = rb_tmpl_set_new();
	const char *src;
	char err[256];
	va_list ap;

	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *)) {
		src = va_arg(ap, const char *);
		if (rb_tmpl_set_add(set, name, src, strlen(src), err,
		    sizeof(err)) == -1)
			fail_msg("%s", err);
	}
	va_end(ap);
	return set;
}

static json_t *
data_of(const char *text)
{
	json_error_t jerr;
	json_t *v;

	if (text == NULL)
		return NULL;
	v = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		fail_msg("bad test data: %s", jerr.text);
	return v;
}

static void
expect_output(const rb_tmpl_set *set, const char *name, const char *data,
    unsigned flags, const char *want)
{
	json_t *v = data_of(data);
	rb_buf out = RB_BUF_INIT;
	char err[256] = "";

	if (rb_tmpl_render(set, name, v, flags, &out, err, sizeof(err)) == -1)
		fail_msg("render %s: %s", name, err);
	assert_string_equal(rb_buf_cstr(&out), want);
	rb_buf_free(&out);
	json_decref(v);
}

/* Rendering fails with the message want and leaves out untouched. */
static void
expect_error(const rb_tmpl_set *set, const char *name, const char *data,
    unsigned flags, const char *want)
{
	json_t *v = data_of(data);
	rb_buf out = RB_BUF_INIT;
	char err[256] = "";

	rb_buf_puts(&out, "before|");
	assert_int_equal(rb_tmpl_render(set, name, v, flags, &out, err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_string_equal(rb_buf_cstr(&out), "before|");
	assert_int_equal(out.buf_len, strlen("before|"));
	rb_buf_free(&out);
	json_decref(v);
}

static void
expect_parse_error(const char *src, const char *want)
{
	rb_tmpl_set *set = rb_tmpl_set_new();
	char err[256] = "";

	assert_int_equal(rb_tmpl_set_add(set, "t", src, strlen(src), err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	/* The set is unchanged: the name is still free. */
	expect_error(set, "t", NULL, 0, "unknown template \"t\"");
	assert_int_equal(rb_tmpl_set_add(set, "t", "ok", 2, err,
	    sizeof(err)), 0);
	rb_tmpl_set_free(set);
}

static void
test_escape_apostrophe(void **state)
{
	rb_tmpl_set *set = set_of("t", "<a title=\"{{t}}\">{{t}}</a>", NULL);

	expect_output(set, "t", "{\"t\": \"L'eau & \\\"vous\\\" <ok>\"}", 0,
	    "<a title=\"L&#39;eau &amp; &quot;vous&quot; &lt;ok&gt;\">"
	    "L&#39;eau &amp; &quot;vous&quot; &lt;ok&gt;</a>");
	rb_tmpl_set_free(set);
}

static void
test_raw_output(void **state)
{
	rb_tmpl_set *set = set_of("t", "{{{h}}}|{{&h}}|{{h}}|{{{ h }}}|{{& h}}",
	    "d", "{{=<% %>=}}<%{h}%>|<%&h%>|<%h%>", NULL);
	const char *data = "{\"h\": \"<b>l'Ô</b>\"}";

	expect_output(set, "t", data, 0, "<b>l'Ô</b>|<b>l'Ô</b>|"
	    "&lt;b&gt;l&#39;Ô&lt;/b&gt;|<b>l'Ô</b>|<b>l'Ô</b>");
	expect_output(set, "d", data, 0,
	    "<b>l'Ô</b>|<b>l'Ô</b>|&lt;b&gt;l&#39;Ô&lt;/b&gt;");
	rb_tmpl_set_free(set);
}

static void
test_values(void **state)
{
	rb_tmpl_set *set = set_of(
	    "t", "{{i}} {{neg}} {{r}} {{tenth}} {{big}} {{yes}} {{no}} [{{nul}}]",
	    "truth", "{{#empty}}E{{/empty}}{{#zero}}Z{{/zero}}"
	    "{{#obj}}O{{/obj}}{{#list}}L{{/list}}{{#nul}}N{{/nul}}"
	    "{{^empty}}e{{/empty}}{{^nolist}}l{{/nolist}}",
	    NULL);

	expect_output(set, "t", "{\"i\": 1234567890123, \"neg\": -5, "
	    "\"r\": 12.5, \"tenth\": 0.1, \"big\": 1e300, \"yes\": true, "
	    "\"no\": false, \"nul\": null}", 0,
	    "1234567890123 -5 12.5 0.1 1e+300 true false []");
	/* "" and [] are falsy; 0 and {} are not. */
	expect_output(set, "truth", "{\"empty\": \"\", \"zero\": 0, "
	    "\"obj\": {}, \"list\": [1], \"nul\": null, \"nolist\": []}", 0,
	    "ZOLel");
	rb_tmpl_set_free(set);
}

/* Rows from C structs (rb_tmpl_render_row()): a list of bills with a
 * nested optional struct, an embedded one, strings, text and flags, read
 * in place and looked up before the JSON data below them. */
struct t_status {
	const char	*st_label;
	const char	*st_class;
};

struct t_pay {
	char		 py_owed[16];
	int		 py_partly;
};

struct t_bill {
	const char	*bl_number;
	struct t_status	 bl_status;
	const struct t_pay *bl_pay;
	int		 bl_late;
};

struct t_page {
	const char	*pg_title;
	const char	*pg_none;
	struct rb_tmpl_rows pg_bills;
	struct rb_tmpl_rows pg_nobills;
};

static const struct rb_tmpl_field t_status_fields[] = {
	{ "label", RB_TF_STR, offsetof(struct t_status, st_label), NULL },
	{ "class", RB_TF_STR, offsetof(struct t_status, st_class), NULL },
};
static const struct rb_tmpl_desc t_status_desc = RB_TMPL_DESC(t_status_fields);
static const struct rb_tmpl_field t_pay_fields[] = {
	{ "owed", RB_TF_TEXT, offsetof(struct t_pay, py_owed), NULL },
	{ "partly", RB_TF_BOOL, offsetof(struct t_pay, py_partly), NULL },
};
static const struct rb_tmpl_desc t_pay_desc = RB_TMPL_DESC(t_pay_fields);
static const struct rb_tmpl_field t_bill_fields[] = {
	{ "number", RB_TF_STR, offsetof(struct t_bill, bl_number), NULL },
	{ "status", RB_TF_SUB, offsetof(struct t_bill, bl_status),
	    &t_status_desc },
	{ "pay", RB_TF_ROW, offsetof(struct t_bill, bl_pay), &t_pay_desc },
	{ "late", RB_TF_BOOL, offsetof(struct t_bill, bl_late), NULL },
};
static const struct rb_tmpl_desc t_bill_desc = RB_TMPL_DESC(t_bill_fields);
static const struct rb_tmpl_field t_page_fields[] = {
	{ "title", RB_TF_STR, offsetof(struct t_page, pg_title), NULL },
	{ "none", RB_TF_STR, offsetof(struct t_page, pg_none), NULL },
	{ "bills", RB_TF_ROWS, offsetof(struct t_page, pg_bills), NULL },
	{ "nobills", RB_TF_ROWS, offsetof(struct t_page, pg_nobills), NULL },
};
static const struct rb_tmpl_desc t_page_desc = RB_TMPL_DESC(t_page_fields);

static void
test_rows(void **state)
{
	static const struct t_pay pay = { "12,50 €", 1 };
	const struct t_bill bills[] = {
		{ "F-1", { "À payer", "due" }, &pay, 1 },
		{ "F<2>", { "Payée", "paid" }, NULL, 0 },
	};
	struct t_page page = { "L'eau", NULL,
	    { &t_bill_desc, bills, 2, sizeof(bills[0]) },
	    { &t_bill_desc, NULL, 0, sizeof(bills[0]) } };
	rb_tmpl_set *set = set_of("t", "{{title}}/{{csrf}}[{{none}}]"
	    "{{^none}}n{{/none}}{{^nobills}}0{{/nobills}}"
	    "{{#bills}}|{{number}} {{status.label}} {{status.class}}"
	    "{{#pay}} {{owed}}{{#partly}} p{{/partly}} {{number}}{{/pay}}"
	    "{{^pay}} -{{/pay}} {{late}} {{csrf}}{{#late}} L{{/late}}"
	    "{{/bills}}",
	    "dot", "{{#title}}{{.}}{{/title}}{{#bills}}{{#pay}}{{.}}{{/pay}}"
	    "{{/bills}}",
	    "missing", "{{#bills}}{{nope}}{{/bills}}",
	    "obj", "{{#bills}}{{status}}{{/bills}}", NULL);
	json_t *data = json_pack("{s:s, s:s}", "csrf", "k&y", "title", "no");
	rb_buf out = RB_BUF_INIT;
	char err[256] = "";

	assert_int_equal(rb_tmpl_render_row(set, "t", data, &t_page_desc,
	    &page, RB_TMPL_STRICT, &out, err, sizeof(err)), 0);
	assert_string_equal(rb_buf_cstr(&out), "L&#39;eau/k&amp;y[]n0"
	    "|F-1 À payer due 12,50 € p F-1 true k&amp;y L"
	    "|F&lt;2&gt; Payée paid - false k&amp;y");
	rb_buf_reset(&out);
	/* "." of a string field; a struct has no text. */
	assert_int_equal(rb_tmpl_render_row(set, "dot", data, &t_page_desc,
	    &page, 0, &out, err, sizeof(err)), 0);
	assert_string_equal(rb_buf_cstr(&out), "L&#39;eau");
	rb_buf_reset(&out);
	assert_int_equal(rb_tmpl_render_row(set, "missing", data,
	    &t_page_desc, &page, RB_TMPL_STRICT, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "missing:1: unknown key \"nope\"");
	assert_int_equal(rb_tmpl_render_row(set, "obj", data, &t_page_desc,
	    &page, RB_TMPL_STRICT, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "obj:1: cannot write an object or array "
	    "as text: \"status\"");
	assert_int_equal(out.buf_len, 0);
	/* Without a row: the JSON data alone. */
	assert_int_equal(rb_tmpl_render_row(set, "t", data, NULL, NULL, 0,
	    &out, err, sizeof(err)), 0);
	assert_string_equal(rb_buf_cstr(&out), "no/k&amp;y[]n0");
	rb_buf_free(&out);
	json_decref(data);
	rb_tmpl_set_free(set);
}

static void
test_strict_unknown_key(void **state)
{
	rb_tmpl_set *set = set_of(
	    "page", "Bonjour {{user.name}} !",
	    "section", "ligne 1\n{{#missing}}x{{/missing}}",
	    "inverted", "{{^missing}}x{{/missing}}",
	    "via", "a\n  {{>inner}}\n",
	    "inner", "\n\n{{nope}}",
	    "object", "{{user}}",
	    NULL);

	expect_error(set, "page", "{\"user\": {}}", RB_TMPL_STRICT,
	    "page:1: unknown key \"user.name\"");
	expect_output(set, "page", "{\"user\": {}}", 0, "Bonjour  !");
	/* A null value is known: it renders as nothing. */
	expect_output(set, "page", "{\"user\": {\"name\": null}}",
	    RB_TMPL_STRICT, "Bonjour  !");
	expect_error(set, "section", "{}", RB_TMPL_STRICT,
	    "section:2: unknown key \"missing\"");
	expect_output(set, "section", "{\"missing\": false}", RB_TMPL_STRICT,
	    "ligne 1\n");
	expect_error(set, "inverted", "{}", RB_TMPL_STRICT,
	    "inverted:1: unknown key \"missing\"");
	/* The message names the template where the key is used. */
	expect_error(set, "via", "{}", RB_TMPL_STRICT,
	    "inner:3: unknown key \"nope\"");
	expect_error(set, "object", "{\"user\": {\"a\": 1}}", RB_TMPL_STRICT,
	    "object:1: cannot write an object or array as text: \"user\"");
	expect_output(set, "object", "{\"user\": {\"a\": 1}}", 0, "");
	rb_tmpl_set_free(set);
}

static void
test_strict_unknown_partial(void **state)
{
	rb_tmpl_set *set = set_of(
	    "t", "a{{>nope}}b",
	    "p", "x\n{{<absent}}{{$b}}y{{/b}}{{/absent}}z",
	    NULL);

	expect_error(set, "t", NULL, RB_TMPL_STRICT,
	    "t:1: unknown partial \"nope\"");
	expect_output(set, "t", NULL, 0, "ab");
	expect_error(set, "p", NULL, RB_TMPL_STRICT,
	    "p:2: unknown parent template \"absent\"");
	expect_output(set, "p", NULL, 0, "x\nz");
	expect_error(set, "missing", NULL, 0, "unknown template \"missing\"");
	rb_tmpl_set_free(set);
}

static void
test_parse_errors(void **state)
{
	expect_parse_error("a\n{{#items}}\nx\n",
	    "t:2: \"#items\" is never closed");
	expect_parse_error("{{#a}}\n{{^b}}\n{{/a}}\n{{/b}}",
	    "t:3: closing tag \"a\" does not match \"^b\" opened on line 2");
	expect_parse_error("x\n{{/a}}", "t:2: closing tag \"a\" has no opening "
	    "tag");
	expect_parse_error("x\n{{! multi\nline }}\n{{name",
	    "t:4: tag is never closed");
	expect_parse_error("{{{raw}}", "t:1: tag is never closed");
	expect_parse_error("\n{{=<% =}}", "t:2: invalid delimiters \"<% \"");
	expect_parse_error("{{a b}}", "t:1: invalid tag name \"a b\"");
	expect_parse_error("{{#  }}{{/}}", "t:1: invalid tag name \"\"");
	expect_parse_error("{{a..b}}", "t:1: invalid name \"a..b\"");
	expect_parse_error("{{<layout}}\n{{$x}}\n{{/layout}}\n",
	    "t:3: closing tag \"layout\" does not match \"$x\" opened on "
	    "line 2");
}

static void
test_set_add(void **state)
{
	rb_tmpl_set *set = set_of("t", "un", NULL);
	char err[256] = "";

	assert_int_equal(rb_tmpl_set_add(set, "t", "deux", 4, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "t: template added twice");
	assert_int_equal(rb_tmpl_set_add(set, "", "x", 1, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "template name is empty");
	/* The source is copied and may hold no NUL. */
	assert_int_equal(rb_tmpl_set_add(set, "u", "abc", 2, err,
	    sizeof(err)), 0);
	expect_output(set, "t", NULL, 0, "un");
	expect_output(set, "u", NULL, 0, "ab");
	rb_tmpl_set_free(set);
	rb_tmpl_set_free(NULL);
}

/* Nested sections: depth times "{{#a}}", then x, then the closes. */
static char *
nested(int depth)
{
	rb_buf b = RB_BUF_INIT;
	int i;

	for (i = 0; i < depth; i++)
		rb_buf_puts(&b, "{{#a}}");
	rb_buf_puts(&b, "x");
	for (i = 0; i < depth; i++)
		rb_buf_puts(&b, "{{/a}}");
	return rb_buf_steal(&b, NULL);
}

static void
test_depth_cap(void **state)
{
	char *deep = nested(RB_TMPL_MAX_DEPTH), *deeper;
	rb_tmpl_set *set = set_of("loop", "a\n{{>loop}}",
	    "deep", deep,
	    "parent", "{{<parent}}{{/parent}}",
	    NULL);
	char err[256] = "";

	expect_error(set, "loop", NULL, 0,
	    "loop:2: nesting deeper than 64 at \"loop\" (recursive partial?)");
	expect_error(set, "parent", NULL, 0,
	    "parent:1: nesting deeper than 64 at \"parent\" (recursive "
	    "partial?)");
	/* The deepest allowed nesting renders. */
	expect_output(set, "deep", "{\"a\": true}", 0, "x");
	deeper = nested(RB_TMPL_MAX_DEPTH + 1);
	assert_int_equal(rb_tmpl_set_add(set, "deeper", deeper,
	    strlen(deeper), err, sizeof(err)), -1);
	assert_string_equal(err, "deeper:1: sections nested deeper than 64");
	free(deep);
	free(deeper);
	rb_tmpl_set_free(set);
}

static void
test_step_limit(void **state)
{
	/* 16^8 iterations: stopped by the step limit, not by time. */
	rb_tmpl_set *set = set_of("t", "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}"
	    "{{#l}}{{#l}}.{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}",
	    NULL);
	const char *data = "{\"l\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}";

	expect_error(set, "t", data, 0,
	    "t:1: rendering takes more than 4194304 steps");
	rb_tmpl_set_free(set);
}

static void
test_output_limit(void **state)
{
	char *src = rb_xmalloc(1024 + 64), *p;
	rb_tmpl_set *set;
	/* 32^3 copies of 1 KiB: 32 MiB, twice the limit. */
	const char *data = "{\"l\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
	    "17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]}";

	p = src + sprintf(src, "{{#l}}{{#l}}{{#l}}");
	memset(p, 'x', 1024);
	strcpy(p + 1024, "{{/l}}{{/l}}{{/l}}");
	set = set_of("t", src, NULL);
	expect_error(set, "t", data, 0, "t:1: output larger than 16777216 "
	    "bytes");
	free(src);
	rb_tmpl_set_free(set);
}

static void
test_set_check(void **state)
{
	rb_tmpl_set *set = set_of("page",
	    "{{#a}}\n{{>header}}\n{{/a}}\n{{<layout}}{{/layout}}", NULL);
	char err[256] = "";

	assert_int_equal(rb_tmpl_set_check(set, err, sizeof(err)), -1);
	assert_string_equal(err, "page:2: unknown partial \"header\"");
	assert_int_equal(rb_tmpl_set_add(set, "header", "h", 1, err,
	    sizeof(err)), 0);
	assert_int_equal(rb_tmpl_set_check(set, err, sizeof(err)), -1);
	assert_string_equal(err, "page:4: unknown parent template \"layout\"");
	assert_int_equal(rb_tmpl_set_add(set, "layout", "l", 1, err,
	    sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(rb_tmpl_set_check(set, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	rb_tmpl_set_free(set);
}

static const char layout_src[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"fr\">\n"
	"<head>\n"
	"  <title>{{$title}}Espace client{{/title}} – Eau de la Métropole"
	"</title>\n"
	"</head>\n"
	"<body>\n"
	"  {{>header}}\n"
	"  <main id=\"contenu\">\n"
	"    {{$content}}\n"
	"    <p>Page vide.</p>\n"
	"    {{/content}}\n"
	"  </main>\n"
	"</body>\n"
	"</html>\n";

static const char header_src[] =
	"<header>\n"
	"  <a href=\"/\">Accueil</a>{{#user}} – {{name}}{{/user}}\n"
	"</header>\n";

static const char invoices_src[] =
	"{{<layout}}\n"
	"{{$title}}Mes factures{{/title}}\n"
	"{{$content}}\n"
	"<h1>Mes factures</h1>\n"
	"<ul>\n"
	"  {{#invoices}}\n"
	"  <li>{{number}} : {{amount}} €</li>\n"
	"  {{/invoices}}\n"
	"</ul>\n"
	"{{^invoices}}\n"
	"<p>Aucune facture.</p>\n"
	"{{/invoices}}\n"
	"{{/content}}\n"
	"{{/layout}}\n";

static const char home_src[] =
	"{{<layout}}\n"
	"  {{$content}}\n"
	"  <p>Bienvenue.</p>\n"
	"  {{/content}}\n"
	"{{/layout}}\n";

static const char invoices_data[] =
	"{\"user\": {\"name\": \"Zoé L'Hôte\"}, \"invoices\": ["
	"{\"number\": \"F-1\", \"amount\": \"12,50\"},"
	"{\"number\": \"F-2\", \"amount\": \"7,00\"}]}";

static const char invoices_html[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"fr\">\n"
	"<head>\n"
	"  <title>Mes factures – Eau de la Métropole</title>\n"
	"</head>\n"
	"<body>\n"
	"  <header>\n"
	"    <a href=\"/\">Accueil</a> – Zoé L&#39;Hôte\n"
	"  </header>\n"
	"  <main id=\"contenu\">\n"
	"    <h1>Mes factures</h1>\n"
	"    <ul>\n"
	"      <li>F-1 : 12,50 €</li>\n"
	"      <li>F-2 : 7,00 €</li>\n"
	"    </ul>\n"
	"  </main>\n"
	"</body>\n"
	"</html>\n";

static rb_tmpl_set *
site(void)
{
	rb_tmpl_set *set = set_of("layout", layout_src, "header", header_src,
	    "invoices", invoices_src, "home", home_src, NULL);
	char err[256];

	if (rb_tmpl_set_check(set, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	return set;
}

static void
test_layout(void **state)
{
	rb_tmpl_set *set = site();

	expect_output(set, "invoices", invoices_data, RB_TMPL_STRICT,
	    invoices_html);
	expect_output(set, "invoices", "{\"user\": null, \"invoices\": []}",
	    0,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"fr\">\n"
	    "<head>\n"
	    "  <title>Mes factures – Eau de la Métropole</title>\n"
	    "</head>\n"
	    "<body>\n"
	    "  <header>\n"
	    "    <a href=\"/\">Accueil</a>\n"
	    "  </header>\n"
	    "  <main id=\"contenu\">\n"
	    "    <h1>Mes factures</h1>\n"
	    "    <ul>\n"
	    "    </ul>\n"
	    "    <p>Aucune facture.</p>\n"
	    "  </main>\n"
	    "</body>\n"
	    "</html>\n");
	/* Blocks not overridden keep the layout's default. */
	expect_output(set, "home", "{\"user\": false}", RB_TMPL_STRICT,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"fr\">\n"
	    "<head>\n"
	    "  <title>Espace client – Eau de la Métropole</title>\n"
	    "</head>\n"
	    "<body>\n"
	    "  <header>\n"
	    "    <a href=\"/\">Accueil</a>\n"
	    "  </header>\n"
	    "  <main id=\"contenu\">\n"
	    "    <p>Bienvenue.</p>\n"
	    "  </main>\n"
	    "</body>\n"
	    "</html>\n");
	expect_output(set, "layout", "{\"user\": false}", RB_TMPL_STRICT,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"fr\">\n"
	    "<head>\n"
	    "  <title>Espace client – Eau de la Métropole</title>\n"
	    "</head>\n"
	    "<body>\n"
	    "  <header>\n"
	    "    <a href=\"/\">Accueil</a>\n"
	    "  </header>\n"
	    "  <main id=\"contenu\">\n"
	    "    <p>Page vide.</p>\n"
	    "  </main>\n"
	    "</body>\n"
	    "</html>\n");
	rb_tmpl_set_free(set);
}

static void
test_indentation(void **state)
{
	rb_tmpl_set *set = set_of(
	    "t", "<ul>\r\n  {{>p}}\r\n</ul>",
	    "p", "<li>a</li>\r\n\r\n{{{v}}}\r\n",
	    "lf", "<ul>\n\t{{>q}}\n</ul>\n",
	    "q", "<li>a</li>\n\n{{#l}}\n<li>{{.}}</li>\n{{/l}}\n",
	    "outer", "<div>\n  {{>mid}}\n</div>",
	    "mid", "<p>{{>two}}</p>\n<p>c</p>\n",
	    "two", "a\nb",
	    NULL);

	/* Empty lines and lines of a value get no indentation. */
	expect_output(set, "t", "{\"v\": \"<li>b</li>\\n<li>c</li>\"}", 0,
	    "<ul>\r\n  <li>a</li>\r\n\r\n  <li>b</li>\n<li>c</li>\r\n</ul>");
	expect_output(set, "lf", "{\"l\": [1, 2]}", 0,
	    "<ul>\n\t<li>a</li>\n\n\t<li>1</li>\n\t<li>2</li>\n</ul>\n");
	/* The lines of a partial included inline are not indented. */
	expect_output(set, "outer", NULL, 0,
	    "<div>\n  <p>a\nb</p>\n  <p>c</p>\n</div>");
	rb_tmpl_set_free(set);
}

struct job {
	const rb_tmpl_set	*jb_set;
	json_t			*jb_data;
	int			 jb_bad;	/* renders that differed */
};

static void *
render_many(void *arg)
{
	struct job *job = arg;
	rb_buf out = RB_BUF_INIT;
	char err[256];
	int i;

	for (i = 0; i < 500; i++) {
		rb_buf_reset(&out);
		if (rb_tmpl_render(job->jb_set, "invoices", job->jb_data,
		    RB_TMPL_STRICT, &out, err, sizeof(err)) == -1 ||
		    strcmp(rb_buf_cstr(&out), invoices_html) != 0)
			job->jb_bad++;
	}
	rb_buf_free(&out);
	return NULL;
}

static void
test_threads(void **state)
{
	rb_tmpl_set *set = site();
	json_t *data = data_of(invoices_data);
	struct job jobs[4];
	pthread_t tid[4];
	int i;

	for (i = 0; i < 4; i++) {
		jobs[i].jb_set = set;
		jobs[i].jb_data = data;
		jobs[i].jb_bad = 0;
		assert_int_equal(pthread_create(&tid[i], NULL, render_many,
		    &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(jobs[i].jb_bad, 0);
	}
	json_decref(data);
	rb_tmpl_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_apostrophe),
		cmocka_unit_test(test_raw_output),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_strict_unknown_key),
		cmocka_unit_test(test_strict_unknown_partial),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_set_add),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_step_limit),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_set_check),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_indentation),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
