/*
 * test_psp.c: the card payment provider interface (app/psp.h) and its
 * Lyra implementation (app/psp_lyra.h): HMAC-SHA-256 in Base64 and the
 * Lyra signature checked against `openssl dgst -sha256 -hmac KEY -binary
 * | base64` run on the documented string (fields sorted by name, values
 * joined with '+', then '+' and the key), the form built for an order,
 * and notifications: accepted when signed, refused when the signature,
 * the shop, the mode, a field or the status word is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/psp_lyra.h"
#include "base/arena.h"
#include "base/buf.h"

#define KEY	"1122334455667788"
#define SHOP	"12345678"

/* Base64 HMAC of msg by openssl, run through the shell with the key
 * and message in files (no quoting issue). */
static void
openssl_hmac(const char *key, const char *msg, char *out, size_t outlen)
{
	char kpath[] = "/tmp/rb-psp-key-XXXXXX", mpath[] = "/tmp/rb-psp-msg-XXXXXX";
	char cmd[512];
	FILE *p;
	int fd;

	assert_true((fd = mkstemp(kpath)) >= 0);
	assert_true(write(fd, key, strlen(key)) == (ssize_t)strlen(key));
	close(fd);
	assert_true((fd = mkstemp(mpath)) >= 0);
	assert_true(write(fd, msg, strlen(msg)) == (ssize_t)strlen(msg));
	close(fd);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -hmac \"$(cat %s)\" "
	    "-binary < %s | base64 -w0", kpath, mpath);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(out, (int)outlen, p));
	assert_int_equal(pclose(p), 0);
	out[strcspn(out, "\n")] = '\0';
	unlink(kpath);
	unlink(mpath);
}

static void
test_hmac_matches_openssl(void **state)
{
	static const char *const cases[][2] = {
		{ "key", "The quick brown fox jumps over the lazy dog" },
		{ KEY, "" },
		{ "clé-été", "Facture n° FA2026-001911 : 123,45 €" },
		/* Longer than the 64-byte block: hashed first. */
		{ "0123456789abcdef0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789", "x+y+z" },
	};
	char got[RB_HMAC_B64_LEN], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rb_hmac_sha256_b64(cases[i][0], strlen(cases[i][0]),
		    cases[i][1], strlen(cases[i][1]), got);
		openssl_hmac(cases[i][0], cases[i][1], want, sizeof(want));
		assert_string_equal(got, want);
	}
	/* The RFC 4231 test case 2, as a constant. */
	rb_hmac_sha256_b64("Jefe", 4, "what do ya want for nothing?", 28, got);
	assert_string_equal(got,
	    "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

/* The documented string: values by field name, '+', then the key. */
static void
test_lyra_signature_known_answer(void **state)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:s}",
	    "vads_version", "V2", "vads_trans_id", "123456",
	    "vads_amount", "5124", "vads_site_id", SHOP,
	    "vads_action_mode", "INTERACTIVE", "vads_ctx_mode", "TEST",
	    "vads_currency", "978", "vads_page_action", "PAYMENT",
	    "vads_payment_config", "SINGLE",
	    "vads_trans_date", "20170129130025",
	    "other", "not signed", "vads_cust_email", "");
	char got[RB_HMAC_B64_LEN], want[128];

	(void)state;
	assert_int_equal(rb_lyra_sign(f, KEY, got), 0);
	openssl_hmac(KEY, "INTERACTIVE+5124+TEST+978++PAYMENT+SINGLE+"
	    SHOP "+20170129130025+123456+V2+" KEY, want, sizeof(want));
	assert_string_equal(got, want);
	/* Any value changed changes it. */
	json_object_set_new(f, "vads_amount", json_string("5125"));
	assert_int_equal(rb_lyra_sign(f, KEY, want), 0);
	assert_string_not_equal(got, want);
	/* Fields that are not vads_ do not count. */
	json_object_set_new(f, "vads_amount", json_string("5124"));
	json_object_set_new(f, "other", json_string("changed"));
	assert_int_equal(rb_lyra_sign(f, KEY, want), 0);
	assert_string_equal(got, want);
	json_decref(f);
}

static const struct rb_psp_cfg cfg = {
	.pc_shop_id = SHOP, .pc_key = KEY, .pc_mode = "TEST",
	.pc_page_url = "http://127.0.0.1:1/vads-payment/",
	.pc_public_url = "https://eau.example",
};

static void
test_form_for_an_order(void **state)
{
	struct rb_psp_order o = { .po_id = 1234567, .po_ref = "CB-ABC123",
	    .po_amount_cents = 12345, .po_email = "a@b.fr",
	    .po_created = 1700000000 };
	json_t *a, *obj, *it;
	size_t i;

	(void)state;
	assert_non_null(a = rb_psp_provider()->pp_form(&cfg, &o));
	obj = json_object();
	json_array_foreach(a, i, it)
		json_object_set(obj, json_string_value(json_object_get(it,
		    "name")), json_object_get(it, "value"));
	assert_string_equal(json_string_value(json_object_get(obj,
	    "vads_amount")), "12345");
	assert_string_equal(json_string_value(json_object_get(obj,
	    "vads_currency")), "978");
	assert_string_equal(json_string_value(json_object_get(obj,
	    "vads_trans_id")), "234567");
	assert_string_equal(json_string_value(json_object_get(obj,
	    "vads_trans_date")), "20231114221320");
	assert_string_equal(json_string_value(json_object_get(obj,
	    "vads_url_check")), "https://eau.example/paiement/notification");
	assert_string_equal(json_string_value(json_object_get(obj,
	    "vads_url_return")),
	    "https://eau.example/paiement/retour?commande=CB-ABC123");
	assert_true(rb_lyra_verify(obj, KEY));
	assert_false(rb_lyra_verify(obj, "another key"));
	json_decref(obj);
	json_decref(a);
}

/* A notification body signed with key, with extra appended unsigned. */
static enum rb_psp_check
notice(const char *body_fields, const char *key, const char *tail,
    struct rb_psp_notice *n)
{
	rb_arena *ar = rb_arena_new();
	struct rb_form f;
	json_t *fields;
	char sig[RB_HMAC_B64_LEN], *body;
	const char *why;
	enum rb_psp_check rc;
	rb_buf enc = RB_BUF_INIT;
	size_t i;

	assert_int_equal(rb_form_parse(ar, body_fields, strlen(body_fields),
	    NULL, &f, NULL), 0);
	assert_non_null(fields = rb_lyra_fields(&f));
	assert_int_equal(rb_lyra_sign(fields, key, sig), 0);
	json_decref(fields);
	for (i = 0; sig[i] != '\0'; i++)	/* '+' and '/' and '=' */
		rb_buf_printf(&enc, "%%%02X", (unsigned char)sig[i]);
	body = rb_arena_printf(ar, "%s&signature=%s%s", body_fields,
	    enc.buf_data, tail);
	assert_int_equal(rb_form_parse(ar, body, strlen(body), NULL, &f,
	    NULL), 0);
	rc = rb_psp_provider()->pp_notice(&cfg, &f, n, &why);
	rb_buf_free(&enc);
	rb_arena_free(ar);
	return rc;
}

#define BASE	"vads_order_id=CB-ABC123&vads_amount=12345&vads_currency=978" \
		"&vads_site_id=" SHOP "&vads_ctx_mode=TEST" \
		"&vads_trans_uuid=0123456789abcdef0123456789abcdef"

static void
test_notices(void **state)
{
	struct rb_psp_notice n;

	(void)state;
	assert_int_equal(notice(BASE "&vads_trans_status=AUTHORISED", KEY, "",
	    &n), RB_PSPC_OK);
	assert_string_equal(n.pn_ref, "CB-ABC123");
	assert_int_equal(n.pn_amount_cents, 12345);
	assert_string_equal(n.pn_currency, "978");
	assert_int_equal(n.pn_status, RB_PSP_SUCCEEDED);
	assert_string_equal(n.pn_provider_ref,
	    "0123456789abcdef0123456789abcdef");
	assert_int_equal(notice(BASE "&vads_trans_status=REFUSED", KEY, "",
	    &n), RB_PSPC_OK);
	assert_int_equal(n.pn_status, RB_PSP_REFUSED);
	assert_int_equal(notice(BASE "&vads_trans_status=ABANDONED", KEY, "",
	    &n), RB_PSPC_OK);
	assert_int_equal(n.pn_status, RB_PSP_ABANDONED);
	/* Signed with another key. */
	assert_int_equal(notice(BASE "&vads_trans_status=AUTHORISED",
	    "8877665544332211", "", &n), RB_PSPC_BAD_SIGNATURE);
	/* A vads_ field added after signing. */
	assert_int_equal(notice(BASE "&vads_trans_status=REFUSED", KEY,
	    "&vads_extra=1", &n), RB_PSPC_BAD_SIGNATURE);
	/* A repeated field. */
	assert_int_equal(notice(BASE "&vads_trans_status=AUTHORISED", KEY,
	    "&vads_amount=1", &n), RB_PSPC_MALFORMED);
	/* Another shop, another mode. */
	assert_int_equal(notice("vads_order_id=CB-1&vads_amount=1"
	    "&vads_currency=978&vads_site_id=87654321&vads_ctx_mode=TEST"
	    "&vads_trans_status=AUTHORISED", KEY, "", &n), RB_PSPC_WRONG_SHOP);
	assert_int_equal(notice("vads_order_id=CB-1&vads_amount=1"
	    "&vads_currency=978&vads_site_id=" SHOP "&vads_ctx_mode=PRODUCTION"
	    "&vads_trans_status=AUTHORISED", KEY, "", &n), RB_PSPC_WRONG_SHOP);
	/* Missing order, bad amount, unknown status. */
	assert_int_equal(notice("vads_amount=1&vads_currency=978"
	    "&vads_site_id=" SHOP "&vads_ctx_mode=TEST"
	    "&vads_trans_status=AUTHORISED", KEY, "", &n), RB_PSPC_MALFORMED);
	assert_int_equal(notice("vads_order_id=CB-1&vads_amount=-5"
	    "&vads_currency=978&vads_site_id=" SHOP "&vads_ctx_mode=TEST"
	    "&vads_trans_status=AUTHORISED", KEY, "", &n), RB_PSPC_MALFORMED);
	assert_int_equal(notice(BASE "&vads_trans_status=PAID_MAYBE", KEY, "",
	    &n), RB_PSPC_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_matches_openssl),
		cmocka_unit_test(test_lyra_signature_known_answer),
		cmocka_unit_test(test_form_for_an_order),
		cmocka_unit_test(test_notices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
