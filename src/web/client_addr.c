/*
 * client_addr.c: the client address behind trusted reverse proxies (see
 * client_addr.h). The rules are base/netaddr.c's; this file only
 * gathers the headers from libmicrohttpd.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/netaddr.h"
#include "client_addr.h"

/* Header values longer than this in all are cut (at a hop boundary the
   right-most hops, which are the ones read, are kept). */
#define FORWARDED_MAX	4096

static enum MHD_Result
gather(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	rb_buf *all = cls;

	(void)kind;
	if (key == NULL || value == NULL ||
	    strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	if (all->buf_len > 0)
		rb_buf_puts(all, ",");
	rb_buf_puts(all, value);
	return MHD_YES;
}

void
rb_client_addr_forwarded(struct MHD_Connection *c, const char *trusted,
    char *ip, size_t iplen)
{
	rb_buf all = RB_BUF_INIT;
	char peer[RB_NETADDR_MAX], client[RB_NETADDR_MAX];
	const char *v;

	if (trusted == NULL || trusted[0] == '\0' ||
	    !rb_netlist_contains(trusted, ip))
		return;
	MHD_get_connection_values(c, MHD_HEADER_KIND, gather, &all);
	v = all.buf_len > 0 ? rb_buf_cstr(&all) : NULL;
	if (v != NULL && all.buf_len > FORWARDED_MAX)
		v += all.buf_len - FORWARDED_MAX;
	snprintf(peer, sizeof(peer), "%s", ip);
	rb_forwarded_client(trusted, peer, v, client, sizeof(client));
	snprintf(ip, iplen, "%s", client);
	rb_buf_free(&all);
}
