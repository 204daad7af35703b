/*
 * readings.c: a meter reading sent by a subscriber or recorded by an
 * agent, checked and recorded (the rules are in readings.h; the SQL in
 * store/readings.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/readings.h"
#include "app/pagecache.h"
#include "app/readings.h"

/* Days from a to b (ISO dates); 0 when either is invalid. */
static int64_t
days_between(const char *a, const char *b)
{
	struct rb_date x, y;

	if (rb_clock_parse_date(a, &x) != 0 || rb_clock_parse_date(b, &y) != 0)
		return 0;
	return rb_clock_days_from_civil(&y) - rb_clock_days_from_civil(&x);
}

/* Usual daily litres of meter up to its reading last (see readings.h). */
static int
usual_daily(rb_db *db, int64_t meter, const struct rb_rd_reading *last,
    int64_t *usual)
{
	struct rb_date d, from, before;
	struct rb_rd_reading first;
	char s_from[11], s_before[11];
	int64_t days;
	int rc;

	*usual = RB_READING_USUAL_FLOOR;
	if (rb_clock_parse_date(last->rr_day, &d) != 0)
		return 0;
	rb_clock_date_add(&d, -365, &from);
	rb_clock_date_add(&d, -(RB_READING_USUAL_MIN_DAYS - 1), &before);
	rb_clock_format_date(&from, s_from, sizeof(s_from));
	rb_clock_format_date(&before, s_before, sizeof(s_before));
	rc = rb_rd_store_first_between(db, meter, s_from, s_before, &first);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	days = days_between(first.rr_day, last->rr_day);
	if (days > 0 && last->rr_litres > first.rr_litres &&
	    (last->rr_litres - first.rr_litres) / days > *usual)
		*usual = (last->rr_litres - first.rr_litres) / days;
	return 0;
}

static const char *const by_name[RB_READING_BY__MAX] = {
	[RB_READING_BY_SUBSCRIBER] = "subscriber",
	[RB_READING_BY_AGENT] = "agent",
};

int64_t
rb_reading_parse_m3(const char *s)
{
	int64_t v = 0;
	int digits = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s < '0' || *s > '9' || digits >= 8)
			return -1;
		v = v * 10 + (*s - '0');
		digits++;
	}
	return digits > 0 ? v : -1;
}

/* One try of rb_reading_submit() inside its transaction. */
struct submit {
	const struct rb_reading_req	*sb_rq;
	struct rb_reading_result	*sb_out;
	const char			*sb_today;
	int64_t				 sb_litres;
	int64_t				 sb_account;
	enum rb_rc			 sb_rc;	/* when the try returns 0 */
};

/*
 * Checks and records the reading of s inside the transaction of
 * rb_db_transact(): the checks and the insertion see the same rows, and
 * a concurrent submission for the same meter and day makes PostgreSQL
 * refuse one of the two (RB_RETRY), whose next try then finds the
 * reading of the day. Returns 0 with s->sb_rc and s->sb_out filled
 * (commit), or -1 (roll back).
 */
static int
submit_try(rb_db *db, void *arg)
{
	struct submit *s = arg;
	const struct rb_reading_req *rq = s->sb_rq;
	struct rb_reading_result *out = s->sb_out;
	const char *today = s->sb_today;
	int64_t litres = s->sb_litres, account = s->sb_account, id;
	struct rb_rd_meter m;
	struct rb_rd_reading last, today_rd;
	char target[48];
	enum rb_filetype type = RB_FILETYPE_UNKNOWN;
	enum rb_attach_check why;
	struct rb_attachment att;
	json_t *detail;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&last, 0, sizeof(last));
	s->sb_rc = RB_OK;
	if ((r = rb_rd_store_meter(db, account, rq->rq_meter, &m)) != 0) {
		if (r != 1)
			return -1;
		s->sb_rc = RB_NOT_FOUND;
		return 0;
	}
	snprintf(out->rs_serial, sizeof(out->rs_serial), "%s", m.rm_serial);
	snprintf(out->rs_contract, sizeof(out->rs_contract), "%s",
	    m.rm_contract);
	if ((r = rb_rd_store_last(db, m.rm_id, &last)) < 0)
		return -1;
	if (r == 0) {
		out->rs_has_last = 1;
		snprintf(out->rs_last_day, sizeof(out->rs_last_day), "%s",
		    last.rr_day);
		out->rs_last_litres = last.rr_litres;
	}
	if (m.rm_remote && rq->rq_by == RB_READING_BY_SUBSCRIBER) {
		out->rs_verdict = RB_READING_REMOTE;
		return 0;
	}
	if ((r = rb_rd_store_on_day(db, m.rm_id, today, &today_rd)) < 0)
		return -1;
	if (r == 0) {
		out->rs_verdict = RB_READING_TODAY;
		out->rs_has_last = 1;
		snprintf(out->rs_last_day, sizeof(out->rs_last_day), "%s",
		    today_rd.rr_day);
		out->rs_last_litres = today_rd.rr_litres;
		return 0;
	}
	if (out->rs_has_last && !rq->rq_meter_change) {
		if (rq->rq_m3 < last.rr_litres / 1000) {
			out->rs_verdict = RB_READING_LOWER;
			return 0;
		}
		if (rq->rq_m3 == last.rr_litres / 1000) {
			out->rs_verdict = RB_READING_SAME;
			return 0;
		}
		if (usual_daily(db, m.rm_id, &last, &out->rs_usual) != 0)
			return -1;
		out->rs_days = days_between(last.rr_day, today);
		if (out->rs_days < 1)
			out->rs_days = 1;
		out->rs_limit = (int64_t)rq->rq_factor * out->rs_usual *
		    out->rs_days;
		if (litres - last.rr_litres > out->rs_limit &&
		    !rq->rq_confirmed) {
			out->rs_verdict = RB_READING_JUMP;
			return 0;
		}
	}
	if (rq->rq_photo != NULL) {
		why = rb_attach_check(rq->rq_attach, rq->rq_photo,
		    rq->rq_photo_len, &type);
		if (why == RB_ATTACH_OK && type != RB_FILETYPE_JPEG &&
		    type != RB_FILETYPE_PNG)
			why = RB_ATTACH_BAD_TYPE;
		if (why != RB_ATTACH_OK) {
			if (why == RB_ATTACH_BAD_TYPE)
				snprintf(out->rs_photo_msg,
				    sizeof(out->rs_photo_msg), "La photo du "
				    "compteur doit être une image JPEG ou PNG.");
			else
				rb_attach_message(rq->rq_attach, why, 1,
				    out->rs_photo_msg,
				    sizeof(out->rs_photo_msg));
			out->rs_verdict = RB_READING_BAD_PHOTO;
			return 0;
		}
	}
	if (rb_rd_store_add(db, m.rm_id, today, litres,
	    rq->rq_by == RB_READING_BY_AGENT ? "agent" : "portal", &id) != 0)
		return -1;
	if (rq->rq_photo != NULL && rb_attach_store(db, rq->rq_attach,
	    "reading", id, 0, account, type, rq->rq_photo, rq->rq_photo_len,
	    rq->rq_now, &att) != 0)
		return -1;
	snprintf(target, sizeof(target), "meter:%s", m.rm_serial);
	detail = json_pack("{s:s, s:I, s:s, s:b, s:b, s:b}", "contract",
	    m.rm_contract, "index_litres", (json_int_t)litres, "by",
	    by_name[rq->rq_by], "jump_confirmed", out->rs_limit > 0 &&
	    litres - last.rr_litres > out->rs_limit, "meter_change",
	    rq->rq_meter_change != 0, "photo", rq->rq_photo != NULL);
	r = rb_audit(db, rq->rq_now, rq->rq_by == RB_READING_BY_AGENT ?
	    RB_ACTOR_AGENT : RB_ACTOR_SUBSCRIBER, rq->rq_actor,
	    "reading.submitted", target, rq->rq_ip, detail);
	json_decref(detail);
	if (r != 0)
		return -1;
	out->rs_verdict = RB_READING_RECORDED;
	out->rs_id = id;
	return 0;
}

enum rb_rc
rb_reading_submit(rb_db *db, const struct rb_reading_req *rq,
    struct rb_reading_result *out)
{
	struct submit s;
	struct rb_date td;
	char today[11];
	int64_t litres, account;

	memset(out, 0, sizeof(*out));
	if (rq->rq_by < 0 || rq->rq_by >= RB_READING_BY__MAX ||
	    rq->rq_m3 < 0 || rq->rq_m3 > RB_READING_MAX_M3 ||
	    rq->rq_factor < 1 ||
	    (rq->rq_meter_change && rq->rq_by != RB_READING_BY_AGENT))
		return RB_INVALID;
	if (rq->rq_photo != NULL && rq->rq_attach == NULL)
		return RB_INVALID;
	account = rq->rq_by == RB_READING_BY_SUBSCRIBER ? rq->rq_actor : 0;
	if (rq->rq_by == RB_READING_BY_SUBSCRIBER && account <= 0)
		return RB_NOT_FOUND;
	litres = rq->rq_m3 * 1000;
	rb_clock_today(rq->rq_now, &td);
	if (rb_clock_format_date(&td, today, sizeof(today)) != 0)
		return RB_ERROR;
	s.sb_rq = rq;
	s.sb_out = out;
	s.sb_today = today;
	s.sb_litres = litres;
	s.sb_account = account;
	if (rb_db_transact(db, submit_try, &s) != 0) {
		memset(out, 0, sizeof(*out));
		log_warnx("%s: meter %lld: reading not recorded", __func__,
		    (long long)rq->rq_meter);
		return RB_ERROR;
	}
	return s.sb_rc;
}

enum rb_rc
rb_reading_meters(rb_db *db, int64_t account, json_t **out)
{
	struct rb_rd_reading *last;
	json_t *meters, *m;
	int64_t *ids;
	uint64_t epoch;
	size_t i, n;
	int *found, rc;

	*out = NULL;
	if ((*out = rb_pagecache_json(RB_PAGECACHE_READINGS, account, "", "",
	    (int64_t)time(NULL), &epoch)) != NULL)
		return RB_OK;
	if (rb_rd_store_meters(db, account, &meters) != 0)
		return RB_ERROR;
	/* Their latest readings: one batch, one round trip, after the one
	   that listed the meters (they need their ids). */
	n = json_array_size(meters);
	ids = rb_xcalloc(n + 1, sizeof(*ids));
	last = rb_xcalloc(n + 1, sizeof(*last));
	found = rb_xcalloc(n + 1, sizeof(*found));
	json_array_foreach(meters, i, m)
		ids[i] = json_integer_value(json_object_get(m, "id"));
	rc = rb_rd_store_lasts(db, ids, n, last, found);
	json_array_foreach(meters, i, m)
		if (rc == 0)
			json_object_set_new(m, "last", found[i] ? json_pack(
			    "{s:s, s:I, s:s}", "day", last[i].rr_day, "litres",
			    (json_int_t)last[i].rr_litres, "source",
			    last[i].rr_source) : json_null());
	free(last);
	free(found);
	if (rc != 0) {
		free(ids);
		json_decref(meters);
		return RB_ERROR;
	}
	/* The contracts shown, for the notices that evict it. */
	json_array_foreach(meters, i, m) {
		ids[i] = json_integer_value(json_object_get(m, "contract_id"));
		json_object_del(m, "contract_id");
	}
	rb_pagecache_json_keep(RB_PAGECACHE_READINGS, account, "", "", meters,
	    ids, n, 0, epoch);
	free(ids);
	*out = meters;
	return RB_OK;
}
