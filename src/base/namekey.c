/*
 * namekey.c: the search key of a person's name (see namekey.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "base/mem.h"
#include "base/namekey.h"

/* Letters spelled out in ASCII (after case folding). */
static const struct {
	ucs4_t		 sp_c;
	const char	*sp_ascii;
} spelled[] = {
	{ 0x0153, "oe" },	/* œ */
	{ 0x00e6, "ae" },	/* æ */
	{ 0x00f8, "o" },	/* ø */
	{ 0x0142, "l" },	/* ł */
	{ 0x0111, "d" },	/* đ */
	{ 0x00df, "ss" },	/* ß (case folding gives "ss" already) */
};

/* Appends the n bytes of p to out at *o, unless that would leave no
 * room for the NUL; returns 0, or -1 when out is full. */
static int
put(char *out, size_t size, size_t *o, const void *p, size_t n)
{
	if (*o + n + 1 > size)
		return -1;
	memcpy(out + *o, p, n);
	*o += n;
	return 0;
}

size_t
rb_namekey_fold(const char *s, char *out, size_t size)
{
	uint8_t *folded;
	size_t n, flen = 0, i, k, o = 0;
	int space = 0, len;
	ucs4_t c;

	out[0] = '\0';
	if (s == NULL || (n = strlen(s)) == 0 ||
	    u8_check((const uint8_t *)s, n) != NULL)
		return 0;
	folded = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFD, NULL,
	    &flen);
	if (folded == NULL)		/* out of memory */
		return 0;
	for (i = 0; i < flen; i += (size_t)len) {
		len = u8_mbtouc(&c, folded + i, flen - i);
		if (uc_is_general_category(c, UC_CATEGORY_M))
			continue;
		if (c == '\'' || c == 0x2019)
			continue;
		if (!uc_is_general_category(c, UC_CATEGORY_L) &&
		    !uc_is_general_category(c, UC_CATEGORY_N)) {
			space = o > 0;
			continue;
		}
		if (space && put(out, size, &o, " ", 1) != 0)
			break;
		space = 0;
		for (k = 0; k < RB_NELEM(spelled); k++)
			if (spelled[k].sp_c == c)
				break;
		if (k < RB_NELEM(spelled)) {
			if (put(out, size, &o, spelled[k].sp_ascii,
			    strlen(spelled[k].sp_ascii)) != 0)
				break;
		} else if (put(out, size, &o, folded + i, (size_t)len) != 0)
			break;
	}
	free(folded);
	/* A cut may leave a trailing space. */
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

size_t
rb_namekey_customer(const char *last, const char *first, char *out,
    size_t size)
{
	char both[2 * RB_NAMEKEY_MAX];

	snprintf(both, sizeof(both), "%s %s", last != NULL ? last : "",
	    first != NULL ? first : "");
	return rb_namekey_fold(both, out, size);
}
