/*
 * routes.h: the route table. Every page of the site is one row: a
 * method set, a path (exact, or a prefix ending in '/'), a handler and
 * a name for metrics. HEAD is accepted wherever GET is. A route marked
 * slow (password hashing…) runs its handler on the slow-work pool, never
 * on a thread that answers other requests.
 *
 * Each row also declares what its handler needs (rt_guards, RB_NEED_*):
 * rb_route_guard() checks it in one place, before any handler runs, so
 * a handler never checks sessions or CSRF tokens itself
 * (docs/architecture.md, "Route guards"). A row marked rt_read is a
 * page whose GET only reads: rb_route_serve() runs its handler inside
 * one read transaction.
 */
#ifndef RB_ROUTES_H
#define RB_ROUTES_H

#include "http.h"

enum rb_route {
	ROUTE_HOME,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_STATIC,
	ROUTE_SIGNIN,
	ROUTE_SIGNOUT,
	ROUTE_SPACE,
	ROUTE_SIGNUP,
	ROUTE_MIGRATE,
	ROUTE_REGISTER,
	ROUTE_CHECK_MAIL,
	ROUTE_ACTIVATE,
	ROUTE_RESEND,
	ROUTE_FORGOT,
	ROUTE_RESET,
	ROUTE_ACCOUNT,
	ROUTE_ACCOUNT_PASSWORD,
	ROUTE_ACCOUNT_EMAIL,
	ROUTE_ACCOUNT_CONTRACT,
	ROUTE_ACCOUNT_SESSION,
	ROUTE_CONFIRM_EMAIL,
	ROUTE_DEV_MAIL,
	ROUTE_ARCHIVE,
	ROUTE_CONTACT,
	ROUTE_PRIVACY,
	ROUTE_ARCHIVE_EXIT,
	ROUTE_BILLS,
	ROUTE_BILL,
	ROUTE_ACCOUNT_API_TOKEN,
	ROUTE_ACCOUNT_API_REVOKE,
	ROUTE_API_OPENAPI,
	ROUTE_API_CONTRACTS,
	ROUTE_API_CONTRACT,
	ROUTE_CONSUMPTION,
	ROUTE_CONSUMPTION_CSV,
	ROUTE_GDPR,
	ROUTE_GDPR_JSON,
	ROUTE_GDPR_PHOTO,
	ROUTE_PAY,
	ROUTE_PAY_RETURN,
	ROUTE_PAY_NOTIFY,
	/* SEPA direct debit (issue 9) */
	ROUTE_PAYMEANS,
	ROUTE_PAYMEANS_SIGN,
	ROUTE_PAYMEANS_CODE,
	ROUTE_PAYMEANS_CANCEL,
	ROUTE_PAYMEANS_PDF,
	ROUTE_PAYMEANS_PLAN,
	ROUTE_PAYMEANS_PLAN_STOP,
	ROUTE_PAPERLESS,
	/* customer service (issue 10) */
	ROUTE_REQUESTS,
	ROUTE_REQUEST,
	ROUTE_AGENT_QUEUE,
	ROUTE_AGENT_REQUEST,
	/* The back office (issue 10, agents; docs/backoffice.md) */
	ROUTE_AGENT_HOME,
	ROUTE_AGENT_SIGNIN,
	ROUTE_AGENT_SIGNOUT,
	ROUTE_AGENT_AGENTS,
	ROUTE_AGENT_AGENT_NEW,
	ROUTE_AGENT_AGENT_ACTION,
	ROUTE_AGENT_ENROL,
	/* issue 10, self-service */
	ROUTE_METER_INDEX,
	ROUTE_COORDS,
	ROUTE_LEAK_SETTINGS,
	/* News and events (issue 10) */
	ROUTE_NEWS,
	ROUTE_NEWS_ATOM,
	ROUTE_NEWS_ITEM,
	ROUTE_AGENT_NEWS,
	ROUTE_AGENT_NEWS_EDIT,
	/* The back office on a customer (pages/agentdesk.c) */
	ROUTE_AGENT_CLIENTS,
	ROUTE_AGENT_CLIENT,
	ROUTE_AGENT_AUDIT,
	ROUTE_AGENT_REPORTS,
	/* Braille documents (issue 11, pages/braille.c) */
	ROUTE_BRAILLE_INFO,
	ROUTE_BRAILLE_LETTERS,
	ROUTE_BRAILLE_LETTER,
	ROUTE_ACCOUNT_BRAILLE,
	/* issue 11: the pages the law asks for (pages/info.c) */
	ROUTE_ACCESSIBILITY,
	ROUTE_ACCESSIBILITY_PLAN,
	ROUTE_LEGAL,
	ROUTE_NOT_FOUND,	/* pseudo-route for metrics: no row matched */
	ROUTE__MAX
};

#define RB_M_GET	(1u << RB_GET)
#define RB_M_POST	(1u << RB_POST)

typedef void (*rb_handler)(struct rb_req *);

/*
 * Guards, checked by rb_route_guard() in this order:
 *   RB_NEED_DB       a database connection (none: 503)
 *   rt_if_signed_in  a signed-in visitor is sent there (303)
 *   RB_NEED_SESSION  a signed-in session (none: 303 to /connexion)
 *   RB_NEED_SCOPE    a session or an archive visit (none: 303 to
 *                    /connexion); the handler gets it from rb_req_scope()
 *   RB_NEED_AGENT    a signed-in agent (back office, rt_path under
 *                    /agent; none: 303 to /agent/connexion), whose role
 *                    is at least rt_role (otherwise: 403)
 *   RB_NEED_CSRF     a POST carries the form's token and no foreign
 *                    Origin (otherwise: 403); in the back office the
 *                    token is the agent session's
 *   RB_AUTH_BEARER   not checked here: the handler authenticates a
 *                    bearer token and looks at no cookie (pages/api.c),
 *                    so it needs no CSRF check
 *   RB_AUTH_SIGNED   not checked here: a server-to-server POST whose
 *                    body the handler authenticates by its signature
 *                    (the payment provider's notification, pages/pay.c);
 *                    it looks at no cookie, so it needs no CSRF check
 */
#define RB_NEED_DB	(1u << 0)
#define RB_NEED_SESSION	(1u << 1)
#define RB_NEED_SCOPE	(1u << 2)
#define RB_NEED_CSRF	(1u << 3)
#define RB_AUTH_BEARER	(1u << 4)
#define RB_AUTH_SIGNED	(1u << 5)
#define RB_NEED_AGENT	(1u << 6)

struct rb_route_def {
	const char	*rt_name;	/* metrics label */
	const char	*rt_path;
	int		 rt_prefix;	/* rt_path matches as a prefix */
	unsigned	 rt_methods;
	rb_handler	 rt_handler;
	int		 rt_slow;	/* POSTs run on the slow-work pool */
	int		 rt_demo;	/* exists only in demo mode */
	int		 rt_min_ms;	/* slow POSTs answer no sooner */
	unsigned	 rt_guards;	/* RB_NEED_* */
	const char	*rt_if_signed_in; /* redirect for signed-in visitors */
	int		 rt_upload;	/* takes multipart/form-data POSTs with
					   files: a body of up to
					   max_body_bytes plus the attachment
					   limits (server.c) */
	int		 rt_role;	/* RB_NEED_AGENT: least enum
					   rb_agent_role (app/agent.h); 0 any */
	int		 rt_read;	/* with RB_NEED_DB: its GET (and
					   HEAD) handler writes nothing
					   (nor does anything it calls), and
					   runs in one read transaction
					   (rb_route_serve()); POSTs never
					   do */
};

extern const struct rb_route_def rb_routes[ROUTE__MAX];

/*
 * Finds the route for a canonical path; routes for demo mode only match
 * when demo is set. Returns the route, or
 * ROUTE_NOT_FOUND; *allowed tells whether the method is accepted there
 * (a known path with another method is a 405).
 */
enum rb_route	 rb_route_match(const char *path, enum rb_method method,
		    int demo, int *allowed);
/*
 * Checks the guards of the request's route (rt_guards above). Returns 0
 * when the handler may run; otherwise the answer (503, 303 or 403) is
 * made and it returns -1.
 */
int		 rb_route_guard(struct rb_req *req);
/*
 * Answers a request whose route matched and whose method is allowed:
 * checks the guards (rb_route_guard()), then runs the handler. For a
 * GET or HEAD of a row marked rt_read, the handler runs inside one read
 * transaction (rb_db_begin_read()) opened after the guards (the session
 * lookup, which may write, stays outside): every query of the page sees
 * one snapshot and the engine's locks are taken once, not per
 * statement; a read transaction the handler opens itself joins it. The
 * transaction is committed after the handler, or rolled back when the
 * handler answered 500 or more; a failure to open or commit it answers
 * 500 (503 when the link to the database was lost, see server.c).
 * Returns 0 once the handler ran, -1 when a guard answered instead.
 */
int		 rb_route_serve(struct rb_req *req);
/* rb_route_serve() with row r instead of the table's row of
 * req->req_route (tests give rows of their own). */
int		 rb_route_serve_row(struct rb_req *req,
		    const struct rb_route_def *r);
/* "GET, HEAD" style list for the Allow header of a 405. */
const char	*rb_route_allow(enum rb_route route);

/* Handlers, one per page (pages/). */
void	rb_page_home(struct rb_req *);
void	rb_page_healthz(struct rb_req *);
void	rb_page_metrics(struct rb_req *);
void	rb_page_static(struct rb_req *);
void	rb_page_soon(struct rb_req *);
void	rb_page_signin(struct rb_req *);
void	rb_page_signout(struct rb_req *);
void	rb_page_space(struct rb_req *);
void	rb_page_claim_legacy(struct rb_req *);
void	rb_page_claim_contract(struct rb_req *);
void	rb_page_register(struct rb_req *);
void	rb_page_check_mail(struct rb_req *);
void	rb_page_activate(struct rb_req *);
void	rb_page_resend(struct rb_req *);
void	rb_page_forgot(struct rb_req *);
void	rb_page_reset(struct rb_req *);
void	rb_page_account(struct rb_req *);
void	rb_page_account_password(struct rb_req *);
void	rb_page_account_email(struct rb_req *);
void	rb_page_account_contract(struct rb_req *);
void	rb_page_account_session(struct rb_req *);
void	rb_page_confirm_email(struct rb_req *);
void	rb_page_dev_mail(struct rb_req *);
void	rb_page_consumption(struct rb_req *);
void	rb_page_consumption_csv(struct rb_req *);
void	rb_page_archive(struct rb_req *);
void	rb_page_archive_exit(struct rb_req *);
void	rb_page_gdpr(struct rb_req *);
void	rb_page_gdpr_json(struct rb_req *);
void	rb_page_gdpr_photo(struct rb_req *);
void	rb_page_paperless(struct rb_req *);
/* Customer service (pages/contact.c). */
void	rb_page_contact(struct rb_req *);
void	rb_page_requests(struct rb_req *);
void	rb_page_request(struct rb_req *);
void	rb_page_agent_queue(struct rb_req *);
void	rb_page_agent_request(struct rb_req *);

void	rb_page_bills(struct rb_req *);
void	rb_page_bill(struct rb_req *);

/* Personal API tokens in "Mon compte" (pages/account.c) and the JSON
 * API (pages/api.c). */
void	rb_page_account_api_token(struct rb_req *);
void	rb_page_account_api_revoke(struct rb_req *);
void	rb_page_api_openapi(struct rb_req *);
void	rb_page_api_contracts(struct rb_req *);
void	rb_page_api_contract(struct rb_req *);

/* Card payment (pages/pay.c). */
void	rb_page_pay(struct rb_req *);
void	rb_page_pay_return(struct rb_req *);
void	rb_page_pay_notify(struct rb_req *);
/* "Mes moyens de paiement" (pages/paymeans.c). */
void	rb_page_paymeans(struct rb_req *);
void	rb_page_paymeans_sign(struct rb_req *);
void	rb_page_paymeans_code(struct rb_req *);
void	rb_page_paymeans_cancel(struct rb_req *);
void	rb_page_paymeans_pdf(struct rb_req *);
void	rb_page_paymeans_plan(struct rb_req *);
void	rb_page_paymeans_plan_stop(struct rb_req *);

/* The back office (pages/agent.c; docs/backoffice.md). */
void	rb_page_agent_home(struct rb_req *);
void	rb_page_agent_signin(struct rb_req *);
void	rb_page_agent_signout(struct rb_req *);
/* Agents' admin page and enrolment (pages/agent_admin.c). */
void	rb_page_agent_agents(struct rb_req *);
void	rb_page_agent_agent_new(struct rb_req *);
void	rb_page_agent_agent_action(struct rb_req *);
void	rb_page_agent_enrol(struct rb_req *);
/* Self-service (pages/selfservice.c, issue 10). */
void	rb_page_meter_index(struct rb_req *);
void	rb_page_coords(struct rb_req *);
void	rb_page_leak_settings(struct rb_req *);
/* News and events (pages/news.c). */
void	rb_page_news(struct rb_req *);
void	rb_page_news_item(struct rb_req *);
void	rb_page_news_atom(struct rb_req *);
/* News and events in the back office (pages/agent_news.c). */
void	rb_page_agent_news(struct rb_req *);
void	rb_page_agent_news_edit(struct rb_req *);
/* The back office on a customer (pages/agentdesk.c). */
void	rb_page_agent_clients(struct rb_req *);
void	rb_page_agent_client(struct rb_req *);
void	rb_page_agent_audit(struct rb_req *);
void	rb_page_agent_reports(struct rb_req *);

/* Helpers shared by pages. */
void	rb_form_render(struct rb_req *req, int status, const char *title,
	    const char *intro, const char *action, json_t *hidden,
	    json_t *fields, const char *button, const char *alert,
	    const char *notice);
void	rb_page_privacy(struct rb_req *);
/* The accessibility statement, its multi-year plan and the legal notice
 * (pages/info.c). */
void	rb_page_accessibility(struct rb_req *);
void	rb_page_accessibility_plan(struct rb_req *);
void	rb_page_legal(struct rb_req *);

/* Braille documents (issue 11, pages/braille.c). */
void	rb_page_braille_info(struct rb_req *);
void	rb_page_braille_letters(struct rb_req *);
void	rb_page_account_braille(struct rb_req *);
struct rb_bills_ctx;
struct rb_scope;
enum rb_braille_format;
/* Strips "-braille.txt" or "-embosseuse.txt" off raw: 1 and *fmt set, or
 * 0 when raw ends with neither. */
int	rb_braille_suffix(char *raw, enum rb_braille_format *fmt);
/* The braille file of bill number (normalised) within sc. */
void	rb_page_bill_braille(struct rb_req *req,
	    const struct rb_bills_ctx *ctx, const struct rb_scope *sc,
	    const char *number, enum rb_braille_format fmt);
/* Adds "braille" {choices (taken: rb_auth_account_page()'s), csrf,
 * notice} to Mon compte's data. */
void	rb_braille_account_data(struct rb_req *req, json_t *data,
	    json_t *choices);

#endif
