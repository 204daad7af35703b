/*
 * custsearch.c: SQL of the agents' customer search (see custsearch.h).
 *
 * Each kind has two statements over the same condition: the hits (the
 * contracts, with their holder, in name order, LIMIT) and their count.
 * The condition starts from the one index of its kind and reaches the
 * contracts by id, so that no search reads more than the rows it finds,
 * whatever the size of the tables: the email, which reads two indexes,
 * unions the contract ids of both in a subquery rather than OR-ing
 * columns of two tables, which would scan the join.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/namekey.h"
#include "store/copy.h"
#include "store/custsearch.h"

#define HIT_COLS \
	"SELECT c.id, c.number, c.old_number, cu.id, cu.title, cu.last_name," \
	" cu.first_name, cu.postcode, cu.commune, c.service_address," \
	" c.service_postcode, c.service_commune, c.end_date"
#define FROM \
	" FROM contracts c JOIN customers cu ON cu.id = c.customer_id WHERE "
/* Counts read the contracts alone (every contract has its customer),
 * from the index of their kind, without reading a row of either table;
 * the name's starts from the customers it finds. */
#define COUNT_C	"SELECT count(*) FROM contracts c WHERE "
#define COUNT_CU \
	"SELECT count(*) FROM customers cu" \
	" JOIN contracts c ON c.customer_id = cu.id WHERE "
#define ORDER	" ORDER BY cu.name_key, cu.id, c.id"

/*
 * The conditions. $1 is the value; the name search also takes $2, the
 * key just past every key that begins with $1 ($1 followed by the last
 * code point): a range that the index serves on both engines, checked
 * by substr() in case a collation orders keys otherwise than by bytes.
 */
#define W_NAME \
	"cu.name_key >= $1 AND cu.name_key < $2" \
	" AND substr(cu.name_key, 1, length($1)) = $1"
#define W_EMAIL \
	"c.id IN (SELECT c2.id FROM customers cu2" \
	" JOIN contracts c2 ON c2.customer_id = cu2.id" \
	" WHERE lower(cu2.email) = $1" \
	" UNION SELECT ac.contract_id FROM web_accounts a" \
	" JOIN account_contracts ac ON ac.account_id = a.id" \
	" WHERE a.email_norm = $1)"
#define W_CONTRACT	"c.number = $1"
#define W_OLD		"c.old_number = $1"
#define W_METER		"c.id IN (SELECT contract_id FROM meters WHERE serial = $1)"
#define W_INVOICE \
	"c.id IN (SELECT contract_id FROM invoices WHERE number = $1)"
#define W_IBAN4 \
	"c.id IN (SELECT contract_id FROM sepa_mandates WHERE iban_last4 = $1)"
/* The service address's: where the water is delivered. A large town
 * has tens of thousands of contracts under one postal code, so its hits
 * come in contract order, the order of the index, rather than sorted by
 * name (a sort of every match would take most of a second). */
#define W_POSTCODE	"c.service_postcode = $1"

struct kind_sql {
	const char	*ks_hits;	/* LIMIT is the last placeholder */
	const char	*ks_count;
	int		 ks_range;	/* takes the name range's $2 */
};

#define KIND(w) \
	{ HIT_COLS FROM w ORDER " LIMIT $2", COUNT_C w, 0 }
#define KIND_BY_ID(w) \
	{ HIT_COLS FROM w " ORDER BY c.id LIMIT $2", COUNT_C w, 0 }

static const struct kind_sql kinds[RB_CS__MAX] = {
	[RB_CS_NAME] = { HIT_COLS FROM W_NAME ORDER " LIMIT $3",
	    COUNT_CU W_NAME, 1 },
	[RB_CS_EMAIL] = KIND(W_EMAIL),
	[RB_CS_CONTRACT] = KIND(W_CONTRACT),
	[RB_CS_OLD_CONTRACT] = KIND(W_OLD),
	[RB_CS_METER] = KIND(W_METER),
	[RB_CS_INVOICE] = KIND(W_INVOICE),
	[RB_CS_IBAN4] = KIND(W_IBAN4),
	[RB_CS_POSTCODE] = KIND_BY_ID(W_POSTCODE),
};

enum custsearch_sql {
	SQL_KEYLESS,
	SQL_KEY_SET,
	SQL_CUSTOMER_NAMES,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	/* Reads the index on name_key (NULL is one of its values). */
	[SQL_KEYLESS] =
	("SELECT id, last_name, first_name FROM customers"
	" WHERE name_key IS NULL ORDER BY id LIMIT 1000"),
	[SQL_KEY_SET] =
	"UPDATE customers SET name_key = $2 WHERE id = $1",
	[SQL_CUSTOMER_NAMES] =
	"SELECT id, last_name, first_name FROM customers WHERE id = $1",
};

static const char *const hit_names[] = {
	"contract_id", "number", "old_number", "customer_id", "title",
	"last_name", "first_name", "postcode", "commune", "service_address",
	"service_postcode", "service_commune", "end_date"
};
#define HIT_KINDS	"ississsssssss"

/* Appends the hit of st to the array arg unless its contract is there. */
static void
hit_row(rb_stmt *st, void *arg)
{
	json_t *hits = arg, *h;
	int64_t id = rb_stmt_int(st, 0);
	size_t i;

	json_array_foreach(hits, i, h)
		if (json_integer_value(json_object_get(h, "contract_id")) == id)
			return;
	json_array_append_new(hits, rb_store_json_object(st, hit_names,
	    HIT_KINDS));
}

int
rb_custsearch_run(rb_db *db, enum rb_custsearch_kind kind,
    const char *value, int max, json_t *hits, int64_t *count)
{
	const struct kind_sql *ks;
	char *upper = NULL;
	int rc = -1;

	*count = 0;
	if ((unsigned)kind >= RB_CS__MAX || value == NULL) {
		log_errx("bad search kind %d", (int)kind);
		return -1;
	}
	ks = &kinds[kind];
	if (max < 0)
		max = 0;
	if (ks->ks_range) {
		/* U+10FFFF, past every character of a key. */
		size_t n = strlen(value);

		upper = rb_xmalloc(n + 5);
		memcpy(upper, value, n);
		memcpy(upper + n, "\xf4\x8f\xbf\xbf", 5);
		if (rb_db_fetch_one(db, ks->ks_count, RB_BINDS(rb_text(value),
		    rb_text(upper)), rb_row_int, count) < 0)
			goto out;
		if (max > 0 && *count > 0 && rb_db_fetch_all(db, ks->ks_hits,
		    RB_BINDS(rb_text(value), rb_text(upper), rb_int(max)),
		    hit_row, hits) != 0)
			goto out;
	} else {
		if (rb_db_fetch_one(db, ks->ks_count, RB_BINDS(rb_text(value)),
		    rb_row_int, count) < 0)
			goto out;
		if (max > 0 && *count > 0 && rb_db_fetch_all(db, ks->ks_hits,
		    RB_BINDS(rb_text(value), rb_int(max)), hit_row, hits) != 0)
			goto out;
	}
	rc = 0;
out:
	free(upper);
	return rc;
}

/* A customer whose key is to be written. */
struct keyless {
	int64_t	kl_id;
	char	kl_key[RB_NAMEKEY_MAX];
};

struct keyless_list {
	struct keyless	kl_rows[1000];
	int		kl_n;
};

static void
keyless_row(rb_stmt *st, void *arg)
{
	struct keyless_list *l = arg;
	struct keyless *k;

	if (l->kl_n >= (int)RB_NELEM(l->kl_rows))
		return;
	k = &l->kl_rows[l->kl_n++];
	k->kl_id = rb_stmt_int(st, 0);
	rb_namekey_customer(rb_stmt_text(st, 1), rb_stmt_text(st, 2),
	    k->kl_key, sizeof(k->kl_key));
}

int
rb_custsearch_fill_keys(rb_db *db, int64_t *filled)
{
	struct keyless_list *l = rb_xmalloc(sizeof(*l));
	int i, rc = -1;

	*filled = 0;
	for (;;) {
		l->kl_n = 0;
		if (rb_db_fetch_all(db, sql[SQL_KEYLESS], NULL, 0, keyless_row,
		    l) != 0)
			goto out;
		if (l->kl_n == 0)
			break;
		if (rb_db_begin(db) != 0)
			goto out;
		for (i = 0; i < l->kl_n; i++)
			if (rb_db_run(db, sql[SQL_KEY_SET],
			    RB_BINDS(rb_int(l->kl_rows[i].kl_id),
			    rb_text(l->kl_rows[i].kl_key)), NULL) != 0) {
				rb_db_rollback(db);
				goto out;
			}
		if (rb_db_commit(db) != 0)
			goto out;
		*filled += l->kl_n;
	}
	rc = 0;
out:
	free(l);
	return rc;
}

int
rb_custsearch_key_update(rb_db *db, int64_t id)
{
	struct keyless_list *l = rb_xmalloc(sizeof(*l));
	int rc;

	l->kl_n = 0;
	if (rb_db_fetch_all(db, sql[SQL_CUSTOMER_NAMES], RB_BINDS(rb_int(id)),
	    keyless_row, l) != 0)
		rc = -1;
	else if (l->kl_n == 0)
		rc = 1;
	else
		rc = rb_db_run(db, sql[SQL_KEY_SET], RB_BINDS(rb_int(id),
		    rb_text(l->kl_rows[0].kl_key)), NULL) == 0 ? 0 : -1;
	free(l);
	return rc;
}
