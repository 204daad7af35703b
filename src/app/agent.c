/*
 * agent.c: agents' accounts, sign-in with a second factor, agent
 * sessions, the admins' actions on agents, enrolment, and the demo's
 * agents (see agent.h).
 *
 * Sign-in does the same work whatever is wrong: a password
 * verification (a dummy one for an unknown email) and then, only when
 * the password is right and the agent active, the TOTP check; every
 * refusal is RB_DENIED, counted in the "agent" rate-limit buckets and
 * audited with its reason (for the audit log only). A success records
 * the step of the code in the same transaction as the new session, with
 * an UPDATE that only passes for a later step: two sign-ins with one
 * code cannot both succeed.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app/agent.h"
#include "app/auth_priv.h"
#include "base/log.h"
#include "store/agents.h"

static const char *const role_names[RB_ROLE__MAX] = {
	[RB_ROLE_NONE] = "",
	[RB_ROLE_AGENT] = "agent",
	[RB_ROLE_SUPERVISOR] = "supervisor",
	[RB_ROLE_ADMIN] = "admin",
};

static const char *const role_labels[RB_ROLE__MAX] = {
	[RB_ROLE_NONE] = "",
	[RB_ROLE_AGENT] = "Agent",
	[RB_ROLE_SUPERVISOR] = "Superviseur",
	[RB_ROLE_ADMIN] = "Administrateur",
};

enum rb_agent_role
rb_agent_role_parse(const char *s)
{
	int i;

	if (s == NULL || s[0] == '\0')
		return RB_ROLE_NONE;
	for (i = RB_ROLE_AGENT; i < RB_ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum rb_agent_role)i;
	return RB_ROLE_NONE;
}

const char *
rb_agent_role_name(enum rb_agent_role role)
{
	return role > RB_ROLE_NONE && role < RB_ROLE__MAX ? role_names[role] :
	    "";
}

const char *
rb_agent_role_label(enum rb_agent_role role)
{
	return role > RB_ROLE_NONE && role < RB_ROLE__MAX ? role_labels[role] :
	    "";
}

int
rb_agent_audit(const struct rb_auth_req *r, int64_t agent,
    const char *action, const char *target, const json_t *detail)
{
	return rb_auth_audit(r, RB_ACTOR_AGENT, agent, action, target, detail);
}

static const char *check_identity(const char *email, const char *name,
	    enum rb_agent_role role, char email_norm[RB_EMAIL_MAX],
	    char name_out[128]);

/* Fills en with secret in Base32 and its otpauth:// URI for email. */
static int
enrolment(const unsigned char secret[RB_TOTP_SECRET_LEN], const char *email,
    struct rb_agent_enrolment *en)
{
	if (rb_base32_encode(secret, RB_TOTP_SECRET_LEN, en->en_secret_b32,
	    sizeof(en->en_secret_b32)) != 0 ||
	    rb_totp_uri(RB_AGENT_TOTP_ISSUER, email, en->en_secret_b32,
	    en->en_uri, sizeof(en->en_uri)) != 0)
		return -1;
	return 0;
}

/* One try of the transactions of this file (rb_db_transact()). */
struct agent_new;

struct agent_txn {
	const struct rb_auth_req	*at_r;
	const struct rb_agent_row	*at_a;
	const struct rb_limit		*at_lm;
	const char			*at_action, *at_target;
	const json_t			*at_detail;
	int64_t				 at_actor, at_id, at_step;
	const char			*at_hash;	/* new password */
	int				 at_enrol;	/* clears enrolment */
	const char			*at_id_hash, *at_csrf;
	int64_t				 at_sid;	/* out */
	const struct agent_new		*at_new;
};

/*
 * Adds an agent (at_a: the row to add, its email, name, role, password
 * hash or enrolment) and audits "agent.create" by at_actor (system when
 * 0) with at_detail; its id into at_id. 0, 1 when an agent has the
 * address (rolled back) or -1.
 */
struct agent_new {
	const char	*an_email, *an_name, *an_role, *an_hash, *an_sealed;
	const char	*an_token_hash;
	int64_t		 an_expires;
};

static int
agent_add_try(rb_db *db, void *arg)
{
	struct agent_txn *t = arg;
	const struct agent_new *n = t->at_new;
	char target[32];
	int rc;

	rc = rb_agents_add(db, n->an_email, n->an_name, n->an_role,
	    n->an_hash, n->an_sealed, n->an_token_hash, n->an_expires,
	    t->at_r->ar_now, &t->at_id);
	if (rc == RB_CONSTRAINT && !rb_db_refused(db))
		return 1;
	if (rc != 0)
		return -1;
	snprintf(target, sizeof(target), "agent:%lld", (long long)t->at_id);
	return rb_auth_audit(t->at_r, t->at_actor != 0 ? RB_ACTOR_AGENT :
	    RB_ACTOR_SYSTEM, t->at_actor, "agent.create", target,
	    t->at_detail) != 0 ? -1 : 0;
}

/* Ends the session whose cookie hash is at_id_hash; 0 or -1. */
static int
agent_signout_try(rb_db *db, void *arg)
{
	const struct agent_txn *t = arg;
	char target[32];
	int64_t agent;

	if (rb_agent_sessions_delete(db, t->at_id_hash, &agent) != 0)
		return -1;
	if (agent == 0)
		return 0;
	snprintf(target, sizeof(target), "agent:%lld", (long long)agent);
	return rb_auth_audit(t->at_r, RB_ACTOR_AGENT, agent, "agent.signout",
	    target, NULL) != 0 ? -1 : 0;
}

/* New TOTP secret (at_hash: sealed) and enrolment (at_id_hash) for
 * agent at_id, its sessions ended; 0, 1 when no such agent, or -1. */
static int
reset_totp_try(rb_db *db, void *arg)
{
	const struct agent_txn *t = arg;
	int rc;

	if ((rc = rb_agents_set_enrol(db, t->at_id, t->at_hash,
	    t->at_id_hash, (int64_t)t->at_r->ar_now + RB_AGENT_ENROL_TTL)) !=
	    0)
		return rc < 0 ? -1 : 1;
	return rb_agent_sessions_delete_agent(db, t->at_id) != 0 ||
	    rb_auth_audit(t->at_r, RB_ACTOR_AGENT, t->at_actor,
	    "agent.totp_reset", t->at_target, NULL) != 0 ? -1 : 0;
}

/* Disables agent at_id (at_step: the time, 0 enables); 0, 1 when no
 * such agent, or -1. */
static int
set_disabled_try(rb_db *db, void *arg)
{
	const struct agent_txn *t = arg;
	int rc;

	if ((rc = rb_agents_set_disabled(db, t->at_id, t->at_step)) != 0)
		return rc < 0 ? -1 : 1;
	return rb_auth_audit(t->at_r, RB_ACTOR_AGENT, t->at_actor,
	    t->at_action, t->at_target, NULL) != 0 ? -1 : 0;
}

/* Counts a failure of at_lm and audits at_action by agent at_actor (or
 * anonymous when 0) about at_target; 0 or -1. */
static int
denied_try(rb_db *db, void *arg)
{
	const struct agent_txn *t = arg;

	(void)db;
	return rb_limit_fail(t->at_r, t->at_lm) != 0 ||
	    rb_auth_audit(t->at_r, t->at_actor != 0 ? RB_ACTOR_AGENT :
	    RB_ACTOR_ANONYMOUS, t->at_actor, t->at_action, t->at_target,
	    t->at_detail) != 0 ? -1 : 0;
}

enum rb_rc
rb_agent_create(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], int64_t creator,
    const char *email, const char *name, enum rb_agent_role role,
    const char *password, struct rb_agent_enrolment *en, int64_t *id,
    const char **why)
{
	char email_norm[RB_EMAIL_MAX], name_buf[128], hash[RB_PWHASH_MAX];
	char sealed[RB_TOTP_SEALED_MAX];
	unsigned char secret[RB_TOTP_SECRET_LEN];
	struct rb_pw_person who = { 0 };
	struct agent_new n;
	struct agent_txn t;
	int rc;

	*id = 0;
	memset(en, 0, sizeof(*en));
	if ((*why = check_identity(email, name, role, email_norm,
	    name_buf)) != NULL)
		return RB_INVALID;
	who.pp_email = email_norm;
	who.pp_last_name = name_buf;
	if ((*why = rb_password_check(password != NULL ? password : "",
	    &who)) != NULL)
		return RB_INVALID;
	if (rb_pwhash(password, hash) != 0)
		return RB_ERROR;
	rb_totp_secret_new(secret);
	rb_totp_seal(key, secret, sealed);
	rc = enrolment(secret, email_norm, en);
	sodium_memzero(secret, sizeof(secret));
	if (rc != 0)
		return RB_ERROR;
	memset(&n, 0, sizeof(n));
	n.an_email = email_norm;
	n.an_name = name_buf;
	n.an_role = rb_agent_role_name(role);
	n.an_hash = hash;
	n.an_sealed = sealed;
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_actor = creator;
	t.at_new = &n;
	if ((rc = rb_db_transact(r->ar_db, agent_add_try, &t)) != 0) {
		memset(en, 0, sizeof(*en));
		if (rc > 0) {
			*why = "Un agent a déjà cette adresse e-mail.";
			return RB_INVALID;
		}
		return RB_ERROR;
	}
	*id = t.at_id;
	return RB_OK;
}

/* Counts and audits a refused sign-in in one transaction. */
static enum rb_rc
signin_denied(const struct rb_auth_req *r, const struct rb_limit *lm,
    const char *email_norm, int64_t agent, const char *reason)
{
	struct agent_txn t;
	char target[RB_EMAIL_MAX + 8];
	json_t *detail;
	int rc;

	snprintf(target, sizeof(target), "email:%s", email_norm);
	detail = json_pack("{s:s}", "reason", reason);
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_lm = lm;
	t.at_actor = agent;
	t.at_action = "agent.signin.failed";
	t.at_target = email_norm[0] != '\0' ? target : NULL;
	t.at_detail = detail;
	rc = rb_db_transact(r->ar_db, denied_try, &t);
	json_decref(detail);
	return rc == 0 ? RB_DENIED : RB_ERROR;
}

/* The TOTP check of a known, active agent whose password was right:
 * 0 (*step set), "code" or "replay" through *reason, -1 on error. */
static int
check_code(const struct rb_agent_row *a,
    const unsigned char key[RB_TOTP_KEYBYTES], const char *code, time_t now,
    int64_t *step, const char **reason)
{
	unsigned char secret[RB_TOTP_SECRET_LEN];
	int rc;

	if (rb_totp_open(key, a->ar_totp_secret, secret) != 0) {
		log_errx("agent %lld: TOTP secret cannot be opened with the "
		    "data_key setting", (long long)a->ar_id);
		return -1;
	}
	rc = rb_totp_check(secret, sizeof(secret), code, now,
	    a->ar_totp_last_step, step);
	sodium_memzero(secret, sizeof(secret));
	*reason = rc == 0 ? NULL : rc == 2 ? "replay" : "code";
	return 0;
}

/* Fills out with agent a (no session). */
static void
agent_fill(const struct rb_agent_row *a, struct rb_agent *out)
{
	out->ag_id = a->ar_id;
	snprintf(out->ag_email, sizeof(out->ag_email), "%s", a->ar_email);
	snprintf(out->ag_name, sizeof(out->ag_name), "%s", a->ar_name);
	out->ag_role = rb_agent_role_parse(a->ar_role);
}

/*
 * Uses the TOTP step at_step of agent at_a (1 when another sign-in
 * used it first: rolled back), sets the password at_hash when not NULL
 * (and ends the enrolment when at_enrol), opens a session (cookie hash
 * at_id_hash, CSRF secret at_csrf; its id into at_sid), forgets at_lm's
 * failures and audits at_action. 0, 1 or -1.
 */
static int
open_session_try(rb_db *db, void *arg)
{
	struct agent_txn *t = arg;
	const struct rb_auth_req *r = t->at_r;
	const struct rb_agent_row *a = t->at_a;
	char target[32];
	int rc;

	if ((rc = rb_agents_use_step(db, a->ar_id, t->at_step)) != 0)
		return rc < 0 ? -1 : 1;
	if (t->at_hash != NULL &&
	    rb_agents_set_password(db, a->ar_id, t->at_hash) != 0)
		return -1;
	if (t->at_enrol && rb_agents_clear_enrol(db, a->ar_id) != 0)
		return -1;
	snprintf(target, sizeof(target), "agent:%lld", (long long)a->ar_id);
	return rb_agent_sessions_create(db, t->at_id_hash, a->ar_id,
	    t->at_csrf, r->ar_now, r->ar_ip, r->ar_user_agent,
	    &t->at_sid) != 0 ||
	    rb_limit_success(r, t->at_lm) != 0 ||
	    rb_auth_audit(r, RB_ACTOR_AGENT, a->ar_id, t->at_action, target,
	    NULL) != 0 ? -1 : 0;
}

/*
 * Runs open_session_try() for agent a: RB_OK (out filled), RB_DENIED
 * when the code was used meanwhile, or RB_ERROR.
 */
static enum rb_rc
open_session(const struct rb_auth_req *r, const struct rb_agent_row *a,
    const struct rb_limit *lm, int64_t step, const char *hash, int enrol,
    const char *action, struct rb_agent *out)
{
	struct agent_txn t;
	char id_hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	rb_token_new(out->ag_cookie);
	rb_token_new(out->ag_csrf);
	rb_token_hash(out->ag_cookie, id_hash);
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_a = a;
	t.at_lm = lm;
	t.at_step = step;
	t.at_hash = hash;
	t.at_enrol = enrol;
	t.at_action = action;
	t.at_id_hash = id_hash;
	t.at_csrf = out->ag_csrf;
	if ((rc = rb_db_transact(r->ar_db, open_session_try, &t)) != 0) {
		memset(out, 0, sizeof(*out));
		return rc > 0 ? RB_DENIED : RB_ERROR;
	}
	agent_fill(a, out);
	out->ag_session_id = t.at_sid;
	return RB_OK;
}

enum rb_rc
rb_agent_signin(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], const char *email,
    const char *password, const char *code, struct rb_agent *out,
    int *retry_after)
{
	struct rb_agent_row a;
	struct rb_limit lm;
	char email_norm[RB_EMAIL_MAX], rehash[RB_PWHASH_MAX];
	const char *reason = NULL;
	int64_t step = 0;
	int found = 1, password_ok = 0, limited, rc;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	if (password == NULL)
		password = "";
	rb_auth_norm_email(email, email_norm, sizeof(email_norm));
	rb_limit_init(&lm, r, RB_LIMIT_AGENT, email_norm);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;

	if (email_norm[0] != '\0' &&
	    (found = rb_agents_by_email(r->ar_db, email_norm, &a)) < 0)
		return RB_ERROR;
	if (found == 0 && a.ar_password_hash[0] != '\0')
		password_ok = rb_pwhash_verify(a.ar_password_hash,
		    password) == 0;
	else
		rb_pwhash_dummy(password);
	if (found != 0)
		reason = "unknown";
	else if (!password_ok)
		reason = "password";
	else if (a.ar_disabled_at != 0)
		reason = "disabled";
	else if (a.ar_totp_secret[0] == '\0')
		reason = "no_secret";
	else if (check_code(&a, key, code, r->ar_now, &step, &reason) != 0)
		return RB_ERROR;
	if (reason != NULL)
		return signin_denied(r, &lm, email_norm, found == 0 ? a.ar_id :
		    0, reason);

	rc = rb_pwhash_needs_rehash(a.ar_password_hash) == 1 &&
	    rb_pwhash(password, rehash) == 0;
	rc = open_session(r, &a, &lm, step, rc ? rehash : NULL, 0,
	    "agent.signin.ok", out);
	/* Another sign-in used this code first. */
	return rc == RB_DENIED ? signin_denied(r, &lm, email_norm, a.ar_id,
	    "replay") : (enum rb_rc)rc;
}

enum rb_rc
rb_agent_session(const struct rb_auth_req *r, const char *cookie,
    struct rb_agent *out)
{
	struct rb_agent_session_row row;
	char id_hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rb_auth_token_shaped(cookie))
		return RB_DENIED;
	rb_token_hash(cookie, id_hash);
	rc = rb_agent_sessions_find(r->ar_db, id_hash, r->ar_now,
	    AUTH_CFG(r, ac_agent_idle), AUTH_CFG(r, ac_agent_absolute), &row);
	if (rc != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	out->ag_id = row.as_agent_id;
	out->ag_session_id = row.as_id;
	out->ag_role = rb_agent_role_parse(row.as_role);
	snprintf(out->ag_csrf, sizeof(out->ag_csrf), "%s", row.as_csrf);
	snprintf(out->ag_email, sizeof(out->ag_email), "%s", row.as_email);
	snprintf(out->ag_name, sizeof(out->ag_name), "%s", row.as_name);
	return out->ag_role != RB_ROLE_NONE ? RB_OK : RB_DENIED;
}

enum rb_rc
rb_agent_signout(const struct rb_auth_req *r, const char *cookie)
{
	struct agent_txn t;
	char id_hash[RB_TOKEN_HASH_LEN + 1];

	if (!rb_auth_token_shaped(cookie))
		return RB_OK;
	rb_token_hash(cookie, id_hash);
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_id_hash = id_hash;
	return rb_db_transact(r->ar_db, agent_signout_try, &t) == 0 ? RB_OK :
	    RB_ERROR;
}

/* Checks email, name and role as rb_agent_create() does; writes the
 * normalised email and the clean name. NULL, or the French reason. */
static const char *
check_identity(const char *email, const char *name, enum rb_agent_role role,
    char email_norm[RB_EMAIL_MAX], char name_out[128])
{
	char local[128];
	const char *at;
	size_t n;

	if (rb_auth_norm_email(email, email_norm, RB_EMAIL_MAX) != 0)
		return "Adresse e-mail invalide.";
	if (role == RB_ROLE_NONE || role >= RB_ROLE__MAX)
		return "Rôle inconnu : agent, supervisor ou admin.";
	if (name == NULL || name[0] == '\0') {
		at = strchr(email_norm, '@');
		n = (size_t)(at - email_norm);
		if (n >= sizeof(local))
			n = sizeof(local) - 1;
		memcpy(local, email_norm, n);
		local[n] = '\0';
		name = local;
	}
	return rb_auth_check_name(name, 1, "Indiquez un nom.",
	    "Le nom est trop long.", name_out, 128);
}

enum rb_rc
rb_agent_invite(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], int64_t admin,
    const char *email, const char *name, enum rb_agent_role role,
    char *token, int64_t *id, const char **why)
{
	char email_norm[RB_EMAIL_MAX], name_buf[128], sealed[RB_TOTP_SEALED_MAX];
	char token_hash[RB_TOKEN_HASH_LEN + 1];
	unsigned char secret[RB_TOTP_SECRET_LEN];
	struct agent_new n;
	struct agent_txn t;
	json_t *detail;
	int rc;

	*id = 0;
	token[0] = '\0';
	if ((*why = check_identity(email, name, role, email_norm,
	    name_buf)) != NULL)
		return RB_INVALID;
	rb_totp_secret_new(secret);
	rb_totp_seal(key, secret, sealed);
	sodium_memzero(secret, sizeof(secret));
	rb_token_new(token);
	rb_token_hash(token, token_hash);
	memset(&n, 0, sizeof(n));
	n.an_email = email_norm;
	n.an_name = name_buf;
	n.an_role = rb_agent_role_name(role);
	n.an_sealed = sealed;
	n.an_token_hash = token_hash;
	n.an_expires = (int64_t)r->ar_now + RB_AGENT_ENROL_TTL;
	detail = json_pack("{s:s}", "role", rb_agent_role_name(role));
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_actor = admin;
	t.at_new = &n;
	t.at_detail = detail;
	rc = rb_db_transact(r->ar_db, agent_add_try, &t);
	json_decref(detail);
	if (rc != 0) {
		token[0] = '\0';
		if (rc > 0) {
			*why = "Un agent a déjà cette adresse e-mail.";
			return RB_INVALID;
		}
		return RB_ERROR;
	}
	*id = t.at_id;
	return RB_OK;
}

enum rb_rc
rb_agent_reset_totp(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], int64_t admin, int64_t id,
    char *token)
{
	char sealed[RB_TOTP_SEALED_MAX], token_hash[RB_TOKEN_HASH_LEN + 1];
	char target[32];
	unsigned char secret[RB_TOTP_SECRET_LEN];
	struct agent_txn t;
	int rc;

	token[0] = '\0';
	rb_totp_secret_new(secret);
	rb_totp_seal(key, secret, sealed);
	sodium_memzero(secret, sizeof(secret));
	rb_token_new(token);
	rb_token_hash(token, token_hash);
	snprintf(target, sizeof(target), "agent:%lld", (long long)id);
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_actor = admin;
	t.at_id = id;
	t.at_hash = sealed;
	t.at_id_hash = token_hash;
	t.at_target = target;
	if ((rc = rb_db_transact(r->ar_db, reset_totp_try, &t)) != 0) {
		token[0] = '\0';
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	}
	return RB_OK;
}

enum rb_rc
rb_agent_set_disabled(const struct rb_auth_req *r, int64_t admin,
    int64_t id, int disable)
{
	struct agent_txn t;
	char target[32];
	int rc;

	if (disable && id == admin)
		return RB_INVALID;
	snprintf(target, sizeof(target), "agent:%lld", (long long)id);
	memset(&t, 0, sizeof(t));
	t.at_r = r;
	t.at_actor = admin;
	t.at_id = id;
	t.at_step = disable ? (int64_t)r->ar_now : 0;
	t.at_action = disable ? "agent.disable" : "agent.enable";
	t.at_target = target;
	if ((rc = rb_db_transact(r->ar_db, set_disabled_try, &t)) != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	return RB_OK;
}

enum rb_rc
rb_agent_list(const struct rb_auth_req *r, json_t **out)
{
	size_t i;
	json_t *row;

	if (rb_agents_list(r->ar_db, out) != 0)
		return RB_ERROR;
	json_array_foreach(*out, i, row)
		json_object_set_new(row, "role_label", json_string(
		    rb_agent_role_label(rb_agent_role_parse(json_string_value(
		    json_object_get(row, "role"))))));
	return RB_OK;
}

enum rb_rc
rb_agent_get(const struct rb_auth_req *r, int64_t id, struct rb_agent *out)
{
	struct rb_agent_row a;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rb_agents_by_id(r->ar_db, id, &a)) != 0)
		return rc > 0 ? RB_NOT_FOUND : RB_ERROR;
	agent_fill(&a, out);
	return RB_OK;
}

/* The agent of a live enrolment token: 0, 1 when none, -1 on error. */
static int
enrol_agent(const struct rb_auth_req *r, const char *token,
    struct rb_agent_row *a)
{
	char token_hash[RB_TOKEN_HASH_LEN + 1];
	int rc;

	if (!rb_auth_token_shaped(token))
		return 1;
	rb_token_hash(token, token_hash);
	if ((rc = rb_agents_by_enrol(r->ar_db, token_hash, a)) != 0)
		return rc;
	if (a->ar_enrol_expires_at <= (int64_t)r->ar_now ||
	    a->ar_disabled_at != 0 || a->ar_totp_secret[0] == '\0')
		return 1;
	return 0;
}

enum rb_rc
rb_agent_enrol_check(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], const char *token,
    struct rb_agent *out, struct rb_agent_enrolment *en)
{
	unsigned char secret[RB_TOTP_SECRET_LEN];
	struct rb_agent_row a;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(en, 0, sizeof(*en));
	if ((rc = enrol_agent(r, token, &a)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	if (rb_totp_open(key, a.ar_totp_secret, secret) != 0) {
		log_errx("agent %lld: TOTP secret cannot be opened with the "
		    "data_key setting", (long long)a.ar_id);
		return RB_ERROR;
	}
	rc = enrolment(secret, a.ar_email, en);
	sodium_memzero(secret, sizeof(secret));
	if (rc != 0)
		return RB_ERROR;
	agent_fill(&a, out);
	return RB_OK;
}

enum rb_rc
rb_agent_enrol(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], const char *token,
    const char *password, const char *password2, const char *code,
    struct rb_agent *out, struct rb_auth_errors *errs,
    const char **code_error, int *retry_after)
{
	struct rb_pw_person who = { 0 };
	struct rb_agent_row a;
	struct rb_limit lm;
	struct agent_txn t;
	char hash[RB_PWHASH_MAX];
	const char *reason = NULL;
	int64_t step = 0;
	int rc, limited, bad;

	memset(out, 0, sizeof(*out));
	memset(errs, 0, sizeof(*errs));
	*code_error = NULL;
	*retry_after = 0;
	if ((rc = enrol_agent(r, token, &a)) != 0)
		return rc > 0 ? RB_DENIED : RB_ERROR;
	rb_limit_init(&lm, r, RB_LIMIT_AGENT, a.ar_email);
	if ((limited = rb_limit_check(r, &lm, retry_after)) != 0)
		return limited > 0 ? RB_LIMITED : RB_ERROR;
	who.pp_email = a.ar_email;
	who.pp_last_name = a.ar_name;
	bad = rb_auth_check_new_password(password, password2, &who, errs);
	if (check_code(&a, key, code, r->ar_now, &step, &reason) != 0)
		return RB_ERROR;
	if (reason != NULL) {
		*code_error = "Code incorrect : saisissez le code à 6 chiffres "
		    "affiché maintenant par votre application.";
		memset(&t, 0, sizeof(t));
		t.at_r = r;
		t.at_lm = &lm;
		t.at_actor = a.ar_id;
		t.at_action = "agent.enrol.failed";
		if (rb_db_transact(r->ar_db, denied_try, &t) != 0)
			return RB_ERROR;
	}
	if (bad > 0 || reason != NULL)
		return RB_INVALID;
	if (rb_pwhash(password, hash) != 0)
		return RB_ERROR;
	if ((rc = open_session(r, &a, &lm, step, hash, 1, "agent.enrol",
	    out)) == RB_DENIED) {
		*code_error = "Ce code a déjà servi : attendez le suivant.";
		return RB_INVALID;
	}
	return rc;
}

enum rb_rc
rb_agent_demo_ensure(const struct rb_auth_req *r,
    const unsigned char key[RB_TOTP_KEYBYTES], int *created)
{
	static const struct {
		const char		*dm_email;
		const char		*dm_name;
		enum rb_agent_role	 dm_role;
	} demo[] = {
		{ "admin.demo@robinet.test", "Alice Administratrice",
		    RB_ROLE_ADMIN },
		{ "superviseur.demo@robinet.test", "Samuel Superviseur",
		    RB_ROLE_SUPERVISOR },
		{ "agent.demo@robinet.test", "Agathe Agente", RB_ROLE_AGENT },
	};
	unsigned char secret[RB_TOTP_SECRET_LEN];
	char hash[RB_PWHASH_MAX] = "", sealed[RB_TOTP_SEALED_MAX];
	struct rb_agent_row a;
	size_t i, n;
	int64_t id;
	int rc;

	*created = 0;
	if (rb_base32_decode(RB_AGENT_DEMO_SECRET, secret, sizeof(secret),
	    &n) != 0 || n != sizeof(secret))
		return RB_ERROR;
	for (i = 0; i < sizeof(demo) / sizeof(demo[0]); i++) {
		if ((rc = rb_agents_by_email(r->ar_db, demo[i].dm_email,
		    &a)) <= 0) {
			if (rc < 0)
				return RB_ERROR;
			continue;
		}
		if (hash[0] == '\0' && rb_pwhash(RB_AGENT_DEMO_PASSWORD,
		    hash) != 0)
			return RB_ERROR;
		rb_totp_seal(key, secret, sealed);
		rc = rb_agents_add(r->ar_db, demo[i].dm_email, demo[i].dm_name,
		    rb_agent_role_name(demo[i].dm_role), hash, sealed, NULL, 0,
		    r->ar_now, &id);
		if (rc == RB_CONSTRAINT)
			continue;	/* another server was quicker */
		if (rc != 0)
			return RB_ERROR;
		(*created)++;
	}
	sodium_memzero(secret, sizeof(secret));
	return RB_OK;
}
