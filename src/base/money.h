/*
 * money.h: amounts and volumes written the French way, from integers.
 *
 * Money is kept in integer cents and volumes in integer litres (see
 * DESIGN.md); these functions only format them for people:
 * 123456 cents -> "1 234,56 €", 12345 litres -> "12,345 m³". Thousands
 * are grouped with a narrow no-break space (U+202F) and the unit is
 * preceded by a no-break space (U+00A0), as French typography asks.
 */
#ifndef RB_BASE_MONEY_H
#define RB_BASE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Longest output of the functions below, terminating NUL included. */
#define RB_MONEY_MAX	48

/*
 * Writes cents as "-1 234,56 €" into out (outlen >= RB_MONEY_MAX is
 * always enough). Returns the length written, or -1 if out is too small
 * (out then holds "").
 */
int	rb_money_fr(int64_t cents, char *out, size_t outlen);
/* Same without the currency sign: "1 234,56". */
int	rb_money_fr_plain(int64_t cents, char *out, size_t outlen);
/* Writes litres as cubic metres with three decimals: "12,345 m³". */
int	rb_volume_m3_fr(int64_t litres, char *out, size_t outlen);
/* Same as a plain number for data files (CSV): "12345,678", no
 * grouping, no unit. */
int	rb_volume_m3_plain(int64_t litres, char *out, size_t outlen);
/* Writes an integer with grouped thousands: "12 345". */
int	rb_int_fr(int64_t v, char *out, size_t outlen);

#endif
