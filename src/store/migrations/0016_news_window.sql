-- 0016_news_window.sql: schema version 16: news and events written by
-- admins in the back office (app/news.c), with a publication window.
--
-- An item is shown from published_at (NULL: a draft) until
-- unpublished_at (NULL: no end; an admin's "Dépublier" sets it to the
-- moment of the click), both UTC instants compared with the real clock.
-- updated_at is the last change made by an admin (the Atom feed's
-- <updated>); created_at the first. author_agent_id is the agent who
-- wrote it last (NULL for items of the demo or of earlier versions).
-- Events may give a time of day for their first and last day
-- ('HH:MM', Paris time), shown next to the dates; whether an event is
-- under way is decided by its dates alone, against rb_clock_today().
-- Same dialect rules as 0001_schema.sql.

ALTER TABLE news ADD COLUMN unpublished_at BIGINT;
ALTER TABLE news ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE news ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE news ADD COLUMN author_agent_id BIGINT REFERENCES agents (id);
ALTER TABLE news ADD COLUMN event_start_time TEXT
	CHECK (event_start_time LIKE '__:__');
ALTER TABLE news ADD COLUMN event_end_time TEXT
	CHECK (event_end_time LIKE '__:__');
UPDATE news SET created_at = COALESCE(published_at, 0),
	updated_at = COALESCE(published_at, 0);
CREATE INDEX news_published ON news (published_at);
