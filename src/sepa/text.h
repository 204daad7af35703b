/*
 * text.h: text for SEPA files: the Latin character set of the EPC
 * implementation guidelines (a-z A-Z 0-9 / - ? : ( ) . , ' + space),
 * amounts in euros with two decimals, and XML escaping.
 *
 * Names and remittance text come from people (accents, "&", "<"…): they
 * are brought into the SEPA set by transliteration ("é" -> "e", "œ" ->
 * "oe", "ß" -> "ss") and any other character becomes a space, so a file
 * is never refused by a bank for a character and never carries markup.
 */
#ifndef RB_SEPA_TEXT_H
#define RB_SEPA_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Writes into out (outlen bytes, >= 1) the SEPA form of the UTF-8 text
 * in: transliterated, other characters turned into spaces, runs of
 * spaces collapsed, trimmed, and cut to max characters (and outlen - 1).
 * NULL in gives "". Returns the length written.
 */
size_t	 rb_sepa_text(const char *in, size_t max, char *out, size_t outlen);

/* Returns 1 when every byte of s is in the SEPA set (s non-empty). */
int	 rb_sepa_text_is_clean(const char *s);

/*
 * Writes cents as a decimal amount "1234.56" (a minus sign for a
 * negative value) into out (24 bytes is always enough).
 */
void	 rb_sepa_amount(int64_t cents, char *out, size_t outlen);

/* Writes s to f escaping & < > " ' for XML text. Returns 0 or EOF. */
int	 rb_sepa_xml_puts(FILE *f, const char *s);

#endif
