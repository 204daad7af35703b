/*
 * bills.h: the bills of a subscriber's space as use cases (no HTTP, no
 * SQL): the list per contract with its filters, the archive list, one
 * bill with everything French rules ask a water bill to show, and its
 * PDF, drawn on demand and cached.
 *
 * Everything is read within a scope (store/scope.h): a bill or contract
 * outside it answers RB_NOT_FOUND, exactly like one that does not
 * exist. Results are jansson objects ready for templates, with amounts,
 * volumes, prices and dates already written the French way from
 * integers ("1 234,56 €", "79,452 m³", "0,004 19 €", "5 juin 2026");
 * no floating point anywhere.
 *
 * Thousands separators and the space before "€", "m³" and "%" are
 * no-break spaces (U+00A0), so that an amount never wraps.
 */
#ifndef RB_APP_BILLS_H
#define RB_APP_BILLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/db.h"
#include "store/scope.h"
#include "store/invoices.h"

/* Utility named on every bill. */
#define RB_BILLS_ISSUER		"Eau de la Métropole"
/* Years a list may be filtered on: RB_BILLS_YEAR_MIN to this year. */
#define RB_BILLS_YEAR_MIN	2000

/* What a use case needs besides the scope. Strings are borrowed. */
struct rb_bills_ctx {
	rb_db		*bc_db;
	time_t		 bc_now;		/* decides "En retard" */
	const char	*bc_service_phone;	/* "09 69 32 22 12" */
	const char	*bc_emergency_phone;
	const char	*bc_pdf_cache_dir;	/* created when missing */
	int		 bc_card;		/* card payment configured:
						   "Payer en ligne" shown */
	const char	*bc_former_name;	/* issuer of archived bills
						   (former_operator_name) */
	const char	*bc_former_address;	/* its address line, or "" */
};

/* A list's filters, once parsed. */
struct rb_bills_filter {
	char		bf_contract[16];	/* "" for every contract */
	int		bf_year;		/* 0 for every year */
	enum rb_invoice_filter_status bf_status;
	int		bf_archive;		/* 1: "Archives (avant 2024)" */
};

/*
 * Parses the values of the list's query fields (NULL or "" when absent):
 * contract "1000000001" (10 digits, spaces ignored), year "2025" (from
 * RB_BILLS_YEAR_MIN to the current year, rb_clock_today() at now), status
 * "payee", "a-payer", "prelevement" or "en-retard", archive "1" or "0".
 * Returns RB_OK with *out filled, or RB_INVALID with *msg a
 * static French sentence naming the problem.
 */
enum rb_rc rb_bills_parse_filter(const char *contract,
		    const char *year, const char *status, const char *archive,
		    time_t now, struct rb_bills_filter *out, const char **msg);

/* Room for any text rb_bills_fmt() writes (below). */
#define RB_BILLS_FMT_MAX	64

/* A bill of the list (struct rb_bills_rows); texts are "" when they
 * cannot be written (a date that is not one, text that is not UTF-8). */
struct rb_bills_pay {
	char		 bp_owed[RB_BILLS_FMT_MAX];	/* total minus
							   succeeded payments */
	int		 bp_partly_paid;	/* owed is below the total */
	int		 bp_pending;		/* a card payment in progress */
	int		 bp_payable;		/* ctx->bc_card and none */
};

struct rb_bills_row {
	char		 br_number[32];	/* its page /mes-factures/<number> */
	char		 br_total[RB_BILLS_FMT_MAX];
	const char	*br_status_label;	/* static texts */
	const char	*br_status_class;
	char		 br_due[RB_BILLS_FMT_MAX];
	char		 br_meta[256];	/* "Période du … au …, émise le …",
					   and ", ancien contrat n° …" for
					   an archived bill */
	struct rb_bills_pay br_pay_data;
	const struct rb_bills_pay *br_pay;	/* &br_pay_data for a bill
						   to pay or overdue with
						   something owed, else NULL */
};

struct rb_bills_contract {
	char		 bk_number[16];
	char		 bk_old_number[16];	/* "" when none */
	char		 bk_address[512];	/* address, postcode commune */
	int		 bk_empty;		/* no bill passes the filter */
	const struct rb_bills_row *bk_bills;	/* newest first */
	size_t		 bk_nbills;
	char		 bk_pay_amount[RB_BILLS_FMT_MAX];
	const char	*bk_pay_all;	/* bk_pay_amount: what "Tout
					   régler" pays (its payable bills
					   with no payment in progress), or
					   NULL when nothing */
};

/* The contracts of the list and their bills; rb_bills_rows_free(). */
struct rb_bills_rows {
	struct rb_bills_contract *bs_contracts;
	size_t		 bs_ncontracts;
	struct rb_bills_row *bs_bills;
	size_t		 bs_nbills;
};

/*
 * The list page: *out = {"archive_list", "title", "filters": {"contracts",
 * "years", "statuses" (select options {value, label, selected}; the
 * statuses are shared: read only), "active"}, "no_contract"} and *rows
 * the contracts shown with their bills (struct rb_bills_rows: a list of
 * many bills is written from C structs, not JSON objects). Everything
 * comes from one read of the scope's contracts and bills
 * (store/invoices.h, rb_invoices_set()), filtered in C; for a signed-in
 * account that read is kept in memory where the engine tells of
 * changes (app/pagecache.h: PostgreSQL). The caller owns
 * *out and *rows (rb_bills_rows_free()). Returns RB_OK, RB_NOT_FOUND
 * when f names a contract outside the scope, or RB_ERROR (*out NULL and
 * *rows empty unless OK).
 */
enum rb_rc rb_bills_list(const struct rb_bills_ctx *ctx,
		    const struct rb_scope *sc, const struct rb_bills_filter *f,
		    json_t **out, struct rb_bills_rows *rows);
void		 rb_bills_rows_free(struct rb_bills_rows *rows);

/*
 * Normalises a bill number typed or taken from a URL (spaces trimmed,
 * upper case) into out (outlen >= 32). Returns 0, or -1 when it cannot
 * be a bill number (letters, digits and '-', 1 to 31 of them).
 */
int		 rb_bills_norm_number(const char *in, char *out,
		    size_t outlen);

/*
 * One bill, everything its page and PDF show: *out = the "bill view"
 * documented in docs/bill_pdf.h. number must be normalised. The caller
 * owns *out. Returns RB_OK, RB_NOT_FOUND or RB_ERROR
 * (*out NULL unless OK). For a signed-in account the bill's data is
 * kept in memory per account and number (app/pagecache.h); the view is
 * made at each call.
 */
enum rb_rc rb_bills_get(const struct rb_bills_ctx *ctx,
		    const struct rb_scope *sc, const char *number,
		    json_t **out);

/*
 * rb_bills_get() in two steps, for the bill's page: rb_bills_page()
 * reads the bill's data (kept in memory as above) into *out: bpg_number
 * the bill's number as stored, bpg_frag the slot where the page keeps
 * the HTML it made of that data (app/pagefrag.h), both standing until
 * rb_bills_page_done(), bpg_shared 1 when the data is kept in memory
 * (0: read for this request only, its slot is worth nothing to fill);
 * same returns as rb_bills_get() (nothing to release unless RB_OK).
 * rb_bills_page_view() makes the bill view of it at ctx->bc_now
 * (caller owns it), which depends only on that data, ctx's settings and
 * today (the day of ctx->bc_now in Paris).
 */
struct rb_pagecache_val;
struct rb_pagefrag_slot;
struct rb_bills_page {
	struct rb_pagecache_val	*bpg_kept;
	const char		*bpg_number;
	struct rb_pagefrag_slot	*bpg_frag;
	int			 bpg_shared;
};
enum rb_rc	 rb_bills_page(const struct rb_bills_ctx *ctx,
		    const struct rb_scope *sc, const char *number,
		    struct rb_bills_page *out);
json_t		*rb_bills_page_view(const struct rb_bills_ctx *ctx,
		    const struct rb_bills_page *p);
void		 rb_bills_page_done(struct rb_bills_page *p);

/*
 * The bill's PDF: the file in ctx->bc_pdf_cache_dir named after the
 * number and a hash of the data drawn, drawn first when missing (written
 * to a temporary file then renamed, so readers never see half a file).
 * Sets *fd to a descriptor open for reading at offset 0, owned by the
 * caller, *size to its size, and *cached to 1 when the file was already
 * there. Same return codes as rb_bills_get() (*fd -1 unless OK).
 */
enum rb_rc rb_bills_pdf(const struct rb_bills_ctx *ctx,
		    const struct rb_scope *sc, const char *number, int *fd,
		    uint64_t *size, int *cached);

/*
 * French label of a bill status on day today ("YYYY-MM-DD"): "Payée",
 * "Prélèvement programmé", "En retard" (overdue, or to pay with due_on
 * before today), "Annulée" or "À payer"; sets *cls (if not NULL) to a
 * CSS class name ("paid", "debit", "late", "cancelled", "due").
 */
const char	*rb_bills_status_label(const char *status, const char *due_on,
		    const char *today, const char **cls);

/*
 * French formatting from integers, exported for tests; each writes its
 * NUL-terminated text into out (RB_BILLS_FMT_MAX bytes suffice).
 *   c100:    unit price in hundredths of a cent, four decimals, or two
 *            when the last two are zeros: 3650 -> "0,3650 €",
 *            13500 -> "1,35 €", 390000 -> "39,00 €"
 *   rate:    VAT in basis points, 550 -> "5,5 %", 2000 -> "20 %"
 *   litre price: total_cents / litres in euros with five decimals,
 *            rounded half up: (33297, 79452) -> "0,004 19 €"; "" when
 *            litres <= 0
 * (Amounts, volumes and dates use base/money.h and base/clock.h.)
 */
void	rb_bills_fmt_c100(int64_t c100, char *out, size_t outlen);
void	rb_bills_fmt_rate(int bp, char *out, size_t outlen);
void	rb_bills_fmt_litre_price(int64_t total_cents, int64_t litres,
	    char *out, size_t outlen);

#endif
