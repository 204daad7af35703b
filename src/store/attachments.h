/*
 * attachments.h: the SQL of attached files (table attachments, migration
 * 0012). The bytes live in files (app/attachments.h); a row says what
 * a file is and what it belongs to.
 */
#ifndef RB_STORE_ATTACHMENTS_H
#define RB_STORE_ATTACHMENTS_H

#include <stdint.h>
#include <time.h>

#include "store/db.h"

struct rb_attachment {
	int64_t	 at_id;
	char	 at_token[48];		/* file name and URL name */
	char	 at_purpose[16];	/* 'contact', 'reading' */
	int64_t	 at_ref_id;
	int64_t	 at_message_id;		/* 0 when NULL */
	int64_t	 at_account_id;		/* 0 when NULL */
	char	 at_type[32];		/* sniffed MIME type */
	int64_t	 at_size;
	int64_t	 at_created;
};

/* Inserts a (at_id is set). Returns 0 or -1 (logged). */
int	rb_attachment_insert(rb_db *db, struct rb_attachment *a);
/* Reads the row of token: 0 found, 1 none, -1 failure. */
int	rb_attachment_get(rb_db *db, const char *token,
	    struct rb_attachment *a);
/* Hands every row of (purpose, ref_id), in order, to fn. 0 or -1. */
int	rb_attachment_list(rb_db *db, const char *purpose, int64_t ref_id,
	    void (*fn)(const struct rb_attachment *, void *), void *arg);

/* Hands every row of the table, in id order, to fn. 0 or -1. */
int	rb_attachment_all(rb_db *db,
	    void (*fn)(const struct rb_attachment *, void *), void *arg);

#endif
