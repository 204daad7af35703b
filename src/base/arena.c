/*
 * arena.c: region allocator made of a chain of blocks (see arena.h).
 * Small requests are carved from the current block; a request larger than
 * a quarter of the block size gets a block of its own.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "mem.h"

#define ARENA_BLOCK	8192

struct block {
	struct block	*blk_next;
	size_t		 blk_size;	/* usable bytes in blk_data */
	size_t		 blk_used;
	alignas(max_align_t) unsigned char blk_data[];
};

struct rb_arena {
	struct block	*ar_head;	/* current block, chain of older ones */
	size_t		 ar_total;
};

static struct block *
block_new(size_t size)
{
	struct block *b = rb_xmalloc(sizeof(*b) + size);

	b->blk_next = NULL;
	b->blk_size = size;
	b->blk_used = 0;
	return b;
}

rb_arena *
rb_arena_new(void)
{
	rb_arena *a = rb_xcalloc(1, sizeof(*a));

	a->ar_head = block_new(ARENA_BLOCK);
	return a;
}

void
rb_arena_free(rb_arena *a)
{
	struct block *b, *next;

	if (a == NULL)
		return;
	for (b = a->ar_head; b != NULL; b = next) {
		next = b->blk_next;
		free(b);
	}
	free(a);
}

void *
rb_arena_alloc(rb_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct block *b = a->ar_head, *big;
	size_t off;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align - sizeof(struct block))
		abort();	/* no such allocation can succeed */
	n = (n + align - 1) & ~(align - 1);
	if (n > ARENA_BLOCK / 4) {
		/* Own block, linked behind the current one. */
		big = block_new(n);
		big->blk_used = n;
		big->blk_next = b->blk_next;
		b->blk_next = big;
		a->ar_total += n;
		memset(big->blk_data, 0, n);
		return big->blk_data;
	}
	off = b->blk_used;
	if (off + n > b->blk_size) {
		b = block_new(ARENA_BLOCK);
		b->blk_next = a->ar_head;
		a->ar_head = b;
		off = 0;
	}
	p = b->blk_data + off;
	b->blk_used = off + n;
	a->ar_total += n;
	memset(p, 0, n);
	return p;
}

char *
rb_arena_strndup(rb_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		abort();
	p = rb_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
rb_arena_strdup(rb_arena *a, const char *s)
{
	return rb_arena_strndup(a, s, strlen(s));
}

char *
rb_arena_printf(rb_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return rb_arena_strdup(a, "");
	p = rb_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
rb_arena_used(const rb_arena *a)
{
	return a->ar_total;
}
