/*
 * import.c: the data import (see import.h and docs/import-format.md).
 *
 * Each known file is described by a constant table of columns (name,
 * SQL parameter, validator, required) and a hook for the rules that
 * combine columns or resolve references by natural key. A run:
 *   1. checks the folder, lists unknown *.csv files as rejected;
 *   2. creates the import batch (committed at once: a run that dies
 *      stays visible as 'running');
 *   3. for every known file present, in import order, in one
 *      transaction: reads the header, then every record: validates each
 *      column, applies the hook, writes the row (store/import_store.c
 *      tells inserted, updated or unchanged) inside a savepoint, so
 *      that a row the database refuses is undone alone and the
 *      transaction goes on (PostgreSQL would abandon it); any rejection
 *      rolls the whole file back at its end, but every row is still
 *      checked so that one run reports every problem; a file whose
 *      table is empty may instead go by one bulk copy (see
 *      fast_start()), falling back to this path on any problem;
 *   4. writes the summary to the report and stdout, finishes the batch
 *      and adds the audit entry.
 *
 * Duplicate keys within a file: a row inserted or updated by this file
 * carries its batch, file and line (the provenance), so a later row
 * with the same key is found to be a duplicate of that line. A row left
 * unchanged is not written: its id is marked with its line in a sparse
 * array (chunks of 65536 ids, allocated on demand, 4 bytes an id), which
 * the later row finds instead. A first import allocates none.
 *
 * References (customer ref, contract number, meter serial, invoice
 * number) are looked up in the database with a one-entry cache per kind:
 * exports list readings by meter and lines by invoice, so most lookups
 * hit it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/csvread.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/namekey.h"
#include "app/import.h"
#include "app/import_check.h"
#include "mail/mail.h"
#include "store/audit.h"

#define MAX_COLS	24
#define CHUNK_IDS	65536

const char *const rb_import_sources[] = { "billing", "former_operator",
	NULL };

static const char *const headings[] = { "distribution", "sewage",
	"public_bodies", NULL };
static const char *const tariff_units[] = { "m3", "subscription", NULL };
static const char *const titles[] = { "M.", "Mme", NULL };
static const char *const origins[] = { "subscriber_2023",
	"former_operator", "new", NULL };
static const char *const reading_sources[] = { "actual", "estimated",
	"customer", "remote", NULL };
static const char *const read_kinds[] = { "actual", "estimated", NULL };
static const char *const invoice_statuses[] = { "to_pay", "paid",
	"direct_debit", "overdue", "cancelled", NULL };
static const char *const quantity_units[] = { "litre", "day", NULL };
static const char *const mandate_statuses[] = { "active", "revoked", NULL };

/* Columns, file by file, in the order of docs/import-format.md. */

enum { TA_CODE, TA_FROM, TA_TO, TA_HEADING, TA_LABEL, TA_UNIT, TA_PRICE,
	TA_VAT, TA__MAX };
static const struct rb_ichk_col tariff_cols[TA__MAX] = {
	[TA_CODE] = { "code", "code", RB_ICHK_CODE, 1, 0, NULL, NULL,
	    "code de tarif manquant" },
	[TA_FROM] = { "valid_from", "valid_from", RB_ICHK_DATE, 1, 0, NULL,
	    NULL, "date de début de validité manquante" },
	[TA_TO] = { "valid_to", "valid_to", RB_ICHK_DATE, 0, 0, NULL, NULL,
	    NULL },
	[TA_HEADING] = { "heading", "heading", RB_ICHK_ENUM, 1, 0, headings,
	    NULL, NULL },
	[TA_LABEL] = { "label", "label", RB_ICHK_TEXT, 1, 200, NULL, NULL,
	    "libellé manquant" },
	[TA_UNIT] = { "unit", "unit", RB_ICHK_ENUM, 1, 0, tariff_units, NULL,
	    NULL },
	[TA_PRICE] = { "unit_price_c100", "unit_price_c100", RB_ICHK_COUNT,
	    1, 0, NULL, NULL, "prix unitaire manquant" },
	[TA_VAT] = { "vat_rate_bp", "vat_rate_bp", RB_ICHK_BP, 1, 0, NULL,
	    NULL, "taux de TVA manquant" },
};

enum { CU_REF, CU_TITLE, CU_LAST, CU_FIRST, CU_EMAIL, CU_PHONE, CU_ADDR1,
	CU_ADDR2, CU_POSTCODE, CU_COMMUNE, CU_COUNTRY, CU__MAX };
static const struct rb_ichk_col customer_cols[CU__MAX] = {
	[CU_REF] = { "ref", "ref", RB_ICHK_REF, 1, 0, NULL, NULL,
	    "référence client manquante" },
	[CU_TITLE] = { "title", "title", RB_ICHK_ENUM, 0, 0, titles, NULL,
	    NULL },
	[CU_LAST] = { "last_name", "last_name", RB_ICHK_TEXT, 1, 100, NULL,
	    NULL, "nom manquant" },
	[CU_FIRST] = { "first_name", "first_name", RB_ICHK_TEXT, 0, 100, NULL,
	    NULL, NULL },
	[CU_EMAIL] = { "email", "email", RB_ICHK_EMAIL, 0, 0, NULL, NULL,
	    NULL },
	[CU_PHONE] = { "phone", "phone", RB_ICHK_PHONE, 0, 0, NULL, NULL,
	    NULL },
	[CU_ADDR1] = { "address_line1", "address_line1", RB_ICHK_TEXT, 1, 200,
	    NULL, NULL, "adresse manquante" },
	[CU_ADDR2] = { "address_line2", "address_line2", RB_ICHK_TEXT, 0, 200,
	    NULL, NULL, NULL },
	[CU_POSTCODE] = { "postcode", "postcode", RB_ICHK_TEXT, 1, 10, NULL,
	    NULL, "code postal manquant" },
	[CU_COMMUNE] = { "commune", "commune", RB_ICHK_TEXT, 1, 100, NULL,
	    NULL, "commune manquante" },
	[CU_COUNTRY] = { "country", "country", RB_ICHK_COUNTRY, 0, 0, NULL,
	    "FR", NULL },
};

enum { CO_NUMBER, CO_OLD, CO_ORIGIN, CO_CUSTOMER, CO_ADDR, CO_POSTCODE,
	CO_COMMUNE, CO_START, CO_END, CO_CAN_CREATE, CO_DEBIT, CO_PAPERLESS,
	CO__MAX };
static const struct rb_ichk_col contract_cols[CO__MAX] = {
	[CO_NUMBER] = { "number", "number", RB_ICHK_CONTRACT_NO, 1, 0, NULL,
	    NULL, "numéro de contrat manquant" },
	[CO_OLD] = { "old_number", "old_number", RB_ICHK_OLD_NO, 0, 0, NULL,
	    NULL, NULL },
	[CO_ORIGIN] = { "origin", "origin", RB_ICHK_ENUM, 1, 0, origins, NULL,
	    NULL },
	[CO_CUSTOMER] = { "customer_ref", NULL, RB_ICHK_REF, 1, 0, NULL, NULL,
	    "référence client manquante" },
	[CO_ADDR] = { "service_address", "service_address", RB_ICHK_TEXT, 1,
	    200, NULL, NULL, "adresse desservie manquante" },
	[CO_POSTCODE] = { "service_postcode", "service_postcode",
	    RB_ICHK_POSTCODE, 1, 0, NULL, NULL, "code postal manquant" },
	[CO_COMMUNE] = { "service_commune", "service_commune", RB_ICHK_TEXT,
	    1, 100, NULL, NULL, "commune manquante" },
	[CO_START] = { "start_date", "start_date", RB_ICHK_DATE, 1, 0, NULL,
	    NULL, "date de début manquante" },
	[CO_END] = { "end_date", "end_date", RB_ICHK_DATE, 0, 0, NULL, NULL,
	    NULL },
	[CO_CAN_CREATE] = { "can_create_account", "can_create_account",
	    RB_ICHK_FLAG, 0, 0, NULL, "0", NULL },
	[CO_DEBIT] = { "direct_debit", "direct_debit", RB_ICHK_FLAG, 0, 0,
	    NULL, "0", NULL },
	[CO_PAPERLESS] = { "paperless", "paperless", RB_ICHK_FLAG, 0, 0, NULL,
	    "0", NULL },
};

enum { ME_SERIAL, ME_CONTRACT, ME_REMOTE, ME_INSTALLED, ME_REMOVED,
	ME__MAX };
static const struct rb_ichk_col meter_cols[ME__MAX] = {
	[ME_SERIAL] = { "serial", "serial", RB_ICHK_SERIAL, 1, 0, NULL, NULL,
	    "numéro de compteur manquant" },
	[ME_CONTRACT] = { "contract_number", NULL, RB_ICHK_CONTRACT_NO, 1, 0,
	    NULL, NULL, "numéro de contrat manquant" },
	[ME_REMOTE] = { "remote_read", "remote_read", RB_ICHK_FLAG, 0, 0,
	    NULL, "0", NULL },
	[ME_INSTALLED] = { "installed_on", "installed_on", RB_ICHK_DATE, 1, 0,
	    NULL, NULL, "date de pose manquante" },
	[ME_REMOVED] = { "removed_on", "removed_on", RB_ICHK_DATE, 0, 0, NULL,
	    NULL, NULL },
};

enum { RE_METER, RE_ON, RE_INDEX, RE_SOURCE, RE__MAX };
static const struct rb_ichk_col reading_cols[RE__MAX] = {
	[RE_METER] = { "meter_serial", NULL, RB_ICHK_SERIAL, 1, 0, NULL, NULL,
	    "numéro de compteur manquant" },
	[RE_ON] = { "read_on", "read_on", RB_ICHK_DATE, 1, 0, NULL, NULL,
	    "date de relève manquante" },
	[RE_INDEX] = { "index_litres", "index_litres", RB_ICHK_COUNT, 1, 0,
	    NULL, NULL, "index manquant" },
	[RE_SOURCE] = { "source", "source", RB_ICHK_ENUM, 1, 0,
	    reading_sources, NULL, NULL },
};

enum { IN_NUMBER, IN_CONTRACT, IN_PRINTED, IN_ARCHIVED, IN_PSTART, IN_PEND,
	IN_OLD_INDEX, IN_NEW_INDEX, IN_OLD_ON, IN_NEW_ON, IN_OLD_KIND,
	IN_NEW_KIND, IN_VOLUME, IN_HT, IN_VAT, IN_TOTAL, IN_ISSUED, IN_DUE,
	IN_STATUS, IN__MAX };
static const struct rb_ichk_col invoice_cols[IN__MAX] = {
	[IN_NUMBER] = { "number", "number", RB_ICHK_INVOICE_NO, 1, 0, NULL,
	    NULL, "numéro de facture manquant" },
	[IN_CONTRACT] = { "contract_number", NULL, RB_ICHK_CONTRACT_NO, 1, 0,
	    NULL, NULL, "numéro de contrat manquant" },
	[IN_PRINTED] = { "printed_contract_number", NULL, RB_ICHK_TEXT, 0, 16,
	    NULL, NULL, NULL },
	[IN_ARCHIVED] = { "archived", "archived", RB_ICHK_FLAG, 0, 0, NULL,
	    "0", NULL },
	[IN_PSTART] = { "period_start", "period_start", RB_ICHK_DATE, 1, 0,
	    NULL, NULL, "début de période manquant" },
	[IN_PEND] = { "period_end", "period_end", RB_ICHK_DATE, 1, 0, NULL,
	    NULL, "fin de période manquante" },
	[IN_OLD_INDEX] = { "old_index_litres", "old_index_litres",
	    RB_ICHK_COUNT, 0, 0, NULL, NULL, NULL },
	[IN_NEW_INDEX] = { "new_index_litres", "new_index_litres",
	    RB_ICHK_COUNT, 0, 0, NULL, NULL, NULL },
	[IN_OLD_ON] = { "old_read_on", "old_read_on", RB_ICHK_DATE, 0, 0,
	    NULL, NULL, NULL },
	[IN_NEW_ON] = { "new_read_on", "new_read_on", RB_ICHK_DATE, 0, 0,
	    NULL, NULL, NULL },
	[IN_OLD_KIND] = { "old_read_kind", "old_read_kind", RB_ICHK_ENUM, 0,
	    0, read_kinds, NULL, NULL },
	[IN_NEW_KIND] = { "new_read_kind", "new_read_kind", RB_ICHK_ENUM, 0,
	    0, read_kinds, NULL, NULL },
	[IN_VOLUME] = { "volume_litres", "volume_litres", RB_ICHK_COUNT, 0, 0,
	    NULL, "0", NULL },
	[IN_HT] = { "amount_excl_tax_cents", "amount_excl_tax_cents",
	    RB_ICHK_INT, 1, 0, NULL, NULL, "montant HT manquant" },
	[IN_VAT] = { "vat_cents", "vat_cents", RB_ICHK_INT, 1, 0, NULL, NULL,
	    "montant de TVA manquant" },
	[IN_TOTAL] = { "total_cents", "total_cents", RB_ICHK_INT, 1, 0, NULL,
	    NULL, "montant TTC manquant" },
	[IN_ISSUED] = { "issued_on", "issued_on", RB_ICHK_DATE, 1, 0, NULL,
	    NULL, "date d'émission manquante" },
	[IN_DUE] = { "due_on", "due_on", RB_ICHK_DATE, 1, 0, NULL, NULL,
	    "date limite de paiement manquante" },
	[IN_STATUS] = { "status", "status", RB_ICHK_ENUM, 1, 0,
	    invoice_statuses, NULL, NULL },
};

enum { LI_INVOICE, LI_POSITION, LI_HEADING, LI_TARIFF, LI_LABEL, LI_PSTART,
	LI_PEND, LI_QUANTITY, LI_UNIT, LI_PRICE, LI_HT, LI_RATE, LI_VAT,
	LI__MAX };
static const struct rb_ichk_col line_cols[LI__MAX] = {
	[LI_INVOICE] = { "invoice_number", NULL, RB_ICHK_INVOICE_NO, 1, 0,
	    NULL, NULL, "numéro de facture manquant" },
	[LI_POSITION] = { "position", "position", RB_ICHK_COUNT, 1, 1000,
	    NULL, NULL, "position manquante" },
	[LI_HEADING] = { "heading", "heading", RB_ICHK_ENUM, 1, 0, headings,
	    NULL, NULL },
	[LI_TARIFF] = { "tariff_code", "tariff_code", RB_ICHK_CODE, 0, 0,
	    NULL, NULL, NULL },
	[LI_LABEL] = { "label", "label", RB_ICHK_TEXT, 1, 200, NULL, NULL,
	    "libellé manquant" },
	[LI_PSTART] = { "period_start", "period_start", RB_ICHK_DATE, 0, 0,
	    NULL, NULL, NULL },
	[LI_PEND] = { "period_end", "period_end", RB_ICHK_DATE, 0, 0, NULL,
	    NULL, NULL },
	[LI_QUANTITY] = { "quantity", "quantity", RB_ICHK_COUNT, 1, 0, NULL,
	    NULL, "quantité manquante" },
	[LI_UNIT] = { "quantity_unit", "quantity_unit", RB_ICHK_ENUM, 1, 0,
	    quantity_units, NULL, NULL },
	[LI_PRICE] = { "unit_price_c100", "unit_price_c100", RB_ICHK_INT, 1,
	    0, NULL, NULL, "prix unitaire manquant" },
	[LI_HT] = { "amount_excl_tax_cents", "amount_excl_tax_cents",
	    RB_ICHK_INT, 1, 0, NULL, NULL, "montant HT manquant" },
	[LI_RATE] = { "vat_rate_bp", "vat_rate_bp", RB_ICHK_BP, 1, 0, NULL,
	    NULL, "taux de TVA manquant" },
	[LI_VAT] = { "vat_cents", "vat_cents", RB_ICHK_INT, 1, 0, NULL, NULL,
	    "montant de TVA manquant" },
};

enum { MA_RUM, MA_CONTRACT, MA_HOLDER, MA_IBAN, MA_BIC, MA_SIGNED,
	MA_STATUS, MA_REVOKED, MA__MAX };
static const struct rb_ichk_col mandate_cols[MA__MAX] = {
	[MA_RUM] = { "rum", "rum", RB_ICHK_RUM, 1, 0, NULL, NULL,
	    "référence de mandat manquante" },
	[MA_CONTRACT] = { "contract_number", NULL, RB_ICHK_CONTRACT_NO, 1, 0,
	    NULL, NULL, "numéro de contrat manquant" },
	[MA_HOLDER] = { "holder", "holder", RB_ICHK_TEXT, 1, 70, NULL, NULL,
	    "titulaire du compte manquant" },
	[MA_IBAN] = { "iban", NULL, RB_ICHK_IBAN, 1, 0, NULL, NULL,
	    "IBAN manquant" },
	[MA_BIC] = { "bic", "bic", RB_ICHK_BIC, 0, 0, NULL, NULL, NULL },
	[MA_SIGNED] = { "signed_on", "signed_on", RB_ICHK_DATE, 1, 0, NULL,
	    NULL, "date de signature manquante" },
	[MA_STATUS] = { "status", "status", RB_ICHK_ENUM, 1, 0,
	    mandate_statuses, NULL, NULL },
	[MA_REVOKED] = { "revoked_on", "revoked_on", RB_ICHK_DATE, 0, 0, NULL,
	    NULL, NULL },
};

enum { LG_ID, LG_CONTRACT, LG_HASH, LG_MIGRATED, LG__MAX };
static const struct rb_ichk_col legacy_cols[LG__MAX] = {
	[LG_ID] = { "old_customer_id", "old_customer_id", RB_ICHK_OLD_NO, 1,
	    0, NULL, NULL, "identifiant de l'ancien espace manquant" },
	[LG_CONTRACT] = { "contract_number", NULL, RB_ICHK_CONTRACT_NO, 1, 0,
	    NULL, NULL, "numéro de contrat manquant" },
	[LG_HASH] = { "hash", "hash", RB_ICHK_HASH, 1, 0, NULL, NULL,
	    "empreinte du mot de passe manquante" },
	[LG_MIGRATED] = { "migrated_at", "migrated_at", RB_ICHK_COUNT, 0, 0,
	    NULL, NULL, NULL },
};

/* A reference cache: the last key looked up and what it gave. */
struct ref_cache {
	char		 rc_key[40];
	int		 rc_found;	/* -1: empty */
	int64_t		 rc_id;
	char		 rc_extra[24];
};

/*
 * A map from a text key to an id and an optional text, for the bulk
 * path: the references of a file loaded in one query (2.4 million
 * invoice numbers for 400,000 contracts), the old numbers given so far.
 * Open addressing, linear probing, grown at three quarters full; an
 * entry is 16 bytes, its key and text stored one after the other
 * ("key\0" then "\1text\0", or "\0" when it has none) in large
 * blocks that are never freed one by one: about 60 bytes a key in all.
 */
struct km_ent {
	const char	*ke_key;	/* NULL: free slot */
	int64_t		 ke_id;
};

#define KM_BLOCK	(1024 * 1024)

struct km_block {
	struct km_block	*kb_next;
	size_t		 kb_used, kb_size;
	char		 kb_data[];
};

struct keymap {
	struct km_ent	*km_ent;
	size_t		 km_cap;	/* a power of 2, or 0 */
	size_t		 km_n;
	struct km_block	*km_blocks;	/* the newest first */
};

static uint64_t
km_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct km_ent *
km_slot(const struct keymap *m, const char *key)
{
	size_t i = (size_t)km_hash(key) & (m->km_cap - 1);

	while (m->km_ent[i].ke_key != NULL &&
	    strcmp(m->km_ent[i].ke_key, key) != 0)
		i = (i + 1) & (m->km_cap - 1);
	return &m->km_ent[i];
}

static const struct km_ent *
km_get(const struct keymap *m, const char *key)
{
	const struct km_ent *e;

	if (m->km_cap == 0)
		return NULL;
	e = km_slot(m, key);
	return e->ke_key != NULL ? e : NULL;
}

/* The text kept with entry e, or NULL. */
static const char *
km_extra(const struct km_ent *e)
{
	const char *p = e->ke_key + strlen(e->ke_key) + 1;

	return *p == '\1' ? p + 1 : NULL;
}

/* Stores key and extra (may be NULL) in m's blocks. */
static const char *
km_store(struct keymap *m, const char *key, const char *extra)
{
	size_t kl = strlen(key) + 1, xl = extra != NULL ? strlen(extra) + 1 :
	    0, need = kl + 1 + xl, size;
	struct km_block *b = m->km_blocks;
	char *p;

	if (b == NULL || b->kb_size - b->kb_used < need) {
		size = need > KM_BLOCK ? need : KM_BLOCK;
		b = rb_xmalloc(sizeof(*b) + size);
		b->kb_next = m->km_blocks;
		b->kb_used = 0;
		b->kb_size = size;
		m->km_blocks = b;
	}
	p = b->kb_data + b->kb_used;
	b->kb_used += need;
	memcpy(p, key, kl);
	p[kl] = extra != NULL ? '\1' : '\0';
	if (extra != NULL)
		memcpy(p + kl + 1, extra, xl);
	return p;
}

/* Sets key to (id, extra), replacing what it held. */
static void
km_put(struct keymap *m, const char *key, int64_t id, const char *extra)
{
	struct km_ent *e, *old;
	size_t i, cap;

	if ((m->km_n + 1) * 4 > m->km_cap * 3) {
		old = m->km_ent;
		cap = m->km_cap;
		m->km_cap = cap ? cap * 2 : 1024;
		m->km_ent = rb_xcalloc(m->km_cap, sizeof(*m->km_ent));
		for (i = 0; i < cap; i++)
			if (old[i].ke_key != NULL)
				*km_slot(m, old[i].ke_key) = old[i];
		free(old);
	}
	e = km_slot(m, key);
	if (e->ke_key == NULL)
		m->km_n++;
	e->ke_key = km_store(m, key, extra);
	e->ke_id = id;
}

static void
km_free(struct keymap *m)
{
	struct km_block *b, *next;

	for (b = m->km_blocks; b != NULL; b = next) {
		next = b->kb_next;
		free(b);
	}
	free(m->km_ent);
	memset(m, 0, sizeof(*m));
}

static void
km_load(const char *key, int64_t id, const char *extra, void *arg)
{
	km_put(arg, key, id, extra);
}

/* A new bill to announce or print, once the file is written. */
struct new_bill {
	char		 nb_number[40];
	char		 nb_contract[16];
	char		 nb_issued[11];
	char		 nb_due[11];
	int64_t		 nb_contract_id;
	size_t		 nb_line;
};

struct run;
struct row;

/* One file: its columns, the extra parameters its hook sets. */
struct file_spec {
	const char	*fs_name;
	enum rb_imp_table fs_table;
	const struct rb_ichk_col *fs_cols;
	int		 fs_ncols;
	const char	*fs_extra[3];	/* SQL parameters the hook sets */
	void		(*fs_hook)(struct run *, struct row *);
};

/* The row being imported. */
struct row {
	size_t		 w_line;
	const char	*w_raw[MAX_COLS];
	struct rb_imp_val w_cv[MAX_COLS];	/* per column */
	int		 w_bad[MAX_COLS];
	int		 w_nrej;
	struct rb_imp_val w_vals[RB_IMP_MAX_PARAMS];	/* per parameter */
	char		 w_enc[RB_IBAN_SEALED_MAX];
	char		 w_last4[8];
	char		 w_namekey[RB_NAMEKEY_MAX];
	int		 w_written;	/* 1 inserted, 2 updated */
};

struct run {
	rb_db		*r_db;
	const struct rb_import_opts *r_opts;
	FILE		*r_report;
	const struct file_spec *r_spec;	/* file being imported */
	int		 r_colparam[MAX_COLS];
	int		 r_extra[3];
	unsigned char	 r_key[RB_IBAN_KEYBYTES];
	int		 r_has_key;
	int		 r_dbfail;	/* a database error: stop */
	struct ref_cache r_customers, r_contracts, r_meters, r_invoices;
	uint32_t	**r_seen;	/* line by id, chunked */
	size_t		 r_nseen;
	/* Invoice lines have no id (their key is their bill's id and
	   their position, schema 29): "bill/position" -> line. */
	struct keymap	 r_seen_lines;
	struct rb_imp_counts r_file;
	struct rb_imp_counts r_total;
	json_t		*r_detail;	/* per-file counts for the audit */
	time_t		 r_now;		/* start of the run */
	char		 r_new_since[11]; /* bills issued on or after this
					   day are new: announced or printed */
	int64_t		 r_announced;	/* emails queued for new bills */
	int64_t		 r_printed;	/* new bills flagged for printing */
	int64_t		 r_file_announced, r_file_printed; /* this file's,
					   counted once it is committed */
	/* Savepoints (see import_record()): the rows written since the
	   batch's savepoint, to write again after a refused one. */
	int		 r_sp_open;	/* a batch savepoint is open */
	int		 r_sp_rows;	/* rows since it was made */
	int		 r_sp_per_row;	/* after a refusal: one per row */
	struct written	**r_sp_done;
	size_t		 r_sp_ndone, r_sp_cap;
	/* The bulk path (see import_file()). */
	int		 r_fast;	/* this file goes by bulk copy */
	int		 r_fast_abort;	/* a rejection or failure: the file
					   goes again row by row */
	struct keymap	 r_refs;	/* the references of the file */
	struct keymap	 r_olds;	/* old number -> contract number */
	struct new_bill	*r_bills;
	size_t		 r_nbills, r_capbills;
	int64_t		 r_copied;	/* rows written by bulk copy */
	int64_t		 r_file_copied;	/* this file's */
};

/* Rows per batch savepoint. */
#define SP_BATCH	512

/* A row written since the batch savepoint: its values and provenance
   line, its text values copied after the struct. */
struct written {
	int		 wr_updated;	/* 0: inserted */
	int64_t		 wr_line;
	struct rb_imp_val wr_vals[RB_IMP_MAX_PARAMS];
};

static void hook_tariff(struct run *, struct row *);
static void hook_customer(struct run *, struct row *);
static void hook_contract(struct run *, struct row *);
static void hook_meter(struct run *, struct row *);
static void hook_reading(struct run *, struct row *);
static void hook_invoice(struct run *, struct row *);
static void hook_line(struct run *, struct row *);
static void hook_mandate(struct run *, struct row *);
static void hook_legacy(struct run *, struct row *);

static const struct file_spec specs[RB_IMP__MAX] = {
	[RB_IMP_TARIFFS] = { "tariffs.csv", RB_IMP_TARIFFS, tariff_cols,
	    TA__MAX, { NULL }, hook_tariff },
	[RB_IMP_CUSTOMERS] = { "customers.csv", RB_IMP_CUSTOMERS,
	    customer_cols, CU__MAX, { "name_key" }, hook_customer },
	[RB_IMP_CONTRACTS] = { "contracts.csv", RB_IMP_CONTRACTS,
	    contract_cols, CO__MAX, { "customer_id" }, hook_contract },
	[RB_IMP_METERS] = { "meters.csv", RB_IMP_METERS, meter_cols, ME__MAX,
	    { "contract_id" }, hook_meter },
	[RB_IMP_READINGS] = { "readings.csv", RB_IMP_READINGS, reading_cols,
	    RE__MAX, { "meter_id" }, hook_reading },
	[RB_IMP_INVOICES] = { "invoices.csv", RB_IMP_INVOICES, invoice_cols,
	    IN__MAX, { "contract_id", "contract_number" }, hook_invoice },
	[RB_IMP_LINES] = { "invoice_lines.csv", RB_IMP_LINES, line_cols,
	    LI__MAX, { "invoice_id" }, hook_line },
	[RB_IMP_MANDATES] = { "sepa_mandates.csv", RB_IMP_MANDATES,
	    mandate_cols, MA__MAX, { "contract_id", "iban_enc", "iban_last4" },
	    hook_mandate },
	[RB_IMP_LEGACY] = { "legacy_credentials.csv", RB_IMP_LEGACY,
	    legacy_cols, LG__MAX, { "contract_id" }, hook_legacy },
};

/* Report. */

/* Writes s as one CSV field of the report, quoted when needed. */
static void
put_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ";\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
put_rejection(FILE *fp, const char *file, size_t line, const char *column,
    const char *reason)
{
	put_field(fp, file);
	fputc(';', fp);
	if (line > 0)
		fprintf(fp, "%zu", line);
	fputc(';', fp);
	put_field(fp, column);
	fputc(';', fp);
	put_field(fp, reason);
	fputc('\n', fp);
}

/* Reports one problem of file at line (0: the file) and column. */
static void
report(struct run *r, const char *file, size_t line, const char *column,
    const char *reason)
{
	/* On the bulk path, any problem sends the file row by row, which
	   reports it (see import_file()). */
	if (r->r_fast) {
		r->r_fast_abort = 1;
		return;
	}
	put_rejection(r->r_report, file, line, column, reason);
	if (r->r_opts->io_err != NULL)
		put_rejection(r->r_opts->io_err, file, line, column, reason);
}

/* Rejects the current row for a problem in column (may be ""). */
static void
reject(struct run *r, struct row *w, const char *column, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
reject(struct run *r, struct row *w, const char *column, const char *fmt,
    ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	report(r, r->r_spec->fs_name, w->w_line, column, why);
	w->w_nrej++;
}

/* Helpers of the hooks. */

static const char *
col_name(const struct run *r, int col)
{
	return r->r_spec->fs_cols[col].ck_name;
}

/* Column col is present, valid and not empty. */
static int
has(const struct row *w, int col)
{
	return !w->w_bad[col] && w->w_cv[col].iv_kind != RB_IMPV_NULL;
}

static void
set_extra(struct run *r, struct row *w, int k, enum rb_imp_vkind kind,
    int64_t i, const char *s)
{
	struct rb_imp_val *v = &w->w_vals[r->r_extra[k]];

	v->iv_kind = kind;
	v->iv_int = i;
	v->iv_text = s;
	v->iv_num = NULL;
}

/* Rejects the row unless date column hi is on or after column lo. */
static void
check_order(struct run *r, struct row *w, int lo, int hi, const char *what)
{
	if (has(w, lo) && has(w, hi) && strcmp(w->w_cv[hi].iv_text,
	    w->w_cv[lo].iv_text) < 0)
		reject(r, w, col_name(r, hi), "%s %s antérieure à %s %s", what,
		    w->w_cv[hi].iv_text, col_name(r, lo),
		    w->w_cv[lo].iv_text);
}

/*
 * Looks key up through cache c with fn; returns 1 found, 0 not, -1 on a
 * database error (r_dbfail set).
 */
static int
cached(struct run *r, struct ref_cache *c, const char *key,
    int (*fn)(rb_db *, const char *, int64_t *, char *, size_t))
{
	int rc;

	if (c->rc_found >= 0 && strcmp(c->rc_key, key) == 0)
		return c->rc_found;
	if (r->r_fast) {
		const struct km_ent *e = km_get(&r->r_refs, key);

		c->rc_found = e != NULL;
		c->rc_id = e != NULL ? e->ke_id : 0;
		snprintf(c->rc_extra, sizeof(c->rc_extra), "%s", e != NULL &&
		    km_extra(e) != NULL ? km_extra(e) : "");
		snprintf(c->rc_key, sizeof(c->rc_key), "%s", key);
		return c->rc_found;
	}
	rc = fn(r->r_db, key, &c->rc_id, c->rc_extra, sizeof(c->rc_extra));
	if (rc < 0) {
		r->r_dbfail = 1;
		c->rc_found = -1;
		return -1;
	}
	snprintf(c->rc_key, sizeof(c->rc_key), "%s", key);
	c->rc_found = rc;
	return rc;
}

static int
find_customer(rb_db *db, const char *key, int64_t *id, char *x, size_t xl)
{
	(void)x;
	(void)xl;
	return rb_import_store_customer(db, key, id);
}

static int
find_meter(rb_db *db, const char *key, int64_t *id, char *x, size_t xl)
{
	(void)x;
	(void)xl;
	return rb_import_store_meter(db, key, id);
}

static int
find_invoice(rb_db *db, const char *key, int64_t *id, char *x, size_t xl)
{
	(void)x;
	(void)xl;
	return rb_import_store_invoice(db, key, id);
}

/*
 * Resolves the contract of column col into extra parameter k; returns 1
 * when found (its old number in r_contracts.rc_extra).
 */
static int
resolve_contract(struct run *r, struct row *w, int col, int k)
{
	int rc;

	if (!has(w, col))
		return 0;
	rc = cached(r, &r->r_contracts, w->w_cv[col].iv_text,
	    rb_import_store_contract);
	if (rc == 0)
		reject(r, w, col_name(r, col), "contrat %s inconnu",
		    w->w_cv[col].iv_text);
	if (rc == 1)
		set_extra(r, w, k, RB_IMPV_INT, r->r_contracts.rc_id, NULL);
	return rc == 1;
}

/* The hooks: rules across columns, references. */

static void
hook_tariff(struct run *r, struct row *w)
{
	check_order(r, w, TA_FROM, TA_TO, "fin de validité");
}

static void
hook_customer(struct run *r, struct row *w)
{
	char q[64];

	/* The search key of the name (0015_agent_search.sql). */
	rb_namekey_customer(has(w, CU_LAST) ? w->w_cv[CU_LAST].iv_text : NULL,
	    has(w, CU_FIRST) ? w->w_cv[CU_FIRST].iv_text : NULL, w->w_namekey,
	    sizeof(w->w_namekey));
	set_extra(r, w, 0, RB_IMPV_TEXT, 0, w->w_namekey);

	if (has(w, CU_POSTCODE) && has(w, CU_COUNTRY) &&
	    strcmp(w->w_cv[CU_COUNTRY].iv_text, "FR") == 0 &&
	    (strlen(w->w_cv[CU_POSTCODE].iv_text) != 5 ||
	    strspn(w->w_cv[CU_POSTCODE].iv_text, "0123456789") != 5)) {
		rb_ichk_quote(w->w_cv[CU_POSTCODE].iv_text, q, sizeof(q));
		reject(r, w, col_name(r, CU_POSTCODE), "code postal invalide "
		    "« %s » (5 chiffres)", q);
	}
}

/*
 * Paperless billing of an existing contract that the import still owns
 * (no subscriber or agent has set it): when the file changes it, the
 * change is audited as the import's. A contract the portal has set
 * keeps its state (store/import_store.c leaves it). A new contract's
 * state is the one carried over, not a change. The audit row is in the
 * file's transaction: a file rolled back leaves none.
 */
static void
paperless_change(struct run *r, struct row *w)
{
	const char *number = w->w_cv[CO_NUMBER].iv_text;
	int on, by_import, want = w->w_cv[CO_PAPERLESS].iv_int != 0, rc;
	char target[40];
	json_t *detail;

	if (r->r_fast)
		return;		/* contracts is empty: a new contract */
	rc = rb_import_store_contract_paperless(r->r_db, number, &on,
	    &by_import);
	if (rc < 0) {
		r->r_dbfail = 1;
		return;
	}
	if (rc == 0 || !by_import || on == want)
		return;
	snprintf(target, sizeof(target), "contract:%s", number);
	detail = json_pack("{s:s, s:b, s:s, s:I}", "by", "import", "was", on,
	    "batch", json_string_value(json_object_get(r->r_detail, "batch")),
	    "line", (json_int_t)w->w_line);
	if (rb_audit(r->r_db, r->r_now, RB_ACTOR_SYSTEM, 0, want ?
	    "paperless.on" : "paperless.off", target, NULL, detail) != 0)
		r->r_dbfail = 1;
	json_decref(detail);
}

static void
hook_contract(struct run *r, struct row *w)
{
	char other[16];
	int rc;

	check_order(r, w, CO_START, CO_END, "date de fin");
	if (has(w, CO_CUSTOMER)) {
		rc = cached(r, &r->r_customers, w->w_cv[CO_CUSTOMER].iv_text,
		    find_customer);
		if (rc == 0)
			reject(r, w, col_name(r, CO_CUSTOMER),
			    "client %s inconnu",
			    w->w_cv[CO_CUSTOMER].iv_text);
		else if (rc == 1)
			set_extra(r, w, 0, RB_IMPV_INT, r->r_customers.rc_id,
			    NULL);
	}
	/* The old number is unique: not another contract's. */
	if (has(w, CO_OLD) && has(w, CO_NUMBER)) {
		const struct km_ent *e;

		if (r->r_fast) {
			/* contracts was empty: the rows of this file. */
			e = km_get(&r->r_olds, w->w_cv[CO_OLD].iv_text);
			rc = e != NULL;
			if (e != NULL)
				snprintf(other, sizeof(other), "%s",
				    km_extra(e) != NULL ? km_extra(e) : "");
		} else
			rc = rb_import_store_contract_by_old(r->r_db,
			    w->w_cv[CO_OLD].iv_text, other, sizeof(other));
		if (rc < 0)
			r->r_dbfail = 1;
		else if (rc == 1 && strcmp(other,
		    w->w_cv[CO_NUMBER].iv_text) != 0)
			reject(r, w, col_name(r, CO_OLD), "ancien numéro %s "
			    "déjà attribué au contrat %s",
			    w->w_cv[CO_OLD].iv_text, other);
	}
	if (w->w_nrej == 0 && has(w, CO_NUMBER) && has(w, CO_PAPERLESS))
		paperless_change(r, w);
}

static void
hook_meter(struct run *r, struct row *w)
{
	check_order(r, w, ME_INSTALLED, ME_REMOVED, "date de dépose");
	resolve_contract(r, w, ME_CONTRACT, 0);
}

static void
hook_reading(struct run *r, struct row *w)
{
	int rc;

	if (!has(w, RE_METER))
		return;
	rc = cached(r, &r->r_meters, w->w_cv[RE_METER].iv_text, find_meter);
	if (rc == 0)
		reject(r, w, col_name(r, RE_METER), "compteur %s inconnu",
		    w->w_cv[RE_METER].iv_text);
	else if (rc == 1)
		set_extra(r, w, 0, RB_IMPV_INT, r->r_meters.rc_id, NULL);
}

static void
hook_invoice(struct run *r, struct row *w)
{
	const char *printed;

	check_order(r, w, IN_PSTART, IN_PEND, "fin de période");
	check_order(r, w, IN_ISSUED, IN_DUE, "date limite de paiement");
	if (has(w, IN_OLD_INDEX) && has(w, IN_NEW_INDEX) &&
	    w->w_cv[IN_NEW_INDEX].iv_int < w->w_cv[IN_OLD_INDEX].iv_int)
		reject(r, w, col_name(r, IN_NEW_INDEX), "nouvel index %lld "
		    "inférieur à l'ancien %lld",
		    (long long)w->w_cv[IN_NEW_INDEX].iv_int,
		    (long long)w->w_cv[IN_OLD_INDEX].iv_int);
	if (has(w, IN_HT) && has(w, IN_VAT) && has(w, IN_TOTAL) &&
	    (w->w_cv[IN_HT].iv_int > INT64_MAX / 4 ||
	    w->w_cv[IN_HT].iv_int < INT64_MIN / 4 ||
	    w->w_cv[IN_VAT].iv_int > INT64_MAX / 4 ||
	    w->w_cv[IN_VAT].iv_int < INT64_MIN / 4 ||
	    w->w_cv[IN_TOTAL].iv_int != w->w_cv[IN_HT].iv_int +
	    w->w_cv[IN_VAT].iv_int))
		reject(r, w, col_name(r, IN_TOTAL), "total %lld différent de "
		    "HT %lld + TVA %lld", (long long)w->w_cv[IN_TOTAL].iv_int,
		    (long long)w->w_cv[IN_HT].iv_int,
		    (long long)w->w_cv[IN_VAT].iv_int);
	if (!resolve_contract(r, w, IN_CONTRACT, 0) || w->w_bad[IN_PRINTED])
		return;
	/* Printed: the contract's number or its old number. */
	printed = has(w, IN_PRINTED) ? w->w_cv[IN_PRINTED].iv_text :
	    w->w_cv[IN_CONTRACT].iv_text;
	if (strcmp(printed, w->w_cv[IN_CONTRACT].iv_text) != 0 &&
	    (r->r_contracts.rc_extra[0] == '\0' ||
	    strcmp(printed, r->r_contracts.rc_extra) != 0)) {
		char q[64];

		rb_ichk_quote(printed, q, sizeof(q));
		reject(r, w, col_name(r, IN_PRINTED), "numéro imprimé « %s » "
		    "ni numéro ni ancien numéro du contrat %s", q,
		    w->w_cv[IN_CONTRACT].iv_text);
		return;
	}
	set_extra(r, w, 1, RB_IMPV_TEXT, 0, printed);
}

static void
hook_line(struct run *r, struct row *w)
{
	int rc;

	if (has(w, LI_POSITION) && w->w_cv[LI_POSITION].iv_int < 1)
		reject(r, w, col_name(r, LI_POSITION), "position 0 : les "
		    "lignes se numérotent à partir de 1");
	if (has(w, LI_PSTART) != has(w, LI_PEND) && !w->w_bad[LI_PSTART] &&
	    !w->w_bad[LI_PEND])
		reject(r, w, col_name(r, has(w, LI_PSTART) ? LI_PEND :
		    LI_PSTART), "début et fin de période vont ensemble");
	check_order(r, w, LI_PSTART, LI_PEND, "fin de période");
	if (!has(w, LI_INVOICE))
		return;
	rc = cached(r, &r->r_invoices, w->w_cv[LI_INVOICE].iv_text,
	    find_invoice);
	if (rc == 0)
		reject(r, w, col_name(r, LI_INVOICE), "facture %s inconnue",
		    w->w_cv[LI_INVOICE].iv_text);
	else if (rc == 1)
		set_extra(r, w, 0, RB_IMPV_INT, r->r_invoices.rc_id, NULL);
}

static void
hook_mandate(struct run *r, struct row *w)
{
	char iban[RB_IBAN_MAX + 1], old[RB_IBAN_MAX + 1];
	int rc;

	check_order(r, w, MA_SIGNED, MA_REVOKED, "date de révocation");
	if (has(w, MA_STATUS)) {
		int revoked = strcmp(w->w_cv[MA_STATUS].iv_text,
		    "revoked") == 0;

		if (revoked && !has(w, MA_REVOKED) && !w->w_bad[MA_REVOKED])
			reject(r, w, col_name(r, MA_REVOKED), "date de "
			    "révocation manquante pour un mandat révoqué");
		if (!revoked && has(w, MA_REVOKED))
			reject(r, w, col_name(r, MA_REVOKED), "date de "
			    "révocation pour un mandat actif");
	}
	resolve_contract(r, w, MA_CONTRACT, 0);
	if (!has(w, MA_IBAN) || !has(w, MA_RUM) || w->w_nrej > 0)
		return;
	(void)rb_iban_normalise(w->w_cv[MA_IBAN].iv_text, iban);
	/* Keep the stored ciphertext when it holds the same IBAN. */
	/* On the bulk path sepa_mandates is empty: no IBAN to keep. */
	rc = r->r_fast ? 0 : rb_import_store_mandate_iban(r->r_db,
	    w->w_cv[MA_RUM].iv_text, w->w_enc, sizeof(w->w_enc));
	if (rc < 0) {
		r->r_dbfail = 1;
		return;
	}
	if (rc == 0 || rb_iban_open(r->r_key, w->w_enc, old) != 0 ||
	    strcmp(old, iban) != 0)
		(void)rb_iban_seal(r->r_key, iban, NULL, w->w_enc);
	sodium_memzero(old, sizeof(old));
	snprintf(w->w_last4, sizeof(w->w_last4), "%s",
	    iban + strlen(iban) - 4);
	sodium_memzero(iban, sizeof(iban));
	set_extra(r, w, 1, RB_IMPV_TEXT, 0, w->w_enc);
	set_extra(r, w, 2, RB_IMPV_TEXT, 0, w->w_last4);
}

static void
hook_legacy(struct run *r, struct row *w)
{
	resolve_contract(r, w, LG_CONTRACT, 0);
}

/* Ids written by the current file, with their line. */

static uint32_t *
seen_slot(struct run *r, int64_t id)
{
	size_t chunk;

	if (id < 0)
		return NULL;
	chunk = (size_t)((uint64_t)id / CHUNK_IDS);
	if (chunk >= r->r_nseen) {
		size_t n = chunk + 64;

		r->r_seen = rb_xrealloc(r->r_seen, n * sizeof(*r->r_seen));
		memset(r->r_seen + r->r_nseen, 0, (n - r->r_nseen) *
		    sizeof(*r->r_seen));
		r->r_nseen = n;
	}
	if (r->r_seen[chunk] == NULL)
		r->r_seen[chunk] = rb_xcalloc(CHUNK_IDS, sizeof(uint32_t));
	return &r->r_seen[chunk][(uint64_t)id % CHUNK_IDS];
}

static void
seen_clear(struct run *r)
{
	size_t i;

	for (i = 0; i < r->r_nseen; i++)
		free(r->r_seen[i]);
	free(r->r_seen);
	r->r_seen = NULL;
	r->r_nseen = 0;
	km_free(&r->r_seen_lines);
}

/* One file. */

static void
count_add(struct rb_imp_counts *to, const struct rb_imp_counts *c)
{
	to->ic_rows += c->ic_rows;
	to->ic_inserted += c->ic_inserted;
	to->ic_updated += c->ic_updated;
	to->ic_unchanged += c->ic_unchanged;
	to->ic_rejected += c->ic_rejected;
}

/*
 * Queues the email announcing new bill w to t's address: its number,
 * contract, French dates and the link to its page, never its amount.
 * Returns 0, or -1 (logged) when it could not be queued.
 */
static int
announce(struct run *r, const struct new_bill *b,
    const struct rb_imp_bill_target *t)
{
	const char *number = b->nb_number;
	char issued[64], due[64], link[64];
	json_t *data;
	int rc;

	rb_clock_fr_iso(b->nb_issued, issued, sizeof(issued));
	rb_clock_fr_iso(b->nb_due, due, sizeof(due));
	snprintf(link, sizeof(link), "/mes-factures/%s", number);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", number,
	    "contract_number", b->nb_contract, "issued", issued,
	    "due", due, "link", link);
	if (t->bt_first_name[0] != '\0')
		json_object_set_new(data, "first_name",
		    json_string(t->bt_first_name));
	rc = rb_mail_queue(r->r_db, RB_MAIL_BILL_READY, t->bt_email, data,
	    r->r_now);
	json_decref(data);
	if (rc != 0)
		log_warnx("%s line %zu: bill %s not announced by email: "
		    "flagged for printing", r->r_spec->fs_name, b->nb_line,
		    number);
	return rc == 0 ? 0 : -1;
}

/*
 * A bill the import has just inserted. A current bill issued recently
 * (on or after r_new_since: older ones were dealt with by the process
 * that came before) goes out one way: announced by email when its
 * contract has paperless billing and an address to write to (the
 * active web account's, else the customer's), otherwise flagged for
 * printing. Both are written in the file's transaction, and counted
 * once the file is committed.
 */
static void
bill_send(struct run *r, const struct new_bill *b)
{
	struct rb_imp_bill_target t;
	const char *number = b->nb_number;
	int rc;

	rc = rb_import_store_bill_target(r->r_db, b->nb_contract_id, &t);
	if (rc <= 0) {
		r->r_dbfail = 1;
		return;
	}
	if (t.bt_paperless && t.bt_email[0] != '\0' &&
	    announce(r, b, &t) == 0) {
		r->r_file_announced++;
		return;
	}
	/* Paper: no paperless billing, no address, or the email could not
	   be queued (the bill must reach the subscriber either way). */
	if (rb_import_store_print_flag(r->r_db, number) != 0)
		r->r_dbfail = 1;
	else
		r->r_file_printed++;
}

/* Bill w has just been inserted: sent at once, or on the bulk path
   once the file is written. */
static void
bill_new(struct run *r, struct row *w)
{
	struct new_bill b;

	if (w->w_cv[IN_ARCHIVED].iv_int != 0 ||
	    strcmp(w->w_cv[IN_ISSUED].iv_text, r->r_new_since) < 0)
		return;
	memset(&b, 0, sizeof(b));
	snprintf(b.nb_number, sizeof(b.nb_number), "%s",
	    w->w_cv[IN_NUMBER].iv_text);
	snprintf(b.nb_contract, sizeof(b.nb_contract), "%s",
	    w->w_cv[IN_CONTRACT].iv_text);
	snprintf(b.nb_issued, sizeof(b.nb_issued), "%s",
	    w->w_cv[IN_ISSUED].iv_text);
	snprintf(b.nb_due, sizeof(b.nb_due), "%s", w->w_cv[IN_DUE].iv_text);
	b.nb_contract_id = w->w_vals[r->r_extra[0]].iv_int;
	b.nb_line = w->w_line;
	if (!r->r_fast) {
		bill_send(r, &b);
		return;
	}
	if (r->r_nbills == r->r_capbills) {
		r->r_capbills = r->r_capbills ? r->r_capbills * 2 : 64;
		r->r_bills = rb_xrealloc(r->r_bills, r->r_capbills *
		    sizeof(*r->r_bills));
	}
	r->r_bills[r->r_nbills++] = b;
}

static int row_write(struct run *, struct row *,
    const struct rb_csv_record *, const struct rb_imp_source *);
static int row_guarded(struct run *, struct row *,
    const struct rb_csv_record *, const struct rb_imp_source *);
static int sp_release(struct run *);
static void sp_forget(struct run *);

/* Validates and writes one record. */
static void
import_record(struct run *r, const rb_csv *csv,
    const struct rb_csv_record *rec, const int *map, size_t nheader,
    const struct rb_imp_source *src)
{
	const struct file_spec *fs = r->r_spec;
	struct row w;
	char why[512];
	int i, rc;

	memset(&w, 0, sizeof(w));
	w.w_line = rec->cr_line;
	r->r_file.ic_rows++;
	if (rec->cr_nfields != nheader) {
		reject(r, &w, "", "%zu champs au lieu de %zu (séparateur "
		    "« %c »)", rec->cr_nfields, nheader,
		    rb_csv_separator(csv));
		goto rejected;
	}
	if (rec->cr_bad_field >= 0) {
		for (i = 0; i < fs->fs_ncols; i++)
			if (map[i] == rec->cr_bad_field)
				break;
		reject(r, &w, i < fs->fs_ncols ? fs->fs_cols[i].ck_name : "",
		    "%s", rec->cr_bad_reason);
		goto rejected;
	}
	for (i = 0; i < fs->fs_ncols; i++) {
		w.w_raw[i] = map[i] >= 0 ? rec->cr_field[map[i]] : "";
		if (rb_ichk_value(&fs->fs_cols[i], w.w_raw[i], &w.w_cv[i], why,
		    sizeof(why)) != 0) {
			w.w_bad[i] = 1;
			reject(r, &w, fs->fs_cols[i].ck_name, "%s", why);
		}
	}
	rc = r->r_fast ? row_write(r, &w, rec, src) :
	    row_guarded(r, &w, rec, src);
	if (rc != 0)
		goto rejected;
	return;
rejected:
	r->r_file.ic_rejected++;
}

static void
sp_forget(struct run *r)
{
	size_t i;

	for (i = 0; i < r->r_sp_ndone; i++)
		free(r->r_sp_done[i]);
	r->r_sp_ndone = 0;
}

/* Keeps a copy of the values of a row just written. */
static void
sp_keep(struct run *r, const struct row *w, int updated, int64_t line)
{
	struct written *wr;
	size_t len = 0, n;
	char *p;
	int i, np;

	(void)rb_import_store_param(r->r_spec->fs_table, "", &np);
	for (i = 0; i < np; i++)
		if (w->w_vals[i].iv_kind == RB_IMPV_TEXT)
			len += strlen(w->w_vals[i].iv_text) + 1;
	wr = rb_xmalloc(sizeof(*wr) + len);
	wr->wr_updated = updated;
	wr->wr_line = line;
	p = (char *)(wr + 1);
	for (i = 0; i < np; i++) {
		wr->wr_vals[i] = w->w_vals[i];
		wr->wr_vals[i].iv_num = NULL;	/* the record's, not kept */
		if (w->w_vals[i].iv_kind != RB_IMPV_TEXT)
			continue;
		n = strlen(w->w_vals[i].iv_text) + 1;
		memcpy(p, w->w_vals[i].iv_text, n);
		wr->wr_vals[i].iv_text = p;
		p += n;
	}
	if (r->r_sp_ndone == r->r_sp_cap) {
		r->r_sp_cap = r->r_sp_cap ? r->r_sp_cap * 2 : SP_BATCH;
		r->r_sp_done = rb_xrealloc(r->r_sp_done, r->r_sp_cap *
		    sizeof(*r->r_sp_done));
	}
	r->r_sp_done[r->r_sp_ndone++] = wr;
}

/* Ends the batch savepoint, if open, keeping its changes. */
static int
sp_release(struct run *r)
{
	sp_forget(r);
	r->r_sp_rows = 0;
	if (!r->r_sp_open)
		return 0;
	r->r_sp_open = 0;
	return rb_db_release(r->r_db);
}

/*
 * Writes again the rows kept since the batch savepoint, after rolling
 * back to it: the rows before a refused one stay in the transaction, so
 * that later rows are checked against them (duplicates). The file is
 * rolled back at its end anyway: only the rows themselves matter, not
 * what went with them (audit, bill flags).
 */
static int
sp_replay(struct run *r, const struct rb_imp_source *src)
{
	struct rb_imp_source s = *src;
	struct written *wr;
	size_t i;
	int rc;

	for (i = 0; i < r->r_sp_ndone; i++) {
		wr = r->r_sp_done[i];
		s.is_line = wr->wr_line;
		rc = wr->wr_updated ? rb_import_store_update(r->r_db,
		    r->r_spec->fs_table, wr->wr_vals, &s) :
		    rb_import_store_insert(r->r_db, r->r_spec->fs_table,
		    wr->wr_vals, &s);
		if (rc != 1) {
			log_errx("%s line %lld: written again as %d",
			    r->r_spec->fs_name, (long long)wr->wr_line, rc);
			return -1;
		}
	}
	sp_forget(r);
	return 0;
}

/*
 * Runs row_write() so that a row the database refuses is undone alone
 * and the file's transaction stays usable for the rows after it
 * (PostgreSQL abandons a transaction after any failed statement). One
 * savepoint per row costs as much as the row on both engines, so rows
 * go SP_BATCH at a time under one savepoint, their values kept; a
 * refusal rolls the batch back, writes the kept rows again, and the
 * rest of the file (rolled back at its end anyway) goes one savepoint
 * per row. Returns what row_write() returns.
 */
static int
row_guarded(struct run *r, struct row *w, const struct rb_csv_record *rec,
    const struct rb_imp_source *src)
{
	int rc, per_row = r->r_sp_per_row;

	if (!r->r_sp_open) {
		if (rb_db_savepoint(r->r_db) != 0) {
			r->r_dbfail = 1;
			return -1;
		}
		r->r_sp_open = 1;
	}
	rc = row_write(r, w, rec, src);
	if (rc == RB_CONSTRAINT || r->r_dbfail) {
		r->r_sp_open = 0;
		if (rb_db_rollback_to(r->r_db) != 0 || r->r_dbfail ||
		    (!per_row && sp_replay(r, src) != 0)) {
			r->r_dbfail = 1;
			return -1;
		}
		r->r_sp_per_row = 1;
		r->r_sp_rows = 0;
		return rc;
	}
	if (per_row || ++r->r_sp_rows >= SP_BATCH) {
		if (sp_release(r) != 0)
			r->r_dbfail = 1;
	} else if (w->w_written != 0)
		sp_keep(r, w, w->w_written == 2, src->is_line);
	return rc;
}

/*
 * The bulk path's write of row w, valid, into its table, empty before
 * this file: the row joins the copy. A key given twice in the file is
 * not looked for here (a map of every key would take gigabytes for the
 * invoice lines of 400,000 contracts): the natural key of every
 * imported table has a unique index, which refuses the second row (at
 * the row on SQLite, when the index is built again after the copy on
 * PostgreSQL), and the row-by-row path then reports it. Returns 0, or
 * -1 (r_fast_abort set).
 */
static int
row_copy(struct run *r, struct row *w, const struct rb_imp_source *src)
{
	const struct file_spec *fs = r->r_spec;

	if (fs->fs_table == RB_IMP_CONTRACTS && has(w, CO_OLD))
		km_put(&r->r_olds, w->w_cv[CO_OLD].iv_text, 0,
		    w->w_cv[CO_NUMBER].iv_text);
	if (rb_import_store_copy_row(r->r_db, fs->fs_table, w->w_vals,
	    src) != 0) {
		r->r_fast_abort = 1;
		return -1;
	}
	r->r_file.ic_inserted++;
	w->w_written = 1;
	if (fs->fs_table == RB_IMP_INVOICES)
		bill_new(r, w);
	return 0;
}

/*
 * Applies the file's hook to row w, whose columns are valid or
 * rejected, then writes it. Returns 0 when written, RB_CONSTRAINT when
 * the database refused it, -1 when rejected otherwise (or on a database
 * failure: r_dbfail set).
 */
static int
row_write(struct run *r, struct row *w, const struct rb_csv_record *rec,
    const struct rb_imp_source *src)
{
	const struct file_spec *fs = r->r_spec;
	const struct km_ent *e;
	int64_t id, prior = 0;
	uint32_t *slot = NULL;
	char lkey[48];
	int i, rc;

	fs->fs_hook(r, w);
	if (w->w_nrej > 0 || r->r_dbfail)
		return -1;
	for (i = 0; i < fs->fs_ncols; i++)
		if (r->r_colparam[i] >= 0)
			w->w_vals[r->r_colparam[i]] = w->w_cv[i];
	if (r->r_fast)
		return row_copy(r, w, src);
	if ((rc = rb_import_store_insert(r->r_db, fs->fs_table, w->w_vals,
	    src)) == 1) {
		r->r_file.ic_inserted++;
		w->w_written = 1;
		if (fs->fs_table == RB_IMP_INVOICES)
			bill_new(r, w);
		return 0;
	}
	if (rc == 0 && (rc = rb_import_store_find(r->r_db, fs->fs_table,
	    w->w_vals, src, &id, &prior)) == 0) {
		log_errx("%s line %zu: key neither new nor found", fs->fs_name,
		    w->w_line);
		rc = -1;
	}
	if (rc == 1) {
		/* Written earlier in this file, or left unchanged by it. */
		if (fs->fs_table == RB_IMP_LINES) {
			/* id is the bill's: the line is (bill, position). */
			snprintf(lkey, sizeof(lkey), "%lld/%lld",
			    (long long)id, (long long)w->w_vals[1].iv_int);
			e = km_get(&r->r_seen_lines, lkey);
			if (prior == 0 && e != NULL)
				prior = e->ke_id;
		} else {
			slot = seen_slot(r, id);
			if (prior == 0 && slot != NULL)
				prior = *slot;
		}
		if (prior != 0) {
			reject(r, w, "", "ligne en double (déjà vue ligne "
			    "%lld)", (long long)prior);
			return -1;
		}
		rc = rb_import_store_update(r->r_db, fs->fs_table, w->w_vals,
		    src);
		if (rc == 1) {
			r->r_file.ic_updated++;
			w->w_written = 2;
		} else if (rc == 0) {
			r->r_file.ic_unchanged++;
			if (fs->fs_table == RB_IMP_LINES)
				km_put(&r->r_seen_lines, lkey,
				    (int64_t)rec->cr_line, NULL);
			else if (slot != NULL)
				*slot = rec->cr_line > UINT32_MAX ?
				    UINT32_MAX : (uint32_t)rec->cr_line;
		}
	}
	if (rc == RB_CONSTRAINT) {
		reject(r, w, "", "ligne refusée par la base de données "
		    "(contrainte d'unicité ou de cohérence)");
		return RB_CONSTRAINT;
	}
	if (rc < 0) {
		r->r_dbfail = 1;
		return -1;
	}
	return 0;
}

static void
print_counts(FILE *fp, const char *prefix, const char *name,
    const char *status, const struct rb_imp_counts *c)
{
	fprintf(fp, "%s%s;%s;%lld;%lld;%lld;%lld;%lld\n", prefix, name, status,
	    (long long)c->ic_rows, (long long)c->ic_inserted,
	    (long long)c->ic_updated, (long long)c->ic_unchanged,
	    (long long)c->ic_rejected);
}

static void
file_done(struct run *r, const char *name, const char *status)
{
	json_t *o;

	if (r->r_opts->io_out != NULL)
		fprintf(r->r_opts->io_out, "%-24s %-12s %9lld %9lld %9lld "
		    "%10lld %9lld\n", name, status,
		    (long long)r->r_file.ic_rows,
		    (long long)r->r_file.ic_inserted,
		    (long long)r->r_file.ic_updated,
		    (long long)r->r_file.ic_unchanged,
		    (long long)r->r_file.ic_rejected);
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "status", status,
	    "rows", (json_int_t)r->r_file.ic_rows,
	    "inserted", (json_int_t)r->r_file.ic_inserted,
	    "updated", (json_int_t)r->r_file.ic_updated,
	    "unchanged", (json_int_t)r->r_file.ic_unchanged,
	    "rejected", (json_int_t)r->r_file.ic_rejected);
	if (o != NULL)
		json_object_set_new(json_object_get(r->r_detail, "files"), name,
		    o);
	/* The summary lines go to the report at the end, from the JSON. */
	count_add(&r->r_total, &r->r_file);
}

/*
 * The bulk path. A file whose table is still empty (a first import: the
 * former operator's whole history, a new billing system) is written by
 * one bulk copy (db.h) instead of one statement per row, when the
 * engine gains by it (PostgreSQL: one round trip per batch of rows,
 * not per row) or io_bulk asks for it. The rows are checked as on the
 * row-by-row path, by the same code, but what the hooks would ask the
 * database comes from memory: the referenced table is loaded in one
 * query into a map (r_refs), the old numbers written so far by the file
 * are kept (r_olds), the table's unique indexes find a key given twice
 * (see row_copy()), and the table being empty answers the rest (no row to update, no IBAN to keep, no paperless change to
 * audit). The table's indexes and foreign keys are set aside for the
 * copy and built again once it has ended (rb_db_fill_begin() and
 * rb_db_fill_end(): PostgreSQL checks the unique keys once over the
 * table instead of once per row; the foreign keys come back NOT VALID,
 * enforced on later writes, the references of the rows copied being
 * those this file checked against r_refs, read after the fill locked
 * the referenced table). New bills are announced or flagged after that.
 *
 * A file with any problem (a rejected row, a repeated key, a row the
 * database refuses, which fails the whole copy or the building of an
 * index or foreign key afterwards) is rolled back, which brings back
 * what was set aside, and
 * imported again row by row, which reports every problem as ever: the
 * bulk path writes nothing to the report. So a clean file gives the
 * same rows either way, and a faulty one the same reasons.
 */
static void
fast_clear(struct run *r)
{
	r->r_fast = r->r_fast_abort = 0;
	km_free(&r->r_refs);
	km_free(&r->r_olds);
	free(r->r_bills);
	r->r_bills = NULL;
	r->r_nbills = r->r_capbills = 0;
}

/* Inside the file's transaction: takes the bulk path if it may.
   Returns 0 (either way) or -1 on a database error. */
static int
fast_start(struct run *r, const struct rb_imp_source *src)
{
	static const int refs[RB_IMP__MAX] = {
		[RB_IMP_TARIFFS] = -1,
		[RB_IMP_CUSTOMERS] = -1,
		[RB_IMP_CONTRACTS] = RB_IMP_REF_CUSTOMER,
		[RB_IMP_METERS] = RB_IMP_REF_CONTRACT,
		[RB_IMP_READINGS] = RB_IMP_REF_METER,
		[RB_IMP_INVOICES] = RB_IMP_REF_CONTRACT,
		[RB_IMP_LINES] = RB_IMP_REF_INVOICE,
		[RB_IMP_MANDATES] = RB_IMP_REF_CONTRACT,
		[RB_IMP_LEGACY] = RB_IMP_REF_CONTRACT,
	};
	enum rb_imp_table t = r->r_spec->fs_table;
	int rc;

	fast_clear(r);
	if (r->r_opts->io_bulk < 0 || (r->r_opts->io_bulk == 0 &&
	    !rb_db_copy_pays(r->r_db)))
		return 0;
	if ((rc = rb_import_store_is_empty(r->r_db, t)) != 1)
		return rc < 0 ? -1 : 0;
	/* The fill first: its foreign keys come back NOT VALID, so the
	   references are checked here, against the rows read next, which
	   the fill has locked until the file's transaction ends. */
	if (rb_import_store_fill_begin(r->r_db, t) != 0)
		return -1;
	if (refs[t] >= 0 && rb_import_store_refs(r->r_db,
	    (enum rb_imp_ref)refs[t], km_load, &r->r_refs) != 0) {
		fast_clear(r);
		return -1;
	}
	if (rb_import_store_copy_begin(r->r_db, t, src) != 0) {
		fast_clear(r);
		return -1;
	}
	r->r_fast = 1;
	return 0;
}

/*
 * Ends the bulk copy of the file (bad: the CSV reader failed) and sends
 * its new bills. Returns 0 when the file is written, 1 when it must go
 * again row by row (r_fast cleared either way).
 */
static int
fast_end(struct run *r, int bad)
{
	int64_t rows = 0;
	size_t i;
	int rc;

	rc = rb_db_copy_end(r->r_db, &rows);
	r->r_fast = 0;
	/* The indexes and foreign keys set aside, built again: a row
	   that breaks one shows here (the rollback brings them back). */
	if (rc == 0 && !bad && !r->r_fast_abort && !r->r_dbfail &&
	    rows == r->r_file.ic_inserted)
		rc = rb_db_fill_end(r->r_db);
	if (rc != 0 || bad || r->r_fast_abort || r->r_dbfail ||
	    rows != r->r_file.ic_inserted) {
		r->r_dbfail = 0;
		fast_clear(r);
		return 1;
	}
	r->r_file_copied = rows;
	for (i = 0; i < r->r_nbills && !r->r_dbfail; i++)
		bill_send(r, &r->r_bills[i]);
	fast_clear(r);
	return 0;
}

/*
 * Imports one known file in its own transaction. Returns 0 (imported,
 * absent or rolled back: see the report) or -1 on a database or I/O
 * failure that stops the run.
 */
static int
import_file(struct run *r, const char *dir, const struct file_spec *fs,
    const char *batch, int slow)
{
	int map[MAX_COLS], i, in_tx = 0;
	struct rb_csv_column hc[MAX_COLS];
	struct rb_csv_problem pb;
	struct rb_csv_record rec;
	struct rb_imp_source src;
	char path[PATH_MAX], err[256];
	const char *status;
	rb_csv *csv = NULL;
	size_t nheader = 0;
	struct stat sb;
	int n;

	memset(&r->r_file, 0, sizeof(r->r_file));
	r->r_file_announced = r->r_file_printed = r->r_file_copied = 0;
	r->r_spec = fs;
	memset(&r->r_customers, 0, sizeof(r->r_customers));
	r->r_customers.rc_found = r->r_contracts.rc_found =
	    r->r_meters.rc_found = r->r_invoices.rc_found = -1;
	n = snprintf(path, sizeof(path), "%s/%s", dir, fs->fs_name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		report(r, fs->fs_name, 0, "", "chemin trop long");
		r->r_file.ic_rejected++;
		file_done(r, fs->fs_name, "failed");
		return -1;
	}
	if (stat(path, &sb) != 0 && errno == ENOENT) {
		file_done(r, fs->fs_name, "absent");
		return 0;
	}
	if (fs->fs_table == RB_IMP_MANDATES && !r->r_has_key) {
		report(r, fs->fs_name, 0, "", "réglage data_key absent : les "
		    "IBAN ne peuvent pas être chiffrés, fichier non importé");
		r->r_file.ic_rejected++;
		file_done(r, fs->fs_name, "rolled_back");
		return 0;
	}
	if (rb_csv_open(path, NULL, &csv, err, sizeof(err)) != 0) {
		report(r, fs->fs_name, 0, "", err);
		r->r_file.ic_rejected++;
		file_done(r, fs->fs_name, "failed");
		return -1;
	}
	for (i = 0; i < fs->fs_ncols; i++) {
		hc[i].cn_name = fs->fs_cols[i].ck_name;
		hc[i].cn_required = fs->fs_cols[i].ck_required &&
		    fs->fs_cols[i].ck_default == NULL;
	}
	if (rb_csv_header(csv, hc, (size_t)fs->fs_ncols, map, &pb) != 0) {
		report(r, fs->fs_name, pb.cp_line, pb.cp_column, pb.cp_reason);
		r->r_file.ic_rejected++;
		rb_csv_close(csv);
		file_done(r, fs->fs_name, "rolled_back");
		return 0;
	}
	/* Unknown names are refused: every header field is a column. */
	for (i = 0; i < fs->fs_ncols; i++)
		if (map[i] >= 0)
			nheader++;
	/* Parameters of the columns and of the hook. */
	for (i = 0; i < fs->fs_ncols; i++)
		r->r_colparam[i] = fs->fs_cols[i].ck_db == NULL ? -1 :
		    rb_import_store_param(fs->fs_table, fs->fs_cols[i].ck_db,
		    NULL);
	for (i = 0; i < 3; i++)
		r->r_extra[i] = fs->fs_extra[i] == NULL ? -1 :
		    rb_import_store_param(fs->fs_table, fs->fs_extra[i], NULL);

	src.is_system = r->r_opts->io_source;
	src.is_batch = batch;
	src.is_file = fs->fs_name;
	if (rb_db_begin(r->r_db) != 0)
		goto dbfail;
	in_tx = 1;
	r->r_sp_open = r->r_sp_rows = r->r_sp_per_row = 0;
	if (!slow && fast_start(r, &src) != 0)
		goto dbfail;
	while ((n = rb_csv_next(csv, &rec)) > 0 && !r->r_dbfail &&
	    !r->r_fast_abort) {
		src.is_line = (int64_t)rec.cr_line;
		import_record(r, csv, &rec, map, nheader, &src);
	}
	if (r->r_fast && fast_end(r, n < 0) != 0) {
		/* Again, row by row: it reports every problem. */
		rb_db_rollback(r->r_db);
		rb_csv_close(csv);
		return import_file(r, dir, fs, batch, 1);
	}
	if (!r->r_dbfail && sp_release(r) != 0)
		r->r_dbfail = 1;
	if (r->r_dbfail)
		goto dbfail;
	if (n < 0) {
		pb = *rb_csv_failure(csv);
		report(r, fs->fs_name, pb.cp_line, "", pb.cp_reason);
		r->r_file.ic_rejected++;
	}
	if (r->r_file.ic_rejected > 0) {
		if (rb_db_rollback(r->r_db) != 0)
			goto dbfail;
		status = "rolled_back";
		r->r_file.ic_inserted = r->r_file.ic_updated =
		    r->r_file.ic_unchanged = 0;
	} else {
		if (rb_db_commit(r->r_db) != 0) {
			in_tx = 0;
			goto dbfail;
		}
		status = "imported";
		r->r_copied += r->r_file_copied;
		r->r_announced += r->r_file_announced;
		r->r_printed += r->r_file_printed;
	}
	in_tx = 0;
	rb_csv_close(csv);
	seen_clear(r);
	file_done(r, fs->fs_name, status);
	return 0;
dbfail:
	fast_clear(r);
	sp_forget(r);
	r->r_sp_open = 0;
	if (in_tx && rb_db_in_transaction(r->r_db))
		rb_db_rollback(r->r_db);
	report(r, fs->fs_name, 0, "", "erreur de la base de données : "
	    "fichier annulé, import arrêté (voir le journal)");
	r->r_file.ic_inserted = r->r_file.ic_updated =
	    r->r_file.ic_unchanged = 0;
	rb_csv_close(csv);
	seen_clear(r);
	file_done(r, fs->fs_name, "failed");
	return -1;
}

/* The folder: unknown files. */

static int
is_known(const char *name)
{
	int i;

	for (i = 0; i < RB_IMP__MAX; i++)
		if (strcmp(specs[i].fs_name, name) == 0)
			return 1;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reports every *.csv file of dir whose name is not a known one. */
static int
report_unknown(struct run *r, const char *dir)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i, len;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".csv") != 0 ||
		    is_known(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = rb_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = rb_xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		memset(&r->r_file, 0, sizeof(r->r_file));
		report(r, names[i], 0, "", "fichier inconnu, non importé "
		    "(noms attendus : customers.csv, contracts.csv, "
		    "meters.csv, readings.csv, tariffs.csv, invoices.csv, "
		    "invoice_lines.csv, sepa_mandates.csv, "
		    "legacy_credentials.csv)");
		r->r_file.ic_rejected = 1;
		file_done(r, names[i], "unknown");
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Writes the summary lines of the report from the audit detail. */
static void
write_summary(struct run *r, const char *status)
{
	const char *name;
	json_t *files = json_object_get(r->r_detail, "files"), *o;
	struct rb_imp_counts c;
	size_t i;

	fprintf(r->r_report, "# batch;%s\n# directory;",
	    json_string_value(json_object_get(r->r_detail, "batch")));
	put_field(r->r_report, json_string_value(json_object_get(r->r_detail,
	    "directory")));
	fprintf(r->r_report, "\n# source;%s\n", r->r_opts->io_source);
	fprintf(r->r_report, "# file;status;rows;inserted;updated;unchanged;"
	    "rejected\n");
	/* Known files in import order, then the others by name. */
	for (i = 0; i < RB_IMP__MAX + 1; i++) {
		void *it;

		for (it = json_object_iter(files); it != NULL;
		    it = json_object_iter_next(files, it)) {
			name = json_object_iter_key(it);
			if (i < RB_IMP__MAX ? strcmp(name, specs[i].fs_name) !=
			    0 : is_known(name))
				continue;
			o = json_object_iter_value(it);
			c.ic_rows = json_integer_value(json_object_get(o,
			    "rows"));
			c.ic_inserted = json_integer_value(json_object_get(o,
			    "inserted"));
			c.ic_updated = json_integer_value(json_object_get(o,
			    "updated"));
			c.ic_unchanged = json_integer_value(json_object_get(o,
			    "unchanged"));
			c.ic_rejected = json_integer_value(json_object_get(o,
			    "rejected"));
			fputs("# ", r->r_report);
			put_field(r->r_report, name);
			print_counts(r->r_report, "", "", json_string_value(
			    json_object_get(o, "status")), &c);
		}
	}
	print_counts(r->r_report, "# ", "total", status, &r->r_total);
}

int
rb_import_run(rb_db *db, const struct rb_import_opts *opts,
    struct rb_import_result *res)
{
	struct rb_import_opts o = *opts;
	char absdir[PATH_MAX], batch[32];
	int n;
	const char *status;
	struct rb_date today, since;
	struct run r;
	struct stat sb;
	int i, rc = RB_IMPORT_FAILED, failed = 0;
	time_t now;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	if (o.io_source == NULL)
		o.io_source = rb_import_sources[0];
	for (i = 0; rb_import_sources[i] != NULL; i++)
		if (strcmp(rb_import_sources[i], o.io_source) == 0)
			break;
	if (rb_import_sources[i] == NULL) {
		fprintf(stderr, "robinet: source inconnue « %s » (billing ou "
		    "former_operator)\n", o.io_source);
		return RB_IMPORT_FAILED;
	}
	if (realpath(o.io_dir, absdir) == NULL || stat(absdir, &sb) != 0) {
		fprintf(stderr, "robinet: dossier d'import illisible « %s » : "
		    "%s\n", o.io_dir, strerror(errno));
		return RB_IMPORT_FAILED;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "robinet: « %s » n'est pas un dossier\n",
		    o.io_dir);
		return RB_IMPORT_FAILED;
	}
	r.r_db = db;
	r.r_opts = &o;
	if (o.io_data_key != NULL && o.io_data_key[0] != '\0') {
		if (rb_iban_key_from_hex(o.io_data_key, r.r_key) != 0) {
			fprintf(stderr, "robinet: data_key invalide (64 "
			    "chiffres hexadécimaux)\n");
			return RB_IMPORT_FAILED;
		}
		r.r_has_key = 1;
	}
	now = o.io_now != 0 ? o.io_now : time(NULL);
	r.r_now = now;
	rb_clock_today(now, &today);
	rb_clock_date_add(&today, -(int64_t)o.io_notice_days, &since);
	rb_clock_format_date(&since, r.r_new_since, sizeof(r.r_new_since));
	if (rb_import_store_batch_start(db, now, absdir, o.io_source,
	    &res->ir_batch) != 0) {
		fprintf(stderr, "robinet: import impossible : erreur de la "
		    "base de données (voir le journal)\n");
		return RB_IMPORT_FAILED;
	}
	snprintf(batch, sizeof(batch), "%lld", (long long)res->ir_batch);
	if (o.io_report != NULL)
		snprintf(res->ir_report, sizeof(res->ir_report), "%s",
		    o.io_report);
	else {
		/* Next to the folder, never inside it. */
		n = snprintf(res->ir_report, sizeof(res->ir_report),
		    "%s.import-%s.csv", strcmp(absdir, "/") == 0 ? "/root" :
		    absdir, batch);
		if (n < 0 || (size_t)n >= sizeof(res->ir_report)) {
			fprintf(stderr, "robinet: chemin du rapport trop "
			    "long\n");
			failed = 1;
			goto finish;
		}
	}
	r.r_detail = json_pack("{s:s, s:s, s:s, s:s, s:{}}", "batch", batch,
	    "directory", absdir, "source", o.io_source, "report",
	    res->ir_report, "files");
	if (r.r_detail == NULL)
		goto out;
	if ((r.r_report = fopen(res->ir_report, "w")) == NULL) {
		fprintf(stderr, "robinet: rapport « %s » impossible à écrire : "
		    "%s\n", res->ir_report, strerror(errno));
		failed = 1;
		goto finish;
	}
	fputs("file;line;column;reason\n", r.r_report);
	if (o.io_out != NULL)
		/* Padded by hand: printf counts bytes, not characters. */
		fprintf(o.io_out, "import %s (source %s) : %s\n"
		    "fichier                  état            lignes  insérées "
		    "modifiées inchangées  rejetées\n", batch, o.io_source,
		    absdir);
	if (report_unknown(&r, absdir) != 0) {
		failed = 1;
		goto finish;
	}
	for (i = 0; i < RB_IMP__MAX && !failed; i++)
		if (import_file(&r, absdir, &specs[i], batch, 0) != 0)
			failed = 1;
finish:
	status = failed ? "failed" : r.r_total.ic_rejected > 0 ? "rejected" :
	    "ok";
	json_object_set_new(r.r_detail, "status", json_string(status));
	json_object_set_new(r.r_detail, "rows",
	    json_integer(r.r_total.ic_rows));
	json_object_set_new(r.r_detail, "inserted",
	    json_integer(r.r_total.ic_inserted));
	json_object_set_new(r.r_detail, "updated",
	    json_integer(r.r_total.ic_updated));
	json_object_set_new(r.r_detail, "unchanged",
	    json_integer(r.r_total.ic_unchanged));
	json_object_set_new(r.r_detail, "rejected",
	    json_integer(r.r_total.ic_rejected));
	json_object_set_new(r.r_detail, "bills_announced",
	    json_integer(r.r_announced));
	json_object_set_new(r.r_detail, "bills_to_print",
	    json_integer(r.r_printed));
	if (r.r_report != NULL) {
		write_summary(&r, status);
		if (fclose(r.r_report) != 0) {
			fprintf(stderr, "robinet: rapport « %s » incomplet : "
			    "%s\n", res->ir_report, strerror(errno));
			failed = 1;
			status = "failed";
		}
		r.r_report = NULL;
	}
	if (o.io_out != NULL) {
		fprintf(o.io_out, "%-24s %-12s %9lld %9lld %9lld %10lld "
		    "%9lld\n", "total", status, (long long)r.r_total.ic_rows,
		    (long long)r.r_total.ic_inserted,
		    (long long)r.r_total.ic_updated,
		    (long long)r.r_total.ic_unchanged,
		    (long long)r.r_total.ic_rejected);
		fprintf(o.io_out, "nouvelles factures : %lld annoncée(s) par "
		    "e-mail, %lld à imprimer\n", (long long)r.r_announced,
		    (long long)r.r_printed);
		fprintf(o.io_out, "rapport : %s\n", res->ir_report);
	}
	if (rb_import_store_batch_finish(db, res->ir_batch, time(NULL), status,
	    &r.r_total, res->ir_report, r.r_detail) != 0)
		failed = 1;
	res->ir_total = r.r_total;
	res->ir_copied = r.r_copied;
	rc = failed ? RB_IMPORT_FAILED : r.r_total.ic_rejected > 0 ?
	    RB_IMPORT_REJECTED : RB_IMPORT_OK;
out:
	if (r.r_report != NULL)
		fclose(r.r_report);
	json_decref(r.r_detail);
	sodium_memzero(r.r_key, sizeof(r.r_key));
	seen_clear(&r);
	sp_forget(&r);
	free(r.r_sp_done);
	fast_clear(&r);
	return rc;
}
