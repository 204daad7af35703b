/*
 * site.c: start-up of the shared request state (see site.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "base/embed.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/db.h"
#include "tmpl/mustache.h"
#include "homecache.h"
#include "site.h"

extern const struct rb_embedded rb_web_templates[];

static int
load_templates(struct rb_tmpl_set *set, char *err, size_t errlen)
{
	const struct rb_embedded *e;
	char name[128], why[256];
	const char *dot;

	for (e = rb_web_templates; e->emb_name != NULL; e++) {
		dot = strrchr(e->emb_name, '.');
		snprintf(name, sizeof(name), "%.*s", dot != NULL ?
		    (int)(dot - e->emb_name) : (int)strlen(e->emb_name),
		    e->emb_name);
		if (rb_tmpl_set_add(set, name, e->emb_data, e->emb_len, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "template %s", why);
			return -1;
		}
	}
	if (rb_tmpl_set_check(set, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "templates: %s", why);
		return -1;
	}
	return 0;
}


int
rb_site_open(struct rb_site *site, const struct rb_config *cfg, char *err,
    size_t errlen)
{
	struct rb_auth_cfg *auth_cfg;
	char why[256];

	memset(site, 0, sizeof(*site));
	site->site_cfg = cfg;
	site->site_auth = auth_cfg = rb_xcalloc(1, sizeof(*auth_cfg));
	rb_auth_cfg_from_config(cfg, auth_cfg);
	site->site_cookies = rb_cookie_mode_decide(cfg, why, sizeof(why));
	log_info("cookies: %s: %s", rb_cookie_mode_text(site->site_cookies),
	    why);
	site->site_home = rb_home_cache_new();
	site->site_tmpl = rb_tmpl_set_new();
	if (rb_config_int(cfg, RB_CFG_TEMPLATE_STRICT))
		site->site_tmpl_flags = RB_TMPL_STRICT;
	if (load_templates(site->site_tmpl, err, errlen) != 0)
		goto fail;
	site->site_db = rb_db_pool_new(rb_config_str(cfg, RB_CFG_DB),
	    (int)rb_config_int(cfg, RB_CFG_DB_POOL_SIZE), err, errlen);
	if (site->site_db == NULL)
		goto fail;
	return 0;
fail:
	rb_site_close(site);
	return -1;
}

void
rb_site_close(struct rb_site *site)
{
	if (site->site_db != NULL)
		rb_db_pool_free(site->site_db);
	if (site->site_tmpl != NULL)
		rb_tmpl_set_free(site->site_tmpl);
	free((void *)site->site_auth);
	rb_home_cache_free(site->site_home);
	site->site_home = NULL;
	site->site_auth = NULL;
	site->site_db = NULL;
	site->site_tmpl = NULL;
}
