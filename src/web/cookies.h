/*
 * cookies.h: the names and attributes of every cookie the server sets,
 * in the one cookie mode decided at start-up from the configuration.
 *
 * In production every cookie is `__Host-`-prefixed and Secure (with
 * HttpOnly, SameSite and Path=/). A text browser (w3m, lynx) refuses
 * Secure cookies over plain HTTP, so the demo, which runs on plain HTTP
 * on loopback, would answer 403 to every form. Hence one exception, the
 * "plain" mode: demo mode, demo_plain_cookies left on, a public_url
 * that is http:// on a loopback host (127.0.0.0/8, [::1], localhost)
 * and a listen address on loopback. There cookies lose Secure and the
 * `__Host-` prefix (a browser refuses a `__Host-` cookie without
 * Secure); nothing else changes. Any other configuration keeps both.
 */
#ifndef RB_WEB_COOKIES_H
#define RB_WEB_COOKIES_H

#include <stddef.h>

struct rb_config;

enum rb_cookie_mode {
	RB_COOKIES_SECURE,	/* __Host- prefix and Secure: production */
	RB_COOKIES_PLAIN,	/* neither: demo on loopback http only */
	RB_COOKIES__MAX
};

/* Every cookie the server sets (docs/operations.md, "Cookies"). */
enum rb_cookie {
	RB_COOKIE_SESSION,	/* subscriber's session */
	RB_COOKIE_CSRF,		/* double-submit token before sign-in */
	RB_COOKIE_ARCHIVE,	/* archive visit */
	RB_COOKIE_DEVICE,	/* device where an identifier was proved */
	RB_COOKIE_AGENT,	/* agent's session (back office) */
	RB_COOKIE__MAX
};

/*
 * The cookie mode of cfg (the demo's public_url already filled in, see
 * cmd_demo_public_url): RB_COOKIES_PLAIN only in the case above, else
 * RB_COOKIES_SECURE. Writes one English sentence saying why into why
 * (whylen >= 1).
 */
enum rb_cookie_mode rb_cookie_mode_decide(const struct rb_config *cfg,
	    char *why, size_t whylen);

/* 1 when url is "http://HOST[:PORT][/...]" with HOST a loopback name
 * or address (127.0.0.0/8, [::1], localhost) and no user part; else 0
 * (https, other hosts, malformed URLs). */
int	rb_url_is_loopback_http(const char *url);

/* 1 when listen ("ADDR:PORT") is on a loopback address, else 0. */
int	rb_listen_is_loopback(const char *listen);

/* The cookie's name in mode: "__Host-robinet-csrf" or "robinet-csrf". */
const char *rb_cookie_name(enum rb_cookie_mode mode, enum rb_cookie c);

/* The attributes after "NAME=VALUE; " in mode: "Secure; " or "". */
const char *rb_cookie_secure_attr(enum rb_cookie_mode mode);

/* "__Host- prefix, Secure" or "plain (no __Host- prefix, no Secure)". */
const char *rb_cookie_mode_text(enum rb_cookie_mode mode);

#endif
