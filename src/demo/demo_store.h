/*
 * demo_store.h: the SQL of the demo dataset generator (src/demo).
 *
 * The generator describes rows with the structs below and hands them to
 * typed writers; every statement behind them is constant text with bound
 * values (demo_store.c). Most rows are inserted at once. The four large
 * tables (invoices, invoice_lines, payments, meter_readings) are
 * buffered and written several rows per INSERT, always in the order
 * given, so the ids they get are the ones single-row inserts would give:
 * a buffer is written when it is full and by rb_demo_store_flush() and
 * rb_demo_store_commit().
 *
 * Strings in the structs belong to the caller and need only live for
 * the call: what a buffer keeps, it copies. A NULL string binds SQL
 * NULL. Dates are 'YYYY-MM-DD' text, instants UTC seconds.
 *
 * Typical use:
 *
 *	rb_demo_store *ds;
 *
 *	if (rb_demo_store_open(db, &ds) != 0)
 *		return -1;
 *	if (rb_demo_store_begin(ds) != 0 ||
 *	    rb_demo_store_customer(ds, &cu, &id) != 0 || ... ||
 *	    rb_demo_store_commit(ds) != 0)
 *		rb_demo_store_rollback(ds);
 *	rb_demo_store_close(ds);
 */
#ifndef RB_DEMO_DEMO_STORE_H
#define RB_DEMO_DEMO_STORE_H

#include <stdint.h>

#include "store/db.h"

typedef struct rb_demo_store rb_demo_store;

/* Provenance of an imported row (the src_* columns). */
struct rb_demo_source {
	const char	*so_system;	/* 'billing_2023', 'former_operator' */
	const char	*so_batch;
	const char	*so_file;
	int64_t		 so_line;
};

/* A row of tariffs (src_system 'demo'). */
struct rb_demo_tariff {
	const char	*ta_heading;	/* 'distribution', 'sewage',
					   'public_bodies' */
	const char	*ta_code;	/* 'DIST_ABO' */
	const char	*ta_label;
	const char	*ta_unit;	/* 'm3' or 'subscription' */
	int64_t		 ta_price_c100;	/* hundredths of a cent */
	int		 ta_vat_bp;	/* basis points */
	const char	*ta_valid_from;
	const char	*ta_valid_to;	/* NULL: open */
};

/* A row of news. */
struct rb_demo_news {
	const char	*nw_slug;
	const char	*nw_title;
	const char	*nw_summary;
	const char	*nw_body_md;
	int64_t		 nw_published_at;
	const char	*nw_kind;	/* 'news' or 'event' */
	const char	*nw_event_start;	/* NULL for news */
	const char	*nw_event_end;
	const char	*nw_place;	/* NULL: none */
};

struct rb_demo_customer {
	const char	*cu_title;	/* 'M.' or 'Mme' */
	const char	*cu_last_name;
	const char	*cu_first_name;
	const char	*cu_email;	/* NULL: none on file */
	const char	*cu_phone;	/* NULL: none on file */
	const char	*cu_address;
	const char	*cu_postcode;
	const char	*cu_commune;
	const char	*cu_ref;	/* customers.ref, "C0000001" */
	struct rb_demo_source cu_source;
};

struct rb_demo_contract {
	const char	*co_number;
	const char	*co_old_number;	/* NULL: none */
	const char	*co_origin;	/* 'subscriber_2023', 'former_operator',
					   'new' */
	int64_t		 co_customer_id;
	const char	*co_address;
	const char	*co_postcode;
	const char	*co_commune;
	const char	*co_start_date;
	const char	*co_end_date;	/* NULL: still running */
	int		 co_can_create_account;	/* 0 or 1 */
	int		 co_direct_debit;	/* 0 or 1 */
	int		 co_paperless;		/* 0 or 1 */
	struct rb_demo_source co_source;
};

struct rb_demo_meter {
	const char	*me_serial;
	int64_t		 me_contract_id;
	int		 me_remote_read;	/* 0 or 1 */
	const char	*me_installed_on;
	struct rb_demo_source me_source;
};

/* An active SEPA mandate. */
struct rb_demo_mandate {
	int64_t		 ma_contract_id;
	const char	*ma_rum;
	const char	*ma_holder;
	const char	*ma_iban_enc;	/* see the schema */
	const char	*ma_iban_last4;
	const char	*ma_bic;
	const char	*ma_signed_on;
	const char	*ma_src_system;
};

struct rb_demo_account {
	const char	*ac_email;
	const char	*ac_email_norm;
	const char	*ac_last_name;
	const char	*ac_first_name;
	const char	*ac_password_hash;
	const char	*ac_status;	/* 'pending', 'active', 'disabled' */
	int64_t		 ac_created_at;
	int64_t		 ac_activated_at;	/* 0: NULL */
};

/*
 * Credentials of the customer space of 2023 (provenance: the export
 * 'comptes_web_2023.csv' of batch '2024-01-02').
 */
struct rb_demo_legacy {
	const char	*lg_old_customer_id;
	int64_t		 lg_contract_id;
	const char	*lg_hash;
	int64_t		 lg_migrated_at;	/* 0: NULL, not migrated */
	int64_t		 lg_src_line;
};

/* Buffered rows. */

struct rb_demo_reading {
	int64_t		 re_meter_id;
	const char	*re_read_on;
	int64_t		 re_index_litres;
	const char	*re_source;	/* 'actual', 'estimated', 'customer',
					   'remote' */
};

struct rb_demo_invoice {
	const char	*iv_number;
	int64_t		 iv_contract_id;
	const char	*iv_contract_number;	/* as printed on the bill */
	int		 iv_archived;		/* 0 or 1 */
	const char	*iv_period_start;
	const char	*iv_period_end;
	int64_t		 iv_old_index_litres;
	int64_t		 iv_new_index_litres;
	const char	*iv_old_read_on;
	const char	*iv_new_read_on;
	const char	*iv_old_read_kind;	/* 'actual' or 'estimated' */
	const char	*iv_new_read_kind;
	int64_t		 iv_volume_litres;
	int64_t		 iv_amount_excl_tax_cents;
	int64_t		 iv_vat_cents;
	int64_t		 iv_total_cents;
	const char	*iv_issued_on;
	const char	*iv_due_on;
	const char	*iv_status;
	const char	*iv_src_system;
	const char	*iv_src_batch;
};

/* A line of an invoice: its invoice_id is the invoice it is given with. */
struct rb_demo_line {
	int		 li_position;		/* 1-based */
	const char	*li_heading;
	const char	*li_tariff_code;
	const char	*li_label;
	const char	*li_period_start;	/* NULL: the invoice's */
	const char	*li_period_end;
	int64_t		 li_quantity;
	const char	*li_quantity_unit;	/* 'litre' or 'day' */
	int64_t		 li_unit_price_c100;
	int64_t		 li_amount_excl_tax_cents;
	int		 li_vat_rate_bp;
	int64_t		 li_vat_cents;
};

/* A payment of an invoice: its invoice_id is the invoice's. */
struct rb_demo_payment {
	int64_t		 pa_amount_cents;
	const char	*pa_method;
	const char	*pa_provider;		/* NULL: none */
	const char	*pa_provider_ref;	/* NULL: none */
	const char	*pa_status;
	int64_t		 pa_created_at;
};

/*
 * Sets *out to a new store writing to db, with empty buffers. db must
 * stay open until rb_demo_store_close(). Returns 0, or -1 (logged) with
 * *out NULL.
 */
int	rb_demo_store_open(rb_db *db, rb_demo_store **out);

/*
 * Frees ds, dropping rows still buffered (call rb_demo_store_commit()
 * first to keep them). Does not close its db. NULL is ignored.
 */
void	rb_demo_store_close(rb_demo_store *ds);

/*
 * Sets *n to the number of rows in the tables the demo fills that tell
 * whether a database already holds data (customers, contracts, tariffs,
 * news, web accounts). Returns 0, or -1 (logged).
 */
int	rb_demo_store_count_existing(rb_demo_store *ds, int64_t *n);

/*
 * Transactions. rb_demo_store_commit() writes every buffered row, then
 * commits. rb_demo_store_rollback() drops the buffered rows and rolls
 * back the transaction if one is open. begin and commit return 0, or -1
 * (logged); after a failed commit, call rb_demo_store_rollback().
 */
int	rb_demo_store_begin(rb_demo_store *ds);
int	rb_demo_store_commit(rb_demo_store *ds);
void	rb_demo_store_rollback(rb_demo_store *ds);

/*
 * Writers of one row, inserted at once. Those with an id argument set it
 * to the new row's id. Each returns 0, or -1 (logged) when the database
 * refuses the row or fails.
 */
int	rb_demo_store_tariff(rb_demo_store *ds, const struct rb_demo_tariff *t);
int	rb_demo_store_news(rb_demo_store *ds, const struct rb_demo_news *n);
int	rb_demo_store_customer(rb_demo_store *ds,
	    const struct rb_demo_customer *cu, int64_t *id);
int	rb_demo_store_contract(rb_demo_store *ds,
	    const struct rb_demo_contract *co, int64_t *id);
int	rb_demo_store_meter(rb_demo_store *ds, const struct rb_demo_meter *me,
	    int64_t *id);
int	rb_demo_store_mandate(rb_demo_store *ds,
	    const struct rb_demo_mandate *ma);
int	rb_demo_store_account(rb_demo_store *ds,
	    const struct rb_demo_account *ac, int64_t *id);
int	rb_demo_store_account_contract(rb_demo_store *ds, int64_t account_id,
	    int64_t contract_id, int64_t added_at);
int	rb_demo_store_legacy(rb_demo_store *ds,
	    const struct rb_demo_legacy *lg);

/*
 * Calls fn(t, arg) for each row of tariffs, ordered by code then
 * valid_from; t and its strings live for that call only. Stops at the
 * first fn that returns non-zero. Returns 0, or -1 when fn stopped or
 * the database failed (logged).
 */
int	rb_demo_store_tariffs(rb_demo_store *ds,
	    int (*fn)(const struct rb_demo_tariff *t, void *arg), void *arg);

/*
 * Buffered writers: the rows are inserted in the order of the calls,
 * later. rb_demo_store_invoice() buffers an invoice with its nlines
 * (>= 0) lines, in position order, and its payment (NULL: none): they
 * are written once the invoice has its id. The reading's meter, the
 * invoice's contract, must exist. Each returns 0, or -1 (logged) when
 * writing a full buffer fails; the rows buffered are then unspecified:
 * roll back.
 */
int	rb_demo_store_reading(rb_demo_store *ds,
	    const struct rb_demo_reading *re);
int	rb_demo_store_invoice(rb_demo_store *ds,
	    const struct rb_demo_invoice *iv, const struct rb_demo_line *lines,
	    int nlines, const struct rb_demo_payment *pa);

/* Writes every buffered row now. Returns 0, or -1 (logged). */
int	rb_demo_store_flush(rb_demo_store *ds);

/*
 * Returns the text of a multi-row INSERT: head, then rows (>= 1) rows of
 * cols (>= 1) numbered placeholders, "($1, $2), ($3, $4)", row after row
 * in column order, then tail. The caller frees it. Used when a store
 * opens, so that no batch statement is written out by hand.
 */
char	*rb_demo_rows_sql(const char *head, int cols, int rows,
	    const char *tail);

#endif
