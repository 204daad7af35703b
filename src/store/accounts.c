/*
 * accounts.c: SQL of web accounts and their contracts (see accounts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/accounts.h"
#include "store/copy.h"
#include "store/sessions.h"

#define ACCOUNT_COLUMNS \
	"SELECT id, status, created_at, activated_at, email, email_norm," \
	" last_name, first_name, password_hash FROM web_accounts"

enum accounts_sql {
	SQL_BY_EMAIL,
	SQL_BY_ID,
	SQL_CREATE,
	SQL_UPDATE_PENDING,
	SQL_ACTIVATE,
	SQL_SET_PASSWORD,
	SQL_SET_EMAIL,
	SQL_LINK,
	SQL_HOLDER,
	SQL_UNLINK,
	SQL_VIEWERS,
	SQL_MAY_SEE,
	SQL_CONTRACTS,
	SQL_CONTRACT_IDS,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_BY_EMAIL] =
	ACCOUNT_COLUMNS " WHERE email_norm = $1",
	[SQL_BY_ID] =
	ACCOUNT_COLUMNS " WHERE id = $1",
	[SQL_CREATE] =
	"INSERT INTO web_accounts (email, email_norm, last_name, first_name,"
	" password_hash, status, created_at)"
	" VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
	[SQL_UPDATE_PENDING] =
	"UPDATE web_accounts SET last_name = $2, first_name = $3,"
	" password_hash = $4 WHERE id = $1 AND status = 'pending'",
	[SQL_ACTIVATE] =
	"UPDATE web_accounts SET status = 'active', activated_at = $2"
	" WHERE id = $1 AND status = 'pending'",
	[SQL_SET_PASSWORD] =
	"UPDATE web_accounts SET password_hash = $2 WHERE id = $1",
	[SQL_SET_EMAIL] =
	"UPDATE web_accounts SET email = $2, email_norm = $3 WHERE id = $1",
	/* One account per contract: the unique index on contract_id
	   (migration 0008) makes a second link a no-op, never a second
	   row. */
	[SQL_LINK] =
	"INSERT INTO account_contracts (account_id, contract_id, added_at)"
	" VALUES ($1, $2, $3)"
	" ON CONFLICT (contract_id) DO NOTHING",
	[SQL_HOLDER] =
	"SELECT ac.account_id, a.status FROM account_contracts ac"
	" JOIN web_accounts a ON a.id = ac.account_id"
	" WHERE ac.contract_id = $1",
	[SQL_UNLINK] =
	"DELETE FROM account_contracts WHERE contract_id = $1"
	" AND account_id = $2",
	[SQL_VIEWERS] =
	"SELECT c.number, c.service_address, c.service_postcode,"
	" c.service_commune, w.id, w.email, w.status, o.added_at"
	" FROM account_contracts mine"
	" JOIN contracts c ON c.id = mine.contract_id"
	" JOIN account_contracts o ON o.contract_id = mine.contract_id"
	" JOIN web_accounts w ON w.id = o.account_id"
	" WHERE mine.account_id = $1",
	[SQL_MAY_SEE] =
	"SELECT count(*) FROM account_contracts ac"
	" JOIN contracts c ON c.id = ac.contract_id"
	" WHERE ac.account_id = $1 AND c.number = $2",
	[SQL_CONTRACTS] =
	"SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune"
	" FROM account_contracts ac JOIN contracts c ON c.id = ac.contract_id"
	" WHERE ac.account_id = $1 ORDER BY c.number",
	[SQL_CONTRACT_IDS] =
	"SELECT contract_id FROM account_contracts WHERE account_id = $1",
};

/* The status column's values, by enum rb_account_status. */
static const char *const status_names[RB_ACCOUNT__MAX] = {
	[RB_ACCOUNT_PENDING] = "pending",
	[RB_ACCOUNT_ACTIVE] = "active",
	[RB_ACCOUNT_DISABLED] = "disabled",
};

static enum rb_account_status
status_parse(const char *s)
{
	int i;

	for (i = 0; i < RB_ACCOUNT__MAX; i++)
		if (s != NULL && strcmp(s, status_names[i]) == 0)
			return (enum rb_account_status)i;
	return RB_ACCOUNT_DISABLED;	/* unknown: let nobody in */
}

/* Reads an ACCOUNT_COLUMNS row into the struct rb_account arg. */
static void
account_row(rb_stmt *st, void *arg)
{
	struct rb_account *out = arg;

	out->acc_id = rb_stmt_int(st, 0);
	out->acc_status = status_parse(rb_stmt_text(st, 1));
	out->acc_created_at = rb_stmt_int(st, 2);
	out->acc_activated_at = rb_stmt_int(st, 3);
	rb_store_copy(out->acc_email, sizeof(out->acc_email),
	    rb_stmt_text(st, 4));
	rb_store_copy(out->acc_email_norm, sizeof(out->acc_email_norm),
	    rb_stmt_text(st, 5));
	rb_store_copy(out->acc_last_name, sizeof(out->acc_last_name),
	    rb_stmt_text(st, 6));
	rb_store_copy(out->acc_first_name, sizeof(out->acc_first_name),
	    rb_stmt_text(st, 7));
	/* A hash cut short would never verify: keep none instead. */
	if (rb_store_copy(out->acc_password_hash,
	    sizeof(out->acc_password_hash), rb_stmt_text(st, 8)) != 0)
		out->acc_password_hash[0] = '\0';
}

/* Runs an ACCOUNT_COLUMNS query of one value: 0, 1 when none, -1. */
static int
account_fetch(rb_db *db, enum accounts_sql q, struct rb_bind key,
    struct rb_account *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[q], &key, 1, account_row, out);
	return rc < 0 ? -1 : rc;
}

int
rb_account_by_email(rb_db *db, const char *email_norm, struct rb_account *out)
{
	return account_fetch(db, SQL_BY_EMAIL, rb_text(email_norm), out);
}

int
rb_account_by_id(rb_db *db, int64_t id, struct rb_account *out)
{
	return account_fetch(db, SQL_BY_ID, rb_int(id), out);
}

int
rb_account_create_pending(rb_db *db, const char *email, const char *email_norm,
    const char *last_name, const char *first_name, const char *password_hash,
    time_t now, int64_t *id)
{
	int rc;

	*id = 0;
	rc = rb_db_fetch_one(db, sql[SQL_CREATE], RB_BINDS(rb_text(email),
	    rb_text(email_norm), rb_text(last_name),
	    rb_text_or_null(first_name), rb_text(password_hash), rb_int(now)),
	    rb_row_int, id);
	if (rc == RB_CONSTRAINT) {
		*id = 0;
		return 1;
	}
	return rc == 0 && *id != 0 ? 0 : -1;
}

/* Runs an UPDATE of account id; 0 when it changed a row, 1 when none. */
static int
update_done(rb_db *db, enum accounts_sql q, const struct rb_bind *b,
    size_t n)
{
	int64_t changes;
	int rc;

	rc = rb_db_run(db, sql[q], b, n, &changes);
	if (rc == RB_CONSTRAINT)
		return 1;
	if (rc != 0)
		return -1;
	return changes > 0 ? 0 : 1;
}

int
rb_account_update_pending(rb_db *db, int64_t id, const char *last_name,
    const char *first_name, const char *password_hash)
{
	return update_done(db, SQL_UPDATE_PENDING, RB_BINDS(rb_int(id),
	    rb_text(last_name), rb_text_or_null(first_name),
	    rb_text(password_hash)));
}

int
rb_account_activate(rb_db *db, int64_t id, time_t now)
{
	return update_done(db, SQL_ACTIVATE, RB_BINDS(rb_int(id),
	    rb_int(now)));
}

int
rb_account_set_password(rb_db *db, int64_t id, const char *password_hash)
{
	return update_done(db, SQL_SET_PASSWORD, RB_BINDS(rb_int(id),
	    rb_text(password_hash)));
}

int
rb_account_set_email(rb_db *db, int64_t id, const char *email,
    const char *email_norm)
{
	int rc;

	/* A session's lookup reads the account's email: the servers that
	   keep sessions in memory read it again. */
	if ((rc = update_done(db, SQL_SET_EMAIL, RB_BINDS(rb_int(id),
	    rb_text(email), rb_text(email_norm)))) != 0)
		return rc;
	return rb_sessions_notify_account(db, id) == 0 ? 0 : -1;
}

/* Where holder_row() copies the account that sees a contract. */
struct holder_out {
	int64_t			*ho_account;
	enum rb_account_status	*ho_status;
};

static void
holder_row(rb_stmt *st, void *arg)
{
	struct holder_out *o = arg;

	*o->ho_account = rb_stmt_int(st, 0);
	*o->ho_status = status_parse(rb_stmt_text(st, 1));
}

/* The account that sees contract and its status: 0 (filled), 1 when
   none, -1 on error. */
static int
contract_holder(rb_db *db, int64_t contract, int64_t *account,
    enum rb_account_status *status)
{
	struct holder_out o = { account, status };
	int rc;

	*account = 0;
	*status = RB_ACCOUNT_DISABLED;
	rc = rb_db_fetch_one(db, sql[SQL_HOLDER], RB_BINDS(rb_int(contract)),
	    holder_row, &o);
	return rc < 0 ? -1 : rc;
}

int
rb_account_link_contract(rb_db *db, int64_t account, int64_t contract,
    time_t now, int64_t *other)
{
	enum rb_account_status status;
	int64_t holder, n;
	int rc;

	*other = 0;
	if ((rc = contract_holder(db, contract, &holder, &status)) < 0)
		return -1;
	if (rc == 0 && holder == account)
		return 0;
	if (rc == 0 && status == RB_ACCOUNT_ACTIVE) {
		*other = holder;
		return 1;
	}
	if (rc == 0) {
		/* A pending or disabled account gives way to the newer
		   proof: it never was, or no longer is, a space. */
		if (rb_db_run(db, sql[SQL_UNLINK], RB_BINDS(rb_int(contract),
		    rb_int(holder)), NULL) != 0)
			return -1;
		*other = holder;
	}
	if (rb_db_run(db, sql[SQL_LINK], RB_BINDS(rb_int(account),
	    rb_int(contract), rb_int(now)), &n) != 0)
		return -1;
	if (n > 0)
		return 0;
	/* A concurrent transaction linked it first (PostgreSQL). */
	if ((rc = contract_holder(db, contract, &holder, &status)) != 0)
		return -1;
	*other = holder;
	return holder == account ? 0 : 1;
}

int
rb_account_may_see(rb_db *db, int64_t account, const char *number)
{
	int64_t n = 0;

	if (rb_db_fetch_one(db, sql[SQL_MAY_SEE], RB_BINDS(rb_int(account),
	    rb_text(number)), rb_row_int, &n) != 0)
		return -1;
	return n > 0;
}

static void
contract_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, json_pack("{s:o, s:o, s:o, s:o, s:o}",
	    "number", rb_store_json_text(rb_stmt_text(st, 0)),
	    "old_number", rb_store_json_text(rb_stmt_text(st, 1)),
	    "address", rb_store_json_text(rb_stmt_text(st, 2)),
	    "postcode", rb_store_json_text(rb_stmt_text(st, 3)),
	    "commune", rb_store_json_text(rb_stmt_text(st, 4))));
}

int
rb_account_contracts(rb_db *db, int64_t account, json_t **out)
{
	json_t *arr = json_array();

	*out = NULL;
	if (rb_db_fetch_all(db, sql[SQL_CONTRACTS], RB_BINDS(rb_int(account)),
	    contract_row, arr) != 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

/*
 * viewer_row() makes one contract object per row, with the row's one
 * viewer; rb_account_viewers_take() sorts them (by number, then
 * link date and account id) and merges the rows of one contract. The
 * statement has no ORDER BY: SQLite sorted its few rows in a temporary
 * b-tree at every page.
 */
static void
viewer_row(rb_stmt *st, void *arg)
{
	json_t *rows = arg, *c, *v, *viewers = json_array();
	const char *number;

	number = rb_stmt_text(st, 0);
	c = json_object();
	json_object_set_new_nocheck(c, "number", json_string(number != NULL ?
	    number : ""));
	json_object_set_new_nocheck(c, "address",
	    rb_store_json_text(rb_stmt_text(st, 1)));
	json_object_set_new_nocheck(c, "postcode",
	    rb_store_json_text(rb_stmt_text(st, 2)));
	json_object_set_new_nocheck(c, "commune",
	    rb_store_json_text(rb_stmt_text(st, 3)));
	json_object_set_new_nocheck(c, "viewers", viewers);
	v = json_object();
	json_object_set_new_nocheck(v, "account",
	    json_integer(rb_stmt_int(st, 4)));
	json_object_set_new_nocheck(v, "email",
	    rb_store_json_text(rb_stmt_text(st, 5)));
	json_object_set_new_nocheck(v, "status",
	    json_string(status_names[status_parse(rb_stmt_text(st, 6))]));
	json_object_set_new_nocheck(v, "added_at",
	    json_integer(rb_stmt_int(st, 7)));
	json_array_append_new(viewers, v);
	json_array_append_new(rows, c);
}

static const char *
viewer_number(const json_t *c)
{
	return json_string_value(json_object_get(c, "number"));
}

static json_int_t
viewer_int(const json_t *c, const char *key)
{
	return json_integer_value(json_object_get(json_array_get(
	    json_object_get(c, "viewers"), 0), key));
}

/* The order of the old ORDER BY c.number, o.added_at, w.id. */
static int
viewer_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa;
	const json_t *b = *(const json_t *const *)pb;
	json_int_t x, y;
	int k;

	if ((k = strcmp(viewer_number(a), viewer_number(b))) != 0)
		return k;
	x = viewer_int(a, "added_at");
	y = viewer_int(b, "added_at");
	if (x != y)
		return x < y ? -1 : 1;
	x = viewer_int(a, "account");
	y = viewer_int(b, "account");
	return x < y ? -1 : x > y;
}

void
rb_account_viewers_read(struct rb_account_viewers_q *q, int64_t account,
    struct rb_db_read *r)
{
	q->vq_b[0] = rb_int(account);
	q->vq_rows = json_array();
	*r = (struct rb_db_read){ sql[SQL_VIEWERS], q->vq_b, 1, viewer_row,
	    q->vq_rows, 0 };
}

void
rb_account_viewers_take(struct rb_account_viewers_q *q, int ok,
    json_t **out)
{
	json_t *rows = q->vq_rows, *arr, *prev = NULL, **v;
	size_t i, n;

	q->vq_rows = NULL;
	*out = NULL;
	if (!ok) {
		json_decref(rows);
		return;
	}
	n = json_array_size(rows);
	arr = json_array();
	if (n == 0) {
		json_decref(rows);
		*out = arr;
		return;
	}
	v = rb_xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(rows, i);
	qsort(v, n, sizeof(*v), viewer_cmp);
	for (i = 0; i < n; i++) {
		if (prev != NULL && strcmp(viewer_number(prev),
		    viewer_number(v[i])) == 0)
			json_array_append(json_object_get(prev, "viewers"),
			    json_array_get(json_object_get(v[i], "viewers"),
			    0));
		else {
			json_array_append(arr, v[i]);
			prev = v[i];
		}
	}
	free(v);
	json_decref(rows);
	*out = arr;
}

int
rb_account_contract_viewers(rb_db *db, int64_t account, json_t **out)
{
	struct rb_account_viewers_q q;
	struct rb_db_read r;

	rb_account_viewers_read(&q, account, &r);
	rb_account_viewers_take(&q, rb_db_fetch_all(db, r.dr_sql, r.dr_b,
	    r.dr_n, r.dr_row, r.dr_arg) == 0, out);
	return *out != NULL ? 0 : -1;
}

static void
contract_id_row(rb_stmt *st, void *arg)
{
	struct rb_account_ids_q *q = arg;

	if (q->iq_n % 16 == 0)
		q->iq_ids = rb_xrealloc(q->iq_ids, (q->iq_n + 16) *
		    sizeof(*q->iq_ids));
	q->iq_ids[q->iq_n++] = rb_stmt_int(st, 0);
}

void
rb_account_ids_read(struct rb_account_ids_q *q, int64_t account,
    struct rb_db_read *r)
{
	q->iq_b[0] = rb_int(account);
	q->iq_ids = NULL;
	q->iq_n = 0;
	*r = (struct rb_db_read){ sql[SQL_CONTRACT_IDS], q->iq_b, 1,
	    contract_id_row, q, 0 };
}
