/*
 * sepa.h: the SQL of SEPA direct debit: mandates, debits, exported
 * files (sepa_batches), applied status reports (sepa_returns) and the
 * monthly plans (see migrations/0010_sepa.sql for the life of a debit).
 * No rule lives here: app/sepa.c decides, these functions read and
 * write rows. Each returns 0, or -1 when the database fails (logged),
 * unless its comment says otherwise.
 */
#ifndef RB_STORE_SEPA_H
#define RB_STORE_SEPA_H

#include <stddef.h>
#include <stdint.h>

#include "base/iban.h"
#include "store/db.h"

/* A mandate row. */
struct rb_sepa_mandate {
	int64_t	 sm_id;
	int64_t	 sm_contract_id;
	char	 sm_rum[36];
	char	 sm_holder[141];
	char	 sm_iban_enc[RB_IBAN_SEALED_MAX];
	char	 sm_iban_last4[5];
	char	 sm_bic[12];
	char	 sm_signed_on[11];
	char	 sm_status[8];		/* "active", "revoked" */
	char	 sm_revoked_on[11];
	int	 sm_imported;		/* came from the billing system */
};

/* A debit row as the page and the returns see it. */
struct rb_sepa_debit {
	int64_t	 sd_id;
	int64_t	 sd_contract_id;
	int64_t	 sd_invoice_id;		/* 0 for a plan instalment */
	int64_t	 sd_plan_id;		/* 0 for a bill */
	int	 sd_instalment;
	int64_t	 sd_cents;
	char	 sd_collection[11];
	char	 sd_seq[5];
	char	 sd_status[10];
	char	 sd_e2e[36];
	char	 sd_invoice_number[32];
	char	 sd_batch_msg_id[36];	/* "" when not exported */
	char	 sd_reject_code[5];
};

/* The active mandate of contract: 0 and *out, 1 when none, -1. */
int	rb_sepa_store_mandate_active(rb_db *db, int64_t contract,
	    struct rb_sepa_mandate *out);
/* How many mandates contract ever had, into *n. */
int	rb_sepa_store_mandate_count(rb_db *db, int64_t contract, int64_t *n);
/*
 * Inserts an active mandate; *id gets its id. Returns RB_CONSTRAINT when
 * the RUM is taken or the contract already has an active mandate.
 */
int	rb_sepa_store_mandate_add(rb_db *db, int64_t contract, const char *rum,
	    const char *holder, const char *iban_enc, const char *last4,
	    const char *bic, const char *signed_on, int64_t account,
	    int64_t *id);
/* Revokes mandate id on date revoked_on; *changed 1 if it was active. */
int	rb_sepa_store_mandate_revoke(rb_db *db, int64_t id,
	    const char *revoked_on, int64_t *changed);
/* Sets contracts.direct_debit of contract to on (0 or 1). */
int	rb_sepa_store_contract_dd(rb_db *db, int64_t contract, int on);
/*
 * Cancels the scheduled debits of mandate (when revoked), and puts the
 * bills they were to settle back to 'to_pay'. *n gets how many.
 */
int	rb_sepa_store_cancel_mandate_debits(rb_db *db, int64_t mandate,
	    int64_t now, int64_t *n);

/* A bill to schedule, as rb_sepa_store_due_bills() hands it over. */
struct rb_sepa_due_bill {
	int64_t	 db_invoice_id;
	int64_t	 db_contract_id;
	int64_t	 db_mandate_id;
	int64_t	 db_cents;
	char	 db_due_on[11];
	char	 db_number[32];
	char	 db_contract[16];
	char	 db_issued_on[11];
	int	 db_first;	/* the mandate has no live debit and was
				   signed in Robinet: FRST */
};

/*
 * The first max bills (after invoice id `after`, by id) of contracts
 * with direct debit on and an active mandate, status 'to_pay' or
 * 'direct_debit', current (not archived), with something to pay, no
 * live debit and no rejected one (a rejected bill is paid otherwise),
 * not issued while an active monthly plan pays the bills (from its
 * created_on to its last_on). Fills out[0..*n).
 */
int	rb_sepa_store_due_bills(rb_db *db, int64_t after, int max,
	    struct rb_sepa_due_bill *out, int *n);
/*
 * Bill invoice read again, when it is still due by the rules of
 * rb_sepa_store_due_bills() (inside the scheduling transaction, so that
 * what another server scheduled or settled meanwhile is seen): 0 and
 * *b, 1 when it is no longer due (*b zeroed), RB_RETRY, -1.
 */
int	rb_sepa_store_due_bill(rb_db *db, int64_t invoice,
	    struct rb_sepa_due_bill *b);

/*
 * Inserts a scheduled debit (invoice or plan instalment: the other is
 * 0) and, for a bill, sets the bill's status to 'direct_debit'.
 * Returns 0, RB_CONSTRAINT when a live debit exists already, -1.
 */
int	rb_sepa_store_debit_add(rb_db *db, int64_t contract, int64_t mandate,
	    int64_t invoice, int64_t plan, int instalment, int64_t cents,
	    const char *collection, const char *seq, const char *e2e,
	    int64_t now, int64_t *id);
/* Records that the pre-notification of debit id was queued at now. */
int	rb_sepa_store_debit_notified(rb_db *db, int64_t id, int64_t now);

/* Per sequence type, the scheduled debits of a collection date. */
struct rb_sepa_group {
	char	 sg_seq[5];
	int64_t	 sg_n;
	int64_t	 sg_cents;
};
/* Fills out[0..*n) (at most 4 groups) in the order the rows come. */
int	rb_sepa_store_export_groups(rb_db *db, const char *collection,
	    struct rb_sepa_group out[4], int *n);
/* The same, per sequence type, for the debits of batch (its file). */
int	rb_sepa_store_batch_groups(rb_db *db, int64_t batch,
	    struct rb_sepa_group out[4], int *n);
/* How many debits of date collection were already exported, into *n,
 * and the msg id of the date's last batch (the one made last, by id)
 * into last_msg_id ("" when none). 0, or -1. */
int	rb_sepa_store_exported_count(rb_db *db, const char *collection,
	    int64_t *n, char *last_msg_id, size_t msglen);

/* A row of a batch's file, as rb_sepa_store_batch_rows() hands it over. */
struct rb_sepa_export_row {
	const char	*er_seq;
	int64_t		 er_cents;
	const char	*er_e2e;
	const char	*er_rum;
	const char	*er_signed_on;
	const char	*er_holder;
	const char	*er_iban_enc;
	const char	*er_bic;	/* NULL when unknown */
	const char	*er_invoice;	/* bill number, or NULL */
	const char	*er_contract;
	int		 er_instalment;	/* plan instalment, or 0 */
};
typedef int rb_sepa_export_fn(const struct rb_sepa_export_row *r,
	    void *arg);
/*
 * Hands every debit of batch (whatever its status now), by sequence type
 * then id, to fn; stops when fn returns non-zero (that value is
 * returned). The strings live until fn returns.
 */
int	rb_sepa_store_batch_rows(rb_db *db, int64_t batch,
	    rb_sepa_export_fn *fn, void *arg);
/* Inserts a batch row with the creditor settings its file uses (NULL
 * stored as ""); *id its id. RB_CONSTRAINT when msg_id is taken. */
int	rb_sepa_store_batch_add(rb_db *db, const char *msg_id,
	    const char *collection, int64_t now, int64_t n_tx, int64_t cents,
	    const char *cdtr_name, const char *cdtr_iban, const char *cdtr_bic,
	    const char *cdtr_ics, int64_t *id);
/* A batch (an exported file) as its row records it. */
struct rb_sepa_batch {
	int64_t	 sb_id;
	char	 sb_msg_id[36];
	char	 sb_collection[11];
	int64_t	 sb_created_at;
	int64_t	 sb_n_tx;
	int64_t	 sb_cents;
	int	 sb_has_cdtr;	/* 0: exported before migration 0023 */
	char	 sb_cdtr_name[512];
	char	 sb_cdtr_iban[64];
	char	 sb_cdtr_bic[16];
	char	 sb_cdtr_ics[64];
};
/* Batch msg_id into *b: 0, 1 when unknown, -1. */
int	rb_sepa_store_batch_get(rb_db *db, const char *msg_id,
	    struct rb_sepa_batch *b);
/* How many batches of date collection exist, into *n. */
int	rb_sepa_store_batch_count(rb_db *db, const char *collection,
	    int64_t *n);
/* Marks the scheduled debits of date collection (active mandate), those
 * rb_sepa_store_export_groups() counted, exported in batch. */
int	rb_sepa_store_mark_exported(rb_db *db, const char *collection,
	    int64_t batch, int64_t now, int64_t *changed);

/* The id of batch msg_id: 0, 1 when unknown, -1. */
int	rb_sepa_store_batch_find(rb_db *db, const char *msg_id, int64_t *id);
/* The debit of end-to-end id e2e: 0, 1 when unknown, -1. */
int	rb_sepa_store_debit_by_e2e(rb_db *db, const char *e2e,
	    struct rb_sepa_debit *out);
/* Ids of the debits of batch (seq "" for all, else one block). */
int	rb_sepa_store_debits_of_batch(rb_db *db, int64_t batch,
	    const char *seq, int64_t **ids, size_t *n);
/* The debit of id: 0, 1 when unknown, -1. */
int	rb_sepa_store_debit_get(rb_db *db, int64_t id,
	    struct rb_sepa_debit *out);
/*
 * Marks debit id rejected with code and French reason; its bill (if
 * any) goes back to 'to_pay' with the reason on it.
 */
int	rb_sepa_store_debit_reject(rb_db *db, int64_t id, const char *code,
	    const char *reason, int64_t now);
/* Marks debit id collected (an accepted settlement). */
int	rb_sepa_store_debit_collected(rb_db *db, int64_t id, int64_t now);
/*
 * Records a report being applied, before its statuses (counts 0);
 * RB_CONSTRAINT when msg_id was applied before.
 */
int	rb_sepa_store_return_add(rb_db *db, const char *msg_id, int64_t now);
/* Sets the counts of report msg_id once applied. */
int	rb_sepa_store_return_counts(rb_db *db, const char *msg_id,
	    int64_t n_rejected, int64_t n_accepted);

/* The number of contract id into out. */
int	rb_sepa_store_contract_number(rb_db *db, int64_t contract, char *out,
	    size_t outlen);
/*
 * Stops the active plan of contract and cancels its scheduled
 * instalments; *changed (may be NULL) 1 when a plan was stopped.
 */
int	rb_sepa_store_plan_stop(rb_db *db, int64_t contract, int64_t now,
	    int64_t *changed);

/* A contract of web account `account`, as "Mes moyens de paiement"
 * lists them. */
struct rb_sepa_contract {
	int64_t	 sc_id;
	char	 sc_number[16];
	char	 sc_address[200];
	int	 sc_direct_debit;
};
/*
 * The contracts of account (at most max, by number) into out[0..*n).
 */
int	rb_sepa_store_contracts_of(rb_db *db, int64_t account,
	    struct rb_sepa_contract *out, int max, int *n);

/* A mandate being signed online (sepa_mandate_requests). */
struct rb_sepa_request {
	int64_t	 sr_id;
	int64_t	 sr_contract_id;
	char	 sr_code_hash[65];
	char	 sr_holder[141];
	char	 sr_iban_enc[RB_IBAN_SEALED_MAX];
	int	 sr_attempts;
	int64_t	 sr_expires_at;
};
/* Deletes the requests of account for contract, then inserts one. */
int	rb_sepa_store_request_add(rb_db *db, const char *token_hash,
	    const char *code_hash, int64_t account, int64_t contract,
	    const char *holder, const char *iban_enc, const char *last4,
	    int64_t now, int64_t expires_at);
/* The request of token_hash for account and contract: 0, 1 none, -1. */
int	rb_sepa_store_request_get(rb_db *db, const char *token_hash,
	    int64_t account, int64_t contract, struct rb_sepa_request *out);
/* Counts one wrong code on request id. */
int	rb_sepa_store_request_attempt(rb_db *db, int64_t id);
/* Deletes request id. */
int	rb_sepa_store_request_delete(rb_db *db, int64_t id);

/* The active plan of a contract. */
struct rb_sepa_plan {
	int64_t	 sp_id;
	int	 sp_year;
	int	 sp_day;
	int64_t	 sp_basis_cents;
	int64_t	 sp_instalment_cents;
};
/* The active plan of contract: 0, 1 none, -1. */
int	rb_sepa_store_plan_active(rb_db *db, int64_t contract,
	    struct rb_sepa_plan *out);

/*
 * What "Mes moyens de paiement" reads of one contract, in one batch
 * (rb_db_fetch_batch(): one round trip on PostgreSQL): its active
 * mandate as rb_sepa_store_mandate_active() gives it (*has_mandate 0
 * and *m, or 1 when none), its debits from date `from` on and all live
 * ones (*debits of *ndebits, the caller frees the array) and its active plan as rb_sepa_store_plan_active()
 * (*has_plan 0 and *p, or 1). Returns 0, or -1 (*debits NULL).
 */
int	rb_sepa_store_means(rb_db *db, int64_t contract, const char *from,
	    struct rb_sepa_mandate *m, int *has_mandate,
	    struct rb_sepa_debit **debits, size_t *ndebits,
	    struct rb_sepa_plan *p, int *has_plan);
/* Inserts an active plan; RB_CONSTRAINT when the contract has one. */
int	rb_sepa_store_plan_add(rb_db *db, int64_t contract, int64_t mandate,
	    int year, int day, int64_t basis, int64_t instalment, int64_t now,
	    const char *created_on, const char *first_on, const char *last_on,
	    int64_t *id);
/*
 * The active plan of contract whose last instalment is before a bill
 * issued on issued_on (the year-end bill settles it): 0 with its id and
 * the sum of its live instalments, 1 when none, -1.
 */
int	rb_sepa_store_plan_to_settle(rb_db *db, int64_t contract,
	    const char *issued_on, int64_t *plan, int64_t *paid);
/* Marks plan settled by invoice; the bill paid too when bill_paid. */
int	rb_sepa_store_plan_settle(rb_db *db, int64_t plan, int64_t invoice,
	    int bill_paid);
/* Sum of the current bills (not cancelled) of contract issued from
 * `from` to `to` included, into *cents. */
int	rb_sepa_store_bills_sum(rb_db *db, int64_t contract, const char *from,
	    const char *to, int64_t *cents);

#endif
