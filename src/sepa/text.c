/*
 * text.c: the SEPA character set, amounts and XML escaping (see text.h).
 */
#include <stdio.h>
#include <string.h>

#include "sepa/text.h"

/* Transliterations of the Latin-1 and Latin Extended-A letters. */
static const struct {
	unsigned	 tr_cp;
	const char	*tr_ascii;
} translit[] = {
	{ 0xC0, "A" }, { 0xC1, "A" }, { 0xC2, "A" }, { 0xC3, "A" },
	{ 0xC4, "A" }, { 0xC5, "A" }, { 0xC6, "AE" }, { 0xC7, "C" },
	{ 0xC8, "E" }, { 0xC9, "E" }, { 0xCA, "E" }, { 0xCB, "E" },
	{ 0xCC, "I" }, { 0xCD, "I" }, { 0xCE, "I" }, { 0xCF, "I" },
	{ 0xD1, "N" }, { 0xD2, "O" }, { 0xD3, "O" }, { 0xD4, "O" },
	{ 0xD5, "O" }, { 0xD6, "O" }, { 0xD8, "O" }, { 0xD9, "U" },
	{ 0xDA, "U" }, { 0xDB, "U" }, { 0xDC, "U" }, { 0xDD, "Y" },
	{ 0xDF, "ss" }, { 0xE0, "a" }, { 0xE1, "a" }, { 0xE2, "a" },
	{ 0xE3, "a" }, { 0xE4, "a" }, { 0xE5, "a" }, { 0xE6, "ae" },
	{ 0xE7, "c" }, { 0xE8, "e" }, { 0xE9, "e" }, { 0xEA, "e" },
	{ 0xEB, "e" }, { 0xEC, "i" }, { 0xED, "i" }, { 0xEE, "i" },
	{ 0xEF, "i" }, { 0xF1, "n" }, { 0xF2, "o" }, { 0xF3, "o" },
	{ 0xF4, "o" }, { 0xF5, "o" }, { 0xF6, "o" }, { 0xF8, "o" },
	{ 0xF9, "u" }, { 0xFA, "u" }, { 0xFB, "u" }, { 0xFC, "u" },
	{ 0xFD, "y" }, { 0xFF, "y" },
	{ 0x100, "A" }, { 0x101, "a" }, { 0x102, "A" }, { 0x103, "a" },
	{ 0x104, "A" }, { 0x105, "a" }, { 0x106, "C" }, { 0x107, "c" },
	{ 0x10C, "C" }, { 0x10D, "c" }, { 0x10E, "D" }, { 0x10F, "d" },
	{ 0x110, "D" }, { 0x111, "d" }, { 0x112, "E" }, { 0x113, "e" },
	{ 0x118, "E" }, { 0x119, "e" }, { 0x11A, "E" }, { 0x11B, "e" },
	{ 0x11E, "G" }, { 0x11F, "g" }, { 0x130, "I" }, { 0x131, "i" },
	{ 0x141, "L" }, { 0x142, "l" }, { 0x143, "N" }, { 0x144, "n" },
	{ 0x147, "N" }, { 0x148, "n" }, { 0x150, "O" }, { 0x151, "o" },
	{ 0x152, "OE" }, { 0x153, "oe" }, { 0x158, "R" }, { 0x159, "r" },
	{ 0x15A, "S" }, { 0x15B, "s" }, { 0x15E, "S" }, { 0x15F, "s" },
	{ 0x160, "S" }, { 0x161, "s" }, { 0x162, "T" }, { 0x163, "t" },
	{ 0x164, "T" }, { 0x165, "t" }, { 0x16E, "U" }, { 0x16F, "u" },
	{ 0x170, "U" }, { 0x171, "u" }, { 0x178, "Y" }, { 0x179, "Z" },
	{ 0x17A, "z" }, { 0x17B, "Z" }, { 0x17C, "z" }, { 0x17D, "Z" },
	{ 0x17E, "z" }, { 0x2019, "'" },
};

static int
sepa_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("/-?:().,'+ ", ch) != NULL);
}

int
rb_sepa_text_is_clean(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!sepa_char((unsigned char)*s))
			return 0;
	return 1;
}

/* Decodes one UTF-8 sequence at s; returns its length (>= 1), *cp 0 when
 * the bytes are not valid UTF-8. */
static size_t
utf8_next(const unsigned char *s, unsigned *cp)
{
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		*cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		*cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		*cp = s[0] & 0x07;
	} else {
		*cp = 0;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0;
			return i;
		}
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	return n;
}

size_t
rb_sepa_text(const char *in, size_t max, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	const char *rep;
	char one[2];
	size_t len = 0, k, i;
	unsigned cp;

	out[0] = '\0';
	if (in == NULL)
		return 0;
	if (max > outlen - 1)
		max = outlen - 1;
	while (*s != '\0' && len < max) {
		s += utf8_next(s, &cp);
		rep = " ";
		if (cp < 0x80 && sepa_char((unsigned char)cp)) {
			one[0] = (char)cp;
			one[1] = '\0';
			rep = one;
		} else {
			for (k = 0; k < sizeof(translit) / sizeof(translit[0]);
			    k++)
				if (translit[k].tr_cp == cp) {
					rep = translit[k].tr_ascii;
					break;
				}
		}
		for (i = 0; rep[i] != '\0' && len < max; i++) {
			/* No leading space, no two spaces in a row. */
			if (rep[i] == ' ' && (len == 0 || out[len - 1] == ' '))
				continue;
			out[len++] = rep[i];
		}
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return len;
}

void
rb_sepa_amount(int64_t cents, char *out, size_t outlen)
{
	uint64_t u = cents < 0 ? (uint64_t)0 - (uint64_t)cents :
	    (uint64_t)cents;

	snprintf(out, outlen, "%s%llu.%02u", cents < 0 ? "-" : "",
	    (unsigned long long)(u / 100), (unsigned)(u % 100));
}

int
rb_sepa_xml_puts(FILE *f, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		default: continue;
		}
		if (s > run && fwrite(run, 1, (size_t)(s - run), f) !=
		    (size_t)(s - run))
			return EOF;
		if (fputs(ent, f) == EOF)
			return EOF;
		run = s + 1;
	}
	if (s > run && fwrite(run, 1, (size_t)(s - run), f) !=
	    (size_t)(s - run))
		return EOF;
	return 0;
}
