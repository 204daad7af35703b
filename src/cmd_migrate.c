/*
 * cmd_migrate.c: `robinet migrate`: applies the missing migrations, each
 * in its own transaction, and says how many were applied.
 */
#include <stdio.h>

#include "store/db.h"
#include "store/migrate.h"
#include "cmd.h"

int
cmd_migrate(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	char err[512];
	int applied, current, latest, rc = 1;
	rb_db *db;

	if (rb_db_open(rb_config_str(cfg, RB_CFG_DB), &db, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "robinet: cannot open database: %s\n", err);
		return 1;
	}
	if (rb_migrate(db, &applied) != 0) {
		fprintf(stderr, "robinet: migration failed (see the log "
		    "above); the failing migration was rolled back\n");
		goto out;
	}
	/* The name keys of the customer search (0015_agent_search.sql). */
	if (cmd_fill_search_keys(db) != 0)
		goto out;
	if (rb_migrate_status(db, &current, &latest) != 0)
		goto out;
	printf("%d migration(s) applied; schema at version %d\n", applied,
	    current);
	rc = 0;
out:
	rb_db_close(db);
	return rc;
}
