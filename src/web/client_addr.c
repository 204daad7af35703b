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
#include "reqhead.h"

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

/* What the headers gathered in all say of ip (see the header). */
static void
forwarded(rb_buf *all, const char *trusted, char *ip, size_t iplen)
{
	char peer[RB_NETADDR_MAX], client[RB_NETADDR_MAX];
	const char *v;

	v = all->buf_len > 0 ? rb_buf_cstr(all) : NULL;
	if (v != NULL && all->buf_len > FORWARDED_MAX)
		v += all->buf_len - FORWARDED_MAX;
	snprintf(peer, sizeof(peer), "%s", ip);
	rb_forwarded_client(trusted, peer, v, client, sizeof(client));
	snprintf(ip, iplen, "%s", client);
}

void
rb_client_addr_forwarded_head(const struct rb_head *h, const char *trusted,
    char *ip, size_t iplen)
{
	rb_buf all = RB_BUF_INIT;
	size_t i;

	if (trusted == NULL || trusted[0] == '\0' ||
	    !rb_netlist_contains(trusted, ip))
		return;
	for (i = 0; i < h->rh_nfields; i++)
		gather(&all, MHD_HEADER_KIND, h->rh_fields[i].hf_name,
		    h->rh_fields[i].hf_value);
	forwarded(&all, trusted, ip, iplen);
	rb_buf_free(&all);
}

void
rb_client_addr_forwarded(struct MHD_Connection *c, const char *trusted,
    char *ip, size_t iplen)
{
	rb_buf all = RB_BUF_INIT;

	if (trusted == NULL || trusted[0] == '\0' ||
	    !rb_netlist_contains(trusted, ip))
		return;
	MHD_get_connection_values(c, MHD_HEADER_KIND, gather, &all);
	forwarded(&all, trusted, ip, iplen);
	rb_buf_free(&all);
}
