/*
 * test_multipart.c: unit tests of src/base/multipart.c: text fields and
 * files split apart, empty file inputs dropped, the client's file name
 * and type not kept, limits (fields, value length, files), and
 * malformed bodies refused with nothing returned.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/multipart.h"

#define CT	"multipart/form-data; boundary=XyZ"

static const char body1[] =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"objet\"\r\n\r\n"
    "facture\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"message\"\r\n\r\n"
    "Ligne 1\r\nLigne 2 é\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"piece\"; filename=\"a.pdf\"\r\n"
    "Content-Type: application/pdf\r\n\r\n"
    "\x89PNG\0bytes\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"piece\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
    "\r\n"
    "--XyZ--\r\n";

static void
test_fields_and_files(void **state)
{
	rb_arena *a = rb_arena_new();
	struct rb_form f;
	struct rb_uploads u;
	enum rb_multipart_err e;

	(void)state;
	assert_int_equal(rb_multipart_parse(a, CT, body1, sizeof(body1) - 1,
	    NULL, 3, &f, &u, &e), 0);
	assert_int_equal(e, RB_MP_OK);
	assert_int_equal(f.form_nfields, 2);
	assert_string_equal(rb_form_get(&f, "objet"), "facture");
	assert_string_equal(rb_form_get(&f, "message"),
	    "Ligne 1\r\nLigne 2 é");
	assert_int_equal(u.nups, 1);	/* the empty input is dropped */
	assert_string_equal(u.ups[0].up_field, "piece");
	assert_int_equal(u.ups[0].up_len, 10);
	assert_memory_equal(u.ups[0].up_data, "\x89PNG\0bytes", 10);
	/* One file too many. */
	assert_int_equal(rb_multipart_parse(a, CT, body1, sizeof(body1) - 1,
	    NULL, 0, &f, &u, &e), -1);
	assert_int_equal(e, RB_MP_TOO_MANY_FILES);
	assert_int_equal(f.form_nfields, 0);
	assert_int_equal(u.nups, 0);
	assert_true(rb_multipart_is("Multipart/Form-Data; boundary=a"));
	assert_false(rb_multipart_is("multipart/form-datax"));
	assert_false(rb_multipart_is(NULL));
	rb_arena_free(a);
}

static void
test_limits_and_malformed(void **state)
{
	static const struct rb_form_limits one = { 1, 64, 8192 };
	static const struct rb_form_limits shortv = { 64, 64, 4 };
	static const char *const bad[] = {
		"",
		"--XyZ\r\n\r\nno disposition\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n"
		    "x\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
		    "never closed",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
		    "x\r\n--XyZ--",
		"junk--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		    "\r\nx\r\n--XyZ--",
	};
	rb_arena *a = rb_arena_new();
	struct rb_form f;
	struct rb_uploads u;
	enum rb_multipart_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(rb_multipart_parse(a, CT, bad[i],
		    strlen(bad[i]), NULL, 3, &f, &u, &e), -1);
		assert_int_equal(e, RB_MP_MALFORMED);
	}
	assert_int_equal(rb_multipart_parse(a, CT, body1, sizeof(body1) - 1,
	    &one, 3, &f, &u, &e), -1);
	assert_int_equal(e, RB_MP_TOO_MANY_FIELDS);
	assert_int_equal(rb_multipart_parse(a, CT, body1, sizeof(body1) - 1,
	    &shortv, 3, &f, &u, &e), -1);
	assert_int_equal(e, RB_MP_VALUE_TOO_LONG);
	assert_int_equal(rb_multipart_parse(a, "multipart/form-data",
	    body1, sizeof(body1) - 1, NULL, 3, &f, &u, &e), -1);
	assert_int_equal(e, RB_MP_NO_BOUNDARY);
	assert_int_equal(rb_multipart_parse(a,
	    "application/x-www-form-urlencoded; boundary=XyZ", body1,
	    sizeof(body1) - 1, NULL, 3, &f, &u, &e), -1);
	assert_int_equal(e, RB_MP_NO_BOUNDARY);
	/* A NUL or bad UTF-8 in a text field. */
	{
		static const char nul[] = "--XyZ\r\nContent-Disposition: "
		    "form-data; name=\"a\"\r\n\r\nx\0y\r\n--XyZ--";
		static const char bad8[] = "--XyZ\r\nContent-Disposition: "
		    "form-data; name=\"a\"\r\n\r\n\xc3(\r\n--XyZ--";

		assert_int_equal(rb_multipart_parse(a, CT, nul,
		    sizeof(nul) - 1, NULL, 3, &f, &u, &e), -1);
		assert_int_equal(e, RB_MP_BAD_TEXT);
		assert_int_equal(rb_multipart_parse(a, CT, bad8,
		    sizeof(bad8) - 1, NULL, 3, &f, &u, &e), -1);
		assert_int_equal(e, RB_MP_BAD_TEXT);
	}
	/* A quoted boundary. */
	{
		static const char q[] = "--a b\r\nContent-Disposition: "
		    "form-data; name=\"k\"\r\n\r\nv\r\n--a b--\r\n";

		assert_int_equal(rb_multipart_parse(a,
		    "multipart/form-data; boundary=\"a b\"", q, sizeof(q) - 1,
		    NULL, 3, &f, &u, &e), 0);
		assert_string_equal(rb_form_get(&f, "k"), "v");
	}
	rb_arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_and_files),
		cmocka_unit_test(test_limits_and_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
