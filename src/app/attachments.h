/*
 * attachments.h: files people attach (a meter photo, a plumber's
 * certificate): checked, stored and opened again for whoever may see
 * them. Shared by the contact form (app/contact.h) and any other use
 * case that takes a file; its interface is kept stable for them.
 *
 * - Only JPEG, PNG and PDF are taken, recognised by their bytes
 *   (base/filetype.h), never by the name or type the client declares.
 * - Each file is at most ac_max_bytes; a message takes at most
 *   ac_max_count of them (the caller counts).
 * - The bytes go to a file of ac_dir (created 0700 if missing) named by
 *   a new random token, written to a temporary name and renamed, mode
 *   0600; ac_dir must be outside the static folder. With several app
 *   servers it is a shared volume. A row of table attachments says what
 *   the file is (the sniffed MIME type) and what it belongs to.
 * - Nothing here decides who may read a file: the use case that owns
 *   the purpose does (contact: the requester and agents), then calls
 *   rb_attach_open(). Pages serve files as downloads (web/attach.c).
 */
#ifndef RB_APP_ATTACHMENTS_H
#define RB_APP_ATTACHMENTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/config.h"
#include "base/filetype.h"
#include "store/attachments.h"
#include "store/db.h"

struct rb_attach_cfg {
	const char	*ac_dir;
	size_t		 ac_max_bytes;
	int		 ac_max_count;
};

/* Fills ac from attachments_dir, attachment_max_bytes and
 * attachment_max_count; the strings point into cfg. */
void	rb_attach_cfg_from_config(const struct rb_config *cfg,
	    struct rb_attach_cfg *ac);

enum rb_attach_check {
	RB_ATTACH_OK,
	RB_ATTACH_TOO_BIG,
	RB_ATTACH_BAD_TYPE,
	RB_ATTACH_TOO_MANY,
	RB_ATTACH_CHECK__MAX
};

/* Checks one file: its size, then its kind (set in *type when OK). */
enum rb_attach_check rb_attach_check(const struct rb_attach_cfg *ac,
	    const void *data, size_t len, enum rb_filetype *type);
/*
 * The French sentence for a refusal, for a person: e.g. "Le fichier 2
 * n'est ni une photo (JPEG, PNG) ni un PDF." (n is 1-based; the limits
 * come from ac). Written into out (RB_ATTACH_MSG_MAX bytes suffice).
 */
#define RB_ATTACH_MSG_MAX	192
void	rb_attach_message(const struct rb_attach_cfg *ac,
	    enum rb_attach_check why, int n, char *out, size_t outlen);

/*
 * Stores data (already checked: type is what rb_attach_check() said)
 * for (purpose, ref_id[, message_id]), sent by account_id (0: signed
 * out): writes the file, then inserts the row on db (in the caller's
 * transaction if one is open: a rollback leaves an orphan file, never
 * a row without its file). Fills *out. Returns 0, or -1 (logged).
 */
int	rb_attach_store(rb_db *db, const struct rb_attach_cfg *ac,
	    const char *purpose, int64_t ref_id, int64_t message_id,
	    int64_t account_id, enum rb_filetype type, const void *data,
	    size_t len, time_t now, struct rb_attachment *out);

/*
 * Looks up token (only base64url token-shaped values reach the
 * database): 0 with *a filled, 1 when unknown, -1 on failure.
 */
int	rb_attach_find(rb_db *db, const char *token, struct rb_attachment *a);

/*
 * Opens a's file read-only (no symlink followed) and sets *fd and
 * *size. Returns 0, or -1 (logged) when it is missing or unreadable.
 */
int	rb_attach_open(const struct rb_attach_cfg *ac,
	    const struct rb_attachment *a, int *fd, uint64_t *size);

/* "Photo (JPEG)", "Photo (PNG)", "Document PDF" for a MIME type. */
const char *rb_attach_kind_text(const char *mime);

/*
 * The retention sweep of `robinet purge`: removes the files of ac_dir
 * that have no row (a request rolled back after its file was written)
 * or are a temporary file left by a crash, once they are older than
 * RB_ATTACH_ORPHAN_AGE seconds at instant now (younger ones may belong
 * to a transaction still open); then logs each row whose file is
 * missing. Counts both in *out. Returns 0, or -1 (logged).
 */
#define RB_ATTACH_ORPHAN_AGE	3600
struct rb_attach_sweep {
	int64_t	as_orphans;		/* files removed */
	int64_t	as_missing;		/* rows without their file */
};
int	rb_attach_sweep(rb_db *db, const struct rb_attach_cfg *ac, time_t now,
	    struct rb_attach_sweep *out);
/* Removes the file of token (gone already is fine). 0 or -1 (logged). */
int	rb_attach_remove(const struct rb_attach_cfg *ac, const char *token);

#endif
