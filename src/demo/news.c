/*
 * news.c: the news and events of the demo (see internal.h): a few
 * articles published in the days before today, and events placed
 * relative to today (the Maison de l'Eau in Allennes every December,
 * whose text shows CommonMark: a list, bold and a link). The rows use
 * only the columns of the first schema: the tests also generate the demo
 * on a database migrated part of the way.
 */
#include "base/mem.h"
#include "demo/internal.h"

struct news_seed {
	const char	*ns_slug;
	const char	*ns_title;
	const char	*ns_summary;
	const char	*ns_body;
	int		 ns_days_ago;	/* published today minus this */
	int		 ns_event;	/* 0 news; else see demo_news_write() */
	const char	*ns_place;
};

static const struct news_seed news_seeds[] = {
	{ "nouvel-espace-client",
	    "Votre nouvel espace client est en ligne",
	    "Consultez vos factures, suivez votre consommation et payez en "
	    "ligne, sans vous déplacer.",
	    "Le nouvel espace client remplace celui de l'ancien "
	    "exploitant.\n\nPour le créer, munissez-vous de votre numéro de "
	    "contrat à 10 chiffres, indiqué sur votre facture ou sur le "
	    "courrier que vous avez reçu.\n\nSi vous aviez un compte sur "
	    "l'ancien site, vous pouvez le reprendre avec votre ancien "
	    "identifiant.", 3, 0, NULL },
	{ "travaux-canalisations-roubaix",
	    "Travaux de renouvellement de canalisations à Roubaix",
	    "Des coupures d'eau de courte durée sont possibles rue de Lannoy "
	    "pendant trois semaines.",
	    "Nos équipes remplacent une canalisation de 1932.\n\nLes "
	    "riverains concernés sont prévenus par un avis dans leur boîte "
	    "aux lettres au moins 48 heures avant chaque coupure.", 12, 0,
	    NULL },
	{ "qualite-eau-resultats",
	    "Qualité de l'eau : les résultats de l'année sont disponibles",
	    "L'eau distribuée dans la métropole est restée conforme aux "
	    "limites de qualité.",
	    "L'Agence régionale de santé contrôle l'eau du robinet toute "
	    "l'année.\n\nRetrouvez les résultats de votre commune dans la "
	    "rubrique « Qualité de l'eau ».", 30, 0, NULL },
	{ "organismes-publics-2025",
	    "Facture : la part des organismes publics a changé",
	    "Depuis le 1er janvier 2025, les redevances de l'Agence de l'eau "
	    "ont évolué.",
	    "Ces redevances sont collectées sur votre facture pour le compte "
	    "de l'Agence de l'eau Artois-Picardie.\n\nElles financent la "
	    "lutte contre la pollution, la modernisation des réseaux de "
	    "collecte et la préservation des ressources en eau.", 55, 0,
	    NULL },
	{ "prelevement-automatique",
	    "Payez sans y penser avec le prélèvement automatique",
	    "Le prélèvement est gratuit et modifiable à tout moment depuis "
	    "votre espace client.",
	    "Renseignez votre IBAN et signez le mandat en ligne.\n\nVous "
	    "êtes prévenu du montant et de la date de chaque prélèvement au "
	    "moins cinq jours avant.", 80, 0, NULL },
	{ "maison-de-l-eau-allennes",
	    "La Maison de l'Eau fait escale à Allennes du 3 au 13 décembre",
	    "Venez poser vos questions sur votre contrat, vos factures ou la "
	    "qualité de l'eau, près de chez vous.",
	    "Le bus de la Maison de l'Eau stationne place de la Mairie.\n\n"
	    "Nos conseillers vous accueillent :\n\n"
	    "- du lundi au samedi ;\n"
	    "- de 9 h à 12 h et de 14 h à 17 h.\n\n"
	    "**Apportez votre dernière facture** : elle porte votre numéro "
	    "de contrat. Vous ne pouvez pas vous déplacer ? "
	    "[Écrivez-nous](/contact).", 20, 1, "Allennes-les-Marais" },
	{ "atelier-economies-eau",
	    "Atelier « Économiser l'eau au quotidien »",
	    "Des gestes simples et des équipements peu coûteux pour réduire "
	    "votre consommation.",
	    "Atelier gratuit d'une heure et demie, sur inscription auprès "
	    "du service client.", 6, 2, "Maison de l'Eau, Lille" },
	{ "portes-ouvertes-emmerin",
	    "Portes ouvertes à l'usine d'eau potable d'Emmerin",
	    "Découvrez comment l'eau de la nappe devient l'eau de votre "
	    "robinet.",
	    "Visites guidées toutes les heures. Chaussures fermées "
	    "conseillées.", 15, 3, "Emmerin" },
};

int
demo_news_write(struct demo *d)
{
	const struct news_seed *ns;
	struct rb_demo_news row;
	struct rb_date today;
	day_t start = 0, end = 0;
	char start_iso[11], end_iso[11];
	size_t i;
	int year;

	rb_clock_civil_from_days(d->dm_today, &today);
	for (i = 0; i < RB_NELEM(news_seeds); i++) {
		ns = &news_seeds[i];
		switch (ns->ns_event) {
		case 1:
			/* 3-13 December of this year, or of the next one. */
			year = today.d_year;
			if (d->dm_today > mkday(year, 12, 13))
				year++;
			start = mkday(year, 12, 3);
			end = mkday(year, 12, 13);
			break;
		case 2:
			start = end = d->dm_today + 12;
			break;
		case 3:
			start = d->dm_today + 33;
			end = start + 1;
			break;
		default:
			start = end = 0;
			break;
		}
		row.nw_slug = ns->ns_slug;
		row.nw_title = ns->ns_title;
		row.nw_summary = ns->ns_summary;
		row.nw_body_md = ns->ns_body;
		/* 08:00 in Paris, give or take an hour. */
		row.nw_published_at = day_at(d->dm_today - ns->ns_days_ago,
		    7 * 3600);
		row.nw_kind = ns->ns_event ? "event" : "news";
		row.nw_event_start = iso_or_null(start, start_iso);
		row.nw_event_end = iso_or_null(end, end_iso);
		row.nw_place = ns->ns_place;
		if (rb_demo_store_news(d->dm_store, &row) != 0)
			return -1;
	}
	return 0;
}
