/*
 * import_check.c: the validators of imported values (see import_check.h).
 *
 * Values arrive as valid UTF-8 (the CSV reader checks it). Nothing is
 * trimmed or guessed: " 12" is not a number and "12/03/2023" not a date.
 */
#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "base/clock.h"
#include "base/iban.h"
#include "app/import_check.h"

void
rb_ichk_quote(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s), cut = n;

	if (n > 40) {
		cut = 40;
		/* Back to the start of a UTF-8 character. */
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	snprintf(out, outlen, "%.*s%s", (int)cut, s, cut < n ? "…" : "");
}

static int
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
rb_ichk_date(const char *s, char *why, size_t whylen)
{
	struct rb_date d;
	char q[64];

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !is_digits(s, 4) || !is_digits(s + 5, 2) || !is_digits(s + 8, 2)) {
		rb_ichk_quote(s, q, sizeof(q));
		snprintf(why, whylen, "date invalide « %s » (attendu "
		    "AAAA-MM-JJ)", q);
		return -1;
	}
	if (rb_clock_parse_date(s, &d) != 0) {
		snprintf(why, whylen, "date impossible %s", s);
		return -1;
	}
	if (d.d_year < 1900 || d.d_year > 2999) {
		snprintf(why, whylen, "date hors limites %s (années 1900 à "
		    "2999)", s);
		return -1;
	}
	return 0;
}

int
rb_ichk_int(const char *s, int64_t min, int64_t max, int64_t *out,
    char *why, size_t whylen)
{
	const char *p = s;
	uint64_t v = 0, lim;
	int neg = 0;
	char q[64];

	if (*p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (*p == '\0')
		goto bad;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			goto range;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
	    -(int64_t)v) : (int64_t)v;
	if (*out < min || *out > max)
		goto range;
	return 0;
bad:
	rb_ichk_quote(s, q, sizeof(q));
	snprintf(why, whylen, "nombre entier attendu, pas « %s »", q);
	return -1;
range:
	rb_ichk_quote(s, q, sizeof(q));
	snprintf(why, whylen, "nombre hors limites %s (de %lld à %lld)", q,
	    (long long)min, (long long)max);
	return -1;
}

int
rb_ichk_text(const char *s, int64_t maxchars, char *why, size_t whylen)
{
	const unsigned char *p;
	size_t n;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7F) {
			snprintf(why, whylen, "caractère de contrôle interdit "
			    "(0x%02X)", (unsigned)*p);
			return -1;
		}
	/* No more characters than bytes: counted only past the limit. */
	n = (size_t)(p - (const unsigned char *)s);
	if (maxchars <= 0 || n <= (size_t)maxchars)
		return 0;
	n = u8_mbsnlen((const uint8_t *)s, n);
	if (n > (size_t)maxchars) {
		snprintf(why, whylen, "texte trop long (%zu caractères, au "
		    "plus %lld)", n, (long long)maxchars);
		return -1;
	}
	return 0;
}

int
rb_ichk_email(const char *s, char *why, size_t whylen)
{
	const char *at = strchr(s, '@'), *p;
	char q[64];

	if (rb_ichk_text(s, 254, why, whylen) != 0)
		return -1;
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(s, ' ') != NULL || (p = strchr(at + 1, '.')) == NULL ||
	    p == at + 1 || p[1] == '\0' || s[strlen(s) - 1] == '.') {
		rb_ichk_quote(s, q, sizeof(q));
		snprintf(why, whylen, "adresse e-mail invalide « %s »",
		    q);
		return -1;
	}
	return 0;
}

int
rb_ichk_hash(const char *s, char *why, size_t whylen)
{
	const char *last;
	int ok;

	if (strcmp(s, "!") == 0)
		return 0;
	last = strrchr(s, '$');
	ok = s[0] == '$' && strlen(s) <= 512 && last != NULL &&
	    last[1] != '\0' && strchr(s + 1, '$') != last;
	if (ok) {
		switch (crypt_checksalt(s)) {
		case CRYPT_SALT_OK:
		case CRYPT_SALT_METHOD_LEGACY:
		case CRYPT_SALT_TOO_CHEAP:
			break;
		default:
			ok = 0;
		}
	}
	if (!ok) {
		snprintf(why, whylen, "empreinte de mot de passe non reconnue "
		    "(crypt $6$…, $2b$…, $y$… ou « ! » attendu)");
		return -1;
	}
	return 0;
}

#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* The classes of only(): ASCII letters and digits. */
#define C_UPPER	1u
#define C_LOWER	2u
#define C_DIGIT	4u

/*
 * Every character of s is of the classes cls or in extra (and s has
 * min..max of them). Tested by ranges, not strspn(), which builds a
 * table of its set at every call: 6 % of the importer's CPU on the
 * invoice numbers of 1.4 million invoice lines.
 */
static int
only(const char *s, unsigned cls, const char *extra, size_t min,
    size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p != '\0'; p++) {
		if ((cls & C_DIGIT) && *p >= '0' && *p <= '9')
			continue;
		if ((cls & C_UPPER) && *p >= 'A' && *p <= 'Z')
			continue;
		if ((cls & C_LOWER) && *p >= 'a' && *p <= 'z')
			continue;
		if (strchr(extra, *p) == NULL)
			return 0;
	}
	n = (size_t)(p - (const unsigned char *)s);
	return n >= min && n <= max;
}

/* s quoted for a message, in q (quoting every valid value cost a
   tenth of the import's own work: only on the way to a rejection). */
static const char *
quoted(const char *s, char q[64])
{
	rb_ichk_quote(s, q, 64);
	return q;
}

static int
check_format(const struct rb_ichk_col *col, const char *s, char *why,
    size_t whylen)
{
	char q[64];
	size_t n = strlen(s);

	switch (col->ck_type) {
	case RB_ICHK_CONTRACT_NO:
		if (only(s, C_DIGIT, "", 10, 10))
			return 0;
		snprintf(why, whylen, "numéro de contrat invalide « %s » "
		    "(10 chiffres attendus)", quoted(s, q));
		return -1;
	case RB_ICHK_OLD_NO:
		if (n == 8 && is_digits(s, 7) && s[7] >= 'A' && s[7] <= 'Z')
			return 0;
		snprintf(why, whylen, "ancien numéro invalide « %s » "
		    "(7 chiffres et une lettre majuscule attendus)",
		    quoted(s, q));
		return -1;
	case RB_ICHK_SERIAL:
		if (only(s, C_UPPER | C_DIGIT, "", 4, 20))
			return 0;
		snprintf(why, whylen, "numéro de compteur invalide « %s » "
		    "(4 à 20 majuscules ou chiffres)", quoted(s, q));
		return -1;
	case RB_ICHK_REF:
		if (only(s, C_UPPER | C_LOWER | C_DIGIT, "._/-", 1, 32))
			return 0;
		snprintf(why, whylen, "référence client invalide « %s »",
		    quoted(s, q));
		return -1;
	case RB_ICHK_CODE:
		if (only(s, C_UPPER | C_DIGIT, "_", 1, 32))
			return 0;
		snprintf(why, whylen, "code invalide « %s » (majuscules, "
		    "chiffres et _)", quoted(s, q));
		return -1;
	case RB_ICHK_INVOICE_NO:
		if (only(s, C_UPPER | C_DIGIT, "-", 1, 32))
			return 0;
		snprintf(why, whylen, "numéro de facture invalide « %s »",
		    quoted(s, q));
		return -1;
	case RB_ICHK_EMAIL:
		return rb_ichk_email(s, why, whylen);
	case RB_ICHK_PHONE:
		if (s[0] == '+' && only(s + 1, C_DIGIT, "", 8, 15))
			return 0;
		snprintf(why, whylen, "numéro de téléphone invalide « %s » "
		    "(format international +33320123456)", quoted(s, q));
		return -1;
	case RB_ICHK_POSTCODE:
		if (only(s, C_DIGIT, "", 5, 5))
			return 0;
		snprintf(why, whylen, "code postal invalide « %s » "
		    "(5 chiffres)", quoted(s, q));
		return -1;
	case RB_ICHK_COUNTRY:
		if (only(s, C_UPPER, "", 2, 2))
			return 0;
		snprintf(why, whylen, "code pays invalide « %s » (2 lettres "
		    "majuscules, ISO 3166)", quoted(s, q));
		return -1;
	case RB_ICHK_BIC:
		if ((n == 8 || n == 11) &&
		    only(s, C_UPPER | C_DIGIT, "", n, n) &&
		    strspn(s, UPPER) >= 6)
			return 0;
		snprintf(why, whylen, "BIC invalide « %s »", quoted(s, q));
		return -1;
	case RB_ICHK_RUM:
		if (only(s, C_UPPER | C_LOWER | C_DIGIT,
		    "+?/-:().,' ", 1, 35))
			return 0;
		snprintf(why, whylen, "référence de mandat invalide « %s » "
		    "(35 caractères SEPA au plus)", quoted(s, q));
		return -1;
	case RB_ICHK_IBAN: {
		char iban[RB_IBAN_MAX + 1];

		if (rb_iban_normalise(s, iban) == 0 &&
		    rb_iban_check(iban) == 0)
			return 0;
		snprintf(why, whylen, "IBAN invalide");
		return -1;
	}
	case RB_ICHK_HASH:
		return rb_ichk_hash(s, why, whylen);
	default:
		return rb_ichk_text(s, col->ck_max, why, whylen);
	}
}

/*
 * s, a number rb_ichk_int() took, when it is written as "%lld" would
 * write its value (no leading zero, no "-0"), else NULL: a bulk copy
 * sends it as read instead of writing the number again (7 % of the
 * importer's CPU on the 20,000-contract files).
 */
static const char *
as_printed(const char *s)
{
	const char *d = s[0] == '-' ? s + 1 : s;

	return d[0] != '0' || (d == s && d[1] == '\0') ? s : NULL;
}

int
rb_ichk_value(const struct rb_ichk_col *col, const char *s,
    struct rb_imp_val *v, char *why, size_t whylen)
{
	const char *const *e;
	size_t off;
	char q[64];
	int64_t n;

	v->iv_kind = RB_IMPV_NULL;
	v->iv_text = NULL;
	v->iv_num = NULL;
	v->iv_int = 0;
	if (s == NULL || s[0] == '\0') {
		if (col->ck_default != NULL)
			s = col->ck_default;
		else if (col->ck_required) {
			if (col->ck_missing != NULL)
				snprintf(why, whylen, "%s", col->ck_missing);
			else
				snprintf(why, whylen, "valeur obligatoire "
				    "manquante (%s)", col->ck_name);
			return -1;
		} else
			return 0;
	}
	switch (col->ck_type) {
	case RB_ICHK_DATE:
		if (rb_ichk_date(s, why, whylen) != 0)
			return -1;
		break;
	case RB_ICHK_INT:
		if (rb_ichk_int(s, INT64_MIN, INT64_MAX, &n, why, whylen) != 0)
			return -1;
		v->iv_kind = RB_IMPV_INT;
		v->iv_int = n;
		v->iv_num = as_printed(s);
		return 0;
	case RB_ICHK_COUNT:
	case RB_ICHK_BP:
		if (rb_ichk_int(s, 0, col->ck_type == RB_ICHK_BP ? 10000 :
		    col->ck_max > 0 ? col->ck_max : INT64_MAX, &n, why,
		    whylen) != 0)
			return -1;
		v->iv_kind = RB_IMPV_INT;
		v->iv_int = n;
		v->iv_num = as_printed(s);
		return 0;
	case RB_ICHK_FLAG:
		if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0) {
			rb_ichk_quote(s, q, sizeof(q));
			snprintf(why, whylen, "0 ou 1 attendu, pas « %s »", q);
			return -1;
		}
		v->iv_kind = RB_IMPV_INT;
		v->iv_int = s[0] - '0';
		v->iv_num = s;
		return 0;
	case RB_ICHK_ENUM:
		for (e = col->ck_enum; *e != NULL; e++)
			if (strcmp(*e, s) == 0)
				break;
		if (*e == NULL) {
			rb_ichk_quote(s, q, sizeof(q));
			off = (size_t)snprintf(why, whylen, "valeur « %s » "
			    "inconnue (attendu :", q);
			for (e = col->ck_enum; *e != NULL && off < whylen; e++)
				off += (size_t)snprintf(why + off, whylen - off,
				    "%s %s", e == col->ck_enum ? "" : ",", *e);
			if (off < whylen)
				snprintf(why + off, whylen - off, ")");
			return -1;
		}
		break;
	default:
		if (check_format(col, s, why, whylen) != 0)
			return -1;
		break;
	}
	v->iv_kind = RB_IMPV_TEXT;
	v->iv_text = s;
	return 0;
}
