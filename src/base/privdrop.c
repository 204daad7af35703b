/*
 * privdrop.c: switching a root process to an ordinary account (see
 * privdrop.h). glibc applies setgroups(), setresgid() and setresuid()
 * to every thread of the process (POSIX semantics), which the check at
 * the end verifies thread by thread through /proc.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/privdrop.h"

/*
 * Checks that the "Uid:" and "Gid:" lines of the thread status file at
 * path show uid and gid four times (real, effective, saved, file
 * system). 0, or -1 with err filled.
 */
static int
check_status(const char *path, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	char line[256];
	unsigned long v[4];
	int seen = 0, i;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)	/* the thread has ended meanwhile */
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		int is_uid = strncmp(line, "Uid:", 4) == 0;

		if (!is_uid && strncmp(line, "Gid:", 4) != 0)
			continue;
		if (sscanf(line + 4, "%lu %lu %lu %lu", &v[0], &v[1], &v[2],
		    &v[3]) != 4)
			break;
		for (i = 0; i < 4; i++)
			if (v[i] != (is_uid ? (unsigned long)uid :
			    (unsigned long)gid)) {
				snprintf(err, errlen, "%s still shows %s %lu",
				    path, is_uid ? "uid" : "gid", v[i]);
				fclose(f);
				return -1;
			}
		seen++;
	}
	fclose(f);
	if (seen != 2) {
		snprintf(err, errlen, "%s: no Uid/Gid lines", path);
		return -1;
	}
	return 0;
}

/* Every thread of the process runs as uid/gid: 0, or -1 (err). */
static int
check_threads(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir("/proc/self/task")) == NULL) {
		snprintf(err, errlen, "cannot list the threads in "
		    "/proc/self/task: %s", strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/status",
		    de->d_name);
		rc = check_status(path, uid, gid, err, errlen);
	}
	closedir(d);
	return rc;
}

int
rb_privdrop(const char *user, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	uid_t ru = (uid_t)-1, eu = (uid_t)-1, su = (uid_t)-1;
	gid_t rg = (gid_t)-1, eg = (gid_t)-1, sg = (gid_t)-1, groups[2];
	char buf[4096];
	int n, e;

	e = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (res == NULL) {
		snprintf(err, errlen, "run_as_user: no account named \"%s\"%s%s",
		    user, e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
		return -1;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, errlen, "run_as_user: \"%s\" is root (uid 0): "
		    "name the account robinet should run as", user);
		return -1;
	}
	if (geteuid() != 0) {
		if (getuid() == pw.pw_uid && geteuid() == pw.pw_uid &&
		    getegid() == pw.pw_gid)
			return 0;	/* started as that user already */
		snprintf(err, errlen, "run_as_user = %s: switching accounts "
		    "needs robinet started as root (it runs as uid %lu)",
		    user, (unsigned long)geteuid());
		return -1;
	}
	groups[0] = pw.pw_gid;
	if (setgroups(1, groups) != 0 ||
	    setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0 ||
	    setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) {
		snprintf(err, errlen, "cannot switch to %s (uid %lu, gid %lu): "
		    "%s", user, (unsigned long)pw.pw_uid,
		    (unsigned long)pw.pw_gid, strerror(errno));
		return -1;
	}
	/* Proof, not trust. */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != pw.pw_uid || eu != pw.pw_uid || su != pw.pw_uid ||
	    rg != pw.pw_gid || eg != pw.pw_gid || sg != pw.pw_gid) {
		snprintf(err, errlen, "switched to %s, but the ids are still "
		    "uid %lu/%lu/%lu gid %lu/%lu/%lu", user, (unsigned long)ru,
		    (unsigned long)eu, (unsigned long)su, (unsigned long)rg,
		    (unsigned long)eg, (unsigned long)sg);
		return -1;
	}
	n = getgroups(2, groups);
	if (n > 1 || (n == 1 && groups[0] != pw.pw_gid)) {
		snprintf(err, errlen, "switched to %s, but supplementary "
		    "groups remain", user);
		return -1;
	}
	if (setresuid(0, 0, 0) == 0 || setegid(0) == 0) {
		snprintf(err, errlen, "switched to %s, but root can be taken "
		    "back", user);
		return -1;
	}
	return check_threads(pw.pw_uid, pw.pw_gid, err, errlen);
}
