/*
 * filetype.h: what a file is, from its bytes alone. Recognises the three
 * kinds of attachment customer service accepts (JPEG, PNG, PDF) by their
 * structure, never by a name or a declared type: a PNG named photo.pdf
 * is a PNG, an HTML page named photo.jpg is nothing we accept.
 *
 *   JPEG  SOI (FF D8), then well-formed marker segments (each FF xx
 *         with a 16-bit length that stays inside the file) up to a
 *         start-of-scan segment.
 *   PNG   the 8-byte signature, IHDR first (13 bytes, width and height
 *         not 0), then chunks whose lengths stay inside the file, with
 *         letter-only types, up to IEND.
 *   PDF   "%PDF-d.d" at offset 0 and "%%EOF" within the last 1024 bytes.
 *
 * Pure: no allocation, no I/O.
 */
#ifndef RB_FILETYPE_H
#define RB_FILETYPE_H

#include <stddef.h>

enum rb_filetype {
	RB_FILETYPE_UNKNOWN,
	RB_FILETYPE_JPEG,
	RB_FILETYPE_PNG,
	RB_FILETYPE_PDF,
	RB_FILETYPE__MAX
};

/* The kind of data[0..len) (RB_FILETYPE_UNKNOWN when none fits). */
enum rb_filetype rb_filetype_sniff(const void *data, size_t len);
/* "image/jpeg", "image/png", "application/pdf"; NULL for UNKNOWN. */
const char	*rb_filetype_mime(enum rb_filetype t);
/* "jpg", "png", "pdf"; NULL for UNKNOWN. */
const char	*rb_filetype_ext(enum rb_filetype t);
/* The kind named by a MIME type rb_filetype_mime() gives, or UNKNOWN. */
enum rb_filetype rb_filetype_from_mime(const char *mime);

#endif
