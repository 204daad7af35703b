/*
 * multipart.h: parser for multipart/form-data bodies (RFC 7578), the
 * encoding of forms that upload files, with explicit limits.
 *
 * The body is held whole in memory (the server caps its size first).
 * Each part must carry Content-Disposition: form-data with a name; a
 * part with a filename parameter is a file, any other a text field.
 * Text fields go to an rb_form (same rules as form.h: UTF-8 without
 * NUL, key and value lengths and field count limited) so that handlers
 * read them as they read url-encoded ones. Files keep their bytes as
 * sent: the name and Content-Type the client gives are NOT kept, since
 * nothing may trust them (base/filetype.h says what a file is). A file
 * part with an empty body (an input left empty) is dropped.
 */
#ifndef RB_MULTIPART_H
#define RB_MULTIPART_H

#include <stddef.h>

#include "arena.h"
#include "form.h"

enum rb_multipart_err {
	RB_MP_OK,
	RB_MP_NO_BOUNDARY,	/* Content-Type without a usable boundary */
	RB_MP_MALFORMED,	/* delimiters, headers or dispositions wrong */
	RB_MP_TOO_MANY_FIELDS,
	RB_MP_KEY_TOO_LONG,
	RB_MP_VALUE_TOO_LONG,
	RB_MP_BAD_TEXT,		/* a text field not UTF-8, or with a NUL */
	RB_MP_TOO_MANY_FILES,
	RB_MP_ERR__MAX
};

/* One uploaded file: its form field name and its bytes (in the arena). */
struct rb_upload {
	const char	*up_field;
	const unsigned char *up_data;
	size_t		 up_len;
};

struct rb_uploads {
	struct rb_upload *ups;		/* in the arena; NULL if none */
	size_t		 nups;
};

/*
 * Parses body[0..len) sent with Content-Type ctype (which must be
 * multipart/form-data with a boundary) into text fields *fields and
 * files *files, allocating from arena a. At most max_files non-empty
 * files are accepted (RB_MP_TOO_MANY_FILES beyond). limits NULL means
 * rb_form_default_limits. Returns 0, or -1 with *err set and both
 * outputs left empty.
 */
int	rb_multipart_parse(rb_arena *a, const char *ctype, const char *body,
	    size_t len, const struct rb_form_limits *limits, size_t max_files,
	    struct rb_form *fields, struct rb_uploads *files,
	    enum rb_multipart_err *err);

/* 1 when ctype names multipart/form-data, 0 if not. */
int	rb_multipart_is(const char *ctype);

/* A static English description of err, for logs. */
const char *rb_multipart_strerror(enum rb_multipart_err err);

#endif
