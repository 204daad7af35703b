-- 0020_news_stamp.sqlite.sql: schema version 20 (SQLite; PostgreSQL:
-- 0020_news_stamp.pg.sql): a version stamp of the news and events.
--
-- content_stamps holds one counter per kind of content that servers
-- keep rendered in memory; 'news' grows by one in the same transaction
-- as any change to the news table (insert, update, delete), whoever
-- makes it: an admin through any app server, the demo, or someone
-- editing the database by hand. A server keeps the home page it
-- rendered with the stamp it read in the same snapshot, and serves it
-- again only while the stamp it reads is the same (app/home.c), so
-- every server of several sees a change at its next request.

CREATE TABLE content_stamps (
	name TEXT PRIMARY KEY,
	stamp BIGINT NOT NULL
);
INSERT INTO content_stamps (name, stamp) VALUES ('news', 1);

CREATE TRIGGER news_stamp_insert AFTER INSERT ON news
BEGIN
	UPDATE content_stamps SET stamp = stamp + 1 WHERE name = 'news';
END;
CREATE TRIGGER news_stamp_update AFTER UPDATE ON news
BEGIN
	UPDATE content_stamps SET stamp = stamp + 1 WHERE name = 'news';
END;
CREATE TRIGGER news_stamp_delete AFTER DELETE ON news
BEGIN
	UPDATE content_stamps SET stamp = stamp + 1 WHERE name = 'news';
END;
