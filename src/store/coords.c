/*
 * coords.c: SQL of customers' contact details and of their history (see
 * coords.h).
 */
#include <string.h>

#include "store/coords.h"
#include "store/copy.h"

enum {
	SQL_HOLDER,
	SQL_UPDATE,
	SQL_HISTORY_ADD,
	SQL_HISTORY,
	SQL_CONTRACTS,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_HOLDER] =
	    "SELECT cu.id, c.number, cu.address_line1, cu.address_line2,"
	    " cu.postcode, cu.commune, cu.country, cu.phone, cu.mobile"
	    " FROM contracts c JOIN customers cu ON cu.id = c.customer_id"
	    " WHERE c.number = $1"
	    " AND ($2 = 0 OR EXISTS (SELECT 1 FROM account_contracts ac"
	    "   WHERE ac.account_id = $2 AND ac.contract_id = c.id))",
	[SQL_UPDATE] =
	    "UPDATE customers SET address_line1 = $2, address_line2 = $3,"
	    " postcode = $4, commune = $5, country = $6, phone = $7,"
	    " mobile = $8 WHERE id = $1",
	[SQL_HISTORY_ADD] =
	    "INSERT INTO customer_contact_history (customer_id, changed_at,"
	    " actor_kind, actor_id, field, old_value, new_value)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7)",
	[SQL_HISTORY] =
	    "SELECT changed_at, actor_kind, field, old_value, new_value"
	    " FROM customer_contact_history WHERE customer_id = $1"
	    " ORDER BY changed_at DESC, id DESC LIMIT $2",
	[SQL_CONTRACTS] =
	    "SELECT c.number, c.customer_id, c.id FROM contracts c"
	    " JOIN account_contracts ac ON ac.contract_id = c.id"
	    " WHERE ac.account_id = $1 ORDER BY c.number",
};

static void
holder_row(rb_stmt *st, void *arg)
{
	struct rb_co_holder *h = arg;

	h->ch_customer = rb_stmt_int(st, 0);
	rb_store_copy(h->ch_contract, sizeof(h->ch_contract),
	    rb_stmt_text(st, 1));
	rb_store_copy(h->ch_line1, sizeof(h->ch_line1), rb_stmt_text(st, 2));
	rb_store_copy(h->ch_line2, sizeof(h->ch_line2), rb_stmt_text(st, 3));
	rb_store_copy(h->ch_postcode, sizeof(h->ch_postcode),
	    rb_stmt_text(st, 4));
	rb_store_copy(h->ch_city, sizeof(h->ch_city), rb_stmt_text(st, 5));
	rb_store_copy(h->ch_country, sizeof(h->ch_country),
	    rb_stmt_text(st, 6));
	rb_store_copy(h->ch_landline, sizeof(h->ch_landline),
	    rb_stmt_text(st, 7));
	rb_store_copy(h->ch_mobile, sizeof(h->ch_mobile), rb_stmt_text(st, 8));
}

int
rb_co_store_holder(rb_db *db, int64_t account, const char *number,
    struct rb_co_holder *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rb_db_fetch_one(db, sql[SQL_HOLDER], RB_BINDS(rb_text(number),
	    rb_int(account)), holder_row, out);
	return rc == 0 || rc == 1 ? rc : -1;
}

int
rb_co_store_update(rb_db *db, const struct rb_co_holder *h)
{
	return rb_db_run(db, sql[SQL_UPDATE], RB_BINDS(rb_int(h->ch_customer),
	    rb_text(h->ch_line1), rb_text_or_null(h->ch_line2),
	    rb_text(h->ch_postcode), rb_text(h->ch_city),
	    rb_text(h->ch_country), rb_text_or_null(h->ch_landline),
	    rb_text_or_null(h->ch_mobile)), NULL) == 0 ? 0 : -1;
}

int
rb_co_store_history_add(rb_db *db, int64_t customer, int64_t now,
    const char *actor_kind, int64_t actor_id, const char *field,
    const char *old_value, const char *new_value)
{
	return rb_db_run(db, sql[SQL_HISTORY_ADD], RB_BINDS(rb_int(customer),
	    rb_int(now), rb_text(actor_kind), actor_id > 0 ? rb_int(actor_id) :
	    rb_null(), rb_text(field), rb_text_or_null(old_value),
	    rb_text_or_null(new_value)), NULL) == 0 ? 0 : -1;
}

static json_t *
text_or_null(rb_stmt *st, int col)
{
	const char *s = rb_stmt_text(st, col);

	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static void
history_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s?, s:s?, s:o, s:o}",
	    "at", (json_int_t)rb_stmt_int(st, 0), "actor_kind",
	    rb_stmt_text(st, 1), "field", rb_stmt_text(st, 2), "old",
	    text_or_null(st, 3), "new", text_or_null(st, 4)));
}

static void
contracts_row(rb_stmt *st, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s?, s:I, s:I}", "number",
	    rb_stmt_text(st, 0), "customer", (json_int_t)rb_stmt_int(st, 1),
	    "id", (json_int_t)rb_stmt_int(st, 2)));
}

int
rb_co_store_contracts(rb_db *db, int64_t account, json_t **out)
{
	*out = json_array();
	if (rb_db_fetch_all(db, sql[SQL_CONTRACTS], RB_BINDS(rb_int(account)),
	    contracts_row, *out) != 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
rb_co_store_holder_history(rb_db *db, int64_t account, const char *number,
    int64_t customer, int max, struct rb_co_holder *out, json_t **history)
{
	struct rb_db_first h = { holder_row, out, 0 };
	json_t *arr = json_array();
	struct rb_db_read r[2] = {
		{ sql[SQL_HOLDER], RB_BINDS(rb_text(number), rb_int(account)),
		    rb_row_first, &h, 0 },
		{ sql[SQL_HISTORY], RB_BINDS(rb_int(customer), rb_int(max)),
		    history_row, arr, 0 },
	};

	memset(out, 0, sizeof(*out));
	*history = NULL;
	if (rb_db_fetch_batch(db, r, 2) != 0) {
		json_decref(arr);
		return -1;
	}
	if (!h.df_found) {
		json_decref(arr);
		return 1;
	}
	*history = arr;
	return 0;
}
