/*
 * import_store.h: the SQL of the data import (robinet import): one
 * idempotent write per row of the imported tables, the lookups of
 * natural keys, and the import_batches rows.
 *
 * A row is written as an array of values in the table's parameter order
 * (its natural-key columns, then its value columns, as listed by
 * rb_import_store_param()), followed by the provenance, in three steps
 * that tell whether it was inserted, updated (some column differed) or
 * unchanged (nothing written).
 */
#ifndef RB_STORE_IMPORT_STORE_H
#define RB_STORE_IMPORT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "store/db.h"

/* The imported tables, in import order. */
enum rb_imp_table {
	RB_IMP_TARIFFS,
	RB_IMP_CUSTOMERS,
	RB_IMP_CONTRACTS,
	RB_IMP_METERS,
	RB_IMP_READINGS,
	RB_IMP_INVOICES,
	RB_IMP_LINES,
	RB_IMP_MANDATES,
	RB_IMP_LEGACY,
	RB_IMP__MAX
};

/* One bound value. */
enum rb_imp_vkind {
	RB_IMPV_NULL,
	RB_IMPV_INT,
	RB_IMPV_TEXT
};

struct rb_imp_val {
	enum rb_imp_vkind iv_kind;
	int64_t		 iv_int;
	const char	*iv_text;	/* not owned */
	/* An INT as read, when that text is iv_int's in decimal ("%lld":
	   no leading zero, no "-0"), else NULL; not owned, valid while
	   the record read is: a bulk copy sends it as it is. */
	const char	*iv_num;
};

/* Provenance written with every inserted or updated row. */
struct rb_imp_source {
	const char	*is_system;	/* 'billing', 'former_operator' */
	const char	*is_batch;	/* import_batches.id as text */
	const char	*is_file;	/* 'contracts.csv' */
	int64_t		 is_line;
};

/* Largest number of parameters of a table (provenance excluded). */
#define RB_IMP_MAX_PARAMS	24

/*
 * The 0-based parameter index of column (an SQL column name) in table
 * t's write, or -1 when t has no such parameter. *nparams, when not
 * NULL, gets the number of parameters (provenance excluded).
 */
int	 rb_import_store_param(enum rb_imp_table t, const char *column,
	    int *nparams);

/*
 * The three steps of an idempotent write of one row of table t: vals
 * holds its parameters (see above), src its provenance. All run in the
 * caller's transaction and return RB_CONSTRAINT when the database
 * refused the row (logged as a warning) or -1 on error (logged).
 *
 * rb_import_store_insert() inserts the row unless its natural key
 * exists: returns 1 inserted, 0 key exists.
 *
 * rb_import_store_find() returns 1 with the existing row's id, and
 * *same_file_line its src_line when its provenance is src's batch and
 * file (written earlier in this same file: a duplicate), else 0; returns
 * 0 when the key does not exist.
 *
 * rb_import_store_update() rewrites the row, provenance included, when
 * a value column differs: returns 1 updated, 0 unchanged (nothing
 * written). A legacy credential already migrated (migrated_at set by
 * the portal) is never rewritten: it stays unchanged.
 */
int	 rb_import_store_insert(rb_db *db, enum rb_imp_table t,
	    const struct rb_imp_val *vals, const struct rb_imp_source *src);
int	 rb_import_store_find(rb_db *db, enum rb_imp_table t,
	    const struct rb_imp_val *vals, const struct rb_imp_source *src,
	    int64_t *id, int64_t *same_file_line);
int	 rb_import_store_update(rb_db *db, enum rb_imp_table t,
	    const struct rb_imp_val *vals, const struct rb_imp_source *src);

/*
 * The bulk path, for a table still empty (see app/import.c):
 * rb_import_store_is_empty() returns 1 when table t has no row, 0 when
 * it has some, -1 on error (logged). rb_import_store_fill_begin() is
 * rb_db_fill_begin_checked() on t (its indexes and foreign keys set
 * aside on PostgreSQL, the tables they reference locked), the key to
 * the table its rows reference by natural key (contracts for meters,
 * invoices for lines...) left to the caller's checks: call it before
 * reading those rows, and copy only references found among them.
 * rb_import_store_copy_begin() then opens a bulk copy (db.h) of rows
 * of t, in the write's parameter order then the provenance, whose
 * system, batch and file, those of src, are the same on every row
 * (given once: rb_db_copy_begin_fixed());
 * rb_import_store_copy_row() adds one (its result is
 * rb_db_copy_row()'s; of src, only its line is read: the others are
 * those given to the copy's beginning); the caller ends it with
 * rb_db_copy_end(), then rb_db_fill_end() or a rollback. Each returns
 * 0 or -1.
 */
int	 rb_import_store_is_empty(rb_db *db, enum rb_imp_table t);
int	 rb_import_store_fill_begin(rb_db *db, enum rb_imp_table t);
int	 rb_import_store_copy_begin(rb_db *db, enum rb_imp_table t,
	    const struct rb_imp_source *src);
int	 rb_import_store_copy_row(rb_db *db, enum rb_imp_table t,
	    const struct rb_imp_val *vals, const struct rb_imp_source *src);

/* The tables whose natural keys other files refer to. */
enum rb_imp_ref {
	RB_IMP_REF_CUSTOMER,	/* ref -> id */
	RB_IMP_REF_CONTRACT,	/* number -> id, old_number */
	RB_IMP_REF_METER,	/* serial -> id */
	RB_IMP_REF_INVOICE	/* number -> id */
};

/*
 * Hands every row of reference table kind to fn(key, id, extra, arg)
 * (extra: the contract's old number, else NULL), in one query. Returns
 * 0, or -1 on error (logged).
 */
int	 rb_import_store_refs(rb_db *db, enum rb_imp_ref kind,
	    void (*fn)(const char *, int64_t, const char *, void *),
	    void *arg);

/*
 * Natural-key lookups: each returns 1 and the id (and what else it
 * names) when found, 0 when not, -1 on error (logged). Text outputs are
 * copied into caller buffers of the stated size and truncated to fit.
 */
int	 rb_import_store_customer(rb_db *db, const char *ref, int64_t *id);
/* old_number: "" when the contract has none. */
int	 rb_import_store_contract(rb_db *db, const char *number, int64_t *id,
	    char *old_number, size_t oldlen);
/* The number of the contract whose old number is old_number. */
int	 rb_import_store_contract_by_old(rb_db *db, const char *old_number,
	    char *number, size_t numlen);
int	 rb_import_store_meter(rb_db *db, const char *serial, int64_t *id);
int	 rb_import_store_invoice(rb_db *db, const char *number, int64_t *id);
/* The sealed IBAN of mandate rum. */
int	 rb_import_store_mandate_iban(rb_db *db, const char *rum, char *enc,
	    size_t enclen);

/*
 * Paperless billing of contract number: *on its state, *by_import 1
 * when the import set it last (the portal has not: the import may
 * change it), 0 when a subscriber or an agent did. Returns 1, 0 when
 * the contract does not exist, -1 on error (logged).
 */
int	 rb_import_store_contract_paperless(rb_db *db, const char *number,
	    int *on, int *by_import);

/* Where a new bill of a contract goes. */
struct rb_imp_bill_target {
	int	 bt_paperless;		/* contracts.paperless */
	char	 bt_email[320];		/* the active web account's address,
					   else the customer's; "" if none */
	char	 bt_first_name[128];
};

/* Fills *t for contract_id. Returns 1, 0 when not found, -1 (logged). */
int	 rb_import_store_bill_target(rb_db *db, int64_t contract_id,
	    struct rb_imp_bill_target *t);

/* Flags bill invoice_number for printing. Returns 0 or -1 (logged). */
int	 rb_import_store_print_flag(rb_db *db, const char *invoice_number);

/* Counts of one import batch. */
struct rb_imp_counts {
	int64_t		 ic_rows;
	int64_t		 ic_inserted;
	int64_t		 ic_updated;
	int64_t		 ic_unchanged;
	int64_t		 ic_rejected;
};

/*
 * Adds and commits the import_batches row of a run starting at now
 * from directory, with status 'running'; sets *id. No transaction may
 * be open. Returns 0 or -1 (logged).
 */
int	 rb_import_store_batch_start(rb_db *db, time_t now,
	    const char *directory, const char *system, int64_t *id);

/*
 * Completes batch id: finished_at now, status ('ok', 'rejected',
 * 'failed'), counts and report path (may be NULL), and adds the audit
 * log entry 'import.run' (target "import:<id>", detail: detail, not
 * taken), in one transaction. Returns 0 or -1 (logged).
 */
int	 rb_import_store_batch_finish(rb_db *db, int64_t id, time_t now,
	    const char *status, const struct rb_imp_counts *c,
	    const char *report, const json_t *detail);

#endif
