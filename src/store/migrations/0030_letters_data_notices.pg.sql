-- 0030_letters_data_notices.pg.sql: schema version 30 (PostgreSQL;
-- SQLite: 0030_letters_data_notices.sqlite.sql, which has nothing to
-- do): the notices of migration 0027 on the tables that the bill's
-- page (/mes-factures/NUMBER), "Mes données personnelles"
-- (/mes-donnees) and /mes-courriers-braille read and that neither 0027
-- nor 0028 covers, so that each app server can keep those pages' data
-- in memory (app/pagecache.h, docs/architecture.md "Page data kept in
-- memory"), whoever writes: another app server, the import, the back
-- office, a batch job (the braille letters kept when a mail is sent,
-- `robinet purge`), or someone at psql.
--
-- The bill's page reads invoice_lines; /mes-donnees counts the rows of
-- its categories (store/gdpr.c): invoice_lines, legacy_credentials,
-- contact_messages, attachments, audit_log, braille_letters;
-- /mes-courriers-braille lists braille_letters (and the choice,
-- web_accounts: 0028). It counts sessions and API tokens too, whose
-- notices 0028 sends (on INSERT, DELETE and TRUNCATE, never on a
-- visit's or a call's touch).
--
-- The function rb_data_notify() is 0027's; the helper is made again
-- here and dropped at the end.

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

-- The bill's lines (the import writes them in bulk: "*" above 1000
-- rows, as for invoices).
CALL rb_data_notices_on('invoice_lines', 'contract',
    '(SELECT i.contract_id FROM invoices i WHERE i.id = t.invoice_id)');
-- The former operator's credentials, per contract.
CALL rb_data_notices_on('legacy_credentials', 'contract', 't.contract_id');
-- The letters kept for braille, per account.
CALL rb_data_notices_on('braille_letters', 'account', 't.account_id');
-- The messages of a request: its account's.
CALL rb_data_notices_on('contact_messages', 'account',
    '(SELECT r.account_id FROM contact_requests r'
    ' WHERE r.id = t.request_id)');
-- A file: the account that sent it; a request's file, the request's
-- account; a meter photo, the accounts of the reading's contract (each
-- sees whether its readings came with a photo).
CALL rb_data_notices_on('attachments', 'account',
    'unnest(ARRAY(SELECT t.account_id'
    ' UNION SELECT r.account_id FROM contact_requests r'
    '  WHERE t.purpose = ''contact'' AND r.id = t.ref_id'
    ' UNION SELECT ac.account_id FROM meter_readings x'
    '  JOIN meters m ON m.id = x.meter_id'
    '  JOIN account_contracts ac ON ac.contract_id = m.contract_id'
    '  WHERE t.purpose = ''reading'' AND x.id = t.ref_id))');
-- The security log: the subscriber who acted, the account it names
-- ("account:N"), and the accounts of the contracts of a customer whose
-- file an agent viewed ("customer:N", the page's "file_views"). The
-- CASEs keep a target of another shape from being cast.
CALL rb_data_notices_on('audit_log', 'account',
    'unnest(ARRAY(SELECT CASE WHEN t.actor_kind = ''subscriber'''
    '  THEN t.actor_id END'
    ' UNION SELECT CASE WHEN t.target ~ ''^account:[0-9]{1,18}$'''
    '  THEN substr(t.target, 9)::bigint END'
    ' UNION SELECT ac.account_id FROM contracts c'
    '  JOIN account_contracts ac ON ac.contract_id = c.id'
    '  WHERE c.customer_id = CASE WHEN t.target ~'
    '  ''^customer:[0-9]{1,18}$'' THEN substr(t.target, 10)::bigint END))');

-- The helper is for this migration only.
DROP PROCEDURE rb_data_notices_on(text, text, text);
