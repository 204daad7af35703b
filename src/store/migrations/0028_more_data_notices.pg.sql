-- 0028_more_data_notices.pg.sql: schema version 28 (PostgreSQL; SQLite:
-- 0028_more_data_notices.sqlite.sql, which has nothing to do): the
-- notices of migration 0027 on the tables that the other pages kept in
-- memory read and 0027 does not cover (app/pagecache.h,
-- docs/architecture.md "Page data kept in memory"):
-- /mes-coordonnees reads customers and customer_contact_history,
-- /mes-moyens-de-paiement sepa_plans, /mes-demandes contact_requests and
-- web_accounts (a request without an account is its address's),
-- /ma-consommation leak_alert_settings, /mon-compte sessions and
-- api_tokens (below). /mon-index reads only tables of 0027 (meters,
-- meter_readings, contracts, account_contracts).
--
-- A customer's row, or its history, names each of its contracts: a
-- value lists the contracts it shows, the holder's among them. The
-- function rb_data_notify() is 0027's; the helper is made again here.

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

-- /mes-coordonnees (store/coords.c): the holder and its history.
CALL rb_data_notices_on('customers', 'contract',
    'unnest(ARRAY(SELECT c.id FROM contracts c WHERE c.customer_id = t.id))');
CALL rb_data_notices_on('customer_contact_history', 'contract',
    'unnest(ARRAY(SELECT c.id FROM contracts c'
    ' WHERE c.customer_id = t.customer_id))');
-- /mes-moyens-de-paiement (store/sepa.c): the monthly plan.
CALL rb_data_notices_on('sepa_plans', 'contract', 't.contract_id');
-- /mes-demandes (store/contact.c): the account's requests and those
-- sent from its address without an account.
CALL rb_data_notices_on('contact_requests', 'account',
    'unnest(ARRAY(SELECT a.id FROM web_accounts a WHERE a.id ='
    ' t.account_id OR (t.account_id IS NULL AND'
    ' a.email_norm = t.email_norm)))');
CALL rb_data_notices_on('web_accounts', 'account', 't.id');
-- /ma-consommation (app/leaks.c): the leak alert's setting.
CALL rb_data_notices_on('leak_alert_settings', 'contract', 't.contract_id');

-- /mon-compte (app/auth_account.c): the account's sessions and API
-- codes (its contracts and their links are 0027's: a contract has one
-- account, migration 0008). A session's or a code's last
-- use is written every RB_SESSION_TOUCH_S at most and sends nothing:
-- the page's kept data stands that long only. So sessions notify on
-- insert and delete (a sign-in, a sign-out, the purge), not on update;
-- API codes on an update only when it revokes or renames one, or on its
-- first use ("jamais" no more).
CALL rb_data_notices_on('sessions', 'account', 't.account_id');
DROP TRIGGER rb_data_upd ON sessions;
CALL rb_data_notices_on('api_tokens', 'account', 't.account_id');
DROP TRIGGER rb_data_upd ON api_tokens;

CREATE FUNCTION rb_data_notify_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
	id bigint;
BEGIN
	SELECT array_agg(DISTINCT n.account_id) INTO ids FROM rb_new n
	    JOIN rb_old o ON o.id = n.id
	    WHERE n.revoked_at IS DISTINCT FROM o.revoked_at
	    OR n.name IS DISTINCT FROM o.name OR n.account_id <> o.account_id
	    OR (o.last_used_at IS NULL AND n.last_used_at IS NOT NULL);
	IF ids IS NULL THEN
		RETURN NULL;
	END IF;
	IF cardinality(ids) > 100 THEN
		PERFORM pg_notify('rb_data', '*');
		RETURN NULL;
	END IF;
	FOREACH id IN ARRAY ids LOOP
		PERFORM pg_notify('rb_data', 'account:' || id);
	END LOOP;
	RETURN NULL;
END
$$;
CREATE TRIGGER rb_data_upd AFTER UPDATE ON api_tokens
    REFERENCING NEW TABLE AS rb_new OLD TABLE AS rb_old
    FOR EACH STATEMENT EXECUTE FUNCTION rb_data_notify_tokens();

DROP PROCEDURE rb_data_notices_on(text, text, text);
