/*
 * test_password.c: unit tests of src/app/password.c, against Debian's
 * /usr/share/john/password.lst (package john-data): every rule and its
 * French message; lengths counted in characters after NFC; the 128 cap;
 * common passwords (list words alone or with digits and symbols around
 * them, runs, repeats); personal data (email, names, contract number)
 * ignoring case and accents; the demo passwords accepted; loading and
 * reloading the list, also while other threads check passwords.
 *
 * The first group runs before any explicit load and shows that the first
 * check loads the default list by itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/password.h"

#define MSG_INVALID	"Le mot de passe contient des caractères invalides."
#define MSG_SHORT	"Le mot de passe doit contenir au moins 12 caractères."
#define MSG_LONG	"Le mot de passe doit contenir au plus 128 caractères."
#define MSG_COMMON	"Ce mot de passe est trop courant : " \
			"choisissez-en un autre."
#define MSG_EMAIL	"Le mot de passe ne doit pas contenir votre " \
			"adresse e-mail."
#define MSG_NAME	"Le mot de passe ne doit pas contenir votre nom."
#define MSG_CONTRACT	"Le mot de passe ne doit pas contenir votre " \
			"numéro de contrat."

/* A password nobody would refuse, for people it does not name. */
#define GOOD		"tigre-vert-lune"

static const struct rb_pw_person jeanne = {
	.pp_email = "jeanne.martin@example.fr",
	.pp_last_name = "Martin",
	.pp_first_name = "Jeanne",
	.pp_contract = "1000000001",
};

/* Verdict as a string, "OK" when accepted, for readable failures. */
static const char *
check(const char *pw, const struct rb_pw_person *who)
{
	const char *why = rb_password_check(pw, who);

	return why != NULL ? why : "OK";
}

static int
load_default(void **state)
{
	char err[512];

	(void)state;
	if (rb_password_load_list(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static void
test_first_check_loads_the_default_list(void **state)
{
	(void)state;
	assert_string_equal(check("password1234", NULL), MSG_COMMON);
	assert_string_equal(check(GOOD, NULL), "OK");
}

static void
test_length_is_counted_in_characters(void **state)
{
	(void)state;
	assert_string_equal(check("", NULL), MSG_SHORT);
	assert_string_equal(check(NULL, NULL), MSG_SHORT);
	assert_string_equal(check("tigre-vert7", NULL), MSG_SHORT);
	assert_string_equal(check("tigre-vert77", NULL), "OK");

	/* 2 bytes a character: 11 characters are 22 bytes, still short. */
	assert_int_equal(strlen("éàèùâêîôûçë"), 22);
	assert_string_equal(check("éàèùâêîôûçë", NULL), MSG_SHORT);
	assert_string_equal(check("éàèùâêîôûçëï", NULL), "OK");
	/* 12 characters, 24 bytes: long enough (refused for repeating). */
	assert_int_equal(strlen("éééééééééééé"), 24);
	assert_string_equal(check("ééééééééééé", NULL), MSG_SHORT);
	assert_string_equal(check("éééééééééééé", NULL), MSG_COMMON);
	/* 4-byte characters count once. */
	assert_string_equal(check("🐟🌊💧🚰🐟🌊💧🚰🐟🌊💧", NULL), MSG_SHORT);
	assert_string_equal(check("🐟🌊💧🚰🐸🌊💧🚰🐟🌧💧🚰", NULL), "OK");
}

static void
test_nfc_counts_a_decomposed_accent_once(void **state)
{
	(void)state;
	/* "tigre-verté" with é as e + U+0301: 12 code points, 11
	   characters. */
	assert_string_equal(check("tigre-verte\xcc\x81", NULL), MSG_SHORT);
	assert_string_equal(check("tigre-vert\xc3\xa9", NULL), MSG_SHORT);
	assert_string_equal(check("tigres-verte\xcc\x81", NULL), "OK");
	/* Twelve decomposed é are twelve é. */
	assert_string_equal(check("e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
	    "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
	    "e\xcc\x81" "e\xcc\x81" "e\xcc\x81", NULL), MSG_SHORT);
}

/* Fills out with n characters (1 or 2 bytes each) that make no pattern. */
static void
varied(char *out, size_t n, int accented)
{
	static const char *const accents[] = { "é", "à", "è", "ù", "ç",
		"ô", "î", "ë" };
	unsigned x = 12345;
	size_t i;

	*out = '\0';
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		if (accented && (x >> 16) % 3 == 0)
			strcat(out, accents[(x >> 20) % 8]);
		else {
			char c[2] = { (char)('a' + (x >> 16) % 26), '\0' };

			strcat(out, c);
		}
	}
}

static void
test_at_most_128_characters(void **state)
{
	char pw[1024], *huge;

	(void)state;
	varied(pw, 128, 0);
	assert_string_equal(check(pw, NULL), "OK");
	varied(pw, 129, 0);
	assert_string_equal(check(pw, NULL), MSG_LONG);
	varied(pw, 128, 1);
	assert_true(strlen(pw) > 128);
	assert_string_equal(check(pw, NULL), "OK");
	varied(pw, 129, 1);
	assert_string_equal(check(pw, NULL), MSG_LONG);

	huge = malloc(100001);
	assert_non_null(huge);
	memset(huge, 'a', 100000);
	huge[100000] = '\0';
	assert_string_equal(check(huge, NULL), MSG_LONG);
	free(huge);
}

static void
test_invalid_characters(void **state)
{
	(void)state;
	assert_string_equal(check("tigre-vert-\xff-lune", NULL), MSG_INVALID);
	assert_string_equal(check("\xff", NULL), MSG_INVALID);
	assert_string_equal(check("tigre-vert-\xc0\xaf-lune", NULL),
	    MSG_INVALID);	/* overlong '/' */
	assert_string_equal(check("tigre-vert-\xed\xa0\x80-lune", NULL),
	    MSG_INVALID);	/* surrogate */
	assert_string_equal(check("tigre-vert-lune\xc3", NULL), MSG_INVALID);
	assert_string_equal(check("tigre\tvert-lune", NULL), MSG_INVALID);
	assert_string_equal(check("tigre-vert-lune\n", NULL), MSG_INVALID);
	assert_string_equal(check("tigre-vert-lune\x7f", NULL), MSG_INVALID);
	/* Spaces and any printable character are fine. */
	assert_string_equal(check("tigre vert « lune »", NULL), "OK");
}

static void
test_common_passwords(void **state)
{
	static const char *const common[] = {
		"password1234", "PASSWORD1234", "Password!!!!",
		"!!password!!", "1234password", "pässwörd1234",
		"123456789!!!", "Soleil-2024!", "qwertyuiop12",
		"azertyuiop12", "motdepasse2024", "winniethepooh",
		"WinnieThePooh", "iloveyou1234", "  football  !!",
		"soleilsoleil", "Soleil2024Soleil2024",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (rb_password_check(common[i], NULL) == NULL)
			fail_msg("accepted: \"%s\"", common[i]);
	assert_string_equal(check("password1234", NULL), MSG_COMMON);
	/* A list word inside a longer passphrase is fine. */
	assert_string_equal(check("mon password est long", NULL), "OK");
	assert_string_equal(check("soleil de juin sur l'eau", NULL), "OK");
}

static void
test_runs_and_repeats(void **state)
{
	static const char *const patterns[] = {
		"123456789012", "1234567890123456", "abcdefghijkl",
		"ABCDEFGHIJKLMNOP", "lkjihgfedcba", "210987654321",
		"aaaaaaaaaaaa", "111111111111", "abababababab",
		"abcabcabcabc", "azeazeazeaze", "!!!!!!!!!!!!",
		"2024-abcdefgh!", "éééééééééééé",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (rb_password_check(patterns[i], NULL) == NULL)
			fail_msg("accepted: \"%s\"", patterns[i]);
	assert_string_equal(check("abcdefghijkl", NULL), MSG_COMMON);
	assert_string_equal(check("123456789012", NULL), MSG_COMMON);
	assert_string_equal(check("acegikmoqsuw", NULL), "OK");
	assert_string_equal(check("abcdefghijkx", NULL), "OK");
}

static void
test_demo_passwords_are_accepted(void **state)
{
	static const struct rb_pw_person demo = {
		.pp_email = "demo@robinet.test",
		.pp_last_name = "Lefebvre",
		.pp_first_name = "Martine",
		.pp_contract = "1000000001",
	};
	static const struct rb_pw_person legacy = {
		.pp_email = "legacy@robinet.test",
		.pp_last_name = "Vandenbussche",
		.pp_first_name = "Gérard",
		.pp_contract = "1234567A",
	};

	(void)state;
	assert_string_equal(check("eau-potable-2024", NULL), "OK");
	assert_string_equal(check("eau-potable-2024", &demo), "OK");
	assert_string_equal(check("eau-potable-2024", &jeanne), "OK");
	assert_string_equal(check("ancien-mdp-2023", NULL), "OK");
	assert_string_equal(check("ancien-mdp-2023", &legacy), "OK");
	assert_string_equal(check("ancien-mdp-2023", &jeanne), "OK");
}

static void
test_email_refused(void **state)
{
	static const struct rb_pw_person jo = {
		.pp_email = "jo@example.fr",
	};

	(void)state;
	assert_string_equal(check(GOOD, &jeanne), "OK");
	assert_string_equal(check("jeanne.martin-2024", &jeanne), MSG_EMAIL);
	assert_string_equal(check("xx-JEANNE.MARTIN-xx", &jeanne), MSG_EMAIL);
	assert_string_equal(check("jeanne.martin@example.fr", &jeanne),
	    MSG_EMAIL);
	/* A local part under 3 characters: only the whole address. */
	assert_string_equal(check("jo-tigre-vert", &jo), "OK");
	assert_string_equal(check("jo@example.fr-2024", &jo), MSG_EMAIL);
	/* A word of the address that is no name. */
	{
		static const struct rb_pw_person p = {
			.pp_email = "castor.pollux@example.fr",
			.pp_last_name = "Martin",
		};

		assert_string_equal(check("mon-castor-vert", &p), MSG_EMAIL);
	}
}

static void
test_name_refused(void **state)
{
	static const struct rb_pw_person helene = {
		.pp_last_name = "Le Gall",
		.pp_first_name = "Hélène",
	};
	static const struct rb_pw_person lea = {
		.pp_last_name = "Bo",
		.pp_first_name = "Léa",
	};

	(void)state;
	assert_string_equal(check("tigre-MARTIN-lune", &jeanne), MSG_NAME);
	assert_string_equal(check("jeanne-tigre-lune", &jeanne), MSG_NAME);
	/* Case and accents do not matter, either way. */
	assert_string_equal(check("helene-tigre-vert", &helene), MSG_NAME);
	assert_string_equal(check("HÉLÈNE-tigre-vert", &helene), MSG_NAME);
	assert_string_equal(check("tigre-vert-le gall", &helene), MSG_NAME);
	assert_string_equal(check("tigre-vert-legall", &helene), MSG_NAME);
	assert_string_equal(check("tigre-le-vert-lune", &helene), "OK");
	/* 3 characters count, 2 do not. */
	assert_string_equal(check("tigre-vert-lea!", &lea), MSG_NAME);
	assert_string_equal(check("tigre-vert-bo!", &lea), "OK");
}

static void
test_contract_refused(void **state)
{
	static const struct rb_pw_person old = {
		.pp_contract = "1234560A",
	};
	static const struct rb_pw_person dashed = {
		.pp_contract = "C-2024 0042",
	};

	(void)state;
	/* A list word followed by digits is common before anything else. */
	assert_string_equal(check("tigre-1000000002", &jeanne), MSG_COMMON);
	assert_string_equal(check("vert-lune1000000001", &jeanne), MSG_CONTRACT);
	assert_string_equal(check("vert-lune-1000-000-001", &jeanne),
	    MSG_CONTRACT);
	assert_string_equal(check("vert-lune-1000000002", &jeanne), "OK");
	assert_string_equal(check("x1234560a-tigre", &old), MSG_CONTRACT);
	assert_string_equal(check("tigre-c20240042!", &dashed), MSG_CONTRACT);
	assert_string_equal(check("tigre-c-2024-0042", &dashed),
	    MSG_CONTRACT);
}

static void
test_missing_fields_are_ignored(void **state)
{
	static const struct rb_pw_person empty = {
		.pp_email = "", .pp_last_name = "", .pp_first_name = "",
		.pp_contract = "",
	};
	static const struct rb_pw_person bad = {
		.pp_email = "\xff\xfe", .pp_last_name = "\xff",
	};
	static const struct rb_pw_person none = { 0 };

	(void)state;
	assert_string_equal(check(GOOD, &empty), "OK");
	assert_string_equal(check(GOOD, &bad), "OK");
	assert_string_equal(check(GOOD, &none), "OK");
}

static char *
write_list(const char *text)
{
	char *path = strdup("/tmp/test_password_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_load_list(void **state)
{
	char err[512], *path;

	(void)state;
	err[0] = '\0';
	assert_int_equal(rb_password_load_list("/nonexistent/password.lst",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/password.lst"));
	assert_non_null(strstr(err, "john-data"));
	/* The list in force stays. */
	assert_string_equal(check("password1234", NULL), MSG_COMMON);

	path = write_list("");
	assert_int_equal(rb_password_load_list(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	unlink(path);
	free(path);

	path = write_list("#!comment: tigre des neiges\nZorglub\r\n\n"
	    "Tigre-Vert\nnot utf-8 \xff\n");
	assert_int_equal(rb_password_load_list(path, err, sizeof(err)), 0);
	unlink(path);
	free(path);
	assert_string_equal(check("zorglub-2024", NULL), MSG_COMMON);
	assert_string_equal(check("TIGRE-VERT-2024", NULL), MSG_COMMON);
	assert_string_equal(check("#!comment: tigre des neiges", NULL), "OK");
	assert_string_equal(check("password1234", NULL), "OK");
	assert_string_equal(check("azertyuiop12", NULL), MSG_COMMON);

	assert_int_equal(rb_password_load_list(NULL, err, sizeof(err)), 0);
	assert_string_equal(check("zorglub-2024", NULL), "OK");
	assert_string_equal(check("password1234", NULL), MSG_COMMON);
}

struct checker {
	int	ck_wrong;
};

static void *
check_worker(void *arg)
{
	struct checker *ck = arg;
	int i;

	for (i = 0; i < 300; i++) {
		if (rb_password_check("password1234", &jeanne) == NULL)
			ck->ck_wrong++;
		if (rb_password_check("eau-potable-2024", &jeanne) != NULL)
			ck->ck_wrong++;
	}
	return NULL;
}

static void
test_checks_while_reloading(void **state)
{
	pthread_t th[3];
	struct checker ck[3] = { { 0 } };
	char err[512];
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, check_worker,
		    &ck[i]), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(rb_password_load_list(NULL, err,
		    sizeof(err)), 0);
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ck[i].ck_wrong, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest first[] = {
		cmocka_unit_test(test_first_check_loads_the_default_list),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_is_counted_in_characters),
		cmocka_unit_test(test_nfc_counts_a_decomposed_accent_once),
		cmocka_unit_test(test_at_most_128_characters),
		cmocka_unit_test(test_invalid_characters),
		cmocka_unit_test(test_common_passwords),
		cmocka_unit_test(test_runs_and_repeats),
		cmocka_unit_test(test_demo_passwords_are_accepted),
		cmocka_unit_test(test_email_refused),
		cmocka_unit_test(test_name_refused),
		cmocka_unit_test(test_contract_refused),
		cmocka_unit_test(test_missing_fields_are_ignored),
		cmocka_unit_test_setup(test_load_list, load_default),
		cmocka_unit_test_setup(test_checks_while_reloading, load_default),
	};
	int failed;

	failed = cmocka_run_group_tests_name("before any load", first, NULL,
	    NULL);
	failed += cmocka_run_group_tests_name("policy", tests, load_default,
	    NULL);
	return failed;
}
