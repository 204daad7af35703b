-- 0030_letters_data_notices.sqlite.sql: schema version 30 (SQLite;
-- PostgreSQL: 0030_letters_data_notices.pg.sql). On PostgreSQL,
-- triggers on the further tables that the bill's page, /mes-donnees and
-- /mes-courriers-braille read tell every app server which contracts and
-- accounts changed, so that each can keep those pages' data in memory
-- (app/pagecache.h). SQLite carries no notices and never keeps them:
-- nothing to do but move the schema version.

SELECT 1;
