/*
 * csvread.c: the streaming CSV reader (see csvread.h).
 *
 * Input is read in blocks and handed to libcsv one physical line at a
 * time (a segment ends after '\n', or earlier when a line is longer than
 * SEG_MAX), so the reader knows the line of every byte it feeds. A
 * record starts on the line of the first segment fed while libcsv has
 * no row begun, or on the line of the terminator of the previous record
 * when a bare CR ends one in mid-line. libcsv calls back once per field
 * and once per record; completed records queue up (one segment may hold
 * several) and rb_csv_next() hands them out. Their fields live in one
 * buffer that is emptied only when the queue is, so a record stays valid
 * until the next call. A whole line with no quote and no CR, read at
 * the start of a record, skips libcsv: its fields are split at the
 * separator (plain_line()), the same fields libcsv would give.
 *
 * Memory is bounded: fields longer than the field limit are not kept,
 * and libcsv's own field buffer is checked after every segment against
 * the record limit, which stops the file when exceeded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <unistr.h>

#include "base/csvread.h"
#include "base/mem.h"

#define BLOCK_SIZE	65536
#define SEG_MAX		8192
/* libcsv's parser state between rows (ROW_NOT_BEGUN in libcsv.c). */
#define CSV_ROW_NOT_BEGUN	0

struct queued {
	size_t		 q_line;
	size_t		 q_first;	/* index in c_off/c_flen */
	size_t		 q_nfields;
	int		 q_bad_field;
	const char	*q_bad_reason;	/* static text, or NULL: q_reason */
	char		 q_reason[96];
};

struct rb_csv {
	FILE		*c_fp;		/* NULL: memory */
	const unsigned char *c_mem;
	size_t		 c_memlen;
	size_t		 c_mempos;
	struct rb_csv_limits c_lim;
	struct csv_parser c_parser;
	unsigned char	*c_own;		/* file input buffer */
	const unsigned char *c_block;	/* input block */
	size_t		 c_blen;
	size_t		 c_bpos;
	int		 c_started;	/* BOM and separator handled */
	int		 c_state;	/* 0 going, 1 end, -1 failed */
	int		 c_bol;		/* next byte fed begins a line */
	int		 c_clean;	/* plain_line(): no NUL, valid UTF-8 */
	char		 c_sep;
	size_t		 c_line;	/* line of the next byte fed */
	size_t		 c_start_line;	/* line of the record being built */
	/* Fields of queued records and of the one being built. */
	char		*c_data;
	size_t		 c_dlen;
	size_t		 c_dcap;
	size_t		*c_off;
	size_t		*c_flen;
	size_t		 c_nf;
	size_t		 c_fcap;
	/* The record being built. */
	size_t		 c_cur_first;
	size_t		 c_cur_bytes;
	int		 c_cur_bad;
	const char	*c_cur_reason;
	char		 c_cur_rbuf[96];
	/* Completed records, handed out from c_qhead. */
	struct queued	*c_q;
	size_t		 c_qlen;
	size_t		 c_qcap;
	size_t		 c_qhead;
	/* What rb_csv_next() hands out. */
	const char	**c_ptrs;
	size_t		 c_pcap;
	struct rb_csv_problem c_fail;
};

static int
no_space(unsigned char ch)
{
	(void)ch;
	return 0;
}

static void
data_put(struct rb_csv *c, const void *p, size_t n)
{
	if (c->c_dlen + n + 1 > c->c_dcap) {
		while (c->c_dlen + n + 1 > c->c_dcap)
			c->c_dcap = c->c_dcap ? c->c_dcap * 2 : 4096;
		c->c_data = rb_xrealloc(c->c_data, c->c_dcap);
	}
	if (n > 0)
		memcpy(c->c_data + c->c_dlen, p, n);
	c->c_dlen += n;
	c->c_data[c->c_dlen++] = '\0';
}

/* Flags field of the current record; the first problem is kept. */
static void
mark_bad(struct rb_csv *c, size_t field, const char *reason)
{
	if (c->c_cur_bad >= 0)
		return;
	c->c_cur_bad = (int)field;
	c->c_cur_reason = reason;
}

/* libcsv: one field of the current record ended. */
static void
on_field(void *s, size_t len, void *arg)
{
	struct rb_csv *c = arg;
	size_t idx = c->c_nf - c->c_cur_first;
	const uint8_t *bad;
	const char *p = s;

	if (idx >= c->c_lim.cl_fields_max) {
		if (idx == c->c_lim.cl_fields_max && c->c_cur_bad < 0) {
			snprintf(c->c_cur_rbuf, sizeof(c->c_cur_rbuf),
			    "plus de %zu colonnes", c->c_lim.cl_fields_max);
			mark_bad(c, idx, c->c_cur_rbuf);
		}
		c->c_cur_bytes++;
		return;
	}
	if (p == NULL)
		len = 0;
	if (len > c->c_lim.cl_field_max) {
		if (c->c_cur_bad < 0)
			snprintf(c->c_cur_rbuf, sizeof(c->c_cur_rbuf),
			    "valeur trop longue (%zu octets, au plus %zu)",
			    len, c->c_lim.cl_field_max);
		mark_bad(c, idx, c->c_cur_rbuf);
		len = 0;
	} else if (c->c_cur_bytes + len > c->c_lim.cl_record_max) {
		if (c->c_cur_bad < 0)
			snprintf(c->c_cur_rbuf, sizeof(c->c_cur_rbuf),
			    "ligne trop longue (plus de %zu octets)",
			    c->c_lim.cl_record_max);
		mark_bad(c, idx, c->c_cur_rbuf);
		len = 0;
	} else if (c->c_clean) {
		/* Checked once for the whole line (plain_line()). */
	} else if (len > 0 && memchr(p, '\0', len) != NULL) {
		mark_bad(c, idx, "caractère NUL interdit");
		len = 0;
	} else if (len > 0 && (bad = u8_check((const uint8_t *)p, len)) !=
	    NULL) {
		if (c->c_cur_bad < 0)
			snprintf(c->c_cur_rbuf, sizeof(c->c_cur_rbuf),
			    "UTF-8 invalide (octet 0x%02X à la position %zu)",
			    (unsigned)*bad,
			    (size_t)(bad - (const uint8_t *)p) + 1);
		mark_bad(c, idx, c->c_cur_rbuf);
		len = 0;
	}
	if (c->c_nf == c->c_fcap) {
		c->c_fcap = c->c_fcap ? c->c_fcap * 2 : 64;
		c->c_off = rb_xrealloc(c->c_off, c->c_fcap * sizeof(*c->c_off));
		c->c_flen = rb_xrealloc(c->c_flen, c->c_fcap *
		    sizeof(*c->c_flen));
	}
	c->c_off[c->c_nf] = c->c_dlen;
	c->c_flen[c->c_nf] = len;
	c->c_nf++;
	data_put(c, p, len);
	c->c_cur_bytes += len + 1;
}

/* libcsv: the current record ended (ch is its terminator, -1 at EOF). */
static void
on_record(int ch, void *arg)
{
	struct rb_csv *c = arg;
	struct queued *q;

	(void)ch;
	if (c->c_qlen == c->c_qcap) {
		c->c_qcap = c->c_qcap ? c->c_qcap * 2 : 16;
		c->c_q = rb_xrealloc(c->c_q, c->c_qcap * sizeof(*c->c_q));
	}
	q = &c->c_q[c->c_qlen++];
	q->q_line = c->c_start_line;
	q->q_first = c->c_cur_first;
	q->q_nfields = c->c_nf - c->c_cur_first;
	q->q_bad_field = c->c_cur_bad;
	q->q_bad_reason = c->c_cur_reason;
	if (c->c_cur_bad >= 0 && c->c_cur_reason == c->c_cur_rbuf) {
		snprintf(q->q_reason, sizeof(q->q_reason), "%s",
		    c->c_cur_rbuf);
		q->q_bad_reason = NULL;
	}
	c->c_cur_first = c->c_nf;
	c->c_cur_bytes = 0;
	c->c_cur_bad = -1;
	c->c_cur_reason = NULL;
	/* A record after a bare CR starts on this same line. */
	c->c_start_line = c->c_line;
}

static void
fail(struct rb_csv *c, size_t line, const char *reason)
{
	c->c_state = -1;
	c->c_fail.cp_line = line;
	c->c_fail.cp_column[0] = '\0';
	snprintf(c->c_fail.cp_reason, sizeof(c->c_fail.cp_reason), "%s",
	    reason);
}

/* Refills the input block; returns bytes available, 0 at EOF, -1. */
static int
refill(struct rb_csv *c)
{
	size_t n;

	if (c->c_bpos < c->c_blen)
		return 1;
	c->c_bpos = c->c_blen = 0;
	if (c->c_fp == NULL) {
		n = c->c_memlen - c->c_mempos;
		if (n == 0)
			return 0;
		c->c_block = c->c_mem + c->c_mempos;
		c->c_blen = n;
		c->c_mempos += n;
		return 1;
	}
	n = fread(c->c_own, 1, BLOCK_SIZE, c->c_fp);
	if (n == 0) {
		if (ferror(c->c_fp)) {
			char msg[160];

			snprintf(msg, sizeof(msg), "erreur de lecture : %s",
			    strerror(errno));
			fail(c, c->c_line, msg);
			return -1;
		}
		return 0;
	}
	c->c_blen = n;
	return 1;
}

/* Skips a BOM and picks the separator from the first line. */
static void
start(struct rb_csv *c)
{
	const unsigned char *p;
	size_t i, n;
	int quoted = 0;

	c->c_started = 1;
	if (c->c_blen - c->c_bpos >= 3 && memcmp(c->c_block + c->c_bpos,
	    "\xEF\xBB\xBF", 3) == 0)
		c->c_bpos += 3;
	p = c->c_block + c->c_bpos;
	n = c->c_blen - c->c_bpos;
	c->c_sep = ';';
	for (i = 0; i < n && (quoted || (p[i] != '\n' && p[i] != '\r'));
	    i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (!quoted && (p[i] == ';' || p[i] == ',')) {
			c->c_sep = (char)p[i];
			break;
		}
	}
	csv_set_delim(&c->c_parser, (unsigned char)c->c_sep);
}

/*
 * Whether p[0..len-1] is valid UTF-8: its ASCII start is skipped eight
 * bytes at a time, and u8_check() (a test per byte) reads the rest
 * from the first byte of 0x80 or more, which starts a character. Most
 * lines of an export are ASCII: u8_check() over every line was 8 % of
 * the importer's CPU on the 20,000-contract files.
 */
static int
valid_utf8(const unsigned char *p, size_t len)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		if ((w & 0x8080808080808080ULL) != 0)
			break;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i == len || u8_check((const uint8_t *)p + i, len - i) == NULL;
}

/*
 * A whole line (p[0..n-1], p[n - 1] the '\n', after a CR or not) with
 * no quote and no other CR, not empty, at the start of a record: its
 * fields are the bytes between separators, as libcsv would give them
 * (no quote to undo, no space trimmed: no_space(); the CR ends the
 * record, the LF after it is an empty row libcsv drops), so they go to
 * on_field() and on_record() directly, without libcsv's byte by byte
 * state machine and copy (a fifth of the import's CPU on the 1.4
 * million invoice lines of 20,000 contracts). Returns 0 when the line
 * is not such a line: libcsv takes it.
 */
static int
plain_line(struct rb_csv *c, const unsigned char *p, size_t n)
{
	const unsigned char *end, *f, *sep;
	size_t len = n - 1;
	int term = '\n';

	if (len > 0 && p[len - 1] == '\r') {
		len--;
		term = '\r';
	}
	if (len == 0 || c->c_parser.pstate != CSV_ROW_NOT_BEGUN ||
	    memchr(p, '"', len) != NULL || memchr(p, '\r', len) != NULL)
		return 0;
	end = p + len;
	/* A line of valid UTF-8 splits at an ASCII byte into fields of
	   valid UTF-8: checked once here rather than field by field. */
	c->c_clean = memchr(p, '\0', len) == NULL && valid_utf8(p, len);
	for (f = p; ; f = sep + 1) {
		sep = memchr(f, (unsigned char)c->c_sep, (size_t)(end - f));
		if (sep == NULL) {
			on_field((void *)(uintptr_t)f, (size_t)(end - f), c);
			break;
		}
		on_field((void *)(uintptr_t)f, (size_t)(sep - f), c);
	}
	c->c_clean = 0;
	on_record(term, c);
	return 1;
}

/* Feeds input to libcsv until a record is queued, EOF or failure. */
static void
feed(struct rb_csv *c)
{
	const unsigned char *p, *nl;
	size_t n, fed;
	int r;

	while (c->c_qhead == c->c_qlen && c->c_state == 0) {
		if ((r = refill(c)) < 0)
			return;
		if (!c->c_started && r > 0)
			start(c);
		if (r == 0) {
			if (csv_fini(&c->c_parser, on_field, on_record, c) != 0) {
				fail(c, c->c_start_line, "guillemet non "
				    "refermé en fin de fichier");
				return;
			}
			c->c_state = 1;
			return;
		}
		p = c->c_block + c->c_bpos;
		n = c->c_blen - c->c_bpos;
		if (n > SEG_MAX)
			n = SEG_MAX;
		if ((nl = memchr(p, '\n', n)) != NULL)
			n = (size_t)(nl - p) + 1;
		if (c->c_parser.pstate == CSV_ROW_NOT_BEGUN && c->c_bol)
			c->c_start_line = c->c_line;
		if (nl != NULL && c->c_bol && plain_line(c, p, n))
			fed = n;
		else
			fed = csv_parse(&c->c_parser, p, n, on_field,
			    on_record, c);
		if (fed != n) {
			char msg[160];

			snprintf(msg, sizeof(msg), "guillemet mal placé ligne "
			    "%zu (un champ entre guillemets doit l'être en "
			    "entier, \"\" pour un guillemet)", c->c_line);
			fail(c, c->c_start_line, msg);
			return;
		}
		c->c_bpos += n;
		c->c_bol = nl != NULL;
		if (nl != NULL)
			c->c_line++;
		if (c->c_parser.entry_pos > c->c_lim.cl_record_max ||
		    c->c_cur_bytes > c->c_lim.cl_record_max) {
			char msg[160];

			snprintf(msg, sizeof(msg), "enregistrement trop long "
			    "(plus de %zu octets) : lecture arrêtée",
			    c->c_lim.cl_record_max);
			fail(c, c->c_start_line, msg);
			return;
		}
	}
}

static rb_csv *
csv_new(const struct rb_csv_limits *lim)
{
	static const struct rb_csv_limits deflim = RB_CSV_LIMITS_DEFAULT;
	rb_csv *c = rb_xcalloc(1, sizeof(*c));

	c->c_lim = lim != NULL ? *lim : deflim;
	if (c->c_lim.cl_fields_max == 0)
		c->c_lim.cl_fields_max = 1;
	/* STRICT: a quote inside an unquoted field is an error. */
	if (csv_init(&c->c_parser, CSV_STRICT | CSV_STRICT_FINI |
	    CSV_APPEND_NULL) != 0)
		abort();
	csv_set_space_func(&c->c_parser, no_space);
	c->c_line = 1;
	c->c_start_line = 1;
	c->c_bol = 1;
	c->c_cur_bad = -1;
	c->c_sep = ';';
	return c;
}

int
rb_csv_open(const char *path, const struct rb_csv_limits *lim,
    rb_csv **out, char *err, size_t errlen)
{
	FILE *fp;
	rb_csv *c;

	*out = NULL;
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "lecture impossible : %s",
		    strerror(errno));
		return -1;
	}
	c = csv_new(lim);
	c->c_fp = fp;
	c->c_own = rb_xmalloc(BLOCK_SIZE);
	c->c_block = c->c_own;
	*out = c;
	return 0;
}

rb_csv *
rb_csv_open_mem(const void *data, size_t len, const struct rb_csv_limits *lim)
{
	rb_csv *c = csv_new(lim);

	c->c_mem = data;
	c->c_memlen = len;
	return c;
}

void
rb_csv_close(rb_csv *c)
{
	if (c == NULL)
		return;
	if (c->c_fp != NULL) {
		fclose(c->c_fp);
		free(c->c_own);
	}
	csv_free(&c->c_parser);
	free(c->c_data);
	free(c->c_off);
	free(c->c_flen);
	free(c->c_q);
	free(c->c_ptrs);
	free(c);
}

/* Drops the records handed out, keeping the one being built. */
static void
compact(struct rb_csv *c)
{
	size_t keep_first, keep_off, i;

	if (c->c_qhead < c->c_qlen)
		return;
	c->c_qhead = c->c_qlen = 0;
	keep_first = c->c_cur_first;
	if (keep_first == 0)
		return;
	keep_off = keep_first < c->c_nf ? c->c_off[keep_first] : c->c_dlen;
	memmove(c->c_data, c->c_data + keep_off, c->c_dlen - keep_off);
	c->c_dlen -= keep_off;
	for (i = keep_first; i < c->c_nf; i++) {
		c->c_off[i - keep_first] = c->c_off[i] - keep_off;
		c->c_flen[i - keep_first] = c->c_flen[i];
	}
	c->c_nf -= keep_first;
	c->c_cur_first = 0;
}

int
rb_csv_next(rb_csv *c, struct rb_csv_record *rec)
{
	struct queued *q;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	rec->cr_bad_field = -1;
	compact(c);
	feed(c);
	if (c->c_qhead == c->c_qlen)
		return c->c_state < 0 ? -1 : 0;
	q = &c->c_q[c->c_qhead++];
	if (q->q_nfields > c->c_pcap) {
		c->c_pcap = q->q_nfields + 16;
		c->c_ptrs = rb_xrealloc(c->c_ptrs, c->c_pcap *
		    sizeof(*c->c_ptrs));
	}
	for (i = 0; i < q->q_nfields; i++)
		c->c_ptrs[i] = c->c_data + c->c_off[q->q_first + i];
	rec->cr_line = q->q_line;
	rec->cr_nfields = q->q_nfields;
	rec->cr_field = c->c_ptrs;
	rec->cr_len = c->c_flen + q->q_first;
	rec->cr_bad_field = q->q_bad_field;
	rec->cr_bad_reason = q->q_bad_field < 0 ? NULL :
	    q->q_bad_reason != NULL ? q->q_bad_reason : q->q_reason;
	return 1;
}

char
rb_csv_separator(const rb_csv *c)
{
	return c->c_sep;
}

const struct rb_csv_problem *
rb_csv_failure(const rb_csv *c)
{
	return &c->c_fail;
}

int
rb_csv_header(rb_csv *c, const struct rb_csv_column *cols, size_t ncols,
    int *map, struct rb_csv_problem *pb)
{
	struct rb_csv_record rec;
	size_t i, j;
	int r;

	memset(pb, 0, sizeof(*pb));
	pb->cp_line = 1;
	for (i = 0; i < ncols; i++)
		map[i] = -1;
	if ((r = rb_csv_next(c, &rec)) < 0) {
		*pb = *rb_csv_failure(c);
		return -1;
	}
	if (r == 0) {
		snprintf(pb->cp_reason, sizeof(pb->cp_reason),
		    "fichier vide : la ligne d'en-tête manque");
		return -1;
	}
	pb->cp_line = rec.cr_line;
	if (rec.cr_bad_field >= 0) {
		snprintf(pb->cp_reason, sizeof(pb->cp_reason),
		    "en-tête illisible : %s", rec.cr_bad_reason);
		return -1;
	}
	for (j = 0; j < rec.cr_nfields; j++) {
		for (i = 0; i < ncols; i++)
			if (strcmp(rec.cr_field[j], cols[i].cn_name) == 0)
				break;
		if (i == ncols) {
			snprintf(pb->cp_column, sizeof(pb->cp_column), "%s",
			    rec.cr_field[j]);
			snprintf(pb->cp_reason, sizeof(pb->cp_reason),
			    "colonne inconnue « %.60s »", rec.cr_field[j]);
			return -1;
		}
		if (map[i] >= 0) {
			snprintf(pb->cp_column, sizeof(pb->cp_column), "%s",
			    cols[i].cn_name);
			snprintf(pb->cp_reason, sizeof(pb->cp_reason),
			    "colonne %s en double dans l'en-tête",
			    cols[i].cn_name);
			return -1;
		}
		map[i] = (int)j;
	}
	for (i = 0; i < ncols; i++)
		if (map[i] < 0 && cols[i].cn_required) {
			snprintf(pb->cp_column, sizeof(pb->cp_column), "%s",
			    cols[i].cn_name);
			snprintf(pb->cp_reason, sizeof(pb->cp_reason),
			    "colonne obligatoire %s absente de l'en-tête",
			    cols[i].cn_name);
			return -1;
		}
	return 0;
}
