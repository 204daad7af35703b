/*
 * netaddr.h: client addresses as text, without any I/O: lists of
 * trusted networks (the `trusted_proxies` setting), the client address
 * of a request that came through trusted reverse proxies (the
 * right-most untrusted hop of X-Forwarded-For), and the part of an
 * address that rate limits count by.
 *
 * Addresses are IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1"); an
 * IPv4-mapped IPv6 address ("::ffff:192.0.2.1") is taken as the IPv4
 * one. Networks are an address or ADDRESS/PREFIX ("10.0.0.0/8",
 * "2001:db8::/32"), separated by commas and/or spaces.
 */
#ifndef RB_NETADDR_H
#define RB_NETADDR_H

#include <stddef.h>

struct sockaddr;

/* Longest text of an address, NUL included (INET6_ADDRSTRLEN). */
#define RB_NETADDR_MAX	46

/*
 * Checks a list of networks. Returns 0 when every item is an address
 * or ADDRESS/PREFIX with a prefix in range (the empty list included),
 * else -1 with the first bad item named in err.
 */
int	rb_netlist_check(const char *list, char *err, size_t errlen);

/* 1 when addr (text) lies in one of the networks of list, 0 when not
 * (or when addr or an item of the list is not valid). */
int	rb_netlist_contains(const char *list, const char *addr);

/*
 * The client address of a request received from peer (the socket's
 * address), written in canonical text into out (outlen >= 1):
 *   - peer itself when it is not in trusted, or when forwarded (the
 *     X-Forwarded-For values, comma-separated, in the order received;
 *     NULL when there were none) is empty;
 *   - otherwise the right-most hop of forwarded that is not in trusted,
 *     reading from the right: each trusted proxy appends the address it
 *     received the request from, so the hops to the left of the first
 *     untrusted one were written by the client and are never believed;
 *   - when a hop is not an address, the hop on its right (a trusted
 *     proxy that passed the request on);
 *   - when every hop is trusted, the left-most one.
 * Never fails: out is at worst a copy of peer (truncated to outlen).
 */
void	rb_forwarded_client(const char *trusted, const char *peer,
	    const char *forwarded, char *out, size_t outlen);

/*
 * The part of addr that rate limits count by: an IPv4 address as it
 * is, an IPv6 address as its /64 network ("2001:db8:1:2::/64": one
 * subscriber line gets a whole /64), anything else as is. Writes into
 * out (outlen >= RB_NETADDR_MAX + 4).
 */
void	rb_netaddr_bucket(const char *addr, char *out, size_t outlen);

/*
 * Writes the address of sa (IPv4 or IPv6) as text into out, or "-" when
 * sa is NULL or of another family (a Unix socket, say).
 */
void	rb_sockaddr_text(const struct sockaddr *sa, char *out,
	    size_t outlen);

#endif
