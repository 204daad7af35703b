/*
 * routes.c: the route table, its matcher, its guards and the serving of
 * a matched route: guards, then the handler, inside one read
 * transaction for pages marked rt_read (see routes.h).
 */
#include <string.h>
#include <unistd.h>

#include "app/agent.h"
#include "app/pagecache.h"
#include "base/logrl.h"
#include "routes.h"
#include "session.h"
#include "store/db.h"

#define GP	(RB_M_GET | RB_M_POST)

const struct rb_route_def rb_routes[ROUTE__MAX] = {
	[ROUTE_HOME] = { .rt_name = "home", .rt_path = "/",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_home,
	    .rt_guards = RB_NEED_DB },
	[ROUTE_HEALTHZ] = { .rt_name = "healthz", .rt_path = "/healthz",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_healthz },
	[ROUTE_METRICS] = { .rt_name = "metrics", .rt_path = "/metrics",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_metrics },
	[ROUTE_STATIC] = { .rt_name = "static", .rt_path = "/static/",
	    .rt_prefix = 1, .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_static },
	[ROUTE_SIGNIN] = { .rt_name = "signin", .rt_path = "/connexion",
	    .rt_methods = GP, .rt_handler = rb_page_signin, .rt_slow = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_SIGNOUT] = { .rt_name = "signout", .rt_path = "/deconnexion",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_signout,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_SPACE] = { .rt_name = "space", .rt_path = "/mon-espace",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_space,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_SIGNUP] = { .rt_name = "signup", .rt_path = "/creer-mon-espace",
	    .rt_methods = GP, .rt_handler = rb_page_claim_contract,
	    .rt_slow = 1, .rt_min_ms = 100,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_MIGRATE] = { .rt_name = "migrate", .rt_path = "/abonne-2023",
	    .rt_methods = GP, .rt_handler = rb_page_claim_legacy, .rt_slow = 1,
	    .rt_min_ms = 100, .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_REGISTER] = { .rt_name = "register", .rt_path = "/finaliser",
	    .rt_methods = GP, .rt_handler = rb_page_register,
	    .rt_slow = 1, .rt_min_ms = 400,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_CHECK_MAIL] = { .rt_name = "check_mail",
	    .rt_path = "/verifiez-vos-emails", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_check_mail, .rt_guards = RB_NEED_DB },
	[ROUTE_ACTIVATE] = { .rt_name = "activate", .rt_path = "/activer",
	    .rt_methods = GP, .rt_handler = rb_page_activate,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_RESEND] = { .rt_name = "resend",
	    .rt_path = "/renvoyer-activation", .rt_methods = GP,
	    .rt_handler = rb_page_resend, .rt_slow = 1, .rt_min_ms = 100,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_FORGOT] = { .rt_name = "forgot",
	    .rt_path = "/mot-de-passe-oublie", .rt_methods = GP,
	    .rt_handler = rb_page_forgot, .rt_slow = 1, .rt_min_ms = 100,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_RESET] = { .rt_name = "reset",
	    .rt_path = "/mot-de-passe/nouveau", .rt_methods = GP,
	    .rt_handler = rb_page_reset, .rt_slow = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_ACCOUNT] = { .rt_name = "account", .rt_path = "/mon-compte",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_account,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_ACCOUNT_PASSWORD] = { .rt_name = "account_password",
	    .rt_path = "/mon-compte/mot-de-passe", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_password, .rt_slow = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_ACCOUNT_EMAIL] = { .rt_name = "account_email",
	    .rt_path = "/mon-compte/email", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_email, .rt_slow = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_ACCOUNT_CONTRACT] = { .rt_name = "account_contract",
	    .rt_path = "/mon-compte/contrats", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_contract, .rt_slow = 1,
	    .rt_min_ms = 100,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_ACCOUNT_SESSION] = { .rt_name = "account_session",
	    .rt_path = "/mon-compte/sessions", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_session,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_CONFIRM_EMAIL] = { .rt_name = "confirm_email",
	    .rt_path = "/mon-compte/confirmer-email", .rt_methods = GP,
	    .rt_handler = rb_page_confirm_email,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_DEV_MAIL] = { .rt_name = "dev_mail",
	    .rt_path = "/_dev/courriels", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_dev_mail, .rt_demo = 1,
	    .rt_guards = RB_NEED_DB },
	[ROUTE_ARCHIVE] = { .rt_name = "archive", .rt_path = "/archives",
	    .rt_methods = GP, .rt_handler = rb_page_archive, .rt_slow = 1,
	    .rt_min_ms = 100, .rt_guards = RB_NEED_DB | RB_NEED_CSRF,
	    .rt_if_signed_in = "/mes-factures?archives=1" },
	[ROUTE_ARCHIVE_EXIT] = { .rt_name = "archive_exit",
	    .rt_path = "/archives/sortie", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_archive_exit,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_CONTACT] = { .rt_name = "contact", .rt_path = "/contact",
	    .rt_methods = GP, .rt_handler = rb_page_contact, .rt_upload = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_PRIVACY] = { .rt_name = "privacy",
	    .rt_path = "/confidentialite", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_privacy, .rt_guards = RB_NEED_DB },
	[ROUTE_BILLS] = { .rt_name = "bills", .rt_path = "/mes-factures",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_bills,
	    .rt_guards = RB_NEED_DB | RB_NEED_SCOPE,
	    .rt_read = 1 },
	[ROUTE_BILL] = { .rt_name = "bill", .rt_path = "/mes-factures/",
	    .rt_prefix = 1, .rt_methods = RB_M_GET, .rt_handler = rb_page_bill,
	    .rt_guards = RB_NEED_DB | RB_NEED_SCOPE,
	    .rt_read = 1 },
	[ROUTE_ACCOUNT_API_TOKEN] = { .rt_name = "account_api_token",
	    .rt_path = "/mon-compte/jetons", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_api_token,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_ACCOUNT_API_REVOKE] = { .rt_name = "account_api_revoke",
	    .rt_path = "/mon-compte/jetons/revoquer", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_api_revoke,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_API_OPENAPI] = { .rt_name = "api_openapi",
	    .rt_path = "/api/v1/openapi.json", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_api_openapi, .rt_guards = RB_NEED_DB },
	[ROUTE_API_CONTRACTS] = { .rt_name = "api_contracts",
	    .rt_path = "/api/v1/contracts", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_api_contracts,
	    .rt_guards = RB_NEED_DB | RB_AUTH_BEARER },
	[ROUTE_API_CONTRACT] = { .rt_name = "api_contract",
	    .rt_path = "/api/v1/contracts/", .rt_prefix = 1,
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_api_contract,
	    .rt_guards = RB_NEED_DB | RB_AUTH_BEARER },
	[ROUTE_CONSUMPTION] = { .rt_name = "consumption",
	    .rt_path = "/ma-consommation", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_consumption,
	    .rt_guards = RB_NEED_DB | RB_NEED_SCOPE,
	    .rt_read = 1 },
	[ROUTE_CONSUMPTION_CSV] = { .rt_name = "consumption_csv",
	    .rt_path = "/ma-consommation.csv", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_consumption_csv,
	    .rt_guards = RB_NEED_DB | RB_NEED_SCOPE,
	    .rt_read = 1 },
	[ROUTE_GDPR] = { .rt_name = "gdpr", .rt_path = "/mes-donnees",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_gdpr,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_GDPR_JSON] = { .rt_name = "gdpr_json",
	    .rt_path = "/mes-donnees.json", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_gdpr_json,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION },
	[ROUTE_GDPR_PHOTO] = { .rt_name = "gdpr_photo",
	    .rt_path = "/mes-donnees/photos/", .rt_prefix = 1,
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_gdpr_photo,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_PAY] = { .rt_name = "pay", .rt_path = "/paiement",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_pay,
	    .rt_guards = RB_NEED_DB | RB_NEED_SCOPE | RB_NEED_CSRF },
	[ROUTE_PAY_RETURN] = { .rt_name = "pay_return",
	    .rt_path = "/paiement/retour", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_pay_return,
	    .rt_guards = RB_NEED_DB | RB_NEED_SCOPE,
	    .rt_read = 1 },
	/* Server to server: the provider's signature, checked by the
	   handler, stands for a session and a CSRF token. */
	[ROUTE_PAY_NOTIFY] = { .rt_name = "pay_notify",
	    .rt_path = "/paiement/notification", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_pay_notify,
	    .rt_guards = RB_NEED_DB | RB_AUTH_SIGNED },
	/* SEPA direct debit (issue 9) */
	[ROUTE_PAYMEANS] = { .rt_name = "paymeans",
	    .rt_path = "/mes-moyens-de-paiement", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_paymeans,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_PAYMEANS_SIGN] = { .rt_name = "paymeans_sign",
	    .rt_path = "/mes-moyens-de-paiement/mandat",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_paymeans_sign,
	    .rt_slow = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_PAYMEANS_CODE] = { .rt_name = "paymeans_code",
	    .rt_path = "/mes-moyens-de-paiement/code",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_paymeans_code,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_PAYMEANS_CANCEL] = { .rt_name = "paymeans_cancel",
	    .rt_path = "/mes-moyens-de-paiement/resilier",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_paymeans_cancel,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_PAYMEANS_PDF] = { .rt_name = "paymeans_pdf",
	    .rt_path = "/mes-moyens-de-paiement/mandat.pdf",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_paymeans_pdf,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_PAYMEANS_PLAN] = { .rt_name = "paymeans_plan",
	    .rt_path = "/mes-moyens-de-paiement/mensualisation",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_paymeans_plan,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_PAYMEANS_PLAN_STOP] = { .rt_name = "paymeans_plan_stop",
	    .rt_path = "/mes-moyens-de-paiement/mensualisation/arreter",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_paymeans_plan_stop,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	[ROUTE_PAPERLESS] = { .rt_name = "paperless",
	    .rt_path = "/mon-espace/facture-electronique",
	    .rt_methods = RB_M_POST, .rt_handler = rb_page_paperless,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	/* customer service (issue 10) */
	[ROUTE_REQUESTS] = { .rt_name = "requests", .rt_path = "/mes-demandes",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_requests,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_REQUEST] = { .rt_name = "request", .rt_path = "/mes-demandes/",
	    .rt_prefix = 1, .rt_methods = GP, .rt_handler = rb_page_request,
	    .rt_upload = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF,
	    .rt_read = 1 },
	[ROUTE_AGENT_QUEUE] = { .rt_name = "agent_queue",
	    .rt_path = "/agent/demandes", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_agent_queue,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT },
	[ROUTE_AGENT_REQUEST] = { .rt_name = "agent_request",
	    .rt_path = "/agent/demandes/", .rt_prefix = 1, .rt_methods = GP,
	    .rt_handler = rb_page_agent_request,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT | RB_NEED_CSRF },
	/* The back office (issue 10, agents; docs/backoffice.md) */
	[ROUTE_AGENT_HOME] = { .rt_name = "agent_home", .rt_path = "/agent",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_agent_home,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT },
	[ROUTE_AGENT_SIGNIN] = { .rt_name = "agent_signin",
	    .rt_path = "/agent/connexion", .rt_methods = GP,
	    .rt_handler = rb_page_agent_signin, .rt_slow = 1, .rt_min_ms = 100,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_AGENT_SIGNOUT] = { .rt_name = "agent_signout",
	    .rt_path = "/agent/deconnexion", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_agent_signout,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	[ROUTE_AGENT_AGENTS] = { .rt_name = "agent_agents",
	    .rt_path = "/agent/agents", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_agent_agents,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT, .rt_role = RB_ROLE_ADMIN },
	[ROUTE_AGENT_AGENT_NEW] = { .rt_name = "agent_agent_new",
	    .rt_path = "/agent/agents/nouveau", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_agent_agent_new,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT | RB_NEED_CSRF,
	    .rt_role = RB_ROLE_ADMIN },
	[ROUTE_AGENT_AGENT_ACTION] = { .rt_name = "agent_agent_action",
	    .rt_path = "/agent/agents/action", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_agent_agent_action,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT | RB_NEED_CSRF,
	    .rt_role = RB_ROLE_ADMIN },
	[ROUTE_AGENT_ENROL] = { .rt_name = "agent_enrol",
	    .rt_path = "/agent/enrolement", .rt_methods = GP,
	    .rt_handler = rb_page_agent_enrol, .rt_slow = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_CSRF },
	/* issue 10, self-service */
	[ROUTE_METER_INDEX] = { .rt_name = "meter_index",
	    .rt_path = "/mon-index", .rt_methods = GP,
	    .rt_handler = rb_page_meter_index, .rt_upload = 1,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF,
	    .rt_read = 1 },
	[ROUTE_COORDS] = { .rt_name = "coords",
	    .rt_path = "/mes-coordonnees", .rt_methods = GP,
	    .rt_handler = rb_page_coords,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF,
	    .rt_read = 1 },
	[ROUTE_LEAK_SETTINGS] = { .rt_name = "leak_settings",
	    .rt_path = "/ma-consommation/alerte", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_leak_settings,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	/* News and events (issue 10) */
	[ROUTE_NEWS] = { .rt_name = "news", .rt_path = "/actualites",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_news,
	    .rt_guards = RB_NEED_DB },
	[ROUTE_NEWS_ATOM] = { .rt_name = "news_atom",
	    .rt_path = "/actualites.atom", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_news_atom, .rt_guards = RB_NEED_DB },
	[ROUTE_NEWS_ITEM] = { .rt_name = "news_item",
	    .rt_path = "/actualites/", .rt_prefix = 1,
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_news_item,
	    .rt_guards = RB_NEED_DB },
	[ROUTE_AGENT_NEWS] = { .rt_name = "agent_news",
	    .rt_path = "/agent/actualites", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_agent_news,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT, .rt_role = RB_ROLE_ADMIN },
	[ROUTE_AGENT_NEWS_EDIT] = { .rt_name = "agent_news_edit",
	    .rt_path = "/agent/actualites/", .rt_prefix = 1, .rt_methods = GP,
	    .rt_handler = rb_page_agent_news_edit,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT | RB_NEED_CSRF,
	    .rt_role = RB_ROLE_ADMIN },
	/* The back office on a customer (pages/agentdesk.c) */
	[ROUTE_AGENT_CLIENTS] = { .rt_name = "agent_clients",
	    .rt_path = "/agent/clients", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_agent_clients,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT },
	[ROUTE_AGENT_CLIENT] = { .rt_name = "agent_client",
	    .rt_path = "/agent/clients/", .rt_prefix = 1, .rt_methods = GP,
	    .rt_handler = rb_page_agent_client,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT | RB_NEED_CSRF },
	[ROUTE_AGENT_AUDIT] = { .rt_name = "agent_audit",
	    .rt_path = "/agent/journal", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_agent_audit,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT,
	    .rt_role = RB_ROLE_SUPERVISOR },
	[ROUTE_AGENT_REPORTS] = { .rt_name = "agent_reports",
	    .rt_path = "/agent/rapports", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_agent_reports,
	    .rt_guards = RB_NEED_DB | RB_NEED_AGENT,
	    .rt_role = RB_ROLE_SUPERVISOR },
	/* Braille documents (issue 11, pages/braille.c) */
	[ROUTE_BRAILLE_INFO] = { .rt_name = "braille_info",
	    .rt_path = "/braille", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_braille_info, .rt_guards = RB_NEED_DB },
	[ROUTE_BRAILLE_LETTERS] = { .rt_name = "braille_letters",
	    .rt_path = "/mes-courriers-braille", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_braille_letters,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_BRAILLE_LETTER] = { .rt_name = "braille_letter",
	    .rt_path = "/mes-courriers-braille/", .rt_prefix = 1,
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_braille_letters,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION,
	    .rt_read = 1 },
	[ROUTE_ACCOUNT_BRAILLE] = { .rt_name = "account_braille",
	    .rt_path = "/mon-compte/braille", .rt_methods = RB_M_POST,
	    .rt_handler = rb_page_account_braille,
	    .rt_guards = RB_NEED_DB | RB_NEED_SESSION | RB_NEED_CSRF },
	/* issue 11: the pages the law asks for (pages/info.c) */
	[ROUTE_ACCESSIBILITY] = { .rt_name = "accessibility",
	    .rt_path = "/accessibilite", .rt_methods = RB_M_GET,
	    .rt_handler = rb_page_accessibility, .rt_guards = RB_NEED_DB },
	[ROUTE_ACCESSIBILITY_PLAN] = { .rt_name = "accessibility_plan",
	    .rt_path = "/accessibilite/schema-pluriannuel",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_accessibility_plan,
	    .rt_guards = RB_NEED_DB },
	[ROUTE_LEGAL] = { .rt_name = "legal", .rt_path = "/mentions-legales",
	    .rt_methods = RB_M_GET, .rt_handler = rb_page_legal,
	    .rt_guards = RB_NEED_DB },
	[ROUTE_NOT_FOUND] = { .rt_name = "not_found" },
};

enum rb_route
rb_route_match(const char *path, enum rb_method method, int demo,
    int *allowed)
{
	const struct rb_route_def *r;
	enum rb_method m = method == RB_HEAD ? RB_GET : method;
	int k;

	for (k = 0; k < ROUTE__MAX; k++) {
		r = &rb_routes[k];
		if (r->rt_path == NULL || (r->rt_demo && !demo))
			continue;
		if (r->rt_prefix ?
		    strncmp(path, r->rt_path, strlen(r->rt_path)) != 0 :
		    strcmp(path, r->rt_path) != 0)
			continue;
		*allowed = m != RB_OTHER && (r->rt_methods & (1u << m)) != 0;
		return k;
	}
	*allowed = 0;
	return ROUTE_NOT_FOUND;
}

/* The guards of row r (see rb_route_guard()). */
static int
route_guard(struct rb_req *req, const struct rb_route_def *r)
{
	const struct rb_agent *a;
	enum rb_csrf_verdict v;
	unsigned g = r->rt_guards;

	/* The connection is taken before the handler runs: when the
	   database cannot give one, the answer is a 503 and no handler
	   ever sees a NULL connection. */
	if ((g & RB_NEED_DB) && rb_req_db(req) == NULL)
		return -1;
	/* A session lookup that failed in the database (rb_req_db_down())
	   answers 503, never a redirect that looks like a sign-out. */
	if (r->rt_if_signed_in != NULL && rb_req_session(req) != NULL) {
		rb_resp_redirect(req, r->rt_if_signed_in);
		return -1;
	}
	if ((g & RB_NEED_SESSION) && rb_req_session(req) == NULL) {
		if (rb_req_db_down(req))
			rb_req_db_unavailable(req);
		else
			rb_resp_redirect(req, "/connexion");
		return -1;
	}
	if ((g & RB_NEED_SCOPE) && rb_req_session(req) == NULL &&
	    rb_req_archive(req) == NULL) {
		if (rb_req_db_down(req))
			rb_req_db_unavailable(req);
		else
			rb_resp_redirect(req, "/connexion");
		return -1;
	}
	if (rb_req_db_down(req)) {
		rb_req_db_unavailable(req);
		return -1;
	}
	if (g & RB_NEED_AGENT) {
		if ((a = rb_req_agent(req)) == NULL) {
			if (rb_req_db_down(req))
				rb_req_db_unavailable(req);
			else
				rb_resp_redirect(req, "/agent/connexion");
			return -1;
		}
		if ((int)a->ag_role < r->rt_role) {
			rb_resp_error(req, 403);
			return -1;
		}
	}
	if ((g & RB_NEED_CSRF) && req->req_method == RB_POST &&
	    (v = rb_req_csrf_check(req)) != RB_CSRF_OK) {
		if (rb_req_db_down(req))
			rb_req_db_unavailable(req);
		else
			rb_resp_csrf_refused(req, v);
		return -1;
	}
	return 0;
}

int
rb_route_guard(struct rb_req *req)
{
	return route_guard(req, &rb_routes[req->req_route]);
}

static int	route_serve(struct rb_req *, const struct rb_route_def *);

/* Drops what the handler answered (a file to send) before an error. */
static void
answer_500(struct rb_req *req)
{
	if (req->resp_fd >= 0) {
		close(req->resp_fd);
		req->resp_fd = -1;
	}
	rb_resp_error(req, 500);
}

/*
 * A request of a signed-in subscriber that may have written (a form
 * sent, or a page not marked rt_read during which a write committed:
 * the count is the process's, so another request's write also counts,
 * which only evicts more; the pages marked rt_read write nothing but
 * the session's touch) forgets the account's pages kept in memory
 * before it answers (app/pagecache.h):
 * the triggers' notices reach this server through its listener only,
 * a few milliseconds later, and the next page of the same subscriber
 * must show the change.
 */
static void
evict_own_write(struct rb_req *req, const struct rb_route_def *r,
    uint64_t writes)
{
	if ((req->req_method == RB_GET || req->req_method == RB_HEAD) &&
	    (r->rt_read || rb_db_writes() == writes))
		return;
	if (req->req_session_looked && req->req_session != NULL)
		rb_pagecache_evict_account(req->req_session->s_account_id);
}

int
rb_route_serve_row(struct rb_req *req, const struct rb_route_def *r)
{
	uint64_t writes = rb_db_writes();
	int rc;

	rc = route_serve(req, r);
	if (rb_pagecache_on())
		evict_own_write(req, r, writes);
	return rc;
}

static int	page_read(struct rb_req *, const struct rb_route_def *,
		    struct rb_db *);

static int
route_serve(struct rb_req *req, const struct rb_route_def *r)
{
	struct rb_db *db;
	int rc;

	if (route_guard(req, r) != 0)
		return -1;
	if (!r->rt_read || !(r->rt_guards & RB_NEED_DB) ||
	    (req->req_method != RB_GET && req->req_method != RB_HEAD)) {
		r->rt_handler(req);
		return 0;
	}
	/* The guard took the connection (RB_NEED_DB). */
	if ((db = rb_req_db(req)) == NULL)
		return 0;
	/* What the handler reads from this snapshot is kept only if no
	   notice came since it began (app/pagecache.h). */
	rb_pagecache_snapshot();
	rc = page_read(req, r, db);
	rb_pagecache_snapshot_end();
	return rc;
}

/* A page read in one read transaction on db. */
static int
page_read(struct rb_req *req, const struct rb_route_def *r, struct rb_db *db)
{
	if (rb_db_begin_read(db) != 0) {
		log_warnx_rl(req->req_ip, "%s: cannot open the page's read "
		    "transaction", req->req_path);
		answer_500(req);
		return 0;
	}
	r->rt_handler(req);
	/* Something under the handler ended the transaction (a use case
	   that rolls back whatever is open after a failure): nothing is
	   left to end. */
	if (!rb_db_in_transaction(db))
		return 0;
	if (req->resp_status >= 500) {
		rb_db_rollback(db);
		return 0;
	}
	if (rb_db_commit(db) != 0) {
		rb_db_rollback(db);
		log_warnx_rl(req->req_ip, "%s: the page's read transaction "
		    "did not commit", req->req_path);
		answer_500(req);
	}
	return 0;
}

int
rb_route_serve(struct rb_req *req)
{
	return rb_route_serve_row(req, &rb_routes[req->req_route]);
}

const char *
rb_route_allow(enum rb_route route)
{
	unsigned m = rb_routes[route].rt_methods;

	if ((m & RB_M_GET) && (m & RB_M_POST))
		return "GET, HEAD, POST";
	if (m & RB_M_POST)
		return "POST";
	return "GET, HEAD";
}
