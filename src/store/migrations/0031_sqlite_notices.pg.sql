-- 0031_sqlite_notices.pg.sql: schema version 31 (PostgreSQL; SQLite:
-- 0031_sqlite_notices.sqlite.sql, where notices are rows written by
-- triggers). PostgreSQL carries its notices itself (NOTIFY, migrations
-- 0027, 0028, 0030): nothing to do but move the schema version.

SELECT 1;
