/*
 * braille.c: French braille through liblouis's C API, and the layout of
 * braille documents in lines and pages (see braille.h).
 *
 * Translation: the UTF-8 text is decoded to UTF-32 (libunistring), no-
 * break spaces and control characters become spaces (the positions of
 * no-break spaces are remembered), and lou_translate() runs in dotsIO
 * mode so that every output character is a dot pattern (LOU_DOTS |
 * dots), whatever display table is installed. Its inputPos array tells
 * which output cell came from which input character: a blank cell made
 * from a no-break space gets RB_BRAILLE_NOBREAK, and the layout never
 * breaks a line there.
 *
 * liblouis's widechar must be as wide as the one it was built with
 * (Debian: 4 bytes, lou_charSize()); a mismatch is refused at first use
 * instead of producing garbage. liblouis keeps a global table cache and
 * global log callback: every call into it holds lou_lock.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liblouis/liblouis.h>
#include <unistr.h>

#include "base/log.h"
#include "docs/braille.h"

#define BD_END		0xff		/* end of a paragraph in bd_cells */
#define BD_BLANKLINE	0xfe		/* an empty line */
#define LOU_DOTS_BIT	0x8000		/* liblouis's LOU_DOTS */
#define TEXT_MAX	(1 << 20)	/* characters of one paragraph */

static pthread_mutex_t lou_lock = PTHREAD_MUTEX_INITIALIZER;
static int lou_ready;			/* 1 ok, -1 widechar mismatch */

static const char *const tables[RB_BRAILLE__MAX] = {
	[RB_BRAILLE_NONE] = NULL,
	[RB_BRAILLE_GRADE1] = "fr-bfu-comp6.utb",
	[RB_BRAILLE_GRADE2] = "fr-bfu-g2.ctb",
};

/*
 * TBFR2007, the 64 cells of 6 dots: the CP1252 byte of each cell (index:
 * dots, bit 0 = dot 1). Taken from the 6-dot characters of liblouis's
 * fr-bfu-comp8.utb (its reference is the AVH's "Table braille
 * informatique française TBFR2007"); tests/unit/fixtures/tbfr2007.txt
 * holds the same mapping as lou_translate computed it.
 */
static const unsigned char tbfr[64] = {
	0x20, 0x61, 0x2c, 0x62, 0x27, 0x6b, 0x3b, 0x6c,	/*  0- 7 */
	0x5e, 0x63, 0x69, 0x66, 0x2f, 0x6d, 0x73, 0x70,	/*  8-15 */
	0xb4, 0x65, 0x3a, 0x68, 0x2a, 0x6f, 0x21, 0x72,	/* 16-23 */
	0xa4, 0x64, 0x6a, 0x67, 0x40, 0x6e, 0x74, 0x71,	/* 24-31 */
	0x60, 0x31, 0x3f, 0x32, 0x2d, 0x75, 0x28, 0x76,	/* 32-39 */
	0xa8, 0x33, 0x39, 0x36, 0xf3, 0x78, 0xe8, 0xe7,	/* 40-47 */
	0x84, 0x35, 0x2e, 0x38, 0x29, 0x7a, 0x22, 0xe0,	/* 48-55 */
	0xb8, 0x34, 0x77, 0x37, 0x30, 0x79, 0xf9, 0xe9,	/* 56-63 */
};

unsigned char
rb_braille_tbfr_byte(unsigned dots)
{
	return tbfr[dots & 0x3f];
}

int
rb_braille_tbfr_cell(unsigned char byte)
{
	int i;

	for (i = 0; i < 64; i++)
		if (tbfr[i] == byte)
			return i;
	return -1;
}

const char *
rb_braille_table(enum rb_braille_grade grade)
{
	if ((int)grade < 0 || grade >= RB_BRAILLE__MAX)
		return NULL;
	return tables[grade];
}

/* liblouis's messages go to our log (called with lou_lock held). */
static void
lou_log(logLevels level, const char *message)
{
	if (level >= LOU_LOG_ERROR)
		log_errx("liblouis: %s", message);
}

static void
lou_atexit(void)
{
	pthread_mutex_lock(&lou_lock);
	if (lou_ready == 1)
		lou_free();
	lou_ready = 0;
	pthread_mutex_unlock(&lou_lock);
}

/* First use: checks widechar, routes the log. Called with lou_lock. */
static int
lou_setup(char *err, size_t errlen)
{
	if (lou_ready == 0) {
		if (lou_charSize() != (int)sizeof(widechar)) {
			lou_ready = -1;
		} else {
			lou_registerLogCallback(lou_log);
			lou_setLogLevel(LOU_LOG_ERROR);
			atexit(lou_atexit);
			lou_ready = 1;
		}
	}
	if (lou_ready < 0) {
		snprintf(err, errlen, "liblouis widechar is %d bytes, this "
		    "build expects %zu", lou_charSize(), sizeof(widechar));
		return -1;
	}
	return 0;
}

int
rb_braille_translate(enum rb_braille_grade grade, const char *utf8,
    rb_buf *out, char *err, size_t errlen)
{
	const char *table = rb_braille_table(grade);
	widechar *in = NULL, *res = NULL;
	char *nobreak = NULL;
	int *inpos = NULL;
	size_t n, len, cap;
	int inlen, outlen, i, rc = -1, ok;
	uint32_t *u32 = NULL;

	if (table == NULL) {
		snprintf(err, errlen, "no braille table for grade %d",
		    (int)grade);
		return -1;
	}
	len = strlen(utf8);
	if (u8_check((const uint8_t *)utf8, len) != NULL) {
		snprintf(err, errlen, "text is not valid UTF-8");
		return -1;
	}
	if ((u32 = u8_to_u32((const uint8_t *)utf8, len, NULL, &n)) == NULL) {
		snprintf(err, errlen, "cannot decode the text");
		return -1;
	}
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (n > TEXT_MAX) {
		snprintf(err, errlen, "text too long (%zu characters)", n);
		goto out;
	}
	in = calloc(n, sizeof(*in));
	nobreak = calloc(n, 1);
	if (in == NULL || nobreak == NULL)
		abort();
	for (i = 0; i < (int)n; i++) {
		uint32_t c = u32[i];

		if (c == 0x00a0 || c == 0x202f) {
			nobreak[i] = 1;
			c = ' ';
		} else if (c < 0x20 || (c >= 0x7f && c < 0xa0) ||
		    c == 0x2028 || c == 0x2029) {
			c = ' ';
		}
		in[i] = (widechar)c;
	}
	/* Grade 2 may expand a character to several cells: grow and retry
	 * while liblouis fills the whole buffer. */
	for (cap = n * 4 + 32;; cap *= 2) {
		free(res);
		free(inpos);
		res = calloc(cap, sizeof(*res));
		inpos = calloc(cap, sizeof(*inpos));
		if (res == NULL || inpos == NULL)
			abort();
		inlen = (int)n;
		outlen = (int)cap;
		pthread_mutex_lock(&lou_lock);
		ok = lou_setup(err, errlen) == 0;
		if (ok && lou_translate(table, in, &inlen, res, &outlen, NULL,
		    NULL, NULL, inpos, NULL, dotsIO) == 0) {
			snprintf(err, errlen, "liblouis cannot translate with "
			    "%s (is liblouis-data installed?)", table);
			ok = 0;
		}
		pthread_mutex_unlock(&lou_lock);
		if (!ok)
			goto out;
		if (inlen >= (int)n && outlen < (int)cap)
			break;
		if (cap > (size_t)TEXT_MAX * 16) {
			snprintf(err, errlen, "braille output too long");
			goto out;
		}
	}
	for (i = 0; i < outlen; i++) {
		unsigned dots = res[i] & 0xff;
		unsigned char cell;

		if ((res[i] & LOU_DOTS_BIT) == 0 || (dots & 0xc0) != 0) {
			snprintf(err, errlen, "%s gave a cell that is not "
			    "6-dot braille (0x%x)", table, (unsigned)res[i]);
			goto out;
		}
		cell = (unsigned char)dots;
		if (cell == 0 && inpos[i] >= 0 && inpos[i] < (int)n &&
		    nobreak[inpos[i]])
			cell |= RB_BRAILLE_NOBREAK;
		rb_buf_append(out, &cell, 1);
	}
	rc = 0;
out:
	free(u32);
	free(in);
	free(nobreak);
	free(res);
	free(inpos);
	return rc;
}

void
rb_braille_doc_init(struct rb_braille_doc *d, enum rb_braille_grade grade)
{
	memset(d, 0, sizeof(*d));
	d->bd_grade = grade;
	rb_buf_init(&d->bd_cells);
}

void
rb_braille_doc_free(struct rb_braille_doc *d)
{
	rb_buf_free(&d->bd_cells);
}

int
rb_braille_doc_para(struct rb_braille_doc *d, const char *utf8)
{
	unsigned char end = BD_END;
	size_t mark = d->bd_cells.buf_len;

	if (d->bd_failed)
		return -1;
	if (rb_braille_translate(d->bd_grade, utf8, &d->bd_cells, d->bd_err,
	    sizeof(d->bd_err)) != 0) {
		d->bd_cells.buf_len = mark;
		d->bd_failed = 1;
		return -1;
	}
	rb_buf_append(&d->bd_cells, &end, 1);
	return 0;
}

int
rb_braille_doc_paraf(struct rb_braille_doc *d, const char *fmt, ...)
{
	rb_buf b = RB_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rb_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = rb_braille_doc_para(d, rb_buf_cstr(&b));
	rb_buf_free(&b);
	return rc;
}

void
rb_braille_doc_blank(struct rb_braille_doc *d)
{
	unsigned char c[2] = { BD_BLANKLINE, BD_END };

	rb_buf_append(&d->bd_cells, c, 2);
}

/* The layout: lines of at most l_cells cells gathered into pages. */
struct layout {
	enum rb_braille_format	 l_fmt;
	int			 l_cells, l_lines;
	int			 l_page;	/* current page, from 1 */
	int			 l_row;		/* content lines on it */
	unsigned char		 l_line[RB_BRAILLE_GEOMETRY_MAX];
	int			 l_len;
	unsigned char		 l_number[RB_BRAILLE_GEOMETRY_MAX];
	rb_buf			*l_out;
};

static void
put_cell(struct layout *l, unsigned char cell)
{
	unsigned char u[3];

	cell &= 0x3f;
	if (l->l_fmt == RB_BRAILLE_EMBOSSER) {
		u[0] = tbfr[cell];
		rb_buf_append(l->l_out, u, 1);
	} else {
		u[0] = 0xe2;			/* U+2800 + cell */
		u[1] = 0xa0;
		u[2] = (unsigned char)(0x80 + cell);
		rb_buf_append(l->l_out, u, 3);
	}
}

static void
put_eol(struct layout *l)
{
	rb_buf_puts(l->l_out, l->l_fmt == RB_BRAILLE_EMBOSSER ? "\r\n" :
	    "\n");
}

/* Writes one line of cells, trailing blanks dropped. */
static void
put_line(struct layout *l, const unsigned char *c, int n)
{
	int i;

	while (n > 0 && (c[n - 1] & 0x3f) == 0)
		n--;
	for (i = 0; i < n; i++)
		put_cell(l, c[i]);
	put_eol(l);
}

/* Ends the current page: empty lines, then the page number. */
static int
end_page(struct layout *l, enum rb_braille_grade grade, char *err,
    size_t errlen)
{
	unsigned char line[RB_BRAILLE_GEOMETRY_MAX];
	rb_buf num = RB_BUF_INIT;
	char digits[16];
	size_t k;

	for (; l->l_row < l->l_lines - 1; l->l_row++)
		put_eol(l);
	snprintf(digits, sizeof(digits), "%d", l->l_page);
	if (rb_braille_translate(grade, digits, &num, err, errlen) != 0)
		return -1;
	if (num.buf_len > (size_t)l->l_cells) {
		snprintf(err, errlen, "page number wider than a line");
		rb_buf_free(&num);
		return -1;
	}
	memset(line, 0, sizeof(line));
	k = (size_t)l->l_cells - num.buf_len;
	memcpy(line + k, num.buf_data, num.buf_len);
	put_line(l, line, l->l_cells);
	rb_buf_free(&num);
	return 0;
}

/* Emits the line being built (or an empty line) onto the page. */
static int
flush_line(struct layout *l, enum rb_braille_grade grade, int blank,
    char *err, size_t errlen)
{
	if (blank && l->l_row == 0)
		return 0;		/* no empty line at the top of a page */
	if (l->l_row == l->l_lines - 1) {
		if (end_page(l, grade, err, errlen) != 0)
			return -1;
		rb_buf_putc(l->l_out, '\f');
		l->l_page++;
		l->l_row = 0;
		if (blank)
			return 0;
	}
	put_line(l, l->l_line, blank ? 0 : l->l_len);
	l->l_row++;
	l->l_len = 0;
	return 0;
}

/* Places one word (cells without breakable blank) on the lines. */
static int
place_word(struct layout *l, enum rb_braille_grade grade,
    const unsigned char *w, int wl, char *err, size_t errlen)
{
	int room, take;

	if (l->l_len > 0 && l->l_len + 1 + wl <= l->l_cells) {
		l->l_line[l->l_len++] = 0;
		memcpy(l->l_line + l->l_len, w, (size_t)wl);
		l->l_len += wl;
		return 0;
	}
	if (wl <= l->l_cells) {
		if (l->l_len > 0 && flush_line(l, grade, 0, err, errlen) != 0)
			return -1;
		memcpy(l->l_line, w, (size_t)wl);
		l->l_len = wl;
		return 0;
	}
	/* Longer than a line: cut, each piece but the last ending with the
	 * hyphen cell; start on this line when a few cells are left. */
	if (l->l_len > 0) {
		if (l->l_cells - l->l_len - 1 >= 4)
			l->l_line[l->l_len++] = 0;
		else if (flush_line(l, grade, 0, err, errlen) != 0)
			return -1;
	}
	while (wl > 0) {
		room = l->l_cells - l->l_len;
		if (wl <= room) {
			memcpy(l->l_line + l->l_len, w, (size_t)wl);
			l->l_len += wl;
			break;
		}
		take = room - 1;
		memcpy(l->l_line + l->l_len, w, (size_t)take);
		l->l_len += take;
		l->l_line[l->l_len++] = RB_BRAILLE_CUT;
		w += take;
		wl -= take;
		if (flush_line(l, grade, 0, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
rb_braille_render(const struct rb_braille_doc *d,
    enum rb_braille_format fmt, int cells, int lines, rb_buf *out,
    int *pages, char *err, size_t errlen)
{
	const unsigned char *p, *end, *w;
	struct layout l;

	if (d->bd_failed) {
		snprintf(err, errlen, "%s", d->bd_err);
		return -1;
	}
	if (cells < RB_BRAILLE_CELLS_MIN || cells > RB_BRAILLE_GEOMETRY_MAX ||
	    lines < RB_BRAILLE_LINES_MIN || lines > RB_BRAILLE_GEOMETRY_MAX ||
	    (int)fmt < 0 || fmt >= RB_BRAILLE_FORMAT__MAX) {
		snprintf(err, errlen, "page geometry %d x %d out of bounds",
		    cells, lines);
		return -1;
	}
	memset(&l, 0, sizeof(l));
	l.l_fmt = fmt;
	l.l_cells = cells;
	l.l_lines = lines;
	l.l_page = 1;
	l.l_out = out;
	p = (const unsigned char *)d->bd_cells.buf_data;
	end = p + d->bd_cells.buf_len;
	while (p < end) {
		if (*p == BD_BLANKLINE) {
			if (flush_line(&l, d->bd_grade, 1, err, errlen) != 0)
				return -1;
			p += 2;
			continue;
		}
		for (;;) {
			while (p < end && *p == 0)	/* breakable blanks */
				p++;
			if (p >= end || *p == BD_END)
				break;
			w = p;
			while (p < end && *p != 0 && *p != BD_END)
				p++;
			if (place_word(&l, d->bd_grade, w, (int)(p - w), err,
			    errlen) != 0)
				return -1;
		}
		if (l.l_len > 0 &&
		    flush_line(&l, d->bd_grade, 0, err, errlen) != 0)
			return -1;
		p++;				/* BD_END */
	}
	if (end_page(&l, d->bd_grade, err, errlen) != 0)
		return -1;
	if (pages != NULL)
		*pages = l.l_page;
	return 0;
}
