/*
 * cmd_alerts.c: `robinet alerts`: finds the billing periods whose
 * consumption is abnormal (more than twice the average of the same
 * periods of the three previous years, see app/consumption.h), records
 * each one once and queues one email per alert (delivered by the sender
 * of `serve` or by `robinet mail send`); then the possible leaks of
 * remote-read meters, by the rule and the subscriber's setting of
 * app/leaks.h, one email each. For cron, e.g. daily after the
 * bills are imported; running it again sends nothing new. Exit status 0
 * on success, 1 on a failure (see the log).
 */
#include <stdio.h>
#include <time.h>

#include "app/consumption.h"
#include "app/leaks.h"
#include "mail/mail.h"
#include "store/db.h"
#include "cmd.h"

int
cmd_alerts(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_mail_cfg mc;
	char err[512];
	rb_db *db = NULL;
	int rc = 1, nalerts = 0, nmails = 0, nleaks = 0, nleak_mails = 0;

	rb_mail_cfg_from_config(cfg, &mc);
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		return 1;
	}
	if (cmd_open_db(cfg, 0, &db) != 0)
		goto out;
	if (rb_cons_alerts_run(db, rb_config_str(cfg, RB_CFG_PUBLIC_URL),
	    time(NULL), &nalerts, &nmails) != 0) {
		fprintf(stderr, "robinet: alerts failed (see the log above); "
		    "%d new alert(s) recorded before the failure\n", nalerts);
		goto out;
	}
	printf("alerts: %d new abnormal consumption alert(s), %d email(s) "
	    "queued\n", nalerts, nmails);
	/* Remote-read meters: the leak alert each subscriber tunes. */
	if (rb_leak_alerts_run(db, rb_config_str(cfg, RB_CFG_PUBLIC_URL),
	    time(NULL), &nleaks, &nleak_mails) != 0) {
		fprintf(stderr, "robinet: leak alerts failed (see the log "
		    "above); %d new leak alert(s) recorded before the "
		    "failure\n", nleaks);
		goto out;
	}
	printf("leaks: %d new possible leak(s) on remote-read meters, %d "
	    "email(s) queued\n", nleaks, nleak_mails);
	rc = 0;
out:
	rb_db_close(db);
	rb_mail_shutdown();
	return rc;
}
