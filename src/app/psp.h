/*
 * psp.h: card payment through a payment provider's hosted page, behind
 * one interface so that another protocol can be added later.
 *
 * The portal never sees a card. For an order it builds the fields of an
 * HTML form that the subscriber's browser posts to the provider's page
 * (pp_form); the provider then notifies the portal server to server
 * (IPN: the only proof of payment; the browser's return proves nothing)
 * and pp_notice checks and reads that notification. The provider
 * implementations know the wire format only: which order exists, what
 * it costs and what a notification changes is app/pay.c's business.
 *
 * The one implementation today is the Lyra form API (PayZen, Systempay,
 * Sogecommerce), app/psp_lyra.h.
 */
#ifndef RB_APP_PSP_H
#define RB_APP_PSP_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/config.h"
#include "base/form.h"

/* ISO 4217 numeric code of the euro, the one currency accepted. */
#define RB_PSP_CURRENCY		"978"

/* The provider's settings (strings borrowed from the configuration). */
struct rb_psp_cfg {
	const char	*pc_shop_id;	/* "" when card payment is off */
	const char	*pc_key;	/* key of the current mode */
	const char	*pc_mode;	/* "TEST" or "PRODUCTION" */
	const char	*pc_page_url;	/* the provider's payment page */
	const char	*pc_public_url;	/* the portal, seen by the provider */
};

/* Fills pc from cfg (psp_* settings; public_url when psp_public_url is
 * empty). The strings point into cfg. */
void	rb_psp_cfg_from_config(const struct rb_config *cfg,
	    struct rb_psp_cfg *pc);
/* 1 when card payment is configured (shop id, key and page URL). */
int	rb_psp_enabled(const struct rb_psp_cfg *pc);

/* What the provider is asked to take. */
struct rb_psp_order {
	int64_t		 po_id;		/* payment_orders.id */
	const char	*po_ref;	/* our reference, [A-Za-z0-9-], <= 32 */
	int64_t		 po_amount_cents;
	const char	*po_email;	/* the payer's address, or NULL */
	time_t		 po_created;
};

/* What a notification says, once checked. */
enum rb_psp_status {
	RB_PSP_SUCCEEDED,	/* the money is taken (or authorised) */
	RB_PSP_REFUSED,		/* card refused */
	RB_PSP_ABANDONED,	/* the payer gave up or the page expired */
	RB_PSP_PENDING,		/* still to be decided by the provider */
	RB_PSP__MAX
};

struct rb_psp_notice {
	char			 pn_ref[40];	/* our order reference */
	char			 pn_provider_ref[72]; /* its transaction id */
	int64_t			 pn_amount_cents;
	char			 pn_currency[8];
	enum rb_psp_status	 pn_status;
	char			 pn_raw_status[40]; /* the provider's word */
};

/* Outcome of reading a notification. */
enum rb_psp_check {
	RB_PSPC_OK,
	RB_PSPC_MALFORMED,	/* a field missing, repeated or malformed */
	RB_PSPC_BAD_SIGNATURE,
	RB_PSPC_WRONG_SHOP,	/* another shop id or mode */
	RB_PSPC__MAX
};

struct rb_psp_provider {
	const char	*pp_name;
	/*
	 * The fields of the form posted to pc_page_url for order o, with
	 * the return URL ("<public>/paiement/retour?commande=<ref>") and
	 * the notification URL ("<public>/paiement/notification"): a new
	 * array of {"name", "value"} (strings), owned by the caller.
	 */
	json_t		*(*pp_form)(const struct rb_psp_cfg *pc,
			    const struct rb_psp_order *o);
	/*
	 * Checks and reads the fields of a notification (a POST body) into
	 * *out. Returns RB_PSPC_OK, or another value with *why a static
	 * English phrase for the log.
	 */
	enum rb_psp_check (*pp_notice)(const struct rb_psp_cfg *pc,
			    const struct rb_form *f, struct rb_psp_notice *out,
			    const char **why);
};

/* The provider in use. */
const struct rb_psp_provider *rb_psp_provider(void);

#endif
