/*
 * address.h: the email addresses Robinet writes into headers and SMTP
 * envelopes: plain ASCII addr-specs, and the sender as "Name <addr>".
 * Internal to src/mail.
 */
#ifndef RB_MAIL_ADDRESS_H
#define RB_MAIL_ADDRESS_H

#include <stddef.h>

/* Longest address accepted (RFC 5321 path limit less the brackets). */
#define RB_MAIL_ADDR_MAX	254

/*
 * Returns 1 if s is an address Robinet sends to: a dot-atom local part
 * (RFC 5322 atext and single dots, 1 to 64 bytes), '@', and a domain of
 * at least two dot-separated labels of letters, digits and inner
 * hyphens (1 to 63 bytes each); at most RB_MAIL_ADDR_MAX bytes in all.
 * Quoted local parts, address literals, non-ASCII, spaces and controls
 * (so any header injection) are refused: 0.
 */
int	rb_mail_addr_ok(const char *s);

/*
 * Splits a sender "Display Name <addr>" (the name may be quoted, may be
 * UTF-8, may be absent: "<addr>" or a bare "addr") into a display name
 * (possibly "") and an address, each a new string the caller frees.
 * Returns 0, or -1 with *name and *addr NULL when the address is not
 * accepted by rb_mail_addr_ok() or the name holds control characters,
 * invalid UTF-8, '<', '>', a double quote or a backslash (inside the
 * quotes), or more than 128 bytes.
 */
int	rb_mail_from_parse(const char *from, char **name, char **addr);

#endif
