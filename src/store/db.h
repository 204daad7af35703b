/*
 * db.h: the one database API of Robinet, the same for every engine.
 *
 * A connection (rb_db) belongs to one thread at a time: open one per
 * thread, or borrow one from a pool (rb_db_pool) in the web server.
 * SQL text is constant and written once for every engine, with
 * PostgreSQL-style placeholders $1, $2 ... whose values are bound, never
 * spliced into the text. Prefer "INSERT ... RETURNING id" to any
 * last-insert-id call: it runs unchanged on both engines.
 *
 * Dialect differences live in the drivers (sqlite.c, pg.c), which
 * translate the common text when they prepare it: see sqlite.c for the
 * SQLite mapping ($N placeholders, identity columns).
 *
 * Typical use:
 *
 *	rb_stmt *st = rb_db_prepare(db, "SELECT title FROM news WHERE slug = $1");
 *	if (st == NULL)
 *		return -1;
 *	rb_stmt_bind_text(st, 1, slug, -1);
 *	while ((rc = rb_stmt_step(st)) == RB_ROW)
 *		use(rb_stmt_text(st, 0));
 *	rb_stmt_reset(st);
 *	return rc == RB_DONE ? 0 : -1;
 */
#ifndef RB_STORE_DB_H
#define RB_STORE_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct rb_db rb_db;
typedef struct rb_stmt rb_stmt;
typedef struct rb_db_pool rb_db_pool;

/* Results of rb_stmt_step(). */
enum rb_step {
	RB_DONE = 0,		/* the statement has run to completion */
	RB_ROW = 1,		/* a result row is available */
	RB_ERR = -1,		/* failure, logged and counted */
	RB_CONSTRAINT = -2,	/* a UNIQUE, CHECK, NOT NULL or foreign key
				   constraint refused the change: logged as
				   a warning, not counted as an error */
	RB_RETRY = -3		/* the engine gave up on the transaction
				   to keep it serializable (PostgreSQL
				   40001, deadlock 40P01; SQLite: a read
				   snapshot that went stale before its
				   first write): roll back and run the
				   whole transaction again, which
				   rb_db_transact() does; logged as a
				   warning, not counted as an error */
};

/*
 * Opens a connection. url is one of:
 *	sqlite:PATH			PATH relative to the working directory
 *					or absolute; the file is created if
 *					missing, its directory must exist
 *	sqlite:PATH?busy_timeout=MS	waits up to MS ms (default 5000) for a
 *					lock held by another connection
 *	sqlite:PATH?cache_mb=N		page cache of up to N MiB per
 *					connection (default 32)
 * (parameters combine with '&'; PATH cannot contain '?').
 *	postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DBNAME][?PARAM=V&...]
 *					(or postgres://) libpq's URL syntax
 *					and parameters (host=/run/... for a
 *					socket, sslmode=..., connect_timeout=)
 * Returns 0 and the
 * connection in *out (close it with rb_db_close), or -1 with a one-line
 * English explanation in err (errlen bytes, NUL-terminated) and *out NULL.
 */
int	 rb_db_open(const char *url, rb_db **out, char *err, size_t errlen);
/* Closes db and finalises its statements; NULL is ignored. */
void	 rb_db_close(rb_db *db);
/* The engine of db: "sqlite" or "postgresql". */
const char *rb_db_engine(const rb_db *db);

/*
 * Runs sql, one or more statements without parameters (schema changes,
 * migrations). Returns 0, or -1 (logged and counted).
 */
int	 rb_db_exec(rb_db *db, const char *sql);

/*
 * Returns a prepared statement for sql, from the connection's cache when
 * it has an idle one for the same text, or NULL when sql does not
 * compile (logged and counted). The statement belongs to db: hand it back
 * with rb_stmt_reset() once done, before preparing the same text again
 * if both must live together (each call then gets its own statement).
 */
rb_stmt	*rb_db_prepare(rb_db *db, const char *sql);

/*
 * Bind values to placeholder $idx (1-based). Text is copied; len < 0
 * means NUL-terminated, and a NULL s binds SQL NULL. A bind error (index
 * out of range) makes the next rb_stmt_step() return RB_ERR.
 */
void	 rb_stmt_bind_int(rb_stmt *st, int idx, int64_t v);
void	 rb_stmt_bind_text(rb_stmt *st, int idx, const char *s, ssize_t len);
void	 rb_stmt_bind_null(rb_stmt *st, int idx);

/* Runs st to its next row: returns an enum rb_step value. */
int	 rb_stmt_step(rb_stmt *st);

/*
 * Columns of the current row (0-based). rb_stmt_text() returns NULL for
 * SQL NULL; the string belongs to st and lives until the next step or
 * reset. rb_stmt_int() returns 0 for NULL.
 */
int64_t	 rb_stmt_int(rb_stmt *st, int col);
const char *rb_stmt_text(rb_stmt *st, int col);
int	 rb_stmt_is_null(rb_stmt *st, int col);
/* Rows changed by st, once rb_stmt_step() has returned RB_DONE. */
int64_t	 rb_stmt_changes(rb_stmt *st);

/* Clears st's bindings and returns it to its connection's cache. */
void	 rb_stmt_reset(rb_stmt *st);

/*
 * Helpers for the common shapes of an accessor: run a statement, read its
 * one row, read all its rows, purge by time. A store file keeps its SQL
 * in one constant table (an enum of statements ending in SQL__MAX, and
 * "static const char *const sql[SQL__MAX]" indexed by it), each function
 * names the statement and its values, and the helpers do the prepare,
 * bind, step and reset; the SQL text stays where it was, constant.
 *
 * A value for a placeholder is a struct rb_bind, made by rb_int(),
 * rb_text(), rb_text_n(), rb_text_or_null() or rb_null(): the functions
 * check the C type of each value. RB_BINDS(...) turns a list of them into
 * the (array, count) pair the helpers take; b[i] is bound to $(i+1).
 *
 *	static int
 *	note_touch(rb_db *db, int64_t id, time_t now)
 *	{
 *		return rb_db_run(db, sql[SQL_TOUCH],
 *		    RB_BINDS(rb_int(id), rb_int(now)), NULL) == 0 ? 0 : -1;
 *	}
 */
enum rb_bind_kind {
	RB_BIND_NULL,
	RB_BIND_INT,
	RB_BIND_TEXT
};

struct rb_bind {
	enum rb_bind_kind b_kind;
	int64_t		 b_int;
	const char	*b_text;	/* RB_BIND_TEXT; NULL binds NULL */
	ssize_t		 b_len;		/* < 0: NUL-terminated */
};

static inline struct rb_bind
rb_int(int64_t v)
{
	return (struct rb_bind){ RB_BIND_INT, v, NULL, -1 };
}

/* Text s (copied when bound), or SQL NULL when s is NULL. */
static inline struct rb_bind
rb_text(const char *s)
{
	return (struct rb_bind){ RB_BIND_TEXT, 0, s, -1 };
}

/* The first len bytes of s, or SQL NULL when s is NULL. */
static inline struct rb_bind
rb_text_n(const char *s, size_t len)
{
	return (struct rb_bind){ RB_BIND_TEXT, 0, s, (ssize_t)len };
}

/* Text s, or SQL NULL when s is NULL or empty. */
static inline struct rb_bind
rb_text_or_null(const char *s)
{
	return rb_text(s != NULL && s[0] != '\0' ? s : NULL);
}

static inline struct rb_bind
rb_null(void)
{
	return (struct rb_bind){ RB_BIND_NULL, 0, NULL, -1 };
}

#define RB_BINDS(...)							\
	(const struct rb_bind[]){ __VA_ARGS__ },			\
	sizeof((const struct rb_bind[]){ __VA_ARGS__ }) / sizeof(struct rb_bind)

/*
 * Binds b[0..n-1] to $1..$n of st (a bind error shows at the next step).
 */
void	 rb_stmt_bind_all(rb_stmt *st, const struct rb_bind *b, size_t n);

/*
 * Runs sql with the values b[0..n-1] to its end (rows it returns are
 * skipped) and resets it. When changes is not NULL it receives the rows
 * changed (0 on failure). Returns 0 when the statement ran, RB_CONSTRAINT
 * when a constraint refused the change, RB_RETRY (see enum rb_step), -1
 * (RB_ERR) on any other failure (logged by the driver).
 */
int	 rb_db_run(rb_db *db, const char *sql, const struct rb_bind *b,
	    size_t n, int64_t *changes);

/* Reads the current row of st into arg (a struct of the caller's). */
typedef void rb_row_fn(rb_stmt *st, void *arg);
/* An rb_row_fn that stores column 0 into the int64_t arg points to. */
void	 rb_row_int(rb_stmt *st, void *arg);

/*
 * Runs sql with the values b[0..n-1] and hands its first row, if any, to
 * row(st, arg); then runs the statement to its end (so that an UPDATE or
 * INSERT ... RETURNING completes on every engine; later rows are ignored)
 * and resets it. Returns 0 when a row was read, 1 when there was none,
 * RB_CONSTRAINT when a constraint refused the change, RB_RETRY (see enum
 * rb_step), -1 on any other failure. row is called at most once; what it wrote counts only when 0
 * is returned. row may be NULL when only whether there is a row matters.
 */
int	 rb_db_fetch_one(rb_db *db, const char *sql, const struct rb_bind *b,
	    size_t n, rb_row_fn *row, void *arg);

/*
 * Runs sql with the values b[0..n-1] and hands every row it returns to
 * row(st, arg), in order, then resets it. Returns 0 when the statement
 * ran to its end, RB_RETRY (see enum rb_step), -1 on any other failure
 * (in both, some rows may have been handed over: the caller drops what
 * row built).
 */
int	 rb_db_fetch_all(rb_db *db, const char *sql, const struct rb_bind *b,
	    size_t n, rb_row_fn *row, void *arg);

/*
 * A batch of reads that do not depend on each other (none needs
 * another's rows for its values): r[0..n-1], each a query, its values
 * and its rb_row_fn as rb_db_fetch_all() takes them. PostgreSQL sends
 * them all at once and waits once (one round trip instead of n; a read
 * transaction's pending BEGIN goes with them); SQLite runs them one
 * after the other. Either way the rows reach each r[i].dr_row in order:
 * every row of r[0], then of r[1]... The batch stops at the first
 * statement that fails: it and those before it have their rc, the
 * others are not run (nothing handed to their dr_row) and their dr_rc is
 * RB_ERR. Each r[i].dr_rc is what rb_db_fetch_all() returns: 0, RB_RETRY
 * or -1. A text that does not compile (a missing table) stops the
 * batch before any runs: every dr_rc is then RB_ERR. Returns 0 when all
 * ran, else the first failure's rc (the caller drops what the row
 * callbacks built). Outside a transaction the statements may see one
 * snapshot or several. A text not prepared yet on the connection is
 * prepared first, on its own (once per connection). n may be 0.
 */
struct rb_db_read {
	const char		*dr_sql;
	const struct rb_bind	*dr_b;
	size_t			 dr_n;
	rb_row_fn		*dr_row;
	void			*dr_arg;
	int			 dr_rc;		/* set by the batch */
};

int	 rb_db_fetch_batch(rb_db *db, struct rb_db_read *r, size_t n);

/*
 * A read of one row at most in a batch, as rb_db_fetch_one() reads it:
 * dr_row = rb_row_first and dr_arg = a struct rb_db_first. df_row gets
 * the first row only (with df_arg); df_found says whether there was one
 * (set it to 0 before the batch).
 */
struct rb_db_first {
	rb_row_fn	*df_row;
	void		*df_arg;
	int		 df_found;
};

void	 rb_row_first(rb_stmt *st, void *arg);

/*
 * Runs a purge, a DELETE whose one parameter $1 is a time in seconds:
 * "DELETE FROM t WHERE expires_at < $1". Returns 0, or -1 (logged).
 */
int	 rb_db_purge(rb_db *db, const char *sql, int64_t before);

/*
 * Transactions, not nested (but for reads, see below). rb_db_begin()
 * takes the write lock at once
 * on SQLite (BEGIN IMMEDIATE), so a transaction never fails half-way
 * because another writer got there first; on PostgreSQL it opens a
 * SERIALIZABLE transaction, which any statement or the commit may end
 * with RB_RETRY: code that reads, decides, then writes (check-then-
 * write) runs through rb_db_transact(), which retries. rb_db_begin()
 * inside an open transaction fails. Each returns 0,
 * RB_RETRY (rb_db_commit() only) or -1 (logged).
 */
/*
 * Opens a read-only transaction: the queries that follow see one
 * snapshot and share its locks (SQLite: deferred BEGIN; PostgreSQL:
 * REPEATABLE READ). End it with rb_db_commit(), or rb_db_rollback()
 * after a failure. Called while a transaction is open on db (a page's
 * read transaction, web/routes.c, or any other), it joins that one
 * instead: nothing is sent to the engine, the reads see the open
 * transaction's snapshot, and the rb_db_commit() or rb_db_rollback()
 * that ends the joined read is counted off without ending the open
 * transaction (joins nest to any depth; each ends once).
 */
int	 rb_db_begin_read(rb_db *db);
int	 rb_db_begin(rb_db *db);
int	 rb_db_commit(rb_db *db);
int	 rb_db_rollback(rb_db *db);
/* Returns 1 while a transaction is open on db, 0 otherwise. */
int	 rb_db_in_transaction(rb_db *db);
/*
 * 1 when reads that share one read transaction (rb_db_begin_read())
 * cost less than the same reads each in their own (SQLite: one lock
 * and unlock of the WAL for them all instead of a pair per statement);
 * 0 when each statement is as cheap on its own (PostgreSQL: a
 * transaction would cost round trips more). The web server keeps the
 * session lookups of one run in one read transaction only when 1.
 */
int	 rb_db_shares_reads(rb_db *db);
/*
 * Process-wide count of writes made visible since start: a transaction
 * that wrote, committed, or a statement outside a transaction that may
 * have written (anything but a read-only statement: SQLite knows; on
 * PostgreSQL every statement counts), once reset. A reader that keeps
 * a snapshot open across requests (web/session.c) takes a new one when
 * this count moved, so that no write of this process is hidden from a
 * request that follows it. Cheap: one atomic load.
 */
uint64_t rb_db_writes(void);
/*
 * Notices between connections, for what a process keeps in memory and
 * another process's write makes stale (app/sesscache.c). PostgreSQL:
 * NOTIFY and LISTEN. SQLite: rows of the table rb_notices (migration
 * 0031), written in the sending transaction and read by listeners that
 * poll. rb_db_notices() is 1 when the engine carries them (both do;
 * an engine that does not makes rb_db_notify() do nothing and
 * rb_db_listen() fail).
 *
 * rb_db_notify() sends payload (text, under 8000 bytes) on channel (a
 * plain name: [a-z_][a-z0-9_]*, at most 63 bytes). Inside a transaction
 * the notice goes out at its commit, and never when it is rolled back;
 * outside one, at once. The process's own hook (rb_db_notice_hook())
 * gets it at the same moment, before rb_db_commit() returns, so this
 * process needs no listener to see its own notices. 0, or -1 (the
 * transaction then fails as after any failed statement).
 *
 * rb_db_notice_hook() sets the one process-wide function called with
 * (channel, payload, arg) for each notice this process sends, after its
 * commit (NULL: none). Set it before the threads that write start.
 *
 * A listener is a connection of its own, outside any transaction:
 * rb_db_listen() subscribes it to channel (0 or -1); rb_db_socket()
 * gives the descriptor to poll for input (-1: none, or the link is
 * lost); rb_db_notices_read() never waits: it calls fn(channel, payload,
 * arg) for each notice arrived, committed by any connection (this
 * process's too), and returns how many, or -1 when the link is lost
 * (open a new connection and listen again: what was sent meanwhile is
 * not delivered). rb_db_notices_poll_ms() is 0 when the socket tells
 * of new notices (PostgreSQL), else how often, in milliseconds, a
 * listener calls rb_db_notices_read() instead (SQLite: a notice is
 * then heard within that time). On SQLite a listener may hear "*"
 * (forget everything) on each of its channels instead of the notices
 * themselves: after more than 1000 at once, or when rows it had not
 * read were deleted (each listener deletes the rows it read a minute
 * before).
 */
typedef void rb_notice_fn(const char *channel, const char *payload,
    void *arg);
/*
 * The channel on which triggers (migrations 0027, 0028, 0030 on
 * PostgreSQL, 0031 on SQLite) name what changed in the tables the
 * subscriber's pages read, whoever wrote it: "contract:<contracts.id>",
 * "account:<web_accounts.id>", or "*" after a change of more than 100
 * of them or an emptied table (PostgreSQL), after a fill or a bulk load
 * (both) (app/pagecache.h). Sent by the engine, not by rb_db_notify(): the
 * hook does not see them.
 */
#define RB_DATA_CHANNEL	"rb_data"
int	 rb_db_notices(rb_db *db);
int	 rb_db_notify(rb_db *db, const char *channel, const char *payload);
void	 rb_db_notice_hook(rb_notice_fn *fn, void *arg);
int	 rb_db_listen(rb_db *db, const char *channel);
int	 rb_db_socket(rb_db *db);
int	 rb_db_notices_read(rb_db *db, rb_notice_fn *fn, void *arg);
int	 rb_db_notices_poll_ms(rb_db *db);
/* Returns 1 when a statement of the transaction open on db (or of the
 * last one) gave RB_RETRY: what fails after it in that transaction is
 * its consequence, to be run again, not a fault to report. */
int	 rb_db_refused(rb_db *db);

/*
 * Runs fn(db, arg) in a transaction opened by rb_db_begin(): commits
 * when fn returns 0, rolls back otherwise. When fn or the commit returns
 * RB_RETRY, or when any statement of the transaction gave RB_RETRY
 * whatever fn made of it (store functions fold failures into -1), rolls
 * back, waits a few random milliseconds (longer each time) and runs fn
 * again, up to RB_DB_TRIES times in all; fn must
 * therefore keep no state across calls but what it recomputes. Returns
 * 0 once committed, RB_RETRY when every try was refused, -1 when the
 * transaction cannot be opened or committed, or fn's other non-zero
 * result (rolled back). Call it outside a transaction.
 */
#define RB_DB_TRIES	8
typedef int rb_txn_fn(rb_db *db, void *arg);
int	 rb_db_transact(rb_db *db, rb_txn_fn *fn, void *arg);

/*
 * Savepoints, inside a transaction only, nested as a stack: the engine
 * may abandon a whole transaction after one failed statement
 * (PostgreSQL does: every later statement fails until the rollback), so
 * work that carries on after a refused change (an import skipping a bad
 * row) runs each risky part between rb_db_savepoint() and either
 * rb_db_release() (keep its changes) or rb_db_rollback_to() (undo them,
 * the transaction usable again). Each pops or pushes one level and
 * returns 0, or -1 (logged) outside a transaction or with no savepoint
 * to end. rb_db_commit() and rb_db_rollback() end all open savepoints.
 */
int	 rb_db_savepoint(rb_db *db);
int	 rb_db_release(rb_db *db);
int	 rb_db_rollback_to(rb_db *db);

/*
 * Text comparisons and orderings are bytewise on every engine (the order
 * of Unicode code points, 'B' < 'a' < 'é'): SQLite compares so by
 * default, and PostgreSQL databases are created with LC_COLLATE "C"
 * (rb_db_open() warns otherwise). A query whose order must not depend
 * on the database's settings says so with ORDER BY x COLLATE "C", which
 * both engines accept. LIKE differs (case-blind for ASCII on SQLite,
 * case-sensitive on PostgreSQL): compare lower(x) LIKE lower($1).
 *
 * Work that one server of several must do once (the mail outbox,
 * alerts, exports, batches) is claimed inside rb_db_begin() with
 *	SELECT id FROM t WHERE ... LIMIT n FOR UPDATE SKIP LOCKED
 * then marked as taken before the commit: PostgreSQL skips the rows
 * another server holds; SQLite drops the "FOR UPDATE [SKIP LOCKED]"
 * phrase, its write lock taken at BEGIN already lets one claimer in.
 */

/* Prepared statements db keeps (used or idle), for tests and metrics:
   each connection prepares a text once and reuses it. */
size_t	 rb_db_cached(rb_db *db);
/* Round trips to the database server db waited for since it was opened
   (a statement, a prepare, a batch, a commit waited for...), for tests
   and measures; 0 on an engine without a server (SQLite). */
uint64_t rb_db_round_trips(rb_db *db);

/*
 * Tunes db for one writer loading many rows into a database that no
 * other connection uses and whose content can be made again (the demo
 * generator), when on is 1; restores the settings of rb_db_open() when
 * on is 0. On SQLite: a rollback journal in memory instead of the WAL,
 * so each page is written once instead of twice; no sync to disk; a
 * page cache of 256 MiB; foreign keys and CHECK constraints not
 * enforced (UNIQUE and NOT NULL still are): the loader must write valid
 * rows, and its tests check them afterwards; the data notices'
 * triggers quiet until it is off, which sends "*" (a quiet mark left
 * by a load that never ended is taken away by the next listener,
 * rb_db_listen()). Transactions and rollback
 * work as usual, but a crash of the machine, or of the process in a
 * transaction, may leave the database unusable. Call it outside a
 * transaction. Returns 0, or -1 (logged) when the engine refuses (on
 * SQLite: another connection has the database open), the settings then
 * unspecified.
 */
int	 rb_db_bulk_load(rb_db *db, int on);

/*
 * Bulk copy of many rows into one table, the fastest way the engine
 * takes them: PostgreSQL's COPY FROM STDIN (rows streamed in batches,
 * one round trip per batch, not per row); on SQLite a prepared INSERT
 * run once per row (in process, no round trip to save). table and the
 * ncols (1..64) names in cols are plain identifiers ([a-z_][a-z0-9_]*,
 * checked: -1 otherwise). Between rb_db_copy_begin() and
 * rb_db_copy_end() the connection runs nothing else.
 *
 * rb_db_copy_row() adds one row: fields[0..ncols-1] are texts of any
 * bytes but NUL (tabs, backslashes, newlines, quotes travel as they
 * are); a NULL pointer is SQL NULL, "" the empty text. The engine
 * converts each text to its column's type. A row the engine refuses
 * (a constraint, a text that is no number for an integer column) may
 * show only at rb_db_copy_end(), and then refuses the whole copy.
 *
 * rb_db_copy_begin() returns 0 or -1 (logged). rb_db_copy_row()
 * returns 0, or -1 when the copy has already failed (the error is
 * given by rb_db_copy_end()). rb_db_copy_end() must follow every
 * successful rb_db_copy_begin(); it returns 0 with the rows copied in
 * *rows (when not NULL), RB_CONSTRAINT, RB_RETRY (see enum rb_step) or
 * -1 (logged); on failure no row of the copy is in the table, and an
 * open transaction must be rolled back (or rolled back to a savepoint)
 * on PostgreSQL.
 *
 * rb_db_copy_begin_fixed() is rb_db_copy_begin() plus nfixed (0..8)
 * columns whose value is the same on every row of the copy:
 * fixed_cols[i] (a plain identifier, none of cols) takes fixed_vals[i]
 * (a text as above, or NULL for SQL NULL) on each row, and the rows
 * given to rb_db_copy_row() hold the ncols others only. On PostgreSQL,
 * inside a fill of that table (below), those values travel once, not
 * on every row: they are the columns' defaults for the copy (ALTER
 * TABLE ... SET DEFAULT in the fill's transaction, whose lock it
 * already holds; rb_db_copy_end() sets the former defaults back, and
 * a rollback does as well); elsewhere, and on SQLite, each row carries
 * them. At 20,000 contracts the three provenance texts of the import
 * were a third of the bytes of a reading sent and parsed.
 *
 * rb_db_copy_pays() is 1 when a copy costs much less than one
 * statement per row (PostgreSQL), 0 when both cost the same (SQLite):
 * code that has a row-by-row path and a set-based one asks it.
 */
int	 rb_db_copy_begin(rb_db *db, const char *table,
	    const char *const *cols, int ncols);
int	 rb_db_copy_begin_fixed(rb_db *db, const char *table,
	    const char *const *cols, int ncols, const char *const *fixed_cols,
	    const char *const *fixed_vals, int nfixed);
int	 rb_db_copy_row(rb_db *db, const char *const *fields);
int	 rb_db_copy_end(rb_db *db, int64_t *rows);
int	 rb_db_copy_pays(const rb_db *db);

/*
 * Filling an empty table with a bulk copy, on an engine whose indexes
 * and foreign keys cost more row by row than built once at the end
 * (PostgreSQL). Inside a transaction, rb_db_fill_begin(db, table)
 * (table a plain identifier as above, its rows about to come by
 * rb_db_copy_*()) sets aside what the engine would otherwise check and
 * maintain for every row: on PostgreSQL its indexes, primary key,
 * unique constraints and foreign keys, their definitions read from the
 * catalog, then dropped (kept: CHECK and NOT NULL; a partial index that
 * is not unique, whose few rows cost less one by one than a scan of
 * the table to build it; a primary key or unique index another table's
 * foreign key uses). rb_db_fill_end(db) builds them again, the same
 * names and definitions, which checks every unique key and foreign
 * key once over the whole table (no ANALYZE: the server's autovacuum
 * gathers the planner's statistics of a table so filled soon after).
 * rb_db_fill_begin_checked(db, table, checked) is the same but for
 * the foreign keys of table to the table checked (a plain identifier,
 * or NULL: none): they come back NOT VALID, enforced on every later
 * write but not scanned over the rows copied, which the caller must
 * have checked itself, each reference against the rows of checked read
 * after this call (the fill locks them: see below); pg_constraint then
 * shows them convalidated false, and ALTER TABLE ... VALIDATE
 * CONSTRAINT scans them whenever wanted. rb_db_fill_begin_verified()
 * is rb_db_fill_begin_checked() for a caller that has also checked
 * every row against the table's CHECK constraints (the import, whose
 * checks of those columns are the same or stricter): on PostgreSQL
 * they are set aside for the copy too and come back NOT VALID, so the
 * server does not test each row copied (a tenth of the copy's time for
 * the invoice lines); they hold for every later write as ever. A
 * verified fill also sets aside a primary key or unique index of the
 * table that other tables' foreign keys use: those keys, which can
 * name no row of the empty table, are dropped first and built again
 * after it, validated or NOT VALID as they were, and their tables
 * stay locked until the transaction ends. On
 * PostgreSQL the fill also
 * numbers the rows a copy leaves to the table's identity column (BY
 * DEFAULT) itself, past the sequence and the table's largest id, and
 * moves the sequence past them at its end; and it compresses the WAL's
 * full-page images (wal_compression lz4) for the transaction where the
 * server has lz4 and the role may set it; and it takes the table's
 * data notices' triggers (rb_data_*, RB_DATA_CHANNEL) away for the copy
 * (dropped, made again at its end: the server gathers the transition
 * table of a disabled trigger all the same), sending the "*" they
 * would have sent itself at its end. Each returns
 * 0, RB_CONSTRAINT
 * (rb_db_fill_end(): the rows break a unique key or a foreign key other
 * than those to checked), RB_RETRY or -1 (logged). After any failure,
 * or instead of rb_db_fill_end(), roll the transaction back: that
 * brings back what was dropped (PostgreSQL's schema changes are
 * transactional); a commit of a fill not ended is refused (rolled back,
 * -1). Until the transaction ends, the table and the tables its foreign keys reference
 * are locked against every other connection, readers included
 * (PostgreSQL takes ACCESS EXCLUSIVE to drop a foreign key). On SQLite
 * (the per-row cost is in process) the fill only keeps the data
 * notices' triggers quiet for its rows, and its end sends "*" (rows of
 * rb_notices_quiet and rb_notices, migration 0031).
 */
int	 rb_db_fill_begin(rb_db *db, const char *table);
int	 rb_db_fill_begin_checked(rb_db *db, const char *table,
	    const char *checked);
int	 rb_db_fill_begin_verified(rb_db *db, const char *table,
	    const char *checked);
int	 rb_db_fill_end(rb_db *db);

/*
 * Online backup: copies the whole database db, as one consistent
 * snapshot, into a new database file at path, while other connections
 * (the server) keep reading and writing. The copy goes bo_pages pages
 * at a time (>= 1), pausing bo_pause_ms milliseconds between steps so
 * that the server's own I/O goes first; bo_progress, when not NULL, is
 * called after each step with the pages copied and the total. path must
 * not exist or be an empty file (the caller's temporary name); on
 * failure what was written there is left for the caller to remove.
 * Returns 0; RB_BACKUP_UNSUPPORTED when db's engine has no such copy
 * (see rb_db_backup_advice()); RB_BACKUP_REFUSED, before copying, when
 * bo_final names the database file itself; -1 on failure. All but 0
 * fill err with a one-line English reason. Call it outside a
 * transaction.
 */
#define RB_BACKUP_UNSUPPORTED	(-3)
#define RB_BACKUP_REFUSED	(-4)	/* bo_final is the database itself */
struct rb_db_backup_opts {
	const char *bo_final;	/* the name the copy will take, or NULL */
	int	  bo_pages;
	int	  bo_pause_ms;
	void	(*bo_progress)(int64_t done, int64_t total, void *arg);
	void	 *bo_arg;
};
int	 rb_db_backup(rb_db *db, const char *path,
	    const struct rb_db_backup_opts *o, char *err, size_t errlen);
/*
 * NULL when `robinet backup` (rb_db_backup()) can copy the database of
 * url, else one English line saying which tools back that engine up.
 * Reads only the URL's scheme; nothing is opened.
 */
const char *rb_db_backup_advice(const char *url);

/*
 * 1 when a statement, transaction or commit on db failed because the
 * link to the database server was lost (PostgreSQL: the server ended
 * the connection, went away), since db was opened or handed out by its
 * pool; 0 otherwise (always on SQLite). The web server answers such a
 * request's 500 with a 503 "come back shortly".
 */
int	 rb_db_link_lost(rb_db *db);

/* Runs a trivial query: 0 when the database answers, -1 otherwise. */
int	 rb_db_ping(rb_db *db);

/* Process-wide count of database errors since start, for /metrics. */
uint64_t rb_db_errors(void);

/*
 * A pool of connections to one database for the web server's threads.
 * rb_db_pool_new() opens one connection at once to check url, then up to
 * max (>= 1) lazily. Returns NULL with err filled like rb_db_open().
 * rb_db_pool_get() returns an idle connection, opening one if fewer than
 * max exist, and waits while all are busy; it returns NULL only when a
 * new connection cannot be opened (logged). rb_db_pool_put() hands it
 * back: an open transaction is rolled back and statements left unreset
 * are reset, both with a warning. rb_db_pool_free() closes every
 * connection; all must have been put back.
 */
rb_db_pool *rb_db_pool_new(const char *url, int max, char *err, size_t errlen);
rb_db	*rb_db_pool_get(rb_db_pool *pool);
/* As rb_db_pool_get(), but never waits: NULL at once when every
 * connection is busy and max are open (nothing logged then). */
rb_db	*rb_db_pool_try(rb_db_pool *pool);
void	 rb_db_pool_put(rb_db_pool *pool, rb_db *db);
void	 rb_db_pool_free(rb_db_pool *pool);

#endif
