/*
 * mustache.c: the template set (see mustache.h): named templates kept
 * sorted by name for lookup, each parsed by parse.c into its own arena,
 * and the start-up check that every partial and parent exists. Rendering
 * is in render.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/mem.h"
#include "tmpl/mustache.h"
#include "tmpl/tree.h"

struct rb_tmpl_set {
	struct tmpl	**ts_tmpls;	/* sorted by name */
	size_t		  ts_n;
	size_t		  ts_cap;
};

void
rb_tmpl_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
name_cmp(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of name in the set, or where it would go (*found = 0). */
static size_t
search(const rb_tmpl_set *set, const char *name, size_t len, int *found)
{
	size_t lo = 0, hi = set->ts_n, mid;
	int c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(name, len, set->ts_tmpls[mid]->tp_name);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct tmpl *
rb_tmpl_set_find(const rb_tmpl_set *set, const char *name, size_t len)
{
	int found;
	size_t i = search(set, name, len, &found);

	return found ? set->ts_tmpls[i] : NULL;
}

rb_tmpl_set *
rb_tmpl_set_new(void)
{
	return rb_xcalloc(1, sizeof(rb_tmpl_set));
}

void
rb_tmpl_set_free(rb_tmpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ts_n; i++)
		rb_arena_free(set->ts_tmpls[i]->tp_arena);
	free(set->ts_tmpls);
	free(set);
}

int
rb_tmpl_set_add(rb_tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	rb_arena *arena;
	struct tmpl *tp;
	char *copy;
	size_t at;
	int found;

	if (name == NULL || name[0] == '\0') {
		rb_tmpl_errf(err, errlen, "template name is empty");
		return -1;
	}
	at = search(set, name, strlen(name), &found);
	if (found) {
		rb_tmpl_errf(err, errlen, "%s: template added twice", name);
		return -1;
	}
	arena = rb_arena_new();
	tp = rb_arena_alloc(arena, sizeof(*tp));
	tp->tp_arena = arena;
	tp->tp_name = rb_arena_strdup(arena, name);
	copy = rb_arena_alloc(arena, len + 1);
	if (len > 0)
		memcpy(copy, src, len);
	tp->tp_src = copy;
	tp->tp_len = len;
	if (rb_tmpl_parse(tp, err, errlen) == -1) {
		rb_arena_free(arena);
		return -1;
	}
	if (set->ts_n == set->ts_cap) {
		set->ts_cap = set->ts_cap ? set->ts_cap * 2 : 16;
		set->ts_tmpls = rb_xrealloc(set->ts_tmpls,
		    set->ts_cap * sizeof(*set->ts_tmpls));
	}
	memmove(set->ts_tmpls + at + 1, set->ts_tmpls + at,
	    (set->ts_n - at) * sizeof(*set->ts_tmpls));
	set->ts_tmpls[at] = tp;
	set->ts_n++;
	return 0;
}

/* Checks the partials and parents named in list and below it. */
static int
check_nodes(const rb_tmpl_set *set, const struct tmpl *tp,
    const struct tnode *n, char *err, size_t errlen)
{
	for (; n != NULL; n = n->tn_next) {
		if ((n->tn_type == TN_PARTIAL || n->tn_type == TN_PARENT) &&
		    rb_tmpl_set_find(set, n->tn_str, n->tn_len) == NULL) {
			rb_tmpl_errf(err, errlen, "%s:%u: unknown %s \"%.*s\"",
			    tp->tp_name, n->tn_line, n->tn_type == TN_PARTIAL ?
			    "partial" : "parent template", (int)n->tn_len,
			    n->tn_str);
			return -1;
		}
		if (check_nodes(set, tp, n->tn_kids, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
rb_tmpl_set_check(const rb_tmpl_set *set, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < set->ts_n; i++)
		if (check_nodes(set, set->ts_tmpls[i],
		    set->ts_tmpls[i]->tp_root, err, errlen) == -1)
			return -1;
	return 0;
}
