/*
 * mail_start.h: the mail module as the app tests run it: demo mode (each
 * message written as a file into a folder), sent from the utility's
 * no-reply address, links made with the given public URL. Include it
 * after the module's headers.
 */
#ifndef RB_TEST_MAIL_START_H
#define RB_TEST_MAIL_START_H

#include <stdio.h>
#include <string.h>

#include "mail/mail.h"

/* Starts the mail module writing into dir (it copies both strings);
 * 0, or -1 with the reason on stderr. rb_mail_shutdown() stops it. */
static inline int
test_mail_start(const char *dir, const char *public_url)
{
	struct rb_mail_cfg mc;
	char err[300];

	memset(&mc, 0, sizeof(mc));
	mc.mc_public_url = public_url;
	mc.mc_from = "Robinet <ne-pas-repondre@eau.test>";
	mc.mc_demo = 1;
	mc.mc_mail_dir = dir;
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

#endif
