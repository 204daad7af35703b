/*
 * sepa_ref.c: the two helpers of bench/sepa.sh, with SQLite and
 * libsodium only (no Robinet code):
 *
 *   sepa_ref fill DB N DATE KEYHEX
 *	adds to a migrated Robinet database N customers, contracts,
 *	mandates (IBANs sealed the way src/base/iban.c seals them) and
 *	scheduled debits (monthly-plan instalments, 1 in 10 FRST, the
 *	rest RCUR) collected on DATE, in one transaction;
 *   sepa_ref ref DB DATE OUT KEYHEX
 *	the bare loop doing the database work robinet's export does
 *	since migration 0023, in the same order: in one BEGIN IMMEDIATE
 *	transaction, the aggregate query of the date, the count of its
 *	batches, the batch row inserted with the creditor fields, the
 *	debits marked exported in it (the same UPDATE), the batch row
 *	read back, the aggregate and row queries of the batch (by
 *	export_batch), each IBAN opened and the same pain.008 XML
 *	written with fprintf into OUT.tmp; then COMMIT, and only then
 *	the file synced and linked as OUT. No checks, no escaping, no
 *	character-set conversion. Prints the number of transactions
 *	written.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

static void
die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "sepa_ref: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "failed");
	exit(2);
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql, db);
	return st;
}

static void
step_done(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("step", db);
	sqlite3_reset(st);
}

/* A French IBAN with valid check digits, from n. */
static void
make_iban(long n, char out[40])
{
	char digits[64];
	unsigned mod = 0;
	size_t i;

	snprintf(out, 40, "FR00300060000%014ld", n % 100000000000000L);
	/* BBAN then "FR00" as digits: F=15, R=27. */
	snprintf(digits, sizeof(digits), "%s152700", out + 4);
	for (i = 0; digits[i] != '\0'; i++)
		mod = (mod * 10 + (unsigned)(digits[i] - '0')) % 97;
	out[2] = (char)('0' + (98 - mod) / 10);
	out[3] = (char)('0' + (98 - mod) % 10);
}

static void
seal(const unsigned char *key, const char *iban, char *out, size_t outlen)
{
	unsigned char box[crypto_secretbox_NONCEBYTES +
	    crypto_secretbox_MACBYTES + 34];
	size_t len = strlen(iban);

	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)iban, len, box, key);
	sodium_bin2base64(out, outlen, box, crypto_secretbox_NONCEBYTES +
	    crypto_secretbox_MACBYTES + len, sodium_base64_VARIANT_ORIGINAL);
}

static void
fill(sqlite3 *db, long n, const char *date, const unsigned char *key)
{
	sqlite3_stmt *cu, *co, *ma, *pl, *de;
	char iban[40], enc[128], num[24], rum[40], e2e[40], name[64];
	long i, base;
	sqlite3_int64 id;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		die("begin", db);
	base = 5000000000L;
	cu = prep(db, "INSERT INTO customers (last_name, first_name,"
	    " address_line1, postcode, commune) VALUES (?1, 'Jean',"
	    " '1 rue du Bench', '59000', 'Lille')");
	co = prep(db, "INSERT INTO contracts (number, origin, customer_id,"
	    " service_address, service_postcode, service_commune, start_date,"
	    " direct_debit) VALUES (?1, 'new', ?2, '1 rue du Bench', '59000',"
	    " 'Lille', '2024-01-01', 1)");
	ma = prep(db, "INSERT INTO sepa_mandates (contract_id, rum, holder,"
	    " iban_enc, iban_last4, bic, signed_on, status) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, 'PSSTFRPPLIL', '2024-01-01', 'active')");
	pl = prep(db, "INSERT INTO sepa_plans (contract_id, mandate_id,"
	    " plan_year, day_of_month, basis_cents, instalment_cents, status,"
	    " created_on, first_on, last_on, created_at) VALUES (?1, ?2, 2027,"
	    " 5, 120000, 12000, 'active', '2026-12-01', '2027-01-05',"
	    " '2027-10-05', 0)");
	de = prep(db, "INSERT INTO sepa_debits (contract_id, mandate_id,"
	    " plan_id, instalment, amount_cents, collection_date, seq_type,"
	    " status, end_to_end_id, created_at, updated_at) VALUES (?1, ?2,"
	    " ?3, 1, ?4, ?5, ?6, 'scheduled', ?7, 0, 0)");
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%ld", base + i);
		snprintf(name, sizeof(name), "BENCH-%ld", i);
		sqlite3_bind_text(cu, 1, name, -1, SQLITE_TRANSIENT);
		step_done(db, cu);
		id = sqlite3_last_insert_rowid(db);
		sqlite3_bind_text(co, 1, num, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(co, 2, id);
		step_done(db, co);
		id = sqlite3_last_insert_rowid(db);
		make_iban(i, iban);
		seal(key, iban, enc, sizeof(enc));
		snprintf(rum, sizeof(rum), "RBN-%s-01", num);
		sqlite3_bind_int64(ma, 1, id);
		sqlite3_bind_text(ma, 2, rum, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ma, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ma, 4, enc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ma, 5, iban + 23, -1, SQLITE_TRANSIENT);
		step_done(db, ma);
		sqlite3_int64 mid = sqlite3_last_insert_rowid(db);
		sqlite3_bind_int64(pl, 1, id);
		sqlite3_bind_int64(pl, 2, mid);
		step_done(db, pl);
		sqlite3_int64 pid = sqlite3_last_insert_rowid(db);
		snprintf(e2e, sizeof(e2e), "RBNBENCH%015ld", i);
		sqlite3_bind_int64(de, 1, id);
		sqlite3_bind_int64(de, 2, mid);
		sqlite3_bind_int64(de, 3, pid);
		sqlite3_bind_int64(de, 4, 1000 + i % 50000);
		sqlite3_bind_text(de, 5, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(de, 6, i % 10 == 0 ? "FRST" : "RCUR", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(de, 7, e2e, -1, SQLITE_TRANSIENT);
		step_done(db, de);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("commit", db);
}

static void
amount(FILE *f, sqlite3_int64 c)
{
	fprintf(f, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

static void
exec_or_die(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

/* The creditor of bench/sepa.sh's settings. */
#define CDTR_NAME	"Eau de la Metropole"
#define CDTR_IBAN	"FR1420041010050500013M02606"
#define CDTR_BIC	"PSSTFRPPXXX"
#define CDTR_ICS	"FR72ZZZ123456"

static long
ref(sqlite3 *db, const char *date, const char *out, const unsigned char *key)
{
	sqlite3_stmt *g, *r, *st;
	unsigned char box[256];
	char iban[40], seq[8] = "", msg[40], tmp[4096], cname[128],
	    ciban[64], cbic[16], cics[64];
	sqlite3_int64 n = 0, sum = 0, gn[4], gs[4], nbatch, batch, now;
	int ng = 0, k = -1;
	size_t blen;
	long written = 0;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	if ((f = fopen(tmp, "w")) == NULL)
		die(tmp, NULL);
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	now = (sqlite3_int64)time(NULL);
	exec_or_die(db, "BEGIN IMMEDIATE");
	g = prep(db, "SELECT d.seq_type, count(*), sum(d.amount_cents)"
	    " FROM sepa_debits d JOIN sepa_mandates m ON m.id = d.mandate_id"
	    " WHERE d.collection_date = ?1 AND d.status = 'scheduled'"
	    " AND m.status = 'active' GROUP BY d.seq_type ORDER BY d.seq_type");
	sqlite3_bind_text(g, 1, date, -1, SQLITE_STATIC);
	while (sqlite3_step(g) == SQLITE_ROW && ng < 4) {
		n += sqlite3_column_int64(g, 1);
		sum += sqlite3_column_int64(g, 2);
		ng++;
	}
	sqlite3_finalize(g);
	st = prep(db, "SELECT count(*) FROM sepa_batches"
	    " WHERE collection_date = ?1");
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		die("batch count", db);
	nbatch = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(msg, sizeof(msg), "RBN-SDD-%.4s%.2s%.2s-%02lld", date,
	    date + 5, date + 8, (long long)nbatch + 1);
	st = prep(db, "INSERT INTO sepa_batches (msg_id, collection_date,"
	    " created_at, n_tx, ctrl_sum_cents, cdtr_name, cdtr_iban,"
	    " cdtr_bic, cdtr_ics) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " RETURNING id");
	sqlite3_bind_text(st, 1, msg, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, n);
	sqlite3_bind_int64(st, 5, sum);
	sqlite3_bind_text(st, 6, CDTR_NAME, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, CDTR_IBAN, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, CDTR_BIC, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, CDTR_ICS, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		die("batch add", db);
	batch = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = prep(db, "UPDATE sepa_debits SET status = 'exported',"
	    " export_batch = ?2, updated_at = ?3 WHERE collection_date = ?1"
	    " AND status = 'scheduled' AND EXISTS (SELECT 1 FROM sepa_mandates"
	    " m WHERE m.id = sepa_debits.mandate_id AND m.status = 'active')");
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, batch);
	sqlite3_bind_int64(st, 3, now);
	step_done(db, st);
	if (sqlite3_changes(db) != n)
		die("mark exported", db);
	sqlite3_finalize(st);
	/* The file is written from the batch row and its debits. */
	st = prep(db, "SELECT id, msg_id, collection_date, created_at, n_tx,"
	    " ctrl_sum_cents, cdtr_name, cdtr_iban, cdtr_bic, cdtr_ics"
	    " FROM sepa_batches WHERE msg_id = ?1");
	sqlite3_bind_text(st, 1, msg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		die("batch get", db);
	snprintf(cname, sizeof(cname), "%s", sqlite3_column_text(st, 6));
	snprintf(ciban, sizeof(ciban), "%s", sqlite3_column_text(st, 7));
	snprintf(cbic, sizeof(cbic), "%s", sqlite3_column_text(st, 8));
	snprintf(cics, sizeof(cics), "%s", sqlite3_column_text(st, 9));
	sqlite3_finalize(st);
	g = prep(db, "SELECT seq_type, count(*), sum(amount_cents) FROM"
	    " sepa_debits WHERE export_batch = ?1 GROUP BY seq_type"
	    " ORDER BY seq_type");
	sqlite3_bind_int64(g, 1, batch);
	ng = 0;
	n = sum = 0;
	while (sqlite3_step(g) == SQLITE_ROW && ng < 4) {
		gn[ng] = sqlite3_column_int64(g, 1);
		gs[ng] = sqlite3_column_int64(g, 2);
		n += gn[ng];
		sum += gs[ng];
		ng++;
	}
	sqlite3_finalize(g);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document "
	    "xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.008.001.02\">\n"
	    "<CstmrDrctDbtInitn>\n<GrpHdr>\n<MsgId>%s</MsgId>\n"
	    "<CreDtTm>2026-01-01T00:00:00</CreDtTm>\n<NbOfTxs>%lld</NbOfTxs>\n"
	    "<CtrlSum>", msg, (long long)n);
	amount(f, sum);
	fprintf(f, "</CtrlSum>\n<InitgPty><Nm>%s</Nm></InitgPty>\n"
	    "</GrpHdr>\n", cname);
	r = prep(db, "SELECT d.seq_type, d.amount_cents, d.end_to_end_id,"
	    " m.rum, m.signed_on, m.holder, m.iban_enc, m.bic, i.number,"
	    " c.number, d.instalment"
	    " FROM sepa_debits d JOIN sepa_mandates m ON m.id = d.mandate_id"
	    " JOIN contracts c ON c.id = d.contract_id"
	    " LEFT JOIN invoices i ON i.id = d.invoice_id"
	    " WHERE d.export_batch = ?1 ORDER BY d.seq_type, d.id");
	sqlite3_bind_int64(r, 1, batch);
	while (sqlite3_step(r) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(r, 0);

		if (strcmp(s, seq) != 0) {
			if (k >= 0)
				fputs("</PmtInf>\n", f);
			k++;
			snprintf(seq, sizeof(seq), "%s", s);
			fprintf(f, "<PmtInf>\n<PmtInfId>%s-%s</PmtInfId>\n"
			    "<PmtMtd>DD</PmtMtd>\n<NbOfTxs>%lld</NbOfTxs>\n"
			    "<CtrlSum>", msg, s, (long long)gn[k]);
			amount(f, gs[k]);
			fprintf(f, "</CtrlSum>\n<PmtTpInf><SvcLvl><Cd>SEPA</Cd>"
			    "</SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm>"
			    "<SeqTp>%s</SeqTp></PmtTpInf>\n<ReqdColltnDt>%s"
			    "</ReqdColltnDt>\n<Cdtr><Nm>%s</Nm></Cdtr>\n"
			    "<CdtrAcct><Id><IBAN>%s</IBAN></Id></CdtrAcct>\n"
			    "<CdtrAgt><FinInstnId><BIC>%s</BIC></FinInstnId>"
			    "</CdtrAgt>\n<ChrgBr>SLEV</ChrgBr>\n<CdtrSchmeId><Id>"
			    "<PrvtId><Othr><Id>%s</Id><SchmeNm><Prtry>SEPA"
			    "</Prtry></SchmeNm></Othr></PrvtId></Id>"
			    "</CdtrSchmeId>\n", s, date, cname, ciban, cbic,
			    cics);
		}
		blen = 0;
		if (sodium_base642bin(box, sizeof(box),
		    (const char *)sqlite3_column_text(r, 6),
		    (size_t)sqlite3_column_bytes(r, 6), NULL, &blen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    blen < crypto_secretbox_NONCEBYTES +
		    crypto_secretbox_MACBYTES ||
		    crypto_secretbox_open_easy((unsigned char *)iban,
		    box + crypto_secretbox_NONCEBYTES,
		    blen - crypto_secretbox_NONCEBYTES, box, key) != 0)
			die("iban", NULL);
		iban[blen - crypto_secretbox_NONCEBYTES -
		    crypto_secretbox_MACBYTES] = '\0';
		fprintf(f, "<DrctDbtTxInf><PmtId><EndToEndId>%s</EndToEndId>"
		    "</PmtId><InstdAmt Ccy=\"EUR\">",
		    sqlite3_column_text(r, 2));
		amount(f, sqlite3_column_int64(r, 1));
		fprintf(f, "</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>%s"
		    "</MndtId><DtOfSgntr>%s</DtOfSgntr></MndtRltdInf>"
		    "</DrctDbtTx><DbtrAgt><FinInstnId><BIC>%s</BIC>"
		    "</FinInstnId></DbtrAgt><Dbtr><Nm>%s</Nm></Dbtr><DbtrAcct>"
		    "<Id><IBAN>%s</IBAN></Id></DbtrAcct><RmtInf><Ustrd>"
		    "Mensualisation echeance %d/10 contrat %s</Ustrd></RmtInf>"
		    "</DrctDbtTxInf>\n", sqlite3_column_text(r, 3),
		    sqlite3_column_text(r, 4), sqlite3_column_text(r, 7),
		    sqlite3_column_text(r, 5), iban,
		    sqlite3_column_int(r, 10), sqlite3_column_text(r, 9));
		written++;
	}
	sqlite3_finalize(r);
	if (k >= 0)
		fputs("</PmtInf>\n", f);
	fputs("</CstmrDrctDbtInitn>\n</Document>\n", f);
	if (fflush(f) != 0)
		die("write", NULL);
	exec_or_die(db, "COMMIT");
	if (fsync(fileno(f)) != 0 || link(tmp, out) != 0 || unlink(tmp) != 0 ||
	    fclose(f) != 0)
		die(out, NULL);
	return written;
}

int
main(int argc, char **argv)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	sqlite3 *db;
	size_t n = 0;

	/* glibc hands the heap top back after each row otherwise: SQLite's
	 * allocations then fault pages in again and again. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 64 << 20);
	if (argc != 6 || sodium_init() < 0 ||
	    sodium_hex2bin(key, sizeof(key), argv[5], strlen(argv[5]), NULL,
	    &n, NULL) != 0 || n != sizeof(key)) {
		fprintf(stderr, "usage: sepa_ref fill DB N DATE KEYHEX | "
		    "sepa_ref ref DB DATE OUT KEYHEX\n");
		return 2;
	}
	if (sqlite3_open(argv[2], &db) != SQLITE_OK)
		die(argv[2], db);
	sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous ="
	    " NORMAL; PRAGMA cache_size = -262144", NULL, NULL, NULL);
	if (strcmp(argv[1], "fill") == 0)
		fill(db, atol(argv[3]), argv[4], key);
	else if (strcmp(argv[1], "ref") == 0)
		printf("%ld\n", ref(db, argv[3], argv[4], key));
	else
		return 2;
	sqlite3_close(db);
	return 0;
}
