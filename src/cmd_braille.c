/*
 * cmd_braille.c: `robinet braille batch --since YYYY-MM-DD --out DIR`:
 * the embosser files of every document produced since that day (Paris)
 * for the subscribers who chose braille — bills issued on or after it,
 * letters kept since its midnight — written into DIR for the embossing
 * workshop, with DIR/index.csv listing them (docs/braille.md): one line
 * per file, separator ';', columns fichier, nom, adresse, document,
 * braille, pages.
 *
 * Every file is written to a temporary name and renamed, and its name
 * and content depend only on the data, so running the batch again gives
 * the same files (the index included). Exit 0; 2 for a usage error (bad
 * date, DIR missing, not a folder or not writable: a French sentence on
 * stderr) or a database that cannot be opened; 1 when writing a file or
 * reading the data fails midway.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/braille.h"
#include "app/psp.h"
#include "base/clock.h"
#include "base/csvwrite.h"
#include "store/db.h"
#include "cmd.h"

#define INDEX_NAME	"index.csv"

struct batch {
	const char	*b_dir;
	rb_csvw		*b_index;
};

/* Writes data to dir/name through a temporary file and a rename. */
static int
write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char tmp[4096], path[4096];
	ssize_t w;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	while (len > 0) {
		if ((w = write(fd, data, len)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		data += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, 0640) != 0 || fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static int
one_file(const struct rb_braille_batch_item *bi, void *arg)
{
	struct batch *b = arg;

	if (write_file(b->b_dir, bi->bi_file, bi->bi_data->buf_data,
	    bi->bi_data->buf_len) != 0) {
		fprintf(stderr, "robinet: braille batch: %s/%s : %s\n",
		    b->b_dir, bi->bi_file, strerror(errno));
		return -1;
	}
	rb_csvw_text(b->b_index, bi->bi_file);
	rb_csvw_text(b->b_index, bi->bi_name);
	rb_csvw_text(b->b_index, bi->bi_address);
	rb_csvw_text(b->b_index, bi->bi_document);
	rb_csvw_text(b->b_index, bi->bi_grade);
	rb_csvw_int(b->b_index, bi->bi_pages);
	rb_csvw_end(b->b_index);
	return 0;
}

/* Checks --out: an existing, writable folder. 0, or 2 said on stderr. */
static int
check_dir(const char *dir)
{
	struct stat st;

	if (dir == NULL || dir[0] == '\0') {
		fprintf(stderr, "robinet: braille batch: --out DOSSIER attendu "
		    "(le dossier où écrire les fichiers pour l'embosseuse)\n");
		return 2;
	}
	if (stat(dir, &st) != 0) {
		fprintf(stderr, "robinet: braille batch: --out %s : le dossier "
		    "n'existe pas (%s)\n", dir, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "robinet: braille batch: --out %s : ce n'est "
		    "pas un dossier\n", dir);
		return 2;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		fprintf(stderr, "robinet: braille batch: --out %s : écriture "
		    "impossible dans ce dossier (%s)\n", dir, strerror(errno));
		return 2;
	}
	return 0;
}

int
cmd_braille(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	static const char *const header[] = { "fichier", "nom", "adresse",
		"document", "braille", "pages", NULL };
	struct rb_braille_out out;
	struct rb_bills_ctx ctx;
	struct rb_psp_cfg psp;
	struct rb_date d;
	struct batch b;
	char tmp[4096];
	int i, fd, rc, count = 0;
	rb_db *db;

	if (o->co_verb == NULL || strcmp(o->co_verb, "batch") != 0) {
		fprintf(stderr, "robinet: braille: « braille batch --since "
		    "AAAA-MM-JJ --out DOSSIER » attendu\n");
		return 2;
	}
	if (o->co_since == NULL || rb_clock_parse_date(o->co_since, &d) != 0) {
		fprintf(stderr, "robinet: braille batch: --since AAAA-MM-JJ "
		    "attendu, une date qui existe (premier jour des documents "
		    "à embosser), reçu « %s »\n", o->co_since != NULL ?
		    o->co_since : "");
		return 2;
	}
	if ((rc = check_dir(o->co_out)) != 0)
		return rc;
	if (cmd_open_db(cfg, 0, &db) != 0)
		return 2;
	memset(&ctx, 0, sizeof(ctx));
	ctx.bc_db = db;
	ctx.bc_now = time(NULL);
	ctx.bc_service_phone = rb_config_str(cfg, RB_CFG_SERVICE_PHONE);
	ctx.bc_emergency_phone = rb_config_str(cfg, RB_CFG_EMERGENCY_PHONE);
	ctx.bc_pdf_cache_dir = rb_config_str(cfg, RB_CFG_PDF_CACHE_DIR);
	rb_psp_cfg_from_config(cfg, &psp);
	ctx.bc_card = rb_psp_enabled(&psp);
	out.bo_fmt = RB_BRAILLE_EMBOSSER;
	out.bo_cells = (int)rb_config_int(cfg, RB_CFG_BRAILLE_CELLS);
	out.bo_lines = (int)rb_config_int(cfg, RB_CFG_BRAILLE_LINES);

	/* The index is built in a temporary file, renamed at the end. */
	rc = 1;
	b.b_dir = o->co_out;
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", o->co_out, INDEX_NAME);
	if ((fd = mkstemp(tmp)) < 0 || rb_csvw_fdopen(fd, ';', &b.b_index) !=
	    0) {
		fprintf(stderr, "robinet: braille batch: %s : %s\n", tmp,
		    strerror(errno));
		rb_db_close(db);
		return 1;
	}
	for (i = 0; header[i] != NULL; i++)
		rb_csvw_text(b.b_index, header[i]);
	rb_csvw_end(b.b_index);
	if (rb_db_begin_read(db) == 0 && rb_braille_batch(&ctx, o->co_since,
	    &out, one_file, &b, &count) == RB_OK)
		rc = 0;
	else
		fprintf(stderr, "robinet: braille batch: échec (voir le "
		    "journal)\n");
	if (rb_db_in_transaction(db))
		rb_db_rollback(db);
	if (rb_csvw_close(b.b_index) != 0) {
		fprintf(stderr, "robinet: braille batch: %s : %s\n", tmp,
		    strerror(errno));
		rc = 1;
	}
	if (rc == 0) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", o->co_out, INDEX_NAME);
		if (chmod(tmp, 0640) != 0 || rename(tmp, path) != 0) {
			fprintf(stderr, "robinet: braille batch: %s : %s\n",
			    path, strerror(errno));
			rc = 1;
		}
	}
	if (rc != 0)
		unlink(tmp);
	else
		printf("%d document%s en braille dans %s (index : %s)\n", count,
		    count > 1 ? "s" : "", o->co_out, INDEX_NAME);
	rb_db_close(db);
	return rc;
}
