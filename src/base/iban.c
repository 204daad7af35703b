/*
 * iban.c: IBAN normalisation, check, masking and encryption (see iban.h).
 */
#include <string.h>

#include <sodium.h>

#include "base/iban.h"

/* Lengths of the IBANs of the SEPA countries (ISO 13616 registry). */
static const struct {
	char	 il_country[3];
	int	 il_len;
} iban_lengths[] = {
	{ "AD", 24 }, { "AT", 20 }, { "BE", 16 }, { "BG", 22 }, { "CH", 21 },
	{ "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 }, { "EE", 20 },
	{ "ES", 24 }, { "FI", 18 }, { "FR", 27 }, { "GB", 22 }, { "GI", 23 },
	{ "GR", 27 }, { "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IS", 26 },
	{ "IT", 27 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "MC", 27 }, { "MT", 31 }, { "NL", 18 }, { "NO", 15 }, { "PL", 28 },
	{ "PT", 25 }, { "RO", 24 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 },
	{ "SM", 27 }, { "VA", 22 },
};

int
rb_iban_normalise(const char *in, char *out)
{
	size_t n = 0;
	char ch;

	out[0] = '\0';
	for (; *in != '\0'; in++) {
		ch = *in;
		if (ch == ' ')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) ||
		    n == RB_IBAN_MAX) {
			out[0] = '\0';
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return 0;
}

static int
is_upper(char ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

int
rb_iban_check(const char *iban)
{
	size_t len = strlen(iban), i, k;
	unsigned mod = 0;
	int want = 0;
	char ch;

	if (len < 15 || len > RB_IBAN_MAX || !is_upper(iban[0]) ||
	    !is_upper(iban[1]) || !is_digit(iban[2]) || !is_digit(iban[3]))
		return -1;
	for (k = 0; k < sizeof(iban_lengths) / sizeof(iban_lengths[0]); k++)
		if (memcmp(iban_lengths[k].il_country, iban, 2) == 0)
			want = iban_lengths[k].il_len;
	if (want != 0 && len != (size_t)want)
		return -1;
	/* The first four characters move to the end; letters are 10..35. */
	for (i = 0; i < len; i++) {
		ch = iban[(i + 4) % len];
		if (is_digit(ch))
			mod = (mod * 10 + (unsigned)(ch - '0')) % 97;
		else if (is_upper(ch))
			mod = (mod * 100 + (unsigned)(ch - 'A' + 10)) % 97;
		else
			return -1;
	}
	return mod == 1 ? 0 : -1;
}

void
rb_iban_mask(const char *iban, char *out)
{
	size_t len = strlen(iban);

	if (len < 8) {
		memcpy(out, "••••", sizeof("••••"));
		return;
	}
	/* 4 + 27 + 4 bytes and the NUL: within RB_IBAN_MASK_MAX. */
	memcpy(out, iban, 4);
	memcpy(out + 4, " •••• •••• ", sizeof(" •••• •••• ") - 1);
	memcpy(out + 4 + sizeof(" •••• •••• ") - 1, iban + len - 4, 4);
	out[4 + sizeof(" •••• •••• ") - 1 + 4] = '\0';
}

void
rb_iban_mask_last4(const char *last4, char *out)
{
	if (last4 == NULL || strlen(last4) != 4) {
		memcpy(out, "••••", sizeof("••••"));
		return;
	}
	memcpy(out, "•••• •••• ", sizeof("•••• •••• ") - 1);
	memcpy(out + sizeof("•••• •••• ") - 1, last4, 5);
}

int
rb_iban_key_from_hex(const char *hex, unsigned char key[RB_IBAN_KEYBYTES])
{
	size_t n = 0;

	if (hex == NULL || strlen(hex) != 2 * RB_IBAN_KEYBYTES ||
	    sodium_hex2bin(key, RB_IBAN_KEYBYTES, hex, strlen(hex), NULL, &n,
	    NULL) != 0 || n != RB_IBAN_KEYBYTES)
		return -1;
	return 0;
}

int
rb_iban_seal(const unsigned char key[RB_IBAN_KEYBYTES], const char *iban,
    const unsigned char *nonce, char *out)
{
	unsigned char box[RB_IBAN_NONCEBYTES + crypto_secretbox_MACBYTES +
	    RB_IBAN_MAX];
	size_t len = strlen(iban);

	out[0] = '\0';
	if (len > RB_IBAN_MAX)
		return -1;
	if (nonce != NULL)
		memcpy(box, nonce, RB_IBAN_NONCEBYTES);
	else
		randombytes_buf(box, RB_IBAN_NONCEBYTES);
	crypto_secretbox_easy(box + RB_IBAN_NONCEBYTES,
	    (const unsigned char *)iban, len, box, key);
	sodium_bin2base64(out, RB_IBAN_SEALED_MAX, box, RB_IBAN_NONCEBYTES +
	    crypto_secretbox_MACBYTES + len, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
rb_iban_open(const unsigned char key[RB_IBAN_KEYBYTES], const char *enc,
    char *out)
{
	unsigned char box[RB_IBAN_NONCEBYTES + crypto_secretbox_MACBYTES +
	    RB_IBAN_MAX];
	size_t n = 0, len;

	out[0] = '\0';
	if (sodium_base642bin(box, sizeof(box), enc, strlen(enc), NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n < RB_IBAN_NONCEBYTES + crypto_secretbox_MACBYTES)
		return -1;
	len = n - RB_IBAN_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (crypto_secretbox_open_easy((unsigned char *)out,
	    box + RB_IBAN_NONCEBYTES, n - RB_IBAN_NONCEBYTES, box, key) != 0) {
		out[0] = '\0';
		return -1;
	}
	out[len] = '\0';
	return 0;
}

/* mod 97 of s read as digits, letters counting 10..35; -1 on others. */
static int
mod97_text(const char *s, size_t len, unsigned *mod)
{
	size_t i;
	char ch;

	for (i = 0; i < len; i++) {
		ch = s[i];
		if (is_digit(ch))
			*mod = (*mod * 10 + (unsigned)(ch - '0')) % 97;
		else if (is_upper(ch))
			*mod = (*mod * 100 + (unsigned)(ch - 'A' + 10)) % 97;
		else
			return -1;
	}
	return 0;
}

int
rb_ics_check(const char *ics)
{
	size_t len = strlen(ics), i;
	unsigned mod = 0, check;

	if (len < 8 || len > RB_ICS_MAX || !is_upper(ics[0]) ||
	    !is_upper(ics[1]) || !is_digit(ics[2]) || !is_digit(ics[3]))
		return -1;
	if ((memcmp(ics, "FR", 2) == 0 && len != 13) ||
	    (memcmp(ics, "DE", 2) == 0 && len != 18))
		return -1;
	for (i = 4; i < 7; i++)
		if (!is_upper(ics[i]) && !is_digit(ics[i]))
			return -1;
	if (mod97_text(ics + 7, len - 7, &mod) != 0 ||
	    mod97_text(ics, 2, &mod) != 0 || mod97_text("00", 2, &mod) != 0)
		return -1;
	check = (unsigned)(ics[2] - '0') * 10 + (unsigned)(ics[3] - '0');
	return check == 98 - mod ? 0 : -1;
}
