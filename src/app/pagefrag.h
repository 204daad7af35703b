/*
 * pagefrag.h: the HTML a page wrote from a value kept in memory
 * (app/pagecache.h), kept with that value, so that the page seen again
 * writes it as it is instead of building its data and rendering its
 * template again.
 *
 * A fragment is the text of a page's content (inside the layout), made
 * by the web layer from the value's data, and a key: the text of
 * everything else it was made of (today, settings), compared whole. It
 * may hold one cut: the place of a per-request text (a form's CSRF
 * token), written by the page between the two parts.
 *
 * A value holds one slot (struct rb_pagefrag_slot), empty at first. The
 * first fragment put in stays until the value is freed: a request whose
 * key differs (a new day, other settings) renders its own and keeps it
 * only for itself. Values live at most RB_PAGECACHE_MAX_AGE_S, so a
 * new key is kept again within that time. Readers share the kept
 * fragment, read only, for as long as they hold the value.
 */
#ifndef RB_APP_PAGEFRAG_H
#define RB_APP_PAGEFRAG_H

#include <stdatomic.h>
#include <stddef.h>

#define RB_PAGEFRAG_NOCUT	((size_t)-1)

struct rb_pagefrag {
	char		*pf_key;
	char		*pf_html;	/* pf_len bytes; NUL-terminated, and
					   a NUL at pf_cut when cut */
	size_t		 pf_len;
	size_t		 pf_cut;	/* where the per-request text goes,
					   or RB_PAGEFRAG_NOCUT */
};

/* The first part (NUL-terminated) and the second ("" when not cut). */
#define rb_pagefrag_head(f)	((const char *)(f)->pf_html)
#define rb_pagefrag_tail(f)	((f)->pf_cut != RB_PAGEFRAG_NOCUT ? \
	(const char *)(f)->pf_html + (f)->pf_cut + 1 : "")

struct rb_pagefrag_slot {
	_Atomic(struct rb_pagefrag *) ps_frag;
};

/*
 * A new fragment: a copy of key and of html[0..len), cut at cut (the
 * byte there is replaced by a NUL: the marker's first byte; see
 * rb_pagefrag_cut()) or RB_PAGEFRAG_NOCUT. Never fails (allocation
 * failure aborts).
 */
struct rb_pagefrag *rb_pagefrag_new(const char *key, const char *html,
	    size_t len, size_t cut);
void	 rb_pagefrag_free(struct rb_pagefrag *f);

/*
 * Where marker (NUL-terminated) stands in html[0..len): sets *cut to its
 * offset (RB_PAGEFRAG_NOCUT when absent) and returns 0; -1 when it
 * stands more than once (the data holds the marker: do not keep). The
 * marker's bytes after the first are removed from html (*len shrinks)
 * so that rb_pagefrag_new() with that cut leaves head and tail.
 */
int	 rb_pagefrag_cut(char *html, size_t *len, const char *marker,
	    size_t *cut);

/* The fragment kept in slot under key, or NULL. */
const struct rb_pagefrag *rb_pagefrag_find(struct rb_pagefrag_slot *slot,
	    const char *key);
/* Whether slot holds a fragment (of whatever key): a request whose key
   is not found there makes its HTML for itself only, straight. */
int	 rb_pagefrag_held(struct rb_pagefrag_slot *slot);
/*
 * Keeps f in slot when it is empty: returns 1 (the slot owns f from
 * now on, until rb_pagefrag_slot_clear()), or 0 (the caller still owns
 * f, and frees it when done).
 */
int	 rb_pagefrag_keep(struct rb_pagefrag_slot *slot,
	    struct rb_pagefrag *f);
/* An empty slot; frees what a slot holds (its value's last reference). */
void	 rb_pagefrag_slot_init(struct rb_pagefrag_slot *slot);
void	 rb_pagefrag_slot_clear(struct rb_pagefrag_slot *slot);

#endif
