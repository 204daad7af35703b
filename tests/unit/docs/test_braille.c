/*
 * test_braille.c: the braille engine (docs/braille.h) against known
 * answers, and the geometry of the documents it lays out.
 *
 * Known answers: tests/unit/fixtures/braille_kat.txt holds what the
 * lou_translate program gave, when these tests were written, for
 * amounts, dates, contract and invoice numbers and the euro sign with
 * both French tables; rb_braille_translate() must give exactly the same
 * cells. TBFR2007: tests/unit/fixtures/tbfr2007.txt holds the 64 cells'
 * bytes as liblouis's fr-bfu-comp8.utb gives them; the code's table must
 * agree, its 64 bytes must be distinct and go back to their cell.
 * Geometry: documents of many lengths rendered at several N x M never
 * have a line over N cells or a page other than M lines, end lines with
 * CR LF (embosser) or LF (Unicode), separate pages with one form feed,
 * and number the pages 1, 2, 3... on their last line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docs/braille.h"

#define FIXTURE(name)	"/tests/unit/fixtures/" name

static FILE *
open_fixture(const char *rel)
{
	const char *src = getenv("ROBINET_SRCDIR");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", src != NULL ? src : ".", rel);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s (set ROBINET_SRCDIR)", path);
	return f;
}

/* Unicode braille (UTF-8) of cells, NOBREAK flags dropped. */
static void
to_unicode(const rb_buf *cells, char *out, size_t outlen)
{
	size_t i, k = 0;

	for (i = 0; i < cells->buf_len && k + 4 < outlen; i++) {
		unsigned c = (unsigned char)cells->buf_data[i] & 0x3f;

		out[k++] = (char)0xe2;
		out[k++] = (char)0xa0;
		out[k++] = (char)(0x80 + c);
	}
	out[k] = '\0';
}

static enum rb_braille_grade
grade_of(const char *table)
{
	if (strcmp(table, "fr-bfu-comp6.utb") == 0)
		return RB_BRAILLE_GRADE1;
	if (strcmp(table, "fr-bfu-g2.ctb") == 0)
		return RB_BRAILLE_GRADE2;
	fail_msg("unknown table %s in the fixture", table);
	return RB_BRAILLE_NONE;
}

static void
test_known_answers_of_both_tables(void **state)
{
	char line[4096], got[4096], err[160];
	FILE *f = open_fixture(FIXTURE("braille_kat.txt"));
	int n[RB_BRAILLE__MAX] = { 0 };

	(void)state;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *table, *input, *expect, *tab;
		enum rb_braille_grade g;
		rb_buf cells = RB_BUF_INIT;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		table = line;
		if ((tab = strchr(table, '\t')) == NULL)
			fail_msg("bad fixture line");
		*tab = '\0';
		input = tab + 1;
		if ((tab = strchr(input, '\t')) == NULL)
			fail_msg("bad fixture line");
		*tab = '\0';
		expect = tab + 1;
		g = grade_of(table);
		assert_int_equal(rb_braille_translate(g, input, &cells, err,
		    sizeof(err)), 0);
		to_unicode(&cells, got, sizeof(got));
		if (strcmp(got, expect) != 0)
			fail_msg("%s \"%s\": got %s, liblouis gave %s", table,
			    input, got, expect);
		n[g]++;
		rb_buf_free(&cells);
	}
	fclose(f);
	/* Both tables, and the fixture is not empty. */
	assert_true(n[RB_BRAILLE_GRADE1] >= 10);
	assert_true(n[RB_BRAILLE_GRADE2] >= 10);
}

/* A no-break space translates like a space and is marked unbreakable. */
static void
test_no_break_space_is_a_blank_that_does_not_break(void **state)
{
	rb_buf a = RB_BUF_INIT, b = RB_BUF_INIT;
	char err[160];
	size_t i;
	int marked = 0;

	(void)state;
	assert_int_equal(rb_braille_translate(RB_BRAILLE_GRADE1,
	    "1\xc2\xa0" "234,56\xc2\xa0\xe2\x82\xac", &a, err, sizeof(err)), 0);
	assert_int_equal(rb_braille_translate(RB_BRAILLE_GRADE1,
	    "1 234,56 \xe2\x82\xac", &b, err, sizeof(err)), 0);
	assert_int_equal(a.buf_len, b.buf_len);
	for (i = 0; i < a.buf_len; i++) {
		unsigned ca = (unsigned char)a.buf_data[i];
		unsigned cb = (unsigned char)b.buf_data[i];

		assert_int_equal(ca & 0x3f, cb & 0x3f);
		assert_int_equal(cb & RB_BRAILLE_NOBREAK, 0);
		if (ca & RB_BRAILLE_NOBREAK) {
			assert_int_equal(ca & 0x3f, 0);
			marked++;
		}
	}
	assert_int_equal(marked, 2);
	rb_buf_free(&a);
	rb_buf_free(&b);
}

static void
test_bad_input_is_refused_with_a_reason(void **state)
{
	rb_buf out = RB_BUF_INIT;
	char err[160] = "";

	(void)state;
	assert_int_equal(rb_braille_translate(RB_BRAILLE_GRADE1, "caf\xe9",
	    &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(rb_braille_translate(RB_BRAILLE_NONE, "a", &out, err,
	    sizeof(err)), -1);
	assert_int_equal(out.buf_len, 0);
	assert_int_equal(rb_braille_translate(RB_BRAILLE_GRADE1, "", &out,
	    err, sizeof(err)), 0);
	assert_int_equal(out.buf_len, 0);
	rb_buf_free(&out);
}

static void
test_tbfr2007_matches_liblouis_and_round_trips(void **state)
{
	FILE *f = open_fixture(FIXTURE("tbfr2007.txt"));
	char line[256], cell[16];
	int seen[256] = { 0 }, rows = 0;
	unsigned dots, byte, d;

	(void)state;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%u\t%15s\t%x", &dots, cell, &byte) != 3)
			fail_msg("bad fixture line %s", line);
		if (rb_braille_tbfr_byte(dots) != byte)
			fail_msg("cell %u: byte %02x, liblouis says %02x", dots,
			    rb_braille_tbfr_byte(dots), byte);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 64);
	for (d = 0; d < 64; d++) {
		unsigned char b = rb_braille_tbfr_byte(d);

		assert_int_equal(seen[b], 0);		/* distinct */
		seen[b] = 1;
		assert_int_equal(rb_braille_tbfr_cell(b), (int)d);
		/* Printable in CP1252: no control character, no hole. */
		assert_true(b >= 0x20 && b != 0x7f && b != 0x81 && b != 0x8d &&
		    b != 0x8f && b != 0x90 && b != 0x9d);
	}
	assert_int_equal(rb_braille_tbfr_cell('\r'), -1);
	assert_int_equal(rb_braille_tbfr_cell('\f'), -1);
}

/*
 * Splits a rendered document into pages and lines and checks the
 * geometry; returns the number of pages. Unicode lines are counted in
 * cells (3 bytes each, U+2800..U+283F only).
 */
static int
check_geometry(const rb_buf *out, enum rb_braille_format fmt, int cells,
    int lines, enum rb_braille_grade g)
{
	const char *p = out->buf_data, *end = p + out->buf_len;
	const char *eol = fmt == RB_BRAILLE_EMBOSSER ? "\r\n" : "\n";
	size_t eollen = strlen(eol);
	int page = 1, row = 0;

	assert_non_null(p);
	while (p < end) {
		const char *nl = strstr(p, eol);
		int n = 0;
		const char *q;

		if (nl == NULL)
			fail_msg("page %d line %d has no line end", page,
			    row + 1);
		for (q = p; q < nl; n++) {
			if (fmt == RB_BRAILLE_EMBOSSER) {
				if (*q == '\r' || *q == '\n' || *q == '\f')
					fail_msg("stray control in a line");
				if (*q != ' ' &&
				    rb_braille_tbfr_cell((unsigned char)*q) < 0)
					fail_msg("byte %02x not TBFR2007",
					    (unsigned char)*q);
				q++;
			} else {
				if ((unsigned char)q[0] != 0xe2 ||
				    (unsigned char)q[1] != 0xa0 ||
				    (unsigned char)q[2] < 0x80 ||
				    (unsigned char)q[2] > 0xbf)
					fail_msg("not a 6-dot braille cell");
				q += 3;
			}
		}
		if (n > cells)
			fail_msg("page %d line %d: %d cells > %d", page,
			    row + 1, n, cells);
		row++;
		if (row == lines) {
			/* The last line is the page number, right-aligned. */
			char digits[16], want[256];
			rb_buf num = RB_BUF_INIT, sh = RB_BUF_INIT;
			char err[160];
			struct rb_braille_doc d;
			int pg;

			snprintf(digits, sizeof(digits), "%d", page);
			rb_braille_doc_init(&d, g);
			(void)num;
			assert_int_equal(rb_braille_doc_para(&d, digits), 0);
			assert_int_equal(rb_braille_render(&d, fmt, cells,
			    RB_BRAILLE_LINES_MIN, &sh, &pg, err, sizeof(err)),
			    0);
			rb_braille_doc_free(&d);
			/* The first line of sh holds the digits alone. */
			snprintf(want, sizeof(want), "%.*s",
			    (int)(strstr(sh.buf_data, eol) - sh.buf_data),
			    sh.buf_data);
			rb_buf_free(&sh);
			if ((size_t)(nl - p) < strlen(want) ||
			    memcmp(nl - strlen(want), want, strlen(want)) != 0)
				fail_msg("page %d does not end with its number",
				    page);
			if (n != cells)
				fail_msg("page %d: number not at the right end",
				    page);
		}
		p = nl + eollen;
		if (row == lines && p < end) {
			if (*p != '\f')
				fail_msg("page %d not followed by a form feed",
				    page);
			p++;
			page++;
			row = 0;
		} else if (row == lines && p == end) {
			break;
		} else if (p < end && *p == '\f') {
			fail_msg("page %d has %d lines, not %d", page, row,
			    lines);
		}
	}
	if (row != lines)
		fail_msg("last page has %d lines, not %d", row, lines);
	if (fmt == RB_BRAILLE_UNICODE && memchr(out->buf_data, '\r',
	    out->buf_len) != NULL)
		fail_msg("CR in Unicode text");
	return page;
}

static void
fill(struct rb_braille_doc *d, int paras)
{
	static const char *const words[] = {
		"Facture", "1\xc2\xa0" "234,56\xc2\xa0\xe2\x82\xac",
		"du 15 mars 2024", "contrat 1000000001",
		"anticonstitutionnellementanticonstitutionnellement"
		"anticonstitutionnellement",
		"eau", "Date limite de paiement", "Métropole",
	};
	int i, k;

	for (i = 0; i < paras; i++) {
		char text[2048] = "";

		for (k = 0; k < 3 + i % 11; k++) {
			strcat(text, words[(i + k) % 8]);
			strcat(text, " ");
		}
		rb_braille_doc_para(d, text);
		if (i % 5 == 4)
			rb_braille_doc_blank(d);
	}
}

static void
test_geometry_of_pages_at_several_sizes(void **state)
{
	static const int sizes[][2] = {
		{ 32, 27 }, { 40, 25 }, { 28, 29 }, { 12, 4 }, { 60, 60 },
		{ 20, 10 },
	};
	static const int paras[] = { 0, 1, 7, 40, 150 };
	size_t s, k;
	int f, g;

	(void)state;
	for (g = RB_BRAILLE_GRADE1; g <= RB_BRAILLE_GRADE2; g++)
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
	for (k = 0; k < sizeof(paras) / sizeof(paras[0]); k++)
	for (f = 0; f < RB_BRAILLE_FORMAT__MAX; f++) {
		struct rb_braille_doc d;
		rb_buf out = RB_BUF_INIT;
		char err[160];
		int pages, counted;

		rb_braille_doc_init(&d, (enum rb_braille_grade)g);
		fill(&d, paras[k]);
		assert_int_equal(rb_braille_render(&d,
		    (enum rb_braille_format)f, sizes[s][0], sizes[s][1], &out,
		    &pages, err, sizeof(err)), 0);
		counted = check_geometry(&out, (enum rb_braille_format)f,
		    sizes[s][0], sizes[s][1], (enum rb_braille_grade)g);
		assert_int_equal(counted, pages);
		if (paras[k] >= 40)
			assert_true(pages > 1);
		rb_buf_free(&out);
		rb_braille_doc_free(&d);
	}
}

/* Words are not broken when they fit; a longer one is cut with "-". */
static void
test_wrapping_keeps_words_and_marks_cuts(void **state)
{
	struct rb_braille_doc d;
	rb_buf out = RB_BUF_INIT, w = RB_BUF_INIT;
	char err[160];
	const char *p;
	int pages;

	(void)state;
	/* "abc" is 3 cells in grade 1: 5 words of 3 + 4 blanks = 19 cells,
	 * so at 12 cells a line holds 3 words (11 cells), never 3.5. */
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_doc_para(&d, "abc abc abc abc abc");
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 12, 4,
	    &out, &pages, err, sizeof(err)), 0);
	assert_memory_equal(out.buf_data, "abc abc abc\r\nabc abc\r\n", 22);
	rb_buf_free(&out);
	rb_braille_doc_free(&d);

	/* An amount with no-break spaces moves to the next line whole. */
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_doc_para(&d, "abcdefgh 1\xc2\xa0" "234\xc2\xa0\xe2\x82\xac");
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 12, 4,
	    &out, &pages, err, sizeof(err)), 0);
	/* "abcdefgh" then "`1 `234 ¤e" (10 cells) on its own line. */
	assert_memory_equal(out.buf_data, "abcdefgh\r\n`1 `234 \xa4" "e\r\n",
	    22);
	rb_buf_free(&out);
	rb_braille_doc_free(&d);

	/* 30 letters at 12 cells: 11 + "-", 11 + "-", 8. */
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_doc_para(&d, "abcdefghijabcdefghijabcdefghij");
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 12, 6,
	    &out, &pages, err, sizeof(err)), 0);
	p = out.buf_data;
	assert_memory_equal(p, "abcdefghija-\r\nbcdefghijab-\r\ncdefghij\r\n",
	    38);
	rb_buf_free(&out);
	rb_buf_free(&w);
	rb_braille_doc_free(&d);
}

static void
test_unicode_and_embosser_carry_the_same_cells(void **state)
{
	struct rb_braille_doc d;
	rb_buf u = RB_BUF_INIT, e = RB_BUF_INIT;
	char err[160];
	size_t i = 0, j = 0;
	int pages;

	(void)state;
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE2);
	fill(&d, 30);
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_UNICODE, 32, 27, &u,
	    &pages, err, sizeof(err)), 0);
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 32, 27,
	    &e, &pages, err, sizeof(err)), 0);
	while (i < u.buf_len && j < e.buf_len) {
		unsigned char c = (unsigned char)e.buf_data[j];

		if (c == '\r') {
			assert_int_equal(e.buf_data[j + 1], '\n');
			assert_int_equal(u.buf_data[i], '\n');
			i++;
			j += 2;
		} else if (c == '\f') {
			assert_int_equal(u.buf_data[i], '\f');
			i++;
			j++;
		} else {
			int cell = c == ' ' ? 0 : rb_braille_tbfr_cell(c);

			assert_true(cell >= 0);
			assert_int_equal((unsigned char)u.buf_data[i + 2],
			    0x80 + cell);
			i += 3;
			j++;
		}
	}
	assert_int_equal(i, u.buf_len);
	assert_int_equal(j, e.buf_len);
	rb_buf_free(&u);
	rb_buf_free(&e);
	rb_braille_doc_free(&d);
}

static void
test_bad_geometry_and_failed_paragraph_are_errors(void **state)
{
	struct rb_braille_doc d;
	rb_buf out = RB_BUF_INIT;
	char err[160];

	(void)state;
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_doc_para(&d, "eau");
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 11, 27,
	    &out, NULL, err, sizeof(err)), -1);
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 32, 3,
	    &out, NULL, err, sizeof(err)), -1);
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 61, 27,
	    &out, NULL, err, sizeof(err)), -1);
	assert_int_equal(rb_braille_doc_para(&d, "\xff"), -1);
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 32, 27,
	    &out, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UTF-8"));
	rb_buf_free(&out);
	rb_braille_doc_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers_of_both_tables),
		cmocka_unit_test(
		    test_no_break_space_is_a_blank_that_does_not_break),
		cmocka_unit_test(test_bad_input_is_refused_with_a_reason),
		cmocka_unit_test(
		    test_tbfr2007_matches_liblouis_and_round_trips),
		cmocka_unit_test(test_geometry_of_pages_at_several_sizes),
		cmocka_unit_test(test_wrapping_keeps_words_and_marks_cuts),
		cmocka_unit_test(
		    test_unicode_and_embosser_carry_the_same_cells),
		cmocka_unit_test(
		    test_bad_geometry_and_failed_paragraph_are_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
