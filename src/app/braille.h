/*
 * braille.h: braille documents as use cases (no HTTP, no SQL): the
 * braille a subscriber chose (none, grade 1, grade 2), set by them in
 * "Mon compte" or by customer service, audited; the braille version of a
 * bill (current or archived, within a scope) and of the letters kept
 * for a subscriber, in Unicode braille or as an embosser file; and the
 * batch of the embossing workshop; the retention of the letters kept.
 *
 * A subscriber who chose nothing still gets the braille version of a
 * bill on demand, in grade 1 (the default); an archive visitor too.
 */
#ifndef RB_APP_BRAILLE_H
#define RB_APP_BRAILLE_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/bills.h"
#include "app/rc.h"
#include "base/buf.h"
#include "docs/braille.h"
#include "store/db.h"
#include "store/scope.h"

/* Who sets a preference. */
enum rb_braille_by {
	RB_BRAILLE_BY_SUBSCRIBER,
	RB_BRAILLE_BY_AGENT,
	RB_BRAILLE_BY__MAX
};

/* Page geometry and format of a download. */
struct rb_braille_out {
	enum rb_braille_format	bo_fmt;
	int			bo_cells;	/* setting braille_cells */
	int			bo_lines;	/* setting braille_lines */
};

/*
 * Parses the value of a form's "braille" field: "aucun", "integral" or
 * "abrege". Returns the grade, or -1 when it is none of them.
 */
int		rb_braille_parse_choice(const char *value);
/* The form value of a grade ("aucun", "integral", "abrege"). */
const char	*rb_braille_choice_value(enum rb_braille_grade grade);
/* Its French label ("Braille intégral (grade 1)"...). */
const char	*rb_braille_choice_label(enum rb_braille_grade grade);

/*
 * The grade account chose (RB_BRAILLE_NONE when none, or for account 0).
 * Returns RB_OK, RB_NOT_FOUND (no such account) or RB_ERROR.
 */
enum rb_rc	rb_braille_pref(rb_db *db, int64_t account,
		    enum rb_braille_grade *grade);

/*
 * The choices for a form: *out = [{"value", "label", "checked"}], the
 * chosen one checked. The caller owns *out. Same return codes.
 */
enum rb_rc	rb_braille_choices(rb_db *db, int64_t account, json_t **out);
/* The same choices for grade now (a new array the caller owns). */
json_t		*rb_braille_choice_list(enum rb_braille_grade now);
/* The grade of a stored preference ("none", "grade1", "grade2"; any
 * other text: RB_BRAILLE_NONE). */
enum rb_braille_grade rb_braille_grade_of(const char *pref);

/*
 * Sets the grade of account at now, asked from ip (may be NULL) by `by`
 * (agent: its id in agent_id). In one transaction: writes it and adds
 * the audit entry "braille.set" (target "account:<id>", detail {"by",
 * "was", "now"}) when it changes. *changed (if not NULL) says whether it
 * changed. Returns RB_OK, RB_NOT_FOUND, RB_INVALID (grade out of range)
 * or RB_ERROR.
 */
enum rb_rc	rb_braille_set(rb_db *db, int64_t account,
		    enum rb_braille_grade grade, enum rb_braille_by by,
		    int64_t agent_id, const char *ip, time_t now,
		    int *changed);

/*
 * The braille version of bill `number` (normalised) within sc, in the
 * grade of sc's account (grade 1 when none or for an archive visit),
 * appended to out as o says. Sets *pages (may be NULL). Returns RB_OK,
 * RB_NOT_FOUND (not in the scope, like a bill that does not exist) or
 * RB_ERROR (logged).
 */
enum rb_rc	rb_braille_bill_file(const struct rb_bills_ctx *ctx,
		    const struct rb_scope *sc, const char *number,
		    const struct rb_braille_out *o, rb_buf *out, int *pages);

/*
 * The letters kept for account: *out = [{"id", "title", "date" (French,
 * Paris), "unicode_url", "embosser_url"}], newest first. Same codes.
 */
enum rb_rc	rb_braille_letters(rb_db *db, int64_t account, json_t **out);

/*
 * What /mes-courriers-braille shows: the grade account chose
 * (rb_braille_pref()) and its letters (rb_braille_letters(), *letters
 * a new array the caller owns), kept in memory per account
 * (app/pagecache.h: web_accounts and braille_letters send notices).
 * Returns RB_OK, RB_NOT_FOUND (no such account) or RB_ERROR.
 */
enum rb_rc	rb_braille_letters_page(rb_db *db, int64_t account,
		    enum rb_braille_grade *grade, json_t **letters);

/*
 * The braille version of letter id of account (grade: the account's,
 * grade 1 when none). Returns RB_OK, RB_NOT_FOUND (not one of account's
 * letters) or RB_ERROR.
 */
enum rb_rc	rb_braille_letter_file(rb_db *db, int64_t account, int64_t id,
		    const struct rb_braille_out *o, rb_buf *out, int *pages);

/*
 * Retention (`robinet purge`): deletes the letters kept more than
 * RB_BRAILLE_KEEP_YEARS calendar years before now (what /mes-donnees
 * announces, app/gdpr.c), every account's, whatever the account's
 * choice is now. Sets *deleted; RB_OK or RB_ERROR.
 */
#define RB_BRAILLE_KEEP_YEARS	3
enum rb_rc	rb_braille_purge(rb_db *db, time_t now, int64_t *deleted);

/* One line of the workshop's index, handed to the batch's callback. */
struct rb_braille_batch_item {
	const char	*bi_file;	/* "0000000042-facture-F2025-000001.txt" */
	const char	*bi_name;	/* "Mme Anne Martin" */
	const char	*bi_address;	/* "3 rue X, 59000 Lille, FR" */
	const char	*bi_document;	/* "Facture F2025-..." / letter title */
	const char	*bi_grade;	/* "grade1" */
	int		 bi_pages;
	const rb_buf	*bi_data;	/* the embosser file */
};

/*
 * The batch: every bill issued on or after since_iso and every letter
 * kept since the start of that day in Paris, for the subscribers who
 * chose braille, as embosser files (geometry o->bo_cells x bo_lines),
 * handed to fn one by one in a stable order (account, then bills by
 * number, then letters by id) with stable file names. Returns RB_OK, or
 * RB_ERROR (logged), or the first non-zero value fn returns (as
 * RB_ERROR).
 */
enum rb_rc	rb_braille_batch(const struct rb_bills_ctx *ctx,
		    const char *since_iso, const struct rb_braille_out *o,
		    int (*fn)(const struct rb_braille_batch_item *, void *),
		    void *arg, int *count);

#endif
