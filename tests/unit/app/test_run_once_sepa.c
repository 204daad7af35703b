/*
 * test_run_once_sepa.c: SEPA direct debit done by two connections at
 * once, as two app servers (or an agent and a subscriber, or two cron
 * jobs) do: two signatures of a mandate for one contract make one
 * mandate, the other told there is one; two cancellations revoke it
 * once, the other told there is none; two monthly plans started at once
 * make one plan of 10 instalments and one schedule email, and two stops
 * stop it once; two exports of one collection date put each debit in
 * one file, the other finding nothing left (its file empty, none put in
 * place), and a file is put in place only once its batch is committed
 * (another connection sees it); one
 * pain.002 report applied twice at once, or two reports rejecting one
 * debit, reject it once and mail the subscribers once. No side ever gets an error. Each race runs
 * several rounds, the two sides released together by a barrier, on
 * SQLite and on PostgreSQL (RB_TEST_DB, tests/pg/cluster.sh), where the
 * engine refuses one side (RB_RETRY) and rb_db_transact() runs it again.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/sepa.h"
#include "base/clock.h"
#include "base/iban.h"
#include "demo/demo.h"
#include "mail/mail.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/sepa.h"

#include "../store/demo_fixture.h"
#include "race_test.h"
#include "mail_start.h"

#define NOW		((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define TODAY		"2026-11-29"
#define DB_NAME		"runoncesepa.db"
#define ROUNDS		8
#define URL		"https://eau.test"
#define ICS		"FR72ZZZ123456"
#define CDTR_IBAN	"FR1420041010050500013M02606"
#define DD_CONTRACT	"1000000002"	/* direct debit, imported mandate */
#define DD_CONTRACT2	"1000000006"
#define NO_DD_CONTRACT	"1000000001"	/* no mandate */
#define IBAN		"DE89370400440532013000"
#define MAX_E2E		16

static char mail_dir[256];
static unsigned char key[RB_IBAN_KEYBYTES];

static int
group_setup(void **state)
{
	(void)state;
	test_mkdtemp(mail_dir, sizeof(mail_dir));
	if (test_mail_start(mail_dir, URL) != 0)
		return -1;
	return rb_iban_key_from_hex(RB_DEMO_IBAN_KEY_HEX, key);
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
	const void		*sd_in;
	int			 sd_rc;
	struct rb_sepa_export_result sd_export;
	struct rb_sepa_returns_result sd_returns;
	FILE			*sd_file;	/* export: what it wrote */
	int			 sd_finished;	/* export: so_finish() calls
						   (the file put in place) */
	const char		*sd_report;	/* returns: its pain.002 */
	char			 sd_err[256];
};

static void
side_run(void *arg)
{
	struct side *s = arg;

	s->sd_run(s);
}

/* Runs run on a and b at once, each in its own thread and connection;
 * a's and b's sd_in, sd_file and sd_report are kept. */
static void
race(const struct fixture *f, struct side *a, struct side *b,
    void (*run)(struct side *))
{
	a->sd_db = race_twin(f, DB_NAME);
	b->sd_db = race_twin(f, DB_NAME);
	a->sd_run = b->sd_run = run;
	a->sd_rc = b->sd_rc = -1;
	race_run(side_run, a, b);
	rb_db_close(a->sd_db);
	rb_db_close(b->sd_db);
}

/* Fails unless one side answered `one` and the other `other`. */
static void
one_and_other(const char *what, int round, const struct side *a,
    const struct side *b, int one, int other)
{
	if (!((a->sd_rc == one && b->sd_rc == other) ||
	    (a->sd_rc == other && b->sd_rc == one)))
		fail_msg("round %d: %s answered %d and %d (%s%s%s), not %d "
		    "and %d", round, what, a->sd_rc, b->sd_rc, a->sd_err,
		    a->sd_err[0] != '\0' && b->sd_err[0] != '\0' ? " / " : "",
		    b->sd_err, one, other);
}

static int64_t
contract_id(rb_db *db, const char *number)
{
	return q_int(db, "SELECT id FROM contracts WHERE number = $1", number);
}

/* Mandates: two signatures, then two cancellations, at once. */

static void
sign_side(struct side *s)
{
	const char *number = s->sd_in;
	struct rb_sepa_mandate m;

	s->sd_rc = rb_sepa_mandate_sign(s->sd_db, key,
	    contract_id(s->sd_db, number), number, 0, "Jeanne Martin", IBAN,
	    TODAY, &m);
}

static void
cancel_side(struct side *s)
{
	s->sd_rc = rb_sepa_mandate_cancel(s->sd_db,
	    contract_id(s->sd_db, s->sd_in), TODAY, NOW);
}

static void
test_mandate_signed_and_cancelled_once(void **state)
{
	struct fixture *f = *state;
	struct side a, b;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_in = b.sd_in = NO_DD_CONTRACT;
		race(f, &a, &b, sign_side);
		one_and_other("signatures", round, &a, &b, RB_OK,
		    RB_TOO_MANY);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
		    " WHERE c.number = $1 AND m.status = 'active'",
		    NO_DD_CONTRACT), 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
		    " WHERE c.number = $1", NO_DD_CONTRACT), round + 1);

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_in = b.sd_in = NO_DD_CONTRACT;
		race(f, &a, &b, cancel_side);
		one_and_other("cancellations", round, &a, &b, RB_OK,
		    RB_NOT_FOUND);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " sepa_mandates m JOIN contracts c ON c.id = m.contract_id"
		    " WHERE c.number = $1 AND m.status = 'revoked'",
		    NO_DD_CONTRACT), round + 1);
		assert_int_equal(q_int(f->db, "SELECT direct_debit FROM"
		    " contracts WHERE number = $1", NO_DD_CONTRACT), 0);
	}
}

/* Monthly plans: two starts, then two stops, at once. */

static void
plan_start_side(struct side *s)
{
	struct rb_sepa_plan_preview pv;

	s->sd_rc = rb_sepa_plan_start(s->sd_db, contract_id(s->sd_db,
	    s->sd_in), 10, 14, NOW, &pv);
}

static void
plan_stop_side(struct side *s)
{
	s->sd_rc = rb_sepa_plan_stop(s->sd_db, contract_id(s->sd_db,
	    s->sd_in), NOW);
}

static void
test_plan_started_and_stopped_once(void **state)
{
	struct fixture *f = *state;
	struct side a, b;
	int64_t mails;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		exec_sql(f->db, "DELETE FROM mail_outbox", NULL);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_in = b.sd_in = DD_CONTRACT;
		race(f, &a, &b, plan_start_side);
		one_and_other("plan starts", round, &a, &b, RB_OK,
		    RB_TOO_MANY);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans"
		    " p JOIN contracts c ON c.id = p.contract_id WHERE"
		    " c.number = $1 AND p.status = 'active'", DD_CONTRACT), 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " sepa_debits d JOIN contracts c ON c.id = d.contract_id"
		    " WHERE c.number = $1 AND d.plan_id IS NOT NULL AND"
		    " d.status = 'scheduled'", DD_CONTRACT), 10);
		/* One schedule email to each recipient. */
		mails = q_int(f->db, "SELECT count(*) FROM mail_outbox WHERE"
		    " subject LIKE 'Votre mensualisation%'", NULL);
		assert_true(mails > 0);
		assert_int_equal(mails, q_int(f->db, "SELECT count(DISTINCT"
		    " to_addr) FROM mail_outbox WHERE subject LIKE"
		    " 'Votre mensualisation%'", NULL));

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_in = b.sd_in = DD_CONTRACT;
		race(f, &a, &b, plan_stop_side);
		one_and_other("plan stops", round, &a, &b, RB_OK,
		    RB_NOT_FOUND);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans"
		    " p JOIN contracts c ON c.id = p.contract_id WHERE"
		    " c.number = $1 AND p.status = 'stopped'", DD_CONTRACT),
		    round + 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " sepa_debits d JOIN contracts c ON c.id = d.contract_id"
		    " WHERE c.number = $1 AND d.plan_id IS NOT NULL AND"
		    " d.status = 'scheduled'", DD_CONTRACT), 0);
	}
}

/* Exports and returns. */

/* Today + days (Paris, at NOW) as ISO into out (11 bytes). */
static void
day_after(int days, char *out)
{
	struct rb_date d, e;

	rb_clock_today(NOW, &d);
	rb_clock_date_add(&d, days, &e);
	assert_int_equal(rb_clock_format_date(&e, out, 11), 0);
}

/* Makes the last n current bills of contract number due on due, to pay,
 * never debited (their earlier debits cancelled), nothing paid. */
static void
make_due(rb_db *db, const char *number, int n, const char *due)
{
	int64_t changed = 0;

	exec_sql(db, "UPDATE sepa_debits SET status = 'cancelled' WHERE"
	    " invoice_id IN (SELECT i.id FROM invoices i JOIN contracts c ON"
	    " c.id = i.contract_id WHERE c.number = $1)", number);
	assert_int_equal(rb_db_run(db, "UPDATE invoices SET status ="
	    " 'to_pay', due_on = $2 WHERE id IN (SELECT i.id FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.archived = 0 AND i.status <> 'cancelled'"
	    " ORDER BY i.issued_on DESC LIMIT $3)", RB_BINDS(rb_text(number),
	    rb_text(due), rb_int(n)), &changed), 0);
	assert_int_equal(changed, n);
	exec_sql(db, "DELETE FROM payments WHERE invoice_id IN (SELECT i.id"
	    " FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	    " WHERE c.number = $1 AND i.status = 'to_pay')", number);
}

/* so_finish() of a side: counts the files it would put in place. */
static int
side_finish(void *arg)
{
	struct side *s = arg;

	s->sd_finished++;
	return 0;
}

static void
export_side(struct side *s)
{
	struct rb_sepa_creditor cr;
	struct rb_sepa_out out = { .so_f = s->sd_file,
	    .so_finish = side_finish, .so_arg = s };

	memset(&cr, 0, sizeof(cr));
	cr.cr_name = "Eau de la Métropole";
	cr.cr_ics = ICS;
	cr.cr_iban = CDTR_IBAN;
	cr.cr_bic = "PSSTFRPPXXX";
	cr.cr_key = key;
	s->sd_rc = rb_sepa_export(s->sd_db, &cr, s->sd_in, &out, NOW,
	    &s->sd_export, s->sd_err, sizeof(s->sd_err));
}

static void
returns_side(struct side *s)
{
	s->sd_rc = rb_sepa_returns(s->sd_db, s->sd_report,
	    strlen(s->sd_report), URL, NOW, &s->sd_returns, s->sd_err,
	    sizeof(s->sd_err));
}

/* How many times needle occurs in f's whole text. */
static int
occurrences(FILE *f, const char *needle)
{
	char *text;
	long len;
	int n = 0;
	const char *p;

	assert_int_equal(fflush(f), 0);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	text = calloc(1, (size_t)len + 1);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	for (p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(text);
	return n;
}

/* A pain.002 report msg rejecting debit e2e (AC04) of file orgnl. */
static char *
reject_report(const char *msg, const char *orgnl, const char *e2e)
{
	char *r = NULL;

	assert_true(asprintf(&r,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:"
	    "pain.002.001.03\"><CstmrPmtStsRpt><GrpHdr><MsgId>%s</MsgId>"
	    "<CreDtTm>2026-12-01T08:00:00</CreDtTm></GrpHdr>"
	    "<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId>"
	    "<OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
	    "<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>"
	    "<OrgnlPmtInfId>%s-RCUR</OrgnlPmtInfId>"
	    "<TxInfAndSts><StsId>S-%s</StsId>"
	    "<OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
	    "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>"
	    "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n",
	    msg, orgnl, orgnl, e2e, e2e) > 0);
	return r;
}

/* Debits of a new collection date (one a round) on two contracts: the
 * date into due (11 bytes); returns how many. */
static int64_t
debits_of_round(struct fixture *f, int round, char *due)
{
	int64_t n;
	int sched, nmails;

	day_after(30 + round, due);
	make_due(f->db, DD_CONTRACT, 2, due);
	make_due(f->db, DD_CONTRACT2, 2, due);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &sched,
	    &nmails), 0);
	n = q_int(f->db, "SELECT count(*) FROM sepa_debits WHERE"
	    " collection_date = $1 AND status = 'scheduled'", due);
	assert_true(n >= 4 && n < MAX_E2E);
	return n;
}

static void
test_export_once(void **state)
{
	struct fixture *f = *state;
	const struct side *won, *lost;
	struct side a, b;
	char due[11], batch[40];
	int64_t n;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		n = debits_of_round(f, round, due);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_in = b.sd_in = due;
		a.sd_file = tmpfile();
		b.sd_file = tmpfile();
		assert_non_null(a.sd_file);
		assert_non_null(b.sd_file);
		race(f, &a, &b, export_side);
		one_and_other("exports", round, &a, &b, RB_OK, RB_NO_BILL);
		won = a.sd_rc == RB_OK ? &a : &b;
		lost = won == &a ? &b : &a;
		assert_int_equal(won->sd_export.ex_n_tx, n);
		assert_int_equal(lost->sd_export.ex_already, n);
		/* Each debit of the date in the one file, once; the other
		 * file empty. */
		assert_int_equal(occurrences(won->sd_file, "<EndToEndId>"), n);
		assert_int_equal(occurrences(lost->sd_file, "<"), 0);
		/* Only the winner puts a file in place. */
		assert_int_equal(won->sd_finished, 1);
		assert_int_equal(lost->sd_finished, 0);
		fclose(a.sd_file);
		fclose(b.sd_file);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
		    " sepa_batches WHERE collection_date = $1", due), 1);
		q_text(f->db, "SELECT msg_id FROM sepa_batches WHERE"
		    " collection_date = $1", due, batch, sizeof(batch));
		assert_string_equal(batch, won->sd_export.ex_msg_id);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
		    " WHERE collection_date = $1 AND status = 'exported'", due),
		    n);
	}
}

static void
test_returns_applied_once(void **state)
{
	struct fixture *f = *state;
	const struct side *won;
	struct side a, b, one;
	char due[11], e2e[40], msg_a[40], msg_b[40], batch[40];
	int64_t n, mails;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		n = debits_of_round(f, round, due);
		memset(&one, 0, sizeof(one));
		one.sd_db = f->db;
		one.sd_in = due;
		one.sd_file = tmpfile();
		assert_non_null(one.sd_file);
		export_side(&one);
		fclose(one.sd_file);
		assert_int_equal(one.sd_rc, RB_OK);
		assert_int_equal(one.sd_export.ex_n_tx, n);
		snprintf(batch, sizeof(batch), "%s", one.sd_export.ex_msg_id);

		/* The bank rejects one debit: the same report applied twice
		 * at once (even rounds), or two reports rejecting it (odd). */
		q_text(f->db, "SELECT min(end_to_end_id) FROM sepa_debits"
		    " WHERE collection_date = $1 AND seq_type = 'RCUR'", due,
		    e2e, sizeof(e2e));
		assert_true(e2e[0] != '\0');
		snprintf(msg_a, sizeof(msg_a), "BANK-STS-%d-A", round);
		snprintf(msg_b, sizeof(msg_b), "BANK-STS-%d-%c", round,
		    round % 2 == 0 ? 'A' : 'B');
		exec_sql(f->db, "DELETE FROM mail_outbox", NULL);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.sd_report = reject_report(msg_a, batch, e2e);
		b.sd_report = reject_report(msg_b, batch, e2e);
		race(f, &a, &b, returns_side);
		free((char *)a.sd_report);
		free((char *)b.sd_report);
		one_and_other("returns", round, &a, &b, RB_OK, RB_INVALID);
		won = a.sd_rc == RB_OK ? &a : &b;
		assert_int_equal(won->sd_returns.rr_rejected, 1);
		assert_non_null(strstr((won == &a ? &b : &a)->sd_err,
		    round % 2 == 0 ? "applied already" : "already rejected"));
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_returns"
		    " WHERE msg_id = $1", msg_a) + (round % 2 == 0 ? 0 :
		    q_int(f->db, "SELECT count(*) FROM sepa_returns WHERE"
		    " msg_id = $1", msg_b)), 1);
		assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
		    " WHERE end_to_end_id = $1 AND status = 'rejected'", e2e),
		    1);
		/* The subscribers told once each. */
		mails = q_int(f->db, "SELECT count(*) FROM mail_outbox WHERE"
		    " subject LIKE 'Prélèvement refusé%'", NULL);
		assert_true(mails > 0);
		assert_int_equal(mails, won->sd_returns.rr_mails);
		assert_int_equal(mails, q_int(f->db, "SELECT count(DISTINCT"
		    " to_addr) FROM mail_outbox WHERE subject LIKE"
		    " 'Prélèvement refusé%'", NULL));
	}
}

/*
 * The database is the record, the file is derived from it: when an
 * export puts its file in place (so_finish()), its batch is committed
 * already: another connection (another server, or the next export after
 * a crash) sees the batch and every debit of the file exported. A crash
 * between the two leaves a committed batch and no file (`sepa export
 * --again` writes it), never a file listing debits still scheduled that
 * the next export would list again (a double debit). On SQLite and
 * PostgreSQL.
 */
struct out_probe {
	rb_db		*op_other;	/* a second connection */
	const char	*op_due;
	int		 op_finished;	/* so_finish() calls */
	int64_t		 op_batches;	/* seen by op_other then */
	int64_t		 op_exported;
	int64_t		 op_e2e;	/* in the file then */
	FILE		*op_f;
};

static int
probe_finish(void *arg)
{
	struct out_probe *p = arg;

	p->op_finished++;
	p->op_e2e = occurrences(p->op_f, "<EndToEndId>");
	p->op_batches = q_int(p->op_other, "SELECT count(*) FROM"
	    " sepa_batches WHERE collection_date = $1", p->op_due);
	p->op_exported = q_int(p->op_other, "SELECT count(*) FROM sepa_debits"
	    " WHERE collection_date = $1 AND status = 'exported'", p->op_due);
	return 0;
}

static void
test_export_file_in_place_after_its_commit(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_export_result res;
	struct rb_sepa_creditor cr;
	struct out_probe p;
	struct rb_sepa_out out = { .so_finish = probe_finish, .so_arg = &p };
	char due[11], err[256];
	int64_t n;

	n = debits_of_round(f, 0, due);
	memset(&p, 0, sizeof(p));
	p.op_other = race_twin(f, DB_NAME);
	p.op_due = due;
	p.op_f = out.so_f = tmpfile();
	assert_non_null(out.so_f);
	memset(&cr, 0, sizeof(cr));
	cr.cr_name = "Eau de la Métropole";
	cr.cr_ics = ICS;
	cr.cr_iban = CDTR_IBAN;
	cr.cr_key = key;
	assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW, &res, err,
	    sizeof(err)), RB_OK);
	assert_int_equal(p.op_finished, 1);
	assert_int_equal(p.op_e2e, n);
	assert_int_equal(p.op_batches, 1);
	assert_int_equal(p.op_exported, n);
	/* Nothing left for the next export, which puts no file. */
	p.op_finished = 0;
	assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW, &res, err,
	    sizeof(err)), RB_NO_BILL);
	assert_int_equal(res.ex_already, n);
	assert_int_equal(p.op_finished, 0);
	fclose(out.so_f);
	rb_db_close(p.op_other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_mandate_signed_and_cancelled_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_plan_started_and_stopped_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_returns_applied_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_export_file_in_place_after_its_commit, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
