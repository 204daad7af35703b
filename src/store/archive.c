/*
 * archive.c: SQL of archive visits (see archive.h).
 */
#include <string.h>

#include "store/archive.h"
#include "store/copy.h"

/* last_seen_at is written at most once per this many seconds. */
#define TOUCH_S	30

static const char sql_create[] =
	"INSERT INTO archive_visits (id_hash, contract_id, legacy_id,"
	" created_at, last_seen_at, ip) VALUES ($1, $2, $3, $4, $4, $5)";

static const char sql_find[] =
	"SELECT v.id, v.contract_id, v.created_at, v.last_seen_at,"
	" c.number, c.old_number, l.old_customer_id,"
	" COALESCE(l.migrated_at, 0)"
	" FROM archive_visits v"
	" JOIN contracts c ON c.id = v.contract_id"
	" JOIN legacy_credentials l ON l.id = v.legacy_id"
	" WHERE v.id_hash = $1";

static const char sql_touch[] =
	"UPDATE archive_visits SET last_seen_at = $2 WHERE id = $1";

static const char sql_delete[] =
	"DELETE FROM archive_visits WHERE id_hash = $1";

static const char sql_delete_id[] =
	"DELETE FROM archive_visits WHERE id = $1";

static const char sql_purge[] =
	"DELETE FROM archive_visits WHERE last_seen_at < $1"
	" OR created_at < $2";

int
rb_archive_visit_create(rb_db *db, const char *id_hash, int64_t contract_id,
    int64_t legacy_id, time_t now, const char *ip)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_create)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, id_hash, -1);
	rb_stmt_bind_int(st, 2, contract_id);
	rb_stmt_bind_int(st, 3, legacy_id);
	rb_stmt_bind_int(st, 4, (int64_t)now);
	if (ip != NULL)
		rb_stmt_bind_text(st, 5, ip, (ssize_t)strnlen(ip, 64));
	else
		rb_stmt_bind_null(st, 5);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

/* Runs a one-integer statement (delete by id, touch). */
static int
exec_id(rb_db *db, const char *sql, int64_t id, int64_t v, int nbind)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	if (nbind > 1)
		rb_stmt_bind_int(st, 2, v);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_archive_visit_find(rb_db *db, const char *id_hash, time_t now, int idle,
    int absolute, struct rb_archive_row *out)
{
	int64_t created, seen;
	rb_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = rb_db_prepare(db, sql_find)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, id_hash, -1);
	rc = rb_stmt_step(st);
	if (rc == RB_ROW) {
		out->ar_id = rb_stmt_int(st, 0);
		out->ar_contract_id = rb_stmt_int(st, 1);
		created = rb_stmt_int(st, 2);
		seen = rb_stmt_int(st, 3);
		rb_store_copy(out->ar_number, sizeof(out->ar_number),
		    rb_stmt_text(st, 4));
		rb_store_copy(out->ar_old_number, sizeof(out->ar_old_number),
		    rb_stmt_text(st, 5));
		rb_store_copy(out->ar_old_id, sizeof(out->ar_old_id),
		    rb_stmt_text(st, 6));
		out->ar_migrated_at = rb_stmt_int(st, 7);
	}
	rb_stmt_reset(st);
	if (rc == RB_DONE)
		return 1;
	if (rc != RB_ROW)
		return -1;
	if (now - seen > idle || now - created > absolute) {
		int64_t id = out->ar_id;

		memset(out, 0, sizeof(*out));
		return exec_id(db, sql_delete_id, id, 0, 1) == 0 ? 1 : -1;
	}
	if (now - seen > TOUCH_S &&
	    exec_id(db, sql_touch, out->ar_id, (int64_t)now, 2) != 0)
		return -1;
	return 0;
}

int
rb_archive_visit_delete(rb_db *db, const char *id_hash)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_delete)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, id_hash, -1);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}

int
rb_archive_visit_purge(rb_db *db, time_t now, int idle, int absolute)
{
	return exec_id(db, sql_purge, (int64_t)now - idle,
	    (int64_t)now - absolute, 2);
}
