/*
 * gate.c: the front gate, between the clients and libmicrohttpd.
 *
 * libmicrohttpd 0.9.75 answers some malformed requests itself (a bad
 * request line or version, a field line without a colon, a bad
 * Content-Length, an oversized head, a malformed chunked body), with
 * pages that carry none of our headers, one of them with its status line
 * twice, and it has no hook to change these answers. So it never sees
 * such bytes: every connection goes through this gate.
 *
 * Each gate thread runs an epoll loop (level-triggered) over its share
 * of the connections; every thread watches the listening socket
 * (EPOLLEXCLUSIVE wakes one), and hands what it accepts to the thread
 * with the fewest connections (itself on a tie), within the limit of
 * the whole server (max_connections, counted here over every thread:
 * any server slot may hold them all); each thread's server slot does
 * the page work of its connections. A connection is the client's socket and
 * one end of a socketpair whose other end libmicrohttpd serves, told the
 * client's address. The server runs in the same threads: thread i
 * drives the server's slot i (a libmicrohttpd daemon on an external
 * event loop, server.c), whose epoll set it watches among its own
 * descriptors, and hands that slot only its own connections. Once a
 * batch of events has passed bytes on, the thread runs its slot at once
 * (it reads them, answers, writes the answer), then relays the answers
 * of the connections it fed without waiting for epoll to say so: a
 * request that arrives in one read is answered with no other thread
 * woken and no second epoll_wait. Two bounded buffers sit between the
 * client and the server's end:
 *
 *   in:  what the client sent. [off, pass) has been read by reqscan.c
 *        as well formed and waits to be written to the server; [pass,
 *        len) waits for the scanner (an incomplete head). The client is
 *        not read while the buffer is full (back-pressure).
 *   out: what the server answered, waiting for the client. The server
 *        is not read while it is full.
 *
 * When the scanner refuses a request, nothing more is read from the
 * client; what passed before it is written, then the server's side is
 * shut for writing, so libmicrohttpd answers the requests it has and
 * closes. (Not before the daemon has read every byte passed on: in
 * epoll mode 0.9.75 takes a short read for an empty socket and waits
 * for the next edge, so an end of stream that arrived with the last
 * bytes would never be seen. The shutdown waits for a run of the
 * daemon that leaves nothing unread, SIOCOUTQ, so that it comes as an
 * edge of its own.) Once its last byte has gone to the client, the gate's own
 * answer follows (gh_refusal), and the connection ends with a lingering
 * close: our side is shut for writing, and what the client still sends
 * is read and dropped for up to LINGER_MS, so that unread bytes do not
 * turn the close into a reset that could destroy the answer in flight.
 * A connection also ends when the server closes its side (after
 * "Connection: close", a timeout, the reaper of server.c, its stop) or
 * the client goes away.
 *
 * Direct answers: while a connection has passed the server nothing,
 * each whole head of a request without a body goes to gh_direct instead
 * (direct()), which may answer it at once into dout (and a file, sent
 * by sendfile() after it); the head's bytes are then consumed, never
 * passed. The first request it declines is passed, and so is every
 * later one (gc_direct 0), after the answers already in dout. Answers
 * made during a batch of events are held until the batch ends
 * (gh_batch), and no more than DOUT_MAX of them are made ahead of the
 * client.
 */
#define _GNU_SOURCE	/* accept4() */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/logrl.h"
#include "base/mem.h"
#include "base/netaddr.h"
#include "gate.h"
#include "reqscan.h"

#define OUT_CAP		(32 * 1024)
/* Answers made by the gate thread itself (gh_direct) waiting for the
   client: the client is not read while more than this waits. */
#define DOUT_MAX	(64 * 1024)
#define IN_SPARE	(16 * 1024)	/* in holds max_head + this */
#define LINGER_MS	2000
#define ACCEPT_BURST	64
#define EVENTS		64
#define FED_MAX		(EVENTS + ACCEPT_BURST)

struct gconn;

/*
 * Which ways may move without blocking: set by epoll's events, cleared
 * when a call would block, so that the pump does not try a socket that
 * has nothing (a wasted system call per side and event otherwise).
 */
#define READY_CIN	0x1	/* the client's socket has bytes */
#define READY_COUT	0x2	/* ... has room */
#define READY_SIN	0x4	/* the server's end has bytes */
#define READY_SOUT	0x8	/* ... has room */

/* What an epoll event points at: one side of a connection. */
struct gend {
	struct gconn	*ge_conn;
	int		 ge_client;
};

struct gconn {
	struct gconn	*gc_next, *gc_prev;
	struct gthread	*gc_thr;
	int		 gc_cfd;	/* the client's socket */
	int		 gc_sfd;	/* our end towards the server, or -1 */
	struct gend	 gc_cend, gc_send;
	uint32_t	 gc_cev, gc_sev;	/* interest registered, 0: none */
	unsigned	 gc_ready;	/* READY_*: may not block */
	char		*gc_in;
	size_t		 gc_in_cap, gc_in_off, gc_in_pass, gc_in_len;
	char		*gc_out;
	size_t		 gc_out_off, gc_out_len;
	rb_buf		 gc_answer;	/* the gate's own answer */
	size_t		 gc_answer_off;
	void		*gc_cookie;	/* the server's, from gh_add */
	int		 gc_direct;	/* every request so far was answered
					   by gh_direct: the next may be */
	int		 gc_direct_end;	/* ... and the last one ended it */
	rb_buf		 gc_dout;	/* those answers, for the client */
	size_t		 gc_dout_off;
	int		 gc_held;	/* in gt_held */
	struct gconn	*gc_held_next;
	int		 gc_dfd;	/* then the body of the last, from
					   this file, or -1 */
	off_t		 gc_dfd_off, gc_dfd_len;
	struct rb_reqscan gc_scan;
	int		 gc_refused;	/* the scanner refused a request */
	int		 gc_answered;	/* gc_answer is built */
	int		 gc_cl_eof;	/* the client sent its end */
	int		 gc_sv_shut;	/* server side shut for writing */
	int		 gc_lingering;	/* client side shut for writing */
	int		 gc_dead;
	int		 gc_fed;	/* in gt_fed */
	int		 gc_shut_wait;	/* to shut the server's side once it
					   has read all (gt_nshut_wait) */
	uint64_t	 gc_linger_until;
	char		 gc_ip[48];
};

/* A connection from rb_gate_add, waiting for its thread to take it. */
struct gnew {
	struct gnew		*gn_next;
	int			 gn_fd;
	socklen_t		 gn_addrlen;
	struct sockaddr_storage	 gn_addr;
};

struct gthread {
	struct rb_gate	*gt_gate;
	pthread_t	 gt_tid;
	int		 gt_slot;	/* its index: the server slot it runs */
	int		 gt_ep;
	int		 gt_wake;	/* eventfd */
	int		 gt_listening;
	int		 gt_srvfd;	/* the slot's descriptor, or -1 */
	int		 gt_srv_live;	/* the slot runs (not stopped) */
	int		 gt_srv_due;	/* the slot has work: run it */
	atomic_int	 gt_srv_poke;	/* rb_gate_wake: ... said by another
					   thread */
	uint64_t	 gt_srv_at;	/* ... or at this time (ms), 0: never */
	struct gconn	*gt_fed[FED_MAX];	/* passed bytes on this batch */
	int		 gt_nfed;
	int		 gt_batch;	/* within gh_batch's brackets */
	struct gconn	*gt_held;	/* direct answers held until the
					   batch ends (gc_held_next) */
	int		 gt_nshut_wait;	/* connections with gc_shut_wait */
	struct gconn	*gt_conns;	/* only this thread touches it */
	atomic_int	 gt_nconns;	/* its connections, queued included */
	pthread_mutex_t	 gt_lock;	/* guards gt_new */
	struct gnew	*gt_new;	/* from rb_gate_add, to be taken */
	struct gconn	*gt_dead;	/* closed during this batch */
};

struct rb_gate {
	int			 g_lfd;
	int			 g_nthreads;
	size_t			 g_max_head;
	struct rb_gate_hooks	 g_hooks;
	struct gthread		*g_thr;
	atomic_int		 g_closing;	/* stop accepting */
	atomic_int		 g_stop;
	atomic_int		 g_live;	/* connections not yet freed */
	int			 g_max_conns;	/* at once; 0: no limit */
	atomic_int		 g_open;	/* taken by a thread, queued
						   included (the sum of the
						   threads' gt_nconns) */
	atomic_int		 g_srv_stop;	/* stop the server slots */
	pthread_mutex_t		 g_lock;	/* guards g_acks, g_srv_acks */
	pthread_cond_t		 g_cv;
	int			 g_acks;	/* threads that left lfd */
	int			 g_srv_acks;	/* threads that stopped their
						   slot */
};

/* Markers for the listening socket, the wake-up eventfd and the
   server slot's descriptor. */
static char	listener_mark, wake_mark, server_mark;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Registers interest want for fd (0: not watched at all, so that a
 * hung-up socket we do not want to read does not wake us forever). */
static void
watch(struct gthread *t, int fd, struct gend *ge, uint32_t *have,
    uint32_t want)
{
	struct epoll_event ev;

	if (fd < 0 || *have == want)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = ge;
	if (want == 0)
		epoll_ctl(t->gt_ep, EPOLL_CTL_DEL, fd, &ev);
	else if (epoll_ctl(t->gt_ep, *have == 0 ? EPOLL_CTL_ADD :
	    EPOLL_CTL_MOD, fd, &ev) != 0)
		log_warnx("epoll_ctl: %s", strerror(errno));
	*have = want;
}

/* Sets whether c waits to shut the server's side (gt_nshut_wait). */
static void
shut_wait(struct gconn *c, int on)
{
	if (c->gc_shut_wait == on)
		return;
	c->gc_shut_wait = on;
	c->gc_thr->gt_nshut_wait += on ? 1 : -1;
}

/* Ends a connection; its memory goes once the batch of events is done. */
static void
conn_close(struct gconn *c)
{
	struct gthread *t = c->gc_thr;

	if (c->gc_dead)
		return;
	c->gc_dead = 1;
	shut_wait(c, 0);
	watch(t, c->gc_cfd, &c->gc_cend, &c->gc_cev, 0);
	watch(t, c->gc_sfd, &c->gc_send, &c->gc_sev, 0);
	close(c->gc_cfd);
	if (c->gc_sfd >= 0)
		close(c->gc_sfd);
	if (c->gc_prev != NULL)
		c->gc_prev->gc_next = c->gc_next;
	else
		t->gt_conns = c->gc_next;
	if (c->gc_next != NULL)
		c->gc_next->gc_prev = c->gc_prev;
	c->gc_prev = NULL;
	c->gc_next = t->gt_dead;
	t->gt_dead = c;
}

static void
conn_free(struct gconn *c)
{
	atomic_fetch_sub(&c->gc_thr->gt_gate->g_live, 1);
	atomic_fetch_sub(&c->gc_thr->gt_gate->g_open, 1);
	atomic_fetch_sub(&c->gc_thr->gt_nconns, 1);
	if (c->gc_cookie != NULL)
		c->gc_thr->gt_gate->g_hooks.gh_release(
		    c->gc_thr->gt_gate->g_hooks.gh_arg, c->gc_cookie);
	free(c->gc_in);
	free(c->gc_out);
	rb_buf_free(&c->gc_answer);
	rb_buf_free(&c->gc_dout);
	if (c->gc_dfd >= 0)
		close(c->gc_dfd);
	free(c);
}

/* The server's side is gone: what it did not read is dropped. */
static void
server_gone(struct gconn *c)
{
	shut_wait(c, 0);
	watch(c->gc_thr, c->gc_sfd, &c->gc_send, &c->gc_sev, 0);
	close(c->gc_sfd);
	c->gc_sfd = -1;
	c->gc_in_off = c->gc_in_pass = c->gc_in_len = 0;
}

/*
 * The head the scanner just passed (in[pass..pass + n)) is answered by
 * the server's gh_direct, when the connection has passed nothing to the
 * server yet: the bytes are then consumed here. Returns 1 when
 * answered; otherwise the connection passes everything from now on.
 */
static int
direct(struct gconn *c, size_t n)
{
	struct rb_gate *g = c->gc_thr->gt_gate;
	struct rb_reqscan *sc = &c->gc_scan;
	struct rb_gate_answer ans = { &c->gc_dout, -1, 0, 0 };

	if (!c->gc_direct)
		return 0;
	if (!sc->sc_head_passed || !sc->sc_head_bodyless ||
	    c->gc_in_off != c->gc_in_pass || c->gc_sfd < 0 ||
	    c->gc_sv_shut || !c->gc_thr->gt_srv_live ||
	    c->gc_cookie == NULL || g->g_hooks.gh_direct == NULL ||
	    !g->g_hooks.gh_direct(g->g_hooks.gh_arg, c->gc_thr->gt_slot,
	    c->gc_cookie, c->gc_in + c->gc_in_pass, n, c->gc_ip,
	    sc->sc_head_last, &ans)) {
		c->gc_direct = 0;
		return 0;
	}
	c->gc_in_pass += n;
	c->gc_in_off = c->gc_in_pass;
	if (ans.ga_fd >= 0) {
		c->gc_dfd = ans.ga_fd;
		c->gc_dfd_off = 0;
		c->gc_dfd_len = (off_t)ans.ga_fd_len;
	}
	if (ans.ga_close || sc->sc_head_last) {
		/* Nothing more is read: the answers go, then the end. */
		c->gc_direct_end = 1;
		c->gc_in_len = c->gc_in_pass;
	}
	return 1;
}

/* Runs the scanner over what the client sent and was not read yet. */
static void
scan(struct gconn *c)
{
	struct rb_reqscan *sc = &c->gc_scan;
	enum rb_scan rc;
	size_t n;

	/* After a file, or past DOUT_MAX of answers made here, the next
	   request waits for them to be sent (conn_pump() scans again). */
	while (!c->gc_refused && !c->gc_direct_end && c->gc_dfd < 0 &&
	    c->gc_dout.buf_len - c->gc_dout_off <= DOUT_MAX &&
	    c->gc_in_pass < c->gc_in_len) {
		rc = rb_reqscan_step(sc, c->gc_in + c->gc_in_pass,
		    c->gc_in_len - c->gc_in_pass, &n);
		if (rc == RB_SCAN_PASS && direct(c, n))
			continue;
		if (rc == RB_SCAN_PASS)
			c->gc_in_pass += n;
		else if (rc == RB_SCAN_DROP) {
			memmove(c->gc_in + c->gc_in_pass,
			    c->gc_in + c->gc_in_pass + n,
			    c->gc_in_len - c->gc_in_pass - n);
			c->gc_in_len -= n;
		} else if (rc == RB_SCAN_BAD) {
			log_info_rl(c->gc_ip, "refused (%d): %s",
			    sc->sc_status, sc->sc_why);
			c->gc_refused = 1;
			c->gc_in_len = c->gc_in_pass;
		} else
			break;
	}
}

/* Whether the client is to be read now, making room in in for it. */
static int
client_readable(struct gconn *c)
{
	if (c->gc_cl_eof)
		return 0;
	if (c->gc_lingering)
		return 1;
	if (c->gc_refused || c->gc_sfd < 0 || c->gc_sv_shut ||
	    c->gc_direct_end || c->gc_dfd >= 0 ||
	    c->gc_dout.buf_len - c->gc_dout_off > DOUT_MAX)
		return 0;
	if (c->gc_in_off > 0 && (c->gc_in_off == c->gc_in_len ||
	    c->gc_in_len == c->gc_in_cap)) {
		memmove(c->gc_in, c->gc_in + c->gc_in_off,
		    c->gc_in_len - c->gc_in_off);
		c->gc_in_pass -= c->gc_in_off;
		c->gc_in_len -= c->gc_in_off;
		c->gc_in_off = 0;
	}
	return c->gc_in_len < c->gc_in_cap;
}

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/*
 * Sends buf[*off..len) to fd when it has room (bit of c->gc_ready).
 * Returns 1 on progress, 0 when nothing was sent (the bit is cleared if
 * it would block), -1 on an error.
 */
static int
send_some(struct gconn *c, unsigned bit, int fd, const char *buf,
    size_t *off, size_t len)
{
	ssize_t n;

	if (*off >= len || !(c->gc_ready & bit))
		return 0;
	n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL);
	if (n > 0) {
		/* A short write means the socket is full: wait for epoll
		   rather than try again at once. */
		if ((size_t)n < len - *off)
			c->gc_ready &= ~bit;
		*off += (size_t)n;
		return 1;
	}
	if (n < 0 && would_block()) {
		c->gc_ready &= ~bit;
		return 0;
	}
	return -1;
}

/* Reads from fd when it has bytes (bit of c->gc_ready): as recv(), but
 * -2 when it would block (the bit is then cleared). */
static ssize_t
recv_some(struct gconn *c, unsigned bit, int fd, char *buf, size_t len)
{
	ssize_t n;

	if (!(c->gc_ready & bit))
		return -2;
	if ((n = recv(fd, buf, len, 0)) < 0 && would_block()) {
		c->gc_ready &= ~bit;
		return -2;
	}
	/* A short read emptied the socket (a stream socket hands over all
	   it has): epoll says when more comes. */
	if (n > 0 && (size_t)n < len)
		c->gc_ready &= ~bit;
	return n;
}

/*
 * Bytes went to the server's end of c (or it was shut): the slot is to
 * run after this batch, then c's answer is to be read without waiting
 * for epoll.
 */
static void
conn_fed(struct gconn *c)
{
	struct gthread *t = c->gc_thr;

	t->gt_srv_due = 1;
	if (!c->gc_fed && t->gt_nfed < FED_MAX) {
		c->gc_fed = 1;
		t->gt_fed[t->gt_nfed++] = c;
	}
}

/*
 * Sends the file of a direct answer when the client has room: 1 on
 * progress, 0 when nothing went, -1 on an error (a file that ends
 * before its length included: the answer cannot be completed). The
 * file is closed once sent.
 */
static int
send_file(struct gconn *c)
{
	ssize_t n;

	if (c->gc_dfd_off < c->gc_dfd_len) {
		if (!(c->gc_ready & READY_COUT))
			return 0;
		n = sendfile(c->gc_cfd, c->gc_dfd, &c->gc_dfd_off,
		    (size_t)(c->gc_dfd_len - c->gc_dfd_off));
		if (n < 0 && would_block()) {
			c->gc_ready &= ~READY_COUT;
			return 0;
		}
		if (n <= 0)
			return -1;
		if (c->gc_dfd_off < c->gc_dfd_len) {
			c->gc_ready &= ~READY_COUT;
			return 1;
		}
	}
	close(c->gc_dfd);
	c->gc_dfd = -1;
	return 1;
}

/* What was sent on fd and its peer has not read yet (0 on an error). */
static int
server_unread(int fd)
{
	int n;

	return ioctl(fd, SIOCOUTQ, &n) == 0 ? n : 0;
}

/*
 * Moves every byte it can, in both directions, until nothing moves.
 * Returns -1 when the connection is over.
 */
static int
conn_pump(struct gconn *c)
{
	struct rb_gate *g = c->gc_thr->gt_gate;
	int progress, r;
	ssize_t n;

	do {
		progress = 0;
		/* client -> in */
		if (client_readable(c)) {
			if (c->gc_lingering)
				n = recv_some(c, READY_CIN, c->gc_cfd,
				    c->gc_in, c->gc_in_cap);
			else
				n = recv_some(c, READY_CIN, c->gc_cfd,
				    c->gc_in + c->gc_in_len,
				    c->gc_in_cap - c->gc_in_len);
			if (n > 0 && !c->gc_lingering) {
				c->gc_in_len += (size_t)n;
				scan(c);
			}
			if (n == 0) {
				if (c->gc_lingering)
					return -1;
				c->gc_cl_eof = 1;
			}
			if (n == -1)
				return -1;
			progress |= n >= 0;
		}
		/* the gate thread's own answers -> client (before any of
		   the server's: they answer earlier requests), once the
		   batch that made them has ended */
		if (c->gc_dout_off < c->gc_dout.buf_len &&
		    c->gc_thr->gt_batch) {
			if (!c->gc_held) {
				c->gc_held = 1;
				c->gc_held_next = c->gc_thr->gt_held;
				c->gc_thr->gt_held = c;
			}
		} else if (c->gc_dout_off < c->gc_dout.buf_len) {
			if ((r = send_some(c, READY_COUT, c->gc_cfd,
			    c->gc_dout.buf_data, &c->gc_dout_off,
			    c->gc_dout.buf_len)) < 0)
				return -1;
			progress |= r;
			if (c->gc_dout_off == c->gc_dout.buf_len) {
				rb_buf_reset(&c->gc_dout);
				c->gc_dout_off = 0;
			}
			if (r > 0 && c->gc_dfd < 0)
				scan(c);	/* the requests held back */
		}
		if (c->gc_dfd >= 0 && c->gc_dout_off == c->gc_dout.buf_len) {
			if ((r = send_file(c)) < 0)
				return -1;
			progress |= r;
			if (c->gc_dfd < 0)
				scan(c);	/* the requests it held back */
		}
		if (c->gc_direct_end && c->gc_sfd >= 0 &&
		    c->gc_dout_off == c->gc_dout.buf_len && c->gc_dfd < 0) {
			/* The last request was answered here: the server's
			   side, which never had a byte, goes. */
			server_gone(c);
			c->gc_in_len = c->gc_in_pass = c->gc_in_off = 0;
			progress = 1;
		}
		/* in -> server, then its write side shut when nothing more
		   will pass */
		if (c->gc_sfd >= 0 && !c->gc_sv_shut) {
			r = send_some(c, READY_SOUT, c->gc_sfd, c->gc_in,
			    &c->gc_in_off, c->gc_in_pass);
			if (r > 0)
				conn_fed(c);
			if (r < 0) {
				/* The server closed (after an answer with
				   "Connection: close"): what it takes no more
				   is dropped, what it said is still read. */
				c->gc_sv_shut = 1;
				c->gc_in_off = c->gc_in_pass = 0;
				c->gc_in_len = 0;
			}
			progress |= r != 0;
		}
		if (c->gc_sfd >= 0 && !c->gc_sv_shut &&
		    c->gc_in_off == c->gc_in_pass &&
		    (c->gc_refused || c->gc_cl_eof)) {
			if (server_unread(c->gc_sfd) > 0)
				shut_wait(c, 1);	/* see the top */
			else {
				shut_wait(c, 0);
				shutdown(c->gc_sfd, SHUT_WR);
				c->gc_sv_shut = 1;
				conn_fed(c);
			}
		}
		/* server -> out */
		if (c->gc_out_off == c->gc_out_len)
			c->gc_out_off = c->gc_out_len = 0;
		if (c->gc_sfd >= 0 && c->gc_out_len < OUT_CAP) {
			n = recv_some(c, READY_SIN, c->gc_sfd,
			    c->gc_out + c->gc_out_len,
			    OUT_CAP - c->gc_out_len);
			if (n > 0)
				c->gc_out_len += (size_t)n;
			else if (n == 0 || n == -1)
				server_gone(c);
			progress |= n >= -1;
		}
		/* out -> client */
		if (c->gc_dout_off < c->gc_dout.buf_len || c->gc_dfd >= 0)
			continue;
		if ((r = send_some(c, READY_COUT, c->gc_cfd, c->gc_out,
		    &c->gc_out_off, c->gc_out_len)) < 0)
			return -1;
		progress |= r;
		if (c->gc_sfd >= 0 || c->gc_out_off < c->gc_out_len)
			continue;
		/* The server is done and all it said has gone: the gate's
		   answer, if it refused a request, then the end. */
		if (c->gc_refused && !c->gc_answered) {
			g->g_hooks.gh_refusal(g->g_hooks.gh_arg,
			    c->gc_scan.sc_status, c->gc_scan.sc_why,
			    c->gc_scan.sc_target, c->gc_ip,
			    c->gc_scan.sc_head_method, &c->gc_answer);
			c->gc_answered = 1;
		}
		if ((r = send_some(c, READY_COUT, c->gc_cfd,
		    c->gc_answer.buf_data, &c->gc_answer_off,
		    c->gc_answer.buf_len)) < 0)
			return -1;
		progress |= r;
		if (c->gc_answer_off < c->gc_answer.buf_len)
			continue;
		if (c->gc_cl_eof)
			return -1;
		if (!c->gc_lingering) {
			shutdown(c->gc_cfd, SHUT_WR);
			c->gc_lingering = 1;
			c->gc_linger_until = now_ms() + LINGER_MS;
			progress = 1;
		}
	} while (progress);
	return 0;
}

/* Watches, on each side, for what the connection waits for. */
static void
conn_watch(struct gconn *c)
{
	uint32_t cev = 0, sev = 0;

	if (client_readable(c))
		cev |= EPOLLIN;
	if (c->gc_out_off < c->gc_out_len ||
	    (c->gc_dout_off < c->gc_dout.buf_len && !c->gc_held) ||
	    c->gc_dfd >= 0 ||
	    c->gc_answer_off < c->gc_answer.buf_len)
		cev |= EPOLLOUT;
	if (c->gc_sfd >= 0) {
		if (c->gc_out_len < OUT_CAP)
			sev |= EPOLLIN;
		if (!c->gc_sv_shut && c->gc_in_off < c->gc_in_pass)
			sev |= EPOLLOUT;
	}
	watch(c->gc_thr, c->gc_cfd, &c->gc_cend, &c->gc_cev, cev);
	watch(c->gc_thr, c->gc_sfd, &c->gc_send, &c->gc_sev, sev);
}

static void
conn_run(struct gconn *c)
{
	if (c->gc_dead)
		return;
	if (conn_pump(c) < 0)
		conn_close(c);
	else
		conn_watch(c);
}

/* Thread t takes c in its list and starts watching it. */
static void
conn_link(struct gthread *t, struct gconn *c)
{
	c->gc_prev = NULL;
	c->gc_next = t->gt_conns;
	if (t->gt_conns != NULL)
		t->gt_conns->gc_prev = c;
	t->gt_conns = c;
	conn_run(c);
}

/*
 * A new connection from addr on fd, relayed by thread t (the caller),
 * already counted in its gt_nconns: the server's slot gets the other end
 * of a socketpair. Returns 0, or -1 (fd closed) when the server refused
 * it.
 */
static int
conn_new(struct gthread *t, int fd, const struct sockaddr *addr,
    socklen_t addrlen)
{
	struct rb_gate *g = t->gt_gate;
	struct gconn *c;
	void *cookie = NULL;
	int sv[2];

	if (!t->gt_srv_live)
		goto refused;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0) {
		log_warnx_rl(NULL, "socketpair: %s", strerror(errno));
		goto refused;
	}
	if (g->g_hooks.gh_add(g->g_hooks.gh_arg, t->gt_slot, sv[1], addr,
	    addrlen, &cookie) != 0) {
		close(sv[0]);
		goto refused;
	}
	c = rb_xcalloc(1, sizeof(*c));
	c->gc_cookie = cookie;
	c->gc_direct = 1;
	c->gc_dfd = -1;
	rb_buf_init(&c->gc_dout);
	atomic_fetch_add(&g->g_live, 1);
	c->gc_thr = t;
	c->gc_ready = READY_CIN | READY_COUT | READY_SIN | READY_SOUT;
	c->gc_cfd = fd;
	c->gc_sfd = sv[0];
	c->gc_cend.ge_conn = c->gc_send.ge_conn = c;
	c->gc_cend.ge_client = 1;
	c->gc_in_cap = g->g_max_head + IN_SPARE;
	c->gc_in = rb_xmalloc(c->gc_in_cap);
	c->gc_out = rb_xmalloc(OUT_CAP);
	rb_buf_init(&c->gc_answer);
	rb_reqscan_init(&c->gc_scan, g->g_max_head);
	rb_sockaddr_text(addr, c->gc_ip, sizeof(c->gc_ip));
	conn_link(t, c);
	return 0;
refused:
	close(fd);
	atomic_fetch_sub(&g->g_open, 1);
	atomic_fetch_sub(&t->gt_nconns, 1);
	return -1;
}

/*
 * Takes one more connection within the limit of the whole server
 * (max_connections, over every thread: a thread's own server slot may
 * take them all). 0, or -1 when the limit is reached: fd is then closed
 * without a word, as libmicrohttpd does past its limit.
 */
static int
take_one(struct rb_gate *g, int fd)
{
	if (g->g_max_conns <= 0 ||
	    atomic_fetch_add(&g->g_open, 1) < g->g_max_conns)
		return 0;
	atomic_fetch_sub(&g->g_open, 1);
	/* Logged before the close, so that a client seeing its connection
	 * closed finds the reason already in the log. */
	log_warnx_rl(NULL, "connection refused: max_connections (%d) open",
	    g->g_max_conns);
	close(fd);
	return -1;
}

/* The thread with the fewest connections; self (may be NULL) on a tie. */
static struct gthread *
least_busy(struct rb_gate *g, struct gthread *self)
{
	struct gthread *best = self;
	int i, n, least = self != NULL ? atomic_load(&self->gt_nconns) : 0;

	for (i = 0; i < g->g_nthreads; i++) {
		n = atomic_load(&g->g_thr[i].gt_nconns);
		if (best == NULL || n < least) {
			best = &g->g_thr[i];
			least = n;
		}
	}
	return best;
}

/* Queues a connection for thread t (counted in its gt_nconns), which
 * takes it when woken. */
static void
hand_off(struct gthread *t, int fd, const struct sockaddr *addr,
    socklen_t addrlen)
{
	struct gnew *gn = rb_xcalloc(1, sizeof(*gn));
	uint64_t one = 1;

	atomic_fetch_add(&t->gt_nconns, 1);
	gn->gn_fd = fd;
	if (addrlen > sizeof(gn->gn_addr))
		addrlen = sizeof(gn->gn_addr);
	memcpy(&gn->gn_addr, addr, addrlen);
	gn->gn_addrlen = addrlen;
	pthread_mutex_lock(&t->gt_lock);
	gn->gn_next = t->gt_new;
	t->gt_new = gn;
	pthread_mutex_unlock(&t->gt_lock);
	if (write(t->gt_wake, &one, sizeof(one)) < 0)
		log_warnx("eventfd: %s", strerror(errno));
}

static void
accept_some(struct gthread *t)
{
	struct rb_gate *g = t->gt_gate;
	struct sockaddr_storage ss;
	struct gthread *to;
	socklen_t len;
	int i, fd, one = 1;

	for (i = 0; i < ACCEPT_BURST && !atomic_load(&g->g_closing); i++) {
		len = sizeof(ss);
		fd = accept4(g->g_lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warnx_rl(NULL, "accept: %s",
				    strerror(errno));
				usleep(10000);
			}
			return;
		}
		if (take_one(g, fd) != 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((to = least_busy(g, t)) != t)
			hand_off(to, fd, (struct sockaddr *)&ss, len);
		else {
			atomic_fetch_add(&t->gt_nconns, 1);
			conn_new(t, fd, (struct sockaddr *)&ss, len);
		}
	}
}

/* Ends lingering closes that have lasted long enough. */
static void
reap_lingering(struct gthread *t)
{
	struct gconn *c, *next;
	uint64_t now = now_ms();

	for (c = t->gt_conns; c != NULL; c = next) {
		next = c->gc_next;
		if (c->gc_lingering && now >= c->gc_linger_until)
			conn_close(c);
	}
}

/* Stops the thread's server slot (once). */
static void
server_stop(struct gthread *t)
{
	struct rb_gate *g = t->gt_gate;

	if (!t->gt_srv_live)
		return;
	if (t->gt_srvfd >= 0)
		epoll_ctl(t->gt_ep, EPOLL_CTL_DEL, t->gt_srvfd, NULL);
	g->g_hooks.gh_stop(g->g_hooks.gh_arg, t->gt_slot);
	t->gt_srv_live = 0;
	t->gt_srvfd = -1;
	pthread_mutex_lock(&g->g_lock);
	g->g_srv_acks++;
	pthread_cond_broadcast(&g->g_cv);
	pthread_mutex_unlock(&g->g_lock);
}

/*
 * Runs the server's slot when it has work or a time is due, then reads
 * at once the answers of the connections fed during this batch.
 */
static void
server_run(struct gthread *t)
{
	struct rb_gate *g = t->gt_gate;
	struct gconn *fed[FED_MAX], *c, *next;
	long wait;
	int i, n, ran = 0;

	if (t->gt_srv_live && (t->gt_srv_due ||
	    (t->gt_srv_at != 0 && now_ms() >= t->gt_srv_at))) {
		t->gt_srv_due = 0;
		wait = g->g_hooks.gh_run(g->g_hooks.gh_arg, t->gt_slot);
		t->gt_srv_at = wait < 0 ? 0 : now_ms() + (uint64_t)wait;
		ran = 1;
	}
	/* Those fed again now are for the next run. */
	n = t->gt_nfed;
	memcpy(fed, t->gt_fed, (size_t)n * sizeof(*fed));
	t->gt_nfed = 0;
	for (i = 0; i < n; i++) {
		c = fed[i];
		c->gc_fed = 0;
		c->gc_ready |= READY_SIN;
		conn_run(c);
	}
	/* The daemon may have read what a shutdown waits for. */
	if (ran && t->gt_nshut_wait > 0)
		for (c = t->gt_conns; c != NULL; c = next) {
			next = c->gc_next;	/* c may close */
			if (c->gc_shut_wait)
				conn_run(c);
		}
}

/* The wake-up eventfd: new connections, stop accepting, stop the
 * server slot, or stop. */
static void
woken(struct gthread *t)
{
	struct rb_gate *g = t->gt_gate;
	struct gnew *gn, *next;
	uint64_t v;

	if (read(t->gt_wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warnx("eventfd: %s", strerror(errno));
	if (atomic_exchange(&t->gt_srv_poke, 0))
		t->gt_srv_due = 1;
	pthread_mutex_lock(&t->gt_lock);
	gn = t->gt_new;
	t->gt_new = NULL;
	pthread_mutex_unlock(&t->gt_lock);
	for (; gn != NULL; gn = next) {
		next = gn->gn_next;
		conn_new(t, gn->gn_fd, (struct sockaddr *)&gn->gn_addr,
		    gn->gn_addrlen);
		free(gn);
	}
	if (atomic_load(&g->g_closing) && t->gt_listening) {
		epoll_ctl(t->gt_ep, EPOLL_CTL_DEL, g->g_lfd, NULL);
		t->gt_listening = 0;
		pthread_mutex_lock(&g->g_lock);
		g->g_acks++;
		pthread_cond_broadcast(&g->g_cv);
		pthread_mutex_unlock(&g->g_lock);
	}
	if (atomic_load(&g->g_srv_stop))
		server_stop(t);
}

/*
 * Opens (begin 1) or ends a batch of events (gh_batch): once it ends,
 * the direct answers held in it go to their clients.
 */
static void
batch(struct gthread *t, int begin)
{
	struct rb_gate *g = t->gt_gate;
	struct gconn *c;

	if (g->g_hooks.gh_batch == NULL)
		return;
	if (begin) {
		g->g_hooks.gh_batch(g->g_hooks.gh_arg, t->gt_slot, 1);
		t->gt_batch = 1;
		return;
	}
	g->g_hooks.gh_batch(g->g_hooks.gh_arg, t->gt_slot, 0);
	t->gt_batch = 0;
	while ((c = t->gt_held) != NULL) {
		t->gt_held = c->gc_held_next;
		c->gc_held = 0;
		conn_run(c);
	}
}

static void *
gate_thread(void *arg)
{
	struct gthread *t = arg;
	struct rb_gate *g = t->gt_gate;
	struct epoll_event ev[EVENTS];
	struct gend *ge;
	struct gconn *c;
	uint64_t last_reap = now_ms(), now;
	int i, n, timeout;

	while (!atomic_load(&g->g_stop)) {
		timeout = 1000;
		if (t->gt_srv_due)
			timeout = 0;
		else if (t->gt_srv_at != 0) {
			now = now_ms();
			timeout = now >= t->gt_srv_at ? 0 :
			    t->gt_srv_at - now < 1000 ?
			    (int)(t->gt_srv_at - now) : 1000;
		}
		n = epoll_wait(t->gt_ep, ev, EVENTS, timeout);
		batch(t, 1);
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &listener_mark)
				accept_some(t);
			else if (ev[i].data.ptr == &wake_mark)
				woken(t);
			else if (ev[i].data.ptr == &server_mark)
				t->gt_srv_due = 1;
			else {
				ge = ev[i].data.ptr;
				c = ge->ge_conn;
				if (c->gc_dead)
					continue;
				if ((ev[i].events & EPOLLERR) && ge->ge_client) {
					conn_close(c);
					continue;
				}
				if (ev[i].events & (EPOLLIN | EPOLLHUP |
				    EPOLLERR))
					c->gc_ready |= ge->ge_client ?
					    READY_CIN : READY_SIN;
				if (ev[i].events & (EPOLLOUT | EPOLLHUP |
				    EPOLLERR))
					c->gc_ready |= ge->ge_client ?
					    READY_COUT : READY_SOUT;
				conn_run(c);
			}
		}
		batch(t, 0);
		server_run(t);
		while ((c = t->gt_dead) != NULL) {
			t->gt_dead = c->gc_next;
			conn_free(c);
		}
		if (now_ms() - last_reap >= 1000) {
			reap_lingering(t);
			last_reap = now_ms();
		}
	}
	woken(t);	/* takes any connection still queued */
	server_stop(t);
	t->gt_nfed = 0;
	while ((c = t->gt_conns) != NULL)
		conn_close(c);
	while ((c = t->gt_dead) != NULL) {
		t->gt_dead = c->gc_next;
		conn_free(c);
	}
	return NULL;
}

struct rb_gate *
rb_gate_start(int lfd, int nthreads, size_t max_head, int max_conns,
    const struct rb_gate_hooks *hooks)
{
	struct rb_gate *g = rb_xcalloc(1, sizeof(*g));
	struct epoll_event ev;
	struct gthread *t;
	int i;

	g->g_lfd = lfd;
	g->g_nthreads = nthreads > 0 ? nthreads : 1;
	g->g_max_head = max_head;
	g->g_max_conns = max_conns;
	g->g_hooks = *hooks;
	pthread_mutex_init(&g->g_lock, NULL);
	pthread_cond_init(&g->g_cv, NULL);
	g->g_thr = rb_xcalloc((size_t)g->g_nthreads, sizeof(*g->g_thr));
	for (i = 0; i < g->g_nthreads; i++) {
		t = &g->g_thr[i];
		t->gt_gate = g;
		t->gt_slot = i;
		t->gt_srv_live = 1;
		t->gt_srv_due = 1;
		pthread_mutex_init(&t->gt_lock, NULL);
		if ((t->gt_ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
		    (t->gt_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
			log_errx("gate: %s", strerror(errno));
			abort();
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = &wake_mark;
		epoll_ctl(t->gt_ep, EPOLL_CTL_ADD, t->gt_wake, &ev);
		t->gt_srvfd = g->g_hooks.gh_fd(g->g_hooks.gh_arg, i);
		if (t->gt_srvfd >= 0) {
			ev.events = EPOLLIN;
			ev.data.ptr = &server_mark;
			if (epoll_ctl(t->gt_ep, EPOLL_CTL_ADD, t->gt_srvfd,
			    &ev) != 0) {
				log_errx("gate: %s", strerror(errno));
				abort();
			}
		}
		if (lfd >= 0) {
			ev.events = EPOLLIN | EPOLLEXCLUSIVE;
			ev.data.ptr = &listener_mark;
			epoll_ctl(t->gt_ep, EPOLL_CTL_ADD, lfd, &ev);
			t->gt_listening = 1;
		} else
			g->g_acks++;
	}
	for (i = 0; i < g->g_nthreads; i++)
		pthread_create(&g->g_thr[i].gt_tid, NULL, gate_thread,
		    &g->g_thr[i]);
	return g;
}

void
rb_gate_add(struct rb_gate *g, int fd, const struct sockaddr *addr,
    socklen_t addrlen)
{
	if (take_one(g, fd) == 0)
		hand_off(least_busy(g, NULL), fd, addr, addrlen);
}

void
rb_gate_wake(struct rb_gate *g, int slot)
{
	struct gthread *t = &g->g_thr[slot];
	uint64_t one = 1;

	if (atomic_exchange(&t->gt_srv_poke, 1))
		return;		/* already said, not yet heard */
	if (write(t->gt_wake, &one, sizeof(one)) < 0)
		log_warnx("eventfd: %s", strerror(errno));
}

static void
wake_all(struct rb_gate *g)
{
	uint64_t one = 1;
	int i;

	for (i = 0; i < g->g_nthreads; i++)
		if (write(g->g_thr[i].gt_wake, &one, sizeof(one)) < 0)
			log_warnx("eventfd: %s", strerror(errno));
}

void
rb_gate_close_listener(struct rb_gate *g)
{
	atomic_store(&g->g_closing, 1);
	if (g->g_lfd >= 0)
		shutdown(g->g_lfd, SHUT_RDWR);
	wake_all(g);
	pthread_mutex_lock(&g->g_lock);
	while (g->g_acks < g->g_nthreads)
		pthread_cond_wait(&g->g_cv, &g->g_lock);
	pthread_mutex_unlock(&g->g_lock);
}

void
rb_gate_stop_servers(struct rb_gate *g)
{
	atomic_store(&g->g_srv_stop, 1);
	wake_all(g);
	pthread_mutex_lock(&g->g_lock);
	while (g->g_srv_acks < g->g_nthreads)
		pthread_cond_wait(&g->g_cv, &g->g_lock);
	pthread_mutex_unlock(&g->g_lock);
}

void
rb_gate_stop(struct rb_gate *g, int wait_ms)
{
	int i;

	rb_gate_close_listener(g);
	rb_gate_stop_servers(g);
	/* The last answers relayed get a moment to reach their clients. */
	for (i = 0; i < wait_ms / 10 && atomic_load(&g->g_live) > 0; i++)
		usleep(10000);
	atomic_store(&g->g_stop, 1);
	wake_all(g);
	for (i = 0; i < g->g_nthreads; i++) {
		pthread_join(g->g_thr[i].gt_tid, NULL);
		close(g->g_thr[i].gt_ep);
		close(g->g_thr[i].gt_wake);
		pthread_mutex_destroy(&g->g_thr[i].gt_lock);
	}
	if (g->g_lfd >= 0)
		close(g->g_lfd);
	pthread_mutex_destroy(&g->g_lock);
	pthread_cond_destroy(&g->g_cv);
	free(g->g_thr);
	free(g);
}
