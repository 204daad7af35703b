/*
 * test_bill_pdf.c: the bill PDF never sets two words on top of each
 * other and never lets a word leave the page, whatever the length of
 * what it prints.
 *
 * Each case draws a bill view (docs/bill_pdf.h) holding the longest
 * texts the data allows: names and address lines at the import's
 * limits (100 and 200 characters, app/import.c), the longest French
 * date ("30 septembre 2026"), 'décembre', amounts at the limit of a
 * 64-bit count of cents, labels of 200 characters, and enough lines to
 * fill several pages. `pdftotext -bbox` (poppler-utils) then gives the
 * box of every word of every page, and no two boxes of a page may
 * overlap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "docs/bill_pdf.h"

#define MAX_WORDS	20000
#define SLACK		0.25	/* points of overlap tolerated (rounding) */

struct word {
	int	 w_page;
	double	 w_x0, w_y0, w_x1, w_y1;
	char	 w_text[64];
};

struct words {
	struct word	 ws_w[MAX_WORDS];
	size_t		 ws_n;
	int		 ws_pages;
	double		 ws_pw, ws_ph;
};

/* Seed's characters repeated to n characters (UTF-8), a space every 9. */
static char *
filler(const char *seed, size_t n)
{
	char *s = malloc(n * 4 + 1);
	size_t i, o = 0, k = 0, c;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		if (i % 9 == 8) {
			s[o++] = ' ';
			continue;
		}
		if (seed[k] == '\0' || seed[k] == ' ')
			k = seed[k] == ' ' ? k + 1 : 0;
		c = 1;
		while ((seed[k + c] & 0xc0) == 0x80)
			c++;
		memcpy(s + o, seed + k, c);
		o += c;
		k += c;
	}
	s[o] = '\0';
	return s;
}

/* A bill view with the longest texts; lines: detail lines per heading. */
static json_t *
long_bill(const char *due, const char *status, int lines)
{
	char *name100 = filler("Marie-Élisabeth", 100);
	char *last100 = filler("DUPONT-LAGRANGE", 100);
	char *addr200 = filler("Résidence des Châtaigniers", 200);
	char *label200 = filler("Abonnement compteur", 200);
	const char *big = "92 233 720 368 547 758,07 €";
	json_t *headings = json_array(), *vat = json_array(), *b;
	char name[300], note[300];
	int h, i;

	snprintf(name, sizeof(name), "Mme %s %s", name100, last100);
	snprintf(note, sizeof(note), "Cette facture n'a pas été réglée "
	    "avant sa date limite de paiement, le %s. Merci de la régler dès "
	    "que possible ou d'appeler le service client.", due);
	for (h = 0; h < 3; h++) {
		json_t *ls = json_array();

		for (i = 0; i < lines; i++)
			json_array_append_new(ls, json_pack("{s:s, s:s, s:s, "
			    "s:s, s:s, s:s}", "label", label200, "detail",
			    "du 30 septembre 2026 au 31 décembre 2026",
			    "quantity", "9 223 372 036 854 775 807 litres",
			    "unit_price", big, "amount", big, "vat_rate",
			    "20 %"));
		json_array_append_new(headings, json_pack("{s:s, s:s, s:o}",
		    "title", h == 0 ? "Distribution de l'eau" : h == 1 ?
		    "Collecte et traitement des eaux usées" :
		    "Organismes publics", "total", big, "lines", ls));
	}
	json_array_append_new(vat, json_pack("{s:s, s:s, s:s}", "rate",
	    "5,5 %", "base", big, "amount", big));
	json_array_append_new(vat, json_pack("{s:s, s:s, s:s}", "rate",
	    "10 %", "base", big, "amount", big));
	b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "number", "FA2026-001911", "issued", "30 septembre 2026",
	    "issued_iso", "2026-09-30", "due", due,
	    "period", "du 30 septembre 2025 au 30 septembre 2026",
	    "printed_contract", "1000000001", "contract_number", "1000000001",
	    "archive_note", "Archive — ancien contrat n° 1234560A",
	    "service_address", addr200, "amount_label", "Montant à payer",
	    "total", big, "excl_tax", big, "vat_total", big,
	    "volume", "9 223 372 036 854 775,807 m³",
	    "volume_litres", "9 223 372 036 854 775 807 litres",
	    "litre_price", "92 233 720 368 547 758,07 €", "m3_price", big,
	    "payment_note", note, "service_phone", "0 969 369 900",
	    "emergency_phone", "0 969 369 901");
	json_object_set_new(b, "status", json_pack("{s:s}", "label", status));
	json_object_set_new(b, "issuer", json_pack("{s:s, s:[s, s, s]}",
	    "name", "Régie Eau de la Métropole", "lines",
	    "Établissement public industriel et commercial",
	    "12 rue de la Source, 69000 Lyon", "www.eau.example"));
	json_object_set_new(b, "customer", json_pack("{s:s, s:[s, s, s]}",
	    "name", name, "lines", addr200, addr200, "99999 Saint-Rémy-de-"
	    "Provence-sur-le-Très-Long-Nom-de-Commune-Imaginaire-du-Val"));
	json_object_set_new(b, "readings", json_pack("[{s:s, s:s, s:s, s:s},"
	    " {s:s, s:s, s:s, s:s}]", "label", "Ancien index", "index",
	    "9 223 372 036 854 775,807 m³", "date", "30 septembre 2025",
	    "kind", "relevé estimé", "label", "Nouvel index", "index",
	    "9 223 372 036 854 775,807 m³", "date", "31 décembre 2026",
	    "kind", "relevé estimé"));
	json_object_set_new(b, "headings", headings);
	json_object_set_new(b, "vat", vat);
	json_object_set_new(b, "payment_methods", json_pack("[s, s, s]",
	    label200, addr200, "Chèque à l'ordre de la Régie Eau de la "
	    "Métropole, le numéro de facture écrit au dos."));
	json_object_set_new(b, "alert", json_pack("{s:s}", "text", label200));
	free(name100);
	free(last100);
	free(addr200);
	free(label200);
	return b;
}

static double
attr(const char *line, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "%s=\"", name);
	p = strstr(line, key);
	assert_non_null(p);
	return strtod(p + strlen(key), NULL);
}

/* Draws bill and reads back its words with pdftotext -bbox. */
static void
words_of(const json_t *bill, struct words *ws)
{
	char path[] = "/tmp/robinet-bill-XXXXXX", cmd[128], line[1024], err[256];
	rb_buf pdf = RB_BUF_INIT;
	const char *p, *q;
	FILE *fp;
	int fd;

	assert_int_equal(rb_bill_pdf_render(bill, &pdf, err, sizeof(err)), 0);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, pdf.buf_data, pdf.buf_len),
	    (ssize_t)pdf.buf_len);
	close(fd);
	rb_buf_free(&pdf);
	snprintf(cmd, sizeof(cmd), "pdftotext -bbox %s -", path);
	assert_non_null(fp = popen(cmd, "r"));
	memset(ws, 0, sizeof(*ws));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, "<page ") != NULL) {
			ws->ws_pages++;
			ws->ws_pw = attr(line, "width");
			ws->ws_ph = attr(line, "height");
		} else if ((p = strstr(line, "<word ")) != NULL) {
			struct word *w = &ws->ws_w[ws->ws_n++];

			assert_true(ws->ws_n < MAX_WORDS);
			w->w_page = ws->ws_pages;
			w->w_x0 = attr(p, "xMin");
			w->w_y0 = attr(p, "yMin");
			w->w_x1 = attr(p, "xMax");
			w->w_y1 = attr(p, "yMax");
			if ((p = strchr(p, '>')) != NULL &&
			    (q = strstr(p, "</word>")) != NULL)
				snprintf(w->w_text, sizeof(w->w_text), "%.*s",
				    (int)(q - p - 1), p + 1);
		}
	}
	assert_int_equal(pclose(fp), 0);
	unlink(path);
}

/* Fails, naming them, when two words of a page overlap or one leaves it. */
static void
assert_no_overlap(const struct words *ws)
{
	const struct word *a, *b;
	size_t i, k;
	int bad = 0;

	assert_true(ws->ws_n > 100);
	for (i = 0; i < ws->ws_n; i++) {
		a = &ws->ws_w[i];
		if (a->w_x0 < 0 || a->w_y0 < 0 || a->w_x1 > ws->ws_pw ||
		    a->w_y1 > ws->ws_ph) {
			fprintf(stderr, "page %d: '%s' leaves the page\n",
			    a->w_page, a->w_text);
			bad++;
		}
		for (k = i + 1; k < ws->ws_n; k++) {
			b = &ws->ws_w[k];
			if (b->w_page != a->w_page)
				break;
			if (a->w_x0 + SLACK < b->w_x1 &&
			    b->w_x0 + SLACK < a->w_x1 &&
			    a->w_y0 + SLACK < b->w_y1 &&
			    b->w_y0 + SLACK < a->w_y1) {
				if (bad++ < 20)
					fprintf(stderr, "page %d: '%s' "
					    "(%.1f,%.1f) overlaps '%s' "
					    "(%.1f,%.1f)\n", a->w_page,
					    a->w_text, a->w_x0, a->w_y0,
					    b->w_text, b->w_x0, b->w_y0);
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* The demo bill of the issue: a due date that wraps in the amount box. */
static void
test_due_date_never_covers_the_status(void **state)
{
	static struct words ws;
	json_t *b = long_bill("23 décembre 2026", "À payer", 2);

	(void)state;
	words_of(b, &ws);
	assert_no_overlap(&ws);
	json_decref(b);
}

static void
test_longest_texts_on_many_pages_never_overlap(void **state)
{
	static struct words ws;
	json_t *b = long_bill("30 septembre 2026", "Prélèvement prévu", 25);

	(void)state;
	words_of(b, &ws);
	assert_true(ws.ws_pages >= 3);
	assert_no_overlap(&ws);
	json_decref(b);
}

/* 1 when a word of ws reads text exactly. */
static int
has_word(const struct words *ws, const char *text)
{
	size_t i;

	for (i = 0; i < ws->ws_n; i++)
		if (strcmp(ws->ws_w[i].w_text, text) == 0)
			return 1;
	return 0;
}

/* A rejected direct debit is said in the amount box, which grows. */
static void
test_rejected_debit_is_said_in_the_amount_box(void **state)
{
	static struct words ws;
	json_t *b = long_bill("23 décembre 2026", "En retard", 2);

	(void)state;
	json_object_set_new(b, "debit_rejected", json_pack("{s:s}", "text",
	    "Prélèvement rejeté par votre banque le 30 septembre 2026 : "
	    "compte d'un type qui n'accepte pas ce prélèvement (AC13). "
	    "Cette facture est de nouveau à payer. Vous pouvez la payer en "
	    "ligne par carte bancaire, dans votre espace client."));
	words_of(b, &ws);
	assert_no_overlap(&ws);
	assert_true(has_word(&ws, "rejeté"));
	assert_true(has_word(&ws, "(AC13)."));
	assert_true(has_word(&ws, "nouveau"));
	json_decref(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_date_never_covers_the_status),
		cmocka_unit_test(test_longest_texts_on_many_pages_never_overlap),
		cmocka_unit_test(test_rejected_debit_is_said_in_the_amount_box),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
