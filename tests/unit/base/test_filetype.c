/*
 * test_filetype.c: unit tests of src/base/filetype.c: minimal real
 * JPEG, PNG and PDF files are recognised; renamed or declared types
 * play no part; HTML, text, truncated and broken structures are not
 * recognised; the MIME and extension tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/filetype.h"

/* A 1x1 PNG (signature, IHDR, IDAT, IEND). */
static const unsigned char png1[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0,
	0, 0x1f, 0x15, 0xc4, 0x89,
	0, 0, 0, 10, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00,
	0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
};

/* SOI, APP0 (JFIF), SOS, one byte of data, EOI. */
static const unsigned char jpeg1[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0,
	0, 1, 0, 1, 0, 0,
	0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
	0x12, 0xff, 0xd9,
};

static const char pdf1[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    "trailer << /Root 1 0 R >>\n%%EOF\n";

static void
test_recognises_each_kind(void **state)
{
	(void)state;
	assert_int_equal(rb_filetype_sniff(png1, sizeof(png1)),
	    RB_FILETYPE_PNG);
	assert_int_equal(rb_filetype_sniff(jpeg1, sizeof(jpeg1)),
	    RB_FILETYPE_JPEG);
	assert_int_equal(rb_filetype_sniff(pdf1, strlen(pdf1)),
	    RB_FILETYPE_PDF);
	assert_string_equal(rb_filetype_mime(RB_FILETYPE_PNG), "image/png");
	assert_string_equal(rb_filetype_mime(RB_FILETYPE_JPEG), "image/jpeg");
	assert_string_equal(rb_filetype_mime(RB_FILETYPE_PDF),
	    "application/pdf");
	assert_null(rb_filetype_mime(RB_FILETYPE_UNKNOWN));
	assert_string_equal(rb_filetype_ext(RB_FILETYPE_JPEG), "jpg");
	assert_null(rb_filetype_ext(RB_FILETYPE__MAX));
	assert_int_equal(rb_filetype_from_mime("image/png"), RB_FILETYPE_PNG);
	assert_int_equal(rb_filetype_from_mime("text/html"),
	    RB_FILETYPE_UNKNOWN);
	assert_int_equal(rb_filetype_from_mime(NULL), RB_FILETYPE_UNKNOWN);
}

static void
test_refuses_other_content(void **state)
{
	static const char *const texts[] = {
		"<html><body><script>alert(1)</script></body></html>",
		"<!DOCTYPE html><title>photo.jpg</title>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>",
		"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
		"PK\x03\x04 a zip or docx file.......",
		"%PDF-1.4 but never finished, no end of file marker at all",
		"%PDF-x.y\n%%EOF\n..............",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_int_equal(rb_filetype_sniff(texts[i], strlen(texts[i])),
		    RB_FILETYPE_UNKNOWN);
	assert_int_equal(rb_filetype_sniff(NULL, 10), RB_FILETYPE_UNKNOWN);
}

static void
test_refuses_broken_structure(void **state)
{
	unsigned char b[sizeof(png1) + 64];
	size_t n;

	(void)state;
	/* Every truncation of a valid file fails. */
	for (n = 0; n < sizeof(png1); n++)
		assert_int_equal(rb_filetype_sniff(png1, n),
		    RB_FILETYPE_UNKNOWN);
	for (n = 0; n < sizeof(jpeg1) - 2; n++)
		assert_int_equal(rb_filetype_sniff(jpeg1, n),
		    RB_FILETYPE_UNKNOWN);
	/* A PNG whose first chunk is not IHDR. */
	memcpy(b, png1, sizeof(png1));
	memcpy(b + 12, "IDAT", 4);
	assert_int_equal(rb_filetype_sniff(b, sizeof(png1)),
	    RB_FILETYPE_UNKNOWN);
	/* A PNG with a zero width. */
	memcpy(b, png1, sizeof(png1));
	memset(b + 16, 0, 4);
	assert_int_equal(rb_filetype_sniff(b, sizeof(png1)),
	    RB_FILETYPE_UNKNOWN);
	/* A chunk length running past the end. */
	memcpy(b, png1, sizeof(png1));
	b[33 + 3] = 0xff;
	assert_int_equal(rb_filetype_sniff(b, sizeof(png1)),
	    RB_FILETYPE_UNKNOWN);
	/* The PNG signature followed by HTML. */
	memcpy(b, png1, 8);
	memcpy(b + 8, "<html><script>alert(1)</script></html>", 39);
	assert_int_equal(rb_filetype_sniff(b, 47), RB_FILETYPE_UNKNOWN);
	/* A JPEG segment length beyond the end. */
	memcpy(b, jpeg1, sizeof(jpeg1));
	b[4] = 0x7f;
	assert_int_equal(rb_filetype_sniff(b, sizeof(jpeg1)),
	    RB_FILETYPE_UNKNOWN);
	/* JPEG magic then HTML. */
	memcpy(b, "\xff\xd8\xff<html><script>x</script>", 27);
	assert_int_equal(rb_filetype_sniff(b, 27), RB_FILETYPE_UNKNOWN);
	/* Bytes in front of a valid file. */
	b[0] = ' ';
	memcpy(b + 1, png1, sizeof(png1));
	assert_int_equal(rb_filetype_sniff(b, sizeof(png1) + 1),
	    RB_FILETYPE_UNKNOWN);
}

static void
test_pdf_end_marker_near_the_end(void **state)
{
	static char big[4096];

	(void)state;
	memset(big, ' ', sizeof(big));
	memcpy(big, "%PDF-1.7\n", 9);
	memcpy(big + 100, "%%EOF", 5);	/* far from the end */
	assert_int_equal(rb_filetype_sniff(big, sizeof(big)),
	    RB_FILETYPE_UNKNOWN);
	memcpy(big + sizeof(big) - 900, "%%EOF", 5);
	assert_int_equal(rb_filetype_sniff(big, sizeof(big)),
	    RB_FILETYPE_PDF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recognises_each_kind),
		cmocka_unit_test(test_refuses_other_content),
		cmocka_unit_test(test_refuses_broken_structure),
		cmocka_unit_test(test_pdf_end_marker_near_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
