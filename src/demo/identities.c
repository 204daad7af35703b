/*
 * identities.c: the people of the demo and their ways into the customer
 * space (see internal.h): names, addresses, emails and phones, the fixed
 * identities listed in rb_demo_identities, web accounts and the
 * credentials of the former customer space.
 *
 * The demo subscriber's password hash is deterministic (its salt comes
 * from the seed). The other generated web accounts share one argon2id
 * hash of a random password drawn at generation time and never kept:
 * nobody can log in to them, and that column is the only one that
 * differs between two runs with the same options.
 */
#include <crypt.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "demo/demo.h"
#include "demo/internal.h"

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

static const char *const email_domains[] = {
	"exemple.test", "courriel.test", "messagerie.test", "boite.test",
};


void
demo_person_make(struct rng *r, struct contract *c)
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
void
demo_holder_make(struct person *p)
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
void
demo_identity_fix(struct contract *c)
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
int
demo_access_write(struct demo *d, struct rng *r, const struct contract *c)
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

/*
 * Prepares the accounts' secrets: the hash all generated accounts but
 * the demo subscriber's share (see the top of this file) and the
 * state of crypt_rn(). Returns 0, or -1 (logged).
 */
int
demo_identities_setup(struct demo *d)
{
	unsigned char secret[32];
	char password[65];

	/* The other accounts' password: random, never kept. */
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2hex(password, sizeof(password), secret, sizeof(secret));
	if (crypto_pwhash_str(d->dm_shared_hash, password, strlen(password),
	    2, 19 * 1024 * 1024) != 0) {
		log_errx("argon2id failed (out of memory?)");
		return -1;
	}
	sodium_memzero(password, sizeof(password));
	d->dm_crypt = rb_xcalloc(1, sizeof(*d->dm_crypt));
	return 0;
}
