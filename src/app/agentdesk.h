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
 * when a reason is given (may be NULL or ""). The caller owns *out.
 * Returns RB_OK, RB_NOT_FOUND (no such customer: nothing audited), or
 * RB_ERROR (logged; nothing is shown when the view cannot be audited).
 */
enum rb_rc	rb_agent_customer(rb_db *db, int64_t id, int64_t agent_id,
		    const char *reason, const char *ip, time_t now,
		    json_t **out);

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
