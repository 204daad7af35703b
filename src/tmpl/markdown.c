/*
 * markdown.c: CommonMark to safe HTML with cmark (see markdown.h).
 *
 * The document is parsed, the nodes to change are collected in document
 * order with one walk, then changed (a node is freed only once nothing
 * collected lies inside it), and the tree is rendered in safe mode.
 */
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "base/mem.h"
#include "markdown.h"

#define MD_OPTIONS	(CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8)

static const char *const allowed_schemes[] = {
	"http", "https", "mailto", "tel",
};

static int
ascii_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int
rb_markdown_link_ok(const char *url)
{
	char scheme[16];
	size_t n = 0, i;
	const unsigned char *p = (const unsigned char *)url;

	/* The URL parser of browsers skips these before reading a scheme. */
	while (*p != '\0' && *p <= 0x20)
		p++;
	for (; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;	/* removed anywhere by browsers */
		if (*p == '/' || *p == '?' || *p == '#')
			return 1;	/* relative: no scheme before these */
		if (*p == ':')
			break;
		if (n == 0 ? !ascii_alpha(*p) : !(ascii_alpha(*p) ||
		    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
		    *p == '.'))
			return 0;	/* not a scheme, but a ':' may follow */
		if (n + 1 >= sizeof(scheme))
			return 0;
		scheme[n++] = (char)ascii_lower(*p);
	}
	if (*p == '\0')
		return 1;		/* no ':' at all: a relative path */
	if (n == 0)
		return 0;
	scheme[n] = '\0';
	for (i = 0; i < RB_NELEM(allowed_schemes); i++)
		if (strcmp(scheme, allowed_schemes[i]) == 0)
			return 1;
	return 0;
}

/* An image stays only when it is served by this site. */
static int
image_ok(const char *url)
{
	return url != NULL && url[0] == '/' && url[1] != '/' && url[1] != '\\';
}

/* Moves node's children in its place, then frees the emptied node. */
static void
unwrap(cmark_node *node)
{
	cmark_node *child;

	while ((child = cmark_node_first_child(node)) != NULL)
		cmark_node_insert_before(node, child);
	cmark_node_free(node);
}

struct node_list {
	cmark_node	**nl_nodes;
	size_t		  nl_len;
	size_t		  nl_cap;
};

static void
node_list_push(struct node_list *nl, cmark_node *node)
{
	if (nl->nl_len == nl->nl_cap) {
		nl->nl_cap = nl->nl_cap == 0 ? 16 : nl->nl_cap * 2;
		nl->nl_nodes = rb_xrealloc(nl->nl_nodes,
		    nl->nl_cap * sizeof(*nl->nl_nodes));
	}
	nl->nl_nodes[nl->nl_len++] = node;
}

/* Applies the rules of markdown.h to the parsed document. */
static void
sanitize(cmark_node *doc, int heading_shift)
{
	struct node_list nl = { NULL, 0, 0 };
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	cmark_node *node;
	const char *url;
	size_t i;
	int level;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(cmark_iter_get_node(it))) {
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE:
		case CMARK_NODE_HEADING:
			node_list_push(&nl, cmark_iter_get_node(it));
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);

	/* Document order: a link or image is handled before what it holds,
	   and what it holds is moved out before it is freed. */
	for (i = 0; i < nl.nl_len; i++) {
		node = nl.nl_nodes[i];
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
			cmark_node_free(node);
			break;
		case CMARK_NODE_LINK:
			url = cmark_node_get_url(node);
			if (url == NULL || !rb_markdown_link_ok(url))
				unwrap(node);
			break;
		case CMARK_NODE_IMAGE:
			if (!image_ok(cmark_node_get_url(node)))
				unwrap(node);
			break;
		case CMARK_NODE_HEADING:
			level = cmark_node_get_heading_level(node) +
			    heading_shift;
			cmark_node_set_heading_level(node, level > 6 ? 6 :
			    level);
			break;
		default:
			break;
		}
	}
	free(nl.nl_nodes);
}

void
rb_markdown_html(rb_buf *out, const char *md, size_t len, int heading_shift)
{
	cmark_node *doc;
	char *html;

	if (len == 0)
		return;
	if (heading_shift < 0)
		heading_shift = 0;
	/* cmark's allocator aborts when memory runs out, like mem.h. */
	doc = cmark_parse_document(md, len, MD_OPTIONS);
	if (doc == NULL)
		abort();
	sanitize(doc, heading_shift);
	html = cmark_render_html(doc, MD_OPTIONS);
	if (html == NULL)
		abort();
	rb_buf_puts(out, html);
	free(html);
	cmark_node_free(doc);
}
