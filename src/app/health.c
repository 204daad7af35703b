/*
 * health.c: storage health for the machine endpoints (see health.h).
 */
#include "app/health.h"

int
rb_health_db_ok(rb_db_pool *pool)
{
	rb_db *db = rb_db_pool_get(pool);
	int ok = db != NULL && rb_db_ping(db) == 0;

	if (db != NULL)
		rb_db_pool_put(pool, db);
	return ok;
}

uint64_t
rb_health_db_errors(void)
{
	return rb_db_errors();
}
