/*
 * agentdesk.h: the agents' back office on a customer: finding one from
 * what a caller says (a name, an email, a contract, meter or bill
 * number, the end of an IBAN, a postal code), and the customer's file,
 * every view of which is written to the audit log (GDPR: who looked at
 * whose data, when) and shown to the subscriber in /mes-donnees.
 */
#ifndef RB_APP_AGENTDESK_H
#define RB_APP_AGENTDESK_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/rc.h"
#include "store/db.h"

/* Hits shown at most for one search. */
#define RB_AGENT_SEARCH_MAX	50
/* Characters of the reason of a view kept in the audit log. */
#define RB_AGENT_REASON_MAX	200

/*
 * Searches customers for q, typed by an agent in the one search box.
 * kind is "" (or NULL) to tell the kind from the shape of q, or one of
 * "nom", "email", "contrat", "ancien", "compteur", "facture", "iban",
 * "cp" to force it. From the shape: an '@' is an email; 10 digits a
 * contract number; 5 digits a postal code; 4 digits the last four of an
 * IBAN (and an IBAN typed whole its last four); 7 digits and a letter
 * an old contract number; "FA" and 10 digits or a letter and 9 digits
 * an invoice number; a letter, 2 digits, 2 letters and 6 digits a
 * meter; letters only a name (prefix of "last first", or of "first
 * last" when there are two words or more, case and accents ignored);
 * anything else is searched as an old contract, meter and invoice
 * number and, when it holds a letter, a name. Spaces, dots and dashes
 * in numbers are ignored.
 *
 * Sets *out to {"q", "kinds": [French labels searched], "count" (the
 * contracts matching, summed over the kinds searched), "shown",
 * "capped" (bool), "hits": [rb_custsearch_run()'s hits]} with at most
 * RB_AGENT_SEARCH_MAX hits; the caller owns it. Returns RB_OK,
 * RB_INVALID with *msg a French sentence (and *out NULL) when q cannot
 * be searched (empty, too long, a name under two letters, an unknown
 * kind or a value that is not of the kind forced), or RB_ERROR.
 */
enum rb_rc	rb_agent_search(rb_db *db, const char *q, const char *kind,
		    json_t **out, const char **msg);

/*
 * Sets *out to the file of customer id as an agent sees it (see
 * agentdesk.c for the keys: identity, contracts with meters, last
 * readings, bills, payments, mandates with the IBAN masked, paperless
 * billing; web accounts with their recent sign-ins and security
 * events; contact requests), and writes the view to the audit log in
 * the same transaction: actor 'agent' agent_id, action
 * 'customer.view', target "customer:<id>", detail {"why": reason}
 * when a reason is given (may be NULL or ""; trimmed, control
 * characters made spaces, cut to RB_AGENT_REASON_MAX characters,
 * ignored when not UTF-8). The caller owns *out.
 * Returns RB_OK, RB_NOT_FOUND (no such customer: nothing audited), or
 * RB_ERROR (logged; nothing is shown when the view cannot be audited).
 */
enum rb_rc	rb_agent_customer(rb_db *db, int64_t id, int64_t agent_id,
		    const char *reason, const char *ip, time_t now,
		    json_t **out);

/*
 * Actions of an agent (agent) for customer `customer`, each audited
 * with actor 'agent' and the agent's id, from r->ar_ip at r->ar_now.
 * Each returns RB_OK with *notice a French sentence for the page,
 * RB_NOT_FOUND when the contract or account is not the customer's,
 * RB_INVALID with *msg a French sentence (nothing changed), or
 * RB_ERROR. Strings out are static.
 */
struct rb_auth_req;

/*
 * Re-establishes direct debit on contract `number`: the same use case
 * as the online mandate (app/sepa.h rb_sepa_mandate_input() and
 * rb_sepa_mandate_sign(), signed by customer service: no web account),
 * audited 'sepa.mandate_signed' (detail {"by": "agent"}), and the
 * mandate's notice (RB_MAIL_SEPA_SIGNED: RUM, masked IBAN, the link to
 * "Mes moyens de paiement", and the mandate PDF attached, drawn with
 * the creditor's ics and name: app/sepa.h rb_sepa_mandate_notice())
 * mailed to the contract's recipients (its web account, else the email
 * on file). RB_INVALID
 * for a bad IBAN or holder, or a contract that already has an active
 * mandate.
 */
enum rb_rc	rb_agent_mandate(const struct rb_auth_req *r,
		    const unsigned char *key, const char *ics,
		    const char *creditor, int64_t agent, int64_t customer,
		    const char *number, const char *holder, const char *iban,
		    const char **notice, const char **msg);

/*
 * Turns paperless billing of contract `number` on or off for its
 * subscriber: app/paperless.h's rb_paperless_switch() as the agent
 * (audited, confirmation mailed to the web account). RB_INVALID when
 * the contract has no web account (paperless bills go to it).
 */
enum rb_rc	rb_agent_paperless(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, const char *number, int on,
		    const char **notice, const char **msg);

/*
 * Records that the letter which lets contract `number` open a space was
 * posted (contracts.can_create_account, what app/auth_claim.c accepts
 * as "a bill or a letter"), audited 'contract.letter_sent'. No email:
 * the letter is the message.
 */
enum rb_rc	rb_agent_letter(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, const char *number, const char **notice,
		    const char **msg);

/*
 * Sets the braille of web account `account` of the customer (choice:
 * "aucun", "integral", "abrege"; app/braille.h rb_braille_set(), audited
 * 'braille.set' by the agent), after a "Demande de document en braille"
 * or a call. RB_INVALID (msg) for another choice.
 */
enum rb_rc	rb_agent_braille(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, int64_t account, const char *choice,
		    const char **notice, const char **msg);

/*
 * Sends again the activation email of pending web account `account`
 * (app/auth.h rb_auth_resend()), audited 'account.resend' by the agent.
 * RB_INVALID when the account is not pending.
 */
enum rb_rc	rb_agent_resend(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, int64_t account, const char **notice,
		    const char **msg);

/*
 * Lifts the sign-in block of web account `account`: empties the
 * rate-limit buckets of its email (sign-in, password reset, activation
 * resend, re-authentication; the identifier alone and from each
 * address), audited 'ratelimit.lift'. Blocks of an IP address for
 * every identifier stay (they protect everyone).
 */
enum rb_rc	rb_agent_unblock(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, int64_t account, const char **notice,
		    const char **msg);

/*
 * Corrects the holder's last name, first name and email on file (the
 * customer record; the postal address and phone numbers are "Mes
 * coordonnées", another module). Names are checked as at sign-up
 * (trimmed, NFC, no control character, 100 characters at most; the
 * last name required), the email by its shape (may be empty). Audited
 * 'customer.correct' with the old and new values (detail {"old",
 * "new"}); the notice RB_MAIL_DETAILS_CORRECTED goes to the old email
 * on file and to the new one. RB_INVALID with *msg when a value is
 * refused or nothing changes.
 */
enum rb_rc	rb_agent_contact(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, const char *last_name,
		    const char *first_name, const char *email,
		    const char **notice, const char **msg);

/*
 * Records the index m3 (whole m³) of meter `meter` (meters.id, on a
 * contract of customer, else RB_NOT_FOUND) for the subscriber: the same
 * rules as "Transmettre mon index" (app/readings.h rb_reading_submit()
 * with RB_READING_BY_AGENT: source 'customer', src_system 'agent',
 * audited 'reading.submitted' with the agent as actor). A lower index
 * is taken only with meter_change (the meter was replaced); a jump
 * above factor x the usual use only with jump_confirmed. Once
 * recorded, the notice RB_MAIL_READING_RECORDED goes to the contract's
 * recipients (its web accounts, else the email on file): the next bill
 * is computed from it.
 * Returns RB_OK with *notice set (recorded), RB_OK with *notice NULL
 * and *ask 1 when the jump must be confirmed (msg says why), RB_INVALID
 * with msg a French sentence (lower, same, a reading already today),
 * RB_NOT_FOUND or RB_ERROR. msg is written into (msglen bytes).
 */
enum rb_rc	rb_agent_reading(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, int64_t meter, int64_t m3,
		    int jump_confirmed, int meter_change, int factor, int *ask,
		    char *msg, size_t msglen, const char **notice);

/*
 * Corrects the billing address and phone numbers of customer (held by
 * the customer: every contract is billed there) through app/coords.h
 * rb_co_update() with RB_CO_BY_AGENT (one history row per changed field
 * with the agent, audit 'contact.changed' with the agent as actor), then
 * mails RB_MAIL_ADDRESS_CORRECTED (what changed; the new address in
 * full, a phone by its last two digits) to the recipients of each of
 * the customer's contracts, each address once. Returns RB_OK with
 * *notice; RB_INVALID with errs filled (a field refused) or *msg (the
 * customer holds no contract, or nothing changed); RB_NOT_FOUND;
 * RB_ERROR.
 */
struct rb_co_input;
struct rb_co_errors;
enum rb_rc	rb_agent_address(const struct rb_auth_req *r, int64_t agent,
		    int64_t customer, const struct rb_co_input *in,
		    struct rb_co_errors *errs, const char **notice,
		    const char **msg);

/*
 * The photo `token` sent with a reading of a meter of customer, for an
 * agent: fills *a and audits 'reading.photo' (target "customer:<id>",
 * detail {"attachment", "meter"}) by agent from ip at now. Returns 0,
 * 1 when there is no such photo of this customer (nothing audited), -1.
 */
struct rb_attachment;
int		rb_agent_photo(rb_db *db, int64_t agent, int64_t customer,
		    const char *token, const char *ip, time_t now,
		    struct rb_attachment *a);

/* Rows of the audit log shown at most. */
#define RB_AGENT_AUDIT_MAX	200

/*
 * The supervisors' audit log: the rows of actor ("agent:12",
 * "subscriber:5", "agent", "system"… or ""), target (exact, e.g.
 * "customer:12", or ""), from the day from to the day to included (ISO
 * dates, Paris days; "" for no bound), newest first, at most
 * RB_AGENT_AUDIT_MAX. Sets *out to {"rows": [...], "shown", "capped"}
 * (store/supervision.h's rows). Returns RB_OK, RB_INVALID with *msg a
 * French sentence when a filter is malformed, or RB_ERROR.
 */
enum rb_rc	rb_agent_audit_log(rb_db *db, const char *actor,
		    const char *target, const char *from, const char *to,
		    json_t **out, const char **msg);

/*
 * The supervisors' reports at now: {"requests": [by subject and age],
 * "payments_30": [by method, the last 30 days], "payments_year": [by
 * method, since 1 January in Paris]} (store/supervision.h). Returns
 * RB_OK or RB_ERROR.
 */
enum rb_rc	rb_agent_reports(rb_db *db, time_t now, json_t **out);

#endif
