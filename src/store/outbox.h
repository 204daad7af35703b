/*
 * outbox.h: the SQL of the mail outbox (table mail_outbox).
 *
 * A message is queued as a row (recipient, subject, text and HTML bodies)
 * in the caller's transaction, so it exists exactly when the change that
 * caused it was committed. Senders then claim due rows, deliver them and
 * mark each one sent or failed:
 *
 *	claim		rows not sent, with fewer than max_attempts failures
 *			and next_attempt_at <= now; claiming pushes their
 *			next_attempt_at to a lease deadline in the same
 *			statement, so two senders (the thread inside `serve`
 *			and `robinet mail send` from cron, or several app
 *			servers) never take the same row, and a sender that
 *			dies leaves its rows to be retried once the lease ends.
 *	mark sent	sent_at = now.
 *	mark failed	attempts + 1, last_error, next_attempt_at = now + the
 *			back-off delay of rb_outbox_retry_delay(); once
 *			attempts reaches max_attempts the row is given up:
 *			next_attempt_at becomes RB_OUTBOX_NEVER, so it is
 *			never claimed again, and last_error says so.
 *	release		a claimed row handed back untried (shutdown): due
 *			again at once, attempts unchanged.
 *	forget bodies	once sent or given up, the bodies (which hold
 *			single-use links) are emptied and the attached files
 *			deleted; the row stays as the record of the delivery.
 *
 * Attached files live in mail_attachments (migration 0017), base64 in a
 * TEXT column, written in the same transaction as their row; a claimed
 * message comes with them decoded, so every retry and every sender
 * sends the same bytes.
 */
#ifndef RB_STORE_OUTBOX_H
#define RB_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* Failures after which a message is given up, by default. */
#define RB_OUTBOX_MAX_ATTEMPTS	10
/* First retry delay and its cap, in seconds (1 min, 2, 4 ... 6 h). */
#define RB_OUTBOX_RETRY_FIRST	60
#define RB_OUTBOX_RETRY_MAX	(6 * 3600)
/* next_attempt_at of a message given up. */
#define RB_OUTBOX_NEVER		INT64_MAX
/* Prefix of last_error once a message has been given up. */
#define RB_OUTBOX_GAVE_UP	"gave up after "

/* A file of a claimed message; owned by the message. */
struct rb_outbox_file {
	char		*of_name;
	char		*of_type;
	unsigned char	*of_data;	/* of_len bytes (NULL when 0) */
	size_t		 of_len;
};

/* A claimed message; every string is owned by the message. */
struct rb_outbox_msg {
	int64_t	 om_id;
	char	*om_to;
	char	*om_subject;
	char	*om_text;
	char	*om_html;	/* NULL when the message has no HTML part */
	int64_t	 om_created_at;
	int	 om_attempts;	/* failures so far */
	struct rb_outbox_file *om_files; /* in order; NULL when none */
	size_t	 om_nfiles;
	int	 om_bad_files;	/* a stored file did not decode: the
				   message can never be sent as queued */
};

/*
 * Queues a message due at once. html may be NULL. On success returns 0
 * and, when id is not NULL, the new row's id in *id. Returns -1 when the
 * database fails (logged).
 */
int	rb_outbox_enqueue(rb_db *db, const char *to, const char *subject,
	    const char *text, const char *html, int64_t now, int64_t *id);

/*
 * Attaches a file to queued message id (call it in the transaction that
 * queued it) at position (0, 1 … in order): name and type as given,
 * data[0..len) stored in base64. Returns 0, or -1 (logged).
 */
int	rb_outbox_attach(rb_db *db, int64_t id, int position,
	    const char *name, const char *type, const void *data, size_t len);

/*
 * Claims at most limit due messages (see above) for the caller until
 * lease_until, oldest due first. Call it outside a transaction: two
 * callers at once, on any connections, never get the same message. On
 * success returns 0 with a new array of
 * *n messages in *msgs (NULL when *n is 0), which the caller frees with
 * rb_outbox_msgs_free(). Returns -1 with *msgs NULL and *n 0 when the
 * database fails (logged).
 */
int	rb_outbox_claim(rb_db *db, int64_t now, int64_t lease_until,
	    int max_attempts, int limit, struct rb_outbox_msg **msgs,
	    size_t *n);
/* Frees msgs[0..n) and the array; NULL is allowed. */
void	rb_outbox_msgs_free(struct rb_outbox_msg *msgs, size_t n);

/* Marks message id sent at now. 0, or -1 (logged). */
int	rb_outbox_mark_sent(rb_db *db, int64_t id, int64_t now);

/*
 * Records a failed delivery of m (claimed, so m->om_attempts is current):
 * attempts becomes m->om_attempts + 1, last_error error (truncated to
 * 1000 bytes) and next_attempt_at now + rb_outbox_retry_delay(attempts).
 * When attempts reaches max_attempts (pass m->om_attempts + 1 to give up
 * at once, e.g. for a message that can never be sent) the message is
 * given up: next_attempt_at is RB_OUTBOX_NEVER, last_error reads "gave up
 * after N attempt(s): error" and *gave_up (when not NULL) is set to 1,
 * else to 0. Returns 0, or -1 (logged).
 */
int	rb_outbox_mark_failed(rb_db *db, const struct rb_outbox_msg *m,
	    const char *error, int64_t now, int max_attempts, int *gave_up);

/*
 * Empties the bodies of message id once it is sent or given up (they
 * hold single-use links that should not outlive their delivery) and
 * deletes its attached files; the row stays as the record of the delivery. Does nothing to a message
 * still waiting. 0, or -1 (logged).
 */
int	rb_outbox_forget_bodies(rb_db *db, int64_t id);

/* Makes claimed message id due at now again, attempts unchanged. 0 or -1. */
int	rb_outbox_release(rb_db *db, int64_t id, int64_t now);

/*
 * Seconds to wait before the next attempt after the attempts-th failure
 * (attempts >= 1): 60 * 2^(attempts - 1), at most RB_OUTBOX_RETRY_MAX.
 */
int64_t	rb_outbox_retry_delay(int attempts);

/*
 * Sets *out to a new array of the limit most recent messages, newest
 * first: [{"id", "to", "subject", "text", "html" (or null), "created_at",
 * "sent_at" (or null), "attempts", "last_error" (or null), "given_up"
 * (true once given up)}], instants in UTC seconds. Returns 0, or -1
 * with *out NULL (logged). The caller owns *out (json_decref).
 */
int	rb_outbox_list_recent(rb_db *db, int limit, json_t **out);

/*
 * Counts messages waiting for delivery (not sent, not given up) into
 * *pending and given-up ones into *given_up, for monitoring. 0 or -1.
 */
int	rb_outbox_counts(rb_db *db, int64_t *pending, int64_t *given_up);

#endif
