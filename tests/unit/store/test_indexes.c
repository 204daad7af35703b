/*
 * test_indexes.c: the back office's reads of customer-service requests
 * use an index (EXPLAIN QUERY PLAN on SQLite): the customer file's
 * requests by account or contract number, the queue by subject and
 * status, attachments by (purpose, ref_id), closed requests by the
 * instant they were closed (`robinet purge`); braille letters by account
 * (the GDPR export) and by the instant they were kept (`robinet purge`).
 * A plan line "SCAN" of one of those tables (a full read) fails.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"

struct plan {
	char	p_text[2048];
};

static void
plan_row(rb_stmt *st, void *arg)
{
	struct plan *p = arg;
	const char *d = rb_stmt_text(st, 3);
	size_t n = strlen(p->p_text);

	snprintf(p->p_text + n, sizeof(p->p_text) - n, "%s\n",
	    d != NULL ? d : "");
}

/* Fails when the plan of sql reads table (as alias) in full. */
static void
uses_index(rb_db *db, const char *sql, const char *alias,
    const struct rb_bind *b, size_t nb)
{
	struct plan p;
	char explain[2048], scan[64], scan_cov[96];

	memset(&p, 0, sizeof(p));
	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(rb_db_fetch_all(db, explain, b, nb, plan_row, &p),
	    0);
	snprintf(scan, sizeof(scan), "SCAN %s\n", alias);
	snprintf(scan_cov, sizeof(scan_cov), "SCAN %s USING", alias);
	if (strstr(p.p_text, scan) != NULL ||
	    strstr(p.p_text, scan_cov) != NULL)
		fail_msg("full read of %s:\n%s\n%s", alias, sql, p.p_text);
	assert_non_null(strstr(p.p_text, "USING"));
}

static void
test_request_reads_use_indexes(void **state)
{
	char dir[256];
	rb_db *db;

	(void)state;
	assert_int_equal(test_db_open(dir, sizeof(dir), "idx.db", &db), 0);
	/* Customer file (store/custfile.c): by account OR contract. */
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.account_id IN (SELECT ac.account_id FROM"
	    " account_contracts ac WHERE ac.contract_id = $1)"
	    " OR r.contract_number IN (SELECT number FROM contracts"
	    " WHERE customer_id = $1)", "r", RB_BINDS(rb_int(1)));
	/* The queue (store/contact.c): subject and status, status. */
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.subject = $1 AND r.status = $2"
	    " ORDER BY r.created_at, r.id", "r",
	    RB_BINDS(rb_text("bill"), rb_text("new")));
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.status = $1 ORDER BY r.created_at, r.id", "r",
	    RB_BINDS(rb_text("new")));
	/* Attachments of a request or a reading. */
	uses_index(db, "SELECT a.token FROM attachments a"
	    " WHERE a.purpose = $1 AND a.ref_id = $2 ORDER BY a.id", "a",
	    RB_BINDS(rb_text("contact"), rb_int(1)));
	/* Closed requests past their retention (`robinet purge`). */
	uses_index(db, "SELECT r.id FROM contact_requests r"
	    " WHERE r.status = 'closed' AND r.updated_at < $1", "r",
	    RB_BINDS(rb_int(1)));
	test_db_close(dir, db);
}

static void
test_braille_letter_reads_use_indexes(void **state)
{
	char dir[256];
	rb_db *db;

	(void)state;
	assert_int_equal(test_db_open(dir, sizeof(dir), "idx.db", &db), 0);
	/* The GDPR export (store/gdpr.c) and "Mes courriers en braille". */
	uses_index(db, "SELECT l.id FROM braille_letters l"
	    " WHERE l.account_id = $1 ORDER BY l.created_at, l.id", "l",
	    RB_BINDS(rb_int(1)));
	/* Letters past their retention (store/braille.c, `robinet purge`). */
	uses_index(db, "DELETE FROM braille_letters WHERE created_at < $1",
	    "braille_letters", RB_BINDS(rb_int(1)));
	test_db_close(dir, db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reads_use_indexes),
		cmocka_unit_test(test_braille_letter_reads_use_indexes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
