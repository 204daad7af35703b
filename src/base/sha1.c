/*
 * sha1.c: SHA-1 and HMAC-SHA-1 (see sha1.h), written from FIPS 180-4
 * section 6.1 and RFC 2104.
 */
#include <string.h>

#include <sodium.h>

#include "base/sha1.h"

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
block(struct rb_sha1 *c, const unsigned char *p)
{
	uint32_t w[80], a, b, cc, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->sh_h[0];
	b = c->sh_h[1];
	cc = c->sh_h[2];
	d = c->sh_h[3];
	e = c->sh_h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = cc;
		cc = rol(b, 30);
		b = a;
		a = t;
	}
	c->sh_h[0] += a;
	c->sh_h[1] += b;
	c->sh_h[2] += cc;
	c->sh_h[3] += d;
	c->sh_h[4] += e;
	sodium_memzero(w, sizeof(w));
}

void
rb_sha1_init(struct rb_sha1 *c)
{
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
	    0x10325476, 0xc3d2e1f0 };

	memcpy(c->sh_h, h0, sizeof(h0));
	c->sh_len = 0;
	c->sh_used = 0;
}

void
rb_sha1_update(struct rb_sha1 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	c->sh_len += len;
	while (len > 0) {
		n = RB_SHA1_BLOCK - c->sh_used;
		if (n > len)
			n = len;
		memcpy(c->sh_buf + c->sh_used, p, n);
		c->sh_used += n;
		p += n;
		len -= n;
		if (c->sh_used == RB_SHA1_BLOCK) {
			block(c, c->sh_buf);
			c->sh_used = 0;
		}
	}
}

void
rb_sha1_final(struct rb_sha1 *c, unsigned char out[RB_SHA1_LEN])
{
	uint64_t bits = c->sh_len * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	int i;

	rb_sha1_update(c, &pad, 1);
	while (c->sh_used != RB_SHA1_BLOCK - 8)
		rb_sha1_update(c, &zero, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	rb_sha1_update(c, len, 8);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c->sh_h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->sh_h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->sh_h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->sh_h[i];
	}
	sodium_memzero(c, sizeof(*c));
}

void
rb_sha1(const void *data, size_t len, unsigned char out[RB_SHA1_LEN])
{
	struct rb_sha1 c;

	rb_sha1_init(&c);
	rb_sha1_update(&c, data, len);
	rb_sha1_final(&c, out);
}

void
rb_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[RB_SHA1_LEN])
{
	unsigned char k[RB_SHA1_BLOCK], pad[RB_SHA1_BLOCK], inner[RB_SHA1_LEN];
	struct rb_sha1 c;
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > RB_SHA1_BLOCK)
		rb_sha1(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < RB_SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	rb_sha1_init(&c);
	rb_sha1_update(&c, pad, sizeof(pad));
	rb_sha1_update(&c, msg, len);
	rb_sha1_final(&c, inner);
	for (i = 0; i < RB_SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	rb_sha1_init(&c);
	rb_sha1_update(&c, pad, sizeof(pad));
	rb_sha1_update(&c, inner, sizeof(inner));
	rb_sha1_final(&c, out);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}
