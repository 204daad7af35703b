-- 0026_dashboard_order.sql: schema version 26: the dashboard's latest
-- bill and meter in place read in index order on both engines (issue
-- 12, faster signed-in pages).
--
-- /mon-espace (store/space.c) takes, per contract, its latest bill not
-- cancelled (ORDER BY issued_on DESC, id DESC LIMIT 1) and its latest
-- meter installed not removed (ORDER BY installed_on DESC, id DESC
-- LIMIT 1). SQLite found that order in the indexes (the rowid ends
-- every entry), PostgreSQL did not: id was in neither index, and in
-- meters_in_place (0024) removed_on came before installed_on (an IS NULL
-- condition does not fix a column's place in PostgreSQL's order), so it
-- sorted every contract's bills and meters for one row. Both indexes
-- now hold the order with id, and the column the statement also reads
-- (the bill's status, the meter's removed_on) after it, so that SQLite
-- reads neither table to find the row (it read each bill it passed for
-- its status). invoices_contract_issued keeps its name and its first
-- two columns, which its other readers use. Same dialect rules as
-- 0001_schema.sql.

DROP INDEX invoices_contract_issued;
CREATE INDEX invoices_contract_issued ON invoices (contract_id, issued_on,
	id, status);
DROP INDEX meters_in_place;
CREATE INDEX meters_in_place ON meters (contract_id, installed_on, id,
	removed_on) WHERE removed_on IS NULL;
