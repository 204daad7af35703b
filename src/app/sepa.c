/*
 * sepa.c: the use cases of SEPA direct debit (see sepa.h): mandates,
 * scheduling with pre-notification, the pain.008 export and the
 * pain.002 returns. The bank files themselves are written and read by
 * src/sepa; the rows by store/sepa.c. IBANs are opened only to be
 * written into the bank file, and never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "app/auth_priv.h"
#include "app/sepa.h"
#include "base/clock.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/money.h"
#include "docs/mandate_pdf.h"
#include "mail/mail.h"
#include "sepa/pain002.h"
#include "sepa/pain008.h"
#include "sepa/reasons.h"
#include "sepa/text.h"
#include "store/consumption.h"
#include "store/sepa.h"

#define HOLDER_MAX	70	/* Max70Text */
#define SCHEDULE_BATCH	200
/* A batch's msg id, so that its payment blocks' ids (msg id, '-' and
 * the sequence type) stay within Max35Text. */
#define RB_SEPA_MSG_ID_MAX	30

enum rb_rc
rb_sepa_mandate_input(const char *iban_in, const char *holder, char *iban,
    const char **field, const char **msg)
{
	char clean[4 * HOLDER_MAX + 1];
	size_t n;

	*field = NULL;
	*msg = NULL;
	if (iban_in == NULL || rb_iban_normalise(iban_in, iban) != 0 ||
	    iban[0] == '\0' || rb_iban_check(iban) != 0) {
		iban[0] = '\0';
		*field = "iban";
		*msg = "Cet IBAN n'est pas valide : vérifiez-le sur votre "
		    "relevé d'identité bancaire (27 caractères pour un compte "
		    "en France, commençant par FR76).";
		return RB_INVALID;
	}
	n = rb_sepa_text(holder, 200, clean, sizeof(clean));
	if (n < 2 || n > HOLDER_MAX) {
		*field = "titulaire";
		*msg = "Indiquez le nom du titulaire du compte tel qu'il figure "
		    "sur le relevé d'identité bancaire (2 à 70 caractères).";
		return RB_INVALID;
	}
	return RB_OK;
}

/* One try of rb_sepa_mandate_sign() (rb_db_transact()). */
struct sign_try {
	int64_t			 sg_contract;
	const char		*sg_number;
	int64_t			 sg_account;
	const char		*sg_holder;
	const char		*sg_enc;
	const char		*sg_last4;
	const char		*sg_today;
	struct rb_sepa_mandate	*sg_out;
};

/*
 * Reads the contract's active mandate and count inside the transaction:
 * of two signatures at once (two servers, an agent and the subscriber),
 * PostgreSQL refuses one, either at once (the unique RUM or "one active
 * mandate" index: RB_CONSTRAINT) or as RB_RETRY, whose next try finds
 * the active mandate. Returns 0, RB_TOO_MANY (rolled back), -1.
 */
static int
sign_try(rb_db *db, void *arg)
{
	const struct sign_try *t = arg;
	int64_t count = 0, id = 0;
	char rum[40];
	int rc;

	rc = rb_sepa_store_mandate_active(db, t->sg_contract, t->sg_out);
	if (rc == 0)
		return RB_TOO_MANY;
	if (rc != 1 ||
	    rb_sepa_store_mandate_count(db, t->sg_contract, &count) != 0)
		return -1;
	snprintf(rum, sizeof(rum), "RBN-%s-%02lld", t->sg_number,
	    (long long)count + 1);
	rc = rb_sepa_store_mandate_add(db, t->sg_contract, rum, t->sg_holder,
	    t->sg_enc, t->sg_last4, NULL, t->sg_today, t->sg_account, &id);
	if (rc == RB_CONSTRAINT)
		return RB_TOO_MANY;
	if (rc != 0 || rb_sepa_store_contract_dd(db, t->sg_contract, 1) != 0 ||
	    rb_sepa_store_mandate_active(db, t->sg_contract, t->sg_out) != 0)
		return -1;
	return 0;
}

enum rb_rc
rb_sepa_mandate_sign(rb_db *db, const unsigned char *key, int64_t contract,
    const char *contract_number, int64_t account, const char *holder,
    const char *iban, const char *today, struct rb_sepa_mandate *out)
{
	char enc[RB_IBAN_SEALED_MAX];
	struct sign_try t;
	size_t len = strlen(iban);
	int rc;

	if (len < 8 || rb_iban_seal(key, iban, NULL, enc) != 0)
		return RB_ERROR;
	t.sg_contract = contract;
	t.sg_number = contract_number;
	t.sg_account = account;
	t.sg_holder = holder;
	t.sg_enc = enc;
	t.sg_last4 = iban + len - 4;
	t.sg_today = today;
	t.sg_out = out;
	rc = rb_db_transact(db, sign_try, &t);
	if (rc == RB_TOO_MANY)
		return RB_TOO_MANY;
	return rc == 0 ? RB_OK : RB_ERROR;
}

void
rb_sepa_mandate_pdf_name(const char *rum, char *out, size_t outlen)
{
	size_t i, n;
	char c;

	n = (size_t)snprintf(out, outlen, "mandat-SEPA-%.40s.pdf", rum);
	if (n >= outlen)
		n = outlen - 1;
	/* Clean what came from the RUM, "mandat-SEPA-" and ".pdf" aside. */
	for (i = 12; i + 4 < n; i++) {
		c = out[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			out[i] = '-';
	}
}

int
rb_sepa_mandate_pdf(const struct rb_sepa_mandate *m,
    const char *contract_number, const char *ics, const char *creditor,
    rb_buf *out)
{
	char mask[RB_IBAN_MASK_MAX], date[RB_CLOCK_FR_MAX], err[200];
	json_t *data;
	int rc;

	rb_iban_mask_last4(m->sm_iban_last4, mask);
	rb_clock_fr_iso(m->sm_signed_on, date, sizeof(date));
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "rum", m->sm_rum, "ics", ics != NULL && ics[0] != '\0' ? ics :
	    "non renseigné", "creditor_name", creditor != NULL ? creditor : "",
	    "holder", m->sm_holder, "iban_masked", mask, "signed_on", date,
	    "signed_iso", m->sm_signed_on, "contract_number", contract_number,
	    "status", "Actif");
	if (data == NULL) {
		log_errx("mandate PDF: bad text");
		return -1;
	}
	rc = rb_mandate_pdf_render(data, out, err, sizeof(err));
	json_decref(data);
	if (rc != 0)
		log_errx("mandate PDF: %s", err);
	return rc == 0 ? 0 : -1;
}

int
rb_sepa_mandate_notice(const struct rb_auth_req *r, const char *to,
    const char *first_name, const char *last_name, const json_t *extra,
    const struct rb_sepa_mandate *m, const rb_buf *doc)
{
	char name[RB_SEPA_PDF_NAME_MAX];
	struct rb_mail_attach pdf;
	json_t *data = json_deep_copy(extra);
	int rc;

	if (doc != NULL) {
		json_object_set_new(data, "pdf_attached", json_true());
		rb_sepa_mandate_pdf_name(m->sm_rum, name, sizeof(name));
		pdf.ma_name = name;
		pdf.ma_type = "application/pdf";
		pdf.ma_data = doc->buf_data;
		pdf.ma_len = doc->buf_len;
		rc = rb_auth_mail_files(r, RB_MAIL_SEPA_SIGNED, to,
		    "/mes-moyens-de-paiement", first_name, last_name, data,
		    &pdf, 1);
		if (rc != RB_MAIL_FILES_REFUSED)
			goto out;
		log_warnx("mandate %lld: notice sent without its PDF",
		    (long long)m->sm_id);
		json_object_set_new(data, "pdf_attached", json_false());
	}
	rc = rb_auth_mail_with(r, RB_MAIL_SEPA_SIGNED, to,
	    "/mes-moyens-de-paiement", NULL, first_name, last_name, data);
out:
	json_decref(data);
	return rc;
}

/* One try of rb_sepa_mandate_cancel() (rb_db_transact()). */
struct cancel_try {
	int64_t		 ct_contract;
	const char	*ct_today;
	time_t		 ct_now;
};

/*
 * Reads the active mandate inside the transaction: of two cancellations
 * at once, PostgreSQL refuses one (RB_RETRY), whose next try finds no
 * active mandate. Returns 0, RB_NOT_FOUND (rolled back), -1.
 */
static int
cancel_try(rb_db *db, void *arg)
{
	const struct cancel_try *t = arg;
	struct rb_sepa_mandate m;
	int64_t changed = 0, n = 0;
	int rc;

	rc = rb_sepa_store_mandate_active(db, t->ct_contract, &m);
	if (rc == 1)
		return RB_NOT_FOUND;
	if (rc != 0 ||
	    rb_sepa_store_mandate_revoke(db, m.sm_id, t->ct_today,
	    &changed) != 0 || changed != 1 ||
	    rb_sepa_store_cancel_mandate_debits(db, m.sm_id, t->ct_now,
	    &n) != 0 ||
	    rb_sepa_store_plan_stop(db, t->ct_contract, t->ct_now, NULL) != 0 ||
	    rb_sepa_store_contract_dd(db, t->ct_contract, 0) != 0)
		return -1;
	return 0;
}

enum rb_rc
rb_sepa_mandate_cancel(rb_db *db, int64_t contract, const char *today,
    time_t now)
{
	struct cancel_try t = { contract, today, now };
	int rc;

	rc = rb_db_transact(db, cancel_try, &t);
	if (rc == RB_NOT_FOUND)
		return RB_NOT_FOUND;
	return rc == 0 ? RB_OK : RB_ERROR;
}

/* Writes a new end-to-end id ("RBN" + 20 hex capitals) into out (24). */
static void
new_e2e(char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char r[10];
	size_t i;

	randombytes_buf(r, sizeof(r));
	memcpy(out, "RBN", 3);
	for (i = 0; i < sizeof(r); i++) {
		out[3 + 2 * i] = hex[r[i] >> 4];
		out[4 + 2 * i] = hex[r[i] & 15];
	}
	out[23] = '\0';
}

/* Queues a mail of kind about one debit to the contract's subscribers. */
static int
debit_mail(rb_db *db, enum rb_mail_kind kind, int64_t contract,
    const char *contract_number, json_t *data, time_t now)
{
	json_t *to = NULL, *item;
	const char *first;
	size_t i;
	int sent = 0;

	if (rb_cons_store_recipients(db, contract, &to) != 0)
		return -1;
	json_object_set_new(data, "contract_number",
	    json_string(contract_number));
	json_array_foreach(to, i, item) {
		first = json_string_value(json_object_get(item, "first_name"));
		if (first != NULL && first[0] != '\0')
			json_object_set_new(data, "first_name",
			    json_string(first));
		else
			json_object_del(data, "first_name");
		/* A refused address (logged) must not block the others. */
		if (rb_mail_queue(db, kind, json_string_value(
		    json_object_get(item, "email")), data, now) == 0)
			sent++;
	}
	json_decref(to);
	return sent;
}

/* "la facture FA2026-000042" or "la mensualité 3 sur 10 de votre plan". */
static void
debit_what(const char *invoice, int instalment, char *out, size_t outlen)
{
	if (invoice != NULL && invoice[0] != '\0')
		snprintf(out, outlen, "la facture %s", invoice);
	else
		snprintf(out, outlen, "la mensualité %d sur 10 de votre "
		    "mensualisation", instalment);
}

/* Queues the pre-notification of one debit. Returns mails queued, -1. */
static int
prenotice(rb_db *db, const char *ics, const char *public_url,
    int64_t contract, const char *contract_number, const char *rum,
    const char *invoice, int instalment, int64_t cents,
    const char *collection, time_t now)
{
	char amount[RB_MONEY_MAX], date[RB_CLOCK_FR_MAX], what[80];
	char link[512];
	json_t *data;
	int sent;

	rb_money_fr(cents, amount, sizeof(amount));
	rb_clock_fr_iso(collection, date, sizeof(date));
	debit_what(invoice, instalment, what, sizeof(what));
	snprintf(link, sizeof(link), "%s/mes-moyens-de-paiement?contrat=%s",
	    public_url, contract_number);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "amount", amount,
	    "date", date, "what", what, "rum", rum, "ics",
	    ics != NULL && ics[0] != '\0' ? ics : "(non renseigné)", "link",
	    link);
	sent = debit_mail(db, RB_MAIL_SEPA_PRENOTICE, contract,
	    contract_number, data, now);
	json_decref(data);
	return sent;
}

/* The later of due_on and today + days, into out (11 bytes). */
static int
collection_date(const char *due_on, time_t now, int days, char *out)
{
	struct rb_date today, earliest;
	char e[11];

	rb_clock_today(now, &today);
	rb_clock_date_add(&today, days, &earliest);
	if (rb_clock_format_date(&earliest, e, sizeof(e)) != 0)
		return -1;
	snprintf(out, 11, "%s", strcmp(due_on, e) >= 0 ? due_on : e);
	return 0;
}

/*
 * When bill b is the year-end bill of a monthly plan, settles the plan
 * and lowers b->db_cents to what is left to pay. Returns 0 (debit
 * b->db_cents), 1 (nothing left: the bill is marked paid), -1.
 */
static int
settle_plan(rb_db *db, struct rb_sepa_due_bill *b)
{
	int64_t plan = 0, paid = 0;
	int rc;

	rc = rb_sepa_store_plan_to_settle(db, b->db_contract_id,
	    b->db_issued_on, &plan, &paid);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (rb_sepa_store_plan_settle(db, plan, b->db_invoice_id,
	    b->db_cents <= paid) != 0)
		return -1;
	if (b->db_cents <= paid)
		return 1;
	b->db_cents -= paid;
	return 0;
}

/* One bill to schedule, run by rb_db_transact(). */
struct schedule_one {
	const char	*so_ics;
	const char	*so_public_url;
	int		 so_prenotice_days;
	time_t		 so_now;
	int64_t		 so_invoice;	/* the bill listed as due */
	int		 so_done;	/* out: 1 debited, 2 settled by its
					   plan, 0 skipped (done by another
					   server meanwhile) */
	int		 so_mails;	/* out: emails queued */
};

/*
 * Reads the bill again inside the transaction (another server may have
 * scheduled it, or settled its plan, since it was listed), then settles
 * its plan or debits it and queues its pre-notification. Everything is
 * recomputed on each try: a retry starts from the database, not from
 * what an earlier try changed.
 */
static int
schedule_one(rb_db *db, void *arg)
{
	struct schedule_one *so = arg;
	struct rb_sepa_due_bill b;
	struct rb_sepa_mandate m;
	char coll[11], e2e[24];
	int64_t id;
	int rc, sent;

	so->so_done = 0;
	so->so_mails = 0;
	rc = rb_sepa_store_due_bill(db, so->so_invoice, &b);
	if (rc == 1)
		return 0;		/* done meanwhile: skip */
	if (rc != 0)
		return rc == RB_RETRY ? RB_RETRY : -1;
	if (collection_date(b.db_due_on, so->so_now, so->so_prenotice_days,
	    coll) != 0)
		return -1;
	new_e2e(e2e);
	rc = settle_plan(db, &b);
	if (rc == 1) {			/* the plan paid it all */
		so->so_done = 2;
		return 0;
	}
	if (rc == 0)
		rc = rb_sepa_store_mandate_active(db, b.db_contract_id, &m);
	if (rc == 0)
		rc = rb_sepa_store_debit_add(db, b.db_contract_id,
		    b.db_mandate_id, b.db_invoice_id, 0, 0, b.db_cents, coll,
		    b.db_first ? "FRST" : "RCUR", e2e, so->so_now, &id);
	if (rc != 0)
		return rc == RB_CONSTRAINT || rc == RB_RETRY ? rc : -1;
	sent = prenotice(db, so->so_ics, so->so_public_url, b.db_contract_id,
	    b.db_contract, m.sm_rum, b.db_number, 0, b.db_cents, coll,
	    so->so_now);
	if (sent < 0 || (sent > 0 &&
	    rb_sepa_store_debit_notified(db, id, so->so_now) != 0))
		return -1;
	so->so_done = 1;
	so->so_mails = sent;
	return 0;
}

int
rb_sepa_schedule(rb_db *db, const char *ics, const char *public_url,
    int prenotice_days, time_t now, int *nsched, int *nmails)
{
	struct rb_sepa_due_bill *bills;
	struct schedule_one so;
	int64_t after = 0;
	int n, i, rc, skipped = 0, ret = -1;

	*nsched = 0;
	*nmails = 0;
	bills = calloc(SCHEDULE_BATCH, sizeof(*bills));
	if (bills == NULL)
		return -1;
	for (;;) {
		if (rb_sepa_store_due_bills(db, after, SCHEDULE_BATCH, bills,
		    &n) != 0)
			goto out;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			after = bills[i].db_invoice_id;
			memset(&so, 0, sizeof(so));
			so.so_ics = ics;
			so.so_public_url = public_url;
			so.so_prenotice_days = prenotice_days;
			so.so_now = now;
			so.so_invoice = bills[i].db_invoice_id;
			rc = rb_db_transact(db, schedule_one, &so);
			if (rc == RB_CONSTRAINT) {
				skipped++;	/* raced: skip */
				continue;
			}
			if (rc != 0) {
				log_errx("scheduling stopped at bill %s",
				    bills[i].db_number);
				goto out;
			}
			if (so.so_done == 0)
				skipped++;
			else if (so.so_done == 1) {
				(*nsched)++;
				*nmails += so.so_mails;
			}
		}
	}
	ret = 0;
out:
	if (skipped > 0)
		log_info("%d due bill(s) skipped: scheduled or settled by "
		    "another server meanwhile", skipped);
	free(bills);
	return ret;
}

/* State of a batch's file while rows stream through write_row(). */
struct export_state {
	FILE			*es_f;
	const unsigned char	*es_key;
	const struct rb_pain008_hdr *es_hdr;
	struct rb_sepa_export_result *es_res;
	int			 es_group;	/* index of the open block */
	int64_t			 es_n;		/* rows written */
	char			*es_err;
	size_t			 es_errlen;
	char			 es_pmt_id[40];
	const char		*es_collection;
};

static int
write_row(const struct rb_sepa_export_row *r, void *arg)
{
	struct export_state *es = arg;
	struct rb_sepa_export_result *res = es->es_res;
	struct rb_pain008_pmt p;
	struct rb_pain008_tx t;
	char iban[RB_IBAN_MAX + 1], rmt[160];
	int rc;

	if (es->es_group < 0 ||
	    strcmp(res->ex_groups[es->es_group].sg_seq, r->er_seq) != 0) {
		if (es->es_group >= 0 &&
		    rb_pain008_pmt_end(es->es_f, es->es_err,
		    es->es_errlen) != 0)
			return -1;
		if (++es->es_group >= res->ex_ngroups ||
		    strcmp(res->ex_groups[es->es_group].sg_seq,
		    r->er_seq) != 0) {
			snprintf(es->es_err, es->es_errlen, "the debits "
			    "changed during the export");
			return -1;
		}
		snprintf(es->es_pmt_id, sizeof(es->es_pmt_id), "%s-%s",
		    res->ex_msg_id, r->er_seq);
		p.pp_id = es->es_pmt_id;
		p.pp_seq_type = r->er_seq;
		p.pp_collection = es->es_collection;
		p.pp_n_tx = res->ex_groups[es->es_group].sg_n;
		p.pp_ctrl_cents = res->ex_groups[es->es_group].sg_cents;
		if (rb_pain008_pmt_begin(es->es_f, es->es_hdr, &p, es->es_err,
		    es->es_errlen) != 0)
			return -1;
	}
	if (rb_iban_open(es->es_key, r->er_iban_enc, iban) != 0) {
		snprintf(es->es_err, es->es_errlen, "mandate %s: its IBAN "
		    "cannot be opened with the data_key setting", r->er_rum);
		return -1;
	}
	if (r->er_invoice != NULL)
		snprintf(rmt, sizeof(rmt), "Facture %s contrat %s",
		    r->er_invoice, r->er_contract);
	else
		snprintf(rmt, sizeof(rmt), "Mensualisation echeance %d/10 "
		    "contrat %s", r->er_instalment, r->er_contract);
	t.pt_e2e = r->er_e2e;
	t.pt_cents = r->er_cents;
	t.pt_rum = r->er_rum;
	t.pt_signed_on = r->er_signed_on;
	t.pt_dbtr_name = r->er_holder;
	t.pt_dbtr_iban = iban;
	t.pt_dbtr_bic = r->er_bic;
	t.pt_remittance = rmt;
	rc = rb_pain008_tx(es->es_f, &t, es->es_err, es->es_errlen);
	sodium_memzero(iban, sizeof(iban));
	if (rc != 0)
		return -1;
	es->es_n++;
	return 0;
}

/* Checks the creditor settings a file needs. */
static int
creditor_check(const struct rb_sepa_creditor *cr, char *err, size_t errlen)
{
	if (cr->cr_ics == NULL || cr->cr_ics[0] == '\0' ||
	    rb_ics_check(cr->cr_ics) != 0) {
		snprintf(err, errlen, "the sepa_creditor_id setting (ICS) is "
		    "missing or invalid");
		return -1;
	}
	if (cr->cr_iban == NULL || cr->cr_iban[0] == '\0' ||
	    rb_iban_check(cr->cr_iban) != 0) {
		snprintf(err, errlen, "the sepa_creditor_iban setting is "
		    "missing or invalid");
		return -1;
	}
	if (cr->cr_key == NULL) {
		snprintf(err, errlen, "the data_key setting is missing: the "
		    "debtors' IBANs cannot be opened");
		return -1;
	}
	return 0;
}

/* Empties f: each try (and each file written again) starts from nothing. */
static int
file_restart(FILE *f, char *err, size_t errlen)
{
	if (fflush(f) != 0 || ftruncate(fileno(f), 0) != 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "the file cannot be written from its "
		    "start: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A batch's creation time as its file's CreDtTm (Paris time). */
static void
created_text(int64_t at, char *out, size_t outlen)
{
	struct rb_localtime lt;

	rb_clock_paris((time_t)at, &lt);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d",
	    lt.lt_date.d_year, lt.lt_date.d_month, lt.lt_date.d_day,
	    lt.lt_hour, lt.lt_min, lt.lt_sec);
}

/*
 * Writes the pain.008 file of batch b to f from its start, from the
 * database only: its row (msg id, creation time, creditor) and its
 * debits, by sequence type then id. The same batch always gives the
 * same bytes: this writes the file of an export and writes it again
 * (rb_sepa_export_again()). Fills *res. Returns 0, -1 (err says why,
 * or "" for the database).
 */
static int
write_batch(rb_db *db, const struct rb_sepa_batch *b,
    const unsigned char *key, FILE *f, struct rb_sepa_export_result *res,
    char *err, size_t errlen)
{
	struct export_state es;
	struct rb_pain008_hdr h;
	char created[32];
	int64_t n = 0, cents = 0;
	int g;

	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (file_restart(f, err, errlen) != 0)
		return -1;
	snprintf(res->ex_msg_id, sizeof(res->ex_msg_id), "%s", b->sb_msg_id);
	if (rb_sepa_store_batch_groups(db, b->sb_id, res->ex_groups,
	    &res->ex_ngroups) != 0)
		return -1;
	for (g = 0; g < res->ex_ngroups; g++) {
		n += res->ex_groups[g].sg_n;
		cents += res->ex_groups[g].sg_cents;
	}
	if (n != b->sb_n_tx || cents != b->sb_cents || n == 0) {
		snprintf(err, errlen, "batch %s: its debits (%lld, %lld cents)"
		    " do not match its row (%lld, %lld cents)", b->sb_msg_id,
		    (long long)n, (long long)cents, (long long)b->sb_n_tx,
		    (long long)b->sb_cents);
		return -1;
	}
	res->ex_n_tx = n;
	res->ex_cents = cents;
	created_text(b->sb_created_at, created, sizeof(created));
	memset(&h, 0, sizeof(h));
	h.ph_msg_id = b->sb_msg_id;
	h.ph_created = created;
	h.ph_n_tx = n;
	h.ph_ctrl_cents = cents;
	h.ph_cdtr_name = b->sb_cdtr_name;
	h.ph_cdtr_iban = b->sb_cdtr_iban;
	h.ph_cdtr_bic = b->sb_cdtr_bic;
	h.ph_cdtr_ics = b->sb_cdtr_ics;
	if (rb_pain008_begin(f, &h, err, errlen) != 0)
		return -1;
	memset(&es, 0, sizeof(es));
	es.es_f = f;
	es.es_key = key;
	es.es_hdr = &h;
	es.es_res = res;
	es.es_group = -1;
	es.es_err = err;
	es.es_errlen = errlen;
	es.es_collection = b->sb_collection;
	if (rb_sepa_store_batch_rows(db, b->sb_id, write_row, &es) != 0)
		return -1;
	if (es.es_n != n || es.es_group != res->ex_ngroups - 1) {
		snprintf(err, errlen, "the debits changed during the export");
		return -1;
	}
	if (rb_pain008_pmt_end(f, err, errlen) != 0 ||
	    rb_pain008_end(f, err, errlen) != 0)
		return -1;
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "write failed");
		return -1;
	}
	return 0;
}

/* One try of rb_sepa_export() (rb_db_transact()). */
struct export_try {
	const struct rb_sepa_creditor	*xt_cr;
	const char			*xt_collection;
	FILE				*xt_f;
	time_t				 xt_now;
	struct rb_sepa_export_result	*xt_res;
	char				*xt_err;
	size_t				 xt_errlen;
};

/*
 * Counts the debits of the date inside the transaction, records a new
 * batch (with the creditor settings its file uses), marks them exported
 * in it, then writes the batch's file from the database (write_batch()),
 * which checks that every value can go in the file before the commit:
 * of two exports of one date at once, PostgreSQL refuses one (RB_RETRY),
 * whose next try (the file rewritten) finds them exported. Returns 0,
 * RB_NO_BILL (rolled back), -1 (xt_err says why, or "" for the
 * database).
 */
static int
export_try(rb_db *db, void *arg)
{
	struct export_try *t = arg;
	const struct rb_sepa_creditor *cr = t->xt_cr;
	const char *collection = t->xt_collection;
	struct rb_sepa_export_result *res = t->xt_res;
	struct rb_sepa_batch b;
	char compact[9];
	int64_t nbatch = 0, batch = 0, changed = 0, n = 0, cents = 0;
	int g;

	memset(res, 0, sizeof(*res));
	t->xt_err[0] = '\0';
	if (file_restart(t->xt_f, t->xt_err, t->xt_errlen) != 0)
		return -1;
	if (rb_sepa_store_export_groups(db, collection, res->ex_groups,
	    &res->ex_ngroups) != 0)
		return -1;
	for (g = 0; g < res->ex_ngroups; g++) {
		n += res->ex_groups[g].sg_n;
		cents += res->ex_groups[g].sg_cents;
	}
	if (n == 0)
		return rb_sepa_store_exported_count(db, collection,
		    &res->ex_already, res->ex_last_msg_id,
		    sizeof(res->ex_last_msg_id)) != 0 ? -1 : RB_NO_BILL;
	if (rb_sepa_store_batch_count(db, collection, &nbatch) != 0)
		return -1;
	snprintf(compact, sizeof(compact), "%.4s%.2s%.2s", collection,
	    collection + 5, collection + 8);
	/* The date's batches count from 01, in the order they are made:
	 * 99, 100, … 1000 (never wrapped round: a msg id is unique). The
	 * payment blocks' ids append "-SEQT" and must fit Max35Text too. */
	if (snprintf(res->ex_msg_id, sizeof(res->ex_msg_id),
	    "RBN-SDD-%s-%02lld", compact, (long long)(nbatch + 1)) >
	    RB_SEPA_MSG_ID_MAX) {
		snprintf(t->xt_err, t->xt_errlen, "too many batches on %s",
		    collection);
		return -1;
	}
	if (rb_sepa_store_batch_add(db, res->ex_msg_id, collection, t->xt_now,
	    n, cents, cr->cr_name, cr->cr_iban, cr->cr_bic, cr->cr_ics,
	    &batch) != 0)
		return -1;
	if (rb_sepa_store_mark_exported(db, collection, batch, t->xt_now,
	    &changed) != 0)
		return -1;
	if (changed != n) {
		snprintf(t->xt_err, t->xt_errlen, "%lld debits counted but "
		    "%lld marked exported", (long long)n, (long long)changed);
		return -1;
	}
	if (rb_sepa_store_batch_get(db, res->ex_msg_id, &b) != 0)
		return -1;
	return write_batch(db, &b, cr->cr_key, t->xt_f, res, t->xt_err,
	    t->xt_errlen);
}

enum rb_rc
rb_sepa_export(rb_db *db, const struct rb_sepa_creditor *cr,
    const char *collection, const struct rb_sepa_out *out, time_t now,
    struct rb_sepa_export_result *res, char *err, size_t errlen)
{
	struct export_try t;
	struct rb_date d;
	int rc;

	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (rb_clock_parse_date(collection, &d) != 0) {
		snprintf(err, errlen, "collection date: expected YYYY-MM-DD");
		return RB_INVALID;
	}
	if (creditor_check(cr, err, errlen) != 0)
		return RB_INVALID;
	memset(&t, 0, sizeof(t));
	t.xt_cr = cr;
	t.xt_collection = collection;
	t.xt_f = out->so_f;
	t.xt_now = now;
	t.xt_res = res;
	t.xt_err = err;
	t.xt_errlen = errlen;
	rc = rb_db_transact(db, export_try, &t);
	if (rc == RB_NO_BILL)
		return RB_NO_BILL;
	if (rc != 0) {
		if (err[0] == '\0' || rc == RB_RETRY)
			snprintf(err, errlen, "database error (see the log)");
		res->ex_msg_id[0] = '\0';
		return RB_ERROR;
	}
	res->ex_committed = 1;
	log_info("sepa export %s: %lld debit(s), %lld cents, collected "
	    "on %s", res->ex_msg_id, (long long)res->ex_n_tx,
	    (long long)res->ex_cents, collection);
	if (out->so_finish != NULL && out->so_finish(out->so_arg) != 0) {
		snprintf(err, errlen, "the debits are exported in batch %s "
		    "(committed) but its file could not be put in place",
		    res->ex_msg_id);
		log_errx("sepa export %s: %s", res->ex_msg_id, err);
		return RB_ERROR;
	}
	return RB_OK;
}

enum rb_rc
rb_sepa_export_again(rb_db *db, const unsigned char *key, const char *msg_id,
    FILE *f, struct rb_sepa_export_result *res, char *err, size_t errlen)
{
	struct rb_sepa_batch b;
	enum rb_rc r = RB_ERROR;
	int rc;

	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (key == NULL) {
		snprintf(err, errlen, "the data_key setting is missing: the "
		    "debtors' IBANs cannot be opened");
		return RB_INVALID;
	}
	if (rb_db_begin_read(db) != 0) {
		snprintf(err, errlen, "database error (see the log)");
		return RB_ERROR;
	}
	rc = rb_sepa_store_batch_get(db, msg_id, &b);
	if (rc == 1) {
		snprintf(err, errlen, "no exported file has the message id "
		    "%s", msg_id);
		r = RB_NOT_FOUND;
	} else if (rc != 0) {
		snprintf(err, errlen, "database error (see the log)");
	} else if (!b.sb_has_cdtr) {
		snprintf(err, errlen, "batch %s was exported before Robinet "
		    "recorded its creditor settings (schema version 23): its "
		    "file cannot be written again", msg_id);
		res->ex_no_creditor = 1;
		r = RB_INVALID;
	} else if (write_batch(db, &b, key, f, res, err, errlen) == 0) {
		r = RB_OK;
	} else if (err[0] == '\0')
		snprintf(err, errlen, "database error (see the log)");
	if (rb_db_commit(db) != 0 && r == RB_OK) {
		snprintf(err, errlen, "database error (see the log)");
		r = RB_ERROR;
	}
	if (r == RB_OK)
		log_info("sepa export %s written again: %lld debit(s), %lld "
		    "cents", b.sb_msg_id, (long long)res->ex_n_tx,
		    (long long)res->ex_cents);
	return r;
}

enum rb_rc
rb_sepa_batch_lookup(rb_db *db, const char *msg_id,
    struct rb_sepa_batch_info *bi)
{
	struct rb_sepa_batch b;
	int rc;

	memset(bi, 0, sizeof(*bi));
	rc = rb_sepa_store_batch_get(db, msg_id, &b);
	if (rc != 0)
		return rc == 1 ? RB_NOT_FOUND : RB_ERROR;
	snprintf(bi->bi_collection, sizeof(bi->bi_collection), "%s",
	    b.sb_collection);
	created_text(b.sb_created_at, bi->bi_created,
	    sizeof(bi->bi_created));
	bi->bi_n_tx = b.sb_n_tx;
	return RB_OK;
}

/* Rejects debit d (checked by the caller) and mails the subscribers. */
static int
reject_debit(rb_db *db, const struct rb_sepa_debit *d, const char *code,
    const char *public_url, time_t now, struct rb_sepa_returns_result *res)
{
	char amount[RB_MONEY_MAX], what[80], link[512], number[16];
	const char *reason = rb_sepa_reason_fr(code);
	json_t *data;
	int sent;

	if (rb_sepa_store_debit_reject(db, d->sd_id, code, reason, now) != 0 ||
	    rb_sepa_store_contract_number(db, d->sd_contract_id, number,
	    sizeof(number)) != 0)
		return -1;
	rb_money_fr(d->sd_cents, amount, sizeof(amount));
	debit_what(d->sd_invoice_number, d->sd_instalment, what, sizeof(what));
	snprintf(link, sizeof(link), "%s/mes-factures", public_url);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "amount", amount,
	    "what", what, "reason", reason, "code", code, "link", link);
	sent = debit_mail(db, RB_MAIL_SEPA_REJECTED, d->sd_contract_id, number,
	    data, now);
	json_decref(data);
	if (sent < 0)
		return -1;
	res->rr_rejected++;
	res->rr_mails += sent;
	return 0;
}

/* Applies one status item; 0, or -1 with err set (refusal) or not. */
static int
apply_item(rb_db *db, const struct rb_pain002 *p,
    const struct rb_pain002_item *it, int64_t batch, const char *public_url,
    time_t now, struct rb_sepa_returns_result *res, char *err, size_t errlen)
{
	struct rb_sepa_debit d;
	int64_t *ids = NULL;
	size_t n = 0, k;
	const char *seq = "";
	size_t mlen = strlen(p->p2_orgnl_msg_id);
	int rc;

	if (it->pi_level == RB_P002_TX) {
		rc = rb_sepa_store_debit_by_e2e(db, it->pi_ref, &d);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			snprintf(err, errlen, "unknown end-to-end id '%s'",
			    it->pi_ref);
			return -1;
		}
		if (strcmp(d.sd_batch_msg_id, p->p2_orgnl_msg_id) != 0) {
			snprintf(err, errlen, "end-to-end id '%s' is not in "
			    "file %s", it->pi_ref, p->p2_orgnl_msg_id);
			return -1;
		}
		ids = malloc(sizeof(*ids));
		if (ids == NULL)
			return -1;
		ids[0] = d.sd_id;
		n = 1;
	} else {
		if (!rb_pain002_is_reject(it))
			return 0;	/* a file or block accepted: no news */
		if (it->pi_level == RB_P002_PMTINF) {
			if (strncmp(it->pi_ref, p->p2_orgnl_msg_id, mlen) != 0 ||
			    it->pi_ref[mlen] != '-' ||
			    strlen(it->pi_ref + mlen + 1) != 4) {
				snprintf(err, errlen, "unknown payment block "
				    "'%s'", it->pi_ref);
				return -1;
			}
			seq = it->pi_ref + mlen + 1;
		}
		if (rb_sepa_store_debits_of_batch(db, batch, seq, &ids,
		    &n) != 0)
			return -1;
		if (n == 0) {
			snprintf(err, errlen, "payment block '%s' holds no "
			    "debit", it->pi_ref);
			return -1;
		}
	}
	for (k = 0; k < n; k++) {
		if (rb_sepa_store_debit_get(db, ids[k], &d) != 0)
			goto fail;
		if (rb_pain002_is_reject(it)) {
			if (strcmp(d.sd_status, "rejected") == 0) {
				snprintf(err, errlen, "debit '%s' was already "
				    "rejected (report applied twice?)",
				    d.sd_e2e);
				goto fail;
			}
			if (strcmp(d.sd_status, "exported") != 0 &&
			    strcmp(d.sd_status, "collected") != 0) {
				snprintf(err, errlen, "debit '%s' is %s, not "
				    "exported", d.sd_e2e, d.sd_status);
				goto fail;
			}
			if (reject_debit(db, &d, it->pi_reason, public_url, now,
			    res) != 0)
				goto fail;
		} else {
			if (strcmp(d.sd_status, "rejected") == 0 ||
			    strcmp(d.sd_status, "cancelled") == 0) {
				snprintf(err, errlen, "debit '%s' is %s: it "
				    "cannot be accepted now", d.sd_e2e,
				    d.sd_status);
				goto fail;
			}
			if (strcmp(it->pi_status, "ACSC") == 0 &&
			    rb_sepa_store_debit_collected(db, d.sd_id,
			    now) != 0)
				goto fail;
			res->rr_accepted++;
		}
	}
	free(ids);
	return 0;
fail:
	free(ids);
	return -1;
}

/* One try of rb_sepa_returns() (rb_db_transact()). */
struct returns_try {
	const struct rb_pain002		*rt_p;
	const char			*rt_public_url;
	time_t				 rt_now;
	struct rb_sepa_returns_result	*rt_res;
	char				*rt_err;
	size_t				 rt_errlen;
};

/*
 * Records the report, then applies each status to the debits as they
 * are inside the transaction: of two servers applying one report (or
 * two reports rejecting one debit) at once, PostgreSQL refuses one
 * (RB_RETRY), whose next try finds the report applied (or the debit
 * rejected) and refuses it. Returns 0, RB_INVALID (refused, rt_err
 * says why; rolled back), -1.
 */
static int
returns_try(rb_db *db, void *arg)
{
	const struct returns_try *t = arg;
	const struct rb_pain002 *p = t->rt_p;
	struct rb_sepa_returns_result *res = t->rt_res;
	int64_t batch = 0;
	size_t k;
	int rc;

	res->rr_rejected = res->rr_accepted = 0;
	res->rr_mails = 0;
	t->rt_err[0] = '\0';
	rc = rb_sepa_store_return_add(db, p->p2_msg_id, t->rt_now);
	if (rc == RB_CONSTRAINT) {
		snprintf(t->rt_err, t->rt_errlen, "report %s was applied "
		    "already", p->p2_msg_id);
		return RB_INVALID;
	}
	if (rc != 0)
		return -1;
	rc = rb_sepa_store_batch_find(db, p->p2_orgnl_msg_id, &batch);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		snprintf(t->rt_err, t->rt_errlen, "the report answers file "
		    "%s, which Robinet never exported", p->p2_orgnl_msg_id);
		return RB_INVALID;
	}
	for (k = 0; k < p->p2_n; k++)
		if (apply_item(db, p, &p->p2_items[k], batch, t->rt_public_url,
		    t->rt_now, res, t->rt_err, t->rt_errlen) != 0)
			return t->rt_err[0] != '\0' ? RB_INVALID : -1;
	return rb_sepa_store_return_counts(db, p->p2_msg_id, res->rr_rejected,
	    res->rr_accepted) != 0 ? -1 : 0;
}

enum rb_rc
rb_sepa_returns(rb_db *db, const char *data, size_t len,
    const char *public_url, time_t now, struct rb_sepa_returns_result *res,
    char *err, size_t errlen)
{
	struct returns_try t;
	struct rb_pain002 p;
	int rc;

	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (rb_pain002_parse(data, len, &p, err, errlen) != 0)
		return RB_INVALID;
	snprintf(res->rr_msg_id, sizeof(res->rr_msg_id), "%s", p.p2_msg_id);
	snprintf(res->rr_orgnl_msg_id, sizeof(res->rr_orgnl_msg_id), "%s",
	    p.p2_orgnl_msg_id);
	t.rt_p = &p;
	t.rt_public_url = public_url;
	t.rt_now = now;
	t.rt_res = res;
	t.rt_err = err;
	t.rt_errlen = errlen;
	rc = rb_db_transact(db, returns_try, &t);
	rb_pain002_free(&p);
	if (rc == 0) {
		log_info("sepa returns %s (file %s): %lld rejected, %lld "
		    "accepted", res->rr_msg_id, res->rr_orgnl_msg_id,
		    (long long)res->rr_rejected, (long long)res->rr_accepted);
		return RB_OK;
	}
	res->rr_rejected = res->rr_accepted = 0;
	res->rr_mails = 0;
	if (rc == RB_INVALID)
		return RB_INVALID;
	snprintf(err, errlen, "database error (see the log)");
	return RB_ERROR;
}

enum rb_rc
rb_sepa_plan_preview(rb_db *db, int64_t contract, int day,
    int prenotice_days, time_t now, struct rb_sepa_plan_preview *pv)
{
	struct rb_date today, d, earliest;
	char from[11], to[11], e[11];
	int k;

	memset(pv, 0, sizeof(*pv));
	if (day != 5 && day != 10 && day != 15)
		return RB_INVALID;
	rb_clock_today(now, &today);
	d = today;
	d.d_year--;
	if (d.d_month == 2 && d.d_day == 29)
		d.d_day = 28;
	rb_clock_format_date(&d, from, sizeof(from));
	rb_clock_date_add(&today, -1, &d);
	rb_clock_format_date(&d, to, sizeof(to));
	if (rb_sepa_store_bills_sum(db, contract, from, to,
	    &pv->pv_basis_cents) != 0)
		return RB_ERROR;
	if (pv->pv_basis_cents < 1000)
		return RB_NO_BILL;
	pv->pv_instalment_cents = pv->pv_basis_cents / 10;
	pv->pv_last_cents = pv->pv_basis_cents - 9 * pv->pv_instalment_cents;
	rb_clock_date_add(&today, prenotice_days, &earliest);
	rb_clock_format_date(&earliest, e, sizeof(e));
	d.d_year = earliest.d_year;
	d.d_month = earliest.d_month;
	d.d_day = day;
	for (k = 0; k < 10; ) {
		rb_clock_format_date(&d, pv->pv_dates[k], 11);
		if (k > 0 || strcmp(pv->pv_dates[k], e) >= 0)
			k++;
		if (++d.d_month > 12) {
			d.d_month = 1;
			d.d_year++;
		}
	}
	pv->pv_year = atoi(pv->pv_dates[9]);
	return RB_OK;
}

/* The schedule of a new plan: the pre-notification of its 10 debits. */
static int
plan_mail(rb_db *db, int64_t contract, const char *rum,
    const struct rb_sepa_plan_preview *pv, time_t now)
{
	char number[16], date[RB_CLOCK_FR_MAX], amount[RB_MONEY_MAX];
	json_t *data, *list;
	int k, sent;

	if (rb_sepa_store_contract_number(db, contract, number,
	    sizeof(number)) != 0)
		return -1;
	list = json_array();
	for (k = 0; k < 10; k++) {
		rb_clock_fr_iso(pv->pv_dates[k], date, sizeof(date));
		rb_money_fr(k == 9 ? pv->pv_last_cents :
		    pv->pv_instalment_cents, amount, sizeof(amount));
		json_array_append_new(list, json_pack("{s:s, s:s}", "date",
		    date, "amount", amount));
	}
	data = json_pack("{s:s, s:o}", "rum", rum, "instalments", list);
	sent = debit_mail(db, RB_MAIL_SEPA_PLAN, contract, number, data, now);
	json_decref(data);
	return sent < 0 ? -1 : 0;
}

/* One try of rb_sepa_plan_start() (rb_db_transact()). */
struct plan_try {
	int64_t				 pt_contract;
	int				 pt_day;
	time_t				 pt_now;
	const char			*pt_today;
	const struct rb_sepa_plan_preview *pt_pv;
};

/*
 * Reads the mandate and the active plan inside the transaction: of two
 * plans started at once, PostgreSQL refuses one (RB_RETRY), whose next
 * try finds the other's plan. Returns 0, RB_NOT_FOUND (no active
 * mandate), RB_TOO_MANY (a plan is active), both rolled back, or -1.
 */
static int
plan_start_try(rb_db *db, void *arg)
{
	const struct plan_try *t = arg;
	const struct rb_sepa_plan_preview *pv = t->pt_pv;
	struct rb_sepa_mandate m;
	struct rb_sepa_plan p;
	char e2e[24];
	int64_t plan = 0, id;
	int k, rc, first;

	if ((rc = rb_sepa_store_mandate_active(db, t->pt_contract, &m)) != 0)
		return rc == 1 ? RB_NOT_FOUND : -1;
	if ((rc = rb_sepa_store_plan_active(db, t->pt_contract, &p)) != 1)
		return rc == 0 ? RB_TOO_MANY : -1;
	rc = rb_sepa_store_plan_add(db, t->pt_contract, m.sm_id, pv->pv_year,
	    t->pt_day, pv->pv_basis_cents, pv->pv_instalment_cents, t->pt_now,
	    t->pt_today, pv->pv_dates[0], pv->pv_dates[9], &plan);
	if (rc == RB_CONSTRAINT)
		return RB_TOO_MANY;
	if (rc != 0)
		return -1;
	first = !m.sm_imported;
	for (k = 0; k < 10; k++) {
		new_e2e(e2e);
		if (rb_sepa_store_debit_add(db, t->pt_contract, m.sm_id, 0, plan,
		    k + 1, k == 9 ? pv->pv_last_cents : pv->pv_instalment_cents,
		    pv->pv_dates[k], first && k == 0 ? "FRST" : "RCUR", e2e,
		    t->pt_now, &id) != 0)
			return -1;
	}
	return plan_mail(db, t->pt_contract, m.sm_rum, pv, t->pt_now) != 0 ?
	    -1 : 0;
}

enum rb_rc
rb_sepa_plan_start(rb_db *db, int64_t contract, int day, int prenotice_days,
    time_t now, struct rb_sepa_plan_preview *pv)
{
	struct plan_try t;
	char today[11];
	enum rb_rc r;
	int rc;

	if ((r = rb_sepa_plan_preview(db, contract, day, prenotice_days, now,
	    pv)) != RB_OK)
		return r;
	rb_clock_today_iso(now, today, sizeof(today));
	t.pt_contract = contract;
	t.pt_day = day;
	t.pt_now = now;
	t.pt_today = today;
	t.pt_pv = pv;
	rc = rb_db_transact(db, plan_start_try, &t);
	if (rc == RB_NOT_FOUND || rc == RB_TOO_MANY)
		return (enum rb_rc)rc;
	return rc == 0 ? RB_OK : RB_ERROR;
}

/* One try of rb_sepa_plan_stop(): 0, RB_NOT_FOUND (no active plan, rolled
 * back; also the second of two stops at once, once run again), -1. */
static int
plan_stop_try(rb_db *db, void *arg)
{
	const struct plan_try *t = arg;
	int64_t changed = 0;

	if (rb_sepa_store_plan_stop(db, t->pt_contract, t->pt_now,
	    &changed) != 0)
		return -1;
	return changed == 0 ? RB_NOT_FOUND : 0;
}

enum rb_rc
rb_sepa_plan_stop(rb_db *db, int64_t contract, time_t now)
{
	struct plan_try t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.pt_contract = contract;
	t.pt_now = now;
	rc = rb_db_transact(db, plan_stop_try, &t);
	if (rc == RB_NOT_FOUND)
		return RB_NOT_FOUND;
	return rc == 0 ? RB_OK : RB_ERROR;
}
