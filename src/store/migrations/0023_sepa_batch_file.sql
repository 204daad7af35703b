-- 0023_sepa_batch_file.sql: schema version 23: a SEPA batch keeps what
-- its file needs, so that the file can be written again.
--
-- The database is the record of an export, its pain.008 file is derived
-- from it: `robinet sepa export` commits the batch (its debits marked
-- exported), then writes the file from the batch; `sepa export --again
-- MSGID` writes that file again, byte for byte, when it was lost (a crash
-- between the commit and the file). The debits, mandates, msg_id and
-- created_at already hold the rest; the creditor settings may change
-- after the export, so the batch keeps those its file used. Batches
-- exported before this version have them NULL (their file cannot be
-- written again). Same dialect rules as 0001_schema.sql.

ALTER TABLE sepa_batches ADD COLUMN cdtr_name TEXT;
ALTER TABLE sepa_batches ADD COLUMN cdtr_iban TEXT;
ALTER TABLE sepa_batches ADD COLUMN cdtr_bic TEXT;
ALTER TABLE sepa_batches ADD COLUMN cdtr_ics TEXT;
