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

static const char sql_link[] =
	"INSERT INTO account_contracts (account_id, contract_id, added_at)"
	" VALUES ($1, $2, $3)"
	" ON CONFLICT (account_id, contract_id) DO NOTHING";

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

int
rb_account_link_contract(rb_db *db, int64_t account, int64_t contract,
    time_t now)
{
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, sql_link)) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, account);
	rb_stmt_bind_int(st, 2, contract);
	rb_stmt_bind_int(st, 3, (int64_t)now);
	rc = rb_stmt_step(st);
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
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
