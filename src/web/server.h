/*
 * server.h: the HTTP server (a front gate, gate.h, in front of
 * libmicrohttpd, one daemon per gate thread, run by that thread).
 *
 * Slow work in a handler (password hashing) runs on the slow-work pool
 * while its connection is suspended, never on the threads answering
 * other requests. Limits come from the configuration.
 */
#ifndef RB_SERVER_H
#define RB_SERVER_H

#include <sys/socket.h>

#include "http.h"

struct rb_server;

/*
 * Binds the configured address and readies the server's threads, but
 * accepts no connection yet (clients wait in the listen queue): a
 * process started as root opens here, leaves root, then calls
 * rb_server_accept(), so that no request is ever answered as root.
 * Returns NULL with a message in err when the address cannot be bound.
 * The site must outlive the server; rb_server_stop() frees it, accepted
 * or not.
 */
struct rb_server *rb_server_open(const struct rb_site *site, char *err,
		    size_t errlen);
/* Starts accepting and answering connections (once; logs the uid). */
void		 rb_server_accept(struct rb_server *srv);
/* rb_server_open() then rb_server_accept(). */
struct rb_server *rb_server_start(const struct rb_site *site, char *err,
		    size_t errlen);
/* The port actually bound (useful with port 0). */
int		 rb_server_port(const struct rb_server *srv);
/*
 * Serves fd, a connected stream socket, exactly as a connection accepted
 * from addr: through the front gate (fuzz/fuzz_http.c hands it one end
 * of a socketpair). srv owns fd from then on; a gate thread takes it and
 * closes it without a word should the server refuse it (the connection
 * limits). Callable from any thread; returns 0.
 */
int		 rb_server_add_connection(struct rb_server *srv, int fd,
		    const struct sockaddr *addr, socklen_t addrlen);
/*
 * Graceful stop: stops accepting, waits up to grace_s seconds for
 * requests in flight, then lets every slow job end (those not started
 * answer 503), so that no connection stays suspended, then closes every
 * connection, writes the pending log summaries and frees srv.
 */
void		 rb_server_stop(struct rb_server *srv, int grace_s);

#endif
