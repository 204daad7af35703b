/*
 * test_consumption.c: consumption use cases (app/consumption.h) and
 * their SQL (store/consumption.h) on the demo dataset: what each scope
 * sees (an account, an archive visitor, nobody), periods with the same
 * period a year earlier, daily litres from remote readings, and the
 * alerts batch: one alert and one email per abnormal period, to the
 * account or else to the customer's email on file, nothing on a second
 * run, and the scoped alert of a bill and of a contract.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/consumption.h"
#include "demo/demo.h"
#include "mail/mail.h"
#include "store/consumption.h"
#include "store/db.h"
#include "store/migrate.h"

#include "../store/demo_fixture.h"
#include "mail_start.h"

/* The day before day (YYYY-MM-DD) into out (11 bytes), in plain C: the
   SQL of the tests runs on every engine. */
static void
day_before(const char *day, char *out)
{
	struct tm tm = { 0 };

	assert_int_equal(sscanf(day, "%d-%d-%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday -= 1;
	tm.tm_hour = 12;
	timegm(&tm);
	assert_int_equal(strftime(out, 11, "%Y-%m-%d", &tm), 10);
}

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define URL	"https://eau.example"

static int
setup(void **state)
{
	struct fixture *f;
	char dir[300];

	if (demo_fixture_setup(state, "cons.db") != 0)
		return -1;
	f = *state;
	snprintf(dir, sizeof(dir), "%s/mail", f->dir);
	if (test_mail_start(dir, URL) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	rb_mail_shutdown();
	return demo_fixture_teardown(state);
}

static struct rb_scope
demo_scope(rb_db *db)
{
	struct rb_scope sc = { 0, 0 };

	sc.sc_account = q_int(db, "SELECT id FROM web_accounts"
	    " WHERE email_norm = $1", "demo@robinet.test");
	return sc;
}

static void
periods_of_an_account(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = demo_scope(f->db);
	json_t *a = NULL, *b = NULL, *row;
	const char *end;
	int64_t n;
	size_t i;

	n = q_int(f->db, "SELECT count(*) FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.status <> 'cancelled'", "1000000001");
	assert_true(n >= 8);
	assert_int_equal(rb_cons_periods(f->db, &sc, "1000000001",
	    "2000-01-01", "2099-12-31", &a), RB_OK);
	assert_int_equal(json_array_size(a), n);
	/* Oldest first, the shape of the interface, a year earlier. */
	json_array_foreach(a, i, row) {
		assert_true(json_is_string(json_object_get(row, "start")));
		assert_true(json_is_integer(json_object_get(row, "days")));
		assert_true(json_integer_value(json_object_get(row, "days")) >
		    150);
		assert_true(json_is_integer(json_object_get(row, "litres")));
		assert_true(json_is_boolean(json_object_get(row, "estimated")));
		assert_true(json_is_boolean(json_object_get(row, "abnormal")));
		assert_false(json_is_true(json_object_get(row, "abnormal")));
		if (i < 2) {
			assert_true(json_is_null(json_object_get(row,
			    "previous_litres")));
			continue;
		}
		assert_true(strcmp(json_string_value(json_object_get(
		    json_array_get(a, i - 1), "end")), json_string_value(
		    json_object_get(row, "end"))) < 0);
		assert_int_equal(json_integer_value(json_object_get(row,
		    "previous_litres")), json_integer_value(json_object_get(
		    json_array_get(a, i - 2), "litres")));
	}
	/* The old number names the same contract. */
	assert_int_equal(rb_cons_periods(f->db, &sc, "1234560A", "2000-01-01",
	    "2099-12-31", &b), RB_OK);
	assert_true(json_equal(a, b));
	json_decref(b);
	/* Both bounds are included. */
	end = json_string_value(json_object_get(json_array_get(a, 3), "end"));
	assert_int_equal(rb_cons_periods(f->db, &sc, "1000000001", end, end,
	    &b), RB_OK);
	assert_int_equal(json_array_size(b), 1);
	assert_true(json_equal(json_array_get(b, 0), json_array_get(a, 3)));
	json_decref(b);
	json_decref(a);
}

static void
other_contracts_are_not_found(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = demo_scope(f->db), nobody = { 0, 0 };
	json_t *a = (json_t *)1;

	assert_int_equal(rb_cons_periods(f->db, &sc, "1000000004",
	    "2000-01-01", "2099-12-31", &a), RB_NOT_FOUND);
	assert_null(a);
	assert_int_equal(rb_cons_periods(f->db, &sc, "9999999999",
	    "2000-01-01", "2099-12-31", &a), RB_NOT_FOUND);
	assert_int_equal(rb_cons_daily(f->db, &sc, "1000000004",
	    "2026-01-01", "2026-12-31", &a), RB_NOT_FOUND);
	assert_int_equal(rb_cons_contract_alert(f->db, &sc, "1000000004",
	    &a), RB_NOT_FOUND);
	assert_int_equal(rb_cons_invoice_alert(f->db, &sc, "FA2024-000042",
	    &a), RB_NOT_FOUND);
	assert_int_equal(rb_cons_periods(f->db, &nobody, "1000000001",
	    "2000-01-01", "2099-12-31", &a), RB_NOT_FOUND);
	assert_null(a);
}

/* The contract id of number. */
static int64_t
contract_of(rb_db *db, const char *number)
{
	return q_int(db, "SELECT id FROM contracts WHERE number = $1", number);
}

/*
 * The store's statements about one contract bind its id, found in scope
 * by an earlier statement; they check the scope again, so that the id
 * of another subscriber's contract, guessed or typed, gives nothing:
 * no bill, no reading, no alert, for an account, an archive visitor
 * (whose contract's archive stops before 2024) and nobody.
 */
static void
store_refuses_contract_ids_out_of_scope(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = demo_scope(f->db);
	struct rb_cons_bill *b = NULL;
	struct rb_cons_reading *r = NULL;
	struct rb_cons_alert_row a;
	int64_t own, other, remote, inv, id;
	int n = -1;

	own = contract_of(f->db, "1000000001");
	other = contract_of(f->db, "1000000003");
	/* A remote-read meter of a contract that is not demo's. */
	remote = q_int(f->db, "SELECT min(m.contract_id) FROM meters m"
	    " WHERE m.remote_read = 1 AND NOT EXISTS (SELECT 1"
	    "  FROM account_contracts ac JOIN web_accounts w"
	    "  ON w.id = ac.account_id WHERE ac.contract_id = m.contract_id"
	    "  AND w.email_norm = $1)", "demo@robinet.test");
	assert_true(remote > 0 && remote != own);
	assert_true(q_int(f->db, "SELECT count(*) FROM meter_readings r"
	    " JOIN meters m ON m.id = r.meter_id JOIN contracts c"
	    " ON c.id = m.contract_id WHERE r.source = 'remote'"
	    " AND c.number = (SELECT number FROM contracts WHERE id = (SELECT"
	    "  min(m2.contract_id) FROM meters m2 WHERE m2.remote_read = 1"
	    "  AND m2.contract_id <> (SELECT id FROM contracts"
	    "  WHERE number = $1)))", "1000000001") > 0);
	assert_true(q_int(f->db, "SELECT count(*) FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.archived = 1", "1000000003") > 0);

	/* The account: its own contract, and not the others'. */
	assert_int_equal(rb_cons_store_bills(f->db, sc.sc_account, 0,
	    RB_ARCHIVE_END, own, &b, &n), 0);
	assert_true(n >= 8);
	free(b);
	assert_int_equal(rb_cons_store_bills(f->db, sc.sc_account, 0,
	    RB_ARCHIVE_END, other, &b, &n), 0);
	assert_int_equal(n, 0);
	free(b);
	assert_int_equal(rb_cons_store_readings(f->db, sc.sc_account, 0,
	    RB_ARCHIVE_END, own, "2000-01-01", "2099-12-31", &r, &n), 0);
	assert_true(n > 0);
	free(r);
	assert_int_equal(rb_cons_store_readings(f->db, sc.sc_account, 0,
	    RB_ARCHIVE_END, remote, "2000-01-01", "2099-12-31", &r, &n), 0);
	assert_int_equal(n, 0);
	free(r);

	/* An alert of the other contract, in 2023: seen by its archive
	   visitor only. */
	inv = q_int(f->db, "SELECT min(i.id) FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1", "1000000003");
	assert_int_equal(rb_cons_store_alert_add(f->db, other, "2023-01-01",
	    "2023-06-30", inv, 90000, 30000, NOW, &id), 0);
	assert_int_equal(rb_cons_store_contract_alert(f->db, sc.sc_account, 0,
	    RB_ARCHIVE_END, other, &a), 1);
	assert_int_equal(rb_cons_store_contract_alert(f->db, 0, other,
	    RB_ARCHIVE_END, other, &a), 0);
	assert_string_equal(a.ca_end, "2023-06-30");
	assert_int_equal(rb_cons_store_contract_alert(f->db, 0, own,
	    RB_ARCHIVE_END, other, &a), 1);
	assert_int_equal(rb_cons_store_contract_alert(f->db, 0, 0,
	    RB_ARCHIVE_END, other, &a), 1);

	/* An archive visitor: the archived bills of its contract, before
	   2024; nothing of another contract. */
	assert_int_equal(rb_cons_store_bills(f->db, 0, other, RB_ARCHIVE_END,
	    other, &b, &n), 0);
	assert_int_equal(n, q_int(f->db, "SELECT count(*) FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.archived = 1 AND i.status <> 'cancelled'"
	    " AND i.period_end < '2024-01-01'", "1000000003"));
	free(b);
	assert_int_equal(rb_cons_store_bills(f->db, 0, other, RB_ARCHIVE_END,
	    own, &b, &n), 0);
	assert_int_equal(n, 0);
	free(b);
	assert_int_equal(rb_cons_store_readings(f->db, 0, own, RB_ARCHIVE_END,
	    remote, "2000-01-01", "2099-12-31", &r, &n), 0);
	assert_int_equal(n, 0);
	free(r);

	/* Nobody: nothing, not even of an existing contract. */
	assert_int_equal(rb_cons_store_bills(f->db, 0, 0, RB_ARCHIVE_END, own,
	    &b, &n), 0);
	assert_int_equal(n, 0);
	free(b);
	assert_int_equal(rb_cons_store_readings(f->db, 0, 0, RB_ARCHIVE_END,
	    own, "2000-01-01", "2099-12-31", &r, &n), 0);
	assert_int_equal(n, 0);
	free(r);
}

static void
archive_scope_sees_before_2024_only(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = { 0, 0 };
	json_t *a = NULL, *row;
	size_t i;

	sc.sc_archive = q_int(f->db, "SELECT id FROM contracts"
	    " WHERE number = $1", "1000000001");
	assert_int_equal(rb_cons_periods(f->db, &sc, "1234560A", "2000-01-01",
	    "2099-12-31", &a), RB_OK);
	assert_int_equal(json_array_size(a), q_int(f->db, "SELECT count(*)"
	    " FROM invoices WHERE contract_number = $1 AND archived = 1",
	    "1234560A"));
	assert_true(json_array_size(a) > 0);
	json_array_foreach(a, i, row)
		assert_true(strcmp(json_string_value(json_object_get(row,
		    "end")), RB_ARCHIVE_END) < 0);
	json_decref(a);
	/* Daily readings are recent: none before 2024. */
	assert_int_equal(rb_cons_daily(f->db, &sc, "1000000001", "2023-01-01",
	    "2026-11-29", &a), RB_OK);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_int_equal(rb_cons_periods(f->db, &sc, "1000000002",
	    "2000-01-01", "2099-12-31", &a), RB_NOT_FOUND);
}

/*
 * The page's one call (rb_cons_view()) sees the scope's contracts only:
 * the account its own, by number, with the remote-read flag of each; a
 * contract chosen by number or old number; another subscriber's contract
 * is not found; an archive visitor sees its one contract and periods
 * before 2024; nobody sees none. Its rows are rb_cons_periods()'s.
 */
static void
view_holds_only_the_scope_contracts(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = demo_scope(f->db), nobody = { 0, 0 };
	struct rb_scope archive = { 0, 0 };
	struct rb_cons_page v;
	json_t *a;
	int i;

	archive.sc_archive = contract_of(f->db, "1000000003");
	assert_int_equal(rb_cons_view(f->db, &sc, NULL, 0, "2000-01-01",
	    "2099-12-31", &v), RB_OK);
	assert_int_equal(v.cv_ncontracts, 2);
	assert_string_equal(v.cv_contracts[0].cc_number, "1000000001");
	assert_string_equal(v.cv_contracts[1].cc_number, "1000000002");
	for (i = 0; i < 2; i++)
		assert_int_equal(v.cv_contracts[i].cc_remote, q_int(f->db,
		    "SELECT count(*) FROM meters m JOIN contracts c ON c.id ="
		    " m.contract_id WHERE c.number = $1 AND m.remote_read = 1"
		    " AND m.removed_on IS NULL", v.cv_contracts[i].cc_number) >
		    0);
	assert_ptr_equal(v.cv_contract, &v.cv_contracts[0]);
	assert_int_equal(rb_cons_periods(f->db, &sc, "1000000001",
	    "2000-01-01", "2099-12-31", &a), RB_OK);
	assert_int_equal(v.cv_nrows, (int)json_array_size(a));
	assert_true(v.cv_nrows > 4);
	for (i = 0; i < v.cv_nrows; i++) {
		assert_string_equal(v.cv_rows[i].cr_end, json_string_value(
		    json_object_get(json_array_get(a, (size_t)i), "end")));
		assert_int_equal(v.cv_rows[i].cr_litres, json_integer_value(
		    json_object_get(json_array_get(a, (size_t)i), "litres")));
	}
	json_decref(a);
	rb_cons_view_free(&v);
	assert_int_equal(rb_cons_view(f->db, &sc, "1234560A", 0, NULL, NULL,
	    &v), RB_OK);
	assert_string_equal(v.cv_contract->cc_number, "1000000001");
	rb_cons_view_free(&v);
	assert_int_equal(rb_cons_view(f->db, &sc, "1000000004", 0, NULL, NULL,
	    &v), RB_NOT_FOUND);
	assert_int_equal(rb_cons_view(f->db, &sc, "1000000003", 1,
	    "2026-01-01", "2026-06-30", &v), RB_NOT_FOUND);

	/* The archive visitor of 1000000003. */
	assert_int_equal(rb_cons_view(f->db, &archive, NULL, 0, "2000-01-01",
	    "2099-12-31", &v), RB_OK);
	assert_int_equal(v.cv_ncontracts, 1);
	assert_string_equal(v.cv_contract->cc_number, "1000000003");
	assert_true(v.cv_nrows > 0);
	for (i = 0; i < v.cv_nrows; i++)
		assert_true(strcmp(v.cv_rows[i].cr_end, RB_ARCHIVE_END) < 0);
	rb_cons_view_free(&v);
	assert_int_equal(rb_cons_view(f->db, &archive, "1000000001", 0, NULL,
	    NULL, &v), RB_NOT_FOUND);

	/* Nobody. */
	assert_int_equal(rb_cons_view(f->db, &nobody, NULL, 0, NULL, NULL,
	    &v), RB_OK);
	assert_int_equal(v.cv_ncontracts, 0);
	assert_null(v.cv_contract);
	assert_int_equal(v.cv_nrows, 0);
	rb_cons_view_free(&v);
	assert_int_equal(rb_cons_view(f->db, &nobody, "1000000001", 0, NULL,
	    NULL, &v), RB_NOT_FOUND);
}

static void
daily_litres_are_reading_differences(void **state)
{
	char prev[11];
	struct fixture *f = *state;
	struct rb_scope sc = demo_scope(f->db);
	json_t *a = NULL, *row;
	int64_t today, before;
	char sql[400];
	size_t i;

	assert_int_equal(rb_cons_daily(f->db, &sc, "1000000001", "2026-10-30",
	    "2026-11-28", &a), RB_OK);
	assert_true(json_array_size(a) >= 25 && json_array_size(a) <= 30);
	json_array_foreach(a, i, row) {
		const char *day = json_string_value(json_object_get(row,
		    "date"));

		assert_true(strcmp(day, "2026-10-30") >= 0 &&
		    strcmp(day, "2026-11-28") <= 0);
		snprintf(sql, sizeof(sql), "SELECT max(r.index_litres) FROM"
		    " meter_readings r JOIN meters m ON m.id = r.meter_id"
		    " JOIN contracts c ON c.id = m.contract_id WHERE"
		    " c.number = '1000000001' AND r.source = 'remote'"
		    " AND r.read_on = %s", "$1");
		today = q_int(f->db, sql, day);
		snprintf(sql, sizeof(sql), "SELECT max(r.index_litres) FROM"
		    " meter_readings r JOIN meters m ON m.id = r.meter_id"
		    " JOIN contracts c ON c.id = m.contract_id WHERE"
		    " c.number = '1000000001' AND r.source = 'remote'"
		    " AND r.read_on = $1");
		day_before(day, prev);
		before = q_int(f->db, sql, prev);
		assert_int_equal(json_integer_value(json_object_get(row,
		    "litres")), today - before);
	}
	json_decref(a);
	/* A meter read by hand has no daily consumption. */
	assert_int_equal(rb_cons_daily(f->db, &sc, "1000000002", "2026-10-30",
	    "2026-11-28", &a), RB_OK);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

static void
alerts_once_per_abnormal_period(void **state)
{
	struct fixture *f = *state;
	struct rb_scope sc = demo_scope(f->db);
	char bill[32], other[32], end[11], end4[11];
	json_t *a = NULL, *row;
	int64_t litres;
	int nalerts, nmails;
	size_t i;

	/* The latest bill of each contract, three times its volume. */
	q_text(f->db, "SELECT i.number FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1"
	    " ORDER BY i.period_end DESC LIMIT 1", "1000000001", bill,
	    sizeof(bill));
	q_text(f->db, "SELECT i.number FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1"
	    " ORDER BY i.period_end DESC LIMIT 1 OFFSET 1", "1000000001",
	    other, sizeof(other));
	q_text(f->db, "SELECT period_end FROM invoices WHERE number = $1",
	    bill, end, sizeof(end));
	exec_sql(f->db, "UPDATE invoices SET volume_litres ="
	    " volume_litres * 3 WHERE number = $1", bill);
	litres = q_int(f->db, "SELECT volume_litres FROM invoices"
	    " WHERE number = $1", bill);
	exec_sql(f->db, "UPDATE invoices SET volume_litres ="
	    " volume_litres * 3 WHERE id = (SELECT i.id FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " ORDER BY i.period_end DESC LIMIT 1)", "1000000004");
	q_text(f->db, "SELECT max(i.period_end) FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1",
	    "1000000004", end4, sizeof(end4));

	/* Not yet detected: the bill has no alert. */
	assert_int_equal(rb_cons_invoice_alert(f->db, &sc, bill, &a),
	    RB_OK);
	assert_true(json_is_null(a));
	json_decref(a);

	assert_int_equal(rb_cons_alerts_run(f->db, URL, NOW, &nalerts,
	    &nmails), 0);
	assert_true(nalerts >= 2);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
	    " consumption_alerts a JOIN contracts c ON c.id = a.contract_id"
	    " WHERE c.number = $1 AND mailed_at IS NOT NULL", "1000000001"),
	    1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1", "demo@robinet.test"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1 AND subject = 'Consommation d''eau"
	    " anormalement élevée sur votre contrat 1000000001'"
	    " AND body_text LIKE '%plomberie%'"
	    " AND body_text LIKE '%un mois%'"
	    " AND body_text LIKE '%L2224-12-4%'"
	    " AND body_text LIKE '%" URL "/ma-consommation?contrat="
	    "1000000001%'", "demo@robinet.test"), 1);
	/* No account on contract 1000000004: the email on file. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1 AND subject LIKE '%1000000004'",
	    "arrivant@robinet.test"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM"
	    " consumption_alerts WHERE period_end = $1 AND contract_id ="
	    " (SELECT id FROM contracts WHERE number = '1000000004')", end4),
	    1);

	/* A second run finds nothing new. */
	assert_int_equal(rb_cons_alerts_run(f->db, URL, NOW + 3600, &nalerts,
	    &nmails), 0);
	assert_int_equal(nalerts, 0);
	assert_int_equal(nmails, 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1", "demo@robinet.test"), 1);

	/* The bill, the contract and the periods say so. */
	assert_int_equal(rb_cons_invoice_alert(f->db, &sc, bill, &a),
	    RB_OK);
	assert_true(json_is_object(a));
	assert_int_equal(json_integer_value(json_object_get(a, "litres")),
	    litres);
	assert_string_equal(json_string_value(json_object_get(a,
	    "period_end")), end);
	assert_true(json_integer_value(json_object_get(a, "average_litres"))
	    * 2 < litres);
	json_decref(a);
	assert_int_equal(rb_cons_invoice_alert(f->db, &sc, other, &a),
	    RB_OK);
	assert_true(json_is_null(a));
	json_decref(a);
	assert_int_equal(rb_cons_contract_alert(f->db, &sc, "1000000001", &a),
	    RB_OK);
	assert_string_equal(json_string_value(json_object_get(a,
	    "period_end")), end);
	json_decref(a);
	assert_int_equal(rb_cons_contract_alert(f->db, &sc, "1000000002", &a),
	    RB_OK);
	assert_true(json_is_null(a));
	json_decref(a);
	assert_int_equal(rb_cons_periods(f->db, &sc, "1000000001",
	    "2000-01-01", "2099-12-31", &a), RB_OK);
	json_array_foreach(a, i, row)
		assert_int_equal(json_is_true(json_object_get(row, "abnormal")),
		    strcmp(json_string_value(json_object_get(row, "end")),
		    end) == 0);
	json_decref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(periods_of_an_account, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(other_contracts_are_not_found,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_refuses_contract_ids_out_of_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    archive_scope_sees_before_2024_only, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    daily_litres_are_reading_differences, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    view_holds_only_the_scope_contracts, setup, teardown),
		cmocka_unit_test_setup_teardown(alerts_once_per_abnormal_period,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
