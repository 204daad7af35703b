/*
 * test_config.c: unit tests of src/base/config.c: defaults, typed
 * validation with bounds, the precedence of file < environment < option,
 * errors that name the setting, masking of secrets when printed, and
 * the today setting, refused outside demo mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"

static char err[512];

static void
test_defaults_are_valid_and_typed(void **state)
{
	struct rb_config c;
	int k;

	(void)state;
	rb_config_init(&c);
	for (k = 0; k < RB_CFG__MAX; k++) {
		assert_non_null(rb_config_str(&c, k));
		assert_string_equal(c.cfg_from[k], "default");
	}
	assert_string_equal(rb_config_str(&c, RB_CFG_DB),
	    "sqlite:var/robinet.db");
	assert_string_equal(rb_config_str(&c, RB_CFG_LISTEN),
	    "127.0.0.1:8080");
	assert_int_equal(rb_config_int(&c, RB_CFG_MAX_BODY_BYTES), 65536);
	assert_int_equal(rb_config_int(&c, RB_CFG_DEMO), 0);
	rb_config_free(&c);
}

static void
test_ints_respect_bounds(void **state)
{
	struct rb_config c;

	(void)state;
	rb_config_init(&c);
	assert_int_equal(rb_config_set(&c, RB_CFG_IDLE_TIMEOUT, "60", "option",
	    err, sizeof(err)), 0);
	assert_int_equal(rb_config_int(&c, RB_CFG_IDLE_TIMEOUT), 60);
	assert_int_equal(rb_config_set(&c, RB_CFG_IDLE_TIMEOUT, "0", "option",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "idle_timeout"));
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(rb_config_set(&c, RB_CFG_IDLE_TIMEOUT, "12x",
	    "option", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an integer"));
	assert_int_equal(rb_config_set(&c, RB_CFG_IDLE_TIMEOUT, "", "option",
	    err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_IDLE_TIMEOUT,
	    "99999999999999999999", "option", err, sizeof(err)), -1);
	/* A refused value leaves the previous one in place. */
	assert_int_equal(rb_config_int(&c, RB_CFG_IDLE_TIMEOUT), 60);
	rb_config_free(&c);
}

static void
test_bools_and_checked_strings(void **state)
{
	struct rb_config c;

	(void)state;
	rb_config_init(&c);
	assert_int_equal(rb_config_set(&c, RB_CFG_DEMO, "yes", "env", err,
	    sizeof(err)), 0);
	assert_int_equal(rb_config_int(&c, RB_CFG_DEMO), 1);
	assert_int_equal(rb_config_set(&c, RB_CFG_DEMO, "OFF", "env", err,
	    sizeof(err)), 0);
	assert_int_equal(rb_config_int(&c, RB_CFG_DEMO), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_DEMO, "peut-être", "env",
	    err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_LISTEN, "0.0.0.0:80", "o",
	    err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_LISTEN, "256.0.0.1:80", "o",
	    err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_LISTEN, "127.0.0.1:", "o",
	    err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_LISTEN, "127.0.0.1:70000",
	    "o", err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_DB, "postgresql://h/db",
	    "o", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_DB, "postgres://h/db",
	    "o", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_DB, "mysql://h/db", "o",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "postgresql://"));
	assert_int_equal(rb_config_set(&c, RB_CFG_SERVICE_HOURS,
	    "18:30-08:30", "o", err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_SERVICE_HOURS,
	    "09:00-17:00", "o", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_PUBLIC_URL,
	    "https://eau.example/", "o", err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_DATA_KEY, "abc", "o", err,
	    sizeof(err)), -1);
	/* SEPA creditor: an ICS, an IBAN and a BIC, each checked. */
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_CREDITOR_ID,
	    "FR72ZZZ123456", "o", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_CREDITOR_ID,
	    "FR73ZZZ123456", "o", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "creditor identifier"));
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_CREDITOR_IBAN,
	    "FR7630006000011234567890188", "o", err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_CREDITOR_IBAN,
	    "FR7630006000011234567890189", "o", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_CREDITOR_BIC,
	    "BDFEFRPP", "o", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_CREDITOR_BIC,
	    "bdfefrpp", "o", err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_SEPA_PRENOTICE_DAYS, "1",
	    "o", err, sizeof(err)), -1);
	rb_config_free(&c);
}

/* today: a real date or nothing, and in demo mode only. */
static void
test_today_is_for_demo_mode_only(void **state)
{
	struct rb_config c;

	(void)state;
	rb_config_init(&c);
	assert_string_equal(rb_config_str(&c, RB_CFG_TODAY), "");
	assert_int_equal(rb_config_check(&c, err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_TODAY, "2026-02-29", "env",
	    err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "today: ", 7), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_TODAY, "2026-11-29T10:00",
	    "env", err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_TODAY, "tomorrow", "env",
	    err, sizeof(err)), -1);
	assert_int_equal(rb_config_set(&c, RB_CFG_TODAY, "2028-02-29", "env",
	    err, sizeof(err)), 0);
	/* Outside demo mode the pair is refused, naming the setting. */
	assert_int_equal(rb_config_check(&c, err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "today: ", 7), 0);
	assert_non_null(strstr(err, "demo"));
	assert_int_equal(rb_config_set(&c, RB_CFG_DEMO, "true", "option", err,
	    sizeof(err)), 0);
	assert_int_equal(rb_config_check(&c, err, sizeof(err)), 0);
	/* Emptied again, it is the real date: demo mode or not. */
	assert_int_equal(rb_config_set(&c, RB_CFG_TODAY, "", "option", err,
	    sizeof(err)), 0);
	assert_int_equal(rb_config_set(&c, RB_CFG_DEMO, "false", "option", err,
	    sizeof(err)), 0);
	assert_int_equal(rb_config_check(&c, err, sizeof(err)), 0);
	rb_config_free(&c);
}

static void
test_file_env_option_precedence(void **state)
{
	char path[] = "/tmp/robinet-config-XXXXXX";
	char *env[] = { "HOME=/root", "ROBINET_IDLE_TIMEOUT=20",
	    "ROBINET_SRCDIR=/ignored", NULL };
	char *badenv[] = { "ROBINET_NO_SUCH_THING=1", NULL };
	struct rb_config c;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\n\nidle_timeout = 10\n  max_connections=12  \n", f);
	fclose(f);
	rb_config_init(&c);
	assert_int_equal(rb_config_load_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(rb_config_int(&c, RB_CFG_IDLE_TIMEOUT), 10);
	assert_int_equal(rb_config_int(&c, RB_CFG_MAX_CONNECTIONS), 12);
	assert_string_equal(c.cfg_from[RB_CFG_MAX_CONNECTIONS], "file");
	assert_int_equal(rb_config_load_env(&c, env, err, sizeof(err)), 0);
	assert_int_equal(rb_config_int(&c, RB_CFG_IDLE_TIMEOUT), 20);
	assert_string_equal(c.cfg_from[RB_CFG_IDLE_TIMEOUT], "env");
	assert_int_equal(rb_config_set(&c, RB_CFG_IDLE_TIMEOUT, "30",
	    "option", err, sizeof(err)), 0);
	assert_int_equal(rb_config_int(&c, RB_CFG_IDLE_TIMEOUT), 30);
	assert_int_equal(rb_config_load_env(&c, badenv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ROBINET_NO_SUCH_THING"));

	f = fopen(path, "w");
	fputs("listen = 127.0.0.1:1\nunknown_key = 3\n", f);
	fclose(f);
	assert_int_equal(rb_config_load_file(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: unknown setting unknown_key"));
	f = fopen(path, "w");
	fputs("max_body_bytes = -1\n", f);
	fclose(f);
	assert_int_equal(rb_config_load_file(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: max_body_bytes"));
	f = fopen(path, "w");
	fputs("no equals sign\n", f);
	fclose(f);
	assert_int_equal(rb_config_load_file(&c, path, err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(rb_config_load_file(&c, path, err, sizeof(err)), -1);
	rb_config_free(&c);
}

static void
test_print_masks_secrets(void **state)
{
	const char *key =
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	struct rb_config c;
	rb_buf out = RB_BUF_INIT;

	(void)state;
	rb_config_init(&c);
	rb_config_print(&c, &out);
	assert_non_null(strstr(rb_buf_cstr(&out), "data_key"));
	assert_non_null(strstr(rb_buf_cstr(&out), "(unset)"));
	rb_buf_reset(&out);
	assert_int_equal(rb_config_set(&c, RB_CFG_DATA_KEY, key, "env", err,
	    sizeof(err)), 0);
	rb_config_print(&c, &out);
	assert_null(strstr(rb_buf_cstr(&out), key));
	assert_null(strstr(rb_buf_cstr(&out), "0011"));
	assert_non_null(strstr(rb_buf_cstr(&out), "********"));
	assert_non_null(strstr(rb_buf_cstr(&out), "max_body_bytes"));
	rb_buf_free(&out);
	rb_config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_valid_and_typed),
		cmocka_unit_test(test_ints_respect_bounds),
		cmocka_unit_test(test_bools_and_checked_strings),
		cmocka_unit_test(test_file_env_option_precedence),
		cmocka_unit_test(test_today_is_for_demo_mode_only),
		cmocka_unit_test(test_print_masks_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
