/*
 * export.c: SQL of the CSV export (see export.h): one constant SELECT per
 * imported table, joined to the tables it refers to so that references
 * come out as natural keys, with its column names in file order.
 *
 * Each SELECT walks its table in rowid order (no sort) and looks each
 * reference up by primary key, so the cost is linear in the rows; the
 * rows are handed on as the engine reads them, never gathered.
 */
#include "base/mem.h"
#include "store/export.h"

struct export_table {
	const char		*et_sql;
	const char *const	*et_columns;
	int			 et_ncolumns;
};

static const char *const cols_tariffs[] = {
	"code", "valid_from", "valid_to", "heading", "label", "unit",
	"unit_price_c100", "vat_rate_bp",
};

static const char *const cols_customers[] = {
	"ref", "title", "last_name", "first_name", "email", "phone",
	"address_line1", "address_line2", "postcode", "commune", "country",
};

static const char *const cols_contracts[] = {
	"number", "old_number", "origin", "customer_ref", "service_address",
	"service_postcode", "service_commune", "start_date", "end_date",
	"can_create_account", "direct_debit", "paperless",
};

static const char *const cols_meters[] = {
	"serial", "contract_number", "remote_read", "installed_on",
	"removed_on",
};

static const char *const cols_readings[] = {
	"meter_serial", "read_on", "index_litres", "source",
};

static const char *const cols_invoices[] = {
	"number", "contract_number", "printed_contract_number", "archived",
	"period_start", "period_end", "old_index_litres", "new_index_litres",
	"old_read_on", "new_read_on", "old_read_kind", "new_read_kind",
	"volume_litres", "amount_excl_tax_cents", "vat_cents", "total_cents",
	"issued_on", "due_on", "status",
};

static const char *const cols_lines[] = {
	"invoice_number", "position", "heading", "tariff_code", "label",
	"period_start", "period_end", "quantity", "quantity_unit",
	"unit_price_c100", "amount_excl_tax_cents", "vat_rate_bp",
	"vat_cents",
};

static const char *const cols_mandates[] = {
	"rum", "contract_number", "holder", "iban", "bic", "signed_on",
	"status", "revoked_on",
};

static const char *const cols_legacy[] = {
	"old_customer_id", "contract_number", "hash", "migrated_at",
};

#define TABLE(sql, cols)	{ sql, cols, (int)RB_NELEM(cols) }

static const struct export_table tables[RB_EXPORT__MAX] = {
	[RB_EXPORT_TARIFFS] = TABLE(
	    "SELECT code, valid_from, valid_to, heading, label, unit,"
	    " unit_price_c100, vat_rate_bp FROM tariffs ORDER BY id",
	    cols_tariffs),
	[RB_EXPORT_CUSTOMERS] = TABLE(
	    "SELECT ref, title, last_name, first_name, email, phone,"
	    " address_line1, address_line2, postcode, commune, country"
	    " FROM customers ORDER BY id",
	    cols_customers),
	[RB_EXPORT_CONTRACTS] = TABLE(
	    "SELECT c.number, c.old_number, c.origin, cu.ref,"
	    " c.service_address, c.service_postcode, c.service_commune,"
	    " c.start_date, c.end_date, c.can_create_account,"
	    " c.direct_debit, c.paperless"
	    " FROM contracts c JOIN customers cu ON cu.id = c.customer_id"
	    " ORDER BY c.id",
	    cols_contracts),
	[RB_EXPORT_METERS] = TABLE(
	    "SELECT m.serial, c.number, m.remote_read, m.installed_on,"
	    " m.removed_on"
	    " FROM meters m JOIN contracts c ON c.id = m.contract_id"
	    " ORDER BY m.id",
	    cols_meters),
	[RB_EXPORT_READINGS] = TABLE(
	    "SELECT m.serial, r.read_on, r.index_litres, r.source"
	    " FROM meter_readings r JOIN meters m ON m.id = r.meter_id"
	    " ORDER BY r.id",
	    cols_readings),
	[RB_EXPORT_INVOICES] = TABLE(
	    "SELECT i.number, c.number, i.contract_number, i.archived,"
	    " i.period_start, i.period_end, i.old_index_litres,"
	    " i.new_index_litres, i.old_read_on, i.new_read_on,"
	    " i.old_read_kind, i.new_read_kind, i.volume_litres,"
	    " i.amount_excl_tax_cents, i.vat_cents, i.total_cents,"
	    " i.issued_on, i.due_on, i.status"
	    " FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	    " ORDER BY i.id",
	    cols_invoices),
	[RB_EXPORT_LINES] = TABLE(
	    "SELECT i.number, l.position, l.heading, l.tariff_code, l.label,"
	    " l.period_start, l.period_end, l.quantity, l.quantity_unit,"
	    " l.unit_price_c100, l.amount_excl_tax_cents, l.vat_rate_bp,"
	    " l.vat_cents"
	    " FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id"
	    " ORDER BY l.invoice_id, l.position",
	    cols_lines),
	[RB_EXPORT_MANDATES] = TABLE(
	    "SELECT s.rum, c.number, s.holder, s.iban_enc, s.bic,"
	    " s.signed_on, s.status, s.revoked_on"
	    " FROM sepa_mandates s JOIN contracts c ON c.id = s.contract_id"
	    " ORDER BY s.id",
	    cols_mandates),
	[RB_EXPORT_LEGACY] = TABLE(
	    "SELECT lc.old_customer_id, c.number, lc.hash, lc.migrated_at"
	    " FROM legacy_credentials lc"
	    " JOIN contracts c ON c.id = lc.contract_id"
	    " ORDER BY lc.id",
	    cols_legacy),
};

int
rb_export_store_columns(enum rb_export_table t, const char *const **columns)
{
	*columns = tables[t].et_columns;
	return tables[t].et_ncolumns;
}

int
rb_export_store_rows(rb_db *db, enum rb_export_table t,
    int (*fn)(const char *const *vals, void *arg), void *arg)
{
	const struct export_table *et = &tables[t];
	const char *vals[RB_EXPORT_MAX_COLUMNS];
	rb_stmt *st;
	int i, rc;

	if ((st = rb_db_prepare(db, et->et_sql)) == NULL)
		return -1;
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		for (i = 0; i < et->et_ncolumns; i++)
			vals[i] = rb_stmt_text(st, i);
		if (fn(vals, arg) != 0)
			break;
	}
	rb_stmt_reset(st);
	return rc == RB_DONE ? 0 : -1;
}
