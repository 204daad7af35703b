/*
 * gdpr.c: the right of access (see gdpr.h). The store reads every row;
 * this file says, per category, what it is, why it is kept, on which
 * legal basis and for how long, and where the rows came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/attachments.h"
#include "app/gdpr.h"
#include "app/pagecache.h"
#include "app/pagefrag.h"
#include "base/clock.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/gdpr.h"

#define CONTROLLER	"Eau de la Métropole, service public de l'eau"
/* Who reads a customer file in the back office, as the subscriber is
 * told (see file_views()). */
#define RECIPIENT	"Service client d'Eau de la Métropole"
/* Views of the file listed on the page, newest first. */
#define VIEWS_SHOWN	20

struct notice {
	const char	*no_key;	/* category of rb_gdpr_export() */
	const char	*no_label;
	const char	*no_what;
	const char	*no_why;
	const char	*no_basis;
	const char	*no_retention;
};

#define CONTRACT	"Exécution du contrat d'abonnement"
#define KEEP_CONTRACT	"Durée du contrat, puis 5 ans (prescription civile)"
/* What `robinet purge` applies (app/contact.h, rb_contact_purge()). */
#define KEEP_REQUESTS	"3 ans après la clôture de la demande"
/* What `robinet purge` applies (app/braille.h, rb_braille_purge()). */
#define KEEP_BRAILLE	"3 ans après l'envoi du courrier"
/* A braille choice tells of a visual impairment, health data (GDPR
 * art. 9): kept because the subscriber asked for it. */
#define BRAILLE_BASIS	"Votre accord (RGPD, art. 9 : ce choix peut révéler " \
			"un handicap visuel) ; vous pouvez changer ce choix à " \
			"tout moment dans « Mon compte »"
#define KEEP_BILLS	"10 ans après la clôture de l'exercice (code de " \
			"commerce, art. L123-22)"

static const struct notice notices[] = {
	{ "account", "Compte de l'espace client",
	  "Adresse e-mail, nom, prénom, date de création et d'activation",
	  "Vous identifier et vous écrire", CONTRACT,
	  "Jusqu'à la fermeture du compte, puis 1 an" },
	{ "customers", "Titulaire du contrat",
	  "Civilité, nom, prénom, e-mail, téléphone, adresse postale",
	  "Gérer l'abonnement et vous adresser les factures", CONTRACT,
	  KEEP_CONTRACT },
	{ "contracts", "Contrats",
	  "Numéros de contrat (nouveau et ancien), adresse desservie, dates, "
	  "prélèvement et facture électronique",
	  "Fournir l'eau et facturer le service", CONTRACT, KEEP_CONTRACT },
	{ "meters", "Compteurs",
	  "Numéro de série, pose, dépose, télérelève",
	  "Mesurer votre consommation", CONTRACT, KEEP_CONTRACT },
	{ "readings", "Relevés d'index",
	  "Date, index en litres, origine du relevé (agent, estimation, "
	  "vous, télérelève)",
	  "Facturer le volume consommé, détecter les fuites", CONTRACT,
	  "3 ans (relevés journaliers : 1 an)" },
	{ "invoices", "Factures",
	  "Numéro, période, index, volume, montants, date limite de "
	  "paiement, état",
	  "Facturer et encaisser", "Obligation légale (comptabilité)",
	  KEEP_BILLS },
	{ "invoice_lines", "Lignes de facture",
	  "Abonnement, volumes, redevances, TVA par ligne",
	  "Détailler chaque facture", "Obligation légale (comptabilité)",
	  KEEP_BILLS },
	{ "payments", "Paiements",
	  "Montant, moyen de paiement, date, état",
	  "Encaisser et suivre vos règlements",
	  "Obligation légale (comptabilité)", KEEP_BILLS },
	{ "payment_orders", "Paiements par carte en ligne",
	  "Référence, contrat, montant, état, adresse du reçu, dates (jamais "
	  "le numéro de carte, que seule la banque voit)",
	  "Rapprocher vos paiements par carte de vos factures",
	  "Obligation légale (comptabilité)", KEEP_BILLS },
	{ "sepa_mandates", "Mandats de prélèvement SEPA",
	  "Référence unique de mandat, titulaire du compte, IBAN (chiffré ; "
	  "seuls les 4 derniers chiffres figurent ici), BIC, dates",
	  "Prélever vos factures", CONTRACT,
	  "Durée du mandat, puis 13 mois (contestation d'un prélèvement)" },
	{ "legacy_credentials", "Identifiant de l'ancien espace client",
	  "Ancien identifiant client et date de passage au nouvel espace "
	  "(le mot de passe n'est conservé que sous forme d'empreinte)",
	  "Vous permettre d'activer votre nouvel espace et de consulter vos "
	  "archives", CONTRACT, "Jusqu'au 31 décembre 2028" },
	{ "consumption_alerts", "Alertes de consommation",
	  "Période, volume, moyenne habituelle, date d'envoi",
	  "Vous prévenir d'une fuite possible",
	  "Obligation légale (code général des collectivités territoriales, "
	  "art. L2224-12-4)", KEEP_CONTRACT },
	{ "sessions", "Connexions en cours",
	  "Date, adresse IP, navigateur",
	  "Sécuriser votre espace", "Intérêt légitime (sécurité)",
	  "12 heures au plus" },
	{ "api_tokens", "Codes d'accès pour vos programmes",
	  "Nom, premiers caractères du code, dates de création, d'usage et "
	  "de suppression",
	  "Permettre à vos outils de lire votre consommation", CONTRACT,
	  "Jusqu'à leur suppression, puis 1 an" },
	{ "contact_requests", "Demandes au service client",
	  "Objet, message, coordonnées, état",
	  "Répondre à vos demandes", CONTRACT, KEEP_REQUESTS },
	{ "contact_messages", "Messages de vos demandes",
	  "Vos messages et les réponses du service client, avec leur date",
	  "Répondre à vos demandes", CONTRACT, KEEP_REQUESTS },
	{ "attachments", "Pièces jointes de vos demandes",
	  "Type et taille des fichiers envoyés (les fichiers eux-mêmes sont "
	  "dans « Mes demandes »)",
	  "Répondre à vos demandes", CONTRACT, KEEP_REQUESTS },
	{ "contact_history", "Historique de vos coordonnées",
	  "Chaque changement d'adresse de facturation ou de numéro de "
	  "téléphone : date, ancienne et nouvelle valeur, fait par vous ou "
	  "par le service client",
	  "Savoir où les factures ont été envoyées et prouver chaque "
	  "changement", CONTRACT, KEEP_CONTRACT },
	{ "leak_alert_settings", "Réglages de l'alerte fuite",
	  "Par contrat : alerte activée ou non, seuil, date du réglage",
	  "Vous prévenir d'une fuite selon vos choix", CONTRACT,
	  "Jusqu'à la fermeture du compte" },
	{ "leak_alerts", "Fuites détectées",
	  "Compteur, jours, volume, consommation habituelle, seuil, date "
	  "d'envoi de l'alerte",
	  "Vous prévenir d'une fuite possible",
	  "Obligation légale (code général des collectivités territoriales, "
	  "art. L2224-12-4)", KEEP_CONTRACT },
	{ "submitted_readings", "Index que vous avez transmis",
	  "Compteur, date, index, transmis sur ce site (portal) ou au "
	  "service client (agent), photo jointe ou non",
	  "Facturer votre consommation réelle", CONTRACT, "3 ans" },
	{ "reading_photos", "Photos de vos compteurs",
	  "Date, type et taille des photos jointes à vos index ; chaque photo "
	  "se télécharge depuis cette page",
	  "Vérifier l'index transmis", CONTRACT, "3 ans" },
	{ "braille_choice", "Votre choix de documents en braille",
	  "Braille choisi (intégral, abrégé ou aucun), réglé par vous ou par "
	  "le service client, et sa date",
	  "Vous donner vos factures et courriers en braille",
	  BRAILLE_BASIS, "Jusqu'à la fermeture du compte (un nouveau choix "
	  "remplace l'ancien)" },
	{ "braille_letters", "Courriers gardés pour le braille",
	  "Objet et texte des courriers envoyés par e-mail, gardés pour leur "
	  "version en braille (jamais ceux qui contiennent un code secret)",
	  "Vous permettre de les lire en braille et vous les envoyer "
	  "imprimés en braille", BRAILLE_BASIS, KEEP_BRAILLE },
	{ "file_views", "Consultations de votre dossier",
	  "Date et motif de chaque consultation de votre dossier par un "
	  "conseiller du service client",
	  "Vous dire qui a eu accès à vos données et prouver que chaque "
	  "accès avait un motif", "Obligation légale (RGPD, art. 5 et 32)",
	  "1 an" },
	{ "audit_log", "Journal de sécurité",
	  "Connexions, changements de mot de passe ou d'e-mail, "
	  "téléchargements de vos données : date, action, adresse IP",
	  "Sécuriser votre espace et prouver les opérations",
	  "Intérêt légitime (sécurité)", "1 an" },
};

#define NNOTICES	(sizeof(notices) / sizeof(notices[0]))

/* Where rows come from, by src_system (NULL: written by Robinet). */
static const struct {
	const char	*so_system;
	const char	*so_label;
} sources[] = {
	{ "former_operator", "transmises par l'ancien exploitant lors du "
	  "changement d'exploitant au 1er janvier 2024" },
	{ "billing_2023", "ancien système de facturation du service "
	  "(factures jusqu'en 2023)" },
	{ "billing", "système de facturation du service" },
	{ NULL, "vous, sur ce site, ou nos services" },
};

#define NSOURCES	(sizeof(sources) / sizeof(sources[0]))

/* The row of sources[] that src_system (NULL: written by Robinet) falls
   under (an unknown system counts as the billing system). */
static size_t
source_of(const char *src)
{
	size_t k;

	/* Readings sent on this site or to customer service. */
	if (src != NULL && (strcmp(src, "portal") == 0 ||
	    strcmp(src, "agent") == 0))
		src = NULL;
	if (src == NULL)
		return NSOURCES - 1;
	for (k = 0; k < NSOURCES - 1; k++)
		if (strcmp(src, sources[k].so_system) == 0)
			return k;
	return 2;			/* another billing system */
}

/*
 * Counts the rows of category key in tally (rb_gdpr_overview()) and
 * writes into out where they came from: the labels of their src_system
 * values, in the order of sources[], joined by " ; ".
 */
static json_int_t
origin(json_t *tally, const char *key, char *out, size_t outlen)
{
	int seen[NSOURCES] = { 0 };
	json_t *t;
	json_int_t rows, total = 0;
	size_t i, k, n = 0;

	json_array_foreach(tally, i, t) {
		rows = json_integer_value(json_object_get(t, "rows"));
		if (rows == 0 || strcmp(json_string_value(json_object_get(t,
		    "category")), key) != 0)
			continue;
		total += rows;
		seen[source_of(json_string_value(json_object_get(t,
		    "src_system")))] = 1;
	}
	out[0] = '\0';
	for (k = 0; k < NSOURCES; k++) {
		if (!seen[k])
			continue;
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0,
		    "%s%s", n > 0 ? " ; " : "", sources[k].so_label);
	}
	if (n == 0)
		snprintf(out, outlen, "aucune donnée");
	/* Capitalise the first letter (the labels are ASCII-initial). */
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return total;
}

/*
 * Rewrites the rows of the "file_views" category of data as the
 * subscriber reads them: {"at", "by", "why"}, "by" the recipient (the
 * customer service, never the agent's name: the right of access names
 * the recipients of the data, and the CJEU's Pankki judgment of 22 June
 * 2023, C-579/21, gives the dates and purposes of the consultations,
 * not the identity of the employees who made them), "why" the reason
 * the agent gave, or null.
 */
static void
file_views(json_t *data)
{
	json_t *rows = json_object_get(data, "file_views"), *row, *detail;
	const char *text, *why;
	size_t i;

	json_array_foreach(rows, i, row) {
		why = NULL;
		detail = NULL;
		text = json_string_value(json_object_get(row, "detail"));
		if (text != NULL)
			detail = json_loads(text, 0, NULL);
		why = json_string_value(json_object_get(detail, "why"));
		json_object_set_new(row, "by", json_string(RECIPIENT));
		json_object_set_new(row, "why", why != NULL ?
		    json_string(why) : json_null());
		json_object_del(row, "detail");
		json_decref(detail);
	}
}

/*
 * Rewrites the rows of "reading_photos": the file's token becomes the
 * path that serves it to this account (rb_gdpr_photo()).
 */
static void
photo_paths(json_t *data)
{
	json_t *rows = json_object_get(data, "reading_photos"), *row;
	const char *tok;
	char path[128];
	size_t i;

	json_array_foreach(rows, i, row) {
		tok = json_string_value(json_object_get(row, "token"));
		snprintf(path, sizeof(path), "%s%s", RB_GDPR_PHOTO_PREFIX,
		    tok != NULL ? tok : "");
		json_object_set_new(row, "download", json_string(path));
		json_object_del(row, "token");
	}
}

int
rb_gdpr_photo(rb_db *db, int64_t account, const char *token,
    struct rb_attachment *a)
{
	int k;

	k = rb_attach_find(db, token, a);
	if (k == 0 && (strcmp(a->at_purpose, "reading") != 0 ||
	    a->at_account_id <= 0 || a->at_account_id != account))
		k = 1;
	if (k != 0)
		memset(a, 0, sizeof(*a));
	return k;
}

static json_t *
notice_json(const struct notice *no)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "key", no->no_key,
	    "label", no->no_label, "what", no->no_what, "why", no->no_why,
	    "basis", no->no_basis, "retention", no->no_retention);
}

/*
 * The French texts of the page, added once to the kept data: each
 * view's "when" (its date and time in Paris), each photo's "read_on_fr"
 * (the day of its reading), when that day is one.
 */
static void
page_texts(json_t *views, json_t *photos)
{
	char when[RB_CLOCK_FR_MAX + 16];
	struct rb_date d;
	json_t *v;
	size_t i;

	json_array_foreach(views, i, v) {
		rb_clock_fr_instant((time_t)json_integer_value(
		    json_object_get(v, "at")), when, sizeof(when));
		json_object_set_new(v, "when", json_string(when));
	}
	json_array_foreach(photos, i, v) {
		if (rb_clock_parse_date(json_string_value(json_object_get(v,
		    "read_on")), &d) == 0 && rb_clock_fr_date(&d, when,
		    sizeof(when)) == 0)
			json_object_set_new(v, "read_on_fr", json_string(when));
	}
}

/* The page's data (see rb_gdpr_view()) made from data (taken), what
   rb_gdpr_overview() gives: the counts, not the rows (thousands of daily
   readings; the download reads those). */
static json_t *
view_of(json_t *data)
{
	json_t *cats, *c, *rows, *views, *photos, *out, *tally;
	json_int_t count;
	char from[512];
	size_t i;

	tally = json_object_get(data, "tally");
	cats = json_array();
	for (i = 0; i < NNOTICES; i++) {
		c = notice_json(&notices[i]);
		count = origin(tally, notices[i].no_key, from, sizeof(from));
		json_object_set_new(c, "count", json_integer(count));
		json_object_set_new(c, "origin", json_string(from));
		json_array_append_new(cats, c);
	}
	file_views(data);
	photo_paths(data);
	photos = json_incref(json_object_get(data, "reading_photos"));
	rows = json_object_get(data, "file_views");
	views = json_array();
	json_array_foreach(rows, i, c) {
		if (i >= VIEWS_SHOWN)
			break;
		json_array_append(views, c);
	}
	page_texts(views, photos);
	out = json_pack("{s:s, s:o, s:o, s:I, s:o, s:b, s:b}", "controller",
	    CONTROLLER, "categories", cats, "views", views,
	    "views_total", (json_int_t)json_array_size(rows),
	    "photos", photos, "has_photos", json_array_size(photos) > 0,
	    "has_views", json_array_size(views) > 0);
	json_decref(data);
	return out;
}

/* A kept value: the page's data, read only, and the page's HTML made
   from it (app/pagefrag.h). */
struct kept {
	json_t			*gk_view;
	struct rb_pagefrag_slot	 gk_frag;
};

static void
kept_drop(void *p)
{
	struct kept *k = p;

	json_decref(k->gk_view);
	rb_pagefrag_slot_clear(&k->gk_frag);
	free(k);
}

/*
 * The page's data is kept in memory per account (app/pagecache.h): it
 * depends on no day nor instant, lists the account's contracts, and
 * every table it counts sends notices (migrations 0027, 0028, 0030).
 * The kept value is read only, shared by the requests, with the page's
 * HTML once a request made it (rb_gdpr_page_frag()).
 */
enum rb_rc
rb_gdpr_page(rb_db *db, int64_t account, struct rb_gdpr_page *out)
{
	struct rb_pagecache_val *v;
	struct kept *k;
	json_t *data, *view;
	int64_t *ids = NULL;
	uint64_t epoch = 0;
	size_t n = 0;
	int rc, keep = account > 0 && rb_pagecache_on();

	memset(out, 0, sizeof(*out));
	/* now 0: the value has no end (rb_pagecache_val_until()). */
	if (keep && (v = rb_pagecache_get(RB_PAGECACHE_GDPR, account, "", 0,
	    &epoch)) != NULL) {
		k = rb_pagecache_data(v);
		out->gp_kept = v;
		out->gp_view = k->gk_view;
		out->gp_frag = &k->gk_frag;
		out->gp_shared = 1;
		return RB_OK;
	}
	if ((rc = rb_gdpr_overview(db, account, &data, &ids, &n)) != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	if ((view = view_of(data)) == NULL) {
		free(ids);
		return RB_ERROR;
	}
	k = rb_xmalloc(sizeof(*k));
	k->gk_view = view;
	rb_pagefrag_slot_init(&k->gk_frag);
	v = rb_pagecache_val_new(k, kept_drop, ids, n);
	free(ids);
	if (keep)
		rb_pagecache_put(RB_PAGECACHE_GDPR, account, "", v, epoch);
	out->gp_kept = v;
	out->gp_view = view;
	out->gp_frag = &k->gk_frag;
	out->gp_shared = keep;
	return RB_OK;
}

void
rb_gdpr_page_done(struct rb_gdpr_page *p)
{
	rb_pagecache_release(p->gp_kept);
	memset(p, 0, sizeof(*p));
}

enum rb_rc
rb_gdpr_view(rb_db *db, int64_t account, json_t **out)
{
	struct rb_gdpr_page p;
	enum rb_rc rc;

	*out = NULL;
	if ((rc = rb_gdpr_page(db, account, &p)) != RB_OK)
		return rc;
	*out = json_deep_copy(p.gp_view);
	rb_gdpr_page_done(&p);
	return *out != NULL ? RB_OK : RB_ERROR;
}

enum rb_rc
rb_gdpr_download(rb_db *db, int64_t account, time_t now, const char *ip,
    json_t **out)
{
	json_t *data, *notice;
	char target[40];
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = rb_gdpr_export(db, account, &data)) != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	file_views(data);
	photo_paths(data);
	snprintf(target, sizeof(target), "account:%lld", (long long)account);
	if (rb_audit(db, now, RB_ACTOR_SUBSCRIBER, account, "gdpr.export",
	    target, ip, NULL) != 0) {
		json_decref(data);
		return RB_ERROR;
	}
	notice = json_array();
	for (i = 0; i < NNOTICES; i++)
		json_array_append_new(notice, notice_json(&notices[i]));
	*out = json_pack("{s:s, s:I, s:s, s:o, s:o}",
	    "format", "robinet-gdpr-export/1",
	    "generated_at", (json_int_t)now,
	    "controller", CONTROLLER,
	    "notice", notice,
	    "data", data);
	return RB_OK;
}
