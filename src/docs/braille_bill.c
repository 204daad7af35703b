/*
 * braille_bill.c: the bill and the letters as braille documents (see
 * braille_bill.h). Only reads the bill view; every number and date comes
 * already written the French way, and liblouis translates it as it is.
 */
#include <string.h>

#include "docs/braille_bill.h"

/* A string member of o, "" when missing or not a string. */
static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* "label : value" ("Contrat n° 1000000001" after "n°") when value is
 * not empty. */
static void
item(struct rb_braille_doc *d, const char *label, const char *value)
{
	size_t n = strlen(label);

	if (value[0] == '\0')
		return;
	if (n >= 3 && strcmp(label + n - 3, "n\xc2\xb0") == 0)
		rb_braille_doc_paraf(d, "%s %s", label, value);
	else
		rb_braille_doc_paraf(d, "%s : %s", label, value);
}

static void
readings(struct rb_braille_doc *d, const json_t *bill)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(bill, "readings"), i, r) {
		const char *date = str(r, "date"), *kind = str(r, "kind");

		rb_braille_doc_paraf(d, "%s : %s%s%s%s%s%s", str(r, "label"),
		    str(r, "index"), date[0] ? ", le " : "", date,
		    kind[0] ? " (" : "", kind, kind[0] ? ")" : "");
	}
	item(d, "Volume consommé", str(bill, "volume"));
	item(d, "Prix moyen du mètre cube", str(bill, "m3_price"));
}

static void
headings(struct rb_braille_doc *d, const json_t *bill)
{
	const json_t *h, *l;
	size_t i, k;

	json_array_foreach(json_object_get(bill, "headings"), i, h) {
		rb_braille_doc_blank(d);
		rb_braille_doc_paraf(d, "%s : %s", str(h, "title"),
		    str(h, "total"));
		json_array_foreach(json_object_get(h, "lines"), k, l) {
			const char *detail = str(l, "detail");

			rb_braille_doc_paraf(d, "%s%s%s : %s, %s pour %s, "
			    "TVA %s", str(l, "label"), detail[0] ? ", " : "",
			    detail, str(l, "amount"), str(l, "unit_price"),
			    str(l, "quantity"), str(l, "vat_rate"));
		}
	}
}

static void
totals(struct rb_braille_doc *d, const json_t *bill)
{
	const json_t *v, *p;
	size_t i;

	rb_braille_doc_blank(d);
	item(d, "Total hors taxes", str(bill, "excl_tax"));
	json_array_foreach(json_object_get(bill, "vat"), i, v)
		rb_braille_doc_paraf(d, "TVA à %s sur %s : %s", str(v, "rate"),
		    str(v, "base"), str(v, "amount"));
	item(d, "Total TVA", str(bill, "vat_total"));
	item(d, "Montant total", str(bill, "total"));
	if (json_array_size(json_object_get(bill, "payments")) > 0) {
		json_array_foreach(json_object_get(bill, "payments"), i, p)
			rb_braille_doc_paraf(d, "Paiement reçu le %s, %s : %s",
			    str(p, "date"), str(p, "method"), str(p, "amount"));
		item(d, "Reste à payer", str(bill, "owed"));
	}
}

void
rb_braille_bill(struct rb_braille_doc *d, const json_t *bill)
{
	const json_t *issuer = json_object_get(bill, "issuer");
	const json_t *customer = json_object_get(bill, "customer");
	const json_t *v;
	const char *note = str(bill, "archive_note");
	size_t i;

	/* Who and what. */
	rb_braille_doc_paraf(d, "Facture d'eau de %s", str(issuer, "name"));
	if (note[0] != '\0')
		rb_braille_doc_para(d, note);
	item(d, "Facture n°", str(bill, "number"));
	item(d, "Date de la facture", str(bill, "issued"));
	item(d, "Contrat n°", str(bill, "printed_contract"));
	item(d, "Période", str(bill, "period"));
	item(d, "Abonné", str(customer, "name"));
	item(d, "Adresse desservie", str(bill, "service_address"));
	/* The consumption. */
	rb_braille_doc_blank(d);
	rb_braille_doc_para(d, "Consommation");
	readings(d, bill);
	/* Each amount, the totals. */
	headings(d, bill);
	totals(d, bill);
	/* When, and how, to pay. */
	rb_braille_doc_blank(d);
	item(d, str(bill, "amount_label")[0] ? str(bill, "amount_label") :
	    "Montant à payer", str(bill, "total"));
	item(d, "Date limite de paiement", str(bill, "due"));
	item(d, "État", str(json_object_get(bill, "status"), "label"));
	if (str(bill, "payment_note")[0] != '\0')
		rb_braille_doc_para(d, str(bill, "payment_note"));
	v = json_object_get(bill, "debit_rejected");
	if (str(v, "text")[0] != '\0')
		rb_braille_doc_para(d, str(v, "text"));
	v = json_object_get(bill, "alert");
	if (str(v, "text")[0] != '\0')
		rb_braille_doc_para(d, str(v, "text"));
	rb_braille_doc_blank(d);
	rb_braille_doc_para(d, "Pour payer");
	json_array_foreach(json_object_get(bill, "payment_methods"), i, v)
		if (json_string_value(v) != NULL)
			rb_braille_doc_para(d, json_string_value(v));
	rb_braille_doc_blank(d);
	item(d, "Service client", str(bill, "service_phone"));
	item(d, "Urgences (fuite, manque d'eau)", str(bill, "emergency_phone"));
	json_array_foreach(json_object_get(issuer, "lines"), i, v)
		if (json_string_value(v) != NULL)
			rb_braille_doc_para(d, json_string_value(v));
}

void
rb_braille_letter(struct rb_braille_doc *d, const char *title,
    const char *text)
{
	rb_buf para = RB_BUF_INIT;
	const char *p = text, *nl;

	rb_braille_doc_para(d, title);
	rb_braille_doc_blank(d);
	while (*p != '\0') {
		size_t n;

		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			if (para.buf_len > 0) {
				rb_braille_doc_para(d, rb_buf_cstr(&para));
				rb_buf_reset(&para);
				rb_braille_doc_blank(d);
			}
		} else {
			if (para.buf_len > 0)
				rb_buf_putc(&para, ' ');
			rb_buf_append(&para, p, n);
		}
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	if (para.buf_len > 0)
		rb_braille_doc_para(d, rb_buf_cstr(&para));
	rb_buf_free(&para);
}
