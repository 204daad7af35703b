/*
 * test_indexes.c: the back office's reads of customer-service requests
 * use an index: the customer file's requests by account or contract
 * number, the queue by subject and status, attachments by (purpose,
 * ref_id), closed requests by the instant they were closed (`robinet
 * purge`); braille letters by account (the GDPR export) and by the
 * instant they were kept (`robinet purge`); the dashboard's latest
 * bill, meter in place and its latest reading, read in the index's
 * order without a sort (migrations 0024, 0026), and its open bills.
 * On SQLite (EXPLAIN QUERY PLAN) a plan line "SCAN" of one of those
 * tables (a full read) fails. On PostgreSQL (RB_TEST_DB; EXPLAIN (FORMAT
 * JSON) with enable_seqscan off, so that the plan takes an index whenever
 * one can serve, whatever the few rows of the test) a "Seq Scan" of the
 * table fails. On both, the plan must name the expected index.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "store/db.h"

struct plan {
	int	p_col;		/* the column of the plan's text */
	char	p_text[8192];
};

static void
plan_row(rb_stmt *st, void *arg)
{
	struct plan *p = arg;
	const char *d = rb_stmt_text(st, p->p_col);
	size_t n = strlen(p->p_text);

	snprintf(p->p_text + n, sizeof(p->p_text) - n, "%s\n",
	    d != NULL ? d : "");
}

static int
is_pg(rb_db *db)
{
	return strcmp(rb_db_engine(db), "postgresql") == 0;
}

/* 1 when one name of the "a|b" list names appears in text. */
static int
names_one(const char *text, const char *names)
{
	char buf[256], *save = NULL, *n;

	snprintf(buf, sizeof(buf), "%s", names);
	for (n = strtok_r(buf, "|", &save); n != NULL;
	    n = strtok_r(NULL, "|", &save))
		if (strstr(text, n) != NULL)
			return 1;
	return 0;
}

/*
 * Walks a PostgreSQL JSON plan node and its children: counts the nodes
 * that read table in full (Seq Scan), those that read it at all and the
 * sorts (Sort, Incremental Sort), and writes every index name into idx.
 */
static void
pg_walk(json_t *node, const char *table, int *seq, int *reads,
    int *sorts, char *idx, size_t idxlen)
{
	const char *type = json_string_value(json_object_get(node,
	    "Node Type"));
	const char *rel = json_string_value(json_object_get(node,
	    "Relation Name"));
	const char *ix = json_string_value(json_object_get(node,
	    "Index Name"));
	json_t *kids = json_object_get(node, "Plans"), *k;
	size_t i, n;

	if (rel != NULL && strcmp(rel, table) == 0) {
		(*reads)++;
		if (type != NULL && strcmp(type, "Seq Scan") == 0)
			(*seq)++;
	}
	if (type != NULL && strstr(type, "Sort") != NULL)
		(*sorts)++;
	if (ix != NULL) {
		n = strlen(idx);
		snprintf(idx + n, idxlen - n, "%s ", ix);
	}
	json_array_foreach(kids, i, k)
		pg_walk(k, table, seq, reads, sorts, idx, idxlen);
}

/* What a plan must show besides the index: flags of uses_index_how(). */
#define IN_ORDER	0x1	/* no sort (SQLite: no temporary b-tree) */
#define COVERING	0x2	/* SQLite: the index alone (PostgreSQL: any) */

/*
 * Fails when the plan of sql reads table (as alias on SQLite) in full,
 * or names none of the indexes of index ("a|b"), or misses one of the
 * flags (IN_ORDER, COVERING).
 */
static void
uses_index_how(rb_db *db, const char *sql, const char *alias,
    const char *table, const char *index, int flags, const struct rb_bind *b,
    size_t nb)
{
	struct plan p;
	char explain[2048], scan[64], scan_cov[96], idx[1024] = "";
	json_t *root;
	json_error_t jerr;
	int seq = 0, reads = 0, sorts = 0;

	memset(&p, 0, sizeof(p));
	p.p_col = is_pg(db) ? 0 : 3;
	snprintf(explain, sizeof(explain), "%s %s", is_pg(db) ?
	    "EXPLAIN (FORMAT JSON)" : "EXPLAIN QUERY PLAN", sql);
	assert_int_equal(rb_db_fetch_all(db, explain, b, nb, plan_row, &p),
	    0);
	if (!is_pg(db)) {
		snprintf(scan, sizeof(scan), "SCAN %s\n", alias);
		snprintf(scan_cov, sizeof(scan_cov), "SCAN %s USING", alias);
		if (strstr(p.p_text, scan) != NULL ||
		    strstr(p.p_text, scan_cov) != NULL)
			fail_msg("full read of %s:\n%s\n%s", alias, sql,
			    p.p_text);
		assert_non_null(strstr(p.p_text, "USING"));
		if (!names_one(p.p_text, index))
			fail_msg("no index %s:\n%s\n%s", index, sql,
			    p.p_text);
		if ((flags & IN_ORDER) && strstr(p.p_text, "TEMP B-TREE"))
			fail_msg("a sort:\n%s\n%s", sql, p.p_text);
		if ((flags & COVERING) && !strstr(p.p_text, "COVERING INDEX"))
			fail_msg("the table read:\n%s\n%s", sql, p.p_text);
		return;
	}
	root = json_loads(p.p_text, 0, &jerr);
	if (root == NULL || json_array_size(root) != 1)
		fail_msg("EXPLAIN (FORMAT JSON) gave no plan: %s", p.p_text);
	pg_walk(json_object_get(json_array_get(root, 0), "Plan"), table,
	    &seq, &reads, &sorts, idx, sizeof(idx));
	json_decref(root);
	if (reads == 0)
		fail_msg("the plan does not read %s:\n%s\n%s", table, sql,
		    p.p_text);
	if (seq > 0)
		fail_msg("full read (Seq Scan) of %s:\n%s\n%s", table, sql,
		    p.p_text);
	if (!names_one(idx, index))
		fail_msg("no index %s (plan has: %s):\n%s\n%s", index, idx,
		    sql, p.p_text);
	if ((flags & IN_ORDER) && sorts > 0)
		fail_msg("a sort:\n%s\n%s", sql, p.p_text);
}

static void
uses_index(rb_db *db, const char *sql, const char *alias, const char *table,
    const char *index, const struct rb_bind *b, size_t nb)
{
	uses_index_how(db, sql, alias, table, index, 0, b, nb);
}

/*
 * Opens the test database; on PostgreSQL with sequential scans priced
 * out, so that the plan shows whether an index can serve the query.
 */
static void
open_db(char *dir, size_t len, rb_db **db)
{
	assert_int_equal(test_db_open(dir, len, "idx.db", db), 0);
	if (is_pg(*db))
		assert_int_equal(rb_db_exec(*db, "SET enable_seqscan = off"),
		    0);
}

/* The customer file's requests, as store/custfile.c reads them. */
#define CUSTFILE_REQUESTS						\
	"SELECT r.id, r.created_at FROM contact_requests r"		\
	" WHERE r.account_id IN (SELECT ac.account_id FROM"		\
	" account_contracts ac WHERE ac.contract_id IN"			\
	" (SELECT id FROM contracts WHERE customer_id = $1))"		\
	" UNION SELECT r.id, r.created_at FROM contact_requests r"	\
	" WHERE r.contract_number IN (SELECT number FROM contracts"	\
	" WHERE customer_id = $1) ORDER BY created_at DESC, id DESC"

static void
test_request_reads_use_indexes(void **state)
{
	char dir[256];
	rb_db *db;

	(void)state;
	open_db(dir, sizeof(dir), &db);
	/* Customer file (store/custfile.c): by account, by contract. */
	uses_index(db, CUSTFILE_REQUESTS, "r", "contact_requests",
	    "contact_requests_account", RB_BINDS(rb_int(1)));
	uses_index(db, CUSTFILE_REQUESTS, "r", "contact_requests",
	    "contact_requests_contract", RB_BINDS(rb_int(1)));
	/* The queue (store/contact.c): subject and status, status. */
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.subject = $1 AND r.status = $2"
	    " ORDER BY r.created_at, r.id", "r", "contact_requests",
	    "contact_requests_subject",
	    RB_BINDS(rb_text("bill"), rb_text("new")));
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.status = $1 ORDER BY r.created_at, r.id", "r",
	    "contact_requests", "contact_requests_status",
	    RB_BINDS(rb_text("new")));
	/* Attachments of a request or a reading. */
	uses_index(db, "SELECT a.token FROM attachments a"
	    " WHERE a.purpose = $1 AND a.ref_id = $2 ORDER BY a.id", "a",
	    "attachments", "attachments_ref",
	    RB_BINDS(rb_text("contact"), rb_int(1)));
	/* Closed requests past their retention (`robinet purge`). */
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.status = 'closed' AND r.updated_at < $1", "r",
	    "contact_requests", "contact_requests_closed",
	    RB_BINDS(rb_int(1)));
	test_db_close(dir, db);
}

static void
test_braille_letter_reads_use_indexes(void **state)
{
	char dir[256];
	rb_db *db;

	(void)state;
	open_db(dir, sizeof(dir), &db);
	/* The GDPR export (store/gdpr.c) and "Mes courriers en braille". */
	uses_index(db, "SELECT l.id FROM braille_letters l"
	    " WHERE l.account_id = $1 ORDER BY l.created_at, l.id", "l",
	    "braille_letters", "braille_letters_account", RB_BINDS(rb_int(1)));
	/* Letters past their retention (store/braille.c, `robinet purge`). */
	uses_index(db, "DELETE FROM braille_letters WHERE created_at < $1",
	    "braille_letters", "braille_letters", "braille_letters_created",
	    RB_BINDS(rb_int(1)));
	test_db_close(dir, db);
}

static void
test_dashboard_reads_use_indexes(void **state)
{
	char dir[256];
	rb_db *db;

	(void)state;
	open_db(dir, sizeof(dir), &db);
	/* The dashboard (store/space.c). */
	/* The latest bill and the meter in place, in the index's order
	   without a sort on both engines, and the meter's reading
	   (migration 0026). */
	uses_index_how(db, "SELECT i.id FROM invoices i"
	    " WHERE i.contract_id = $1 AND i.status <> 'cancelled'"
	    " ORDER BY i.issued_on DESC, i.id DESC LIMIT 1", "i", "invoices",
	    "invoices_contract_issued", IN_ORDER | COVERING,
	    RB_BINDS(rb_int(1)));
	uses_index_how(db, "SELECT mm.id FROM meters mm"
	    " WHERE mm.contract_id = $1 AND mm.removed_on IS NULL"
	    " ORDER BY mm.installed_on DESC, mm.id DESC LIMIT 1", "mm",
	    "meters", "meters_in_place", IN_ORDER | COVERING,
	    RB_BINDS(rb_int(1)));
	uses_index_how(db, "SELECT rr.id FROM meter_readings rr"
	    " WHERE rr.meter_id = $1 ORDER BY rr.read_on DESC LIMIT 1", "rr",
	    "meter_readings", "meter_readings_meter_date", IN_ORDER,
	    RB_BINDS(rb_int(1)));
	/* Its open bills, on invoices_open (0022, widened by 0024). */
	uses_index(db, "SELECT u.contract_id, u.status, u.due_on,"
	    " u.total_cents FROM invoices u WHERE u.contract_id = $1"
	    " AND u.status IN ('to_pay', 'overdue', 'direct_debit')", "u",
	    "invoices", "invoices_open", RB_BINDS(rb_int(1)));
	test_db_close(dir, db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reads_use_indexes),
		cmocka_unit_test(test_braille_letter_reads_use_indexes),
		cmocka_unit_test(test_dashboard_reads_use_indexes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
