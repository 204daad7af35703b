/*
 * mandate_pdf.h: a SEPA direct debit mandate ("mandat de prélèvement
 * SEPA") drawn as an A4 PDF with cairo and pango, for the subscriber to
 * keep after signing online.
 *
 * Like bill_pdf.c it knows nothing of the database: it draws a JSON
 * object whose values are already formatted strings:
 *   rum, ics, creditor_name, holder, iban_masked, signed_on (French
 *   date), signed_iso ("YYYY-MM-DD", the document's date), contract_number,
 *   status (e.g. "Actif" or "Révoqué le 3 décembre 2026").
 * Text is laid out with pango (set as plain text, never as markup), each
 * block placed under the measured height of the previous one.
 */
#ifndef RB_DOCS_MANDATE_PDF_H
#define RB_DOCS_MANDATE_PDF_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"

/*
 * Draws mandate m as a PDF appended to out. Returns 0, or -1 with an
 * English reason in err. Thread-safe like rb_bill_pdf_render().
 */
int	rb_mandate_pdf_render(const json_t *m, rb_buf *out, char *err,
	    size_t errlen);

#endif
