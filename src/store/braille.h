/*
 * braille.h: the SQL of braille documents (migration 0019): the braille
 * a subscriber chose (web_accounts.braille), the letters kept for them
 * (braille_letters), and what `robinet braille batch` embosses.
 *
 * Preference values are the text stored: "none", "grade1", "grade2".
 */
#ifndef RB_STORE_BRAILLE_H
#define RB_STORE_BRAILLE_H

#include <stdint.h>

#include "store/db.h"

#define RB_BRAILLE_PREF_MAX	8	/* "grade2" and its NUL */

/*
 * Reads the preference of account into pref. Returns 0, 1 when there is
 * no such account, -1 on a database error.
 */
int	rb_braille_pref_get(rb_db *db, int64_t account,
	    char pref[RB_BRAILLE_PREF_MAX]);
/*
 * rb_braille_pref_get() as one read of a page's batch (db.h,
 * rb_db_fetch_batch()): fills *r from q, which must outlive the batch,
 * so that the preference goes to q->pq_pref, q->pq_found 1 when the
 * account exists.
 */
struct rb_braille_pref_q {
	struct rb_bind	 pq_b[1];
	char		 pq_pref[RB_BRAILLE_PREF_MAX];
	int		 pq_found;
};
void	rb_braille_pref_read(struct rb_braille_pref_q *q, int64_t account,
	    struct rb_db_read *r);
/*
 * Sets it (pref one of the three values: the schema refuses others), by
 * "subscriber" or "agent:<id>", at now. Returns 0, 1 when there is no
 * such account, -1 on error (RB_CONSTRAINT for a value refused).
 */
int	rb_braille_pref_set(rb_db *db, int64_t account, const char *pref,
	    const char *by, int64_t now);

/*
 * Keeps a letter (title, plain-text body) for the account whose email is
 * exactly `to`, when that account chose braille; nothing otherwise. Sets
 * *kept (if not NULL) to 1 when a row was written. Returns 0 or -1.
 */
int	rb_braille_letter_keep(rb_db *db, const char *to, const char *kind,
	    const char *title, const char *body, int64_t now, int *kept);

/* A kept letter; the strings are owned by the row (rb_store copies). */
struct rb_braille_letter_row {
	int64_t	 bl_id;
	int64_t	 bl_account;
	char	 bl_kind[40];
	char	 bl_title[256];
	char	*bl_body;		/* malloc'd: free() it */
	int64_t	 bl_created_at;
};

/*
 * Calls fn for each letter of account, newest first (bl_body NULL: the
 * list does not read it). Returns 0 or -1.
 */
int	rb_braille_letters_list(rb_db *db, int64_t account,
	    void (*fn)(const struct rb_braille_letter_row *, void *),
	    void *arg);
/*
 * Reads letter id of account into row (the caller frees row->bl_body).
 * Returns 0, 1 when it is not one of account's letters, -1 on error.
 */
int	rb_braille_letter_get(rb_db *db, int64_t account, int64_t id,
	    struct rb_braille_letter_row *row);

/*
 * Deletes the letters kept before `before` (UTC seconds), every
 * account's; sets *deleted (0 on failure). Returns 0 or -1.
 */
int	rb_braille_letters_purge(rb_db *db, int64_t before, int64_t *deleted);

/* Who receives an embossed document, and where. */
struct rb_braille_addressee {
	int64_t		 ba_account;
	const char	*ba_pref;		/* "grade1" or "grade2" */
	const char	*ba_title, *ba_first_name, *ba_last_name;
	const char	*ba_address1, *ba_address2, *ba_postcode, *ba_commune;
	const char	*ba_country;
	/* the document: a bill (ba_invoice) or a letter (ba_letter > 0) */
	const char	*ba_invoice;
	int64_t		 ba_letter;
	const char	*ba_letter_title;
	int64_t		 ba_letter_at;
};

/*
 * The batch: calls fn for every bill issued on or after since_iso
 * ("YYYY-MM-DD") of a contract linked to an account that chose braille
 * (postal address: the contract's customer), ordered by account and bill
 * number; then for every letter kept since since_ts (UTC seconds) for
 * such an account (address: the customer of its first contract; empty
 * when it has none), by account and id. Strings are valid during the
 * call. Returns 0 or -1.
 */
int	rb_braille_batch_bills(rb_db *db, const char *since_iso,
	    void (*fn)(const struct rb_braille_addressee *, void *),
	    void *arg);
int	rb_braille_batch_letters(rb_db *db, int64_t since_ts,
	    void (*fn)(const struct rb_braille_addressee *, void *),
	    void *arg);

#endif
