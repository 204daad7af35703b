/*
 * demo_export.c: the CSV export of the imported tables (see
 * demo_export.h), for `robinet demo --export DIR`.
 *
 * For each table, in import order, the rows come from the store one at a
 * time (store/export.c) and go straight to the file through the CSV
 * writer (base/csvwrite.c): nothing is gathered, so memory stays flat
 * for millions of readings and invoice lines. The one transformation is
 * the IBAN of a mandate, opened from its sealed form into clear text, as
 * the import format wants it. Files are separated by ';' with CRLF line
 * ends, as the utility's own exports open in a spreadsheet.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "base/csvwrite.h"
#include "base/log.h"
#include "demo/demo_export.h"

static const char *const file_names[RB_EXPORT__MAX] = {
	[RB_EXPORT_TARIFFS] = "tariffs.csv",
	[RB_EXPORT_CUSTOMERS] = "customers.csv",
	[RB_EXPORT_CONTRACTS] = "contracts.csv",
	[RB_EXPORT_METERS] = "meters.csv",
	[RB_EXPORT_READINGS] = "readings.csv",
	[RB_EXPORT_INVOICES] = "invoices.csv",
	[RB_EXPORT_LINES] = "invoice_lines.csv",
	[RB_EXPORT_MANDATES] = "sepa_mandates.csv",
	[RB_EXPORT_LEGACY] = "legacy_credentials.csv",
};

/* The column of RB_EXPORT_MANDATES that holds the sealed IBAN. */
#define MANDATE_IBAN_COL	3

/* State of the file being written, for the row callback. */
struct export_file {
	rb_csvw			*xf_w;
	int			 xf_ncols;
	int			 xf_iban_col;	/* -1: none */
	const unsigned char	*xf_key;
	uint64_t		 xf_rows;
};

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Creates dir and its missing parents, like mkdir -p. */
static int
make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t i, len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		snprintf(err, errlen, "export folder name is empty or too "
		    "long");
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create the export folder "
			    "%s: %s", path, strerror(errno));
			return -1;
		}
		path[i] = dir[i];
	}
	return 0;
}

int
rb_demo_export_prepare(const char *dir, char *err, size_t errlen)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = -1;

	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot use the export folder "
			    "%s: %s", dir, strerror(errno));
			return -1;
		}
		if (make_dirs(dir, err, errlen) != 0)
			return -1;
	} else if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a folder: the "
		    "export needs a new or empty folder", dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "cannot open the export folder %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(err, errlen, "the export folder %s is not empty "
		    "(it holds %s): give a new or empty folder, nothing was "
		    "written", dir, de->d_name);
		goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* Writes one row; opens the sealed IBAN of a mandate. */
static int
write_row(const char *const *vals, void *arg)
{
	struct export_file *xf = arg;
	char iban[RB_IBAN_MAX + 1];
	int i;

	for (i = 0; i < xf->xf_ncols; i++) {
		if (i != xf->xf_iban_col || vals[i] == NULL) {
			rb_csvw_text(xf->xf_w, vals[i]);
			continue;
		}
		if (rb_iban_open(xf->xf_key, vals[i], iban) != 0) {
			log_errx("an IBAN of sepa_mandates (row %llu) does not "
			    "open with the demo data key",
			    (unsigned long long)xf->xf_rows + 1);
			return -1;
		}
		rb_csvw_text(xf->xf_w, iban);
		sodium_memzero(iban, sizeof(iban));
	}
	rb_csvw_end(xf->xf_w);
	xf->xf_rows++;
	return 0;
}

/* Writes table t into dir/<its file>. */
static int
export_table(rb_db *db, const char *dir, enum rb_export_table t,
    const unsigned char *key, struct rb_export_file *ef)
{
	struct export_file xf;
	const char *const *cols;
	char path[PATH_MAX];
	struct timespec t0;
	int i, rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&xf, 0, sizeof(xf));
	ef->ef_name = file_names[t];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    file_names[t]) >= sizeof(path)) {
		log_errx("export folder name too long: %s", dir);
		return -1;
	}
	if (rb_csvw_open(path, ';', &xf.xf_w) != 0) {
		log_errx("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	xf.xf_ncols = rb_export_store_columns(t, &cols);
	xf.xf_iban_col = t == RB_EXPORT_MANDATES ? MANDATE_IBAN_COL : -1;
	xf.xf_key = key;
	for (i = 0; i < xf.xf_ncols; i++)
		rb_csvw_text(xf.xf_w, cols[i]);
	rb_csvw_end(xf.xf_w);
	if (rb_export_store_rows(db, t, write_row, &xf) != 0) {
		log_errx("%s: export stopped after %llu rows", file_names[t],
		    (unsigned long long)xf.xf_rows);
		goto out;
	}
	rc = 0;
out:
	if (rb_csvw_close(xf.xf_w) != 0 && rc == 0) {
		log_errx("cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	ef->ef_rows = xf.xf_rows;
	ef->ef_ms = ms_since(&t0);
	return rc;
}

int
rb_demo_export(rb_db *db, const char *dir,
    const unsigned char key[RB_IBAN_KEYBYTES],
    struct rb_export_file files[RB_EXPORT__MAX])
{
	int t, rc = -1;

	memset(files, 0, RB_EXPORT__MAX * sizeof(*files));
	for (t = 0; t < RB_EXPORT__MAX; t++)
		files[t].ef_name = file_names[t];
	/* One snapshot: the files agree with each other. */
	if (rb_db_begin_read(db) != 0)
		return -1;
	for (t = 0; t < RB_EXPORT__MAX; t++)
		if (export_table(db, dir, (enum rb_export_table)t, key,
		    &files[t]) != 0)
			goto out;
	rc = 0;
out:
	if (rb_db_commit(db) != 0)
		rc = -1;
	return rc;
}
