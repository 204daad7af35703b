/*
 * qr.c: QR codes (see qr.h): libqrencode builds the symbol, here it is
 * copied into a fixed matrix and drawn as SVG.
 */
#include <string.h>

#include <qrencode.h>

#include "base/qr.h"

int
rb_qr_encode(const char *text, struct rb_qr *qr)
{
	QRcode *code;
	int r, c;

	memset(qr, 0, sizeof(*qr));
	/* Version 0: the smallest that holds the text; 8-bit mode, case
	   sensitive, so that the URI is read back byte for byte. */
	code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (code == NULL)
		return -1;
	if (code->version < 1 || code->version > RB_QR_VERSION_MAX ||
	    code->width != 17 + 4 * code->version) {
		QRcode_free(code);
		return -1;
	}
	qr->qr_version = code->version;
	qr->qr_size = code->width;
	/* Bit 0 of each of libqrencode's module bytes: 1 for dark. */
	for (r = 0; r < code->width; r++)
		for (c = 0; c < code->width; c++)
			qr->qr_dark[r][c] = code->data[r * code->width + c] & 1;
	QRcode_free(code);
	return 0;
}

void
rb_qr_svg(const struct rb_qr *qr, const char *label, rb_buf *out)
{
	int side = qr->qr_size + 8, r, c, run;

	rb_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"qr\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "role=\"img\" aria-label=\"", side, side, side * 4, side * 4);
	rb_buf_html(out, label, strlen(label));
	rb_buf_printf(out, "\" shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", side, side);
	for (r = 0; r < qr->qr_size; r++)
		for (c = 0; c < qr->qr_size; c += run > 0 ? run : 1) {
			for (run = 0; c + run < qr->qr_size &&
			    qr->qr_dark[r][c + run]; run++)
				;
			if (run > 0)
				rb_buf_printf(out, "M%d %dh%dv1h-%dz", c + 4,
				    r + 4, run, run);
		}
	rb_buf_puts(out, "\"/></svg>");
}
