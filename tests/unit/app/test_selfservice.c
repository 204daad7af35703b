/*
 * test_selfservice.c: the self-service use cases of issue 10 that pages
 * do not reach: French phone numbers to E.164 (app/coords.h), the leak
 * rule's edges (app/leaks.h), and a meter reading recorded by an agent
 * (app/readings.h): a meter change lets a lower index in, for agents
 * only, audited as theirs.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "app/coords.h"
#include "app/leaks.h"
#include "app/readings.h"
#include "demo/demo.h"
#include "store/db.h"
#include "store/migrate.h"

#include "../store/demo_fixture.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */

static void
test_phone_numbers(void **state)
{
	static const struct {
		const char	*in;
		int		 mobile;
		const char	*out;	/* NULL: refused */
	} v[] = {
		{ "06 12 34 56 78", 1, "+33612345678" },
		{ "06.12.34.56.78", 1, "+33612345678" },
		{ "+33 6 12 34 56 78", 1, "+33612345678" },
		{ "+33 (0)7 12 34 56 78", 1, "+33712345678" },
		{ "0033612345678", 1, "+33612345678" },
		{ "03-20-12-34-56", 0, "+33320123456" },
		{ "09 69 32 22 12", 0, "+33969322212" },
		{ "", 1, "" },
		{ "   ", 0, "" },
		{ "03 20 12 34 56", 1, NULL },	/* a landline as mobile */
		{ "06 12 34 56 78", 0, NULL },	/* a mobile as landline */
		{ "08 00 12 34 56", 0, NULL },	/* special rates */
		{ "06 12 34 56", 1, NULL },
		{ "06 12 34 56 789", 1, NULL },
		{ "+44 20 7946 0000", 0, NULL },
		{ "+336123456789", 1, NULL },
		{ "6 12 34 56 78", 1, NULL },
		{ "06 12 34 56 7a", 1, NULL },
		{ "++33612345678", 1, NULL },
		{ "06+12345678", 1, NULL },
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *err = rb_co_phone(v[i].in, v[i].mobile, out,
		    sizeof(out));

		if (v[i].out == NULL) {
			if (err == NULL)
				fail_msg("%s accepted as %s", v[i].in, out);
			assert_string_equal(out, "");
		} else {
			if (err != NULL)
				fail_msg("%s refused: %s", v[i].in, err);
			assert_string_equal(out, v[i].out);
		}
	}
	rb_co_phone_fr("+33612345678", out, sizeof(out));
	assert_string_equal(out, "06 12 34 56 78");
}

static void
test_leak_rule_edges(void **state)
{
	int64_t d[RB_LEAK_BASE_DAYS + RB_LEAK_DAYS], usual, least, total;
	int i, n = RB_LEAK_BASE_DAYS + RB_LEAK_DAYS;

	(void)state;
	/* 28 days of 300 litres: usual 300. */
	for (i = 0; i < RB_LEAK_BASE_DAYS; i++)
		d[i] = 300;
	/* Exactly twice is not a leak... */
	for (i = RB_LEAK_BASE_DAYS; i < n; i++)
		d[i] = 600;
	assert_int_equal(rb_leak_rule(d, n, 2, &usual, &least, &total), 0);
	assert_int_equal(usual, 300);
	/* ... one litre more every day is. */
	for (i = RB_LEAK_BASE_DAYS; i < n; i++)
		d[i] = 601;
	assert_int_equal(rb_leak_rule(d, n, 2, &usual, &least, &total), 1);
	assert_int_equal(total, 3 * 601);
	assert_int_equal(least, 601);
	/* One ordinary day among them: not a leak. */
	d[n - 2] = 600;
	assert_int_equal(rb_leak_rule(d, n, 2, &usual, &least, &total), 0);
	/* The threshold is the subscriber's. */
	for (i = RB_LEAK_BASE_DAYS; i < n; i++)
		d[i] = 2000;
	assert_int_equal(rb_leak_rule(d, n, 6, &usual, &least, &total), 1);
	assert_int_equal(rb_leak_rule(d, n, 7, &usual, &least, &total), 0);
	/* An empty home: the usual use is floored. */
	for (i = 0; i < RB_LEAK_BASE_DAYS; i++)
		d[i] = 0;
	for (i = RB_LEAK_BASE_DAYS; i < n; i++)
		d[i] = 2 * RB_LEAK_USUAL_FLOOR;
	assert_int_equal(rb_leak_rule(d, n, 2, &usual, &least, &total), 0);
	assert_int_equal(usual, RB_LEAK_USUAL_FLOOR);
	/* Too short a history decides nothing. */
	assert_int_equal(rb_leak_rule(d + n - (RB_LEAK_DAYS + RB_LEAK_BASE_MIN
	    - 1), RB_LEAK_DAYS + RB_LEAK_BASE_MIN - 1, 2, &usual, &least,
	    &total), 0);
}

static int
setup(void **state)
{
	return demo_fixture_setup(state, "selfservice.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

static void
test_agent_records_a_meter_change(void **state)
{
	struct fixture *f = *state;
	struct rb_reading_req rq;
	struct rb_reading_result rs;
	char meter[24];
	int64_t id, last, account;

	q_text(f->db, "SELECT m.id FROM meters m JOIN contracts c ON"
	    " c.id = m.contract_id WHERE c.number = '1000000002'", NULL,
	    meter, sizeof(meter));
	exec_sql(f->db, "DELETE FROM meter_readings WHERE meter_id = $1"
	    " AND read_on >= '2026-11-29'", meter);
	id = strtoll(meter, NULL, 10);
	last = q_int(f->db, "SELECT index_litres FROM meter_readings WHERE"
	    " meter_id = $1 AND source <> 'estimated' ORDER BY read_on DESC,"
	    " id DESC LIMIT 1", meter);
	account = q_int(f->db, "SELECT ac.account_id FROM account_contracts ac"
	    " JOIN contracts c ON c.id = ac.contract_id"
	    " WHERE c.number = '1000000002'", NULL);
	assert_true(last >= 2000);

	memset(&rq, 0, sizeof(rq));
	rq.rq_meter = id;
	rq.rq_m3 = 3;		/* a new meter starts near 0 */
	rq.rq_factor = 3;
	rq.rq_now = NOW;
	/* The subscriber may not claim a meter change. */
	rq.rq_by = RB_READING_BY_SUBSCRIBER;
	rq.rq_actor = account;
	rq.rq_meter_change = 1;
	assert_int_equal(rb_reading_submit(f->db, &rq, &rs), RB_INVALID);
	/* Nor the agent lower it without one. */
	rq.rq_by = RB_READING_BY_AGENT;
	rq.rq_actor = 9;
	rq.rq_meter_change = 0;
	assert_int_equal(rb_reading_submit(f->db, &rq, &rs), RB_OK);
	assert_int_equal(rs.rs_verdict, RB_READING_LOWER);
	assert_int_equal(rs.rs_last_litres, last);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM meter_readings"
	    " WHERE meter_id = $1 AND read_on = '2026-11-29'", meter), 0);
	/* With it, recorded (any contract: agents have no account). */
	rq.rq_meter_change = 1;
	assert_int_equal(rb_reading_submit(f->db, &rq, &rs), RB_OK);
	assert_int_equal(rs.rs_verdict, RB_READING_RECORDED);
	assert_int_equal(q_int(f->db, "SELECT index_litres FROM meter_readings"
	    " WHERE meter_id = $1 AND read_on = '2026-11-29' AND source ="
	    " 'customer' AND src_system = 'agent'", meter), 3000);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM audit_log WHERE"
	    " action = 'reading.submitted' AND actor_kind = 'agent' AND"
	    " actor_id = 9 AND (detail LIKE '%\"meter_change\":true%' OR"
	    " detail LIKE '%\"meter_change\": true%')", NULL),
	    1);
	/* A subscriber of another account: not found, like no meter. */
	rq.rq_by = RB_READING_BY_SUBSCRIBER;
	rq.rq_actor = account + 1000;
	rq.rq_meter_change = 0;
	assert_int_equal(rb_reading_submit(f->db, &rq, &rs), RB_NOT_FOUND);
	rq.rq_actor = account;
	rq.rq_meter = 987654321;
	assert_int_equal(rb_reading_submit(f->db, &rq, &rs), RB_NOT_FOUND);
}

/* The index as typed, on both forms (subscriber and agent). */
static void
test_index_as_typed(void **state)
{
	(void)state;
	assert_int_equal(rb_reading_parse_m3("1234"), 1234);
	assert_int_equal(rb_reading_parse_m3(" 12 345 "), 12345);
	assert_int_equal(rb_reading_parse_m3("0"), 0);
	assert_int_equal(rb_reading_parse_m3("99999999"), 99999999);
	assert_int_equal(rb_reading_parse_m3("123456789"), -1);	/* 9 digits */
	assert_int_equal(rb_reading_parse_m3("12,5"), -1);
	assert_int_equal(rb_reading_parse_m3("12.5"), -1);
	assert_int_equal(rb_reading_parse_m3("-3"), -1);
	assert_int_equal(rb_reading_parse_m3("+3"), -1);
	assert_int_equal(rb_reading_parse_m3(""), -1);
	assert_int_equal(rb_reading_parse_m3("   "), -1);
	assert_int_equal(rb_reading_parse_m3("<b>1</b>"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_numbers),
		cmocka_unit_test(test_leak_rule_edges),
		cmocka_unit_test(test_index_as_typed),
		cmocka_unit_test_setup_teardown(test_agent_records_a_meter_change,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
