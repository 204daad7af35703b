/*
 * test_braille_bill.c: the braille bill and letters (docs/braille_bill.h)
 * read in the order designed for touch, carry every item of the bill
 * view (the archive note and the issuer of a pre-2024 bill included),
 * survive a view with keys missing or of the wrong type, and join the
 * lines of a letter's paragraphs.
 *
 * Items are found by translating their text with the same engine, whose
 * translations tests/unit/docs/test_braille.c holds to liblouis's known
 * answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "docs/braille_bill.h"

/* The document as one line of Unicode braille (line ends and page breaks
 * removed, page-number lines left in: searched items never span them). */
static char *
render(struct rb_braille_doc *d)
{
	rb_buf out = RB_BUF_INIT;
	char err[160], *p, *q;
	int pages;

	assert_int_equal(rb_braille_render(d, RB_BRAILLE_UNICODE, 60, 60,
	    &out, &pages, err, sizeof(err)), 0);
	p = rb_buf_steal(&out, NULL);
	for (q = p; *q != '\0'; q++)
		if (*q == '\n' || *q == '\f')
			*q = ' ';
	return p;
}

/* Position of text's braille in doc, -1 when absent. */
static long
find(const char *doc, enum rb_braille_grade g, const char *text)
{
	rb_buf cells = RB_BUF_INIT;
	char err[160], u[4096];
	size_t i, k = 0;
	const char *hit;

	assert_int_equal(rb_braille_translate(g, text, &cells, err,
	    sizeof(err)), 0);
	for (i = 0; i < cells.buf_len && k + 4 < sizeof(u); i++) {
		u[k++] = (char)0xe2;
		u[k++] = (char)0xa0;
		u[k++] = (char)(0x80 + (cells.buf_data[i] & 0x3f));
	}
	u[k] = '\0';
	rb_buf_free(&cells);
	hit = strstr(doc, u);
	return hit != NULL ? hit - doc : -1;
}

static json_t *
view(int archived)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, "
	    "s:{s:s, s:[s]}, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s, s:s}], "
	    "s:s, s:[{s:s, s:s, s:[{s:s, s:n, s:s, s:s, s:s, s:s}]}], "
	    "s:s, s:s, s:[{s:s, s:s, s:s}], s:s, s:{s:s}, s:s, s:[s], "
	    "s:s, s:s}",
	    "number", "E230000050", "issued", "5 juin 2023",
	    "due", "30 juin 2023", "period", "du 1 janvier au 31 mai 2023",
	    "printed_contract", "1234560A", "service_address", "12 rue X",
	    "archive_note", archived ? json_string("Archive — ancien contrat "
	    "n° 1234560A") : json_null(), "total", "45,67\xc2\xa0\xe2\x82\xac",
	    "issuer", "name", archived ? "Ancien exploitant" : "Régie",
	    "lines", "1 place de la Source",
	    "customer", "name", "Mme Anne Martin", "lines", "12 rue X",
	    "readings", "label", "Ancien index", "index", "703,615 m³",
	    "date", "28 novembre 2022", "kind", "relevé réel",
	    "volume", "77,641 m³",
	    "headings", "title", "Distribution de l'eau", "total", "30,00 €",
	    "lines", "label", "Abonnement", "detail", "quantity", "183 jours",
	    "unit_price", "39,00 € / an", "amount", "19,55 €", "vat_rate",
	    "5,5 %",
	    "excl_tax", "43,29 €", "vat_total", "2,38 €",
	    "vat", "rate", "5,5 %", "base", "43,29 €", "amount", "2,38 €",
	    "amount_label", "Montant à payer", "status", "label", "À payer",
	    "payment_note", "À régler au plus tard le 30 juin 2023.",
	    "payment_methods", "Virement, en indiquant la référence.",
	    "service_phone", "09 69 32 22 12",
	    "emergency_phone", "09 69 32 22 13");
}

static void
test_bill_reads_in_the_order_designed_for_touch(void **state)
{
	static const char *const order[] = {
		"Facture d'eau de Ancien exploitant",
		"Archive — ancien contrat n° 1234560A",
		"Facture n° E230000050", "Contrat n° 1234560A",
		"Période : du 1 janvier au 31 mai 2023",
		"Abonné : Mme Anne Martin", "Consommation",
		"Ancien index : 703,615 m³", "Volume consommé : 77,641 m³",
		"Distribution de l'eau : 30,00 €", "Abonnement : 19,55 €",
		"Total hors taxes : 43,29 €", "Montant total : 45,67 €",
		"Date limite de paiement : 30 juin 2023", "Pour payer",
		"Virement", "Service client : 09 69 32 22 12",
		"1 place de la Source",
	};
	struct rb_braille_doc d;
	json_t *v = view(1);
	long at, last = -1;
	size_t i;
	char *doc;

	(void)state;
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_bill(&d, v);
	doc = render(&d);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		at = find(doc, RB_BRAILLE_GRADE1, order[i]);
		if (at < 0)
			fail_msg("\"%s\" is not in the braille bill", order[i]);
		if (at <= last)
			fail_msg("\"%s\" comes too early", order[i]);
		last = at;
	}
	free(doc);
	rb_braille_doc_free(&d);
	json_decref(v);
}

static void
test_current_bill_has_no_archive_note(void **state)
{
	struct rb_braille_doc d;
	json_t *v = view(0);
	char *doc;

	(void)state;
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE2);
	rb_braille_bill(&d, v);
	doc = render(&d);
	assert_true(find(doc, RB_BRAILLE_GRADE2, "Archive") < 0);
	assert_true(find(doc, RB_BRAILLE_GRADE2, "Régie") >= 0);
	free(doc);
	rb_braille_doc_free(&d);
	json_decref(v);
}

static void
test_missing_or_wrong_keys_do_not_break_the_bill(void **state)
{
	struct rb_braille_doc d;
	json_t *v = json_pack("{s:i, s:s, s:i, s:[i]}", "number", 12,
	    "total", "1,00 €", "readings", 3, "headings", 4);
	rb_buf out = RB_BUF_INIT;
	char err[160];

	(void)state;
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_bill(&d, v);
	assert_int_equal(rb_braille_render(&d, RB_BRAILLE_EMBOSSER, 32, 27,
	    &out, NULL, err, sizeof(err)), 0);
	assert_true(out.buf_len > 0);
	rb_buf_free(&out);
	rb_braille_doc_free(&d);
	json_decref(v);
}

static void
test_letter_joins_the_lines_of_a_paragraph(void **state)
{
	struct rb_braille_doc d;
	char *doc;

	(void)state;
	rb_braille_doc_init(&d, RB_BRAILLE_GRADE1);
	rb_braille_letter(&d, "Alerte", "Bonjour,\r\n\r\nvotre consommation\n"
	    "est anormale.\n\n\nMerci.\n");
	doc = render(&d);
	assert_true(find(doc, RB_BRAILLE_GRADE1, "votre consommation est "
	    "anormale.") >= 0);
	assert_true(find(doc, RB_BRAILLE_GRADE1, "Alerte") <
	    find(doc, RB_BRAILLE_GRADE1, "Bonjour"));
	assert_true(find(doc, RB_BRAILLE_GRADE1, "Merci.") >= 0);
	free(doc);
	rb_braille_doc_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_bill_reads_in_the_order_designed_for_touch),
		cmocka_unit_test(test_current_bill_has_no_archive_note),
		cmocka_unit_test(
		    test_missing_or_wrong_keys_do_not_break_the_bill),
		cmocka_unit_test(test_letter_joins_the_lines_of_a_paragraph),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
