/*
 * pain002.h: a reader of the bank's payment status reports, ISO 20022
 * pain.002.001.03 (customer payment status report), as banks return
 * them for SEPA direct debit files (R-transactions before settlement).
 *
 * The report answers one pain.008 file (OrgnlGrpInfAndSts/OrgnlMsgId).
 * Statuses come at three levels: the whole file (GrpSts), one payment
 * block (OrgnlPmtInfAndSts/PmtInfSts) or one transaction
 * (TxInfAndSts/TxSts, keyed by OrgnlEndToEndId). Each one read becomes
 * a struct rb_pain002_item; a rejection (RJCT) carries its reason code
 * (StsRsnInf/Rsn/Cd, four characters such as "AM04").
 *
 * Parsing is strict and all or nothing: a document that is not XML, has
 * a DTD (no entity is ever expanded), another root or namespace, lacks a
 * required element or has an unknown status is refused with a precise
 * English message and nothing is returned.
 */
#ifndef RB_SEPA_PAIN002_H
#define RB_SEPA_PAIN002_H

#include <stddef.h>

#define RB_PAIN002_NS	"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"

enum rb_pain002_level {
	RB_P002_GROUP,		/* pi_ref is the original MsgId */
	RB_P002_PMTINF,		/* pi_ref is the original PmtInfId */
	RB_P002_TX		/* pi_ref is the original EndToEndId */
};

struct rb_pain002_item {
	enum rb_pain002_level pi_level;
	char	pi_ref[36];
	char	pi_status[5];	/* "RJCT", "ACCP", "ACSC", "ACSP", "ACTC",
				   "ACWC", "PART", "PDNG", "RCVD" */
	char	pi_reason[5];	/* RJCT: the ISO reason code; else "" */
};

struct rb_pain002 {
	char	 p2_msg_id[36];		/* the report's own MsgId */
	char	 p2_orgnl_msg_id[36];	/* the pain.008 it answers */
	struct rb_pain002_item *p2_items;	/* owned */
	size_t	 p2_n;
};

/*
 * Parses len bytes of data into *out. Returns 0, or -1 with *out empty
 * and a one-line English message naming what is wrong (and where: the
 * line, or the index of the transaction) in err (errlen bytes).
 * Free with rb_pain002_free().
 */
int	 rb_pain002_parse(const char *data, size_t len, struct rb_pain002 *out,
	    char *err, size_t errlen);
void	 rb_pain002_free(struct rb_pain002 *r);

/* Returns 1 when status is RJCT, i.e. the item rejects its debits. */
int	 rb_pain002_is_reject(const struct rb_pain002_item *it);

#endif
