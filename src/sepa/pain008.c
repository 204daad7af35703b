/*
 * pain008.c: the pain.008.001.02 writer (see pain008.h). Element order
 * follows the schema (../shared/fixtures/iso20022/pain.008.001.02.xsd);
 * the tests validate what it writes against that file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sepa/pain008.h"
#include "sepa/text.h"

#define NAME_MAX_SEPA	70	/* Max70Text names */
#define USTRD_MAX	140	/* Max140Text remittance */

static int
write_failed(char *err, size_t errlen)
{
	snprintf(err, errlen, "write failed: %s", strerror(errno));
	return -1;
}

/* An identifier: 1..35 characters of the SEPA set. */
static int
check_id(const char *what, const char *v, char *err, size_t errlen)
{
	if (v == NULL || strlen(v) > RB_SEPA_ID_MAX ||
	    !rb_sepa_text_is_clean(v) || v[0] == ' ') {
		snprintf(err, errlen, "%s: expected 1 to 35 characters of the "
		    "SEPA set", what);
		return -1;
	}
	return 0;
}

static int
check_date(const char *what, const char *v, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; v != NULL && i < 10; i++)
		if ((i == 4 || i == 7) ? v[i] != '-' :
		    !(v[i] >= '0' && v[i] <= '9'))
			break;
	if (v == NULL || i != 10 || v[10] != '\0') {
		snprintf(err, errlen, "%s: expected YYYY-MM-DD", what);
		return -1;
	}
	return 0;
}

static int
check_iban(const char *what, const char *v, char *err, size_t errlen)
{
	size_t i, len = v != NULL ? strlen(v) : 0;

	for (i = 0; i < len; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9')))
			break;
	if (len < 15 || len > 34 || i != len) {
		snprintf(err, errlen, "%s: expected an IBAN in electronic "
		    "form", what);
		return -1;
	}
	return 0;
}

static int
check_bic(const char *what, const char *v, char *err, size_t errlen)
{
	size_t i, len;

	if (v == NULL || v[0] == '\0')
		return 0;
	len = strlen(v);
	for (i = 0; i < len; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') ||
		    (i >= 6 && v[i] >= '0' && v[i] <= '9')))
			break;
	if ((len != 8 && len != 11) || i != len) {
		snprintf(err, errlen, "%s: expected a BIC of 8 or 11 "
		    "characters", what);
		return -1;
	}
	return 0;
}

/* Writes <tag>text</tag> with text brought to the SEPA set. */
static int
put_name(FILE *f, const char *open, const char *s, size_t max,
    const char *close)
{
	char buf[4 * USTRD_MAX + 1];

	if (rb_sepa_text(s, max, buf, sizeof(buf)) == 0)
		memcpy(buf, "NOTPROVIDED", sizeof("NOTPROVIDED"));
	if (fputs(open, f) == EOF || rb_sepa_xml_puts(f, buf) == EOF ||
	    fputs(close, f) == EOF)
		return -1;
	return 0;
}

int
rb_pain008_begin(FILE *f, const struct rb_pain008_hdr *h, char *err,
    size_t errlen)
{
	char sum[32];

	if (check_id("MsgId", h->ph_msg_id, err, errlen) != 0 ||
	    check_id("creditor identifier", h->ph_cdtr_ics, err, errlen) != 0 ||
	    check_iban("creditor IBAN", h->ph_cdtr_iban, err, errlen) != 0 ||
	    check_bic("creditor BIC", h->ph_cdtr_bic, err, errlen) != 0)
		return -1;
	if (h->ph_n_tx < 1 || h->ph_ctrl_cents < 1) {
		snprintf(err, errlen, "a file holds at least one debit");
		return -1;
	}
	if (h->ph_created == NULL || strlen(h->ph_created) != 19) {
		snprintf(err, errlen, "CreDtTm: expected YYYY-MM-DDTHH:MM:SS");
		return -1;
	}
	rb_sepa_amount(h->ph_ctrl_cents, sum, sizeof(sum));
	if (fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Document xmlns=\"" RB_PAIN008_NS "\">\n"
	    "<CstmrDrctDbtInitn>\n<GrpHdr>\n<MsgId>%s</MsgId>\n"
	    "<CreDtTm>%s</CreDtTm>\n<NbOfTxs>%lld</NbOfTxs>\n"
	    "<CtrlSum>%s</CtrlSum>\n", h->ph_msg_id, h->ph_created,
	    (long long)h->ph_n_tx, sum) < 0 ||
	    put_name(f, "<InitgPty><Nm>", h->ph_cdtr_name, NAME_MAX_SEPA,
	    "</Nm></InitgPty>\n</GrpHdr>\n") != 0)
		return write_failed(err, errlen);
	return 0;
}

int
rb_pain008_pmt_begin(FILE *f, const struct rb_pain008_hdr *h,
    const struct rb_pain008_pmt *p, char *err, size_t errlen)
{
	static const char *const seq[] = { "FRST", "RCUR", "OOFF", "FNAL" };
	char sum[32];
	size_t i;

	if (check_id("PmtInfId", p->pp_id, err, errlen) != 0 ||
	    check_date("collection date", p->pp_collection, err, errlen) != 0)
		return -1;
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		if (p->pp_seq_type != NULL && strcmp(p->pp_seq_type, seq[i]) == 0)
			break;
	if (i == sizeof(seq) / sizeof(seq[0])) {
		snprintf(err, errlen, "SeqTp: expected FRST, RCUR, OOFF or "
		    "FNAL");
		return -1;
	}
	if (p->pp_n_tx < 1 || p->pp_ctrl_cents < 1) {
		snprintf(err, errlen, "a payment block holds at least one "
		    "debit");
		return -1;
	}
	rb_sepa_amount(p->pp_ctrl_cents, sum, sizeof(sum));
	if (fprintf(f, "<PmtInf>\n<PmtInfId>%s</PmtInfId>\n"
	    "<PmtMtd>DD</PmtMtd>\n<NbOfTxs>%lld</NbOfTxs>\n"
	    "<CtrlSum>%s</CtrlSum>\n<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl>"
	    "<LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>%s</SeqTp>"
	    "</PmtTpInf>\n<ReqdColltnDt>%s</ReqdColltnDt>\n", p->pp_id,
	    (long long)p->pp_n_tx, sum, p->pp_seq_type, p->pp_collection) < 0 ||
	    put_name(f, "<Cdtr><Nm>", h->ph_cdtr_name, NAME_MAX_SEPA,
	    "</Nm></Cdtr>\n") != 0 ||
	    fprintf(f, "<CdtrAcct><Id><IBAN>%s</IBAN></Id></CdtrAcct>\n",
	    h->ph_cdtr_iban) < 0)
		return write_failed(err, errlen);
	if (h->ph_cdtr_bic != NULL && h->ph_cdtr_bic[0] != '\0') {
		if (fprintf(f, "<CdtrAgt><FinInstnId><BIC>%s</BIC>"
		    "</FinInstnId></CdtrAgt>\n", h->ph_cdtr_bic) < 0)
			return write_failed(err, errlen);
	} else if (fputs("<CdtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id>"
	    "</Othr></FinInstnId></CdtrAgt>\n", f) == EOF)
		return write_failed(err, errlen);
	if (fprintf(f, "<ChrgBr>SLEV</ChrgBr>\n<CdtrSchmeId><Id><PrvtId><Othr>"
	    "<Id>%s</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId>"
	    "</Id></CdtrSchmeId>\n", h->ph_cdtr_ics) < 0)
		return write_failed(err, errlen);
	return 0;
}

int
rb_pain008_tx(FILE *f, const struct rb_pain008_tx *t, char *err,
    size_t errlen)
{
	char amount[32];

	if (check_id("EndToEndId", t->pt_e2e, err, errlen) != 0 ||
	    check_id("mandate reference", t->pt_rum, err, errlen) != 0 ||
	    check_date("mandate signature date", t->pt_signed_on, err,
	    errlen) != 0 ||
	    check_iban("debtor IBAN", t->pt_dbtr_iban, err, errlen) != 0 ||
	    check_bic("debtor BIC", t->pt_dbtr_bic, err, errlen) != 0)
		return -1;
	if (t->pt_cents < 1) {
		snprintf(err, errlen, "%s: the amount must be positive",
		    t->pt_e2e);
		return -1;
	}
	rb_sepa_amount(t->pt_cents, amount, sizeof(amount));
	if (fprintf(f, "<DrctDbtTxInf><PmtId><EndToEndId>%s</EndToEndId>"
	    "</PmtId><InstdAmt Ccy=\"EUR\">%s</InstdAmt><DrctDbtTx>"
	    "<MndtRltdInf><MndtId>%s</MndtId><DtOfSgntr>%s</DtOfSgntr>"
	    "</MndtRltdInf></DrctDbtTx>", t->pt_e2e, amount, t->pt_rum,
	    t->pt_signed_on) < 0)
		return write_failed(err, errlen);
	if (t->pt_dbtr_bic != NULL && t->pt_dbtr_bic[0] != '\0') {
		if (fprintf(f, "<DbtrAgt><FinInstnId><BIC>%s</BIC></FinInstnId>"
		    "</DbtrAgt>", t->pt_dbtr_bic) < 0)
			return write_failed(err, errlen);
	} else if (fputs("<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id>"
	    "</Othr></FinInstnId></DbtrAgt>", f) == EOF)
		return write_failed(err, errlen);
	if (put_name(f, "<Dbtr><Nm>", t->pt_dbtr_name, NAME_MAX_SEPA,
	    "</Nm></Dbtr>") != 0 ||
	    fprintf(f, "<DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct>",
	    t->pt_dbtr_iban) < 0 ||
	    put_name(f, "<RmtInf><Ustrd>", t->pt_remittance, USTRD_MAX,
	    "</Ustrd></RmtInf></DrctDbtTxInf>\n") != 0)
		return write_failed(err, errlen);
	return 0;
}

int
rb_pain008_pmt_end(FILE *f, char *err, size_t errlen)
{
	if (fputs("</PmtInf>\n", f) == EOF)
		return write_failed(err, errlen);
	return 0;
}

int
rb_pain008_end(FILE *f, char *err, size_t errlen)
{
	if (fputs("</CstmrDrctDbtInitn>\n</Document>\n", f) == EOF)
		return write_failed(err, errlen);
	return 0;
}
