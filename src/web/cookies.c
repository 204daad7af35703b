/*
 * cookies.c: the cookie mode and the cookies' names (see cookies.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "cookies.h"

static const char *const names[RB_COOKIES__MAX][RB_COOKIE__MAX] = {
	[RB_COOKIES_SECURE] = {
		[RB_COOKIE_SESSION] = "__Host-robinet",
		[RB_COOKIE_CSRF] = "__Host-robinet-csrf",
		[RB_COOKIE_ARCHIVE] = "__Host-robinet-archives",
		[RB_COOKIE_DEVICE] = "__Host-robinet-appareil",
		[RB_COOKIE_AGENT] = "__Host-robinet-agent",
	},
	[RB_COOKIES_PLAIN] = {
		[RB_COOKIE_SESSION] = "robinet",
		[RB_COOKIE_CSRF] = "robinet-csrf",
		[RB_COOKIE_ARCHIVE] = "robinet-archives",
		[RB_COOKIE_DEVICE] = "robinet-appareil",
		[RB_COOKIE_AGENT] = "robinet-agent",
	},
};

const char *
rb_cookie_name(enum rb_cookie_mode mode, enum rb_cookie c)
{
	return names[mode == RB_COOKIES_PLAIN ? RB_COOKIES_PLAIN :
	    RB_COOKIES_SECURE][c];
}

const char *
rb_cookie_secure_attr(enum rb_cookie_mode mode)
{
	return mode == RB_COOKIES_PLAIN ? "" : "Secure; ";
}

const char *
rb_cookie_mode_text(enum rb_cookie_mode mode)
{
	return mode == RB_COOKIES_PLAIN ?
	    "plain (no __Host- prefix, no Secure)" : "__Host- prefix, Secure";
}

/* 1 when host (text, IPv6 without brackets) is a loopback address. */
static int
loopback_addr(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
rb_url_is_loopback_http(const char *url)
{
	char host[64];
	const char *p, *end;
	size_t n;

	if (url == NULL || strncmp(url, "http://", 7) != 0)
		return 0;
	p = url + 7;
	/* The authority ends at the path; a user part ("a@b") is refused
	   whole rather than parsed. */
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL)
		return 0;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL || (close[1] != ':' && close + 1 != end))
			return 0;
		n = (size_t)(close - p - 1);
		p++;
	} else
		n = strcspn(p, ":/?#");
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	if (p[-1] != '[' && strcasecmp(host, "localhost") == 0)
		return 1;
	/* An IPv6 address only inside brackets. */
	if (p[-1] != '[' && strchr(host, ':') != NULL)
		return 0;
	return loopback_addr(host);
}

int
rb_listen_is_loopback(const char *listen)
{
	char host[64];
	const char *colon;
	size_t n;

	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL)
		return 0;
	n = (size_t)(colon - listen);
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
		listen++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, listen, n);
	host[n] = '\0';
	return strcasecmp(host, "localhost") == 0 || loopback_addr(host);
}

enum rb_cookie_mode
rb_cookie_mode_decide(const struct rb_config *cfg, char *why, size_t whylen)
{
	const char *url = rb_config_str(cfg, RB_CFG_PUBLIC_URL);
	const char *listen = rb_config_str(cfg, RB_CFG_LISTEN);

	if (!rb_config_int(cfg, RB_CFG_DEMO)) {
		snprintf(why, whylen, "not in demo mode");
		return RB_COOKIES_SECURE;
	}
	if (!rb_config_int(cfg, RB_CFG_DEMO_PLAIN_COOKIES)) {
		snprintf(why, whylen, "demo mode, but demo_plain_cookies is "
		    "false");
		return RB_COOKIES_SECURE;
	}
	if (!rb_url_is_loopback_http(url)) {
		snprintf(why, whylen, "demo mode, but public_url %s is not "
		    "http:// on a loopback host", url);
		return RB_COOKIES_SECURE;
	}
	if (!rb_listen_is_loopback(listen)) {
		snprintf(why, whylen, "demo mode, but the server listens on "
		    "%s, beyond loopback", listen);
		return RB_COOKIES_SECURE;
	}
	snprintf(why, whylen, "demo mode on loopback over plain HTTP "
	    "(public_url %s, listen %s): text browsers keep the cookies",
	    url, listen);
	return RB_COOKIES_PLAIN;
}
