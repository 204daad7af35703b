/*
 * contact.h: requests to customer service (/contact, "Mes demandes",
 * the agents' queue).
 *
 * A request has a subject from a closed list (stored as a stable code,
 * shown with its French wording), a first message and later messages
 * from the requester or agents, attachments (app/attachments.h), a
 * status (new, in_progress, answered, closed) and a reference people
 * quote: "D-YYYY-NNNNNN", the year it was made (Paris) and its row id
 * on at least six digits. The reference names a request, it never
 * opens it: the requester's side sees only the requests visible to
 * the signed-in account (store/contact.h): made while signed in, or
 * made signed out with the very address the account verified; any
 * other reference is "not found", whether it exists or not.
 *
 * Anti-abuse without CAPTCHA: a honeypot field people leave empty, a
 * minimum fill time read from a signed form token, and rate limits per
 * address (the IPv6 /64) and per email, all shared through the
 * database (store/ratelimit.h).
 */
#ifndef RB_APP_CONTACT_H
#define RB_APP_CONTACT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/attachments.h"
#include "app/rc.h"
#include "base/multipart.h"
#include "store/db.h"

enum rb_contact_subject {
	RB_SUBJ_DEBIT,
	RB_SUBJ_PAPERLESS,
	RB_SUBJ_BILL,
	RB_SUBJ_MOVING,
	RB_SUBJ_LEAK,
	RB_SUBJ_READING,
	RB_SUBJ_ACCESS,
	RB_SUBJ_BRAILLE,
	RB_SUBJ_OTHER,
	RB_SUBJ__MAX
};

struct rb_contact_subject_def {
	const char	*cs_code;	/* stored: "debit" */
	const char	*cs_label;	/* shown: "Remettre en place le
					   prélèvement" */
};
extern const struct rb_contact_subject_def rb_contact_subjects[RB_SUBJ__MAX];

/* The subject of code, or -1. */
int	rb_contact_subject_of(const char *code);
/* The French wording of code ("" when unknown). */
const char *rb_contact_subject_label(const char *code);
/* "Nouvelle", "En cours", "Répondue", "Close" for a status code. */
const char *rb_contact_status_label(const char *status);

struct rb_contact_cfg {
	struct rb_attach_cfg	cc_attach;
	int		cc_max_chars;	/* characters of one message */
	int		cc_min_fill;	/* seconds */
	int		cc_rl_window;	/* seconds */
	int		cc_rl_per_ip;
	int		cc_rl_per_email;
	const unsigned char *cc_key;	/* form token key */
	size_t		cc_keylen;
};

/* Fields of the form, for per-field messages. */
enum rb_contact_field {
	RB_CF_NAME,
	RB_CF_EMAIL,
	RB_CF_CONTRACT,
	RB_CF_POSTCODE,
	RB_CF_SUBJECT,
	RB_CF_MESSAGE,
	RB_CF_FILES,
	RB_CF__MAX
};

struct rb_contact_errors {
	const char	*ce_msg[RB_CF__MAX];	/* static or in ce_buf */
	char		 ce_buf[RB_ATTACH_MSG_MAX];	/* files */
	char		 ce_msgbuf[96];			/* message */
	const char	*ce_alert;	/* whole-form refusal, or NULL */
	int		 ce_retry_after; /* RB_LIMITED: seconds */
};

struct rb_contact_input {
	int64_t		 ci_account;	/* 0: signed out */
	const char	*ci_name;
	const char	*ci_email;	/* signed in: the account's */
	const char	*ci_contract;	/* "" for none */
	const char	*ci_postcode;	/* signed out only */
	const char	*ci_subject;	/* code */
	const char	*ci_message;
	const char	*ci_honeypot;	/* must be "" */
	const char	*ci_form_token;	/* from rb_contact_form_token() */
	const struct rb_uploads *ci_files;
	const char	*ci_ip;
	time_t		 ci_now;
};

/*
 * The signed token the form carries: when it was served, with an HMAC
 * under cc_key. Written into out (RB_CONTACT_TOKEN_MAX bytes).
 */
#define RB_CONTACT_TOKEN_MAX	80
void	rb_contact_form_token(const struct rb_contact_cfg *cc, time_t now,
	    char *out, size_t outlen);
/* Seconds since token was served, or -1 when it is forged, malformed
 * or from the future. */
long	rb_contact_token_age(const struct rb_contact_cfg *cc,
	    const char *token, time_t now);

/*
 * Makes a request: checks everything (fields, files, honeypot, fill
 * time, rate limits), then in one transaction inserts it, stores its
 * files, writes the audit entry and queues the acknowledgement email
 * (contact_ack) to the requester. For a signed-in requester
 * (ci_account), ci_contract must be one of the account's contracts or
 * "". Returns RB_OK with the reference in ref (24 bytes);
 * RB_INVALID with per-field messages or ce_alert (honeypot, too fast:
 * nothing stored); RB_LIMITED with ce_alert and ce_retry_after;
 * RB_ERROR.
 */
enum rb_rc rb_contact_create(rb_db *db, const struct rb_contact_cfg *cc,
	    const struct rb_contact_input *in, struct rb_contact_errors *errs,
	    char *ref, size_t reflen);

/* The numbers of account's contracts: a new array in *out. 0 or -1. */
int	rb_contact_contracts(rb_db *db, int64_t account, json_t **out);

/*
 * The requests visible to account (newest first), for "Mes demandes":
 * sets *out to a new array of {reference, subject, subject_label,
 * status, status_label, created (French date), updated}. 0 or -1.
 */
int	rb_contact_list(rb_db *db, int64_t account, json_t **out);

/*
 * One request with its messages and attachments: sets *out to a new
 * object {reference, subject_label, status, status_label, closed,
 * name, email, contract_number, created, messages: [{author
 * ("Vous", "Service client"), agent (bool), body, date, attachments:
 * [{token, kind, size}], has_attachments}]} when visible to account (account < 0: an
 * agent). Returns RB_OK, RB_NOT_FOUND (alike for another's and none),
 * RB_ERROR.
 */
enum rb_rc rb_contact_view(rb_db *db, const char *reference, int64_t account,
	    json_t **out);

/*
 * Adds the requester's message (with files) to a visible request:
 * checks like rb_contact_create() (message, files, rate limit per
 * address); a closed request takes no more messages (RB_INVALID, an
 * alert). An answered request goes back to in_progress. Returns RB_OK,
 * RB_NOT_FOUND, RB_INVALID, RB_LIMITED or RB_ERROR.
 */
enum rb_rc rb_contact_follow_up(rb_db *db, const struct rb_contact_cfg *cc,
	    const char *reference, int64_t account, const char *message,
	    const struct rb_uploads *files, const char *ip, time_t now,
	    struct rb_contact_errors *errs);

/*
 * The attachment token of a request visible to account (account < 0:
 * an agent): 0 with *a filled, 1 when either is not found or they do
 * not belong together (alike), -1 on failure.
 */
int	rb_contact_attachment(rb_db *db, const char *reference,
	    int64_t account, const char *token, struct rb_attachment *a);

/* ------------------------------------------------------------ agents */

/*
 * The queue: sets *out to a new array of the requests whose subject
 * code is subject and status is status (NULL or "" for any; an unknown
 * code is RB_INVALID), oldest first, at most limit, each {reference,
 * name, email, contract_number, customer_id (or null), subject,
 * subject_label, status, status_label, created, assigned_agent (or
 * null), mine (assigned to agent), debit (subject is direct debit)}.
 */
enum rb_rc rb_contact_queue_list(rb_db *db, const char *subject,
	    const char *status, int64_t agent, int limit, json_t **out);

/*
 * rb_contact_view() for agent agent, audited as contact.view (every
 * page an agent opens about a customer is in the audit log).
 */
enum rb_rc rb_contact_agent_view(rb_db *db, const char *reference,
	    int64_t agent, const char *ip, time_t now, json_t **out);

/*
 * rb_contact_attachment() for agent agent, audited as
 * contact.attachment with the token. 0, 1 (not found), -1.
 */
int	rb_contact_agent_attachment(rb_db *db, const char *reference,
	    int64_t agent, const char *token, const char *ip, time_t now,
	    struct rb_attachment *a);

/* Agent agent takes request reference: it becomes in_progress when new.
 * Audited (contact.assign). RB_OK, RB_NOT_FOUND, RB_ERROR. */
enum rb_rc rb_contact_assign_to(rb_db *db, const char *reference,
	    int64_t agent, const char *ip, time_t now);

/*
 * Agent agent answers request reference with text (checked like a
 * message: RB_INVALID with errs->ce_msg[RB_CF_MESSAGE]): the answer is
 * added to its messages (shown in "Mes demandes"), the request becomes
 * answered (and assigned to agent if it was nobody's), the answer is
 * emailed to the requester (contact_reply) and the action audited
 * (contact.answer), in one transaction. A closed request takes no
 * answer (RB_INVALID, ce_alert).
 */
enum rb_rc rb_contact_answer(rb_db *db, const struct rb_contact_cfg *cc,
	    const char *reference, int64_t agent, const char *text,
	    const char *ip, time_t now, struct rb_contact_errors *errs);

/* Agent agent closes request reference. Audited (contact.close).
 * RB_OK, RB_NOT_FOUND, RB_ERROR. */
enum rb_rc rb_contact_close(rb_db *db, const char *reference, int64_t agent,
	    const char *ip, time_t now);

/*
 * Retention (`robinet purge`): deletes the requests closed more than
 * RB_CONTACT_KEEP_YEARS years before now (what /mes-donnees announces,
 * app/gdpr.c), with their messages, their attachments' rows and files.
 * Requests not closed are kept. Sets the counts; RB_OK or RB_ERROR.
 */
#define RB_CONTACT_KEEP_YEARS	3
enum rb_rc rb_contact_purge(rb_db *db, const struct rb_attach_cfg *ac,
	    time_t now, int64_t *nrequests, int64_t *nfiles);

#endif
