/*
 * cmd_sepa.c: `robinet sepa schedule|export|returns`: the bank side of
 * SEPA direct debit, for cron and for the finance team (see
 * docs/operations.md).
 *
 *   sepa schedule     a debit for each due bill of a contract with an
 *                     active mandate, and its pre-notification email
 *                     (sepa_prenotice_days ahead); run daily.
 *   sepa export --collection-date D --out FILE
 *                     the pain.008.001.02 file of the debits collected
 *                     on D, each exported once. The database is the
 *                     record: the batch (debits marked exported) is
 *                     committed first, with the file written beside FILE
 *                     in the same transaction (rewritten when the
 *                     database refused a try); only then is it synced
 *                     and linked as FILE, which must not exist. Exit 0
 *                     (also when no debit falls on D: no file), 3 when
 *                     the debits of D were all exported already
 *                     (refused, no file), 1 on failure, 2 on a usage
 *                     error. First, the FILE.tmp-XXXXXX files of ours
 *                     that killed runs left in FILE's folder are
 *                     removed, stderr saying what each run left to do
 *                     (sweep_stale()); --again does the same.
 *   sepa export --again MSGID --out FILE
 *                     the file of batch MSGID written again from the
 *                     database, byte for byte (a crash between the
 *                     commit and the file left none); changes nothing.
 *                     FILE must not exist. Exit 0, 4 when no batch has
 *                     that id, 1 on failure, 2 on a usage error.
 *   sepa returns FILE apply a pain.002.001.03 status report, all or
 *                     nothing. Exit 0, 1 when refused or failed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app/sepa.h"
#include "base/clock.h"
#include "base/iban.h"
#include "mail/mail.h"
#include "sepa/pain008.h"
#include "store/db.h"
#include "cmd.h"

#define RETURNS_MAX	(64L * 1024 * 1024)

/* The data key of the settings into key (main.c gives demo mode the
 * demo data's key when data_key is unset). */
static int
data_key(const struct rb_config *cfg, unsigned char key[RB_IBAN_KEYBYTES])
{
	return rb_iban_key_from_hex(rb_config_str(cfg, RB_CFG_DATA_KEY), key);
}

/* The file being written by an export: FILE.tmp-XXXXXX, linked as FILE
 * once complete. Its writer holds an flock() on it from its creation to
 * its removal, so that sweep_stale() can tell it from one left by a
 * killed run. */
struct out_file {
	FILE		*of_f;
	const char	*of_path;
	char		 of_tmp[4096];
	char		 of_err[256];
};

#define TMP_MARK	".tmp-"
#define TMP_RAND	6	/* mkstemp()'s XXXXXX */

/* How every file of ours begins, up to its msg id (src/sepa/pain008.c
 * writes it; msg ids are "RBN-SDD-…", src/app/sepa.c). */
#define FILE_HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<Document xmlns=\"" RB_PAIN008_NS "\">\n<CstmrDrctDbtInitn>\n" \
	"<GrpHdr>\n<MsgId>"
#define MSG_PREFIX	"RBN-SDD-"

/* Syncs the temporary file, then links it as the output (so_finish,
 * after the commit). */
static int
out_finish(void *arg)
{
	struct out_file *o = arg;

	if (fflush(o->of_f) != 0 || fsync(fileno(o->of_f)) != 0 ||
	    link(o->of_tmp, o->of_path) != 0) {
		snprintf(o->of_err, sizeof(o->of_err), "%s: %s", o->of_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The length of NAME when name is "NAME.tmp-XXXXXX" (X a letter or a
 * digit, as mkstemp() makes them), else 0.
 */
static size_t
tmp_base_len(const char *name)
{
	size_t len = strlen(name), k, tail = sizeof(TMP_MARK) - 1 + TMP_RAND;

	if (len <= tail || memcmp(name + len - tail, TMP_MARK,
	    sizeof(TMP_MARK) - 1) != 0)
		return 0;
	for (k = len - TMP_RAND; k < len; k++)
		if (!isalnum((unsigned char)name[k]))
			return 0;
	return len - tail;
}

/* Copies into out (outlen > 1) the text of head between open and the
 * next '<'; "" when absent or not made of capitals, digits, '-', ':'. */
static void
head_field(const char *head, const char *open, char *out, size_t outlen)
{
	const char *p = strstr(head, open);
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	for (p += strlen(open); *p != '<'; p++, n++) {
		if (*p == '\0' || n + 1 >= outlen ||
		    !(isupper((unsigned char)*p) || isdigit((unsigned char)*p) ||
		    *p == '-' || *p == ':')) {
			out[0] = '\0';
			return;
		}
		out[n] = *p;
	}
	out[n] = '\0';
}

/* Whether the file target begins with the msg id and creation time
 * msg and created (the file a temporary one was to become). */
static int
same_file(const char *target, const char *msg, const char *created)
{
	char head[1024], m[40], c[32];
	size_t n;
	FILE *f;

	if ((f = fopen(target, "rb")) == NULL)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	head_field(head, "<MsgId>", m, sizeof(m));
	head_field(head, "<CreDtTm>", c, sizeof(c));
	return strcmp(m, msg) == 0 && strcmp(c, created) == 0;
}

/*
 * Says on stderr, in French, what the export that left the temporary
 * file tmp (removed) for target left to do; head is the start of the
 * file ("" when it was empty), again the msg id this run writes again
 * (NULL for an export).
 */
static void
say_stale(rb_db *db, const char *tmp, const char *target, const char *head,
    const char *again)
{
	struct rb_sepa_batch_info bi;
	char msg[40], created[32];
	enum rb_rc r;

	head_field(head, "<MsgId>", msg, sizeof(msg));
	head_field(head, "<CreDtTm>", created, sizeof(created));
	fprintf(stderr, "robinet: sepa export : %s supprimé : fichier "
	    "temporaire laissé par une exportation interrompue", tmp);
	if (msg[0] != '\0' && same_file(target, msg, created)) {
		fprintf(stderr, " après avoir mis son fichier %s en place ; "
		    "rien à faire.\n", target);
		return;
	}
	r = msg[0] != '\0' ? rb_sepa_batch_lookup(db, msg, &bi) :
	    RB_NOT_FOUND;
	if (r == RB_ERROR) {
		fprintf(stderr, " (lot %s ; la base de données n'a pas pu dire "
		    "s'il a été validé). Si ce lot existe, écrivez son fichier "
		    "avec : robinet sepa export --again %s --out %s\n", msg,
		    msg, target);
	} else if (r == RB_OK && strcmp(bi.bi_created, created) == 0) {
		fprintf(stderr, " après la validation du lot %s (%lld "
		    "prélèvement(s) du %s), avant que son fichier %s soit mis "
		    "en place : ce fichier n'existe pas et n'a pas été remis à "
		    "la banque. ", msg, (long long)bi.bi_n_tx,
		    bi.bi_collection, target);
		if (again != NULL && strcmp(again, msg) == 0)
			fprintf(stderr, "Cette commande l'écrit à nouveau.\n");
		else if (access(target, F_OK) == 0)
			fprintf(stderr, "Écrivez-le avec : robinet sepa export "
			    "--again %s --out FICHIER (un nom nouveau : %s "
			    "existe et n'est pas ce fichier)\n", msg, target);
		else
			fprintf(stderr, "Écrivez-le avec : robinet sepa export "
			    "--again %s --out %s\n", msg, target);
	} else {
		fprintf(stderr, " avant toute validation : elle n'a rien "
		    "exporté, ses prélèvements partiront avec la prochaine "
		    "exportation de leur date ; rien à faire.\n");
	}
}

/*
 * Removes the temporary files that killed exports left beside path's
 * directory, and says (say_stale()) what each run left to do. A file
 * NAME.tmp-XXXXXX there is ours, and removed, only when it is a regular
 * file of this user that no running export holds (each holds its own
 * under flock() until it is gone) and it begins as every file of ours
 * does (FILE_HEAD, then a msg id "RBN-SDD-…"), or is empty and NAME is
 * path's own name (the name this run writes beside). Anything else is
 * left alone, whatever its name.
 */
static void
sweep_stale(rb_db *db, const char *path, const char *again)
{
	char dir[4096], head[1024], tmp[4096], target[4096];
	const char *base, *slash = strrchr(path, '/');
	struct dirent *e;
	struct stat st, now;
	size_t blen;
	ssize_t n;
	DIR *d;
	int fd, ours;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
		base = slash + 1;
	}
	if ((d = opendir(dir)) == NULL)
		return;		/* out_open() then says why */
	while ((e = readdir(d)) != NULL) {
		if ((blen = tmp_base_len(e->d_name)) == 0)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid() ||
		    flock(fd, LOCK_EX | LOCK_NB) != 0) {
			close(fd);	/* not ours, or being written */
			continue;
		}
		n = pread(fd, head, sizeof(head) - 1, 0);
		head[n > 0 ? n : 0] = '\0';
		if (n == 0 && st.st_size == 0)
			ours = strlen(base) == blen &&
			    strncmp(e->d_name, base, blen) == 0;
		else
			ours = n > 0 && strncmp(head, FILE_HEAD MSG_PREFIX,
			    sizeof(FILE_HEAD MSG_PREFIX) - 1) == 0;
		/* Still that file under that name (held: no export
		 * removes or writes it now). */
		if (!ours || fstatat(dirfd(d), e->d_name, &now,
		    AT_SYMLINK_NOFOLLOW) != 0 || now.st_dev != st.st_dev ||
		    now.st_ino != st.st_ino) {
			close(fd);
			continue;
		}
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", dir,
		    e->d_name) >= sizeof(tmp) ||
		    (size_t)snprintf(target, sizeof(target), "%s/%.*s", dir,
		    (int)blen, e->d_name) >= sizeof(target)) {
			close(fd);
			continue;
		}
		if (unlinkat(dirfd(d), e->d_name, 0) != 0) {
			fprintf(stderr, "robinet: sepa export : %s, fichier "
			    "temporaire laissé par une exportation "
			    "interrompue, ne peut pas être supprimé : %s ; "
			    "supprimez-le.\n", tmp, strerror(errno));
			close(fd);
			continue;
		}
		close(fd);
		say_stale(db, tmp, target, head, again);
	}
	closedir(d);
}

/*
 * Refuses an existing FILE (-1, said on stderr), else opens
 * FILE.tmp-XXXXXX into *of, held under flock() (a sweep_stale() that
 * removed it between its creation and the lock is seen: another name
 * is drawn).
 */
static int
out_open(struct out_file *of, const char *path)
{
	struct stat a, b;
	int fd = -1, tries;

	if (access(path, F_OK) == 0) {
		fprintf(stderr, "robinet: sepa export: %s exists already; "
		    "choose a new file name (a file not yet sent to the bank "
		    "must never be overwritten)\n", path);
		return -1;
	}
	of->of_path = path;
	for (tries = 0; tries < 5; tries++) {
		snprintf(of->of_tmp, sizeof(of->of_tmp), "%s" TMP_MARK
		    "XXXXXX", path);
		if ((fd = mkstemp(of->of_tmp)) < 0)
			break;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 &&
		    stat(of->of_tmp, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			break;
		close(fd);	/* removed by another run's sweep */
		fd = -1;
		errno = EAGAIN;
	}
	if (fd < 0 || (of->of_f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "robinet: sepa export: cannot write beside "
		    "%s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			unlink(of->of_tmp);
			close(fd);
		}
		of->of_tmp[0] = '\0';
		return -1;
	}
	setvbuf(of->of_f, NULL, _IOFBF, 1 << 20);
	return 0;
}

/* Takes the temporary file's name away (FILE, once linked, is its other
 * name), then closes it, which ends the lock. */
static void
out_close(struct out_file *of)
{
	if (of->of_tmp[0] != '\0')
		unlink(of->of_tmp);
	if (of->of_f != NULL)
		fclose(of->of_f);	/* flushed and synced by out_finish() */
}

/* The summary of a file written: what (e.g. "written to FILE") closes
 * its first line. */
static void
print_written(const struct rb_sepa_export_result *res, const char *what)
{
	int g;

	printf("sepa export: %s: %lld debit(s), %lld.%02lld EUR, %s\n",
	    res->ex_msg_id, (long long)res->ex_n_tx,
	    (long long)(res->ex_cents / 100),
	    (long long)(res->ex_cents % 100), what);
	for (g = 0; g < res->ex_ngroups; g++)
		printf("  %s: %lld debit(s), %lld.%02lld EUR\n",
		    res->ex_groups[g].sg_seq,
		    (long long)res->ex_groups[g].sg_n,
		    (long long)(res->ex_groups[g].sg_cents / 100),
		    (long long)(res->ex_groups[g].sg_cents % 100));
}

/* sepa export --again MSGID --out FILE */
static int
sepa_export_again(struct rb_config *cfg, const struct rb_cmd_opts *o,
    rb_db *db)
{
	unsigned char key[RB_IBAN_KEYBYTES];
	struct rb_sepa_export_result res;
	struct out_file of;
	char err[512];
	enum rb_rc r;
	int rc = 1;

	memset(&of, 0, sizeof(of));
	sweep_stale(db, o->co_out, o->co_again);
	if (out_open(&of, o->co_out) != 0)
		return 1;
	r = rb_sepa_export_again(db, data_key(cfg, key) == 0 ? key : NULL,
	    o->co_again, of.of_f, &res, err, sizeof(err));
	sodium_memzero(key, sizeof(key));
	if (r == RB_OK && out_finish(&of) != 0) {
		snprintf(err, sizeof(err), "%s", of.of_err);
		r = RB_ERROR;
	}
	switch (r) {
	case RB_OK:
		snprintf(err, sizeof(err), "written again to %s", o->co_out);
		print_written(&res, err);
		rc = 0;
		break;
	case RB_NOT_FOUND:
		fprintf(stderr, "robinet: sepa export --again: %s; no file "
		    "written\n", err);
		rc = 4;
		break;
	default:
		if (res.ex_no_creditor)
			fprintf(stderr, "robinet: sepa export --again : le lot "
			    "%s a été exporté avant la version 23 du schéma, "
			    "qui ne gardait pas le créancier (nom, IBAN, BIC, "
			    "ICS) écrit dans son fichier : ce fichier ne peut "
			    "pas être réécrit à l'identique, aucun fichier "
			    "n'est écrit. Ses prélèvements restent marqués "
			    "exportés et ne seront jamais exportés à nouveau. "
			    "Reprenez la copie du fichier d'origine (sauvegarde,"
			    " canal de remise à la banque) ; si elle est perdue,"
			    " demandez à la banque si ce lot lui a été remis "
			    "avant d'encaisser ces prélèvements autrement.\n",
			    o->co_again);
		else
			fprintf(stderr, "robinet: sepa export --again: %s; no "
			    "file written\n", err);
		break;
	}
	out_close(&of);
	return rc;
}

static int
sepa_export(struct rb_config *cfg, const struct rb_cmd_opts *o, rb_db *db)
{
	unsigned char key[RB_IBAN_KEYBYTES];
	struct rb_sepa_creditor cr;
	struct rb_sepa_export_result res;
	struct rb_sepa_out out;
	struct out_file of;
	struct rb_date d;
	char err[512];
	int rc = 1;
	enum rb_rc r;

	memset(&of, 0, sizeof(of));
	if (o->co_out == NULL || o->co_file != NULL ||
	    (o->co_collection_date == NULL) == (o->co_again == NULL)) {
		fprintf(stderr, "robinet: usage: robinet sepa export "
		    "--collection-date YYYY-MM-DD --out FILE | sepa export "
		    "--again MSGID --out FILE\n");
		return 2;
	}
	if (o->co_again != NULL)
		return sepa_export_again(cfg, o, db);
	if (rb_clock_parse_date(o->co_collection_date, &d) != 0) {
		fprintf(stderr, "robinet: sepa export: --collection-date: "
		    "expected a date YYYY-MM-DD, got '%s'\n",
		    o->co_collection_date);
		return 2;
	}
	sweep_stale(db, o->co_out, NULL);
	if (out_open(&of, o->co_out) != 0)
		return 1;
	memset(&cr, 0, sizeof(cr));
	cr.cr_name = rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_NAME);
	cr.cr_ics = rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_ID);
	cr.cr_iban = rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_IBAN);
	cr.cr_bic = rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_BIC);
	cr.cr_key = data_key(cfg, key) == 0 ? key : NULL;
	out.so_f = of.of_f;
	out.so_finish = out_finish;
	out.so_arg = &of;
	r = rb_sepa_export(db, &cr, o->co_collection_date, &out, time(NULL),
	    &res, err, sizeof(err));
	sodium_memzero(key, sizeof(key));
	switch (r) {
	case RB_OK:
		snprintf(err, sizeof(err), "collected on %s, written to %s",
		    o->co_collection_date, o->co_out);
		print_written(&res, err);
		rc = 0;
		break;
	case RB_NO_BILL:
		if (res.ex_already > 0) {
			fprintf(stderr, "robinet: sepa export: refused: the "
			    "%lld debit(s) collected on %s were already "
			    "exported (last file %s); nothing is collected "
			    "twice, no file written. If that file was lost, "
			    "write it again with: robinet sepa export --again "
			    "%s --out FILE\n",
			    (long long)res.ex_already, o->co_collection_date,
			    res.ex_last_msg_id, res.ex_last_msg_id);
			rc = 3;
		} else {
			printf("sepa export: no debit to collect on %s; no "
			    "file written\n", o->co_collection_date);
			rc = 0;
		}
		break;
	default:
		if (res.ex_committed)
			fprintf(stderr, "robinet: sepa export: %s: %s; write "
			    "it with: robinet sepa export --again %s --out "
			    "FILE\n", err, of.of_err, res.ex_msg_id);
		else
			fprintf(stderr, "robinet: sepa export: %s; nothing "
			    "exported\n", err);
		break;
	}
	out_close(&of);
	return rc;
}

static int
sepa_returns(struct rb_config *cfg, const struct rb_cmd_opts *o, rb_db *db)
{
	struct rb_sepa_returns_result res;
	char err[512], *data = NULL;
	FILE *f;
	long len;
	int rc = 1;

	if (o->co_file == NULL || o->co_collection_date != NULL ||
	    o->co_out != NULL || o->co_again != NULL) {
		fprintf(stderr, "robinet: usage: robinet sepa returns FILE\n");
		return 2;
	}
	if ((f = fopen(o->co_file, "rb")) == NULL) {
		fprintf(stderr, "robinet: sepa returns: %s: %s\n", o->co_file,
		    strerror(errno));
		return 1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    len > RETURNS_MAX || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "robinet: sepa returns: %s: unreadable or "
		    "larger than 64 MiB\n", o->co_file);
		goto out;
	}
	data = malloc((size_t)len + 1);
	if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "robinet: sepa returns: %s: read failed\n",
		    o->co_file);
		goto out;
	}
	switch (rb_sepa_returns(db, data, (size_t)len,
	    rb_config_str(cfg, RB_CFG_PUBLIC_URL), time(NULL), &res, err,
	    sizeof(err))) {
	case RB_OK:
		printf("sepa returns: report %s for file %s: %lld debit(s) "
		    "rejected, %lld accepted, %d email(s) queued\n",
		    res.rr_msg_id, res.rr_orgnl_msg_id,
		    (long long)res.rr_rejected, (long long)res.rr_accepted,
		    res.rr_mails);
		rc = 0;
		break;
	case RB_INVALID:
		fprintf(stderr, "robinet: sepa returns: %s refused, nothing "
		    "applied: %s\n", o->co_file, err);
		break;
	default:
		fprintf(stderr, "robinet: sepa returns: %s: %s; nothing "
		    "applied\n", o->co_file, err);
		break;
	}
out:
	free(data);
	fclose(f);
	return rc;
}

static int
sepa_schedule(struct rb_config *cfg, const struct rb_cmd_opts *o, rb_db *db)
{
	int n = 0, nmails = 0;

	if (o->co_file != NULL || o->co_collection_date != NULL ||
	    o->co_out != NULL || o->co_again != NULL) {
		fprintf(stderr, "robinet: usage: robinet sepa schedule\n");
		return 2;
	}
	if (rb_sepa_schedule(db, rb_config_str(cfg, RB_CFG_SEPA_CREDITOR_ID),
	    rb_config_str(cfg, RB_CFG_PUBLIC_URL),
	    (int)rb_config_int(cfg, RB_CFG_SEPA_PRENOTICE_DAYS), time(NULL),
	    &n, &nmails) != 0) {
		fprintf(stderr, "robinet: sepa schedule failed (see the log "
		    "above); %d debit(s) scheduled before the failure\n", n);
		return 1;
	}
	printf("sepa schedule: %d debit(s) scheduled, %d pre-notification "
	    "email(s) queued\n", n, nmails);
	return 0;
}

int
cmd_sepa(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_mail_cfg mc;
	char err[512];
	rb_db *db = NULL;
	int rc = 1;

	if (o->co_verb == NULL || (strcmp(o->co_verb, "schedule") != 0 &&
	    strcmp(o->co_verb, "export") != 0 &&
	    strcmp(o->co_verb, "returns") != 0)) {
		fprintf(stderr, "robinet: usage: robinet sepa schedule | "
		    "sepa export --collection-date YYYY-MM-DD --out FILE | "
		    "sepa export --again MSGID --out FILE | "
		    "sepa returns FILE\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	rb_mail_cfg_from_config(cfg, &mc);
	if (rb_mail_init(&mc, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: %s\n", err);
		return 1;
	}
	if (cmd_open_db(cfg, 0, &db) != 0)
		goto out;
	if (strcmp(o->co_verb, "schedule") == 0)
		rc = sepa_schedule(cfg, o, db);
	else if (strcmp(o->co_verb, "export") == 0)
		rc = sepa_export(cfg, o, db);
	else
		rc = sepa_returns(cfg, o, db);
out:
	rb_db_close(db);
	rb_mail_shutdown();
	return rc;
}
