/*
 * markdown.h: CommonMark text (news bodies written by admins) turned into
 * HTML that is safe to insert raw into a page or an Atom feed.
 *
 * Rendering uses cmark in safe mode and then enforces Robinet's own rules
 * on the document tree, so that the output holds only markup that cmark
 * writes for CommonMark constructs and text escaped by cmark:
 *   - raw HTML (blocks and inline tags, comments, processing
 *     instructions) is dropped;
 *   - a link keeps its URL only when it is relative (no scheme) or its
 *     scheme is http, https, mailto or tel, read as a browser reads it
 *     (leading spaces and control characters skipped, tabs and newlines
 *     ignored, case folded); any other link (javascript:, vbscript:,
 *     data:, file:, " javascript:"…) becomes its plain text;
 *   - an image is kept only when its URL is a path on this site ("/…",
 *     not "//host"); any other image becomes its alternative text;
 *   - headings go down by heading_shift levels (at most h6), so that a
 *     "# Titre" in a body sits below the page's own h1;
 *   - invalid UTF-8 is replaced by U+FFFD.
 */
#ifndef RB_MARKDOWN_H
#define RB_MARKDOWN_H

#include <stddef.h>

#include "base/buf.h"

/*
 * Appends to out the HTML of the len bytes of CommonMark at md, by the
 * rules above (heading_shift 0 to 5). Never fails (allocation failure
 * aborts); empty input appends nothing.
 */
void	rb_markdown_html(rb_buf *out, const char *md, size_t len,
	    int heading_shift);

/*
 * Returns 1 if a link to url (NUL-terminated) is kept by the rules above,
 * 0 if not. Exposed for the tests.
 */
int	rb_markdown_link_ok(const char *url);

#endif
