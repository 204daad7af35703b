-- 0029_lines_key.pg.sql: schema version 29 (PostgreSQL; SQLite:
-- 0029_lines_key.sqlite.sql): invoice_lines keyed by their natural key.
--
-- A bill's line is (invoice_id, position): unique since version 3
-- (invoice_lines_invoice), the key the import writes by (ON CONFLICT)
-- and the order bills are read and shown in. The surrogate id beside it
-- was read by nothing but tie-breakers after position and cost the
-- import of a history one index build more on its largest table
-- (issue 12: 0.73-0.95 s of the 1.39 million lines of 20,000 contracts,
-- besides the unique index). The unique index becomes the primary key,
-- as it is (no rebuild), and the id goes with its identity sequence.

ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_pkey;
ALTER TABLE invoice_lines DROP COLUMN id;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_pkey
    PRIMARY KEY USING INDEX invoice_lines_invoice;
