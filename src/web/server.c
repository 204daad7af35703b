/*
 * server.c: glue between the front gate, libmicrohttpd and the page
 * handlers.
 *
 * The front gate (gate.c) owns the listening socket and passes on only
 * well-formed requests (reqscan.c, framing.c); it answers the others
 * with a page built here (gate_refusal()), so that every answer carries
 * the same security headers. For each request libmicrohttpd hands over:
 * canonicalise the path, match a route, read the body within limits,
 * call the handler, add the security headers, send the response, then
 * log one access line, count it in the metrics and free the request's
 * arena. A reaper thread cuts connections that take longer than
 * request_timeout to deliver a request (slow-drip clients), which
 * libmicrohttpd's idle timeout alone cannot catch.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/log.h"
#include "base/logrl.h"
#include "base/mem.h"
#include "base/netaddr.h"
#include "base/path.h"
#include "base/workq.h"
#include "app/pagecache.h"
#include "app/sesscache.h"
#include "store/db.h"
#include "client_addr.h"
#include "gate.h"
#include "reqhead.h"
#include "metrics.h"
#include "routes.h"
#include "server.h"
#include "session.h"

#define CSP	"default-src 'none'; style-src 'self'; img-src 'self' data:; " \
		"font-src 'self'; form-action 'self'; base-uri 'none'; " \
		"frame-ancestors 'none'"

static const char *const security_headers[][2] = {
	{ "Content-Security-Policy", CSP },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "same-origin" },
	{ "Permissions-Policy", "camera=(), microphone=(), geolocation=(), "
	    "payment=(), usb=(), interest-cohort=()" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
};

/*
 * Connections open per client address. The per-address limit is ours,
 * not libmicrohttpd's, so that a refusal is logged with its address.
 * An entry lives while its address has a connection open.
 */
#define IP_BUCKETS	1024

struct ipcount {
	struct ipcount	*ic_next;
	unsigned	 ic_open;	/* connections started */
	unsigned	 ic_pending;	/* accepted, not yet started */
	uint64_t	 ic_pending_us;	/* time of the last acceptance */
	char		 ic_ip[48];
};

/* An acceptance not followed by its start notification within this
 * time was dropped by libmicrohttpd after MHD_add_connection() returned
 * (a worker could not take it): forget it. Refusals that
 * MHD_add_connection() reports give their place back at once
 * (gate_add), so this only bounds a rare leak: long enough that a busy
 * worker's start notification is never outrun. */
#define PENDING_TTL_US	30000000

/* The acceptance on_accept() counted in this thread's current
 * MHD_add_connection() call: gate_add gives it back if the library then
 * refuses the connection. */
static _Thread_local char tl_reserved[48];

/* The daemon the calling gate thread runs (gate_add, gate_run). */
static _Thread_local int tl_slot;

/* One TCP connection, tracked for the reaper. */
struct conn {
	struct conn	*cn_next, *cn_prev;
	int		 cn_fd;
	int		 cn_waiting;	/* receiving a request */
	uint64_t	 cn_since_us;	/* start of the current wait */
	int		 cn_cut;
	int		 cn_refs;	/* the connection, its request, and
					   the gate (gh_add's cookie) */
	char		 cn_ip[48];	/* the peer's address, text */
	struct MHD_Connection *cn_mhd;	/* while cn_fd >= 0 */
	uint64_t	 cn_idle_us;	/* its idle timer last restarted
					   by a direct answer */
};

/* The connection record on_connection() made during this thread's
   current MHD_add_connection() call (gate_add). */
static _Thread_local struct conn *tl_started;

/* Within a batch of the gate thread's events (gate_batch()). */
static _Thread_local int tl_batch;

struct rb_server {
	const struct rb_site	*srv_site;
	struct MHD_Daemon	**srv_mhd;	/* one per gate thread, run by
						   it (NULL once stopped) */
	int			 srv_nmhd;
	struct rb_gate		*srv_gate;	/* owns the listening socket
						   once accepting (NULL before) */
	int			 srv_lfd;	/* the listening socket */
	struct rb_workq		*srv_slow;	/* slow handlers run here */
	int			 srv_port;
	atomic_int		 srv_inflight;
	pthread_mutex_t		 srv_lock;	/* guards srv_conns */
	struct conn		*srv_conns;
	pthread_t		 srv_reaper;
	pthread_cond_t		 srv_reaper_cv;
	int			 srv_stopping;
	pthread_mutex_t		 srv_slow_lock;	/* guards srv_draining and
						   submissions to srv_slow */
	atomic_int		 srv_draining;	/* stopping: no new slow job */
	atomic_int		 srv_closed;	/* stopping: no new connection */
	uint64_t		 srv_request_timeout_us;
	pthread_mutex_t		 srv_ip_lock;	/* guards srv_ips */
	struct ipcount		*srv_ips[IP_BUCKETS];
	unsigned		 srv_per_ip;	/* max_connections_per_ip */
	unsigned		 srv_max_conns;	/* max_connections (the gate's) */
	int			 srv_direct;	/* direct_answers (gate_direct()) */
};

/* Per request state, between the first call and completion. */
struct reqctx {
	struct rb_req	 rc_req;
	rb_buf		 rc_body;
	int		 rc_too_large;
	int		 rc_bad_path;
	int		 rc_bad_query;
	int		 rc_allowed;
	int		 rc_started;	/* headers seen by on_request */
	int		 rc_ready;	/* slow handler done, response ready */
	struct rb_server *rc_srv;
	int		 rc_slot;	/* the daemon (gate thread) that
					   suspended it */
	const char	*rc_raw_path;	/* path as sent, still encoded */
	const char	*rc_query;	/* raw query string, in the arena */
	struct conn	*rc_conn;
	size_t		 rc_bytes;	/* response body size, for the log */
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static enum rb_method
method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return RB_GET;
	if (strcmp(m, "HEAD") == 0)
		return RB_HEAD;
	if (strcmp(m, "POST") == 0)
		return RB_POST;
	return RB_OTHER;
}

const char *
rb_req_header(const struct rb_req *req, const char *name)
{
	if (req->req_head != NULL)
		return rb_head_field(req->req_head, name);
	return MHD_lookup_connection_value(req->req_conn, MHD_HEADER_KIND,
	    name);
}

void
rb_resp_header(struct rb_req *req, const char *name, const char *value)
{
	if (req->resp_nhdr >= RB_MAX_RESP_HEADERS) {
		log_errx("too many response headers (%s)", name);
		return;
	}
	req->resp_hdr_name[req->resp_nhdr] = name;
	req->resp_hdr_value[req->resp_nhdr] = value;
	req->resp_nhdr++;
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	/* The union holds the context pointer itself, not its address. */
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? (struct conn *)ci->socket_context : NULL;
}

static void	client_ip(struct MHD_Connection *, char *, size_t);

static struct ipcount **
ip_slot(struct rb_server *srv, const char *ip)
{
	struct ipcount **p;
	unsigned h = 5381;
	const char *q;

	for (q = ip; *q != '\0'; q++)
		h = h * 33 + (unsigned char)*q;
	for (p = &srv->srv_ips[h % IP_BUCKETS]; *p != NULL;
	    p = &(*p)->ic_next)
		if (strcmp((*p)->ic_ip, ip) == 0)
			break;
	return p;
}

/* Counts a connection of ip open (delta 1) or closed (-1). */
/* Entry of ip, created when create is set; called with srv_ip_lock. */
static struct ipcount *
ip_entry(struct rb_server *srv, const char *ip, int create)
{
	struct ipcount **p = ip_slot(srv, ip), *ic;

	if ((ic = *p) == NULL && create) {
		ic = rb_xcalloc(1, sizeof(*ic));
		snprintf(ic->ic_ip, sizeof(ic->ic_ip), "%s", ip);
		*p = ic;
	}
	return ic;
}

/* Frees ip's entry once nothing counts on it; called with srv_ip_lock. */
static void
ip_forget(struct rb_server *srv, const char *ip)
{
	struct ipcount **p = ip_slot(srv, ip), *ic = *p;

	if (ic != NULL && ic->ic_open == 0 && ic->ic_pending == 0) {
		*p = ic->ic_next;
		free(ic);
	}
}

/*
 * A connection from ip started (delta 1: its acceptance becomes an open
 * connection) or closed (delta -1).
 */
static void
ip_count(struct rb_server *srv, const char *ip, int delta)
{
	struct ipcount *ic;

	if (strcmp(ip, "-") == 0)
		return;
	pthread_mutex_lock(&srv->srv_ip_lock);
	if (delta > 0) {
		ic = ip_entry(srv, ip, 1);
		ic->ic_open++;
		if (ic->ic_pending > 0)
			ic->ic_pending--;
	} else if ((ic = ip_entry(srv, ip, 0)) != NULL) {
		if (ic->ic_open > 0)
			ic->ic_open--;
		ip_forget(srv, ip);
	}
	pthread_mutex_unlock(&srv->srv_ip_lock);
}

/*
 * libmicrohttpd's accept policy: refuses a connection from an address
 * that has max_connections_per_ip open. The check and the count happen
 * together, under one lock: an accepted connection holds its place
 * (ic_pending) until its start notification turns it into an open one,
 * so a burst accepted by several threads at once cannot pass the limit.
 */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct rb_server *srv = cls;
	struct ipcount *ic;
	unsigned open;
	uint64_t now;
	char ip[48];

	(void)addrlen;
	if (atomic_load(&srv->srv_closed))
		return MHD_NO;
	rb_sockaddr_text(addr, ip, sizeof(ip));
	if (strcmp(ip, "-") == 0)
		return MHD_YES;
	pthread_mutex_lock(&srv->srv_ip_lock);
	/* Read under the lock: gate threads accept at once, and a time
	   read before another thread's later stamp would wrap below. */
	now = now_us();
	ic = ip_entry(srv, ip, 1);
	if (ic->ic_pending > 0 && now - ic->ic_pending_us > PENDING_TTL_US)
		ic->ic_pending = 0;
	open = ic->ic_open + ic->ic_pending;
	if (open < srv->srv_per_ip) {
		ic->ic_pending++;
		ic->ic_pending_us = now;
		snprintf(tl_reserved, sizeof(tl_reserved), "%s", ip);
	} else
		ip_forget(srv, ip);
	pthread_mutex_unlock(&srv->srv_ip_lock);
	if (open < srv->srv_per_ip)
		return MHD_YES;
	log_warnx_rl(ip, "connection refused: %u already open from %s "
	    "(max_connections_per_ip)", open, ip);
	return MHD_NO;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct rb_server *srv = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *cn;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		cn = rb_xcalloc(1, sizeof(*cn));
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->cn_fd = ci != NULL ? ci->connect_fd : -1;
		cn->cn_mhd = c;
		client_ip(c, cn->cn_ip, sizeof(cn->cn_ip));
		ip_count(srv, cn->cn_ip, 1);
		cn->cn_waiting = 1;
		cn->cn_refs = 1;
		cn->cn_since_us = now_us();
		pthread_mutex_lock(&srv->srv_lock);
		cn->cn_next = srv->srv_conns;
		if (srv->srv_conns != NULL)
			srv->srv_conns->cn_prev = cn;
		srv->srv_conns = cn;
		pthread_mutex_unlock(&srv->srv_lock);
		*socket_context = cn;
		tl_started = cn;
		return;
	}
	if ((cn = *socket_context) == NULL)
		return;
	ip_count(srv, cn->cn_ip, -1);
	pthread_mutex_lock(&srv->srv_lock);
	if (cn->cn_prev != NULL)
		cn->cn_prev->cn_next = cn->cn_next;
	else
		srv->srv_conns = cn->cn_next;
	if (cn->cn_next != NULL)
		cn->cn_next->cn_prev = cn->cn_prev;
	cn->cn_next = cn->cn_prev = NULL;
	cn->cn_fd = -1;
	cn->cn_mhd = NULL;
	if (--cn->cn_refs == 0)
		free(cn);
	pthread_mutex_unlock(&srv->srv_lock);
	*socket_context = NULL;
}

/*
 * Marks whether the connection is receiving a request (and so subject to
 * the request deadline). A request holds a reference on its connection
 * record: libmicrohttpd may report the connection closed before the
 * request completed.
 */
static void
conn_set_waiting(struct rb_server *srv, struct conn *cn, int waiting)
{
	if (cn == NULL)
		return;
	pthread_mutex_lock(&srv->srv_lock);
	cn->cn_waiting = waiting;
	cn->cn_since_us = now_us();
	pthread_mutex_unlock(&srv->srv_lock);
}

static struct conn *
conn_hold(struct rb_server *srv, struct conn *cn)
{
	if (cn == NULL)
		return NULL;
	pthread_mutex_lock(&srv->srv_lock);
	cn->cn_refs++;
	pthread_mutex_unlock(&srv->srv_lock);
	return cn;
}

/* The request is done: the connection waits for the next one. */
static void
conn_release(struct rb_server *srv, struct conn *cn)
{
	if (cn == NULL)
		return;
	pthread_mutex_lock(&srv->srv_lock);
	cn->cn_waiting = 1;
	cn->cn_since_us = now_us();
	if (--cn->cn_refs == 0)
		free(cn);
	pthread_mutex_unlock(&srv->srv_lock);
}

/* Cuts connections that have spent too long delivering a request. */
static void *
reaper(void *arg)
{
	struct rb_server *srv = arg;
	struct timespec ts;
	struct conn *cn;
	uint64_t now;

	pthread_mutex_lock(&srv->srv_lock);
	while (!srv->srv_stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&srv->srv_reaper_cv, &srv->srv_lock,
		    &ts);
		now = now_us();
		for (cn = srv->srv_conns; cn != NULL; cn = cn->cn_next) {
			if (!cn->cn_waiting || cn->cn_cut || cn->cn_fd < 0 ||
			    now - cn->cn_since_us < srv->srv_request_timeout_us)
				continue;
			log_warnx_rl(cn->cn_ip, "cutting a connection that "
			    "took over %llu s to send its request",
			    (unsigned long long)
			    (srv->srv_request_timeout_us / 1000000));
			shutdown(cn->cn_fd, SHUT_RDWR);
			cn->cn_cut = 1;
		}
		/* Summaries of repeated messages leave within a second of
		   their interval's end. */
		pthread_mutex_unlock(&srv->srv_lock);
		rb_log_rl_flush(0);
		pthread_mutex_lock(&srv->srv_lock);
	}
	pthread_mutex_unlock(&srv->srv_lock);
	return NULL;
}

/* 1 when the handler set header name itself (it then replaces the
 * default: the payment form's wider form-action, pages/pay.c). */
static int
handler_set(const struct rb_req *req, const char *name)
{
	int i;

	for (i = 0; i < req->resp_nhdr; i++)
		if (strcasecmp(req->resp_hdr_name[i], name) == 0)
			return 1;
	return 0;
}

/* Adds to resp the security headers (those the handler did not set
 * itself), the Content-Type and the handler's headers. */
static void
add_headers(struct MHD_Response *resp, const struct rb_req *req)
{
	size_t i;

	for (i = 0; i < RB_NELEM(security_headers); i++)
		if (!handler_set(req, security_headers[i][0]))
			MHD_add_response_header(resp, security_headers[i][0],
			    security_headers[i][1]);
	if (req->resp_type != NULL)
		MHD_add_response_header(resp, "Content-Type", req->resp_type);
	for (i = 0; i < (size_t)req->resp_nhdr; i++)
		MHD_add_response_header(resp, req->resp_hdr_name[i],
		    req->resp_hdr_value[i]);
}

/* The same headers as text, one "Name: value\r\n" line each, for the
 * answers the gate thread writes itself. */
/* One field; as libmicrohttpd's MHD_add_response_header(), none whose
 * name or value could end the line (the library drops such a field). */
static void
head_line(rb_buf *out, const char *name, const char *value)
{
	if (name[0] == '\0' || strpbrk(name, " \t\r\n:") != NULL ||
	    strpbrk(value, "\r\n") != NULL) {
		log_errx("response field %s dropped: a line break", name);
		return;
	}
	rb_buf_puts(out, name);
	rb_buf_append(out, ": ", 2);
	rb_buf_puts(out, value);
	rb_buf_append(out, "\r\n", 2);
}

static void
head_lines(rb_buf *out, const struct rb_req *req)
{
	size_t i;

	for (i = 0; i < RB_NELEM(security_headers); i++)
		if (!handler_set(req, security_headers[i][0]))
			head_line(out, security_headers[i][0],
			    security_headers[i][1]);
	if (req->resp_type != NULL)
		head_line(out, "Content-Type", req->resp_type);
	for (i = 0; i < (size_t)req->resp_nhdr; i++)
		head_line(out, req->resp_hdr_name[i], req->resp_hdr_value[i]);
}

struct rb_kept {
	atomic_int		 k_refs;
	struct MHD_Response	*k_resp;	/* one reference of the
						   library's is ours */
	size_t			 k_len;
	const char		*k_body;	/* k_len bytes, freed with
						   k_resp */
	rb_buf			 k_head;	/* head_lines() */
};

struct rb_kept *
rb_kept_new(const struct rb_req *req)
{
	struct rb_kept *k;
	char *body;

	if (req->resp_status != 200 || req->resp_fd >= 0)
		return NULL;
	body = rb_xmalloc(req->resp_body.buf_len + 1);
	memcpy(body, req->resp_body.buf_len > 0 ? req->resp_body.buf_data :
	    "", req->resp_body.buf_len);
	k = rb_xcalloc(1, sizeof(*k));
	/* The library frees the body with its last reference, after the
	   last answer that sends it. */
	k->k_resp = MHD_create_response_from_buffer_with_free_callback(
	    req->resp_body.buf_len, body, free);
	if (k->k_resp == NULL) {
		free(body);
		free(k);
		return NULL;
	}
	add_headers(k->k_resp, req);
	k->k_len = req->resp_body.buf_len;
	k->k_body = body;
	rb_buf_init(&k->k_head);
	head_lines(&k->k_head, req);
	atomic_init(&k->k_refs, 1);
	return k;
}

struct rb_kept *
rb_kept_hold(struct rb_kept *k)
{
	atomic_fetch_add(&k->k_refs, 1);
	return k;
}

void
rb_kept_drop(struct rb_kept *k)
{
	if (k == NULL || atomic_fetch_sub(&k->k_refs, 1) != 1)
		return;
	MHD_destroy_response(k->k_resp);
	rb_buf_free(&k->k_head);
	free(k);
}

void
rb_resp_kept(struct rb_req *req, struct rb_kept *k)
{
	rb_kept_drop(req->resp_kept);
	req->resp_kept = k;
	req->resp_status = 200;
	req->resp_type = NULL;
	rb_buf_reset(&req->resp_body);
}

/* Builds the libmicrohttpd response from what the handler filled in. */
static int
send_response(struct MHD_Connection *c, struct reqctx *rc)
{
	struct rb_req *req = &rc->rc_req;
	struct MHD_Response *resp;
	struct rb_kept *k;
	enum MHD_Result ret;
	size_t len;
	char *body;

	if ((k = req->resp_kept) != NULL) {
		req->resp_kept = NULL;
		if (req->resp_status == 200 && req->resp_nhdr == 0 &&
		    req->resp_fd < 0 && req->resp_type == NULL) {
			/* Queued, the library holds its own reference on
			   the response until this answer is sent. */
			rc->rc_bytes = req->req_method == RB_HEAD ? 0 :
			    k->k_len;
			ret = MHD_queue_response(c, 200, k->k_resp);
			rb_kept_drop(k);
			return ret;
		}
		rb_kept_drop(k);
	}
	if (req->resp_fd >= 0) {
		resp = MHD_create_response_from_fd64(req->resp_fd_size,
		    req->resp_fd);
		rc->rc_bytes = req->resp_fd_size;
		req->resp_fd = -1;	/* owned by the response now */
	} else {
		body = rb_buf_steal(&req->resp_body, &len);
		resp = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
		rc->rc_bytes = len;
	}
	if (resp == NULL)
		return MHD_NO;
	add_headers(resp, req);
	if (req->req_method == RB_HEAD)
		rc->rc_bytes = 0;
	ret = MHD_queue_response(c, (unsigned)req->resp_status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
form_limits(const struct rb_config *cfg, struct rb_form_limits *lim)
{
	lim->fl_max_fields = (size_t)rb_config_int(cfg, RB_CFG_MAX_FORM_FIELDS);
	lim->fl_max_key_len = 256;
	lim->fl_max_value_len = (size_t)rb_config_int(cfg,
	    RB_CFG_MAX_FIELD_BYTES);
}

/* Files a multipart form may carry: the attachment limit and a spare
 * one, so that one too many gets a message rather than a 400. */
static size_t
upload_max_files(const struct rb_config *cfg)
{
	return (size_t)rb_config_int(cfg, RB_CFG_ATTACHMENT_MAX_COUNT) + 1;
}

/* The body a route accepts: max_body_bytes, and for routes that take
 * files room for one more than the attachment count at the attachment
 * size, so that a file somewhat too large gets a message in the form
 * rather than a 413. The body is held in memory while it arrives. */
static size_t
route_max_body(const struct rb_config *cfg, int route)
{
	size_t max = (size_t)rb_config_int(cfg, RB_CFG_MAX_BODY_BYTES);

	if (route != ROUTE_NOT_FOUND && rb_routes[route].rt_upload)
		max += upload_max_files(cfg) *
		    (size_t)rb_config_int(cfg, RB_CFG_ATTACHMENT_MAX_BYTES);
	return max;
}

/* Every route reads the database (sessions, pages) but these. */
static void
dispatch(struct rb_server *srv, struct reqctx *rc)
{
	const struct rb_config *cfg = srv->srv_site->site_cfg;
	struct rb_req *req = &rc->rc_req;
	struct rb_form_limits lim;
	enum rb_form_err ferr;
	const char *ctype;

	if (rc->rc_bad_path || rc->rc_bad_query) {
		rb_resp_error(req, 400);
		return;
	}
	if (rc->rc_too_large) {
		rb_resp_error(req, 413);
		return;
	}
	if (req->req_route == ROUTE_NOT_FOUND) {
		rb_resp_error(req, 404);
		return;
	}
	form_limits(cfg, &lim);
	ctype = rb_req_header(req, "Content-Type");
	if (req->req_method == RB_POST && rb_multipart_is(ctype) &&
	    rb_routes[req->req_route].rt_upload && rc->rc_allowed) {
		enum rb_multipart_err merr;
		size_t msg = 4 * (size_t)rb_config_int(cfg,
		    RB_CFG_CONTACT_MAX_CHARS);

		/* Upload routes carry messages: a field holds the longest
		   one in any script (4 bytes a character), so that a long
		   one is told in the form, not refused with a 413. */
		if (lim.fl_max_value_len < msg)
			lim.fl_max_value_len = msg;

		if (rb_multipart_parse(req->req_arena, ctype,
		    rb_buf_cstr(&rc->rc_body), rc->rc_body.buf_len, &lim,
		    upload_max_files(cfg), &req->req_body, &req->req_files,
		    &merr) != 0) {
			log_info_rl(req->req_ip, "bad multipart form on %s: %s",
			    req->req_path, rb_multipart_strerror(merr));
			rb_resp_error(req, merr == RB_MP_TOO_MANY_FIELDS ||
			    merr == RB_MP_VALUE_TOO_LONG ? 413 : 400);
			return;
		}
	} else if (req->req_method == RB_POST && ctype != NULL &&
	    strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 &&
	    rb_form_parse(req->req_arena, rb_buf_cstr(&rc->rc_body),
	    rc->rc_body.buf_len, &lim, &req->req_body, &ferr) != 0) {
		log_info_rl(req->req_ip, "bad form on %s: %s", req->req_path,
		    rb_form_strerror(ferr));
		rb_resp_error(req, ferr == RB_FORM_TOO_MANY_FIELDS ||
		    ferr == RB_FORM_VALUE_TOO_LONG ? 413 : 400);
		return;
	}
	if (!rc->rc_allowed) {
		rb_resp_header(req, "Allow", rb_route_allow(req->req_route));
		rb_resp_error(req, 405);
		return;
	}
	/* What the route declares it needs (database, session, CSRF…)
	   is checked before its handler runs; a page that only reads
	   runs in one read transaction (routes.h). */
	if (rb_route_serve(req) != 0)
		return;
	/* The database failed under the handler: a session or archive
	   visit lookup (the page may have gone on as if signed out), or
	   the link was lost. Whatever the handler answered then (a 500,
	   a redirect with its message, a 404 because a read failed) rests
	   on a failure: the answer is "come back shortly", not a fault. */
	if (rb_req_db_down(req) ||
	    (req->req_db != NULL && rb_db_link_lost(req->req_db))) {
		if (!rb_req_db_down(req))
			log_warnx_rl(req->req_ip, "database link lost during "
			    "%s: %d answered as 503", req->req_path,
			    req->resp_status);
		rb_req_db_unavailable(req);
	}
}

/*
 * Called by libmicrohttpd with the raw URI before anything else: creates
 * the request context and keeps the raw query string, which is parsed
 * with our own limits rather than libmicrohttpd's.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct reqctx *rc = rb_xcalloc(1, sizeof(*rc));
	size_t plen = strcspn(uri, "?#");
	const char *q = strchr(uri, '?');

	rc->rc_req.req_arena = rb_arena_new();
	rc->rc_raw_path = rb_arena_strndup(rc->rc_req.req_arena, uri, plen);
	rc->rc_query = rb_arena_strndup(rc->rc_req.req_arena,
	    q != NULL ? q + 1 : "", q != NULL ? strcspn(q + 1, "#") : 0);
	return rc;
}

/* The server is stopping: 503, come back soon, on a closed connection. */
static void
answer_stopping(struct rb_req *req)
{
	rb_resp_error(req, 503);
	rb_resp_header(req, "Retry-After", "5");
	rb_resp_header(req, "Connection", "close");
}

/*
 * Resumes rc's connection, then wakes the gate thread that runs its
 * daemon: a daemon on an external loop has no channel of its own to be
 * woken by (0.9.75 drops MHD_USE_ITC then). rc may be freed as soon as
 * the connection is resumed.
 */
static void
resume(struct reqctx *rc)
{
	struct rb_server *srv = rc->rc_srv;
	int slot = rc->rc_slot;

	MHD_resume_connection(rc->rc_req.req_conn);
	rb_gate_wake(srv->srv_gate, slot);
}

/*
 * On the slow-work pool: runs the handler, then wakes the connection.
 * The last thing a job does is resume(): rb_server_stop() waits for
 * every job before it stops the daemons.
 */
static void
run_slow(void *arg)
{
	struct reqctx *rc = arg;
	uint64_t pad = (uint64_t)rb_routes[rc->rc_req.req_route].rt_min_ms *
	    1000, spent;

	if (atomic_load(&rc->rc_srv->srv_draining)) {
		/* Queued when the server began to stop: the handler never
		   runs, so the answer tells nothing and waits for nothing. */
		answer_stopping(&rc->rc_req);
		rc->rc_ready = 1;
		resume(rc);
		return;
	}
	dispatch(rc->rc_srv, rc);
	/* Answers that could reveal whether an email, contract, invoice
	   or meter exists take the same time either way: the route's
	   minimum, well above what the work costs. */
	spent = now_us() - rc->rc_req.req_start_us;
	if (spent < pad)
		usleep((useconds_t)(pad - spent));
	rc->rc_ready = 1;
	resume(rc);
}

/* The peer's address as text ("127.0.0.1", "::1"). */
static void
client_ip(struct MHD_Connection *c, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rb_sockaddr_text(ci != NULL ? ci->client_addr : NULL, out, outlen);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct rb_server *srv = cls;
	const struct rb_config *cfg = srv->srv_site->site_cfg;
	struct reqctx *rc = *con_cls;
	struct rb_req *req = rc != NULL ? &rc->rc_req : NULL;
	struct rb_form_limits limits;
	enum rb_form_err ferr;
	char canon[2048];
	const char *clen;
	size_t max_body = (size_t)rb_config_int(cfg, RB_CFG_MAX_BODY_BYTES);

	(void)version;		/* the gate passes on 1.0 and 1.1 only */
	form_limits(cfg, &limits);
	if (rc == NULL)		/* on_uri always runs first */
		return MHD_NO;
	if (!rc->rc_started) {
		rc->rc_started = 1;
		req = &rc->rc_req;
		req->req_site = srv->srv_site;
		req->req_conn = c;
		req->req_start_us = now_us();
		req->req_method = method_of(method);
		req->req_method_name = rb_arena_strdup(req->req_arena, method);
		req->resp_fd = -1;
		req->resp_status = 200;
		rc->rc_conn = conn_hold(srv, conn_of(c));
		assert(rc->rc_conn == NULL || rc->rc_conn->cn_fd ==
		    MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd);
		/* The address, as text, of the connection's start. */
		_Static_assert(sizeof(req->req_ip) ==
		    sizeof(rc->rc_conn->cn_ip), "address text sizes");
		if (rc->rc_conn != NULL)
			memcpy(req->req_ip, rc->rc_conn->cn_ip,
			    sizeof(req->req_ip));
		else
			client_ip(c, req->req_ip, sizeof(req->req_ip));
		rb_client_addr_forwarded(c, rb_config_str(cfg,
		    RB_CFG_TRUSTED_PROXIES), req->req_ip, sizeof(req->req_ip));
		atomic_fetch_add(&srv->srv_inflight, 1);
		/* Our own decoding of the raw path: libmicrohttpd's decoded
		 * url stops at an encoded NUL. */
		if (rb_path_canon(rc->rc_raw_path, strlen(rc->rc_raw_path),
		    canon, sizeof(canon)) != 0) {
			rc->rc_bad_path = 1;
			req->req_path = rb_arena_strdup(req->req_arena, "-");
			req->req_route = ROUTE_NOT_FOUND;
		} else {
			req->req_path = rb_arena_strdup(req->req_arena, canon);
			req->req_route = rb_route_match(canon,
			    req->req_method, (int)rb_config_int(cfg,
			    RB_CFG_DEMO), &rc->rc_allowed);
		}
		if (rb_form_parse(req->req_arena, rc->rc_query,
		    strlen(rc->rc_query), &limits, &req->req_query,
		    &ferr) != 0)
			rc->rc_bad_query = 1;
		max_body = route_max_body(cfg, req->req_route);
		clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (clen != NULL && strtoull(clen, NULL, 10) > max_body) {
			/* Answer at once; the body is never read. */
			rc->rc_too_large = 1;
			dispatch(srv, rc);
			conn_set_waiting(srv, rc->rc_conn, 0);
			return send_response(c, rc);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		max_body = route_max_body(cfg, req->req_route);
		if (rc->rc_too_large ||
		    rc->rc_body.buf_len + *upload_size > max_body)
			rc->rc_too_large = 1;
		else
			rb_buf_append(&rc->rc_body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (rc->rc_ready)	/* resumed after a slow handler */
		return send_response(c, rc);
	conn_set_waiting(srv, rc->rc_conn, 0);
	if (req->req_route != ROUTE_NOT_FOUND &&
	    rb_routes[req->req_route].rt_slow && rc->rc_allowed &&
	    req->req_method == RB_POST &&
	    !rc->rc_too_large && !rc->rc_bad_path && !rc->rc_bad_query) {
		int queued = 0;

		rc->rc_srv = srv;
		rc->rc_slot = tl_slot;
		/* A connection is only suspended with a job behind it that
		   will resume it: once the server drains, none is queued. */
		pthread_mutex_lock(&srv->srv_slow_lock);
		if (!atomic_load(&srv->srv_draining)) {
			MHD_suspend_connection(c);
			rb_workq_submit(srv->srv_slow, run_slow, rc);
			queued = 1;
		}
		pthread_mutex_unlock(&srv->srv_slow_lock);
		if (queued)
			return MHD_YES;
		answer_stopping(req);
		return send_response(c, rc);
	}
	dispatch(srv, rc);
	return send_response(c, rc);
}

/* A time of day in UTC as text, formatted again only when the second
 * changes: each thread keeps its own (one per format). */
struct stamp {
	time_t	st_sec;
	char	st_text[40];
};

static const char *
stamp(struct stamp *st, const char *fmt)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now != st->st_sec || st->st_text[0] == '\0') {
		gmtime_r(&now, &tm);
		strftime(st->st_text, sizeof(st->st_text), fmt, &tm);
		st->st_sec = now;
	}
	return st->st_text;
}

/* The access line's time, "YYYY-MM-DDTHH:MM:SSZ". */
static const char *
log_stamp(void)
{
	static _Thread_local struct stamp tl_st;

	return stamp(&tl_st, "%Y-%m-%dT%H:%M:%SZ");
}

/* Appends " key=v" (v in decimal) to b. */
static void
log_int(rb_buf *b, const char *key, long long v)
{
	rb_buf_putc(b, ' ');
	rb_buf_puts(b, key);
	rb_buf_putc(b, '=');
	rb_buf_put_int(b, v);
}

/*
 * One access line for req, counted in the metrics. The fields that may
 * hold anything (method, path) go through rb_log_kv(); the others are
 * known to need no quoting and are appended as they are: one buffer,
 * one write.
 */
static void
access_log(const struct rb_req *req, size_t bytes, uint64_t us, int aborted)
{
	rb_buf line = RB_BUF_INIT;

	rb_metrics_observe(req->req_route, req->resp_status, us);
	rb_buf_reserve(&line, 128 + strlen(req->req_path));
	rb_buf_puts(&line, "ts=");
	rb_buf_puts(&line, log_stamp());
	rb_buf_puts(&line, " type=access");
	rb_log_kv(&line, "method", req->req_method_name);
	rb_log_kv(&line, "path", req->req_path);
	log_int(&line, "status", req->resp_status > 0 ? req->resp_status : 0);
	log_int(&line, "bytes", (long long)bytes);
	log_int(&line, "us", (long long)us);
	if (aborted)
		rb_buf_puts(&line, " aborted=1");
	rb_log_line_own(&line);
	rb_buf_free(&line);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct rb_server *srv = cls;
	struct reqctx *rc = *con_cls;
	struct rb_req *req;

	if (rc == NULL)
		return;
	req = &rc->rc_req;
	*con_cls = NULL;
	if (!rc->rc_started) {	/* cut before its headers were complete */
		rb_arena_free(req->req_arena);
		free(rc);
		return;
	}
	access_log(req, rc->rc_bytes, now_us() - req->req_start_us,
	    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	conn_release(srv, rc->rc_conn);
	rb_kept_drop(req->resp_kept);	/* never sent */
	if (req->resp_fd >= 0)
		close(req->resp_fd);
	if (req->req_db != NULL)
		rb_db_pool_put(srv->srv_site->site_db, req->req_db);
	rb_buf_free(&req->resp_body);
	rb_buf_free(&rc->rc_body);
	rb_arena_free(req->req_arena);
	free(rc);
	atomic_fetch_sub(&srv->srv_inflight, 1);
}

/* The "Date" of an answer. */
static const char *
http_date(void)
{
	static _Thread_local struct stamp tl_st;

	return stamp(&tl_st, "%a, %d %b %Y %H:%M:%S GMT");
}

/* The status line and the fields libmicrohttpd puts first, as it does. */
static void
status_line(rb_buf *out, int status, int close)
{
	rb_buf_append(out, "HTTP/1.1 ", 9);
	rb_buf_put_int(out, status);
	rb_buf_putc(out, ' ');
	rb_buf_puts(out, MHD_get_reason_phrase_for((unsigned)status));
	rb_buf_append(out, "\r\nDate: ", 8);
	rb_buf_puts(out, http_date());
	rb_buf_append(out, "\r\n", 2);
	if (close)
		rb_buf_puts(out, "Connection: close\r\n");
}

/* The field that ends a head, then its end. */
static void
content_length(rb_buf *out, unsigned long long len)
{
	rb_buf_append(out, "Content-Length: ", 16);
	rb_buf_put_int(out, (long long)len);
	rb_buf_append(out, "\r\n\r\n", 4);
}

/*
 * The gate's answer refusing a malformed request (gate.h): the error page
 * of every other answer (rb_resp_error(): French HTML, or JSON under
 * /api/), the same security headers, "Connection: close". The request is
 * known only by its target: no session, no database.
 */
static void
gate_refusal(void *arg, int status, const char *why, const char *target,
    const char *ip, int head, rb_buf *out)
{
	struct rb_server *srv = arg;
	struct rb_req req;

	(void)why;	/* logged by the gate */
	memset(&req, 0, sizeof(req));
	req.req_arena = rb_arena_new();
	req.req_site = srv->srv_site;
	req.req_start_us = now_us();
	req.req_method = head ? RB_HEAD : RB_OTHER;
	req.req_method_name = "-";
	req.req_path = target[0] == '/' ? rb_arena_strndup(req.req_arena,
	    target, strcspn(target, "?#")) : "-";
	req.req_route = ROUTE_NOT_FOUND;
	req.req_session_looked = req.req_archive_looked = 1;
	req.resp_fd = -1;
	snprintf(req.req_ip, sizeof(req.req_ip), "%s", ip);
	rb_resp_error(&req, status);
	rb_resp_header(&req, "Connection", "close");
	status_line(out, req.resp_status, 0);
	head_lines(out, &req);
	content_length(out, req.resp_body.buf_len);
	if (!head)
		rb_buf_append(out, req.resp_body.buf_data,
		    req.resp_body.buf_len);
	access_log(&req, head ? 0 : req.resp_body.buf_len,
	    now_us() - req.req_start_us, 0);
	if (tl_batch) {
		/* The gate sends this answer at once: its line first. */
		rb_log_batch_end();
		rb_log_batch_begin();
	}
	rb_buf_free(&req.resp_body);
	rb_arena_free(req.req_arena);
}

/* Whether the handler asked for the connection to end. */
static int
asks_close(const struct rb_req *req)
{
	int i;

	for (i = 0; i < req->resp_nhdr; i++)
		if (strcasecmp(req->resp_hdr_name[i], "Connection") == 0 &&
		    strcasecmp(req->resp_hdr_value[i], "close") == 0)
			return 1;
	return 0;
}

/*
 * Writes req's answer for the gate, as send_response() has
 * libmicrohttpd write it: the same status line, fields (in the same
 * order) and body. Returns the body's bytes, for the log.
 */
static size_t
direct_answer(struct rb_req *req, int close, struct rb_gate_answer *ans)
{
	rb_buf *out = ans->ga_out;
	int head = req->req_method == RB_HEAD, status = req->resp_status;
	struct rb_kept *k;
	size_t len;

	close = close && !handler_set(req, "Connection");
	if ((k = req->resp_kept) != NULL) {
		req->resp_kept = NULL;
		if (status == 200 && req->resp_nhdr == 0 &&
		    req->resp_fd < 0 && req->resp_type == NULL) {
			status_line(out, 200, close);
			rb_buf_append(out, k->k_head.buf_data,
			    k->k_head.buf_len);
			content_length(out, k->k_len);
			len = k->k_len;
			if (!head)
				rb_buf_append(out, k->k_body, len);
			rb_kept_drop(k);
			return head ? 0 : len;
		}
		rb_kept_drop(k);
	}
	status_line(out, status, close);
	head_lines(out, req);
	if (req->resp_fd >= 0) {
		content_length(out, req->resp_fd_size);
		if (head)
			return 0;
		ans->ga_fd = req->resp_fd;	/* the gate's now */
		ans->ga_fd_len = req->resp_fd_size;
		req->resp_fd = -1;
		return (size_t)ans->ga_fd_len;
	}
	/* libmicrohttpd 0.9.75 gives a 304 "Content-Length: 0" too. */
	len = req->resp_body.buf_len;
	content_length(out, len);
	if (head)
		return 0;
	rb_buf_append(out, req->resp_body.buf_data, len);
	return len;
}

/*
 * The gate's direct answer (gate.h, gh_direct): a GET or HEAD with no
 * body, on a connection that has passed libmicrohttpd nothing, is
 * answered here by the same code that answers through the library
 * (route, guards, handler, headers, access line, metrics), without the
 * round trip through the socketpair and the library's parsing: the
 * head was checked whole by the gate's scanner (reqscan.c). A request
 * that needs more (a body, the slow pool, a head this reader does not
 * take) goes to the library, and so does every later one of its
 * connection. The connection's timers go on as if the library had
 * answered: the request deadline (reaper) and the idle timeout
 * (restarted, at most once a second).
 */
static int
gate_direct(void *arg, int slot, void *cookie, const char *head,
    size_t len, const char *ip, int last, struct rb_gate_answer *ans)
{
	struct rb_server *srv = arg;
	const struct rb_config *cfg = srv->srv_site->site_cfg;
	struct conn *cn = cookie;
	struct MHD_Connection *mc;
	struct rb_form_limits limits;
	enum rb_form_err ferr;
	struct reqctx rc;
	struct rb_req *req = &rc.rc_req;
	struct rb_head h;
	char canon[2048];
	const char *q;
	uint64_t now;
	size_t plen, bytes;
	int ends;

	if (!srv->srv_direct || atomic_load(&srv->srv_draining) ||
	    atomic_load(&srv->srv_closed))
		return 0;
	pthread_mutex_lock(&srv->srv_lock);
	mc = cn->cn_fd >= 0 && !cn->cn_cut ? cn->cn_mhd : NULL;
	pthread_mutex_unlock(&srv->srv_lock);
	if (mc == NULL)
		return 0;
	memset(&rc, 0, sizeof(rc));
	req->req_arena = rb_arena_new();
	if (rb_head_parse(req->req_arena, head, len, &h) != 0 ||
	    (strcmp(h.rh_method, "GET") != 0 &&
	    strcmp(h.rh_method, "HEAD") != 0) || h.rh_target[0] != '/') {
		rb_arena_free(req->req_arena);
		return 0;
	}
	tl_slot = slot;
	req->req_site = srv->srv_site;
	req->req_head = &h;
	req->req_start_us = now_us();
	req->req_method = method_of(h.rh_method);
	req->req_method_name = h.rh_method;
	req->resp_fd = -1;
	req->resp_status = 200;
	snprintf(req->req_ip, sizeof(req->req_ip), "%s", ip);
	rb_client_addr_forwarded_head(&h, rb_config_str(cfg,
	    RB_CFG_TRUSTED_PROXIES), req->req_ip, sizeof(req->req_ip));
	atomic_fetch_add(&srv->srv_inflight, 1);
	plen = strcspn(h.rh_target, "?#");
	q = strchr(h.rh_target, '?');
	rc.rc_raw_path = rb_arena_strndup(req->req_arena, h.rh_target, plen);
	rc.rc_query = rb_arena_strndup(req->req_arena, q != NULL ? q + 1 : "",
	    q != NULL ? strcspn(q + 1, "#") : 0);
	form_limits(cfg, &limits);
	if (rb_path_canon(rc.rc_raw_path, plen, canon, sizeof(canon)) != 0) {
		rc.rc_bad_path = 1;
		req->req_path = "-";
		req->req_route = ROUTE_NOT_FOUND;
	} else {
		req->req_path = rb_arena_strdup(req->req_arena, canon);
		req->req_route = rb_route_match(canon, req->req_method,
		    (int)rb_config_int(cfg, RB_CFG_DEMO), &rc.rc_allowed);
	}
	if (rb_form_parse(req->req_arena, rc.rc_query, strlen(rc.rc_query),
	    &limits, &req->req_query, &ferr) != 0)
		rc.rc_bad_query = 1;

	if (!tl_batch) {
		rb_log_batch_begin();
		rb_req_run_begin();
	}
	dispatch(srv, &rc);
	ends = last || asks_close(req);
	bytes = direct_answer(req, ends, ans);
	ans->ga_close = ends;
	/* The line is written before the gate sends the answer. */
	access_log(req, bytes, now_us() - req->req_start_us, 0);
	rb_metrics_direct();
	if (req->resp_fd >= 0)
		close(req->resp_fd);
	if (req->req_db != NULL)
		rb_db_pool_put(srv->srv_site->site_db, req->req_db);
	if (!tl_batch) {
		rb_req_run_end();
		rb_log_batch_end();
	}
	rb_buf_free(&req->resp_body);
	rb_arena_free(req->req_arena);
	atomic_fetch_sub(&srv->srv_inflight, 1);

	now = now_us();
	pthread_mutex_lock(&srv->srv_lock);
	cn->cn_waiting = 1;
	cn->cn_since_us = now;
	mc = cn->cn_fd >= 0 && now - cn->cn_idle_us >= 1000000 ?
	    cn->cn_mhd : NULL;
	if (mc != NULL)
		cn->cn_idle_us = now;
	pthread_mutex_unlock(&srv->srv_lock);
	if (mc != NULL) {
		/* A timeout set again after none restarts the timer. */
		MHD_set_connection_option(mc, MHD_CONNECTION_OPTION_TIMEOUT,
		    0u);
		MHD_set_connection_option(mc, MHD_CONNECTION_OPTION_TIMEOUT,
		    (unsigned)rb_config_int(cfg, RB_CFG_IDLE_TIMEOUT));
	}
	return 1;
}

/*
 * A batch of the gate thread's events (gate.h, gh_batch): the direct
 * answers made in it share one session read transaction (session.h,
 * rb_req_run_begin(): a write of this process since its snapshot takes
 * a new one) and one write of their access lines, before the gate
 * sends them.
 */
static void
gate_batch(void *arg, int slot, int begin)
{
	(void)arg;
	(void)slot;
	if (begin) {
		rb_log_batch_begin();
		rb_req_run_begin();
		tl_batch = 1;
	} else {
		tl_batch = 0;
		rb_req_run_end();
		rb_log_batch_end();
	}
}

/* The gate is done with a connection's record (gate_add()). */
static void
gate_release(void *arg, void *cookie)
{
	struct rb_server *srv = arg;
	struct conn *cn = cookie;

	pthread_mutex_lock(&srv->srv_lock);
	if (--cn->cn_refs == 0)
		free(cn);
	pthread_mutex_unlock(&srv->srv_lock);
}

/* Hands the server's end of a connection from the gate to the daemon of
 * the gate thread calling, which calls on_accept() first. */
static int
gate_add(void *arg, int slot, int fd, const struct sockaddr *addr,
    socklen_t addrlen, void **cookie)
{
	struct rb_server *srv = arg;
	struct ipcount *ic;

	tl_reserved[0] = '\0';
	tl_slot = slot;
	tl_started = NULL;
	*cookie = NULL;
	if (MHD_add_connection(srv->srv_mhd[slot], fd, addr, addrlen) ==
	    MHD_YES) {
		/* The library notifies a connection's start within the
		   call (no thread of its own): the gate holds its record
		   from now on (gate_release()). */
		if (tl_started != NULL) {
			*cookie = conn_hold(srv, tl_started);
			tl_started = NULL;
		}
		return 0;
	}
	if (tl_reserved[0] != '\0') {
		/* Accepted by on_accept(), then refused by the library
		   (memory, global limit): no start notification will come. */
		pthread_mutex_lock(&srv->srv_ip_lock);
		if ((ic = ip_entry(srv, tl_reserved, 0)) != NULL) {
			if (ic->ic_pending > 0)
				ic->ic_pending--;
			ip_forget(srv, tl_reserved);
		}
		pthread_mutex_unlock(&srv->srv_ip_lock);
	}
	return -1;
}

/* The daemon's epoll set: readable when it has work. */
static int
gate_fd(void *arg, int slot)
{
	struct rb_server *srv = arg;
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(srv->srv_mhd[slot],
	    MHD_DAEMON_INFO_EPOLL_FD);
	return di != NULL ? di->epoll_fd : -1;
}

/*
 * Runs the daemon without waiting; the time until it must run again.
 * The access lines of the requests it answers in this run are written
 * together when it returns (one write(2) instead of one per request),
 * before the gate reads the answers and passes them on: a client never
 * holds an answer whose line is not written yet. The session lookups
 * of the run share one read transaction, ended with the run
 * (rb_req_run_begin(), session.h).
 */
static long
gate_run(void *arg, int slot)
{
	struct rb_server *srv = arg;
	MHD_UNSIGNED_LONG_LONG ms;

	tl_slot = slot;
	rb_log_batch_begin();
	rb_req_run_begin();
	MHD_run(srv->srv_mhd[slot]);
	rb_req_run_end();
	rb_log_batch_end();
	if (MHD_get_timeout(srv->srv_mhd[slot], &ms) != MHD_YES)
		return -1;
	return ms > 1000000 ? 1000000 : (long)ms;
}

static void
gate_stop(void *arg, int slot)
{
	struct rb_server *srv = arg;

	MHD_stop_daemon(srv->srv_mhd[slot]);
	srv->srv_mhd[slot] = NULL;
}

/*
 * libmicrohttpd's messages: most are about what a client did (refused
 * past the connection limits, malformed requests), so they go through
 * the aggregator, which writes a few lines per interval at most.
 */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	/* The library's connections are the gate's Unix socketpairs, not
	   TCP: 0.9.75 takes the EOPNOTSUPP of its TCP_NODELAY and TCP_CORK
	   calls for a fault (sockopt.c turns it into the ENOPROTOOPT it
	   understands; these stay dropped should a call still fail). The
	   gate sets TCP_NODELAY on the client's socket itself. */
	if (strncmp(fmt, "Setting %s option to %s state failed: ", 38) == 0 ||
	    strncmp(fmt, "Failed to push the data from buffers", 36) == 0)
		return;
	rb_log_rlv(RB_LOG_WARN, "libmicrohttpd", NULL, fmt, ap);
}

/*
 * libmicrohttpd calls this on an internal inconsistency, then expects no
 * return: say where and why in our log, then abort as it would.
 */
static void
on_mhd_panic(void *cls, const char *file, unsigned int line,
    const char *reason)
{
	char msg[512];
	size_t n;

	(void)cls;
	snprintf(msg, sizeof(msg), "%s", reason != NULL ? reason : "-");
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	rb_log(RB_LOG_ERROR, "libmicrohttpd", "panic at %s:%u: %s",
	    file != NULL ? file : "-", line, msg);
	abort();
}

/* Keeps the connection limit below the file-descriptor limit. */
static unsigned
fd_safe_limit(unsigned want)
{
	struct rlimit rl;
	unsigned cap;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Each connection may hold the client's socket, the gate's
	 * socketpair and a static file; keep 64 spare for the database, logs,
	 * the listening socket and the epoll sets of the gate and of the
	 * daemons. */
	cap = rl.rlim_cur > 256 ? (unsigned)((rl.rlim_cur - 64) / 4) : 48;
	if (want > cap) {
		log_warnx("max_connections %u lowered to %u to stay under "
		    "the limit of %llu open files", want, cap,
		    (unsigned long long)rl.rlim_cur);
		return cap;
	}
	return want;
}

/* The listening socket on sa, or -1 with errno set. */
static int
listen_on(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd, one = 1, e;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) != 0 ||
	    listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct rb_server *
rb_server_open(const struct rb_site *site, char *err, size_t errlen)
{
	const struct rb_config *cfg = site->site_cfg;
	const char *listen = rb_config_str(cfg, RB_CFG_LISTEN);
	struct sockaddr_in sa;
	struct rb_server *srv;
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t hl = (size_t)(colon - listen);
	unsigned limit;
	int lfd, threads, i;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "listen: bad address %s", host);
		return NULL;
	}
	if ((lfd = listen_on(&sa)) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen,
		    strerror(errno));
		return NULL;
	}
	srv = rb_xcalloc(1, sizeof(*srv));
	srv->srv_port = ntohs(sa.sin_port);
	srv->srv_site = site;
	srv->srv_request_timeout_us =
	    (uint64_t)rb_config_int(cfg, RB_CFG_REQUEST_TIMEOUT) * 1000000;
	pthread_mutex_init(&srv->srv_lock, NULL);
	pthread_mutex_init(&srv->srv_slow_lock, NULL);
	pthread_mutex_init(&srv->srv_ip_lock, NULL);
	srv->srv_per_ip = (unsigned)rb_config_int(cfg,
	    RB_CFG_MAX_CONNECTIONS_PER_IP);
	srv->srv_direct = (int)rb_config_int(cfg, RB_CFG_DIRECT_ANSWERS);
	pthread_cond_init(&srv->srv_reaper_cv, NULL);
	MHD_set_panic_func(on_mhd_panic, NULL);
	/* Slow work runs at the lowest priority (nice 19): a sign-in storm
	   takes the CPU the page threads leave, never the other way round
	   (docs/performance.md, "Sign-in storm"). */
	srv->srv_slow = rb_workq_new((int)rb_config_int(cfg,
	    RB_CFG_SLOW_WORKERS), 19);
	/* The gate owns the listening socket; the library only gets
	   connections through MHD_add_connection(), which still asks
	   on_accept() (daemon.c, new_connection_prepare_). One daemon per
	   gate thread, with no thread of its own: the gate thread runs it
	   from its epoll loop (gate.h), so that a request passed on is
	   answered by the thread that read it. The connection limit is
	   the gate's, over all threads (rb_gate_start()): a daemon may
	   hold them all, so that a burst accepted unevenly, or a close a
	   daemon has not seen yet, never refuses a connection under the
	   limit. */
	threads = (int)rb_config_int(cfg, RB_CFG_THREADS);
	limit = fd_safe_limit((unsigned)rb_config_int(cfg,
	    RB_CFG_MAX_CONNECTIONS));
	srv->srv_nmhd = threads;
	srv->srv_mhd = rb_xcalloc((size_t)threads, sizeof(*srv->srv_mhd));
	srv->srv_max_conns = limit;
	for (i = 0; i < threads; i++) {
		srv->srv_mhd[i] = MHD_start_daemon(
		    MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
		    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET,
		    0, on_accept, srv, on_request, srv,
		    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		    MHD_OPTION_CONNECTION_LIMIT, limit,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)
			rb_config_int(cfg, RB_CFG_IDLE_TIMEOUT),
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)
			rb_config_int(cfg, RB_CFG_MAX_HEADER_BYTES) + 16384,
		    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		    /* Host and the request-target are checked by the gate,
		       whose answer carries the security headers; the
		       library's own Host check sends its 400 twice
		       (0.9.75). */
		    MHD_OPTION_STRICT_FOR_CLIENT, (int)0,
		    MHD_OPTION_END);
		if (srv->srv_mhd[i] == NULL)
			break;
	}
	if (i < threads) {
		snprintf(err, errlen, "cannot serve on %s: %s", listen,
		    errno ? strerror(errno) : "libmicrohttpd refused");
		while (i-- > 0)
			MHD_stop_daemon(srv->srv_mhd[i]);
		free(srv->srv_mhd);
		close(lfd);
		rb_workq_free(srv->srv_slow);
		pthread_mutex_destroy(&srv->srv_lock);
		pthread_mutex_destroy(&srv->srv_slow_lock);
		pthread_mutex_destroy(&srv->srv_ip_lock);
		pthread_cond_destroy(&srv->srv_reaper_cv);
		free(srv);
		return NULL;
	}
	srv->srv_lfd = lfd;
	return srv;
}

void
rb_server_accept(struct rb_server *srv)
{
	const struct rb_config *cfg = srv->srv_site->site_cfg;
	struct rb_gate_hooks hooks;
	int threads = (int)rb_config_int(cfg, RB_CFG_THREADS);

	if (srv->srv_gate != NULL)
		return;
	hooks.gh_arg = srv;
	hooks.gh_add = gate_add;
	hooks.gh_fd = gate_fd;
	hooks.gh_run = gate_run;
	hooks.gh_stop = gate_stop;
	hooks.gh_refusal = gate_refusal;
	hooks.gh_direct = gate_direct;
	hooks.gh_release = gate_release;
	hooks.gh_batch = gate_batch;
	pthread_create(&srv->srv_reaper, NULL, reaper, srv);
	/* Sessions and the pages' data kept in memory, where the engine
	   tells of the writes that make them stale (app/sesscache.h,
	   app/pagecache.h; PostgreSQL only): one listener for both. */
	rb_sesscache_allow((int)rb_config_int(cfg, RB_CFG_SESSION_CACHE));
	rb_pagecache_allow((int)rb_config_int(cfg, RB_CFG_DATA_CACHE));
	if ((rb_config_int(cfg, RB_CFG_SESSION_CACHE) ||
	    rb_config_int(cfg, RB_CFG_DATA_CACHE)) &&
	    rb_sesscache_start(rb_config_str(cfg, RB_CFG_DB)) != 0)
		log_warnx("session and data caches off: their listener did "
		    "not start");
	/* Said before the first connection can be answered. */
	log_info("accepting connections on port %d as uid %lu",
	    srv->srv_port, (unsigned long)geteuid());
	/* One gate thread per daemon: it relays and answers. */
	srv->srv_gate = rb_gate_start(srv->srv_lfd, threads,
	    (size_t)rb_config_int(cfg, RB_CFG_MAX_HEADER_BYTES),
	    (int)srv->srv_max_conns, &hooks);
}

struct rb_server *
rb_server_start(const struct rb_site *site, char *err, size_t errlen)
{
	struct rb_server *srv;

	if ((srv = rb_server_open(site, err, errlen)) != NULL)
		rb_server_accept(srv);
	return srv;
}

int
rb_server_port(const struct rb_server *srv)
{
	return srv->srv_port;
}

int
rb_server_add_connection(struct rb_server *srv, int fd,
    const struct sockaddr *addr, socklen_t addrlen)
{
	rb_gate_add(srv->srv_gate, fd, addr, addrlen);
	return 0;
}

/* Waits up to deadline (monotonic µs) for the requests in flight. */
static int
wait_inflight(struct rb_server *srv, uint64_t deadline)
{
	int left;

	while ((left = atomic_load(&srv->srv_inflight)) > 0 &&
	    now_us() < deadline)
		usleep(10000);
	return left;
}

/*
 * Stops in an order where nothing touches a stopped daemon, and where
 * libmicrohttpd never finds a suspended connection at its stop (it
 * panics on one): no new connection; requests in flight get the grace
 * period; then no new slow job, and every slow job runs to its end,
 * those not yet started answering 503 at once, so that each suspended
 * connection has been resumed; their answers get a short while to
 * leave; only then does the daemon stop.
 */
void
rb_server_stop(struct rb_server *srv, int grace_s)
{
	uint64_t deadline = now_us() + (uint64_t)grace_s * 1000000;
	struct ipcount *ic;
	int left, i;

	/* No new connection from here on: the gate shuts the listening
	   socket down at once, so that connections are refused rather than
	   queued, and hands none to the daemon once this returns; the
	   socket is closed with the gate. (The library never had it: with
	   a pool of epoll threads 0.9.75's quiesce races with the workers
	   and panics, "Failed to remove listen FD from epoll set",
	   daemon.c:5531.) */
	atomic_store(&srv->srv_closed, 1);
	if (srv->srv_gate == NULL) {	/* opened, never accepted */
		close(srv->srv_lfd);
		rb_workq_free(srv->srv_slow);
		for (i = 0; i < srv->srv_nmhd; i++)
			MHD_stop_daemon(srv->srv_mhd[i]);
		goto freed;
	}
	rb_gate_close_listener(srv->srv_gate);
	if ((left = wait_inflight(srv, deadline)) > 0)
		log_warnx("%d request(s) still in flight after %d s", left,
		    grace_s);
	pthread_mutex_lock(&srv->srv_slow_lock);
	atomic_store(&srv->srv_draining, 1);
	pthread_mutex_unlock(&srv->srv_slow_lock);
	rb_workq_free(srv->srv_slow);
	srv->srv_slow = NULL;
	wait_inflight(srv, now_us() + 1000000);
	pthread_mutex_lock(&srv->srv_lock);
	srv->srv_stopping = 1;
	pthread_cond_signal(&srv->srv_reaper_cv);
	pthread_mutex_unlock(&srv->srv_lock);
	pthread_join(srv->srv_reaper, NULL);
	/* Each gate thread stops its daemon (they run in no other
	   thread), which closes its ends; the gate relays what they said
	   for a last second. */
	rb_gate_stop_servers(srv->srv_gate);
	rb_gate_stop(srv->srv_gate, 1000);
freed:
	rb_sesscache_stop();
	for (i = 0; i < IP_BUCKETS; i++)	/* empty unless a close was
						   never notified */
		while ((ic = srv->srv_ips[i]) != NULL) {
			srv->srv_ips[i] = ic->ic_next;
			free(ic);
		}
	pthread_mutex_destroy(&srv->srv_lock);
	pthread_mutex_destroy(&srv->srv_slow_lock);
	pthread_mutex_destroy(&srv->srv_ip_lock);
	pthread_cond_destroy(&srv->srv_reaper_cv);
	free(srv->srv_mhd);
	free(srv);
	rb_log_rl_flush(1);
}
