/*
 * namekey.h: the search key of a person's name, for the agents' customer
 * search (store/custsearch.h): case, accents and punctuation folded away
 * so that "Béghin", "BEGHIN" and "beghin" are one key and a prefix of it
 * is a prefix of the key.
 *
 * The fold: Unicode case folding and canonical decomposition, combining
 * marks dropped, "œ" "æ" "ø" "ł" "đ" "ß" spelled out in ASCII
 * ("oe" "ae" "o" "l" "d" "ss"), apostrophes (' and ’) dropped so that
 * "N'Diaye" is "ndiaye", every other character that is not a letter or
 * a digit (hyphen, space, dot…) one space, no space at either end nor
 * two in a row. Letters of other scripts stay as they are (lower case).
 * The key of a customer is the fold of "last_name first_name".
 */
#ifndef RB_BASE_NAMEKEY_H
#define RB_BASE_NAMEKEY_H

#include <stddef.h>

/* Bytes of a key, NUL included: longer folds are cut at a character. */
#define RB_NAMEKEY_MAX	160

/*
 * Writes into out (size bytes, at least 1) the fold of s (NULL is "").
 * Text that is not UTF-8 folds to "". Returns the length of the key.
 */
size_t	rb_namekey_fold(const char *s, char *out, size_t size);

/*
 * Writes into out (size bytes) the key of a customer: the fold of
 * last " " first (first may be NULL or ""). Returns its length.
 */
size_t	rb_namekey_customer(const char *last, const char *first, char *out,
	    size_t size);

#endif
