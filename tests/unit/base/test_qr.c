/*
 * test_qr.c: unit tests of src/base/qr.c: the SVG drawn from a symbol,
 * the version limit, and, end to end, zbarimg (Debian's zbar-tools, an
 * independent decoder) reading back what libqrencode encoded through
 * rb_qr_encode, at every version from 1 to 10 and for an enrolment URI.
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

static void
test_svg(void **state)
{
	struct rb_qr qr;
	rb_buf b;
	const char *s;

	(void)state;
	rb_buf_init(&b);
	assert_int_equal(rb_qr_encode("A", &qr), 0);
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
test_zbarimg_reads_every_version(void **state)
{
	char data[256], got[512], path[64];
	struct rb_qr qr;
	size_t len;
	int v, i;

	(void)state;
	if (system("command -v zbarimg >/dev/null 2>&1") != 0)
		fail_msg("zbarimg not found: install zbar-tools "
		    "(scripts/bootstrap --test)");
	snprintf(path, sizeof(path), "/tmp/robinet-qr-%d.pbm", (int)getpid());
	/* The largest payload each version 1 to 10 holds in 8-bit mode at
	   level M (ISO 18004 table 7), mixed case: the smallest version
	   is chosen and the case is kept. */
	static const int fill[11] = { 0, 14, 26, 42, 62, 84, 106, 122, 152,
	    180, 213 };
	for (v = 1; v <= 10; v++) {
		len = (size_t)fill[v];
		for (i = 0; i < (int)len; i++)
			data[i] = (char)((i % 2 ? 'a' : 'A') + (i * 7 + v) % 26);
		data[len] = '\0';
		assert_int_equal(rb_qr_encode(data, &qr), 0);
		assert_int_equal(qr.qr_version, v);
		assert_int_equal(qr.qr_size, 17 + 4 * v);
		write_pbm(&qr, path);
		zbar_read(path, got, sizeof(got));
		assert_string_equal(got, data);
	}
	/* An enrolment URI; digits alone stay text. */
	strcpy(data, "otpauth://totp/Eau%20de%20la%20M%C3%A9tropole:agent%40"
	    "robinet.test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Eau%20"
	    "de%20la%20M%C3%A9tropole&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(rb_qr_encode(data, &qr), 0);
	write_pbm(&qr, path);
	zbar_read(path, got, sizeof(got));
	assert_string_equal(got, data);
	assert_int_equal(rb_qr_encode("01234567", &qr), 0);
	write_pbm(&qr, path);
	zbar_read(path, got, sizeof(got));
	assert_string_equal(got, "01234567");
	unlink(path);
}

static void
test_too_long(void **state)
{
	char data[300];
	struct rb_qr qr;

	(void)state;
	/* 214 bytes need version 11: refused, the matrix left empty. */
	memset(data, 'a', 214);
	data[214] = '\0';
	assert_int_equal(rb_qr_encode(data, &qr), -1);
	assert_int_equal(qr.qr_version, 0);
	assert_int_equal(qr.qr_size, 0);
	data[213] = '\0';
	assert_int_equal(rb_qr_encode(data, &qr), 0);
	assert_int_equal(qr.qr_version, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_zbarimg_reads_every_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
