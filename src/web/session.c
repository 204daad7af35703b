/*
 * session.c: sessions and CSRF for the web layer (see session.h).
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "app/agent.h"
#include "app/sesscache.h"
#include "base/crypto.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/logrl.h"
#include "base/mem.h"
#include "store/db.h"
#include "store/scope.h"
#include "reqhead.h"
#include "session.h"

const char *
rb_req_cookie(const struct rb_req *req, const char *name)
{
	if (req->req_head != NULL)
		return rb_head_cookie(req->req_head, req->req_arena, name);
	return MHD_lookup_connection_value(req->req_conn, MHD_COOKIE_KIND,
	    name);
}

const char *
rb_req_cookie_of(const struct rb_req *req, enum rb_cookie c)
{
	return rb_req_cookie(req, rb_cookie_name(req->req_site->site_cookies,
	    c));
}

/*
 * Sends cookie c with value (""= cleared, Max-Age=0), then attrs
 * ("HttpOnly; SameSite=Lax" and the like); the name and Secure follow
 * the cookie mode. Every cookie the server sets goes through here.
 */
static void
set_cookie(struct rb_req *req, enum rb_cookie c, const char *value,
    const char *attrs)
{
	enum rb_cookie_mode m = req->req_site->site_cookies;

	rb_resp_header(req, "Set-Cookie", rb_arena_printf(req->req_arena,
	    "%s=%s; Path=/; %s%s%s", rb_cookie_name(m, c), value,
	    rb_cookie_secure_attr(m), attrs, value[0] == '\0' ?
	    "; Max-Age=0" : ""));
}

struct rb_db *
rb_req_db(struct rb_req *req)
{
	if (req->req_db != NULL || req->req_db_failed)
		return req->req_db;
	if ((req->req_db = rb_db_pool_get(req->req_site->site_db)) == NULL) {
		/* The pool logged why. The French 503 page (JSON under
		   /api/) asks to come back shortly. */
		req->req_db_failed = 1;
		rb_req_db_unavailable(req);
	}
	return req->req_db;
}

void
rb_req_db_unavailable(struct rb_req *req)
{
	int i, n = 0;

	/* What a handler said before the failure (a redirect, a cookie
	   set or cleared) does not hold: only the 503 goes out. */
	for (i = 0; i < req->resp_nhdr; i++) {
		if (strcasecmp(req->resp_hdr_name[i], "Location") == 0 ||
		    strcasecmp(req->resp_hdr_name[i], "Set-Cookie") == 0 ||
		    strcasecmp(req->resp_hdr_name[i], "Retry-After") == 0)
			continue;
		req->resp_hdr_name[n] = req->resp_hdr_name[i];
		req->resp_hdr_value[n] = req->resp_hdr_value[i];
		n++;
	}
	req->resp_nhdr = n;
	rb_resp_error(req, 503);
	rb_resp_header(req, "Retry-After", RB_DB_RETRY_AFTER);
}

int
rb_req_db_down(const struct rb_req *req)
{
	return req->req_db_down;
}

/* A session (or archive visit) lookup that failed in the database: not
   a sign-out (the cookie stays), a 503 until the database answers
   again. what names the lookup in the log. */
static void
lookup_failed(struct rb_req *req, const char *what)
{
	log_warnx_rl(req->req_ip, "%s lookup failed in the database on %s: "
	    "503", what, req->req_path);
	req->req_db_down = 1;
}

void
rb_req_auth(struct rb_req *req, struct rb_auth_req *out)
{
	memset(out, 0, sizeof(*out));
	out->ar_db = rb_req_db(req);
	out->ar_cfg = req->req_site->site_auth;
	out->ar_now = time(NULL);
	out->ar_ip = req->req_ip;
	out->ar_user_agent = rb_req_header(req, "User-Agent");
	out->ar_device = rb_req_cookie_of(req, RB_COOKIE_DEVICE);
	if (req->req_session != NULL)
		out->ar_session = req->req_session->s_id;
}

/* The run's read transaction (session.h). */
struct run_read {
	int		 rr_on;		/* a run of this thread is on */
	int		 rr_off;	/* ... but reads without it */
	rb_db		*rr_db;		/* from rr_pool, at the first lookup */
	rb_db_pool	*rr_pool;
	uint64_t	 rr_writes;	/* rb_db_writes() before its snapshot */
};

static _Thread_local struct run_read tl_run;
/* The engine was found to gain nothing by it (the same for a whole
   server): not asked again. */
static _Thread_local int tl_run_never;

void
rb_req_run_begin(void)
{
	memset(&tl_run, 0, sizeof(tl_run));
	tl_run.rr_on = 1;
	tl_run.rr_off = tl_run_never;
}

/* Ends the run connection's read transaction, if open. 0, or -1 when it
   could not be ended. */
static int
run_read_end(rb_db *db)
{
	if (!rb_db_in_transaction(db) || rb_db_commit(db) == 0)
		return 0;
	return rb_db_rollback(db) == 0 ? 0 : -1;
}

/* Gives the run's connection back; this run reads without it. */
static void
run_read_drop(void)
{
	rb_sesscache_snapshot_end();
	rb_db_pool_put(tl_run.rr_pool, tl_run.rr_db);
	tl_run.rr_db = NULL;
	tl_run.rr_off = 1;
}

struct rb_db *
rb_req_run_db(const struct rb_site *site)
{
	uint64_t writes;

	if (!tl_run.rr_on || tl_run.rr_off)
		return NULL;
	/* Read before the snapshot is taken: a write counted after this
	   is either in it or taken again at the next lookup. */
	writes = rb_db_writes();
	if (tl_run.rr_db == NULL) {
		tl_run.rr_pool = site->site_db;
		if ((tl_run.rr_db = rb_db_pool_try(site->site_db)) == NULL) {
			tl_run.rr_off = 1;
			return NULL;
		}
		if (!rb_db_shares_reads(tl_run.rr_db)) {
			tl_run_never = 1;
			run_read_drop();
			return NULL;
		}
	} else if (writes == tl_run.rr_writes &&
	    rb_db_in_transaction(tl_run.rr_db))
		return tl_run.rr_db;
	else if (run_read_end(tl_run.rr_db) != 0) {
		run_read_drop();
		return NULL;
	}
	tl_run.rr_writes = writes;
	/* The lookups of the run read this snapshot: a row read from it
	   is kept only if no notice came since it began. */
	rb_sesscache_snapshot();
	if (rb_db_begin_read(tl_run.rr_db) != 0) {
		run_read_drop();
		return NULL;
	}
	return tl_run.rr_db;
}

void
rb_req_run_end(void)
{
	rb_sesscache_snapshot_end();
	if (tl_run.rr_db != NULL) {
		(void)run_read_end(tl_run.rr_db);
		rb_db_pool_put(tl_run.rr_pool, tl_run.rr_db);
	}
	memset(&tl_run, 0, sizeof(tl_run));
}

/* Only tokens of the right shape reach the database. */
static int
token_shaped(const char *v)
{
	size_t i, n;

	if (v == NULL || (n = strlen(v)) != RB_TOKEN_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_'))
			return 0;
	return 1;
}

const struct rb_session *
rb_req_session(struct rb_req *req)
{
	const char *cookie;
	struct rb_auth_req ar;
	struct rb_session *s;

	if (req->req_session_looked)
		return req->req_session;
	req->req_session_looked = 1;
	/* The back office sees agents only. */
	if (rb_req_in_backoffice(req))
		return NULL;
	cookie = rb_req_cookie_of(req, RB_COOKIE_SESSION);
	if (!token_shaped(cookie) || rb_req_db(req) == NULL)
		return NULL;
	s = rb_arena_alloc(req->req_arena, sizeof(*s));
	rb_req_auth(req, &ar);
	ar.ar_read_db = rb_req_run_db(req->req_site);
	switch (rb_auth_session(&ar, cookie, s)) {
	case RB_OK:
		req->req_session = s;
		break;
	case RB_ERROR:
		lookup_failed(req, "session");
		break;
	default:
		break;
	}
	return req->req_session;
}

const char *
rb_req_csrf(struct rb_req *req)
{
	const struct rb_agent *a;
	const struct rb_session *s;
	const char *c;
	char *tok;

	if (req->req_csrf != NULL)
		return req->req_csrf;
	if ((a = rb_req_agent(req)) != NULL) {
		req->req_csrf = rb_arena_strdup(req->req_arena, a->ag_csrf);
		return req->req_csrf;
	}
	if ((s = rb_req_session(req)) != NULL) {
		req->req_csrf = rb_arena_strdup(req->req_arena, s->s_csrf);
		return req->req_csrf;
	}
	c = rb_req_cookie_of(req, RB_COOKIE_CSRF);
	if (token_shaped(c)) {
		req->req_csrf = rb_arena_strdup(req->req_arena, c);
		return req->req_csrf;
	}
	tok = rb_arena_alloc(req->req_arena, RB_TOKEN_LEN + 1);
	rb_token_new(tok);
	req->req_csrf = tok;
	set_cookie(req, RB_COOKIE_CSRF, tok, "HttpOnly; SameSite=Lax");
	return tok;
}

/* Origin, when sent, must be the public URL's. */
static int
origin_ok(struct rb_req *req)
{
	const char *origin = rb_req_header(req, "Origin");
	const char *pub = rb_config_str(req->req_site->site_cfg,
	    RB_CFG_PUBLIC_URL);
	const char *host = rb_req_header(req, "Host");
	const char *o;

	if (origin == NULL || strcmp(origin, "null") == 0)
		return origin == NULL;
	if (strcmp(origin, pub) == 0)
		return 1;
	/* Same host as the request (the proxy-less case). */
	o = strstr(origin, "://");
	return o != NULL && host != NULL && strcmp(o + 3, host) == 0;
}

enum rb_csrf_verdict
rb_req_csrf_check(struct rb_req *req)
{
	const char *sent = rb_form_get(&req->req_body, "csrf");
	const struct rb_session *s = rb_req_session(req);
	const struct rb_agent *a = rb_req_agent(req);
	const char *want;

	if (!origin_ok(req))
		return RB_CSRF_FOREIGN_ORIGIN;
	if (sent == NULL)
		return RB_CSRF_BAD_TOKEN;
	want = a != NULL ? a->ag_csrf : s != NULL ? s->s_csrf :
	    rb_req_cookie_of(req, RB_COOKIE_CSRF);
	/* A well-formed token (a form we showed) sent back without any
	   cookie of ours: the browser refuses them. A browser that keeps
	   cookies still sends its session's, even an expired one. */
	if (want == NULL && rb_req_cookie_of(req, RB_COOKIE_SESSION) == NULL &&
	    rb_req_cookie_of(req, RB_COOKIE_AGENT) == NULL &&
	    token_shaped(sent))
		return RB_CSRF_NO_COOKIE;
	if (!token_shaped(want) || !rb_ct_streq(sent, want))
		return RB_CSRF_BAD_TOKEN;
	return RB_CSRF_OK;
}

/* For people whose browser refuses our cookies (a text browser's
   default, a privacy setting). */
#define COOKIES_TITLE	"Autorisez les cookies de ce site"
#define COOKIES_MESSAGE	"Votre navigateur n'a pas renvoyé les cookies " \
	"de ce site : sans eux, nous ne pouvons pas accepter ce formulaire. " \
	"Autorisez les cookies pour ce site dans les réglages de votre " \
	"navigateur (dans w3m ou lynx : acceptez les cookies), puis revenez " \
	"à la page du formulaire, rechargez-la et envoyez-le de nouveau. " \
	"Ces cookies servent seulement à vous connecter et à protéger vos " \
	"formulaires ; ils ne servent ni à la publicité ni au suivi."

void
rb_resp_csrf_refused(struct rb_req *req, enum rb_csrf_verdict v)
{
	switch (v) {
	case RB_CSRF_NO_COOKIE:
		rb_resp_error_text(req, 403, "cookies_required",
		    COOKIES_TITLE, COOKIES_MESSAGE);
		return;
	case RB_CSRF_FOREIGN_ORIGIN:
		rb_resp_error_text(req, 403, "foreign_origin", NULL, NULL);
		return;
	default:
		rb_resp_error_text(req, 403, "csrf_token_invalid", NULL, NULL);
		return;
	}
}

void
rb_req_session_start(struct rb_req *req, const struct rb_session *s)
{
	set_cookie(req, RB_COOKIE_SESSION, s->s_cookie,
	    "HttpOnly; SameSite=Lax");
}

void
rb_req_device_cookie(struct rb_req *req, const char *token)
{
	if (token == NULL || token[0] == '\0')
		return;
	set_cookie(req, RB_COOKIE_DEVICE, token, rb_arena_printf(
	    req->req_arena, "HttpOnly; SameSite=Lax; Max-Age=%lld",
	    rb_config_int(req->req_site->site_cfg, RB_CFG_DEVICE_TTL)));
}

void
rb_req_session_clear(struct rb_req *req)
{
	set_cookie(req, RB_COOKIE_SESSION, "", "HttpOnly; SameSite=Lax");
}

int
rb_req_scope(struct rb_req *req, struct rb_scope *scope)
{
	const struct rb_session *s = rb_req_session(req);
	const struct rb_archive_visit *v;

	scope->sc_account = 0;
	scope->sc_archive = 0;
	if (s != NULL) {
		scope->sc_account = s->s_account_id;
		return 0;
	}
	if ((v = rb_req_archive(req)) != NULL) {
		scope->sc_archive = v->av_contract_id;
		return 0;
	}
	/* Only on a route without RB_NEED_SCOPE: a programming error. */
	log_warnx("%s: route has no scope guard", req->req_path);
	rb_resp_error(req, 500);
	return -1;
}

const struct rb_archive_visit *
rb_req_archive(struct rb_req *req)
{
	const char *cookie;
	struct rb_auth_req ar;
	struct rb_archive_visit *v;

	if (req->req_archive_looked)
		return req->req_archive;
	req->req_archive_looked = 1;
	cookie = rb_req_cookie_of(req, RB_COOKIE_ARCHIVE);
	if (!token_shaped(cookie) || rb_req_db(req) == NULL)
		return NULL;
	v = rb_arena_alloc(req->req_arena, sizeof(*v));
	rb_req_auth(req, &ar);
	switch (rb_auth_archive_visit(&ar, cookie, v)) {
	case RB_OK:
		req->req_archive = v;
		break;
	case RB_ERROR:
		/* Not "no visit": the visitor would be sent to sign in. */
		lookup_failed(req, "archive visit");
		break;
	default:
		break;
	}
	return req->req_archive;
}

void
rb_req_archive_cookie(struct rb_req *req, const char *value)
{
	if (value == NULL)
		set_cookie(req, RB_COOKIE_ARCHIVE, "",
		    "HttpOnly; SameSite=Lax");
	else
		set_cookie(req, RB_COOKIE_ARCHIVE, value,
		    "HttpOnly; SameSite=Lax");
}

int
rb_req_in_backoffice(const struct rb_req *req)
{
	size_t n = strlen(RB_BACKOFFICE_PATH);

	return req->req_path != NULL &&
	    strncmp(req->req_path, RB_BACKOFFICE_PATH, n) == 0 &&
	    (req->req_path[n] == '\0' || req->req_path[n] == '/');
}

const struct rb_agent *
rb_req_agent(struct rb_req *req)
{
	const char *cookie;
	struct rb_auth_req ar;
	struct rb_agent *a;

	if (req->req_agent_looked)
		return req->req_agent;
	req->req_agent_looked = 1;
	if (!rb_req_in_backoffice(req))
		return NULL;
	cookie = rb_req_cookie_of(req, RB_COOKIE_AGENT);
	if (!token_shaped(cookie) || rb_req_db(req) == NULL)
		return NULL;
	a = rb_arena_alloc(req->req_arena, sizeof(*a));
	rb_req_auth(req, &ar);
	switch (rb_agent_session(&ar, cookie, a)) {
	case RB_OK:
		req->req_agent = a;
		break;
	case RB_ERROR:
		lookup_failed(req, "agent session");
		break;
	default:
		break;
	}
	return req->req_agent;
}

void
rb_req_agent_start(struct rb_req *req, const struct rb_agent *a)
{
	set_cookie(req, RB_COOKIE_AGENT, a->ag_cookie,
	    "HttpOnly; SameSite=Strict");
}

void
rb_req_agent_clear(struct rb_req *req)
{
	set_cookie(req, RB_COOKIE_AGENT, "", "HttpOnly; SameSite=Strict");
}

int
rb_req_data_key(struct rb_req *req, unsigned char key[32])
{
	if (rb_iban_key_from_hex(rb_config_str(req->req_site->site_cfg,
	    RB_CFG_DATA_KEY), key) != 0) {
		log_errx("the data_key setting is missing or malformed: agents' "
		    "TOTP secrets cannot be read");
		return -1;
	}
	return 0;
}
