/*
 * pg.c: the PostgreSQL driver behind db.h, on libpq.
 *
 * Robinet's common SQL is PostgreSQL's own ($N placeholders, identity
 * columns, RETURNING, ON CONFLICT, FOR UPDATE SKIP LOCKED), so texts are
 * sent unchanged. Each connection keeps its statements prepared on the
 * server under names "rbN", keyed by their text like the SQLite driver's
 * cache: a text is prepared once per connection. Values travel as text
 * and the server types them from their context; where the context does
 * not tell (a bare "$1 IS NULL", "$1 + 1" meant as a BIGINT), the SQL
 * says CAST($1 AS BIGINT), which SQLite accepts too. Every result is
 * read whole (PQexecPrepared), then handed out row by row.
 *
 * Results: SQLSTATE class 23 (integrity constraint) gives RB_CONSTRAINT,
 * 40001 (serialization failure) and 40P01 (deadlock) give RB_RETRY.
 * rb_db_begin() opens a SERIALIZABLE transaction (the SQLite driver's
 * write lock at BEGIN serialises writers; here the server lets them run
 * and refuses the one that would break that order, hence RB_RETRY and
 * rb_db_transact()); rb_db_begin_read() a REPEATABLE READ one (one
 * snapshot). Round trips: a BEGIN goes with the transaction's first
 * statement (exec_first()); the COMMIT of a read transaction that ran
 * only SELECTs is sent without waiting, its answer read before the
 * link's next use (settle()). Booleans read as integers are 1 ('t')
 * and 0 ('f').
 * rb_db_copy_*() is COPY FROM STDIN in text format (pg_copy_begin()).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/logrl.h"
#include "base/mem.h"
#include "store/db_driver.h"

#define STMT_BUCKETS_MIN	64
#define SQL_HEAD_MAX		80
#define PG_MAX_PARAMS		1000

struct pg_stmt {
	struct rb_stmt		 ps_base;	/* first: rb_stmt * casts here */
	char			*ps_sql;	/* the cache key */
	uint32_t		 ps_hash;
	char			 ps_name[24];	/* server-side name */
	int			 ps_nparams;
	char			**ps_values;	/* [ps_nparams], NULL: SQL NULL */
	int			 ps_busy;	/* handed out, not reset yet */
	int			 ps_bind_err;
	PGresult		*ps_res;	/* once run */
	int			 ps_ran;	/* run by pg_batch(), ps_res
						   (NULL: the link failed) not
						   examined yet by pg_step() */
	int			 ps_row;	/* current row of ps_res */
	int64_t			 ps_changes;
	struct pg_stmt		*ps_next;	/* same bucket */
};

struct pg_db {
	struct rb_db		 pd_base;	/* first: rb_db * casts here */
	PGconn			*pd_conn;
	struct pg_stmt		**pd_buckets;
	size_t			 pd_nbuckets;
	size_t			 pd_nstmts;
	unsigned		 pd_next_name;
	rb_buf			 pd_copy;	/* rows not sent yet */
	int			 pd_copy_failed; /* PQputCopyData refused */
	/* rb_db_fill_begin(): the statements that build again what it
	   dropped, in order, and its table. */
	char			**pd_fill;
	size_t			 pd_nfill;
	char			*pd_fill_table;	/* NULL: no fill open */
	/* A BEGIN asked for and not sent yet: it goes with the first
	   statement of the transaction, in one round trip (see
	   exec_first()); NULL: none. */
	const char		*pd_begin;
	int			 pd_read;	/* the open one is a read */
	int			 pd_wrote;	/* and something in it may write */
	/* A read transaction's COMMIT sent and its answer not read yet
	   (see pg_commit()): settle() reads it before the link's next
	   use. */
	int			 pd_commit_sent;
	uint64_t		 pd_trips;	/* round trips waited for
						   (rb_db_round_trips()) */
	/* Its identity column (BY DEFAULT), numbered here rather than by
	   one nextval() per row: the column's name (quoted), the
	   sequence's, the next id to give and how many were given.
	   NULL: the table has none. */
	char			*pd_fill_idcol;
	char			*pd_fill_seq;
	int64_t			 pd_fill_next;
	int64_t			 pd_fill_given;
	int			 pd_copy_ids;	/* this copy numbers its rows */
	/* rb_db_copy_begin_fixed(): the fixed values as they end each
	   row (outside a fill), or the statement that sets the columns'
	   former defaults back (inside one: see copy_defaults()). */
	rb_buf			 pd_copy_tail;
	char			*pd_copy_undo;	/* NULL: none */
};

static const struct rb_db_ops pg_ops;

/* FNV-1a, as in sqlite.c (see there). */
static uint32_t
hash_sql(const char *s)
{
	size_t n = strlen(s), i;
	uint32_t h = 2166136261u ^ (uint32_t)n;

	for (i = 0; i < n; i++) {
		if (i == 48 && n > 96)
			i = n - 48;
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void
cache_grow(struct pg_db *pd)
{
	struct pg_stmt **nb, *ps, *next;
	size_t i, n = pd->pd_nbuckets * 2;

	nb = rb_xcalloc(n, sizeof(*nb));
	for (i = 0; i < pd->pd_nbuckets; i++)
		for (ps = pd->pd_buckets[i]; ps != NULL; ps = next) {
			next = ps->ps_next;
			ps->ps_next = nb[ps->ps_hash & (n - 1)];
			nb[ps->ps_hash & (n - 1)] = ps;
		}
	free(pd->pd_buckets);
	pd->pd_buckets = nb;
	pd->pd_nbuckets = n;
}

/* The first line of msg, without its end of line, into out. */
static void
first_line(const char *msg, char *out, size_t outlen)
{
	size_t n = strcspn(msg, "\n");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

/* The primary message of a failed result (without libpq's "ERROR:  "
   prefix), or the first line of its whole message, into out. */
static void
result_message(const PGresult *res, char *out, size_t outlen)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	first_line(m != NULL ? m : PQresultErrorMessage(res), out, outlen);
}

/* Logs a failed result (or the connection's error when res is NULL) on
   behalf of func and counts it; a statement refused only because its
   transaction failed before (25P02) is logged at debug level, uncounted. */
static void
log_pg_error(struct pg_db *pd, const PGresult *res, const char *func,
    const char *what, const char *sql)
{
	char head[SQL_HEAD_MAX], msg[300];
	const char *state = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (res != NULL)
		result_message(res, msg, sizeof(msg));
	else
		first_line(PQerrorMessage(pd->pd_conn), msg, sizeof(msg));
	rb_db_sql_head(sql, head, sizeof(head));
	if (state != NULL && strcmp(state, "25P02") == 0) {
		/* In a transaction that failed before (logged then): this
		   statement only follows it, as after a refusal that
		   rb_db_transact() runs again. Not a fault of its own. */
		rb_log(RB_LOG_DEBUG, func, "%s: %s [%s] (sql: %s)", what, msg,
		    state, head);
		return;
	}
	rb_log(RB_LOG_ERROR, func, "%s: %s [%s] (sql: %s)", what, msg,
	    state != NULL ? state : "-", head);
	rb_db_count_error();
}

/*
 * The enum rb_step value for a failed result: RB_CONSTRAINT, RB_RETRY
 * (both logged as warnings) or RB_ERR (logged and counted).
 */
static int
failed_result(struct pg_db *pd, const PGresult *res, const char *func,
    const char *sql)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char head[SQL_HEAD_MAX], msg[300];

	if (state != NULL && (strncmp(state, "23", 2) == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
		result_message(res, msg, sizeof(msg));
		rb_db_sql_head(sql, head, sizeof(head));
		log_warnx_rl(NULL, "%s: %s [%s] (sql: %s)",
		    state[0] == '2' ? "constraint" : "retry", msg, state, head);
		return state[0] == '2' ? RB_CONSTRAINT : RB_RETRY;
	}
	log_pg_error(pd, res, func, "failed", sql);
	return RB_ERR;
}

/* Runs sql without parameters: 0, RB_CONSTRAINT, RB_RETRY or RB_ERR. */
/*
 * Reads the answer to a read transaction's COMMIT sent without waiting
 * (pg_commit()), before anything else is sent on the link. It is
 * usually there already. A read-only transaction's commit cannot fail
 * but with the link, which the next statement finds lost: logged only.
 */
static void
settle(struct pg_db *pd)
{
	PGresult *res;

	if (!pd->pd_commit_sent)
		return;
	pd->pd_commit_sent = 0;
	while ((res = PQgetResult(pd->pd_conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			log_pg_error(pd, res, __func__, "commit of a read "
			    "transaction failed", "COMMIT");
		PQclear(res);
	}
}

static int
run_simple(struct pg_db *pd, const char *sql, const char *func)
{
	PGresult *res;
	int rc = 0;

	settle(pd);
	pd->pd_wrote = 1;	/* a command: its commit is waited for */
	pd->pd_trips++;
	res = PQexec(pd->pd_conn, sql);

	if (res == NULL) {
		log_pg_error(pd, NULL, func, "exec failed", sql);
		return RB_ERR;
	}
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		break;
	default:
		rc = failed_result(pd, res, func, sql);
		break;
	}
	PQclear(res);
	return rc;
}

/*
 * Runs sql with its n text parameters and keeps its rows: 0 with *out
 * the result (PQclear() it), or RB_CONSTRAINT, RB_RETRY or RB_ERR
 * (logged on behalf of func) with *out NULL.
 */
static int
query_rows(struct pg_db *pd, const char *sql, int n, const char *const *params,
    const char *func, PGresult **out)
{
	PGresult *res;
	int rc;

	settle(pd);
	pd->pd_trips++;
	res = PQexecParams(pd->pd_conn, sql, n, NULL, params, NULL, NULL, 0);
	*out = NULL;
	if (res == NULL) {
		log_pg_error(pd, NULL, func, "exec failed", sql);
		return RB_ERR;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = failed_result(pd, res, func, sql);
		PQclear(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* Operations. */

/* Forgets what rb_db_fill_begin() set aside (see pg_fill_begin()). */
static void
fill_forget(struct pg_db *pd)
{
	size_t i;

	for (i = 0; i < pd->pd_nfill; i++)
		free(pd->pd_fill[i]);
	free(pd->pd_fill);
	pd->pd_fill = NULL;
	pd->pd_nfill = 0;
	free(pd->pd_fill_table);
	pd->pd_fill_table = NULL;
	free(pd->pd_fill_idcol);
	pd->pd_fill_idcol = NULL;
	free(pd->pd_fill_seq);
	pd->pd_fill_seq = NULL;
	pd->pd_fill_next = pd->pd_fill_given = 0;
}

static void
free_values(struct pg_stmt *ps)
{
	int i;

	for (i = 0; i < ps->ps_nparams; i++) {
		free(ps->ps_values[i]);
		ps->ps_values[i] = NULL;
	}
}

static void
pg_close(rb_db *db)
{
	struct pg_db *pd = (struct pg_db *)db;
	struct pg_stmt *ps, *next;
	size_t i;

	for (i = 0; i < pd->pd_nbuckets; i++)
		for (ps = pd->pd_buckets[i]; ps != NULL; ps = next) {
			next = ps->ps_next;
			PQclear(ps->ps_res);
			free_values(ps);
			free(ps->ps_values);
			free(ps->ps_sql);
			free(ps);
		}
	free(pd->pd_buckets);
	rb_buf_free(&pd->pd_copy);
	rb_buf_free(&pd->pd_copy_tail);
	free(pd->pd_copy_undo);
	fill_forget(pd);
	PQfinish(pd->pd_conn);
	free(pd);
}

static int	pg_alive(rb_db *);
static int	pg_in_transaction(rb_db *);

/* 1 when ps is one of keep[0..nkeep-1]. */
static int
kept(struct pg_stmt *ps, struct pg_stmt *const *keep, size_t nkeep)
{
	size_t i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == ps)
			return 1;
	return 0;
}

/*
 * The link to the server is lost (a restart, pg_terminate_backend, a
 * failover): when no statement but keep[0..nkeep-1] is handed out,
 * forgets the prepared statements (the server forgot them) and
 * connects again with the same parameters; those kept are prepared
 * again under their names. Called outside transactions only. 0 when
 * connected again.
 */
static int
reconnect(struct pg_db *pd, struct pg_stmt *const *keep, size_t nkeep)
{
	struct pg_stmt *ps, *next;
	PGresult *res;
	size_t i;
	int ok;

	for (i = 0; i < pd->pd_nbuckets; i++)
		for (ps = pd->pd_buckets[i]; ps != NULL; ps = ps->ps_next)
			if (ps->ps_busy && !kept(ps, keep, nkeep))
				return -1;
	for (i = 0; i < pd->pd_nbuckets; i++) {
		for (ps = pd->pd_buckets[i]; ps != NULL; ps = next) {
			next = ps->ps_next;
			if (kept(ps, keep, nkeep))
				continue;
			PQclear(ps->ps_res);
			free_values(ps);
			free(ps->ps_values);
			free(ps->ps_sql);
			free(ps);
		}
		pd->pd_buckets[i] = NULL;
	}
	pd->pd_nstmts = 0;
	for (i = 0; i < nkeep; i++) {
		ps = keep[i];
		ps->ps_next = pd->pd_buckets[ps->ps_hash &
		    (pd->pd_nbuckets - 1)];
		pd->pd_buckets[ps->ps_hash & (pd->pd_nbuckets - 1)] = ps;
		pd->pd_nstmts++;
	}
	pd->pd_commit_sent = 0;		/* its link is gone */
	PQreset(pd->pd_conn);
	if (PQstatus(pd->pd_conn) != CONNECTION_OK)
		return -1;
	for (i = 0; i < nkeep; i++) {
		res = PQprepare(pd->pd_conn, keep[i]->ps_name,
		    keep[i]->ps_sql, 0, NULL);
		ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok)
			return -1;
	}
	log_warnx_rl(NULL, "postgresql: connection lost, connected again");
	return 0;
}

/* Before a COPY outside a transaction (which cannot be run again on a
   new link): a link found lost is made again. Statements and
   transactions find out by running (pg_step(), send_begin()). */
static void
keep_link(struct pg_db *pd)
{
	settle(pd);
	if (PQtransactionStatus(pd->pd_conn) != PQTRANS_ACTIVE &&
	    PQtransactionStatus(pd->pd_conn) != PQTRANS_INTRANS &&
	    PQtransactionStatus(pd->pd_conn) != PQTRANS_INERROR &&
	    !pg_alive(&pd->pd_base))
		reconnect(pd, NULL, 0);
}

static int	send_begin(struct pg_db *, const char *);

static int
pg_exec(rb_db *db, const char *sql)
{
	if (send_begin((struct pg_db *)db, __func__) != 0)
		return -1;
	return run_simple((struct pg_db *)db, sql, __func__) == 0 ? 0 : -1;
}

static rb_stmt *
pg_prepare(rb_db *db, const char *sql)
{
	struct pg_db *pd = (struct pg_db *)db;
	struct pg_stmt *ps;
	PGresult *res;
	char name[24];
	uint32_t h = hash_sql(sql);
	size_t b = h & (pd->pd_nbuckets - 1);
	int n, intx;

	/* No check of the link here: a statement run outside a
	   transaction, or the first of one (its BEGIN still pending),
	   connects again and runs once more when the link is found lost
	   (pg_step()); inside a transaction nothing can be done. */
	for (ps = pd->pd_buckets[b]; ps != NULL; ps = ps->ps_next)
		if (!ps->ps_busy && ps->ps_hash == h &&
		    strcmp(ps->ps_sql, sql) == 0) {
			ps->ps_busy = 1;
			return &ps->ps_base;
		}

	/* A statement prepared for the first time on this link: a
	   failure must fail the transaction it was asked for in. */
	if (send_begin(pd, __func__) != 0)
		return NULL;
	settle(pd);
	snprintf(name, sizeof(name), "rb%u", ++pd->pd_next_name);
	intx = pg_in_transaction(db);
	pd->pd_trips += 2;	/* the prepare, then its description */
	res = PQprepare(pd->pd_conn, name, sql, 0, NULL);
	if (PQstatus(pd->pd_conn) == CONNECTION_BAD && !intx &&
	    reconnect(pd, NULL, 0) == 0) {
		/* Lost at that very moment, outside a transaction: once
		   more on a new link. */
		PQclear(res);
		res = PQprepare(pd->pd_conn, name, sql, 0, NULL);
	}
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_pg_error(pd, res, __func__, "prepare failed", sql);
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	res = PQdescribePrepared(pd->pd_conn, name);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_pg_error(pd, res, __func__, "describe failed", sql);
		PQclear(res);
		return NULL;
	}
	n = PQnparams(res);
	PQclear(res);
	if (n > PG_MAX_PARAMS) {
		log_errx("prepare failed: %d parameters (sql: \"%.40s\")", n,
		    sql);
		rb_db_count_error();
		return NULL;
	}

	ps = rb_xcalloc(1, sizeof(*ps));
	ps->ps_base.st_db = db;
	ps->ps_sql = rb_xstrdup(sql);
	ps->ps_hash = h;
	memcpy(ps->ps_name, name, sizeof(name));
	ps->ps_nparams = n;
	ps->ps_values = rb_xcalloc((size_t)n + 1, sizeof(*ps->ps_values));
	ps->ps_busy = 1;
	if (pd->pd_nstmts + 1 > pd->pd_nbuckets * 2)
		cache_grow(pd);
	b = h & (pd->pd_nbuckets - 1);
	ps->ps_next = pd->pd_buckets[b];
	pd->pd_buckets[b] = ps;
	pd->pd_nstmts++;
	return &ps->ps_base;
}

/* Stores v (owned) as the value of $idx, or notes a bind error. */
static void
set_value(struct pg_stmt *ps, const char *func, int idx, char *v,
    const char *why)
{
	char head[SQL_HEAD_MAX];

	if (why == NULL && (idx < 1 || idx > ps->ps_nparams))
		why = "no such parameter";
	if (why != NULL) {
		free(v);
		ps->ps_bind_err = 1;
		rb_db_sql_head(ps->ps_sql, head, sizeof(head));
		rb_log(RB_LOG_ERROR, func, "cannot bind $%d: %s (sql: %s)",
		    idx, why, head);
		return;
	}
	free(ps->ps_values[idx - 1]);
	ps->ps_values[idx - 1] = v;
}

static void
pg_bind_int(rb_stmt *st, int idx, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	set_value((struct pg_stmt *)st, __func__, idx, rb_xstrdup(buf), NULL);
}

static void
pg_bind_text(rb_stmt *st, int idx, const char *s, ssize_t len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len;

	/* Text values travel NUL-terminated: PostgreSQL refuses NUL. */
	set_value((struct pg_stmt *)st, __func__, idx, rb_xstrndup(s, n),
	    memchr(s, '\0', n) != NULL ? "text holds a NUL byte" : NULL);
}

static void
pg_bind_null(rb_stmt *st, int idx)
{
	set_value((struct pg_stmt *)st, __func__, idx, NULL, NULL);
}

/*
 * Runs ps as the first statement of a transaction whose BEGIN is
 * pending: the BEGIN, the statement and a sync go in one pipeline, one
 * round trip where there were two. The statement's result; the BEGIN's
 * when it failed (the statement was then not run); NULL when the link
 * failed.
 */
static PGresult *
exec_first(struct pg_db *pd, struct pg_stmt *ps)
{
	PGconn *c = pd->pd_conn;
	PGresult *res, *got[2] = { NULL, NULL };
	int ended = 0;

	if (PQenterPipelineMode(c) != 1)
		return NULL;
	pd->pd_trips++;
	if (PQsendQueryParams(c, pd->pd_begin, 0, NULL, NULL, NULL, NULL,
	    0) != 1 || PQsendQueryPrepared(c, ps->ps_name, ps->ps_nparams,
	    (const char *const *)ps->ps_values, NULL, NULL, 0) != 1 ||
	    PQpipelineSync(c) != 1) {
		/* The link failed (what was queued goes with it). */
		PQexitPipelineMode(c);
		return NULL;
	}
	/* Each query's results end with a NULL; the sync's result ends
	   the pipeline. */
	while (ended <= 2) {
		if ((res = PQgetResult(c)) == NULL) {
			if (PQstatus(c) == CONNECTION_BAD)
				break;
			ended++;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (ended < 2 && got[ended] == NULL)
			got[ended] = res;
		else
			PQclear(res);
	}
	if (PQexitPipelineMode(c) != 1 || PQstatus(c) == CONNECTION_BAD ||
	    got[0] == NULL) {
		PQclear(got[0]);
		PQclear(got[1]);
		return NULL;
	}
	if (PQresultStatus(got[0]) != PGRES_COMMAND_OK) {
		PQclear(got[1]);
		return got[0];
	}
	PQclear(got[0]);
	return got[1];
}

/* One statement's round trip: PQexecPrepared() of ps with its values. */
static PGresult *
exec_prepared(struct pg_db *pd, struct pg_stmt *ps)
{
	pd->pd_trips++;
	return PQexecPrepared(pd->pd_conn, ps->ps_name, ps->ps_nparams,
	    (const char *const *)ps->ps_values, NULL, NULL, 0);
}

/* Runs ps, its result into ps_res (NULL when the link failed). */
static void
run_one(struct pg_db *pd, struct pg_stmt *ps)
{
	const char *begin;
	int in_transaction_before;

	settle(pd);
	/* A pending BEGIN: no transaction is open on the server. */
	begin = pd->pd_begin;
	in_transaction_before = begin == NULL &&
	    pg_in_transaction(&pd->pd_base);
	ps->ps_res = begin != NULL ? exec_first(pd, ps) :
	    exec_prepared(pd, ps);
	if (PQstatus(pd->pd_conn) == CONNECTION_BAD &&
	    !in_transaction_before && reconnect(pd, &ps, 1) == 0) {
		/* Lost at that very moment, outside a transaction: once
		   more on a new link. */
		PQclear(ps->ps_res);
		pd->pd_begin = begin;
		ps->ps_res = begin != NULL ? exec_first(pd, ps) :
		    exec_prepared(pd, ps);
	}
	pd->pd_begin = NULL;
}

/* Looks at the result of ps just run: 0 when it has rows to hand out,
   else its enum rb_step failure (ps_res then NULL). */
static int
examine(struct pg_db *pd, struct pg_stmt *ps)
{
	int rc;

	/* Anything but a SELECT (an UPDATE ... RETURNING, too) may have
	   written: the transaction's commit is waited for. */
	if (ps->ps_res == NULL ||
	    strncmp(PQcmdStatus(ps->ps_res), "SELECT ", 7) != 0)
		pd->pd_wrote = 1;
	if (ps->ps_res == NULL) {
		log_pg_error(pd, NULL, "pg_step", "step failed", ps->ps_sql);
		return RB_ERR;
	}
	switch (PQresultStatus(ps->ps_res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		return 0;
	default:
		rc = failed_result(pd, ps->ps_res, "pg_step", ps->ps_sql);
		PQclear(ps->ps_res);
		/* Stepping again would run it again, as SQLite. */
		ps->ps_res = NULL;
		return rc;
	}
}

static int
pg_step(rb_stmt *st)
{
	struct pg_stmt *ps = (struct pg_stmt *)st;
	struct pg_db *pd = (struct pg_db *)st->st_db;
	char head[SQL_HEAD_MAX];
	int rc;

	if (ps->ps_bind_err) {
		rb_db_sql_head(ps->ps_sql, head, sizeof(head));
		log_errx("not run: a value could not be bound (sql: %s)",
		    head);
		rb_db_count_error();
		return RB_ERR;
	}
	if (ps->ps_res == NULL || ps->ps_ran) {
		/* Not run yet, or run by pg_batch() and not looked at. */
		if (!ps->ps_ran)
			run_one(pd, ps);
		ps->ps_ran = 0;
		ps->ps_row = -1;
		if ((rc = examine(pd, ps)) != 0)
			return rc;
	}
	if (ps->ps_row + 1 < PQntuples(ps->ps_res)) {
		ps->ps_row++;
		return RB_ROW;
	}
	ps->ps_row = PQntuples(ps->ps_res);
	ps->ps_changes = strtoll(PQcmdTuples(ps->ps_res), NULL, 10);
	return RB_DONE;
}

/*
 * rb_db_fetch_batch(): a transaction's pending BEGIN and the statements
 * ps[0..n-1] in one pipeline with one sync, one round trip; each
 * result is kept in its statement for pg_step() (ps_ran). In the
 * pipeline's implicit transaction, or in the open one, a statement that
 * fails makes the server skip those after it (PGRES_PIPELINE_ABORTED),
 * never looked at: rb_db_fetch_batch() stops at the first failure. 0;
 * 1 when nothing was sent (pipeline mode refused); -1 when the link
 * failed (nothing kept). Pipeline mode is left and every result read
 * whatever happens.
 */
static int
pipeline(struct pg_db *pd, const char *begin, struct pg_stmt **ps, size_t n)
{
	PGconn *c = pd->pd_conn;
	PGresult *res, **got;
	size_t i, slot = 0, nslots = n + (begin != NULL ? 1 : 0);
	int ok, synced = 0;

	if (PQenterPipelineMode(c) != 1)
		return 1;
	pd->pd_trips++;
	got = rb_xcalloc(nslots, sizeof(*got));
	ok = begin == NULL || PQsendQueryParams(c, begin, 0, NULL, NULL,
	    NULL, NULL, 0) == 1;
	for (i = 0; ok && i < n; i++)
		ok = PQsendQueryPrepared(c, ps[i]->ps_name, ps[i]->ps_nparams,
		    (const char *const *)ps[i]->ps_values, NULL, NULL, 0) == 1;
	/* The sync even after a refused send: the server answers what it
	   got, and the link is left with nothing to read. */
	if (PQpipelineSync(c) != 1)
		ok = 0;
	/* Each query's results end with a NULL; the sync's result ends
	   the pipeline. */
	for (;;) {
		if ((res = PQgetResult(c)) == NULL) {
			if (PQstatus(c) == CONNECTION_BAD)
				break;
			slot++;
			if (slot > nslots)	/* never: the sync was refused */
				break;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			synced = 1;
			break;
		}
		if (slot < nslots && got[slot] == NULL)
			got[slot] = res;
		else
			PQclear(res);
	}
	if (PQexitPipelineMode(c) != 1 || PQstatus(c) == CONNECTION_BAD ||
	    !synced || !ok)
		ok = 0;
	for (i = 0; ok && i < nslots; i++)
		if (got[i] == NULL)
			ok = 0;
	if (ok) {
		slot = 0;
		if (begin != NULL) {
			/* A BEGIN refused: the first statement reports it. */
			if (PQresultStatus(got[0]) != PGRES_COMMAND_OK) {
				PQclear(got[1]);
				got[1] = got[0];
			} else
				PQclear(got[0]);
			slot = 1;
		}
		for (i = 0; i < n; i++) {
			ps[i]->ps_res = got[slot + i];
			ps[i]->ps_ran = 1;
		}
	} else
		for (i = 0; i < nslots; i++)
			PQclear(got[i]);
	free(got);
	return ok ? 0 : -1;
}

/*
 * The driver's ops_batch (see rb_db_fetch_batch() in db.h): the
 * statements up to the first whose values could not be bound (that one
 * fails at its step, the batch stops there) go in one pipeline. A link
 * found lost then is connected again and the pipeline sent once more
 * when no transaction was open on the server (none, or its BEGIN
 * pending), as pg_step() does for one statement; inside one, each
 * statement fails at its step (the link loss noted by db.c).
 */
static int
pg_batch(rb_db *db, rb_stmt **sts, size_t n)
{
	struct pg_db *pd = (struct pg_db *)db;
	struct pg_stmt **ps = (struct pg_stmt **)sts;
	const char *begin;
	size_t k, i;
	int intx, rc;

	for (k = 0; k < n && !ps[k]->ps_bind_err; k++)
		;
	if (k == 0)
		return -1;
	settle(pd);
	begin = pd->pd_begin;
	intx = begin == NULL && pg_in_transaction(db);
	rc = pipeline(pd, begin, ps, k);
	if (rc == 1)
		return -1;	/* nothing sent: each runs at its step */
	if (rc != 0 && PQstatus(pd->pd_conn) == CONNECTION_BAD && !intx &&
	    reconnect(pd, ps, k) == 0)
		rc = pipeline(pd, begin, ps, k);
	pd->pd_begin = NULL;
	if (rc != 0)
		for (i = 0; i < k; i++) {
			/* Failed at its step, not run again. */
			PQclear(ps[i]->ps_res);
			ps[i]->ps_res = NULL;
			ps[i]->ps_ran = 1;
		}
	/* The results are examined by pg_step(), which sets pd_wrote
	   for anything but a SELECT. */
	return rc == 0 ? 0 : -1;
}

static uint64_t
pg_round_trips(rb_db *db)
{
	return ((struct pg_db *)db)->pd_trips;
}

/* The current row's value at col, or NULL (SQL NULL, no such cell). */
static const char *
cell(struct pg_stmt *ps, int col)
{
	if (ps->ps_res == NULL || ps->ps_row < 0 ||
	    ps->ps_row >= PQntuples(ps->ps_res) || col < 0 ||
	    col >= PQnfields(ps->ps_res) ||
	    PQgetisnull(ps->ps_res, ps->ps_row, col))
		return NULL;
	return PQgetvalue(ps->ps_res, ps->ps_row, col);
}

static int64_t
pg_int(rb_stmt *st, int col)
{
	const char *v = cell((struct pg_stmt *)st, col);

	if (v == NULL)
		return 0;
	if (strcmp(v, "t") == 0)
		return 1;
	if (strcmp(v, "f") == 0)
		return 0;
	return strtoll(v, NULL, 10);
}

static const char *
pg_text(rb_stmt *st, int col)
{
	return cell((struct pg_stmt *)st, col);
}

static int
pg_is_null(rb_stmt *st, int col)
{
	return cell((struct pg_stmt *)st, col) == NULL;
}

static int64_t
pg_changes(rb_stmt *st)
{
	return ((struct pg_stmt *)st)->ps_changes;
}

static void
pg_reset(rb_stmt *st)
{
	struct pg_stmt *ps = (struct pg_stmt *)st;

	PQclear(ps->ps_res);
	ps->ps_res = NULL;
	ps->ps_ran = 0;
	free_values(ps);
	ps->ps_bind_err = 0;
	ps->ps_changes = 0;
	ps->ps_busy = 0;
}

static int
pg_in_transaction(rb_db *db)
{
	if (((struct pg_db *)db)->pd_begin != NULL)
		return 1;
	/* Its COMMIT sent: over, whatever libpq says until it read the
	   answer. */
	if (((struct pg_db *)db)->pd_commit_sent)
		return 0;
	switch (PQtransactionStatus(((struct pg_db *)db)->pd_conn)) {
	case PQTRANS_ACTIVE:
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		return 1;
	default:
		return 0;
	}
}

static int
begin_with(rb_db *db, const char *sql, int read, const char *func)
{
	if (pg_in_transaction(db)) {
		rb_log(RB_LOG_ERROR, func, "a transaction is already open");
		rb_db_count_error();
		return -1;
	}
	/* PostgreSQL takes the transaction's snapshot at its first
	   statement, not at BEGIN: sending BEGIN with that statement
	   changes nothing but the wait. A link lost meanwhile is made
	   again then (pg_step(), send_begin()): nothing was open. */
	((struct pg_db *)db)->pd_begin = sql;
	((struct pg_db *)db)->pd_read = read;
	((struct pg_db *)db)->pd_wrote = 0;
	return 0;
}

/* Sends a BEGIN left pending, on its own: before what cannot share its
   round trip (a simple command, COPY, a new statement's preparation). */
static int
send_begin(struct pg_db *pd, const char *func)
{
	const char *sql = pd->pd_begin;

	if (sql == NULL)
		return 0;
	pd->pd_begin = NULL;
	if (run_simple(pd, sql, func) == 0)
		return 0;
	/* Lost at that very moment: once more on a new link. */
	if (PQstatus(pd->pd_conn) == CONNECTION_BAD &&
	    reconnect(pd, NULL, 0) == 0)
		return run_simple(pd, sql, func) == 0 ? 0 : RB_ERR;
	return RB_ERR;
}

static int
pg_begin(rb_db *db)
{
	return begin_with(db, "BEGIN ISOLATION LEVEL SERIALIZABLE", 0,
	    __func__);
}

static int
pg_begin_read(rb_db *db)
{
	return begin_with(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", 1,
	    __func__);
}

static int
pg_commit(rb_db *db)
{
	struct pg_db *pd = (struct pg_db *)db;
	PGresult *res;
	int rc = 0, read;

	if (!pg_in_transaction(db)) {
		log_errx("no transaction to commit");
		rb_db_count_error();
		return -1;
	}
	read = pd->pd_read && !pd->pd_wrote;
	pd->pd_read = 0;
	if (pd->pd_begin != NULL) {
		/* Nothing was run in it: nothing to send. */
		pd->pd_begin = NULL;
		return 0;
	}
	if (pd->pd_fill_table != NULL) {
		/* Committing now would leave the table without what the
		   fill dropped: never. */
		log_errx("commit refused: a fill of %s is not ended; rolled "
		    "back", pd->pd_fill_table);
		rb_db_count_error();
		fill_forget(pd);
		run_simple(pd, "ROLLBACK", __func__);
		return -1;
	}
	if (PQtransactionStatus(pd->pd_conn) == PQTRANS_INERROR) {
		/* COMMIT would answer "ROLLBACK" and succeed. */
		log_errx("commit refused: a statement of the transaction "
		    "failed; rolled back");
		rb_db_count_error();
		run_simple(pd, "ROLLBACK", __func__);
		return -1;
	}
	if (read && pd->pd_fill_table == NULL) {
		/* A read transaction that ran only SELECTs: its commit has
		   nothing to make durable and cannot fail but with the link,
		   so it is not waited for (the page is answered meanwhile);
		   settle() reads the answer before the link's next use. */
		if (PQsendQuery(pd->pd_conn, "COMMIT") != 1) {
			log_pg_error(pd, NULL, __func__, "commit failed",
			    "COMMIT");
			return -1;
		}
		pd->pd_commit_sent = 1;
		return 0;
	}
	pd->pd_trips++;
	if ((res = PQexec(pd->pd_conn, "COMMIT")) == NULL) {
		log_pg_error(pd, NULL, __func__, "commit failed", "COMMIT");
		return -1;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = failed_result(pd, res, __func__, "COMMIT");
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		log_errx("commit answered %s", PQcmdStatus(res));
		rb_db_count_error();
		rc = -1;
	}
	PQclear(res);
	return rc == RB_RETRY ? RB_RETRY : rc == 0 ? 0 : -1;
}

static int
pg_rollback(rb_db *db)
{
	/* The rollback brings back whatever a fill dropped. */
	fill_forget((struct pg_db *)db);
	((struct pg_db *)db)->pd_begin = NULL;
	((struct pg_db *)db)->pd_read = 0;
	if (!pg_in_transaction(db))
		return 0;
	return pg_exec(db, "ROLLBACK");
}

static int
pg_reset_all(rb_db *db)
{
	struct pg_db *pd = (struct pg_db *)db;
	struct pg_stmt *ps;
	size_t i;
	int n = 0;

	for (i = 0; i < pd->pd_nbuckets; i++)
		for (ps = pd->pd_buckets[i]; ps != NULL; ps = ps->ps_next)
			if (ps->ps_busy) {
				pg_reset(&ps->ps_base);
				n++;
			}
	return n;
}

/* See rb_db_bulk_load() in db.h: here only commits stop waiting for
   the disk; constraints stay enforced. */
static int
pg_bulk_load(rb_db *db, int on)
{
	return pg_exec(db, on ? "SET synchronous_commit = off" :
	    "RESET synchronous_commit");
}

/* Runs "VERB name" for a savepoint name made by db.c ("rb_spN"). */
static int
savepoint_exec(rb_db *db, const char *verb, const char *name)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return pg_exec(db, sql);
}

static int
pg_savepoint(rb_db *db, const char *name)
{
	return savepoint_exec(db, "SAVEPOINT", name);
}

static int
pg_release(rb_db *db, const char *name)
{
	return savepoint_exec(db, "RELEASE SAVEPOINT", name);
}

static int
pg_rollback_to(rb_db *db, const char *name)
{
	if (savepoint_exec(db, "ROLLBACK TO SAVEPOINT", name) != 0)
		return -1;
	return savepoint_exec(db, "RELEASE SAVEPOINT", name);
}

static size_t
pg_cached(rb_db *db)
{
	return ((struct pg_db *)db)->pd_nstmts;
}

/* Reads what the server sent meanwhile without waiting (libpq's socket
   is non-blocking): a backend that was ended (pg_terminate_backend, a
   restart) has sent its FATAL message and closed the link. */
static int
pg_alive(rb_db *db)
{
	PGconn *conn = ((struct pg_db *)db)->pd_conn;

	/* Twice: a read that finds data (the FATAL message, taken as a
	   notice) stops there; the next one finds the end of the link. */
	return PQstatus(conn) == CONNECTION_OK && PQconsumeInput(conn) == 1 &&
	    PQconsumeInput(conn) == 1 && PQstatus(conn) == CONNECTION_OK;
}

/*
 * Notices: NOTIFY as pg_notify($1, $2), a prepared statement like any
 * other (its BEGIN goes with it), delivered by the server at the
 * commit; LISTEN on a connection of its own, whose notices libpq reads
 * from the socket (PQconsumeInput) and hands out (PQnotifies).
 */
static int
pg_notify(rb_db *db, const char *channel, const char *payload)
{
	rb_stmt *st;
	int rc;

	if ((st = pg_prepare(db, "SELECT pg_notify($1, $2)")) == NULL)
		return RB_ERR;
	pg_bind_text(st, 1, channel, -1);
	pg_bind_text(st, 2, payload, -1);
	while ((rc = pg_step(st)) == RB_ROW)
		;
	pg_reset(st);
	return rc == RB_DONE ? 0 : rc;
}

static int
pg_listen(rb_db *db, const char *channel)
{
	char sql[96];

	/* channel is a plain name (checked by db.c): no quoting needed. */
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return pg_exec(db, sql);
}

static int
pg_socket(rb_db *db)
{
	return PQsocket(((struct pg_db *)db)->pd_conn);
}

static int
pg_notices(rb_db *db, rb_notice_fn *fn, void *arg)
{
	PGconn *conn = ((struct pg_db *)db)->pd_conn;
	PGnotify *n;
	int count = 0;

	if (PQstatus(conn) != CONNECTION_OK || PQconsumeInput(conn) != 1)
		return -1;
	while ((n = PQnotifies(conn)) != NULL) {
		fn(n->relname, n->extra != NULL ? n->extra : "", arg);
		PQfreemem(n);
		count++;
	}
	return PQstatus(conn) == CONNECTION_OK ? count : -1;
}

/*
 * COPY FROM STDIN in text format: fields separated by tabs, rows ended
 * by a newline, \N for NULL, and a backslash escaping itself, tab,
 * newline and carriage return inside a field. Rows gather in pd_copy
 * and go to the server COPY_FLUSH bytes at a time; the server's
 * verdict comes with PQputCopyEnd().
 */
#define COPY_FLUSH	(256 * 1024)

static void copy_field(rb_buf *, char, const char *);

/*
 * The fixed columns of a copy inside a fill of its table: their
 * defaults become the fixed values (one ALTER TABLE, in the fill's
 * transaction, which already holds the table's lock), so that the
 * rows leave them out; pd_copy_undo sets the former defaults back
 * (pg_copy_end()), a rollback as well. The server evaluates a constant
 * default per row for less than it parses a field. Returns 0 or
 * RB_ERR (logged: a column the table does not have...).
 */
static int
copy_defaults(struct pg_db *pd, const char *table, const char *const *fcols,
    const char *const *fvals, int nfixed)
{
	static const char former[] =
	    "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid)"
	    " FROM pg_attribute a LEFT JOIN pg_attrdef d"
	    " ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	    " WHERE a.attrelid = CAST($1 AS regclass) AND a.attnum > 0"
	    " AND NOT a.attisdropped"
	    " AND a.attname = ANY (string_to_array($2, ','))";
	const char *params[2];
	PGresult *res;
	rb_buf names, set, undo;
	char *lit;
	int i, rc;

	rb_buf_init(&names);
	rb_buf_init(&set);
	rb_buf_init(&undo);
	for (i = 0; i < nfixed; i++)	/* plain identifiers: no comma */
		rb_buf_printf(&names, "%s%s", i ? "," : "", fcols[i]);
	params[0] = table;
	params[1] = rb_buf_cstr(&names);
	if ((rc = query_rows(pd, former, 2, params, __func__, &res)) != 0)
		goto out;
	if (PQntuples(res) != nfixed) {
		log_errx("copy: a fixed column is not in %s", table);
		rb_db_count_error();
		PQclear(res);
		rc = RB_ERR;
		goto out;
	}
	rb_buf_printf(&set, "ALTER TABLE %s", table);
	rb_buf_printf(&undo, "ALTER TABLE %s", table);
	for (i = 0; i < nfixed; i++) {
		rb_buf_printf(&undo, "%s ALTER COLUMN %s", i ? "," : "",
		    PQgetvalue(res, i, 0));
		if (PQgetisnull(res, i, 1))
			rb_buf_puts(&undo, " DROP DEFAULT");
		else
			rb_buf_printf(&undo, " SET DEFAULT %s",
			    PQgetvalue(res, i, 1));
		rb_buf_printf(&set, "%s ALTER COLUMN %s SET DEFAULT ",
		    i ? "," : "", fcols[i]);
		if (fvals[i] == NULL) {
			rb_buf_puts(&set, "NULL");
			continue;
		}
		lit = PQescapeLiteral(pd->pd_conn, fvals[i], strlen(fvals[i]));
		if (lit == NULL) {
			log_pg_error(pd, NULL, __func__, "cannot quote",
			    fcols[i]);
			PQclear(res);
			rc = RB_ERR;
			goto out;
		}
		rb_buf_puts(&set, lit);
		PQfreemem(lit);
	}
	PQclear(res);
	if ((rc = run_simple(pd, rb_buf_cstr(&set), __func__)) == 0)
		pd->pd_copy_undo = rb_xstrdup(rb_buf_cstr(&undo));
out:
	rb_buf_free(&names);
	rb_buf_free(&set);
	rb_buf_free(&undo);
	return rc;
}

static int
pg_copy_begin(rb_db *db, const char *table, const char *const *cols,
    int ncols, const char *const *fcols, const char *const *fvals,
    int nfixed)
{
	struct pg_db *pd = (struct pg_db *)db;
	PGresult *res;
	rb_buf sql;
	int i, rc = 0, fill;

	keep_link(pd);
	if (send_begin(pd, __func__) != 0)
		return RB_ERR;
	fill = pd->pd_fill_table != NULL &&
	    strcmp(table, pd->pd_fill_table) == 0;
	/* A fill's table with an identity column the caller leaves to
	   the server: pg_copy_row() numbers the rows (pg_fill_begin()). */
	pd->pd_copy_ids = fill && pd->pd_fill_idcol != NULL;
	for (i = 0; i < ncols + nfixed && pd->pd_copy_ids; i++)
		if (strcmp(i < ncols ? cols[i] : fcols[i - ncols],
		    pd->pd_fill_idcol) == 0)
			pd->pd_copy_ids = 0;
	free(pd->pd_copy_undo);
	pd->pd_copy_undo = NULL;
	rb_buf_reset(&pd->pd_copy_tail);
	if (nfixed > 0 && fill) {
		if (copy_defaults(pd, table, fcols, fvals, nfixed) != 0) {
			pd->pd_copy_ids = 0;
			return -1;
		}
	} else {
		for (i = 0; i < nfixed; i++) {
			if (fvals[i] != NULL)
				copy_field(&pd->pd_copy_tail, '\t', fvals[i]);
			else
				rb_buf_puts(&pd->pd_copy_tail, "\t\\N");
		}
	}
	rb_buf_init(&sql);
	rb_buf_printf(&sql, "COPY %s (", table);
	if (pd->pd_copy_ids)
		rb_buf_printf(&sql, "%s, ", pd->pd_fill_idcol);
	for (i = 0; i < ncols; i++)
		rb_buf_printf(&sql, "%s%s", i ? ", " : "", cols[i]);
	for (i = 0; i < nfixed && pd->pd_copy_undo == NULL; i++)
		rb_buf_printf(&sql, ", %s", fcols[i]);
	rb_buf_puts(&sql, ") FROM STDIN");
	res = PQexec(pd->pd_conn, rb_buf_cstr(&sql));
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		if (res == NULL)
			log_pg_error(pd, NULL, __func__, "copy failed",
			    rb_buf_cstr(&sql));
		else
			(void)failed_result(pd, res, __func__,
			    rb_buf_cstr(&sql));
		rc = -1;
	}
	PQclear(res);
	rb_buf_free(&sql);
	rb_buf_reset(&pd->pd_copy);
	pd->pd_copy_failed = 0;
	if (rc != 0) {
		pd->pd_copy_ids = 0;
		free(pd->pd_copy_undo);	/* the rollback sets them back */
		pd->pd_copy_undo = NULL;
	}
	return rc;
}

static int
copy_flush(struct pg_db *pd)
{
	if (pd->pd_copy.buf_len == 0)
		return 0;
	if (PQputCopyData(pd->pd_conn, pd->pd_copy.buf_data,
	    (int)pd->pd_copy.buf_len) != 1) {
		log_pg_error(pd, NULL, __func__, "copy data refused",
		    "COPY");
		pd->pd_copy_failed = 1;
		return -1;
	}
	rb_buf_reset(&pd->pd_copy);
	return 0;
}

/*
 * The bytes COPY's text format escapes (a backslash and a letter), and
 * NUL, which ends a field: copy_field() stops at any of them.
 */
static const unsigned char copy_escape[256] = {
	['\0'] = 1, ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r',
};

/*
 * Appends sep (0: none) then field s, escaped, to the copy buffer b:
 * each run of plain bytes is found by a look-up per byte (no store)
 * and copied at once, room made for it alone, so a field is read
 * once and no strlen() first. The importer's CPU for the 2.8 million
 * rows of 20,000 contracts: copy_field() and its strlen() were 17 % of
 * it with a test and a store per byte after making room for the worst
 * case (every byte escaped); strcspn() was slower still.
 */
static void
copy_field(rb_buf *b, char sep, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *q;
	unsigned char e;
	char *o;
	size_t n;

	for (;;) {
		for (q = p; copy_escape[*q] == 0; q++)
			;
		n = (size_t)(q - p);
		rb_buf_reserve(b, n + 3);
		o = b->buf_data + b->buf_len;
		if (sep != 0) {
			*o++ = sep;
			sep = 0;
		}
		memcpy(o, p, n);
		o += n;
		if ((e = copy_escape[*q]) != 1) {
			*o++ = '\\';
			*o++ = (char)e;
		}
		*o = '\0';
		b->buf_len = (size_t)(o - b->buf_data);
		if (e == 1)	/* NUL: the field's end */
			return;
		p = q + 1;
	}
}

static int
pg_copy_row(rb_db *db, const char *const *fields, int n)
{
	struct pg_db *pd = (struct pg_db *)db;
	rb_buf *b = &pd->pd_copy;
	int i;

	if (pd->pd_copy_failed)
		return -1;
	if (pd->pd_copy_ids) {
		rb_buf_put_int(b, pd->pd_fill_next++);
		pd->pd_fill_given++;
		rb_buf_putc(b, '\t');
	}
	for (i = 0; i < n; i++) {
		if (fields[i] != NULL) {
			copy_field(b, i > 0 ? '\t' : 0, fields[i]);
			continue;
		}
		if (i > 0)
			rb_buf_putc(b, '\t');
		rb_buf_append(b, "\\N", 2);
	}
	if (pd->pd_copy_tail.buf_len > 0)
		rb_buf_append(b, pd->pd_copy_tail.buf_data,
		    pd->pd_copy_tail.buf_len);
	rb_buf_putc(b, '\n');
	return b->buf_len >= COPY_FLUSH ? copy_flush(pd) : 0;
}

static int
pg_copy_end(rb_db *db, int64_t *rows)
{
	struct pg_db *pd = (struct pg_db *)db;
	PGresult *res;
	int rc = 0, failed;

	failed = pd->pd_copy_failed || copy_flush(pd) != 0;
	rb_buf_reset(&pd->pd_copy);
	pd->pd_copy_ids = 0;
	if (PQputCopyEnd(pd->pd_conn, failed ? "row refused by the client" :
	    NULL) != 1) {
		log_pg_error(pd, NULL, __func__, "copy end refused", "COPY");
		failed = 1;
	}
	while ((res = PQgetResult(pd->pd_conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			*rows = strtoll(PQcmdTuples(res), NULL, 10);
		else if (rc == 0 && !failed)
			rc = failed_result(pd, res, __func__, "COPY");
		PQclear(res);
	}
	if (failed && rc == 0)
		rc = RB_ERR;
	/* The fixed columns' former defaults (copy_defaults()); after a
	   failure the transaction's rollback sets them back. */
	if (rc == 0 && pd->pd_copy_undo != NULL)
		rc = run_simple(pd, pd->pd_copy_undo, __func__);
	free(pd->pd_copy_undo);
	pd->pd_copy_undo = NULL;
	rb_buf_reset(&pd->pd_copy_tail);
	return rc;
}

/*
 * Filling an empty table (rb_db_fill_begin() in db.h). Every index of
 * the table, its primary key, every unique or exclusion constraint and
 * every foreign key of the table is dropped, in the caller's
 * transaction, after its definition is read from pg_catalog
 * (pg_get_indexdef(), pg_get_constraintdef(), names quoted by the
 * server's format('%I')); pg_fill_end() runs the definitions again:
 * plain and unique indexes first (one sort each instead of one insert
 * per row), then the primary key and unique constraints, then foreign
 * keys, which the server validates in one pass over the table (one
 * join) instead of one lookup per row; those to the table the caller
 * names checked are added NOT VALID: the server enforces them on every
 * later write but does not scan the rows copied, whose references the
 * caller has checked (the import, against the referenced rows read
 * after this fill locked them: dropping a foreign key takes ACCESS
 * EXCLUSIVE on the table it references, until the transaction ends).
 * That scan was a hash join over the whole table, 0.27 to 0.57 s for
 * each of the two large tables at 20,000 contracts. CHECK constraints
 * go too when the caller says it has checked the rows against them
 * (rb_db_fill_begin_verified()), and come back NOT VALID: the server
 * tested each row copied for a tenth of the copy's time (invoice
 * lines: 1.59 s with them, 1.45 s without). Kept: NOT NULL, CHECK
 * otherwise (both checked inside the row); partial indexes that
 * are not unique (invoices_open, invoices_print...: they hold the few
 * rows in a live state, which a first import of a history seldom has:
 * a test of the predicate per row costs less than a scan of the whole
 * table after, 0.85 s of the 20,000-contract import for the four of
 * invoices); and any primary key or unique index a foreign key of
 * another table relies on (it could not be dropped alone): the primary
 * keys of contracts, meters... stay. Those of
 * meter_readings and invoice_lines go: maintained row by row, they
 * wrote about a fifth of the import's WAL at 20,000 contracts. A
 * verified fill (the import's readings, bills and lines) drops such a
 * key too, after the other tables' foreign keys that rely on it
 * (the drops go in the reverse order of the builds), and builds them
 * again after it as they were, validated (a scan of tables that can
 * name no row of the empty one) or NOT VALID: the bills' primary key,
 * kept row by row, took a third of their copy's time in the profile.
 * The table's identity column is numbered here (fill_ids()), and the
 * transaction's WAL compressed where allowed (fill_wal_compression).
 */
/* The memory of each build of pg_fill_end(). */
#define FILL_MEMORY	"512MB"

/*
 * The triggers that tell every app server what changed (migrations
 * 0027-0030: rb_data_ins, _upd, _del, _trunc; docs/architecture.md,
 * "Page data kept in memory"), enabled. A fill drops them for its copy
 * and creates them again at its end (pg_get_triggerdef(), then the
 * same ENABLE ALWAYS or REPLICA where one was set): a statement
 * trigger's transition table holds every row copied, a seventh of a
 * first import's time (1.0 of 6.5 s at 20,000 contracts), for a notice
 * "*" (forget everything) that a statement of more than 1000 rows
 * sends anyway. Turning them off (ALTER TABLE ... DISABLE TRIGGER) is
 * not enough: the server still gathers the transition table of a
 * disabled trigger, row by row, into a tuplestore that spills to disk
 * and that nothing reads (0.45 s of 5.3 at 20,000 contracts). The fill
 * sends that "*" itself at its end, in its transaction; a rollback
 * brings the triggers back as the rest.
 */
#define DATA_TRIGGER	"NOT t.tgisinternal AND t.tgenabled <> 'D'" \
	" AND t.tgname LIKE 'rb\\_data\\_%'"

static const char fill_catalog[] =
	"SELECT 1, format('DROP INDEX %s', i.indexrelid::regclass),"
	" pg_get_indexdef(i.indexrelid)"
	" FROM pg_index i"
	" WHERE i.indrelid = CAST($1 AS regclass) AND NOT i.indisprimary"
	" AND (i.indpred IS NULL OR i.indisunique)"
	" AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
	"  WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')"
	"  AND c.conrelid = i.indrelid)"
	" AND ($3 = '1' OR NOT EXISTS (SELECT 1 FROM pg_constraint f"
	"  WHERE f.contype = 'f' AND f.conindid = i.indexrelid))"
	" UNION ALL"
	" SELECT CASE c.contype WHEN 'f' THEN 3 ELSE 2 END,"
	" format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass,"
	"  c.conname),"
	" format('ALTER TABLE %s ADD CONSTRAINT %I %s%s', c.conrelid::regclass,"
	"  c.conname, pg_get_constraintdef(c.oid),"
	"  CASE WHEN c.convalidated AND (c.contype = 'c' OR (c.contype = 'f'"
	"  AND c.confrelid = to_regclass(CAST($2 AS text)))) THEN ' NOT VALID'"
	"  ELSE '' END)"
	" FROM pg_constraint c"
	" WHERE c.conrelid = CAST($1 AS regclass)"
	" AND (c.contype IN ('f', 'p', 'u', 'x')"
	"  OR (c.contype = 'c' AND $3 = '1' AND c.coninhcount = 0))"
	" AND (c.contype = 'f' OR $3 = '1' OR NOT EXISTS (SELECT 1"
	"  FROM pg_constraint f"
	"  WHERE f.contype = 'f' AND f.conindid = c.conindid))"
	" UNION ALL"
	" SELECT 3, format('ALTER TABLE %s DROP CONSTRAINT %I',"
	"  c.conrelid::regclass, c.conname),"
	" format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass,"
	"  c.conname, pg_get_constraintdef(c.oid))"
	" FROM pg_constraint c"
	" WHERE $3 = '1' AND c.contype = 'f'"
	" AND c.confrelid = CAST($1 AS regclass) AND c.conrelid <> c.confrelid"
	" UNION ALL"
	" SELECT 0, format('DROP TRIGGER %I ON %s', t.tgname,"
	"  t.tgrelid::regclass),"
	" pg_get_triggerdef(t.oid) || CASE t.tgenabled"
	"  WHEN 'A' THEN format('; ALTER TABLE %s ENABLE ALWAYS TRIGGER %I',"
	"  t.tgrelid::regclass, t.tgname)"
	"  WHEN 'R' THEN format('; ALTER TABLE %s ENABLE REPLICA TRIGGER %I',"
	"  t.tgrelid::regclass, t.tgname) ELSE '' END"
	" FROM pg_trigger t WHERE t.tgrelid = CAST($1 AS regclass)"
	" AND " DATA_TRIGGER
	" UNION ALL"
	" SELECT 1, 'SELECT 1',"
	" 'SELECT pg_notify(''" RB_DATA_CHANNEL "'', ''*'')'"
	" WHERE EXISTS (SELECT 1 FROM pg_trigger t"
	"  WHERE t.tgrelid = CAST($1 AS regclass) AND " DATA_TRIGGER ")"
	" ORDER BY 1, 2";

/* The table's identity column, generated BY DEFAULT, and its sequence. */
static const char fill_identity[] =
	"SELECT format('%I', a.attname), pg_get_serial_sequence($1, a.attname)"
	" FROM pg_attribute a"
	" WHERE a.attrelid = CAST($1 AS regclass) AND a.attnum > 0"
	" AND NOT a.attisdropped AND a.attidentity = 'd'";

/* After the copy: the sequence goes past every id given, never back
   (nextval() again, should anything have taken one meanwhile). */
static const char fill_setval[] =
	"SELECT setval(CAST($1 AS regclass),"
	" greatest(CAST($2 AS bigint), nextval(CAST($1 AS regclass))))";

/*
 * WAL compression for the fill's transaction, where the server has it
 * (lz4) and lets this role set it (a superuser, or after GRANT SET ON
 * PARAMETER wal_compression): the index and key builds of
 * pg_fill_end() write every page they build as a full-page image,
 * which lz4 halves (68 MB -> 30 MB for the keys of 1.2 million
 * readings, for the same server CPU). It only changes how those
 * images are stored in the WAL: recovery and standbys (same server
 * build) read them back as they were. Otherwise nothing is set.
 */
static const char fill_wal_compression[] =
	"SELECT set_config('wal_compression', 'lz4', true) FROM pg_settings"
	" WHERE name = 'wal_compression' AND 'lz4' = ANY (enumvals)"
	" AND has_parameter_privilege('wal_compression', 'SET')";

/*
 * Numbers the rows of the fill (see pd_fill_idcol): under a lock that
 * keeps every other writer out of the table until the transaction
 * ends, the ids start past both the sequence and the table's largest
 * id (an id given by hand, the identity being BY DEFAULT), one
 * nextval() for the whole copy; pg_fill_end() moves the sequence past
 * the last id given. The server's per-row nextval() cost about a
 * sixth of the copy's CPU. Returns 0, RB_RETRY or RB_ERR.
 */
static int
fill_ids(struct pg_db *pd, const char *table)
{
	const char *params[1] = { table };
	PGresult *res;
	rb_buf sql;
	int rc;

	rb_buf_init(&sql);
	rb_buf_printf(&sql, "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE",
	    table);
	rc = run_simple(pd, rb_buf_cstr(&sql), __func__);
	if (rc != 0)
		goto out;
	if ((rc = query_rows(pd, fill_identity, 1, params, __func__,
	    &res)) != 0)
		goto out;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)) {
		pd->pd_fill_idcol = rb_xstrdup(PQgetvalue(res, 0, 0));
		pd->pd_fill_seq = rb_xstrdup(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	if (pd->pd_fill_idcol == NULL)
		goto out;
	params[0] = pd->pd_fill_seq;
	rb_buf_reset(&sql);
	rb_buf_printf(&sql, "SELECT greatest(nextval(CAST($1 AS regclass)),"
	    " (SELECT max(%s) FROM %s) + 1)", pd->pd_fill_idcol, table);
	if ((rc = query_rows(pd, rb_buf_cstr(&sql), 1, params, __func__,
	    &res)) != 0)
		goto out;
	if (PQntuples(res) != 1) {	/* an aggregate: never */
		PQclear(res);
		rc = RB_ERR;
		goto out;
	}
	pd->pd_fill_next = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
out:
	rb_buf_free(&sql);
	return rc;
}

static int
pg_fill_begin(rb_db *db, const char *table, const char *checked,
    int verified)
{
	struct pg_db *pd = (struct pg_db *)db;
	const char *params[3] = { table, checked, verified ? "1" : "0" };
	PGresult *res;
	int i, n, rc = 0;

	fill_forget(pd);
	if ((rc = send_begin(pd, __func__)) != 0)
		return rc;
	if ((rc = query_rows(pd, fill_catalog, 3, params, __func__,
	    &res)) != 0)
		return rc;
	n = PQntuples(res);
	pd->pd_fill = rb_xcalloc((size_t)n + 1, sizeof(*pd->pd_fill));
	pd->pd_fill_table = rb_xstrdup(table);
	for (i = 0; i < n; i++)
		pd->pd_fill[pd->pd_nfill++] = rb_xstrdup(PQgetvalue(res, i,
		    2));
	/* Dropped in the reverse order of the builds: the foreign keys
	   of other tables before the key they use. */
	for (i = n - 1; i >= 0 && rc == 0; i--)
		rc = run_simple(pd, PQgetvalue(res, i, 1), __func__);
	PQclear(res);
	if (rc == 0)
		rc = fill_ids(pd, table);
	if (rc == 0)
		rc = run_simple(pd, fill_wal_compression, __func__);
	if (rc != 0)
		fill_forget(pd);
	return rc;
}

/* Moves the fill's sequence past its last id given (fill_ids()). */
static int
fill_sequence(struct pg_db *pd)
{
	char last[RB_INT_TEXT];
	const char *params[2] = { pd->pd_fill_seq, last };
	PGresult *res;
	int rc = 0;

	rb_int_text(pd->pd_fill_next - 1, last);
	if ((rc = query_rows(pd, fill_setval, 2, params, __func__,
	    &res)) == 0)
		PQclear(res);
	return rc;
}

static int
pg_fill_end(rb_db *db)
{
	struct pg_db *pd = (struct pg_db *)db;
	size_t i;
	int rc = 0;

	if (pd->pd_fill_table == NULL) {
		log_errx("fill: no fill in progress");
		rb_db_count_error();
		return RB_ERR;
	}
	/* No ANALYZE: it cost a fifth of a 2,000-contract import; the
	   index builds give the planner the table's size, and autovacuum
	   analyzes a table so filled within its naptime (a minute).
	   The builds sort in memory: the default 64 MB spilled the keys
	   of 1.4 million invoice lines to temporary files. The server
	   also gives it to a foreign key's validating join as its work
	   memory. SET LOCAL: until the file's transaction ends. */
	rc = run_simple(pd, "SET LOCAL maintenance_work_mem = '"
	    FILL_MEMORY "'", __func__);
	if (rc == 0 && pd->pd_fill_given > 0)
		rc = fill_sequence(pd);
	for (i = 0; i < pd->pd_nfill && rc == 0; i++)
		rc = run_simple(pd, pd->pd_fill[i], __func__);
	fill_forget(pd);
	return rc;
}

static const struct rb_db_ops pg_ops = {
	.ops_engine = "postgresql",
	.ops_close = pg_close,
	.ops_exec = pg_exec,
	.ops_prepare = pg_prepare,
	.ops_bind_int = pg_bind_int,
	.ops_bind_text = pg_bind_text,
	.ops_bind_null = pg_bind_null,
	.ops_step = pg_step,
	.ops_int = pg_int,
	.ops_text = pg_text,
	.ops_is_null = pg_is_null,
	.ops_changes = pg_changes,
	.ops_reset = pg_reset,
	.ops_begin = pg_begin,
	.ops_begin_read = pg_begin_read,
	.ops_commit = pg_commit,
	.ops_rollback = pg_rollback,
	.ops_in_transaction = pg_in_transaction,
	.ops_reset_all = pg_reset_all,
	.ops_bulk_load = pg_bulk_load,
	.ops_savepoint = pg_savepoint,
	.ops_release = pg_release,
	.ops_rollback_to = pg_rollback_to,
	.ops_cached = pg_cached,
	.ops_backup = NULL,	/* pg_dump, see rb_db_backup_advice() */
	.ops_alive = pg_alive,
	.ops_copy_begin = pg_copy_begin,
	.ops_copy_row = pg_copy_row,
	.ops_copy_end = pg_copy_end,
	.ops_fill_begin = pg_fill_begin,
	.ops_fill_end = pg_fill_end,
	.ops_batch = pg_batch,
	.ops_round_trips = pg_round_trips,
	.ops_notify = pg_notify,
	.ops_listen = pg_listen,
	.ops_socket = pg_socket,
	.ops_notices = pg_notices,
};

/* Opening. */

/* Server notices ("relation already exists, skipping") are not news. */
static void
ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Warns when the database does not order text bytewise (see db.h). */
static void
check_collation(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT datcollate FROM pg_database "
	    "WHERE datname = current_database()");
	const char *c;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1) {
		c = PQgetvalue(res, 0, 0);
		if (strcmp(c, "C") != 0 && strcmp(c, "POSIX") != 0 &&
		    strncmp(c, "C.", 2) != 0)
			log_warnx("postgresql: the database orders text by "
			    "\"%s\", not bytewise: create it with "
			    "LC_COLLATE 'C' (see docs/operations.md)", c);
	}
	PQclear(res);
}

int
rb_pg_open(const char *url, rb_db **out, char *err, size_t errlen)
{
	/* Later values win: the URL may name its application, never its
	   encoding. */
	const char *const keys[] = { "application_name", "dbname",
	    "client_encoding", NULL };
	const char *values[4] = { "robinet", NULL, "UTF8", NULL };
	struct pg_db *pd;
	PGconn *conn;
	char *copy, msg[300];
	size_t i;
	int rc = -1;

	*out = NULL;
	/* libpq wants its scheme in lower case. */
	copy = rb_xstrdup(url);
	for (i = 0; copy[i] != ':' && copy[i] != '\0'; i++)
		copy[i] = (char)tolower((unsigned char)copy[i]);
	values[1] = copy;
	conn = PQconnectdbParams(keys, values, 1);
	if (conn == NULL) {
		snprintf(err, errlen, "postgresql: out of memory");
		goto out;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		/* libpq's messages name the host, never the password. */
		first_line(PQerrorMessage(conn), msg, sizeof(msg));
		snprintf(err, errlen, "postgresql: cannot connect: %s", msg);
		goto out;
	}
	PQsetNoticeProcessor(conn, ignore_notice, NULL);
	check_collation(conn);

	pd = rb_xcalloc(1, sizeof(*pd));
	pd->pd_base.db_ops = &pg_ops;
	pd->pd_conn = conn;
	pd->pd_nbuckets = STMT_BUCKETS_MIN;
	pd->pd_buckets = rb_xcalloc(pd->pd_nbuckets, sizeof(*pd->pd_buckets));
	conn = NULL;
	*out = &pd->pd_base;
	rc = 0;
out:
	PQfinish(conn);
	free(copy);
	return rc;
}
