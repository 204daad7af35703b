/*
 * fuzz_form.c: libFuzzer target for src/base/form.c. The first three
 * bytes choose small limits, the rest is parsed; the target aborts when a
 * promise of form.h is broken: no field count, key or value beyond its
 * limit, lengths matching NUL-free strings, getters agreeing with the
 * field array, nothing returned on failure, looser limits never refusing
 * what tighter ones accepted, and re-encoding the fields giving them back.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc fuzz/fuzz_form.c \
 *       src/base/{form,mem,buf,arena,log}.c -o /tmp/ff && /tmp/ff
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/form.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* Appends s[0..n) percent-encoded, every byte but [A-Za-z0-9]. */
static void
encode(rb_buf *b, const char *s, size_t n)
{
	static const char hexdig[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			rb_buf_putc(b, (char)c);
		else {
			rb_buf_putc(b, '%');
			rb_buf_putc(b, hexdig[c >> 4]);
			rb_buf_putc(b, hexdig[c & 15]);
		}
	}
}

static void
check_fields(const struct rb_form *f, const struct rb_form_limits *lim)
{
	const struct rb_form_field *ff, *first;
	size_t i, n;

	CHECK(f->form_nfields <= lim->fl_max_fields);
	CHECK((f->form_nfields == 0) == (f->form_fields == NULL));
	for (i = 0; i < f->form_nfields; i++) {
		ff = &f->form_fields[i];
		CHECK(ff->ff_key_len <= lim->fl_max_key_len);
		CHECK(ff->ff_value_len <= lim->fl_max_value_len);
		CHECK(strlen(ff->ff_key) == ff->ff_key_len);
		CHECK(strlen(ff->ff_value) == ff->ff_value_len);
		/* The getter returns the first field with this key. */
		first = rb_form_next(f, ff->ff_key, NULL);
		CHECK(first != NULL && first <= ff);
		CHECK(rb_form_get(f, ff->ff_key) == first->ff_value);
		n = 0;
		for (first = rb_form_next(f, ff->ff_key, NULL); first != NULL;
		    first = rb_form_next(f, ff->ff_key, first)) {
			CHECK(strcmp(first->ff_key, ff->ff_key) == 0);
			n++;
		}
		CHECK(n >= 1 && n == rb_form_count(f, ff->ff_key));
	}
}

static int
same_fields(const struct rb_form *a, const struct rb_form *b)
{
	size_t i;

	if (a->form_nfields != b->form_nfields)
		return 0;
	for (i = 0; i < a->form_nfields; i++) {
		const struct rb_form_field *x = &a->form_fields[i];
		const struct rb_form_field *y = &b->form_fields[i];

		if (x->ff_key_len != y->ff_key_len ||
		    x->ff_value_len != y->ff_value_len ||
		    memcmp(x->ff_key, y->ff_key, x->ff_key_len) != 0 ||
		    memcmp(x->ff_value, y->ff_value, x->ff_value_len) != 0)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rb_form_limits loose = { SIZE_MAX, SIZE_MAX, SIZE_MAX };
	struct rb_form_limits lim;
	struct rb_form f, g;
	enum rb_form_err err, err2;
	rb_buf b = RB_BUF_INIT;
	rb_arena *a;
	size_t i;
	int rc;

	if (size < 3)
		return 0;
	lim.fl_max_fields = data[0] % 17;
	lim.fl_max_key_len = data[1] % 33;
	lim.fl_max_value_len = data[2] % 65;
	data += 3;
	size -= 3;

	a = rb_arena_new();
	memset(&f, 0xa5, sizeof(f));
	rc = rb_form_parse(a, (const char *)data, size, &lim, &f, &err);
	CHECK(rc == 0 || rc == -1);
	CHECK((rc == 0) == (err == RB_FORM_OK));
	CHECK(err >= RB_FORM_OK && err < RB_FORM_ERR__MAX);
	CHECK(rb_form_strerror(err) != NULL);
	if (rc == -1) {
		CHECK(f.form_fields == NULL && f.form_nfields == 0);
		goto loose;
	}
	check_fields(&f, &lim);

	/* Re-encoded, the fields parse back identical. */
	for (i = 0; i < f.form_nfields; i++) {
		if (i > 0)
			rb_buf_putc(&b, '&');
		encode(&b, f.form_fields[i].ff_key, f.form_fields[i].ff_key_len);
		rb_buf_putc(&b, '=');
		encode(&b, f.form_fields[i].ff_value,
		    f.form_fields[i].ff_value_len);
	}
	CHECK(rb_form_parse(a, rb_buf_cstr(&b), b.buf_len, &lim, &g,
	    &err2) == 0);
	CHECK(same_fields(&f, &g));

loose:
	/* Looser limits accept whatever tighter ones did, identically. */
	rc = rb_form_parse(a, (const char *)data, size, &loose, &g, &err2);
	if (err == RB_FORM_OK) {
		CHECK(rc == 0);
		CHECK(same_fields(&f, &g));
	} else if (err != RB_FORM_TOO_MANY_FIELDS &&
	    err != RB_FORM_KEY_TOO_LONG && err != RB_FORM_VALUE_TOO_LONG) {
		/* Encoding errors do not depend on limits. */
		CHECK(rc == -1);
	}
	if (rc == 0)
		check_fields(&g, &loose);

	rb_buf_free(&b);
	rb_arena_free(a);
	return 0;
}
