/*
 * bill_pdf.h: a water bill drawn as an A4 PDF with cairo and pango.
 *
 * The text is real text (selectable, searchable), set in DejaVu Sans
 * whose subsets cairo embeds. The document carries its title, author,
 * subject and creator in its metadata and a structure tree (tagged PDF:
 * H1/H2, P, Table/TR/TH/TD) through cairo_tag_begin()/cairo_tag_end().
 * cairo 1.16 has no call for the document language (/Lang), so the PDF
 * has none.
 *
 * The drawer knows nothing of the database: it draws the "bill view", the
 * JSON object that app/bills.c builds for the bill page, with every text
 * already formatted (no number is computed here, money never passes
 * through floating point). Keys read, all strings unless said otherwise:
 *
 *   number, issued, due, period, printed_contract, contract_number,
 *   archive_note (or null), service_address, amount_label, total,
 *   excl_tax, vat_total, volume, volume_litres, litre_price (or null),
 *   m3_price (or null), payment_note, service_phone, emergency_phone,
 *   status: {label},
 *   issuer: {name, lines: [string], former (bool: the former operator,
 *   issuer of an archived bill)},
 *   customer: {name, lines: [string]},
 *   readings: [{label, index, date, kind}],
 *   headings: [{title, total, lines: [{label, detail (or null), quantity,
 *              unit_price, amount, vat_rate}]}],
 *   vat: [{rate, base, amount}],
 *   payment_methods: [string],
 *   alert: null or {text},
 *   debit_rejected: null or {text} (the bank rejected the bill's direct
 *   debit: drawn in the amount box, under the payment note),
 *   payments: [{date, method, amount}] (payments received; the block
 *   "Paiements reçus" is drawn when not empty), partly_paid (boolean),
 *   owed (what is left to pay)
 *
 * The bill page also reads, from the same view: has_payments,
 * paid_total, payable and pay_pending (booleans but paid_total; see
 * app/bills.c, payments_set()).
 *
 * A key missing or of the wrong type is drawn as empty text.
 */
#ifndef RB_DOCS_BILL_PDF_H
#define RB_DOCS_BILL_PDF_H

#include <stddef.h>

#include <jansson.h>

#include "base/buf.h"

/* Version of the drawing: bump it whenever the PDF's look changes, so
 * that cached PDFs (app/bills.c) are drawn again. */
#define RB_BILL_PDF_LAYOUT	"bill-pdf-6"

/*
 * Draws the bill view `bill` as a PDF appended to out. The creation date
 * written in the metadata is the bill's (issued_iso, "YYYY-MM-DD"), so
 * the same data always gives the same file. Safe to call from several
 * threads at once (each uses its own cairo context and pango layouts).
 * Returns 0, or -1 with an English reason in err (errlen bytes) and out
 * holding nothing usable.
 */
int	rb_bill_pdf_render(const json_t *bill, rb_buf *out, char *err,
	    size_t errlen);

#endif
