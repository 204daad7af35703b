/*
 * tree.h: the compiled form of a mustache template, shared by the parser
 * (parse.c), the renderer (render.c) and the set (mustache.c). Only files
 * of src/tmpl include it.
 *
 * A template is a list of nodes; sections, inverted sections, parents
 * and blocks have a list of children. Whitespace rules are settled by the
 * parser: standalone lines are already gone, and the content of a
 * standalone block has lost the indentation it had where it was written.
 * What is left for the renderer is to add indentation at the start of
 * each output line of an indented partial, parent or block.
 */
#ifndef RB_TMPL_TREE_H
#define RB_TMPL_TREE_H

#include <stddef.h>

#include "base/arena.h"
#include "tmpl/mustache.h"

enum tnode_type {
	TN_TEXT,	/* literal text */
	TN_VAR,		/* {{x}}: escaped */
	TN_RAW,		/* {{{x}}} and {{&x}}: raw */
	TN_SECTION,	/* {{#x}} */
	TN_INVERTED,	/* {{^x}} */
	TN_PARTIAL,	/* {{>x}} */
	TN_PARENT,	/* {{<x}}: children are the TN_BLOCK arguments only */
	TN_BLOCK	/* {{$x}}: children are the default content */
};

/* One dot-separated part of a name. */
struct tname_seg {
	const char	*seg_str;
	size_t		 seg_len;
};

struct tnode {
	enum tnode_type	 tn_type;
	unsigned	 tn_line;	/* line of the tag (or text) in its template */
	const char	*tn_str;	/* TN_TEXT: the text; others: the tag name */
	size_t		 tn_len;
	/* TN_VAR, TN_RAW, TN_SECTION, TN_INVERTED: the name split at dots;
	 * tn_npath == 0 for the implicit iterator ".". */
	const struct tname_seg *tn_path;
	size_t		 tn_npath;
	/*
	 * TN_PARTIAL, TN_PARENT, TN_BLOCK on a standalone line: tn_standalone
	 * is set and tn_indent is what to add at the start of every line of
	 * the inserted content (the tag's indentation; for a block, the
	 * indentation of its content, relative to the enclosing block).
	 */
	int		 tn_standalone;
	const char	*tn_indent;
	size_t		 tn_indentlen;
	struct tnode	*tn_kids;
	struct tnode	*tn_next;
};

struct tmpl {
	const char	*tp_name;
	const char	*tp_src;	/* private copy of the source */
	size_t		 tp_len;
	struct tnode	*tp_root;	/* first top-level node; NULL if empty */
	rb_arena	*tp_arena;	/* owns the struct, name, source and nodes */
};

/*
 * Parses tp->tp_src into tp->tp_root, allocating nodes from tp->tp_arena.
 * Returns 0, or -1 with "name:line: reason" in err.
 */
int	 rb_tmpl_parse(struct tmpl *tp, char *err, size_t errlen);

/* The template of set called name[0..len), or NULL. */
const struct tmpl *rb_tmpl_set_find(const rb_tmpl_set *set, const char *name,
	    size_t len);

/* Writes a message into err (if errlen > 0), truncating it. */
void	 rb_tmpl_errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
