/*
 * routes.c: the route table and its matcher (see routes.h).
 */
#include <string.h>

#include "routes.h"

#define GP	(RB_M_GET | RB_M_POST)

const struct rb_route_def rb_routes[ROUTE__MAX] = {
	/* name, path, prefix, methods, handler, slow (POST), demo only,
	   minimum answer time in ms (slow POSTs) */
	[ROUTE_HOME] = { "home", "/", 0, RB_M_GET, rb_page_home, 0, 0, 0 },
	[ROUTE_HEALTHZ] = { "healthz", "/healthz", 0, RB_M_GET,
	    rb_page_healthz, 0, 0, 0 },
	[ROUTE_METRICS] = { "metrics", "/metrics", 0, RB_M_GET,
	    rb_page_metrics, 0, 0, 0 },
	[ROUTE_STATIC] = { "static", "/static/", 1, RB_M_GET,
	    rb_page_static, 0, 0, 0 },
	[ROUTE_SIGNIN] = { "signin", "/connexion", 0, GP, rb_page_signin,
	    1, 0, 0 },
	[ROUTE_SIGNOUT] = { "signout", "/deconnexion", 0, RB_M_POST,
	    rb_page_signout, 0, 0, 0 },
	[ROUTE_SPACE] = { "space", "/mon-espace", 0, RB_M_GET,
	    rb_page_space, 0, 0, 0 },
	[ROUTE_SIGNUP] = { "signup", "/creer-mon-espace", 0, GP,
	    rb_page_claim_contract, 1, 0, 100 },
	[ROUTE_MIGRATE] = { "migrate", "/abonne-2023", 0, GP,
	    rb_page_claim_legacy, 1, 0, 100 },
	[ROUTE_REGISTER] = { "register", "/finaliser", 0, RB_M_POST,
	    rb_page_register, 1, 0, 400 },
	[ROUTE_CHECK_MAIL] = { "check_mail", "/verifiez-vos-emails", 0,
	    RB_M_GET, rb_page_check_mail, 0, 0, 0 },
	[ROUTE_ACTIVATE] = { "activate", "/activer", 0, GP,
	    rb_page_activate, 0, 0, 0 },
	[ROUTE_RESEND] = { "resend", "/renvoyer-activation", 0, GP,
	    rb_page_resend, 1, 0, 100 },
	[ROUTE_FORGOT] = { "forgot", "/mot-de-passe-oublie", 0, GP,
	    rb_page_forgot, 1, 0, 100 },
	[ROUTE_RESET] = { "reset", "/mot-de-passe/nouveau", 0, GP,
	    rb_page_reset, 1, 0, 0 },
	[ROUTE_ACCOUNT] = { "account", "/mon-compte", 0, RB_M_GET,
	    rb_page_account, 0, 0, 0 },
	[ROUTE_ACCOUNT_PASSWORD] = { "account_password",
	    "/mon-compte/mot-de-passe", 0, RB_M_POST,
	    rb_page_account_password, 1, 0, 0 },
	[ROUTE_ACCOUNT_EMAIL] = { "account_email", "/mon-compte/email", 0,
	    RB_M_POST, rb_page_account_email, 1, 0, 0 },
	[ROUTE_ACCOUNT_CONTRACT] = { "account_contract",
	    "/mon-compte/contrats", 0, RB_M_POST, rb_page_account_contract,
	    1, 0, 100 },
	[ROUTE_ACCOUNT_SESSION] = { "account_session",
	    "/mon-compte/sessions", 0, RB_M_POST, rb_page_account_session,
	    0, 0, 0 },
	[ROUTE_CONFIRM_EMAIL] = { "confirm_email",
	    "/mon-compte/confirmer-email", 0, GP, rb_page_confirm_email,
	    0, 0, 0 },
	[ROUTE_DEV_MAIL] = { "dev_mail", "/_dev/courriels", 0, RB_M_GET,
	    rb_page_dev_mail, 0, 1, 0 },
	[ROUTE_ARCHIVE] = { "archive", "/archives", 0, GP, rb_page_archive,
	    1, 0, 100 },
	[ROUTE_ARCHIVE_EXIT] = { "archive_exit", "/archives/sortie", 0,
	    RB_M_POST, rb_page_archive_exit, 0, 0, 0 },
	[ROUTE_CONTACT] = { "contact", "/contact", 0, RB_M_GET,
	    rb_page_soon, 0, 0, 0 },
	[ROUTE_PRIVACY] = { "privacy", "/confidentialite", 0, RB_M_GET,
	    rb_page_privacy, 0, 0, 0 },
	[ROUTE_BILLS] = { "bills", "/mes-factures", 0, RB_M_GET,
	    rb_page_bills, 0, 0, 0 },
	[ROUTE_BILL] = { "bill", "/mes-factures/", 1, RB_M_GET,
	    rb_page_bill, 0, 0, 0 },
	[ROUTE_ACCOUNT_API_TOKEN] = { "account_api_token",
	    "/mon-compte/jetons", 0, RB_M_POST, rb_page_account_api_token,
	    0, 0, 0 },
	[ROUTE_ACCOUNT_API_REVOKE] = { "account_api_revoke",
	    "/mon-compte/jetons/revoquer", 0, RB_M_POST,
	    rb_page_account_api_revoke, 0, 0, 0 },
	[ROUTE_API_OPENAPI] = { "api_openapi", "/api/v1/openapi.json", 0,
	    RB_M_GET, rb_page_api_openapi, 0, 0, 0 },
	[ROUTE_API_CONTRACTS] = { "api_contracts", "/api/v1/contracts", 0,
	    RB_M_GET, rb_page_api_contracts, 0, 0, 0 },
	[ROUTE_API_CONTRACT] = { "api_contract", "/api/v1/contracts/", 1,
	    RB_M_GET, rb_page_api_contract, 0, 0, 0 },
	[ROUTE_CONSUMPTION] = { "consumption", "/ma-consommation", 0,
	    RB_M_GET, rb_page_consumption, 0, 0, 0 },
	[ROUTE_CONSUMPTION_CSV] = { "consumption_csv", "/ma-consommation.csv",
	    0, RB_M_GET, rb_page_consumption_csv, 0, 0, 0 },
	[ROUTE_GDPR] = { "gdpr", "/mes-donnees", 0, RB_M_GET, rb_page_gdpr,
	    0, 0, 0 },
	[ROUTE_GDPR_JSON] = { "gdpr_json", "/mes-donnees.json", 0, RB_M_GET,
	    rb_page_gdpr_json, 0, 0, 0 },
	[ROUTE_NOT_FOUND] = { "not_found", NULL, 0, 0, NULL, 0, 0, 0 },
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
