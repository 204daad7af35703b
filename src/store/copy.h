/*
 * copy.h: copying a text column into a fixed-size buffer of a row
 * struct, or into a JSON value, for the domain files of src/store.
 * Private to src/store.
 */
#ifndef RB_STORE_COPY_H
#define RB_STORE_COPY_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

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

#endif
