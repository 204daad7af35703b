/*
 * http.h: what a page handler sees of a request and how it answers.
 *
 * A request owns an arena (req_arena) freed as soon as its response is
 * done: everything a handler allocates for the request comes from there.
 * Handlers never talk to libmicrohttpd; server.c does.
 */
#ifndef RB_HTTP_H
#define RB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/form.h"
#include "base/multipart.h"
#include "cookies.h"

struct rb_tmpl_set;
struct rb_db_pool;
struct rb_db;
struct rb_session;
struct rb_archive_visit;
struct rb_auth_cfg;
struct rb_agent;
struct rb_head;

enum rb_method {
	RB_GET,
	RB_HEAD,
	RB_POST,
	RB_OTHER,
	RB_METHOD__MAX
};

/* Everything shared by all requests, read-only once serving starts. */
struct rb_site {
	const struct rb_config	*site_cfg;
	struct rb_tmpl_set	*site_tmpl;
	struct rb_db_pool	*site_db;
	unsigned		 site_tmpl_flags;	/* RB_TMPL_STRICT in tests */
	const struct rb_auth_cfg *site_auth;
	enum rb_cookie_mode	 site_cookies;	/* decided at start-up */
	struct rb_home_cache	*site_home;	/* homecache.h */
};

#define RB_MAX_RESP_HEADERS	12

struct rb_req {
	rb_arena		*req_arena;
	const struct rb_site	*req_site;
	enum rb_method		 req_method;
	const char		*req_method_name;
	const char		*req_path;	/* canonical, decoded */
	struct rb_form		 req_query;
	struct rb_form		 req_body;	/* url-encoded POST bodies */
	struct rb_uploads	 req_files;	/* files of a multipart POST
						   (routes with rt_upload) */
	int			 req_route;	/* index in the route table */
	void			*req_conn;	/* struct MHD_Connection, or */
	const struct rb_head	*req_head;	/* the head the gate thread
						   answers itself (server.c,
						   gate_direct()) */
	uint64_t		 req_start_us;
	char			 req_ip[48];	/* client address, text */

	/* Filled lazily by session.c, released when the request ends. */
	struct rb_db		*req_db;	/* from the pool */
	int			 req_db_failed;	/* the pool gave none */
	int			 req_db_down;	/* a session or archive
						   visit lookup failed in
						   the database: 503 */
	struct rb_session	*req_session;	/* signed in, or NULL */
	int			 req_session_looked;
	struct rb_archive_visit	*req_archive;	/* archive visitor, or NULL */
	int			 req_archive_looked;
	const char		*req_csrf;	/* token for this page's forms */
	struct rb_agent		*req_agent;	/* back office: signed-in agent,
						   or NULL */
	int			 req_agent_looked;

	/* The response, filled by the handler. */
	int			 resp_status;
	const char		*resp_type;	/* Content-Type */
	rb_buf			 resp_body;
	int			 resp_fd;	/* static file, or -1 */
	uint64_t		 resp_fd_size;
	const char		*resp_hdr_name[RB_MAX_RESP_HEADERS];
	const char		*resp_hdr_value[RB_MAX_RESP_HEADERS];
	int			 resp_nhdr;
	int			 resp_failed;	/* a form was refused: the
						   title says "Erreur : " */
	struct rb_kept		*resp_kept;	/* rb_resp_kept(), or NULL */
};

/* A request header's value, or NULL. */
const char	*rb_req_header(const struct rb_req *req, const char *name);
/* A cookie's value, or NULL. */
const char	*rb_req_cookie(const struct rb_req *req, const char *name);
/*
 * The request's database connection, taken from the pool at the first
 * call and returned when the request ends. When the pool cannot give one
 * (database unreachable), answers 503 (the French error page, or JSON
 * under /api/) with Retry-After and returns NULL: the caller returns at
 * once. The server calls it before the handler of every route that uses
 * the database, so a handler's own calls find the connection there.
 */
struct rb_db	*rb_req_db(struct rb_req *req);
/* Seconds a client is asked to wait when the database is unreachable. */
#define RB_DB_RETRY_AFTER	"10"
/* Adds a response header; name and value must outlive the request. */
void		 rb_resp_header(struct rb_req *req, const char *name,
		    const char *value);
/*
 * Renders template `name` (a page that extends the layout) with data into
 * the response as text/html. Takes ownership of data. On a template
 * error, logs it and answers the 500 page instead.
 */
void		 rb_resp_page(struct rb_req *req, int status, const char *name,
		    json_t *data);
/*
 * As rb_resp_page(), with the C struct row of desc on top of data
 * (tmpl/mustache.h, rb_tmpl_render_row()): a list of many items written
 * from C structs. row must live until the call returns.
 */
struct rb_tmpl_desc;
void		 rb_resp_page_row(struct rb_req *req, int status,
		    const char *name, json_t *data,
		    const struct rb_tmpl_desc *desc, const void *row);
/*
 * Renders template name, a part of a page that does not extend the
 * layout (a page's content kept as HTML, app/pagefrag.h), with data
 * (an object, taken: its "site" member is set to the layout's site
 * block, then it is released; a caller whose data is shared passes a
 * copy), appended to out, strict as pages are. Returns 0, or -1 with
 * the error logged.
 */
int		 rb_resp_fragment(struct rb_req *req, const char *name,
		    json_t *data, rb_buf *out);
/* The same with the C struct row of desc on top of data, as
   rb_resp_page_row(). */
int		 rb_resp_fragment_row(struct rb_req *req, const char *name,
		    json_t *data, const struct rb_tmpl_desc *desc,
		    const void *row, rb_buf *out);
/* Bytes the layout adds around a page's content (some 5,500 with the
   menu signed in), for a page reserving its answer's room at once. */
#define RB_LAYOUT_ROOM	8192
/*
 * A whole answer kept between requests (the anonymous home page): made
 * once from what a handler filled in, it is sent again as it is, its
 * headers built once, with no copy of its body. Reference counted:
 * every holder drops its reference; the last drop frees it once no
 * answer in flight still sends it.
 */
struct rb_kept;
/*
 * A kept answer made of req's status 200, Content-Type, headers and body
 * (the server's security headers added), with one reference, the
 * caller's; NULL when req holds anything else (a file, another status).
 */
struct rb_kept	*rb_kept_new(const struct rb_req *req);
/* One more reference on k (returned). */
struct rb_kept	*rb_kept_hold(struct rb_kept *k);
/* Drops one reference on k; NULL is ignored. */
void		 rb_kept_drop(struct rb_kept *k);
/*
 * Answers req with k, taking over the caller's reference. The server
 * sends k when the answer is still a 200 with no header added after this
 * call; otherwise (e.g. a 503 set afterwards) it drops k and sends what
 * req then holds.
 */
void		 rb_resp_kept(struct rb_req *req, struct rb_kept *k);
/* Answers the French error page for status (404, 405, 413, 500…). */
void		 rb_resp_error(struct rb_req *req, int status);
/*
 * Answers an error of status with a French title and message (static
 * strings; both NULL: the status's own, as rb_resp_error()) for people,
 * and code for programs: JSON {"error": {"code", "message"}} under
 * /api/ or when the request's Accept names application/json and not
 * text/html; else the error page.
 */
void		 rb_resp_error_text(struct rb_req *req, int status,
		    const char *code, const char *title, const char *message);
/*
 * Answers the 400 page titled with what went wrong (title, e.g.
 * "Numéro de contrat non valide") and a sentence saying what to change
 * (message); both static or arena text. For programs, the JSON error
 * (as rb_resp_error_text()).
 */
void		 rb_resp_bad_request(struct rb_req *req, const char *title,
		    const char *message);
/* Plain text answer (for machines: /healthz, /metrics). */
void		 rb_resp_text(struct rb_req *req, int status, const char *type,
		    const char *text);
/* Redirect (303 See Other) to a local path. */
void		 rb_resp_redirect(struct rb_req *req, const char *path);
/*
 * JSON answer (the API): serialises data (taken; NULL or unserialisable
 * gives a 500 error body) as application/json with Cache-Control:
 * no-store.
 */
void		 rb_resp_json(struct rb_req *req, int status, json_t *data);
/*
 * JSON error {"error": {"code", "message"[, "parameter"]}}: code and
 * message (French) default to the status's when NULL; parameter, when
 * not NULL, names the query parameter at fault. Under /api/,
 * rb_resp_error() answers this instead of an HTML page.
 */
void		 rb_resp_json_error(struct rb_req *req, int status,
		    const char *code, const char *message,
		    const char *parameter);

#endif
