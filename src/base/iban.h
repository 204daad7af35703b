/*
 * iban.h: bank account numbers (IBAN, ISO 13616): normalisation, the
 * mod-97 check, masking for display, and encryption at rest.
 *
 * The electronic form is upper case without spaces ("FR7630006000011234
 * 567890189"). At rest an IBAN is the base64 (standard alphabet, padded)
 * of a libsodium crypto_secretbox nonce followed by the ciphertext of its
 * electronic form, under the 32-byte data key of the configuration (see
 * sepa_mandates in 0001_schema.sql). People only ever see it masked:
 * "FR76 •••• •••• 0189".
 *
 * It also checks SEPA creditor identifiers (ICS, "identifiant créancier
 * SEPA"), which share the IBAN's ISO 7064 mod-97 check digits.
 */
#ifndef RB_BASE_IBAN_H
#define RB_BASE_IBAN_H

#include <stddef.h>

#include <sodium.h>

#define RB_IBAN_MAX		34	/* characters of the electronic form */
#define RB_IBAN_KEYBYTES	crypto_secretbox_KEYBYTES
#define RB_IBAN_NONCEBYTES	crypto_secretbox_NONCEBYTES
/* Bytes of a sealed IBAN's text, NUL included. */
#define RB_IBAN_SEALED_MAX	sodium_base64_ENCODED_LEN( \
	RB_IBAN_NONCEBYTES + crypto_secretbox_MACBYTES + RB_IBAN_MAX, \
	sodium_base64_VARIANT_ORIGINAL)
/* Bytes of the masked form, NUL included ("•" is 3 bytes in UTF-8). */
#define RB_IBAN_MASK_MAX	40

/*
 * Writes into out (RB_IBAN_MAX + 1 bytes) the electronic form of in:
 * spaces removed, letters upper-cased. Returns 0, or -1 when in holds
 * anything but letters, digits and spaces, or more than RB_IBAN_MAX of
 * them (out is then "").
 */
int	 rb_iban_normalise(const char *in, char *out);

/*
 * Checks an IBAN in electronic form: country letters, check digits, the
 * country's length (when the country is one Robinet knows: the SEPA
 * countries; else 15 to 34), and the ISO 7064 mod-97 remainder 1.
 * Returns 0 when valid, -1 otherwise.
 */
int	 rb_iban_check(const char *iban);

/*
 * Writes the masked display form of an IBAN in electronic form, or of
 * its country code and last four characters, into out (RB_IBAN_MASK_MAX
 * bytes): "FR76 •••• •••• 0189". iban must be at least 8 characters.
 */
void	 rb_iban_mask(const char *iban, char *out);

/*
 * Writes the masked form of an IBAN known only by its last four
 * characters into out (RB_IBAN_MASK_MAX bytes): "•••• •••• 0189".
 * A last4 of another length gives "••••".
 */
void	 rb_iban_mask_last4(const char *last4, char *out);

/*
 * Parses the data_key setting (64 hex digits) into key. Returns 0, or -1
 * when hex is empty or malformed.
 */
int	 rb_iban_key_from_hex(const char *hex,
	    unsigned char key[RB_IBAN_KEYBYTES]);

/*
 * Seals iban (electronic form) under key into out (RB_IBAN_SEALED_MAX
 * bytes, NUL-terminated). nonce (RB_IBAN_NONCEBYTES) is used when not
 * NULL (reproducible demo data); NULL draws a random one, which is what
 * real data must use. Returns 0, or -1 when iban is too long.
 */
int	 rb_iban_seal(const unsigned char key[RB_IBAN_KEYBYTES],
	    const char *iban, const unsigned char *nonce, char *out);

/*
 * Opens a sealed IBAN into out (RB_IBAN_MAX + 1 bytes). Returns 0, or -1
 * when enc is malformed or was not sealed under key (out is then "").
 */
int	 rb_iban_open(const unsigned char key[RB_IBAN_KEYBYTES],
	    const char *enc, char *out);

/* Characters of the longest creditor identifier (EPC262-08). */
#define RB_ICS_MAX		35

/*
 * Checks a SEPA creditor identifier (ICS) in electronic form (upper
 * case, no spaces): two country letters, two check digits, a three-
 * character creditor business code (letters or digits, "ZZZ" when
 * unused; not covered by the check digits), then the national
 * identifier (letters and digits). The check digits are 98 minus the
 * mod-97 remainder of the national identifier followed by the country
 * code and "00", letters counting 10..35 (EPC262-08). A French ICS is 13
 * characters ("FR72ZZZ123456"), a German one 18; other countries 8 to
 * RB_ICS_MAX. Returns 0 when valid, -1 otherwise.
 */
int	 rb_ics_check(const char *ics);

#endif
