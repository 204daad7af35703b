/*
 * import_store.c: the SQL of the data import (see import_store.h).
 *
 * Every imported table has three constant statements over the same
 * parameters ($1.. the natural key, then the value columns, then the
 * four provenance columns):
 *   - insert:  INSERT ... ON CONFLICT (key) DO NOTHING: one row changed
 *              means inserted (no RETURNING: SQLite buffers its rows,
 *              which costs more than the insert on the fast path);
 *   - select:  the id and provenance of an existing row;
 *   - update:  UPDATE ... WHERE key AND (some column IS DISTINCT FROM
 *              its parameter) RETURNING id: a row back means updated.
 * A new row costs one statement, an existing one three. IS DISTINCT
 * FROM compares NULLs as values (SQLite >= 3.39 and PostgreSQL alike).
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/import_store.h"

struct imp_table {
	const char	*it_name;
	const char	*it_insert;
	const char	*it_update;
	const char	*it_select;
	int		 it_nkey;
	int		 it_nall;	/* parameters, provenance included */
	const char	*it_cols[RB_IMP_MAX_PARAMS];
};

static const struct imp_table tables[RB_IMP__MAX] = {
	[RB_IMP_TARIFFS] = {
	    "tariffs",
	    /* insert */
	    "INSERT INTO tariffs (code, valid_from, heading, label, unit,"
	    " unit_price_c100, vat_rate_bp, valid_to, src_system,"
	    " src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	    " ON CONFLICT (code, valid_from) DO NOTHING",
	    /* update when different */
	    "UPDATE tariffs SET heading = $3, label = $4, unit = $5,"
	    " unit_price_c100 = $6, vat_rate_bp = $7, valid_to = $8,"
	    " src_system = $9, src_batch = $10, src_file = $11,"
	    " src_line = $12"
	    " WHERE code = $1 AND valid_from = $2 AND ("
	    " heading IS DISTINCT FROM $3 OR label IS DISTINCT FROM $4 OR"
	    " unit IS DISTINCT FROM $5 OR"
	    " unit_price_c100 IS DISTINCT FROM $6 OR"
	    " vat_rate_bp IS DISTINCT FROM $7 OR"
	    " valid_to IS DISTINCT FROM $8) RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM tariffs"
	    " WHERE code = $1 AND valid_from = $2",
	    2, 12,
	    { "code", "valid_from", "heading", "label", "unit",
	     "unit_price_c100", "vat_rate_bp", "valid_to" } },
	[RB_IMP_CUSTOMERS] = {
	    "customers",
	    /* insert */
	    "INSERT INTO customers (ref, title, last_name, first_name,"
	    " email, phone, address_line1, address_line2, postcode,"
	    " commune, country, name_key, src_system, src_batch, src_file,"
	    " src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13, $14, $15, $16)"
	    " ON CONFLICT (ref) DO NOTHING",
	    /* update when different */
	    "UPDATE customers SET title = $2, last_name = $3,"
	    " first_name = $4, email = $5, phone = $6, address_line1 = $7,"
	    " address_line2 = $8, postcode = $9, commune = $10,"
	    " country = $11, name_key = $12, src_system = $13,"
	    " src_batch = $14, src_file = $15, src_line = $16"
	    " WHERE ref = $1 AND (title IS DISTINCT FROM $2 OR"
	    " last_name IS DISTINCT FROM $3 OR"
	    " first_name IS DISTINCT FROM $4 OR"
	    " email IS DISTINCT FROM $5 OR phone IS DISTINCT FROM $6 OR"
	    " address_line1 IS DISTINCT FROM $7 OR"
	    " address_line2 IS DISTINCT FROM $8 OR"
	    " postcode IS DISTINCT FROM $9 OR"
	    " commune IS DISTINCT FROM $10 OR country IS DISTINCT FROM $11)"
	    " RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM customers"
	    " WHERE ref = $1",
	    1, 16,
	    { "ref", "title", "last_name", "first_name", "email", "phone",
	     "address_line1", "address_line2", "postcode", "commune",
	     "country", "name_key" } },
	[RB_IMP_CONTRACTS] = {
	    "contracts",
	    /* insert */
	    "INSERT INTO contracts (number, old_number, origin,"
	    " customer_id, service_address, service_postcode,"
	    " service_commune, start_date, end_date, can_create_account,"
	    " direct_debit, paperless, src_system, src_batch, src_file,"
	    " src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13, $14, $15, $16)"
	    " ON CONFLICT (number) DO NOTHING",
	    /* update when different */
	    "UPDATE contracts SET old_number = $2, origin = $3,"
	    " customer_id = $4, service_address = $5,"
	    " service_postcode = $6, service_commune = $7,"
	    " start_date = $8, end_date = $9, can_create_account = $10,"
	    " direct_debit = $11,"
	    " paperless = CASE WHEN paperless_by = 'import' THEN $12"
	    " ELSE paperless END, src_system = $13,"
	    " src_batch = $14, src_file = $15, src_line = $16"
	    " WHERE number = $1 AND (old_number IS DISTINCT FROM $2 OR"
	    " origin IS DISTINCT FROM $3 OR"
	    " customer_id IS DISTINCT FROM $4 OR"
	    " service_address IS DISTINCT FROM $5 OR"
	    " service_postcode IS DISTINCT FROM $6 OR"
	    " service_commune IS DISTINCT FROM $7 OR"
	    " start_date IS DISTINCT FROM $8 OR"
	    " end_date IS DISTINCT FROM $9 OR"
	    " can_create_account IS DISTINCT FROM $10 OR"
	    " direct_debit IS DISTINCT FROM $11 OR"
	    " (paperless_by = 'import' AND paperless IS DISTINCT FROM $12))"
	    " RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM contracts"
	    " WHERE number = $1",
	    1, 16,
	    { "number", "old_number", "origin", "customer_id",
	     "service_address", "service_postcode", "service_commune",
	     "start_date", "end_date", "can_create_account", "direct_debit",
	     "paperless" } },
	[RB_IMP_METERS] = {
	    "meters",
	    /* insert */
	    "INSERT INTO meters (serial, contract_id, remote_read,"
	    " installed_on, removed_on, src_system, src_batch, src_file,"
	    " src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
	    " ON CONFLICT (serial) DO NOTHING",
	    /* update when different */
	    "UPDATE meters SET contract_id = $2, remote_read = $3,"
	    " installed_on = $4, removed_on = $5, src_system = $6,"
	    " src_batch = $7, src_file = $8, src_line = $9"
	    " WHERE serial = $1 AND (contract_id IS DISTINCT FROM $2 OR"
	    " remote_read IS DISTINCT FROM $3 OR"
	    " installed_on IS DISTINCT FROM $4 OR"
	    " removed_on IS DISTINCT FROM $5) RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM meters"
	    " WHERE serial = $1",
	    1, 9,
	    { "serial", "contract_id", "remote_read", "installed_on",
	     "removed_on" } },
	[RB_IMP_READINGS] = {
	    "meter_readings",
	    /* insert */
	    "INSERT INTO meter_readings (meter_id, read_on, index_litres,"
	    " source, src_system, src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (meter_id, read_on) DO NOTHING",
	    /* update when different */
	    "UPDATE meter_readings SET index_litres = $3, source = $4,"
	    " src_system = $5, src_batch = $6, src_file = $7, src_line = $8"
	    " WHERE meter_id = $1 AND read_on = $2 AND ("
	    " index_litres IS DISTINCT FROM $3 OR"
	    " source IS DISTINCT FROM $4) RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM meter_readings"
	    " WHERE meter_id = $1 AND read_on = $2",
	    2, 8,
	    { "meter_id", "read_on", "index_litres", "source" } },
	[RB_IMP_INVOICES] = {
	    "invoices",
	    /* insert */
	    "INSERT INTO invoices (number, contract_id, contract_number,"
	    " archived, period_start, period_end, old_index_litres,"
	    " new_index_litres, old_read_on, new_read_on, old_read_kind,"
	    " new_read_kind, volume_litres, amount_excl_tax_cents,"
	    " vat_cents, total_cents, issued_on, due_on, status,"
	    " src_system, src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
	    " ON CONFLICT (number) DO NOTHING",
	    /* update when different */
	    "UPDATE invoices SET contract_id = $2, contract_number = $3,"
	    " archived = $4, period_start = $5, period_end = $6,"
	    " old_index_litres = $7, new_index_litres = $8,"
	    " old_read_on = $9, new_read_on = $10, old_read_kind = $11,"
	    " new_read_kind = $12, volume_litres = $13,"
	    " amount_excl_tax_cents = $14, vat_cents = $15,"
	    " total_cents = $16, issued_on = $17, due_on = $18,"
	    " status = $19, src_system = $20, src_batch = $21,"
	    " src_file = $22, src_line = $23"
	    " WHERE number = $1 AND (contract_id IS DISTINCT FROM $2 OR"
	    " contract_number IS DISTINCT FROM $3 OR"
	    " archived IS DISTINCT FROM $4 OR"
	    " period_start IS DISTINCT FROM $5 OR"
	    " period_end IS DISTINCT FROM $6 OR"
	    " old_index_litres IS DISTINCT FROM $7 OR"
	    " new_index_litres IS DISTINCT FROM $8 OR"
	    " old_read_on IS DISTINCT FROM $9 OR"
	    " new_read_on IS DISTINCT FROM $10 OR"
	    " old_read_kind IS DISTINCT FROM $11 OR"
	    " new_read_kind IS DISTINCT FROM $12 OR"
	    " volume_litres IS DISTINCT FROM $13 OR"
	    " amount_excl_tax_cents IS DISTINCT FROM $14 OR"
	    " vat_cents IS DISTINCT FROM $15 OR"
	    " total_cents IS DISTINCT FROM $16 OR"
	    " issued_on IS DISTINCT FROM $17 OR"
	    " due_on IS DISTINCT FROM $18 OR status IS DISTINCT FROM $19)"
	    " RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM invoices"
	    " WHERE number = $1",
	    1, 23,
	    { "number", "contract_id", "contract_number", "archived",
	     "period_start", "period_end", "old_index_litres",
	     "new_index_litres", "old_read_on", "new_read_on", "old_read_kind",
	     "new_read_kind", "volume_litres", "amount_excl_tax_cents",
	     "vat_cents", "total_cents", "issued_on", "due_on", "status" } },
	[RB_IMP_LINES] = {
	    "invoice_lines",
	    /* insert */
	    "INSERT INTO invoice_lines (invoice_id, position, heading,"
	    " tariff_code, label, period_start, period_end, quantity,"
	    " quantity_unit, unit_price_c100, amount_excl_tax_cents,"
	    " vat_rate_bp, vat_cents, src_system, src_batch, src_file,"
	    " src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13, $14, $15, $16, $17)"
	    " ON CONFLICT (invoice_id, position) DO NOTHING",
	    /* update when different */
	    "UPDATE invoice_lines SET heading = $3, tariff_code = $4,"
	    " label = $5, period_start = $6, period_end = $7,"
	    " quantity = $8, quantity_unit = $9, unit_price_c100 = $10,"
	    " amount_excl_tax_cents = $11, vat_rate_bp = $12,"
	    " vat_cents = $13, src_system = $14, src_batch = $15,"
	    " src_file = $16, src_line = $17"
	    " WHERE invoice_id = $1 AND position = $2 AND ("
	    " heading IS DISTINCT FROM $3 OR"
	    " tariff_code IS DISTINCT FROM $4 OR"
	    " label IS DISTINCT FROM $5 OR"
	    " period_start IS DISTINCT FROM $6 OR"
	    " period_end IS DISTINCT FROM $7 OR"
	    " quantity IS DISTINCT FROM $8 OR"
	    " quantity_unit IS DISTINCT FROM $9 OR"
	    " unit_price_c100 IS DISTINCT FROM $10 OR"
	    " amount_excl_tax_cents IS DISTINCT FROM $11 OR"
	    " vat_rate_bp IS DISTINCT FROM $12 OR"
	    " vat_cents IS DISTINCT FROM $13) RETURNING invoice_id",
	    /* select (a line has no id of its own: its bill's) */
	    "SELECT invoice_id, src_batch, src_file, src_line FROM invoice_lines"
	    " WHERE invoice_id = $1 AND position = $2",
	    2, 17,
	    { "invoice_id", "position", "heading", "tariff_code", "label",
	     "period_start", "period_end", "quantity", "quantity_unit",
	     "unit_price_c100", "amount_excl_tax_cents", "vat_rate_bp",
	     "vat_cents" } },
	[RB_IMP_MANDATES] = {
	    "sepa_mandates",
	    /* insert */
	    "INSERT INTO sepa_mandates (rum, contract_id, holder,"
	    " iban_enc, iban_last4, bic, signed_on, status, revoked_on,"
	    " src_system, src_batch, src_file, src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13)"
	    " ON CONFLICT (rum) DO NOTHING",
	    /* update when different */
	    "UPDATE sepa_mandates SET contract_id = $2, holder = $3,"
	    " iban_enc = $4, iban_last4 = $5, bic = $6, signed_on = $7,"
	    " status = $8, revoked_on = $9, src_system = $10,"
	    " src_batch = $11, src_file = $12, src_line = $13"
	    " WHERE rum = $1 AND (contract_id IS DISTINCT FROM $2 OR"
	    " holder IS DISTINCT FROM $3 OR"
	    " iban_enc IS DISTINCT FROM $4 OR"
	    " iban_last4 IS DISTINCT FROM $5 OR bic IS DISTINCT FROM $6 OR"
	    " signed_on IS DISTINCT FROM $7 OR"
	    " status IS DISTINCT FROM $8 OR revoked_on IS DISTINCT FROM $9)"
	    " RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM sepa_mandates"
	    " WHERE rum = $1",
	    1, 13,
	    { "rum", "contract_id", "holder", "iban_enc", "iban_last4", "bic",
	     "signed_on", "status", "revoked_on" } },
	[RB_IMP_LEGACY] = {
	    "legacy_credentials",
	    /* insert */
	    "INSERT INTO legacy_credentials (old_customer_id, contract_id,"
	    " hash, migrated_at, src_system, src_batch, src_file,"
	    " src_line)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (old_customer_id) DO NOTHING",
	    /* update when different */
	    "UPDATE legacy_credentials SET contract_id = $2, hash = $3,"
	    " migrated_at = $4, src_system = $5, src_batch = $6,"
	    " src_file = $7, src_line = $8"
	    " WHERE old_customer_id = $1 AND migrated_at IS NULL AND ("
	    " contract_id IS DISTINCT FROM $2 OR"
	    " hash IS DISTINCT FROM $3 OR migrated_at IS DISTINCT FROM $4)"
	    " RETURNING id",
	    /* select */
	    "SELECT id, src_batch, src_file, src_line FROM legacy_credentials"
	    " WHERE old_customer_id = $1",
	    1, 8,
	    { "old_customer_id", "contract_id", "hash", "migrated_at" } },
};

static const char sql_customer[] =
	"SELECT id FROM customers WHERE ref = $1";
static const char sql_contract[] =
	"SELECT id, old_number FROM contracts WHERE number = $1";
static const char sql_contract_by_old[] =
	"SELECT number FROM contracts WHERE old_number = $1";
static const char sql_meter[] =
	"SELECT id FROM meters WHERE serial = $1";
static const char sql_invoice[] =
	"SELECT id FROM invoices WHERE number = $1";
static const char sql_mandate_iban[] =
	"SELECT iban_enc FROM sepa_mandates WHERE rum = $1";

static const char sql_contract_paperless[] =
	"SELECT paperless, paperless_by FROM contracts WHERE number = $1";
static const char sql_bill_target[] =
	"SELECT c.paperless, COALESCE(a.email, cu.email),"
	" COALESCE(a.first_name, cu.first_name)"
	" FROM contracts c JOIN customers cu ON cu.id = c.customer_id"
	" LEFT JOIN account_contracts ac ON ac.contract_id = c.id"
	" LEFT JOIN web_accounts a ON a.id = ac.account_id"
	"   AND a.status = 'active'"
	" WHERE c.id = $1";
static const char sql_print_flag[] =
	"UPDATE invoices SET print_requested = 1 WHERE number = $1";

static const char sql_batch_start[] =
	"INSERT INTO import_batches (started_at, directory, src_system,"
	" status) VALUES ($1, $2, $3, 'running') RETURNING id";
static const char sql_batch_finish[] =
	"UPDATE import_batches SET finished_at = $2, status = $3,"
	" rows_read = $4, rows_inserted = $5, rows_updated = $6,"
	" rows_unchanged = $7, rows_rejected = $8, report = $9"
	" WHERE id = $1";

static const char *const sql_empty[RB_IMP__MAX] = {
	[RB_IMP_TARIFFS] = "SELECT 1 FROM tariffs LIMIT 1",
	[RB_IMP_CUSTOMERS] = "SELECT 1 FROM customers LIMIT 1",
	[RB_IMP_CONTRACTS] = "SELECT 1 FROM contracts LIMIT 1",
	[RB_IMP_METERS] = "SELECT 1 FROM meters LIMIT 1",
	[RB_IMP_READINGS] = "SELECT 1 FROM meter_readings LIMIT 1",
	[RB_IMP_INVOICES] = "SELECT 1 FROM invoices LIMIT 1",
	[RB_IMP_LINES] = "SELECT 1 FROM invoice_lines LIMIT 1",
	[RB_IMP_MANDATES] = "SELECT 1 FROM sepa_mandates LIMIT 1",
	[RB_IMP_LEGACY] = "SELECT 1 FROM legacy_credentials LIMIT 1",
};

static const char *const sql_refs[] = {
	[RB_IMP_REF_CUSTOMER] = "SELECT ref, id, NULL FROM customers",
	[RB_IMP_REF_CONTRACT] = "SELECT number, id, old_number FROM contracts",
	[RB_IMP_REF_METER] = "SELECT serial, id, NULL FROM meters",
	[RB_IMP_REF_INVOICE] = "SELECT number, id, NULL FROM invoices",
};

int
rb_import_store_param(enum rb_imp_table t, const char *column, int *nparams)
{
	const struct imp_table *it = &tables[t];
	int i, n = it->it_nall - 4;

	if (nparams != NULL)
		*nparams = n;
	for (i = 0; i < n; i++)
		if (strcmp(it->it_cols[i], column) == 0)
			return i;
	return -1;
}

static void
bind_all(rb_stmt *st, const struct imp_table *it,
    const struct rb_imp_val *vals, const struct rb_imp_source *src)
{
	int i, n = it->it_nall - 4;

	for (i = 0; i < n; i++) {
		switch (vals[i].iv_kind) {
		case RB_IMPV_INT:
			rb_stmt_bind_int(st, i + 1, vals[i].iv_int);
			break;
		case RB_IMPV_TEXT:
			rb_stmt_bind_text(st, i + 1, vals[i].iv_text, -1);
			break;
		default:
			rb_stmt_bind_null(st, i + 1);
			break;
		}
	}
	rb_stmt_bind_text(st, n + 1, src->is_system, -1);
	rb_stmt_bind_text(st, n + 2, src->is_batch, -1);
	rb_stmt_bind_text(st, n + 3, src->is_file, -1);
	rb_stmt_bind_int(st, n + 4, src->is_line);
}

/* Binds the natural key of the row, $1.. */
static void
bind_key(rb_stmt *st, const struct imp_table *it,
    const struct rb_imp_val *vals)
{
	int i;

	for (i = 0; i < it->it_nkey; i++) {
		if (vals[i].iv_kind == RB_IMPV_INT)
			rb_stmt_bind_int(st, i + 1, vals[i].iv_int);
		else
			rb_stmt_bind_text(st, i + 1, vals[i].iv_text, -1);
	}
}

/* Maps a step error to the result of the functions below. */
static int
step_error(int rc)
{
	return rc == RB_CONSTRAINT ? RB_CONSTRAINT : -1;
}

int
rb_import_store_insert(rb_db *db, enum rb_imp_table t,
    const struct rb_imp_val *vals, const struct rb_imp_source *src)
{
	const struct imp_table *it = &tables[t];
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, it->it_insert)) == NULL)
		return -1;
	bind_all(st, it, vals, src);
	rc = rb_stmt_step(st);
	if (rc == RB_DONE)
		rc = rb_stmt_changes(st) > 0 ? 1 : 0;
	else
		rc = step_error(rc);
	rb_stmt_reset(st);
	return rc;
}

int
rb_import_store_find(rb_db *db, enum rb_imp_table t,
    const struct rb_imp_val *vals, const struct rb_imp_source *src,
    int64_t *id, int64_t *same_file_line)
{
	const struct imp_table *it = &tables[t];
	const char *batch, *file;
	rb_stmt *st;
	int rc;

	*id = 0;
	*same_file_line = 0;
	if ((st = rb_db_prepare(db, it->it_select)) == NULL)
		return -1;
	bind_key(st, it, vals);
	rc = rb_stmt_step(st);
	if (rc == RB_ROW) {
		*id = rb_stmt_int(st, 0);
		batch = rb_stmt_text(st, 1);
		file = rb_stmt_text(st, 2);
		if (batch != NULL && file != NULL &&
		    strcmp(batch, src->is_batch) == 0 &&
		    strcmp(file, src->is_file) == 0)
			*same_file_line = rb_stmt_int(st, 3);
		rc = 1;
	} else
		rc = rc == RB_DONE ? 0 : -1;
	rb_stmt_reset(st);
	return rc;
}

int
rb_import_store_update(rb_db *db, enum rb_imp_table t,
    const struct rb_imp_val *vals, const struct rb_imp_source *src)
{
	const struct imp_table *it = &tables[t];
	rb_stmt *st;
	int rc;

	if ((st = rb_db_prepare(db, it->it_update)) == NULL)
		return -1;
	bind_all(st, it, vals, src);
	rc = rb_stmt_step(st);
	if (rc == RB_ROW)
		rc = 1;
	else
		rc = rc == RB_DONE ? 0 : step_error(rc);
	rb_stmt_reset(st);
	return rc;
}

/* Runs a one-text-parameter lookup; copies column col into buf. */
static int
lookup(rb_db *db, const char *sql, const char *key, int64_t *id,
    char *buf, size_t buflen)
{
	const char *s;
	rb_stmt *st;
	int rc;

	if (buf != NULL && buflen > 0)
		buf[0] = '\0';
	if ((st = rb_db_prepare(db, sql)) == NULL)
		return -1;
	rb_stmt_bind_text(st, 1, key, -1);
	rc = rb_stmt_step(st);
	if (rc == RB_ROW) {
		if (id != NULL)
			*id = rb_stmt_int(st, 0);
		if (buf != NULL && (s = rb_stmt_text(st, id != NULL ? 1 :
		    0)) != NULL)
			snprintf(buf, buflen, "%s", s);
		rc = 1;
	} else if (rc == RB_DONE)
		rc = 0;
	else
		rc = -1;
	rb_stmt_reset(st);
	return rc;
}

int
rb_import_store_customer(rb_db *db, const char *ref, int64_t *id)
{
	return lookup(db, sql_customer, ref, id, NULL, 0);
}

int
rb_import_store_contract(rb_db *db, const char *number, int64_t *id,
    char *old_number, size_t oldlen)
{
	return lookup(db, sql_contract, number, id, old_number, oldlen);
}

int
rb_import_store_contract_by_old(rb_db *db, const char *old_number,
    char *number, size_t numlen)
{
	return lookup(db, sql_contract_by_old, old_number, NULL, number,
	    numlen);
}

int
rb_import_store_meter(rb_db *db, const char *serial, int64_t *id)
{
	return lookup(db, sql_meter, serial, id, NULL, 0);
}

int
rb_import_store_invoice(rb_db *db, const char *number, int64_t *id)
{
	return lookup(db, sql_invoice, number, id, NULL, 0);
}

int
rb_import_store_mandate_iban(rb_db *db, const char *rum, char *enc,
    size_t enclen)
{
	return lookup(db, sql_mandate_iban, rum, NULL, enc, enclen);
}

struct paperless_out {
	int	*po_on;
	int	*po_by_import;
};

static void
paperless_row(rb_stmt *st, void *arg)
{
	struct paperless_out *o = arg;
	const char *by = rb_stmt_text(st, 1);

	*o->po_on = rb_stmt_int(st, 0) != 0;
	*o->po_by_import = by != NULL && strcmp(by, "import") == 0;
}

int
rb_import_store_contract_paperless(rb_db *db, const char *number, int *on,
    int *by_import)
{
	struct paperless_out o = { on, by_import };
	int rc;

	*on = *by_import = 0;
	rc = rb_db_fetch_one(db, sql_contract_paperless,
	    RB_BINDS(rb_text(number)), paperless_row, &o);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

static void
target_row(rb_stmt *st, void *arg)
{
	struct rb_imp_bill_target *t = arg;
	const char *s;

	t->bt_paperless = rb_stmt_int(st, 0) != 0;
	s = rb_stmt_text(st, 1);
	snprintf(t->bt_email, sizeof(t->bt_email), "%s", s != NULL ? s : "");
	s = rb_stmt_text(st, 2);
	snprintf(t->bt_first_name, sizeof(t->bt_first_name), "%s",
	    s != NULL ? s : "");
}

int
rb_import_store_bill_target(rb_db *db, int64_t contract_id,
    struct rb_imp_bill_target *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = rb_db_fetch_one(db, sql_bill_target,
	    RB_BINDS(rb_int(contract_id)), target_row, t);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

int
rb_import_store_print_flag(rb_db *db, const char *invoice_number)
{
	return rb_db_run(db, sql_print_flag,
	    RB_BINDS(rb_text(invoice_number)), NULL) == 0 ? 0 : -1;
}

int
rb_import_store_batch_start(rb_db *db, time_t now, const char *directory,
    const char *system, int64_t *id)
{
	rb_stmt *st;
	int rc = -1;

	if (rb_db_begin(db) != 0)
		return -1;
	if ((st = rb_db_prepare(db, sql_batch_start)) == NULL)
		goto out;
	rb_stmt_bind_int(st, 1, (int64_t)now);
	rb_stmt_bind_text(st, 2, directory, -1);
	rb_stmt_bind_text(st, 3, system, -1);
	if (rb_stmt_step(st) == RB_ROW) {
		*id = rb_stmt_int(st, 0);
		rc = 0;
	}
	rb_stmt_reset(st);
out:
	if (rc == 0)
		rc = rb_db_commit(db);
	else
		rb_db_rollback(db);
	return rc;
}

int
rb_import_store_batch_finish(rb_db *db, int64_t id, time_t now,
    const char *status, const struct rb_imp_counts *c, const char *report,
    const json_t *detail)
{
	char target[40];
	rb_stmt *st;
	int rc = -1;

	if (rb_db_begin(db) != 0)
		return -1;
	if ((st = rb_db_prepare(db, sql_batch_finish)) == NULL)
		goto out;
	rb_stmt_bind_int(st, 1, id);
	rb_stmt_bind_int(st, 2, (int64_t)now);
	rb_stmt_bind_text(st, 3, status, -1);
	rb_stmt_bind_int(st, 4, c->ic_rows);
	rb_stmt_bind_int(st, 5, c->ic_inserted);
	rb_stmt_bind_int(st, 6, c->ic_updated);
	rb_stmt_bind_int(st, 7, c->ic_unchanged);
	rb_stmt_bind_int(st, 8, c->ic_rejected);
	rb_stmt_bind_text(st, 9, report, -1);
	rc = rb_stmt_step(st) == RB_DONE ? 0 : -1;
	rb_stmt_reset(st);
	if (rc != 0)
		goto out;
	snprintf(target, sizeof(target), "import:%lld", (long long)id);
	rc = rb_audit(db, now, RB_ACTOR_SYSTEM, 0, "import.run", target, NULL,
	    detail);
out:
	if (rc == 0)
		rc = rb_db_commit(db);
	else
		rb_db_rollback(db);
	return rc;
}

int
rb_import_store_is_empty(rb_db *db, enum rb_imp_table t)
{
	int rc = rb_db_fetch_one(db, sql_empty[t], NULL, 0, NULL, NULL);

	return rc == 1 ? 1 : rc == 0 ? 0 : -1;
}

/* The table each one's foreign key checked by the import references
   (app/import.c: every reference of the bulk path is looked up in the
   rows of that table, read after the fill began). */
static const char *const fill_checked[RB_IMP__MAX] = {
	[RB_IMP_CONTRACTS] = "customers",
	[RB_IMP_METERS] = "contracts",
	[RB_IMP_READINGS] = "meters",
	[RB_IMP_INVOICES] = "contracts",
	[RB_IMP_LINES] = "invoices",
	[RB_IMP_MANDATES] = "contracts",
	[RB_IMP_LEGACY] = "contracts",
};

/*
 * The tables whose CHECK constraints (0001_schema.sql) the import's own
 * checks of every row imply (app/import.c): enumerations against the
 * same lists, dates as YYYY-MM-DD (LIKE '____-__-__'), counts >= 0,
 * rates 0..10000, flags 0 or 1, a bill's total its amount plus VAT.
 * Their fill sets the CHECKs aside for the copy (db.h,
 * rb_db_fill_begin_verified()). test_import_run pins the constraints
 * of these tables: a CHECK added to one of them must be checked by the
 * import first.
 */
static const int fill_verified[RB_IMP__MAX] = {
	[RB_IMP_READINGS] = 1,
	[RB_IMP_INVOICES] = 1,
	[RB_IMP_LINES] = 1,
};

int
rb_import_store_fill_begin(rb_db *db, enum rb_imp_table t)
{
	if (fill_verified[t])
		return rb_db_fill_begin_verified(db, tables[t].it_name,
		    fill_checked[t]) != 0 ? -1 : 0;
	return rb_db_fill_begin_checked(db, tables[t].it_name,
	    fill_checked[t]) != 0 ? -1 : 0;
}

/* The provenance the same on every row of a file: given once for the
   copy (db.h, rb_db_copy_begin_fixed()), not on each row. */
static const char *const copy_fixed[3] = { "src_system", "src_batch",
	"src_file" };

int
rb_import_store_copy_begin(rb_db *db, enum rb_imp_table t,
    const struct rb_imp_source *src)
{
	const struct imp_table *it = &tables[t];
	const char *cols[RB_IMP_MAX_PARAMS + 1];
	const char *fixed[3] = { src->is_system, src->is_batch, src->is_file };
	int i, n = it->it_nall - 4;

	for (i = 0; i < n; i++)
		cols[i] = it->it_cols[i];
	cols[n] = "src_line";
	return rb_db_copy_begin_fixed(db, it->it_name, cols, n + 1,
	    copy_fixed, fixed, 3);
}

/*
 * v in decimal at out (room for RB_INT_TEXT bytes), NUL-terminated;
 * the digits counted first and written in place, where rb_int_text()
 * writes them aside then copies them: that copy was 4 % of the
 * importer's CPU on the 20,000-contract files (every number of every
 * row of a bulk copy).
 */
static void
copy_int(int64_t v, char *out)
{
	uint64_t u = v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v, t;
	size_t n = 1;

	for (t = u; t >= 10; t /= 10)
		n++;
	if (v < 0)
		*out++ = '-';
	out[n] = '\0';
	do {
		out[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (n > 0);
}

int
rb_import_store_copy_row(rb_db *db, enum rb_imp_table t,
    const struct rb_imp_val *vals, const struct rb_imp_source *src)
{
	const struct imp_table *it = &tables[t];
	char num[RB_IMP_MAX_PARAMS + 1][RB_INT_TEXT];
	const char *f[RB_IMP_MAX_PARAMS + 1];
	int i, n = it->it_nall - 4;

	for (i = 0; i < n; i++) {
		switch (vals[i].iv_kind) {
		case RB_IMPV_INT:
			if (vals[i].iv_num != NULL) {
				f[i] = vals[i].iv_num;
				break;
			}
			copy_int(vals[i].iv_int, num[i]);
			f[i] = num[i];
			break;
		case RB_IMPV_TEXT:
			f[i] = vals[i].iv_text;
			break;
		default:
			f[i] = NULL;
			break;
		}
	}
	copy_int(src->is_line, num[n]);
	f[n] = num[n];
	return rb_db_copy_row(db, f);
}

struct refs_arg {
	void	(*ra_fn)(const char *, int64_t, const char *, void *);
	void	 *ra_arg;
};

static void
refs_row(rb_stmt *st, void *arg)
{
	struct refs_arg *ra = arg;
	const char *key = rb_stmt_text(st, 0);

	if (key != NULL)
		ra->ra_fn(key, rb_stmt_int(st, 1), rb_stmt_text(st, 2),
		    ra->ra_arg);
}

int
rb_import_store_refs(rb_db *db, enum rb_imp_ref kind,
    void (*fn)(const char *, int64_t, const char *, void *), void *arg)
{
	struct refs_arg ra = { fn, arg };

	return rb_db_fetch_all(db, sql_refs[kind], NULL, 0, refs_row, &ra);
}
