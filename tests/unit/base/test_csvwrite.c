/*
 * test_csvwrite.c: unit tests of src/base/csvwrite.c: the exact bytes
 * written (quoting only where RFC 4180 needs it, doubled quotes, CRLF,
 * empty fields for NULL, integers at the extremes of int64_t), the
 * refusal of an existing file, output larger than the buffer, and a
 * round trip through the import's reader (base/csvread.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/csvread.h"
#include "base/csvwrite.h"

/* Reads the whole file at path into a new NUL-terminated string. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return s;
}

static void
tmp_path(char *path, size_t len)
{
	const char *t = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/test_csvwrite.XXXXXX",
	    t != NULL && t[0] != '\0' ? t : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);		/* rb_csvw_open() wants to create it */
}

static void
test_bytes(void **state)
{
	char path[256], *got;
	rb_csvw *w;
	struct stat sb;
	size_t len;

	(void)state;
	tmp_path(path, sizeof(path));
	assert_int_equal(rb_csvw_open(path, ';', &w), 0);
	rb_csvw_text(w, "plain");
	rb_csvw_text(w, NULL);
	rb_csvw_text(w, "");
	rb_csvw_text(w, "a;b");
	rb_csvw_text(w, "say \"hi\"");
	rb_csvw_text(w, "two\nlines");
	rb_csvw_text(w, "cr\r");
	rb_csvw_text(w, "comma, fine");
	rb_csvw_text(w, "Villeneuve-d'Ascq é");
	rb_csvw_end(w);
	rb_csvw_int(w, 0);
	rb_csvw_int(w, -42);
	rb_csvw_int(w, INT64_MAX);
	rb_csvw_int(w, INT64_MIN);
	rb_csvw_textn(w, "\"", 1);
	rb_csvw_end(w);
	rb_csvw_end(w);		/* a record of no field */
	assert_int_equal((int)rb_csvw_records(w), 3);
	assert_int_equal(rb_csvw_close(w), 0);

	got = slurp(path, &len);
	assert_string_equal(got,
	    "plain;;;\"a;b\";\"say \"\"hi\"\"\";\"two\nlines\";\"cr\r\";"
	    "comma, fine;Villeneuve-d'Ascq é\r\n"
	    "0;-42;9223372036854775807;-9223372036854775808;\"\"\"\"\r\n"
	    "\r\n");
	free(got);
	/* Personal data: only the owner may read it. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* Never overwrites: the file exists now. */
	assert_int_equal(rb_csvw_open(path, ';', &w), -1);
	assert_int_equal(errno, EEXIST);
	assert_null(w);
	unlink(path);

	/* With ',' the comma is quoted and ';' is not. */
	assert_int_equal(rb_csvw_open(path, ',', &w), 0);
	rb_csvw_text(w, "a,b");
	rb_csvw_text(w, "a;b");
	rb_csvw_end(w);
	assert_int_equal(rb_csvw_close(w), 0);
	got = slurp(path, &len);
	assert_string_equal(got, "\"a,b\",a;b\r\n");
	free(got);
	unlink(path);

	/* Only ';' and ',' are separators. */
	assert_int_equal(rb_csvw_open(path, '\t', &w), -1);
	assert_null(w);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rb_csvw_close(NULL), 0);
}

static void
test_write_error(void **state)
{
	rb_csvw *w;
	int fd;

	(void)state;
	/* A full device: the error comes out of rb_csvw_close(). */
	fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		fail_msg("/dev/full: %s (the test needs it)", strerror(errno));
	assert_int_equal(rb_csvw_fdopen(fd, ';', &w), 0);
	rb_csvw_text(w, "lost");
	rb_csvw_end(w);
	assert_int_equal(rb_csvw_close(w), -1);
	assert_int_equal(errno, ENOSPC);
}

/* Many records, fields crossing the buffer's edge, read back. */
static void
test_round_trip(void **state)
{
	static const char *const samples[] = {
		"simple", "", "x;y", "\"quoted\"", "line\r\nbreak", "é€",
	};
	char path[256], expect[64], err[256];
	struct rb_csv_record rec;
	rb_csvw *w;
	rb_csv *c;
	long i, n = 40000;
	size_t j;

	(void)state;
	tmp_path(path, sizeof(path));
	assert_int_equal(rb_csvw_open(path, ';', &w), 0);
	rb_csvw_text(w, "k");
	rb_csvw_text(w, "v");
	rb_csvw_text(w, "n");
	rb_csvw_end(w);
	for (i = 0; i < n; i++) {
		rb_csvw_int(w, i);
		rb_csvw_text(w, samples[i % 6]);
		rb_csvw_int(w, -i * 1000003);
		rb_csvw_end(w);
	}
	assert_int_equal(rb_csvw_close(w), 0);

	assert_int_equal(rb_csv_open(path, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_nfields, 3);
	assert_string_equal(rec.cr_field[1], "v");
	for (i = 0; i < n; i++) {
		assert_int_equal(rb_csv_next(c, &rec), 1);
		assert_int_equal(rec.cr_nfields, 3);
		assert_int_equal(rec.cr_bad_field, -1);
		snprintf(expect, sizeof(expect), "%ld", i);
		assert_string_equal(rec.cr_field[0], expect);
		j = (size_t)(i % 6);
		assert_string_equal(rec.cr_field[1], samples[j]);
		snprintf(expect, sizeof(expect), "%ld", -i * 1000003);
		assert_string_equal(rec.cr_field[2], expect);
	}
	assert_int_equal(rb_csv_next(c, &rec), 0);
	rb_csv_close(c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
