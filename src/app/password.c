/*
 * password.c: the password policy (see password.h).
 *
 * Every comparison is made between "skeletons": the text NFC-normalised,
 * case folded, decomposed and stripped of combining marks, so that
 * "Hélène", "HELENE" and "helene" compare equal. The common-password list
 * is folded the same way when loaded and kept as a sorted array searched
 * by bisection, behind a read-write lock: it can be reloaded while
 * requests check passwords.
 *
 * A password is common when its skeleton, or its skeleton without the
 * symbols (then also the digits) stuck on either end, is in the list, is
 * a straight run ("123456789012", "abcdefghijkl", "9876…"), or repeats a
 * unit that is short ("aaaaaaaaaaaa", "abababababab") or itself common
 * ("soleilsoleil").
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "base/log.h"
#include "base/mem.h"
#include "app/password.h"

#define PW_MIN_CHARS		12
#define PW_MAX_CHARS		128
/*
 * Longer than this in bytes, a password is too long whatever NFC does: a
 * composed character stands for at most 4 code points of at most 4
 * bytes, so 2048 bytes already make more than 128 characters.
 */
#define PW_MAX_BYTES		4096
#define NAME_MIN_CHARS		3	/* whole name, email local part */
#define PART_MIN_CHARS		4	/* a word of a name ("Le Gall") */
#define CONTRACT_MIN_CHARS	3
#define PATTERN_MIN_CHARS	4	/* runs and repeats, once trimmed */
#define SHORT_UNIT_CHARS	4	/* "abab…": a repeated unit this short */

static const char msg_invalid[] =
    "Le mot de passe contient des caractères invalides.";
static const char msg_too_short[] =
    "Le mot de passe doit contenir au moins 12 caractères.";
static const char msg_too_long[] =
    "Le mot de passe doit contenir au plus 128 caractères.";
static const char msg_common[] =
    "Ce mot de passe est trop courant : choisissez-en un autre.";
static const char msg_email[] =
    "Le mot de passe ne doit pas contenir votre adresse e-mail.";
static const char msg_name[] =
    "Le mot de passe ne doit pas contenir votre nom.";
static const char msg_contract[] =
    "Le mot de passe ne doit pas contenir votre numéro de contrat.";

/*
 * French favourites that john's English-leaning list lacks; merged into
 * whatever list is loaded.
 */
static const char *const french_common[] = {
	"azerty", "azertyuiop", "qsdfghjklm", "wxcvbn", "motdepasse",
	"jetaime", "loulou", "chouchou", "coucou", "marseille",
	"doudou", "bonjour", "soleil", "chocolat", "princesse",
};

/* The loaded list: sorted skeletons, no duplicates. */
struct word_list {
	char	**wl_words;
	size_t	  wl_len;
};

static pthread_rwlock_t list_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct word_list *list;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

/* What to keep of a text when folding it. */
enum keep {
	KEEP_ALL,	/* everything but combining marks */
	KEEP_ALNUM,	/* letters and digits only ("C-2024 01" -> "c202401") */
};

static void
unistring_failed(void)
{
	/* Input is checked beforehand: only memory can be missing. */
	fprintf(stderr, "robinet: out of memory (libunistring, errno %d)\n",
	    errno);
	abort();
}

static int
is_mark(ucs4_t c)
{
	return uc_is_general_category(c, UC_CATEGORY_M);
}

static int
is_alnum(ucs4_t c)
{
	return uc_is_general_category(c, UC_CATEGORY_L) ||
	    uc_is_general_category(c, UC_CATEGORY_N);
}

/* Punctuation, symbols and spaces, and digits when digits is set: what
 * people stick on either end of a word. */
static int
is_edge(ucs4_t c, int digits)
{
	return uc_is_general_category(c, UC_CATEGORY_P) ||
	    uc_is_general_category(c, UC_CATEGORY_S) ||
	    uc_is_general_category(c, UC_CATEGORY_Z) ||
	    (digits && uc_is_general_category(c, UC_CATEGORY_N));
}

/*
 * Returns the skeleton of s (n bytes of valid UTF-8): case folded,
 * decomposed, without combining marks, and with keep == KEEP_ALNUM
 * without anything but letters and digits. The result is NUL-terminated,
 * its length in bytes goes to *lenp, and the caller frees it.
 */
static char *
skeleton(const char *s, size_t n, enum keep keep, size_t *lenp)
{
	uint8_t *folded;
	char *out;
	size_t flen = 0, i, o = 0;
	ucs4_t c;
	int k;

	if (n == 0) {
		*lenp = 0;
		return rb_xstrdup("");
	}
	folded = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFD, NULL,
	    &flen);
	if (folded == NULL)
		unistring_failed();
	out = rb_xmalloc(flen + 1);
	for (i = 0; i < flen; i += (size_t)k) {
		k = u8_mbtouc(&c, folded + i, flen - i);
		if (is_mark(c) || (keep == KEEP_ALNUM && !is_alnum(c)))
			continue;
		memcpy(out + o, folded + i, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	free(folded);
	*lenp = o;
	return out;
}

/* Skeleton of a NUL-terminated field of a person, or NULL when absent,
 * empty or not UTF-8. */
static char *
field_skeleton(const char *s, enum keep keep, size_t *lenp)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 ||
	    u8_check((const uint8_t *)s, n) != NULL)
		return NULL;
	return skeleton(s, n, keep, lenp);
}

static size_t
nchars(const char *s, size_t n)
{
	return u8_mbsnlen((const uint8_t *)s, n);
}

/* The list. */

static int
cmp_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_free(struct word_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->wl_len; i++)
		free(l->wl_words[i]);
	free(l->wl_words);
	free(l);
}

static void
list_add(struct word_list *l, size_t *cap, const char *w, size_t n)
{
	size_t len;

	if (l->wl_len == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		l->wl_words = rb_xrealloc(l->wl_words,
		    *cap * sizeof(*l->wl_words));
	}
	l->wl_words[l->wl_len++] = skeleton(w, n, KEEP_ALL, &len);
}

/* Whether the n bytes at s are a word of the list (caller holds the
 * lock). */
static int
list_has(const struct word_list *l, const char *s, size_t n)
{
	size_t lo = 0, hi = l->wl_len, mid;
	int c;

	while (lo < hi) {
		const char *w;
		size_t wn;

		mid = lo + (hi - lo) / 2;
		w = l->wl_words[mid];
		wn = strlen(w);
		c = memcmp(s, w, n < wn ? n : wn);
		if (c == 0)
			c = n < wn ? -1 : n > wn;
		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int
in_list(const char *s, size_t n)
{
	int found = 0;

	pthread_rwlock_rdlock(&list_lock);
	if (list != NULL)
		found = list_has(list, s, n);
	pthread_rwlock_unlock(&list_lock);
	return found;
}

int
rb_password_load_list(const char *path, char *err, size_t errlen)
{
	static const char comment[] = "#!comment:";
	struct word_list *l = NULL, *old;
	FILE *f = NULL;
	char *line = NULL;
	size_t linecap = 0, cap = 0, i, j, n;
	ssize_t got;
	int rc = -1;

	if (path == NULL)
		path = RB_PASSWORD_LIST_DEFAULT;
	if (err == NULL)
		errlen = 0;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot read the common-password list "
		    "%s: %s (Debian package john-data)", path,
		    strerror(errno));
		goto out;
	}
	l = rb_xcalloc(1, sizeof(*l));
	while ((got = getline(&line, &linecap, f)) != -1) {
		n = (size_t)got;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || strncmp(line, comment, sizeof(comment) - 1) == 0)
			continue;
		if (u8_check((const uint8_t *)line, n) != NULL)
			continue;	/* not UTF-8: cannot be typed here */
		list_add(l, &cap, line, n);
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read the common-password list "
		    "%s: %s", path, strerror(errno));
		goto out;
	}
	if (l->wl_len == 0) {
		snprintf(err, errlen, "the common-password list %s is empty",
		    path);
		goto out;
	}
	for (i = 0; i < RB_NELEM(french_common); i++)
		list_add(l, &cap, french_common[i], strlen(french_common[i]));

	qsort(l->wl_words, l->wl_len, sizeof(*l->wl_words), cmp_words);
	for (i = 1, j = 1; i < l->wl_len; i++) {
		if (strcmp(l->wl_words[i], l->wl_words[j - 1]) == 0)
			free(l->wl_words[i]);
		else
			l->wl_words[j++] = l->wl_words[i];
	}
	l->wl_len = j;

	pthread_rwlock_wrlock(&list_lock);
	old = list;
	list = l;
	pthread_rwlock_unlock(&list_lock);
	l = old;
	rc = 0;
out:
	list_free(l);
	free(line);
	if (f != NULL)
		fclose(f);
	return rc;
}

/* Loads the default list when none was loaded before the first check. */
static void
load_default_once(void)
{
	char err[512];
	int loaded;

	pthread_rwlock_rdlock(&list_lock);
	loaded = list != NULL;
	pthread_rwlock_unlock(&list_lock);
	if (!loaded && rb_password_load_list(NULL, err, sizeof(err)) != 0)
		log_errx("%s; common passwords are not refused", err);
}

/* Common passwords. */

/* A password's skeleton, character by character. */
struct text {
	const char	*tx_bytes;
	ucs4_t		*tx_chars;
	size_t		*tx_off;	/* byte offset of each character + end */
	size_t		 tx_len;	/* characters */
};

static void
text_init(struct text *t, const char *s, size_t n)
{
	size_t i;
	int k;

	t->tx_bytes = s;
	t->tx_chars = rb_xcalloc(n + 1, sizeof(*t->tx_chars));
	t->tx_off = rb_xcalloc(n + 1, sizeof(*t->tx_off));
	t->tx_len = 0;
	for (i = 0; i < n; i += (size_t)k) {
		k = u8_mbtouc(&t->tx_chars[t->tx_len], (const uint8_t *)s + i,
		    n - i);
		t->tx_off[t->tx_len++] = i;
	}
	t->tx_off[t->tx_len] = n;
}

static void
text_free(struct text *t)
{
	free(t->tx_chars);
	free(t->tx_off);
}

/* Whether characters [lo, hi) of t are a word of the list. */
static int
text_in_list(const struct text *t, size_t lo, size_t hi)
{
	return in_list(t->tx_bytes + t->tx_off[lo],
	    t->tx_off[hi] - t->tx_off[lo]);
}

/* Whether b follows a (dir 1) or precedes it (dir -1); digits wrap
 * around ("…7890…" is a run). */
static int
next_in_run(ucs4_t a, ucs4_t b, int dir)
{
	if (a >= '0' && a <= '9' && b >= '0' && b <= '9')
		return (b - '0' + 10 - (a - '0')) % 10 == (dir > 0 ? 1u : 9u);
	return dir > 0 ? b == a + 1 : a == b + 1;
}

static int
is_run(const ucs4_t *c, size_t n)
{
	int dir;
	size_t i;

	for (dir = -1; dir <= 1; dir += 2) {
		for (i = 1; i < n && next_in_run(c[i - 1], c[i], dir); i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

static int
has_period(const ucs4_t *c, size_t n, size_t unit)
{
	size_t i;

	for (i = unit; i < n; i++)
		if (c[i] != c[i - unit])
			return 0;
	return 1;
}

static int range_common(const struct text *, size_t, size_t);

/* Whether characters [lo, hi) of t, as they are, make a common password:
 * a word of the list, a run, or repeats of a short or common unit. */
static int
candidate_common(const struct text *t, size_t lo, size_t hi)
{
	size_t n = hi - lo, unit;

	if (n == 0)
		return 0;
	if (text_in_list(t, lo, hi))
		return 1;
	if (n < PATTERN_MIN_CHARS)
		return 0;
	if (is_run(t->tx_chars + lo, n))
		return 1;
	for (unit = 1; unit <= n / 2; unit++) {
		if (n % unit != 0 || !has_period(t->tx_chars + lo, n, unit))
			continue;
		if (unit <= SHORT_UNIT_CHARS || range_common(t, lo, lo + unit))
			return 1;
	}
	return 0;
}

/* Whether characters [lo, hi) of t make a common password as they are,
 * without the symbols on either end, or without symbols and digits. */
static int
range_common(const struct text *t, size_t lo, size_t hi)
{
	size_t a, b;
	int digits;

	if (candidate_common(t, lo, hi))
		return 1;
	for (digits = 0; digits <= 1; digits++) {
		for (a = lo; a < hi && is_edge(t->tx_chars[a], digits); a++)
			;
		for (b = hi; b > a && is_edge(t->tx_chars[b - 1], digits);
		    b--)
			;
		if ((a != lo || b != hi) && candidate_common(t, a, b))
			return 1;
	}
	return 0;
}

/* Personal data. */

static int
contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
	size_t i;

	if (nn == 0 || nn > hn)
		return 0;
	for (i = 0; i + nn <= hn; i++)
		if (memcmp(hay + i, needle, nn) == 0)
			return 1;
	return 0;
}

/*
 * Whether pw contains one of the words of s (n bytes, a skeleton) of at
 * least min_chars characters; words are split on anything that is not a
 * letter or a digit.
 */
static int
contains_a_word(const char *pw, size_t pwn, const char *s, size_t n,
    size_t min_chars)
{
	size_t i = 0, start;
	ucs4_t c;
	int k;

	while (i < n) {
		start = i;
		while (i < n) {
			k = u8_mbtouc(&c, (const uint8_t *)s + i, n - i);
			if (!is_alnum(c))
				break;
			i += (size_t)k;
		}
		if (i > start && nchars(s + start, i - start) >= min_chars &&
		    contains(pw, pwn, s + start, i - start))
			return 1;
		if (i < n) {
			k = u8_mbtouc(&c, (const uint8_t *)s + i, n - i);
			i += (size_t)k;
		}
	}
	return 0;
}

/*
 * Whether pw contains the email's local part (or the whole email when
 * the local part is shorter than NAME_MIN_CHARS), or with words set, one
 * of the words of the local part ("jeanne.martin": "jeanne", "martin").
 */
static int
contains_email(const char *pw, size_t pwn, const char *email, int words)
{
	char *e;
	const char *at;
	size_t n, local;
	int found;

	if ((e = field_skeleton(email, KEEP_ALL, &n)) == NULL)
		return 0;
	at = strrchr(e, '@');
	local = at != NULL ? (size_t)(at - e) : n;
	if (words)
		found = contains_a_word(pw, pwn, e, local, PART_MIN_CHARS);
	else if (nchars(e, local) >= NAME_MIN_CHARS)
		found = contains(pw, pwn, e, local);
	else
		found = contains(pw, pwn, e, n);
	free(e);
	return found;
}

static int
contains_name(const char *pw, size_t pwn, const char *name)
{
	char *s;
	size_t n;
	int found;

	if ((s = field_skeleton(name, KEEP_ALL, &n)) == NULL)
		return 0;
	found = (nchars(s, n) >= NAME_MIN_CHARS && contains(pw, pwn, s, n)) ||
	    contains_a_word(pw, pwn, s, n, PART_MIN_CHARS);
	free(s);
	return found;
}

static int
contains_contract(const char *pw_alnum, size_t pwn, const char *contract)
{
	char *s;
	size_t n;
	int found;

	if ((s = field_skeleton(contract, KEEP_ALNUM, &n)) == NULL)
		return 0;
	found = nchars(s, n) >= CONTRACT_MIN_CHARS &&
	    contains(pw_alnum, pwn, s, n);
	free(s);
	return found;
}

/* The check. */

static int
has_control(const uint8_t *s, size_t n)
{
	size_t i;
	ucs4_t c;
	int k;

	for (i = 0; i < n; i += (size_t)k) {
		k = u8_mbtouc(&c, s + i, n - i);
		if (uc_is_general_category(c, UC_CATEGORY_Cc))
			return 1;
	}
	return 0;
}

const char *
rb_password_check(const char *password, const struct rb_pw_person *who)
{
	const uint8_t *raw = (const uint8_t *)password;
	uint8_t *nfc = NULL;
	char *sk = NULL, *sk_alnum = NULL;
	struct text t = { 0 };
	const char *why = NULL;
	size_t n, nfc_len = 0, sk_len, alnum_len, len;

	pthread_once(&default_once, load_default_once);
	if (password == NULL)
		password = "";
	n = strlen(password);
	if (u8_check(raw, n) != NULL || has_control(raw, n)) {
		why = msg_invalid;
		goto out;
	}
	if (n > PW_MAX_BYTES) {
		why = msg_too_long;
		goto out;
	}
	if (n > 0 && (nfc = u8_normalize(UNINORM_NFC, raw, n, NULL,
	    &nfc_len)) == NULL)
		unistring_failed();
	len = nfc_len > 0 ? u8_mbsnlen(nfc, nfc_len) : 0;
	if (len < PW_MIN_CHARS) {
		why = msg_too_short;
		goto out;
	}
	if (len > PW_MAX_CHARS) {
		why = msg_too_long;
		goto out;
	}

	sk = skeleton((const char *)nfc, nfc_len, KEEP_ALL, &sk_len);
	text_init(&t, sk, sk_len);
	if (range_common(&t, 0, t.tx_len)) {
		why = msg_common;
		goto out;
	}
	if (who == NULL)
		goto out;
	if (contains_email(sk, sk_len, who->pp_email, 0)) {
		why = msg_email;
		goto out;
	}
	/* Names before the words of the email, which often repeat them:
	   "Martin" is refused as a name, not as an address. */
	if (contains_name(sk, sk_len, who->pp_last_name) ||
	    contains_name(sk, sk_len, who->pp_first_name)) {
		why = msg_name;
		goto out;
	}
	if (contains_email(sk, sk_len, who->pp_email, 1)) {
		why = msg_email;
		goto out;
	}
	sk_alnum = skeleton((const char *)nfc, nfc_len, KEEP_ALNUM,
	    &alnum_len);
	if (contains_contract(sk_alnum, alnum_len, who->pp_contract)) {
		why = msg_contract;
		goto out;
	}
out:
	text_free(&t);
	free(sk_alnum);
	free(sk);
	free(nfc);
	return why;
}
