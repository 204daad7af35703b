/*
 * test_crypto.c: unit tests of src/base/crypto.c: token shape, alphabet
 * and uniqueness; token hashes; constant-time equality; argon2id round
 * trip, floors and re-hash detection; the cap on hashes running at once
 * (argon2id and legacy alike); the dummy verification; legacy hashes
 * made here with libxcrypt (sha512crypt, bcrypt, yescrypt) verified,
 * refused above the cost caps, for unknown schemes and when malformed,
 * with a warning that names the scheme and never the hash.
 *
 * Argon2id runs at the floor (19 MiB, t = 2): nothing lower is allowed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/log.h"

#define NTOKENS	1000

static const struct rb_pwhash_params floor_params = {
	.pp_opslimit = 2,
	.pp_memlimit = 19 * 1024 * 1024,
	.pp_max_concurrent = 2,
};

static void
init_with(unsigned long long t, size_t m, int conc)
{
	struct rb_pwhash_params p = { t, m, conc };
	char err[256];

	if (rb_crypto_init(&p, err, sizeof(err)) != 0)
		fail_msg("rb_crypto_init: %s", err);
}

static int
setup(void **state)
{
	(void)state;
	init_with(floor_params.pp_opslimit, floor_params.pp_memlimit,
	    floor_params.pp_max_concurrent);
	return 0;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_strings(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Tokens. */

static void
test_token_shape_alphabet_and_uniqueness(void **state)
{
	static char tokens[NTOKENS][RB_TOKEN_LEN + 1];
	size_t i, j;

	(void)state;
	for (i = 0; i < NTOKENS; i++) {
		memset(tokens[i], 'x', sizeof(tokens[i]));
		rb_token_new(tokens[i]);
		assert_int_equal(strlen(tokens[i]), RB_TOKEN_LEN);
		for (j = 0; j < RB_TOKEN_LEN; j++) {
			char c = tokens[i][j];

			assert_true((c >= 'A' && c <= 'Z') ||
			    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_');
		}
	}
	qsort(tokens, NTOKENS, sizeof(tokens[0]), cmp_strings);
	for (i = 1; i < NTOKENS; i++)
		assert_string_not_equal(tokens[i - 1], tokens[i]);
}

static void
test_token_hash_is_hex_sha256_and_stable(void **state)
{
	char tok[RB_TOKEN_LEN + 1], h1[RB_TOKEN_HASH_LEN + 1];
	char h2[RB_TOKEN_HASH_LEN + 1], h3[RB_TOKEN_HASH_LEN + 1];
	size_t i;

	(void)state;
	/* FIPS 180-2 test vector. */
	rb_token_hash("abc", h1);
	assert_string_equal(h1, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");

	rb_token_new(tok);
	rb_token_hash(tok, h1);
	rb_token_hash(tok, h2);
	assert_int_equal(strlen(h1), RB_TOKEN_HASH_LEN);
	for (i = 0; i < RB_TOKEN_HASH_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", h1[i]));
	assert_string_equal(h1, h2);
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	rb_token_hash(tok, h3);
	assert_string_not_equal(h1, h3);
}

static void
test_ct_streq(void **state)
{
	(void)state;
	assert_int_equal(rb_ct_streq("", ""), 1);
	assert_int_equal(rb_ct_streq("abcdef", "abcdef"), 1);
	assert_int_equal(rb_ct_streq("abcdef", "abcdeg"), 0);
	assert_int_equal(rb_ct_streq("bbcdef", "abcdef"), 0);
	assert_int_equal(rb_ct_streq("abc", "abcd"), 0);
	assert_int_equal(rb_ct_streq("abcd", "abc"), 0);
	assert_int_equal(rb_ct_streq("", "a"), 0);
}

/* Argon2id. */

static void
test_pwhash_round_trip_and_mismatch(void **state)
{
	char h1[RB_PWHASH_MAX], h2[RB_PWHASH_MAX];

	(void)state;
	assert_int_equal(rb_pwhash("eau-potable-2024", h1), 0);
	assert_non_null(strstr(h1, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_true(strncmp(h1, "$argon2id$", 10) == 0);
	assert_int_equal(rb_pwhash_verify(h1, "eau-potable-2024"), 0);
	assert_int_equal(rb_pwhash_verify(h1, "eau-potable-2025"), -1);
	assert_int_equal(rb_pwhash_verify(h1, "eau-potable-202"), -1);
	assert_int_equal(rb_pwhash_verify(h1, ""), -1);

	/* A fresh salt each time. */
	assert_int_equal(rb_pwhash("eau-potable-2024", h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(rb_pwhash_verify(h2, "eau-potable-2024"), 0);

	/* Multibyte passwords are bytes like any other. */
	assert_int_equal(rb_pwhash("château d'eau ééé", h2), 0);
	assert_int_equal(rb_pwhash_verify(h2, "château d'eau ééé"), 0);
	assert_int_equal(rb_pwhash_verify(h2, "chateau d'eau eee"), -1);

	/* Not argon2id, damaged, empty. */
	assert_int_equal(rb_pwhash_verify("$6$abc$def", "x"), -1);
	assert_int_equal(rb_pwhash_verify("", "x"), -1);
	assert_int_equal(rb_pwhash_verify("$argon2id$v=19$m=19456", "x"),
	    -1);
	h1[strlen(h1) - 3] = h1[strlen(h1) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(rb_pwhash_verify(h1, "eau-potable-2024"), -1);
}

static void
test_floors_refused_with_a_message(void **state)
{
	struct rb_pwhash_params p = floor_params;
	char err[256], h[RB_PWHASH_MAX];

	(void)state;
	p.pp_opslimit = 1;
	err[0] = '\0';
	assert_int_equal(rb_crypto_init(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t=1"));
	assert_non_null(strstr(err, "floor of 2"));

	p = floor_params;
	p.pp_memlimit = 19 * 1024 * 1024 - 1;
	err[0] = '\0';
	assert_int_equal(rb_crypto_init(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "19922943 bytes"));
	assert_non_null(strstr(err, "floor of 19 MiB"));

	p = floor_params;
	p.pp_max_concurrent = 0;
	err[0] = '\0';
	assert_int_equal(rb_crypto_init(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at least 1"));

	/* The floor itself is fine. */
	p = floor_params;
	assert_int_equal(rb_crypto_init(&p, err, sizeof(err)), 0);

	/* A refused init leaves the previous parameters in force. */
	p.pp_opslimit = 0;
	assert_int_equal(rb_crypto_init(&p, err, sizeof(err)), -1);
	assert_int_equal(rb_pwhash("ancien-mdp-2023", h), 0);
	assert_non_null(strstr(h, "m=19456,t=2,p=1$"));
}

static void
test_needs_rehash_after_parameters_change(void **state)
{
	char old[RB_PWHASH_MAX], cur[RB_PWHASH_MAX];

	(void)state;
	assert_int_equal(rb_pwhash("eau-potable-2024", old), 0);
	assert_int_equal(rb_pwhash_needs_rehash(old), 0);

	init_with(3, 19 * 1024 * 1024, 2);
	assert_int_equal(rb_pwhash_needs_rehash(old), 1);
	/* Old hashes still verify until they are replaced. */
	assert_int_equal(rb_pwhash_verify(old, "eau-potable-2024"), 0);
	assert_int_equal(rb_pwhash("eau-potable-2024", cur), 0);
	assert_non_null(strstr(cur, "t=3"));
	assert_int_equal(rb_pwhash_needs_rehash(cur), 0);

	init_with(3, 20 * 1024 * 1024, 2);
	assert_int_equal(rb_pwhash_needs_rehash(cur), 1);

	assert_int_equal(rb_pwhash_needs_rehash("not a hash"), 1);
	assert_int_equal(rb_pwhash_needs_rehash(""), 1);
}

/* The cap. */

struct worker {
	pthread_barrier_t	*w_barrier;
	int			 w_legacy;	/* else argon2id */
	const char		*w_legacy_hash;
	int			 w_ok;
};

static void *
hash_worker(void *arg)
{
	struct worker *w = arg;
	char h[RB_PWHASH_MAX];

	pthread_barrier_wait(w->w_barrier);
	if (w->w_legacy)
		w->w_ok = rb_legacy_verify(w->w_legacy_hash,
		    "ancien-mdp-2023") == RB_LEGACY_OK &&
		    rb_legacy_verify(w->w_legacy_hash, "ancien-mdp-2023") ==
		    RB_LEGACY_OK;
	else
		w->w_ok = rb_pwhash("eau-potable-2024", h) == 0 &&
		    rb_pwhash_verify(h, "eau-potable-2024") == 0;
	return NULL;
}

/* Runs 4 threads at once (legacy ones first) and returns the highest
 * concurrency seen. */
static int
run_four(int nlegacy, const char *legacy_hash)
{
	pthread_t th[4];
	struct worker w[4];
	pthread_barrier_t b;
	int i;

	pthread_barrier_init(&b, NULL, 4);
	for (i = 0; i < 4; i++) {
		w[i].w_barrier = &b;
		w[i].w_legacy = i < nlegacy;
		w[i].w_legacy_hash = legacy_hash;
		w[i].w_ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, hash_worker,
		    &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].w_ok, 1);
	}
	pthread_barrier_destroy(&b);
	return rb_crypto_max_seen();
}

static void
test_cap_of_one_is_honoured(void **state)
{
	(void)state;
	init_with(2, 19 * 1024 * 1024, 1);
	assert_int_equal(rb_crypto_max_seen(), 0);
	assert_int_equal(run_four(0, NULL), 1);
}

static void
test_cap_of_two_lets_two_run(void **state)
{
	(void)state;
	init_with(2, 19 * 1024 * 1024, 2);
	assert_int_equal(run_four(0, NULL), 2);
}

static void
test_legacy_counts_against_the_cap(void **state)
{
	struct crypt_data cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], hash[CRYPT_OUTPUT_SIZE];
	const char *h;

	(void)state;
	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn("$6$", 0, NULL, 0, setting,
	    (int)sizeof(setting)));
	h = crypt_rn("ancien-mdp-2023", setting, &cd, (int)sizeof(cd));
	assert_non_null(h);
	snprintf(hash, sizeof(hash), "%s", h);

	init_with(2, 19 * 1024 * 1024, 1);
	assert_int_equal(rb_legacy_verify(hash, "ancien-mdp-2023"),
	    RB_LEGACY_OK);
	assert_int_equal(rb_crypto_max_seen(), 1);

	/* Two threads verifying legacy hashes, two hashing argon2id. */
	init_with(2, 19 * 1024 * 1024, 1);
	assert_int_equal(run_four(2, hash), 1);
}

static void
test_dummy_costs_a_verification(void **state)
{
	char h[RB_PWHASH_MAX];
	double t0, real, dummy;

	(void)state;
	assert_int_equal(rb_pwhash("eau-potable-2024", h), 0);
	init_with(2, 19 * 1024 * 1024, 2);
	t0 = now_seconds();
	assert_int_equal(rb_pwhash_verify(h, "wrong password"), -1);
	real = now_seconds() - t0;

	init_with(2, 19 * 1024 * 1024, 2);
	assert_int_equal(rb_crypto_max_seen(), 0);
	t0 = now_seconds();
	rb_pwhash_dummy("wrong password");
	rb_pwhash_dummy(NULL);
	dummy = (now_seconds() - t0) / 2;
	/* It ran a real argon2id verification, under the cap. */
	assert_int_equal(rb_crypto_max_seen(), 1);
	assert_true(dummy > real / 4);
}

/* Legacy hashes. */

/* Makes a hash of password with libxcrypt: prefix and count as for
 * crypt_gensalt(3). */
static void
make_legacy(const char *prefix, unsigned long count, const char *password,
    char *out, size_t outlen)
{
	struct crypt_data cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	memset(&cd, 0, sizeof(cd));
	if (crypt_gensalt_rn(prefix, count, NULL, 0, setting,
	    (int)sizeof(setting)) == NULL)
		fail_msg("crypt_gensalt_rn(%s, %lu) failed", prefix, count);
	h = crypt_rn(password, setting, &cd, (int)sizeof(cd));
	if (h == NULL)
		fail_msg("crypt_rn(%s) failed", setting);
	snprintf(out, outlen, "%s", h);
}

static void
assert_right_and_wrong(const char *hash)
{
	assert_int_equal(rb_legacy_verify(hash, "ancien-mdp-2023"),
	    RB_LEGACY_OK);
	assert_int_equal(rb_legacy_verify(hash, "ancien-mdp-2024"),
	    RB_LEGACY_MISMATCH);
	assert_int_equal(rb_legacy_verify(hash, ""), RB_LEGACY_MISMATCH);
}

/* The sha512crypt hash h (made with rounds=1000) with other rounds; the
 * result is in a static buffer. */
static const char *
raise_rounds(const char *h, const char *rounds)
{
	static char out[CRYPT_OUTPUT_SIZE + 32];
	const char *rest = strchr(h + strlen("$6$rounds="), '$');

	assert_non_null(rest);
	snprintf(out, sizeof(out), "$6$rounds=%s%s", rounds, rest);
	return out;
}

static void
test_legacy_sha512crypt(void **state)
{
	char h[CRYPT_OUTPUT_SIZE];

	(void)state;
	make_legacy("$6$", 0, "ancien-mdp-2023", h, sizeof(h));
	assert_true(strncmp(h, "$6$", 3) == 0);
	assert_right_and_wrong(h);

	make_legacy("$6$", 1000, "ancien-mdp-2023", h, sizeof(h));
	assert_true(strncmp(h, "$6$rounds=1000$", 15) == 0);
	assert_right_and_wrong(h);

	make_legacy("$6$", 20000, "ancien-mdp-2023", h, sizeof(h));
	assert_true(strncmp(h, "$6$rounds=20000$", 16) == 0);
	assert_right_and_wrong(h);

	/* Above the cap: refused before any work. The strings are real
	   hashes with the rounds raised, so that without the cap they would
	   be computed (and mismatch) rather than refused as malformed. */
	make_legacy("$6$", 1000, "ancien-mdp-2023", h, sizeof(h));
	assert_int_equal(rb_legacy_verify(raise_rounds(h, "2000000"),
	    "ancien-mdp-2023"), RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify(raise_rounds(h, "1000001"),
	    "ancien-mdp-2023"), RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify(raise_rounds(h,
	    "99999999999999999999999"), "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
}

static void
test_legacy_bcrypt(void **state)
{
	static const char *const prefixes[] = { "$2b$", "$2a$", "$2y$" };
	char h[CRYPT_OUTPUT_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		make_legacy(prefixes[i], 4, "ancien-mdp-2023", h, sizeof(h));
		assert_true(strncmp(h, prefixes[i], 4) == 0);
		assert_true(strncmp(h + 4, "04$", 3) == 0);
		assert_right_and_wrong(h);
	}
	make_legacy("$2b$", 5, "ancien-mdp-2023", h, sizeof(h));
	assert_right_and_wrong(h);

	/* Cost 15: the same string with the cost raised is refused. */
	make_legacy("$2b$", 4, "ancien-mdp-2023", h, sizeof(h));
	h[4] = '1';
	h[5] = '5';
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
	h[5] = '9';
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
	h[4] = '3';
	h[5] = '1';
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
}

static void
test_legacy_yescrypt(void **state)
{
	char h[CRYPT_OUTPUT_SIZE];

	(void)state;
	/* Debian's default cost. */
	make_legacy("$y$", 0, "ancien-mdp-2023", h, sizeof(h));
	assert_true(strncmp(h, "$y$j9T$", 7) == 0);
	assert_right_and_wrong(h);
	/* Cheaper settings (r = 8, then N = 2^11) decode and verify. */
	make_legacy("$y$", 1, "ancien-mdp-2023", h, sizeof(h));
	assert_right_and_wrong(h);
	make_legacy("$y$", 4, "ancien-mdp-2023", h, sizeof(h));
	assert_right_and_wrong(h);

	/* Counts 10 and 11 mean N = 2^17 and 2^18: above the cap. */
	make_legacy("$y$", 0, "x", h, sizeof(h));
	{
		char setting[CRYPT_GENSALT_OUTPUT_SIZE];
		char fake[CRYPT_OUTPUT_SIZE];

		assert_non_null(crypt_gensalt_rn("$y$", 10, NULL, 0, setting,
		    (int)sizeof(setting)));
		snprintf(fake, sizeof(fake), "%s$%s", setting,
		    strrchr(h, '$') + 1);
		assert_int_equal(rb_legacy_verify(fake, "x"),
		    RB_LEGACY_REFUSED);
		assert_non_null(crypt_gensalt_rn("$y$", 11, NULL, 0, setting,
		    (int)sizeof(setting)));
		snprintf(fake, sizeof(fake), "%s$%s", setting,
		    strrchr(h, '$') + 1);
		assert_int_equal(rb_legacy_verify(fake, "x"),
		    RB_LEGACY_REFUSED);
	}

	/* Crafted parameters: N = 2^18 ("F"), r = 33 ("U"), r = 49 in two
	   characters ("k."), extra parameters, truncated fields. */
	assert_int_equal(rb_legacy_verify("$y$jFT$saltsalt$"
	    "0123456789012345678901234567890123456789012", "x"),
	    RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$j9U$saltsalt$"
	    "0123456789012345678901234567890123456789012", "x"),
	    RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$j9k.$saltsalt$"
	    "0123456789012345678901234567890123456789012", "x"),
	    RB_LEGACY_REFUSED);
	/* Extra parameters (here t = 1, "/."), which libxcrypt would
	   honour: refused. */
	make_legacy("$y$", 0, "x", h, sizeof(h));
	{
		char fake[CRYPT_OUTPUT_SIZE + 8];

		snprintf(fake, sizeof(fake), "$y$j9T/.%s", h + 6);
		assert_int_equal(rb_legacy_verify(fake, "x"),
		    RB_LEGACY_REFUSED);
	}
	assert_int_equal(rb_legacy_verify("$y$j9$", "x"), RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$j$", "x"), RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$$", "x"), RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$", "x"), RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$~~~$", "x"),
	    RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$y$zzzzzzzzzzzz$", "x"),
	    RB_LEGACY_REFUSED);
}

static void
test_legacy_unknown_and_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"", "$", "$$", "$$$", "$6", "$6$", "$6$$", "$6$rounds=$x$y",
		"$6$rounds=abc$x$y", "$6$rounds=5000", "$6$salt",
		"$6$salt$short", "$2b$", "$2b$1", "$2b$1$", "$2b$ab$x",
		"$2b$04", "$2b$04$", "$2b$04$tooshort", "$2x$04$abc",
		"$5$saltsalt$abc", "$7$abc", "$gy$j9T$abc$def", "$argon2id$x",
		"abcdefghijklm", "*", "!", "*0", "$1$",
	};
	char h[CRYPT_OUTPUT_SIZE], longest[1000];
	size_t i;

	(void)state;
	make_legacy("$1$", 0, "ancien-mdp-2023", h, sizeof(h));
	assert_true(strncmp(h, "$1$", 3) == 0);
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
	make_legacy("$5$", 0, "ancien-mdp-2023", h, sizeof(h));
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rb_legacy_verify(bad[i], "ancien-mdp-2023") !=
		    RB_LEGACY_REFUSED)
			fail_msg("not refused: \"%s\"", bad[i]);

	/* An upgraded (argon2id) legacy hash verifies like a password. */
	assert_int_equal(rb_pwhash("ancien-mdp-2023", h), 0);
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_OK);
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2024"),
	    RB_LEGACY_MISMATCH);

	/* A truncated or extended real hash is refused, not a mismatch. */
	make_legacy("$6$", 0, "ancien-mdp-2023", h, sizeof(h));
	h[strlen(h) - 1] = '\0';
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
	make_legacy("$6$", 0, "ancien-mdp-2023", h, sizeof(h));
	strcat(h, "A");
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);

	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memcpy(longest, "$6$", 3);
	assert_int_equal(rb_legacy_verify(longest, "x"), RB_LEGACY_REFUSED);

	assert_int_equal(rb_legacy_verify(NULL, "x"), RB_LEGACY_REFUSED);
	make_legacy("$6$", 0, "ancien-mdp-2023", h, sizeof(h));
	assert_int_equal(rb_legacy_verify(h, NULL), RB_LEGACY_REFUSED);
}

static void
test_legacy_warning_names_scheme_never_hash(void **state)
{
	char h[CRYPT_OUTPUT_SIZE], salt[32], text[4096];
	int fds[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	rb_log_set_fd(fds[1]);
	rb_log_set_level(RB_LOG_INFO);

	make_legacy("$2b$", 4, "ancien-mdp-2023", h, sizeof(h));
	snprintf(salt, sizeof(salt), "%.22s", h + 7);
	h[4] = '1';
	h[5] = '5';
	assert_int_equal(rb_legacy_verify(h, "ancien-mdp-2023"),
	    RB_LEGACY_REFUSED);
	assert_int_equal(rb_legacy_verify("$1$abcdefgh$SECRETPART",
	    "ancien-mdp-2023"), RB_LEGACY_REFUSED);

	rb_log_set_fd(2);
	rb_log_set_level(RB_LOG_ERROR);
	n = read(fds[0], text, sizeof(text) - 1);
	close(fds[0]);
	close(fds[1]);
	assert_true(n > 0);
	text[n] = '\0';
	assert_non_null(strstr(text, "level=warn"));
	assert_non_null(strstr(text, "bcrypt"));
	assert_non_null(strstr(text, "cost 15 above the cap of 14"));
	assert_non_null(strstr(text, "scheme=$1$"));
	assert_null(strstr(text, salt));
	assert_null(strstr(text, "abcdefgh"));
	assert_null(strstr(text, "SECRETPART"));
	assert_null(strstr(text, "ancien-mdp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_shape_alphabet_and_uniqueness),
		cmocka_unit_test(test_token_hash_is_hex_sha256_and_stable),
		cmocka_unit_test(test_ct_streq),
		cmocka_unit_test_setup(test_pwhash_round_trip_and_mismatch,
		    setup),
		cmocka_unit_test_setup(test_floors_refused_with_a_message,
		    setup),
		cmocka_unit_test_setup(
		    test_needs_rehash_after_parameters_change, setup),
		cmocka_unit_test_setup(test_cap_of_one_is_honoured, setup),
		cmocka_unit_test_setup(test_cap_of_two_lets_two_run, setup),
		cmocka_unit_test_setup(test_legacy_counts_against_the_cap,
		    setup),
		cmocka_unit_test_setup(test_dummy_costs_a_verification, setup),
		cmocka_unit_test_setup(test_legacy_sha512crypt, setup),
		cmocka_unit_test_setup(test_legacy_bcrypt, setup),
		cmocka_unit_test_setup(test_legacy_yescrypt, setup),
		cmocka_unit_test_setup(
		    test_legacy_unknown_and_malformed_refused, setup),
		cmocka_unit_test_setup(
		    test_legacy_warning_names_scheme_never_hash, setup),
	};

	/* The refusals below warn by design: keep the output readable. */
	rb_log_set_level(RB_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
