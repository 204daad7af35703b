/*
 * pool.c: a bounded pool of database connections shared by the web
 * server's threads (see db.h). A mutex guards the idle list and a
 * condition variable wakes a thread waiting for a connection; opening a
 * connection happens outside the lock.
 */
#include <pthread.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/logrl.h"
#include "base/mem.h"
#include "store/db_driver.h"

struct rb_db_pool {
	pthread_mutex_t	  pl_lock;
	pthread_cond_t	  pl_free;	/* signalled when pl_nidle grows or
					   an opening slot frees up */
	char		 *pl_url;
	int		  pl_max;
	int		  pl_count;	/* opened or being opened */
	int		  pl_nidle;
	rb_db		**pl_idle;	/* pl_max slots */
};

rb_db_pool *
rb_db_pool_new(const char *url, int max, char *err, size_t errlen)
{
	rb_db_pool *pool;
	rb_db *db;

	if (max < 1)
		max = 1;
	if (rb_db_open(url, &db, err, errlen) != 0)
		return NULL;
	pool = rb_xcalloc(1, sizeof(*pool));
	pthread_mutex_init(&pool->pl_lock, NULL);
	pthread_cond_init(&pool->pl_free, NULL);
	pool->pl_url = rb_xstrdup(url);
	pool->pl_max = max;
	pool->pl_idle = rb_xcalloc((size_t)max, sizeof(*pool->pl_idle));
	pool->pl_idle[0] = db;
	pool->pl_nidle = 1;
	pool->pl_count = 1;
	return pool;
}

/* 1 unless the driver knows the connection's link to be lost. */
static int
alive(rb_db *db)
{
	return db->db_ops->ops_alive == NULL || db->db_ops->ops_alive(db);
}

/* rb_db_pool_get(), and rb_db_pool_try() when wait is 0. */
static rb_db *
pool_take(rb_db_pool *pool, int wait)
{
	rb_db *db = NULL;
	char err[256];

	pthread_mutex_lock(&pool->pl_lock);
	while (pool->pl_nidle == 0 && pool->pl_count >= pool->pl_max) {
		if (!wait) {
			pthread_mutex_unlock(&pool->pl_lock);
			return NULL;
		}
		pthread_cond_wait(&pool->pl_free, &pool->pl_lock);
	}
	if (pool->pl_nidle > 0) {
		db = pool->pl_idle[--pool->pl_nidle];
		pthread_mutex_unlock(&pool->pl_lock);
		if (alive(db)) {
			db->db_lost = 0;
			db->db_joined = 0;
			return db;
		}
		/* The server ended it while idle (a restart,
		   pg_terminate_backend): a new one takes its place. */
		log_warnx_rl(NULL, "pooled connection lost: reconnecting");
		rb_db_close(db);
		db = NULL;
	} else {
		pool->pl_count++;
		pthread_mutex_unlock(&pool->pl_lock);
	}

	if (rb_db_open(pool->pl_url, &db, err, sizeof(err)) == 0)
		return db;
	/* Every request may end here while the database is away. */
	log_errx_rl(NULL, "cannot open a pooled connection: %s", err);
	rb_db_count_error();
	pthread_mutex_lock(&pool->pl_lock);
	pool->pl_count--;
	pthread_cond_signal(&pool->pl_free);
	pthread_mutex_unlock(&pool->pl_lock);
	return NULL;
}

rb_db *
rb_db_pool_get(rb_db_pool *pool)
{
	return pool_take(pool, 1);
}

rb_db *
rb_db_pool_try(rb_db_pool *pool)
{
	return pool_take(pool, 0);
}

void
rb_db_pool_put(rb_db_pool *pool, rb_db *db)
{
	int n;

	if (db == NULL)
		return;
	if ((n = db->db_ops->ops_reset_all(db)) > 0)
		log_warnx("%d statement(s) returned to the pool unreset", n);
	/* The rollback below ends the whole transaction, joined or not. */
	db->db_joined = 0;
	if (!alive(db) || rb_db_in_transaction(db)) {
		if (alive(db))
			log_warnx("connection returned to the pool inside a "
			    "transaction: rolled back");
		if (!alive(db) || rb_db_rollback(db) != 0) {
			/* Never hand out a connection in an unknown state. */
			rb_db_close(db);
			pthread_mutex_lock(&pool->pl_lock);
			pool->pl_count--;
			pthread_cond_signal(&pool->pl_free);
			pthread_mutex_unlock(&pool->pl_lock);
			return;
		}
	}
	pthread_mutex_lock(&pool->pl_lock);
	pool->pl_idle[pool->pl_nidle++] = db;
	pthread_cond_signal(&pool->pl_free);
	pthread_mutex_unlock(&pool->pl_lock);
}

void
rb_db_pool_free(rb_db_pool *pool)
{
	int i;

	if (pool == NULL)
		return;
	if (pool->pl_nidle != pool->pl_count)
		log_warnx("%d connection(s) not returned to the pool",
		    pool->pl_count - pool->pl_nidle);
	for (i = 0; i < pool->pl_nidle; i++)
		rb_db_close(pool->pl_idle[i]);
	pthread_mutex_destroy(&pool->pl_lock);
	pthread_cond_destroy(&pool->pl_free);
	free(pool->pl_idle);
	free(pool->pl_url);
	free(pool);
}
