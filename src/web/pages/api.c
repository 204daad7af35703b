/*
 * pages/api.c: the subscriber's JSON API, version 1 (docs/api.md,
 * docs/openapi.json):
 *
 *   GET /api/v1/openapi.json                        its description
 *   GET /api/v1/contracts                           the token's contracts
 *   GET /api/v1/contracts/{number}/invoices[?year=] their bills
 *   GET /api/v1/contracts/{number}/consumption[?from=&to=&step=day|period]
 *
 * Authentication is "Authorization: Bearer rbt_…" with a personal token
 * created in "Mon compte", and nothing else: cookies are never looked
 * at, so a browser session cannot reach the API and no request here
 * needs CSRF protection. The token acts for its account (app/api.h);
 * a contract of another account answers 404 exactly like an unknown
 * one. Every answer is JSON with Cache-Control: no-store, errors
 * included ({"error": {"code", "message", "parameter"?}}: see
 * rb_resp_json_error); the server's own 400/404/405/413 under /api/ are
 * JSON too (render.c).
 *
 * Rate limits use the shared rate_limits table (rb_api_rate_hit() in
 * app/api.h): every request counts in
 * the bucket of its IP (api_rl_per_ip per api_rl_window seconds, checked
 * before the token, so guessing tokens is limited too), and every
 * authenticated one in the bucket of its token (api_rl_per_token).
 * Beyond, 429 with Retry-After; a refused request is not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/api.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/log.h"
#include "web/routes.h"

/* docs/openapi.json, compiled in by scripts/embed.py (web/meson.build). */
extern const struct rb_embedded rb_api_docs[];

#define CONTRACTS_PATH	"/api/v1/contracts/"

#define WWW_AUTH	"Bearer realm=\"robinet\""
#define WWW_AUTH_BAD	"Bearer realm=\"robinet\", error=\"invalid_token\""

/* The query parameters a route accepts; NULL ends a list. */
static const char *const params_none[] = { NULL };
static const char *const params_invoices[] = { "year", NULL };
static const char *const params_consumption[] = { "from", "to", "step",
    NULL };

/* A 401 with its WWW-Authenticate challenge (RFC 6750). */
static void
unauthorized(struct rb_req *req, int token_given)
{
	rb_resp_header(req, "WWW-Authenticate", token_given ? WWW_AUTH_BAD :
	    WWW_AUTH);
	rb_resp_json_error(req, 401, "unauthorized", token_given ?
	    "Jeton d'accès invalide ou révoqué." :
	    "Jeton d'accès manquant : envoyez l'en-tête « Authorization: "
	    "Bearer <jeton> ».", NULL);
}

/*
 * Checks one rate-limit bucket and counts this request in it. Returns 0
 * when it fits, 1 when a 429 has been answered, -1 when a 500 has.
 */
static int
limit(struct rb_req *req, rb_db *db, const char *bucket, time_t now,
    enum rb_cfg allowance_key)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	int window = (int)rb_config_int(cfg, RB_CFG_API_RL_WINDOW);
	int allowance = (int)rb_config_int(cfg, allowance_key);
	int retry = 0;

	switch (rb_api_rate_hit(db, bucket, now, window, allowance, &retry)) {
	case RB_OK:
		return 0;
	case RB_LIMITED:
		rb_resp_header(req, "Retry-After", rb_arena_printf(
		    req->req_arena, "%d", retry));
		rb_resp_json_error(req, 429, "rate_limited", rb_arena_printf(
		    req->req_arena, "Trop de requêtes : réessayez dans %d "
		    "secondes.", retry), NULL);
		return 1;
	default:
		rb_resp_json_error(req, 500, NULL, NULL, NULL);
		return -1;
	}
}

/* The token of an "Authorization: Bearer …" header, or NULL. */
static const char *
bearer(struct rb_req *req)
{
	const char *h = rb_req_header(req, "Authorization");
	char *t;
	size_t n;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	t = rb_arena_strdup(req->req_arena, h);
	for (n = strlen(t); n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t');
	    n--)
		t[n - 1] = '\0';
	return t;
}

/*
 * Refuses a query with a parameter the route does not know, or one
 * given twice: answers 400 naming it and returns -1; 0 when fine.
 */
static int
check_params(struct rb_req *req, const char *const *known)
{
	const struct rb_form *q = &req->req_query;
	const char *key;
	size_t i, k;

	for (i = 0; i < q->form_nfields; i++) {
		key = q->form_fields[i].ff_key;
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(key, known[k]) == 0)
				break;
		if (known[k] == NULL) {
			rb_resp_json_error(req, 400, "invalid_parameter",
			    "Paramètre inconnu.", key);
			return -1;
		}
		if (rb_form_count(q, key) > 1) {
			rb_resp_json_error(req, 400, "invalid_parameter",
			    "Paramètre donné plusieurs fois.", key);
			return -1;
		}
	}
	return 0;
}

/*
 * What every data route does first: rate limit by IP, authenticate the
 * bearer token, rate limit by token, check the query's parameter names.
 * Returns 0 with *db and *sc set; otherwise the answer is made and it
 * returns -1.
 */
static int
api_begin(struct rb_req *req, const char *const *known, rb_db **db,
    struct rb_scope *sc)
{
	const char *token;
	char bucket[128];
	time_t now = time(NULL);
	int64_t token_id;

	if ((*db = rb_req_db(req)) == NULL)	/* 503 answered */
		return -1;
	snprintf(bucket, sizeof(bucket), "api:ip:%s", req->req_ip);
	if (limit(req, *db, bucket, now, RB_CFG_API_RL_PER_IP) != 0)
		return -1;
	token = bearer(req);
	switch (rb_api_token_check(*db, now, token, sc, &token_id)) {
	case RB_OK:
		break;
	case RB_DENIED:
		unauthorized(req, token != NULL);
		return -1;
	default:
		rb_resp_json_error(req, 500, NULL, NULL, NULL);
		return -1;
	}
	snprintf(bucket, sizeof(bucket), "api:token:%lld",
	    (long long)token_id);
	if (limit(req, *db, bucket, now, RB_CFG_API_RL_PER_TOKEN) != 0)
		return -1;
	return check_params(req, known);
}

/* The same 404 for a contract of another account and an unknown one. */
static void
contract_not_found(struct rb_req *req)
{
	rb_resp_json_error(req, 404, "not_found", "Contrat introuvable.",
	    NULL);
}

void
rb_page_api_openapi(struct rb_req *req)
{
	rb_resp_text(req, 200, "application/json; charset=utf-8",
	    rb_api_docs[0].emb_data);
}

void
rb_page_api_contracts(struct rb_req *req)
{
	struct rb_scope sc;
	json_t *list;
	rb_db *db;

	if (api_begin(req, params_none, &db, &sc) != 0)
		return;
	if (rb_api_contracts(db, &sc, &list) != RB_OK) {
		rb_resp_json_error(req, 500, NULL, NULL, NULL);
		return;
	}
	rb_resp_json(req, 200, json_pack("{s:o}", "contracts", list));
}

/* GET …/invoices[?year=YYYY]. */
static void
invoices(struct rb_req *req, rb_db *db, const struct rb_scope *sc,
    const char *number)
{
	const char *y = rb_form_get(&req->req_query, "year");
	json_t *list;
	char *end;
	long year = 0;

	if (y != NULL) {
		year = strtol(y, &end, 10);
		if (strlen(y) != 4 || *end != '\0' || y[0] < '1' ||
		    year < 1000) {
			rb_resp_json_error(req, 400, "invalid_parameter",
			    "Le paramètre year doit être une année sur "
			    "quatre chiffres (AAAA).", "year");
			return;
		}
	}
	switch (rb_api_invoices(db, sc, number, (int)year, &list)) {
	case RB_OK:
		rb_resp_json(req, 200, json_pack("{s:s, s:o}", "contract",
		    number, "invoices", list));
		return;
	case RB_NOT_FOUND:
		contract_not_found(req);
		return;
	default:
		rb_resp_json_error(req, 500, NULL, NULL, NULL);
		return;
	}
}

/* GET …/consumption[?from=&to=&step=]. */
static void
consumption(struct rb_req *req, rb_db *db, const struct rb_scope *sc,
    const char *number)
{
	struct rb_api_range range;
	struct rb_date today;
	const char *msg, *param;
	json_t *list;

	rb_clock_today(time(NULL), &today);
	msg = rb_api_range_parse(rb_form_get(&req->req_query, "from"),
	    rb_form_get(&req->req_query, "to"),
	    rb_form_get(&req->req_query, "step"), &today, &range,
	    &param);
	if (msg != NULL) {
		rb_resp_json_error(req, 400, "invalid_parameter", msg, param);
		return;
	}
	switch (rb_api_consumption(db, sc, number, &range, &list)) {
	case RB_OK:
		rb_resp_json(req, 200, json_pack("{s:s, s:s, s:s, s:s, s:o}",
		    "contract", number, "step", range.rg_step ==
		    RB_API_STEP_DAY ? "day" : "period", "from", range.rg_from,
		    "to", range.rg_to, "consumption", list));
		return;
	case RB_NOT_FOUND:
		contract_not_found(req);
		return;
	default:
		rb_resp_json_error(req, 500, NULL, NULL, NULL);
		return;
	}
}

void
rb_page_api_contract(struct rb_req *req)
{
	const char *rest = req->req_path + strlen(CONTRACTS_PATH);
	const char *slash = strchr(rest, '/');
	const char *sub, *const *known;
	struct rb_scope sc;
	char *number;
	rb_db *db;

	/* {number}/invoices or {number}/consumption, nothing else. */
	sub = slash != NULL ? slash + 1 : "";
	if (slash == NULL || slash == rest || (strcmp(sub, "invoices") != 0 &&
	    strcmp(sub, "consumption") != 0)) {
		rb_resp_json_error(req, 404, NULL, NULL, NULL);
		return;
	}
	known = sub[0] == 'i' ? params_invoices : params_consumption;
	if (api_begin(req, known, &db, &sc) != 0)
		return;
	number = rb_arena_strndup(req->req_arena, rest, (size_t)(slash -
	    rest));
	if (sub[0] == 'i')
		invoices(req, db, &sc, number);
	else
		consumption(req, db, &sc, number);
}
