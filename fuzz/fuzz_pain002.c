/*
 * fuzz_pain002.c: libFuzzer target for src/sepa/pain002.c, the reader of
 * the bank's status reports (a file from outside). The input is parsed
 * as a pain.002; the target aborts when a promise of pain002.h is
 * broken: a failure always says why and returns nothing, a success has
 * at least one status, every status is one of the known four-letter
 * ones, every rejection carries a four-character reason, references are
 * NUL-terminated within their arrays, and no reference appears twice at
 * the same level.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sepa/pain002.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_pain002 p;
	char err[256];
	size_t i, j;

	if (rb_pain002_parse((const char *)data, size, &p, err,
	    sizeof(err)) != 0) {
		CHECK(err[0] != '\0');
		CHECK(p.p2_items == NULL && p.p2_n == 0);
		return 0;
	}
	CHECK(p.p2_n >= 1 && p.p2_msg_id[0] != '\0');
	CHECK(memchr(p.p2_orgnl_msg_id, '\0', sizeof(p.p2_orgnl_msg_id)));
	for (i = 0; i < p.p2_n; i++) {
		const struct rb_pain002_item *it = &p.p2_items[i];

		CHECK(memchr(it->pi_ref, '\0', sizeof(it->pi_ref)) != NULL);
		CHECK(strlen(it->pi_status) == 4);
		if (rb_pain002_is_reject(it))
			CHECK(strlen(it->pi_reason) == 4);
		else
			CHECK(it->pi_reason[0] == '\0');
		for (j = i + 1; j < p.p2_n; j++)
			CHECK(it->pi_level != p.p2_items[j].pi_level ||
			    strcmp(it->pi_ref, p.p2_items[j].pi_ref) != 0);
	}
	rb_pain002_free(&p);
	return 0;
}
