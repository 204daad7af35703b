/*
 * auth.c: what the auth use cases share: default settings, audit rows
 * and emails built from the request, and the purge of expired state.
 * The use cases themselves are in auth_session.c (sign-in, sessions),
 * auth_claim.c (step 1 of both ways in), auth_register.c (step 2,
 * activation) and auth_account.c (reset, account settings).
 */
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "app/auth_priv.h"
#include "store/agents.h"
#include "store/archive.h"
#include "store/claims.h"
#include "store/ratelimit.h"
#include "store/sessions.h"
#include "store/tokens.h"

#define HOUR	3600

const struct rb_auth_cfg rb_auth_cfg_default = {
	.ac_public_url = NULL,
	.ac_activation_ttl = 24 * HOUR,
	.ac_reset_ttl = HOUR,
	.ac_email_change_ttl = 24 * HOUR,
	.ac_claim_ttl = 30 * 60,
	.ac_session_idle = 30 * 60,
	.ac_session_absolute = 12 * HOUR,
	.ac_rl_window = HOUR,
	.ac_rl_per_ip = 50,
	.ac_rl_per_account = 100,
	.ac_rl_per_contract = 10,
	.ac_rl_global = 10000,
	.ac_rl_mail = 5,
	.ac_rl_reauth = 10,
	.ac_rl_id_factor = 10,
	.ac_rl_delay_max = 5,
	.ac_rl_per_device = 10,
	.ac_device_ttl = 180 * 24 * HOUR,
	.ac_agent_idle = 15 * 60,
	.ac_agent_absolute = 8 * HOUR,
};

/* Rate counters older than this are of no use (the window is 1 h). */
#define RATE_KEEP	(2 * HOUR)

int
rb_auth_audit(const struct rb_auth_req *r, enum rb_actor actor,
    int64_t actor_id, const char *action, const char *target,
    const json_t *detail)
{
	if (rb_audit(r->ar_db, r->ar_now, actor, actor_id, action, target,
	    r->ar_ip, detail) != 0) {
		/* A refused transaction is run again (rb_db_transact()):
		   only its last try's outcome is worth an error. */
		if (rb_db_refused(r->ar_db))
			log_debug("audit of %s not written: the transaction "
			    "was refused, to be run again", action);
		else
			log_errx("cannot audit %s", action);
		return -1;
	}
	return 0;
}

int
rb_auth_mail(const struct rb_auth_req *r, enum rb_mail_kind kind,
    const char *to, const char *path, const char *token, int ttl_s,
    const char *first_name, const char *last_name, const char *new_email)
{
	json_t *extra = json_object();
	int rc;

	if (ttl_s > 0)
		json_object_set_new(extra, "ttl_seconds", json_integer(ttl_s));
	if (new_email != NULL)
		json_object_set_new(extra, "new_email", json_string(new_email));
	rc = rb_auth_mail_with(r, kind, to, path, token, first_name,
	    last_name, extra);
	json_decref(extra);
	return rc;
}

/* The template data of a mail: link, names, then extra's keys. */
static json_t *
mail_data(const struct rb_auth_req *r, const char *path, const char *token,
    const char *first_name, const char *last_name, const json_t *extra)
{
	rb_buf link = RB_BUF_INIT;
	json_t *data;

	if (r->ar_cfg == NULL || r->ar_cfg->ac_public_url == NULL ||
	    r->ar_cfg->ac_public_url[0] == '\0') {
		log_errx("no public URL configured: cannot build mail links");
		return NULL;
	}
	rb_buf_puts(&link, r->ar_cfg->ac_public_url);
	rb_buf_puts(&link, path);
	if (token != NULL)
		rb_buf_puts(&link, token);
	data = json_pack("{s:s}", "link", rb_buf_cstr(&link));
	rb_buf_free(&link);
	/* Left out when unknown: the mail then says "Bonjour,". */
	if (first_name != NULL && first_name[0] != '\0')
		json_object_set_new(data, "first_name",
		    json_string(first_name));
	if (last_name != NULL && last_name[0] != '\0')
		json_object_set_new(data, "last_name", json_string(last_name));
	if (extra != NULL)
		json_object_update(data, (json_t *)extra);
	return data;
}

int
rb_auth_mail_with(const struct rb_auth_req *r, enum rb_mail_kind kind,
    const char *to, const char *path, const char *token,
    const char *first_name, const char *last_name, const json_t *extra)
{
	json_t *data;
	int rc;

	if ((data = mail_data(r, path, token, first_name, last_name,
	    extra)) == NULL)
		return -1;
	rc = rb_mail_queue(r->ar_db, kind, to, data, r->ar_now);
	json_decref(data);
	if (rc != 0)
		log_errx("cannot queue mail kind %d", (int)kind);
	return rc == 0 ? 0 : -1;
}

int
rb_auth_mail_files(const struct rb_auth_req *r, enum rb_mail_kind kind,
    const char *to, const char *path, const char *first_name,
    const char *last_name, const json_t *extra,
    const struct rb_mail_attach *files, size_t n)
{
	char err[300];
	json_t *data;
	int rc;

	if ((data = mail_data(r, path, NULL, first_name, last_name,
	    extra)) == NULL)
		return -1;
	rc = rb_mail_queue_files(r->ar_db, kind, to, data, files, n,
	    r->ar_now, err, sizeof(err));
	json_decref(data);
	return rc == 0 || rc == RB_MAIL_FILES_REFUSED ? rc : -1;
}

enum rb_rc
rb_auth_fail(const struct rb_auth_req *r)
{
	if (rb_db_in_transaction(r->ar_db))
		rb_db_rollback(r->ar_db);
	return RB_ERROR;
}

/* One try of rb_auth_purge(): two servers purging at once delete the
 * same rows, and PostgreSQL refuses one. 0 or -1. */
static int
purge_try(rb_db *db, void *arg)
{
	const struct rb_auth_req *r = arg;

	return rb_sessions_purge(db, r->ar_now, AUTH_CFG(r, ac_session_idle),
	    AUTH_CFG(r, ac_session_absolute)) != 0 ||
	    rb_tokens_purge(db, r->ar_now) != 0 ||
	    rb_claims_purge(db, r->ar_now) != 0 ||
	    rb_archive_visit_purge(db, r->ar_now,
	    AUTH_CFG(r, ac_session_idle), AUTH_CFG(r, ac_session_absolute)) !=
	    0 ||
	    rb_ratelimit_purge(db, r->ar_now - RATE_KEEP) != 0 ||
	    rb_device_purge(db, r->ar_now - AUTH_CFG(r, ac_device_ttl)) != 0 ||
	    rb_agent_sessions_purge(db, r->ar_now, AUTH_CFG(r, ac_agent_idle),
	    AUTH_CFG(r, ac_agent_absolute)) != 0 ? -1 : 0;
}

enum rb_rc
rb_auth_purge(const struct rb_auth_req *r)
{
	return rb_db_transact(r->ar_db, purge_try, (void *)r) == 0 ? RB_OK :
	    RB_ERROR;
}

void
rb_auth_cfg_from_config(const struct rb_config *cfg, struct rb_auth_cfg *a)
{
	memset(a, 0, sizeof(*a));

	a->ac_public_url = rb_config_str(cfg, RB_CFG_PUBLIC_URL);
	a->ac_activation_ttl = (int)rb_config_int(cfg, RB_CFG_ACTIVATION_TTL);
	a->ac_reset_ttl = (int)rb_config_int(cfg, RB_CFG_RESET_TTL);
	a->ac_email_change_ttl = (int)rb_config_int(cfg,
	    RB_CFG_EMAIL_CHANGE_TTL);
	a->ac_claim_ttl = (int)rb_config_int(cfg, RB_CFG_CLAIM_TTL);
	a->ac_session_idle = (int)rb_config_int(cfg, RB_CFG_SESSION_IDLE);
	a->ac_session_absolute = (int)rb_config_int(cfg,
	    RB_CFG_SESSION_ABSOLUTE);
	a->ac_rl_window = (int)rb_config_int(cfg, RB_CFG_RL_WINDOW);
	a->ac_rl_per_ip = (int)rb_config_int(cfg, RB_CFG_RL_PER_IP);
	a->ac_rl_per_account = (int)rb_config_int(cfg, RB_CFG_RL_PER_ACCOUNT);
	a->ac_rl_per_contract = (int)rb_config_int(cfg,
	    RB_CFG_RL_PER_CONTRACT);
	a->ac_rl_global = (int)rb_config_int(cfg, RB_CFG_RL_GLOBAL);
	a->ac_rl_mail = (int)rb_config_int(cfg, RB_CFG_RL_PER_MAIL);
	a->ac_rl_id_factor = (int)rb_config_int(cfg, RB_CFG_RL_ID_FACTOR);
	a->ac_rl_delay_max = (int)rb_config_int(cfg, RB_CFG_RL_DELAY_MAX);
	a->ac_rl_per_device = (int)rb_config_int(cfg, RB_CFG_RL_PER_DEVICE);
	a->ac_device_ttl = (int)rb_config_int(cfg, RB_CFG_DEVICE_TTL);
	a->ac_agent_idle = (int)rb_config_int(cfg, RB_CFG_AGENT_SESSION_IDLE);
	a->ac_agent_absolute = (int)rb_config_int(cfg,
	    RB_CFG_AGENT_SESSION_ABSOLUTE);
}
