/*
 * custfile.c: SQL of the agents' customer file (see custfile.h). Each
 * part is one constant statement bound to the customer id, with the
 * names and kinds of its columns; one loop turns rows into JSON, as
 * store/gdpr.c does for the subscriber's own export.
 */
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/namekey.h"
#include "store/copy.h"
#include "store/custfile.h"

#define MAX_COLS	16

/* Contracts of the customer ($1). */
#define HELD	"SELECT id FROM contracts WHERE customer_id = $1"
/* The columns of a request in the file, and its table. */
#define REQ_COLS \
	"r.id, r.created_at, r.name, r.email, r.contract_number, r.subject," \
	" r.status, (SELECT g.display_name FROM agents g" \
	" WHERE g.id = r.assigned_agent) FROM contact_requests r"
#define STR(x)	#x
#define XSTR(x)	STR(x)

struct part {
	const char	*pa_name;
	const char	*pa_sql;
	const char	*pa_kinds;	/* 'i' integer, 's' text */
	const char	*pa_cols[MAX_COLS];
};

static const struct part parts[] = {
	{ "customer",
	  "SELECT id, ref, title, last_name, first_name, email, phone,"
	  " address_line1, address_line2, postcode, commune, country,"
	  " src_system, mobile FROM customers WHERE id = $1",
	  "isssssssssss" "ss",
	  { "id", "ref", "title", "last_name", "first_name", "email", "phone",
	    "address_line1", "address_line2", "postcode", "commune", "country",
	    "src_system", "mobile" } },
	{ "contracts",
	  "SELECT c.id, c.number, c.old_number, c.origin, c.service_address,"
	  " c.service_postcode, c.service_commune, c.start_date, c.end_date,"
	  " c.can_create_account, c.direct_debit, c.paperless, c.paperless_by,"
	  " CASE WHEN EXISTS (SELECT 1 FROM invoices i"
	  " WHERE i.contract_id = c.id) THEN 1 ELSE 0 END"
	  " FROM contracts c WHERE c.customer_id = $1 ORDER BY c.number",
	  "issssssssiiisi",
	  { "id", "number", "old_number", "origin", "service_address",
	    "service_postcode", "service_commune", "start_date", "end_date",
	    "can_create_account", "direct_debit", "paperless", "paperless_by",
	    "has_bill" } },
	/* The last reading by the unique (meter_id, read_on) index. */
	{ "meters",
	  "SELECT c.number, m.serial, m.remote_read, m.installed_on,"
	  " m.removed_on, r.read_on, r.index_litres, r.source, m.id"
	  " FROM meters m JOIN contracts c ON c.id = m.contract_id"
	  " LEFT JOIN meter_readings r ON r.id = (SELECT r2.id"
	  " FROM meter_readings r2 WHERE r2.meter_id = m.id"
	  " ORDER BY r2.read_on DESC LIMIT 1)"
	  " WHERE m.contract_id IN (" HELD ") ORDER BY c.number, m.installed_on",
	  "ssisssisi",
	  { "contract_number", "serial", "remote_read", "installed_on",
	    "removed_on", "last_read_on", "last_index_litres",
	    "last_source", "id" } },
	/* Photos sent with readings (attachments of purpose 'reading'),
	 * newest first: by meter, then its readings, then the index
	 * attachments_ref. */
	{ "photos",
	  "SELECT c.number, m.serial, r.id, r.read_on, r.index_litres,"
	  " r.source, a.token, a.content_type, a.size, a.created_at"
	  " FROM meters m JOIN contracts c ON c.id = m.contract_id"
	  " JOIN meter_readings r ON r.meter_id = m.id"
	  " JOIN attachments a ON a.purpose = 'reading' AND a.ref_id = r.id"
	  " WHERE m.contract_id IN (" HELD ")"
	  " ORDER BY r.read_on DESC, a.id DESC"
	  " LIMIT " XSTR(RB_CUSTFILE_PHOTOS),
	  "ssisisssii",
	  { "contract_number", "serial", "reading_id", "read_on",
	    "index_litres", "source", "token", "content_type", "size",
	    "created_at" } },
	/* Changes of the billing address and phone numbers. */
	{ "contact_history",
	  "SELECT changed_at, actor_kind, actor_id, field, old_value,"
	  " new_value FROM customer_contact_history WHERE customer_id = $1"
	  " ORDER BY changed_at DESC, id DESC"
	  " LIMIT " XSTR(RB_CUSTFILE_HISTORY),
	  "isisss",
	  { "at", "actor_kind", "actor_id", "field", "old", "new" } },
	{ "bills",
	  "SELECT i.contract_number, i.id, i.number, i.archived,"
	  " i.period_start, i.period_end, i.issued_on, i.due_on,"
	  " i.total_cents, i.status, (SELECT coalesce(sum(p.amount_cents), 0)"
	  " FROM payments p WHERE p.invoice_id = i.id"
	  " AND p.status = 'succeeded')"
	  " FROM invoices i WHERE i.contract_id IN (" HELD ")"
	  " ORDER BY i.issued_on DESC, i.id DESC"
	  " LIMIT " XSTR(RB_CUSTFILE_BILLS),
	  "siisssssisi",
	  { "contract_number", "id", "number", "archived", "period_start",
	    "period_end", "issued_on", "due_on", "total_cents", "status",
	    "paid_cents" } },
	{ "payments",
	  "SELECT i.number, p.amount_cents, p.method, p.status, p.created_at"
	  " FROM payments p JOIN invoices i ON i.id = p.invoice_id"
	  " WHERE i.contract_id IN (" HELD ")"
	  " ORDER BY p.created_at DESC, p.id DESC"
	  " LIMIT " XSTR(RB_CUSTFILE_PAYMENTS),
	  "sissi",
	  { "invoice_number", "amount_cents", "method", "status",
	    "created_at" } },
	{ "mandates",
	  "SELECT c.number, m.rum, m.holder, m.iban_last4, m.bic,"
	  " m.signed_on, m.status, m.revoked_on FROM sepa_mandates m"
	  " JOIN contracts c ON c.id = m.contract_id"
	  " WHERE m.contract_id IN (" HELD ")"
	  " ORDER BY c.number, m.signed_on DESC, m.id DESC",
	  "ssssssss",
	  { "contract_number", "rum", "holder", "iban_last4", "bic",
	    "signed_on", "status", "revoked_on" } },
	{ "accounts",
	  "SELECT a.id, a.email, a.last_name, a.first_name, a.status,"
	  " a.created_at, a.activated_at FROM web_accounts a WHERE a.id IN"
	  " (SELECT ac.account_id FROM account_contracts ac"
	  " WHERE ac.contract_id IN (" HELD ")) ORDER BY a.id",
	  "issssii",
	  { "id", "email", "last_name", "first_name", "status", "created_at",
	    "activated_at" } },
	/* By account, then by contract number: a UNION, not an OR of two
	 * IN (subquery), which PostgreSQL answers by reading the whole
	 * table (test_indexes). */
	{ "requests",
	  "SELECT " REQ_COLS " WHERE r.account_id IN (SELECT ac.account_id"
	  " FROM account_contracts ac WHERE ac.contract_id IN (" HELD "))"
	  " UNION SELECT " REQ_COLS " WHERE r.contract_number IN"
	  " (SELECT number FROM contracts WHERE customer_id = $1)"
	  " ORDER BY created_at DESC, id DESC",
	  "iissssss",
	  { "id", "created_at", "name", "email", "contract_number", "subject",
	    "status", "assigned_name" } },
};

struct part_out {
	const struct part	*po_pa;
	json_t			*po_arr;
};

static void
part_row(rb_stmt *st, void *arg)
{
	struct part_out *o = arg;

	json_array_append_new(o->po_arr, rb_store_json_object(st,
	    o->po_pa->pa_cols, o->po_pa->pa_kinds));
}

int
rb_custfile_get(rb_db *db, int64_t customer, json_t **out)
{
	struct part_out o;
	json_t *obj;
	size_t i;
	int own_tx = !rb_db_in_transaction(db);

	*out = NULL;
	if (own_tx && rb_db_begin_read(db) != 0)
		return -1;
	obj = json_object();
	for (i = 0; i < RB_NELEM(parts); i++) {
		o.po_pa = &parts[i];
		o.po_arr = json_array();
		json_object_set_new(obj, parts[i].pa_name, o.po_arr);
		if (rb_db_fetch_all(db, parts[i].pa_sql,
		    RB_BINDS(rb_int(customer)), part_row, &o) != 0) {
			if (own_tx)
				rb_db_rollback(db);
			json_decref(obj);
			return -1;
		}
		if (i == 0 && json_array_size(o.po_arr) == 0) {
			if (own_tx)
				rb_db_commit(db);
			json_decref(obj);
			return 1;
		}
	}
	if (own_tx)
		rb_db_commit(db);
	*out = obj;
	return 0;
}

static const char *const event_cols[] = { "at", "actor_kind", "action",
    "ip" };

static const char sql_events[] =
	/* Reads the index on (target, at). */
	"SELECT at, actor_kind, action, ip FROM audit_log WHERE target = $1"
	" AND substr(action, 1, length($2)) = $2"
	" ORDER BY at DESC, id DESC LIMIT $3";

static void
event_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, rb_store_json_object(st, event_cols,
	    "isss"));
}

int
rb_custfile_account_events(rb_db *db, int64_t account, const char *prefix,
    int max, json_t **out)
{
	char target[40];

	snprintf(target, sizeof(target), "account:%lld", (long long)account);
	return rb_store_json_rows(db, sql_events, RB_BINDS(rb_text(target),
	    rb_text(prefix != NULL ? prefix : ""), rb_int(max)), event_row,
	    out);
}

static const char sql_contract[] =
	"SELECT c.id, coalesce((SELECT ac.account_id FROM account_contracts ac"
	" WHERE ac.contract_id = c.id), 0) FROM contracts c"
	" WHERE c.number = $1 AND c.customer_id = $2";
static const char sql_has_account[] =
	"SELECT 1 FROM account_contracts ac JOIN contracts c"
	" ON c.id = ac.contract_id WHERE ac.account_id = $1"
	" AND c.customer_id = $2";
static const char sql_letter[] =
	"UPDATE contracts SET can_create_account = 1 WHERE id = $1"
	" AND can_create_account = 0";

struct contract_ids {
	int64_t	ci_contract;
	int64_t	ci_account;
};

static void
contract_row(rb_stmt *st, void *arg)
{
	struct contract_ids *c = arg;

	c->ci_contract = rb_stmt_int(st, 0);
	c->ci_account = rb_stmt_int(st, 1);
}

int
rb_custfile_contract(rb_db *db, int64_t customer, const char *number,
    int64_t *contract, int64_t *account)
{
	struct contract_ids c = { 0, 0 };
	int rc;

	*contract = *account = 0;
	rc = rb_db_fetch_one(db, sql_contract, RB_BINDS(rb_text(number),
	    rb_int(customer)), contract_row, &c);
	if (rc == 0) {
		*contract = c.ci_contract;
		*account = c.ci_account;
	}
	return rc < 0 ? -1 : rc;
}

int
rb_custfile_has_account(rb_db *db, int64_t customer, int64_t account)
{
	int rc = rb_db_fetch_one(db, sql_has_account, RB_BINDS(rb_int(account),
	    rb_int(customer)), NULL, NULL);

	return rc < 0 ? -1 : rc == 0;
}

int
rb_custfile_letter_sent(rb_db *db, int64_t contract)
{
	int64_t changed = 0;

	if (rb_db_run(db, sql_letter, RB_BINDS(rb_int(contract)), &changed) !=
	    0)
		return -1;
	return changed > 0 ? 0 : 1;
}

static const char sql_identity_get[] =
	"SELECT last_name, first_name, email FROM customers WHERE id = $1";
static const char sql_identity_set[] =
	"UPDATE customers SET last_name = $2, first_name = $3, email = $4,"
	" name_key = $5 WHERE id = $1";

static void
identity_row(rb_stmt *st, void *arg)
{
	struct rb_custfile_identity *o = arg;

	rb_store_copy(o->ci_last_name, sizeof(o->ci_last_name),
	    rb_stmt_text(st, 0));
	rb_store_copy(o->ci_first_name, sizeof(o->ci_first_name),
	    rb_stmt_text(st, 1));
	rb_store_copy(o->ci_email, sizeof(o->ci_email), rb_stmt_text(st, 2));
}

int
rb_custfile_identity_get(rb_db *db, int64_t customer,
    struct rb_custfile_identity *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql_identity_get, RB_BINDS(rb_int(customer)),
	    identity_row, out);
	return rc < 0 ? -1 : rc;
}

int
rb_custfile_identity_set(rb_db *db, int64_t customer,
    const struct rb_custfile_identity *in)
{
	char key[RB_NAMEKEY_MAX];
	int64_t changed = 0;

	rb_namekey_customer(in->ci_last_name, in->ci_first_name, key,
	    sizeof(key));
	if (rb_db_run(db, sql_identity_set, RB_BINDS(rb_int(customer),
	    rb_text(in->ci_last_name), rb_text_or_null(in->ci_first_name),
	    rb_text_or_null(in->ci_email), rb_text(key)), &changed) != 0)
		return -1;
	return changed > 0 ? 0 : 1;
}

static const char sql_meter[] =
	"SELECT 1 FROM meters m JOIN contracts c ON c.id = m.contract_id"
	" WHERE m.id = $1 AND c.customer_id = $2";

int
rb_custfile_has_meter(rb_db *db, int64_t customer, int64_t meter)
{
	int rc = rb_db_fetch_one(db, sql_meter, RB_BINDS(rb_int(meter),
	    rb_int(customer)), NULL, NULL);

	return rc < 0 ? -1 : rc == 0;
}

static const char sql_first_contract[] =
	"SELECT number FROM contracts WHERE customer_id = $1"
	" ORDER BY number LIMIT 1";

static void
number_row(rb_stmt *st, void *arg)
{
	char *out = arg;

	rb_store_copy(out, 16, rb_stmt_text(st, 0));
}

int
rb_custfile_first_contract(rb_db *db, int64_t customer, char out[16])
{
	int rc;

	out[0] = '\0';
	rc = rb_db_fetch_one(db, sql_first_contract,
	    RB_BINDS(rb_int(customer)), number_row, out);
	return rc < 0 ? -1 : rc;
}

static const char sql_photo[] =
	"SELECT m.serial FROM attachments a"
	" JOIN meter_readings r ON r.id = a.ref_id"
	" JOIN meters m ON m.id = r.meter_id"
	" JOIN contracts c ON c.id = m.contract_id"
	" WHERE a.token = $1 AND a.purpose = 'reading'"
	" AND c.customer_id = $2";

static void
serial_row(rb_stmt *st, void *arg)
{
	char *out = arg;

	rb_store_copy(out, 24, rb_stmt_text(st, 0));
}

int
rb_custfile_photo_meter(rb_db *db, int64_t customer, const char *token,
    char serial[24])
{
	int rc;

	serial[0] = '\0';
	rc = rb_db_fetch_one(db, sql_photo, RB_BINDS(rb_text(token),
	    rb_int(customer)), serial_row, serial);
	return rc < 0 ? -1 : rc;
}
