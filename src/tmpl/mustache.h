/*
 * mustache.h: Robinet's mustache template engine.
 *
 * Templates follow the official mustache specification (comments,
 * delimiters, interpolation, inverted, partials, sections) plus its
 * ~inheritance extension (parents {{<layout}} and blocks {{$name}}), which
 * gives pages a common layout. Lambdas and dynamic names are not supported.
 *
 * A set holds named templates. Each is parsed once, at start-up, into a
 * tree; partials and parents are looked up by name in the same set, never
 * read from disk. After start-up the set is read-only: any number of
 * threads may render from it at once without locking.
 *
 * Rendering walks the tree against a jansson value. {{x}} is escaped with
 * rb_buf_html() (& < > " '); {{{x}}} and {{&x}} write raw text and are
 * meant for HTML built by Robinet itself. Falsy values for sections are
 * a missing key, null, false, "" and []; everything else (0 included) is
 * truthy. Numbers are written in C locale ("1.21"), true/false as
 * "true"/"false", null as nothing.
 */
#ifndef RB_MUSTACHE_H
#define RB_MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"

typedef struct rb_tmpl_set rb_tmpl_set;

/* Flags of rb_tmpl_render(). */
enum {
	/*
	 * A name that resolves to nothing (in {{x}}, {{#x}} or {{^x}}), a
	 * partial or parent that does not exist, or an object or array put
	 * in {{x}} is an error instead of rendering as empty text. Tests
	 * render in strict mode; optional values are then given as null or
	 * false rather than left out.
	 */
	RB_TMPL_STRICT = 1
};

/* Deepest nesting of sections, partials, parents and blocks. */
#define RB_TMPL_MAX_DEPTH	64
/*
 * Most tree nodes one rendering may visit, and its largest output: far
 * above any page (a table of 1,000 rows is some 30,000 steps), they stop
 * a runaway template (sections nested over lists) within a second.
 */
#define RB_TMPL_MAX_STEPS	(1UL << 22)
#define RB_TMPL_MAX_OUTPUT	((size_t)16 << 20)

/* Returns a new empty set; never NULL. Free it with rb_tmpl_set_free(). */
rb_tmpl_set	*rb_tmpl_set_new(void);

/* Frees the set and every template in it. NULL is allowed. */
void		 rb_tmpl_set_free(rb_tmpl_set *set);

/*
 * Parses src[0..len) and adds it to the set under name; both are copied.
 * Returns 0 on success. Returns -1 and writes "name:line: reason" into
 * err (when errlen > 0) on a syntax error (unclosed tag, unclosed or
 * mismatched section, bad tag name, bad delimiters, nesting deeper than
 * RB_TMPL_MAX_DEPTH), an empty name, or a name already in the set; the
 * set is then unchanged. Not safe while other threads use the set.
 */
int	 rb_tmpl_set_add(rb_tmpl_set *set, const char *name, const char *src,
	    size_t len, char *err, size_t errlen);

/*
 * Checks that every partial and parent named by any template of the set
 * exists. Returns 0 if so; else -1 and "template:line: unknown partial
 * \"x\"" in err. Call it once after the last rb_tmpl_set_add().
 */
int	 rb_tmpl_set_check(const rb_tmpl_set *set, char *err, size_t errlen);

/*
 * Renders template name against data (NULL renders with an empty
 * context) and appends the result to out. flags is 0 or RB_TMPL_STRICT.
 * Returns 0 on success. Returns -1 with "template:line: reason" in err
 * when name is not in the set, on a strict-mode miss (see RB_TMPL_STRICT),
 * or when a limit above is exceeded; out is then left as it was on entry.
 * Safe to call from many threads at once on the same set.
 */
int	 rb_tmpl_render(const rb_tmpl_set *set, const char *name,
	    const json_t *data, unsigned flags, rb_buf *out, char *err,
	    size_t errlen);

/*
 * Rows from C structs. A page that lists many items (bills) may hand
 * them as C structs rather than as JSON objects: building and freeing a
 * JSON object per item costs more than writing it. A struct is described
 * by a table of fields (name, type, offset); the renderer reads a name in
 * a row by a linear search of its fields, then reads the field in place.
 * Nothing is copied: every string must live until the rendering ends.
 * Values read from rows follow the rules of JSON values above: a NULL
 * pointer is null, an empty string and 0 are falsy ("" as text), a row
 * is an object, rows are an array.
 */
struct rb_tmpl_desc;

enum rb_tmpl_ftype {
	RB_TF_STR,	/* const char * at the offset; NULL is null */
	RB_TF_TEXT,	/* a char array at the offset */
	RB_TF_BOOL,	/* an int at the offset: 0 false, else true */
	RB_TF_ROW,	/* a const void * to a struct of tf_desc; NULL is null */
	RB_TF_SUB,	/* a struct of tf_desc at the offset */
	RB_TF_ROWS	/* a struct rb_tmpl_rows at the offset */
};

struct rb_tmpl_field {
	const char		*tf_name;
	enum rb_tmpl_ftype	 tf_type;
	size_t			 tf_off;
	const struct rb_tmpl_desc *tf_desc;	/* RB_TF_ROW, RB_TF_SUB */
};

/* A struct: its fields. */
struct rb_tmpl_desc {
	const struct rb_tmpl_field *td_fields;
	size_t			 td_nfields;
};

/* The field name of struct st, kept in its member (desc: for RB_TF_ROW
   and RB_TF_SUB, else NULL). */
#define RB_TMPL_FIELD(name, type, st, member, desc) \
	{ (name), (type), offsetof(st, member), (desc) }
/* The struct described by the array fields (its size counted). */
#define RB_TMPL_DESC(fields) \
	{ (fields), sizeof(fields) / sizeof((fields)[0]) }

/* rs_count structs of rs_desc, rs_size bytes apart from rs_base. */
struct rb_tmpl_rows {
	const struct rb_tmpl_desc *rs_desc;
	const void		*rs_base;
	size_t			 rs_count;
	size_t			 rs_size;
};

/*
 * As rb_tmpl_render(), with the struct row (of desc) on top of data: a
 * name is looked up in row first, then in data. row and desc NULL is
 * rb_tmpl_render().
 */
int	 rb_tmpl_render_row(const rb_tmpl_set *set, const char *name,
	    const json_t *data, const struct rb_tmpl_desc *desc,
	    const void *row, unsigned flags, rb_buf *out, char *err,
	    size_t errlen);

#endif
