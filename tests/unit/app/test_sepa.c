/*
 * test_sepa.c: SEPA direct debit use cases (app/sepa.h) on the demo
 * dataset: mandates (input checks, RUM, sealed IBAN, one active per
 * contract, cancelling), scheduling with pre-notification, the pain.008
 * export (valid against ../shared/fixtures/iso20022/pain.008.001.02.xsd
 * with libxml2, control sums, one block per sequence type and date,
 * every debit exported once, markup and accents in names, a failure
 * rolls back, the file written again byte for byte from its batch, a
 * date's msg ids numbered past 99 and 999 and the refusal naming the
 * last one made), and pain.002 returns (accepted, rejected with the reason
 * on the bill and an email, malformed or inconsistent reports refused
 * whole, never applied twice).
 */
#define _GNU_SOURCE
#include "../store/store_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "app/sepa.h"
#include "base/clock.h"
#include "base/iban.h"
#include "demo/demo.h"
#include "mail/mail.h"
#include "sepa/text.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/sepa.h"

#include "../store/demo_fixture.h"
#include "mail_start.h"

#define NOW	((time_t)1795953600)	/* 2026-11-29 12:00 UTC */
#define URL	"https://eau.example"
#define ICS	"FR72ZZZ123456"
#define CDTR_IBAN "FR1420041010050500013M02606"

static unsigned char key[RB_IBAN_KEYBYTES];

static int
setup(void **state)
{
	struct fixture *f;
	char dir[300];

	if (demo_fixture_setup(state, "sepa.db") != 0)
		return -1;
	f = *state;
	snprintf(dir, sizeof(dir), "%s/mail", f->dir);
	if (test_mail_start(dir, URL) != 0)
		return -1;
	return rb_iban_key_from_hex(RB_DEMO_IBAN_KEY_HEX, key);
}

static int
teardown(void **state)
{
	rb_mail_shutdown();
	return demo_fixture_teardown(state);
}

/* Today + days (Paris, at NOW) as ISO into out (11 bytes). */
static void
day_after(int days, char *out)
{
	struct rb_date d, e;

	rb_clock_today(NOW, &d);
	rb_clock_date_add(&d, days, &e);
	assert_int_equal(rb_clock_format_date(&e, out, 11), 0);
}

/* The bills of contract number made "to pay" by a test lose the payments
 * that covered them (the demo data pays the bills whose debit was
 * taken): a bill to pay has no payment covering it. */
static void
unpay(rb_db *db, const char *number)
{
	exec_sql(db, "DELETE FROM payments WHERE invoice_id IN (SELECT i.id"
	    " FROM invoices i JOIN contracts c ON c.id = i.contract_id"
	    " WHERE c.number = $1 AND i.status = 'to_pay')", number);
}

/*
 * Makes the last `n` current bills of contract `number` due on date `due`
 * (status to_pay, never debited), so that scheduling picks them.
 */
static void
make_due(rb_db *db, const char *number, int n, const char *due)
{
	rb_stmt *st = rb_db_prepare(db, "UPDATE invoices SET status ="
	    " 'to_pay', due_on = $2 WHERE id IN (SELECT i.id FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.archived = 0 AND i.status <> 'cancelled'"
	    " ORDER BY i.issued_on DESC LIMIT $3)");

	assert_non_null(st);
	rb_stmt_bind_text(st, 1, number, -1);
	rb_stmt_bind_text(st, 2, due, -1);
	rb_stmt_bind_int(st, 3, n);
	assert_int_equal(rb_stmt_step(st), RB_DONE);
	assert_int_equal(rb_stmt_changes(st), n);
	rb_stmt_reset(st);
	unpay(db, number);
}

static void
creditor(struct rb_sepa_creditor *cr)
{
	memset(cr, 0, sizeof(*cr));
	cr->cr_name = "Eau de la Métropole";
	cr->cr_ics = ICS;
	cr->cr_iban = CDTR_IBAN;
	cr->cr_bic = "PSSTFRPPXXX";
	cr->cr_key = key;
}

/* Exports date into DIR/name; returns the rb_rc, the path into path. */
static enum rb_rc
export_to(struct fixture *f, const char *date, const char *name,
    char *path, size_t pathlen, struct rb_sepa_export_result *res)
{
	struct rb_sepa_creditor cr;
	char err[256];
	enum rb_rc rc;
	FILE *out;

	creditor(&cr);
	snprintf(path, pathlen, "%s/%s", f->dir, name);
	out = fopen(path, "w");
	assert_non_null(out);
	rc = rb_sepa_export(f->db, &cr, date, &(struct rb_sepa_out){ out, NULL,
	    NULL }, NOW, res, err, sizeof(err));
	if (rc != RB_OK && rc != RB_NO_BILL)
		fprintf(stderr, "export: %s\n", err);
	fclose(out);
	return rc;
}

/* Parses path and validates it against the pain.008.001.02 schema. */
static xmlDocPtr
validate(const char *path)
{
	char xsd[1024];
	const char *src = getenv("ROBINET_SRCDIR");
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaValidCtxtPtr vc;
	xmlSchemaPtr schema;
	xmlDocPtr doc;

	assert_non_null(src);
	snprintf(xsd, sizeof(xsd),
	    "%s/../shared/fixtures/iso20022/pain.008.001.02.xsd", src);
	pc = xmlSchemaNewParserCtxt(xsd);
	assert_non_null(pc);
	schema = xmlSchemaParse(pc);
	assert_non_null(schema);
	vc = xmlSchemaNewValidCtxt(schema);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	assert_int_equal(xmlSchemaValidateDoc(vc, doc), 0);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return doc;
}

/* The nodes of expr (prefix p: the pain.008 namespace) under ctx node. */
static xmlXPathObjectPtr
xp(xmlDocPtr doc, xmlNodePtr node, const char *expr)
{
	xmlXPathContextPtr c = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;

	xmlXPathRegisterNs(c, BAD_CAST "p",
	    BAD_CAST "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02");
	if (node != NULL)
		c->node = node;
	o = xmlXPathEvalExpression(BAD_CAST expr, c);
	assert_non_null(o);
	xmlXPathFreeContext(c);
	return o;
}

/* The text of the first node of expr, as cents ("12.34" -> 1234). */
static int64_t
xp_cents(xmlDocPtr doc, xmlNodePtr node, const char *expr)
{
	xmlXPathObjectPtr o = xp(doc, node, expr);
	xmlChar *t;
	long long e = 0;
	unsigned c = 0;

	assert_non_null(o->nodesetval);
	assert_true(o->nodesetval->nodeNr >= 1);
	t = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	/* Amounts have two decimals; counts none. */
	assert_int_equal(sscanf((const char *)t, "%lld.%2u", &e, &c),
	    strchr((const char *)t, '.') != NULL ? 2 : 1);
	if (strchr((const char *)t, '.') != NULL)
		assert_int_equal(strlen(strchr((const char *)t, '.')), 3);
	xmlFree(t);
	xmlXPathFreeObject(o);
	return e * 100 + c;
}

static int
xp_count(xmlDocPtr doc, xmlNodePtr node, const char *expr)
{
	xmlXPathObjectPtr o = xp(doc, node, expr);
	int n = o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;

	xmlXPathFreeObject(o);
	return n;
}

static void
xp_text(xmlDocPtr doc, xmlNodePtr node, const char *expr, char *out,
    size_t outlen)
{
	xmlXPathObjectPtr o = xp(doc, node, expr);
	xmlChar *t;

	assert_non_null(o->nodesetval);
	assert_true(o->nodesetval->nodeNr >= 1);
	t = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	snprintf(out, outlen, "%s", (const char *)t);
	xmlFree(t);
	xmlXPathFreeObject(o);
}

/*
 * Checks the sums of a file: the header's count and sum are those of
 * all transactions, each block's those of its own; returns the number
 * of transactions.
 */
static int64_t
check_sums(xmlDocPtr doc)
{
	xmlXPathObjectPtr blocks = xp(doc, NULL, "//p:PmtInf");
	int64_t total = 0, n = 0, bsum, bn;
	xmlNodePtr b;
	int i, k;
	char expr[96];

	for (i = 0; i < blocks->nodesetval->nodeNr; i++) {
		b = blocks->nodesetval->nodeTab[i];
		bn = xp_count(doc, b, "p:DrctDbtTxInf");
		bsum = 0;
		for (k = 1; k <= bn; k++) {
			snprintf(expr, sizeof(expr),
			    "p:DrctDbtTxInf[%d]/p:InstdAmt", k);
			bsum += xp_cents(doc, b, expr);
		}
		assert_int_equal(xp_cents(doc, b, "p:NbOfTxs") , bn * 100);
		assert_int_equal(xp_cents(doc, b, "p:CtrlSum"), bsum);
		total += bsum;
		n += bn;
	}
	xmlXPathFreeObject(blocks);
	assert_int_equal(xp_cents(doc, NULL, "//p:GrpHdr/p:NbOfTxs"),
	    n * 100);
	assert_int_equal(xp_cents(doc, NULL, "//p:GrpHdr/p:CtrlSum"), total);
	return n;
}

/* A contract of the demo with a mandate (and the demo account). */
#define DD_CONTRACT	"1000000002"
/* A contract of the demo account without mandate. */
#define NO_DD_CONTRACT	"1000000001"

static void
mandate_input_is_checked(void **state)
{
	char iban[RB_IBAN_MAX + 1];
	const char *field, *msg;

	(void)state;
	assert_int_equal(rb_sepa_mandate_input("fr76 3000 6000 0112 3456 7890 "
	    "189", "Martine Lefèbvre", iban, &field, &msg), RB_OK);
	assert_string_equal(iban, "FR7630006000011234567890189");
	assert_int_equal(rb_sepa_mandate_input("FR76 3000 6000 0112 3456 7890 "
	    "188", "Martine", iban, &field, &msg), RB_INVALID);
	assert_string_equal(field, "iban");
	assert_non_null(strstr(msg, "IBAN"));
	assert_string_equal(iban, "");
	assert_int_equal(rb_sepa_mandate_input("<script>", "Martine", iban,
	    &field, &msg), RB_INVALID);
	assert_string_equal(field, "iban");
	assert_int_equal(rb_sepa_mandate_input(NULL, "Martine", iban,
	    &field, &msg), RB_INVALID);
	assert_int_equal(rb_sepa_mandate_input("DE89370400440532013000", "",
	    iban, &field, &msg), RB_INVALID);
	assert_string_equal(field, "titulaire");
	assert_int_equal(rb_sepa_mandate_input("DE89370400440532013000",
	    "<>&", iban, &field, &msg), RB_INVALID);
}

static void
mandate_sign_and_cancel(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_mandate m, m2;
	char iban[RB_IBAN_MAX + 1], due[11];
	int64_t contract;
	int n, nmails;

	contract = q_int(f->db, "SELECT id FROM contracts WHERE number = $1",
	    NO_DD_CONTRACT);
	assert_int_equal(rb_sepa_mandate_sign(f->db, key, contract,
	    NO_DD_CONTRACT, 0, "Jeanne D'Arc", "DE89370400440532013000",
	    "2026-11-29", &m), RB_OK);
	assert_string_equal(m.sm_rum, "RBN-" NO_DD_CONTRACT "-01");
	assert_string_equal(m.sm_iban_last4, "3000");
	assert_string_equal(m.sm_signed_on, "2026-11-29");
	assert_null(strstr(m.sm_iban_enc, "DE89"));
	assert_int_equal(rb_iban_open(key, m.sm_iban_enc, iban), 0);
	assert_string_equal(iban, "DE89370400440532013000");
	assert_int_equal(q_int(f->db, "SELECT direct_debit FROM contracts"
	    " WHERE number = $1", NO_DD_CONTRACT), 1);
	/* One active mandate per contract. */
	assert_int_equal(rb_sepa_mandate_sign(f->db, key, contract,
	    NO_DD_CONTRACT, 0, "Jeanne", "DE89370400440532013000",
	    "2026-11-29", &m2), RB_TOO_MANY);

	/* A debit scheduled under it, the first one: FRST. */
	day_after(30, due);
	make_due(f->db, NO_DD_CONTRACT, 1, due);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits d"
	    " JOIN contracts c ON c.id = d.contract_id WHERE c.number = $1"
	    " AND d.seq_type = 'FRST' AND d.status = 'scheduled'",
	    NO_DD_CONTRACT), 1);

	/* Cancelling: the mandate is revoked, the debit cancelled, the
	 * bill to pay again, direct debit off. */
	assert_int_equal(rb_sepa_mandate_cancel(f->db, contract, "2026-11-30",
	    NOW), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_mandates"
	    " WHERE rum = $1 AND status = 'revoked'"
	    " AND revoked_on = '2026-11-30'", "RBN-" NO_DD_CONTRACT "-01"), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits d"
	    " JOIN contracts c ON c.id = d.contract_id WHERE c.number = $1"
	    " AND d.status = 'cancelled'", NO_DD_CONTRACT), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.status = 'direct_debit'", NO_DD_CONTRACT), 0);
	assert_int_equal(q_int(f->db, "SELECT direct_debit FROM contracts"
	    " WHERE number = $1", NO_DD_CONTRACT), 0);
	assert_int_equal(rb_sepa_mandate_cancel(f->db, contract, "2026-11-30",
	    NOW), RB_NOT_FOUND);
	/* A new mandate gets the next RUM. */
	assert_int_equal(rb_sepa_mandate_sign(f->db, key, contract,
	    NO_DD_CONTRACT, 0, "Jeanne", "BE68539007547034", "2026-12-01",
	    &m2), RB_OK);
	assert_string_equal(m2.sm_rum, "RBN-" NO_DD_CONTRACT "-02");
}

static void
schedule_prenotifies_once(void **state)
{
	struct fixture *f = *state;
	char due[11], early[11], coll[11];
	int n, nmails;

	day_after(40, due);
	make_due(f->db, DD_CONTRACT, 2, due);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 2);
	assert_int_equal(nmails, 2);
	/* Collected on the due date; imported mandate in use: RCUR. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE collection_date = $1 AND seq_type = 'RCUR'"
	    " AND status = 'scheduled' AND notified_at IS NOT NULL", due), 2);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.status = 'direct_debit' AND i.due_on = '2099-01-01'",
	    DD_CONTRACT), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1 AND subject = 'Prochain prélèvement sur"
	    " votre contrat " DD_CONTRACT "' AND body_text LIKE '%RBN-"
	    DD_CONTRACT "-01%' AND body_text LIKE '%" ICS "%'",
	    "demo@robinet.test"), 2);
	/* Nothing new on a second run. */
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nmails, 0);

	/* A bill due in 3 days is collected 14 days from today: the
	 * pre-notification always comes 14 days ahead. */
	day_after(3, early);
	day_after(14, coll);
	exec_sql(f->db, "UPDATE invoices SET status = 'to_pay', due_on = $1"
	    " WHERE id = (SELECT i.id FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = '1000000006'"
	    " AND i.archived = 0 AND i.status = 'paid'"
	    " ORDER BY i.issued_on DESC LIMIT 1)", early);
	unpay(f->db, "1000000006");
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE collection_date = $1", coll), 1);
}

/* A bill partly paid (by card, say) is debited what is left; one whose
 * payments cover it is not debited at all. */
static void
schedule_debits_what_is_left(void **state)
{
	struct fixture *f = *state;
	char due[11];
	int n, nmails;
	int64_t total, owed;

	day_after(40, due);
	make_due(f->db, DD_CONTRACT, 2, due);
	/* The newer bill: 10,00 EUR paid; the older: paid in full. */
	exec_sql(f->db, "INSERT INTO payments (invoice_id, amount_cents,"
	    " method, status, created_at) SELECT i.id, 1000, 'card',"
	    " 'succeeded', 1764000000 FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1 AND i.archived = 0"
	    " AND i.status = 'to_pay' ORDER BY i.issued_on DESC LIMIT 1",
	    DD_CONTRACT);
	exec_sql(f->db, "INSERT INTO payments (invoice_id, amount_cents,"
	    " method, status, created_at) SELECT i.id, i.total_cents, 'card',"
	    " 'succeeded', 1764000000 FROM invoices i JOIN contracts c"
	    " ON c.id = i.contract_id WHERE c.number = $1 AND i.archived = 0"
	    " AND i.status = 'to_pay' ORDER BY i.issued_on ASC LIMIT 1",
	    DD_CONTRACT);
	total = q_int(f->db, "SELECT i.total_cents FROM invoices i"
	    " JOIN contracts c ON c.id = i.contract_id WHERE c.number = $1"
	    " AND i.archived = 0 AND i.status = 'to_pay'"
	    " ORDER BY i.issued_on DESC LIMIT 1", DD_CONTRACT);
	assert_true(total > 1000);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 1);
	owed = q_int(f->db, "SELECT d.amount_cents FROM sepa_debits d"
	    " JOIN contracts c ON c.id = d.contract_id WHERE c.number = $1"
	    " AND d.status = 'scheduled'", DD_CONTRACT);
	assert_int_equal(owed, total - 1000);
}

static void
export_is_valid_and_once(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_export_result res;
	char due[11], path[512], path2[512], txt[64];
	int64_t sum;
	xmlDocPtr doc;
	int n, nmails;

	day_after(20, due);
	make_due(f->db, DD_CONTRACT, 2, due);
	make_due(f->db, "1000000006", 1, due);
	make_due(f->db, "1000000007", 1, due);
	/* Markup and accents in a holder's name. */
	exec_sql(f->db, "UPDATE sepa_mandates SET holder ="
	    " '<b>O''Brien</b> & Zoë \"Çağrı\"' WHERE contract_id ="
	    " (SELECT id FROM contracts WHERE number = $1)", "1000000006");
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 4);
	sum = q_int(f->db, "SELECT sum(amount_cents) FROM sepa_debits"
	    " WHERE collection_date = $1", due);

	assert_int_equal(export_to(f, due, "a.xml", path, sizeof(path), &res),
	    RB_OK);
	assert_int_equal(res.ex_n_tx, 4);
	assert_int_equal(res.ex_cents, sum);
	doc = validate(path);
	assert_int_equal(check_sums(doc), 4);
	assert_int_equal(xp_cents(doc, NULL, "//p:GrpHdr/p:CtrlSum"), sum);
	xp_text(doc, NULL, "//p:GrpHdr/p:MsgId", txt, sizeof(txt));
	assert_string_equal(txt, res.ex_msg_id);
	xp_text(doc, NULL, "//p:PmtInf/p:ReqdColltnDt", txt, sizeof(txt));
	assert_string_equal(txt, due);
	xp_text(doc, NULL, "//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", txt, sizeof(txt));
	assert_string_equal(txt, ICS);
	assert_int_equal(xp_count(doc, NULL, "//p:Dbtr/p:Nm["
	    "text() = \"b O'Brien /b Zoe Cagri\"]"), 1);
	assert_int_equal(xp_count(doc, NULL, "//p:Dbtr/p:Nm/*"), 0);
	xmlFreeDoc(doc);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE collection_date = $1 AND status = 'exported'", due), 4);

	/* The second run of the same date collects nothing twice. */
	assert_int_equal(export_to(f, due, "b.xml", path2, sizeof(path2),
	    &res), RB_NO_BILL);
	assert_int_equal(res.ex_already, 4);
	assert_int_equal(res.ex_n_tx, 0);
	assert_true(strncmp(res.ex_last_msg_id, "RBN-SDD-", 8) == 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_batches"
	    " WHERE collection_date = $1", due), 1);
}

static void
export_groups_by_sequence_and_date(void **state)
{
	struct fixture *f = *state;
	static const char *const seqs[] = { "FRST", "RCUR", "RCUR", "OOFF",
	    "FNAL", "FNAL", "FNAL" };
	struct rb_sepa_export_result res;
	char due[11], other[11], path[512], e2e[24], expr[128], txt[32];
	int64_t contract, mandate, invoice, id;
	xmlDocPtr doc;
	size_t i;
	int n;

	day_after(25, due);
	day_after(26, other);
	contract = q_int(f->db, "SELECT id FROM contracts WHERE number = $1",
	    DD_CONTRACT);
	mandate = q_int(f->db, "SELECT m.id FROM sepa_mandates m JOIN"
	    " contracts c ON c.id = m.contract_id WHERE c.number = $1",
	    DD_CONTRACT);
	invoice = q_int(f->db, "SELECT min(i.id) FROM invoices i JOIN"
	    " contracts c ON c.id = i.contract_id WHERE c.number = $1",
	    DD_CONTRACT);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		snprintf(e2e, sizeof(e2e), "RBNTESTGROUP%02zu", i);
		/* Plan instalments: no bill needed, one per number. */
		exec_sql(f->db, "INSERT INTO sepa_plans (contract_id,"
		    " mandate_id, plan_year, day_of_month, basis_cents,"
		    " instalment_cents, status, created_on, first_on, last_on,"
		    " created_at) SELECT contract_id, id, 2027, 5, 1000, 100,"
		    " 'stopped', '2026-01-01', '2026-01-05', '2026-10-05', 0"
		    " FROM sepa_mandates WHERE rum = $1",
		    "RBN-" DD_CONTRACT "-01");
		assert_int_equal(rb_sepa_store_debit_add(f->db, contract,
		    mandate, 0, q_int(f->db, "SELECT max(id) FROM sepa_plans",
		    NULL), 1, 1000 + (int64_t)i, due, seqs[i], e2e, NOW, &id),
		    0);
	}
	/* Another date stays out of this file. */
	assert_int_equal(rb_sepa_store_debit_add(f->db, contract, mandate,
	    invoice, 0, 0, 999, other, "RCUR", "RBNTESTOTHERDAY", NOW, &id),
	    0);
	assert_int_equal(export_to(f, due, "g.xml", path, sizeof(path), &res),
	    RB_OK);
	assert_int_equal(res.ex_n_tx, 7);
	assert_int_equal(res.ex_ngroups, 4);
	doc = validate(path);
	assert_int_equal(check_sums(doc), 7);
	assert_int_equal(xp_count(doc, NULL, "//p:PmtInf"), 4);
	for (i = 0; i < 4; i++) {
		static const char *const want[] = { "FNAL", "FRST", "OOFF",
		    "RCUR" };
		static const int count[] = { 3, 1, 1, 2 };

		snprintf(expr, sizeof(expr), "//p:PmtInf[%zu]//p:SeqTp", i + 1);
		xp_text(doc, NULL, expr, txt, sizeof(txt));
		assert_string_equal(txt, want[i]);
		snprintf(expr, sizeof(expr), "//p:PmtInf[%zu]/p:DrctDbtTxInf",
		    i + 1);
		n = xp_count(doc, NULL, expr);
		assert_int_equal(n, count[i]);
	}
	assert_int_equal(xp_count(doc, NULL,
	    "//p:EndToEndId[text() = 'RBNTESTOTHERDAY']"), 0);
	xmlFreeDoc(doc);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE end_to_end_id = $1 AND status = 'scheduled'",
	    "RBNTESTOTHERDAY"), 1);
}

/* k batches of date exported before (msg ids 01 to k, made in that
 * order, no debit left to them). */
static void
old_batches(rb_db *db, const char *date, int k)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE s(n) AS (SELECT 1"
	    " UNION ALL SELECT n + 1 FROM s WHERE n < %d)"
	    " INSERT INTO sepa_batches (msg_id, collection_date, created_at,"
	    " n_tx, ctrl_sum_cents) SELECT 'RBN-SDD-%.4s%.2s%.2s-' ||"
	    " CASE WHEN n < 10 THEN '0' ELSE '' END || CAST(n AS TEXT), $1,"
	    " 0, 1, 100 FROM s ORDER BY n", k, date, date + 5, date + 8);
	exec_sql(db, sql, date);
}

/* One monthly-plan instalment of DD_CONTRACT collected on date. */
static void
one_debit(rb_db *db, const char *date, int i)
{
	char e2e[24];
	int64_t id;

	snprintf(e2e, sizeof(e2e), "RBNTESTSEQ%s%04d", date + 8, i);
	exec_sql(db, "INSERT INTO sepa_plans (contract_id, mandate_id,"
	    " plan_year, day_of_month, basis_cents, instalment_cents, status,"
	    " created_on, first_on, last_on, created_at) SELECT contract_id,"
	    " id, 2027, 5, 1000, 100, 'stopped', '2026-01-01', '2026-01-05',"
	    " '2026-10-05', 0 FROM sepa_mandates WHERE rum = $1",
	    "RBN-" DD_CONTRACT "-01");
	assert_int_equal(rb_sepa_store_debit_add(db, q_int(db, "SELECT id FROM"
	    " contracts WHERE number = $1", DD_CONTRACT), q_int(db, "SELECT"
	    " m.id FROM sepa_mandates m JOIN contracts c ON c.id ="
	    " m.contract_id WHERE c.number = $1", DD_CONTRACT), 0,
	    q_int(db, "SELECT max(id) FROM sepa_plans", NULL), 1, 1000 + i,
	    date, "RCUR", e2e, NOW, &id), 0);
}

/*
 * A date's batches are numbered in the order they are made, past 99 and
 * past 999 (…-99, …-100; …-999, …-1000), and the refused export names
 * the last one made, not the greatest msg id as text ("…-99" >
 * "…-100"), on both engines.
 */
static void
export_numbers_batches_past_99_and_999(void **state)
{
	static const int before[] = { 97, 997 };
	struct fixture *f = *state;
	struct rb_sepa_export_result res;
	char date[11], path[512], want[40], name[32];
	size_t k;
	int j;

	for (k = 0; k < sizeof(before) / sizeof(before[0]); k++) {
		day_after(30 + (int)k, date);
		old_batches(f->db, date, before[k]);
		for (j = 1; j <= 3; j++) {
			one_debit(f->db, date, j);
			snprintf(name, sizeof(name), "seq-%zu-%d.xml", k, j);
			assert_int_equal(export_to(f, date, name, path,
			    sizeof(path), &res), RB_OK);
			snprintf(want, sizeof(want), "RBN-SDD-%.4s%.2s%.2s-%02d",
			    date, date + 5, date + 8, before[k] + j);
			assert_string_equal(res.ex_msg_id, want);
			xmlFreeDoc(validate(path));
		}
		assert_int_equal(export_to(f, date, "seq-again.xml", path,
		    sizeof(path), &res), RB_NO_BILL);
		assert_int_equal(res.ex_already, 3);
		assert_string_equal(res.ex_last_msg_id, want);
	}
}

static int
finish_fails(void *arg)
{
	(void)arg;
	return -1;
}

static void
export_refusals_roll_back(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_export_result res;
	struct rb_sepa_creditor cr;
	struct rb_sepa_out out;
	char due[11], err[256];
	int n, nmails;

	day_after(21, due);
	make_due(f->db, DD_CONTRACT, 1, due);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 1);
	out.so_f = tmpfile();
	assert_non_null(out.so_f);
	out.so_finish = NULL;
	out.so_arg = NULL;
	/* Incomplete settings. */
	creditor(&cr);
	cr.cr_ics = "";
	assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW,
	    &res, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "sepa_creditor_id"));
	creditor(&cr);
	cr.cr_iban = "FR1420041010050500013M02607";
	assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW,
	    &res, err, sizeof(err)), RB_INVALID);
	creditor(&cr);
	cr.cr_key = NULL;
	assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW,
	    &res, err, sizeof(err)), RB_INVALID);
	assert_int_equal(rb_sepa_export(f->db, &cr, "2026-02-30", &out, NOW,
	    &res, err, sizeof(err)), RB_INVALID);
	/* A wrong key: the IBAN cannot be opened. */
	{
		unsigned char other[RB_IBAN_KEYBYTES];

		memset(other, 3, sizeof(other));
		creditor(&cr);
		cr.cr_key = other;
		assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW,
		    &res, err, sizeof(err)), RB_ERROR);
		assert_non_null(strstr(err, "data_key"));
	}
	/* Refused or failed: nothing is marked. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE collection_date = $1 AND status = 'scheduled'", due), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_batches"
	    " WHERE collection_date = $1", due), 0);
	/* The file cannot be put in place after the commit: the batch is
	 * the record, it stays committed, and err names it. */
	creditor(&cr);
	out.so_finish = finish_fails;
	assert_int_equal(rb_sepa_export(f->db, &cr, due, &out, NOW, &res, err,
	    sizeof(err)), RB_ERROR);
	fclose(out.so_f);
	assert_int_equal(res.ex_committed, 1);
	assert_non_null(strstr(err, res.ex_msg_id));
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE collection_date = $1 AND status = 'exported'", due), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_batches"
	    " WHERE msg_id = $1", res.ex_msg_id), 1);
}

/* The whole content of path into a new string, its length into *len. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Every row an export or --again could touch, as text, into a new
 * string (compared before and after). */
static char *
dump(rb_db *db)
{
	static const char *const q[] = {
		"SELECT CAST(id AS TEXT) || '|' || msg_id || '|' ||"
		" collection_date || '|' || CAST(created_at AS TEXT) || '|' ||"
		" CAST(n_tx AS TEXT) || '|' || CAST(ctrl_sum_cents AS TEXT) ||"
		" '|' || COALESCE(cdtr_name, '-') || '|' ||"
		" COALESCE(cdtr_iban, '-') || '|' || COALESCE(cdtr_bic, '-') ||"
		" '|' || COALESCE(cdtr_ics, '-') FROM sepa_batches ORDER BY id",
		"SELECT CAST(id AS TEXT) || '|' || status || '|' ||"
		" COALESCE(CAST(export_batch AS TEXT), '-') || '|' ||"
		" CAST(updated_at AS TEXT) || '|' || COALESCE(reject_code, '-')"
		" || '|' || collection_date || '|' || end_to_end_id"
		" FROM sepa_debits ORDER BY id",
		"SELECT CAST(id AS TEXT) || '|' || status FROM invoices"
		" ORDER BY id",
		"SELECT CAST(id AS TEXT) || '|' || status FROM sepa_mandates"
		" ORDER BY id",
		"SELECT CAST(count(*) AS TEXT) FROM mail_outbox",
		"SELECT CAST(count(*) AS TEXT) FROM sepa_returns",
	};
	rb_buf b;
	rb_stmt *st;
	size_t i;

	rb_buf_init(&b);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		st = rb_db_prepare(db, q[i]);
		assert_non_null(st);
		while (rb_stmt_step(st) == RB_ROW) {
			rb_buf_puts(&b, rb_stmt_text(st, 0));
			rb_buf_puts(&b, "\n");
		}
		rb_stmt_reset(st);
		rb_buf_puts(&b, "--\n");
	}
	return rb_buf_steal(&b, NULL);
}

/*
 * `sepa export --again`: the file of a committed batch written again from
 * the database alone, byte for byte the first one, changing no row, also
 * after its debits were rejected and the mandate revoked (the file lists
 * what was sent); an unknown message id, a missing key, a batch exported
 * before schema version 23 are refused with a clear message.
 */
static void
export_again_is_the_same_file(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_export_result res, res2;
	char due[11], path[512], path2[512], err[256], *a, *b, *d1, *d2;
	size_t alen, blen;
	unsigned char other[RB_IBAN_KEYBYTES];
	FILE *out;
	int n, nmails;

	day_after(22, due);
	make_due(f->db, DD_CONTRACT, 2, due);
	make_due(f->db, "1000000006", 1, due);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(export_to(f, due, "first.xml", path, sizeof(path),
	    &res), RB_OK);
	assert_true(res.ex_n_tx >= 2);
	a = slurp(path, &alen);
	d1 = dump(f->db);
	snprintf(path2, sizeof(path2), "%s/again.xml", f->dir);
	out = fopen(path2, "w");
	assert_non_null(out);
	fputs("<stale/>", out);		/* written from its start */
	assert_int_equal(rb_sepa_export_again(f->db, key, res.ex_msg_id, out,
	    &res2, err, sizeof(err)), RB_OK);
	fclose(out);
	b = slurp(path2, &blen);
	assert_int_equal(blen, alen);
	assert_memory_equal(a, b, alen);
	free(b);
	assert_string_equal(res2.ex_msg_id, res.ex_msg_id);
	assert_int_equal(res2.ex_n_tx, res.ex_n_tx);
	assert_int_equal(res2.ex_cents, res.ex_cents);
	d2 = dump(f->db);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	/* What happened to its debits since does not change the file. */
	exec_sql(f->db, "UPDATE sepa_debits SET status = 'rejected',"
	    " reject_code = 'AC04' WHERE id = (SELECT min(d.id) FROM"
	    " sepa_debits d JOIN sepa_batches b ON b.id = d.export_batch"
	    " WHERE b.msg_id = $1)", res.ex_msg_id);
	exec_sql(f->db, "UPDATE sepa_mandates SET status = 'revoked',"
	    " revoked_on = '2026-12-01' WHERE id IN (SELECT d.mandate_id FROM"
	    " sepa_debits d JOIN sepa_batches b ON b.id = d.export_batch"
	    " WHERE b.msg_id = $1)", res.ex_msg_id);
	out = fopen(path2, "w");
	assert_non_null(out);
	assert_int_equal(rb_sepa_export_again(f->db, key, res.ex_msg_id, out,
	    &res2, err, sizeof(err)), RB_OK);
	fclose(out);
	b = slurp(path2, &blen);
	assert_int_equal(blen, alen);
	assert_memory_equal(a, b, alen);
	free(b);
	/* Refusals. */
	out = fopen(path2, "w");
	assert_non_null(out);
	assert_int_equal(rb_sepa_export_again(f->db, key, "RBN-SDD-20991231-01",
	    out, &res2, err, sizeof(err)), RB_NOT_FOUND);
	assert_non_null(strstr(err, "RBN-SDD-20991231-01"));
	assert_int_equal(rb_sepa_export_again(f->db, key, "x' OR '1'='1",
	    out, &res2, err, sizeof(err)), RB_NOT_FOUND);
	assert_int_equal(rb_sepa_export_again(f->db, NULL, res.ex_msg_id,
	    out, &res2, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "data_key"));
	memset(other, 3, sizeof(other));
	assert_int_equal(rb_sepa_export_again(f->db, other, res.ex_msg_id,
	    out, &res2, err, sizeof(err)), RB_ERROR);
	assert_non_null(strstr(err, "data_key"));
	exec_sql(f->db, "UPDATE sepa_batches SET cdtr_name = NULL,"
	    " cdtr_iban = NULL, cdtr_bic = NULL, cdtr_ics = NULL"
	    " WHERE msg_id = $1", res.ex_msg_id);
	assert_int_equal(rb_sepa_export_again(f->db, key, res.ex_msg_id,
	    out, &res2, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "schema version 23"));
	fclose(out);
	free(a);
}

static void
sepa_text_is_clean(void **state)
{
	char out[80];

	(void)state;
	assert_int_equal(rb_sepa_text("  Éloïse   Lefèvre-Dupré  ", 70, out,
	    sizeof(out)), strlen("Eloise Lefevre-Dupre"));
	assert_string_equal(out, "Eloise Lefevre-Dupre");
	rb_sepa_text("<script>alert(\"x\")</script> & Cœur", 70, out,
	    sizeof(out));
	assert_string_equal(out, "script alert( x ) /script Coeur");
	assert_int_equal(rb_sepa_text_is_clean(out), 1);
	rb_sepa_text("Straße ø 李", 70, out, sizeof(out));
	assert_string_equal(out, "Strasse o");
	rb_sepa_text("abcdef", 3, out, sizeof(out));
	assert_string_equal(out, "abc");
	rb_sepa_text(NULL, 3, out, sizeof(out));
	assert_string_equal(out, "");
	/* Invalid UTF-8 becomes spaces, never bytes in the file. */
	rb_sepa_text("a\xff\xfe" "b\xc3", 70, out, sizeof(out));
	assert_string_equal(out, "a b");
	rb_sepa_amount(123456, out, sizeof(out));
	assert_string_equal(out, "1234.56");
	rb_sepa_amount(5, out, sizeof(out));
	assert_string_equal(out, "0.05");
}

#define P002_HEAD(msg, orgnl) \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03\">" \
	"<CstmrPmtStsRpt><GrpHdr><MsgId>" msg "</MsgId>" \
	"<CreDtTm>2026-12-01T08:00:00</CreDtTm></GrpHdr>" \
	"<OrgnlGrpInfAndSts><OrgnlMsgId>" orgnl "</OrgnlMsgId>" \
	"<OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
#define P002_TAIL "</CstmrPmtStsRpt></Document>\n"

/* Appends a TxInfAndSts of e2e with status sts (and reason, or NULL). */
static void
tx_status(char *buf, size_t len, const char *e2e, const char *sts,
    const char *reason)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "<TxInfAndSts><StsId>S-%s</StsId>"
	    "<OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>%s</TxSts>%s%s%s"
	    "</TxInfAndSts>", e2e, e2e, sts,
	    reason != NULL ? "<StsRsnInf><Rsn><Cd>" : "",
	    reason != NULL ? reason : "",
	    reason != NULL ? "</Cd></Rsn></StsRsnInf>" : "");
}

/* Exports two scheduled debits on a new date; their e2e ids and msg. */
static void
two_exported(struct fixture *f, int days, char e2e[2][36], char *msg)
{
	struct rb_sepa_export_result res;
	char due[11], path[512];
	int n, nmails;
	rb_stmt *st;

	day_after(days, due);
	make_due(f->db, DD_CONTRACT, 1, due);
	make_due(f->db, "1000000007", 1, due);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 2);
	assert_int_equal(export_to(f, due, "r.xml", path, sizeof(path), &res),
	    RB_OK);
	strcpy(msg, res.ex_msg_id);
	st = rb_db_prepare(f->db, "SELECT end_to_end_id FROM sepa_debits d"
	    " JOIN contracts c ON c.id = d.contract_id"
	    " WHERE d.collection_date = $1 ORDER BY c.number");
	rb_stmt_bind_text(st, 1, due, -1);
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	snprintf(e2e[0], 36, "%s", rb_stmt_text(st, 0));
	assert_int_equal(rb_stmt_step(st), RB_ROW);
	snprintf(e2e[1], 36, "%s", rb_stmt_text(st, 0));
	rb_stmt_reset(st);
}

static enum rb_rc
apply(struct fixture *f, const char *doc, struct rb_sepa_returns_result *r,
    char *err, size_t errlen)
{
	return rb_sepa_returns(f->db, doc, strlen(doc), URL, NOW, r, err,
	    errlen);
}

static void
returns_reject_and_accept(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_returns_result r;
	char e2e[2][36], msg[36], doc[4096], err[256], txt[128];

	two_exported(f, 22, e2e, msg);
	snprintf(doc, sizeof(doc), P002_HEAD("BANK-RPT-1", "%s")
	    "<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>"
	    "<OrgnlPmtInfId>%s-RCUR</OrgnlPmtInfId>", msg, msg);
	tx_status(doc, sizeof(doc), e2e[0], "RJCT", "AM04");
	tx_status(doc, sizeof(doc), e2e[1], "ACSC", NULL);
	strcat(doc, "</OrgnlPmtInfAndSts>" P002_TAIL);
	assert_int_equal(apply(f, doc, &r, err, sizeof(err)), RB_OK);
	assert_int_equal(r.rr_rejected, 1);
	assert_int_equal(r.rr_accepted, 1);
	assert_int_equal(r.rr_mails, 1);
	assert_string_equal(r.rr_orgnl_msg_id, msg);
	/* The rejected debit, its bill to pay with the reason in French. */
	q_text(f->db, "SELECT d.status || ' ' || d.reject_code || ' ' ||"
	    " i.status || ' ' || i.debit_reject_reason FROM sepa_debits d"
	    " JOIN invoices i ON i.id = d.invoice_id"
	    " WHERE d.end_to_end_id = $1", e2e[0], txt, sizeof(txt));
	assert_string_equal(txt, "rejected AM04 to_pay provision "
	    "insuffisante");
	q_text(f->db, "SELECT status FROM sepa_debits WHERE end_to_end_id = $1",
	    e2e[1], txt, sizeof(txt));
	assert_string_equal(txt, "collected");
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1 AND subject = 'Prélèvement refusé par votre"
	    " banque sur votre contrat " DD_CONTRACT "'"
	    " AND body_text LIKE '%provision insuffisante%'"
	    " AND body_text LIKE '%AM04%'", "demo@robinet.test"), 1);
	/* A rejected bill is not debited again by the next schedule. */
	{
		int n, nmails;

		assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW,
		    &n, &nmails), 0);
		assert_int_equal(n, 0);
	}
	/* The same report again is refused, nothing changes. */
	assert_int_equal(apply(f, doc, &r, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "already"));
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE subject LIKE 'Prélèvement refusé%'", NULL), 1);
}

static void
returns_group_rejection(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_returns_result r;
	char e2e[2][36], msg[36], doc[4096], err[256];

	two_exported(f, 23, e2e, msg);
	snprintf(doc, sizeof(doc), P002_HEAD("BANK-RPT-G", "%s")
	    "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn>"
	    "</StsRsnInf></OrgnlGrpInfAndSts>" P002_TAIL, msg);
	assert_int_equal(apply(f, doc, &r, err, sizeof(err)), RB_OK);
	assert_int_equal(r.rr_rejected, 2);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE end_to_end_id IN ($1, '" "x" "') AND status = 'rejected'"
	    " AND reject_code = 'FF01'", e2e[0]), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE end_to_end_id = $1 AND status = 'rejected'", e2e[1]), 1);
}

static void
returns_malformed_are_refused_whole(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_returns_result r;
	char e2e[2][36], msg[36], doc[4096], err[256], head[1024];
	size_t i;
	static const struct {
		const char	*m_body;	/* after the head; %s: e2e[0] */
		const char	*m_err;
	} bodies[] = {
		/* Status unknown, reason missing or odd. */
		{ "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X"
		  "</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s"
		  "</OrgnlEndToEndId><TxSts>NOPE</TxSts></TxInfAndSts>"
		  "</OrgnlPmtInfAndSts>", "unknown TxSts 'NOPE'" },
		{ "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X"
		  "</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s"
		  "</OrgnlEndToEndId><TxSts>RJCT</TxSts></TxInfAndSts>"
		  "</OrgnlPmtInfAndSts>", "without a reason code" },
		{ "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X"
		  "</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s"
		  "</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>"
		  "a<b</Cd></Rsn></StsRsnInf></TxInfAndSts>"
		  "</OrgnlPmtInfAndSts>", "not well-formed" },
		/* The first transaction is right, the second unknown:
		 * nothing of the first is applied. */
		{ "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X"
		  "</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s"
		  "</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>"
		  "AC04</Cd></Rsn></StsRsnInf></TxInfAndSts><TxInfAndSts>"
		  "<OrgnlEndToEndId>RBNNOSUCHDEBIT</OrgnlEndToEndId><TxSts>RJCT"
		  "</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>"
		  "</TxInfAndSts></OrgnlPmtInfAndSts>",
		  "unknown end-to-end id 'RBNNOSUCHDEBIT'" },
		/* The same transaction twice. */
		{ "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X"
		  "</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s"
		  "</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>"
		  "AC04</Cd></Rsn></StsRsnInf></TxInfAndSts><TxInfAndSts>"
		  "<OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>ACSC"
		  "</TxSts></TxInfAndSts></OrgnlPmtInfAndSts>",
		  "two statuses" },
		/* No status at all. */
		{ "</OrgnlGrpInfAndSts>", "holds no status" },
		/* A payment block of another name. */
		{ "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>"
		  "OTHER-RCUR</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>"
		  "<StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>"
		  "</OrgnlPmtInfAndSts>", "unknown payment block" },
	};

	two_exported(f, 24, e2e, msg);
	snprintf(head, sizeof(head), P002_HEAD("BANK-RPT-BAD", "%s"), msg);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(doc, sizeof(doc), "%s", head);
		snprintf(doc + strlen(doc), sizeof(doc) - strlen(doc),
		    bodies[i].m_body, e2e[0], e2e[0]);
		strcat(doc, P002_TAIL);
		assert_int_equal(apply(f, doc, &r, err, sizeof(err)),
		    RB_INVALID);
		if (strstr(err, bodies[i].m_err) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bodies[i].m_err);
	}
	/* Not XML, another namespace, another message, a DTD. */
	assert_int_equal(apply(f, "this is not XML", &r, err, sizeof(err)),
	    RB_INVALID);
	assert_non_null(strstr(err, "not well-formed XML"));
	assert_int_equal(apply(f, "", &r, err, sizeof(err)), RB_INVALID);
	assert_int_equal(apply(f, "<Document xmlns=\"urn:iso:std:iso:20022:"
	    "tech:xsd:pain.002.001.10\"><CstmrPmtStsRpt/></Document>", &r, err,
	    sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "pain.002.001.03"));
	assert_int_equal(apply(f, "<Document><CstmrPmtStsRpt/></Document>",
	    &r, err, sizeof(err)), RB_INVALID);
	snprintf(doc, sizeof(doc), "<?xml version=\"1.0\"?><!DOCTYPE Document "
	    "[<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
	    "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
	    "\"><CstmrPmtStsRpt><GrpHdr><MsgId>&b;</MsgId></GrpHdr>"
	    "</CstmrPmtStsRpt></Document>");
	assert_int_equal(apply(f, doc, &r, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "DOCTYPE"));
	/* A report of a file never exported. */
	snprintf(doc, sizeof(doc), P002_HEAD("BANK-RPT-X", "RBN-SDD-NEVER")
	    "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn>"
	    "</StsRsnInf></OrgnlGrpInfAndSts>" P002_TAIL);
	assert_int_equal(apply(f, doc, &r, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "never exported"));
	/* A pain.001 report is not ours. */
	snprintf(doc, sizeof(doc), "%s", head);
	strcpy(strstr(doc, "pain.008.001.02</OrgnlMsgNmId>"),
	    "pain.001.001.03</OrgnlMsgNmId><GrpSts>ACCP</GrpSts>"
	    "</OrgnlGrpInfAndSts>" P002_TAIL);
	assert_int_equal(apply(f, doc, &r, err, sizeof(err)), RB_INVALID);
	assert_non_null(strstr(err, "OrgnlMsgNmId"));

	/* Nothing was applied by any of them. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE status = 'rejected'", NULL), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_returns",
	    NULL), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE subject LIKE 'Prélèvement refusé%'", NULL), 0);
}

static void
monthly_plan(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_plan_preview pv;
	char earliest[11], from[11], to[11], txt[64];
	int64_t contract, basis, paid, total;
	int k, n, nmails;

	contract = q_int(f->db, "SELECT id FROM contracts WHERE number = $1",
	    DD_CONTRACT);
	/* Only on the 5th, 10th or 15th; a mandate is needed. */
	assert_int_equal(rb_sepa_plan_preview(f->db, contract, 7, 14, NOW,
	    &pv), RB_INVALID);
	assert_int_equal(rb_sepa_plan_start(f->db, q_int(f->db, "SELECT id"
	    " FROM contracts WHERE number = $1", NO_DD_CONTRACT), 10, 14, NOW,
	    &pv), RB_NOT_FOUND);
	/* The basis: the bills of the last 12 months, counted here. */
	day_after(-365, from);
	day_after(-1, to);
	{
		rb_stmt *st = rb_db_prepare(f->db, "SELECT sum(total_cents)"
		    " FROM invoices WHERE contract_id = $1 AND archived = 0"
		    " AND status <> 'cancelled' AND issued_on BETWEEN $2"
		    " AND $3");

		rb_stmt_bind_int(st, 1, contract);
		rb_stmt_bind_text(st, 2, from, -1);
		rb_stmt_bind_text(st, 3, to, -1);
		assert_int_equal(rb_stmt_step(st), RB_ROW);
		basis = rb_stmt_int(st, 0);
		rb_stmt_reset(st);
	}
	assert_true(basis > 1000);
	assert_int_equal(rb_sepa_plan_start(f->db, contract, 10, 14, NOW, &pv),
	    RB_OK);
	assert_int_equal(pv.pv_basis_cents, basis);
	assert_int_equal(9 * pv.pv_instalment_cents + pv.pv_last_cents, basis);
	day_after(14, earliest);
	assert_true(strcmp(pv.pv_dates[0], earliest) >= 0);
	for (k = 0; k < 10; k++) {
		assert_string_equal(pv.pv_dates[k] + 8, "10");
		if (k > 0) {
			int m0 = atoi(pv.pv_dates[k - 1] + 5);
			int m1 = atoi(pv.pv_dates[k] + 5);

			assert_int_equal(m1, m0 == 12 ? 1 : m0 + 1);
		}
	}
	/* The first possible 10th: a month earlier would be too soon. */
	{
		struct rb_date d;

		rb_clock_parse_date(pv.pv_dates[0], &d);
		d.d_month = d.d_month == 1 ? 12 : d.d_month - 1;
		d.d_year -= d.d_month == 12 ? 1 : 0;
		rb_clock_format_date(&d, txt, sizeof(txt));
		assert_true(strcmp(txt, earliest) < 0);
	}
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE plan_id IS NOT NULL AND status = 'scheduled'", NULL), 10);
	assert_int_equal(q_int(f->db, "SELECT sum(amount_cents) FROM"
	    " sepa_debits WHERE plan_id IS NOT NULL", NULL), basis);
	assert_int_equal(rb_sepa_plan_start(f->db, contract, 5, 14, NOW, &pv),
	    RB_TOO_MANY);
	/* Its schedule went out by email: the pre-notification. */
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM mail_outbox"
	    " WHERE to_addr = $1 AND subject = 'Votre mensualisation :"
	    " calendrier des prélèvements du contrat " DD_CONTRACT "'"
	    " AND body_text LIKE '%RBN-" DD_CONTRACT "-01%'"
	    " AND (length(body_text) - length(replace(body_text, '- le ',"
	    " ''))) / 5 = 10", "demo@robinet.test"), 1);

	/* A bill issued while the plan runs is not debited on its own. */
	exec_sql(f->db, "UPDATE invoices SET status = 'to_pay', issued_on ="
	    " $1, due_on = $1 WHERE id = (SELECT max(id) FROM invoices"
	    " WHERE contract_id = (SELECT id FROM contracts WHERE number ="
	    " '" DD_CONTRACT "'))", pv.pv_dates[3]);
	unpay(f->db, DD_CONTRACT);
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 0);
	/* The year-end bill, after the last instalment, settles the
	 * difference. */
	exec_sql(f->db, "UPDATE invoices SET issued_on = '2099-12-20',"
	    " due_on = '2099-12-31' WHERE id = (SELECT max(id) FROM invoices"
	    " WHERE contract_id = (SELECT id FROM contracts WHERE number = $1))",
	    DD_CONTRACT);
	total = q_int(f->db, "SELECT total_cents FROM invoices WHERE id ="
	    " (SELECT max(id) FROM invoices WHERE contract_id = (SELECT id"
	    " FROM contracts WHERE number = $1))", DD_CONTRACT);
	exec_sql(f->db, "UPDATE invoices SET amount_excl_tax_cents ="
	    " amount_excl_tax_cents + 5000000, total_cents = total_cents +"
	    " 5000000 WHERE issued_on = $1", "2099-12-20");
	total += 5000000;
	paid = basis;
	assert_int_equal(rb_sepa_schedule(f->db, ICS, URL, 14, NOW, &n,
	    &nmails), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q_int(f->db, "SELECT amount_cents FROM sepa_debits"
	    " d JOIN invoices i ON i.id = d.invoice_id WHERE i.issued_on = $1",
	    "2099-12-20"), total - paid);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans"
	    " WHERE status = 'settled' AND settled_invoice_id IS NOT NULL",
	    NULL), 1);
}

static void
monthly_plan_stops(void **state)
{
	struct fixture *f = *state;
	struct rb_sepa_plan_preview pv;
	int64_t contract;

	contract = q_int(f->db, "SELECT id FROM contracts WHERE number = $1",
	    DD_CONTRACT);
	assert_int_equal(rb_sepa_plan_stop(f->db, contract, NOW),
	    RB_NOT_FOUND);
	assert_int_equal(rb_sepa_plan_start(f->db, contract, 15, 14, NOW,
	    &pv), RB_OK);
	/* One instalment already with the bank stays; the others go. */
	exec_sql(f->db, "UPDATE sepa_debits SET status = 'exported'"
	    " WHERE instalment = 1 AND plan_id = (SELECT id FROM sepa_plans"
	    " WHERE status = $1)", "active");
	assert_int_equal(rb_sepa_plan_stop(f->db, contract, NOW), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE plan_id IS NOT NULL AND status = 'cancelled'", NULL), 9);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE plan_id IS NOT NULL AND status = 'exported'", NULL), 1);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans"
	    " WHERE status = $1", "stopped"), 1);
	/* A new plan may start again. */
	assert_int_equal(rb_sepa_plan_start(f->db, contract, 5, 14, NOW, &pv),
	    RB_OK);
	/* Revoking the mandate stops it too. */
	assert_int_equal(rb_sepa_mandate_cancel(f->db, contract, "2026-11-29",
	    NOW), RB_OK);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_plans"
	    " WHERE status = $1", "active"), 0);
	assert_int_equal(q_int(f->db, "SELECT count(*) FROM sepa_debits"
	    " WHERE status = $1", "scheduled"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sepa_text_is_clean),
		cmocka_unit_test(mandate_input_is_checked),
		cmocka_unit_test_setup_teardown(mandate_sign_and_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(schedule_prenotifies_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(schedule_debits_what_is_left,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(export_is_valid_and_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    export_groups_by_sequence_and_date, setup, teardown),
		cmocka_unit_test_setup_teardown(export_again_is_the_same_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    export_numbers_batches_past_99_and_999, setup, teardown),
		cmocka_unit_test_setup_teardown(export_refusals_roll_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(returns_reject_and_accept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(returns_group_rejection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    returns_malformed_are_refused_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(monthly_plan_stops, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
