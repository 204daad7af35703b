/*
 * braille_bill.h: the water bill and the letters in braille, built from
 * the same data as their PDF and email (docs/braille.h does the
 * translation and the layout).
 *
 * The bill reads in an order designed for the fingers, not in the PDF's
 * columns: who and what (issuer, bill number and date, contract,
 * period, customer, address served, the archive note of a pre-2024
 * bill), the indexes and the volume, each amount line under its
 * heading, the totals, the payments received and what is left to pay,
 * the date limite de paiement with the status sentence, how to pay, the
 * phone numbers. Each item is one paragraph starting
 * with its label ("Contrat n° 1000000001"), so a reader finds it by the
 * first word of a line.
 */
#ifndef RB_DOCS_BRAILLE_BILL_H
#define RB_DOCS_BRAILLE_BILL_H

#include <jansson.h>

#include "docs/braille.h"

/*
 * Adds the bill view `bill` (the JSON object documented in
 * docs/bill_pdf.h; a missing key reads as empty text) to the document d,
 * which the caller initialised with its grade. Errors stay in d (see
 * rb_braille_doc_para()).
 */
void	rb_braille_bill(struct rb_braille_doc *d, const json_t *bill);

/*
 * Adds a letter to d: the title, then each paragraph of the plain text
 * `text` (paragraphs are separated by an empty line; lines inside a
 * paragraph are joined with a space, so the braille lines are filled
 * whatever the email's line length).
 */
void	rb_braille_letter(struct rb_braille_doc *d, const char *title,
	    const char *text);

#endif
