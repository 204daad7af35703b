/*
 * scope.h: whose data a use case may show. It lives in storage because
 * every scoped query binds it (store/invoices.h…); the use cases of
 * src/app take it and hand it down.
 *
 * Every use case that reads a subscriber's contracts, bills or readings
 * takes a scope, and every store query behind it binds both members and
 * filters with them, so that no id typed in a URL can reach another
 * subscriber's data. Exactly one member is non-zero:
 *
 *   sc_account   a signed-in web account: the contracts linked to it in
 *                account_contracts, all their bills (archived or not)
 *                and readings;
 *   sc_archive   a visitor of /archives who gave an old customer id and
 *                old password but has no space yet: that one contract,
 *                its archived bills (invoices.archived = 1) and its
 *                readings before 2024-01-01 only.
 *
 * In SQL (store/scope_sql.h), a list starts from the ids the scope may
 * see, joined to contracts, so that indexes serve it whatever the size
 * of the tables:
 *
 *   FROM (SELECT ac.contract_id AS id FROM account_contracts ac
 *         WHERE ac.account_id = $A UNION ALL SELECT $B) scope_ids
 *   CROSS JOIN contracts c … WHERE c.id = scope_ids.id
 *   AND ($B = 0 OR i.archived = 1)
 *
 * with $A = sc_account and $B = sc_archive (0 never matches an id); a
 * statement about one contract whose id it binds checks that the
 * account holds it, or that it is the archive's one. An OR between the
 * two cases over a column instead would scan every contract.
 */
#ifndef RB_STORE_SCOPE_H
#define RB_STORE_SCOPE_H

#include <stdint.h>

/* Readings and periods of the archive end before this date. */
#define RB_ARCHIVE_END	"2024-01-01"

struct rb_scope {
	int64_t	sc_account;	/* web_accounts.id, or 0 */
	int64_t	sc_archive;	/* contracts.id of an archive visitor, or 0 */
};

#endif
