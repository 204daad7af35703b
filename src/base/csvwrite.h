/*
 * csvwrite.h: a small streaming CSV writer (RFC 4180), for the files of
 * docs/import-format.md that `robinet demo --export` writes.
 *
 * Records are written one field at a time into a buffer of fixed size
 * that goes to the file with write(2) when full: memory does not grow
 * with the file. A field is quoted only when it must be: when it holds
 * the separator, a double quote, CR or LF; a quote inside is doubled.
 * Records end with CRLF, as RFC 4180 says (the import takes LF too).
 * SQL NULL and the empty string are both written as an empty field, which
 * is what the import format means by "none".
 *
 * Write errors are remembered, not returned by each call: the file is
 * only known good when rb_csvw_close() returns 0.
 *
 * Typical use:
 *
 *	rb_csvw *w;
 *
 *	if (rb_csvw_open("out/meters.csv", ';', &w) != 0)
 *		return -1;
 *	rb_csvw_text(w, "serial");
 *	rb_csvw_text(w, "contract_number");
 *	rb_csvw_end(w);
 *	...
 *	return rb_csvw_close(w);
 */
#ifndef RB_BASE_CSVWRITE_H
#define RB_BASE_CSVWRITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rb_csvw rb_csvw;

/*
 * rb_csvw_open() creates path (it must not exist yet: O_EXCL; mode 0600,
 * the files may hold personal data); rb_csvw_fdopen() writes to fd, an
 * open descriptor the writer then owns and closes. Fields are separated
 * by sep (';' or ','). Both return 0 and the writer in *out (finish it
 * with rb_csvw_close), or -1 with errno set and *out NULL (fd is then
 * closed too).
 */
int	 rb_csvw_open(const char *path, char sep, rb_csvw **out);
int	 rb_csvw_fdopen(int fd, char sep, rb_csvw **out);

/* Appends a text field; NULL writes an empty field. */
void	 rb_csvw_text(rb_csvw *w, const char *s);
/* Appends a text field of len bytes. */
void	 rb_csvw_textn(rb_csvw *w, const char *s, size_t len);
/* Appends an integer field, in decimal. */
void	 rb_csvw_int(rb_csvw *w, int64_t v);
/* Ends the current record (CRLF). A record of no field is an empty line. */
void	 rb_csvw_end(rb_csvw *w);

/* Records ended so far (the header included). */
uint64_t rb_csvw_records(const rb_csvw *w);

/*
 * Writes what is buffered, closes the file and frees w. Returns 0 when
 * every byte reached the file, or -1 with errno set (the first error
 * met, by any earlier call included). NULL is ignored (returns 0).
 */
int	 rb_csvw_close(rb_csvw *w);

#endif
