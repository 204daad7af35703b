-- 0020_news_stamp.pg.sql: schema version 20 (PostgreSQL; SQLite:
-- 0020_news_stamp.sqlite.sql, which says what the stamp is for): a
-- version stamp of the news and events, grown by one in the same
-- transaction as any change to the news table. The trigger function is
-- the dialect that forces a file per engine.

CREATE TABLE content_stamps (
	name TEXT PRIMARY KEY,
	stamp BIGINT NOT NULL
);
INSERT INTO content_stamps (name, stamp) VALUES ('news', 1);

CREATE FUNCTION news_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE content_stamps SET stamp = stamp + 1 WHERE name = 'news';
	RETURN NULL;
END
$$;
CREATE TRIGGER news_stamp AFTER INSERT OR UPDATE OR DELETE ON news
	FOR EACH STATEMENT EXECUTE FUNCTION news_stamp_bump();
