/*
 * mandate_pdf.c: the SEPA mandate PDF (see mandate_pdf.h).
 */
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "docs/mandate_pdf.h"

#define PAGE_W	595.28	/* A4 in points */
#define PAGE_H	841.89
#define MARGIN	56.0

struct mpdf {
	cairo_t		*mp_cr;
	PangoLayout	*mp_layout;
	double		 mp_y;
};

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Draws text (plain) at the current height, wrapped; moves down. */
static void
block(struct mpdf *p, const char *font, const char *text, double after,
    const char *tag)
{
	PangoFontDescription *fd = pango_font_description_from_string(font);
	int w, h;

	pango_layout_set_font_description(p->mp_layout, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(p->mp_layout,
	    (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
	pango_layout_set_wrap(p->mp_layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(p->mp_layout, text, -1);
	pango_layout_get_size(p->mp_layout, &w, &h);
	cairo_tag_begin(p->mp_cr, tag, NULL);
	cairo_move_to(p->mp_cr, MARGIN, p->mp_y);
	pango_cairo_show_layout(p->mp_cr, p->mp_layout);
	cairo_tag_end(p->mp_cr, tag);
	p->mp_y += (double)h / PANGO_SCALE + after;
}

/* "Label : value" lines. */
static void
pair(struct mpdf *p, const char *label, const char *value)
{
	char line[512];

	snprintf(line, sizeof(line), "%s : %s", label, value);
	block(p, "DejaVu Sans 10.5", line, 4, "P");
}

static cairo_status_t
append(void *closure, const unsigned char *data, unsigned int len)
{
	rb_buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

int
rb_mandate_pdf_render(const json_t *m, rb_buf *out, char *err,
    size_t errlen)
{
	cairo_surface_t *surface;
	cairo_status_t st;
	struct mpdf p;
	char s[300];

	memset(&p, 0, sizeof(p));
	surface = cairo_pdf_surface_create_for_stream(append, out, PAGE_W,
	    PAGE_H);
	cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
	snprintf(s, sizeof(s), "Mandat de prélèvement SEPA %s", str(m, "rum"));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, s);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR,
	    str(m, "creditor_name"));
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
	    "Robinet");
	if (strlen(str(m, "signed_iso")) == 10) {
		snprintf(s, sizeof(s), "%sT00:00:00", str(m, "signed_iso"));
		cairo_pdf_surface_set_metadata(surface,
		    CAIRO_PDF_METADATA_CREATE_DATE, s);
		cairo_pdf_surface_set_metadata(surface,
		    CAIRO_PDF_METADATA_MOD_DATE, s);
	}
	p.mp_cr = cairo_create(surface);
	p.mp_layout = pango_cairo_create_layout(p.mp_cr);
	p.mp_y = MARGIN;
	cairo_set_source_rgb(p.mp_cr, 0.1, 0.1, 0.1);

	cairo_tag_begin(p.mp_cr, "Document", NULL);
	block(&p, "DejaVu Sans Bold 16", "Mandat de prélèvement SEPA", 6,
	    "H1");
	snprintf(s, sizeof(s), "Contrat d'eau n° %s – paiements récurrents",
	    str(m, "contract_number"));
	block(&p, "DejaVu Sans 11", s, 16, "P");
	pair(&p, "Référence unique du mandat (RUM)", str(m, "rum"));
	pair(&p, "Statut", str(m, "status"));
	p.mp_y += 8;
	block(&p, "DejaVu Sans Bold 12", "Créancier", 4, "H2");
	pair(&p, "Nom", str(m, "creditor_name"));
	pair(&p, "Identifiant créancier SEPA (ICS)", str(m, "ics"));
	p.mp_y += 8;
	block(&p, "DejaVu Sans Bold 12", "Débiteur", 4, "H2");
	pair(&p, "Titulaire du compte", str(m, "holder"));
	pair(&p, "IBAN", str(m, "iban_masked"));
	pair(&p, "Signé en ligne le", str(m, "signed_on"));
	p.mp_y += 12;
	block(&p, "DejaVu Sans 9.5", "En signant ce formulaire de mandat, "
	    "vous autorisez le créancier ci-dessus à envoyer des instructions "
	    "à votre banque pour débiter votre compte, et votre banque à "
	    "débiter votre compte conformément aux instructions du créancier. "
	    "Vous bénéficiez du droit d'être remboursé par votre banque "
	    "selon les conditions décrites dans la convention que vous avez "
	    "passée avec elle. Une demande de remboursement doit être "
	    "présentée dans les 8 semaines suivant la date de débit de votre "
	    "compte pour un prélèvement autorisé, et sans tarder et au plus "
	    "tard dans les 13 mois en cas de prélèvement non autorisé.", 8,
	    "P");
	block(&p, "DejaVu Sans 9.5", "Chaque prélèvement vous est annoncé "
	    "par e-mail au moins 14 jours avant sa date, avec son montant. "
	    "Vous pouvez révoquer ce mandat à tout moment depuis « Mes moyens "
	    "de paiement » de votre espace client. Pour des raisons de "
	    "sécurité, l'IBAN n'est jamais affiché en entier.", 8, "P");
	cairo_tag_end(p.mp_cr, "Document");
	cairo_show_page(p.mp_cr);

	g_object_unref(p.mp_layout);
	st = cairo_status(p.mp_cr);
	cairo_destroy(p.mp_cr);
	cairo_surface_finish(surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo: %s", cairo_status_to_string(st));
		return -1;
	}
	return 0;
}
