/*
 * braille.c: the SQL of braille documents (see braille.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/braille.h"
#include "store/copy.h"

enum {
	SQL_PREF_GET,
	SQL_PREF_SET,
	SQL_LETTER_KEEP,
	SQL_LETTER_LIST,
	SQL_LETTER_GET,
	SQL_BATCH_BILLS,
	SQL_BATCH_LETTERS,
	SQL_LETTER_PURGE,
	SQL__MAX
};

/* The postal address of an account: the customer of its first contract. */
#define FIRST_CUSTOMER							\
	" LEFT JOIN customers cu ON cu.id = (SELECT c.customer_id"	\
	" FROM account_contracts ac JOIN contracts c"			\
	" ON c.id = ac.contract_id WHERE ac.account_id = a.id"		\
	" ORDER BY c.id LIMIT 1)"

static const char *const sql[SQL__MAX] = {
	[SQL_PREF_GET] =
	    "SELECT braille FROM web_accounts WHERE id = $1",
	[SQL_PREF_SET] =
	    "UPDATE web_accounts SET braille = $2, braille_by = $3,"
	    " braille_at = $4 WHERE id = $1",
	[SQL_LETTER_KEEP] =
	    "INSERT INTO braille_letters (account_id, kind, title, body,"
	    " created_at)"
	    " SELECT id, $2, $3, $4, $5 FROM web_accounts"
	    " WHERE email = $1 AND braille <> 'none'",
	[SQL_LETTER_LIST] =
	    "SELECT id, account_id, kind, title, created_at"
	    " FROM braille_letters WHERE account_id = $1"
	    " ORDER BY id DESC",
	[SQL_LETTER_GET] =
	    "SELECT id, account_id, kind, title, created_at, body"
	    " FROM braille_letters WHERE account_id = $1 AND id = $2",
	[SQL_BATCH_BILLS] =
	    "SELECT a.id, a.braille, cu.title, cu.first_name, cu.last_name,"
	    " cu.address_line1, cu.address_line2, cu.postcode, cu.commune,"
	    " cu.country, i.number"
	    " FROM web_accounts a"
	    " JOIN account_contracts ac ON ac.account_id = a.id"
	    " JOIN contracts c ON c.id = ac.contract_id"
	    " JOIN customers cu ON cu.id = c.customer_id"
	    " JOIN invoices i ON i.contract_id = c.id"
	    " WHERE a.braille <> 'none' AND i.issued_on >= $1"
	    " ORDER BY a.id, i.number",
	[SQL_BATCH_LETTERS] =
	    "SELECT a.id, a.braille, cu.title, cu.first_name, cu.last_name,"
	    " cu.address_line1, cu.address_line2, cu.postcode, cu.commune,"
	    " cu.country, l.id, l.title, l.created_at,"
	    " a.first_name, a.last_name"
	    " FROM braille_letters l"
	    " JOIN web_accounts a ON a.id = l.account_id"
	    FIRST_CUSTOMER
	    " WHERE a.braille <> 'none' AND l.created_at >= $1"
	    " ORDER BY a.id, l.id",
	/* Retention (index braille_letters_created). */
	[SQL_LETTER_PURGE] =
	    "DELETE FROM braille_letters WHERE created_at < $1",
};

static void
pref_row(rb_stmt *st, void *arg)
{
	rb_store_copy(arg, RB_BRAILLE_PREF_MAX, rb_stmt_text(st, 0));
}

static void
pref_batch_row(rb_stmt *st, void *arg)
{
	struct rb_braille_pref_q *q = arg;

	pref_row(st, q->pq_pref);
	q->pq_found = 1;
}

void
rb_braille_pref_read(struct rb_braille_pref_q *q, int64_t account,
    struct rb_db_read *r)
{
	q->pq_b[0] = rb_int(account);
	q->pq_pref[0] = '\0';
	q->pq_found = 0;
	*r = (struct rb_db_read){ sql[SQL_PREF_GET], q->pq_b, 1,
	    pref_batch_row, q, 0 };
}

int
rb_braille_pref_get(rb_db *db, int64_t account, char pref[RB_BRAILLE_PREF_MAX])
{
	int rc;

	pref[0] = '\0';
	rc = rb_db_fetch_one(db, sql[SQL_PREF_GET], RB_BINDS(rb_int(account)),
	    pref_row, pref);
	return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}

int
rb_braille_pref_set(rb_db *db, int64_t account, const char *pref,
    const char *by, int64_t now)
{
	int64_t n = 0;
	int rc;

	rc = rb_db_run(db, sql[SQL_PREF_SET], RB_BINDS(rb_int(account),
	    rb_text(pref), rb_text(by), rb_int(now)), &n);
	if (rc != 0)
		return rc;
	return n > 0 ? 0 : 1;
}

int
rb_braille_letter_keep(rb_db *db, const char *to, const char *kind,
    const char *title, const char *body, int64_t now, int *kept)
{
	int64_t n = 0;

	if (kept != NULL)
		*kept = 0;
	if (rb_db_run(db, sql[SQL_LETTER_KEEP], RB_BINDS(rb_text(to),
	    rb_text(kind), rb_text(title), rb_text(body), rb_int(now)),
	    &n) != 0)
		return -1;
	if (kept != NULL)
		*kept = n > 0;
	return 0;
}

static void
letter_fill(rb_stmt *st, struct rb_braille_letter_row *r)
{
	r->bl_id = rb_stmt_int(st, 0);
	r->bl_account = rb_stmt_int(st, 1);
	rb_store_copy(r->bl_kind, sizeof(r->bl_kind), rb_stmt_text(st, 2));
	rb_store_copy(r->bl_title, sizeof(r->bl_title), rb_stmt_text(st, 3));
	r->bl_created_at = rb_stmt_int(st, 4);
}

struct list_ctx {
	void	(*lc_fn)(const struct rb_braille_letter_row *, void *);
	void	*lc_arg;
};

static void
list_row(rb_stmt *st, void *arg)
{
	struct list_ctx *lc = arg;
	struct rb_braille_letter_row r;

	memset(&r, 0, sizeof(r));
	letter_fill(st, &r);
	lc->lc_fn(&r, lc->lc_arg);
}

int
rb_braille_letters_list(rb_db *db, int64_t account,
    void (*fn)(const struct rb_braille_letter_row *, void *), void *arg)
{
	struct list_ctx lc = { fn, arg };

	return rb_db_fetch_all(db, sql[SQL_LETTER_LIST],
	    RB_BINDS(rb_int(account)), list_row, &lc) == 0 ? 0 : -1;
}

static void
get_row(rb_stmt *st, void *arg)
{
	struct rb_braille_letter_row *r = arg;
	const char *body = rb_stmt_text(st, 5);

	letter_fill(st, r);
	free(r->bl_body);
	if ((r->bl_body = strdup(body != NULL ? body : "")) == NULL)
		abort();
}

int
rb_braille_letter_get(rb_db *db, int64_t account, int64_t id,
    struct rb_braille_letter_row *row)
{
	int rc;

	memset(row, 0, sizeof(*row));
	rc = rb_db_fetch_one(db, sql[SQL_LETTER_GET], RB_BINDS(rb_int(account),
	    rb_int(id)), get_row, row);
	if (rc != 0) {
		free(row->bl_body);
		row->bl_body = NULL;
	}
	return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}

struct batch_ctx {
	void	(*bc_fn)(const struct rb_braille_addressee *, void *);
	void	*bc_arg;
	int	 bc_letters;
};

static const char *
text(rb_stmt *st, int col)
{
	const char *s = rb_stmt_text(st, col);

	return s != NULL ? s : "";
}

static void
batch_row(rb_stmt *st, void *arg)
{
	struct batch_ctx *bc = arg;
	struct rb_braille_addressee a;

	memset(&a, 0, sizeof(a));
	a.ba_account = rb_stmt_int(st, 0);
	a.ba_pref = text(st, 1);
	a.ba_title = text(st, 2);
	a.ba_first_name = text(st, 3);
	a.ba_last_name = text(st, 4);
	a.ba_address1 = text(st, 5);
	a.ba_address2 = text(st, 6);
	a.ba_postcode = text(st, 7);
	a.ba_commune = text(st, 8);
	a.ba_country = text(st, 9);
	if (bc->bc_letters) {
		a.ba_invoice = "";
		a.ba_letter = rb_stmt_int(st, 10);
		a.ba_letter_title = text(st, 11);
		a.ba_letter_at = rb_stmt_int(st, 12);
		/* No contract: the account's own name, no address. */
		if (rb_stmt_is_null(st, 4)) {
			a.ba_first_name = text(st, 13);
			a.ba_last_name = text(st, 14);
		}
	} else {
		a.ba_invoice = text(st, 10);
		a.ba_letter_title = "";
	}
	bc->bc_fn(&a, bc->bc_arg);
}

int
rb_braille_batch_bills(rb_db *db, const char *since_iso,
    void (*fn)(const struct rb_braille_addressee *, void *), void *arg)
{
	struct batch_ctx bc = { fn, arg, 0 };

	return rb_db_fetch_all(db, sql[SQL_BATCH_BILLS],
	    RB_BINDS(rb_text(since_iso)), batch_row, &bc) == 0 ? 0 : -1;
}

int
rb_braille_batch_letters(rb_db *db, int64_t since_ts,
    void (*fn)(const struct rb_braille_addressee *, void *), void *arg)
{
	struct batch_ctx bc = { fn, arg, 1 };

	return rb_db_fetch_all(db, sql[SQL_BATCH_LETTERS],
	    RB_BINDS(rb_int(since_ts)), batch_row, &bc) == 0 ? 0 : -1;
}

int
rb_braille_letters_purge(rb_db *db, int64_t before, int64_t *deleted)
{
	return rb_db_run(db, sql[SQL_LETTER_PURGE], RB_BINDS(rb_int(before)),
	    deleted) == 0 ? 0 : -1;
}
