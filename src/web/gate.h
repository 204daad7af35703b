/*
 * gate.h: the front gate, between the clients and libmicrohttpd.
 *
 * The gate owns the listening socket. Each client connection gets a
 * socketpair whose other end is handed to the server (libmicrohttpd's
 * MHD_add_connection, with the client's own address); gate threads relay
 * bytes both ways on epoll, through bounded buffers. What a client sends
 * is read by reqscan.c: only bytes of well-formed requests are passed
 * on. At the first malformed request the gate stops passing bytes on,
 * lets the answers to earlier requests go out, then sends its own answer
 * (built by the server, so it carries the same headers as the others)
 * and closes the connection. libmicrohttpd thus never answers a
 * malformed request itself.
 *
 * The server runs in the gate's threads: gate thread number slot drives
 * the server's slot (one libmicrohttpd daemon each, on an external event
 * loop) from its own epoll loop, and hands it only the connections it
 * relays itself. Bytes passed on are thus read, answered and relayed
 * back by one thread, with no other thread to wake. A request without a
 * body, on a connection that has passed nothing yet, may instead be
 * answered by the server through gh_direct, in the gate's thread,
 * without passing through the socketpair at all.
 */
#ifndef RB_GATE_H
#define RB_GATE_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct rb_gate;

/* An answer made by the server for the gate (gh_direct). */
struct rb_gate_answer {
	rb_buf		*ga_out;	/* appended to */
	int		 ga_fd;		/* -1 */
	uint64_t	 ga_fd_len;
	int		 ga_close;	/* 0 */
};

struct rb_gate_hooks {
	void	*gh_arg;
	/*
	 * Hands fd, the server's end of a new connection from addr, to
	 * the server's slot, which owns it from then on (and closes it
	 * when it refuses it). Called by gate thread slot only. Returns
	 * 0, or -1 when refused: the gate then closes the client's
	 * connection without a word. On 0, *cookie is what the server
	 * knows the connection by (NULL: nothing), given back to
	 * gh_direct and, once the gate is done with the connection, to
	 * gh_release.
	 */
	int	 (*gh_add)(void *arg, int slot, int fd,
		    const struct sockaddr *addr, socklen_t addrlen,
		    void **cookie);
	/*
	 * A whole head (head[0..len), request line to the empty line
	 * included), already checked by the scanner, of a request with no
	 * body, on a connection that has passed nothing to the server yet
	 * (cookie from gh_add; ip the client's address as text; last: the
	 * request ends the connection). Either answers it at once and
	 * returns 1: the answer (status line, headers, body) appended to
	 * ans->ga_out, or its status line and headers there and its body
	 * in the file ans->ga_fd (ga_fd_len bytes from its start, the
	 * gate closes it once sent), ga_close set when the connection is
	 * to end after it; or returns 0 having done nothing, and the
	 * request (and every later one on this connection) is passed to
	 * the server. Called by gate thread slot only, between two runs
	 * of its slot. NULL: never.
	 */
	int	 (*gh_direct)(void *arg, int slot, void *cookie,
		    const char *head, size_t len, const char *ip, int last,
		    struct rb_gate_answer *ans);
	/* The gate is done with the connection gh_add gave cookie for
	   (cookie not NULL). Called by gate thread slot only. */
	void	 (*gh_release)(void *arg, void *cookie);
	/*
	 * Brackets each batch of events of gate thread slot (begin 1,
	 * then 0), never around gh_run: the gh_direct answers made in
	 * between go to their clients only after the end, so that the
	 * server may write their access lines together then. NULL: none.
	 */
	void	 (*gh_batch)(void *arg, int slot, int begin);
	/*
	 * The descriptor that becomes readable when the server's slot has
	 * work (libmicrohttpd's epoll set), watched by gate thread slot;
	 * -1 for none.
	 */
	int	 (*gh_fd)(void *arg, int slot);
	/*
	 * Runs, without waiting, what the server's slot has to do (read,
	 * answer, write, time out, resume). Returns the milliseconds
	 * after which it must run again even if its descriptor stays
	 * quiet (0: at once), or -1 for no such time. Called by gate
	 * thread slot only.
	 */
	long	 (*gh_run)(void *arg, int slot);
	/*
	 * Stops the server's slot: it closes its ends of the connections
	 * and is never run again. Called by gate thread slot only, from
	 * rb_gate_stop_servers().
	 */
	void	 (*gh_stop)(void *arg, int slot);
	/*
	 * Writes into out the whole answer (status line, headers, body)
	 * refusing a request with status: why is the reason for the log,
	 * target the start of the request-target ("" when unknown), ip
	 * the client's address as text, head whether the request was a
	 * HEAD (no body then). The answer must say "Connection: close".
	 */
	void	 (*gh_refusal)(void *arg, int status, const char *why,
		    const char *target, const char *ip, int head,
		    rb_buf *out);
};

/*
 * Starts nthreads gate threads relaying the connections accepted on lfd
 * (a listening socket, or -1 for none: connections then come only from
 * rb_gate_add); thread i drives the server's slot i (hooks). Heads hold
 * at most max_head bytes. At most max_conns connections are open at once
 * (0: no limit): one more is closed at once without a word. The gate
 * owns lfd. hooks is copied.
 */
struct rb_gate	*rb_gate_start(int lfd, int nthreads, size_t max_head,
		    int max_conns, const struct rb_gate_hooks *hooks);
/*
 * Relays fd, a connected stream socket, exactly as a connection accepted
 * from addr: the least busy gate thread takes it and hands it to its server
 * slot (which may refuse it: fd is then closed without a word). The gate
 * owns fd from then on. Callable from any thread.
 */
void		 rb_gate_add(struct rb_gate *g, int fd,
		    const struct sockaddr *addr, socklen_t addrlen);
/*
 * Has gate thread slot run its server slot soon (gh_run): for work the
 * server's slot gets from another thread (a resumed connection).
 * Callable from any thread.
 */
void		 rb_gate_wake(struct rb_gate *g, int slot);
/*
 * Stops accepting: the listening socket is shut down at once (new
 * connections are refused rather than queued); no gate thread calls
 * gh_add for it once this returns. Open connections go on.
 */
void		 rb_gate_close_listener(struct rb_gate *g);
/*
 * Each gate thread stops its server slot (gh_stop) and runs it no more;
 * returns when all have. The relay goes on: what the server said before
 * still reaches the clients.
 */
void		 rb_gate_stop_servers(struct rb_gate *g);
/*
 * Waits up to wait_ms for the connections to end by themselves (the
 * server closed its ends: what it said is still reaching the clients),
 * then closes every connection, stops the threads (stopping the
 * server slots first if rb_gate_stop_servers() was not called), closes lfd, frees g.
 */
void		 rb_gate_stop(struct rb_gate *g, int wait_ms);

#endif
