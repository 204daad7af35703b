/*
 * test_markdown.c: news bodies in CommonMark become safe HTML: ordinary
 * markdown is rendered, raw HTML is dropped, links keep only http,
 * https, mailto, tel and relative URLs whatever their spelling, images
 * only paths of this site, headings sit below the page's h1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "tmpl/markdown.h"

/* The HTML of md with a heading shift of 1, in a static buffer. */
static const char *
html_of(const char *md)
{
	static char out[4096];
	rb_buf b = RB_BUF_INIT;

	rb_markdown_html(&b, md, strlen(md), 1);
	snprintf(out, sizeof(out), "%s", b.buf_data ? b.buf_data : "");
	rb_buf_free(&b);
	return out;
}

static void
expect_html(const char *md, const char *want)
{
	const char *got = html_of(md);

	if (strcmp(got, want) != 0)
		fail_msg("markdown %s\n got: %s\nwant: %s", md, got, want);
}

/* The output holds none of the (case-folded) needles. */
static void
expect_absent(const char *md, const char *const *needles)
{
	const char *got = html_of(md);
	char low[4096];
	size_t i;

	for (i = 0; got[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)(got[i] >= 'A' && got[i] <= 'Z' ?
		    got[i] + 32 : got[i]);
	low[i] = '\0';
	for (; *needles != NULL; needles++)
		if (strstr(low, *needles) != NULL)
			fail_msg("markdown %s\n gives %s\n which holds %s", md,
			    got, *needles);
}

static void
test_renders_markdown(void **state)
{
	(void)state;
	expect_html("Bonjour *tout* le **monde**.",
	    "<p>Bonjour <em>tout</em> le <strong>monde</strong>.</p>\n");
	expect_html("- un\n- deux\n",
	    "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n");
	expect_html("Voir [le site](https://example.org/a?b=1&c=2).",
	    "<p>Voir <a href=\"https://example.org/a?b=1&amp;c=2\">le "
	    "site</a>.</p>\n");
	expect_html("[Contact](/contact) [écrire](mailto:a@example.org) "
	    "[appeler](tel:+33969322212)",
	    "<p><a href=\"/contact\">Contact</a> <a href=\"mailto:a@example."
	    "org\">écrire</a> <a href=\"tel:+33969322212\">appeler</a></p>\n");
	expect_html("Texte\n\n# Titre\n\n### Sous-titre\n\n###### Six",
	    "<p>Texte</p>\n<h2>Titre</h2>\n<h4>Sous-titre</h4>\n"
	    "<h6>Six</h6>\n");
	expect_html("![Plan](/static/plan.png)",
	    "<p><img src=\"/static/plan.png\" alt=\"Plan\" /></p>\n");
	expect_html("", "");
}

static void
test_text_is_escaped(void **state)
{
	(void)state;
	expect_html("1 < 2 & \"citation\" l'eau",
	    "<p>1 &lt; 2 &amp; &quot;citation&quot; l'eau</p>\n");
	/* A title cannot break out of its attribute. */
	expect_html("[a](/x \"t\\\" onmouseover=\\\"alert(1)\")",
	    "<p><a href=\"/x\" title=\"t&quot; onmouseover=&quot;alert(1)\">"
	    "a</a></p>\n");
	/* Invalid UTF-8 is replaced. */
	expect_html("a\xff" "b", "<p>a\xef\xbf\xbd" "b</p>\n");
}

static void
test_raw_html_dropped(void **state)
{
	static const char *const tags[] = { "<script", "<img", "<iframe",
		"onerror", "<b>", "<!--", "<div", "<style", "<svg", NULL };

	(void)state;
	expect_html("<script>alert(1)</script>\n\nTexte", "<p>Texte</p>\n");
	expect_html("a <b>gras</b> b", "<p>a gras b</p>\n");
	expect_html("x <img src=x onerror=alert(1)> y", "<p>x  y</p>\n");
	expect_absent("<div onclick=\"x()\">\n\n*a*\n\n</div>", tags);
	expect_absent("<!-- commentaire --> et <?php echo 1; ?>", tags);
	expect_absent("<style>body{}</style>\n<svg onload=alert(1)>", tags);
	expect_absent("- <iframe src=/x></iframe>\n- > <script>x</script>",
	    tags);
	expect_absent("<SCRIPT>alert(1)</SCRIPT>", tags);
}

static void
test_dangerous_links_dropped(void **state)
{
	/* No link is left (an autolink's text may name the scheme: it is
	   text then). */
	static const char *const bad[] = { "<a", "href", "src=", NULL };
	static const char *const links[] = {
		"[x](javascript:alert(1))",
		"[x](JaVaScRiPt:alert(1))",
		"[x](&#106;avascript:alert(1))",
		"[x](javascript&#58;alert(1))",
		"[x](<  javascript:alert(1)>)",
		"[x](<\x01javascript:alert(1)>)",
		"[x](java\\\tscript:alert(1))",
		"[x](<java\tscript:alert(1)>)",
		"[x](vbscript:msgbox(1))",
		"[x](data:text/html;base64,PHNjcmlwdD4=)",
		"[x](file:///etc/passwd)",
		"<javascript:alert(1)>",
		"[x]\n\n[x]: javascript:alert(1)",
		"[x](<javascript :alert(1)>)",
		NULL
	};
	const char *const *l;

	(void)state;
	for (l = links; *l != NULL; l++)
		expect_absent(*l, bad);
	/* The text of the link stays. */
	expect_html("Voir [ce lien](javascript:alert(1)).",
	    "<p>Voir ce lien.</p>\n");
	/* Images from elsewhere become their text; an image in a bad link
	   stays if it is ours. */
	expect_html("![photo](https://tracker.example/p.gif)",
	    "<p>photo</p>\n");
	expect_html("![photo](//tracker.example/p.gif)", "<p>photo</p>\n");
	expect_html("![photo](data:image/png;base64,AAAA)",
	    "<p>photo</p>\n");
	expect_html("[![a](/s.png)](javascript:x)",
	    "<p><img src=\"/s.png\" alt=\"a\" /></p>\n");
}

static void
test_link_rule(void **state)
{
	(void)state;
	assert_true(rb_markdown_link_ok("https://example.org"));
	assert_true(rb_markdown_link_ok("HTTP://example.org"));
	assert_true(rb_markdown_link_ok("/actualites"));
	assert_true(rb_markdown_link_ok("page?x=a:b"));
	assert_true(rb_markdown_link_ok("#haut"));
	assert_true(rb_markdown_link_ok("mailto:a@b.fr"));
	assert_true(rb_markdown_link_ok("tel:0969322212"));
	assert_true(rb_markdown_link_ok("plan.pdf"));
	assert_false(rb_markdown_link_ok("javascript:x"));
	assert_false(rb_markdown_link_ok(" \x0bjavascript:x"));
	assert_false(rb_markdown_link_ok("java\nscript:x"));
	assert_false(rb_markdown_link_ok("jav\r\tascript:x"));
	assert_false(rb_markdown_link_ok("ftp://x"));
	assert_false(rb_markdown_link_ok(":x"));
	assert_false(rb_markdown_link_ok("java script:x"));
	assert_false(rb_markdown_link_ok("averyveryverylongscheme:x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renders_markdown),
		cmocka_unit_test(test_text_is_escaped),
		cmocka_unit_test(test_raw_html_dropped),
		cmocka_unit_test(test_dangerous_links_dropped),
		cmocka_unit_test(test_link_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
