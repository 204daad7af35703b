/*
 * sender.c: delivering the outbox: rb_mail_send_due() claims due
 * messages, builds each one, hands it to SMTP (or the demo folder) and
 * records the outcome; the sender thread of `serve` runs it every poll
 * interval and whenever rb_mail_queue() wakes it (see mail.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "mail/address.h"
#include "mail/devbox.h"
#include "mail/mail.h"
#include "mail/message.h"
#include "mail/smtp.h"
#include "mail/state.h"
#include "store/outbox.h"

#define BATCH		10	/* messages claimed at once */
#define RECHECK_SECS	1	/* second look after a wake-up */

enum deliver_rc {
	DELIVER_OK,
	DELIVER_FAILED,		/* retry later */
	DELIVER_BROKEN,		/* the row cannot make a message: give up */
	DELIVER_CANCELLED	/* stopping: hand the row back */
};

struct rb_mail_sender {
	pthread_t	 snd_thread;
	pthread_mutex_t	 snd_lock;
	pthread_cond_t	 snd_cond;	/* on CLOCK_MONOTONIC */
	int		 snd_woken;	/* under snd_lock */
	atomic_int	 snd_stop;
	rb_db_pool	*snd_pool;
};

/* The running sender, for rb_mail_sender_wake(). */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rb_mail_sender *running;

static enum deliver_rc
deliver(const struct rb_mail_state *st, const struct rb_outbox_msg *m,
    const atomic_int *cancel, char *err, size_t errlen)
{
	char msgid[RB_MAIL_MSGID_MAX], seed[96 + RB_MAIL_ADDR_MAX];
	struct rb_mail_attach files[RB_MAIL_FILES_MAX];
	struct rb_mail_msg mm;
	size_t i;
	rb_buf msg = RB_BUF_INIT;
	enum deliver_rc rc = DELIVER_FAILED;
	int n;

	/* The same id on every retry, so that receivers can spot twins. */
	n = snprintf(seed, sizeof(seed), "robinet-outbox|%lld|%lld|%s",
	    (long long)m->om_id, (long long)m->om_created_at, m->om_to);
	rb_mail_message_id(msgid, sizeof(msgid), st->st_from_domain, seed,
	    n > 0 && (size_t)n < sizeof(seed) ? (size_t)n : sizeof(seed) - 1);
	memset(&mm, 0, sizeof(mm));
	mm.mm_from_name = st->st_from_name;
	mm.mm_from_addr = st->st_from_addr;
	mm.mm_to = m->om_to;
	mm.mm_subject = m->om_subject;
	mm.mm_text = m->om_text;
	mm.mm_html = m->om_html;
	mm.mm_date = (time_t)m->om_created_at;
	mm.mm_message_id = msgid;
	if (m->om_bad_files || m->om_nfiles > RB_MAIL_FILES_MAX) {
		snprintf(err, errlen, "attached files unreadable or too many");
		rc = DELIVER_BROKEN;
		goto out;
	}
	for (i = 0; i < m->om_nfiles; i++) {
		files[i].ma_name = m->om_files[i].of_name;
		files[i].ma_type = m->om_files[i].of_type;
		files[i].ma_data = m->om_files[i].of_data;
		files[i].ma_len = m->om_files[i].of_len;
	}
	mm.mm_files = files;
	mm.mm_nfiles = m->om_nfiles;
	if (rb_mail_build(&mm, &msg, err, errlen) != 0) {
		rc = DELIVER_BROKEN;
		goto out;
	}
	if (st->st_demo) {
		if (rb_mail_devbox_write(st->st_mail_dir, m->om_id,
		    msg.buf_data, msg.buf_len, err, errlen) == 0)
			rc = DELIVER_OK;
		goto out;
	}
	switch (rb_mail_smtp_send(st, m->om_to, msg.buf_data, msg.buf_len,
	    cancel, err, errlen)) {
	case RB_SMTP_OK:
		rc = DELIVER_OK;
		break;
	case RB_SMTP_CANCELLED:
		rc = DELIVER_CANCELLED;
		break;
	default:
		rc = DELIVER_FAILED;
		break;
	}
out:
	rb_buf_free(&msg);
	return rc;
}

/*
 * Once a message is done with, its bodies (and the single-use link in
 * them) leave the database, except in demo mode where /_dev/courriels
 * shows them.
 */
static int
done_with(const struct rb_mail_state *st, rb_db *db, int64_t id)
{
	return st->st_demo ? 0 : rb_outbox_forget_bodies(db, id);
}

/* Delivers m and records the outcome; -1 when the database fails. */
static int
handle(const struct rb_mail_state *st, rb_db *db,
    const struct rb_outbox_msg *m, time_t now, const atomic_int *cancel,
    struct rb_mail_stats *stats)
{
	char err[1024] = "";
	int gave_up = 0, max;

	switch (deliver(st, m, cancel, err, sizeof(err))) {
	case DELIVER_OK:
		log_info("mail %lld delivered", (long long)m->om_id);
		stats->ms_sent++;
		if (rb_outbox_mark_sent(db, m->om_id, (int64_t)now) != 0)
			return -1;
		return done_with(st, db, m->om_id);
	case DELIVER_CANCELLED:
		return rb_outbox_release(db, m->om_id, (int64_t)now);
	case DELIVER_BROKEN:
		max = m->om_attempts + 1;	/* no use retrying */
		break;
	default:
		max = st->st_max_attempts;
		break;
	}
	if (rb_outbox_mark_failed(db, m, err, (int64_t)now, max,
	    &gave_up) != 0)
		return -1;
	if (gave_up) {
		stats->ms_gave_up++;
		log_errx("mail %lld given up after %d attempt(s): %s",
		    (long long)m->om_id, m->om_attempts + 1, err);
		return done_with(st, db, m->om_id);
	} else {
		stats->ms_failed++;
		log_warnx("mail %lld: attempt %d failed, next in %lld s: %s",
		    (long long)m->om_id, m->om_attempts + 1,
		    (long long)rb_outbox_retry_delay(m->om_attempts + 1), err);
	}
	return 0;
}

static int
send_due(rb_db *db, time_t now, int max, struct rb_mail_stats *stats,
    const atomic_int *cancel)
{
	const struct rb_mail_state *st;
	struct rb_mail_stats local = { 0, 0, 0 };
	struct rb_outbox_msg *msgs;
	struct timespec start, ts;
	int64_t lease;
	size_t n, i;
	int total = 0, rc = 0, limit;

	if (stats == NULL)
		stats = &local;
	if ((st = rb_mail_state()) == NULL)
		return -1;
	if (!st->st_demo && st->st_smtp_url[0] == '\0') {
		log_errx("smtp_url is not set: mail stays in the outbox");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (total < max && rc == 0) {
		if (cancel != NULL && atomic_load(cancel) != 0)
			break;
		/*
		 * Long enough for a whole batch of slow deliveries, from
		 * the moment this batch is claimed: a lease reckoned from
		 * the start of a long run would end while its last batches
		 * are being sent, and another server would send them too.
		 */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		lease = (int64_t)now + (int64_t)(ts.tv_sec - start.tv_sec) +
		    60 + (int64_t)BATCH * (st->st_timeout + 10);
		limit = max - total < BATCH ? max - total : BATCH;
		if (rb_outbox_claim(db, (int64_t)now, lease,
		    st->st_max_attempts, limit, &msgs, &n) != 0)
			return -1;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (rc == 0)
				rc = handle(st, db, &msgs[i], now, cancel,
				    stats);
		}
		rb_outbox_msgs_free(msgs, n);
		total += (int)n;
	}
	return rc;
}

int
rb_mail_send_due(rb_db *db, time_t now, int max, struct rb_mail_stats *st)
{
	return send_due(db, now, max, st, NULL);
}

static void *
sender_main(void *arg)
{
	struct rb_mail_sender *s = arg;
	const struct rb_mail_state *st = rb_mail_state();
	struct timespec deadline;
	int woke = 1, recheck = 0;
	rb_db *db;

	pthread_mutex_lock(&s->snd_lock);
	while (!atomic_load(&s->snd_stop)) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += recheck ? RECHECK_SECS :
		    st->st_poll_interval;
		while (!s->snd_woken && !atomic_load(&s->snd_stop))
			if (pthread_cond_timedwait(&s->snd_cond,
			    &s->snd_lock, &deadline) == ETIMEDOUT)
				break;
		if (atomic_load(&s->snd_stop))
			break;
		woke = s->snd_woken;
		s->snd_woken = 0;
		pthread_mutex_unlock(&s->snd_lock);
		if ((db = rb_db_pool_get(s->snd_pool)) != NULL) {
			send_due(db, time(NULL), INT32_MAX, NULL,
			    &s->snd_stop);
			rb_db_pool_put(s->snd_pool, db);
		}
		/*
		 * A wake-up comes from inside the queueing transaction,
		 * maybe before its commit: look again shortly.
		 */
		recheck = woke;
		pthread_mutex_lock(&s->snd_lock);
	}
	pthread_mutex_unlock(&s->snd_lock);
	return NULL;
}

struct rb_mail_sender *
rb_mail_sender_start(rb_db_pool *pool)
{
	const struct rb_mail_state *st;
	struct rb_mail_sender *s;
	pthread_condattr_t attr;

	if ((st = rb_mail_state()) == NULL)
		return NULL;
	if (!st->st_demo && st->st_smtp_url[0] == '\0') {
		log_warnx("smtp_url is not set: mail stays in the outbox "
		    "until `robinet mail send` runs with it");
		return NULL;
	}
	s = rb_xcalloc(1, sizeof(*s));
	s->snd_pool = pool;
	s->snd_woken = 1;	/* deliver what waited while we were down */
	atomic_init(&s->snd_stop, 0);
	pthread_mutex_init(&s->snd_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->snd_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&s->snd_thread, NULL, sender_main, s) != 0) {
		log_errx("cannot start the mail sender thread");
		pthread_cond_destroy(&s->snd_cond);
		pthread_mutex_destroy(&s->snd_lock);
		free(s);
		return NULL;
	}
	pthread_mutex_lock(&running_lock);
	running = s;
	pthread_mutex_unlock(&running_lock);
	log_info("mail sender started (%s)", st->st_demo ? "demo: writing "
	    "to the mail folder" : "SMTP");
	return s;
}

void
rb_mail_sender_stop(struct rb_mail_sender *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&running_lock);
	if (running == s)
		running = NULL;
	pthread_mutex_unlock(&running_lock);
	pthread_mutex_lock(&s->snd_lock);
	atomic_store(&s->snd_stop, 1);
	pthread_cond_signal(&s->snd_cond);
	pthread_mutex_unlock(&s->snd_lock);
	pthread_join(s->snd_thread, NULL);
	pthread_cond_destroy(&s->snd_cond);
	pthread_mutex_destroy(&s->snd_lock);
	free(s);
}

void
rb_mail_sender_wake(void)
{
	struct rb_mail_sender *s;

	pthread_mutex_lock(&running_lock);
	if ((s = running) != NULL) {
		pthread_mutex_lock(&s->snd_lock);
		s->snd_woken = 1;
		pthread_cond_signal(&s->snd_cond);
		pthread_mutex_unlock(&s->snd_lock);
	}
	pthread_mutex_unlock(&running_lock);
}
