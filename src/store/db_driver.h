/*
 * db_driver.h: what a database engine provides to db.c (internal to
 * src/store, never included above it).
 *
 * Each engine embeds struct rb_db and struct rb_stmt as the first member
 * of its own connection and statement structs and fills a constant
 * rb_db_ops table; db.c checks arguments, counts errors and dispatches.
 */
#ifndef RB_STORE_DB_DRIVER_H
#define RB_STORE_DB_DRIVER_H

#include "store/db.h"

struct rb_db_ops {
	const char	*ops_engine;
	void		 (*ops_close)(rb_db *);
	int		 (*ops_exec)(rb_db *, const char *);
	rb_stmt		*(*ops_prepare)(rb_db *, const char *);
	void		 (*ops_bind_int)(rb_stmt *, int, int64_t);
	void		 (*ops_bind_text)(rb_stmt *, int, const char *, ssize_t);
	void		 (*ops_bind_null)(rb_stmt *, int);
	int		 (*ops_step)(rb_stmt *);
	int64_t		 (*ops_int)(rb_stmt *, int);
	const char	*(*ops_text)(rb_stmt *, int);
	int		 (*ops_is_null)(rb_stmt *, int);
	int64_t		 (*ops_changes)(rb_stmt *);
	void		 (*ops_reset)(rb_stmt *);
	int		 (*ops_begin)(rb_db *);
	int		 (*ops_begin_read)(rb_db *);
	int		 (*ops_commit)(rb_db *);
	int		 (*ops_rollback)(rb_db *);
	int		 (*ops_in_transaction)(rb_db *);
	/* Resets statements still in use; returns how many there were. */
	int		 (*ops_reset_all)(rb_db *);
	int		 (*ops_bulk_load)(rb_db *, int);
	/* Savepoint statements for savepoint name (db.c counts levels):
	   make it, release it, roll back to it (and release it). */
	int		 (*ops_savepoint)(rb_db *, const char *);
	int		 (*ops_release)(rb_db *, const char *);
	int		 (*ops_rollback_to)(rb_db *, const char *);
	/* Prepared statements kept by the connection. */
	size_t		 (*ops_cached)(rb_db *);
	/* rb_db_backup(); NULL: the engine has no copy to a file. */
	int		 (*ops_backup)(rb_db *, const char *,
			    const struct rb_db_backup_opts *, char *, size_t);
	/* rb_db_copy_*(); NULL: db.c runs a prepared INSERT per row.
	   begin gets "COPY table (cols)"-ready names, checked by db.c,
	   then the fixed columns, their values and how many (0..8). */
	int		 (*ops_copy_begin)(rb_db *, const char *, const char *const *,
			    int, const char *const *, const char *const *, int);
	int		 (*ops_copy_row)(rb_db *, const char *const *, int);
	int		 (*ops_copy_end)(rb_db *, int64_t *);
	/* rb_db_fill_begin_checked() / rb_db_fill_end(), in a
	   transaction, table (and checked, NULL or a table) checked by
	   db.c, then 1 when the caller has checked the rows against the
	   table's CHECK constraints (rb_db_fill_begin_verified()); each returns 0 or an enum rb_step failure. NULL: nothing
	   to set aside (both return 0). */
	int		 (*ops_fill_begin)(rb_db *, const char *, const char *,
			    int);
	int		 (*ops_fill_end)(rb_db *);
	/* 0 when the link to the server is known to be lost (the pool
	   then closes the connection instead of handing it out); NULL:
	   always 1 (a file). Cheap: never waits for the server. */
	int		 (*ops_alive)(rb_db *);
	/* rb_db_fetch_batch(): makes the results of sts[0..n-1], prepared
	   and bound, ready to step, all in one go where the engine gains
	   by it; a statement may still run at its first step (SQLite:
	   all do). 0, or -1 when nothing was run (each then runs at its
	   step). NULL: every statement runs at its step. */
	int		 (*ops_batch)(rb_db *, rb_stmt **, size_t);
	/* rb_db_round_trips(); NULL: 0. */
	uint64_t	 (*ops_round_trips)(rb_db *);
	/* 1 when st never writes (rb_db_writes()); NULL: any may. */
	int		 (*ops_readonly)(rb_stmt *);
	/* Notices (db.h); all NULL: the engine has none. notify sends
	   (channel, payload), checked by db.c, in the open transaction or
	   at once; listen subscribes the connection, outside a
	   transaction; socket gives its descriptor; notices calls fn for
	   each notice arrived without waiting: how many, -1 link lost. */
	int		 (*ops_notify)(rb_db *, const char *, const char *);
	int		 (*ops_listen)(rb_db *, const char *);
	int		 (*ops_socket)(rb_db *);
	int		 (*ops_notices)(rb_db *, rb_notice_fn *, void *);
	/* rb_db_notices_poll_ms(): 0 when socket tells of notices. */
	int		 ops_notices_poll_ms;
	/* rb_db_shares_reads(). */
	int		 ops_shares_reads;
};

struct rb_db {
	const struct rb_db_ops	*db_ops;
	int			 db_savepoints;	/* open levels (db.c) */
	int			 db_refused;	/* a statement of the open
						   transaction gave RB_RETRY
						   (db.c, for rb_db_transact) */
	/* A copy in progress (db.c): its columns, and for engines
	   without ops_copy_*, the INSERT run per row and its result. */
	int			 db_copy_cols;	/* 0: none */
	char			*db_copy_sql;
	int			 db_copy_own;	/* 1: began a transaction,
						   2: a savepoint */
	int			 db_copy_rc;
	int64_t			 db_copy_rows;
	char			**db_copy_fixed; /* values bound after the
						   row's (no ops_copy_*) */
	int			 db_copy_nfixed;
	int			 db_lost;	/* a failure was the link's
						   loss (db.c; cleared by the
						   pool when handed out) */
	int			 db_joined;	/* rb_db_begin_read() calls
						   that joined the open
						   transaction and are not
						   ended yet (db.c; cleared by
						   the pool) */
	int			 db_wrote;	/* may have written since the
						   last write made visible
						   (db.c, rb_db_writes()) */
	/* Notices sent in the open transaction, for the process's hook
	   at its commit (db.c): "channel\0payload" each; past the 8th, the
	   last entry becomes "channel\0*" (everything may be stale). */
	char			*db_notes[8];
	int			 db_notes_n;
};

struct rb_stmt {
	rb_db			*st_db;
};

/*
 * Opens an SQLite connection from the part of the URL after "sqlite:".
 * Same contract as rb_db_open().
 */
int	rb_sqlite_open(const char *spec, rb_db **out, char *err, size_t errlen);

/*
 * Opens a PostgreSQL connection from a whole postgresql:// or
 * postgres:// URL (libpq's syntax). Same contract as rb_db_open().
 */
int	rb_pg_open(const char *url, rb_db **out, char *err, size_t errlen);

/* Counts one database error (see rb_db_errors()). */
void	rb_db_count_error(void);

/*
 * Writes into out (outlen bytes) the start of sql, whitespace collapsed,
 * cut after a few words: enough to recognise a statement in a log line.
 */
void	rb_db_sql_head(const char *sql, char *out, size_t outlen);

#endif
