/*
 * pages/static.c: files under /static/ (CSS, images, fonts) from the
 * static_dir folder. The path is already canonical (no "..", no NUL);
 * it is joined under the folder, opened without following symlinks and
 * served only if it is a regular file of a known type. Answers carry an
 * ETag (size and modification time) and honour If-None-Match with 304.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/path.h"
#include "web/routes.h"

static const char *const mime_types[][2] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".webp", "image/webp" },
	{ ".ico", "image/vnd.microsoft.icon" },
	{ ".woff2", "font/woff2" },
	{ ".woff", "font/woff" },
	{ ".ttf", "font/ttf" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *
mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
		if (strcmp(dot, mime_types[i][0]) == 0)
			return mime_types[i][1];
	return NULL;
}

/* Whether an If-None-Match header value lists etag (or is "*"). */
static int
etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = header;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

void
rb_page_static(struct rb_req *req)
{
	const char *root = rb_config_str(req->req_site->site_cfg,
	    RB_CFG_STATIC_DIR);
	const char *rel = req->req_path + strlen("/static");
	const char *type, *inm;
	char full[4096], *etag;
	struct stat st;
	int fd;

	if ((type = mime_of(rel)) == NULL ||
	    rb_path_join_under(root, rel, full, sizeof(full)) != 0) {
		rb_resp_error(req, 404);
		return;
	}
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rb_resp_error(req, 404);
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		rb_resp_error(req, 404);
		return;
	}
	etag = rb_arena_printf(req->req_arena, "\"%llx-%llx\"",
	    (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st.st_mtim.tv_nsec);
	rb_resp_header(req, "ETag", etag);
	rb_resp_header(req, "Cache-Control", "public, max-age=3600");
	inm = rb_req_header(req, "If-None-Match");
	if (inm != NULL && etag_matches(inm, etag)) {
		close(fd);
		req->resp_status = 304;
		return;
	}
	req->resp_status = 200;
	req->resp_type = type;
	req->resp_fd = fd;
	req->resp_fd_size = (uint64_t)st.st_size;
}
