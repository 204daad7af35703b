/*
 * mem.c: the single place where running out of memory is handled, by
 * aborting with a message (see mem.h).
 */
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

void
rb_mem_init(void)
{
	json_set_alloc_funcs(rb_xmalloc, free);
}
