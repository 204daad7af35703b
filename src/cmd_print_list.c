/*
 * cmd_print_list.c: `robinet print-list --since YYYY-MM-DD`: the bills
 * the utility must print and post (no paperless billing), issued on or
 * after that day, as CSV on stdout for the printer (docs/operations.md):
 * one line per bill, separator ';', with the postal address. The import
 * flags them (app/import.h). Exit 0, or 2 on a usage or database error.
 */
#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/csvwrite.h"
#include "store/db.h"
#include "store/paperless.h"
#include "cmd.h"

static const char *const header[] = { "invoice_number", "contract_number",
	"issued_on", "due_on", "title", "first_name", "last_name",
	"address_line1", "address_line2", "postcode", "commune", "country",
	NULL };

static void
put_row(const struct rb_print_row *r, void *arg)
{
	rb_csvw *w = arg;

	rb_csvw_text(w, r->pr_number);
	rb_csvw_text(w, r->pr_contract);
	rb_csvw_text(w, r->pr_issued_on);
	rb_csvw_text(w, r->pr_due_on);
	rb_csvw_text(w, r->pr_title);
	rb_csvw_text(w, r->pr_first_name);
	rb_csvw_text(w, r->pr_last_name);
	rb_csvw_text(w, r->pr_address1);
	rb_csvw_text(w, r->pr_address2);
	rb_csvw_text(w, r->pr_postcode);
	rb_csvw_text(w, r->pr_commune);
	rb_csvw_text(w, r->pr_country);
	rb_csvw_end(w);
}

int
cmd_print_list(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_date d;
	rb_csvw *w;
	rb_db *db;
	int i, fd, rc;

	if (o->co_since == NULL || rb_clock_parse_date(o->co_since, &d) != 0) {
		fprintf(stderr, "robinet: print-list: --since AAAA-MM-JJ "
		    "attendu (date d'émission des premières factures à "
		    "imprimer)\n");
		return 2;
	}
	if (cmd_open_db(cfg, 0, &db) != 0)
		return 2;
	fflush(stdout);
	if ((fd = dup(STDOUT_FILENO)) < 0 || rb_csvw_fdopen(fd, ';', &w) != 0) {
		perror("robinet: print-list: stdout");
		rb_db_close(db);
		return 2;
	}
	for (i = 0; header[i] != NULL; i++)
		rb_csvw_text(w, header[i]);
	rb_csvw_end(w);
	rc = rb_db_begin_read(db) == 0 && rb_print_list(db, o->co_since,
	    put_row, w) == 0 ? 0 : 2;
	if (rb_db_in_transaction(db))
		rb_db_rollback(db);
	if (rb_csvw_close(w) != 0) {
		perror("robinet: print-list: stdout");
		rc = 2;
	}
	if (rc != 0)
		fprintf(stderr, "robinet: print-list: erreur de la base de "
		    "données (voir le journal)\n");
	rb_db_close(db);
	return rc;
}
