/*
 * qr.c: QR code encoder (see qr.h), written from ISO/IEC 18004:2015:
 * data encoding (7.4), error correction (7.5, Reed-Solomon over GF(256)
 * with the polynomial x^8 + x^4 + x^3 + x^2 + 1), interleaving (7.6),
 * module placement (7.7), masking and its penalty score (7.8), format
 * and version information (7.9, 7.10).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/qr.h"

#define CODEWORDS_MAX	346	/* version 10 */
#define FORMAT_M	0	/* level M's two bits: 00 */

/* Error correction level M, per version: codewords of correction per
 * block, then groups of (blocks, data codewords per block). */
static const struct {
	int	ec;
	int	b1, d1, b2, d2;
} blocks_m[RB_QR_VERSION_MAX + 1] = {
	{ 0, 0, 0, 0, 0 },
	{ 10, 1, 16, 0, 0 }, { 16, 1, 28, 0, 0 }, { 26, 1, 44, 0, 0 },
	{ 18, 2, 32, 0, 0 }, { 24, 2, 43, 0, 0 }, { 16, 4, 27, 0, 0 },
	{ 18, 4, 31, 0, 0 }, { 22, 2, 38, 2, 39 }, { 22, 3, 36, 2, 37 },
	{ 26, 4, 43, 1, 44 },
};

/* Centres of alignment patterns, per version (0 ends a list). */
static const int align_pos[RB_QR_VERSION_MAX + 1][4] = {
	{ 0 }, { 0 }, { 6, 18 }, { 6, 22 }, { 6, 26 }, { 6, 30 }, { 6, 34 },
	{ 6, 22, 38 }, { 6, 24, 42 }, { 6, 26, 46 }, { 6, 28, 50 },
};

static int
data_codewords(int v)
{
	return blocks_m[v].b1 * blocks_m[v].d1 + blocks_m[v].b2 *
	    blocks_m[v].d2;
}

/* --- GF(256) and Reed-Solomon --- */

static uint8_t gf_exp[512], gf_log[256];
static pthread_once_t gf_once = PTHREAD_ONCE_INIT;

static void
gf_tables(void)
{
	unsigned x = 1;
	int i;

	for (i = 0; i < 255; i++) {
		gf_exp[i] = (uint8_t)x;
		gf_log[x] = (uint8_t)i;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11d;
	}
	for (i = 255; i < 512; i++)
		gf_exp[i] = gf_exp[i - 255];
}

static uint8_t
gf_mul(uint8_t a, uint8_t b)
{
	return a == 0 || b == 0 ? 0 : gf_exp[gf_log[a] + gf_log[b]];
}

void
rb_qr_rs(const uint8_t *data, size_t len, int ecc, uint8_t *ec)
{
	uint8_t gen[32], factor;
	size_t i;
	int j, k;

	pthread_once(&gf_once, gf_tables);
	/* gen = (x - a^0)(x - a^1)…(x - a^(ecc-1)), highest degree first. */
	memset(gen, 0, sizeof(gen));
	gen[0] = 1;
	for (j = 0; j < ecc; j++) {
		for (k = j + 1; k >= 1; k--)
			gen[k] ^= gf_mul(gen[k - 1], gf_exp[j]);
	}
	/* The remainder of data(x) * x^ecc divided by gen. */
	memset(ec, 0, (size_t)ecc);
	for (i = 0; i < len; i++) {
		factor = data[i] ^ ec[0];
		memmove(ec, ec + 1, (size_t)ecc - 1);
		ec[ecc - 1] = 0;
		for (k = 0; k < ecc; k++)
			ec[k] ^= gf_mul(gen[k + 1], factor);
	}
}

/* --- data encoding --- */

struct bits {
	uint8_t	b_buf[CODEWORDS_MAX];
	int	b_len;			/* bits */
};

static void
put_bits(struct bits *b, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		if ((v >> i) & 1)
			b->b_buf[b->b_len / 8] |= (uint8_t)(0x80 >> (b->b_len % 8));
		b->b_len++;
	}
}

static int
count_bits(enum rb_qr_mode mode, int v)
{
	if (mode == RB_QR_NUMERIC)
		return v <= 9 ? 10 : 12;
	return v <= 9 ? 8 : 16;
}

static long
payload_bits(enum rb_qr_mode mode, size_t len)
{
	if (mode == RB_QR_NUMERIC)
		return 10L * (long)(len / 3) + (len % 3 == 2 ? 7 : len % 3 == 1 ?
		    4 : 0);
	return 8L * (long)len;
}

int
rb_qr_codewords(const void *data, size_t len, enum rb_qr_mode mode,
    int *version, uint8_t *out, size_t *n)
{
	const uint8_t *p = data;
	struct bits b;
	uint8_t ec[8][32], *blk[8];
	int v, cap, nb, i, j, k, pad, dlen[8];
	size_t o = 0, q;

	*n = 0;
	if (mode == RB_QR_NUMERIC)
		for (q = 0; q < len; q++)
			if (p[q] < '0' || p[q] > '9')
				return -1;
	for (v = 1; v <= RB_QR_VERSION_MAX; v++)
		if (len < (1u << count_bits(mode, v)) && 4 + count_bits(mode,
		    v) + payload_bits(mode, len) <= 8L * data_codewords(v))
			break;
	if (v > RB_QR_VERSION_MAX)
		return -1;
	*version = v;
	cap = 8 * data_codewords(v);
	memset(&b, 0, sizeof(b));
	put_bits(&b, mode == RB_QR_NUMERIC ? 1 : 4, 4);
	put_bits(&b, (unsigned)len, count_bits(mode, v));
	if (mode == RB_QR_NUMERIC) {
		for (q = 0; q + 3 <= len; q += 3)
			put_bits(&b, (unsigned)((p[q] - '0') * 100 +
			    (p[q + 1] - '0') * 10 + (p[q + 2] - '0')), 10);
		if (len - q == 2)
			put_bits(&b, (unsigned)((p[q] - '0') * 10 +
			    (p[q + 1] - '0')), 7);
		else if (len - q == 1)
			put_bits(&b, (unsigned)(p[q] - '0'), 4);
	} else {
		for (q = 0; q < len; q++)
			put_bits(&b, p[q], 8);
	}
	/* Terminator (up to four zero bits), zeros to a byte boundary,
	   then the pad codewords 11101100 and 00010001 in turn. */
	put_bits(&b, 0, cap - b.b_len < 4 ? cap - b.b_len : 4);
	put_bits(&b, 0, (8 - b.b_len % 8) % 8);
	for (pad = 0xec; b.b_len < cap; pad ^= 0xec ^ 0x11)
		put_bits(&b, (unsigned)pad, 8);

	/* Blocks, their correction, and the interleaving. */
	nb = blocks_m[v].b1 + blocks_m[v].b2;
	for (i = 0, k = 0; i < nb; i++) {
		dlen[i] = i < blocks_m[v].b1 ? blocks_m[v].d1 : blocks_m[v].d2;
		blk[i] = b.b_buf + k;
		rb_qr_rs(blk[i], (size_t)dlen[i], blocks_m[v].ec, ec[i]);
		k += dlen[i];
	}
	for (j = 0; j < blocks_m[v].d2 || j < blocks_m[v].d1; j++)
		for (i = 0; i < nb; i++)
			if (j < dlen[i])
				out[o++] = blk[i][j];
	for (j = 0; j < blocks_m[v].ec; j++)
		for (i = 0; i < nb; i++)
			out[o++] = ec[i][j];
	*n = o;
	return 0;
}

/* --- function patterns --- */

struct grid {
	struct rb_qr	*g_qr;
	unsigned char	 g_func[RB_QR_SIZE_MAX][RB_QR_SIZE_MAX];
};

static void
set_func(struct grid *g, int r, int c, int dark)
{
	g->g_qr->qr_dark[r][c] = (unsigned char)(dark != 0);
	g->g_func[r][c] = 1;
}

static void
finder(struct grid *g, int r0, int c0)
{
	int dr, dc, r, c, ar, ac, size = g->g_qr->qr_size;

	for (dr = -1; dr <= 7; dr++)
		for (dc = -1; dc <= 7; dc++) {
			r = r0 + dr;
			c = c0 + dc;
			if (r < 0 || c < 0 || r >= size || c >= size)
				continue;
			ar = dr < 3 ? 3 - dr : dr - 3;	/* distance to centre */
			ac = dc < 3 ? 3 - dc : dc - 3;
			if (ac > ar)
				ar = ac;
			set_func(g, r, c, ar != 2 && ar != 4);
		}
}

unsigned
rb_qr_format_bits(int mask)
{
	unsigned data = (unsigned)(FORMAT_M << 3 | (mask & 7)), rem = data;
	int i;

	/* BCH(15,5): the remainder of data * x^10 by 10100110111. */
	for (i = 0; i < 10; i++)
		rem = (rem << 1) ^ ((rem >> 9) * 0x537);
	return ((data << 10) | rem) ^ 0x5412;
}

unsigned
rb_qr_version_bits(int version)
{
	unsigned rem = (unsigned)version;
	int i;

	/* BCH(18,6): the remainder of version * x^12 by 1111100100101. */
	for (i = 0; i < 12; i++)
		rem = (rem << 1) ^ ((rem >> 11) * 0x1f25);
	return (unsigned)version << 12 | rem;
}

static void
draw_format(struct grid *g, int mask)
{
	unsigned bits = rb_qr_format_bits(mask);
	int i, size = g->g_qr->qr_size;

#define BIT(i)	((bits >> (i)) & 1)
	/* Around the top-left finder. */
	for (i = 0; i <= 5; i++)
		set_func(g, i, 8, BIT(i));
	set_func(g, 7, 8, BIT(6));
	set_func(g, 8, 8, BIT(7));
	set_func(g, 8, 7, BIT(8));
	for (i = 9; i < 15; i++)
		set_func(g, 8, 14 - i, BIT(i));
	/* The copy beside the two other finders. */
	for (i = 0; i < 8; i++)
		set_func(g, 8, size - 1 - i, BIT(i));
	for (i = 8; i < 15; i++)
		set_func(g, size - 15 + i, 8, BIT(i));
#undef BIT
	set_func(g, size - 8, 8, 1);	/* the dark module */
}

static void
draw_functions(struct grid *g)
{
	struct rb_qr *qr = g->g_qr;
	int size = qr->qr_size, v = qr->qr_version, i, j, n, r, c, dr, dc;
	unsigned vb;

	finder(g, 0, 0);
	finder(g, 0, size - 7);
	finder(g, size - 7, 0);
	for (i = 0; i < size; i++) {
		if (!g->g_func[6][i])
			set_func(g, 6, i, i % 2 == 0);
		if (!g->g_func[i][6])
			set_func(g, i, 6, i % 2 == 0);
	}
	for (n = 0; n < 4 && align_pos[v][n] != 0; n++)
		;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if ((i == 0 && j == 0) || (i == 0 && j == n - 1) ||
			    (i == n - 1 && j == 0))
				continue;	/* on a finder */
			for (dr = -2; dr <= 2; dr++)
				for (dc = -2; dc <= 2; dc++) {
					r = align_pos[v][i] + dr;
					c = align_pos[v][j] + dc;
					set_func(g, r, c, abs(dr) == 2 ||
					    abs(dc) == 2 || (dr == 0 &&
					    dc == 0));
				}
		}
	draw_format(g, 0);	/* reserves the area; redrawn with the mask */
	if (v >= 7) {
		vb = rb_qr_version_bits(v);
		for (i = 0; i < 18; i++) {
			r = i / 3;
			c = size - 11 + i % 3;
			set_func(g, r, c, (vb >> i) & 1);
			set_func(g, c, r, (vb >> i) & 1);
		}
	}
}

/* Places the codewords in the two-column zigzag from the bottom right,
 * skipping function modules and the vertical timing column. */
static void
place(struct grid *g, const uint8_t *cw, size_t n)
{
	int size = g->g_qr->qr_size, right, vert, j, r, c, up;
	size_t i = 0;

	for (right = size - 1; right >= 1; right -= 2) {
		if (right == 6)
			right = 5;
		up = ((right + 1) & 2) == 0;
		for (vert = 0; vert < size; vert++)
			for (j = 0; j < 2; j++) {
				c = right - j;
				r = up ? size - 1 - vert : vert;
				if (g->g_func[r][c])
					continue;
				g->g_qr->qr_dark[r][c] = i < 8 * n ?
				    (cw[i / 8] >> (7 - i % 8)) & 1 : 0;
				i++;
			}
	}
}

static int
mask_bit(int mask, int r, int c)
{
	switch (mask) {
	case 0: return (r + c) % 2 == 0;
	case 1: return r % 2 == 0;
	case 2: return c % 3 == 0;
	case 3: return (r + c) % 3 == 0;
	case 4: return (r / 2 + c / 3) % 2 == 0;
	case 5: return (r * c) % 2 + (r * c) % 3 == 0;
	case 6: return ((r * c) % 2 + (r * c) % 3) % 2 == 0;
	default: return ((r + c) % 2 + (r * c) % 3) % 2 == 0;
	}
}

static void
apply_mask(struct grid *g, int mask)
{
	int r, c, size = g->g_qr->qr_size;

	for (r = 0; r < size; r++)
		for (c = 0; c < size; c++)
			if (!g->g_func[r][c] && mask_bit(mask, r, c))
				g->g_qr->qr_dark[r][c] ^= 1;
}

/* Module at (r, c) read along a row (by_col 0) or a column; outside the
 * symbol is light (the quiet zone). */
static int
at(const struct rb_qr *qr, int line, int k, int by_col)
{
	if (k < 0 || k >= qr->qr_size)
		return 0;
	return by_col ? qr->qr_dark[k][line] : qr->qr_dark[line][k];
}

int
rb_qr_penalty(const struct rb_qr *qr)
{
	static const int finder_like[7] = { 1, 0, 1, 1, 1, 0, 1 };
	int size = qr->qr_size, score = 0, line, k, run, dir, i, dark = 0;
	int ok, before, after;

	for (dir = 0; dir < 2; dir++)
		for (line = 0; line < size; line++) {
			/* N1: runs of five or more of one colour. */
			run = 1;
			for (k = 1; k <= size; k++) {
				if (k < size && at(qr, line, k, dir) ==
				    at(qr, line, k - 1, dir)) {
					run++;
					continue;
				}
				if (run >= 5)
					score += 3 + run - 5;
				run = 1;
			}
			/* N3: 1:1:3:1:1 with four light modules on a side. */
			for (k = 0; k + 7 <= size; k++) {
				for (ok = 1, i = 0; i < 7 && ok; i++)
					ok = at(qr, line, k + i, dir) ==
					    finder_like[i];
				if (!ok)
					continue;
				for (before = 1, i = 1; i <= 4; i++)
					before &= !at(qr, line, k - i, dir);
				for (after = 1, i = 0; i < 4; i++)
					after &= !at(qr, line, k + 7 + i, dir);
				score += 40 * (before + after);
			}
		}
	/* N2: 2x2 blocks of one colour. */
	for (line = 0; line + 1 < size; line++)
		for (k = 0; k + 1 < size; k++)
			if (qr->qr_dark[line][k] == qr->qr_dark[line][k + 1] &&
			    qr->qr_dark[line][k] == qr->qr_dark[line + 1][k] &&
			    qr->qr_dark[line][k] == qr->qr_dark[line + 1][k + 1])
				score += 3;
	/* N4: 10 per 5 % of dark modules away from half. */
	for (line = 0; line < size; line++)
		for (k = 0; k < size; k++)
			dark += qr->qr_dark[line][k];
	score += 10 * (abs(dark * 20 - size * size * 10) / (size * size));
	return score;
}

int
rb_qr_encode(const void *data, size_t len, enum rb_qr_mode mode, int mask,
    struct rb_qr *qr)
{
	struct grid *gp;
	uint8_t cw[CODEWORDS_MAX];
	size_t n;
	int v, m, best = -1, best_score = 0, s;

	memset(qr, 0, sizeof(*qr));
	if (rb_qr_codewords(data, len, mode, &v, cw, &n) != 0)
		return -1;
	gp = calloc(1, sizeof(*gp));
	if (gp == NULL)
		return -1;
	gp->g_qr = qr;
	qr->qr_version = v;
	qr->qr_size = 17 + 4 * v;
	draw_functions(gp);
	place(gp, cw, n);
	for (m = 0; m < 8; m++) {
		if (mask >= 0 && m != mask)
			continue;
		apply_mask(gp, m);
		draw_format(gp, m);
		s = rb_qr_penalty(qr);
		if (best < 0 || s < best_score) {
			best = m;
			best_score = s;
		}
		apply_mask(gp, m);	/* undo: masking is its own inverse */
	}
	apply_mask(gp, best);
	draw_format(gp, best);
	qr->qr_mask = best;
	free(gp);
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
