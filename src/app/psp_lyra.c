/*
 * psp_lyra.c: the Lyra form API (see psp_lyra.h): the payment form's
 * vads_* fields, their signature, and the reading of a notification
 * (IPN). Field names and words are the platform's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/psp_lyra.h"
#include "base/buf.h"
#include "base/mem.h"

#define SIGNATURE	"signature"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
rb_lyra_sign(const json_t *fields, const char *key, char out[RB_HMAC_B64_LEN])
{
	const char **names;
	const char *name;
	json_t *v;
	rb_buf s = RB_BUF_INIT;
	size_t n = 0, i;
	int rc = -1;

	names = rb_xcalloc(json_object_size(fields) + 1, sizeof(*names));
	json_object_foreach((json_t *)fields, name, v)
		if (strncmp(name, "vads_", 5) == 0)
			names[n++] = name;
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		v = json_object_get(fields, names[i]);
		if (!json_is_string(v))
			goto out;
		rb_buf_append(&s, json_string_value(v),
		    json_string_length(v));
		rb_buf_append(&s, "+", 1);
	}
	rb_buf_append(&s, key, strlen(key));
	rb_hmac_sha256_b64(key, strlen(key), s.buf_data != NULL ?
	    s.buf_data : "", s.buf_len, out);
	rc = 0;
out:
	rb_buf_free(&s);
	free(names);
	return rc;
}

json_t *
rb_lyra_fields(const struct rb_form *f)
{
	const struct rb_form_field *ff;
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < f->form_nfields; i++) {
		ff = &f->form_fields[i];
		if (strncmp(ff->ff_key, "vads_", 5) != 0 &&
		    strcmp(ff->ff_key, SIGNATURE) != 0)
			continue;
		if (json_object_get(o, ff->ff_key) != NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, ff->ff_key, json_stringn(ff->ff_value,
		    ff->ff_value_len));
	}
	return o;
}

int
rb_lyra_verify(const json_t *fields, const char *key)
{
	const char *sig = json_string_value(json_object_get(fields,
	    SIGNATURE));
	char want[RB_HMAC_B64_LEN];

	if (sig == NULL || key == NULL || key[0] == '\0' ||
	    rb_lyra_sign(fields, key, want) != 0)
		return 0;
	return rb_ct_streq(sig, want);
}

static const struct {
	const char		*ls_word;
	enum rb_psp_status	 ls_status;
} statuses[] = {
	{ "AUTHORISED", RB_PSP_SUCCEEDED },
	{ "CAPTURED", RB_PSP_SUCCEEDED },
	{ "ACCEPTED", RB_PSP_SUCCEEDED },
	{ "REFUSED", RB_PSP_REFUSED },
	{ "EXPIRED", RB_PSP_REFUSED },
	{ "ABANDONED", RB_PSP_ABANDONED },
	{ "CANCELLED", RB_PSP_ABANDONED },
	{ "INITIAL", RB_PSP_PENDING },
	{ "AUTHORISED_TO_VALIDATE", RB_PSP_PENDING },
	{ "WAITING_AUTHORISATION", RB_PSP_PENDING },
	{ "WAITING_AUTHORISATION_TO_VALIDATE", RB_PSP_PENDING },
	{ "UNDER_VERIFICATION", RB_PSP_PENDING },
};

int
rb_lyra_status(const char *word)
{
	size_t i;

	for (i = 0; word != NULL && i < RB_NELEM(statuses); i++)
		if (strcmp(word, statuses[i].ls_word) == 0)
			return (int)statuses[i].ls_status;
	return -1;
}

static void
add(json_t *a, const char *name, const char *value)
{
	json_array_append_new(a, json_pack("{s:s, s:s}", "name", name,
	    "value", value));
}

static json_t *
lyra_form(const struct rb_psp_cfg *pc, const struct rb_psp_order *o)
{
	char amount[32], date[16], trans[8], url_return[1024], url_check[600];
	char sig[RB_HMAC_B64_LEN];
	json_t *obj = json_object(), *out = json_array(), *v;
	const char *name;
	struct tm tm;

	snprintf(amount, sizeof(amount), "%lld", (long long)o->po_amount_cents);
	gmtime_r(&o->po_created, &tm);
	strftime(date, sizeof(date), "%Y%m%d%H%M%S", &tm);
	/* Unique per shop and day: a million orders a day is far off. */
	snprintf(trans, sizeof(trans), "%06lld",
	    (long long)(o->po_id % 1000000));
	snprintf(url_return, sizeof(url_return),
	    "%s/paiement/retour?commande=%s", pc->pc_public_url, o->po_ref);
	snprintf(url_check, sizeof(url_check), "%s/paiement/notification",
	    pc->pc_public_url);
	json_object_set_new(obj, "vads_action_mode", json_string("INTERACTIVE"));
	json_object_set_new(obj, "vads_amount", json_string(amount));
	json_object_set_new(obj, "vads_ctx_mode", json_string(pc->pc_mode));
	json_object_set_new(obj, "vads_currency", json_string(RB_PSP_CURRENCY));
	json_object_set_new(obj, "vads_cust_email", json_string(
	    o->po_email != NULL ? o->po_email : ""));
	json_object_set_new(obj, "vads_language", json_string("fr"));
	json_object_set_new(obj, "vads_order_id", json_string(o->po_ref));
	json_object_set_new(obj, "vads_page_action", json_string("PAYMENT"));
	json_object_set_new(obj, "vads_payment_config", json_string("SINGLE"));
	json_object_set_new(obj, "vads_return_mode", json_string("GET"));
	json_object_set_new(obj, "vads_site_id", json_string(pc->pc_shop_id));
	json_object_set_new(obj, "vads_trans_date", json_string(date));
	json_object_set_new(obj, "vads_trans_id", json_string(trans));
	json_object_set_new(obj, "vads_url_check", json_string(url_check));
	json_object_set_new(obj, "vads_url_return", json_string(url_return));
	json_object_set_new(obj, "vads_version", json_string("V2"));
	if (rb_lyra_sign(obj, pc->pc_key, sig) != 0) {
		json_decref(obj);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(obj, name, v)
		add(out, name, json_string_value(v));
	add(out, SIGNATURE, sig);
	json_decref(obj);
	return out;
}

/* Copies field name of fields into out; -1 when missing or too long. */
static int
field(const json_t *fields, const char *name, char *out, size_t outlen,
    int required)
{
	const char *v = json_string_value(json_object_get(fields, name));

	if (v == NULL) {
		if (required)
			return -1;
		v = "";
	}
	if (strlen(v) >= outlen)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static enum rb_psp_check
lyra_notice(const struct rb_psp_cfg *pc, const struct rb_form *f,
    struct rb_psp_notice *out, const char **why)
{
	enum rb_psp_check rc = RB_PSPC_MALFORMED;
	char amount[24], shop[16], mode[16];
	json_t *fields;
	size_t i;
	int st;

	memset(out, 0, sizeof(*out));
	*why = "repeated field";
	if ((fields = rb_lyra_fields(f)) == NULL)
		return RB_PSPC_MALFORMED;
	*why = "missing or overlong field";
	if (json_object_get(fields, SIGNATURE) == NULL ||
	    field(fields, "vads_order_id", out->pn_ref, sizeof(out->pn_ref),
	    1) != 0 ||
	    field(fields, "vads_trans_uuid", out->pn_provider_ref,
	    sizeof(out->pn_provider_ref), 0) != 0 ||
	    field(fields, "vads_amount", amount, sizeof(amount), 1) != 0 ||
	    field(fields, "vads_currency", out->pn_currency,
	    sizeof(out->pn_currency), 1) != 0 ||
	    field(fields, "vads_trans_status", out->pn_raw_status,
	    sizeof(out->pn_raw_status), 1) != 0 ||
	    field(fields, "vads_site_id", shop, sizeof(shop), 1) != 0 ||
	    field(fields, "vads_ctx_mode", mode, sizeof(mode), 1) != 0)
		goto out;
	/* The signature first: nothing unsigned is believed. */
	*why = "wrong signature";
	if (!rb_lyra_verify(fields, pc->pc_key)) {
		rc = RB_PSPC_BAD_SIGNATURE;
		goto out;
	}
	*why = "another shop or mode";
	if (strcmp(shop, pc->pc_shop_id) != 0 ||
	    strcmp(mode, pc->pc_mode) != 0) {
		rc = RB_PSPC_WRONG_SHOP;
		goto out;
	}
	*why = "malformed amount";
	for (i = 0; amount[i] != '\0'; i++)
		if (amount[i] < '0' || amount[i] > '9')
			goto out;
	if (i == 0 || i > 12)
		goto out;
	out->pn_amount_cents = strtoll(amount, NULL, 10);
	*why = "unknown vads_trans_status";
	if ((st = rb_lyra_status(out->pn_raw_status)) < 0)
		goto out;
	out->pn_status = (enum rb_psp_status)st;
	*why = NULL;
	rc = RB_PSPC_OK;
out:
	json_decref(fields);
	return rc;
}

const struct rb_psp_provider rb_psp_lyra = {
	.pp_name = "lyra",
	.pp_form = lyra_form,
	.pp_notice = lyra_notice,
};

/* ------------------------------------------------------------ settings */

void
rb_psp_cfg_from_config(const struct rb_config *cfg, struct rb_psp_cfg *pc)
{
	pc->pc_shop_id = rb_config_str(cfg, RB_CFG_PSP_SHOP_ID);
	pc->pc_mode = rb_config_str(cfg, RB_CFG_PSP_MODE);
	pc->pc_key = rb_config_str(cfg, strcmp(pc->pc_mode, "PRODUCTION") ==
	    0 ? RB_CFG_PSP_PRODUCTION_KEY : RB_CFG_PSP_TEST_KEY);
	pc->pc_page_url = rb_config_str(cfg, RB_CFG_PSP_PAGE_URL);
	pc->pc_public_url = rb_config_str(cfg, RB_CFG_PSP_PUBLIC_URL);
	if (pc->pc_public_url[0] == '\0')
		pc->pc_public_url = rb_config_str(cfg, RB_CFG_PUBLIC_URL);
}

int
rb_psp_enabled(const struct rb_psp_cfg *pc)
{
	return pc->pc_shop_id[0] != '\0' && pc->pc_key[0] != '\0' &&
	    pc->pc_page_url[0] != '\0';
}

const struct rb_psp_provider *
rb_psp_provider(void)
{
	return &rb_psp_lyra;
}
