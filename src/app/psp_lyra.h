/*
 * psp_lyra.h: the Lyra form API (PayZen, Systempay, Sogecommerce)
 * behind app/psp.h, and its signature, also used by the stand-in
 * payment page (src/sandbox) and the tests.
 *
 * Signature: the values of the fields whose names start with "vads_",
 * in the byte order of their names, joined with '+', then '+' and the
 * shop key; HMAC-SHA-256 of that string keyed by the shop key, in
 * Base64, sent as the "signature" field.
 */
#ifndef RB_APP_PSP_LYRA_H
#define RB_APP_PSP_LYRA_H

#include <jansson.h>

#include "app/psp.h"
#include "base/crypto.h"

extern const struct rb_psp_provider rb_psp_lyra;

/*
 * The signature of fields, an object of name -> string value (other
 * names than vads_* and non-string values are ignored), into out.
 * Returns 0, or -1 when a vads_ value is not a string.
 */
int	rb_lyra_sign(const json_t *fields, const char *key,
	    char out[RB_HMAC_B64_LEN]);
/*
 * The object of the fields of form f (each name once; a repeated vads_
 * name or "signature" makes it NULL), owned by the caller.
 */
json_t	*rb_lyra_fields(const struct rb_form *f);
/*
 * 1 when f's "signature" is the signature of its vads_ fields with key
 * (compared in constant time), 0 otherwise.
 */
int	rb_lyra_verify(const json_t *fields, const char *key);
/* Maps a vads_trans_status word; -1 when unknown. */
int	rb_lyra_status(const char *word);

#endif
