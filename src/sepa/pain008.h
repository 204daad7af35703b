/*
 * pain008.h: a streaming writer of SEPA Core direct debit initiation
 * files, ISO 20022 pain.008.001.02 (EPC SDD Core implementation
 * guidelines).
 *
 * A file is written in order, so millions of transactions never sit in
 * memory: rb_pain008_begin() (the group header, which carries the count
 * and control sum of the whole file, known beforehand), then for each
 * payment information block (one per sequence type and collection date)
 * rb_pain008_pmt_begin() with its own count and sum, its transactions
 * with rb_pain008_tx(), and rb_pain008_pmt_end(); rb_pain008_end()
 * closes the document. The caller passes counts that match what it
 * writes (the export checks them against its database changes).
 *
 * Every text goes through the SEPA character set (text.h) and XML
 * escaping; identifiers (message, payment, end-to-end, mandate) must
 * already be in the SEPA set and at most 35 characters: a writer call
 * with a bad one fails rather than write a file the bank refuses.
 */
#ifndef RB_SEPA_PAIN008_H
#define RB_SEPA_PAIN008_H

#include <stdint.h>
#include <stdio.h>

#define RB_PAIN008_NS	"urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
#define RB_SEPA_ID_MAX	35	/* Max35Text identifiers */

/* The group header and the creditor, the same for every block. */
struct rb_pain008_hdr {
	const char	*ph_msg_id;	/* unique per file, <= 35 */
	const char	*ph_created;	/* "2026-12-05T13:00:00" */
	int64_t		 ph_n_tx;	/* transactions in the file */
	int64_t		 ph_ctrl_cents;	/* their sum */
	const char	*ph_cdtr_name;	/* creditor, also the initiator */
	const char	*ph_cdtr_iban;
	const char	*ph_cdtr_bic;	/* "" or NULL: not given */
	const char	*ph_cdtr_ics;	/* SEPA creditor identifier */
};

/* One payment information block. */
struct rb_pain008_pmt {
	const char	*pp_id;		/* PmtInfId, <= 35 */
	const char	*pp_seq_type;	/* "FRST", "RCUR", "OOFF", "FNAL" */
	const char	*pp_collection;	/* "YYYY-MM-DD" */
	int64_t		 pp_n_tx;
	int64_t		 pp_ctrl_cents;
};

/* One debit. */
struct rb_pain008_tx {
	const char	*pt_e2e;	/* EndToEndId, <= 35 */
	int64_t		 pt_cents;	/* > 0 */
	const char	*pt_rum;	/* mandate reference, <= 35 */
	const char	*pt_signed_on;	/* "YYYY-MM-DD" */
	const char	*pt_dbtr_name;	/* any UTF-8, brought to the SEPA set */
	const char	*pt_dbtr_iban;	/* electronic form */
	const char	*pt_dbtr_bic;	/* NULL or "": NOTPROVIDED */
	const char	*pt_remittance;	/* any UTF-8, <= 140 kept */
};

/*
 * Each returns 0, or -1 when a value is invalid (message in err, errlen
 * bytes) or the stream fails (errno set, err says "write failed").
 */
int	 rb_pain008_begin(FILE *f, const struct rb_pain008_hdr *h, char *err,
	    size_t errlen);
int	 rb_pain008_pmt_begin(FILE *f, const struct rb_pain008_hdr *h,
	    const struct rb_pain008_pmt *p, char *err, size_t errlen);
int	 rb_pain008_tx(FILE *f, const struct rb_pain008_tx *t, char *err,
	    size_t errlen);
int	 rb_pain008_pmt_end(FILE *f, char *err, size_t errlen);
int	 rb_pain008_end(FILE *f, char *err, size_t errlen);

#endif
