-- 0007_one_space_per_contract.sql: schema version 7: a contract is seen
-- by one web account at most.
--
-- Before this version, "Ajouter un contrat" in /mon-compte linked a
-- contract to a second account whenever the proof was right, even when
-- the contract already had a space: the second account then read the
-- first subscriber's bills, archive, consumption and masked IBAN. The
-- application now refuses such a link (app/auth_account.c) and this
-- unique index makes the database refuse it too, whatever the path
-- (creation, 2023 migration, adding a contract, demo data).
--
-- Links that break the rule are removed first. For each contract the
-- one kept is the link of an active account, then the oldest (then the
-- lowest account id): the first space is the subscriber's own, a later
-- one is the kind of link this version forbids. Same dialect rules as
-- 0001_schema.sql.

DELETE FROM account_contracts WHERE EXISTS (
	SELECT 1 FROM account_contracts o
	JOIN web_accounts oa ON oa.id = o.account_id
	JOIN web_accounts a ON a.id = account_contracts.account_id
	WHERE o.contract_id = account_contracts.contract_id
	AND o.account_id <> account_contracts.account_id
	AND (CASE WHEN oa.status = 'active' THEN 0 ELSE 1 END
	    < CASE WHEN a.status = 'active' THEN 0 ELSE 1 END
	  OR (CASE WHEN oa.status = 'active' THEN 0 ELSE 1 END
	    = CASE WHEN a.status = 'active' THEN 0 ELSE 1 END
	    AND (o.added_at < account_contracts.added_at
	      OR (o.added_at = account_contracts.added_at
	        AND o.account_id < account_contracts.account_id)))));

DROP INDEX account_contracts_contract;
CREATE UNIQUE INDEX account_contracts_one_account
	ON account_contracts (contract_id);
