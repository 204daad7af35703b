/*
 * test_qr.c: unit tests of src/base/qr.c: the codewords of the ISO/IEC
 * 18004 Annex I example ("01234567", version 1-M) and of byte-mode
 * data, Reed-Solomon against that example, format information against
 * the standard's table for level M, version information for versions 7
 * to 10, the function patterns, the penalty score of simple symbols,
 * the SVG, and, end to end, zbarimg (Debian's zbar-tools, an
 * independent decoder) reading back symbols of every version from 1 to
 * 10 and every mask.
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

#include "base/qr.h"

/* ISO/IEC 18004:2015 Annex I.3: "01234567" in version 1-M. */
static const uint8_t iso_data[16] = {
	0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11,
	0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11,
};
static const uint8_t iso_ec[10] = {
	0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55,
};

static void
test_iso_example_codewords(void **state)
{
	uint8_t cw[400], ec[10];
	size_t n;
	int v;

	(void)state;
	assert_int_equal(rb_qr_codewords("01234567", 8, RB_QR_NUMERIC, &v, cw,
	    &n), 0);
	assert_int_equal(v, 1);
	assert_int_equal(n, 26);
	assert_memory_equal(cw, iso_data, 16);
	assert_memory_equal(cw + 16, iso_ec, 10);
	rb_qr_rs(iso_data, 16, 10, ec);
	assert_memory_equal(ec, iso_ec, 10);
	/* Not digits in numeric mode. */
	assert_int_equal(rb_qr_codewords("0123a", 5, RB_QR_NUMERIC, &v, cw,
	    &n), -1);
}

static void
test_byte_mode_and_versions(void **state)
{
	char big[300];
	uint8_t cw[400];
	size_t n;
	int v;

	(void)state;
	/* Mode 0100, count 00000001, 'A' = 01000001, terminator… */
	assert_int_equal(rb_qr_codewords("A", 1, RB_QR_BYTE, &v, cw, &n), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cw[0], 0x40);
	assert_int_equal(cw[1], 0x14);
	assert_int_equal(cw[2], 0x10);
	assert_int_equal(cw[3], 0xec);
	assert_int_equal(cw[4], 0x11);
	/* Capacities at level M in bytes: 14 (v1), 26 (v2), 213 (v10). */
	memset(big, 'x', sizeof(big));
	assert_int_equal(rb_qr_codewords(big, 14, RB_QR_BYTE, &v, cw, &n), 0);
	assert_int_equal(v, 1);
	assert_int_equal(rb_qr_codewords(big, 15, RB_QR_BYTE, &v, cw, &n), 0);
	assert_int_equal(v, 2);
	assert_int_equal(rb_qr_codewords(big, 26, RB_QR_BYTE, &v, cw, &n), 0);
	assert_int_equal(v, 2);
	assert_int_equal(rb_qr_codewords(big, 213, RB_QR_BYTE, &v, cw, &n), 0);
	assert_int_equal(v, 10);
	assert_int_equal(n, 346);
	assert_int_equal(rb_qr_codewords(big, 214, RB_QR_BYTE, &v, cw, &n),
	    -1);
}

static void
test_format_and_version_bits(void **state)
{
	/* ISO/IEC 18004 Table C.1, level M, masks 0 to 7. */
	static const unsigned format_m[8] = { 0x5412, 0x5125, 0x5e7c, 0x5b4b,
	    0x45f9, 0x40ce, 0x4f97, 0x4aa0 };
	/* Table D.1, versions 7 to 10. */
	static const unsigned version[4] = { 0x07c94, 0x085bc, 0x09a99,
	    0x0a4d3 };
	int i;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(rb_qr_format_bits(i), format_m[i]);
	for (i = 0; i < 4; i++)
		assert_int_equal(rb_qr_version_bits(7 + i), version[i]);
}

static void
test_function_patterns(void **state)
{
	char seven[120];
	struct rb_qr qr;
	int i;

	(void)state;
	assert_int_equal(rb_qr_encode("01234567", 8, RB_QR_NUMERIC, 2, &qr), 0);
	assert_int_equal(qr.qr_size, 21);
	assert_int_equal(qr.qr_mask, 2);
	/* Finder rings at three corners, the separators light. */
	for (i = 0; i < 7; i++) {
		assert_int_equal(qr.qr_dark[0][i], 1);
		assert_int_equal(qr.qr_dark[6][i], 1);
		assert_int_equal(qr.qr_dark[i][20], 1);
		assert_int_equal(qr.qr_dark[20][i], 1);
		assert_int_equal(qr.qr_dark[7][i], 0);
	}
	assert_int_equal(qr.qr_dark[1][1], 0);
	assert_int_equal(qr.qr_dark[3][3], 1);
	/* Timing patterns and the dark module. */
	for (i = 8; i <= 12; i++) {
		assert_int_equal(qr.qr_dark[6][i], i % 2 == 0);
		assert_int_equal(qr.qr_dark[i][6], i % 2 == 0);
	}
	assert_int_equal(qr.qr_dark[13][8], 1);
	/* Format information, mask 2: 101111001111100, bit 14 first at
	   row 8 from column 0 (columns 0-5, 7, then 8). */
	assert_int_equal(qr.qr_dark[8][0], 1);
	assert_int_equal(qr.qr_dark[8][1], 0);
	assert_int_equal(qr.qr_dark[8][2], 1);
	assert_int_equal(qr.qr_dark[8][3], 1);
	assert_int_equal(qr.qr_dark[8][4], 1);
	assert_int_equal(qr.qr_dark[8][5], 1);
	assert_int_equal(qr.qr_dark[8][7], 0);
	/* Version 7: an alignment pattern centred at (22, 22). */
	memset(seven, 'u', sizeof(seven));	/* 107 to 122 bytes */
	assert_int_equal(rb_qr_encode(seven, sizeof(seven), RB_QR_BYTE, -1,
	    &qr), 0);
	assert_int_equal(qr.qr_version, 7);
	assert_int_equal(qr.qr_dark[22][22], 1);
	assert_int_equal(qr.qr_dark[21][22], 0);
	assert_int_equal(qr.qr_dark[20][22], 1);
}

static void
test_penalty(void **state)
{
	struct rb_qr qr;
	int r, c;

	(void)state;
	/* All light, 21 x 21: N1 42 lines of one run of 21 (3 + 16 each),
	   N2 400 blocks (3 each), N4 50 % away: 100. */
	memset(&qr, 0, sizeof(qr));
	qr.qr_size = 21;
	assert_int_equal(rb_qr_penalty(&qr), 42 * 19 + 400 * 3 + 100);
	/* A checkerboard: no runs, no blocks, no finder-like pattern,
	   221 dark of 441: N4 0. */
	for (r = 0; r < 21; r++)
		for (c = 0; c < 21; c++)
			qr.qr_dark[r][c] = (r + c) % 2 == 0;
	assert_int_equal(rb_qr_penalty(&qr), 0);
	/* The chosen mask has the lowest penalty of the eight. */
	{
		struct rb_qr m;
		int best, i, s;
		const char *d = "otpauth://totp/X:a@b.fr?secret=GEZDGNBV";

		assert_int_equal(rb_qr_encode(d, strlen(d), RB_QR_BYTE, -1,
		    &qr), 0);
		best = rb_qr_penalty(&qr);
		for (i = 0; i < 8; i++) {
			assert_int_equal(rb_qr_encode(d, strlen(d), RB_QR_BYTE,
			    i, &m), 0);
			s = rb_qr_penalty(&m);
			assert_true(best <= s);
		}
	}
}

static void
test_svg(void **state)
{
	struct rb_qr qr;
	rb_buf b;
	const char *s;

	(void)state;
	rb_buf_init(&b);
	assert_int_equal(rb_qr_encode("A", 1, RB_QR_BYTE, -1, &qr), 0);
	rb_qr_svg(&qr, "Code <QR> \"x\"", &b);
	s = rb_buf_cstr(&b);
	assert_non_null(strstr(s, "viewBox=\"0 0 29 29\""));
	assert_non_null(strstr(s, "role=\"img\""));
	assert_non_null(strstr(s, "aria-label=\"Code &lt;QR&gt; &quot;x&quot;\""));
	/* The top-left finder's first row: 7 dark modules at (4, 4). */
	assert_non_null(strstr(s, "d=\"M4 4h7v1h-7z"));
	assert_null(strstr(s, "<script"));
	rb_buf_free(&b);
}

/* Writes qr as a PBM image (8 pixels a module, 4-module quiet zone). */
static void
write_pbm(const struct rb_qr *qr, const char *path)
{
	int side = (qr->qr_size + 8) * 8, y, x, r, c;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "P1\n%d %d\n", side, side);
	for (y = 0; y < side; y++) {
		for (x = 0; x < side; x++) {
			r = y / 8 - 4;
			c = x / 8 - 4;
			fputc(r >= 0 && c >= 0 && r < qr->qr_size &&
			    c < qr->qr_size && qr->qr_dark[r][c] ? '1' : '0', f);
		}
		fputc('\n', f);
	}
	fclose(f);
}

/* What zbarimg reads in path, or "" when it reads nothing. */
static void
zbar_read(const char *path, char *out, size_t size)
{
	char cmd[512];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "zbarimg --quiet --raw -Sbinary '%s' "
	    "2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	pclose(p);
	/* zbarimg ends what it read with a newline. */
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
}

static void
test_zbarimg_reads_every_version_and_mask(void **state)
{
	char data[256], got[512], path[64];
	struct rb_qr qr;
	size_t len;
	int v, m, i;

	(void)state;
	if (system("command -v zbarimg >/dev/null 2>&1") != 0)
		fail_msg("zbarimg not found: install zbar-tools "
		    "(scripts/bootstrap --test)");
	snprintf(path, sizeof(path), "/tmp/robinet-qr-%d.pbm", (int)getpid());
	/* One payload per version 1 to 10 (the largest each holds), each
	   version under a different mask, then a URI under every mask. */
	static const int fill[11] = { 0, 14, 26, 42, 62, 84, 106, 122, 152,
	    180, 213 };
	for (v = 1; v <= 10; v++) {
		len = (size_t)fill[v];
		for (i = 0; i < (int)len; i++)
			data[i] = (char)('A' + (i * 7 + v) % 26);
		data[len] = '\0';
		assert_int_equal(rb_qr_encode(data, len, RB_QR_BYTE, v % 8,
		    &qr), 0);
		assert_int_equal(qr.qr_version, v);
		write_pbm(&qr, path);
		zbar_read(path, got, sizeof(got));
		assert_string_equal(got, data);
	}
	strcpy(data, "otpauth://totp/Eau%20de%20la%20M%C3%A9tropole:agent%40"
	    "robinet.test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Eau%20"
	    "de%20la%20M%C3%A9tropole&algorithm=SHA1&digits=6&period=30");
	for (m = -1; m < 8; m++) {
		assert_int_equal(rb_qr_encode(data, strlen(data), RB_QR_BYTE, m,
		    &qr), 0);
		write_pbm(&qr, path);
		zbar_read(path, got, sizeof(got));
		assert_string_equal(got, data);
	}
	assert_int_equal(rb_qr_encode("01234567", 8, RB_QR_NUMERIC, -1, &qr),
	    0);
	write_pbm(&qr, path);
	zbar_read(path, got, sizeof(got));
	assert_string_equal(got, "01234567");
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_example_codewords),
		cmocka_unit_test(test_byte_mode_and_versions),
		cmocka_unit_test(test_format_and_version_bits),
		cmocka_unit_test(test_function_patterns),
		cmocka_unit_test(test_penalty),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_zbarimg_reads_every_version_and_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
