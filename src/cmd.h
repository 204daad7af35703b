/*
 * cmd.h: the robinet subcommands. Each gets the effective configuration
 * and the arguments left after the options main() understood; each
 * returns the process exit status.
 */
#ifndef RB_CMD_H
#define RB_CMD_H

#include "base/config.h"

/* Options some commands take besides configuration settings. */
struct rb_cmd_opts {
	long		 co_contracts;	/* demo: number of contracts, or -1 */
	long long	 co_seed;	/* demo: PRNG seed, or -1 */
	const char	*co_today;	/* demo: reference date, or NULL */
	const char	*co_import_dir;	/* import: the folder, or NULL */
	const char	*co_source;	/* import: --source, or NULL */
	const char	*co_report;	/* import: --report, or NULL */
	const char	*co_export;	/* demo: --export DIR, or NULL */
	const char	*co_verb;	/* sepa: schedule, export, returns;
					   agent: add; braille: batch */
	const char	*co_file;	/* sepa returns FILE */
	const char	*co_collection_date; /* sepa export */
	const char	*co_out;	/* sepa export --out FILE */
	const char	*co_again;	/* sepa export --again MSGID */
	const char	*co_since;	/* print-list: --since DATE, or NULL */
	/* agent add (cmd_agent.c) */
	const char	*co_email;	/* --email E */
	const char	*co_role;	/* --role R */
	const char	*co_name;	/* --name N */
	int		 co_force;	/* backup: --force */
};

int	cmd_serve(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_migrate(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_demo(struct rb_config *cfg, const struct rb_cmd_opts *o);
/* demo --export DIR (cmd_demo_export.c); cmd_demo() hands over to it. */
int	cmd_demo_export(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_config_check(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_mail_send(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_purge(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_import(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_alerts(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_psp_sandbox(struct rb_config *cfg, const struct rb_cmd_opts *o);
/*
 * serve --demo (cmd_sandbox.c): gives the psp_* settings left at their
 * defaults the demo shop's values, binds the stand-in payment page's
 * address and points psp_page_url at it. Returns it bound, not yet
 * answering: serve starts it with rb_sandbox_accept() once root is left
 * (stop it with rb_sandbox_stop()); or NULL with a warning: the demo
 * then has no card payment.
 */
struct rb_sandbox;
struct rb_sandbox *cmd_demo_sandbox(struct rb_config *cfg);
/* serve --demo (cmd_serve.c): a public_url left at its default becomes
 * http://LISTEN, so the demo's links lead back to it. Also used by
 * `config check`, which must judge the cookie mode serve will use. */
void	cmd_demo_public_url(struct rb_config *cfg);
int	cmd_sepa(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_print_list(struct rb_config *cfg, const struct rb_cmd_opts *o);
int	cmd_agent(struct rb_config *cfg, const struct rb_cmd_opts *o);
/* braille batch (cmd_braille.c) */
int	cmd_braille(struct rb_config *cfg, const struct rb_cmd_opts *o);

/* backup --out FILE [--force] (cmd_backup.c) */
int	cmd_backup(struct rb_config *cfg, const struct rb_cmd_opts *o);

/* Opens cfg's database, checks its schema is current; -1 (logged) if not. */
struct rb_db;
int	cmd_open_db(const struct rb_config *cfg, int migrate,
	    struct rb_db **out);
/* Writes the customers' missing search keys (store/custsearch.h), after
 * migrating: 0, or -1 (said on stderr). */
int	cmd_fill_search_keys(struct rb_db *db);

#endif
