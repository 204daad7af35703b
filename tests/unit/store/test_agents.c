/*
 * test_agents.c: agents and agent sessions (store/agents.h): unique
 * email and known roles, the step of a code recorded only forwards
 * (replay refusal under a race), enrolment tokens, disabling (which
 * ends sessions), idle and absolute limits of sessions, purge, and the
 * agents' and subscribers' sessions kept apart.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/agents.h"
#include "store/sessions.h"

#define NOW	((time_t)1795000000)
#define IDLE	900
#define ABS	28800
#define H(c)	c c c c c c c c c c c c c c c c	/* 64 hex digits */

struct fixture {
	char	 dir[256];
	rb_db	*db;
	int64_t	 a1, a2;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL ||
	    test_db_open(f->dir, sizeof(f->dir), "agents.db", &f->db) != 0)
		return -1;
	if (rb_agents_add(f->db, "ada@x.test", "Ada", "admin", "h", "sealed",
	    NULL, 0, NOW, &f->a1) != 0 ||
	    rb_agents_add(f->db, "bob@x.test", "Bob", "agent", NULL, "sealed",
	    H("ab"), NOW + 3600, NOW, &f->a2) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f != NULL)
		test_db_close(f->dir, f->db);
	free(f);
	return 0;
}

static void
test_add_and_find(void **state)
{
	struct fixture *f = *state;
	struct rb_agent_row a;
	int64_t id;

	assert_int_equal(rb_agents_add(f->db, "ada@x.test", "Other", "agent",
	    NULL, NULL, NULL, 0, NOW, &id), RB_CONSTRAINT);
	assert_int_equal(rb_agents_add(f->db, "c@x.test", "C", "boss", NULL,
	    NULL, NULL, 0, NOW, &id), RB_CONSTRAINT);
	assert_int_equal(rb_agents_by_email(f->db, "ada@x.test", &a), 0);
	assert_int_equal(a.ar_id, f->a1);
	assert_string_equal(a.ar_role, "admin");
	assert_string_equal(a.ar_password_hash, "h");
	assert_int_equal(a.ar_enrolled, 0);
	assert_int_equal(a.ar_disabled_at, 0);
	assert_int_equal(rb_agents_by_email(f->db, "nobody@x.test", &a), 1);
	assert_int_equal(rb_agents_by_enrol(f->db, H("ab"), &a), 0);
	assert_int_equal(a.ar_id, f->a2);
	assert_string_equal(a.ar_password_hash, "");
	assert_int_equal(a.ar_enrol_expires_at, NOW + 3600);
	assert_int_equal(rb_agents_clear_enrol(f->db, f->a2), 0);
	assert_int_equal(rb_agents_by_enrol(f->db, H("ab"), &a), 1);
}

static void
test_steps_only_move_forward(void **state)
{
	struct fixture *f = *state;
	struct rb_agent_row a;

	assert_int_equal(rb_agents_use_step(f->db, f->a1, 100), 0);
	/* The same step again, or an earlier one: a replay. */
	assert_int_equal(rb_agents_use_step(f->db, f->a1, 100), 1);
	assert_int_equal(rb_agents_use_step(f->db, f->a1, 99), 1);
	assert_int_equal(rb_agents_use_step(f->db, f->a1, 101), 0);
	assert_int_equal(rb_agents_by_id(f->db, f->a1, &a), 0);
	assert_int_equal(a.ar_totp_last_step, 101);
	assert_int_equal(a.ar_enrolled, 1);
	/* A new enrolment starts the steps again. */
	assert_int_equal(rb_agents_set_enrol(f->db, f->a1, "sealed2", H("cd"),
	    NOW + 10), 0);
	assert_int_equal(rb_agents_by_id(f->db, f->a1, &a), 0);
	assert_int_equal(a.ar_totp_last_step, 0);
	assert_int_equal(a.ar_enrolled, 0);
	assert_string_equal(a.ar_totp_secret, "sealed2");
	assert_int_equal(rb_agents_set_enrol(f->db, 999, "s", NULL, 0), 1);
}

static void
test_sessions(void **state)
{
	struct fixture *f = *state;
	struct rb_agent_session_row s;
	struct rb_session_row sub;
	int64_t id, who;
	time_t t;

	assert_int_equal(rb_agent_sessions_create(f->db, H("01"), f->a1,
	    "csrf", NOW, "192.0.2.1", "Lynx", &id), 0);
	assert_int_equal(rb_agent_sessions_find(f->db, H("01"), NOW + 10, IDLE,
	    ABS, &s), 0);
	assert_int_equal(s.as_agent_id, f->a1);
	assert_string_equal(s.as_role, "admin");
	assert_string_equal(s.as_name, "Ada");
	assert_string_equal(s.as_csrf, "csrf");
	/* An agent's session is no subscriber's. */
	assert_int_equal(rb_sessions_find(f->db, H("01"), NOW + 10, 1800,
	    43200, &sub), 1);
	/* Idle: last seen NOW (touched only after 30 s). */
	assert_int_equal(rb_agent_sessions_find(f->db, H("01"), NOW + IDLE + 1,
	    IDLE, ABS, &s), 1);
	/* Expired sessions are deleted when met. */
	assert_int_equal(rb_agent_sessions_find(f->db, H("01"), NOW + 20, IDLE,
	    ABS, &s), 1);
	/* Absolute: used every few minutes, still ends. */
	assert_int_equal(rb_agent_sessions_create(f->db, H("02"), f->a1,
	    "csrf", NOW, NULL, NULL, &id), 0);
	for (t = NOW + 600; t < NOW + ABS; t += 600)
		assert_int_equal(rb_agent_sessions_find(f->db, H("02"), t, IDLE,
		    ABS, &s), 0);
	assert_int_equal(rb_agent_sessions_find(f->db, H("02"), NOW + ABS,
	    IDLE, ABS, &s), 1);
	/* Disabling the agent ends its sessions; delete tells whose. */
	assert_int_equal(rb_agent_sessions_create(f->db, H("03"), f->a1,
	    "csrf", NOW, NULL, NULL, &id), 0);
	assert_int_equal(rb_agent_sessions_create(f->db, H("04"), f->a2,
	    "csrf", NOW, NULL, NULL, &id), 0);
	assert_int_equal(rb_agents_set_disabled(f->db, f->a1, NOW + 5), 0);
	assert_int_equal(rb_agent_sessions_find(f->db, H("03"), NOW + 6, IDLE,
	    ABS, &s), 1);
	assert_int_equal(rb_agents_set_disabled(f->db, f->a1, 0), 0);
	assert_int_equal(rb_agents_set_disabled(f->db, 999, NOW), 1);
	assert_int_equal(rb_agent_sessions_delete(f->db, H("04"), &who), 0);
	assert_int_equal(who, f->a2);
	assert_int_equal(rb_agent_sessions_delete(f->db, H("04"), &who), 0);
	assert_int_equal(who, 0);
	/* Purge. */
	assert_int_equal(rb_agent_sessions_create(f->db, H("05"), f->a2,
	    "csrf", NOW, NULL, NULL, &id), 0);
	assert_int_equal(rb_agent_sessions_purge(f->db, NOW + IDLE - 1, IDLE,
	    ABS), 0);
	assert_int_equal(rb_agent_sessions_find(f->db, H("05"), NOW + 1, IDLE,
	    ABS, &s), 0);
	assert_int_equal(rb_agent_sessions_purge(f->db, NOW + IDLE + 1, IDLE,
	    ABS), 0);
	assert_int_equal(rb_agent_sessions_find(f->db, H("05"), NOW + 2, IDLE,
	    ABS, &s), 1);
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	json_t *l;

	assert_int_equal(rb_agents_set_disabled(f->db, f->a2, NOW), 0);
	assert_int_equal(rb_agents_list(f->db, &l), 0);
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l,
	    0), "email")), "ada@x.test");
	assert_true(json_is_false(json_object_get(json_array_get(l, 0),
	    "disabled")));
	assert_true(json_is_true(json_object_get(json_array_get(l, 1),
	    "disabled")));
	json_decref(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_and_find, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_steps_only_move_forward,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
