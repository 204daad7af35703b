/*
 * test_mustache_spec.c: runs the official mustache specification against
 * the engine: every test of the core files and of ~inheritance, with the
 * spec's own data, partials and expected output, rendered in non-strict
 * mode as the spec requires. Prints the count per file and in all; any
 * failure fails the test. The fixtures live in
 * $ROBINET_SRCDIR/../shared/fixtures/mustache-spec/; without them every
 * test fails, naming the folder (a missing fixture is never a skip).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "tmpl/mustache.h"

/* Cannot clash with a partial: tag names hold no whitespace. */
#define MAIN_NAME	" template"

static unsigned total_run, total_passed;

static void
spec_path(char *buf, size_t size, const char *file)
{
	const char *src = getenv("ROBINET_SRCDIR");

	if (src == NULL || src[0] == '\0')
		src = ROBINET_SRCDIR;
	snprintf(buf, size, "%s/../shared/fixtures/mustache-spec/%s", src,
	    file);
}

/* Runs one spec case; returns 1 when the output is the expected one. */
static int
run_case(const char *file, json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *tmpl = json_string_value(json_object_get(c, "template"));
	const char *want = json_string_value(json_object_get(c, "expected"));
	json_t *partials = json_object_get(c, "partials"), *p;
	rb_tmpl_set *set = rb_tmpl_set_new();
	rb_buf out = RB_BUF_INIT;
	const char *pname;
	char err[256] = "";
	int ok = 0;

	assert_non_null(name);
	assert_non_null(tmpl);
	assert_non_null(want);
	json_object_foreach(partials, pname, p) {
		if (rb_tmpl_set_add(set, pname, json_string_value(p),
		    json_string_length(p), err, sizeof(err)) == -1)
			goto out;
	}
	if (rb_tmpl_set_add(set, MAIN_NAME, tmpl, strlen(tmpl), err,
	    sizeof(err)) == -1)
		goto out;
	if (rb_tmpl_render(set, MAIN_NAME, json_object_get(c, "data"), 0, &out,
	    err, sizeof(err)) == -1)
		goto out;
	ok = strcmp(rb_buf_cstr(&out), want) == 0;
out:
	if (!ok) {
		fprintf(stderr, "FAIL %s: %s\n  template: ", file, name);
		json_dumpf(json_object_get(c, "template"), stderr,
		    JSON_ENCODE_ANY);
		fprintf(stderr, "\n  expected: ");
		json_dumpf(json_object_get(c, "expected"), stderr,
		    JSON_ENCODE_ANY);
		if (err[0] != '\0')
			fprintf(stderr, "\n  error: %s", err);
		else {
			fprintf(stderr, "\n  got:      ");
			p = json_string(rb_buf_cstr(&out));
			json_dumpf(p, stderr, JSON_ENCODE_ANY);
			json_decref(p);
		}
		fprintf(stderr, "\n");
	}
	rb_buf_free(&out);
	rb_tmpl_set_free(set);
	return ok;
}

static void
run_file(void **state)
{
	const char *file = *state;
	char path[4096];
	json_error_t jerr;
	json_t *spec, *tests, *c;
	struct stat st;
	unsigned run = 0, passed = 0;
	size_t i;

	spec_path(path, sizeof(path), "");
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		fail_msg("mustache spec folder %s is absent (the official "
		    "spec's specs/ folder belongs there)", path);
	spec_path(path, sizeof(path), file);
	spec = json_load_file(path, 0, &jerr);
	if (spec == NULL)
		fail_msg("%s: %s", path, jerr.text);
	tests = json_object_get(spec, "tests");
	assert_true(json_is_array(tests));
	json_array_foreach(tests, i, c) {
		run++;
		passed += run_case(file, c);
	}
	json_decref(spec);
	printf("%s: %u/%u passed\n", file, passed, run);
	total_run += run;
	total_passed += passed;
	assert_true(run > 0);
	assert_int_equal(passed, run);
}

static int
print_total(void **state)
{
	printf("mustache spec: %u/%u passed in all\n", total_passed,
	    total_run);
	return 0;
}

/* One cmocka test per spec file, named after it. */
#define SPEC_TEST(file) \
	{ (file), run_file, NULL, NULL, (void *)(file) }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SPEC_TEST("comments.json"),
		SPEC_TEST("delimiters.json"),
		SPEC_TEST("interpolation.json"),
		SPEC_TEST("inverted.json"),
		SPEC_TEST("partials.json"),
		SPEC_TEST("sections.json"),
		SPEC_TEST("~inheritance.json"),
	};

	return cmocka_run_group_tests(tests, NULL, print_total);
}
