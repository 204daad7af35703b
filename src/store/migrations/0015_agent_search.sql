-- 0015_agent_search.sql: schema version 15: the indexes of the agents'
-- customer search (src/store/custsearch.c, bench/agent_search.sh).
--
-- customers.name_key is the search key of the holder's name: the fold of
-- "last_name first_name" by base/namekey.h (lower case, no accents, no
-- punctuation: "Béghin Gérard" is "beghin gerard"). The folding needs
-- Unicode tables neither engine has in SQL, so the application writes
-- it: the import with each customer it writes, and
-- rb_custsearch_fill_keys() for the rows that have none: `robinet demo`
-- once its rows are written, and `robinet migrate` (and `serve
-- --migrate`) for a database made before this version. A name
-- search is a range over this index ("dupont" <= key < "dupont" + the
-- last code point).
--
-- The other kinds of search each read one index: the email on file
-- (lower case, as typed by the billing system), the service address's
-- postal code, and the last four characters of the IBAN of a mandate. Contract numbers (new and old), meter serials,
-- invoice numbers and web account emails have their UNIQUE indexes
-- already. Same dialect rules as 0001_schema.sql (an index on an
-- expression works on both engines).

ALTER TABLE customers ADD COLUMN name_key TEXT;
CREATE INDEX customers_name_key ON customers (name_key);
CREATE INDEX customers_email_lower ON customers (lower(email));
CREATE INDEX contracts_service_postcode ON contracts (service_postcode);
CREATE INDEX sepa_mandates_last4 ON sepa_mandates (iban_last4);

-- The supervisors' report of payments by channel reads the recent ones.
CREATE INDEX payments_created ON payments (created_at);
