/*
 * demo_export.h: writes a database's imported tables as the folder of
 * CSV files that `robinet import` reads (docs/import-format.md): what
 * `robinet demo --export DIR` does once the demo dataset is generated,
 * so that the import can be tested and measured on realistic data.
 */
#ifndef RB_DEMO_DEMO_EXPORT_H
#define RB_DEMO_DEMO_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/iban.h"
#include "store/db.h"
#include "store/export.h"

/* What one file of an export held, and how long it took. */
struct rb_export_file {
	const char	*ef_name;	/* "contracts.csv" (static) */
	uint64_t	 ef_rows;	/* data records, header excluded */
	int64_t		 ef_ms;		/* milliseconds spent on it */
};

/*
 * Makes dir ready to receive an export: creates it when missing (and its
 * missing parents; mode 0700, the files hold personal data). Refuses a
 * dir that exists and is not empty, or is not a directory: an export
 * never mixes with older files. Returns 0, or -1 with a one-line English
 * reason in err (errlen bytes).
 */
int	 rb_demo_export_prepare(const char *dir, char *err, size_t errlen);

/*
 * Writes the nine files of the import format into dir (prepared by
 * rb_demo_export_prepare), every column, from db's tables read in one
 * snapshot, row by row. IBANs are written in clear: opened with key, the
 * data key they were sealed with. Legacy credentials keep their hashes.
 * files (RB_EXPORT__MAX entries, import order) gets each file's name,
 * rows and time. Returns 0, or -1 (logged) when the database fails, a
 * file cannot be written or an IBAN cannot be opened with key; files
 * already written are left in dir.
 */
int	 rb_demo_export(rb_db *db, const char *dir,
	    const unsigned char key[RB_IBAN_KEYBYTES],
	    struct rb_export_file files[RB_EXPORT__MAX]);

#endif
