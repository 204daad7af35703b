/*
 * csvread.h: a streaming CSV reader for the data import, around libcsv.
 *
 * It reads one file (or a memory buffer) record by record with bounded
 * memory: a UTF-8 byte-order mark is skipped, the separator (';' or ',')
 * is detected from the header line, lines end with CRLF or LF, fields
 * may be quoted as in RFC 4180 (quoted separators, "" for a quote, line
 * breaks), and nothing is trimmed. Every record carries the physical line
 * where it starts (the header is line 1). A field that is not valid
 * UTF-8, holds a NUL byte or is too long, or a record with too many
 * fields, is flagged on the record with a French reason; the reader
 * goes on with the next record. A syntax error (a misplaced or missing
 * quote) or a record beyond the record size limit stops the file: the
 * reader cannot tell where the next record would start.
 *
 * The header helper maps the header's names to the caller's columns.
 */
#ifndef RB_BASE_CSVREAD_H
#define RB_BASE_CSVREAD_H

#include <stddef.h>

typedef struct rb_csv rb_csv;

struct rb_csv_limits {
	size_t		 cl_field_max;	/* bytes in one field */
	size_t		 cl_record_max;	/* bytes in one record */
	size_t		 cl_fields_max;	/* fields in one record */
};

#define RB_CSV_LIMITS_DEFAULT	{ 4096, 65536, 64 }

/* A problem for the report: where, and why in French. */
struct rb_csv_problem {
	size_t		 cp_line;	/* physical line, 1 = header */
	char		 cp_column[64];	/* column name; "" for the file */
	char		 cp_reason[256];
};

/*
 * One record. Fields are NUL-terminated (cr_len gives their lengths);
 * everything belongs to the reader and lives until the next call of
 * rb_csv_next() or rb_csv_close(). When cr_bad_field >= 0, field
 * cr_bad_field (0-based) is unusable for cr_bad_reason; the fields are
 * still there (a too-long or invalid field is empty).
 */
struct rb_csv_record {
	size_t		 cr_line;
	size_t		 cr_nfields;
	const char	*const *cr_field;
	const size_t	*cr_len;
	int		 cr_bad_field;
	const char	*cr_bad_reason;
};

/*
 * Opens path for reading with the limits lim (NULL: the defaults).
 * Returns 0 and the reader in *out (free with rb_csv_close), or -1 with
 * a French reason in err (errlen bytes) when the file cannot be opened.
 */
int	 rb_csv_open(const char *path, const struct rb_csv_limits *lim,
	    rb_csv **out, char *err, size_t errlen);

/*
 * A reader over len bytes at data, which must stay valid and unchanged
 * until rb_csv_close(). Never fails (allocation failure aborts).
 */
rb_csv	*rb_csv_open_mem(const void *data, size_t len,
	    const struct rb_csv_limits *lim);

/* Closes the file and frees everything; NULL is ignored. */
void	 rb_csv_close(rb_csv *c);

/*
 * Reads the next record into *rec. Returns 1 for a record, 0 at the end
 * of the file, or -1 when the file cannot be read further: the problem
 * (line, reason) is then in rb_csv_failure(). Empty lines are skipped.
 * After 0 or -1, later calls return the same.
 */
int	 rb_csv_next(rb_csv *c, struct rb_csv_record *rec);

/* The separator in use: ';' or ','; known after the first rb_csv_next. */
char	 rb_csv_separator(const rb_csv *c);

/* Why rb_csv_next() returned -1 (cp_column is ""). */
const struct rb_csv_problem *rb_csv_failure(const rb_csv *c);

/* A column the caller expects in the header. */
struct rb_csv_column {
	const char	*cn_name;
	int		 cn_required;
};

/*
 * Reads the header (the first record) and sets map[i] to the index of
 * the header field named cols[i].cn_name, or -1 when an optional column
 * is absent. Returns 0, or -1 with *pb filled (line, column name, French
 * reason) when the file is empty or unreadable, a name is unknown or
 * given twice, or a required column is missing: the file cannot be read.
 */
int	 rb_csv_header(rb_csv *c, const struct rb_csv_column *cols,
	    size_t ncols, int *map, struct rb_csv_problem *pb);

#endif
