/*
 * test_run_once_batch.c: the batches that must do their work once, run
 * by two connections at once as two servers' cron jobs do: `robinet
 * sepa schedule` (rb_sepa_schedule) gives every due bill one debit and
 * one pre-notification, never debits a bill its monthly plan settled,
 * and both sides succeed; `robinet alerts` (rb_cons_alerts_run,
 * rb_leak_alerts_run) records each alert once and queues its email
 * once, both sides succeeding. Each race is run several rounds, the two
 * sides released together by a barrier, on SQLite and on PostgreSQL
 * (RB_TEST_DB, tests/pg/cluster.sh), where the engine refuses one side
 * (RB_RETRY) and rb_db_transact() runs it again.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/consumption.h"
#include "app/leaks.h"
#include "app/sepa.h"
#include "base/clock.h"
#include "demo/demo.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/sepa.h"

#include "../store/demo_fixture.h"
#include "race_test.h"
#include "mail_start.h"

#define NOW		((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define DB_NAME		"runoncebatch.db"
#define ROUNDS		8
#define URL		"https://eau.test"
#define ICS		"FR72ZZZ123456"
#define DD_CONTRACT	"1000000002"	/* direct debit, imported mandate */
#define DD_CONTRACT2	"1000000006"
#define YEAR_END	"2099-12-31"	/* due date of the plan's last bill */
#define MAX_BILLS	64

static char mail_dir[256];

static int
group_setup(void **state)
{
	(void)state;
	test_mkdtemp(mail_dir, sizeof(mail_dir));
	if (test_mail_start(mail_dir, URL) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rb_mail_shutdown();
	test_rmtree(mail_dir);
	return 0;
}

static int
setup(void **state)
{
	return demo_fixture_setup(state, DB_NAME);
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* One side of a race: its connection, what it runs, what it got. */
struct side {
	rb_db			*sd_db;
	void			(*sd_run)(struct side *);
	int			 sd_rc;
	int			 sd_done;	/* bills scheduled, alerts */
	int			 sd_mails;
	int			 sd_leaks;
	int			 sd_leak_mails;
};

static void
side_run(void *arg)
{
	struct side *s = arg;

	s->sd_run(s);
}

/* Runs a and b at once, each in its own thread and connection. */
static void
race(const struct fixture *f, struct side *a, struct side *b,
    void (*run)(struct side *))
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->sd_db = race_twin(f, DB_NAME);
	b->sd_db = race_twin(f, DB_NAME);
	a->sd_run = b->sd_run = run;
	race_run(side_run, a, b);
	rb_db_close(a->sd_db);
	rb_db_close(b->sd_db);
}

/* SEPA scheduling. */

/* Today + days (Paris, at NOW) as ISO into out (11 bytes). */
static void
day_after(int days, char *out)
{
	struct rb_date d, e;

	rb_clock_today(NOW, &d);
	rb_clock_date_add(&d, days, &e);
	assert_int_equal(rb_clock_format_date(&e, out, 11), 0);
}

/* Makes the last n current bills of contract number due on due, to pay
 * (and not paid by anything else). */
static void
make_due(rb_db *db, const char *number, int n, const char *due)
{
	rb_stmt *st = rb_db_prepare(db, "UPDATE invoices SET status ="
	    " 'to_pay', due_on = $2 WHERE id IN (SELECT i.id FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.archived = 0 AND i.status <> 'cancelled'"
	    " ORDER BY i.issued_on DESC LIMIT $3)");

	assert_non_null(st);
	rb_stmt_bind_text(st, 1, number, -1);
	rb_stmt_bind_text(st, 2, due, -1);
	rb_stmt_bind_int(st, 3, n);
	assert_int_equal(rb_stmt_step(st), RB_DONE);
	assert_int_equal(rb_stmt_changes(st), n);
	rb_stmt_reset(st);
	exec_sql(db, "DELETE FROM payments WHERE invoice_id IN (SELECT i.id"
	    " FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	    " WHERE c.number = $1 AND i.status = 'to_pay')", number);
}

static void
schedule_side(struct side *s)
{
	s->sd_rc = rb_sepa_schedule(s->sd_db, ICS, URL, 14, NOW, &s->sd_done,
	    &s->sd_mails);
}

/* Pre-notifications queued about bill number. */
static int64_t
prenotices_of(rb_db *db, const char *number, int distinct)
{
	return q_int(db, distinct ? "SELECT count(DISTINCT to_addr)"
	    " FROM mail_outbox WHERE subject LIKE 'Prochain prélèvement%'"
	    " AND body_text LIKE '%' || $1 || '%'" :
	    "SELECT count(*) FROM mail_outbox WHERE subject LIKE"
	    " 'Prochain prélèvement%' AND body_text LIKE '%' || $1 || '%'",
	    number);
}

static void
test_schedule_once(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_due_bill bills[MAX_BILLS];
	struct rb_sepa_plan_preview pv;
	struct side a, b;
	char due[11];
	int64_t contract, year_end = 0;
	int n, i, round;

	/* Bills due on two contracts; on the first, a monthly plan whose
	 * instalments cover its year-end bill: that bill is settled by the
	 * plan (paid), never debited. */
	day_after(40, due);
	contract = q_int(f->db, "SELECT id FROM contracts WHERE number = $1",
	    DD_CONTRACT);
	assert_int_equal(rb_sepa_plan_start(f->db, contract, 10, 14, NOW, &pv),
	    RB_OK);
	make_due(f->db, DD_CONTRACT, 3, due);
	make_due(f->db, DD_CONTRACT2, 3, due);
	exec_sql(f->db, "UPDATE invoices SET issued_on = '2099-12-20',"
	    " due_on = '" YEAR_END "' WHERE id = (SELECT max(id) FROM invoices"
	    " WHERE contract_id = (SELECT id FROM contracts WHERE number ="
	    " $1))", DD_CONTRACT);
	assert_true(q_int(f->db, "SELECT total_cents FROM invoices WHERE"
	    " due_on = '" YEAR_END "'", NULL) <= pv.pv_basis_cents);

	for (round = 0; round < ROUNDS; round++) {
		/* Back to due: no live debit, the plan active, no mail. */
		exec_sql(f->db, "UPDATE sepa_debits SET status = 'cancelled'"
		    " WHERE status = 'scheduled' AND invoice_id IN (SELECT id"
		    " FROM invoices WHERE due_on = $1 OR due_on = '" YEAR_END
		    "')", due);
		exec_sql(f->db, "UPDATE invoices SET status = 'to_pay'"
		    " WHERE due_on = $1 OR due_on = '" YEAR_END "'", due);
		exec_sql(f->db, "UPDATE sepa_plans SET status = 'active',"
		    " settled_invoice_id = NULL WHERE contract_id = (SELECT id"
		    " FROM contracts WHERE number = $1)", DD_CONTRACT);
		exec_sql(f->db, "DELETE FROM mail_outbox WHERE subject LIKE"
		    " 'Prochain prélèvement%'", NULL);
		assert_int_equal(rb_sepa_store_due_bills(f->db, 0, MAX_BILLS,
		    bills, &n), 0);
		assert_true(n >= 5 && n < MAX_BILLS);

		race(f, &a, &b, schedule_side);
		/* Both sides finish cleanly; each bill done by one. */
		if (a.sd_rc != 0 || b.sd_rc != 0)
			fail_msg("round %d: schedule returned %d and %d", round,
			    a.sd_rc, b.sd_rc);
		for (i = 0; i < n; i++) {
			const char *num = bills[i].db_number;
			int64_t debits = q_int(f->db, "SELECT count(*) FROM"
			    " sepa_debits d JOIN invoices i ON i.id ="
			    " d.invoice_id WHERE i.number = $1 AND d.status"
			    " IN ('scheduled', 'exported', 'collected')", num);

			if (strcmp(bills[i].db_due_on, YEAR_END) == 0) {
				year_end = bills[i].db_invoice_id;
				if (debits != 0)
					fail_msg("round %d: bill %s, paid by its"
					    " plan, debited too", round, num);
				assert_int_equal(prenotices_of(f->db, num, 0),
				    0);
				assert_int_equal(q_int(f->db, "SELECT count(*)"
				    " FROM invoices WHERE number = $1 AND"
				    " status = 'paid'", num), 1);
				continue;
			}
			if (debits != 1)
				fail_msg("round %d: bill %s has %lld debits",
				    round, num, (long long)debits);
			/* One pre-notification to each recipient. */
			assert_true(prenotices_of(f->db, num, 1) > 0);
			assert_int_equal(prenotices_of(f->db, num, 0),
			    prenotices_of(f->db, num, 1));
		}
		assert_true(year_end > 0);
		assert_int_equal(a.sd_done + b.sd_done, n - 1);
		assert_int_equal(a.sd_mails + b.sd_mails, q_int(f->db,
		    "SELECT count(*) FROM mail_outbox WHERE subject LIKE"
		    " 'Prochain prélèvement%'", NULL));
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans"
		    " WHERE status = 'settled' AND contract_id = (SELECT id"
		    " FROM contracts WHERE number = $1)", DD_CONTRACT), 1);
	}
}

/* Alerts. */

static void
alerts_side(struct side *s)
{
	s->sd_rc = rb_cons_alerts_run(s->sd_db, URL, NOW, &s->sd_done,
	    &s->sd_mails);
	if (s->sd_rc == 0)
		s->sd_rc = rb_leak_alerts_run(s->sd_db, URL, NOW,
		    &s->sd_leaks, &s->sd_leak_mails);
}

/* Mails whose subject is like pattern, and how many are distinct. */
static void
mails_like(rb_db *db, const char *pattern, int64_t *all, int64_t *distinct)
{
	*all = q_int(db, "SELECT count(*) FROM mail_outbox"
	    " WHERE subject LIKE $1", pattern);
	*distinct = q_int(db, "SELECT count(DISTINCT to_addr || '|' ||"
	    " subject || '|' || body_text) FROM mail_outbox"
	    " WHERE subject LIKE $1", pattern);
}

static void
test_alerts_once(void **state)
{
	struct fixture *f = *state;
	struct side a, b;
	int64_t all, distinct, alerts;
	int round;

	/* Abnormal consumption: the latest bill of two contracts, three
	 * times its volume. */
	exec_sql(f->db, "UPDATE invoices SET volume_litres = volume_litres"
	    " * 3 WHERE id IN (SELECT max(i.id) FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number IN"
	    " ('1000000001', '1000000004') GROUP BY c.id)", NULL);

	for (round = 0; round < ROUNDS; round++) {
		exec_sql(f->db, "DELETE FROM consumption_alerts", NULL);
		exec_sql(f->db, "DELETE FROM leak_alerts", NULL);
		exec_sql(f->db, "DELETE FROM mail_outbox", NULL);

		race(f, &a, &b, alerts_side);
		if (a.sd_rc != 0 || b.sd_rc != 0)
			fail_msg("round %d: alerts returned %d and %d", round,
			    a.sd_rc, b.sd_rc);
		/* Each alert recorded by one side, its email queued once. */
		alerts = q_int(f->db, "SELECT count(*) FROM consumption_alerts",
		    NULL);
		assert_true(alerts >= 2);
		assert_int_equal(a.sd_done + b.sd_done, alerts);
		mails_like(f->db, "Consommation d'eau anormalement%", &all,
		    &distinct);
		assert_true(all >= alerts);
		assert_int_equal(all, distinct);
		assert_int_equal(a.sd_mails + b.sd_mails, all);
		assert_int_equal(a.sd_leaks + b.sd_leaks, q_int(f->db,
		    "SELECT count(*) FROM leak_alerts", NULL));
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " (SELECT contract_id FROM leak_alerts GROUP BY"
		    " contract_id HAVING count(*) > 1) x", NULL), 0);
		assert_int_equal(a.sd_leak_mails + b.sd_leak_mails,
		    q_int(f->db, "SELECT count(*) FROM mail_outbox", NULL) -
		    all);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schedule_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alerts_once, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
