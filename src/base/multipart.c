/*
 * multipart.c: multipart/form-data parser (see multipart.h).
 *
 * Two passes over the parts: the first checks every delimiter, header
 * and limit and counts fields and files; the second copies them into
 * arrays sized by the first, so nothing partial is ever returned.
 */
#define _GNU_SOURCE		/* memmem */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <unistr.h>

#include "multipart.h"

#define BOUNDARY_MAX	70	/* RFC 2046 */

static const char *const mp_errors[RB_MP_ERR__MAX] = {
	[RB_MP_OK] = "no error",
	[RB_MP_NO_BOUNDARY] = "no multipart boundary",
	[RB_MP_MALFORMED] = "malformed multipart body",
	[RB_MP_TOO_MANY_FIELDS] = "too many fields",
	[RB_MP_KEY_TOO_LONG] = "key too long",
	[RB_MP_VALUE_TOO_LONG] = "value too long",
	[RB_MP_BAD_TEXT] = "text field not UTF-8 or with NUL",
	[RB_MP_TOO_MANY_FILES] = "too many files",
};

const char *
rb_multipart_strerror(enum rb_multipart_err err)
{
	return (unsigned)err < RB_MP_ERR__MAX ? mp_errors[err] : "?";
}

int
rb_multipart_is(const char *ctype)
{
	return ctype != NULL &&
	    strncasecmp(ctype, "multipart/form-data", 19) == 0 &&
	    (ctype[19] == '\0' || ctype[19] == ';' || ctype[19] == ' ');
}

/* Copies the boundary parameter of ctype into out; 0 or -1. */
static int
boundary_of(const char *ctype, char *out)
{
	const char *p = ctype + 19, *v;
	size_t n;

	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		v = p + 9;
		if (*v == '"') {
			v++;
			n = strcspn(v, "\"");
			if (v[n] != '"')
				return -1;
		} else
			n = strcspn(v, "; \t");
		if (n == 0 || n > BOUNDARY_MAX)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/*
 * Finds parameter name (name="…" or filename="…") in the disposition
 * value d[0..len): sets *v and *vlen; 1 found, 0 absent, -1 malformed.
 */
static int
disp_param(const char *d, size_t len, const char *name, const char **v,
    size_t *vlen)
{
	size_t nl = strlen(name), i = 0, j;

	while (i < len) {
		while (i < len && d[i] != ';')
			i++;
		if (i >= len)
			return 0;
		i++;
		while (i < len && (d[i] == ' ' || d[i] == '\t'))
			i++;
		if (len - i > nl && strncasecmp(d + i, name, nl) == 0 &&
		    d[i + nl] == '=') {
			i += nl + 1;
			if (i < len && d[i] == '"') {
				for (j = i + 1; j < len && d[j] != '"'; j++)
					;
				if (j >= len)
					return -1;
				*v = d + i + 1;
				*vlen = j - i - 1;
			} else {
				for (j = i; j < len && d[j] != ';' &&
				    d[j] != ' '; j++)
					;
				*v = d + i;
				*vlen = j - i;
			}
			return 1;
		}
	}
	return 0;
}

struct part {
	const char	*pt_name;
	size_t		 pt_name_len;
	int		 pt_file;
	const char	*pt_data;
	size_t		 pt_len;
};

/*
 * Reads the headers of a part at h[0..len) (up to the blank line):
 * fills p's name and kind and sets *hdr_len to the bytes of headers and
 * blank line. Returns RB_MP_OK or RB_MP_MALFORMED.
 */
static enum rb_multipart_err
part_headers(const char *h, size_t len, struct part *p, size_t *hdr_len)
{
	const char *end = memmem(h, len, "\r\n\r\n", 4), *line, *eol, *v;
	size_t vlen, hl;
	int have_disp = 0, k;

	if (len >= 2 && memcmp(h, "\r\n", 2) == 0)
		return RB_MP_MALFORMED;	/* no headers: no disposition */
	if (end == NULL)
		return RB_MP_MALFORMED;
	*hdr_len = (size_t)(end - h) + 4;
	hl = (size_t)(end - h) + 2;
	for (line = h; line < h + hl; line = eol + 2) {
		eol = memmem(line, (size_t)(h + hl - line), "\r\n", 2);
		if (eol == NULL)
			return RB_MP_MALFORMED;
		if ((size_t)(eol - line) > 20 &&
		    strncasecmp(line, "Content-Disposition:", 20) == 0) {
			const char *d = line + 20;
			size_t dl = (size_t)(eol - d);

			while (dl > 0 && (*d == ' ' || *d == '\t'))
				d++, dl--;
			if (dl < 9 || strncasecmp(d, "form-data", 9) != 0 ||
			    have_disp)
				return RB_MP_MALFORMED;
			have_disp = 1;
			k = disp_param(d, dl, "name", &v, &vlen);
			if (k != 1 || vlen == 0)
				return RB_MP_MALFORMED;
			p->pt_name = v;
			p->pt_name_len = vlen;
			k = disp_param(d, dl, "filename", &v, &vlen);
			if (k < 0)
				return RB_MP_MALFORMED;
			p->pt_file = k == 1;
		}
	}
	return have_disp ? RB_MP_OK : RB_MP_MALFORMED;
}

/*
 * Walks the parts of body; calls take(p, arg) for each (when take is
 * not NULL). Returns RB_MP_OK or the first structural error.
 */
static enum rb_multipart_err
walk(const char *body, size_t len, const char *delim, size_t dlen,
    int (*take)(const struct part *, void *), void *arg)
{
	const char *p, *next, *end = body + len;
	struct part pt;
	size_t hdr_len;
	enum rb_multipart_err e;
	int k;

	/* The first delimiter opens the body (preamble allowed). */
	p = memmem(body, len, delim + 2, dlen - 2);
	if (p == NULL || (p != body && (p - body < 2 ||
	    memcmp(p - 2, "\r\n", 2) != 0)))
		return RB_MP_MALFORMED;
	p += dlen - 2;
	for (;;) {
		if (end - p >= 2 && memcmp(p, "--", 2) == 0)
			return RB_MP_OK;	/* close delimiter */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			return RB_MP_MALFORMED;
		p += 2;
		memset(&pt, 0, sizeof(pt));
		if ((e = part_headers(p, (size_t)(end - p), &pt, &hdr_len)) !=
		    RB_MP_OK)
			return e;
		p += hdr_len;
		next = memmem(p, (size_t)(end - p), delim, dlen);
		if (next == NULL)
			return RB_MP_MALFORMED;
		pt.pt_data = p;
		pt.pt_len = (size_t)(next - p);
		if (take != NULL && (k = take(&pt, arg)) != RB_MP_OK)
			return k;
		p = next + dlen;
	}
}

struct counts {
	const struct rb_form_limits *c_lim;
	size_t	c_max_files;
	size_t	c_fields;
	size_t	c_files;
};

static int
count_part(const struct part *p, void *arg)
{
	struct counts *c = arg;

	if (p->pt_name_len > c->c_lim->fl_max_key_len)
		return RB_MP_KEY_TOO_LONG;
	if (memchr(p->pt_name, '\0', p->pt_name_len) != NULL ||
	    u8_check((const uint8_t *)p->pt_name, p->pt_name_len) != NULL)
		return RB_MP_BAD_TEXT;
	if (p->pt_file) {
		if (p->pt_len == 0)
			return RB_MP_OK;
		if (++c->c_files > c->c_max_files)
			return RB_MP_TOO_MANY_FILES;
		return RB_MP_OK;
	}
	if (p->pt_len > c->c_lim->fl_max_value_len)
		return RB_MP_VALUE_TOO_LONG;
	if (memchr(p->pt_data, '\0', p->pt_len) != NULL ||
	    u8_check((const uint8_t *)p->pt_data, p->pt_len) != NULL)
		return RB_MP_BAD_TEXT;
	if (++c->c_fields > c->c_lim->fl_max_fields)
		return RB_MP_TOO_MANY_FIELDS;
	return RB_MP_OK;
}

struct fill {
	rb_arena		*f_arena;
	struct rb_form		*f_fields;
	struct rb_uploads	*f_files;
};

static int
fill_part(const struct part *p, void *arg)
{
	struct fill *f = arg;
	struct rb_form_field *ff;
	struct rb_upload *up;
	unsigned char *data;

	if (p->pt_file) {
		if (p->pt_len == 0)
			return RB_MP_OK;
		up = &f->f_files->ups[f->f_files->nups++];
		up->up_field = rb_arena_strndup(f->f_arena, p->pt_name,
		    p->pt_name_len);
		data = rb_arena_alloc(f->f_arena, p->pt_len);
		memcpy(data, p->pt_data, p->pt_len);
		up->up_data = data;
		up->up_len = p->pt_len;
		return RB_MP_OK;
	}
	ff = &f->f_fields->form_fields[f->f_fields->form_nfields++];
	ff->ff_key = rb_arena_strndup(f->f_arena, p->pt_name, p->pt_name_len);
	ff->ff_key_len = p->pt_name_len;
	ff->ff_value = rb_arena_strndup(f->f_arena, p->pt_data, p->pt_len);
	ff->ff_value_len = p->pt_len;
	return RB_MP_OK;
}

int
rb_multipart_parse(rb_arena *a, const char *ctype, const char *body,
    size_t len, const struct rb_form_limits *limits, size_t max_files,
    struct rb_form *fields, struct rb_uploads *files,
    enum rb_multipart_err *err)
{
	char boundary[BOUNDARY_MAX + 1], delim[BOUNDARY_MAX + 5];
	struct counts c;
	struct fill f;
	size_t dlen;
	enum rb_multipart_err e;

	memset(fields, 0, sizeof(*fields));
	memset(files, 0, sizeof(*files));
	if (limits == NULL)
		limits = &rb_form_default_limits;
	if (!rb_multipart_is(ctype) || boundary_of(ctype, boundary) != 0) {
		e = RB_MP_NO_BOUNDARY;
		goto fail;
	}
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	memset(&c, 0, sizeof(c));
	c.c_lim = limits;
	c.c_max_files = max_files;
	if ((e = walk(body, len, delim, dlen, count_part, &c)) != RB_MP_OK)
		goto fail;
	if (c.c_fields > 0)
		fields->form_fields = rb_arena_alloc(a,
		    c.c_fields * sizeof(struct rb_form_field));
	if (c.c_files > 0)
		files->ups = rb_arena_alloc(a,
		    c.c_files * sizeof(struct rb_upload));
	f.f_arena = a;
	f.f_fields = fields;
	f.f_files = files;
	(void)walk(body, len, delim, dlen, fill_part, &f);
	if (err != NULL)
		*err = RB_MP_OK;
	return 0;
fail:
	if (err != NULL)
		*err = e;
	return -1;
}
