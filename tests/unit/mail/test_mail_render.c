/*
 * test_mail_render.c: the French templates of every kind of message
 * (mail/render.h) and rb_mail_init()'s checks: absolute links under the
 * public URL only, the activation button, escaping in HTML but not in
 * text, optional first name and validity, no remote resource.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mail_test.h"

#include "base/config.h"
#include "base/mem.h"
#include "mail/mail.h"
#include "mail/render.h"
#include "mail/state.h"

#define PUBLIC_URL	"https://eau.example"

static void
default_cfg(struct rb_mail_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mc_public_url = PUBLIC_URL;
	c->mc_from = "Service de l'eau de la Métropole "
	    "<ne-pas-repondre@eau.example>";
	c->mc_smtp_url = "";
	c->mc_service_phone = "09 69 32 22 12";
}

static int
setup(void **state)
{
	struct rb_mail_cfg c;
	char err[256];

	(void)state;
	default_cfg(&c);
	if (rb_mail_init(&c, err, sizeof(err)) != 0) {
		fprintf(stderr, "rb_mail_init: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rb_mail_shutdown();
	return 0;
}

/* Renders kind with data given as JSON text; -1 on refusal. */
static int
render(enum rb_mail_kind kind, const char *json, struct rb_mail_rendered *r)
{
	json_t *data = json_loads(json, 0, NULL);
	char err[256];
	int rc;

	assert_non_null(data);
	rc = rb_mail_render(rb_mail_state(), kind, data, r, err, sizeof(err));
	json_decref(data);
	return rc;
}

/* Every http(s) URL of s starts with the public URL. */
static void
links_all_local(const char *s)
{
	const char *p = s;

	while ((p = strstr(p, "http")) != NULL) {
		if (strncmp(p, "http://", 7) == 0 ||
		    strncmp(p, "https://", 8) == 0)
			if (strncmp(p, PUBLIC_URL "/", strlen(PUBLIC_URL) + 1))
				fail_msg("foreign link: %.60s", p);
		p += 4;
	}
}

static void
test_init_checks(void **state)
{
	static const char *const bad_urls[] = { "https://eau.example/",
	    "ftp://eau.example", "eau.example", "https://", "https://a b",
	    "https://eau.example\"><script>" };
	static const char *const bad_from[] = { "", "pas une adresse",
	    "Eau <a@b>", "Eau\r\nBcc: x@y.fr <a@b.fr>" };
	struct rb_mail_cfg c;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < RB_NELEM(bad_urls); i++) {
		default_cfg(&c);
		c.mc_public_url = bad_urls[i];
		err[0] = '\0';
		if (rb_mail_init(&c, err, sizeof(err)) == 0)
			fail_msg("accepted public_url %s", bad_urls[i]);
		assert_non_null(strstr(err, "public_url"));
		assert_null(rb_mail_state());
	}
	for (i = 0; i < RB_NELEM(bad_from); i++) {
		default_cfg(&c);
		c.mc_from = bad_from[i];
		if (rb_mail_init(&c, err, sizeof(err)) == 0)
			fail_msg("accepted mail_from %s", bad_from[i]);
		assert_non_null(strstr(err, "mail_from"));
	}
	default_cfg(&c);
	assert_int_equal(rb_mail_init(&c, err, sizeof(err)), 0);
	assert_non_null(rb_mail_state());
	assert_string_equal(rb_mail_state()->st_from_addr,
	    "ne-pas-repondre@eau.example");
	assert_string_equal(rb_mail_state()->st_from_domain, "eau.example");
	assert_int_equal(rb_mail_state()->st_max_attempts, 10);
}

/* The robinet configuration maps onto the module, defaults included. */
static void
test_cfg_from_config(void **state)
{
	struct rb_config cfg;
	struct rb_mail_cfg c;
	char err[256];

	(void)state;
	rb_config_init(&cfg);
	assert_int_equal(rb_config_set(&cfg, RB_CFG_SMTP_URL,
	    "smtp://relay.example:587", "test", err, sizeof(err)), 0);
	assert_int_equal(rb_config_set(&cfg, RB_CFG_SMTP_STARTTLS, "true",
	    "test", err, sizeof(err)), 0);
	rb_mail_cfg_from_config(&cfg, &c);
	assert_string_equal(c.mc_smtp_url, "smtp://relay.example:587");
	assert_int_equal(c.mc_smtp_starttls, 1);
	assert_int_equal(c.mc_demo, 0);
	assert_string_equal(c.mc_mail_dir, "var/mail");
	assert_string_equal(c.mc_public_url, rb_config_str(&cfg,
	    RB_CFG_PUBLIC_URL));
	assert_string_equal(c.mc_from, rb_config_str(&cfg, RB_CFG_MAIL_FROM));
	/* The default sender and public URL are accepted as they are. */
	if (rb_mail_init(&c, err, sizeof(err)) != 0)
		fail_msg("default configuration refused: %s", err);
	assert_string_equal(rb_mail_state()->st_from_addr,
	    "ne-pas-repondre@eau.example");
	assert_true(rb_mail_state()->st_from_name[0] != '\0');
	rb_config_free(&cfg);
}

static void
test_activation(void **state)
{
	struct rb_mail_rendered r;
	const char *link = PUBLIC_URL "/activer?jeton=Abc-_123";

	(void)state;
	assert_int_equal(render(RB_MAIL_ACTIVATION, "{\"first_name\": "
	    "\"Hélène\", \"link\": \"" PUBLIC_URL "/activer?jeton=Abc-_123\","
	    " \"ttl_seconds\": 86400}", &r), 0);
	assert_string_equal(r.mr_subject, "Activer votre espace client");
	/* HTML: a real link styled as a button, and the link in clear. */
	assert_non_null(strstr(r.mr_html, "<html lang=\"fr\">"));
	assert_non_null(strstr(r.mr_html, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(r.mr_html, "<a href=\"" PUBLIC_URL
	    "/activer?jeton=Abc-_123\" style=\"display:inline-block;"));
	assert_non_null(strstr(r.mr_html, ">Activer votre espace client</a>"));
	assert_non_null(strstr(r.mr_html, ">" PUBLIC_URL
	    "/activer?jeton=Abc-_123</a>"));
	assert_non_null(strstr(r.mr_html, "<title>Activer votre espace "
	    "client</title>"));
	assert_non_null(strstr(r.mr_html, "Bonjour Hélène,"));
	assert_non_null(strstr(r.mr_html, "valable 24 heures"));
	assert_non_null(strstr(r.mr_html, "09 69 32 22 12"));
	assert_null(strstr(r.mr_html, "<img"));
	assert_null(strstr(r.mr_html, "src="));
	assert_null(strstr(r.mr_html, "<script"));
	links_all_local(r.mr_html);
	/* Text: the same, in clear. */
	assert_non_null(strstr(r.mr_text, "Bonjour Hélène,\n"));
	assert_non_null(strstr(r.mr_text, "Activer votre espace client :\n"));
	assert_non_null(strstr(r.mr_text, link));
	assert_non_null(strstr(r.mr_text, "valable 24 heures"));
	assert_non_null(strstr(r.mr_text, "\n-- \nService de l'eau de la "
	    "Métropole\n"));
	assert_null(strstr(r.mr_text, "<"));
	links_all_local(r.mr_text);
	rb_mail_rendered_free(&r);
}

static void
test_every_kind(void **state)
{
	struct rb_mail_rendered r;
	rb_buf probe = RB_BUF_INIT;
	int k;

	(void)state;
	for (k = 0; k < RB_MAIL__MAX; k++) {
		if (render(k, "{\"link\": \"/x?jeton=t\", \"new_email\": "
		    "\"n@example.org\", \"contract_number\": \"1000000001\", "
		    "\"volume\": \"94,000\", \"average\": \"40,000\", "
		    "\"period_start\": \"1er déc. 2025\", \"period_end\": "
		    "\"2 juin 2026\", \"reference\": \"CB0123\", "
		    "\"amount\": \"12,34 €\", \"date\": \"5 juin 2026\", "
		    "\"bills\": [{\"number\": \"FA1\", \"amount\": "
		    "\"12,34 €\"}], \"what\": \"la facture F1\", "
		    "\"rum\": \"RBN-1000000001-01\", \"ics\": "
		    "\"FR72ZZZ123456\", \"reason\": \"compte clôturé\", "
		    "\"code\": \"AC04\", \"iban\": \"FR76 •••• •••• 0189\", "
		    "\"instalments\": [{\"date\": \"5 janv. 2027\", "
		    "\"amount\": \"12,34 €\"}], \"number\": \"FA2026-000001\", "
		    "\"issued\": \"2 déc. 2026\", \"due\": \"23 décembre "
		    "2026\", \"subject_label\": \"Autre\", \"signed_in\": "
		    "true, \"answer\": \"Voici.\", \"serial\": "
		    "\"I21BA012345\", \"first_day\": \"27 novembre 2026\", "
		    "\"last_day\": \"29 novembre 2026\", \"days\": \"3\", "
		    "\"litres\": \"1900\", \"usual\": \"450\", "
		    "\"factor\": \"2\", \"index\": \"1 234 m³\", "
		    "\"meter_change\": true, \"changes\": [{\"label\": "
		    "\"Adresse\", \"value\": \"1 rue A\"}]}", &r) != 0)
			fail_msg("kind %s does not render",
			    rb_mail_kind_name(k));
		assert_true(strlen(r.mr_subject) > 10);
		assert_null(strstr(r.mr_text, "{{"));
		assert_null(strstr(r.mr_html, "{{"));
		assert_null(strstr(r.mr_text, "}}"));
		assert_null(strstr(r.mr_html, "}}"));
		/* One blank line at most, none at the start. */
		assert_null(strstr(r.mr_text, "\n\n\n"));
		assert_int_equal(strncmp(r.mr_text, "Bonjour,\n\n", 10), 0);
		assert_non_null(strstr(r.mr_html, "<html lang=\"fr\">"));
		assert_non_null(strstr(r.mr_html, PUBLIC_URL "/x?jeton=t"));
		assert_non_null(strstr(r.mr_text, PUBLIC_URL "/x?jeton=t"));
		assert_non_null(strstr(r.mr_text, "Bonjour,\n"));
		assert_null(strstr(r.mr_html, "<img"));
		links_all_local(r.mr_html);
		links_all_local(r.mr_text);
		/* Plain French text readers can read: short lines but links. */
		rb_buf_reset(&probe);
		rb_buf_puts(&probe, r.mr_text);
		{
			char *line, *save = NULL;

			for (line = strtok_r(probe.buf_data, "\n", &save);
			    line != NULL; line = strtok_r(NULL, "\n", &save))
				if (strlen(line) > 78 &&
				    strstr(line, "https://") == NULL)
					fail_msg("%s: long line \"%s\"",
					    rb_mail_kind_name(k), line);
		}
		rb_mail_rendered_free(&r);
	}
	rb_buf_free(&probe);
	assert_int_equal(render(RB_MAIL_EMAIL_CHANGED, "{\"new_email\": "
	    "\"n@example.org\"}", &r), 0);
	assert_non_null(strstr(r.mr_text, "La nouvelle adresse est "
	    "n@example.org."));
	rb_mail_rendered_free(&r);
}

static void
test_links(void **state)
{
	static const char *const refused[] = {
		"https://evil.example/activer?jeton=x",
		"https://eau.example.evil.example/activer",
		"https://eau.exampleevil/x",
		"http://eau.example/activer",	/* other scheme */
		"//evil.example/x",
		"javascript:alert(1)",
		"/activer?jeton=a b",
		"/activer?jeton=<script>",
		"",
	};
	struct rb_mail_rendered r;
	char json[256];
	size_t i;

	(void)state;
	for (i = 0; i < RB_NELEM(refused); i++) {
		snprintf(json, sizeof(json), "{\"link\": \"%s\"}", refused[i]);
		if (render(RB_MAIL_ACTIVATION, json, &r) == 0)
			fail_msg("accepted link %s", refused[i]);
	}
	/* The required link. */
	assert_int_equal(render(RB_MAIL_ACTIVATION, "{}", &r), -1);
	assert_int_equal(render(RB_MAIL_RESET, "{\"link\": null}", &r), -1);
	assert_int_equal(render(RB_MAIL_RESET, "{\"link\": 3}", &r), -1);
	/* Absolute links under the public URL pass as they are. */
	assert_int_equal(render(RB_MAIL_RESET, "{\"link\": \"" PUBLIC_URL
	    "\"}", &r), 0);
	rb_mail_rendered_free(&r);
	assert_int_equal(render(RB_MAIL_RESET, "{\"link\": \"" PUBLIC_URL
	    "?a=1\"}", &r), 0);
	rb_mail_rendered_free(&r);
	/* Optional links default to the portal. */
	assert_int_equal(render(RB_MAIL_PASSWORD_CHANGED, "{}", &r), 0);
	assert_non_null(strstr(r.mr_html, "href=\"" PUBLIC_URL "/\""));
	rb_mail_rendered_free(&r);
	/* Callers cannot move the public URL. */
	assert_int_equal(render(RB_MAIL_RESET, "{\"link\": \"/r?jeton=1\", "
	    "\"public_url\": \"https://evil.example\"}", &r), 0);
	assert_null(strstr(r.mr_html, "evil"));
	assert_null(strstr(r.mr_text, "evil"));
	assert_non_null(strstr(r.mr_text, PUBLIC_URL "/r?jeton=1"));
	rb_mail_rendered_free(&r);
}

static void
test_escaping(void **state)
{
	struct rb_mail_rendered r;

	(void)state;
	assert_int_equal(render(RB_MAIL_RESET, "{\"link\": \"/r?a=1&b=2\", "
	    "\"first_name\": \"Zoé O'Neil <b>&\"}", &r), 0);
	assert_non_null(strstr(r.mr_html, "Bonjour Zoé O&#39;Neil &lt;b&gt;"
	    "&amp;,"));
	assert_null(strstr(r.mr_html, "<b>"));
	assert_non_null(strstr(r.mr_html, "href=\"" PUBLIC_URL
	    "/r?a=1&amp;b=2\""));
	assert_non_null(strstr(r.mr_text, "Bonjour Zoé O'Neil <b>&,\n"));
	assert_non_null(strstr(r.mr_text, PUBLIC_URL "/r?a=1&b=2\n"));
	rb_mail_rendered_free(&r);
}

static void
test_validity_text(void **state)
{
	static const struct {
		long long	 ttl;
		const char	*text;
	} cases[] = {
		{ 0, "" }, { -5, "" }, { 1, "1 minute" }, { 60, "1 minute" },
		{ 61, "2 minutes" }, { 1800, "30 minutes" },
		{ 3600, "1 heure" }, { 5400, "1 heure et 30 minutes" },
		{ 7199, "2 heures" }, { 86400, "24 heures" },
		{ 129600, "36 heures" }, { 172800, "2 jours" },
		{ 604800, "7 jours" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < RB_NELEM(cases); i++) {
		rb_mail_validity_text(cases[i].ttl, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}
}

/* Customer service (issue 10): signed out, the link is the contact page;
 * what people typed is escaped in HTML and kept as typed in text; the
 * acknowledgement never repeats anything but the name. */
static void
test_contact_kinds(void **state)
{
	struct rb_mail_rendered r;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		assert_int_equal(render(k == 0 ? RB_MAIL_CONTACT_ACK :
		    RB_MAIL_CONTACT_REPLY, "{\"first_name\": \"<b>Léa</b>\", "
		    "\"reference\": \"D-2026-000042\", \"subject_label\": "
		    "\"Autre\", \"signed_in\": false, \"answer\": "
		    "\"<script>x('y')</script>\\nLigne 2\"}", &r), 0);
		assert_non_null(strstr(r.mr_subject, "D-2026-000042"));
		assert_null(strstr(r.mr_html, "<b>L"));
		assert_null(strstr(r.mr_html, "<script"));
		assert_non_null(strstr(r.mr_html, "&lt;b&gt;Léa&lt;/b&gt;"));
		assert_non_null(strstr(r.mr_text, "Bonjour <b>Léa</b>,"));
		assert_null(strstr(r.mr_text, "Mes demandes"));
		assert_null(strstr(r.mr_text, "\n\n\n"));
		if (k == 1) {
			assert_non_null(strstr(r.mr_text, PUBLIC_URL
			    "/contact"));
			assert_non_null(strstr(r.mr_text,
			    "<script>x('y')</script>\nLigne 2"));
			assert_non_null(strstr(r.mr_html, "&lt;script&gt;"));
		} else
			assert_null(strstr(r.mr_text, "script"));
		rb_mail_rendered_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_checks, teardown),
		cmocka_unit_test_teardown(test_cfg_from_config, teardown),
		cmocka_unit_test_setup_teardown(test_activation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_every_kind, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_contact_kinds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup,
		    teardown),
		cmocka_unit_test(test_validity_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
