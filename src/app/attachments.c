/*
 * attachments.c: checking, storing and opening attached files (see
 * attachments.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/attachments.h"
#include "base/crypto.h"
#include "base/log.h"

void
rb_attach_cfg_from_config(const struct rb_config *cfg,
    struct rb_attach_cfg *ac)
{
	ac->ac_dir = rb_config_str(cfg, RB_CFG_ATTACHMENTS_DIR);
	ac->ac_max_bytes = (size_t)rb_config_int(cfg,
	    RB_CFG_ATTACHMENT_MAX_BYTES);
	ac->ac_max_count = (int)rb_config_int(cfg,
	    RB_CFG_ATTACHMENT_MAX_COUNT);
}

enum rb_attach_check
rb_attach_check(const struct rb_attach_cfg *ac, const void *data,
    size_t len, enum rb_filetype *type)
{
	enum rb_filetype t;

	*type = RB_FILETYPE_UNKNOWN;
	if (len > ac->ac_max_bytes)
		return RB_ATTACH_TOO_BIG;
	if ((t = rb_filetype_sniff(data, len)) == RB_FILETYPE_UNKNOWN)
		return RB_ATTACH_BAD_TYPE;
	*type = t;
	return RB_ATTACH_OK;
}

void
rb_attach_message(const struct rb_attach_cfg *ac, enum rb_attach_check why,
    int n, char *out, size_t outlen)
{
	size_t mb10 = ac->ac_max_bytes * 10 / (1024 * 1024);

	switch (why) {
	case RB_ATTACH_TOO_BIG:
		if (mb10 % 10 == 0)
			snprintf(out, outlen, "Le fichier %d dépasse la taille "
			    "permise (%zu Mo).", n, mb10 / 10);
		else
			snprintf(out, outlen, "Le fichier %d dépasse la taille "
			    "permise (%zu,%zu Mo).", n, mb10 / 10, mb10 % 10);
		return;
	case RB_ATTACH_BAD_TYPE:
		snprintf(out, outlen, "Le fichier %d n'est ni une photo (JPEG, "
		    "PNG) ni un document PDF : il n'est pas accepté.", n);
		return;
	case RB_ATTACH_TOO_MANY:
		snprintf(out, outlen, "Vous pouvez joindre %d fichier%s au "
		    "plus.", ac->ac_max_count, ac->ac_max_count > 1 ? "s" : "");
		return;
	default:
		snprintf(out, outlen, "%s", "");
		return;
	}
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t k;

	while (len > 0) {
		k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

int
rb_attach_store(rb_db *db, const struct rb_attach_cfg *ac,
    const char *purpose, int64_t ref_id, int64_t message_id,
    int64_t account_id, enum rb_filetype type, const void *data,
    size_t len, time_t now, struct rb_attachment *out)
{
	char token[RB_TOKEN_LEN + 1], path[4096], tmp[4096];
	int fd;

	memset(out, 0, sizeof(*out));
	if (rb_filetype_mime(type) == NULL || len == 0)
		return -1;
	if (mkdir(ac->ac_dir, 0700) != 0 && errno != EEXIST) {
		log_warnx("%s: %s", ac->ac_dir, strerror(errno));
		return -1;
	}
	rb_token_new(token);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ac->ac_dir, token) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-%s",
	    ac->ac_dir, token) >= sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		log_warnx("%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		log_warnx("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		log_warnx("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(out->at_token, sizeof(out->at_token), "%s", token);
	snprintf(out->at_purpose, sizeof(out->at_purpose), "%s", purpose);
	out->at_ref_id = ref_id;
	out->at_message_id = message_id;
	out->at_account_id = account_id;
	snprintf(out->at_type, sizeof(out->at_type), "%s",
	    rb_filetype_mime(type));
	out->at_size = (int64_t)len;
	out->at_created = now;
	if (rb_attachment_insert(db, out) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

static int
token_shaped(const char *s)
{
	size_t n = strlen(s);

	return n == RB_TOKEN_LEN && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

int
rb_attach_find(rb_db *db, const char *token, struct rb_attachment *a)
{
	memset(a, 0, sizeof(*a));
	if (token == NULL || !token_shaped(token))
		return 1;
	return rb_attachment_get(db, token, a);
}

int
rb_attach_open(const struct rb_attach_cfg *ac, const struct rb_attachment *a,
    int *fd, uint64_t *size)
{
	char path[4096];
	struct stat sb;
	int f;

	*fd = -1;
	*size = 0;
	if (!token_shaped(a->at_token) || (size_t)snprintf(path, sizeof(path),
	    "%s/%s", ac->ac_dir, a->at_token) >= sizeof(path))
		return -1;
	f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0 || fstat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		log_warnx("%s: %s", path,
		    f < 0 ? strerror(errno) : "not a regular file");
		if (f >= 0)
			close(f);
		return -1;
	}
	*fd = f;
	*size = (uint64_t)sb.st_size;
	return 0;
}

const char *
rb_attach_kind_text(const char *mime)
{
	switch (rb_filetype_from_mime(mime)) {
	case RB_FILETYPE_JPEG:
		return "Photo (JPEG)";
	case RB_FILETYPE_PNG:
		return "Image (PNG)";
	case RB_FILETYPE_PDF:
		return "Document PDF";
	default:
		return "Fichier";
	}
}

/* Rows whose file is missing: logged one by one, counted. */
struct sweep_rows {
	const struct rb_attach_cfg	*sr_ac;
	int				 sr_dirfd;
	int64_t				 sr_missing;
};

static void
check_row(const struct rb_attachment *a, void *arg)
{
	struct sweep_rows *sr = arg;
	struct stat sb;

	if (fstatat(sr->sr_dirfd, a->at_token, &sb, AT_SYMLINK_NOFOLLOW) == 0
	    && S_ISREG(sb.st_mode))
		return;
	sr->sr_missing++;
	log_warnx("attachment %lld (%s %lld, token %s): file missing in %s",
	    (long long)a->at_id, a->at_purpose, (long long)a->at_ref_id,
	    a->at_token, sr->sr_ac->ac_dir);
}

/* A token-shaped name: base64url characters only, not empty. */
static int
token_name(const char *name)
{
	const char *p;

	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return p != name && p - name < 48;
}

int
rb_attach_sweep(rb_db *db, const struct rb_attach_cfg *ac, time_t now,
    struct rb_attach_sweep *out)
{
	struct sweep_rows sr = { ac, -1, 0 };
	struct rb_attachment a;
	struct dirent *de;
	struct stat sb;
	const char *name;
	DIR *d;
	int fd, rc = 0, r;

	memset(out, 0, sizeof(*out));
	if ((fd = open(ac->ac_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;	/* nothing was ever attached */
		log_warnx("%s: %s", ac->ac_dir, strerror(errno));
		return -1;
	}
	if ((d = fdopendir(fd)) == NULL) {
		log_warnx("%s: %s", ac->ac_dir, strerror(errno));
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		name = de->d_name;
		/* Files being written are ".tmp-TOKEN"; one left by a crash
		 * is as much an orphan as a file without a row. */
		if (strncmp(name, ".tmp-", 5) == 0 && token_name(name + 5))
			;
		else if (!token_name(name))
			continue;
		if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode) ||
		    sb.st_mtime > now - RB_ATTACH_ORPHAN_AGE)
			continue;
		if (name[0] != '.') {
			r = rb_attachment_get(db, name, &a);
			if (r < 0) {
				rc = -1;
				break;
			}
			if (r == 0)
				continue;	/* has its row */
		}
		if (unlinkat(fd, name, 0) != 0) {
			log_warnx("%s/%s: %s", ac->ac_dir, name,
			    strerror(errno));
			rc = -1;
			continue;
		}
		out->as_orphans++;
	}
	sr.sr_dirfd = fd;
	if (rc == 0 && rb_attachment_all(db, check_row, &sr) != 0)
		rc = -1;
	out->as_missing = sr.sr_missing;
	closedir(d);
	return rc;
}

int
rb_attach_remove(const struct rb_attach_cfg *ac, const char *token)
{
	char path[4096];

	if (!token_name(token) || (size_t)snprintf(path, sizeof(path),
	    "%s/%s", ac->ac_dir, token) >= sizeof(path))
		return -1;
	if (unlink(path) != 0 && errno != ENOENT) {
		log_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
