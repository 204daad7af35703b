/*
 * braille.h: French braille documents, translated by liblouis through
 * its C API and laid out in lines and pages.
 *
 * Text (UTF-8) is translated with one of the two French tables:
 * grade 1 ("braille intégral", fr-bfu-comp6.utb) or grade 2 ("braille
 * abrégé", fr-bfu-g2.ctb), into 6-dot cells. A cell is a byte: bit 0 is
 * dot 1 ... bit 5 is dot 6 (the ISO 11548-1 order of U+2800..U+283F).
 * A document is a list of paragraphs; rb_braille_render() wraps them on
 * cell boundaries into lines of `cells` cells (a word is never broken
 * when it fits on a line; a longer one is cut, the cut marked with the
 * hyphen cell, dots 3-6) and pages of `lines` lines, the last line of
 * every page carrying its page number at the right (digits translated
 * with the same table), every page exactly `lines` lines long.
 *
 * Two output formats:
 *   RB_BRAILLE_UNICODE  UTF-8, cells as U+2800..U+283F (a blank cell is
 *                       U+2800), lines ending "\n", a form feed "\f"
 *                       between pages;
 *   RB_BRAILLE_EMBOSSER the French computer braille table TBFR2007
 *                       (6-dot subset) encoded in CP1252, one byte per
 *                       cell (blank: space), lines ending CR LF, a form
 *                       feed between pages: the file French embossers
 *                       print as it is.
 *
 * No-break spaces (U+00A0, U+202F) are translated as spaces but lines
 * never break there, so "1 234,56 €" stays on one line when it can.
 *
 * liblouis keeps global state (its table cache, its log callback) that
 * is not safe to use from several threads at once: every call into it
 * goes through one mutex held here, so these functions may be called
 * from any thread. The tables are loaded on first use and freed at exit
 * (atexit, lou_free()).
 */
#ifndef RB_DOCS_BRAILLE_H
#define RB_DOCS_BRAILLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum rb_braille_grade {
	RB_BRAILLE_NONE,		/* no braille wanted */
	RB_BRAILLE_GRADE1,		/* fr-bfu-comp6.utb, the default */
	RB_BRAILLE_GRADE2,		/* fr-bfu-g2.ctb */
	RB_BRAILLE__MAX
};

enum rb_braille_format {
	RB_BRAILLE_UNICODE,
	RB_BRAILLE_EMBOSSER,
	RB_BRAILLE_FORMAT__MAX
};

/* Default page geometry (settings braille_cells, braille_lines). */
#define RB_BRAILLE_CELLS_DEFAULT	32
#define RB_BRAILLE_LINES_DEFAULT	27
#define RB_BRAILLE_CELLS_MIN		12
#define RB_BRAILLE_LINES_MIN		4
#define RB_BRAILLE_GEOMETRY_MAX		60

/* A blank cell that came from a no-break space (flag bit of a cell). */
#define RB_BRAILLE_NOBREAK		0x40
/* The hyphen cell (dots 3-6) that marks a word cut at the line end. */
#define RB_BRAILLE_CUT			0x24

/* The liblouis table list of a grade ("fr-bfu-comp6.utb"), NULL for none. */
const char	*rb_braille_table(enum rb_braille_grade grade);

/*
 * Translates the UTF-8 text `utf8` with the grade's table and appends the
 * cells (one byte each, dots in bits 0-5, RB_BRAILLE_NOBREAK on blanks
 * that were no-break spaces) to out. Control characters are translated
 * as spaces. Returns 0, or -1 with an English reason in err (errlen
 * bytes): invalid UTF-8, a grade without table, liblouis failing (table
 * missing: liblouis-data not installed).
 */
int		 rb_braille_translate(enum rb_braille_grade grade,
		    const char *utf8, rb_buf *out, char *err, size_t errlen);

/* A document being built: paragraphs of cells. */
struct rb_braille_doc {
	enum rb_braille_grade	bd_grade;
	rb_buf			bd_cells;	/* paragraphs, each ended by
						   BD_END (0xff) */
	int			bd_failed;	/* a paragraph did not translate */
	char			bd_err[160];
};

void	rb_braille_doc_init(struct rb_braille_doc *d,
	    enum rb_braille_grade grade);
void	rb_braille_doc_free(struct rb_braille_doc *d);
/*
 * Appends a paragraph (UTF-8). An error is remembered in the document
 * and reported by rb_braille_render(), so a builder may add paragraphs
 * without checking each one. Returns 0 or -1.
 */
int	rb_braille_doc_para(struct rb_braille_doc *d, const char *utf8);
/* Appends a paragraph made of printf-style text. */
int	rb_braille_doc_paraf(struct rb_braille_doc *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends an empty line (dropped at the top of a page). */
void	rb_braille_doc_blank(struct rb_braille_doc *d);

/*
 * Lays the document out in lines of `cells` cells and pages of `lines`
 * lines (bounds RB_BRAILLE_CELLS_MIN / _LINES_MIN to
 * RB_BRAILLE_GEOMETRY_MAX) and appends it to out in format fmt. Sets
 * *pages (if not NULL) to the number of pages. Returns 0, or -1 with an
 * English reason in err (a paragraph that failed, geometry out of
 * bounds).
 */
int	rb_braille_render(const struct rb_braille_doc *d,
	    enum rb_braille_format fmt, int cells, int lines, rb_buf *out,
	    int *pages, char *err, size_t errlen);

/*
 * The TBFR2007 mapping of the 64 6-dot cells: the CP1252 byte of a cell
 * (dots & 0x3f), and back the cell of a byte, -1 for a byte that is not
 * one of the 64.
 */
unsigned char	rb_braille_tbfr_byte(unsigned dots);
int		rb_braille_tbfr_cell(unsigned char byte);

#endif
