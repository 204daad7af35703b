/*
 * bill_pdf.c: the water bill as an A4 PDF (see bill_pdf.h).
 *
 * Page 1 reads like a utility bill: the issuer block top left, the bill's
 * references top right, the customer's address where an envelope window
 * shows it, the amount and due date in a box, then the consumption
 * (indexes, volume, price per litre), the detail under the three
 * headings, VAT per rate and totals, the ways to pay and the phone
 * numbers. Content that does not fit flows onto further pages, each
 * with a footer naming the bill and the page.
 *
 * Drawing goes down a column with a cursor (struct pdf's p_y); every
 * text block is a pango layout (plain text, never markup, so data is
 * never interpreted), wrapped in a structure tag. Text is wrapped to
 * its width and what follows moves down by the height pango measured:
 * nothing sits at a fixed offset under text that may wrap, and boxes
 * (the amount box, table rows) are as tall as their content, so words
 * never overlap whatever the length of names, addresses, dates and
 * amounts (tests/unit/docs/test_bill_pdf.c checks it with pdftotext).
 */
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "docs/bill_pdf.h"

#define PAGE_W		595.276		/* A4 in points */
#define PAGE_H		841.890
#define MARGIN		42.0
#define BOTTOM		(PAGE_H - 60.0)
#define CONTENT_W	(PAGE_W - 2 * MARGIN)
#define FONT		"DejaVu Sans"

/* Column widths of the detail table (sum CONTENT_W). */
#define COL_LABEL	(CONTENT_W - 62 - 80 - 68 - 38)
static const double detail_cols[5] = { COL_LABEL, 62, 80, 68, 38 };

struct pdf {
	cairo_t		*p_cr;
	PangoLayout	*p_layout;
	double		 p_y;
	int		 p_page;
	char		 p_footer[160];
};

enum align { LEFT, RIGHT, CENTER };

/* A string member of o, "" when missing. */
static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
color(cairo_t *cr, int rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0,
	    ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

#define INK		0x1a1a1a
#define BLUE		0x00467f
#define SHADE		0xe6eef5
#define RULE		0x7f8c99

/*
 * Lays text out at (x, y) in width w, size pt, bold or not, and draws it
 * when draw is set. Returns the height taken.
 */
static double
text_at(struct pdf *p, double x, double y, double w, const char *text,
    double pt, int bold, enum align al, int draw)
{
	PangoFontDescription *fd = pango_font_description_new();
	int pw, ph;

	pango_font_description_set_family(fd, FONT);
	pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD :
	    PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->p_layout, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(p->p_layout, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->p_layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(p->p_layout, al == RIGHT ? PANGO_ALIGN_RIGHT :
	    al == CENTER ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->p_layout, text, -1);
	pango_layout_get_size(p->p_layout, &pw, &ph);
	if (draw) {
		cairo_move_to(p->p_cr, x, y);
		pango_cairo_show_layout(p->p_cr, p->p_layout);
	}
	return (double)ph / PANGO_SCALE;
}

static void
footer(struct pdf *p)
{
	char s[200];

	snprintf(s, sizeof(s), "%s – page %d", p->p_footer, p->p_page);
	color(p->p_cr, RULE);
	/* Page furniture: no structure tag (cairo 1.16 has no Artifact). */
	text_at(p, MARGIN, PAGE_H - 36, CONTENT_W, s, 7.5, 0, CENTER, 1);
	color(p->p_cr, INK);
}

/* Makes room for h points, starting a new page when needed. */
static void
need(struct pdf *p, double h)
{
	if (p->p_y + h <= BOTTOM)
		return;
	footer(p);
	cairo_show_page(p->p_cr);
	p->p_page++;
	p->p_y = MARGIN;
}

/* A paragraph of the column, tagged tag ("P", "H1", "H2"). */
static void
para(struct pdf *p, const char *tag, const char *text, double pt, int bold,
    double after)
{
	double h = text_at(p, MARGIN, p->p_y, CONTENT_W, text, pt, bold,
	    LEFT, 0);

	need(p, h);
	cairo_tag_begin(p->p_cr, tag, NULL);
	text_at(p, MARGIN, p->p_y, CONTENT_W, text, pt, bold, LEFT, 1);
	cairo_tag_end(p->p_cr, tag);
	p->p_y += h + after;
}

static void
heading(struct pdf *p, const char *text)
{
	p->p_y += 4;
	need(p, 40);
	color(p->p_cr, BLUE);
	para(p, "H2", text, 11, 1, 1);
	cairo_rectangle(p->p_cr, MARGIN, p->p_y, CONTENT_W, 0.8);
	cairo_fill(p->p_cr);
	color(p->p_cr, INK);
	p->p_y += 5;
}

/*
 * One table row of n cells (widths w, texts t, right-aligned from column
 * right_from on), shaded or bold as asked; cells tagged TH when header.
 */
static void
row(struct pdf *p, int n, const double *w, const char *const *t,
    int right_from, int bold, int shade, int header)
{
	double h = 0, x, ch;
	int i;

	for (i = 0; i < n; i++) {
		ch = text_at(p, 0, 0, w[i] - 6, t[i], 8, bold, LEFT, 0);
		if (ch > h)
			h = ch;
	}
	h += 3.5;
	need(p, h);
	if (shade) {
		color(p->p_cr, SHADE);
		cairo_rectangle(p->p_cr, MARGIN, p->p_y, CONTENT_W, h);
		cairo_fill(p->p_cr);
		color(p->p_cr, INK);
	}
	cairo_tag_begin(p->p_cr, "TR", NULL);
	for (i = 0, x = MARGIN; i < n; x += w[i], i++) {
		cairo_tag_begin(p->p_cr, header ? "TH" : "TD", NULL);
		text_at(p, x + 3, p->p_y + 1.75, w[i] - 6, t[i], 8, bold,
		    i >= right_from ? RIGHT : LEFT, 1);
		cairo_tag_end(p->p_cr, header ? "TH" : "TD");
	}
	cairo_tag_end(p->p_cr, "TR");
	p->p_y += h;
	color(p->p_cr, RULE);
	cairo_rectangle(p->p_cr, MARGIN, p->p_y - 0.3, CONTENT_W, 0.3);
	cairo_fill(p->p_cr);
	color(p->p_cr, INK);
}

/* The top of page 1: issuer, references, customer. */
static void
masthead(struct pdf *p, const json_t *b)
{
	const json_t *issuer = json_object_get(b, "issuer");
	const json_t *cust = json_object_get(b, "customer");
	const double rx = 320, rw = PAGE_W - MARGIN - 320;
	const json_t *line;
	char s[300];
	double y, ry;
	size_t i;

	/* Issuer, top left. */
	y = MARGIN;
	color(p->p_cr, BLUE);
	cairo_tag_begin(p->p_cr, "P", NULL);
	y += text_at(p, MARGIN, y, 260, str(issuer, "name"), 17, 1, LEFT, 1);
	color(p->p_cr, INK);
	json_array_foreach(json_object_get(issuer, "lines"), i, line)
		y += text_at(p, MARGIN, y, 260, json_string_value(line) ?
		    json_string_value(line) : "", 8.5, 0, LEFT, 1);
	snprintf(s, sizeof(s), "Service client : %s (appel gratuit)",
	    str(b, "service_phone"));
	y += 3 + text_at(p, MARGIN, y + 3, 260, s, 8.5, 1, LEFT, 1);
	snprintf(s, sizeof(s), "Urgences 24 h/24 : %s",
	    str(b, "emergency_phone"));
	y += text_at(p, MARGIN, y, 260, s, 8.5, 1, LEFT, 1);
	cairo_tag_end(p->p_cr, "P");

	/* References, top right. */
	ry = MARGIN;
	color(p->p_cr, BLUE);
	cairo_tag_begin(p->p_cr, "H1", NULL);
	snprintf(s, sizeof(s), "Facture d'eau n° %s", str(b, "number"));
	ry += 2 + text_at(p, rx, ry, rw, s, 13, 1, LEFT, 1);
	cairo_tag_end(p->p_cr, "H1");
	color(p->p_cr, INK);
	cairo_tag_begin(p->p_cr, "P", NULL);
	snprintf(s, sizeof(s), "Émise le %s", str(b, "issued"));
	ry += text_at(p, rx, ry, rw, s, 9, 0, LEFT, 1);
	snprintf(s, sizeof(s), "Contrat n° %s", str(b, "printed_contract"));
	ry += text_at(p, rx, ry, rw, s, 9, 1, LEFT, 1);
	snprintf(s, sizeof(s), "Période facturée %s", str(b, "period"));
	ry += text_at(p, rx, ry, rw, s, 9, 0, LEFT, 1);
	if (json_is_string(json_object_get(b, "archive_note"))) {
		ry += 2 + text_at(p, rx, ry + 2, rw, str(b, "archive_note"), 9,
		    1, LEFT, 1);
		snprintf(s, sizeof(s), "Nouveau numéro de contrat : %s",
		    str(b, "contract_number"));
		ry += text_at(p, rx, ry, rw, s, 9, 0, LEFT, 1);
	}
	cairo_tag_end(p->p_cr, "P");

	/* The customer, in the envelope window (about 45 mm from the top). */
	ry = ry + 14 > 138 ? ry + 14 : 138;
	cairo_tag_begin(p->p_cr, "P", NULL);
	ry += text_at(p, rx, ry, rw, str(cust, "name"), 10, 1, LEFT, 1);
	json_array_foreach(json_object_get(cust, "lines"), i, line)
		ry += text_at(p, rx, ry, rw, json_string_value(line) ?
		    json_string_value(line) : "", 10, 0, LEFT, 1);
	cairo_tag_end(p->p_cr, "P");

	/* Where the water is delivered, left of the window. */
	y = y + 14 > 138 ? y + 14 : 138;
	cairo_tag_begin(p->p_cr, "P", NULL);
	y += text_at(p, MARGIN, y, 250, "Adresse de desserte", 8.5, 1, LEFT, 1);
	y += text_at(p, MARGIN, y, 250, str(b, "service_address"), 8.5, 0,
	    LEFT, 1);
	cairo_tag_end(p->p_cr, "P");
	p->p_y = (y > ry ? y : ry) + 12;
}

/*
 * A column filled downwards: every block is laid out in the column's
 * width, then the cursor moves down by the height pango measured, so a
 * block that wraps pushes what follows instead of running into it. With
 * cf_draw 0 nothing is drawn and the column only measures.
 */
struct col {
	double	 cf_x, cf_w;
	double	 cf_y;		/* top of the next block */
	int	 cf_draw;
};

static void
col_text(struct pdf *p, struct col *c, const char *text, double pt,
    int bold, double after)
{
	c->cf_y += text_at(p, c->cf_x, c->cf_y, c->cf_w, text, pt, bold, LEFT,
	    c->cf_draw) + after;
}

#define BOX_PAD		10.0	/* inside the amount box, every side */
#define BOX_GAP		14.0	/* between its two columns */

/*
 * The content of the amount box from top, drawn or only measured.
 * Left: what to pay; right: the date, the status and the note, one
 * block under the other. A block added to either column (payments
 * received, say) is one more col_text() call: the box grows with it.
 * Returns the box's height.
 */
static double
amount_content(struct pdf *p, const json_t *b, double top, int draw)
{
	const double half = CONTENT_W / 2;
	struct col l = { MARGIN + BOX_PAD, half - BOX_PAD - BOX_GAP / 2,
	    top + BOX_PAD, draw };
	struct col r = { MARGIN + half + BOX_GAP / 2,
	    half - BOX_PAD - BOX_GAP / 2, top + BOX_PAD, draw };
	char s[200];

	color(p->p_cr, BLUE);
	col_text(p, &l, str(b, "amount_label"), 10, 1, 2);
	col_text(p, &l, str(b, "total"), 22, 1, 0);
	color(p->p_cr, INK);
	snprintf(s, sizeof(s), "Date limite de paiement : %s", str(b, "due"));
	col_text(p, &r, s, 10, 1, 3);
	snprintf(s, sizeof(s), "Statut : %s",
	    str(json_object_get(b, "status"), "label"));
	col_text(p, &r, s, 9, 0, 3);
	col_text(p, &r, str(b, "payment_note"), 8, 0, 0);
	if (json_is_object(json_object_get(b, "debit_rejected"))) {
		r.cf_y += 3;
		col_text(p, &r, str(json_object_get(b, "debit_rejected"),
		    "text"), 8, 1, 0);
	}
	return (l.cf_y > r.cf_y ? l.cf_y : r.cf_y) + BOX_PAD - top;
}

/* The amount and due date in a box as tall as its content. */
static void
amount_box(struct pdf *p, const json_t *b)
{
	double h = amount_content(p, b, p->p_y, 0);

	need(p, h + 10);
	color(p->p_cr, SHADE);
	cairo_rectangle(p->p_cr, MARGIN, p->p_y, CONTENT_W, h);
	cairo_fill_preserve(p->p_cr);
	color(p->p_cr, BLUE);
	cairo_set_line_width(p->p_cr, 1.5);
	cairo_stroke(p->p_cr);
	cairo_tag_begin(p->p_cr, "P", NULL);
	amount_content(p, b, p->p_y, 1);
	cairo_tag_end(p->p_cr, "P");
	color(p->p_cr, INK);
	p->p_y += h + 10;
}

static void
consumption(struct pdf *p, const json_t *b)
{
	static const double w[4] = { 120, 120, 140, CONTENT_W - 380 };
	static const char *const head[4] = { "Relevé", "Index",
	    "Date du relevé", "Nature" };
	const char *cells[4];
	const json_t *r, *alert;
	char s[300];
	size_t i;

	heading(p, "Votre consommation");
	cairo_tag_begin(p->p_cr, "Table", NULL);
	row(p, 4, w, head, 4, 1, 1, 1);
	json_array_foreach(json_object_get(b, "readings"), i, r) {
		cells[0] = str(r, "label");
		cells[1] = str(r, "index");
		cells[2] = str(r, "date");
		cells[3] = str(r, "kind");
		row(p, 4, w, cells, 4, 0, 0, 0);
	}
	cairo_tag_end(p->p_cr, "Table");
	p->p_y += 4;
	snprintf(s, sizeof(s), "Volume consommé : %s (%s)", str(b, "volume"),
	    str(b, "volume_litres"));
	para(p, "P", s, 9, 1, 1);
	if (json_is_string(json_object_get(b, "litre_price"))) {
		snprintf(s, sizeof(s), "Prix du litre d'eau, toutes taxes "
		    "comprises : %s (soit %s le m³)", str(b, "litre_price"),
		    str(b, "m3_price"));
		para(p, "P", s, 9, 0, 1);
	}
	alert = json_object_get(b, "alert");
	if (json_is_object(alert)) {
		p->p_y += 4;
		color(p->p_cr, 0x9a3412);
		para(p, "P", str(alert, "text"), 9, 1, 2);
		color(p->p_cr, INK);
	}
}

static void
detail(struct pdf *p, const json_t *b)
{
	static const char *const head[5] = { "Libellé", "Quantité",
	    "Prix unitaire HT", "Montant HT", "TVA" };
	const char *cells[5];
	const json_t *h, *l;
	char label[400], total[200];
	size_t i, k;

	heading(p, "Détail de votre facture");
	cairo_tag_begin(p->p_cr, "Table", NULL);
	row(p, 5, detail_cols, head, 1, 1, 0, 1);
	json_array_foreach(json_object_get(b, "headings"), i, h) {
		cells[0] = str(h, "title");
		cells[1] = cells[2] = cells[3] = cells[4] = "";
		need(p, 40);
		color(p->p_cr, BLUE);
		row(p, 5, detail_cols, cells, 1, 1, 1, 1);
		color(p->p_cr, INK);
		json_array_foreach(json_object_get(h, "lines"), k, l) {
			if (json_is_string(json_object_get(l, "detail")))
				snprintf(label, sizeof(label), "%s (%s)",
				    str(l, "label"), str(l, "detail"));
			else
				snprintf(label, sizeof(label), "%s",
				    str(l, "label"));
			cells[0] = label;
			cells[1] = str(l, "quantity");
			cells[2] = str(l, "unit_price");
			cells[3] = str(l, "amount");
			cells[4] = str(l, "vat_rate");
			row(p, 5, detail_cols, cells, 1, 0, 0, 0);
		}
		snprintf(total, sizeof(total), "Total %s", str(h, "title"));
		cells[0] = total;
		cells[1] = cells[2] = cells[4] = "";
		cells[3] = str(h, "total");
		row(p, 5, detail_cols, cells, 1, 1, 0, 0);
	}
	cairo_tag_end(p->p_cr, "Table");
}

static void
totals(struct pdf *p, const json_t *b)
{
	static const double w[3] = { CONTENT_W - 240, 120, 120 };
	static const char *const head[3] = { "Taux de TVA", "Base HT",
	    "Montant de TVA" };
	const char *cells[3];
	const json_t *v;
	size_t i;

	heading(p, "TVA et total");
	cairo_tag_begin(p->p_cr, "Table", NULL);
	row(p, 3, w, head, 1, 1, 1, 1);
	json_array_foreach(json_object_get(b, "vat"), i, v) {
		cells[0] = str(v, "rate");
		cells[1] = str(v, "base");
		cells[2] = str(v, "amount");
		row(p, 3, w, cells, 1, 0, 0, 0);
	}
	cells[0] = "Total hors taxes";
	cells[1] = "";
	cells[2] = str(b, "excl_tax");
	row(p, 3, w, cells, 1, 0, 0, 0);
	cells[0] = "Total TVA";
	cells[2] = str(b, "vat_total");
	row(p, 3, w, cells, 1, 0, 0, 0);
	cells[0] = "Total toutes taxes comprises";
	cells[2] = str(b, "total");
	row(p, 3, w, cells, 1, 1, 1, 0);
	cairo_tag_end(p->p_cr, "Table");
}

/* "Paiements reçus": the payments recorded for the bill, if any. */
static void
payments_received(struct pdf *p, const json_t *b)
{
	static const double w[3] = { CONTENT_W - 240, 120, 120 };
	static const char *const head[3] = { "Date", "Moyen de paiement",
	    "Montant" };
	const json_t *list = json_object_get(b, "payments"), *v;
	const char *cells[3];
	char s[200];
	size_t i;

	if (json_array_size(list) == 0)
		return;
	heading(p, "Paiements reçus");
	cairo_tag_begin(p->p_cr, "Table", NULL);
	row(p, 3, w, head, 2, 1, 1, 1);
	json_array_foreach(list, i, v) {
		cells[0] = str(v, "date");
		cells[1] = str(v, "method");
		cells[2] = str(v, "amount");
		row(p, 3, w, cells, 2, 0, 0, 0);
	}
	cairo_tag_end(p->p_cr, "Table");
	if (json_is_true(json_object_get(b, "partly_paid"))) {
		snprintf(s, sizeof(s), "Reste à payer : %s", str(b, "owed"));
		para(p, "P", s, 9, 1, 1);
	}
}

static void
payment(struct pdf *p, const json_t *b)
{
	const json_t *m;
	char s[400];
	size_t i;

	heading(p, "Comment payer");
	snprintf(s, sizeof(s), "%s Date limite de paiement : %s.",
	    str(b, "payment_note"), str(b, "due"));
	para(p, "P", s, 9, 0, 3);
	json_array_foreach(json_object_get(b, "payment_methods"), i, m) {
		snprintf(s, sizeof(s), "• %s", json_string_value(m) ?
		    json_string_value(m) : "");
		para(p, "P", s, 9, 0, 1);
	}
	heading(p, "Nous contacter");
	snprintf(s, sizeof(s), "Service client : %s (appel gratuit), du lundi "
	    "au vendredi de 8 h 30 à 18 h 30.", str(b, "service_phone"));
	para(p, "P", s, 9, 0, 1);
	snprintf(s, sizeof(s), "Urgences (fuite, manque d'eau) 24 h/24 et "
	    "7 j/7 : %s.", str(b, "emergency_phone"));
	para(p, "P", s, 9, 1, 1);
}

static cairo_status_t
append(void *closure, const unsigned char *data, unsigned int len)
{
	rb_buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

int
rb_bill_pdf_render(const json_t *bill, rb_buf *out, char *err,
    size_t errlen)
{
	cairo_surface_t *surface;
	cairo_status_t st;
	struct pdf p;
	char s[300];
	int rc = -1;

	memset(&p, 0, sizeof(p));
	surface = cairo_pdf_surface_create_for_stream(append, out, PAGE_W,
	    PAGE_H);
	cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
	snprintf(s, sizeof(s), "Facture d'eau n° %s", str(bill, "number"));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, s);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR,
	    str(json_object_get(bill, "issuer"), "name"));
	snprintf(s, sizeof(s), "Facture d'eau du contrat n° %s, %s",
	    str(bill, "printed_contract"), str(bill, "period"));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, s);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
	    "Robinet");
	if (strlen(str(bill, "issued_iso")) == 10) {
		snprintf(s, sizeof(s), "%sT00:00:00", str(bill, "issued_iso"));
		cairo_pdf_surface_set_metadata(surface,
		    CAIRO_PDF_METADATA_CREATE_DATE, s);
		cairo_pdf_surface_set_metadata(surface,
		    CAIRO_PDF_METADATA_MOD_DATE, s);
	}
	p.p_cr = cairo_create(surface);
	p.p_layout = pango_cairo_create_layout(p.p_cr);
	p.p_page = 1;
	snprintf(p.p_footer, sizeof(p.p_footer), "%s – facture n° %s",
	    str(json_object_get(bill, "issuer"), "name"), str(bill, "number"));
	color(p.p_cr, INK);

	cairo_tag_begin(p.p_cr, "Document", NULL);
	masthead(&p, bill);
	amount_box(&p, bill);
	consumption(&p, bill);
	detail(&p, bill);
	totals(&p, bill);
	payments_received(&p, bill);
	payment(&p, bill);
	cairo_tag_end(p.p_cr, "Document");
	footer(&p);
	cairo_show_page(p.p_cr);

	g_object_unref(p.p_layout);
	st = cairo_status(p.p_cr);
	cairo_destroy(p.p_cr);
	cairo_surface_finish(surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo: %s", cairo_status_to_string(st));
		goto out;
	}
	rc = 0;
out:
	return rc;
}
