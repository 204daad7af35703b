/*
 * readings.h: "Transmettre mon index": a meter reading sent by the
 * subscriber (or recorded by customer service for them), checked
 * against the meter's last measured reading and recorded as a reading
 * of source 'customer' (an "abonné" reading), audited.
 *
 * The index is whole cubic metres, the black digits printed on the
 * meter (the red litre digits are not asked: people misread them and a
 * bill is in m³ anyway); it is stored in litres (m³ x 1000). The date
 * is today in Paris (rb_clock_today()). The rules, in this order:
 *   - a remote-read meter takes no index from its subscriber (it sends
 *     its own every day): RB_READING_REMOTE;
 *   - one reading per meter and day: when the meter already has one
 *     today (of any source) a second is refused, RB_READING_TODAY (to
 *     correct a mistake, customer service);
 *   - compared with the last measured reading (store/readings.h: not an
 *     estimate) of L litres on day D: an index whose m³ are below
 *     floor(L / 1000) is RB_READING_LOWER, equal to it RB_READING_SAME
 *     (nothing new to record); unless an agent records it with
 *     rq_meter_change (the meter was replaced), when both rules are
 *     skipped;
 *   - a jump: with U the usual daily use (below) and n the days from D
 *     to today (at least 1), an increase of more than factor x U x n
 *     litres is RB_READING_JUMP unless rq_confirmed (the subscriber
 *     ticked the confirmation box of the second submit);
 *   - an optional photo of the meter must be a JPEG or PNG image,
 *     recognised by its bytes, within the attachment size limit
 *     (app/attachments.h): else RB_READING_BAD_PHOTO, with the French
 *     reason in rs_photo_msg;
 *   - otherwise it is recorded: RB_READING_RECORDED, with the photo
 *     (attachments row of purpose 'reading', ref_id the reading's id)
 *     and the audit entry 'reading.submitted' (target "meter:<serial>",
 *     detail {"contract", "index_litres", "by", "jump_confirmed",
 *     "meter_change", "photo"}) in the same transaction.
 * U is (L - L0) / (D - D0) for the earliest measured reading (L0, D0)
 * at most 365 days before D and at least RB_READING_USUAL_MIN_DAYS
 * before it; RB_READING_USUAL_FLOOR litres when there is none or when
 * it is lower (a meter whose history shows no use still takes a
 * household's index without a question).
 */
#ifndef RB_APP_READINGS_H
#define RB_APP_READINGS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "app/attachments.h"
#include "app/rc.h"
#include "store/db.h"

#define RB_READING_USUAL_MIN_DAYS	28
#define RB_READING_USUAL_FLOOR		150	/* litres a day */
#define RB_READING_MAX_M3		99999999

enum rb_reading_by {
	RB_READING_BY_SUBSCRIBER,	/* rq_actor: the web account */
	RB_READING_BY_AGENT,		/* rq_actor: the agent's id */
	RB_READING_BY__MAX
};

struct rb_reading_req {
	enum rb_reading_by rq_by;
	int64_t		 rq_actor;
	int64_t		 rq_meter;	/* meters.id */
	int64_t		 rq_m3;		/* whole cubic metres */
	int		 rq_confirmed;	/* a jump was confirmed */
	int		 rq_meter_change; /* agents only: lower allowed */
	int		 rq_factor;	/* the jump factor (index_jump_factor) */
	const char	*rq_ip;		/* may be NULL */
	time_t		 rq_now;
	const void	*rq_photo;	/* the meter's photo, or NULL */
	size_t		 rq_photo_len;
	const struct rb_attach_cfg *rq_attach; /* needed with a photo */
};

enum rb_reading_verdict {
	RB_READING_RECORDED,
	RB_READING_REMOTE,
	RB_READING_TODAY,
	RB_READING_LOWER,
	RB_READING_SAME,
	RB_READING_JUMP,
	RB_READING_BAD_PHOTO,
	RB_READING__MAX
};

struct rb_reading_result {
	enum rb_reading_verdict rs_verdict;
	char		 rs_serial[24];
	char		 rs_contract[16];
	int		 rs_has_last;	/* rs_last_* are set */
	char		 rs_last_day[11];
	int64_t		 rs_last_litres;
	int64_t		 rs_usual;	/* U, litres a day */
	int64_t		 rs_days;	/* n */
	int64_t		 rs_limit;	/* largest increase without asking */
	int64_t		 rs_id;		/* the new reading's row id */
	char		 rs_photo_msg[RB_ATTACH_MSG_MAX];
};

/*
 * Applies the rules above to rq and, when they pass, records the reading
 * at today's date. Fills *out in every RB_OK case (rs_verdict says
 * which). Returns RB_OK; RB_NOT_FOUND when the meter is not in place
 * on a contract of rq_actor's account (a subscriber) or does not exist:
 * the same answer; RB_INVALID when rq_m3 is outside [0,
 * RB_READING_MAX_M3], rq_factor below 1 or a subscriber sets
 * rq_meter_change; RB_ERROR on a database failure (logged; nothing
 * recorded).
 */
enum rb_rc	rb_reading_submit(rb_db *db, const struct rb_reading_req *rq,
		    struct rb_reading_result *out);

/*
 * An index as typed on a form: whole m³, digits with optional spaces
 * (8 digits at most, as on the meter's black wheels). Returns the value,
 * or -1 for anything else (decimals, signs, letters, empty).
 */
int64_t		rb_reading_parse_m3(const char *s);

/*
 * The meters of account for the form: a new array of {"id", "serial",
 * "contract", "remote" (bool), "last": {"day", "litres", "source"} or
 * null}. Caller owns *out. RB_OK or RB_ERROR (*out NULL). On
 * PostgreSQL it is kept in this server's memory for the account, listing
 * the contracts of its meters (app/pagecache.h): the triggers on
 * meters, meter_readings, contracts and account_contracts evict it.
 */
enum rb_rc	rb_reading_meters(rb_db *db, int64_t account, json_t **out);

#endif
