/*
 * archive.c: SQL of archive visits (see archive.h).
 */
#include <string.h>

#include "store/archive.h"
#include "store/copy.h"

/* last_seen_at is written at most once per this many seconds. */
#define TOUCH_S	30

enum archive_sql {
	SQL_CREATE,
	SQL_FIND,
	SQL_TOUCH,
	SQL_DELETE,
	SQL_DELETE_ID,
	SQL_PURGE,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_CREATE] =
	"INSERT INTO archive_visits (id_hash, contract_id, legacy_id,"
	" created_at, last_seen_at, ip) VALUES ($1, $2, $3, $4, $4, $5)",
	[SQL_FIND] =
	"SELECT v.id, v.contract_id, v.created_at, v.last_seen_at,"
	" c.number, c.old_number, l.old_customer_id,"
	" COALESCE(l.migrated_at, 0)"
	" FROM archive_visits v"
	" JOIN contracts c ON c.id = v.contract_id"
	" JOIN legacy_credentials l ON l.id = v.legacy_id"
	" WHERE v.id_hash = $1",
	[SQL_TOUCH] =
	"UPDATE archive_visits SET last_seen_at = $2 WHERE id = $1",
	[SQL_DELETE] =
	"DELETE FROM archive_visits WHERE id_hash = $1",
	[SQL_DELETE_ID] =
	"DELETE FROM archive_visits WHERE id = $1",
	[SQL_PURGE] =
	"DELETE FROM archive_visits WHERE last_seen_at < $1"
	" OR created_at < $2",
};

int
rb_archive_visit_create(rb_db *db, const char *id_hash, int64_t contract_id,
    int64_t legacy_id, time_t now, const char *ip)
{
	return rb_db_run(db, sql[SQL_CREATE], RB_BINDS(rb_text(id_hash),
	    rb_int(contract_id), rb_int(legacy_id), rb_int(now),
	    rb_text_n(ip, ip != NULL ? strnlen(ip, 64) : 0)), NULL) == 0 ?
	    0 : -1;
}

/* What visit_row() reads besides the struct: the two instants. */
struct visit_out {
	struct rb_archive_row	*vo_row;
	int64_t			 vo_created;
	int64_t			 vo_seen;
};

static void
visit_row(rb_stmt *st, void *arg)
{
	struct visit_out *o = arg;
	struct rb_archive_row *out = o->vo_row;

	out->ar_id = rb_stmt_int(st, 0);
	out->ar_contract_id = rb_stmt_int(st, 1);
	o->vo_created = rb_stmt_int(st, 2);
	o->vo_seen = rb_stmt_int(st, 3);
	rb_store_copy(out->ar_number, sizeof(out->ar_number),
	    rb_stmt_text(st, 4));
	rb_store_copy(out->ar_old_number, sizeof(out->ar_old_number),
	    rb_stmt_text(st, 5));
	rb_store_copy(out->ar_old_id, sizeof(out->ar_old_id),
	    rb_stmt_text(st, 6));
	out->ar_migrated_at = rb_stmt_int(st, 7);
}

int
rb_archive_visit_find(rb_db *db, const char *id_hash, time_t now, int idle,
    int absolute, struct rb_archive_row *out)
{
	struct visit_out o = { out, 0, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_FIND], RB_BINDS(rb_text(id_hash)),
	    visit_row, &o);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	if (now - o.vo_seen > idle || now - o.vo_created > absolute) {
		int64_t id = out->ar_id;

		memset(out, 0, sizeof(*out));
		return rb_db_run(db, sql[SQL_DELETE_ID], RB_BINDS(rb_int(id)),
		    NULL) == 0 ? 1 : -1;
	}
	if (now - o.vo_seen > TOUCH_S &&
	    rb_db_run(db, sql[SQL_TOUCH], RB_BINDS(rb_int(out->ar_id),
	    rb_int(now)), NULL) != 0)
		return -1;
	return 0;
}

int
rb_archive_visit_delete(rb_db *db, const char *id_hash)
{
	return rb_db_run(db, sql[SQL_DELETE], RB_BINDS(rb_text(id_hash)),
	    NULL) == 0 ? 0 : -1;
}

int
rb_archive_visit_purge(rb_db *db, time_t now, int idle, int absolute)
{
	return rb_db_run(db, sql[SQL_PURGE], RB_BINDS(
	    rb_int((int64_t)now - idle), rb_int((int64_t)now - absolute)),
	    NULL) == 0 ? 0 : -1;
}
