/*
 * pain002.c: the pain.002.001.03 reader (see pain002.h), on libxml2's
 * tree API. The parser never loads a DTD, never expands an entity and
 * never touches the network (XML_PARSE_NONET, no XML_PARSE_NOENT /
 * DTDLOAD), and a document with a DOCTYPE is refused outright.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/mem.h"
#include "sepa/pain002.h"

static const char *const statuses[] = {
	"RJCT", "ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "PART", "PDNG", "RCVD",
};

struct reader {
	struct rb_pain002 *rd_out;
	size_t		 rd_cap;
	char		*rd_err;
	size_t		 rd_errlen;
};

static int
fail(struct reader *rd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rd->rd_err, rd->rd_errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_el(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, RB_PAIN002_NS) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The first child element of n called name, or NULL. */
static xmlNode *
child(const xmlNode *n, const char *name)
{
	xmlNode *c;

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (is_el(c, name))
			return c;
	return NULL;
}

/*
 * Copies the trimmed text of element n into out (outlen bytes). Returns
 * 0, or -1 when n is NULL, empty, or its text is longer than outlen - 1.
 */
static int
text_of(const xmlNode *n, char *out, size_t outlen)
{
	xmlChar *t;
	const char *s, *e;
	size_t len;

	out[0] = '\0';
	if (n == NULL || (t = xmlNodeGetContent(n)) == NULL)
		return -1;
	s = (const char *)t;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' ||
	    e[-1] == '\r'))
		e--;
	len = (size_t)(e - s);
	if (len == 0 || len >= outlen) {
		xmlFree(t);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	xmlFree(t);
	return 0;
}

/* Reads the status (and reason of a rejection) of the element n. */
static int
read_status(struct reader *rd, const xmlNode *n, const char *sts_name,
    enum rb_pain002_level level, const char *ref, const char *where)
{
	struct rb_pain002_item *it;
	const xmlNode *rsn;
	size_t k, i;

	if (child(n, sts_name) == NULL)
		return 0;	/* no status at this level */
	if (rd->rd_out->p2_n == rd->rd_cap) {
		rd->rd_cap = rd->rd_cap == 0 ? 16 : rd->rd_cap * 2;
		rd->rd_out->p2_items = rb_xrealloc(rd->rd_out->p2_items,
		    rd->rd_cap * sizeof(*it));
	}
	it = &rd->rd_out->p2_items[rd->rd_out->p2_n];
	memset(it, 0, sizeof(*it));
	it->pi_level = level;
	snprintf(it->pi_ref, sizeof(it->pi_ref), "%s", ref);
	if (text_of(child(n, sts_name), it->pi_status,
	    sizeof(it->pi_status)) != 0)
		return fail(rd, "%s: %s is not a four-letter status", where,
		    sts_name);
	for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
		if (strcmp(it->pi_status, statuses[k]) == 0)
			break;
	if (k == sizeof(statuses) / sizeof(statuses[0]))
		return fail(rd, "%s: unknown %s '%s'", where, sts_name,
		    it->pi_status);
	if (rb_pain002_is_reject(it)) {
		rsn = child(child(child(n, "StsRsnInf"), "Rsn"), "Cd");
		if (text_of(rsn, it->pi_reason, sizeof(it->pi_reason)) != 0 ||
		    strlen(it->pi_reason) != 4)
			return fail(rd, "%s: rejection without a reason code "
			    "(StsRsnInf/Rsn/Cd of four characters)", where);
		for (i = 0; i < 4; i++)
			if (!((it->pi_reason[i] >= 'A' &&
			    it->pi_reason[i] <= 'Z') ||
			    (it->pi_reason[i] >= '0' &&
			    it->pi_reason[i] <= '9')))
				return fail(rd, "%s: reason code '%s' is not "
				    "four capitals or digits", where,
				    it->pi_reason);
	}
	rd->rd_out->p2_n++;
	return 0;
}

static int
read_report(struct reader *rd, const xmlNode *rpt)
{
	const xmlNode *grp, *og, *pmt, *tx;
	char ref[36], where[96];
	size_t npmt = 0, ntx;

	grp = child(rpt, "GrpHdr");
	if (text_of(child(grp, "MsgId"), rd->rd_out->p2_msg_id,
	    sizeof(rd->rd_out->p2_msg_id)) != 0)
		return fail(rd, "GrpHdr/MsgId missing or longer than 35 "
		    "characters");
	og = child(rpt, "OrgnlGrpInfAndSts");
	if (text_of(child(og, "OrgnlMsgId"), rd->rd_out->p2_orgnl_msg_id,
	    sizeof(rd->rd_out->p2_orgnl_msg_id)) != 0)
		return fail(rd, "OrgnlGrpInfAndSts/OrgnlMsgId missing or "
		    "longer than 35 characters");
	if (text_of(child(og, "OrgnlMsgNmId"), ref, sizeof(ref)) != 0 ||
	    strncmp(ref, "pain.008", 8) != 0)
		return fail(rd, "OrgnlGrpInfAndSts/OrgnlMsgNmId: this report "
		    "does not answer a pain.008 direct debit file");
	if (read_status(rd, og, "GrpSts", RB_P002_GROUP,
	    rd->rd_out->p2_orgnl_msg_id, "OrgnlGrpInfAndSts") != 0)
		return -1;
	for (pmt = rpt->children; pmt != NULL; pmt = pmt->next) {
		if (!is_el(pmt, "OrgnlPmtInfAndSts"))
			continue;
		npmt++;
		if (text_of(child(pmt, "OrgnlPmtInfId"), ref,
		    sizeof(ref)) != 0)
			return fail(rd, "OrgnlPmtInfAndSts %zu: OrgnlPmtInfId "
			    "missing", npmt);
		snprintf(where, sizeof(where), "OrgnlPmtInfAndSts %zu", npmt);
		if (read_status(rd, pmt, "PmtInfSts", RB_P002_PMTINF, ref,
		    where) != 0)
			return -1;
		ntx = 0;
		for (tx = pmt->children; tx != NULL; tx = tx->next) {
			if (!is_el(tx, "TxInfAndSts"))
				continue;
			ntx++;
			snprintf(where, sizeof(where),
			    "OrgnlPmtInfAndSts %zu, TxInfAndSts %zu", npmt,
			    ntx);
			if (text_of(child(tx, "OrgnlEndToEndId"), ref,
			    sizeof(ref)) != 0)
				return fail(rd, "%s: OrgnlEndToEndId missing "
				    "or longer than 35 characters", where);
			if (child(tx, "TxSts") == NULL)
				return fail(rd, "%s: TxSts missing", where);
			if (read_status(rd, tx, "TxSts", RB_P002_TX, ref,
			    where) != 0)
				return -1;
		}
	}
	if (rd->rd_out->p2_n == 0)
		return fail(rd, "the report holds no status (GrpSts, PmtInfSts "
		    "or TxSts)");
	return 0;
}

/* libxml2 reports errors through a callback: keep the first one. */
static void
xml_error(void *arg, xmlErrorPtr e)
{
	struct reader *rd = arg;

	if (rd->rd_err[0] == '\0' && e != NULL)
		snprintf(rd->rd_err, rd->rd_errlen, "not well-formed XML "
		    "(line %d): %s", e->line, e->message != NULL ?
		    e->message : "?");
}

/*
 * libxml2 sets up its globals (mutexes, dictionaries) at its first use;
 * two threads parsing for the first time at once each make them, and one
 * set is lost (LeakSanitizer saw xmlNewMutex's block in test_run_once_sepa,
 * where two workers apply returns together). Its documentation asks for
 * xmlInitParser() once before threads use it: done here, once.
 */
static pthread_once_t	 xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
	xmlInitParser();
}

int
rb_pain002_parse(const char *data, size_t len, struct rb_pain002 *out,
    char *err, size_t errlen)
{
	struct reader rd = { out, 0, err, errlen };
	xmlParserCtxtPtr ctx = NULL;
	xmlDocPtr doc = NULL;
	xmlNode *root;
	size_t n;
	int rc = -1;

	pthread_once(&xml_once, xml_init);
	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (len == 0 || len > INT32_MAX) {
		fail(&rd, "empty or oversized file");
		goto out;
	}
	if ((ctx = xmlNewParserCtxt()) == NULL) {
		fail(&rd, "out of memory");
		goto out;
	}
	xmlSetStructuredErrorFunc(&rd, xml_error);
	doc = xmlCtxtReadMemory(ctx, data, (int)len, "pain.002", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL || !ctx->wellFormed) {
		if (err[0] == '\0')
			fail(&rd, "not well-formed XML");
		goto out;
	}
	err[0] = '\0';
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		fail(&rd, "a DOCTYPE is not allowed in a status report");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "Document") != 0 ||
	    root->ns == NULL ||
	    strcmp((const char *)root->ns->href, RB_PAIN002_NS) != 0) {
		fail(&rd, "expected a Document in namespace %s (a "
		    "pain.002.001.03 payment status report)", RB_PAIN002_NS);
		goto out;
	}
	if (!is_el(child(root, "CstmrPmtStsRpt"), "CstmrPmtStsRpt")) {
		fail(&rd, "Document/CstmrPmtStsRpt missing");
		goto out;
	}
	if (read_report(&rd, child(root, "CstmrPmtStsRpt")) != 0)
		goto out;
	/* One status per end-to-end id: a repeated one is an error. */
	for (n = 0; n < out->p2_n; n++) {
		size_t m;

		for (m = n + 1; m < out->p2_n; m++)
			if (out->p2_items[n].pi_level ==
			    out->p2_items[m].pi_level &&
			    strcmp(out->p2_items[n].pi_ref,
			    out->p2_items[m].pi_ref) == 0) {
				fail(&rd, "'%s' has two statuses in the report",
				    out->p2_items[n].pi_ref);
				goto out;
			}
	}
	rc = 0;
out:
	if (rc != 0)
		rb_pain002_free(out);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctx);
	return rc;
}

void
rb_pain002_free(struct rb_pain002 *r)
{
	free(r->p2_items);
	memset(r, 0, sizeof(*r));
}

int
rb_pain002_is_reject(const struct rb_pain002_item *it)
{
	return strcmp(it->pi_status, "RJCT") == 0;
}
