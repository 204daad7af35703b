/*
 * cmd_purge.c: `robinet purge`: deletes what has expired (sessions,
 * single-use tokens, pending claims, rate-limit counters, customer-service
 * requests closed 3 years ago with their files, letters kept in braille
 * 3 years ago) and sweeps attachments_dir (files without a row, rows
 * without a file). For cron, e.g. hourly; serving does not depend on it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/attachments.h"
#include "app/auth.h"
#include "app/braille.h"
#include "app/contact.h"
#include "store/db.h"
#include "cmd.h"

int
cmd_purge(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_auth_cfg ac;
	struct rb_auth_req ar;
	struct rb_attach_cfg atc;
	struct rb_attach_sweep sw;
	int64_t nreq = 0, nfiles = 0, nletters = 0;
	rb_db *db;
	int rc;

	if (cmd_open_db(cfg, 0, &db) != 0)
		return 1;
	memset(&ar, 0, sizeof(ar));
	rb_auth_cfg_from_config(cfg, &ac);
	ar.ar_cfg = &ac;
	ar.ar_db = db;
	ar.ar_now = time(NULL);
	ar.ar_ip = "-";
	rc = rb_auth_purge(&ar) == RB_OK ? 0 : 1;
	rb_attach_cfg_from_config(cfg, &atc);
	memset(&sw, 0, sizeof(sw));
	if (rc == 0 && (rb_contact_purge(db, &atc, ar.ar_now, &nreq,
	    &nfiles) != RB_OK || rb_attach_sweep(db, &atc, ar.ar_now,
	    &sw) != 0 || rb_braille_purge(db, ar.ar_now, &nletters) != RB_OK))
		rc = 1;
	rb_db_close(db);
	if (rc == 0) {
		printf("expired sessions, tokens, claims and counters purged\n");
		printf("requests: %lld closed over %d years ago deleted with "
		    "%lld file(s); attachments: %lld orphan file(s) removed, "
		    "%lld row(s) without their file (logged)\n",
		    (long long)nreq, RB_CONTACT_KEEP_YEARS, (long long)nfiles,
		    (long long)sw.as_orphans, (long long)sw.as_missing);
		printf("braille letters: %lld kept over %d years ago "
		    "deleted\n", (long long)nletters, RB_BRAILLE_KEEP_YEARS);
	}
	else
		fprintf(stderr, "robinet: purge failed (see the log above)\n");
	return rc;
}
