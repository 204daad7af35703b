/*
 * money.c: French formatting of cents and litres (see money.h). All
 * arithmetic is on integers; INT64_MIN is handled through its unsigned
 * magnitude.
 */
#include <stdio.h>
#include <string.h>

#include "money.h"

#define NNBSP	"\xe2\x80\xaf"	/* U+202F, thousands separator */
#define NBSP	"\xc2\xa0"	/* U+00A0, before the unit */

/* Writes the grouped digits of v into out; returns the length or -1. */
static int
group(uint64_t v, char *out, size_t outlen)
{
	char digits[24], tmp[64];
	size_t n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0) {
			memcpy(tmp + o, NNBSP, 3);
			o += 3;
		}
		tmp[o++] = digits[i];
	}
	tmp[o] = '\0';
	if (o + 1 > outlen)
		return -1;
	memcpy(out, tmp, o + 1);
	return (int)o;
}

/* Writes sign, units (grouped when asked), ',' and `decimals` digits,
 * then suffix. */
static int
fixed(int64_t v, unsigned scale, int decimals, int grouped,
    const char *suffix, char *out, size_t outlen)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char units[48];
	int n;

	if (outlen > 0)
		out[0] = '\0';
	if (grouped ? group(mag / scale, units, sizeof(units)) < 0 :
	    snprintf(units, sizeof(units), "%llu",
	    (unsigned long long)(mag / scale)) < 0)
		return -1;
	n = snprintf(out, outlen, "%s%s,%0*llu%s", v < 0 ? "-" : "", units,
	    decimals, (unsigned long long)(mag % scale), suffix);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return n;
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
	char g[48];
	int n;

	if (group(mag, g, sizeof(g)) < 0)
		return -1;
	n = snprintf(out, outlen, "%s%s", v < 0 ? "-" : "", g);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return n;
}
