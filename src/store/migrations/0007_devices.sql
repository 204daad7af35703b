-- 0007_devices.sql: device cookies, and the space former credentials
-- moved to.
--
-- A browser in which someone proved an identifier (signed in with an
-- email, opened the archive with a former customer id, proved a
-- contract) keeps a random token in a cookie; the server keeps the
-- SHA-256 of the token and of the identifier it was proved for (OWASP
-- "device cookies"). Attempts from such a browser on that identifier
-- are not held back by other clients' failures; the token has its own
-- failure counter in rate_limits. Rows end device_ttl seconds after
-- their last use.
CREATE TABLE devices (
	token_hash TEXT NOT NULL,
	login_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL,
	PRIMARY KEY (token_hash, login_hash)
);
CREATE INDEX devices_last_used ON devices (last_used_at);

-- The web account a 2023 subscriber's former credentials moved to
-- (step 2 of the migration). Once that account is active, the archive
-- takes its current password, never the former one.
ALTER TABLE legacy_credentials ADD COLUMN account_id BIGINT
	REFERENCES web_accounts (id);
-- Credentials moved before this migration: the account step 2 linked
-- the contract to at the same instant.
UPDATE legacy_credentials SET account_id = (
	SELECT min(ac.account_id) FROM account_contracts ac
	WHERE ac.contract_id = legacy_credentials.contract_id
	AND ac.added_at = legacy_credentials.migrated_at)
WHERE migrated_at IS NOT NULL;
