/*
 * logrl.c: per-template aggregation of log messages that outsiders can
 * repeat at will (see logrl.h). A fixed table of templates under one
 * mutex; the summary of an interval is written by the next message of
 * its template or by rb_logrl_flush(), whichever comes first.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "logrl.h"
#include "mem.h"

#define KEY_MAX		96	/* a template is compared on this much */
#define FIRST_MAX	200	/* the first message, kept for the summary */
#define ADDR_MAX	48
#define TOP_SHOWN	3

struct rl_addr {
	char		ra_addr[ADDR_MAX];
	uint64_t	ra_count;
};

struct rl_entry {
	char			 re_key[KEY_MAX];
	int			 re_used;	/* holds a template */
	int			 re_open;	/* an interval is running */
	uint64_t		 re_since_ms;	/* its start */
	uint64_t		 re_repeats;	/* counted, not written */
	enum rb_log_level	 re_level;
	char			 re_func[48];
	char			 re_first[FIRST_MAX];
	struct rl_addr		 re_addrs[RB_LOGRL_ADDRS];
	int			 re_naddrs;
};

struct rb_logrl {
	pthread_mutex_t	 rl_lock;
	unsigned	 rl_interval_ms;
	struct rl_entry	 rl_keys[RB_LOGRL_KEYS];
	struct rl_entry	 rl_other;	/* templates beyond the table */
};

static struct rb_logrl rl_global = {
	.rl_lock = PTHREAD_MUTEX_INITIALIZER,
	.rl_interval_ms = RB_LOGRL_INTERVAL_MS,
};

struct rb_logrl *
rb_logrl_new(unsigned interval_ms)
{
	struct rb_logrl *rl = rb_xcalloc(1, sizeof(*rl));

	pthread_mutex_init(&rl->rl_lock, NULL);
	rl->rl_interval_ms = interval_ms > 0 ? interval_ms : 1;
	return rl;
}

void
rb_logrl_free(struct rb_logrl *rl)
{
	if (rl == NULL)
		return;
	rb_logrl_flush(rl, 0, 1);
	pthread_mutex_destroy(&rl->rl_lock);
	free(rl);
}

static void
copy_text(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src != NULL ? src : "");
}

/* Space-saving count of one address: the least counted one makes room. */
static void
count_addr(struct rl_entry *e, const char *addr)
{
	struct rl_addr *min = NULL;
	int i;

	if (addr == NULL || addr[0] == '\0' || strcmp(addr, "-") == 0)
		return;
	for (i = 0; i < e->re_naddrs; i++) {
		if (strncmp(e->re_addrs[i].ra_addr, addr, ADDR_MAX - 1) == 0) {
			e->re_addrs[i].ra_count++;
			return;
		}
		if (min == NULL || e->re_addrs[i].ra_count < min->ra_count)
			min = &e->re_addrs[i];
	}
	if (e->re_naddrs < RB_LOGRL_ADDRS) {
		min = &e->re_addrs[e->re_naddrs++];
		min->ra_count = 0;
	}
	copy_text(min->ra_addr, sizeof(min->ra_addr), addr);
	min->ra_count++;
}

static int
by_count_desc(const void *a, const void *b)
{
	const struct rl_addr *x = a, *y = b;

	return x->ra_count < y->ra_count ? 1 :
	    x->ra_count > y->ra_count ? -1 : strcmp(x->ra_addr, y->ra_addr);
}

/* Writes the entry's summary when it counted repeats; closes it. */
static int
close_interval(struct rb_logrl *rl, struct rl_entry *e)
{
	rb_buf top = RB_BUF_INIT;
	int i, wrote = 0;

	if (e->re_open && e->re_repeats > 0) {
		qsort(e->re_addrs, (size_t)e->re_naddrs,
		    sizeof(e->re_addrs[0]), by_count_desc);
		for (i = 0; i < e->re_naddrs && i < TOP_SHOWN; i++)
			rb_buf_printf(&top, "%s%s (%llu)", i > 0 ? ", " : "",
			    e->re_addrs[i].ra_addr,
			    (unsigned long long)e->re_addrs[i].ra_count);
		rb_log(e->re_level, e->re_func, "%s [repeated %llu more "
		    "time%s in the last %u s%s%s]", e->re_first,
		    (unsigned long long)e->re_repeats,
		    e->re_repeats > 1 ? "s" : "",
		    (rl->rl_interval_ms + 999) / 1000,
		    top.buf_len > 0 ? "; top addresses: " : "",
		    rb_buf_cstr(&top));
		wrote = 1;
	}
	rb_buf_free(&top);
	e->re_open = 0;
	e->re_repeats = 0;
	e->re_naddrs = 0;
	return wrote;
}

/* The entry of key: its own, a free one, or the shared one. */
static struct rl_entry *
entry_of(struct rb_logrl *rl, const char *key)
{
	struct rl_entry *free_slot = NULL, *e;
	int i;

	for (i = 0; i < RB_LOGRL_KEYS; i++) {
		e = &rl->rl_keys[i];
		if (e->re_used && strncmp(e->re_key, key, KEY_MAX - 1) == 0)
			return e;
		if (free_slot == NULL && (!e->re_used || !e->re_open))
			free_slot = e;
	}
	if (free_slot == NULL)
		return &rl->rl_other;
	free_slot->re_used = 1;
	copy_text(free_slot->re_key, sizeof(free_slot->re_key), key);
	return free_slot;
}

int
rb_logrl_note(struct rb_logrl *rl, uint64_t now_ms, enum rb_log_level level,
    const char *func, const char *key, const char *addr, const char *msg)
{
	struct rl_entry *e;
	int write_now = 0;

	pthread_mutex_lock(&rl->rl_lock);
	e = entry_of(rl, key);
	if (e->re_open && now_ms - e->re_since_ms >= rl->rl_interval_ms)
		close_interval(rl, e);
	if (!e->re_open) {
		e->re_open = 1;
		e->re_since_ms = now_ms;
		e->re_level = level;
		copy_text(e->re_func, sizeof(e->re_func), func);
		copy_text(e->re_first, sizeof(e->re_first), e == &rl->rl_other ?
		    "(other messages)" : msg);
		write_now = 1;
	} else {
		e->re_repeats++;
		count_addr(e, addr);
	}
	pthread_mutex_unlock(&rl->rl_lock);
	return write_now;
}

int
rb_logrl_flush(struct rb_logrl *rl, uint64_t now_ms, int all)
{
	struct rl_entry *e;
	int i, n = 0;

	pthread_mutex_lock(&rl->rl_lock);
	for (i = 0; i <= RB_LOGRL_KEYS; i++) {
		e = i < RB_LOGRL_KEYS ? &rl->rl_keys[i] : &rl->rl_other;
		if (e->re_open && (all ||
		    now_ms - e->re_since_ms >= rl->rl_interval_ms))
			n += close_interval(rl, e);
	}
	pthread_mutex_unlock(&rl->rl_lock);
	return n;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
flush_at_exit(void)
{
	rb_log_rl_flush(1);
}

static void
register_exit_flush(void)
{
	atexit(flush_at_exit);
}

void
rb_log_rlv(enum rb_log_level level, const char *func, const char *addr,
    const char *fmt, va_list ap)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	rb_buf msg = RB_BUF_INIT;

	/* Commands that end without a flush of their own lose no count. */
	pthread_once(&once, register_exit_flush);
	rb_buf_vprintf(&msg, fmt, ap);
	while (msg.buf_len > 0 && msg.buf_data[msg.buf_len - 1] == '\n')
		msg.buf_data[--msg.buf_len] = '\0';
	if (rb_logrl_note(&rl_global, mono_ms(), level, func, fmt, addr,
	    rb_buf_cstr(&msg)))
		rb_log(level, func, "%s", rb_buf_cstr(&msg));
	rb_buf_free(&msg);
}

void
rb_log_rl(enum rb_log_level level, const char *func, const char *addr,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rb_log_rlv(level, func, addr, fmt, ap);
	va_end(ap);
}

void
rb_log_rl_flush(int all)
{
	rb_logrl_flush(&rl_global, mono_ms(), all);
}
