/*
 * mem.h: allocation that never returns NULL.
 *
 * Robinet follows Redis: an allocation failure aborts in one place, so no
 * caller tests for NULL. Use these instead of malloc() and friends.
 */
#ifndef RB_MEM_H
#define RB_MEM_H

#include <stddef.h>

void	*rb_xmalloc(size_t n);
void	*rb_xcalloc(size_t count, size_t size);
void	*rb_xrealloc(void *p, size_t n);
char	*rb_xstrdup(const char *s);
char	*rb_xstrndup(const char *s, size_t n);

/*
 * Routes the allocations of the libraries Robinet links (jansson) through
 * rb_xmalloc, so that running out of memory is handled here too, and
 * through a per-thread cache of small blocks (mem.c) that makes building
 * and freeing a page's JSON cheap. Call once at the start of main(),
 * before any other thread exists.
 */
void	 rb_mem_init(void);

/*
 * Frees what jansson allocated and handed over to its caller (the text of
 * json_dumps()): not free(), since jansson's blocks come from mem.c's
 * cache. NULL does nothing.
 */
void	 rb_json_free(void *p);

/*
 * Gives the calling thread's cached jansson blocks back to the C
 * library (done by itself when a thread ends; main() may call it before
 * exiting so that leak checkers see nothing held).
 */
void	 rb_mem_thread_end(void);

/*
 * 1 when mem.c keeps freed jansson blocks for reuse; 0 in builds with
 * AddressSanitizer, whose quarantine must see every free to catch a use
 * after free.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RB_MEM_KEEPS_BLOCKS	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RB_MEM_KEEPS_BLOCKS	0
#endif
#endif
#ifndef RB_MEM_KEEPS_BLOCKS
#define RB_MEM_KEEPS_BLOCKS	1
#endif

#define RB_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
