/*
 * contact.c: the SQL of customer-service requests (see contact.h).
 */
#include <string.h>

#include "store/contact.h"

enum {
	SQL_INSERT,
	SQL_SET_REF,
	SQL_LIST,
	SQL_GET,
	SQL_GET_ANY,
	SQL_MESSAGES,
	SQL_ADD_MESSAGE,
	SQL_SET_STATUS,
	SQL_ASSIGN,
	SQL_QUEUE,
	SQL_CONTRACTS,
	SQL_EXPIRED_FILES,
	SQL_DEL_FILES,
	SQL_DEL_MESSAGES,
	SQL_DEL_REQUESTS,
	SQL__MAX
};

/* Requests visible to account $1 (see contact.h). */
#define VISIBLE	"(r.account_id = $1 OR (r.account_id IS NULL AND"	\
	" r.email_norm = (SELECT a.email_norm FROM web_accounts a"	\
	" WHERE a.id = $1 AND a.status = 'active')))"

#define FULL	"SELECT r.id, r.reference, r.account_id, r.name, r.email,"	\
	" r.contract_number, r.postcode, r.subject, r.message, r.status,"	\
	" r.created_at, r.updated_at, r.assigned_agent,"		\
	" (SELECT c.customer_id FROM contracts c"			\
	" WHERE c.number = r.contract_number),"			\
	" (SELECT g.display_name FROM agents g"				\
	" WHERE g.id = r.assigned_agent)"				\
	" FROM contact_requests r"

static const char *const sql[SQL__MAX] = {
	[SQL_INSERT] =
	    "INSERT INTO contact_requests (account_id, name, email,"
	    " email_norm, contract_number, postcode, subject, message,"
	    " created_at, updated_at, status)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 'new')"
	    " RETURNING id",
	[SQL_SET_REF] =
	    "UPDATE contact_requests SET reference = $2 WHERE id = $1",
	[SQL_LIST] =
	    "SELECT r.id, r.reference, r.subject, r.status, r.created_at,"
	    " r.updated_at FROM contact_requests r WHERE " VISIBLE
	    " ORDER BY r.created_at DESC, r.id DESC",
	[SQL_GET] = FULL " WHERE r.reference = $2 AND " VISIBLE,
	[SQL_GET_ANY] = FULL " WHERE r.reference = $1",
	[SQL_MESSAGES] =
	    "SELECT id, author_kind, author_id, body, created_at"
	    " FROM contact_messages WHERE request_id = $1 ORDER BY id",
	[SQL_ADD_MESSAGE] =
	    "INSERT INTO contact_messages (request_id, author_kind,"
	    " author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)"
	    " RETURNING id",
	[SQL_SET_STATUS] =
	    "UPDATE contact_requests SET status = $2, updated_at = $3"
	    " WHERE id = $1",
	[SQL_ASSIGN] =
	    "UPDATE contact_requests SET assigned_agent = $2,"
	    " updated_at = $3, status = CASE WHEN status = 'new'"
	    " AND CAST($2 AS BIGINT) IS NOT NULL THEN 'in_progress'"
	    " ELSE status END"
	    " WHERE id = $1",
	[SQL_QUEUE] =
	    "SELECT r.id, r.reference, r.name, r.email, r.contract_number,"
	    " r.subject, r.status, r.created_at, r.updated_at,"
	    " r.assigned_agent, c.customer_id, g.display_name"
	    " FROM contact_requests r"
	    " LEFT JOIN agents g ON g.id = r.assigned_agent"
	    " LEFT JOIN contracts c ON c.number = r.contract_number"
	    " WHERE ($1 = '' OR r.subject = $1) AND ($2 = '' OR"
	    " r.status = $2) ORDER BY r.created_at, r.id LIMIT $3",
	[SQL_CONTRACTS] =
	    "SELECT c.number FROM account_contracts ac"
	    " JOIN contracts c ON c.id = ac.contract_id"
	    " WHERE ac.account_id = $1 ORDER BY c.number",
	/* Closed before $1 (updated_at is when it was closed: a closed
	 * request takes no message and no action). */
#define EXPIRED	"SELECT id FROM contact_requests"			\
	" WHERE status = 'closed' AND updated_at < $1"
	[SQL_EXPIRED_FILES] =
	    "SELECT token FROM attachments WHERE purpose = 'contact'"
	    " AND ref_id IN (" EXPIRED ") ORDER BY id",
	[SQL_DEL_FILES] =
	    "DELETE FROM attachments WHERE purpose = 'contact'"
	    " AND ref_id IN (" EXPIRED ")",
	[SQL_DEL_MESSAGES] =
	    "DELETE FROM contact_messages WHERE request_id IN (" EXPIRED ")",
	[SQL_DEL_REQUESTS] =
	    "DELETE FROM contact_requests WHERE status = 'closed'"
	    " AND updated_at < $1",
};

static const char *const list_cols[] = { "id", "reference", "subject",
    "status", "created_at", "updated_at", NULL };
static const char *const full_cols[] = { "id", "reference", "account_id",
    "name", "email", "contract_number", "postcode", "subject", "message",
    "status", "created_at", "updated_at", "assigned_agent", "customer_id",
    "assigned_name", NULL };
static const char *const msg_cols[] = { "id", "author_kind", "author_id",
    "body", "created_at", NULL };
static const char *const queue_cols[] = { "id", "reference", "name",
    "email", "contract_number", "subject", "status", "created_at",
    "updated_at", "assigned_agent", "customer_id", "assigned_name", NULL };

/* Integer columns: every name ending in "id", "_at" or "agent". */
static int
is_int_col(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "id") == 0 || (n > 3 &&
	    (strcmp(name + n - 3, "_id") == 0 ||
	    strcmp(name + n - 3, "_at") == 0)) ||
	    strcmp(name, "assigned_agent") == 0;
}

static json_t *
row_object(rb_stmt *st, const char *const *cols)
{
	json_t *o = json_object();
	const char *t;
	int k;

	for (k = 0; cols[k] != NULL; k++) {
		if (rb_stmt_is_null(st, k))
			json_object_set_new(o, cols[k], json_null());
		else if (is_int_col(cols[k]))
			json_object_set_new(o, cols[k],
			    json_integer(rb_stmt_int(st, k)));
		else {
			t = rb_stmt_text(st, k);
			json_object_set_new(o, cols[k], json_string(t != NULL ?
			    t : ""));
		}
	}
	return o;
}

struct rows {
	const char *const *r_cols;
	json_t	*r_arr;
	json_t	*r_one;
};

static void
each_row(rb_stmt *st, void *arg)
{
	struct rows *r = arg;

	json_array_append_new(r->r_arr, row_object(st, r->r_cols));
}

static void
one_row(rb_stmt *st, void *arg)
{
	struct rows *r = arg;

	r->r_one = row_object(st, r->r_cols);
}

int
rb_contact_insert(rb_db *db, const struct rb_contact_new *n, int64_t *id)
{
	return rb_db_fetch_one(db, sql[SQL_INSERT], RB_BINDS(
	    n->cn_account > 0 ? rb_int(n->cn_account) : rb_null(),
	    rb_text(n->cn_name), rb_text(n->cn_email),
	    rb_text(n->cn_email_norm), rb_text_or_null(n->cn_contract),
	    rb_text_or_null(n->cn_postcode), rb_text(n->cn_subject),
	    rb_text(n->cn_message), rb_int(n->cn_now)), rb_row_int, id) == 0 ?
	    0 : -1;
}

int
rb_contact_set_reference(rb_db *db, int64_t id, const char *ref)
{
	return rb_db_run(db, sql[SQL_SET_REF], RB_BINDS(rb_int(id),
	    rb_text(ref)), NULL) == 0 ? 0 : -1;
}

int
rb_contact_list_visible(rb_db *db, int64_t account, json_t *arr)
{
	struct rows r = { list_cols, arr, NULL };

	return rb_db_fetch_all(db, sql[SQL_LIST], RB_BINDS(rb_int(account)),
	    each_row, &r) == 0 ? 0 : -1;
}

int
rb_contact_get(rb_db *db, const char *reference, int64_t account,
    json_t **out)
{
	struct rows r = { full_cols, NULL, NULL };
	int rc;

	*out = NULL;
	if (account < 0)
		rc = rb_db_fetch_one(db, sql[SQL_GET_ANY],
		    RB_BINDS(rb_text(reference)), one_row, &r);
	else
		rc = rb_db_fetch_one(db, sql[SQL_GET], RB_BINDS(rb_int(account),
		    rb_text(reference)), one_row, &r);
	if (rc != 0) {
		json_decref(r.r_one);
		return rc == 1 ? 1 : -1;
	}
	*out = r.r_one;
	return 0;
}

int
rb_contact_messages(rb_db *db, int64_t request_id, json_t *arr)
{
	struct rows r = { msg_cols, arr, NULL };

	return rb_db_fetch_all(db, sql[SQL_MESSAGES],
	    RB_BINDS(rb_int(request_id)), each_row, &r) == 0 ? 0 : -1;
}

int
rb_contact_add_message(rb_db *db, int64_t request_id,
    const char *author_kind, int64_t author_id, const char *body,
    time_t now, int64_t *id)
{
	return rb_db_fetch_one(db, sql[SQL_ADD_MESSAGE], RB_BINDS(
	    rb_int(request_id), rb_text(author_kind),
	    author_id > 0 ? rb_int(author_id) : rb_null(), rb_text(body),
	    rb_int(now)), rb_row_int, id) == 0 ? 0 : -1;
}

int
rb_contact_set_status(rb_db *db, int64_t id, const char *status, time_t now)
{
	return rb_db_run(db, sql[SQL_SET_STATUS], RB_BINDS(rb_int(id),
	    rb_text(status), rb_int(now)), NULL) == 0 ? 0 : -1;
}

int
rb_contact_assign(rb_db *db, int64_t id, int64_t agent, time_t now)
{
	return rb_db_run(db, sql[SQL_ASSIGN], RB_BINDS(rb_int(id),
	    agent > 0 ? rb_int(agent) : rb_null(), rb_int(now)), NULL) == 0 ?
	    0 : -1;
}

int
rb_contact_queue(rb_db *db, const char *subject, const char *status,
    int limit, json_t *arr)
{
	struct rows r = { queue_cols, arr, NULL };

	return rb_db_fetch_all(db, sql[SQL_QUEUE], RB_BINDS(rb_text(subject),
	    rb_text(status), rb_int(limit)), each_row, &r) == 0 ? 0 : -1;
}

static void
number_row(rb_stmt *st, void *arg)
{
	const char *t = rb_stmt_text(st, 0);

	json_array_append_new(arg, json_string(t != NULL ? t : ""));
}

int
rb_contact_account_contracts(rb_db *db, int64_t account, json_t *arr)
{
	return rb_db_fetch_all(db, sql[SQL_CONTRACTS],
	    RB_BINDS(rb_int(account)), number_row, arr) == 0 ? 0 : -1;
}

static void
token_row(rb_stmt *st, void *arg)
{
	const char *t = rb_stmt_text(st, 0);

	json_array_append_new(arg, json_string(t != NULL ? t : ""));
}

int
rb_contact_purge_closed(rb_db *db, int64_t before, json_t *tokens,
    int64_t *nrequests)
{
	rb_stmt *st;
	int rc;

	*nrequests = 0;
	if (rb_db_fetch_all(db, sql[SQL_EXPIRED_FILES],
	    RB_BINDS(rb_int(before)), token_row, tokens) != 0 ||
	    rb_db_purge(db, sql[SQL_DEL_FILES], before) < 0 ||
	    rb_db_purge(db, sql[SQL_DEL_MESSAGES], before) < 0)
		return -1;
	if ((st = rb_db_prepare(db, sql[SQL_DEL_REQUESTS])) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, before);
	rc = rb_stmt_step(st);
	if (rc >= 0)
		*nrequests = rb_stmt_changes(st);
	rb_stmt_reset(st);
	return rc < 0 ? -1 : 0;
}
