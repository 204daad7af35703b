/*
 * embed.h: files compiled into the binary by scripts/embed.py
 * (migrations, templates). A table ends with a NULL name.
 */
#ifndef RB_EMBED_H
#define RB_EMBED_H

#include <stddef.h>

struct rb_embedded {
	const char	*emb_name;	/* base name, e.g. "0001_schema.sql" */
	const char	*emb_data;	/* NUL-terminated */
	size_t		 emb_len;
};

#endif
