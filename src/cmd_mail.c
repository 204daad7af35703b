/*
 * cmd_mail.c: `robinet mail send`: delivers every message of the outbox
 * that is due (over SMTP, or to the mail folder in demo mode) once, and
 * exits: for cron, or for a machine whose `serve` has no SMTP access.
 * Exit status 0 when every due message went out, 1 when some failed
 * (recorded for a later retry, see the log) or on any other error.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "mail/mail.h"
#include "store/db.h"
#include "cmd.h"

int
cmd_mail_send(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_mail_stats stats = { 0, 0, 0 };
	struct rb_mail_cfg mc;
	char err[512];
	rb_db *db = NULL;
	int rc = 1;

	rb_mail_cfg_from_config(cfg, &mc);
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		return 1;
	}
	if (cmd_open_db(cfg, 0, &db) != 0)
		goto out;
	if (rb_mail_send_due(db, time(NULL), INT32_MAX, &stats) != 0) {
		fprintf(stderr, "robinet: mail send failed (see the log "
		    "above)\n");
		goto out;
	}
	printf("mail: %d sent, %d failed (to be retried), %d given up\n",
	    stats.ms_sent, stats.ms_failed, stats.ms_gave_up);
	rc = stats.ms_failed + stats.ms_gave_up > 0 ? 1 : 0;
out:
	rb_db_close(db);
	rb_mail_shutdown();
	return rc;
}
