-- 0027_data_notices.pg.sql: schema version 27 (PostgreSQL; SQLite:
-- 0027_data_notices.sqlite.sql, which has nothing to do): every change
-- to a table that a cached page of the subscriber's space reads sends,
-- in its transaction, a notice on the channel rb_data naming what
-- changed: "contract:<contracts.id>" or "account:<web_accounts.id>",
-- or "*" (forget everything) when one statement touched more than 100
-- of them or more than 1000 rows (a bulk import, a SEPA run) or emptied
-- the table. Each app
-- server's listener evicts what a notice names from its memory of the
-- pages (app/pagecache.h, docs/architecture.md "Page data kept in
-- memory"), whoever made the write: another app server, the import, the
-- back office, a batch job, or someone at psql.
--
-- Statement-level triggers with transition tables: one query per
-- statement whatever its rows; PostgreSQL allows a transition table on
-- a trigger of one event only, hence three triggers a table. The
-- function's arguments: the kind named, and the expression of its id
-- over a changed row t. A notice repeated in one transaction is sent
-- once (PostgreSQL folds identical notices).

CREATE FUNCTION rb_data_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	src text;
	ids bigint[];
	id bigint;
	n bigint;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		PERFORM pg_notify('rb_data', '*');
		RETURN NULL;
	END IF;
	src := CASE TG_OP WHEN 'INSERT' THEN 'rb_new'
	    WHEN 'DELETE' THEN 'rb_old'
	    ELSE '(SELECT * FROM rb_new UNION ALL SELECT * FROM rb_old)' END;
	-- A bulk statement (an import, a batch): "*" without looking up
	-- the id of each row.
	EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s t'
	    ' LIMIT 1001) s', src) INTO n;
	IF n > 1000 THEN
		PERFORM pg_notify('rb_data', '*');
		RETURN NULL;
	END IF;
	EXECUTE format('SELECT array_agg(k) FROM (SELECT DISTINCT %s AS k'
	    ' FROM %s t) s WHERE k IS NOT NULL', TG_ARGV[1], src) INTO ids;
	IF ids IS NULL THEN
		RETURN NULL;
	END IF;
	IF cardinality(ids) > 100 THEN
		PERFORM pg_notify('rb_data', '*');
		RETURN NULL;
	END IF;
	FOREACH id IN ARRAY ids LOOP
		PERFORM pg_notify('rb_data', TG_ARGV[0] || ':' || id);
	END LOOP;
	RETURN NULL;
END
$$;

CREATE PROCEDURE rb_data_notices_on(tab text, kind text, expr text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TRIGGER rb_data_ins AFTER INSERT ON %I'
	    ' REFERENCING NEW TABLE AS rb_new FOR EACH STATEMENT'
	    ' EXECUTE FUNCTION rb_data_notify(%L, %L)', tab, kind, expr);
	EXECUTE format('CREATE TRIGGER rb_data_upd AFTER UPDATE ON %I'
	    ' REFERENCING NEW TABLE AS rb_new OLD TABLE AS rb_old'
	    ' FOR EACH STATEMENT EXECUTE FUNCTION rb_data_notify(%L, %L)',
	    tab, kind, expr);
	EXECUTE format('CREATE TRIGGER rb_data_del AFTER DELETE ON %I'
	    ' REFERENCING OLD TABLE AS rb_old FOR EACH STATEMENT'
	    ' EXECUTE FUNCTION rb_data_notify(%L, %L)', tab, kind, expr);
	EXECUTE format('CREATE TRIGGER rb_data_trunc AFTER TRUNCATE ON %I'
	    ' FOR EACH STATEMENT EXECUTE FUNCTION rb_data_notify(%L, %L)',
	    tab, kind, expr);
END
$$;

-- What /mon-espace reads (store/space.c).
CALL rb_data_notices_on('contracts', 'contract', 't.id');
CALL rb_data_notices_on('account_contracts', 'account', 't.account_id');
CALL rb_data_notices_on('invoices', 'contract', 't.contract_id');
CALL rb_data_notices_on('payments', 'contract',
    '(SELECT i.contract_id FROM invoices i WHERE i.id = t.invoice_id)');
CALL rb_data_notices_on('sepa_mandates', 'contract', 't.contract_id');
CALL rb_data_notices_on('sepa_debits', 'contract', 't.contract_id');
CALL rb_data_notices_on('meters', 'contract', 't.contract_id');
CALL rb_data_notices_on('meter_readings', 'contract',
    '(SELECT m.contract_id FROM meters m WHERE m.id = t.meter_id)');
CALL rb_data_notices_on('consumption_alerts', 'contract', 't.contract_id');
CALL rb_data_notices_on('leak_alerts', 'contract', 't.contract_id');
-- What /mes-factures reads besides (store/invoices.c): card payments in
-- progress hold bills.
CALL rb_data_notices_on('payment_orders', 'contract', 't.contract_id');
CALL rb_data_notices_on('payment_order_items', 'contract',
    '(SELECT i.contract_id FROM invoices i WHERE i.id = t.invoice_id)');

-- The helper is for this migration only.
DROP PROCEDURE rb_data_notices_on(text, text, text);
