/*
 * cmd_demo_export.c: `robinet demo --export DIR`: generates the demo
 * dataset (the same rows as `robinet demo` with the same --contracts,
 * --seed and --today) into the database given by --db, or into a
 * temporary one removed afterwards, then writes it into DIR as the CSV
 * files of docs/import-format.md (demo/demo_export.c). DIR must be new or
 * empty; it is checked before anything is generated.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "demo/demo.h"
#include "demo/demo_export.h"
#include "base/iban.h"
#include "base/log.h"
#include "store/db.h"
#include "cmd.h"

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Removes the temporary database (tmpdir/demo.db and its WAL files). */
static void
remove_tmpdb(const char *tmpdir)
{
	static const char *const names[] = {
		"demo.db", "demo.db-wal", "demo.db-shm", "demo.db-journal",
	};
	char path[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			log_warnx("cannot remove %s: %s", path,
			    strerror(errno));
	}
	if (rmdir(tmpdir) != 0)
		log_warnx("cannot remove %s: %s", tmpdir, strerror(errno));
}

int
cmd_demo_export(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_demo_opts opts = RB_DEMO_OPTS_DEFAULT;
	struct rb_export_file files[RB_EXPORT__MAX];
	unsigned char key[RB_IBAN_KEYBYTES];
	char err[512], tmpdir[PATH_MAX], url[PATH_MAX + 16];
	const char *tmp;
	struct timespec t0;
	uint64_t rows = 0;
	rb_db *db = NULL;
	int i, rc = 1, have_tmp = 0;

	if (o->co_contracts > 0)
		opts.do_contracts = o->co_contracts;
	if (o->co_seed >= 0)
		opts.do_seed = (uint64_t)o->co_seed;
	if (o->co_today != NULL)
		opts.do_today = o->co_today;
	if (rb_demo_export_prepare(o->co_export, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		return 1;
	}
	/* No --db (nor ROBINET_DB, nor file): a database of our own. */
	if (strcmp(cfg->cfg_from[RB_CFG_DB], "default") == 0) {
		tmp = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/robinet-export.XXXXXX",
		    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			fprintf(stderr, "robinet: cannot create a temporary "
			    "folder in %s: %s\n", tmp != NULL ? tmp : "/tmp",
			    strerror(errno));
			return 1;
		}
		have_tmp = 1;
		snprintf(url, sizeof(url), "sqlite:%s/demo.db", tmpdir);
		if (rb_config_set(cfg, RB_CFG_DB, url, "option", err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "robinet: %s\n", err);
			goto out;
		}
	}
	if (cmd_open_db(cfg, 1, &db) != 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rb_demo_generate(db, &opts) != 0) {
		fprintf(stderr, "robinet: demo data not created (see the log "
		    "above)\n");
		goto out;
	}
	/* As `robinet demo` (cmd_demo.c): the customers' search keys. */
	if (cmd_fill_search_keys(db) != 0)
		goto out;
	printf("demo data created in %lld ms\n", (long long)ms_since(&t0));
	/* The demo seals IBANs under its own key (demo/demo.h). */
	if (rb_iban_key_from_hex(RB_DEMO_IBAN_KEY_HEX, key) != 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rb_demo_export(db, o->co_export, key, files) != 0) {
		fprintf(stderr, "robinet: export to %s failed (see the log "
		    "above); the files written so far are left there\n",
		    o->co_export);
		goto out;
	}
	for (i = 0; i < RB_EXPORT__MAX; i++) {
		printf("%-24s %10llu rows %8lld ms\n", files[i].ef_name,
		    (unsigned long long)files[i].ef_rows,
		    (long long)files[i].ef_ms);
		rows += files[i].ef_rows;
	}
	printf("exported %llu rows into %s in %lld ms\n"
	    "import them with the demo's IBAN key:\n"
	    "  ROBINET_DATA_KEY=%s robinet import %s\n",
	    (unsigned long long)rows, o->co_export, (long long)ms_since(&t0),
	    RB_DEMO_IBAN_KEY_HEX, o->co_export);
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	rb_db_close(db);
	if (have_tmp)
		remove_tmpdb(tmpdir);
	return rc;
}
