/*
 * qr.h: QR codes (ISO/IEC 18004), enough for an otpauth:// URI: byte
 * and numeric modes, error correction level M, versions 1 to 10 (up to
 * 213 bytes), Reed-Solomon over GF(256), the eight masks chosen by the
 * standard's penalty score, format and version information. The code
 * is drawn as SVG by rb_qr_svg() (one path, no script), for the agents'
 * enrolment page.
 */
#ifndef RB_BASE_QR_H
#define RB_BASE_QR_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define RB_QR_VERSION_MAX	10
#define RB_QR_SIZE_MAX		(17 + 4 * RB_QR_VERSION_MAX)	/* 57 */

enum rb_qr_mode {
	RB_QR_BYTE,		/* any bytes (a URI) */
	RB_QR_NUMERIC,		/* digits only */
};

struct rb_qr {
	int		 qr_version;	/* 1 to RB_QR_VERSION_MAX */
	int		 qr_size;	/* modules a side: 17 + 4 * version */
	int		 qr_mask;	/* 0 to 7 */
	/* Dark modules: qr_dark[row][column] is 1 when dark. */
	unsigned char	 qr_dark[RB_QR_SIZE_MAX][RB_QR_SIZE_MAX];
};

/*
 * Encodes data[0..len) in mode at level M in the smallest version that
 * holds it. mask -1 picks the mask of lowest penalty; 0 to 7 forces one
 * (tests). Returns 0, or -1 when the data does not fit version 10 (or
 * is not digits in numeric mode).
 */
int	rb_qr_encode(const void *data, size_t len, enum rb_qr_mode mode,
	    int mask, struct rb_qr *qr);

/*
 * Exposed for tests: the codewords of the encoded data before masking,
 * interleaved, data then error correction, as placed in the symbol;
 * *n their count. Same inputs and failures as rb_qr_encode.
 */
int	rb_qr_codewords(const void *data, size_t len, enum rb_qr_mode mode,
	    int *version, uint8_t *out, size_t *n);
/* The Reed-Solomon error correction codewords (ecc of them) of
 * data[0..len) into ec. */
void	rb_qr_rs(const uint8_t *data, size_t len, int ecc, uint8_t *ec);
/* The 15 bits of format information for level M and mask. */
unsigned rb_qr_format_bits(int mask);
/* The 18 bits of version information (version 7 and above). */
unsigned rb_qr_version_bits(int version);
/* The penalty score of the symbol as it stands (ISO 18004 7.8.3). */
int	rb_qr_penalty(const struct rb_qr *qr);

/*
 * Appends the symbol as an inline SVG image to out: a viewBox of the
 * symbol and a 4-module quiet zone, white background, one path of dark
 * modules, role="img" with aria-label label (escaped). Appends nothing
 * else.
 */
void	rb_qr_svg(const struct rb_qr *qr, const char *label, rb_buf *out);

#endif
