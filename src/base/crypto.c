/*
 * crypto.c: secrets, tokens and password hashes (see crypto.h).
 *
 * Tokens and compares are thin wrappers over libsodium. Password hashing
 * (argon2id) and the verification of legacy crypt(3) hashes are costly
 * on purpose, so each runs inside one slot of a counting semaphore: at
 * most pp_max_concurrent at once in the process, so that a burst of
 * logins queues instead of exhausting memory (19 MiB or more each).
 *
 * Legacy hashes come from a file we did not write: before crypt_rn() is
 * called, the cost parameters are decoded from the string and checked
 * against caps, so a doctored hash cannot make one login cost minutes.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <sodium.h>

#include "crypto.h"
#include "log.h"
#include "mem.h"

_Static_assert(RB_PWHASH_MAX == crypto_pwhash_STRBYTES,
    "RB_PWHASH_MAX must match libsodium");
_Static_assert(RB_TOKEN_LEN + 1 == sodium_base64_ENCODED_LEN(32,
    sodium_base64_VARIANT_URLSAFE_NO_PADDING), "RB_TOKEN_LEN");
_Static_assert(RB_TOKEN_HASH_LEN == 2 * crypto_hash_sha256_BYTES,
    "RB_TOKEN_HASH_LEN");

#define TOKEN_BYTES		32
#define SHA512_ROUNDS_DEFAULT	5000
#define SHA512_ROUNDS_CAP	1000000ULL
#define BCRYPT_COST_CAP		14
#define YESCRYPT_NLOG2_CAP	16	/* N <= 2^16 */
#define YESCRYPT_R_CAP		32

/* The counting semaphore that bounds hashes running at once. */
struct hash_cap {
	pthread_mutex_t	hc_lock;
	pthread_cond_t	hc_cv;
	int		hc_max;		/* slots */
	int		hc_running;
	int		hc_max_seen;	/* test hook */
};

static struct hash_cap cap = {
	.hc_lock = PTHREAD_MUTEX_INITIALIZER,
	.hc_cv = PTHREAD_COND_INITIALIZER,
	.hc_max = 1,
};

static struct rb_pwhash_params params;
static int initialised;
/* Verified by rb_pwhash_dummy(): made once per rb_crypto_init(). */
static char dummy_hash[crypto_pwhash_STRBYTES];

static void
cap_enter(void)
{
	pthread_mutex_lock(&cap.hc_lock);
	while (cap.hc_running >= cap.hc_max)
		pthread_cond_wait(&cap.hc_cv, &cap.hc_lock);
	cap.hc_running++;
	if (cap.hc_running > cap.hc_max_seen)
		cap.hc_max_seen = cap.hc_running;
	pthread_mutex_unlock(&cap.hc_lock);
}

static void
cap_leave(void)
{
	pthread_mutex_lock(&cap.hc_lock);
	cap.hc_running--;
	pthread_cond_signal(&cap.hc_cv);
	pthread_mutex_unlock(&cap.hc_lock);
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
rb_crypto_init(const struct rb_pwhash_params *p, char *err, size_t errlen)
{
	unsigned char secret[TOKEN_BYTES];
	char hash[crypto_pwhash_STRBYTES];
	int rc = -1;

	if (sodium_init() < 0) {
		set_err(err, errlen, "libsodium cannot be initialised");
		goto out;
	}
	if (p->pp_opslimit < RB_PWHASH_MIN_OPSLIMIT) {
		set_err(err, errlen, "argon2id time cost t=%llu is below the "
		    "floor of %llu (OWASP)", p->pp_opslimit,
		    RB_PWHASH_MIN_OPSLIMIT);
		goto out;
	}
	if (p->pp_opslimit > crypto_pwhash_OPSLIMIT_MAX) {
		set_err(err, errlen, "argon2id time cost t=%llu is above "
		    "libsodium's maximum", p->pp_opslimit);
		goto out;
	}
	if (p->pp_memlimit < RB_PWHASH_MIN_MEMLIMIT) {
		set_err(err, errlen, "argon2id memory %zu bytes is below the "
		    "floor of 19 MiB (%zu bytes, OWASP)", p->pp_memlimit,
		    RB_PWHASH_MIN_MEMLIMIT);
		goto out;
	}
	if (p->pp_memlimit > crypto_pwhash_MEMLIMIT_MAX) {
		set_err(err, errlen, "argon2id memory %zu bytes is above "
		    "libsodium's maximum", p->pp_memlimit);
		goto out;
	}
	if (p->pp_max_concurrent < 1) {
		set_err(err, errlen, "at most %d password hashes at once: "
		    "must be at least 1", p->pp_max_concurrent);
		goto out;
	}

	/* The dummy hash, of a secret nobody knows; this also proves the
	   parameters work on this machine. */
	randombytes_buf(secret, sizeof(secret));
	if (crypto_pwhash_str(hash, (const char *)secret, sizeof(secret),
	    p->pp_opslimit, p->pp_memlimit) != 0) {
		set_err(err, errlen, "argon2id with t=%llu and %zu bytes "
		    "fails on this machine (out of memory?)", p->pp_opslimit,
		    p->pp_memlimit);
		goto out;
	}

	pthread_mutex_lock(&cap.hc_lock);
	params = *p;
	memcpy(dummy_hash, hash, sizeof(dummy_hash));
	cap.hc_max = p->pp_max_concurrent;
	cap.hc_max_seen = 0;
	initialised = 1;
	pthread_cond_broadcast(&cap.hc_cv);
	pthread_mutex_unlock(&cap.hc_lock);
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

int
rb_crypto_max_seen(void)
{
	int n;

	pthread_mutex_lock(&cap.hc_lock);
	n = cap.hc_max_seen;
	pthread_mutex_unlock(&cap.hc_lock);
	return n;
}

void
rb_token_new(char *out)
{
	unsigned char raw[TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, RB_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
rb_token_hash(const char *token, char *out)
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)token,
	    strlen(token));
	sodium_bin2hex(out, RB_TOKEN_HASH_LEN + 1, digest, sizeof(digest));
}

int
rb_ct_streq(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strlen(b) != n)
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}

int
rb_pwhash(const char *password, char *out)
{
	int rc;

	if (!initialised) {
		log_errx("called before rb_crypto_init");
		return -1;
	}
	cap_enter();
	rc = crypto_pwhash_str(out, password, strlen(password),
	    params.pp_opslimit, params.pp_memlimit);
	cap_leave();
	if (rc != 0) {
		log_errx("argon2id failed (out of memory?)");
		return -1;
	}
	return 0;
}

int
rb_pwhash_verify(const char *hash, const char *password)
{
	static const char prefix[] = "$argon2id$";
	int rc;

	if (!initialised) {
		log_errx("called before rb_crypto_init");
		return -1;
	}
	if (hash == NULL || password == NULL ||
	    strncmp(hash, prefix, sizeof(prefix) - 1) != 0 ||
	    strlen(hash) >= crypto_pwhash_STRBYTES)
		return -1;
	cap_enter();
	rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	cap_leave();
	return rc == 0 ? 0 : -1;
}

int
rb_pwhash_needs_rehash(const char *hash)
{
	if (hash == NULL || strlen(hash) >= crypto_pwhash_STRBYTES)
		return 1;
	return crypto_pwhash_str_needs_rehash(hash, params.pp_opslimit,
	    params.pp_memlimit) != 0;
}

void
rb_pwhash_dummy(const char *password)
{
	(void)rb_pwhash_verify(dummy_hash,
	    password != NULL ? password : "");
}

/* Legacy hashes. */

/*
 * Checks the cost of a "$6$[rounds=N$]salt$hash" string. Returns 0 when
 * within the cap, -1 with why (for the log) otherwise.
 */
static int
sha512crypt_cost_ok(const char *h, char *why, size_t whylen)
{
	static const char key[] = "rounds=";
	unsigned long long rounds = SHA512_ROUNDS_DEFAULT;
	int digits = 0;

	h += 3;
	if (strncmp(h, key, sizeof(key) - 1) == 0) {
		h += sizeof(key) - 1;
		rounds = 0;
		for (; *h >= '0' && *h <= '9'; h++) {
			if (++digits > 10) {
				snprintf(why, whylen, "rounds too long");
				return -1;
			}
			rounds = rounds * 10 + (unsigned)(*h - '0');
		}
		if (digits == 0 || *h != '$') {
			snprintf(why, whylen, "malformed rounds");
			return -1;
		}
	}
	if (rounds > SHA512_ROUNDS_CAP) {
		snprintf(why, whylen, "rounds=%llu above the cap of %llu",
		    rounds, SHA512_ROUNDS_CAP);
		return -1;
	}
	return 0;
}

/* Checks the cost of a "$2b$NN$…" string (h points at '$'). */
static int
bcrypt_cost_ok(const char *h, char *why, size_t whylen)
{
	int cost;

	h += 4;
	if (h[0] < '0' || h[0] > '9' || h[1] < '0' || h[1] > '9' ||
	    h[2] != '$') {
		snprintf(why, whylen, "malformed cost");
		return -1;
	}
	cost = (h[0] - '0') * 10 + (h[1] - '0');
	if (cost > BCRYPT_COST_CAP) {
		snprintf(why, whylen, "cost %d above the cap of %d", cost,
		    BCRYPT_COST_CAP);
		return -1;
	}
	return 0;
}

/* Value of one character of the crypt(3) base-64 alphabet
 * "./0-9A-Za-z", or -1. */
static int
crypt64_value(char c)
{
	if (c == '.')
		return 0;
	if (c == '/')
		return 1;
	if (c >= '0' && c <= '9')
		return c - '0' + 2;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 12;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 38;
	return -1;
}

/*
 * Decodes one of yescrypt's variable-length integers at *pp and
 * advances *pp. The first character tells the length: values 0-47 stand
 * alone, 48-55 take one more character, 56-59 two, 60-61 three, 62 four
 * and 63 five; each length continues the numbering where the shorter one
 * stopped, and the further characters are the low bits, six per
 * character, most significant first. min is added (N's log2 and r are
 * stored minus 1). Returns 0, or -1 when malformed.
 */
static int
yescrypt_uint(const char **pp, uint64_t min, uint64_t *out)
{
	const char *p = *pp;
	uint64_t value = min;
	int first, start = 0, end = 47, extra = 0, c, i;

	if ((first = crypt64_value(*p++)) < 0)
		return -1;
	while (first > end) {
		/* Skip every value the shorter encodings cover. */
		value += (uint64_t)(end + 1 - start) << (6 * extra);
		start = end + 1;
		end = start + (62 - end) / 2;
		extra++;
	}
	value += (uint64_t)(first - start) << (6 * extra);
	for (i = extra - 1; i >= 0; i--) {
		if ((c = crypt64_value(*p++)) < 0)
			return -1;
		value += (uint64_t)c << (6 * i);
	}
	*pp = p;
	*out = value;
	return 0;
}

/*
 * Checks the cost of a "$y$params$salt$hash" string. The params field
 * holds, as yescrypt integers, the flavour, log2(N) - 1 and r - 1 (so
 * Debian's default "j9T" is flavour 47, N = 2^12, r = 32), then optional
 * extras (p, t, g, ROM) that no default setting produces: those are
 * refused.
 */
static int
yescrypt_cost_ok(const char *h, char *why, size_t whylen)
{
	const char *p = h + 3;
	uint64_t flavour, nlog2, r;

	if (yescrypt_uint(&p, 0, &flavour) != 0 ||
	    yescrypt_uint(&p, 1, &nlog2) != 0 ||
	    yescrypt_uint(&p, 1, &r) != 0) {
		snprintf(why, whylen, "malformed parameters");
		return -1;
	}
	if (*p != '$') {
		snprintf(why, whylen, "extra parameters not supported");
		return -1;
	}
	if (nlog2 > YESCRYPT_NLOG2_CAP) {
		snprintf(why, whylen, "N=2^%llu above the cap of 2^%d",
		    (unsigned long long)nlog2, YESCRYPT_NLOG2_CAP);
		return -1;
	}
	if (r > YESCRYPT_R_CAP) {
		snprintf(why, whylen, "r=%llu above the cap of %d",
		    (unsigned long long)r, YESCRYPT_R_CAP);
		return -1;
	}
	return 0;
}

struct legacy_scheme {
	const char	*ls_prefix;
	const char	*ls_name;
	int		(*ls_cost_ok)(const char *, char *, size_t);
};

static const struct legacy_scheme legacy_schemes[] = {
	{ "$6$", "sha512crypt", sha512crypt_cost_ok },
	{ "$2a$", "bcrypt", bcrypt_cost_ok },
	{ "$2b$", "bcrypt", bcrypt_cost_ok },
	{ "$2y$", "bcrypt", bcrypt_cost_ok },
	{ "$y$", "yescrypt", yescrypt_cost_ok },
};

/* Writes into out a loggable name for an unknown hash: its "$id$"
 * prefix when it has a short one, else "unknown". */
static void
unknown_scheme(const char *h, char *out, size_t outlen)
{
	size_t i;

	if (h[0] == '$') {
		for (i = 1; i < 9 && (h[i] == '-' ||
		    (h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= '0' && h[i] <= '9')); i++)
			;
		if (i > 1 && h[i] == '$') {
			snprintf(out, outlen, "%.*s", (int)i + 1, h);
			return;
		}
	}
	snprintf(out, outlen, "unknown");
}

enum rb_legacy
rb_legacy_verify(const char *hash, const char *password)
{
	const struct legacy_scheme *ls = NULL;
	struct crypt_data *cd = NULL;
	const char *res, *sep;
	char why[96], name[16];
	enum rb_legacy rc = RB_LEGACY_REFUSED;
	size_t i;

	if (hash == NULL || password == NULL) {
		log_warnx("legacy hash refused: missing");
		goto out;
	}
	/* A legacy hash already upgraded after its first verification. */
	if (strncmp(hash, "$argon2id$", 10) == 0) {
		if (crypto_pwhash_str_needs_rehash(hash, params.pp_opslimit,
		    params.pp_memlimit) == -1) {
			log_warnx("legacy hash refused: malformed argon2id");
			goto out;
		}
		rc = rb_pwhash_verify(hash, password) == 0 ? RB_LEGACY_OK :
		    RB_LEGACY_MISMATCH;
		goto out;
	}
	for (i = 0; i < RB_NELEM(legacy_schemes); i++)
		if (strncmp(hash, legacy_schemes[i].ls_prefix,
		    strlen(legacy_schemes[i].ls_prefix)) == 0) {
			ls = &legacy_schemes[i];
			break;
		}
	if (ls == NULL) {
		unknown_scheme(hash, name, sizeof(name));
		log_warnx("legacy hash refused: scheme=%s not supported",
		    name);
		goto out;
	}
	if (strlen(hash) >= CRYPT_OUTPUT_SIZE) {
		log_warnx("legacy hash refused: scheme=%s too long",
		    ls->ls_name);
		goto out;
	}
	if (ls->ls_cost_ok(hash, why, sizeof(why)) != 0) {
		log_warnx("legacy hash refused: scheme=%s %s", ls->ls_name,
		    why);
		goto out;
	}

	/* 32 KiB: on the heap rather than on a worker thread's stack. */
	cd = rb_xcalloc(1, sizeof(*cd));
	cap_enter();
	res = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	cap_leave();
	if (res == NULL || res[0] != '$') {
		log_warnx("legacy hash refused: scheme=%s malformed",
		    ls->ls_name);
		goto out;
	}
	/* A well-formed hash is shaped like crypt's answer: the same
	   setting (up to the last '$') and the same length. */
	sep = strrchr(res, '$');
	if (strlen(res) != strlen(hash) ||
	    strncmp(res, hash, (size_t)(sep - res) + 1) != 0) {
		log_warnx("legacy hash refused: scheme=%s malformed",
		    ls->ls_name);
		goto out;
	}
	rc = rb_ct_streq(res, hash) ? RB_LEGACY_OK : RB_LEGACY_MISMATCH;
out:
	if (cd != NULL) {
		sodium_memzero(cd, sizeof(*cd));
		free(cd);
	}
	return rc;
}

void
rb_hmac_sha256_b64(const char *key, size_t keylen, const char *msg,
    size_t len, char out[RB_HMAC_B64_LEN])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, RB_HMAC_B64_LEN, mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(&st, sizeof(st));
}
