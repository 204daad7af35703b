/*
 * reqhead.c: a checked request head read into its parts (see reqhead.h).
 */
#include <string.h>
#include <strings.h>

#include "reqhead.h"

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* The line starting at p (before end): its length without CRLF (or a
   bare LF), *next the start of the following one. -1: no line end. */
static long
line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL)
		return -1;
	*next = nl + 1;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return nl - p;
}

int
rb_head_parse(rb_arena *a, const char *head, size_t len, struct rb_head *h)
{
	const char *end = head + len, *p = head, *next, *sp1, *sp2, *colon;
	const char *v, *ve;
	size_t cap = 0, n;
	long ll;

	memset(h, 0, sizeof(*h));
	if ((ll = line(p, end, &next)) <= 0)
		return -1;
	if ((sp1 = memchr(p, ' ', (size_t)ll)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(p + ll - sp1 - 1))) == NULL ||
	    sp1 == p || sp2 == sp1 + 1 || p + ll - sp2 - 1 != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	h->rh_method = rb_arena_strndup(a, p, (size_t)(sp1 - p));
	h->rh_target = rb_arena_strndup(a, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	h->rh_http11 = sp2[8] == '1';
	for (p = next; p < end; p = next) {
		if ((ll = line(p, end, &next)) < 0)
			return -1;
		if (ll == 0)
			break;		/* the empty line: the head ends */
		if ((colon = memchr(p, ':', (size_t)ll)) == NULL ||
		    colon == p)
			return -1;
		if (h->rh_nfields == cap) {
			struct rb_head_field *f;

			cap = cap ? cap * 2 : 16;
			f = rb_arena_alloc(a, cap * sizeof(*f));
			if (h->rh_nfields > 0)
				memcpy(f, h->rh_fields,
				    h->rh_nfields * sizeof(*f));
			h->rh_fields = f;
		}
		for (v = colon + 1, ve = p + ll; v < ve && is_ws(*v); v++)
			;
		while (ve > v && is_ws(ve[-1]))
			ve--;
		n = h->rh_nfields++;
		h->rh_fields[n].hf_name = rb_arena_strndup(a, p,
		    (size_t)(colon - p));
		h->rh_fields[n].hf_value = rb_arena_strndup(a, v,
		    (size_t)(ve - v));
	}
	return 0;
}

const char *
rb_head_field(const struct rb_head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->rh_nfields; i++)
		if (strcasecmp(h->rh_fields[i].hf_name, name) == 0)
			return h->rh_fields[i].hf_value;
	return NULL;
}

const char *
rb_head_cookie(const struct rb_head *h, rb_arena *a, const char *name)
{
	const char *p = rb_head_field(h, "Cookie"), *pe, *eq, *v, *ve;
	size_t nlen = strlen(name);

	if (p == NULL)
		return NULL;
	while (*p != '\0') {
		while (is_ws(*p) || *p == ';')
			p++;
		pe = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(pe - p));
		if (eq != NULL) {
			ve = eq;
			while (ve > p && is_ws(ve[-1]))
				ve--;
			if ((size_t)(ve - p) == nlen &&
			    memcmp(p, name, nlen) == 0) {
				for (v = eq + 1; v < pe && is_ws(*v); v++)
					;
				for (ve = pe; ve > v && is_ws(ve[-1]); ve--)
					;
				if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
					v++;
					ve--;
				}
				return rb_arena_strndup(a, v, (size_t)(ve - v));
			}
		}
		p = pe;
	}
	return NULL;
}
