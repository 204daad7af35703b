/*
 * consumption.h: SQL of consumption: the contracts, billing periods and
 * remote readings a scope may see, and the consumption_alerts table.
 *
 * Functions that read a subscriber's data take the two members of a
 * scope (store/scope.h), account and archive, and bind both in their
 * query: account is a web_accounts.id (or 0), archive the contracts.id
 * of an archive visitor (or 0), who only sees archived bills and
 * readings before archive_end. Functions marked "batch" read every
 * contract without a scope: they serve `robinet alerts`, never a page.
 */
#ifndef RB_STORE_CONSUMPTION_H
#define RB_STORE_CONSUMPTION_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* A contract as consumption needs it. */
struct rb_cons_contract {
	int64_t	cc_id;
	char	cc_number[16];		/* "1000000001" */
	char	cc_old_number[16];	/* "1234560A", or "" */
	int	cc_remote;		/* its meter in place is remote-read */
};

/* A bill's billing period. */
struct rb_cons_bill {
	int64_t	cb_invoice_id;
	char	cb_number[32];		/* invoice number */
	char	cb_start[11];		/* "YYYY-MM-DD" */
	char	cb_end[11];
	int64_t	cb_litres;
	int	cb_estimated;		/* the closing reading was estimated */
};

/* One remote reading. */
struct rb_cons_reading {
	int64_t	cr_meter_id;
	char	cr_day[11];		/* "YYYY-MM-DD" */
	int64_t	cr_index;		/* litres */
};

/* A recorded alert. */
struct rb_cons_alert_row {
	char	ca_start[11];
	char	ca_end[11];
	int64_t	ca_litres;
	int64_t	ca_average;
};

/*
 * Finds the contract whose number or old number is number, if the scope
 * (account, archive) may see it. Returns 0 and fills *out, 1 when there
 * is no such contract in scope, -1 on a database failure.
 */
int	rb_cons_store_contract(rb_db *db, int64_t account, int64_t archive,
	    const char *number, struct rb_cons_contract *out);

/*
 * The contracts the scope may see, sorted by number (in C: the
 * statement is index searches only), into a new array of *n that the
 * caller frees with free() (NULL when none). Returns 0, or -1 (*out
 * NULL, *n 0).
 */
int	rb_cons_store_contracts(rb_db *db, int64_t account, int64_t archive,
	    struct rb_cons_contract **out, int *n);

/*
 * The billing periods of contract (not cancelled bills) that the scope
 * may see, by end date then bill id (sorted in C: the statement reads the
 * contract's index, no temporary b-tree): the archive scope sees archived
 * bills whose
 * period ends before archive_end. Sets *out to a new array of *n rows
 * (NULL when none; free() it). Returns 0, or -1 (*out NULL, *n 0).
 */
int	rb_cons_store_bills(rb_db *db, int64_t account, int64_t archive,
	    const char *archive_end, int64_t contract,
	    struct rb_cons_bill **out, int *n);

/*
 * The remote readings (source 'remote') of the remote-read meters of
 * contract read from day from to day to (included) that the scope may
 * see (the archive scope: before archive_end), by meter then day; of
 * several readings of one meter on one day only the last is kept. Sets
 * *out to a new array of *n rows (NULL when none; free() it). Returns 0,
 * or -1 (*out NULL, *n 0).
 */
int	rb_cons_store_readings(rb_db *db, int64_t account, int64_t archive,
	    const char *archive_end, int64_t contract, const char *from,
	    const char *to, struct rb_cons_reading **out, int *n);

/*
 * Runs query (binds b, nb of them; columns meter id, day "YYYY-MM-DD",
 * index in litres, ordered by meter then day) and gathers one reading
 * per meter and day, a later row of the same meter and day replacing
 * the earlier one, into a new array *out of *n (caller frees). The
 * readings of rb_cons_store_readings() and of the leak rule
 * (store/leaks.h). Returns 0 or -1 (*out NULL).
 */
int	rb_cons_store_fetch_readings(rb_db *db, const char *query,
	    const struct rb_bind *b, size_t nb, struct rb_cons_reading **out,
	    int *n);

/*
 * The alert recorded for the period of bill number, if the scope may see
 * the bill (the archive scope: archived bills only). Returns 0 and fills
 * *out, 1 when the bill is in scope but has no alert, 2 when the bill is
 * not in scope (or does not exist), -1 on a database failure.
 */
int	rb_cons_store_invoice_alert(rb_db *db, int64_t account,
	    int64_t archive, const char *number, struct rb_cons_alert_row *out);

/*
 * The most recent alert (latest period end) of contract that the scope
 * may see (the archive scope: periods ending before archive_end).
 * Returns 0 and fills *out, 1 when there is none, -1 on failure.
 */
int	rb_cons_store_contract_alert(rb_db *db, int64_t account,
	    int64_t archive, const char *archive_end, int64_t contract,
	    struct rb_cons_alert_row *out);

/*
 * What one contract's page reads, in one batch (rb_db_fetch_batch(): one
 * round trip on PostgreSQL): its billing periods as rb_cons_store_bills()
 * gives them into *bills of *nbills when bills is not NULL, its readings
 * from..to as rb_cons_store_readings() gives them into *readings of
 * *nreadings when readings is not NULL, and its latest alert as
 * rb_cons_store_contract_alert() gives it into *alert, *has_alert 1 when
 * there is one. Returns 0, or -1 (every array NULL, counts 0).
 */
int	rb_cons_store_page(rb_db *db, int64_t account, int64_t archive,
	    const char *archive_end, int64_t contract,
	    struct rb_cons_bill **bills, int *nbills, const char *from,
	    const char *to, struct rb_cons_reading **readings, int *nreadings,
	    struct rb_cons_alert_row *alert, int *has_alert);

/*
 * Batch: up to max contract ids greater than after, in order, into
 * ids[]; *n is how many. Returns 0, or -1.
 */
int	rb_cons_store_contract_ids(rb_db *db, int64_t after, int max,
	    int64_t *ids, int *n);

/*
 * Batch: the contract with row id, and all its billing periods, as
 * rb_cons_store_contract() and rb_cons_store_bills() would give them to
 * its holder. Returns 0, 1 when there is no such contract, or -1.
 */
int	rb_cons_store_contract_by_id(rb_db *db, int64_t id,
	    struct rb_cons_contract *out);
int	rb_cons_store_all_bills(rb_db *db, int64_t contract,
	    struct rb_cons_bill **out, int *n);

/*
 * Batch: records the alert of contract for the period [start, end] of
 * bill invoice, unless one exists for that contract and end date.
 * Returns 0 when recorded (its row id in *id), 1 when it already
 * existed, -1 on failure.
 */
int	rb_cons_store_alert_add(rb_db *db, int64_t contract,
	    const char *start, const char *end, int64_t invoice,
	    int64_t litres, int64_t average, int64_t now, int64_t *id);

/* Batch: sets mailed_at of alert id. Returns 0, or -1. */
int	rb_cons_store_alert_mailed(rb_db *db, int64_t id, int64_t now);

/*
 * Batch: who to write to about contract: sets *out to a new array of
 * {"email", "first_name" (or null)}: the active web accounts linked to
 * it, or else the customer's email on file (empty array when neither).
 * The caller owns *out. Returns 0, or -1 with *out NULL.
 */
int	rb_cons_store_recipients(rb_db *db, int64_t contract, json_t **out);

#endif
