-- 0032_customers_key_quiet.sqlite.sql: schema version 32 (SQLite;
-- PostgreSQL: 0032_customers_key_quiet.pg.sql, nothing to do).
--
-- The customers' search key (name_key, 0015_agent_search.sql) is read
-- by the back office's search only, never by a kept page of the
-- subscriber's space: writing it alone names no contract. 0031's update
-- trigger fired for every update of customers, so that filling the keys
-- of 400,000 customers (`robinet demo`, `robinet migrate` after an
-- import) wrote 400,000 notice rows. It now fires when the update names
-- any other column: a change of name writes the name and its key in one
-- UPDATE (store/import_store.c, store/custfile.c), which still names the
-- contracts. tests/unit/store/test_notices.c checks that the list below
-- is every column of customers but name_key, so a column added later
-- without adding it here fails that test.

DROP TRIGGER rb_data_customers_upd;
CREATE TRIGGER rb_data_customers_upd AFTER UPDATE OF id, title, last_name,
    first_name, email, phone, address_line1, address_line2, postcode,
    commune, country, src_system, src_batch, src_file, src_line, ref,
    mobile ON customers BEGIN
	INSERT INTO rb_notices (channel, payload)
	    SELECT 'rb_data', 'contract:' || k FROM (SELECT c.id AS k FROM contracts c WHERE c.customer_id = NEW.id UNION SELECT c.id AS k FROM contracts c WHERE c.customer_id = OLD.id)
	    WHERE k IS NOT NULL AND NOT EXISTS
	    (SELECT 1 FROM rb_notices_quiet);
END;
