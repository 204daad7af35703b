/*
 * cmd_serve.c: `robinet serve`. Checks the database schema, loads the
 * templates, binds the HTTP server's socket, leaves root for run_as_user
 * when started as root, restricts its system calls (seccomp), only then
 * accepts connections, and waits for SIGTERM or SIGINT,
 * then stops gracefully: no new connections, requests in flight
 * finished (up to shutdown_grace seconds), database closed, exit 0.
 */
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo/demo.h"
#include "app/password.h"
#include "base/crypto.h"
#include "mail/mail.h"
#include "base/log.h"
#include "store/db.h"
#include "store/custsearch.h"
#include "store/migrate.h"
#include "web/server.h"
#include "web/site.h"
#include "sandbox/sandbox.h"
#include "app/agent.h"
#include "base/iban.h"
#include "base/privdrop.h"
#include "base/syscalls.h"
#include "cmd.h"

/* The demo's SEPA creditor: fictitious (no bank has the code 99999),
 * with valid check digits so that mandates and pain.008 files carry
 * well-formed values. */
#define DEMO_CREDITOR_ID	"FR30ZZZDEMO00"
#define DEMO_CREDITOR_IBAN	"FR7699999000000000000000033"
#define DEMO_CREDITOR_BIC	"DEMOFRPPXXX"

/* Demo mode: gives each SEPA creditor setting left at its default the
 * demo value, as cmd_demo_sandbox() does for the demo shop. */
static void
demo_creditor(struct rb_config *cfg)
{
	static const struct {
		enum rb_cfg	 dc_key;
		const char	*dc_value;
	} demo[] = {
		{ RB_CFG_SEPA_CREDITOR_ID, DEMO_CREDITOR_ID },
		{ RB_CFG_SEPA_CREDITOR_IBAN, DEMO_CREDITOR_IBAN },
		{ RB_CFG_SEPA_CREDITOR_BIC, DEMO_CREDITOR_BIC },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(demo) / sizeof(demo[0]); i++)
		if (strcmp(cfg->cfg_from[demo[i].dc_key], "default") == 0 &&
		    rb_config_set(cfg, demo[i].dc_key, demo[i].dc_value,
		    "demo", err, sizeof(err)) != 0)
			log_warnx("demo: %s", err);
}

int
cmd_fill_search_keys(rb_db *db)
{
	int64_t filled;

	if (rb_custsearch_fill_keys(db, &filled) != 0) {
		fprintf(stderr, "robinet: cannot write the customers' search "
		    "keys (see the log above)\n");
		return -1;
	}
	if (filled > 0)
		log_info("wrote the search keys of %lld customer(s)",
		    (long long)filled);
	return 0;
}

int
cmd_open_db(const struct rb_config *cfg, int migrate, rb_db **out)
{
	char err[512];
	int current, latest, applied;
	rb_db *db;

	if (rb_db_open(rb_config_str(cfg, RB_CFG_DB), &db, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "robinet: cannot open database: %s\n", err);
		return -1;
	}
	if (migrate) {
		if (rb_migrate(db, &applied) != 0) {
			fprintf(stderr, "robinet: migration failed (see the "
			    "log above); the database is unchanged\n");
			goto fail;
		}
		if (applied > 0)
			log_info("applied %d migration(s)", applied);
		if (cmd_fill_search_keys(db) != 0)
			goto fail;
	}
	if (rb_migrate_status(db, &current, &latest) != 0)
		goto fail;
	if (current != latest) {
		fprintf(stderr, "robinet: the database schema is at version "
		    "%d, this robinet needs version %d: run `robinet migrate` "
		    "(or `robinet serve --migrate`)\n", current, latest);
		goto fail;
	}
	*out = db;
	return 0;
fail:
	rb_db_close(db);
	return -1;
}

/*
 * Password hashing, the common-password list and the mail module, which
 * serve needs before the first request.
 */
static int
serve_init(const struct rb_config *cfg)
{
	struct rb_pwhash_params pp;
	struct rb_mail_cfg mc;
	char err[512];

	pp.pp_opslimit = (unsigned long long)rb_config_int(cfg,
	    RB_CFG_PWHASH_PASSES);
	pp.pp_memlimit = (size_t)rb_config_int(cfg,
	    RB_CFG_PWHASH_MEMORY_KIB) * 1024;
	pp.pp_max_concurrent = (int)rb_config_int(cfg, RB_CFG_SLOW_WORKERS);
	if (rb_crypto_init(&pp, err, sizeof(err)) != 0 ||
	    rb_password_load_list(NULL, err, sizeof(err)) != 0)
		goto fail;
	rb_mail_cfg_from_config(cfg, &mc);
	if (rb_mail_init(&mc, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "robinet: %s\n", err);
	return -1;
}

/* serve --demo: the demo's back-office agents (app/agent.h), created
 * when missing. A failure is logged; the demo serves without them. */
static void
demo_agents(const struct rb_config *cfg)
{
	unsigned char key[RB_IBAN_KEYBYTES];
	struct rb_auth_cfg ac;
	struct rb_auth_req ar;
	rb_db *db;
	int n = 0;

	if (rb_iban_key_from_hex(rb_config_str(cfg, RB_CFG_DATA_KEY),
	    key) != 0 || cmd_open_db(cfg, 0, &db) != 0) {
		log_warnx("demo: no back-office agents");
		return;
	}
	memset(&ar, 0, sizeof(ar));
	rb_auth_cfg_from_config(cfg, &ac);
	ar.ar_cfg = &ac;
	ar.ar_db = db;
	ar.ar_now = time(NULL);
	ar.ar_ip = "-";
	if (rb_agent_demo_ensure(&ar, key, &n) != RB_OK)
		log_warnx("demo: back-office agents not created");
	else if (n > 0)
		log_info("demo: %d back-office agent(s) created", n);
	rb_db_close(db);
	memset(key, 0, sizeof(key));
}

void
cmd_demo_public_url(struct rb_config *cfg)
{
	char url[96], err[256];

	/* In the demo, links in emails lead back to this very server. */
	if (rb_config_int(cfg, RB_CFG_DEMO) &&
	    strcmp(cfg->cfg_from[RB_CFG_PUBLIC_URL], "default") == 0) {
		snprintf(url, sizeof(url), "http://%s",
		    rb_config_str(cfg, RB_CFG_LISTEN));
		if (rb_config_set(cfg, RB_CFG_PUBLIC_URL, url, "demo", err,
		    sizeof(err)) != 0)
			log_warnx("demo: public_url left as it is");
	}
}

/*
 * Started as root: becomes run_as_user (base/privdrop.h) once the
 * socket and the database are open, then checks that this account can
 * write the database (connections the pool opens later are its own).
 * Without run_as_user, root is warned about, not refused (docs/deploy.md
 * says why). 0, or -1 (said on stderr): serve must stop.
 */
static int
serve_drop_root(const struct rb_config *cfg)
{
	const char *user = rb_config_str(cfg, RB_CFG_RUN_AS_USER);
	char err[512];
	rb_db *db;
	int rc;

	if (user[0] == '\0') {
		if (geteuid() == 0)
			log_warnx("serving as root: set run_as_user to a "
			    "dedicated account (docs/deploy.md)");
		return 0;
	}
	if (rb_privdrop(user, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		return -1;
	}
	if (rb_db_open(rb_config_str(cfg, RB_CFG_DB), &db, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "robinet: as %s, cannot open the database: "
		    "%s\n", user, err);
		return -1;
	}
	rc = rb_migrate_check_writable(db);
	rb_db_close(db);
	if (rc != 0) {
		fprintf(stderr, "robinet: as %s, cannot write the database "
		    "(see the log above): give that account its file and "
		    "directory\n", user);
		return -1;
	}
	log_info("running as %s (uid %lu, gid %lu)", user,
	    (unsigned long)getuid(), (unsigned long)getgid());
	return 0;
}

/*
 * Once every thread runs: the seccomp allow-list (base/syscalls.h)
 * unless the setting seccomp is off. 0, or -1 (said on stderr).
 */
static int
serve_restrict(const struct rb_config *cfg)
{
	const char *mode = rb_config_str(cfg, RB_CFG_SECCOMP);
	char err[256];

	if (strcmp(mode, "off") == 0) {
		log_warnx("seccomp is off: every system call is allowed");
		return 0;
	}
	if (rb_syscalls_restrict(strcmp(mode, "log") == 0 ? RB_SYSCALLS_LOG :
	    RB_SYSCALLS_KILL, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s (setting seccomp = off serves "
		    "without it)\n", err);
		return -1;
	}
	log_info("seccomp: system calls restricted (%s)", mode);
	return 0;
}

int
cmd_serve(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_mail_sender *sender;
	struct rb_sandbox *sandbox = NULL;
	struct rb_server *srv;
	struct rb_site site;
	char err[512];
	sigset_t set;
	rb_db *db;
	int sig;

	if (cmd_open_db(cfg, (int)rb_config_int(cfg, RB_CFG_AUTO_MIGRATE),
	    &db) != 0)
		return 1;
	rb_db_close(db);
	cmd_demo_public_url(cfg);
	if (rb_config_int(cfg, RB_CFG_DEMO))
		demo_creditor(cfg);
	if (serve_init(cfg) != 0)
		return 1;
	if (rb_config_int(cfg, RB_CFG_DEMO))
		demo_agents(cfg);

	/* Block the stop signals in every thread; this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* The demo's card payments go to a stand-in payment page: its
	   address is bound here (as root, before the site reads
	   psp_page_url), its threads start after the drop, with the stop
	   signals blocked. */
	if (rb_config_int(cfg, RB_CFG_DEMO))
		sandbox = cmd_demo_sandbox(cfg);

	if (rb_site_open(&site, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		rb_sandbox_stop(sandbox);
		return 1;
	}
	/* Bind, then drop, then accept: the socket and the files are
	   opened as root, root is left, the filter is on, and only then is
	   the first connection accepted (clients wait in the listen queue
	   meanwhile), so no request is ever answered as root or
	   unfiltered. */
	if ((srv = rb_server_open(&site, err, sizeof(err))) == NULL) {
		fprintf(stderr, "robinet: %s\n", err);
		rb_site_close(&site);
		rb_sandbox_stop(sandbox);
		rb_mail_shutdown();
		return 1;
	}
	if (serve_drop_root(cfg) != 0) {
		rb_server_stop(srv, 0);
		rb_sandbox_stop(sandbox);
		rb_site_close(&site);
		rb_mail_shutdown();
		return 1;
	}
	if (sandbox != NULL && rb_sandbox_accept(sandbox, err,
	    sizeof(err)) != 0) {
		log_warnx("demo: %s: no card payment", err);
		rb_sandbox_stop(sandbox);
		sandbox = NULL;
	}
	sender = rb_mail_sender_start(site.site_db);
	if (serve_restrict(cfg) != 0) {
		rb_server_stop(srv, 0);
		rb_mail_sender_stop(sender);
		rb_sandbox_stop(sandbox);
		rb_site_close(&site);
		rb_mail_shutdown();
		return 1;
	}
	rb_server_accept(srv);
	if (rb_config_int(cfg, RB_CFG_DEMO))
		printf("%s\n", rb_demo_identities);
	if (rb_config_int(cfg, RB_CFG_DEMO))
		printf("Back-office de démonstration (/agent/connexion) : "
		    "admin.demo@robinet.test,\n  superviseur.demo@robinet.test "
		    "ou agent.demo@robinet.test, mot de passe %s ;\n  clé TOTP "
		    "%s (à saisir dans une application\n  d'authentification, "
		    "ou : oathtool --totp -b %s).\n\n", RB_AGENT_DEMO_PASSWORD,
		    RB_AGENT_DEMO_SECRET, RB_AGENT_DEMO_SECRET);
	printf("robinet %s: listening on http://%.*s:%d/\n", ROBINET_VERSION,
	    (int)(strrchr(rb_config_str(cfg, RB_CFG_LISTEN), ':') -
	    rb_config_str(cfg, RB_CFG_LISTEN)), rb_config_str(cfg,
	    RB_CFG_LISTEN), rb_server_port(srv));
	fflush(stdout);
	log_info("serving on port %d", rb_server_port(srv));

	sigwait(&set, &sig);
	log_info("%s received: stopping", sig == SIGTERM ? "SIGTERM" :
	    "SIGINT");
	rb_server_stop(srv, (int)rb_config_int(cfg, RB_CFG_SHUTDOWN_GRACE));
	rb_mail_sender_stop(sender);
	rb_sandbox_stop(sandbox);
	rb_site_close(&site);
	rb_mail_shutdown();
	log_info("stopped");
	return 0;
}
