/*
 * test_csvread.c: unit tests of src/base/csvread.c: BOM, separator
 * detection, CRLF and LF, quoted fields over several lines, physical line
 * numbers, empty lines, bare CR, invalid UTF-8, NUL bytes, field, record
 * and column limits, syntax errors, the header mapping, and reading a
 * file in blocks.
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

#include "base/csvread.h"

/* Reads text from memory and checks record k's fields joined by '|'. */
static void
expect_records(const char *text, size_t len, const char *const *want,
    const size_t *lines, size_t n)
{
	struct rb_csv_record rec;
	char joined[512];
	rb_csv *c = rb_csv_open_mem(text, len, NULL);
	size_t i, j, off;

	for (i = 0; i < n; i++) {
		assert_int_equal(rb_csv_next(c, &rec), 1);
		assert_int_equal(rec.cr_bad_field, -1);
		off = 0;
		for (j = 0; j < rec.cr_nfields; j++) {
			assert_int_equal(strlen(rec.cr_field[j]),
			    rec.cr_len[j]);
			off += (size_t)snprintf(joined + off, sizeof(joined) - off,
			    "%s%s", j ? "|" : "", rec.cr_field[j]);
		}
		assert_string_equal(joined, want[i]);
		assert_int_equal(rec.cr_line, lines[i]);
	}
	assert_int_equal(rb_csv_next(c, &rec), 0);
	assert_int_equal(rb_csv_next(c, &rec), 0);
	rb_csv_close(c);
}

static void
test_basic_lf_semicolon(void **state)
{
	static const char t[] = "a;b;c\n1;2;3\n;;\n";
	static const char *const want[] = { "a|b|c", "1|2|3", "||" };
	static const size_t lines[] = { 1, 2, 3 };

	(void)state;
	expect_records(t, strlen(t), want, lines, 3);
}

static void
test_bom_crlf_comma_and_quotes(void **state)
{
	static const char t[] = "\xEF\xBB\xBF" "ref,name\r\n"
	    "C1,\"Dupont, \"\"Jr\"\"\"\r\n"
	    "\r\n"
	    "C2,\"deux\r\nlignes\"\r\n"
	    "C3, pas rogné \r\n"
	    "C4,dernier sans fin de ligne";
	static const char *const want[] = { "ref|name", "C1|Dupont, \"Jr\"",
	    "C2|deux\r\nlignes", "C3| pas rogné ",
	    "C4|dernier sans fin de ligne" };
	static const size_t lines[] = { 1, 2, 4, 6, 7 };
	rb_csv *c;
	struct rb_csv_record rec;

	(void)state;
	expect_records(t, strlen(t), want, lines, 5);
	c = rb_csv_open_mem(t, strlen(t), NULL);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_separator(c), ',');
	rb_csv_close(c);
}

static void
test_separator_from_header_only(void **state)
{
	/* A comma inside a quoted header name does not count. */
	static const char t[] = "\"a,b\";c\n1,5;2\n";
	static const char *const want[] = { "a,b|c", "1,5|2" };
	static const size_t lines[] = { 1, 2 };

	(void)state;
	expect_records(t, strlen(t), want, lines, 2);
}

static void
test_bare_cr_ends_a_record_on_the_same_line(void **state)
{
	static const char t[] = "a;b\n1;2\r3;4\n5;6\n";
	static const char *const want[] = { "a|b", "1|2", "3|4", "5|6" };
	static const size_t lines[] = { 1, 2, 2, 3 };

	(void)state;
	expect_records(t, strlen(t), want, lines, 4);
}

static void
test_invalid_utf8_and_nul_are_flagged(void **state)
{
	static const char t[] = "a;b\nok;Lef\xE9vre\nx\0y;z\n\xC3\xA9t\xC3\xA9;"
	    "\xED\xA0\x80\n";
	struct rb_csv_record rec;
	rb_csv *c = rb_csv_open_mem(t, sizeof(t) - 1, NULL);

	(void)state;
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_line, 2);
	assert_int_equal(rec.cr_bad_field, 1);
	assert_string_equal(rec.cr_bad_reason,
	    "UTF-8 invalide (octet 0xE9 à la position 4)");
	assert_string_equal(rec.cr_field[0], "ok");
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_bad_field, 0);
	assert_string_equal(rec.cr_bad_reason, "caractère NUL interdit");
	/* A UTF-16 surrogate encoded in UTF-8 is not valid UTF-8. */
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_bad_field, 1);
	assert_string_equal(rec.cr_field[0], "été");
	assert_int_equal(rb_csv_next(c, &rec), 0);
	rb_csv_close(c);
}

/*
 * A plain line's UTF-8 is checked from its first byte of 0x80 or more
 * (its ASCII start read 8 bytes at a time): a bad byte or a valid
 * character at any place, before, across and after those blocks of 8,
 * is found as field by field, at its position.
 */
static void
test_utf8_after_an_ascii_start(void **state)
{
	char t[128], want[96], reason[96];
	struct rb_csv_record rec;
	size_t pos;
	rb_csv *c;
	int good;

	(void)state;
	for (pos = 0; pos < 26; pos++)
		for (good = 0; good < 2; good++) {
			memset(want, 'x', pos);
			snprintf(want + pos, sizeof(want) - pos, "%syyyyy",
			    good ? "\xC3\xA9" : "\xE9");
			snprintf(t, sizeof(t), "a;b\n%s;z\n", want);
			c = rb_csv_open_mem(t, strlen(t), NULL);
			assert_int_equal(rb_csv_next(c, &rec), 1);
			assert_int_equal(rb_csv_next(c, &rec), 1);
			assert_string_equal(rec.cr_field[1], "z");
			if (good) {
				assert_int_equal(rec.cr_bad_field, -1);
				assert_string_equal(rec.cr_field[0], want);
			} else {
				snprintf(reason, sizeof(reason), "UTF-8 "
				    "invalide (octet 0xE9 à la position %zu)",
				    pos + 1);
				assert_int_equal(rec.cr_bad_field, 0);
				assert_string_equal(rec.cr_bad_reason, reason);
			}
			assert_int_equal(rb_csv_next(c, &rec), 0);
			rb_csv_close(c);
		}
}

static void
test_limits(void **state)
{
	struct rb_csv_limits lim = { 8, 64, 3 };
	struct rb_csv_record rec;
	char big[300];
	rb_csv *c;
	static const char t[] = "a;b\n123456789;x\n1;2;3;4;5\nok;ok\n";

	(void)state;
	c = rb_csv_open_mem(t, strlen(t), &lim);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_bad_field, 0);
	assert_string_equal(rec.cr_bad_reason,
	    "valeur trop longue (9 octets, au plus 8)");
	assert_string_equal(rec.cr_field[0], "");
	assert_string_equal(rec.cr_field[1], "x");
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_bad_field, 3);
	assert_string_equal(rec.cr_bad_reason, "plus de 3 colonnes");
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rec.cr_bad_field, -1);
	assert_int_equal(rec.cr_line, 4);
	rb_csv_close(c);

	/* A record beyond the record limit stops the file. */
	memset(big, 'x', sizeof(big));
	big[0] = 'a';
	big[1] = '\n';
	big[2] = '"';
	c = rb_csv_open_mem(big, sizeof(big), &lim);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), -1);
	assert_int_equal(rb_csv_failure(c)->cp_line, 2);
	assert_non_null(strstr(rb_csv_failure(c)->cp_reason,
	    "enregistrement trop long"));
	assert_int_equal(rb_csv_next(c, &rec), -1);
	rb_csv_close(c);
}

static void
test_syntax_errors_stop_the_file(void **state)
{
	static const char stray[] = "a;b\n1;2\n3;x\"y\n";
	static const char open[] = "a;b\n1;2\n3;\"never closed\n\n";
	struct rb_csv_record rec;
	rb_csv *c;

	(void)state;
	c = rb_csv_open_mem(stray, strlen(stray), NULL);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), -1);
	assert_int_equal(rb_csv_failure(c)->cp_line, 3);
	assert_non_null(strstr(rb_csv_failure(c)->cp_reason, "guillemet"));
	rb_csv_close(c);
	c = rb_csv_open_mem(open, strlen(open), NULL);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_int_equal(rb_csv_next(c, &rec), -1);
	assert_int_equal(rb_csv_failure(c)->cp_line, 3);
	assert_non_null(strstr(rb_csv_failure(c)->cp_reason, "non refermé"));
	rb_csv_close(c);
}

static const struct rb_csv_column cols[] = {
	{ "ref", 1 }, { "name", 1 }, { "email", 0 },
};

static void
test_header_mapping(void **state)
{
	struct rb_csv_problem pb;
	int map[3];
	rb_csv *c;

	(void)state;
	c = rb_csv_open_mem("name;ref\n", 9, NULL);
	assert_int_equal(rb_csv_header(c, cols, 3, map, &pb), 0);
	assert_int_equal(map[0], 1);
	assert_int_equal(map[1], 0);
	assert_int_equal(map[2], -1);
	rb_csv_close(c);

	c = rb_csv_open_mem("ref;name;colour\n", 16, NULL);
	assert_int_equal(rb_csv_header(c, cols, 3, map, &pb), -1);
	assert_string_equal(pb.cp_column, "colour");
	assert_string_equal(pb.cp_reason, "colonne inconnue « colour »");
	assert_int_equal(pb.cp_line, 1);
	rb_csv_close(c);

	c = rb_csv_open_mem("ref;email\n", 10, NULL);
	assert_int_equal(rb_csv_header(c, cols, 3, map, &pb), -1);
	assert_string_equal(pb.cp_column, "name");
	assert_string_equal(pb.cp_reason,
	    "colonne obligatoire name absente de l'en-tête");
	rb_csv_close(c);

	c = rb_csv_open_mem("ref;name;ref\n", 13, NULL);
	assert_int_equal(rb_csv_header(c, cols, 3, map, &pb), -1);
	assert_string_equal(pb.cp_reason,
	    "colonne ref en double dans l'en-tête");
	rb_csv_close(c);

	c = rb_csv_open_mem("", 0, NULL);
	assert_int_equal(rb_csv_header(c, cols, 3, map, &pb), -1);
	assert_string_equal(pb.cp_reason,
	    "fichier vide : la ligne d'en-tête manque");
	rb_csv_close(c);
}

/* A file larger than the reader's block, with long lines. */
static void
test_file_in_blocks(void **state)
{
	char path[] = "/tmp/test_csvread_XXXXXX", err[128], want[40];
	struct rb_csv_record rec;
	rb_csv *c;
	FILE *fp;
	int fd, i;
	size_t line;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("\xEF\xBB\xBFk,v\r\n", fp);
	for (i = 0; i < 20000; i++) {
		if (i % 1000 == 0)
			fprintf(fp, "%d,\"%0*d\nfin\"\r\n", i, 3000, 7);
		else
			fprintf(fp, "%d,val%d\r\n", i, i);
	}
	fclose(fp);
	assert_int_equal(rb_csv_open(path, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(rb_csv_next(c, &rec), 1);
	assert_string_equal(rec.cr_field[0], "k");
	line = 2;
	for (i = 0; i < 20000; i++) {
		assert_int_equal(rb_csv_next(c, &rec), 1);
		assert_int_equal(rec.cr_line, line);
		snprintf(want, sizeof(want), "%d", i);
		assert_string_equal(rec.cr_field[0], want);
		if (i % 1000 == 0) {
			assert_int_equal(rec.cr_len[1], 3004);
			line += 2;
		} else
			line++;
	}
	assert_int_equal(rb_csv_next(c, &rec), 0);
	rb_csv_close(c);
	unlink(path);
	assert_int_equal(rb_csv_open(path, NULL, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lecture impossible"));
	assert_null(c);
}

/* Every record of text (limits lim) as one string: line, fields with
   their lengths, the bad field and its reason; then the end. */
static void
records_of(const char *text, size_t len, const struct rb_csv_limits *lim,
    char *out, size_t outlen)
{
	struct rb_csv_record rec;
	rb_csv *c = rb_csv_open_mem(text, len, lim);
	size_t j, off = 0;
	int n;

	while ((n = rb_csv_next(c, &rec)) > 0) {
		off += (size_t)snprintf(out + off, outlen - off, "[%zu %d %s]",
		    rec.cr_line, rec.cr_bad_field, rec.cr_bad_reason != NULL ?
		    rec.cr_bad_reason : "-");
		for (j = 0; j < rec.cr_nfields; j++)
			off += (size_t)snprintf(out + off, outlen - off,
			    "%zu:%s|", rec.cr_len[j], rec.cr_field[j]);
		assert_true(off < outlen);
	}
	snprintf(out + off, outlen - off, "end %d", n);
	rb_csv_close(c);
}

/*
 * A line without quote or CR goes past libcsv's state machine (fields
 * split at the separator): it gives what libcsv gives for the same
 * line written with its first field quoted, which libcsv reads.
 * Empty fields, trailing separators, spaces, the other separator, bad
 * UTF-8, NUL bytes, too many fields, a field too long, lines ended by
 * CRLF (an empty one too), and a line after a quoted field over two
 * lines.
 */
static void
test_plain_lines_read_as_quoted_ones(void **state)
{
	static const char *const lines[] = {
		"a;b;c", ";;", "x;", ";y", " sp ; , ;", "\xc3\xa9t\xc3\xa9;\xff;z",
		"one", "1;2;3;4;5;6;7;8", "long;0123456789012345678901234567890",
		"tab\tin;back\\slash", "crlf;line\r", "\r", ";\r",
	};
	const struct rb_csv_limits lim = { 20, 200, 6 };
	char plain[1024], quoted[1024], a[4096], b[4096];
	size_t i, pl = 0, ql = 0;

	(void)state;
	pl = (size_t)snprintf(plain, sizeof(plain), "h;i\n");
	ql = (size_t)snprintf(quoted, sizeof(quoted), "h;i\n");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		pl += (size_t)snprintf(plain + pl, sizeof(plain) - pl, "%s\n",
		    lines[i]);
		if (strcmp(lines[i], "\r") == 0)	/* no record either way */
			ql += (size_t)snprintf(quoted + ql, sizeof(quoted) - ql,
			    "\r\n");
		else
			ql += (size_t)snprintf(quoted + ql, sizeof(quoted) - ql,
			    "\"%.*s\"%s\n", (int)strcspn(lines[i], ";"),
			    lines[i], lines[i] + strcspn(lines[i], ";"));
	}
	/* A NUL byte inside a field, and a quoted field over two lines
	   before a plain line. */
	memcpy(plain + pl, "n\0l;v\n\"q\nr\";w\nlast;one\n", 23);
	memcpy(quoted + ql, "\"n\0l\";v\n\"q\nr\";w\n\"last\";one\n", 27);
	pl += 23;
	ql += 27;
	records_of(plain, pl, NULL, a, sizeof(a));
	records_of(quoted, ql, NULL, b, sizeof(b));
	assert_string_equal(a, b);
	records_of(plain, pl, &lim, a, sizeof(a));
	records_of(quoted, ql, &lim, b, sizeof(b));
	assert_string_equal(a, b);
	/* And what they are, for the few that matter. */
	assert_non_null(strstr(a, "[3 -1 -]0:|0:|0:|"));
	assert_non_null(strstr(a, "[4 -1 -]1:x|0:|"));
	assert_non_null(strstr(a, "[9 6 plus de 6 colonnes]"));
	assert_non_null(strstr(a, "[12 -1 -]4:crlf|4:line|[14 -1 -]0:|0:|"));
	assert_non_null(strstr(a, "[18 -1 -]4:last|3:one|end 0"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_lf_semicolon),
		cmocka_unit_test(test_bom_crlf_comma_and_quotes),
		cmocka_unit_test(test_separator_from_header_only),
		cmocka_unit_test(test_bare_cr_ends_a_record_on_the_same_line),
		cmocka_unit_test(test_invalid_utf8_and_nul_are_flagged),
		cmocka_unit_test(test_utf8_after_an_ascii_start),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_syntax_errors_stop_the_file),
		cmocka_unit_test(test_header_mapping),
		cmocka_unit_test(test_file_in_blocks),
		cmocka_unit_test(test_plain_lines_read_as_quoted_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
