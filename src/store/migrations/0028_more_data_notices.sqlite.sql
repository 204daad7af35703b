-- 0028_more_data_notices.sqlite.sql: schema version 28 (SQLite;
-- PostgreSQL: 0028_more_data_notices.pg.sql, triggers telling every app
-- server what changed on the tables of the other pages kept in memory).
-- SQLite carries no notices and keeps no page: nothing to do but move
-- the schema version.

SELECT 1;
