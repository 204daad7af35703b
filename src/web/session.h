/*
 * session.h: who is signed in, and forms that cannot be forged.
 *
 * The session cookie is `__Host-robinet` (Secure, HttpOnly,
 * SameSite=Lax, Path=/): an opaque token whose hash the server keeps.
 * Every form carries a `csrf` field: for a signed-in visitor, the
 * session's CSRF secret; otherwise the value of a `__Host-robinet-csrf`
 * cookie set when the form is first shown (double submit). A POST whose
 * field does not match, or whose Origin is foreign, is refused with 403.
 * A browser where an identifier was proved keeps a device cookie
 * (`__Host-robinet-appareil`), which spares it other people's failures.
 * Names and Secure follow the cookie mode (cookies.h): on the demo's
 * loopback http, `robinet`, `robinet-csrf`... without Secure.
 */
#ifndef RB_WEB_SESSION_H
#define RB_WEB_SESSION_H

#include "app/auth.h"
#include "http.h"

struct rb_scope;		/* store/scope.h */

/* The cookies (cookies.h): RB_COOKIE_SESSION, RB_COOKIE_CSRF,
 * RB_COOKIE_ARCHIVE; the device cookie RB_COOKIE_DEVICE
 * (app/auth_limit.c) is set after a sign-in, archive opening or claim
 * succeeds and lasts device_ttl seconds. */

/* The value of cookie c as this request sent it (the name of the
 * server's cookie mode), or NULL. */
const char *rb_req_cookie_of(const struct rb_req *req, enum rb_cookie c);

/*
 * The back office (docs/backoffice.md): every path that is "/agent" or
 * starts with "/agent/". There, the agent cookie (RB_COOKIE_AGENT) is
 * the only session: rb_req_session() answers NULL whatever the
 * subscriber cookie says, and forms carry the agent session's CSRF
 * secret (the double-submit cookie before sign-in). Elsewhere the agent
 * cookie is ignored: rb_req_agent() answers NULL.
 */
#define RB_BACKOFFICE_PATH	"/agent"

/* 1 when the request's path is in the back office. */
int	rb_req_in_backoffice(const struct rb_req *req);
/* The signed-in agent of a back-office request, or NULL (outside the
 * back office, without a valid agent session, or without a database
 * connection); looked up once per request. */
const struct rb_agent *rb_req_agent(struct rb_req *req);
/* Sends the agent cookie of a new agent session (ag_cookie). */
void	rb_req_agent_start(struct rb_req *req, const struct rb_agent *a);
/* Clears the agent cookie. */
void	rb_req_agent_clear(struct rb_req *req);
/* The data_key setting as a key (TOTP secrets, IBANs): 0, or -1 when it
 * is unset or malformed (logged). */
int	rb_req_data_key(struct rb_req *req, unsigned char key[32]);

/* The use-case request for this HTTP request (db, config, now, ip); its
 * db is NULL only when rb_req_db() answered 503. */
void	rb_req_auth(struct rb_req *req, struct rb_auth_req *out);
/* The signed-in session, or NULL (also without a database connection);
 * looked up once per request. When the database fails during the
 * lookup (as rb_req_agent()'s), rb_req_db_down() is then 1: the route
 * guard or the server answers 503 with Retry-After (the cookie kept,
 * never a redirect to sign-in). */
const struct rb_session *rb_req_session(struct rb_req *req);

/*
 * The session lookups of one run of a gate thread's daemon share one
 * read transaction (SQLite: the WAL's read lock taken and released once
 * per run instead of once per request). server.c brackets each run
 * with rb_req_run_begin() and rb_req_run_end(); in between,
 * rb_req_session() reads in rb_req_run_db()'s connection, taken from
 * the pool at the first lookup of the run (never waiting for one) and
 * held by the run, not by a request: nothing but those reads runs on
 * it. Its snapshot is taken again when this process made a write
 * visible since (rb_db_writes(): a sign-out answered earlier in the
 * same run, another thread's sign-in or revocation), and ends with the
 * run, before the gate passes any answer of the run on. A request of
 * the run arrived before the run began, so a write made elsewhere
 * (another server) that it must see, having been answered before the
 * request was sent, is in the snapshot. Only gate threads run it: a
 * slow handler, on the worker pool, looks its session up as before.
 * The session's touch or deletion is written on the request's own
 * connection (rb_auth_session()). Engines where sharing saves nothing
 * (rb_db_shares_reads() 0: PostgreSQL) never get the connection.
 *
 * rb_req_run_db() returns the run's connection inside its read
 * transaction, or NULL outside a run, without a connection to spare,
 * or when sharing saves nothing (the caller reads on its own).
 */
void	 rb_req_run_begin(void);
struct rb_db *rb_req_run_db(const struct rb_site *site);
void	 rb_req_run_end(void);
/* Answers 503 "come back shortly" (French page, JSON under /api/) with
 * Retry-After: the database could not serve this request. */
void	rb_req_db_unavailable(struct rb_req *req);
/* 1 when a session or archive visit lookup of this request failed in
 * the database. */
int	rb_req_db_down(const struct rb_req *req);
/* The token to put in this page's forms (sets the cookie if needed). */
const char *rb_req_csrf(struct rb_req *req);
/* What rb_req_csrf_check() found. */
enum rb_csrf_verdict {
	RB_CSRF_OK = 0,
	RB_CSRF_FOREIGN_ORIGIN,	/* Origin names another site */
	RB_CSRF_NO_COOKIE,	/* a token, but none of our cookies came
				   back: the browser refuses them */
	RB_CSRF_BAD_TOKEN,	/* no token, or not the expected one */
};
/* RB_CSRF_OK (0) when the POST carries the right token and no foreign
 * Origin; otherwise why not. */
enum rb_csrf_verdict rb_req_csrf_check(struct rb_req *req);
/*
 * Answers the 403 of a refused form (v != RB_CSRF_OK): for
 * RB_CSRF_NO_COOKIE a French page saying that cookies must be allowed
 * for this site and what to do; otherwise the usual 403 page. Programs
 * (rb_resp_error_text) get the codes "cookies_required",
 * "foreign_origin" and "csrf_token_invalid".
 */
void	rb_resp_csrf_refused(struct rb_req *req, enum rb_csrf_verdict v);
/* Sends the session cookie for a new session (rotation at sign-in). */
void	rb_req_session_start(struct rb_req *req, const struct rb_session *s);
/* Sends the device cookie token when not "" (after a success). */
void	rb_req_device_cookie(struct rb_req *req, const char *token);
/* Clears the session cookie. */
void	rb_req_session_clear(struct rb_req *req);
/* The archive visit of this request (cookie RB_COOKIE_ARCHIVE), or
 * NULL; looked up once per request. A lookup that fails in the
 * database makes rb_req_db_down() 1, as rb_req_session()'s does. */
const struct rb_archive_visit *rb_req_archive(struct rb_req *req);
/* Sends the cookie of a new archive visit, or clears it (NULL). */
void	rb_req_archive_cookie(struct rb_req *req, const char *value);
/*
 * Whose data this request may see (see store/scope.h): the signed-in
 * account, or an archive visitor; fills *scope and returns 0. Routes
 * that call it declare RB_NEED_SCOPE (routes.h), whose guard sends a
 * visitor with neither to /connexion before the handler runs; should
 * an unguarded route call it without either, it answers 500 and
 * returns -1.
 */
int	rb_req_scope(struct rb_req *req, struct rb_scope *scope);

#endif
