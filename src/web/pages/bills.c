/*
 * pages/bills.c: "Mes factures": the list of bills per contract with its
 * filters and the archive list (GET /mes-factures, query contrat, annee,
 * statut, archives=1), one bill (GET /mes-factures/<numéro>) and its PDF
 * (GET /mes-factures/<numéro>.pdf, an attachment served from the cache)
 * and its braille versions (<numéro>-braille.txt, <numéro>-embosseuse.txt,
 * pages/braille.c).
 *
 * Everything is read within the request's scope: a bill or contract of
 * someone else answers 404, like one that does not exist. A malformed
 * filter answers 400 with a French sentence saying what is wrong.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/bills.h"
#include "app/braille.h"
#include "app/pagefrag.h"
#include "app/psp.h"
#include "base/clock.h"
#include "web/routes.h"
#include "tmpl/mustache.h"
#include "web/session.h"

#define PDF_SUFFIX	".pdf"

/*
 * The list's contracts and bills as bills.mustache reads them, from the
 * C structs of rb_bills_list() (tmpl/mustache.h): "contracts": [{"number",
 * "old_number", "address", "empty", "bills": [{"number", "total",
 * "status": {"label", "class"}, "due", "meta", "pay": null or {"owed",
 * "partly_paid", "pending", "payable"}}], "pay_all": null or
 * {"amount"}}].
 */
#define F(name, type, st, member, desc) \
	RB_TMPL_FIELD(name, type, st, member, desc)

static const struct rb_tmpl_field pay_fields[] = {
	F("owed", RB_TF_TEXT, struct rb_bills_pay, bp_owed, NULL),
	F("partly_paid", RB_TF_BOOL, struct rb_bills_pay, bp_partly_paid, NULL),
	F("pending", RB_TF_BOOL, struct rb_bills_pay, bp_pending, NULL),
	F("payable", RB_TF_BOOL, struct rb_bills_pay, bp_payable, NULL),
};
static const struct rb_tmpl_desc pay_desc = RB_TMPL_DESC(pay_fields);

static const struct rb_tmpl_field status_fields[] = {
	F("label", RB_TF_STR, struct rb_bills_row, br_status_label, NULL),
	F("class", RB_TF_STR, struct rb_bills_row, br_status_class, NULL),
};
/* Read in the bill's own struct: {{status.label}}. */
static const struct rb_tmpl_desc status_desc = RB_TMPL_DESC(status_fields);

static const struct rb_tmpl_field bill_fields[] = {
	F("number", RB_TF_TEXT, struct rb_bills_row, br_number, NULL),
	F("total", RB_TF_TEXT, struct rb_bills_row, br_total, NULL),
	{ "status", RB_TF_SUB, 0, &status_desc },
	F("due", RB_TF_TEXT, struct rb_bills_row, br_due, NULL),
	F("meta", RB_TF_TEXT, struct rb_bills_row, br_meta, NULL),
	F("pay", RB_TF_ROW, struct rb_bills_row, br_pay, &pay_desc),
};
static const struct rb_tmpl_desc bill_desc = RB_TMPL_DESC(bill_fields);

static const struct rb_tmpl_field pay_all_fields[] = {
	{ "amount", RB_TF_TEXT, 0, NULL },
};
/* Read in bk_pay_amount itself. */
static const struct rb_tmpl_desc pay_all_desc = RB_TMPL_DESC(pay_all_fields);

/* A contract with its bills as rows. */
struct contract_view {
	const char	*cv_number;
	const char	*cv_old_number;
	const char	*cv_address;
	int		 cv_empty;
	struct rb_tmpl_rows cv_bills;
	const char	*cv_pay_all;
};

static const struct rb_tmpl_field contract_fields[] = {
	F("number", RB_TF_STR, struct contract_view, cv_number, NULL),
	F("old_number", RB_TF_STR, struct contract_view, cv_old_number, NULL),
	F("address", RB_TF_STR, struct contract_view, cv_address, NULL),
	F("empty", RB_TF_BOOL, struct contract_view, cv_empty, NULL),
	F("bills", RB_TF_ROWS, struct contract_view, cv_bills, NULL),
	F("pay_all", RB_TF_ROW, struct contract_view, cv_pay_all,
	    &pay_all_desc),
};
static const struct rb_tmpl_desc contract_desc = RB_TMPL_DESC(contract_fields);

struct list_view {
	struct rb_tmpl_rows lv_contracts;
};

static const struct rb_tmpl_field list_fields[] = {
	F("contracts", RB_TF_ROWS, struct list_view, lv_contracts, NULL),
};
static const struct rb_tmpl_desc list_desc = RB_TMPL_DESC(list_fields);

#undef F

static void
bills_ctx(struct rb_req *req, struct rb_bills_ctx *ctx)
{
	const struct rb_config *cfg = req->req_site->site_cfg;
	struct rb_psp_cfg psp;

	memset(ctx, 0, sizeof(*ctx));
	ctx->bc_db = rb_req_db(req);
	ctx->bc_now = time(NULL);
	ctx->bc_service_phone = rb_config_str(cfg, RB_CFG_SERVICE_PHONE);
	ctx->bc_emergency_phone = rb_config_str(cfg, RB_CFG_EMERGENCY_PHONE);
	ctx->bc_pdf_cache_dir = rb_config_str(cfg, RB_CFG_PDF_CACHE_DIR);
	ctx->bc_former_name = rb_config_str(cfg, RB_CFG_FORMER_OPERATOR_NAME);
	ctx->bc_former_address = rb_config_str(cfg,
	    RB_CFG_FORMER_OPERATOR_ADDRESS);
	rb_psp_cfg_from_config(cfg, &psp);
	ctx->bc_card = rb_psp_enabled(&psp);
}

static void
answer_rc(struct rb_req *req, enum rb_rc rc)
{
	rb_resp_error(req, rc == RB_NOT_FOUND ? 404 : 500);
}

void
rb_page_bills(struct rb_req *req)
{
	const struct rb_form *q = &req->req_query;
	const struct rb_bills_contract *bk;
	struct rb_bills_filter f;
	struct rb_bills_ctx ctx;
	struct rb_bills_rows rows;
	struct contract_view *cv;
	struct list_view lv;
	struct rb_scope sc;
	enum rb_rc rc;
	const char *msg;
	json_t *data;
	size_t i;

	if (rb_req_scope(req, &sc) != 0)
		return;
	if (rb_bills_parse_filter(rb_form_get(q, "contrat"),
	    rb_form_get(q, "annee"), rb_form_get(q, "statut"),
	    rb_form_get(q, "archives"), time(NULL), &f, &msg) != RB_OK) {
		rb_resp_bad_request(req, "Filtre des factures non valide",
		    msg);
		return;
	}
	bills_ctx(req, &ctx);
	if (ctx.bc_db == NULL)		/* 503 answered */
		return;
	if ((rc = rb_bills_list(&ctx, &sc, &f, &data, &rows)) != RB_OK) {
		answer_rc(req, rc);
		return;
	}
	cv = rb_arena_alloc(req->req_arena, (rows.bs_ncontracts > 0 ?
	    rows.bs_ncontracts : 1) * sizeof(*cv));
	for (i = 0; i < rows.bs_ncontracts; i++) {
		bk = &rows.bs_contracts[i];
		cv[i].cv_number = bk->bk_number;
		cv[i].cv_old_number = bk->bk_old_number;
		cv[i].cv_address = bk->bk_address;
		cv[i].cv_empty = bk->bk_empty;
		cv[i].cv_bills = (struct rb_tmpl_rows){ &bill_desc,
		    bk->bk_bills, bk->bk_nbills, sizeof(*bk->bk_bills) };
		cv[i].cv_pay_all = bk->bk_pay_all;
	}
	lv.lv_contracts = (struct rb_tmpl_rows){ &contract_desc, cv,
	    rows.bs_ncontracts, sizeof(*cv) };
	json_object_set_new(data, "csrf", json_string(rb_req_csrf(req)));
	rb_resp_header(req, "Cache-Control", "no-store");
	rb_resp_page_row(req, 200, "bills", data, &list_desc, &lv);
	rb_bills_rows_free(&rows);
}

static void
bill_pdf(struct rb_req *req, const struct rb_bills_ctx *ctx,
    const struct rb_scope *sc, const char *number)
{
	enum rb_rc rc;
	uint64_t size;
	int fd, cached;

	if ((rc = rb_bills_pdf(ctx, sc, number, &fd, &size, &cached)) !=
	    RB_OK) {
		answer_rc(req, rc);
		return;
	}
	rb_resp_header(req, "Content-Disposition", rb_arena_printf(
	    req->req_arena, "attachment; filename=\"facture-%s.pdf\"",
	    number));
	rb_resp_header(req, "Cache-Control", "private, no-store");
	rb_resp_header(req, "X-Robinet-Cache", cached ? "hit" : "miss");
	req->resp_status = 200;
	req->resp_type = "application/pdf";
	req->resp_fd = fd;
	req->resp_fd_size = size;
}

/*
 * The bill's page: its content as HTML (bill_content.mustache), made
 * from the bill view and kept with the bill's data in memory
 * (app/pagefrag.h, rb_bills_page()), so that the page seen again writes
 * it as it is in the layout (bill.mustache). Its key is what the view
 * depends on besides the data: the day, and the settings the view and
 * the layout's "site" block read. The one per-session text of the
 * content, the payment form's CSRF token, is written at each request
 * where the fragment was cut (CSRF_MARK rendered in its place).
 */
#define CSRF_MARK	"\x01robinet-csrf\x01"

struct bill_row {
	const char	*bw_number;
	const char	*bw_head;
	const char	*bw_tail;
	int		 bw_cut;
	const char	*bw_csrf;
};

#define W(name, type, member) \
	RB_TMPL_FIELD(name, type, struct bill_row, member, NULL)
static const struct rb_tmpl_field bill_page_fields[] = {
	W("number", RB_TF_STR, bw_number),
	W("content_head", RB_TF_STR, bw_head),
	W("content_tail", RB_TF_STR, bw_tail),
	W("content_cut", RB_TF_BOOL, bw_cut),
	W("csrf", RB_TF_STR, bw_csrf),
};
#undef W
static const struct rb_tmpl_desc bill_page_desc =
    RB_TMPL_DESC(bill_page_fields);

/* The fragment's key of ctx at ctx->bc_now into out: 0, or -1 when
   it does not fit (settings that long: nothing kept). */
static int
bill_key(const struct rb_bills_ctx *ctx, char *out, size_t outlen)
{
	char today[11];
	int n;

	rb_clock_today_iso(ctx->bc_now, today, sizeof(today));
	n = snprintf(out, outlen, "%s|%d|%s|%s|%s|%s", today, ctx->bc_card,
	    ctx->bc_service_phone, ctx->bc_emergency_phone,
	    ctx->bc_former_name != NULL ? ctx->bc_former_name : "",
	    ctx->bc_former_address != NULL ? ctx->bc_former_address : "");
	return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

/*
 * The content of p made now (the caller frees it), cut where the CSRF
 * token goes when the view has a payment form ("payable"); or, when the
 * mark is not found exactly there (the bill's data holds it: never in
 * practice), made again with the token written in, not cut, and *keep
 * set to 0. NULL on a template error.
 */
static struct rb_pagefrag *
bill_frag(struct rb_req *req, const struct rb_bills_ctx *ctx,
    const struct rb_bills_page *p, const char *key, int *keep)
{
	struct rb_pagefrag *f = NULL;
	rb_buf buf = RB_BUF_INIT;
	json_t *view;
	size_t cut, len;
	int pass, form;

	*keep = 1;
	view = rb_bills_page_view(ctx, p);
	form = json_is_true(json_object_get(view, "payable"));
	for (pass = 0; pass < 2 && f == NULL; pass++) {
		rb_buf_reset(&buf);
		json_object_set_new(view, "csrf", json_string(pass == 0 ?
		    CSRF_MARK : rb_req_csrf(req)));
		if (rb_resp_fragment(req, "bill_content", json_incref(view),
		    &buf) != 0)
			break;
		len = buf.buf_len;
		cut = RB_PAGEFRAG_NOCUT;
		if (pass == 0 && (len == 0 || rb_pagefrag_cut(buf.buf_data,
		    &len, CSRF_MARK, &cut) != 0 ||
		    (cut != RB_PAGEFRAG_NOCUT) != form)) {
			*keep = 0;
			continue;
		}
		f = rb_pagefrag_new(key, rb_buf_cstr(&buf), len, cut);
	}
	rb_buf_free(&buf);
	json_decref(view);
	return f;
}

static void
bill_page(struct rb_req *req, const struct rb_bills_ctx *ctx,
    const struct rb_scope *sc, const char *number)
{
	const struct rb_pagefrag *f = NULL;
	struct rb_pagefrag *mine = NULL;
	struct rb_bills_page p;
	struct bill_row row;
	rb_buf buf = RB_BUF_INIT;
	char key[1024];
	enum rb_rc rc;
	json_t *view;
	int keep;

	if ((rc = rb_bills_page(ctx, sc, number, &p)) != RB_OK) {
		answer_rc(req, rc);
		return;
	}
	row.bw_number = p.bpg_number;
	row.bw_csrf = rb_req_csrf(req);
	if (!p.bpg_shared || bill_key(ctx, key, sizeof(key)) != 0) {
		/* Data read for this request only: its HTML made with the
		   token written in, never cut nor kept. */
		view = rb_bills_page_view(ctx, &p);
		json_object_set_new(view, "csrf", json_string(row.bw_csrf));
		rc = rb_resp_fragment(req, "bill_content", view, &buf) == 0 ?
		    RB_OK : RB_ERROR;
		row.bw_head = rb_buf_cstr(&buf);
		row.bw_tail = "";
		row.bw_cut = 0;
	} else {
		if ((f = rb_pagefrag_find(p.bpg_frag, key)) == NULL &&
		    (f = mine = bill_frag(req, ctx, &p, key, &keep)) != NULL &&
		    keep && rb_pagefrag_keep(p.bpg_frag, mine))
			mine = NULL;
		rc = f != NULL ? RB_OK : RB_ERROR;
		if (f != NULL) {
			row.bw_head = rb_pagefrag_head(f);
			row.bw_tail = rb_pagefrag_tail(f);
			row.bw_cut = f->pf_cut != RB_PAGEFRAG_NOCUT;
		}
	}
	if (rc != RB_OK)
		rb_resp_error(req, 500);
	else {
		/* The page's room at once: no growing copy by copy. */
		rb_buf_reserve(&req->resp_body, (f != NULL ? f->pf_len :
		    buf.buf_len) + RB_LAYOUT_ROOM);
		rb_resp_header(req, "Cache-Control", "no-store");
		rb_resp_page_row(req, 200, "bill", json_object(),
		    &bill_page_desc, &row);
	}
	rb_buf_free(&buf);
	rb_pagefrag_free(mine);
	rb_bills_page_done(&p);
}

void
rb_page_bill(struct rb_req *req)
{
	const char *rest = req->req_path + strlen("/mes-factures/");
	struct rb_bills_ctx ctx;
	struct rb_scope sc;
	char number[32], *raw;
	size_t len;
	int pdf = 0, braille;
	enum rb_braille_format bfmt = RB_BRAILLE_UNICODE;

	if (rb_req_scope(req, &sc) != 0)
		return;
	raw = rb_arena_strdup(req->req_arena, rest);
	braille = rb_braille_suffix(raw, &bfmt);	/* pages/braille.c */
	len = strlen(raw);
	if (!braille && len > strlen(PDF_SUFFIX) &&
	    strcmp(raw + len - strlen(PDF_SUFFIX), PDF_SUFFIX) == 0) {
		raw[len - strlen(PDF_SUFFIX)] = '\0';
		pdf = 1;
	}
	/* Not the shape of a bill number: like any unknown bill. */
	if (rb_bills_norm_number(raw, number, sizeof(number)) != 0) {
		rb_resp_error(req, 404);
		return;
	}
	bills_ctx(req, &ctx);
	if (ctx.bc_db == NULL)		/* 503 answered */
		return;
	if (pdf) {
		bill_pdf(req, &ctx, &sc, number);
		return;
	}
	if (braille) {
		rb_page_bill_braille(req, &ctx, &sc, number, bfmt);
		return;
	}
	bill_page(req, &ctx, &sc, number);
}
