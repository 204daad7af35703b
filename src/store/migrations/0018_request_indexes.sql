-- 0018_request_indexes.sql: schema version 18: indexes for the back
-- office's reads of customer-service requests (issue 10).
--
-- The customer file (store/custfile.c) lists the requests of the
-- holder's accounts (contact_requests_account, 0012) OR naming one of
-- the holder's contracts: without an index on contract_number the OR
-- reads the whole table. `robinet purge` finds closed requests by the
-- instant they were closed (status, updated_at). The queue's filters
-- (contact_requests_subject, contact_requests_status) and attachments
-- by (purpose, ref_id) (attachments_ref) are covered by 0001 and 0012.
-- Same dialect rules as 0001_schema.sql.

CREATE INDEX contact_requests_contract
	ON contact_requests (contract_number);
CREATE INDEX contact_requests_closed
	ON contact_requests (status, updated_at);
