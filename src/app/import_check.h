/*
 * import_check.h: the validators of imported values, one per column
 * type of docs/import-format.md. Each checks one CSV value, turns it
 * into the value bound to SQL, or explains in French why it cannot
 * ("date impossible 2023-02-30", "IBAN invalide").
 */
#ifndef RB_APP_IMPORT_CHECK_H
#define RB_APP_IMPORT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "store/import_store.h"

enum rb_ichk {
	RB_ICHK_TEXT,		/* UTF-8 text, ck_max characters */
	RB_ICHK_DATE,		/* YYYY-MM-DD, a real day of 1900-2999 */
	RB_ICHK_INT,		/* 64-bit signed integer */
	RB_ICHK_COUNT,		/* integer >= 0 (ck_max: upper bound if > 0) */
	RB_ICHK_FLAG,		/* 0 or 1 */
	RB_ICHK_BP,		/* basis points 0..10000 */
	RB_ICHK_ENUM,		/* one of ck_enum */
	RB_ICHK_CONTRACT_NO,	/* 10 digits */
	RB_ICHK_OLD_NO,		/* 7 digits and an upper-case letter */
	RB_ICHK_SERIAL,		/* 4 to 20 of [A-Z0-9] */
	RB_ICHK_REF,		/* 1 to 32 of [A-Za-z0-9._/-] */
	RB_ICHK_CODE,		/* 1 to 32 of [A-Z0-9_] */
	RB_ICHK_INVOICE_NO,	/* 1 to 32 of [A-Z0-9-] */
	RB_ICHK_EMAIL,
	RB_ICHK_PHONE,		/* E.164 */
	RB_ICHK_POSTCODE,	/* 5 digits */
	RB_ICHK_COUNTRY,	/* ISO 3166 alpha-2 */
	RB_ICHK_BIC,
	RB_ICHK_RUM,		/* SEPA mandate reference */
	RB_ICHK_IBAN,		/* checked; the value stays the raw text */
	RB_ICHK_HASH,		/* crypt(3) hash or "!" */
	RB_ICHK__MAX
};

/* One column of an imported file. */
struct rb_ichk_col {
	const char	*ck_name;	/* CSV header name */
	const char	*ck_db;		/* SQL parameter, NULL: computed */
	enum rb_ichk	 ck_type;
	int		 ck_required;
	int64_t		 ck_max;	/* see enum rb_ichk */
	const char	*const *ck_enum;	/* NULL-terminated */
	const char	*ck_default;	/* used when the value is empty */
	const char	*ck_missing;	/* reason when required and empty;
					   NULL: a generic one */
};

/*
 * Checks value s of column col. Returns 0 and the SQL value in *v
 * (text points into s or into the column's constants: not owned), or -1
 * with a French reason in why (whylen bytes). An empty s gives NULL,
 * the column's default, or -1 when the column is required.
 */
int	 rb_ichk_value(const struct rb_ichk_col *col, const char *s,
	    struct rb_imp_val *v, char *why, size_t whylen);

/*
 * The single checks, for the rules that combine columns and for tests.
 * Each returns 0, or -1 with a French reason in why.
 */
int	 rb_ichk_date(const char *s, char *why, size_t whylen);
int	 rb_ichk_int(const char *s, int64_t min, int64_t max, int64_t *out,
	    char *why, size_t whylen);
int	 rb_ichk_text(const char *s, int64_t maxchars, char *why,
	    size_t whylen);
int	 rb_ichk_email(const char *s, char *why, size_t whylen);
int	 rb_ichk_hash(const char *s, char *why, size_t whylen);

/*
 * Copies s into out (outlen bytes) for quoting in a reason, cut at a
 * character boundary after at most 40 bytes with "…" appended.
 */
void	 rb_ichk_quote(const char *s, char *out, size_t outlen);

#endif
