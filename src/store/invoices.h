/*
 * invoices.h: the bills of a subscriber's space (tables invoices and
 * invoice_lines, with their contract and customer), always read within
 * a scope (store/scope.h).
 *
 * Every query binds both members of the scope and filters with them:
 * a bill or contract outside the scope is never returned, and a number
 * outside the scope answers exactly like a number that does not exist.
 * Lines come from invoice_lines as they were billed (labels, prices and
 * VAT rates are data: tariffs change, the code does not).
 */
#ifndef RB_STORE_INVOICES_H
#define RB_STORE_INVOICES_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/scope.h"

/* At most this many bills in one list (a space holds a few contracts,
 * two bills a year each). */
#define RB_INVOICES_MAX		2000

/* The status filter of a list. "To pay" and "overdue" depend on the
 * date: a bill still to pay whose due date is past counts as overdue. */
enum rb_invoice_filter_status {
	RB_INVF_ANY,
	RB_INVF_PAID,
	RB_INVF_TO_PAY,		/* to_pay, due today or later */
	RB_INVF_DIRECT_DEBIT,
	RB_INVF_OVERDUE,	/* overdue, or to_pay due before today */
	RB_INVF__MAX
};

struct rb_invoice_filter {
	const char	*if_contract;	/* contracts.number, or NULL for all */
	int		 if_year;	/* year of issue, 0 for all */
	enum rb_invoice_filter_status if_status;
	int		 if_archived;	/* 0: since 2024, 1: the archive */
	const char	*if_today;	/* "YYYY-MM-DD", for TO_PAY/OVERDUE */
};

/* One bill, as a list shows it and as a bill page starts. */
struct rb_invoice {
	int64_t	inv_id;
	char	inv_number[32];
	char	inv_contract[16];	/* contracts.number (since 2024) */
	char	inv_printed[16];	/* number printed on the bill: the old
					   one for the archive */
	int	inv_archived;
	char	inv_period_start[11];
	char	inv_period_end[11];
	char	inv_issued_on[11];
	char	inv_due_on[11];
	char	inv_status[16];		/* to_pay, paid, direct_debit,
					   overdue, cancelled */
	int64_t	inv_volume_litres;
	int64_t	inv_excl_tax_cents;
	int64_t	inv_vat_cents;
	int64_t	inv_total_cents;
};

/* A meter reading printed on a bill. */
struct rb_invoice_reading {
	int	rd_known;		/* 0 when the bill has none */
	int64_t	rd_index_litres;
	char	rd_date[11];		/* "" when unknown */
	char	rd_kind[12];		/* actual, estimated, or "" */
};

enum rb_invoice_heading {
	RB_HEADING_DISTRIBUTION,
	RB_HEADING_SEWAGE,
	RB_HEADING_PUBLIC_BODIES,
	RB_HEADING__MAX
};

struct rb_invoice_line {
	enum rb_invoice_heading il_heading;
	char	il_code[32];		/* tariff code, "" when none */
	char	il_label[128];
	char	il_period_start[11];	/* "" when the line covers the bill */
	char	il_period_end[11];
	int64_t	il_quantity;		/* litres or days */
	int	il_per_day;		/* 1: days (subscription), 0: litres */
	int64_t	il_unit_price_c100;	/* per m3 or per year, 1/100 cent */
	int64_t	il_excl_tax_cents;
	int	il_vat_rate_bp;		/* 550 = 5.5 % */
	int64_t	il_vat_cents;
};

/* A bill with everything its page and PDF show. */
struct rb_invoice_full {
	struct rb_invoice	 if_inv;
	struct rb_invoice_reading if_old;
	struct rb_invoice_reading if_new;
	int			 if_direct_debit;	/* contract pays so */
	char			 if_old_contract[16];	/* "" when none */
	char			 if_service_address[256];
	char			 if_service_postcode[16];
	char			 if_service_commune[128];
	char			 if_title[16];		/* "M.", "Mme", "" */
	char			 if_last_name[128];
	char			 if_first_name[128];
	char			 if_address1[256];
	char			 if_address2[256];
	char			 if_postcode[16];
	char			 if_commune[128];
	/* The last debit the bank rejected (sepa returns), "" / 0 when
	   none: its ISO reason code, the reason in French, and when the
	   rejection was applied (UTC seconds, 0 when unknown). */
	char			 if_reject_code[8];
	char			 if_reject_reason[256];
	int64_t			 if_rejected_at;
	char			 if_debit_on[11];	/* collection date of
							   its debit not yet
							   collected, or "" */
	int64_t			 if_contract_id; /* contracts.id */
	struct rb_invoice_line	*if_lines;	/* by position; free() */
	size_t			 if_nlines;
};

/* A contract in scope, for the list page. */
struct rb_invoice_contract {
	int64_t	ic_id;			/* contracts.id (rb_invoices_set()
					   only; 0 elsewhere) */
	char	ic_number[16];
	char	ic_old_number[16];	/* "" when none */
	char	ic_address[256];
	char	ic_postcode[16];
	char	ic_commune[128];
};

/*
 * A bill of the list page, as rb_invoices_set() reads it: the columns of
 * struct rb_invoice (volume and amounts before tax left 0), and what a
 * card payment needs (store/payments.h gives the same figures).
 */
struct rb_invoice_item {
	struct rb_invoice it_inv;
	int	it_payable;		/* to pay or overdue, something owed */
	int64_t	it_owed_cents;		/* total - succeeded payments, when
					   it_payable (else 0) */
	int	it_held;		/* it_payable and a pending card
					   order holds it (holds not ended
					   at now) */
};

/*
 * Everything the list page reads, in one plain statement: the contracts
 * in scope sorted by number, and every bill in scope (the archive
 * scope: its archived bills) sorted by contract number, then newest
 * first (issue date, then number), whatever the filters. Free with
 * rb_invoice_set_free().
 */
struct rb_invoice_set {
	struct rb_invoice_contract *is_contracts;
	size_t			 is_ncontracts;
	struct rb_invoice_item	*is_items;
	size_t			 is_nitems;
	/* The end of the earliest hold found (it_held), 0 when none: after
	   it, a read at a later now may differ with no write between. */
	int64_t			 is_held_until;
};

/*
 * Reads the set of scope sc, judging holds at now, into *out (zeroed
 * first). Returns 0, or -1 on error (nothing to free).
 */
int	rb_invoices_set(rb_db *db, const struct rb_scope *sc, int64_t now,
	    struct rb_invoice_set *out);
void	rb_invoice_set_free(struct rb_invoice_set *set);

/*
 * 1 when bill inv passes the filter f (archive or not, contract number,
 * year of issue, status judged on f->if_today), 0 when not. Pure: the
 * list is the set's bills that pass, in the set's order, at most
 * RB_INVOICES_MAX of them.
 */
int	rb_invoice_filter_match(const struct rb_invoice *inv,
	    const struct rb_invoice_filter *f);

/*
 * The contracts in scope, by number, into an array of *n rows that the
 * caller frees with free() (NULL when none). For an archive visitor,
 * the one contract. Returns 0 or -1.
 */
int	rb_invoices_contracts(rb_db *db, const struct rb_scope *sc,
	    struct rb_invoice_contract **out, size_t *n);

/*
 * Loads the bill numbered `number` in scope, with its contract, customer
 * and lines, into *out; free its lines with rb_invoice_full_free().
 * Returns 0, 1 when there is no such bill in scope (whether it exists
 * elsewhere or not: the same answer), -1 on error (nothing to free).
 */
int	rb_invoice_get(rb_db *db, const struct rb_scope *sc,
	    const char *number, struct rb_invoice_full *out);
/* Frees what rb_invoice_get() allocated in inv; inv itself is the
 * caller's. */
void	rb_invoice_full_free(struct rb_invoice_full *inv);

#endif
