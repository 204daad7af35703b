/*
 * accounts.c: SQL of web accounts and their contracts (see accounts.h).
 */
#include <string.h>

#include "base/log.h"
#include "store/accounts.h"
#include "store/copy.h"

#define ACCOUNT_COLUMNS \
	"SELECT id, status, created_at, activated_at, email, email_norm," \
	" last_name, first_name, password_hash FROM web_accounts"

static const char sql_by_email[] =
	ACCOUNT_COLUMNS " WHERE email_norm = $1";

static const char sql_by_id[] =
	ACCOUNT_COLUMNS " WHERE id = $1";

static const char sql_create[] =
	"INSERT INTO web_accounts (email, email_norm, last_name, first_name,"
	" password_hash, status, created_at)"
	" VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id";

static const char sql_update_pending[] =
	"UPDATE web_accounts SET last_name = $2, first_name = $3,"
	" password_hash = $4 WHERE id = $1 AND status = 'pending'";

static const char sql_activate[] =
	"UPDATE web_accounts SET status = 'active', activated_at = $2"
	" WHERE id = $1 AND status = 'pending'";

static const char sql_set_password[] =
	"UPDATE web_accounts SET password_hash = $2 WHERE id = $1";

static const char sql_set_email[] =
	"UPDATE web_accounts SET email = $2, email_norm = $3 WHERE id = $1";

/* One account per contract: the unique index on contract_id
   (migration 0008) makes a second link a no-op, never a second row. */
static const char sql_link[] =
	"INSERT INTO account_contracts (account_id, contract_id, added_at)"
	" VALUES ($1, $2, $3)"
	" ON CONFLICT (contract_id) DO NOTHING";

static const char sql_holder[] =
	"SELECT ac.account_id, a.status FROM account_contracts ac"
	" JOIN web_accounts a ON a.id = ac.account_id"
	" WHERE ac.contract_id = $1";

static const char sql_unlink[] =
	"DELETE FROM account_contracts WHERE contract_id = $1"
	" AND account_id = $2";

static const char sql_viewers[] =
	"SELECT c.number, c.service_address, c.service_postcode,"
	" c.service_commune, w.id, w.email, w.status, o.added_at"
	" FROM account_contracts mine"
	" JOIN contracts c ON c.id = mine.contract_id"
	" JOIN account_contracts o ON o.contract_id = mine.contract_id"
	" JOIN web_accounts w ON w.id = o.account_id"
	" WHERE mine.account_id = $1 ORDER BY c.number, o.added_at, w.id";

static const char sql_may_see[] =
	"SELECT count(*) FROM account_contracts ac"
	" JOIN contracts c ON c.id = ac.contract_id"
	" WHERE ac.account_id = $1 AND c.number = $2";

static const char sql_contracts[] =
	"SELECT c.number, c.old_number, c.service_address,"
	" c.service_postcode, c.service_commune"
	" FROM account_contracts ac JOIN contracts c ON c.id = ac.contract_id"
	" WHERE ac.account_id = $1 ORDER BY c.number";

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

/* Runs an ACCOUNT_COLUMNS query whose $1 is already bound. */
static int
account_fetch(rb_stmt *st, struct rb_account *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
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
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_account_by_email(rb_db *db, const char *email_norm, struct rb_account *out)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_by_email)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, email_norm, -1);
	return account_fetch(st, out);
}

int
rb_account_by_id(rb_db *db, int64_t id, struct rb_account *out)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_by_id)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	return account_fetch(st, out);
}

/* Binds s, or NULL when s is NULL or empty. */
static void
bind_text_or_null(rb_stmt *st, int idx, const char *s)
{
	rb_stmt_bind_text(st, idx, s != NULL && s[0] != '\0' ? s : NULL, -1);
}

int
rb_account_create_pending(rb_db *db, const char *email, const char *email_norm,
    const char *last_name, const char *first_name, const char *password_hash,
    time_t now, int64_t *id)
{
	rb_stmt *st;
	int rc;

	*id = 0;
	if ((st = rb_db_prepare(db, sql_create)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, email, -1);
	rb_stmt_bind_text(st, 2, email_norm, -1);
	rb_stmt_bind_text(st, 3, last_name, -1);
	bind_text_or_null(st, 4, first_name);
	rb_stmt_bind_text(st, 5, password_hash, -1);
	rb_stmt_bind_int(st, 6, (int64_t)now);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*id = rb_stmt_int(st, 0);
		rc = rb_stmt_step(st);
	}
	rb_stmt_reset(st);
	if (rc == RB_CONSTRAINT) {
		*id = 0;
		return 1;
	}
	return rc == RB_DONE && *id != 0 ? 0 : -1;
}

/* Runs an UPDATE of account id; 0 when it changed a row, 1 when none. */
static int
update_done(rb_stmt *st)
{
	int64_t n = 0;
	int rc;

	if ((rc = rb_stmt_step(st)) == RB_DONE)
		n = rb_stmt_changes(st);
	rb_stmt_reset(st);
	if (rc == RB_CONSTRAINT)
		return 1;
	if (rc != RB_DONE)
		return -1;
	return n > 0 ? 0 : 1;
}

int
rb_account_update_pending(rb_db *db, int64_t id, const char *last_name,
    const char *first_name, const char *password_hash)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_update_pending)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_text(st, 2, last_name, -1);
	bind_text_or_null(st, 3, first_name);
	rb_stmt_bind_text(st, 4, password_hash, -1);
	return update_done(st);
}

int
rb_account_activate(rb_db *db, int64_t id, time_t now)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_activate)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	return update_done(st);
}

int
rb_account_set_password(rb_db *db, int64_t id, const char *password_hash)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_set_password)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_text(st, 2, password_hash, -1);
	return update_done(st);
}

int
rb_account_set_email(rb_db *db, int64_t id, const char *email,
    const char *email_norm)
{
	rb_stmt *st;

	if ((st = rb_db_prepare(db, sql_set_email)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_text(st, 2, email, -1);
	rb_stmt_bind_text(st, 3, email_norm, -1);
	return update_done(st);
}

/* The account that sees contract and its status: 0 (filled), 1 when
   none, -1 on error. */
static int
contract_holder(rb_db *db, int64_t contract, int64_t *account,
    enum rb_account_status *status)
{
	rb_stmt *st;
	int rc;

	*account = 0;
	*status = RB_ACCOUNT_DISABLED;
	if ((st = rb_db_prepare(db, sql_holder)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, contract);
	if ((rc = rb_stmt_step(st)) == RB_ROW) {
		*account = rb_stmt_int(st, 0);
		*status = status_parse(rb_stmt_text(st, 1));
	}
	rb_stmt_reset(st);
	if (rc == RB_ROW)
		return 0;
	return rc == RB_DONE ? 1 : -1;
}

int
rb_account_link_contract(rb_db *db, int64_t account, int64_t contract,
    time_t now, int64_t *other)
{
	enum rb_account_status status;
	int64_t holder, n = 0;
	rb_stmt *st;
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
		if ((st = rb_db_prepare(db, sql_unlink)) == NULL)
			return -1;
		rb_stmt_bind_int(st, 1, contract);
		rb_stmt_bind_int(st, 2, holder);
		rc = rb_stmt_step(st);
		rb_stmt_reset(st);
		if (rc != RB_DONE)
			return -1;
		*other = holder;
	}
	if ((st = rb_db_prepare(db, sql_link)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, contract);
	rb_stmt_bind_int(st, 3, (int64_t)now);
	if ((rc = rb_stmt_step(st)) == RB_DONE)
		n = rb_stmt_changes(st);
	rb_stmt_reset(st);
	if (rc != RB_DONE)
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
	rb_stmt *st;
	int64_t n = 0;
	int rc;

	if ((st = rb_db_prepare(db, sql_may_see)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_text(st, 2, number, -1);
	if ((rc = rb_stmt_step(st)) == RB_ROW)
		n = rb_stmt_int(st, 0);
	rb_stmt_reset(st);
	if (rc != RB_ROW)
		return -1;
	return n > 0;
}

int
rb_account_contracts(rb_db *db, int64_t account, json_t **out)
{
	rb_stmt *st;
	json_t *arr;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_contracts)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o}",
		    "number", rb_store_json_text(rb_stmt_text(st, 0)),
		    "old_number", rb_store_json_text(rb_stmt_text(st, 1)),
		    "address", rb_store_json_text(rb_stmt_text(st, 2)),
		    "postcode", rb_store_json_text(rb_stmt_text(st, 3)),
		    "commune", rb_store_json_text(rb_stmt_text(st, 4))));
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int
rb_account_contract_viewers(rb_db *db, int64_t account, json_t **out)
{
	rb_stmt *st;
	json_t *arr, *cur = NULL, *viewers = NULL;
	const char *number, *last = NULL;
	int rc;

	*out = NULL;
	if ((st = rb_db_prepare(db, sql_viewers)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	arr = json_array();
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		number = rb_stmt_text(st, 0);
		if (number == NULL)
			number = "";
		if (cur == NULL || strcmp(number, last) != 0) {
			viewers = json_array();
			cur = json_pack("{s:s, s:o, s:o, s:o, s:o}",
			    "number", number,
			    "address", rb_store_json_text(rb_stmt_text(st, 1)),
			    "postcode", rb_store_json_text(rb_stmt_text(st, 2)),
			    "commune", rb_store_json_text(rb_stmt_text(st, 3)),
			    "viewers", viewers);
			json_array_append_new(arr, cur);
			last = json_string_value(json_object_get(cur,
			    "number"));
		}
		json_array_append_new(viewers, json_pack("{s:I, s:o, s:s, "
		    "s:I}", "account", (json_int_t)rb_stmt_int(st, 4),
		    "email", rb_store_json_text(rb_stmt_text(st, 5)),
		    "status", status_names[status_parse(rb_stmt_text(st, 6))],
		    "added_at", (json_int_t)rb_stmt_int(st, 7)));
	}
	rb_stmt_reset(st);
	if (rc != RB_DONE) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}
