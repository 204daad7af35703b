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
 */
#ifndef RB_GATE_H
#define RB_GATE_H

#include <sys/socket.h>

#include <stddef.h>

#include "base/buf.h"

struct rb_gate;

struct rb_gate_hooks {
	void	*gh_arg;
	/*
	 * Hands fd, the server's end of a new connection from addr, to
	 * the server, which owns it from then on (and closes it when it
	 * refuses it). Returns 0, or -1 when refused: the gate then
	 * closes the client's connection without a word.
	 */
	int	 (*gh_add)(void *arg, int fd, const struct sockaddr *addr,
		    socklen_t addrlen);
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
 * rb_gate_add). Heads hold at most max_head bytes. The gate owns lfd.
 * hooks is copied.
 */
struct rb_gate	*rb_gate_start(int lfd, int nthreads, size_t max_head,
		    const struct rb_gate_hooks *hooks);
/*
 * Relays fd, a connected stream socket, exactly as a connection accepted
 * from addr. The gate owns fd from then on. Returns 0, or -1 when the
 * server refused it (fd is closed then).
 */
int		 rb_gate_add(struct rb_gate *g, int fd,
		    const struct sockaddr *addr, socklen_t addrlen);
/*
 * Stops accepting: the listening socket is shut down at once (new
 * connections are refused rather than queued); no gate thread calls
 * gh_add for it once this returns. Open connections go on.
 */
void		 rb_gate_close_listener(struct rb_gate *g);
/*
 * Waits up to wait_ms for the connections to end by themselves (the
 * server closed its ends: what it said is still reaching the clients),
 * then closes every connection, stops the threads, closes lfd, frees g.
 */
void		 rb_gate_stop(struct rb_gate *g, int wait_ms);

#endif
