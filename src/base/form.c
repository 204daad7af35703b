/*
 * form.c: application/x-www-form-urlencoded parser (see form.h).
 *
 * Each key or value is scanned once to check its escapes and measure its
 * decoded length, so an over-long value is refused before anything is
 * allocated for it; it is then decoded into the arena and its UTF-8
 * checked. The field array is sized from the number of '&' separators,
 * capped by the field limit.
 */
#include <string.h>

#include <unistr.h>

#include "form.h"

const struct rb_form_limits rb_form_default_limits = {
	.fl_max_fields = 64,
	.fl_max_key_len = 64,
	.fl_max_value_len = 8192,
};

static const char *const form_errors[RB_FORM_ERR__MAX] = {
	[RB_FORM_OK] = "no error",
	[RB_FORM_TOO_MANY_FIELDS] = "too many fields",
	[RB_FORM_KEY_TOO_LONG] = "key too long",
	[RB_FORM_VALUE_TOO_LONG] = "value too long",
	[RB_FORM_BAD_ESCAPE] = "bad percent escape",
	[RB_FORM_NUL] = "NUL byte in key or value",
	[RB_FORM_BAD_UTF8] = "invalid UTF-8 in key or value",
};

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Checks the escapes of s[0..len) and stores its decoded length in
 * *declen. Returns RB_FORM_OK, RB_FORM_BAD_ESCAPE or RB_FORM_NUL.
 */
static enum rb_form_err
form_measure(const char *s, size_t len, size_t *declen)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++, n++) {
		if (s[i] == '\0')
			return RB_FORM_NUL;
		if (s[i] != '%')
			continue;
		if (len - i < 3)
			return RB_FORM_BAD_ESCAPE;
		hi = hexval((unsigned char)s[i + 1]);
		lo = hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0)
			return RB_FORM_BAD_ESCAPE;
		if (hi == 0 && lo == 0)
			return RB_FORM_NUL;
		i += 2;
	}
	*declen = n;
	return RB_FORM_OK;
}

/* Decodes s[0..len), already checked by form_measure(), into dst. */
static void
form_decode(const char *s, size_t len, char *dst)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			dst[n++] = ' ';
		else if (s[i] == '%') {
			dst[n++] = (char)(hexval((unsigned char)s[i + 1]) << 4 |
			    hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			dst[n++] = s[i];
	}
	dst[n] = '\0';
}

/*
 * Decodes one key or value s[0..len) into the arena, refusing it when its
 * decoded length exceeds max (toolong is the error to report then).
 */
static enum rb_form_err
form_part(rb_arena *a, const char *s, size_t len, size_t max,
    enum rb_form_err toolong, const char **dst, size_t *dstlen)
{
	enum rb_form_err e;
	size_t n;
	char *p;

	if ((e = form_measure(s, len, &n)) != RB_FORM_OK)
		return e;
	if (n > max)
		return toolong;
	p = rb_arena_alloc(a, n + 1);
	form_decode(s, len, p);
	if (u8_check((const uint8_t *)p, n) != NULL)
		return RB_FORM_BAD_UTF8;
	*dst = p;
	*dstlen = n;
	return RB_FORM_OK;
}

int
rb_form_parse(rb_arena *a, const char *s, size_t len,
    const struct rb_form_limits *limits, struct rb_form *out,
    enum rb_form_err *err)
{
	struct rb_form_field *fields = NULL, *ff;
	const char *end = s + len, *field, *fend, *eq;
	enum rb_form_err e = RB_FORM_OK;
	size_t cap = 1, n = 0;

	if (limits == NULL)
		limits = &rb_form_default_limits;
	out->form_fields = NULL;
	out->form_nfields = 0;

	/* At most one field more than there are separators. */
	for (field = s; field < end; field++)
		if (*field == '&' && cap <= limits->fl_max_fields)
			cap++;
	if (cap > limits->fl_max_fields)
		cap = limits->fl_max_fields;
	if (cap > 0 && len > 0)
		fields = rb_arena_alloc(a, cap * sizeof(*fields));

	for (field = s; field < end; field = fend + 1) {
		fend = memchr(field, '&', (size_t)(end - field));
		if (fend == NULL)
			fend = end;
		if (fend == field)
			continue;	/* empty field */
		if (n == limits->fl_max_fields) {
			e = RB_FORM_TOO_MANY_FIELDS;
			goto out;
		}
		ff = &fields[n];
		eq = memchr(field, '=', (size_t)(fend - field));
		if (eq == NULL)
			eq = fend;
		e = form_part(a, field, (size_t)(eq - field),
		    limits->fl_max_key_len, RB_FORM_KEY_TOO_LONG,
		    &ff->ff_key, &ff->ff_key_len);
		if (e != RB_FORM_OK)
			goto out;
		if (eq == fend) {
			ff->ff_value = "";
			ff->ff_value_len = 0;
		} else {
			e = form_part(a, eq + 1, (size_t)(fend - eq - 1),
			    limits->fl_max_value_len, RB_FORM_VALUE_TOO_LONG,
			    &ff->ff_value, &ff->ff_value_len);
			if (e != RB_FORM_OK)
				goto out;
		}
		n++;
		if (fend == end)
			break;
	}
	out->form_fields = n > 0 ? fields : NULL;
	out->form_nfields = n;
out:
	if (err != NULL)
		*err = e;
	return e == RB_FORM_OK ? 0 : -1;
}

const struct rb_form_field *
rb_form_next(const struct rb_form *f, const char *key,
    const struct rb_form_field *prev)
{
	size_t i = prev == NULL ? 0 : (size_t)(prev - f->form_fields) + 1;

	for (; i < f->form_nfields; i++)
		if (strcmp(f->form_fields[i].ff_key, key) == 0)
			return &f->form_fields[i];
	return NULL;
}

const char *
rb_form_get(const struct rb_form *f, const char *key)
{
	const struct rb_form_field *ff = rb_form_next(f, key, NULL);

	return ff != NULL ? ff->ff_value : NULL;
}

size_t
rb_form_count(const struct rb_form *f, const char *key)
{
	const struct rb_form_field *ff;
	size_t n = 0;

	for (ff = rb_form_next(f, key, NULL); ff != NULL;
	    ff = rb_form_next(f, key, ff))
		n++;
	return n;
}

const char *
rb_form_strerror(enum rb_form_err err)
{
	if ((unsigned)err >= RB_FORM_ERR__MAX)
		return "unknown error";
	return form_errors[err];
}
