/*
 * cmd_purge.c: `robinet purge`: deletes what has expired (sessions,
 * single-use tokens, pending claims, rate-limit counters). For cron,
 * e.g. hourly; serving does not depend on it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/auth.h"
#include "store/db.h"
#include "cmd.h"

int
cmd_purge(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_auth_cfg ac;
	struct rb_auth_req ar;
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
	rb_db_close(db);
	if (rc == 0)
		printf("expired sessions, tokens, claims and counters purged\n");
	else
		fprintf(stderr, "robinet: purge failed (see the log above)\n");
	return rc;
}
