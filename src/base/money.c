/*
 * money.c: French formatting of cents and litres (see money.h). All
 * arithmetic is on integers; INT64_MIN is handled through its unsigned
 * magnitude.
 */
#include <string.h>

#include "money.h"

#define NNBSP	"\xe2\x80\xaf"	/* U+202F, thousands separator */
#define NBSP	"\xc2\xa0"	/* U+00A0, before the unit */

/*
 * Writes the decimal digits of v at the end of buf[0..size) and returns
 * where they start (no snprintf: pages format many figures).
 */
static char *
digits_of(uint64_t v, char *buf, size_t size)
{
	char *p = buf + size;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return p;
}

/* Appends the digits of v to out at *o (grouped by three with NNBSP when
 * grouped, else padded with zeros to width). */
static void
put_digits(uint64_t v, int grouped, int width, char *out, size_t *o)
{
	char buf[24], *d = digits_of(v, buf, sizeof(buf));
	size_t n = (size_t)(buf + sizeof(buf) - d), i;

	for (; width > 0 && (size_t)width > n; width--)
		out[(*o)++] = '0';
	for (i = 0; i < n; i++) {
		if (grouped && i > 0 && (n - i) % 3 == 0) {
			memcpy(out + *o, NNBSP, 3);
			*o += 3;
		}
		out[(*o)++] = d[i];
	}
}

/* Copies tmp[0..n) and its NUL into out; returns n, or -1 (and "") when
 * it does not fit. */
static int
finish(const char *tmp, size_t n, char *out, size_t outlen)
{
	if (n + 1 > outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, tmp, n);
	out[n] = '\0';
	return (int)n;
}

/* Writes sign, units (grouped when asked), ',' and `decimals` digits,
 * then suffix. */
static int
fixed(int64_t v, unsigned scale, int decimals, int grouped,
    const char *suffix, char *out, size_t outlen)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t o = 0, k = strlen(suffix);
	char tmp[96];

	if (v < 0)
		tmp[o++] = '-';
	put_digits(mag / scale, grouped, 0, tmp, &o);
	tmp[o++] = ',';
	put_digits(mag % scale, 0, decimals, tmp, &o);
	memcpy(tmp + o, suffix, k);
	return finish(tmp, o + k, out, outlen);
}

int
rb_money_fr(int64_t cents, char *out, size_t outlen)
{
	return fixed(cents, 100, 2, 1, NBSP "€", out, outlen);
}

int
rb_money_fr_plain(int64_t cents, char *out, size_t outlen)
{
	return fixed(cents, 100, 2, 1, "", out, outlen);
}

int
rb_volume_m3_fr(int64_t litres, char *out, size_t outlen)
{
	return fixed(litres, 1000, 3, 1, NBSP "m³", out, outlen);
}

int
rb_volume_m3_plain(int64_t litres, char *out, size_t outlen)
{
	return fixed(litres, 1000, 3, 0, "", out, outlen);
}

int
rb_int_fr(int64_t v, char *out, size_t outlen)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t o = 0;
	char tmp[64];

	if (v < 0)
		tmp[o++] = '-';
	put_digits(mag, 1, 0, tmp, &o);
	return finish(tmp, o, out, outlen);
}
