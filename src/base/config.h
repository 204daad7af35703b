/*
 * config.h: Robinet's configuration, one typed table.
 *
 * Every setting has a name, a type, bounds, a default and a secret flag.
 * Values come, in increasing precedence, from the defaults, a config file
 * (`name = value` lines, `#` comments), ROBINET_<NAME> environment
 * variables, and command-line options. Setting a value validates it;
 * typed getters only ever see valid values.
 */
#ifndef RB_CONFIG_H
#define RB_CONFIG_H

#include "buf.h"

enum rb_cfg {
	RB_CFG_DB,
	RB_CFG_LISTEN,
	RB_CFG_PUBLIC_URL,
	RB_CFG_STATIC_DIR,
	RB_CFG_DEMO,
	RB_CFG_TODAY,
	RB_CFG_AUTO_MIGRATE,
	RB_CFG_THREADS,
	RB_CFG_SLOW_WORKERS,
	RB_CFG_MAX_CONNECTIONS,
	RB_CFG_MAX_CONNECTIONS_PER_IP,
	RB_CFG_TRUSTED_PROXIES,
	RB_CFG_IDLE_TIMEOUT,
	RB_CFG_REQUEST_TIMEOUT,
	RB_CFG_MAX_HEADER_BYTES,
	RB_CFG_MAX_BODY_BYTES,
	RB_CFG_MAX_FORM_FIELDS,
	RB_CFG_MAX_FIELD_BYTES,
	RB_CFG_SHUTDOWN_GRACE,
	RB_CFG_DB_POOL_SIZE,
	RB_CFG_LOG_LEVEL,
	RB_CFG_TEMPLATE_STRICT,
	RB_CFG_SERVICE_PHONE,
	RB_CFG_SERVICE_HOURS,
	RB_CFG_NEWS_RECHECK_MS,
	RB_CFG_SESSION_CACHE,
	RB_CFG_DATA_CACHE,
	RB_CFG_DIRECT_ANSWERS,
	RB_CFG_DATA_KEY,
	RB_CFG_SESSION_IDLE,
	RB_CFG_SESSION_ABSOLUTE,
	RB_CFG_ACTIVATION_TTL,
	RB_CFG_RESET_TTL,
	RB_CFG_EMAIL_CHANGE_TTL,
	RB_CFG_CLAIM_TTL,
	RB_CFG_PWHASH_MEMORY_KIB,
	RB_CFG_PWHASH_PASSES,
	RB_CFG_RL_WINDOW,
	RB_CFG_RL_PER_IP,
	RB_CFG_RL_PER_ACCOUNT,
	RB_CFG_RL_PER_CONTRACT,
	RB_CFG_RL_GLOBAL,
	RB_CFG_RL_PER_MAIL,
	RB_CFG_RL_ID_FACTOR,
	RB_CFG_RL_DELAY_MAX,
	RB_CFG_RL_PER_DEVICE,
	RB_CFG_DEVICE_TTL,
	RB_CFG_SMTP_URL,
	RB_CFG_SMTP_STARTTLS,
	RB_CFG_MAIL_FROM,
	RB_CFG_MAIL_DIR,
	RB_CFG_PDF_CACHE_DIR,
	RB_CFG_EMERGENCY_PHONE,
	RB_CFG_API_TOKENS_PER_ACCOUNT,
	RB_CFG_API_RL_WINDOW,
	RB_CFG_API_RL_PER_TOKEN,
	RB_CFG_API_RL_PER_IP,
	/* Card payment (issue 9, app/psp.h). */
	RB_CFG_PSP_SHOP_ID,
	RB_CFG_PSP_TEST_KEY,
	RB_CFG_PSP_PRODUCTION_KEY,
	RB_CFG_PSP_MODE,
	RB_CFG_PSP_PAGE_URL,
	RB_CFG_PSP_PUBLIC_URL,
	RB_CFG_PSP_ORDER_TTL,
	RB_CFG_PSP_SANDBOX_LISTEN,
	/* SEPA direct debit (issue 9) */
	RB_CFG_SEPA_CREDITOR_ID,
	RB_CFG_SEPA_CREDITOR_NAME,
	RB_CFG_SEPA_CREDITOR_IBAN,
	RB_CFG_SEPA_CREDITOR_BIC,
	RB_CFG_SEPA_PRENOTICE_DAYS,
	/* issue 9, paperless billing */
	RB_CFG_BILL_NOTICE_DAYS,
	/* issue 10, contact form and attachments */
	RB_CFG_ATTACHMENTS_DIR,
	RB_CFG_ATTACHMENT_MAX_BYTES,
	RB_CFG_ATTACHMENT_MAX_COUNT,
	RB_CFG_CONTACT_MIN_FILL,
	RB_CFG_CONTACT_MAX_CHARS,
	RB_CFG_RL_CONTACT_PER_IP,
	RB_CFG_RL_CONTACT_PER_EMAIL,
	/* The back office (issue 10, agents) */
	RB_CFG_AGENT_SESSION_IDLE,
	RB_CFG_AGENT_SESSION_ABSOLUTE,
	/* issue 10, self-service: "Transmettre mon index" */
	RB_CFG_INDEX_JUMP_FACTOR,
	/* issue 10, files attached to outgoing mail */
	RB_CFG_MAIL_ATTACH_MAX_BYTES,
	/* issue 11, braille documents (docs/braille.h) */
	RB_CFG_BRAILLE_CELLS,
	RB_CFG_BRAILLE_LINES,
	/* issue 11, text browsers: demo cookies on loopback http */
	RB_CFG_DEMO_PLAIN_COOKIES,
	/* issue 11, legal notice (/mentions-legales) and the former operator */
	RB_CFG_LEGAL_PUBLISHER_NAME,
	RB_CFG_LEGAL_PUBLISHER_ADDRESS,
	RB_CFG_LEGAL_PUBLISHER_SIREN,
	RB_CFG_LEGAL_DIRECTOR,
	RB_CFG_LEGAL_HOST_NAME,
	RB_CFG_LEGAL_HOST_ADDRESS,
	RB_CFG_LEGAL_HOST_PHONE,
	RB_CFG_FORMER_OPERATOR_NAME,
	RB_CFG_FORMER_OPERATOR_ADDRESS,
	/* issue 12, production (docs/deploy.md) */
	RB_CFG_BACKUP_STEP_PAGES,
	RB_CFG_BACKUP_PAUSE_MS,
	RB_CFG_RUN_AS_USER,
	RB_CFG_SECCOMP,
	RB_CFG__MAX
};

enum rb_cfg_type {
	RB_CFGT_STRING,
	RB_CFGT_INT,
	RB_CFGT_BOOL,
	RB_CFGT__MAX
};

struct rb_cfg_def {
	const char	*def_name;	/* "max_body_bytes"; env ROBINET_MAX_BODY_BYTES */
	enum rb_cfg_type def_type;
	long long	 def_min;	/* ints: bounds; strings: min/max length */
	long long	 def_max;
	const char	*def_default;
	int		 def_secret;	/* masked when printed */
	int		 (*def_check)(const char *value, char *err, size_t errlen);
	const char	*def_help;
};

struct rb_config {
	char		*cfg_str[RB_CFG__MAX];	/* owned, always set */
	long long	 cfg_int[RB_CFG__MAX];	/* ints and bools */
	const char	*cfg_from[RB_CFG__MAX];	/* "default", "file", "env", "option" */
};

extern const struct rb_cfg_def rb_cfg_defs[RB_CFG__MAX];

/* Fills cfg with the defaults. Free with rb_config_free(). */
void		 rb_config_init(struct rb_config *cfg);
void		 rb_config_free(struct rb_config *cfg);
/* Looks a setting up by name; -1 when unknown. */
int		 rb_config_find(const char *name);
/*
 * Validates and sets one value; from names the source for printing.
 * Returns 0, or -1 with "name: reason" in err.
 */
int		 rb_config_set(struct rb_config *cfg, enum rb_cfg key,
		    const char *value, const char *from, char *err, size_t errlen);
/* Reads a `name = value` file; -1 with "file:line: reason" in err. */
int		 rb_config_load_file(struct rb_config *cfg, const char *path,
		    char *err, size_t errlen);
/* Applies ROBINET_* variables of envp; unknown ROBINET_ names are errors. */
int		 rb_config_load_env(struct rb_config *cfg, char *const *envp,
		    char *err, size_t errlen);
/*
 * Checks the rules that tie settings together, once all are loaded:
 * today is accepted in demo mode only. Returns 0, or -1 with
 * "name: reason" in err.
 */
int		 rb_config_check(const struct rb_config *cfg, char *err,
		    size_t errlen);
/* Prints every setting, its source, secrets masked. */
void		 rb_config_print(const struct rb_config *cfg, rb_buf *out);

const char	*rb_config_str(const struct rb_config *cfg, enum rb_cfg key);
long long	 rb_config_int(const struct rb_config *cfg, enum rb_cfg key);

#endif
