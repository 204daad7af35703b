/*
 * paperless.h: the SQL of paperless billing (contracts.paperless and
 * paperless_by, migration 0011) and of the bills to print
 * (invoices.print_requested).
 */
#ifndef RB_STORE_PAPERLESS_H
#define RB_STORE_PAPERLESS_H

#include <stdint.h>

#include "store/db.h"

/* A contract of an account, as the paperless switch needs it. */
struct rb_paperless_row {
	int64_t	 pr_contract_id;
	int	 pr_paperless;		/* 0 or 1 */
	char	 pr_by[16];		/* 'import', 'subscriber', 'agent' */
	char	 pr_email[320];		/* the account's address */
	char	 pr_first_name[128];	/* "" when unknown */
};

/*
 * Reads contract number as seen by account (a contract of another
 * account, or none, is not found alike). Returns 0 with *row filled, 1
 * when not found, -1 on a database failure (logged).
 */
int	rb_paperless_get(rb_db *db, int64_t account, const char *number,
	    struct rb_paperless_row *row);

/* Sets contract_id's paperless to on (0 or 1) and paperless_by to by
 * ('subscriber', 'agent'). Returns 0 or -1 (logged). */
int	rb_paperless_set(rb_db *db, int64_t contract_id, int on,
	    const char *by);

/* One bill to print, with where to post it; texts "" when NULL. */
struct rb_print_row {
	const char	*pr_number, *pr_contract, *pr_issued_on, *pr_due_on;
	const char	*pr_title, *pr_first_name, *pr_last_name;
	const char	*pr_address1, *pr_address2, *pr_postcode;
	const char	*pr_commune, *pr_country;
};

/*
 * Hands every bill flagged for printing issued on or after since
 * ("YYYY-MM-DD"), by issue date then number, to fn(row, arg): the row's
 * texts live until fn returns. Returns 0, or -1 on a database failure
 * (logged; some rows may have been handed over).
 */
int	rb_print_list(rb_db *db, const char *since,
	    void (*fn)(const struct rb_print_row *, void *), void *arg);

#endif
