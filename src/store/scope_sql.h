/*
 * scope_sql.h: the SQL of store/scope.h, for the domain files of
 * src/store (private to src/store).
 *
 * RB_SCOPE_IDS(a, b) is a subquery of the ids of the contracts a scope
 * may see, a and b naming the placeholders bound to sc_account and
 * sc_archive: the account's contracts, plus the archive visit's one
 * (0 matches no contract). Use it as "c.id IN " RB_SCOPE_IDS("$1", "$2")
 * so that the query starts from account_contracts and the indexes on
 * contract ids, whatever the size of the tables: an OR between the two
 * cases would make the engine scan every contract or every invoice.
 * What an archive visit sees of a contract is narrower: add the
 * archive's condition with "(b = 0 OR …)", e.g. "($2 = 0 OR
 * i.archived = 1)" (exactly one of the two members is non-zero).
 */
#ifndef RB_STORE_SCOPE_SQL_H
#define RB_STORE_SCOPE_SQL_H

#define RB_SCOPE_IDS(a, b) \
	"(SELECT ac.contract_id FROM account_contracts ac" \
	" WHERE ac.account_id = " a " UNION ALL SELECT " b ")"

#endif
