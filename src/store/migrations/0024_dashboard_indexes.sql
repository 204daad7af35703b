-- 0024_dashboard_indexes.sql: schema version 24: two indexes that the
-- dashboard reads without going to the tables (issue 12, faster
-- signed-in pages).
--
-- /mon-espace (store/space.c) reads, per contract, its open bills (the
-- contract, status, due date and total of each) and its meter in place
-- (the latest installed not removed). Through invoices_open (0022, the
-- contract alone) and meters_contract it read each row from the table
-- after the index: one more b-tree search per row. These indexes hold
-- what the statements read (SQLite reads a column of a partial index's
-- condition from the table unless the index holds it: hence status and
-- removed_on among the columns); the conditions are written exactly as
-- in the statements. In meters_in_place the meters of a contract not
-- removed come in installation order, then id: the latest installed is
-- its last entry, without a sort. invoices_open is replaced (space.c
-- was its only reader). Same dialect rules as 0001_schema.sql.

DROP INDEX invoices_open;
CREATE INDEX invoices_open ON invoices (contract_id, due_on, total_cents,
	status) WHERE status IN ('to_pay', 'overdue', 'direct_debit');
CREATE INDEX meters_in_place ON meters (contract_id, removed_on,
	installed_on) WHERE removed_on IS NULL;
