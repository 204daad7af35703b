/*
 * render.c: walks a compiled template (tree.h) against a jansson value
 * and appends the output to an rb_buf.
 *
 * All rendering state lives on the caller's stack (struct render and the
 * scopes, indentation and block arguments chained from it), so the set is
 * only read and many threads may render from it at once.
 *
 * Indentation of partials, parents and blocks is added lazily: r_bol
 * tells that the output is at the start of a template line, and the
 * indentation of the current scope is written before the next text or
 * value (never before an empty line, and never after a newline that came
 * from a value rather than from the template).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "tmpl/tree.h"

/* Indentation pieces, outermost first when written. */
struct indent {
	const char		*in_str;
	size_t			 in_len;
	const struct indent	*in_prev;
};

/* The blocks passed by one {{<parent}} tag being rendered. */
struct args {
	const struct tnode	*ar_parent;
	const struct tmpl	*ar_tmpl;	/* template holding ar_parent */
	const struct args	*ar_outer;	/* parent tags rendering us */
};

struct scope {
	const struct tmpl	*sc_tmpl;	/* for error messages */
	const struct args	*sc_args;
	const struct indent	*sc_indent;	/* NULL: no indentation */
};

/*
 * A value: a jansson value, or one read from a C struct (mustache.h,
 * rb_tmpl_render_row()).
 */
enum vkind {
	V_NONE,		/* nothing by that name */
	V_JSON,		/* v_json */
	V_NULL,		/* a NULL pointer of a struct */
	V_STR,		/* v_str */
	V_BOOL,		/* v_bool */
	V_ROW,		/* the struct v_row of v_desc */
	V_ROWS		/* v_rows */
};

struct val {
	enum vkind		 v_kind;
	int			 v_bool;
	union {
		const json_t		*vu_json;
		const char		*vu_str;
		const void		*vu_row;
		const struct rb_tmpl_rows *vu_rows;
	}			 v_u;
	const struct rb_tmpl_desc *v_desc;	/* V_ROW */
};
#define v_json	v_u.vu_json
#define v_str	v_u.vu_str
#define v_row	v_u.vu_row
#define v_rows	v_u.vu_rows

struct render {
	const rb_tmpl_set	*r_set;
	unsigned		 r_flags;
	rb_buf			*r_out;
	size_t			 r_start;	/* r_out->buf_len on entry */
	char			*r_err;
	size_t			 r_errlen;
	/* The data, one value per section level, and the one being pushed
	 * when descend() refuses to go deeper. */
	struct val		 r_stack[RB_TMPL_MAX_DEPTH + 2];
	size_t			 r_nstack;
	unsigned		 r_depth;
	unsigned long		 r_steps;
	int			 r_bol;
};

static int render_nodes(struct render *, const struct scope *,
    const struct tnode *);

static int
fail(struct render *r, const struct scope *sc, const struct tnode *n,
    const char *what)
{
	rb_tmpl_errf(r->r_err, r->r_errlen, "%s:%u: %s \"%.*s\"",
	    sc->sc_tmpl->tp_name, n->tn_line, what, (int)n->tn_len, n->tn_str);
	return -1;
}

static void
write_indent(struct render *r, const struct indent *in)
{
	if (in == NULL)
		return;
	write_indent(r, in->in_prev);
	rb_buf_append(r->r_out, in->in_str, in->in_len);
}

static void
emit_text(struct render *r, const struct scope *sc, const char *s, size_t n)
{
	const char *nl;
	size_t k;

	if (n == 0)
		return;
	if (sc->sc_indent == NULL) {
		rb_buf_append(r->r_out, s, n);
		r->r_bol = s[n - 1] == '\n';
		return;
	}
	while (n > 0) {
		nl = memchr(s, '\n', n);
		k = nl != NULL ? (size_t)(nl - s) + 1 : n;
		/* Empty lines get no indentation. */
		if (r->r_bol && !(k == 1 && s[0] == '\n') &&
		    !(k == 2 && s[0] == '\r' && s[1] == '\n'))
			write_indent(r, sc->sc_indent);
		rb_buf_append(r->r_out, s, k);
		r->r_bol = s[k - 1] == '\n';
		s += k;
		n -= k;
	}
}

static void
emit_value(struct render *r, const struct scope *sc, const char *s,
    size_t n, int escape)
{
	if (n == 0)
		return;
	if (r->r_bol)
		write_indent(r, sc->sc_indent);
	r->r_bol = 0;
	if (escape)
		rb_buf_html(r->r_out, s, n);
	else
		rb_buf_append(r->r_out, s, n);
}

/* The field name[0..len) of the struct row of d into v; 0 if none. */
static int
row_get(const struct rb_tmpl_desc *d, const void *row, const char *name,
    size_t len, struct val *v)
{
	const struct rb_tmpl_field *f;
	const char *at;
	size_t i;

	for (i = 0; i < d->td_nfields; i++) {
		f = &d->td_fields[i];
		if (f->tf_name[0] != name[0] ||
		    strncmp(f->tf_name, name, len) != 0 ||
		    f->tf_name[len] != '\0')
			continue;
		at = (const char *)row + f->tf_off;
		switch (f->tf_type) {
		case RB_TF_STR:
			v->v_str = *(const char *const *)(const void *)at;
			v->v_kind = v->v_str != NULL ? V_STR : V_NULL;
			break;
		case RB_TF_TEXT:
			v->v_str = at;
			v->v_kind = V_STR;
			break;
		case RB_TF_BOOL:
			v->v_bool = *(const int *)(const void *)at != 0;
			v->v_kind = V_BOOL;
			break;
		case RB_TF_ROW:
			v->v_row = *(const void *const *)(const void *)at;
			v->v_desc = f->tf_desc;
			v->v_kind = v->v_row != NULL ? V_ROW : V_NULL;
			break;
		case RB_TF_SUB:
			v->v_row = at;
			v->v_desc = f->tf_desc;
			v->v_kind = V_ROW;
			break;
		case RB_TF_ROWS:
			v->v_rows = (const struct rb_tmpl_rows *)(const void *)at;
			v->v_kind = V_ROWS;
			break;
		}
		return 1;
	}
	return 0;
}

/* The member seg of in (an object or a struct) into out; 0 if none. */
static int
member(const struct val *in, const struct tname_seg *seg, struct val *out)
{
	const json_t *j;

	if (in->v_kind == V_ROW)
		return row_get(in->v_desc, in->v_row, seg->seg_str,
		    seg->seg_len, out);
	if (in->v_kind != V_JSON || !json_is_object(in->v_json))
		return 0;
	if ((j = json_object_getn(in->v_json, seg->seg_str,
	    seg->seg_len)) == NULL)
		return 0;
	out->v_kind = V_JSON;
	out->v_json = j;
	return 1;
}

/*
 * Resolves a name into v: "." is the top of the context stack; otherwise
 * the first part is looked up from the top of the stack down, and the
 * other parts only inside what it found. V_NONE when nothing matches.
 */
static void
lookup(const struct render *r, const struct tnode *n, struct val *v)
{
	struct val in;
	size_t i, k;

	v->v_kind = V_NONE;
	if (n->tn_npath == 0) {
		if (r->r_nstack > 0)
			*v = r->r_stack[r->r_nstack - 1];
		return;
	}
	for (i = r->r_nstack; i > 0; i--)
		if (member(&r->r_stack[i - 1], &n->tn_path[0], v))
			break;
	for (k = 1; k < n->tn_npath && v->v_kind != V_NONE; k++) {
		in = *v;
		if (!member(&in, &n->tn_path[k], v))
			v->v_kind = V_NONE;
	}
}

static int
truthy(const struct val *val)
{
	const json_t *v = val->v_json;

	switch (val->v_kind) {
	case V_NONE:
	case V_NULL:
		return 0;
	case V_STR:
		return val->v_str[0] != '\0';
	case V_BOOL:
		return val->v_bool;
	case V_ROW:
		return 1;
	case V_ROWS:
		return val->v_rows->rs_count > 0;
	case V_JSON:
		break;
	}
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return 1;
}

/* Shortest "%g" form that reads back as d, with a '.' in any locale. */
static void
format_real(double d, char *buf, size_t size)
{
	char *p;
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, size, "%.17g", d);
	for (p = buf; *p != '\0'; p++)
		if (*p == ',')
			*p = '.';
}

static int
render_value(struct render *r, const struct scope *sc, const struct tnode *n)
{
	struct val val;
	const json_t *v;
	int escape = n->tn_type == TN_VAR;
	char num[64];

	lookup(r, n, &val);
	switch (val.v_kind) {
	case V_NONE:
		if (r->r_flags & RB_TMPL_STRICT)
			return fail(r, sc, n, "unknown key");
		return 0;
	case V_NULL:
		return 0;
	case V_STR:
		emit_value(r, sc, val.v_str, strlen(val.v_str), escape);
		return 0;
	case V_BOOL:
		if (val.v_bool)
			emit_value(r, sc, "true", 4, 0);
		else
			emit_value(r, sc, "false", 5, 0);
		return 0;
	case V_ROW:
	case V_ROWS:
		if (r->r_flags & RB_TMPL_STRICT)
			return fail(r, sc, n,
			    "cannot write an object or array as text:");
		return 0;
	case V_JSON:
		break;
	}
	v = val.v_json;
	switch (json_typeof(v)) {
	case JSON_STRING:
		emit_value(r, sc, json_string_value(v), json_string_length(v),
		    escape);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		emit_value(r, sc, num, strlen(num), 0);
		break;
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof(num));
		emit_value(r, sc, num, strlen(num), 0);
		break;
	case JSON_TRUE:
		emit_value(r, sc, "true", 4, 0);
		break;
	case JSON_FALSE:
		emit_value(r, sc, "false", 5, 0);
		break;
	case JSON_NULL:
		break;
	default:
		if (r->r_flags & RB_TMPL_STRICT)
			return fail(r, sc, n,
			    "cannot write an object or array as text:");
		break;
	}
	return 0;
}

/* Renders list one level deeper, on behalf of the tag n. */
static int
descend(struct render *r, const struct scope *sc, const struct scope *sub,
    const struct tnode *n, const struct tnode *list)
{
	int rc;

	if (r->r_depth >= RB_TMPL_MAX_DEPTH) {
		rb_tmpl_errf(r->r_err, r->r_errlen,
		    "%s:%u: nesting deeper than %d at \"%.*s\" (recursive "
		    "partial?)", sc->sc_tmpl->tp_name, n->tn_line,
		    RB_TMPL_MAX_DEPTH, (int)n->tn_len, n->tn_str);
		return -1;
	}
	r->r_depth++;
	rc = render_nodes(r, sub, list);
	r->r_depth--;
	return rc;
}

/* Renders the children of n with v on top of the context stack. */
static int
with_context(struct render *r, const struct scope *sc, const struct tnode *n,
    const struct val *v)
{
	int rc;

	r->r_stack[r->r_nstack++] = *v;
	rc = descend(r, sc, sc, n, n->tn_kids);
	r->r_nstack--;
	return rc;
}

static int
render_section(struct render *r, const struct scope *sc,
    const struct tnode *n)
{
	const struct rb_tmpl_rows *rs;
	struct val v, item;
	size_t i;

	lookup(r, n, &v);
	if (v.v_kind == V_NONE && (r->r_flags & RB_TMPL_STRICT))
		return fail(r, sc, n, "unknown key");
	if (n->tn_type == TN_INVERTED)
		return truthy(&v) ? 0 : descend(r, sc, sc, n, n->tn_kids);
	if (!truthy(&v))
		return 0;
	if (v.v_kind == V_ROWS) {
		rs = v.v_rows;
		memset(&item, 0, sizeof(item));
		item.v_kind = V_ROW;
		item.v_desc = rs->rs_desc;
		for (i = 0; i < rs->rs_count; i++) {
			item.v_row = (const char *)rs->rs_base + i * rs->rs_size;
			if (with_context(r, sc, n, &item) == -1)
				return -1;
		}
		return 0;
	}
	if (v.v_kind != V_JSON || !json_is_array(v.v_json))
		return with_context(r, sc, n, &v);
	memset(&item, 0, sizeof(item));
	item.v_kind = V_JSON;
	for (i = 0; i < json_array_size(v.v_json); i++) {
		item.v_json = json_array_get(v.v_json, i);
		if (with_context(r, sc, n, &item) == -1)
			return -1;
	}
	return 0;
}

/*
 * Renders another template of the set for a partial or parent tag:
 * indented when the tag stands alone, with no indentation when inline.
 */
static int
render_include(struct render *r, const struct scope *sc,
    const struct tnode *n, const struct args *args)
{
	const struct tmpl *tp;
	struct indent in;
	struct scope sub;

	tp = rb_tmpl_set_find(r->r_set, n->tn_str, n->tn_len);
	if (tp == NULL) {
		if (r->r_flags & RB_TMPL_STRICT)
			return fail(r, sc, n, n->tn_type == TN_PARENT ?
			    "unknown parent template" : "unknown partial");
		return 0;
	}
	sub.sc_tmpl = tp;
	sub.sc_args = args;
	sub.sc_indent = NULL;
	if (n->tn_standalone) {
		sub.sc_indent = sc->sc_indent;
		if (n->tn_indentlen > 0) {
			in.in_str = n->tn_indent;
			in.in_len = n->tn_indentlen;
			in.in_prev = sc->sc_indent;
			sub.sc_indent = &in;
		}
	}
	return descend(r, sc, &sub, n, tp->tp_root);
}

/*
 * Expands a block: the argument of that name passed by the outermost
 * parent tag being rendered, else the block's own content.
 */
static int
render_block(struct render *r, const struct scope *sc, const struct tnode *n)
{
	const struct tnode *content = n->tn_kids, *k;
	const struct args *a;
	struct indent in;
	struct scope sub = *sc;

	for (a = sc->sc_args; a != NULL; a = a->ar_outer) {
		for (k = a->ar_parent->tn_kids; k != NULL; k = k->tn_next) {
			if (k->tn_len == n->tn_len &&
			    memcmp(k->tn_str, n->tn_str, n->tn_len) == 0) {
				content = k->tn_kids;
				sub.sc_tmpl = a->ar_tmpl;
				break;
			}
		}
	}
	if (n->tn_standalone && n->tn_indentlen > 0) {
		in.in_str = n->tn_indent;
		in.in_len = n->tn_indentlen;
		in.in_prev = sc->sc_indent;
		sub.sc_indent = &in;
	}
	return descend(r, sc, &sub, n, content);
}

static int
render_nodes(struct render *r, const struct scope *sc, const struct tnode *n)
{
	struct args args;

	for (; n != NULL; n = n->tn_next) {
		if (++r->r_steps > RB_TMPL_MAX_STEPS) {
			rb_tmpl_errf(r->r_err, r->r_errlen,
			    "%s:%u: rendering takes more than %lu steps",
			    sc->sc_tmpl->tp_name, n->tn_line,
			    RB_TMPL_MAX_STEPS);
			return -1;
		}
		if (r->r_out->buf_len - r->r_start > RB_TMPL_MAX_OUTPUT) {
			rb_tmpl_errf(r->r_err, r->r_errlen,
			    "%s:%u: output larger than %zu bytes",
			    sc->sc_tmpl->tp_name, n->tn_line,
			    RB_TMPL_MAX_OUTPUT);
			return -1;
		}
		switch (n->tn_type) {
		case TN_TEXT:
			emit_text(r, sc, n->tn_str, n->tn_len);
			break;
		case TN_VAR:
		case TN_RAW:
			if (render_value(r, sc, n) == -1)
				return -1;
			break;
		case TN_SECTION:
		case TN_INVERTED:
			if (render_section(r, sc, n) == -1)
				return -1;
			break;
		case TN_PARTIAL:
			if (render_include(r, sc, n, sc->sc_args) == -1)
				return -1;
			break;
		case TN_PARENT:
			args.ar_parent = n;
			args.ar_tmpl = sc->sc_tmpl;
			args.ar_outer = sc->sc_args;
			if (render_include(r, sc, n, &args) == -1)
				return -1;
			break;
		case TN_BLOCK:
			if (render_block(r, sc, n) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

int
rb_tmpl_render_row(const rb_tmpl_set *set, const char *name,
    const json_t *data, const struct rb_tmpl_desc *desc, const void *row,
    unsigned flags, rb_buf *out, char *err, size_t errlen)
{
	struct render r;
	struct scope sc;
	int rc = -1;

	/* Field by field, not memset: r_stack is large and each entry is
	   written as it is pushed. */
	r.r_set = set;
	r.r_flags = flags;
	r.r_out = out;
	r.r_start = out->buf_len;
	r.r_err = err;
	r.r_errlen = errlen;
	r.r_nstack = 0;
	r.r_depth = 0;
	r.r_steps = 0;
	r.r_bol = 1;
	if (data != NULL) {
		memset(&r.r_stack[r.r_nstack], 0, sizeof(r.r_stack[0]));
		r.r_stack[r.r_nstack].v_kind = V_JSON;
		r.r_stack[r.r_nstack++].v_json = data;
	}
	if (desc != NULL && row != NULL) {
		memset(&r.r_stack[r.r_nstack], 0, sizeof(r.r_stack[0]));
		r.r_stack[r.r_nstack].v_kind = V_ROW;
		r.r_stack[r.r_nstack].v_desc = desc;
		r.r_stack[r.r_nstack++].v_row = row;
	}
	sc.sc_tmpl = rb_tmpl_set_find(set, name, strlen(name));
	sc.sc_args = NULL;
	sc.sc_indent = NULL;
	if (sc.sc_tmpl == NULL) {
		rb_tmpl_errf(err, errlen, "unknown template \"%s\"", name);
		goto out;
	}
	if (render_nodes(&r, &sc, sc.sc_tmpl->tp_root) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		out->buf_len = r.r_start;
		if (out->buf_data != NULL)
			out->buf_data[out->buf_len] = '\0';
	}
	return rc;
}

int
rb_tmpl_render(const rb_tmpl_set *set, const char *name, const json_t *data,
    unsigned flags, rb_buf *out, char *err, size_t errlen)
{
	return rb_tmpl_render_row(set, name, data, NULL, NULL, flags, out,
	    err, errlen);
}
