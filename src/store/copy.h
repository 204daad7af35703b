/*
 * copy.h: copying a text column into a fixed-size buffer of a row
 * struct, or into a JSON value, and a query's rows into a JSON array, for
 * the domain files of src/store. Private to src/store.
 */
#ifndef RB_STORE_COPY_H
#define RB_STORE_COPY_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "store/db.h"

/*
 * Copies src (NULL copies "") into dst of size bytes (> 0), always
 * NUL-terminated. A text too long is cut before the character that does
 * not fit, never inside a UTF-8 sequence. Returns 0 when everything was
 * copied, 1 when the text was cut.
 */
static inline int
rb_store_copy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n < size) {
		memcpy(dst, src, n + 1);
		return 0;
	}
	n = size - 1;
	/* Back off over continuation bytes to the start of a character. */
	while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 1;
}

/* A new JSON string of s (a text column), or JSON null when s is NULL. */
static inline json_t *
rb_store_json_text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/*
 * The current row of st as a new JSON object: column i under names[i],
 * an integer when kinds[i] is 'i', text otherwise, and JSON null for SQL
 * NULL. kinds has one letter per column: its length is the count.
 */
static inline json_t *
rb_store_json_object(rb_stmt *st, const char *const *names, const char *kinds)
{
	json_t *o = json_object(), *v;
	int i;

	for (i = 0; kinds[i] != '\0'; i++) {
		if (rb_stmt_is_null(st, i))
			v = json_null();
		else if (kinds[i] == 'i')
			v = json_integer(rb_stmt_int(st, i));
		else
			v = json_string(rb_stmt_text(st, i));
		json_object_set_new(o, names[i], v);
	}
	return o;
}

/*
 * Runs sql with the values b[0..n-1] and appends to a new JSON array what
 * row(st, array) makes of each row (row appends to the json_t * it is
 * given). Returns 0 and the array in *out (the caller owns it), or -1
 * and *out NULL.
 */
static inline int
rb_store_json_rows(rb_db *db, const char *sql, const struct rb_bind *b,
    size_t n, rb_row_fn *row, json_t **out)
{
	json_t *arr = json_array();

	*out = NULL;
	if (rb_db_fetch_all(db, sql, b, n, row, arr) != 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

#endif
