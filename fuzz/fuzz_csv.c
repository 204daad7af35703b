/*
 * fuzz_csv.c: libFuzzer target for src/base/csvread.c. The first three
 * bytes choose small limits (field bytes, record bytes, fields), the rest
 * is read as a CSV file; the target aborts when a promise of csvread.h
 * is broken: lengths matching NUL-free strings, no kept field beyond the
 * field limit, every kept field valid UTF-8 unless its record is
 * flagged, line numbers within the input and never going back, a
 * failure only with a reason, end and failure sticky, and, when nothing
 * was flagged, writing the records back (quoted, ';') and reading them
 * again giving the same fields.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc fuzz/fuzz_csv.c \
 *       src/base/{csvread,mem,log}.c -lcsv -lunistring -o /tmp/fc && /tmp/fc
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "base/csvread.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

struct out {
	char	*o_buf;
	size_t	 o_len;
	size_t	 o_cap;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->o_len + n + 1 > o->o_cap) {
		while (o->o_len + n + 1 > o->o_cap)
			o->o_cap = o->o_cap ? o->o_cap * 2 : 256;
		o->o_buf = realloc(o->o_buf, o->o_cap);
		CHECK(o->o_buf != NULL);
	}
	memcpy(o->o_buf + o->o_len, s, n);
	o->o_len += n;
}

/* Reads everything; returns records, -1 after a failure. */
static long
read_all(const uint8_t *data, size_t size,
    const struct rb_csv_limits *lim, struct out *enc, int *flagged)
{
	struct rb_csv_record rec;
	size_t i, j, k, lines = 1, last = 0;
	long n = 0;
	rb_csv *c;
	int r;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	c = rb_csv_open_mem(data, size, lim);
	while ((r = rb_csv_next(c, &rec)) == 1) {
		n++;
		CHECK(rec.cr_line >= 1 && rec.cr_line <= lines);
		CHECK(rec.cr_line >= last);
		last = rec.cr_line;
		CHECK(rec.cr_nfields >= 1);
		CHECK(rec.cr_nfields <= lim->cl_fields_max);
		CHECK((rec.cr_bad_field < 0) == (rec.cr_bad_reason == NULL));
		if (rec.cr_bad_field >= 0)
			*flagged = 1;
		for (j = 0; j < rec.cr_nfields; j++) {
			CHECK(strlen(rec.cr_field[j]) == rec.cr_len[j]);
			CHECK(rec.cr_len[j] <= lim->cl_field_max);
			CHECK(rec.cr_bad_field >= 0 || u8_check((const uint8_t *)
			    rec.cr_field[j], rec.cr_len[j]) == NULL);
			if (enc == NULL)
				continue;
			if (j > 0)
				put(enc, ";", 1);
			put(enc, "\"", 1);
			for (k = 0; k < rec.cr_len[j]; k++) {
				if (rec.cr_field[j][k] == '"')
					put(enc, "\"", 1);
				put(enc, rec.cr_field[j] + k, 1);
			}
			put(enc, "\"", 1);
		}
		if (enc != NULL)
			put(enc, "\n", 1);
	}
	if (r < 0) {
		CHECK(rb_csv_failure(c)->cp_reason[0] != '\0');
		CHECK(rb_csv_next(c, &rec) == -1);
		n = -1;
	} else
		CHECK(rb_csv_next(c, &rec) == 0);
	rb_csv_close(c);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_csv_limits lim;
	struct out enc = { NULL, 0, 0 }, again = { NULL, 0, 0 };
	int flagged = 0, flagged2 = 0;
	long n, n2;

	if (size < 3)
		return 0;
	lim.cl_field_max = 1 + data[0] % 64;
	lim.cl_record_max = 1 + (size_t)data[1] * 4;
	lim.cl_fields_max = 1 + data[2] % 16;
	n = read_all(data + 3, size - 3, &lim, &enc, &flagged);
	if (n > 0 && !flagged) {
		/* Quoting adds nothing libcsv keeps: same limits hold. */
		n2 = read_all((const uint8_t *)enc.o_buf, enc.o_len, &lim,
		    &again, &flagged2);
		CHECK(n2 == n && !flagged2);
		CHECK(again.o_len == enc.o_len &&
		    memcmp(again.o_buf, enc.o_buf, enc.o_len) == 0);
	}
	free(enc.o_buf);
	free(again.o_buf);
	return 0;
}
