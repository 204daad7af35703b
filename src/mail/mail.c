/*
 * mail.c: the mail module's start-up and settings: rb_mail_init() copies
 * the configuration, checks the sender and the public URL, initialises
 * libcurl and libsodium and parses the templates once (see mail.h,
 * state.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "base/log.h"
#include "base/mem.h"
#include "mail/address.h"
#include "mail/mail.h"
#include "mail/render.h"
#include "mail/state.h"

#define DEFAULT_TIMEOUT		30
#define DEFAULT_MAX_ATTEMPTS	10
#define DEFAULT_POLL		5
#define DEFAULT_ATTACH_MAX	5242880

static struct rb_mail_state state;
static int initialised;

const struct rb_mail_state *
rb_mail_state(void)
{
	if (!initialised) {
		log_errx("rb_mail_init() was not called");
		return NULL;
	}
	return &state;
}

/* An integer setting that a configuration may not have yet; 0 if absent. */
static int
optional_int(const struct rb_config *cfg, const char *name)
{
	int key = rb_config_find(name);

	return key >= 0 && rb_cfg_defs[key].def_type == RB_CFGT_INT ?
	    (int)rb_config_int(cfg, key) : 0;
}

void
rb_mail_cfg_from_config(const struct rb_config *cfg, struct rb_mail_cfg *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->mc_public_url = rb_config_str(cfg, RB_CFG_PUBLIC_URL);
	mc->mc_from = rb_config_str(cfg, RB_CFG_MAIL_FROM);
	mc->mc_smtp_url = rb_config_str(cfg, RB_CFG_SMTP_URL);
	mc->mc_smtp_starttls = (int)rb_config_int(cfg, RB_CFG_SMTP_STARTTLS);
	mc->mc_demo = (int)rb_config_int(cfg, RB_CFG_DEMO);
	mc->mc_mail_dir = rb_config_str(cfg, RB_CFG_MAIL_DIR);
	mc->mc_service_phone = rb_config_str(cfg, RB_CFG_SERVICE_PHONE);
	mc->mc_smtp_timeout = optional_int(cfg, "smtp_timeout");
	mc->mc_max_attempts = optional_int(cfg, "mail_max_attempts");
	mc->mc_attach_max = rb_config_int(cfg, RB_CFG_MAIL_ATTACH_MAX_BYTES);
}

/* "http(s)://host…" without a trailing '/', whitespace or controls. */
static int
public_url_ok(const char *u)
{
	size_t len = strlen(u), i;

	if (!((strncmp(u, "http://", 7) == 0 && len > 7) ||
	    (strncmp(u, "https://", 8) == 0 && len > 8)) || u[len - 1] == '/')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f ||
		    strchr("\"<>\\^`{|}", u[i]) != NULL)
			return 0;
	return 1;
}

static void
state_free(void)
{
	free(state.st_public_url);
	free(state.st_from_name);
	free(state.st_from_addr);
	free(state.st_smtp_url);
	free(state.st_mail_dir);
	free(state.st_service_phone);
	rb_tmpl_set_free(state.st_tmpl);
	memset(&state, 0, sizeof(state));
}

int
rb_mail_init(const struct rb_mail_cfg *cfg, char *err, size_t errlen)
{
	char why[300];

	if (initialised)
		rb_mail_shutdown();
	if (cfg->mc_public_url == NULL || !public_url_ok(cfg->mc_public_url)) {
		snprintf(err, errlen, "public_url: expected an http(s) URL "
		    "without a trailing slash");
		return -1;
	}
	if (cfg->mc_from == NULL || rb_mail_from_parse(cfg->mc_from,
	    &state.st_from_name, &state.st_from_addr) != 0) {
		snprintf(err, errlen, "mail_from: expected \"Name "
		    "<address@domain>\" or \"address@domain\"");
		return -1;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "cannot initialise libsodium or libcurl");
		goto fail;
	}
	if (rb_mail_templates_load(&state.st_tmpl, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		curl_global_cleanup();
		goto fail;
	}
	state.st_from_domain = strchr(state.st_from_addr, '@') + 1;
	state.st_public_url = rb_xstrdup(cfg->mc_public_url);
	state.st_smtp_url = rb_xstrdup(cfg->mc_smtp_url != NULL ?
	    cfg->mc_smtp_url : "");
	state.st_starttls = cfg->mc_smtp_starttls;
	state.st_timeout = cfg->mc_smtp_timeout > 0 ? cfg->mc_smtp_timeout :
	    DEFAULT_TIMEOUT;
	state.st_demo = cfg->mc_demo;
	state.st_mail_dir = rb_xstrdup(cfg->mc_mail_dir != NULL &&
	    cfg->mc_mail_dir[0] != '\0' ? cfg->mc_mail_dir : "var/mail");
	state.st_service_phone = cfg->mc_service_phone != NULL &&
	    cfg->mc_service_phone[0] != '\0' ?
	    rb_xstrdup(cfg->mc_service_phone) : NULL;
	state.st_max_attempts = cfg->mc_max_attempts > 0 ?
	    cfg->mc_max_attempts : DEFAULT_MAX_ATTEMPTS;
	state.st_poll_interval = cfg->mc_poll_interval > 0 ?
	    cfg->mc_poll_interval : DEFAULT_POLL;
	state.st_attach_max = cfg->mc_attach_max > 0 ? cfg->mc_attach_max :
	    DEFAULT_ATTACH_MAX;
	initialised = 1;
	return 0;
fail:
	state_free();
	return -1;
}

void
rb_mail_shutdown(void)
{
	if (!initialised)
		return;
	state_free();
	curl_global_cleanup();
	initialised = 0;
}
