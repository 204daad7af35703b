/*
 * reasons.c: French words of the SEPA reason codes (see reasons.h).
 */
#include <string.h>

#include "sepa/reasons.h"

static const struct {
	char		 rs_code[5];
	const char	*rs_fr;
} reasons[] = {
	{ "AC01", "coordonnées bancaires incorrectes (IBAN invalide)" },
	{ "AC04", "compte clôturé" },
	{ "AC06", "compte bloqué" },
	{ "AC13", "compte d'un type qui n'accepte pas ce prélèvement" },
	{ "AG01", "opération interdite sur ce compte" },
	{ "AG02", "code d'opération invalide" },
	{ "AM04", "provision insuffisante" },
	{ "AM05", "prélèvement en double" },
	{ "BE05", "créancier inconnu de la banque" },
	{ "CNOR", "banque du créancier injoignable" },
	{ "DNOR", "banque du titulaire du compte injoignable" },
	{ "FF01", "fichier refusé par la banque (format)" },
	{ "MD01", "absence de mandat de prélèvement" },
	{ "MD02", "informations du mandat manquantes ou incorrectes" },
	{ "MD06", "remboursement demandé par le titulaire du compte" },
	{ "MD07", "titulaire du compte décédé" },
	{ "MS02", "refus du titulaire du compte" },
	{ "MS03", "refus de la banque sans motif précisé" },
	{ "RC01", "code BIC incorrect" },
	{ "RR01", "identification du titulaire du compte manquante" },
	{ "RR02", "nom ou adresse du titulaire du compte manquant" },
	{ "RR03", "nom ou adresse du créancier manquant" },
	{ "RR04", "raison réglementaire" },
	{ "SL01", "opposition du titulaire du compte auprès de sa banque" },
};

const char *
rb_sepa_reason_fr(const char *code)
{
	size_t k;

	for (k = 0; code != NULL && k < sizeof(reasons) / sizeof(reasons[0]);
	    k++)
		if (strcmp(reasons[k].rs_code, code) == 0)
			return reasons[k].rs_fr;
	return "rejet par la banque";
}
