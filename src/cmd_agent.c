/*
 * cmd_agent.c: `robinet agent add --email E --role agent|supervisor|admin
 * [--name N]`: creates a customer-service agent, typically the first
 * admin (the others are created in the back office). The password is
 * read from standard input: one line when it is not a terminal (for
 * scripts), otherwise typed twice without echo. Prints the TOTP secret
 * (Base32) and its otpauth:// URI once, for the agent's authenticator
 * app; the agent is enrolled when a first code is accepted at
 * /agent/connexion. Needs the data_key setting (the secret is stored
 * sealed under it). Exit status 0, 1 (refused or failed), 2 (usage).
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app/agent.h"
#include "app/auth.h"
#include "app/password.h"
#include "base/crypto.h"
#include "base/iban.h"
#include "store/db.h"
#include "cmd.h"

#define PASSWORD_LINE_MAX	1024

/* Reads one line of at most size - 1 bytes into buf, without its end of
 * line. 0, or -1 at end of file or when the line is too long. */
static int
read_line(FILE *f, char *buf, size_t size)
{
	size_t n;

	if (fgets(buf, (int)size, f) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return -1;
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* Prompts on stderr and reads a line from the terminal without echo. */
static int
prompt_hidden(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int rc, echo_off;

	fputs(prompt, stderr);
	fflush(stderr);
	echo_off = tcgetattr(STDIN_FILENO, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	rc = read_line(stdin, buf, size);
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* The password from stdin (see the top of the file). 0 or -1. */
static int
read_password(char *buf, size_t size)
{
	char again[PASSWORD_LINE_MAX];
	int rc;

	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, buf, size) != 0) {
			fprintf(stderr, "robinet: agent add: expected the "
			    "password on one line of standard input\n");
			return -1;
		}
		return 0;
	}
	if (prompt_hidden("Mot de passe de l'agent : ", buf, size) != 0 ||
	    prompt_hidden("Confirmez le mot de passe : ", again,
	    sizeof(again)) != 0)
		return -1;
	rc = strcmp(buf, again) == 0 ? 0 : -1;
	sodium_memzero(again, sizeof(again));
	if (rc != 0)
		fprintf(stderr, "robinet: agent add: the two passwords "
		    "differ\n");
	return rc;
}

int
cmd_agent(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	unsigned char key[RB_IBAN_KEYBYTES];
	char password[PASSWORD_LINE_MAX], err[512];
	struct rb_pwhash_params pp;
	struct rb_agent_enrolment en;
	struct rb_auth_cfg ac;
	struct rb_auth_req ar;
	enum rb_agent_role role;
	const char *why = NULL;
	int64_t id = 0;
	rb_db *db = NULL;
	int rc = 1;

	if (o->co_verb == NULL || strcmp(o->co_verb, "add") != 0 ||
	    o->co_email == NULL || o->co_role == NULL) {
		fprintf(stderr, "usage: robinet agent add --email E --role "
		    "agent|supervisor|admin [--name N]\n");
		return 2;
	}
	if ((role = rb_agent_role_parse(o->co_role)) == RB_ROLE_NONE) {
		fprintf(stderr, "robinet: agent add: unknown role '%s' "
		    "(agent, supervisor or admin)\n", o->co_role);
		return 2;
	}
	if (rb_iban_key_from_hex(rb_config_str(cfg, RB_CFG_DATA_KEY),
	    key) != 0) {
		fprintf(stderr, "robinet: agent add: the data_key setting (64 "
		    "hex digits) is required: agents' TOTP secrets are stored "
		    "sealed under it\n");
		return 1;
	}
	pp.pp_opslimit = (unsigned long long)rb_config_int(cfg,
	    RB_CFG_PWHASH_PASSES);
	pp.pp_memlimit = (size_t)rb_config_int(cfg,
	    RB_CFG_PWHASH_MEMORY_KIB) * 1024;
	pp.pp_max_concurrent = 1;
	if (rb_crypto_init(&pp, err, sizeof(err)) != 0 ||
	    rb_password_load_list(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		goto out;
	}
	if (read_password(password, sizeof(password)) != 0)
		goto out;
	if (cmd_open_db(cfg, 0, &db) != 0)
		goto out;
	memset(&ar, 0, sizeof(ar));
	rb_auth_cfg_from_config(cfg, &ac);
	ar.ar_cfg = &ac;
	ar.ar_db = db;
	ar.ar_now = time(NULL);
	ar.ar_ip = "-";
	switch (rb_agent_create(&ar, key, 0, o->co_email, o->co_name, role,
	    password, &en, &id, &why)) {
	case RB_OK:
		printf("Agent %lld créé (%s, rôle %s).\n\n"
		    "Enrôlement : ajoutez ce compte dans une application "
		    "d'authentification (TOTP, 6 chiffres, 30 s)\n"
		    "en saisissant la clé secrète ou en ouvrant l'URI "
		    "ci-dessous. Ils ne seront plus jamais affichés.\n\n"
		    "Clé secrète : %s\nURI : %s\n\n"
		    "Puis connectez-vous sur /agent/connexion avec l'adresse "
		    "e-mail, le mot de passe et le code affiché.\n",
		    (long long)id, o->co_email, rb_agent_role_name(role),
		    en.en_secret_b32, en.en_uri);
		rc = 0;
		break;
	case RB_INVALID:
		fprintf(stderr, "robinet: agent add: %s\n", why);
		break;
	default:
		fprintf(stderr, "robinet: agent add failed (see the log "
		    "above)\n");
		break;
	}
out:
	sodium_memzero(password, sizeof(password));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&en, sizeof(en));
	if (db != NULL)
		rb_db_close(db);
	return rc;
}
