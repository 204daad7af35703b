/*
 * cmd_backup.c: `robinet backup --out FILE [--force]`. Copies the
 * database, while `robinet serve` keeps serving, into FILE: one
 * consistent snapshot, copied in small paced steps by the store's
 * driver (rb_db_backup()), written under a temporary name beside FILE
 * (FILE.tmp-XXXXXX), synced, then given its name: FILE is either the
 * whole copy or untouched, never half written. An existing FILE is
 * kept unless --force. PostgreSQL databases are backed up with
 * PostgreSQL's tools (docs/deploy.md): the command says so. Settings
 * backup_step_pages and backup_pause_ms pace the copy.
 *
 * Exit status: 0 copied; 1 the copy failed (database, disk), FILE left
 * as it was; 2 refused before copying (no --out, FILE exists without
 * --force, FILE is a directory or the database itself); 3 the engine
 * has no built-in backup (PostgreSQL).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "store/db.h"
#include "cmd.h"

/* Syncs the file or directory at path: 0, or -1 with errno set. */
static int
sync_path(const char *path, int flags)
{
	int fd, rc, e;

	if ((fd = open(path, flags | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* The directory part of path ("." when none), in dir (len bytes). */
static void
dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/*
 * Gives tmp the name out: without force, link() fails rather than
 * replace a file made meanwhile. 0, or -1 with errno set.
 */
static int
publish(const char *tmp, const char *out, int force)
{
	if (force)
		return rename(tmp, out);
	if (link(tmp, out) != 0)
		return -1;
	(void)unlink(tmp);
	return 0;
}

int
cmd_backup(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_db_backup_opts bo = { NULL,
	    (int)rb_config_int(cfg, RB_CFG_BACKUP_STEP_PAGES),
	    (int)rb_config_int(cfg, RB_CFG_BACKUP_PAUSE_MS), NULL, NULL };
	const char *url = rb_config_str(cfg, RB_CFG_DB), *advice;
	char tmp[PATH_MAX], dir[PATH_MAX], err[512];
	struct timespec t0, t1;
	struct stat sb;
	rb_db *db = NULL;
	int fd, rc, made = 0, status = 1;

	if (o->co_out == NULL || o->co_out[0] == '\0') {
		fprintf(stderr, "robinet: backup: --out FILE is required\n");
		return 2;
	}
	if ((advice = rb_db_backup_advice(url)) != NULL) {
		fprintf(stderr, "robinet: backup: %s\n", advice);
		return 3;
	}
	if (stat(o->co_out, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "robinet: backup: %s is a directory "
			    "(--out names the file to write)\n", o->co_out);
			return 2;
		}
		if (!o->co_force) {
			fprintf(stderr, "robinet: backup: %s exists: choose "
			    "another name, or add --force to replace it\n",
			    o->co_out);
			return 2;
		}
	} else if (errno != ENOENT) {
		fprintf(stderr, "robinet: backup: cannot use %s: %s\n",
		    o->co_out, strerror(errno));
		return 2;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", o->co_out) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "robinet: backup: %s: name too long\n",
		    o->co_out);
		return 2;
	}
	dir_of(o->co_out, dir, sizeof(dir));
	if (rb_db_open(url, &db, err, sizeof(err)) != 0) {
		fprintf(stderr, "robinet: backup: cannot open the database: "
		    "%s\n", err);
		return 1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "robinet: backup: cannot create a file in "
		    "%s: %s\n", dir, strerror(errno));
		goto out;
	}
	close(fd);
	made = 1;
	bo.bo_final = o->co_out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = rb_db_backup(db, tmp, &bo, err, sizeof(err));
	if (rc == RB_BACKUP_UNSUPPORTED || rc == RB_BACKUP_REFUSED) {
		fprintf(stderr, "robinet: backup: %s\n", err);
		status = rc == RB_BACKUP_UNSUPPORTED ? 3 : 2;
		goto out;
	}
	if (rc != 0) {
		fprintf(stderr, "robinet: backup failed: %s; %s is "
		    "unchanged\n", err, o->co_out);
		goto out;
	}
	if (sync_path(tmp, O_RDONLY) != 0 || publish(tmp, o->co_out,
	    o->co_force) != 0) {
		fprintf(stderr, "robinet: backup: cannot write %s: %s%s\n",
		    o->co_out, strerror(errno), errno == EEXIST ?
		    " (made meanwhile; add --force to replace it)" : "");
		status = errno == EEXIST ? 2 : 1;
		goto out;
	}
	made = 0;
	if (sync_path(dir, O_RDONLY | O_DIRECTORY) != 0)
		log_warnx("backup: cannot sync directory %s: %s", dir,
		    strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stat(o->co_out, &sb) != 0)
		sb.st_size = 0;
	printf("backup: %s written (%lld bytes, %.1f s)\n", o->co_out,
	    (long long)sb.st_size, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	status = 0;
out:
	if (made)
		(void)unlink(tmp);
	rb_db_close(db);
	return status;
}
