/*
 * client_addr.h: who sent a request, behind trusted reverse proxies:
 * the X-Forwarded-For headers of a connection read through
 * base/netaddr.h's rules (trusted_proxies setting).
 */
#ifndef RB_WEB_CLIENT_ADDR_H
#define RB_WEB_CLIENT_ADDR_H

#include <stddef.h>

#include <microhttpd.h>

/*
 * Replaces ip (the connection's peer address as text, size iplen) by
 * the client address when the peer is in trusted (a list of networks;
 * "" or NULL: nobody is trusted and ip is left alone). Every
 * X-Forwarded-For header of c counts, in the order received.
 */
void	rb_client_addr_forwarded(struct MHD_Connection *c, const char *trusted,
	    char *ip, size_t iplen);
/* The same, for a head the gate thread answers itself (reqhead.h). */
struct rb_head;
void	rb_client_addr_forwarded_head(const struct rb_head *h,
	    const char *trusted, char *ip, size_t iplen);

#endif
