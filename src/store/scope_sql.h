/*
 * scope_sql.h: the SQL of store/scope.h, for the domain files of
 * src/store (private to src/store).
 *
 * RB_SCOPE_FROM(a, b) opens a FROM clause with the contracts a scope may
 * see, a and b naming the placeholders bound to sc_account and
 * sc_archive: the ids of the account's contracts, plus the archive
 * visit's one (0 matches no contract), as the subquery "scope_ids", then
 * "contracts c". The statement goes on with its own joins and must say
 * RB_SCOPE_MATCH (c.id = scope_ids.id) in its WHERE:
 *
 *   "SELECT … FROM" RB_SCOPE_FROM("$1", "$2")
 *   " JOIN invoices i ON i.contract_id = c.id"
 *   " WHERE" RB_SCOPE_MATCH " AND ($2 = 0 OR i.archived = 1) …"
 *
 * The query starts from account_contracts and the indexes on contract
 * ids, whatever the size of the tables (an OR between the two cases
 * would make the engine scan every contract or every invoice). The
 * CROSS JOIN keeps the subquery the outer loop, which SQLite then runs
 * as a co-routine: no temporary table is built per statement (with
 * "c.id IN (SELECT … UNION ALL SELECT …)" SQLite filled one at each
 * run, a tenth of a page's instructions); PostgreSQL reads it as a plain
 * join. Each id comes once: exactly one scope member is non-zero, and
 * an account's contracts are distinct (account_contracts' key).
 *
 * What an archive visit sees of a contract is narrower: add the
 * archive's condition with "(b = 0 OR …)", e.g. "($2 = 0 OR
 * i.archived = 1)".
 *
 * A statement about one contract whose id it binds (found in scope by
 * an earlier statement) checks it again with RB_SCOPE_ACCOUNT_HAS(a,
 * id), true when the account a holds the contract id: it names no
 * column, so the engine evaluates it once, not per row, and the rows
 * come in the order of the contract's own index (the join above would
 * make SQLite sort them). The archive's case is the other half of an
 * OR, on a column: "(" RB_SCOPE_ACCOUNT_HAS("$2", "$1") " OR
 * (i.contract_id = $3 AND i.archived = 1))".
 *
 * RB_SCOPE_IDS(a, b) is the same set as a subquery, for a statement
 * that checks one row (a bill by its number): "i.contract_id IN "
 * RB_SCOPE_IDS("$1", "$2").
 */
#ifndef RB_STORE_SCOPE_SQL_H
#define RB_STORE_SCOPE_SQL_H

#define RB_SCOPE_IDS(a, b) \
	"(SELECT ac.contract_id FROM account_contracts ac" \
	" WHERE ac.account_id = " a " UNION ALL SELECT " b ")"

#define RB_SCOPE_FROM(a, b) \
	" (SELECT ac.contract_id AS id FROM account_contracts ac" \
	" WHERE ac.account_id = " a " UNION ALL SELECT " b ") scope_ids" \
	" CROSS JOIN contracts c"

#define RB_SCOPE_MATCH	" c.id = scope_ids.id"

#define RB_SCOPE_ACCOUNT_HAS(a, id) \
	"EXISTS (SELECT 1 FROM account_contracts ac" \
	" WHERE ac.account_id = " a " AND ac.contract_id = " id ")"

#endif
