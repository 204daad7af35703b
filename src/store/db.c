/*
 * db.c: the engine-independent half of db.h. It reads the scheme of a
 * database URL to pick a driver, forwards every call to the driver's
 * operation table, and keeps the process-wide error count.
 */
#include <ctype.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/db_driver.h"

static atomic_uint_fast64_t db_error_count;
static atomic_uint_fast64_t db_write_count;	/* rb_db_writes() */

void
rb_db_count_error(void)
{
	atomic_fetch_add_explicit(&db_error_count, 1, memory_order_relaxed);
}

uint64_t
rb_db_errors(void)
{
	return atomic_load_explicit(&db_error_count, memory_order_relaxed);
}

void
rb_db_sql_head(const char *sql, char *out, size_t outlen)
{
	size_t n = 0;
	int words = 0, space = 1;
	const char *p;

	if (outlen == 0)
		return;
	for (p = sql; *p != '\0' && n + 4 < outlen; p++) {
		if (isspace((unsigned char)*p)) {
			if (!space && ++words == 6)
				break;
			space = 1;
			continue;
		}
		if (space && n > 0)
			out[n++] = ' ';
		space = 0;
		out[n++] = *p;
	}
	if (*p != '\0' && n + 3 < outlen) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/*
 * Copies the scheme of url (letters, digits, '+', '-', '.' before ':')
 * into scheme; returns 0, or -1 when url has no scheme.
 */
static int
url_scheme(const char *url, char *scheme, size_t len)
{
	size_t n = 0;

	if (!isalpha((unsigned char)url[0]))
		return -1;
	while (isalnum((unsigned char)url[n]) || url[n] == '+' ||
	    url[n] == '-' || url[n] == '.')
		n++;
	if (url[n] != ':' || n >= len)
		return -1;
	memcpy(scheme, url, n);
	scheme[n] = '\0';
	return 0;
}

int
rb_db_open(const char *url, rb_db **out, char *err, size_t errlen)
{
	char scheme[32];

	*out = NULL;
	if (url == NULL || url[0] == '\0') {
		snprintf(err, errlen, "empty database URL (use sqlite:PATH)");
		return -1;
	}
	if (url_scheme(url, scheme, sizeof(scheme)) != 0) {
		/* The URL may hold a password: never echo it. */
		snprintf(err, errlen,
		    "database URL has no scheme (use sqlite:PATH)");
		return -1;
	}
	if (strcasecmp(scheme, "sqlite") == 0)
		return rb_sqlite_open(url + strlen(scheme) + 1, out, err,
		    errlen);
	if (strcasecmp(scheme, "postgresql") == 0 ||
	    strcasecmp(scheme, "postgres") == 0)
		return rb_pg_open(url, out, err, errlen);
	snprintf(err, errlen, "unknown database URL scheme \"%s\" "
	    "(use sqlite:PATH or postgresql://...)", scheme);
	return -1;
}

/* Notices (db.h). The hook is set once, before threads start. */
static rb_notice_fn	*notice_hook;
static void		*notice_hook_arg;

#define NOTES_MAX	((int)(sizeof(((rb_db *)0)->db_notes) / \
			    sizeof(((rb_db *)0)->db_notes[0])))

/* Forgets the notices of the transaction that ended (rolled back, or
   given to the hook). */
static void
notes_drop(rb_db *db)
{
	int i;

	for (i = 0; i < db->db_notes_n && i < NOTES_MAX; i++) {
		free(db->db_notes[i]);
		db->db_notes[i] = NULL;
	}
	db->db_notes_n = 0;
}

/* The transaction committed: the hook gets its notices. */
static void
notes_deliver(rb_db *db)
{
	int i;

	if (notice_hook != NULL)
		for (i = 0; i < db->db_notes_n && i < NOTES_MAX; i++)
			notice_hook(db->db_notes[i], db->db_notes[i] +
			    strlen(db->db_notes[i]) + 1, notice_hook_arg);
	notes_drop(db);
}

/* Keeps (channel, payload) for the hook at the commit. */
static void
notes_add(rb_db *db, const char *channel, const char *payload)
{
	size_t nc = strlen(channel), np = strlen(payload);
	char *n;
	int at = db->db_notes_n < NOTES_MAX ? db->db_notes_n : NOTES_MAX - 1;

	if (db->db_notes_n >= NOTES_MAX) {
		payload = "*";
		np = 1;
	}
	n = rb_xmalloc(nc + np + 2);
	memcpy(n, channel, nc + 1);
	memcpy(n + nc + 1, payload, np + 1);
	free(db->db_notes[at]);
	db->db_notes[at] = n;
	db->db_notes_n++;
}

void
rb_db_notice_hook(rb_notice_fn *fn, void *arg)
{
	notice_hook = fn;
	notice_hook_arg = arg;
}

int
rb_db_notices(rb_db *db)
{
	return db->db_ops->ops_notify != NULL;
}

static void	copy_fixed_free(rb_db *);
static int	copy_name_ok(const char *);
static int	note_failure(rb_db *, int);

int
rb_db_notify(rb_db *db, const char *channel, const char *payload)
{
	int rc;

	if (db->db_ops->ops_notify == NULL)
		return 0;
	if (!copy_name_ok(channel) || payload == NULL ||
	    strlen(payload) >= 8000) {
		log_errx("notify: bad channel name or payload");
		rb_db_count_error();
		return -1;
	}
	rc = note_failure(db, db->db_ops->ops_notify(db, channel, payload));
	if (rc == RB_RETRY)
		db->db_refused = 1;
	if (rc != 0)
		return -1;
	if (db->db_ops->ops_in_transaction(db))
		notes_add(db, channel, payload);
	else if (notice_hook != NULL)
		notice_hook(channel, payload, notice_hook_arg);
	return 0;
}

int
rb_db_listen(rb_db *db, const char *channel)
{
	if (db->db_ops->ops_listen == NULL || !copy_name_ok(channel) ||
	    db->db_ops->ops_in_transaction(db)) {
		log_errx("listen: no notices on this engine, bad channel "
		    "name or a transaction is open");
		rb_db_count_error();
		return -1;
	}
	return note_failure(db, db->db_ops->ops_listen(db, channel)) == 0 ?
	    0 : -1;
}

int
rb_db_socket(rb_db *db)
{
	return db->db_ops->ops_socket != NULL ? db->db_ops->ops_socket(db) :
	    -1;
}

int
rb_db_notices_poll_ms(rb_db *db)
{
	return db->db_ops->ops_notices_poll_ms;
}

int
rb_db_notices_read(rb_db *db, rb_notice_fn *fn, void *arg)
{
	if (db->db_ops->ops_notices == NULL)
		return -1;
	return db->db_ops->ops_notices(db, fn, arg);
}

void
rb_db_close(rb_db *db)
{
	if (db == NULL)
		return;
	free(db->db_copy_sql);
	copy_fixed_free(db);
	notes_drop(db);
	db->db_ops->ops_close(db);
}

const char *
rb_db_engine(const rb_db *db)
{
	return db->db_ops->ops_engine;
}

/* After a failure: notes whether the link to the server was lost. */
static int
note_failure(rb_db *db, int rc)
{
	if (rc == RB_ERR && db->db_ops->ops_alive != NULL &&
	    !db->db_ops->ops_alive(db))
		db->db_lost = 1;
	return rc;
}

int
rb_db_refused(rb_db *db)
{
	return db->db_refused;
}

int
rb_db_link_lost(rb_db *db)
{
	return db->db_lost;
}

uint64_t
rb_db_writes(void)
{
	return atomic_load_explicit(&db_write_count, memory_order_acquire);
}

/* What db may have written is visible to other connections once no
   transaction is open: counted then (rb_db_writes()). */
static void
writes_seen(rb_db *db)
{
	if (db->db_wrote && !db->db_ops->ops_in_transaction(db)) {
		db->db_wrote = 0;
		atomic_fetch_add_explicit(&db_write_count, 1,
		    memory_order_release);
	}
}

int
rb_db_shares_reads(rb_db *db)
{
	return db->db_ops->ops_shares_reads;
}

int
rb_db_exec(rb_db *db, const char *sql)
{
	int rc;

	db->db_wrote = 1;
	rc = note_failure(db, db->db_ops->ops_exec(db, sql));
	writes_seen(db);
	return rc;
}

rb_stmt *
rb_db_prepare(rb_db *db, const char *sql)
{
	rb_stmt *st = db->db_ops->ops_prepare(db, sql);

	if (st == NULL)
		note_failure(db, RB_ERR);
	return st;
}

void
rb_stmt_bind_int(rb_stmt *st, int idx, int64_t v)
{
	st->st_db->db_ops->ops_bind_int(st, idx, v);
}

void
rb_stmt_bind_text(rb_stmt *st, int idx, const char *s, ssize_t len)
{
	if (s == NULL)
		st->st_db->db_ops->ops_bind_null(st, idx);
	else
		st->st_db->db_ops->ops_bind_text(st, idx, s, len);
}

void
rb_stmt_bind_null(rb_stmt *st, int idx)
{
	st->st_db->db_ops->ops_bind_null(st, idx);
}

int
rb_stmt_step(rb_stmt *st)
{
	const struct rb_db_ops *ops = st->st_db->db_ops;
	int rc;

	if (ops->ops_readonly == NULL || !ops->ops_readonly(st))
		st->st_db->db_wrote = 1;
	rc = ops->ops_step(st);
	if (rc == RB_RETRY)
		st->st_db->db_refused = 1;
	return note_failure(st->st_db, rc);
}

int64_t
rb_stmt_int(rb_stmt *st, int col)
{
	return st->st_db->db_ops->ops_int(st, col);
}

const char *
rb_stmt_text(rb_stmt *st, int col)
{
	return st->st_db->db_ops->ops_text(st, col);
}

int
rb_stmt_is_null(rb_stmt *st, int col)
{
	return st->st_db->db_ops->ops_is_null(st, col);
}

int64_t
rb_stmt_changes(rb_stmt *st)
{
	return st->st_db->db_ops->ops_changes(st);
}

void
rb_stmt_reset(rb_stmt *st)
{
	if (st == NULL)
		return;
	st->st_db->db_ops->ops_reset(st);
	writes_seen(st->st_db);
}

int
rb_db_begin(rb_db *db)
{
	db->db_refused = 0;
	notes_drop(db);
	return note_failure(db, db->db_ops->ops_begin(db));
}

/*
 * A read inside a transaction already open (a page's read transaction,
 * rb_route_serve() in web/routes.c; a use case's, or a write
 * transaction's) joins it: nothing is sent to the engine, and the
 * commit or rollback that ends the read only counts it off, leaving the
 * transaction to whoever opened it.
 */
int
rb_db_begin_read(rb_db *db)
{
	if (db->db_ops->ops_in_transaction(db)) {
		db->db_joined++;
		return 0;
	}
	db->db_joined = 0;
	db->db_refused = 0;
	return note_failure(db, db->db_ops->ops_begin_read(db));
}

/* 1 when the end of a transaction is that of a joined read (counted
   off); 0 when it ends the transaction itself. A count left over from
   a transaction the engine ended on its own is dropped. */
static int
joined_end(rb_db *db)
{
	if (db->db_joined > 0 && !db->db_ops->ops_in_transaction(db))
		db->db_joined = 0;
	if (db->db_joined == 0)
		return 0;
	db->db_joined--;
	return 1;
}

int
rb_db_commit(rb_db *db)
{
	int rc;

	if (joined_end(db))
		return 0;
	db->db_savepoints = 0;
	rc = note_failure(db, db->db_ops->ops_commit(db));
	if (rc == 0) {
		writes_seen(db);
		notes_deliver(db);
	} else
		notes_drop(db);
	return rc;
}

int
rb_db_rollback(rb_db *db)
{
	if (joined_end(db))
		return 0;
	db->db_savepoints = 0;
	db->db_wrote = 0;
	notes_drop(db);
	return db->db_ops->ops_rollback(db);
}

/* Sleeps a random 1..(2^try) ms, at most 256 ms, between retries. */
static void
retry_pause(int try)
{
	struct timespec ts;
	uint32_t ms;

	ms = 1 + randombytes_uniform(1u << (try < 8 ? try : 8));
	ts.tv_sec = 0;
	ts.tv_nsec = (long)ms * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * The engine's refusal is what counts: store functions that fold every
 * failure into -1 still get their transaction run again once one of its
 * statements (or the commit) gave RB_RETRY, since the engine has
 * abandoned that transaction anyway (PostgreSQL fails every later
 * statement and the commit).
 */
int
rb_db_transact(rb_db *db, rb_txn_fn *fn, void *arg)
{
	int try, rc;

	for (try = 0; try < RB_DB_TRIES; try++) {
		if (try > 0)
			retry_pause(try);
		if (rb_db_begin(db) != 0)
			return -1;
		if ((rc = fn(db, arg)) == 0) {
			if ((rc = rb_db_commit(db)) == 0)
				return 0;
			/* A failed commit may leave the transaction open. */
			rb_db_rollback(db);
			if (rc != RB_RETRY && !db->db_refused)
				return -1;
			continue;
		}
		rb_db_rollback(db);
		if (rc != RB_RETRY && !db->db_refused)
			return rc;
	}
	log_warnx("transaction refused %d times in a row: giving up",
	    RB_DB_TRIES);
	return RB_RETRY;
}

#define SAVEPOINT_NAME_MAX	24

static void
savepoint_name(char *name, size_t len, int level)
{
	snprintf(name, len, "rb_sp%d", level);
}

int
rb_db_savepoint(rb_db *db)
{
	char name[SAVEPOINT_NAME_MAX];

	if (!db->db_ops->ops_in_transaction(db)) {
		log_errx("savepoint: no transaction is open");
		rb_db_count_error();
		return -1;
	}
	savepoint_name(name, sizeof(name), db->db_savepoints + 1);
	if (db->db_ops->ops_savepoint(db, name) != 0)
		return -1;
	db->db_savepoints++;
	return 0;
}

/* Ends the latest savepoint: release, or roll back to it when undo. */
static int
savepoint_end(rb_db *db, int undo, const char *func)
{
	char name[SAVEPOINT_NAME_MAX];
	int rc;

	if (db->db_savepoints < 1 || !db->db_ops->ops_in_transaction(db)) {
		rb_log(RB_LOG_ERROR, func, "no savepoint is open");
		rb_db_count_error();
		return -1;
	}
	savepoint_name(name, sizeof(name), db->db_savepoints);
	rc = undo ? db->db_ops->ops_rollback_to(db, name) :
	    db->db_ops->ops_release(db, name);
	if (rc == 0)
		db->db_savepoints--;
	return rc == 0 ? 0 : -1;
}

int
rb_db_release(rb_db *db)
{
	return savepoint_end(db, 0, __func__);
}

int
rb_db_rollback_to(rb_db *db)
{
	return savepoint_end(db, 1, __func__);
}

size_t
rb_db_cached(rb_db *db)
{
	return db->db_ops->ops_cached(db);
}

int
rb_db_in_transaction(rb_db *db)
{
	return db->db_ops->ops_in_transaction(db);
}

int
rb_db_bulk_load(rb_db *db, int on)
{
	if (db->db_ops->ops_in_transaction(db)) {
		log_errx("bulk load: a transaction is open");
		rb_db_count_error();
		return -1;
	}
	return db->db_ops->ops_bulk_load(db, on);
}

const char *
rb_db_backup_advice(const char *url)
{
	char scheme[32];

	if (url != NULL && url_scheme(url, scheme, sizeof(scheme)) == 0 &&
	    (strcasecmp(scheme, "postgresql") == 0 ||
	    strcasecmp(scheme, "postgres") == 0))
		return "a PostgreSQL database is backed up with PostgreSQL's "
		    "own tools: pg_dump for a logical copy, pg_basebackup "
		    "(with WAL archiving) for point-in-time recovery; see "
		    "docs/deploy.md";
	return NULL;
}

int
rb_db_backup(rb_db *db, const char *path,
    const struct rb_db_backup_opts *o, char *err, size_t errlen)
{
	if (db->db_ops->ops_backup == NULL) {
		snprintf(err, errlen, "the %s engine has no built-in backup: "
		    "use its own tools (docs/deploy.md)",
		    db->db_ops->ops_engine);
		return RB_BACKUP_UNSUPPORTED;
	}
	if (db->db_ops->ops_in_transaction(db)) {
		snprintf(err, errlen, "backup: a transaction is open");
		return -1;
	}
	if (o->bo_pages < 1 || o->bo_pause_ms < 0) {
		snprintf(err, errlen, "backup: bad step (%d pages, %d ms)",
		    o->bo_pages, o->bo_pause_ms);
		return -1;
	}
	return db->db_ops->ops_backup(db, path, o, err, errlen);
}

uint64_t
rb_db_round_trips(rb_db *db)
{
	return db->db_ops->ops_round_trips != NULL ?
	    db->db_ops->ops_round_trips(db) : 0;
}

int
rb_db_ping(rb_db *db)
{
	rb_stmt *st;
	int rc = -1;

	if ((st = rb_db_prepare(db, "SELECT 1")) == NULL)
		return -1;
	if (rb_stmt_step(st) == RB_ROW && rb_stmt_int(st, 0) == 1)
		rc = 0;
	rb_stmt_reset(st);
	return rc;
}

void
rb_stmt_bind_all(rb_stmt *st, const struct rb_bind *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (b[i].b_kind) {
		case RB_BIND_INT:
			rb_stmt_bind_int(st, (int)i + 1, b[i].b_int);
			break;
		case RB_BIND_TEXT:
			rb_stmt_bind_text(st, (int)i + 1, b[i].b_text,
			    b[i].b_len);
			break;
		default:
			rb_stmt_bind_null(st, (int)i + 1);
			break;
		}
	}
}

int
rb_db_run(rb_db *db, const char *sql, const struct rb_bind *b, size_t n,
    int64_t *changes)
{
	rb_stmt *st;
	int rc;

	if (changes != NULL)
		*changes = 0;
	if ((st = rb_db_prepare(db, sql)) == NULL)
		return RB_ERR;
	rb_stmt_bind_all(st, b, n);
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		;
	if (rc == RB_DONE && changes != NULL)
		*changes = rb_stmt_changes(st);
	rb_stmt_reset(st);
	if (rc == RB_DONE || rc == RB_CONSTRAINT || rc == RB_RETRY)
		return rc;
	return RB_ERR;
}

void
rb_row_int(rb_stmt *st, void *arg)
{
	*(int64_t *)arg = rb_stmt_int(st, 0);
}

void
rb_row_first(rb_stmt *st, void *arg)
{
	struct rb_db_first *f = arg;

	if (f->df_found)
		return;
	f->df_found = 1;
	f->df_row(st, f->df_arg);
}

int
rb_db_fetch_one(rb_db *db, const char *sql, const struct rb_bind *b,
    size_t n, rb_row_fn *row, void *arg)
{
	rb_stmt *st;
	int rc, found = 0;

	if ((st = rb_db_prepare(db, sql)) == NULL)
		return RB_ERR;
	rb_stmt_bind_all(st, b, n);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		found = 1;
		if (row != NULL)
			row(st, arg);
		while ((rc = rb_stmt_step(st)) == RB_ROW)
			;
	}
	rb_stmt_reset(st);
	if (rc == RB_DONE)
		return found ? 0 : 1;
	return rc == RB_CONSTRAINT || rc == RB_RETRY ? rc : RB_ERR;
}

int
rb_db_fetch_all(rb_db *db, const char *sql, const struct rb_bind *b,
    size_t n, rb_row_fn *row, void *arg)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_all(st, b, n);
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		row(st, arg);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : rc == RB_RETRY ? RB_RETRY : -1;
}

/*
 * See db.h. Every statement is prepared and bound first (a text new to
 * the connection is prepared then, on its own), the driver runs them
 * together (ops_batch), then each is stepped in order into its row
 * callback: a statement the driver left unrun runs at its first step.
 */
int
rb_db_fetch_batch(rb_db *db, struct rb_db_read *r, size_t n)
{
	rb_stmt *one[8], **st = n <= 8 ? one : rb_xcalloc(n, sizeof(*st));
	size_t i, ready;
	int rc, first = 0;

	for (i = 0; i < n; i++)
		r[i].dr_rc = RB_ERR;
	for (ready = 0; ready < n; ready++) {
		if ((st[ready] = rb_db_prepare(db, r[ready].dr_sql)) == NULL)
			break;
		rb_stmt_bind_all(st[ready], r[ready].dr_b, r[ready].dr_n);
	}
	if (ready < n)
		first = RB_ERR;		/* r[ready] does not compile: none runs */
	else if (n > 0 && db->db_ops->ops_batch != NULL)
		(void)db->db_ops->ops_batch(db, st, n);
	for (i = 0; i < ready; i++) {
		if (first == 0) {
			while ((rc = rb_stmt_step(st[i])) == RB_ROW)
				r[i].dr_row(st[i], r[i].dr_arg);
			r[i].dr_rc = rc == RB_DONE ? 0 : rc == RB_RETRY ?
			    RB_RETRY : RB_ERR;
			first = r[i].dr_rc;
		}
		rb_stmt_reset(st[i]);
	}
	if (st != one)
		free(st);
	return first;
}

int
rb_db_purge(rb_db *db, const char *sql, int64_t before)
{
	return rb_db_run(db, sql, RB_BINDS(rb_int(before)), NULL) == RB_DONE ?
	    0 : -1;
}

/* Bulk copy (see db.h). */

#define COPY_MAX_COLS	64
#define COPY_MAX_FIXED	8

/* A plain identifier: [a-z_][a-z0-9_]*, at most 63 bytes. */
static int
copy_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_') || i >= 63)
			return 0;
	return 1;
}

/* The fixed values of the copy in progress (no ops_copy_*), freed. */
static void
copy_fixed_free(rb_db *db)
{
	int i;

	for (i = 0; i < db->db_copy_nfixed; i++)
		free(db->db_copy_fixed[i]);
	free(db->db_copy_fixed);
	db->db_copy_fixed = NULL;
	db->db_copy_nfixed = 0;
}

int
rb_db_copy_begin(rb_db *db, const char *table, const char *const *cols,
    int ncols)
{
	return rb_db_copy_begin_fixed(db, table, cols, ncols, NULL, NULL, 0);
}

int
rb_db_copy_begin_fixed(rb_db *db, const char *table,
    const char *const *cols, int ncols, const char *const *fixed_cols,
    const char *const *fixed_vals, int nfixed)
{
	char sql[(COPY_MAX_COLS + COPY_MAX_FIXED) * 72 + 256];
	size_t off;
	int i, j;

	if (db->db_copy_cols != 0) {
		log_errx("copy: a copy is already in progress");
		rb_db_count_error();
		return -1;
	}
	if (ncols < 1 || ncols > COPY_MAX_COLS || !copy_name_ok(table)) {
		log_errx("copy: bad table name or column count");
		rb_db_count_error();
		return -1;
	}
	if (nfixed < 0 || nfixed > COPY_MAX_FIXED ||
	    (nfixed > 0 && (fixed_cols == NULL || fixed_vals == NULL))) {
		log_errx("copy: bad fixed column count");
		rb_db_count_error();
		return -1;
	}
	for (i = 0; i < ncols + nfixed; i++) {
		const char *c = i < ncols ? cols[i] : fixed_cols[i - ncols];

		if (!copy_name_ok(c)) {
			log_errx("copy: bad column name");
			rb_db_count_error();
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(c, j < ncols ? cols[j] :
			    fixed_cols[j - ncols]) == 0) {
				log_errx("copy: column %s given twice", c);
				rb_db_count_error();
				return -1;
			}
	}
	db->db_copy_rc = 0;
	db->db_copy_rows = 0;
	db->db_wrote = 1;
	if (db->db_ops->ops_copy_begin != NULL) {
		if (db->db_ops->ops_copy_begin(db, table, cols, ncols,
		    fixed_cols, fixed_vals, nfixed) != 0)
			return -1;
		db->db_copy_cols = ncols;
		return 0;
	}
	/* Common SQL, names checked above: INSERT INTO t (a, b, f) VALUES
	   ($1, $2, $3), the fixed columns last. */
	off = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", table);
	for (i = 0; i < ncols + nfixed; i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s%s",
		    i ? ", " : "", i < ncols ? cols[i] : fixed_cols[i - ncols]);
	off += (size_t)snprintf(sql + off, sizeof(sql) - off, ") VALUES (");
	for (i = 0; i < ncols + nfixed; i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s$%d",
		    i ? ", " : "", i + 1);
	snprintf(sql + off, sizeof(sql) - off, ")");
	/* All or nothing, like a COPY statement. */
	if (db->db_ops->ops_in_transaction(db)) {
		if (rb_db_savepoint(db) != 0)
			return -1;
		db->db_copy_own = 2;
	} else {
		if (rb_db_begin(db) != 0)
			return -1;
		db->db_copy_own = 1;
	}
	free(db->db_copy_sql);
	db->db_copy_sql = rb_xstrdup(sql);
	db->db_copy_cols = ncols;
	copy_fixed_free(db);
	if (nfixed > 0) {
		db->db_copy_fixed = rb_xcalloc((size_t)nfixed,
		    sizeof(*db->db_copy_fixed));
		for (i = 0; i < nfixed; i++)
			db->db_copy_fixed[i] = fixed_vals[i] == NULL ? NULL :
			    rb_xstrdup(fixed_vals[i]);
		db->db_copy_nfixed = nfixed;
	}
	return 0;
}

int
rb_db_copy_row(rb_db *db, const char *const *fields)
{
	rb_stmt *st;
	int i, rc;

	if (db->db_copy_cols == 0) {
		log_errx("copy: no copy in progress");
		rb_db_count_error();
		return -1;
	}
	if (db->db_copy_rc != 0)
		return -1;
	if (db->db_ops->ops_copy_row != NULL) {
		if (db->db_ops->ops_copy_row(db, fields,
		    db->db_copy_cols) != 0) {
			db->db_copy_rc = RB_ERR;
			return -1;
		}
		return 0;
	}
	/* The connection's cache hands the same statement back. */
	if ((st = rb_db_prepare(db, db->db_copy_sql)) == NULL) {
		db->db_copy_rc = RB_ERR;
		return -1;
	}
	for (i = 0; i < db->db_copy_cols; i++)
		rb_stmt_bind_text(st, i + 1, fields[i], -1);
	for (i = 0; i < db->db_copy_nfixed; i++)
		rb_stmt_bind_text(st, db->db_copy_cols + i + 1,
		    db->db_copy_fixed[i], -1);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		db->db_copy_rc = rc == RB_ROW ? RB_ERR : rc;
		return -1;
	}
	db->db_copy_rows++;
	return 0;
}

int
rb_db_copy_end(rb_db *db, int64_t *rows)
{
	int64_t n = 0;
	int rc;

	if (rows != NULL)
		*rows = 0;
	if (db->db_copy_cols == 0) {
		log_errx("copy: no copy in progress");
		rb_db_count_error();
		return -1;
	}
	db->db_copy_cols = 0;
	if (db->db_ops->ops_copy_end != NULL) {
		rc = db->db_ops->ops_copy_end(db, &n);
		if (rc == 0 && db->db_copy_rc != 0)
			rc = -1;
	} else {
		free(db->db_copy_sql);
		db->db_copy_sql = NULL;
		copy_fixed_free(db);
		rc = db->db_copy_rc;
		if (db->db_copy_own == 2 && rc == 0)
			rc = rb_db_release(db);
		else if (db->db_copy_own == 2)
			(void)rb_db_rollback_to(db);
		else if (rc == 0)
			rc = rb_db_commit(db);
		else
			(void)rb_db_rollback(db);
		db->db_copy_own = 0;
		n = db->db_copy_rows;
	}
	if (rc == RB_RETRY)
		db->db_refused = 1;
	writes_seen(db);
	if (rc != 0)
		return rc == RB_CONSTRAINT || rc == RB_RETRY ? rc : -1;
	if (rows != NULL)
		*rows = n;
	return 0;
}

int
rb_db_fill_begin(rb_db *db, const char *table)
{
	return rb_db_fill_begin_checked(db, table, NULL);
}

static int
fill_begin(rb_db *db, const char *table, const char *checked, int verified)
{
	int rc;

	if (!copy_name_ok(table) || (checked != NULL &&
	    !copy_name_ok(checked)) || !db->db_ops->ops_in_transaction(db) ||
	    db->db_copy_cols != 0) {
		log_errx("fill: bad table name, no transaction or a copy in "
		    "progress");
		rb_db_count_error();
		return -1;
	}
	if (db->db_ops->ops_fill_begin == NULL)
		return 0;
	rc = db->db_ops->ops_fill_begin(db, table, checked, verified);
	if (rc == RB_RETRY)
		db->db_refused = 1;
	return rc == 0 || rc == RB_RETRY ? rc : -1;
}

int
rb_db_fill_begin_checked(rb_db *db, const char *table, const char *checked)
{
	return fill_begin(db, table, checked, 0);
}

int
rb_db_fill_begin_verified(rb_db *db, const char *table, const char *checked)
{
	return fill_begin(db, table, checked, 1);
}

int
rb_db_fill_end(rb_db *db)
{
	int rc;

	if (db->db_ops->ops_fill_end == NULL)
		return 0;
	if (db->db_copy_cols != 0) {
		log_errx("fill: a copy is in progress");
		rb_db_count_error();
		return -1;
	}
	rc = db->db_ops->ops_fill_end(db);
	if (rc == RB_RETRY)
		db->db_refused = 1;
	return rc == 0 || rc == RB_CONSTRAINT || rc == RB_RETRY ? rc : -1;
}

int
rb_db_copy_pays(const rb_db *db)
{
	return db->db_ops->ops_copy_begin != NULL;
}
