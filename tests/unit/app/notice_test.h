/*
 * notice_test.h: what a listener connection heard (store/db.h, notices
 * between connections), for test_sesscache.c and test_pagecache.c: each
 * notice as "channel payload", and a reader that waits for n of them,
 * at most NOTICE_STEPS waits of 200 ms (never a fixed sleep; on SQLite,
 * where a listener polls, NOTICE_STEPS turns of its poll_ms). Include
 * after store_test.h and cmocka.h.
 */
#ifndef RB_TEST_NOTICE_H
#define RB_TEST_NOTICE_H

#include <poll.h>
#include <stdio.h>

#define NOTICE_STEPS	50

struct heard {
	char	 h_text[16][64];
	int	 h_n;		/* all heard; the first 16 kept */
};

static void
hear(const char *channel, const char *payload, void *arg)
{
	struct heard *h = arg;

	if (h->h_n < 16)
		snprintf(h->h_text[h->h_n], sizeof(h->h_text[0]), "%s %s",
		    channel, payload);
	h->h_n++;
}

/* Reads l's notices into h until it holds n. */
static void
hear_until(rb_db *l, struct heard *h, int n)
{
	struct pollfd p;
	int i;

	for (i = 0; i < NOTICE_STEPS && h->h_n < n; i++) {
		/* SQLite: rows read every poll_ms, no descriptor. */
		p.fd = rb_db_notices_poll_ms(l) > 0 ? -1 : rb_db_socket(l);
		p.events = POLLIN;
		assert_true(p.fd >= 0 || rb_db_notices_poll_ms(l) > 0);
		(void)poll(&p, 1, p.fd >= 0 ? 200 :
		    rb_db_notices_poll_ms(l));
		assert_true(rb_db_notices_read(l, hear, h) >= 0);
	}
}

#endif
