/*
 * sepa.h: the use cases of SEPA direct debit (SDD Core): signing and
 * cancelling a mandate, scheduling a debit for each due bill with its
 * pre-notification email, exporting a day's debits as a pain.008 file,
 * and applying the bank's pain.002 status report.
 *
 * A mandate's RUM is "RBN-<contract number>-NN" (NN counts the
 * contract's mandates, 01 first): unique because contract numbers are.
 * A debit's end-to-end id is "RBN" followed by 20 random hexadecimal
 * capitals. The creditor (name, ICS, IBAN, BIC) comes from settings.
 */
#ifndef RB_APP_SEPA_H
#define RB_APP_SEPA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "base/buf.h"
#include "base/iban.h"
#include "store/db.h"
#include "store/sepa.h"

/* The creditor and the key of IBANs at rest, from the settings. */
struct rb_sepa_creditor {
	const char	*cr_name;
	const char	*cr_ics;	/* "" when not set */
	const char	*cr_iban;	/* "" when not set */
	const char	*cr_bic;	/* "" when not set */
	const unsigned char *cr_key;	/* RB_IBAN_KEYBYTES */
};

/*
 * Checks a typed IBAN and account holder for a mandate: the IBAN is
 * normalised (spaces, case) into iban (RB_IBAN_MAX + 1 bytes) and must
 * pass rb_iban_check(); the holder (UTF-8) must hold 2 to 70 characters
 * once brought to the SEPA set. Returns RB_OK, or RB_INVALID with
 * *field "iban" or "titulaire" and a French message in *msg (static).
 */
enum rb_rc rb_sepa_mandate_input(const char *iban_in, const char *holder,
	    char *iban, const char **field, const char **msg);

/*
 * Signs a mandate for contract (id) on date today ("YYYY-MM-DD"), for
 * web account `account` (0: customer service), with an IBAN and holder
 * checked by rb_sepa_mandate_input(): seals the IBAN under key, makes
 * the RUM, inserts the mandate and turns direct debit on, in one
 * transaction (run again when the engine refuses it: of two signatures
 * at once, one signs, the other finds its mandate). Returns RB_OK
 * (*out filled), RB_TOO_MANY when the contract already has an active
 * mandate, RB_ERROR.
 */
enum rb_rc rb_sepa_mandate_sign(rb_db *db, const unsigned char *key,
	    int64_t contract, const char *contract_number, int64_t account,
	    const char *holder, const char *iban, const char *today,
	    struct rb_sepa_mandate *out);

/* Size of rb_sepa_mandate_pdf_name()'s buffer. */
#define RB_SEPA_PDF_NAME_MAX	64

/*
 * The file name of mandate rum's PDF: "mandat-SEPA-<RUM>.pdf", every
 * character of the RUM other than a letter, digit, '-' or '_' written
 * '-' (a RUM from the billing system could hold anything).
 */
void	rb_sepa_mandate_pdf_name(const char *rum, char *out, size_t outlen);

/*
 * Draws mandate m of contract_number as a PDF (docs/mandate_pdf.h)
 * appended to out: RUM, creditor (name and ics; "" or NULL ics shows
 * "non renseigné"), holder as plain text, IBAN masked, signature date,
 * status "Actif". The one drawing of both the download and the mail.
 * Returns 0, or -1 (logged).
 */
int	rb_sepa_mandate_pdf(const struct rb_sepa_mandate *m,
	    const char *contract_number, const char *ics,
	    const char *creditor, rb_buf *out);

/*
 * Queues mandate m's notice (RB_MAIL_SEPA_SIGNED, extra as its data)
 * to `to` with doc, m's PDF, attached as "mandat-SEPA-<RUM>.pdf"; when
 * doc is NULL (the drawing failed) or the mail module refuses the file
 * (over mail_attach_max_bytes: logged with the reason), the notice goes
 * without it: its link still leads to the PDF. Returns 0, or -1 when
 * the notice cannot be queued. Internal to app/ (through a struct
 * rb_auth_req).
 */
struct rb_auth_req;
int	rb_sepa_mandate_notice(const struct rb_auth_req *r, const char *to,
	    const char *first_name, const char *last_name, const json_t *extra,
	    const struct rb_sepa_mandate *m, const rb_buf *doc);

/*
 * Cancels the active mandate of contract on date today: revokes it,
 * cancels its scheduled debits (their bills go back to 'to_pay'), stops
 * a monthly plan and turns direct debit off, in one transaction (read
 * and run again when the engine refuses it: of two cancellations at
 * once, one revokes, the other finds no active mandate). Returns RB_OK,
 * RB_NOT_FOUND when there is no active mandate, RB_ERROR.
 */
enum rb_rc rb_sepa_mandate_cancel(rb_db *db, int64_t contract,
	    const char *today, time_t now);

/*
 * Schedules one debit for each due bill (rb_sepa_store_due_bills()):
 * collected on the bill's due date, or prenotice_days after today if
 * that is later, FRST for a mandate's first collection and RCUR after;
 * the bill becomes 'direct_debit' and its pre-notification email
 * (amount, date, RUM, ICS) is queued to the contract's subscribers, all
 * in one transaction per bill. *nsched and *nmails count what was done.
 * Several servers may run it at once: each bill is read again in its
 * transaction (run again when the engine refuses it), and one that
 * another server scheduled or settled meanwhile is skipped (counted in
 * an info line of the log), never debited or notified twice.
 * Returns 0, or -1 (logged; what was committed stays).
 */
int	 rb_sepa_schedule(rb_db *db, const char *ics, const char *public_url,
	    int prenotice_days, time_t now, int *nsched, int *nmails);

/* What rb_sepa_export() wrote. */
struct rb_sepa_export_result {
	char	 ex_msg_id[36];
	int64_t	 ex_n_tx;
	int64_t	 ex_cents;
	int	 ex_ngroups;
	struct rb_sepa_group ex_groups[4];
	int64_t	 ex_already;	/* debits of the date exported before */
	char	 ex_last_msg_id[36];	/* the last of those files */
	int	 ex_committed;	/* batch ex_msg_id is committed (also when
				   so_finish() then failed) */
	int	 ex_no_creditor;	/* rb_sepa_export_again(): the batch
				   was exported before schema version 23 */
};

/*
 * Where rb_sepa_export() writes its file. The export's transaction may
 * be run again (rb_db_transact(): the engine refused it), so each try
 * writes the whole file again from its start.
 */
struct rb_sepa_out {
	FILE	*so_f;		/* a regular file, emptied at each try */
	int	(*so_finish)(void *arg);	/* NULL, or after the
					   commit: flush, sync and put the
					   file in place (not closing so_f);
					   non-zero: the batch stays
					   committed, its file not in place
					   (rb_sepa_export_again()) */
	void	*so_arg;
};

/*
 * Exports every scheduled debit collected on date collection
 * ("YYYY-MM-DD"): the database is the record, the file is derived from
 * it. In one transaction, records a new batch (msg id, creation time,
 * the creditor settings of cr), marks the debits exported in it and
 * writes the batch's pain.008.001.02 file to out->so_f (one payment
 * block per sequence type; any value that cannot go in the file rolls
 * everything back); after the commit only, calls so_finish() to put the
 * file in place. A crash between the two leaves a committed batch and
 * no file: rb_sepa_export_again() writes it. Several servers may run it
 * at once: the debits are read inside the transaction (run again, file
 * and all, when the engine refuses it), so each debit goes into one
 * batch only; the export that comes second finds nothing left
 * (RB_NO_BILL) and never calls so_finish(). Returns RB_OK, RB_NO_BILL
 * when nothing is left to collect that day (*res says how many debits
 * earlier files took, and the last one), RB_INVALID when the creditor
 * settings are incomplete (err says which), RB_ERROR (err says why:
 * rolled back, or, with res->ex_committed, committed but so_finish()
 * failed).
 */
enum rb_rc rb_sepa_export(rb_db *db, const struct rb_sepa_creditor *cr,
	    const char *collection, const struct rb_sepa_out *out, time_t now,
	    struct rb_sepa_export_result *res, char *err, size_t errlen);

/*
 * Writes to f, from its start, the file of the batch of message id
 * msg_id again, from the database alone (its row keeps the creditor
 * settings it used; key opens the debtors' IBANs): byte for byte the
 * file rb_sepa_export() wrote. Changes nothing in the database. Returns
 * RB_OK, RB_NOT_FOUND (no such batch), RB_INVALID (no key, or a batch
 * exported before schema version 23: res->ex_no_creditor set),
 * RB_ERROR; err says why.
 */
enum rb_rc rb_sepa_export_again(rb_db *db, const unsigned char *key,
	    const char *msg_id, FILE *f, struct rb_sepa_export_result *res,
	    char *err, size_t errlen);

/* A batch as rb_sepa_batch_lookup() finds it. */
struct rb_sepa_batch_info {
	char	 bi_collection[11];	/* YYYY-MM-DD */
	char	 bi_created[32];	/* its file's CreDtTm */
	int64_t	 bi_n_tx;
};

/*
 * Looks batch msg_id up (to tell what a file left by an interrupted
 * export belongs to). Returns RB_OK (*bi filled), RB_NOT_FOUND (no
 * such batch: its export was rolled back, or never was), RB_ERROR.
 */
enum rb_rc rb_sepa_batch_lookup(rb_db *db, const char *msg_id,
	    struct rb_sepa_batch_info *bi);

/* What rb_sepa_returns() applied. */
struct rb_sepa_returns_result {
	char	 rr_msg_id[36];
	char	 rr_orgnl_msg_id[36];
	int64_t	 rr_rejected;
	int64_t	 rr_accepted;
	int	 rr_mails;
};

/*
 * Applies a pain.002.001.03 status report (len bytes of data): each
 * rejected debit becomes 'rejected' with its reason, its bill goes back
 * to 'to_pay' with the reason in French, and the subscribers get an
 * email; an ACSC status marks a debit collected. All or nothing, in one
 * transaction: a report that is not well-formed, answers an unknown
 * file, names an unknown end-to-end id or one of another file, rejects
 * a debit not exported or already rejected, or was applied before is
 * refused whole with an English message in err. Several servers may
 * apply reports at once: each report and debit is read inside the
 * transaction (run again when the engine refuses it), so a report, or
 * a rejection, is applied once; the second is refused as above.
 * Returns RB_OK, RB_INVALID (refused), RB_ERROR.
 */
enum rb_rc rb_sepa_returns(rb_db *db, const char *data, size_t len,
	    const char *public_url, time_t now,
	    struct rb_sepa_returns_result *res, char *err, size_t errlen);

/*
 * The monthly plan ("mensualisation"): with an active mandate, the bills
 * of the last 12 months (issued from a year before today to yesterday)
 * are paid in 10 monthly debits on day 5, 10 or 15, the first on the
 * first such day at least prenotice_days ahead; each is a tenth of that
 * sum (the last one takes the remainder). Bills issued while the plan
 * runs are not debited on their own; the first bill issued after the
 * last instalment settles the difference: rb_sepa_schedule() debits its
 * total minus the instalments (nothing, and the bill is paid, when the
 * instalments covered it).
 */
struct rb_sepa_plan_preview {
	int64_t	 pv_basis_cents;
	int64_t	 pv_instalment_cents;
	int64_t	 pv_last_cents;		/* the 10th */
	char	 pv_dates[10][11];
	int	 pv_year;		/* of the last instalment */
};

/*
 * Computes the plan contract would get on day (5, 10 or 15) at now.
 * RB_OK, RB_INVALID (another day), RB_NO_BILL (no bill in the last 12
 * months, or less than 10 euros), RB_ERROR.
 */
enum rb_rc rb_sepa_plan_preview(rb_db *db, int64_t contract, int day,
	    int prenotice_days, time_t now, struct rb_sepa_plan_preview *pv);

/*
 * Starts the plan of rb_sepa_plan_preview(), schedules its 10 debits
 * and emails their schedule (their pre-notification) to the contract's
 * subscribers, in one transaction (run again when the engine refuses
 * it: of two plans started at once, one starts, the other finds it).
 * RB_OK, RB_NOT_FOUND (no active mandate), RB_TOO_MANY (a plan is
 * active), RB_INVALID, RB_NO_BILL, RB_ERROR.
 */
enum rb_rc rb_sepa_plan_start(rb_db *db, int64_t contract, int day,
	    int prenotice_days, time_t now, struct rb_sepa_plan_preview *pv);

/* Stops the active plan and cancels its instalments not yet sent to the
 * bank, in one transaction (of two stops at once, the second finds no
 * plan). RB_OK, RB_NOT_FOUND (no active plan), RB_ERROR. */
enum rb_rc rb_sepa_plan_stop(rb_db *db, int64_t contract, time_t now);

#endif
