-- 0027_data_notices.sqlite.sql: schema version 27 (SQLite; PostgreSQL:
-- 0027_data_notices.pg.sql). On PostgreSQL, triggers tell every app
-- server which contracts and accounts changed, so that each can keep
-- the data of the subscriber's pages in memory (app/pagecache.h).
-- SQLite carries no notices and never keeps them (one server, no round
-- trip to save): nothing to do but move the schema version.

SELECT 1;
