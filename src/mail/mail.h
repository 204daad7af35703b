/*
 * mail.h: outgoing email. Use cases queue messages in the outbox (a
 * table, written in the caller's transaction); a sender delivers them
 * over SMTP with libcurl, with retries and back-off, or, in demo mode,
 * writes them to a folder that /_dev/courriels lists.
 *
 * Messages are French, multipart (text + HTML, and attached files when
 * queued with rb_mail_queue_files()), built from templates
 * compiled into the binary, and every link is absolute, built from the
 * configured public URL, never from a request's Host header.
 *
 * Start-up: fill a struct rb_mail_cfg (rb_mail_cfg_from_config() does it
 * from the robinet configuration), call rb_mail_init() once before any
 * thread queues mail, then, in `serve`, rb_mail_sender_start(). At exit:
 * rb_mail_sender_stop(), then rb_mail_shutdown().
 */
#ifndef RB_MAIL_H
#define RB_MAIL_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "base/config.h"
#include "store/db.h"

/*
 * The kinds of message, with the keys of `data` each one reads (besides
 * the ones every kind accepts: "first_name", the addressee's first name,
 * and "ttl_seconds", how long the link stays valid, shown as "24 heures";
 * both optional). "link" is an absolute URL under the public URL, or a
 * path starting with '/' that gets the public URL in front.
 */
enum rb_mail_kind {
	RB_MAIL_ACTIVATION,	/* "link" (required): "Activer votre espace
				   client" button */
	RB_MAIL_RESET,		/* "link" (required): choose a new password */
	RB_MAIL_EMAIL_CHANGE,	/* "link" (required): confirm the new address
				   (sent to the new one); "new_email" */
	RB_MAIL_EMAIL_CHANGED,	/* notice to the old address; "new_email" */
	RB_MAIL_SPACE_EXISTS,	/* someone tried to create a space again;
				   "link" (to the sign-in or reset page) */
	RB_MAIL_EMAIL_DIFFERS,	/* space requested with another email; sent
				   to the address on file; "link" */
	RB_MAIL_PASSWORD_CHANGED, /* notice; "link" optional */
	RB_MAIL_CONSUMPTION_ALERT, /* abnormal consumption (leak letter):
				   "contract_number" (also in the subject),
				   "volume", "average" (m³ text), "period_start",
				   "period_end" (French dates), "link" (required,
				   the consumption page) */
	RB_MAIL_CONTRACT_REFUSED, /* another account asked for a contract of
				   this space and was refused: "contract_number",
				   "link" (required, "Mon compte") */
	RB_MAIL_PAYMENT_RECEIPT, /* a card payment succeeded (app/pay.c):
				   "amount" (French text), "reference" (the
				   order's, also in the subject), "date"
				   (French date), "bills" [{"number",
				   "amount"}], "link" (optional, the bills) */
	/* SEPA direct debit (issue 9) */
	RB_MAIL_SEPA_PRENOTICE,	/* a debit to come: "contract_number" (also in
				   the subject), "amount", "date" (French),
				   "what" (the bill or instalment), "rum",
				   "ics"; "link" optional */
	RB_MAIL_SEPA_REJECTED,	/* a debit the bank returned: "contract_number"
				   (also in the subject), "amount", "what",
				   "reason" (French words), "code"; "link"
				   optional (the bills) */
	RB_MAIL_SEPA_CODE,	/* the one-time code that signs a mandate:
				   "code", "contract_number", "iban" (masked),
				   "ttl_seconds" */
	RB_MAIL_SEPA_PLAN,	/* a monthly plan started, its schedule is the
				   pre-notification of its 10 debits:
				   "contract_number" (also in the subject),
				   "rum", "instalments" [{"date", "amount"}];
				   "link" optional */
	RB_MAIL_SEPA_SIGNED,	/* a mandate was signed or cancelled online:
				   "contract_number", "rum", "iban" (masked),
				   "what" ("signé" or "révoqué"); "link"
				   optional; "pdf_attached" (bool, optional:
				   the mandate PDF is attached); "by_agent"
				   (bool, optional: customer service signed it
				   at the subscriber's request) */
	RB_MAIL_PAPERLESS_ON,	/* paperless billing switched on: confirmation;
				   "contract_number" (also in the subject),
				   "link" optional (default the space) */
	RB_MAIL_PAPERLESS_OFF,	/* switched off: same keys */
	RB_MAIL_BILL_READY,	/* a new bill of a paperless contract: "number",
				   "contract_number" (in the subject: never the
				   amount), "issued", "due" (French dates),
				   "link" (required, the bill's page) */
	/* issue 10, customer service */
	RB_MAIL_CONTACT_ACK,	/* a request to customer service was received:
				   "reference" (also in the subject),
				   "subject_label", "signed_in" (bool: the
				   link is "Mes demandes"); "link" optional */
	RB_MAIL_CONTACT_REPLY,	/* customer service answered a request:
				   "reference" (also in the subject),
				   "subject_label", "answer" (the agent's text),
				   "signed_in" (bool); "link" optional */
	/* issue 10, self-service */
	RB_MAIL_LEAK_ALERT,	/* a remote-read meter shows a possible leak:
				   "contract_number" (also in the subject),
				   "serial", "first_day", "last_day" (French
				   dates), "days", "litres" (a day, the least
				   of those days), "usual" (litres a day),
				   "factor", "link" (required, the daily
				   consumption page) */
	/* The back office (app/agentdesk.c) */
	RB_MAIL_DETAILS_CORRECTED, /* customer service corrected the name or
				   email on file: notice, no value repeated;
				   "link" optional (default the space) */
	/* The back office, round 2 (app/agentdesk.c) */
	RB_MAIL_READING_RECORDED, /* customer service recorded a meter
				   reading: "contract_number", "serial",
				   "index" (French m³), "date" (French),
				   "meter_change" (bool); "link" optional */
	RB_MAIL_ADDRESS_CORRECTED, /* customer service corrected the billing
				   address or phones: "changes" [{"label",
				   "value"}] (the new address in full, a
				   phone by its last two digits); "link"
				   optional */
	RB_MAIL__MAX
};

/* Settings of the mail module; strings are copied by rb_mail_init(). */
struct rb_mail_cfg {
	const char	*mc_public_url;	/* "https://eau.example", no final / */
	const char	*mc_from;	/* "Name <addr@domain>" or "addr@domain" */
	const char	*mc_smtp_url;	/* smtp://[user:pass@]host[:port] or
					   smtps://…; "" when not configured
					   (a secret: never logged) */
	int		 mc_smtp_starttls; /* refuse to send unless STARTTLS */
	int		 mc_smtp_timeout; /* seconds per message; 0: 30 */
	int		 mc_demo;	/* deliver to mc_mail_dir, not SMTP */
	const char	*mc_mail_dir;	/* demo: folder of <id>.eml files */
	const char	*mc_service_phone; /* shown in footers, or NULL */
	int		 mc_max_attempts; /* failures before giving up; 0: 10 */
	int		 mc_poll_interval; /* sender thread, seconds; 0: 5 */
	long long	 mc_attach_max;	/* bytes of files a message may carry;
					   0: 5 MiB */
};

/*
 * Fills mc from cfg (public_url, mail_from, smtp_url, smtp_starttls,
 * demo, mail_dir, service_phone, mail_attach_max_bytes, and smtp_timeout
 * and mail_max_attempts when the configuration has them); other fields get their defaults.
 * The strings point into cfg, which must outlive mc's use.
 */
void	rb_mail_cfg_from_config(const struct rb_config *cfg,
	    struct rb_mail_cfg *mc);

/*
 * Copies cfg, parses the sender address and the templates compiled into
 * the binary. Call it once at start-up, before other threads use this
 * module (again after rb_mail_shutdown() in tests). Returns 0, or -1 with
 * a one-line explanation in err (bad sender address or public URL, a
 * broken template).
 */
int	rb_mail_init(const struct rb_mail_cfg *cfg, char *err, size_t errlen);
/* Frees what rb_mail_init() made; the sender must be stopped first. */
void	rb_mail_shutdown(void);

/*
 * Queues one message of kind to address `to`, rendered with data (e.g.
 * {"first_name": …, "link": "https://…/activer?jeton=…"}). Does not
 * take ownership of data. The row is written on db, inside the caller's
 * transaction if one is open; the sender thread is woken. Returns 0, or
 * -1 (logged) when the module is not initialised, `to` is not a plain
 * address, a required key is missing, the link is not under the public
 * URL, or the database fails.
 */
int	rb_mail_queue(rb_db *db, enum rb_mail_kind kind, const char *to,
	    const json_t *data, time_t now);

/* A file to attach to a queued message; the caller owns every pointer. */
struct rb_mail_attach {
	const char	*ma_name;	/* UTF-8, e.g. "mandat-SEPA-….pdf";
					   no '/', '\\', '"' or controls */
	const char	*ma_type;	/* "application/pdf" */
	const void	*ma_data;
	size_t		 ma_len;
};

/*
 * rb_mail_queue() with n files attached (at most 4), stored with the row
 * in the same transaction so that every retry and every sender sends the
 * same bytes. Returns 0; RB_MAIL_FILES_REFUSED, nothing written, with
 * the reason in err (also logged) when there are too many files, a name
 * or type is refused, or the files together are larger than the
 * mail_attach_max_bytes setting ("attachments total N bytes, over the
 * limit of M (mail_attach_max_bytes)"); or -1 with a reason in err for
 * the failures of rb_mail_queue().
 */
#define RB_MAIL_FILES_REFUSED	(-2)
int	rb_mail_queue_files(rb_db *db, enum rb_mail_kind kind, const char *to,
	    const json_t *data, const struct rb_mail_attach *files, size_t n,
	    time_t now, char *err, size_t errlen);

/* Outcome of one rb_mail_send_due() call. */
struct rb_mail_stats {
	int	ms_sent;	/* delivered (or written, in demo mode) */
	int	ms_failed;	/* failed, to be retried later */
	int	ms_gave_up;	/* failed for the last time */
};

/*
 * Delivers up to max messages that are due at now (over SMTP, or to the
 * mail folder in demo mode) and records each outcome in the outbox.
 * Adds the counts to *st (may be NULL). Returns 0 when every message
 * could be handled (delivered or recorded as failed), -1 when the
 * database fails or SMTP is not configured outside demo mode (logged).
 */
int	rb_mail_send_due(rb_db *db, time_t now, int max,
	    struct rb_mail_stats *st);

/*
 * Starts the background sender of `serve`: a thread that, every
 * poll interval and whenever rb_mail_queue() wakes it, borrows a
 * connection from pool and runs rb_mail_send_due(). Returns NULL, with a
 * warning, when there is nowhere to deliver (no smtp_url outside demo
 * mode): mail then waits in the outbox for `robinet mail send`.
 */
struct rb_mail_sender *rb_mail_sender_start(rb_db_pool *pool);
/*
 * Stops the sender: a delivery in progress is abandoned (its message is
 * due again at once) and the thread is joined. NULL is allowed.
 */
void	rb_mail_sender_stop(struct rb_mail_sender *s);

/*
 * Demo mode only: sets *out to a new array describing the limit most
 * recent messages of the outbox, newest first, for /_dev/courriels:
 *	[{"id", "to", "subject", "created_at" (UTC seconds),
 *	  "created_local" ("2024-11-29 10:05", Paris time),
 *	  "status" ("sent", "pending" or "failed"), "attempts",
 *	  "last_error" (or null), "text" (plain-text body),
 *	  "links" (the absolute http(s) URLs of the text, in order)}]
 * Returns 0, or -1 with *out NULL when not in demo mode or the database
 * fails. The caller owns *out (json_decref).
 */
int	rb_mail_devbox_list(rb_db *db, int limit, json_t **out);

#endif
