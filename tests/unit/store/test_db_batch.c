/*
 * test_db_batch.c: rb_db_fetch_batch() on every engine — the rows of
 * each read reach its own callback, in order; one read that fails
 * stops the batch there, reported in its own rc; a text that does not
 * compile runs none; inside and outside a read transaction; the
 * connection serves the next statement after each; and on a server
 * (PostgreSQL) a batch costs one round trip, its read transaction's
 * BEGIN included, and survives the loss of its link outside a
 * transaction as one statement does.
 *
 * The database is a fresh SQLite file, or the one RB_TEST_DB names
 * (tests/pg/cluster.sh): the tests create and drop their table "bt".
 */
#define _GNU_SOURCE
#include "store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"

struct fixture {
	char	 dir[256];
	char	 url[4096];
	int	 server;
	rb_db	*db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int i;

	f->server = test_db_server_url(f->url, sizeof(f->url));
	if (!f->server) {
		test_mkdtemp(f->dir, sizeof(f->dir));
		test_db_url(f->url, sizeof(f->url), f->dir, "t.db");
	}
	if (rb_db_open(f->url, &f->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "open: %s\n", err);
		return -1;
	}
	if (rb_db_exec(f->db, "DROP TABLE IF EXISTS bt") != 0 ||
	    rb_db_exec(f->db, "CREATE TABLE bt (id BIGINT PRIMARY KEY, "
	    "k TEXT NOT NULL)") != 0)
		return -1;
	/* Ids 1..9: k "a" for odd ones, "b" for even ones. */
	for (i = 1; i <= 9; i++)
		if (rb_db_run(f->db, "INSERT INTO bt (id, k) VALUES ($1, $2)",
		    RB_BINDS(rb_int(i), rb_text(i % 2 ? "a" : "b")),
		    NULL) != 0)
			return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rb_db_exec(f->db, "DROP TABLE IF EXISTS bt");
	rb_db_close(f->db);
	if (f->dir[0] != '\0')
		test_rmtree(f->dir);
	free(f);
	return 0;
}

/* What one callback saw: the ids, in the order handed over. */
struct seen {
	int64_t	 ids[16];
	int	 n;
};

static void
seen_row(rb_stmt *st, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->ids[s->n++] = rb_stmt_int(st, 0);
}

static const char q_ids_of_k[] =
	"SELECT id FROM bt WHERE k = $1 AND id > $2 ORDER BY id";
static const char q_count[] = "SELECT count(*) FROM bt WHERE id <= $1";
/* A failure at run time, not at compile time, on every engine: the
   absolute value of the smallest 64-bit integer overflows. */
static const char q_overflow[] =
	"SELECT abs(CAST($1 AS BIGINT)) FROM bt WHERE id = 1";

static void
assert_ids(const struct seen *s, int n, const int64_t *want)
{
	int i;

	assert_int_equal(s->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(s->ids[i], want[i]);
}

/* Three reads into three callbacks: their rows, in order. */
static int
three_reads(rb_db *db, struct seen s[3], struct rb_db_read r[3],
    const char *mid)
{
	memset(s, 0, 3 * sizeof(*s));
	r[0] = (struct rb_db_read){ q_ids_of_k,
	    RB_BINDS(rb_text("a"), rb_int(2)), seen_row, &s[0], 99 };
	r[1] = (struct rb_db_read){ mid,
	    RB_BINDS(rb_int(INT64_MIN)), seen_row, &s[1], 99 };
	r[2] = (struct rb_db_read){ q_ids_of_k,
	    RB_BINDS(rb_text("b"), rb_int(0)), seen_row, &s[2], 99 };
	return rb_db_fetch_batch(db, r, 3);
}

static const int64_t odd_past_2[] = { 3, 5, 7, 9 };
static const int64_t even[] = { 2, 4, 6, 8 };

/* The connection answers a plain statement and a batch after. */
static void
assert_usable(rb_db *db)
{
	struct seen s[3];
	struct rb_db_read r[3];
	int64_t n = -1;

	assert_int_equal(rb_db_fetch_one(db, q_count, RB_BINDS(rb_int(4)),
	    rb_row_int, &n), 0);
	assert_int_equal(n, 4);
	/* count(*) WHERE id <= INT64_MIN: one row, 0. */
	assert_int_equal(three_reads(db, s, r, q_count), 0);
	assert_ids(&s[0], 4, odd_past_2);
	assert_int_equal(s[1].n, 1);
	assert_int_equal(s[1].ids[0], 0);
	assert_ids(&s[2], 4, even);
}

static void
rows_reach_each_callback_in_order(void **state)
{
	struct fixture *f = *state;
	struct seen s[3];
	struct rb_db_read r[3];
	int tx;

	for (tx = 0; tx < 2; tx++) {
		if (tx)
			assert_int_equal(rb_db_begin_read(f->db), 0);
		assert_int_equal(three_reads(f->db, s, r, q_count), 0);
		assert_int_equal(r[0].dr_rc, 0);
		assert_int_equal(r[1].dr_rc, 0);
		assert_int_equal(r[2].dr_rc, 0);
		assert_ids(&s[0], 4, odd_past_2);
		assert_int_equal(s[1].n, 1);
		assert_int_equal(s[1].ids[0], 0);
		assert_ids(&s[2], 4, even);
		if (tx)
			assert_int_equal(rb_db_commit(f->db), 0);
	}
	/* None at all. */
	assert_int_equal(rb_db_fetch_batch(f->db, r, 0), 0);
	/* The same text twice in one batch, each its own values. */
	memset(s, 0, sizeof(s));
	r[0] = (struct rb_db_read){ q_ids_of_k,
	    RB_BINDS(rb_text("a"), rb_int(6)), seen_row, &s[0], 99 };
	r[1] = (struct rb_db_read){ q_ids_of_k,
	    RB_BINDS(rb_text("b"), rb_int(6)), seen_row, &s[1], 99 };
	assert_int_equal(rb_db_fetch_batch(f->db, r, 2), 0);
	assert_ids(&s[0], 2, (const int64_t[]){ 7, 9 });
	assert_ids(&s[1], 1, (const int64_t[]){ 8 });
	assert_false(rb_db_in_transaction(f->db));
	assert_usable(f->db);
}

/* A read that fails at run time: those before it have their rows, it
   has its rc, those after are not run. */
static void
a_failing_read_stops_the_batch_there(void **state)
{
	struct fixture *f = *state;
	struct seen s[3];
	struct rb_db_read r[3];
	uint64_t before;
	int tx;

	for (tx = 0; tx < 2; tx++) {
		if (tx)
			assert_int_equal(rb_db_begin_read(f->db), 0);
		before = rb_db_errors();
		assert_int_equal(three_reads(f->db, s, r, q_overflow), RB_ERR);
		assert_int_equal(r[0].dr_rc, 0);
		assert_ids(&s[0], 4, odd_past_2);
		assert_int_equal(r[1].dr_rc, RB_ERR);
		assert_int_equal(s[1].n, 0);
		assert_int_equal(r[2].dr_rc, RB_ERR);
		assert_int_equal(s[2].n, 0);
		/* Logged and counted once: the failure, not those skipped. */
		assert_true(rb_db_errors() == before + 1);
		if (tx) {
			assert_true(rb_db_in_transaction(f->db));
			assert_int_equal(rb_db_rollback(f->db), 0);
		}
		assert_false(rb_db_in_transaction(f->db));
		assert_usable(f->db);
	}
}

/* A text that does not compile (a missing table): none runs. */
static void
a_text_that_does_not_compile_runs_none(void **state)
{
	struct fixture *f = *state;
	struct seen s[3];
	struct rb_db_read r[3];
	int tx;

	for (tx = 0; tx < 2; tx++) {
		if (tx)
			assert_int_equal(rb_db_begin_read(f->db), 0);
		assert_int_equal(three_reads(f->db, s, r,
		    "SELECT count(*) FROM bt_missing WHERE id <= $1"), RB_ERR);
		assert_int_equal(r[0].dr_rc, RB_ERR);
		assert_int_equal(r[1].dr_rc, RB_ERR);
		assert_int_equal(r[2].dr_rc, RB_ERR);
		assert_int_equal(s[0].n + s[1].n + s[2].n, 0);
		if (tx)
			assert_int_equal(rb_db_rollback(f->db), 0);
		assert_false(rb_db_in_transaction(f->db));
		assert_usable(f->db);
	}
	/* Too many values: that read fails at its step, the batch stops
	   there. */
	memset(s, 0, sizeof(s));
	r[0] = (struct rb_db_read){ q_count, RB_BINDS(rb_int(3)), seen_row,
	    &s[0], 99 };
	r[1] = (struct rb_db_read){ q_count, RB_BINDS(rb_int(3), rb_int(4)),
	    seen_row, &s[1], 99 };
	r[2] = (struct rb_db_read){ q_count, RB_BINDS(rb_int(5)), seen_row,
	    &s[2], 99 };
	assert_int_equal(rb_db_fetch_batch(f->db, r, 3), RB_ERR);
	assert_int_equal(r[0].dr_rc, 0);
	assert_ids(&s[0], 1, (const int64_t[]){ 3 });
	assert_int_equal(r[1].dr_rc, RB_ERR);
	assert_int_equal(r[2].dr_rc, RB_ERR);
	assert_int_equal(s[1].n + s[2].n, 0);
	assert_usable(f->db);
}

/* On a server, a batch of prepared texts is one round trip, and so is
   a read transaction made of one batch (its BEGIN goes with it, its
   COMMIT is not waited for); SQLite has none. */
static void
a_batch_is_one_round_trip(void **state)
{
	struct fixture *f = *state;
	struct seen s[3];
	struct rb_db_read r[3];
	uint64_t t0;

	assert_int_equal(three_reads(f->db, s, r, q_count), 0); /* prepares */
	t0 = rb_db_round_trips(f->db);
	assert_int_equal(three_reads(f->db, s, r, q_count), 0);
	assert_int_equal(rb_db_round_trips(f->db) - t0, f->server ? 1 : 0);

	t0 = rb_db_round_trips(f->db);
	assert_int_equal(rb_db_begin_read(f->db), 0);
	assert_int_equal(three_reads(f->db, s, r, q_count), 0);
	assert_int_equal(rb_db_commit(f->db), 0);
	assert_int_equal(rb_db_round_trips(f->db) - t0, f->server ? 1 : 0);
	assert_ids(&s[2], 4, even);

	/* One statement alone: one as well. */
	t0 = rb_db_round_trips(f->db);
	assert_usable(f->db);
	assert_int_equal(rb_db_round_trips(f->db) - t0, f->server ? 2 : 0);
}

/* The backend of db ended from another connection (a server restart,
   pg_terminate_backend): a batch outside a transaction, or opening a
   read transaction, runs again on a new link; inside a transaction
   already under way, it fails, the loss noted. */
static void
end_backend(struct fixture *f, rb_db *db)
{
	rb_db *other;
	char err[256];
	int64_t pid = 0, ended = 0;

	assert_int_equal(rb_db_fetch_one(db, "SELECT pg_backend_pid()", NULL,
	    0, rb_row_int, &pid), 0);
	assert_int_equal(rb_db_open(f->url, &other, err, sizeof(err)), 0);
	assert_int_equal(rb_db_fetch_one(other,
	    "SELECT CAST(pg_terminate_backend(CAST($1 AS INTEGER)) AS INTEGER)",
	    RB_BINDS(rb_int(pid)), rb_row_int, &ended), 0);
	assert_int_equal(ended, 1);
	rb_db_close(other);
}

static void
a_lost_link_is_made_again_outside_a_transaction(void **state)
{
	struct fixture *f = *state;
	struct seen s[3];
	struct rb_db_read r[3];
	rb_db *db;
	char err[256];

	assert_int_equal(rb_db_open(f->url, &db, err, sizeof(err)), 0);
	assert_int_equal(three_reads(db, s, r, q_count), 0);

	end_backend(f, db);
	assert_int_equal(three_reads(db, s, r, q_count), 0);
	assert_ids(&s[2], 4, even);
	assert_false(rb_db_link_lost(db));

	end_backend(f, db);
	assert_int_equal(rb_db_begin_read(db), 0);
	assert_int_equal(three_reads(db, s, r, q_count), 0);
	assert_ids(&s[0], 4, odd_past_2);
	assert_int_equal(rb_db_commit(db), 0);

	/* Under way: nothing can be run again. */
	assert_int_equal(rb_db_begin_read(db), 0);
	assert_usable(db);
	end_backend(f, db);
	assert_int_equal(three_reads(db, s, r, q_count), RB_ERR);
	assert_int_equal(r[0].dr_rc, RB_ERR);
	assert_int_equal(s[0].n + s[1].n + s[2].n, 0);
	assert_true(rb_db_link_lost(db));
	rb_db_rollback(db);
	rb_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    rows_reach_each_callback_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_failing_read_stops_the_batch_there, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_text_that_does_not_compile_runs_none, setup, teardown),
		cmocka_unit_test_setup_teardown(a_batch_is_one_round_trip,
		    setup, teardown),
	};
	/* A file has no link to lose: this group runs on a server only
	   (the PostgreSQL phase of make check), and says so elsewhere. */
	const struct CMUnitTest server[] = {
		cmocka_unit_test_setup_teardown(
		    a_lost_link_is_made_again_outside_a_transaction, setup,
		    teardown),
	};
	char url[4096];
	int failed;

	failed = cmocka_run_group_tests_name("every engine", tests, NULL,
	    NULL);
	if (test_db_server_url(url, sizeof(url)))
		failed += cmocka_run_group_tests_name("a server's link", server,
		    NULL, NULL);
	else
		printf("# a lost link: a database server's case (run by "
		    "tests/pg/cluster.sh), none on a file\n");
	return failed;
}
