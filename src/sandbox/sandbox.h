/*
 * sandbox.h: `robinet psp-sandbox`, a stand-in for a card payment
 * provider's hosted page speaking the Lyra form API (app/psp_lyra.h)
 * over real HTTP, for the demo and the tests. No real payment ever
 * happens: it takes no card data beyond a test number, and its pages
 * say so.
 *
 *   POST /vads-payment/        the portal's signed form: checked (the
 *                              signature, the shop id and mode, the
 *                              fields; a form used once only), then
 *                              the card page
 *   POST /vads-payment/carte   the card page's answer: 4970 1000 0000
 *                              0000 is accepted, 4970 1000 0000 0097
 *                              refused, "Annuler" abandons; the
 *                              notification (IPN) is posted with
 *                              libcurl to vads_url_check, then the
 *                              browser is sent back to vads_url_return
 *                              with the signed vads_* fields (303)
 *   GET  /                     what this is
 *
 * It is a test tool, not a use case: it depends on base/ and on the
 * signature of app/psp_lyra.h only.
 */
#ifndef RB_SANDBOX_H
#define RB_SANDBOX_H

#include <stddef.h>

struct rb_sandbox_cfg {
	const char	*sc_listen;	/* "127.0.0.1:8081"; port 0: any */
	const char	*sc_shop_id;
	const char	*sc_key;	/* key of sc_mode */
	const char	*sc_mode;	/* "TEST" or "PRODUCTION" */
};

struct rb_sandbox;

/* The card numbers the page prints and accepts. */
#define RB_SANDBOX_CARD_OK	"4970100000000000"
#define RB_SANDBOX_CARD_REFUSED	"4970100000000097"

/*
 * Starts the sandbox on its own threads; the strings of cfg are copied.
 * Returns NULL with a one-line reason in err (address taken…).
 * rb_sandbox_bind() then rb_sandbox_accept() is the same in two steps:
 * bind takes the address (its port is known; clients wait in the listen
 * queue), accept starts the threads that answer; serve drops root in
 * between, so that the sandbox never answers as root.
 */
struct rb_sandbox *rb_sandbox_start(const struct rb_sandbox_cfg *cfg,
		    char *err, size_t errlen);
struct rb_sandbox *rb_sandbox_bind(const struct rb_sandbox_cfg *cfg,
		    char *err, size_t errlen);
/* 0, or -1 with the reason in err (sb is then still to be stopped). */
int		 rb_sandbox_accept(struct rb_sandbox *sb, char *err,
		    size_t errlen);
/* The port it listens on. */
int		 rb_sandbox_port(const struct rb_sandbox *sb);
/* Stops it and frees everything; NULL is ignored. */
void		 rb_sandbox_stop(struct rb_sandbox *sb);

#endif
