/*
 * mail_driver.c: a small command for tests/mail/run.py, which drives the
 * mail module from outside: queue a message the way use cases do, print
 * a built message, print the demo list. Settings come from the ROBINET_*
 * environment, exactly as for robinet itself.
 *
 *   mail_driver queue  --db URL --kind KIND --to ADDR [--data JSON] [--now T]
 *   mail_driver build  --kind KIND --to ADDR [--data JSON]
 *   mail_driver devbox --db URL [--limit N]
 *
 * KIND is a template name: activation, reset, email_change… Exit status
 * 0 on success, 1 when the module refuses, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/config.h"
#include "mail/mail.h"
#include "mail/message.h"
#include "mail/render.h"
#include "mail/state.h"
#include "store/db.h"

extern char **environ;

static int
usage(void)
{
	fprintf(stderr, "usage: mail_driver queue|build|devbox [--db URL] "
	    "[--kind KIND] [--to ADDR] [--data JSON] [--now T] "
	    "[--limit N]\n");
	return 2;
}

static int
find_kind(const char *name)
{
	int k;

	for (k = 0; k < RB_MAIL__MAX; k++)
		if (strcmp(rb_mail_kind_name(k), name) == 0)
			return k;
	return -1;
}

/* Prints the whole message for kind, as the sender would build it. */
static int
build(int kind, const char *to, const json_t *data)
{
	const struct rb_mail_state *st = rb_mail_state();
	struct rb_mail_rendered r;
	struct rb_mail_msg m;
	rb_buf out = RB_BUF_INIT;
	char err[300];

	if (rb_mail_render(st, kind, data, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "mail_driver: %s\n", err);
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.mm_from_name = st->st_from_name;
	m.mm_from_addr = st->st_from_addr;
	m.mm_to = to;
	m.mm_subject = r.mr_subject;
	m.mm_text = r.mr_text;
	m.mm_html = r.mr_html;
	m.mm_date = time(NULL);
	if (rb_mail_build(&m, &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "mail_driver: %s\n", err);
		rb_mail_rendered_free(&r);
		return 1;
	}
	fwrite(out.buf_data, 1, out.buf_len, stdout);
	rb_buf_free(&out);
	rb_mail_rendered_free(&r);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode, *db_url = NULL, *kind_name = NULL, *to = NULL,
	    *data_text = "{}";
	struct rb_config cfg;
	struct rb_mail_cfg mc;
	time_t now = time(NULL);
	json_t *data = NULL, *list;
	char err[512];
	rb_db *db = NULL;
	int i, kind = -1, limit = 20, rc = 2;

	if (argc < 2)
		return usage();
	mode = argv[1];
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			db_url = argv[i + 1];
		else if (strcmp(argv[i], "--kind") == 0)
			kind_name = argv[i + 1];
		else if (strcmp(argv[i], "--to") == 0)
			to = argv[i + 1];
		else if (strcmp(argv[i], "--data") == 0)
			data_text = argv[i + 1];
		else if (strcmp(argv[i], "--now") == 0)
			now = (time_t)strtoll(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--limit") == 0)
			limit = atoi(argv[i + 1]);
		else
			return usage();
	}
	if (i != argc)
		return usage();
	if (kind_name != NULL && (kind = find_kind(kind_name)) < 0) {
		fprintf(stderr, "mail_driver: unknown kind %s\n", kind_name);
		return 2;
	}
	if ((data = json_loads(data_text, 0, NULL)) == NULL) {
		fprintf(stderr, "mail_driver: --data is not JSON\n");
		return 2;
	}

	rb_config_init(&cfg);
	if (rb_config_load_env(&cfg, environ, err, sizeof(err)) != 0) {
		fprintf(stderr, "mail_driver: %s\n", err);
		goto out;
	}
	rb_mail_cfg_from_config(&cfg, &mc);
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "mail_driver: %s\n", err);
		rc = 1;
		goto out;
	}
	if (strcmp(mode, "build") == 0) {
		if (kind < 0 || to == NULL)
			goto out;
		rc = build(kind, to, data);
		goto out;
	}
	if (db_url == NULL)
		goto out;
	if (rb_db_open(db_url, &db, err, sizeof(err)) != 0) {
		fprintf(stderr, "mail_driver: %s\n", err);
		rc = 1;
		goto out;
	}
	if (strcmp(mode, "queue") == 0 && kind >= 0 && to != NULL) {
		rc = rb_mail_queue(db, kind, to, data, now) == 0 ? 0 : 1;
	} else if (strcmp(mode, "devbox") == 0) {
		if (rb_mail_devbox_list(db, limit, &list) != 0) {
			rc = 1;
			goto out;
		}
		json_dumpf(list, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(list);
		rc = 0;
	}
out:
	if (rc == 2)
		usage();
	rb_db_close(db);
	rb_mail_shutdown();
	rb_config_free(&cfg);
	json_decref(data);
	return rc;
}
