/*
 * agents.h: SQL of customer-service agents and of their sessions
 * (tables agents and agent_sessions, migration 0014). Agent sessions
 * work like the subscribers' (sessions.h): the cookie value is never
 * stored, only its SHA-256; a session is valid while used within `idle`
 * seconds, created within `absolute` seconds, and its agent is not
 * disabled.
 */
#ifndef RB_STORE_AGENTS_H
#define RB_STORE_AGENTS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/totp.h"
#include "store/db.h"

/* One agent as stored. Texts are "" when NULL in the database. */
struct rb_agent_row {
	int64_t		 ar_id;
	char		 ar_email[256];
	char		 ar_name[128];
	char		 ar_role[16];		/* agent, supervisor, admin */
	char		 ar_password_hash[RB_PWHASH_MAX];
	char		 ar_totp_secret[RB_TOTP_SEALED_MAX];
	int64_t		 ar_totp_last_step;
	int		 ar_enrolled;
	int64_t		 ar_enrol_expires_at;	/* 0 when none */
	int64_t		 ar_disabled_at;	/* 0 when active */
	int64_t		 ar_created_at;
};

/*
 * Adds an agent: email (normalised), name, role ("agent", "supervisor"
 * or "admin"), password_hash and totp_sealed (either may be NULL: chosen
 * at enrolment), enrol_hash and enrol_expires (NULL and 0: no
 * enrolment link), created at now. Sets *id. Returns 0, RB_CONSTRAINT
 * when the email is taken (or the role unknown), -1 on error.
 */
int	rb_agents_add(rb_db *db, const char *email, const char *name,
	    const char *role, const char *password_hash,
	    const char *totp_sealed, const char *enrol_hash,
	    int64_t enrol_expires, time_t now, int64_t *id);

/* Finds the agent of email (normalised) / of id / whose enrolment
 * token hashes to enrol_hash (expired or not: the caller checks
 * ar_enrol_expires_at). 0 (out filled), 1 when none, -1 on error. */
int	rb_agents_by_email(rb_db *db, const char *email,
	    struct rb_agent_row *out);
int	rb_agents_by_id(rb_db *db, int64_t id, struct rb_agent_row *out);
int	rb_agents_by_enrol(rb_db *db, const char *enrol_hash,
	    struct rb_agent_row *out);

/*
 * Records that the code of step was accepted for agent id: sets
 * totp_last_step to step and enrolled to 1, only when step is greater
 * than the stored last step (so that two sign-ins racing with one code
 * cannot both pass). Returns 0 when recorded, 1 when step was not
 * greater (a replay), -1 on error.
 */
int	rb_agents_use_step(rb_db *db, int64_t id, int64_t step);

/* Replaces the password hash of agent id (rehash, enrolment). 0 or -1. */
int	rb_agents_set_password(rb_db *db, int64_t id, const char *hash);

/*
 * Starts (or restarts) the enrolment of agent id: a new sealed secret,
 * totp_last_step 0, enrolled 0, and the enrolment token enrol_hash valid
 * until expires (NULL, 0: none). 0, 1 when no such agent, -1 on error.
 */
int	rb_agents_set_enrol(rb_db *db, int64_t id, const char *totp_sealed,
	    const char *enrol_hash, int64_t expires);
/* Ends the enrolment link of agent id (used once). 0 or -1. */
int	rb_agents_clear_enrol(rb_db *db, int64_t id);

/* Disables agent id at now (0 re-enables it) and deletes its sessions.
 * 0, 1 when no such agent, -1 on error. */
int	rb_agents_set_disabled(rb_db *db, int64_t id, time_t now);

/*
 * Sets *out to a new array of every agent, by email:
 *	[{"id", "email", "name", "role", "enrolled", "disabled",
 *	  "created_at"}]
 * The caller owns *out. 0, or -1 with *out NULL.
 */
int	rb_agents_list(rb_db *db, json_t **out);

/* --- sessions --- */

/* What rb_agent_sessions_find() returns: the session and its agent. */
struct rb_agent_session_row {
	int64_t		 as_id;
	int64_t		 as_agent_id;
	int64_t		 as_created_at;
	int64_t		 as_last_seen_at;
	char		 as_csrf[RB_TOKEN_LEN + 1];
	char		 as_email[256];
	char		 as_name[128];
	char		 as_role[16];
};

/* Stores a new session of agent (ip, user_agent may be NULL; cut to 64
 * and 256 bytes). Sets *id. 0 or -1. */
int	rb_agent_sessions_create(rb_db *db, const char *id_hash,
	    int64_t agent, const char *csrf, time_t now, const char *ip,
	    const char *user_agent, int64_t *id);
/*
 * Finds the valid session of id_hash at now and fills out; touches it
 * (last_seen_at, at most once per RB_SESSION_TOUCH_S); deletes it when
 * expired or its agent disabled. 0, 1 when none valid, -1 on error.
 */
int	rb_agent_sessions_find(rb_db *db, const char *id_hash, time_t now,
	    int idle, int absolute, struct rb_agent_session_row *out);
/* Deletes the session of id_hash; *agent (if not NULL) gets its agent,
 * 0 when none. 0 or -1. */
int	rb_agent_sessions_delete(rb_db *db, const char *id_hash,
	    int64_t *agent);
/* Deletes every session of agent. 0 or -1. */
int	rb_agent_sessions_delete_agent(rb_db *db, int64_t agent);
/* Deletes every session expired at now. 0 or -1. */
int	rb_agent_sessions_purge(rb_db *db, time_t now, int idle,
	    int absolute);

#endif
