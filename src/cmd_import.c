/*
 * cmd_import.c: `robinet import DIR`: imports a folder of CSV files from
 * the billing system or the former operator (docs/import-format.md).
 * Prints per-file counts on stdout and every rejected row on stderr;
 * exits 0 when everything was imported, 1 when rows were rejected, 2 on
 * a usage, I/O or database error. New bills are announced by email
 * (queued in the outbox) or flagged for printing (app/import.h).
 */
#include <stdio.h>

#include "app/import.h"
#include "mail/mail.h"
#include "store/db.h"
#include "cmd.h"

int
cmd_import(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_import_opts io;
	struct rb_import_result res;
	struct rb_mail_cfg mc;
	char err[256];
	rb_db *db;
	int rc;

	if (o->co_import_dir == NULL) {
		fprintf(stderr, "robinet: import: dossier manquant (robinet "
		    "import DIR)\n");
		return RB_IMPORT_FAILED;
	}
	/* New bills of paperless contracts are announced by email. */
	rb_mail_cfg_from_config(cfg, &mc);
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: import: %s\n", err);
		return RB_IMPORT_FAILED;
	}
	if (cmd_open_db(cfg, 0, &db) != 0) {
		rb_mail_shutdown();
		return RB_IMPORT_FAILED;
	}
	io.io_dir = o->co_import_dir;
	io.io_source = o->co_source;
	io.io_report = o->co_report;
	io.io_data_key = rb_config_str(cfg, RB_CFG_DATA_KEY);
	io.io_out = stdout;
	io.io_err = stderr;
	io.io_now = 0;
	io.io_notice_days = (int)rb_config_int(cfg, RB_CFG_BILL_NOTICE_DAYS);
	rc = rb_import_run(db, &io, &res);
	rb_db_close(db);
	rb_mail_shutdown();
	fflush(stdout);
	return rc;
}
