/*
 * pages/pay.c: paying bills by card (app/pay.h).
 *
 *   POST /paiement                 "Payer en ligne" (field facture) or
 *                                  "Tout régler" (field contrat): makes
 *                                  the order and shows the signed form
 *                                  that goes to the provider's payment
 *                                  page (a button: no JavaScript needed)
 *   GET  /paiement/retour          where the provider sends the browser
 *                                  back (?commande=REF): the order's
 *                                  state as the database knows it
 *   POST /paiement/notification    the provider's notification (IPN),
 *                                  server to server: no session, no
 *                                  CSRF token, the signature proves it;
 *                                  answers text/plain for the provider
 *
 * The form page's Content-Security-Policy lets that one form post to
 * the provider's origin, and no other page.
 */
#include <string.h>
#include <time.h>

#include "app/bills.h"
#include "app/pay.h"
#include "web/routes.h"
#include "web/session.h"

#define CSP_PAY	"default-src 'none'; style-src 'self'; img-src 'self' data:; " \
		"font-src 'self'; form-action 'self' %s; base-uri 'none'; " \
		"frame-ancestors 'none'"

static void
pay_ctx(struct rb_req *req, struct rb_psp_cfg *psp, struct rb_pay_ctx *ctx)
{
	const struct rb_config *cfg = req->req_site->site_cfg;

	rb_psp_cfg_from_config(cfg, psp);
	memset(ctx, 0, sizeof(*ctx));
	ctx->pc_db = rb_req_db(req);
	ctx->pc_now = time(NULL);
	ctx->pc_psp = psp;
	ctx->pc_order_ttl = (int)rb_config_int(cfg, RB_CFG_PSP_ORDER_TTL);
	ctx->pc_ip = req->req_ip;
}

/* "https://host:port" of url, in the arena ("" when it has none). */
static const char *
origin_of(struct rb_req *req, const char *url)
{
	const char *p = strstr(url, "://"), *end;

	if (p == NULL)
		return "";
	end = strchr(p + 3, '/');
	return rb_arena_strndup(req->req_arena, url, end != NULL ?
	    (size_t)(end - url) : strlen(url));
}

static void
message(struct rb_req *req, int status, const char *title, const char *text,
    const char *href, const char *link)
{
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, status, "message", json_pack("{s:s, s:[s], s:n, s:n,"
	    " s:n, s:n, s:[{s:s, s:s}]}", "title", title, "paragraphs", text,
	    "form_action", "csrf", "hidden", "form_button", "links", "href",
	    href, "text", link));
}

void
rb_page_pay(struct rb_req *req)
{
	const struct rb_session *s;
	struct rb_psp_cfg psp;
	struct rb_pay_ctx ctx;
	struct rb_scope sc;
	const char *bill, *contract, *csp;
	char number[32] = "";
	enum rb_rc rc;
	json_t *data;

	if (rb_req_scope(req, &sc) != 0)
		return;
	bill = rb_form_get(&req->req_body, "facture");
	contract = rb_form_get(&req->req_body, "contrat");
	if (bill != NULL && bill[0] != '\0') {
		/* Not the shape of a bill number: like any unknown bill. */
		if (rb_bills_norm_number(bill, number, sizeof(number)) != 0) {
			rb_resp_error(req, 404);
			return;
		}
		contract = NULL;
	} else if (contract == NULL || strlen(contract) != 10 ||
	    strspn(contract, "0123456789") != 10) {
		rb_resp_error(req, 404);
		return;
	}
	pay_ctx(req, &psp, &ctx);
	s = rb_req_session(req);
	rc = rb_pay_start(&ctx, &sc, number, contract, s != NULL ?
	    s->s_email : "", &data);
	switch (rc) {
	case RB_OK:
		break;
	case RB_NO_BILL:
		message(req, 409, "Rien à payer", number[0] ? "Cette facture "
		    "n'a plus rien à payer : elle est réglée, annulée ou payée "
		    "par prélèvement." : "Ce contrat n'a aucune facture à payer "
		    "en ligne.", "/mes-factures", "Voir mes factures");
		return;
	case RB_TOO_MANY:
		message(req, 409, "Paiement déjà en cours", rb_arena_printf(
		    req->req_arena, "Un paiement par carte de cette facture "
		    "est déjà en cours, peut-être dans un autre onglet. "
		    "Attendez sa confirmation : si vous l'avez abandonné, vous "
		    "pourrez payer de nouveau d'ici %d minutes.",
		    (ctx.pc_order_ttl + 59) / 60), "/mes-factures",
		    "Voir mes factures");
		return;
	case RB_INVALID:
		message(req, 503, "Paiement en ligne indisponible", "Le "
		    "paiement par carte n'est pas disponible pour le moment. "
		    "Vous pouvez payer par les autres moyens indiqués sur la "
		    "facture.", "/mes-factures", "Voir mes factures");
		return;
	case RB_NOT_FOUND:
		rb_resp_error(req, 404);
		return;
	default:
		rb_resp_error(req, 500);
		return;
	}
	csp = rb_arena_printf(req->req_arena, CSP_PAY, origin_of(req,
	    json_string_value(json_object_get(data, "page_url"))));
	rb_resp_header(req, "Content-Security-Policy", csp);
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "pay", data);
}

void
rb_page_pay_return(struct rb_req *req)
{
	struct rb_psp_cfg psp;
	struct rb_pay_ctx ctx;
	struct rb_scope sc;
	enum rb_rc rc;
	json_t *data;

	if (rb_req_scope(req, &sc) != 0)
		return;
	pay_ctx(req, &psp, &ctx);
	rc = rb_pay_order_view(&ctx, &sc, rb_form_get(&req->req_query,
	    "commande"), &data);
	if (rc != RB_OK) {
		rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
		return;
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page(req, 200, "pay_return", data);
}

void
rb_page_pay_notify(struct rb_req *req)
{
	struct rb_pay_notice_out out;
	struct rb_psp_cfg psp;
	struct rb_pay_ctx ctx;
	enum rb_rc rc;
	int status;

	pay_ctx(req, &psp, &ctx);
	if (!rb_psp_enabled(&psp)) {
		rb_resp_text(req, 404, "text/plain; charset=utf-8",
		    "card payment is not configured\n");
		return;
	}
	rc = rb_pay_notify(&ctx, &req->req_body, &out);
	switch (rc) {
	case RB_OK:
		status = 200;
		break;
	case RB_INVALID:
		status = out.pn_conflict ? 409 : 400;
		break;
	case RB_DENIED:
		status = 403;
		break;
	case RB_NOT_FOUND:
		status = 404;
		break;
	default:
		status = 500;
		out.pn_why = "internal error";
		break;
	}
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_text(req, status, "text/plain; charset=utf-8",
	    rb_arena_printf(req->req_arena, "%s: %s\n", status == 200 ? "OK" :
	    "REFUSED", out.pn_why != NULL ? out.pn_why : "?"));
}
