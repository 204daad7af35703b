/*
 * test_notices.c: notices between connections on SQLite (store/db.h,
 * migration 0031): rows of rb_notices that listeners poll. Both engines
 * watch the same tables (the migrations' texts compared). On SQLite: a
 * listener hears a data trigger's notice; rows deleted before it read
 * them (a gap) make it hear "*"; a fill keeps the triggers quiet and
 * says "*" once at its end, and a rolled-back fill leaves them
 * speaking; a quiet mark left by a bulk load that never ended is taken
 * away by the next listener, which also deletes the rows before it;
 * the customers' search key alone names nothing (migration 0032).
 * PostgreSQL's notices are tested in tests/unit/app (test_sesscache,
 * test_pagecache) on both engines.
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "demo/demo.h"
#include "store/custsearch.h"
#include "store/db.h"
#include "demo_fixture.h"

#include "../app/notice_test.h"

/* --- both engines watch the same tables --- */

/* The text of migration file name (ROBINET_SRCDIR). Free it. */
static char *
migration_text(const char *name)
{
	const char *src = getenv("ROBINET_SRCDIR");
	char path[4096], *buf;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/src/store/migrations/%s",
	    src != NULL ? src : ".", name);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Appends to set (" a b c ") each table named after mark in text. */
static void
tables_after(const char *text, const char *mark, char *set, size_t len)
{
	const char *p = text;
	char name[64], word[70];
	size_t n;

	while ((p = strstr(p, mark)) != NULL) {
		p += strlen(mark);
		for (n = 0; n < sizeof(name) - 1 &&
		    (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z')); n++)
			name[n] = p[n];
		name[n] = '\0';
		snprintf(word, sizeof(word), " %s ", name);
		if (n > 0 && strstr(set, word) == NULL)
			snprintf(set + strlen(set), len - strlen(set), "%s ",
			    name);
	}
}

static void
same_tables_on_both_engines(void **state)
{
	static const char *const pg[] = { "0027_data_notices.pg.sql",
	    "0028_more_data_notices.pg.sql",
	    "0030_letters_data_notices.pg.sql" };
	char pgset[2048] = " ", liteset[2048] = " ", word[70];
	char *text, *p;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(pg) / sizeof(pg[0]); i++) {
		text = migration_text(pg[i]);
		/* The helper's own definition names no table. */
		if ((p = strstr(text, "CREATE PROCEDURE")) != NULL)
			memset(p, ' ', strlen("CREATE PROCEDURE"));
		tables_after(text, "rb_data_notices_on('", pgset,
		    sizeof(pgset));
		free(text);
	}
	text = migration_text("0031_sqlite_notices.sqlite.sql");
	tables_after(text, "AFTER INSERT ON ", liteset, sizeof(liteset));
	free(text);
	assert_string_equal(pgset, liteset);
	for (p = pgset; (p = strchr(p + 1, ' ')) != NULL; )
		n++;
	assert_int_equal(n, 26);
	/* Every SQLite table has its insert and delete trigger. */
	text = migration_text("0031_sqlite_notices.sqlite.sql");
	for (p = strtok(pgset, " "); p != NULL; p = strtok(NULL, " ")) {
		snprintf(word, sizeof(word), "AFTER DELETE ON %s BEGIN", p);
		assert_non_null(strstr(text, word));
	}
	free(text);
}

/* --- SQLite --- */

static int
setup(void **state)
{
	return demo_fixture_setup(state, "notices.db");
}

static int
teardown(void **state)
{
	return demo_fixture_teardown(state);
}

/* A second connection to f's database, listening on the data channel
   and rb_test. */
static rb_db *
listener(struct fixture *f)
{
	char url[4096], err[256];
	rb_db *l;

	test_db_url(url, sizeof(url), f->dir, "notices.db");
	assert_int_equal(rb_db_open(url, &l, err, sizeof(err)), 0);
	assert_int_equal(rb_db_listen(l, RB_DATA_CHANNEL), 0);
	assert_int_equal(rb_db_listen(l, "rb_test"), 0);
	assert_true(rb_db_notices_poll_ms(l) > 0);
	return l;
}

static int64_t
first_contract(struct fixture *f)
{
	return q_int(f->db, "SELECT MIN(id) FROM contracts", NULL);
}

/* Touches one contract (its trigger names it). */
static void
touch(struct fixture *f, int64_t contract)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "UPDATE contracts SET paperless ="
	    " paperless WHERE id = %lld", (long long)contract);
	assert_int_equal(rb_db_exec(f->db, sql), 0);
}

static void
a_trigger_is_heard_and_a_gap_says_all(void **state)
{
	struct fixture *f = *state;
	struct heard h;
	char want[64];
	int64_t c = first_contract(f);
	rb_db *l = listener(f);

	memset(&h, 0, sizeof(h));
	touch(f, c);
	hear_until(l, &h, 1);
	assert_int_equal(h.h_n, 1);
	snprintf(want, sizeof(want), RB_DATA_CHANNEL " contract:%lld",
	    (long long)c);
	assert_string_equal(h.h_text[0], want);
	/* Rows deleted before the listener read them: it cannot name
	   what changed, so it says "*" on each of its channels. */
	assert_int_equal(rb_db_notify(f->db, "rb_test", "lost"), 0);
	assert_int_equal(rb_db_exec(f->db, "DELETE FROM rb_notices"), 0);
	assert_int_equal(rb_db_notify(f->db, "rb_test", "after"), 0);
	hear_until(l, &h, 3);
	assert_int_equal(h.h_n, 3);
	assert_string_equal(h.h_text[1], RB_DATA_CHANNEL " *");
	assert_string_equal(h.h_text[2], "rb_test *");
	/* Then each again. */
	assert_int_equal(rb_db_notify(f->db, "rb_test", "next"), 0);
	hear_until(l, &h, 4);
	assert_string_equal(h.h_text[3], "rb_test next");
	rb_db_close(l);
}

static void
a_fill_is_quiet_then_says_all(void **state)
{
	struct fixture *f = *state;
	struct heard h;
	int64_t c = first_contract(f);
	rb_db *l = listener(f);

	memset(&h, 0, sizeof(h));
	/* Sixty contracts changed inside a fill: one "*". */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "braille_letters"), 0);
	assert_int_equal(rb_db_exec(f->db, "UPDATE contracts SET paperless"
	    " = paperless"), 0);
	assert_int_equal(rb_db_fill_end(f->db), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	hear_until(l, &h, 1);
	hear_until(l, &h, 2);		/* nothing more comes */
	assert_int_equal(h.h_n, 1);
	assert_string_equal(h.h_text[0], RB_DATA_CHANNEL " *");
	/* A fill rolled back leaves the triggers speaking. */
	assert_int_equal(rb_db_begin(f->db), 0);
	assert_int_equal(rb_db_fill_begin(f->db, "braille_letters"), 0);
	assert_int_equal(rb_db_rollback(f->db), 0);
	touch(f, c);
	hear_until(l, &h, 2);
	assert_int_equal(h.h_n, 2);
	assert_memory_equal(h.h_text[1], RB_DATA_CHANNEL " contract:",
	    sizeof(RB_DATA_CHANNEL " contract:") - 1);
	rb_db_close(l);
}

static void
a_listener_clears_a_quiet_mark_left(void **state)
{
	struct fixture *f = *state;
	struct heard h;
	int64_t c = first_contract(f);
	rb_db *l = listener(f);

	memset(&h, 0, sizeof(h));
	/* A bulk load that never ended left its mark: quiet. */
	assert_int_equal(rb_db_exec(f->db, "INSERT INTO rb_notices_quiet"
	    " (id) VALUES (1)"), 0);
	touch(f, c);
	assert_int_equal(rb_db_notify(f->db, "rb_test", "x"), 0);
	hear_until(l, &h, 1);
	assert_int_equal(h.h_n, 1);
	assert_string_equal(h.h_text[0], "rb_test x");
	rb_db_close(l);
	/* The next listener takes it away, and the rows before it. */
	assert_true(q_int(f->db, "SELECT count(*) FROM rb_notices", NULL) > 0);
	l = listener(f);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM rb_notices_quiet",
	    NULL), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM rb_notices",
	    NULL), 0);
	memset(&h, 0, sizeof(h));
	touch(f, c);
	hear_until(l, &h, 1);
	assert_int_equal(h.h_n, 1);
	rb_db_close(l);
}

/* Whether word stands in list as a whole word (letters, digits, '_'). */
static int
has_word(const char *list, const char *word)
{
	const char *p = list;
	size_t n = strlen(word);

#define WORDCH(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && \
	(c) <= '9') || (c) == '_')
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || !WORDCH(p[-1])) && !WORDCH(p[n]))
			return 1;
		p += n;
	}
	return 0;
#undef WORDCH
}

/*
 * The search key alone names nothing (migration 0032): filling the keys
 * of every customer writes no notice row, a listener hears nothing of
 * an update of name_key alone, and an update that also names another
 * column (a change of name writes both) names the contract. The update
 * trigger lists every column of customers but name_key.
 */
static void
search_key_alone_names_nothing(void **state)
{
	struct fixture *f = *state;
	struct heard h;
	char trig[2048], cols[1024], want[64], *list, *end, *col;
	int64_t c = first_contract(f), cust, before, filled = -1;
	int i, n;
	rb_db *l;

	q_text(f->db, "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
	    " AND name = 'rb_data_customers_upd'", NULL, trig, sizeof(trig));
	assert_non_null(list = strstr(trig, "UPDATE OF "));
	assert_non_null(end = strstr(list, " ON customers"));
	*end = '\0';
	q_text(f->db, "SELECT group_concat(name, ' ') FROM"
	    " pragma_table_info('customers')", NULL, cols, sizeof(cols));
	assert_true(has_word(cols, "name_key"));
	for (col = strtok(cols, " "); col != NULL; col = strtok(NULL, " "))
		if (strcmp(col, "name_key") == 0)
			assert_false(has_word(list, col));
		else if (!has_word(list, col))
			fail_msg("rb_data_customers_upd does not fire on an "
			    "update of customers.%s", col);

	/* Every key written again: not one row. */
	assert_int_equal(rb_db_exec(f->db, "UPDATE customers SET name_key ="
	    " NULL"), 0);
	before = q_int(f->db, "SELECT count(*) FROM rb_notices", NULL);
	assert_int_equal(rb_custsearch_fill_keys(f->db, &filled), 0);
	assert_int_equal(filled, q_int(f->db, "SELECT count(*) FROM"
	    " customers", NULL));
	assert_true(filled > 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM rb_notices",
	    NULL), before);

	l = listener(f);
	memset(&h, 0, sizeof(h));
	snprintf(want, sizeof(want), "%lld", (long long)c);
	cust = q_int(f->db, "SELECT customer_id FROM contracts WHERE id = "
	    "CAST($1 AS INTEGER)", want);
	snprintf(want, sizeof(want), "%lld", (long long)cust);
	exec_sql(f->db, "UPDATE customers SET name_key = 'zz' WHERE id = "
	    "CAST($1 AS INTEGER)", want);
	assert_int_equal(rb_db_notify(f->db, "rb_test", "after"), 0);
	hear_until(l, &h, 1);
	assert_int_equal(h.h_n, 1);
	assert_string_equal(h.h_text[0], "rb_test after");
	/* A name and its key, in one update: the customer's contracts
	   are named, one notice each. */
	exec_sql(f->db, "UPDATE customers SET last_name = 'Zola',"
	    " name_key = 'zola' WHERE id = CAST($1 AS INTEGER)", want);
	n = (int)q_int(f->db, "SELECT count(*) FROM contracts WHERE"
	    " customer_id = CAST($1 AS INTEGER)", want);
	assert_true(n >= 1 && n < 15);
	hear_until(l, &h, 1 + n);
	assert_int_equal(h.h_n, 1 + n);
	snprintf(want, sizeof(want), RB_DATA_CHANNEL " contract:%lld",
	    (long long)c);
	for (i = 1; i <= n && strcmp(h.h_text[i], want) != 0; i++)
		;
	assert_true(i <= n);
	rb_db_close(l);
}

int
main(void)
{
	const struct CMUnitTest both[] = {
		cmocka_unit_test(same_tables_on_both_engines),
	};
	const struct CMUnitTest sqlite[] = {
		cmocka_unit_test_setup_teardown(
		    a_trigger_is_heard_and_a_gap_says_all, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_fill_is_quiet_then_says_all, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_listener_clears_a_quiet_mark_left, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    search_key_alone_names_nothing, setup, teardown),
	};
	char url[4096];
	int failed;

	failed = cmocka_run_group_tests_name("both engines", both, NULL,
	    NULL);
	if (!test_db_server_url(url, sizeof(url)))
		failed += cmocka_run_group_tests_name("sqlite", sqlite, NULL,
		    NULL);
	return failed;
}
