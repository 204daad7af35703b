/*
 * contracts.c: customers, contracts, meters and SEPA mandates of the
 * demo (see internal.h). A contract's shape (origin, dates, commune) is
 * drawn from its own stream, so that the counting pass and the writing
 * pass agree; its details come from the contract's detail stream.
 */
#include <string.h>

#include "base/iban.h"
#include "base/mem.h"
#include "demo/internal.h"

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

static const char *const origin_names[] = {
	"subscriber_2023", "former_operator", "new",
};

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

void
demo_shape_make(struct demo *d, long k, struct shape *s)
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

void
demo_contract_make(struct demo *d, struct rng *r, long k, struct contract *c)
{
	static const int household_litres[] = {
		32000, 55000, 78000, 100000, 125000, 150000,
	};
	const struct shape *s = &c->ct_shape;
	day_t lo, hi;

	memset(c, 0, sizeof(*c));
	c->ct_k = k;
	demo_shape_make(d, k, &c->ct_shape);
	snprintf(c->ct_number, sizeof(c->ct_number), "%010ld",
	    (1000000000L + k) % 10000000000L);
	if (s->sh_origin == OR_2023)
		make_old_number(k, c->ct_old_number, sizeof(c->ct_old_number));
	demo_person_make(r, c);

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
		demo_identity_fix(c);
	demo_holder_make(&c->ct_person);
}


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

int
demo_mandate_write(struct demo *d, struct rng *r, const struct contract *c)
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

/* Sets what every contract needs: the weights of the communes. */
void
demo_contracts_setup(struct demo *d)
{
	size_t i;

	for (i = 0; i < RB_NELEM(communes); i++)
		d->dm_commune_total += communes[i].cm_weight;
}

/*
 * Writes the customer (but for contract 2, which shares the first
 * one's), the contract and its meter, setting c's ids.
 */
int
demo_contract_write(struct demo *d, struct contract *c)
{
	const struct commune *cm;
	long k = c->ct_k;
	struct rb_demo_source so;
	struct rb_demo_customer cu;
	struct rb_demo_contract co;
	struct rb_demo_meter me;
	char batch[40], file[40], start[11], end[11], installed[11];
	char ref[24];
	const char *system;
	int64_t customer;

	cm = &communes[c->ct_shape.sh_commune];
	switch (c->ct_shape.sh_origin) {
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
		day_iso(c->ct_shape.sh_start, batch + 8);
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
		cu.cu_title = c->ct_person.ps_first->fn_female ? "Mme" : "M.";
		cu.cu_last_name = c->ct_person.ps_last->ln_name;
		cu.cu_first_name = c->ct_person.ps_first->fn_name;
		cu.cu_email = c->ct_person.ps_email[0] != '\0' ?
		    c->ct_person.ps_email : NULL;
		cu.cu_phone = c->ct_person.ps_phone[0] != '\0' ?
		    c->ct_person.ps_phone : NULL;
		cu.cu_address = c->ct_person.ps_address;
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

	co.co_number = c->ct_number;
	co.co_old_number = c->ct_old_number[0] != '\0' ? c->ct_old_number :
	    NULL;
	co.co_origin = origin_names[c->ct_shape.sh_origin];
	co.co_customer_id = customer;
	co.co_address = c->ct_person.ps_address;
	co.co_postcode = cm->cm_postcode;
	co.co_commune = cm->cm_name;
	co.co_start_date = iso_or_null(c->ct_shape.sh_start, start);
	co.co_end_date = iso_or_null(c->ct_shape.sh_end, end);
	co.co_can_create_account = c->ct_can_create;
	co.co_direct_debit = c->ct_direct_debit;
	co.co_paperless = c->ct_paperless;
	co.co_source = so;
	if (rb_demo_store_contract(d->dm_store, &co, &c->ct_id) != 0)
		return -1;

	me.me_serial = c->ct_serial;
	me.me_contract_id = c->ct_id;
	me.me_remote_read = c->ct_remote;
	me.me_installed_on = iso_or_null(c->ct_installed, installed);
	me.me_source = so;
	return rb_demo_store_meter(d->dm_store, &me, &c->ct_meter_id);
}

