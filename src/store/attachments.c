/*
 * attachments.c: the SQL of attached files (see attachments.h).
 */
#include <string.h>

#include "store/attachments.h"
#include "store/copy.h"

enum {
	SQL_INSERT,
	SQL_GET,
	SQL_LIST,
	SQL_ALL,
	SQL__MAX
};

#define COLS	"id, token, purpose, ref_id, message_id, account_id," \
		" content_type, size, created_at"

static const char *const sql[SQL__MAX] = {
	[SQL_INSERT] =
	    "INSERT INTO attachments (token, purpose, ref_id, message_id,"
	    " account_id, content_type, size, created_at)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	[SQL_GET] = "SELECT " COLS " FROM attachments WHERE token = $1",
	[SQL_LIST] = "SELECT " COLS " FROM attachments"
	    " WHERE purpose = $1 AND ref_id = $2 ORDER BY id",
	[SQL_ALL] = "SELECT " COLS " FROM attachments ORDER BY id",
};

static void
read_row(rb_stmt *st, struct rb_attachment *a)
{
	memset(a, 0, sizeof(*a));
	a->at_id = rb_stmt_int(st, 0);
	rb_store_copy(a->at_token, sizeof(a->at_token), rb_stmt_text(st, 1));
	rb_store_copy(a->at_purpose, sizeof(a->at_purpose),
	    rb_stmt_text(st, 2));
	a->at_ref_id = rb_stmt_int(st, 3);
	a->at_message_id = rb_stmt_int(st, 4);
	a->at_account_id = rb_stmt_int(st, 5);
	rb_store_copy(a->at_type, sizeof(a->at_type), rb_stmt_text(st, 6));
	a->at_size = rb_stmt_int(st, 7);
	a->at_created = rb_stmt_int(st, 8);
}

static void
get_row(rb_stmt *st, void *arg)
{
	read_row(st, arg);
}

static struct rb_bind
id_or_null(int64_t v)
{
	return v > 0 ? rb_int(v) : rb_null();
}

int
rb_attachment_insert(rb_db *db, struct rb_attachment *a)
{
	return rb_db_fetch_one(db, sql[SQL_INSERT], RB_BINDS(
	    rb_text(a->at_token), rb_text(a->at_purpose), rb_int(a->at_ref_id),
	    id_or_null(a->at_message_id), id_or_null(a->at_account_id),
	    rb_text(a->at_type), rb_int(a->at_size), rb_int(a->at_created)),
	    rb_row_int, &a->at_id) == 0 ? 0 : -1;
}

int
rb_attachment_get(rb_db *db, const char *token, struct rb_attachment *a)
{
	int rc = rb_db_fetch_one(db, sql[SQL_GET], RB_BINDS(rb_text(token)),
	    get_row, a);

	return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}

struct list_ctx {
	void	(*lc_fn)(const struct rb_attachment *, void *);
	void	*lc_arg;
};

static void
list_row(rb_stmt *st, void *arg)
{
	struct list_ctx *lc = arg;
	struct rb_attachment a;

	read_row(st, &a);
	lc->lc_fn(&a, lc->lc_arg);
}

int
rb_attachment_list(rb_db *db, const char *purpose, int64_t ref_id,
    void (*fn)(const struct rb_attachment *, void *), void *arg)
{
	struct list_ctx lc = { fn, arg };

	return rb_db_fetch_all(db, sql[SQL_LIST], RB_BINDS(rb_text(purpose),
	    rb_int(ref_id)), list_row, &lc) == 0 ? 0 : -1;
}

int
rb_attachment_all(rb_db *db,
    void (*fn)(const struct rb_attachment *, void *), void *arg)
{
	struct list_ctx lc = { fn, arg };

	return rb_db_fetch_all(db, sql[SQL_ALL], NULL, 0, list_row, &lc) == 0 ?
	    0 : -1;
}
