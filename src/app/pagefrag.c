/*
 * pagefrag.c: a page's HTML kept with its value (see pagefrag.h). The
 * slot is set once (compare and swap from empty) and emptied only by
 * the value's last reference: a reader holding the value reads the
 * fragment without a lock.
 */
#define _GNU_SOURCE		/* memmem() */
#include <stdlib.h>
#include <string.h>

#include "app/pagefrag.h"
#include "base/mem.h"

struct rb_pagefrag *
rb_pagefrag_new(const char *key, const char *html, size_t len, size_t cut)
{
	struct rb_pagefrag *f = rb_xmalloc(sizeof(*f));

	f->pf_key = rb_xstrdup(key);
	f->pf_html = rb_xmalloc(len + 1);
	memcpy(f->pf_html, html, len);
	f->pf_html[len] = '\0';
	f->pf_len = len;
	f->pf_cut = cut < len ? cut : RB_PAGEFRAG_NOCUT;
	if (f->pf_cut != RB_PAGEFRAG_NOCUT)
		f->pf_html[f->pf_cut] = '\0';
	return f;
}

void
rb_pagefrag_free(struct rb_pagefrag *f)
{
	if (f == NULL)
		return;
	free(f->pf_key);
	free(f->pf_html);
	free(f);
}

int
rb_pagefrag_cut(char *html, size_t *len, const char *marker, size_t *cut)
{
	size_t m = strlen(marker), p;
	char *at;

	*cut = RB_PAGEFRAG_NOCUT;
	if (m == 0 || (at = memmem(html, *len, marker, m)) == NULL)
		return 0;
	p = (size_t)(at - html);
	if (memmem(at + m, *len - p - m, marker, m) != NULL)
		return -1;
	memmove(at + 1, at + m, *len - p - m);
	*len -= m - 1;
	html[*len] = '\0';
	*cut = p;
	return 0;
}

const struct rb_pagefrag *
rb_pagefrag_find(struct rb_pagefrag_slot *slot, const char *key)
{
	const struct rb_pagefrag *f;

	f = atomic_load_explicit(&slot->ps_frag, memory_order_acquire);
	if (f == NULL || strcmp(f->pf_key, key) != 0)
		return NULL;
	return f;
}

int
rb_pagefrag_held(struct rb_pagefrag_slot *slot)
{
	return atomic_load_explicit(&slot->ps_frag, memory_order_acquire) !=
	    NULL;
}

int
rb_pagefrag_keep(struct rb_pagefrag_slot *slot, struct rb_pagefrag *f)
{
	struct rb_pagefrag *none = NULL;

	return atomic_compare_exchange_strong_explicit(&slot->ps_frag, &none,
	    f, memory_order_acq_rel, memory_order_acquire) ? 1 : 0;
}

void
rb_pagefrag_slot_init(struct rb_pagefrag_slot *slot)
{
	atomic_init(&slot->ps_frag, NULL);
}

void
rb_pagefrag_slot_clear(struct rb_pagefrag_slot *slot)
{
	rb_pagefrag_free(atomic_exchange_explicit(&slot->ps_frag, NULL,
	    memory_order_acq_rel));
}
