/*
 * render.c: subjects, templates and template data of outgoing mail (see
 * render.h). Each kind has a row in kind_defs and two templates,
 * NAME.txt and NAME.html, which extend layout.txt and layout.html.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/embed.h"
#include "base/mem.h"
#include "mail/render.h"

extern const struct rb_embedded rb_mail_templates[];

#define LINK_MAX	2048
#define SUFFIX		".mustache"

struct kind_def {
	const char	*kd_name;	/* template base name */
	const char	*kd_subject;
	int		 kd_link_required;
	const char	*kd_default_path; /* when the link is optional */
	const char	*kd_subject_key; /* data key whose text ends the
					   subject, or NULL */
};

static const struct kind_def kind_defs[RB_MAIL__MAX] = {
	[RB_MAIL_ACTIVATION] = { "activation",
	    "Activer votre espace client", 1, NULL, NULL },
	[RB_MAIL_RESET] = { "reset",
	    "Choisir un nouveau mot de passe", 1, NULL, NULL },
	[RB_MAIL_EMAIL_CHANGE] = { "email_change",
	    "Confirmer votre nouvelle adresse e-mail", 1, NULL,
	    NULL },
	[RB_MAIL_EMAIL_CHANGED] = { "email_changed",
	    "Votre adresse e-mail a été modifiée", 0, "/", NULL },
	[RB_MAIL_SPACE_EXISTS] = { "space_exists",
	    "Votre espace client existe déjà", 0, "/", NULL },
	[RB_MAIL_EMAIL_DIFFERS] = { "email_differs",
	    "Demande d'espace client pour votre contrat", 0, "/", NULL },
	[RB_MAIL_PASSWORD_CHANGED] = { "password_changed",
	    "Votre mot de passe a été modifié", 0, "/", NULL },
	[RB_MAIL_CONSUMPTION_ALERT] = { "consumption_alert",
	    "Consommation d'eau anormalement élevée sur votre contrat", 1, NULL,
	    "contract_number" },
	[RB_MAIL_CONTRACT_REFUSED] = { "contract_refused",
	    "Demande d'ajout de votre contrat à un autre espace client", 1,
	    NULL, NULL },
	[RB_MAIL_PAYMENT_RECEIPT] = { "payment_receipt",
	    "Reçu de votre paiement par carte, référence", 0, "/mes-factures",
	    "reference" },
	/* SEPA direct debit (issue 9) */
	[RB_MAIL_SEPA_PRENOTICE] = { "sepa_prenotice",
	    "Prochain prélèvement sur votre contrat", 0, "/mes-factures",
	    "contract_number" },
	[RB_MAIL_SEPA_REJECTED] = { "sepa_rejected",
	    "Prélèvement refusé par votre banque sur votre contrat", 0,
	    "/mes-factures", "contract_number" },
	[RB_MAIL_SEPA_CODE] = { "sepa_code",
	    "Votre code de signature du mandat de prélèvement", 0,
	    "/mes-moyens-de-paiement", NULL },
	[RB_MAIL_SEPA_PLAN] = { "sepa_plan",
	    "Votre mensualisation : calendrier des prélèvements du contrat", 0,
	    "/mes-moyens-de-paiement", "contract_number" },
	[RB_MAIL_SEPA_SIGNED] = { "sepa_signed",
	    "Votre mandat de prélèvement SEPA", 0, "/mes-moyens-de-paiement",
	    NULL },
	[RB_MAIL_PAPERLESS_ON] = { "paperless_on",
	    "Facture électronique activée pour votre contrat", 0,
	    "/mon-espace", "contract_number" },
	[RB_MAIL_PAPERLESS_OFF] = { "paperless_off",
	    "Facture électronique désactivée pour votre contrat", 0,
	    "/mon-espace", "contract_number" },
	[RB_MAIL_BILL_READY] = { "bill_ready",
	    "Votre nouvelle facture d'eau est disponible, contrat", 1, NULL,
	    "contract_number" },
	/* issue 10, customer service */
	[RB_MAIL_CONTACT_ACK] = { "contact_ack",
	    "Nous avons bien reçu votre demande, référence", 0, "/contact",
	    "reference" },
	[RB_MAIL_CONTACT_REPLY] = { "contact_reply",
	    "Réponse du service client à votre demande", 0, "/contact",
	    "reference" },
	/* issue 10, self-service */
	[RB_MAIL_LEAK_ALERT] = { "leak_alert",
	    "Fuite d'eau possible sur votre contrat", 1, NULL,
	    "contract_number" },
	/* The back office (app/agentdesk.c) */
	[RB_MAIL_DETAILS_CORRECTED] = { "details_corrected",
	    "Vos coordonnées ont été corrigées par le service client", 0,
	    "/mon-espace", NULL },
	/* The back office, round 2 (app/agentdesk.c) */
	[RB_MAIL_READING_RECORDED] = { "reading_recorded",
	    "Index de compteur enregistré par le service client, contrat", 0,
	    "/mon-index", "contract_number" },
	[RB_MAIL_ADDRESS_CORRECTED] = { "address_corrected",
	    "Votre adresse de facturation ou vos téléphones ont été corrigés",
	    0, "/mes-coordonnees", NULL },
};

/* Keys every template reads that callers may leave out. */
static const char *const optional_keys[] = { "first_name", "new_email",
    "pdf_attached", "by_agent" };

const char *
rb_mail_kind_name(enum rb_mail_kind kind)
{
	return (unsigned)kind < RB_MAIL__MAX ? kind_defs[kind].kd_name : "?";
}

int
rb_mail_templates_load(rb_tmpl_set **out, char *err, size_t errlen)
{
	const struct rb_embedded *e;
	char name[128], why[256];
	rb_tmpl_set *set;
	size_t len;
	rb_buf probe = RB_BUF_INIT;
	int k, rc = -1;

	*out = NULL;
	set = rb_tmpl_set_new();
	for (e = rb_mail_templates; e->emb_name != NULL; e++) {
		len = strlen(e->emb_name);
		if (len > strlen(SUFFIX))
			len -= strlen(SUFFIX);
		snprintf(name, sizeof(name), "%.*s", (int)len, e->emb_name);
		if (rb_tmpl_set_add(set, name, e->emb_data, e->emb_len, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "mail template %s", why);
			goto out;
		}
	}
	if (rb_tmpl_set_check(set, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "mail templates: %s", why);
		goto out;
	}
	/* Every kind has both templates: rendering an unknown one fails. */
	for (k = 0; k < RB_MAIL__MAX; k++) {
		snprintf(name, sizeof(name), "%s.txt", kind_defs[k].kd_name);
		if (rb_tmpl_render(set, name, NULL, 0, &probe, why,
		    sizeof(why)) != 0)
			goto missing;
		snprintf(name, sizeof(name), "%s.html", kind_defs[k].kd_name);
		if (rb_tmpl_render(set, name, NULL, 0, &probe, why,
		    sizeof(why)) != 0)
			goto missing;
		rb_buf_reset(&probe);
	}
	*out = set;
	set = NULL;
	rc = 0;
	goto out;
missing:
	snprintf(err, errlen, "mail template %s: %s", name, why);
out:
	rb_buf_free(&probe);
	rb_tmpl_set_free(set);
	return rc;
}

void
rb_mail_validity_text(long long ttl, char *out, size_t outlen)
{
	long long h, m;

	if (ttl <= 0) {
		snprintf(out, outlen, "%s", "");
	} else if (ttl > 86400 && ttl % 86400 == 0) {
		snprintf(out, outlen, "%lld jours", ttl / 86400);
	} else if (ttl < 3600) {
		m = (ttl + 59) / 60;
		snprintf(out, outlen, "%lld minute%s", m, m > 1 ? "s" : "");
	} else {
		h = ttl / 3600;
		m = (ttl % 3600 + 59) / 60;
		if (m == 60) {
			h++;
			m = 0;
		}
		if (m == 0)
			snprintf(out, outlen, "%lld heure%s", h,
			    h > 1 ? "s" : "");
		else
			snprintf(out, outlen, "%lld heure%s et %lld minute%s",
			    h, h > 1 ? "s" : "", m, m > 1 ? "s" : "");
	}
}

/* RFC 3986 characters (unreserved, reserved, '%'): nothing to quote. */
static int
is_url_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-._~:/?#[]@!$&'()*+,;=%", c) !=
	    NULL;
}

/*
 * Makes link absolute under public_url into a new string in *out: a path
 * ("/x") gets public_url in front; an absolute URL must start with
 * public_url followed by '/', '?', '#' or nothing. 0, or -1.
 */
static int
absolute_link(const char *public_url, const char *link, char **out,
    char *err, size_t errlen)
{
	size_t plen = strlen(public_url), i;
	char next;

	*out = NULL;
	if (link[0] == '\0' || strlen(link) > LINK_MAX) {
		snprintf(err, errlen, "empty or long link");
		return -1;
	}
	for (i = 0; link[i] != '\0'; i++)
		if (!is_url_char((unsigned char)link[i])) {
			snprintf(err, errlen, "link holds a character that "
			    "needs quoting");
			return -1;
		}
	if (link[0] == '/' && link[1] != '/') {
		*out = rb_xmalloc(plen + strlen(link) + 1);
		memcpy(*out, public_url, plen);
		strcpy(*out + plen, link);
		return 0;
	}
	next = strncmp(link, public_url, plen) == 0 ? link[plen] : 'x';
	if (next != '\0' && next != '/' && next != '?' && next != '#') {
		snprintf(err, errlen, "link is not under the public URL");
		return -1;
	}
	*out = rb_xstrdup(link);
	return 0;
}

/* A copy of data with every key the templates read (see render.h). */
static int
template_data(const struct rb_mail_state *st, enum rb_mail_kind kind,
    const json_t *data, json_t **out, char *err, size_t errlen)
{
	const struct kind_def *kd = &kind_defs[kind];
	const json_t *v;
	char validity[64], *link = NULL;
	json_t *d;
	size_t i;

	*out = NULL;
	d = data != NULL && json_is_object(data) ? json_deep_copy(data) :
	    json_object();
	v = json_object_get(d, "link");
	if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
		snprintf(err, errlen, "link is not a string");
		goto fail;
	}
	if (json_is_string(v)) {
		if (absolute_link(st->st_public_url, json_string_value(v),
		    &link, err, errlen) != 0)
			goto fail;
	} else if (kd->kd_link_required) {
		snprintf(err, errlen, "%s needs a link", kd->kd_name);
		goto fail;
	} else {
		absolute_link(st->st_public_url, kd->kd_default_path, &link,
		    err, errlen);
	}
	json_object_set_new(d, "link", json_string(link));
	free(link);

	for (i = 0; i < RB_NELEM(optional_keys); i++)
		if (json_object_get(d, optional_keys[i]) == NULL)
			json_object_set_new(d, optional_keys[i], json_null());
	v = json_object_get(d, "ttl_seconds");
	rb_mail_validity_text(json_is_integer(v) ? json_integer_value(v) : 0,
	    validity, sizeof(validity));
	json_object_set_new(d, "validity", validity[0] != '\0' ?
	    json_string(validity) : json_null());
	json_object_set_new(d, "public_url", json_string(st->st_public_url));
	json_object_set_new(d, "sender_name", json_string(
	    st->st_from_name[0] != '\0' ? st->st_from_name :
	    "Service de l'eau"));
	json_object_set_new(d, "service_phone", st->st_service_phone != NULL ?
	    json_string(st->st_service_phone) : json_null());
	v = kd->kd_subject_key != NULL ? json_object_get(d, kd->kd_subject_key) :
	    NULL;
	if (kd->kd_subject_key != NULL && (!json_is_string(v) ||
	    strpbrk(json_string_value(v), "\r\n") != NULL)) {
		snprintf(err, errlen, "%s needs %s", kd->kd_name,
		    kd->kd_subject_key);
		goto fail;
	}
	json_object_set_new(d, "subject", v != NULL ?
	    json_pack("s++", kd->kd_subject, " ", json_string_value(v)) :
	    json_string(kd->kd_subject));
	*out = d;
	return 0;
fail:
	json_decref(d);
	return -1;
}

int
rb_mail_render(const struct rb_mail_state *st, enum rb_mail_kind kind,
    const json_t *data, struct rb_mail_rendered *out, char *err,
    size_t errlen)
{
	rb_buf text = RB_BUF_INIT, html = RB_BUF_INIT;
	char name[128], why[256];
	json_t *d = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((unsigned)kind >= RB_MAIL__MAX) {
		snprintf(err, errlen, "unknown mail kind %d", (int)kind);
		return -1;
	}
	if (template_data(st, kind, data, &d, err, errlen) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s.txt", kind_defs[kind].kd_name);
	if (rb_tmpl_render(st->st_tmpl, name, d, RB_TMPL_STRICT, &text, why,
	    sizeof(why)) != 0)
		goto fail;
	snprintf(name, sizeof(name), "%s.html", kind_defs[kind].kd_name);
	if (rb_tmpl_render(st->st_tmpl, name, d, RB_TMPL_STRICT, &html, why,
	    sizeof(why)) != 0)
		goto fail;
	out->mr_subject = rb_xstrdup(json_string_value(json_object_get(d,
	    "subject")));
	out->mr_text = rb_buf_steal(&text, NULL);
	out->mr_html = rb_buf_steal(&html, NULL);
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "template %s", why);
out:
	json_decref(d);
	rb_buf_free(&text);
	rb_buf_free(&html);
	return rc;
}

void
rb_mail_rendered_free(struct rb_mail_rendered *r)
{
	free(r->mr_subject);
	free(r->mr_text);
	free(r->mr_html);
	memset(r, 0, sizeof(*r));
}
