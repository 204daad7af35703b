/*
 * form.h: parser for application/x-www-form-urlencoded bodies and URL
 * query strings, with explicit limits.
 *
 * The input is split on '&' into fields, each field on its first '=' into
 * key and value ("k" alone is key "k" with an empty value; empty fields
 * such as in "a=1&&b=2" are skipped). In keys and values '+' is a space
 * and "%XX" (two hex digits, either case) is the byte 0xXX; everything is
 * decoded exactly once. Decoded keys and values must be valid UTF-8 (RFC
 * 3629) without NUL; other control characters (a textarea's CR LF, tabs)
 * are kept. Limits apply to decoded lengths in bytes. Fields keep their
 * order and repeated keys are all kept.
 *
 * Nothing is decoded beyond the format: checking what a field means is
 * the job of the validator declared for it.
 */
#ifndef RB_FORM_H
#define RB_FORM_H

#include <stddef.h>

#include "arena.h"

struct rb_form_limits {
	size_t	fl_max_fields;		/* fields kept, empty ones not counted */
	size_t	fl_max_key_len;		/* bytes, after decoding */
	size_t	fl_max_value_len;	/* bytes, after decoding */
};

/* Limits fitting Robinet's own forms: 64 fields, 64-byte keys, 8 KiB values. */
extern const struct rb_form_limits rb_form_default_limits;

enum rb_form_err {
	RB_FORM_OK,
	RB_FORM_TOO_MANY_FIELDS,
	RB_FORM_KEY_TOO_LONG,
	RB_FORM_VALUE_TOO_LONG,
	RB_FORM_BAD_ESCAPE,	/* '%' not followed by two hex digits */
	RB_FORM_NUL,		/* NUL byte, raw or "%00", in a key or value */
	RB_FORM_BAD_UTF8,	/* decoded key or value is not valid UTF-8 */
	RB_FORM_ERR__MAX
};

struct rb_form_field {
	const char	*ff_key;	/* NUL-terminated, in the arena */
	size_t		 ff_key_len;
	const char	*ff_value;	/* NUL-terminated, in the arena */
	size_t		 ff_value_len;
};

struct rb_form {
	struct rb_form_field	*form_fields;	/* in the arena; NULL if none */
	size_t			 form_nfields;
};

/*
 * Parses s[0..len) (no leading '?'; s needs no NUL terminator) into out,
 * allocating everything from arena a: the fields live until the arena is
 * freed. limits may be NULL for rb_form_default_limits. Returns 0 and sets
 * *err (if err is not NULL) to RB_FORM_OK on success. On failure returns
 * -1, sets *err to the first problem met, scanning fields in order, and
 * leaves out empty (no partial result is ever returned).
 */
int	rb_form_parse(rb_arena *a, const char *s, size_t len,
	    const struct rb_form_limits *limits, struct rb_form *out,
	    enum rb_form_err *err);

/* Returns the value of the first field named key, or NULL if none. */
const char *rb_form_get(const struct rb_form *f, const char *key);

/* Returns how many fields are named key. */
size_t	rb_form_count(const struct rb_form *f, const char *key);

/*
 * Iterates over the fields named key, in order: pass prev = NULL for the
 * first one, then the field last returned. Returns NULL after the last.
 *
 *	for (ff = rb_form_next(f, "id", NULL); ff; ff = rb_form_next(f, "id", ff))
 */
const struct rb_form_field *rb_form_next(const struct rb_form *f,
	    const char *key, const struct rb_form_field *prev);

/* Returns a static English description of err, for logs. */
const char *rb_form_strerror(enum rb_form_err err);

#endif
