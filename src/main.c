/*
 * main.c: the robinet command. Parses the subcommand and options, builds
 * the configuration (defaults < --config file < ROBINET_* environment <
 * command-line options) and runs the subcommand.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/mem.h"
#include "cmd.h"
#include "demo/demo.h"

extern char **environ;

static const char usage_text[] =
    "usage: robinet COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  serve            serve the portal over HTTP\n"
    "  migrate          bring the database schema up to date\n"
    "  demo             fill a database with demo data\n"
    "  config check     print the effective configuration and check it\n"
    "  mail send        deliver the waiting email once (for cron)\n"
    "  purge            delete expired sessions, archive visits, tokens, counters\n"
    "                   and device cookies (for cron)\n"
    "  import DIR       import a folder of CSV files (docs/import-format.md)\n"
    "  alerts           record abnormal consumption and queue its emails (for cron)\n"
    "  psp-sandbox      run the stand-in card payment page alone (no real payment)\n"
    "  sepa schedule    schedule a direct debit for each due bill and queue its\n"
    "                   pre-notification email (for cron, daily)\n"
    "  sepa export      write the pain.008 file of one day's debits\n"
    "                   (--collection-date YYYY-MM-DD --out FILE), or an exported\n"
    "                   file again from the database (--again MSGID --out FILE)\n"
    "  sepa returns FILE  apply the bank's pain.002 status report\n"
    "  print-list       bills to print and post, as CSV (--since YYYY-MM-DD)\n"
    "  agent add        create a back-office agent (--email E --role\n"
    "                   agent|supervisor|admin [--name N]; password on stdin)\n"
    "  braille batch    embosser files of the documents since a date for the\n"
    "                   subscribers who chose braille (--since YYYY-MM-DD --out DIR)\n"
    "  backup           copy the SQLite database while it serves, to --out FILE\n"
    "                   (PostgreSQL: pg_dump or pg_basebackup, docs/deploy.md)\n"
    "  version          print the version\n"
    "  help             print this help\n"
    "\n"
    "options:\n"
    "  --db URL             database (sqlite:PATH or postgresql://...;\n"
    "                       default sqlite:var/robinet.db)\n"
    "  --listen ADDR:PORT   address to listen on (default 127.0.0.1:8080)\n"
    "  --config FILE        read settings from FILE (name = value lines)\n"
    "  --demo               serve: demo mode (local stand-ins for outside services)\n"
    "  --migrate            serve: apply missing migrations before serving\n"
    "  --contracts N        demo: number of contracts (default 2000)\n"
    "  --seed S             demo: random seed (default 1)\n"
    "  --today YYYY-MM-DD   demo: reference date (default: the today setting, else today)\n"
    "  --export DIR         demo: also write the data as import CSV files into DIR\n"
    "  --source NAME        import: billing (default) or former_operator\n"
    "  --report FILE        import: report file (default DIR.import-BATCH.csv)\n"
    "  --collection-date D  sepa export: the collection date of the debits\n"
    "  --again MSGID        sepa export: write the file of batch MSGID again\n"
    "  --out FILE           sepa export, backup: the file to write; braille batch:\n"
    "                       the folder\n"
    "  --force              backup: replace an existing --out FILE\n"
    "  --since YYYY-MM-DD   print-list: first issue date listed; braille batch:\n"
    "                       first day of the documents\n"
    "  --email E            agent add: the agent's email address\n"
    "  --role R             agent add: agent, supervisor or admin\n"
    "  --name N             agent add: the name shown in the back office\n"
    "\n"
    "Every setting can also be given as ROBINET_<NAME> in the environment;\n"
    "`robinet config check` lists them.\n";

enum cmd_id {
	CMD_SERVE,
	CMD_MIGRATE,
	CMD_DEMO,
	CMD_CONFIG,
	CMD_MAIL,
	CMD_PURGE,
	CMD_IMPORT,
	CMD_ALERTS,
	CMD_PSP_SANDBOX,
	CMD_SEPA,
	CMD_PRINT_LIST,
	CMD_AGENT,
	CMD_BRAILLE,
	CMD_BACKUP,
	CMD_VERSION,
	CMD_HELP,
	CMD__MAX
};

static const char *const cmd_names[CMD__MAX] = {
	"serve", "migrate", "demo", "config", "mail", "purge", "import",
	"alerts", "psp-sandbox", "sepa", "print-list", "agent", "braille",
	"backup", "version", "help",
};

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "robinet: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage_text);
}

static int
parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return s[0] == '\0' || *end != '\0' || errno != 0 || *out < min ||
	    *out > max ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct rb_config cfg;
	struct rb_cmd_opts o = { .co_contracts = -1, .co_seed = -1 };
	const char *config_file = NULL, *opt, *val;
	char err[512];
	int i, cmd = -1, rc = 2, key;
	long long n;

	rb_mem_init();
	rb_config_init(&cfg);
	/* The config file comes first, whatever its place on the line. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_file = argv[i + 1];
	if (config_file != NULL &&
	    rb_config_load_file(&cfg, config_file, err, sizeof(err)) != 0)
		goto config_error;
	if (rb_config_load_env(&cfg, environ, err, sizeof(err)) != 0)
		goto config_error;

	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (strncmp(opt, "--", 2) != 0) {
			if (cmd == CMD_IMPORT && o.co_import_dir == NULL) {
				o.co_import_dir = opt;	/* import DIR */
				continue;
			}
			if ((cmd == CMD_AGENT || cmd == CMD_BRAILLE) &&
			    o.co_verb == NULL) {
				o.co_verb = opt;	/* agent add, braille batch */
				continue;
			}
			if (cmd == CMD_SEPA) {	/* sepa VERB [FILE] */
				if (o.co_verb == NULL) {
					o.co_verb = opt;
					continue;
				}
				if (o.co_file == NULL) {
					o.co_file = opt;
					continue;
				}
			}
			if (cmd >= 0) {
				/* "config check" and "mail send" take a verb. */
				if ((cmd == CMD_CONFIG && strcmp(opt, "check") == 0) ||
				    (cmd == CMD_MAIL && strcmp(opt, "send") == 0))
					continue;
				usage_error("unexpected argument '%s'", opt);
				goto out;
			}
			for (cmd = 0; cmd < CMD__MAX; cmd++)
				if (strcmp(opt, cmd_names[cmd]) == 0)
					break;
			if (cmd == CMD__MAX) {
				usage_error("unknown command '%s'", opt);
				goto out;
			}
			continue;
		}
		if (strcmp(opt, "--help") == 0) {
			cmd = CMD_HELP;
			continue;
		}
		if (strcmp(opt, "--force") == 0) {
			o.co_force = 1;
			continue;
		}
		if (strcmp(opt, "--demo") == 0 ||
		    strcmp(opt, "--migrate") == 0) {
			key = opt[2] == 'd' ? RB_CFG_DEMO : RB_CFG_AUTO_MIGRATE;
			rb_config_set(&cfg, key, "true", "option", err,
			    sizeof(err));
			continue;
		}
		if (strcmp(opt, "--config") != 0 && strcmp(opt, "--db") != 0 &&
		    strcmp(opt, "--listen") != 0 &&
		    strcmp(opt, "--contracts") != 0 &&
		    strcmp(opt, "--seed") != 0 && strcmp(opt, "--today") != 0 &&
		    strcmp(opt, "--source") != 0 && strcmp(opt, "--report") != 0 &&
		    strcmp(opt, "--export") != 0 &&
		    strcmp(opt, "--collection-date") != 0 &&
		    strcmp(opt, "--out") != 0 &&
		    strcmp(opt, "--again") != 0 &&
		    strcmp(opt, "--since") != 0 &&
		    strcmp(opt, "--email") != 0 && strcmp(opt, "--role") != 0 &&
		    strcmp(opt, "--name") != 0) {
			usage_error("unknown option '%s'", opt);
			goto out;
		}
		if (i + 1 >= argc) {
			usage_error("option %s needs a value", opt);
			goto out;
		}
		val = argv[++i];
		if (strcmp(opt, "--config") == 0)
			continue;
		if (strcmp(opt, "--db") == 0 || strcmp(opt, "--listen") == 0) {
			key = opt[2] == 'd' ? RB_CFG_DB : RB_CFG_LISTEN;
			if (rb_config_set(&cfg, key, val, "option", err,
			    sizeof(err)) != 0)
				goto config_error;
		} else if (strcmp(opt, "--contracts") == 0) {
			if (parse_long(val, 1, 10000000, &n) != 0) {
				usage_error("--contracts: expected a number "
				    "from 1 to 10000000, got '%s'", val);
				goto out;
			}
			o.co_contracts = (long)n;
		} else if (strcmp(opt, "--seed") == 0) {
			if (parse_long(val, 0, INT64_MAX, &n) != 0) {
				usage_error("--seed: expected a non-negative "
				    "integer, got '%s'", val);
				goto out;
			}
			o.co_seed = n;
		} else if (strcmp(opt, "--source") == 0) {
			o.co_source = val;
		} else if (strcmp(opt, "--report") == 0) {
			o.co_report = val;
		} else if (strcmp(opt, "--export") == 0) {
			o.co_export = val;
		} else if (strcmp(opt, "--collection-date") == 0) {
			o.co_collection_date = val;
		} else if (strcmp(opt, "--out") == 0) {
			o.co_out = val;
		} else if (strcmp(opt, "--again") == 0) {
			o.co_again = val;
		} else if (strcmp(opt, "--since") == 0) {
			o.co_since = val;
		} else if (strcmp(opt, "--email") == 0) {
			o.co_email = val;
		} else if (strcmp(opt, "--role") == 0) {
			o.co_role = val;
		} else if (strcmp(opt, "--name") == 0) {
			o.co_name = val;
		} else {
			o.co_today = val;
		}
	}
	if (cmd < 0) {
		usage_error("%s", "missing command");
		goto out;
	}
	if (cmd == CMD_CONFIG || cmd == CMD_MAIL) {
		val = cmd == CMD_CONFIG ? "check" : "send";
		for (i = 1; i < argc; i++)
			if (strcmp(argv[i], val) == 0)
				break;
		if (i == argc) {
			usage_error(cmd == CMD_CONFIG ? "expected 'config %s'" :
			    "expected 'mail %s'", val);
			goto out;
		}
	}
	if (rb_config_check(&cfg, err, sizeof(err)) != 0)
		goto config_error;
	/* Demo mode: the demo data's IBANs open without setting data_key. */
	if (rb_config_int(&cfg, RB_CFG_DEMO) &&
	    rb_config_str(&cfg, RB_CFG_DATA_KEY)[0] == '\0' &&
	    rb_config_set(&cfg, RB_CFG_DATA_KEY, RB_DEMO_IBAN_KEY_HEX, "demo",
	    err, sizeof(err)) != 0)
		goto config_error;
	val = rb_config_str(&cfg, RB_CFG_LOG_LEVEL);
	rb_log_set_level(val[0] == 'e' ? RB_LOG_ERROR : val[0] == 'w' ?
	    RB_LOG_WARN : val[0] == 'd' ? RB_LOG_DEBUG : RB_LOG_INFO);
	/* Demo mode only (checked above), before any thread starts. */
	(void)rb_clock_pin_today(rb_config_str(&cfg, RB_CFG_TODAY));
	if (rb_clock_today_is_pinned() && cmd == CMD_SERVE)
		log_warnx("demo: today is %s in Paris, whatever the clock "
		    "says (setting today)", rb_config_str(&cfg, RB_CFG_TODAY));
	if (rb_clock_today_is_pinned() && o.co_today == NULL)
		o.co_today = rb_config_str(&cfg, RB_CFG_TODAY);	/* demo data */

	switch (cmd) {
	case CMD_SERVE:
		rc = cmd_serve(&cfg, &o);
		break;
	case CMD_MIGRATE:
		rc = cmd_migrate(&cfg, &o);
		break;
	case CMD_DEMO:
		rc = cmd_demo(&cfg, &o);
		break;
	case CMD_CONFIG:
		rc = cmd_config_check(&cfg, &o);
		break;
	case CMD_MAIL:
		rc = cmd_mail_send(&cfg, &o);
		break;
	case CMD_PURGE:
		rc = cmd_purge(&cfg, &o);
		break;
	case CMD_IMPORT:
		rc = cmd_import(&cfg, &o);
		break;
	case CMD_ALERTS:
		rc = cmd_alerts(&cfg, &o);
		break;
	case CMD_PSP_SANDBOX:
		rc = cmd_psp_sandbox(&cfg, &o);
		break;
	case CMD_SEPA:
		rc = cmd_sepa(&cfg, &o);
		break;
	case CMD_PRINT_LIST:
		rc = cmd_print_list(&cfg, &o);
		break;
	case CMD_AGENT:
		rc = cmd_agent(&cfg, &o);
		break;
	case CMD_BRAILLE:
		rc = cmd_braille(&cfg, &o);
		break;
	case CMD_BACKUP:
		rc = cmd_backup(&cfg, &o);
		break;
	case CMD_VERSION:
		printf("robinet %s\n", ROBINET_VERSION);
		rc = 0;
		break;
	default:
		fputs(usage_text, stdout);
		rc = 0;
		break;
	}
	goto out;
config_error:
	fprintf(stderr, "robinet: invalid configuration: %s\n", err);
	rc = 2;
out:
	rb_config_free(&cfg);
	return rc;
}
