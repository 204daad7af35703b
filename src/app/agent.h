/*
 * agent.h: the customer-service agents' way into the back office, as
 * use cases (no HTTP, no SQL text): creating an agent, signing in with
 * a password and a TOTP code (RFC 6238), agent sessions, signing out,
 * and the audit rows of agent actions. docs/backoffice.md tells the
 * whole story.
 *
 * Same identity rules as the subscribers' (auth.h): one generic refusal
 * whatever was wrong (unknown email, wrong password, wrong or replayed
 * code, agent disabled or not enrolled), the same argon2id work for an
 * unknown email, failures rate-limited in the shared rate_limits table
 * (buckets "agent:*") and audited with actor_kind 'agent' when the agent
 * is known, 'anonymous' otherwise. A code is accepted once: the step it
 * belongs to must be later than the last step accepted for that agent.
 *
 * TOTP secrets are sealed under the data_key setting (base/totp.h):
 * every function that touches one takes that key.
 */
#ifndef RB_APP_AGENT_H
#define RB_APP_AGENT_H

#include <stdint.h>

#include <jansson.h>

#include "app/auth.h"
#include "base/crypto.h"
#include "base/totp.h"

/* Roles, in increasing order of what they may do: a route that needs
 * RB_ROLE_SUPERVISOR admits supervisors and admins. */
enum rb_agent_role {
	RB_ROLE_NONE = 0,	/* no agent / any agent (route tables) */
	RB_ROLE_AGENT,
	RB_ROLE_SUPERVISOR,
	RB_ROLE_ADMIN,
	RB_ROLE__MAX
};

/* "agent", "supervisor", "admin" -> the role; RB_ROLE_NONE otherwise
 * (NULL too). */
enum rb_agent_role rb_agent_role_parse(const char *s);
/* The stored name of role ("agent"…), "" for RB_ROLE_NONE. */
const char *rb_agent_role_name(enum rb_agent_role role);
/* The French label of role ("Agent", "Superviseur", "Administrateur"). */
const char *rb_agent_role_label(enum rb_agent_role role);

/* A signed-in agent, as pages see it (web/session.h, rb_req_agent). */
struct rb_agent {
	int64_t			 ag_id;
	int64_t			 ag_session_id;
	char			 ag_email[256];
	char			 ag_name[128];
	enum rb_agent_role	 ag_role;
	char			 ag_csrf[RB_TOKEN_LEN + 1];
	char			 ag_cookie[RB_TOKEN_LEN + 1];	/* on sign-in
								   only */
};

/* What an agent needs to enrol an authenticator app: the secret in
 * Base32 and the otpauth:// URI (base/totp.h). Shown once. */
struct rb_agent_enrolment {
	char	en_secret_b32[RB_TOTP_B32_MAX];
	char	en_uri[512];
};

/* The issuer name shown in authenticator apps. */
#define RB_AGENT_TOTP_ISSUER	"Eau de la Métropole"

/*
 * Creates an agent (the `robinet agent add` command): email (normalised
 * as the subscribers' are), name (display name; NULL or "" takes the
 * part of the email before '@'), role, password (checked against the
 * password policy, app/password.h). Draws a TOTP secret, seals it under
 * key and fills *en with it: the agent is enrolled when a first code is
 * accepted at sign-in. Audited ("agent.create", actor system, or agent
 * creator when not 0). Returns RB_OK (*id set), RB_INVALID with *why a
 * French sentence (bad email, name, role or password; email taken),
 * RB_ERROR.
 */
enum rb_rc rb_agent_create(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES], int64_t creator,
		    const char *email, const char *name,
		    enum rb_agent_role role, const char *password,
		    struct rb_agent_enrolment *en, int64_t *id,
		    const char **why);

/*
 * Signs an agent in with email, password and the 6-digit code of their
 * authenticator app at r->ar_now. On RB_OK fills *out with a new session
 * (ag_cookie to send; any earlier cookie of the browser should be
 * signed out by the caller). Otherwise RB_DENIED (any mistake, one
 * answer), RB_LIMITED (*retry_after seconds) or RB_ERROR.
 */
enum rb_rc rb_agent_signin(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES],
		    const char *email, const char *password, const char *code,
		    struct rb_agent *out, int *retry_after);
/* The agent session of cookie: RB_OK (out filled, touched), RB_DENIED
 * when none, expired or its agent disabled, RB_ERROR. */
enum rb_rc rb_agent_session(const struct rb_auth_req *r, const char *cookie,
		    struct rb_agent *out);
/* Ends the agent session of cookie (NULL or unknown: nothing);
 * audited "agent.signout". */
enum rb_rc rb_agent_signout(const struct rb_auth_req *r, const char *cookie);

/* --- the agents' admin page and enrolment (pages /agent/agents and
 * /agent/enrolement) --- */

/* How long an enrolment link lasts: 72 hours. */
#define RB_AGENT_ENROL_TTL	(72 * 3600)

/*
 * An admin (agent id `admin`) creates an agent without a password: a
 * new sealed TOTP secret and a single-use enrolment token, written to
 * token (RB_TOKEN_LEN + 1) for the link /agent/enrolement?jeton=TOKEN
 * that the admin hands over; the agent chooses a password and adds the
 * secret to an app there. Audited "agent.create". Returns RB_OK (*id
 * set), RB_INVALID (*why: bad email or name, email taken), RB_ERROR.
 */
enum rb_rc rb_agent_invite(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES], int64_t admin,
		    const char *email, const char *name,
		    enum rb_agent_role role, char *token, int64_t *id,
		    const char **why);
/*
 * Starts the enrolment of agent id again (lost phone): a new secret,
 * enrolled 0, a new enrolment token into token, and every session of
 * that agent ends; the old codes no longer work. Audited
 * "agent.totp_reset". RB_OK, RB_NOT_FOUND, RB_ERROR.
 */
enum rb_rc rb_agent_reset_totp(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES], int64_t admin,
		    int64_t id, char *token);
/*
 * Disables (disable 1) or re-enables (0) agent id; disabling ends its
 * sessions. An admin cannot disable themself (RB_INVALID). Audited
 * "agent.disable" / "agent.enable". RB_OK, RB_NOT_FOUND, RB_INVALID,
 * RB_ERROR.
 */
enum rb_rc rb_agent_set_disabled(const struct rb_auth_req *r,
		    int64_t admin, int64_t id, int disable);
/* Sets *out (owned by the caller) to every agent:
 * [{id, email, name, role, role_label, enrolled, disabled, created_at}] */
enum rb_rc rb_agent_list(const struct rb_auth_req *r, json_t **out);
/* The agent of id into *out (no session fields). RB_OK, RB_NOT_FOUND,
 * RB_ERROR. */
enum rb_rc rb_agent_get(const struct rb_auth_req *r, int64_t id,
		    struct rb_agent *out);

/*
 * The enrolment page of token: RB_OK with *out (the agent, no session)
 * and *en (its secret and URI, to show), RB_DENIED when the token is
 * unknown, used or expired (or the agent disabled), RB_ERROR.
 */
enum rb_rc rb_agent_enrol_check(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES],
		    const char *token, struct rb_agent *out,
		    struct rb_agent_enrolment *en);
/*
 * Completes the enrolment of token: password and its confirmation
 * (password policy), and a code of the new secret. On RB_OK the token is
 * used up, the agent enrolled, and *out is a new session (ag_cookie to
 * send). RB_INVALID with errs->ae_msg[RB_F_PASSWORD] /
 * [RB_F_PASSWORD2] set, or *code_error a French sentence for a wrong
 * code; RB_DENIED (token), RB_LIMITED (*retry_after), RB_ERROR.
 */
enum rb_rc rb_agent_enrol(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES],
		    const char *token, const char *password,
		    const char *password2, const char *code,
		    struct rb_agent *out, struct rb_auth_errors *errs,
		    const char **code_error, int *retry_after);

/*
 * Demo mode only (`robinet serve --demo`): the demo's back-office
 * agents, created when missing, with one documented password and one
 * fixed TOTP secret (README, "Demo identities"):
 *	admin.demo@robinet.test		admin
 *	superviseur.demo@robinet.test	supervisor
 *	agent.demo@robinet.test		agent
 * Sets *created to the number created. RB_OK or RB_ERROR.
 */
#define RB_AGENT_DEMO_PASSWORD	"back-office-demo-2024"
#define RB_AGENT_DEMO_SECRET	"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
enum rb_rc rb_agent_demo_ensure(const struct rb_auth_req *r,
		    const unsigned char key[RB_TOTP_KEYBYTES], int *created);

/*
 * Writes an audit row of an action by agent (actor_kind 'agent'):
 * action a dotted name ("customer.view"), target ("contract:…"), detail
 * (not taken; may be NULL), at r->ar_now from r->ar_ip. Runs in the
 * caller's transaction if one is open. 0, or -1 (logged).
 */
int	rb_agent_audit(const struct rb_auth_req *r, int64_t agent,
	    const char *action, const char *target, const json_t *detail);

#endif
