/*
 * netaddr.c: trusted networks and forwarded client addresses (see
 * netaddr.h). Pure functions over text: inet_pton/inet_ntop only.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

/* Longest item of a list: an IPv6 address and "/128". */
#define ITEM_MAX	(RB_NETADDR_MAX + 5)

/* A parsed address: 4 or 16 bytes. */
struct addr {
	int		 a_len;		/* 4 or 16 */
	unsigned char	 a_bytes[16];
};

static const unsigned char v4_mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Parses s[0..n) as an address. 0, or -1 when it is not one. */
static int
addr_parse(const char *s, size_t n, struct addr *a)
{
	char buf[RB_NETADDR_MAX];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a->a_bytes) == 1) {
		a->a_len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->a_bytes) != 1)
		return -1;
	a->a_len = 16;
	if (memcmp(a->a_bytes, v4_mapped, sizeof(v4_mapped)) == 0) {
		memmove(a->a_bytes, a->a_bytes + 12, 4);
		a->a_len = 4;
	}
	return 0;
}

static void
addr_text(const struct addr *a, char *out, size_t outlen)
{
	char buf[RB_NETADDR_MAX];

	if (inet_ntop(a->a_len == 4 ? AF_INET : AF_INET6, a->a_bytes, buf,
	    sizeof(buf)) == NULL)
		buf[0] = '\0';
	snprintf(out, outlen, "%s", buf);
}

/* A network: an address and a prefix length. */
struct net {
	struct addr	 n_addr;
	int		 n_prefix;
};

/* Parses one list item s[0..n). 0, or -1. */
static int
net_parse(const char *s, size_t n, struct net *net)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - s) : n;
	long p;
	char digits[4], *end;
	size_t dl;
	int mapped;

	if (addr_parse(s, alen, &net->n_addr) != 0)
		return -1;
	net->n_prefix = net->n_addr.a_len * 8;
	if (slash == NULL)
		return 0;
	dl = n - alen - 1;
	if (dl == 0 || dl >= sizeof(digits))
		return -1;
	memcpy(digits, slash + 1, dl);
	digits[dl] = '\0';
	if (!isdigit((unsigned char)digits[0]))
		return -1;
	mapped = net->n_addr.a_len == 4 && memchr(s, ':', alen) != NULL;
	p = strtol(digits, &end, 10);
	if (*end != '\0' || p < 0 || p > (mapped ? 128 : net->n_addr.a_len * 8))
		return -1;
	/* A mapped IPv4 network ("::ffff:10.0.0.0/104") counts from its
	   IPv4 part. */
	if (mapped) {
		if (p < 96)
			return -1;
		p -= 96;
	}
	net->n_prefix = (int)p;
	return 0;
}

static int
net_contains(const struct net *net, const struct addr *a)
{
	int full = net->n_prefix / 8, rest = net->n_prefix % 8;
	unsigned char mask;

	if (net->n_addr.a_len != a->a_len)
		return 0;
	if (memcmp(net->n_addr.a_bytes, a->a_bytes, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (net->n_addr.a_bytes[full] & mask) == (a->a_bytes[full] & mask);
}

/* Separators of list items. */
static int
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/*
 * Calls fn on each item of list until it returns non-zero; returns
 * that value, or 0.
 */
static int
each_item(const char *list, int (*fn)(const char *, size_t, void *),
    void *arg)
{
	const char *p = list != NULL ? list : "", *start;
	int rc;

	for (;;) {
		while (is_sep(*p))
			p++;
		if (*p == '\0')
			return 0;
		start = p;
		while (*p != '\0' && !is_sep(*p))
			p++;
		if ((rc = fn(start, (size_t)(p - start), arg)) != 0)
			return rc;
	}
}

struct check_ctx {
	char	*cc_err;
	size_t	 cc_errlen;
};

static int
check_item(const char *s, size_t n, void *arg)
{
	struct check_ctx *cc = arg;
	struct net net;

	if (n < ITEM_MAX && net_parse(s, n, &net) == 0)
		return 0;
	snprintf(cc->cc_err, cc->cc_errlen, "not an address or "
	    "ADDRESS/PREFIX: \"%.*s\"", (int)(n > 64 ? 64 : n), s);
	return -1;
}

int
rb_netlist_check(const char *list, char *err, size_t errlen)
{
	struct check_ctx cc = { err, errlen };

	return each_item(list, check_item, &cc) != 0 ? -1 : 0;
}

static int
contains_item(const char *s, size_t n, void *arg)
{
	const struct addr *a = arg;
	struct net net;

	return n < ITEM_MAX && net_parse(s, n, &net) == 0 &&
	    net_contains(&net, a);
}

/* 1 when the parsed address a is in list. */
static int
list_contains(const char *list, const struct addr *a)
{
	return each_item(list, contains_item, (void *)(uintptr_t)a) == 1;
}

int
rb_netlist_contains(const char *list, const char *addr)
{
	struct addr a;

	if (addr == NULL || addr_parse(addr, strlen(addr), &a) != 0)
		return 0;
	return list_contains(list, &a);
}

/* Trims spaces around s[0..*n): returns the new start. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

void
rb_forwarded_client(const char *trusted, const char *peer,
    const char *forwarded, char *out, size_t outlen)
{
	struct addr a, hop;
	const char *end, *comma, *item;
	size_t n;

	snprintf(out, outlen, "%s", peer != NULL ? peer : "");
	if (peer == NULL || addr_parse(peer, strlen(peer), &a) != 0 ||
	    !list_contains(trusted, &a) || forwarded == NULL)
		return;
	/* a: the nearest hop believed so far (the peer, trusted). */
	end = forwarded + strlen(forwarded);
	while (end > forwarded) {
		comma = end;
		while (comma > forwarded && comma[-1] != ',')
			comma--;
		n = (size_t)(end - comma);
		item = trim(comma, &n);
		end = comma > forwarded ? comma - 1 : forwarded;
		if (n == 0)
			continue;		/* "a,,b": nothing said */
		if (addr_parse(item, n, &hop) != 0)
			break;			/* garbage: keep the last hop */
		a = hop;
		if (!list_contains(trusted, &hop))
			break;			/* the client */
	}
	addr_text(&a, out, outlen);
}

void
rb_netaddr_bucket(const char *addr, char *out, size_t outlen)
{
	struct addr a;
	char text[RB_NETADDR_MAX];

	if (addr == NULL || addr_parse(addr, strlen(addr), &a) != 0) {
		snprintf(out, outlen, "%s", addr != NULL ? addr : "");
		return;
	}
	if (a.a_len == 4) {
		addr_text(&a, out, outlen);
		return;
	}
	memset(a.a_bytes + 8, 0, 8);
	addr_text(&a, text, sizeof(text));
	snprintf(out, outlen, "%s/64", text);
}

void
rb_sockaddr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	snprintf(out, outlen, "-");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)outlen);
}
