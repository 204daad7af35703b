/*
 * paperless.c: the SQL of paperless billing and of the print list (see
 * paperless.h).
 */
#include "store/copy.h"
#include "store/paperless.h"

enum {
	SQL_GET,
	SQL_SET,
	SQL_PRINT,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_GET] =
	    "SELECT c.id, c.paperless, c.paperless_by, a.email, a.first_name"
	    " FROM account_contracts ac"
	    " JOIN contracts c ON c.id = ac.contract_id"
	    " JOIN web_accounts a ON a.id = ac.account_id"
	    " WHERE ac.account_id = $1 AND c.number = $2",
	[SQL_SET] =
	    "UPDATE contracts SET paperless = $2, paperless_by = $3"
	    " WHERE id = $1",
	[SQL_PRINT] =
	    "SELECT i.number, c.number, i.issued_on, i.due_on, cu.title,"
	    " cu.first_name, cu.last_name, cu.address_line1,"
	    " cu.address_line2, cu.postcode, cu.commune, cu.country"
	    " FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id"
	    " JOIN customers cu ON cu.id = c.customer_id"
	    " WHERE i.print_requested = 1 AND i.issued_on >= $1"
	    " ORDER BY i.issued_on, i.number",
};

static void
get_row(rb_stmt *st, void *arg)
{
	struct rb_paperless_row *r = arg;

	r->pr_contract_id = rb_stmt_int(st, 0);
	r->pr_paperless = rb_stmt_int(st, 1) != 0;
	rb_store_copy(r->pr_by, sizeof(r->pr_by), rb_stmt_text(st, 2));
	rb_store_copy(r->pr_email, sizeof(r->pr_email), rb_stmt_text(st, 3));
	rb_store_copy(r->pr_first_name, sizeof(r->pr_first_name),
	    rb_stmt_text(st, 4));
}

int
rb_paperless_get(rb_db *db, int64_t account, const char *number,
    struct rb_paperless_row *row)
{
	int rc;

	memset(row, 0, sizeof(*row));
	rc = rb_db_fetch_one(db, sql[SQL_GET], RB_BINDS(rb_int(account),
	    rb_text(number)), get_row, row);
	return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}

int
rb_paperless_set(rb_db *db, int64_t contract_id, int on, const char *by)
{
	return rb_db_run(db, sql[SQL_SET], RB_BINDS(rb_int(contract_id),
	    rb_int(on != 0), rb_text(by)), NULL) == 0 ? 0 : -1;
}

struct print_ctx {
	void	(*pc_fn)(const struct rb_print_row *, void *);
	void	*pc_arg;
};

static const char *
text_or_empty(rb_stmt *st, int col)
{
	const char *s = rb_stmt_text(st, col);

	return s != NULL ? s : "";
}

static void
print_row(rb_stmt *st, void *arg)
{
	struct print_ctx *pc = arg;
	struct rb_print_row r;

	r.pr_number = text_or_empty(st, 0);
	r.pr_contract = text_or_empty(st, 1);
	r.pr_issued_on = text_or_empty(st, 2);
	r.pr_due_on = text_or_empty(st, 3);
	r.pr_title = text_or_empty(st, 4);
	r.pr_first_name = text_or_empty(st, 5);
	r.pr_last_name = text_or_empty(st, 6);
	r.pr_address1 = text_or_empty(st, 7);
	r.pr_address2 = text_or_empty(st, 8);
	r.pr_postcode = text_or_empty(st, 9);
	r.pr_commune = text_or_empty(st, 10);
	r.pr_country = text_or_empty(st, 11);
	pc->pc_fn(&r, pc->pc_arg);
}

int
rb_print_list(rb_db *db, const char *since,
    void (*fn)(const struct rb_print_row *, void *), void *arg)
{
	struct print_ctx pc = { fn, arg };

	return rb_db_fetch_all(db, sql[SQL_PRINT], RB_BINDS(rb_text(since)),
	    print_row, &pc) == 0 ? 0 : -1;
}
