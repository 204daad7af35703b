/*
 * arena.h: a region allocator. Everything allocated from an arena is
 * released at once by rb_arena_free(). A web request owns one arena,
 * freed when its response is done.
 */
#ifndef RB_ARENA_H
#define RB_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct rb_arena rb_arena;

/* Returns a new arena; never NULL. Free it with rb_arena_free(). */
rb_arena	*rb_arena_new(void);
void		 rb_arena_free(rb_arena *a);
/* Memory aligned for any type, zeroed, valid until the arena is freed. */
void		*rb_arena_alloc(rb_arena *a, size_t n);
char		*rb_arena_strdup(rb_arena *a, const char *s);
char		*rb_arena_strndup(rb_arena *a, const char *s, size_t n);
char		*rb_arena_printf(rb_arena *a, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Bytes handed out so far (for limits and tests). */
size_t		 rb_arena_used(const rb_arena *a);

#endif
