/*
 * session.c: sessions and CSRF for the web layer (see session.h).
 */
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "app/agent.h"
#include "base/crypto.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/db.h"
#include "store/scope.h"
#include "session.h"

const char *
rb_req_cookie(const struct rb_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->req_conn, MHD_COOKIE_KIND,
	    name);
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
		rb_resp_error(req, 503);
		rb_resp_header(req, "Retry-After", RB_DB_RETRY_AFTER);
	}
	return req->req_db;
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
	out->ar_device = rb_req_cookie(req, RB_DEVICE_COOKIE);
	if (req->req_session != NULL)
		out->ar_session = req->req_session->s_id;
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
	cookie = rb_req_cookie(req, RB_SESSION_COOKIE);
	if (!token_shaped(cookie) || rb_req_db(req) == NULL)
		return NULL;
	s = rb_arena_alloc(req->req_arena, sizeof(*s));
	rb_req_auth(req, &ar);
	if (rb_auth_session(&ar, cookie, s) == RB_OK)
		req->req_session = s;
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
	c = rb_req_cookie(req, RB_CSRF_COOKIE);
	if (token_shaped(c)) {
		req->req_csrf = rb_arena_strdup(req->req_arena, c);
		return req->req_csrf;
	}
	tok = rb_arena_alloc(req->req_arena, RB_TOKEN_LEN + 1);
	rb_token_new(tok);
	req->req_csrf = tok;
	rb_resp_header(req, "Set-Cookie", rb_arena_printf(req->req_arena,
	    RB_CSRF_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Lax",
	    tok));
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

int
rb_req_csrf_check(struct rb_req *req)
{
	const char *sent = rb_form_get(&req->req_body, "csrf");
	const struct rb_session *s = rb_req_session(req);
	const struct rb_agent *a = rb_req_agent(req);
	const char *want;

	if (!origin_ok(req) || sent == NULL)
		return -1;
	want = a != NULL ? a->ag_csrf : s != NULL ? s->s_csrf :
	    rb_req_cookie(req, RB_CSRF_COOKIE);
	if (!token_shaped(want) || !rb_ct_streq(sent, want))
		return -1;
	return 0;
}

void
rb_req_session_start(struct rb_req *req, const struct rb_session *s)
{
	rb_resp_header(req, "Set-Cookie", rb_arena_printf(req->req_arena,
	    RB_SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Lax",
	    s->s_cookie));
}

void
rb_req_device_cookie(struct rb_req *req, const char *token)
{
	if (token == NULL || token[0] == '\0')
		return;
	rb_resp_header(req, "Set-Cookie", rb_arena_printf(req->req_arena,
	    RB_DEVICE_COOKIE "=%s; Path=/; Max-Age=%lld; Secure; HttpOnly; "
	    "SameSite=Lax", token, rb_config_int(req->req_site->site_cfg,
	    RB_CFG_DEVICE_TTL)));
}

void
rb_req_session_clear(struct rb_req *req)
{
	rb_resp_header(req, "Set-Cookie", RB_SESSION_COOKIE "=; Path=/; "
	    "Secure; HttpOnly; SameSite=Lax; Max-Age=0");
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
	cookie = rb_req_cookie(req, RB_ARCHIVE_COOKIE);
	if (!token_shaped(cookie) || rb_req_db(req) == NULL)
		return NULL;
	v = rb_arena_alloc(req->req_arena, sizeof(*v));
	rb_req_auth(req, &ar);
	if (rb_auth_archive_visit(&ar, cookie, v) == RB_OK)
		req->req_archive = v;
	return req->req_archive;
}

void
rb_req_archive_cookie(struct rb_req *req, const char *value)
{
	if (value == NULL)
		rb_resp_header(req, "Set-Cookie", RB_ARCHIVE_COOKIE "=; Path=/; "
		    "Secure; HttpOnly; SameSite=Lax; Max-Age=0");
	else
		rb_resp_header(req, "Set-Cookie", rb_arena_printf(
		    req->req_arena, RB_ARCHIVE_COOKIE "=%s; Path=/; Secure; "
		    "HttpOnly; SameSite=Lax", value));
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
	cookie = rb_req_cookie(req, RB_AGENT_COOKIE);
	if (!token_shaped(cookie) || rb_req_db(req) == NULL)
		return NULL;
	a = rb_arena_alloc(req->req_arena, sizeof(*a));
	rb_req_auth(req, &ar);
	if (rb_agent_session(&ar, cookie, a) == RB_OK)
		req->req_agent = a;
	return req->req_agent;
}

void
rb_req_agent_start(struct rb_req *req, const struct rb_agent *a)
{
	rb_resp_header(req, "Set-Cookie", rb_arena_printf(req->req_arena,
	    RB_AGENT_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
	    a->ag_cookie));
}

void
rb_req_agent_clear(struct rb_req *req)
{
	rb_resp_header(req, "Set-Cookie", RB_AGENT_COOKIE "=; Path=/; "
	    "Secure; HttpOnly; SameSite=Strict; Max-Age=0");
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
