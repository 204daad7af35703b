/*
 * filetype.c: file kinds recognised by structure (see filetype.h).
 */
#include <stdint.h>
#include <string.h>

#include "filetype.h"

static const char *const mimes[RB_FILETYPE__MAX] = {
	[RB_FILETYPE_JPEG] = "image/jpeg",
	[RB_FILETYPE_PNG] = "image/png",
	[RB_FILETYPE_PDF] = "application/pdf",
};

static const char *const exts[RB_FILETYPE__MAX] = {
	[RB_FILETYPE_JPEG] = "jpg",
	[RB_FILETYPE_PNG] = "png",
	[RB_FILETYPE_PDF] = "pdf",
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* SOI, then segments up to SOS, each inside the file. */
static int
is_jpeg(const unsigned char *p, size_t len)
{
	size_t i = 2, seglen;
	unsigned m;

	if (len < 4 || p[0] != 0xFF || p[1] != 0xD8 || p[2] != 0xFF)
		return 0;
	while (i < len) {
		if (p[i] != 0xFF)
			return 0;
		while (i < len && p[i] == 0xFF)	/* fill bytes */
			i++;
		if (i >= len)
			return 0;
		m = p[i++];
		if (m == 0x00 || m == 0xD8 || m == 0xD9)
			return 0;	/* no scan before the end */
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
			continue;	/* markers without a length */
		if (len - i < 2)
			return 0;
		seglen = (size_t)p[i] << 8 | p[i + 1];
		if (seglen < 2 || seglen > len - i)
			return 0;
		if (m == 0xDA)		/* start of scan: the image data */
			return seglen > 2 && len - i - seglen >= 2;
		i += seglen;
	}
	return 0;
}

static int
chunk_type_ok(const unsigned char *t)
{
	int k;

	for (k = 0; k < 4; k++)
		if (!((t[k] >= 'A' && t[k] <= 'Z') ||
		    (t[k] >= 'a' && t[k] <= 'z')))
			return 0;
	return 1;
}

/* Signature, IHDR first, chunks inside the file, up to IEND. */
static int
is_png(const unsigned char *p, size_t len)
{
	static const unsigned char sig[8] =
	    { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	size_t i = 8;
	uint32_t clen;
	int first = 1;

	if (len < 8 + 25 || memcmp(p, sig, 8) != 0)
		return 0;
	while (len - i >= 12) {
		clen = be32(p + i);
		if (clen > 0x7FFFFFFFu || clen > len - i - 12 ||
		    !chunk_type_ok(p + i + 4))
			return 0;
		if (first) {
			if (memcmp(p + i + 4, "IHDR", 4) != 0 || clen != 13 ||
			    be32(p + i + 8) == 0 || be32(p + i + 12) == 0)
				return 0;
			first = 0;
		}
		if (memcmp(p + i + 4, "IEND", 4) == 0)
			return clen == 0;
		i += 12 + (size_t)clen;
	}
	return 0;
}

/* "%PDF-d.d" first, "%%EOF" near the end. */
static int
is_pdf(const unsigned char *p, size_t len)
{
	size_t from, i;

	if (len < 16 || memcmp(p, "%PDF-", 5) != 0 ||
	    p[5] < '1' || p[5] > '9' || p[6] != '.' ||
	    p[7] < '0' || p[7] > '9')
		return 0;
	from = len > 1024 ? len - 1024 : 8;
	for (i = len - 5; ; i--) {
		if (memcmp(p + i, "%%EOF", 5) == 0)
			return 1;
		if (i == from)
			break;
	}
	return 0;
}

enum rb_filetype
rb_filetype_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (p == NULL)
		return RB_FILETYPE_UNKNOWN;
	if (is_jpeg(p, len))
		return RB_FILETYPE_JPEG;
	if (is_png(p, len))
		return RB_FILETYPE_PNG;
	if (is_pdf(p, len))
		return RB_FILETYPE_PDF;
	return RB_FILETYPE_UNKNOWN;
}

const char *
rb_filetype_mime(enum rb_filetype t)
{
	return (unsigned)t < RB_FILETYPE__MAX ? mimes[t] : NULL;
}

const char *
rb_filetype_ext(enum rb_filetype t)
{
	return (unsigned)t < RB_FILETYPE__MAX ? exts[t] : NULL;
}

enum rb_filetype
rb_filetype_from_mime(const char *mime)
{
	int k;

	for (k = 1; mime != NULL && k < RB_FILETYPE__MAX; k++)
		if (strcmp(mime, mimes[k]) == 0)
			return k;
	return RB_FILETYPE_UNKNOWN;
}
