-- 0031_sqlite_notices.sqlite.sql: schema version 31 (SQLite; PostgreSQL:
-- 0031_sqlite_notices.pg.sql, which has nothing to do: NOTIFY carries
-- its notices). The notices between connections on SQLite (db.h,
-- rb_db_notify(), rb_db_listen()): a notice is a row of rb_notices,
-- written in the transaction that makes it (so it is seen at that
-- commit, never after a rollback), in commit order (one writer at a
-- time; AUTOINCREMENT: a number is never given twice, even after the
-- oldest rows are deleted). Each app server's listener reads the rows
-- past the last it saw every few milliseconds (store/sqlite.c) and
-- deletes those it read a minute before.
--
-- The triggers below are those of 0027, 0028 and 0030 on PostgreSQL:
-- every change to a table that a kept page of the subscriber's space
-- reads names, on the channel rb_data, the contract or account that
-- changed (app/pagecache.h), whoever wrote it: another robinet process,
-- the import, the back office, a batch job, or someone at the sqlite3
-- shell. SQLite has only row triggers: one row a changed row; the
-- listener takes more than 1000 rows at once as "*" (forget
-- everything). While rb_notices_quiet holds its one row, the triggers
-- write nothing: a bulk fill (rb_db_fill_begin(), rb_db_bulk_load())
-- puts it there inside its own transaction, takes it away at its end
-- and writes one "*" instead (store/sqlite.c). tests/unit/store/
-- test_notices.c checks that both engines watch the same tables.

CREATE TABLE rb_notices (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	channel TEXT NOT NULL,
	payload TEXT NOT NULL
);

CREATE TABLE rb_notices_quiet (
	id INTEGER PRIMARY KEY CHECK (id = 1)
);

-- contracts: contract
CREATE TRIGGER rb_data_contracts_ins AFTER INSERT ON contracts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_contracts_upd AFTER UPDATE ON contracts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.id AS k UNION SELECT OLD.id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_contracts_del AFTER DELETE ON contracts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- account_contracts: account
CREATE TRIGGER rb_data_account_contracts_ins AFTER INSERT ON account_contracts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_account_contracts_upd AFTER UPDATE ON account_contracts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k UNION SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_account_contracts_del AFTER DELETE ON account_contracts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- invoices: contract
CREATE TRIGGER rb_data_invoices_ins AFTER INSERT ON invoices BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_invoices_upd AFTER UPDATE ON invoices BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_invoices_del AFTER DELETE ON invoices BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- payments: contract
CREATE TRIGGER rb_data_payments_ins AFTER INSERT ON payments BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = NEW.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_payments_upd AFTER UPDATE ON payments BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT i.contract_id AS k FROM invoices i WHERE i.id = OLD.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_payments_del AFTER DELETE ON payments BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = OLD.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- sepa_mandates: contract
CREATE TRIGGER rb_data_sepa_mandates_ins AFTER INSERT ON sepa_mandates BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sepa_mandates_upd AFTER UPDATE ON sepa_mandates BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sepa_mandates_del AFTER DELETE ON sepa_mandates BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- sepa_debits: contract
CREATE TRIGGER rb_data_sepa_debits_ins AFTER INSERT ON sepa_debits BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sepa_debits_upd AFTER UPDATE ON sepa_debits BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sepa_debits_del AFTER DELETE ON sepa_debits BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- meters: contract
CREATE TRIGGER rb_data_meters_ins AFTER INSERT ON meters BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_meters_upd AFTER UPDATE ON meters BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_meters_del AFTER DELETE ON meters BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- meter_readings: contract
CREATE TRIGGER rb_data_meter_readings_ins AFTER INSERT ON meter_readings BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT m.contract_id AS k FROM meters m WHERE m.id = NEW.meter_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_meter_readings_upd AFTER UPDATE ON meter_readings BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT m.contract_id AS k FROM meters m WHERE m.id = NEW.meter_id UNION SELECT m.contract_id AS k FROM meters m WHERE m.id = OLD.meter_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_meter_readings_del AFTER DELETE ON meter_readings BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT m.contract_id AS k FROM meters m WHERE m.id = OLD.meter_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- consumption_alerts: contract
CREATE TRIGGER rb_data_consumption_alerts_ins AFTER INSERT ON consumption_alerts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_consumption_alerts_upd AFTER UPDATE ON consumption_alerts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_consumption_alerts_del AFTER DELETE ON consumption_alerts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- leak_alerts: contract
CREATE TRIGGER rb_data_leak_alerts_ins AFTER INSERT ON leak_alerts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_leak_alerts_upd AFTER UPDATE ON leak_alerts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_leak_alerts_del AFTER DELETE ON leak_alerts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- payment_orders: contract
CREATE TRIGGER rb_data_payment_orders_ins AFTER INSERT ON payment_orders BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_payment_orders_upd AFTER UPDATE ON payment_orders BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_payment_orders_del AFTER DELETE ON payment_orders BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- payment_order_items: contract
CREATE TRIGGER rb_data_payment_order_items_ins AFTER INSERT ON payment_order_items BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = NEW.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_payment_order_items_upd AFTER UPDATE ON payment_order_items BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT i.contract_id AS k FROM invoices i WHERE i.id = OLD.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_payment_order_items_del AFTER DELETE ON payment_order_items BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = OLD.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- customers: contract
CREATE TRIGGER rb_data_customers_ins AFTER INSERT ON customers BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = NEW.id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_customers_upd AFTER UPDATE ON customers BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = NEW.id UNION SELECT c.id AS k FROM contracts c WHERE c.customer_id = OLD.id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_customers_del AFTER DELETE ON customers BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = OLD.id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- customer_contact_history: contract
CREATE TRIGGER rb_data_customer_contact_history_ins AFTER INSERT ON customer_contact_history BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = NEW.customer_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_customer_contact_history_upd AFTER UPDATE ON customer_contact_history BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = NEW.customer_id UNION SELECT c.id AS k FROM contracts c WHERE c.customer_id = OLD.customer_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_customer_contact_history_del AFTER DELETE ON customer_contact_history BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = OLD.customer_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- sepa_plans: contract
CREATE TRIGGER rb_data_sepa_plans_ins AFTER INSERT ON sepa_plans BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sepa_plans_upd AFTER UPDATE ON sepa_plans BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sepa_plans_del AFTER DELETE ON sepa_plans BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- contact_requests: account
CREATE TRIGGER rb_data_contact_requests_ins AFTER INSERT ON contact_requests BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT a.id AS k FROM web_accounts a WHERE a.id = NEW.account_id OR (NEW.account_id IS NULL AND a.email_norm = NEW.email_norm))
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_contact_requests_upd AFTER UPDATE ON contact_requests BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT a.id AS k FROM web_accounts a WHERE a.id = NEW.account_id OR (NEW.account_id IS NULL AND a.email_norm = NEW.email_norm) UNION SELECT a.id AS k FROM web_accounts a WHERE a.id = OLD.account_id OR (OLD.account_id IS NULL AND a.email_norm = OLD.email_norm))
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_contact_requests_del AFTER DELETE ON contact_requests BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT a.id AS k FROM web_accounts a WHERE a.id = OLD.account_id OR (OLD.account_id IS NULL AND a.email_norm = OLD.email_norm))
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- web_accounts: account
CREATE TRIGGER rb_data_web_accounts_ins AFTER INSERT ON web_accounts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_web_accounts_upd AFTER UPDATE ON web_accounts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.id AS k UNION SELECT OLD.id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_web_accounts_del AFTER DELETE ON web_accounts BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT OLD.id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- leak_alert_settings: contract
CREATE TRIGGER rb_data_leak_alert_settings_ins AFTER INSERT ON leak_alert_settings BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_leak_alert_settings_upd AFTER UPDATE ON leak_alert_settings BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_leak_alert_settings_del AFTER DELETE ON leak_alert_settings BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- sessions: account
CREATE TRIGGER rb_data_sessions_ins AFTER INSERT ON sessions BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_sessions_del AFTER DELETE ON sessions BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- api_tokens: account
CREATE TRIGGER rb_data_api_tokens_ins AFTER INSERT ON api_tokens BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_api_tokens_upd AFTER UPDATE ON api_tokens
    WHEN OLD.revoked_at IS NOT NEW.revoked_at
    OR OLD.name IS NOT NEW.name OR OLD.account_id <> NEW.account_id
    OR (OLD.last_used_at IS NULL AND NEW.last_used_at IS NOT NULL) BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k UNION SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_api_tokens_del AFTER DELETE ON api_tokens BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- invoice_lines: contract
CREATE TRIGGER rb_data_invoice_lines_ins AFTER INSERT ON invoice_lines BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = NEW.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_invoice_lines_upd AFTER UPDATE ON invoice_lines BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = NEW.invoice_id UNION SELECT i.contract_id AS k FROM invoices i WHERE i.id = OLD.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_invoice_lines_del AFTER DELETE ON invoice_lines BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT i.contract_id AS k FROM invoices i WHERE i.id = OLD.invoice_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- legacy_credentials: contract
CREATE TRIGGER rb_data_legacy_credentials_ins AFTER INSERT ON legacy_credentials BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_legacy_credentials_upd AFTER UPDATE ON legacy_credentials BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT NEW.contract_id AS k UNION SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_legacy_credentials_del AFTER DELETE ON legacy_credentials BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT OLD.contract_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- braille_letters: account
CREATE TRIGGER rb_data_braille_letters_ins AFTER INSERT ON braille_letters BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_braille_letters_upd AFTER UPDATE ON braille_letters BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k UNION SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_braille_letters_del AFTER DELETE ON braille_letters BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT OLD.account_id AS k)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- contact_messages: account
CREATE TRIGGER rb_data_contact_messages_ins AFTER INSERT ON contact_messages BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT r.account_id AS k FROM contact_requests r WHERE r.id = NEW.request_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_contact_messages_upd AFTER UPDATE ON contact_messages BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT r.account_id AS k FROM contact_requests r WHERE r.id = NEW.request_id UNION SELECT r.account_id AS k FROM contact_requests r WHERE r.id = OLD.request_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_contact_messages_del AFTER DELETE ON contact_messages BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT r.account_id AS k FROM contact_requests r WHERE r.id = OLD.request_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- attachments: account
CREATE TRIGGER rb_data_attachments_ins AFTER INSERT ON attachments BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k UNION SELECT r.account_id FROM contact_requests r WHERE NEW.purpose = 'contact' AND r.id = NEW.ref_id UNION SELECT ac.account_id FROM meter_readings x JOIN meters m ON m.id = x.meter_id JOIN account_contracts ac ON ac.contract_id = m.contract_id WHERE NEW.purpose = 'reading' AND x.id = NEW.ref_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_attachments_upd AFTER UPDATE ON attachments BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT NEW.account_id AS k UNION SELECT r.account_id FROM contact_requests r WHERE NEW.purpose = 'contact' AND r.id = NEW.ref_id UNION SELECT ac.account_id FROM meter_readings x JOIN meters m ON m.id = x.meter_id JOIN account_contracts ac ON ac.contract_id = m.contract_id WHERE NEW.purpose = 'reading' AND x.id = NEW.ref_id UNION SELECT OLD.account_id AS k UNION SELECT r.account_id FROM contact_requests r WHERE OLD.purpose = 'contact' AND r.id = OLD.ref_id UNION SELECT ac.account_id FROM meter_readings x JOIN meters m ON m.id = x.meter_id JOIN account_contracts ac ON ac.contract_id = m.contract_id WHERE OLD.purpose = 'reading' AND x.id = OLD.ref_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_attachments_del AFTER DELETE ON attachments BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT OLD.account_id AS k UNION SELECT r.account_id FROM contact_requests r WHERE OLD.purpose = 'contact' AND r.id = OLD.ref_id UNION SELECT ac.account_id FROM meter_readings x JOIN meters m ON m.id = x.meter_id JOIN account_contracts ac ON ac.contract_id = m.contract_id WHERE OLD.purpose = 'reading' AND x.id = OLD.ref_id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

-- audit_log: account
CREATE TRIGGER rb_data_audit_log_ins AFTER INSERT ON audit_log BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT CASE WHEN NEW.actor_kind = 'subscriber' THEN NEW.actor_id END AS k UNION SELECT CAST(substr(NEW.target, 9) AS INTEGER) WHERE NEW.target GLOB 'account:[0-9]*' AND substr(NEW.target, 9) NOT GLOB '*[^0-9]*' AND length(NEW.target) <= 26 UNION SELECT ac.account_id FROM contracts c JOIN account_contracts ac ON ac.contract_id = c.id WHERE NEW.target GLOB 'customer:[0-9]*' AND substr(NEW.target, 10) NOT GLOB '*[^0-9]*' AND length(NEW.target) <= 27 AND c.customer_id = CAST(substr(NEW.target, 10) AS INTEGER))
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_audit_log_upd AFTER UPDATE ON audit_log BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT CASE WHEN NEW.actor_kind = 'subscriber' THEN NEW.actor_id END AS k UNION SELECT CAST(substr(NEW.target, 9) AS INTEGER) WHERE NEW.target GLOB 'account:[0-9]*' AND substr(NEW.target, 9) NOT GLOB '*[^0-9]*' AND length(NEW.target) <= 26 UNION SELECT ac.account_id FROM contracts c JOIN account_contracts ac ON ac.contract_id = c.id WHERE NEW.target GLOB 'customer:[0-9]*' AND substr(NEW.target, 10) NOT GLOB '*[^0-9]*' AND length(NEW.target) <= 27 AND c.customer_id = CAST(substr(NEW.target, 10) AS INTEGER) UNION SELECT CASE WHEN OLD.actor_kind = 'subscriber' THEN OLD.actor_id END AS k UNION SELECT CAST(substr(OLD.target, 9) AS INTEGER) WHERE OLD.target GLOB 'account:[0-9]*' AND substr(OLD.target, 9) NOT GLOB '*[^0-9]*' AND length(OLD.target) <= 26 UNION SELECT ac.account_id FROM contracts c JOIN account_contracts ac ON ac.contract_id = c.id WHERE OLD.target GLOB 'customer:[0-9]*' AND substr(OLD.target, 10) NOT GLOB '*[^0-9]*' AND length(OLD.target) <= 27 AND c.customer_id = CAST(substr(OLD.target, 10) AS INTEGER))
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
CREATE TRIGGER rb_data_audit_log_del AFTER DELETE ON audit_log BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'account:' || k FROM (SELECT CASE WHEN OLD.actor_kind = 'subscriber' THEN OLD.actor_id END AS k UNION SELECT CAST(substr(OLD.target, 9) AS INTEGER) WHERE OLD.target GLOB 'account:[0-9]*' AND substr(OLD.target, 9) NOT GLOB '*[^0-9]*' AND length(OLD.target) <= 26 UNION SELECT ac.account_id FROM contracts c JOIN account_contracts ac ON ac.contract_id = c.id WHERE OLD.target GLOB 'customer:[0-9]*' AND substr(OLD.target, 10) NOT GLOB '*[^0-9]*' AND length(OLD.target) <= 27 AND c.customer_id = CAST(substr(OLD.target, 10) AS INTEGER))
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;

