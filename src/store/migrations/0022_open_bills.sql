-- 0022_open_bills.sql: schema version 22: an index of the open bills,
-- for the dashboard (issue 12, faster signed-in pages).
--
-- /mon-espace sums, per contract, what is owed on the bills to pay,
-- overdue or under direct debit (store/space.c). Through
-- invoices_contract_issued it read every bill of the contract, paid or
-- not, to look at its status; this partial index holds only the open
-- ones, a small share of the table. The condition on status is written
-- exactly as in the statement. Same dialect rules as 0001_schema.sql.

CREATE INDEX invoices_open ON invoices (contract_id)
	WHERE status IN ('to_pay', 'overdue', 'direct_debit');
