/*
 * archive.h: SQL of archive visits (table archive_visits, see migration
 * 0006): the cookie of a visitor who signed in to /archives with a
 * former customer id, found by the SHA-256 of its value.
 */
#ifndef RB_STORE_ARCHIVE_H
#define RB_STORE_ARCHIVE_H

#include <stdint.h>
#include <time.h>

#include "store/db.h"

struct rb_archive_row {
	int64_t		 ar_id;
	int64_t		 ar_contract_id;
	int64_t		 ar_migrated_at;	/* of the credentials; 0: not
						   moved to the new space */
	char		 ar_number[16];		/* contract, since 2024 */
	char		 ar_old_number[16];	/* before 2024, "" if none */
	char		 ar_old_id[32];		/* former customer id */
};

/* Stores a visit of contract through credentials legacy_id, created and
 * seen at now from ip (may be NULL). Returns 0 or -1. */
int	rb_archive_visit_create(rb_db *db, const char *id_hash,
	    int64_t contract_id, int64_t legacy_id, time_t now, const char *ip);
/*
 * Finds the visit of id_hash valid at now (used within idle seconds,
 * created within absolute seconds), touches it and fills out. An
 * expired visit is deleted. Returns 0, 1 when none, -1 on error.
 */
int	rb_archive_visit_find(rb_db *db, const char *id_hash, time_t now,
	    int idle, int absolute, struct rb_archive_row *out);
/* Ends the visit of id_hash (none is not an error). 0 or -1. */
int	rb_archive_visit_delete(rb_db *db, const char *id_hash);
/* Deletes visits expired at now. 0 or -1. */
int	rb_archive_visit_purge(rb_db *db, time_t now, int idle, int absolute);

#endif
