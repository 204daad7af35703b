/*
 * sepa.c: the SQL of SEPA direct debit (see sepa.h). Statements live in
 * one constant table; every value is bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/copy.h"
#include "store/payments.h"
#include "store/sepa.h"

#define LIVE	"('scheduled', 'exported', 'collected')"

/* A bill to schedule (struct rb_sepa_due_bill), and what makes it due:
 * SQL_DUE_BILLS lists them, SQL_DUE_BILL reads one again. */
#define DUE_BILL \
	"SELECT i.id, i.contract_id, m.id, " RB_SQL_OWED("i") ", i.due_on," \
	" i.number, c.number, i.issued_on," \
	" CASE WHEN m.src_system IS NULL AND NOT EXISTS (SELECT 1" \
	"  FROM sepa_debits l WHERE l.mandate_id = m.id" \
	"  AND l.status IN " LIVE ") THEN 1 ELSE 0 END" \
	" FROM invoices i JOIN contracts c ON c.id = i.contract_id" \
	" JOIN sepa_mandates m ON m.contract_id = c.id" \
	" AND m.status = 'active'"
#define DUE_BILL_WHERE \
	"c.direct_debit = 1 AND i.archived = 0" \
	" AND i.status IN ('to_pay', 'direct_debit')" \
	" AND " RB_SQL_OWED("i") " > 0" \
	" AND NOT EXISTS (SELECT 1 FROM sepa_debits d" \
	"  WHERE d.invoice_id = i.id AND d.status IN" \
	"  ('scheduled', 'exported', 'collected', 'rejected'))" \
	" AND NOT EXISTS (SELECT 1 FROM sepa_plans p" \
	"  WHERE p.contract_id = c.id AND p.status = 'active'" \
	"  AND i.issued_on >= p.created_on AND i.issued_on <= p.last_on)"

#define DEBIT_COLUMNS \
	"SELECT d.id, d.contract_id, d.invoice_id, d.plan_id," \
	" d.instalment, d.amount_cents, d.collection_date, d.seq_type," \
	" d.status, d.end_to_end_id, i.number, b.msg_id, d.reject_code" \
	" FROM sepa_debits d LEFT JOIN invoices i ON i.id = d.invoice_id" \
	" LEFT JOIN sepa_batches b ON b.id = d.export_batch"

enum sepa_sql {
	SQL_MANDATE_ACTIVE,
	SQL_MANDATE_COUNT,
	SQL_MANDATE_ADD,
	SQL_MANDATE_REVOKE,
	SQL_CONTRACT_DD,
	SQL_CANCEL_BILLS,
	SQL_CANCEL_DEBITS,
	SQL_DUE_BILLS,
	SQL_DUE_BILL,
	SQL_DEBIT_ADD,
	SQL_BILL_DD,
	SQL_DEBIT_NOTIFIED,
	SQL_DEBITS_OF,
	SQL_EXPORT_GROUPS,
	SQL_EXPORTED_COUNT,
	SQL_BATCH_GROUPS,
	SQL_BATCH_ROWS,
	SQL_BATCH_ADD,
	SQL_BATCH_GET,
	SQL_BATCH_COUNT,
	SQL_MARK_EXPORTED,
	SQL_BATCH_FIND,
	SQL_DEBIT_BY_E2E,
	SQL_DEBITS_OF_BATCH,
	SQL_DEBIT_GET,
	SQL_DEBIT_REJECT,
	SQL_BILL_REJECTED,
	SQL_DEBIT_COLLECTED,
	SQL_RETURN_ADD,
	SQL_RETURN_COUNTS,
	SQL_CONTRACT_NUMBER,
	SQL_PLAN_STOP,
	SQL_PLAN_CANCEL_DEBITS,
	SQL_CONTRACTS_OF,
	SQL_REQUEST_CLEAR,
	SQL_REQUEST_ADD,
	SQL_REQUEST_GET,
	SQL_REQUEST_ATTEMPT,
	SQL_REQUEST_DELETE,
	SQL_PLAN_ACTIVE,
	SQL_PLAN_ADD,
	SQL_BILLS_SUM,
	SQL_PLAN_TO_SETTLE,
	SQL_PLAN_SETTLE,
	SQL_BILL_PAID,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	[SQL_MANDATE_ACTIVE] =
	"SELECT id, contract_id, rum, holder, iban_enc, iban_last4, bic,"
	" signed_on, status, revoked_on, src_system IS NOT NULL"
	" FROM sepa_mandates WHERE contract_id = $1 AND status = 'active'",
	[SQL_MANDATE_COUNT] =
	"SELECT count(*) FROM sepa_mandates WHERE contract_id = $1",
	[SQL_MANDATE_ADD] =
	"INSERT INTO sepa_mandates (contract_id, rum, holder, iban_enc,"
	" iban_last4, bic, signed_on, status, signed_by)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) RETURNING id",
	[SQL_MANDATE_REVOKE] =
	"UPDATE sepa_mandates SET status = 'revoked', revoked_on = $2"
	" WHERE id = $1 AND status = 'active'",
	[SQL_CONTRACT_DD] =
	"UPDATE contracts SET direct_debit = $2 WHERE id = $1",
	/* Before SQL_CANCEL_DEBITS: the bills of the debits to cancel. */
	[SQL_CANCEL_BILLS] =
	"UPDATE invoices SET status = 'to_pay' WHERE status = 'direct_debit'"
	" AND id IN (SELECT invoice_id FROM sepa_debits"
	" WHERE mandate_id = $1 AND status = 'scheduled'"
	" AND invoice_id IS NOT NULL)",
	[SQL_CANCEL_DEBITS] =
	"UPDATE sepa_debits SET status = 'cancelled', updated_at = $2"
	" WHERE mandate_id = $1 AND status = 'scheduled'",
	[SQL_DUE_BILLS] =
	DUE_BILL " WHERE i.id > $1 AND " DUE_BILL_WHERE
	" ORDER BY i.id LIMIT $2",
	[SQL_DUE_BILL] =
	DUE_BILL " WHERE i.id = $1 AND " DUE_BILL_WHERE,
	[SQL_DEBIT_ADD] =
	"INSERT INTO sepa_debits (contract_id, mandate_id, invoice_id,"
	" plan_id, instalment, amount_cents, collection_date, seq_type,"
	" status, end_to_end_id, created_at, updated_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $10)"
	" RETURNING id",
	[SQL_BILL_DD] =
	"UPDATE invoices SET status = 'direct_debit' WHERE id = $1"
	" AND status IN ('to_pay', 'direct_debit')",
	[SQL_DEBIT_NOTIFIED] =
	"UPDATE sepa_debits SET notified_at = $2 WHERE id = $1",
	[SQL_DEBITS_OF] =
	DEBIT_COLUMNS
	" WHERE d.contract_id = $1 AND (d.collection_date >= $2"
	" OR d.status IN ('scheduled', 'exported'))"
	" ORDER BY d.collection_date, d.id LIMIT 60",
	[SQL_EXPORT_GROUPS] =
	"SELECT d.seq_type, count(*), sum(d.amount_cents)"
	" FROM sepa_debits d JOIN sepa_mandates m ON m.id = d.mandate_id"
	" WHERE d.collection_date = $1 AND d.status = 'scheduled'"
	" AND m.status = 'active' GROUP BY d.seq_type ORDER BY d.seq_type",
	/* The last batch by its id, the order batches are made in (never
	 * by msg_id: as text, "…-100" sorts before "…-99"). */
	[SQL_EXPORTED_COUNT] =
	"SELECT (SELECT count(*) FROM sepa_debits d"
	" WHERE d.collection_date = $1 AND d.export_batch IS NOT NULL),"
	" (SELECT b.msg_id FROM sepa_batches b WHERE b.collection_date = $1"
	" ORDER BY b.id DESC LIMIT 1)",
	[SQL_BATCH_GROUPS] =
	"SELECT seq_type, count(*), sum(amount_cents) FROM sepa_debits"
	" WHERE export_batch = $1 GROUP BY seq_type ORDER BY seq_type",
	[SQL_BATCH_ROWS] =
	"SELECT d.seq_type, d.amount_cents, d.end_to_end_id, m.rum,"
	" m.signed_on, m.holder, m.iban_enc, m.bic, i.number, c.number,"
	" d.instalment"
	" FROM sepa_debits d JOIN sepa_mandates m ON m.id = d.mandate_id"
	" JOIN contracts c ON c.id = d.contract_id"
	" LEFT JOIN invoices i ON i.id = d.invoice_id"
	" WHERE d.export_batch = $1 ORDER BY d.seq_type, d.id",
	[SQL_BATCH_ADD] =
	"INSERT INTO sepa_batches (msg_id, collection_date, created_at, n_tx,"
	" ctrl_sum_cents, cdtr_name, cdtr_iban, cdtr_bic, cdtr_ics)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
	[SQL_BATCH_GET] =
	"SELECT id, msg_id, collection_date, created_at, n_tx,"
	" ctrl_sum_cents, cdtr_name, cdtr_iban, cdtr_bic, cdtr_ics"
	" FROM sepa_batches WHERE msg_id = $1",
	[SQL_BATCH_COUNT] =
	"SELECT count(*) FROM sepa_batches WHERE collection_date = $1",
	[SQL_MARK_EXPORTED] =
	"UPDATE sepa_debits SET status = 'exported', export_batch = $2,"
	" updated_at = $3 WHERE collection_date = $1 AND status = 'scheduled'"
	" AND EXISTS (SELECT 1 FROM sepa_mandates m"
	" WHERE m.id = sepa_debits.mandate_id AND m.status = 'active')",
	[SQL_BATCH_FIND] =
	"SELECT id FROM sepa_batches WHERE msg_id = $1",
	[SQL_DEBIT_BY_E2E] =
	DEBIT_COLUMNS " WHERE d.end_to_end_id = $1",
	[SQL_DEBITS_OF_BATCH] =
	"SELECT id FROM sepa_debits WHERE export_batch = $1"
	" AND ($2 = '' OR seq_type = $2) ORDER BY id",
	[SQL_DEBIT_GET] =
	DEBIT_COLUMNS " WHERE d.id = $1",
	[SQL_DEBIT_REJECT] =
	"UPDATE sepa_debits SET status = 'rejected', reject_code = $2,"
	" reject_reason = $3, updated_at = $4 WHERE id = $1"
	" AND status IN ('exported', 'collected')",
	[SQL_BILL_REJECTED] =
	"UPDATE invoices SET status = 'to_pay', debit_reject_code = $2,"
	" debit_reject_reason = $3 WHERE id = (SELECT invoice_id"
	" FROM sepa_debits WHERE id = $1)",
	[SQL_DEBIT_COLLECTED] =
	"UPDATE sepa_debits SET status = 'collected', updated_at = $2"
	" WHERE id = $1 AND status = 'exported'",
	[SQL_RETURN_ADD] =
	"INSERT INTO sepa_returns (msg_id, applied_at, n_rejected,"
	" n_accepted) VALUES ($1, $2, 0, 0)",
	[SQL_RETURN_COUNTS] =
	"UPDATE sepa_returns SET n_rejected = $2, n_accepted = $3"
	" WHERE msg_id = $1",
	[SQL_CONTRACT_NUMBER] =
	"SELECT number FROM contracts WHERE id = $1",
	[SQL_PLAN_STOP] =
	"UPDATE sepa_plans SET status = 'stopped', stopped_at = $2"
	" WHERE contract_id = $1 AND status = 'active'",
	[SQL_PLAN_CANCEL_DEBITS] =
	"UPDATE sepa_debits SET status = 'cancelled', updated_at = $2"
	" WHERE contract_id = $1 AND plan_id IS NOT NULL"
	" AND status = 'scheduled'",
	[SQL_CONTRACTS_OF] =
	"SELECT c.id, c.number, c.service_address || ', ' ||"
	" c.service_postcode || ' ' || c.service_commune, c.direct_debit"
	" FROM account_contracts ac JOIN contracts c ON c.id = ac.contract_id"
	" WHERE ac.account_id = $1 ORDER BY c.number LIMIT $2",
	[SQL_REQUEST_CLEAR] =
	"DELETE FROM sepa_mandate_requests WHERE (account_id = $1"
	" AND contract_id = $2) OR expires_at < $3",
	[SQL_REQUEST_ADD] =
	"INSERT INTO sepa_mandate_requests (token_hash, code_hash,"
	" account_id, contract_id, holder, iban_enc, iban_last4, created_at,"
	" expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[SQL_REQUEST_GET] =
	"SELECT id, contract_id, code_hash, holder, iban_enc, attempts,"
	" expires_at FROM sepa_mandate_requests WHERE token_hash = $1"
	" AND account_id = $2 AND contract_id = $3",
	[SQL_REQUEST_ATTEMPT] =
	"UPDATE sepa_mandate_requests SET attempts = attempts + 1"
	" WHERE id = $1",
	[SQL_REQUEST_DELETE] =
	"DELETE FROM sepa_mandate_requests WHERE id = $1",
	[SQL_PLAN_ACTIVE] =
	"SELECT id, plan_year, day_of_month, basis_cents, instalment_cents"
	" FROM sepa_plans WHERE contract_id = $1 AND status = 'active'",
	[SQL_PLAN_ADD] =
	"INSERT INTO sepa_plans (contract_id, mandate_id, plan_year,"
	" day_of_month, basis_cents, instalment_cents, status, created_on,"
	" first_on, last_on, created_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, 'active', $8, $9, $10, $7)"
	" RETURNING id",
	[SQL_PLAN_TO_SETTLE] =
	"SELECT p.id, coalesce((SELECT sum(d.amount_cents) FROM sepa_debits d"
	" WHERE d.plan_id = p.id AND d.status IN " LIVE "), 0)"
	" FROM sepa_plans p WHERE p.contract_id = $1 AND p.status = 'active'"
	" AND p.last_on < $2 ORDER BY p.id LIMIT 1",
	[SQL_PLAN_SETTLE] =
	"UPDATE sepa_plans SET status = 'settled', settled_invoice_id = $2"
	" WHERE id = $1 AND status = 'active'",
	[SQL_BILL_PAID] =
	"UPDATE invoices SET status = 'paid' WHERE id = $1",
	[SQL_BILLS_SUM] =
	"SELECT coalesce(sum(total_cents), 0) FROM invoices"
	" WHERE contract_id = $1 AND archived = 0 AND status <> 'cancelled'"
	" AND issued_on >= $2 AND issued_on <= $3",
};

struct two_ints {
	int64_t	*ti_a;
	int64_t	*ti_b;
};

static void
two_ints_row(rb_stmt *st, void *arg)
{
	struct two_ints *t = arg;

	*t->ti_a = rb_stmt_int(st, 0);
	*t->ti_b = rb_stmt_int(st, 1);
}

static void
mandate_row(rb_stmt *st, void *arg)
{
	struct rb_sepa_mandate *m = arg;

	memset(m, 0, sizeof(*m));
	m->sm_id = rb_stmt_int(st, 0);
	m->sm_contract_id = rb_stmt_int(st, 1);
	rb_store_copy(m->sm_rum, sizeof(m->sm_rum), rb_stmt_text(st, 2));
	rb_store_copy(m->sm_holder, sizeof(m->sm_holder), rb_stmt_text(st, 3));
	rb_store_copy(m->sm_iban_enc, sizeof(m->sm_iban_enc),
	    rb_stmt_text(st, 4));
	rb_store_copy(m->sm_iban_last4, sizeof(m->sm_iban_last4),
	    rb_stmt_text(st, 5));
	rb_store_copy(m->sm_bic, sizeof(m->sm_bic), rb_stmt_text(st, 6));
	rb_store_copy(m->sm_signed_on, sizeof(m->sm_signed_on),
	    rb_stmt_text(st, 7));
	rb_store_copy(m->sm_status, sizeof(m->sm_status), rb_stmt_text(st, 8));
	rb_store_copy(m->sm_revoked_on, sizeof(m->sm_revoked_on),
	    rb_stmt_text(st, 9));
	m->sm_imported = rb_stmt_int(st, 10) != 0;
}

int
rb_sepa_store_mandate_active(rb_db *db, int64_t contract,
    struct rb_sepa_mandate *out)
{
	return rb_db_fetch_one(db, sql[SQL_MANDATE_ACTIVE],
	    RB_BINDS(rb_int(contract)), mandate_row, out);
}

int
rb_sepa_store_mandate_count(rb_db *db, int64_t contract, int64_t *n)
{
	*n = 0;
	return rb_db_fetch_one(db, sql[SQL_MANDATE_COUNT],
	    RB_BINDS(rb_int(contract)), rb_row_int, n) == 0 ? 0 : -1;
}

int
rb_sepa_store_mandate_add(rb_db *db, int64_t contract, const char *rum,
    const char *holder, const char *iban_enc, const char *last4,
    const char *bic, const char *signed_on, int64_t account, int64_t *id)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_MANDATE_ADD], RB_BINDS(
	    rb_int(contract), rb_text(rum), rb_text(holder), rb_text(iban_enc),
	    rb_text(last4), rb_text_or_null(bic), rb_text(signed_on),
	    account > 0 ? rb_int(account) : rb_null()), rb_row_int, id);
	return rc == 1 ? -1 : rc;
}

int
rb_sepa_store_mandate_revoke(rb_db *db, int64_t id, const char *revoked_on,
    int64_t *changed)
{
	return rb_db_run(db, sql[SQL_MANDATE_REVOKE],
	    RB_BINDS(rb_int(id), rb_text(revoked_on)), changed) == 0 ? 0 : -1;
}

int
rb_sepa_store_contract_dd(rb_db *db, int64_t contract, int on)
{
	return rb_db_run(db, sql[SQL_CONTRACT_DD],
	    RB_BINDS(rb_int(contract), rb_int(on ? 1 : 0)), NULL) == 0 ? 0 : -1;
}

int
rb_sepa_store_cancel_mandate_debits(rb_db *db, int64_t mandate, int64_t now,
    int64_t *n)
{
	if (rb_db_run(db, sql[SQL_CANCEL_BILLS], RB_BINDS(rb_int(mandate)),
	    NULL) != 0)
		return -1;
	return rb_db_run(db, sql[SQL_CANCEL_DEBITS],
	    RB_BINDS(rb_int(mandate), rb_int(now)), n) == 0 ? 0 : -1;
}

struct due_bills {
	struct rb_sepa_due_bill	*dbs_v;
	int			 dbs_n;
};

static void
due_bill_row(rb_stmt *st, void *arg)
{
	struct due_bills *d = arg;
	struct rb_sepa_due_bill *b = &d->dbs_v[d->dbs_n++];

	memset(b, 0, sizeof(*b));
	b->db_invoice_id = rb_stmt_int(st, 0);
	b->db_contract_id = rb_stmt_int(st, 1);
	b->db_mandate_id = rb_stmt_int(st, 2);
	b->db_cents = rb_stmt_int(st, 3);
	rb_store_copy(b->db_due_on, sizeof(b->db_due_on), rb_stmt_text(st, 4));
	rb_store_copy(b->db_number, sizeof(b->db_number), rb_stmt_text(st, 5));
	rb_store_copy(b->db_contract, sizeof(b->db_contract),
	    rb_stmt_text(st, 6));
	rb_store_copy(b->db_issued_on, sizeof(b->db_issued_on),
	    rb_stmt_text(st, 7));
	b->db_first = rb_stmt_int(st, 8) != 0;
}

int
rb_sepa_store_due_bills(rb_db *db, int64_t after, int max,
    struct rb_sepa_due_bill *out, int *n)
{
	struct due_bills d = { out, 0 };

	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_DUE_BILLS],
	    RB_BINDS(rb_int(after), rb_int(max)), due_bill_row, &d) != 0)
		return -1;
	*n = d.dbs_n;
	return 0;
}

int
rb_sepa_store_due_bill(rb_db *db, int64_t invoice, struct rb_sepa_due_bill *b)
{
	struct due_bills d = { b, 0 };
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_DUE_BILL], RB_BINDS(rb_int(invoice)),
	    due_bill_row, &d);
	if (rc != 0)
		memset(b, 0, sizeof(*b));
	return rc;
}

int
rb_sepa_store_debit_add(rb_db *db, int64_t contract, int64_t mandate,
    int64_t invoice, int64_t plan, int instalment, int64_t cents,
    const char *collection, const char *seq, const char *e2e, int64_t now,
    int64_t *id)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_DEBIT_ADD], RB_BINDS(
	    rb_int(contract), rb_int(mandate),
	    invoice > 0 ? rb_int(invoice) : rb_null(),
	    plan > 0 ? rb_int(plan) : rb_null(),
	    instalment > 0 ? rb_int(instalment) : rb_null(), rb_int(cents),
	    rb_text(collection), rb_text(seq), rb_text(e2e), rb_int(now)),
	    rb_row_int, id);
	if (rc != 0)
		return rc == 1 ? -1 : rc;
	if (invoice > 0 && rb_db_run(db, sql[SQL_BILL_DD],
	    RB_BINDS(rb_int(invoice)), NULL) != 0)
		return -1;
	return 0;
}

int
rb_sepa_store_debit_notified(rb_db *db, int64_t id, int64_t now)
{
	return rb_db_run(db, sql[SQL_DEBIT_NOTIFIED],
	    RB_BINDS(rb_int(id), rb_int(now)), NULL) == 0 ? 0 : -1;
}

static void
debit_read(rb_stmt *st, struct rb_sepa_debit *d)
{
	memset(d, 0, sizeof(*d));
	d->sd_id = rb_stmt_int(st, 0);
	d->sd_contract_id = rb_stmt_int(st, 1);
	d->sd_invoice_id = rb_stmt_int(st, 2);
	d->sd_plan_id = rb_stmt_int(st, 3);
	d->sd_instalment = (int)rb_stmt_int(st, 4);
	d->sd_cents = rb_stmt_int(st, 5);
	rb_store_copy(d->sd_collection, sizeof(d->sd_collection),
	    rb_stmt_text(st, 6));
	rb_store_copy(d->sd_seq, sizeof(d->sd_seq), rb_stmt_text(st, 7));
	rb_store_copy(d->sd_status, sizeof(d->sd_status), rb_stmt_text(st, 8));
	rb_store_copy(d->sd_e2e, sizeof(d->sd_e2e), rb_stmt_text(st, 9));
	rb_store_copy(d->sd_invoice_number, sizeof(d->sd_invoice_number),
	    rb_stmt_text(st, 10));
	rb_store_copy(d->sd_batch_msg_id, sizeof(d->sd_batch_msg_id),
	    rb_stmt_text(st, 11));
	rb_store_copy(d->sd_reject_code, sizeof(d->sd_reject_code),
	    rb_stmt_text(st, 12));
}

static void
debit_one(rb_stmt *st, void *arg)
{
	debit_read(st, arg);
}

struct debits {
	struct rb_sepa_debit	*ds_v;
	size_t			 ds_n;
	size_t			 ds_cap;
};

static void
debit_row(rb_stmt *st, void *arg)
{
	struct debits *d = arg;

	if (d->ds_n == d->ds_cap) {
		d->ds_cap = d->ds_cap == 0 ? 16 : d->ds_cap * 2;
		d->ds_v = rb_xrealloc(d->ds_v, d->ds_cap * sizeof(*d->ds_v));
	}
	debit_read(st, &d->ds_v[d->ds_n++]);
}

struct groups {
	struct rb_sepa_group	*gs_v;
	int			 gs_n;
};

static void
group_row(rb_stmt *st, void *arg)
{
	struct groups *g = arg;
	struct rb_sepa_group *o;

	if (g->gs_n >= 4)
		return;
	o = &g->gs_v[g->gs_n++];
	rb_store_copy(o->sg_seq, sizeof(o->sg_seq), rb_stmt_text(st, 0));
	o->sg_n = rb_stmt_int(st, 1);
	o->sg_cents = rb_stmt_int(st, 2);
}

int
rb_sepa_store_export_groups(rb_db *db, const char *collection,
    struct rb_sepa_group out[4], int *n)
{
	struct groups g = { out, 0 };

	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_EXPORT_GROUPS],
	    RB_BINDS(rb_text(collection)), group_row, &g) != 0)
		return -1;
	*n = g.gs_n;
	return 0;
}

int
rb_sepa_store_batch_groups(rb_db *db, int64_t batch,
    struct rb_sepa_group out[4], int *n)
{
	struct groups g = { out, 0 };

	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_BATCH_GROUPS],
	    RB_BINDS(rb_int(batch)), group_row, &g) != 0)
		return -1;
	*n = g.gs_n;
	return 0;
}

struct count_msg {
	int64_t	*cm_n;
	char	*cm_msg;
	size_t	 cm_len;
};

static void
count_msg_row(rb_stmt *st, void *arg)
{
	struct count_msg *c = arg;

	*c->cm_n = rb_stmt_int(st, 0);
	rb_store_copy(c->cm_msg, c->cm_len, rb_stmt_text(st, 1));
}

int
rb_sepa_store_exported_count(rb_db *db, const char *collection, int64_t *n,
    char *last_msg_id, size_t msglen)
{
	struct count_msg c = { n, last_msg_id, msglen };

	*n = 0;
	last_msg_id[0] = '\0';
	return rb_db_fetch_one(db, sql[SQL_EXPORTED_COUNT],
	    RB_BINDS(rb_text(collection)), count_msg_row, &c) < 0 ? -1 : 0;
}

int
rb_sepa_store_batch_rows(rb_db *db, int64_t batch,
    rb_sepa_export_fn *fn, void *arg)
{
	struct rb_sepa_export_row r;
	rb_stmt *st;
	int rc, stop = 0;

	if ((st = rb_db_prepare(db, sql[SQL_BATCH_ROWS])) == NULL)
		return -1;
	rb_stmt_bind_int(st, 1, batch);
	while ((rc = rb_stmt_step(st)) == RB_ROW) {
		r.er_seq = rb_stmt_text(st, 0);
		r.er_cents = rb_stmt_int(st, 1);
		r.er_e2e = rb_stmt_text(st, 2);
		r.er_rum = rb_stmt_text(st, 3);
		r.er_signed_on = rb_stmt_text(st, 4);
		r.er_holder = rb_stmt_text(st, 5);
		r.er_iban_enc = rb_stmt_text(st, 6);
		r.er_bic = rb_stmt_text(st, 7);
		r.er_invoice = rb_stmt_text(st, 8);
		r.er_contract = rb_stmt_text(st, 9);
		r.er_instalment = (int)rb_stmt_int(st, 10);
		if ((stop = fn(&r, arg)) != 0)
			break;
	}
	rb_stmt_reset(st);
	if (stop != 0)
		return stop;
	return rc == RB_DONE ? 0 : -1;
}

int
rb_sepa_store_batch_add(rb_db *db, const char *msg_id,
    const char *collection, int64_t now, int64_t n_tx, int64_t cents,
    const char *cdtr_name, const char *cdtr_iban, const char *cdtr_bic,
    const char *cdtr_ics, int64_t *id)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_BATCH_ADD], RB_BINDS(rb_text(msg_id),
	    rb_text(collection), rb_int(now), rb_int(n_tx), rb_int(cents),
	    rb_text(cdtr_name != NULL ? cdtr_name : ""),
	    rb_text(cdtr_iban != NULL ? cdtr_iban : ""),
	    rb_text(cdtr_bic != NULL ? cdtr_bic : ""),
	    rb_text(cdtr_ics != NULL ? cdtr_ics : "")), rb_row_int, id);
	return rc == 1 ? -1 : rc;
}

static void
batch_row(rb_stmt *st, void *arg)
{
	struct rb_sepa_batch *b = arg;

	b->sb_id = rb_stmt_int(st, 0);
	rb_store_copy(b->sb_msg_id, sizeof(b->sb_msg_id), rb_stmt_text(st, 1));
	rb_store_copy(b->sb_collection, sizeof(b->sb_collection),
	    rb_stmt_text(st, 2));
	b->sb_created_at = rb_stmt_int(st, 3);
	b->sb_n_tx = rb_stmt_int(st, 4);
	b->sb_cents = rb_stmt_int(st, 5);
	b->sb_has_cdtr = rb_stmt_text(st, 9) != NULL;
	rb_store_copy(b->sb_cdtr_name, sizeof(b->sb_cdtr_name),
	    rb_stmt_text(st, 6));
	rb_store_copy(b->sb_cdtr_iban, sizeof(b->sb_cdtr_iban),
	    rb_stmt_text(st, 7));
	rb_store_copy(b->sb_cdtr_bic, sizeof(b->sb_cdtr_bic),
	    rb_stmt_text(st, 8));
	rb_store_copy(b->sb_cdtr_ics, sizeof(b->sb_cdtr_ics),
	    rb_stmt_text(st, 9));
}

int
rb_sepa_store_batch_get(rb_db *db, const char *msg_id,
    struct rb_sepa_batch *b)
{
	memset(b, 0, sizeof(*b));
	return rb_db_fetch_one(db, sql[SQL_BATCH_GET],
	    RB_BINDS(rb_text(msg_id)), batch_row, b);
}

int
rb_sepa_store_batch_count(rb_db *db, const char *collection, int64_t *n)
{
	*n = 0;
	return rb_db_fetch_one(db, sql[SQL_BATCH_COUNT],
	    RB_BINDS(rb_text(collection)), rb_row_int, n) == 0 ? 0 : -1;
}

int
rb_sepa_store_mark_exported(rb_db *db, const char *collection, int64_t batch,
    int64_t now, int64_t *changed)
{
	return rb_db_run(db, sql[SQL_MARK_EXPORTED], RB_BINDS(
	    rb_text(collection), rb_int(batch), rb_int(now)), changed) == 0 ?
	    0 : -1;
}

int
rb_sepa_store_batch_find(rb_db *db, const char *msg_id, int64_t *id)
{
	return rb_db_fetch_one(db, sql[SQL_BATCH_FIND],
	    RB_BINDS(rb_text(msg_id)), rb_row_int, id);
}

int
rb_sepa_store_debit_by_e2e(rb_db *db, const char *e2e,
    struct rb_sepa_debit *out)
{
	return rb_db_fetch_one(db, sql[SQL_DEBIT_BY_E2E],
	    RB_BINDS(rb_text(e2e)), debit_one, out);
}

struct ids {
	int64_t	*is_v;
	size_t	 is_n;
	size_t	 is_cap;
};

static void
id_row(rb_stmt *st, void *arg)
{
	struct ids *d = arg;

	if (d->is_n == d->is_cap) {
		d->is_cap = d->is_cap == 0 ? 64 : d->is_cap * 2;
		d->is_v = rb_xrealloc(d->is_v, d->is_cap * sizeof(*d->is_v));
	}
	d->is_v[d->is_n++] = rb_stmt_int(st, 0);
}

int
rb_sepa_store_debits_of_batch(rb_db *db, int64_t batch, const char *seq,
    int64_t **ids, size_t *n)
{
	struct ids d = { NULL, 0, 0 };

	*ids = NULL;
	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_DEBITS_OF_BATCH],
	    RB_BINDS(rb_int(batch), rb_text(seq)), id_row, &d) != 0) {
		free(d.is_v);
		return -1;
	}
	*ids = d.is_v;
	*n = d.is_n;
	return 0;
}

int
rb_sepa_store_debit_get(rb_db *db, int64_t id, struct rb_sepa_debit *out)
{
	return rb_db_fetch_one(db, sql[SQL_DEBIT_GET], RB_BINDS(rb_int(id)),
	    debit_one, out);
}

int
rb_sepa_store_debit_reject(rb_db *db, int64_t id, const char *code,
    const char *reason, int64_t now)
{
	if (rb_db_run(db, sql[SQL_DEBIT_REJECT], RB_BINDS(rb_int(id),
	    rb_text(code), rb_text(reason), rb_int(now)), NULL) != 0)
		return -1;
	return rb_db_run(db, sql[SQL_BILL_REJECTED], RB_BINDS(rb_int(id),
	    rb_text(code), rb_text(reason)), NULL) == 0 ? 0 : -1;
}

int
rb_sepa_store_debit_collected(rb_db *db, int64_t id, int64_t now)
{
	return rb_db_run(db, sql[SQL_DEBIT_COLLECTED],
	    RB_BINDS(rb_int(id), rb_int(now)), NULL) == 0 ? 0 : -1;
}

int
rb_sepa_store_return_add(rb_db *db, const char *msg_id, int64_t now)
{
	return rb_db_run(db, sql[SQL_RETURN_ADD], RB_BINDS(rb_text(msg_id),
	    rb_int(now)), NULL);
}

int
rb_sepa_store_return_counts(rb_db *db, const char *msg_id,
    int64_t n_rejected, int64_t n_accepted)
{
	return rb_db_run(db, sql[SQL_RETURN_COUNTS], RB_BINDS(rb_text(msg_id),
	    rb_int(n_rejected), rb_int(n_accepted)), NULL) == 0 ? 0 : -1;
}

static void
text_row(rb_stmt *st, void *arg)
{
	struct count_msg *c = arg;

	rb_store_copy(c->cm_msg, c->cm_len, rb_stmt_text(st, 0));
}

int
rb_sepa_store_contract_number(rb_db *db, int64_t contract, char *out,
    size_t outlen)
{
	struct count_msg c = { NULL, out, outlen };

	out[0] = '\0';
	return rb_db_fetch_one(db, sql[SQL_CONTRACT_NUMBER],
	    RB_BINDS(rb_int(contract)), text_row, &c) == 0 ? 0 : -1;
}

int
rb_sepa_store_plan_stop(rb_db *db, int64_t contract, int64_t now,
    int64_t *changed)
{
	if (rb_db_run(db, sql[SQL_PLAN_STOP], RB_BINDS(rb_int(contract),
	    rb_int(now)), changed) != 0)
		return -1;
	return rb_db_run(db, sql[SQL_PLAN_CANCEL_DEBITS],
	    RB_BINDS(rb_int(contract), rb_int(now)), NULL) == 0 ? 0 : -1;
}

struct contracts {
	struct rb_sepa_contract	*cs_v;
	int			 cs_n;
	int			 cs_max;
};

static void
contract_row(rb_stmt *st, void *arg)
{
	struct contracts *c = arg;
	struct rb_sepa_contract *o;

	if (c->cs_n >= c->cs_max)
		return;
	o = &c->cs_v[c->cs_n++];
	memset(o, 0, sizeof(*o));
	o->sc_id = rb_stmt_int(st, 0);
	rb_store_copy(o->sc_number, sizeof(o->sc_number), rb_stmt_text(st, 1));
	rb_store_copy(o->sc_address, sizeof(o->sc_address),
	    rb_stmt_text(st, 2));
	o->sc_direct_debit = rb_stmt_int(st, 3) != 0;
}

int
rb_sepa_store_contracts_of(rb_db *db, int64_t account,
    struct rb_sepa_contract *out, int max, int *n)
{
	struct contracts c = { out, 0, max };

	*n = 0;
	if (rb_db_fetch_all(db, sql[SQL_CONTRACTS_OF],
	    RB_BINDS(rb_int(account), rb_int(max)), contract_row, &c) != 0)
		return -1;
	*n = c.cs_n;
	return 0;
}

int
rb_sepa_store_request_add(rb_db *db, const char *token_hash,
    const char *code_hash, int64_t account, int64_t contract,
    const char *holder, const char *iban_enc, const char *last4, int64_t now,
    int64_t expires_at)
{
	if (rb_db_run(db, sql[SQL_REQUEST_CLEAR], RB_BINDS(rb_int(account),
	    rb_int(contract), rb_int(now)), NULL) != 0)
		return -1;
	return rb_db_run(db, sql[SQL_REQUEST_ADD], RB_BINDS(rb_text(token_hash),
	    rb_text(code_hash), rb_int(account), rb_int(contract),
	    rb_text(holder), rb_text(iban_enc), rb_text(last4), rb_int(now),
	    rb_int(expires_at)), NULL) == 0 ? 0 : -1;
}

static void
request_row(rb_stmt *st, void *arg)
{
	struct rb_sepa_request *r = arg;

	memset(r, 0, sizeof(*r));
	r->sr_id = rb_stmt_int(st, 0);
	r->sr_contract_id = rb_stmt_int(st, 1);
	rb_store_copy(r->sr_code_hash, sizeof(r->sr_code_hash),
	    rb_stmt_text(st, 2));
	rb_store_copy(r->sr_holder, sizeof(r->sr_holder), rb_stmt_text(st, 3));
	rb_store_copy(r->sr_iban_enc, sizeof(r->sr_iban_enc),
	    rb_stmt_text(st, 4));
	r->sr_attempts = (int)rb_stmt_int(st, 5);
	r->sr_expires_at = rb_stmt_int(st, 6);
}

int
rb_sepa_store_request_get(rb_db *db, const char *token_hash, int64_t account,
    int64_t contract, struct rb_sepa_request *out)
{
	return rb_db_fetch_one(db, sql[SQL_REQUEST_GET],
	    RB_BINDS(rb_text(token_hash), rb_int(account), rb_int(contract)),
	    request_row, out);
}

int
rb_sepa_store_request_attempt(rb_db *db, int64_t id)
{
	return rb_db_run(db, sql[SQL_REQUEST_ATTEMPT], RB_BINDS(rb_int(id)),
	    NULL) == 0 ? 0 : -1;
}

int
rb_sepa_store_request_delete(rb_db *db, int64_t id)
{
	return rb_db_run(db, sql[SQL_REQUEST_DELETE], RB_BINDS(rb_int(id)),
	    NULL) == 0 ? 0 : -1;
}

static void
plan_row(rb_stmt *st, void *arg)
{
	struct rb_sepa_plan *p = arg;

	p->sp_id = rb_stmt_int(st, 0);
	p->sp_year = (int)rb_stmt_int(st, 1);
	p->sp_day = (int)rb_stmt_int(st, 2);
	p->sp_basis_cents = rb_stmt_int(st, 3);
	p->sp_instalment_cents = rb_stmt_int(st, 4);
}

int
rb_sepa_store_plan_active(rb_db *db, int64_t contract,
    struct rb_sepa_plan *out)
{
	memset(out, 0, sizeof(*out));
	return rb_db_fetch_one(db, sql[SQL_PLAN_ACTIVE],
	    RB_BINDS(rb_int(contract)), plan_row, out);
}

int
rb_sepa_store_plan_add(rb_db *db, int64_t contract, int64_t mandate,
    int year, int day, int64_t basis, int64_t instalment, int64_t now,
    const char *created_on, const char *first_on, const char *last_on,
    int64_t *id)
{
	int rc;

	rc = rb_db_fetch_one(db, sql[SQL_PLAN_ADD], RB_BINDS(rb_int(contract),
	    rb_int(mandate), rb_int(year), rb_int(day), rb_int(basis),
	    rb_int(instalment), rb_int(now), rb_text(created_on),
	    rb_text(first_on), rb_text(last_on)), rb_row_int, id);
	return rc == 1 ? -1 : rc;
}

int
rb_sepa_store_plan_to_settle(rb_db *db, int64_t contract,
    const char *issued_on, int64_t *plan, int64_t *paid)
{
	struct two_ints t = { plan, paid };

	*plan = *paid = 0;
	return rb_db_fetch_one(db, sql[SQL_PLAN_TO_SETTLE], RB_BINDS(
	    rb_int(contract), rb_text(issued_on)), two_ints_row, &t);
}

int
rb_sepa_store_plan_settle(rb_db *db, int64_t plan, int64_t invoice,
    int bill_paid)
{
	if (rb_db_run(db, sql[SQL_PLAN_SETTLE], RB_BINDS(rb_int(plan),
	    rb_int(invoice)), NULL) != 0)
		return -1;
	if (bill_paid && rb_db_run(db, sql[SQL_BILL_PAID],
	    RB_BINDS(rb_int(invoice)), NULL) != 0)
		return -1;
	return 0;
}

int
rb_sepa_store_bills_sum(rb_db *db, int64_t contract, const char *from,
    const char *to, int64_t *cents)
{
	*cents = 0;
	return rb_db_fetch_one(db, sql[SQL_BILLS_SUM], RB_BINDS(
	    rb_int(contract), rb_text(from), rb_text(to)), rb_row_int,
	    cents) == 0 ? 0 : -1;
}


/* A row fn keeping the first row of a one-row read (as
 * rb_db_fetch_one()), with whether there was one. */
struct first_row {
	rb_row_fn	*fr_row;
	void		*fr_arg;
	int		 fr_none;	/* 1 until a row came */
};

static void
first_row(rb_stmt *st, void *arg)
{
	struct first_row *f = arg;

	if (!f->fr_none)
		return;
	f->fr_row(st, f->fr_arg);
	f->fr_none = 0;
}

int
rb_sepa_store_means(rb_db *db, int64_t contract, const char *from,
    struct rb_sepa_mandate *m, int *has_mandate,
    struct rb_sepa_debit **debits, size_t *ndebits,
    struct rb_sepa_plan *p, int *has_plan)
{
	const struct rb_bind b[] = { rb_int(contract), rb_text(from) };
	struct first_row fm = { mandate_row, m, 1 }, fp = { plan_row, p, 1 };
	struct debits d = { NULL, 0, 0 };
	struct rb_db_read r[3] = {
		{ sql[SQL_MANDATE_ACTIVE], b, 1, first_row, &fm, 0 },
		{ sql[SQL_DEBITS_OF], b, 2, debit_row, &d, 0 },
		{ sql[SQL_PLAN_ACTIVE], b, 1, first_row, &fp, 0 },
	};

	memset(p, 0, sizeof(*p));
	*debits = NULL;
	*ndebits = 0;
	if (rb_db_fetch_batch(db, r, 3) != 0) {
		free(d.ds_v);
		return -1;
	}
	*has_mandate = fm.fr_none;
	*has_plan = fp.fr_none;
	*debits = d.ds_v;
	*ndebits = d.ds_n;
	return 0;
}
