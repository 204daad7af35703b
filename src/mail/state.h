/*
 * state.h: the mail module's settings, set once by rb_mail_init() and
 * read-only afterwards, shared by the files of src/mail. Internal.
 */
#ifndef RB_MAIL_STATE_H
#define RB_MAIL_STATE_H

#include "tmpl/mustache.h"

struct rb_mail_state {
	char		*st_public_url;
	char		*st_from_name;	/* display name, "" when none */
	char		*st_from_addr;
	const char	*st_from_domain; /* inside st_from_addr */
	char		*st_smtp_url;	/* "" when not configured */
	int		 st_starttls;
	int		 st_timeout;	/* seconds */
	int		 st_demo;
	char		*st_mail_dir;
	char		*st_service_phone; /* NULL when none */
	int		 st_max_attempts;
	int		 st_poll_interval; /* seconds */
	long long	 st_attach_max;	/* bytes of files per message */
	rb_tmpl_set	*st_tmpl;	/* the mail templates, parsed */
};

/* The settings, or NULL before rb_mail_init() (logged as an error). */
const struct rb_mail_state *rb_mail_state(void);

/* Wakes the running sender thread, if any (see sender.c). */
void	rb_mail_sender_wake(void);

#endif
