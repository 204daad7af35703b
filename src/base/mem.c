/*
 * mem.c: the single place where running out of memory is handled, by
 * aborting with a message (see mem.h); and the allocator of jansson's
 * values, which keeps the small blocks a thread frees for its next ones.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"

static void
oom(size_t n)
{
	fprintf(stderr, "robinet: out of memory (%zu bytes)\n", n);
	abort();
}

void *
rb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
rb_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		oom(count * size);
	return p;
}

void *
rb_xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

char *
rb_xstrndup(const char *s, size_t n)
{
	char *p = rb_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
rb_xstrdup(const char *s)
{
	return rb_xstrndup(s, strlen(s));
}

/*
 * jansson's values: a page builds and frees hundreds of small objects,
 * strings and hash table entries (docs/performance.md, "Signed-in
 * pages"); once the C library's per-thread cache of a size is full (7
 * blocks), each of them goes through its general allocator (about 300
 * instructions a malloc and free, against 20 here). Each block carries a
 * 16-byte header with its size class; blocks of up to JM_MAX bytes freed
 * by a thread are kept on that thread's list for their class, at most
 * JM_KEEP of a class, and given back by the thread's next allocations of
 * that class. A block may be freed by another thread than the one that
 * allocated it (the home page cache): it goes to the freeing thread's
 * list. A thread's lists are given back to the C library when it ends.
 * Under AddressSanitizer nothing is kept (RB_MEM_KEEPS_BLOCKS), so that
 * its quarantine still catches a use after free.
 */
#define JM_GRAIN	16
#define JM_MAX		256
#define JM_CLASSES	(JM_MAX / JM_GRAIN)
#define JM_KEEP		4096
#define JM_BIG		0xffu

struct jm_head {
	union {
		struct jm_head	*jh_next;	/* on a free list */
		unsigned	 jh_class;	/* in use: class, or JM_BIG */
	};
	char	jh_pad[JM_GRAIN - sizeof(void *)];
};
_Static_assert(sizeof(struct jm_head) == JM_GRAIN, "16-byte header");

struct jm_cache {
	struct jm_head	*jc_free[JM_CLASSES];
	unsigned	 jc_count[JM_CLASSES];
};

static _Thread_local struct jm_cache jm_cache;
static _Thread_local int jm_registered;
static pthread_key_t jm_key;

static void
jm_drain(struct jm_cache *c)
{
	for (int i = 0; i < JM_CLASSES; i++) {
		while (c->jc_free[i] != NULL) {
			struct jm_head *h = c->jc_free[i];

			c->jc_free[i] = h->jh_next;
			free(h);
		}
		c->jc_count[i] = 0;
	}
}

static void
jm_thread_end(void *arg)
{
	jm_drain(arg);
	jm_registered = 0;	/* later frees of this thread: to the C library */
}

static void *
jm_malloc(size_t n)
{
	struct jm_head *h;
	unsigned k;

	if (n == 0)
		n = 1;
	if (n > JM_MAX) {
		if (n > SIZE_MAX - sizeof(*h))
			oom(n);
		h = rb_xmalloc(sizeof(*h) + n);
		h->jh_class = JM_BIG;
		return h + 1;
	}
	k = (unsigned)((n - 1) / JM_GRAIN);
	h = jm_cache.jc_free[k];
	if (h != NULL) {
		jm_cache.jc_free[k] = h->jh_next;
		jm_cache.jc_count[k]--;
	} else {
		if (!jm_registered) {
			/* So that the lists are freed when the thread ends. */
			jm_registered = 1;
			(void)pthread_setspecific(jm_key, &jm_cache);
		}
		h = rb_xmalloc(sizeof(*h) + (size_t)(k + 1) * JM_GRAIN);
	}
	h->jh_class = k;
	return h + 1;
}

static void
jm_free(void *p)
{
	struct jm_head *h;
	unsigned k;

	if (p == NULL)
		return;
	h = (struct jm_head *)p - 1;
	k = h->jh_class;
	if (!RB_MEM_KEEPS_BLOCKS || k == JM_BIG ||
	    jm_cache.jc_count[k] >= JM_KEEP || !jm_registered) {
		free(h);
		return;
	}
	h->jh_next = jm_cache.jc_free[k];
	jm_cache.jc_free[k] = h;
	jm_cache.jc_count[k]++;
}

void
rb_mem_init(void)
{
	static int done;

	if (!done) {
		done = 1;
		if (pthread_key_create(&jm_key, jm_thread_end) != 0)
			oom(0);
	}
	json_set_alloc_funcs(jm_malloc, jm_free);
}

void
rb_json_free(void *p)
{
	json_free_t f = free;

	/* Whatever jansson uses now: free() until rb_mem_init() has run
	   (unit tests that do not call it). */
	json_get_alloc_funcs(NULL, &f);
	f(p);
}

void
rb_mem_thread_end(void)
{
	jm_drain(&jm_cache);
}
