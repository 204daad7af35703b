/*
 * cmd_demo.c: `robinet demo`: creates the schema if needed and fills the
 * database with the deterministic demo dataset, then prints the demo
 * identities.
 */
#include <stdio.h>
#include <time.h>

#include "demo/demo.h"
#include "store/db.h"
#include "cmd.h"

int
cmd_demo(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_demo_opts opts = RB_DEMO_OPTS_DEFAULT;
	struct timespec t0, t1;
	rb_db *db;
	int rc;

	if (o->co_contracts > 0)
		opts.do_contracts = o->co_contracts;
	if (o->co_seed >= 0)
		opts.do_seed = (uint64_t)o->co_seed;
	if (o->co_today != NULL)
		opts.do_today = o->co_today;
	if (o->co_export != NULL)
		return cmd_demo_export(cfg, o);
	if (cmd_open_db(cfg, 1, &db) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = rb_demo_generate(db, &opts);
	/* The name keys of the customer search (0015_agent_search.sql):
	 * written after the rows, so that the generator writes the
	 * columns of every schema version it is run on (its tests run it
	 * on older ones). */
	if (rc == 0 && cmd_fill_search_keys(db) != 0)
		rc = -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rb_db_close(db);
	if (rc != 0) {
		fprintf(stderr, "robinet: demo data not created (see the log "
		    "above)\n");
		return 1;
	}
	printf("demo data created in %lld ms\n\n%s\n",
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, rb_demo_identities);
	return 0;
}
