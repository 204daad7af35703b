/*
 * reasons.h: the reason codes of SEPA direct debit R-transactions (ISO
 * 20022 ExternalStatusReason1Code, as the EPC rulebook uses them) in the
 * words a subscriber reads on a bill and in an email.
 */
#ifndef RB_SEPA_REASONS_H
#define RB_SEPA_REASONS_H

/*
 * Returns the French words of code ("AM04" -> "provision insuffisante"),
 * lower case, without final period. An unknown code gets a generic
 * sentence ("rejet par la banque"); NULL gets the same.
 */
const char *rb_sepa_reason_fr(const char *code);

#endif
