/*
 * gdpr.c: SQL of the right of access (see gdpr.h). Each category is one
 * constant statement bound to the account id, with the names and kinds
 * of its columns; a generic loop turns rows into JSON objects. All of
 * them go in one batch (rb_db_fetch_batch(): one round trip on
 * PostgreSQL).
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/copy.h"
#include "store/gdpr.h"

#define MAX_COLS	24

/* Contracts of the account ($1). */
#define MINE	"SELECT contract_id FROM account_contracts WHERE account_id = $1"
#define PROV	", x.src_system, x.src_batch, x.src_file, x.src_line"
#define PROV_COLS	"src_system", "src_batch", "src_file", "src_line"
#define PROV_KINDS	"sssi"

struct category {
	const char	*ca_name;
	const char	*ca_sql;
	/* One letter per column: 's' text, 'i' integer. */
	const char	*ca_kinds;
	const char	*ca_cols[MAX_COLS];
};

static const struct category categories[] = {
	{ "account",
	  "SELECT email, last_name, first_name, status, created_at,"
	  " activated_at FROM web_accounts WHERE id = $1",
	  "ssssii",
	  { "email", "last_name", "first_name", "status", "created_at",
	    "activated_at" } },
	{ "customers",
	  "SELECT x.ref, x.title, x.last_name, x.first_name, x.email,"
	  " x.phone, x.address_line1, x.address_line2, x.postcode, x.commune,"
	  " x.country" PROV " FROM customers x WHERE x.id IN"
	  " (SELECT customer_id FROM contracts WHERE id IN (" MINE "))"
	  " ORDER BY x.id",
	  "sssssssssss" PROV_KINDS,
	  { "ref", "title", "last_name", "first_name", "email", "phone",
	    "address_line1", "address_line2", "postcode", "commune",
	    "country", PROV_COLS } },
	{ "contracts",
	  "SELECT x.number, x.old_number, x.origin, cu.ref,"
	  " x.service_address, x.service_postcode, x.service_commune,"
	  " x.start_date, x.end_date, x.direct_debit, x.paperless" PROV
	  " FROM contracts x JOIN customers cu ON cu.id = x.customer_id"
	  " WHERE x.id IN (" MINE ") ORDER BY x.number",
	  "sssssssssii" PROV_KINDS,
	  { "number", "old_number", "origin", "customer_ref",
	    "service_address", "service_postcode", "service_commune",
	    "start_date", "end_date", "direct_debit", "paperless",
	    PROV_COLS } },
	{ "meters",
	  "SELECT c.number, x.serial, x.remote_read, x.installed_on,"
	  " x.removed_on" PROV " FROM meters x"
	  " JOIN contracts c ON c.id = x.contract_id"
	  " WHERE x.contract_id IN (" MINE ") ORDER BY c.number, x.serial",
	  "ssiss" PROV_KINDS,
	  { "contract_number", "serial", "remote_read", "installed_on",
	    "removed_on", PROV_COLS } },
	{ "readings",
	  "SELECT m.serial, x.read_on, x.index_litres, x.source" PROV
	  " FROM meter_readings x JOIN meters m ON m.id = x.meter_id"
	  " WHERE m.contract_id IN (" MINE ") ORDER BY m.serial, x.read_on",
	  "ssis" PROV_KINDS,
	  { "meter_serial", "read_on", "index_litres", "source",
	    PROV_COLS } },
	{ "invoices",
	  "SELECT x.number, x.contract_number, x.archived, x.period_start,"
	  " x.period_end, x.old_index_litres, x.new_index_litres,"
	  " x.old_read_on, x.new_read_on, x.old_read_kind, x.new_read_kind,"
	  " x.volume_litres, x.amount_excl_tax_cents, x.vat_cents,"
	  " x.total_cents, x.issued_on, x.due_on, x.status" PROV
	  " FROM invoices x WHERE x.contract_id IN (" MINE ")"
	  " ORDER BY x.issued_on, x.number",
	  "ssissiissssiiiisss" PROV_KINDS,
	  { "number", "contract_number", "archived", "period_start",
	    "period_end", "old_index_litres", "new_index_litres",
	    "old_read_on", "new_read_on", "old_read_kind", "new_read_kind",
	    "volume_litres", "amount_excl_tax_cents", "vat_cents",
	    "total_cents", "issued_on", "due_on", "status", PROV_COLS } },
	{ "invoice_lines",
	  "SELECT i.number, x.position, x.heading, x.label, x.quantity,"
	  " x.quantity_unit, x.unit_price_c100, x.amount_excl_tax_cents,"
	  " x.vat_rate_bp, x.vat_cents" PROV " FROM invoice_lines x"
	  " JOIN invoices i ON i.id = x.invoice_id"
	  " WHERE i.contract_id IN (" MINE ") ORDER BY i.number, x.position",
	  "sissisiiii" PROV_KINDS,
	  { "invoice_number", "position", "heading", "label", "quantity",
	    "quantity_unit", "unit_price_c100", "amount_excl_tax_cents",
	    "vat_rate_bp", "vat_cents", PROV_COLS } },
	{ "payments",
	  "SELECT i.number, x.amount_cents, x.method, x.status,"
	  " x.created_at" PROV " FROM payments x"
	  " JOIN invoices i ON i.id = x.invoice_id"
	  " WHERE i.contract_id IN (" MINE ") ORDER BY x.created_at, x.id",
	  "sissi" PROV_KINDS,
	  { "invoice_number", "amount_cents", "method", "status",
	    "created_at", PROV_COLS } },
	{ "payment_orders",
	  "SELECT x.reference, c.number, x.amount_cents, x.status, x.email,"
	  " x.created_at, x.settled_at FROM payment_orders x"
	  " JOIN contracts c ON c.id = x.contract_id"
	  " WHERE x.account_id = $1 ORDER BY x.created_at, x.id",
	  "ssissii",
	  { "reference", "contract_number", "amount_cents", "status", "email",
	    "created_at", "settled_at" } },
	{ "sepa_mandates",
	  "SELECT c.number, x.rum, x.holder, x.iban_last4, x.bic,"
	  " x.signed_on, x.status, x.revoked_on" PROV " FROM sepa_mandates x"
	  " JOIN contracts c ON c.id = x.contract_id"
	  " WHERE x.contract_id IN (" MINE ") ORDER BY x.signed_on, x.rum",
	  "ssssssss" PROV_KINDS,
	  { "contract_number", "rum", "holder", "iban_last4", "bic",
	    "signed_on", "status", "revoked_on", PROV_COLS } },
	{ "legacy_credentials",
	  "SELECT x.old_customer_id, c.number, x.migrated_at" PROV
	  " FROM legacy_credentials x JOIN contracts c ON c.id = x.contract_id"
	  " WHERE x.contract_id IN (" MINE ") ORDER BY x.old_customer_id",
	  "ssi" PROV_KINDS,
	  { "old_customer_id", "contract_number", "migrated_at",
	    PROV_COLS } },
	{ "consumption_alerts",
	  "SELECT c.number, x.period_start, x.period_end, x.litres,"
	  " x.average_litres, x.detected_at, x.mailed_at"
	  " FROM consumption_alerts x JOIN contracts c ON c.id = x.contract_id"
	  " WHERE x.contract_id IN (" MINE ") ORDER BY x.period_end",
	  "sssiiii",
	  { "contract_number", "period_start", "period_end", "litres",
	    "average_litres", "detected_at", "mailed_at" } },
	{ "sessions",
	  "SELECT created_at, last_seen_at, ip, user_agent FROM sessions"
	  " WHERE account_id = $1 ORDER BY created_at",
	  "iiss",
	  { "created_at", "last_seen_at", "ip", "user_agent" } },
	{ "api_tokens",
	  "SELECT name, prefix, created_at, last_used_at, revoked_at"
	  " FROM api_tokens WHERE account_id = $1 ORDER BY created_at",
	  "ssiii",
	  { "name", "prefix", "created_at", "last_used_at", "revoked_at" } },
	{ "contact_requests",
	  "SELECT created_at, name, email, contract_number, subject, message,"
	  " status, reference FROM contact_requests WHERE account_id = $1"
	  " ORDER BY created_at",
	  "isssssss",
	  { "created_at", "name", "email", "contract_number", "subject",
	    "message", "status", "reference" } },
	/* issue 10: what follows the first message, and attached files
	   (their kind and size; the files themselves are in "Mes
	   demandes"). */
	{ "contact_messages",
	  "SELECT r.reference, m.created_at, m.author_kind, m.body"
	  " FROM contact_messages m JOIN contact_requests r"
	  " ON r.id = m.request_id WHERE r.account_id = $1"
	  " ORDER BY m.created_at, m.id",
	  "siss",
	  { "reference", "created_at", "author", "body" } },
	{ "attachments",
	  "SELECT r.reference, a.created_at, a.content_type, a.size"
	  " FROM attachments a JOIN contact_requests r ON r.id = a.ref_id"
	  " WHERE a.purpose = 'contact' AND r.account_id = $1"
	  " ORDER BY a.created_at, a.id",
	  "sisi",
	  { "reference", "created_at", "content_type", "size" } },
	/* issue 10, self-service: each change of the billing address or
	 * of a phone number (by the subscriber or by customer service,
	 * never which account or agent), the leak-alert settings and the
	 * leaks found, the readings sent through the site or to customer
	 * service and whether a photo came with them, and the photos the
	 * account sent (kind, size, and the file's token, which app/gdpr.c
	 * turns into its download path: only this account may open it). */
	{ "contact_history",
	  "SELECT cu.ref, x.changed_at, x.field, x.old_value, x.new_value,"
	  " x.actor_kind FROM customer_contact_history x"
	  " JOIN customers cu ON cu.id = x.customer_id WHERE x.customer_id IN"
	  " (SELECT customer_id FROM contracts WHERE id IN (" MINE "))"
	  " ORDER BY x.changed_at, x.id",
	  "sissss",
	  { "customer_ref", "changed_at", "field", "old_value", "new_value",
	    "changed_by" } },
	{ "leak_alert_settings",
	  "SELECT c.number, x.enabled, x.factor, x.updated_at"
	  " FROM leak_alert_settings x JOIN contracts c ON c.id = x.contract_id"
	  " WHERE x.account_id = $1 AND x.contract_id IN (" MINE ")"
	  " ORDER BY c.number",
	  "siii",
	  { "contract_number", "enabled", "factor", "updated_at" } },
	{ "leak_alerts",
	  "SELECT c.number, m.serial, x.first_day, x.last_day, x.litres,"
	  " x.usual_litres, x.factor, x.detected_at, x.mailed_at"
	  " FROM leak_alerts x JOIN contracts c ON c.id = x.contract_id"
	  " JOIN meters m ON m.id = x.meter_id"
	  " WHERE x.contract_id IN (" MINE ") ORDER BY x.last_day, x.id",
	  "sssiiiiii",
	  { "contract_number", "meter_serial", "first_day", "last_day",
	    "litres", "usual_litres", "factor", "detected_at",
	    "mailed_at" } },
	{ "submitted_readings",
	  "SELECT c.number, m.serial, x.read_on, x.index_litres, x.src_system,"
	  " CASE WHEN EXISTS (SELECT 1 FROM attachments a"
	  " WHERE a.purpose = 'reading' AND a.ref_id = x.id) THEN 1 ELSE 0 END"
	  " FROM meter_readings x JOIN meters m ON m.id = x.meter_id"
	  " JOIN contracts c ON c.id = m.contract_id"
	  " WHERE x.source = 'customer' AND m.contract_id IN (" MINE ")"
	  " ORDER BY x.read_on, x.id",
	  "sssisi",
	  { "contract_number", "meter_serial", "read_on", "index_litres",
	    "sent_by", "photo" } },
	{ "reading_photos",
	  "SELECT m.serial, x.read_on, a.created_at, a.content_type, a.size,"
	  " a.token FROM attachments a JOIN meter_readings x ON x.id = a.ref_id"
	  " JOIN meters m ON m.id = x.meter_id"
	  " WHERE a.purpose = 'reading' AND a.account_id = $1"
	  " ORDER BY a.created_at, a.id",
	  "ssisis",
	  { "meter_serial", "read_on", "created_at", "content_type",
	    "size", "token" } },
	/* issue 11, braille: the choice (one row once it was set, never
	 * which agent set it: "agent:<id>" reads "agent") and the letters
	 * kept for the account (store/braille.h). */
	{ "braille_choice",
	  "SELECT braille, CASE WHEN braille_by LIKE 'agent:%' THEN 'agent'"
	  " ELSE braille_by END, braille_at FROM web_accounts WHERE id = $1"
	  " AND (braille <> 'none' OR braille_by IS NOT NULL)",
	  "ssi",
	  { "braille", "set_by", "set_at" } },
	{ "braille_letters",
	  "SELECT id, kind, title, body, created_at FROM braille_letters"
	  " WHERE account_id = $1 ORDER BY created_at, id",
	  "isssi",
	  { "id", "kind", "title", "body", "created_at" } },
	/* Agents' views of the customer file of the account's contracts
	 * (app/agentdesk.c): when and why, never which agent. */
	{ "file_views",
	  "SELECT at, detail FROM audit_log WHERE action = 'customer.view'"
	  " AND target IN (SELECT 'customer:' || c.customer_id FROM contracts c"
	  " WHERE c.id IN (" MINE ")) ORDER BY at DESC, id DESC",
	  "is",
	  { "at", "detail" } },
	{ "audit_log",
	  /* An agent's action on the account (e.g. a new activation
	   * email) shows, never the agent's address. */
	  "SELECT at, action, target,"
	  " CASE WHEN actor_kind = 'agent' THEN NULL ELSE ip END"
	  " FROM audit_log"
	  " WHERE (actor_kind = 'subscriber' AND actor_id = $1)"
	  " OR target = 'account:' || $1 ORDER BY at, id",
	  "isss",
	  { "at", "action", "target", "ip" } },
};

#define NCATEGORIES	(sizeof(categories) / sizeof(categories[0]))

/* Where category_row() appends the rows of a category. */
struct category_out {
	const struct category	*co_ca;
	json_t			*co_arr;
};

static void
category_row(rb_stmt *st, void *arg)
{
	struct category_out *o = arg;

	json_array_append_new(o->co_arr, rb_store_json_object(st,
	    o->co_ca->ca_cols, o->co_ca->ca_kinds));
}

/* The ids of the account's contracts: what a copy kept in memory lists
   (app/pagecache.h). */
#define SQL_CONTRACT_IDS \
	"SELECT contract_id FROM account_contracts WHERE account_id = $1" \
	" ORDER BY contract_id"

struct ids {
	int64_t	*id_v;
	size_t	 id_n;
	size_t	 id_cap;
};

static void
id_row(rb_stmt *st, void *arg)
{
	struct ids *ids = arg;

	if (ids->id_n == ids->id_cap) {
		ids->id_cap = ids->id_cap == 0 ? 8 : ids->id_cap * 2;
		ids->id_v = rb_xrealloc(ids->id_v,
		    ids->id_cap * sizeof(*ids->id_v));
	}
	ids->id_v[ids->id_n++] = rb_stmt_int(st, 0);
}

int
rb_gdpr_export(rb_db *db, int64_t account, json_t **out)
{
	const struct rb_bind b[] = { rb_int(account) };
	struct rb_db_read r[NCATEGORIES];
	struct category_out o[NCATEGORIES];
	json_t *obj;
	size_t i;

	*out = NULL;
	if (rb_db_begin_read(db) != 0)
		return -1;
	/* One batch: one round trip on PostgreSQL. */
	for (i = 0; i < NCATEGORIES; i++) {
		o[i].co_ca = &categories[i];
		o[i].co_arr = json_array();
		r[i] = (struct rb_db_read){ categories[i].ca_sql, b, 1,
		    category_row, &o[i], 0 };
	}
	if (rb_db_fetch_batch(db, r, NCATEGORIES) != 0) {
		rb_db_rollback(db);
		for (i = 0; i < NCATEGORIES; i++)
			json_decref(o[i].co_arr);
		return -1;
	}
	rb_db_commit(db);
	obj = json_object();
	for (i = 0; i < NCATEGORIES; i++)
		json_object_set_new(obj, categories[i].ca_name, o[i].co_arr);
	if (json_array_size(json_object_get(obj, "account")) == 0) {
		json_decref(obj);
		return 1;
	}
	*out = obj;
	return 0;
}

/*
 * The statement of rb_gdpr_overview(): for each category, its rows
 * counted (without reading them out), by src_system when the category
 * has that column: "SELECT 'name', q.src_system, count(*) FROM (the
 * category's statement without its ORDER BY) q GROUP BY q.src_system",
 * joined by UNION ALL; a category without provenance counts in one row
 * with a NULL system. Made once from categories[], so that the counts
 * of the page and the rows of the download never disagree.
 */
static char	 tally_sql[24576];
static int	 tally_ok;
static pthread_once_t tally_once = PTHREAD_ONCE_INIT;

static int
has_system(const struct category *ca)
{
	size_t k;

	for (k = 0; k < MAX_COLS && ca->ca_cols[k] != NULL; k++)
		if (strcmp(ca->ca_cols[k], "src_system") == 0)
			return 1;
	return 0;
}

static void
tally_make(void)
{
	const struct category *ca;
	const char *p, *order;
	size_t i, n = 0, len;
	int w;

	for (i = 0; i < NCATEGORIES; i++) {
		ca = &categories[i];
		/* The last ORDER BY orders the whole statement: a count
		   needs no order. */
		len = strlen(ca->ca_sql);
		for (p = ca->ca_sql; (order = strstr(p, " ORDER BY ")) != NULL;
		    p = order + 1)
			len = (size_t)(order - ca->ca_sql);
		w = snprintf(tally_sql + n, sizeof(tally_sql) - n,
		    "%sSELECT '%s', %s, count(*) FROM (%.*s) q%s",
		    i > 0 ? " UNION ALL " : "", ca->ca_name,
		    has_system(ca) ? "q.src_system" : "CAST(NULL AS TEXT)",
		    (int)len, ca->ca_sql,
		    has_system(ca) ? " GROUP BY q.src_system" : "");
		if (w < 0 || (size_t)w >= sizeof(tally_sql) - n)
			return;
		n += (size_t)w;
	}
	tally_ok = 1;
}

static void
tally_row(rb_stmt *st, void *arg)
{
	const char *sys = rb_stmt_text(st, 1);

	json_array_append_new(arg, json_pack("{s:s, s:o, s:I}",
	    "category", rb_stmt_text(st, 0),
	    "src_system", sys != NULL ? json_string(sys) : json_null(),
	    "rows", (json_int_t)rb_stmt_int(st, 2)));
}

/* The tally's statement; NULL if it did not fit (a category added). */
static const char *
tally_sql_get(void)
{
	pthread_once(&tally_once, tally_make);
	return tally_ok ? tally_sql : NULL;
}

int
rb_gdpr_overview(rb_db *db, int64_t account, json_t **out,
    int64_t **contracts, size_t *ncontracts)
{
	const struct rb_bind b[] = { rb_int(account) };
	struct category_out views = { NULL, NULL }, photos = { NULL, NULL };
	struct ids ids = { NULL, 0, 0 };
	struct rb_db_read r[4];
	json_t *tally, *t;
	const char *sql;
	int64_t accounts = 0;
	size_t i;

	*out = NULL;
	*contracts = NULL;
	*ncontracts = 0;
	if ((sql = tally_sql_get()) == NULL)
		return -1;
	for (i = 0; i < NCATEGORIES; i++) {
		if (strcmp(categories[i].ca_name, "file_views") == 0)
			views.co_ca = &categories[i];
		else if (strcmp(categories[i].ca_name, "reading_photos") == 0)
			photos.co_ca = &categories[i];
	}
	if (rb_db_begin_read(db) != 0)
		return -1;
	tally = json_array();
	views.co_arr = json_array();
	photos.co_arr = json_array();
	/* One batch: one round trip on PostgreSQL. */
	r[0] = (struct rb_db_read){ sql, b, 1, tally_row, tally, 0 };
	r[1] = (struct rb_db_read){ views.co_ca->ca_sql, b, 1, category_row,
	    &views, 0 };
	r[2] = (struct rb_db_read){ photos.co_ca->ca_sql, b, 1, category_row,
	    &photos, 0 };
	r[3] = (struct rb_db_read){ SQL_CONTRACT_IDS, b, 1, id_row, &ids, 0 };
	if (rb_db_fetch_batch(db, r, 4) != 0) {
		rb_db_rollback(db);
		json_decref(tally);
		json_decref(views.co_arr);
		json_decref(photos.co_arr);
		free(ids.id_v);
		return -1;
	}
	rb_db_commit(db);
	json_array_foreach(tally, i, t)
		if (strcmp(json_string_value(json_object_get(t, "category")),
		    "account") == 0)
			accounts += json_integer_value(json_object_get(t,
			    "rows"));
	if (accounts == 0) {
		json_decref(tally);
		json_decref(views.co_arr);
		json_decref(photos.co_arr);
		free(ids.id_v);
		return 1;
	}
	*out = json_pack("{s:o, s:o, s:o}", "tally", tally,
	    "file_views", views.co_arr, "reading_photos", photos.co_arr);
	*contracts = ids.id_v;
	*ncontracts = ids.id_n;
	return 0;
}
