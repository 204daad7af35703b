/*
 * cmd_config.c: `robinet config check`: prints the effective
 * configuration, secrets masked, then the cookie mode `serve` would use
 * (web/cookies.h) with a warning where cookies would not work or not be
 * protected. Invalid values never get this far: main() refuses them
 * naming the setting, and exits 2.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "web/cookies.h"

/*
 * Prints the cookie mode of cfg (demo's public_url filled in) and its
 * warnings; 0, or -1 when plain
 * cookies would leave the demo's loopback (never, unless the decision
 * in web/cookies.c is broken: checked here again, independently).
 */
static int
check_cookies(const struct rb_config *cfg)
{
	const char *url, *listen;
	enum rb_cookie_mode m;
	char why[256];
	int demo_loopback;

	url = rb_config_str(cfg, RB_CFG_PUBLIC_URL);
	listen = rb_config_str(cfg, RB_CFG_LISTEN);
	demo_loopback = rb_config_int(cfg, RB_CFG_DEMO) &&
	    rb_url_is_loopback_http(url) && rb_listen_is_loopback(listen);
	m = rb_cookie_mode_decide(cfg, why, sizeof(why));
	printf("cookies: %s (%s)\n", rb_cookie_mode_text(m), why);
	if (m == RB_COOKIES_PLAIN && !demo_loopback) {
		printf("error: cookies without Secure outside the demo on "
		    "loopback\n");
		return -1;
	}
	if (m == RB_COOKIES_PLAIN)
		printf("warning: cookies without Secure nor __Host-: for the "
		    "demo on this machine only, never for real subscribers\n");
	else if (strncmp(url, "http://", 7) == 0)
		printf("warning: public_url %s is plain HTTP: browsers may "
		    "refuse Secure cookies there (text browsers always do), "
		    "and then sign-in and forms fail; serve through HTTPS\n",
		    url);
	return 0;
}

int
cmd_config_check(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	rb_buf out = RB_BUF_INIT;
	int rc;

	(void)o;
	cmd_demo_public_url(cfg);	/* as serve would */
	rb_config_print(cfg, &out);
	fputs(rb_buf_cstr(&out), stdout);
	rb_buf_free(&out);
	if ((rc = check_cookies(cfg)) != 0)
		return 1;
	fputs("configuration OK\n", stdout);
	return 0;
}
