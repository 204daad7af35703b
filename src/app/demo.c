/*
 * demo.c: the demo dataset generator (see demo.h).
 *
 * Everything derives from (contracts, seed, today) through splitmix64
 * streams: contract k draws its values from streams seeded by (seed,
 * purpose, k), so a contract can be regenerated alone and two runs give
 * the same rows in the same order (ids included).
 *
 * Billing model. Bills are issued twice a year in billing runs, early
 * June and early December, since June 2021. A run bills every contract
 * active at that time; the meter is read 3-7 days before the bill is
 * issued and the bill covers the days since the previous reading. Runs
 * before 2024 belong to the former billing system: those bills are
 * archived, numbered "E" + year + 7 digits and printed with the old
 * contract number. Since 2024 bills are numbered "FA" + year + "-" + six
 * digits, continuous within the year across all contracts: numbers follow
 * the order of issue, and issue dates follow numbers through each run.
 * So that every contract can know its numbers without a second pass over
 * the rows, a first pass counts the contracts of each run; the second
 * writes. In the June 2024 run contract 1000000004 is moved to position
 * 42 (invoice FA2024-000042): the first RB_DEMO_MIN_CONTRACTS contracts
 * are all active through 2024 so that the run always has 42 bills.
 *
 * Prices come from the tariffs table (inserted first, then read back):
 * each bill has subscription lines pro rata of the days and volume lines
 * per tariff period, with the volume shared between tariff periods pro
 * rata of the days. VAT is computed per rate on the sum of the lines at
 * that rate, and the rounding cent goes to the largest line of the rate.
 *
 * Readings: the index of every day is drawn first (household size,
 * season, noise), then read where a bill needs it, monthly since 2024
 * and daily over the last 90 days on remote-read meters (one in five).
 *
 * Speed: contracts are written 5000 per transaction, and the large
 * tables several rows per INSERT (see store/demo_store.c): 400,000
 * contracts take a few minutes on two cores.
 *
 * All SQL lives in store/demo_store.c: this file describes rows and
 * hands them to its typed writers.
 *
 * Accounts: the demo subscriber's password hash is deterministic (its
 * salt comes from the seed). The other generated web accounts share one
 * argon2id hash of a random password drawn at generation time and never
 * kept: nobody can log in to them, and that column is the only one that
 * differs between two runs with the same options.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/iban.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/demo_store.h"
#include "app/demo.h"

const char rb_demo_identities[] =
    "Identités de démonstration :\n"
    "  - Abonnée avec un espace client : demo@robinet.test, "
    "mot de passe eau-potable-2024 ;\n"
    "    contrats 1000000001 (ancien numéro 1234560A, factures "
    "archivées) et 1000000002.\n"
    "  - Abonné de 2023 pas encore passé au nouvel espace : identifiant "
    "1234567A,\n"
    "    ancien mot de passe ancien-mdp-2023 ; nouveau contrat "
    "1000000003, courriel legacy@robinet.test.\n"
    "  - Abonné venu de l'ancien exploitant, première facture reçue, sans "
    "espace :\n"
    "    contrat 1000000004, facture FA2024-000042, compteur I21BA012345, "
    "courriel arrivant@robinet.test.\n"
    "  - Nouvel abonné, pas encore de facture : contrat 1000000005, "
    "compteur I22BA054321.\n";

/* Small deterministic PRNG: splitmix64. */

struct rng {
	uint64_t	r_state;
};

enum rng_stream {
	STREAM_SHAPE = 1,	/* origin, dates, commune: both passes */
	STREAM_DETAIL,		/* everything else about a contract */
	STREAM_DAYS,		/* daily consumption */
	STREAM_GLOBAL		/* salts and nonces of fixed identities */
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->r_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, enum rng_stream stream, uint64_t k)
{
	r->r_state = seed;
	r->r_state = rng_next(r) ^ ((uint64_t)stream *
	    UINT64_C(0xd1b54a32d192ed03));
	r->r_state = rng_next(r) ^ (k * UINT64_C(0xa0761d6478bd642f));
	(void)rng_next(r);
}

/* Returns a value in [0, n), n > 0. */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Returns a value in [lo, hi]; lo when hi < lo (still one draw). */
static int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	uint64_t x = rng_next(r);

	return hi <= lo ? lo : lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
}

/* Returns 1 with probability permille / 1000. */
static int
rng_chance(struct rng *r, unsigned permille)
{
	return rng_below(r, 1000) < permille;
}

/* Dates as days since 1970-01-01. */

typedef int32_t day_t;

static day_t
mkday(int y, int m, int d)
{
	struct rb_date dt = { y, m, d };

	return (day_t)rb_clock_days_from_civil(&dt);
}

/* Writes day as "YYYY-MM-DD" (11 bytes with the NUL). */
static void
day_iso(day_t day, char *out)
{
	struct rb_date dt;

	rb_clock_civil_from_days(day, &dt);
	out[0] = (char)('0' + dt.d_year / 1000);
	out[1] = (char)('0' + dt.d_year / 100 % 10);
	out[2] = (char)('0' + dt.d_year / 10 % 10);
	out[3] = (char)('0' + dt.d_year % 10);
	out[4] = '-';
	out[5] = (char)('0' + dt.d_month / 10);
	out[6] = (char)('0' + dt.d_month % 10);
	out[7] = '-';
	out[8] = (char)('0' + dt.d_day / 10);
	out[9] = (char)('0' + dt.d_day % 10);
	out[10] = '\0';
}

static int
day_year(day_t day)
{
	struct rb_date dt;

	rb_clock_civil_from_days(day, &dt);
	return dt.d_year;
}

/* UTC instant of day at sec seconds after midnight UTC. */
static int64_t
day_at(day_t day, int sec)
{
	return (int64_t)day * 86400 + sec;
}

/* Static data: people and places of the Lille metropolis. */

struct first_name {
	const char	*fn_name;
	const char	*fn_ascii;
	char		 fn_female;
};

static const struct first_name first_names[] = {
	{ "Marie", "marie", 1 }, { "Nathalie", "nathalie", 1 },
	{ "Isabelle", "isabelle", 1 }, { "Sylvie", "sylvie", 1 },
	{ "Catherine", "catherine", 1 }, { "Martine", "martine", 1 },
	{ "Christine", "christine", 1 }, { "Françoise", "francoise", 1 },
	{ "Valérie", "valerie", 1 }, { "Sandrine", "sandrine", 1 },
	{ "Stéphanie", "stephanie", 1 }, { "Céline", "celine", 1 },
	{ "Hélène", "helene", 1 }, { "Camille", "camille", 1 },
	{ "Léa", "lea", 1 }, { "Chloé", "chloe", 1 }, { "Manon", "manon", 1 },
	{ "Emma", "emma", 1 }, { "Inès", "ines", 1 }, { "Sarah", "sarah", 1 },
	{ "Thérèse", "therese", 1 }, { "Monique", "monique", 1 },
	{ "Gaëlle", "gaelle", 1 }, { "Aurélie", "aurelie", 1 },
	{ "Fatima", "fatima", 1 }, { "Zoé", "zoe", 1 },
	{ "Jean", "jean", 0 }, { "Philippe", "philippe", 0 },
	{ "Michel", "michel", 0 }, { "Alain", "alain", 0 },
	{ "Patrick", "patrick", 0 }, { "Nicolas", "nicolas", 0 },
	{ "Christophe", "christophe", 0 }, { "Pierre", "pierre", 0 },
	{ "François", "francois", 0 }, { "Laurent", "laurent", 0 },
	{ "Frédéric", "frederic", 0 }, { "Jérôme", "jerome", 0 },
	{ "Benoît", "benoit", 0 }, { "Sébastien", "sebastien", 0 },
	{ "Julien", "julien", 0 }, { "Thomas", "thomas", 0 },
	{ "Lucas", "lucas", 0 }, { "Hugo", "hugo", 0 },
	{ "Gérard", "gerard", 0 }, { "Bernard", "bernard", 0 },
	{ "Noël", "noel", 0 }, { "Mohamed", "mohamed", 0 },
	{ "Karim", "karim", 0 }, { "Théo", "theo", 0 },
	{ "Dominique", "dominique", 0 }, { "Xavier", "xavier", 0 },
};

struct last_name {
	const char	*ln_name;
	const char	*ln_ascii;
};

static const struct last_name last_names[] = {
	{ "Martin", "martin" }, { "Bernard", "bernard" },
	{ "Dubois", "dubois" }, { "Petit", "petit" }, { "Durand", "durand" },
	{ "Leroy", "leroy" }, { "Moreau", "moreau" }, { "Lefebvre", "lefebvre" },
	{ "Lefèvre", "lefevre" }, { "Leclercq", "leclercq" },
	{ "Lemaire", "lemaire" }, { "Delannoy", "delannoy" },
	{ "Vandenbussche", "vandenbussche" }, { "Deroubaix", "deroubaix" },
	{ "Desmet", "desmet" }, { "Carpentier", "carpentier" },
	{ "Delattre", "delattre" }, { "Dumortier", "dumortier" },
	{ "Vasseur", "vasseur" }, { "Caron", "caron" }, { "Duhamel", "duhamel" },
	{ "Dufour", "dufour" }, { "Lecomte", "lecomte" }, { "Fontaine", "fontaine" },
	{ "Descamps", "descamps" }, { "Verhaeghe", "verhaeghe" },
	{ "Vandamme", "vandamme" }, { "Pollet", "pollet" }, { "Maes", "maes" },
	{ "Baert", "baert" }, { "Duthoit", "duthoit" }, { "Dhainaut", "dhainaut" },
	{ "Hennebelle", "hennebelle" }, { "Coppens", "coppens" },
	{ "Lesage", "lesage" }, { "Lemoine", "lemoine" },
	{ "Boulanger", "boulanger" }, { "Dewailly", "dewailly" },
	{ "Bouchez", "bouchez" }, { "Lenoir", "lenoir" }, { "Wallart", "wallart" },
	{ "Deleplanque", "deleplanque" }, { "Mercier", "mercier" },
	{ "Lambert", "lambert" }, { "Bonnet", "bonnet" }, { "François", "francois" },
	{ "Girard", "girard" }, { "Roux", "roux" }, { "Fournier", "fournier" },
	{ "Benali", "benali" }, { "Haddad", "haddad" }, { "Nguyen", "nguyen" },
	{ "Da Silva", "dasilva" }, { "Kowalski", "kowalski" },
	{ "Ramery", "ramery" }, { "Lebrun", "lebrun" }, { "Hubert", "hubert" },
	{ "Guérin", "guerin" }, { "Noël", "noel" }, { "Béghin", "beghin" },
};

static const char *const streets[] = {
	"rue Nationale", "rue de la Gare", "rue Jean Jaurès",
	"rue Victor Hugo", "rue Pasteur", "rue du Général de Gaulle",
	"rue de Lille", "rue de Roubaix", "rue de Tourcoing",
	"avenue de la République", "boulevard de la Liberté",
	"rue Faidherbe", "rue Gambetta", "rue Léon Blum", "rue Carnot",
	"rue de l'Église", "rue du Moulin", "rue des Écoles",
	"rue Roger Salengro", "rue Jules Guesde", "avenue Foch",
	"rue du Château", "rue de la Paix", "rue Émile Zola",
	"rue Anatole France", "allée des Tilleuls", "chemin des Postes",
	"rue de la Liberté", "rue Pierre Brossolette", "rue des Fusillés",
	"rue d'Armentières", "rue du Bas Chemin", "place de la Mairie",
	"rue Jean-Baptiste Lebas", "rue Kléber", "rue du Molinel",
};

struct commune {
	const char	*cm_name;
	const char	*cm_postcode;
	int		 cm_weight;	/* about the population, thousands */
	int		 cm_former;	/* served by the former operator */
};

static const struct commune communes[] = {
	{ "Lille", "59000", 160, 0 }, { "Lille", "59800", 74, 0 },
	{ "Roubaix", "59100", 98, 0 }, { "Tourcoing", "59200", 98, 0 },
	{ "Villeneuve-d'Ascq", "59650", 40, 0 },
	{ "Villeneuve-d'Ascq", "59491", 22, 0 },
	{ "Marcq-en-Barœul", "59700", 39, 0 }, { "Wattrelos", "59150", 40, 0 },
	{ "Lambersart", "59130", 28, 0 }, { "Armentières", "59280", 25, 0 },
	{ "Croix", "59170", 21, 0 }, { "Wasquehal", "59290", 21, 0 },
	{ "La Madeleine", "59110", 22, 0 }, { "Mons-en-Barœul", "59370", 21, 0 },
	{ "Hem", "59510", 19, 0 }, { "Halluin", "59250", 20, 0 },
	{ "Ronchin", "59790", 19, 0 }, { "Lys-lez-Lannoy", "59390", 13, 0 },
	{ "Mouvaux", "59420", 13, 0 }, { "Saint-André-lez-Lille", "59350", 13, 0 },
	{ "Wambrechies", "59118", 11, 0 }, { "Comines", "59560", 12, 0 },
	{ "Bondues", "59910", 10, 0 },
	{ "Seclin", "59113", 13, 1 }, { "Loos", "59120", 22, 1 },
	{ "Faches-Thumesnil", "59155", 17, 1 }, { "Haubourdin", "59320", 15, 1 },
	{ "Wattignies", "59139", 14, 1 }, { "Templemars", "59175", 4, 1 },
	{ "Emmerin", "59320", 3, 1 }, { "Allennes-les-Marais", "59251", 3, 1 },
};

struct bank {
	int		 bk_code;
	const char	*bk_bic;
};

static const struct bank banks[] = {
	{ 30004, "BNPAFRPP" }, { 30003, "SOGEFRPP" }, { 10278, "CMCIFR2A" },
	{ 16706, "AGRIFRPP867" }, { 20041, "PSSTFRPPLIL" },
	{ 30002, "CRLYFRPP" }, { 13507, "CCBPFRPPLIL" }, { 16275, "CEPAFRPP627" },
	{ 30066, "CMCIFRPP" },
};

static const char *const email_domains[] = {
	"exemple.test", "courriel.test", "messagerie.test", "boite.test",
};

/* Monthly consumption factors, per mille of the average. */
static const int season_permille[12] = {
	950, 930, 960, 990, 1030, 1090, 1120, 1060, 1020, 980, 950, 960,
};

/* Tariffs: data, inserted as rows then read back to compute bills. */

enum heading { H_DISTRIBUTION, H_SEWAGE, H_PUBLIC_BODIES, H__MAX };
static const char *const heading_names[H__MAX] = {
	"distribution", "sewage", "public_bodies",
};

/*
 * About 4.30 EUR per m3 all included for 120 m3 a year. The former
 * operator's prices until 2023, the new ones since 2024; the water
 * agency's charges change on 2025-01-01.
 */
static const struct rb_demo_tariff tariff_seeds[] = {
	{ "distribution", "DIST_ABO", "Abonnement", "subscription",
	    372000, 550, "2020-01-01", "2023-12-31" },
	{ "distribution", "DIST_ABO", "Abonnement", "subscription",
	    390000, 550, "2024-01-01", NULL },
	{ "distribution", "DIST_CONSO", "Consommation d'eau potable", "m3",
	    12900, 550, "2020-01-01", "2023-12-31" },
	{ "distribution", "DIST_CONSO", "Consommation d'eau potable", "m3",
	    13500, 550, "2024-01-01", NULL },
	{ "sewage", "ASS_ABO", "Abonnement assainissement", "subscription",
	    252000, 1000, "2020-01-01", "2023-12-31" },
	{ "sewage", "ASS_ABO", "Abonnement assainissement", "subscription",
	    264000, 1000, "2024-01-01", NULL },
	{ "sewage", "ASS_CONSO", "Collecte et traitement des eaux usées",
	    "m3", 14600, 1000, "2020-01-01", "2023-12-31" },
	{ "sewage", "ASS_CONSO", "Collecte et traitement des eaux usées",
	    "m3", 15200, 1000, "2024-01-01", NULL },
	{ "public_bodies", "AG_POLL", "Lutte contre la pollution", "m3",
	    3300, 550, "2020-01-01", "2024-12-31" },
	{ "public_bodies", "AG_POLL", "Lutte contre la pollution", "m3",
	    3650, 550, "2025-01-01", NULL },
	{ "public_bodies", "AG_MOD", "Modernisation des réseaux de collecte",
	    "m3", 1850, 550, "2020-01-01", "2024-12-31" },
	{ "public_bodies", "AG_MOD", "Modernisation des réseaux de collecte",
	    "m3", 1600, 550, "2025-01-01", NULL },
	{ "public_bodies", "AG_PRES", "Préservation des ressources en eau",
	    "m3", 754, 550, "2020-01-01", "2024-12-31" },
	{ "public_bodies", "AG_PRES", "Préservation des ressources en eau",
	    "m3", 860, 550, "2025-01-01", NULL },
};

/* Order of the lines on a bill. */
static const char *const bill_codes[] = {
	"DIST_ABO", "DIST_CONSO", "ASS_ABO", "ASS_CONSO",
	"AG_POLL", "AG_MOD", "AG_PRES",
};

struct tariff {
	char		 tf_code[16];
	char		 tf_label[96];
	int		 tf_heading;
	int		 tf_subscription;	/* else per m3 */
	int64_t		 tf_price;
	int		 tf_vat_bp;
	day_t		 tf_from;
	day_t		 tf_to;			/* included */
};

/* News and events. */

struct news_seed {
	const char	*ns_slug;
	const char	*ns_title;
	const char	*ns_summary;
	const char	*ns_body;
	int		 ns_days_ago;	/* published today minus this */
	int		 ns_event;	/* 0 news; else see add_news() */
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
	    "Nos conseillers vous accueillent du lundi au samedi, de 9 h à "
	    "12 h et de 14 h à 17 h.", 20, 1, "Allennes-les-Marais" },
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

/* Generation state. */

#define DEMO_HORIZON_Y	2020	/* data start: the reading of */
#define DEMO_HORIZON_M	12	/* 2020-12-10 opens the first bill */
#define DEMO_HORIZON_D	10
#define DEMO_FIRST_YEAR	2021
#define DEMO_NEW_YEAR	2024	/* the new system starts billing */
#define DEMO_FIXED	5	/* contracts 1..5 are the fixed identities */
#define DEMO_SPECIAL_POS 42	/* FA2024-000042 */
#define DEMO_BATCH	5000	/* contracts per transaction */
#define DEMO_MAX_RUNS	64
#define DEMO_MAX_LINES	32

enum origin { OR_2023, OR_FORMER, OR_NEW };
static const char *const origin_names[] = {
	"subscriber_2023", "former_operator", "new",
};

/* A billing run: the bills of one half-year. */
struct run {
	day_t	 rn_first;	/* first and last issue dates */
	day_t	 rn_last;
	int	 rn_year;
	long	 rn_count;	/* bills in the run (pass 1) */
	long	 rn_seen;	/* bills numbered so far (pass 2) */
	long	 rn_base;	/* bills of earlier runs of the same year */
};

/* What both passes know of a contract. */
struct shape {
	int	 sh_origin;
	day_t	 sh_start;
	day_t	 sh_end;	/* 0: still running */
	int	 sh_commune;
	int	 sh_billed;	/* 0: never billed (contract 5) */
};

struct reading {
	day_t	 rd_day;
	int	 rd_prio;	/* lower wins when two fall on one day */
	int64_t	 rd_index;
	const char *rd_source;
};

struct line {
	const struct tariff *ln_tariff;
	day_t	 ln_from;
	day_t	 ln_to;
	int	 ln_split;	/* the code has several periods */
	int64_t	 ln_quantity;
	int64_t	 ln_amount;
	int64_t	 ln_vat;
};

struct demo {
	rb_demo_store	*dm_store;
	uint64_t	 dm_seed;
	long		 dm_contracts;
	day_t		 dm_today;
	day_t		 dm_horizon;
	struct run	 dm_runs[DEMO_MAX_RUNS];
	int		 dm_nruns;
	int		 dm_special_run;	/* index of the June 2024 run */
	long		 dm_special_rank;	/* contract 4's natural rank */
	struct tariff	*dm_tariffs;
	size_t		 dm_ntariffs;
	unsigned char	 dm_iban_key[crypto_secretbox_KEYBYTES];
	char		 dm_shared_hash[crypto_pwhash_STRBYTES];
	struct crypt_data *dm_crypt;
	int64_t		*dm_cum;	/* meter index by day */
	size_t		 dm_cumcap;
	struct reading	*dm_reads;
	size_t		 dm_nreads;
	size_t		 dm_readcap;
	int64_t		 dm_customer1;	/* contract 2 shares this customer */
	int64_t		 dm_account1;	/* the demo account */
	int		 dm_commune_total;
	struct bill	*dm_bills;	/* DEMO_MAX_RUNS, one contract's */
};

/*
 * Writes day as "YYYY-MM-DD" into out (11 bytes) and returns out; returns
 * NULL, a NULL column for the store, when day is 0.
 */
static const char *
iso_or_null(day_t day, char *out)
{
	if (day == 0)
		return NULL;
	day_iso(day, out);
	return out;
}

/* Fixed data: tariffs and news. */

static int
add_tariffs(struct demo *d)
{
	size_t i;

	for (i = 0; i < RB_NELEM(tariff_seeds); i++)
		if (rb_demo_store_tariff(d->dm_store, &tariff_seeds[i]) != 0)
			return -1;
	return 0;
}

/* Parses a valid 'YYYY-MM-DD' into a day; returns 0 or -1. */
static int
parse_day(const char *s, day_t *out)
{
	struct rb_date dt;

	if (s == NULL || rb_clock_parse_date(s, &dt) != 0)
		return -1;
	*out = (day_t)rb_clock_days_from_civil(&dt);
	return 0;
}

/* Appends row to the tariffs of the struct demo arg; 0, or -1. */
static int
keep_tariff(const struct rb_demo_tariff *row, void *arg)
{
	struct demo *d = arg;
	struct tariff *t;
	size_t cap;
	int i;

	if (d->dm_ntariffs % 16 == 0) {
		cap = d->dm_ntariffs + 16;
		d->dm_tariffs = rb_xrealloc(d->dm_tariffs,
		    cap * sizeof(*d->dm_tariffs));
	}
	t = &d->dm_tariffs[d->dm_ntariffs++];
	memset(t, 0, sizeof(*t));
	for (i = 0; i < H__MAX; i++)
		if (strcmp(row->ta_heading, heading_names[i]) == 0)
			t->tf_heading = i;
	snprintf(t->tf_code, sizeof(t->tf_code), "%s", row->ta_code);
	snprintf(t->tf_label, sizeof(t->tf_label), "%s", row->ta_label);
	t->tf_subscription = strcmp(row->ta_unit, "subscription") == 0;
	t->tf_price = row->ta_price_c100;
	t->tf_vat_bp = row->ta_vat_bp;
	if (parse_day(row->ta_valid_from, &t->tf_from) != 0)
		return -1;
	if (row->ta_valid_to == NULL)
		t->tf_to = mkday(9999, 12, 31);
	else if (parse_day(row->ta_valid_to, &t->tf_to) != 0)
		return -1;
	return 0;
}

/* Reads the tariffs back from the table: bills are computed from it. */
static int
load_tariffs(struct demo *d)
{
	if (rb_demo_store_tariffs(d->dm_store, keep_tariff, d) != 0) {
		log_errx("cannot read the tariffs back");
		return -1;
	}
	return 0;
}

static int
add_news(struct demo *d)
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

/* Contract shapes and billing runs. */

static void
make_runs(struct demo *d)
{
	int year, half;
	struct run *r;

	d->dm_special_run = -1;
	for (year = DEMO_FIRST_YEAR; ; year++)
		for (half = 0; half < 2; half++) {
			day_t first = half == 0 ? mkday(year, 6, 5) :
			    mkday(year, 12, 2);

			if (first > d->dm_today ||
			    d->dm_nruns == DEMO_MAX_RUNS)
				return;
			r = &d->dm_runs[d->dm_nruns];
			memset(r, 0, sizeof(*r));
			r->rn_first = first;
			r->rn_last = half == 0 ? mkday(year, 6, 28) :
			    mkday(year, 12, 20);
			r->rn_year = year;
			if (year == DEMO_NEW_YEAR && half == 0)
				d->dm_special_run = d->dm_nruns;
			d->dm_nruns++;
		}
}

static int
pick_commune(struct demo *d, struct rng *r)
{
	int w = (int)rng_below(r, (uint64_t)d->dm_commune_total);
	size_t i;

	for (i = 0; i < RB_NELEM(communes); i++) {
		if (w < communes[i].cm_weight)
			return (int)i;
		w -= communes[i].cm_weight;
	}
	return 0;
}

static int
commune_index(const char *name)
{
	size_t i;

	for (i = 0; i < RB_NELEM(communes); i++)
		if (strcmp(communes[i].cm_name, name) == 0)
			return (int)i;
	return 0;
}

/* Moves an end date out of the run windows, where no one moves out. */
static day_t
end_outside_runs(const struct demo *d, day_t end)
{
	int i;

	for (i = 0; i < d->dm_nruns; i++)
		if (end >= d->dm_runs[i].rn_first - 10 &&
		    end <= d->dm_runs[i].rn_last)
			end = d->dm_runs[i].rn_last + 1;
	return end < d->dm_today ? end : 0;
}

static void
make_shape(struct demo *d, long k, struct shape *s)
{
	struct rng r;

	memset(s, 0, sizeof(*s));
	s->sh_billed = 1;
	switch (k) {
	case 1:
		s->sh_origin = OR_2023;
		s->sh_start = mkday(2009, 4, 1);
		s->sh_commune = commune_index("Lille");
		return;
	case 2:
		s->sh_origin = OR_NEW;
		s->sh_start = mkday(2024, 3, 15);
		s->sh_commune = commune_index("Wattrelos");
		return;
	case 3:
		s->sh_origin = OR_2023;
		s->sh_start = mkday(1998, 10, 1);
		s->sh_commune = commune_index("Roubaix");
		return;
	case 4:
		s->sh_origin = OR_FORMER;
		s->sh_start = mkday(DEMO_NEW_YEAR, 1, 1);
		s->sh_commune = commune_index("Allennes-les-Marais");
		return;
	case 5:
		s->sh_origin = OR_NEW;
		s->sh_start = d->dm_today - 20;
		s->sh_commune = commune_index("Villeneuve-d'Ascq");
		s->sh_billed = 0;
		return;
	}
	rng_seed(&r, d->dm_seed, STREAM_SHAPE, (uint64_t)k);
	s->sh_commune = pick_commune(d, &r);
	/* The first contracts all run through 2024: see the top comment. */
	if (k > RB_DEMO_MIN_CONTRACTS && rng_chance(&r, 120)) {
		s->sh_origin = OR_NEW;
		s->sh_start = (day_t)rng_range(&r, mkday(DEMO_NEW_YEAR, 1, 15),
		    d->dm_today - 15);
		return;
	}
	if (communes[s->sh_commune].cm_former) {
		s->sh_origin = OR_FORMER;
		s->sh_start = mkday(DEMO_NEW_YEAR, 1, 1);
	} else {
		s->sh_origin = OR_2023;
		s->sh_start = rng_chance(&r, 500) ?
		    (day_t)rng_range(&r, mkday(1985, 1, 1), mkday(2023, 11, 30)) :
		    (day_t)rng_range(&r, mkday(2012, 1, 1), mkday(2023, 11, 30));
	}
	if (k > RB_DEMO_MIN_CONTRACTS && rng_chance(&r, 50))
		s->sh_end = end_outside_runs(d, (day_t)rng_range(&r,
		    mkday(DEMO_NEW_YEAR, 2, 1), d->dm_today - 30));
}

/* Returns 1 if the contract of s gets a bill in run i. */
static int
billed_in(const struct demo *d, const struct shape *s, int i)
{
	day_t prev_last = i == 0 ? mkday(DEMO_HORIZON_Y, 12, 20) :
	    d->dm_runs[i - 1].rn_last;

	return s->sh_billed && s->sh_start <= d->dm_runs[i].rn_first - 10 &&
	    (s->sh_end == 0 || s->sh_end > prev_last);
}

/* Pass 1: the number of bills in each run. */
static int
count_runs(struct demo *d)
{
	struct shape s;
	long k;
	int i, year = 0;
	long base = 0;

	for (k = 1; k <= d->dm_contracts; k++) {
		make_shape(d, k, &s);
		for (i = 0; i < d->dm_nruns; i++)
			if (billed_in(d, &s, i)) {
				d->dm_runs[i].rn_count++;
				if (i == d->dm_special_run && k == 4)
					d->dm_special_rank =
					    d->dm_runs[i].rn_count;
			}
	}
	for (i = 0; i < d->dm_nruns; i++) {
		if (d->dm_runs[i].rn_year != year) {
			year = d->dm_runs[i].rn_year;
			base = 0;
		}
		d->dm_runs[i].rn_base = base;
		base += d->dm_runs[i].rn_count;
	}
	if (d->dm_special_run < 0 || d->dm_special_rank == 0 ||
	    d->dm_runs[d->dm_special_run].rn_count < DEMO_SPECIAL_POS) {
		log_errx("the June %d run has too few bills for "
		    "FA%d-%06d", DEMO_NEW_YEAR, DEMO_NEW_YEAR, DEMO_SPECIAL_POS);
		return -1;
	}
	return 0;
}

/*
 * Position in run i (1-based) of the bill whose natural rank, in
 * contract order, is rank: contract 4 is moved to DEMO_SPECIAL_POS in
 * the June 2024 run and the ones between shift by one.
 */
static long
run_position(const struct demo *d, int i, long rank, long k)
{
	long s = d->dm_special_rank;

	if (i != d->dm_special_run)
		return rank;
	if (k == 4)
		return DEMO_SPECIAL_POS;
	if (rank > s && rank <= DEMO_SPECIAL_POS)
		return rank - 1;
	if (rank < s && rank >= DEMO_SPECIAL_POS)
		return rank + 1;
	return rank;
}

/* Per-contract details. */

struct person {
	const struct first_name	*ps_first;
	const struct last_name	*ps_last;
	char		 ps_email[128];	/* "" when none on file */
	char		 ps_phone[20];
	char		 ps_address[128];
	char		 ps_holder[96];
};

struct contract {
	long		 ct_k;
	struct shape	 ct_shape;
	char		 ct_number[16];
	char		 ct_old_number[16];	/* "" when none */
	char		 ct_serial[16];
	int		 ct_remote;
	day_t		 ct_installed;
	int		 ct_direct_debit;
	day_t		 ct_mandate_on;
	int		 ct_paperless;
	int		 ct_can_create;
	int		 ct_reading_day;
	int64_t		 ct_yearly_litres;
	int64_t		 ct_id;
	int64_t		 ct_meter_id;
	int		 ct_overdue_permille;
	struct person	 ct_person;
};

static void
make_old_number(long k, char *out, size_t len)
{
	static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
	long digits = 2000000 + (long)(((uint64_t)k * 7368787u) % 8000000u);

	snprintf(out, len, "%07ld%c", digits, letters[digits % 23]);
}

static void
make_serial(struct rng *r, long k, day_t installed, char *out, size_t len)
{
	static const char makers[] = "ISDK";
	static const char *const models[] = { "BA", "BB", "CA", "DA", "EA" };
	int year = day_year(installed) - (int)rng_below(r, 2);
	long digits = (long)(((uint64_t)k * 792473u) % 1000000u);

	snprintf(out, len, "%c%02d%s%06ld", makers[rng_below(r, 4)],
	    year % 100, models[rng_below(r, RB_NELEM(models))], digits);
	/* Never the serials of the fixed identities. */
	if (strcmp(out, "I21BA012345") == 0 || strcmp(out, "I22BA054321") == 0)
		out[4] = 'C';
}

static void
make_person(struct rng *r, struct contract *c)
{
	struct person *p = &c->ct_person;

	p->ps_first = &first_names[rng_below(r, RB_NELEM(first_names))];
	p->ps_last = &last_names[rng_below(r, RB_NELEM(last_names))];
	snprintf(p->ps_address, sizeof(p->ps_address), "%d %s",
	    (int)rng_range(r, 1, 240), streets[rng_below(r, RB_NELEM(streets))]);
	if (rng_chance(r, 720))
		snprintf(p->ps_email, sizeof(p->ps_email), "%s.%s.%ld@%s",
		    p->ps_first->fn_ascii, p->ps_last->ln_ascii, c->ct_k,
		    email_domains[rng_below(r, RB_NELEM(email_domains))]);
	else
		p->ps_email[0] = '\0';
	if (rng_chance(r, 600))
		snprintf(p->ps_phone, sizeof(p->ps_phone), "+33%d%08d",
		    rng_chance(r, 700) ? 6 : 7, (int)rng_below(r, 100000000));
	else if (rng_chance(r, 750))
		snprintf(p->ps_phone, sizeof(p->ps_phone), "+333%s%06d",
		    rng_chance(r, 500) ? "20" : "28",
		    (int)rng_below(r, 1000000));
	else
		p->ps_phone[0] = '\0';
}

/* The account holder as banks print it: "LEFEBVRE Martine". */
static void
make_holder(struct person *p)
{
	size_t i, n = 0;

	for (i = 0; p->ps_last->ln_ascii[i] != '\0' && n + 2 <
	    sizeof(p->ps_holder); i++)
		p->ps_holder[n++] = (char)(p->ps_last->ln_ascii[i] - 'a' + 'A');
	p->ps_holder[n++] = ' ';
	for (i = 0; p->ps_first->fn_ascii[i] != '\0' && n + 1 <
	    sizeof(p->ps_holder); i++)
		p->ps_holder[n++] = (char)(i == 0 ?
		    p->ps_first->fn_ascii[i] - 'a' + 'A' :
		    p->ps_first->fn_ascii[i]);
	p->ps_holder[n] = '\0';
}

static const struct first_name *
first_name(const char *name)
{
	size_t i;

	for (i = 0; i < RB_NELEM(first_names); i++)
		if (strcmp(first_names[i].fn_name, name) == 0)
			return &first_names[i];
	return &first_names[0];
}

static const struct last_name *
last_name(const char *name)
{
	size_t i;

	for (i = 0; i < RB_NELEM(last_names); i++)
		if (strcmp(last_names[i].ln_name, name) == 0)
			return &last_names[i];
	return &last_names[0];
}

/* Overrides for the fixed identities. */
static void
fix_identity(struct contract *c)
{
	struct person *p = &c->ct_person;

	switch (c->ct_k) {
	case 1:
		p->ps_first = first_name("Martine");
		p->ps_last = last_name("Lefebvre");
		snprintf(p->ps_email, sizeof(p->ps_email), "demo@robinet.test");
		snprintf(p->ps_address, sizeof(p->ps_address),
		    "12 rue Nationale");
		snprintf(p->ps_phone, sizeof(p->ps_phone), "+33320123456");
		snprintf(c->ct_old_number, sizeof(c->ct_old_number),
		    "1234560A");
		c->ct_remote = 1;
		c->ct_direct_debit = 0;
		c->ct_paperless = 1;
		c->ct_can_create = 1;
		c->ct_overdue_permille = 0;
		break;
	case 2:
		p->ps_first = first_name("Martine");
		p->ps_last = last_name("Lefebvre");
		snprintf(p->ps_address, sizeof(p->ps_address),
		    "5 rue du Moulin");
		c->ct_remote = 0;
		c->ct_direct_debit = 1;
		c->ct_mandate_on = mkday(2024, 3, 15);
		c->ct_paperless = 1;
		c->ct_can_create = 1;
		break;
	case 3:
		p->ps_first = first_name("Gérard");
		p->ps_last = last_name("Vandenbussche");
		snprintf(p->ps_email, sizeof(p->ps_email),
		    "legacy@robinet.test");
		snprintf(p->ps_address, sizeof(p->ps_address),
		    "27 rue de Lannoy");
		snprintf(c->ct_old_number, sizeof(c->ct_old_number),
		    "1234567A");
		c->ct_remote = 0;
		c->ct_direct_debit = 0;
		c->ct_paperless = 0;
		c->ct_can_create = 1;
		break;
	case 4:
		p->ps_first = first_name("Karim");
		p->ps_last = last_name("Benali");
		snprintf(p->ps_email, sizeof(p->ps_email),
		    "arrivant@robinet.test");
		snprintf(p->ps_address, sizeof(p->ps_address),
		    "8 rue du Général de Gaulle");
		snprintf(c->ct_serial, sizeof(c->ct_serial), "I21BA012345");
		c->ct_installed = mkday(2021, 9, 14);
		c->ct_remote = 0;
		c->ct_direct_debit = 0;
		c->ct_paperless = 0;
		c->ct_can_create = 1;
		break;
	case 5:
		p->ps_first = first_name("Léa");
		p->ps_last = last_name("Martin");
		snprintf(p->ps_email, sizeof(p->ps_email),
		    "nouveau@robinet.test");
		snprintf(p->ps_address, sizeof(p->ps_address),
		    "41 avenue du Pont de Bois");
		snprintf(c->ct_serial, sizeof(c->ct_serial), "I22BA054321");
		c->ct_installed = c->ct_shape.sh_start;
		c->ct_remote = 0;
		c->ct_direct_debit = 0;
		c->ct_paperless = 1;
		/* No bill and no letter yet: no space until one arrives. */
		c->ct_can_create = 0;
		break;
	}
}

static void
make_contract(struct demo *d, struct rng *r, long k, struct contract *c)
{
	static const int household_litres[] = {
		32000, 55000, 78000, 100000, 125000, 150000,
	};
	const struct shape *s = &c->ct_shape;
	day_t lo, hi;

	memset(c, 0, sizeof(*c));
	c->ct_k = k;
	make_shape(d, k, &c->ct_shape);
	snprintf(c->ct_number, sizeof(c->ct_number), "%010ld",
	    (1000000000L + k) % 10000000000L);
	if (s->sh_origin == OR_2023)
		make_old_number(k, c->ct_old_number, sizeof(c->ct_old_number));
	make_person(r, c);

	/*
	 * One meter per contract, in place before the data starts (or
	 * fitted at the start of the contract); remote-read ones are recent.
	 */
	c->ct_remote = rng_chance(r, 200);
	lo = mkday(c->ct_remote ? 2015 : 2008, 1, 1);
	if (s->sh_origin == OR_2023 && s->sh_start > lo)
		lo = s->sh_start;
	hi = s->sh_origin == OR_FORMER ? mkday(2023, 6, 30) :
	    d->dm_horizon - 10;
	if (s->sh_origin == OR_NEW)
		c->ct_installed = s->sh_start;
	else if (lo > hi)
		c->ct_installed = s->sh_origin == OR_2023 ? s->sh_start : hi;
	else
		c->ct_installed = (day_t)rng_range(r, lo, hi);
	make_serial(r, k, c->ct_installed, c->ct_serial, sizeof(c->ct_serial));

	c->ct_direct_debit = rng_chance(r, 500);
	if (c->ct_direct_debit) {
		if (s->sh_origin == OR_2023)
			c->ct_mandate_on = (day_t)rng_range(r,
			    s->sh_start > mkday(2012, 1, 1) ? s->sh_start :
			    mkday(2012, 1, 1), mkday(2023, 10, 31));
		else
			c->ct_mandate_on = s->sh_start + (day_t)rng_below(r, 60);
		if (c->ct_mandate_on > d->dm_today)
			c->ct_mandate_on = d->dm_today;
	}
	c->ct_paperless = rng_chance(r, 330);
	c->ct_can_create = rng_chance(r, 900);
	c->ct_reading_day = (int)rng_range(r, 1, 28);
	c->ct_yearly_litres = household_litres[rng_below(r,
	    RB_NELEM(household_litres))] + (int64_t)rng_range(r, -15000, 25000);
	c->ct_overdue_permille = 40;
	if (k <= DEMO_FIXED)
		fix_identity(c);
	make_holder(&c->ct_person);
}

/* Consumption: the meter index of every day since the data starts. */
static day_t
index_start(const struct demo *d, const struct contract *c)
{
	return c->ct_shape.sh_start > d->dm_horizon ? c->ct_shape.sh_start :
	    d->dm_horizon;
}

static void
make_consumption(struct demo *d, const struct contract *c)
{
	struct rng r;
	day_t d0 = index_start(d, c), day;
	size_t n = (size_t)(d->dm_today - d0 + 2), i;
	struct rb_date dt;
	int64_t litres;

	if (n > d->dm_cumcap) {
		d->dm_cumcap = n + 64;
		d->dm_cum = rb_xrealloc(d->dm_cum, d->dm_cumcap *
		    sizeof(*d->dm_cum));
	}
	rng_seed(&r, d->dm_seed, STREAM_DAYS, (uint64_t)c->ct_k);
	d->dm_cum[0] = rng_range(&r, 20000, 900000);
	rb_clock_civil_from_days(d0, &dt);
	for (i = 1, day = d0; i < n; i++, day++) {
		if (c->ct_shape.sh_end != 0 && day >= c->ct_shape.sh_end)
			litres = 0;
		else
			litres = c->ct_yearly_litres *
			    season_permille[dt.d_month - 1] *
			    (600 + (int64_t)rng_below(&r, 801)) /
			    (365 * 1000 * 1000);
		d->dm_cum[i] = d->dm_cum[i - 1] + litres;
		if (++dt.d_day > rb_clock_days_in_month(dt.d_year,
		    dt.d_month)) {
			dt.d_day = 1;
			if (++dt.d_month > 12) {
				dt.d_month = 1;
				dt.d_year++;
			}
		}
	}
}

/* The index on the morning of day. */
static int64_t
index_on(const struct demo *d, const struct contract *c, day_t day)
{
	return d->dm_cum[day - index_start(d, c)];
}

static void
add_reading(struct demo *d, day_t day, int prio, int64_t index,
    const char *source)
{
	struct reading *rd;

	if (d->dm_nreads == d->dm_readcap) {
		d->dm_readcap = d->dm_readcap ? d->dm_readcap * 2 : 256;
		d->dm_reads = rb_xrealloc(d->dm_reads, d->dm_readcap *
		    sizeof(*d->dm_reads));
	}
	rd = &d->dm_reads[d->dm_nreads++];
	rd->rd_day = day;
	rd->rd_prio = prio;
	rd->rd_index = index;
	rd->rd_source = source;
}

static int
by_day(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;

	if (x->rd_day != y->rd_day)
		return x->rd_day < y->rd_day ? -1 : 1;
	return (x->rd_prio > y->rd_prio) - (x->rd_prio < y->rd_prio);
}

/*
 * Writes the readings collected by write_bills() with monthly ones since
 * 2024 and, for remote-read meters, daily ones for the last 90 days.
 */
static int
write_readings(struct demo *d, struct rng *r, const struct contract *c)
{
	day_t d0 = index_start(d, c), last = d->dm_today, day;
	struct rb_demo_reading row;
	struct rb_date dt;
	char iso[11];
	size_t i, n;
	int y, m;

	if (c->ct_shape.sh_end != 0 && c->ct_shape.sh_end < last)
		last = c->ct_shape.sh_end;
	/* The new system keeps a monthly index since it started. */
	rb_clock_civil_from_days(d0 > mkday(DEMO_NEW_YEAR, 1, 1) ? d0 :
	    mkday(DEMO_NEW_YEAR, 1, 1), &dt);
	for (y = dt.d_year, m = dt.d_month; ; ) {
		day = mkday(y, m, c->ct_reading_day);
		if (day > last)
			break;
		if (day > d0 && !(c->ct_remote && day > d->dm_today - 90))
			add_reading(d, day, 2, index_on(d, c, day),
			    c->ct_remote ? "remote" : rng_chance(r, 300) ?
			    "customer" : "estimated");
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	if (c->ct_remote)
		for (day = d->dm_today - 89; day <= last; day++)
			if (day > d0)
				add_reading(d, day, 3, index_on(d, c, day),
				    "remote");
	/* Sort, keep the first of each day, write. */
	qsort(d->dm_reads, d->dm_nreads, sizeof(*d->dm_reads), by_day);
	for (i = n = 0; i < d->dm_nreads; i++)
		if (n == 0 || d->dm_reads[i].rd_day != d->dm_reads[n - 1].rd_day)
			d->dm_reads[n++] = d->dm_reads[i];
	row.re_meter_id = c->ct_meter_id;
	row.re_read_on = iso;
	for (i = 0; i < n; i++) {
		day_iso(d->dm_reads[i].rd_day, iso);
		row.re_index_litres = d->dm_reads[i].rd_index;
		row.re_source = d->dm_reads[i].rd_source;
		if (rb_demo_store_reading(d->dm_store, &row) != 0)
			return -1;
	}
	return 0;
}

/* Bills. */

struct bill {
	char		 bl_number[24];
	int		 bl_archived;
	day_t		 bl_from;
	day_t		 bl_to;
	day_t		 bl_old_read;
	day_t		 bl_new_read;
	const char	*bl_old_kind;
	const char	*bl_new_kind;
	int64_t		 bl_old_index;
	int64_t		 bl_new_index;
	day_t		 bl_issued;
	day_t		 bl_due;
	int		 bl_direct_debit;
	int		 bl_last;	/* the contract's latest bill */
	struct line	 bl_lines[DEMO_MAX_LINES];
	int		 bl_nlines;
	int64_t		 bl_amount;
	int64_t		 bl_vat;
	const char	*bl_status;
	const char	*bl_pay_method;		/* NULL: no payment */
	const char	*bl_pay_provider;
	const char	*bl_pay_status;
	char		 bl_pay_ref[40];
	int64_t		 bl_pay_at;
};

/* Rounds num / den to the nearest integer, halves up (num >= 0). */
static int64_t
div_round(int64_t num, int64_t den)
{
	return (num + den / 2) / den;
}

/* Computes the lines and totals of b from the tariffs. */
static void
price_bill(struct demo *d, struct bill *b)
{
	int64_t volume = b->bl_new_index - b->bl_old_index;
	int64_t days = b->bl_to - b->bl_from + 1, left, base, vat, sum;
	const struct tariff *t;
	struct line *ln, *big;
	size_t ci, ti;
	int i, nseg, seg, rate;
	day_t from, to;

	b->bl_nlines = 0;
	for (ci = 0; ci < RB_NELEM(bill_codes); ci++) {
		nseg = 0;
		for (ti = 0; ti < d->dm_ntariffs; ti++) {
			t = &d->dm_tariffs[ti];
			if (strcmp(t->tf_code, bill_codes[ci]) == 0 &&
			    t->tf_from <= b->bl_to && t->tf_to >= b->bl_from)
				nseg++;
		}
		left = volume;
		for (ti = 0, seg = 0; ti < d->dm_ntariffs; ti++) {
			t = &d->dm_tariffs[ti];
			if (strcmp(t->tf_code, bill_codes[ci]) != 0 ||
			    t->tf_from > b->bl_to || t->tf_to < b->bl_from)
				continue;
			from = t->tf_from > b->bl_from ? t->tf_from :
			    b->bl_from;
			to = t->tf_to < b->bl_to ? t->tf_to : b->bl_to;
			ln = &b->bl_lines[b->bl_nlines++];
			memset(ln, 0, sizeof(*ln));
			ln->ln_tariff = t;
			ln->ln_from = from;
			ln->ln_to = to;
			ln->ln_split = nseg > 1;
			if (t->tf_subscription) {
				ln->ln_quantity = to - from + 1;
				ln->ln_amount = div_round(t->tf_price *
				    ln->ln_quantity, 365 * 100);
			} else {
				/* Volume pro rata of the days, the last
				   period taking what is left. */
				ln->ln_quantity = ++seg == nseg ? left :
				    volume * (to - from + 1) / days;
				left -= ln->ln_quantity;
				ln->ln_amount = div_round(ln->ln_quantity *
				    t->tf_price, 1000 * 100);
			}
		}
	}

	/* VAT per rate on the rate's total; rounding on the largest line. */
	b->bl_amount = b->bl_vat = 0;
	for (i = 0; i < b->bl_nlines; i++) {
		ln = &b->bl_lines[i];
		ln->ln_vat = div_round(ln->ln_amount *
		    ln->ln_tariff->tf_vat_bp, 10000);
		b->bl_amount += ln->ln_amount;
	}
	for (i = 0; i < b->bl_nlines; i++) {
		int j;

		rate = b->bl_lines[i].ln_tariff->tf_vat_bp;
		for (j = 0; j < i; j++)
			if (b->bl_lines[j].ln_tariff->tf_vat_bp == rate)
				break;
		if (j < i)
			continue;	/* rate already done */
		base = sum = 0;
		big = NULL;
		for (j = i; j < b->bl_nlines; j++) {
			ln = &b->bl_lines[j];
			if (ln->ln_tariff->tf_vat_bp != rate)
				continue;
			base += ln->ln_amount;
			sum += ln->ln_vat;
			if (big == NULL || ln->ln_amount > big->ln_amount)
				big = ln;
		}
		vat = div_round(base * rate, 10000);
		big->ln_vat += vat - sum;
		b->bl_vat += vat;
	}
}

static const char *
payment_method(struct rng *r)
{
	uint64_t x = rng_below(r, 100);

	return x < 58 ? "card" : x < 80 ? "transfer" : x < 97 ? "cheque" :
	    "cash";
}

/* Decides b's status as of today and the payment that goes with it. */
static void
settle_bill(struct demo *d, struct rng *r, const struct contract *c,
    struct bill *b)
{
	const char *method = NULL;
	day_t on = 0;
	int failed;

	b->bl_pay_method = NULL;
	if (!b->bl_archived && c->ct_k > DEMO_FIXED && rng_chance(r, 3)) {
		b->bl_status = "cancelled";
		return;
	}
	if (b->bl_direct_debit) {
		failed = b->bl_due <= d->dm_today && rng_chance(r, 10);
		/* A debit taken settles the bill; a future one is
		   scheduled. */
		b->bl_status = failed ? (b->bl_due + 15 < d->dm_today ?
		    "overdue" : "to_pay") : b->bl_due <= d->dm_today ? "paid" :
		    "direct_debit";
		method = "sepa_debit";
		b->bl_pay_status = failed ? "failed" :
		    b->bl_due <= d->dm_today ? "succeeded" : "pending";
		on = b->bl_due;
	} else if (c->ct_k == 1 && b->bl_last) {
		/* The demo subscriber always has a bill to pay. */
		b->bl_status = b->bl_due >= d->dm_today ? "to_pay" : "overdue";
	} else if (b->bl_due >= d->dm_today && rng_chance(r, 650)) {
		b->bl_status = "to_pay";
	} else if (b->bl_due < d->dm_today && !b->bl_archived &&
	    b->bl_issued > d->dm_today - 365 &&
	    rng_chance(r, (unsigned)c->ct_overdue_permille)) {
		b->bl_status = "overdue";
	} else {
		b->bl_status = "paid";
		on = b->bl_issued + (day_t)rng_range(r, 1, rng_chance(r, 100) ?
		    50 : b->bl_due - b->bl_issued);
		if (on > d->dm_today)
			on = d->dm_today;
		method = payment_method(r);
		b->bl_pay_status = "succeeded";
	}
	if (method == NULL)
		return;
	b->bl_pay_method = method;
	b->bl_pay_at = day_at(on, (int)rng_range(r, 6 * 3600, 21 * 3600));
	b->bl_pay_provider = NULL;
	if (strcmp(method, "card") == 0) {
		b->bl_pay_provider = "payfip";
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "PF%012llu",
		    (unsigned long long)rng_below(r, UINT64_C(1000000000000)));
	} else if (strcmp(method, "sepa_debit") == 0)
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "PRLV-%s",
		    b->bl_number);
	else if (strcmp(method, "transfer") == 0)
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "VIR%010llu",
		    (unsigned long long)rng_below(r, UINT64_C(10000000000)));
	else if (strcmp(method, "cheque") == 0)
		snprintf(b->bl_pay_ref, sizeof(b->bl_pay_ref), "CHQ%07d",
		    (int)rng_below(r, 10000000));
	else
		b->bl_pay_ref[0] = '\0';
}

/* Hands bill b of contract c, its lines and its payment to the store. */
static int
write_invoice(struct demo *d, const struct contract *c, const struct bill *b)
{
	struct rb_demo_line lines[DEMO_MAX_LINES], *li;
	char dates[DEMO_MAX_LINES][2][11], iso[6][11], batch[32];
	struct rb_demo_invoice iv;
	struct rb_demo_payment pa;
	const struct line *ln;
	const struct tariff *t;
	int i;

	memset(&iv, 0, sizeof(iv));
	iv.iv_number = b->bl_number;
	iv.iv_contract_id = c->ct_id;
	iv.iv_contract_number = b->bl_archived ? c->ct_old_number :
	    c->ct_number;
	iv.iv_archived = b->bl_archived;
	iv.iv_period_start = iso_or_null(b->bl_from, iso[0]);
	iv.iv_period_end = iso_or_null(b->bl_to, iso[1]);
	iv.iv_old_index_litres = b->bl_old_index;
	iv.iv_new_index_litres = b->bl_new_index;
	iv.iv_old_read_on = iso_or_null(b->bl_old_read, iso[2]);
	iv.iv_new_read_on = iso_or_null(b->bl_new_read, iso[3]);
	iv.iv_old_read_kind = b->bl_old_kind;
	iv.iv_new_read_kind = b->bl_new_kind;
	iv.iv_volume_litres = b->bl_new_index - b->bl_old_index;
	iv.iv_amount_excl_tax_cents = b->bl_amount;
	iv.iv_vat_cents = b->bl_vat;
	iv.iv_total_cents = b->bl_amount + b->bl_vat;
	day_iso(b->bl_issued, iso[4]);
	iv.iv_issued_on = iso[4];
	iv.iv_due_on = iso_or_null(b->bl_due, iso[5]);
	iv.iv_status = b->bl_status;
	iv.iv_src_system = b->bl_archived ? "billing_2023" : "billing";
	snprintf(batch, sizeof(batch), "%s-%s", b->bl_archived ? "archive" :
	    "bills", iv.iv_issued_on);
	iv.iv_src_batch = batch;

	for (i = 0; i < b->bl_nlines; i++) {
		ln = &b->bl_lines[i];
		t = ln->ln_tariff;
		li = &lines[i];
		li->li_position = i + 1;
		li->li_heading = heading_names[t->tf_heading];
		li->li_tariff_code = t->tf_code;
		li->li_label = t->tf_label;
		/* Dates only when a price changed within the bill. */
		li->li_period_start = iso_or_null(ln->ln_split ?
		    ln->ln_from : 0, dates[i][0]);
		li->li_period_end = iso_or_null(ln->ln_split ? ln->ln_to : 0,
		    dates[i][1]);
		li->li_quantity = ln->ln_quantity;
		li->li_quantity_unit = t->tf_subscription ? "day" : "litre";
		li->li_unit_price_c100 = t->tf_price;
		li->li_amount_excl_tax_cents = ln->ln_amount;
		li->li_vat_rate_bp = t->tf_vat_bp;
		li->li_vat_cents = ln->ln_vat;
	}

	if (b->bl_pay_method != NULL) {
		pa.pa_amount_cents = b->bl_amount + b->bl_vat;
		pa.pa_method = b->bl_pay_method;
		pa.pa_provider = b->bl_pay_provider;
		pa.pa_provider_ref = b->bl_pay_ref[0] != '\0' ? b->bl_pay_ref :
		    NULL;
		pa.pa_status = b->bl_pay_status;
		pa.pa_created_at = b->bl_pay_at;
	}
	return rb_demo_store_invoice(d->dm_store, &iv, lines, b->bl_nlines,
	    b->bl_pay_method != NULL ? &pa : NULL);
}

/*
 * Walks the runs that bill c: numbers, dates, readings, lines, status;
 * then hands the invoices, with their lines and payments, to the store.
 */
static int
write_bills(struct demo *d, struct rng *r, const struct contract *c)
{
	const struct shape *s = &c->ct_shape;
	day_t prev_read = index_start(d, c), span;
	const char *prev_kind = "actual";
	int i, last_run = -1, nbills = 0;
	long rank, pos;
	struct run *rn;
	struct bill *b;

	/* The reading that opens the first bill (or the contract). */
	add_reading(d, prev_read, 0, index_on(d, c, prev_read), c->ct_remote ?
	    "remote" : "actual");
	for (i = 0; i < d->dm_nruns; i++)
		if (billed_in(d, s, i))
			last_run = i;
	for (i = 0; i < d->dm_nruns; i++) {
		if (!billed_in(d, s, i))
			continue;
		rn = &d->dm_runs[i];
		rank = ++rn->rn_seen;
		pos = run_position(d, i, rank, c->ct_k);
		span = rn->rn_last - rn->rn_first;
		b = &d->dm_bills[nbills];
		memset(b, 0, sizeof(*b));
		b->bl_issued = rn->rn_first + (day_t)(rn->rn_count > 1 ?
		    (pos - 1) * span / (rn->rn_count - 1) : 0);
		if (b->bl_issued > d->dm_today)
			continue;	/* later in a run under way */
		b->bl_archived = rn->rn_year < DEMO_NEW_YEAR;
		if (b->bl_archived)
			snprintf(b->bl_number, sizeof(b->bl_number),
			    "E%02d%07ld", rn->rn_year % 100, rn->rn_base + pos);
		else
			snprintf(b->bl_number, sizeof(b->bl_number),
			    "FA%04d-%06ld", rn->rn_year, rn->rn_base + pos);
		b->bl_last = i == last_run;

		b->bl_old_read = prev_read;
		b->bl_old_kind = prev_kind;
		b->bl_from = nbills == 0 && s->sh_start > d->dm_horizon ?
		    s->sh_start : prev_read + 1;
		if (s->sh_end != 0 && s->sh_end < rn->rn_first) {
			b->bl_new_read = s->sh_end;	/* moving out */
			b->bl_new_kind = "actual";
		} else {
			b->bl_new_read = b->bl_issued - 3 -
			    (day_t)rng_below(r, 5);
			b->bl_new_kind = c->ct_remote || rng_chance(r, 880) ?
			    "actual" : "estimated";
		}
		b->bl_to = b->bl_new_read;
		b->bl_old_index = index_on(d, c, b->bl_old_read);
		b->bl_new_index = index_on(d, c, b->bl_new_read);
		add_reading(d, b->bl_new_read, 1, b->bl_new_index,
		    c->ct_remote ? "remote" : b->bl_new_kind);
		b->bl_direct_debit = c->ct_direct_debit &&
		    b->bl_issued >= c->ct_mandate_on;
		b->bl_due = b->bl_issued + (b->bl_direct_debit ? 10 : 21);
		price_bill(d, b);
		settle_bill(d, r, c, b);
		prev_read = b->bl_new_read;
		prev_kind = b->bl_new_kind;
		nbills++;
	}
	for (i = 0; i < nbills; i++)
		if (write_invoice(d, c, &d->dm_bills[i]) != 0)
			return -1;
	return 0;
}

/* Bank details. */

/* Fills iban (28 bytes) with a valid French IBAN; returns the bank. */
static const struct bank *
make_iban(struct rng *r, char *iban)
{
	const struct bank *bk = &banks[rng_below(r, RB_NELEM(banks))];
	uint64_t branch = (uint64_t)rng_range(r, 1, 99999);
	uint64_t account = rng_below(r, UINT64_C(100000000000));
	unsigned key, check;

	key = 97 - (unsigned)((89 * (uint64_t)bk->bk_code + 15 * branch +
	    3 * account) % 97);
	/* The check digits are the ones rb_iban_check() accepts. */
	for (check = 2; check < 99; check++) {
		snprintf(iban, 28, "FR%02u%05d%05llu%011llu%02u", check,
		    bk->bk_code, (unsigned long long)branch,
		    (unsigned long long)account, key);
		if (rb_iban_check(iban) == 0)
			break;
	}
	return bk;
}

static int
write_mandate(struct demo *d, struct rng *r, const struct contract *c)
{
	unsigned char nonce[RB_IBAN_NONCEBYTES];
	char iban[28], rum[40], enc[RB_IBAN_SEALED_MAX];
	char signed_on[11];
	struct rb_demo_mandate ma;
	const struct bank *bk;
	size_t i, len;

	bk = make_iban(r, iban);
	len = strlen(iban);
	for (i = 0; i < RB_IBAN_NONCEBYTES; i++)
		nonce[i] = (unsigned char)rng_below(r, 256);
	if (rb_iban_seal(d->dm_iban_key, iban, nonce, enc) != 0)
		return -1;
	snprintf(rum, sizeof(rum), "RBN-%s-01", c->ct_number);

	ma.ma_contract_id = c->ct_id;
	ma.ma_rum = rum;
	ma.ma_holder = c->ct_person.ps_holder;
	ma.ma_iban_enc = enc;
	ma.ma_iban_last4 = iban + len - 4;
	ma.ma_bic = bk->bk_bic;
	ma.ma_signed_on = iso_or_null(c->ct_mandate_on, signed_on);
	ma.ma_src_system = c->ct_shape.sh_origin == OR_2023 ? "billing_2023" :
	    "billing";
	return rb_demo_store_mandate(d->dm_store, &ma);
}

/* Passwords. */

/*
 * Writes into out the argon2id string of password with a salt drawn
 * from r, in libsodium's format, so crypto_pwhash_str_verify() accepts
 * it: the same seed gives the same string. Returns 0 or -1.
 */
static int
argon2id_str(struct rng *r, const char *password, char *out, size_t outlen)
{
	unsigned char salt[crypto_pwhash_SALTBYTES], hash[32];
	char salt64[sodium_base64_ENCODED_LEN(sizeof(salt),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	char hash64[sodium_base64_ENCODED_LEN(sizeof(hash),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	size_t i;

	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (unsigned char)rng_below(r, 256);
	if (crypto_pwhash(hash, sizeof(hash), password, strlen(password), salt,
	    2, 19 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_errx("argon2id failed (out of memory?)");
		return -1;
	}
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(hash64, sizeof(hash64), hash, sizeof(hash),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	snprintf(out, outlen, "$argon2id$v=19$m=%d,t=2,p=1$%s$%s",
	    19 * 1024, salt64, hash64);
	return 0;
}

/* sha512crypt of password as the former system stored it. */
static int
sha512crypt(struct demo *d, struct rng *r, const char *password,
    int rounds, char *out, size_t outlen)
{
	static const char alphabet[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char setting[64], salt[17];
	const char *h;
	size_t i;

	for (i = 0; i < 16; i++)
		salt[i] = alphabet[rng_below(r, 64)];
	salt[16] = '\0';
	if (rounds > 0)
		snprintf(setting, sizeof(setting), "$6$rounds=%d$%s$", rounds,
		    salt);
	else
		snprintf(setting, sizeof(setting), "$6$%s$", salt);
	/*
	 * crypt_rn() is crypt_r() that reports failure with NULL. It also
	 * keeps libcrypt linked under AddressSanitizer, whose crypt_r()
	 * interceptor would otherwise stand in for it and crash.
	 */
	h = crypt_rn(password, setting, d->dm_crypt, (int)sizeof(*d->dm_crypt));
	if (h == NULL || h[0] != '$') {
		log_errx("sha512crypt failed");
		return -1;
	}
	snprintf(out, outlen, "%s", h);
	return 0;
}

static int
write_account(struct demo *d, const struct contract *c, const char *hash,
    const char *status, int64_t created, int64_t *id)
{
	struct rb_demo_account ac;

	ac.ac_email = c->ct_person.ps_email;
	ac.ac_email_norm = c->ct_person.ps_email;	/* lower case */
	ac.ac_last_name = c->ct_person.ps_last->ln_name;
	ac.ac_first_name = c->ct_person.ps_first->fn_name;
	ac.ac_password_hash = hash;
	ac.ac_status = status;
	ac.ac_created_at = created;
	ac.ac_activated_at = strcmp(status, "pending") == 0 ? 0 :
	    created + 420;
	return rb_demo_store_account(d->dm_store, &ac, id);
}

static int
link_account(struct demo *d, int64_t account, int64_t contract,
    int64_t added)
{
	return rb_demo_store_account_contract(d->dm_store, account, contract,
	    added);
}

static int
write_legacy(struct demo *d, const struct contract *c, const char *hash,
    int64_t migrated_at)
{
	struct rb_demo_legacy lg;

	lg.lg_old_customer_id = c->ct_old_number;
	lg.lg_contract_id = c->ct_id;
	lg.lg_hash = hash;
	lg.lg_migrated_at = migrated_at > 0 ? migrated_at : 0;
	lg.lg_src_line = c->ct_k + 1;
	return rb_demo_store_legacy(d->dm_store, &lg);
}

/* Web accounts and former credentials of contract c. */
static int
write_access(struct demo *d, struct rng *r, const struct contract *c)
{
	struct rng g;
	char hash[CRYPT_OUTPUT_SIZE], password[24];
	const struct shape *s = &c->ct_shape;
	day_t lo;
	int64_t created, id;
	int legacy, migrated;
	const char *status;

	switch (c->ct_k) {
	case 1:
		rng_seed(&g, d->dm_seed, STREAM_GLOBAL, 1);
		created = day_at(mkday(DEMO_NEW_YEAR, 1, 9), 9 * 3600 + 1234);
		if (argon2id_str(&g, "eau-potable-2024", hash,
		    sizeof(hash)) != 0 ||
		    write_account(d, c, hash, "active", created,
		    &d->dm_account1) != 0 ||
		    link_account(d, d->dm_account1, c->ct_id, created + 600) != 0)
			return -1;
		/* She moved to the new space in January 2024. */
		return write_legacy(d, c, "!", created);
	case 2:
		return link_account(d, d->dm_account1, c->ct_id,
		    day_at(mkday(DEMO_NEW_YEAR, 4, 2), 18 * 3600));
	case 3:
		rng_seed(&g, d->dm_seed, STREAM_GLOBAL, 3);
		if (sha512crypt(d, &g, "ancien-mdp-2023", 0, hash,
		    sizeof(hash)) != 0)
			return -1;
		return write_legacy(d, c, hash, 0);
	case 4:
	case 5:
		return 0;
	}

	legacy = s->sh_origin == OR_2023 && rng_chance(r, 80);
	migrated = legacy && rng_chance(r, 500);
	if (c->ct_person.ps_email[0] == '\0' || !c->ct_can_create ||
	    (!migrated && !rng_chance(r, legacy ? 0 : 230))) {
		if (!legacy)
			return 0;
		/* Not moved yet: the former system's hash of a password
		   nobody knows, with cheaper rounds to keep the demo fast. */
		snprintf(password, sizeof(password), "%016llx",
		    (unsigned long long)rng_next(r));
		if (sha512crypt(d, r, password, 1000, hash, sizeof(hash)) != 0)
			return -1;
		return write_legacy(d, c, hash, 0);
	}
	lo = s->sh_start > mkday(DEMO_NEW_YEAR, 1, 8) ? s->sh_start :
	    mkday(DEMO_NEW_YEAR, 1, 8);
	created = day_at((day_t)rng_range(r, lo, d->dm_today), (int)rng_range(r,
	    6 * 3600, 22 * 3600));
	status = rng_chance(r, 60) ? "pending" : rng_chance(r, 20) ?
	    "disabled" : "active";
	if (write_account(d, c, d->dm_shared_hash, status, created, &id) != 0 ||
	    link_account(d, id, c->ct_id, created) != 0)
		return -1;
	return migrated ? write_legacy(d, c, "!", created) : 0;
}

/* One contract, everything about it. */
static int
write_contract(struct demo *d, long k)
{
	const struct commune *cm;
	struct contract c;
	struct rng r;
	struct rb_demo_source so;
	struct rb_demo_customer cu;
	struct rb_demo_contract co;
	struct rb_demo_meter me;
	char batch[40], file[40], start[11], end[11], installed[11];
	char ref[24];
	const char *system;
	int64_t customer;

	rng_seed(&r, d->dm_seed, STREAM_DETAIL, (uint64_t)k);
	make_contract(d, &r, k, &c);
	cm = &communes[c.ct_shape.sh_commune];
	switch (c.ct_shape.sh_origin) {
	case OR_2023:
		system = "billing_2023";
		snprintf(batch, sizeof(batch), "2024-01-02-migration");
		snprintf(file, sizeof(file), "contrats_2023.csv");
		break;
	case OR_FORMER:
		system = "former_operator";
		snprintf(batch, sizeof(batch), "2024-01-05-reprise");
		snprintf(file, sizeof(file), "reprise_abonnes.csv");
		break;
	default:
		system = "billing";
		day_iso(c.ct_shape.sh_start, batch + 8);
		memcpy(batch, "billing-", 8);
		snprintf(file, sizeof(file), "contrats_nouveaux.csv");
		break;
	}

	so.so_system = system;
	so.so_batch = batch;
	so.so_file = file;
	so.so_line = k + 1;

	if (k == 2) {
		customer = d->dm_customer1;
	} else {
		cu.cu_title = c.ct_person.ps_first->fn_female ? "Mme" : "M.";
		cu.cu_last_name = c.ct_person.ps_last->ln_name;
		cu.cu_first_name = c.ct_person.ps_first->fn_name;
		cu.cu_email = c.ct_person.ps_email[0] != '\0' ?
		    c.ct_person.ps_email : NULL;
		cu.cu_phone = c.ct_person.ps_phone[0] != '\0' ?
		    c.ct_person.ps_phone : NULL;
		cu.cu_address = c.ct_person.ps_address;
		cu.cu_postcode = cm->cm_postcode;
		cu.cu_commune = cm->cm_name;
		cu.cu_source = so;
		/* The customer reference, from the first contract's k. */
		snprintf(ref, sizeof(ref), "C%07ld", k);
		cu.cu_ref = ref;
		if (rb_demo_store_customer(d->dm_store, &cu, &customer) != 0)
			return -1;
		if (k == 1)
			d->dm_customer1 = customer;
	}

	co.co_number = c.ct_number;
	co.co_old_number = c.ct_old_number[0] != '\0' ? c.ct_old_number :
	    NULL;
	co.co_origin = origin_names[c.ct_shape.sh_origin];
	co.co_customer_id = customer;
	co.co_address = c.ct_person.ps_address;
	co.co_postcode = cm->cm_postcode;
	co.co_commune = cm->cm_name;
	co.co_start_date = iso_or_null(c.ct_shape.sh_start, start);
	co.co_end_date = iso_or_null(c.ct_shape.sh_end, end);
	co.co_can_create_account = c.ct_can_create;
	co.co_direct_debit = c.ct_direct_debit;
	co.co_paperless = c.ct_paperless;
	co.co_source = so;
	if (rb_demo_store_contract(d->dm_store, &co, &c.ct_id) != 0)
		return -1;

	me.me_serial = c.ct_serial;
	me.me_contract_id = c.ct_id;
	me.me_remote_read = c.ct_remote;
	me.me_installed_on = iso_or_null(c.ct_installed, installed);
	me.me_source = so;
	if (rb_demo_store_meter(d->dm_store, &me, &c.ct_meter_id) != 0)
		return -1;

	make_consumption(d, &c);
	d->dm_nreads = 0;
	if (write_bills(d, &r, &c) != 0 || write_readings(d, &r, &c) != 0)
		return -1;
	if (c.ct_direct_debit && write_mandate(d, &r, &c) != 0)
		return -1;
	return write_access(d, &r, &c);
}

/* Entry point. */

static int
check_empty(struct demo *d)
{
	int64_t n;

	if (rb_demo_store_count_existing(d->dm_store, &n) != 0)
		return -1;
	if (n != 0) {
		log_errx("the database already holds data: the demo needs an "
		    "empty one");
		return -1;
	}
	return 0;
}

static int
setup(struct demo *d, rb_db *db, const struct rb_demo_opts *opts)
{
	unsigned char secret[32];
	char password[65];
	struct rb_localtime lt;
	size_t i;

	memset(d, 0, sizeof(*d));
	d->dm_seed = opts->do_seed;
	d->dm_contracts = opts->do_contracts;
	if (d->dm_contracts < RB_DEMO_MIN_CONTRACTS) {
		log_warnx("%ld contracts asked, %d generated: the fixed "
		    "identities need them", d->dm_contracts,
		    RB_DEMO_MIN_CONTRACTS);
		d->dm_contracts = RB_DEMO_MIN_CONTRACTS;
	}
	if (d->dm_contracts > RB_DEMO_MAX_CONTRACTS) {
		log_errx("at most %d demo contracts", RB_DEMO_MAX_CONTRACTS);
		return -1;
	}
	if (opts->do_today == NULL) {
		rb_clock_paris(time(NULL), &lt);
		d->dm_today = (day_t)rb_clock_days_from_civil(&lt.lt_date);
	} else if (parse_day(opts->do_today, &d->dm_today) != 0) {
		log_errx("today must be a date YYYY-MM-DD, not \"%s\"",
		    opts->do_today);
		return -1;
	}
	if (d->dm_today < mkday(DEMO_NEW_YEAR, 7, 1) ||
	    d->dm_today > mkday(2999, 12, 31)) {
		log_errx("today must be between %d-07-01 and 2999-12-31",
		    DEMO_NEW_YEAR);
		return -1;
	}
	d->dm_horizon = mkday(DEMO_HORIZON_Y, DEMO_HORIZON_M, DEMO_HORIZON_D);
	for (i = 0; i < RB_NELEM(communes); i++)
		d->dm_commune_total += communes[i].cm_weight;
	if (sodium_init() < 0) {
		log_errx("libsodium cannot start");
		return -1;
	}
	if (rb_iban_key_from_hex(RB_DEMO_IBAN_KEY_HEX, d->dm_iban_key) != 0)
		return -1;
	/* The other accounts' password: random, never kept. */
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2hex(password, sizeof(password), secret, sizeof(secret));
	if (crypto_pwhash_str(d->dm_shared_hash, password, strlen(password),
	    2, 19 * 1024 * 1024) != 0) {
		log_errx("argon2id failed (out of memory?)");
		return -1;
	}
	sodium_memzero(password, sizeof(password));
	if (rb_demo_store_open(db, &d->dm_store) != 0)
		return -1;
	d->dm_crypt = rb_xcalloc(1, sizeof(*d->dm_crypt));
	d->dm_bills = rb_xcalloc(DEMO_MAX_RUNS, sizeof(*d->dm_bills));
	make_runs(d);
	return 0;
}

int
rb_demo_generate(rb_db *db, const struct rb_demo_opts *opts)
{
	struct demo d;
	long k;
	int rc = -1;

	if (setup(&d, db, opts) != 0 || check_empty(&d) != 0)
		goto out;
	if (count_runs(&d) != 0)
		goto out;
	if (rb_demo_store_begin(d.dm_store) != 0)
		goto out;
	if (add_tariffs(&d) != 0 || load_tariffs(&d) != 0 ||
	    add_news(&d) != 0)
		goto out;
	for (k = 1; k <= d.dm_contracts; k++) {
		if (write_contract(&d, k) != 0) {
			log_errx("demo contract %ld failed", k);
			goto out;
		}
		if (k % DEMO_BATCH == 0) {
			if (rb_demo_store_commit(d.dm_store) != 0 ||
			    rb_demo_store_begin(d.dm_store) != 0)
				goto out;
			if (k % 50000 == 0)
				log_info("demo: %ld of %ld contracts", k,
				    d.dm_contracts);
		}
	}
	if (rb_demo_store_commit(d.dm_store) != 0)
		goto out;
	log_info("demo: %ld contracts written", d.dm_contracts);
	rc = 0;
out:
	if (rc != 0 && d.dm_store != NULL)
		rb_demo_store_rollback(d.dm_store);
	rb_demo_store_close(d.dm_store);
	free(d.dm_tariffs);
	free(d.dm_crypt);
	free(d.dm_cum);
	free(d.dm_reads);
	free(d.dm_bills);
	return rc;
}
