/*
 * import.h: the data import from the billing system and the former
 * operator: one folder of CSV files (docs/import-format.md), each file
 * one transaction, all or nothing per file, idempotent, every rejected
 * row reported with file, line, column and a French reason.
 */
#ifndef RB_APP_IMPORT_H
#define RB_APP_IMPORT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "store/db.h"
#include "store/import_store.h"

/* Exit statuses of robinet import (and results of rb_import_run). */
enum rb_import_status {
	RB_IMPORT_OK = 0,	/* everything imported */
	RB_IMPORT_REJECTED = 1,	/* some row or file rejected */
	RB_IMPORT_FAILED = 2	/* usage, I/O or database error */
};

struct rb_import_opts {
	const char	*io_dir;	/* the folder */
	const char	*io_source;	/* 'billing' (NULL: default) or
					   'former_operator' */
	const char	*io_report;	/* report path; NULL: the default,
					   "<DIR>.import-<batch>.csv" */
	const char	*io_data_key;	/* 64 hex digits; "" or NULL: no
					   key (sepa_mandates.csv rejected) */
	FILE		*io_out;	/* per-file counts (stdout) */
	FILE		*io_err;	/* rejections (stderr) */
	time_t		 io_now;	/* start instant; 0: time(NULL) */
	int		 io_notice_days; /* a current bill issued at most this
					   many days before today (Paris) is
					   new: announced by email when its
					   contract is paperless, else flagged
					   for printing; older ones neither */
	int		 io_bulk;	/* a file whose table is empty goes
					   by bulk copy (see import.c):
					   0 where the engine gains by it
					   (rb_db_copy_pays()), 1 always,
					   -1 never */
};

/* Per-file result, for the summary. */
struct rb_import_file_result {
	const char	*fr_file;	/* "contracts.csv" */
	const char	*fr_status;	/* imported, rolled_back, absent,
					   unknown, failed */
	struct rb_imp_counts fr_counts;
};

/* Result of a run. */
struct rb_import_result {
	int64_t		 ir_batch;	/* 0 if none was created */
	char		 ir_report[4096];	/* report path used */
	struct rb_imp_counts ir_total;
	int64_t		 ir_copied;	/* rows written by bulk copy */
};

/*
 * Imports opts->io_dir into db (schema current, no transaction open):
 * creates the import batch, imports the known files in order, writes
 * the report, records the batch's end and one audit entry. Fills *res.
 * Returns an enum rb_import_status: RB_IMPORT_FAILED when the folder or
 * the report cannot be opened or the database fails (files already
 * committed stay; the report and stderr say where it stopped).
 */
int	rb_import_run(rb_db *db, const struct rb_import_opts *opts,
	    struct rb_import_result *res);

/* Names of the known sources ('billing' first, the default). */
extern const char *const rb_import_sources[];

#endif
