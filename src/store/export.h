/*
 * export.h: the SQL of the CSV export (robinet demo --export): the rows
 * of the nine imported tables, in the columns and with the natural keys
 * of docs/import-format.md, read in one snapshot, row by row.
 *
 * References are given by natural key, never by id: a contract's
 * customer by customers.ref, a meter's contract by its number, a line's
 * invoice by its number, and so on. Provenance columns are not exported.
 * Rows come in the order of their table's ids, so that every run over
 * the same database gives the same files.
 */
#ifndef RB_STORE_EXPORT_H
#define RB_STORE_EXPORT_H

#include <stdint.h>

#include "store/db.h"

/* The exported tables, in import order. */
enum rb_export_table {
	RB_EXPORT_TARIFFS,
	RB_EXPORT_CUSTOMERS,
	RB_EXPORT_CONTRACTS,
	RB_EXPORT_METERS,
	RB_EXPORT_READINGS,
	RB_EXPORT_INVOICES,
	RB_EXPORT_LINES,
	RB_EXPORT_MANDATES,
	RB_EXPORT_LEGACY,
	RB_EXPORT__MAX
};

/* Largest number of columns of an exported table. */
#define RB_EXPORT_MAX_COLUMNS	19

/*
 * Sets *columns to the names of table t's columns, in file order (the
 * CSV header: "serial", "contract_number" ...), and returns how many
 * there are. The array is static.
 *
 * One column holds something else than its name says: the "iban" column
 * of RB_EXPORT_MANDATES is the sealed IBAN as stored (iban_enc, see
 * base/iban.h): the caller opens it with the data key.
 */
int	 rb_export_store_columns(enum rb_export_table t,
	    const char *const **columns);

/*
 * Calls fn(vals, arg) for each row of table t, in id order. vals has one
 * entry per column of rb_export_store_columns(t): the value as text, or
 * NULL for SQL NULL; the strings live for that call only. Stops at the
 * first fn that returns non-zero. Call it inside rb_db_begin_read() to
 * read all tables in one snapshot. Returns 0, or -1 when fn stopped
 * (fn's own failure) or the database failed (logged).
 */
int	 rb_export_store_rows(rb_db *db, enum rb_export_table t,
	    int (*fn)(const char *const *vals, void *arg), void *arg);

#endif
