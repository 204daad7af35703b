/*
 * parse.c: turns mustache source into the tree of tree.h, once per
 * template, at start-up.
 *
 * Four passes over a token array:
 *  1. lex: cut the source into text and tags, following set-delimiter
 *     tags. Text is cut after every newline, so a source line is a run of
 *     tokens ending with a text token that ends in "\n" (or at the end).
 *  2. match: pair every section, inverted section, parent and block with
 *     its closing tag; report unclosed and mismatched ones, and nesting
 *     deeper than RB_TMPL_MAX_DEPTH.
 *  3. standalone: a line holding only spaces, tabs and non-interpolating
 *     tags disappears from the output, newline included; its indentation
 *     is kept on partial, parent and block tags. One exception from the
 *     spec: a block opened and closed on such a line keeps the newline.
 *  4. build: link the nodes. Inside a standalone block the indentation of
 *     the content (that of its first line) is removed from each line, to
 *     be added back at the place where the block is inserted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/mem.h"
#include "tmpl/tree.h"

#define TK_TEXT	0	/* tags use their sigil as type, 'v' for {{x}} */

struct tok {
	int		 tk_type;
	const char	*tk_str;	/* text, or the trimmed tag content */
	size_t		 tk_len;
	size_t		 tk_end;	/* source offset just past the token */
	unsigned	 tk_line;	/* line where the token starts */
	size_t		 tk_match;	/* section-like tags: the partner tag */
	size_t		 tk_lineno;	/* index of the source line */
	int		 tk_bol;	/* first token of its source line */
	int		 tk_drop;	/* text removed by a standalone line */
	int		 tk_standalone;
	const char	*tk_ws;		/* standalone: the line's indentation */
	size_t		 tk_wslen;
};

struct parser {
	struct tmpl	*ps_tp;
	const char	*ps_src;
	size_t		 ps_len;
	struct tok	*ps_toks;
	size_t		 ps_ntok;
	size_t		 ps_cap;
	char		*ps_err;
	size_t		 ps_errlen;
};

/* Where a block or parent being built collects its children. */
struct frame {
	struct tnode	*fr_node;	/* NULL for the top level */
	struct tnode	**fr_tail;
	struct tnode	*fr_last;
	const char	*fr_strip;	/* indentation removed from lines */
	size_t		 fr_striplen;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

static int
is_open_type(int type)
{
	return type == '#' || type == '^' || type == '<' || type == '$';
}

/* Tags that may stand alone on a line: all but interpolations. */
static int
is_standalone_type(int type)
{
	return type != TK_TEXT && type != 'v' && type != '&';
}

/* First offset >= from where needle starts (optionally after lead). */
static size_t
find(const char *s, size_t from, size_t len, char lead, const char *needle,
    size_t nlen)
{
	size_t i, skip = lead != '\0' ? 1 : 0;

	for (i = from; i + skip + nlen <= len; i++) {
		if (lead != '\0' && s[i] != lead)
			continue;
		if (memcmp(s + i + skip, needle, nlen) == 0)
			return i;
	}
	return SIZE_MAX;
}

static struct tok *
push_tok(struct parser *ps, int type, const char *str, size_t len,
    size_t end, unsigned line)
{
	struct tok *t;

	if (ps->ps_ntok == ps->ps_cap) {
		ps->ps_cap = ps->ps_cap ? ps->ps_cap * 2 : 64;
		ps->ps_toks = rb_xrealloc(ps->ps_toks,
		    ps->ps_cap * sizeof(*ps->ps_toks));
	}
	t = &ps->ps_toks[ps->ps_ntok++];
	memset(t, 0, sizeof(*t));
	t->tk_type = type;
	t->tk_str = str;
	t->tk_len = len;
	t->tk_end = end;
	t->tk_line = line;
	return t;
}

/* Adds src[from..to) as text tokens, one per line piece. */
static void
push_text(struct parser *ps, size_t from, size_t to, unsigned *line)
{
	const char *nl;
	size_t end;

	while (from < to) {
		nl = memchr(ps->ps_src + from, '\n', to - from);
		end = nl != NULL ? (size_t)(nl - ps->ps_src) + 1 : to;
		push_tok(ps, TK_TEXT, ps->ps_src + from, end - from, end, *line);
		if (nl != NULL)
			(*line)++;
		from = end;
	}
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/*
 * Parses the content of {{=open close=}}. Returns 0 and points *open
 * and *close into the source, or -1.
 */
static int
parse_delims(const char *s, size_t n, const char **open, size_t *olen,
    const char **close, size_t *clen)
{
	size_t i = 0, a;

	trim(&s, &n);
	while (i < n && !is_space(s[i]) && s[i] != '=')
		i++;
	a = i;
	while (i < n && is_space(s[i]))
		i++;
	if (a == 0 || i == a || i == n)
		return -1;
	*open = s;
	*olen = a;
	*close = s + i;
	*clen = n - i;
	for (; i < n; i++)
		if (is_space(s[i]) || s[i] == '=')
			return -1;
	return 0;
}

static int
lex(struct parser *ps)
{
	const char *src = ps->ps_src, *open = "{{", *close = "}}", *s;
	size_t len = ps->ps_len, olen = 2, clen = 2, pos = 0, start, p, end;
	size_t stop, n, i;
	unsigned line = 1, tagline;
	int type;
	char lead;

	while (pos < len) {
		start = find(src, pos, len, '\0', open, olen);
		if (start == SIZE_MAX) {
			push_text(ps, pos, len, &line);
			break;
		}
		push_text(ps, pos, start, &line);
		tagline = line;
		p = start + olen;
		type = 'v';
		lead = '\0';
		if (p < len && src[p] != '\0' &&
		    strchr("{&#^/!><$=", src[p]) != NULL) {
			type = src[p] == '{' ? '&' : src[p];
			if (src[p] == '{')
				lead = '}';
			else if (src[p] == '=')
				lead = '=';
			p++;
		}
		stop = find(src, p, len, lead, close, clen);
		if (stop == SIZE_MAX) {
			rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
			    "%s:%u: tag is never closed", ps->ps_tp->tp_name,
			    tagline);
			return -1;
		}
		end = stop + (lead != '\0' ? 1 : 0) + clen;
		for (i = start; i < end; i++)
			if (src[i] == '\n')
				line++;
		s = src + p;
		n = stop - p;
		if (type == '=') {
			if (parse_delims(s, n, &open, &olen, &close,
			    &clen) == -1) {
				rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
				    "%s:%u: invalid delimiters \"%.*s\"",
				    ps->ps_tp->tp_name, tagline, (int)n, s);
				return -1;
			}
		} else if (type != '!') {
			trim(&s, &n);
			for (i = 0; i < n && !is_space(s[i]); i++)
				;
			if (n == 0 || i < n) {
				rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
				    "%s:%u: invalid tag name \"%.*s\"",
				    ps->ps_tp->tp_name, tagline, (int)n, s);
				return -1;
			}
		}
		push_tok(ps, type, s, n, end, tagline);
		pos = end;
	}
	return 0;
}

static int
match(struct parser *ps)
{
	size_t stack[RB_TMPL_MAX_DEPTH], depth = 0, i, o;
	struct tok *t, *ot;

	for (i = 0; i < ps->ps_ntok; i++) {
		t = &ps->ps_toks[i];
		if (is_open_type(t->tk_type)) {
			if (depth == RB_TMPL_MAX_DEPTH) {
				rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
				    "%s:%u: sections nested deeper than %d",
				    ps->ps_tp->tp_name, t->tk_line,
				    RB_TMPL_MAX_DEPTH);
				return -1;
			}
			stack[depth++] = i;
		} else if (t->tk_type == '/') {
			if (depth == 0) {
				rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
				    "%s:%u: closing tag \"%.*s\" has no opening "
				    "tag", ps->ps_tp->tp_name, t->tk_line,
				    (int)t->tk_len, t->tk_str);
				return -1;
			}
			o = stack[--depth];
			ot = &ps->ps_toks[o];
			if (ot->tk_len != t->tk_len ||
			    memcmp(ot->tk_str, t->tk_str, t->tk_len) != 0) {
				rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
				    "%s:%u: closing tag \"%.*s\" does not match "
				    "\"%c%.*s\" opened on line %u",
				    ps->ps_tp->tp_name, t->tk_line,
				    (int)t->tk_len, t->tk_str, ot->tk_type,
				    (int)ot->tk_len, ot->tk_str, ot->tk_line);
				return -1;
			}
			ot->tk_match = i;
			t->tk_match = o;
		}
	}
	if (depth > 0) {
		ot = &ps->ps_toks[stack[depth - 1]];
		rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
		    "%s:%u: \"%c%.*s\" is never closed", ps->ps_tp->tp_name,
		    ot->tk_line, ot->tk_type, (int)ot->tk_len, ot->tk_str);
		return -1;
	}
	return 0;
}

static int
ends_line(const struct tok *t)
{
	return t->tk_type == TK_TEXT && t->tk_len > 0 &&
	    t->tk_str[t->tk_len - 1] == '\n';
}

/* Length of the line ending ("\n" or "\r\n") that closes t, or 0. */
static size_t
newline_len(const struct tok *t)
{
	if (!ends_line(t))
		return 0;
	if (t->tk_len >= 2 && t->tk_str[t->tk_len - 2] == '\r')
		return 2;
	return 1;
}

/* Whether a text token holds only spaces and tabs before its newline. */
static int
is_blank(const struct tok *t)
{
	size_t i, n = t->tk_len - newline_len(t);

	for (i = 0; i < n; i++)
		if (t->tk_str[i] != ' ' && t->tk_str[i] != '\t')
			return 0;
	return 1;
}

/* Marks the standalone lines of toks[first..last] (one source line). */
static void
standalone_line(struct parser *ps, size_t first, size_t last)
{
	struct tok *t, *lt = NULL;
	const char *ws = "";
	size_t k, wslen = 0, nl;
	int keepnl;

	for (k = first; k <= last; k++) {
		t = &ps->ps_toks[k];
		if (t->tk_type == TK_TEXT) {
			if (!is_blank(t))
				return;
		} else if (!is_standalone_type(t->tk_type))
			return;
		else
			lt = t;
	}
	if (lt == NULL)
		return;
	t = &ps->ps_toks[first];
	if (t->tk_type == TK_TEXT) {
		ws = t->tk_str;
		wslen = t->tk_len;
	}
	/* A block opened and closed on this line keeps the newline. */
	keepnl = lt->tk_type == '/' &&
	    ps->ps_toks[lt->tk_match].tk_type == '$' &&
	    lt->tk_match >= first;
	for (k = first; k <= last; k++) {
		t = &ps->ps_toks[k];
		if (t->tk_type != TK_TEXT) {
			t->tk_standalone = 1;
			t->tk_ws = ws;
			t->tk_wslen = wslen;
		} else if (k == last && keepnl && (nl = newline_len(t)) > 0) {
			t->tk_str += t->tk_len - nl;
			t->tk_len = nl;
			t->tk_bol = 0;
		} else
			t->tk_drop = 1;
	}
}

static void
standalone(struct parser *ps)
{
	size_t first = 0, last, k, lineno = 0;

	while (first < ps->ps_ntok) {
		for (last = first; last + 1 < ps->ps_ntok &&
		    !ends_line(&ps->ps_toks[last]); last++)
			;
		for (k = first; k <= last; k++)
			ps->ps_toks[k].tk_lineno = lineno;
		ps->ps_toks[first].tk_bol = 1;
		standalone_line(ps, first, last);
		first = last + 1;
		lineno++;
	}
}

/* Length of the longest common prefix of a[0..an) and b[0..bn). */
static size_t
common_prefix(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	for (i = 0; i < an && i < bn && a[i] == b[i]; i++)
		;
	return i;
}

/*
 * Indentation of the content of the standalone block opened by toks[k]:
 * the line's own when the block closes on the same line, else that of
 * the next source line.
 */
static void
block_indent(const struct parser *ps, size_t k, const char **ind,
    size_t *indlen)
{
	const struct tok *t = &ps->ps_toks[k];
	size_t m = k, p;

	if (ps->ps_toks[t->tk_match].tk_lineno == t->tk_lineno) {
		*ind = t->tk_ws;
		*indlen = t->tk_wslen;
		return;
	}
	while (m + 1 < ps->ps_ntok && ps->ps_toks[m + 1].tk_lineno ==
	    t->tk_lineno)
		m++;
	p = ps->ps_toks[m].tk_end;
	*ind = ps->ps_src + p;
	*indlen = 0;
	if (!ends_line(&ps->ps_toks[m]))
		return;
	while (p < ps->ps_len && (ps->ps_src[p] == ' ' ||
	    ps->ps_src[p] == '\t')) {
		p++;
		(*indlen)++;
	}
}

/* Splits a name at dots into n->tn_path; -1 on an empty part. */
static int
split_path(struct parser *ps, struct tnode *n)
{
	struct tname_seg *segs;
	const char *s = n->tn_str, *dot;
	size_t len = n->tn_len, count = 1, i;

	if (len == 1 && s[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '.')
			count++;
	segs = rb_arena_alloc(ps->ps_tp->tp_arena, count * sizeof(*segs));
	for (i = 0; i < count; i++) {
		dot = memchr(s, '.', len);
		segs[i].seg_str = s;
		segs[i].seg_len = dot != NULL ? (size_t)(dot - s) : len;
		if (segs[i].seg_len == 0)
			return -1;
		if (dot != NULL) {
			len -= segs[i].seg_len + 1;
			s = dot + 1;
		}
	}
	n->tn_path = segs;
	n->tn_npath = count;
	return 0;
}

static void
append(struct frame *fr, struct tnode *n)
{
	/* Inside a parent only blocks count; other content is ignored. */
	if (fr->fr_node != NULL && fr->fr_node->tn_type == TN_PARENT &&
	    n->tn_type != TN_BLOCK)
		return;
	*fr->fr_tail = n;
	fr->fr_tail = &n->tn_next;
	fr->fr_last = n;
}

static void
append_text(struct parser *ps, struct frame *fr, const struct tok *t)
{
	const char *s = t->tk_str;
	size_t n = t->tk_len, cut;
	struct tnode *node, *last = fr->fr_last;

	if (t->tk_bol) {
		cut = common_prefix(s, n, fr->fr_strip, fr->fr_striplen);
		s += cut;
		n -= cut;
	}
	if (n == 0)
		return;
	if (last != NULL && last->tn_type == TN_TEXT &&
	    last->tn_str + last->tn_len == s) {
		last->tn_len += n;
		return;
	}
	node = rb_arena_alloc(ps->ps_tp->tp_arena, sizeof(*node));
	node->tn_type = TN_TEXT;
	node->tn_line = t->tk_line;
	node->tn_str = s;
	node->tn_len = n;
	append(fr, node);
}

static int
build(struct parser *ps)
{
	struct frame frames[RB_TMPL_MAX_DEPTH + 1], *fr = frames;
	struct tnode *n;
	struct tok *t;
	const char *ind;
	size_t k, indlen, cut;
	int type;

	memset(frames, 0, sizeof(frames));
	fr->fr_tail = &ps->ps_tp->tp_root;
	fr->fr_strip = "";
	for (k = 0; k < ps->ps_ntok; k++) {
		t = &ps->ps_toks[k];
		type = t->tk_type;
		if (type == TK_TEXT) {
			if (!t->tk_drop)
				append_text(ps, fr, t);
			continue;
		}
		if (type == '!' || type == '=')
			continue;
		if (type == '/') {
			fr--;
			continue;
		}
		n = rb_arena_alloc(ps->ps_tp->tp_arena, sizeof(*n));
		n->tn_line = t->tk_line;
		n->tn_str = t->tk_str;
		n->tn_len = t->tk_len;
		switch (type) {
		case 'v':
			n->tn_type = TN_VAR;
			break;
		case '&':
			n->tn_type = TN_RAW;
			break;
		case '#':
			n->tn_type = TN_SECTION;
			break;
		case '^':
			n->tn_type = TN_INVERTED;
			break;
		case '>':
			n->tn_type = TN_PARTIAL;
			break;
		case '<':
			n->tn_type = TN_PARENT;
			break;
		default:
			n->tn_type = TN_BLOCK;
			break;
		}
		if (type == 'v' || type == '&' || type == '#' || type == '^') {
			if (split_path(ps, n) == -1) {
				rb_tmpl_errf(ps->ps_err, ps->ps_errlen,
				    "%s:%u: invalid name \"%.*s\"",
				    ps->ps_tp->tp_name, t->tk_line,
				    (int)t->tk_len, t->tk_str);
				return -1;
			}
		}
		/* Indentation, seen from inside the enclosing block. */
		ind = t->tk_ws;
		indlen = t->tk_wslen;
		if (type == '$' && t->tk_standalone)
			block_indent(ps, k, &ind, &indlen);
		if (t->tk_standalone && (type == '>' || type == '<' ||
		    type == '$')) {
			cut = common_prefix(ind, indlen, fr->fr_strip,
			    fr->fr_striplen);
			n->tn_standalone = 1;
			n->tn_indent = ind + cut;
			n->tn_indentlen = indlen - cut;
		}
		append(fr, n);
		if (!is_open_type(type))
			continue;
		fr[1].fr_node = n;
		fr[1].fr_tail = &n->tn_kids;
		fr[1].fr_last = NULL;
		fr[1].fr_strip = fr->fr_strip;
		fr[1].fr_striplen = fr->fr_striplen;
		if (type == '$' && t->tk_standalone) {
			fr[1].fr_strip = ind;
			fr[1].fr_striplen = indlen;
		}
		fr++;
	}
	return 0;
}

int
rb_tmpl_parse(struct tmpl *tp, char *err, size_t errlen)
{
	struct parser ps;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.ps_tp = tp;
	ps.ps_src = tp->tp_src;
	ps.ps_len = tp->tp_len;
	ps.ps_err = err;
	ps.ps_errlen = errlen;
	tp->tp_root = NULL;
	if (lex(&ps) == -1 || match(&ps) == -1)
		goto out;
	standalone(&ps);
	if (build(&ps) == -1)
		goto out;
	rc = 0;
out:
	free(ps.ps_toks);
	return rc;
}
