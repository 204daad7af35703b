-- 0011_paperless.sql: schema version 11: paperless billing switched by
-- the subscriber, and the print flag of bills.
--
-- contracts.paperless_by says who set contracts.paperless last:
-- 'import' (the billing system or the former operator; every contract
-- starts so, its imported state kept as it came), 'subscriber' (the
-- portal) or 'agent' (customer service). Once the portal has set it,
-- a later import leaves it alone (app/import.c): re-importing the
-- billing system's unchanged export must not undo a subscriber's
-- choice.
--
-- invoices.print_requested is 1 for a bill the utility must print and
-- post: set by the import for each new current bill of a contract
-- without paperless billing (or without any address to write to);
-- `robinet print-list` lists them. Bills imported before this version
-- stay 0: they were printed by the former process. Same dialect rules
-- as 0001_schema.sql.

ALTER TABLE contracts ADD COLUMN paperless_by TEXT NOT NULL
	DEFAULT 'import'
	CHECK (paperless_by IN ('import', 'subscriber', 'agent'));
ALTER TABLE invoices ADD COLUMN print_requested SMALLINT NOT NULL
	DEFAULT 0 CHECK (print_requested IN (0, 1));
CREATE INDEX invoices_print ON invoices (issued_on)
	WHERE print_requested = 1;
