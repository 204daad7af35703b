/*
 * qr.h: QR codes for the agents' enrolment page. libqrencode encodes
 * (8-bit mode, error correction level M, case kept, the smallest
 * version that holds the text); this module keeps its module matrix up
 * to version 10 (213 bytes, enough for an otpauth:// URI) and draws it
 * as SVG by rb_qr_svg() (one path, no script).
 */
#ifndef RB_BASE_QR_H
#define RB_BASE_QR_H

#include "base/buf.h"

#define RB_QR_VERSION_MAX	10
#define RB_QR_SIZE_MAX		(17 + 4 * RB_QR_VERSION_MAX)	/* 57 */

struct rb_qr {
	int		 qr_version;	/* 1 to RB_QR_VERSION_MAX */
	int		 qr_size;	/* modules a side: 17 + 4 * version */
	/* Dark modules: qr_dark[row][column] is 1 when dark. */
	unsigned char	 qr_dark[RB_QR_SIZE_MAX][RB_QR_SIZE_MAX];
};

/*
 * Encodes text (a NUL-terminated string, taken as bytes) at level M in
 * the smallest version that holds it. Returns 0, or -1 when libqrencode
 * fails or the text needs more than version RB_QR_VERSION_MAX (qr is
 * then zeroed).
 */
int	rb_qr_encode(const char *text, struct rb_qr *qr);

/*
 * Appends the symbol as an inline SVG image to out: a viewBox of the
 * symbol and a 4-module quiet zone, white background, one path of dark
 * modules, role="img" with aria-label label (escaped). Appends nothing
 * else.
 */
void	rb_qr_svg(const struct rb_qr *qr, const char *label, rb_buf *out);

#endif
