/*
 * test_contact_purge.c: the retention of `robinet purge` at a fixed
 * instant (never the wall clock): requests closed more than 3 years
 * before go with their messages, attachment rows and files; others
 * (closed since, or never closed however old) stay, and so do files of
 * another purpose with the same ref_id. The sweep of attachments_dir
 * removes files without a row (and crash leftovers ".tmp-*") older than
 * an hour, keeps younger ones and names that are not tokens, and counts
 * rows whose file is missing.
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app/attachments.h"
#include "app/contact.h"
#include "store/db.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define DAY	86400
/* 2023-11-29 12:00 UTC: NOW three calendar years earlier. */
#define BEFORE	((time_t)1701259200)

static const unsigned char png1[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0,
	0, 0x1f, 0x15, 0xc4, 0x89,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
};

struct fx {
	char			 dir[256];
	char			 files[320];
	rb_db			*db;
	struct rb_attach_cfg	 ac;
};

static int
setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	if (test_db_open(f.dir, sizeof(f.dir), "purge.db", &f.db) != 0)
		return -1;
	snprintf(f.files, sizeof(f.files), "%s/pieces", f.dir);
	f.ac.ac_dir = f.files;
	f.ac.ac_max_bytes = 1 << 20;
	f.ac.ac_max_count = 3;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	test_db_close(f->dir, f->db);
	return 0;
}

/* A request in status, last changed at updated; returns its id. */
static int64_t
request(rb_db *db, const char *ref, const char *status, time_t updated)
{
	int64_t id = 0;

	assert_int_equal(rb_db_fetch_one(db, "INSERT INTO contact_requests"
	    " (name, email, subject, message, created_at, status, reference,"
	    " updated_at) VALUES ('N', 'n@exemple.test', 'bill', 'Bonjour',"
	    " $1, $2, $3, $4) RETURNING id", RB_BINDS(rb_int(updated - DAY),
	    rb_text(status), rb_text(ref), rb_int(updated)), rb_row_int, &id),
	    0);
	assert_int_equal(rb_db_run(db, "INSERT INTO contact_messages"
	    " (request_id, author_kind, body, created_at) VALUES"
	    " ($1, 'requester', 'suite', $2)", RB_BINDS(rb_int(id),
	    rb_int(updated)), NULL), 0);
	return id;
}

static void
attach(struct fx *f, const char *purpose, int64_t ref, char *token)
{
	struct rb_attachment a;

	assert_int_equal(rb_attach_store(f->db, &f->ac, purpose, ref, 0, 0,
	    RB_FILETYPE_PNG, png1, sizeof(png1), NOW, &a), 0);
	strcpy(token, a.at_token);
}

static int
exists(struct fx *f, const char *name)
{
	char p[600];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", f->files, name);
	return stat(p, &sb) == 0;
}

/* Writes a file name in the folder, last modified at t. */
static void
file_at(struct fx *f, const char *name, time_t t)
{
	char p[600];
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	int fd;

	snprintf(p, sizeof(p), "%s/%s", f->files, name);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static int64_t
count(rb_db *db, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(rb_db_fetch_one(db, sql, NULL, 0, rb_row_int, &n), 0);
	return n;
}

static void
test_purge_closed_requests_after_three_years(void **state)
{
	struct fx *f = *state;
	char told[48], tnew[48], topen[48], tread[48];
	int64_t old, recent, open_, nreq, nfiles;

	old = request(f->db, "D-2023-000001", "closed", BEFORE - 1);
	recent = request(f->db, "D-2023-000002", "closed", BEFORE + 1);
	open_ = request(f->db, "D-2021-000003", "in_progress",
	    BEFORE - 400 * DAY);
	attach(f, "contact", old, told);
	attach(f, "contact", recent, tnew);
	attach(f, "contact", open_, topen);
	attach(f, "reading", old, tread);	/* same ref_id, not a request */
	assert_true(exists(f, told));

	assert_int_equal(rb_contact_purge(f->db, &f->ac, NOW, &nreq, &nfiles),
	    RB_OK);
	assert_int_equal(nreq, 1);
	assert_int_equal(nfiles, 1);
	assert_false(exists(f, told));
	assert_true(exists(f, tnew) && exists(f, topen) && exists(f, tread));
	assert_int_equal(count(f->db, "SELECT count(*) FROM contact_requests"
	    " WHERE reference = 'D-2023-000001'"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM contact_requests"),
	    2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM contact_messages"),
	    2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM attachments"), 3);
	assert_int_equal(count(f->db, "SELECT count(*) FROM attachments"
	    " WHERE purpose = 'reading'"), 1);
	/* Again: nothing more. One second later, the second one goes. */
	assert_int_equal(rb_contact_purge(f->db, &f->ac, NOW, &nreq, &nfiles),
	    RB_OK);
	assert_int_equal(nreq, 0);
	assert_int_equal(rb_contact_purge(f->db, &f->ac, NOW + 2, &nreq,
	    &nfiles), RB_OK);
	assert_int_equal(nreq, 1);
	assert_false(exists(f, tnew));
	(void)recent;
}

static void
test_sweep_orphans_and_missing_files(void **state)
{
	struct fx *f = *state;
	struct rb_attach_sweep sw;
	char tkeep[48], tgone[48], p[600];
	int64_t id;

	/* No folder yet: nothing to do. */
	assert_int_equal(rb_attach_sweep(f->db, &f->ac, NOW, &sw), 0);
	assert_int_equal(sw.as_orphans + sw.as_missing, 0);
	id = request(f->db, "D-2026-000010", "new", NOW);
	attach(f, "contact", id, tkeep);
	attach(f, "contact", id, tgone);
	snprintf(p, sizeof(p), "%s/%s", f->files, tgone);
	assert_int_equal(unlink(p), 0);
	file_at(f, "OrphanOld_aaaaaaaaaaaaaaaaaaaa", NOW - 2 * 3600);
	file_at(f, ".tmp-CrashLeftover_bbbbbbbbbbb", NOW - 2 * 3600);
	file_at(f, "OrphanYoung_cccccccccccccccccc", NOW - 600);
	file_at(f, "notes.txt", NOW - 400 * DAY);
	/* The stored file is old too: its row keeps it. */
	file_at(f, tkeep, NOW - 400 * DAY);

	assert_int_equal(rb_attach_sweep(f->db, &f->ac, NOW, &sw), 0);
	assert_int_equal(sw.as_orphans, 2);
	assert_int_equal(sw.as_missing, 1);
	assert_false(exists(f, "OrphanOld_aaaaaaaaaaaaaaaaaaaa"));
	assert_false(exists(f, ".tmp-CrashLeftover_bbbbbbbbbbb"));
	assert_true(exists(f, "OrphanYoung_cccccccccccccccccc"));
	assert_true(exists(f, "notes.txt"));
	assert_true(exists(f, tkeep));
	/* The row without its file is logged, not deleted. */
	assert_int_equal(count(f->db, "SELECT count(*) FROM attachments"), 2);
	/* An hour later the young orphan goes too. */
	assert_int_equal(rb_attach_sweep(f->db, &f->ac, NOW + 3600, &sw), 0);
	assert_int_equal(sw.as_orphans, 1);
	assert_false(exists(f, "OrphanYoung_cccccccccccccccccc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_purge_closed_requests_after_three_years, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_sweep_orphans_and_missing_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
