/*
 * cmd_sandbox.c: `robinet psp-sandbox`, the stand-in card payment page
 * (src/sandbox) alone, and its start by `robinet serve --demo`.
 *
 * It listens on psp_sandbox_listen, or on the host of `listen` with
 * the next port, and takes the shop id, mode and key of the psp_*
 * settings, so that the portal and the sandbox agree.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sandbox/sandbox.h"
#include "cmd.h"

/* The demo shop: a key anyone may read, for a page that moves no money. */
#define DEMO_SHOP_ID	"12345678"
#define DEMO_KEY	"robinet-demo-shop-key-no-real-payment"

static void
sandbox_listen(const struct rb_config *cfg, char *out, size_t outlen)
{
	const char *l = rb_config_str(cfg, RB_CFG_LISTEN);
	const char *colon = strrchr(l, ':');
	long port;

	if (rb_config_str(cfg, RB_CFG_PSP_SANDBOX_LISTEN)[0] != '\0') {
		snprintf(out, outlen, "%s", rb_config_str(cfg,
		    RB_CFG_PSP_SANDBOX_LISTEN));
		return;
	}
	port = colon != NULL ? strtol(colon + 1, NULL, 10) : 0;
	snprintf(out, outlen, "%.*s:%ld", colon != NULL ? (int)(colon - l) :
	    0, l, port > 0 && port < 65535 ? port + 1 : 0);
}

static void
sandbox_cfg(const struct rb_config *cfg, char *listen, size_t len,
    struct rb_sandbox_cfg *sc)
{
	sandbox_listen(cfg, listen, len);
	sc->sc_listen = listen;
	sc->sc_shop_id = rb_config_str(cfg, RB_CFG_PSP_SHOP_ID);
	sc->sc_mode = rb_config_str(cfg, RB_CFG_PSP_MODE);
	sc->sc_key = rb_config_str(cfg, strcmp(sc->sc_mode, "PRODUCTION") ==
	    0 ? RB_CFG_PSP_PRODUCTION_KEY : RB_CFG_PSP_TEST_KEY);
}

/* "http://HOST:PORT" of the sandbox's address and actual port. */
static void
sandbox_url(const char *listen, int port, char *out, size_t outlen)
{
	const char *colon = strrchr(listen, ':');

	snprintf(out, outlen, "http://%.*s:%d", (int)(colon - listen), listen,
	    port);
}

int
cmd_psp_sandbox(struct rb_config *cfg, const struct rb_cmd_opts *o)
{
	struct rb_sandbox_cfg sc;
	struct rb_sandbox *sb;
	char listen[96], url[128], err[512];
	sigset_t set;
	int sig;

	(void)o;
	sandbox_cfg(cfg, listen, sizeof(listen), &sc);
	if (sc.sc_shop_id[0] == '\0' || sc.sc_key[0] == '\0') {
		fprintf(stderr, "robinet: psp-sandbox needs psp_shop_id and "
		    "the key of psp_mode (psp_test_key or psp_production_key), "
		    "the same as the portal's\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sb = rb_sandbox_start(&sc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "robinet: %s\n", err);
		return 1;
	}
	sandbox_url(listen, rb_sandbox_port(sb), url, sizeof(url));
	printf("robinet psp-sandbox: no real payment; payment page "
	    "%s/vads-payment/\n", url);
	fflush(stdout);
	sigwait(&set, &sig);
	rb_sandbox_stop(sb);
	return 0;
}

/* Sets key to value when it still has its default. */
static void
demo_default(struct rb_config *cfg, enum rb_cfg key, const char *value)
{
	char err[256];

	if (strcmp(cfg->cfg_from[key], "default") == 0 &&
	    rb_config_set(cfg, key, value, "demo", err, sizeof(err)) != 0)
		log_warnx("demo: %s", err);
}

struct rb_sandbox *
cmd_demo_sandbox(struct rb_config *cfg)
{
	struct rb_sandbox_cfg sc;
	struct rb_sandbox *sb;
	char listen[96], url[160], err[512];

	demo_default(cfg, RB_CFG_PSP_SHOP_ID, DEMO_SHOP_ID);
	demo_default(cfg, RB_CFG_PSP_TEST_KEY, DEMO_KEY);
	sandbox_cfg(cfg, listen, sizeof(listen), &sc);
	if (sc.sc_key[0] == '\0' || sc.sc_shop_id[0] == '\0') {
		log_warnx("demo: no psp key: no card payment");
		return NULL;
	}
	if ((sb = rb_sandbox_bind(&sc, err, sizeof(err))) == NULL) {
		log_warnx("demo: %s: no card payment", err);
		return NULL;
	}
	sandbox_url(listen, rb_sandbox_port(sb), url, sizeof(url));
	strncat(url, "/vads-payment/", sizeof(url) - strlen(url) - 1);
	demo_default(cfg, RB_CFG_PSP_PAGE_URL, url);
	log_info("demo: stand-in payment page (no real payment) at %s", url);
	return sb;
}
