-- 0032_customers_key_quiet.pg.sql: schema version 32 (PostgreSQL;
-- SQLite: 0032_customers_key_quiet.sqlite.sql, where a row trigger no
-- longer writes a notice for an update of the search key alone).
-- PostgreSQL's statement triggers (0027) send one notice per statement,
-- "*" past 100 contracts: nothing to do but move the schema version.

SELECT 1;
