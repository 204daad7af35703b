/*
 * devbox.c: demo-mode mail: .eml files in the mail folder and the list
 * behind /_dev/courriels (see devbox.h and mail.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "mail/devbox.h"
#include "mail/mail.h"
#include "mail/state.h"
#include "store/outbox.h"

#define PATH_BYTES	4096

/* mkdir -p path, mode 0750; 0, or -1 with errno set. */
static int
make_dirs(const char *path)
{
	char p[PATH_BYTES];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST)
			return -1;
		p[i] = i < len ? '/' : '\0';
	}
	return 0;
}

int
rb_mail_devbox_write(const char *dir, int64_t id, const char *msg,
    size_t len, char *err, size_t errlen)
{
	char tmp[PATH_BYTES], path[PATH_BYTES];
	size_t off = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%lld.eml", dir,
	    (long long)id) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%lld.eml.tmp", dir,
	    (long long)id) >= sizeof(tmp)) {
		snprintf(err, errlen, "mail_dir is too long");
		return -1;
	}
	if (make_dirs(dir) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", tmp,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

void
rb_mail_find_links(const char *text, json_t *links)
{
	const char *p = text, *end;

	while ((p = strstr(p, "http")) != NULL) {
		if (strncmp(p, "http://", 7) != 0 &&
		    strncmp(p, "https://", 8) != 0) {
			p += 4;
			continue;
		}
		end = p;
		while (*end != '\0' && (unsigned char)*end > 0x20 &&
		    *end != 0x7f && strchr("<>\"", *end) == NULL)
			end++;
		while (end > p && strchr(".,;:)!", end[-1]) != NULL)
			end--;
		json_array_append_new(links, json_stringn(p,
		    (size_t)(end - p)));
		p = end > p ? end : p + 4;
	}
}

/* The row of rb_outbox_list_recent() as /_dev/courriels shows it. */
static json_t *
devbox_item(const json_t *row)
{
	struct rb_localtime lt;
	json_int_t attempts = json_integer_value(json_object_get(row,
	    "attempts"));
	json_int_t created = json_integer_value(json_object_get(row,
	    "created_at"));
	const char *text = json_string_value(json_object_get(row, "text")),
	    *status;
	char local[32];
	json_t *links = json_array();

	rb_clock_paris((time_t)created, &lt);
	snprintf(local, sizeof(local), "%04d-%02d-%02d %02d:%02d",
	    lt.lt_date.d_year, lt.lt_date.d_month, lt.lt_date.d_day,
	    lt.lt_hour, lt.lt_min);
	if (!json_is_null(json_object_get(row, "sent_at")))
		status = "sent";
	else if (json_is_true(json_object_get(row, "given_up")))
		status = "failed";
	else
		status = "pending";
	rb_mail_find_links(text != NULL ? text : "", links);
	return json_pack("{s:O, s:O, s:O, s:I, s:s, s:s, s:I, s:O, s:O, "
	    "s:o}",
	    "id", json_object_get(row, "id"),
	    "to", json_object_get(row, "to"),
	    "subject", json_object_get(row, "subject"),
	    "created_at", created,
	    "created_local", local,
	    "status", status,
	    "attempts", attempts,
	    "last_error", json_object_get(row, "last_error"),
	    "text", json_object_get(row, "text"),
	    "links", links);
}

int
rb_mail_devbox_list(rb_db *db, int limit, json_t **out)
{
	const struct rb_mail_state *st;
	json_t *rows, *row, *arr;
	size_t i;

	*out = NULL;
	if ((st = rb_mail_state()) == NULL)
		return -1;
	if (!st->st_demo) {
		log_errx("the mail list exists in demo mode only");
		return -1;
	}
	if (rb_outbox_list_recent(db, limit, &rows) != 0)
		return -1;
	arr = json_array();
	json_array_foreach(rows, i, row)
		json_array_append_new(arr, devbox_item(row));
	json_decref(rows);
	*out = arr;
	return 0;
}
