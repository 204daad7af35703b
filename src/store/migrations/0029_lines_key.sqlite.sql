-- 0029_lines_key.sqlite.sql: schema version 29 (SQLite; PostgreSQL:
-- 0029_lines_key.pg.sql): invoice_lines keyed by their natural key.
--
-- A bill's line is (invoice_id, position): unique since version 3
-- (invoice_lines_invoice), the key the import writes by (ON CONFLICT)
-- and the order bills are read and shown in. The surrogate id beside it
-- was read by nothing but tie-breakers after position, and cost the
-- PostgreSQL import one index build more on its largest table (issue
-- 12). SQLite cannot drop a primary key column: the table is built
-- again without it, the same columns and checks otherwise, its rows
-- copied in their order, and (invoice_id, position) its primary key
-- (the index of that key replaces invoice_lines_invoice). No other
-- table references invoice_lines, no trigger or view reads it.

CREATE TABLE invoice_lines_v29 (
	invoice_id BIGINT NOT NULL REFERENCES invoices (id),
	position INTEGER NOT NULL,
	heading TEXT NOT NULL
	    CHECK (heading IN ('distribution', 'sewage', 'public_bodies')),
	tariff_code TEXT,
	label TEXT NOT NULL,
	period_start TEXT,
	period_end TEXT,
	quantity BIGINT NOT NULL,
	quantity_unit TEXT NOT NULL CHECK (quantity_unit IN ('litre', 'day')),
	unit_price_c100 BIGINT NOT NULL,
	amount_excl_tax_cents BIGINT NOT NULL,
	vat_rate_bp INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
	vat_cents BIGINT NOT NULL,
	src_system TEXT, src_batch TEXT, src_file TEXT, src_line BIGINT,
	PRIMARY KEY (invoice_id, position)
);
INSERT INTO invoice_lines_v29 (invoice_id, position, heading, tariff_code,
    label, period_start, period_end, quantity, quantity_unit,
    unit_price_c100, amount_excl_tax_cents, vat_rate_bp, vat_cents,
    src_system, src_batch, src_file, src_line)
SELECT invoice_id, position, heading, tariff_code, label, period_start,
    period_end, quantity, quantity_unit, unit_price_c100,
    amount_excl_tax_cents, vat_rate_bp, vat_cents, src_system, src_batch,
    src_file, src_line
FROM invoice_lines ORDER BY id;
DROP TABLE invoice_lines;
ALTER TABLE invoice_lines_v29 RENAME TO invoice_lines;
